/*
 * milter.h: alias-milter's libmilter callbacks (milter.c).  main() in
 * alias-milter.c fills one struct milter_config, hands it to
 * milter_register() before smfi_main() starts any thread, and calls
 * milter_quiesce() after smfi_main() returns, before it frees the map
 * switchboard and the stats handle.
 */
#ifndef MILTER_H
#define MILTER_H

#include <stdatomic.h>

struct mapview;
struct stats;

#define MILTER_NAME	"alias-milter"
#define MILTER_RCPT_MACROS "i {rcpt_mailer} {rcpt_host}" /* at RCPT */
#define MILTER_DATA_MACROS "i"		/* at DATA: the queue id */
#define MILTER_TEXT_MAX	256	/* longest address text in replies, logs */

/*
 * The one configuration, shared by every libmilter thread.  learn is
 * read-only once milter_register() has been called.  mv and stats are
 * the two internally synchronised shared objects (mapview.h, stats.h);
 * the atomics are the only other state threads share: a connection
 * counter, and the shutdown gate that keeps callbacks away from mv and
 * stats while main() closes them.
 */
struct milter_config {
	int	 learn;			/* -l: refuse nothing, log and count */
	struct mapview *mv;		/* the live map */
	struct stats *stats;		/* hit counters */
	atomic_ullong conn_seq;		/* last connection id handed out */
	atomic_int inflight;		/* callbacks using mv or stats */
	atomic_int stopping;		/* set by milter_quiesce() */
};

/*
 * Registers the callbacks with libmilter (smfi_register), using cfg
 * from now on.  Returns 0, or -1 when libmilter refuses.
 */
int	milter_register(struct milter_config *cfg);

/*
 * Makes every later RCPT answer 451 without touching cfg->mv or
 * cfg->stats, then waits up to timeout_ms for callbacks already using
 * them.  Returns 0, or -1 when some were still running (the caller must
 * then not free mv and stats).
 */
int	milter_quiesce(struct milter_config *cfg, int timeout_ms);

#endif /* MILTER_H */
