/*
 * mapview.h: the compiled map as the daemons see it, read live.  A view
 * is one MAP.lmdb and the MAP.policy.lmdb published with it, open
 * read-only.  Before each lookup the daemon asks mapview_get() for the
 * current view: it stat(2)s both files at most every MAPVIEW_CHECK_MS,
 * and when aliasctl compile has renamed new ones into place it opens
 * them and swaps them in.  Views are reference counted (the model is
 * OpenDKIM's configuration swap): a thread keeps the view it got until
 * mapview_put(), so a lookup never sees half of one map and half of the
 * other, and an old view is closed by whoever drops its last reference.
 */
#ifndef MAPVIEW_H
#define MAPVIEW_H

#include <stddef.h>

#include "amap.h"
#include "util.h"

#define MAPVIEW_CHECK_MS	100	/* stat(2) the files at most this often */
#define MAPVIEW_GRACE_MS	2000	/* see mapview_get() */

struct mapview;		/* the switchboard, shared by all threads */

struct pcache;

/*
 * One consistent pair: the open map, and every record of the policy
 * file published with it, read into memory when the pair was loaded
 * (pcache.h), so that a lookup reads and locks one file, not two.
 */
struct mapview_pair {
	struct amap *map;		/* MAP.lmdb */
	const struct pcache *policy;	/* MAP.policy.lmdb's records */
};

/*
 * Returns a new switchboard for the map base path mapbase, or NULL when
 * out of memory.  The files need not exist yet: mapview_get() returns
 * NULL (and logs once per change of state) while they cannot be opened.
 */
struct mapview *mapview_new(const char *mapbase);

/*
 * Returns the current pair, with a reference the caller must drop with
 * mapview_put() (NULL is a no-op), or NULL when no map can be read
 * (missing or corrupt, a policy file that cannot be read whole
 * included; logged once per change).  A policy file changed in place
 * (same inode, a new LMDB transaction) is read again at the next check,
 * as a new pair.  New files are loaded
 * only as a matching pair: a policy file whose " map" record names
 * another map than the one beside it is a compile between its two
 * renames, so the previous pair stays in use (NULL at startup) until
 * the map follows, or until the same mismatch has lasted the grace
 * period (MAPVIEW_GRACE_MS): then the two are used anyway, with a
 * warning, since a policy renamed without its map must not keep new
 * data out for ever.  Between checks the call makes no system call;
 * the very first call opens the files, and calls made meanwhile wait
 * for it.  Thread-safe.
 */
const struct mapview_pair *mapview_get(struct mapview *);
void	mapview_put(struct mapview *, const struct mapview_pair *);

/*
 * A read section over the map of pair (amap_read_begin()): the map
 * lookups for one recipient or request then cost one shared lock, not
 * one per lookup (the policy records are in memory).  Returns 0, or -1
 * with the reason in e and nothing held.  mapview_read_end() logs what
 * it cannot release.
 */
int	mapview_read_begin(const struct mapview_pair *, struct errbuf *e);
void	mapview_read_end(const struct mapview_pair *);

/*
 * Copies the policy record of key (a domain or an address, or a
 * metadata key) into val (valsize bytes).  Returns 1 found, 0 not
 * found, -1 when it does not fit (the reason in e).  No system call.
 */
int	mapview_policy_get(const struct mapview_pair *, const char *key,
	    char *val, size_t valsize, struct errbuf *e);

/*
 * Sets the grace period in milliseconds (tests use a short one).
 * Thread-safe, takes effect at the next check.
 */
void	mapview_set_grace(struct mapview *, int ms);

/*
 * Returns 1 when domain (normalised) was managed by the last map that
 * could be read, 0 when not, -1 when no map was ever read; so that a
 * missing map refuses (451) only the domains it was for.  The domain is
 * looked up in that map's policy records, still in memory.
 */
int	mapview_was_managed(struct mapview *, const char *domain);

/* Closes the current pair; every reference must have been put. */
void	mapview_free(struct mapview *);

#endif /* MAPVIEW_H */
