/*
 * compile.h: from a loaded alias file to the Postfix map and the policy
 * file.  The one place that decides what the map contains, so that
 * compile, export and the tests cannot disagree.
 */
#ifndef COMPILE_H
#define COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "aliasfile.h"
#include "util.h"

/* How long a writer waits for MAP.lock; then EX_TEMPFAIL. */
#define COMPILE_LOCK_MS		10000

/* The value of a domain's own key in the map (any non-empty value). */
#define COMPILE_DOMAIN_VALUE	"aliasctl"

/*
 * The two rules of what a compile writes for one alias: nonzero when
 * it is in the map on day today (neither revoked nor past its expiry),
 * and when it has a record in the policy file.
 */
int	compile_alias_active(const struct af_alias *, int32_t today);
int	compile_alias_has_policy(const struct af_alias *);

/*
 * The " lines" record's stride for naliases aliases: every
 * COMPILE_LINES_EVERY, or more to stay within COMPILE_LINES_MAX.
 */
size_t	compile_lines_every(size_t naliases);

/* Counts aliases by state as of day today. */
void	compile_count(const struct aliasfile *, int32_t today,
	    struct policy_counts *);

/*
 * An iterator over the Postfix map's entries in key order: every
 * domain, every alias active on day today, and postmaster@ and abuse@
 * of each domain unless listed.
 */
struct mapiter;

/* Returns a new iterator, or NULL when out of memory. */
struct mapiter *mapiter_new(const struct aliasfile *, int32_t today);
/*
 * Returns 1 with the next pair in *key and *val (valid until the next
 * call), or 0 at the end.
 */
int	mapiter_next(struct mapiter *, const char **key, const char **val);
void	mapiter_free(struct mapiter *);

/*
 * The " lines" record holds the line of one alias key in
 * COMPILE_LINES_EVERY, or fewer so that there are at most
 * COMPILE_LINES_MAX: an edit parses the text between two of them.
 */
#define COMPILE_LINES_EVERY	256
#define COMPILE_LINES_MAX	512
#define COMPILE_LINES_BUF	(COMPILE_LINES_MAX * 11 + 1)

/* The policy record of an alias (policy.h); its senders point into a. */
struct policy_alias;
void	compile_alias_policy(const struct af_alias *, struct policy_alias *);

/* The file names that belong to the map base path (path_suffix()). */
#define COMPILE_SUFFIX_MAP	".lmdb"
#define COMPILE_SUFFIX_POLICY	".policy.lmdb"
#define COMPILE_SUFFIX_LOCK	".lock"

/*
 * What a publish that stopped after the policy file's rename left, as
 * returned by compile_publish(), compile_map() and update_publish():
 * COMPILE_HALF, the new policy file beside the old map (the map's
 * rename failed; the pair does not match); COMPILE_UNSYNCED, both new
 * files in place and in use, but a directory's fsync failed, so a
 * crash may bring back old ones.  Neither is a sysexits(3) code.
 */
#define COMPILE_HALF		1
#define COMPILE_UNSYNCED	2

/*
 * Publishes the uncommitted files pol and map (NULL: the map stays as
 * it is) by rename, the policy file first.  Returns 0, COMPILE_HALF,
 * COMPILE_UNSYNCED, or EX_IOERR with the old files untouched; the
 * reason in e.  The caller frees both handles.
 */
struct amap_out;
int	compile_publish(struct amap_out *pol, struct amap_out *map,
	    struct errbuf *e);

/*
 * When the map at mapbase was last published, by a compile or an edit,
 * into *t: the later modification time of mapbase.lmdb and
 * mapbase.policy.lmdb (an edit that changes no key of the map publishes
 * the policy file alone).  Returns 0; COMPILE_HALF when the policy file
 * does not name the map beside it (a publish that stopped half-way, or
 * files of two compiles), with the map's own time in *t; or -1 with
 * errno set when mapbase.lmdb cannot be stat(2)ed (ENAMETOOLONG: the
 * path is too long).
 */
struct timespec;
int	compile_published(const char *mapbase, struct timespec *t);

/*
 * Writes mapbase.lmdb and mapbase.policy.lmdb from af, atomically each,
 * under an exclusive lock on mapbase.lock.  Fills *counts.  Returns 0,
 * COMPILE_HALF or COMPILE_UNSYNCED (above), or a sysexits(3) code with
 * the old files untouched: EX_TEMPFAIL (another writer holds the lock),
 * EX_CANTCREAT (cannot create files there), EX_IOERR, EX_OSERR.  The
 * reason is in e.
 */
int	compile_map(const struct aliasfile *, const char *mapbase,
	    int32_t today, struct policy_counts *counts, struct errbuf *e);


#endif /* COMPILE_H */
