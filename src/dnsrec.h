/*
 * dnsrec.h: DNS record codecs for "aliasctl dns": SPF (RFC 7208), DMARC
 * (RFC 7489) and DKIM key records (RFC 6376, RFC 8463), and zone-file
 * TXT lines.  Pure functions: no I/O, no DNS, no globals.
 *
 * The parsers take the text of one TXT resource record with its
 * character-strings already concatenated, without any separator (RFC
 * 7208 3.3, RFC 6376 3.6.2.2): the resolver does that.  Lengths are
 * explicit; the text need not be NUL-terminated and may hold NUL bytes
 * (they are syntax errors).
 */
#ifndef DNSREC_H
#define DNSREC_H

#include <stddef.h>

#include "util.h"

/* SPF: RFC 7208. */

/* A term's kind: the eight mechanisms, or a modifier. */
enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_MODIFIER		/* redirect=, exp= or an unknown name=value */
};

/*
 * One term of a record.  Strings are NUL-terminated and owned by the
 * record.
 */
struct spf_term {
	enum spf_kind kind;
	char	qualifier;	/* '+' '-' '~' '?' ('+' when not written);
				   0 for a modifier */
	int	explicit_qual;	/* the qualifier was written */
	char	*text;		/* the term as written, e.g. "-ip4:192.0.2.0/24" */
	/*
	 * The domain-spec of include, a, mx, ptr, exists; the address of
	 * ip4 and ip6 (without the cidr length); a modifier's value (may
	 * be ""); NULL when absent (all, a and mx and ptr without one).
	 */
	char	*value;
	char	*name;		/* a modifier's name as written; else NULL */
	int	cidr4;		/* ip4 and a/mx ip4-cidr-length; -1 absent */
	int	cidr6;		/* ip6 and a/mx ip6-cidr-length; -1 absent */
};

struct spf_record {
	struct spf_term *terms;	/* in record order */
	size_t	nterms;
	long	all;		/* index of the all term, or -1 */
	char	all_qual;	/* its qualifier, 0 when there is none */
	const char *redirect;	/* the redirect= domain-spec, or NULL */
	const char *exp;	/* the exp= domain-spec, or NULL */
};

/*
 * Returns 1 when txt (len bytes) is an SPF record: "v=spf1" in any case
 * followed by a space or the end (RFC 7208 4.5), else 0.
 */
int	spf_is_record(const char *txt, size_t len);

/*
 * Parses txt (len bytes) by the ABNF of RFC 7208 section 12: the version,
 * terms separated by one or more spaces, trailing spaces allowed;
 * mechanism and modifier names are case-insensitive.  Checked: the
 * mechanism names, qualifiers, ip4 and ip6 addresses and cidr lengths
 * (ip4 0-32, ip6 0-128, no leading zero), the a/mx dual-cidr-length,
 * every domain-spec and macro-string (macro letters, transformers,
 * delimiters; c, r and t only in exp=; %{x0} is an error, RFC 7208
 * 7.3), redirect= and exp= at most once each.  Unknown modifiers are
 * kept.  Unknown mechanisms are errors (RFC 7208 5).
 *
 * Returns 0 and *out, a record to free with spf_record_free(); or -1
 * with "column N: reason" in e (N counts bytes of txt from 1), or the
 * reason for running out of memory, and *out set to NULL.
 */
int	spf_parse(const char *txt, size_t len, struct spf_record **out,
	    struct errbuf *e);

/* Frees a record from spf_parse(); NULL is a no-op. */
void	spf_record_free(struct spf_record *);

/*
 * Returns the number of terms of this record alone that cause a DNS
 * query (include, a, mx, ptr, exists, redirect: RFC 7208 4.6.4); the
 * caller adds the counts of included and redirected records.
 */
int	spf_dns_terms(const struct spf_record *);

/*
 * Returns 1 when the domain-spec (a NUL-terminated string) contains a
 * macro-expand ("%{", "%%", "%_" or "%-"), else 0.
 */
int	spf_has_macro(const char *domain_spec);

/*
 * Expands domain_spec (NUL-terminated) for domain, for the macros that
 * are known without a message: %{d} and %{o} are domain (with their
 * transformers and delimiters, RFC 7208 7.3; an uppercase letter is
 * URL-escaped), %% is "%", %_ a space, %- "%20".  When the result is
 * longer than 253 bytes, labels are removed from its left (RFC 7208
 * 4.8).  Writes the result and a NUL into buf (size bytes).
 *
 * Returns the length of the result; -1 when the spec needs a macro that
 * only a message gives (i, s, l, h, p, v, c, r, t), so that the caller
 * can say it cannot follow the term; -2 when the spec is malformed or
 * the result does not fit.
 */
int	spf_expand(const char *domain_spec, const char *domain, char *buf,
	    size_t size);

/*
 * Writes the SPF record to publish, and a NUL, into buf (size bytes).
 * With old: its terms in order, with its all term made "-all" ("+all",
 * "?all", "~all" replaced), or "-all" added after the last mechanism
 * when there is none.  A record with redirect= and no all is returned
 * as it is: redirect= applies only when there is no all (RFC 7208 6.1),
 * so the "-all" belongs in the record it names.
 * Without old (NULL): "v=spf1 mx ip4:ADDR ip6:ADDR -all", "mx" only when
 * nmx > 0 (the MX host names are not otherwise used), one ip4: or ip6:
 * term per address of ips in order (an address may carry a /cidr).
 *
 * Returns the length, or -1 when it does not fit or an address of ips
 * is not an IPv4 or IPv6 address.
 */
int	spf_suggest(const struct spf_record *old, const char *const *mx,
	    size_t nmx, const char *const *ips, size_t nips, char *buf,
	    size_t size);

/* DMARC: RFC 7489. */

enum dmarc_policy {
	DMARC_NONE,
	DMARC_QUARANTINE,
	DMARC_REJECT
};

/* A report URI of rua= or ruf=.  Strings owned by the record. */
struct dmarc_uri {
	char	*uri;		/* as written, e.g. "mailto:d@example.org!10m" */
	char	*addr;		/* the address, "d@example.org" */
	unsigned long long limit; /* the !size in bytes, 0 when absent */
};

struct dmarc_record {
	enum dmarc_policy p;
	int	p_given;	/* 0: no p= tag, read as p=none (checkdmarc) */
	enum dmarc_policy sp;	/* p when sp= is absent */
	int	sp_given;
	int	pct;		/* 0-100, 100 when absent */
	int	pct_given;
	char	adkim;		/* 'r' or 's'; 0 when absent (relaxed) */
	char	aspf;		/* 'r' or 's'; 0 when absent (relaxed) */
	char	*fo;		/* fo= as written, or NULL (means "0") */
	char	*rf;		/* rf= as written, or NULL (means "afrf") */
	long	ri;		/* ri= seconds, -1 when absent (86400) */
	struct dmarc_uri *rua;	/* aggregate report URIs, nrua of them */
	size_t	nrua;
	struct dmarc_uri *ruf;	/* failure report URIs, nruf of them */
	size_t	nruf;
};

/*
 * Returns 1 when the first tag of txt (len bytes) is v=DMARC1: the tag
 * name in any case, the value exactly "DMARC1" (RFC 7489 6.3), blanks
 * allowed around "=" and before ";" or the end; else 0.
 */
int	dmarc_is_record(const char *txt, size_t len);

/*
 * Parses txt (len bytes), a tag list as RFC 7489 6.4 writes it: v=DMARC1
 * first, p= second when present; sp=, pct= (0-100), rua= and ruf=
 * (comma-separated "mailto:ADDR" URIs, each with an optional
 * "!SIZE[kmgt]"), adkim= and aspf= (r or s), fo= (0, 1, d, s separated
 * by ":"), rf= (report formats separated by ":"), ri= (seconds).  Tag
 * names and the keyword values are case-insensitive, blanks around "="
 * and ";" are allowed, empty tags (";;") and a trailing ";" are skipped,
 * unknown tags are ignored.  A repeated tag, an invalid value or a
 * non-mailto URI is an error.  Fills *out, whose strings the caller
 * frees with dmarc_record_free().
 *
 * Returns 0, or -1 with the reason in e and *out empty (to free or not).
 */
int	dmarc_parse(const char *txt, size_t len, struct dmarc_record *out,
	    struct errbuf *e);

/* Frees what *r holds and empties it; an emptied record is a no-op. */
void	dmarc_record_free(struct dmarc_record *r);

/*
 * Returns a pointer into addr (a report address, NUL-terminated) to its
 * domain, after the last "@"; or NULL when there is no "@" or nothing
 * after it.
 */
const char *dmarc_uri_domain(const char *addr);

/*
 * Writes the DMARC record to publish, and a NUL, into buf (size bytes):
 * "v=DMARC1; p=reject", then what old (may be NULL) has besides p, sp
 * and pct: adkim, aspf, rua, ruf, fo, rf, ri, as written.  An sp= and a
 * pct= are dropped: sp absent is p's reject, and pct absent is 100.
 *
 * Returns the length, or -1 when it does not fit.
 */
int	dmarc_suggest(const struct dmarc_record *old, char *buf, size_t size);

/* DKIM key records: RFC 6376 3.6.1, RFC 8463. */

enum dkim_alg {
	DKIM_RSA,
	DKIM_ED25519
};

/* DKIM flags, t=. */
#define DKIM_TESTING	0x01	/* t=y */
#define DKIM_STRICT	0x02	/* t=s: no subdomains in i= */

struct dkim_key {
	enum dkim_alg alg;
	int	revoked;	/* p= empty: the key is revoked */
	int	bits;		/* RSA modulus bits, 256 for ed25519, 0 when
				   revoked */
	unsigned flags;		/* DKIM_TESTING, DKIM_STRICT */
	int	sha1_only;	/* h= lists sha1 and not sha256 */
	int	email;		/* s= absent, or lists "email" or "*" */
};

/*
 * Parses a key record, txt (len bytes), a tag list (RFC 6376 3.2):
 * folding white space allowed around tags and inside p=; v=DKIM1
 * optional but first when present; k= rsa (the default) or ed25519, in
 * any case; p= base64, required, empty for a revoked key; h=, s=, t=
 * checked as lists of words separated by ":", unknown words, n= and
 * unknown tags ignored; tag names case-sensitive; a repeated tag is an
 * error.  Long-form DER lengths need not be minimal.  An RSA key is a DER SubjectPublicKeyInfo with the
 * rsaEncryption OID, or a bare PKCS#1 RSAPublicKey; an ed25519 key is
 * 32 bytes (RFC 8463 4.2).  Fills *out (nothing to free).
 *
 * Returns 0 (also for a revoked key), or -1 with the reason in e.
 */
int	dkim_parse_key(const char *txt, size_t len, struct dkim_key *out,
	    struct errbuf *e);

/* Zone files. */

/*
 * Writes the zone-file line "OWNER. IN TXT "..." "..."" and a NUL into
 * buf (size bytes): owner with one trailing dot (added when missing),
 * text split into character-strings of at most 255 bytes each (one
 * empty string for an empty text), in each '"' and '\' escaped with a
 * backslash and bytes outside 0x20-0x7e written as \DDD.  The split is
 * on the bytes of text, so an escape never straddles two strings.
 *
 * Returns the length, or -1 when it does not fit.
 */
int	dnsrec_zone_txt(const char *owner, const char *text, char *buf,
	    size_t size);

#endif /* DNSREC_H */
