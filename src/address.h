/*
 * address.h: RFC 5321 mailbox normalisation, the one implementation used
 * by aliasctl, alias-milter and alias-lookupd.  Pure functions, no I/O,
 * no allocation: the caller owns every buffer.
 */
#ifndef ADDRESS_H
#define ADDRESS_H

#include <stddef.h>

#define ADDR_LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1, octets */
#define ADDR_DOMAIN_MAX	255	/* RFC 5321 4.5.3.1.2 */
#define ADDR_PATH_MAX	256	/* RFC 5321 4.5.3.1.3, including "<>" */

/*
 * Room for the canonical local part: a quoted local part of 64 octets
 * needs two quotes and at most one backslash per octet.
 */
#define ADDR_LOCAL_BUF	(2 * ADDR_LOCAL_MAX + 3)
/* Room for "local@domain" plus NUL. */
#define ADDR_BUF	(ADDR_LOCAL_BUF + 1 + ADDR_DOMAIN_MAX + 1)

/* Error codes returned by addr_parse(); 0 is success. */
enum addr_error {
	ADDR_OK = 0,
	ADDR_EMPTY,		/* nothing at all, or "<>" */
	ADDR_NO_AT,		/* no "@" outside quotes */
	ADDR_LOCAL_EMPTY,	/* "@example.com" */
	ADDR_DOMAIN_EMPTY,	/* "user@" */
	ADDR_LOCAL_LONG,	/* local part over 64 octets */
	ADDR_DOMAIN_LONG,	/* domain over 255 octets, or a label over 63 */
	ADDR_PATH_LONG,		/* whole path over 256 octets */
	ADDR_CONTROL,		/* a control byte (0x00-0x1f, 0x7f) */
	ADDR_NON_ASCII,		/* a byte >= 0x80 (see address.c for why) */
	ADDR_BAD_LOCAL,		/* local part is neither dot-atom nor quoted */
	ADDR_BAD_QUOTE,		/* unterminated quote or trailing backslash */
	ADDR_BAD_DOMAIN,	/* domain is not a host name */
	ADDR_BAD_ROUTE,		/* malformed source route or angle brackets */
	ADDR_BLANK,		/* addr_sender(): a quoted local part with
				   a blank */
	ADDR_NERRORS
};

/* Flags for addr_parse(). */
#define ADDR_KEEP_CASE	0x01	/* keep the case of the local part (targets) */

/*
 * A parsed, canonical address.  local is the external (RFC 5321) form:
 * unquoted when it is a valid dot-atom, otherwise quoted with a backslash
 * only before '"' and '\'.  Unless ADDR_KEEP_CASE, ASCII letters in the
 * local part are lowercased; the domain is always lowercased and loses
 * one trailing dot.
 */
struct addr {
	char	local[ADDR_LOCAL_BUF];
	char	domain[ADDR_DOMAIN_MAX + 1];
	size_t	local_len;
	size_t	domain_len;
};

/*
 * Parses the first len bytes of in, which may be "<user@domain>",
 * "<@route,@route:user@domain>" or "user@domain", with surrounding
 * blanks.  Fills *a and returns ADDR_OK, or returns an error code and
 * leaves *a unspecified.
 */
int	addr_parse(const char *in, size_t len, unsigned flags, struct addr *a);

/*
 * Returns a static, human-readable message for an addr_parse() error.
 */
const char *addr_strerror(int err);

/*
 * Writes "local@domain" and a NUL into buf of size bufsize (ADDR_BUF is
 * always enough).  Returns the length without the NUL, or (size_t)-1
 * when buf is too small.
 */
size_t	addr_format(const struct addr *a, char *buf, size_t bufsize);

/*
 * Postfix's subaddress split (split_addr(3)): returns the length of the
 * base of the canonical local part of a, cut at the first byte found in
 * delims, or a->local_len when the address is not split: delims empty,
 * no delimiter, a delimiter at position 0, or one of the local parts
 * Postfix never splits (postmaster, MAILER-DAEMON, double-bounce, and
 * with '-' in delims owner-* and *-request).  Quoted local parts and a
 * base that would end in '.' are never split: Postfix would look such a
 * base up in quoted form, which is no prefix of the canonical local part
 * (so we look up fewer keys than Postfix, never more).
 */
size_t	addr_subaddr_base(const struct addr *a, const char *delims);

/*
 * The keys Postfix's virtual alias lookup tries for the address a, in
 * its order (virtual(5)): full, the canonical "local@domain"; base, the
 * subaddress base "base@domain" when a splits at one of delims
 * (addr_subaddr_base()), else ""; domain, the catch-all "@domain".
 * blen is the length of the base in a->local (a->local_len when a does
 * not split).
 */
struct addr_keys {
	char	full[ADDR_BUF];
	char	base[ADDR_BUF];
	char	domain[ADDR_DOMAIN_MAX + 2];
	size_t	blen;
};

/* Fills *k for a and delims (NULL or "" when the domain does not split). */
void	addr_keys(const struct addr *a, const char *delims,
	    struct addr_keys *k);

/*
 * The local parts every domain has, whatever the alias file says:
 * postmaster (RFC 5321 4.5.1) and abuse (RFC 2142).  Always accepted,
 * never revoked, in every map.
 */
#define ADDR_ALWAYS_N	2
extern const char *const addr_always_local[ADDR_ALWAYS_N];
extern const char *const addr_always_rfc[ADDR_ALWAYS_N];

/*
 * Returns the index in addr_always_local[] of the len bytes at local (a
 * canonical local part, or the part of a normalised key before its
 * '@'), or -1 when they are not one of them.
 */
int	addr_always(const char *local, size_t len);

/*
 * Normalises a bare domain name (as in "domains:" keys): lowercase, one
 * trailing dot dropped, LDH labels of 1-63 octets, 255 octets at most.
 * Writes the result and a NUL into out (ADDR_DOMAIN_MAX + 1 bytes) and
 * returns ADDR_OK or an error code.
 */
int	addr_domain(const char *in, size_t len, char *out);

/*
 * A DKIM selector (dkim_selectors:, aliasctl dns --selector): DNS labels
 * of letters, digits, '-' and '_' (selectors in use have them) joined by
 * dots, ADDR_SELECTOR_MAX bytes at most, so that with "._domainkey."
 * and a domain it stays a name.  Writes it lowercased, with a NUL, into
 * out (ADDR_SELECTOR_MAX + 1 bytes).  Returns 0, or -1 when it is not one.
 */
#define ADDR_SELECTOR_MAX	63
int	addr_selector(const char *in, size_t len, char *out);

/*
 * Normalises one entry of a sender lock ("senders:", aliasctl lock
 * --sender): without an '@' a domain name as addr_domain() writes it,
 * else an address as addr_parse() (ASCII case folded in the local part
 * too, as Postfix folds keys) and addr_format() write it.  Writes the
 * result and a NUL into out (ADDR_BUF bytes), its length into *outlen
 * and whether it is a domain into *domain.  Returns ADDR_OK or an error
 * code: ADDR_BLANK for an address whose canonical form holds a blank (a
 * quoted local part), which a lock's space-separated list cannot hold.
 */
int	addr_sender(const char *in, size_t len, char *out, size_t *outlen,
	    int *domain);

#endif /* ADDRESS_H */
