# tests/cli.sh: aliasctl's commands, errors and exit codes, one scenario
# per test_* function (run by tests/run in a fresh directory $T).

# A small file with one alias of every kind.
small_file() {
	cat >"$T/a.yaml" <<'YAML'
domains:
  example.com:
    deliver_to: me@example.net
    subaddress: "+"
  Example.ORG.:
    deliver_to: [me@example.net, spouse@example.net]
aliases:
  irs@example.com:
    note: accountant
  BestBuy@Example.com:
    revoked: 2026-11-01
    reason: leaked, spam since October
  family@example.org:
    to: [me@example.net, spouse@example.net]
  shop@example.com:
    receive_only: true
    expires: 2099-06-30
  old@example.com:
    expires: 2020-01-31
YAML
}

test_usage() {
	expect_exit 64 "$ALIASCTL"
	expect_in "$T/err" "usage: aliasctl"
	expect_exit 64 "$ALIASCTL" frobnicate
	expect_in "$T/err" "unknown command 'frobnicate'"
	expect_exit 64 "$ALIASCTL" -x check
	expect_exit 0 "$ALIASCTL" help
	expect_in "$T/out" "query [-v] ADDRESS"
	expect_exit 0 "$ALIASCTL" -h
	expect_exit 0 "$ALIASCTL" -V
	expect_in "$T/out" "aliasctl "
	small_file
	expect_exit 64 "$ALIASCTL" -f a.yaml check extra
	expect_exit 64 "$ALIASCTL" -f a.yaml query
}

test_check_summary() {
	small_file
	expect_exit 0 "$ALIASCTL" -f a.yaml check
	expect_in "$T/out" "a.yaml: 2 domains, 3 active, 1 revoked, 1 expired"
}

test_help_matches_man_page() {
	# Every command and option in --help is documented in aliasctl(8).
	"$ALIASCTL" help >help.txt
	for word in check compile query export stats add revoke restore lock unlock new list senders leaks report import setup doctor dns help -f -m -S -v -V -h; do
		case $word in
		-*) grep -q "^\.Fl ${word#-}" "$TOP/man/aliasctl.8" ||
			grep -q "^\.It Fl ${word#-}" "$TOP/man/aliasctl.8" ||
			die "option $word not in aliasctl.8" ;;
		*) grep -q "^\.It Cm $word" "$TOP/man/aliasctl.8" ||
			die "command $word not in aliasctl.8" ;;
		esac
		grep -q -- "$word" help.txt || die "$word not in help"
	done
	# Every long option in the help text is in the man page.
	for opt in $(grep -o -- '--[a-z][a-z-]*' help.txt | sort -u); do
		grep -q -- "Fl Fl ${opt#--}" "$TOP/man/aliasctl.8" ||
			die "option $opt not in aliasctl.8"
	done
}

test_compile_and_query() {
	small_file
	expect_exit 0 "$ALIASCTL" -f a.yaml compile
	expect_in "$T/out" "a.lmdb: 9 entries (2 domains, 3 active, 1 revoked, 1 expired)"
	[ -f a.lmdb ] && [ -f a.policy.lmdb ] || die "map files missing"
	[ "$(stat -c %a a.lmdb)" = 644 ] || die "mode $(stat -c %a a.lmdb)"

	expect_exit 0 "$ALIASCTL" -f a.yaml query IRS@Example.COM
	[ "$(cat "$T/out")" = "me@example.net" ] || die "wrong answer"
	# Subaddress: user+ext@domain, then user@domain.
	expect_exit 0 "$ALIASCTL" -f a.yaml query -v 'irs+2025@example.com'
	expect_in "$T/out" "me@example.net"
	expect_in "$T/err" "irs+2025@example.com: active alias irs@example.com, delivered to me@example.net"
	# example.org has no subaddress: no split.
	expect_exit 1 "$ALIASCTL" -f a.yaml query 'family+x@example.org'
	[ ! -s "$T/out" ] || die "not-found printed something"
	expect_exit 0 "$ALIASCTL" -f a.yaml query '<"family"@example.org.>'
	expect_in "$T/out" "me@example.net, spouse@example.net"
	expect_exit 0 "$ALIASCTL" -f a.yaml query -v example.org
	expect_in "$T/out" "aliasctl"
	expect_in "$T/err" "example.org: managed domain"
	expect_exit 0 "$ALIASCTL" -f a.yaml query postmaster@example.org
	expect_in "$T/out" "me@example.net, spouse@example.net"
	expect_exit 0 "$ALIASCTL" -f a.yaml query abuse@example.com

	expect_exit 1 "$ALIASCTL" -f a.yaml query -v bestbuy@example.com
	[ ! -s "$T/out" ] || die "revoked alias printed something"
	expect_in "$T/err" "bestbuy@example.com: revoked on 2026-11-01 (leaked, spam since October)"
	expect_exit 1 "$ALIASCTL" -f a.yaml query -v old@example.com
	expect_in "$T/err" "old@example.com: expired after 2020-01-31"
	expect_exit 1 "$ALIASCTL" -f a.yaml query -v nobody@example.com
	expect_in "$T/err" "unknown address at managed domain example.com"
	expect_exit 1 "$ALIASCTL" -f a.yaml query -v irs@example.net
	expect_in "$T/err" "example.net is not a managed domain"
	expect_exit 0 "$ALIASCTL" -f a.yaml query -v shop@example.com
	expect_exit 64 "$ALIASCTL" -f a.yaml query 'a b@example.com'
	expect_in "$T/err" "invalid address"
}

test_query_with_m_needs_no_alias_file() {
	small_file
	"$ALIASCTL" -f a.yaml -m "$T/m" compile >/dev/null
	rm a.yaml
	expect_exit 0 "$ALIASCTL" -f /nonexistent -m "$T/m" query irs@example.com
	expect_exit 66 "$ALIASCTL" -m "$T/nomap" query irs@example.com
	expect_in "$T/err" "nomap.lmdb: no such map (run aliasctl compile)"
}

test_default_file_from_environment() {
	small_file
	ALIASCTL_FILE=$T/a.yaml expect_exit 0 "$ALIASCTL" check
	expect_exit 66 env -u ALIASCTL_FILE "$ALIASCTL" -f "$T/none.yaml" check
	expect_in "$T/err" "none.yaml"
}

test_map_key_relative_to_file() {
	mkdir -p etc var
	small_file
	{ echo "map: ../var/aliases"; cat a.yaml; } >etc/aliases.yaml
	expect_exit 0 "$ALIASCTL" -f etc/aliases.yaml compile
	[ -f var/aliases.lmdb ] || die "map: key not honoured"
	expect_exit 0 "$ALIASCTL" -f etc/aliases.yaml query irs@example.com
	# -m wins over map:.
	expect_exit 0 "$ALIASCTL" -f etc/aliases.yaml -m "$T/other" compile
	[ -f other.lmdb ] || die "-m not honoured"
}

test_missing_directory_unreadable() {
	# An existing map stays byte-for-byte as it was after each failure.
	small_file
	mkdir m
	"$ALIASCTL" -f a.yaml -m m/map compile >/dev/null
	snapshot m >before
	expect_exit 66 "$ALIASCTL" -f nothere.yaml -m m/map compile
	expect_in "$T/err" "nothere.yaml: No such file or directory"
	mkdir dir.yaml
	expect_exit 66 "$ALIASCTL" -f dir.yaml -m m/map compile
	expect_in "$T/err" "dir.yaml: is a directory"
	chmod 755 "$T" m
	chmod 600 a.yaml
	expect_exit 66 as_nobody "$ALIASCTL" -f "$T/a.yaml" -m "$T/m/map" compile
	expect_in "$T/err" "a.yaml: Permission denied"
	snapshot m >after
	expect_same before after
}

test_map_directory_not_writable() {
	small_file
	mkdir ro
	"$ALIASCTL" -f a.yaml -m ro/map compile >/dev/null
	chmod 755 ro "$T"
	chmod 644 a.yaml
	snapshot ro >before
	expect_exit 73 as_nobody "$ALIASCTL" -f "$T/a.yaml" -m "$T/ro/map" compile
	expect_in "$T/err" "Permission denied"
	snapshot ro >after
	expect_same before after
	expect_exit 73 "$ALIASCTL" -f a.yaml -m "$T/nodir/map" compile
	[ ! -e nodir ] || die "created a directory"
}

test_compile_keeps_mode() {
	small_file
	"$ALIASCTL" -f a.yaml compile >/dev/null
	chmod 640 a.lmdb
	ino=$(stat -c %i a.lmdb)
	"$ALIASCTL" -f a.yaml compile >/dev/null
	[ "$(stat -c %a a.lmdb)" = 640 ] || die "mode not kept"
	[ "$(stat -c %i a.lmdb)" != "$ino" ] || die "map not replaced by rename"
	chmod 666 a.lmdb
	"$ALIASCTL" -f a.yaml compile >/dev/null
	[ "$(stat -c %a a.lmdb)" = 644 ] || die "group/world write kept"
	[ -z "$(find . -name '*.lmdb.*')" ] || die "temp files left"
}

test_map_busy() {
	command -v python3 >/dev/null || die "python3 needed"
	small_file
	mkdir m
	"$ALIASCTL" -f a.yaml -m m/a compile >/dev/null
	snapshot m >before
	# Another writer holds the map's lock for 30 s (killed below).
	python3 -c 'import fcntl, time
f = open("m/a.lock", "r+"); fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True); time.sleep(30)' >locked &
	pid=$!
	i=0
	until [ -s locked ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	expect_exit 75 "$ALIASCTL" -f a.yaml -m m/a compile
	kill $pid
	expect_in "$T/err" "map is being written by another process"
	snapshot m >after
	expect_same before after
}

test_concurrent_compiles_serialise() {
	small_file
	pids=
	for i in 1 2 3 4 5 6; do
		"$ALIASCTL" -f a.yaml compile >/dev/null 2>"err$i" &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p" || die "a concurrent compile failed"; done
	expect_exit 0 "$ALIASCTL" -f a.yaml query irs@example.com
	[ -z "$(find . -name '*.lmdb.*')" ] || die "temp files left"
}

test_export_format() {
	small_file
	expect_exit 0 "$ALIASCTL" -f a.yaml export
	expect_in "$T/out" "# virtual(5) table made by aliasctl export from a.yaml"
	grep -v '^#' "$T/out" >body
	printf '%s\t%s\n' \
	    abuse@example.com me@example.net \
	    abuse@example.org 'me@example.net, spouse@example.net' \
	    example.com aliasctl \
	    example.org aliasctl \
	    family@example.org 'me@example.net, spouse@example.net' \
	    irs@example.com me@example.net \
	    postmaster@example.com me@example.net \
	    postmaster@example.org 'me@example.net, spouse@example.net' \
	    shop@example.com me@example.net >want
	expect_same want body
}

test_readers_never_see_a_mix() {
	# Two versions of a 30,000-alias file (so that a compile takes long
	# enough for lookups to fall inside it) that disagree on every
	# target; compile them in turn while postmap -q reads: every answer
	# is one of the two, never nothing and never an error.
	"$TOP/tools/gen-aliases" 30000 v1.yaml v1.virt 7
	sed 's/me@example.net/other@example.net/' v1.yaml >v2.yaml
	"$ALIASCTL" -f v1.yaml -m map compile >/dev/null
	key=$(awk -F"\t" '/^vendor/ && $2 == "me@example.net" { print $1; exit }' v1.virt)
	(
		for i in 1 2 3 4 5 6 7 8 9 10; do
			"$ALIASCTL" -f v2.yaml -m map compile >/dev/null
			"$ALIASCTL" -f v1.yaml -m map compile >/dev/null
		done
	) &
	writer=$!
	n=0
	while kill -0 $writer 2>/dev/null; do
		v=$(postmap -q "$key" lmdb:map) || die "lookup $n failed"
		case $v in
		me@example.net|other@example.net) ;;
		*) die "lookup $n answered '$v'" ;;
		esac
		n=$((n + 1))
	done
	wait $writer || die "a compile failed"
	[ $n -ge 10 ] || die "only $n lookups ran during the compiles"
	note "$n postmap lookups during 20 compiles, all answered"
}

test_readers_during_edits() {
	# One-key edits in a row while postmap -q reads: the edited key is
	# found or not, an untouched one always found, never an error.  A
	# file of 100,000 aliases, so that an edit takes long enough for
	# lookups to fall inside it.
	"$TOP/tools/gen-aliases" 100000 a.yaml virt 8
	"$ALIASCTL" -f a.yaml -m map compile >/dev/null
	key=$(awk -F"\t" '/^vendor/ && $2 == "me@example.net" { print $1; exit }' virt)
	other=$(awk -F"\t" '/^vendor/ && $2 == "me@example.net" { n++ } n == 2 { print $1; exit }' virt)
	(
		for i in 1 2 3 4 5 6 7 8 9 10; do
			for cmd in "revoke $key" "restore $key" \
			    "lock $key --sender example.net" "unlock $key" \
			    "add reader$i@example.com"; do
				# shellcheck disable=SC2086
				"$ALIASCTL" -v -f a.yaml -m map $cmd >/dev/null \
				    2>>edits.err || exit 1
			done
		done
	) &
	writer=$!
	n=0
	while kill -0 $writer 2>/dev/null; do
		set +e
		v=$(postmap -q "$key" lmdb:map)
		rc=$?
		w=$(postmap -q "$other" lmdb:map)
		rc2=$?
		set -e
		case $rc.$v in
		0.me@example.net|1.) ;;
		*) die "lookup $n of $key: exit $rc, '$v'" ;;
		esac
		[ "$rc2.$w" = "0.me@example.net" ] ||
		    die "lookup $n of $other: exit $rc2, '$w'"
		n=$((n + 1))
	done
	wait $writer || die "an edit failed: $(cat edits.err)"
	[ $n -gt 0 ] || die "no lookup ran during the edits"
	k=$(grep -c "changing the keys of" edits.err) || true
	[ "$k" -eq 50 ] || die "$k of 50 edits took the one-key way"
	# The fingerprint's split point stays where the first compile put
	# it (update.c); the rest is what a compile gives.
	same_as_compile a.yaml map source
	[ $n -ge 10 ] || die "only $n lookups ran during the edits"
	note "$n pairs of postmap lookups during 50 one-key edits, all answered"
}

# evidence_file FILE: the stats file of the evidence tests, written with
# mdb_load so that the tests pin the "senders" layout too (stats.c: key
# "ALIAS DOMAIN", the 56-byte record of "aliases"), for the aliases of
# tests/data/evidence/aliases.yaml: a new domain after three months
# (bestbuy@), a locked alias with refusals (electronics@), a revoked one
# with hits (old@), a young one (young@: evidence of three days, from
# $Y), backscatter only (ro@), none of a leak (quiet@).  No "unknown"
# table: a file need not have every table.  1767225600 is 2026-01-01
# 00:00 UTC; D is a day.
evidence_file() {
	D=86400
	J=1767225600
	now=$(date +%s)
	Y=$((now - 3 * D))
	{
		echo bestbuy@example.com
		stats_rec2 21 0 0 $((J + D)) $((J + 130 * D)) 0
		echo electronics@example.com
		stats_rec2 4 0 0 $J $((J + 70 * D)) 17
		echo old@example.com
		stats_rec2 2 9 0 $J $((J + 80 * D)) 0
		echo young@example.com
		stats_rec2 2 0 1 $Y $((Y + 2 * D)) 0
		echo quiet@example.com
		stats_rec2 5 0 0 $J $((J + 100 * D)) 0
		echo ro@example.com
		stats_rec2 2 0 6 $J $((J + 90 * D)) 0
	} >aliases.txt
	# Per sender domain: hits revoked backscatter first last locked.
	{
		echo 'bestbuy@example.com bestbuy.com'
		stats_rec2 10 0 0 $((J + D)) $((J + 120 * D)) 0
		echo 'bestbuy@example.com mail.bestbuy.com'
		stats_rec2 3 0 0 $((J + 19 * D)) $((J + 110 * D)) 0
		echo 'bestbuy@example.com spam.example'
		stats_rec2 7 0 0 $((J + 90 * D)) $((J + 130 * D)) 0
		echo 'bestbuy@example.com <>'
		stats_rec2 1 0 0 $((J + 120 * D)) $((J + 120 * D)) 0
		echo 'electronics@example.com bestbuy.com'
		stats_rec2 4 0 0 $J $((J + 50 * D)) 0
		echo 'electronics@example.com junk.example'
		stats_rec2 0 0 0 $((J + 60 * D)) $((J + 70 * D)) 17
		echo 'old@example.com shop.example'
		stats_rec2 2 5 0 $J $((J + 80 * D)) 0
		echo 'old@example.com leak.example'
		stats_rec2 0 4 0 $((J + 64 * D)) $((J + 75 * D)) 0
		echo 'young@example.com a.example'
		stats_rec2 2 0 0 $Y $((Y + D)) 0
		echo 'young@example.com <>'
		stats_rec2 0 0 1 $((Y + 2 * D)) $((Y + 2 * D)) 0
		echo 'quiet@example.com friend.example'
		stats_rec2 5 0 0 $J $((J + 100 * D)) 0
		echo 'ro@example.com <>'
		stats_rec2 0 0 6 $J $((J + 90 * D)) 0
		echo 'ro@example.com (other)'
		stats_rec2 2 0 0 $((J + 5 * D)) $((J + 6 * D)) 0
	} >senders.txt
	mdb_load -n -T -s aliases -f aliases.txt "$1"
	mdb_load -n -T -s senders -f senders.txt "$1"
}

# evidence_setup: the alias file and its stats file in $T, compiled.
evidence_setup() {
	cp "$TOP/tests/data/evidence/aliases.yaml" a.yaml
	evidence_file s.lmdb
	"$ALIASCTL" -f a.yaml compile >/dev/null
	young=$(date -u -d @$((Y + 30 * D)) +%Y-%m-%d)
}

# expect_evidence NAME: $T/out against tests/data/evidence/NAME, where
# @YOUNG@ is the day young@example.com's verdict is due.
expect_evidence() {
	sed "s/@YOUNG@/$young/" "$TOP/tests/data/evidence/$1" >want
	expect_same want "$T/out"
}

test_evidence_leaks() {
	evidence_setup
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb leaks
	expect_evidence leaks.expect
	[ ! -s "$T/err" ] || die "stderr: $(cat "$T/err")"
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb leaks --json
	expect_evidence leaks.json.expect
	if command -v python3 >/dev/null; then
		python3 -m json.tool "$T/out" >/dev/null || die "not JSON"
	fi
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb leaks extra
	expect_in "$T/err" "leaks: unexpected argument 'extra'"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb leaks --all
	# No stats file yet: an empty ranking, and a note.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S none.lmdb leaks --json
	[ "$(cat "$T/out")" = '{"leaks":[],"files":[]}' ] || die "got $(cat "$T/out")"
	expect_in "$T/err" "no evidence recorded yet (no stats file exists)"
}

test_evidence_senders() {
	evidence_setup
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders BestBuy@example.com
	expect_evidence senders-bestbuy.expect
	[ ! -s "$T/err" ] || die "stderr: $(cat "$T/err")"
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders bestbuy@example.com --by count --json
	expect_evidence senders-bestbuy-count.json.expect
	if command -v python3 >/dev/null; then
		python3 -m json.tool "$T/out" >/dev/null || die "not JSON"
	fi
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders --by=last ro@example.com
	expect_evidence senders-ro.expect
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders old@example.com
	expect_evidence senders-old.expect
	# No evidence yet: an empty table and a note.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders silent@example.com
	echo 'DOMAIN  COUNT  REFUSED  LOCKED  BACKSCATTER  REVOKED  FIRST-SEEN        LAST-SEEN         CLASS' >want
	expect_same want "$T/out"
	expect_in "$T/err" "no sender evidence for silent@example.com yet (alias-milter has recorded none)"
	expect_exit 0 "$ALIASCTL" -f a.yaml -S none.lmdb senders silent@example.com --json
	[ "$(cat "$T/out")" = '{"alias":"silent@example.com","start":null,"new_after":null,"young":false,"senders":[],"files":[]}' ] ||
	    die "got $(cat "$T/out")"
	expect_in "$T/err" "(no stats file exists)"
	expect_exit 67 "$ALIASCTL" -f a.yaml -S s.lmdb senders nosuch@example.com
	expect_in "$T/err" "a.yaml: nosuch@example.com: no such alias"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb senders
	expect_in "$T/err" "senders: which alias?"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb senders bestbuy@example.com --by hits
	expect_in "$T/err" "senders: --by takes count or last, not 'hits'"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb senders a@example.com b@example.com
	expect_in "$T/err" "senders: unexpected argument 'b@example.com'"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb senders not-an-address
}

# A stats file from before sender evidence (stats_file: no "senders"
# table) reads as no evidence, and leaks still ranks its counters.
test_evidence_old_file() {
	stats_file s.lmdb
	small_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders irs@example.com
	expect_in "$T/err" "no sender evidence for irs@example.com yet (alias-milter has recorded none)"
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb leaks
	cat >want <<'EOF'
ALIAS                SCORE  NEW  NEW-MAIL  LOCKED  REVOKED  BACKSCATTER  ACTION
bestbuy@example.com      5    0         0       0        5            0  none: revoked on 2026-11-01
shop@example.com         3    0         0       0        0            3  revoke: aliasctl revoke shop@example.com
EOF
	expect_same want "$T/out"
}

# lock without --sender: the established senders of the evidence.
test_evidence_lock() {
	evidence_setup
	sha256sum a.yaml a.lmdb a.policy.lmdb >before
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb lock bestbuy@example.com --dry-run
	printf '%s\n' '  bestbuy@example.com:' \
	    '    note: a new domain after three months' \
	    '    created: 2026-01-01' \
	    '    senders: [bestbuy.com, mail.bestbuy.com]' >want
	expect_same want "$T/out"
	expect_in "$T/err" "lock: bestbuy@example.com: the established senders (first seen by 2026-02-01 00:00): bestbuy.com mail.bestbuy.com"
	expect_in "$T/err" "dry run: nothing changed"
	sha256sum a.yaml a.lmdb a.policy.lmdb >after
	expect_same before after
	# Refused, each with its reason; nothing changes.
	expect_exit 66 "$ALIASCTL" -f a.yaml -S s.lmdb lock young@example.com
	expect_in "$T/err" "lock: the evidence for young@example.com is younger than 30 days"
	expect_in "$T/err" "name the senders with --sender"
	TZ=UTC expect_exit 66 "$ALIASCTL" -f a.yaml -S s.lmdb lock ro@example.com
	expect_in "$T/err" "lock: ro@example.com has no established sender domain (none first seen by 2026-01-31 00:00): name the senders with --sender, or revoke it"
	expect_exit 66 "$ALIASCTL" -f a.yaml -S s.lmdb lock silent@example.com
	expect_in "$T/err" "lock: no sender evidence for silent@example.com yet: name the senders with --sender"
	expect_exit 67 "$ALIASCTL" -f a.yaml -S s.lmdb lock nosuch@example.com
	expect_exit 65 "$ALIASCTL" -f a.yaml -S s.lmdb lock postmaster@example.com
	sha256sum a.yaml a.lmdb a.policy.lmdb >after
	expect_same before after
	# The lock itself, as leaks suggested it.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb lock bestbuy@example.com
	expect_in "$T/out" "locked bestbuy@example.com"
	grep -q '^    senders: \[bestbuy.com, mail.bestbuy.com\]$' a.yaml ||
	    die "no senders: $(cat a.yaml)"
	expect_exit 0 "$ALIASCTL" -f a.yaml query -v bestbuy@example.com
	expect_in "$T/err" "locked to senders bestbuy.com mail.bestbuy.com"
	# Locked now: leaks no longer suggests a lock, and as the lock
	# refuses the new domain (its mail came before the lock), no revoke.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb leaks
	expect_in "$T/out" "none: the lock refuses it"
	! grep -q 'revoke bestbuy@' "$T/out" || die "revoke: $(cat "$T/out")"
}

# lock --merge: the evidence of another MX host's stats file counts;
# with --sender, --merge is refused.
test_evidence_lock_merge() {
	evidence_setup
	sha256sum a.yaml a.lmdb a.policy.lmdb >before
	# Nothing local: no evidence, as without --merge.
	expect_exit 66 "$ALIASCTL" -f a.yaml -S none.lmdb lock bestbuy@example.com
	expect_in "$T/err" "lock: no sender evidence for bestbuy@example.com yet"
	# The other host's file: its established senders.
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S none.lmdb lock \
	    bestbuy@example.com --dry-run --merge s.lmdb
	expect_in "$T/err" "lock: bestbuy@example.com: the established senders (first seen by 2026-02-01 00:00): bestbuy.com mail.bestbuy.com"
	expect_in "$T/out" "    senders: [bestbuy.com, mail.bestbuy.com]"
	expect_exit 66 "$ALIASCTL" -f a.yaml -S none.lmdb lock \
	    bestbuy@example.com --merge missing.lmdb
	expect_in "$T/err" "missing.lmdb"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S none.lmdb lock \
	    bestbuy@example.com --sender bestbuy.com --merge s.lmdb
	expect_in "$T/err" "lock: --merge reads the evidence for a lock without --sender"
	sha256sum a.yaml a.lmdb a.policy.lmdb >after
	expect_same before after
	expect_exit 0 "$ALIASCTL" -f a.yaml -S none.lmdb lock \
	    bestbuy@example.com --merge=s.lmdb
	grep -q '^    senders: \[bestbuy.com, mail.bestbuy.com\]$' a.yaml ||
	    die "no senders: $(cat a.yaml)"
}

# A lock that refuses mail is the lock working.  electronics@: created
# today, locked, one message from evil.example refused by the lock: no
# verdict, evil.example refused and not established, no revoke.
# promo@: locked to bestbuy.example, mail accepted from a new subdomain
# the lock admits (the lock does not stop it): revoke.  shop@: locked,
# the new domain's mail came before the lock, refused since: none.
test_evidence_lock_refuses() {
	D=86400
	J=1767225600
	now=$(date +%s)
	cat >a.yaml <<EOF
domains:
  walk.test:
    deliver_to: me@example.net
aliases:
  electronics@walk.test:
    created: $(date -u +%Y-%m-%d)
    senders: [bestbuy.example]
  promo@walk.test:
    created: 2026-01-01
    senders: [bestbuy.example]
  shop@walk.test:
    created: 2026-01-01
    senders: [bestbuy.example]
EOF
	{
		echo electronics@walk.test
		stats_rec2 0 0 0 $now $now 1
		echo promo@walk.test
		stats_rec2 7 0 0 $J $((J + 90 * D)) 0
		echo shop@walk.test
		stats_rec2 7 0 0 $J $((J + 90 * D)) 4
	} >aliases.txt
	# Per sender domain: hits revoked backscatter first last locked.
	{
		echo 'electronics@walk.test evil.example'
		stats_rec2 0 0 0 $now $now 1
		echo 'promo@walk.test bestbuy.example'
		stats_rec2 5 0 0 $J $((J + 90 * D)) 0
		echo 'promo@walk.test deals.bestbuy.example'
		stats_rec2 2 0 0 $((J + 60 * D)) $((J + 90 * D)) 0
		echo 'shop@walk.test bestbuy.example'
		stats_rec2 5 0 0 $J $((J + 90 * D)) 0
		echo 'shop@walk.test spam.example'
		stats_rec2 2 0 0 $((J + 60 * D)) $((J + 90 * D)) 4
	} >senders.txt
	mdb_load -n -T -s aliases -f aliases.txt s.lmdb
	mdb_load -n -T -s senders -f senders.txt s.lmdb
	"$ALIASCTL" -f a.yaml compile >/dev/null
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb leaks
	grep '^electronics@walk.test ' "$T/out" |
	    grep -q '  wait: no verdict before ' ||
	    die "electronics@: $(cat "$T/out")"
	! grep -q 'revoke electronics@' "$T/out" ||
	    die "revoke: $(cat "$T/out")"
	expect_in "$T/out" "revoke: aliasctl revoke promo@walk.test"
	grep '^shop@walk.test ' "$T/out" |
	    grep -q '  none: the lock refuses it$' ||
	    die "shop@: $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders electronics@walk.test
	expect_in "$T/out" "no verdict before"
	grep '^evil.example ' "$T/out" | grep -q ' refused$' ||
	    die "evil.example: $(cat "$T/out")"
	! grep -q established "$T/out" || die "established: $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb senders electronics@walk.test --json
	expect_in "$T/out" '"young":true'
	expect_in "$T/out" '"domain":"evil.example","count":1,"refused":1,"locked":1'
	expect_in "$T/out" '"class":"refused"}'
	# lock without --sender: refused while young, else the established
	# set of leaks, which never holds a refused domain.
	expect_exit 66 "$ALIASCTL" -f a.yaml -S s.lmdb lock electronics@walk.test
	expect_in "$T/err" "lock: the evidence for electronics@walk.test is younger than 30 days"
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb lock shop@walk.test --dry-run
	expect_in "$T/err" "lock: shop@walk.test: the established senders (first seen by 2026-01-31 00:00): bestbuy.example"
}

test_stats_no_file() {
	expect_exit 0 "$ALIASCTL" -m map stats
	expect_in "$T/err" "no hits recorded yet (none of stats/map.milter.lmdb, stats/map.lookupd.lmdb, map.stats.lmdb exists)"
	printf '%s\n' '# counts from no file yet' \
	    'ALIAS  HITS  REVOKED  EXPIRED  BACKSCATTER  LOCKED  FIRST-SEEN        LAST-SEEN' >want
	expect_same want "$T/out"
	expect_exit 0 "$ALIASCTL" -m map stats --unknown --top 3
	printf '%s\n' '# counts from no file yet' \
	    'RECIPIENT  COUNT  FIRST-SEEN        LAST-SEEN' >want
	expect_same want "$T/out"
	# -S wins over -m; without either, MAP comes from the alias file.
	expect_exit 0 "$ALIASCTL" -m map -S other.lmdb stats
	expect_in "$T/err" "(other.lmdb does not exist)"
	small_file
	expect_exit 0 "$ALIASCTL" -f a.yaml stats
	expect_in "$T/err" "(none of stats/a.milter.lmdb, stats/a.lookupd.lmdb, a.stats.lmdb exists)"
	expect_exit 66 "$ALIASCTL" -f missing.yaml stats
	# Looking creates nothing, no lock file either.
	! ls ./*stats* 2>/dev/null || die "left files behind"
}

test_stats_json_no_file() {
	expect_exit 0 "$ALIASCTL" -m map stats --json
	[ "$(cat "$T/out")" = '{"aliases":[],"files":[]}' ] || die "got $(cat "$T/out")"
	expect_in "$T/err" "no hits recorded yet"
	expect_exit 0 "$ALIASCTL" -m map stats --unknown --json --top 1
	[ "$(cat "$T/out")" = '{"unknown":[],"files":[]}' ] || die "got $(cat "$T/out")"
}

test_stats_usage() {
	for args in "--top" "--top 0" "--top -1" "--top +1" "--top x" \
	    "--top 1x" "--top=" "--top 99999999999999999999999" "--frob" \
	    "-j" "extra"; do
		# Word splitting of $args is wanted.
		expect_exit 64 "$ALIASCTL" -m map stats $args
		expect_in "$T/err" "usage: aliasctl"
	done
	expect_exit 64 "$ALIASCTL" -m map stats --top
	expect_in "$T/err" "--top needs a number"
	expect_exit 64 "$ALIASCTL" -m map stats --top -1
	expect_in "$T/err" "--top needs a positive number, not '-1'"
	expect_exit 64 "$ALIASCTL" -m map stats --bogus
	expect_in "$T/err" "unknown argument '--bogus'"
	expect_exit 64 "$ALIASCTL" -S
	expect_exit 0 "$ALIASCTL" -m map stats --top=2 --json
}

test_stats_table() {
	stats_file s.lmdb
	TZ=UTC expect_exit 0 "$ALIASCTL" -S s.lmdb stats
	cat >want <<'EOF'
ALIAS                    HITS  REVOKED  EXPIRED  BACKSCATTER  LOCKED  FIRST-SEEN        LAST-SEEN
irs@example.com            12        0        0            0       0  2026-01-01 00:00  2026-01-02 00:00
shop@example.com           12        0        0            3       0  2026-01-01 00:00  2026-01-01 00:01
electronics@example.com     4        0        0            0      17  2026-01-01 00:00  2026-01-01 00:02
family@example.org          1        0        0            0       0  2026-01-01 00:00  2026-01-01 00:00
bestbuy@example.com         0        5        0            0       0  2026-01-01 00:00  2026-01-03 00:00
EOF
	expect_same want "$T/out"
	[ ! -s "$T/err" ] || die "stderr: $(cat "$T/err")"
	# Local time follows TZ; --top limits the rows.
	TZ=Europe/Berlin expect_exit 0 "$ALIASCTL" -S s.lmdb stats --top 1
	expect_in "$T/out" "irs@example.com    12        0        0            0       0  2026-01-01 01:00  2026-01-02 01:00"
	[ "$(wc -l <"$T/out")" -eq 2 ] || die "--top 1 printed $(cat "$T/out")"

	TZ=UTC expect_exit 0 "$ALIASCTL" -S s.lmdb stats --unknown
	cat >want <<'EOF'
RECIPIENT                       COUNT  FIRST-SEEN        LAST-SEEN
info@example.com                  310  2026-01-01 00:00  2026-01-01 01:00
q"\x5c\x1b[31m\xff@example.com      2  2026-01-01 00:00  2026-01-01 00:00
EOF
	expect_same want "$T/out"
}

test_stats_json() {
	stats_file s.lmdb
	expect_exit 0 "$ALIASCTL" -S s.lmdb stats --json --top 3
	cat >want <<'EOF'
{"aliases":[
 {"alias":"irs@example.com","hits":12,"revoked":0,"expired":0,"backscatter":0,"locked":0,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-02T00:00:00Z"},
 {"alias":"shop@example.com","hits":12,"revoked":0,"expired":0,"backscatter":3,"locked":0,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:01:00Z"},
 {"alias":"electronics@example.com","hits":4,"revoked":0,"expired":0,"backscatter":0,"locked":17,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:02:00Z"}
],"files":["s.lmdb"]}
EOF
	expect_same want "$T/out"
	expect_exit 0 "$ALIASCTL" -S s.lmdb stats --unknown --json
	cat >want <<'EOF'
{"unknown":[
 {"recipient":"info@example.com","count":310,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T01:00:00Z"},
 {"recipient":"q\"\\\u001b[31m\ufffd@example.com","count":2,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-01T00:00:00Z"}
],"files":["s.lmdb"]}
EOF
	expect_same want "$T/out"
	if command -v python3 >/dev/null; then
		python3 -m json.tool "$T/out" >/dev/null || die "not JSON"
	fi
}

test_stats_bad_file() {
	echo "not an LMDB file" >s.lmdb
	expect_exit 74 "$ALIASCTL" -S s.lmdb stats
	expect_in "$T/err" "s.lmdb"
	# A reader takes a slot in the lock file: without write access to
	# it, say so.
	if [ "$(id -u)" -ne 0 ]; then
		note "not root: lock file permission test skipped"
		return 0
	fi
	stats_file ok.lmdb
	chmod 755 "$T"
	chmod 644 ok.lmdb
	chmod 640 ok.lmdb-lock
	expect_exit 66 as_nobody "$ALIASCTL" -S "$T/ok.lmdb" stats
	expect_in "$T/err" "ok.lmdb-lock: Permission denied: a reader of the stats file needs write access to its lock file"
	chmod 600 ok.lmdb
	expect_exit 66 as_nobody "$ALIASCTL" -S "$T/ok.lmdb" stats
	expect_in "$T/err" "ok.lmdb: Permission denied"
}

# ---- editing: add, revoke, restore ----

# edit_unchanged: the files in $T/e (alias file, map, policy) are as
# they were in $T/e.before, and no temp file is left.
# no_temps: no temp file of an edit or a compile is left in e.
no_temps() {
	[ -z "$(find e -name '*.edit.*' -o -name '*.lmdb.*')" ] ||
		die "temp files left: $(find e -name '*.edit.*' -o -name '*.lmdb.*')"
}

edit_unchanged() {
	snapshot e >e.after
	expect_same e.before e.after
	no_temps
}

edit_setup() {
	small_file
	mkdir -p e
	mv a.yaml e/a.yaml
	"$ALIASCTL" -f e/a.yaml compile >/dev/null
	snapshot e >e.before
}

test_edit_golden() {
	# tests/golden/edit: a commented file and the expected text after
	# each step; every untouched byte must stay.  add writes today's
	# date, which the expected files spell YYYY-MM-DD.
	g="$TOP/tests/golden/edit"
	cp "$g/commented.yaml" c.yaml
	i=0
	while IFS= read -r cmd; do
		i=$((i + 1))
		today=$(date +%Y-%m-%d)
		eval "expect_exit 0 \"\$ALIASCTL\" -f c.yaml $cmd"
		sed "s/^\( *created: \)$today\$/\1YYYY-MM-DD/" c.yaml >c.got
		diff -u "$g/commented.$i.expect" c.got ||
			die "step $i ($cmd): output differs"
	done <<'STEPS'
add new@example.com
revoke irs@example.com --reason "leaked, spam since October" --date 2026-11-01
restore IRS@example.com
add family@example.com --to Me@Example.net --to spouse@example.net --note 'family: shared # inbox'
revoke shop@example.com --date 2026-11-02 --reason 'flow, "quoted"'
revoke bare@example.com --date 2026-11-03
revoke empty@example.com --date 2026-11-04
restore shop@example.com
STEPS
	expect_same "$g/commented.1.expect" "$g/commented.3.expect"
	expect_exit 0 "$ALIASCTL" -f c.yaml query family@example.com
	expect_in "$T/out" "Me@example.net, spouse@example.net"
}

test_edit_golden_locks() {
	# tests/golden/edit/locks.yaml: lock and unlock on block and flow
	# entries, "x@y: {}", existing block and flow senders: lists.
	g="$TOP/tests/golden/edit"
	cp "$g/locks.yaml" c.yaml
	i=0
	while IFS= read -r cmd; do
		i=$((i + 1))
		eval "expect_exit 0 \"\$ALIASCTL\" -f c.yaml $cmd"
		diff -u "$g/locks.$i.expect" c.yaml ||
			die "step $i ($cmd): output differs"
	done <<'STEPS'
lock irs@example.com --sender BestBuy.com --sender alerts@Bank.Example --sender bestbuy.com.
lock shop@example.com --sender shop.example
lock empty@example.com --sender x.example
lock vendor@example.com --sender new.example --sender '<Orders@New.Example>'
lock flowvendor@example.com --sender a.example --sender b.example
unlock IRS@example.com
unlock shop@example.com
unlock empty@example.com
unlock vendor@example.com
unlock flowvendor@example.com
STEPS
}

test_edit_lock_unlock() {
	edit_setup
	expect_exit 0 "$ALIASCTL" -f e/a.yaml lock irs@example.com \
	    --sender BestBuy.com --sender=alerts@bank.example
	expect_in "$T/out" "locked irs@example.com"
	expect_in "$T/out" "a.lmdb: 9 entries (2 domains, 3 active, 1 revoked, 1 expired)"
	grep -q '^    senders: \[bestbuy.com, alerts@bank.example\]$' e/a.yaml ||
	    die "no senders: $(sed -n '/irs@/,/^  [^ ]/p' e/a.yaml)"
	# The map is compiled at once (the milter reads it within its
	# map check interval); a lock never changes the Postfix map.
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query -v irs@example.com
	expect_in "$T/out" "me@example.net"
	expect_in "$T/err" "locked to senders bestbuy.com alerts@bank.example"
	snapshot e | grep ' \./a\.lmdb$' >e.after
	grep ' \./a\.lmdb$' e.before | expect_same /dev/stdin e.after
	# --dry-run prints the entry as it would be and changes nothing.
	snapshot e >e.locked
	expect_exit 0 "$ALIASCTL" -f e/a.yaml lock irs@example.com \
	    --sender x.example --dry-run
	printf '%s\n' '  irs@example.com:' '    note: accountant' \
	    '    senders: [x.example]' >want
	expect_same want "$T/out"
	expect_in "$T/err" "dry run: nothing changed"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml unlock irs@example.com --dry-run
	printf '%s\n' '  irs@example.com:' '    note: accountant' >want
	expect_same want "$T/out"
	snapshot e >e.after
	expect_same e.locked e.after
	[ -z "$(find e -name '*.edit.*')" ] || die "temp file left"
	# unlock gives back the file and the map as they were.
	expect_exit 0 "$ALIASCTL" -f e/a.yaml unlock irs@example.com
	expect_in "$T/out" "unlocked irs@example.com"
	snapshot e | grep -v policy >e.after
	grep -v policy e.before | expect_same /dev/stdin e.after
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query -v irs@example.com
	! grep -q locked "$T/err" || die "still locked: $(cat "$T/err")"
}

test_edit_lock_errors() {
	edit_setup
	expect_exit 66 "$ALIASCTL" -f e/a.yaml lock irs@example.com
	expect_in "$T/err" "lock: no sender evidence for irs@example.com yet: name the senders with --sender"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml lock --sender x.example
	expect_in "$T/err" "lock: which address?"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml lock irs@example.com --sender
	expect_in "$T/err" "lock: --sender needs a domain or an address"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml lock irs@example.com --sender bad_domain
	expect_in "$T/err" "--sender: invalid domain 'bad_domain': domain is not a host name"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml lock irs@example.com --sender '"a b"@x.example'
	expect_in "$T/err" "a quoted local part with a blank cannot be listed"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml lock irs@example.com x@example.com --sender x.example
	expect_in "$T/err" "lock: unexpected argument 'x@example.com'"
	expect_exit 67 "$ALIASCTL" -f e/a.yaml lock nosuch@example.com --sender x.example
	expect_in "$T/err" "nosuch@example.com: no such alias; nothing changed"
	expect_exit 67 "$ALIASCTL" -f e/a.yaml unlock nosuch@example.com
	expect_exit 65 "$ALIASCTL" -f e/a.yaml unlock irs@example.com
	expect_in "$T/err" "irs@example.com is not locked; nothing changed"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml lock Postmaster@example.com --sender x.example
	expect_in "$T/err" "postmaster@example.com cannot be locked"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml unlock
	expect_in "$T/err" "unlock: which address?"
	expect_exit 66 "$ALIASCTL" -f e/missing.yaml lock irs@example.com --sender x.example
	# 65 senders: one too many.
	set --
	i=0
	while [ $i -lt 65 ]; do
		set -- "$@" --sender "d$i.example"
		i=$((i + 1))
	done
	expect_exit 64 "$ALIASCTL" -f e/a.yaml lock irs@example.com "$@"
	expect_in "$T/err" "lock: at most 64 senders"
	edit_unchanged
	# A revoked alias may be locked: kept for restore, with a warning.
	expect_exit 0 "$ALIASCTL" -f e/a.yaml lock bestbuy@example.com --sender bestbuy.com
	expect_in "$T/err" "senders has no effect while bestbuy@example.com is revoked"
}

test_edit_add() {
	edit_setup
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query new@example.com
	expect_exit 0 "$ALIASCTL" -f e/a.yaml add New@Example.com \
	    --to a@example.net --to b@example.net --note "a: b" \
	    --receive-only --expires 2099-01-01
	expect_in "$T/out" "added new@example.com"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query new@example.com
	expect_in "$T/out" "a@example.net, b@example.net"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml add plain@example.org
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query plain@example.org
	expect_in "$T/out" "me@example.net, spouse@example.net"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml check
	expect_in "$T/out" "2 domains, 5 active, 1 revoked, 1 expired"
	today=$(date +%Y-%m-%d)
	[ "$(tail -8 e/a.yaml)" = "$(printf '%s\n' \
	    '  new@example.com:' \
	    '    to: [a@example.net, b@example.net]' \
	    '    note: "a: b"' \
	    "    created: $today" \
	    '    receive_only: true' \
	    '    expires: 2099-01-01' \
	    '  plain@example.org:' \
	    "    created: $today")" ] || die "unexpected text: $(tail -8 e/a.yaml)"
}

test_edit_add_errors() {
	edit_setup
	expect_exit 65 "$ALIASCTL" -f e/a.yaml add IRS@example.COM
	expect_in "$T/err" "irs@example.com is already in the file (line 8)"
	expect_in "$T/err" "nothing changed"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml add bestbuy@example.com
	expect_in "$T/err" "already in the file"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add 'not an address'
	expect_in "$T/err" "invalid address 'not an address'"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add x@example.com --to 'bad@'
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add x@example.com --expires 2026-02-30
	expect_in "$T/err" "invalid date '2026-02-30'"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add x@example.com --note
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add
	expect_exit 65 "$ALIASCTL" -f e/a.yaml add x@example.net
	expect_in "$T/err" "example.net is not a domain under domains:"
	# The edit itself is fine, the result does not validate: rolled back.
	expect_exit 65 "$ALIASCTL" -f e/a.yaml add x@example.com --to nobody@example.com
	expect_in "$T/err" "the edit would make the file invalid"
	edit_unchanged
}

test_edit_revoke_restore() {
	edit_setup
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query irs@example.com
	expect_exit 0 "$ALIASCTL" -f e/a.yaml revoke IRS@example.com \
	    --reason "leaked: spam # since May"
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query -v irs@example.com
	expect_in "$T/err" "revoked on $(date +%Y-%m-%d) (leaked: spam # since May)"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml restore irs@example.com
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query irs@example.com
	# Back to the same file, and a map with the same pairs (the edits
	# changed one key in a copy: its pages are laid out differently
	# from a compile's, as postmap's are).
	snapshot e | grep 'a\.yaml$' >e.after
	grep 'a\.yaml$' e.before | expect_same /dev/stdin e.after
	same_as_compile e/a.yaml e/a
	expect_exit 0 "$ALIASCTL" -f e/a.yaml restore bestbuy@example.com
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query bestbuy@example.com
	expect_exit 0 "$ALIASCTL" -f e/a.yaml revoke bestbuy@example.com --date 2026-01-02
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query -v bestbuy@example.com
	expect_in "$T/err" "revoked on 2026-01-02"
}

# One option reader for every command: --name VALUE and --name=VALUE
# alike, options before or after the operand, -- before an operand that
# starts with a dash, one wording for every misuse.
test_options_one_reader() {
	edit_setup
	expect_exit 0 "$ALIASCTL" -f e/a.yaml add --note=vendor x1@example.com \
	    --expires=2099-01-01 --to=me@example.net
	grep -q '^    note: vendor$' e/a.yaml || die "no note: $(tail -5 e/a.yaml)"
	grep -q '^    expires: 2099-01-01$' e/a.yaml || die "no expiry"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml revoke --reason=leaked \
	    --date=2026-01-02 x1@example.com
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query -v x1@example.com
	expect_in "$T/err" "revoked on 2026-01-02 (leaked)"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml new --domain=example.org --note=n shop
	expect_in "$T/out" "@example.org"
	expect_exit 0 "$ALIASCTL" -m e/a stats --top=1 --unknown
	expect_exit 0 "$ALIASCTL" -f e/a.yaml list --revoked --json
	expect_in "$T/out" "x1@example.com"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml list --json=yes
	expect_in "$T/err" "list: --json takes no value"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add x2@example.com --note
	expect_in "$T/err" "add: --note needs a value"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add --bogus x2@example.com
	expect_in "$T/err" "add: unknown argument '--bogus'"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml add x2@example.com x3@example.com
	expect_in "$T/err" "add: unexpected argument 'x3@example.com'"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml check extra
	expect_in "$T/err" "check: unexpected argument 'extra'"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml restore
	expect_in "$T/err" "restore: which address?"
	# After --, "-v" is the domain to look up, not the option.
	expect_exit 64 "$ALIASCTL" -f e/a.yaml query -- -v
	expect_in "$T/err" "invalid domain '-v'"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query -v -- irs@example.com
	expect_in "$T/err" "active alias"
}

test_edit_revoke_errors() {
	edit_setup
	expect_exit 67 "$ALIASCTL" -f e/a.yaml revoke nosuch@example.com
	expect_in "$T/err" "nosuch@example.com: no such alias; nothing changed"
	expect_exit 67 "$ALIASCTL" -f e/a.yaml restore nosuch@example.com
	expect_exit 65 "$ALIASCTL" -f e/a.yaml revoke bestbuy@example.com
	expect_in "$T/err" "bestbuy@example.com is already revoked (line 11)"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml restore irs@example.com
	expect_in "$T/err" "irs@example.com is not revoked"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml revoke Postmaster@example.com
	expect_in "$T/err" "postmaster@example.com cannot be revoked: postmaster@ and abuse@"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml revoke abuse@example.org
	expect_exit 64 "$ALIASCTL" -f e/a.yaml revoke irs@example.com --date 2026-13-01
	expect_in "$T/err" "invalid date '2026-13-01'"
	expect_exit 64 "$ALIASCTL" -f e/a.yaml revoke irs@example.com --reason ''
	expect_exit 64 "$ALIASCTL" -f e/a.yaml revoke '<>'
	expect_exit 64 "$ALIASCTL" -f e/a.yaml revoke
	expect_exit 64 "$ALIASCTL" -f e/a.yaml restore
	expect_exit 66 "$ALIASCTL" -f e/missing.yaml revoke irs@example.com
	edit_unchanged
}

test_edit_compile_failure_rolls_back() {
	# The map's directory is not writable for the editing user: the
	# edit is valid but cannot be compiled, so it is not kept.
	small_file
	mkdir e e/ro
	mv a.yaml e/a.yaml
	"$ALIASCTL" -f e/a.yaml -m e/ro/map compile >/dev/null
	chmod 755 e/ro "$T"
	chmod 777 e
	chmod 644 e/a.yaml
	if [ "$(id -u)" -eq 0 ]; then
		chown 65534:65534 e/a.yaml
	else
		chmod 555 e/ro
	fi
	snapshot e >e.before
	expect_exit 73 as_nobody "$ALIASCTL" -f "$T/e/a.yaml" -m "$T/e/ro/map" \
	    revoke irs@example.com
	expect_in "$T/err" "map not compiled, edit rolled back; nothing changed"
	edit_unchanged
	expect_exit 0 "$ALIASCTL" -f e/a.yaml -m e/ro/map query irs@example.com
}

# publish_shim: $T/fail.so, preloaded to make the publish of the map
# fail half-way: with FAIL=map, rename(2) onto a map (*.lmdb, not
# *.policy.lmdb) fails; with FAIL=dirsync, fsync(2) of a directory.
publish_shim() {
	command -v cc >/dev/null || skip "no cc"
	command -v mdb_dump >/dev/null || skip "no mdb_dump"
	cat >fail.c <<'EOF'
#include <sys/stat.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int rename(const char *, const char *);
int fsync(int);
static int
failing(const char *what)
{
	const char *f = getenv("FAIL");

	return f != NULL && strcmp(f, what) == 0;
}
int
rename(const char *from, const char *to)
{
	size_t n = strlen(to);

	if (failing("map") && n > 5 && strcmp(to + n - 5, ".lmdb") == 0 &&
	    (n < 12 || strcmp(to + n - 12, ".policy.lmdb") != 0)) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
}
int
fsync(int fd)
{
	struct stat st;

	if (failing("dirsync") && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}
EOF
	cc -shared -fPIC -o fail.so fail.c || skip "cannot build a preload library"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}

# failing WHAT CMD...: runs CMD with publish_shim's WHAT failing.
failing() {
	what=$1
	shift
	FAIL=$what LD_PRELOAD=$T/fail.so "$@"
}

# pair_matches BASE: BASE.policy.lmdb names BASE.lmdb (else it fails).
pair_matches() {
	[ "$(policy_names "$1.policy.lmdb")" = "$(stat -c '%d:%i' "$1.lmdb")" ]
}

# half_published: the messages say that the policy file is new and the
# map old, and so it is: the rest as in e.before, no temp file left;
# then the compile they ask for pairs the files again.
half_published() {
	expect_in "$T/err" "cannot rename"
	expect_in "$T/err" "e/a.policy.lmdb is the new one but e/a.lmdb the old one: Postfix reads the old map, and after 2 s alias-milter and alias-lookupd read the new policy file with it (they log that the two do not match); run aliasctl compile"
	snapshot e >e.after
	grep -v 'policy.lmdb$' e.before >e.rest
	grep -v 'policy.lmdb$' e.after | diff e.rest - ||
		die "not only the policy file changed"
	grep 'policy.lmdb$' e.before >e.pol
	grep 'policy.lmdb$' e.after | diff e.pol - >/dev/null &&
		die "the policy file was not replaced"
	pair_matches e/a && die "the pair matches"
	no_temps
	# doctor sees the half-published pair (its Postfix checks read an
	# empty configuration of our own).
	mkdir -p "$T/pf"
	: >"$T/pf/main.cf"
	expect_exit 78 "$ALIASCTL" -f e/a.yaml doctor --postfix-config "$T/pf"
	expect_in "$T/out" "fail  map_age: e/a.policy.lmdb does not belong to e/a.lmdb (a compile or edit stopped half-way, or the files were copied apart): run aliasctl compile"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml compile
	pair_matches e/a || die "compile did not pair the files"
	expect_exit 78 "$ALIASCTL" -f e/a.yaml doctor --postfix-config "$T/pf"
	expect_in "$T/out" "ok    map_age: e/a.lmdb is not older than e/a.yaml"
}

test_publish_map_rename_fails() {
	# The map's rename fails after the policy file's: exit 74, and the
	# messages say which file is new and what to run.
	publish_shim
	edit_setup
	expect_exit 74 failing map "$ALIASCTL" -f e/a.yaml compile
	half_published
	half_edit "changing the keys of irs@example.com only"
	# The full way: the map does not belong to the file.
	echo '# edited by hand' >>e/a.yaml
	half_edit "compiling in full"
}

# half_edit WAY: a revoke whose map's rename fails, made the way WAY
# (said with -v): the alias file stays as it was and the edit is not
# made (the compile brings back the old pair).
half_edit() {
	snapshot e >e.before
	expect_exit 74 failing map "$ALIASCTL" -v -f e/a.yaml revoke irs@example.com
	expect_in "$T/err" "$1"
	expect_in "$T/err" "e/a.yaml: unchanged; alias-milter and alias-lookupd go by the new policy file until aliasctl compile undoes it: after the compile, make the edit again"
	half_published
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query irs@example.com
}

# in_use_unsynced: the new pair is in place and matches, as the
# messages say.
in_use_unsynced() {
	expect_in "$T/err" "replaced, but fsync of its directory failed"
	expect_in "$T/err" "e/a: the new files are in place and in use, but a crash may bring back the old ones"
	pair_matches e/a || die "the pair does not match"
	no_temps
}

test_publish_dir_fsync_fails() {
	# Both files renamed, a directory's fsync failed: the change is in
	# effect, so exit 0 with a warning, and an edit keeps the edited
	# alias file, which agrees with the map.
	publish_shim
	edit_setup
	old=$(stat -c %i e/a.lmdb)
	expect_exit 0 failing dirsync "$ALIASCTL" -f e/a.yaml compile
	in_use_unsynced
	expect_in "$T/out" "a.lmdb: 9 entries"
	[ "$(stat -c %i e/a.lmdb)" != "$old" ] || die "the map was not replaced"
	expect_exit 0 failing dirsync "$ALIASCTL" -v -f e/a.yaml revoke irs@example.com
	expect_in "$T/err" "changing the keys of irs@example.com only"
	in_use_unsynced
	expect_in "$T/out" "revoked irs@example.com"
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query irs@example.com
	same_as_compile e/a.yaml e/a
	# The full way.
	echo '# edited by hand' >>e/a.yaml
	expect_exit 0 failing dirsync "$ALIASCTL" -v -f e/a.yaml revoke family@example.org
	expect_in "$T/err" "compiling in full"
	in_use_unsynced
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query family@example.org
	tail -1 e/a.yaml | grep -qx '# edited by hand' || die "the edit is not in the file"
	# File and map agree: the next edit takes the one-key way.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml restore irs@example.com
	expect_in "$T/err" "changing the keys of irs@example.com only"
}

test_edit_lock_held() {
	command -v python3 >/dev/null || die "python3 needed"
	edit_setup
	python3 -c 'import fcntl, time
f = open("e/a.yaml.lock", "a+"); fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True); time.sleep(30)' >locked &
	pid=$!
	i=0
	until [ -s locked ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
	expect_exit 75 "$ALIASCTL" -f e/a.yaml revoke irs@example.com
	kill $pid
	expect_in "$T/err" "being edited by another process"
	edit_unchanged
}

test_edit_concurrent() {
	# Six edits at once: each waits for the lock, none is lost.
	edit_setup
	pids=
	for i in 1 2 3 4 5 6; do
		"$ALIASCTL" -f e/a.yaml add "c$i@example.com" >/dev/null 2>"err$i" &
		pids="$pids $!"
	done
	"$ALIASCTL" -f e/a.yaml revoke irs@example.com >/dev/null 2>err7 &
	pids="$pids $!"
	for p in $pids; do wait "$p" || die "a concurrent edit failed: $(cat err*)"; done
	for i in 1 2 3 4 5 6; do
		expect_exit 0 "$ALIASCTL" -f e/a.yaml query "c$i@example.com"
	done
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query irs@example.com
	expect_exit 0 "$ALIASCTL" -f e/a.yaml check
	expect_in "$T/out" "2 domains, 8 active, 2 revoked, 1 expired"
	[ -z "$(find e -name '*.edit.*')" ] || die "temp files left"
}

test_edit_keeps_mode() {
	edit_setup
	chmod 640 e/a.yaml
	ino=$(stat -c %i e/a.yaml)
	expect_exit 0 "$ALIASCTL" -f e/a.yaml revoke irs@example.com
	[ "$(stat -c %a e/a.yaml)" = 640 ] || die "mode not kept"
	[ "$(stat -c %i e/a.yaml)" != "$ino" ] || die "not replaced by rename"
	[ -f e/a.yaml.lock ] || die "no lock file"
}

test_new_shape() {
	edit_setup
	expect_exit 0 "$ALIASCTL" -f e/a.yaml new Shop.Online --note vendor
	addr=$(cat "$T/out")
	[ "$(tail -3 e/a.yaml)" = "$(printf '%s\n' "  $addr:" \
	    '    note: vendor' "    created: $(date +%Y-%m-%d)")" ] ||
		die "unexpected text: $(tail -3 e/a.yaml)"
	printf '%s\n' "$addr" |
		grep -Eqx 'shop\.online\.[abcdefghjkmnpqrstuvwxyz23456789]{6}@example\.com' ||
		die "bad shape: $addr"
	[ "$(wc -l <"$T/out")" -eq 1 ] || die "more than the address: $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query "$addr"
	expect_in "$T/out" "me@example.net"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml list
	expect_in "$T/out" "$addr  active"
	expect_in "$T/out" "vendor"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml new x --domain Example.ORG. \
	    --receive-only --expires 2099-01-01
	grep -Eqx 'x\.[a-z2-9]{6}@example\.org' "$T/out" ||
		die "bad --domain: $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml check
	expect_in "$T/out" "2 domains, 5 active, 1 revoked, 1 expired"
}

test_new_unique() {
	edit_setup
	: >got
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		expect_exit 0 "$ALIASCTL" -f e/a.yaml new bulk
		cat "$T/out" >>got
	done
	[ "$(sort -u got | wc -l)" -eq 20 ] || die "duplicates: $(sort got | uniq -d)"
	while read -r addr; do
		expect_exit 0 "$ALIASCTL" -f e/a.yaml query "$addr"
	done <got
}

test_new_never_reuses_revoked() {
	# getrandom(2) made predictable: each call fills the buffer with
	# the number of calls so far in the process (0, 1, ...), or always
	# 0 with ZERO set, so that the first name tried is always x.aaaaaa.
	command -v cc >/dev/null || skip "no cc"
	cat >rnd.c <<'EOF'
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
ssize_t getrandom(void *, size_t, unsigned int);
static int calls;
ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	memset(buf, getenv("ZERO") != NULL ? 0 : calls++, len);
	return (ssize_t)len;
}
EOF
	cc -shared -fPIC -o rnd.so rnd.c || skip "cannot build a preload library"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	edit_setup
	LD_PRELOAD=$PWD/rnd.so expect_exit 0 "$ALIASCTL" -f e/a.yaml new x
	[ "$(cat "$T/out")" = x.aaaaaa@example.com ] || die "preload not used: $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml revoke x.aaaaaa@example.com
	# x.aaaaaa is tried first again: revoked, so it is skipped.
	LD_PRELOAD=$PWD/rnd.so expect_exit 0 "$ALIASCTL" -f e/a.yaml new x
	[ "$(cat "$T/out")" = x.bbbbbb@example.com ] || die "got $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml list --revoked
	expect_in "$T/out" "x.aaaaaa@example.com  revoked"
	# Only taken names: a bounded number of tries, then 69, no change.
	snapshot e >e.mid
	ZERO=1 LD_PRELOAD=$PWD/rnd.so expect_exit 69 "$ALIASCTL" -f e/a.yaml new x
	expect_in "$T/err" "no free name"
	snapshot e >e.after
	expect_same e.mid e.after
}

test_new_errors() {
	edit_setup
	long=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	for bad in 'a+b' '.x' 'x.' 'a..b' 'a b' 'a@b' "$long" ''; do
		expect_exit 64 "$ALIASCTL" -f e/a.yaml new "$bad"
	done
	expect_exit 64 "$ALIASCTL" -f e/a.yaml new
	expect_exit 64 "$ALIASCTL" -f e/a.yaml new x --expires 2026-02-30
	expect_exit 64 "$ALIASCTL" -f e/a.yaml new x --bogus
	expect_exit 65 "$ALIASCTL" -f e/a.yaml new x --domain example.net
	expect_in "$T/err" "example.net is not a domain under domains:"
	edit_unchanged
	# example.org splits no subaddress: + is fine there.
	expect_exit 0 "$ALIASCTL" -f e/a.yaml new 'a+b' --domain example.org
}

test_list_table() {
	small_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -S none.lmdb list
	cat >want <<'EOF'
ALIAS                STATE                EXPIRES     HITS  REVOKED-HITS  LOCKED  LAST-SEEN         NOTE
irs@example.com      active               -              0             0       0  -                 accountant
bestbuy@example.com  revoked 2026-11-01   -              0             0       0  -
family@example.org   active               -              0             0       0  -
shop@example.com     active receive-only  2099-06-30     0             0       0  -
old@example.com      expired 2020-01-31   2020-01-31     0             0       0  -
EOF
	expect_same want "$T/out"
	expect_exit 0 "$ALIASCTL" -f a.yaml list --revoked
	cat >want <<'EOF'
ALIAS                STATE               EXPIRES     HITS  REVOKED-HITS  LOCKED  LAST-SEEN         NOTE
bestbuy@example.com  revoked 2026-11-01  -              0             0       0  -
EOF
	expect_same want "$T/out"
	expect_exit 64 "$ALIASCTL" -f a.yaml list --bogus
}

test_list_hits() {
	small_file
	printf '  electronics@example.com:\n    senders: [bestbuy.com]\n' >>a.yaml
	stats_file s.lmdb
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb list
	cat >want <<'EOF'
ALIAS                    STATE                EXPIRES     HITS  REVOKED-HITS  LOCKED  LAST-SEEN         NOTE
irs@example.com          active               -             12             0       0  2026-01-02 00:00  accountant
bestbuy@example.com      revoked 2026-11-01   -              0             5       0  2026-01-03 00:00
family@example.org       active               -              1             0       0  2026-01-01 00:00
shop@example.com         active receive-only  2099-06-30    12             0       0  2026-01-01 00:01
old@example.com          expired 2020-01-31   2020-01-31     0             0       0  -
electronics@example.com  active locked        -              4             0      17  2026-01-01 00:02
EOF
	expect_same want "$T/out"
	# Without -S: the files of both daemons and the old MAP.stats.lmdb,
	# added up, as for stats.
	mv s.lmdb a.stats.lmdb
	TZ=UTC expect_exit 0 "$ALIASCTL" -f a.yaml list
	expect_same want "$T/out"
}

test_list_json() {
	small_file
	printf '  electronics@example.com:\n    senders: [bestbuy.com, Orders@Shop.example]\n' >>a.yaml
	stats_file s.lmdb
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb list --json
	cat >want <<'EOF'
[
 {"alias":"irs@example.com","state":"active","date":null,"expires":null,"receive_only":false,"senders":null,"note":"accountant","hits":12,"revoked_hits":0,"locked":0,"last_seen":"2026-01-02T00:00:00Z"},
 {"alias":"bestbuy@example.com","state":"revoked","date":"2026-11-01","expires":null,"receive_only":false,"senders":null,"note":null,"hits":0,"revoked_hits":5,"locked":0,"last_seen":"2026-01-03T00:00:00Z"},
 {"alias":"family@example.org","state":"active","date":null,"expires":null,"receive_only":false,"senders":null,"note":null,"hits":1,"revoked_hits":0,"locked":0,"last_seen":"2026-01-01T00:00:00Z"},
 {"alias":"shop@example.com","state":"active","date":null,"expires":"2099-06-30","receive_only":true,"senders":null,"note":null,"hits":12,"revoked_hits":0,"locked":0,"last_seen":"2026-01-01T00:01:00Z"},
 {"alias":"old@example.com","state":"expired","date":"2020-01-31","expires":"2020-01-31","receive_only":false,"senders":null,"note":null,"hits":0,"revoked_hits":0,"locked":0,"last_seen":null},
 {"alias":"electronics@example.com","state":"active","date":null,"expires":null,"receive_only":false,"senders":["bestbuy.com","orders@shop.example"],"note":null,"hits":4,"revoked_hits":0,"locked":17,"last_seen":"2026-01-01T00:02:00Z"}
]
EOF
	expect_same want "$T/out"
	expect_exit 0 "$ALIASCTL" -f a.yaml -S none.lmdb list --revoked --json
	cat >want <<'EOF'
[
 {"alias":"bestbuy@example.com","state":"revoked","date":"2026-11-01","expires":null,"receive_only":false,"senders":null,"note":null,"hits":0,"revoked_hits":0,"locked":0,"last_seen":null}
]
EOF
	expect_same want "$T/out"
}

test_command_help() {
	# COMMAND --help and -h print that command's entry of the help text.
	"$ALIASCTL" help >help.txt
	for cmd in check compile query export stats add revoke restore lock unlock new list senders leaks import setup doctor help; do
		for opt in --help -h; do
			expect_exit 0 "$ALIASCTL" "$cmd" "$opt"
			head -1 "$T/out" | grep -Eq "^  $cmd( |\$)" ||
				die "$cmd $opt: $(cat "$T/out")"
			[ "$(grep -cxF -f "$T/out" help.txt)" -eq "$(wc -l <"$T/out")" ] ||
				die "$cmd $opt: lines not in the help text"
		done
	done
	expect_exit 0 "$ALIASCTL" stats --help
	expect_in "$T/out" "  stats [--json] [--top N] [--unknown]"
	expect_in "$T/out" "hits per alias"
}

# same_as_compile FILE BASE [SKIP]: the map pair at BASE is what a
# compile of FILE writes (into full.lmdb), as same_maps compares them.
same_as_compile() {
	"$ALIASCTL" -f "$1" -m full compile >/dev/null
	same_maps "$2" full ${3:+"$3"}
}

# same_maps BASE1 BASE2: the two maps hold the same pairs, and so do the
# policy files, apart from the compile's time and the map's inode (and,
# with a third argument, the alias file's fingerprint, whose split point
# a two-part load chooses anew).
same_maps() {
	for b in "$1" "$2"; do
		cp "$b.lmdb" "$b.copy"
		mdb_dump -p -n "$b.copy" | grep -v '^mapsize=' >"$b.dump"
		cp "$b.policy.lmdb" "$b.copy"
		mdb_dump -p -n "$b.copy" | grep -v '^mapsize=' |
		    sed "/^  compiled/,+1d; /^  map/,+1d; ${3:+/^  source/,+1d}" \
		    >"$b.pdump"
		rm -f "$b.copy" "$b.copy-lock"
	done
	expect_same "$1.dump" "$2.dump"
	expect_same "$1.pdump" "$2.pdump"
}

test_revoke_one_key() {
	# A revoke on a file the map was compiled from changes the alias's
	# keys only; the result is what a compile of the new file gives.
	edit_setup
	sleep 1
	before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml revoke irs@example.com \
	    --reason 'leaked "again"'
	expect_in "$T/err" "the map still belongs to the file: changing the keys of irs@example.com only"
	# " compiled" is the edit's time, as a compile would write it.
	printf '%s\n' "$before" "$(policy_record e/a.policy.lmdb compiled)" \
	    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" | sort -c ||
		die "compiled: $(policy_record e/a.policy.lmdb compiled), not since $before"
	expect_in "$T/out" "a.lmdb: 8 entries (2 domains, 2 active, 2 revoked, 1 expired)"
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query -v irs@example.com
	expect_in "$T/err" "leaked \"again\""
	same_as_compile e/a.yaml e/a
	# A second one works from what the first recorded.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml revoke family@example.org
	expect_in "$T/err" "changing the keys of family@example.org only"
	same_as_compile e/a.yaml e/a
	# An expired alias is not in the map: only its policy record changes.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml revoke old@example.com
	expect_in "$T/err" "changing the keys of old@example.com only"
	same_as_compile e/a.yaml e/a
	expect_exit 0 "$ALIASCTL" -f e/a.yaml check
}

test_revoke_one_key_locked() {
	# A locked alias revoked as one key keeps its lock in the policy
	# record (for restore), exactly as a compile writes it; the Postfix
	# map never holds a lock.
	edit_setup
	cat >>e/a.yaml <<'YAML'
  electronics@example.com:
    senders: [BestBuy.com, alerts@bank.example]
YAML
	"$ALIASCTL" -f e/a.yaml compile >/dev/null
	cp e/a.policy.lmdb p.copy
	mdb_dump -p -n p.copy >pdump
	grep -qxF ' electronics@example.com\00' pdump || die "no policy record"
	grep -qxF ' a\09\09\09\09\09\09bestbuy.com alerts@bank.example\00' pdump ||
	    die "policy record: $(grep -A1 electronics pdump)"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query electronics@example.com
	expect_in "$T/out" "me@example.net"
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml revoke electronics@example.com
	expect_in "$T/err" "changing the keys of electronics@example.com only"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml check
	expect_in "$T/err" "senders has no effect while electronics@example.com is revoked"
	same_as_compile e/a.yaml e/a
	cp e/a.policy.lmdb p.copy
	mdb_dump -p -n p.copy >pdump
	grep -qF 'bestbuy.com alerts@bank.example\00' pdump ||
	    die "the lock was lost: $(grep -A1 electronics pdump)"
	rm -f p.copy p.copy-lock
}

test_revoke_one_key_large_file() {
	# Over 1 MiB: read by two threads, fingerprinted in two parts.
	"$TOP/tools/gen-aliases" 20000 a.yaml virtual 7
	"$ALIASCTL" -f a.yaml -m m compile >/dev/null
	for line in 30 20000 45000; do
		key=$(sed -n "${line},\$p" a.yaml | grep -m1 '^  [a-z]' |
		    sed 's/^  //; s/:.*//')
		expect_exit 0 "$ALIASCTL" -v -f a.yaml -m m revoke "$key" --reason "line $line"
		expect_in "$T/err" "changing the keys of $key only"
		expect_exit 1 "$ALIASCTL" -f a.yaml -m m query "$key"
	done
	same_as_compile a.yaml m ignore-split
	expect_exit 0 "$ALIASCTL" -f a.yaml check
	# The fingerprint is in two parts: SIZE SPLIT HEAD TAIL WINDOWS.
	cp m.policy.lmdb p.copy
	mdb_dump -p -n p.copy | sed -n '/^  source/{n;p;}' >source
	read -r size split rest <source
	[ "$split" -lt "$size" ] || die "not a two-part load: $(cat source)"
}

# one_key CMD...: runs the edit, which must take the one-key way (-v
# says so), and compares the maps with a compile of the edited file.
one_key() {
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml "$@"
	expect_in "$T/err" "the map still belongs to the file: changing the keys of"
	same_as_compile e/a.yaml e/a
}

test_edit_one_key() {
	# Every edit of one alias on a file the map was compiled from
	# changes that alias's keys only, and ends where a compile of the
	# edited file ends, the policy file included.
	edit_setup
	one_key revoke irs@example.com --reason leaked
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query irs@example.com
	one_key restore irs@example.com
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query irs@example.com
	expect_in "$T/out" "me@example.net"
	grep -q "reason: leaked$" e/a.yaml && die "restore left the reason"
	one_key lock irs@example.com --sender Example.NET --sender alerts@bank.example
	expect_in e/a.yaml "senders: [example.net, alerts@bank.example]"
	one_key unlock irs@example.com
	# A receive-only alias keeps its record through a lock.
	one_key lock shop@example.com --sender shop.example
	one_key revoke shop@example.com
	one_key restore shop@example.com
	# An expired alias: revoked and restored, it stays out of the map.
	one_key revoke old@example.com
	one_key restore old@example.com
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query old@example.com
	# Adds: plain, with settings, already expired.
	one_key add new1@example.com --note "first one"
	expect_in "$T/out" "added new1@example.com"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query new1@example.com
	expect_in "$T/out" "me@example.net"
	one_key add new2@example.org --to x@elsewhere.example --receive-only \
	    --expires 2099-01-01
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query new2@example.org
	expect_in "$T/out" "x@elsewhere.example"
	one_key add gone@example.com --expires 2020-01-01
	expect_exit 1 "$ALIASCTL" -f e/a.yaml query gone@example.com
	# new: the name is checked in the map, the add is one key.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml new shop --domain example.org
	expect_in "$T/err" "names checked in the map only"
	expect_in "$T/err" "changing the keys of"
	key=$(cat "$T/out")
	case $key in shop.??????@example.org) ;; *) die "new printed '$key'" ;; esac
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query "$key"
	same_as_compile e/a.yaml e/a
	expect_exit 0 "$ALIASCTL" -f e/a.yaml check
	# The edits in a row add up to what a compile counts.
	expect_exit 0 "$ALIASCTL" -f e/a.yaml compile
	expect_in "$T/out" "a.lmdb: 12 entries (2 domains, 6 active, 1 revoked, 2 expired)"
}

test_edit_one_key_many() {
	# On a file read in two parts: adds at its end move no window, and
	# every 256th alias (the " lines" record's stride for this size)
	# gets its line recorded as a compile would.
	"$TOP/tools/gen-aliases" 20224 a.yaml virtual 9
	"$ALIASCTL" -f a.yaml -m m compile >/dev/null
	for i in 1 2 3; do
		expect_exit 0 "$ALIASCTL" -v -f a.yaml -m m add "many$i@example.com"
		expect_in "$T/err" "changing the keys of many$i@example.com only"
	done
	key=$(sed -n '30000,$p' a.yaml | grep -m1 '^  [a-z]' | sed 's/^  //; s/:.*//')
	for cmd in "lock $key --sender example.net" "revoke $key" \
	    "restore $key" "unlock $key"; do
		# shellcheck disable=SC2086
		expect_exit 0 "$ALIASCTL" -v -f a.yaml -m m $cmd
		expect_in "$T/err" "changing the keys of $key only"
	done
	same_as_compile a.yaml m ignore-split
}

test_import_apply_one_key() {
	# import --apply on a file the map was compiled from: its aliases
	# are added in the last lines and their keys put in copies of the
	# map and the policy file, as for one add.
	cp "$TOP/tests/data/virtual" "$TOP/tests/data/import.yaml" .
	"$ALIASCTL" -f import.yaml compile >/dev/null
	expect_exit 0 "$ALIASCTL" -v -f import.yaml import --virtual virtual --apply
	expect_in "$T/out" "added 5 aliases"
	expect_in "$T/err" "changing the keys of the 5 aliases only"
	same_as_compile import.yaml import
	expect_exit 0 "$ALIASCTL" -f import.yaml query family@example.com
	expect_in "$T/out" "spouse@example.net"
}

test_edit_full_when_unsure() {
	# What the map cannot vouch for takes the full way, says why under
	# -v, and ends where a compile of the edited file ends.
	edit_setup
	# A target at a managed domain must be an active alias: only a
	# load of the whole file can tell.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml add team@example.com \
	    --to irs@example.com
	expect_in "$T/err" "team@example.com forwards to a managed domain; compiling in full"
	same_as_compile e/a.yaml e/a
	one_key revoke team@example.com
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml restore team@example.com
	expect_in "$T/err" "forwards to a managed domain; compiling in full"
	# Locking a revoked alias: the full way warns.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml revoke new@example.com 2>/dev/null ||
	    true
	one_key revoke family@example.org
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml lock family@example.org \
	    --sender example.net
	expect_in "$T/err" "family@example.org is revoked; compiling in full"
	expect_in "$T/err" "senders has no effect while family@example.org is revoked"
	# An alias added already expired has its targets checked all the
	# same, as compile checks every alias's.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml add late@example.com \
	    --to irs@example.com --expires 2020-01-01
	expect_in "$T/err" "late@example.com forwards to a managed domain; compiling in full"
	# With the subaddress delimiter in it, a new alias may be the
	# target another alias names as irs+tax@: the whole file tells.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml add irs+tax@example.com
	expect_in "$T/err" "irs+tax@example.com holds a subaddress delimiter; compiling in full"
	same_as_compile e/a.yaml e/a
	# postmaster@ is in the map unlisted.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml add postmaster@example.com
	expect_in "$T/err" "compiling in full"
	same_as_compile e/a.yaml e/a
	# Refusals are the full way's, in its words, and change nothing.
	"$ALIASCTL" -f e/a.yaml compile >/dev/null
	snapshot e >e.before
	expect_exit 65 "$ALIASCTL" -f e/a.yaml add irs@example.com
	expect_in "$T/err" "irs@example.com is already in the file"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml add x@elsewhere.example
	expect_in "$T/err" "elsewhere.example is not a domain under domains:"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml add gone@example.com \
	    --to ghost@example.com --expires 2020-01-01
	expect_in "$T/err" "target ghost@example.com is at a managed domain but is not an alias"
	expect_exit 65 "$ALIASCTL" -f e/a.yaml unlock irs@example.com
	expect_exit 65 "$ALIASCTL" -f e/a.yaml restore irs@example.com
	expect_exit 67 "$ALIASCTL" -f e/a.yaml lock nobody@example.com \
	    --sender example.net
	edit_unchanged
	# Without a map, new loads the file to pick its name.
	rm e/a.lmdb e/a.policy.lmdb
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml new shop
	grep -q "names checked in the map" "$T/err" &&
	    die "new trusted a missing map"
	expect_exit 0 "$ALIASCTL" -f e/a.yaml query "$(cat "$T/out")"
}

test_revoke_full_when_unsure() {
	# Each case takes the full way, says why under -v, and ends where a
	# compile of the edited file ends.
	edit_setup
	# Hand-edited since the compile.
	echo "# a comment" >>e/a.yaml
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml revoke irs@example.com
	expect_in "$T/err" "the alias file changed since it was compiled; compiling in full"
	# Written in another case than the normalised key.
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml restore bestbuy@example.com
	expect_exit 0 "$ALIASCTL" -v -f e/a.yaml revoke bestbuy@example.com
	expect_in "$T/err" "bestbuy@example.com is not written that way in the file; compiling in full"
	# A target of another alias: the full way refuses it.
	cat >>e/a.yaml <<'YAML'
  team@example.com:
    to: shop@example.com
YAML
	"$ALIASCTL" -f e/a.yaml compile >/dev/null
	snapshot e >e.before
	expect_exit 65 "$ALIASCTL" -v -f e/a.yaml revoke shop@example.com
	expect_in "$T/err" "shop@example.com is the target of another alias; compiling in full"
	expect_in "$T/err" "target shop@example.com is a revoked alias"
	edit_unchanged
	# CR line breaks: line numbers would not be LF counts.
	sed 's/$/\r/' e/a.yaml >e/crlf.yaml
	"$ALIASCTL" -f e/crlf.yaml -m e/crlf compile >/dev/null
	expect_exit 0 "$ALIASCTL" -v -f e/crlf.yaml -m e/crlf revoke family@example.org
	expect_in "$T/err" "line breaks other than LF; compiling in full"
	same_as_compile e/crlf.yaml e/crlf
	# Flow style: no windows.
	printf 'domains: {example.com: {deliver_to: me@example.net}}\naliases: {a@example.com: {}, b@example.com: {}}\n' >e/flow.yaml
	"$ALIASCTL" -f e/flow.yaml compile >/dev/null
	expect_exit 65 "$ALIASCTL" -v -f e/flow.yaml revoke a@example.com
	expect_in "$T/err" "not a block mapping at column 3"
	expect_in "$T/err" "aliasctl edits only block style"
	# The map was compiled on another day: expiry may differ.
	printf 'domains:\n  example.com:\n    deliver_to: me@example.net\naliases:\n  a@example.com: {}\n  b@example.com: {}\n' >e/day.yaml
	"$ALIASCTL" -f e/day.yaml compile >/dev/null
	cp e/day.policy.lmdb day.copy
	mdb_dump -p -n day.copy | sed 's/^ [0-9-]\{10\} \([0-9 ]*\\00\)$/ 2000-01-01 \1/' >day.dump
	rm -f e/day.policy.lmdb
	mdb_load -n -f day.dump e/day.policy.lmdb
	rm -f e/day.policy.lmdb-lock
	expect_exit 0 "$ALIASCTL" -v -f e/day.yaml revoke a@example.com
	expect_in "$T/err" "compiled on another day"
}

test_root_refuses_writable_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	small_file
	chmod 664 a.yaml
	expect_exit 78 "$ALIASCTL" -f a.yaml compile
	expect_in "$T/err" "a.yaml: is group or world writable (mode 0664)"
	expect_exit 78 "$ALIASCTL" -f a.yaml revoke irs@example.com
	[ ! -e a.lmdb ] || die "compiled a writable file"
	chmod 644 a.yaml
	mkdir open
	cp a.yaml open/a.yaml
	chmod 777 open
	expect_exit 78 "$ALIASCTL" -f open/a.yaml check
	expect_in "$T/err" "its directory open is group or world writable"
	# A sticky directory (like /tmp) only lets owners replace files.
	chmod 1777 open
	expect_exit 0 "$ALIASCTL" -f open/a.yaml check
	# Not root: the owner's choice, but an edit never writes g/o+w.
	chmod 755 open "$T"
	chmod 666 open/a.yaml
	chown -R 65534:65534 open
	expect_exit 0 as_nobody "$ALIASCTL" -f open/a.yaml revoke irs@example.com
	[ "$(stat -c %a open/a.yaml)" = 644 ] || die "mode $(stat -c %a open/a.yaml)"
}

test_stale_temp_files_removed() {
	# What killed writers left is removed by the next writer holding
	# the lock; files that only look alike stay.
	edit_setup
	for f in a.yaml.edit.Ab12cD a.lmdb.tmp.x1y2z3 a.policy.lmdb.tmp.QQQQQQ \
	    a.lmdb.backup a.lmdb.tmp.short a.yaml.edit.toolong7; do
		echo stale >"e/$f"
	done
	expect_exit 0 "$ALIASCTL" -f e/a.yaml revoke irs@example.com
	for f in a.yaml.edit.Ab12cD a.lmdb.tmp.x1y2z3 a.policy.lmdb.tmp.QQQQQQ; do
		[ ! -e "e/$f" ] || die "e/$f left"
	done
	for f in a.lmdb.backup a.lmdb.tmp.short a.yaml.edit.toolong7; do
		[ -e "e/$f" ] || die "e/$f removed"
	done
	echo stale >e/a.lmdb.tmp.x1y2z3
	expect_exit 0 "$ALIASCTL" -f e/a.yaml compile
	[ ! -e e/a.lmdb.tmp.x1y2z3 ] || die "compile left a temp file"
}
