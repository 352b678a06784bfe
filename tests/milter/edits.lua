-- tests/milter/edits.lua: edits of one alias (add, restore, lock,
-- unlock) while alias-milter runs.  An open connection repeats the RCPT
-- until the milter gives the new verdict: each edit must take effect
-- without a restart, within 2 s.  The hook makes each edit (the one-key
-- way, which tests/milter.sh checks).
dofile(lib)

local conn = open("client.test", "192.0.2.10")

-- Repeats RCPT TO:<addr> until the reply is want (SMFIR_CONTINUE or
-- SMFIR_REPLYCODE), 10 ms apart, at most 2 s; returns the number of
-- replies that were still the old verdict.
local function until_reply(addr, want, what)
	local n = 0
	while true do
		if mt.rcptto(conn, addr) ~= nil then
			fail("RCPT TO:" .. addr .. " failed")
		end
		local r = mt.getreply(conn)
		if r == want then
			return n
		end
		n = n + 1
		if n > 200 then
			fail(addr .. ": the same verdict 2 s after " .. what)
		end
		mt.sleep(0.01)
	end
end

local function edit(action)
	if not os.execute(run .. " " .. action) then
		fail("hook " .. action .. " failed")
	end
end

mail(conn, "<sender@example.net>")
rcpt(conn, "<fresh@example.com>", unknown("<fresh@example.com>"))
edit("add")
mt.echo("add: accepted after " ..
    until_reply("<fresh@example.com>", SMFIR_CONTINUE, "add") ..
    " more refusals")
rcpt(conn, "<bestbuy@example.com>", unknown("<bestbuy@example.com>"))
edit("restore")
mt.echo("restore: accepted after " ..
    until_reply("<bestbuy@example.com>", SMFIR_CONTINUE, "restore") ..
    " more refusals")
rcpt(conn, "<irs@example.com>", CONTINUE)
edit("lock")
mt.echo("lock: refused after " ..
    until_reply("<irs@example.com>", SMFIR_REPLYCODE, "lock") ..
    " more acceptances")
-- The lock's own reply; a listed sender still gets through.
mail(conn, "<x@example.net>")
rcpt(conn, "<irs@example.com>", locked("<irs@example.com>"))
mail(conn, "<a@other.example>")
rcpt(conn, "<irs@example.com>", CONTINUE)
mail(conn, "<x@example.net>")
edit("unlock")
mt.echo("unlock: accepted after " ..
    until_reply("<irs@example.com>", SMFIR_CONTINUE, "unlock") ..
    " more refusals")
mt.disconnect(conn)
mt.echo("edits: done")
