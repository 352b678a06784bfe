-- tests/milter/addresses.lua: subaddresses, case, quoted local parts,
-- a trailing dot and a source route.  Stats this script causes:
--   irs@example.com hits 6; "john doe"@example.com hits 2;
--   family@example.org hits 1; bestbuy@example.com revoked_hits 3;
--   shop@example.com backscatter 2; unknown nobody@example.com 1,
--   "jane roe"@example.com 1, and one key for ghost+x@example.com.
dofile(lib)

local conn = open("client.test", "192.0.2.10")
mail(conn, "<Sender@Example.NET>")
rcpt(conn, "<irs+2025@example.com>", CONTINUE)
rcpt(conn, "<IRS@EXAMPLE.COM>", CONTINUE)
rcpt(conn, "<Irs+Tax@Example.Com>", CONTINUE)
rcpt(conn, "<irs@example.com.>", CONTINUE)
rcpt(conn, "<@relay.example:irs@example.com>", CONTINUE)
rcpt(conn, '<"irs"@example.com>', CONTINUE)
rcpt(conn, '<"John Doe"@example.com>', CONTINUE)
rcpt(conn, '<"JOHN DOE"@EXAMPLE.COM>', CONTINUE)
rcpt(conn, "<Postmaster@Example.COM>", CONTINUE)
rcpt(conn, "<family@example.org>", CONTINUE)
-- example.org has no subaddress delimiter: family+x is another address.
rcpt(conn, "<family+x@example.org>", unknown("<family+x@example.org>"))
-- The base of a subaddress decides: revoked stays revoked.
rcpt(conn, "<bestbuy+x@example.com>", unknown("<bestbuy+x@example.com>"))
rcpt(conn, "<BestBuy@Example.COM>", unknown("<BestBuy@Example.COM>"))
rcpt(conn, '<"bestbuy"@example.com>', unknown('<"bestbuy"@example.com>'))
rcpt(conn, "<NoBody@Example.COM>", unknown("<NoBody@Example.COM>"))
rcpt(conn, '<"Jane Roe"@example.com>', unknown('<"Jane Roe"@example.com>'))

mail(conn, "<>", true)
rcpt(conn, "<shop+promo@example.com>", backscatter("<shop+promo@example.com>"))
rcpt(conn, "<SHOP@Example.com>", backscatter("<SHOP@Example.com>"))
rcpt(conn, "<ghost+x@example.com>", unknown("<ghost+x@example.com>"))
mt.disconnect(conn)
mt.echo("addresses: done")
