/*
 * test_util.c: the XXH64 digest against xxhsum(1)'s answers, fed whole
 * and in every split, and the calendar dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

/* Expected values from "printf ... | xxhsum -H64". */
static const struct {
	const char *text;
	uint64_t xxh64;
} vectors[] = {
	{ "", UINT64_C(0xef46db3751d8e999) },
	{ "abc", UINT64_C(0x44bc2cf5ad770999) },
	{ "aliases:\n  a@example.com: {}\n", UINT64_C(0xe9bb4af2298f7914) },
};

static void
test_digest_vectors(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		assert_int_equal(digest_of(vectors[i].text,
		    strlen(vectors[i].text)), vectors[i].xxh64);
}

/* 1000 bytes "abc...zab...": more than one stripe, a tail of each size. */
static void
test_digest_long(void **state)
{
	char	 buf[1000];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	assert_int_equal(digest_of(buf, sizeof(buf)),
	    UINT64_C(0x94b86db9a16d86a9));
}

/* Any way of cutting the input gives the same digest. */
static void
test_digest_pieces(void **state)
{
	struct digest d;
	char	 buf[203];
	uint64_t whole;
	size_t	 cut, cut2;

	(void)state;
	for (cut = 0; cut < sizeof(buf); cut++)
		buf[cut] = (char)(cut * 7 + 3);
	whole = digest_of(buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut++)
		for (cut2 = cut; cut2 <= sizeof(buf); cut2 += 13) {
			digest_init(&d);
			digest_update(&d, buf, cut);
			digest_update(&d, buf + cut, cut2 - cut);
			digest_update(&d, buf + cut2, sizeof(buf) - cut2);
			assert_int_equal(digest_final(&d), whole);
		}
}

/* Strings are packed; what arena_alloc() returns after them is aligned. */
static void
test_arena_alignment(void **state)
{
	struct arena a;
	char	*s;
	void	*p;
	int	 i;

	(void)state;
	arena_init(&a);
	for (i = 0; i < 100; i++) {
		s = arena_strndup(&a, "abc", (size_t)(i % 3) + 1);
		assert_non_null(s);
		p = arena_alloc(&a, 8 * (size_t)(i % 5) + 1);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	}
	arena_free(&a);
}

static void
test_dates(void **state)
{
	char	 buf[DATE_BUF];
	int32_t	 d;

	(void)state;
	assert_int_equal(date_parse("1970-01-01", 10, &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(date_parse("2024-02-29", 10, &d), 0);
	date_format(d, buf);
	assert_string_equal(buf, "2024-02-29");
	assert_int_equal(date_parse("2023-02-29", 10, &d), -1);
	assert_int_equal(date_parse("2023-1-01", 9, &d), -1);
}

/* str_distance(): a table of pairs, distances and bounds. */
static void
test_distance(void **state)
{
	static const struct {
		const char *a, *b;
		int	 max, want;
	} rows[] = {
		{ "receive_only", "receive_only", 2, 0 },
		{ "recieve_only", "receive_only", 2, 1 },	/* swap */
		{ "delivr_to", "deliver_to", 2, 1 },		/* insert */
		{ "expire", "expires", 2, 1 },
		{ "nots", "note", 1, 1 },			/* substitute */
		{ "notes", "note", 1, 1 },			/* delete */
		{ "ab", "ba", 1, 1 },
		{ "ca", "abc", 3, 3 },		/* OSA, not full Damerau: 3 */
		{ "", "to", 2, 2 },
		{ "", "", 0, 0 },
		{ "revoked", "reason", 2, 3 },	/* 4 edits: cut at max + 1 */
		{ "x", "deliver_to", 2, 3 },	/* lengths alone exceed max */
		{ "subadress", "subaddress", 2, 1 },
		{ "alieses", "aliases", 2, 1 },
		{ "domians", "domains", 1, 1 },
		{ "receiveonly", "receive_only", 2, 1 },
		{ "RECEIVE_ONLY", "receive_only", 2, 3 },	/* bytes */
	};
	char	 longer[STR_DISTANCE_MAX + 2];
	size_t	 i;
	int	 got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = str_distance(rows[i].a, strlen(rows[i].a), rows[i].b,
		    strlen(rows[i].b), rows[i].max);
		if (got != rows[i].want)
			fail_msg("%s, %s: %d, want %d", rows[i].a, rows[i].b,
			    got, rows[i].want);
		/* Symmetric. */
		assert_int_equal(str_distance(rows[i].b, strlen(rows[i].b),
		    rows[i].a, strlen(rows[i].a), rows[i].max), got);
	}
	/* Longer than STR_DISTANCE_MAX: never near anything. */
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(str_distance(longer, strlen(longer), longer,
	    strlen(longer), 2), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_vectors),
		cmocka_unit_test(test_digest_long),
		cmocka_unit_test(test_digest_pieces),
		cmocka_unit_test(test_arena_alignment),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
