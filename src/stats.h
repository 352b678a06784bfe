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
 * need to coordinate.  Two named databases:
 *   "aliases"  key alias address, value struct stats_alias
 *   "unknown"  key recipient address, value struct stats_unknown
 * Values are fixed-size little-endian records with a version byte.
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

#define STATS_SUFFIX	".stats.lmdb"

/* Kinds of hit, from the verdicts. */
enum stats_kind {
	STATS_HIT,		/* accepted for an active alias */
	STATS_REVOKED_HIT,	/* refused: revoked or expired alias */
	STATS_BACKSCATTER,	/* refused: bounce to a receive-only alias */
	STATS_UNKNOWN		/* refused: no such alias (unknown table) */
};

struct stats_alias {
	uint64_t hits;		/* accepted */
	uint64_t revoked_hits;	/* after revocation or expiry */
	uint64_t backscatter;	/* refused bounces */
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
 * Opens (creating, mode 0640) the stats file at path for the daemon.
 * Returns 0 and a handle, or -1 with the reason in e.
 */
int	stats_open(const char *path, struct stats **sp, struct errbuf *e);

/* Counts one hit of kind for key (an alias or recipient) at now. */
void	stats_hit(struct stats *, const char *key, enum stats_kind kind,
	    time_t now);

/*
 * Adds what was counted since the last flush to the file in one
 * transaction.  Returns 0, or -1 with the reason in e; counts that could
 * not be written are kept for the next flush.
 */
int	stats_flush(struct stats *, struct errbuf *e);

/* Flushes nothing; frees the handle. NULL ok. */
void	stats_close(struct stats *);

/* ---- reading (aliasctl stats) ---- */

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
void	stats_rows_free(struct stats_row *, size_t);

#endif /* STATS_H */
