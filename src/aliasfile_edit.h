/*
 * aliasfile_edit.h: the surgical editor of the alias file's text, and
 * the YAML scalar writer it shares with import.
 */
#ifndef ALIASFILE_EDIT_H
#define ALIASFILE_EDIT_H

#include <stddef.h>

#include "util.h"

/*
 * The surgical editor.  Each af_edit_*() function takes the whole text
 * of an alias file (len bytes) and makes one change: every byte it does
 * not need to touch (comments, order, blank lines, quoting) stays as it
 * was.  The text is parsed, not validated: load the result with
 * af_load() before using it.  On success returns 0 and a new buffer in
 * *out (*outlen bytes plus a NUL, the caller frees it); else returns an
 * AF_EDIT_* code with the reason in e, and *out is NULL.
 */
enum af_edit_error {
	AF_EDIT_OK = 0,
	AF_EDIT_BAD,		/* not YAML, or a layout the editor refuses */
	AF_EDIT_NOT_FOUND,	/* no such alias */
	AF_EDIT_EXISTS,		/* add: the alias is already in the file */
	AF_EDIT_NO_DOMAIN,	/* add: its domain is not under domains: */
	AF_EDIT_REVOKED,	/* revoke: already revoked */
	AF_EDIT_NOT_REVOKED,	/* restore: not revoked */
	AF_EDIT_NOT_LOCKED,	/* unlock: no senders: */
	AF_EDIT_NOMEM
};

/* A new alias; NULL or 0 for what is not set. */
struct af_new_alias {
	const char *key;		/* normalised address */
	const char *const *to;		/* canonical target addresses */
	size_t	nto;
	const char *note;
	const char *created;		/* "YYYY-MM-DD" */
	const char *expires;		/* "YYYY-MM-DD" */
	int	receive_only;
};

/*
 * Adds an alias at the end of the block mapping "aliases:" (created
 * when missing or empty), with its keys' indentation (2 when none).
 */
int	af_edit_add(const char *text, size_t len, const struct af_new_alias *,
	    char **out, size_t *outlen, struct errbuf *e);
/*
 * Adds "revoked: date" and, unless reason is NULL, "reason: ..." to the
 * settings of the alias whose normalised key is key.
 */
int	af_edit_revoke(const char *text, size_t len, const char *key,
	    const char *date, const char *reason, char **out, size_t *outlen,
	    struct errbuf *e);
/*
 * Removes "revoked:" and "reason:" from the alias whose normalised key
 * is key; when no setting is left, "KEY:" stays with no value.
 */
int	af_edit_restore(const char *text, size_t len, const char *key,
	    char **out, size_t *outlen, struct errbuf *e);

/*
 * Sets the senders: of the alias whose normalised key is key to the
 * nsenders entries of senders (normalised, without duplicates: see
 * addr_sender()).  An existing block sequence gets its lines replaced
 * (same indentation), any other existing value becomes a flow sequence
 * in place; without senders: a "senders: [...]" setting is added after
 * the others.
 */
int	af_edit_lock(const char *text, size_t len, const char *key,
	    const char *const *senders, size_t nsenders, char **out,
	    size_t *outlen, struct errbuf *e);
/*
 * Removes "senders:" from the alias whose normalised key is key; when no
 * setting is left, "KEY:" stays with no value.
 */
int	af_edit_unlock(const char *text, size_t len, const char *key,
	    char **out, size_t *outlen, struct errbuf *e);
/*
 * Finds the entry of the alias whose normalised key is key: *off and
 * *elen the bytes of its lines, from its key's line to the end of its
 * value's last line.  Returns AF_EDIT_OK, AF_EDIT_NOT_FOUND, ... (no
 * *out).
 */
int	af_edit_entry(const char *text, size_t len, const char *key,
	    size_t *off, size_t *elen, struct errbuf *e);

/*
 * The one YAML scalar writer, the editor's, for whoever writes alias
 * file text (import too): writes s into buf (bufsize bytes) plain when
 * every YAML reader takes it for the same string (printable ASCII
 * without indicators, not a word YAML 1.1 or 1.2 reads as null or a
 * boolean such as yes, on or null), else double-quoted with escapes.
 * Returns 0, or -1 when s is not UTF-8, memory runs out or the result
 * does not fit (buf then holds "" when bufsize > 0).
 */
int	af_yaml_scalar(const char *s, char *buf, size_t bufsize);

#endif /* ALIASFILE_EDIT_H */
