/*
 * fuzz_stats_rec.c: libFuzzer target for stats_rec.h, the records of
 * the stats file.  A file given to aliasctl stats --merge comes from
 * another host: its bytes are whatever the copy holds.
 *
 * The input is one value as LMDB would hand it over.  Checked: every
 * decoder refuses or accepts without reading past the value; a day's
 * list that decodes has at most STATS_DAY_TOP entries, each address
 * 1 .. STATS_ADDR_MAX bytes without a NUL, and encodes to a record that
 * decodes to the same list (the canonical form: reserved bytes zero);
 * merging it into an empty list, and into itself, keeps the bound and
 * adds up the counts; the fixed-size records decode only at their
 * sizes and encode back to the same counts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "stats.h"
#include "stats_rec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_top(const uint8_t *data, size_t size)
{
	static unsigned char rec[REC_TOP_MAX];
	struct stats_top t, u, m;
	size_t	 i, len;

	if (rec_top_decode(data, size, &t) == -1)
		return;
	FUZZ_CHECK(t.n <= STATS_DAY_TOP, "%zu entries", t.n);
	for (i = 0; i < t.n; i++) {
		len = strlen(t.e[i].addr);
		FUZZ_CHECK(len > 0 && len <= STATS_ADDR_MAX,
		    "address of %zu bytes", len);
	}
	len = rec_top_encode(rec, &t);
	FUZZ_CHECK(len <= sizeof(rec), "encoded %zu bytes", len);
	FUZZ_CHECK(rec_top_decode(rec, len, &u) == 0, "encoded list refused");
	FUZZ_CHECK(u.n == t.n && u.count == t.count, "list changed");
	for (i = 0; i < t.n; i++)
		FUZZ_CHECK(strcmp(u.e[i].addr, t.e[i].addr) == 0 &&
		    u.e[i].count == t.e[i].count && u.e[i].over == t.e[i].over,
		    "entry %zu changed", i);
	memset(&m, 0, sizeof(m));
	rec_top_merge(&m, &t);
	FUZZ_CHECK(m.n == t.n && m.count == t.count, "merge into empty");
	rec_top_merge(&m, &t);
	FUZZ_CHECK(m.n <= STATS_DAY_TOP && m.count == t.count * 2,
	    "merge with itself");
	rec_top_add(&m, "x@example.com", 13, 1);
	FUZZ_CHECK(m.n <= STATS_DAY_TOP, "add past the bound");
}

static void
check_fixed(const uint8_t *data, size_t size)
{
	unsigned char rec[REC_ALIAS_SIZE];
	struct stats_alias a, b;
	struct stats_day d, e;

	if (rec_alias_decode(data, size, &a) == 0) {
		FUZZ_CHECK(size == REC_ALIAS_SIZE ||
		    size == REC_ALIAS_V2_SIZE || size == REC_ALIAS_V1_SIZE,
		    "alias record of %zu bytes", size);
		rec_alias_encode(rec, &a);
		FUZZ_CHECK(rec_alias_decode(rec, sizeof(rec), &b) == 0 &&
		    memcmp(&a, &b, sizeof(a)) == 0, "alias record changed");
	}
	memset(&d, 0, sizeof(d));
	if (rec_day_decode(data, size, &d) == 0) {
		FUZZ_CHECK(size == REC_DAY_SIZE, "day of %zu bytes", size);
		rec_day_encode(rec, &d);
		memset(&e, 0, sizeof(e));
		FUZZ_CHECK(rec_day_decode(rec, REC_DAY_SIZE, &e) == 0 &&
		    memcmp(&d, &e, sizeof(d)) == 0, "day record changed");
	}
	(void)rec_daykey_decode(data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*copy;

	/* An exact-size copy, so that ASan sees any read past the value. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	check_top(copy, size);
	check_fixed(copy, size);
	free(copy);
	return 0;
}
