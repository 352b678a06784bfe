/*
 * test_dnsrec.c: table-driven tests for dnsrec.c, the SPF, DMARC and
 * DKIM key record codecs and the zone-file TXT writer.
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
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"

/* SPF. */

struct spf_case {
	const char	*txt;
	int		 ok;		/* parses */
	const char	*err;		/* else: a substring of the error */
	int		 dns;		/* spf_dns_terms() when ok */
	char		 all;		/* the all qualifier, 0 for none */
	size_t		 nterms;
};

static const struct spf_case spf_cases[] = {
	/* The version alone, case, spaces. */
	{ "v=spf1", 1, NULL, 0, 0, 0 },
	{ "V=SPF1 -ALL", 1, NULL, 0, '-', 1 },
	{ "v=spf1 ", 1, NULL, 0, 0, 0 },
	{ "v=spf1   mx    -all   ", 1, NULL, 1, '-', 2 },
	{ "v=spf1-all", 0, "not an SPF record", 0, 0, 0 },
	{ "v=spf10 -all", 0, "not an SPF record", 0, 0, 0 },
	{ "spf1 -all", 0, "column 1", 0, 0, 0 },
	{ "", 0, "not an SPF record", 0, 0, 0 },
	{ "v=spf1\t-all", 0, "not an SPF record", 0, 0, 0 },
	{ "v=spf1 -all\t", 0, "column 12", 0, 0, 0 },

	/* Every mechanism and qualifier. */
	{ "v=spf1 all", 1, NULL, 0, '+', 1 },
	{ "v=spf1 +all", 1, NULL, 0, '+', 1 },
	{ "v=spf1 ~all", 1, NULL, 0, '~', 1 },
	{ "v=spf1 ?all", 1, NULL, 0, '?', 1 },
	{ "v=spf1 -all", 1, NULL, 0, '-', 1 },
	{ "v=spf1 *all", 0, "column 8: unknown mechanism", 0, 0, 0 },
	{ "v=spf1 all:x.example", 0, "all takes no argument", 0, 0, 0 },
	{ "v=spf1 include:_spf.example.com -all", 1, NULL, 1, '-', 2 },
	{ "v=spf1 include -all", 0, "include needs", 0, 0, 0 },
	{ "v=spf1 include: -all", 0, "empty domain", 0, 0, 0 },
	{ "v=spf1 a", 1, NULL, 1, 0, 1 },
	{ "v=spf1 a:mail.example.com", 1, NULL, 1, 0, 1 },
	{ "v=spf1 mx mx:example.org ?mx/24 -mx//64 ~mx/24//64", 1, NULL, 5,
	    0, 5 },
	{ "v=spf1 a:example.com/24//64 -all", 1, NULL, 1, '-', 2 },
	{ "v=spf1 ptr ptr:example.com ~all", 1, NULL, 2, '~', 3 },
	{ "v=spf1 ptr/24", 0, "unexpected", 0, 0, 0 },
	{ "v=spf1 exists:%{i}.bl.example.com -all", 1, NULL, 1, '-', 2 },
	{ "v=spf1 exists", 0, "exists needs", 0, 0, 0 },
	{ "v=spf1 IP4:192.0.2.1 Ip6:2001:db8::1 MX A INCLUDE:x.example "
	    "PTR EXISTS:x.example ALL", 1, NULL, 5, '+', 8 },
	{ "v=spf1 foo", 0, "unknown mechanism \"foo\"", 0, 0, 0 },
	{ "v=spf1 -foo:bar", 0, "column 9: unknown mechanism", 0, 0, 0 },
	{ "v=spf1 -", 0, "unknown mechanism", 0, 0, 0 },
	{ "v=spf1 --all", 0, "unknown mechanism", 0, 0, 0 },
	{ "v=spf1 mx: -all", 0, "empty domain", 0, 0, 0 },
	{ "v=spf1 mxx", 0, "unknown mechanism", 0, 0, 0 },

	/* cidr lengths. */
	{ "v=spf1 ip4:1.2.3.4/32", 1, NULL, 0, 0, 1 },
	{ "v=spf1 ip4:1.2.3.4/0", 1, NULL, 0, 0, 1 },
	{ "v=spf1 ip4:1.2.3.4/33", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 ip4:1.2.3.4/024", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 ip4:1.2.3.4/", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 ip4:1.2.3.4/-1", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 ip4:1.2.3.4//24", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 ip4:1.2.3", 0, "not an IPv4 address", 0, 0, 0 },
	{ "v=spf1 ip4:1.2.3.256", 0, "not an IPv4 address", 0, 0, 0 },
	{ "v=spf1 ip4:01.2.3.4", 0, "not an IPv4 address", 0, 0, 0 },
	{ "v=spf1 ip4:2001:db8::1", 0, "not an IPv4 address", 0, 0, 0 },
	{ "v=spf1 ip4", 0, "ip4 needs", 0, 0, 0 },
	{ "v=spf1 ip4:", 0, "ip4 needs", 0, 0, 0 },
	{ "v=spf1 ip4:/24", 0, "not an IPv4 address", 0, 0, 0 },
	{ "v=spf1 ip6:::1", 1, NULL, 0, 0, 1 },
	{ "v=spf1 ip6:::", 1, NULL, 0, 0, 1 },
	{ "v=spf1 ip6:2001:db8::/32 ip6:2001:DB8:0:0:0:0:0:1/128 "
	    "ip6:::ffff:192.0.2.1/96", 1, NULL, 0, 0, 3 },
	{ "v=spf1 ip6:2001:db8::/129", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 ip6:2001:db8:::1", 0, "not an IPv6 address", 0, 0, 0 },
	{ "v=spf1 ip6:192.0.2.1", 0, "not an IPv6 address", 0, 0, 0 },
	{ "v=spf1 ip6:fe80::1%eth0", 0, "not an IPv6 address", 0, 0, 0 },
	{ "v=spf1 a/33", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 a/32//128", 1, NULL, 1, 0, 1 },
	{ "v=spf1 a//129", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 a///64", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 a/", 0, "invalid prefix length", 0, 0, 0 },
	{ "v=spf1 mx/01", 0, "invalid prefix length", 0, 0, 0 },

	/* Domain specs and macros. */
	{ "v=spf1 include:example", 0, "top-level domain", 0, 0, 0 },
	{ "v=spf1 a:1.2.3.4", 0, "top-level label", 0, 0, 0 },
	{ "v=spf1 a:example.com.", 1, NULL, 1, 0, 1 },
	{ "v=spf1 a:example.co-m", 1, NULL, 1, 0, 1 },
	{ "v=spf1 a:example.-com", 0, "top-level label", 0, 0, 0 },
	{ "v=spf1 a:example.com-", 0, "top-level label", 0, 0, 0 },
	{ "v=spf1 a:example..", 0, "top-level", 0, 0, 0 },
	{ "v=spf1 a:%{d}", 1, NULL, 1, 0, 1 },
	{ "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", 1, NULL, 1, '-', 2 },
	{ "v=spf1 exists:%{i}.%{v}.%{h}.%{p}.%{s}.%{o}.example.com", 1, NULL,
	    1, 0, 1 },
	{ "v=spf1 exists:%{D2}%%%_%-.example.com", 1, NULL, 1, 0, 1 },
	{ "v=spf1 exists:%{d0}.example.com", 0, "at least one part", 0, 0,
	    0 },
	{ "v=spf1 exists:%{x}.example.com", 0, "unknown macro letter", 0, 0,
	    0 },
	{ "v=spf1 exists:%{c}.example.com", 0, "only in exp", 0, 0, 0 },
	{ "v=spf1 exists:%{d.example.com", 0, "malformed macro", 0, 0, 0 },
	{ "v=spf1 exists:%{d2r.-+,/_=}.example.com", 1, NULL, 1, 0, 1 },
	{ "v=spf1 exists:%{d2r;}.example.com", 0, "malformed macro", 0, 0,
	    0 },
	{ "v=spf1 exists:%d.example.com", 0, "column 15", 0, 0, 0 },
	{ "v=spf1 exists:example.com%", 0, "must start", 0, 0, 0 },
	{ "v=spf1 a:ex\x80mple.com", 0, "column 12: byte 0x80", 0, 0, 0 },
	{ "v=spf1 -all \x1b[2Jfoo", 0, "column 13: byte 0x1b", 0, 0, 0 },
	{ "v=spf1 ip4:1.2.3.4\n", 0, "column 19: byte 0x0a", 0, 0, 0 },
	{ "v=spf1 a:%{d}.", 0, "top-level", 0, 0, 0 },

	/* Modifiers. */
	{ "v=spf1 redirect=_spf.example.com", 1, NULL, 1, 0, 1 },
	{ "v=spf1 mx redirect=_spf.example.com", 1, NULL, 2, 0, 2 },
	{ "v=spf1 redirect=a.example redirect=b.example", 0,
	    "column 27: a second redirect= modifier", 0, 0, 0 },
	{ "v=spf1 exp=a.example EXP=b.example", 0, "a second exp=", 0, 0, 0 },
	{ "v=spf1 exp=explain._spf.%{d} -all", 1, NULL, 0, '-', 2 },
	{ "v=spf1 exp=%{c}.%{r}.%{t}.example.com -all", 1, NULL, 0, '-', 2 },
	{ "v=spf1 redirect=", 0, "empty domain", 0, 0, 0 },
	{ "v=spf1 redirect=x", 0, "top-level", 0, 0, 0 },
	{ "v=spf1 -redirect=a.example", 0, "takes no qualifier", 0, 0, 0 },
	{ "v=spf1 foo=bar -all", 1, NULL, 0, '-', 2 },
	{ "v=spf1 x-y_z.1= -all", 1, NULL, 0, '-', 2 },
	{ "v=spf1 foo=%{q}", 0, "unknown macro letter", 0, 0, 0 },
	{ "v=spf1 1foo=bar", 0, "invalid modifier name", 0, 0, 0 },
	{ "v=spf1 =bar", 0, "invalid modifier name", 0, 0, 0 },
	{ "v=spf1 a:x.example ~all redirect=y.example", 1, NULL, 2, '~', 3 },
};

static void
test_spf_table(void **state)
{
	const struct spf_case *t = spf_cases;
	struct spf_record *r;
	struct errbuf e;
	size_t i;
	int rc, bad = 0, is;

	(void)state;
	for (i = 0; i < sizeof(spf_cases) / sizeof(spf_cases[0]); i++) {
		e.msg[0] = '\0';
		rc = spf_parse(t[i].txt, strlen(t[i].txt), &r, &e);
		if (rc != (t[i].ok ? 0 : -1) || (rc == 0) != (r != NULL)) {
			print_error("spf %zu \"%s\": rc %d: %s\n", i, t[i].txt,
			    rc, e.msg);
			bad++;
			spf_record_free(r);
			continue;
		}
		is = spf_is_record(t[i].txt, strlen(t[i].txt));
		if (rc == 0 && !is) {
			print_error("spf %zu \"%s\": not a record\n", i,
			    t[i].txt);
			bad++;
		}
		if (rc == -1) {
			if (strstr(e.msg, t[i].err) == NULL ||
			    strncmp(e.msg, "column ", 7) != 0) {
				print_error("spf %zu \"%s\": \"%s\", wanted "
				    "\"%s\"\n", i, t[i].txt, e.msg, t[i].err);
				bad++;
			}
			continue;
		}
		if (spf_dns_terms(r) != t[i].dns || r->all_qual != t[i].all ||
		    r->nterms != t[i].nterms || (r->all == -1) !=
		    (t[i].all == 0)) {
			print_error("spf %zu \"%s\": %d terms, %d DNS, all "
			    "%ld '%c'\n", i, t[i].txt, (int)r->nterms,
			    spf_dns_terms(r), r->all, r->all_qual);
			bad++;
		}
		spf_record_free(r);
	}
	assert_int_equal(bad, 0);
}

/* What one parse keeps of each term. */
static void
test_spf_terms(void **state)
{
	const char *txt = "v=spf1 -ip4:192.0.2.0/24 mx:mx.example.com/28//64 "
	    "include:x.example ?a Foo=Bar%{d} redirect=r.example "
	    "exp=e.example ~all";
	struct spf_record *r;
	struct errbuf e;

	(void)state;
	assert_int_equal(spf_parse(txt, strlen(txt), &r, &e), 0);
	assert_int_equal(r->nterms, 8);
	assert_int_equal(r->terms[0].kind, SPF_IP4);
	assert_int_equal(r->terms[0].qualifier, '-');
	assert_int_equal(r->terms[0].explicit_qual, 1);
	assert_string_equal(r->terms[0].value, "192.0.2.0");
	assert_int_equal(r->terms[0].cidr4, 24);
	assert_int_equal(r->terms[0].cidr6, -1);
	assert_string_equal(r->terms[0].text, "-ip4:192.0.2.0/24");
	assert_int_equal(r->terms[1].kind, SPF_MX);
	assert_int_equal(r->terms[1].qualifier, '+');
	assert_int_equal(r->terms[1].explicit_qual, 0);
	assert_string_equal(r->terms[1].value, "mx.example.com");
	assert_int_equal(r->terms[1].cidr4, 28);
	assert_int_equal(r->terms[1].cidr6, 64);
	assert_int_equal(r->terms[2].kind, SPF_INCLUDE);
	assert_string_equal(r->terms[2].value, "x.example");
	assert_int_equal(r->terms[3].kind, SPF_A);
	assert_null(r->terms[3].value);
	assert_int_equal(r->terms[4].kind, SPF_MODIFIER);
	assert_int_equal(r->terms[4].qualifier, 0);
	assert_string_equal(r->terms[4].name, "Foo");
	assert_string_equal(r->terms[4].value, "Bar%{d}");
	assert_string_equal(r->redirect, "r.example");
	assert_string_equal(r->exp, "e.example");
	assert_int_equal(r->all, 7);
	assert_int_equal(r->all_qual, '~');
	assert_int_equal(spf_dns_terms(r), 4);
	spf_record_free(r);
	spf_record_free(NULL);
}

struct expand_case {
	const char	*spec;
	const char	*domain;
	int		 rc;		/* -1, -2 or 0: the length of out */
	const char	*out;
};

static const struct expand_case expand_cases[] = {
	{ "example.com", "x.example", 0, "example.com" },
	{ "%{d}", "mail.example.com", 0, "mail.example.com" },
	{ "%{o}", "mail.example.com", 0, "mail.example.com" },
	{ "_spf.%{d}", "example.com", 0, "_spf.example.com" },
	{ "%{d2}", "a.b.example.com", 0, "example.com" },
	{ "%{d1}", "a.b.example.com", 0, "com" },
	{ "%{d9}", "a.b.example.com", 0, "a.b.example.com" },
	{ "%{dr}", "a.b.example.com", 0, "com.example.b.a" },
	{ "%{d2r}", "a.b.example.com", 0, "b.a" },
	{ "%{d-}", "a-b.example.com", 0, "a.b.example.com" },
	{ "%{d2r-}", "a-b.c", 0, "b.c.a" },
	{ "%{D}", "example.com", 0, "example.com" },
	{ "%%%_%-.x.example", "example.com", 0, "% %20.x.example" },
	{ "%{i}.example.com", "example.com", -1, NULL },
	{ "%{s}", "example.com", -1, NULL },
	{ "%{l}", "example.com", -1, NULL },
	{ "%{h}.%{d}", "example.com", -1, NULL },
	{ "%{p}", "example.com", -1, NULL },
	{ "%{v}", "example.com", -1, NULL },
	{ "%{c}", "example.com", -1, NULL },
	{ "%{r}", "example.com", -1, NULL },
	{ "%{t}", "example.com", -1, NULL },
	{ "%{x}", "example.com", -2, NULL },
	{ "%{d", "example.com", -2, NULL },
	{ "%{d0}", "example.com", -2, NULL },
	{ "%q", "example.com", -2, NULL },
	{ "%", "example.com", -2, NULL },
};

static void
test_spf_expand(void **state)
{
	const struct expand_case *t = expand_cases;
	char buf[300], big[600];
	size_t i;
	int rc, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(expand_cases) / sizeof(expand_cases[0]); i++) {
		rc = spf_expand(t[i].spec, t[i].domain, buf, sizeof(buf));
		if (t[i].rc < 0 ? rc != t[i].rc :
		    rc != (int)strlen(t[i].out) || strcmp(buf, t[i].out) != 0) {
			print_error("expand %zu \"%s\": %d \"%s\"\n", i,
			    t[i].spec, rc, rc >= 0 ? buf : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(spf_has_macro("%{d}"), 1);
	assert_int_equal(spf_has_macro("example.com"), 0);
	/* Too small a buffer. */
	assert_int_equal(spf_expand("%{d}", "example.com", buf, 11), -2);
	assert_int_equal(spf_expand("%{d}", "example.com", buf, 12), 11);
	/* Over 253 bytes: labels go from the left. */
	/* Four labels of 60 and example.com: 255 bytes. */
	for (i = 0; i < 4; i++) {
		memset(big + i * 61, 'a', 60);
		big[i * 61 + 60] = '.';
	}
	strcpy(big + 4 * 61, "example.com");
	assert_int_equal(spf_expand("%{d}.%{d}", big, buf, sizeof(buf)),
	    -2);
	rc = spf_expand("x.%{d}", big, buf, sizeof(buf));
	assert_true(rc > 0 && rc <= 253);
	assert_int_equal(rc, (int)strlen(buf));
	assert_string_equal(buf + rc - 11, "example.com");
	assert_true(buf[0] == 'a');
}

struct suggest_case {
	const char	*old;		/* NULL: build one */
	const char	*out;
};

static const struct suggest_case suggest_cases[] = {
	{ "v=spf1 mx -all", "v=spf1 mx -all" },
	{ "v=spf1 mx ~all", "v=spf1 mx -all" },
	{ "v=spf1 mx ?all", "v=spf1 mx -all" },
	{ "v=spf1 mx +all", "v=spf1 mx -all" },
	{ "v=spf1 mx all", "v=spf1 mx -all" },
	{ "v=spf1   a   mx", "v=spf1 a mx -all" },
	{ "v=spf1", "v=spf1 -all" },
	{ "v=spf1 exp=x.example", "v=spf1 -all exp=x.example" },
	{ "v=spf1 a exp=x.example", "v=spf1 a -all exp=x.example" },
	{ "v=spf1 a redirect=x.example", "v=spf1 a redirect=x.example" },
	{ "v=spf1 ~all redirect=x.example", "v=spf1 -all redirect=x.example" },
	{ "V=SPF1 IP4:192.0.2.1 ~ALL", "v=spf1 IP4:192.0.2.1 -all" },
};

static void
test_spf_suggest(void **state)
{
	const struct suggest_case *t = suggest_cases;
	const char *mx[] = { "mx1.example.com", "mx2.example.com" };
	const char *ips[] = { "192.0.2.1", "2001:db8::25", "198.51.100.0/24" };
	const char *badip[] = { "192.0.2.300" };
	const char *badcidr[] = { "192.0.2.0/33" };
	struct spf_record *r, *again;
	struct errbuf e;
	char buf[256];
	size_t i;
	int rc, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(suggest_cases) / sizeof(suggest_cases[0]);
	    i++) {
		assert_int_equal(spf_parse(t[i].old, strlen(t[i].old), &r, &e),
		    0);
		rc = spf_suggest(r, NULL, 0, NULL, 0, buf, sizeof(buf));
		if (rc != (int)strlen(t[i].out) || strcmp(buf, t[i].out) != 0) {
			print_error("suggest %zu \"%s\": %d \"%s\"\n", i,
			    t[i].old, rc, buf);
			bad++;
		}
		/* What it suggests parses, and ends in -all. */
		assert_int_equal(spf_parse(buf, (size_t)rc, &again, &e), 0);
		assert_true(again->all_qual == '-' || r->redirect != NULL);
		spf_record_free(again);
		/* Too small by one. */
		assert_int_equal(spf_suggest(r, NULL, 0, NULL, 0, buf,
		    strlen(t[i].out)), -1);
		spf_record_free(r);
	}
	assert_int_equal(bad, 0);

	rc = spf_suggest(NULL, mx, 2, ips, 3, buf, sizeof(buf));
	assert_string_equal(buf, "v=spf1 mx ip4:192.0.2.1 ip6:2001:db8::25 "
	    "ip4:198.51.100.0/24 -all");
	assert_int_equal(rc, (int)strlen(buf));
	assert_int_equal(spf_suggest(NULL, mx, 1, NULL, 0, buf, sizeof(buf)),
	    14);
	assert_string_equal(buf, "v=spf1 mx -all");
	rc = spf_suggest(NULL, NULL, 0, ips, 1, buf, sizeof(buf));
	assert_string_equal(buf, "v=spf1 ip4:192.0.2.1 -all");
	assert_int_equal(rc, (int)strlen(buf));
	assert_int_equal(spf_suggest(NULL, NULL, 0, NULL, 0, buf,
	    sizeof(buf)), 11);
	assert_string_equal(buf, "v=spf1 -all");
	assert_int_equal(spf_suggest(NULL, NULL, 0, badip, 1, buf,
	    sizeof(buf)), -1);
	assert_int_equal(spf_suggest(NULL, NULL, 0, badcidr, 1, buf,
	    sizeof(buf)), -1);
	assert_int_equal(spf_suggest(NULL, NULL, 0, NULL, 0, buf, 11), -1);
	assert_string_equal(buf, "");
}

/* DMARC. */

struct dmarc_case {
	const char	*txt;
	int		 ok;
	const char	*err;		/* a substring of the error */
	int		 p, sp, sp_given, pct;
	size_t		 nrua, nruf;
};

#define N	DMARC_NONE
#define Q	DMARC_QUARANTINE
#define R	DMARC_REJECT

static const struct dmarc_case dmarc_cases[] = {
	{ "v=DMARC1; p=reject", 1, NULL, R, R, 0, 100, 0, 0 },
	{ "v=DMARC1;p=none", 1, NULL, N, N, 0, 100, 0, 0 },
	{ "v=DMARC1; p=quarantine;", 1, NULL, Q, Q, 0, 100, 0, 0 },
	{ " V = DMARC1 ;  P = Reject ; ", 1, NULL, R, R, 0, 100, 0, 0 },
	{ "v=DMARC1;\tp=reject\t;\tsp=none", 1, NULL, R, N, 1, 100, 0, 0 },
	{ "v=DMARC1; p=reject; sp=quarantine; pct=0", 1, NULL, R, Q, 1, 0, 0,
	    0 },
	{ "v=DMARC1; p=reject; pct=100", 1, NULL, R, R, 0, 100, 0, 0 },
	{ "v=DMARC1; p=reject;; pct=50", 1, NULL, R, R, 0, 50, 0, 0 },
	{ "v=DMARC1; p=reject; pct=101", 0, "0 to 100", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; pct=-1", 0, "0 to 100", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; pct=", 0, "0 to 100", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; pct=5 0", 0, "0 to 100", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=mailto:d@example.org", 1, NULL, R, R, 0,
	    100, 1, 0 },
	{ "v=DMARC1; p=none; rua=mailto:a@example.org!10m, "
	    "MAILTO:b@example.net!1g,mailto:c@x.example; "
	    "ruf=mailto:f@example.org", 1, NULL, N, N, 0, 100, 3, 1 },
	{ "v=DMARC1; p=reject; rua=mailto:a@example.org!10x", 0,
	    "invalid size limit", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=mailto:a@example.org!", 0,
	    "invalid size limit", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=mailto:a@example.org!10mm", 0,
	    "invalid size limit", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=https://example.org/r", 0,
	    "not a mailto: URI", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=a@example.org", 0, "not a mailto: URI", 0,
	    0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=", 0, "not a mailto: URI", 0, 0, 0, 0, 0,
	    0 },
	{ "v=DMARC1; p=reject; rua=mailto:a@example.org,", 0,
	    "not a mailto: URI", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=mailto:example.org", 0,
	    "not a mail address", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; ruf=mailto:@example.org", 0,
	    "not a mail address", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; ruf=mailto:a@", 0, "not a mail address", 0,
	    0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; ruf=mailto:a@b.example@", 0,
	    "not a mail address", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; ruf=mailto:a@b.example?subject=x", 0,
	    "not a mail address", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; ruf=mailto:a b@b.example", 0,
	    "not a mail address", 0, 0, 0, 0, 0, 0 },
	/* p= missing, invalid, not second. */
	{ "v=DMARC1", 1, NULL, N, N, 0, 100, 0, 0 },
	{ "v=DMARC1; rua=mailto:d@example.org", 1, NULL, N, N, 0, 100, 1,
	    0 },
	{ "v=DMARC1; sp=reject", 1, NULL, N, R, 1, 100, 0, 0 },
	{ "v=DMARC1; p=rejected", 0, "none, quarantine or reject", 0, 0, 0,
	    0, 0, 0 },
	{ "v=DMARC1; p=", 0, "none, quarantine or reject", 0, 0, 0, 0, 0,
	    0 },
	{ "v=DMARC1; sp=none; p=reject", 0, "column 20: p= must be the "
	    "second tag", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; foo=bar; p=reject", 0, "second tag", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; sp=all", 0, "none, quarantine or reject", 0,
	    0, 0, 0, 0, 0 },
	/* v= first and exact. */
	{ "p=reject; v=DMARC1", 0, "first tag must be v=DMARC1", 0, 0, 0, 0,
	    0, 0 },
	{ "v=dmarc1; p=reject", 0, "first tag must be v=DMARC1", 0, 0, 0, 0,
	    0, 0 },
	{ "v=DMARC2; p=reject", 0, "first tag", 0, 0, 0, 0, 0, 0 },
	{ "", 0, "not a DMARC record", 0, 0, 0, 0, 0, 0 },
	{ ";", 0, "first tag must be", 0, 0, 0, 0, 0, 0 },
	{ " ;v=DMARC1; p=none", 0, "column 2: the first tag", 0, 0, 0, 0, 0,
	    0 },
	{ "v=spf1 -all", 0, "first tag", 0, 0, 0, 0, 0, 0 },
	/* Repeated tags. */
	{ "v=DMARC1; p=reject; p=none", 0, "p= repeated", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; v=DMARC1", 0, "v= repeated", 0, 0, 0, 0, 0,
	    0 },
	{ "v=DMARC1; p=reject; pct=50; PCT=50", 0, "PCT= repeated", 0, 0, 0,
	    0, 0, 0 },
	{ "v=DMARC1; p=reject; rua=mailto:a@x.example; rua=mailto:b@x."
	    "example", 0, "rua= repeated", 0, 0, 0, 0, 0, 0 },
	/* The other tags; unknown ones ignored. */
	{ "v=DMARC1; p=reject; adkim=s; aspf=R; fo=0:1 : d:s; rf=afrf; "
	    "ri=3600", 1, NULL, R, R, 0, 100, 0, 0 },
	{ "v=DMARC1; p=reject; adkim=x", 0, "r or s", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; aspf=", 0, "r or s", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; fo=2", 0, "0, 1, d and s", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; fo=dd", 0, "0, 1, d and s", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; fo=1:", 0, "separated", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; rf=afrf::iodef", 0, "separated", 0, 0, 0, 0,
	    0, 0 },
	{ "v=DMARC1; p=reject; ri=x", 0, "seconds", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject; ri=99999999999", 0, "seconds", 0, 0, 0, 0, 0,
	    0 },
	{ "v=DMARC1; p=reject; np=none; psd=n; t=y; x_y=1", 1, NULL, R, R, 0,
	    100, 0, 0 },
	/* Syntax of the list. */
	{ "v=DMARC1; p reject", 0, "expected \"=\"", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; =reject", 0, "column 11: expected a tag name", 0, 0, 0,
	    0, 0, 0 },
	{ "v=DMARC1; p=re\x01ject", 0, "byte 0x01", 0, 0, 0, 0, 0, 0 },
	{ "v=DMARC1; p=reject\r\n", 0, "byte 0x0d", 0, 0, 0, 0, 0, 0 },
};

#undef N
#undef Q
#undef R

static void
test_dmarc_table(void **state)
{
	const struct dmarc_case *t = dmarc_cases;
	struct dmarc_record r;
	struct errbuf e;
	size_t i;
	int rc, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(dmarc_cases) / sizeof(dmarc_cases[0]); i++) {
		e.msg[0] = '\0';
		rc = dmarc_parse(t[i].txt, strlen(t[i].txt), &r, &e);
		if (rc != (t[i].ok ? 0 : -1)) {
			print_error("dmarc %zu \"%s\": rc %d: %s\n", i,
			    t[i].txt, rc, e.msg);
			bad++;
		} else if (rc == -1) {
			if (strstr(e.msg, t[i].err) == NULL ||
			    strncmp(e.msg, "column ", 7) != 0 ||
			    r.nrua != 0 || r.rua != NULL) {
				print_error("dmarc %zu \"%s\": \"%s\", wanted "
				    "\"%s\"\n", i, t[i].txt, e.msg, t[i].err);
				bad++;
			}
		} else if ((int)r.p != t[i].p || (int)r.sp != t[i].sp ||
		    r.sp_given != t[i].sp_given || r.pct != t[i].pct ||
		    r.nrua != t[i].nrua || r.nruf != t[i].nruf ||
		    !dmarc_is_record(t[i].txt, strlen(t[i].txt))) {
			print_error("dmarc %zu \"%s\": p %d sp %d/%d pct %d, "
			    "%zu rua, %zu ruf\n", i, t[i].txt, r.p, r.sp,
			    r.sp_given, r.pct, r.nrua, r.nruf);
			bad++;
		}
		dmarc_record_free(&r);
		dmarc_record_free(&r);
	}
	assert_int_equal(bad, 0);
}

static void
test_dmarc_fields(void **state)
{
	const char *txt = "v=DMARC1; p=quarantine; rua=mailto:a@example.org!10m"
	    ", mailto:b@example.net!2G; ruf=mailto:f@Example.COM; adkim=S; "
	    "fo=1:d; rf=afrf; ri=3600";
	struct dmarc_record r;
	struct errbuf e;

	(void)state;
	assert_int_equal(dmarc_parse(txt, strlen(txt), &r, &e), 0);
	assert_int_equal(r.p_given, 1);
	assert_int_equal(r.nrua, 2);
	assert_string_equal(r.rua[0].uri, "mailto:a@example.org!10m");
	assert_string_equal(r.rua[0].addr, "a@example.org");
	assert_true(r.rua[0].limit == 10ULL << 20);
	assert_string_equal(r.rua[1].addr, "b@example.net");
	assert_true(r.rua[1].limit == 2ULL << 30);
	assert_string_equal(r.ruf[0].uri, "mailto:f@Example.COM");
	assert_true(r.ruf[0].limit == 0);
	assert_int_equal(r.adkim, 's');
	assert_int_equal(r.aspf, 0);
	assert_string_equal(r.fo, "1:d");
	assert_string_equal(r.rf, "afrf");
	assert_int_equal(r.ri, 3600);
	assert_string_equal(dmarc_uri_domain(r.ruf[0].addr), "Example.COM");
	dmarc_record_free(&r);
	assert_null(r.rua);

	assert_int_equal(dmarc_parse("v=DMARC1", 8, &r, &e), 0);
	assert_int_equal(r.p_given, 0);
	assert_int_equal(r.ri, -1);
	assert_int_equal(r.pct_given, 0);
	dmarc_record_free(&r);

	assert_string_equal(dmarc_uri_domain("a@b@c.example"), "c.example");
	assert_null(dmarc_uri_domain("a.example"));
	assert_null(dmarc_uri_domain("a@"));

	/* dmarc_is_record(): the first tag only. */
	assert_int_equal(dmarc_is_record("v=DMARC1", 8), 1);
	assert_int_equal(dmarc_is_record(" v = DMARC1 ; p=none", 20), 1);
	assert_int_equal(dmarc_is_record("V=DMARC1;", 9), 1);
	assert_int_equal(dmarc_is_record("v=DMARC1 p=none", 15), 0);
	assert_int_equal(dmarc_is_record("v=dmarc1", 8), 0);
	assert_int_equal(dmarc_is_record("v=DMARC", 7), 0);
	assert_int_equal(dmarc_is_record(";v=DMARC1", 9), 0);
	assert_int_equal(dmarc_is_record("p=none; v=DMARC1", 16), 0);
	assert_int_equal(dmarc_is_record("v=DMARC1x", 8), 1);	/* len 8 */
	assert_int_equal(dmarc_is_record("", 0), 0);
}

struct dsuggest_case {
	const char	*old;		/* NULL: no record */
	const char	*out;
};

static const struct dsuggest_case dsuggest_cases[] = {
	{ NULL, "v=DMARC1; p=reject" },
	{ "v=DMARC1; p=none", "v=DMARC1; p=reject" },
	{ "v=DMARC1; p=reject; sp=none; pct=10",
	    "v=DMARC1; p=reject" },
	{ "v=DMARC1; p=quarantine; sp=reject; pct=100",
	    "v=DMARC1; p=reject" },
	{ "v=DMARC1; p=none; rua=mailto:a@example.org!10m,mailto:b@x.example;"
	    " ruf=mailto:f@example.org; adkim=s; aspf=r; fo=1; rf=afrf; "
	    "ri=3600; foo=bar",
	    "v=DMARC1; p=reject; adkim=s; aspf=r; "
	    "rua=mailto:a@example.org!10m,mailto:b@x.example; "
	    "ruf=mailto:f@example.org; fo=1; rf=afrf; ri=3600" },
	{ "v=DMARC1; rua=mailto:a@example.org",
	    "v=DMARC1; p=reject; rua=mailto:a@example.org" },
};

static void
test_dmarc_suggest(void **state)
{
	const struct dsuggest_case *t = dsuggest_cases;
	struct dmarc_record r, again, *old;
	struct errbuf e;
	char buf[512];
	size_t i;
	int rc, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(dsuggest_cases) / sizeof(dsuggest_cases[0]);
	    i++) {
		old = NULL;
		if (t[i].old != NULL) {
			assert_int_equal(dmarc_parse(t[i].old,
			    strlen(t[i].old), &r, &e), 0);
			old = &r;
		}
		rc = dmarc_suggest(old, buf, sizeof(buf));
		if (rc != (int)strlen(t[i].out) || strcmp(buf, t[i].out) != 0) {
			print_error("dmarc suggest %zu: %d \"%s\"\n", i, rc,
			    buf);
			bad++;
		}
		assert_int_equal(dmarc_parse(buf, strlen(buf), &again, &e), 0);
		assert_int_equal(again.p, DMARC_REJECT);
		assert_int_equal(again.sp, DMARC_REJECT);
		assert_int_equal(again.pct, 100);
		dmarc_record_free(&again);
		assert_int_equal(dmarc_suggest(old, buf, strlen(t[i].out)),
		    -1);
		if (old != NULL)
			dmarc_record_free(old);
	}
	assert_int_equal(bad, 0);
}

/* DKIM key records. */

/*
 * Real keys, made once with OpenSSL 3.0:
 *   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:BITS -out k.pem
 *   openssl pkey -in k.pem -pubout -outform DER | base64 -w0
 * for BITS 512, 1023, 1024, 2048 and 4096 (SubjectPublicKeyInfo, what
 * opendkim-genkey publishes); the 1024-bit key again as a bare PKCS#1
 * RSAPublicKey:
 *   openssl rsa -in k.pem -RSAPublicKey_out -outform DER | base64 -w0
 * and an ed25519 key, its 32 raw bytes as RFC 8463 publishes them:
 *   openssl genpkey -algorithm ED25519 -out e.pem
 *   openssl pkey -in e.pem -pubout -outform DER | tail -c 32 | base64 -w0
 * The 1023-bit modulus has no leading zero byte and a zero top bit; the
 * others have a leading zero byte.
 */
#define RSA512_SPKI \
	"MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMeudSq2tiM1/gVJDA16FSBgoXqL" \
	"I7flKJjlCmiE9wixdiTVHFyRrDNFDBI0y94krRPsHm5DrMybSnINt0cYeB0C" \
	"AwEAAQ=="
#define RSA1023_SPKI \
	"MIGeMA0GCSqGSIb3DQEBAQUAA4GMADCBiAKBgF74uLhFyF6nfZIJPro1X+78" \
	"vJy4dBd9Z4mz68kv1XtgIGta32KkbpJr/7cPlcFDDepJbA5nK0an2K7638L/" \
	"pF24hyKCWad+ERWNvOoMSuXG1KWaeZXYjVrEE8qbOIeehxC1q+5cjL6cl5He" \
	"R9m+WI4X//fmATCXdNSrYImqaW9/AgMBAAE="
#define RSA1024_SPKI \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDGZPJYWJowKWebgyeJIjpZ" \
	"lCti8Je9sHeXL7Lz82TfbANTmVYlVFZuu1298BcqcETcDH3Kv3/e/lLkw/sS" \
	"oSG4tWHyFKXwBlDXp6sRkqr7BmX49hBeOV5D2sxQWN4CEhGPr/Dzo1lnsbQj" \
	"+wR30UJvqA7Sj83z7drYwxvtha7GFQIDAQAB"
#define RSA1024_PKCS1 \
	"MIGJAoGBAMZk8lhYmjApZ5uDJ4kiOlmUK2Lwl72wd5cvsvPzZN9sA1OZViVU" \
	"Vm67Xb3wFypwRNwMfcq/f97+UuTD+xKhIbi1YfIUpfAGUNenqxGSqvsGZfj2" \
	"EF45XkPazFBY3gISEY+v8POjWWextCP7BHfRQm+oDtKPzfPt2tjDG+2FrsYV" \
	"AgMBAAE="
#define RSA2048_SPKI \
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtNQ4E0JhTljh2sAM" \
	"u12/4CMpOZPuiAbdtGLNYTFEoG8njC2WeRjvfxbM4Uf5VGRqlBGtVNk6anKF" \
	"0OMFyHVLnoIFBfcYRN7CmQzI+UVTjR50/M3mCgwe2oXOi/rdHa/RMKd56qrk" \
	"LMlmnv0SJmRaaSvxTnUFhY1sUzI9ekr833ktcf3Efw8eS7wa/d2s/LizEIb+" \
	"HDR/rfSjv9e2AYzEHXSvAdWZo75l6i0TWD8zuAnTy2/xjehsY5Njd8hk1AKR" \
	"+uyYQyapDXp50yGaaacCP9lmQGqQlUwUziTQreYynjfpWyEOJqQsuPtJniLi" \
	"BSUcDyDJjAUztwWP3WQ+w1C9MQIDAQAB"
#define RSA4096_SPKI \
	"MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA4Upx4P3IbWegB5/A" \
	"a0aWr5NdE8f5eQ9T/xQhro7YgwPaGrad/w1FDxEEpVgH/DkyyeH5CrmLssj9" \
	"x6ccb6zYWjtIPj4ieVwd7whBK8pA4oo6Psqi3ipte8mECL7zxA3XqCSwmVuM" \
	"YMyRV8rcJGmxBdQIqx60Ap3n7waxpwepbnqWhchc22yL1XPO+xVfdq6Ki0SI" \
	"tfOPMHPbCX30o8+XkRyZcRlAgG9dXZHs3lUrtgnZhCNLAy8SxVMS+LhMTbh4" \
	"0UDgI31LOALZ0QkEudqmcG6Wn4DOBpfu07fVOEDmG8QeBAh4hQAPPTVXYMx+" \
	"toyzawCoDn+KmFBV04tgsJUwFLN0rfH3hejFtiGnxzfWaRQQ6QhoVJQJfzmm" \
	"EGSOrW+8czgjrjhsx95tCLU77fX2Byv1fwZGLC3tlec+Af3HzZpW6v65nRFR" \
	"Ly+ZbhQnQiTxy386EFkO14KXoo1gkTwpw8DF0+/VmZ5wzPIyqJSIDOVhyG+9" \
	"9UMKfCF/fTR8p2gQ+fNiVXER86L5rWvSEaKmup4xpP8akYgPl+IHPz5Ctm90" \
	"iODKKWeUd8q00s0O437Fz3dRfZihptvF01DIcCzRGHqr0GIpBlTGLAAJmQlT" \
	"wIWicvmK1x3JkAtD05E0ZpH98gVx/wTXfCybPk6WFkSLur2JcbjbX5s1R7tW" \
	"zZVThcUCAwEAAQ=="
#define ED_RAW \
	"ZG0BEEAzyu/7eKPPzskxa6lwSEDjt8LtXdWlNNbk12Y="

/* 31 and 33 zero bytes. */
#define B31	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
#define B33	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

struct dkim_case {
	const char	*txt;
	int		 ok;
	const char	*err;		/* a substring of the error */
	int		 alg, bits, revoked;
	unsigned	 flags;
	int		 sha1_only, email;
};

static const struct dkim_case dkim_cases[] = {
	/* Real keys. */
	{ "v=DKIM1; k=rsa; p=" RSA512_SPKI, 1, NULL, DKIM_RSA, 512, 0, 0, 0,
	    1 },
	{ "v=DKIM1; p=" RSA1023_SPKI, 1, NULL, DKIM_RSA, 1023, 0, 0, 0, 1 },
	{ "v=DKIM1; k=rsa; p=" RSA1024_SPKI, 1, NULL, DKIM_RSA, 1024, 0, 0, 0,
	    1 },
	{ "p=" RSA1024_PKCS1, 1, NULL, DKIM_RSA, 1024, 0, 0, 0, 1 },
	{ "v=DKIM1; h=sha256; k=rsa; s=email; t=s; p=" RSA2048_SPKI, 1, NULL,
	    DKIM_RSA, 2048, 0, DKIM_STRICT, 0, 1 },
	{ "k=rsa;p=" RSA4096_SPKI ";", 1, NULL, DKIM_RSA, 4096, 0, 0, 0, 1 },
	{ "v=DKIM1; k=ed25519; p=" ED_RAW, 1, NULL, DKIM_ED25519, 256, 0, 0,
	    0, 1 },
	{ "k=ED25519; p=" ED_RAW, 1, NULL, DKIM_ED25519, 256, 0, 0, 0, 1 },
	/* Folding white space inside p= and around tags. */
	{ "v=DKIM1;\r\n\tk=rsa;\r\n p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDGZPJY"
	    "WJowKWebgyeJIjpZ\r\n\tlCti8Je9sHeXL7Lz82TfbANTmVYlVFZuu1298BcqcETcD"
	    "H3Kv3/e/lLkw/sS oSG4tWHyFKXwBlDXp6sRkqr7BmX49hBeOV5D2sxQWN4CEhGPr/"
	    "Dzo1lnsbQj +wR30UJvqA7Sj83z7drYwxvtha7GFQIDAQAB \r\n", 1, NULL,
	    DKIM_RSA, 1024, 0, 0, 0, 1 },
	/* Revoked. */
	{ "v=DKIM1; p=", 1, NULL, DKIM_RSA, 0, 1, 0, 0, 1 },
	{ "v=DKIM1; k=ed25519; p= ;", 1, NULL, DKIM_ED25519, 0, 1, 0, 0, 1 },
	{ "p=", 1, NULL, DKIM_RSA, 0, 1, 0, 0, 1 },
	/* Flags, hashes, services. */
	{ "t=y:s; h=sha1; s=*; p=" ED_RAW "; k=ed25519", 1, NULL,
	    DKIM_ED25519, 256, 0, DKIM_TESTING | DKIM_STRICT, 1, 1 },
	{ "t=x; h=sha1:sha256; s=email:other; p=" ED_RAW "; k=ed25519", 1,
	    NULL, DKIM_ED25519, 256, 0, 0, 0, 1 },
	{ "t=y; h = sha512 ; s=tlsrpt; n=any notes here; x=1; P=2; p=" ED_RAW
	    "; k=ed25519", 1, NULL, DKIM_ED25519, 256, 0, DKIM_TESTING, 0, 0 },
	{ "h=sha1:; p=", 0, "separated", 0, 0, 0, 0, 0, 0 },
	{ "s=:email; p=", 0, "separated", 0, 0, 0, 0, 0, 0 },
	{ "t=; p=", 0, "separated", 0, 0, 0, 0, 0, 0 },
	/* v=, k=, p= errors. */
	{ "k=rsa; v=DKIM1; p=", 0, "v= must be first", 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM2; p=", 0, "v=DKIM1", 0, 0, 0, 0, 0, 0 },
	{ "v=dkim1; p=", 0, "v=DKIM1", 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; k=dsa; p=", 0, "unknown key type k=dsa", 0, 0, 0, 0, 0,
	    0 },
	{ "v=DKIM1; k=", 0, "unknown key type", 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; k=rs\r\n a; p=", 0, "unknown key type k= (rsa", 0, 0, 0,
	    0, 0, 0 },
	{ "v=DKIM1; k=rsa", 0, "no p= tag", 0, 0, 0, 0, 0, 0 },
	{ "", 0, "no p= tag", 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; p=a; p=b", 0, "p= repeated", 0, 0, 0, 0, 0, 0 },
	{ "k=rsa; k=rsa; p=", 0, "k= repeated", 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; p=not*base64", 0, "not valid base64", 0, 0, 0, 0, 0, 0 },
	{ "p=MIGfMA0G=CSqG", 0, "not valid base64", 0, 0, 0, 0, 0, 0 },
	{ "p=MIGfM", 0, "not valid base64", 0, 0, 0, 0, 0, 0 },
	{ "p=MIGfMA===", 0, "not valid base64", 0, 0, 0, 0, 0, 0 },
	{ "p=MIGfMA=", 0, "not valid base64", 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1 p=abc", 0, "v= must be first", 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; p", 0, "expected \"=\"", 0, 0, 0, 0, 0, 0 },
	/* Truncated and malformed DER. */
	{ "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtNQ4E0JhTljh2sAM", 0,
	    "not a DER public key", 0, 0, 0, 0, 0, 0 },
	{ "p=MAYCAYACAQM=", 0, "negative", 0, 0, 0, 0, 0, 0 },
	{ "p=MAYCAQACAQM=", 0, "modulus of zero", 0, 0, 0, 0, 0, 0 },
	{ "p=MAYCAQECAQM=", 1, NULL, DKIM_RSA, 1, 0, 0, 0, 1 },
	{ "p=MAYCAX8CAQM=", 1, NULL, DKIM_RSA, 7, 0, 0, 0, 1 },
	{ "p=MBowDQYJKoZIhvcNAQEBBQADCQAwBgIBAQIBAw==", 1, NULL, DKIM_RSA, 1,
	    0, 0, 0, 1 },
	{ "p=MIQAAAAGAgEBAgED", 1, NULL, DKIM_RSA, 1, 0, 0, 0, 1 },
	{ "p=MIUAAAAABgIBAQIBAw==", 0, "not a DER", 0, 0, 0, 0, 0, 0 },
	{ "p=MAYCAQECAQMAAA==", 0, "not a DER", 0, 0, 0, 0, 0, 0 },
	{ "p=MAcCAQECAQM=", 0, "not a DER", 0, 0, 0, 0, 0, 0 },
	{ "p=MAUCAQECAQ==", 0, "not a DER", 0, 0, 0, 0, 0, 0 },
	{ "p=MAgCAQECAQM=", 0, "not a DER", 0, 0, 0, 0, 0, 0 },
	{ "p=" ED_RAW, 0, "not a DER", 0, 0, 0, 0, 0, 0 },
	/* An ed25519 SubjectPublicKeyInfo is not an RSA key... */
	{ "p=MCowBQYDK2VwAyEA" ED_RAW, 0, "not an RSA key", 0, 0, 0, 0, 0, 0 },
	/* ...and not the 32 bytes RFC 8463 wants. */
	{ "k=ed25519; p=MCowBQYDK2VwAyEA" ED_RAW, 0, "32 bytes, not 44", 0, 0,
	    0, 0, 0, 0 },
	{ "k=ed25519; p=" B31, 0, "32 bytes, not 31", 0, 0, 0, 0, 0, 0 },
	{ "k=ed25519; p=" B33, 0, "32 bytes, not 33", 0, 0, 0, 0, 0, 0 },
	{ "k=ed25519; p=" RSA2048_SPKI, 0, "32 bytes, not 294", 0, 0, 0, 0,
	    0, 0 },
};

static void
test_dkim_table(void **state)
{
	const struct dkim_case *t = dkim_cases;
	struct dkim_key k;
	struct errbuf e;
	size_t i;
	int rc, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(dkim_cases) / sizeof(dkim_cases[0]); i++) {
		e.msg[0] = '\0';
		rc = dkim_parse_key(t[i].txt, strlen(t[i].txt), &k, &e);
		if (rc != (t[i].ok ? 0 : -1)) {
			print_error("dkim %zu \"%.40s\": rc %d: %s\n", i,
			    t[i].txt, rc, e.msg);
			bad++;
		} else if (rc == -1) {
			if (strstr(e.msg, t[i].err) == NULL ||
			    strncmp(e.msg, "column ", 7) != 0) {
				print_error("dkim %zu \"%.40s\": \"%s\", "
				    "wanted \"%s\"\n", i, t[i].txt, e.msg,
				    t[i].err);
				bad++;
			}
		} else if ((int)k.alg != t[i].alg || k.bits != t[i].bits ||
		    k.revoked != t[i].revoked || k.flags != t[i].flags ||
		    k.sha1_only != t[i].sha1_only || k.email != t[i].email) {
			print_error("dkim %zu \"%.40s\": alg %d, %d bits, "
			    "revoked %d, flags %#x, sha1 %d, email %d\n", i,
			    t[i].txt, k.alg, k.bits, k.revoked, k.flags,
			    k.sha1_only, k.email);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Zone-file lines. */

/* A text of n bytes: 'a' to 'z' over and over. */
static char *
letters(size_t n)
{
	char *s;
	size_t i;

	assert_non_null(s = malloc(n + 1));
	for (i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = '\0';
	return s;
}

/* Checks the line of a text of n letters: strings of 255 and the rest. */
static void
check_split(size_t n)
{
	char *text = letters(n), *want, buf[2048];
	size_t i, off, w;
	int rc;

	assert_non_null(want = malloc(2048));
	w = (size_t)snprintf(want, 2048, "x.example. IN TXT");
	off = 0;
	do {
		i = n - off < 255 ? n - off : 255;
		w += (size_t)snprintf(want + w, 2048 - w, " \"%.*s\"", (int)i,
		    text + off);
		off += i;
	} while (off < n);
	rc = dnsrec_zone_txt("x.example", text, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(rc, (int)w);
	/* Exactly enough room, and one byte less. */
	assert_int_equal(dnsrec_zone_txt("x.example.", text, buf, w + 1),
	    (int)w);
	assert_int_equal(dnsrec_zone_txt("x.example.", text, buf, w), -1);
	assert_string_equal(buf, "");
	free(want);
	free(text);
}

static void
test_zone_txt(void **state)
{
	char buf[2048], *s;
	int rc;

	(void)state;
	rc = dnsrec_zone_txt("example.com", "", buf, sizeof(buf));
	assert_string_equal(buf, "example.com. IN TXT \"\"");
	assert_int_equal(rc, 22);
	rc = dnsrec_zone_txt("_dmarc.example.com.", "v=DMARC1; p=reject",
	    buf, sizeof(buf));
	assert_string_equal(buf,
	    "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject\"");
	rc = dnsrec_zone_txt("x", "say \"hi\" \\o/", buf, sizeof(buf));
	assert_string_equal(buf, "x. IN TXT \"say \\\"hi\\\" \\\\o/\"");
	rc = dnsrec_zone_txt("x", "caf\xc3\xa9\t\x01\x7f~", buf, sizeof(buf));
	assert_string_equal(buf,
	    "x. IN TXT \"caf\\195\\169\\009\\001\\127~\"");
	assert_int_equal(rc, (int)strlen(buf));
	assert_int_equal(dnsrec_zone_txt("x", "", buf, 0), -1);
	check_split(0);
	check_split(1);
	check_split(254);
	check_split(255);
	check_split(256);
	check_split(510);
	check_split(511);
	check_split(1000);
	/* Escapes count as one byte of the string they are in. */
	s = letters(300);
	memset(s, '"', 255);
	rc = dnsrec_zone_txt("x", s, buf, sizeof(buf));
	assert_int_equal(rc, (int)strlen(buf));
	/* "x. IN TXT \"", 255 escaped quotes, then the second string. */
	assert_int_equal(strncmp(buf + 11 + 2 * 254, "\\\"\" \"v", 6), 0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spf_table),
		cmocka_unit_test(test_spf_terms),
		cmocka_unit_test(test_spf_expand),
		cmocka_unit_test(test_spf_suggest),
		cmocka_unit_test(test_dmarc_table),
		cmocka_unit_test(test_dmarc_fields),
		cmocka_unit_test(test_dmarc_suggest),
		cmocka_unit_test(test_dkim_table),
		cmocka_unit_test(test_zone_txt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
