/*
 * fuzz_dmarc.c: libFuzzer target for the DMARC codec of dnsrec.h.
 *
 * Input: the text of a DMARC record.  Checked: a parsed record starts
 * with v=DMARC1 (dmarc_is_record() agrees), its fields are in range,
 * every report address has a domain; what dmarc_suggest() makes of it
 * parses again as p=reject with the same report URIs and modes, and
 * does not fit one byte shorter; freeing twice is harmless; the
 * zone-file line of the text reads back as the text.
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

static void
check_uris(const struct dmarc_uri *u, size_t n, const struct dmarc_uri *v,
    size_t nv)
{
	size_t i;

	FUZZ_CHECK(n == nv, "%zu URIs, %zu", n, nv);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(strncasecmp(u[i].uri, "mailto:", 7) == 0 &&
		    strstr(u[i].uri, u[i].addr) == u[i].uri + 7,
		    "uri %s addr %s", u[i].uri, u[i].addr);
		FUZZ_CHECK(dmarc_uri_domain(u[i].addr) != NULL, "addr %s",
		    u[i].addr);
		FUZZ_CHECK(strcmp(u[i].uri, v[i].uri) == 0 &&
		    strcmp(u[i].addr, v[i].addr) == 0 &&
		    u[i].limit == v[i].limit, "%s became %s", u[i].uri,
		    v[i].uri);
	}
}

static void
check_suggest(const struct dmarc_record *r)
{
	struct dmarc_record s;
	struct errbuf e;
	char *buf;
	size_t size = 64;
	int n;

	for (;;) {
		buf = fuzz_alloc(size);
		if ((n = dmarc_suggest(r, buf, size)) != -1)
			break;
		FUZZ_CHECK(buf[0] == '\0', "overflow left text");
		free(buf);
		size *= 4;
		FUZZ_CHECK(size < 1 << 24, "dmarc_suggest never fits");
	}
	FUZZ_CHECK((size_t)n == strlen(buf), "length %d", n);
	FUZZ_CHECK(dmarc_parse(buf, (size_t)n, &s, &e) == 0, "suggested %s: %s",
	    buf, e.msg);
	FUZZ_CHECK(s.p == DMARC_REJECT && s.sp == DMARC_REJECT &&
	    s.pct == 100 && !s.sp_given && !s.pct_given, "suggested %s", buf);
	FUZZ_CHECK(s.adkim == r->adkim && s.aspf == r->aspf && s.ri == r->ri,
	    "modes of %s", buf);
	FUZZ_CHECK(fuzz_streq(s.fo, r->fo) && fuzz_streq(s.rf, r->rf),
	    "fo, rf of %s", buf);
	check_uris(r->rua, r->nrua, s.rua, s.nrua);
	check_uris(r->ruf, r->nruf, s.ruf, s.nruf);
	dmarc_record_free(&s);
	FUZZ_CHECK(dmarc_suggest(r, buf, (size_t)n) == -1, "fits in %d", n);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	struct errbuf e;
	char *s;
	int rc;

	s = fuzz_copy(data, size, 0);
	rc = dmarc_parse(s, size, &r, &e);
	FUZZ_CHECK(rc == 0 || rc == -1, "dmarc_parse: %d", rc);
	if (rc == -1) {
		fuzz_message(e.msg);
		FUZZ_CHECK(r.rua == NULL && r.ruf == NULL && r.fo == NULL &&
		    r.rf == NULL, "failure left fields");
	} else {
		FUZZ_CHECK(dmarc_is_record(s, size), "parsed, not a record");
		FUZZ_CHECK(r.p <= DMARC_REJECT && r.sp <= DMARC_REJECT &&
		    r.pct >= 0 && r.pct <= 100 && r.ri >= -1, "fields");
		FUZZ_CHECK(r.sp_given || r.sp == r.p, "sp %d without sp=",
		    r.sp);
		FUZZ_CHECK(r.p_given || r.p == DMARC_NONE, "p %d without p=",
		    r.p);
		FUZZ_CHECK(r.adkim == 0 || r.adkim == 'r' || r.adkim == 's',
		    "adkim %d", r.adkim);
		FUZZ_CHECK(r.aspf == 0 || r.aspf == 'r' || r.aspf == 's',
		    "aspf %d", r.aspf);
		check_uris(r.rua, r.nrua, r.rua, r.nrua);
		check_uris(r.ruf, r.nruf, r.ruf, r.nruf);
		check_suggest(&r);
	}
	dmarc_record_free(&r);
	dmarc_record_free(&r);
	free(s);
	fuzz_zone_roundtrip(data, size);
	return 0;
}
