# tests/postfix-lib.sh: a private Postfix on 127.0.0.1 (SPEC.md,
# "Testing against the real tools") and swaks sessions with it, for
# the suites that drive one: they source this file, which holds no
# test (docs/TESTS.md).  The instance lives in $P (postfix_need sets
# it), listens on 127.0.0.1:$PORT only, delivers nothing but to
# discard: unless a suite's main.cf lines say otherwise, and logs to
# $P/maillog.  Every wait is bounded.

# postfix_need [COMMAND...]: skips the test unless we are root (Postfix
# starts its daemons as user postfix); fails unless Postfix, swaks, ss,
# each COMMAND and the user postfix are there.  Sets $M, a directory
# of postfix's in $T, and $P, the instance's directory.
postfix_need() {
	[ "$(id -u)" -eq 0 ] ||
	    skip "needs root: a private Postfix starts its daemons as user postfix"
	for c in postfix postconf swaks ss "$@"; do
		command -v "$c" >/dev/null ||
		    die "$c is missing: run tools/deps test"
	done
	id postfix >/dev/null 2>&1 || die "no user postfix: run tools/deps test"
	# $M belongs to postfix: smtpd and the daemons run as -u postfix
	# reach their sockets there and write their stats files.
	chmod 755 "$T"
	M=$T/m
	mkdir -p "$M"
	chown postfix:postfix "$M"
	P=$T/postfix
}

# postfix_start LINES [SERVICES]: writes $P/etc/main.cf (the settings
# every private instance shares, then LINES, which must not repeat
# them) and master.cf (one smtpd on 127.0.0.1:$PORT, a free port, and
# Postfix's own services, none chrooted, then the SERVICES lines),
# starts Postfix and waits at most 20 s for the port.
postfix_start() {
	PORT=$(free_port)
	mkdir -p "$P/etc" "$P/queue" "$P/data"
	chown postfix "$P/data"
	cat >"$P/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydomain = test.invalid
myorigin = test.invalid
mynetworks = 127.0.0.0/8
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
default_transport = discard:test-discarded
relay_transport = discard:test-discarded
local_transport = discard:test-discarded
smtputf8_enable = no
biff = no
maillog_file = $P/maillog
$1
EOF
	cat >"$P/etc/master.cf" <<EOF
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix  n - n 60   1 pickup
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
local     unix  - n n -    - local
virtual   unix  - n n -    - virtual
lmtp      unix  - - n -    - lmtp
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
${2:-}
EOF
	if ! timeout 60 postfix -c "$P/etc" start >"$T/pf.start" 2>&1; then
		timeout 60 script -qec "postfix -c $P/etc check" /dev/null >&2 || true
		cat "$T/pf.start" "$P/maillog" 2>/dev/null | tail -20 >&2
		die "postfix -c $P/etc start failed"
	fi
	wait_until 20 listening "$PORT" || {
		tail -20 "$P/maillog" >&2 2>/dev/null || true
		die "Postfix does not listen on 127.0.0.1:$PORT after 20 s"
	}
}

# postfix_stop: stops the Postfix configured in $P, if any, and waits
# at most 20 s for its master to exit, then kills it.  For the EXIT
# traps: it never fails.
postfix_stop() {
	[ -f "${P:-/nonexistent}/etc/main.cf" ] || return 0
	pid=$(cat "$P/queue/pid/master.pid" 2>/dev/null | tr -d ' ') || true
	timeout 20 postfix -c "$P/etc" stop >/dev/null 2>&1 || true
	if [ -n "$pid" ]; then
		wait_until 20 gone "$pid" || kill -KILL "$pid" 2>/dev/null
	fi
	# Postfix daemons exit by themselves when their master is gone.
	return 0
}

# swaks_rcpt PORT TO [FROM]: the reply of the server on 127.0.0.1:PORT
# to RCPT TO:<TO> (one line, without swaks's arrow) after MAIL
# FROM:<FROM> (sender@example.net), in a session that ends after RCPT;
# at most 60 s.  The transcript is left in $T/swaks.out.
swaks_rcpt() {
	timeout 60 swaks --server "127.0.0.1:$1" --timeout 30 \
	    --helo client.test --from "${3:-sender@example.net}" --to "$2" \
	    --quit-after RCPT >"$T/swaks.out" 2>&1 || true
	awk '/^ *-> RCPT TO:/ { getline; sub(/^ *<[-*~]* +/, ""); print; exit }' \
	    "$T/swaks.out"
}

# swaks_send PORT TO [SWAKS-OPTION...]: one message from
# sender@example.net to TO (addresses separated by commas) through
# 127.0.0.1:PORT, at most 60 s, the transcript in $T/swaks.out.  Fails,
# showing the transcript, unless the message is accepted with a queue
# id, which is left in $qid.
swaks_send() {
	sw_port=$1
	sw_to=$2
	shift 2
	timeout 60 swaks --server "127.0.0.1:$sw_port" --timeout 30 \
	    --helo client.test --from sender@example.net --to "$sw_to" "$@" \
	    >"$T/swaks.out" 2>&1 || {
		sed 's/^/  swaks: /' "$T/swaks.out" >&2
		die "the message to $sw_to was not accepted"
	}
	qid=$(sed -n 's/^ *<- *250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$T/swaks.out")
	[ -n "$qid" ] || die "no queue id in the reply to the message to $sw_to"
}

# maillog_wait FILE REGEX WHAT: waits at most 20 s for a line of the
# log FILE that matches the extended REGEX; fails, showing the log's
# last lines, with "WHAT not in FILE".
maillog_wait() {
	wait_until 20 grep -Eqs -- "$2" "$1" || {
		tail -20 "$1" >&2 2>/dev/null || true
		die "$3 not in $1 after 20 s"
	}
}
