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
