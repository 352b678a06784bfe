# tests/faults.sh: the map and the daemon under faults (issue 6, part 3).
# Each test ends with the map being the old one or the new one, never a
# third thing, and alias-milter still answering what that map says:
#
#   test_fault_kill_compile        kill -9 of a 1,000,000-alias compile at
#                                  random points, 20 times (FAULT_KILLS,
#                                  FAULT_ALIASES, FAULT_SEED; the killed
#                                  compiles are build/aliasctl, see there)
#   test_fault_stale_temp_files    what a killed compile leaves behind is
#                                  removed by the next compile
#   test_fault_disk_full_compile   a full file system (tmpfs, root only)
#   test_fault_kill_edit           kill -9 of one-key edits of a 200,000-
#                                  alias file at random points, 20 times
#                                  (FAULT_EDIT_KILLS, FAULT_EDIT_ALIASES)
#   test_fault_disk_full_edit      the same for add, revoke, lock,
#                                  restore and new
#   test_fault_map_corrupt         damaged map and policy files: 451
#   test_fault_map_truncated       truncated ones: 451, no SIGBUS
#   test_fault_policy_page_zeroed  one damaged page of a big policy file
#   test_fault_stats_removed       the stats file removed under the daemon
#   test_fault_stats_corrupt       ... replaced, truncated, overwritten
#   test_fault_compile_loop        compiles of two files in turn while the
#                                  milter answers a stream of queries
#                                  (FAULT_LOOP_SECONDS, default 60)
#
# The daemon is $BUILD/alias-milter (ASan/UBSan); it must exit 0 with
# no sanitizer report at the end of every test (milter_stop).  Answers
# are checked with tools/milter-load.c (built here), which speaks the
# milter protocol and compares every reply with the one the map, or
# either of two maps, gives (-x); the expected replies are derived from
# mdb_dump of snapshot copies of the maps, not from the daemon's code.
# Every wait is bounded.

# The milter helpers (milter_stop, mt_run, log_has, milter_need, ...).
. "$TOP/tests/milter.sh"

# ---- helpers ----

# Background processes and the tmpfs of a test; undone on exit.
FAULT_PIDS=
FULL=

fault_cleanup() {
	for p in $FAULT_PIDS; do
		kill -KILL "$p" 2>/dev/null || true
	done
	milter_cleanup
	if [ -n "$FULL" ]; then
		umount "$FULL" 2>/dev/null || umount -l "$FULL" 2>/dev/null || true
	fi
}

fault_trap() {
	trap 'fault_cleanup; cd /; rm -rf "$T"' EXIT
}

# fault_need: the programs every test needs, and tools/milter-load.c
# built into $T/milter-load.
fault_need() {
	milter_need
	command -v mdb_dump >/dev/null ||
	    die "mdb_dump is missing: run tools/deps test (Debian package lmdb-utils)"
	cc -O2 -g -Wall -Wextra -Werror -pthread -o "$T/milter-load" \
	    "$TOP/tools/milter-load.c" || die "cannot build tools/milter-load.c"
	fault_trap
}

# fault_milter_start MAPBASE SOCKET [OPTIONS...]: alias-milter -d on
# MAPBASE (milter_start in milter.sh is fixed to $T/map); pid in $MPID,
# stderr in $T/milter.log, so that milter_stop and log_has work.
fault_milter_start() {
	mbase=$1
	MSOCK=$2
	shift 2
	MPID=
	"$BUILD/alias-milter" -d "$@" -m "$mbase" -s "$MSOCK" \
	    >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	fault_trap
	i=0
	until [ -S "${MSOCK#unix:}" ]; do
		alive "$MPID" || {
			sed 's/^/  milter: /' "$T/milter.log" >&2
			die "alias-milter exited before creating $MSOCK"
		}
		i=$((i + 1))
		[ $i -le 100 ] || die "no socket $MSOCK after 10 s"
		sleep 0.1
	done
}

# milter_alive: the daemon still runs (did not crash).
milter_alive() {
	alive "$MPID" && return 0
	sed 's/^/  milter: /' "$T/milter.log" | grep -v 'verdict=' | tail -40 >&2
	die "alias-milter died"
}

# map_keys FILE: the keys of the LMDB map FILE, one per line, without
# their NUL.  FILE must be a copy nobody writes (mdb_dump uses LMDB's
# own lock file, FILE-lock, which it leaves behind).
map_keys() {
	mdb_dump -n -p "$1" | awk '
	/^HEADER=END$/ { body = 1; next }
	/^DATA=END$/ { exit }
	body && !(n++ % 2) { sub(/^ /, ""); sub(/\\00$/, ""); print }'
	rm -f "$1-lock"
}

# policy_text FILE: the policy file's records as text, without the two
# that differ between two compiles of one file (" compiled", " map").
policy_text() {
	cp "$1" "$T/pcopy.lmdb"
	mdb_dump -n -p "$T/pcopy.lmdb" | awk '
	/^HEADER=END$/ { body = 1; next }
	!body { next }
	skip { skip = 0; next }
	/^  (compiled|map)\\00$/ { skip = 1; next }
	{ print }'
	rm -f "$T/pcopy.lmdb" "$T/pcopy.lmdb-lock"
}

# make_b A.yaml B.yaml DIR: B is A with every 500th alias removed, every
# 500th other bare alias revoked, and N/500 new aliases (at least 20).
# The keys of each kind go to DIR/dropped, DIR/revoked, DIR/added, and
# a sample of untouched ones to DIR/common.
make_b() {
	awk -v dir="$3" '
	/^aliases:/ { inal = 1; print; next }
	!inal { print; next }
	/^  [^ #]/ {
		i++
		key = $1
		sub(/:$/, "", key)
		drop = i % 500 == 7
		if (drop) { print key >dir "/dropped"; next }
		if (i % 500 == 11 && $2 == "{}") {
			print "  " key ":\n    revoked: 2026-01-01\n    reason: fault test"
			print key >dir "/revoked"
			next
		}
		if (i % 97 == 3)
			print key >dir "/common"
		print
		next
	}
	/^    / { if (!drop) print; next }
	{ print }
	END {
		n = int(i / 500)
		if (n < 20)
			n = 20
		for (j = 0; j < n; j++) {
			k = sprintf("faultnew%06d.b@example.com", j)
			print "  " k ": {}"
			print k >dir "/added"
		}
	}' "$1" >"$2"
	touch "$3/dropped" "$3/revoked" "$3/added" "$3/common"
}

# probe_keys DIR MAX: recipients to ask about, at most MAX of each kind
# of DIR (make_b), plus unknown ones, another domain, postmaster@.
probe_keys() {
	for k in dropped revoked added common; do
		awk -v max="$2" '{ a[NR] = $1 }
		END { s = NR > max ? NR / max : 1
		      for (x = 1; x <= NR; x += s) print a[int(x)] }' "$1/$k"
	done
	i=0
	while [ $i -lt 50 ]; do
		echo "nobody$i.fault@example.com"
		echo "nobody$i.fault@example.org"
		i=$((i + 1))
	done
	echo "x@other.org"
	echo "me@example.net"
	echo "postmaster@example.com"
	echo "abuse@example.org"
}

# expect_replies PROBES MAP_A [MAP_B]: each probe with the reply
# alias-milter must give for it (MAIL FROM a real sender) under map A,
# and under map B: "continue" for a key of the map or a domain the map
# does not have, "550_5.1.1" for any other address at one of its
# domains.  The maps are copies; the output is milter-load -x input.
expect_replies() {
	for m in "$2" ${3:+"$3"}; do
		map_keys "$m" | awk 'NR == FNR { p[$1]; next }
		    !index($1, "@") || ($1 in p)' "$1" - >"$m.hits"
	done
	awk -v a="$2.hits" -v b="${3:+$3.hits}" '
	function answer(k, map,   d) {
		if ((map SUBSEP k) in has)
			return "continue"
		d = k
		sub(/.*@/, "", d)
		return (map SUBSEP d) in has ? "550_5.1.1" : "continue"
	}
	BEGIN {
		while ((getline k <a) > 0) has["a" SUBSEP k]
		if (b != "")
			while ((getline k <b) > 0) has["b" SUBSEP k]
	}
	{
		printf "%s %s", $1, answer($1, "a")
		if (b != "")
			printf " %s", answer($1, "b")
		printf "\n"
	}' "$1"
}

# probe EXPECT [LABEL]: every recipient of EXPECT once, on one
# connection; every reply must be one EXPECT allows.  Figures in
# $T/probe.out.
probe() {
	n=$(wc -l <"$1")
	set +e
	timeout 120 "$T/milter-load" -x -c 1 -r 50 -n "$n" -t 60 -k "$1" \
	    -s "$MSOCK" >"$T/probe.out" 2>"$T/probe.err"
	prc=$?
	set -e
	if [ $prc -ne 0 ]; then
		sed 's/^/  milter-load: /' "$T/probe.out" "$T/probe.err" >&2
		sed 's/^/  milter: /' "$T/milter.log" | grep -v 'verdict=' |
		    tail -20 >&2
		die "${2:-probe}: wrong or missing answers (exit $prc)"
	fi
	grep -q "rcpts=$n " "$T/probe.out" ||
	    die "${2:-probe}: not every recipient was asked: $(tail -1 "$T/probe.out")"
}

# result FIELD FILE: FIELD=VALUE of milter-load's RESULT line.
result() {
	sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p" "$2"
}

# ms: the time in milliseconds.
ms() {
	echo $(($(date +%s%N) / 1000000))
}

# temp_files DIR BASE: the temp files of compiles of DIR/BASE (the map's
# and the policy file's, "NAME.tmp.XXXXXX"), one per line.
temp_files() {
	find "$1" -maxdepth 1 -type f \( -name "$2.lmdb.tmp.??????" -o \
	    -name "$2.policy.lmdb.tmp.??????" \) | sort
}

# ---- kill -9 during compile ----

# classify: which map is in $T/map.lmdb (A, B, or AB: A's map with B's
# policy, a compile killed between its two renames), by the checksums
# and policy text of the snapshots in $T/snap.  Anything else fails.
classify() {
	msum=$(sha256sum <"$T/map.lmdb")
	policy_text "$T/map.policy.lmdb" >"$T/pol.now"
	named=$(policy_names "$T/map.policy.lmdb")
	ident=$(stat -c '%d:%i' "$T/map.lmdb")
	for s in A B; do
		if [ "$msum" = "$(cat "$T/snap/$s.sum")" ] &&
		    cmp -s "$T/pol.now" "$T/snap/$s.pol" && [ "$named" = "$ident" ]; then
			echo "$s"
			return 0
		fi
	done
	if [ "$msum" = "$(cat "$T/snap/A.sum")" ] &&
	    cmp -s "$T/pol.now" "$T/snap/B.pol" && [ "$named" != "$ident" ]; then
		echo AB
		return 0
	fi
	if [ "$msum" = "$(cat "$T/snap/B.sum")" ] &&
	    cmp -s "$T/pol.now" "$T/snap/A.pol" && [ "$named" != "$ident" ]; then
		echo BA
		return 0
	fi
	echo "map.lmdb is neither map: $msum" >&2
	echo "A: $(cat "$T/snap/A.sum") B: $(cat "$T/snap/B.sum")" >&2
	echo "policy names $named, map is $ident" >&2
	diff "$T/snap/A.pol" "$T/pol.now" | head -5 >&2 || true
	return 1
}

# kill_count PID WHAT [ERRFILE]: kills PID (WHAT, a child of this
# shell) with SIGKILL and reaps it, counting it in $killed when the kill
# ended it or in $finished when it had exited 0 first; any other exit
# fails the test, with ERRFILE shown.
kill_count() {
	kill -KILL "$1" 2>/dev/null || true
	set +e
	wait "$1" 2>/dev/null
	rc=$?
	set -e
	FAULT_PIDS=
	case $rc in
	137)	killed=$((killed + 1)) ;;
	0)	finished=$((finished + 1)) ;;
	*)	[ -z "${3:-}" ] || cat "$3" >&2
		die "$2 exited $rc" ;;
	esac
}

# kill_setup: $kc, the aliasctl the kills hit (see below), and $seed.
kill_setup() {
	kc=${FAULT_KILL_ALIASCTL:-}
	if [ -z "$kc" ]; then
		make -s -C "$TOP" build/aliasctl >"$T/make.out" 2>&1 || {
			cat "$T/make.out" >&2
			die "cannot build build/aliasctl"
		}
		kc=$TOP/build/aliasctl
	fi
	seed=${FAULT_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
	note "seed $seed (FAULT_SEED=$seed reproduces the kill times)"
}

# The killed compiles run the optimized build/aliasctl (made here if
# needed; FAULT_KILL_ALIASCTL overrides): a process killed with SIGKILL
# never reaches a sanitizer check, and the ASan build takes 3.5 times as
# long for the same files, which would be 20 times the parse of a
# 1,000,000-alias file for nothing.  The two builds write the same bytes
# (the snapshots are compared with maps both write).  The last compile,
# run to its end, is $ALIASCTL (ASan), and so is every other test's.
test_fault_kill_compile() {
	fault_need
	kill_setup
	n=${FAULT_ALIASES:-1000000}
	kills=${FAULT_KILLS:-20}
	mkdir "$T/snap" "$T/lists"
	sh "$TOP/tools/gen-aliases" "$n" "$T/A.yaml" /dev/null 1
	make_b "$T/A.yaml" "$T/B.yaml" "$T/lists"
	# Snapshots: B first, then A, which stays in place; each timed (the
	# whole compile, and until its first temp file), and the faster one
	# sets the kill times, so that few kills come after the end.
	tfull=
	for s in B A; do
		t0=$(ms)
		"$kc" -f "$T/$s.yaml" -m "$T/map" compile >/dev/null &
		pid=$!
		w=
		while alive "$pid"; do
			[ -n "$w" ] || [ -z "$(temp_files "$T" map)" ] ||
			    w=$(($(ms) - t0))
			sleep 0.01
		done
		wait "$pid" || die "compile of $s.yaml failed"
		t=$(($(ms) - t0))
		if [ -z "$tfull" ] || [ "$t" -lt "$tfull" ]; then
			tfull=$t
			tw=${w:-$((t * 3 / 4))}
		fi
		cp "$T/map.lmdb" "$T/snap/$s.lmdb"
		sha256sum <"$T/map.lmdb" >"$T/snap/$s.sum"
		policy_text "$T/map.policy.lmdb" >"$T/snap/$s.pol"
	done
	cmp -s "$T/snap/A.sum" "$T/snap/B.sum" && die "maps A and B are the same"
	note "compile of $n aliases (${kc#"$TOP"/}): $tfull ms, writing from $tw ms on"
	probe_keys "$T/lists" 500 >"$T/probes"
	expect_replies "$T/probes" "$T/snap/A.lmdb" "$T/snap/B.lmdb" >"$T/exp.AB"
	awk '{ print $1, $2 }' "$T/exp.AB" >"$T/exp.A"
	awk '{ print $1, $3 }' "$T/exp.AB" >"$T/exp.B"
	awk '$2 != $3' "$T/exp.AB" | grep -q . || die "no probe tells A from B"

	fault_milter_start "$T/map" "unix:$T/milter.sock"
	probe "$T/exp.A" "before the kills"
	# Each kill at a random time: every third one while the compile
	# writes the map (the part that matters: "wN" is N ms after its
	# first temp file appeared, which adapts to the machine's speed),
	# the others anywhere in the first 85% of a compile.
	awk -v s="$seed" -v n="$kills" -v t="$tfull" -v w="$tw" 'BEGIN {
		srand(s)
		for (i = 1; i <= n; i++)
			if (i % 3 == 0)
				printf "w%d\n", rand() * (t - w)
			else
				printf "%d\n", rand() * t * 0.85
	}' >"$T/delays"
	cur=A
	killed=0
	finished=0
	mixed=0
	prev=A
	outcomes=
	maxtemp=0
	maxbytes=0
	for d in $(cat "$T/delays"); do
		tgt=B
		[ "$cur" = B ] && tgt=A
		temp_files "$T" map >"$T/temps.before"
		"$kc" -f "$T/$tgt.yaml" -m "$T/map" compile \
		    >"$T/kc.out" 2>"$T/kc.err" &
		pid=$!
		FAULT_PIDS=$pid
		case $d in
		w*)	i=0
			while alive "$pid" && temp_files "$T" map |
			    cmp -s - "$T/temps.before"; do
				i=$((i + 1))
				[ $i -le 6000 ] || die "no temp file after 60 s"
				sleep 0.01
			done ;;
		esac
		sleep "$(awk -v d="${d#w}" 'BEGIN { printf "%.3f", d / 1000 }')"
		kill_count "$pid" compile "$T/kc.err"
		state=$(classify) || die "after a kill at $d ms: not map A or B"
		outcomes="$outcomes $d:$state"
		case $state in
		A|B)	cur=$state
			exp="$T/exp.$state" ;;
		*)	# Killed after the policy file was published but
			# before the map was: A's map beside B's policy (or
			# the reverse).  compile.c publishes the policy first
			# on purpose, but it also commits and fsyncs the map
			# only after that, so this window is the map's fsync
			# long, not two renames: 1 or 2 kills in 20 land
			# there (reported).  Within MAPVIEW_GRACE_MS the
			# daemon keeps the last pair it loaded, then uses the
			# two; for each recipient here that answers like
			# one of the maps.
			cur=${state%?}
			[ "$state" = "$prev" ] || mixed=$((mixed + 1))
			exp="$T/exp.AB" ;;
		esac
		prev=$state
		# The daemon looks at the files every 100 ms.
		sleep 0.25
		milter_alive
		probe "$exp" "after a kill at $d ms (map $state)"
		nt=$(temp_files "$T" map | wc -l)
		nb=$(temp_files "$T" map | xargs -r du -cb | tail -1 | cut -f1)
		[ "$nt" -le "$maxtemp" ] || maxtemp=$nt
		[ "${nb:-0}" -le "$maxbytes" ] || maxbytes=${nb:-0}
	done
	# One compile to the end: the new map, answered at once.
	tgt=B
	[ "$cur" = B ] && tgt=A
	"$ALIASCTL" -f "$T/$tgt.yaml" -m "$T/map" compile >/dev/null ||
	    die "the compile after the kills failed"
	[ "$(classify)" = "$tgt" ] || die "the last compile did not publish $tgt"
	sleep 0.25
	probe "$T/exp.$tgt" "after the last compile"
	left=$(temp_files "$T" map | wc -l)
	milter_stop
	note "$kills kills: $killed during the compile, $finished after it, $mixed left a new policy beside the old map; map after each (ms, wN: N ms into writing; map):$outcomes"
	note "temp files of killed compiles: at most $maxtemp ($((maxbytes / 1048576)) MB) at once, $left left after a good compile (test_fault_stale_temp_files)"
	note "answers checked: $(( (kills + 2) * $(wc -l <"$T/probes") )) RCPTs, all right"
	# Most kills must hit a running compile, or nothing was tested.
	[ "$killed" -ge $((kills / 2)) ] ||
	    die "only $killed of $kills kills hit a running compile"
}

# ---- kill -9 during an edit of one alias ----

# pairs BASE: the map's pairs, then the policy file's but for the
# records a compile writes about itself (its time, the map's inode, the
# file's fingerprint and lines), comparable with mdb_dump of a compile.
pairs() {
	cp "$1.lmdb" "$T/pcopy.lmdb"
	mdb_dump -n -p "$T/pcopy.lmdb" | grep -v '^mapsize='
	cp "$1.policy.lmdb" "$T/pcopy.lmdb"
	mdb_dump -n -p "$T/pcopy.lmdb" | grep -v '^mapsize=' |
	    sed '/^  compiled/,+1d; /^  map/,+1d; /^  source/,+1d; /^  lines/,+1d'
	rm -f "$T/pcopy.lmdb" "$T/pcopy.lmdb-lock"
}

# A one-key edit killed at random points (FAULT_EDIT_KILLS, default 20,
# FAULT_EDIT_ALIASES, default 200,000; FAULT_SEED): the alias file is the
# old or the new text; the map's pairs and the policy file's are what
# they were before the edit or those of a compile of the new text (the
# policy is published first: a new policy beside the old map is the one
# mixed state, and it then names a map inode that is not there; the file
# is renamed last: the old text beside the new map is the kill between
# the two, which the next edit repairs); no edit's temp file is left
# after the next edit; and whatever the kill left, check, the next edits
# and a compile work, the next edit ending where a compile ends.
# Each edit is first run to its end on a copy, for the new text and the
# time it takes, which sets the kill times.  The killed edits are
# build/aliasctl (see test_fault_kill_compile), the rest $ALIASCTL.
test_fault_kill_edit() {
	command -v mdb_dump >/dev/null || die "mdb_dump is missing"
	kill_setup
	n=${FAULT_EDIT_ALIASES:-200000}
	kills=${FAULT_EDIT_KILLS:-20}
	mkdir "$T/w" "$T/s"
	sh "$TOP/tools/gen-aliases" "$n" "$T/w/a.yaml" /dev/null 4
	"$kc" -f "$T/w/a.yaml" -m "$T/w/map" compile >/dev/null
	key=$(sed -n "$((n / 2)),\$p" "$T/w/a.yaml" | grep -m1 '^  [a-z]' |
	    sed 's/^  //; s/:.*//')
	i=0
	killed=0
	finished=0
	mixed=0
	late=0
	outcomes=
	while [ "$i" -lt "$kills" ]; do
		i=$((i + 1))
		# The next edit of the key, by its state in the file (an
		# edit may have been killed before or after it took effect).
		st=$(awk -v k="  $key:" '$0 == k { on = 1; next }
			on && /^  [^ ]/ { exit }
			on && /^    revoked:/ { r = 1 }
			on && /^    senders:/ { l = 1 }
			END { print (r ? "revoked" : l ? "locked" : "plain") }' \
		    "$T/w/a.yaml")
		case $st.$((i % 3)) in
		revoked.*)	cmd="restore $key" ;;
		locked.0)	cmd="revoke $key --reason kill$i" ;;
		locked.*)	cmd="unlock $key" ;;
		plain.0)	cmd="add kill$i@example.com --note kill" ;;
		plain.1)	cmd="revoke $key --reason kill$i" ;;
		plain.2)	cmd="lock $key --sender kill$i.example" ;;
		esac
		# The edit to its end on a copy: the new text, its time.
		cp "$T/w/a.yaml" "$T/s/a.yaml"
		"$kc" -f "$T/s/a.yaml" -m "$T/s/map" compile >/dev/null
		t0=$(ms)
		# shellcheck disable=SC2086
		"$kc" -v -f "$T/s/a.yaml" -m "$T/s/map" $cmd >/dev/null \
		    2>"$T/s.err" || die "$cmd: $(cat "$T/s.err")"
		t=$(($(ms) - t0))
		# "old" is what the files hold now: a compile of the file,
		# or, after an edit killed between publishing the map and
		# renaming the file, the map of that edit (which the next
		# edit that runs to its end repairs, the full way).
		pairs "$T/w/map" >"$T/old.pairs"
		pre="$(policy_names "$T/w/map.policy.lmdb") $(stat -c '%d:%i' "$T/w/map.lmdb")"
		grep -q "changing the keys of" "$T/s.err" ||
		    die "the edit on the copy took the full way: $(cat "$T/s.err")"
		"$kc" -f "$T/s/a.yaml" -m "$T/s/new" compile >/dev/null
		pairs "$T/s/new" >"$T/new.pairs"
		cp "$T/w/a.yaml" "$T/old.yaml"
		# Half of the kills late, where it publishes (the killed
		# edit starts a little later than the clock).
		d=$(awk -v s="$seed" -v i="$i" -v t="$t" 'BEGIN {
			srand(s + i); r = rand()
			if (i % 2 == 0)
				r = 0.6 + r * 0.9
			printf "%.3f", r * t / 1000 }')
		# shellcheck disable=SC2086
		"$kc" -f "$T/w/a.yaml" -m "$T/w/map" $cmd >/dev/null 2>&1 &
		pid=$!
		FAULT_PIDS=$pid
		sleep "$d"
		kill_count "$pid" "the edit"
		if cmp -s "$T/w/a.yaml" "$T/old.yaml"; then
			file=old
		elif cmp -s "$T/w/a.yaml" "$T/s/a.yaml"; then
			file=new
		else
			die "after a kill at $d s: the alias file is neither text"
		fi
		pairs "$T/w/map" >"$T/now.pairs"
		# The map's pairs end at the policy's HEADER line.
		awk '/^VERSION=/ { n++ } n == 1' "$T/now.pairs" >"$T/now.map"
		awk '/^VERSION=/ { n++ } n == 2' "$T/now.pairs" >"$T/now.pol"
		state=
		for m in old new; do
			awk '/^VERSION=/ { n++ } n == 1' "$T/$m.pairs" >"$T/$m.map"
			awk '/^VERSION=/ { n++ } n == 2' "$T/$m.pairs" >"$T/$m.pol"
		done
		# The same pairs before and after (a lock does not change
		# the map) read as both, so the pure states come first.
		for mp in "old old" "new new" "old new" "new old"; do
			m=${mp% *}
			p=${mp#* }
			if cmp -s "$T/now.map" "$T/$m.map" &&
			    cmp -s "$T/now.pol" "$T/$p.pol"; then
				state=$m$p
				break
			fi
		done
		named=$(policy_names "$T/w/map.policy.lmdb")
		ident=$(stat -c '%d:%i' "$T/w/map.lmdb")
		case $file.$state in
		old.newnew)
			late=$((late + 1)) ;;
		esac
		case $file.$state in
		old.oldold)
			# Untouched (what an earlier kill left included).
			[ "$named $ident" = "$pre" ] ||
			    die "after a kill at $d s: the files were replaced by the same pairs" ;;
		old.newnew|new.newnew)
			[ "$named" = "$ident" ] ||
			    die "after a kill at $d s: the policy names $named, the map is $ident" ;;
		old.oldnew)
			[ "$named" != "$ident" ] ||
			    die "after a kill at $d s: a new policy names the old map"
			mixed=$((mixed + 1)) ;;
		*)	diff "$T/old.pairs" "$T/now.pairs" | head -5 >&2 || true
			die "after a kill at $d s ($cmd): file $file, map and policy ${state:-neither old nor new}" ;;
		esac
		outcomes="$outcomes ${cmd%% *}@$d/$t:$file.$state"
		expect_exit 0 "$ALIASCTL" -f "$T/w/a.yaml" -m "$T/w/map" check
	done
	# The next edit ends where a compile of its text ends, and leaves
	# no temp file behind.
	expect_exit 0 "$ALIASCTL" -f "$T/w/a.yaml" -m "$T/w/map" add last@example.com
	"$ALIASCTL" -f "$T/w/a.yaml" -m "$T/s/last" compile >/dev/null
	pairs "$T/w/map" >"$T/now.pairs"
	pairs "$T/s/last" >"$T/last.pairs"
	expect_same "$T/last.pairs" "$T/now.pairs"
	left=$(find "$T/w" -name '*.edit.*' -o -name '*.tmp.??????')
	[ -z "$left" ] || die "temp files left: $left"
	expect_exit 0 "$ALIASCTL" -f "$T/w/a.yaml" -m "$T/w/map" compile
	note "$kills edits: $killed killed, $finished finished, $mixed left a new policy beside the old map, $late the old file beside the new map; edit@kill s/edit ms:file.map+policy after each:$outcomes"
	[ "$killed" -ge $((kills / 3)) ] ||
	    die "only $killed of $kills kills hit a running edit"
}

# What a compile killed while writing leaves behind must not pile up:
# the next compile (which holds the map's writer lock, so no other
# compile can be writing) removes the temp files of dead ones.
test_fault_stale_temp_files() {
	fault_need
	sh "$TOP/tools/gen-aliases" 100000 "$T/a.yaml" /dev/null 2
	"$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile >/dev/null
	i=0
	while [ $i -lt 3 ]; do
		temp_files "$T" map >"$T/temps.before"
		"$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile >/dev/null &
		pid=$!
		FAULT_PIDS=$pid
		# Until a temp file appears that was not there before.
		w=0
		while alive "$pid" && [ -z "$(temp_files "$T" map |
		    comm -13 "$T/temps.before" -)" ]; do
			w=$((w + 1))
			[ $w -le 3000 ] || die "no temp file after 30 s"
			sleep 0.01
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		FAULT_PIDS=
		i=$((i + 1))
	done
	n=$(temp_files "$T" map | wc -l)
	[ "$n" -ge 1 ] || die "the killed compiles left no temp file: test did not kill in time"
	note "3 compiles killed while writing left $n temp files ($(temp_files "$T" map | xargs du -cb | tail -1 | cut -f1) bytes)"
	expect_exit 0 "$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile
	left=$(temp_files "$T" map)
	[ -z "$left" ] || die "a good compile left the temp files of killed ones: $(echo $left)"
}

# ---- a full file system ----

# full_mount SIZE: a tmpfs of SIZE at $FULL (root only; else skip).
full_mount() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	FULL=$T/full
	mkdir "$FULL"
	mount -t tmpfs -o "size=$1,mode=0755" tmpfs "$FULL" 2>"$T/mount.err" || {
		FULL=
		skip "cannot mount a tmpfs: $(cat "$T/mount.err")"
	}
	fault_trap
}

# disk_leave KB: fills $FULL until KB kilobytes are free.
disk_leave() {
	rm -f "$FULL/filler"
	avail=$(df -k --output=avail "$FULL" | tail -1)
	[ "$avail" -gt "$1" ] || die "only $avail kB free on $FULL, want $1"
	fallocate -l "$(((avail - $1) * 1024))" "$FULL/filler"
	now=$(df -k --output=avail "$FULL" | tail -1)
	[ "$now" -le $(($1 + 4)) ] || die "$FULL: $now kB free, wanted $1"
}

# full_unchanged: the alias file, map and policy in $FULL are byte for
# byte as in $T/full.before, and no temp file of an edit or a compile is
# left.
full_unchanged() {
	(cd "$FULL" && sha256sum a.yaml map.lmdb map.policy.lmdb) >"$T/full.after"
	expect_same "$T/full.before" "$T/full.after" ||
	    die "a command that failed changed the files above (in $FULL)"
	left=$(find "$FULL" -name '*.edit.*' -o -name '*.lmdb.tmp.??????')
	[ -z "$left" ] || die "temp files left: $left"
}

# full_setup: an alias file of 10,000 aliases and its map on a 4 MB
# tmpfs, the milter answering for it (stats file there too), and the
# replies expected from that map in $T/exp.
full_setup() {
	fault_need
	full_mount 4m
	sh "$TOP/tools/gen-aliases" 10000 "$FULL/a.yaml" /dev/null 5
	"$ALIASCTL" -f "$FULL/a.yaml" -m "$FULL/map" compile >/dev/null
	(cd "$FULL" && sha256sum a.yaml map.lmdb map.policy.lmdb) >"$T/full.before"
	mkdir "$T/lists"
	make_b "$FULL/a.yaml" "$T/B.yaml" "$T/lists"
	cp "$FULL/map.lmdb" "$T/A.lmdb"
	probe_keys "$T/lists" 100 >"$T/probes"
	expect_replies "$T/probes" "$T/A.lmdb" >"$T/exp"
	fault_milter_start "$FULL/map" "unix:$T/milter.sock"
	probe "$T/exp" "before the disk is full"
}

# full_expect_fail WHAT CMD...: CMD fails with 73 or 74.  Its message
# must say why ("No space left on device"); one that does not is added
# to $T/unclear (the test fails at its end, after checking the rest).
full_expect_fail() {
	what=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	case $rc in
	73|74)	;;
	*)	sed 's/^/  stderr: /' "$T/err" >&2
		die "expected exit 73 or 74 on a full disk, got $rc: $*" ;;
	esac
	grep -q "No space left on device" "$T/err" ||
	    echo "$what: exit $rc: $(sed "s|$T/||g" "$T/err" | tr '\n' ' ')" >>"$T/unclear"
	echo "# $what: exit $rc: $(head -1 "$T/err" | sed "s|$T/||g")"
}

# full_clear: every failure said the disk was full.
full_clear() {
	[ ! -s "$T/unclear" ] || {
		sed 's/^/  /' "$T/unclear" >&2
		die "a full disk was reported without saying so (above)"
	}
}

# The disk fills up at different points of a compile: none (0 kB free),
# the map's first pages, half of it, all of the map but not the policy
# file.  Each time: exit 73/74 with the reason, everything as it was,
# and the milter goes on answering from the old map.
test_fault_disk_full_compile() {
	full_setup
	mkb=$(du -k "$FULL/map.lmdb" | cut -f1)
	for free in 0 16 $((mkb / 2)) $((mkb + 8)); do
		disk_leave "$free"
		full_expect_fail "compile, $free kB free" \
		    "$ALIASCTL" -f "$T/B.yaml" -m "$FULL/map" compile
		full_unchanged
		probe "$T/exp" "with $free kB free"
	done
	# Space again: the compile works and the milter follows.
	rm -f "$FULL/filler"
	expect_exit 0 "$ALIASCTL" -f "$T/B.yaml" -m "$FULL/map" compile
	cp "$FULL/map.lmdb" "$T/B.lmdb"
	expect_replies "$T/probes" "$T/B.lmdb" >"$T/exp.B"
	sleep 0.25
	probe "$T/exp.B" "after the disk was freed"
	milter_stop
	full_clear
}

# aliasctl add and revoke on a full disk: the alias file's temp copy
# cannot be written (0 kB free), or it can but the map cannot.  Exit
# 73/74 with the reason; the alias file, map and policy unchanged.
test_fault_disk_full_edit() {
	full_setup
	ykb=$(du -k "$FULL/a.yaml" | cut -f1)
	victim=$(head -1 "$T/lists/common")
	revoked=$(awk '/^  [a-z]/ { k = $1 } /^    revoked:/ {
		sub(/:$/, "", k); print k; exit }' "$FULL/a.yaml")
	[ -n "$revoked" ] || die "no revoked alias in $FULL/a.yaml"
	for free in 0 $((ykb + 32)); do
		for cmd in "add faultadd.x@example.com --note disk" \
		    "revoke $victim --reason disk" \
		    "lock $victim --sender disk.example" "restore $revoked" \
		    "new disk --domain example.org"; do
			disk_leave "$free"
			# shellcheck disable=SC2086
			full_expect_fail "${cmd%% *}, $free kB free" \
			    "$ALIASCTL" -f "$FULL/a.yaml" -m "$FULL/map" $cmd
			full_unchanged
			probe "$T/exp" "${cmd%% *} with $free kB free"
		done
	done
	rm -f "$FULL/filler"
	expect_exit 0 "$ALIASCTL" -f "$FULL/a.yaml" -m "$FULL/map" \
	    revoke "$victim" --reason "disk freed"
	expect_in "$FULL/a.yaml" "reason: disk freed"
	echo "$victim 550_5.1.1" >"$T/exp.revoked"
	sleep 0.25
	probe "$T/exp.revoked" "the revoke after the disk was freed"
	milter_stop
	full_clear
}

# ---- damaged map and policy files ----

# fault_file: milter.sh's alias file with 3,000 more aliases, 300 of
# them revoked, so that the map and the policy file span many pages.
fault_file() {
	milter_file
	awk 'BEGIN {
		for (i = 0; i < 3000; i++)
			if (i % 10 == 0)
				printf "  r%04d@example.com:\n    revoked: 2025-01-01\n", i
			else
				printf "  g%04d@example.org: {}\n", i
	}' >>"$T/a.yaml"
}

# fault_hook: the hook of tests/milter/corrupt.lua.  Each fault is a
# fresh compile to new.* (files nobody has open), damaged, then renamed
# into place policy first, as compile does: the policy names the map
# beside it, so the daemon takes the pair at its next look.
fault_hook() {
	cat >"$T/hook" <<EOF
#!/bin/sh
set -e
cd "$T"
# Compile warnings go to hook.err, not into miltertest's output.
compile() {
	"$ALIASCTL" -f a.yaml -m "\$1" compile >/dev/null 2>hook.err ||
	    { cat hook.err >&2; exit 1; }
}
fresh() {
	rm -f new.lmdb new.policy.lmdb
	compile new
}
publish() {
	mv new.policy.lmdb map.policy.lmdb
	mv new.lmdb map.lmdb
}
pages() {
	echo \$((\$(stat -c %s "\$1") / 4096))
}
case "\$1" in
compile) compile map ;;
map-*)	f=new.lmdb ;;
policy-*) f=new.policy.lmdb ;;
*)	echo "hook: unknown action \$1" >&2; exit 1 ;;
esac
[ "\$1" = compile ] && exit 0
fresh
n=\$(pages \$f)
case "\${1#*-}" in
empty)	: >\$f ;;
garbage) head -c 65536 /dev/urandom >\$f ;;
meta-zeroed) dd if=/dev/zero of=\$f bs=4096 count=2 conv=notrunc 2>/dev/null ;;
data-zeroed) dd if=/dev/zero of=\$f bs=4096 seek=2 count=\$((n - 2)) conv=notrunc 2>/dev/null ;;
truncated-half) truncate -s \$((n / 2 * 4096)) \$f ;;
truncated-meta) truncate -s 8192 \$f ;;
truncated-last) truncate -s \$(((n - 1) * 4096)) \$f ;;
*)	echo "hook: unknown fault \$1" >&2; exit 1 ;;
esac
publish
EOF
	chmod +x "$T/hook"
}

# corrupt_run FAULTS...: tests/milter/corrupt.lua over the faults; the
# daemon logs each one and stays up.
corrupt_run() {
	fault_need
	fault_file
	fault_hook
	expect_exit 0 "$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile
	fault_milter_start "$T/map" "unix:$T/milter.sock"
	mt_run corrupt.lua -D "faults=$*"
	milter_alive
	milter_stop
	# One verdict line per 451 (5 a fault), the map loaded after each
	# fault, and a warning with the reason for each pair that could not
	# be loaded (a map whose data pages are damaged opens: its lookups
	# fail one by one, each a verdict=tempfail line).
	n=$(grep -c 'verdict=tempfail action=tempfail' "$T/milter.log" || true)
	[ "$n" -eq $((5 * $#)) ] || die "expected $((5 * $#)) tempfail lines, got $n"
	n=$(grep -c 'map.lmdb: loaded' "$T/milter.log" || true)
	[ "$n" -ge $(($# + 1)) ] || die "$# faults, the map loaded again only $n times"
	grep -q 'recipients at managed domains get 451 until the map can be read' \
	    "$T/milter.log" || die "no warning in the log"
	grep 'recipients at managed domains get 451' "$T/milter.log" |
	    sed -E 's/^([^ ]* )?alias-milter(\[[0-9]+\])?: /# /; s/;.*//; s|'"$T"'/||g'
}

test_fault_map_corrupt() {
	corrupt_run map-empty map-garbage map-meta-zeroed map-data-zeroed \
	    policy-empty policy-garbage policy-meta-zeroed policy-data-zeroed
}

# Cut short (a copy that ran out of disk, a partial restore): LMDB
# would read the missing pages through its map, SIGBUS.
test_fault_map_truncated() {
	corrupt_run map-truncated-half map-truncated-meta map-truncated-last \
	    policy-truncated-half policy-truncated-meta policy-truncated-last
}

# One page of a big policy file zeroed, each time another one: the
# daemon must not die (a cursor walk over the file would abort in
# LMDB); a recipient whose lookup meets the page gets 451, every other
# one its right answer.
test_fault_policy_page_zeroed() {
	fault_need
	fault_file
	expect_exit 0 "$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile
	cp "$T/map.lmdb" "$T/A.lmdb"
	{
		awk '/^  r[0-9]+@/ { k = $1; sub(/:$/, "", k); print k }' "$T/a.yaml"
		echo irs@example.com
		echo nobody@example.com
		echo x@other.org
	} >"$T/probes"
	expect_replies "$T/probes" "$T/A.lmdb" |
	    awk '{ print $1, $2, "451_4.3.0" }' >"$T/exp"
	fault_milter_start "$T/map" "unix:$T/milter.sock"
	np=$(($(stat -c %s "$T/map.policy.lmdb") / 4096))
	tempfails=0
	pg=2
	while [ $pg -lt "$np" ]; do
		rm -f "$T/new.lmdb" "$T/new.policy.lmdb"
		"$ALIASCTL" -f "$T/a.yaml" -m "$T/new" compile >/dev/null
		dd if=/dev/zero of="$T/new.policy.lmdb" bs=4096 seek=$pg count=1 \
		    conv=notrunc 2>/dev/null
		mv "$T/new.policy.lmdb" "$T/map.policy.lmdb"
		mv "$T/new.lmdb" "$T/map.lmdb"
		sleep 0.25
		probe "$T/exp" "policy page $pg zeroed"
		milter_alive
		tempfails=$((tempfails + $(result second_only "$T/probe.out")))
		pg=$((pg + 1))
	done
	[ "$tempfails" -gt 0 ] || die "no zeroed page was ever met: the test tested nothing"
	milter_stop
	note "$((np - 2)) policy pages zeroed in turn: $tempfails answers were 451, every other one right"
}

# ---- the stats file ----

# stats_setup: milter.sh's alias file, compiled, the daemon running,
# some traffic counted and flushed; $T/exp holds the expected replies.
stats_setup() {
	fault_need
	milter_file
	expect_exit 0 "$ALIASCTL" -f "$T/a.yaml" -m "$T/map" compile
	cp "$T/map.lmdb" "$T/A.lmdb"
	printf '%s\n' irs@example.com family@example.org nobody@example.com \
	    bestbuy@example.com x@other.org >"$T/probes"
	expect_replies "$T/probes" "$T/A.lmdb" >"$T/exp"
	echo "irs@example.com continue" >"$T/exp.irs"
	fault_milter_start "$T/map" "unix:$T/milter.sock"
	probe "$T/exp" "before"
	stats_wait_hits 1
}

# stats_irs N: send N RCPTs to irs@example.com, each answered right.
stats_irs() {
	set +e
	timeout 60 "$T/milter-load" -x -c 1 -n "$1" -k "$T/exp.irs" \
	    -s "$MSOCK" >"$T/probe.out" 2>&1
	rc=$?
	set -e
	[ $rc -eq 0 ] || { cat "$T/probe.out" >&2; die "RCPTs to irs@ failed"; }
}

# stats_wait_hits N: within 5 s, the stats file (read while the daemon
# runs, as aliasctl stats is) counts N hits for irs@example.com.
stats_wait_hits() {
	i=0
	while :; do
		got=none
		if "$ALIASCTL" -m "$T/map" stats --json >"$T/stats.json" 2>"$T/stats.err"; then
			got=$(stat_of irs@example.com hits)
		fi
		[ "$got" = "$1" ] && return 0
		i=$((i + 1))
		[ $i -le 50 ] || {
			cat "$T/stats.err" >&2; grep -v verdict= "$T/milter.log" >&2; cat "$T/stats.json" >&2
			die "stats file: irs@example.com hits $got, expected $1"
		}
		sleep 0.1
	done
}

# The file removed (to reset the counters), then with its lock file:
# a new one within a second, counting what comes after; the verdicts
# never change.  Documented in stats.c ("The file under the daemon's
# feet").
test_fault_stats_removed() {
	stats_setup
	rm "$T/stats/map.milter.lmdb"
	stats_irs 7
	probe "$T/exp" "stats file removed"	# irs@ once more
	stats_wait_hits 8
	log_has 'stats/map.milter.lmdb was removed while counting: starting a new file'
	rm "$T/stats/map.milter.lmdb" "$T/stats/map.milter.lmdb-lock"
	# Nothing counted meanwhile: the file comes back all the same.
	i=0
	until [ -f "$T/stats/map.milter.lmdb" ]; do
		i=$((i + 1))
		[ $i -le 30 ] || die "no new stats file 3 s after it was removed"
		sleep 0.1
	done
	stats_irs 4
	stats_wait_hits 4
	milter_alive
	milter_stop
	stats_json "$T/map"
	expect_stat irs@example.com 4 hits
}

# Replaced by garbage (a broken restore), truncated and overwritten in
# place: each time the file is moved to DIR/stats/BASE.milter.lmdb.corrupt and a new
# one counts what comes after.  A truncated file used to kill the daemon
# (LMDB reads its pages through a map: SIGBUS); garbage over its meta
# pages used to stop every flush for good.
test_fault_stats_corrupt() {
	stats_setup
	total=1		# the hit stats_setup waited for
	for fault in replaced truncated overwritten; do
		# Pages of unknown recipients, so that there is something to cut.
		i=0
		while [ $i -lt 300 ]; do
			echo "guess$i@example.com 550_5.1.1"
			i=$((i + 1))
		done >"$T/exp.guess"
		timeout 60 "$T/milter-load" -x -c 1 -n 300 -k "$T/exp.guess" \
		    -s "$MSOCK" >/dev/null || die "unknown recipients: wrong answers"
		stats_irs 1
		total=$((total + 1))
		stats_wait_hits "$total"
		rm -f "$T/stats/map.milter.lmdb.corrupt"
		case $fault in
		replaced)
			head -c 100000 /dev/urandom >"$T/garbage"
			cp "$T/garbage" "$T/g.tmp"
			mv "$T/g.tmp" "$T/stats/map.milter.lmdb" ;;
		truncated)
			truncate -s 8192 "$T/stats/map.milter.lmdb" ;;
		overwritten)
			dd if=/dev/urandom of="$T/stats/map.milter.lmdb" bs=4096 count=2 \
			    conv=notrunc 2>/dev/null ;;
		esac
		stats_irs 5
		probe "$T/exp" "stats file $fault"	# irs@ once more
		total=6
		stats_wait_hits 6
		[ -f "$T/stats/map.milter.lmdb.corrupt" ] ||
		    die "$fault: the damaged file was not moved aside"
		[ "$fault" != replaced ] ||
		    cmp -s "$T/garbage" "$T/stats/map.milter.lmdb.corrupt" ||
		    die "the garbage was not kept as it was"
		milter_alive
		note "$fault: $(grep -v 'verdict=' "$T/milter.log" | grep 'not a stats file' | tail -1 | sed -E 's/^([^ ]* )?alias-milter(\[[0-9]+\])?: //; s|'"$T"'/||g')"
	done
	milter_stop
	stats_json "$T/map"
	expect_stat irs@example.com 6 hits
}

# ---- compiles in a loop under a stream of queries ----

# The clients of the loop, each "loop_client_NAME SECONDS" in the
# background, writing $T/loop.NAME.out and exiting nonzero on a wrong
# answer.  alias-lookupd's client will be added here.
FAULT_LOOP_CLIENTS="milter lookupd"

loop_client_milter() {
	timeout $(($1 + 60)) "$T/milter-load" -x -c 8 -r 10 -t "$1" \
	    -k "$T/exp.AB" -s "$MSOCK" >"$T/loop.milter.out" 2>&1
}

# The lookup daemon on the same map, asked by postmap -q - over
# socketmap, the probes again and again: every key found must have the
# value map A or map B gives it, and a key missing from the answer must
# be missing from one of the maps; postmap must report no error.
loop_client_lookupd() {
	out=$T/loop.lookupd.out
	[ -x "$BUILD/alias-lookupd" ] || { echo "no $BUILD/alias-lookupd" >"$out"; return 1; }
	for m in A B; do
		cp "$T/$m.lmdb" "$T/$m.kv.lmdb"
		mdb_dump -p -n "$T/$m.kv.lmdb" | awk '
		/^HEADER=END$/ { body = 1; next }
		/^DATA=END$/ { exit }
		body { sub(/^ /, ""); sub(/\\00$/, "")
		       if (k == "") k = $0; else { print k "\t" $0; k = "" } }' \
		    >"$T/$m.kv"
	done
	"$BUILD/alias-lookupd" -d -m "$T/map" -s "unix:$T/lk.sock" \
	    2>"$T/lk.log" &
	lpid=$!
	i=0
	until [ -S "$T/lk.sock" ]; do
		i=$((i + 1))
		[ $i -le 100 ] && kill -0 "$lpid" 2>/dev/null ||
		    { echo "alias-lookupd did not start" >"$out"; return 1; }
		sleep 0.1
	done
	end=$(($(date +%s) + $1))
	rounds=0 answers=0 wrong=0 aonly=0 bonly=0
	while [ "$(date +%s)" -lt "$end" ]; do
		timeout 60 postmap -q - "socketmap:unix:$T/lk.sock:aliases" \
		    <"$T/probes" >"$T/lq.out" 2>"$T/lq.err" || true
		if [ -s "$T/lq.err" ]; then
			sed 's/^/postmap: /' "$T/lq.err" >>"$out"
			wrong=$((wrong + 1))
		fi
		set -- $(awk -F '\t' '
		FILENAME == ARGV[1] { a[$1] = $2; next }
		FILENAME == ARGV[2] { b[$1] = $2; next }
		FILENAME == ARGV[3] { got[$1] = $2; n++
			ina = ($1 in a) && a[$1] == $2
			inb = ($1 in b) && b[$1] == $2
			if (!ina && !inb) {
				print "wrong: " $1 " -> " $2 > "/dev/stderr"; w++ }
			oa += ina && !inb; ob += inb && !ina
			next }
		{ if (!($1 in got) && ($1 in a) && ($1 in b)) {
			print "missing: " $1 > "/dev/stderr"; w++ } }
		END { print n + 0, w + 0, oa + 0, ob + 0 }' "$T/A.kv" "$T/B.kv" \
		    "$T/lq.out" "$T/probes" 2>>"$out")
		answers=$((answers + $1))
		wrong=$((wrong + $2))
		aonly=$((aonly + $3))
		bonly=$((bonly + $4))
		rounds=$((rounds + 1))
	done
	kill -TERM "$lpid"
	wait "$lpid"
	lrc=$?
	echo "RESULT rounds=$rounds found=$answers only_A=$aonly only_B=$bonly wrong=$wrong exit=$lrc" >>"$out"
	[ "$wrong" -eq 0 ] && [ "$rounds" -gt 0 ] && [ "$lrc" -eq 0 ] &&
	    ! grep -q 'Sanitizer\|runtime error' "$T/lk.log"
}

# Two alias files A and B (20,000 aliases, B with 40 removed, 40 new and
# some revoked), compiled in turn as fast as they compile, while the
# clients ask about the aliases that differ and some that do not, for
# FAULT_LOOP_SECONDS (default 60): every answer must be what map A or
# map B says, and both must have been seen.
test_fault_compile_loop() {
	fault_need
	secs=${FAULT_LOOP_SECONDS:-60}
	mkdir "$T/lists"
	sh "$TOP/tools/gen-aliases" 20000 "$T/A.yaml" /dev/null 7
	make_b "$T/A.yaml" "$T/B.yaml" "$T/lists"
	for s in B A; do
		"$ALIASCTL" -f "$T/$s.yaml" -m "$T/map" compile >/dev/null
		cp "$T/map.lmdb" "$T/$s.lmdb"
	done
	probe_keys "$T/lists" 1000 >"$T/probes"
	expect_replies "$T/probes" "$T/A.lmdb" "$T/B.lmdb" >"$T/exp.AB"
	awk '$2 != $3' "$T/exp.AB" | grep -q . || die "no probe tells A from B"
	fault_milter_start "$T/map" "unix:$T/milter.sock"

	# The compile loop, until $T/stop exists.
	(
		n=0
		while [ ! -f "$T/stop" ]; do
			for s in B A; do
				"$ALIASCTL" -f "$T/$s.yaml" -m "$T/map" compile \
				    >/dev/null 2>>"$T/loop.err" ||
				    { echo "compile of $s failed" >>"$T/loop.err"; exit 1; }
				n=$((n + 1))
				echo $n >"$T/loop.count"
			done
		done
	) &
	loop=$!
	FAULT_PIDS=$loop
	pids=
	for c in $FAULT_LOOP_CLIENTS; do
		"loop_client_$c" "$secs" &
		pids="$pids $!"
	done
	FAULT_PIDS="$loop $pids"
	bad=
	for p in $pids; do
		wait "$p" || bad=1
	done
	touch "$T/stop"
	set +e
	wait "$loop"
	lrc=$?
	set -e
	FAULT_PIDS=
	for c in $FAULT_LOOP_CLIENTS; do
		grep -E '^(RESULT|checked|rcpt verdicts)' "$T/loop.$c.out" | sed 's/^/# '"$c"': /'
	done
	if [ -n "$bad" ]; then
		for c in $FAULT_LOOP_CLIENTS; do
			sed 's/^/  '"$c"': /' "$T/loop.$c.out" >&2
		done
		die "a client got a wrong answer, or failed"
	fi
	[ $lrc -eq 0 ] || { cat "$T/loop.err" >&2; die "the compile loop failed"; }
	milter_alive
	compiles=$(cat "$T/loop.count")
	loads=$(grep -c 'map.lmdb: loaded' "$T/milter.log" || true)
	f=$T/loop.milter.out
	[ "$(result wrong "$f")" = 0 ] || die "wrong answers"
	[ "$(result failed_conns "$f")" = 0 ] || die "connections failed"
	[ "$(result first_only "$f")" -gt 0 ] || die "no answer only map A gives: A was never seen"
	[ "$(result second_only "$f")" -gt 0 ] || die "no answer only map B gives: B was never seen"
	# A compile of 20,000 aliases takes well under a second even here.
	min=$((secs / 3))
	[ "$min" -ge 2 ] || min=2
	[ "$compiles" -ge "$min" ] || die "only $compiles compiles in $secs s"
	[ "$loads" -ge "$min" ] || die "the milter loaded a new map only $loads times"
	milter_stop
	note "$secs s: $compiles compiles, the milter loaded $loads of them; $(result rcpts "$f") answers, $(result first_only "$f") only map A gives, $(result second_only "$f") only map B gives, $(result wrong "$f") wrong"
}
