# tests/import.sh: aliasctl import, the proposal made from a catch-all
# mail log (tests/data/mail.log; tests/data/catchall.log, with the
# senders, for telling mail from backscatter) or a virtual(5) file,
# exactly, and its errors.  One scenario per test_* function, run by
# tests/run in $T.

D="$TOP/tests/data"

# The sample files under short names, so the output does not depend on
# where the tree is.
import_files() {
	cp "$D/mail.log" "$D/catchall.log" "$D/virtual" "$D/import.yaml" "$T/"
}

test_import_maillog() {
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log
	expect_same "$T/out" "$D/mail.log.expect"
	# The summary goes to stderr too.
	expect_in "$T/err" "mail.log: 99 lines, 76 used, 23 skipped"
	# One queue id has no from= line (the log starts after it was
	# queued): newsletter@ has mail from a real sender besides.
	expect_in "$T/err" "import: 15 addresses: 9 with mail from real senders, 1 only bounces (backscatter, left out), 5 only rejected (guesses, left out)"
	expect_in "$T/out" "# 1 message from 1 domain, 1 message with the sender not in the log, 2026-09-07..2026-09-23"
	# Already aliases (irs@, revoked school@), postmaster@, abuse@,
	# other domains and non-ASCII addresses are never proposed.
	for a in irs@ school@ postmaster@ abuse@ noreply@ j; do
		! grep -q "^  $a" "$T/out" || die "proposed $a"
	done
}

test_import_maillog_since() {
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log \
	    --since 2026-10-01
	expect_same "$T/out" "$D/mail.log-since.expect"
}

test_import_proposal_loads() {
	# The proposal, appended to the file, is a valid alias file.
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log
	sed '1,/^aliases:/d' "$T/out" >>import.yaml
	expect_exit 0 "$ALIASCTL" -f import.yaml check
	expect_in "$T/out" "2 domains, 10 active, 1 revoked"
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log
	expect_in "$T/out" "# import: 6 addresses: 0 with mail from real senders, 1 only bounces (backscatter, left out), 5 only rejected"
}

test_import_traditional_dates() {
	# Syslog's own format has no year: this year's dates are this year.
	import_files
	now=$(LC_ALL=C date '+%b %e %H:%M:%S')
	{
		printf '%s mx1 postfix/qmgr[1]: 1A2B3C: %s\n' "$now" \
		    "from=<news@vendor.example>, size=100, nrcpt=1 (queue active)"
		printf '%s mx1 postfix/smtp[1]: 1A2B3C: to=<me@example.net>, %s\n' \
		    "$now" "orig_to=<trad@example.com>, relay=none, status=sent (ok)"
	} >trad.log
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog trad.log
	expect_in "$T/out" "# 1 message from 1 domain, $(date +%F)"
	expect_in "$T/out" "  trad@example.com: {}"
}

# A catch-all log with senders: mail from real senders, bounces to
# made-up addresses (backscatter), an address with both, one that sends
# mail out, a message for two addresses, an alias with two targets,
# interleaved queue ids, a queue id reused, one without its from= line.
test_import_backscatter() {
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog catchall.log
	expect_same "$T/out" "$D/catchall.log.expect"
	expect_in "$T/err" "catchall.log: 83 lines, 76 used, 7 skipped"
	expect_in "$T/err" "import: 12 addresses: 7 with mail from real senders, 1 with senders not in the log (left out), 1 only bounces but sending mail out, 2 only bounces (backscatter, left out), 1 only rejected (guesses, left out)"
	# Backscatter is commented out and labelled.
	expect_in "$T/out" "  # backscatter, not an alias: 3 bounces, no mail from a real sender, 2026-09-01..2026-11-28"
	expect_in "$T/out" "  # ihateyourguts@example.com: {}"
	! grep -q "^  ihateyourguts@\|^  x7gq2@" "$T/out" || die "backscatter proposed"
	# bank@ never sent mail out: receive_only suggested, commented.
	grep -A2 "^  bank@example.com:" "$T/out" | grep -q "^    # receive_only: true" ||
	    die "no receive_only suggestion for bank@"
	# shop@ did: no suggestion.
	grep -B1 "^  shop@example.com: {}" "$T/out" | grep -q "sent 1 message out" ||
	    die "shop@ not shown as a sender"
	# The proposal appended to the file loads; receive_only stays off.
	sed '1,/^aliases:/d' "$T/out" >>import.yaml
	expect_exit 0 "$ALIASCTL" -f import.yaml check
	expect_in "$T/out" "2 domains, 9 active, 1 revoked"
	# With the suggestion taken, bank@ is receive-only.
	sed 's/^    # receive_only: true/    receive_only: true/' import.yaml \
	    >taken.yaml
	expect_exit 0 "$ALIASCTL" -f taken.yaml -m taken check
	expect_exit 0 "$ALIASCTL" -f taken.yaml -m taken list --json
	expect_in "$T/out" "receive_only"
}

test_import_backscatter_apply() {
	# --apply adds the addresses with mail, not the backscatter, with
	# their targets, and compiles: as appending the proposal by hand.
	import_files
	cp import.yaml byhand.yaml
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog catchall.log
	sed '1,/^aliases:/d' "$T/out" >>byhand.yaml
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog catchall.log \
	    --apply
	expect_in "$T/out" "added 8 aliases"
	expect_in "$T/out" "import.lmdb: "
	expect_in "$T/err" "2 only bounces (backscatter, left out)"
	"$ALIASCTL" -f import.yaml export | grep -v '^#' | sort >applied
	"$ALIASCTL" -f byhand.yaml -m byhand export | grep -v '^#' | sort >byhand
	expect_same applied byhand
	for a in ihateyourguts@ x7gq2@ info@ old-newsletter@; do
		! grep -q "$a" import.yaml || die "added $a"
	done
	# The suggestion is in bank@'s note, not a setting.
	! grep -q "^ *receive_only:" import.yaml || die "receive_only added"
	expect_in import.yaml "1 bounce, 2026-09-03..2026-11-29; receive_only suggested"
	expect_exit 0 "$ALIASCTL" -f import.yaml check
	expect_in "$T/out" "2 domains, 9 active, 1 revoked"
	expect_exit 0 "$ALIASCTL" -f import.yaml query family@example.com
	expect_in "$T/out" "me@example.net, spouse@example.net"
	expect_exit 1 "$ALIASCTL" -f import.yaml query ihateyourguts@example.com
	expect_exit 0 "$ALIASCTL" -f import.yaml list
	expect_in "$T/out" "3 messages from 2 domains, 1 bounce, 2026-09-03..2026-11-29"
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog catchall.log \
	    --apply
	expect_in "$T/out" "nothing to add"
}

test_import_stdin() {
	# "-" reads the log from standard input.
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog - <catchall.log
	expect_in "$T/out" "# aliasctl import --maillog -: 83 lines, 76 used"
	sed 1d "$T/out" >stdin.out
	sed 1d "$D/catchall.log.expect" | expect_same stdin.out /dev/stdin
	expect_exit 0 "$ALIASCTL" -f import.yaml import --virtual - <virtual
	sed 1d "$T/out" >stdin.out
	sed 1d "$D/virtual.expect" | expect_same stdin.out /dev/stdin
}

# journalctl -u postfix@- -o short-iso: "2026-09-01T08:14:23+0000 mx1
# postfix/qmgr[715]: ...", and "-- Boot ... --" lines between boots.
test_import_journalctl_short_iso() {
	import_files
	{
		echo "-- Boot 0f3e7c1d2b5a4e6f8a9b0c1d2e3f4a5b --"
		sed -E 's/^([0-9-]+T[0-9:]+)\.[0-9]+\+00:00 /\1+0000 /' catchall.log
	} >journal.log
	grep -q '^2026-09-01T08:14:23+0000 mx1 postfix/qmgr\[715\]: ' journal.log ||
	    die "conversion failed"
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog - <journal.log
	expect_in "$T/out" "# aliasctl import --maillog -: 84 lines, 76 used, 8 skipped"
	sed 1d "$T/out" >journal.out
	sed 1d "$D/catchall.log.expect" | expect_same journal.out /dev/stdin
}

# journalctl -o short: "Dec 07 15:47:01 mx1 postfix/qmgr[715]: ..."; no
# year, so every line gets today's date and the dates are left out of
# the comparison.
test_import_journalctl_short() {
	import_files
	today=$(LC_ALL=C date '+%b %d')
	{
		echo "-- Boot 0f3e7c1d2b5a4e6f8a9b0c1d2e3f4a5b --"
		sed -E "s/^[0-9-]+T([0-9:]+)\.[0-9]+\+00:00 /$today \1 /" catchall.log
		echo "-- No entries --"
	} >journal.log
	grep -q "^$today 08:14:23 mx1 postfix/qmgr\[715\]: " journal.log ||
	    die "conversion failed"
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog - <journal.log
	expect_in "$T/out" "# aliasctl import --maillog -: 85 lines, 76 used, 9 skipped"
	nodates='s/, [0-9]{4}-[0-9]{2}-[0-9]{2}(\.\.[0-9]{4}-[0-9]{2}-[0-9]{2})?$//'
	sed -E -e 1d -e "$nodates" "$T/out" >journal.out
	sed -E -e 1d -e "$nodates" "$D/catchall.log.expect" |
	    expect_same journal.out /dev/stdin
	expect_in "$T/out" "3 bounces, no mail from a real sender, $(date +%F)"
}

test_import_virtual() {
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --virtual virtual
	expect_same "$T/out" "$D/virtual.expect"
	expect_in "$T/err" "virtual:16: bad@example.com: bad target: "
	expect_in "$T/err" "13 entries, 5 new, 2 already aliases, 6 skipped"
	sed '1,/^aliases:/d' "$T/out" >>import.yaml
	expect_exit 0 "$ALIASCTL" -f import.yaml check
}

# Every command reads --name=VALUE as --name VALUE (once refused here).
test_import_option_forms() {
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log
	cp "$T/out" spaced.out
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog=mail.log
	expect_same "$T/out" spaced.out
	expect_exit 0 "$ALIASCTL" -f import.yaml import --virtual=virtual
	expect_same "$T/out" "$D/virtual.expect"
	expect_exit 64 "$ALIASCTL" -f import.yaml import --apply=yes \
	    --virtual virtual
	expect_in "$T/err" "import: --apply takes no value"
	expect_exit 64 "$ALIASCTL" -f import.yaml import --virtual
	expect_in "$T/err" "import: --virtual needs a file"
}

test_import_errors() {
	import_files
	expect_exit 64 "$ALIASCTL" -f import.yaml import
	expect_in "$T/err" "usage: aliasctl"
	expect_exit 64 "$ALIASCTL" -f import.yaml import --maillog
	expect_exit 64 "$ALIASCTL" -f import.yaml import --maillog mail.log \
	    --virtual virtual
	expect_exit 64 "$ALIASCTL" -f import.yaml import --virtual virtual \
	    --since 2026-01-01
	expect_exit 64 "$ALIASCTL" -f import.yaml import --maillog mail.log \
	    --since 2026-02-30
	expect_in "$T/err" "--since needs a date YYYY-MM-DD, not '2026-02-30'"
	expect_exit 64 "$ALIASCTL" -f import.yaml import --maillog mail.log -x
	# Unreadable input: missing, a directory, no permission.
	expect_exit 66 "$ALIASCTL" -f import.yaml import --maillog nothere.log
	expect_in "$T/err" "nothere.log: No such file or directory"
	expect_exit 66 "$ALIASCTL" -f import.yaml import --virtual "$T"
	expect_in "$T/err" "Is a directory"
	chmod 0644 import.yaml
	chmod 0600 mail.log
	chmod 0755 "$T"
	expect_exit 66 as_nobody "$ALIASCTL" -f import.yaml import \
	    --maillog mail.log
	expect_in "$T/err" "mail.log: Permission denied"
	[ -s "$T/out" ] && die "output for an unreadable log"
	# A bad alias file is reported before the log is read.
	printf 'domains: [\n' >bad.yaml
	expect_exit 65 "$ALIASCTL" -f bad.yaml import --maillog mail.log
	expect_exit 66 "$ALIASCTL" -f missing.yaml import --maillog mail.log
	return 0
}

test_import_apply_maillog() {
	# --apply adds what the proposal has uncommented, in one edit, and
	# compiles: the same aliases as appending the proposal by hand.
	import_files
	cp import.yaml byhand.yaml
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log
	sed '1,/^aliases:/d' "$T/out" >>byhand.yaml
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log --apply
	expect_in "$T/out" "added 9 aliases"
	expect_in "$T/out" "import.lmdb: "
	expect_in "$T/err" "mail.log: 99 lines, 76 used, 23 skipped"
	"$ALIASCTL" -f import.yaml export | grep -v '^#' | sort >applied
	"$ALIASCTL" -f byhand.yaml -m byhand export | grep -v '^#' | sort >byhand
	expect_same applied byhand
	expect_exit 0 "$ALIASCTL" -f import.yaml list
	expect_in "$T/out" "1 message with the sender not in the log"
	# Guesses from reject lines are not added; a second run adds nothing.
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log --apply
	expect_in "$T/out" "nothing to add"
	# The file's own lines are all still there, in order.
	grep -v '^ *#' "$D/import.yaml" >before
	grep -vxF -f before import.yaml >/dev/null
	head -n "$(wc -l <"$D/import.yaml")" import.yaml |
	    expect_same /dev/stdin "$D/import.yaml"
}

test_import_apply_virtual() {
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --virtual virtual --apply
	expect_in "$T/out" "added 5 aliases"
	expect_exit 0 "$ALIASCTL" -f import.yaml check
	expect_in "$T/out" "2 domains, 6 active, 1 revoked"
	expect_in import.yaml "note: imported from virtual line"
	# Targets that are not the domain's deliver_to are kept.
	expect_exit 0 "$ALIASCTL" -f import.yaml query family@example.com
	expect_in "$T/out" "spouse@example.net"
	expect_exit 0 "$ALIASCTL" -f import.yaml import --virtual virtual --apply
	expect_in "$T/out" "nothing to add"
}

test_import_apply_fails_cleanly() {
	# A map that cannot be written: nothing is added.
	import_files
	"$ALIASCTL" -f import.yaml compile >/dev/null
	sha256sum import.yaml >sum
	rm -f import.lmdb
	mkdir import.lmdb
	expect_exit 73 "$ALIASCTL" -f import.yaml import --maillog mail.log --apply
	expect_in "$T/err" "nothing changed"
	sha256sum -c sum >/dev/null || die "alias file changed"
}
