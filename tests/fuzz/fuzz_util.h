/*
 * fuzz_util.h: what the libFuzzer targets in tests/fuzz/ share: a check
 * that aborts with a message (libFuzzer then saves the input), an
 * in-memory file to hand to af_load(), and field-by-field comparison of
 * loaded alias files.  Header-only: each target is one translation unit
 * linked with the project's objects (see the Makefile's fuzz section).
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aliasfile.h"
#include "util.h"

/* A violated property: say which, then abort() so libFuzzer keeps it. */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
		    __LINE__, #cond);					\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* Equal strings, where NULL equals only NULL. */
static inline int
fuzz_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A printable stand-in for a string that may be NULL. */
static inline const char *
fuzz_str(const char *s)
{
	return s != NULL ? s : "(null)";
}

/*
 * Replaces the contents of this process's one in-memory file (a memfd,
 * so no file is left behind when a run is killed) with len bytes of
 * data and returns a path that open(2) reaches it by.  The path stays
 * the same for the life of the process.
 */
static inline const char *
fuzz_file(const uint8_t *data, size_t len)
{
	static char path[64];
	static int fd = -1;
	size_t off;
	ssize_t n;

	if (fd == -1) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		FUZZ_CHECK(fd != -1, "memfd_create failed");
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0, "ftruncate failed");
	for (off = 0; off < len; off += (size_t)n) {
		n = pwrite(fd, data + off, len - off, (off_t)off);
		FUZZ_CHECK(n > 0, "pwrite failed");
	}
	return path;
}

/*
 * Loads path with af_load_opts() and checks what every load promises
 * about its result and its diagnostics.  Returns the aliasfile (NULL
 * when the load failed); diag is initialised here and left for the
 * caller to free.
 */
static inline struct aliasfile *
fuzz_load(const char *path, unsigned flags, struct af_diag *diag)
{
	struct aliasfile *af = NULL;
	size_t i;
	int rc;

	af_diag_init(diag);
	rc = af_load_opts(path, flags, &af, diag);
	FUZZ_CHECK(rc == 0 || rc == -1, "af_load_opts returned %d", rc);
	FUZZ_CHECK(diag->nmsgs <= AF_DIAG_MAX + 1, "%zu messages kept",
	    diag->nmsgs);
	FUZZ_CHECK(diag->nmsgs <= diag->nerrors + diag->nwarnings,
	    "%zu messages for %zu errors and %zu warnings", diag->nmsgs,
	    diag->nerrors, diag->nwarnings);
	for (i = 0; i < diag->nmsgs; i++)
		FUZZ_CHECK(strncmp(diag->msgs[i], path, strlen(path)) == 0,
		    "message without the path: %s", diag->msgs[i]);
	if (rc == 0) {
		FUZZ_CHECK(af != NULL, "success without an aliasfile");
		FUZZ_CHECK(diag->nerrors == 0 && diag->status == 0,
		    "success with %zu errors, status %d", diag->nerrors,
		    diag->status);
	} else {
		FUZZ_CHECK(af == NULL, "failure with an aliasfile");
		FUZZ_CHECK(diag->nerrors > 0 && diag->status != 0,
		    "failure with %zu errors, status %d", diag->nerrors,
		    diag->status);
	}
	return af;
}

/* The name of the domain of alias a. */
static inline const char *
fuzz_alias_domain(const struct aliasfile *af, const struct af_alias *a)
{
	FUZZ_CHECK(a->domain < af->ndomains, "%s: domain index %u of %zu",
	    a->key, (unsigned)a->domain, af->ndomains);
	return af->domains[a->domain].name;
}

/* What two aliases from two loads are compared on. */
#define FUZZ_SAME_POS	0x01	/* line and column too */
#define FUZZ_NO_DOMAIN	0x02	/* y is from a window: no domain, and
				   only the flags the alias itself sets */

/*
 * Checks that alias x of file ax and alias y of file ay are the same:
 * key, targets, texts, dates, flags and domain.
 */
static inline void
fuzz_same_alias(const struct aliasfile *ax, const struct af_alias *x,
    const struct aliasfile *ay, const struct af_alias *y, unsigned what)
{
	FUZZ_CHECK(fuzz_streq(x->key, y->key), "key %s != %s", x->key,
	    y->key);
	FUZZ_CHECK(fuzz_streq(x->to, y->to), "%s: to %s != %s", x->key,
	    fuzz_str(x->to), fuzz_str(y->to));
	FUZZ_CHECK(fuzz_streq(x->note, y->note), "%s: note %s != %s",
	    x->key, fuzz_str(x->note), fuzz_str(y->note));
	FUZZ_CHECK(fuzz_streq(x->reason, y->reason), "%s: reason %s != %s",
	    x->key, fuzz_str(x->reason), fuzz_str(y->reason));
	FUZZ_CHECK(fuzz_streq(x->senders, y->senders), "%s: senders %s != %s",
	    x->key, fuzz_str(x->senders), fuzz_str(y->senders));
	FUZZ_CHECK(x->created == y->created && x->revoked == y->revoked &&
	    x->expires == y->expires, "%s: dates differ", x->key);
	if (what & FUZZ_NO_DOMAIN) {
		FUZZ_CHECK((x->flags & (AF_REVOKED | AF_RECEIVE_ONLY)) ==
		    (y->flags & (AF_REVOKED | AF_RECEIVE_ONLY)),
		    "%s: flags %#x != %#x", x->key, (unsigned)x->flags,
		    (unsigned)y->flags);
		return;
	}
	FUZZ_CHECK(x->flags == y->flags, "%s: flags %#x != %#x", x->key,
	    (unsigned)x->flags, (unsigned)y->flags);
	FUZZ_CHECK(strcmp(fuzz_alias_domain(ax, x),
	    fuzz_alias_domain(ay, y)) == 0, "%s: domain differs", x->key);
	if (what & FUZZ_SAME_POS)
		FUZZ_CHECK(x->line == y->line && x->col == y->col,
		    "%s: at %u:%u and %u:%u", x->key, (unsigned)x->line,
		    (unsigned)x->col, (unsigned)y->line, (unsigned)y->col);
}

/*
 * Checks that two loads have the same map, the same domains and the
 * same aliases in the same order, except the alias at index skip of
 * both (SIZE_MAX: none), which the caller checks itself.
 */
static inline void
fuzz_same_file(const struct aliasfile *x, const struct aliasfile *y,
    size_t skip, unsigned what)
{
	const struct af_domain *dx, *dy;
	size_t i;

	FUZZ_CHECK(fuzz_streq(x->map, y->map), "map %s != %s",
	    fuzz_str(x->map), fuzz_str(y->map));
	FUZZ_CHECK(x->ndomains == y->ndomains, "%zu domains != %zu",
	    x->ndomains, y->ndomains);
	for (i = 0; i < x->ndomains; i++) {
		dx = &x->domains[i];
		dy = &y->domains[i];
		FUZZ_CHECK(strcmp(dx->name, dy->name) == 0 &&
		    fuzz_streq(dx->deliver_to, dy->deliver_to) &&
		    strcmp(dx->subaddress, dy->subaddress) == 0,
		    "domain %zu: %s != %s", i, dx->name, dy->name);
		if (what & FUZZ_SAME_POS)
			FUZZ_CHECK(dx->line == dy->line && dx->col == dy->col,
			    "domain %s moved", dx->name);
	}
	FUZZ_CHECK(x->naliases == y->naliases, "%zu aliases != %zu",
	    x->naliases, y->naliases);
	for (i = 0; i < x->naliases; i++)
		if (i != skip)
			fuzz_same_alias(x, &x->aliases[i], y, &y->aliases[i],
			    what);
}

/* The offset of the start of line (1-based) in text, or len. */
static inline size_t
fuzz_line_offset(const uint8_t *text, size_t len, uint32_t line)
{
	const uint8_t *p = text, *nl;

	while (--line > 0 && (nl = memchr(p, '\n', len - (size_t)(p - text))) !=
	    NULL)
		p = nl + 1;
	return line == 0 ? (size_t)(p - text) : len;
}

/*
 * af_window_load() (update.c's fast revoke): when the load says the
 * file has windows, the text from the line of alias i to the line of
 * alias j (or to the end) must load on its own, after the made-up
 * "aliases:" line, as exactly aliases i to j of the whole file.  h picks
 * i and j.  Returns 1 when a window was checked, 0 when the file has
 * none.
 */
static inline int
fuzz_window(const uint8_t *text, size_t len, const struct aliasfile *af,
    uint32_t h)
{
	struct aliasfile *w;
	const struct af_alias *a, *b;
	size_t i, j, k, from, to;

	/*
	 * Lines as update.c counts them (plain_lines()): only where every
	 * line break libyaml knows is a '\n'.
	 */
	if (!af->source.windows || af->naliases == 0 ||
	    memchr(text, '\r', len) != NULL || memchr(text, '\0', len) != NULL ||
	    memmem(text, len, "\xc2\x85", 2) != NULL ||
	    memmem(text, len, "\xe2\x80\xa8", 3) != NULL ||
	    memmem(text, len, "\xe2\x80\xa9", 3) != NULL)
		return 0;
	i = h % af->naliases;
	j = i + 1 + (h >> 8) % (af->naliases - i);	/* naliases: the end */
	from = fuzz_line_offset(text, len, af->aliases[i].line);
	to = j < af->naliases ? fuzz_line_offset(text, len, af->aliases[j].line) :
	    len;
	FUZZ_CHECK(from < to, "alias %zu at %zu, alias %zu at %zu", i, from, j,
	    to);
	FUZZ_CHECK(af_window_load((const char *)text + from, to - from, &w) ==
	    0, "window of aliases %zu to %zu does not load", i, j);
	FUZZ_CHECK(w->naliases == j - i, "window of aliases %zu to %zu: %zu",
	    i, j, w->naliases);
	for (k = 0; k < w->naliases; k++) {
		a = &af->aliases[i + k];
		b = &w->aliases[k];
		fuzz_same_alias(af, a, w, b, FUZZ_NO_DOMAIN);
		/* Line 1 is the made-up "aliases:". */
		FUZZ_CHECK(b->line == a->line - af->aliases[i].line + 2 &&
		    b->col == a->col, "%s at %u:%u in the window, %u:%u in "
		    "the file", a->key, (unsigned)b->line, (unsigned)b->col,
		    (unsigned)a->line, (unsigned)a->col);
	}
	af_free(w);
	return 1;
}

/*
 * Reads bytes off the front of a fuzzer input: the targets that need
 * parameters take them from the first bytes, the rest is the text.
 */
struct fuzz_in {
	const uint8_t *p;
	size_t	len;
};

/* The next byte, or 0 when the input is used up. */
static inline uint8_t
fuzz_byte(struct fuzz_in *in)
{
	uint8_t b;

	if (in->len == 0)
		return 0;
	b = *in->p++;
	in->len--;
	return b;
}

/* len bytes on the heap (at least one), zeroed. */
static inline char *
fuzz_alloc(size_t len)
{
	char *p;

	FUZZ_CHECK((p = calloc(len + (len == 0), 1)) != NULL, "out of memory");
	return p;
}

/*
 * A heap copy of exactly len bytes of s (no NUL after them), so that
 * AddressSanitizer sees any read past the end of a slice of the input.
 * With nul set, a NUL follows, for functions that take a C string.
 */
static inline char *
fuzz_copy(const void *s, size_t len, int nul)
{
	char *p = fuzz_alloc(len + (nul ? 1 : 0));

	if (len > 0)
		memcpy(p, s, len);
	if (nul)
		p[len] = '\0';
	return p;
}

#endif /* FUZZ_UTIL_H */
