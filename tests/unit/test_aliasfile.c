/*
 * test_aliasfile.c: tests for aliasfile.c, the YAML alias file loader.
 *
 * Each case writes a YAML string to a file in a private temp directory
 * and loads it.  Error cases compare every diagnostic exactly, as
 * "FILE:LINE:COLUMN: message" with the temp path in front.  The table
 * tests check every row and print each failing one before failing, so
 * one run shows every broken case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "aliasfile.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MSGS_MAX 16

/* Two domains, the second with a list of targets; no subaddress. */
#define HDR                                                                    \
	"domains:\n"                                                           \
	"  example.com:\n"                                                     \
	"    deliver_to: me@example.net\n"                                     \
	"  example.org: {deliver_to: [Me@Example.NET, you@x.org]}\n"           \
	"aliases:\n"
#define HDR_LINES 5 /* aliases start on line 6 */
/* One domain, three lines. */
#define HDR_DOMAINS_ONLY                                                       \
	"domains:\n"                                                           \
	"  example.com:\n"                                                     \
	"    deliver_to: me@example.net\n"

static char tmpdir[64];
static char path[128]; /* tmpdir/t.yaml, the file every case loads */

static int setup(void **);
static int teardown(void **);
static void write_file(const char *, const char *, size_t);
static int load(const char *, struct aliasfile **, struct af_diag *);
static int load_len(
    const char *, size_t, struct aliasfile **, struct af_diag *);
static int check_msgs(
    const char *, const struct af_diag *, const char *const *);
static double now(void);
static int32_t day(const char *);
static int str_eq(const char *, const char *);
struct ok_case;
static int check_ok_case(const struct ok_case *);
static int cmp_idx(const void *, const void *);
static size_t check_sorted(const struct aliasfile *);

/* ---- helpers ---- */

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_aliasfile.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/t.yaml", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char p[192];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s/dir.yaml", tmpdir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/secret.yaml", tmpdir);
	unlink(p);
	return rmdir(tmpdir);
}

static void
write_file(const char *p, const char *s, size_t len)
{
	FILE *f;

	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int
load(const char *yaml, struct aliasfile **afp, struct af_diag *d)
{
	return load_len(yaml, strlen(yaml), afp, d);
}

static int
load_len(
    const char *yaml, size_t len, struct aliasfile **afp, struct af_diag *d)
{
	write_file(path, yaml, len);
	af_diag_init(d);
	return af_load(path, afp, d);
}

/*
 * Compares the diagnostics with want (NULL-terminated), each written
 * without the path: ":3:5: message".  Prints every difference; returns
 * the number of them.
 */
static int
check_msgs(const char *name, const struct af_diag *d, const char *const *want)
{
	size_t i, n, plen = strlen(path);
	int bad = 0;

	for (n = 0; want[n] != NULL; n++)
		;
	for (i = 0; i < d->nmsgs || i < n; i++) {
		if (i < d->nmsgs && i < n &&
		    strncmp(d->msgs[i], path, plen) == 0 &&
		    strcmp(d->msgs[i] + plen, want[i]) == 0)
			continue;
		print_error("%s: message %zu:\n  got  %s\n  want %s%s\n", name,
		    i, i < d->nmsgs ? d->msgs[i] : "(none)",
		    i < n ? "FILE" : "", i < n ? want[i] : "(none)");
		bad++;
	}
	return bad;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int32_t
day(const char *s)
{
	int32_t d;

	if (s == NULL)
		return DATE_NONE;
	assert_int_equal(date_parse(s, strlen(s), &d), 0);
	return d;
}

/* ---- accepted shapes ---- */

struct ok_case {
	const char *name;
	const char *yaml;
	const char *key;    /* an alias to look up, normalised */
	const char *to;     /* its own targets, or NULL */
	const char *target; /* af_alias_target() */
	const char *note;
	const char *reason;
	const char *created;
	const char *revoked;
	const char *expires;
	unsigned flags;
	size_t nwarnings;
};

static const struct ok_case ok_cases[] = {
    {"null value", HDR "  irs@example.com:\n", "irs@example.com", NULL,
	"me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"empty mapping", HDR "  irs@example.com: {}\n", "irs@example.com", NULL,
	"me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"tilde value", HDR "  irs@example.com: ~\n", "irs@example.com", NULL,
	"me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"domain list target", HDR "  irs@example.org:\n", "irs@example.org", NULL,
	"Me@example.net, you@x.org", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"to string", HDR "  a@example.com: {to: Other@X.ORG}\n", "a@example.com",
	"Other@x.org", "Other@x.org", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"to block list",
	HDR "  a@example.com:\n    to:\n"
	    "      - b@x.org\n      - <C@Y.org>\n      - '\"d.e\"@x.org'\n",
	"a@example.com", "b@x.org, C@y.org, d.e@x.org",
	"b@x.org, C@y.org, d.e@x.org", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"to flow list", HDR "  a@example.com: {to: [b@x.org, c@x.org]}\n",
	"a@example.com", "b@x.org, c@x.org", "b@x.org, c@x.org", NULL, NULL,
	NULL, NULL, NULL, 0, 0},
    {"flow style file",
	"{domains: {example.com: {deliver_to: "
	"me@example.net}}, aliases: {a@example.com: {}, "
	"b@example.com: {note: hi}}}",
	"b@example.com", NULL, "me@example.net", "hi", NULL, NULL, NULL, NULL,
	0, 0},
    {"single-quoted key", HDR "  'IRS@Example.COM': {}\n", "irs@example.com",
	NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"double-quoted key", HDR "  \"irs@example.com\": {}\n", "irs@example.com",
	NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"needless quotes in local part", HDR "  '\"X.Y\"@example.com':\n",
	"x.y@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	0, 0},
    {"needed quotes kept", HDR "  '\"A B\"@example.com':\n",
	"\"a b\"@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL,
	NULL, 0, 0},
    {"case folding and trailing dot", HDR "  IRS@EXAMPLE.Com.:\n",
	"irs@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	0, 0},
    {"angle brackets", HDR "  <irs@example.com>:\n", "irs@example.com", NULL,
	"me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"all settings",
	HDR "  a@example.com:\n    note: given to x\n"
	    "    created: 2026-01-12\n    revoked: 2026-11-01\n"
	    "    reason: leaked\n    expires: 2027-06-30\n    to: b@x.org\n",
	"a@example.com", "b@x.org", "b@x.org", "given to x", "leaked",
	"2026-01-12", "2026-11-01", "2027-06-30", AF_REVOKED, 0},
    {"quoted date", HDR "  a@example.com: {created: \"2024-02-29\"}\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, "2024-02-29", NULL,
	NULL, 0, 0},
    {"receive_only true", HDR "  a@example.com: {receive_only: true}\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	AF_RECEIVE_ONLY, 0},
    {"receive_only True", HDR "  a@example.com: {receive_only: True}\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	AF_RECEIVE_ONLY, 0},
    {"receive_only TRUE", HDR "  a@example.com: {receive_only: TRUE}\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	AF_RECEIVE_ONLY, 0},
    {"receive_only false",
	HDR "  a@example.com: {receive_only: false, expires: 2030-01-01}\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL,
	"2030-01-01", 0, 0},
    {"receive_only FALSE", HDR "  a@example.com: {receive_only: FALSE}\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	0, 0},
    {"postmaster with to",
	HDR "  Postmaster@example.com: {to: boss@x.org, note: n}\n",
	"postmaster@example.com", "boss@x.org", "boss@x.org", "n", NULL, NULL,
	NULL, NULL, 0, 0},
    {"abuse listed", HDR "  abuse@example.org:\n", "abuse@example.org", NULL,
	"Me@example.net, you@x.org", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"empty note is no note", HDR "  a@example.com: {note: ''}\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	0, 0},
    {"block note loses its final newline",
	HDR "  a@example.com:\n    note: |\n      one line\n", "a@example.com",
	NULL, "me@example.net", "one line", NULL, NULL, NULL, NULL, 0, 0},
    {"note flattened with a warning",
	HDR "  a@example.com:\n"
	    "    note: |\n      line one   \n      \tline two\n",
	"a@example.com", NULL, "me@example.net", "line one line two", NULL,
	NULL, NULL, NULL, 0, 1},
    {"reason with a tab",
	HDR "  a@example.com: {revoked: 2026-01-01, reason: \"a\\tb\"}\n",
	"a@example.com", NULL, "me@example.net", NULL, "a b", NULL,
	"2026-01-01", NULL, AF_REVOKED, 1},
    {"UTF-8 note",
	HDR "  a@example.com: {note: \"caf\xc3\xa9 \xe2\x82\xac\"}\n",
	"a@example.com", NULL, "me@example.net", "caf\xc3\xa9 \xe2\x82\xac",
	NULL, NULL, NULL, NULL, 0, 0},
    {"aliases before domains",
	"aliases:\n  a@example.com:\n"
	"domains:\n  Example.COM.: {deliver_to: x@y.org}\n",
	"a@example.com", NULL, "x@y.org", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"directive, explicit document",
	"%YAML 1.1\n---\n" HDR "  a@example.com:\n...\n", "a@example.com", NULL,
	"me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
    {"comments and CRLF",
	"# alias file\r\n" HDR
	"  # a comment\r\n  a@example.com: {} # trailing\r\n",
	"a@example.com", NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL,
	0, 0},
    {"UTF-8 BOM", "\xef\xbb\xbf" HDR "  a@example.com:\n", "a@example.com",
	NULL, "me@example.net", NULL, NULL, NULL, NULL, NULL, 0, 0},
};

/* Returns 1 when a and b are both NULL or equal strings. */
static int
str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Checks one accepted case; returns 0, or 1 after printing why not. */
static int
check_ok_case(const struct ok_case *c)
{
	const struct af_alias *a;
	struct aliasfile *af;
	struct af_diag d;
	int bad = 1;

	if (load(c->yaml, &af, &d) != 0 || d.nerrors != 0 ||
	    d.nwarnings != c->nwarnings) {
		print_error("%s: rc %s, %zu errors, %zu warnings%s%s\n",
		    c->name, af == NULL ? "-1" : "0", d.nerrors, d.nwarnings,
		    d.nmsgs ? ": " : "", d.nmsgs ? d.msgs[0] : "");
		goto fail;
	}
	if ((a = af_find_alias(af, c->key)) == NULL) {
		print_error("%s: %s not found\n", c->name, c->key);
		goto fail;
	}
	if (!str_eq(a->to, c->to) ||
	    !str_eq(af_alias_target(af, a), c->target) ||
	    !str_eq(a->note, c->note) || !str_eq(a->reason, c->reason) ||
	    a->created != day(c->created) || a->revoked != day(c->revoked) ||
	    a->expires != day(c->expires) || a->flags != c->flags) {
		print_error("%s: to \"%s\" target \"%s\" note \"%s\" "
			    "reason \"%s\" created %d revoked %d expires %d "
			    "flags %u\n",
		    c->name, a->to ? a->to : "(null)", af_alias_target(af, a),
		    a->note ? a->note : "(null)",
		    a->reason ? a->reason : "(null)", a->created, a->revoked,
		    a->expires, a->flags);
		goto fail;
	}
	bad = 0;
fail:
	af_free(af);
	af_diag_free(&d);
	return bad;
}

static void
test_ok_table(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < NELEM(ok_cases); i++)
		bad += check_ok_case(&ok_cases[i]);
	assert_int_equal(bad, 0);
}

/* The file-level fields, domains, and the lookup functions. */
static void
test_file_fields(void **state)
{
	static const char yaml[] =
	    "# full-featured\nmap: /var/lib/aliasctl/aliases\n"
	    "domains:\n  Example.COM.:\n"
	    "    deliver_to: me@example.net\n    subaddress: \"+-\"\n"
	    "    dkim_selectors: [Mail, s2026._tls]\n"
	    "  example.org:\n    deliver_to: [a@x.org, B@X.org]\n"
	    "    subaddress: \"-+\"\naliases:\n"
	    "  zz@example.org:\n  irs@example.com: {note: accountant}\n"
	    "  family@example.com: {to: [me@example.net, spouse@x.org]}\n";
	struct aliasfile *af;
	struct af_diag d;
	const struct af_alias *a;

	(void)state;
	assert_int_equal(load(yaml, &af, &d), 0);
	assert_int_equal(d.nmsgs, 0);
	assert_int_equal(d.status, 0);
	assert_string_equal(af->path, path);
	assert_string_equal(af->map, "/var/lib/aliasctl/aliases");
	assert_int_equal(af->ndomains, 2);
	assert_string_equal(af->domains[0].name, "example.com");
	assert_string_equal(af->domains[0].deliver_to, "me@example.net");
	assert_string_equal(af->domains[0].subaddress, "+-");
	assert_string_equal(af->domains[0].dkim_selectors, "mail s2026._tls");
	assert_null(af->domains[1].dkim_selectors);
	assert_int_equal(af->domains[0].line, 4);
	assert_int_equal(af->domains[0].col, 3);
	assert_string_equal(af->domains[1].deliver_to, "a@x.org, B@x.org");
	assert_string_equal(af->domains[1].subaddress, "-+");

	assert_int_equal(af_find_domain(af, "example.com"), 0);
	assert_int_equal(af_find_domain(af, "example.org"), 1);
	assert_int_equal(af_find_domain(af, "Example.com"), -1);
	assert_int_equal(af_find_domain(af, "example.net"), -1);

	assert_int_equal(af->naliases, 3);
	/* File order in aliases, key order in sorted. */
	assert_string_equal(af->aliases[0].key, "zz@example.org");
	assert_string_equal(
	    af->aliases[af->sorted[0]].key, "family@example.com");
	assert_string_equal(af->aliases[af->sorted[1]].key, "irs@example.com");
	assert_string_equal(af->aliases[af->sorted[2]].key, "zz@example.org");

	a = af_find_alias(af, "irs@example.com");
	assert_non_null(a);
	assert_int_equal(a->line, 13);
	assert_int_equal(a->col, 3);
	assert_int_equal(a->domain, 0);
	assert_null(a->to);
	assert_string_equal(af_alias_target(af, a), "me@example.net");
	a = af_find_alias(af, "zz@example.org");
	assert_non_null(a);
	assert_int_equal(a->domain, 1);
	assert_string_equal(af_alias_target(af, a), "a@x.org, B@x.org");
	a = af_find_alias(af, "family@example.com");
	assert_non_null(a);
	assert_string_equal(
	    af_alias_target(af, a), "me@example.net, spouse@x.org");
	assert_null(af_find_alias(af, "IRS@example.com"));
	assert_null(af_find_alias(af, "irs@example.org"));
	assert_null(af_find_alias(af, ""));
	assert_null(af_find_alias(af, "zzz@example.org"));
	af_free(af);
	af_diag_free(&d);

	/* No aliases at all: null, or an empty mapping. */
	assert_int_equal(load("domains: {a.org: {deliver_to: x@y.org}}\n"
			      "aliases:\n",
			     &af, &d),
	    0);
	assert_int_equal(af->naliases, 0);
	assert_null(af->map);
	assert_null(af_find_alias(af, "x@a.org"));
	af_free(af);
	af_diag_free(&d);
	assert_int_equal(load("domains: {a.org: {deliver_to: x@y.org}}\n"
			      "aliases: {}\nmap: ''\n",
			     &af, &d),
	    0);
	assert_int_equal(af->naliases, 0);
	assert_null(af->map);
	af_free(af);
	af_diag_free(&d);

	af_free(NULL);
	af_diag_free(NULL);
}

/* ---- errors ---- */

struct err_case {
	const char *name;
	const char *yaml;
	const char *msgs[MSGS_MAX]; /* without the path */
};

static const struct err_case err_cases[] = {
    /* The top level. */
    {"empty file", "",
	{":1:1: empty alias file: expected a mapping "
	 "with domains: and aliases:"}},
    {"only comments", "# nothing\n\n  # here\n",
	{":1:1: empty alias "
	 "file: expected a mapping with domains: and aliases:"}},
    {"only a document marker", "---\n",
	{":1:1: empty alias file: "
	 "expected a mapping with domains: and aliases:"}},
    {"top-level sequence", "- a\n- b\n",
	{":1:1: expected a mapping at the top level, found a sequence"}},
    {"top-level scalar", "hello\n",
	{":1:1: expected a mapping at the top level, found a scalar"}},
    {"unknown top key", "alieses: {}\n" HDR,
	{":1:1: unknown key 'alieses'; did you mean \"aliases\"?"}},
    {"missing domains", "# x\naliases:\n  a@example.com:\n",
	{":2:1: missing key 'domains'"}},
    {"null domains", "domains:\naliases:\n",
	{":1:1: domains: needs at least one domain"}},
    {"empty domains", "aliases: {}\ndomains: {}\n",
	{":2:1: domains: needs at least one domain"}},
    {"domains as a list", "domains: [example.com]\n",
	{":1:10: expected a mapping for domains, found a sequence"}},
    {"aliases as a list", HDR_DOMAINS_ONLY "aliases: [a@example.com]\n",
	{":4:10: expected a mapping for aliases, found a sequence"}},
    {"duplicate top key",
	"domains: {a.org: {deliver_to: x@y.org}}\n"
	"domains: {b.org: {deliver_to: x@y.org}}\n",
	{":2:1: duplicate key 'domains' (first at line 1)"}},
    {"map not a scalar", "map: [a]\n" HDR,
	{":1:6: expected a path for map, found a sequence"}},
    {"map with a control character", "map: \"a\\nb\"\n" HDR,
	{":1:6: map contains a control character"}},
    {"key not a scalar", HDR "  ? [a, b]\n  : x\n",
	{":6:5: expected a scalar key, found a sequence"}},

    /* Domains. */
    {"invalid domain", "domains:\n  exa mple.com: {deliver_to: x@y.org}\n",
	{":2:3: invalid domain 'exa mple.com': domain is not a host name"}},
    {"duplicate domain after folding",
	"domains:\n  example.com: {deliver_to: x@y.org}\n"
	"  EXAMPLE.com.: {deliver_to: x@y.org}\n",
	{":3:3: duplicate domain example.com (first at line 2)"}},
    {"missing deliver_to", "domains:\n  example.com: {}\n  example.org:\n",
	{":2:3: missing deliver_to for domain example.com",
	    ":3:3: missing deliver_to for domain example.org"}},
    {"domain settings not a mapping", "domains:\n  example.com: [a]\n",
	{":2:16: expected a mapping for domain settings, found a sequence"}},
    {"unknown domain key",
	"domains:\n  example.com:\n    deliver_to: x@y.org\n    colour: blue\n",
	{":4:5: unknown key 'colour'"}},
    {"empty deliver_to",
	"domains:\n  a.org: {deliver_to: []}\n"
	"  b.org: {deliver_to: ~}\n  c.org: {deliver_to: {x: y}}\n",
	{":2:23: deliver_to needs at least one address",
	    ":3:11: deliver_to needs at least one address",
	    ":4:23: expected an address or a list of addresses for "
	    "deliver_to, found a mapping"}},
    {"bad deliver_to",
	"domains:\n  a.org:\n    deliver_to: [x@y.org, "
	"X@Y.ORG, me@, [n@y.org]]\n",
	{":3:27: duplicate address X@y.org in deliver_to",
	    ":3:36: invalid address 'me@' in deliver_to: empty domain",
	    ":3:41: expected an address for deliver_to, found a sequence"}},
    {"bad subaddress",
	"domains:\n  a.org: {deliver_to: x@y.org, subaddress: '+a'}\n"
	"  b.org: {deliver_to: x@y.org, subaddress: ''}\n"
	"  c.org: {deliver_to: x@y.org, subaddress: '++++++++++++++++'}\n"
	"  d.org: {deliver_to: x@y.org, subaddress: '@'}\n"
	"  e.org: {deliver_to: x@y.org, subaddress: '+ '}\n",
	{":2:44: bad subaddress '+a': expected 1 to 15 delimiter "
	 "characters (not letters, digits, '@', '\"' or blanks)",
	    ":3:44: bad subaddress '': expected 1 to 15 delimiter "
	    "characters (not letters, digits, '@', '\"' or blanks)",
	    ":4:44: bad subaddress '++++++++++++++++': expected 1 to 15 "
	    "delimiter characters (not letters, digits, '@', '\"' or blanks)",
	    ":5:44: bad subaddress '@': expected 1 to 15 delimiter "
	    "characters (not letters, digits, '@', '\"' or blanks)",
	    ":6:44: bad subaddress '+ ': expected 1 to 15 delimiter "
	    "characters (not letters, digits, '@', '\"' or blanks)"}},

    /* Alias keys. */
    {"invalid alias", HDR "  bad@:\n  no-at:\n  a@b@example.com:\n",
	{":6:3: invalid alias address 'bad@': empty domain",
	    ":7:3: invalid alias address 'no-at': no \"@\" outside a quoted "
	    "string",
	    ":8:3: invalid alias address 'a@b@example.com': local part is "
	    "neither a dot-atom nor a quoted string"}},
    {"alias outside the domains", HDR "  x@other.org:\n  y@sub.example.com:\n",
	{":6:3: alias outside the listed domains: x@other.org",
	    ":7:3: alias outside the listed domains: y@sub.example.com"}},
    {"duplicate after folding and quoting",
	HDR "  irs@example.com:\n"
	    "  IRS@Example.COM: {}\n  '\"irs\"@example.com': ~\n"
	    "  other@example.com:\n  <irs@example.com.>:\n",
	{":7:3: duplicate alias irs@example.com (first at line 6)",
	    ":8:3: duplicate alias irs@example.com (first at line 6)",
	    ":10:3: duplicate alias irs@example.com (first at line 6)"}},
    {"alias settings not a mapping",
	HDR "  a@example.com: [x]\n  b@example.com: foo\n",
	{":6:18: expected a mapping for alias settings, found a sequence",
	    ":7:18: expected a mapping for alias settings, found a scalar"}},

    /* Alias settings. */
    {"unknown alias key", HDR "  a@example.com: {nots: x}\n",
	{":6:19: unknown key 'nots'; did you mean \"note\"?"}},
    {"duplicate alias key", HDR "  a@example.com: {note: x, note: y}\n",
	{":6:28: duplicate key 'note' (first at line 6)"}},
    {"reason without revoked", HDR "  a@example.com:\n    reason: x\n",
	{":7:5: reason is only allowed together with revoked"}},
    {"receive_only not a boolean",
	HDR "  a@example.com: {receive_only: yes}\n"
	    "  b@example.com: {receive_only: no}\n"
	    "  c@example.com: {receive_only: on}\n"
	    "  d@example.com: {receive_only: 1}\n"
	    "  e@example.com: {receive_only: }\n",
	{":6:33: bad value for receive_only: 'yes' (expected true or false)",
	    ":7:33: bad value for receive_only: 'no' (expected true or false)",
	    ":8:33: bad value for receive_only: 'on' (expected true or false)",
	    ":9:33: bad value for receive_only: '1' (expected true or false)",
	    ":10:33: bad value for receive_only: '' (expected true or false)"}},
    {"bad dates",
	HDR "  a@example.com:\n    created: 2026-02-30\n"
	    "    expires: 2026-1-1\n    revoked: 2026-01-12T10:00:00Z\n"
	    "    reason: r\n  b@example.com: {created: ~}\n"
	    "  c@example.com: {expires: 1899-12-31}\n",
	{":7:14: bad date for created: '2026-02-30' (expected YYYY-MM-DD, "
	 "a real calendar day)",
	    ":8:14: bad date for expires: '2026-1-1' (expected YYYY-MM-DD, a "
	    "real calendar day)",
	    ":9:14: bad date for revoked: '2026-01-12T10:00:00Z' (expected "
	    "YYYY-MM-DD, a real calendar day)",
	    ":11:28: bad date for created: '~' (expected YYYY-MM-DD, a real "
	    "calendar day)",
	    ":12:28: bad date for expires: '1899-12-31' (expected "
	    "YYYY-MM-DD, a real calendar day)"}},
    {"postmaster and abuse",
	HDR "  postmaster@example.com:\n"
	    "    revoked: 2026-01-01\n    expires: 2027-01-01\n"
	    "    receive_only: false\n"
	    "  ABUSE@example.org: {receive_only: true}\n",
	{":7:5: postmaster@ is always accepted (RFC 5321 4.5.1) and "
	 "cannot be revoked, expire, be receive-only or locked",
	    ":8:5: postmaster@ is always accepted (RFC 5321 4.5.1) and "
	    "cannot be revoked, expire, be receive-only or locked",
	    ":9:5: postmaster@ is always accepted (RFC 5321 4.5.1) and "
	    "cannot be revoked, expire, be receive-only or locked",
	    ":10:23: abuse@ is always accepted (RFC 2142) and cannot be "
	    "revoked, expire, be receive-only or locked"}},
    {"bad to",
	HDR "  a@example.com: {to: me@}\n"
	    "  b@example.com: {to: [x@y.org, X@Y.org]}\n"
	    "  c@example.com: {to: []}\n  d@example.com: {to: ~}\n"
	    "  e@example.com: {to: [~]}\n",
	{":6:23: invalid address 'me@' in to: empty domain",
	    ":7:33: duplicate address X@y.org in to",
	    ":8:23: to needs at least one address",
	    ":9:19: to needs at least one address",
	    ":10:24: empty address in to"}},
    {"note not a string", HDR "  a@example.com: {note: {a: b}}\n",
	{":6:25: expected a string for note, found a mapping"}},
    {"control characters in text",
	HDR "  a@example.com: {note: \"a\\x01b\"}\n"
	    "  b@example.com: {revoked: 2026-01-01, reason: \"a\\0b\"}\n",
	{":6:25: note contains a control character",
	    ":7:48: reason contains a control character"}},

    /* YAML features that are refused, and stop the walk. */
    {"anchor", "domains: &d\n  a.org: {deliver_to: x@y.org}\n",
	{":1:10: YAML anchors and aliases are not supported"}},
    {"alias",
	"domains:\n  a.org: {deliver_to: x@y.org}\naliases:\n  x@a.org: *foo\n",
	{":4:12: YAML anchors and aliases are not supported"}},
    {"anchor on a key", HDR "  &k a@example.com:\n",
	{":6:3: YAML anchors and aliases are not supported"}},
    {"errors before an anchor are kept",
	HDR "  bad@:\n  a@example.com: &x {}\n  c@x.org:\n",
	{":6:3: invalid alias address 'bad@': empty domain",
	    ":7:18: YAML anchors and aliases are not supported"}},
    {"standard tag", HDR "  a@example.com: {note: !!str x}\n",
	{":6:25: YAML tags are not supported"}},
    {"local tag", HDR "  a@example.com: !foo {}\n",
	{":6:18: YAML tags are not supported"}},
    {"tag directive", "%TAG !e! tag:example.com,2000:\n---\n" HDR,
	{":1:1: YAML tags are not supported"}},
    {"merge key", "domains:\n  a.org:\n    <<: {deliver_to: x@y.org}\n",
	{":3:5: YAML merge keys are not supported"}},
    {"second document", HDR "  a@example.com:\n---\n" HDR,
	{":7:1: only one YAML document is allowed"}},
    {"deep nesting",
	HDR "  a@example.com: {note: "
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "}\n",
	{":6:25: expected a string for note, found a sequence",
	    ":6:86: YAML nesting deeper than 64 levels"}},

    /* Syntax errors: libyaml stops. */
    {"mapping value in a plain scalar",
	HDR "  a@example.com:\n    note: a: b\n",
	{":7:12: mapping values are not allowed in this context"}},
    /* libyaml hands out the scalar before it finds the error. */
    {"mapping value after a key", HDR "  a@example.com: b: c\n",
	{":6:18: expected a mapping for alias settings, found a scalar",
	    ":6:19: mapping values are not allowed in this context"}},
    {"bad indentation",
	"domains:\n  a.org:\n    deliver_to: x@y.org\n   bad: x\n",
	{":4:4: did not find expected key (while parsing "
	 "a block mapping at line 2, column 3)"}},
    {"unterminated quote", HDR "  a@example.com: {note: \"x}\n",
	{":7:1: found unexpected end of stream (while scanning a quoted "
	 "scalar at line 6, column 25)"}},
    {"tab indentation", HDR "\ta@example.com:\n",
	{":6:1: found character that cannot start any token"}},

    /* Several errors in one file, reported in file order. */
    {"many errors",
	"map: [x]\ndomains:\n  example.com:\n    deliver_to: me@\n"
	"    subaddress: 'x'\naliases:\n"
	"  z@example.com: {reason: r}\n  y@other.org:\n"
	"  Z@example.com:\n  postmaster@example.com: {revoked: 2026-01-01}\n"
	"  w@example.com: {created: 2026-13-01, colour: red}\n",
	{":1:6: expected a path for map, found a sequence",
	    ":4:17: invalid address 'me@' in deliver_to: empty domain",
	    ":5:17: bad subaddress 'x': expected 1 to 15 delimiter characters "
	    "(not letters, digits, '@', '\"' or blanks)",
	    ":7:19: reason is only allowed together with revoked",
	    ":8:3: alias outside the listed domains: y@other.org",
	    ":9:3: duplicate alias z@example.com (first at line 7)",
	    ":10:28: postmaster@ is always accepted (RFC 5321 4.5.1) and "
	    "cannot be revoked, expire, be receive-only or locked",
	    ":11:28: bad date for created: '2026-13-01' (expected "
	    "YYYY-MM-DD, a real calendar day)",
	    ":11:40: unknown key 'colour'"}},
};

static void
test_err_table(void **state)
{
	const struct err_case *c;
	struct aliasfile *af;
	struct af_diag d;
	size_t i, n;
	int bad = 0, rc;

	(void)state;
	for (i = 0; i < NELEM(err_cases); i++) {
		c = &err_cases[i];
		rc = load(c->yaml, &af, &d);
		for (n = 0; c->msgs[n] != NULL; n++)
			;
		if (rc != -1 || af != NULL || d.status != EX_DATAERR ||
		    d.nerrors != n || d.nwarnings != 0) {
			print_error("%s: rc %d, status %d, %zu errors, %zu "
				    "warnings\n",
			    c->name, rc, d.status, d.nerrors, d.nwarnings);
			bad++;
		}
		bad += check_msgs(c->name, &d, c->msgs);
		af_free(af);
		af_diag_free(&d);
	}
	assert_int_equal(bad, 0);
}

/* Bytes that libyaml refuses: positions are computed from an offset. */
static void
test_bad_bytes(void **state)
{
	static const struct {
		const char *name;
		const char *yaml;
		size_t len;
		const char *msg;
	} cases[] = {
	    {"0xff in a note", HDR "  a@example.com: {note: ab\xff}\n", 0,
		":6:27: invalid UTF-8 (byte 0xff)"},
	    {"bad trailing byte", "domains:\n  \xc3\xa9\xe2\x82x: 1\n", 0,
		":2:4: invalid UTF-8 (byte 0xe2)"},
	    {"truncated at the end", "domains:\n  x\xe2\x82", 0,
		":2:4: invalid UTF-8 (byte 0xe2)"},
	    {"overlong encoding", "a: \xc0\xaf\n", 0,
		":1:4: invalid UTF-8 (byte 0xc0)"},
	    {"surrogate", "a: \xed\xa0\x80\n", 0,
		":1:4: invalid UTF-8 (byte 0xed)"},
	    {"raw control byte", "domains:\r\n  a\x01: x\n", 0,
		":2:4: control character 0x01 is not allowed"},
	    {"NUL byte", "domains:\n  a: x\n\n  b\0", 21,
		":4:4: control character 0x00 is not allowed"},
	    {"after a BOM and LS",
		"\xef\xbb\xbf"
		"a: 1\nb: \xe2\x80\xa8 \x7f\n",
		0, ":3:2: control character 0x7f is not allowed"},
	};
	struct aliasfile *af;
	struct af_diag d;
	const char *want[2];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		want[0] = cases[i].msg;
		want[1] = NULL;
		assert_int_equal(
		    load_len(cases[i].yaml,
			cases[i].len ? cases[i].len : strlen(cases[i].yaml),
			&af, &d),
		    -1);
		assert_null(af);
		if (d.status != EX_DATAERR || d.nerrors != 1) {
			print_error("%s: status %d, %zu errors\n",
			    cases[i].name, d.status, d.nerrors);
			bad++;
		}
		bad += check_msgs(cases[i].name, &d, want);
		af_diag_free(&d);
	}
	assert_int_equal(bad, 0);
}

/* Files that cannot be read: no position, EX_NOINPUT or EX_IOERR. */
static void
test_unreadable(void **state)
{
	struct aliasfile *af = (struct aliasfile *)1;
	struct af_diag d;
	char p[192], want[256];
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/missing.yaml", tmpdir);
	af_diag_init(&d);
	assert_int_equal(af_load(p, &af, &d), -1);
	assert_null(af);
	assert_int_equal(d.status, EX_NOINPUT);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.nmsgs, 1);
	snprintf(want, sizeof(want), "%s: No such file or directory", p);
	assert_string_equal(d.msgs[0], want);
	af_diag_free(&d);

	snprintf(p, sizeof(p), "%s/dir.yaml", tmpdir);
	assert_int_equal(mkdir(p, 0700), 0);
	af_diag_init(&d);
	assert_int_equal(af_load(p, &af, &d), -1);
	assert_int_equal(d.status, EX_NOINPUT);
	snprintf(want, sizeof(want), "%s: is a directory", p);
	assert_int_equal(d.nmsgs, 1);
	assert_string_equal(d.msgs[0], want);
	af_diag_free(&d);

	/* Permissions mean nothing to root. */
	snprintf(p, sizeof(p), "%s/secret.yaml", tmpdir);
	write_file(p, "x", 1);
	assert_int_equal(chmod(p, 0), 0);
	if ((fd = open(p, O_RDONLY)) == -1) {
		af_diag_init(&d);
		assert_int_equal(af_load(p, &af, &d), -1);
		assert_int_equal(d.status, EX_NOINPUT);
		snprintf(want, sizeof(want), "%s: Permission denied", p);
		assert_string_equal(d.msgs[0], want);
		af_diag_free(&d);
	} else
		close(fd);

	/* Reading /proc/self/mem at offset 0 fails with EIO. */
	if (access("/proc/self/mem", R_OK) == 0) {
		af_diag_init(&d);
		assert_int_equal(af_load("/proc/self/mem", &af, &d), -1);
		assert_int_equal(d.status, EX_IOERR);
		assert_int_equal(d.nmsgs, 1);
		assert_string_equal(
		    d.msgs[0], "/proc/self/mem: Input/output error");
		af_diag_free(&d);
	}
}

/* Warnings do not fail the load. */
/*
 * senders: normalised into one space-separated list (the policy
 * record's field), in file order; at most 64 entries and 4096 bytes.
 */
static void
test_senders(void **state)
{
	static const struct {
		const char *yaml;
		const char *key;
		const char *senders;
	} t[] = {
	    {HDR "  a@example.com: {senders: [BestBuy.COM., x@Bank.Example]}\n",
		"a@example.com", "bestbuy.com x@bank.example"},
	    {HDR "  a@example.com:\n    senders:\n      - <Y@B.example>\n"
		"      - '\"z\"@b.example'\n      - b.example\n",
		"a@example.com", "y@b.example z@b.example b.example"},
	    {HDR "  a@example.com:\n    senders: bank.example\n",
		"a@example.com", "bank.example"},
	    {HDR "  a@example.com:\n    to: b@x.org\n", "a@example.com", NULL},
	};
	const struct af_alias *a;
	struct aliasfile *af;
	struct af_diag d;
	char *yaml, *p, label[64];
	size_t i, nbad = 0;
	int n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(load(t[i].yaml, &af, &d), 0);
		assert_non_null(a = af_find_alias(af, t[i].key));
		if (!str_eq(a->senders, t[i].senders)) {
			print_error("case %zu: senders \"%s\"\n", i,
			    a->senders ? a->senders : "(null)");
			nbad++;
		}
		af_free(af);
		af_diag_free(&d);
	}
	assert_int_equal(nbad, 0);

	/* 64 entries load; the byte bound holds for fewer, longer ones. */
	assert_non_null(yaml = malloc(32768));
	p = yaml + sprintf(yaml, HDR "  a@example.com:\n    senders:\n");
	for (n = 0; n < 64; n++)
		p += sprintf(p, "      - d%d.example\n", n);
	assert_int_equal(load(yaml, &af, &d), 0);
	assert_non_null(a = af_find_alias(af, "a@example.com"));
	assert_non_null(strstr(a->senders, "d0.example d1.example "));
	af_free(af);
	af_diag_free(&d);
	p = yaml + sprintf(yaml, HDR "  a@example.com:\n    senders:\n");
	memset(label, 'a', 63);
	label[63] = '\0';
	for (n = 0; n < 21; n++)	/* 21 * 203 + 20 bytes */
		p += sprintf(p, "      - d%02d.%s.%s.%s.example\n", n, label,
		    label, label);
	assert_int_equal(load(yaml, &af, &d), -1);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.msgs[0], "senders is longer than 4096 bytes"));
	af_diag_free(&d);
	free(yaml);
}

static void
test_warnings(void **state)
{
	static const char yaml[] =
	    "domains:\n  a.org: {deliver_to: x@y.org, subaddress: '+'}\n"
	    "  b.org: {deliver_to: x@y.org, subaddress: '+'}\n"
	    "  c.org: {deliver_to: x@y.org, subaddress: '-'}\n"
	    "  d.org: {deliver_to: x@y.org}\naliases:\n"
	    "  n@a.org:\n    note: \"one\\ntwo\"\n";
	static const char *const want[] = {
	    ":4:3: warning: subaddress of c.org (\"-\") differs from a.org "
	    "(\"+\"), but Postfix's recipient_delimiter is global: set "
	    "recipient_delimiter = +- in main.cf, and every domain splits at "
	    "all of them",
	    ":8:11: warning: note contains a line break or tab; kept as one "
	    "line",
	    NULL};
	struct aliasfile *af;
	struct af_diag d;

	(void)state;
	assert_int_equal(load(yaml, &af, &d), 0);
	assert_non_null(af);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 2);
	assert_int_equal(d.status, 0);
	assert_int_equal(check_msgs("warnings", &d, want), 0);
	assert_string_equal(af_find_alias(af, "n@a.org")->note, "one two");
	af_free(af);
	af_diag_free(&d);

	/* A domain without a subaddress differs from one with. */
	assert_int_equal(
	    load("domains:\n  a.org: {deliver_to: x@y.org}\n"
		 "  b.org: {deliver_to: x@y.org, subaddress: '+'}\n",
		&af, &d),
	    0);
	assert_int_equal(d.nwarnings, 1);
	assert_non_null(strstr(d.msgs[0],
	    ":3:3: warning: subaddress of "
	    "b.org (\"+\") differs from a.org (none)"));
	af_free(af);
	af_diag_free(&d);

	/* Warnings are kept alongside errors. */
	assert_int_equal(load(HDR "  x@example.com: {note: \"a\\tb\", "
				  "created: 2020-02-30}\n",
			     &af, &d),
	    -1);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.nwarnings, 1);
	assert_int_equal(d.nmsgs, 2);
	af_diag_free(&d);
}

/* ---- limits ---- */

/* Over AF_DIAG_MAX errors: the rest are counted, not kept. */
static void
test_diag_cap(void **state)
{
	struct aliasfile *af;
	struct af_diag d;
	char *yaml, *p;
	size_t i, n = AF_DIAG_MAX + 500;

	(void)state;
	yaml = malloc(sizeof(HDR) + n * 32);
	assert_non_null(yaml);
	p = yaml + sprintf(yaml, "%s", HDR);
	for (i = 0; i < n; i++)
		p += sprintf(p, "  a%zu@other.org:\n", i);
	assert_int_equal(load(yaml, &af, &d), -1);
	assert_int_equal(d.nerrors, n);
	assert_int_equal(d.nmsgs, AF_DIAG_MAX);
	assert_int_equal(d.status, EX_DATAERR);
	assert_non_null(strstr(
	    d.msgs[0], ":6:3: alias outside the listed domains: a0@other.org"));
	af_diag_free(&d);
	free(yaml);
}

/* More than Postfix's virtual_alias_expansion_limit targets. */
static void
test_too_many_targets(void **state)
{
	struct aliasfile *af;
	struct af_diag d;
	char *yaml, *p;
	size_t i;

	(void)state;
	yaml = malloc(sizeof(HDR) + 1100 * 24 + 64);
	assert_non_null(yaml);
	p = yaml + sprintf(yaml, "%s  a@example.com:\n    to:\n", HDR);
	for (i = 0; i < 1001; i++)
		p += sprintf(p, "    - t%zu@x.org\n", i);
	assert_int_equal(load(yaml, &af, &d), -1);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.msgs[0],
	    ":1008:7: more than 1000 addresses "
	    "in to (Postfix's virtual_alias_expansion_limit)"));
	af_diag_free(&d);
	free(yaml);
}

/* "Billion laughs": refused at the first anchor, in no time. */
static void
test_alias_bomb(void **state)
{
	static const char yaml[] =
	    "domains:\n  a.org: {deliver_to: x@y.org}\n"
	    "aliases:\n  l0@a.org: &a {note: lol}\n"
	    "  l1@a.org: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "  l2@a.org: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	    "  l3@a.org: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	    "  l4@a.org: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	    "  l5@a.org: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	    "  l6@a.org: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	    "  l7@a.org: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	    "  l8@a.org: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
	    "  l9@a.org: [*i,*i,*i,*i,*i,*i,*i,*i,*i]\n";
	static const char *const want[] = {
	    ":4:13: YAML anchors and aliases are not supported", NULL};
	struct aliasfile *af;
	struct af_diag d;
	double t;

	(void)state;
	t = now();
	assert_int_equal(load(yaml, &af, &d), -1);
	assert_true(now() - t < 1.0);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(check_msgs("alias bomb", &d, want), 0);
	af_diag_free(&d);
}

/* ---- sorting ---- */

static const struct aliasfile *cmp_af;

static int
cmp_idx(const void *a, const void *b)
{
	const struct af_alias *x = &cmp_af->aliases[*(const uint32_t *)a];
	const struct af_alias *y = &cmp_af->aliases[*(const uint32_t *)b];

	return strcmp(x->key, y->key);
}

/*
 * Checks that af->sorted is a permutation in strcmp order and that
 * every alias is found.  Returns the number of problems.
 */
static size_t
check_sorted(const struct aliasfile *af)
{
	uint32_t *ref;
	char *seen;
	size_t i, bad = 0;

	ref = malloc(af->naliases * sizeof(*ref) + 1);
	seen = calloc(af->naliases + 1, 1);
	assert_non_null(ref);
	assert_non_null(seen);
	for (i = 0; i < af->naliases; i++) {
		ref[i] = (uint32_t)i;
		if (af->sorted[i] >= af->naliases || seen[af->sorted[i]]++)
			bad++;
	}
	cmp_af = af;
	qsort(ref, af->naliases, sizeof(*ref), cmp_idx);
	for (i = 0; i < af->naliases && bad == 0; i++) {
		if (strcmp(af->aliases[ref[i]].key,
			af->aliases[af->sorted[i]].key) != 0) {
			print_error("sorted[%zu] = %s, want %s\n", i,
			    af->aliases[af->sorted[i]].key,
			    af->aliases[ref[i]].key);
			bad++;
		}
		if (af_find_alias(af, af->aliases[i].key) != &af->aliases[i])
			bad++;
	}
	free(ref);
	free(seen);
	return bad;
}

/* Keys that share long prefixes, and keys that are prefixes of others. */
static void
test_sorted_order(void **state)
{
	static const char *const keys[] = {
	    "aaaaaaaaaaaaaaaaaaaaaaaa@a.org",
	    "aaaaaaaaaaaaaaaaaaaaaaa@a.org",
	    "aaaaaaaaaaaaaaaaaaaaaaaaa@a.org",
	    "aaaaaaaa@a.org",
	    "aaaaaaa@a.org",
	    "aaaaaaaaa@a.org",
	    "aaaaaaaab@a.org",
	    "aaaaaaaa.b@a.org",
	    "aaaaaaaa-b@a.org",
	    "aaaaaaaa+b@a.org",
	    "z@a.org",
	    "a@a.org",
	    "b@a.org",
	    "a@aa.org",
	    "a.b@a.org",
	    "x@a.org.uk",
	    "x@a.org.u",
	    "\"a b\"@a.org",
	    "\"a\\\"b\"@a.org",
	    "~@a.org",
	    "0@a.org",
	    "9@a.org",
	    "_@a.org",
	    "{@a.org",
	    "}@a.org",
	};
	struct aliasfile *af;
	struct af_diag d;
	char *yaml, *p;
	size_t i, j, n;

	(void)state;
	yaml = malloc(8192);
	assert_non_null(yaml);
	p = yaml +
	    sprintf(yaml,
		"domains:\n  a.org: {deliver_to: x@y.org}\n"
		"  aa.org: {deliver_to: x@y.org}\n  a.org.uk: {deliver_to: "
		"x@y.org}\n  a.org.u: {deliver_to: x@y.org}\naliases:\n");
	/*
	 * Copies of the list under long common prefixes too (a prefix
	 * cannot go before a quoted local part).
	 */
	for (j = 0, n = 0; j < 4; j++)
		for (i = 0; i < NELEM(keys); i++, n++) {
			if (j > 0 && keys[i][0] == '"') {
				n--;
				continue;
			}
			p += sprintf(p, "  '%s%s':\n",
			    j == 0       ? ""
				: j == 1 ? "pppppppppppppppp"
				: j == 2 ? "ppppppppq"
					 : "pppppppppppppppp.",
			    keys[i]);
		}
	assert_int_equal(load(yaml, &af, &d), 0);
	assert_int_equal(af->naliases, n);
	assert_int_equal(check_sorted(af), 0);
	assert_string_equal(af->aliases[af->sorted[0]].key, "\"a b\"@a.org");
	af_free(af);
	af_diag_free(&d);
	free(yaml);
}

/*
 * Many copies of one key, with other keys first and in between: every
 * copy after the first is reported, at its own line, naming the first.
 * The in-place radix sort is not stable, and this order makes it move a
 * later copy to the front of the run, so this checks that equal keys
 * are put back in file order.
 */
static void
test_many_duplicates(void **state)
{
	struct aliasfile *af;
	struct af_diag d;
	char *yaml, *p, want[256];
	size_t i, k, n = 300;

	(void)state;
	yaml = malloc(sizeof(HDR) + n * 64);
	assert_non_null(yaml);
	p = yaml + sprintf(yaml, "%s", HDR);
	for (i = 0; i < n; i++) {
		if (i % 3 == 0)
			p += sprintf(p, "  other%zu@example.com:\n", i);
		else
			p += sprintf(p, "  %s:\n",
			    i % 3 == 1 ? "dup@example.com"
				       : "DUP@EXAMPLE.com.");
	}
	assert_int_equal(load(yaml, &af, &d), -1);
	assert_int_equal(d.nerrors, 2 * n / 3 - 1);
	assert_int_equal(d.nmsgs, d.nerrors);
	/* Alias i is on line HDR_LINES + 1 + i: the first copy is on 7. */
	for (i = 0, k = 0; i < n; i++) {
		if (i % 3 == 0 || k++ == 0)
			continue;
		snprintf(want, sizeof(want),
		    "%s:%zu:3: duplicate alias dup@example.com "
		    "(first at line 7)",
		    path, HDR_LINES + 1 + i);
		assert_string_equal(d.msgs[k - 2], want);
	}
	af_diag_free(&d);
	free(yaml);
}

/* A generated 100,000-alias file loads, sorts and is searchable. */
static void
test_large_file(void **state)
{
	struct aliasfile *af;
	struct af_diag d;
	char *yaml, *p, key[64];
	static const char *const prefix[] = {
	    "vendor-", "v", "Shop.", "vendor-x"};
	size_t i, n = 100000;
	uint32_t x;
	double t;

	(void)state;
	yaml = malloc(256 + n * 96);
	assert_non_null(yaml);
	p = yaml +
	    sprintf(yaml,
		"domains:\n  example.com: {deliver_to: me@example.net}\n"
		"  example.org: {deliver_to: you@example.net}\naliases:\n");
	for (i = 0; i < n; i++) {
		/* A scrambled order of unique names (i * odd mod 2^k). */
		x = (uint32_t)((i * 2654435761u) % 1048576u);
		p += sprintf(p, "  %s%07u@example.%s:\n", prefix[i % 4],
		    (unsigned)x, i % 2 ? "org" : "com");
		if (i % 2 == 0)
			p += sprintf(p,
			    "    note: shop %zu\n    created: 2026-01-%02zu\n",
			    i, i % 28 + 1);
		if (i % 10 == 0)
			p += sprintf(p, "    to: [a%zu@x.org, b@x.org]\n", i);
	}
	t = now();
	assert_int_equal(load_len(yaml, (size_t)(p - yaml), &af, &d), 0);
	t = now() - t;
	assert_int_equal(d.nmsgs, 0);
	assert_int_equal(af->naliases, n);
	assert_int_equal(check_sorted(af), 0);

	x = (uint32_t)((10 * 2654435761u) % 1048576u);
	snprintf(key, sizeof(key), "shop.%07u@example.com", (unsigned)x);
	assert_non_null(af_find_alias(af, key));
	assert_string_equal(
	    af_alias_target(af, af_find_alias(af, key)), "a10@x.org, b@x.org");
	assert_string_equal(af_find_alias(af, key)->note, "shop 10");
	x = (uint32_t)((11 * 2654435761u) % 1048576u);
	snprintf(key, sizeof(key), "vendor-x%07u@example.org", (unsigned)x);
	assert_non_null(af_find_alias(af, key));
	assert_string_equal(
	    af_alias_target(af, af_find_alias(af, key)), "you@example.net");
	print_message("100,000 aliases loaded in %.3f s\n", t);
	af_free(af);
	af_diag_free(&d);
	free(yaml);
}

/* ---- parallel parsing ---- */

/* Files that put the two-thread parse to the test. */
enum variant {
	V_PLAIN,	/* the usual layout: parsed in two parts */
	V_ERRORS,	/* errors in both halves, a duplicate across them */
	V_CRLF,		/* CR LF line breaks */
	V_NEL,		/* NEL and LS line breaks inside quoted notes */
	V_DOMAINS_LAST,	/* domains: after aliases: */
	V_QUOTED,	/* quoted notes whose lines look like alias keys */
	V_ANCHOR_TAIL,	/* an anchor in the second half */
	V_UTF8_TAIL,	/* invalid UTF-8 in the second half */
	V_INDENT4,	/* aliases indented by four blanks */
	V_MIXED		/* four blanks, then two: a syntax error */
};

#define BIG_N	40000	/* about 2.5 MB: past the 1 MiB threshold */
#define BIG_DOMAINS	"domains:%s  example.com:%s    deliver_to: " \
	"me@example.net%s  example.org: {deliver_to: [a@x.net, b@x.net]}%s"

/* Writes the alias file of variant v with n aliases to path. */
static void
write_big(enum variant v, size_t n)
{
	const char *nl = v == V_CRLF ? "\r\n" : "\n";
	const char *in = v == V_INDENT4 ? "    " : "  ";
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	if (v != V_DOMAINS_LAST)
		fprintf(f, BIG_DOMAINS, nl, nl, nl, nl);
	fprintf(f, "aliases:%s", nl);
	for (i = 0; i < n; i++) {
		if (v == V_MIXED)
			in = i < n / 2 ? "    " : "  ";
		fprintf(f, "%sa%06zu.k7q2x9@example.%s:", in, i,
		    i % 2 ? "com" : "org");
		if (v == V_ERRORS && i % 997 == 0)
			fprintf(f, "%s%s  created: 2026-02-30%s", nl, in, nl);
		else if (v == V_ERRORS && i % 1499 == 0)
			fprintf(f, "%s%s  nots: typo%s", nl, in, nl);
		else if (v == V_ERRORS && i == n - 5)
			fprintf(f, " {}%s%sA000003.K7Q2X9@Example.COM: {}%s",
			    nl, in, nl);
		else if (v == V_ERRORS && i % 2003 == 0)
			fprintf(f, " {}%s%sz%zu@other.net: {}%s", nl, in, i, nl);
		else if (v == V_QUOTED)
			fprintf(f, "%s%s  note: \"first%s  b%06zu@example.com: "
			    "x\"%s", nl, in, nl, i, nl);
		else if (v == V_NEL && i % 3 == 0)
			fprintf(f, "%s%s  note: \"a\xc2\x85" "b\xe2\x80\xa8" "c\"%s",
			    nl, in, nl);
		else if (v == V_ANCHOR_TAIL && i == n * 3 / 4)
			fprintf(f, "%s%s  note: &x anchored%s", nl, in, nl);
		else if (v == V_UTF8_TAIL && i == n * 3 / 4)
			fprintf(f, "%s%s  note: bad \xff byte%s", nl, in, nl);
		else if (i % 3 == 0)
			fprintf(f, " {}%s", nl);
		else if (i % 3 == 1)
			fprintf(f, "%s%s  note: shop %zu%s%s  created: "
			    "2026-01-12%s", nl, in, i, nl, in, nl);
		else
			fprintf(f, "%s%s  to: [u%zu@example.net]%s", nl, in, i,
			    nl);
	}
	if (v == V_DOMAINS_LAST)
		fprintf(f, BIG_DOMAINS, nl, nl, nl, nl);
	assert_int_equal(fclose(f), 0);
	write_file(path, buf, len);
	free(buf);
}

static int
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Loads path in two threads (when af_load() decides to) and serially,
 * and fails unless both give the same aliases, index and messages.
 * Returns how many parts the first load used.
 */
static unsigned
compare_loads(void)
{
	struct aliasfile *a1 = NULL, *a2 = NULL;
	struct af_diag d1, d2;
	const struct af_alias *x, *y;
	size_t i;
	int r1, r2;
	unsigned parts;

	af_diag_init(&d1);
	af_diag_init(&d2);
	r1 = af_load(path, &a1, &d1);
	r2 = af_load_opts(path, AF_LOAD_SERIAL, &a2, &d2);
	assert_int_equal(r1, r2);
	assert_int_equal(d2.parts, 1);
	assert_int_equal(d1.nerrors, d2.nerrors);
	assert_int_equal(d1.nwarnings, d2.nwarnings);
	assert_int_equal(d1.status, d2.status);
	assert_int_equal(d1.nmsgs, d2.nmsgs);
	for (i = 0; i < d1.nmsgs; i++)
		assert_string_equal(d1.msgs[i], d2.msgs[i]);
	if (r1 == 0) {
		assert_int_equal(a1->naliases, a2->naliases);
		for (i = 0; i < a1->naliases; i++) {
			x = &a1->aliases[i];
			y = &a2->aliases[i];
			assert_string_equal(x->key, y->key);
			assert_true(same_str(x->to, y->to));
			assert_true(same_str(x->note, y->note));
			assert_true(same_str(x->reason, y->reason));
			assert_int_equal(x->created, y->created);
			assert_int_equal(x->revoked, y->revoked);
			assert_int_equal(x->expires, y->expires);
			assert_int_equal(x->line, y->line);
			assert_int_equal(x->col, y->col);
			assert_int_equal(x->domain, y->domain);
			assert_int_equal(x->flags, y->flags);
			assert_int_equal(a1->sorted[i], a2->sorted[i]);
		}
	}
	parts = d1.parts;
	af_free(a1);
	af_free(a2);
	af_diag_free(&d1);
	af_diag_free(&d2);
	return parts;
}

static void
test_parallel_equals_serial(void **state)
{
	static const struct {
		enum variant v;
		unsigned parts;		/* 0: either */
	} cases[] = {
		/* A file with errors is parsed again serially. */
		{ V_PLAIN, 2 }, { V_ERRORS, 1 }, { V_CRLF, 2 }, { V_NEL, 2 },
		{ V_DOMAINS_LAST, 1 }, { V_QUOTED, 0 }, { V_ANCHOR_TAIL, 1 },
		{ V_UTF8_TAIL, 1 }, { V_INDENT4, 1 }, { V_MIXED, 1 },
	};
	size_t i;
	unsigned parts;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		write_big(cases[i].v, BIG_N);
		parts = compare_loads();
		if (cases[i].parts != 0 && parts != cases[i].parts)
			fail_msg("variant %zu: %u parts, expected %u", i, parts,
			    cases[i].parts);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ok_table),
	    cmocka_unit_test(test_file_fields),
	    cmocka_unit_test(test_err_table),
	    cmocka_unit_test(test_bad_bytes),
	    cmocka_unit_test(test_unreadable),
	    cmocka_unit_test(test_senders),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_diag_cap),
	    cmocka_unit_test(test_too_many_targets),
	    cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_sorted_order),
	    cmocka_unit_test(test_many_duplicates),
	    cmocka_unit_test(test_large_file),
	    cmocka_unit_test(test_parallel_equals_serial),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
