# tests/lookupd.sh: alias-lookupd against the real clients.  Postfix's
# postmap -q asks it over socketmap (unix socket) and tcp_table (TCP on
# 127.0.0.1), and its answers are compared with postmap -q on the lmdb:
# map of the same compile; tests/lookupd/client.c plays the bad clients.
# Each test compiles an alias file, starts $BUILD/alias-lookupd -d on
# sockets in $T, stops it with SIGTERM (it must exit 0, no sanitizer
# report) and checks its log and, where it counts, the stats file.
# Every wait is bounded.

. "$TOP/tests/postfix-lib.sh"

LK_CLIENT_SRC="$TOP/tests/lookupd/client.c"

# The alias file: one alias of every kind.
lk_file() {
	cat >"$T/a.yaml" <<'YAML'
domains:
  example.com:
    deliver_to: me@example.net
    subaddress: "+"
  example.org:
    deliver_to: me@example.net
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
    expires: 2099-06-30
  family@example.org:
    to: [me@example.net, spouse@example.net]
  list@example.org:
    to: ['"John Doe"@example.net', jane@example.net]
  '"John Doe"@example.com': {}
YAML
}

lk_need() {
	command -v postmap >/dev/null ||
	    die "postmap is missing: run tools/deps test (Debian package postfix)"
	command -v jq >/dev/null ||
	    die "jq is missing: run tools/deps test (Debian package jq)"
	[ -x "$BUILD/alias-lookupd" ] ||
	    die "$BUILD/alias-lookupd is missing: make $BUILD/alias-lookupd"
	${CC:-cc} -O1 -o "$T/client" "$LK_CLIENT_SRC" ||
	    die "cannot build $LK_CLIENT_SRC"
	LPID=
	trap 'lk_cleanup; cd /; rm -rf "$T"' EXIT
}

lk_cleanup() {
	kill_alive "${LPID:-}"
	[ -z "${PF:-}" ] || "$TOP/tools/private-postfix" stop "$PF" || true
}

# lk_start [OPTIONS...]: starts alias-lookupd -d on the map $LK_MAP
# ($T/map) with socketmap on $SOCK ($LK_SOCKDIR/lk.sock, $T by default)
# and tcp_table on 127.0.0.1:$PORT (pid in $LPID, stderr in $T/lk.log)
# and waits at most 10 s for both.
lk_start() {
	SOCK=${LK_SOCKDIR:-$T}/lk.sock
	PORT=$(free_port)
	"$BUILD/alias-lookupd" -d -m "${LK_MAP:-$T/map}" -s "unix:$SOCK" \
	    -t "inet:127.0.0.1:$PORT" "$@" >"$T/lk.out" 2>"$T/lk.log" &
	LPID=$!
	wait_listen "$LPID" alias-lookupd "$T/lk.log" "$SOCK" "$PORT"
	SM="socketmap:unix:$SOCK:aliases"
	TCP="tcp:127.0.0.1:$PORT"
}

# lk_stop: SIGTERM, at most 10 s to exit 0 with no sanitizer report.
lk_stop() {
	daemon_stop "$LPID" "$T/lk.log" alias-lookupd 10
	LPID=
	[ ! -e "$SOCK" ] || die "the socket $SOCK was not removed"
}

# q MAP KEY: "rc=N value" from postmap -q (stderr in $T/q.err); run
# as $QPOSTMAP when set (a copy of postmap under another name).
q() {
	set +e
	v=$(timeout 30 ${QPOSTMAP:-postmap} -q "$2" "$1" 2>"$T/q.err")
	rc=$?
	set -e
	echo "rc=$rc $v"
}

# expect_q KEY WANT: socketmap, tcp_table give WANT ("rc=N value").
expect_q() {
	for m in "$SM" "$TCP"; do
		got=$(q "$m" "$1")
		[ "$got" = "$2" ] || {
			sed 's/^/  postmap: /' "$T/q.err" >&2
			tail -5 "$T/lk.log" | sed 's/^/  lookupd: /' >&2
			echo "$m: $1: expected \"$2\", got \"$got\"" >&2
			return 1
		}
	done
}

# expect_like_lmdb KEY: socketmap and tcp_table answer as lmdb: does.
expect_like_lmdb() {
	expect_q "$1" "$(q "lmdb:$T/map" "$1")"
}

# expect_temp MAP KEY: postmap -q fails with the table's temporary
# error: it exits 1 as for "not found", but says "query error" (verified
# with Postfix 3.7: TEMP and 400 are DICT_ERR_RETRY, which postmap
# reports with msg_fatal).
expect_temp() {
	got=$(q "$1" "$2")
	[ "$got" = "rc=1 " ] && grep -q 'query error' "$T/q.err" || {
		sed 's/^/  postmap: /' "$T/q.err" >&2
		echo "$1: $2: expected a temporary error, got \"$got\"" >&2
		return 1
	}
}

# expect_notfound MAP KEY: not found, and no error.
expect_notfound() {
	got=$(q "$1" "$2")
	[ "$got" = "rc=1 " ] && ! grep -q . "$T/q.err" || {
		sed 's/^/  postmap: /' "$T/q.err" >&2
		echo "$1: $2: expected not found, got \"$got\"" >&2
		return 1
	}
}

test_lookupd_answers_like_lmdb() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	lk_start
	# Known, revoked, expired, unknown, uppercase, quoted, domains,
	# postmaster and abuse, not ours: the same answer as lmdb:.
	for k in irs@example.com family@example.org list@example.org \
	    '"John Doe"@example.com' '"john doe"@example.com' \
	    shop@example.com postmaster@example.com abuse@example.org \
	    bestbuy@example.com old@example.com nobody@example.com \
	    IRS@EXAMPLE.COM Irs@Example.Com BestBuy@Example.COM \
	    POSTMASTER@EXAMPLE.ORG example.com example.org EXAMPLE.COM \
	    other.org x@other.org irs@example.net @example.com \
	    family+x@example.org; do
		expect_like_lmdb "$k"
	done
	# Subaddresses: lmdb: finds them only through Postfix's own lookup
	# order (postmap -q asks for the key alone), which for these tables
	# the daemon applies; the extension goes to every target, as
	# propagate_unmatched_extensions (default) does with lmdb:.
	expect_q irs+2025@example.com "rc=0 me+2025@example.net"
	expect_q IRS+Tax@Example.COM "rc=0 me+Tax@example.net"
	expect_q postmaster+x@example.com "rc=0 me+x@example.net"
	expect_q bestbuy+x@example.com "rc=1 "
	expect_q nobody+x@example.com "rc=1 "
	# example.org has no subaddress: family+x@ is unknown there.
	expect_q family+x@example.org "rc=1 "
	lk_stop
	# -E: the extension is not propagated.
	lk_start -E
	expect_q irs+2025@example.com "rc=0 me@example.net"
	lk_stop
}

# Every key of a generated 4,000-alias map in one postmap -q - run.
test_lookupd_bulk_like_lmdb() {
	lk_need
	"$TOP/tools/gen-aliases" 4000 big.yaml big.virt 5
	expect_exit 0 "$ALIASCTL" -f big.yaml -m map compile
	awk '/^aliases:/ { on = 1 } on && /^  [^ ].*:/ { k = $1; sub(/:$/, "", k); print k }' \
	    big.yaml >keys
	cut -f1 big.virt >>keys
	tr 'a-z' 'A-Z' <keys | head -500 >>keys
	for i in $(seq 1 300); do echo "unknown$i@example.com"; done >>keys
	lk_start
	postmap -q - "lmdb:$T/map" <keys | sort >want
	postmap -q - "$SM" <keys | sort >got.sm
	postmap -q - "$TCP" <keys | sort >got.tcp
	expect_same want got.sm
	expect_same want got.tcp
	lk_stop
	note "postmap -q -: $(wc -l <keys) keys, $(wc -l <want) found, socketmap and tcp_table agree with lmdb:"
}

test_lookupd_live_recompile() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	cp a.yaml b.yaml
	echo "  newbie@example.com: {}" >>b.yaml
	lk_start
	expect_q newbie@example.com "rc=1 "
	expect_exit 0 "$ALIASCTL" -f b.yaml -m map compile
	# The map is checked at most every 100 ms: the next lookup after
	# that sees it, on the connection postmap opens.
	sleep 0.3
	expect_q newbie@example.com "rc=0 me@example.net"
	expect_exit 0 "$ALIASCTL" -f b.yaml -m map revoke irs@example.com \
	    --reason test
	sleep 0.3
	expect_q irs@example.com "rc=1 "
	# One persistent connection sees the recompile too.
	ns 'aliases irs+2@example.com' >req1
	cp req1 req2
	expect_exit 0 "$ALIASCTL" -f b.yaml -m map restore irs@example.com
	{ cat req1; sleep 0.5; cat req2; } | "$T/client" "unix:$SOCK" send >out
	[ "$(cat out)" = "$(ns 'OK me+2@example.net')$(ns 'OK me+2@example.net')" ] ||
	    die "persistent connection: $(cat out)"
	lk_stop
}

test_lookupd_map_missing() {
	lk_need
	lk_file
	# No map ever read: a temporary error for every key, never
	# "not found".
	lk_start
	for m in "$SM" "$TCP"; do
		expect_temp "$m" irs@example.com
		expect_temp "$m" x@other.org
		expect_temp "$m" example.com
	done
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	sleep 0.3
	expect_q irs@example.com "rc=0 me@example.net"
	# The map disappears: its domains get a temporary error, other keys
	# are not found, as alias-milter lets other domains pass.
	rm -f map.lmdb map.policy.lmdb
	sleep 0.3
	for m in "$SM" "$TCP"; do
		expect_temp "$m" irs@example.com
		expect_temp "$m" nobody@example.org
		expect_temp "$m" EXAMPLE.COM
		expect_notfound "$m" x@other.org
		expect_notfound "$m" other.org
	done
	# A corrupt map: the same.
	head -c 65536 /dev/urandom >garbage.tmp
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	mv garbage.tmp map.lmdb
	sleep 2.5
	for m in "$SM" "$TCP"; do
		expect_temp "$m" irs@example.com
		expect_notfound "$m" x@other.org
	done
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	sleep 0.3
	expect_q irs@example.com "rc=0 me@example.net"
	lk_stop
	expect_in "$T/lk.log" "map.lmdb"
}

# ns TEXT: TEXT as a netstring.
ns() {
	printf '%d:%s,' "${#1}" "$1"
}

# raw PROTO-ADDR MODE INPUT: the client's output for INPUT (printf
# format) into $T/raw; its exit code in $rawrc.
raw() {
	set +e
	printf "$3" | "$T/client" -t 10 "$1" "$2" >"$T/raw" 2>&1
	rawrc=$?
	set -e
}

expect_raw() {
	[ "$(cat "$T/raw")" = "$1" ] && [ "$rawrc" -eq "${2:-0}" ] || {
		echo "expected \"$1\" (exit ${2:-0}), got \"$(cat "$T/raw")\" (exit $rawrc)" >&2
		return 1
	}
}

test_lookupd_bad_clients() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	lk_start -i 2 -r 1
	U="unix:$SOCK"
	I="inet:127.0.0.1:$PORT"
	# Oversized netstring: refused from its length alone, then closed.
	raw "$U" keep '99999:aliases x'
	expect_raw "$(ns 'PERM request too long')"
	raw "$U" keep '4097:'
	expect_raw "$(ns 'PERM request too long')"
	# Malformed lengths and garbage: a protocol error, then closed.
	raw "$U" keep '012:aliases x@y,'
	expect_raw "$(ns 'PERM netstring length with a leading zero')"
	raw "$U" keep 'GET / HTTP/1.0\r\n\r\n'
	expect_raw "$(ns 'PERM malformed netstring length')"
	raw "$U" keep '3:a bc,'
	expect_raw "$(ns "PERM netstring not terminated by ','")"
	# Well framed but not NAME KEY: answered, and the next request too.
	raw "$U" send '5:nospa,23:aliases irs@example.com,'
	expect_raw "$(ns 'PERM request is not "NAME KEY"')$(ns 'OK me@example.net')"
	# Keys that cannot be in the map: not found.
	raw "$U" send '13:aliases a\0b@c,8:aliases ,'
	expect_raw '9:NOTFOUND ,9:NOTFOUND ,'
	# tcp_table: a bad line is answered and the connection goes on.
	raw "$I" send 'hello\r\nget irs@example.com\nput a b\nget bad%%zz\nget IRS%%2bx@example.com\n'
	expect_raw "400 request%20is%20not%20\"get%20KEY\"
200 me@example.net
400 put%20is%20not%20supported
400 malformed%20%25XX%20in%20key
200 me+x@example.net"
	# A line without end: answered at the limit, then closed.
	head -c 7000 /dev/zero | tr '\0' a >long
	set +e
	"$T/client" -t 10 "$I" keep <long >"$T/raw" 2>&1
	rawrc=$?
	set -e
	expect_raw '400 request%20too%20long'
	# Half-closed: every request sent before the shutdown is answered.
	: >many
	for i in $(seq 1 200); do
		printf '23:aliases irs@example.com,' >>many
	done
	"$T/client" "$U" send <many >out
	n=$(grep -o '17:OK me@example.net,' out | wc -l)
	[ "$n" -eq 200 ] || die "200 pipelined requests, $n answers"
	# Slow but steady: one byte every 20 ms gets its answer ...
	printf '23:aliases irs@example.com,' >slow
	"$T/client" -t 10 "$U" slow 20 <slow >out || true
	[ "$(cat out)" = '17:OK me@example.net,' ] || die "slow client: $(cat out)"
	printf 'get irs@example.com\n' >slow
	"$T/client" -t 10 "$I" slow 20 <slow >out || true
	[ "$(cat out)" = '200 me@example.net' ] || die "slow client: $(cat out)"
	# ... too slow (-r 1: the request must arrive within a second) is
	# dropped, without an answer.
	start=$(date +%s)
	printf '23:aliases irs@example.com,' >slow
	set +e
	"$T/client" -t 20 "$U" slow 300 <slow >out
	rc=$?
	set -e
	took=$(($(date +%s) - start))
	[ $rc -eq 0 ] && [ ! -s out ] && [ $took -le 5 ] ||
	    die "slowloris client: exit $rc after $took s, got \"$(cat out)\""
	# A client that never sends is dropped after -i 2 seconds.
	"$T/client" "$U" hold 3 4 >out
	[ "$(tail -1 out)" = "open 0 closed 3" ] || die "idle: $(cat out)"
	# After all that, good clients still get answers.
	expect_q irs@example.com "rc=0 me@example.net"
	alive "$LPID" || die "alias-lookupd died"
	lk_stop
	expect_in "$T/lk.log" "protocol error: request too long"
}

# 1,000 idle connections while a good client still gets answers.
test_lookupd_idle_connections() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	lk_start -i 6
	"$T/client" "unix:$SOCK" hold 1000 8 >hold.out 2>&1 &
	hpid=$!
	wait_until 10 grep -q connected hold.out ||
	    die "1000 connections not made in 10 s: $(cat hold.out)"
	start=$(date +%s%N)
	for i in $(seq 1 10); do
		expect_q irs@example.com "rc=0 me@example.net"
	done
	took=$((($(date +%s%N) - start) / 1000000))
	wait "$hpid"
	# -i 6: all of them were closed by the daemon before the 8 s ended.
	[ "$(tail -1 hold.out)" = "open 0 closed 1000" ] ||
	    die "idle connections: $(cat hold.out)"
	lk_stop
	note "20 lookups next to 1000 idle connections: $took ms"
}

# At -c connections a new one displaces the one idle the longest.
test_lookupd_maxconn() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	lk_start -c 50 -v
	"$T/client" "unix:$SOCK" hold 120 3 >hold.out 2>&1 &
	hpid=$!
	wait_until 10 grep -q connected hold.out ||
	    die "connections not made in 10 s: $(cat hold.out)"
	expect_q irs@example.com "rc=0 me@example.net"
	wait "$hpid"
	closed=$(sed -n 's/^open [0-9]* closed \([0-9]*\)$/\1/p' hold.out)
	[ "${closed:-0}" -ge 70 ] || die "at -c 50, 120 connections: $(cat hold.out)"
	lk_stop
	expect_in "$T/lk.log" "closed to make room"
}

# A hit is a lookup that decides a delivery (peer.h): smtpd's at RCPT
# counts, cleanup's repeat of it and an administrator's postmap -q do
# not.  The asker is told by its name over a unix socket (copies of
# postmap named smtpd and cleanup stand in for Postfix's daemons), by
# its socket's user over loopback TCP: postfix's lookups come in pairs
# for accepted aliases (smtpd, then cleanup) and count once per pair.
test_lookupd_stats() {
	lk_need
	lk_file
	chmod 755 "$T"
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	lk_start -v
	cp "$(command -v postmap)" "$T/smtpd"
	cp "$(command -v postmap)" "$T/cleanup"
	keys="irs@example.com irs@example.com IRS+x@example.com
	    bestbuy@example.com old@example.com nobody@example.com
	    nobody@example.com example.com example.org x@other.org
	    postmaster@example.com"
	for k in $keys; do
		QPOSTMAP=$T/smtpd q "$SM" "$k" >/dev/null
		QPOSTMAP=$T/cleanup q "$SM" "$k" >/dev/null
		q "$SM" "$k" >/dev/null
		q "$TCP" "$k" >/dev/null
	done
	# Over TCP the name is not seen, only the user: root's is no MTA.
	QPOSTMAP=$T/smtpd q "$TCP" family@example.org >/dev/null
	hits_irs=3 hits_family=none nobody=2
	if [ "$(id -u)" -eq 0 ] && id postfix >/dev/null 2>&1; then
		# As Postfix over TCP: irs@ and family@ twice each (smtpd,
		# cleanup), nobody@ once (refused: cleanup never asks).
		for k in irs@example.com irs@example.com family@example.org \
		    family@example.org nobody@example.com; do
			setpriv --reuid=postfix --regid=postfix --clear-groups \
			    postmap -q "$k" "$TCP" >/dev/null 2>&1 || true
		done
		hits_irs=4 hits_family=1 nobody=3
	fi
	lk_stop
	grep -q "socketmap connection from pid [0-9]* smtpd: hits counted" \
	    "$T/lk.log" || die "smtpd's connection: $(grep connection "$T/lk.log")"
	grep -q "from pid [0-9]* cleanup: repeats smtpd's lookups" "$T/lk.log" ||
	    die "cleanup's connection: $(grep connection "$T/lk.log")"
	grep -q "from pid [0-9]* postmap: no delivery decision" "$T/lk.log" ||
	    die "postmap's connection: $(grep connection "$T/lk.log")"
	stats_json "$T/map"
	expect_stat irs@example.com $hits_irs hits
	expect_stat family@example.org $hits_family hits
	expect_stat postmaster@example.com 1 hits
	expect_stat bestbuy@example.com 1 revoked
	expect_stat old@example.com 1 revoked
	expect_stat nobody@example.com $nobody count
	expect_stat bestbuy@example.com 0 hits
	# Bare domains and other domains are not counted.
	expect_stat example.com none hits
	expect_stat example.com none count
	expect_stat x@other.org none count
}

# What alias-lookupd counted, as stats --prometheus shows it to the
# official Python parser: the counters and the daemon's heartbeat.
test_lookupd_prometheus() {
	lk_need
	lk_file
	/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null ||
	    die "python3-prometheus-client is missing: run tools/deps test"
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	lk_start
	cp "$(command -v postmap)" "$T/smtpd"
	for k in irs@example.com irs+x@example.com irs@example.com \
	    bestbuy@example.com old@example.com nobody@example.com \
	    nobody2@example.com nobody@example.com; do
		QPOSTMAP=$T/smtpd q "$SM" "$k" >/dev/null
	done
	lk_stop
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map stats --prometheus \
	    --per-alias 1
	cp "$T/out" m.prom
	cat >want <<'EOF2'
aliasctl_recipients_total{verdict="accepted"} 3
aliasctl_recipients_total{verdict="revoked"} 1
aliasctl_recipients_total{verdict="expired"} 1
aliasctl_recipients_total{verdict="unknown"} 3
aliasctl_recipients_total{verdict="backscatter"} 0
aliasctl_unknown_addresses 2
aliasctl_alias_recipients_total{alias="irs@example.com",verdict="accepted"} 3
count aliasctl_alias_recipients 5
count aliasctl_stats_last_flush_timestamp_seconds 1
type aliasctl_stats_last_flush_timestamp_seconds gauge
EOF2
	/usr/bin/python3 "$TOP/tests/promcheck.py" m.prom want || {
		sed 's/^/  | /' m.prom >&2
		die "the metrics are not what alias-lookupd counted"
	}
	grep -q '^aliasctl_stats_last_flush_timestamp_seconds{writer="alias-lookupd",file="stats/map.lookupd.lmdb"} [0-9]' m.prom ||
	    die "heartbeat: $(grep flush m.prom)"
}

test_lookupd_privileges() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: -u drops privileges"
	lk_need
	lk_file
	chmod 755 "$T"
	# The socket's directory belongs to the daemon's user, which
	# removes the socket at exit.
	mkdir "$T/run"
	chown nobody "$T/run"
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	LK_SOCKDIR=$T/run lk_start -u nobody
	expect_q irs@example.com "rc=0 me@example.net"
	cp "$(command -v postmap)" "$T/smtpd"
	QPOSTMAP=$T/smtpd q "$SM" irs@example.com >/dev/null
	uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$LPID/status")
	gid=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$LPID/status")
	nuid=$(id -u nobody)
	ngid=$(id -g nobody)
	[ "$uid" = "$nuid $nuid $nuid $nuid" ] || die "uids: $uid"
	[ "$gid" = "$ngid $ngid $ngid $ngid" ] || die "gids: $gid"
	[ "$(stat -c %U "$SOCK")" = nobody ] || die "socket owner: $(stat -c %U "$SOCK")"
	[ "$(stat -c %a "$SOCK")" = 660 ] || die "socket mode: $(stat -c %a "$SOCK")"
	[ "$(stat -c %U stats/map.lookupd.lmdb)" = nobody ] || die "stats file owner"
	[ "$(stat -c %U stats)" = nobody ] || die "stats directory owner"
	lk_stop
	stats_json "$T/map"
	expect_stat irs@example.com 1 hits
	expect_exit 67 "$BUILD/alias-lookupd" -d -u no-such-user-here -m map \
	    -s "unix:$T/x.sock"
}

test_lookupd_startup_errors() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	expect_exit 64 "$BUILD/alias-lookupd" -d -m map
	expect_in "$T/err" "usage: alias-lookupd"
	expect_exit 64 "$BUILD/alias-lookupd" -d -m map -s tcp:1234
	expect_exit 64 "$BUILD/alias-lookupd" -d -m map -s inet:127.0.0.1:x
	expect_exit 64 "$BUILD/alias-lookupd" -d -m map -c 0 -s "unix:$T/x.sock"
	expect_exit 64 "$BUILD/alias-lookupd" -d -m map -s "unix:$T/x.sock" \
	    -t "unix:$T/x.sock"
	: >notasocket
	expect_exit 73 "$BUILD/alias-lookupd" -d -m map -s "unix:$T/notasocket"
	expect_exit 71 "$BUILD/alias-lookupd" -d -m map -s "unix:$T/no/dir/x.sock"
	# A live socket is not taken away; a stale one is replaced.
	lk_start
	expect_exit 69 "$BUILD/alias-lookupd" -d -m map -s "unix:$SOCK"
	expect_q irs@example.com "rc=0 me@example.net"
	kill -KILL "$LPID"
	set +e
	wait "$LPID"
	set -e
	[ -S "$SOCK" ] || die "the killed daemon left no socket"
	lk_start
	expect_q irs@example.com "rc=0 me@example.net"
	lk_stop
	# Without -d: the parent returns once the daemon serves.
	expect_exit 0 "$BUILD/alias-lookupd" -m "$T/map" -s "unix:$T/bg.sock" \
	    -p "$T/lk.pid"
	pid=$(cat "$T/lk.pid")
	expect_exit 0 postmap -q irs@example.com "socketmap:unix:$T/bg.sock:aliases"
	kill -TERM "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 100 ] || die "the detached daemon did not stop"
		sleep 0.1
	done
	[ ! -e "$T/lk.pid" ] || die "pid file left behind"
	[ ! -e "$T/bg.sock" ] || die "socket left behind"
}

# Every socket form of listen.h, served on loopback: tcp_table on each
# TCP form (IPv4 and IPv6), socketmap on each unix form, each checked by
# a request over the address the form names.
test_lookupd_listen_forms() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	for form in unix local bare inet_port inet_host_port inet_v6 \
	    inet_at inet_at_v6 inet6_at inet6_port; do
		port=$(free_port)
		sock="$T/$form.sock"
		case $form in
		unix)		spec="unix:$sock" addr="unix:$sock" ;;
		local)		spec="local:$sock" addr="unix:$sock" ;;
		bare)		spec="$sock" addr="unix:$sock" ;;
		inet_port)	spec="inet:$port" addr="inet:127.0.0.1:$port" ;;
		inet_host_port)	spec="inet:127.0.0.1:$port" addr="inet:127.0.0.1:$port" ;;
		inet_v6)	spec="inet:[::1]:$port" addr="inet:[::1]:$port" ;;
		inet_at)	spec="inet:$port@127.0.0.1" addr="inet:127.0.0.1:$port" ;;
		inet_at_v6)	spec="inet:$port@::1" addr="inet:[::1]:$port" ;;
		inet6_at)	spec="inet6:$port@::1" addr="inet:[::1]:$port" ;;
		inet6_port)	spec="inet6:$port" addr="inet:[::1]:$port" ;;
		esac
		case $addr in
		unix:*)	opt=-s req='23:aliases irs@example.com,'
			want='17:OK me@example.net,' ;;
		*)	opt=-t req='get irs@example.com\n'
			want='200 me@example.net' ;;
		esac
		"$BUILD/alias-lookupd" -d -m "$T/map" $opt "$spec" \
		    >"$T/lk.out" 2>"$T/lk.log" &
		LPID=$!
		i=0
		until raw "$addr" send "$req" && [ "$(cat "$T/raw")" = "$want" ]; do
			alive "$LPID" || {
				sed 's/^/  lookupd: /' "$T/lk.log" >&2
				die "$spec: alias-lookupd exited"
			}
			i=$((i + 1))
			[ $i -le 100 ] || die "$spec: no answer on $addr after 10 s: $(cat "$T/raw")"
			sleep 0.1
		done
		# Only loopback, never every address.
		case $spec in
		inet:$port|inet6:$port)
			ss -Hltn "sport = :$port" >listening
			n=$(wc -l <listening)
			grep -Eq '(127\.0\.0\.1|\[::1\]):'"$port" listening &&
			    [ "$n" -eq 1 ] || die "$spec: listens on $(cat listening)" ;;
		esac
		SOCK=$sock
		lk_stop
	done
	# Bad forms: usage errors that name the form, before anything starts.
	for bad in tcp:1 inet: inet:0 inet:65536 inet:::1:10 'inet:[::1]10' \
	    'inet:[x]:1' inet:10@ unix: local:; do
		expect_exit 64 "$BUILD/alias-lookupd" -d -m map -s "$bad"
		expect_in "$T/err" "-s $bad: "
	done
	# The same socket in two spellings.
	expect_exit 64 "$BUILD/alias-lookupd" -d -m map -s inet:10025 \
	    -t inet:10025@127.0.0.1
	expect_in "$T/err" "-s and -t name the same socket"
}

# -L: log lines (-v: one per request) in a file with RFC 3339
# timestamps, and a new file after the old one was renamed.
test_lookupd_log_file() {
	lk_need
	lk_file
	expect_exit 0 "$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile
	lk_start -v -L "$T/lookupd.log"
	expect_q irs@example.com "rc=0 me@example.net"
	mv "$T/lookupd.log" "$T/lookupd.log.1"
	sleep 1.2	# the name is checked at most once a second
	expect_q nobody@example.com "rc=1 "
	expect_q bestbuy@example.com "rc=1 "
	lk_stop
	re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} alias-lookupd\[[0-9]+\]: '
	for f in lookupd.log.1 lookupd.log; do
		[ -s "$T/$f" ] || die "$f is empty"
		bad=$(grep -Evc "$re" "$T/$f" || true)
		[ "$bad" -eq 0 ] || die "$f: lines without a timestamp: $(head -3 "$T/$f")"
	done
	grep -q 'key=<irs@example.com>' "$T/lookupd.log.1" ||
	    die "the first request is not in the renamed file"
	grep -q 'key=<bestbuy@example.com>' "$T/lookupd.log" ||
	    die "the last request is not in the new file: $(cat "$T/lookupd.log")"
	grep -q 'key=<' "$T/lk.log" && die "request lines went to stderr too"
	return 0
}

test_lookupd_help_matches_man_page() {
	# Every option of -h is in alias-lookupd(8), and the reverse.
	"$BUILD/alias-lookupd" -h >help.txt
	opts="d E l v u p S L c i r m s t P V h"
	for o in $opts; do
		grep -q -- "^  -$o " help.txt || die "-$o not in -h"
		grep -q "^\.It Fl $o\( \|$\)" "$TOP/man/alias-lookupd.8" ||
		    die "-$o not in alias-lookupd.8"
	done
	n=$(grep -c '^\.It Fl ' "$TOP/man/alias-lookupd.8")
	[ "$n" -eq 17 ] || die "alias-lookupd.8 lists $n options, -h 17"
	# The limits the man page gives are the ones in the source.
	grep -q "SOCKMAP_REQUEST_MAX	4096" "$TOP/src/sockmap.h" &&
	    grep -q '4096 bytes' "$TOP/man/alias-lookupd.8" ||
	    die "socketmap request limit differs"
	grep -q "PDP_REQUEST_MAX		16384" "$TOP/src/pdp.h" &&
	    grep -q 'A policy request may be 16384 bytes' \
	    "$TOP/man/alias-lookupd.8" || die "policy request limit differs"
	grep -q 'LOOKUPD_OUT_MAX		(64 \* 1024)' "$TOP/src/lookupd.h" &&
	    grep -q '64 KiB' "$TOP/man/alias-lookupd.8" ||
	    die "reply buffer limit differs"
}

# A real Postfix on 127.0.0.1 with virtual_alias_maps = socketmap:...
# lk_postfix_setup: for a test with a private Postfix (root only):
# the alias file compiled into $M/map, in a directory of postfix's, and
# alias-lookupd -v running as postfix with socketmap on $SOCK and
# tcp_table on 127.0.0.1:$LPORT; $PF and $PPORT for the Postfix.
lk_postfix_setup() {
	postfix_need
	lk_need
	lk_file
	cp a.yaml "$M/a.yaml"
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" -m "$M/map" compile
	LK_SOCKDIR=$M LK_MAP=$M/map lk_start -v -u postfix
	LPORT=$PORT
	PF=$T/pf
	mkdir -p "$PF"
	PPORT=$(free_port)
}

test_lookupd_postfix() {
	lk_postfix_setup
	VIRTUAL_ALIAS_MAPS="socketmap:unix:$M/lk.sock:aliases" \
	    "$TOP/tools/private-postfix" start "$PF" "$PPORT" ||
	    die "private Postfix did not start"
	unknown='Recipient address rejected: User unknown in virtual alias table'
	for t in "irs@example.com|250 2.1.5 Ok" \
	    "irs+2025@example.com|250 2.1.5 Ok" \
	    "IRS@Example.COM|250 2.1.5 Ok" \
	    "postmaster@example.com|250 2.1.5 Ok" \
	    "nobody@example.com|550 5.1.1 <nobody@example.com>: $unknown" \
	    "bestbuy@example.com|550 5.1.1 <bestbuy@example.com>: $unknown" \
	    "old@example.com|550 5.1.1 <old@example.com>: $unknown"; do
		got=$(swaks_rcpt "$PPORT" "${t%%|*}")
		[ "$got" = "${t#*|}" ] || {
			sed 's/^/  swaks: /' "$T/swaks.out" >&2
			tail -5 "$PF/maillog" | sed 's/^/  maillog: /' >&2
			die "RCPT TO:<${t%%|*}>: expected \"${t#*|}\", got \"$got\""
		}
	done
	# Whole messages: where they go with socketmap, then with lmdb:
	# (postfix reload), must be the same.
	send_msg() {
		swaks_send "$PPORT" "$1" --header "Subject: lookupd test"
		maillog_wait "$PF/maillog" "$qid: to=.*status=sent" \
		    "the delivery of $qid"
		grep "$qid: to=" "$PF/maillog" |
		    sed 's/.*: to=\(<[^>]*>\), orig_to=\(<[^>]*>\).*/\1 \2/' | sort
	}
	for to in irs+tax@example.com family@example.org list@example.org; do
		send_msg "$to"
	done >via-socketmap
	# lmdb: needs recipient_delimiter to split irs+tax@ (the daemon
	# uses the alias file's subaddress: setting instead).
	postconf -c "$PF/etc" -e "virtual_alias_maps = lmdb:$M/map" \
	    "recipient_delimiter = +"
	postfix -c "$PF/etc" reload >/dev/null 2>&1
	sleep 1
	for to in irs+tax@example.com family@example.org list@example.org; do
		send_msg "$to"
	done >via-lmdb
	expect_same via-lmdb via-socketmap
	grep -q '<me+tax@example.net> <irs+tax@example.com>' via-socketmap ||
	    die "irs+tax@: $(cat via-socketmap)"
	"$TOP/tools/private-postfix" stop "$PF"
	PF=
	lk_stop
	stats_json "$M/map"
	# smtpd's RCPT lookups count; cleanup's repeat of them does not.
	expect_stat irs@example.com 4 hits
	expect_stat family@example.org 1 hits
	expect_stat nobody@example.com 1 count
	expect_stat bestbuy@example.com 1 revoked
	note "deliveries via socketmap equal those via lmdb: $(tr '\n' ';' <via-socketmap)"
}

# Counting through a real Postfix where the lookups cannot be told
# apart by process: tcp_table (only the socket's user is known) and
# proxy:socketmap (proxymap asks for smtpd and cleanup alike).  Every
# accepted RCPT is looked up twice (smtpd, then cleanup at once, even
# when the client quits after RCPT), a refused one once; alias-lookupd
# counts accepted aliases once per pair.  Measured here: the counts
# must equal the RCPTs exactly; an administrator's postmap -q over TCP
# (as root) counts nothing.
test_lookupd_postfix_counts() {
	lk_postfix_setup
	VIRTUAL_ALIAS_MAPS="tcp:127.0.0.1:$LPORT" \
	    "$TOP/tools/private-postfix" start "$PF" "$PPORT" ||
	    die "private Postfix did not start"
	# traffic: 3 messages to irs@ (one with irs+tax@ too), 2 sessions
	# that quit after RCPT irs@, 2 RCPTs to nobody@, 1 message to
	# family@; as an administrator, postmap -q of irs@ over TCP.
	traffic() {
		for to in irs@example.com irs@example.com,irs+tax@example.com \
		    irs@example.com family@example.org; do
			swaks_send "$PPORT" "$to"
		done
		for to in irs@example.com irs@example.com nobody@example.com \
		    nobody@example.com; do
			swaks_rcpt "$PPORT" "$to" >/dev/null
		done
		for i in 1 2 3; do
			postmap -q irs@example.com "tcp:127.0.0.1:$LPORT" >/dev/null
		done
	}
	# counts WANT_IRS WANT_FAMILY WANT_NOBODY: within 5 s.
	counts() {
		i=0
		while :; do
			stats_json "$M/map"
			got="$(stat_of irs@example.com hits) $(stat_of family@example.org hits) $(stat_of nobody@example.com count)"
			[ "$got" = "$*" ] && break
			i=$((i + 1))
			[ $i -le 25 ] || {
				grep -E 'connection|irs|nobody|family' "$T/lk.log" | tail -40 >&2
				die "counts irs family nobody: expected $*, got $got"
			}
			sleep 0.2
		done
	}
	traffic
	counts 6 1 2
	tcp=$(grep -c 'tcp_table connection from uid' "$T/lk.log" || true)
	# proxy:socketmap: proxymap asks for both.
	postconf -c "$PF/etc" -e \
	    "virtual_alias_maps = proxy:socketmap:unix:$M/lk.sock:aliases"
	postfix -c "$PF/etc" reload >/dev/null 2>&1
	sleep 1
	traffic
	counts 12 2 4
	grep -q 'socketmap connection from pid [0-9]* proxymap: accepted aliases counted once per pair' \
	    "$T/lk.log" || die "no proxymap connection: $(grep connection "$T/lk.log")"
	"$TOP/tools/private-postfix" stop "$PF"
	PF=
	lk_stop
	note "tcp_table ($tcp connections) and proxy:socketmap: 12 accepted RCPTs (24 lookups) counted 12, 4 refused counted 4, 6 postmap -q counted 0"
}
