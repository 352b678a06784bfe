-- tests/milter/revoke.lua: `aliasctl revoke` while alias-milter runs.
-- An open connection keeps sending RCPT TO:<irs@example.com>, 10 ms
-- apart, until the milter refuses it: the revocation must take effect
-- without a restart, within 2 s.  The hook writes the times the revoke
-- command started and ended ("revoke") and when the refusal came
-- ("mark"); tests/milter.sh reports them.
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs@example.com>", CONTINUE)
if not os.execute(run .. " revoke") then
	fail("hook revoke failed")
end
local n = 0
while true do
	if mt.rcptto(conn, "<irs@example.com>") ~= nil then
		fail("RCPT TO:<irs@example.com> failed")
	end
	local r = mt.getreply(conn)
	if r == SMFIR_REPLYCODE then
		break
	end
	if r ~= SMFIR_CONTINUE then
		fail("RCPT TO:<irs@example.com>: unexpected reply")
	end
	n = n + 1
	if n > 200 then
		fail("irs@example.com still accepted 2 s after the revoke")
	end
	mt.sleep(0.01)
end
if not os.execute(run .. " mark") then
	fail("hook mark failed")
end
mt.echo("ok refused after " .. n .. " more accepted RCPTs")
-- The connection goes on; the next transaction is refused too.
mail(conn, "<other@example.net>")
rcpt(conn, "<irs@example.com>", unknown("<irs@example.com>"))
mt.disconnect(conn)
mt.echo("revoke: done")
