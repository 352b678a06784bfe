/*
 * pcache.h: every record of a MAP.policy.lmdb held in memory, so that
 * the daemons decide a recipient from the policy file without reading
 * it (and locking it) per request.  One pcache is built from one read
 * transaction, so it is one consistent version of the file; it never
 * changes after pcache_load() and may be read by any number of threads.
 * mapview.c builds one per map pair it serves.
 */
#ifndef PCACHE_H
#define PCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "amap.h"
#include "util.h"

struct pcache;

/*
 * Reads every record of the policy file pol (amap_walk(): one read
 * transaction under the shared lock) into a new cache in *pcp.  Returns
 * 0, or -1 with the reason in e and *pcp NULL: a file that cannot be
 * walked whole (damaged, truncated) is refused whole.  The caller frees
 * the cache with pcache_free().
 */
int	pcache_load(struct amap *pol, struct pcache **pcp, struct errbuf *e);

/*
 * Returns the value of key (a NUL-terminated string owned by the cache,
 * valid until pcache_free()), or NULL when the file had no such key.
 * No system call, no allocation.
 */
const char *pcache_get(const struct pcache *, const char *key);

/* The number of records, and the bytes the cache takes. */
size_t	pcache_count(const struct pcache *);
size_t	pcache_bytes(const struct pcache *);

/* Frees the cache; NULL is a no-op. */
void	pcache_free(struct pcache *);

#endif /* PCACHE_H */
