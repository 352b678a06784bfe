/*
 * policy.h: the records of MAP.policy.lmdb, the data alias-milter needs
 * that must stay out of the Postfix map (a key there changes routing).
 * Values are short tab-separated text, so mdb_dump output stays readable:
 *
 *   key " version"   value "1"
 *   key " map"       value "DEV:INO" of the MAP.lmdb published with it
 *   key " compiled"  value "YYYY-MM-DDTHH:MM:SSZ"
 *   key " source"    value "SIZE SPLIT HEAD TAIL WINDOWS": the alias
 *                          file's fingerprint (struct policy_source; the
 *                          digests in hex), WINDOWS 0 or 1
 *   key " lines"     value the lines of every Nth alias key, in file
 *                          order, space-separated (when WINDOWS is 1)
 *   key " counts"    value "DAY DOMAINS ACTIVE REVOKED EXPIRED ENTRIES",
 *                          DAY YYYY-MM-DD: expiry was applied as of it
 *   key DOMAIN       value "d" TAB subaddress TAB deliver_to
 *   key ADDRESS      value "a" TAB flags TAB created TAB revoked TAB
 *                          expires TAB reason [TAB senders]
 *
 * flags is any of 'r' (revoked), 'o' (receive only) and 't' (a target
 * of another alias or of a deliver_to, which may not be revoked); absent dates and
 * empty fields are empty strings.  senders, the alias's sender lock
 * ("senders:"), is its normalised domains and addresses separated by one
 * space; the field is there only when the alias has a lock, so a file
 * without locks is byte for byte what versions before locks wrote, and
 * their records stay readable (no senders field: no lock).  A reader
 * from before locks refuses a record with the field (its alias answers
 * 451 there, never "accept"), which is why POLICY_VERSION did not
 * change.  Metadata keys start with a space, which no normalised
 * address or domain can.  Only aliases with a flag, an expiry date or a
 * lock have a record: plain active aliases are found in the Postfix map
 * alone.
 */
#ifndef POLICY_H
#define POLICY_H

#include <sys/types.h>

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
#define POLICY_SENDERS_MAX	64	/* entries of one lock */
#define POLICY_SENDERS_BYTES	4096	/* the senders field, at most */
/* Room for the longest alias record and its NUL. */
#define POLICY_RECORD_MAX	(POLICY_REASON_MAX + POLICY_SENDERS_BYTES + 128)

#define POLICY_REVOKED		0x01
#define POLICY_RECEIVE_ONLY	0x02
#define POLICY_TARGET		0x04

struct policy_alias {
	unsigned flags;			/* POLICY_* */
	int32_t	created;		/* days since 1970-01-01, DATE_NONE */
	int32_t	revoked;
	int32_t	expires;		/* last valid day */
	char	reason[POLICY_REASON_MAX];
	/*
	 * The lock: normalised domains and addresses separated by one
	 * space, senders_len bytes (not NUL-terminated after parsing), or
	 * NULL when the alias has none.  policy_parse_alias() points it
	 * into the record it parsed, which the caller keeps while using it.
	 */
	const char *senders;
	size_t	senders_len;
};

struct policy_domain {
	char	subaddress[16];		/* "" when none */
	char	deliver_to[1024];
};

/* The " counts" record: the aliases by state as of a day. */
struct policy_counts {
	size_t	domains;
	size_t	active;
	size_t	revoked;
	size_t	expired;	/* not revoked, past its expires: day */
	size_t	entries;	/* keys in the Postfix map */
};

/*
 * The " source" record: the fingerprint of the bytes a load of the
 * alias file read, so that an edit can tell that the map still belongs
 * to the file and change one key instead of compiling (update.c).  The
 * digest is in two parts because a large file is read by two threads.
 */
struct policy_source {
	uint64_t size;		/* bytes read */
	uint64_t split;		/* where the two digests meet */
	uint64_t head;		/* digest_of() the bytes [0, split) */
	uint64_t tail;		/* digest_of() the bytes [split, size) */
	/*
	 * Nonzero when "aliases:" is the last top-level key and a block
	 * mapping with its keys at column 3: then the text from any of its
	 * keys' lines to the end of the file reads, after a made-up
	 * "aliases:" line, as it does in the whole file (af_window_*()).
	 */
	int	windows;
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

/*
 * Decodes a record; returns 0, or -1 when val is not such a record (for
 * an alias record also when its senders field is empty, has an empty
 * entry or more than POLICY_SENDERS_MAX, is longer than
 * POLICY_SENDERS_BYTES, or holds an entry that is not a normalised
 * domain or address).
 */
int	policy_parse_alias(const char *val, struct policy_alias *);
int	policy_parse_domain(const char *val, struct policy_domain *);

/*
 * Checks the len bytes at s as a senders field.  Returns 0, or -1 (see
 * policy_parse_alias()).
 */
int	policy_check_senders(const char *s, size_t len);

/* Nonzero when an alias with this record is expired on day today. */
int	policy_expired(const struct policy_alias *, int32_t today);

/*
 * The metadata records.  Each policy_format_*() writes its record into
 * buf (bufsize bytes, NUL-terminated; cut short only when buf is too
 * small for what the record may hold, which the callers' buffers never
 * are); each policy_parse_*() reads one back and returns 0, or -1 when
 * s is not such a record.
 */

/* " map": the identity of the MAP.lmdb published with the file. */
void	policy_format_ident(dev_t dev, ino_t ino, char *buf, size_t bufsize);
int	policy_parse_ident(const char *s, dev_t *dev, ino_t *ino);

/* " compiled": the time t, UTC, to the second. */
void	policy_format_compiled(time_t t, char *buf, size_t bufsize);

/* " counts": c as of day. */
void	policy_format_counts(const struct policy_counts *c, int32_t day,
	    char *buf, size_t bufsize);
int	policy_parse_counts(const char *s, struct policy_counts *c,
	    int32_t *day);

/* " source". */
void	policy_format_source(const struct policy_source *, char *buf,
	    size_t bufsize);
int	policy_parse_source(const char *s, struct policy_source *);

/*
 * " lines": n line numbers, increasing, space-separated.  Parsing fills
 * lines (room for max) and *n; an empty record, a number that is 0 or
 * does not increase, and more than max of them are errors.
 */
#define POLICY_LINE_BUF	11	/* one number and its space */
void	policy_format_lines(const uint32_t *lines, size_t n, char *buf,
	    size_t bufsize);
int	policy_parse_lines(const char *s, uint32_t *lines, size_t max,
	    size_t *n);

#endif /* POLICY_H */
