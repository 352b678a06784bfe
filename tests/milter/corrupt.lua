-- tests/milter/corrupt.lua: a damaged map or policy file published in
-- place of the good pair (tests/faults.sh, test_fault_map_corrupt): every
-- recipient at a managed domain gets 451 4.3.0, other domains pass, the
-- daemon lives on; the next good compile brings the right answers back
-- without a restart.  The hook makes each fault with a fresh compile
-- that it damages before renaming both files into place, so that the
-- policy names the map beside it and the daemon loads the pair at once.
-- The faults are listed in the -D variable "faults", separated by blanks.
-- Each recipient asked about needs a lookup in the map itself: a map
-- whose data pages are damaged, beside a good policy file, still gets
-- the answers the policy alone decides (postmaster@, revoked, expired,
-- backscatter) right, and those are not what this script is about.
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs@example.com>", CONTINUE)
rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))
rcpt(conn, "<bestbuy@example.com>", unknown("<bestbuy@example.com>"))

local n = 0
for fault in string.gmatch(faults, "%S+") do
	n = n + 1
	hook(fault)
	mt.echo("fault " .. fault)
	rcpt(conn, "<irs@example.com>", unavailable("<irs@example.com>"))
	rcpt(conn, "<nobody@example.com>", unavailable("<nobody@example.com>"))
	rcpt(conn, "<family@example.org>", unavailable("<family@example.org>"))
	rcpt(conn, "<g0001@example.org>", unavailable("<g0001@example.org>"))
	rcpt(conn, "<x@other.org>", CONTINUE)	-- never a domain of the map
	-- A connection opened while the files are damaged.
	local c2 = open("client2.test", "192.0.2.11")
	mail(c2, "<>")
	rcpt(c2, "<irs+x@example.com>", unavailable("<irs+x@example.com>"))
	rcpt(c2, "<x@other.org>", CONTINUE)
	mt.disconnect(c2)

	hook("compile")
	rcpt(conn, "<irs@example.com>", CONTINUE)
	rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))
	rcpt(conn, "<bestbuy@example.com>", unknown("<bestbuy@example.com>"))
end
if n == 0 then
	fail("no faults given")
end
mt.disconnect(conn)
mt.echo("corrupt: " .. n .. " faults: done")
