-- tests/milter/verdicts.lua: every row of SPEC.md's verdict table, on
-- one connection, two transactions.  Run by tests/milter.sh, which
-- checks the log lines and the stats counts this script causes:
--   irs@example.com     hits 3
--   shop@example.com    hits 1, backscatter 1
--   bestbuy@example.com revoked_hits 1     old@example.com revoked_hits 1
--   unknown nobody@example.com 2
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs@example.com>", CONTINUE)		-- active alias
rcpt(conn, "<x@other.org>", CONTINUE)			-- domain not managed
rcpt(conn, "<postmaster@example.com>", CONTINUE)	-- always accepted
rcpt(conn, "<abuse@example.org>", CONTINUE)
rcpt(conn, "<bestbuy@example.com>", unknown("<bestbuy@example.com>"))	-- revoked
rcpt(conn, "<old@example.com>", unknown("<old@example.com>"))		-- expired
rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))	-- unknown
rcpt(conn, "<shop@example.com>", CONTINUE)	-- receive-only, real sender
rcpt(conn, "<irs@example.com>", CONTINUE)

-- A bounce: MAIL FROM:<>.
mail(conn, "<>", true)
rcpt(conn, "<shop@example.com>", backscatter("<shop@example.com>"))
rcpt(conn, "<irs@example.com>", CONTINUE)	-- not receive-only
rcpt(conn, "<postmaster@example.com>", CONTINUE)
rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))
mt.disconnect(conn)
mt.echo("verdicts: done")
