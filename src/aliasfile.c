/*
 * aliasfile.c: loads the YAML alias file (aliases.yaml(5)): the public
 * loader, the input and the two-thread split of a large file.  The
 * alias-file family (see aliasfile_priv.h) is the only code that uses
 * libyaml.
 *
 * The file is read through libyaml's event API: the document API builds
 * the whole tree (too much memory for a million aliases) and expands
 * YAML aliases, which is how an "alias bomb" eats a machine.  The events
 * are walked by aliasfile_walk.c; every semantic error in the file is
 * collected, each "FILE:LINE:COLUMN: message", and sorted by position at
 * the end (aliasfile_diag.c).  Syntax errors stop the walk: libyaml
 * cannot go on after them.
 *
 * Checks that need the whole file (an alias's domain may be listed after
 * it; duplicates) run after the walk, in aliasfile_check.c.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <yaml.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_yaml.h"
#include "util.h"

#define READ_BUF     (64 * 1024) /* bytes per read(2) */
#define PARALLEL_MIN (1024 * 1024) /* smaller files are parsed in one go */
#define MOVE_STEP    4096       /* records moved at a time by join_tail() */
#define SPLIT_TRIES  64         /* READ_BUF windows searched for a split */
#define TAIL_PREFIX  AF_WINDOW_PREFIX
static int read_handler(void *, unsigned char *, size_t, size_t *);
static int part_read(struct loader *, unsigned char *, size_t, size_t *);
static int open_input(struct loader *);
static void parser_error(struct loader *);
static void reader_error(struct loader *);
static int count_plain(const unsigned char *, size_t, size_t *, size_t *);
static int locate_offset(
    struct loader *, size_t, int, struct pos *, unsigned char *);
static int loader_af(struct loader *);
static struct loader *loader_new(const char *, struct af_diag *);
static void loader_clear(struct loader *);
static int loader_reset(struct loader *);
static void parse(struct loader *);
static int is_alnum_byte(unsigned char);
static off_t find_split(struct loader *, off_t);
static void *tail_thread(void *);
static int parts_joinable(const struct loader *, const struct loader *);
static int join_tail(struct loader *, struct loader *);
static void move_aliases(struct af_alias *, struct af_alias **, size_t);
static int parse_parallel(struct loader *, off_t);

/* ---- input ---- */

/*
 * libyaml's read handler: hands out a 64 KiB buffer filled by read(2),
 * so the file is never held in memory whole.  Returns 1 (with 0 bytes
 * at the end of the file), or 0 with errno kept for parser_error().
 */
static int
read_handler(void *data, unsigned char *buf, size_t size, size_t *nread)
{
	struct loader *l = data;
	ssize_t n;
	size_t k;

	if (l->part != PART_WHOLE)
		return part_read(l, buf, size, nread);
	if (l->rpos == l->rlen) {
		do
			n = read(l->fd, l->rbuf, READ_BUF);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			l->rerrno = errno;
			return 0;
		}
		l->rlen = (size_t)n;
		l->rpos = 0;
		digest_update(&l->dg, l->rbuf, l->rlen);
	}
	k = l->rlen - l->rpos;
	if (k > size)
		k = size;
	memcpy(buf, l->rbuf + l->rpos, k);
	l->rpos += k;
	*nread = k;
	return 1;
}

/*
 * The read handler of a part: the prefix, then the part's bytes of the
 * file, read straight into libyaml's buffer.
 */
static int
part_read(struct loader *l, unsigned char *buf, size_t size, size_t *nread)
{
	ssize_t n;
	size_t k;

	if (l->prefixlen > 0) {
		k = l->prefixlen < size ? l->prefixlen : size;
		memcpy(buf, l->prefix, k);
		l->prefix += k;
		l->prefixlen -= k;
		*nread = k;
		return 1;
	}
	if ((off_t)size > l->rend - l->roff)
		size = (size_t)(l->rend - l->roff);
	if (size == 0) {
		*nread = 0;
		return 1;
	}
	if (l->mem != NULL) {
		memcpy(buf, l->mem + l->roff, size);
		n = (ssize_t)size;
	} else {
		do
			n = pread(l->fd, buf, size, l->roff);
		while (n == -1 && errno == EINTR);
	}
	if (n == -1) {
		l->rerrno = errno;
		return 0;
	}
	digest_update(&l->dg, buf, (size_t)n);
	/* A file that shrank under us: its end comes early. */
	l->roff += n;
	if (n == 0)
		l->rend = l->roff;
	*nread = (size_t)n;
	return 1;
}

/*
 * Opens l->msg.path for reading.  Returns 0, or -1 with the error recorded.
 */
static int
open_input(struct loader *l)
{
	struct stat st;
	int status, err;

	if ((l->fd = open(l->msg.path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(l->fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		diag_add(&l->msg, 0, NULL, "is a directory");
		diag_status(&l->msg, EX_NOINPUT);
		return -1;
	}
	return 0;
fail:
	switch (errno) {
	case ENOMEM:
		status = EX_OSERR;
		break;
	case EIO:
		status = EX_IOERR;
		break;
	default:
		status = EX_NOINPUT; /* missing, unreadable, ... */
		break;
	}
	err = errno;
	diag_add(&l->msg, 0, NULL, "%s", strerror(err));
	diag_status(&l->msg, status);
	return -1;
}

/* Records the error that stopped libyaml. */
static void
parser_error(struct loader *l)
{
	const yaml_parser_t *p = &l->parser;
	struct pos pos, cpos;
	const char *problem;

	problem = p->problem != NULL ? p->problem : "unknown YAML error";
	l->yaml_failed = 1;
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		loader_oom(l);
		return;
	case YAML_READER_ERROR:
		reader_error(l);
		break;
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
		pos = mark_pos(l, &p->problem_mark);
		cpos = mark_pos(l, &p->context_mark);
		/*
		 * The context helps when it points elsewhere, as in "did
		 * not find expected key (while parsing a block mapping at
		 * line 2, column 3)".
		 */
		if (p->context != NULL &&
		    (cpos.line != pos.line || cpos.col != pos.col))
			diag_add(&l->msg, 0, &pos, "%s (%s at line %u, column %u)",
			    problem, p->context, (unsigned)cpos.line,
			    (unsigned)cpos.col);
		else
			diag_add(&l->msg, 0, &pos, "%s", problem);
		break;
	default:
		diag_add(&l->msg, 0, NULL, "%s", problem);
		break;
	}
	l->fatal = 1;
}

/*
 * A reader error: our read(2) failed, or the input is not valid UTF-8.
 * libyaml gives a byte offset only, so the line and column are found by
 * reading the file again up to it (only on this error path).
 */
static void
reader_error(struct loader *l)
{
	const yaml_parser_t *p = &l->parser;
	struct pos pos;
	unsigned char byte;
	size_t off = p->problem_offset;
	int back;

	if (l->rerrno != 0) {
		diag_add(&l->msg, 0, NULL, "%s", strerror(l->rerrno));
		diag_status(&l->msg, l->rerrno == ENOMEM ? EX_OSERR : EX_IOERR);
		return;
	}
	/* A bad trailing octet is reported where its character starts. */
	back = strcmp(p->problem, "invalid trailing UTF-8 octet") == 0;
	if (p->encoding != YAML_UTF8_ENCODING ||
	    locate_offset(l, off, back, &pos, &byte) == -1) {
		diag_add(&l->msg, 0, NULL, "%s at byte offset %zu", p->problem,
		    p->problem_offset);
		return;
	}
	if (strcmp(p->problem, "control characters are not allowed") == 0) {
		if (p->problem_value < 0x100)
			diag_add(&l->msg, 0, &pos,
			    "control character 0x%02x is not allowed",
			    (unsigned)p->problem_value);
		else
			diag_add(&l->msg, 0, &pos, "character U+%04X is not allowed",
			    (unsigned)p->problem_value);
	} else
		diag_add(&l->msg, 0, &pos, "invalid UTF-8 (byte 0x%02x)", byte);
}

/*
 * Adds to *line the line breaks of the n bytes at b and sets *col to the
 * column after them, when the only breaks there are LF: no CR and no
 * byte that starts NEL, LS or PS.  Returns 1, or 0 (and changes
 * nothing) when b has such a byte.  The loop has no branch, so the
 * compiler vectorises it.
 */
static int
count_plain(const unsigned char *b, size_t n, size_t *line, size_t *col)
{
	size_t i, nl = 0, from = 0;
	unsigned special = 0;

	for (i = 0; i < n; i++) {
		special |= (b[i] == '\r') | (b[i] == 0xc2) | (b[i] == 0xe2);
		nl += b[i] == '\n';
	}
	if (special)
		return 0;
	if (nl > 0) {
		*line += nl;
		*col = 0;
		from = (size_t)((const unsigned char *)memrchr(b, '\n', n) -
		    b) + 1;
	}
	/* Columns count characters: skip UTF-8 continuation bytes. */
	for (i = from; i < n; i++)
		*col += (b[i] & 0xc0) != 0x80;
	return 1;
}

/*
 * Finds the line and column (counted as libyaml counts them: characters,
 * with CR LF, CR, LF, NEL, LS and PS as line breaks, a leading BOM not
 * counted) of the character at byte offset off of the file, and its
 * first byte; with back, of the character that the byte at off should
 * have continued.  Returns 0, or -1 when the file cannot be read again
 * (a pipe).
 */
static int
locate_offset(struct loader *l, size_t off, int back, struct pos *pos,
    unsigned char *byte)
{
	unsigned char c = 0, p1 = 0, p2 = 0;
	size_t i, start = 0, line = 0, col = 0, n = 0, lead, skip = 0;
	ssize_t got = 0;

	if (back) {
		/*
		 * The bytes between the lead byte and off were continuation
		 * bytes (libyaml checked them); go back over them.
		 */
		lead = off;
		do {
			if (lead == 0 ||
			    pread(l->fd, &c, 1, (off_t)--lead) != 1)
				return -1;
		} while ((c & 0xc0) == 0x80 && off - lead < 4);
		off = lead;
	}
	for (i = 0; i <= off; i++) {
		if (i - start == n) {
			start = i;
			got = pread(l->fd, l->rbuf, READ_BUF, (off_t)i);
			if (got <= 0)
				return -1;
			n = (size_t)got;
			/* libyaml drops a leading BOM before counting. */
			if (i == 0 && n >= 3 &&
			    memcmp(l->rbuf, "\xef\xbb\xbf", 3) == 0)
				skip = 3;
			/*
			 * A whole chunk before off, not continuing a break or
			 * a character from the last one: count it at once
			 * (a large file's split is found this way).
			 */
			if (i >= skip && i + n <= off && p1 != '\r' &&
			    p1 != 0xc2 && p1 != 0xe2 && p2 != 0xe2 &&
			    count_plain(l->rbuf, n, &line, &col)) {
				p2 = n > 1 ? l->rbuf[n - 2] : p1;
				p1 = l->rbuf[n - 1];
				i += n - 1;
				continue;
			}
		}
		c = l->rbuf[i - start];
		if (i == off)
			break;
		if (i < skip) {
			/* Part of the BOM: not a character. */
		} else if (c == '\n') {
			if (p1 != '\r') {
				line++;
				col = 0;
			}
		} else if (c == '\r' || (c == 0x85 && p1 == 0xc2) ||
		    ((c == 0xa8 || c == 0xa9) && p1 == 0x80 && p2 == 0xe2)) {
			line++;
			col = 0;
		} else if ((c & 0xc0) != 0x80)
			col++;
		p2 = p1;
		p1 = c;
	}
	pos->line = line + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(line + 1);
	pos->col = col + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(col + 1);
	*byte = c;
	return 0;
}


/* ---- the interface ---- */

/* ---- loading ---- */

/*
 * Gives l a new, empty alias file.  Returns 0, or -1 when out of memory.
 */
static int
loader_af(struct loader *l)
{
	if ((l->af = calloc(1, sizeof(*l->af))) == NULL)
		return -1;
	arena_init(&l->af->arena);
	l->af->path = arena_strndup(&l->af->arena, l->msg.path, strlen(l->msg.path));
	return l->af->path == NULL ? -1 : 0;
}

/*
 * Returns a loader for path with an empty alias file and no input yet,
 * or NULL when out of memory.  Free with loader_clear() and free().
 */
static struct loader *
loader_new(const char *path, struct af_diag *diag)
{
	struct loader *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->msg.path = path;
	l->msg.out = diag;
	l->fd = -1;
	digest_init(&l->dg);
	if ((l->rbuf = malloc(READ_BUF)) == NULL || loader_af(l) == -1) {
		loader_clear(l);
		free(l);
		return NULL;
	}
	return l;
}

/* Frees what l holds, except its fd; the alias file too, if any. */
static void
loader_clear(struct loader *l)
{
	size_t i;

	if (l->parser_ok)
		yaml_parser_delete(&l->parser);
	l->parser_ok = 0;
	free(l->tbuf);
	l->tbuf = NULL;
	free(l->rbuf);
	l->rbuf = NULL;
	for (i = 0; i < l->msg.nmsgs; i++)
		free(l->msg.msgs[i].text);
	free(l->msg.msgs);
	l->msg.msgs = NULL;
	l->msg.nmsgs = 0;
	af_free(l->af);
	l->af = NULL;
}

/*
 * Forgets everything l has read, to read the same fd again from its
 * start.  Returns 0, or -1 when out of memory.
 */
static int
loader_reset(struct loader *l)
{
	const char *path = l->msg.path;
	struct af_diag *diag = l->msg.out;
	int fd = l->fd;

	loader_clear(l);
	memset(l, 0, sizeof(*l));
	l->msg.path = path;
	l->msg.out = diag;
	l->fd = fd;
	digest_init(&l->dg);
	if ((l->rbuf = malloc(READ_BUF)) == NULL)
		return -1;
	return loader_af(l);
}

/* Walks every event of l's input (or part) until the end or a stop. */
static void
parse(struct loader *l)
{
	yaml_event_t ev;
	yaml_event_type_t type;

	if (!yaml_parser_initialize(&l->parser)) {
		loader_oom(l);
		return;
	}
	l->parser_ok = 1;
	yaml_parser_set_input(&l->parser, read_handler, l);
	do {
		if (!yaml_parser_parse(&l->parser, &ev)) {
			parser_error(l);
			break;
		}
		walk(l, &ev);
		type = ev.type;
		yaml_event_delete(&ev);
	} while (type != YAML_STREAM_END_EVENT && !l->fatal);
	/* libyaml's buffers are not needed for the checks and the sort. */
	yaml_parser_delete(&l->parser);
	l->parser_ok = 0;
	free(l->tbuf);
	l->tbuf = NULL;
	l->tlen = l->tcap = 0;
}

static int
is_alnum_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/*
 * Where a large file can be cut in two: the start of a line near the
 * middle that begins with exactly two blanks and then what can start a
 * key (a letter, a digit or a quote), as every alias of a file in the
 * usual layout does.  Whether the cut really falls between two aliases
 * is only known after parsing (parts_joinable()).  Returns the offset,
 * or -1 when none was found.
 */
static off_t
find_split(struct loader *l, off_t size)
{
	const unsigned char *b = l->rbuf;
	off_t off;
	ssize_t n;
	size_t i;
	int tries;

	for (off = size / 2, tries = 0; off < size && tries < SPLIT_TRIES;
	    tries++) {
		if ((n = pread(l->fd, l->rbuf, READ_BUF, off)) <= 0)
			return -1;
		for (i = 0; i + 3 < (size_t)n; i++)
			if (b[i] == '\n' && b[i + 1] == ' ' && b[i + 2] == ' ' &&
			    (is_alnum_byte(b[i + 3]) || b[i + 3] == '"' ||
			    b[i + 3] == '\''))
				return off + (off_t)i + 1;
		off += n - 3;
	}
	return -1;
}

/*
 * The tail's thread: counts the lines before the split as libyaml
 * counts them (its made-up first line stands for the last of those),
 * then parses the tail.
 */
static void *
tail_thread(void *arg)
{
	struct loader *t = arg;
	struct pos pos;
	unsigned char byte;

	if (locate_offset(t, (size_t)t->roff, 0, &pos, &byte) == -1 ||
	    pos.line < 2 || pos.line == UINT32_MAX) {
		t->bad_split = 1;
		return NULL;
	}
	t->line_off = pos.line - 2;
	parse(t);
	return NULL;
}

/*
 * Nonzero when the head and the tail read as the whole file would: the
 * head ends inside a block "aliases:" mapping whose keys are at column
 * 3, like the key at the split, and nothing went wrong.  Anything else
 * in the way (a cut inside a quoted or flow scalar, which leaves the
 * head unfinished; another top-level key after the aliases; a second
 * document; a syntax or encoding error; a YAML feature we refuse; any
 * error at all, whose messages a serial parse gives in its own words,
 * as after a duplicate "aliases:" key, where the head may end inside a
 * value the walk skips and the tail would be read as aliases) sends the
 * file to a serial parse.
 */
static int
parts_joinable(const struct loader *h, const struct loader *t)
{
	return !h->yaml_failed && !t->yaml_failed && !h->fatal &&
	    !t->fatal && h->msg.nerrors == 0 && t->msg.nerrors == 0 &&
	    !h->bad_split && !t->bad_split && !h->explicit_end &&
	    h->ndocs == 1 && t->ndocs == 1 && h->top_key == K_ALIASES &&
	    h->alias_col == 3 && h->depth == 0 && t->depth == 0 &&
	    t->af->ndomains == 0 && h->msg.status != EX_OSERR &&
	    t->msg.status != EX_OSERR;
}

/*
 * Moves n records from *srcp to dst, from the end in steps of
 * MOVE_STEP, shrinking the source array after each step (in place:
 * realloc() to a smaller size), so that the two arrays are never both
 * whole in memory: for a 1M-alias file, 32 MB less at compile's peak.
 * *srcp may change; it is still the caller's to free.
 */
static void
move_aliases(struct af_alias *dst, struct af_alias **srcp, size_t n)
{
	struct af_alias *src = *srcp, *s;
	size_t off;

	while (n > 0) {
		off = n > MOVE_STEP ? n - MOVE_STEP : 0;
		memcpy(dst + off, src + off, (n - off) * sizeof(*src));
		n = off;
		/* A failed shrink only keeps the memory a while longer. */
		if (n > 0 && (s = realloc(src, n * sizeof(*src))) != NULL)
			src = s;
	}
	*srcp = src;
}

/*
 * Appends the tail's aliases, strings and messages to the head's.
 * Returns 0, or -1 when out of memory.
 */
static int
join_tail(struct loader *h, struct loader *t)
{
	struct aliasfile *af = h->af, *taf = t->af;
	struct af_alias *a;
	size_t i, need = af->naliases + taf->naliases;

	if (need > h->acap) {
		/* Large arrays grow in place (mremap): no second copy. */
		if ((a = realloc(af->aliases, need * sizeof(*a))) == NULL)
			return -1;
		af->aliases = a;
		h->acap = need;
	}
	move_aliases(af->aliases + af->naliases, &taf->aliases,
	    taf->naliases);
	taf->naliases = 0;
	af->naliases = need;
	arena_adopt(&af->arena, &taf->arena);
	h->unresolved += t->unresolved;
	if (t->msg.nmsgs > 0 && h->msg.msgs == NULL &&
	    (h->msg.msgs = calloc(AF_DIAG_MAX, sizeof(*h->msg.msgs))) == NULL)
		return -1;
	for (i = 0; i < t->msg.nmsgs; i++) {
		if (h->msg.nmsgs < AF_DIAG_MAX) {
			h->msg.msgs[h->msg.nmsgs] = t->msg.msgs[i];
			h->msg.msgs[h->msg.nmsgs++].seq = h->msg.seq++;
		} else
			free(t->msg.msgs[i].text);
	}
	t->msg.nmsgs = 0;
	h->msg.nerrors += t->msg.nerrors;
	h->msg.nwarnings += t->msg.nwarnings;
	diag_status(&h->msg, t->msg.status);
	return 0;
}

/*
 * Parses a large file in two parts at once, one per core: libyaml is
 * most of the time of a load, and it cannot be made faster from here.
 * Returns 0 when l holds the whole file, or -1 (l must be reset and the
 * file parsed serially).
 */
static int
parse_parallel(struct loader *l, off_t size)
{
	struct loader *t;
	pthread_t th;
	off_t split;
	int rc = -1;

	if ((split = find_split(l, size)) == -1 ||
	    (t = loader_new(l->msg.path, l->msg.out)) == NULL)
		return -1;
	t->fd = l->fd;
	t->part = PART_TAIL;
	t->roff = split;
	t->rend = size;
	t->prefix = TAIL_PREFIX;
	t->prefixlen = sizeof(TAIL_PREFIX) - 1;
	l->part = PART_HEAD;
	l->roff = 0;
	l->rend = split;
	if (pthread_create(&th, NULL, tail_thread, t) != 0) {
		l->part = PART_WHOLE;
		goto out;
	}
	parse(l);
	pthread_join(th, NULL);
	if (parts_joinable(l, t) && join_tail(l, t) == 0) {
		l->af->source = (struct policy_source){
			.size = l->dg.total + t->dg.total,
			.split = (uint64_t)split,
			.head = digest_final(&l->dg),
			.tail = digest_final(&t->dg),
			/* parts_joinable() checked the rest. */
			.windows = l->aliases_block,
		};
		rc = 0;
	}
out:
	t->fd = -1;
	loader_clear(t);
	free(t);
	return rc;
}

int
af_load(const char *path, struct aliasfile **afp, struct af_diag *diag)
{
	return af_load_opts(path, 0, afp, diag);
}

int
af_load_opts(const char *path, unsigned flags, struct aliasfile **afp,
    struct af_diag *diag)
{
	struct loader *l;
	struct aliasfile *af;
	struct af_alias *a;
	struct stat st;
	size_t nerrors;

	*afp = NULL;
	if ((l = loader_new(path, diag)) == NULL) {
		diag->nerrors++;
		diag->status = EX_OSERR;
		return -1;
	}
	if (open_input(l) == -1)
		goto fail;
	diag->parts = 2;
	if ((flags & AF_LOAD_SERIAL) || fstat(l->fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_size < PARALLEL_MIN ||
	    parse_parallel(l, st.st_size) == -1) {
		diag->parts = 1;
		if (l->part != PART_WHOLE && loader_reset(l) == -1) {
			loader_oom(l);
			goto fail;
		}
		parse(l);
		l->af->source = (struct policy_source){
			.size = l->dg.total,
			.split = l->dg.total,
			.head = digest_final(&l->dg),
			.tail = digest_of("", 0),
			.windows = l->aliases_block && l->alias_col == 3 &&
			    l->top_key == K_ALIASES,
		};
	}
	free(l->rbuf);
	l->rbuf = NULL;
	close(l->fd);
	l->fd = -1;

	af = l->af;
	if (!l->fatal)
		check_all(l->af, l->unresolved, &l->msg);
	if (l->msg.nerrors > 0)
		goto fail;
	/* Give back the unused end of the array (in place, for large ones). */
	if (af->naliases > 0 && af->naliases < l->acap &&
	    (a = realloc(af->aliases, af->naliases * sizeof(*a))) != NULL)
		af->aliases = a;
	l->af = NULL;
	diag_flush(&l->msg);
	loader_clear(l);
	free(l);
	*afp = af;
	return 0;
fail:
	if (l->fd != -1)
		close(l->fd);
	nerrors = l->msg.nerrors;
	diag_flush(&l->msg);
	/* Every failure has said why; this only guards the contract. */
	if (nerrors == 0) {
		diag->nerrors++;
		if (diag->status == 0)
			diag->status = EX_SOFTWARE;
	}
	loader_clear(l);
	free(l);
	return -1;
}

int
af_head_map(const char *text, size_t len, char *buf, size_t bufsize)
{
	yaml_parser_t p;
	yaml_event_t ev;
	size_t depth = 0;
	int rc = -1, want_map = 0, key = 1, done = 0;

	buf[0] = '\0';
	if (!yaml_parser_initialize(&p))
		return -1;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev))
			break;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			/* depth 1 is the root mapping; values nest deeper. */
			if (++depth == 1 &&
			    ev.type == YAML_SEQUENCE_START_EVENT)
				done = 1;
			if (depth == 2)
				key = 0;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (--depth == 1)
				key = 1;
			else if (depth == 0)
				done = 1;	/* no "aliases:" */
			break;
		case YAML_SCALAR_EVENT:
			if (depth != 1) {
				done = depth == 0;
				break;
			}
			if (!key) {
				if (want_map && !is_null(&ev) &&
				    scalar_len(&ev) > 0) {
					if (scalar_len(&ev) >= bufsize ||
					    has_control(scalar(&ev),
					    scalar_len(&ev))) {
						done = 1;
						break;
					}
					memcpy(buf, scalar(&ev),
					    scalar_len(&ev) + 1);
				}
				want_map = 0;
				key = 1;
				break;
			}
			if (strcmp(scalar(&ev), "aliases") == 0) {
				rc = 0;
				done = 1;
			}
			want_map = strcmp(scalar(&ev), "map") == 0;
			key = 0;
			break;
		default:	/* an alias, the end of the document */
			done = 1;
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == -1)
		buf[0] = '\0';
	return rc;
}

/*
 * Loads the len bytes at text as one part of a file, after prefix: the
 * tail of a file (a window) or its head, which is also checked as a
 * whole file with no aliases.  Returns 0 and a new aliasfile in *afp,
 * or -1 when it has any error.
 */
static int
load_mem(const char *text, size_t len, int part, const char *prefix,
    struct aliasfile **afp)
{
	struct af_diag diag;
	struct loader *l;
	int rc = -1;

	*afp = NULL;
	af_diag_init(&diag);
	if ((l = loader_new(part == PART_HEAD ? "(head)" : "(window)",
	    &diag)) == NULL)
		goto out;
	l->part = part;
	l->mem = text;
	l->roff = 0;
	l->rend = (off_t)len;
	l->prefix = prefix;
	l->prefixlen = strlen(prefix);
	parse(l);
	if (part == PART_HEAD && l->af->naliases > 0)
		goto done;
	if (part == PART_HEAD && l->msg.nerrors == 0 && !l->fatal &&
	    !l->yaml_failed)
		check_all(l->af, l->unresolved, &l->msg);
	if (l->msg.nerrors == 0 && !l->fatal && !l->yaml_failed &&
	    l->ndocs == 1 && l->depth == 0) {
		*afp = l->af;
		l->af = NULL;
		rc = 0;
	}
done:
	loader_clear(l);
	free(l);
out:
	af_diag_free(&diag);
	return rc;
}

int
af_window_load(const char *text, size_t len, struct aliasfile **afp)
{
	return load_mem(text, len, PART_TAIL, TAIL_PREFIX, afp);
}

int
af_head_load(const char *text, size_t len, struct aliasfile **afp)
{
	return load_mem(text, len, PART_HEAD, "", afp);
}

void
af_free(struct aliasfile *af)
{
	if (af == NULL)
		return;
	free(af->domains);
	free(af->aliases);
	free(af->sorted);
	arena_free(&af->arena);
	free(af);
}

int
af_find_domain(const struct aliasfile *af, const char *name)
{
	size_t i;

	/* A handful of domains: a loop beats keeping an index. */
	for (i = 0; i < af->ndomains; i++)
		if (strcmp(af->domains[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct af_alias *
af_find_alias(const struct aliasfile *af, const char *key)
{
	const struct af_alias *a;
	size_t lo = 0, hi = af->naliases, mid;
	int c;

	if (af->sorted == NULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		a = &af->aliases[af->sorted[mid]];
		if ((c = strcmp(a->key, key)) == 0)
			return a;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
af_alias_target(const struct aliasfile *af, const struct af_alias *a)
{
	return a->to != NULL ? a->to : af->domains[a->domain].deliver_to;
}

