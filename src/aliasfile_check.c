/*
 * aliasfile_check.c: the checks that need the whole alias file, run
 * after the walk (an alias's domain may be listed after it; duplicates),
 * and the sort.  Duplicates are found by sorting: the sorted index is
 * what compile needs anyway, to write the map's keys in order.  Works on
 * the loaded struct aliasfile: no libyaml here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_priv.h"

#define SORT_SMALL   64         /* ranges this short are insertion sorted */

/* What the checks read and where they report. */
struct checker {
	struct aliasfile *af;
	size_t unresolved; /* aliases whose domain was not known when read */
	struct diag_buf *msg;
};

/* The radix sort's arrays: a chunk of each key next to its index. */
struct sorter {
	uint64_t *chunk;
	uint32_t *idx;
	const struct af_alias *aliases;
	int dups; /* equal keys were seen */
};

/* A domain name and its index, to sort and search domains by name. */
struct dname {
	const char *name;
	uint32_t idx;
};

static int find_dname(const struct aliasfile *, const struct dname *,
    const char *, size_t);
static void check_target(struct checker *, const struct dname *,
    const char *, size_t, const char *, const struct pos *);
static void check_target_list(struct checker *, const struct dname *,
    const char *, const char *, const struct pos *);
static void check_targets(struct checker *, const struct dname *);
static int dname_cmp(const void *, const void *);
static void check_domains(struct checker *, struct dname *);
static void check_alias_domains(struct checker *, const struct dname *);
static void check_duplicates(struct checker *);
static void check_subaddress(struct checker *);
static int sort_aliases(struct aliasfile *, int *);
static uint64_t key_chunk(const char *, size_t);
static void reload(struct sorter *, size_t, size_t, size_t);
static void sort_range(struct sorter *, size_t, size_t, unsigned, size_t);
static void sort_small(struct sorter *, size_t, size_t, size_t);
static void sort_equal(struct sorter *, size_t, size_t);
static int u32_cmp(const void *, const void *);

/* ---- checks over the whole file ---- */

void
check_all(struct aliasfile *af, size_t unresolved, struct diag_buf *msg)
{
	struct checker ck = {af, unresolved, msg}, *c = &ck;
	struct dname *names;

	if ((names = calloc(af->ndomains + 1, sizeof(*names))) == NULL) {
		diag_oom(c->msg);
		return;
	}
	check_domains(c, names);
	if (c->unresolved > 0)
		check_alias_domains(c, names);
	check_subaddress(c);
	if (af->naliases > 0)
		check_duplicates(c);
	check_targets(c, names);
	free(names);
}

/*
 * Returns the index in af->domains of the domain of len bytes at dom, by
 * binary search
 * in names (sorted by check_domains()), or -1.
 */
static int
find_dname(const struct aliasfile *af, const struct dname *names,
    const char *dom, size_t len)
{
	size_t lo = 0, hi = af->ndomains, mid;

	/* A name equal to dom for len bytes is not less than dom. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(names[mid].name, dom, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == af->ndomains || strncmp(names[lo].name, dom, len) != 0 ||
	    names[lo].name[len] != '\0')
		return -1;
	return (int)names[lo].idx;
}

/*
 * Postfix expands virtual aliases again: a target at a managed domain
 * is looked up in the same map.  If it is not an active alias there,
 * Postfix accepts the mail and then bounces it (the backscatter this
 * tool exists to stop), so such a target is an error.  Checks the
 * target of len bytes at s, of the alias self (NULL for a domain's
 * deliver_to), reported at pos.
 */
static void
check_target(struct checker *c, const struct dname *names, const char *s,
    size_t len, const char *self, const struct pos *pos)
{
	const struct aliasfile *af = c->af;
	const struct af_alias *a;
	const char *at, *key;
	struct addr addr;
	struct addr_keys k;
	int d;

	/*
	 * Targets are canonical (domain lowercase, after the last '@'):
	 * most are elsewhere, and are passed over without parsing.
	 */
	for (at = s + len; at > s && at[-1] != '@'; at--)
		;
	if (at == s || find_dname(af, names, at, len - (size_t)(at - s)) ==
	    -1)
		return;
	if (addr_parse(s, len, 0, &addr) != ADDR_OK ||
	    (d = find_dname(af, names, addr.domain, addr.domain_len)) == -1)
		return;
	/* Postfix's lookup order: user+ext@domain, then user@domain. */
	addr_keys(&addr, af->domains[d].subaddress, &k);
	a = af_find_alias(af, key = k.full);
	if (a == NULL && k.base[0] != '\0')
		a = af_find_alias(af, key = k.base);
	/* Revoking it would bounce mail: an edit must check again. */
	if (a != NULL)
		c->af->aliases[a - af->aliases].flags |= AF_TARGET;
	if (a != NULL && self != NULL && strcmp(a->key, self) == 0)
		diag_add(c->msg, 0, pos, "%s forwards to itself", self);
	else if (a != NULL && (a->flags & AF_REVOKED))
		diag_add(c->msg, 0, pos, "target %s is a revoked alias: Postfix "
		    "would accept mail for it, then bounce it", key);
	else if (a == NULL && addr_always(key, strcspn(key, "@")) == -1)
		diag_add(c->msg, 0, pos, "target %s is at a managed domain but is "
		    "not an alias: Postfix would accept mail for it, then "
		    "bounce it", key);
}

/*
 * Checks every address of a list of targets (canonical, joined by
 * ", ", which may also stand inside a quoted local part).
 */
static void
check_target_list(struct checker *c, const struct dname *names,
    const char *targets, const char *self, const struct pos *pos)
{
	const char *p, *start;
	int quoted = 0;

	for (start = p = targets;; p++) {
		if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted &&
		    (*p == '\0' || (p[0] == ',' && p[1] == ' '))) {
			check_target(c, names, start, (size_t)(p - start),
			    self, pos);
			if (*p == '\0')
				break;
			start = p + 2;
		}
	}
}

static void
check_targets(struct checker *c, const struct dname *names)
{
	const struct aliasfile *af = c->af;
	const struct af_alias *a;
	struct pos pos;
	size_t i;

	for (i = 0; i < af->ndomains; i++) {
		pos = (struct pos){af->domains[i].line, af->domains[i].col};
		if (af->domains[i].deliver_to != NULL)
			check_target_list(c, names, af->domains[i].deliver_to,
			    NULL, &pos);
	}
	for (i = 0; i < af->naliases; i++) {
		a = &af->aliases[i];
		if (a->to == NULL)
			continue;
		pos = (struct pos){a->line, a->col};
		check_target_list(c, names, a->to, a->key, &pos);
	}
}

static int
dname_cmp(const void *a, const void *b)
{
	const struct dname *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Sorts the domain names into names (the first of equal names first)
 * and reports duplicates.
 */
static void
check_domains(struct checker *c, struct dname *names)
{
	struct aliasfile *af = c->af;
	const struct af_domain *d, *first;
	struct pos pos;
	size_t i, j;

	for (i = 0; i < af->ndomains; i++) {
		names[i].name = af->domains[i].name;
		names[i].idx = (uint32_t)i;
	}
	qsort(names, af->ndomains, sizeof(*names), dname_cmp);
	for (i = 1, j = 0; i < af->ndomains; i++) {
		if (strcmp(names[i].name, names[j].name) != 0) {
			j = i;
			continue;
		}
		d = &af->domains[names[i].idx];
		first = &af->domains[names[j].idx];
		pos = (struct pos){d->line, d->col};
		diag_add(c->msg, 0, &pos, "duplicate domain %s (first at line %u)",
		    d->name, (unsigned)first->line);
	}
}

/*
 * Gives each alias left unresolved by the walk the index of its domain,
 * reporting those outside the listed domains.  Aliases come in runs at
 * one domain, so the last domain found is tried first.
 */
static void
check_alias_domains(struct checker *c, const struct dname *names)
{
	struct aliasfile *af = c->af;
	struct af_alias *a;
	struct pos pos;
	const char *dom, *last = NULL;
	size_t i;
	uint16_t idx = 0;
	int d;

	/* Without any domain, "missing key 'domains'" said it all. */
	if (af->ndomains == 0)
		return;
	for (i = 0; i < af->naliases; i++) {
		a = &af->aliases[i];
		if (a->domain != DOMAIN_UNSET)
			continue;
		dom = strrchr(a->key, '@') + 1;
		if (last == NULL || strcmp(dom, last) != 0) {
			if ((d = find_dname(af, names, dom, strlen(dom))) ==
			    -1) {
				pos = (struct pos){a->line, a->col};
				diag_add(c->msg, 0, &pos,
				    "alias outside the listed domains: %s",
				    a->key);
				continue;
			}
			last = af->domains[d].name;
			idx = (uint16_t)d;
		}
		a->domain = idx;
	}
}

/*
 * Sorts the aliases into af->sorted and reports each duplicate at its
 * own position, naming the first in the file (equal keys are sorted by
 * index, so that is the first of each run).
 */
static void
check_duplicates(struct checker *c)
{
	struct aliasfile *af = c->af;
	const struct af_alias *a, *first;
	struct pos pos;
	size_t i, j;
	int dups;

	if (sort_aliases(af, &dups) == -1) {
		diag_oom(c->msg);
		return;
	}
	for (i = 1, j = 0; dups && i < af->naliases; i++) {
		a = &af->aliases[af->sorted[i]];
		first = &af->aliases[af->sorted[j]];
		if (strcmp(a->key, first->key) != 0) {
			j = i;
			continue;
		}
		pos = (struct pos){a->line, a->col};
		diag_add(c->msg, 0, &pos, "duplicate alias %s (first at line %u)",
		    a->key, (unsigned)first->line);
	}
}

/*
 * Postfix's recipient_delimiter is one main.cf setting for every domain:
 * when the domains ask for different sets, say what to set it to (the
 * union) and that every domain will then split at all of them.
 */
static void
check_subaddress(struct checker *c)
{
	struct aliasfile *af = c->af;
	const struct af_domain *d, *d0, *differ = NULL;
	struct pos pos;
	char all[128], a[24], b[24];
	size_t i, n = 0;
	const char *s;

	if (af->ndomains < 2)
		return;
	d0 = &af->domains[0];
	for (i = 0; i < af->ndomains; i++) {
		d = &af->domains[i];
		for (s = d->subaddress; *s != '\0'; s++)
			if (memchr(all, *s, n) == NULL)
				all[n++] = *s;
		if (differ != NULL)
			continue;
		for (s = d->subaddress; *s != '\0'; s++)
			if (strchr(d0->subaddress, *s) == NULL)
				break;
		if (*s != '\0')
			differ = d;
		for (s = d0->subaddress; differ == NULL && *s != '\0'; s++)
			if (strchr(d->subaddress, *s) == NULL)
				differ = d;
	}
	all[n] = '\0';
	if (differ == NULL)
		return;
	pos = (struct pos){differ->line, differ->col};
	snprintf(a, sizeof(a),
	    differ->subaddress[0] != '\0' ? "\"%s\"" : "none",
	    differ->subaddress);
	snprintf(b, sizeof(b), d0->subaddress[0] != '\0' ? "\"%s\"" : "none",
	    d0->subaddress);
	diag_add(c->msg, 1, &pos,
	    "subaddress of %s (%s) differs from %s (%s), but Postfix's "
	    "recipient_delimiter is global: set recipient_delimiter = %s "
	    "in main.cf, and every domain splits at all of them",
	    differ->name, a, d0->name, b, all);
}


/* ---- sorting ---- */

/*
 * Fills af->sorted with alias indices in key byte order (strcmp order,
 * which is LMDB's memcmp order of NUL-terminated keys), equal keys by
 * index; sets *dups when there are equal keys.  qsort through the
 * indices misses the cache on every compare (two pointer hops), so this
 * is an MSD radix sort (American flag sort, in place) on 8-byte chunks
 * of each key kept next to its index: a key itself is read only once
 * per 8 bytes of prefix it shares with others.  Returns 0, or -1 when
 * out of memory.
 */
static int
sort_aliases(struct aliasfile *af, int *dups)
{
	struct sorter s;
	size_t i, n = af->naliases;

	*dups = 0;
	if ((af->sorted = malloc(n * sizeof(*af->sorted))) == NULL)
		return -1;
	if ((s.chunk = malloc(n * sizeof(*s.chunk))) == NULL)
		return -1;
	s.idx = af->sorted;
	s.aliases = af->aliases;
	s.dups = 0;
	for (i = 0; i < n; i++) {
		s.idx[i] = (uint32_t)i;
		s.chunk[i] = key_chunk(af->aliases[i].key, 0);
	}
	sort_range(&s, 0, n, 56, 0);
	free(s.chunk);
	*dups = s.dups;
	return 0;
}

/*
 * Bytes depth..depth+7 of key as a big-endian number, zeros after the
 * end: comparing chunks compares those bytes as memcmp would.  The
 * caller knows the key is at least depth bytes long.
 */
static uint64_t
key_chunk(const char *key, size_t depth)
{
	const unsigned char *p = (const unsigned char *)key + depth;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		v <<= 8;
		if (*p != '\0')
			v |= *p++;
	}
	return v;
}

/*
 * Loads the chunks at depth for positions lo..hi-1.  The keys are all
 * over memory by now, and each load is two dependent cache misses (the
 * alias, then its key): prefetching a few positions ahead lets the
 * misses overlap, which makes the whole sort a third faster.
 */
static void
reload(struct sorter *s, size_t lo, size_t hi, size_t depth)
{
	size_t j;

	for (j = lo; j < hi; j++) {
#ifdef __GNUC__
		if (j + 16 < hi)
			__builtin_prefetch(&s->aliases[s->idx[j + 16]]);
		if (j + 8 < hi)
			__builtin_prefetch(
			    s->aliases[s->idx[j + 8]].key + depth);
#endif
		s->chunk[j] = key_chunk(s->aliases[s->idx[j]].key, depth);
	}
}

/*
 * Sorts positions lo..hi-1, whose keys are equal before the byte at
 * shift of their chunks, which hold key bytes depth to depth + 7: by
 * that byte, then the rest.  Recurses into the smaller buckets and
 * loops on the largest, so the recursion is at most log2(n) deep.
 */
static void
sort_range(struct sorter *s, size_t lo, size_t hi, unsigned shift, size_t depth)
{
	uint64_t *chunk = s->chunk, c, tc;
	uint32_t *idx = s->idx, x, tx;
	size_t count[256], next[256], end[256];
	size_t i, j, b, big, sum, ndepth;
	unsigned d, nshift;

	for (;;) {
		if (hi - lo <= SORT_SMALL) {
			sort_small(s, lo, hi, depth);
			return;
		}
		memset(count, 0, sizeof(count));
		for (i = lo; i < hi; i++)
			count[(chunk[i] >> shift) & 0xff]++;

		/* The next byte, reloading chunks past the 8th. */
		nshift = shift == 0 ? 56 : shift - 8;
		ndepth = shift == 0 ? depth + 8 : depth;

		big = 0;
		for (b = 1; b < 256; b++)
			if (count[b] > count[big])
				big = b;
		if (count[big] < hi - lo) {
			/* Permute in place into buckets. */
			for (b = 0, sum = lo; b < 256; b++) {
				next[b] = sum;
				sum += count[b];
				end[b] = sum;
			}
			for (b = 0; b < 256; b++) {
				while (next[b] < end[b]) {
					c = chunk[next[b]];
					x = idx[next[b]];
					d = (unsigned)(c >> shift) & 0xff;
					while (d != b) {
						j = next[d]++;
						tc = chunk[j];
						tx = idx[j];
						chunk[j] = c;
						idx[j] = x;
						c = tc;
						x = tx;
						d = (unsigned)(c >> shift) &
						    0xff;
					}
					chunk[next[b]] = c;
					idx[next[b]] = x;
					next[b]++;
				}
			}
			for (b = 0, sum = lo; b < 256; b++) {
				i = sum;
				sum += count[b];
				if (b == big || count[b] < 2)
					continue;
				if (b == 0)
					sort_equal(s, i, sum);
				else {
					if (shift == 0)
						reload(s, i, sum, ndepth);
					sort_range(s, i, sum, nshift, ndepth);
				}
			}
			for (b = 0, sum = lo; b < big; b++)
				sum += count[b];
			lo = sum;
			hi = sum + count[big];
		}
		/* A zero byte: the keys ended, and they are all equal. */
		if (big == 0) {
			sort_equal(s, lo, hi);
			return;
		}
		if (shift == 0)
			reload(s, lo, hi, ndepth);
		shift = nshift;
		depth = ndepth;
	}
}

/* Insertion sort of a short range, by chunk, rest of the key, index. */
static void
sort_small(struct sorter *s, size_t lo, size_t hi, size_t depth)
{
	uint64_t *chunk = s->chunk, c;
	uint32_t *idx = s->idx, x;
	size_t i, j;
	int cmp;

	for (i = lo + 1; i < hi; i++) {
		c = chunk[i];
		x = idx[i];
		for (j = i; j > lo; j--) {
			if (chunk[j - 1] != c)
				cmp = chunk[j - 1] < c ? -1 : 1;
			else if ((c & 0xff) == 0)
				cmp = 0; /* both keys end in this chunk */
			else
				cmp = strcmp(
				    s->aliases[idx[j - 1]].key + depth + 8,
				    s->aliases[x].key + depth + 8);
			if (cmp == 0)
				s->dups = 1;
			if (cmp < 0 || (cmp == 0 && idx[j - 1] < x))
				break;
			chunk[j] = chunk[j - 1];
			idx[j] = idx[j - 1];
		}
		chunk[j] = c;
		idx[j] = x;
	}
}

/* Orders equal keys by index (the radix sort is not stable). */
static void
sort_equal(struct sorter *s, size_t lo, size_t hi)
{
	s->dups = 1;
	qsort(s->idx + lo, hi - lo, sizeof(*s->idx), u32_cmp);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

