-- tests/milter/missing.lua: no map, a removed map and a corrupt map give
-- 451 4.3.0 for the managed domains (never accept all, never reject
-- all); a compile brings the answers back without a restart.  The
-- daemon starts before the first compile.
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs@example.com>", unavailable("<irs@example.com>"))
hook("compile")
rcpt(conn, "<irs@example.com>", CONTINUE)
rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))

hook("hide")		-- MAP.lmdb and MAP.policy.lmdb removed
rcpt(conn, "<irs@example.com>", unavailable("<irs@example.com>"))
rcpt(conn, "<nobody@example.com>", unavailable("<nobody@example.com>"))
rcpt(conn, "<x@other.org>", CONTINUE)	-- never a domain of the map
-- A new connection while the map is missing.
local c2 = open("client2.test", "192.0.2.11")
mail(c2, "<sender@example.net>")
rcpt(c2, "<irs@example.com>", unavailable("<irs@example.com>"))
mt.disconnect(c2)

hook("compile")
rcpt(conn, "<irs@example.com>", CONTINUE)
rcpt(conn, "<bestbuy@example.com>", unknown("<bestbuy@example.com>"))

hook("corrupt")		-- garbage renamed over MAP.lmdb
rcpt(conn, "<irs@example.com>", unavailable("<irs@example.com>"))
hook("compile")
rcpt(conn, "<irs@example.com>", CONTINUE)
rcpt(conn, "<nobody@example.com>", unknown("<nobody@example.com>"))
mt.disconnect(conn)
mt.echo("missing: done")
