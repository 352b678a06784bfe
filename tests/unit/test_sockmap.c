/*
 * test_sockmap.c: table-driven tests for sockmap.c, the socketmap codec.
 *
 * Each row is a byte string as a client sends it and what
 * sockmap_decode() must make of it: need more, a request (name and key),
 * a bad request (well framed: answered, the connection goes on) or a
 * framing error (answered, then closed).  Failing rows are printed with
 * their index; the test fails after all rows have run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sockmap.h"

struct row {
	const char *in;
	size_t	 len;		/* 0: strlen(in) */
	enum sockmap_rc rc;
	const char *name;	/* SOCKMAP_REQUEST */
	const char *key;
	size_t	 keylen;	/* 0: strlen(key) */
	size_t	 used;		/* REQUEST, BAD */
};

static const struct row rows[] = {
	/* Requests. */
	{ "23:aliases irs@example.com,", 0, SOCKMAP_REQUEST, "aliases",
	  "irs@example.com", 0, 27 },
	{ "11:aliases x@y,", 0, SOCKMAP_REQUEST, "aliases", "x@y", 0, 15 },
	{ "24:virtuser IRS@Example.COM,", 0, SOCKMAP_REQUEST, "virtuser",
	  "IRS@Example.COM", 0, 0 },
	{ "11:a b c d e f,", 0, SOCKMAP_REQUEST, "a", "b c d e f", 0, 15 },
	{ "8:aliases ,", 0, SOCKMAP_REQUEST, "aliases", "", 0, 11 },
	{ "9:aliases \0,", 12, SOCKMAP_REQUEST, "aliases", "\0", 1, 12 },
	/* Only the first of two is decoded. */
	{ "3:a b,3:c d,", 0, SOCKMAP_REQUEST, "a", "b", 0, 6 },
	/* Prefixes of a valid request. */
	{ "", 0, SOCKMAP_NEED_MORE, NULL, NULL, 0, 0 },
	{ "2", 0, SOCKMAP_NEED_MORE, NULL, NULL, 0, 0 },
	{ "23", 0, SOCKMAP_NEED_MORE, NULL, NULL, 0, 0 },
	{ "23:", 0, SOCKMAP_NEED_MORE, NULL, NULL, 0, 0 },
	{ "23:aliases irs@example.com", 0, SOCKMAP_NEED_MORE, NULL, NULL, 0,
	  0 },
	{ "0", 0, SOCKMAP_NEED_MORE, NULL, NULL, 0, 0 },
	{ "4096:", 0, SOCKMAP_NEED_MORE, NULL, NULL, 0, 0 },
	/* Well framed, but not NAME KEY: answered, connection kept. */
	{ "5:nospa,", 0, SOCKMAP_BAD, NULL, NULL, 0, 8 },
	{ "0:,", 0, SOCKMAP_BAD, NULL, NULL, 0, 3 },
	{ "3: ab,", 0, SOCKMAP_BAD, NULL, NULL, 0, 6 },
	{ "5:a\tb c,", 0, SOCKMAP_BAD, NULL, NULL, 0, 8 },
	{ "5:a\x80" "b c,", 0, SOCKMAP_BAD, NULL, NULL, 0, 8 },
	{ "67:" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  " x,", 0, SOCKMAP_BAD, NULL, NULL, 0, 71 },
	/* Framing errors. */
	{ "012:aliases x@y,", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "00:", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "4097", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "99999999999999999999999:", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ ":a b,", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "3;a b,", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "-3:a b,", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ " 3:a b,", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "3:a b;", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "3:a bc,", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "GET / HTTP/1.0\r\n", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
	{ "get irs@example.com\n", 0, SOCKMAP_ERROR, NULL, NULL, 0, 0 },
};

static void
test_decode_table(void **state)
{
	struct sockmap_request req;
	const struct row *r;
	const char *err;
	size_t	 i, len, used, klen;
	int	 bad = 0;
	enum sockmap_rc rc;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		len = r->len != 0 ? r->len : strlen(r->in);
		err = NULL;
		memset(&req, 0, sizeof(req));
		rc = sockmap_decode(r->in, len, &req, &used, &err);
		if (rc != r->rc) {
			printf("row %zu (%.*s): rc %d, want %d (%s)\n", i,
			    (int)len, r->in, (int)rc, (int)r->rc,
			    err != NULL ? err : "");
			bad++;
			continue;
		}
		if ((rc == SOCKMAP_BAD || rc == SOCKMAP_ERROR) &&
		    (err == NULL || err[0] == '\0')) {
			printf("row %zu: no reason\n", i);
			bad++;
		}
		if ((rc == SOCKMAP_REQUEST || rc == SOCKMAP_BAD) &&
		    r->used != 0 && used != r->used) {
			printf("row %zu: used %zu, want %zu\n", i, used,
			    r->used);
			bad++;
		}
		if (rc != SOCKMAP_REQUEST)
			continue;
		klen = r->keylen != 0 ? r->keylen : strlen(r->key);
		if (req.namelen != strlen(r->name) ||
		    memcmp(req.name, r->name, req.namelen) != 0 ||
		    req.keylen != klen || memcmp(req.key, r->key, klen) != 0) {
			printf("row %zu: got name \"%.*s\" key \"%.*s\"\n", i,
			    (int)req.namelen, req.name, (int)req.keylen,
			    req.key);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The largest request is accepted, one byte more is not. */
static void
test_decode_limits(void **state)
{
	static char buf[SOCKMAP_WIRE_MAX + 64];
	struct sockmap_request req;
	const char *err;
	size_t	 used, n;

	(void)state;
	n = (size_t)snprintf(buf, sizeof(buf), "%d:aliases ",
	    SOCKMAP_REQUEST_MAX);
	memset(buf + n, 'k', SOCKMAP_REQUEST_MAX - 8);
	buf[n + SOCKMAP_REQUEST_MAX - 8] = ',';
	n += SOCKMAP_REQUEST_MAX - 8 + 1;
	assert_true(n <= SOCKMAP_WIRE_MAX);
	assert_int_equal(sockmap_decode(buf, n, &req, &used, &err),
	    SOCKMAP_REQUEST);
	assert_int_equal(used, n);
	assert_int_equal(req.keylen, SOCKMAP_REQUEST_MAX - 8);
	assert_int_equal(sockmap_decode(buf, n - 1, &req, &used, &err),
	    SOCKMAP_NEED_MORE);
	n = (size_t)snprintf(buf, sizeof(buf), "%d:", SOCKMAP_REQUEST_MAX + 1);
	assert_int_equal(sockmap_decode(buf, n, &req, &used, &err),
	    SOCKMAP_ERROR);
	/* Refused from its digits alone, before the payload is sent. */
	assert_int_equal(sockmap_decode(buf, n - 1, &req, &used, &err),
	    SOCKMAP_ERROR);
}

struct enc {
	const char *status;
	const char *text;
	const char *out;
};

static const struct enc encs[] = {
	{ "OK", "me@example.net", "17:OK me@example.net," },
	{ "OK", "a@x, b@y", "11:OK a@x, b@y," },
	{ "NOTFOUND", "", "9:NOTFOUND ," },
	{ "TEMP", "alias map unavailable", "26:TEMP alias map unavailable," },
	{ "PERM", "request too long", "21:PERM request too long," },
};

static void
test_encode_table(void **state)
{
	char	 out[SOCKMAP_REPLY_WIRE_MAX];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		n = sockmap_encode(out, sizeof(out), encs[i].status,
		    encs[i].text, strlen(encs[i].text));
		assert_int_equal(n, strlen(encs[i].out));
		assert_memory_equal(out, encs[i].out, n);
	}
}

/* A value that does not fit is refused, never cut. */
static void
test_encode_limits(void **state)
{
	static char text[SOCKMAP_REPLY_MAX + 1], out[SOCKMAP_REPLY_WIRE_MAX];
	size_t	 n;

	(void)state;
	memset(text, 'v', sizeof(text));
	n = sockmap_encode(out, sizeof(out), "OK", text, SOCKMAP_REPLY_MAX - 3);
	assert_int_equal(n, 6 + SOCKMAP_REPLY_MAX + 1);
	assert_int_equal(out[n - 1], ',');
	assert_int_equal(sockmap_encode(out, sizeof(out), "OK", text,
	    SOCKMAP_REPLY_MAX - 2), 0);
	/* "11:OK vvvvvvvv," is 15 bytes. */
	assert_int_equal(sockmap_encode(out, 15, "OK", text, 8), 15);
	assert_int_equal(sockmap_encode(out, 14, "OK", text, 8), 0);
	assert_int_equal(sockmap_encode(out, 2, "OK", text, 8), 0);
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
