/*
 * stats_priv.h: what the stats family (stats.c, stats_read.c,
 * stats_days.c, stats_senders.c) shares: the file's tables, the
 * in-memory counts and the handle.  Only this family includes lmdb.h for
 * the stats file; nothing outside it includes this header.
 */
#ifndef STATS_PRIV_H
#define STATS_PRIV_H

#include <sys/types.h>

#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "stats.h"
#include "stats_rec.h"
#include "util.h"

#define STATS_MAPSIZE_MIN	((size_t)64 * 1024 * 1024)
#define STATS_MODE		0640
#define STATS_UNKNOWN_MAX	100000	/* distinct unknown keys per flush */
#define STATS_UNKNOWN_FILE_MAX	1000000	/* distinct unknown keys in the file */
#define STATS_KEY_MAX		STATS_ADDR_MAX	/* RFC 5321 path limit */
#define STATS_SENDER_KEY_MAX	511	/* LMDB's longest key */
#define STATS_CORRUPT_SUFFIX	".corrupt"	/* an unusable file moved aside */
#define STATS_TAB_MIN		64	/* first slot array, a power of two */
#define META_KEY		"daemon"
#define STATS_MAXDBS		6	/* the TAB_N tables and "meta" */

/*
 * Index of a table in struct stats (stats_read(): 0 or 1).  The first
 * TAB_N are counted in memory; the day tables are written from the
 * counts of TAB_ALIASES and TAB_UNKNOWN.
 */
#define TAB_ALIASES		0
#define TAB_UNKNOWN		1
#define TAB_SENDERS		2
#define TAB_N			3
#define TAB_DAYS		3
#define TAB_UNKNOWN_DAYS	4
#define TAB_FILE		5	/* tables of the file but "meta" */

extern const char *const stats_tab_name[TAB_FILE];
extern const char stats_meta_name[];

/*
 * One counted key of one UTC day.  n[] is indexed by enum stats_kind
 * for aliases; the unknown table uses n[0] only.  The senders table
 * keeps no days: its day is always 0.
 */
struct ent {
	uint64_t hash;
	uint64_t n[STATS_UNKNOWN];
	int64_t	 first;
	int64_t	 last;
	int32_t	 day;
	char	 key[];
};

struct tab {
	struct ent **slot;	/* cap pointers, NULL for free; ours */
	size_t	 cap;		/* 0, or a power of two */
	size_t	 len;		/* entries */
};

struct stats {
	MDB_env	*env;		/* NULL after a failed reopen */
	MDB_dbi	 dbi[TAB_FILE];
	MDB_dbi	 metadbi;
	int64_t	 started;	/* stats_open()'s time, for the heartbeat */
	int64_t	 beat;		/* the heartbeat's last commit; under flushmu */
	char	*path;		/* ours */
	size_t	 mapsize;	/* the environment's current map size */
	/* The data file as our last open or commit left it; under flushmu. */
	dev_t	 dev;
	ino_t	 ino;
	off_t	 size;
	struct timespec mtime;
	uintmax_t need;		/* bytes of the pages in use */
	uint64_t sipkey[2];
	pthread_mutex_t mu;	/* guards tab */
	pthread_mutex_t flushmu; /* serialises stats_flush() */
	struct tab tab[TAB_N];
};

/* ---- stats_read.c ---- */

/*
 * Opens the stats file at path read-only, with LMDB's lock file, and
 * begins a read transaction.  Returns 0 with *envp and *txnp (abort
 * the txn, then close the env), or -1 with errno and the reason in e.
 */
int	stats_read_begin(const char *path, MDB_env **envp, MDB_txn **txnp,
	    struct errbuf *e);
/*
 * stats_read_all() of table t (TAB_ALIASES, TAB_UNKNOWN, TAB_SENDERS),
 * only the keys that start with prefix (NULL: every key).
 */
int	stats_read_merged(const char *const *paths, size_t npaths, int t,
	    const char *prefix, struct stats_row **rowsp, size_t *np,
	    int *found, struct errbuf *e);

/* ---- stats_senders.c ---- */

/*
 * Counts in *n the keys of the senders table that start with prefix
 * ("ALIAS ", plen bytes) in txn, but for "ALIAS (other)", and stops
 * counting at STATS_SENDERS_MAX.  Returns 0 or an LMDB error code.
 */
int	stats_sender_count(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
	    size_t plen, size_t *n);
/*
 * Writes into pair (STATS_SENDER_KEY_MAX + 1 bytes) the senders key of
 * alias (klen bytes) and sender domain domain (see stats_hit_from()).
 * Returns its length, or 0 when the hit gets no evidence.
 */
size_t	stats_sender_pair(char *pair, const char *alias, size_t klen,
	    const char *domain);

/* ---- stats_days.c ---- */

/* The day rows a flush writes, loaded once per day (see stats_days.c). */
struct days_flush {
	int32_t	 today;
	int32_t	 oldest;	/* the first day kept */
	size_t	 ntop;
	int32_t	 topday[4];
	struct stats_top top[4];
};

void	stats_days_begin(struct days_flush *, time_t now);
/*
 * Adds the counts of x, an entry of table t (TAB_ALIASES, TAB_UNKNOWN)
 * to its day's row in txn (rows of days no longer kept are not
 * written: the totals have them).  Returns 0 or an LMDB error code with
 * the reason in e.
 */
int	stats_days_add(struct stats *, MDB_txn *, struct days_flush *, int t,
	    const struct ent *x, struct errbuf *e);
/*
 * Writes what stats_days_add() kept in memory and folds at most
 * STATS_FOLD_MAX rows older than the days kept.  Returns 0 or an LMDB
 * error code with the reason in e.
 */
int	stats_days_end(struct stats *, MDB_txn *, struct days_flush *,
	    struct errbuf *e);

#endif /* STATS_PRIV_H */
