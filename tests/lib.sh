# tests/lib.sh: helpers for the shell suites (sourced by tests/run).
# Each test runs in a fresh directory $T with $ALIASCTL, $TOP, $BUILD.
# A test fails at the first failing command: every helper returns
# nonzero on mismatch and the suites use "|| return 1" or set -e.

set -e

# postmap and postconf read main.cf, which a Postfix installed as "No
# configuration" (what tools/deps chooses) does not have: give them an
# empty one of our own.
MAIL_CONFIG="$T/postfix-config"
mkdir -p "$MAIL_CONFIG"
: >"$MAIL_CONFIG/main.cf"
export MAIL_CONFIG

die() {
	echo "$*" >&2
	exit 1
}

# skip REASON: this test cannot run here; the runner counts it skipped.
skip() {
	echo "$*"
	exit 77
}

# note: a line the runner shows after "ok" (figures worth reading).
note() {
	echo "# $*"
}

# expect_exit CODE CMD...: runs CMD, fails unless it exits with CODE.
# Its stdout and stderr are kept in $T/out and $T/err.
expect_exit() {
	want=$1
	shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "expected exit $want, got $got: $*" >&2
		sed 's/^/  stdout: /' "$T/out" >&2
		sed 's/^/  stderr: /' "$T/err" >&2
		return 1
	fi
}

# expect_in FILE TEXT: FILE contains the fixed string TEXT.
expect_in() {
	grep -qF -- "$2" "$1" || {
		echo "expected in $1: $2" >&2
		sed 's/^/  | /' "$1" >&2
		return 1
	}
}

# expect_same FILE1 FILE2: byte-for-byte equal.
expect_same() {
	cmp -s "$1" "$2" || {
		echo "files differ: $1 $2" >&2
		diff "$1" "$2" | head -20 >&2 || true
		return 1
	}
}

# policy_record FILE NAME: the value of the policy file's metadata
# record " NAME".
policy_record() {
	cp "$1" "$T/pcopy.lmdb"
	mdb_dump -n -p "$T/pcopy.lmdb" |
	    awk -v k="$2" 'want { sub(/^ /, ""); sub(/\\00$/, ""); print; want = 0 }
		$0 == "  " k "\\00" { want = 1 }'
	rm -f "$T/pcopy.lmdb" "$T/pcopy.lmdb-lock"
}

# policy_names FILE: the DEV:INO the policy file's " map" record names.
policy_names() {
	policy_record "$1" map
}

# snapshot DIR: checksums of every file in DIR, sorted, one per line.
snapshot() {
	(cd "$1" && find . -type f ! -name '*.lock' -exec sha256sum {} + | sort -k2)
}

# as_nobody CMD...: runs CMD as an unprivileged user when we are root
# (root ignores file permissions), else as ourselves.
as_nobody() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# free_port: a TCP port nobody listens on, below Linux's ephemeral range
# (32768-60999), so that no outgoing connection holds it either.
free_port() {
	for p in $(shuf -i 20000-32000 -n 50); do
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	die "no free TCP port"
}

# alive PID: the process exists and is not a zombie (kill -0 succeeds
# on our own exited child until it is waited for).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) in
	Z|X|'') return 1 ;;
	esac
	return 0
}

# wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds;
# returns 1 when it has not within SECONDS.
wait_until() {
	wu_n=$(($1 * 10))
	shift
	wu_i=0
	until "$@"; do
		wu_i=$((wu_i + 1))
		[ $wu_i -le "$wu_n" ] || return 1
		sleep 0.1
	done
}

# gone PID: the process has exited (is not alive).
gone() {
	! alive "$1"
}

# listening ENDPOINT...: something listens on every ENDPOINT: a unix
# socket (a path, unix:PATH or local:PATH) or a TCP port on loopback (a
# number, inet:HOST:PORT, inet:PORT@HOST or inet6:PORT@HOST).
listening() {
	for e in "$@"; do
		case $e in
		/*)		[ -S "$e" ] ;;
		unix:*|local:*)	[ -S "${e#*:}" ] ;;
		inet*@*)	e=${e#*:}; ss -Hltn "sport = :${e%%@*}" | grep -q . ;;
		*)		ss -Hltn "sport = :${e##*:}" | grep -q . ;;
		esac || return 1
	done
}

# wait_listen PID NAME LOG ENDPOINT...: waits at most 10 s for the
# daemon PID (NAME, logging to LOG) to listen on every ENDPOINT (as
# listening takes them); it must not exit meanwhile.
wait_listen() {
	wl_pid=$1
	wl_name=$2
	wl_log=$3
	shift 3
	wait_until 10 listening_or_dead "$@" ||
	    die "$wl_name: nothing listens on $* after 10 s"
	listening "$@" || {
		sed "s/^/  $wl_name: /" "$wl_log" >&2
		die "$wl_name exited before opening $*"
	}
}

# listening_or_dead ENDPOINT...: listening, or the daemon $wl_pid is gone.
listening_or_dead() {
	listening "$@" || gone "$wl_pid"
}

# kill_alive PID...: SIGKILL to each PID (empty ones are skipped) that
# still runs; for the EXIT traps of tests that fail with a daemon up.
kill_alive() {
	for ka_pid in "$@"; do
		if [ -n "$ka_pid" ] && alive "$ka_pid"; then
			kill -KILL "$ka_pid" 2>/dev/null || true
		fi
	done
}

# wait_unix_socket PATH PID NAME LOG: wait_listen for one unix socket.
wait_unix_socket() {
	wait_listen "$2" "$3" "$4" "$1"
}

# daemon_stop PID LOG NAME SECONDS: SIGTERM, at most SECONDS to exit;
# it must exit 0 with no sanitizer report in LOG.
daemon_stop() {
	kill -TERM "$1"
	i=0
	while alive "$1"; do
		i=$((i + 1))
		if [ $i -gt $(($4 * 10)) ]; then
			kill -KILL "$1" 2>/dev/null || true
			die "$3 still running $4 s after SIGTERM"
		fi
		sleep 0.1
	done
	set +e
	wait "$1"
	rc=$?
	set -e
	if [ $rc -ne 0 ] || grep -qE 'Sanitizer|runtime error' "$2"; then
		sed "s/^/  $3: /" "$2" | tail -40 >&2
		die "$3 exited $rc after SIGTERM"
	fi
}

# milter_stop: SIGTERM, at most 15 s to exit (libmilter notices within
# about 5 s); it must exit 0 with no sanitizer report.
milter_stop() {
	daemon_stop "$MPID" "$T/milter.log" alias-milter 15
	MPID=
}

# stats_json MAP: `aliasctl -m MAP stats --json`, and with --unknown,
# into $T/stats.json.
stats_json() {
	expect_exit 0 "$ALIASCTL" -m "$1" stats --json
	cp "$T/out" "$T/stats.json"
	expect_exit 0 "$ALIASCTL" -m "$1" stats --json --unknown
	cat "$T/out" >>"$T/stats.json"
	jq -s . "$T/stats.json" >/dev/null || {
		sed 's/^/  | /' "$T/stats.json" >&2
		die "stats --json is not JSON"
	}
}

# stat_of KEY FIELD: FIELD (hits, revoked, backscatter; count for an
# unknown recipient) of KEY's row in $T/stats.json, or "none".
stat_of() {
	jq -rs --arg k "$1" --arg f "$2" '
	    [.[] | (.aliases // [])[], (.unknown // [])[]
	     | select((.alias // .recipient) == $k) | .[$f]
	     | select(. != null)] | first // "none"' "$T/stats.json"
}

# expect_stat KEY WANT FIELD: the counter is WANT.
expect_stat() {
	got=$(stat_of "$1" "$3")
	[ "$got" = "$2" ] || {
		jq -s . "$T/stats.json" | sed 's/^/  | /' | head -80 >&2
		echo "stats: $1 $3: expected $2, got $got" >&2
		return 1
	}
}

# le64 N: N (>= 0) as 8 little-endian bytes in mdb_load -T's \hh escapes.
le64() {
	i=0
	while [ $i -lt 8 ]; do
		printf '\\%02x' $(( ($1 >> (8 * i)) & 255 ))
		i=$((i + 1))
	done
}

# stats_rec N...: one record (stats.c: version 1, 7 zero bytes, then
# each N as a little-endian 64-bit integer) as an mdb_load -T line.
stats_rec() {
	printf '\\01\\00\\00\\00\\00\\00\\00\\00'
	for n in "$@"; do
		le64 "$n"
	done
	echo
}

# stats_rec2 N...: an "aliases" record of version 2 (with locked last).
stats_rec2() {
	printf '\\02\\00\\00\\00\\00\\00\\00\\00'
	for n in "$@"; do
		le64 "$n"
	done
	echo
}

# stats_file FILE: a stats file written with LMDB's own mdb_load, not
# with stats.c, so that these tests also pin the record layout: version
# 1 records (48 bytes, before locks) and one of version 2 (56 bytes).
# 1767225600 is 2026-01-01 00:00 UTC.
stats_file() {
	{
		echo electronics@example.com
		stats_rec2 4 0 0 1767225600 1767225720 17
		echo irs@example.com
		stats_rec 12 0 0 1767225600 1767312000
		echo bestbuy@example.com
		stats_rec 0 5 0 1767225600 1767398400
		echo shop@example.com
		stats_rec 12 0 3 1767225600 1767225660
		echo family@example.org
		stats_rec 1 0 0 1767225600 1767225600
	} >aliases.txt
	{
		echo info@example.com
		stats_rec 310 1767225600 1767229200
		# A quote, a backslash, ESC and a byte that is not UTF-8.
		printf 'q"\\5c\\1b[31m\\ff@example.com\n'
		stats_rec 2 1767225600 1767225600
	} >unknown.txt
	mdb_load -n -T -s aliases -f aliases.txt "$1"
	mdb_load -n -T -s unknown -f unknown.txt "$1"
}
