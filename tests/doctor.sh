# tests/doctor.sh: aliasctl setup postfix and aliasctl doctor against
# real Postfix configurations: postconf -c DIR on a main.cf and master.cf
# written here (no running Postfix needed), a real alias-milter for the
# milter negotiation, and, as root, a private Postfix on 127.0.0.1 that
# setup postfix --apply configures and that then delivers a message to a
# mailbox file.  Every wait is bounded.

. "$TOP/tests/postfix-lib.sh"

# dr_init: the alias file $M/a.yaml (map $M/map, compiled), and $C, a
# Postfix configuration directory.  The mail name is ours, not the
# host's /etc/mailname.
dr_init() {
	chmod 755 "$T"
	M=$T/m
	C=$T/pf
	Q=$T/q
	mkdir -p "$M" "$C" "$Q/aliasctl"
	ALIASCTL_MAILNAME=$T/mailname
	export ALIASCTL_MAILNAME
	MPID=
	trap 'dr_cleanup; cd /; rm -rf "$T"' EXIT
	cat >"$M/a.yaml" <<YAML
map: $M/map
domains:
  example.com:
    deliver_to: me@mbox.test
    subaddress: "+"
aliases:
  irs@example.com:
    note: accountant
YAML
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" compile
}

dr_cleanup() {
	kill_alive "${MPID:-}" "${LPID:-}"
	postfix_stop
}

# dr_conf CHROOT [MAIN.CF LINES...]: writes $C/main.cf (a right
# configuration for the milter front end, then the lines given, which
# postconf takes over earlier ones) and $C/master.cf with smtpd chrooted
# (y) or not (n).
dr_conf() {
	chroot=$1
	shift
	if [ "$chroot" = y ]; then
		milter=unix:/aliasctl/milter.sock
	else
		milter=unix:$Q/aliasctl/milter.sock
	fi
	cat >"$C/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $Q
myhostname = mx.test.invalid
mydomain = test.invalid
mydestination = localhost
relay_domains =
virtual_mailbox_domains = mbox.test
virtual_alias_maps = lmdb:$M/map
recipient_delimiter = +
smtpd_milters = $milter
non_smtpd_milters =
milter_default_action = tempfail
milter_protocol = 6
EOF
	for line in "$@"; do
		printf '%s\n' "$line" >>"$C/main.cf"
	done
	dr_master "$chroot"
}

# dr_master CHROOT: $C/master.cf with smtpd chrooted (y) or not (n).
dr_master() {
	cat >"$C/master.cf" <<EOF
smtp      inet  n       -       $1       -       -       smtpd
pickup    unix  n       -       $1       60      1       pickup
cleanup   unix  n       -       $1       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
EOF
}

# dr_milter SOCKETPATH: starts alias-milter -d on unix:SOCKETPATH.
dr_milter() {
	[ -x "$BUILD/alias-milter" ] ||
	    die "$BUILD/alias-milter is missing: make $BUILD/alias-milter"
	"$BUILD/alias-milter" -d -m "$M/map" -s "unix:$1" \
	    >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	wait_listen "$MPID" alias-milter "$T/milter.log" "$1"
}

# doctor CODE [ARGS...]: aliasctl doctor on $C, exits CODE.
doctor() {
	want=$1
	shift
	expect_exit "$want" "$ALIASCTL" -f "$M/a.yaml" doctor \
	    --postfix-config "$C" --milter-socket "unix:$Q/aliasctl/milter.sock" "$@"
}

# setup_pf [ARGS...]: aliasctl setup postfix on $C, exits 0.
setup_pf() {
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" setup postfix \
	    --postfix-config "$C" --milter-socket "unix:$Q/aliasctl/milter.sock" "$@"
}

test_doctor_setup_chroot_y_and_n() {
	dr_init
	# Debian's defaults, with another milter and a delimiter of its own.
	dr_conf y 'mydestination = $myhostname, example.com, localhost' \
	    'virtual_alias_maps =' 'recipient_delimiter = -' \
	    'smtpd_milters = inet:127.0.0.1:8891' \
	    'non_smtpd_milters = $smtpd_milters' 'milter_default_action = accept'
	setup_pf
	cat >want <<EOF
postconf -c '$C' -e 'virtual_alias_maps = lmdb:$M/map'
postconf -c '$C' -e 'recipient_delimiter = -+'
postconf -c '$C' -e 'smtpd_milters = inet:127.0.0.1:8891, unix:/aliasctl/milter.sock'
postconf -c '$C' -e 'non_smtpd_milters = inet:127.0.0.1:8891'
postconf -c '$C' -e 'milter_default_action = tempfail'
postconf -c '$C' -e 'mydestination = \$myhostname, localhost'
EOF
	grep '^postconf' "$T/out" >got
	expect_same want got
	expect_in "$T/out" "# smtpd_milters: smtpd runs chrooted"
	expect_in "$T/out" "# already set: milter_protocol = 6"
	# The same with smtpd not chrooted: the socket's full path.
	dr_master n
	setup_pf
	expect_in "$T/out" "'smtpd_milters = inet:127.0.0.1:8891, unix:$Q/aliasctl/milter.sock'"
	# A TCP socket, spelt as alias-milter -s takes it, as Postfix does.
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" setup postfix \
	    --postfix-config "$C" --milter-socket inet:9999@127.0.0.1
	expect_in "$T/out" "'smtpd_milters = inet:127.0.0.1:8891, inet:127.0.0.1:9999'"
	expect_exit 64 "$ALIASCTL" -f "$M/a.yaml" setup postfix \
	    --postfix-config "$C" --milter-socket tcp:9999
	# Chrooted, a socket outside queue_directory cannot be reached.
	dr_master y
	expect_exit 78 "$ALIASCTL" -f "$M/a.yaml" setup postfix \
	    --postfix-config "$C" --milter-socket unix:/run/aliasctl/m.sock
	expect_in "$T/err" "smtpd runs chrooted to $Q"
	# The lookup daemon: its socketmap, no milter, no delimiter.
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" setup postfix --lookupd \
	    --postfix-config "$C"
	cat >want <<EOF
postconf -c '$C' -e 'virtual_alias_maps = socketmap:inet:127.0.0.1:10027:aliases'
postconf -c '$C' -e 'mydestination = \$myhostname, localhost'
EOF
	grep '^postconf' "$T/out" >got
	expect_same want got
	# Usage errors.
	expect_exit 64 "$ALIASCTL" -f "$M/a.yaml" setup
	expect_exit 64 "$ALIASCTL" -f "$M/a.yaml" setup postfix --milter --lookupd
	expect_exit 64 "$ALIASCTL" -f "$M/a.yaml" setup sendmail
}

test_doctor_setup_apply_backup_and_again() {
	dr_init
	# Debian's installer: the host name is the mail name.
	echo example.com >"$ALIASCTL_MAILNAME"
	dr_conf y 'myhostname = example.com' 'myorigin = $mydomain' \
	    'mydestination = $myhostname, localhost.$mydomain, localhost' \
	    'smtpd_milters = inet:127.0.0.1:8891' \
	    'non_smtpd_milters = $smtpd_milters'
	cp "$C/main.cf" old.cf
	setup_pf --apply
	expect_in "$T/out" "backup: $C/main.cf.aliasctl-"
	expect_in "$T/out" "changed: smtpd_milters = inet:127.0.0.1:8891, unix:/aliasctl/milter.sock (was: inet:127.0.0.1:8891)"
	expect_in "$T/out" "changed: non_smtpd_milters = inet:127.0.0.1:8891 (was: \$smtpd_milters)"
	expect_in "$T/out" "changed: mydestination = localhost.\$mydomain, localhost (was: \$myhostname, localhost.\$mydomain, localhost)"
	expect_in "$T/out" "Postfix is not running"
	backup=$(sed -n 's/^backup: //p' "$T/out")
	expect_same old.cf "$backup"
	[ "$(postconf -c "$C" -h mydestination)" = 'localhost.$mydomain, localhost' ] ||
	    die "mydestination: $(postconf -c "$C" -h mydestination)"
	# Again: nothing to change, no second milter, no backup.
	setup_pf --apply
	expect_in "$T/out" "nothing to change"
	[ "$(ls "$C" | grep -c 'main.cf.aliasctl-')" -eq 1 ] || die "a second backup"
	# A postconf that fails half-way: main.cf is put back as it was.
	cp old.cf "$C/main.cf"
	mkdir bin
	cat >bin/postconf <<'EOF'
#!/bin/sh
for a in "$@"; do
	if [ "$a" = -e ]; then
		echo garbage >>"$FAKE_MAIN_CF"
		echo "postconf: fatal: simulated failure" >&2
		exit 1
	fi
done
exec /usr/sbin/postconf "$@"
EOF
	chmod +x bin/postconf
	expect_exit 74 env FAKE_MAIN_CF="$C/main.cf" PATH="$T/bin:$PATH" \
	    "$ALIASCTL" -f "$M/a.yaml" setup postfix --apply --postfix-config "$C" \
	    --milter-socket "unix:$Q/aliasctl/milter.sock"
	expect_in "$T/err" "simulated failure"
	expect_in "$T/err" "restored from"
	expect_same old.cf "$C/main.cf"
}

test_doctor_all_ok_chroot() {
	command -v jq >/dev/null || die "jq is missing: run tools/deps test"
	dr_init
	dr_conf y
	# alias-milter where a chrooted smtpd finds unix:/aliasctl/milter.sock.
	dr_milter "$Q/aliasctl/milter.sock"
	doctor 0
	for c in virtual_alias_maps domains myorigin catch_all recipient_delimiter \
	    milter milter_default_action map_age daily_compile stats srs; do
		grep -q "^ok    $c: " "$T/out" || {
			sed 's/^/  | /' "$T/out" >&2
			die "check $c is not ok"
		}
	done
	[ "$(wc -l <"$T/out")" -eq 11 ] || die "not one line per check: $(cat "$T/out")"
	expect_in "$T/out" "ok    milter: alias-milter answers on unix:/aliasctl/milter.sock (unix:$Q/aliasctl/milter.sock)"
	expect_in "$T/out" "ok    stats: $M/stats/map.milter.lmdb written by alias-milter (pid $MPID)"
	doctor 0 --json
	jq -e '.checks | length == 11 and all(.status == "ok" and .fix == null)' \
	    "$T/out" >/dev/null || die "doctor --json: $(cat "$T/out")"
	pid=$MPID
	milter_stop
	# Stopped a moment ago: its heartbeat is recent, its pid gone.
	doctor 78
	expect_in "$T/out" "warn  stats: $M/stats/map.milter.lmdb: alias-milter (pid $pid) is no longer running; last write at "
	# The milter is gone: nothing answers, every mail would wait.
	rm -f "$M/stats/map.milter.lmdb" "$M/stats/map.milter.lmdb-lock"
	doctor 78
	expect_in "$T/out" "warn  stats: $M/stats/map.milter.lmdb: no stats file: is alias-milter running?"
	expect_in "$T/out" "fail  milter: smtpd_milters names unix:/aliasctl/milter.sock, but nothing answers a milter negotiation on unix:$Q/aliasctl/milter.sock, in smtpd's chroot"
	expect_in "$T/out" "      systemctl start alias-milter"
	doctor 78 --json
	jq -e '.checks[] | select(.check == "milter") | .status == "fail" and (.fix | test("alias-milter"))' \
	    "$T/out" >/dev/null || die "doctor --json: $(cat "$T/out")"
}

test_doctor_domains_and_mailname() {
	dr_init
	dr_conf n 'mydestination = example.com, localhost' 'relay_domains = $mydestination'
	doctor 78
	expect_in "$T/out" "fail  domains: example.com is in mydestination: Postfix delivers it to mailboxes here"
	expect_in "$T/out" "example.com is in relay_domains through mydestination"
	expect_in "$T/out" "      postconf -c '$C' -e 'mydestination = localhost'"
	# Debian's installer: the mail name as the host name, in
	# mydestination as $myhostname.
	echo example.com >"$ALIASCTL_MAILNAME"
	dr_conf n 'myhostname = example.com' 'mydestination = $myhostname, localhost'
	doctor 78
	expect_in "$T/out" "fail  domains: example.com is in mydestination (Debian's installer put /etc/mailname there): every system user name (root@, nobody@, www-data@) is accepted and unknown names get 'User unknown in local recipient table'"
	expect_in "$T/out" "      postconf -c '$C' -e 'mydestination = localhost'"
	# In a file that mydestination names: only the admin edits it.
	printf '# local domains\nlocalhost, example.com\n' >"$C/domains"
	dr_conf n "mydestination = $C/domains"
	doctor 78
	expect_in "$T/out" "fail  domains: a table or file named in mydestination lists a managed domain"
	expect_exit 78 "$ALIASCTL" -f "$M/a.yaml" setup postfix --postfix-config "$C" \
	    --milter-socket "unix:$Q/aliasctl/milter.sock"
	expect_in "$T/err" "mydestination names the file $C/domains, which lists example.com: remove it there"
	dr_conf n 'virtual_mailbox_domains = mbox.test, example.com'
	doctor 78
	expect_in "$T/out" "fail  domains: example.com is in virtual_mailbox_domains"
	expect_in "$T/out" "'virtual_mailbox_domains = mbox.test'"
}

test_doctor_catch_all_in_another_table() {
	dr_init
	dr_conf n "virtual_alias_maps = lmdb:$M/map, hash:$C/virtual"
	printf '@example.com\tcatchall@mbox.test\n' >"$C/virtual"
	postmap -c "$C" "hash:$C/virtual"
	doctor 78
	expect_in "$T/out" "fail  catch_all: the catch-all is still there: hash:$C/virtual answers @example.com"
	expect_in "$T/out" "      remove @example.com from hash:$C/virtual, then run postmap on it"
	# Without the catch-all, the other table is fine.
	printf 'other@elsewhere.test\tx@mbox.test\n' >"$C/virtual"
	postmap -c "$C" "hash:$C/virtual"
	doctor 78
	expect_in "$T/out" "ok    catch_all:"
}

test_doctor_wrong_settings() {
	dr_init
	# The map not in virtual_alias_maps.
	dr_conf n 'virtual_alias_maps = hash:/nonexistent/virtual'
	doctor 78
	expect_in "$T/out" "fail  virtual_alias_maps: names neither lmdb:$M/map nor alias-lookupd's table"
	# No recipient_delimiter for subaddress: "+".
	dr_conf n 'recipient_delimiter ='
	doctor 78
	expect_in "$T/out" "fail  recipient_delimiter: '' does not cover"
	expect_in "$T/out" "      postconf -c '$C' -e 'recipient_delimiter = +'"
	# milter_default_action: accept fails, reject warns.
	dr_conf n 'milter_default_action = accept'
	doctor 78
	expect_in "$T/out" "fail  milter_default_action: accept: a dead alias-milter would let everything in"
	expect_in "$T/out" "      postconf -c '$C' -e 'milter_default_action = tempfail'"
	dr_conf n 'milter_default_action = reject'
	doctor 78
	expect_in "$T/out" "warn  milter_default_action: reject"
	# No alias-milter in smtpd_milters: a warning with the fix.
	dr_conf n 'smtpd_milters ='
	doctor 0
	expect_in "$T/out" "warn  milter: smtpd_milters names no alias-milter"
	expect_in "$T/out" "ok    milter_default_action: not used"
	expect_in "$T/out" "warn  stats: no daemon configured: nothing counts hits"
	# alias-lookupd's policy service instead: no warning.
	dr_conf n 'smtpd_milters =' 'smtpd_recipient_restrictions =
    reject_unauth_destination,
    check_policy_service { unix:aliasctl/policy.sock, default_action=DEFER }'
	doctor 0
	expect_in "$T/out" "ok    milter: not used: alias-lookupd's policy service decides (check_policy_service)"
	# The file edited after the compile.
	dr_conf n
	touch -d '+1 minute' "$M/a.yaml"
	doctor 78
	expect_in "$T/out" "fail  map_age: $M/map.lmdb is older than $M/a.yaml: edited but not compiled: run aliasctl compile"
	# Edits that change no key of the map publish the policy file
	# alone: the map's last edit is the policy file's time.
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" compile
	expect_exit 0 "$ALIASCTL" -v -f "$M/a.yaml" lock irs@example.com --sender bank.example
	expect_in "$T/err" "changing the keys of irs@example.com only"
	expect_exit 0 "$ALIASCTL" -v -f "$M/a.yaml" unlock irs@example.com
	expect_in "$T/err" "changing the keys of irs@example.com only"
	doctor 78
	expect_in "$T/out" "ok    map_age: $M/map.lmdb is not older than $M/a.yaml"
	# expires: with a map compiled yesterday, and alias-milter in use.
	cat >>"$M/a.yaml" <<'YAML'
  shop@example.com:
    expires: 2099-01-01
YAML
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" compile
	doctor 78
	expect_in "$T/out" "ok    daily_compile: 1 alias uses expires:; the map was compiled today"
	touch -d '-1 day' "$M/map.lmdb" "$M/a.yaml"
	doctor 78
	expect_in "$T/out" "warn  daily_compile: 1 alias uses expires:, but the map was last compiled on"
	expect_in "$T/out" "/etc/cron.d/aliasctl"
	# Forwarding to another provider without SRS: a warning.
	sed -i 's/me@mbox.test/me@gmail.test/' "$M/a.yaml"
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" compile
	doctor 78
	expect_in "$T/out" "warn  srs: aliases forward to gmail.test: without SRS the forwarded mail fails SPF there"
	expect_in "$T/out" "      apt-get install postsrsd"
	expect_in "$T/out" "      postconf -c '$C' -e 'sender_canonical_maps = tcp:127.0.0.1:10001'"
	expect_in "$T/out" "      postconf -c '$C' -e 'recipient_canonical_classes = envelope_recipient,header_recipient'"
	dr_conf n 'sender_canonical_maps = tcp:localhost:10001'
	doctor 78
	expect_in "$T/out" "ok    srs: mail forwarded to gmail.test is rewritten with SRS"
	# A missing alias file, a bad one, a bad option.
	expect_exit 66 "$ALIASCTL" -f "$T/none.yaml" doctor --postfix-config "$C"
	echo 'domains: [' >"$T/bad.yaml"
	expect_exit 65 "$ALIASCTL" -f "$T/bad.yaml" doctor --postfix-config "$C"
	expect_exit 64 "$ALIASCTL" -f "$M/a.yaml" doctor --frobnicate
}

# A private Postfix (SPEC.md, "Testing against the real tools") with a
# mailbox domain mbox.test delivered by virtual(8) to files under $T/mail,
# example.com in mydestination as Debian's installer leaves it, and no
# alias map yet.  setup postfix --apply makes it use the map and the
# milter; a message then reaches the mailbox.
test_doctor_setup_apply_real_delivery() {
	postfix_need
	dr_init
	mkdir -p "$P/etc" "$T/mail"
	chown 65534:65534 "$T/mail"
	printf 'me@mbox.test\tme/\n' >"$P/etc/vmailbox"
	postfix_start "myhostname = mx.test.invalid
mydestination = example.com, localhost
virtual_alias_maps =
virtual_mailbox_domains = mbox.test
virtual_mailbox_maps = texthash:$P/etc/vmailbox
virtual_mailbox_base = $T/mail
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
maillog_file_prefixes = $T"
	# alias-milter as postfix, where smtpd (not chrooted) connects.
	"$BUILD/alias-milter" -d -u postfix -m "$M/map" -s "unix:$M/milter.sock" \
	    >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	wait_listen "$MPID" alias-milter "$T/milter.log" "$M/milter.sock"

	cp "$P/etc/main.cf" old.cf
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" setup postfix --apply \
	    --postfix-config "$P/etc" --milter-socket "unix:$M/milter.sock"
	cp "$T/out" setup.out
	expect_in setup.out "changed: virtual_alias_maps = lmdb:$M/map (was: empty)"
	expect_in setup.out "changed: smtpd_milters = unix:$M/milter.sock (was: empty)"
	expect_in setup.out "changed: recipient_delimiter = + (was: empty)"
	expect_in setup.out "changed: mydestination = localhost (was: example.com, localhost)"
	expect_in setup.out "Postfix is running and alias-milter answers on unix:$M/milter.sock: run 'postfix -c $P/etc reload' now"
	backup=$(sed -n 's/^backup: //p' setup.out)
	[ -n "$backup" ] || die "no backup named: $(cat setup.out)"
	expect_same old.cf "$backup"
	timeout 60 postfix -c "$P/etc" reload >/dev/null 2>&1 || die "postfix reload failed"

	# An unknown address is refused at RCPT; the reload may take a
	# moment to reach new smtpd processes.
	i=0
	while :; do
		reply=$(swaks_rcpt "$PORT" nobody@example.com)
		case $reply in "550 5.1.1 "*) break ;; esac
		i=$((i + 1))
		[ $i -le 50 ] || die "nobody@example.com: expected 550 5.1.1 at RCPT, got: $reply"
		sleep 0.2
	done
	# A listed alias (with a subaddress) reaches the owner's mailbox.
	swaks_send "$PORT" irs+2026@example.com \
	    --header "Subject: aliasctl setup test"
	wait_until 20 grep -rqs "Subject: aliasctl setup test" "$T/mail/me/new" || {
		tail -20 "$P/maillog" >&2
		die "no message in $T/mail/me/new after 20 s"
	}
	# recipient_delimiter: the +2026 goes along to the mailbox.
	grep -q "to=<me+2026@mbox.test>, orig_to=<irs+2026@example.com>, relay=virtual, .*status=sent" \
	    "$P/maillog" || die "not delivered by virtual(8): $(grep 'to=<' "$P/maillog")"
	# doctor agrees: everything is right, alias-milter answers.
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" doctor --postfix-config "$P/etc" \
	    --milter-socket "unix:$M/milter.sock"
	[ "$(grep -c '^ok ' "$T/out")" -eq 11 ] || die "doctor: $(cat "$T/out")"
	note "setup --apply: $(grep -c '^changed:' setup.out) settings changed, a message delivered to $(ls "$T/mail/me/new" | head -1 | cut -c1-10)..."
	milter_stop
	# With alias-milter stopped, setup says to start it before the reload.
	postconf -c "$P/etc" -e 'milter_protocol = 2'
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" setup postfix --apply \
	    --postfix-config "$P/etc" --milter-socket "unix:$M/milter.sock"
	expect_in "$T/out" "changed: milter_protocol = 6 (was: 2)"
	expect_in "$T/out" "Postfix is running, but alias-milter does not answer on unix:$M/milter.sock ("
	expect_in "$T/out" "): start it, then run 'postfix -c $P/etc reload'"
}

# The lookup daemon as the front end: a real alias-lookupd answering
# Postfix's socketmap; stopped, doctor says so.
test_doctor_lookupd_front_end() {
	dr_init
	[ -x "$BUILD/alias-lookupd" ] ||
	    die "$BUILD/alias-lookupd is missing: make $BUILD/alias-lookupd"
	port=$(free_port)
	"$BUILD/alias-lookupd" -d -m "$M/map" -s "inet:127.0.0.1:$port" \
	    >"$T/lookupd.out" 2>"$T/lookupd.log" &
	LPID=$!
	wait_listen "$LPID" alias-lookupd "$T/lookupd.log" "$port"
	dr_conf n "virtual_alias_maps = socketmap:inet:127.0.0.1:$port:aliases" \
	    'smtpd_milters =' 'recipient_delimiter ='
	doctor 0
	expect_in "$T/out" "ok    virtual_alias_maps: socketmap:inet:127.0.0.1:$port:aliases answers for the map (alias-lookupd)"
	expect_in "$T/out" "ok    recipient_delimiter: not needed: alias-lookupd splits subaddresses itself"
	expect_in "$T/out" "ok    milter: not used: alias-lookupd answers"
	expect_in "$T/out" "ok    stats: "
	daemon_stop "$LPID" "$T/lookupd.log" alias-lookupd 15
	doctor 78
	expect_in "$T/out" "fail  virtual_alias_maps: socketmap:inet:127.0.0.1:$port:aliases ("
	expect_in "$T/out" "is alias-lookupd running?"
}

# alias-milter on TCP: doctor finds it in smtpd_milters however it is
# spelt and negotiates with it.
test_doctor_milter_inet() {
	dr_init
	port=$(free_port)
	"$BUILD/alias-milter" -d -m "$M/map" -s "inet:$port@127.0.0.1" \
	    >"$T/milter.out" 2>"$T/milter.log" &
	MPID=$!
	wait_listen "$MPID" alias-milter "$T/milter.log" "$port"
	dr_conf n "smtpd_milters = { inet:127.0.0.1:$port, connect_timeout=10s }"
	expect_exit 0 "$ALIASCTL" -f "$M/a.yaml" doctor --postfix-config "$C" \
	    --milter-socket "inet:$port@127.0.0.1"
	expect_in "$T/out" "ok    milter: alias-milter answers on { inet:127.0.0.1:$port, connect_timeout=10s } (inet:127.0.0.1:$port)"
	milter_stop
}

# Debian 12's default relay_domains is one conditional expression, not
# a list of tables: setup and doctor decide on what Postfix expands it
# to, say nothing on stderr and run no postmap on its pieces.
test_doctor_relay_domains_expression() {
	dr_init
	debian='${{$compatibility_level} <level {2} ? {$mydestination} : {}}'
	for level in 3.6 2; do
		dr_conf n "compatibility_level = $level" \
		    "relay_domains = $debian" 'mydestination = example.com, localhost'
		setup_pf
		[ ! -s "$T/err" ] || die "setup, level $level, said: $(cat "$T/err")"
		grep -q relay_domains "$T/out" && die "relay_domains changed: $(cat "$T/out")"
		expect_in "$T/out" "'mydestination = localhost'"
		doctor 78
		[ ! -s "$T/err" ] || die "doctor, level $level, said: $(cat "$T/err")"
	done
	# Below level 2 it is $mydestination: its other elements stay.
	dr_conf n 'compatibility_level = 1' "relay_domains = $debian" \
	    'mydestination = example.com, localhost'
	setup_pf
	expect_in "$T/out" "# relay_domains: removed $debian (= example.com, localhost)"
	expect_in "$T/out" "'relay_domains = localhost'"
	# Other expressions are one element too, and kept when they name
	# no managed domain.
	dr_conf n 'relay_domains = ${mydomain?relay.test}, ${nothing:other.test}'
	setup_pf
	[ ! -s "$T/err" ] || die "setup said: $(cat "$T/err")"
	grep -q relay_domains "$T/out" && die "relay_domains changed: $(cat "$T/out")"
	dr_conf n 'relay_domains = ${mydomain?example.com}, relay.test'
	setup_pf
	expect_in "$T/out" "'relay_domains = relay.test'"
}

# Debian's myorigin = /etc/mailname, the mail name a managed domain:
# after setup, local mail (root, cron) would go to @example.com, which
# only the map answers, and bounce.  setup sets myorigin = $myhostname,
# doctor fails until then; a myhostname in the managed domain itself
# stops setup.
test_doctor_myorigin() {
	dr_init
	echo example.com >"$T/mailname"
	dr_conf n "myorigin = $T/mailname"
	doctor 78
	expect_in "$T/out" "fail  myorigin: myorigin = $T/mailname names example.com, a managed domain: local mail (root, cron, apt) is addressed to @example.com"
	expect_in "$T/out" "      postconf -c '$C' -e 'myorigin = \$myhostname'"
	setup_pf
	expect_in "$T/out" "# myorigin: it is example.com, a managed domain: local mail (root, cron, apt) would otherwise be addressed to the alias-only domain and bounce"
	expect_in "$T/out" "postconf -c '$C' -e 'myorigin = \$myhostname'"
	setup_pf --apply
	expect_in "$T/out" "changed: myorigin = \$myhostname (was: $T/mailname)"
	doctor 78	# no alias-milter runs here
	expect_in "$T/out" "ok    myorigin: local mail is addressed to @mx.test.invalid, not a managed domain"
	# Spelt directly, in another case, with a trailing dot.
	dr_conf n 'myorigin = Example.COM.'
	doctor 78
	expect_in "$T/out" "fail  myorigin: myorigin = Example.COM. names example.com"
	# myhostname is the managed domain: $myhostname would not help.
	dr_conf n "myorigin = $T/mailname" 'myhostname = example.com'
	expect_exit 78 "$ALIASCTL" -f "$M/a.yaml" setup postfix \
	    --postfix-config "$C" --milter-socket "unix:$Q/aliasctl/milter.sock"
	expect_in "$T/err" "myorigin is example.com and so is myhostname, a managed domain"
	doctor 78
	expect_in "$T/out" "      give myhostname this host's own name (such as mx.example.com), then:"
	# Another mail name: nothing to do.
	echo other.test >"$T/mailname"
	dr_conf n "myorigin = $T/mailname"
	setup_pf
	grep -q myorigin "$T/out" && die "myorigin changed: $(cat "$T/out")"
	doctor 78	# no alias-milter runs here
	expect_in "$T/out" "ok    myorigin: local mail is addressed to @other.test"
}
