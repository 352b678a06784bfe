/*
 * edit.h: the edit transaction of aliasctl: one change to the alias
 * file, checked, published and compiled as a whole, or nothing; and the
 * commands that edit (see cli.h for the handlers' contract).
 */
#ifndef EDIT_H
#define EDIT_H

#include <stddef.h>

#include "aliasfile_edit.h"
#include "cli.h"

/* One change to the alias file. */
enum edit_op { EDIT_ADD, EDIT_REVOKE, EDIT_RESTORE, EDIT_LOCK, EDIT_UNLOCK };
struct edit {
	enum edit_op op;
	const char *key;		/* normalised */
	struct af_new_alias add;	/* EDIT_ADD of one alias */
	const struct af_new_alias *adds;	/* EDIT_ADD of nadds (import) */
	size_t	 nadds;
	const char *date;		/* EDIT_REVOKE */
	const char *reason;		/* EDIT_REVOKE, or NULL */
	const char *const *senders;	/* EDIT_LOCK: normalised, distinct */
	size_t	 nsenders;
	int	 dry_run;		/* print the entry as it would be */
	int	 quiet;			/* print no summary */
};

/*
 * Makes the change ed describes to o->file under the edit lock: the new
 * text is loaded and checked before it replaces the file, then the map
 * is updated (or compiled).  A failure leaves the file and the map as
 * they were.  With ed->dry_run the new text is loaded and checked, the
 * alias's entry printed as it would be, and nothing changes.  Returns a
 * sysexits code.
 */
int	edit_file(const struct options *o, const struct edit *ed);

/* add ADDRESS [--to ADDR]... [--note TEXT] [--receive-only] [--expires DATE] */
int	cmd_add(const struct options *, int argc, char **argv);
/* revoke ADDRESS [--reason TEXT] [--date DATE] */
int	cmd_revoke(const struct options *, int argc, char **argv);
/* restore ADDRESS */
int	cmd_restore(const struct options *, int argc, char **argv);
/* lock ADDRESS --sender S [--sender S]... [--dry-run] */
int	cmd_lock(const struct options *, int argc, char **argv);
/* unlock ADDRESS [--dry-run] */
int	cmd_unlock(const struct options *, int argc, char **argv);
/* new LABEL [--domain DOMAIN] [--note TEXT] [--receive-only] [--expires DATE] */
int	cmd_new(const struct options *, int argc, char **argv);

#endif /* EDIT_H */
