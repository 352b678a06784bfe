/*
 * test_address.c: table-driven tests for address.c.
 *
 * Each table row is checked on its own; a failing row is printed with
 * its index and input, and the test fails after all rows have run, so
 * one run shows every broken case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "address.h"

/* Building blocks for the length-limit cases. */
#define A10	"aaaaaaaaaa"
#define A60	A10 A10 A10 A10 A10 A10
#define A61	A60 "a"
#define A62	A60 "aa"
#define A63	A60 "aaa"
#define A64	A60 "aaaa"
#define A65	A60 "aaaaa"
#define B10	"bbbbbbbbbb"
#define B60	B10 B10 B10 B10 B10 B10
#define B61	B60 "b"
#define B62	B60 "bb"
#define B63	B60 "bbb"
#define B64	B60 "bbbb"
/*
 * Domains of 189 and 190 octets: with a 64-octet local part and "<@>"
 * they make paths of exactly 256 and 257 octets.
 */
#define D189	B63 "." B63 "." B61
#define D190	B63 "." B63 "." B62
/* Domains of 255 and 256 octets. */
#define D255	B63 "." B63 "." B63 "." B61 ".b"
#define D256	B63 "." B63 "." B63 "." B62 ".b"
/* 60 a's and a quote: quoted and escaped that is "aaa...\"", 64 octets. */
#define Q64	"\"" A60 "\\\"\""
#define Q65	"\"" A61 "\\\"\""

struct parse_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	unsigned	 flags;
	int		 err;
	const char	*out;		/* canonical "local@domain" if ok */
};

static const struct parse_case parse_cases[] = {
	/* Plain addresses and case folding. */
	{ "user@example.com", 0, 0, ADDR_OK, "user@example.com" },
	{ "User@Example.COM", 0, 0, ADDR_OK, "user@example.com" },
	{ "USER@EXAMPLE.COM", 0, ADDR_KEEP_CASE, ADDR_OK,
	    "USER@example.com" },
	{ "Mixed.Case@Host", 0, ADDR_KEEP_CASE, ADDR_OK,
	    "Mixed.Case@host" },
	{ "a@b", 0, 0, ADDR_OK, "a@b" },
	{ "first.last@example.com", 0, 0, ADDR_OK,
	    "first.last@example.com" },
	{ "!#$%&'*+-/=?^_`{|}~@example.com", 0, 0, ADDR_OK,
	    "!#$%&'*+-/=?^_`{|}~@example.com" },
	{ "0123@1.2.3.4", 0, 0, ADDR_OK, "0123@1.2.3.4" },
	{ "x@xn--bcher-kva.example", 0, 0, ADDR_OK,
	    "x@xn--bcher-kva.example" },
	{ "x@a-b.c--d.e", 0, 0, ADDR_OK, "x@a-b.c--d.e" },

	/* Surrounding blanks and angle brackets. */
	{ "  user@example.com\t ", 0, 0, ADDR_OK, "user@example.com" },
	{ "<user@example.com>", 0, 0, ADDR_OK, "user@example.com" },
	{ " <User@Example.com> ", 0, 0, ADDR_OK, "user@example.com" },
	{ "<>", 0, 0, ADDR_EMPTY, NULL },
	{ " <> ", 0, 0, ADDR_EMPTY, NULL },
	{ "", 0, 0, ADDR_EMPTY, NULL },
	{ "   ", 0, 0, ADDR_EMPTY, NULL },
	{ "<a@b", 0, 0, ADDR_BAD_ROUTE, NULL },
	{ "a@b>", 0, 0, ADDR_BAD_ROUTE, NULL },
	{ "<", 0, 0, ADDR_BAD_ROUTE, NULL },
	{ ">", 0, 0, ADDR_BAD_ROUTE, NULL },
	{ "<<a@b>>", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "< a@b>", 0, 0, ADDR_BAD_LOCAL, NULL },

	/* Source routes. */
	{ "<@a.example:user@example.com>", 0, 0, ADDR_OK,
	    "user@example.com" },
	{ "<@a.example,@b.example:User@Example.com>", 0, 0, ADDR_OK,
	    "user@example.com" },
	{ "@a.example:user@example.com", 0, 0, ADDR_OK, "user@example.com" },
	{ "<@a.example:\"a b\"@example.com>", 0, 0, ADDR_OK,
	    "\"a b\"@example.com" },
	{ "<@:user@example.com>", 0, 0, ADDR_BAD_ROUTE, NULL },
	{ "<@a.example,:user@example.com>", 0, 0, ADDR_BAD_ROUTE, NULL },
	{ "<@a.example,b.example:user@example.com>", 0, 0, ADDR_BAD_ROUTE,
	    NULL },
	{ "<@a_b.example:user@example.com>", 0, 0, ADDR_BAD_ROUTE, NULL },
	{ "<@a.example:>", 0, 0, ADDR_BAD_ROUTE, NULL },

	/* Quoting: needed, not needed, escapes, unterminated. */
	{ "\"user\"@example.com", 0, 0, ADDR_OK, "user@example.com" },
	{ "\"First.Last\"@example.com", 0, 0, ADDR_OK,
	    "first.last@example.com" },
	{ "\"a b\"@example.com", 0, 0, ADDR_OK, "\"a b\"@example.com" },
	{ "\"A B\"@example.com", 0, ADDR_KEEP_CASE, ADDR_OK,
	    "\"A B\"@example.com" },
	{ "\"A B\"@example.com", 0, 0, ADDR_OK, "\"a b\"@example.com" },
	{ "\"a@b\"@example.com", 0, 0, ADDR_OK, "\"a@b\"@example.com" },
	{ "\"a..b\"@example.com", 0, 0, ADDR_OK, "\"a..b\"@example.com" },
	{ "\".a\"@example.com", 0, 0, ADDR_OK, "\".a\"@example.com" },
	{ "\"a.\"@example.com", 0, 0, ADDR_OK, "\"a.\"@example.com" },
	{ "\"a\\\"b\"@example.com", 0, 0, ADDR_OK,
	    "\"a\\\"b\"@example.com" },
	{ "\"a\\\\b\"@example.com", 0, 0, ADDR_OK,
	    "\"a\\\\b\"@example.com" },
	{ "\"\\a\\b\"@example.com", 0, 0, ADDR_OK, "ab@example.com" },
	{ "\"a\\ b\"@example.com", 0, 0, ADDR_OK, "\"a b\"@example.com" },
	{ "\"a(b)\"@example.com", 0, 0, ADDR_OK, "\"a(b)\"@example.com" },
	{ "\"\"@example.com", 0, 0, ADDR_LOCAL_EMPTY, NULL },
	{ "\"abc@example.com", 0, 0, ADDR_BAD_QUOTE, NULL },
	{ "\"abc\\\"@example.com", 0, 0, ADDR_BAD_QUOTE, NULL },
	{ "\"abc\\", 0, 0, ADDR_BAD_QUOTE, NULL },
	{ "\"a\"b@example.com", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "\"a\".b@example.com", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a\"b\"@example.com", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "\"a\"@\"b\"", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "\"a@b\"", 0, 0, ADDR_NO_AT, NULL },

	/* Trailing dot of the domain. */
	{ "user@example.com.", 0, 0, ADDR_OK, "user@example.com" },
	{ "user@example.com..", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@.", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@.example.com", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@example..com", 0, 0, ADDR_BAD_DOMAIN, NULL },

	/* Length limits at the boundary. */
	{ A64 "@b", 0, 0, ADDR_OK, A64 "@b" },
	{ A65 "@b", 0, 0, ADDR_LOCAL_LONG, NULL },
	/* Measured on the canonical form: needless quotes do not count. */
	{ "\"" A64 "\"@b", 0, 0, ADDR_OK, A64 "@b" },
	{ "\"" A65 "\"@b", 0, 0, ADDR_LOCAL_LONG, NULL },
	/* ...but needed quotes and backslashes do. */
	{ Q64 "@b", 0, 0, ADDR_OK, Q64 "@b" },
	{ Q65 "@b", 0, 0, ADDR_LOCAL_LONG, NULL },
	{ "\"" A61 " \"@b", 0, 0, ADDR_OK, "\"" A61 " \"@b" },
	{ "\"" A62 " \"@b", 0, 0, ADDR_LOCAL_LONG, NULL },
	{ "a@" B63 ".c", 0, 0, ADDR_OK, "a@" B63 ".c" },
	{ "a@" B64 ".c", 0, 0, ADDR_DOMAIN_LONG, NULL },
	{ "a@c." B64, 0, 0, ADDR_DOMAIN_LONG, NULL },
	/* A 255-octet domain never fits in a 256-octet path. */
	{ "a@" D255, 0, 0, ADDR_PATH_LONG, NULL },
	{ "<" A64 "@" D189 ">", 0, 0, ADDR_OK, A64 "@" D189 },
	{ "<" A64 "@" D190 ">", 0, 0, ADDR_PATH_LONG, NULL },
	/* Brackets are counted even when absent. */
	{ A64 "@" D189, 0, 0, ADDR_OK, A64 "@" D189 },
	{ A64 "@" D190, 0, 0, ADDR_PATH_LONG, NULL },
	/* Blanks around the path do not count. */
	{ "  <" A64 "@" D189 ">  ", 0, 0, ADDR_OK, A64 "@" D189 },
	/* A source route counts. */
	{ "<@x:" A61 "@" D189 ">", 0, 0, ADDR_OK, A61 "@" D189 },
	{ "<@xy:" A61 "@" D189 ">", 0, 0, ADDR_PATH_LONG, NULL },

	/* Control bytes, NUL, non-ASCII. */
	{ "us\ter@example.com", 0, 0, ADDR_CONTROL, NULL },
	{ "user@example.com\r\n", 0, 0, ADDR_CONTROL, NULL },
	{ "\"a\x01" "b\"@example.com", 0, 0, ADDR_CONTROL, NULL },
	{ "a\x7f@example.com", 0, 0, ADDR_CONTROL, NULL },
	{ "user\0@example.com", 17, 0, ADDR_CONTROL, NULL },
	{ "user@example.com\0", 17, 0, ADDR_CONTROL, NULL },
	/* len stops before the NUL: only "user@exa" is parsed. */
	{ "user@exa\0mple.com", 8, 0, ADDR_OK, "user@exa" },
	{ "j\xc3\xb6rg@example.com", 0, 0, ADDR_NON_ASCII, NULL },
	{ "user@b\xc3\xbc" "cher.example", 0, 0, ADDR_NON_ASCII, NULL },
	{ "\"\xc3\xb6\"@example.com", 0, 0, ADDR_NON_ASCII, NULL },
	{ "a\x80@b", 0, 0, ADDR_NON_ASCII, NULL },

	/* Junk. */
	{ "@", 0, 0, ADDR_LOCAL_EMPTY, NULL },
	{ "a@", 0, 0, ADDR_DOMAIN_EMPTY, NULL },
	{ "@b", 0, 0, ADDR_LOCAL_EMPTY, NULL },
	{ "a@@b", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a@b@c", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a b@c", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a.@b", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ ".a@b", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a..b@c", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a(b)@c", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a,b@c", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "a\\b@c", 0, 0, ADDR_BAD_LOCAL, NULL },
	{ "user", 0, 0, ADDR_NO_AT, NULL },
	{ "user@[1.2.3.4]", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@[IPv6:::1]", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@-example.com", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@example-.com", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@example.com-", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@exa_mple.com", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@exa mple.com", 0, 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@example.com ", 0, 0, ADDR_OK, "user@example.com" },
	{ "user@example.com:25", 0, 0, ADDR_BAD_DOMAIN, NULL },
};

struct split_case {
	const char	*in;		/* parsed with flags 0 unless KEEP */
	unsigned	 flags;
	const char	*delims;
	const char	*base;		/* expected canonical base */
};

static const struct split_case split_cases[] = {
	{ "user+tag@example.com", 0, "+", "user" },
	{ "user+tag@example.com", 0, "", "user+tag" },
	{ "user+tag@example.com", 0, NULL, "user+tag" },
	{ "user+tag@example.com", 0, "-", "user+tag" },
	{ "user-tag@example.com", 0, "-", "user" },
	{ "user-tag+x@example.com", 0, "+-", "user" },
	{ "user+tag-x@example.com", 0, "-+", "user" },
	{ "user+a+b@example.com", 0, "+", "user" },
	{ "user+@example.com", 0, "+", "user" },
	{ "+tag@example.com", 0, "+", "+tag" },
	{ "-tag@example.com", 0, "+-", "-tag" },
	{ "user@example.com", 0, "+", "user" },
	{ "first.last+x@example.com", 0, "+", "first.last" },
	{ "a.b@example.com", 0, ".", "a" },
	/* Reserved local parts: never split. */
	{ "postmaster@example.com", 0, "t", "postmaster" },
	{ "PostMaster@example.com", ADDR_KEEP_CASE, "s", "PostMaster" },
	{ "mailer-daemon@example.com", 0, "-", "mailer-daemon" },
	{ "MAILER-DAEMON@example.com", ADDR_KEEP_CASE, "-",
	    "MAILER-DAEMON" },
	{ "double-bounce@example.com", 0, "-", "double-bounce" },
	/* Only exact matches are reserved. */
	{ "postmaster+x@example.com", 0, "+", "postmaster" },
	{ "mailer-daemon+x@example.com", 0, "+", "mailer-daemon" },
	/* owner-* and *-request only when '-' is a delimiter. */
	{ "owner-list@example.com", 0, "-", "owner-list" },
	{ "Owner-List@example.com", ADDR_KEEP_CASE, "+-", "Owner-List" },
	{ "owner-list+x@example.com", 0, "+-", "owner-list+x" },
	{ "owner-list+x@example.com", 0, "+", "owner-list" },
	{ "list-request@example.com", 0, "-", "list-request" },
	{ "list-Request@example.com", ADDR_KEEP_CASE, "-", "list-Request" },
	{ "x+y-request@example.com", 0, "+", "x" },
	{ "x+y-request@example.com", 0, "+-", "x+y-request" },
	{ "owner-@example.com", 0, "-", "owner-" },
	/*
	 * "-request" alone is not *-request (split_addr() wants a byte
	 * before it), but its first byte is a delimiter, so it stays whole.
	 */
	{ "-request@example.com", 0, "-", "-request" },
	{ "a-request@example.com", 0, "-", "a-request" },
	{ "requests-x@example.com", 0, "-", "requests" },
	/* Quoted local parts are never split. */
	{ "\"a b+x\"@example.com", 0, "+", "\"a b+x\"" },
	{ "\"a+ b\"@example.com", 0, "+", "\"a+ b\"" },
	/* Unneeded quotes are gone before the split. */
	{ "\"user+x\"@example.com", 0, "+", "user" },
	/* The base would need quoting ("a."): not split. */
	{ "a.+x@example.com", 0, "+", "a.+x" },
};

struct domain_case {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 err;
	const char	*out;
};

static const struct domain_case domain_cases[] = {
	{ "example.com", 0, ADDR_OK, "example.com" },
	{ "Example.COM", 0, ADDR_OK, "example.com" },
	{ "example.com.", 0, ADDR_OK, "example.com" },
	{ "example.com..", 0, ADDR_BAD_DOMAIN, NULL },
	{ "localhost", 0, ADDR_OK, "localhost" },
	{ "xn--bcher-kva.example", 0, ADDR_OK, "xn--bcher-kva.example" },
	{ "", 0, ADDR_DOMAIN_EMPTY, NULL },
	{ ".", 0, ADDR_BAD_DOMAIN, NULL },
	{ ".example.com", 0, ADDR_BAD_DOMAIN, NULL },
	{ "a..b", 0, ADDR_BAD_DOMAIN, NULL },
	{ "-a.b", 0, ADDR_BAD_DOMAIN, NULL },
	{ "a-.b", 0, ADDR_BAD_DOMAIN, NULL },
	{ "a.b-", 0, ADDR_BAD_DOMAIN, NULL },
	{ "[192.0.2.1]", 0, ADDR_BAD_DOMAIN, NULL },
	{ "user@example.com", 0, ADDR_BAD_DOMAIN, NULL },
	{ " example.com", 0, ADDR_BAD_DOMAIN, NULL },
	{ "exa_mple.com", 0, ADDR_BAD_DOMAIN, NULL },
	{ "example.com\n", 0, ADDR_CONTROL, NULL },
	{ "exa\0mple.com", 12, ADDR_CONTROL, NULL },
	{ "b\xc3\xbc" "cher.example", 0, ADDR_NON_ASCII, NULL },
	{ B63 ".c", 0, ADDR_OK, B63 ".c" },
	{ B64 ".c", 0, ADDR_DOMAIN_LONG, NULL },
	{ D255, 0, ADDR_OK, D255 },
	{ D255 ".", 0, ADDR_OK, D255 },
	{ D256, 0, ADDR_DOMAIN_LONG, NULL },
	{ D256 ".", 0, ADDR_DOMAIN_LONG, NULL },
};

#define NELEM(t)	(sizeof(t) / sizeof((t)[0]))

static size_t
case_len(const char *s, size_t len)
{
	return len != 0 ? len : strlen(s);
}

static void
test_parse_table(void **state)
{
	const struct parse_case *c;
	struct addr a;
	char	 buf[ADDR_BUF];
	size_t	 i, n;
	int	 err, failed = 0;

	(void)state;
	for (i = 0; i < NELEM(parse_cases); i++) {
		c = &parse_cases[i];
		memset(&a, 0x55, sizeof(a));
		err = addr_parse(c->in, case_len(c->in, c->len), c->flags, &a);
		if (err != c->err) {
			print_error("parse case %zu \"%s\": got %d (%s), "
			    "want %d (%s)\n", i, c->in, err,
			    addr_strerror(err), c->err,
			    addr_strerror(c->err));
			failed++;
			continue;
		}
		if (err != ADDR_OK)
			continue;
		n = addr_format(&a, buf, sizeof(buf));
		if (n == (size_t)-1 || strcmp(buf, c->out) != 0 ||
		    n != strlen(c->out) || a.local_len != strlen(a.local) ||
		    a.domain_len != strlen(a.domain)) {
			print_error("parse case %zu \"%s\": got \"%s\", "
			    "want \"%s\"\n", i, c->in, buf, c->out);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void
test_parse_count(void **state)
{
	(void)state;
	/* The brief asks for at least 80 address cases. */
	assert_true(NELEM(parse_cases) >= 80);
}

static void
test_parse_null(void **state)
{
	struct addr a;

	(void)state;
	assert_int_equal(addr_parse(NULL, 0, 0, &a), ADDR_EMPTY);
}

static void
test_split_table(void **state)
{
	const struct split_case *c;
	struct addr a;
	size_t	 i, n, want;
	int	 err, failed = 0;

	(void)state;
	for (i = 0; i < NELEM(split_cases); i++) {
		c = &split_cases[i];
		err = addr_parse(c->in, strlen(c->in), c->flags, &a);
		if (err != ADDR_OK) {
			print_error("split case %zu \"%s\": parse: %s\n", i,
			    c->in, addr_strerror(err));
			failed++;
			continue;
		}
		n = addr_subaddr_base(&a, c->delims);
		want = strlen(c->base);
		if (n > a.local_len || n != want ||
		    memcmp(a.local, c->base, want) != 0) {
			print_error("split case %zu \"%s\" delims \"%s\": "
			    "got \"%.*s\", want \"%s\"\n", i, c->in,
			    c->delims != NULL ? c->delims : "(null)",
			    (int)(n > a.local_len ? a.local_len : n), a.local,
			    c->base);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void
test_domain_table(void **state)
{
	const struct domain_case *c;
	char	 out[ADDR_DOMAIN_MAX + 1];
	size_t	 i;
	int	 err, failed = 0;

	(void)state;
	for (i = 0; i < NELEM(domain_cases); i++) {
		c = &domain_cases[i];
		memset(out, 'X', sizeof(out));
		err = addr_domain(c->in, case_len(c->in, c->len), out);
		if (err != c->err) {
			print_error("domain case %zu \"%s\": got %d (%s), "
			    "want %d (%s)\n", i, c->in, err,
			    addr_strerror(err), c->err,
			    addr_strerror(c->err));
			failed++;
			continue;
		}
		if (err != ADDR_OK)
			continue;
		if (memchr(out, '\0', sizeof(out)) == NULL ||
		    strcmp(out, c->out) != 0) {
			print_error("domain case %zu \"%s\": got \"%.*s\", "
			    "want \"%s\"\n", i, c->in, (int)sizeof(out), out,
			    c->out);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void
test_format(void **state)
{
	struct addr a;
	char	 buf[ADDR_BUF];
	const char *want = "\"a b\"@example.com";
	size_t	 len = strlen(want);

	(void)state;
	assert_int_equal(addr_parse(want, len, 0, &a), ADDR_OK);

	/* Exactly big enough: len bytes and the NUL. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(addr_format(&a, buf, len + 1), len);
	assert_string_equal(buf, want);

	/* One byte short: refused, and no unterminated text left. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(addr_format(&a, buf, len), (size_t)-1);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	/* Nothing at all may be written into a zero-sized buffer. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(addr_format(&a, buf, 0), (size_t)-1);
	assert_int_equal(buf[0], 'X');
}

static void
test_format_max(void **state)
{
	struct addr a;
	char	 buf[ADDR_BUF];
	size_t	 i;

	(void)state;
	/* The biggest struct addr must fit ADDR_BUF. */
	memset(&a, 0, sizeof(a));
	a.local_len = sizeof(a.local) - 1;
	a.domain_len = sizeof(a.domain) - 1;
	for (i = 0; i < a.local_len; i++)
		a.local[i] = 'l';
	for (i = 0; i < a.domain_len; i++)
		a.domain[i] = 'd';
	assert_int_equal(addr_format(&a, buf, sizeof(buf)),
	    a.local_len + 1 + a.domain_len);
	assert_int_equal(strlen(buf), a.local_len + 1 + a.domain_len);
}

static void
test_strerror(void **state)
{
	const char *s;
	int	 i;

	(void)state;
	for (i = 0; i < ADDR_NERRORS; i++) {
		s = addr_strerror(i);
		assert_non_null(s);
		assert_true(s[0] != '\0');
		/* Messages follow "invalid address: ", in lowercase. */
		assert_false(s[0] >= 'A' && s[0] <= 'Z');
	}
	assert_string_equal(addr_strerror(ADDR_LOCAL_LONG),
	    "local part longer than 64 octets");
	assert_non_null(addr_strerror(-1));
	assert_true(addr_strerror(-1)[0] != '\0');
	assert_non_null(addr_strerror(ADDR_NERRORS));
	assert_true(addr_strerror(ADDR_NERRORS)[0] != '\0');
}

/* Postfix's lookup order, built once for every caller. */
static const struct {
	const char *in, *delims, *full, *base, *domain;
} key_cases[] = {
	{ "IRS+2025@Example.COM", "+", "irs+2025@example.com",
	    "irs@example.com", "@example.com" },
	{ "irs@example.com", "+", "irs@example.com", "", "@example.com" },
	{ "irs+2025@example.com", "", "irs+2025@example.com", "",
	    "@example.com" },
	{ "a-b+c@example.org", "-+", "a-b+c@example.org", "a@example.org",
	    "@example.org" },
	{ "postmaster+x@example.org", "+", "postmaster+x@example.org",
	    "postmaster@example.org", "@example.org" },
	/* Quotes that are not needed go; a quoted local part never splits. */
	{ "\"a+b\"@example.org", "+", "a+b@example.org", "a@example.org",
	    "@example.org" },
	{ "\"a b+c\"@example.org", "+", "\"a b+c\"@example.org", "",
	    "@example.org" },
};

static void
test_keys(void **state)
{
	struct addr a;
	struct addr_keys k;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		assert_int_equal(addr_parse(key_cases[i].in,
		    strlen(key_cases[i].in), 0, &a), ADDR_OK);
		addr_keys(&a, key_cases[i].delims, &k);
		assert_string_equal(k.full, key_cases[i].full);
		assert_string_equal(k.base, key_cases[i].base);
		assert_string_equal(k.domain, key_cases[i].domain);
		assert_int_equal(k.blen, key_cases[i].base[0] != '\0' ?
		    (size_t)(strchr(key_cases[i].base, '@') -
		    key_cases[i].base) : a.local_len);
	}
}

static void
test_always(void **state)
{
	(void)state;
	assert_int_equal(addr_always("postmaster", 10), 0);
	assert_int_equal(addr_always("abuse", 5), 1);
	assert_string_equal(addr_always_local[0], "postmaster");
	assert_string_equal(addr_always_rfc[1], "RFC 2142");
	/* A key's local part: the bytes before its '@'. */
	assert_int_equal(addr_always("abuse@example.com", 5), 1);
	assert_int_equal(addr_always("abuser", 6), -1);
	assert_int_equal(addr_always("abus", 4), -1);
	assert_int_equal(addr_always("hostmaster", 10), -1);
	assert_int_equal(addr_always("", 0), -1);
}

/* addr_sender(): the entries of a sender lock. */
static void
test_sender(void **state)
{
	static const struct {
		const char *in;
		int	 err;
		int	 domain;
		const char *out;
	} t[] = {
		{ "BestBuy.COM", ADDR_OK, 1, "bestbuy.com" },
		{ "bestbuy.com.", ADDR_OK, 1, "bestbuy.com" },
		{ "Alerts@Bank.Example.", ADDR_OK, 0, "alerts@bank.example" },
		{ "<alerts@bank.example>", ADDR_OK, 0, "alerts@bank.example" },
		{ "\"alerts\"@bank.example", ADDR_OK, 0,
		    "alerts@bank.example" },
		{ "\"a..b\"@bank.example", ADDR_OK, 0,
		    "\"a..b\"@bank.example" },
		{ "\"a b\"@bank.example", ADDR_BLANK, 0, NULL },
		{ "@bank.example", ADDR_LOCAL_EMPTY, 0, NULL },
		{ "bank..example", ADDR_BAD_DOMAIN, 1, NULL },
		{ "[192.0.2.1]", ADDR_BAD_DOMAIN, 1, NULL },
		{ "", ADDR_DOMAIN_EMPTY, 1, NULL },
		{ "b\xc3\xa4r.example", ADDR_NON_ASCII, 1, NULL },
	};
	char	 out[ADDR_BUF];
	size_t	 i, len;
	int	 err, domain;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = addr_sender(t[i].in, strlen(t[i].in), out, &len,
		    &domain);
		if (err != t[i].err || domain != t[i].domain ||
		    (err == ADDR_OK && (strcmp(out, t[i].out) != 0 ||
		    len != strlen(out)))) {
			print_error("\"%s\": got %d %d \"%s\"\n", t[i].in, err,
			    domain, err == ADDR_OK ? out : "");
			fail();
		}
	}
}

/* DKIM selectors: labels of letters, digits, '-', '_', lowercased. */
static void
test_selector_table(void **state)
{
	static const struct {
		const char *in;
		const char *want;	/* NULL: rejected */
	} cases[] = {
		{"mail", "mail"},
		{"S2026", "s2026"},
		{"s1._tls-x", "s1._tls-x"},
		{"a.b.c", "a.b.c"},
		{"", NULL},
		{".x", NULL},
		{"x.", NULL},
		{"a..b", NULL},
		{"two words", NULL},
		{"sel@x", NULL},
		{"\xc3\xa9", NULL},
		{"123456789012345678901234567890123456789012345678901234567890123",
		    "123456789012345678901234567890123456789012345678901234567890123"},
		{"1234567890123456789012345678901234567890123456789012345678901234",
		    NULL},
	};
	char	 out[ADDR_SELECTOR_MAX + 1];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = addr_selector(cases[i].in, strlen(cases[i].in), out);
		if (cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("'%s' accepted", cases[i].in);
		} else {
			if (rc != 0)
				fail_msg("'%s' rejected", cases[i].in);
			assert_string_equal(out, cases[i].want);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sender),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_count),
		cmocka_unit_test(test_parse_null),
		cmocka_unit_test(test_split_table),
		cmocka_unit_test(test_domain_table),
		cmocka_unit_test(test_selector_table),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_max),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_always),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
