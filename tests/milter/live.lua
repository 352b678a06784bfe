-- tests/milter/live.lua: the map is replaced (aliasctl compile of a
-- changed file) while connections are open: the next RCPT on the same
-- connection, in the same transaction, gets the new answer, and so does
-- a connection opened before the compile and used only after it.
dofile(lib)

local conn = open("client.test", "192.0.2.10")
local idle = open("client2.test", "192.0.2.11")
mail(conn, "<sender@example.net>")
rcpt(conn, "<irs@example.com>", CONTINUE)
rcpt(conn, "<bestbuy@example.com>", unknown("<bestbuy@example.com>"))
rcpt(conn, "<newbie@example.com>", unknown("<newbie@example.com>"))
rcpt(conn, "<shop@example.com>", CONTINUE)

-- The new file revokes irs@, restores bestbuy@, adds newbie@ and makes
-- shop@ an ordinary alias.
hook("swap")
rcpt(conn, "<irs@example.com>", unknown("<irs@example.com>"))
rcpt(conn, "<bestbuy@example.com>", CONTINUE)
rcpt(conn, "<newbie@example.com>", CONTINUE)
mail(conn, "<>", true)
rcpt(conn, "<shop@example.com>", CONTINUE)

mail(idle, "<>")
rcpt(idle, "<irs@example.com>", unknown("<irs@example.com>"))
rcpt(idle, "<newbie@example.com>", CONTINUE)
rcpt(idle, "<shop@example.com>", CONTINUE)

-- And back again, several times, between RCPTs of one transaction.
for i = 1, 3 do
	hook("unswap")
	rcpt(conn, "<irs@example.com>", CONTINUE)
	rcpt(conn, "<newbie@example.com>", unknown("<newbie@example.com>"))
	hook("swap")
	rcpt(conn, "<irs@example.com>", unknown("<irs@example.com>"))
	rcpt(conn, "<newbie@example.com>", CONTINUE)
end
mt.disconnect(idle)
mt.disconnect(conn)
mt.echo("live: done")
