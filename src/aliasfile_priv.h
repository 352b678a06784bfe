/*
 * aliasfile_priv.h: what the alias-file family shares and no other file
 * may use.  The family: aliasfile.c (reading and the public loader),
 * aliasfile_walk.c (the YAML event walk), aliasfile_check.c (checks over
 * the whole file and the sort), aliasfile_diag.c (the diagnostics) and
 * aliasfile_edit.c (the surgical editor).
 *
 * Nothing here needs libyaml: the checks and the diagnostics work on a
 * loaded struct aliasfile.  aliasfile_yaml.h adds the parser's state for
 * the files that read YAML.
 */
#ifndef ALIASFILE_PRIV_H
#define ALIASFILE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "aliasfile.h"

#define TARGETS_MAX  1000        /* Postfix's virtual_alias_expansion_limit */
#define SENDERS_MAX  POLICY_SENDERS_MAX   /* entries of a lock */
#define SENDERS_BYTES POLICY_SENDERS_BYTES /* a lock's list, spaces included */
#define QUOTE_MAX    80          /* bytes of user text quoted in a message */
#define QUOTE_BUF    (QUOTE_MAX * 4 + 4)
#define SELECTORS_MAX 16        /* entries of dkim_selectors */
#define SUBADDR_MAX  15         /* sizeof(af_domain.subaddress) - 1 */
#define DOMAINS_MAX  65535      /* af_alias.domain is a uint16_t, */
#define DOMAIN_UNSET UINT16_MAX /* which is this until resolved */

/* A position in the file, 1-based; line 0 means none. */
struct pos {
	uint32_t line;
	uint32_t col;
};

/* A diagnostic waiting to be sorted by position. */
struct pending {
	struct pos pos;
	size_t seq; /* keeps the order found among equals */
	char *text;
};

/*
 * The diagnostics of one loader (one part of the file), moved into the
 * caller's struct af_diag, sorted, by diag_flush().
 */
struct diag_buf {
	const char *path;   /* the file named in every message */
	struct af_diag *out;
	struct pending *msgs;
	size_t nmsgs;
	size_t seq;
	size_t nerrors;
	size_t nwarnings;
	int status;         /* sysexits code, 0 while there is no error */
	int oom_said;       /* "out of memory" has been recorded */
};

/*
 * Records an error (warning 0) or a warning at pos (NULL: the file as a
 * whole).  Messages past AF_DIAG_MAX are only counted.
 */
void diag_add(struct diag_buf *, int warning, const struct pos *pos,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Keeps the most telling sysexits code: a machine problem outranks a
 * missing file, which outranks bad content.
 */
void diag_status(struct diag_buf *, int status);
/* Records "out of memory" (once) and EX_OSERR. */
void diag_oom(struct diag_buf *);
/*
 * Moves the messages into the caller's af_diag in file order (those
 * without a position first), with the counts and the status.
 */
void diag_flush(struct diag_buf *);
/*
 * Writes user text (len bytes of s) into buf (QUOTE_BUF bytes) for a
 * message: control bytes as \xNN, cut with "..." after QUOTE_MAX bytes
 * (at a UTF-8 character boundary; libyaml has checked the encoding).
 * Returns buf.
 */
const char *diag_quote(const char *s, size_t len, char *buf);

/*
 * The checks that need the whole file: domains listed after their
 * aliases (unresolved of them), duplicates (found by sorting af->aliases
 * into af->sorted, which compile needs anyway), subaddresses, targets.
 * Every problem goes to msg.
 */
void check_all(struct aliasfile *af, size_t unresolved, struct diag_buf *msg);

/* Returns 1 when the len bytes of s hold a control byte. */
static inline int
has_control(const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

/* Compares n bytes ignoring ASCII case, whatever the locale. */
static inline int
ascii_casecmp(const char *a, const char *b, size_t n)
{
	size_t i;
	int x, y;

	for (i = 0; i < n; i++) {
		x = (unsigned char)a[i];
		y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return x - y;
	}
	return 0;
}

#endif /* ALIASFILE_PRIV_H */
