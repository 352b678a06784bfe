# tests/dns.sh: aliasctl dns and doctor --dns against a real
# authoritative server: NSD started here on 127.0.0.1 with a private
# configuration (a free port above 1024, no chroot, no user change,
# zones, pid file, logs and xfrd state in $T), each zone checked with
# nsd-checkzone first; a zone per rule.  DKIM keys are real public keys
# made with openssl (tests/data/dkim/).  Every wait is bounded.

NSD=/usr/sbin/nsd
KEYS=$TOP/tests/data/dkim

# dns_port: a port free for UDP and TCP on 127.0.0.1.
dns_port() {
	for p in $(shuf -i 20000-32000 -n 50); do
		ss -Hltun "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	die "no free port"
}

# txt TEXT: TEXT as zone-file character-strings of at most 200 bytes.
txt() {
	printf '%s' "$1" | fold -b -w 200 | sed 's/.*/"&"/' | tr '\n' ' '
}

# zone NAME: a zone of that name from the records on stdin (owners
# relative to NAME), with its SOA and NS, added to $Z/zones.conf.
zone() {
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$1"
		printf '@ IN SOA ns hostmaster 1 3600 600 86400 300\n'
		printf '@ IN NS ns\nns IN A 127.0.0.1\n'
		cat
	} >"$Z/$1.zone"
	printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone"\n' "$1" "$1" \
	    >>"$Z/zones.conf"
}

# base NAME SPF: a domain with an MX, the SPF record SPF (none when
# empty) and DMARC p=reject; more records on stdin.
base() {
	{
		printf '@ IN MX 10 mail\nmail IN A 192.0.2.25\n'
		printf '_dmarc IN TXT "v=DMARC1; p=reject"\n'
		[ -z "$2" ] || printf '@ IN TXT %s\n' "$(txt "$2")"
		cat
	} | zone "$1"
}

# dmarc NAME [RECORD...]: a domain with an MX and SPF -all, and these
# TXT records at _dmarc.NAME.
dmarc() {
	n=$1
	shift
	{
		printf '@ IN MX 10 mail\n@ IN TXT "v=spf1 mx -all"\n'
		for r in "$@"; do
			printf '_dmarc IN TXT "%s"\n' "$r"
		done
	} | zone "$n"
}

dns_zones() {
	# SPF: the all mechanism.
	base minus.test "v=spf1 mx -all" </dev/null
	base soft.test "v=spf1 mx ip4:192.0.2.0/24 ~all" </dev/null
	base neutral.test "v=spf1 mx ?all" </dev/null
	base plus.test "v=spf1 mx +all" </dev/null
	base noall.test "v=spf1 mx" </dev/null
	base nospf.test "" </dev/null
	base two.test "v=spf1 mx -all" <<-EOF
	@ IN TXT "v=spf1 ip4:192.0.2.1 -all"
	@ IN TXT "google-site-verification=abc"
	EOF
	# 11 lookups through nested includes: 1 + 5 + 5.
	base lookups.test "v=spf1 include:i1.lookups.test -all" <<-EOF
	i1 IN TXT "v=spf1 a a a a include:i2.lookups.test -all"
	i1 IN A 192.0.2.1
	i2 IN TXT "v=spf1 a a a a a -all"
	i2 IN A 192.0.2.2
	EOF
	# 10 lookups: the most allowed.
	base ten.test "v=spf1 include:i1.ten.test -all" <<-EOF
	i1 IN TXT "v=spf1 a a a a include:i2.ten.test -all"
	i1 IN A 192.0.2.1
	i2 IN TXT "v=spf1 a a a a -all"
	i2 IN A 192.0.2.2
	EOF
	base void.test "v=spf1 a:nx1.void.test a:nx2.void.test mx:nx3.void.test -all" </dev/null
	base void2.test "v=spf1 a:nx1.void2.test a:nx2.void2.test -all" </dev/null
	base loop.test "v=spf1 include:a.loop.test -all" <<-EOF
	a IN TXT "v=spf1 include:b.loop.test -all"
	b IN TXT "v=spf1 include:loop.test -all"
	EOF
	base syntax.test "v=spf1 ipv4:192.0.2.1 -all" </dev/null
	base incnx.test "v=spf1 include:nx.incnx.test -all" </dev/null
	base incnospf.test "v=spf1 include:other.incnospf.test -all" <<-EOF
	other IN TXT "not an spf record"
	EOF
	# One record in two strings, split inside a mechanism's domain.
	base split.test "" <<-EOF
	@ IN TXT "v=spf1 ip4:192.0.2.0/24 include:_s" "pf.split.test -all"
	_spf IN TXT "v=spf1 ip4:198.51.100.0/24 -all"
	EOF
	base redirect.test "v=spf1 redirect=_spf.redirect.test" <<-EOF
	_spf IN TXT "v=spf1 mx -all"
	EOF
	base redirsoft.test "v=spf1 redirect=_spf.redirsoft.test" <<-EOF
	_spf IN TXT "v=spf1 mx ~all"
	EOF
	# An included record's redirect decides nothing for the domain.
	base incredir.test "v=spf1 include:a.incredir.test -all" <<-EOF
	a IN TXT "v=spf1 redirect=b.incredir.test"
	b IN TXT "v=spf1 ip4:192.0.2.1 ~all"
	EOF
	base macro.test "v=spf1 include:%{i}.x.macro.test exists:%{d}.macro.test -all" <<-EOF
	macro.test IN A 192.0.2.3
	EOF
	# DMARC.
	dmarc dq.test "v=DMARC1; p=quarantine"
	dmarc dnone.test "v=DMARC1; p=none; rua=mailto:d@dnone.test"
	dmarc dmissing.test
	dmarc dtwo.test "v=DMARC1; p=reject" "v=DMARC1; p=none"
	dmarc dsp.test "v=DMARC1; p=reject; sp=none"
	dmarc dpct.test "v=DMARC1; p=reject; pct=50"
	dmarc drua.test "v=DMARC1; p=reject; rua=mailto:agg@reports.test"
	dmarc druaok.test "v=DMARC1; p=reject; rua=mailto:agg@reports.test"
	zone reports.test <<-EOF
	druaok.test._report._dmarc IN TXT "v=DMARC1"
	EOF
	# The organisational domain: sub.example.co.uk has no _dmarc of its
	# own, example.co.uk has; co.uk (a public suffix) has a weak one
	# that only a resolver without the public suffix list would find.
	zone example.co.uk <<-EOF
	_dmarc IN TXT "v=DMARC1; p=reject"
	sub IN MX 10 mail.sub
	sub IN TXT "v=spf1 mx -all"
	mail.sub IN A 192.0.2.25
	EOF
	zone co.uk <<-EOF
	_dmarc IN TXT "v=DMARC1; p=none"
	EOF
	# DKIM.
	{
		for k in 512 1024 2048 4096; do
			printf 's%s._domainkey IN TXT %s\n' "$k" \
			    "$(txt "v=DKIM1; k=rsa; p=$(cat "$KEYS/rsa$k.pub")")"
		done
		printf 'ed._domainkey IN TXT %s\n' \
		    "$(txt "v=DKIM1; k=ed25519; p=$(cat "$KEYS/ed25519.pub")")"
		printf 'testing._domainkey IN TXT %s\n' \
		    "$(txt "v=DKIM1; t=y; p=$(cat "$KEYS/rsa2048.pub")")"
		printf 'revoked._domainkey IN TXT "v=DKIM1; p="\n'
		printf 'bad._domainkey IN TXT "v=DKIM1; p=@@@"\n'
	} | base dkim.test "v=spf1 mx -all"
	# MX.
	base nomx.test "v=spf1 ip4:192.0.2.1 -all" </dev/null
	sed -i '/IN MX/d' "$Z/nomx.test.zone"
	base nullmx.test "v=spf1 -all" </dev/null
	sed -i 's/IN MX 10 mail/IN MX 0 ./' "$Z/nullmx.test.zone"
	# TXT records of more than 1232 bytes in all: the reply is
	# truncated over UDP, and the SPF record among them read over TCP.
	{
		for i in 1 2 3 4 5 6 7; do
			printf '@ IN TXT "verification-%s=%s"\n' "$i" \
			    "$(printf '%0200d' "$i")"
		done
	} | base tcp.test "v=spf1 mx -all"
	# Every rule right.
	base good.test "v=spf1 mx -all" <<-EOF
	$(printf 'mail._domainkey IN TXT %s' \
	    "$(txt "v=DKIM1; k=rsa; p=$(cat "$KEYS/rsa2048.pub")")")
	EOF
}

# dns_start: writes the zones, checks each, starts NSD in the
# foreground (in the background) and waits until it answers.
dns_start() {
	Z=$T/nsd
	mkdir -p "$Z"
	: >"$Z/zones.conf"
	dns_zones
	for f in "$Z"/*.zone; do
		n=$(basename "$f" .zone)
		nsd-checkzone "$n" "$f" >"$Z/check.out" 2>&1 || {
			cat "$Z/check.out" >&2
			die "nsd-checkzone $n failed"
		}
	done
	PORT=$(dns_port)
	# ::1 too, when the loopback has it.
	V6=no
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128' && V6=yes
	cat >"$Z/nsd.conf" <<-EOF
	server:
		ip-address: 127.0.0.1
		$([ "$V6" = no ] || echo "ip-address: ::1")
		port: $PORT
		do-ip6: $V6
		chroot: ""
		username: ""
		zonesdir: "$Z"
		pidfile: "$Z/nsd.pid"
		database: ""
		logfile: "$Z/nsd.log"
		zonelistfile: "$Z/zone.list"
		xfrdfile: "$Z/xfrd.state"
		xfrdir: "$Z"
		server-count: 1
		verbosity: 1
	remote-control:
		control-enable: no
	EOF
	cat "$Z/zones.conf" >>"$Z/nsd.conf"
	nsd-checkconf "$Z/nsd.conf" || die "nsd-checkconf failed"
	NSDPID=
	trap 'dns_stop; cd /; rm -rf "$T"' EXIT
	NS=127.0.0.1:$PORT
	nsd_run 1
}

# nsd_run N: starts NSD and waits until its log says "nsd started" for
# the Nth time and it listens.
nsd_run() {
	"$NSD" -d -c "$Z/nsd.conf" >"$Z/nsd.out" 2>&1 &
	NSDPID=$!
	i=0
	until [ "$(cat "$Z/nsd.log" 2>/dev/null | grep -c 'nsd started')" -ge "$1" ] &&
	    ss -Hlun "sport = :$PORT" | grep -q .; do
		alive "$NSDPID" || {
			cat "$Z/nsd.log" "$Z/nsd.out" >&2
			die "nsd exited"
		}
		i=$((i + 1))
		[ $i -le 100 ] || die "nsd not started after 10 s"
		sleep 0.1
	done
}

dns_stop() {
	if [ -n "${NSDPID:-}" ] && alive "$NSDPID"; then
		kill -TERM "$NSDPID" 2>/dev/null || true
		i=0
		while alive "$NSDPID" && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$NSDPID" 2>/dev/null || true
	fi
	if [ -n "${SILENT:-}" ] && alive "$SILENT"; then
		kill -KILL "$SILENT" 2>/dev/null || true
	fi
	return 0
}

# dns CODE ARGS...: aliasctl dns against NSD, expecting exit CODE, its
# output in $T/out and, with --json appended, $T/json.
dns() {
	want=$1
	shift
	expect_exit "$want" timeout 60 "$ALIASCTL" dns --nameserver "$NS" \
	    --timeout 5 "$@"
}

# line DOMAIN CHECK STATUS [TEXT]: $T/out has the line of that check
# with that status (and TEXT in it).
line() {
	l=$(awk -v d="$1" -v c="$2" '$1 == d && $2 == c' "$T/out")
	[ -n "$l" ] || { cat "$T/out" >&2; die "no $2 line for $1"; }
	st=$(printf '%s\n' "$l" | awk '{ print $3 }')
	[ "$st" = "$3" ] || { cat "$T/out" >&2; die "$1 $2: $st, not $3"; }
	[ -z "${4:-}" ] || printf '%s\n' "$l" | grep -qF -- "$4" || {
		cat "$T/out" >&2
		die "$1 $2: no '$4'"
	}
}

# publish TEXT: a publish: line contains TEXT.
publish() {
	grep '^    publish: ' "$T/out" | grep -qF -- "$1" || {
		cat "$T/out" >&2
		die "no publish line with '$1'"
	}
}

test_dns_spf_all() {
	dns_start
	dns 0 minus.test
	line minus.test spf ok "ends in -all"
	line minus.test dmarc ok
	line minus.test dkim warn "no DKIM selector known"
	line minus.test mx ok
	! grep -q 'publish:' "$T/out" || die "publish for a right domain"
	dns 0 soft.test
	line soft.test spf warn "~all"
	# The same record, ending in -all.
	publish 'soft.test. IN TXT "v=spf1 mx ip4:192.0.2.0/24 -all"'
	dns 65 neutral.test
	line neutral.test spf fail "?all"
	publish 'neutral.test. IN TXT "v=spf1 mx -all"'
	dns 65 plus.test
	line plus.test spf fail "+all"
	dns 65 noall.test
	line noall.test spf fail "no all"
	publish 'noall.test. IN TXT "v=spf1 mx -all"'
}

test_dns_spf_missing_two() {
	dns_start
	dns 69 nospf.test
	line nospf.test spf missing "no SPF record"
	# Built from the MX hosts and --ip.
	dns 69 --ip 198.51.100.7 --ip 2001:db8::/48 nospf.test
	publish 'nospf.test. IN TXT "v=spf1 mx ip4:198.51.100.7 ip6:2001:db8::/48 -all"'
	dns 65 two.test
	line two.test spf fail "2 SPF records"
	publish 'two.test. IN TXT "v=spf1 mx -all"'
}

test_dns_spf_limits() {
	dns_start
	dns 65 lookups.test
	line lookups.test spf fail "more than 10 DNS lookups"
	dns 0 ten.test
	line ten.test spf ok
	dns 65 void.test
	line void.test spf fail "3 lookups found nothing"
	dns 0 void2.test
	line void2.test spf ok
	dns 65 loop.test
	line loop.test spf fail "loop back to loop.test"
	dns 65 syntax.test
	line syntax.test spf fail "syntax error"
	dns 65 incnx.test
	line incnx.test spf fail "does not exist"
	dns 65 incnospf.test
	line incnospf.test spf fail "has no SPF record"
	dns 0 macro.test
	line macro.test spf ok "counted, not followed"
}

test_dns_spf_strings_redirect() {
	dns_start
	# "include:_s" "pf.split.test": joined before parsing.
	dns 0 split.test
	line split.test spf ok
	dns 0 --json split.test
	jq -e '.domains[0].checks[0].record ==
	    "v=spf1 ip4:192.0.2.0/24 include:_spf.split.test -all"' "$T/out" \
	    >/dev/null || die "record not joined: $(cat "$T/out")"
	# Over 1232 bytes of TXT: truncated over UDP, read over TCP.
	dns 0 tcp.test
	line tcp.test spf ok
	dns 0 redirect.test
	line redirect.test spf ok "redirect=_spf.redirect.test"
	dns 0 incredir.test
	line incredir.test spf ok "ends in -all"
	dns 0 redirsoft.test
	line redirsoft.test spf warn "_spf.redirsoft.test ends in ~all"
	# The -all goes where the all is.
	publish '_spf.redirsoft.test. IN TXT "v=spf1 mx -all"'
}

test_dns_dmarc() {
	dns_start
	dns 0 dq.test
	line dq.test dmarc warn "p=quarantine"
	publish '_dmarc.dq.test. IN TXT "v=DMARC1; p=reject"'
	dns 65 dnone.test
	line dnone.test dmarc fail "p=none"
	publish '_dmarc.dnone.test. IN TXT "v=DMARC1; p=reject; rua=mailto:d@dnone.test"'
	dns 69 dmissing.test
	line dmissing.test dmarc missing "no DMARC record"
	publish '_dmarc.dmissing.test. IN TXT "v=DMARC1; p=reject"'
	dns 65 dtwo.test
	line dtwo.test dmarc fail "2 DMARC records"
	dns 0 dsp.test
	line dsp.test dmarc warn "sp=none is weaker than p=reject"
	dns 0 dpct.test
	line dpct.test dmarc warn "pct=50"
	dns 0 drua.test
	line drua.test dmarc warn "has not authorised it"
	publish 'drua.test._report._dmarc.reports.test. IN TXT "v=DMARC1"'
	dns 0 druaok.test
	line druaok.test dmarc ok "authorised by druaok.test._report._dmarc.reports.test"
}

test_dns_dmarc_org_domain() {
	dns_start
	# The public suffix list makes example.co.uk the organisational
	# domain (co.uk's p=none must not be the one found).
	dns 0 sub.example.co.uk
	line sub.example.co.uk dmarc ok "organisational domain example.co.uk"
	line sub.example.co.uk spf ok
}

test_dns_dkim() {
	dns_start
	dns 0 --selector s2048 --selector s4096 --selector ed dkim.test
	line dkim.test dkim:s2048 ok "RSA 2048 bits"
	line dkim.test dkim:s4096 ok "RSA 4096 bits"
	line dkim.test dkim:ed ok "ed25519"
	dns 0 --selector s1024 dkim.test
	line dkim.test dkim:s1024 warn "RSA 1024 bits"
	dns 0 --selector testing dkim.test
	line dkim.test dkim:testing warn "t=y"
	dns 65 --selector s512 dkim.test
	line dkim.test dkim:s512 fail "RSA 512 bits"
	dns 65 --selector revoked dkim.test
	line dkim.test dkim:revoked fail "revoked"
	dns 65 --selector nosuch dkim.test
	line dkim.test dkim:nosuch fail "opendkim-genkey -b 2048 -s nosuch"
	dns 65 --selector bad dkim.test
	line dkim.test dkim:bad fail "bad key record"
	dns 0 dkim.test
	line dkim.test dkim warn "--selector"
	expect_exit 64 "$ALIASCTL" dns --selector 'a b' dkim.test
	expect_in "$T/err" "bad selector 'a b'"
}

test_dns_mx() {
	dns_start
	dns 0 nomx.test
	line nomx.test mx warn "no MX record"
	dns 0 nullmx.test
	line nullmx.test mx warn "null MX"
	line nullmx.test mx warn "receives no mail"
}

test_dns_alias_file() {
	dns_start
	cat >"$T/a.yaml" <<-EOF
	domains:
	  good.test:
	    deliver_to: me@example.net
	    dkim_selectors: [mail]
	  soft.test:
	    deliver_to: me@example.net
	aliases:
	  a@good.test:
	EOF
	expect_exit 0 "$ALIASCTL" -f "$T/a.yaml" dns --nameserver "$NS"
	line good.test spf ok
	line good.test dkim:mail ok "RSA 2048 bits"
	line soft.test spf warn
	line soft.test dkim warn "dkim_selectors"
	# --selector overrides the file's.
	expect_exit 65 "$ALIASCTL" -f "$T/a.yaml" dns --nameserver "$NS" \
	    --selector s512
	line good.test dkim:s512 fail
	# A missing alias file with no DOMAIN: nothing to check.
	expect_exit 66 "$ALIASCTL" -f "$T/nonexistent.yaml" dns \
	    --nameserver "$NS"
}

test_dns_json() {
	dns_start
	dns 65 --json --selector s2048 --selector s512 good.test dnone.test nospf.test
	jq -e '
	    (keys == ["domains"]) and (.domains | type == "array") and
	    (.domains | length == 3) and
	    ([.domains[] | keys == ["checks", "domain"]] | all) and
	    ([.domains[].domain] == ["good.test", "dnone.test", "nospf.test"]) and
	    ([.domains[].checks[] |
	        (keys == ["check", "detail", "publish", "record", "status"]) and
	        (.check | IN("spf", "dmarc", "dkim", "mx")) and
	        (.status | IN("ok", "warn", "fail", "missing", "error")) and
	        (.detail | type == "string") and
	        (.record | type == "string" or type == "null") and
	        (.publish | type == "string" or type == "null")] | all) and
	    ([.domains[0].checks[].check] == ["spf", "dmarc", "dkim", "dkim", "mx"])
	    and (.domains[1].checks[1].status == "fail")
	    and (.domains[2].checks[0].status == "missing")
	    and (.domains[2].checks[0].record == null)
	    and (.domains[2].checks[0].publish | startswith("nospf.test. IN TXT"))
	' "$T/out" >/dev/null || die "bad JSON: $(cat "$T/out")"
}

test_dns_long_publish() {
	dns_start
	# 20 --ip addresses: a TXT longer than 255 bytes, split in strings
	# that NSD takes back, and that then reads as one record again.
	ips=
	for i in $(seq 1 20); do
		ips="$ips --ip 2001:db8:1234:5678:9abc:def0:1234:$i"
	done
	# shellcheck disable=SC2086
	dns 69 $ips nospf.test
	p=$(sed -n 's/^    publish: \(nospf.test\. .*\)/\1/p' "$T/out")
	[ -n "$p" ] || die "no SPF publish line"
	n=$(printf '%s\n' "$p" | grep -o '" "' | wc -l)
	[ "$n" -ge 1 ] || die "not split: $p"
	dns_stop
	NSDPID=
	sed -i '/^@ IN TXT/d' "$Z/nospf.test.zone"
	printf '%s\n' "$p" >>"$Z/nospf.test.zone"
	nsd-checkzone nospf.test "$Z/nospf.test.zone" >/dev/null ||
	    die "nsd-checkzone refuses: $p"
	nsd_run 2
	# shellcheck disable=SC2086
	dns 0 $ips --json nospf.test
	jq -e '.domains[0].checks[0].status == "ok" and
	    (.domains[0].checks[0].record | length > 255) and
	    (.domains[0].checks[0].record | endswith(":20 -all"))' "$T/out" \
	    >/dev/null || die "published record not read back: $(cat "$T/out")"
}

test_dns_no_answer() {
	dns_start
	# A server that never answers: a bound UDP socket nobody reads.
	port=$(dns_port)
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(120)
' "$port" &
	SILENT=$!
	i=0
	until ss -Hlun "sport = :$port" | grep -q .; do
		i=$((i + 1))
		[ $i -le 50 ] || die "silent server not bound"
		sleep 0.1
	done
	expect_exit 75 timeout 60 "$ALIASCTL" dns --nameserver "127.0.0.1:$port" \
	    --timeout 1 minus.test
	line minus.test spf error "timed out"
	line minus.test dmarc error
	line minus.test mx error
	# A zone the server does not serve: REFUSED.
	dns 75 elsewhere.example
	line elsewhere.example spf error "REFUSED"
	# One that answers after one that does not: the second is asked.
	expect_exit 0 timeout 60 "$ALIASCTL" dns --nameserver "127.0.0.1:$port" \
	    --nameserver "$NS" --timeout 2 minus.test
	line minus.test spf ok
}

# The default: the servers of /etc/resolv.conf, with no --nameserver.
# NSD listens on port 53 of a network namespace of its own, and a
# resolv.conf naming 127.0.0.1 is mounted over /etc/resolv.conf in a
# mount namespace of its own: the machine's files stay as they are.
test_dns_system_resolver() {
	[ "$(id -u)" = 0 ] || skip "the namespaces need root"
	unshare -mn true 2>/dev/null || skip "no mount and network namespaces"
	[ -f /etc/resolv.conf ] || skip "no /etc/resolv.conf to mount over"
	dns_start
	sed -e "s/port: $PORT/port: 53/" -e 's/nsd\.pid/nsd53.pid/' \
	    -e 's/nsd\.log/nsd53.log/' -e 's/xfrd\.state/xfrd53.state/' \
	    -e 's/zone\.list/zone53.list/' "$Z/nsd.conf" >"$Z/nsd53.conf"
	grep -q 'port: 53$' "$Z/nsd53.conf" || die "no port 53 in nsd53.conf"
	# in_ns NSD(yes|no) RESOLV: aliasctl dns minus.test in the
	# namespaces, with or without NSD, RESOLV as /etc/resolv.conf.
	cat >"$T/in_ns" <<-EOF
	set -u
	ip link set lo up || exit 90
	mount --bind "\$2" /etc/resolv.conf || exit 91
	pid=
	if [ "\$1" = yes ]; then
		"$NSD" -d -c "$Z/nsd53.conf" >"$Z/nsd53.out" 2>&1 &
		pid=\$!
		i=0
		until ss -Hlun 'sport = :53' | grep -q .; do
			i=\$((i + 1))
			[ \$i -le 100 ] || { kill \$pid; exit 92; }
			sleep 0.1
		done
	fi
	timeout 60 "$ALIASCTL" dns --timeout 2 minus.test
	rc=\$?
	[ -z "\$pid" ] || { kill \$pid; wait \$pid; }
	exit \$rc
	EOF
	printf 'search elsewhere.example\nnameserver 127.0.0.1\n' >"$T/resolv.conf"
	expect_exit 0 unshare -mn sh "$T/in_ns" yes "$T/resolv.conf"
	line minus.test spf ok "ends in -all"
	line minus.test dmarc ok
	line minus.test mx ok
	# No server there: each question fails within its time, and the
	# message names where the servers came from.
	expect_exit 75 unshare -mn sh "$T/in_ns" no "$T/resolv.conf"
	line minus.test spf error "from the servers of /etc/resolv.conf"
	line minus.test mx error
	# The machine's own file was never touched.
	[ "$(cat /etc/resolv.conf 2>/dev/null)" != "$(cat "$T/resolv.conf")" ] ||
	    die "/etc/resolv.conf was replaced"
}

test_dns_ipv6() {
	dns_start
	[ "$V6" = yes ] || skip "no ::1 on the loopback"
	expect_exit 0 timeout 60 "$ALIASCTL" dns --nameserver "[::1]:$PORT" \
	    minus.test
	line minus.test spf ok
}

test_dns_usage() {
	expect_exit 64 "$ALIASCTL" dns --nameserver '[::1' example.com
	expect_in "$T/err" "bad nameserver"
	expect_exit 64 "$ALIASCTL" dns --nameserver 127.0.0.1:99999 example.com
	expect_in "$T/err" "port"
	expect_exit 64 "$ALIASCTL" dns --timeout 0 example.com
	expect_in "$T/err" "--timeout must be"
	expect_exit 64 "$ALIASCTL" dns --ip 300.1.1.1 example.com
	expect_in "$T/err" "is not an IPv4 or IPv6 address"
	expect_exit 64 "$ALIASCTL" dns 'bad domain'
	expect_in "$T/err" "not a domain name"
	expect_exit 64 "$ALIASCTL" dns --frobnicate
	expect_exit 0 "$ALIASCTL" dns --help
	expect_in "$T/out" "--nameserver"
}

test_dns_doctor() {
	dns_start
	# doctor's Postfix checks read a configuration of our own.
	mkdir -p "$T/pf"
	ALIASCTL_MAILNAME=$T/mailname
	export ALIASCTL_MAILNAME
	echo good.test >"$ALIASCTL_MAILNAME"
	: >"$T/pf/main.cf"
	cat >"$T/a.yaml" <<-EOF
	domains:
	  good.test:
	    deliver_to: me@example.net
	    dkim_selectors: [mail]
	  dnone.test:
	    deliver_to: me@example.net
	aliases:
	  a@good.test:
	EOF
	expect_exit 78 "$ALIASCTL" -f "$T/a.yaml" doctor --postfix-config "$T/pf" \
	    --dns --nameserver "$NS" --timeout 5
	expect_in "$T/out" "ok    dns_spf: good.test: ends in -all"
	expect_in "$T/out" "ok    dns_dkim: good.test: selector mail: RSA 2048 bits"
	expect_in "$T/out" "fail  dns_dmarc: dnone.test: p=none"
	expect_in "$T/out" '_dmarc.dnone.test. IN TXT "v=DMARC1; p=reject'
	expect_in "$T/out" "warn  dns_dkim: dnone.test: no DKIM selector known"
	expect_exit 78 "$ALIASCTL" -f "$T/a.yaml" doctor --postfix-config "$T/pf" \
	    --dns --nameserver "$NS" --json
	jq -e '[.checks[] | select(.check == "dns_dmarc")] | length == 2' \
	    "$T/out" >/dev/null || die "no dns_dmarc in JSON: $(cat "$T/out")"
	# Without --dns no DNS check.
	expect_exit 78 "$ALIASCTL" -f "$T/a.yaml" doctor --postfix-config "$T/pf"
	! grep -q 'dns_' "$T/out" || die "DNS checks without --dns"
	expect_exit 64 "$ALIASCTL" -f "$T/a.yaml" doctor --nameserver "$NS"
	expect_in "$T/err" "--nameserver and --timeout need --dns"
}

test_dns_daemons_unlinked() {
	# Only aliasctl asks DNS: the daemons link neither ldns nor libpsl.
	for p in "$BUILD/aliasctl" "$BUILD/alias-milter" "$BUILD/alias-lookupd"; do
		[ -x "$p" ] || die "$p not built"
	done
	ldd "$BUILD/aliasctl" | grep -q 'libldns' || die "aliasctl without ldns?"
	ldd "$BUILD/aliasctl" | grep -q 'libpsl' || die "aliasctl without libpsl?"
	for p in alias-milter alias-lookupd; do
		! ldd "$BUILD/$p" | grep -E 'libldns|libpsl' || die "$p links them"
		! nm -u "$BUILD/$p" | grep -E ' (ldns|psl)_' || die "$p uses them"
	done
}
