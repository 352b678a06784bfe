-- tests/milter/data.lua: the DATA line.  Postfix sets the queue id
-- macro "i" only once it has a queue file: the first RCPT comes
-- without it, the later ones and DATA with it.  miltertest cannot send
-- macros at DATA (mt.macro refuses SMFIC_DATA); libmilter answers a
-- lookup at DATA from the RCPT macros as well, so those stand in here
-- (tests/postfix-milter.sh has Postfix's own).  tests/milter.sh checks
-- the lines; a second transaction on the same connection starts its
-- lists afresh, and a long list is cut.
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs+tax@example.com>", CONTINUE)
mt.macro(conn, SMFIC_RCPT, "i", "4XyZ1")
rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))
mt.macro(conn, SMFIC_RCPT, "i", "4XyZ1")
rcpt(conn, "<irs@example.com>", CONTINUE)
mt.macro(conn, SMFIC_RCPT, "i", "4XyZ1")
rcpt(conn, "<family@example.org>", CONTINUE)
local err = mt.data(conn)
if err ~= nil then
	fail("DATA: " .. tostring(err))
end
if mt.getreply(conn) ~= SMFIR_CONTINUE then
	fail("DATA: expected SMFIR_CONTINUE")
end

-- The next message: 30 recipients with long names, more than the line
-- holds.
mail(conn, "<>", true)
for i = 1, 30 do
	mt.macro(conn, SMFIC_RCPT, "i", "5AbC2")
	rcpt(conn, "<" .. string.rep("a", 60) .. i .. "@other.org>", CONTINUE)
end
err = mt.data(conn)
if err ~= nil then
	fail("DATA: " .. tostring(err))
end
mt.disconnect(conn)
mt.echo("data: done")
