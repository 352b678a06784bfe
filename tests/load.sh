# tests/load.sh: alias-milter under load (issue 6, part 4), with
# tools/milter-load.c (built here) over TCP on 127.0.0.1:
#
#   test_load_milter_200     $BUILD's daemon (ASan/UBSan), 200 concurrent
#                            connections for LOAD_SECONDS (default 9)
#                            after a 3 s warm-up, in rounds of new
#                            connections: every reply checked, no failed
#                            connection, one log line per recipient, a
#                            clean exit with no leak
#   test_load_milter_memory  the same load on the optimized build: its
#                            resident memory must stay flat
#
#   test_load_lookupd_1000   $BUILD's alias-lookupd (ASan/UBSan), 1,000
#                            persistent socketmap connections at once
#                            for LOAD_SECONDS (tools/lookup-load.c): no
#                            failed connection, no temporary or malformed
#                            answer, the answers split as the keys say,
#                            memory before and after reported
#
# Memory: VmRSS and RssAnon from /proc/PID/status after the warm-up and
# after each round.  The mapped map file is RssFile, shared with every
# reader through the page cache, so RssAnon is the daemon's own memory.
# Under AddressSanitizer it says little: freed blocks wait in a
# quarantine (256 MB by default; the daemon gets 8 MB here), and every
# worker thread libmilter adds when all are busy (6 to over 100 seen
# under this load) gets allocator caches that ASan keeps after the
# thread ends: measured, RssAnon kept rising by 5 to 15 MB a round.  So
# the ASan test reports the figures and leaves memory to LeakSanitizer
# at exit (whatever is no longer referenced), and the bound is on the
# optimized build, build/alias-milter, made here with make if needed:
# RssAnon may grow at most LOAD_GROWTH_KB (default 4096) from after the
# warm-up to the end.  Measured there: about 200 kB a round at first,
# falling to 20-40 kB (glibc's per-thread arenas filling; with
# MALLOC_ARENA_MAX=1 it stays within 100 kB); a leak of 15 bytes a
# recipient breaks the bound.

. "$TOP/tests/milter.sh"
. "$TOP/tests/lookupd.sh"

# load_setup: 100,000 aliases compiled to $T/map; $T/keys holds 5,000
# recipients, 80% known aliases, 15% unknown, 5% revoked, shuffled, each
# with the reply the map gives (milter-load -x); tools/milter-load.c is
# built.
load_setup() {
	milter_need
	command -v mdb_dump >/dev/null ||
	    die "mdb_dump is missing: run tools/deps test (Debian package lmdb-utils)"
	cc -O2 -g -Wall -Wextra -Werror -pthread -o "$T/milter-load" \
	    "$TOP/tools/milter-load.c" || die "cannot build tools/milter-load.c"
	sh "$TOP/tools/gen-aliases" 100000 "$T/a.yaml" /dev/null 4
	"$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile >/dev/null
	cp "$T/map.lmdb" "$T/copy.lmdb"
	mdb_dump -n -p "$T/copy.lmdb" | awk '
	/^HEADER=END$/ { body = 1; next }
	/^DATA=END$/ { exit }
	body && !(n++ % 2) && /@/ { sub(/^ /, ""); sub(/\\00$/, ""); print }' |
	    shuf -n 4000 --random-source="$T/a.yaml" | sed 's/$/ continue/' >"$T/keys"
	i=0
	while [ $i -lt 750 ]; do
		echo "guess$i.load@example.com 550_5.1.1"
		i=$((i + 1))
	done >>"$T/keys"
	awk '/^  [^ ]/ { k = $1; sub(/:$/, "", k) } /^    revoked:/ { print k }' \
	    "$T/a.yaml" | head -250 | sed 's/$/ 550_5.1.1/' >>"$T/keys"
	[ "$(wc -l <"$T/keys")" -eq 5000 ] || die "keys: $(wc -l <"$T/keys") lines"
	shuf -o "$T/keys" --random-source="$T/a.yaml" "$T/keys"
	# Check the expectations against aliasctl's own answers for a few.
	for k in $(awk 'NR % 500 == 1 { print $1 }' "$T/keys"); do
		want=$(awk -v k="$k" '$1 == k { print $2 }' "$T/keys")
		if "$ALIASCTL" -m "$T/map" query "$k" >/dev/null; then
			[ "$want" = continue ] || die "$k: aliasctl finds it, keys say $want"
		else
			[ "$want" = 550_5.1.1 ] || die "$k: aliasctl does not find it, keys say $want"
		fi
	done
}

# rss KEY: KEY (VmRSS or RssAnon) of the daemon, in kB.
rss() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$MPID/status"
}

# load_round SECONDS CONNS NAME: one round of milter-load -x against the
# daemon; every reply must be right and every connection must last.
load_round() {
	set +e
	timeout $(($1 + 60)) "$T/milter-load" -x -c "$2" -r 20 -t "$1" \
	    -k "$T/keys" -s "$MSOCK" >"$T/load.$3" 2>&1
	rc=$?
	set -e
	[ $rc -eq 0 ] && [ "$(result wrong "$T/load.$3")" = 0 ] &&
	    [ "$(result failed_conns "$T/load.$3")" = 0 ] || {
		sed 's/^/  milter-load: /' "$T/load.$3" >&2
		sed 's/^/  milter: /' "$T/milter.log" | grep -v 'verdict=' | tail -20 >&2
		die "$3: errors under load (exit $rc)"
	}
	alive "$MPID" || die "alias-milter died under load"
	rcpts=$((rcpts + $(result rcpts "$T/load.$3")))
}

# result FIELD FILE: FIELD=VALUE of milter-load's RESULT line.
result() {
	sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p" "$2"
}

# load_run WARMUP ROUND ROUNDS BOUND_KB LABEL: a warm-up, then ROUNDS
# rounds of ROUND seconds with 200 new connections each; RssAnon may
# grow at most BOUND_KB from after the warm-up to the end (none: only
# reported; VmRSS is reported too).  Then the daemon stops cleanly, and
# logged one line per recipient and no warning.
load_run() {
	conns=${LOAD_CONNS:-200}
	rcpts=0
	rss0=$(rss VmRSS)
	anon0=$(rss RssAnon)
	load_round "$1" "$conns" warmup
	rss1=$(rss VmRSS)
	anon1=$(rss RssAnon)
	r=1
	trail=
	while [ $r -le "$3" ]; do
		load_round "$2" "$conns" "round$r"
		trail="$trail $(rss RssAnon)"
		r=$((r + 1))
	done
	rss2=$(rss VmRSS)
	anon2=$(rss RssAnon)
	last=$T/load.round$3
	milter_stop
	n=$(grep -c 'verdict=' "$T/milter.log" || true)
	[ "$n" -eq "$rcpts" ] || die "$rcpts RCPTs answered, $n verdict lines logged"
	if grep -v 'verdict=' "$T/milter.log" | grep -v -e ': loaded$' \
	    -e 'WARNING: running as root' -e ': starting: ' -e ': stopped$' \
	    -e ': stats directory created$' |
	    grep .; then
		die "unexpected lines in the log (above)"
	fi
	note "$5: $conns connections, $1 s warm-up and $3 rounds of $2 s: $rcpts RCPTs, all right; last round $(result verdicts_per_s "$last")/s, p50 $(result p50_us "$last") us, p99 $(result p99_us "$last") us, max $(result max_us "$last") us"
	note "$5: VmRSS $rss0 kB at start, $rss1 kB after the warm-up, $rss2 kB at the end; RssAnon $anon0, $anon1, then after each round$trail kB: grew $((anon2 - anon1)) kB (bound: $4)"
	[ "$4" = none ] || [ $((anon2 - anon1)) -le "$4" ] ||
	    die "$5: RssAnon grew $((anon2 - anon1)) kB under load, more than $4 kB"
}

test_load_milter_200() {
	load_setup
	port=$(free_port)
	secs=${LOAD_SECONDS:-9}
	saved=$ASAN_OPTIONS
	ASAN_OPTIONS="$saved:quarantine_size_mb=8"
	export ASAN_OPTIONS
	milter_start "inet:$port@127.0.0.1"
	ASAN_OPTIONS=$saved
	load_run 3 $((secs / 3)) 3 none "ASan build"
}

test_load_milter_memory() {
	load_setup
	make -s -C "$TOP" build/alias-milter >"$T/make.out" 2>&1 || {
		cat "$T/make.out" >&2
		die "cannot build build/alias-milter"
	}
	port=$(free_port)
	secs=${LOAD_SECONDS:-9}
	saved=$BUILD
	BUILD=$TOP/build
	milter_start "inet:$port@127.0.0.1"
	BUILD=$saved
	load_run 2 $((secs / 4 > 0 ? secs / 4 : 1)) 5 "${LOAD_GROWTH_KB:-4096}" \
	    "optimized build"
}

test_load_lookupd_1000() {
	lk_need
	cc -O2 -g -Wall -Wextra -Werror -pthread -o "$T/lookup-load" \
	    "$TOP/tools/lookup-load.c" || die "cannot build tools/lookup-load.c"
	sh "$TOP/tools/gen-aliases" 10000 "$T/a.yaml" /dev/null 5
	"$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile >/dev/null
	# 900 active aliases and 100 unknown addresses.
	"$ALIASCTL" -f "$T/a.yaml" -m "$T/map" export |
	    awk '!/^#/ && /@/ { print $1 }' | head -900 >"$T/keys"
	i=0
	while [ $i -lt 100 ]; do
		echo "guess$i.load@example.com"
		i=$((i + 1))
	done >>"$T/keys"
	lk_start -c 2000
	before=$(awk '$1 == "VmRSS:" { v = $2 } $1 == "RssAnon:" { a = $2 }
	    END { print v " " a }' "/proc/$LPID/status")
	set +e
	timeout $((${LOAD_SECONDS:-5} + 60)) "$T/lookup-load" -c 1000 \
	    -t "${LOAD_SECONDS:-5}" -k "$T/keys" -s "unix:$SOCK" >"$T/load.out" 2>&1
	rc=$?
	set -e
	after=$(awk '$1 == "VmRSS:" { v = $2 } $1 == "RssAnon:" { a = $2 }
	    END { print v " " a }' "/proc/$LPID/status")
	[ $rc -eq 0 ] || {
		sed 's/^/  lookup-load: /' "$T/load.out" >&2
		die "lookup-load failed (exit $rc)"
	}
	# "answers: found F, not found N, temporary 0, other 0"
	set -- $(sed -n 's/^answers: found \([0-9]*\), not found \([0-9]*\), temporary \([0-9]*\), other \([0-9]*\)$/\1 \2 \3 \4/p' "$T/load.out")
	[ $# -eq 4 ] || die "no answer line: $(cat "$T/load.out")"
	[ "$3" -eq 0 ] && [ "$4" -eq 0 ] || die "temporary $3, other $4"
	[ "$1" -gt 0 ] && [ "$2" -gt 0 ] || die "found $1, not found $2"
	# One key in ten is unknown: the split must say so (within 3%).
	[ $(($2 * 100 / ($1 + $2))) -ge 7 ] && [ $(($2 * 100 / ($1 + $2))) -le 13 ] ||
	    die "found $1, not found $2: not the keys' split"
	alive "$LPID" || die "alias-lookupd died"
	note "$(grep '1000 connections' "$T/load.out")"
	note "alias-lookupd VmRSS/RssAnon kB: before $before, after $after (ASan build)"
	lk_stop
}
