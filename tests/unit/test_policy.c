/*
 * test_policy.c: the records of MAP.policy.lmdb, written and read back,
 * and every malformed record refused: alias and domain records and the
 * metadata records " map", " counts", " source" and " lines".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "util.h"

static void
test_alias_round_trip(void **state)
{
	struct policy_alias pa, back;
	char	 buf[POLICY_RECORD_MAX];

	(void)state;
	memset(&pa, 0, sizeof(pa));
	pa.flags = POLICY_REVOKED | POLICY_TARGET;
	assert_int_equal(date_parse("2026-01-02", 10, &pa.created), 0);
	assert_int_equal(date_parse("2026-03-04", 10, &pa.revoked), 0);
	pa.expires = DATE_NONE;
	snprintf(pa.reason, sizeof(pa.reason), "leaked\tto\nspam");
	assert_int_equal(policy_format_alias(&pa, buf, sizeof(buf)), 0);
	/* Tabs and line breaks in text become spaces. */
	assert_string_equal(buf, "a\trt\t2026-01-02\t2026-03-04\t\tleaked to spam");
	assert_int_equal(policy_parse_alias(buf, &back), 0);
	assert_int_equal(back.flags, pa.flags);
	assert_int_equal(back.created, pa.created);
	assert_int_equal(back.revoked, pa.revoked);
	assert_int_equal(back.expires, DATE_NONE);
	assert_string_equal(back.reason, "leaked to spam");
	assert_int_equal(policy_format_alias(&pa, buf, 10), -1);
}

/*
 * The senders field: written only for a lock, read back pointing into
 * the record; a record without it (every record before locks) has none.
 */
static void
test_alias_senders(void **state)
{
	struct policy_alias pa, back;
	char	 buf[POLICY_RECORD_MAX];
	const char *list = "bestbuy.com alerts@bank.example";

	(void)state;
	memset(&pa, 0, sizeof(pa));
	pa.flags = POLICY_RECEIVE_ONLY;
	pa.created = pa.revoked = pa.expires = DATE_NONE;
	assert_int_equal(policy_format_alias(&pa, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a\to\t\t\t\t");
	assert_int_equal(policy_parse_alias(buf, &back), 0);
	assert_null(back.senders);
	assert_int_equal(back.senders_len, 0);

	pa.senders = list;
	pa.senders_len = strlen(list);
	assert_int_equal(policy_format_alias(&pa, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
	    "a\to\t\t\t\t\tbestbuy.com alerts@bank.example");
	assert_int_equal(policy_parse_alias(buf, &back), 0);
	assert_int_equal(back.flags, POLICY_RECEIVE_ONLY);
	assert_string_equal(back.reason, "");
	assert_ptr_equal(back.senders, buf + 8);
	assert_int_equal(back.senders_len, strlen(list));
	assert_memory_equal(back.senders, list, strlen(list));
	/* A record with a reason and a lock. */
	assert_int_equal(policy_parse_alias("a\tr\t\t2026-01-01\t\tleaked"
	    "\tx.example", &back), 0);
	assert_string_equal(back.reason, "leaked");
	assert_int_equal(back.senders_len, 9);
	/* A writer never writes a bad lock. */
	pa.senders = "Bestbuy.com";
	pa.senders_len = 11;
	assert_int_equal(policy_format_alias(&pa, buf, sizeof(buf)), -1);
	pa.senders_len = 0;
	assert_int_equal(policy_format_alias(&pa, buf, sizeof(buf)), -1);
}

/* policy_check_senders(): what a senders field may hold. */
static void
test_check_senders(void **state)
{
	static const struct {
		const char *s;
		int	 ok;
	} t[] = {
		{ "bestbuy.com", 0 },
		{ "bestbuy.com alerts@bank.example", 0 },
		{ "a.b.c.example x@y.example \"a.b\"@z.example", -1 },
		{ "\"a..b\"@z.example", 0 },		/* quoted, normalised */
		{ "com", 0 },				/* one label */
		{ "", -1 },
		{ " bestbuy.com", -1 },			/* empty entry */
		{ "bestbuy.com ", -1 },
		{ "bestbuy.com  x.example", -1 },
		{ "BestBuy.com", -1 },			/* not normalised */
		{ "bestbuy.com.", -1 },
		{ "Alerts@bank.example", -1 },
		{ "<alerts@bank.example>", -1 },
		{ "@bank.example", -1 },
		{ "alerts@", -1 },
		{ "-bad.example", -1 },
		{ "under_score.example", -1 },
		{ "[192.0.2.1]", -1 },
		{ "b\xc3\xa4r.example", -1 },
		{ "a\tb.example", -1 },
	};
	char	 big[POLICY_SENDERS_BYTES + 64];
	size_t	 i, o;
	int	 nbad = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (policy_check_senders(t[i].s, strlen(t[i].s)) != t[i].ok) {
			print_error("\"%s\": expected %d\n", t[i].s, t[i].ok);
			nbad++;
		}
	assert_int_equal(nbad, 0);
	/* POLICY_SENDERS_MAX entries, not one more. */
	for (i = o = 0; i < POLICY_SENDERS_MAX; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o,
		    "%sd%zu.example", i > 0 ? " " : "", i);
	assert_int_equal(policy_check_senders(big, o), 0);
	o += (size_t)snprintf(big + o, sizeof(big) - o, " x.example");
	assert_int_equal(policy_check_senders(big, o), -1);
	/*
	 * POLICY_SENDERS_BYTES, not one more: 17 domains of 240 bytes and
	 * 16 spaces make 4096.
	 */
	for (i = o = 0; i < 17; i++) {
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%sd%02zu.",
		    i > 0 ? " " : "", i);
		memset(big + o, 'a', 63);
		big[o + 63] = '.';
		memset(big + o + 64, 'a', 63);
		big[o + 127] = '.';
		memset(big + o + 128, 'a', 63);
		big[o + 191] = '.';
		memset(big + o + 192, 'a', 44);
		o += 236;
		big[o] = '\0';
	}
	assert_int_equal(o, POLICY_SENDERS_BYTES);
	assert_int_equal(policy_check_senders(big, o), 0);
	big[o++] = 'a';
	assert_int_equal(policy_check_senders(big, o), -1);
}

static void
test_domain_round_trip(void **state)
{
	struct policy_domain pd, back;
	char	 buf[2048];

	(void)state;
	memset(&pd, 0, sizeof(pd));
	snprintf(pd.subaddress, sizeof(pd.subaddress), "+-");
	snprintf(pd.deliver_to, sizeof(pd.deliver_to), "me@example.net");
	assert_int_equal(policy_format_domain(&pd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "d\t+-\tme@example.net");
	assert_int_equal(policy_parse_domain(buf, &back), 0);
	assert_string_equal(back.subaddress, "+-");
	assert_string_equal(back.deliver_to, "me@example.net");
}

static const char *const bad_records[] = {
	"", "x", "a", "a\tq\t\t\t\t", "a\t\t\t\t", "a\t\tnot-a-date\t\t\t",
	"a\t\t\t\t\t\t", "a\t\t\t\t\tr\tx.example\ty", "d",
	"d\t", "d\tthis-delimiter-set-is-too-long\tx",
	"d\t+\tx\tmore",
};

static void
test_bad_records(void **state)
{
	struct policy_alias pa;
	struct policy_domain pd;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad_records) / sizeof(bad_records[0]); i++) {
		assert_int_equal(policy_parse_alias(bad_records[i], &pa), -1);
		assert_int_equal(policy_parse_domain(bad_records[i], &pd), -1);
	}
	assert_int_equal(policy_parse_alias("a\t\t\t\t\t", &pa), 0);
	assert_int_equal(policy_parse_domain("d\t\t", &pd), 0);
}

static void
test_ident(void **state)
{
	char	 buf[64];
	dev_t	 dev;
	ino_t	 ino;
	static const char *const bad[] = { "", ":", "1:", ":2", "1:2:3",
	    "-1:2", "1:-2", " 1:2", "1:2 ", "1;2", "x:2",
	    "99999999999999999999999:1" };
	size_t	 i;

	(void)state;
	policy_format_ident(2049, 123456789, buf, sizeof(buf));
	assert_string_equal(buf, "2049:123456789");
	assert_int_equal(policy_parse_ident(buf, &dev, &ino), 0);
	assert_true(dev == 2049 && ino == 123456789);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(policy_parse_ident(bad[i], &dev, &ino), -1);
}

static void
test_counts(void **state)
{
	struct policy_counts c = { 2, 10, 3, 1, 16 }, back;
	char	 buf[128];
	int32_t	 day, got;
	static const char *const bad[] = { "", "2026-01-02", "2026-01-02 1 2",
	    "2026-01-02 1 2 3 4", "2026-01-02 1 2 3 4 5 6",
	    "2026-01-02 1 2 3 4 -5", "2026-01-02 1 2 3 4 +5",
	    "2026-01-02  1 2 3 4 5", "2026-01-02 1 2 3 4 5 ",
	    "2026-02-30 1 2 3 4 5", "2026-01-02 1 2 3 4 x",
	    "2026-01-02 1 2 3 4 99999999999999999999999" };
	size_t	 i;

	(void)state;
	assert_int_equal(date_parse("2026-01-02", 10, &day), 0);
	policy_format_counts(&c, day, buf, sizeof(buf));
	assert_string_equal(buf, "2026-01-02 2 10 3 1 16");
	assert_int_equal(policy_parse_counts(buf, &back, &got), 0);
	assert_int_equal(got, day);
	assert_true(back.domains == 2 && back.active == 10 &&
	    back.revoked == 3 && back.expired == 1 && back.entries == 16);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(policy_parse_counts(bad[i], &back, &got), -1);
}

static void
test_source(void **state)
{
	struct policy_source src = { 1048576, 524288,
	    UINT64_C(0xfedcba9876543210), UINT64_C(0x1f), 1 }, back;
	char	 buf[128];
	static const char *const bad[] = { "", "1 1 0 0", "1 1 0 0 0 0",
	    "1 2 0 0 0", "1 1 0 0 2", "1 1 g 0 0", "1 1 0 0 -1",
	    "-1 0 0 0 0", "1 1 0 0 0 ", " 1 1 0 0 0", "1  1 0 0 0",
	    "1 1 10000000000000000 0 0", "1 1 0x0 0 0" };
	size_t	 i;

	(void)state;
	policy_format_source(&src, buf, sizeof(buf));
	assert_string_equal(buf,
	    "1048576 524288 fedcba9876543210 000000000000001f 1");
	assert_int_equal(policy_parse_source(buf, &back), 0);
	assert_true(back.size == src.size && back.split == src.split &&
	    back.head == src.head && back.tail == src.tail &&
	    back.windows == 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(policy_parse_source(bad[i], &back), -1);
}

static void
test_lines(void **state)
{
	static const uint32_t lines[] = { 3, 259, 515, 4294967295U };
	uint32_t back[4];
	char	 buf[4 * POLICY_LINE_BUF + 1];
	size_t	 n;
	static const char *const bad[] = { "", "0", "3 3", "5 4", "3  4",
	    "3 4 ", " 3", "3,4", "-3", "+3", "4294967296", "1 2 3 4 5" };
	size_t	 i;

	(void)state;
	policy_format_lines(lines, 4, buf, sizeof(buf));
	assert_string_equal(buf, "3 259 515 4294967295");
	assert_int_equal(policy_parse_lines(buf, back, 4, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(back, lines, sizeof(lines));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(policy_parse_lines(bad[i], back, 4, &n), -1);
	/* A buffer too small keeps whole numbers only. */
	policy_format_lines(lines, 4, buf, 16);
	assert_string_equal(buf, "3 259");
}

static void
test_expired(void **state)
{
	struct policy_alias pa;

	(void)state;
	memset(&pa, 0, sizeof(pa));
	pa.expires = DATE_NONE;
	assert_false(policy_expired(&pa, 30000));
	pa.expires = 20000;
	assert_false(policy_expired(&pa, 20000));
	assert_true(policy_expired(&pa, 20001));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alias_round_trip),
		cmocka_unit_test(test_alias_senders),
		cmocka_unit_test(test_check_senders),
		cmocka_unit_test(test_domain_round_trip),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_ident),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_expired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
