-- tests/milter/package.lua: RCPTs against the packaged example file
-- (/etc/aliasctl/aliases.yaml as shipped), for tests/package.sh.  One
-- run counts:
--   irs@example.com     hits 2
--   unknown nobody@example.com 1, irs+tax@example.com 1 (no subaddress: set)
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs@example.com>", CONTINUE)		-- active alias
rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))
rcpt(conn, "<x@other.org>", CONTINUE)			-- domain not managed
rcpt(conn, "<irs+tax@example.com>", unknown("<irs+tax@example.com>"))	-- no subaddress: unknown
rcpt(conn, "<IRS@Example.COM>", CONTINUE)
mt.disconnect(conn)
mt.echo("package: done")
