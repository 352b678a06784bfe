/*
 * stats_rec.c: the stats file's records (stats_rec.h), and the
 * Space-Saving list of a day's most tried unknown recipients.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_rec.h"

static size_t	 top_find(const struct stats_top *, const char *, size_t);
static size_t	 top_least(const struct stats_top *);
static int	 tried_cmp(const void *, const void *);

void
rec_put_u64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

uint64_t
rec_get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	int	 i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Two's complement without relying on the implementation's conversion. */
int64_t
rec_get_i64(const unsigned char *p)
{
	uint64_t u = rec_get_u64(p);

	if (u <= INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

void
rec_alias_encode(unsigned char *rec, const struct stats_alias *a)
{
	memset(rec, 0, REC_ALIAS_SIZE);
	rec[0] = REC_ALIAS_VERSION;
	rec_put_u64(rec + 8, a->hits);
	rec_put_u64(rec + 16, a->revoked_hits);
	rec_put_u64(rec + 24, a->backscatter);
	rec_put_u64(rec + 32, (uint64_t)a->first_seen);
	rec_put_u64(rec + 40, (uint64_t)a->last_seen);
	rec_put_u64(rec + 48, a->locked);
	rec_put_u64(rec + 56, a->expired);
}

int
rec_alias_decode(const void *v, size_t size, struct stats_alias *a)
{
	const unsigned char *p = v;

	if (!(size == REC_ALIAS_SIZE && p[0] == REC_ALIAS_VERSION) &&
	    !(size == REC_ALIAS_V2_SIZE && p[0] == 2) &&
	    !(size == REC_ALIAS_V1_SIZE && p[0] == 1))
		return -1;
	a->hits = rec_get_u64(p + 8);
	a->revoked_hits = rec_get_u64(p + 16);
	a->backscatter = rec_get_u64(p + 24);
	a->first_seen = rec_get_i64(p + 32);
	a->last_seen = rec_get_i64(p + 40);
	a->locked = size >= REC_ALIAS_V2_SIZE ? rec_get_u64(p + 48) : 0;
	a->expired = size == REC_ALIAS_SIZE ? rec_get_u64(p + 56) : 0;
	return 0;
}

void
rec_unknown_encode(unsigned char *rec, const struct stats_unknown *u)
{
	memset(rec, 0, REC_UNKNOWN_SIZE);
	rec[0] = REC_VERSION;
	rec_put_u64(rec + 8, u->count);
	rec_put_u64(rec + 16, (uint64_t)u->first_seen);
	rec_put_u64(rec + 24, (uint64_t)u->last_seen);
}

int
rec_unknown_decode(const void *v, size_t size, struct stats_unknown *u)
{
	const unsigned char *p = v;

	if (size != REC_UNKNOWN_SIZE || p[0] != REC_VERSION)
		return -1;
	u->count = rec_get_u64(p + 8);
	u->first_seen = rec_get_i64(p + 16);
	u->last_seen = rec_get_i64(p + 24);
	return 0;
}

void
rec_meta_encode(unsigned char *rec, const struct stats_meta *m)
{
	memset(rec, 0, REC_META_SIZE);
	rec[0] = REC_VERSION;
	rec_put_u64(rec + 8, (uint64_t)m->started);
	rec_put_u64(rec + 16, (uint64_t)m->flushed);
	rec_put_u64(rec + 24, (uint64_t)m->pid);
	memcpy(rec + 32, m->writer, strnlen(m->writer, sizeof(m->writer) - 1));
}

int
rec_meta_decode(const void *v, size_t size, struct stats_meta *m)
{
	const unsigned char *p = v;

	if (size != REC_META_SIZE || p[0] != REC_VERSION)
		return -1;
	m->started = rec_get_i64(p + 8);
	m->flushed = rec_get_i64(p + 16);
	m->pid = rec_get_i64(p + 24);
	memcpy(m->writer, p + 32, sizeof(m->writer) - 1);
	m->writer[sizeof(m->writer) - 1] = '\0';
	return 0;
}

void
rec_day_encode(unsigned char *rec, const struct stats_day *d)
{
	memset(rec, 0, REC_DAY_SIZE);
	rec[0] = REC_VERSION;
	rec_put_u64(rec + 8, d->accepted);
	rec_put_u64(rec + 16, d->revoked);
	rec_put_u64(rec + 24, d->expired);
	rec_put_u64(rec + 32, d->backscatter);
	rec_put_u64(rec + 40, d->locked);
}

int
rec_day_decode(const void *v, size_t size, struct stats_day *d)
{
	const unsigned char *p = v;

	if (size != REC_DAY_SIZE || p[0] != REC_VERSION)
		return -1;
	d->accepted = rec_get_u64(p + 8);
	d->revoked = rec_get_u64(p + 16);
	d->expired = rec_get_u64(p + 24);
	d->backscatter = rec_get_u64(p + 32);
	d->locked = rec_get_u64(p + 40);
	return 0;
}

void
rec_daykey_encode(unsigned char *key, int32_t day)
{
	uint32_t u = day < 0 ? 0 : (uint32_t)day;

	key[0] = (unsigned char)(u >> 24);
	key[1] = (unsigned char)(u >> 16);
	key[2] = (unsigned char)(u >> 8);
	key[3] = (unsigned char)u;
}

int32_t
rec_daykey_decode(const void *v, size_t size)
{
	const unsigned char *p = v;
	uint32_t u;

	if (size < REC_DAYKEY_SIZE)
		return -1;
	u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return u > INT32_MAX ? -1 : (int32_t)u;
}

size_t
rec_top_encode(unsigned char *rec, const struct stats_top *t)
{
	size_t	 i, off = REC_TOP_HEAD, len;

	memset(rec, 0, REC_TOP_HEAD);
	rec[0] = REC_VERSION;
	rec[1] = (unsigned char)t->n;
	rec_put_u64(rec + 8, t->count);
	for (i = 0; i < t->n; i++) {
		len = strlen(t->e[i].addr);
		rec_put_u64(rec + off, t->e[i].count);
		rec_put_u64(rec + off + 8, t->e[i].over);
		rec[off + 16] = (unsigned char)len;
		rec[off + 17] = (unsigned char)(len >> 8);
		memcpy(rec + off + REC_TOP_ENTRY, t->e[i].addr, len);
		off += REC_TOP_ENTRY + len;
	}
	return off;
}

int
rec_top_decode(const void *v, size_t size, struct stats_top *t)
{
	const unsigned char *p = v;
	size_t	 i, off = REC_TOP_HEAD, len;

	memset(t, 0, sizeof(*t));
	if (size < REC_TOP_HEAD || p[0] != REC_VERSION ||
	    p[1] > STATS_DAY_TOP)
		return -1;
	t->n = p[1];
	t->count = rec_get_u64(p + 8);
	for (i = 0; i < t->n; i++) {
		if (size - off < REC_TOP_ENTRY)
			return -1;
		len = (size_t)p[off + 16] | (size_t)p[off + 17] << 8;
		if (len == 0 || len > STATS_ADDR_MAX ||
		    size - off - REC_TOP_ENTRY < len ||
		    memchr(p + off + REC_TOP_ENTRY, '\0', len) != NULL)
			return -1;
		t->e[i].count = rec_get_u64(p + off);
		t->e[i].over = rec_get_u64(p + off + 8);
		memcpy(t->e[i].addr, p + off + REC_TOP_ENTRY, len);
		t->e[i].addr[len] = '\0';
		off += REC_TOP_ENTRY + len;
	}
	return off == size ? 0 : -1;
}

/* Returns the index of addr in t, or t->n. */
static size_t
top_find(const struct stats_top *t, const char *addr, size_t len)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strncmp(t->e[i].addr, addr, len) == 0 &&
		    t->e[i].addr[len] == '\0')
			return i;
	return i;
}

/* Returns the index of t's least counted entry (t->n > 0). */
static size_t
top_least(const struct stats_top *t)
{
	size_t	 i, m = 0;

	for (i = 1; i < t->n; i++)
		if (t->e[i].count < t->e[m].count)
			m = i;
	return m;
}

void
rec_top_add(struct stats_top *t, const char *addr, size_t len, uint64_t n)
{
	struct stats_tried *x;
	size_t	 i;

	t->count += n;
	if (len == 0 || len > STATS_ADDR_MAX)
		return;
	if ((i = top_find(t, addr, len)) < t->n) {
		t->e[i].count += n;
		return;
	}
	if (t->n < STATS_DAY_TOP) {
		x = &t->e[t->n++];
		x->count = n;
		x->over = 0;
	} else {
		/* Space-Saving: the newcomer inherits the least count. */
		x = &t->e[top_least(t)];
		x->over = x->count;
		x->count += n;
	}
	memcpy(x->addr, addr, len);
	x->addr[len] = '\0';
}

void
rec_top_merge(struct stats_top *dst, const struct stats_top *src)
{
	struct stats_tried all[2 * STATS_DAY_TOP];
	uint64_t dmin, smin;
	size_t	 i, j, n = 0;

	dmin = dst->n == STATS_DAY_TOP ? dst->e[top_least(dst)].count : 0;
	smin = src->n == STATS_DAY_TOP ? src->e[top_least(src)].count : 0;
	for (i = 0; i < dst->n; i++) {
		all[n] = dst->e[i];
		j = top_find(src, all[n].addr, strlen(all[n].addr));
		if (j < src->n) {
			all[n].count += src->e[j].count;
			all[n].over += src->e[j].over;
		} else {
			all[n].count += smin;
			all[n].over += smin;
		}
		n++;
	}
	for (j = 0; j < src->n; j++) {
		if (top_find(dst, src->e[j].addr, strlen(src->e[j].addr)) <
		    dst->n)
			continue;
		all[n] = src->e[j];
		all[n].count += dmin;
		all[n].over += dmin;
		n++;
	}
	qsort(all, n, sizeof(*all), tried_cmp);
	dst->count += src->count;
	dst->n = n < STATS_DAY_TOP ? n : STATS_DAY_TOP;
	memcpy(dst->e, all, dst->n * sizeof(*all));
}

/* By count, most first, then by address. */
static int
tried_cmp(const void *a, const void *b)
{
	const struct stats_tried *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->addr, y->addr);
}

void
rec_top_sort(struct stats_top *t)
{
	qsort(t->e, t->n, sizeof(t->e[0]), tried_cmp);
}
