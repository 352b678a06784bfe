/*
 * test_listen.c: the listening-socket grammar (listen.c).  One table of
 * good specifications with what they parse to and libmilter's form, one
 * of bad ones with the start of the message each must give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "listen.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_good(void **state)
{
	static const struct {
		const char *spec;
		enum listen_family family;
		const char *path_or_host;
		unsigned port;
		const char *milter;	/* smfi_setconn() form */
	} rows[] = {
		{ "unix:/run/a.sock", LISTEN_UNIX, "/run/a.sock", 0,
		    "unix:/run/a.sock" },
		{ "local:/run/a.sock", LISTEN_UNIX, "/run/a.sock", 0,
		    "unix:/run/a.sock" },
		{ "/run/a.sock", LISTEN_UNIX, "/run/a.sock", 0,
		    "unix:/run/a.sock" },
		{ "unix:rel.sock", LISTEN_UNIX, "rel.sock", 0,
		    "unix:rel.sock" },
		{ "inet:10025", LISTEN_INET, "127.0.0.1", 10025,
		    "inet:10025@127.0.0.1" },
		{ "inet:127.0.0.2:1", LISTEN_INET, "127.0.0.2", 1,
		    "inet:1@127.0.0.2" },
		{ "inet:localhost:65535", LISTEN_INET, "localhost", 65535,
		    "inet:65535@localhost" },
		{ "inet:[::1]:10025", LISTEN_INET6, "::1", 10025,
		    "inet6:10025@::1" },
		{ "inet:[fe80::1%lo]:7", LISTEN_INET6, "fe80::1%lo", 7,
		    "inet6:7@fe80::1%lo" },
		{ "inet:10025@127.0.0.1", LISTEN_INET, "127.0.0.1", 10025,
		    "inet:10025@127.0.0.1" },
		{ "inet:10025@mail.example.com", LISTEN_INET,
		    "mail.example.com", 10025,
		    "inet:10025@mail.example.com" },
		{ "inet:10025@::1", LISTEN_INET6, "::1", 10025,
		    "inet6:10025@::1" },
		{ "inet6:10025@::1", LISTEN_INET6, "::1", 10025,
		    "inet6:10025@::1" },
		{ "inet6:10025", LISTEN_INET6, "::1", 10025,
		    "inet6:10025@::1" },
		{ "inet6:[::1]:10025", LISTEN_INET6, "::1", 10025,
		    "inet6:10025@::1" },
		{ "inet:00080", LISTEN_INET, "127.0.0.1", 80,
		    "inet:80@127.0.0.1" },
	};
	struct listen_spec ls;
	struct errbuf e;
	char	 conn[512];
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		e.msg[0] = '\0';
		if (listen_parse(rows[i].spec, &ls, &e) != 0)
			fail_msg("%s: %s", rows[i].spec, e.msg);
		if (ls.family != rows[i].family)
			fail_msg("%s: family %d, want %d", rows[i].spec,
			    (int)ls.family, (int)rows[i].family);
		assert_string_equal(ls.family == LISTEN_UNIX ? ls.path :
		    ls.host, rows[i].path_or_host);
		assert_int_equal(ls.port, rows[i].port);
		assert_int_equal(listen_milter_conn(&ls, conn, sizeof(conn)),
		    0);
		assert_string_equal(conn, rows[i].milter);
	}
	/* Too small a buffer for libmilter's form. */
	assert_int_equal(listen_parse("inet:10025", &ls, &e), 0);
	assert_int_equal(listen_milter_conn(&ls, conn, 10), -1);
}

static void
test_bad(void **state)
{
	static const struct {
		const char *spec;
		const char *msg;	/* the message starts with it */
	} rows[] = {
		{ "", "empty socket; the forms are unix:/path" },
		{ "tcp:10025", "tcp:10025: unknown socket form; the forms are "
		    LISTEN_FORMS },
		{ "10025", "10025: unknown socket form" },
		{ "unix:", "unix:: no path" },
		{ "local:", "local:: no path" },
		{ "unix:/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		    "unix:/xxxx" },
		{ "inet:", "inet:: bad port '': a number from 1 to 65535" },
		{ "inet:0", "inet:0: bad port '0'" },
		{ "inet:65536", "inet:65536: bad port '65536'" },
		{ "inet:100000", "inet:100000: bad port '100000'" },
		{ "inet:smtp", "inet:smtp: bad port 'smtp'" },
		{ "inet:-1", "inet:-1: bad port '-1'" },
		{ "inet:127.0.0.1:", "inet:127.0.0.1:: bad port ''" },
		{ "inet::10025", "inet::10025: no host before ':'" },
		{ "inet:::1:10025", "inet:::1:10025: an IPv6 address needs "
		    "brackets: inet:[ADDRESS]:PORT" },
		{ "inet6:::1:10025", "inet6:::1:10025: an IPv6 address needs "
		    "brackets: inet6:[ADDRESS]:PORT" },
		{ "inet:[::1]10025", "inet:[::1]10025: expected ':PORT' "
		    "after ']'" },
		{ "inet:[::1:10025", "inet:[::1:10025: no ']' after" },
		{ "inet:[]:10025", "inet:[]:10025: not an IPv6 address" },
		{ "inet:[127.0.0.1]:10025", "inet:[127.0.0.1]:10025: "
		    "'127.0.0.1' is not an IPv6 address" },
		{ "inet:[nope]:1", "inet:[nope]:1: 'nope' is not an IPv6" },
		{ "inet:[::1%]:1", "inet:[::1%]:1: bad zone ''" },
		{ "inet:[::1%a b]:1", "inet:[::1%a b]:1: bad zone 'a b'" },
		{ "inet:10025@", "inet:10025@: no host after '@'" },
		{ "inet:@127.0.0.1", "inet:@127.0.0.1: bad port ''" },
		{ "inet:10025@bad host", "inet:10025@bad host: bad host "
		    "'bad host'" },
		{ "inet:bad/host:1", "inet:bad/host:1: bad host 'bad/host'" },
		{ "inet6:x@::1", "inet6:x@::1: bad port 'x'" },
	};
	struct listen_spec ls;
	struct errbuf e;
	size_t	 i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++) {
		e.msg[0] = '\0';
		if (listen_parse(rows[i].spec, &ls, &e) != -1)
			fail_msg("%s: accepted", rows[i].spec);
		if (strncmp(e.msg, rows[i].msg, strlen(rows[i].msg)) != 0)
			fail_msg("%s: message '%s', want '%s...'",
			    rows[i].spec, e.msg, rows[i].msg);
	}
}

/* Spellings of one socket are the same socket; others are not. */
static void
test_same(void **state)
{
	static const char *const groups[][4] = {
		{ "inet:10025", "inet:127.0.0.1:10025",
		    "inet:10025@127.0.0.1", NULL },
		{ "inet:[::1]:10025", "inet6:10025@::1", "inet6:10025",
		    "inet:10025@::1" },
		{ "unix:/s", "local:/s", "/s", NULL },
		{ "inet:10026", NULL, NULL, NULL },
		{ "unix:/t", NULL, NULL, NULL },
	};
	struct listen_spec a, b;
	struct errbuf e;
	size_t	 g, h, i, j;

	(void)state;
	for (g = 0; g < NELEM(groups); g++)
		for (i = 0; i < 4 && groups[g][i] != NULL; i++)
			for (h = 0; h < NELEM(groups); h++)
				for (j = 0; j < 4 && groups[h][j] != NULL;
				    j++) {
					assert_int_equal(listen_parse(
					    groups[g][i], &a, &e), 0);
					assert_int_equal(listen_parse(
					    groups[h][j], &b, &e), 0);
					assert_int_equal(listen_same(&a, &b),
					    g == h);
				}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
