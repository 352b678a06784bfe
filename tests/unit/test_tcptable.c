/*
 * test_tcptable.c: table-driven tests for tcptable.c, the tcp_table
 * codec.
 *
 * Each row is a byte string as a client sends it and what
 * tcptable_decode() must make of it: need more, a request (the decoded
 * key), a bad line (answered 400, the connection goes on) or an error
 * (no newline within the line limit: answered, then closed).  The
 * encoding rows are Postfix's hex_quote(3) rules.  Failing rows are
 * printed with their index; the test fails after all rows have run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tcptable.h"

struct row {
	const char *in;
	enum tcptable_rc rc;
	const char *key;	/* TCPTABLE_REQUEST */
	size_t	 keylen;	/* 0: strlen(key) */
	size_t	 used;		/* REQUEST, BAD */
};

static const struct row rows[] = {
	{ "get irs@example.com\n", TCPTABLE_REQUEST, "irs@example.com", 0,
	  20 },
	{ "get IRS@Example.COM\r\n", TCPTABLE_REQUEST, "IRS@Example.COM", 0,
	  21 },
	{ "get a%20b%25c\n", TCPTABLE_REQUEST, "a b%c", 0, 14 },
	{ "get %2b%2B\n", TCPTABLE_REQUEST, "++", 0, 11 },
	{ "get %C3%A9@x\n", TCPTABLE_REQUEST, "\xc3\xa9@x", 0, 13 },
	{ "get %00\n", TCPTABLE_REQUEST, "\0", 1, 8 },
	{ "get \n", TCPTABLE_REQUEST, "", 0, 5 },
	/* Raw bytes are passed through, as Postfix's hex_unquote() does. */
	{ "get a b\n", TCPTABLE_REQUEST, "a b", 0, 8 },
	/* Only the first of two lines. */
	{ "get a\nget b\n", TCPTABLE_REQUEST, "a", 0, 6 },
	/* Prefixes. */
	{ "", TCPTABLE_NEED_MORE, NULL, 0, 0 },
	{ "get", TCPTABLE_NEED_MORE, NULL, 0, 0 },
	{ "get irs@example.com", TCPTABLE_NEED_MORE, NULL, 0, 0 },
	{ "get irs@example.com\r", TCPTABLE_NEED_MORE, NULL, 0, 0 },
	/* Bad lines: answered, the connection goes on. */
	{ "\n", TCPTABLE_BAD, NULL, 0, 1 },
	{ "get\n", TCPTABLE_BAD, NULL, 0, 4 },
	{ "GET x\n", TCPTABLE_BAD, NULL, 0, 6 },
	{ "put a b\n", TCPTABLE_BAD, NULL, 0, 8 },
	{ "get bad%zz\n", TCPTABLE_BAD, NULL, 0, 11 },
	{ "get trunc%4\n", TCPTABLE_BAD, NULL, 0, 12 },
	{ "get trunc%\n", TCPTABLE_BAD, NULL, 0, 11 },
	{ "get %g0\n", TCPTABLE_BAD, NULL, 0, 8 },
	{ "hello\r\n", TCPTABLE_BAD, NULL, 0, 7 },
	{ "23:aliases irs@example.com,\n", TCPTABLE_BAD, NULL, 0, 28 },
};

static void
test_decode_table(void **state)
{
	static char key[TCPTABLE_KEY_MAX + 1];
	const struct row *r;
	const char *err;
	size_t	 i, used, klen, want;
	int	 bad = 0;
	enum tcptable_rc rc;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		err = NULL;
		rc = tcptable_decode(r->in, strlen(r->in), key, sizeof(key),
		    &klen, &used, &err);
		if (rc != r->rc) {
			printf("row %zu (%s): rc %d, want %d (%s)\n", i, r->in,
			    (int)rc, (int)r->rc, err != NULL ? err : "");
			bad++;
			continue;
		}
		if (rc == TCPTABLE_BAD && (err == NULL || err[0] == '\0')) {
			printf("row %zu: no reason\n", i);
			bad++;
		}
		if ((rc == TCPTABLE_REQUEST || rc == TCPTABLE_BAD) &&
		    used != r->used) {
			printf("row %zu: used %zu, want %zu\n", i, used,
			    r->used);
			bad++;
		}
		if (rc != TCPTABLE_REQUEST)
			continue;
		want = r->keylen != 0 ? r->keylen : strlen(r->key);
		if (klen != want || memcmp(key, r->key, want) != 0 ||
		    key[klen] != '\0') {
			printf("row %zu: key \"%.*s\" (%zu bytes)\n", i,
			    (int)klen, key, klen);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The longest line is read, a longer one is an error at the limit. */
static void
test_decode_limits(void **state)
{
	static char buf[TCPTABLE_LINE_MAX + 16], key[TCPTABLE_KEY_MAX + 1];
	const char *err;
	size_t	 used, klen;

	(void)state;
	memcpy(buf, "get ", 4);
	memset(buf + 4, 'k', TCPTABLE_LINE_MAX - 5);
	buf[TCPTABLE_LINE_MAX - 1] = '\n';
	assert_int_equal(tcptable_decode(buf, TCPTABLE_LINE_MAX, key,
	    sizeof(key), &klen, &used, &err), TCPTABLE_REQUEST);
	assert_int_equal(klen, TCPTABLE_KEY_MAX);
	assert_int_equal(used, TCPTABLE_LINE_MAX);
	buf[TCPTABLE_LINE_MAX - 1] = 'k';
	assert_int_equal(tcptable_decode(buf, TCPTABLE_LINE_MAX - 1, key,
	    sizeof(key), &klen, &used, &err), TCPTABLE_NEED_MORE);
	assert_int_equal(tcptable_decode(buf, TCPTABLE_LINE_MAX, key,
	    sizeof(key), &klen, &used, &err), TCPTABLE_ERROR);
	buf[TCPTABLE_LINE_MAX] = '\n';
	assert_int_equal(tcptable_decode(buf, TCPTABLE_LINE_MAX + 1, key,
	    sizeof(key), &klen, &used, &err), TCPTABLE_ERROR);
	/* A key buffer too small is a bad request, never an overrun. */
	memcpy(buf, "get abcdef\n", 11);
	assert_int_equal(tcptable_decode(buf, 11, key, 4, &klen, &used, &err),
	    TCPTABLE_BAD);
}

struct enc {
	int	 code;
	const char *text;
	size_t	 len;		/* 0: strlen(text) */
	const char *out;
};

static const struct enc encs[] = {
	{ 200, "me@example.net", 0, "200 me@example.net\n" },
	{ 200, "a@x, b@y", 0, "200 a@x,%20b@y\n" },
	{ 200, "\"john doe\"@x", 0, "200 \"john%20doe\"@x\n" },
	{ 200, "100%\t\r\n", 0, "200 100%25%09%0D%0A\n" },
	{ 200, "\xc3\xa9\x7f", 0, "200 %C3%A9%7F\n" },
	{ 200, "a\0b", 3, "200 a%00b\n" },
	{ 500, "not found", 0, "500 not%20found\n" },
	{ 400, "alias map unavailable", 0, "400 alias%20map%20unavailable\n" },
	{ 200, "", 0, "200 \n" },
};

static void
test_encode_table(void **state)
{
	char	 out[TCPTABLE_REPLY_MAX];
	size_t	 i, n, len;

	(void)state;
	for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		len = encs[i].len != 0 ? encs[i].len : strlen(encs[i].text);
		n = tcptable_encode(out, sizeof(out), encs[i].code,
		    encs[i].text, len);
		if (n != strlen(encs[i].out) ||
		    memcmp(out, encs[i].out, n) != 0)
			printf("row %zu: \"%.*s\"\n", i, (int)n, out);
		assert_int_equal(n, strlen(encs[i].out));
		assert_memory_equal(out, encs[i].out, n);
	}
	assert_int_equal(tcptable_encode(out, sizeof(out), 99, "x", 1), 0);
	assert_int_equal(tcptable_encode(out, sizeof(out), 600, "x", 1), 0);
}

/* Postfix reads 4096 bytes at most: a longer reply is refused, not cut. */
static void
test_encode_limits(void **state)
{
	static char text[TCPTABLE_REPLY_MAX], out[TCPTABLE_REPLY_MAX + 64];

	(void)state;
	memset(text, 'v', sizeof(text));
	assert_int_equal(tcptable_encode(out, sizeof(out), 200, text,
	    TCPTABLE_REPLY_MAX - 5), TCPTABLE_REPLY_MAX);
	assert_int_equal(out[TCPTABLE_REPLY_MAX - 1], '\n');
	assert_int_equal(tcptable_encode(out, sizeof(out), 200, text,
	    TCPTABLE_REPLY_MAX - 4), 0);
	text[0] = ' ';		/* %20: two bytes more */
	assert_int_equal(tcptable_encode(out, sizeof(out), 200, text,
	    TCPTABLE_REPLY_MAX - 7), TCPTABLE_REPLY_MAX);
	assert_int_equal(tcptable_encode(out, sizeof(out), 200, text,
	    TCPTABLE_REPLY_MAX - 6), 0);
	assert_int_equal(tcptable_encode(out, 8, 200, "abc", 3), 8);
	assert_int_equal(tcptable_encode(out, 7, 200, "abc", 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
