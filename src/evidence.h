/*
 * evidence.h: who writes to an alias and who leaked it, from the sender
 * evidence of the stats files (stats_read_senders()): the rule that
 * calls a sender domain established, new, refused or young, and the
 * commands senders and leaks (see cli.h for the handlers' contract).
 * lock without --sender takes its senders from evidence_lock_senders().
 */
#ifndef EVIDENCE_H
#define EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "aliasfile.h"
#include "cli.h"
#include "report_files.h"
#include "stats.h"

/*
 * A sender domain first seen more than EVIDENCE_NEW_DAYS days after the
 * alias's evidence starts is new; one first seen earlier is
 * established.  An alias is given out to one correspondent, whose
 * domains (orders, shipping, newsletters, its mail provider) all write
 * within the first weeks: the order confirmation at once, the shipping
 * notice within days, the first newsletter within a month.  A domain
 * that appears only later was given the address by someone: the leak.
 */
#define EVIDENCE_NEW_DAYS	30

enum evidence_class {
	EVIDENCE_ESTABLISHED,	/* first seen within EVIDENCE_NEW_DAYS, and
				   some of its mail accepted */
	EVIDENCE_NEW,		/* first seen later, some of its mail
				   accepted: evidence of a leak */
	EVIDENCE_REFUSED,	/* every message of it refused (lock,
				   revocation, backscatter): never
				   established, never new */
	EVIDENCE_YOUNG,		/* the alias is young: no verdict yet */
	EVIDENCE_NONE		/* "<>" and "(other)": not a domain */
};

/* What the evidence of one alias says. */
struct evidence {
	int64_t	 start;		/* time_t the evidence is judged from: the
				   later of created: and the first evidence;
				   0: no evidence */
	int64_t	 new_after;	/* start + EVIDENCE_NEW_DAYS days */
	int	 young;		/* now is not past new_after: no verdict */
	size_t	 nestablished;	/* established domains */
	size_t	 nnew;		/* new domains */
	size_t	 nrefused;	/* refused domains */
	uint64_t new_mail;	/* accepted from new domains */
};

/*
 * The domain of a row of stats_read_senders(): what follows the last
 * blank of its key.  Points into r->key.
 */
const char *evidence_domain(const struct stats_row *r);

/*
 * The rule, the one place that decides "established" and "new" (leaks,
 * senders and lock all ask it): the class of sender row r of an alias
 * whose evidence is ev (its young member set, as evidence_judge() does),
 * the first that applies of: EVIDENCE_NONE for "<>" and "(other)",
 * EVIDENCE_REFUSED when every message of r was refused,
 * EVIDENCE_YOUNG while the alias is young, EVIDENCE_NEW when first seen
 * after ev->new_after, else EVIDENCE_ESTABLISHED.
 */
enum evidence_class evidence_class(const struct evidence *ev,
	    const struct stats_row *r);

/*
 * Judges the n sender rows of one alias (created: its created: date,
 * DATE_NONE when none) at now into *ev.  A young alias has no
 * established and no new domains.
 */
void	evidence_judge(int32_t created, const struct stats_row *rows,
	    size_t n, int64_t now, struct evidence *ev);

/*
 * For lock without --sender: the established sender domains of alias
 * key (normalised) from the stats files o names and the --merge files
 * in sf (report_files_init() and report_files_merge() done, to be freed
 * by the caller), written into buf (max entries of ADDR_BUF bytes) with
 * pointers in list and their number in *n, and said on stderr.  Returns
 * 0, or a sysexits code (said why): EX_NOUSER when key is not an alias
 * of the file, EX_NOINPUT when the evidence names no established domain
 * or is younger than EVIDENCE_NEW_DAYS days.
 */
int	evidence_lock_senders(const struct options *o, struct report_files *sf,
	    const char *key, const char **list, char (*buf)[ADDR_BUF],
	    size_t max, size_t *n);

/* What leaks suggests for an alias. */
enum evidence_action {
	EVIDENCE_ACT_LOCK,	/* to its established senders */
	EVIDENCE_ACT_REVOKE,	/* none to lock to, or mail after a lock */
	EVIDENCE_ACT_WAIT,	/* young: no verdict yet */
	EVIDENCE_ACT_NONE,	/* revoked or expired already */
	EVIDENCE_ACT_HOLDS	/* locked, and the lock refuses the leak */
};

/* One alias with evidence of a leak. */
struct evidence_leak {
	const struct af_alias *a;
	const struct stats_row *hit;	/* its counters, or NULL */
	const struct stats_row *rows;	/* its sender rows */
	size_t	 n;
	struct evidence ev;
	uint64_t score;
	enum evidence_action action;
};

/*
 * The aliases of af with evidence of a leak (a score above 0), highest
 * score first, judged at now: hits the rows of the "aliases" table and
 * rows those of the "senders" table (both sorted by key, as
 * stats_read_all() and stats_read_senders() return them).  Returns 0
 * with a new array in *leaks (free() it; it points into af, hits and
 * rows) and its length in *n, or -1 when out of memory.
 */
int	evidence_leaks(const struct aliasfile *af,
	    const struct stats_row *hits, size_t nhits,
	    const struct stats_row *rows, size_t nrows, int64_t now,
	    struct evidence_leak **leaks, size_t *n);

/*
 * What to do about l: the command leaks suggests (lock, revoke) or, for
 * the other actions, the words that say why there is none.  Returns it
 * in new memory the caller frees, or NULL when out of memory.
 */
char	*evidence_leak_command(const struct evidence_leak *l);

/* senders ALIAS [--json] [--by count|last]: who wrote to ALIAS. */
int	cmd_senders(const struct options *, int argc, char **argv);
/* leaks [--json]: aliases ranked by evidence of a leak, with actions. */
int	cmd_leaks(const struct options *, int argc, char **argv);

#endif /* EVIDENCE_H */
