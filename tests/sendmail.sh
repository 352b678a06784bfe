# tests/sendmail.sh: alias-lookupd under a real Sendmail 8.17 (Debian
# 12's), configured with exactly the sendmail.mc lines of
# alias-lookupd(8) SENDMAIL, driven with sendmail -bt (/map), -bv and
# real -bs SMTP dialogues, one command at a time.  Every verdict of the
# table must hold at RCPT as it does under Postfix.
#
# Sendmail is not installed (its package would remove Postfix): its
# Debian packages are fetched with apt-get download and unpacked with
# dpkg -x into build/sendmail once.  The packaged binary is setgid, so
# it is copied to drop the bit before LD_LIBRARY_PATH is set; a host
# name without a domain makes it sleep 60 s at start, so it runs under
# unshare -u with a qualified name, which needs root.

SM_ROOT="$TOP/build/sendmail"
SM_PKGS="sendmail-bin sendmail-base sendmail-cf m4 libwrap0"

# The alias file: one alias of every kind.
sm_file() {
	cat >"$T/a.yaml" <<'YAML'
domains:
  example.com:
    deliver_to: me@example.net
    subaddress: "+"
  example.org:
    deliver_to: [me@example.net, spouse@example.net]
aliases:
  irs@example.com: {}
  irs+old@example.com:
    revoked: 2026-01-02
  bestbuy@example.com:
    revoked: 2025-11-01
    reason: leaked
  old@example.com:
    expires: 2020-01-31
  shop@example.com:
    receive_only: true
  family@example.org:
    to: [me@example.net, spouse@example.net]
  one@example.org:
    to: me@example.net
YAML
	printf 'example.com\nexample.org\n' >"$T/virtuser-domains"
	: >"$T/aliases"
}

# sm_fetch: Sendmail's packages unpacked into $SM_ROOT, once.
sm_fetch() {
	[ -x "$SM_ROOT/sendmail" ] && return 0
	rm -rf "$SM_ROOT.tmp"
	mkdir -p "$SM_ROOT.tmp/debs"
	(cd "$SM_ROOT.tmp/debs" && timeout 300 apt-get download -q $SM_PKGS \
	    >/dev/null 2>"$T/apt.err") || {
		sed 's/^/  apt-get: /' "$T/apt.err" >&2
		die "cannot download $SM_PKGS"
	}
	for d in "$SM_ROOT.tmp"/debs/*.deb; do
		dpkg -x "$d" "$SM_ROOT.tmp/root"
	done
	cp "$SM_ROOT.tmp/root/usr/libexec/sendmail/sendmail" \
	    "$SM_ROOT.tmp/sendmail"
	chmod 0755 "$SM_ROOT.tmp/sendmail"
	rm -rf "$SM_ROOT"
	mv "$SM_ROOT.tmp" "$SM_ROOT"
}

# sm_doc_lines N: the Nth block of sendmail.mc lines in alias-lookupd(8)
# SENDMAIL (1: the lookup daemon's, 2: alias-milter's), with this
# test's paths.
sm_doc_lines() {
	sed -n '/^\.Sh SENDMAIL/,/^\.Sh /p' "$TOP/man/alias-lookupd.8" |
	    awk -v n="$1" '/^\.Bd -literal/ { b++; inb = 1; next }
		/^\.Ed/ { inb = 0; next } inb && b == n { print }' |
	    sed -e "s|/var/run/aliasctl/|$T/|g" -e "s|/etc/mail/|$T/|g" \
		-e "s|$T/lookupd.sock|$T/lk.sock|g"
}

sm_need() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (unshare -u for Sendmail's host name)"
	[ -x "$BUILD/alias-lookupd" ] ||
	    die "$BUILD/alias-lookupd is missing: make $BUILD/alias-lookupd"
	sm_fetch
	LPID=
	trap 'sm_cleanup; cd /; rm -rf "$T"' EXIT
	sm_file
	"$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile >/dev/null ||
	    die "compile failed"
	mkdir -p "$T/mqueue" "$T/clientmqueue"
	chmod 0700 "$T/mqueue"
	cf="$SM_ROOT/root/usr/share/sendmail/cf"
	{
		echo 'divert(-1)'
		echo "include(\`$cf/m4/cf.m4')"
		echo 'divert(0)'
		echo "OSTYPE(\`linux')"
		echo "define(\`QUEUE_DIR', \`$T/mqueue')"
		echo "define(\`MSP_QUEUE_DIR', \`$T/clientmqueue')"
		echo "define(\`STATUS_FILE', \`$T/statistics')"
		echo "define(\`confPID_FILE', \`$T/sendmail.pid')"
		echo "define(\`confHOST_STATUS_DIRECTORY', \`')"
		echo "define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')"
		# Sendmail only queues, and refuses connections, above a load
		# average of 8 and 12 per CPU by default: a busy test machine
		# must not change what is tested.
		echo "define(\`confQUEUE_LA', \`1000')"
		echo "define(\`confREFUSE_LA', \`1000')"
		echo "define(\`confDELAY_LA', \`1000')"
		echo "FEATURE(\`accept_unresolvable_domains')"
		sm_doc_lines 1
		[ -z "${SM_MILTER:-}" ] || sm_doc_lines 2
		echo "MAILER(\`local')"
		echo "MAILER(\`smtp')"
	} >"$T/sendmail.mc"
	grep -q '^FEATURE(`virtusertable' "$T/sendmail.mc" ||
	    die "no sendmail.mc lines found in alias-lookupd(8)"
	[ -z "${SM_MILTER:-}" ] || grep -q "^INPUT_MAIL_FILTER(.*$T/milter.sock" \
	    "$T/sendmail.mc" || die "no INPUT_MAIL_FILTER line in alias-lookupd(8)"
	"$SM_ROOT/root/usr/bin/m4" "$T/sendmail.mc" >"$T/sendmail.cf" ||
	    die "m4 failed"
}

sm_cleanup() {
	kill_alive "${LPID:-}" "${MPID:-}"
}

# sm_start [OPTIONS...]: alias-lookupd -d on $T/lk.sock, -v, stats in
# $T/lk.stats.lmdb; waits at most 10 s for the socket.
sm_start() {
	"$BUILD/alias-lookupd" -d -v -m "$T/map" -s "unix:$T/lk.sock" \
	    -S "$T/lk.stats.lmdb" "$@" >"$T/lk.out" 2>"$T/lk.log" &
	LPID=$!
	wait_unix_socket "$T/lk.sock" "$LPID" alias-lookupd "$T/lk.log"
}

sm_stop() {
	daemon_stop "$LPID" "$T/lk.log" alias-lookupd 10
	LPID=
}

# sm ARGS...: the Sendmail binary with our sendmail.cf, at most 60 s.
sm() {
	LD_LIBRARY_PATH="$SM_ROOT/root/usr/lib/x86_64-linux-gnu" \
	    timeout 60 unshare -u sh -c 'hostname mx.example.test &&
	    exec "$@"' sh "$SM_ROOT/sendmail" -C "$T/sendmail.cf" "$@"
}

# sm_reply: the last line of one SMTP reply on fd 4 (CR removed).
sm_reply() {
	while IFS= read -r line <&4; do
		line=$(printf '%s' "$line" | tr -d '\r')
		case $line in
		[0-9][0-9][0-9]-*) continue ;;
		esac
		echo "$line"
		return 0
	done
	echo "EOF"
}

# sm_smtp: an SMTP dialogue with sendmail -bs, commands on stdin, one
# at a time, each reply read before the next command ("BODY text" is
# sent without waiting, "BLANK" sends an empty line, "SLEEP N" waits).
# The transcript, one "COMMAND -> REPLY" line each, goes to $T/smtp.
sm_smtp() {
	rm -f "$T/smin" "$T/smout"
	mkfifo "$T/smin" "$T/smout"
	sm -bs -odq <"$T/smin" >"$T/smout" 2>&1 &
	spid=$!
	exec 3>"$T/smin" 4<"$T/smout"
	echo "greeting -> $(sm_reply)" >"$T/smtp"
	while IFS= read -r cmd; do
		case $cmd in
		'SLEEP '*) sleep "${cmd#SLEEP }"; continue ;;
		'BODY '*) printf '%s\r\n' "${cmd#BODY }" >&3; continue ;;
		BLANK) printf '\r\n' >&3; continue ;;
		esac
		printf '%s\r\n' "$cmd" >&3
		echo "$cmd -> $(sm_reply)" >>"$T/smtp"
	done
	exec 3>&- 4<&-
	wait "$spid" || true
}

# expect_rcpt ADDRESS REPLY-START: the dialogue's reply to RCPT TO.
expect_rcpt() {
	grep -qF "RCPT TO:<$1> -> $2" "$T/smtp" || {
		sed 's/^/  smtp: /' "$T/smtp" >&2
		tail -8 "$T/lk.log" | sed 's/^/  lookupd: /' >&2
		die "RCPT TO:<$1>: expected a reply starting \"$2\""
	}
}

# expect_map KEY ANSWER: sendmail -bt's /map virtuser line for KEY.
expect_map() {
	printf '/map %s %s\n' "${3:-virtuser}" "$1" | sm -bt >"$T/bt" 2>&1 || true
	grep -qF "map_lookup: ${3:-virtuser} ($1) $2" "$T/bt" || {
		sed 's/^/  sendmail -bt: /' "$T/bt" >&2
		die "/map ${3:-virtuser} $1: expected \"$2\""
	}
}

test_sendmail_map() {
	sm_need
	sm_start
	expect_map irs@example.com "returns me@example.net (0)"
	expect_map IRS+tax@Example.COM "returns me+tax@example.net (0)"
	for k in nobody@example.com bestbuy@example.com old@example.com \
	    irs+old@example.com one+x@example.org @example.com; do
		expect_map "$k" "returns error:5.1.1:550 User unknown (0)"
	done
	# Sendmail's detail keys, asked for themselves: decided as
	# addresses, with example.org splitting nothing.
	expect_map irs++@example.com "returns me++@example.net (0)"
	expect_map one++@example.org "returns error:5.1.1:550 User unknown (0)"
	expect_map one+*@example.org "returns error:5.1.1:550 User unknown (0)"
	# Several targets: a local name, expanded by the alias map (the
	# second alias file, Alias1).
	expect_map family@example.org "returns family=example.org (0)"
	expect_map postmaster@example.org "returns postmaster=example.org (0)"
	expect_map family=example.org \
	    "returns me@example.net, spouse@example.net (0)" Alias1
	expect_map irs=example.com "returns me@example.net (0)" Alias1
	expect_map bestbuy=example.com "no match" Alias1
	expect_map someone@example.net "no match"
	sm_stop
}

# -bv expands as delivery would; /parse shows ruleset 0's mailer triple.
test_sendmail_verify() {
	sm_need
	sm_start
	expect_exit 0 sm -bv family@example.org
	expect_in "$T/out" "me@example.net... deliverable: mailer esmtp, host example.net, user me@example.net"
	expect_in "$T/out" "spouse@example.net... deliverable: mailer esmtp, host example.net, user spouse@example.net"
	expect_exit 0 sm -bv irs+tax@example.com
	expect_in "$T/out" "user me+tax@example.net"
	expect_exit 67 sm -bv bestbuy@example.com
	expect_in "$T/out" "bestbuy@example.com... User unknown"
	# How sendmail -bt resolves them: ruleset 0, /parse.
	printf '/parse %s\n' irs+tax@example.com nobody@example.com \
	    family@example.org bestbuy+x@example.com | sm -bt >"$T/bt" 2>&1 ||
	    true
	grep '^mailer ' "$T/bt" >"$T/parsed" || true
	cat >"$T/parsed.want" <<'EOF'
mailer esmtp, host example.net, user me+tax@example.net
mailer *error*, host 5.1.1, user 550 User unknown
mailer local, user family=example.org
mailer *error*, host 5.1.1, user 550 User unknown
EOF
	expect_same "$T/parsed" "$T/parsed.want"
	sm_stop
}

# Every row of the verdict table at RCPT, in one SMTP dialogue; then a
# message to the multi-target alias is accepted and queued.
test_sendmail_smtp_verdicts() {
	sm_need
	sm_start
	sm_smtp <<'SMTP'
HELO client.example.test
MAIL FROM:<a@sender.example.test>
RCPT TO:<irs@example.com>
RCPT TO:<IRS+tax@example.com>
RCPT TO:<postmaster@example.com>
RCPT TO:<abuse@example.org>
RCPT TO:<family@example.org>
RCPT TO:<shop@example.com>
RCPT TO:<nobody@example.com>
RCPT TO:<bestbuy@example.com>
RCPT TO:<bestbuy+x@example.com>
RCPT TO:<irs+old@example.com>
RCPT TO:<old@example.com>
RCPT TO:<one+x@example.org>
RCPT TO:<one++@example.org>
RCPT TO:<one+*@example.org>
DATA
BODY Subject: test
BLANK
BODY hello
.
QUIT
SMTP
	for a in irs@example.com IRS+tax@example.com postmaster@example.com \
	    abuse@example.org family@example.org shop@example.com; do
		expect_rcpt "$a" "250 2.1.5"
	done
	for a in nobody@example.com bestbuy@example.com bestbuy+x@example.com \
	    irs+old@example.com old@example.com one+x@example.org \
	    one++@example.org one+*@example.org; do
		expect_rcpt "$a" "550 5.1.1 <$a>... User unknown"
	done
	grep -q '^\. -> 250 2.0.0 .* Message accepted for delivery' "$T/smtp" ||
	    die "message not accepted: $(cat "$T/smtp")"
	# A delivery attempt (the queue run forks one) looks the accepted
	# recipients up again.
	sm -q >/dev/null 2>&1 || true
	i=0
	until [ "$(grep -c 'key=<irs@example.com>' "$T/lk.log")" -ge 2 ]; do
		i=$((i + 1))
		[ $i -le 300 ] ||
		    die "Sendmail did not look irs@example.com up again at delivery (30 s)"
		sleep 0.1
	done
	sm_stop
	# Only the refusals count, once each: a refused recipient is
	# never looked up again, an accepted one is at every attempt.
	expect_exit 0 "$ALIASCTL" -S "$T/lk.stats.lmdb" stats --json
	cp "$T/out" "$T/stats.json"
	expect_exit 0 "$ALIASCTL" -S "$T/lk.stats.lmdb" stats --json --unknown
	cat "$T/out" >>"$T/stats.json"
	[ "$(stat_of irs@example.com hits)" = none ] ||
	    die "an accepted Sendmail lookup was counted"
	[ "$(stat_of bestbuy@example.com revoked)" = 2 ] ||
	    die "bestbuy@: $(stat_of bestbuy@example.com revoked) revoked hits, not 2"
	[ "$(stat_of old@example.com revoked)" = 1 ] ||
	    die "old@: not counted once"
	[ "$(stat_of nobody@example.com count)" = 1 ] ||
	    die "nobody@: not counted once as unknown"
}

# No map: 451 at RCPT, never an accept that would bounce later.
test_sendmail_missing_map() {
	sm_need
	sm_start
	mv "$T/map.lmdb" "$T/map.lmdb.away"
	sleep 0.3	# the map is checked at most every 100 ms
	sm_smtp <<'SMTP'
HELO client.example.test
MAIL FROM:<a@sender.example.test>
RCPT TO:<irs@example.com>
RCPT TO:<nobody@example.org>
QUIT
SMTP
	expect_rcpt irs@example.com "451 4.3.0 Alias map unavailable"
	expect_rcpt nobody@example.org "451 4.3.0"
	expect_in "$T/lk.log" "recipients at managed domains get 451 until the map can be read"
	[ -z "$(ls "$T/mqueue")" ] || die "mail was queued: $(ls "$T/mqueue")"
	mv "$T/map.lmdb.away" "$T/map.lmdb"
	sleep 0.3
	sm_smtp <<'SMTP'
HELO client.example.test
MAIL FROM:<a@sender.example.test>
RCPT TO:<irs@example.com>
QUIT
SMTP
	expect_rcpt irs@example.com "250 2.1.5"
	sm_stop
}

# Sendmail never reopens a socket map: a connection that asked for
# virtuser is not closed for being idle (-i 1 here).
test_sendmail_idle_connection() {
	sm_need
	sm_start -i 1
	sm_smtp <<'SMTP'
HELO client.example.test
MAIL FROM:<a@sender.example.test>
RCPT TO:<irs@example.com>
SLEEP 3
RCPT TO:<one@example.org>
RCPT TO:<nobody@example.com>
QUIT
SMTP
	expect_rcpt irs@example.com "250 2.1.5"
	expect_rcpt one@example.org "250 2.1.5"
	expect_rcpt nobody@example.com "550 5.1.1"
	if grep -q 'idle timeout' "$T/lk.log"; then
		sed 's/^/  lookupd: /' "$T/lk.log" >&2
		die "Sendmail's connection was closed for being idle"
	fi
	sm_stop
}

# For the hits, alias-milter under Sendmail (INPUT_MAIL_FILTER): each
# accepted RCPT counted once, whatever Sendmail looks up.
test_sendmail_milter_counts() {
	SM_MILTER=1
	sm_need
	sm_start
	MPID=
	"$BUILD/alias-milter" -d -m "$T/map" -s "unix:$T/milter.sock" \
	    -S "$T/milter.stats.lmdb" >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	wait_unix_socket "$T/milter.sock" "$MPID" alias-milter "$T/milter.log"
	sm_smtp <<'SMTP'
HELO client.example.test
MAIL FROM:<a@sender.example.test>
RCPT TO:<irs@example.com>
RCPT TO:<irs+tax@example.com>
RCPT TO:<family@example.org>
RCPT TO:<nobody@example.com>
RCPT TO:<bestbuy@example.com>
DATA
BODY Subject: test
BLANK
BODY hello
.
QUIT
SMTP
	expect_rcpt irs@example.com "250 2.1.5"
	expect_rcpt irs+tax@example.com "250 2.1.5"
	expect_rcpt family@example.org "250 2.1.5"
	expect_rcpt nobody@example.com "550 5.1.1"
	expect_rcpt bestbuy@example.com "550 5.1.1"
	grep -q '^\. -> 250 2.0.0 .* Message accepted for delivery' "$T/smtp" ||
	    die "message not accepted: $(cat "$T/smtp")"
	# A bounce to a receive-only alias: only the milter knows the sender.
	sm_smtp <<'SMTP'
HELO client.example.test
MAIL FROM:<>
RCPT TO:<shop@example.com>
RCPT TO:<irs@example.com>
QUIT
SMTP
	expect_rcpt shop@example.com "550 5.7.1"
	expect_rcpt irs@example.com "250 2.1.5"
	daemon_stop "$MPID" "$T/milter.log" alias-milter 15
	MPID=
	sm_stop
	# Sendmail calls the milter for the recipients it accepted only:
	# the hits are the milter's, the refusals alias-lookupd's.
	stats_json "$T/milter"
	[ "$(stat_of irs@example.com hits)" = 3 ] ||
	    die "irs@example.com: $(stat_of irs@example.com hits) hits, not 3"
	[ "$(stat_of shop@example.com backscatter)" = 1 ] ||
	    die "shop@example.com: the bounce was not counted"
	[ "$(stat_of family@example.org hits)" = 1 ] ||
	    die "family@example.org: $(stat_of family@example.org hits) hits"
	[ "$(stat_of bestbuy@example.com revoked)" = none ] ||
	    die "the milter saw a recipient Sendmail refused"
	expect_exit 0 "$ALIASCTL" -S "$T/lk.stats.lmdb" stats --json --unknown
	cp "$T/out" "$T/stats.json"
	[ "$(stat_of nobody@example.com count)" = 1 ] ||
	    die "nobody@example.com: not counted once as unknown"
}
