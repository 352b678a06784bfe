/*
 * compile.c: what the Postfix map and the policy file contain, and the
 * writing of both.  Entries are produced in key order straight from the
 * alias file's sorted index, so amap can append them (MDB_APPEND): no
 * page splits, full pages, and no second copy of a million keys.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "amap.h"
#include "compile.h"
#include "policy.h"

#define RECORD_MAX	POLICY_RECORD_MAX
#define PREFETCH_AHEAD	16	/* aliases fetched ahead of the writer */

/* Which file an iterator produces. */
enum iter_kind { ITER_MAP, ITER_POLICY };

/* A key that does not come from an alias: domains, postmaster, abuse. */
struct extra {
	const char *key;
	const char *val;
};

struct mapiter {
	const struct aliasfile *af;
	enum iter_kind kind;
	int32_t	today;
	size_t	ai;		/* next position in af->sorted */
	struct extra *ex;	/* sorted by key */
	size_t	nex;
	size_t	ei;		/* next position in ex */
	char	record[RECORD_MAX];	/* the current policy value */
	struct arena arena;	/* keys and values of ex */
};

static int	 extra_cmp(const void *, const void *);
static int	 add_extra(struct mapiter *, size_t *cap, const char *key,
		    const char *val);
static int	 add_map_extras(struct mapiter *, size_t *cap);
static int	 add_policy_extras(struct mapiter *, size_t *cap);
static struct mapiter *iter_new(const struct aliasfile *, int32_t today,
		    enum iter_kind);
static const struct af_alias *next_alias(struct mapiter *);
static const char *alias_value(struct mapiter *, const struct af_alias *);
static void	 format_lines(const struct aliasfile *, char *, size_t);
static int	 write_map(struct mapiter *, const char *path,
		    struct amap_out **outp, struct errbuf *e);
static int	 write_policy(const struct aliasfile *, int32_t today,
		    const char *path, const struct amap_out *map,
		    struct amap_out **outp, struct errbuf *e);

int
compile_alias_active(const struct af_alias *a, int32_t today)
{
	return !(a->flags & AF_REVOKED) &&
	    (a->expires == DATE_NONE || today <= a->expires);
}

int
compile_alias_has_policy(const struct af_alias *a)
{
	return a->flags != 0 || a->expires != DATE_NONE || a->senders != NULL;
}

void
compile_count(const struct aliasfile *af, int32_t today,
    struct policy_counts *c)
{
	const struct af_alias *a;
	size_t	 i, listed = 0;

	memset(c, 0, sizeof(*c));
	c->domains = af->ndomains;
	for (i = 0; i < af->naliases; i++) {
		a = &af->aliases[i];
		if (a->flags & AF_REVOKED)
			c->revoked++;
		else if (!compile_alias_active(a, today))
			c->expired++;
		else
			c->active++;
	}
	/* postmaster@ and abuse@ are in the map whether listed or not. */
	for (i = 0; i < af->ndomains; i++) {
		char	 key[ADDR_BUF];
		int	 k;

		for (k = 0; k < ADDR_ALWAYS_N; k++) {
			snprintf(key, sizeof(key), "%s@%s",
			    addr_always_local[k], af->domains[i].name);
			listed += af_find_alias(af, key) != NULL;
		}
	}
	/* Each domain is a key itself, with its postmaster@ and abuse@. */
	c->entries = c->active + (1 + ADDR_ALWAYS_N) * af->ndomains - listed;
}

static int
extra_cmp(const void *a, const void *b)
{
	return strcmp(((const struct extra *)a)->key,
	    ((const struct extra *)b)->key);
}

/* Appends a pair to it->ex, growing it; returns 0 or -1 (ENOMEM). */
static int
add_extra(struct mapiter *it, size_t *cap, const char *key, const char *val)
{
	struct extra *ex;

	if (it->nex == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		if ((ex = reallocarray(it->ex, *cap, sizeof(*ex))) == NULL)
			return -1;
		it->ex = ex;
	}
	it->ex[it->nex].key = key;
	it->ex[it->nex].val = val;
	it->nex++;
	return 0;
}

/*
 * The map's keys that do not come from aliases: each domain (so that
 * virtual_alias_domains knows it) and its postmaster@ and abuse@, which
 * RFC 5321 4.5.1 and RFC 2142 require, unless the file lists them.
 */
static int
add_map_extras(struct mapiter *it, size_t *cap)
{
	const struct af_domain *d;
	char	 key[ADDR_BUF], *k;
	size_t	 i, j;
	int	 n;

	for (i = 0; i < it->af->ndomains; i++) {
		d = &it->af->domains[i];
		if (add_extra(it, cap, d->name, COMPILE_DOMAIN_VALUE) == -1)
			return -1;
		for (j = 0; j < ADDR_ALWAYS_N; j++) {
			n = snprintf(key, sizeof(key), "%s@%s",
			    addr_always_local[j], d->name);
			if (n < 0 || (size_t)n >= sizeof(key))
				return -1;
			if (af_find_alias(it->af, key) != NULL)
				continue;
			if ((k = arena_strndup(&it->arena, key, (size_t)n)) ==
			    NULL || add_extra(it, cap, k, d->deliver_to) == -1)
				return -1;
		}
	}
	return 0;
}

/* The policy file's domain records. */
static int
add_policy_extras(struct mapiter *it, size_t *cap)
{
	struct policy_domain pd;
	const struct af_domain *d;
	char	 rec[sizeof(pd.deliver_to) + 64], *v;
	size_t	 i;

	for (i = 0; i < it->af->ndomains; i++) {
		d = &it->af->domains[i];
		memset(&pd, 0, sizeof(pd));
		snprintf(pd.subaddress, sizeof(pd.subaddress), "%s",
		    d->subaddress);
		/* Only informative for readers: cut rather than fail. */
		snprintf(pd.deliver_to, sizeof(pd.deliver_to), "%s",
		    d->deliver_to);
		if (policy_format_domain(&pd, rec, sizeof(rec)) == -1 ||
		    (v = arena_strndup(&it->arena, rec, strlen(rec))) == NULL ||
		    add_extra(it, cap, d->name, v) == -1)
			return -1;
	}
	return 0;
}

static struct mapiter *
iter_new(const struct aliasfile *af, int32_t today, enum iter_kind kind)
{
	struct mapiter *it;
	size_t	 cap = 0;
	int	 rc;

	if ((it = calloc(1, sizeof(*it))) == NULL)
		return NULL;
	it->af = af;
	it->kind = kind;
	it->today = today;
	arena_init(&it->arena);
	rc = kind == ITER_MAP ? add_map_extras(it, &cap) :
	    add_policy_extras(it, &cap);
	if (rc == -1)
		goto fail;
	qsort(it->ex, it->nex, sizeof(*it->ex), extra_cmp);
	return it;
fail:
	mapiter_free(it);
	return NULL;
}

struct mapiter *
mapiter_new(const struct aliasfile *af, int32_t today)
{
	return iter_new(af, today, ITER_MAP);
}

/*
 * Returns the next alias in key order that belongs in this iterator's
 * file without consuming it, or NULL at the end.
 */
static const struct af_alias *
next_alias(struct mapiter *it)
{
	const struct af_alias *a, *ahead;
	const uint32_t *sorted = it->af->sorted;
	size_t n = it->af->naliases;

	for (; it->ai < n; it->ai++) {
		/*
		 * Key order is random in memory: fetch the alias and its key
		 * a few steps ahead, or every step waits for two cache misses.
		 */
		if (it->ai + PREFETCH_AHEAD < n)
			__builtin_prefetch(&it->af->aliases[sorted[it->ai +
			    PREFETCH_AHEAD]]);
		if (it->ai + PREFETCH_AHEAD / 2 < n) {
			ahead = &it->af->aliases[sorted[it->ai +
			    PREFETCH_AHEAD / 2]];
			__builtin_prefetch(ahead->key);
			__builtin_prefetch(ahead->to);
		}
		a = &it->af->aliases[sorted[it->ai]];
		if (it->kind == ITER_MAP ? compile_alias_active(a, it->today) :
		    compile_alias_has_policy(a))
			return a;
	}
	return NULL;
}

void
compile_alias_policy(const struct af_alias *a, struct policy_alias *pa)
{
	memset(pa, 0, sizeof(*pa));
	if (a->flags & AF_REVOKED)
		pa->flags |= POLICY_REVOKED;
	if (a->flags & AF_RECEIVE_ONLY)
		pa->flags |= POLICY_RECEIVE_ONLY;
	if (a->flags & AF_TARGET)
		pa->flags |= POLICY_TARGET;
	pa->created = a->created;
	pa->revoked = a->revoked;
	pa->expires = a->expires;
	if (a->senders != NULL) {
		pa->senders = a->senders;
		pa->senders_len = strlen(a->senders);
	}
	/* The milter only logs the reason: cut an overlong one. */
	snprintf(pa->reason, sizeof(pa->reason), "%s",
	    a->reason != NULL ? a->reason : "");
}

static const char *
alias_value(struct mapiter *it, const struct af_alias *a)
{
	struct policy_alias pa;

	if (it->kind == ITER_MAP)
		return af_alias_target(it->af, a);
	compile_alias_policy(a, &pa);
	/* RECORD_MAX holds the longest record: this cannot fail. */
	policy_format_alias(&pa, it->record, sizeof(it->record));
	return it->record;
}

int
mapiter_next(struct mapiter *it, const char **key, const char **val)
{
	const struct af_alias *a;
	const struct extra *x;

	a = next_alias(it);
	x = it->ei < it->nex ? &it->ex[it->ei] : NULL;
	if (a == NULL && x == NULL)
		return 0;
	/* Keys never collide: listed postmaster@/abuse@ are not extras. */
	if (x == NULL || (a != NULL && strcmp(a->key, x->key) < 0)) {
		it->ai++;
		*key = a->key;
		*val = alias_value(it, a);
	} else {
		it->ei++;
		*key = x->key;
		*val = x->val;
	}
	return 1;
}

void
mapiter_free(struct mapiter *it)
{
	if (it == NULL)
		return;
	free(it->ex);
	arena_free(&it->arena);
	free(it);
}

/*
 * Writes the Postfix map to a temp file that replaces path once
 * committed.  Returns 0 with the uncommitted file in *outp, or a
 * sysexits code.
 */
static int
write_map(struct mapiter *it, const char *path, struct amap_out **outp,
    struct errbuf *e)
{
	struct amap_out *out = NULL;
	const char *key, *val;
	size_t	 hint = 0, i;

	/*
	 * Size the map from every alias in file order (memory order too):
	 * a little more than the map holds, which is all a hint needs.
	 */
	for (i = 0; i < it->af->naliases; i++)
		hint += strlen(it->af->aliases[i].key) + 2 +
		    strlen(af_alias_target(it->af, &it->af->aliases[i]));
	for (i = 0; i < it->nex; i++)
		hint += strlen(it->ex[i].key) + strlen(it->ex[i].val) + 2;
	if (amap_out_new(path, hint, AMAP_OUT_SORTED, &out, e) == -1)
		return EX_CANTCREAT;
	while (mapiter_next(it, &key, &val))
		if (amap_out_put(out, key, val, e) == -1)
			goto fail;
	*outp = out;
	return 0;
fail:
	amap_out_free(out);
	return EX_IOERR;
}

size_t
compile_lines_every(size_t naliases)
{
	size_t	 every;

	every = (naliases + COMPILE_LINES_MAX - 1) / COMPILE_LINES_MAX;
	return every < COMPILE_LINES_EVERY ? COMPILE_LINES_EVERY : every;
}

/*
 * The " lines" record: the line of the first alias key and of every
 * alias key COMPILE_LINES_EVERY (or more, to stay within
 * COMPILE_LINES_MAX lines) after it, in file order.
 */
static void
format_lines(const struct aliasfile *af, char *buf, size_t bufsize)
{
	uint32_t lines[COMPILE_LINES_MAX];
	size_t	 every, i, n = 0;

	every = compile_lines_every(af->naliases);
	for (i = 0; i < af->naliases && n < COMPILE_LINES_MAX; i += every)
		lines[n++] = af->aliases[i].line;
	policy_format_lines(lines, n, buf, bufsize);
}

/*
 * Writes the policy file to a temp file that replaces path once
 * committed.  It records the identity of the map file it belongs to, so
 * that a reader that opens both while a compile renames them can tell a
 * matching pair from a mix.  Returns 0 with the uncommitted file in
 * *outp, or a sysexits code.
 */
static int
write_policy(const struct aliasfile *af, int32_t today, const char *path,
    const struct amap_out *map, struct amap_out **outp, struct errbuf *e)
{
	struct amap_out *out = NULL;
	struct mapiter *it = NULL;
	struct policy_counts c;
	const char *key, *val;
	char	 buf[128], lines[COMPILE_LINES_BUF];
	dev_t	 dev;
	ino_t	 ino;
	int	 rc = EX_IOERR;

	if ((it = iter_new(af, today, ITER_POLICY)) == NULL) {
		errbuf_set(e, "out of memory");
		return EX_OSERR;
	}
	if (amap_out_new(path, 4096 + af->ndomains * 256, AMAP_OUT_SORTED,
	    &out, e) == -1) {
		rc = EX_CANTCREAT;
		goto fail;
	}
	/* Metadata keys start with a space: they sort first. */
	policy_format_compiled(time(NULL), buf, sizeof(buf));
	if (amap_out_put(out, POLICY_KEY_COMPILED, buf, e) == -1)
		goto fail;
	compile_count(af, today, &c);
	policy_format_counts(&c, today, buf, sizeof(buf));
	if (amap_out_put(out, POLICY_KEY_COUNTS, buf, e) == -1)
		goto fail;
	if (af->source.windows) {
		format_lines(af, lines, sizeof(lines));
		if (amap_out_put(out, POLICY_KEY_LINES, lines, e) == -1)
			goto fail;
	}
	amap_out_ident(map, &dev, &ino);
	policy_format_ident(dev, ino, buf, sizeof(buf));
	if (amap_out_put(out, POLICY_KEY_MAP, buf, e) == -1)
		goto fail;
	policy_format_source(&af->source, buf, sizeof(buf));
	if (amap_out_put(out, POLICY_KEY_SOURCE, buf, e) == -1 ||
	    amap_out_put(out, POLICY_KEY_VERSION, POLICY_VERSION, e) == -1)
		goto fail;
	while (mapiter_next(it, &key, &val))
		if (amap_out_put(out, key, val, e) == -1)
			goto fail;
	*outp = out;
	out = NULL;
	rc = 0;
fail:
	amap_out_free(out);
	mapiter_free(it);
	return rc;
}

int
compile_publish(struct amap_out *pol, struct amap_out *map,
    struct errbuf *e)
{
	int	 p, m = 0;

	/*
	 * Publish the policy first: a reader that sees the new policy with
	 * the old map refuses a just-revoked alias, which is the safe side.
	 * Everything that can fail for lack of space happens before the
	 * policy file is published; what is left for the map is a rename,
	 * not expected to fail (renames in one directory need no space).
	 * If it does, the " map" identity tells readers the pair does not
	 * match.  A directory's fsync that fails comes after its rename:
	 * the map is renamed all the same, so that the pair matches.
	 */
	if ((map != NULL && amap_out_finish(map, e) == -1) ||
	    (p = amap_out_commit(pol, e)) == -1)
		return EX_IOERR;
	if (map != NULL && (m = amap_out_commit(map, e)) == -1)
		return COMPILE_HALF;
	return p != 0 || m != 0 ? COMPILE_UNSYNCED : 0;
}

/*
 * Whether the policy file at ppath names the map whose stat(2) is mst:
 * 1 if so, 0 if not (or it cannot be read).
 */
static int
policy_names(const char *ppath, const struct stat *mst)
{
	struct amap *pol = NULL;
	struct errbuf e;
	char	 val[AMAP_VALUE_MAX];
	dev_t	 dev;
	ino_t	 ino;
	int	 yes;

	yes = amap_open(ppath, &pol, &e) == 0 &&
	    amap_get(pol, POLICY_KEY_MAP, val, sizeof(val), &e) == 1 &&
	    policy_parse_ident(val, &dev, &ino) == 0 &&
	    dev == mst->st_dev && ino == mst->st_ino;
	amap_close(pol);
	return yes;
}

int
compile_published(const char *mapbase, struct timespec *t)
{
	struct stat st, mst;
	char	 ppath[4096], mpath[4096];

	if (path_suffix(ppath, sizeof(ppath), mapbase, COMPILE_SUFFIX_POLICY) ||
	    path_suffix(mpath, sizeof(mpath), mapbase, COMPILE_SUFFIX_MAP)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (stat(mpath, &mst) == -1)
		return -1;
	*t = mst.st_mtim;
	if (!policy_names(ppath, &mst))
		return COMPILE_HALF;
	if (stat(ppath, &st) == 0 && (st.st_mtim.tv_sec > t->tv_sec ||
	    (st.st_mtim.tv_sec == t->tv_sec &&
	    st.st_mtim.tv_nsec > t->tv_nsec)))
		*t = st.st_mtim;
	return 0;
}

int
compile_map(const struct aliasfile *af, const char *mapbase, int32_t today,
    struct policy_counts *counts, struct errbuf *e)
{
	struct amap_out *map = NULL, *pol = NULL;
	struct mapiter *it = NULL;
	char	 mpath[4096], ppath[4096], lpath[4096];
	int	 lockfd = -1, rc;

	if (path_suffix(mpath, sizeof(mpath), mapbase, COMPILE_SUFFIX_MAP) ||
	    path_suffix(ppath, sizeof(ppath), mapbase, COMPILE_SUFFIX_POLICY) ||
	    path_suffix(lpath, sizeof(lpath), mapbase, COMPILE_SUFFIX_LOCK)) {
		errbuf_set(e, "%s: map path too long", mapbase);
		return EX_CANTCREAT;
	}
	compile_count(af, today, counts);
	if ((lockfd = amap_writer_lock(lpath, COMPILE_LOCK_MS, e)) == -1)
		return errno == EAGAIN ? EX_TEMPFAIL : EX_CANTCREAT;
	path_remove_temps(mpath, AMAP_TEMP_TAG);
	path_remove_temps(ppath, AMAP_TEMP_TAG);
	if ((it = mapiter_new(af, today)) == NULL) {
		errbuf_set(e, "out of memory");
		rc = EX_OSERR;
		goto fail;
	}
	if ((rc = write_map(it, mpath, &map, e)) != 0 ||
	    (rc = write_policy(af, today, ppath, map, &pol, e)) != 0)
		goto fail;
	rc = compile_publish(pol, map, e);
fail:
	amap_out_free(pol);
	amap_out_free(map);
	mapiter_free(it);
	close(lockfd);
	return rc;
}
