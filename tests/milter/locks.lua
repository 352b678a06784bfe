-- tests/milter/locks.lua: sender locks ("senders:"), one transaction per
-- sender on one connection.  With -D learn=1 (alias-milter -l) nothing
-- is refused; the verdicts are logged and counted alike.  Run by
-- tests/milter.sh, which checks the log lines and these counts:
--   electronics@example.com  hits 4, locked 4
--   ro@example.com           hits 1, locked 1, backscatter 1
--   irs@example.com          hits 1
dofile(lib)

local function want(w)
	if learn == "1" then
		return CONTINUE
	end
	return w
end

local conn = open("client.test", "192.0.2.10")
-- A listed domain, a subdomain of it (any case), an exact address.
mail(conn, "<orders@bestbuy.com>")
rcpt(conn, "<electronics@example.com>", CONTINUE)
rcpt(conn, "<irs@example.com>", CONTINUE)		-- no lock
mail(conn, "<News@Mail.BestBuy.COM>", true)
rcpt(conn, "<electronics+tv@example.com>", CONTINUE)
mail(conn, "<@relay.example:alerts@bank.example>", true)
rcpt(conn, "<electronics@example.com>", CONTINUE)
-- Look-alikes and another address at a listed address's domain.
mail(conn, "<spam@evilbestbuy.com>", true)
rcpt(conn, "<electronics@example.com>",
    want(locked("<electronics@example.com>")))
mail(conn, "<spam@bestbuy.com.evil.example>", true)
rcpt(conn, "<electronics@example.com>",
    want(locked("<electronics@example.com>")))
mail(conn, "<other@bank.example>", true)
rcpt(conn, "<electronics@example.com>",
    want(locked("<electronics@example.com>")))
mail(conn, "<alerts+x@bank.example>", true)
rcpt(conn, "<electronics@example.com>",
    want(locked("<electronics@example.com>")))
-- Receive-only and locked: a stranger is locked out, the vendor not.
mail(conn, "<x@stranger.example>", true)
rcpt(conn, "<ro@example.com>", want(locked("<ro@example.com>")))
mail(conn, "<x@shop.example>", true)
rcpt(conn, "<ro@example.com>", CONTINUE)
-- The null sender: a lock never refuses it; receive_only does.
mail(conn, "<>", true)
rcpt(conn, "<electronics@example.com>", CONTINUE)
rcpt(conn, "<ro@example.com>", want(backscatter("<ro@example.com>")))
mt.disconnect(conn)
mt.echo("locks: done")
