/*
 * aliasfile.h: the YAML alias file (aliases.yaml(5)): loading it.  The
 * alias-file family (aliasfile*.c) is the only code that uses libyaml;
 * aliasfile_edit.h edits the text.
 */
#ifndef ALIASFILE_H
#define ALIASFILE_H

#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "policy.h"
#include "util.h"

/*
 * Diagnostics collected while loading: every problem in the file, each
 * formatted "FILE:LINE:COLUMN: message" (1-based, as editors count), or
 * "FILE: message" when there is no position.  Warnings carry
 * "warning: " after the position and do not fail the load.
 */
#define AF_DIAG_MAX	1000	/* messages kept; later ones are only counted */

struct af_diag {
	char	**msgs;		/* in the order found */
	size_t	nmsgs;
	size_t	nerrors;	/* errors found, including those not kept */
	size_t	nwarnings;
	int	status;		/* sysexits code for the errors, 0 if none */
	unsigned parts;		/* the file was parsed in this many parts */
};

void	af_diag_init(struct af_diag *);
void	af_diag_free(struct af_diag *);

/* A domain from "domains:". */
struct af_domain {
	const char *name;	/* normalised: lowercase, no trailing dot */
	const char *deliver_to;	/* targets joined by ", " */
	char	subaddress[16];	/* recipient delimiter set, "" for none */
	const char *dkim_selectors;	/* "dkim_selectors:", lowercase, one
					   space between each, or NULL */
	uint32_t line;		/* position of the key, 1-based */
	uint32_t col;
};

/* Alias flags. */
#define AF_REVOKED	0x01	/* has "revoked:" */
#define AF_RECEIVE_ONLY	0x02	/* "receive_only: true" */
#define AF_TARGET	0x04	/* a target of an alias or deliver_to */

/* An alias from "aliases:", kept small: there may be millions. */
struct af_alias {
	const char *key;	/* normalised address, "local@domain" */
	const char *to;		/* explicit targets joined by ", ", or NULL
				   for the domain's deliver_to */
	const char *note;	/* NULL when absent */
	const char *reason;	/* NULL when absent */
	const char *senders;	/* the lock: normalised domains and
				   addresses separated by one space (the
				   policy record's field), or NULL */
	int32_t	created;	/* days since 1970-01-01, or DATE_NONE */
	int32_t	revoked;
	int32_t	expires;	/* last day the alias is valid */
	uint32_t line;		/* position of the key, 1-based */
	uint32_t col;
	uint16_t domain;	/* index into aliasfile.domains */
	uint16_t flags;		/* AF_* */
};

struct aliasfile {
	const char *path;	/* as given to af_load() */
	const char *map;	/* "map:" value, or NULL */
	struct af_domain *domains;
	size_t	ndomains;
	struct af_alias *aliases;	/* in file order */
	size_t	naliases;
	uint32_t *sorted;	/* indices into aliases, by key bytes */
	struct policy_source source;
	struct arena arena;	/* owns every string above */
};

/*
 * Loads and validates path.  On success returns 0 and a new aliasfile in
 * *afp, to be freed with af_free(); warnings may be in diag.  On failure
 * returns -1, *afp is NULL, and diag holds every error found, with
 * diag->status set to EX_DATAERR (bad content), EX_NOINPUT (missing,
 * unreadable, a directory), EX_IOERR or EX_OSERR (out of memory).
 */
int	af_load(const char *path, struct aliasfile **afp, struct af_diag *diag);

/*
 * af_load() with flags.  A regular file of 1 MiB or more is parsed by
 * two threads, each from one half, when the file is laid out so that
 * this gives the same result as one parse (else it is parsed again
 * serially); AF_LOAD_SERIAL always parses it in one go.
 */
#define AF_LOAD_SERIAL	0x01
int	af_load_opts(const char *path, unsigned flags, struct aliasfile **afp,
	    struct af_diag *diag);
void	af_free(struct aliasfile *);

/*
 * Windows: when policy_source.windows says so, the text from the line of an
 * alias key to the line of a later one (or to the end of the file) is
 * complete aliases, and reads as in the whole file after the line
 * AF_WINDOW_PREFIX.  Such a window can be edited with af_edit_*() on
 * AF_WINDOW_PREFIX and the window, and loaded with af_window_load().
 */
#define AF_WINDOW_PREFIX	"aliases:\n"

/*
 * Reads the top-level keys of the alias file text (len bytes) that come
 * before "aliases:", without checking them: the "map:" value goes into
 * buf (bufsize bytes; "" when there is none before "aliases:").
 * Returns 0, or -1 when there is no "aliases:" key at the top, or the
 * text before it is not as the loader would take it.
 */
int	af_head_map(const char *text, size_t len, char *buf, size_t bufsize);

/*
 * Loads the window of len bytes at text: its aliases with their
 * settings, each checked on its own, in file order (lines counted from
 * AF_WINDOW_PREFIX as line 1).  What needs the whole file (domains,
 * duplicates, targets) is not checked and sorted is NULL.  Returns 0
 * and a new aliasfile in *afp, or -1 when the window has any error.
 */
int	af_window_load(const char *text, size_t len, struct aliasfile **afp);

/*
 * Loads and checks the head of an alias file: text (len bytes) is the
 * file up to its first alias key (from its start to the line of a
 * window), so it holds every top-level key but the aliases' entries.
 * Its domains are checked as in af_load(); a head with any error, or
 * one whose checks need aliases (a deliver_to at a managed domain), is
 * refused.  Returns 0 and a new aliasfile in *afp (no aliases), or -1.
 */
int	af_head_load(const char *text, size_t len, struct aliasfile **afp);

/*
 * Returns the index of the domain named name (normalised), or -1.
 */
int	af_find_domain(const struct aliasfile *, const char *name);

/*
 * Returns the alias whose key equals key (normalised), or NULL.
 * Binary search over sorted.
 */
const struct af_alias *af_find_alias(const struct aliasfile *, const char *key);

/* The targets of an alias: its own, or its domain's deliver_to. */
const char *af_alias_target(const struct aliasfile *, const struct af_alias *);

#endif /* ALIASFILE_H */
