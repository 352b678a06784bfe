/*
 * dnsrec_dmarc.c: the DMARC codec, RFC 7489 (see dnsrec.h): the tags of
 * section 6.3, the report URIs, the record to publish.  Pure: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"
#include "dnsrec_priv.h"

static int	dmarc_policy_parse(const struct tag *, enum dmarc_policy *,
		    struct errbuf *);
static int	dmarc_size(const char *, size_t, unsigned long long *);
static int	dmarc_uris(const struct tag *, struct dmarc_uri **, size_t *,
		    struct errbuf *);
static int	dmarc_tag(struct dmarc_record *, int, const struct tag *,
		    struct errbuf *);
static void	dmarc_put_uris(struct obuf *, const char *,
		    const struct dmarc_uri *, size_t);

int
dmarc_is_record(const char *txt, size_t len)
{
	struct errbuf e;
	struct tag t;
	size_t pos = 0;

	while (pos < len && is_wsp((unsigned char)txt[pos], 0))
		pos++;
	if (pos < len && txt[pos] == ';')
		return 0;
	return tag_next(txt, len, &pos, &t, 0, &e) == 1 &&
	    ieq(t.name, t.nlen, "v") && t.vlen == 6 &&
	    memcmp(t.val, "DMARC1", 6) == 0;
}

static int
dmarc_policy_parse(const struct tag *t, enum dmarc_policy *p,
    struct errbuf *e)
{
	if (ieq(t->val, t->vlen, "none"))
		*p = DMARC_NONE;
	else if (ieq(t->val, t->vlen, "quarantine"))
		*p = DMARC_QUARANTINE;
	else if (ieq(t->val, t->vlen, "reject"))
		*p = DMARC_REJECT;
	else
		return errbuf_set(e, "column %zu: %.*s=%.*s: the policy is "
		    "none, quarantine or reject", t->col, (int)t->nlen,
		    t->name, (int)t->vlen, t->val);
	return 0;
}

/*
 * The size of a report URI, after its "!": 1*DIGIT [ "k" / "m" / "g" /
 * "t" ], n bytes at s.  Returns 0 and *out in bytes, or -1.
 */
static int
dmarc_size(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;
	int shift = 0;

	for (i = 0; i < n && i < 15 && is_digit((unsigned char)s[i]); i++)
		v = v * 10 + (unsigned long long)(s[i] - '0');
	if (i == 0)
		return -1;
	if (i < n) {
		switch (lower((unsigned char)s[i++])) {
		case 'k':
			shift = 10;
			break;
		case 'm':
			shift = 20;
			break;
		case 'g':
			shift = 30;
			break;
		case 't':
			shift = 40;
			break;
		default:
			return -1;
		}
	}
	/* Digits and unit together must fit in 64 bits. */
	if (i != n || v > (~0ULL >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

/*
 * rua= or ruf=: comma-separated "mailto:ADDR[!SIZE[kmgt]]".  Fills *out
 * (*n of them), which the record frees.  Returns 0, or -1 with e.
 */
static int
dmarc_uris(const struct tag *t, struct dmarc_uri **out, size_t *n,
    struct errbuf *e)
{
	const char *s = t->val, *u, *bang, *at;
	size_t i = 0, ulen, alen, k, max = 1;
	unsigned long long limit;
	struct dmarc_uri *d;

	for (k = 0; k < t->vlen; k++)
		max += s[k] == ',';
	if ((*out = calloc(max, sizeof(**out))) == NULL)
		return errbuf_set(e, "out of memory");
	for (;;) {
		while (i < t->vlen && is_wsp((unsigned char)s[i], 0))
			i++;
		u = s + i;
		while (i < t->vlen && s[i] != ',')
			i++;
		ulen = (size_t)(s + i - u);
		while (ulen > 0 && is_wsp((unsigned char)u[ulen - 1], 0))
			ulen--;
		if (ulen < 7 || !ieq(u, 7, "mailto:"))
			return errbuf_set(e, "column %zu: \"%.*s\" is not a "
			    "mailto: URI", t->col + (size_t)(u - t->name),
			    (int)ulen, u);
		bang = memchr(u, '!', ulen);
		alen = (bang != NULL ? (size_t)(bang - u) : ulen) - 7;
		limit = 0;
		if (bang != NULL && dmarc_size(bang + 1,
		    ulen - (size_t)(bang + 1 - u), &limit) == -1)
			return errbuf_set(e, "column %zu: invalid size limit "
			    "in \"%.*s\"", t->col + (size_t)(u - t->name),
			    (int)ulen, u);
		/* LOCAL@DOMAIN, the domain a host name's letters. */
		at = memrchr(u + 7, '@', alen);
		for (k = 7; k < 7 + alen; k++)
			if (is_wsp((unsigned char)u[k], 0) || (at != NULL &&
			    u + k > at && !is_alnum((unsigned char)u[k]) &&
			    u[k] != '.' && u[k] != '-'))
				break;
		if (at == NULL || at == u + 7 || at == u + 7 + alen - 1 ||
		    k < 7 + alen)
			return errbuf_set(e, "column %zu: \"%.*s\" is not a "
			    "mail address", t->col + (size_t)(u - t->name),
			    (int)alen, u + 7);
		d = &(*out)[(*n)++];
		d->limit = limit;
		if ((d->uri = dup_n(u, ulen)) == NULL ||
		    (d->addr = dup_n(u + 7, alen)) == NULL)
			return errbuf_set(e, "out of memory");
		if (i == t->vlen)
			return 0;
		i++;
	}
}

/* The tags dmarc_parse() knows, in the order of its bit mask. */
static const char *const dmarc_tags[] = {
	"v", "p", "sp", "pct", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri"
};

/*
 * Tag number k of dmarc_tags, the idx-th of the record (from 1).
 * Returns 0, or -1 with e.
 */
static int
dmarc_tag(struct dmarc_record *r, int idx, const struct tag *t,
    struct errbuf *e)
{
	unsigned long long v;
	size_t i;
	char **str;

	if (ieq(t->name, t->nlen, "p")) {
		if (idx != 2)
			return errbuf_set(e, "column %zu: p= must be the "
			    "second tag, after v=DMARC1 (RFC 7489 6.3)",
			    t->col);
		r->p_given = 1;
		return dmarc_policy_parse(t, &r->p, e);
	}
	if (ieq(t->name, t->nlen, "sp")) {
		r->sp_given = 1;
		return dmarc_policy_parse(t, &r->sp, e);
	}
	if (ieq(t->name, t->nlen, "pct") || ieq(t->name, t->nlen, "ri")) {
		for (i = 0, v = 0; i < t->vlen && i < 10 &&
		    is_digit((unsigned char)t->val[i]); i++)
			v = v * 10 + (unsigned long long)(t->val[i] - '0');
		if (t->vlen == 0 || i != t->vlen || (t->nlen == 3 && v > 100) ||
		    v > 0x7fffffff)
			return errbuf_set(e, "column %zu: %.*s=%.*s: %s",
			    t->col, (int)t->nlen, t->name, (int)t->vlen, t->val,
			    t->nlen == 3 ? "a percentage is 0 to 100" :
			    "an interval is a number of seconds");
		if (t->nlen == 3) {
			r->pct = (int)v;
			r->pct_given = 1;
		} else
			r->ri = (long)v;
		return 0;
	}
	if (ieq(t->name, t->nlen, "rua"))
		return dmarc_uris(t, &r->rua, &r->nrua, e);
	if (ieq(t->name, t->nlen, "ruf"))
		return dmarc_uris(t, &r->ruf, &r->nruf, e);
	if (ieq(t->name, t->nlen, "adkim") || ieq(t->name, t->nlen, "aspf")) {
		if (t->vlen != 1 || !in_set(lower((unsigned char)t->val[0]),
		    "rs"))
			return errbuf_set(e, "column %zu: %.*s=%.*s: the mode "
			    "is r or s", t->col, (int)t->nlen, t->name,
			    (int)t->vlen, t->val);
		*(t->nlen == 5 ? &r->adkim : &r->aspf) =
		    (char)lower((unsigned char)t->val[0]);
		return 0;
	}
	/* fo= and rf= */
	str = ieq(t->name, t->nlen, "fo") ? &r->fo : &r->rf;
	if (tag_list(t->val, t->vlen, 0, 0) == -1)
		return errbuf_set(e, "column %zu: %.*s=%.*s: not a list of "
		    "words separated by \":\"", t->col, (int)t->nlen, t->name,
		    (int)t->vlen, t->val);
	/* fo=: each word one of 0, 1, d, s. */
	for (i = 0; str == &r->fo && i < t->vlen; i++)
		if (is_alnum((unsigned char)t->val[i]) &&
		    (!in_set(lower((unsigned char)t->val[i]), "01ds") ||
		    (i > 0 && is_alnum((unsigned char)t->val[i - 1]))))
			return errbuf_set(e, "column %zu: fo=%.*s: the options "
			    "are 0, 1, d and s", t->col, (int)t->vlen, t->val);
	if ((*str = dup_n(t->val, t->vlen)) == NULL)
		return errbuf_set(e, "out of memory");
	return 0;
}

int
dmarc_parse(const char *txt, size_t len, struct dmarc_record *out,
    struct errbuf *e)
{
	struct tag t;
	size_t pos = 0, k, ntags = sizeof(dmarc_tags) / sizeof(dmarc_tags[0]);
	unsigned seen = 0;
	int idx = 0, rc;

	memset(out, 0, sizeof(*out));
	out->pct = 100;
	out->ri = -1;
	while (pos < len && is_wsp((unsigned char)txt[pos], 0))
		pos++;
	if (pos < len && txt[pos] == ';') {
		errbuf_set(e, "column %zu: the first tag must be v=DMARC1",
		    pos + 1);
		goto fail;
	}
	while ((rc = tag_next(txt, len, &pos, &t, 0, e)) == 1) {
		if (++idx == 1) {
			if (!ieq(t.name, t.nlen, "v") || t.vlen != 6 ||
			    memcmp(t.val, "DMARC1", 6) != 0) {
				errbuf_set(e, "column %zu: the first tag must "
				    "be v=DMARC1", t.col);
				goto fail;
			}
			seen = 1;
			continue;
		}
		for (k = 0; k < ntags; k++)
			if (ieq(t.name, t.nlen, dmarc_tags[k]))
				break;
		if (k == ntags)
			continue;	/* RFC 7489 6.3: ignored */
		if (seen & (1U << k)) {
			errbuf_set(e, "column %zu: tag %.*s= repeated", t.col,
			    (int)t.nlen, t.name);
			goto fail;
		}
		seen |= 1U << k;
		if (dmarc_tag(out, idx, &t, e) == -1)
			goto fail;
	}
	if (rc == -1)
		goto fail;
	if (idx == 0) {
		errbuf_set(e, "column 1: not a DMARC record (v=DMARC1)");
		goto fail;
	}
	/*
	 * No p=: RFC 7489 6.6.3 has a receiver act as if p=none when rua=
	 * holds a valid URI, and ignore the record otherwise.  checkdmarc
	 * (after RFC 9989) reads p=none in both cases with a warning, and
	 * so do we: p_given = 0 lets the caller say so, and p=none fails
	 * the check anyway.
	 */
	if (!out->sp_given)
		out->sp = out->p;
	return 0;
fail:
	dmarc_record_free(out);
	return -1;
}

void
dmarc_record_free(struct dmarc_record *r)
{
	size_t i;

	for (i = 0; i < r->nrua; i++) {
		free(r->rua[i].uri);
		free(r->rua[i].addr);
	}
	for (i = 0; i < r->nruf; i++) {
		free(r->ruf[i].uri);
		free(r->ruf[i].addr);
	}
	free(r->rua);
	free(r->ruf);
	free(r->fo);
	free(r->rf);
	memset(r, 0, sizeof(*r));
	r->pct = 100;
	r->ri = -1;
}

const char *
dmarc_uri_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

static void
dmarc_put_uris(struct obuf *o, const char *tag, const struct dmarc_uri *u,
    size_t n)
{
	size_t i;

	if (n == 0)
		return;
	ob_puts(o, tag);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ob_putc(o, ',');
		ob_puts(o, u[i].uri);
	}
}

int
dmarc_suggest(const struct dmarc_record *old, char *buf, size_t size)
{
	struct obuf o;
	char ri[32];

	ob_init(&o, buf, size);
	ob_puts(&o, "v=DMARC1; p=reject");
	if (old == NULL)
		return ob_end(&o);
	if (old->adkim != 0)
		ob_puts(&o, old->adkim == 's' ? "; adkim=s" : "; adkim=r");
	if (old->aspf != 0)
		ob_puts(&o, old->aspf == 's' ? "; aspf=s" : "; aspf=r");
	dmarc_put_uris(&o, "; rua=", old->rua, old->nrua);
	dmarc_put_uris(&o, "; ruf=", old->ruf, old->nruf);
	if (old->fo != NULL) {
		ob_puts(&o, "; fo=");
		ob_puts(&o, old->fo);
	}
	if (old->rf != NULL) {
		ob_puts(&o, "; rf=");
		ob_puts(&o, old->rf);
	}
	if (old->ri >= 0) {
		snprintf(ri, sizeof(ri), "; ri=%ld", old->ri);
		ob_puts(&o, ri);
	}
	return ob_end(&o);
}
