/*
 * stats_rec.h: the records of the stats file, encoded byte by byte so
 * that the file depends neither on the compiler's struct layout nor on
 * the machine's byte order.  Pure functions, no I/O: private to the
 * stats family (stats.h) and its unit tests.  All integers are
 * little-endian, signed ones two's complement, but the day numbers of
 * keys, which are big-endian so that LMDB's byte order is day order:
 *
 *   "aliases" and "senders", 64 bytes   "unknown", 32 bytes
 *   0      version (3)                  0      version (1)
 *   1..7   zero (reserved)              1..7   zero (reserved)
 *   8..15  hits          u64            8..15  count       u64
 *   16..23 revoked_hits  u64            16..23 first_seen  i64
 *   24..31 backscatter   u64            24..31 last_seen   i64
 *   32..39 first_seen    i64
 *   40..47 last_seen     i64
 *   48..55 locked        u64
 *   56..63 expired       u64 (of revoked_hits)
 *   Version 2 (56 bytes) has no expired, version 1 (48 bytes) neither
 *   locked: both are read with those 0.
 *
 *   "days": key day (4 bytes, big-endian) then the alias (no NUL);
 *   value 48 bytes: version (1), seven zero bytes, accepted, revoked,
 *   expired, backscatter, locked, each u64.
 *
 *   "unknown_days": key day (4 bytes, big-endian); value: version (1),
 *   the number of entries N (0 .. STATS_DAY_TOP), six zero bytes, the
 *   day's count u64, then N entries: count u64, over u64, the address's
 *   length u16 and its bytes (1 .. STATS_ADDR_MAX, no NUL).
 *
 *   "meta" "daemon", 64 bytes: version (1), seven zero bytes, started
 *   i64, flushed i64, pid i64, the writer's name NUL-padded in 32 bytes.
 */
#ifndef STATS_REC_H
#define STATS_REC_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

#define REC_VERSION		1	/* of "unknown", "meta", days */
#define REC_ALIAS_VERSION	3
#define REC_ALIAS_SIZE		64
#define REC_ALIAS_V2_SIZE	56	/* version 2: no expired */
#define REC_ALIAS_V1_SIZE	48	/* version 1: no locked */
#define REC_UNKNOWN_SIZE	32
#define REC_META_SIZE		64
#define REC_DAY_SIZE		48
#define REC_DAYKEY_SIZE		4
#define REC_TOP_HEAD		16
#define REC_TOP_ENTRY		18	/* and the address */
#define REC_TOP_MAX	(REC_TOP_HEAD + STATS_DAY_TOP * \
			    (REC_TOP_ENTRY + STATS_ADDR_MAX))

/* A day's unknown recipients as the file keeps them. */
struct stats_top {
	uint64_t count;			/* every unknown refusal that day */
	size_t	 n;
	struct stats_tried e[STATS_DAY_TOP];
};

void	 rec_put_u64(unsigned char *, uint64_t);
uint64_t rec_get_u64(const unsigned char *);
int64_t	 rec_get_i64(const unsigned char *);

/* Writes the REC_ALIAS_SIZE bytes of a's record into rec. */
void	 rec_alias_encode(unsigned char *rec, const struct stats_alias *a);
/*
 * Returns 0 with *a, or -1 when the size bytes at p are not a record we
 * know (version 3, 2 or 1).
 */
int	 rec_alias_decode(const void *p, size_t size, struct stats_alias *a);
void	 rec_unknown_encode(unsigned char *rec, const struct stats_unknown *);
int	 rec_unknown_decode(const void *p, size_t size, struct stats_unknown *);
void	 rec_meta_encode(unsigned char *rec, const struct stats_meta *);
int	 rec_meta_decode(const void *p, size_t size, struct stats_meta *);
/* The REC_DAY_SIZE bytes of d's counts (not its day, which is keyed). */
void	 rec_day_encode(unsigned char *rec, const struct stats_day *d);
/* Returns 0 with d's counts (d->day untouched), or -1. */
int	 rec_day_decode(const void *p, size_t size, struct stats_day *d);
/* The 4 bytes of day's key (day >= 0). */
void	 rec_daykey_encode(unsigned char *key, int32_t day);
/* Returns the day of a key that starts with one, or -1 when too short. */
int32_t	 rec_daykey_decode(const void *p, size_t size);
/*
 * Writes t's record into rec (REC_TOP_MAX bytes).  Returns its size.
 */
size_t	 rec_top_encode(unsigned char *rec, const struct stats_top *t);
/* Returns 0 with *t, or -1 when the bytes are not such a record. */
int	 rec_top_decode(const void *p, size_t size, struct stats_top *t);

/*
 * Counts n hits of the address addr (len bytes, 1 .. STATS_ADDR_MAX) in
 * t, the Space-Saving way (struct stats_tried).
 */
void	 rec_top_add(struct stats_top *t, const char *addr, size_t len,
	    uint64_t n);
/*
 * Adds src's list into dst's: counts of one address add up; an address
 * absent from a full list may have had up to that list's least count
 * there, which it gets as count and over.  The result is cut to
 * STATS_DAY_TOP again.
 */
void	 rec_top_merge(struct stats_top *dst, const struct stats_top *src);
/* Sorts t's entries by count, most first, then by address. */
void	 rec_top_sort(struct stats_top *t);

#endif /* STATS_REC_H */
