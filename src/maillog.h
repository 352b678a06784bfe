/*
 * maillog.h: what "aliasctl import" reads.  A parser for Postfix log
 * lines (deliveries and NOQUEUE rejects), a per-address aggregator, and
 * a reader for virtual(5) text.  Pure functions over caller-provided
 * buffers: no I/O.
 */
#ifndef MAILLOG_H
#define MAILLOG_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"

/* What a log line is. */
enum ml_kind {
	ML_SKIP = 0,		/* anything else: ignored, counted as skipped */
	ML_DELIVERY,		/* "QUEUEID: to=<...>, ... status=..." */
	ML_REJECT		/* "reject: RCPT from ...; from=<> to=<...>" */
};

/* Delivery status of an ML_DELIVERY line. */
enum ml_status {
	ML_NONE = 0,
	ML_SENT,
	ML_BOUNCED,
	ML_DEFERRED
};

/* One parsed line. */
struct ml_rec {
	int	kind;		/* enum ml_kind */
	int	status;		/* enum ml_status, ML_NONE for rejects */
	int	orig;		/* the address is orig_to=, not to= */
	int32_t	day;		/* days since 1970-01-01 */
	struct addr a;		/* the recipient, case folded */
	char	addr[ADDR_BUF];	/* the same, "local@domain" */
};

/*
 * Parses one Postfix log line of len bytes (no newline needed), with a
 * traditional syslog prefix ("Nov 27 04:12:01 host postfix/smtp[1]: ")
 * or an RFC 3339 one ("2026-11-27T04:12:01.123+00:00 host ...").  A
 * traditional date has no year: it is year, or year - 1 for a month
 * after month (1-12), the caller's current date.  The recipient is
 * orig_to= when present (the address before virtual alias rewriting),
 * else to=.  Returns r->kind; on ML_SKIP *r is unspecified.
 */
int	maillog_parse(const char *line, size_t len, int year, int month,
	    struct ml_rec *r);

/* Per-address counts, the aggregator's entries. */
struct ml_entry {
	char	*addr;		/* owned by the aggregator */
	uint64_t sent;
	uint64_t bounced;
	uint64_t deferred;
	uint64_t rejected;
	int32_t	first;		/* days since 1970-01-01 */
	int32_t	last;
	unsigned line;		/* free for the caller (import --virtual) */
};

struct ml_agg {
	struct ml_entry *v;	/* in order of first appearance */
	size_t	n;
	size_t	cap;
	size_t	*slots;		/* hash table: index into v plus 1, 0 empty */
	size_t	nslots;
};

/* Returns a new, empty aggregator, or NULL when out of memory. */
struct ml_agg *ml_agg_new(void);
/* Frees agg and every entry; NULL is a no-op. */
void	ml_agg_free(struct ml_agg *agg);
/*
 * Returns the entry for addr, adding a zeroed one (first and last
 * DATE_NONE) when create is set and there is none.  Returns NULL when
 * there is none and create is 0, or when out of memory.  The pointer is
 * valid until the next call that creates an entry.
 */
struct ml_entry *ml_agg_get(struct ml_agg *agg, const char *addr, int create);
/*
 * Counts r (ML_DELIVERY or ML_REJECT) for the address key (normally
 * r->addr, or its subaddress base).  Returns 0, or -1 when out of memory.
 */
int	ml_agg_add(struct ml_agg *agg, const char *key, const struct ml_rec *r);
/*
 * qsort(3) order: messages (sent + bounced) first, most first, then
 * deferrals, then rejects, then by address.
 */
int	ml_entry_cmp(const void *, const void *);

/* One virtual(5) entry: key and value point into the caller's text. */
struct vt_entry {
	const char *key;
	size_t	keylen;
	const char *value;	/* may span continuation lines; may be empty */
	size_t	vallen;
	unsigned line;		/* 1-based line of the key */
};

/*
 * Reads the next entry of virtual(5) text (len bytes) from *pos, as
 * postmap(1) does: blank lines and lines whose first non-blank byte is
 * '#' are skipped, a line starting with blanks continues the previous
 * entry; the key is the first word, the value the rest, trimmed.
 * *lineno counts lines (start it at 0).  Returns 1 with *e filled, or 0
 * at the end of text.
 */
int	vt_next(const char *text, size_t len, size_t *pos, unsigned *lineno,
	    struct vt_entry *e);

/*
 * Reads the next target of a virtual(5) value (separated by commas and
 * blanks; double quotes protect both) from *p up to end, normalised
 * keeping the case of the local part.  Returns 1 with *a filled, 0 when
 * there are no more, or -1 with *err set to an addr_parse() error and
 * *p past the bad target.
 */
int	vt_target_next(const char **p, const char *end, struct addr *a,
	    int *err);

#endif /* MAILLOG_H */
