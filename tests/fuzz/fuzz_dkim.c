/*
 * fuzz_dkim.c: libFuzzer target for the DKIM key record parser of
 * dnsrec.h.
 *
 * Input: one control byte, then the rest.  Bit 0 clear: the rest is the
 * text of a key record; what it says must hold together (a revoked key
 * has no bits, an ed25519 key 256, an RSA key no more than 8 bits a
 * byte of p=), and the same record with folding white space after each
 * ";" and inside p= reads the same.  Bit 0 set: the rest is the key
 * itself (DER, or anything), base64-encoded here into "k=rsa; p=..." and
 * "k=ed25519; p=...", folded every (control >> 1) characters: the bounded
 * DER walk of dkim_parse_key() must never read outside the key, and an
 * ed25519 key is accepted exactly when it is 32 bytes.  Both: the
 * zone-file line of the input reads back as the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"
#include "fuzz_util.h"
#include "fuzz_zone.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * "PREFIX" and the base64 of len bytes at p, with "\r\n " every fold
 * characters (0: never).  The caller frees it.
 */
static char *
encode(const char *prefix, const uint8_t *p, size_t len, size_t fold,
    size_t *outlen)
{
	char *s, q[4];
	size_t i, o, k, n = 0;
	uint32_t v;

	s = fuzz_alloc(strlen(prefix) + (len + 2) / 3 * 4 * 4 + 1);
	o = strlen(prefix);
	memcpy(s, prefix, o);
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < len ? b64[v & 63] : '=';
		for (k = 0; k < 4; k++) {
			s[o++] = q[k];
			if (fold && ++n % fold == 0) {
				memcpy(s + o, "\r\n ", 3);
				o += 3;
			}
		}
	}
	*outlen = o;
	return s;
}

static void
check_key(const struct dkim_key *k, size_t maxbits)
{
	FUZZ_CHECK(k->alg == DKIM_RSA || k->alg == DKIM_ED25519, "alg %d",
	    k->alg);
	FUZZ_CHECK((k->flags & ~(unsigned)(DKIM_TESTING | DKIM_STRICT)) == 0,
	    "flags %#x", k->flags);
	if (k->revoked)
		FUZZ_CHECK(k->bits == 0, "revoked with %d bits", k->bits);
	else if (k->alg == DKIM_ED25519)
		FUZZ_CHECK(k->bits == 256, "ed25519 of %d bits", k->bits);
	else
		FUZZ_CHECK(k->bits > 0 && (size_t)k->bits <= maxbits,
		    "RSA of %d bits, at most %zu", k->bits, maxbits);
}

/* The record again with "\r\n\t" after every ';' and ' ' before it. */
static void
check_folded(const char *s, size_t len, const struct dkim_key *k)
{
	struct dkim_key k2;
	struct errbuf e;
	char *f;
	size_t i, o = 0;

	f = fuzz_alloc(len * 5 + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == ';') {
			memcpy(f + o, " ;\r\n\t", 5);
			o += 5;
		} else
			f[o++] = s[i];
	}
	FUZZ_CHECK(dkim_parse_key(f, o, &k2, &e) == 0, "folded: %s", e.msg);
	FUZZ_CHECK(memcmp(k, &k2, sizeof(k2)) == 0, "folded reads otherwise");
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct dkim_key k;
	struct errbuf e;
	unsigned ctl;
	size_t n;
	char *s;
	int rc;

	ctl = fuzz_byte(&in);
	if (!(ctl & 1)) {
		s = fuzz_copy(in.p, in.len, 0);
		memset(&k, 0, sizeof(k));
		rc = dkim_parse_key(s, in.len, &k, &e);
		FUZZ_CHECK(rc == 0 || rc == -1, "dkim_parse_key: %d", rc);
		if (rc == -1)
			fuzz_message(e.msg);
		else {
			check_key(&k, in.len * 6);
			/* Folding is no change where ";" is only a separator. */
			if (memchr(s, '\r', in.len) == NULL &&
			    memchr(s, '\n', in.len) == NULL)
				check_folded(s, in.len, &k);
		}
		free(s);
	} else {
		s = encode("k=rsa; p=", in.p, in.len, ctl >> 1, &n);
		rc = dkim_parse_key(s, n, &k, &e);
		if (rc == -1)
			fuzz_message(e.msg);
		else
			check_key(&k, in.len * 8);
		FUZZ_CHECK(rc == -1 || k.revoked == (in.len == 0),
		    "revoked %d with %zu bytes", k.revoked, in.len);
		free(s);
		s = encode("k=ed25519; p=", in.p, in.len, ctl >> 1, &n);
		rc = dkim_parse_key(s, n, &k, &e);
		FUZZ_CHECK((rc == 0) == (in.len == 32 || in.len == 0),
		    "ed25519 of %zu bytes: %d %s", in.len, rc, e.msg);
		if (rc == 0)
			FUZZ_CHECK(k.revoked == (in.len == 0), "revoked");
		free(s);
	}
	fuzz_zone_roundtrip(data, size);
	return 0;
}
