/*
 * test_edit.c: tests for the surgical editor in aliasfile.c
 * (af_edit_add, af_edit_revoke, af_edit_restore, af_edit_lock,
 * af_edit_unlock, af_edit_entry).
 *
 * Each row is an input text, an edit and the exact expected output, so
 * byte identity of everything untouched is checked by comparing the
 * whole text.  Every successful result is also written to a file and
 * must load with af_load().  Failing rows are printed before failing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliasfile.h"
#include "aliasfile_edit.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define HDR "domains:\n  example.com:\n    deliver_to: me@example.net\n"

enum op { ADD, REVOKE, RESTORE, LOCK, UNLOCK };

struct row {
	const char *name;
	enum op op;
	const char *in;
	const char *key;
	const char *date;	/* revoke; expires for add */
	const char *text;	/* reason; note for add; senders for lock,
				   separated by one space */
	int	 rc;		/* AF_EDIT_* */
	const char *out;	/* expected when rc == 0 */
};

static const struct row rows[] = {
	{ "lock block", LOCK,
	    HDR "aliases:\n  a@example.com:\n    note: x   # c\n# end\n",
	    "a@example.com", NULL, "bestbuy.com alerts@bank.example", 0,
	    HDR "aliases:\n  a@example.com:\n    note: x   # c\n"
	    "    senders: [bestbuy.com, alerts@bank.example]\n# end\n" },
	{ "lock flow", LOCK,
	    HDR "aliases:\n  a@example.com: {note: x, }  # c\n",
	    "a@example.com", NULL, "bestbuy.com", 0,
	    HDR "aliases:\n  a@example.com: {note: x, senders: [bestbuy.com], }"
	    "  # c\n" },
	{ "lock {}", LOCK, HDR "aliases:\n  a@example.com: {}  # c\n",
	    "a@example.com", NULL, "bestbuy.com", 0,
	    HDR "aliases:\n  a@example.com:  # c\n"
	    "    senders: [bestbuy.com]\n" },
	{ "lock empty", LOCK, HDR "aliases:\n  a@example.com:",
	    "a@example.com", NULL, "bestbuy.com", 0,
	    HDR "aliases:\n  a@example.com:\n    senders: [bestbuy.com]\n" },
	{ "lock ~", LOCK,
	    HDR "aliases:\n  a@example.com: ~\n  b@example.com:\n",
	    "a@example.com", NULL, "bestbuy.com", 0,
	    HDR "aliases:\n  a@example.com:\n    senders: [bestbuy.com]\n"
	    "  b@example.com:\n" },
	{ "lock replaces a flow list", LOCK,
	    HDR "aliases:\n  a@example.com:\n    senders: [old.example] # c\n"
	    "    note: n\n",
	    "a@example.com", NULL, "new.example x@y.example", 0,
	    HDR "aliases:\n  a@example.com:\n"
	    "    senders: [new.example, x@y.example] # c\n    note: n\n" },
	{ "lock replaces a scalar in a flow map", LOCK,
	    HDR "aliases:\n  a@example.com: {senders: old.example, note: n}\n",
	    "a@example.com", NULL, "new.example", 0,
	    HDR "aliases:\n"
	    "  a@example.com: {senders: [new.example], note: n}\n" },
	{ "lock replaces a block list", LOCK,
	    HDR "aliases:\n  a@example.com:\n    senders:   # vendors\n"
	    "    - old.example  # old\n\n    - x@old.example\n    note: n\n",
	    "a@example.com", NULL, "new.example \"q.\"@y.example", 0,
	    HDR "aliases:\n  a@example.com:\n    senders:   # vendors\n"
	    "    - new.example\n    - \"\\\"q.\\\"@y.example\"\n"
	    "    note: n\n" },
	{ "lock replaces a block list at the end", LOCK,
	    HDR "aliases:\n  a@example.com:\n    senders:\n      - old.example",
	    "a@example.com", NULL, "new.example", 0,
	    HDR "aliases:\n  a@example.com:\n    senders:\n"
	    "      - new.example" },
	{ "lock CRLF", LOCK,
	    "domains:\r\n  example.com:\r\n    deliver_to: me@example.net\r\n"
	    "aliases:\r\n  a@example.com:\r\n    note: x\r\n",
	    "a@example.com", NULL, "bestbuy.com", 0,
	    "domains:\r\n  example.com:\r\n    deliver_to: me@example.net\r\n"
	    "aliases:\r\n  a@example.com:\r\n    note: x\r\n"
	    "    senders: [bestbuy.com]\r\n" },
	{ "lock no such alias", LOCK, HDR "aliases:\n  a@example.com:\n",
	    "b@example.com", NULL, "bestbuy.com", AF_EDIT_NOT_FOUND, NULL },
	{ "lock senders without a value", LOCK,
	    HDR "aliases:\n  a@example.com:\n    senders:\n",
	    "a@example.com", NULL, "bestbuy.com", AF_EDIT_BAD, NULL },
	{ "lock settings not a mapping", LOCK,
	    HDR "aliases:\n  a@example.com: [x]\n",
	    "a@example.com", NULL, "bestbuy.com", AF_EDIT_BAD, NULL },
	{ "unlock block", UNLOCK,
	    HDR "aliases:\n  a@example.com:   # k\n    senders:\n"
	    "      - old.example  # c\n    note: n\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com:   # k\n    note: n\n" },
	{ "unlock flow", UNLOCK,
	    HDR "aliases:\n  a@example.com: {note: n, senders: [x.example]}\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com: {note: n}\n" },
	{ "unlock the only setting", UNLOCK,
	    HDR "aliases:\n  a@example.com: {senders: [x.example]}  # c\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com:  # c\n" },
	{ "unlock not locked", UNLOCK, HDR "aliases:\n  a@example.com: {}\n",
	    "a@example.com", NULL, NULL, AF_EDIT_NOT_LOCKED, NULL },
	{ "unlock no such alias", UNLOCK, HDR "aliases:\n  a@example.com: {}\n",
	    "b@example.com", NULL, NULL, AF_EDIT_NOT_FOUND, NULL },
	{ "add to block", ADD, HDR "aliases:\n  a@example.com:\n",
	    "b@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com:\n  b@example.com:\n" },
	{ "add keeps indentation of 4", ADD,
	    HDR "aliases:\n    a@example.com: {}  # c\n\n# end\n",
	    "b@example.com", "2030-01-01", "x: y", 0,
	    HDR "aliases:\n    a@example.com: {}  # c\n"
	    "    b@example.com:\n      note: \"x: y\"\n"
	    "      expires: 2030-01-01\n\n# end\n" },
	{ "add to empty aliases", ADD, HDR "aliases:   # none yet\nmap: m\n",
	    "b@example.com", NULL, NULL, 0,
	    HDR "aliases:   # none yet\n  b@example.com:\nmap: m\n" },
	{ "add to null aliases", ADD, HDR "aliases: ~\n",
	    "b@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  b@example.com:\n" },
	{ "add to {} aliases", ADD, HDR "aliases: {} # x\n",
	    "b@example.com", NULL, NULL, 0,
	    HDR "aliases: # x\n  b@example.com:\n" },
	{ "add without aliases key", ADD, HDR "# tail",
	    "b@example.com", NULL, NULL, 0,
	    HDR "# tail\naliases:\n  b@example.com:\n" },
	{ "add, no final newline", ADD, HDR "aliases:\n  a@example.com:",
	    "b@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com:\n  b@example.com:\n" },
	{ "add, CRLF", ADD,
	    "domains:\r\n  example.com: {deliver_to: me@example.net}\r\n"
	    "aliases:\r\n  a@example.com:\r\n",
	    "b@example.com", NULL, "n", 0,
	    "domains:\r\n  example.com: {deliver_to: me@example.net}\r\n"
	    "aliases:\r\n  a@example.com:\r\n  b@example.com:\r\n"
	    "    note: \"n\"\r\n" },
	{ "add, UTF-8 comment before", ADD,
	    HDR "# caf\xc3\xa9 \xe2\x82\xac\naliases:\n  a@example.com: "
	    "{note: \"\xc3\xa9\xc3\xa9\"}\n",
	    "b@example.com", NULL, "M\xc3\xbcller \"x\"", 0,
	    HDR "# caf\xc3\xa9 \xe2\x82\xac\naliases:\n  a@example.com: "
	    "{note: \"\xc3\xa9\xc3\xa9\"}\n  b@example.com:\n"
	    "    note: \"M\xc3\xbcller \\\"x\\\"\"\n" },
	{ "add duplicate after normalisation", ADD,
	    HDR "aliases:\n  '\"A\"@Example.COM.':\n", "a@example.com", NULL,
	    NULL, AF_EDIT_EXISTS, NULL },
	{ "add, unknown domain", ADD, HDR "aliases:\n", "a@example.org",
	    NULL, NULL, AF_EDIT_NO_DOMAIN, NULL },
	{ "add, flow aliases refused", ADD,
	    HDR "aliases: {a@example.com: {}}\n", "b@example.com", NULL,
	    NULL, AF_EDIT_BAD, NULL },
	{ "add, not YAML", ADD, HDR "aliases:\n  a: [\n", "b@example.com",
	    NULL, NULL, AF_EDIT_BAD, NULL },
	{ "add, bad UTF-8 note", ADD, HDR "aliases:\n", "b@example.com",
	    NULL, "\xff", AF_EDIT_BAD, NULL },

	{ "revoke block", REVOKE,
	    HDR "aliases:\n  a@example.com:\n      note: x # c\n\n"
	    "  b@example.com:\n",
	    "a@example.com", "2026-11-01", "leaked, spam", 0,
	    HDR "aliases:\n  a@example.com:\n      note: x # c\n"
	    "      revoked: 2026-11-01\n      reason: leaked, spam\n\n"
	    "  b@example.com:\n" },
	{ "revoke block with block sequence", REVOKE,
	    HDR "aliases:\n  a@example.com:\n    to:\n      - x@example.net\n"
	    "    # after\n",
	    "a@example.com", "2026-11-01", NULL, 0,
	    HDR "aliases:\n  a@example.com:\n    to:\n      - x@example.net\n"
	    "    revoked: 2026-11-01\n    # after\n" },
	{ "revoke null", REVOKE, HDR "aliases:\n  a@example.com:  # c\n",
	    "a@example.com", "2026-11-01", "true", 0,
	    HDR "aliases:\n  a@example.com:  # c\n    revoked: 2026-11-01\n"
	    "    reason: \"true\"\n" },
	{ "revoke ~", REVOKE, HDR "aliases:\n  a@example.com: ~\n",
	    "a@example.com", "2026-11-01", NULL, 0,
	    HDR "aliases:\n  a@example.com:\n    revoked: 2026-11-01\n" },
	{ "revoke {}", REVOKE, HDR "aliases:\n  a@example.com: {}\n",
	    "a@example.com", "2026-11-01", NULL, 0,
	    HDR "aliases:\n  a@example.com:\n    revoked: 2026-11-01\n" },
	{ "revoke flow", REVOKE,
	    HDR "aliases:\n  a@example.com: {note: x, }  # c\n",
	    "a@example.com", "2026-11-01", "a, b", 0,
	    HDR "aliases:\n  a@example.com: {note: x, revoked: 2026-11-01, "
	    "reason: \"a, b\", }  # c\n" },
	{ "revoke quoted key", REVOKE,
	    HDR "aliases:\n  'A@EXAMPLE.com': {}\n", "a@example.com",
	    "2026-11-01", NULL, 0,
	    HDR "aliases:\n  'A@EXAMPLE.com':\n    revoked: 2026-11-01\n" },
	{ "revoke unknown", REVOKE, HDR "aliases:\n  a@example.com:\n",
	    "b@example.com", "2026-11-01", NULL, AF_EDIT_NOT_FOUND, NULL },
	{ "revoke twice", REVOKE,
	    HDR "aliases:\n  a@example.com: {revoked: 2026-01-01}\n",
	    "a@example.com", "2026-11-01", NULL, AF_EDIT_REVOKED, NULL },

	{ "restore block", RESTORE,
	    HDR "aliases:\n  a@example.com:\n    revoked: 2026-01-01 # c\n"
	    "    note: x\n    reason: >-\n      long\n      text\n  b@example.com:\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com:\n    note: x\n  b@example.com:\n" },
	{ "restore block, nothing left", RESTORE,
	    HDR "aliases:\n  a@example.com:\n    revoked: 2026-01-01\n"
	    "    reason: r\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com:\n" },
	{ "restore flow, leading", RESTORE,
	    HDR "aliases:\n  a@example.com: {revoked: 2026-01-01, reason: r, "
	    "note: x}\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com: {note: x}\n" },
	{ "restore flow, trailing", RESTORE,
	    HDR "aliases:\n  a@example.com: {note: x, revoked: 2026-01-01, "
	    "reason: \"r, s\"}\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com: {note: x}\n" },
	{ "restore flow, middle", RESTORE,
	    HDR "aliases:\n  a@example.com: {note: x, revoked: 2026-01-01, "
	    "created: 2026-01-01}\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com: {note: x, created: 2026-01-01}\n" },
	{ "restore flow, nothing left", RESTORE,
	    HDR "aliases:\n  a@example.com: {revoked: 2026-01-01}  # c\n",
	    "a@example.com", NULL, NULL, 0,
	    HDR "aliases:\n  a@example.com:  # c\n" },
	{ "restore active", RESTORE, HDR "aliases:\n  a@example.com:\n",
	    "a@example.com", NULL, NULL, AF_EDIT_NOT_REVOKED, NULL },
	{ "restore unknown", RESTORE, HDR "aliases:\n",
	    "a@example.com", NULL, NULL, AF_EDIT_NOT_FOUND, NULL },
};

/* Writes text to a temp file and loads it: 0 when it loads. */
static int
loads(const char *text, size_t len)
{
	struct aliasfile *af = NULL;
	struct af_diag d;
	char	 path[] = "/tmp/test_edit.XXXXXX";
	size_t	 i;
	int	 fd, rc;

	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	af_diag_init(&d);
	rc = af_load(path, &af, &d);
	for (i = 0; i < d.nmsgs; i++)
		if (rc == -1)
			fprintf(stderr, "  %s\n", d.msgs[i]);
	af_diag_free(&d);
	af_free(af);
	unlink(path);
	return rc;
}

static int
run(const struct row *r, char **out, size_t *outlen, struct errbuf *e)
{
	struct af_new_alias na;
	const char *list[8];
	char	 buf[512], *p;
	size_t	 n;

	switch (r->op) {
	case ADD:
		memset(&na, 0, sizeof(na));
		na.key = r->key;
		na.note = r->text;
		na.expires = r->date;
		return af_edit_add(r->in, strlen(r->in), &na, out, outlen, e);
	case REVOKE:
		return af_edit_revoke(r->in, strlen(r->in), r->key, r->date,
		    r->text, out, outlen, e);
	case LOCK:
		/* r->text: the senders, one space between each. */
		snprintf(buf, sizeof(buf), "%s", r->text);
		for (n = 0, p = strtok(buf, " "); p != NULL && n < NELEM(list);
		    p = strtok(NULL, " "))
			list[n++] = p;
		return af_edit_lock(r->in, strlen(r->in), r->key, list, n,
		    out, outlen, e);
	case UNLOCK:
		return af_edit_unlock(r->in, strlen(r->in), r->key, out,
		    outlen, e);
	default:
		return af_edit_restore(r->in, strlen(r->in), r->key, out,
		    outlen, e);
	}
}

static void
test_rows(void **state)
{
	struct errbuf e;
	char	*out;
	size_t	 i, outlen, bad = 0;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		e.msg[0] = '\0';
		out = NULL;
		rc = run(&rows[i], &out, &outlen, &e);
		if (rc != rows[i].rc) {
			fprintf(stderr, "%s: rc %d, want %d (%s)\n",
			    rows[i].name, rc, rows[i].rc, e.msg);
			bad++;
		} else if (rc == 0 && (outlen != strlen(rows[i].out) ||
		    memcmp(out, rows[i].out, outlen) != 0)) {
			fprintf(stderr, "%s: got\n%s\nwant\n%s\n", rows[i].name,
			    out, rows[i].out);
			bad++;
		} else if (rc == 0 && loads(out, outlen) != 0) {
			fprintf(stderr, "%s: result does not load\n",
			    rows[i].name);
			bad++;
		} else if (rc != 0 && (out != NULL || e.msg[0] == '\0')) {
			fprintf(stderr, "%s: no message or output set\n",
			    rows[i].name);
			bad++;
		}
		free(out);
	}
	assert_int_equal(bad, 0);
}

/*
 * add writes "created:" after the note and before the flags, in the
 * settings' indentation; the result loads.
 */
static void
test_add_created(void **state)
{
	static const char in[] = HDR "aliases:\n    a@example.com:\n";
	static const char want[] = HDR "aliases:\n    a@example.com:\n"
	    "    b@example.com:\n"
	    "      note: shop\n"
	    "      created: 2026-12-07\n"
	    "      receive_only: true\n"
	    "      expires: 2027-06-30\n";
	struct af_new_alias na;
	struct errbuf e;
	char	*out;
	size_t	 outlen;

	(void)state;
	memset(&na, 0, sizeof(na));
	na.key = "b@example.com";
	na.note = "shop";
	na.created = "2026-12-07";
	na.receive_only = 1;
	na.expires = "2027-06-30";
	if (af_edit_add(in, strlen(in), &na, &out, &outlen, &e) != 0)
		fail_msg("%s", e.msg);
	if (outlen != strlen(want) || memcmp(out, want, outlen) != 0)
		fprintf(stderr, "got\n%s\n", out);
	assert_int_equal(outlen, strlen(want));
	assert_memory_equal(out, want, outlen);
	assert_int_equal(loads(out, outlen), 0);
	free(out);
}

/*
 * A bigger file: revoke then restore of every alias gives back the
 * input byte for byte, and every byte before the edited alias is the
 * same in the revoked text.
 */
static void
test_round_trip(void **state)
{
	static const char in[] = "# top\n" HDR
	    "aliases: # list\n"
	    "  a@example.com:\n"
	    "  # between\n"
	    "  '\"b\"@example.com': {note: 'q # not a comment'}\n"
	    "  c@example.com:\n"
	    "    to: [x@example.net, '\"y z\"@example.net']\n"
	    "    note: |\n"
	    "      two\n"
	    "      lines\n"
	    "\n"
	    "  d@example.com: {}\n"
	    "map: m  # after\n";
	/* d@ is "{}": revoke makes it a block mapping, restore "d@...:". */
	static const char *const keys[] = { "a@example.com", "b@example.com",
	    "c@example.com" };
	struct errbuf e;
	char	*r1, *r2;
	size_t	 i, l1, l2, same;

	(void)state;
	for (i = 0; i < NELEM(keys); i++) {
		if (af_edit_revoke(in, strlen(in), keys[i], "2026-11-01",
		    "why: \"x\"", &r1, &l1, &e) != 0)
			fail_msg("%s: %s", keys[i], e.msg);
		assert_int_equal(loads(r1, l1), 0);
		for (same = 0; same < l1 && r1[same] == in[same]; same++)
			;
		assert_true(same > (size_t)(strstr(in, "aliases:") - in));
		assert_int_equal(af_edit_restore(r1, l1, keys[i], &r2, &l2,
		    &e), 0);
		if (l2 != strlen(in) || memcmp(r2, in, l2) != 0)
			fprintf(stderr, "%s:\n%s\n", keys[i], r2);
		assert_int_equal(l2, strlen(in));
		assert_memory_equal(r2, in, l2);
		free(r1);
		free(r2);
	}
	assert_int_equal(af_edit_revoke(in, strlen(in), "d@example.com",
	    "2026-11-01", NULL, &r1, &l1, &e), 0);
	assert_int_equal(af_edit_restore(r1, l1, "d@example.com", &r2, &l2,
	    &e), 0);
	assert_non_null(strstr(r2, "\n  d@example.com:\nmap: m  # after\n"));
	assert_int_equal(l2 + 3, strlen(in));
	free(r1);
	free(r2);
}

/* af_head_map(): the map: key before aliases:, or none. */
static const struct {
	const char *text;
	int	 rc;
	const char *map;
} heads[] = {
	{ "map: /var/lib/m\n" HDR "aliases:\n  a@example.com: {}\n", 0,
	  "/var/lib/m" },
	{ HDR "map: 'rel/m'\naliases:\n  a@example.com: {}\n", 0, "rel/m" },
	{ HDR "aliases:\n  a@example.com: {}\n", 0, "" },
	{ "map: ~\n" HDR "aliases:\n", 0, "" },
	/* After aliases: not seen; the caller must not trust "". */
	{ HDR "aliases:\n  a@example.com: {}\nmap: x\n", 0, "" },
	{ HDR, -1, "" },
	{ "- a\n- b\n", -1, "" },
	{ "map: [a, b]\naliases:\n", 0, "" },
	{ "{map: m, aliases: {}}", 0, "m" },
	{ "map: \"bad\\x01\"\naliases:\n", -1, "" },
	{ "key: [unclosed\naliases:\n", -1, "" },
};

static void
test_head_map(void **state)
{
	char	 buf[64];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < NELEM(heads); i++) {
		rc = af_head_map(heads[i].text, strlen(heads[i].text), buf,
		    sizeof(buf));
		if (rc != heads[i].rc || strcmp(buf, heads[i].map) != 0) {
			print_error("row %zu: rc %d map '%s'\n", i, rc, buf);
			fail();
		}
	}
}

/* af_window_load(): the aliases of a window, each checked alone. */
static void
test_window_load(void **state)
{
	static const char ok[] =
	    "  a@example.com:\n    note: x\n    revoked: 2026-01-02\n"
	    "  B@Other.example: {}\n"
	    "  c@example.com:\n    to: [x@example.net, y@example.net]\n";
	static const char *bad[] = {
	    "  a@example.com:\n    revoked: 2026-13-01\n",
	    "  not an address: {}\n",
	    "  a@example.com: {}\nmap: x\n",
	    "  a@example.com: [\n",
	    "  a@example.com:\n    colour: red\n",
	};
	struct aliasfile *af;
	size_t	 i;

	(void)state;
	assert_int_equal(af_window_load(ok, sizeof(ok) - 1, &af), 0);
	assert_int_equal(af->naliases, 3);
	assert_string_equal(af->aliases[0].key, "a@example.com");
	assert_true(af->aliases[0].flags & AF_REVOKED);
	assert_string_equal(af->aliases[0].note, "x");
	/* The domain is not checked here: only a whole load knows them. */
	assert_string_equal(af->aliases[1].key, "b@other.example");
	assert_string_equal(af->aliases[2].to, "x@example.net, y@example.net");
	af_free(af);
	for (i = 0; i < NELEM(bad); i++) {
		if (af_window_load(bad[i], strlen(bad[i]), &af) != -1) {
			print_error("bad window %zu loaded\n", i);
			fail();
		}
		assert_null(af);
	}
}

/*
 * The one YAML scalar writer, which import uses too: addresses as they
 * come, quoting for indicators, the words YAML reads as null or a
 * boolean, and buffers of every size that matters.
 */
/* af_edit_entry(): the lines of one alias, as lock --dry-run prints. */
static void
test_entry(void **state)
{
	static const char text[] = HDR "aliases:\n"
	    "  a@example.com: {note: x}   # c\n"
	    "  # between\n"
	    "  b@example.com:\n"
	    "    senders:\n"
	    "      - x.example\n"
	    "    note: y\n"
	    "\n"
	    "  c@example.com:\n"
	    "  d@example.com:\n"
	    "    note: last";
	static const struct {
		const char *key;
		const char *entry;
	} t[] = {
		{ "a@example.com", "  a@example.com: {note: x}   # c\n" },
		{ "b@example.com", "  b@example.com:\n    senders:\n"
		    "      - x.example\n    note: y\n" },
		{ "c@example.com", "  c@example.com:\n" },
		{ "d@example.com", "  d@example.com:\n    note: last" },
	};
	struct errbuf e;
	size_t	 i, off, len;

	(void)state;
	for (i = 0; i < NELEM(t); i++) {
		assert_int_equal(af_edit_entry(text, strlen(text), t[i].key,
		    &off, &len, &e), AF_EDIT_OK);
		if (len != strlen(t[i].entry) ||
		    memcmp(text + off, t[i].entry, len) != 0) {
			fprintf(stderr, "%s: got \"%.*s\"\n", t[i].key,
			    (int)len, text + off);
			fail();
		}
	}
	assert_int_equal(af_edit_entry(text, strlen(text), "x@example.com",
	    &off, &len, &e), AF_EDIT_NOT_FOUND);
}

static void
test_yaml_scalar(void **state)
{
	static const char *const words[] = { "yes", "No", "ON", "off", "y",
	    "null", "~", "true", "False" };
	char	 buf[64], want[16];
	size_t	 i;

	(void)state;
	assert_int_equal(af_yaml_scalar("irs+x@example.com", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "irs+x@example.com");
	assert_int_equal(af_yaml_scalar("\"a b\"@example.com", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "\"\\\"a b\\\"@example.com\"");
	assert_int_equal(af_yaml_scalar("#x@example.com", buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "\"#x@example.com\"");
	assert_int_equal(af_yaml_scalar("-x@example.com", buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "\"-x@example.com\"");
	assert_int_equal(af_yaml_scalar("a: b", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "\"a: b\"");
	assert_int_equal(af_yaml_scalar("tab\there", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "\"tab\\there\"");
	/* The words YAML 1.1 reads as booleans or null stay strings. */
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(want, sizeof(want), "\"%s\"", words[i]);
		assert_int_equal(af_yaml_scalar(words[i], buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
	}
	assert_int_equal(af_yaml_scalar("a\\b@example.com", buf, 8), -1);
	assert_string_equal(buf, "");
	assert_int_equal(af_yaml_scalar("abcdefgh", buf, 8), -1);
	assert_int_equal(af_yaml_scalar("abcdefg", buf, 8), 0);
	assert_string_equal(buf, "abcdefg");
	/* A quoted result that fits exactly (26 bytes and the NUL). */
	assert_int_equal(af_yaml_scalar("\"john doe\"@example.com", buf,
	    27), 0);
	assert_string_equal(buf, "\"\\\"john doe\\\"@example.com\"");
	assert_int_equal(af_yaml_scalar("\"john doe\"@example.com", buf,
	    26), -1);
	assert_string_equal(buf, "");
	/* Not UTF-8. */
	assert_int_equal(af_yaml_scalar("\xff@example.com", buf,
	    sizeof(buf)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_add_created),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_head_map),
		cmocka_unit_test(test_window_load),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_yaml_scalar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
