/*
 * dnsrec_dkim.c: the DKIM key record parser, RFC 6376 3.6.1 and RFC 8463
 * (see dnsrec.h): the tag list, base64, and a bounded DER walk to the
 * RSA modulus.  Pure: no I/O, no OpenSSL.
 */
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"
#include "dnsrec_priv.h"

/* A DER value being read: the bytes left. */
struct der {
	const unsigned char *p;
	size_t	 len;
};

static int	b64_value(int);
static int	b64_decode(const char *, size_t, unsigned char **, size_t *);
static int	der_get(struct der *, int, struct der *);
static int	dkim_rsa_bits(const unsigned char *, size_t, int *,
		    const char **);
static int	dkim_tag(struct dkim_key *, const struct tag *,
		    struct errbuf *);

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
		return errbuf_set(e, "column %zu: %c= is not a list of words "
		    "separated by \":\"", t->col, t->name[0]);
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
				/* Quoted unless folded: no CR, LF in e. */
				return errbuf_set(e, "column %zu: unknown key "
				    "type k=%.*s (rsa or ed25519)", t.col,
				    memchr(t.val, '\r', t.vlen) == NULL &&
				    memchr(t.val, '\n', t.vlen) == NULL ?
				    (int)t.vlen : 0, t.val);
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
