/*
 * maillog.h: what "aliasctl import" reads.  A parser for Postfix log
 * lines (deliveries, the queue manager's sender and "removed" lines,
 * NOQUEUE rejects), a table of the messages in flight that joins a
 * delivery to its sender by queue id, a per-address aggregator, and a
 * reader for virtual(5) text.  Pure functions over caller-provided
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
	ML_REJECT,		/* "reject: RCPT from ...; to=<...>" */
	ML_FROM,		/* qmgr "QUEUEID: from=<...>, size=..." */
	ML_REMOVED		/* qmgr "QUEUEID: removed" */
};

/* Who sent a message (ML_FROM), as far as the log tells. */
enum ml_sender {
	ML_SENDER_UNKNOWN = 0,	/* no from= line seen for the queue id */
	ML_SENDER_REAL,		/* anyone else */
	ML_SENDER_BOUNCE	/* <>, MAILER-DAEMON@..., postmaster@... */
};

#define ML_QID_BUF	32	/* a queue id and NUL (long ids are ~17) */

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
	int	remote;		/* delivery: relay=HOST[ADDR]:PORT */
	int	sender;		/* ML_FROM: enum ml_sender, not UNKNOWN */
	int32_t	day;		/* days since 1970-01-01 */
	char	qid[ML_QID_BUF]; /* delivery, from, removed: the queue id */
	struct addr a;		/* the recipient, case folded */
	char	addr[ADDR_BUF];	/* the same, "local@domain" */
	char	to[ADDR_BUF];	/* delivery with orig_to: the to=
				   target, its local part's case kept;
				   else "" */
	char	from[ADDR_BUF];	/* ML_FROM: the sender, case folded,
				   or "" when it is <> or no address */
	char	fromdom[ADDR_BUF]; /* ML_FROM: its domain, or "" */
};

/*
 * Parses one Postfix log line of len bytes (no newline needed), with a
 * traditional syslog prefix ("Nov 27 04:12:01 host postfix/smtp[1]: ")
 * or an RFC 3339 one ("2026-11-27T04:12:01.123+00:00 host ...").  A
 * traditional date has no year: it is year, or year - 1 for a month
 * after month (1-12), the caller's current date.  The recipient is
 * orig_to= when present (the address before virtual alias rewriting),
 * else to=.  A sender is a bounce's (ML_SENDER_BOUNCE) when it is the
 * null sender <> or its local part is MAILER-DAEMON or postmaster (any
 * case, any domain, or none): the senders of delivery status
 * notifications.  Returns r->kind; on ML_SKIP *r is unspecified.
 */
int	maillog_parse(const char *line, size_t len, int year, int month,
	    struct ml_rec *r);

/*
 * The messages in flight: queue id to sender, and the addresses each
 * message was already counted for.  A queue id is dropped at its
 * "removed" line; when max ids are held, the oldest is dropped to make
 * room (its later lines count with the sender unknown).
 */
#define ML_QUEUE_MAX	100000	/* queue ids held (a busy queue) */
#define ML_MSG_RCPT_MAX	1000	/* addresses remembered per message,
				   Postfix's smtpd_recipient_limit */

struct ml_msg {
	char	qid[ML_QID_BUF];
	int	sender;		/* enum ml_sender */
	char	*from;		/* the sender address, or NULL */
	char	*fromdom;	/* its domain, or NULL */
	char	**rcpt;		/* addresses counted for it */
	size_t	nrcpt;
	size_t	caprcpt;
	struct ml_msg *hnext;	/* hash chain */
	struct ml_msg *older, *newer; /* age list */
};

struct ml_queue {
	struct ml_msg **buckets;
	size_t	nbuckets;
	size_t	n;
	size_t	max;
	size_t	evicted;	/* dropped to make room */
	struct ml_msg *oldest, *newest;
};

/*
 * Returns a new, empty table holding at most max queue ids (at least
 * 1), or NULL when out of memory.
 */
struct ml_queue *ml_queue_new(size_t max);
/* Frees q and every message; NULL is a no-op. */
void	ml_queue_free(struct ml_queue *q);
/*
 * Returns the message with queue id qid, or NULL.  With create, adds
 * one with an unknown sender when there is none (dropping the oldest
 * when the table is full); NULL then means out of memory.  The pointer
 * is valid until the next call that creates or removes a message.
 */
struct ml_msg *ml_queue_get(struct ml_queue *q, const char *qid, int create);
/*
 * Records the sender of an ML_FROM record r, adding the message when
 * it is new.  Returns 0, or -1 when out of memory.
 */
int	ml_queue_from(struct ml_queue *q, const struct ml_rec *r);
/* Drops the message with queue id qid, if there is one. */
void	ml_queue_remove(struct ml_queue *q, const char *qid);
/*
 * Marks addr as counted for message m.  Returns 1 when it was already,
 * 0 when it was not (now it is; past ML_MSG_RCPT_MAX addresses nothing
 * more is remembered and 0 is returned), or -1 when out of memory.
 */
int	ml_msg_counted(struct ml_msg *m, const char *addr);

#define ML_TARGETS_MAX	32	/* targets kept per address */

/* Per-address counts, the aggregator's entries. */
struct ml_entry {
	char	*addr;		/* owned by the aggregator */
	uint64_t messages;	/* from real senders, one per queue id */
	uint64_t bounces;	/* from bounce senders, one per queue id */
	uint64_t unknown;	/* with no from= line in the log */
	uint64_t domains;	/* distinct domains of the real senders */
	uint64_t rejected;
	int32_t	first;		/* days since 1970-01-01 */
	int32_t	last;
	unsigned line;		/* free for the caller (import --virtual) */
	char	**to;		/* delivery targets, in order seen */
	size_t	nto;
};

struct ml_agg {
	struct ml_entry *v;	/* in order of first appearance */
	size_t	n;
	size_t	cap;
	size_t	*slots;		/* hash table: index into v plus 1, 0 empty */
	size_t	nslots;
	struct ml_agg *pairs;	/* "address domain" seen, or NULL */
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
 * Counts r for the address key (normally r->addr, or its subaddress
 * base): an ML_REJECT as rejected; an ML_DELIVERY as one message of m's
 * sender (m NULL: unknown) unless m was already counted for key, and,
 * when sent with orig_to, its to= target.  A real sender's domain is
 * counted once per address (the set is kept in agg).  Returns 0, or -1
 * when out of memory.
 */
int	ml_agg_add(struct ml_agg *agg, const char *key,
	    const struct ml_rec *r, struct ml_msg *m);
/*
 * qsort(3) order: messages from real senders first, most first, then
 * messages of unknown senders, then bounces, then rejects, then by
 * address.
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
