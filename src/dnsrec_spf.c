/*
 * dnsrec_spf.c: the SPF codec, RFC 7208 (see dnsrec.h): the record's
 * ABNF (section 12), the DNS term count, macro expansion without a
 * message, the record to publish.  Pure: no I/O.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"
#include "dnsrec_priv.h"

static int	cidr_parse(const char *, size_t, int, int *);
static int	spf_macro_string(const char *, size_t, int, size_t, size_t *,
		    struct errbuf *);
static int	spf_domain_spec(const char *, size_t, int, size_t,
		    struct errbuf *);
static int	spf_address(struct spf_term *, const char *, size_t, size_t,
		    struct errbuf *);
static int	spf_dual_cidr(struct spf_term *, const char *, size_t *,
		    size_t, struct errbuf *);
static int	spf_modifier(struct spf_record *, struct spf_term *,
		    const char *, size_t, size_t, size_t, struct errbuf *);
static int	spf_term_parse(struct spf_record *, struct spf_term *,
		    const char *, size_t, size_t, struct errbuf *);
static void	spf_put_part(struct obuf *, const char *, size_t, int);
static int	spf_expand_macro(const char *, size_t *, const char *,
		    struct obuf *);
static int	spf_put_ip(struct obuf *, const char *);

/*
 * A cidr length as RFC 7208 writes it: "0", or 1-3 digits without a
 * leading zero, at most max.  Returns 0 and *v, or -1.
 */
static int
cidr_parse(const char *s, size_t n, int max, int *v)
{
	size_t i;
	int x = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

int
spf_is_record(const char *txt, size_t len)
{
	return len >= 6 && ieq(txt, 6, "v=spf1") && (len == 6 || txt[6] == ' ');
}

/*
 * Checks a macro-string (RFC 7208 7.1) of n bytes at s, which starts at
 * column col of the record.  exp: the letters c, r and t are allowed.
 * Sets *lit to the offset after the last macro-expand (0 when none).
 * Returns 0, or -1 with the reason in e.
 */
static int
spf_macro_string(const char *s, size_t n, int exp, size_t col, size_t *lit,
    struct errbuf *e)
{
	size_t i = 0, j, d;
	unsigned long v;
	int c;

	*lit = 0;
	while (i < n) {
		c = (unsigned char)s[i];
		if (c != '%') {
			if (c < 0x21 || c > 0x7e)
				return errbuf_set(e, "column %zu: byte 0x%02x "
				    "is not allowed", col + i, (unsigned)c);
			i++;
			continue;
		}
		if (i + 1 < n && in_set(s[i + 1], "%_-")) {
			i += 2;
			*lit = i;
			continue;
		}
		if (i + 1 >= n || s[i + 1] != '{')
			return errbuf_set(e, "column %zu: \"%%\" must start "
			    "%%{...}, %%%%, %%_ or %%-", col + i);
		j = i + 2;
		c = j < n ? lower((unsigned char)s[j]) : 0;
		if (!in_set(c, "slodiphcrtv"))
			return errbuf_set(e, "column %zu: unknown macro "
			    "letter", col + j);
		if (!exp && in_set(c, "crt"))
			return errbuf_set(e, "column %zu: macro %%{%c} is "
			    "allowed only in exp=", col + j, c);
		j++;
		for (d = j, v = 0; j < n && is_digit((unsigned char)s[j]); j++)
			if (v < 1000)
				v = v * 10 + (unsigned long)(s[j] - '0');
		if (j > d && v == 0)
			return errbuf_set(e, "column %zu: a macro keeps at "
			    "least one part", col + d);
		if (j < n && lower((unsigned char)s[j]) == 'r')
			j++;
		while (j < n && in_set(s[j], ".-+,/_="))
			j++;
		if (j >= n || s[j] != '}')
			return errbuf_set(e, "column %zu: malformed macro",
			    col + i);
		i = j + 1;
		*lit = i;
	}
	return 0;
}

/*
 * Checks a domain-spec (RFC 7208 7.1): a macro-string that ends in a
 * macro-expand or in "." toplabel ["."].  Returns 0, or -1 with e.
 */
static int
spf_domain_spec(const char *s, size_t n, int exp, size_t col,
    struct errbuf *e)
{
	size_t lit, end, dot, i;
	int alpha = 0, hyphen = 0;

	if (n == 0)
		return errbuf_set(e, "column %zu: empty domain", col);
	if (spf_macro_string(s, n, exp, col, &lit, e) == -1)
		return -1;
	if (lit == n)
		return 0;
	end = n;
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > lit && s[dot - 1] != '.'; dot--)
		continue;
	if (dot == lit || dot == end)
		return errbuf_set(e, "column %zu: \"%.*s\" does not end in "
		    "a top-level domain", col, (int)n, s);
	for (i = dot; i < end; i++) {
		if (s[i] == '-')
			hyphen = 1;
		else if (is_alpha((unsigned char)s[i]))
			alpha = 1;
		else if (!is_digit((unsigned char)s[i]))
			break;
	}
	if (i < end || s[dot] == '-' || s[end - 1] == '-' ||
	    (!alpha && !hyphen))
		return errbuf_set(e, "column %zu: \"%.*s\" is not a valid "
		    "top-level label", col + dot, (int)(end - dot), s + dot);
	return 0;
}

/*
 * ip4:ADDR[/LEN] or ip6:ADDR[/LEN]: s (n bytes) is what follows the
 * mechanism name.  Returns 0, or -1 with e.
 */
static int
spf_address(struct spf_term *t, const char *s, size_t n, size_t col,
    struct errbuf *e)
{
	unsigned char bin[16];
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	size_t alen;
	int v6 = t->kind == SPF_IP6, *len = v6 ? &t->cidr6 : &t->cidr4;

	if (n < 2 || s[0] != ':')
		return errbuf_set(e, "column %zu: ip%c needs \":ADDRESS\"",
		    col, v6 ? '6' : '4');
	s++;
	n--;
	col++;
	slash = memchr(s, '/', n);
	alen = slash != NULL ? (size_t)(slash - s) : n;
	if (alen == 0 || alen >= sizeof(addr) ||
	    memchr(s, '\0', alen) != NULL)
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
		goto bad;
	if (slash != NULL && cidr_parse(slash + 1, n - alen - 1, v6 ? 128 : 32,
	    len) == -1)
		return errbuf_set(e, "column %zu: invalid prefix length "
		    "\"%.*s\"", col + alen, (int)(n - alen), slash);
	if ((t->value = dup_n(s, alen)) == NULL)
		return errbuf_set(e, "out of memory");
	return 0;
bad:
	return errbuf_set(e, "column %zu: \"%.*s\" is not an IPv%c address",
	    col, (int)alen, s, v6 ? '6' : '4');
}

/*
 * Takes the dual-cidr-length of a or mx off the end of s: *n becomes
 * the length without it.  Returns 0, or -1 with e.
 */
static int
spf_dual_cidr(struct spf_term *t, const char *s, size_t *n, size_t col,
    struct errbuf *e)
{
	size_t k, end = *n;

	for (k = end; k > 0 && is_digit((unsigned char)s[k - 1]); k--)
		continue;
	if (k >= 2 && s[k - 1] == '/' && s[k - 2] == '/') {
		if (cidr_parse(s + k, end - k, 128, &t->cidr6) == -1)
			goto bad;
		end = k - 2;
		for (k = end; k > 0 && is_digit((unsigned char)s[k - 1]); k--)
			continue;
	}
	if (k >= 1 && s[k - 1] == '/') {
		if (cidr_parse(s + k, end - k, 32, &t->cidr4) == -1)
			goto bad;
		end = k - 1;
	}
	*n = end;
	return 0;
bad:
	return errbuf_set(e, "column %zu: invalid prefix length \"%.*s\"",
	    col + k, (int)(*n - k), s + k);
}

/*
 * A modifier: name (nlen bytes at s) "=" value.  Returns 0, or -1 with
 * e.
 */
static int
spf_modifier(struct spf_record *r, struct spf_term *t, const char *s,
    size_t n, size_t nlen, size_t col, struct errbuf *e)
{
	const char *v = s + nlen + 1;
	size_t vlen = n - nlen - 1, lit;
	int redirect = ieq(s, nlen, "redirect"), exp = ieq(s, nlen, "exp");

	t->kind = SPF_MODIFIER;
	t->qualifier = 0;
	if ((t->name = dup_n(s, nlen)) == NULL ||
	    (t->value = dup_n(v, vlen)) == NULL)
		return errbuf_set(e, "out of memory");
	if (redirect || exp) {
		if ((redirect ? r->redirect : r->exp) != NULL)
			return errbuf_set(e, "column %zu: a second %s= "
			    "modifier", col, redirect ? "redirect" : "exp");
		if (spf_domain_spec(v, vlen, exp, col + nlen + 1, e) == -1)
			return -1;
		if (redirect)
			r->redirect = t->value;
		else
			r->exp = t->value;
		return 0;
	}
	return spf_macro_string(v, vlen, 1, col + nlen + 1, &lit, e);
}

static const struct {
	const char	*name;
	enum spf_kind	 kind;
} spf_mechs[] = {
	{ "all", SPF_ALL }, { "include", SPF_INCLUDE }, { "a", SPF_A },
	{ "mx", SPF_MX }, { "ptr", SPF_PTR }, { "ip4", SPF_IP4 },
	{ "ip6", SPF_IP6 }, { "exists", SPF_EXISTS }
};

/*
 * One term, s (n bytes, no space) at column col.  Returns 0, or -1 with
 * e; what t holds is freed with the record either way.
 */
static int
spf_term_parse(struct spf_record *r, struct spf_term *t, const char *s,
    size_t n, size_t col, struct errbuf *e)
{
	size_t i = 0, m, k, rlen;
	const char *rest;

	t->cidr4 = t->cidr6 = -1;
	if ((t->text = dup_n(s, n)) == NULL)
		return errbuf_set(e, "out of memory");
	/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) "=" */
	if (is_alpha((unsigned char)s[0])) {
		for (m = 1; m < n && (is_alnum((unsigned char)s[m]) ||
		    in_set(s[m], "-_.")); m++)
			continue;
		if (m < n && s[m] == '=')
			return spf_modifier(r, t, s, n, m, col, e);
	}
	t->qualifier = '+';
	if (in_set(s[0], "+-~?")) {
		t->qualifier = s[0];
		t->explicit_qual = 1;
		i = 1;
	}
	for (m = i; m < n && is_alnum((unsigned char)s[m]); m++)
		continue;
	if (m < n && s[m] == '=')
		return errbuf_set(e, "column %zu: %s", col, i > 0 ?
		    "a modifier takes no qualifier" : "invalid modifier name");
	for (k = 0; k < sizeof(spf_mechs) / sizeof(spf_mechs[0]); k++)
		if (ieq(s + i, m - i, spf_mechs[k].name))
			break;
	if (k == sizeof(spf_mechs) / sizeof(spf_mechs[0]))
		return errbuf_set(e, "column %zu: unknown mechanism \"%.*s\"",
		    col + i, (int)(n - i), s + i);
	t->kind = spf_mechs[k].kind;
	rest = s + m;
	rlen = n - m;
	col += m;
	switch (t->kind) {
	case SPF_ALL:
		if (rlen != 0)
			return errbuf_set(e, "column %zu: all takes no "
			    "argument", col);
		return 0;
	case SPF_IP4:
	case SPF_IP6:
		return spf_address(t, rest, rlen, col, e);
	case SPF_A:
	case SPF_MX:
		if (spf_dual_cidr(t, rest, &rlen, col, e) == -1)
			return -1;
		break;
	default:
		break;
	}
	if (rlen == 0) {
		if (t->kind == SPF_INCLUDE || t->kind == SPF_EXISTS)
			return errbuf_set(e, "column %zu: %s needs \":DOMAIN\"",
			    col, spf_mechs[k].name);
		return 0;
	}
	if (rest[0] != ':')
		return errbuf_set(e, "column %zu: unexpected \"%.*s\" after %s",
		    col, (int)rlen, rest, spf_mechs[k].name);
	if (spf_domain_spec(rest + 1, rlen - 1, 0, col + 1, e) == -1)
		return -1;
	if ((t->value = dup_n(rest + 1, rlen - 1)) == NULL)
		return errbuf_set(e, "out of memory");
	return 0;
}

int
spf_parse(const char *txt, size_t len, struct spf_record **out,
    struct errbuf *e)
{
	struct spf_record *r = NULL;
	size_t i, start, n = 0;

	*out = NULL;
	if (!spf_is_record(txt, len))
		return errbuf_set(e, "column 1: not an SPF record (\"v=spf1\" "
		    "and a space)");
	/*
	 * Terms are visible ASCII (RFC 7208 12); checked first, so that
	 * every message below may quote the record.
	 */
	for (i = 6; i < len; i++)
		if ((unsigned char)txt[i] < 0x20 || (unsigned char)txt[i] > 0x7e)
			return errbuf_set(e, "column %zu: byte 0x%02x is not "
			    "allowed", i + 1, (unsigned)(unsigned char)txt[i]);
	for (i = 6; i < len; ) {
		while (i < len && txt[i] == ' ')
			i++;
		if (i == len)
			break;
		n++;
		while (i < len && txt[i] != ' ')
			i++;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->terms = calloc(n + 1, sizeof(*r->terms))) == NULL) {
		errbuf_set(e, "out of memory");
		goto fail;
	}
	r->all = -1;
	for (i = 6; i < len; ) {
		while (i < len && txt[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		r->nterms++;
		if (spf_term_parse(r, &r->terms[r->nterms - 1], txt + start,
		    i - start, start + 1, e) == -1)
			goto fail;
		if (r->terms[r->nterms - 1].kind == SPF_ALL && r->all == -1) {
			r->all = (long)r->nterms - 1;
			r->all_qual = r->terms[r->all].qualifier;
		}
	}
	*out = r;
	return 0;
fail:
	spf_record_free(r);
	return -1;
}

void
spf_record_free(struct spf_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; r->terms != NULL && i < r->nterms; i++) {
		free(r->terms[i].text);
		free(r->terms[i].value);
		free(r->terms[i].name);
	}
	free(r->terms);
	free(r);
}

int
spf_dns_terms(const struct spf_record *r)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->nterms; i++)
		switch (r->terms[i].kind) {
		case SPF_INCLUDE:
		case SPF_A:
		case SPF_MX:
		case SPF_PTR:
		case SPF_EXISTS:
			n++;
			break;
		default:
			break;
		}
	return n + (r->redirect != NULL);
}

int
spf_has_macro(const char *domain_spec)
{
	return strchr(domain_spec, '%') != NULL;
}

/* Writes n bytes of s, URL-escaped (RFC 3986 unreserved kept) if esc. */
static void
spf_put_part(struct obuf *o, const char *s, size_t n, int esc)
{
	char hex[4];
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (!esc || is_alnum(c) || in_set(c, "-._~")) {
			ob_putc(o, (char)c);
			continue;
		}
		snprintf(hex, sizeof(hex), "%%%02X", (unsigned)c);
		ob_puts(o, hex);
	}
}

/*
 * Expands the macro at spec + *i ("%{" ...): its letter must be d or o.
 * Advances *i past it.  Returns 0, -1 (a letter only a message gives) or
 * -2 (malformed).
 */
static int
spf_expand_macro(const char *spec, size_t *i, const char *domain,
    struct obuf *o)
{
	const char *p = spec + *i + 2, *delims = ".", *q;
	char dset[8];
	size_t nparts = 1, k, from, to, nd = 0, skip, plen;
	unsigned long keep = 0;
	int letter, rev = 0, esc, step, digits = 0;

	letter = (unsigned char)*p;
	if (!in_set(lower(letter), "slodiphcrtv"))
		return -2;
	esc = letter >= 'A' && letter <= 'Z';
	letter = lower(letter);
	for (p++; is_digit((unsigned char)*p); p++, digits = 1)
		if (keep < 1000)
			keep = keep * 10 + (unsigned long)(*p - '0');
	if (lower((unsigned char)*p) == 'r') {
		rev = 1;
		p++;
	}
	while (in_set(*p, ".-+,/_=")) {
		if (memchr(dset, *p, nd) == NULL && nd < sizeof(dset) - 1)
			dset[nd++] = *p;
		p++;
	}
	if (*p != '}' || (digits && keep == 0))
		return -2;
	*i = (size_t)(p + 1 - spec);
	if (letter != 'd' && letter != 'o')
		return -1;
	if (nd > 0) {
		dset[nd] = '\0';
		delims = dset;
	}
	for (q = domain; *q != '\0'; q++)
		if (in_set(*q, delims))
			nparts++;
	if (keep == 0 || keep > nparts)
		keep = nparts;
	/* Parts from..to (in domain order) are written, reversed if rev. */
	from = rev ? keep - 1 : nparts - keep;
	to = rev ? 0 : nparts - 1;
	step = rev ? -1 : 1;
	for (k = from; ; k += (size_t)step) {
		for (q = domain, skip = k; skip > 0; q++)
			if (in_set(*q, delims))
				skip--;
		for (plen = 0; q[plen] != '\0' &&
		    !in_set(q[plen], delims); plen++)
			continue;
		if (k != from)
			ob_putc(o, '.');
		spf_put_part(o, q, plen, esc);
		if (k == to)
			break;
	}
	return 0;
}

int
spf_expand(const char *domain_spec, const char *domain, char *buf,
    size_t size)
{
	struct obuf o;
	const char *s = domain_spec, *dot;
	size_t i = 0;
	int rc, len;

	ob_init(&o, buf, size);
	while (s[i] != '\0') {
		if (s[i] != '%') {
			if ((unsigned char)s[i] < 0x21 ||
			    (unsigned char)s[i] > 0x7e)
				return -2;
			ob_putc(&o, s[i++]);
			continue;
		}
		switch (s[i + 1]) {
		case '%':
			ob_putc(&o, '%');
			break;
		case '_':
			ob_putc(&o, ' ');
			break;
		case '-':
			ob_puts(&o, "%20");
			break;
		case '{':
			if ((rc = spf_expand_macro(s, &i, domain, &o)) != 0)
				return rc;
			continue;
		default:
			return -2;
		}
		i += 2;
	}
	if ((len = ob_end(&o)) == -1)
		return -2;
	/* RFC 7208 4.8: labels off the left until it fits in 253. */
	while (len > 253 && (dot = strchr(buf, '.')) != NULL) {
		len -= (int)(dot + 1 - buf);
		memmove(buf, dot + 1, (size_t)len + 1);
	}
	return len > 253 ? -2 : len;
}

/* " ip4:ADDR" or " ip6:ADDR", ADDR with an optional /LEN.  0 or -1. */
static int
spf_put_ip(struct obuf *o, const char *ip)
{
	unsigned char bin[16];
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(ip, '/');
	size_t alen = slash != NULL ? (size_t)(slash - ip) : strlen(ip);
	int v6, cidr;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, ip, alen);
	addr[alen] = '\0';
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)
		return -1;
	if (slash != NULL && cidr_parse(slash + 1, strlen(slash + 1),
	    v6 ? 128 : 32, &cidr) == -1)
		return -1;
	ob_puts(o, v6 ? " ip6:" : " ip4:");
	ob_puts(o, ip);
	return 0;
}

int
spf_suggest(const struct spf_record *old, const char *const *mx, size_t nmx,
    const char *const *ips, size_t nips, char *buf, size_t size)
{
	struct obuf o;
	size_t i;
	long last = -1;
	int add;

	(void)mx;
	ob_init(&o, buf, size);
	ob_puts(&o, "v=spf1");
	if (old == NULL) {
		if (nmx > 0)
			ob_puts(&o, " mx");
		for (i = 0; i < nips; i++)
			if (spf_put_ip(&o, ips[i]) == -1) {
				o.full = 1;
				break;
			}
		ob_puts(&o, " -all");
		return ob_end(&o);
	}
	add = old->all == -1 && old->redirect == NULL;
	for (i = 0; i < old->nterms; i++)
		if (old->terms[i].kind != SPF_MODIFIER)
			last = (long)i;
	if (add && last == -1)
		ob_puts(&o, " -all");
	for (i = 0; i < old->nterms; i++) {
		ob_putc(&o, ' ');
		ob_puts(&o, (long)i == old->all ? "-all" : old->terms[i].text);
		if (add && (long)i == last)
			ob_puts(&o, " -all");
	}
	return ob_end(&o);
}
