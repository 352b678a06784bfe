-- tests/milter/lib.lua: helpers for the miltertest scripts (loaded with
-- dofile(lib)).  Globals defined by tests/milter.sh with miltertest -D:
--   socket  the milter's socket, in libmilter syntax (unix:/path, inet:PORT@HOST)
--   lib     this file
--   run     a shell hook "run ACTION" (compile, hide, corrupt, swap, ...)
--
-- miltertest keeps only the reply's command byte at RCPT, not its text:
-- rcpt() checks the command (SMFIR_REPLYCODE for a custom reply) and
-- prints "reply LEN TEXT", and tests/milter.sh compares LEN with the
-- length miltertest -vv logged for the reply it read (text + NUL).  The
-- texts themselves are compared by tests/postfix-milter.sh through a
-- real Postfix.  miltertest prints nothing when a script fails, so every
-- failure goes through fail(), which says why.

CONTINUE = "continue"

function fail(msg)
	mt.echo("FAIL: " .. msg)
	os.exit(1)
end

-- The replies of SPEC.md's verdict table for recipient addr, as given.
local function bare(addr)
	return (string.gsub(addr, "^<(.*)>$", "%1"))
end
function unknown(addr)
	return { code = "550", xcode = "5.1.1",
	    text = "<" .. bare(addr) .. ">: Recipient address rejected: User unknown" }
end
function backscatter(addr)
	return { code = "550", xcode = "5.7.1",
	    text = "<" .. bare(addr) .. ">: Recipient address rejected: " ..
	    "this address sends no mail, so it accepts no bounces" }
end
function locked(addr)
	return { code = "550", xcode = "5.7.1",
	    text = "<" .. bare(addr) .. ">: Recipient address rejected: " ..
	    "this address accepts mail only from its correspondents" }
end
function unavailable(addr)
	return { code = "451", xcode = "4.3.0",
	    text = "<" .. bare(addr) .. ">: Recipient address rejected: " ..
	    "alias map unavailable, try again later" }
end

local function replyname(r)
	if r == SMFIR_CONTINUE then return "SMFIR_CONTINUE" end
	if r == SMFIR_REPLYCODE then return "SMFIR_REPLYCODE" end
	if r == SMFIR_REJECT then return "SMFIR_REJECT" end
	if r == SMFIR_TEMPFAIL then return "SMFIR_TEMPFAIL" end
	if r == SMFIR_ACCEPT then return "SMFIR_ACCEPT" end
	if r == SMFIR_DISCARD then return "SMFIR_DISCARD" end
	return string.format("reply %q", tostring(r))
end

-- Connects and negotiates like Postfix: every step offered.  The
-- milter must keep RCPT (with replies) and ask for rejected ones too.
function open(host, ip)
	local conn = mt.connect(socket, 50, 0.1)
	if conn == nil then
		fail("cannot connect to " .. socket)
	end
	mt.set_timeout(10)
	local err = mt.negotiate(conn, nil, nil, nil)
	if err ~= nil then
		fail("negotiate: " .. tostring(err))
	end
	if mt.test_option(conn, SMFIP_NORCPT) then
		fail("the milter negotiated SMFIP_NORCPT")
	end
	if mt.test_option(conn, SMFIP_NR_RCPT) then
		fail("the milter negotiated SMFIP_NR_RCPT: its rejects would vanish")
	end
	if not mt.test_option(conn, SMFIP_RCPT_REJ) then
		fail("the milter did not negotiate SMFIP_RCPT_REJ")
	end
	-- A step the milter negotiated away raises an error: that is fine.
	local ok, e = pcall(mt.conninfo, conn, host or "client.test",
	    ip or "192.0.2.10")
	if ok and e ~= nil then
		fail("conninfo: " .. tostring(e))
	end
	if ok and mt.getreply(conn) ~= SMFIR_CONTINUE then
		fail("connect: " .. replyname(mt.getreply(conn)))
	end
	ok, e = pcall(mt.helo, conn, "client.test")
	if ok and e ~= nil then
		fail("helo: " .. tostring(e))
	end
	return conn
end

-- A new transaction on conn (after an earlier one: abort it first, as
-- Postfix does between messages).
function mail(conn, from, again)
	if again then
		local err = mt.abort(conn)
		if err ~= nil then
			fail("abort: " .. tostring(err))
		end
	end
	local err = mt.mailfrom(conn, from)
	if err ~= nil then
		fail("MAIL FROM:" .. from .. ": " .. tostring(err))
	end
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		fail("MAIL FROM:" .. from .. ": " .. replyname(mt.getreply(conn)))
	end
end

-- RCPT TO:addr must get want: CONTINUE or a table from unknown(),
-- backscatter(), locked(), unavailable().
function rcpt(conn, addr, want)
	local err = mt.rcptto(conn, addr)
	if err ~= nil then
		fail("RCPT TO:" .. addr .. ": " .. tostring(err))
	end
	local r = mt.getreply(conn)
	if want == CONTINUE then
		if r ~= SMFIR_CONTINUE then
			fail("RCPT TO:" .. addr .. ": expected SMFIR_CONTINUE, got " ..
			    replyname(r))
		end
		mt.echo("ok RCPT TO:" .. addr .. " continue")
		return
	end
	if r ~= SMFIR_REPLYCODE then
		fail("RCPT TO:" .. addr .. ": expected SMFIR_REPLYCODE (" ..
		    want.code .. " " .. want.xcode .. "), got " .. replyname(r))
	end
	local text = want.code .. " " .. want.xcode .. " " .. want.text
	mt.echo("ok RCPT TO:" .. addr .. " replied")
	mt.echo(string.format("reply %d %s", #text + 1, text))
end

-- Runs the hook: "run ACTION" must exit 0.  The daemon stat()s the map
-- at most every 100 ms: wait longer than that before the next RCPT.
function hook(action)
	local ok = os.execute(run .. " " .. action)
	if not ok then
		fail("hook failed: " .. run .. " " .. action)
	end
	mt.sleep(0.5)
end
