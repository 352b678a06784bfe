/*
 * dnsrec.c: DNS record codecs (see dnsrec.h): SPF records (RFC 7208),
 * DMARC records (RFC 7489), DKIM key records (RFC 6376, RFC 8463) and
 * zone-file TXT lines.  Pure: the caller resolves, this file only reads
 * and writes text.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"

/*
 * One tag of a tag list (RFC 6376 3.2, RFC 7489 6.4): name=value, the
 * value without the blanks around it; col, the column of the name.
 */
struct tag {
	const char *name;
	size_t	 nlen;
	const char *val;
	size_t	 vlen;
	size_t	 col;
};

/* A DER value being read: the bytes left. */
struct der {
	const unsigned char *p;
	size_t	 len;
};

/* An output buffer that remembers when something did not fit. */
struct obuf {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 full;
};

static void	ob_init(struct obuf *, char *, size_t);
static void	ob_putn(struct obuf *, const char *, size_t);
static void	ob_puts(struct obuf *, const char *);
static void	ob_putc(struct obuf *, char);
static int	ob_end(struct obuf *);
static int	is_alpha(int);
static int	is_digit(int);
static int	is_alnum(int);
static int	lower(int);
static int	in_set(int, const char *);
static int	ieq(const char *, size_t, const char *);
static char	*dup_n(const char *, size_t);
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
static int	is_wsp(int, int);
static int	tag_next(const char *, size_t, size_t *, struct tag *, int,
		    struct errbuf *);
static int	tag_list(const char *, size_t, int, int);
static int	dmarc_policy_parse(const struct tag *, enum dmarc_policy *,
		    struct errbuf *);
static int	dmarc_size(const char *, size_t, unsigned long long *);
static int	dmarc_uris(const struct tag *, struct dmarc_uri **, size_t *,
		    struct errbuf *);
static int	dmarc_tag(struct dmarc_record *, int, const struct tag *,
		    struct errbuf *);
static int	b64_value(int);
static int	b64_decode(const char *, size_t, unsigned char **, size_t *);
static int	der_get(struct der *, int, struct der *);
static int	dkim_rsa_bits(const unsigned char *, size_t, int *, const char **);
static int	dkim_tag(struct dkim_key *, const struct tag *, struct errbuf *);
static void	dmarc_put_uris(struct obuf *, const char *,
		    const struct dmarc_uri *, size_t);

static void
ob_init(struct obuf *o, char *buf, size_t size)
{
	o->buf = buf;
	o->size = size;
	o->len = 0;
	o->full = 0;
}

static void
ob_putn(struct obuf *o, const char *s, size_t n)
{
	if (o->full || n >= o->size - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
ob_puts(struct obuf *o, const char *s)
{
	ob_putn(o, s, strlen(s));
}

static void
ob_putc(struct obuf *o, char c)
{
	ob_putn(o, &c, 1);
}

/* NUL-terminates; returns the length, or -1 (and "") when it overflowed. */
static int
ob_end(struct obuf *o)
{
	if (o->size == 0)
		return -1;
	if (o->full || o->len > (size_t)0x7fffffff) {
		o->buf[0] = '\0';
		return -1;
	}
	o->buf[o->len] = '\0';
	return (int)o->len;
}

/* ASCII classes, free of the locale. */
static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Returns 1 when c is one of the bytes of set (never for NUL). */
static int
in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Returns 1 when s (n bytes) is word, ASCII case aside. */
static int
ieq(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

/* Returns a NUL-terminated copy of n bytes of s, or NULL. */
static char *
dup_n(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

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

/* SPF. */

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

/* Tag lists, DMARC and DKIM. */

/* Blanks: WSP, and with fws the CR and LF of folding white space too. */
static int
is_wsp(int c, int fws)
{
	return c == ' ' || c == '\t' || (fws && (c == '\r' || c == '\n'));
}

/*
 * Reads the next tag of s (len bytes) from *pos.  Empty tags (";;")
 * are skipped: real records have them, and no receiver refuses them.
 * Returns 1 and *t, 0 at the end, or -1 with the reason in e.
 */
static int
tag_next(const char *s, size_t len, size_t *pos, struct tag *t, int fws,
    struct errbuf *e)
{
	size_t i = *pos;
	int c;

	for (;;) {
		while (i < len && is_wsp((unsigned char)s[i], fws))
			i++;
		if (i == len) {
			*pos = i;
			return 0;
		}
		if (s[i] != ';')
			break;
		i++;
	}
	t->name = s + i;
	t->col = i + 1;
	if (!is_alpha((unsigned char)s[i]))
		return errbuf_set(e, "column %zu: expected a tag name", i + 1);
	while (i < len && (is_alnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	t->nlen = (size_t)(s + i - t->name);
	while (i < len && is_wsp((unsigned char)s[i], fws))
		i++;
	if (i == len || s[i] != '=')
		return errbuf_set(e, "column %zu: expected \"=\" after tag "
		    "\"%.*s\"", i + 1, (int)t->nlen, t->name);
	for (i++; i < len && is_wsp((unsigned char)s[i], fws); i++)
		continue;
	t->val = s + i;
	for (; i < len && s[i] != ';'; i++) {
		c = (unsigned char)s[i];
		if ((c < 0x21 || c > 0x7e) && !is_wsp(c, fws))
			return errbuf_set(e, "column %zu: byte 0x%02x is not "
			    "allowed", i + 1, (unsigned)c);
	}
	t->vlen = (size_t)(s + i - t->val);
	while (t->vlen > 0 && is_wsp((unsigned char)t->val[t->vlen - 1], fws))
		t->vlen--;
	*pos = i < len ? i + 1 : i;
	return 1;
}

/*
 * Checks a list of words separated by ":" with blanks around, as fo=,
 * rf=, h=, s= and t= write them: each word 1*(ALPHA / DIGIT / "-"), or
 * "*" when star.  Returns 0, or -1.
 */
static int
tag_list(const char *s, size_t n, int fws, int star)
{
	size_t i = 0, w;

	for (;;) {
		for (w = i; i < n && (is_alnum((unsigned char)s[i]) ||
		    s[i] == '-' || (star && s[i] == '*')); i++)
			continue;
		if (i == w)
			return -1;
		while (i < n && is_wsp((unsigned char)s[i], fws))
			i++;
		if (i == n)
			return 0;
		if (s[i++] != ':')
			return -1;
		while (i < n && is_wsp((unsigned char)s[i], fws))
			i++;
	}
}

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

/* DKIM key records. */

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (is_digit(c))
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/*
 * Decodes base64 (RFC 4648 4, with padding) of n bytes at s, blanks
 * (folding white space) ignored.  Returns 0 and *out (malloc'ed, *outlen
 * bytes, the caller frees), or -1.
 */
static int
b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *p;
	unsigned long acc = 0;
	size_t i, nchars = 0, npad = 0, o = 0;
	int v;

	*out = NULL;
	if ((p = malloc(n / 4 * 3 + 3)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (is_wsp((unsigned char)s[i], 1))
			continue;
		if (s[i] == '=') {
			npad++;
			continue;
		}
		if (npad > 0 || (v = b64_value((unsigned char)s[i])) == -1)
			goto fail;
		acc = (acc << 6) | (unsigned long)v;
		if (++nchars % 4 == 0) {
			p[o++] = (unsigned char)(acc >> 16);
			p[o++] = (unsigned char)(acc >> 8);
			p[o++] = (unsigned char)acc;
			acc = 0;
		}
	}
	/* The last quantum: 2 or 3 characters with 2 or 1 "=". */
	if (npad > 2 || (nchars + npad) % 4 != 0 || nchars % 4 == 1 ||
	    (nchars % 4 != 0 && nchars % 4 + npad != 4))
		goto fail;
	if (nchars % 4 == 2)
		p[o++] = (unsigned char)(acc >> 4);
	else if (nchars % 4 == 3) {
		p[o++] = (unsigned char)(acc >> 10);
		p[o++] = (unsigned char)(acc >> 2);
	}
	*out = p;
	*outlen = o;
	return 0;
fail:
	free(p);
	return -1;
}

/*
 * Reads one DER value of tag from d into *v and moves d past it: the
 * length in short or long form (up to 4 bytes), within what is left.
 * Returns 0, or -1.
 */
static int
der_get(struct der *d, int tag, struct der *v)
{
	size_t len, n, i, hdr = 2;

	if (d->len < 2 || d->p[0] != tag)
		return -1;
	len = d->p[1];
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 4 || d->len - 2 < n)
			return -1;
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | d->p[2 + i];
		hdr += n;
	}
	if (len > d->len - hdr)
		return -1;
	v->p = d->p + hdr;
	v->len = len;
	d->p += hdr + len;
	d->len -= hdr + len;
	return 0;
}

/*
 * The modulus size of an RSA public key of n bytes at p: a DER
 * SubjectPublicKeyInfo with the rsaEncryption OID, or a bare PKCS#1
 * RSAPublicKey.  A fixed walk, no recursion.  Returns 0 and *bits, or
 * -1 with the reason in *why.
 */
static int
dkim_rsa_bits(const unsigned char *p, size_t n, int *bits, const char **why)
{
	static const unsigned char rsa_oid[] = {
		0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
	};
	struct der all = { p, n }, seq, alg, oid, nul, bs, mod, exp;
	size_t i;
	unsigned c;
	int top;

	*why = "not a DER public key";
	if (der_get(&all, 0x30, &seq) == -1 || all.len != 0 || seq.len == 0)
		return -1;
	if (seq.p[0] == 0x30) {
		/* SubjectPublicKeyInfo: AlgorithmIdentifier, BIT STRING. */
		if (der_get(&seq, 0x30, &alg) == -1 ||
		    der_get(&alg, 0x06, &oid) == -1)
			return -1;
		if (oid.len != sizeof(rsa_oid) ||
		    memcmp(oid.p, rsa_oid, sizeof(rsa_oid)) != 0) {
			*why = "not an RSA key (the algorithm is not "
			    "rsaEncryption)";
			return -1;
		}
		if ((alg.len != 0 && (der_get(&alg, 0x05, &nul) == -1 ||
		    nul.len != 0 || alg.len != 0)) ||
		    der_get(&seq, 0x03, &bs) == -1 || seq.len != 0 ||
		    bs.len < 1 || bs.p[0] != 0)
			return -1;
		all.p = bs.p + 1;
		all.len = bs.len - 1;
		if (der_get(&all, 0x30, &seq) == -1 || all.len != 0)
			return -1;
	}
	/* RSAPublicKey: INTEGER modulus, INTEGER publicExponent. */
	if (der_get(&seq, 0x02, &mod) == -1 ||
	    der_get(&seq, 0x02, &exp) == -1 || seq.len != 0 ||
	    mod.len == 0 || exp.len == 0)
		return -1;
	if ((mod.p[0] & 0x80) || (exp.p[0] & 0x80)) {
		*why = "a negative RSA modulus or exponent";
		return -1;
	}
	for (i = 0; i < mod.len && mod.p[i] == 0; i++)
		continue;
	if (i == mod.len || mod.len - i > 8192) {
		*why = "an RSA modulus of zero or over 65536 bits";
		return -1;
	}
	for (top = 8, c = mod.p[i]; !(c & 0x80); top--)
		c = (unsigned)(c << 1);
	*bits = (int)((mod.len - i - 1) * 8) + top;
	return 0;
}

/* The tags of a key record the parser reads, in the order of its mask. */
static const char *const dkim_tags[] = { "v", "h", "k", "n", "p", "s", "t" };

/*
 * h=, s=, t=: lists whose unknown words are ignored (RFC 6376 3.6.1).
 * Returns 0, or -1 with e.
 */
static int
dkim_tag(struct dkim_key *k, const struct tag *t, struct errbuf *e)
{
	const char *w;
	size_t i = 0, n;
	int sha1 = 0, sha256 = 0;

	if (tag_list(t->val, t->vlen, 1, t->name[0] == 's') == -1)
		return errbuf_set(e, "column %zu: %c=%.*s: not a list of words "
		    "separated by \":\"", t->col, t->name[0], (int)t->vlen,
		    t->val);
	if (t->name[0] == 's')
		k->email = 0;
	while (i < t->vlen) {
		for (w = t->val + i, n = 0; i < t->vlen &&
		    (is_alnum((unsigned char)t->val[i]) ||
		    in_set(t->val[i], "-*")); i++, n++)
			continue;
		for (; i < t->vlen && !is_alnum((unsigned char)t->val[i]) &&
		    !in_set(t->val[i], "-*"); i++)
			continue;
		switch (t->name[0]) {
		case 'h':
			sha1 |= ieq(w, n, "sha1");
			sha256 |= ieq(w, n, "sha256");
			break;
		case 's':
			if (ieq(w, n, "email") || ieq(w, n, "*"))
				k->email = 1;
			break;
		default:
			if (ieq(w, n, "y"))
				k->flags |= DKIM_TESTING;
			if (ieq(w, n, "s"))
				k->flags |= DKIM_STRICT;
			break;
		}
	}
	if (t->name[0] == 'h')
		k->sha1_only = sha1 && !sha256;
	return 0;
}

int
dkim_parse_key(const char *txt, size_t len, struct dkim_key *out,
    struct errbuf *e)
{
	struct tag t, p = { NULL, 0, NULL, 0, 0 };
	unsigned char *key = NULL;
	const char *why;
	size_t pos = 0, k, ntags = sizeof(dkim_tags) / sizeof(dkim_tags[0]),
	    klen, i;
	unsigned seen = 0;
	int idx = 0, rc;

	memset(out, 0, sizeof(*out));
	out->alg = DKIM_RSA;
	out->email = 1;
	/* RFC 6376 3.2: tag names are case-sensitive. */
	while ((rc = tag_next(txt, len, &pos, &t, 1, e)) == 1) {
		idx++;
		for (k = 0; k < ntags; k++)
			if (t.nlen == 1 && t.name[0] == dkim_tags[k][0])
				break;
		if (k == ntags)
			continue;
		if (seen & (1U << k))
			return errbuf_set(e, "column %zu: tag %c= repeated",
			    t.col, t.name[0]);
		seen |= 1U << k;
		switch (t.name[0]) {
		case 'v':
			if (idx != 1 || t.vlen != 5 ||
			    memcmp(t.val, "DKIM1", 5) != 0)
				return errbuf_set(e, "column %zu: v= must be "
				    "first and v=DKIM1", t.col);
			break;
		case 'k':
			if (ieq(t.val, t.vlen, "ed25519"))
				out->alg = DKIM_ED25519;
			else if (!ieq(t.val, t.vlen, "rsa"))
				return errbuf_set(e, "column %zu: unknown key "
				    "type k=%.*s (rsa or ed25519)", t.col,
				    (int)t.vlen, t.val);
			break;
		case 'n':
			break;
		case 'p':
			p = t;
			break;
		default:
			if (dkim_tag(out, &t, e) == -1)
				return -1;
			break;
		}
	}
	if (rc == -1)
		return -1;
	if (p.name == NULL)
		return errbuf_set(e, "column %zu: no p= tag (the public key)",
		    len + 1);
	for (i = 0; i < p.vlen && is_wsp((unsigned char)p.val[i], 1); i++)
		continue;
	if (i == p.vlen) {
		out->revoked = 1;
		return 0;
	}
	if (b64_decode(p.val, p.vlen, &key, &klen) == -1)
		return errbuf_set(e, "column %zu: p= is not valid base64",
		    p.col);
	if (out->alg == DKIM_ED25519) {
		free(key);
		if (klen != 32)
			return errbuf_set(e, "column %zu: an ed25519 key is "
			    "32 bytes, not %zu", p.col, klen);
		out->bits = 256;
		return 0;
	}
	rc = dkim_rsa_bits(key, klen, &out->bits, &why);
	free(key);
	if (rc == -1)
		return errbuf_set(e, "column %zu: p= is %s", p.col, why);
	return 0;
}

/* Zone files. */

int
dnsrec_zone_txt(const char *owner, const char *text, char *buf, size_t size)
{
	struct obuf o;
	char esc[8];
	size_t n = strlen(owner), len = strlen(text), i, k;
	int c;

	ob_init(&o, buf, size);
	ob_puts(&o, owner);
	if (n == 0 || owner[n - 1] != '.')
		ob_putc(&o, '.');
	ob_puts(&o, " IN TXT");
	/* RFC 1035 3.3: a character-string is at most 255 bytes. */
	i = 0;
	do {
		ob_puts(&o, " \"");
		for (k = 0; k < 255 && i < len; k++, i++) {
			c = (unsigned char)text[i];
			if (c == '"' || c == '\\') {
				ob_putc(&o, '\\');
				ob_putc(&o, (char)c);
			} else if (c < 0x20 || c > 0x7e) {
				snprintf(esc, sizeof(esc), "\\%03u",
				    (unsigned)c);
				ob_puts(&o, esc);
			} else
				ob_putc(&o, (char)c);
		}
		ob_putc(&o, '"');
	} while (i < len);
	return ob_end(&o);
}
