/*
 * update.h: an edit of one alias applied to the compiled map as the one
 * key it changes, instead of loading and compiling the whole file.
 *
 * A compile records in the policy file the fingerprint of the alias file
 * it read (" source"), and the lines of some of its alias keys
 * (" lines").  When the file still has that fingerprint, it is known to
 * be valid and to be what the map says, so an edit only needs to find
 * the alias (a text search, confirmed by parsing the window of lines
 * around it, which reads as in the whole file), edit that window, check
 * the edited window, and change the alias's keys in copies of the two
 * map files.  Anything unusual (the file changed since the compile,
 * another day, an alias that others forward to, a spelling the search
 * does not find) falls back to the full way, which reports errors in its
 * own words: the fast way never decides anything the full way would
 * decide differently.
 */
#ifndef UPDATE_H
#define UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "util.h"

#define UPDATE_FULL	(-1)	/* not applicable: load and compile */

struct update;

struct edit;

/*
 * Prepares the edit ed (edit.h: a revoke, restore, lock, unlock, or add
 * of one alias, never a dry run) in the alias file whose whole text is
 * text (len bytes) and whose map base path is mapbase, as of day today.
 * Holds the map's writer lock from here to update_free().  Returns 0
 * with a new update in *up, UPDATE_FULL with the reason in e (for a
 * debug line), or a sysexits code with the reason in e (EX_TEMPFAIL:
 * another writer holds the map's lock).
 */
int	update_edit(const char *text, size_t len, const char *mapbase,
	    const struct edit *ed, int32_t today, struct update **up,
	    struct errbuf *e);

/*
 * The new text of the alias file, as UPDATE_PIECES pieces in iov (they
 * point into u and into the text given to update_edit(), which must
 * outlive u), so that a large file is written without a copy.  Returns
 * the number of pieces.
 */
#define UPDATE_PIECES	3
struct iovec;
size_t	update_pieces(const struct update *u, struct iovec *iov);
/* The counts of the map after the edit. */
const struct policy_counts *update_counts(const struct update *u);

/*
 * Publishes the changed policy file, then the changed map, each as a
 * copy renamed over the old one (compile_publish()).  Returns 0,
 * COMPILE_HALF or COMPILE_UNSYNCED (compile.h), or EX_CANTCREAT or
 * EX_IOERR with the old files untouched; the reason in e.
 */
int	update_publish(struct update *u, struct errbuf *e);

/* Releases the lock and frees u; NULL ok. */
void	update_free(struct update *u);

/*
 * What `new` needs to pick a fresh name without loading the file: when
 * the map and the policy file belong to the alias file text (len
 * bytes), every alias the file has or had is in one of them.  Returns 0
 * with a handle in *np and the file's head (its domains, no aliases;
 * the caller frees it with af_free()) in *head, or UPDATE_FULL with the
 * reason in e (then load the file).  Takes no lock: the add that
 * follows checks again under the locks.
 */
struct update_names;
struct aliasfile;
int	update_names(const char *text, size_t len, const char *mapbase,
	    struct update_names **np, struct aliasfile **head,
	    struct errbuf *e);
/*
 * Returns 1 when key (normalised) is an alias of the file, 0 when not,
 * -1 on a read error (said in e).
 */
int	update_name_known(struct update_names *, const char *key,
	    struct errbuf *e);
void	update_names_free(struct update_names *);

#endif /* UPDATE_H */
