/*
 * util.h: small shared helpers: a bump arena for strings that live as
 * long as a loaded alias file, ISO 8601 calendar dates, error buffers.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A bump allocator made of large blocks.  Pointers it returns stay valid
 * until arena_free(); nothing is freed one by one.
 */
struct arena_block;
struct arena {
	struct arena_block *head;
	size_t	used;		/* bytes used in head */
	size_t	size;		/* capacity of head */
};

/* Initialises an empty arena; no memory is taken until the first alloc. */
void	arena_init(struct arena *);
/* Returns size bytes aligned for any object, or NULL when out of memory. */
void	*arena_alloc(struct arena *, size_t size);
/* Copies len bytes of s plus a NUL into the arena; NULL when out of memory. */
char	*arena_strndup(struct arena *, const char *s, size_t len);
/*
 * Moves every block of src into dst (strings keep their addresses);
 * src is left empty.
 */
void	arena_adopt(struct arena *dst, struct arena *src);
/* Frees every block; the arena is empty and reusable afterwards. */
void	arena_free(struct arena *);

/* A calendar date as days since 1970-01-01; DATE_NONE when absent. */
#define DATE_NONE	INT32_MIN
#define DATE_BUF	11	/* "YYYY-MM-DD" and NUL */

/*
 * Parses exactly "YYYY-MM-DD" (len bytes, a real calendar day, years
 * 1900-9999) into *days.  Returns 0, or -1 when malformed.
 */
int	date_parse(const char *s, size_t len, int32_t *days);
/* Writes "YYYY-MM-DD" and a NUL into buf (DATE_BUF bytes). */
void	date_format(int32_t days, char *buf);
/* Today in local time, as days since 1970-01-01. */
int32_t	date_today(void);

/* Milliseconds on the monotonic clock: for timeouts and intervals. */
long long now_ms(void);

/*
 * Joins base and suffix into buf (bufsize bytes): "MAP" and ".lmdb".
 * Returns 0, or -1 when the result does not fit.
 */
int	path_suffix(char *buf, size_t bufsize, const char *base,
	    const char *suffix);

/*
 * Removes the temp files that writers killed mid-way left beside path,
 * "<path><tag>XXXXXX" as mkstemp(3) names them (tag ".tmp.", say).
 * Call it holding the lock that serialises those writers, so that none
 * of them is live.  Without this each compile killed while writing (OOM,
 * a reboot, kill -9) would leave a map-sized file for good.
 */
void	path_remove_temps(const char *path, const char *tag);

/*
 * XXH64 (seed 0), fed in pieces: the fingerprint of an alias file that
 * tells an edit whether the compiled map still belongs to the file.  Not
 * a cryptographic hash: it guards against change, not against someone
 * who may write the file anyway.
 */
struct digest {
	uint64_t v[4];		/* the four lanes */
	uint64_t total;		/* bytes fed */
	unsigned char buf[32];	/* a stripe not yet complete */
	size_t	 nbuf;
};
void	digest_init(struct digest *);
void	digest_update(struct digest *, const void *p, size_t len);
uint64_t digest_final(const struct digest *);
/* The digest of len bytes at p in one call. */
uint64_t digest_of(const void *p, size_t len);

/*
 * The optimal string alignment distance (Damerau-Levenshtein, each
 * substring edited once) between a (alen bytes) and b (blen bytes):
 * insertions, deletions, substitutions and swaps of two neighbours each
 * cost 1.  Returns it, or max + 1 when it is larger than max or either
 * string is longer than STR_DISTANCE_MAX bytes.  For "did you mean".
 */
#define STR_DISTANCE_MAX	64
int	str_distance(const char *a, size_t alen, const char *b, size_t blen,
	    int max);

/*
 * The length of the UTF-8 sequence that starts at p (1 for ASCII, up to
 * 4), or 0 when p does not start one (a stray byte, an overlong form, a
 * surrogate).  p is NUL-ended: a sequence cut by the NUL is 0.
 */
size_t	utf8_len(const unsigned char *p);

/*
 * An error message buffer filled by modules that cannot print (the
 * style's "say why through an error buffer").  errbuf_set() formats into
 * it and returns -1, so that "return errbuf_set(e, ...)" reads well.
 */
struct errbuf {
	char	msg[1024];
};
int	errbuf_set(struct errbuf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Appends a sentence, formatted, to the text in buf (size bytes), after
 * "; " when buf is not empty; cut to fit.  The detail lines of doctor
 * and of the DNS checks are built so.
 */
void	text_vappend(char *buf, size_t size, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

#endif /* UTIL_H */
