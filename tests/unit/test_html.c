/*
 * test_html.c: html.c's output for the HTML report: escaping of hostile
 * text, numbers for people, the value axis, sparklines on empty, flat
 * and one-day data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"

/* What html_text() makes of a string. */
static const struct {
	const char *in;
	const char *out;
} texts[] = {
	{ "irs@example.com", "irs@example.com" },
	{ "<script>alert(1)</script>\"@x",
	  "&lt;script&gt;alert(1)&lt;/script&gt;&quot;@x" },
	{ "a&b'c", "a&amp;b&#39;c" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },		/* UTF-8 kept */
	{ "\xff" "a", "\xef\xbf\xbd" "a" },		/* not UTF-8 */
	{ "\xc3", "\xef\xbf\xbd" },			/* cut sequence */
	/* A UTF-16 surrogate: three stray bytes. */
	{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "a\x1b[31mb", "a\xef\xbf\xbd[31mb" },		/* ESC */
	{ "a\x7f", "a\xef\xbf\xbd" },
	{ "tab\there", "tab\there" },
	{ "", "" },
};

/* html_text() of s, in new memory the caller frees. */
static char *
capture_text(const char *s)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	html_text(fp, s);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
test_html_text(void **state)
{
	char	*got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		got = capture_text(texts[i].in);
		assert_string_equal(got, texts[i].out);
		free(got);
	}
}

static void
test_html_num(void **state)
{
	static const struct {
		uint64_t v;
		const char *out;
	} nums[] = {
		{ 0, "0" }, { 7, "7" }, { 999, "999" }, { 1000, "1,000" },
		{ 12345, "12,345" }, { 1234567, "1,234,567" },
		{ UINT64_MAX, "18,446,744,073,709,551,615" },
	};
	char	 buf[HTML_NUM_BUF];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		html_num(nums[i].v, buf);
		assert_string_equal(buf, nums[i].out);
	}
}

static void
test_html_axis_top(void **state)
{
	static const uint64_t in[] = { 0, 1, 2, 3, 5, 6, 10, 11, 21, 99, 101,
		4999, 5001, UINT64_MAX };
	static const uint64_t out[] = { 1, 1, 2, 5, 5, 10, 10, 20, 50, 100,
		200, 5000, 10000, UINT64_MAX };
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_true(html_axis_top(in[i]) == out[i]);
}

/* A sparkline's text. */
static char *
capture_spark(const uint64_t *v, size_t n)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	html_sparkline(fp, v, n, 100, 22, "a<b");
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
test_html_sparkline(void **state)
{
	static const uint64_t zero[3] = { 0, 0, 0 }, one[1] = { 5 },
	    up[3] = { 0, 5, 10 };
	char	*s;

	(void)state;
	/* No data: no line, no division. */
	s = capture_spark(NULL, 0);
	assert_non_null(strstr(s, "no data"));
	assert_null(strstr(s, "polyline"));
	assert_non_null(strstr(s, "aria-label=\"a&lt;b\""));
	free(s);
	/* All zero: flat at the bottom. */
	s = capture_spark(zero, 3);
	assert_non_null(strstr(s, "points=\"1.0,21.0 50.0,21.0 99.0,21.0\""));
	free(s);
	/* One day: a short line, finite. */
	s = capture_spark(one, 1);
	assert_non_null(strstr(s, "points=\"98.0,1.0 99.0,1.0\""));
	free(s);
	/* Scaled to the largest. */
	s = capture_spark(up, 3);
	assert_non_null(strstr(s, "points=\"1.0,21.0 50.0,11.0 99.0,1.0\""));
	assert_null(strstr(s, "nan"));
	assert_null(strstr(s, "inf"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_text),
		cmocka_unit_test(test_html_num),
		cmocka_unit_test(test_html_axis_top),
		cmocka_unit_test(test_html_sparkline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
