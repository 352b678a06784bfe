/*
 * scan.c: fast passes over a large text (an alias file of 72 MB): line
 * breaks, line counts and a key's places, with memchr(3) and loops the
 * compiler vectorises rather than memmem(3) or a call per line (see
 * scan.h).
 */
#include <stddef.h>
#include <string.h>

#include "scan.h"

static int	has_seq(const char *, size_t, const char *, size_t);
static size_t	block_lines(const char *);

/*
 * Nonzero when the n bytes of seq are in the len bytes at text: memchr(3)
 * for the first byte, many times faster than memmem(3) over a large
 * file, then a compare.
 */
static int
has_seq(const char *text, size_t len, const char *seq, size_t n)
{
	const char *p = text, *end = text + len;

	while ((p = memchr(p, seq[0], (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= n && memcmp(p, seq, n) == 0)
			return 1;
		p++;
	}
	return 0;
}

/*
 * Nonzero when the only line breaks libyaml sees in text are LF (no CR,
 * NEL, LS or PS) and there is no NUL (UTF-16 text): then line N starts
 * after the (N-1)th LF.
 */
int
scan_plain_lines(const char *text, size_t len)
{
	return !has_seq(text, len, "\r", 1) &&
	    memchr(text, '\0', len) == NULL &&
	    !has_seq(text, len, "\xc2\x85", 2) &&
	    !has_seq(text, len, "\xe2\x80\xa8", 3) &&
	    !has_seq(text, len, "\xe2\x80\xa9", 3);
}

/*
 * The LFs in the NL_BLOCK bytes at s: a loop of known length that the
 * compiler turns into vector compares, where memchr(3) per line (lines
 * are short) would cost a call each.
 */
#define NL_BLOCK	64
static size_t
block_lines(const char *s)
{
	unsigned char n = 0;
	size_t	 i;

	for (i = 0; i < NL_BLOCK; i++)
		n += s[i] == '\n';
	return n;
}

/*
 * Advances *pp (in the text ending at end) to the start of line target,
 * *line being the line *pp is on.  Returns 0, or -1 when the text has
 * fewer lines.
 */
int
scan_skip_lines(const char **pp, const char *end, size_t *line, size_t target)
{
	const char *p = *pp, *nl;
	size_t	 n;

	while (*line < target) {
		if (end - p >= NL_BLOCK &&
		    *line + (n = block_lines(p)) < target) {
			*line += n;
			p += NL_BLOCK;
			continue;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -1;
		p = nl + 1;
		(*line)++;
	}
	*pp = p;
	return 0;
}

size_t
scan_count_lines(const char *s, size_t len)
{
	const char *end = s + len;
	size_t	 n = 0;

	for (; end - s >= NL_BLOCK; s += NL_BLOCK)
		n += block_lines(s);
	for (; s < end; s++)
		n += *s == '\n';
	return n;
}

/*
 * The first place at or after p (in the text ending at end) where the
 * klen bytes of key are written: memchr(3) for the byte of the key that
 * is rarest in a sample of the text, then a compare.  Returns NULL when
 * there is none.
 */
const char *
scan_find(const char *p, const char *end, const char *key, size_t klen,
    size_t rare)
{
	const char *q = p + rare;

	if ((size_t)(end - p) < klen)
		return NULL;
	while ((q = memchr(q, key[rare], (size_t)(end - q))) != NULL) {
		if ((size_t)(q - p) >= rare &&
		    (size_t)(end - (q - rare)) >= klen &&
		    memcmp(q - rare, key, klen) == 0)
			return q - rare;
		q++;
	}
	return NULL;
}

/* The index of the byte of key that is rarest in the sample. */
size_t
scan_rare_byte(const char *sample, size_t len, const char *key, size_t klen)
{
	size_t	 freq[256] = { 0 }, i, best = 0;

	for (i = 0; i < len; i++)
		freq[(unsigned char)sample[i]]++;
	for (i = 1; i < klen; i++)
		if (freq[(unsigned char)key[i]] <
		    freq[(unsigned char)key[best]])
			best = i;
	return best;
}
