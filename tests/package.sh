# tests/package.sh: the Debian package (debian/, make deb).  The first
# test builds it and runs lintian; the second installs it on this
# machine (root only), checks the file layout of docs/SETUP.md, runs
# the installed programs the way the units do (the same command line,
# capability bounding set and no_new_privs) through the stats reset and
# a log rotation, then removes and purges it and checks that the
# machine is as before.  It runs only where the package is not
# installed and none of its paths exist, and leaves the machine so even
# when it fails.  The third runs the units under a real systemd in
# namespaces of its own, on a throwaway copy of the machine's root
# (test_package_systemd).  The other suites run $BUILD's programs by
# absolute path, so the installed /usr/sbin ones never stand in for them.

PKG_DEB=

# pkg_deb: builds the package once per run of the suite (make deb)
# unless build/ has one newer than every file of the tree; sets PKG_DEB.
pkg_deb() {
	PKG_DEB=$(ls "$TOP"/build/aliasctl_*_*.deb 2>/dev/null | tail -1)
	if [ -n "$PKG_DEB" ] && [ -z "$(cd "$TOP" && find Makefile src man \
	    debian -newer "$PKG_DEB" -type f | head -1)" ]; then
		return 0
	fi
	command -v dpkg-buildpackage >/dev/null &&
	    command -v dh >/dev/null || {
		[ "$(id -u)" -eq 0 ] || skip "needs debhelper: run tools/deps deb"
	}
	start=$(date +%s)
	make -C "$TOP" deb >"$T/make-deb.log" 2>&1 || {
		tail -40 "$T/make-deb.log" >&2
		die "make deb failed"
	}
	note "make deb took $(($(date +%s) - start)) s"
	grep -E '(warning|error):' "$T/make-deb.log" >&2 &&
	    die "compiler warnings in make deb"
	PKG_DEB=$(ls "$TOP"/build/aliasctl_*_*.deb | tail -1)
	[ -f "$PKG_DEB" ] || die "make deb left no .deb in build/"
}

test_package_build_lintian() {
	rm -f "$TOP"/build/aliasctl_*_*.deb
	pkg_deb
	command -v lintian >/dev/null || skip "needs lintian: run tools/deps deb"
	lintian --pedantic --display-info "$PKG_DEB" >"$T/lintian" 2>&1 || true
	sed 's/^/  lintian: /' "$T/lintian" >&2
	grep -q '^E: ' "$T/lintian" && die "lintian reports errors"
	grep -q '^W: ' "$T/lintian" && die "lintian reports warnings"
	# The tree stays clean: the build ran in a copy under build/.
	[ ! -e "$TOP/debian/aliasctl" ] && [ ! -e "$TOP/debian/files" ] ||
	    die "make deb wrote into the source tree's debian/"
	dpkg-deb -c "$PKG_DEB" >"$T/contents"
	for f in usr/sbin/aliasctl usr/sbin/alias-milter usr/sbin/alias-lookupd \
	    usr/share/man/man8/aliasctl.8.gz usr/share/man/man5/aliases.yaml.5.gz \
	    etc/aliasctl/aliases.yaml etc/default/alias-milter \
	    etc/default/alias-lookupd etc/logrotate.d/aliasctl \
	    lib/systemd/system/alias-milter.service \
	    lib/systemd/system/alias-lookupd.service \
	    lib/systemd/system/aliasctl-compile.service \
	    lib/systemd/system/aliasctl-compile.timer; do
		grep -q " \./$f\$" "$T/contents" || die "not in the package: /$f"
	done
	note "lintian: $(grep -c '^[EWIP]: ' "$T/lintian" || true) tags, none E: or W:"
}

# The paths the package creates or installs (not the programs).
PKG_PATHS="/etc/aliasctl /var/lib/aliasctl /var/log/aliasctl
    /var/spool/postfix/aliasctl /etc/default/alias-milter
    /etc/default/alias-lookupd /etc/logrotate.d/aliasctl
    /lib/systemd/system/alias-milter.service
    /lib/systemd/system/alias-lookupd.service
    /lib/systemd/system/aliasctl-compile.service
    /lib/systemd/system/aliasctl-compile.timer
    /usr/sbin/aliasctl /usr/sbin/alias-milter /usr/sbin/alias-lookupd"

# pkg_state: what of the system the package may change, one line each.
pkg_state() {
	for p in $PKG_PATHS; do
		[ -e "$p" ] && echo "exists $p"
	done
	find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
	    /var/lib/systemd/deb-systemd-helper-masked 2>/dev/null | sort
	dpkg-statoverride --list | sort
	return 0
}

pkg_cleanup() {
	[ -z "${made_main_cf:-}" ] || rm -f /etc/postfix/main.cf
	for pid in ${MPID:-} ${LPID:-}; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if dpkg-query -W -f='${Status}' aliasctl 2>/dev/null | grep -q .; then
		dpkg --purge aliasctl >/dev/null 2>&1 || true
	fi
	if [ "${PKG_USER_NEW:-}" = 1 ]; then
		deluser --quiet --system aliasctl >/dev/null 2>&1 || true
		delgroup --quiet --system aliasctl >/dev/null 2>&1 || true
	fi
	cd /
	rm -rf "$T"
}

# expect_owner PATH USER:GROUP MODE (octal, as stat %a).
expect_owner() {
	[ -e "$1" ] || die "missing: $1"
	got=$(stat -c '%U:%G %a' "$1")
	[ "$got" = "$2 $3" ] || die "$1: expected $2 $3, got $got"
}

# unit_exec UNIT: the unit's ExecStart= without $DAEMON_OPTS.
unit_exec() {
	sed -n 's/^ExecStart=//p' "/lib/systemd/system/$1" |
	    sed 's/ \$DAEMON_OPTS$//'
}

# unit_caps UNIT: the unit's CapabilityBoundingSet= as setpriv(1)'s
# --bounding-set argument.
unit_caps() {
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "/lib/systemd/system/$1")
	arg=-all
	for c in $caps; do
		arg="$arg,+$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
	done
	echo "$arg"
}

# unit_setpriv UNIT: sets SETPRIV to the setpriv(1) options that run a
# command as systemd runs the unit's ExecStart=: as root with the unit's
# bounding set and no_new_privs.  (A variable, not a function: a daemon
# started with "$SETPRIV ... &" is the background job itself.)
unit_setpriv() {
	grep -q '^NoNewPrivileges=yes$' "/lib/systemd/system/$1" ||
	    die "$1: no NoNewPrivileges=yes"
	SETPRIV="setpriv --no-new-privs --bounding-set $(unit_caps "$1") --"
}

# pkg_stats: the packaged milter stats file as JSON, in $T/stats.json.
pkg_stats() {
	expect_exit 0 /usr/sbin/aliasctl \
	    -S /var/lib/aliasctl/stats/aliases.milter.lmdb stats --json
	cp "$T/out" "$T/stats.json"
	expect_exit 0 /usr/sbin/aliasctl \
	    -S /var/lib/aliasctl/stats/aliases.milter.lmdb stats --json --unknown
	cat "$T/out" >>"$T/stats.json"
}

test_package_install_purge() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to install the package"
	command -v miltertest >/dev/null || skip "needs miltertest"
	dpkg-query -W -f='${Status}' aliasctl 2>/dev/null | grep -q . &&
	    skip "the aliasctl package is already on this machine"
	for p in $PKG_PATHS; do
		[ ! -e "$p" ] || skip "$p exists: not a machine to test the package on"
	done
	pkg_deb
	PKG_USER_NEW=0
	getent passwd aliasctl >/dev/null || PKG_USER_NEW=1
	MPID=
	LPID=
	trap pkg_cleanup EXIT
	pkg_state >"$T/state.before"

	# Install: the user, the layout, the conffiles, the units.
	# README.md's command (offline: every dependency is installed here).
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "$PKG_DEB" >"$T/dpkg.log" 2>&1 || {
		cat "$T/dpkg.log" >&2
		die "apt-get install $PKG_DEB failed"
	}
	getent passwd aliasctl >"$T/pw" || die "no user aliasctl"
	IFS=: read -r _ _ uid gid _ home shell <"$T/pw"
	[ "$uid" -lt 1000 ] && [ "$home" = /nonexistent ] &&
	    [ "$shell" = /usr/sbin/nologin ] || die "user aliasctl: $(cat "$T/pw")"
	[ "$(getent group aliasctl | cut -d: -f3)" = "$gid" ] ||
	    die "aliasctl's group is not aliasctl"
	[ ! -e /nonexistent ] || die "/nonexistent exists"
	expect_owner /etc/aliasctl root:root 755
	expect_owner /etc/aliasctl/aliases.yaml root:root 644
	expect_owner /var/lib/aliasctl root:root 755
	expect_owner /var/lib/aliasctl/stats aliasctl:aliasctl 750
	expect_owner /var/log/aliasctl aliasctl:adm 2750
	if getent group postfix >/dev/null; then
		expect_owner /var/spool/postfix/aliasctl aliasctl:postfix 2750
	fi
	dpkg-query -W -f='${Conffiles}\n' aliasctl >"$T/conffiles"
	for f in /etc/aliasctl/aliases.yaml /etc/default/alias-milter \
	    /etc/default/alias-lookupd /etc/logrotate.d/aliasctl; do
		grep -q "^ $f " "$T/conffiles" || die "not a conffile: $f"
	done
	# The timer is enabled, the daemons are not.
	[ -L /etc/systemd/system/timers.target.wants/aliasctl-compile.timer ] ||
	    die "aliasctl-compile.timer is not enabled"
	[ ! -e /etc/systemd/system/multi-user.target.wants/alias-milter.service ] &&
	    [ ! -e /etc/systemd/system/multi-user.target.wants/alias-lookupd.service ] ||
	    die "a daemon was enabled on install"
	# What README.md, alias-milter(8) and the units' comments promise.
	for l in 'alias-milter.service:EnvironmentFile=-/etc/default/alias-milter' \
	    'alias-milter.service:SyslogIdentifier=alias-milter' \
	    'alias-milter.service:SyslogFacility=mail' \
	    'alias-milter.service:ExecStart=.* [$]DAEMON_OPTS$' \
	    'alias-lookupd.service:EnvironmentFile=-/etc/default/alias-lookupd' \
	    'alias-lookupd.service:SyslogFacility=mail' \
	    'alias-lookupd.service:ExecStart=.* [$]DAEMON_OPTS$' \
	    'aliasctl-compile.timer:OnCalendar=\*-\*-\* 00:05:00' \
	    'aliasctl-compile.timer:Persistent=true' \
	    'aliasctl-compile.service:ConditionPathExists=/var/lib/aliasctl/aliases.lmdb' \
	    'aliasctl-compile.service:ReadWritePaths=/var/lib/aliasctl$'; do
		grep -q "^${l#*:}" "/lib/systemd/system/${l%%:*}" ||
		    die "${l%%:*}: no line ${l#*:}"
	done
	grep -q '^#DAEMON_OPTS=' /etc/default/alias-milter &&
	    grep -q '^#DAEMON_OPTS=' /etc/default/alias-lookupd ||
	    die "/etc/default: no commented DAEMON_OPTS"
	if command -v systemd-analyze >/dev/null; then
		systemd-analyze verify /lib/systemd/system/alias-milter.service \
		    /lib/systemd/system/alias-lookupd.service \
		    /lib/systemd/system/aliasctl-compile.service \
		    /lib/systemd/system/aliasctl-compile.timer >"$T/verify" 2>&1 || true
		# Without man(1) it cannot check Documentation=man:...
		grep -v "Command 'man .*' failed" "$T/verify" >"$T/verify.bad" || true
		[ ! -s "$T/verify.bad" ] || {
			sed 's/^/  systemd-analyze: /' "$T/verify.bad" >&2
			die "systemd-analyze verify complains"
		}
	fi
	logrotate -d /etc/logrotate.d/aliasctl >"$T/lr.debug" 2>&1 || {
		cat "$T/lr.debug" >&2
		die "logrotate -d /etc/logrotate.d/aliasctl failed"
	}

	# The installed programs, the shipped example, the compile as the
	# timer's service runs it.
	expect_exit 0 /usr/sbin/aliasctl -h
	expect_exit 0 /usr/sbin/aliasctl -f /etc/aliasctl/aliases.yaml check
	expect_exit 0 /usr/sbin/alias-milter -h
	expect_exit 0 /usr/sbin/alias-lookupd -h
	cmd=$(unit_exec aliasctl-compile.service)
	[ "$cmd" = "/usr/sbin/aliasctl compile" ] || die "compile unit runs: $cmd"
	unit_setpriv aliasctl-compile.service
	# shellcheck disable=SC2086
	expect_exit 0 $SETPRIV /usr/sbin/aliasctl compile
	for f in aliases.lmdb aliases.policy.lmdb aliases.lock; do
		expect_owner "/var/lib/aliasctl/$f" root:root 644
	done
	expect_exit 0 /usr/sbin/aliasctl query irs@example.com
	expect_in "$T/out" me@example.net

	# alias-milter as its unit starts it (the unit's command line and
	# capabilities), its socket where Postfix finds it, plus -L.
	getent group postfix >/dev/null || skip "needs Postfix's group postfix"
	cmd=$(unit_exec alias-milter.service)
	case $cmd in
	*" -S /var/lib/aliasctl/stats/aliases.milter.lmdb "*) ;;
	*) die "alias-milter.service: not the packaged stats path: $cmd" ;;
	esac
	# The unit's ExecStartPre= makes the socket directory when Postfix
	# came after the package (run here without systemd's "+" prefix).
	rmdir /var/spool/postfix/aliasctl
	pre=$(sed -n 's/^ExecStartPre=+//p' /lib/systemd/system/alias-milter.service)
	[ -n "$pre" ] || die "alias-milter.service: no ExecStartPre=+"
	eval "$pre" || die "ExecStartPre failed: $pre"
	expect_owner /var/spool/postfix/aliasctl aliasctl:postfix 2750
	MSOCK=unix:/var/spool/postfix/aliasctl/milter.sock
	# shellcheck disable=SC2086
	unit_setpriv alias-milter.service
	# shellcheck disable=SC2086
	$SETPRIV $cmd -L /var/log/aliasctl/milter.log \
	    >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	wait_unix_socket /var/spool/postfix/aliasctl/milter.sock "$MPID" \
	    alias-milter "$T/milter.log"
	i=0
	until grep -q 'starting: ' /var/log/aliasctl/milter.log 2>/dev/null; do
		alive "$MPID" || die "alias-milter exited: $(cat "$T/milter.log")"
		i=$((i + 1))
		[ $i -le 100 ] || die "alias-milter: no starting line after 10 s"
		sleep 0.1
	done
	expect_owner /var/spool/postfix/aliasctl/milter.sock aliasctl:postfix 660
	stats=/var/lib/aliasctl/stats/aliases.milter.lmdb
	expect_owner "$stats" aliasctl:aliasctl 640
	expect_owner "$stats-lock" aliasctl:aliasctl 640
	[ "$(ps -o user= -p "$MPID")" = aliasctl ] || die "alias-milter is not running as aliasctl"
	# mt_run of tests/milter.sh (its hook is not used here).
	. "$TOP/tests/milter.sh"
	: >"$T/hook"
	chmod +x "$T/hook"
	mt_run package.lua
	sleep 1.5	# one flush
	pkg_stats
	expect_stat irs@example.com 2 hits
	expect_stat nobody@example.com 1 count
	expect_stat irs+tax@example.com 1 count
	expect_in /var/log/aliasctl/milter.log 'to=<nobody@example.com>'
	# Created as root before the drop, then given to the daemon's user.
	expect_owner /var/log/aliasctl/milter.log aliasctl:adm 640

	# logrotate renames the log; the milter opens the new file itself.
	logrotate -f -s "$T/lr.state" /etc/logrotate.d/aliasctl ||
	    die "logrotate failed"
	[ -f /var/log/aliasctl/milter.log.1 ] || die "no milter.log.1 after logrotate"
	expect_owner /var/log/aliasctl/milter.log aliasctl:adm 640

	# The stats reset: remove the file under the running daemon.
	rm "$stats"
	sleep 1.2	# the log file's name is checked at most once a second
	mt_run package.lua
	i=0
	until [ -f "$stats" ]; do
		i=$((i + 1))
		[ $i -le 20 ] || die "no new stats file 2 s after it was removed"
		sleep 0.1
	done
	expect_owner "$stats" aliasctl:aliasctl 640
	sleep 1.2
	pkg_stats
	expect_stat irs@example.com 2 hits
	expect_stat nobody@example.com 1 count
	grep -q 'to=<nobody@example.com>' /var/log/aliasctl/milter.log ||
	    die "no verdict line in the new log file after rotation"

	# The final flush at SIGTERM: a third run, then stop at once.
	mt_run package.lua
	daemon_stop "$MPID" "$T/milter.log" alias-milter 15
	MPID=
	pkg_stats
	expect_stat irs@example.com 4 hits
	expect_stat nobody@example.com 2 count
	[ ! -e /var/spool/postfix/aliasctl/milter.sock ] ||
	    die "alias-milter left its socket behind"

	# alias-lookupd as its unit starts it, on a free port.
	port=$(free_port)
	cmd=$(unit_exec alias-lookupd.service)
	case $cmd in
	*" -S /var/lib/aliasctl/stats/aliases.lookupd.lmdb -s inet:127.0.0.1:10027") ;;
	*) die "alias-lookupd.service: $cmd" ;;
	esac
	cmd=$(echo "$cmd" | sed "s/:10027\$/:$port/")
	# shellcheck disable=SC2086
	unit_setpriv alias-lookupd.service
	# shellcheck disable=SC2086
	$SETPRIV $cmd >"$T/lookupd.out" 2>"$T/lookupd.log" &
	LPID=$!
	i=0
	until ss -Hltn "sport = :$port" | grep -q .; do
		alive "$LPID" || { cat "$T/lookupd.log" >&2; die "alias-lookupd exited"; }
		i=$((i + 1))
		[ $i -le 100 ] || die "alias-lookupd: no socket after 10 s"
		sleep 0.1
	done
	expect_owner /var/lib/aliasctl/stats/aliases.lookupd.lmdb aliasctl:aliasctl 640
	[ "$(ps -o user= -p "$LPID")" = aliasctl ] || die "alias-lookupd is not running as aliasctl"
	daemon_stop "$LPID" "$T/lookupd.log" alias-lookupd 15
	LPID=

	# remove keeps configuration and state; purge removes them.  A
	# main.cf that still names alias-milter is warned about (and left
	# as it is: it is the admin's); the machine has none of its own.
	made_main_cf=
	if [ ! -e /etc/postfix/main.cf ] && [ -d /etc/postfix ]; then
		echo 'smtpd_milters = unix:/aliasctl/milter.sock' >/etc/postfix/main.cf
		made_main_cf=1
	fi
	apt-get remove -y -q aliasctl >"$T/dpkg.log" 2>&1 ||
	    { cat "$T/dpkg.log" >&2; die "apt-get remove failed"; }
	if [ -n "$made_main_cf" ]; then
		grep -q 'main.cf still uses aliasctl' "$T/dpkg.log" ||
		    { cat "$T/dpkg.log" >&2; die "remove did not warn about main.cf"; }
		grep -q 'unix:/aliasctl/milter.sock' /etc/postfix/main.cf ||
		    die "remove changed main.cf"
		rm -f /etc/postfix/main.cf
	fi
	[ ! -e /usr/sbin/aliasctl ] || die "remove left /usr/sbin/aliasctl"
	for f in /etc/aliasctl/aliases.yaml /var/lib/aliasctl/aliases.lmdb "$stats" \
	    /var/log/aliasctl/milter.log /etc/default/alias-milter; do
		[ -e "$f" ] || die "remove removed $f"
	done
	apt-get purge -y -q aliasctl >"$T/dpkg.log" 2>&1 ||
	    { cat "$T/dpkg.log" >&2; die "apt-get purge failed"; }
	getent passwd aliasctl >/dev/null || die "purge removed the user aliasctl"
	pkg_state >"$T/state.after"
	expect_same "$T/state.before" "$T/state.after"
}

# The namespaces of test_package_systemd: the cgroup they run in
# (SD_CG), unshare(1)'s PID (SD_UNSHARE) and their systemd's (SD_PID),
# both as this machine sees them.
SD_CG=
SD_UNSHARE=
SD_PID=

# sd CMD...: runs CMD in the namespaces and their root, at most 120 s
# (apt-get, systemctl start and stop); sdq CMD...: the same for a
# query (systemctl show, journalctl, ...), at most 5 s.  No loop below
# calls sd, and each runs to a deadline by the clock: a wedged systemd
# ends the test at the next call, within 120 s for an action and 5 s
# for a query, or 5 s after a loop's deadline.
sd() {
	timeout 120 nsenter -t "$SD_PID" -m -u -i -n -p -C -r -w -- "$@"
}

sdq() {
	timeout 5 nsenter -t "$SD_PID" -m -u -i -n -p -C -r -w -- "$@"
}

# sd_poll SECONDS CMD...: runs CMD every 0.1 s until it succeeds, until
# SECONDS have passed by the clock (and the CMD then running has ended);
# fails when it never did.
sd_poll() {
	sp_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$sp_end" ] || return 1
		sleep 0.1
	done
}

# sd_end: kills every process of the namespaces (their systemd and all
# it started, then unshare) and removes their cgroup; the mounts and
# the overlay's tmpfs go with the last process.
sd_end() {
	[ -n "$SD_CG" ] || return 0
	# cgroup.kill: Linux 5.14 and later.
	echo 1 >"$SD_CG/cgroup.kill" 2>/dev/null ||
	    find "$SD_CG" -name cgroup.procs -exec cat {} + |
	    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
	[ -z "$SD_UNSHARE" ] || wait "$SD_UNSHARE" 2>/dev/null || true
	sd_poll 5 find "$SD_CG" -depth -type d -exec rmdir {} + 2>/dev/null ||
	    die "cgroup $SD_CG still busy 5 s after SIGKILL"
	SD_CG=
}

sd_cleanup() {
	(sd_end) || true
	cd /
	rm -rf "$T"
}

# sd_boot: starts systemd as PID 1 of its own namespaces
# (tests/package/ns-init), in a cgroup of its own below ours, and waits
# at most 40 s until it runs (10 s for systemd to start, 30 s for it to
# boot, a query at most 5 s more); sets SD_CG, SD_UNSHARE and SD_PID.
# Skips where that cannot be done.
sd_boot() {
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[ -n "$cg2" ] || skip "needs a cgroup2 file system for systemd"
	cg="$cg2$(sed -n 's/^0:://p' /proc/self/cgroup)"
	mkdir "${cg%/}/aliasctl-test.$$" 2>"$T/err" ||
	    skip "cannot make a cgroup for systemd: $(cat "$T/err")"
	SD_CG=${cg%/}/aliasctl-test.$$
	trap sd_cleanup EXIT
	trap 'exit 1' HUP INT TERM
	mkdir "$T/lower" "$T/ov" "$T/root"
	# shellcheck disable=SC2016
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec unshare --pid --fork \
	    --mount --uts --ipc --net --cgroup --propagation private sh "$@"' \
	    sh "$SD_CG" "$TOP/tests/package/ns-init" "$T" "$PKG_DEB" \
	    >"$T/ns.log" 2>&1 &
	SD_UNSHARE=$!
	sd_poll 10 sd_started ||
	    skip "no systemd in the namespaces after 10 s"
	state=
	sd_poll 30 sd_booted ||
	    skip "systemd in the namespaces: ${state:-no answer} after 30 s"
	[ "$state" = running ] ||
	    note "systemd: $state: $(sdq systemctl --failed --plain --no-legend | cut -d' ' -f1)"
}

# sd_started: unshare's child, $SD_PID, is systemd; skips when unshare
# has exited.
sd_started() {
	alive "$SD_UNSHARE" || {
		sed 's/^/  ns-init: /' "$T/ns.log" >&2
		skip "cannot start systemd in namespaces here (see above)"
	}
	SD_PID=$(ps -o pid= --ppid "$SD_UNSHARE" | tr -d ' ')
	[ -n "$SD_PID" ] &&
	    [ "$(cat "/proc/$SD_PID/comm" 2>/dev/null)" = systemd ]
}

# sd_booted: systemd has booted ($state running or degraded); skips
# when it has exited.
sd_booted() {
	alive "$SD_PID" || {
		sed 's/^/  console: /' "$T/console" "$T/ns.log" >&2
		skip "systemd exited in the namespaces (see above)"
	}
	state=$(sdq systemctl is-system-running 2>&1) ||
	    [ "$state" = degraded ]
}

# sd_journal UNIT MATCH TEXT: waits at most 10 s (and the last query,
# at most 5 s) for the line TEXT in UNIT's journal, in entries that
# match MATCH (SYSLOG_FACILITY=2: the daemon's own lines with
# SyslogFacility=mail; _PID=1: systemd's).
# The entries are left in $T/journal.
sd_journal() {
	sd_poll 10 sd_journal_has "$@" || {
		sdq journalctl -q -u "$1" -n 30 | sed 's/^/  journal: /' >&2
		die "$1: no line \"$3\" ($2) in the journal after 10 s"
	}
}

sd_journal_has() {
	sdq journalctl -q -u "$1" "$2" -o cat >"$T/journal" 2>&1 &&
	    grep -qxF -- "$3" "$T/journal"
}

# sd_done UNIT LINE: systemd logged LINE about UNIT (within 10 s) and
# no failure of it.  A unit that has ended is soon unloaded, and with
# it what systemctl show knew: the journal keeps it.
sd_done() {
	sd_journal "$1" _PID=1 "$2"
	! grep -q 'Failed with result' "$T/journal" ||
	    die "$1 failed: $(cat "$T/journal")"
}

# sd_show UNIT PROPERTY=VALUE...: systemctl show says so.
sd_show() {
	u=$1
	shift
	for pv in "$@"; do
		got=$(sdq systemctl show -P "${pv%%=*}" "$u")
		[ "$got" = "${pv#*=}" ] || {
			sdq systemctl status --no-pager -n 20 "$u" | sed 's/^/  | /' >&2
			die "$u: ${pv%%=*} is $got, expected ${pv#*=}"
		}
	done
}

# sd_daemon UNIT: the unit's daemon runs, not restarted, as aliasctl.
sd_daemon() {
	sd_show "$1" ActiveState=active SubState=running NRestarts=0
	pid=$(sdq systemctl show -P MainPID "$1")
	[ "$(sdq ps -o user= -p "$pid")" = aliasctl ] ||
	    die "$1: MainPID $pid does not run as aliasctl"
}

# test_package_systemd: the package's units under a real systemd, PID 1
# of its own namespaces on a throwaway copy of this machine's root
# (tests/package/ns-init): the package installed there with apt-get,
# then each unit started with all its hardening (ProtectSystem=,
# ReadWritePaths=, the capability bounding set, the system call filter,
# ...).  Nothing of the machine changes; no service of it starts.
test_package_systemd() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to start systemd in namespaces"
	[ -x /lib/systemd/systemd ] || skip "needs systemd (/lib/systemd/systemd)"
	grep -qw overlay /proc/filesystems || skip "needs overlayfs"
	command -v nsenter >/dev/null || skip "needs nsenter (util-linux)"
	command -v miltertest >/dev/null || skip "needs miltertest"
	getent group postfix >/dev/null || skip "needs Postfix's group postfix"
	# The overlay has / alone (mount --bind is not recursive).
	for d in /etc /usr /var; do
		[ "$(findmnt -n -o TARGET -T "$d")" = / ] ||
		    skip "$d is a file system of its own: not in the overlay of /"
	done
	pkg_deb
	sd_boot
	sd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends /root/aliasctl.deb >"$T/apt.log" 2>&1 || {
		cat "$T/apt.log" >&2
		die "apt-get install of the package under systemd failed"
	}
	sd_show aliasctl-compile.timer UnitFileState=enabled
	sd systemctl start aliasctl-compile.timer || die "timer: start failed"
	sd_show aliasctl-compile.timer ActiveState=active
	# In systemd's time zone (/etc/localtime), not in $TZ.
	next=$(sdq env -u TZ systemctl show -P NextElapseUSecRealtime \
	    aliasctl-compile.timer)
	case $next in
	*" 00:0"[5-9]:*|*" 00:10:00"*) ;;
	*) die "aliasctl-compile.timer: next run at \"$next\", not 00:05-00:10" ;;
	esac
	sd_show alias-milter.service UnitFileState=disabled ActiveState=inactive

	# The timer's service: skipped until the admin's first compile, then
	# a compile.
	sd systemctl start aliasctl-compile.service || die "compile: start failed"
	sd_journal aliasctl-compile.service _PID=1 \
	    'aliasctl-compile.service - Recompile the aliasctl map was skipped because of an unmet condition check (ConditionPathExists=/var/lib/aliasctl/aliases.lmdb).'
	sdq test ! -e /var/lib/aliasctl/aliases.lmdb || die "compiled without a map"
	expect_exit 0 sd aliasctl compile
	sd systemctl start aliasctl-compile.service || {
		sdq systemctl status --no-pager -n 20 aliasctl-compile.service >&2
		die "aliasctl-compile.service failed"
	}
	sd_done aliasctl-compile.service \
	    'Finished aliasctl-compile.service - Recompile the aliasctl map.'
	sd_journal aliasctl-compile.service SYSLOG_FACILITY=2 \
	    '/var/lib/aliasctl/aliases.lmdb: 4 entries (1 domain, 1 active, 0 revoked, 0 expired)'

	# The daemons, as "systemctl enable --now" would start them.
	sd systemctl start alias-milter.service alias-lookupd.service ||
	    die "systemctl start of the daemons failed"
	sd_journal alias-milter.service SYSLOG_FACILITY=2 \
	    'alias-milter: starting: map /var/lib/aliasctl/aliases, stats /var/lib/aliasctl/stats/aliases.milter.lmdb, socket unix:/var/spool/postfix/aliasctl/milter.sock, as user aliasctl'
	sd_journal alias-lookupd.service SYSLOG_FACILITY=2 \
	    'alias-lookupd: starting: map /var/lib/aliasctl/aliases, stats /var/lib/aliasctl/stats/aliases.lookupd.lmdb, socketmap inet:127.0.0.1:10027, at most 4096 connections, as user aliasctl'
	sd_daemon alias-milter.service
	sd_daemon alias-lookupd.service
	# RCPTs to the milter's socket in the namespaces' root.
	# shellcheck disable=SC2034
	MSOCK=unix:/proc/$SD_PID/root/var/spool/postfix/aliasctl/milter.sock
	. "$TOP/tests/milter.sh"
	: >"$T/hook"
	: >"$T/milter.log"
	chmod +x "$T/hook"
	mt_run package.lua
	# A socketmap query to alias-lookupd (postmap with an empty main.cf).
	expect_exit 0 sd sh -c 'mkdir -p /run/pf && : >/run/pf/main.cf &&
	    MAIL_CONFIG=/run/pf postmap -q irs@example.com \
	    socketmap:inet:127.0.0.1:10027:aliases'
	expect_in "$T/out" me@example.net
	sd_daemon alias-milter.service
	sd_daemon alias-lookupd.service

	# Stopped: each ends its own way at SIGTERM, and systemd sees no
	# failure.
	sd systemctl stop alias-milter.service alias-lookupd.service ||
	    die "systemctl stop of the daemons failed"
	for d in alias-milter alias-lookupd; do
		sd_show "$d.service" ActiveState=inactive
		sd_journal "$d.service" SYSLOG_FACILITY=2 "$d: stopped"
		sd_done "$d.service" "$d.service: Deactivated successfully."
	done
	sdq test ! -e /var/spool/postfix/aliasctl/milter.sock ||
	    die "alias-milter left its socket behind"
	# The journal stayed in memory (Storage=volatile), none of it in /var.
	sdq find /var/log/journal -type f >"$T/journal-files" 2>/dev/null || true
	[ ! -s "$T/journal-files" ] ||
	    die "journald wrote to /var/log/journal: $(cat "$T/journal-files")"
	sd_end
	alive "$SD_PID" && die "systemd still runs"
	alive "$SD_UNSHARE" && die "unshare still runs"
	note "systemd $(/lib/systemd/systemd --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'): compile, alias-milter, alias-lookupd ran under it"
}
