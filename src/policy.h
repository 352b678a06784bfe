/*
 * policy.h: the records of MAP.policy.lmdb, the data alias-milter needs
 * that must stay out of the Postfix map (a key there changes routing).
 * Values are short tab-separated text, so mdb_dump output stays readable:
 *
 *   key " version"   value "1"
 *   key " map"       value "DEV:INO" of the MAP.lmdb published with it
 *   key " compiled"  value "YYYY-MM-DDTHH:MM:SSZ"
 *   key " source"    value "SIZE SPLIT HEAD TAIL WINDOWS": the alias
 *                          file's fingerprint (struct af_source; the
 *                          digests in hex), WINDOWS 0 or 1
 *   key " lines"     value the lines of every Nth alias key, in file
 *                          order, space-separated (when WINDOWS is 1)
 *   key " counts"    value "DAY DOMAINS ACTIVE REVOKED EXPIRED ENTRIES",
 *                          DAY YYYY-MM-DD: expiry was applied as of it
 *   key DOMAIN       value "d" TAB subaddress TAB deliver_to
 *   key ADDRESS      value "a" TAB flags TAB created TAB revoked TAB
 *                          expires TAB reason
 *
 * flags is any of 'r' (revoked), 'o' (receive only) and 't' (a target
 * of another alias or of a deliver_to, which may not be revoked); absent dates and
 * empty fields are empty strings.  Metadata keys start with a space,
 * which no normalised address or domain can.  Only aliases with a flag
 * or an expiry date have a record: plain active aliases are found in
 * the Postfix map alone.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>
#include <stdint.h>

#define POLICY_VERSION		"1"
#define POLICY_KEY_VERSION	" version"
#define POLICY_KEY_MAP		" map"
#define POLICY_KEY_COMPILED	" compiled"
#define POLICY_KEY_SOURCE	" source"
#define POLICY_KEY_LINES	" lines"
#define POLICY_KEY_COUNTS	" counts"
#define POLICY_REASON_MAX	512	/* longer reasons are cut */

#define POLICY_REVOKED		0x01
#define POLICY_RECEIVE_ONLY	0x02
#define POLICY_TARGET		0x04

struct policy_alias {
	unsigned flags;			/* POLICY_* */
	int32_t	created;		/* days since 1970-01-01, DATE_NONE */
	int32_t	revoked;
	int32_t	expires;		/* last valid day */
	char	reason[POLICY_REASON_MAX];
};

struct policy_domain {
	char	subaddress[16];		/* "" when none */
	char	deliver_to[1024];
};

/*
 * Encodes a record into buf (bufsize bytes, NUL-terminated).  Tabs and
 * newlines in text become spaces.  Returns 0, or -1 when buf is too
 * small.
 */
int	policy_format_alias(const struct policy_alias *, char *buf,
	    size_t bufsize);
int	policy_format_domain(const struct policy_domain *, char *buf,
	    size_t bufsize);

/* Decodes a record; returns 0, or -1 when val is not such a record. */
int	policy_parse_alias(const char *val, struct policy_alias *);
int	policy_parse_domain(const char *val, struct policy_domain *);

/* Nonzero when an alias with this record is expired on day today. */
int	policy_expired(const struct policy_alias *, int32_t today);

#endif /* POLICY_H */
