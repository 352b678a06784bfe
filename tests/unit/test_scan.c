/*
 * test_scan.c: the fast text passes of scan.c against slow, obvious
 * versions of the same questions, on texts built to put line breaks,
 * keys and block edges (64 bytes) where the fast paths split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan.h"

static void
test_plain_lines(void **state)
{
	static const struct {
		const char *text;
		size_t	 len;
		int	 plain;
	} cases[] = {
#define C(s, plain)	{ s, sizeof(s) - 1, plain }
		C("a\nb\n", 1),
		C("", 1),
		C("a\r\nb\n", 0),
		C("a\nb\0c", 0),
		C("note: caf\xc3\xa9\n", 1),
		C("x\xc2\x85y", 0),		/* NEL */
		C("x\xc2\xa0y", 1),		/* NBSP is no break */
		C("x\xe2\x80\xa8y", 0),	/* LS */
		C("x\xe2\x80\xa9y", 0),	/* PS */
		C("x\xe2\x80\x93y", 1),	/* an en dash */
		C("x\xe2\x80", 1),		/* cut short */
		C("x\xc2", 1),
#undef C
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(scan_plain_lines(cases[i].text, cases[i].len),
		    cases[i].plain);
}

/* A text of n lines, line i (1-based) i % 97 bytes long plus its LF. */
static char *
make_text(size_t n, size_t *len)
{
	char	*t, *p;
	size_t	 i, k, size = 0;

	for (i = 1; i <= n; i++)
		size += i % 97 + 1;
	assert_non_null(t = malloc(size + 1));
	p = t;
	for (i = 1; i <= n; i++) {
		for (k = 0; k < i % 97; k++)
			*p++ = (char)('a' + (i + k) % 26);
		*p++ = '\n';
	}
	*p = '\0';
	*len = size;
	return t;
}

static void
test_lines(void **state)
{
	const char *p, *q;
	char	*t;
	size_t	 len, line, target, i, n;

	(void)state;
	t = make_text(3000, &len);
	assert_int_equal(scan_count_lines(t, len), 3000);
	/* Every length from 0 to 200: blocks and tails alike. */
	for (n = 0; n <= 200; n++) {
		size_t	 want = 0;

		for (i = 0; i < n; i++)
			want += t[i] == '\n';
		assert_int_equal(scan_count_lines(t, n), want);
	}
	/* Each target line, from the start and from the line before. */
	for (target = 1; target <= 3000; target += 7) {
		p = t;
		line = 1;
		assert_int_equal(scan_skip_lines(&p, t + len, &line, target),
		    0);
		assert_int_equal(line, target);
		q = t;
		for (i = 1; i < target; i++)
			q = strchr(q, '\n') + 1;
		assert_ptr_equal(p, q);
		if (target > 1) {
			line = target - 1;
			q = strchr(q - 1 - (target - 1) % 97, '\n');
			p = t;
			for (i = 1; i < target - 1; i++)
				p = strchr(p, '\n') + 1;
			assert_int_equal(scan_skip_lines(&p, t + len, &line,
			    target), 0);
			assert_ptr_equal(p, q + 1);
		}
	}
	/* The line after the last LF exists (it is empty); one more not. */
	p = t;
	line = 1;
	assert_int_equal(scan_skip_lines(&p, t + len, &line, 3001), 0);
	assert_ptr_equal(p, t + len);
	p = t;
	line = 1;
	assert_int_equal(scan_skip_lines(&p, t + len, &line, 3002), -1);
	assert_ptr_equal(p, t);
	free(t);
}

static void
test_find(void **state)
{
	char	 text[4096];
	const char *key = "vendor0001.q7x@example.com", *hit, *want;
	size_t	 klen = strlen(key), rare, r, at, len;

	(void)state;
	/* The key at every offset around a 64-byte edge, once per text. */
	for (at = 100; at < 200; at++) {
		memset(text, 'v', sizeof(text));
		memcpy(text + 10, key, klen - 1);	/* a near miss */
		memcpy(text + at, key, klen);
		len = at + klen + 30;
		want = text + at;
		rare = scan_rare_byte(text, len, key, klen);
		assert_true(rare < klen);
		assert_true(key[rare] != 'v');
		for (r = 0; r < klen; r++) {
			hit = scan_find(text, text + len, key, klen, r);
			assert_ptr_equal(hit, want);
		}
		/* Cut before the end of the key: not found. */
		assert_null(scan_find(text, text + at + klen - 1, key, klen,
		    rare));
		/* From just after it: not found again. */
		assert_null(scan_find(want + 1, text + len, key, klen, rare));
	}
	assert_null(scan_find(key, key + 3, key, klen, 0));
	/* The rarest byte, by the sample. */
	assert_int_equal(scan_rare_byte("aaaabbbc", 8, "abc", 3), 2);
	assert_int_equal(scan_rare_byte("", 0, "abc", 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
