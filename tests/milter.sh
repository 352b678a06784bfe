# tests/milter.sh: alias-milter over the real milter protocol, driven
# by miltertest(8) with the scripts in tests/milter/*.lua.  Each test
# compiles an alias file, starts $BUILD/alias-milter -d on a socket in
# $T, runs one script, stops the daemon with SIGTERM and checks its log
# lines (one per verdict) and the counts `aliasctl stats --json` reads
# from the stats file flushed at shutdown.  Every wait is bounded.

MT_DIR="$TOP/tests/milter"

# The alias file: one alias of every kind.
milter_file() {
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
  '"John Doe"@example.com': {}
YAML
}

# The hook the Lua scripts call as "$T/hook ACTION" (os.execute).
milter_hook() {
	cat >"$T/hook" <<EOF
#!/bin/sh
# compile: a.yaml into the map; hide: remove the map; corrupt: rename
# garbage over MAP.lmdb; swap/unswap: compile b.yaml/a.yaml; revoke:
# aliasctl revoke irs@ (times in revoke.start and .end); mark: the time
# the milter was seen refusing it; add, restore, lock, unlock: one edit
# each (-v lines in edits.log).
set -e
cd "$T"
case "\$1" in
compile|unswap) "$ALIASCTL" -f a.yaml -m map compile >/dev/null ;;
swap)	"$ALIASCTL" -f b.yaml -m map compile >/dev/null ;;
hide)	rm -f map.lmdb map.policy.lmdb ;;
corrupt) head -c 65536 /dev/urandom >garbage.tmp; mv garbage.tmp map.lmdb ;;
revoke)	date +%s.%N >revoke.start
	"$ALIASCTL" -f a.yaml -m map revoke irs@example.com --reason "test" >/dev/null
	date +%s.%N >revoke.end ;;
mark)	date +%s.%N >revoke.seen ;;
add)	"$ALIASCTL" -v -f a.yaml -m map add fresh@example.com >/dev/null 2>>edits.log ;;
restore) "$ALIASCTL" -v -f a.yaml -m map restore bestbuy@example.com >/dev/null 2>>edits.log ;;
lock)	"$ALIASCTL" -v -f a.yaml -m map lock irs@example.com --sender other.example >/dev/null 2>>edits.log ;;
unlock)	"$ALIASCTL" -v -f a.yaml -m map unlock irs@example.com >/dev/null 2>>edits.log ;;
*)	echo "hook: unknown action \$1" >&2; exit 1 ;;
esac
EOF
	chmod +x "$T/hook"
}

milter_need() {
	command -v miltertest >/dev/null ||
	    die "miltertest is missing: run tools/deps test (Debian package miltertest)"
	command -v jq >/dev/null ||
	    die "jq is missing: run tools/deps test (Debian package jq)"
	[ -x "$BUILD/alias-milter" ] ||
	    die "$BUILD/alias-milter is missing: make $BUILD/alias-milter"
}

milter_cleanup() {
	kill_alive "${MPID:-}"
}

# milter_start SOCKET [OPTIONS...]: starts alias-milter -d in the
# background (pid in $MPID, stderr in $T/milter.log) and waits at most
# 10 s for its socket.  A failing test kills it on exit.
milter_start() {
	MSOCK=$1
	shift
	MPID=
	trap 'milter_cleanup; cd /; rm -rf "$T"' EXIT
	"$BUILD/alias-milter" -d "$@" -m "$T/map" -s "$MSOCK" \
	    >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	wait_listen "$MPID" alias-milter "$T/milter.log" "$MSOCK"
}

# mt_run SCRIPT [-D name=value...]: runs tests/milter/SCRIPT against
# $MSOCK (at most 60 s), then checks that each "reply LEN TEXT" line the
# script printed matches the length of the reply miltertest -vv read.
mt_run() {
	script=$1
	shift
	set +e
	timeout 60 miltertest -vv -D "socket=$MSOCK" -D "lib=$MT_DIR/lib.lua" \
	    -D "run=$T/hook" "$@" -s "$MT_DIR/$script" >"$T/mt.out" 2>&1
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		grep -v -e 'mt_milter_' -e ' sent on fd ' "$T/mt.out" |
		    sed 's/^/  miltertest: /' | tail -30 >&2
		sed 's/^/  milter: /' "$T/milter.log" | tail -20 >&2
		die "miltertest $script exited $rc"
	fi
	awk '
	/mt_milter_read\([0-9]+\): cmd / { cmd = $4; sub(/,$/, "", cmd); len = $6 }
	/^reply [0-9]+ / {
		n++
		if (cmd != "y" || len != $2) {
			text = $0; sub(/^reply [0-9]+ /, "", text)
			printf "reply to the last RCPT: command %s, %s bytes; expected y, %s bytes: %s\n", cmd, len, $2, text
			bad = 1
		}
		cmd = ""; len = ""
	}
	END { exit bad }' "$T/mt.out" >&2 ||
	    die "$script: a reply text differs (length)"
	grep -q ': done$' "$T/mt.out" || die "$script did not finish"
	note "$script: $(grep -c '^ok RCPT' "$T/mt.out") RCPTs, $(grep -c '^reply ' "$T/mt.out") replies checked"
}

# log_has STRING...: some line of the milter log has every STRING.
log_has() {
	awk -v want="$*" '
	BEGIN { n = split(want, w, "\t") }
	{ for (i = 1; i <= n; i++) if (index($0, w[i]) == 0) next; found = 1; exit }
	END { exit !found }' "$T/milter.log" && return 0
	echo "no log line with: $*" | tr '\t' ' ' >&2
	sed 's/^/  milter: /' "$T/milter.log" | tail -40 >&2
	return 1
}

# log_count STRING...: the number of log lines with every STRING.
log_count() {
	awk -v want="$*" '
	BEGIN { n = split(want, w, "\t") }
	{ for (i = 1; i <= n; i++) if (index($0, w[i]) == 0) next; c++ }
	END { print c + 0 }' "$T/milter.log"
}

# expect_verdict_lines: the log of verdicts.lua (or learn.lua when $1
# is "learn": every action continues).
expect_verdict_lines() {
	IFS_SAVE=$IFS
	IFS='	'
	log_has 'client=client.test[192.0.2.10]' 'from=<sender@example.net>' \
	    'to=<irs@example.com>' 'alias=irs@example.com' 'verdict=accept' \
	    'action=continue' 'qid='
	log_has 'from=<>' 'to=<shop@example.com>' 'alias=shop@example.com' \
	    'verdict=backscatter'
	log_has 'to=<bestbuy@example.com>' 'alias=bestbuy@example.com' \
	    'verdict=revoked'
	log_has 'to=<old@example.com>' 'alias=old@example.com' 'verdict=expired'
	log_has 'to=<nobody@example.com>' 'verdict=unknown'
	log_has 'to=<x@other.org>'
	log_has 'to=<postmaster@example.com>' 'action=continue'
	log_has 'to=<abuse@example.org>' 'action=continue'
	IFS=$IFS_SAVE
	# One line per RCPT: 13 in the script.
	n=$(grep -c 'to=<' "$T/milter.log" || true)
	[ "$n" -eq 13 ] || die "expected 13 verdict lines, got $n"
	for v in backscatter revoked expired unknown; do
		c=$(log_count "verdict=$v" 'action=continue')
		if [ "${1:-}" = learn ]; then
			[ "$(log_count "verdict=$v")" -eq "$c" ] ||
			    die "learn mode: a $v line without action=continue"
		else
			[ "$c" -eq 0 ] || die "a $v line says action=continue"
		fi
	done
}

# The counts verdicts.lua (or learn.lua) causes, N runs of it.
expect_verdict_stats() {
	n=${1:-1}
	stats_json "$T/map"
	expect_stat irs@example.com $((3 * n)) hits
	expect_stat shop@example.com $((1 * n)) hits
	expect_stat shop@example.com $((1 * n)) backscatter
	expect_stat bestbuy@example.com $((1 * n)) revoked
	expect_stat old@example.com $((1 * n)) revoked
	expect_stat nobody@example.com $((2 * n)) count
	expect_stat irs@example.com 0 revoked
	expect_stat irs@example.com 0 backscatter
	expect_stat bestbuy@example.com 0 hits
	expect_stat old@example.com $((1 * n)) expired
	expect_stat bestbuy@example.com 0 expired
	# The same counts per UTC day, expired apart from revoked.
	expect_days irs@example.com "$((3 * n)) 0 0 0 0"
	expect_days old@example.com "0 0 $((1 * n)) 0 0"
	expect_days bestbuy@example.com "0 $((1 * n)) 0 0 0"
	expect_days shop@example.com "$((1 * n)) 0 0 $((1 * n)) 0"
}

# expect_days ALIAS "ACCEPTED REVOKED EXPIRED BACKSCATTER LOCKED": the
# alias's days of stats --days 2 (the run may cross midnight UTC),
# added up.
expect_days() {
	expect_exit 0 "$ALIASCTL" -m "$T/map" stats --days 2 --alias "$1" \
	    --json
	got=$(jq -r '[.days[] | [.accepted, .revoked, .expired,
	    .backscatter, .locked]] | transpose | map(add) | join(" ")' \
	    "$T/out")
	[ "$got" = "$2" ] || die "$1: days add up to $got, not $2"
}

test_milter_verdicts() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run verdicts.lua
	milter_stop
	expect_verdict_lines
	[ -f "$T/stats/map.milter.lmdb" ] || die "no stats file $T/stats/map.milter.lmdb"
	expect_verdict_stats 1
}

# -L: the verdict lines in a file, each with an RFC 3339 timestamp, and
# a new file after the old one was renamed (log rotation), as the
# unprivileged -u user when root.
# The DATA line joins the transaction to the queue id: qid= as Postfix
# sends it at DATA, every accepted recipient and its alias, the counts;
# the RCPT lines carry the queue id once the MTA has one.
test_milter_data_line() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run data.lua
	milter_stop
	grep ' accepted=' "$T/milter.log" >data.lines || die "no DATA line"
	[ "$(wc -l <data.lines)" -eq 2 ] || die "expected 2 DATA lines: $(cat data.lines)"
	want='conn=1 qid=4XyZ1 client=client.test[192.0.2.10] from=<sender@example.net> accepted=3 refused=1 to=<irs+tax@example.com>,<irs@example.com>,<family@example.org> alias=irs@example.com,family@example.org'
	[ "$(sed -n 1p data.lines | sed 's/.*\(conn=\)/\1/')" = "$want" ] ||
	    die "first DATA line: $(sed -n 1p data.lines)"
	grep -q 'qid=- .*to=<irs+tax@example.com> ' "$T/milter.log" ||
	    die "the first RCPT line has a queue id"
	grep -q 'qid=4XyZ1 .*to=<irs@example.com> ' "$T/milter.log" ||
	    die "a later RCPT line has no queue id"
	# The second transaction: its own counts, a bounded, cut list.
	second=$(sed -n 2p data.lines)
	case $second in
	*" qid=5AbC2 client=client.test[192.0.2.10] from=<> accepted=30 refused=0 to=<aaa"*">,... alias=-") ;;
	*) die "second DATA line: $second" ;;
	esac
	[ "${#second}" -lt 1200 ] || die "DATA line of ${#second} bytes"
}

test_milter_log_file() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	mkdir "$T/logs"
	user=
	if [ "$(id -u)" -eq 0 ]; then
		chown nobody "$T/logs"
		chmod 0755 "$T"		# nobody reopens $T/logs/milter.log
		user="-u nobody"
	fi
	# shellcheck disable=SC2086
	milter_start "unix:$T/milter.sock" -L "$T/logs/milter.log" $user
	mt_run verdicts.lua
	mv "$T/logs/milter.log" "$T/logs/milter.log.1"
	sleep 1.2	# the name is checked at most once a second
	mt_run verdicts.lua
	milter_stop
	re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} alias-milter\[[0-9]+\]: '
	for f in milter.log.1 milter.log; do
		[ -s "$T/logs/$f" ] || die "$f is empty"
		bad=$(grep -Evc "$re" "$T/logs/$f" || true)
		[ "$bad" -eq 0 ] || die "$f: $bad lines without a timestamp: $(head -3 "$T/logs/$f")"
	done
	# Each run's 13 verdict lines in its own file; the second run may
	# have begun in the old one before the rename was noticed, never
	# after the new file was opened.
	old=$(grep -c 'to=<' "$T/logs/milter.log.1")
	new=$(grep -c 'to=<' "$T/logs/milter.log")
	[ $((old + new)) -eq 26 ] && [ "$new" -ge 1 ] ||
	    die "verdict lines: $old in the renamed file, $new in the new one"
	grep -q 'verdict=revoked' "$T/logs/milter.log" ||
	    die "no verdict in the new file: $(cat "$T/logs/milter.log")"
	grep -q 'to=<' "$T/milter.log" && die "verdict lines went to stderr too"
	if [ -n "$user" ]; then
		[ "$(stat -c %U "$T/logs/milter.log")" = nobody ] ||
		    die "the new log file is not the -u user's"
		# Opened as root at startup, then given to the -u user.
		[ "$(stat -c %U "$T/logs/milter.log.1")" = nobody ] ||
		    die "the first log file is not the -u user's"
	fi
	expect_exit 73 "$BUILD/alias-milter" -d -L "$T/nodir/x.log" -m map \
	    -s "unix:$T/other.sock"
	expect_in "$T/err" "-L $T/nodir/x.log: No such file or directory"
}

# -d: the lines on stderr carry the same timestamp as -L's, unless
# stderr is systemd's journal (JOURNAL_STREAM names it), which stamps
# them itself.
test_milter_stderr_timestamps() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run verdicts.lua
	milter_stop
	re='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} alias-milter\[[0-9]+\]: '
	bad=$(grep -Evc "$re" "$T/milter.log" || true)
	[ "$bad" -eq 0 ] || die "$bad lines without a timestamp: $(head -3 "$T/milter.log")"
	[ "$(grep -c 'to=<' "$T/milter.log")" -eq 13 ] || die "verdict lines"
	# milter_start's 2> truncates the same file: same device and inode.
	JOURNAL_STREAM=$(stat -c '%d:%i' "$T/milter.log") \
	    milter_start "unix:$T/milter.sock"
	milter_stop
	[ -s "$T/milter.log" ] || die "nothing logged"
	bad=$(grep -vc '^alias-milter: ' "$T/milter.log" || true)
	[ "$bad" -eq 0 ] || die "stamped for the journal: $(head -3 "$T/milter.log")"
}

# Without -L and -d on a host with no syslog socket, say so at startup.
test_milter_no_syslog_socket() {
	[ ! -e /dev/log ] || skip "this host has a syslog socket"
	milter_need
	milter_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	set +e
	"$BUILD/alias-milter" -m "$T/map" -s "unix:$T/m.sock" \
	    -p "$T/m.pid" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ $rc -eq 0 ] || die "alias-milter exited $rc: $(cat "$T/err")"
	pid=$(cat "$T/m.pid")
	MPID=$pid
	trap 'milter_cleanup; cd /; rm -rf "$T"' EXIT
	expect_in "$T/err" "WARNING: no syslog socket /dev/log: the log lines are lost; run a syslog daemon or use -L FILE"
	kill -TERM "$pid"
	i=0
	while alive "$pid"; do
		i=$((i + 1))
		[ $i -le 100 ] || die "alias-milter still running"
		sleep 0.1
	done
	MPID=
}

test_milter_addresses() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run addresses.lua
	milter_stop
	IFS_SAVE=$IFS
	IFS='	'
	log_has 'to=<irs+2025@example.com>' 'alias=irs@example.com' 'verdict=accept'
	log_has 'to=<"John Doe"@example.com>' 'alias="john doe"@example.com' \
	    'verdict=accept'
	log_has 'to=<BestBuy@Example.COM>' 'alias=bestbuy@example.com' \
	    'verdict=revoked'
	log_has 'to=<shop+promo@example.com>' 'alias=shop@example.com' \
	    'verdict=backscatter'
	IFS=$IFS_SAVE
	stats_json "$T/map"
	expect_stat irs@example.com 6 hits
	expect_stat '"john doe"@example.com' 2 hits
	expect_stat family@example.org 1 hits
	expect_stat bestbuy@example.com 3 revoked
	expect_stat shop@example.com 2 backscatter
	expect_stat nobody@example.com 1 count
	expect_stat '"jane roe"@example.com' 1 count
	expect_stat family+x@example.org 1 count
	jq -rs '[.. | strings] | .[]' "$T/stats.json" | grep -q '^ghost' ||
	    jq -rs '[.. | objects | keys[]] | .[]' "$T/stats.json" |
	    grep -q '^ghost' || die "ghost+x@example.com not in the unknown table"
}

test_milter_map_missing() {
	milter_need
	milter_file
	milter_hook
	# Started before the first compile: no map at all.
	milter_start "unix:$T/milter.sock"
	mt_run missing.lua
	milter_stop
	IFS_SAVE=$IFS
	IFS='	'
	log_has 'to=<irs@example.com>' 'verdict=tempfail'
	log_has 'to=<x@other.org>' 'action=continue'
	IFS=$IFS_SAVE
	n=$(log_count 'verdict=tempfail')
	[ "$n" -eq 5 ] || die "expected 5 tempfail lines, got $n"
}

test_milter_map_replaced_live() {
	milter_need
	milter_file
	milter_hook
	sed -e 's/^  irs@example.com:$/  irs@example.com:\n    revoked: 2026-01-02/' \
	    -e '/^  bestbuy@example.com:$/,/^    reason:/d' \
	    -e '/^    receive_only: true$/d' a.yaml >b.yaml
	cat >>b.yaml <<'YAML'
  bestbuy@example.com: {}
  newbie@example.com: {}
YAML
	expect_exit 0 "$ALIASCTL" -f b.yaml -m b check
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run live.lua
	milter_stop
	expect_in "$T/milter.log" 'to=<newbie@example.com>'
	stats_json "$T/map"
	# irs@: 1 hit before the swap, 3 after unswaps; 5 refused while revoked.
	expect_stat irs@example.com 4 hits
	expect_stat irs@example.com 5 revoked
	expect_stat newbie@example.com 5 hits
}

# The alias file with locks for locks.lua.
milter_lock_file() {
	milter_file
	cat >>"$T/a.yaml" <<'YAML'
  electronics@example.com:
    senders: [bestbuy.com, alerts@bank.example]
  ro@example.com:
    receive_only: true
    senders: [shop.example]
YAML
}

# locks.lua's log lines and counts; $1 "learn": nothing refused.
expect_lock_results() {
	IFS_SAVE=$IFS
	IFS='	'
	for from in orders@bestbuy.com News@Mail.BestBuy.COM \
	    @relay.example:alerts@bank.example; do
		log_has "from=<$from>" 'alias=electronics@example.com' \
		    'verdict=accept' 'action=continue'
	done
	if [ "${1:-}" = learn ]; then
		act='action=continue	(learn mode: would reject)'
	else
		act='action=reject'
	fi
	for from in spam@evilbestbuy.com spam@bestbuy.com.evil.example \
	    other@bank.example alerts+x@bank.example; do
		log_has "from=<$from>" 'to=<electronics@example.com>' \
		    'alias=electronics@example.com' 'verdict=locked' $act
	done
	log_has 'from=<x@stranger.example>' 'alias=ro@example.com' \
	    'verdict=locked' $act
	log_has 'from=<x@shop.example>' 'alias=ro@example.com' 'verdict=accept'
	log_has 'from=<>' 'alias=electronics@example.com' 'verdict=accept'
	log_has 'from=<>' 'alias=ro@example.com' 'verdict=backscatter'
	IFS=$IFS_SAVE
	[ "$(log_count 'verdict=locked')" -eq 5 ] ||
	    die "expected 5 locked lines, got $(log_count 'verdict=locked')"
	stats_json "$T/map"
	expect_stat electronics@example.com 4 hits
	expect_stat electronics@example.com 4 locked
	expect_stat electronics@example.com 0 backscatter
	expect_stat ro@example.com 1 hits
	expect_stat ro@example.com 1 locked
	expect_stat ro@example.com 1 backscatter
	expect_stat irs@example.com 1 hits
	expect_stat irs@example.com 0 locked
	expect_days electronics@example.com "4 0 0 0 4"
	expect_days ro@example.com "1 0 0 1 1"
	# The sender evidence of the same verdicts, per domain: domain,
	# count, refused, locked, backscatter, revoked, class.  Every
	# domain is new to the alias, which is young: the domains with mail
	# accepted are young (none established), those whose every message
	# was refused are refused.
	expect_senders electronics@example.com <<'EOF'
<> 1 0 0 0 0 null
bank.example 3 2 2 0 0 young
bestbuy.com 1 0 0 0 0 young
bestbuy.com.evil.example 1 1 1 0 0 refused
evilbestbuy.com 1 1 1 0 0 refused
mail.bestbuy.com 1 0 0 0 0 young
EOF
	expect_senders ro@example.com <<'EOF'
<> 1 1 0 1 0 null
shop.example 1 0 0 0 0 young
stranger.example 1 1 1 0 0 refused
EOF
	expect_senders irs@example.com <<'EOF'
bestbuy.com 1 0 0 0 0 young
EOF
}

# expect_senders ALIAS: aliasctl senders --json for ALIAS, one line per
# domain as expect_lock_results lists them, sorted, is standard input.
expect_senders() {
	expect_exit 0 "$ALIASCTL" -f "$T/a.yaml" -m "$T/map" senders "$1" --json
	[ "$(jq -r .young "$T/out")" = true ] || die "$1: not young: $(cat "$T/out")"
	jq -r '.senders[] | "\(.domain) \(.count) \(.refused) \(.locked) \(.backscatter) \(.revoked) \(.class)"' \
	    "$T/out" | LC_ALL=C sort >"$T/senders.got"
	LC_ALL=C sort >"$T/senders.want"
	expect_same "$T/senders.want" "$T/senders.got" || die "$1: senders differ"
}

test_milter_locks() {
	milter_need
	milter_lock_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run locks.lua
	milter_stop
	expect_lock_results
}

test_milter_locks_learn_mode() {
	milter_need
	milter_lock_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock" -l
	mt_run locks.lua -D learn=1
	milter_stop
	expect_lock_results learn
}

test_milter_learn_mode() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock" -l
	mt_run learn.lua
	milter_stop
	expect_verdict_lines learn
	expect_verdict_stats 1
}

# The same verdicts over TCP on 127.0.0.1, from 8 clients at once.
test_milter_inet_parallel() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	port=$(free_port)
	milter_start "inet:$port@127.0.0.1"
	mt_run verdicts.lua
	pids=
	for i in 1 2 3 4 5 6 7; do
		timeout 60 miltertest -D "socket=$MSOCK" -D "lib=$MT_DIR/lib.lua" \
		    -D "run=$T/hook" -s "$MT_DIR/verdicts.lua" >"$T/mt.$i" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || {
			cat "$T"/mt.[1-7] | grep FAIL >&2 || true
			die "a parallel miltertest failed"
		}
	done
	milter_stop
	n=$(grep -c 'to=<' "$T/milter.log" || true)
	[ "$n" -eq $((13 * 8)) ] || die "expected $((13 * 8)) verdict lines, got $n"
	expect_verdict_stats 8
}

# Every socket form of listen.h, on loopback: the milter negotiates
# over the address the form names, and answers miltertest's verdicts
# where miltertest can connect (unix and IPv4).
test_milter_listen_forms() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	${CC:-cc} -O1 -o "$T/client" "$TOP/tests/lookupd/client.c" ||
	    die "cannot build tests/lookupd/client.c"
	trap 'milter_cleanup; cd /; rm -rf "$T"' EXIT
	for form in unix local bare inet_port inet_host_port inet_v6 \
	    inet_at inet_at_v6 inet6_at inet6_port; do
		port=$(free_port)
		sock="$T/$form.sock"
		case $form in
		unix)		spec="unix:$sock" MSOCK="unix:$sock" ;;
		local)		spec="local:$sock" MSOCK="unix:$sock" ;;
		bare)		spec="$sock" MSOCK="unix:$sock" ;;
		inet_port)	spec="inet:$port" MSOCK="inet:$port@127.0.0.1" ;;
		inet_host_port)	spec="inet:127.0.0.1:$port" MSOCK="inet:$port@127.0.0.1" ;;
		inet_v6)	spec="inet:[::1]:$port" MSOCK="inet6:$port@::1" ;;
		inet_at)	spec="inet:$port@127.0.0.1" MSOCK="inet:$port@127.0.0.1" ;;
		inet_at_v6)	spec="inet:$port@::1" MSOCK="inet6:$port@::1" ;;
		inet6_at)	spec="inet6:$port@::1" MSOCK="inet6:$port@::1" ;;
		inet6_port)	spec="inet6:$port" MSOCK="inet6:$port@::1" ;;
		esac
		"$BUILD/alias-milter" -d -m "$T/map" -s "$spec" \
		    >"$T/milter.out" 2>"$T/milter.log" &
		MPID=$!
		wait_listen "$MPID" alias-milter "$T/milter.log" "$MSOCK"
		case $MSOCK in
		inet*)	ss -Hltn "sport = :$port" >listening
			grep -Eq '(127\.0\.0\.1|\[::1\]):'"$port" listening &&
			    [ "$(wc -l <listening)" -eq 1 ] ||
			    die "$spec: listens on $(cat listening)" ;;
		esac
		# A raw option negotiation (SMFIC_OPTNEG, then SMFIC_QUIT) on
		# every form: miltertest cannot reach IPv6.
		case $MSOCK in
		unix:*)	addr=$MSOCK ;;
		inet6:*) addr="inet:[::1]:$port" ;;
		*)	addr="inet:127.0.0.1:$port" ;;
		esac
		printf '\000\000\000\015O\000\000\000\006\000\000\001\377\000\037\377\377\000\000\000\001Q' |
		    "$T/client" -t 10 "$addr" send >negotiated ||
		    die "$spec: no answer on $addr"
		[ "$(od -An -c -j 4 -N 1 negotiated | tr -d ' ')" = O ] ||
		    die "$spec: no SMFIC_OPTNEG reply: $(od -c negotiated | head -3)"
		case $MSOCK in
		inet6:*) ;;
		*)	mt_run verdicts.lua ;;
		esac
		log_has "socket $MSOCK" || die "$spec: not started as $MSOCK"
		milter_stop
	done
	for bad in tcp:1 inet: inet:0 inet:65536 inet:::1:10 'inet:[::1]10' \
	    'inet:[x]:1' inet:10@ unix: local:; do
		expect_exit 64 "$BUILD/alias-milter" -d -m map -s "$bad"
		expect_in "$T/err" "$bad: "
	done
}

# A socket left behind by a killed daemon does not stop the next one.
test_milter_stale_socket() {
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	kill -KILL "$MPID"
	set +e
	wait "$MPID"
	set -e
	[ -S "$T/milter.sock" ] || die "the killed daemon left no socket"
	milter_start "unix:$T/milter.sock"
	mt_run verdicts.lua
	milter_stop
}

test_milter_help_matches_man_page() {
	# Every option of --help is in alias-milter(8), and the reverse.
	"$BUILD/alias-milter" -h >help.txt
	for o in d l u p S L m s V h; do
		grep -q -- "^  -$o " help.txt || die "-$o not in --help"
		grep -q "^\.It Fl $o\( \|$\)" "$TOP/man/alias-milter.8" ||
		    die "-$o not in alias-milter.8"
	done
	n=$(grep -c '^\.It Fl ' "$TOP/man/alias-milter.8")
	[ "$n" -eq 10 ] || die "alias-milter.8 lists $n options, --help 10"
	expect_exit 64 "$BUILD/alias-milter" -m map
	expect_in "$T/err" "usage: alias-milter"
}

test_milter_listen_forms_documented_alike() {
	# Both daemons take the same socket forms (listen.h): their usage
	# texts and man pages say so in the same words.
	[ -x "$BUILD/alias-lookupd" ] || die "$BUILD/alias-lookupd is missing"
	"$BUILD/alias-milter" -h | sed -n '/^Sockets:/,$p' >m.help
	"$BUILD/alias-lookupd" -h | sed -n '/^Sockets:/,$p' >l.help
	[ -s m.help ] || die "alias-milter -h names no socket forms"
	expect_same m.help l.help
	for m in alias-milter alias-lookupd; do
		sed -n '/^\.\\" The socket forms/,/^\.\\" End of the socket forms/p' \
		    "$TOP/man/$m.8" >"$m.forms"
		[ "$(wc -l <"$m.forms")" -gt 10 ] || die "$m.8: no socket forms"
	done
	expect_same alias-milter.forms alias-lookupd.forms
}

test_milter_edits_take_effect() {
	# add, restore, lock and unlock while the milter runs, each the
	# one-key way: the new verdict from the next map check on.
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run edits.lua
	milter_stop
	n=$(grep -c "the map still belongs to the file: changing the keys of" edits.log) || true
	[ "$n" -eq 4 ] || die "$n of 4 edits took the one-key way: $(cat edits.log)"
}

test_milter_revoke_takes_effect() {
	# aliasctl revoke while the milter runs: refused from the next map
	# check on, no signal, no restart.  Prints how long it took.
	milter_need
	milter_file
	milter_hook
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	milter_start "unix:$T/milter.sock"
	mt_run revoke.lua
	milter_stop
	expect_in a.yaml "reason: test"
	took=$(awk -v s="$(cat revoke.start)" -v e="$(cat revoke.end)" \
	    'BEGIN { printf "%.0f", (e - s) * 1000 }')
	seen=$(awk -v s="$(cat revoke.start)" -v r="$(cat revoke.seen)" \
	    'BEGIN { printf "%.0f", (r - s) * 1000 }')
	note "revoke took $took ms; the milter refused the alias $seen ms after it started"
	stats_json "$T/map"
	expect_stat irs@example.com 2 revoked
}
