# tests/postfix-policy.sh: alias-lookupd's policy service (-P): the
# protocol spoken by a raw client (tests/lookupd/client.c), then a real,
# private Postfix with check_policy_service in
# smtpd_recipient_restrictions and no milter, driven with swaks: every
# verdict, every sender lock case, learn mode, the log lines, the stats
# (each RCPT counted once), and what Postfix does while the service is
# down.  The Postfix tests need root; helpers come from
# postfix-milter.sh.  Every wait is bounded.

. "$TOP/tests/postfix-milter.sh"

REJ='Recipient address rejected'
UNKNOWN_TXT='User unknown'
BOUNCE_TXT='this address sends no mail, so it accepts no bounces'
LOCKED_TXT='this address accepts mail only from its correspondents'
TEMP_TXT='alias map unavailable, try again later'

pol_cleanup() {
	kill_alive "${LPID:-}"
}

# pol_start LISTEN [OPTION...]: alias-lookupd -d -v on $M/map with its
# policy service on LISTEN (inet:127.0.0.1:PORT or unix:PATH), as user
# postfix when root; pid in $LPID, log in $T/lk.log.  Waits at most
# 10 s for the socket.
pol_start() {
	listen=$1
	shift
	user=
	[ "$(id -u)" -ne 0 ] || user="-u postfix"
	"$BUILD/alias-lookupd" -d -v $user -m "$M/map" -P "$listen" "$@" \
	    >"$T/lk.out" 2>"$T/lk.log" &
	LPID=$!
	wait_listen "$LPID" alias-lookupd "$T/lk.log" "$listen"
}

pol_stop() {
	daemon_stop "$LPID" "$T/lk.log" alias-lookupd 10
	LPID=
}

# req STATE SENDER RECIPIENT: one policy request as Postfix writes it.
req() {
	printf 'request=smtpd_access_policy\nprotocol_state=%s\nprotocol_name=ESMTP\nclient_address=192.0.2.7\nclient_name=mx.sender.example\nhelo_name=mx.sender.example\nsender=%s\nrecipient=%s\nrecipient_count=0\nqueue_id=\ninstance=1.2.3\nsize=0\nx_future_attribute=ignored\n\n' "$1" "$2" "$3"
}

# pol_protocol_need: the client, the alias file compiled into $T/m.
pol_protocol_need() {
	[ -x "$BUILD/alias-lookupd" ] ||
	    die "$BUILD/alias-lookupd is missing: make $BUILD/alias-lookupd"
	command -v jq >/dev/null || die "jq is missing: run tools/deps test"
	${CC:-cc} -O1 -o "$T/client" "$TOP/tests/lookupd/client.c" ||
	    die "cannot build tests/lookupd/client.c"
	LPID=
	trap 'pol_cleanup; cd /; rm -rf "$T"' EXIT
	M=$T/m
	mkdir -p "$M"
	[ "$(id -u)" -ne 0 ] || { chmod 755 "$T"; chown postfix:postfix "$M"; }
	pf_lock_file
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
}

# The protocol without Postfix: every verdict's action, pipelined on one
# connection, a request sent one byte at a time, other protocol states,
# and the malformed requests that close the connection without a reply.
test_policy_protocol() {
	pol_protocol_need
	port=$(free_port)
	pol_start "inet:127.0.0.1:$port"
	A="inet:127.0.0.1:$port"
	{
		req RCPT sender@example.net irs@example.com
		req RCPT sender@example.net IRS+tax@Example.COM
		req RCPT sender@example.net nobody@example.com
		req RCPT sender@example.net bestbuy@example.com
		req RCPT sender@example.net old@example.com
		req RCPT '' shop@example.com
		req RCPT sender@example.net shop@example.com
		req RCPT spam@evilbestbuy.com electronics@example.com
		req RCPT orders@mail.bestbuy.com electronics@example.com
		req RCPT '' electronics@example.com
		req RCPT sender@example.net postmaster@example.com
		req RCPT sender@example.net someone@other.example
		req MAIL spam@evilbestbuy.com ''
		req DATA spam@evilbestbuy.com electronics@example.com
	} | "$T/client" "$A" send >replies || die "client failed"
	cat >want <<EOF
action=DUNNO

action=DUNNO

action=550 5.1.1 $UNKNOWN_TXT

action=550 5.1.1 $UNKNOWN_TXT

action=550 5.1.1 $UNKNOWN_TXT

action=550 5.7.1 $BOUNCE_TXT

action=DUNNO

action=550 5.7.1 $LOCKED_TXT

action=DUNNO

action=DUNNO

action=DUNNO

action=DUNNO

action=DUNNO

action=DUNNO

EOF
	expect_same want replies
	# One request a byte at a time, across many reads.
	# (The connection stays open: the client gives up after 3 s, 2.)
	req RCPT sender@example.net nobody@example.com |
	    "$T/client" -t 3 "$A" slow 2 >slow || [ $? -eq 2 ]
	printf 'action=550 5.1.1 %s\n\n' "$UNKNOWN_TXT" >want.slow
	expect_same want.slow slow
	# Malformed: no reply, the connection closed, one warning each.
	for bad in 'request=smtpd_access_policy\nrecipient\n\n' \
	    'protocol_state=RCPT\nrecipient=irs@example.com\n\n' \
	    'request=junk\n\n' 'GET / HTTP/1.0\r\n\r\n' \
	    'request=smtpd_access_policy\nsender=a\000b\n'; do
		printf "$bad" | "$T/client" -t 5 "$A" keep >bad.out ||
		    die "connection not closed after $bad"
		[ ! -s bad.out ] || die "a reply to $bad: $(cat bad.out)"
	done
	# A request that does not end within 16384 bytes.
	{ printf 'request=smtpd_access_policy\nhelo_name='
	  head -c 20000 /dev/zero | tr '\0' h; } |
	    "$T/client" -t 5 "$A" keep >bad.out || die "long request not closed"
	[ ! -s bad.out ] || die "a reply to a long request"
	pol_stop
	for err in "attribute line without '='" 'no request attribute' \
	    'request type is not smtpd_access_policy' 'NUL byte in a request' \
	    'request too long'; do
		grep -F "policy protocol error: $err; closing the connection" \
		    "$T/lk.log" >/dev/null || die "no log line for: $err"
	done
	# One line per refusal at info, with everything -v adds as debug.
	expect_in "$T/lk.log" "qid=- client=mx.sender.example[192.0.2.7] from=<spam@evilbestbuy.com> to=<electronics@example.com> alias=electronics@example.com verdict=locked action=550 5.7.1 $LOCKED_TXT"
	expect_in "$T/lk.log" "from=<> to=<shop@example.com> alias=shop@example.com verdict=backscatter action=550 5.7.1 $BOUNCE_TXT"
	expect_in "$T/lk.log" "protocol_state=DATA to=<electronics@example.com> action=DUNNO (decided only at RCPT)"
	note "$(grep -m1 'verdict=locked' "$T/lk.log" | sed 's/.*\(conn=\)/\1/')"
	# Each RCPT request counted once; other states not at all.
	stats_json "$M/map"
	expect_stat irs@example.com 2 hits
	expect_stat nobody@example.com 2 count
	expect_stat bestbuy@example.com 1 revoked
	expect_stat old@example.com 1 revoked
	expect_stat shop@example.com 1 backscatter
	expect_stat shop@example.com 1 hits
	expect_stat electronics@example.com 1 locked
	expect_stat electronics@example.com 2 hits
	expect_stat postmaster@example.com 1 hits
	# Each count records the sender's domain too (aliasctl senders).
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" senders \
	    electronics@example.com
	grep -Eq '^evilbestbuy\.com +1 +1 +1 ' "$T/out" &&
	    grep -Eq '^mail\.bestbuy\.com +1 +0 ' "$T/out" &&
	    grep -Eq '^<> +1 +0 ' "$T/out" ||
	    die "sender evidence: $(cat "$T/out")"
}

# Learn mode: DUNNO for everything, each would-be refusal logged and
# counted; over a unix socket.  No map at all: 451 4.3.0.
test_policy_learn_mode_and_missing_map() {
	pol_protocol_need
	pol_start "unix:$M/policy.sock" -l
	A="unix:$M/policy.sock"
	{
		req RCPT sender@example.net nobody@example.com
		req RCPT spam@evilbestbuy.com electronics@example.com
		req RCPT '' shop@example.com
	} | "$T/client" "$A" send >replies || die "client failed"
	printf 'action=DUNNO\n\naction=DUNNO\n\naction=DUNNO\n\n' >want
	expect_same want replies
	pol_stop
	expect_in "$T/lk.log" "to=<nobody@example.com> alias=nobody@example.com verdict=unknown action=DUNNO (learn mode: would reply 550 5.1.1 $UNKNOWN_TXT)"
	expect_in "$T/lk.log" "verdict=locked action=DUNNO (learn mode: would reply 550 5.7.1 $LOCKED_TXT)"
	expect_in "$T/lk.log" 'policy service unix:'
	expect_in "$T/lk.log" '(learn mode: refuses nothing)'
	stats_json "$M/map"
	expect_stat nobody@example.com 1 count
	expect_stat electronics@example.com 1 locked
	expect_stat shop@example.com 1 backscatter
	# -l needs -P.
	expect_exit 64 "$BUILD/alias-lookupd" -d -l -m "$M/map" \
	    -s "unix:$M/lk.sock"
	expect_in "$T/err" '-l is the policy service'"'"'s learn mode: it needs -P'
	expect_exit 64 "$BUILD/alias-lookupd" -d -m "$M/map" \
	    -s "unix:$M/x.sock" -P "local:$M/x.sock"
	expect_in "$T/err" '-s and -P name the same socket'

	# No map: every recipient deferred (no map was ever read).
	rm -f "$M/map.lmdb" "$M/map.policy.lmdb"
	pol_start "unix:$M/policy.sock"
	req RCPT sender@example.net irs@example.com |
	    "$T/client" "$A" send >replies || die "client failed"
	printf 'action=451 4.3.0 %s\n\n' "$TEMP_TXT" >want
	expect_same want replies
	pol_stop
	expect_in "$T/lk.log" "to=<irs@example.com> alias=- verdict=tempfail action=451 4.3.0 $TEMP_TXT"
}

# pol_postfix_need: for a test with a private Postfix and the policy
# service: pf_lock_file compiled into $M/map.
pol_postfix_need() {
	pf_need jq
	LPID=
	trap 'pol_cleanup; pf_cleanup; cd /; rm -rf "$T"' EXIT
	pf_lock_file
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
}

# pol_postfix_start OPTION...: pol_postfix_need, alias-lookupd with its
# policy service on 127.0.0.1:$LPORT (OPTIONs added), and a private
# Postfix (no milter) that asks it from smtpd_recipient_restrictions,
# as alias-lookupd(8) says.
pol_postfix_start() {
	pol_postfix_need
	LPORT=$(free_port)
	pol_start "inet:127.0.0.1:$LPORT" "$@"
	PF_MAIN_CF="smtpd_recipient_restrictions = reject_unauth_destination,
    check_policy_service { inet:127.0.0.1:$LPORT, default_action=DEFER }"
	pf_start
	postconf -c "$P/etc" -h smtpd_milters | grep -q . &&
	    die "a milter is configured"
	return 0
}

# pol_lock_cases [learn]: the verdicts and the sender lock cases
# through the real Postfix (as postfix-milter.sh's pf_lock_cases, with
# the policy service instead of the milter); with "learn", the service
# lets every RCPT through, and the lmdb: map alone refuses (Postfix's
# own reply) what it does not hold.
pol_lock_cases() {
	if [ "${1:-}" = learn ]; then
		un() { echo "550 5.1.1 <$1>: $UNKNOWN_PF"; }
		bs() { echo "250 2.1.5 Ok"; }
		lk() { echo "250 2.1.5 Ok"; }
	else
		un() { echo "550 5.1.1 <$1>: $REJ: $UNKNOWN_TXT"; }
		bs() { echo "550 5.7.1 <$1>: $REJ: $BOUNCE_TXT"; }
		lk() { echo "550 5.7.1 <$1>: $REJ: $LOCKED_TXT"; }
	fi
	s=sender@example.net
	# The verdicts: active, subaddress, postmaster; unknown, revoked
	# and expired (asked before Postfix's own unlisted-recipient check,
	# so the reply is ours); receive-only with the null sender.
	expect_rcpt irs@example.com $s "250 2.1.5 Ok"
	expect_rcpt irs+2025@example.com $s "250 2.1.5 Ok"
	expect_rcpt postmaster@example.com '<>' "250 2.1.5 Ok"
	expect_rcpt nobody@example.com $s "$(un nobody@example.com)"
	note "RCPT reply: $got"
	expect_rcpt bestbuy@example.com $s "$(un bestbuy@example.com)"
	expect_rcpt old@example.com $s "$(un old@example.com)"
	expect_rcpt shop@example.com '<>' "$(bs shop@example.com)"
	expect_rcpt shop@example.com $s "250 2.1.5 Ok"
	# Locks: a listed domain, a subdomain, an exact address, ...
	pf_sender_lock_rcpts
}

# pol_lock_logs MODE IRS NOBODY: the log lines and counts of
# pol_lock_cases (MODE "learn" or "enforce"), after alias-lookupd has
# stopped, with IRS hits of irs@ and NOBODY counts of nobody@ (more
# when the test sent more).  Each RCPT is counted exactly once.
pol_lock_logs() {
	if [ "${1:-}" = learn ]; then
		act() { echo "action=DUNNO (learn mode: would reply $1)"; }
	else
		act() { echo "action=$1"; }
	fi
	c='client=localhost[127.0.0.1]'
	for from in spam@evilbestbuy.com spam@bestbuy.com.evil.example \
	    other@bank.example; do
		expect_in "$T/lk.log" "qid=- $c from=<$from> to=<$e> alias=$e verdict=locked $(act "550 5.7.1 $LOCKED_TXT")"
	done
	expect_in "$T/lk.log" "$c from=<x@stranger.example> to=<ro@example.com> alias=ro@example.com verdict=locked"
	expect_in "$T/lk.log" "from=<> to=<ro@example.com> alias=ro@example.com verdict=backscatter $(act "550 5.7.1 $BOUNCE_TXT")"
	expect_in "$T/lk.log" "from=<sender@example.net> to=<bestbuy@example.com> alias=bestbuy@example.com verdict=revoked $(act "550 5.1.1 $UNKNOWN_TXT")"
	expect_in "$T/lk.log" "to=<old@example.com> alias=old@example.com verdict=expired $(act "550 5.1.1 $UNKNOWN_TXT")"
	expect_in "$T/lk.log" "to=<nobody@example.com> alias=nobody@example.com verdict=unknown $(act "550 5.1.1 $UNKNOWN_TXT")"
	# -v: the accepted ones too, with DUNNO.
	expect_in "$T/lk.log" "from=<> to=<$e> alias=$e verdict=accept action=DUNNO"
	[ "$(grep -c 'verdict=locked' "$T/lk.log")" -eq 4 ] ||
	    die "expected 4 locked lines: $(grep 'verdict=locked' "$T/lk.log")"
	stats_json "$M/map"
	expect_stat irs@example.com "$2" hits
	expect_stat postmaster@example.com 1 hits
	expect_stat nobody@example.com "$3" count
	expect_stat bestbuy@example.com 1 revoked
	expect_stat old@example.com 1 revoked
	expect_stat shop@example.com 1 backscatter
	expect_stat shop@example.com 1 hits
	expect_stat $e 4 hits
	expect_stat $e 3 locked
	expect_stat ro@example.com 1 hits
	expect_stat ro@example.com 1 locked
	expect_stat ro@example.com 1 backscatter
}

# Every verdict and lock case with check_policy_service and no milter;
# then a message with two recipients (the refused one is logged with
# Postfix's queue id, each counted once); then the service stopped:
# Postfix's default_action, DEFER, and then DUNNO, which leaves the map
# to refuse what it can.
test_policy_postfix() {
	pol_postfix_start
	pol_lock_cases
	# A whole message: irs@ accepted, nobody@ refused after it.
	swaks_send "$PORT" irs@example.com,nobody@example.com \
	    --header "Subject: policy service"
	pol_stop
	pol_lock_logs enforce 3 2
	expect_in "$T/lk.log" "qid=$qid client=localhost[127.0.0.1] from=<sender@example.net> to=<nobody@example.com> alias=nobody@example.com verdict=unknown action=550 5.1.1 $UNKNOWN_TXT"
	note "$(grep "qid=$qid" "$T/lk.log" | sed 's/.*\(conn=\)/\1/')"

	# The service down: Postfix's default_action (DEFER) for every
	# recipient, after its retry (smtpd_policy_service_try_limit).
	expect_rcpt irs@example.com sender@example.net \
	    "450 4.7.1 <irs@example.com>: $REJ: Access denied"
	note "service down, default_action=DEFER: $got"
	grep -E "warning: connect to 127.0.0.1:$LPORT: Connection refused" \
	    "$P/maillog" >/dev/null ||
	    die "no Postfix warning: $(grep warning "$P/maillog" | tail -5)"
	# default_action=DUNNO: the lmdb: map still refuses the unknown,
	# revoked and expired recipients; receive_only and locks are off.
	postconf -c "$P/etc" -e "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service { inet:127.0.0.1:$LPORT, default_action=DUNNO }"
	timeout 60 postfix -c "$P/etc" reload >/dev/null 2>&1 ||
	    die "postfix reload failed"
	sleep 1
	expect_rcpt irs@example.com sender@example.net "250 2.1.5 Ok"
	expect_rcpt bestbuy@example.com sender@example.net \
	    "550 5.1.1 <bestbuy@example.com>: $UNKNOWN_PF"
	expect_rcpt shop@example.com '<>' "250 2.1.5 Ok"
	expect_rcpt electronics@example.com spam@evilbestbuy.com \
	    "250 2.1.5 Ok"
}

# Learn mode, and a unix: socket under Postfix's queue directory named
# relative to it (unix:aliasctl/policy.sock), the form that works in
# Debian's chroot too.
test_policy_postfix_learn_mode_unix() {
	pol_postfix_need
	mkdir -p "$P/queue/aliasctl"
	pol_start "unix:$P/queue/aliasctl/policy.sock" -l
	PF_MAIN_CF="smtpd_recipient_restrictions = reject_unauth_destination,
    check_policy_service { unix:aliasctl/policy.sock, default_action=DEFER }"
	pf_start
	pol_lock_cases learn
	pol_stop
	pol_lock_logs learn 2 1
}


# pc_dir NAME LINES: a Postfix configuration directory $T/NAME with
# LINES as main.cf (postconf -c reads it without a running Postfix).
pc_dir() {
	mkdir -p "$T/$1"
	printf '%s\n' "$2" >"$T/$1/main.cf"
}

# aliasctl check warns when sender locks exist and Postfix runs neither
# front end that sees the sender; says nothing when it cannot tell.
test_policy_check_warning() {
	M=$T
	pf_lock_file
	warn='warning: 2 aliases have a sender lock (senders:), but Postfix'
	vam='virtual_alias_maps = lmdb:/var/lib/aliasctl/aliases'
	pc_dir map-only "$vam"
	expect_exit 0 "$ALIASCTL" -f a.yaml check --postfix-config "$T/map-only"
	expect_in "$T/out" 'a.yaml: 1 domain,'
	expect_in "$T/err" "$warn in $T/map-only runs neither alias-milter (smtpd_milters) nor alias-lookupd's policy service"
	expect_in "$T/err" 'virtual_alias_maps (lmdb:/var/lib/aliasctl/aliases) knows no sender'
	expect_in "$T/err" 'add "check_policy_service { inet:127.0.0.1:10028, default_action=DEFER }"'
	note "$(cat "$T/err")"
	# $MAIL_CONFIG, as postconf reads it, when no option is given.
	MAIL_CONFIG="$T/map-only" expect_exit 0 "$ALIASCTL" -f a.yaml check
	expect_in "$T/err" "$warn runs neither"
	# Another milter over a unix socket, SPF's policy service: not ours.
	pc_dir others "$vam
smtpd_milters = unix:/opendkim/opendkim.sock
smtpd_recipient_restrictions = reject_unauth_destination,
    check_policy_service unix:private/policyd-spf"
	expect_exit 0 "$ALIASCTL" -f a.yaml check --postfix-config "$T/others"
	expect_in "$T/err" "$warn in $T/others runs neither"
	# Configured: alias-milter, or the policy service, as documented.
	for cf in "smtpd_milters = unix:/aliasctl/milter.sock" \
	    "smtpd_recipient_restrictions = reject_unauth_destination,
    check_policy_service { unix:aliasctl/policy.sock, default_action=DEFER }" \
	    "smtpd_relay_restrictions = permit_mynetworks,
    reject_unauth_destination, check_policy_service unix:aliasctl/policy.sock"; do
		pc_dir ok "$vam
$cf"
		expect_exit 0 "$ALIASCTL" -f a.yaml check --postfix-config "$T/ok"
		[ ! -s "$T/err" ] || die "warned with $cf: $(cat "$T/err")"
	done
	# Cannot tell: a TCP endpoint, a restriction class; postconf fails.
	for cf in "smtpd_recipient_restrictions = reject_unauth_destination,
    check_policy_service { inet:127.0.0.1:10028, default_action=DEFER }" \
	    "smtpd_milters = inet:127.0.0.1:8891" \
	    "smtpd_restriction_classes = vendors
vendors = check_policy_service unix:aliasctl/policy.sock
smtpd_recipient_restrictions = reject_unauth_destination, vendors"; do
		pc_dir unsure "$vam
$cf"
		expect_exit 0 "$ALIASCTL" -f a.yaml check --postfix-config "$T/unsure"
		[ ! -s "$T/err" ] || die "warned with $cf: $(cat "$T/err")"
	done
	expect_exit 0 "$ALIASCTL" -f a.yaml check --postfix-config "$T/none"
	[ ! -s "$T/err" ] || die "warned without a configuration: $(cat "$T/err")"
	# No lock in the file: nothing to warn about.
	pf_file
	expect_exit 0 "$ALIASCTL" -f a.yaml check --postfix-config "$T/map-only"
	[ ! -s "$T/err" ] || die "warned without locks: $(cat "$T/err")"
	expect_exit 64 "$ALIASCTL" -f a.yaml check --postfix-config
	expect_exit 64 "$ALIASCTL" -f a.yaml check extra
}
