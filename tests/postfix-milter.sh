# tests/postfix-milter.sh: end to end with a real, private Postfix on
# 127.0.0.1 (SPEC.md, "Testing against the real tools"), driven with
# swaks: Postfix reads the compiled map as lmdb:, alias-milter decides at
# RCPT, delivery goes to discard:.  Needs root (Postfix starts its
# daemons as user postfix).  The instance lives in $T/postfix and is
# stopped on exit, failure included; every wait is bounded.

. "$TOP/tests/postfix-lib.sh"

# The alias file: one alias of every kind.
pf_file() {
	cat >"$M/a.yaml" <<'YAML'
domains:
  example.com:
    deliver_to: me@example.net
    subaddress: "+"
aliases:
  irs@example.com:
    note: accountant
  bestbuy@example.com:
    revoked: 2025-11-01
    reason: leaked
  old@example.com:
    expires: 2020-01-31
  shop@example.com:
    receive_only: true
YAML
}

# pf_need [COMMAND...]: postfix_need, with setpriv and each COMMAND.
pf_need() {
	postfix_need setpriv "$@"
	MPID=
	trap 'pf_cleanup; cd /; rm -rf "$T"' EXIT
}

pf_cleanup() {
	kill_alive "${MPID:-}"
	postfix_stop
}

# pf_start [MILTER]: a private Postfix (postfix_start) that reads the
# map as lmdb: and delivers everything to discard:, with proxywrite;
# MILTER (a libmilter socket) becomes smtpd_milters, and $PF_MAIN_CF
# (lines) is added to main.cf.
pf_start() {
	postfix_start "myhostname = test.invalid
mydestination =
virtual_alias_maps = lmdb:$M/map
recipient_delimiter = +
virtual_transport = discard:test-discarded
smtpd_milters = ${1:-}
milter_default_action = tempfail
maillog_file_prefixes = /var, /dev/stdout, $T
${PF_MAIN_CF:-}" \
	    "proxywrite unix - - n -    1 proxymap"
}

# expect_rcpt TO FROM WANT: the reply of the Postfix on $PORT to RCPT
# TO:<TO> after MAIL FROM:<FROM> is exactly WANT.
expect_rcpt() {
	got=$(swaks_rcpt "$PORT" "$1" "$2")
	[ "$got" = "$3" ] || {
		sed 's/^/  swaks: /' "$T/swaks.out" >&2
		tail -5 "$P/maillog" 2>/dev/null | sed 's/^/  maillog: /' >&2
		echo "RCPT TO:<$1> (MAIL FROM:<$2>): expected \"$3\", got \"$got\"" >&2
		return 1
	}
}

# pf_milter_start [OPTION...]: alias-milter -d on $M/milter.sock, with
# OPTIONs (-l) added.
pf_milter_start() {
	[ -x "$BUILD/alias-milter" ] ||
	    die "$BUILD/alias-milter is missing: make $BUILD/alias-milter"
	"$BUILD/alias-milter" -d -u postfix -m "$M/map" -s "unix:$M/milter.sock" \
	    "$@" >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	wait_listen "$MPID" alias-milter "$T/milter.log" "$M/milter.sock"
	# smtpd runs as postfix:postfix without other groups.
	setpriv --reuid=postfix --regid=postfix --clear-groups -- \
	    test -w "$M/milter.sock" || die "user postfix cannot write the milter socket: $(ls -l "$M/milter.sock")"
}

UNKNOWN_PF='Recipient address rejected: User unknown in virtual alias table'

# Postfix alone, from the lmdb map: the answers the milter adds to.
test_postfix_map_only() {
	pf_need
	pf_file
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
	pf_start
	expect_rcpt irs@example.com sender@example.net "250 2.1.5 Ok"
	expect_rcpt irs+2025@example.com sender@example.net "250 2.1.5 Ok"
	expect_rcpt postmaster@example.com sender@example.net "250 2.1.5 Ok"
	expect_rcpt nobody@example.com sender@example.net \
	    "550 5.1.1 <nobody@example.com>: $UNKNOWN_PF"
	expect_rcpt bestbuy@example.com sender@example.net \
	    "550 5.1.1 <bestbuy@example.com>: $UNKNOWN_PF"
	expect_rcpt old@example.com sender@example.net \
	    "550 5.1.1 <old@example.com>: $UNKNOWN_PF"
	# Without the milter a bounce to a receive-only alias gets through.
	expect_rcpt shop@example.com '<>' "250 2.1.5 Ok"
}

test_postfix_with_milter() {
	pf_need jq
	pf_file
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
	pf_milter_start
	pf_start "unix:$M/milter.sock"
	expect_rcpt irs@example.com sender@example.net "250 2.1.5 Ok"
	expect_rcpt nobody@example.com sender@example.net \
	    "550 5.1.1 <nobody@example.com>: $UNKNOWN_PF"
	expect_rcpt bestbuy@example.com sender@example.net \
	    "550 5.1.1 <bestbuy@example.com>: $UNKNOWN_PF"
	expect_rcpt shop@example.com '<>' \
	    "550 5.7.1 <shop@example.com>: Recipient address rejected: this address sends no mail, so it accepts no bounces"
	expect_rcpt shop@example.com sender@example.net "250 2.1.5 Ok"
	expect_rcpt postmaster@example.com sender@example.net "250 2.1.5 Ok"
	expect_rcpt postmaster@example.com '<>' "250 2.1.5 Ok"

	# One whole message to a known alias: accepted, then discarded.
	swaks_send "$PORT" irs@example.com --header "Subject: aliasctl test"
	maillog_wait "$P/maillog" \
	    "$qid: to=<me@example.net>, orig_to=<irs@example.com>, .*status=sent" \
	    "the delivery of $qid to discard:"
	grep "$qid: to=<me@example.net>" "$P/maillog" | grep -q 'relay=none' ||
	    die "message $qid not discarded: $(grep "$qid: to=" "$P/maillog")"
	grep -q 'test-discarded' "$P/maillog" ||
	    die "no discard in the maillog"

	milter_stop
	expect_in "$T/milter.log" 'verdict=backscatter'
	expect_in "$T/milter.log" 'to=<nobody@example.com>'
	expect_in "$T/milter.log" 'to=<bestbuy@example.com>'
	stats_json "$M/map"
	# irs@: the RCPT-only session and the message.
	expect_stat irs@example.com 2 hits
	expect_stat shop@example.com 1 hits
	expect_stat shop@example.com 1 backscatter
	# Refused by Postfix first, still seen thanks to SMFIP_RCPT_REJ.
	expect_stat bestbuy@example.com 1 revoked
	expect_stat nobody@example.com 1 count
	note "message $qid discarded; milter verdicts: $(grep -c 'verdict=' "$T/milter.log")"
}

# The queue id joins the milter's lines to Postfix's: Postfix names its
# queue file only after the first accepted recipient, so the first RCPT
# line has qid=-, the later ones the queue id, and the DATA line gives
# it with every recipient and alias the message was accepted for.
test_postfix_milter_queue_id() {
	pf_need
	pf_file
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
	pf_milter_start
	pf_start "unix:$M/milter.sock"
	swaks_send "$PORT" \
	    irs+tax@example.com,nobody@example.com,shop@example.com \
	    --header "Subject: aliasctl queue id"
	maillog_wait "$P/maillog" "postfix/cleanup\[[0-9]+\]: $qid: message-id=" \
	    "the cleanup line of $qid"
	milter_stop
	# One DATA line, with Postfix's queue id.
	n=$(grep -c ' accepted=' "$T/milter.log" || true)
	[ "$n" -eq 1 ] || die "expected one DATA line, got $n"
	data=$(grep ' accepted=' "$T/milter.log")
	pfqid=$(printf '%s\n' "$data" | sed -n 's/.* qid=\([^ ]*\) .*/\1/p')
	[ "$pfqid" = "$qid" ] ||
	    die "DATA line qid=$pfqid, Postfix's queue id $qid: $data"
	case $data in
	*" client=localhost[127.0.0.1] from=<sender@example.net> accepted=2 refused=1 to=<irs+tax@example.com>,<shop@example.com> alias=irs@example.com,shop@example.com")
		;;
	*)	die "unexpected DATA line: $data" ;;
	esac
	# The RCPT lines: the first without a queue id, the later ones
	# (the one Postfix refused too) with it.
	grep ' verdict=' "$T/milter.log" >rcpt.lines
	[ "$(wc -l <rcpt.lines)" -eq 3 ] || die "expected 3 RCPT lines: $(cat rcpt.lines)"
	sed -n 1p rcpt.lines | grep -q ' qid=- .*to=<irs+tax@example.com>' ||
	    die "first RCPT line: $(sed -n 1p rcpt.lines)"
	sed -n 2p rcpt.lines | grep -q " qid=$qid .*to=<nobody@example.com> .*note=postfix-rejected" ||
	    die "second RCPT line: $(sed -n 2p rcpt.lines)"
	sed -n 3p rcpt.lines | grep -q " qid=$qid .*to=<shop@example.com>" ||
	    die "third RCPT line: $(sed -n 3p rcpt.lines)"
	# A grep for the queue id finds the alias the message came in for.
	grep "$qid" "$T/milter.log" "$P/maillog" | grep -q 'alias=.*irs@example.com' ||
	    die "grep $qid finds no alias"
	note "DATA line: $(printf '%s\n' "$data" | sed 's/.*\(conn=\)/\1/')"
}

LOCKED_REPLY='Recipient address rejected: this address accepts mail only from its correspondents'

# pf_lock_file [open]: pf_file with electronics@ locked and ro@ locked
# and receive-only; with "open", open@ too, which the test locks later,
# live.
pf_lock_file() {
	pf_file
	cat >>"$M/a.yaml" <<'YAML'
  electronics@example.com:
    senders: [bestbuy.com, alerts@bank.example]
  ro@example.com:
    receive_only: true
    senders: [shop.example]
YAML
	if [ "${1:-}" = open ]; then
		cat >>"$M/a.yaml" <<'YAML'
  open@example.com:
    note: locked by the test
YAML
	fi
}

# pf_sender_lock_rcpts: the RCPT replies for the sender locks of
# pf_lock_file (e is electronics@), whichever front end refuses: the
# caller defines lk ADDRESS and bs ADDRESS, the replies to a refused
# sender and to a bounce for a receive-only alias.
pf_sender_lock_rcpts() {
	e=electronics@example.com
	# A listed domain, a subdomain, an exact address.
	expect_rcpt $e orders@bestbuy.com "250 2.1.5 Ok"
	expect_rcpt electronics+tv@example.com News@Mail.BestBuy.com "250 2.1.5 Ok"
	expect_rcpt $e alerts@bank.example "250 2.1.5 Ok"
	# Look-alikes, another address at the listed address's domain.
	expect_rcpt $e spam@evilbestbuy.com "$(lk $e)"
	note "RCPT reply: $got"
	expect_rcpt $e spam@bestbuy.com.evil.example "$(lk $e)"
	expect_rcpt $e other@bank.example "$(lk $e)"
	# The null sender: never refused by a lock, only by receive_only.
	expect_rcpt $e '<>' "250 2.1.5 Ok"
	expect_rcpt ro@example.com '<>' "$(bs ro@example.com)"
	expect_rcpt ro@example.com x@shop.example "250 2.1.5 Ok"
	expect_rcpt ro@example.com x@stranger.example "$(lk ro@example.com)"
}

# The lock cases through a real Postfix: $1 "learn" when alias-milter
# runs with -l (nothing refused, every line says would reject).
pf_lock_cases() {
	if [ "${1:-}" = learn ]; then
		lk() { echo "250 2.1.5 Ok"; }
		bs() { echo "250 2.1.5 Ok"; }
	else
		lk() { echo "550 5.7.1 <$1>: $LOCKED_REPLY"; }
		bs() { echo "550 5.7.1 <$1>: Recipient address rejected: this address sends no mail, so it accepts no bounces"; }
	fi
	pf_sender_lock_rcpts
	# Postfix's own answer for an unknown recipient comes first.
	expect_rcpt nobody@example.com spam@evilbestbuy.com \
	    "550 5.1.1 <nobody@example.com>: $UNKNOWN_PF"
	# aliasctl lock while the milter runs: live at its next map check.
	expect_rcpt open@example.com x@stranger.example "250 2.1.5 Ok"
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" lock \
	    open@example.com --sender vendor.example
	sleep 0.5
	expect_rcpt open@example.com x@stranger.example "$(lk open@example.com)"
	expect_rcpt open@example.com x@mx.vendor.example "250 2.1.5 Ok"
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" unlock \
	    open@example.com
	sleep 0.5
	expect_rcpt open@example.com x@stranger.example "250 2.1.5 Ok"

	milter_stop
	if [ "${1:-}" = learn ]; then
		act='action=continue (learn mode: would reject)'
	else
		act='action=reject'
	fi
	for from in spam@evilbestbuy.com spam@bestbuy.com.evil.example \
	    other@bank.example; do
		grep -F "from=<$from> to=<$e> alias=$e verdict=locked $act" \
		    "$T/milter.log" >/dev/null ||
		    die "no locked line for $from: $(grep -F "$from" "$T/milter.log")"
	done
	grep -F 'from=<x@stranger.example> to=<open@example.com> alias=open@example.com verdict=locked' \
	    "$T/milter.log" >/dev/null || die "the live lock was not logged"
	grep -F "from=<> to=<$e> alias=$e verdict=accept action=continue" \
	    "$T/milter.log" >/dev/null || die "the null sender was not accepted"
	[ "$(grep -c 'verdict=locked' "$T/milter.log")" -eq 5 ] ||
	    die "expected 5 locked lines: $(grep 'verdict=locked' "$T/milter.log")"
	stats_json "$M/map"
	expect_stat $e 4 hits
	expect_stat $e 3 locked
	expect_stat ro@example.com 1 hits
	expect_stat ro@example.com 1 locked
	expect_stat ro@example.com 1 backscatter
	expect_stat open@example.com 1 locked
	expect_stat open@example.com 3 hits
	note "$(grep -m1 "from=<spam@evilbestbuy.com>" "$T/milter.log" | sed 's/.*\(conn=\)/\1/')"
}

test_postfix_milter_locks() {
	pf_need jq
	pf_lock_file open
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
	pf_milter_start
	pf_start "unix:$M/milter.sock"
	pf_lock_cases
}

test_postfix_milter_locks_learn_mode() {
	pf_need jq
	pf_lock_file open
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
	pf_milter_start -l
	pf_start "unix:$M/milter.sock"
	pf_lock_cases learn
}
