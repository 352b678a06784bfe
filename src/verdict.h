/*
 * verdict.h: what to do with one recipient, the verdict table of
 * SPEC.md in one pure function over an open map pair (no I/O beyond the
 * map lookups, no logging), shared by alias-milter and alias-lookupd.
 */
#ifndef VERDICT_H
#define VERDICT_H

#include <stdint.h>
#include <time.h>

#include "address.h"
#include "mapview.h"

enum verdict {
	VERDICT_NOT_OURS,	/* domain not managed: continue */
	VERDICT_ACCEPT,		/* active alias (or its +subaddress) */
	VERDICT_POSTMASTER,	/* postmaster@ or abuse@: always accepted */
	VERDICT_BACKSCATTER,	/* receive-only alias, MAIL FROM:<> */
	VERDICT_LOCKED,		/* "senders:" lock, the sender not listed */
	VERDICT_REVOKED,	/* revoked alias */
	VERDICT_EXPIRED,	/* past its expires: day */
	VERDICT_UNKNOWN,	/* managed domain, no such alias */
	VERDICT_TEMPFAIL	/* the map cannot be read */
};

struct verdict_result {
	enum verdict verdict;
	/*
	 * The alias the recipient resolved to (the key that matched: the
	 * full address, or the base of a subaddress; lower case), for
	 * VERDICT_UNKNOWN the normalised recipient, for
	 * VERDICT_POSTMASTER the normalised postmaster@/abuse@ address;
	 * "" for VERDICT_NOT_OURS, VERDICT_TEMPFAIL and a recipient that
	 * does not parse.
	 */
	char	alias[ADDR_BUF];
	/*
	 * The recipient's domain, normalised; for a recipient that does
	 * not parse, the host name after its last '@' if there is one;
	 * else "".  Filled for every verdict, VERDICT_TEMPFAIL included.
	 */
	char	domain[ADDR_DOMAIN_MAX + 1];
};

/*
 * The sender argument of the functions below: the envelope sender as
 * given to MAIL FROM (with or without <>, perhaps with a source route),
 * "" or "<>" for the null sender (see verdict_sender_null()), or NULL
 * when the caller cannot know it (alias-lookupd): then neither
 * receive_only nor a sender lock applies.
 */

/*
 * Decides rcpt (as given to RCPT TO, with or without <>) for a message
 * from sender, on day today (days since 1970-01-01, local time), using
 * pair (NULL when no map can be read).  Fills *r; never fails: a lookup
 * error is VERDICT_TEMPFAIL.  Order: not managed, postmaster/abuse
 * (abuse+ext too when the domain splits it), then for the full address
 * and then its subaddress base, the first key either file knows:
 * revoked, expired, receive-only with null sender, locked (a lock, a
 * sender that is not null and not listed, see verdict_sender_listed()),
 * active; else unknown.  A recipient that is not a valid ASCII address
 * at a managed domain is unknown.
 *
 * With pair NULL the verdict is VERDICT_TEMPFAIL for every recipient,
 * with r->domain filled; verdict_decide() adds what a missing map means.
 */
void	verdict_rcpt(const struct mapview_pair *pair, const char *rcpt,
	    const char *sender, int32_t today, struct verdict_result *r);

/*
 * verdict_rcpt(), using val (AMAP_VALUE_MAX bytes) as its scratch
 * buffer: for VERDICT_ACCEPT it then holds the map's value for
 * r->alias (with its NUL), which spares the lookup daemon a lookup.
 */
void	verdict_rcpt_value(const struct mapview_pair *pair, const char *rcpt,
	    const char *sender, int32_t today, struct verdict_result *r,
	    char *val);

/*
 * The whole decision, as both daemons make it: verdict_rcpt_value()
 * over pair (the pair of mv the caller holds, NULL when none can be
 * read), then the rule for a missing or unreadable map: the recipient
 * is deferred (VERDICT_TEMPFAIL) only when verdict_missing_map() says
 * so for its domain, and is VERDICT_NOT_OURS otherwise.  val is as for
 * verdict_rcpt_value(), or NULL when the caller does not need it.
 */
void	verdict_decide(struct mapview *mv, const struct mapview_pair *pair,
	    const char *rcpt, const char *sender, int32_t today,
	    struct verdict_result *r, char *val);

/*
 * What a missing map means for a recipient at domain (normalised, or ""
 * when there is none): returns 1 (defer it, 451) when the last map that
 * could be read managed domain, or when no map was ever read, or when
 * that cannot be told; 0 (not ours: let it pass) otherwise.  Never
 * accept all, never refuse all.
 */
int	verdict_missing_map(struct mapview *mv, const char *domain);

/*
 * Nonzero for the null reverse path: "", or only angle brackets and
 * blanks ("<>", " < > "); 0 for any other sender and for NULL (not
 * known).
 */
int	verdict_sender_null(const char *sender);

/*
 * The rule of a sender lock.  Returns 1 when sender (not null, as given
 * to MAIL FROM) matches an entry of list, a senders field of len bytes
 * (policy.h: normalised domains and addresses separated by one space),
 * else 0.  The sender is normalised as address.c does it (angle
 * brackets and a source route dropped, ASCII case folded in the local
 * part too, as Postfix folds lookup keys, one trailing dot of the
 * domain dropped).  A domain entry matches the sender's domain when it
 * is the entry or ends in "." and the entry (a subdomain, at a label
 * boundary: bestbuy.com matches mail.bestbuy.com, never
 * notbestbuy.com); an address entry matches the whole address, not
 * split at a subaddress delimiter.  A sender that is not a valid ASCII
 * address matches nothing.  Pure.
 */
int	verdict_sender_listed(const char *list, size_t len, const char *sender);

/* "accept", "unknown", ...: the word used in logs and stats. */
const char *verdict_name(enum verdict);

/*
 * The SMTP reply of a refusing verdict or VERDICT_TEMPFAIL, the same
 * from every front end: alias-milter replies "RCODE XCODE <rcpt>:
 * Recipient address rejected: TEXT", alias-lookupd's policy service
 * the action "RCODE XCODE TEXT", to which Postfix adds the same
 * "<rcpt>: Recipient address rejected: ".  Revoked and expired aliases
 * get the reply of an unknown one on purpose: the sender must not
 * learn that the address ever existed.
 */
struct verdict_reply {
	const char *rcode;	/* "550", "451" */
	const char *xcode;	/* enhanced status code, "5.1.1" */
	const char *text;	/* the reason, printable ASCII */
};
#define VERDICT_REPLY_PREFIX	"Recipient address rejected: "

/*
 * Returns the static reply for v; for a verdict that refuses nothing,
 * the reply of an unknown recipient.
 */
const struct verdict_reply *verdict_reply(enum verdict v);

/* Nonzero for the verdicts that refuse the recipient. */
int	verdict_refuses(enum verdict);

struct stats;

/*
 * Counts r in stats at now, as both daemons do: accept and postmaster
 * as a hit, revoked and expired as a revoked hit, backscatter, locked,
 * unknown in the unknown-recipient table; not-ours, tempfail and a
 * recipient that does not parse (empty r->alias) are not counted.
 * sender is the envelope sender as given to MAIL FROM, or NULL when
 * the caller has none (the lookup daemon): a hit of an alias is then
 * also evidence of its sender domain (verdict_sender_domain(),
 * stats_hit_from()); an unknown recipient's sender is not recorded.
 */
void	verdict_count(struct stats *stats, const struct verdict_result *r,
	    const char *sender, time_t now);

/*
 * The sender domain that evidence records for sender (as given to MAIL
 * FROM): STATS_SENDER_NULL ("<>") for the null sender, the domain as
 * addr_parse() normalises it (lowercase, one trailing dot dropped),
 * written into buf (ADDR_DOMAIN_MAX + 1 bytes), or "" when the sender
 * does not parse (no domain, not ASCII, too long): stats counts that as
 * the alias's "(other)".  Pure.
 */
const char *verdict_sender_domain(const char *sender, char *buf);

#endif /* VERDICT_H */
