-- tests/milter/learn.lua: alias-milter -l refuses nothing; every
-- would-be verdict is still logged and counted (tests/milter.sh checks
-- the same counts as for verdicts.lua).
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs@example.com>", CONTINUE)
rcpt(conn, "<x@other.org>", CONTINUE)
rcpt(conn, "<postmaster@example.com>", CONTINUE)
rcpt(conn, "<abuse@example.org>", CONTINUE)
rcpt(conn, "<bestbuy@example.com>", CONTINUE)
rcpt(conn, "<old@example.com>", CONTINUE)
rcpt(conn, "<nobody@example.com>", CONTINUE)
rcpt(conn, "<shop@example.com>", CONTINUE)
rcpt(conn, "<irs@example.com>", CONTINUE)
mail(conn, "<>", true)
rcpt(conn, "<shop@example.com>", CONTINUE)
rcpt(conn, "<irs@example.com>", CONTINUE)
rcpt(conn, "<postmaster@example.com>", CONTINUE)
rcpt(conn, "<nobody@example.com>", CONTINUE)
mt.disconnect(conn)
mt.echo("learn: done")
