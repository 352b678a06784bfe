# tests/postfix.sh: the compiled map against the real Postfix tools:
# postmap -q reads every key as Postfix would, and postmap builds the
# very same LMDB contents from the equivalent virtual(5) text.

# keys_of YAML: every alias key in a generated file, one per line.
keys_of() {
	awk '/^aliases:/ { on = 1 } on && /^  [^ ].*:/ { k = $1; sub(/:$/, "", k); print k }' "$1"
}

# revoked_of YAML: the keys of revoked aliases.
revoked_of() {
	awk '/^aliases:/ { on = 1 } on && /^  [^ ].*:/ { k = $1; sub(/:$/, "", k) } /^    revoked:/ { print k }' "$1"
}

# dump FILE.lmdb: mdb_dump of a copy (mdb_dump wants a lock file, and a
# live map must not get one), without the mapsize line: the map's
# capacity, which depends on how fragmented the writer's pages were,
# not on what the map holds.
dump() {
	cp "$1" "$T/dumpcopy.lmdb"
	mdb_dump -n "$T/dumpcopy.lmdb" | grep -v '^mapsize='
	rm -f "$T/dumpcopy.lmdb" "$T/dumpcopy.lmdb-lock"
}

test_postmap_q_every_key() {
	"$TOP/tools/gen-aliases" 4000 big.yaml big.virt 3
	expect_exit 0 "$ALIASCTL" -f big.yaml compile
	keys_of big.yaml >keys
	revoked_of big.yaml >revoked
	[ "$(wc -l <keys)" -eq 4000 ] || die "generator wrote $(wc -l <keys) keys"
	[ -s revoked ] || die "no revoked alias in the sample"
	# Every active alias, domain, postmaster@ and abuse@ answers what
	# the virtual text says; the order is postmap's, so sort both.
	cut -f1 big.virt | postmap -q - lmdb:big | sort >got
	sort big.virt >want
	expect_same want got
	# Revoked aliases are absent: postmap -q exits 1 for each.
	n=0
	while read -r k; do
		set +e
		postmap -q "$k" lmdb:big >/dev/null
		rc=$?
		set -e
		[ $rc -eq 1 ] || die "revoked $k: postmap -q exited $rc"
		n=$((n + 1))
	done <revoked
	# Mixed case and unknown keys: Postfix folds case, misses unknowns.
	k=$(grep '^vendor' big.virt | sed -n 1p | cut -f1)
	postmap -q "$(echo "$k" | tr a-z A-Z)" lmdb:big >/dev/null ||
	    die "uppercase $k not found"
	set +e
	postmap -q nobody@example.com lmdb:big
	rc=$?
	set -e
	[ $rc -eq 1 ] || die "unknown address found"
	note "postmap -q: $(wc -l <want) keys found, $n revoked absent"
}

test_same_lmdb_contents_as_postmap() {
	# 20,000 aliases make a 1.5 MB file: parsed by two threads.
	"$TOP/tools/gen-aliases" 20000 g.yaml g.virt 11
	expect_exit 0 "$ALIASCTL" -f g.yaml -m ours compile
	# The generator's own virtual text, in random order ...
	cp g.virt theirs
	postmap lmdb:theirs
	dump ours.lmdb >ours.dump
	dump theirs.lmdb >theirs.dump
	expect_same theirs.dump ours.dump
	# ... and aliasctl export's, sorted.
	expect_exit 0 "$ALIASCTL" -f g.yaml export
	cp "$T/out" exported
	postmap lmdb:exported
	dump exported.lmdb >exported.dump
	expect_same exported.dump ours.dump
	# Postfix's own reading of the map agrees too.
	postmap -s lmdb:ours | sort >ours.s
	grep -v '^#' exported | sort >exported.s
	expect_same exported.s ours.s
	note "mdb_dump equal: $(grep -c '^ ' ours.dump) lines of keys and values"
}

test_example_file_matches_postmap() {
	cp "$TOP/aliases.example.yaml" ex.yaml
	expect_exit 0 "$ALIASCTL" -f ex.yaml compile
	expect_exit 0 "$ALIASCTL" -f ex.yaml export
	cp "$T/out" ex.virt
	postmap lmdb:ex.virt
	dump ex.lmdb >a.dump
	dump ex.virt.lmdb >b.dump
	expect_same b.dump a.dump
}

test_quoted_keys_round_trip() {
	# Quoted local parts keep their quotes in the key, as Postfix looks
	# them up; postmap reads them back from export, white space and all.
	cat >q.yaml <<'YAML'
domains:
  example.com:
    deliver_to: me@example.net
aliases:
  '"John Doe"@example.com': {}
  '"a\"b"@example.com': {}
  '"irs"@example.com': {}
  '"x  y"@example.com':
    to: '"Jane  Q"@example.net'
YAML
	expect_exit 0 "$ALIASCTL" -f q.yaml compile
	expect_exit 0 "$ALIASCTL" -f q.yaml export
	cp "$T/out" q.virt
	postmap lmdb:q.virt
	dump q.lmdb >a.dump
	dump q.virt.lmdb >b.dump
	expect_same b.dump a.dump
	[ "$(postmap -q '"john doe"@example.com' lmdb:q)" = me@example.net ] ||
	    die "quoted key with a blank not found"
	[ "$(postmap -q 'irs@example.com' lmdb:q)" = me@example.net ] ||
	    die "needless quotes not removed"
	[ "$(postmap -q '"x  y"@example.com' lmdb:q)" = '"Jane  Q"@example.net' ] ||
	    die "quoted target changed"
}
