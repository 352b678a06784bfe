/*
 * lookupd.h: alias-lookupd's lookups and its server loop.
 *
 * lookupd_answer() turns one key into the answer Postfix would get from
 * the lmdb: map, with the lookups Postfix makes itself only for such
 * "fixed" tables done here (see lookupd.c), and counts the hit.
 * lookupd_run() is the server: one thread, one poll(2) loop over
 * non-blocking sockets, speaking socketmap (sockmap.h), tcp_table
 * (tcptable.h) or Postfix's policy delegation protocol (pdp.h) on each
 * listening socket.  The policy service decides recipients at RCPT
 * with the sender, as alias-milter does: it answers DUNNO for what it
 * lets through and the verdict's reply (verdict_reply()) otherwise.
 */
#ifndef LOOKUPD_H
#define LOOKUPD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <time.h>

#include "amap.h"
#include "verdict.h"

struct mapview;
struct stats;

/* Protocols of a listening socket. */
#define LOOKUPD_SOCKMAP		0
#define LOOKUPD_TCPTABLE	1
#define LOOKUPD_POLICY		2	/* check_policy_service */
#define LOOKUPD_NPROTO		3	/* one listening socket each */

/*
 * Longest key looked up; a longer one cannot be in the map (whose keys
 * are RFC 5321 paths) and is not found.
 */
#define LOOKUPD_KEY_MAX		1024
/* Longest answer: a map value with a subaddress added to each target. */
#define LOOKUPD_VALUE_MAX	(2 * AMAP_VALUE_MAX)

/* Per-connection limits (see alias-lookupd(8), LIMITS). */
#define LOOKUPD_OUT_MAX		(64 * 1024)	/* unsent replies */
#define LOOKUPD_MAXCONN		4096		/* default -c */
#define LOOKUPD_IDLE_MS		(300 * 1000)	/* default -i */
#define LOOKUPD_IO_MS		(10 * 1000)	/* default -r */

enum lookupd_status {
	LOOKUPD_FOUND,
	LOOKUPD_NOTFOUND,
	LOOKUPD_TEMP		/* the map cannot be read: try again later */
};

struct lookupd_answer {
	enum lookupd_status status;
	const char *reason;		/* LOOKUPD_TEMP: static text */
	const char *verdict;		/* for the log: verdict_name(), or
					   "domain", "not-ours", "too-long" */
	size_t	 len;			/* of value */
	char	 value[LOOKUPD_VALUE_MAX];	/* LOOKUPD_FOUND; NUL-ended */
	/*
	 * decided: the key was a recipient address and vr its verdict, to
	 * be counted (verdict_count()) when the asker's lookups count:
	 * every address of a Postfix map, only the refusals of Sendmail's
	 * virtusertable (Sendmail asks again for the accepted ones at each
	 * delivery attempt), never Sendmail's alias expansions.
	 */
	int	 decided;
	struct verdict_result vr;
};

/*
 * Answers key (keylen bytes, as the client sent it) from the live map
 * mv on day today.  Counts nothing: a->decided says whether the verdict
 * is one to count (bare domain keys are not).  Fills *a; never fails: an
 * unreadable map is LOOKUPD_TEMP, never NOTFOUND.
 * flags:
 *   LOOKUPD_PROPAGATE  append an unmatched subaddress to each target, as
 *                      Postfix's propagate_unmatched_extensions
 *                      (default) does;
 *   LOOKUPD_SENDMAIL   answer as Sendmail's virtusertable needs: to
 *                      Sendmail a "not found" at a domain of class R
 *                      means "relay it", so every address at a managed
 *                      domain gets a value, the refused ones
 *                      LOOKUPD_SENDMAIL_REFUSE (Sendmail asks its own
 *                      detail keys, user++@, user+*@, ++@, +*@, only
 *                      after a "not found": asked for a recipient
 *                      itself, such a key is decided like any other
 *                      address), and a multi-target alias is answered
 *                      with its local name (local=domain), which
 *                      Sendmail then looks up as an alias;
 *   LOOKUPD_SENDMAIL_ALIAS  Sendmail's aliases(5) map: key local=domain
 *                      gets the targets of the alias local@domain.
 */
#define LOOKUPD_PROPAGATE	0x01
#define LOOKUPD_SENDMAIL	0x02
#define LOOKUPD_SENDMAIL_ALIAS	0x04
/* The virtusertable value of a refused address (error: in Sendmail). */
#define LOOKUPD_SENDMAIL_REFUSE	"error:5.1.1:550 User unknown"
/* Its value for a recipient the missing map was for (451 at RCPT). */
#define LOOKUPD_SENDMAIL_DEFER	"error:4.3.0:451 Alias map unavailable"
/* The socketmap names of Sendmail's maps: its K line, its AliasFile. */
#define LOOKUPD_SENDMAIL_MAP	"virtuser"
#define LOOKUPD_SENDMAIL_ALIASES "Alias"	/* Alias0, Alias1, ... */
void	lookupd_answer(struct mapview *mv, const char *key, size_t keylen,
	    unsigned flags, int32_t today, struct lookupd_answer *a);

struct lookupd_config {
	struct mapview *mv;
	struct stats *stats;
	int	 propagate;		/* see lookupd_answer() */
	int	 maxconn;		/* open client connections at most */
	int	 idle_ms;		/* drop a connection idle this long */
	int	 io_ms;			/* a request, or sending replies, may
					   take this long */
	int	 verbose;		/* log every request (log_debug) */
	int	 learn;			/* policy service: refuse nothing, log
					   and count what it would refuse */
	uid_t	 mail_uid;		/* Postfix's user, or (uid_t)-1; see
					   peer.h */
};

struct lookupd;

/*
 * Returns a new server for cfg (kept, not copied), or NULL when out of
 * memory.
 */
struct lookupd *lookupd_new(const struct lookupd_config *cfg);

/*
 * Adds the listening socket fd (made non-blocking here) speaking proto
 * (LOOKUPD_SOCKMAP, LOOKUPD_TCPTABLE, LOOKUPD_POLICY).  Returns 0, or
 * -1 when there are already LOOKUPD_NPROTO or fd cannot be made
 * non-blocking.  The server closes fd.
 */
int	lookupd_listen(struct lookupd *, int fd, int proto);

/*
 * Serves until a signal arrives.  The caller's signals must be blocked;
 * they are let through only while the loop waits in ppoll(2) with
 * waitmask, so none is missed.  Returns 0 when *stop is set, 1 after
 * any other signal (call again to go on serving), -1 on a fatal error
 * (logged).
 */
int	lookupd_run(struct lookupd *, volatile sig_atomic_t *stop,
	    const sigset_t *waitmask);

/* Closes every connection and listening socket; NULL ok. */
void	lookupd_free(struct lookupd *);

#endif /* LOOKUPD_H */
