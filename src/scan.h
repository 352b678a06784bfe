/*
 * scan.h: fast passes over a large text, for the edits that must not
 * parse it (update.c): pure functions, no allocation.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>

/*
 * Returns nonzero when the only line breaks libyaml sees in the len
 * bytes at text are LF (no CR, NEL, LS or PS) and there is no NUL
 * (UTF-16 text): then line N starts after the (N-1)th LF.
 */
int	scan_plain_lines(const char *text, size_t len);

/*
 * Advances *pp (in a text ending at end) to the start of line target,
 * *line being the line *pp is on (1-based) and becoming target.
 * Returns 0, or -1 when the text has fewer lines (then *pp is as it
 * was).
 */
int	scan_skip_lines(const char **pp, const char *end, size_t *line,
	    size_t target);

/* Returns the number of LFs in the len bytes at s. */
size_t	scan_count_lines(const char *s, size_t len);

/*
 * Returns the first place at or after p (in a text ending at end) where
 * the klen bytes of key are, or NULL.  rare is the index in key of the
 * byte to look for first (scan_rare_byte()); any index works.
 */
const char *scan_find(const char *p, const char *end, const char *key,
	    size_t klen, size_t rare);

/*
 * Returns the index of the byte of key (klen > 0 bytes) that is rarest
 * in the len bytes at sample.
 */
size_t	scan_rare_byte(const char *sample, size_t len, const char *key,
	    size_t klen);

#endif /* SCAN_H */
