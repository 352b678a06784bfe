/*
 * fuzz_aliasfile.c: libFuzzer target for the YAML alias file loader
 * (af_load_opts() in aliasfile.c), on whole files.
 *
 * The input is the file.  It is loaded (serially: under 1 MiB there is
 * no other way), and a file that loads is checked against what
 * aliases.yaml(5) promises: canonical keys at listed domains, canonical
 * targets, no managed target that is not an active alias, real dates,
 * no control bytes in texts, postmaster@ and abuse@ never revoked, a
 * sorted index without duplicates that af_find_alias() agrees with.
 *
 * One input in 32 (by a hash of its bytes) is also made into a file
 * over 1 MiB, which af_load_opts() parses with two threads: the input
 * goes in the middle of an "aliases:" block of filler aliases, placed
 * so that the cut near the middle falls inside it.  Loaded serially and
 * in two threads, the file must give the same result and the same
 * messages.
 *
 * A file whose load says it has windows (policy_source.windows, what
 * update.c's fast revoke relies on) must also give the same aliases
 * from af_window_load() on the text from one alias to a later one, and
 * af_head_map() must find the loader's map: (or none).
 *
 * FUZZ_STATS=1 in the environment prints at exit how many windows were
 * checked and how many large files were really joined from two parts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "aliasfile.h"
#include "util.h"
#include "fuzz_util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define BIG_HEAD	"domains:\n  example.com:\n" \
			"    deliver_to: me@example.net\naliases:\n"
/*
 * Filler lines: "  f0000000@example.com: #xxx...x\n".  The comment makes
 * them long, so that 1 MiB takes few aliases: the loader's work is per
 * alias, and a large input is loaded twice.
 */
#define FILLER_LEN	256
#define FILLER_AFTER	2100		/* lines after the input */

static unsigned long nbig, njoined, nloaded, nwindows;

static void
print_stats(void)
{
	fprintf(stderr, "fuzz_aliasfile: %lu loaded, %lu windows loaded; %lu "
	    "over 1 MiB, %lu of them parsed in two parts\n", nloaded,
	    nwindows, nbig, njoined);
}

/* FNV-1a, to pick inputs for the large-file mode. */
static uint32_t
hash(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len-- > 0) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

static void
check_text(const char *key, const char *name, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	FUZZ_CHECK(*s != '\0', "%s: empty %s", key, name);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f, "%s: %s has byte %#x",
		    key, name, *p);
}

static void
check_date(const char *key, int32_t day)
{
	char buf[DATE_BUF];
	int32_t back;

	if (day == DATE_NONE)
		return;
	date_format(day, buf);
	FUZZ_CHECK(date_parse(buf, 10, &back) == 0 && back == day,
	    "%s: date %ld", key, (long)day);
}

static int
is_always(const char *key)
{
	return strncmp(key, "postmaster@", 11) == 0 ||
	    strncmp(key, "abuse@", 6) == 0;
}

/*
 * One target (len bytes at t) of self (NULL: a domain's deliver_to):
 * canonical, and at a managed domain an active alias (or its
 * subaddress base), never self.
 */
static void
check_target(const struct aliasfile *af, const char *t, size_t len,
    const char *self)
{
	const struct af_alias *a;
	struct addr addr;
	char key[ADDR_BUF];
	size_t blen;
	int d;

	FUZZ_CHECK(addr_parse(t, len, ADDR_KEEP_CASE, &addr) == ADDR_OK &&
	    addr_format(&addr, key, sizeof(key)) == len &&
	    memcmp(key, t, len) == 0, "target %.*s is not canonical",
	    (int)len, t);
	if ((d = af_find_domain(af, addr.domain)) == -1)
		return;
	addr_parse(t, len, 0, &addr);
	addr_format(&addr, key, sizeof(key));
	a = af_find_alias(af, key);
	blen = addr_subaddr_base(&addr, af->domains[d].subaddress);
	if (a == NULL && blen < addr.local_len) {
		snprintf(key, sizeof(key), "%.*s@%s", (int)blen, addr.local,
		    addr.domain);
		a = af_find_alias(af, key);
	}
	FUZZ_CHECK(a != NULL || is_always(key),
	    "target %s is managed but not an alias", key);
	FUZZ_CHECK(a == NULL || (a->flags & AF_REVOKED) == 0,
	    "target %s is revoked", key);
	FUZZ_CHECK(a == NULL || self == NULL || strcmp(a->key, self) != 0,
	    "%s forwards to itself", self);
}

/* A list of targets joined by ", " (which may stand inside quotes). */
static void
check_targets(const struct aliasfile *af, const char *list, const char *self)
{
	const char *p, *start;
	int quoted = 0;

	FUZZ_CHECK(*list != '\0', "%s: empty target list", fuzz_str(self));
	for (start = p = list;; p++) {
		if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == '\0' || (p[0] == ',' &&
		    p[1] == ' '))) {
			check_target(af, start, (size_t)(p - start), self);
			if (*p == '\0')
				break;
			start = p + 2;
		}
	}
}

/* What aliases.yaml(5) promises about a file that loads. */
static void
check_file(const struct aliasfile *af)
{
	const struct af_domain *d;
	const struct af_alias *a;
	struct addr addr;
	char buf[ADDR_BUF], dom[ADDR_DOMAIN_MAX + 1];
	size_t i;

	for (i = 0; i < af->ndomains; i++) {
		d = &af->domains[i];
		FUZZ_CHECK(addr_domain(d->name, strlen(d->name), dom) ==
		    ADDR_OK && strcmp(dom, d->name) == 0,
		    "domain %s is not canonical", d->name);
		FUZZ_CHECK(af_find_domain(af, d->name) == (int)i,
		    "domain %s listed twice", d->name);
		FUZZ_CHECK(d->deliver_to != NULL, "%s: no deliver_to",
		    d->name);
		check_targets(af, d->deliver_to, NULL);
		FUZZ_CHECK(memchr(d->subaddress, '\0',
		    sizeof(d->subaddress)) != NULL, "subaddress overflow");
	}
	FUZZ_CHECK(af->naliases == 0 || af->sorted != NULL, "no index");
	for (i = 0; i < af->naliases; i++) {
		a = &af->aliases[i];
		FUZZ_CHECK(addr_parse(a->key, strlen(a->key), 0, &addr) ==
		    ADDR_OK && addr_format(&addr, buf, sizeof(buf)) ==
		    strlen(a->key) && strcmp(buf, a->key) == 0,
		    "alias %s is not canonical", a->key);
		FUZZ_CHECK(a->key[0] != '#', "alias %s", a->key);
		FUZZ_CHECK(strcmp(fuzz_alias_domain(af, a), addr.domain) == 0,
		    "alias %s at domain %s", a->key, fuzz_alias_domain(af, a));
		FUZZ_CHECK(af_find_alias(af, a->key) == a,
		    "%s: af_find_alias finds another", a->key);
		if (a->to != NULL)
			check_targets(af, a->to, a->key);
		check_text(a->key, "note", a->note);
		check_text(a->key, "reason", a->reason);
		check_date(a->key, a->created);
		check_date(a->key, a->revoked);
		check_date(a->key, a->expires);
		FUZZ_CHECK(((a->flags & AF_REVOKED) != 0) ==
		    (a->revoked != DATE_NONE), "%s: flags %#x, revoked %ld",
		    a->key, (unsigned)a->flags, (long)a->revoked);
		FUZZ_CHECK(a->reason == NULL || (a->flags & AF_REVOKED),
		    "%s: reason without revoked", a->key);
		FUZZ_CHECK(!is_always(a->key) || ((a->flags & (AF_REVOKED |
		    AF_RECEIVE_ONLY)) == 0 && a->expires == DATE_NONE),
		    "%s: revoked, receive-only or expiring", a->key);
		if (i > 0)
			FUZZ_CHECK(strcmp(af->aliases[af->sorted[i - 1]].key,
			    af->aliases[af->sorted[i]].key) < 0,
			    "index not sorted or duplicate at %zu", i);
		FUZZ_CHECK(af->sorted[i] < af->naliases, "index %u",
		    (unsigned)af->sorted[i]);
	}
}

/*
 * The input inside a file of over 1 MiB: filler aliases, the input
 * with the middle of the file at its byte k, more filler.  Returns the
 * new buffer (the caller frees it) and its length in *lenp.
 */
static char *
make_big(const uint8_t *data, size_t size, size_t k, size_t *lenp)
{
	size_t head = sizeof(BIG_HEAD) - 1, nl, before, n, i, len;
	char *buf, *p;

	nl = size == 0 || data[size - 1] != '\n';
	/* Solve head + before + k = (whole length) / 2 for before. */
	n = size + nl + FILLER_AFTER * FILLER_LEN;
	before = n > head + 2 * k ? (n - head - 2 * k) / FILLER_LEN : 0;
	len = head + (before + FILLER_AFTER) * FILLER_LEN + size + nl;
	buf = fuzz_alloc(len + 1);
	p = buf;
	memcpy(p, BIG_HEAD, head);
	p += head;
	for (i = 0; i < before + FILLER_AFTER; i++) {
		if (i == before) {
			memcpy(p, data, size);
			p += size;
			if (nl)
				*p++ = '\n';
		}
		n = (size_t)snprintf(p, FILLER_LEN, "  f%07zu@example.com: #",
		    i);
		memset(p + n, 'x', FILLER_LEN - 1 - n);
		p[FILLER_LEN - 1] = '\n';
		p += FILLER_LEN;
	}
	FUZZ_CHECK((size_t)(p - buf) == len, "made %zu of %zu bytes",
	    (size_t)(p - buf), len);
	*lenp = len;
	return buf;
}

/*
 * FUZZ_DUMP=FILE: writes the large file there and prints both loads'
 * messages, to study a difference found.
 */
static void
dump(const char *path, const char *big, size_t len, const struct af_diag *ds,
    const struct af_diag *dt)
{
	FILE *fp;
	size_t i;

	if ((fp = fopen(path, "w")) != NULL) {
		fwrite(big, 1, len, fp);
		fclose(fp);
	}
	for (i = 0; i < ds->nmsgs; i++)
		fprintf(stderr, "serial: %s\n", ds->msgs[i]);
	for (i = 0; i < dt->nmsgs; i++)
		fprintf(stderr, "threads (%u parts): %s\n", dt->parts,
		    dt->msgs[i]);
}

/* Loads a large file serially and in two threads: the same result. */
static void
check_big(const uint8_t *data, size_t size, uint32_t h)
{
	struct aliasfile *s, *t;
	struct af_diag ds, dt;
	const char *path;
	char *big;
	size_t len, i;

	big = make_big(data, size, (h >> 5) % (size + 1), &len);
	FUZZ_CHECK(len >= 1024 * 1024, "only %zu bytes", len);
	path = fuzz_file((const uint8_t *)big, len);
	s = fuzz_load(path, AF_LOAD_SERIAL, &ds);
	t = fuzz_load(path, 0, &dt);
	nbig++;
	njoined += dt.parts == 2;
	if (getenv("FUZZ_DUMP") != NULL)
		dump(getenv("FUZZ_DUMP"), big, len, &ds, &dt);
	FUZZ_CHECK(ds.parts == 1 && (dt.parts == 1 || dt.parts == 2),
	    "parts %u and %u", ds.parts, dt.parts);
	FUZZ_CHECK((s == NULL) == (t == NULL), "serial %s, two threads %s",
	    s ? "loads" : "fails", t ? "loads" : "fails");
	FUZZ_CHECK(ds.status == dt.status && ds.nerrors == dt.nerrors &&
	    ds.nwarnings == dt.nwarnings && ds.nmsgs == dt.nmsgs,
	    "serial: status %d, %zu errors, %zu warnings, %zu messages; "
	    "two threads: %d, %zu, %zu, %zu", ds.status, ds.nerrors,
	    ds.nwarnings, ds.nmsgs, dt.status, dt.nerrors, dt.nwarnings,
	    dt.nmsgs);
	for (i = 0; i < ds.nmsgs; i++)
		FUZZ_CHECK(strcmp(ds.msgs[i], dt.msgs[i]) == 0,
		    "message %zu: serial \"%s\", two threads \"%s\"", i,
		    ds.msgs[i], dt.msgs[i]);
	if (s != NULL) {
		FUZZ_CHECK(s->source.size == len && t->source.size == len &&
		    s->source.windows == t->source.windows,
		    "sources: serial %llu bytes, windows %d; two threads "
		    "%llu, %d", (unsigned long long)s->source.size,
		    s->source.windows, (unsigned long long)t->source.size,
		    t->source.windows);
		fuzz_same_file(s, t, SIZE_MAX, FUZZ_SAME_POS);
		if (s->naliases > 0)
			FUZZ_CHECK(memcmp(s->sorted, t->sorted, s->naliases *
			    sizeof(*s->sorted)) == 0, "index differs");
		check_file(t);
	}
	af_free(s);
	af_free(t);
	af_diag_free(&ds);
	af_diag_free(&dt);
	free(big);
}

/*
 * af_head_map() on any text: 0 or -1, a NUL-terminated buf, never
 * longer than it may be.  On a file that loads, a map it finds is the
 * loader's, and there is none to find when the loader has none.
 */
static void
check_head_map(const uint8_t *data, size_t size, const struct aliasfile *af,
    uint32_t h)
{
	size_t bufsize = 1 + (h >> 8) % 64;
	char *buf;
	int rc;

	buf = fuzz_alloc(bufsize);
	rc = af_head_map((const char *)data, size, buf, bufsize);
	FUZZ_CHECK(rc == 0 || rc == -1, "af_head_map: %d", rc);
	FUZZ_CHECK(memchr(buf, '\0', bufsize) != NULL, "map not terminated");
	FUZZ_CHECK(rc == 0 || buf[0] == '\0', "map \"%s\" with -1", buf);
	if (af != NULL && buf[0] != '\0')
		FUZZ_CHECK(fuzz_streq(buf, af->map), "head map \"%s\", "
		    "loaded \"%s\"", buf, fuzz_str(af->map));
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct aliasfile *af;
	struct af_diag diag;
	uint32_t h;

	if (!init) {
		init = 1;
		if (getenv("FUZZ_STATS") != NULL)
			atexit(print_stats);
	}
	af = fuzz_load(fuzz_file(data, size), 0, &diag);
	FUZZ_CHECK(diag.parts == 1, "%zu bytes parsed in %u parts", size,
	    diag.parts);
	h = hash(data, size);
	if (af != NULL) {
		nloaded++;
		check_file(af);
		FUZZ_CHECK(af->source.size == size, "source size %llu of %zu",
		    (unsigned long long)af->source.size, size);
		nwindows += fuzz_window(data, size, af, h);
	}
	check_head_map(data, size, af, h);
	af_free(af);
	af_diag_free(&diag);
	if ((h & 31) == 0)
		check_big(data, size, h);
	return 0;
}
