/*
 * dnsrec_priv.h: what the files of the DNS record codecs share (dnsrec.c,
 * dnsrec_spf.c, dnsrec_dmarc.c, dnsrec_dkim.c): an output buffer, the
 * tag-list reader of DMARC and DKIM, ASCII classes.  Not for other
 * modules: dnsrec.h is the interface.
 */
#ifndef DNSREC_PRIV_H
#define DNSREC_PRIV_H

#include <stddef.h>
#include <string.h>

#include "util.h"

/*
 * An output buffer that remembers when something did not fit: writes
 * past its size are dropped and set full.
 */
struct obuf {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 full;
};

/* Starts writing into buf (size bytes). */
void	ob_init(struct obuf *, char *buf, size_t size);
void	ob_putn(struct obuf *, const char *s, size_t n);
void	ob_puts(struct obuf *, const char *s);
void	ob_putc(struct obuf *, char c);
/* NUL-terminates; returns the length, or -1 (and "") when it overflowed. */
int	ob_end(struct obuf *);

/* Returns 1 when s (n bytes) is word (lowercase), ASCII case aside. */
int	ieq(const char *s, size_t n, const char *word);
/* Returns a NUL-terminated copy of n bytes of s to free, or NULL. */
char	*dup_n(const char *s, size_t n);

/*
 * One tag of a tag list (RFC 6376 3.2, RFC 7489 6.4): name=value, the
 * value without the blanks around it; col, the column of the name.
 * Pointers into the text read.
 */
struct tag {
	const char *name;
	size_t	 nlen;
	const char *val;
	size_t	 vlen;
	size_t	 col;
};

/*
 * Reads the next tag of s (len bytes) from *pos; fws: CR and LF are
 * blanks too (DKIM's folding white space).  Empty tags (";;") are
 * skipped: real records have them, and no receiver refuses them.
 * Returns 1 and *t, 0 at the end, or -1 with the reason in e.
 */
int	tag_next(const char *s, size_t len, size_t *pos, struct tag *t,
	    int fws, struct errbuf *e);
/*
 * Checks a list of words separated by ":" with blanks around, as fo=,
 * rf=, h=, s= and t= write them: each word 1*(ALPHA / DIGIT / "-"), or
 * "*" too when star.  Returns 0, or -1.
 */
int	tag_list(const char *s, size_t n, int fws, int star);

/* ASCII classes, free of the locale. */
static inline int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static inline int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Returns 1 when c is one of the bytes of set (never for NUL). */
static inline int
in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Blanks: WSP, and with fws the CR and LF of folding white space too. */
static inline int
is_wsp(int c, int fws)
{
	return c == ' ' || c == '\t' || (fws && (c == '\r' || c == '\n'));
}

#endif /* DNSREC_PRIV_H */
