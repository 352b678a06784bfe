# tests/history.sh: the per-day history of the stats files and --merge
# (stats_days.c, history.c, report_files.c's list of files).  Stats files
# come from real alias-lookupd runs (hits counted as Postfix's smtpd asks
# them, over socketmap: tests/lookupd.sh) and from LMDB's own mdb_load
# with known contents, the layouts of stats_rec.h.
# 1767225600 is 2026-01-01 00:00 UTC, day 20454.

. "$TOP/tests/lookupd.sh"

# daykey D: the 4 big-endian bytes of day D as mdb_load -T escapes.
daykey() {
	printf '\\%02x\\%02x\\%02x\\%02x' $(( ($1 >> 24) & 255 )) \
	    $(( ($1 >> 16) & 255 )) $(( ($1 >> 8) & 255 )) $(( $1 & 255 ))
}

# top_rec COUNT [ADDRESS N]...: an "unknown_days" value, each address
# counted N times with over 0.
top_rec() {
	c=$1
	shift
	printf '\\01\\%02x\\00\\00\\00\\00\\00\\00' $(($# / 2))
	le64 "$c"
	while [ $# -gt 0 ]; do
		le64 "$2"
		le64 0
		printf '\\%02x\\00%s' ${#1} "$1"
		shift 2
	done
	echo
}

# history_file FILE: totals and three days, 2026-01-01 to 2026-01-03.
history_file() {
	{
		echo irs@example.com
		stats_rec 12 0 0 1767225600 1767312000
		echo bestbuy@example.com
		stats_rec 0 5 0 1767225600 1767398400
	} >aliases.txt
	{
		printf "%s%s\n" "$(daykey 20454)" "irs@example.com"
		stats_rec 5 0 0 0 0
		printf "%s%s\n" "$(daykey 20455)" "bestbuy@example.com"
		stats_rec 0 3 0 0 0
		printf "%s%s\n" "$(daykey 20455)" "irs@example.com"
		stats_rec 7 0 0 0 0
		printf "%s%s\n" "$(daykey 20456)" "bestbuy@example.com"
		stats_rec 0 2 0 0 0
		printf "%s%s\n" "$(daykey 20456)" "old@example.com"
		stats_rec 0 0 4 0 0
		printf "%s%s\n" "$(daykey 20456)" "shop@example.com"
		stats_rec 0 0 0 1 2
	} >days.txt
	{
		daykey 20454; echo
		top_rec 10 info@example.com 6 sales@example.com 4
		daykey 20456; echo
		top_rec 9 info@example.com 4
	} >udays.txt
	mdb_load -n -T -s aliases -f aliases.txt "$1"
	mdb_load -n -T -s days -f days.txt "$1"
	mdb_load -n -T -s unknown_days -f udays.txt "$1"
}

# smtpd_q KEY N: N lookups of KEY over socketmap, as Postfix's smtpd
# (hits are counted for it only).
smtpd_q() {
	n=0
	while [ $n -lt "$2" ]; do
		QPOSTMAP=$T/smtpd q "$SM" "$1" >/dev/null
		n=$((n + 1))
	done
}

history_need() {
	lk_need
	lk_file
	command -v mdb_load >/dev/null ||
	    die "mdb_load is missing: run tools/deps test (lmdb-utils)"
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map compile
	cp "$(command -v postmap)" "$T/smtpd"
}

test_history_days_table() {
	command -v mdb_load >/dev/null || die "mdb_load is missing"
	history_file h.lmdb
	expect_exit 0 "$ALIASCTL" -S h.lmdb stats --days 3 --until 2026-01-03
	cat >want <<'EOF2'
DAY         ACCEPTED  REVOKED  EXPIRED  BACKSCATTER  LOCKED  UNKNOWN
2026-01-01         5        0        0            0       0       10
2026-01-02         7        3        0            0       0        0
2026-01-03         0        2        4            1       2        9
EOF2
	expect_same want "$T/out"
	expect_exit 0 "$ALIASCTL" -S h.lmdb stats --days 2 --until 2026-01-03 \
	    --alias IRS@example.com
	cat >want <<'EOF2'
DAY         ACCEPTED  REVOKED  EXPIRED  BACKSCATTER  LOCKED
2026-01-02         7        0        0            0       0
2026-01-03         0        0        0            0       0
EOF2
	expect_same want "$T/out"
	expect_exit 0 "$ALIASCTL" -S h.lmdb stats --days 3 --until 2026-01-03 \
	    --unknown
	cat >want <<'EOF2'
DAY         RECIPIENT          COUNT
2026-01-01  (all)                 10
2026-01-01  info@example.com       6
2026-01-01  sales@example.com      4
2026-01-02  (all)                  0
2026-01-03  (all)                  9
2026-01-03  info@example.com       4
2026-01-03  (rest)                 5
EOF2
	expect_same want "$T/out"
	expect_exit 0 "$ALIASCTL" -S h.lmdb stats --days 1 --until 2026-01-03 \
	    --json
	cat >want <<'EOF2'
{"alias":null,"days":[
 {"day":"2026-01-03","accepted":0,"revoked":2,"expired":4,"backscatter":1,"locked":2,"unknown":9,"unknown_rest":5,"most_tried":[{"recipient":"info@example.com","count":4,"over":0}]}
],"files":["h.lmdb"]}
EOF2
	expect_same want "$T/out"
	jq . "$T/out" >/dev/null || die "not JSON"
	# Usage errors change nothing and say why.
	expect_exit 64 "$ALIASCTL" -S h.lmdb stats --days 0
	expect_in "$T/err" "--days needs a number from 1 to 3660"
	expect_exit 64 "$ALIASCTL" -S h.lmdb stats --alias irs@example.com
	expect_in "$T/err" "--alias and --until go with --days"
	expect_exit 64 "$ALIASCTL" -S h.lmdb stats --days 2 --unknown \
	    --alias irs@example.com
	expect_exit 64 "$ALIASCTL" -S h.lmdb stats --days 2 --until 2026-13-01
}

# Two files of two real daemon runs and one of mdb_load: counts add up,
# first seen is the earliest, last seen the latest, days add up.
test_history_merge() {
	history_need
	lk_start -S "$T/one.lmdb"
	smtpd_q irs@example.com 3
	smtpd_q bestbuy@example.com 1
	smtpd_q old@example.com 2
	smtpd_q nobody@example.com 2
	lk_stop
	lk_start -S "$T/two.lmdb"
	smtpd_q irs@example.com 2
	smtpd_q nobody@example.com 1
	smtpd_q guess@example.com 1
	lk_stop
	history_file three.lmdb
	expect_exit 0 "$ALIASCTL" -m map -S one.lmdb stats --merge two.lmdb \
	    --merge "$T/three.lmdb"
	expect_in "$T/out" "# counts from one.lmdb + two.lmdb + $T/three.lmdb"
	# The table's columns in --json's order: old@, expired, was refused
	# twice as expired (EXPIRED, of REVOKED), bestbuy@ as revoked only.
	expect_in "$T/out" "ALIAS                HITS  REVOKED  EXPIRED  BACKSCATTER  LOCKED  FIRST-SEEN        LAST-SEEN"
	expect_in "$T/out" "old@example.com         0        2        2            0       0  "
	expect_in "$T/out" "bestbuy@example.com     0        6        0            0       0  "
	expect_exit 0 "$ALIASCTL" -S one.lmdb stats --json --merge two.lmdb \
	    --merge three.lmdb
	cp "$T/out" stats.json
	expect_stat irs@example.com 17 hits
	expect_stat bestbuy@example.com 6 revoked
	expect_stat old@example.com 2 revoked
	expect_stat old@example.com 2 expired
	expect_stat bestbuy@example.com 0 expired
	[ "$(jq -r '.aliases[] | select(.alias == "irs@example.com") |
	    .first_seen' stats.json)" = 2026-01-01T00:00:00Z ] ||
	    die "first seen is not the earliest: $(cat stats.json)"
	today=$(date -u +%Y-%m-%d)
	jq -r '.aliases[] | select(.alias == "irs@example.com") |
	    .last_seen' stats.json | grep -q "^${today}T" ||
	    die "last seen is not today's: $(cat stats.json)"
	# The days: today's from the daemons, 2026's from mdb_load.
	expect_exit 0 "$ALIASCTL" -S one.lmdb stats --days 1 --json \
	    --merge two.lmdb --merge three.lmdb
	d=$(jq -c '.days[0] | [.accepted, .revoked, .expired, .unknown,
	    (.most_tried | map([.recipient, .count]))]' "$T/out")
	[ "$d" = '[5,1,2,4,[["nobody@example.com",3],["guess@example.com",1]]]' ] ||
	    die "today merged: $d"
	expect_exit 0 "$ALIASCTL" -S one.lmdb stats --days 1 --json \
	    --alias old@example.com --merge two.lmdb
	[ "$(jq -c '.days[0] | [.revoked, .expired]' "$T/out")" = '[0,2]' ] ||
	    die "expired is not told from revoked: $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -S one.lmdb stats --days 400 --json \
	    --alias irs@example.com --merge two.lmdb --merge three.lmdb
	[ "$(jq '[.days[] | .accepted] | add' "$T/out")" -eq 17 ] ||
	    die "the days of irs@ do not add up to 17: $(cat "$T/out")"
	# The same view from the other files' side: the order is no matter.
	expect_exit 0 "$ALIASCTL" -S three.lmdb stats --merge one.lmdb \
	    --merge two.lmdb --top 1
	expect_in "$T/out" "irs@example.com    17"
	# list and senders honour --merge too.
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map -S one.lmdb list --json \
	    --merge two.lmdb --merge three.lmdb
	[ "$(jq '.[] | select(.alias == "irs@example.com") | .hits' \
	    "$T/out")" -eq 17 ] || die "list --merge: $(cat "$T/out")"
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map -S one.lmdb senders \
	    irs@example.com --merge two.lmdb
	expect_in "$T/out" "# counts from one.lmdb + two.lmdb"
}

# A merge file that is missing or no stats file is an error with its
# name; the same file twice is counted once, with a warning.
test_history_merge_errors() {
	command -v mdb_load >/dev/null || die "mdb_load is missing"
	history_file h.lmdb
	expect_exit 66 "$ALIASCTL" -S h.lmdb stats --merge nosuch.lmdb
	expect_in "$T/err" "nosuch.lmdb"
	echo "not LMDB" >bad.lmdb
	expect_exit 65 "$ALIASCTL" -S h.lmdb stats --merge bad.lmdb
	expect_in "$T/err" "bad.lmdb"
	# An LMDB file that is no stats file (a map, say).
	printf 'x@example.com\tme@example.net\n' >virtual
	postmap lmdb:virtual
	expect_exit 65 "$ALIASCTL" -S h.lmdb stats --merge virtual.lmdb
	expect_in "$T/err" "virtual.lmdb: not a stats file"
	expect_exit 64 "$ALIASCTL" -S h.lmdb stats --merge ''
	ln h.lmdb same.lmdb
	expect_exit 0 "$ALIASCTL" -S h.lmdb stats --merge ./h.lmdb \
	    --merge same.lmdb
	expect_in "$T/err" "./h.lmdb is the same file as h.lmdb: counted once"
	expect_in "$T/err" "same.lmdb is the same file as h.lmdb: counted once"
	expect_in "$T/out" "irs@example.com        12"
}

# A file of the code before the history (records of version 1 and 2, no
# senders, days nor meta tables) is read as it is, then updated by a new
# daemon: totals kept plus the new hits, days begun.
test_history_old_file() {
	history_need
	stats_file old.lmdb
	TZ=UTC expect_exit 0 "$ALIASCTL" -S old.lmdb stats
	expect_in "$T/out" "irs@example.com            12        0        0            0       0  2026-01-01 00:00  2026-01-02 00:00"
	expect_in "$T/out" "electronics@example.com     4        0        0            0      17"
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map -S old.lmdb list
	expect_in "$T/out" "irs@example.com"
	expect_exit 0 "$ALIASCTL" -f a.yaml -m map -S old.lmdb senders \
	    irs@example.com
	expect_in "$T/err" "no sender evidence for irs@example.com yet"
	expect_exit 0 "$ALIASCTL" -S old.lmdb stats --days 7
	lk_start -S "$T/old.lmdb"
	smtpd_q irs@example.com 2
	smtpd_q bestbuy@example.com 1
	lk_stop
	TZ=UTC expect_exit 0 "$ALIASCTL" -S old.lmdb stats --json
	cp "$T/out" stats.json
	expect_stat irs@example.com 14 hits
	expect_stat bestbuy@example.com 6 revoked
	expect_stat electronics@example.com 17 locked
	expect_stat family@example.org 1 hits
	expect_stat shop@example.com 3 backscatter
	[ "$(jq -r '.aliases[] | select(.alias == "irs@example.com") |
	    .first_seen' stats.json)" = 2026-01-01T00:00:00Z ] ||
	    die "first seen changed: $(cat stats.json)"
	expect_exit 0 "$ALIASCTL" -S old.lmdb stats --days 1 --json
	[ "$(jq -c '.days[0] | [.accepted, .revoked]' "$T/out")" = '[2,1]' ] ||
	    die "today: $(cat "$T/out")"
	# The records the daemon touched are version 3 now (64 bytes).
	mdb_dump -s aliases -p -n old.lmdb | grep -A1 '^ irs@example.com$' |
	    tail -1 | grep -q '^ \\03\\00' || {
		mdb_dump -s aliases -p -n old.lmdb >&2
		die "irs@'s record was not upgraded"
	}
}

# Day rows older than 400 days are folded by a daemon's flush: deleted,
# the totals unchanged.
test_history_fold() {
	history_need
	now=$(date +%s)
	today=$((now / 86400))
	{
		echo irs@example.com
		stats_rec 40 0 0 946684800 $now
	} >aliases.txt
	{
		printf "%s%s\n" "$(daykey 10957)" "irs@example.com"
		stats_rec 30 0 0 0 0
		printf "%s%s\n" "$(daykey $((today - 400)))" "irs@example.com"
		stats_rec 6 0 0 0 0
		printf "%s%s\n" "$(daykey $((today - 399)))" "irs@example.com"
		stats_rec 4 0 0 0 0
	} >days.txt
	{
		daykey 10957; echo
		top_rec 3 guess@example.com 3
	} >udays.txt
	mdb_load -n -T -s aliases -f aliases.txt f.lmdb
	mdb_load -n -T -s days -f days.txt f.lmdb
	mdb_load -n -T -s unknown_days -f udays.txt f.lmdb
	lk_start -S "$T/f.lmdb"
	smtpd_q irs@example.com 1
	lk_stop
	rows=$(mdb_dump -s days -p -n f.lmdb | grep -c '^ ' || true)
	# Left: the day 399 days ago and today's, two lines each.
	[ "$rows" -eq 4 ] || {
		mdb_dump -s days -p -n f.lmdb >&2
		die "days not folded: $rows lines"
	}
	mdb_dump -s unknown_days -p -n f.lmdb | grep -q '^ ' &&
	    die "unknown_days not folded"
	expect_exit 0 "$ALIASCTL" -S f.lmdb stats --json
	cp "$T/out" stats.json
	expect_stat irs@example.com 41 hits
	expect_exit 0 "$ALIASCTL" -S f.lmdb stats --days 400 --json \
	    --alias irs@example.com
	[ "$(jq -c '[.days[] | select(.accepted > 0) | .accepted]' \
	    "$T/out")" = '[4,1]' ] || die "days kept: $(cat "$T/out")"
}
