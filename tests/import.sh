# tests/import.sh: aliasctl import, the proposal made from a catch-all
# mail log (tests/data/mail.log) or a virtual(5) file, exactly, and its
# errors.  One scenario per test_* function, run by tests/run in $T.

D="$TOP/tests/data"

# The sample files under short names, so the output does not depend on
# where the tree is.
import_files() {
	cp "$D/mail.log" "$D/virtual" "$D/import.yaml" "$T/"
}

test_import_maillog() {
	import_files
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log
	expect_same "$T/out" "$D/mail.log.expect"
	# The summary goes to stderr too.
	expect_in "$T/err" "mail.log: 69 lines, 41 used, 28 skipped"
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
	expect_in "$T/out" "2 domains, 11 active, 1 revoked"
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog mail.log
	expect_in "$T/out" "# 0 addresses at managed domains received mail"
}

test_import_traditional_dates() {
	# Syslog's own format has no year: this year's dates are this year.
	import_files
	now=$(LC_ALL=C date '+%b %e %H:%M:%S')
	printf '%s mx1 postfix/smtp[1]: 1A2B3C: to=<me@example.net>, %s\n' \
	    "$now" "orig_to=<trad@example.com>, relay=none, status=sent (ok)" \
	    >trad.log
	expect_exit 0 "$ALIASCTL" -f import.yaml import --maillog trad.log
	expect_in "$T/out" "# 1 message delivered, $(date +%F)"
	expect_in "$T/out" "  trad@example.com: {}"
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
	expect_in "$T/out" "added 10 aliases"
	expect_in "$T/out" "import.lmdb: "
	expect_in "$T/err" "mail.log: 69 lines, 41 used, 28 skipped"
	"$ALIASCTL" -f import.yaml export | grep -v '^#' | sort >applied
	"$ALIASCTL" -f byhand.yaml -m byhand export | grep -v '^#' | sort >byhand
	expect_same applied byhand
	expect_exit 0 "$ALIASCTL" -f import.yaml list
	expect_in "$T/out" "messages delivered"
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
