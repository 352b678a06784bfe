/*
 * stats.h: hit counters.  alias-milter and alias-lookupd count
 * in memory through stats_hit(), thread-safe; a flusher adds the counts
 * to the LMDB stats file in one write transaction at most every second
 * (stats_flush()), so a crash loses at most that second and never the
 * file.  aliasctl stats reads the file while the daemon runs.
 *
 * The stats file (default MAP.stats.lmdb) is written only by the daemon
 * and is not a Postfix map: it uses LMDB's own locking (a
 * MAP.stats.lmdb-lock file beside it), so readers and the writer never
 * need to coordinate.  Named databases:
 *   "aliases"  key alias address, value struct stats_alias
 *   "unknown"  key recipient address, value struct stats_unknown
 *   "senders"  key "ALIAS DOMAIN", the sender domains that mailed each
 *              alias (the evidence of who leaked it), value struct
 *              stats_alias counted per domain (see stats.c)
 *   "meta"     key "daemon", value the writer's heartbeat (struct
 *              stats_meta), written at every flush and at least every
 *              STATS_HEARTBEAT seconds while the daemon runs
 *   "days"     key big-endian day number and alias, the alias's counts
 *              of that UTC day (struct stats_day), the last
 *              STATS_DAYS_KEPT days
 *   "unknown_days" key big-endian day number, that day's refusals of
 *              unknown recipients and its STATS_DAY_TOP most tried
 *              addresses
 * Values are little-endian records with a version byte (see stats_rec.h
 * for the layouts).  The module is a family: stats.c counts and
 * flushes, stats_rec.c encodes the records, stats_read.c reads files,
 * stats_days.c keeps the per-day history, stats_senders.c the sender
 * evidence; only this family includes lmdb.h for the stats file.
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

/*
 * Where the counters are kept.  Each daemon has its own file in a
 * directory it owns, beside the map's (see stats_default_path()): the
 * map's directory is root's, so a daemon could not create its file
 * again there after an administrator removed it to reset the counters.
 * MAP.stats.lmdb is where versions before 0.2 kept both daemons' counts;
 * aliasctl still reads it when it is there.
 */
#define STATS_DIR		"stats"
#define STATS_LEGACY_SUFFIX	".stats.lmdb"
#define STATS_HEARTBEAT		60	/* seconds between flushes at most */

/*
 * Per-day history.  Days are UTC days, numbered from 1970-01-01 (day 0;
 * stats_day_of()).  The file keeps the rows of the last
 * STATS_DAYS_KEPT days, today included; the flusher deletes older rows,
 * at most STATS_FOLD_MAX per flush, and that is all "folding" means:
 * the totals of "aliases" and "unknown" counted every hit already, so
 * they keep the sums and nothing else changes.  Each day keeps its
 * STATS_DAY_TOP most tried unknown recipients (see struct stats_tried).
 */
#define STATS_DAYS_KEPT		400
#define STATS_FOLD_MAX		1000
#define STATS_DAY_TOP		20
#define STATS_ADDR_MAX		256	/* longest key counted as itself */
#define STATS_DAYS_SPAN_MAX	3660	/* most days one read may ask for */

/*
 * Sender evidence (stats_hit_from()).  The file keeps at most
 * STATS_SENDERS_MAX sender domains per alias, and one flush interval at
 * most STATS_SENDERS_INTERVAL_MAX distinct (alias, domain) pairs; what
 * does not fit is counted in the alias's STATS_OTHER row.  The null
 * sender (bounces) is the domain STATS_SENDER_NULL.  STATS_OTHER is also
 * the row of the unknown table where the keys beyond its bound go.
 */
#define STATS_SENDERS_MAX	64
#define STATS_SENDERS_INTERVAL_MAX 10000
#define STATS_SENDER_NULL	"<>"
#define STATS_OTHER		"(other)"

/* Kinds of hit, from the verdicts. */
enum stats_kind {
	STATS_HIT,		/* accepted for an active alias */
	STATS_REVOKED_HIT,	/* refused: revoked or expired alias */
	STATS_BACKSCATTER,	/* refused: bounce to a receive-only alias */
	STATS_LOCKED,		/* refused: sender not in the alias's lock */
	STATS_EXPIRED,		/* refused: expired alias */
	STATS_UNKNOWN		/* refused: no such alias (unknown table) */
};

/*
 * An alias's totals.  revoked_hits keeps the meaning it always had:
 * refused as revoked or as expired.  expired is the part of it refused
 * as expired, counted since version 0.5 (record version 3): a file from
 * before counted expired hits as revoked ones only.
 */
struct stats_alias {
	uint64_t hits;		/* accepted */
	uint64_t revoked_hits;	/* after revocation or expiry */
	uint64_t backscatter;	/* refused bounces */
	uint64_t locked;	/* refused by the sender lock */
	uint64_t expired;	/* of revoked_hits: after expiry */
	int64_t	 first_seen;	/* time_t of the first hit of any kind */
	int64_t	 last_seen;
};

struct stats_unknown {
	uint64_t count;
	int64_t	 first_seen;
	int64_t	 last_seen;
};

struct stats;

/*
 * Returns the default stats file of daemon ("milter", "lookupd") for the
 * map base path mapbase, DIR/BASE: DIR/stats/BASE.DAEMON.lmdb, in new
 * memory the caller frees, or NULL when out of memory.
 */
char	*stats_default_path(const char *mapbase, const char *daemon);

/*
 * Opens (creating, mode 0640) the stats file at path for the daemon,
 * which is named in its heartbeat as log_progname() (log.h).
 * Returns 0 and a handle, or -1 with the reason in e.
 */
int	stats_open(const char *path, struct stats **sp, struct errbuf *e);

/* Counts one hit of kind for key (an alias or recipient) at now. */
void	stats_hit(struct stats *, const char *key, enum stats_kind kind,
	    time_t now);

/*
 * stats_hit(), and for an alias (kind not STATS_UNKNOWN) the same hit
 * in the evidence of sender domain domain: a normalised domain name,
 * STATS_SENDER_NULL, or "" for a sender without a usable domain
 * (counted as STATS_OTHER).  domain NULL: no sender known (the lookup
 * daemon), no evidence.  Never waits for the disk.
 */
void	stats_hit_from(struct stats *, const char *key, const char *domain,
	    enum stats_kind kind, time_t now);

/*
 * Adds what was counted since the last flush to the file in one
 * transaction.  Returns 0, or -1 with the reason in e; counts that could
 * not be written are kept for the next flush.
 */
int	stats_flush(struct stats *, struct errbuf *e);

/* Flushes nothing; frees the handle. NULL ok. */
void	stats_close(struct stats *);

/* ---- reading (aliasctl stats, doctor) ---- */

/* Who writes a stats file, and when it last did. */
struct stats_meta {
	int64_t	 started;		/* time_t: the daemon opened the file */
	int64_t	 flushed;		/* its last flush; 0: no heartbeat */
	int64_t	 pid;
	char	 writer[32];		/* "alias-milter", NUL-ended */
};

/*
 * Reads the heartbeat of the stats file at path into *m (all zero when
 * the file has none: written by a daemon before 0.2).  Returns 0, or -1
 * with errno (ENOENT: no file) and the reason in e.
 */
int	stats_read_meta(const char *path, struct stats_meta *m,
	    struct errbuf *e);

/*
 * Checks that path is a stats file: an LMDB file with an "aliases"
 * table (made by a daemon, or by mdb_load from one).  Returns 0, or -1
 * with errno (ENOENT: no file; EINVAL: not a stats file; EACCES) and
 * the reason in e.
 */
int	stats_check(const char *path, struct errbuf *e);

struct stats_row {
	char	*key;			/* ours; freed by stats_rows_free() */
	struct stats_alias a;		/* for the "aliases" table */
	struct stats_unknown u;		/* for the "unknown" table */
};

/*
 * Reads every row of one table (unknown: 0 aliases, 1 unknown) of the
 * stats file at path into a new array.  Returns 0 with *rows and *n, or
 * -1 with the reason in e (errno ENOENT when there is no file yet).
 */
int	stats_read(const char *path, int unknown, struct stats_row **rows,
	    size_t *n, struct errbuf *e);

/*
 * stats_read() of each of the npaths files, the rows of the same key
 * added up (counts summed, the earliest first seen, the latest last
 * seen), sorted by key.  A file that does not exist is skipped; found[i]
 * says whether paths[i] was read (found may be NULL).  Returns 0 with
 * *rows and *n (both empty when no file exists), or -1 with errno and
 * the reason in e.
 */
int	stats_read_all(const char *const *paths, size_t npaths, int unknown,
	    struct stats_row **rows, size_t *n, int *found, struct errbuf *e);

/*
 * The sender evidence of the npaths files, added up as stats_read_all()
 * does: for alias (NULL: every alias) the rows of the "senders" table,
 * key "ALIAS DOMAIN" (the domain follows the last blank), counts in a
 * (hits, revoked_hits, backscatter, locked, first and last seen), sorted
 * by key.  A file from before the table existed has no rows.  Returns
 * as stats_read_all().
 */
int	stats_read_senders(const char *const *paths, size_t npaths,
	    const char *alias, struct stats_row **rows, size_t *n, int *found,
	    struct errbuf *e);
void	stats_rows_free(struct stats_row *, size_t);

/* ---- per-day history (stats_days.c) ---- */

/* Returns the UTC day of t: days since 1970-01-01, 0 before it. */
int32_t	stats_day_of(time_t t);

/* One alias's counts of one UTC day (or their sum over aliases). */
struct stats_day {
	int32_t	 day;		/* days since 1970-01-01 UTC */
	uint64_t accepted;	/* STATS_HIT */
	uint64_t revoked;	/* STATS_REVOKED_HIT: revoked only */
	uint64_t expired;	/* STATS_EXPIRED */
	uint64_t backscatter;	/* STATS_BACKSCATTER */
	uint64_t locked;	/* STATS_LOCKED */
};

/*
 * One alias's history: its days with a count in the range asked for,
 * oldest first (days without a hit are absent).
 */
struct stats_history {
	char	*alias;			/* ours */
	struct stats_day *days;		/* n of them; ours */
	size_t	 n;
};

/*
 * The day rows of the npaths files in [from, to] (days), added up by
 * alias and day as stats_read_all() adds up totals: of alias only, or
 * of every alias when alias is NULL.  One history per alias with a row,
 * sorted by alias.  Missing files are skipped (found as for
 * stats_read_all()); a file from before the history has no rows.
 * Returns 0 with *h and *nh (free with stats_history_free()), or -1
 * with errno and the reason in e (EINVAL: to - from + 1 is not within
 * 1 .. STATS_DAYS_SPAN_MAX).
 */
int	stats_read_days(const char *const *paths, size_t npaths,
	    const char *alias, int32_t from, int32_t to,
	    struct stats_history **h, size_t *nh, int *found,
	    struct errbuf *e);
void	stats_history_free(struct stats_history *, size_t);

/*
 * One of the most tried unknown recipients of a day.  The list is kept
 * with the Space-Saving algorithm (Metwally, Agrawal, El Abbadi, 2005):
 * when it is full, a new address takes the place of the least counted
 * one and inherits its count as over.  So the address was tried at
 * least count - over and at most count times that day, and any address
 * tried more often than the day's count / STATS_DAY_TOP is in the list.
 * over is 0 as long as the day had at most STATS_DAY_TOP addresses.
 * Lists merged from several files are approximate in the same way.
 */
struct stats_tried {
	uint64_t count;
	uint64_t over;
	char	 addr[STATS_ADDR_MAX + 1];	/* NUL-ended */
};

/* Every alias's counts of one day, and the day's unknown recipients. */
struct stats_daytotal {
	struct stats_day sum;		/* all aliases; sum.day the day */
	uint64_t unknown;		/* refused unknown recipients */
	uint64_t unknown_rest;		/* of them, not surely in top[] */
	size_t	 ntop;
	struct stats_tried top[STATS_DAY_TOP];	/* by count, most first */
};

/*
 * The per-day totals of the npaths files for each day of [from, to],
 * days without a count included (zero), oldest first: (to - from + 1)
 * entries in a new array the caller frees with free(3).  Returns 0 with
 * *d and *n, or -1 as stats_read_days().
 */
int	stats_read_daytotals(const char *const *paths, size_t npaths,
	    int32_t from, int32_t to, struct stats_daytotal **d, size_t *n,
	    int *found, struct errbuf *e);

#endif /* STATS_H */
