/*
 * fuzz_spf.c: libFuzzer target for the SPF codec of dnsrec.h.
 *
 * Input: the text of an SPF record.  Checked: spf_parse() and
 * spf_is_record() agree; a parsed record's terms are what dnsrec.h says
 * (the all index and qualifier, the redirect and exp pointers, the DNS
 * term count); what spf_suggest() makes of it parses again, with the
 * same terms and "-all"; spf_expand() of each domain-spec either says
 * why not or gives a name of at most 253 bytes; the zone-file line of
 * the text reads back, string by string, as the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnsrec.h"
#include "fuzz_util.h"
#include "fuzz_zone.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The record's own invariants. */
static void
check_record(const struct spf_record *r)
{
	const struct spf_term *t;
	size_t i;
	int dns = 0, redirects = 0, exps = 0;
	long all = -1;

	for (i = 0; i < r->nterms; i++) {
		t = &r->terms[i];
		FUZZ_CHECK(t->text != NULL && *t->text != '\0' &&
		    strchr(t->text, ' ') == NULL, "term %zu text", i);
		if (t->kind == SPF_MODIFIER) {
			FUZZ_CHECK(t->name != NULL && t->value != NULL &&
			    t->qualifier == 0, "modifier %zu", i);
			if (strcasecmp(t->name, "redirect") == 0) {
				redirects++;
				FUZZ_CHECK(r->redirect == t->value, "redirect");
				dns++;
			}
			if (strcasecmp(t->name, "exp") == 0) {
				exps++;
				FUZZ_CHECK(r->exp == t->value, "exp");
			}
			continue;
		}
		FUZZ_CHECK(t->name == NULL && t->qualifier != 0 &&
		    strchr("+-~?", t->qualifier) != NULL, "mechanism %zu", i);
		FUZZ_CHECK(!t->explicit_qual || t->text[0] == t->qualifier,
		    "qualifier of %s", t->text);
		FUZZ_CHECK(t->cidr4 >= -1 && t->cidr4 <= 32 &&
		    t->cidr6 >= -1 && t->cidr6 <= 128, "cidr of %s", t->text);
		switch (t->kind) {
		case SPF_ALL:
			if (all == -1)
				all = (long)i;
			FUZZ_CHECK(t->value == NULL, "all with a value");
			break;
		case SPF_INCLUDE:
		case SPF_EXISTS:
			FUZZ_CHECK(t->value != NULL, "%s without a domain",
			    t->text);
			dns++;
			break;
		case SPF_IP4:
		case SPF_IP6:
			FUZZ_CHECK(t->value != NULL, "%s without an address",
			    t->text);
			break;
		default:
			dns++;
			break;
		}
	}
	FUZZ_CHECK(redirects <= 1 && exps <= 1, "%d redirect, %d exp",
	    redirects, exps);
	FUZZ_CHECK(redirects || r->redirect == NULL, "redirect pointer");
	FUZZ_CHECK(exps || r->exp == NULL, "exp pointer");
	FUZZ_CHECK(all == r->all, "all at %ld, said %ld", all, r->all);
	FUZZ_CHECK(all == -1 ? r->all_qual == 0 :
	    r->all_qual == r->terms[all].qualifier, "all qualifier");
	FUZZ_CHECK(dns == spf_dns_terms(r), "%d DNS terms, said %d", dns,
	    spf_dns_terms(r));
}

/* spf_suggest() of r parses again: the same terms, the all made -all. */
static void
check_suggest(const struct spf_record *r)
{
	struct spf_record *s;
	struct errbuf e;
	char *buf;
	size_t size = 32, i, j;
	int n, added;

	for (;;) {
		buf = fuzz_alloc(size);
		if ((n = spf_suggest(r, NULL, 0, NULL, 0, buf, size)) != -1)
			break;
		FUZZ_CHECK(buf[0] == '\0', "overflow left text");
		free(buf);
		size *= 4;
		FUZZ_CHECK(size < 1 << 24, "spf_suggest never fits");
	}
	FUZZ_CHECK((size_t)n == strlen(buf), "length %d", n);
	FUZZ_CHECK(spf_parse(buf, (size_t)n, &s, &e) == 0, "suggested %s: %s",
	    buf, e.msg);
	added = r->all == -1 && r->redirect == NULL;
	FUZZ_CHECK(s->nterms == r->nterms + (size_t)added, "%zu terms, %zu",
	    s->nterms, r->nterms);
	FUZZ_CHECK(s->all_qual == '-' || (r->all == -1 && r->redirect != NULL),
	    "suggested %s", buf);
	for (i = j = 0; i < s->nterms; i++) {
		if ((long)i == s->all && (added || (long)j == r->all)) {
			if (!added)
				j++;
			continue;
		}
		FUZZ_CHECK(j < r->nterms && strcmp(s->terms[i].text,
		    r->terms[j].text) == 0, "term %zu of %s", i, buf);
		j++;
	}
	spf_record_free(s);
	/* One byte short does not fit. */
	FUZZ_CHECK(spf_suggest(r, NULL, 0, NULL, 0, buf, (size_t)n) == -1,
	    "fits in %d", n);
	free(buf);
}

static void
check_expand(const struct spf_record *r)
{
	char buf[512];
	size_t i;
	int n;

	for (i = 0; i < r->nterms; i++) {
		if (r->terms[i].value == NULL || r->terms[i].kind == SPF_IP4 ||
		    r->terms[i].kind == SPF_IP6 ||
		    (r->terms[i].kind == SPF_MODIFIER &&
		    r->terms[i].value != r->redirect &&
		    r->terms[i].value != r->exp))
			continue;
		n = spf_expand(r->terms[i].value, "sub.example.com", buf,
		    sizeof(buf));
		FUZZ_CHECK(n >= -2 && n <= 253, "expand %s: %d",
		    r->terms[i].value, n);
		/* A valid spec is never "malformed" with room enough. */
		FUZZ_CHECK(n != -2 || strlen(r->terms[i].value) > 100,
		    "expand %s: -2", r->terms[i].value);
		if (n >= 0)
			FUZZ_CHECK((size_t)n == strlen(buf), "length %d", n);
		FUZZ_CHECK((n == -1) <= spf_has_macro(r->terms[i].value),
		    "%s needs a message without a macro", r->terms[i].value);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_record *r;
	struct errbuf e;
	char *s;
	int rc;

	s = fuzz_copy(data, size, 0);
	rc = spf_parse(s, size, &r, &e);
	FUZZ_CHECK(rc == 0 || rc == -1, "spf_parse: %d", rc);
	if (rc == -1) {
		FUZZ_CHECK(r == NULL, "failure with a record");
		fuzz_message(e.msg);
	} else {
		FUZZ_CHECK(spf_is_record(s, size), "parsed, not a record");
		check_record(r);
		check_suggest(r);
		check_expand(r);
		spf_record_free(r);
	}
	free(s);
	fuzz_zone_roundtrip(data, size);
	return 0;
}
