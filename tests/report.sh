# tests/report.sh: the views of the hit counters made for other
# programs and for people: aliasctl stats --prometheus, parsed by the
# official Python client, and aliasctl report --html, rendered by
# headless Chromium.

# daykey, top_rec: the "days" and "unknown_days" records.
. "$TOP/tests/history.sh"

# The Python that has Debian's python3-prometheus-client (not one a
# user put first on PATH).
PY=/usr/bin/python3

# rp_file: the alias file and a stats file written with mdb_load, of
# known contents: 1767225600 is 2026-01-01 00:00 UTC.
rp_file() {
	cat >a.yaml <<'YAML'
domains:
  example.com:
    deliver_to: me@example.net
aliases:
  irs@example.com: {}
  shop@example.com:
    receive_only: true
  electronics@example.com:
    senders: [bestbuy.com]
  bestbuy@example.com:
    revoked: 2026-01-02
  old@example.com:
    expires: 2020-01-31
  '"q\"x"@example.com': {}
YAML
	J=1767225600
	{
		echo irs@example.com
		stats_rec2 12 0 0 $J $((J + 60)) 0
		echo shop@example.com
		stats_rec2 7 0 3 $J $((J + 60)) 0
		echo electronics@example.com
		stats_rec2 4 0 0 $J $((J + 60)) 17
		echo bestbuy@example.com
		stats_rec2 0 5 0 $J $((J + 60)) 0
		# The hostile key: quotes and a backslash in a label value.
		printf '"q\\5c"x"@example.com\n'
		stats_rec2 1 0 0 $J $J 0
	} >aliases.txt
	{
		echo info@example.com
		stats_rec 310 $J $((J + 3600))
		# Its script would mark the page if it ran.
		printf '<script>document.body.dataset.ran=1</script>"@example.com\n'
		stats_rec 2 $J $J
		echo '(other)'
		stats_rec 5 $J $J
	} >unknown.txt
	mdb_load -n -T -s aliases -f aliases.txt s.lmdb
	mdb_load -n -T -s unknown -f unknown.txt s.lmdb
	"$ALIASCTL" -f a.yaml compile >/dev/null
}

rp_need_python() {
	$PY -c 'import prometheus_client.parser' 2>/dev/null ||
	    die "python3-prometheus-client is missing: run tools/deps test"
}

# promcheck METRICS EXPECT: the official parser reads METRICS and finds
# what EXPECT lists (tests/promcheck.py).
promcheck() {
	$PY "$TOP/tests/promcheck.py" "$1" "$2" || {
		sed 's/^/  | /' "$1" >&2
		die "the metrics are not what was expected"
	}
}

test_prometheus_known_file() {
	rp_need_python
	rp_file
	# As after an edit that changes no key of the map: the policy file
	# is newer, and its time is the map's last edit.
	touch -d '-1 hour' a.lmdb
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus
	cp out m.prom
	cat >want <<'EOF2'
type aliasctl_recipients counter
aliasctl_recipients_total{verdict="accepted"} 24
aliasctl_recipients_total{verdict="unknown"} 317
aliasctl_recipients_total{verdict="revoked"} 5
aliasctl_recipients_total{verdict="backscatter"} 3
aliasctl_recipients_total{verdict="locked"} 17
count aliasctl_recipients 6
type aliasctl_unknown_addresses gauge
aliasctl_unknown_addresses 2
type aliasctl_aliases gauge
aliasctl_aliases{state="active"} 4
aliasctl_aliases{state="revoked"} 1
aliasctl_aliases{state="expired"} 1
aliasctl_aliases_receive_only 1
aliasctl_aliases_locked 1
aliasctl_domains 1
type aliasctl_map_last_compile_timestamp_seconds gauge
count aliasctl_alias_recipients 0
count aliasctl_stats_last_flush_timestamp_seconds 0
EOF2
	echo "aliasctl_map_last_compile_timestamp_seconds $(stat -c %Y a.policy.lmdb)" \
	    >>want
	promcheck m.prom want
	# Unknown recipients are never labels.
	! grep -q 'info@' m.prom || die "an unknown recipient is a label"
}

test_prometheus_per_alias() {
	rp_need_python
	rp_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus \
	    --per-alias 2
	cp out m.prom
	# The two busiest by every verdict: electronics@ (21), irs@ (12).
	cat >want <<'EOF2'
type aliasctl_alias_recipients counter
count aliasctl_alias_recipients 10
aliasctl_alias_recipients_total{alias="electronics@example.com",verdict="locked"} 17
aliasctl_alias_recipients_total{alias="electronics@example.com",verdict="accepted"} 4
aliasctl_alias_recipients_total{alias="irs@example.com",verdict="accepted"} 12
aliasctl_alias_recipients_total{alias="irs@example.com",verdict="revoked"} 0
absent aliasctl_alias_recipients_total{alias="shop@example.com",verdict="accepted"}
EOF2
	promcheck m.prom want
	# Without N: every alias here (fewer than the default), the
	# hostile one escaped as the format says.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus \
	    --per-alias
	cp out m.prom
	cat >want <<'EOF2'
count aliasctl_alias_recipients 25
aliasctl_alias_recipients_total{alias="\"q\\\"x\"@example.com",verdict="accepted"} 1
EOF2
	promcheck m.prom want
	grep -qF 'alias="\"q\\\"x\"@example.com"' m.prom ||
	    die "label value not escaped: $(grep q m.prom)"
}

test_prometheus_output_file() {
	rp_need_python
	rp_file
	mkdir prom
	echo old >prom/aliasctl.prom
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus \
	    --output prom/aliasctl.prom
	[ ! -s out ] || die "--output also printed: $(cat out)"
	[ "$(ls prom)" = aliasctl.prom ] || die "left behind: $(ls prom)"
	[ "$(stat -c %a prom/aliasctl.prom)" = 644 ] ||
	    die "mode $(stat -c %a prom/aliasctl.prom)"
	echo 'aliasctl_recipients_total{verdict="locked"} 17' >want
	promcheck prom/aliasctl.prom want
	# Errors change nothing and say why.
	cp prom/aliasctl.prom before
	expect_exit 73 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus \
	    --output nodir/aliasctl.prom
	expect_in err "nodir/aliasctl.prom"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb stats --output x.prom
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus \
	    --json
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus \
	    --per-alias 0
	expect_exit 66 "$ALIASCTL" -f nofile.yaml -S s.lmdb stats \
	    --prometheus --output prom/aliasctl.prom
	expect_in err "nofile.yaml"
	expect_same before prom/aliasctl.prom
	[ "$(ls prom)" = aliasctl.prom ] || die "left behind: $(ls prom)"
}

# chromium_need: Debian's chromium, or the suite cannot run.
chromium_need() {
	command -v chromium >/dev/null ||
	    die "chromium is missing: run tools/deps test (Debian package chromium)"
	mkdir -p "$T/home"
}

# chromium_run ARGS...: headless Chromium on a loopback-only machine,
# its profile in $T, at most 60 s.  Output in $T/out, errors in $T/err.
chromium_run() {
	HOME=$T/home timeout 60 chromium --headless --no-sandbox --disable-gpu \
	    --no-first-run --disable-extensions --user-data-dir="$T/home/cr" \
	    "$@" >"$T/out" 2>"$T/err" || {
		tail -5 "$T/err" >&2
		die "chromium failed: $*"
	}
}

# dom FILE: the DOM Chromium built from the page FILE, after load, in
# $T/dom.html.
dom() {
	chromium_run --dump-dom "file://$T/$1"
	cp "$T/out" "$T/dom.html"
	grep -q '</html>' "$T/dom.html" || die "no DOM from chromium"
}

# in_dom TEXT: the DOM contains TEXT.
in_dom() {
	expect_in "$T/dom.html" "$1"
}

# shot FILE WIDTH HEIGHT: a screenshot of FILE at that window size, in
# $T/FILE-WIDTH.png; it must be a PNG of that width.
shot() {
	chromium_run --hide-scrollbars --window-size="$2,$3" \
	    --screenshot="$T/$1-$2.png" "file://$T/$1"
	file "$T/$1-$2.png" | grep -q "PNG image data, $2 x $3" ||
	    die "screenshot: $(file "$T/$1-$2.png")"
}

test_report_html_totals() {
	chromium_need
	rp_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html
	[ ! -s out ] || die "--html FILE also printed"
	html_valid r.html
	dom r.html
	# No network, no script: the policy says so, and nothing runs.
	in_dom "default-src 'none'"
	in_dom '<meta name="viewport"'
	! grep -q '<script' dom.html || die "a script element in the DOM"
	! grep -q 'data-ran' dom.html || die "a script ran"
	! grep -Eq '(src|href)="(https?:)?//' dom.html ||
	    die "something is fetched: $(grep -Eo '(src|href)="[^"]*"' dom.html)"
	# The hostile unknown recipient shows as text.
	in_dom '<td class="addr">&lt;script&gt;document.body.dataset.ran=1&lt;/script&gt;"@example.com</td>'
	in_dom '<td class="addr">"q\"x"@example.com</td>'
	# The numbers of the stats file.
	in_dom '<div class="tile" id="sum-accepted"><b>24</b>'
	in_dom '<div class="tile" id="sum-unknown"><b>317</b>'
	in_dom '<div class="tile" id="sum-locked"><b>17</b>'
	in_dom '<td class="n">310</td>'
	[ "$(grep -c '<tr><td class="addr">' dom.html)" -eq $((5 + 3 + 2)) ] ||
	    die "rows: $(grep -c '<tr><td class="addr">' dom.html)"
	in_dom 'aliasctl revoke shop@example.com'
	in_dom 'The catch-all ended on 2026-01-01'
	# Standard output, the same page.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb report --html -
	grep -v 'made 20' out >a
	grep -v 'made 20' r.html >b
	expect_same a b
	shot r.html 1280 1600
	shot r.html 390 2400
}

test_report_html_errors() {
	rp_file
	echo old >r.html
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb report
	expect_in err "--html FILE is needed"
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html \
	    --days 0
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html \
	    --days 401
	expect_exit 64 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html \
	    --alias 'not an address'
	expect_exit 67 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html \
	    --alias nobody@example.com
	expect_in err "nobody@example.com is not an alias"
	expect_exit 73 "$ALIASCTL" -f a.yaml -S s.lmdb report --html \
	    nodir/r.html
	expect_exit 66 "$ALIASCTL" -f none.yaml -S s.lmdb report --html r.html
	[ "$(cat r.html)" = old ] || die "r.html changed"
	[ "$(ls | grep -c tmp)" -eq 0 ] || die "temp files left: $(ls)"
}

# rp_history: the alias file and a stats file with 30 days of history
# ending today (UTC day D0), written with mdb_load so that the test pins
# the "days" and "unknown_days" layouts:
#   irs@          2 accepted every day                       60
#   electronics@  1 refused by its lock every third day      10
#   bestbuy@      3 refused (revoked) on each of the last 4  12, 0 before
#   shop@         1 bounce refused 10 days ago                1
#   old@          2 refused (expired) 5 days ago              2
#   new@          1 accepted yesterday, its first mail        1
#   unknown       5 a day since the catch-all ended 20 days
#                 ago (none before): info@ 4, the hostile
#                 address 1                                 105
rp_history() {
	rp_file
	cat >>a.yaml <<YAML
  new@example.com: {}
YAML
	sed -i "s/revoked: 2026-01-02/revoked: $(date -d '2 days ago' +%Y-%m-%d)/" \
	    a.yaml
	now=$(date +%s)
	D0=$((now / 86400))
	H='<script>document.body.dataset.ran=1</script>"@example.com'
	{
		echo new@example.com
		stats_rec2 1 0 0 $(((D0 - 1) * 86400 + 3600)) \
		    $(((D0 - 1) * 86400 + 3600)) 0
	} >>aliases.txt
	{
		echo info@example.com
		stats_rec 84 $(((D0 - 20) * 86400)) $now
		printf '%s\n' "$H"
		stats_rec 21 $(((D0 - 20) * 86400)) $now
	} >unknown.txt
	{
		echo 'irs@example.com irs.example'
		stats_rec2 50 0 0 $(((D0 - 40) * 86400)) $now 0
		echo 'irs@example.com newcorp.example'
		stats_rec2 10 0 0 $(((D0 - 1) * 86400)) $now 0
	} >senders.txt
	ago=29
	: >days.txt
	: >udays.txt
	while [ $ago -ge 0 ]; do
		d=$((D0 - ago))
		{
			printf '%s\n' "$(daykey $d)irs@example.com"
			stats_rec 2 0 0 0 0
			if [ $((ago % 3)) -eq 0 ]; then
				printf '%s\n' "$(daykey $d)electronics@example.com"
				stats_rec 0 0 0 0 1
			fi
			if [ $ago -le 3 ]; then
				printf '%s\n' "$(daykey $d)bestbuy@example.com"
				stats_rec 0 3 0 0 0
			fi
			[ $ago -ne 10 ] || {
				printf '%s\n' "$(daykey $d)shop@example.com"
				stats_rec 0 0 0 1 0
			}
			[ $ago -ne 5 ] || {
				printf '%s\n' "$(daykey $d)old@example.com"
				stats_rec 0 0 2 0 0
			}
			[ $ago -ne 1 ] || {
				printf '%s\n' "$(daykey $d)new@example.com"
				stats_rec 1 0 0 0 0
			}
		} >>days.txt
		[ $ago -gt 20 ] || {
			daykey $d
			echo
			top_rec 5 info@example.com 4 "$H" 1
		} >>udays.txt
		ago=$((ago - 1))
	done
	rm -f s.lmdb s.lmdb-lock
	for db in aliases unknown senders days; do
		mdb_load -n -T -s $db -f $db.txt s.lmdb
	done
	mdb_load -n -T -s unknown_days -f udays.txt s.lmdb
	"$ALIASCTL" -f a.yaml compile >/dev/null
}

# html_valid FILE: HTML Tidy finds neither an error nor a warning.
html_valid() {
	command -v tidy >/dev/null ||
	    die "tidy is missing: run tools/deps test (Debian package tidy)"
	tidy -q -e "$1" 2>"$T/tidy.out" || {
		cat "$T/tidy.out" >&2
		die "$1 is not valid HTML"
	}
}

# count_dom TEXT: how many times TEXT is in the DOM.
count_dom() {
	grep -o -- "$1" "$T/dom.html" | wc -l
}

# expect_count N TEXT: TEXT is N times in the DOM.
expect_count() {
	got=$(count_dom "$2")
	[ "$got" -eq "$1" ] || die "want $1 of $2 in the DOM, got $got"
}

test_report_html_history() {
	chromium_need
	rp_history
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html
	dom r.html
	! grep -q 'data-ran' dom.html || die "a script ran"
	# The chart: 30 days, a bar of each verdict on the days it had.
	in_dom '<svg class="chart" id="chart"'
	in_dom '<title>Recipients per day by verdict</title>'
	html_valid r.html
	expect_count 30 '<g class="day"'
	expect_count 30 'class="bar accepted"'
	expect_count 21 'class="bar unknown"'
	expect_count 10 'class="bar locked"'
	expect_count 4 'class="bar revoked"'
	expect_count 1 'class="bar expired"'
	expect_count 1 'class="bar backscatter"'
	yday=$(date -u -d @$(((D0 - 1) * 86400)) +%Y-%m-%d)
	grep -o "<g class=\"day\" data-day=\"$yday\">.*</g>" dom.html |
	    grep -q 'class="bar accepted" data-n="3"' ||
	    die "yesterday's bar: $(grep "$yday" dom.html)"
	# The catch-all's end, 20 days ago, marked on the chart.
	in_dom '<g id="catchall">'
	in_dom "The catch-all ended on $(date -u -d @$(((D0 - 20) * 86400)) +%Y-%m-%d)"
	# The period's sums, for people.
	in_dom '<div class="tile" id="sum-accepted"><b>61</b>'
	in_dom '<div class="tile" id="sum-unknown"><b>105</b>'
	in_dom '<div class="tile" id="sum-revoked"><b>12</b>'
	in_dom '<div class="tile" id="sum-expired"><b>2</b>'
	in_dom '<div class="tile" id="sum-backscatter"><b>1</b>'
	in_dom '<div class="tile" id="sum-locked"><b>10</b>'
	# A sparkline per busy alias, the tried addresses of the period.
	expect_count 6 '<svg class="spark"'
	# Ranked by the period, with its counts: irs@ first.
	sed -n '/<section id="top">/,/<\/section>/p' dom.html |
	    grep -m1 '<tr><td class="addr">' |
	    grep -q '<td class="addr">irs@example.com</td>.*<td class="n">60</td><td class="n">0</td>' ||
	    die "top row: $(grep -m1 -A3 '<section id="top">' dom.html)"
	in_dom '<td class="addr">bestbuy@example.com</td><td><svg class="spark"'
	in_dom '<td class="addr">info@example.com</td><td class="n">84</td>'
	in_dom '<td class="addr">&lt;script&gt;document.body.dataset.ran=1&lt;/script&gt;"@example.com</td><td class="n">21</td>'
	# The week.
	in_dom 'Refusals for <b>bestbuy@example.com</b> jumped to 12 from 0'
	in_dom 'First mail for <b>new@example.com</b>'
	in_dom 'New sender domain <b>newcorp.example</b> for irs@example.com'
	in_dom 'Revoked <b>bestbuy@example.com</b>'
	! grep -q 'Refusals for <b>electronics' dom.html ||
	    die "electronics@'s steady refusals called a jump"
	shot r.html 1280 1800
	shot r.html 390 3000
	# A week: 7 days.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb report --html w.html \
	    --days 7
	dom w.html
	expect_count 7 '<g class="day"'
	in_dom '<div class="tile" id="sum-revoked"><b>12</b>'
	in_dom '<div class="tile" id="sum-accepted"><b>15</b>'
}

test_report_html_alias() {
	chromium_need
	rp_history
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb report --html b.html \
	    --alias BestBuy@Example.COM
	dom b.html
	in_dom '<h1>Alias bestbuy@example.com</h1>'
	expect_count 30 '<g class="day"'
	expect_count 4 'class="bar revoked"'
	expect_count 0 'class="bar accepted"'
	expect_count 0 'class="bar unknown"'
	in_dom '<div class="tile" id="sum-revoked"><b>12</b>'
	! grep -q 'id="sum-unknown"' dom.html || die "unknown on an alias page"
	in_dom 'Revoked on '
	# irs@'s page: its senders and their evidence.
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb report --html i.html \
	    --alias irs@example.com
	html_valid i.html
	dom i.html
	in_dom '<table id="senders">'
	in_dom '<td class="addr">newcorp.example</td><td>new</td><td class="n">10</td>'
	in_dom '<td class="addr">irs.example</td><td>established</td>'
	shot i.html 390 1600
}

# No stats file at all: the page says so in every section, and the
# geometry never divides by zero.
test_report_html_empty() {
	chromium_need
	rp_file
	expect_exit 0 "$ALIASCTL" -f a.yaml -S none.lmdb report --html e.html
	html_valid e.html
	dom e.html
	in_dom 'Counted from: no stats file yet'
	in_dom 'No per-day counts in this period'
	in_dom 'No alias has mail yet.'
	in_dom 'No unknown recipient refused.'
	in_dom 'Nothing new.'
	! grep -qi 'nan\|inf"' e.html || die "NaN or inf in the page"
}

# Another MX host's file added with --merge: both views count it.
test_report_merge() {
	rp_need_python
	rp_history
	cp s.lmdb mx2.lmdb
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb stats --prometheus \
	    --merge mx2.lmdb --per-alias 1
	cp out m.prom
	cat >want <<'EOF2'
aliasctl_recipients_total{verdict="accepted"} 50
aliasctl_recipients_total{verdict="unknown"} 210
aliasctl_recipients_total{verdict="locked"} 34
aliasctl_alias_recipients_total{alias="electronics@example.com",verdict="locked"} 34
EOF2
	promcheck m.prom want
	expect_exit 0 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html \
	    --merge mx2.lmdb
	expect_in r.html 'Counted from: s.lmdb + mx2.lmdb</p>'
	expect_in r.html '<div class="tile" id="sum-accepted"><b>122</b>'
	expect_in r.html '<div class="tile" id="sum-unknown"><b>210</b>'
	expect_in r.html '<td class="addr">info@example.com</td><td class="n">168</td>'
	expect_exit 66 "$ALIASCTL" -f a.yaml -S s.lmdb report --html r.html \
	    --merge missing.lmdb
	expect_in err missing.lmdb
}
