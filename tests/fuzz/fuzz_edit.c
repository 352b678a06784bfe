/*
 * fuzz_edit.c: libFuzzer target for the surgical editor in aliasfile.c
 * (af_edit_add, af_edit_revoke, af_edit_restore, af_edit_lock,
 * af_edit_unlock).
 *
 * Input: four parameter bytes, then aux bytes, then the alias file:
 *   op	   0 revoke, 1 restore, 2 add, 3 revoke then restore, 4 lock
 *	   then unlock; with bit 7 set, the rest of the input makes the
 *	   file (gen_file())
 *   pick  which alias (revoke, restore) or domain (add)
 *   flags bit 0: a reason (revoke) or note (add); bit 1: receive_only;
 *	   bit 2: expires; bits 3-4: how many targets (lock: which
 *	   senders); bits 5-7: the date
 *   aux   its length (mod 64); up to a NUL, the local part of the alias
 *	   to add, after it (or all of it without a NUL) the reason or note
 *
 * A file that does not load is edited too, for a key made from aux:
 * any result must come back as a code or a text, never a crash.  On a
 * file that loads, the result of a successful edit must load and give
 * the expected aliases: the same map, domains and aliases in the same
 * order, except that the edited alias is revoked or restored as asked,
 * or the added one is last with exactly what was given, or the locked
 * one has exactly the senders given and unlocking it takes them away
 * again (and gives the input back when it had none); its bytes must
 * be the input's with one block inserted (add, revoke: an empty value,
 * "{}" or "~", may go) or only bytes taken out (restore); and revoking
 * then restoring gives the input back byte for byte when the revoke
 * only inserted.  The codes must fit the file: no NOT_FOUND for an
 * alias the loader found, no EXISTS or NO_DOMAIN when there is no such
 * alias and the domain is listed.  An edit may still refuse a layout
 * (AF_EDIT_BAD).  A file (before and after a revoke) whose load says it
 * has windows is checked as in fuzz_aliasfile.c.  FUZZ_STATS=1 prints
 * at exit how often each happened, FUZZ_BAD=1 why each refusal was made.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_edit.h"
#include "util.h"
#include "fuzz_util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum { OP_REVOKE, OP_RESTORE, OP_ADD, OP_ROUNDTRIP, OP_LOCK, NOPS };

/*
 * Senders as a user gives them to lock, and as the loader keeps them;
 * a lock takes two of them (flags bits 3-4 pick the pair).
 */
static const char *const senders[4][2] = {
	{ "BestBuy.COM.", "bestbuy.com" },
	{ "<Alerts@Bank.Example>", "alerts@bank.example" },
	{ "\"a..b\"@x.example", "\"a..b\"@x.example" },
	{ "mail.vendor-1.example", "mail.vendor-1.example" },
};

static const char *const dates[8] = {
	"2026-11-01", "1970-01-01", "2000-02-29", "9999-12-31",
	"1900-01-01", "2026-01-12", "2027-06-30", "2024-12-31"
};

/* Targets as a user gives them; not at a domain the file manages. */
static const char *const targets[3] = {
	"me@fuzz.invalid", "\"Jane Doe\"@Fuzz.Invalid.",
	"<@r.example:X+y@fuzz.invalid>"
};

static const char *const op_names[NOPS] = {
	"revoke", "restore", "add", "revoke+restore", "lock+unlock"
};

/* Per op: tried on a file that loads, succeeded, refused as AF_EDIT_BAD. */
static unsigned long ntried[NOPS], nok[NOPS], nbad[NOPS], nloaded, ninputs;
static unsigned long nwindows;

static void
print_stats(void)
{
	int i;

	fprintf(stderr, "fuzz_edit: %lu inputs, %lu load, %lu have windows\n",
	    ninputs, nloaded, nwindows);
	for (i = 0; i < NOPS; i++)
		fprintf(stderr, "fuzz_edit: %s: %lu tried, %lu done, %lu "
		    "refused as AF_EDIT_BAD\n", op_names[i], ntried[i], nok[i],
		    nbad[i]);
}

/* The parameters of one edit. */
struct edit {
	int	op;
	size_t	pick;
	const char *date;
	const char *text;	/* reason or note, or NULL */
	int	text_ok;
	int	receive_only;
	int	expires;
	size_t	nto;
	char	local[64];	/* of the alias to add */
};

/* What the caller of an edit is promised, whatever the code. */
static void
check_result(int rc, const char *out, size_t outlen, const struct errbuf *e)
{
	FUZZ_CHECK(rc >= AF_EDIT_OK && rc <= AF_EDIT_NOMEM, "code %d", rc);
	FUZZ_CHECK(rc != AF_EDIT_NOMEM, "out of memory");
	if (rc == AF_EDIT_OK) {
		FUZZ_CHECK(out != NULL && out[outlen] == '\0',
		    "no NUL-terminated text");
		return;
	}
	FUZZ_CHECK(out == NULL, "code %d with a text", rc);
	FUZZ_CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL &&
	    e->msg[0] != '\0', "code %d without a message", rc);
}

/* The code an edit must return; it may also refuse the layout. */
static void
expect(int rc, int want, const struct errbuf *e, const char *what,
    const char *key)
{
	FUZZ_CHECK(rc == want || rc == AF_EDIT_BAD, "%s %s: code %d, not %d "
	    "(%s)", what, key, rc, want, e->msg);
	/* FUZZ_BAD=1: say why, to see which layouts the editor refuses. */
	if (rc == AF_EDIT_BAD && getenv("FUZZ_BAD") != NULL)
		fprintf(stderr, "refused: %s %s: %s\n", what, key, e->msg);
}

/* A text the loader would keep is never refused as bad UTF-8. */
static void
check_text_taken(int rc, const struct errbuf *e, const struct edit *ed)
{
	FUZZ_CHECK(!(rc == AF_EDIT_BAD && ed->text_ok &&
	    strstr(e->msg, "UTF-8") != NULL), "text \"%s\" refused: %s",
	    fuzz_str(ed->text), e->msg);
}

/*
 * Nonzero when s is a text the loader keeps as it is: UTF-8 whose
 * characters are all printable for libyaml, with no line break (U+0085,
 * U+2028, U+2029 break lines in YAML), tab or BOM.
 */
static int
text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			c = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			c = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			c = *p & 0x07;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
		    c < 0xa0 || c == 0x2028 || c == 0x2029 || c == 0xfeff ||
		    c == 0xfffe || c == 0xffff)
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Nonzero when out is in with one block of bytes inserted. */
static int
inserted(const char *in, size_t len, const char *out, size_t outlen)
{
	size_t p = 0, s = 0;

	if (outlen < len)
		return 0;
	while (p < len && in[p] == out[p])
		p++;
	while (s < len - p && in[len - 1 - s] == out[outlen - 1 - s])
		s++;
	return p + s == len;
}

/*
 * The length of an empty value ("{}", "{ }" also over lines, "~",
 * "null") at s, or 0.
 */
static size_t
empty_value(const char *s, size_t len)
{
	static const char *const nulls[] = { "~", "null", "Null", "NULL" };
	size_t i, n;

	if (len >= 2 && s[0] == '{') {
		for (i = 1; i < len && strchr(" \t\r\n", s[i]) != NULL &&
		    s[i] != '\0'; i++)
			;
		return i < len && s[i] == '}' ? i + 1 : 0;
	}
	for (i = 0; i < 4; i++) {
		n = strlen(nulls[i]);
		if (len >= n && memcmp(s, nulls[i], n) == 0)
			return n;
	}
	return 0;
}

/*
 * Nonzero when out is in with one block inserted, after at most one
 * empty value (and the blanks before it) was taken out.
 */
static int
inserted_after_empty(const char *in, size_t len, const char *out,
    size_t outlen)
{
	char *cut;
	size_t i, b, n, tries = 0;
	int ok = 0;

	if (inserted(in, len, out, outlen))
		return 1;
	for (i = 0; i < len && !ok && tries < 64; i++) {
		if ((n = empty_value(in + i, len - i)) == 0)
			continue;
		tries++;
		for (b = i; b > 0 && (in[b - 1] == ' ' || in[b - 1] == '\t');
		    b--)
			;
		cut = fuzz_alloc(len - (i + n - b));
		memcpy(cut, in, b);
		memcpy(cut + b, in + i + n, len - i - n);
		ok = inserted(cut, len - (i + n - b), out, outlen);
		free(cut);
	}
	return ok;
}

/* Nonzero when out is in with some bytes taken out. */
static int
only_removed(const char *in, size_t len, const char *out, size_t outlen)
{
	size_t i, j;

	if (outlen >= len)
		return 0;
	for (i = j = 0; i < len && j < outlen; i++)
		if (in[i] == out[j])
			j++;
	return j == outlen;
}

/*
 * Nonzero when every error of a failed load is one that the edit may
 * rightly cause: revoking postmaster@ or abuse@, or an alias that is
 * some target.
 */
static int
revoke_may_fail(const struct af_diag *d)
{
	size_t i;

	for (i = 0; i < d->nmsgs; i++)
		if (strstr(d->msgs[i], "warning: ") == NULL &&
		    strstr(d->msgs[i], "and cannot be revoked") == NULL &&
		    strstr(d->msgs[i], "is a revoked alias") == NULL)
			return 0;
	return d->nmsgs > 0;
}

/* Loads an edited text; NULL when it does not load (diag says why). */
static struct aliasfile *
load_text(const char *text, size_t len, struct af_diag *d)
{
	return fuzz_load(fuzz_file((const uint8_t *)text, len),
	    AF_LOAD_SERIAL, d);
}

static void
print_diag(const char *what, const struct af_diag *d)
{
	size_t i;

	for (i = 0; i < d->nmsgs; i++)
		fprintf(stderr, "%s: %s\n", what, d->msgs[i]);
}


/*
 * Revokes alias i of af (loaded from in).  Returns the new text (the
 * caller frees it) or NULL.
 */
static char *
do_revoke(const char *in, size_t len, const struct aliasfile *af, size_t i,
    const struct edit *ed, size_t *outlen)
{
	const struct af_alias *a = &af->aliases[i];
	struct af_alias want;
	struct aliasfile *af2;
	struct af_diag d;
	struct errbuf e;
	char *out = NULL;
	int rc;

	rc = af_edit_revoke(in, len, a->key, ed->date, ed->text, &out, outlen,
	    &e);
	check_result(rc, out, *outlen, &e);
	nbad[ed->op] += rc == AF_EDIT_BAD;
	expect(rc, (a->flags & AF_REVOKED) ? AF_EDIT_REVOKED : AF_EDIT_OK, &e,
	    "revoke", a->key);
	check_text_taken(rc, &e, ed);
	if (rc != AF_EDIT_OK)
		return NULL;
	nok[ed->op] += ed->op == OP_REVOKE;
	FUZZ_CHECK(inserted_after_empty(in, len, out, *outlen),
	    "revoke of %s changed more than it inserted:\n%s", a->key, out);
	if (!ed->text_ok)
		return out;
	af2 = load_text(out, *outlen, &d);
	if (af2 == NULL) {
		if (!revoke_may_fail(&d))
			print_diag("after revoke", &d);
		FUZZ_CHECK(revoke_may_fail(&d), "revoke of %s: the result "
		    "does not load:\n%s", a->key, out);
	} else {
		fuzz_same_file(af, af2, i, 0);
		fuzz_window((const uint8_t *)out, *outlen, af2, (uint32_t)i);
		want = *a;
		want.flags |= AF_REVOKED;
		FUZZ_CHECK(date_parse(ed->date, 10, &want.revoked) == 0,
		    "date %s", ed->date);
		want.reason = ed->text != NULL && *ed->text != '\0' ?
		    ed->text : NULL;
		fuzz_same_alias(af, &want, af2, &af2->aliases[i], 0);
	}
	af_free(af2);
	af_diag_free(&d);
	return out;
}

/*
 * Restores alias i of orig (the file before any edit) in the text in,
 * which af was loaded from (NULL: it does not load).
 */
static char *
do_restore(const char *in, size_t len, const struct aliasfile *af,
    const struct aliasfile *orig, size_t i, int op, size_t *outlen)
{
	const struct af_alias *a = &orig->aliases[i];
	struct af_alias want;
	struct aliasfile *af2;
	struct af_diag d;
	struct errbuf e;
	char *out = NULL;
	int rc, revoked;

	revoked = af == NULL || (af->aliases[i].flags & AF_REVOKED);
	rc = af_edit_restore(in, len, a->key, &out, outlen, &e);
	check_result(rc, out, *outlen, &e);
	nbad[op] += rc == AF_EDIT_BAD;
	if (op == OP_ROUNDTRIP)
		FUZZ_CHECK(rc == AF_EDIT_OK, "restore refuses what revoke "
		    "made: %d (%s):\n%s", rc, e.msg, in);
	else
		expect(rc, revoked ? AF_EDIT_OK : AF_EDIT_NOT_REVOKED, &e,
		    "restore", a->key);
	if (rc != AF_EDIT_OK)
		return NULL;
	nok[op]++;
	FUZZ_CHECK(only_removed(in, len, out, *outlen),
	    "restore of %s did more than take bytes out:\n%s", a->key, out);
	af2 = load_text(out, *outlen, &d);
	if (af2 == NULL)
		print_diag("after restore", &d);
	FUZZ_CHECK(af2 != NULL, "restore of %s: the result does not load:\n%s",
	    a->key, out);
	fuzz_same_file(orig, af2, i, 0);
	want = *a;
	want.flags &= ~AF_REVOKED;
	want.revoked = DATE_NONE;
	want.reason = NULL;
	fuzz_same_alias(orig, &want, af2, &af2->aliases[i], 0);
	af_free(af2);
	af_diag_free(&d);
	return out;
}

/* Revokes alias i, then restores it: the file as it was. */
static void
do_roundtrip(const char *in, size_t len, const struct aliasfile *af,
    size_t i, const struct edit *ed)
{
	struct aliasfile *mid;
	struct af_diag d;
	char *r, *back;
	size_t rlen, blen;
	int pure;

	if (af->aliases[i].flags & AF_REVOKED)
		return;
	if ((r = do_revoke(in, len, af, i, ed, &rlen)) == NULL ||
	    !ed->text_ok) {
		free(r);
		return;
	}
	pure = inserted(in, len, r, rlen);
	mid = load_text(r, rlen, &d);
	af_diag_free(&d);
	back = do_restore(r, rlen, mid, af, i, OP_ROUNDTRIP, &blen);
	af_free(mid);
	/* A file without a final line break gets one. */
	if (pure && back != NULL)
		FUZZ_CHECK((blen == len && memcmp(back, in, len) == 0) ||
		    (len > 0 && in[len - 1] != '\n' && blen > len &&
		    memcmp(back, in, len) == 0 &&
		    (strcmp(back + len, "\n") == 0 ||
		    strcmp(back + len, "\r\n") == 0)),
		    "revoke then restore of %s:\n%s\nbecame\n%s",
		    af->aliases[i].key, in, back);
	free(back);
	free(r);
}

/*
 * Nonzero when every error of a failed load is one that a lock may
 * rightly cause: locking postmaster@ or abuse@.
 */
static int
lock_may_fail(const struct af_diag *d)
{
	size_t i;

	for (i = 0; i < d->nmsgs; i++)
		if (strstr(d->msgs[i], "warning: ") == NULL &&
		    strstr(d->msgs[i], "be receive-only or locked") == NULL)
			return 0;
	return d->nmsgs > 0;
}

/*
 * Locks alias i of af (loaded from in) to two senders, then unlocks
 * the result: the lock has exactly those senders, the unlock none, and
 * everything else stays.
 */
static void
do_lock(const char *in, size_t len, const struct aliasfile *af, size_t i,
    const struct edit *ed)
{
	const struct af_alias *a = &af->aliases[i];
	const char *given[2], *want_senders;
	char joined[128], *out = NULL, *back = NULL;
	struct af_alias want;
	struct aliasfile *af2 = NULL, *af3 = NULL;
	struct af_diag d, d3;
	struct errbuf e;
	size_t outlen = 0, blen = 0, k = ed->nto;
	int rc, pure;

	memset(&d, 0, sizeof(d));
	memset(&d3, 0, sizeof(d3));
	given[0] = senders[k][1];
	given[1] = senders[(k + 1) % 4][1];
	snprintf(joined, sizeof(joined), "%s %s", given[0], given[1]);
	rc = af_edit_lock(in, len, a->key, given, 2, &out, &outlen, &e);
	check_result(rc, out, outlen, &e);
	nbad[OP_LOCK] += rc == AF_EDIT_BAD;
	expect(rc, AF_EDIT_OK, &e, "lock", a->key);
	if (rc != AF_EDIT_OK)
		return;
	pure = inserted(in, len, out, outlen);
	FUZZ_CHECK(a->senders != NULL || inserted_after_empty(in, len, out,
	    outlen), "lock of %s changed more than it inserted:\n%s", a->key,
	    out);
	if ((af2 = load_text(out, outlen, &d)) == NULL) {
		if (!lock_may_fail(&d))
			print_diag("after lock", &d);
		FUZZ_CHECK(lock_may_fail(&d), "lock of %s: the result does "
		    "not load:\n%s", a->key, out);
		goto out;
	}
	nok[OP_LOCK]++;
	fuzz_same_file(af, af2, i, 0);
	want = *a;
	want.senders = joined;
	fuzz_same_alias(af, &want, af2, &af2->aliases[i], 0);

	rc = af_edit_unlock(out, outlen, a->key, &back, &blen, &e);
	check_result(rc, back, blen, &e);
	FUZZ_CHECK(rc == AF_EDIT_OK, "unlock refuses what lock made: %d "
	    "(%s):\n%s", rc, e.msg, out);
	FUZZ_CHECK(only_removed(out, outlen, back, blen),
	    "unlock of %s did more than take bytes out:\n%s", a->key, back);
	af3 = load_text(back, blen, &d3);
	if (af3 == NULL)
		print_diag("after unlock", &d3);
	FUZZ_CHECK(af3 != NULL, "unlock of %s: the result does not load:\n%s",
	    a->key, back);
	fuzz_same_file(af, af3, i, 0);
	want_senders = NULL;
	want.senders = want_senders;
	fuzz_same_alias(af, &want, af3, &af3->aliases[i], 0);
	/* A file without a final line break gets one. */
	if (pure && a->senders == NULL)
		FUZZ_CHECK((blen == len && memcmp(back, in, len) == 0) ||
		    (len > 0 && in[len - 1] != '\n' && blen > len &&
		    memcmp(back, in, len) == 0 &&
		    (strcmp(back + len, "\n") == 0 ||
		    strcmp(back + len, "\r\n") == 0)),
		    "lock then unlock of %s:\n%s\nbecame\n%s", a->key, in,
		    back);
out:
	af_free(af2);
	af_free(af3);
	af_diag_free(&d);
	af_diag_free(&d3);
	free(out);
	free(back);
}

/* Adds an alias at domain ed->pick of af. */
static void
do_add(const char *in, size_t len, const struct aliasfile *af,
    const struct edit *ed)
{
	struct af_new_alias na;
	struct af_alias want;
	struct aliasfile *af2;
	struct af_diag d;
	struct errbuf e;
	struct addr a;
	const char *domain, *to[3];
	char key[ADDR_BUF], buf[ADDR_BUF + 8], tobuf[3][ADDR_BUF];
	char joined[3 * ADDR_BUF + 8], *out = NULL;
	size_t outlen = 0, i;
	int rc, exists;

	domain = af->ndomains > 0 ? af->domains[ed->pick % af->ndomains].name :
	    "example.com";
	snprintf(buf, sizeof(buf), "%s@%s", ed->local, domain);
	if (addr_parse(buf, strlen(buf), 0, &a) != ADDR_OK ||
	    a.local[0] == '#')
		addr_parse("fz@x", 4, 0, &a);
	snprintf(key, sizeof(key), "%s@%s", a.local, domain);
	memset(&na, 0, sizeof(na));
	na.key = key;
	na.note = ed->text;
	if (strncmp(key, "postmaster@", 11) != 0 &&
	    strncmp(key, "abuse@", 6) != 0) {
		na.receive_only = ed->receive_only;
		na.expires = ed->expires ? ed->date : NULL;
	}
	joined[0] = '\0';
	if (af_find_domain(af, "fuzz.invalid") == -1) {
		for (i = 0; i < ed->nto; i++) {
			addr_parse(targets[i], strlen(targets[i]),
			    ADDR_KEEP_CASE, &a);
			addr_format(&a, tobuf[i], sizeof(tobuf[i]));
			to[i] = tobuf[i];
			snprintf(joined + strlen(joined),
			    sizeof(joined) - strlen(joined), "%s%s",
			    i > 0 ? ", " : "", tobuf[i]);
		}
		na.to = to;
		na.nto = ed->nto;
	}
	exists = af_find_alias(af, key) != NULL;
	rc = af_edit_add(in, len, &na, &out, &outlen, &e);
	check_result(rc, out, outlen, &e);
	nbad[OP_ADD] += rc == AF_EDIT_BAD;
	if (af->ndomains == 0)
		FUZZ_CHECK(rc != AF_EDIT_OK, "added %s without domains", key);
	else
		expect(rc, exists ? AF_EDIT_EXISTS : AF_EDIT_OK, &e, "add", key);
	check_text_taken(rc, &e, ed);
	if (rc != AF_EDIT_OK)
		return;
	nok[OP_ADD]++;
	FUZZ_CHECK(inserted_after_empty(in, len, out, outlen),
	    "add of %s changed more than it inserted:\n%s", key, out);
	if (!ed->text_ok) {
		free(out);
		return;
	}
	af2 = load_text(out, outlen, &d);
	if (af2 == NULL)
		print_diag("after add", &d);
	FUZZ_CHECK(af2 != NULL, "add of %s: the result does not load:\n%s",
	    key, out);
	FUZZ_CHECK(af2->naliases == af->naliases + 1, "%zu aliases after "
	    "adding to %zu", af2->naliases, af->naliases);
	af2->naliases--;
	fuzz_same_file(af, af2, SIZE_MAX, 0);
	af2->naliases++;
	memset(&want, 0, sizeof(want));
	want.key = key;
	want.to = na.nto > 0 ? joined : NULL;
	want.note = na.note != NULL && *na.note != '\0' ? na.note : NULL;
	want.created = want.revoked = want.expires = DATE_NONE;
	if (na.expires != NULL)
		date_parse(na.expires, 10, &want.expires);
	want.flags = na.receive_only ? AF_RECEIVE_ONLY : 0;
	want.domain = (uint16_t)af_find_domain(af, domain);
	fuzz_same_alias(af, &want, af2, &af2->aliases[af->naliases], 0);
	af_free(af2);
	af_diag_free(&d);
	free(out);
}

/* An edit of a file that does not load: a code or a text, no crash. */
static void
edit_unloadable(const char *in, size_t len, const struct edit *ed,
    const char *aux, size_t auxlen)
{
	struct af_new_alias na;
	struct errbuf e;
	struct addr a;
	char key[ADDR_BUF], *out = NULL;
	size_t outlen = 0;
	int rc;

	if (addr_parse(aux, auxlen, 0, &a) != ADDR_OK ||
	    addr_format(&a, key, sizeof(key)) == (size_t)-1)
		strcpy(key, "a@example.com");
	switch (ed->op) {
	case OP_REVOKE:
	case OP_ROUNDTRIP:
		rc = af_edit_revoke(in, len, key, ed->date, ed->text, &out,
		    &outlen, &e);
		break;
	case OP_RESTORE:
		rc = af_edit_restore(in, len, key, &out, &outlen, &e);
		break;
	case OP_LOCK:
		rc = af_edit_lock(in, len, key, &senders[ed->nto][1], 1, &out,
		    &outlen, &e);
		check_result(rc, out, outlen, &e);
		free(out);
		out = NULL;
		rc = af_edit_unlock(in, len, key, &out, &outlen, &e);
		break;
	default:
		memset(&na, 0, sizeof(na));
		na.key = key;
		na.note = ed->text;
		rc = af_edit_add(in, len, &na, &out, &outlen, &e);
		break;
	}
	check_result(rc, out, outlen, &e);
	free(out);
}

/*
 * The generated mode (op byte bit 7): the file is made from the rest of
 * the input by a small grammar of the layouts people write (block and
 * flow style, "key:", "~", "{}", comments, blank lines, CRLF, quoted
 * keys, block scalars, indentation of 1 to 4), so that nearly every
 * input is a file that loads and the edits, not the loader's error
 * paths, get the fuzzing.
 */
struct gen {
	struct fuzz_in in;
	char	*p;
	size_t	len;
	size_t	cap;
	const char *eol;
};

/* Scalars as they are spelled in YAML, plain or quoted. */
static const char *const gen_notes[] = {
	"given to my accountant", "'single ''quoted'''", "\"x: y\"",
	"\"# not a comment\"", "'a \\ b'", "\"tab\\there\"", "caf\xc3\xa9",
	"'null'", "\"~\"", "'- dash'", "\"[x], {y}\"", "\"\\\"dq\\\"\"",
	"'@at'", "'%pct'", "\"\\u00e9\\n2\"", "x # trailing comment",
};

static void
gen_add(struct gen *g, const char *s)
{
	size_t n = strlen(s);

	if (g->len + n + 1 > g->cap) {
		g->cap = (g->len + n + 1) * 2;
		FUZZ_CHECK((g->p = realloc(g->p, g->cap)) != NULL, "realloc");
	}
	memcpy(g->p + g->len, s, n + 1);
	g->len += n;
}

static void
gen_indent(struct gen *g, size_t n)
{
	while (n-- > 0)
		gen_add(g, " ");
}

/* Ends a line, sometimes with a comment, sometimes with a blank line. */
static void
gen_eol(struct gen *g)
{
	uint8_t b = fuzz_byte(&g->in);

	if ((b & 7) == 1)
		gen_add(g, "  # c");
	gen_add(g, g->eol);
	if ((b & 7) == 2)
		gen_add(g, g->eol);
	if ((b & 7) == 3) {
		gen_add(g, "# between");
		gen_add(g, g->eol);
	}
}

/* One alias: key style, then settings in block or flow style. */
static void
gen_alias(struct gen *g, size_t i, const char *domain, size_t ind)
{
	/* Before the number, between it and "@", after the domain. */
	static const char *const keyfmt[4][3] = {
		{ "a", "", "" }, { "'A", "", "'" }, { "\"a", "", ".\"" },
		{ "'\"a", "\"", "'" }
	};
	static const char *const gen_senders[4] = {
		"senders: [bestbuy.com, Alerts@Bank.Example]",
		"senders: mail.vendor-1.example.",
		"senders: ['\"a..b\"@x.example']",
		"senders: [<x@y.example>]",
	};
	char key[128], set[9][96];
	uint8_t b = fuzz_byte(&g->in), which = fuzz_byte(&g->in);
	uint8_t sb = fuzz_byte(&g->in);
	size_t n = 0, k, sub;

	snprintf(key, sizeof(key), "%s%zu%s@%s%s", keyfmt[b & 3][0], i,
	    keyfmt[b & 3][1], domain, keyfmt[b & 3][2]);
	if (which & 1)
		snprintf(set[n++], sizeof(set[0]), "note: %s",
		    gen_notes[fuzz_byte(&g->in) % (sizeof(gen_notes) /
		    sizeof(gen_notes[0]))]);
	if (which & 2)
		snprintf(set[n++], sizeof(set[0]), "created: 2026-01-12");
	if (which & 4) {
		snprintf(set[n++], sizeof(set[0]), "revoked: 2026-11-01");
		if (which & 8)
			snprintf(set[n++], sizeof(set[0]), "reason: leaked");
	}
	if (which & 16)
		snprintf(set[n++], sizeof(set[0]), "receive_only: %s",
		    which & 32 ? "true" : "false");
	if (which & 64)
		snprintf(set[n++], sizeof(set[0]), "to: %s",
		    which & 32 ? "[x@example.net, '\"y z\"@example.net']" :
		    "x@example.net");
	if ((which & 128) && n > 1)
		snprintf(set[n - 1], sizeof(set[0]), "expires: 2027-06-30");
	if (sb & 4)
		snprintf(set[n++], sizeof(set[0]), "%s", gen_senders[sb & 3]);
	gen_indent(g, ind);
	gen_add(g, key);
	gen_add(g, ":");
	sub = ind + 1 + ((b >> 4) & 3);
	switch ((b >> 2) & 3) {
	case 0:		/* block, or nothing */
		gen_eol(g);
		for (k = 0; k < n; k++) {
			gen_indent(g, sub);
			/* A literal block scalar for a note now and then. */
			if (strncmp(set[k], "note: ", 6) == 0 && (b & 64)) {
				gen_add(g, "note: |");
				gen_add(g, g->eol);
				gen_indent(g, sub + 2);
				gen_add(g, "two");
				gen_add(g, g->eol);
				gen_indent(g, sub + 2);
				gen_add(g, "lines");
				gen_add(g, g->eol);
				continue;
			}
			gen_add(g, set[k]);
			gen_eol(g);
		}
		break;
	case 1:		/* flow */
		gen_add(g, b & 64 ? " {" : " { ");
		for (k = 0; k < n; k++) {
			gen_add(g, k > 0 ? ", " : "");
			gen_add(g, set[k]);
		}
		gen_add(g, (b & 128) && n > 0 ? ", }" : "}");
		gen_eol(g);
		break;
	case 2:
		gen_add(g, b & 64 ? " ~" : " null");
		gen_eol(g);
		break;
	default:
		gen_add(g, " {}");
		gen_eol(g);
		break;
	}
}

/* Makes a file from the input; returns it (the caller frees it). */
static char *
gen_file(const uint8_t *data, size_t size, size_t *lenp)
{
	static const char *const domains[2] = { "example.com", "Example.ORG" };
	struct gen g;
	uint8_t b, nal;
	size_t ind, i, nd;

	memset(&g, 0, sizeof(g));
	g.in.p = data;
	g.in.len = size;
	gen_add(&g, "");
	b = fuzz_byte(&g.in);
	g.eol = b & 1 ? "\r\n" : "\n";
	ind = 1 + ((b >> 1) & 3);
	nd = 1 + ((b >> 3) & 1);
	nal = fuzz_byte(&g.in) % 8;
	if (b & 16) {
		gen_add(&g, "# aliases for example.com");
		gen_add(&g, g.eol);
	}
	if (b & 32) {
		gen_add(&g, "map: /var/lib/aliasctl/aliases");
		gen_eol(&g);
	}
	gen_add(&g, "domains:");
	gen_eol(&g);
	for (i = 0; i < nd; i++) {
		gen_indent(&g, ind);
		gen_add(&g, domains[i]);
		if (fuzz_byte(&g.in) & 1) {
			gen_add(&g, ": {deliver_to: me@example.net, "
			    "subaddress: \"+\"}");
			gen_eol(&g);
		} else {
			gen_add(&g, ":");
			gen_eol(&g);
			gen_indent(&g, 2 * ind);
			gen_add(&g, "deliver_to: me@example.net");
			gen_eol(&g);
			gen_indent(&g, 2 * ind);
			gen_add(&g, "subaddress: \"+\"");
			gen_eol(&g);
		}
	}
	if (nal == 0 && (b & 64))
		gen_add(&g, b & 128 ? "aliases: {}" : "aliases: ~");
	else if (nal > 0 || (b & 64))
		gen_add(&g, "aliases:");
	if (nal > 0 || (b & 64))
		gen_eol(&g);
	for (i = 0; i < nal; i++)
		gen_alias(&g, i, i % nd ? "example.org" : "example.com", ind);
	/* No final line break, now and then. */
	if ((fuzz_byte(&g.in) & 7) == 0)
		while (g.len > 0 && (g.p[g.len - 1] == '\n' ||
		    g.p[g.len - 1] == '\r'))
			g.p[--g.len] = '\0';
	*lenp = g.len;
	return g.p;
}

/* The pick-th revoked alias (modulo their number), else the pick-th. */
static size_t
pick_revoked(const struct aliasfile *af, size_t pick)
{
	size_t i, n = 0;

	for (i = 0; i < af->naliases; i++)
		n += (af->aliases[i].flags & AF_REVOKED) != 0;
	if (n == 0)
		return pick % af->naliases;
	pick %= n;
	for (i = 0; i < af->naliases; i++)
		if ((af->aliases[i].flags & AF_REVOKED) && pick-- == 0)
			break;
	return i;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct fuzz_in fin = { data, size };
	struct edit ed;
	struct aliasfile *af;
	struct af_diag d;
	const uint8_t *nul;
	char *in, *text = NULL, *aux, *out;
	size_t auxlen, len, outlen, n;
	unsigned flags, op;

	if (!init) {
		init = 1;
		if (getenv("FUZZ_STATS") != NULL)
			atexit(print_stats);
	}
	ninputs++;
	memset(&ed, 0, sizeof(ed));
	op = fuzz_byte(&fin);
	ed.op = (op & 0x7f) % NOPS;
	ed.pick = fuzz_byte(&fin);
	flags = fuzz_byte(&fin);
	auxlen = fuzz_byte(&fin) % 64;
	if (auxlen > fin.len)
		auxlen = fin.len;
	aux = fuzz_copy(fin.p, auxlen, 1);
	fin.p += auxlen;
	fin.len -= auxlen;
	ed.date = dates[flags >> 5];
	ed.receive_only = (flags & 2) != 0;
	ed.expires = (flags & 4) != 0;
	ed.nto = (flags >> 3) & 3;
	if (ed.nto > 2)
		ed.nto = 2;
	if ((nul = memchr(aux, '\0', auxlen)) != NULL) {
		n = (size_t)(nul - (const uint8_t *)aux);
		snprintf(ed.local, sizeof(ed.local), "%.*s", (int)n, aux);
		text = aux + n + 1;
	} else {
		strcpy(ed.local, "fz");
		text = aux;
	}
	ed.text = (flags & 1) ? text : NULL;
	ed.text_ok = ed.text == NULL || text_ok(ed.text);
	if (op & 0x80) {
		text = gen_file(fin.p, fin.len, &len);
		in = fuzz_copy(text, len, 0);
		free(text);
	} else {
		len = fin.len;
		in = fuzz_copy(fin.p, len, 0);
	}

	af = load_text(in, len, &d);
	af_diag_free(&d);
	if (af == NULL) {
		edit_unloadable(in, len, &ed, aux, auxlen);
		goto out;
	}
	nloaded++;
	nwindows += fuzz_window((const uint8_t *)in, len, af,
	    (uint32_t)(ed.pick * 2654435761u));
	/* Without aliases, only an add can be done. */
	if (af->naliases == 0)
		ed.op = OP_ADD;
	ntried[ed.op]++;
	switch (ed.op) {
	case OP_REVOKE:
		out = do_revoke(in, len, af, ed.pick % af->naliases, &ed,
		    &outlen);
		free(out);
		break;
	case OP_RESTORE:
		out = do_restore(in, len, af, af, pick_revoked(af, ed.pick),
		    OP_RESTORE, &outlen);
		free(out);
		break;
	case OP_ADD:
		do_add(in, len, af, &ed);
		break;
	case OP_LOCK:
		do_lock(in, len, af, ed.pick % af->naliases, &ed);
		break;
	default:
		do_roundtrip(in, len, af, ed.pick % af->naliases, &ed);
		break;
	}
	af_free(af);
out:
	free(in);
	free(aux);
	return 0;
}
