/*
 * util.c: arena, calendar dates and error buffers.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define ARENA_BLOCK	(1024 * 1024)
#define ARENA_ALIGN	(sizeof(max_align_t))

struct arena_block {
	struct arena_block *next;
	max_align_t data[];
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->size = 0;
}

/*
 * Returns size bytes aligned to max_align_t from the current block, or
 * from a new one (large requests get a block of their own).
 */
void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_block *b;
	size_t	 cap;
	void	*p;

	size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	/* arena_strndup() packs strings: align what follows them. */
	if (a->head != NULL)
		a->used = a->used + ARENA_ALIGN - 1 > a->size ? a->size :
		    (a->used + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (a->head == NULL || a->size - a->used < size) {
		cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + cap)) == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
		a->used = 0;
		a->size = cap;
	}
	p = (char *)a->head->data + a->used;
	a->used += size;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	/* Strings need no alignment: pack them byte by byte. */
	if (a->head != NULL && a->size - a->used >= len + 1) {
		p = (char *)a->head->data + a->used;
		a->used += len + 1;
	} else if ((p = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
arena_adopt(struct arena *dst, struct arena *src)
{
	struct arena_block *b;

	if (src->head == NULL)
		return;
	if (dst->head == NULL) {
		*dst = *src;
		arena_init(src);
		return;
	}
	/* dst keeps allocating from its own head: src's go behind it. */
	for (b = src->head; b->next != NULL; b = b->next)
		;
	b->next = dst->head->next;
	dst->head->next = src->head;
	arena_init(src);
}

void
arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	arena_init(a);
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil).
 */
static int32_t
days_from_civil(int y, int m, int d)
{
	int	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

int
date_parse(const char *s, size_t len, int32_t *days)
{
	int	 y, m, d;
	size_t	 i;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < len; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

void
date_format(int32_t days, char *buf)
{
	int	 z, era, doe, yoe, y, doy, mp, d, m;

	/* civil_from_days, the inverse of days_from_civil(). */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	snprintf(buf, DATE_BUF, "%04u-%02u-%02u", (unsigned)y % 10000u,
	    (unsigned)m % 100u, (unsigned)d % 100u);
}

int32_t
date_today(void)
{
	time_t	 now;
	struct tm tm;

	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL)
		return (int32_t)(now / 86400);
	return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
path_suffix(char *buf, size_t bufsize, const char *base, const char *suffix)
{
	int	 n;

	n = snprintf(buf, bufsize, "%s%s", base, suffix);
	return n < 0 || (size_t)n >= bufsize ? -1 : 0;
}

void
text_vappend(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t	 len = strlen(buf);

	if (len > 0 && len + 2 < size) {
		memcpy(buf + len, "; ", 3);
		len += 2;
	}
	vsnprintf(buf + len, size - len, fmt, ap);
}

int
errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	if (e != NULL) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	errno = saved;
	return -1;
}

/* ---- XXH64 ---- */

#define XXH_P1	UINT64_C(0x9E3779B185EBCA87)
#define XXH_P2	UINT64_C(0xC2B2AE3D27D4EB4F)
#define XXH_P3	UINT64_C(0x165667B19E3779F9)
#define XXH_P4	UINT64_C(0x85EBCA77C2B2AE63)
#define XXH_P5	UINT64_C(0x27D4EB2F165667C5)

static uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Little-endian loads, whatever the host and the alignment. */
static uint64_t
load64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint32_t
load32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
xxh_round(uint64_t acc, uint64_t input)
{
	acc += input * XXH_P2;
	acc = rotl64(acc, 31);
	return acc * XXH_P1;
}

static uint64_t
xxh_merge(uint64_t acc, uint64_t val)
{
	acc ^= xxh_round(0, val);
	return acc * XXH_P1 + XXH_P4;
}

static void
xxh_stripe(uint64_t *v, const unsigned char *p)
{
	v[0] = xxh_round(v[0], load64(p));
	v[1] = xxh_round(v[1], load64(p + 8));
	v[2] = xxh_round(v[2], load64(p + 16));
	v[3] = xxh_round(v[3], load64(p + 24));
}

void
digest_init(struct digest *d)
{
	memset(d, 0, sizeof(*d));
	d->v[0] = XXH_P1 + XXH_P2;
	d->v[1] = XXH_P2;
	d->v[2] = 0;
	d->v[3] = (uint64_t)0 - XXH_P1;
}

void
digest_update(struct digest *d, const void *vp, size_t len)
{
	const unsigned char *p = vp;
	size_t	 k;

	d->total += len;
	if (d->nbuf > 0) {
		k = 32 - d->nbuf < len ? 32 - d->nbuf : len;
		memcpy(d->buf + d->nbuf, p, k);
		d->nbuf += k;
		p += k;
		len -= k;
		if (d->nbuf < 32)
			return;
		xxh_stripe(d->v, d->buf);
		d->nbuf = 0;
	}
	for (; len >= 32; p += 32, len -= 32)
		xxh_stripe(d->v, p);
	memcpy(d->buf, p, len);
	d->nbuf = len;
}

uint64_t
digest_final(const struct digest *d)
{
	const unsigned char *p = d->buf, *end = d->buf + d->nbuf;
	uint64_t h;

	if (d->total >= 32) {
		h = rotl64(d->v[0], 1) + rotl64(d->v[1], 7) +
		    rotl64(d->v[2], 12) + rotl64(d->v[3], 18);
		h = xxh_merge(h, d->v[0]);
		h = xxh_merge(h, d->v[1]);
		h = xxh_merge(h, d->v[2]);
		h = xxh_merge(h, d->v[3]);
	} else
		h = XXH_P5;
	h += d->total;
	for (; end - p >= 8; p += 8) {
		h ^= xxh_round(0, load64(p));
		h = rotl64(h, 27) * XXH_P1 + XXH_P4;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)load32(p) * XXH_P1;
		h = rotl64(h, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= *p * XXH_P5;
		h = rotl64(h, 11) * XXH_P1;
	}
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	h ^= h >> 32;
	return h;
}

uint64_t
digest_of(const void *p, size_t len)
{
	struct digest d;

	digest_init(&d);
	digest_update(&d, p, len);
	return digest_final(&d);
}

void
path_remove_temps(const char *path, const char *tag)
{
	struct dirent *d;
	const char *slash, *base, *x;
	char	 dir[4096], prefix[4096];
	size_t	 plen, i;
	DIR	*dp;

	if ((slash = strrchr(path, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
		    (int)(slash - path), path);
		base = slash + 1;
	}
	if ((size_t)snprintf(prefix, sizeof(prefix), "%s%s", base, tag) >=
	    sizeof(prefix) || (dp = opendir(dir)) == NULL)
		return;
	plen = strlen(prefix);
	while ((d = readdir(dp)) != NULL) {
		if (strncmp(d->d_name, prefix, plen) != 0)
			continue;
		x = d->d_name + plen;
		for (i = 0; i < 6 && isalnum((unsigned char)x[i]); i++)
			;
		if (i == 6 && x[6] == '\0')
			(void)unlinkat(dirfd(dp), d->d_name, 0);
	}
	closedir(dp);
}

int
str_distance(const char *a, size_t alen, const char *b, size_t blen,
    int max)
{
	/* Three rows of the table: two back for a swap, the last, this. */
	int	 rows[3][STR_DISTANCE_MAX + 1], *pp, *p, *c, *t, v;
	size_t	 i, j;

	if (alen > STR_DISTANCE_MAX || blen > STR_DISTANCE_MAX ||
	    (alen > blen ? alen - blen : blen - alen) > (size_t)max)
		return max + 1;
	for (j = 0; j <= blen; j++)
		rows[1][j] = (int)j;
	pp = rows[0];
	p = rows[1];
	c = rows[2];
	for (i = 1; i <= alen; i++) {
		c[0] = (int)i;
		for (j = 1; j <= blen; j++) {
			v = p[j - 1] + (a[i - 1] != b[j - 1]);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		/* This row becomes the last one, the last one two back. */
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[blen] > max ? max + 1 : p[blen];
}

size_t
utf8_len(const unsigned char *p)
{
	unsigned char lo, hi;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		/* No overlong forms, no UTF-16 surrogates. */
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		hi = p[0] == 0xed ? 0x9f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ?
		    3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
		    (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}
