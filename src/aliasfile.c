/*
 * aliasfile.c: loads the YAML alias file (aliases.yaml(5)).  The only
 * file that uses libyaml.
 *
 * The file is read through libyaml's event API: the document API builds
 * the whole tree (too much memory for a million aliases) and expands
 * YAML aliases, which is how an "alias bomb" eats a machine.  Events are
 * walked by a small state machine: a stack of frames, one per mapping or
 * sequence we are inside, each knowing which key's value comes next.
 * Nodes that cannot be used (a value of the wrong kind, a bad key) are
 * skipped by counting their nesting, so one mistake does not hide the
 * errors after it: every semantic error in the file is collected, each
 * "FILE:LINE:COLUMN: message", and sorted by position at the end.
 *
 * Anchors, aliases, tags, merge keys and a second document stop the
 * walk at once: the data they stand for is missing from the events, so
 * carrying on would only report errors that are not really there.  The
 * same goes for syntax errors, after which libyaml cannot go on.
 *
 * Checks that need the whole file (an alias's domain may be listed after
 * it; duplicates) run after the walk.  Duplicates are found by sorting:
 * the sorted index is what compile needs anyway, to write the map's keys
 * in order.
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
#include "util.h"

#define READ_BUF     (64 * 1024) /* bytes per read(2) */
#define STACK_MAX    4           /* top, domains/aliases, settings, targets */
#define NEST_MAX     64          /* deeper YAML nesting stops the walk */
#define TARGETS_MAX  1000        /* Postfix's virtual_alias_expansion_limit */
#define QUOTE_MAX    80          /* bytes of user text quoted in a message */
#define QUOTE_BUF    (QUOTE_MAX * 4 + 4)
#define SUBADDR_MAX  15         /* sizeof(af_domain.subaddress) - 1 */
#define DOMAINS_MAX  65535      /* af_alias.domain is a uint16_t, */
#define DOMAIN_UNSET UINT16_MAX /* which is this until resolved */
#define SORT_SMALL   64         /* ranges this short are insertion sorted */
#define PARALLEL_MIN (1024 * 1024) /* smaller files are parsed in one go */
#define SPLIT_TRIES  64         /* READ_BUF windows searched for a split */
#define TAIL_PREFIX  AF_WINDOW_PREFIX

/* Which part of the file a loader parses. */
enum part {
	PART_WHOLE, /* all of it, with read(2): also a pipe */
	PART_HEAD,  /* [0, split) */
	PART_TAIL   /* TAIL_PREFIX, then [split, end of file) */
};

/* The mappings and sequences whose contents the walk understands. */
enum ctx {
	CTX_TOP,     /* the top-level mapping */
	CTX_DOMAINS, /* "domains:" */
	CTX_DOMAIN,  /* one domain's settings */
	CTX_ALIASES, /* "aliases:" */
	CTX_ALIAS,   /* one alias's settings */
	CTX_TARGETS  /* a list of addresses (deliver_to, to) */
};

/* What the next node of a mapping is. */
enum key {
	K_NONE,   /* a key */
	K_IGNORE, /* the value of a rejected key: skipped */
	K_ENTRY,  /* the settings of a domain or an alias */
	K_MAP,
	K_DOMAINS,
	K_ALIASES,
	K_DELIVER_TO,
	K_SUBADDRESS,
	K_TO,
	K_NOTE,
	K_CREATED,
	K_REVOKED,
	K_REASON,
	K_RECEIVE_ONLY,
	K_EXPIRES,
	K_COUNT
};

/* A position in the file, 1-based; line 0 means none. */
struct pos {
	uint32_t line;
	uint32_t col;
};

struct frame {
	enum ctx ctx;
	enum key key;             /* what comes next; for CTX_TARGETS, whose */
	struct pos start;         /* where the node starts */
	struct pos kpos;          /* the key whose value comes next */
	size_t nkeys;             /* keys seen so far */
	struct pos seen[K_COUNT]; /* where each known key was seen */
};

/* A diagnostic waiting to be sorted by position. */
struct pending {
	struct pos pos;
	size_t seq; /* keeps the order found among equals */
	char *text;
};

/* The radix sort's arrays: a chunk of each key next to its index. */
struct sorter {
	uint64_t *chunk;
	uint32_t *idx;
	const struct af_alias *aliases;
	int dups; /* equal keys were seen */
};

/* A domain name and its index, to sort and search domains by name. */
struct dname {
	const char *name;
	uint32_t idx;
};

struct loader {
	const char *path;
	int fd;
	struct aliasfile *af;
	size_t acap; /* capacity of af->aliases */
	size_t dcap; /* capacity of af->domains */

	/* Reading. */
	yaml_parser_t parser;
	int parser_ok;
	unsigned char *rbuf;
	size_t rlen;
	size_t rpos;
	int rerrno; /* errno of a failed read(2), else 0 */

	/*
	 * A large file is parsed in two parts by two threads (see
	 * parse_parallel()).  A part reads [roff, rend) with pread(2), the
	 * tail part after a made-up "aliases:" line.
	 */
	int part;           /* PART_WHOLE, PART_HEAD or PART_TAIL */
	off_t roff;         /* next offset to read */
	off_t rend;         /* where the part ends */
	const char *prefix; /* handed to libyaml before the file's bytes */
	size_t prefixlen;
	size_t line_off;    /* lines before the part, in the whole file */
	int yaml_failed;    /* libyaml stopped with an error */
	int explicit_end;   /* a "..." document end marker was seen */
	int bad_split;      /* the parts cannot be joined: parse serially */
	int top_key;        /* the last key read at the top level */
	uint32_t alias_col; /* the column of the last alias key */
	int aliases_block;  /* "aliases:" is a block mapping */
	struct digest dg;   /* of the bytes read (not the prefix) */
	const char *mem;    /* a part read from memory, not from fd */

	/* The walk. */
	struct frame stack[STACK_MAX];
	size_t depth; /* frames in stack */
	size_t skip;  /* nesting depth of the node being skipped */
	size_t ndocs;
	int root_seen; /* the document had a non-empty root */
	int fatal;     /* stop walking: the rest cannot be trusted */

	/* The domain or alias whose settings are being read. */
	struct af_domain dom;
	int dom_ok;            /* dom.name is a valid domain */
	struct af_alias alias; /* alias.key is NULL when invalid */
	size_t lastdom;        /* the domain of the last alias */
	size_t unresolved;     /* aliases whose domain was not yet known */

	/* A list of targets being built, "a, b, c". */
	char *tbuf;
	size_t tlen;
	size_t tcap;
	size_t tcount;
	int tbad;                 /* some target was rejected */
	size_t toff[TARGETS_MAX]; /* where each target starts in tbuf */

	/* Diagnostics, sorted into diag at the end. */
	struct af_diag *diag;
	struct pending *msgs;
	size_t nmsgs;
	size_t seq;
	size_t nerrors;
	size_t nwarnings;
	int status;
};

/* Per key: its name, the mapping it belongs to, what its value is. */
static const struct keydef {
	const char *name;
	enum ctx ctx;
	const char *want;
} keydefs[K_COUNT] = {
    [K_MAP] = {"map", CTX_TOP, "a path"},
    [K_DOMAINS] = {"domains", CTX_TOP, "a mapping"},
    [K_ALIASES] = {"aliases", CTX_TOP, "a mapping"},
    [K_DELIVER_TO] = {"deliver_to", CTX_DOMAIN,
	"an address or a list of addresses"},
    [K_SUBADDRESS] = {"subaddress", CTX_DOMAIN, "a string"},
    [K_TO] = {"to", CTX_ALIAS, "an address or a list of addresses"},
    [K_NOTE] = {"note", CTX_ALIAS, "a string"},
    [K_CREATED] = {"created", CTX_ALIAS, "a date"},
    [K_REVOKED] = {"revoked", CTX_ALIAS, "a date"},
    [K_REASON] = {"reason", CTX_ALIAS, "a string"},
    [K_RECEIVE_ONLY] = {"receive_only", CTX_ALIAS, "true or false"},
    [K_EXPIRES] = {"expires", CTX_ALIAS, "a date"},
};

static void diag_add(struct loader *, int, const struct pos *, const char *,
    ...) __attribute__((format(printf, 4, 5)));
static void diag_status(struct loader *, int);
static int pending_cmp(const void *, const void *);
static void diag_flush(struct loader *);
static void oom(struct loader *);
static const char *quote(const char *, size_t, char *);

static int read_handler(void *, unsigned char *, size_t, size_t *);
static int part_read(struct loader *, unsigned char *, size_t, size_t *);
static struct loader *loader_new(const char *, struct af_diag *);
static void loader_clear(struct loader *);
static int loader_reset(struct loader *);
static int loader_af(struct loader *);
static void parse(struct loader *);
static int parse_parallel(struct loader *, off_t);
static off_t find_split(struct loader *, off_t);
static int is_alnum_byte(unsigned char);
static void *tail_thread(void *);
static int parts_joinable(const struct loader *, const struct loader *);
static int join_tail(struct loader *, struct loader *);
static int open_input(struct loader *);
static void parser_error(struct loader *);
static void reader_error(struct loader *);
static int count_plain(const unsigned char *, size_t, size_t *, size_t *);
static int locate_offset(
    struct loader *, size_t, int, struct pos *, unsigned char *);

static struct pos mark_pos(const struct loader *, const yaml_mark_t *);
static const char *scalar(const yaml_event_t *);
static size_t scalar_len(const yaml_event_t *);
static int is_null(const yaml_event_t *);
static int is_start(const yaml_event_t *);
static const char *node_kind(const yaml_event_t *);
static int has_control(const char *, size_t);
static int ascii_casecmp(const char *, const char *, size_t);
static int is_textblank(int);

static void walk(struct loader *, const yaml_event_t *);
static void walk_root(struct loader *, const yaml_event_t *);
static void walk_key(struct loader *, struct frame *, const yaml_event_t *);
static void walk_value(struct loader *, struct frame *, const yaml_event_t *);
static void walk_target(struct loader *, struct frame *, const yaml_event_t *);
static void push(struct loader *, enum ctx, enum key, const yaml_event_t *);
static void pop(struct loader *);
static void wrong_kind(
    struct loader *, const yaml_event_t *, const char *, const char *);

static void domain_start(struct loader *, const yaml_event_t *);
static void domain_end(struct loader *, const struct frame *, int);
static void alias_start(struct loader *, const yaml_event_t *);
static void alias_end(struct loader *, const struct frame *);
static void targets_start(struct loader *);
static void targets_add(struct loader *, enum key, const yaml_event_t *);
static void targets_end(struct loader *, enum key, const struct pos *);
static void set_map(struct loader *, const yaml_event_t *);
static void set_subaddress(struct loader *, const yaml_event_t *);
static void set_text(
    struct loader *, enum key, const yaml_event_t *, const char **);
static void set_date(
    struct loader *, enum key, const yaml_event_t *, int32_t *);
static void set_receive_only(struct loader *, const yaml_event_t *);

static void check_all(struct loader *);
static int dname_cmp(const void *, const void *);
static void check_domains(struct loader *, struct dname *);
static void check_alias_domains(struct loader *, const struct dname *);
static void check_duplicates(struct loader *);
static void check_subaddress(struct loader *);
static int find_dname(const struct aliasfile *, const struct dname *,
    const char *, size_t);
static void check_target(struct loader *, const struct dname *,
    const char *, size_t, const char *, const struct pos *);
static void check_target_list(struct loader *, const struct dname *,
    const char *, const char *, const struct pos *);
static void check_targets(struct loader *, const struct dname *);
static int is_always(const char *);

static uint16_t domain_index(struct loader *, const struct addr *);

static int sort_aliases(struct aliasfile *, int *);
static uint64_t key_chunk(const char *, size_t);
static void reload(struct sorter *, size_t, size_t, size_t);
static void sort_range(struct sorter *, size_t, size_t, unsigned, size_t);
static void sort_small(struct sorter *, size_t, size_t, size_t);
static void sort_equal(struct sorter *, size_t, size_t);
static int u32_cmp(const void *, const void *);

/* ---- diagnostics ---- */

void
af_diag_init(struct af_diag *d)
{
	d->msgs = NULL;
	d->nmsgs = 0;
	d->nerrors = 0;
	d->nwarnings = 0;
	d->status = 0;
	d->parts = 0;
}

void
af_diag_free(struct af_diag *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nmsgs; i++)
		free(d->msgs[i]);
	free(d->msgs);
	af_diag_init(d);
}

/*
 * Records an error (warning 0) or a warning at pos (NULL: the file as a
 * whole).  Messages past AF_DIAG_MAX are only counted.
 */
static void
diag_add(
    struct loader *l, int warning, const struct pos *pos, const char *fmt, ...)
{
	struct pending *p;
	char head[64], body[1024];
	size_t len;
	va_list ap;

	if (warning)
		l->nwarnings++;
	else {
		l->nerrors++;
		diag_status(l, EX_DATAERR);
	}
	if (l->nmsgs >= AF_DIAG_MAX)
		return;
	if (l->msgs == NULL &&
	    (l->msgs = calloc(AF_DIAG_MAX, sizeof(*l->msgs))) == NULL)
		goto fail;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (pos != NULL && pos->line != 0)
		snprintf(head, sizeof(head), ":%u:%u", (unsigned)pos->line,
		    (unsigned)pos->col);
	else
		head[0] = '\0';
	len = strlen(l->path) + strlen(head) + strlen(body) + 16;
	p = &l->msgs[l->nmsgs];
	if ((p->text = malloc(len)) == NULL)
		goto fail;
	snprintf(p->text, len, "%s%s: %s%s", l->path, head,
	    warning ? "warning: " : "", body);
	p->pos = pos != NULL ? *pos : (struct pos){0, 0};
	p->seq = l->seq++;
	l->nmsgs++;
	return;
fail:
	diag_status(l, EX_OSERR);
}

/*
 * Keeps the most telling sysexits code: a machine problem outranks a
 * missing file, which outranks bad content.
 */
static void
diag_status(struct loader *l, int status)
{
	static const int rank[] = {EX_DATAERR, EX_NOINPUT, EX_IOERR, EX_OSERR};
	int i, old = -1, new = -1;

	for (i = 0; i < (int)(sizeof(rank) / sizeof(rank[0])); i++) {
		if (rank[i] == l->status)
			old = i;
		if (rank[i] == status)
			new = i;
	}
	if (new > old)
		l->status = status;
}

static int
pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Moves the messages into the caller's diag in file order (those
 * without a position first), with the counts and the status.
 */
static void
diag_flush(struct loader *l)
{
	struct af_diag *d = l->diag;
	char **msgs;
	size_t i;

	if (l->nmsgs > 0) {
		qsort(l->msgs, l->nmsgs, sizeof(*l->msgs), pending_cmp);
		msgs = realloc(d->msgs, (d->nmsgs + l->nmsgs) * sizeof(*msgs));
		if (msgs == NULL) {
			diag_status(l, EX_OSERR);
			for (i = 0; i < l->nmsgs; i++)
				free(l->msgs[i].text);
		} else {
			d->msgs = msgs;
			for (i = 0; i < l->nmsgs; i++)
				d->msgs[d->nmsgs++] = l->msgs[i].text;
		}
	}
	free(l->msgs);
	l->msgs = NULL;
	l->nmsgs = 0;
	d->nerrors += l->nerrors;
	d->nwarnings += l->nwarnings;
	if (l->status != 0)
		d->status = l->status;
}

/* Out of memory: says so once and stops the walk. */
static void
oom(struct loader *l)
{
	if (!l->fatal || l->status != EX_OSERR)
		diag_add(l, 0, NULL, "out of memory");
	diag_status(l, EX_OSERR);
	l->fatal = 1;
}

/*
 * Writes user text (len bytes of s) into buf (QUOTE_BUF bytes) for a
 * message: control bytes as \xNN, cut with "..." after QUOTE_MAX bytes
 * (at a UTF-8 character boundary; libyaml has checked the encoding).
 * Returns buf.
 */
static const char *
quote(const char *s, size_t len, char *buf)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n, o = 0;

	n = len;
	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n > 0 && (u[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			o += (size_t)snprintf(
			    buf + o, QUOTE_BUF - o, "\\x%02x", u[i]);
		else
			buf[o++] = (char)u[i];
	}
	if (n < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

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
 * Opens l->path for reading.  Returns 0, or -1 with the error recorded.
 */
static int
open_input(struct loader *l)
{
	struct stat st;
	int status, err;

	if ((l->fd = open(l->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(l->fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		diag_add(l, 0, NULL, "is a directory");
		diag_status(l, EX_NOINPUT);
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
	diag_add(l, 0, NULL, "%s", strerror(err));
	diag_status(l, status);
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
		oom(l);
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
			diag_add(l, 0, &pos, "%s (%s at line %u, column %u)",
			    problem, p->context, (unsigned)cpos.line,
			    (unsigned)cpos.col);
		else
			diag_add(l, 0, &pos, "%s", problem);
		break;
	default:
		diag_add(l, 0, NULL, "%s", problem);
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
		diag_add(l, 0, NULL, "%s", strerror(l->rerrno));
		diag_status(l, l->rerrno == ENOMEM ? EX_OSERR : EX_IOERR);
		return;
	}
	/* A bad trailing octet is reported where its character starts. */
	back = strcmp(p->problem, "invalid trailing UTF-8 octet") == 0;
	if (p->encoding != YAML_UTF8_ENCODING ||
	    locate_offset(l, off, back, &pos, &byte) == -1) {
		diag_add(l, 0, NULL, "%s at byte offset %zu", p->problem,
		    p->problem_offset);
		return;
	}
	if (strcmp(p->problem, "control characters are not allowed") == 0) {
		if (p->problem_value < 0x100)
			diag_add(l, 0, &pos,
			    "control character 0x%02x is not allowed",
			    (unsigned)p->problem_value);
		else
			diag_add(l, 0, &pos, "character U+%04X is not allowed",
			    (unsigned)p->problem_value);
	} else
		diag_add(l, 0, &pos, "invalid UTF-8 (byte 0x%02x)", byte);
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

/* ---- events ---- */

static struct pos
mark_pos(const struct loader *l, const yaml_mark_t *m)
{
	struct pos p;
	size_t line = m->line + l->line_off;

	p.line = line >= UINT32_MAX ? UINT32_MAX : (uint32_t)line + 1;
	p.col = m->column >= UINT32_MAX ? UINT32_MAX : (uint32_t)m->column + 1;
	return p;
}

static const char *
scalar(const yaml_event_t *ev)
{
	return (const char *)ev->data.scalar.value;
}

static size_t
scalar_len(const yaml_event_t *ev)
{
	return ev->data.scalar.length;
}

/* An empty value: "key:", "key: ~", "key: null" (not quoted). */
static int
is_null(const yaml_event_t *ev)
{
	const char *s;
	size_t len;

	if (ev->type != YAML_SCALAR_EVENT ||
	    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = scalar(ev);
	len = scalar_len(ev);
	return len == 0 || (len == 1 && s[0] == '~') ||
	    (len == 4 &&
		(strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
		    strcmp(s, "NULL") == 0));
}

static int
is_start(const yaml_event_t *ev)
{
	return ev->type == YAML_MAPPING_START_EVENT ||
	    ev->type == YAML_SEQUENCE_START_EVENT;
}

static const char *
node_kind(const yaml_event_t *ev)
{
	if (ev->type == YAML_MAPPING_START_EVENT)
		return "a mapping";
	if (ev->type == YAML_SEQUENCE_START_EVENT)
		return "a sequence";
	return is_null(ev) ? "an empty value" : "a scalar";
}

/* Returns 1 when the len bytes of s hold a control byte. */
static int
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

/* Blanks that a note may hold: space, tab and line breaks. */
static int
is_textblank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Compares n bytes ignoring ASCII case, whatever the locale. */
static int
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

/* Handles one event. */
static void
walk(struct loader *l, const yaml_event_t *ev)
{
	struct frame *f;
	struct pos pos = mark_pos(l, &ev->start_mark);
	const yaml_char_t *anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		anchor = ev->data.alias.anchor;
		break;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	case YAML_DOCUMENT_START_EVENT:
		if (l->ndocs++ > 0) {
			diag_add(
			    l, 0, &pos, "only one YAML document is allowed");
			l->fatal = 1;
		} else if (ev->data.document_start.tag_directives.start !=
		    ev->data.document_start.tag_directives.end) {
			diag_add(l, 0, &pos, "YAML tags are not supported");
			l->fatal = 1;
		}
		return;
	case YAML_DOCUMENT_END_EVENT:
		if (!ev->data.document_end.implicit)
			l->explicit_end = 1;
		return;
	case YAML_STREAM_END_EVENT:
		if (!l->root_seen) {
			pos = (struct pos){1, 1};
			diag_add(l, 0, &pos,
			    "empty alias file: "
			    "expected a mapping with domains: and aliases:");
		}
		return;
	default:
		break;
	}
	/*
	 * Stop at the first anchor or alias: the walk never expands one
	 * (so an alias bomb costs nothing), but the values they stand for
	 * are then missing and the rest would be wrong errors.
	 */
	if (ev->type == YAML_ALIAS_EVENT || anchor != NULL) {
		diag_add(
		    l, 0, &pos, "YAML anchors and aliases are not supported");
		l->fatal = 1;
		return;
	}
	if (tag != NULL) {
		diag_add(l, 0, &pos, "YAML tags are not supported");
		l->fatal = 1;
		return;
	}

	if (l->skip > 0) {
		if (is_start(ev)) {
			if (++l->skip + l->depth > NEST_MAX) {
				diag_add(l, 0, &pos,
				    "YAML nesting deeper than %d levels",
				    NEST_MAX);
				l->fatal = 1;
			}
		} else if (ev->type == YAML_MAPPING_END_EVENT ||
		    ev->type == YAML_SEQUENCE_END_EVENT)
			l->skip--;
		return;
	}
	if (l->depth == 0) {
		walk_root(l, ev);
		return;
	}
	f = &l->stack[l->depth - 1];
	if (f->ctx == CTX_TARGETS)
		walk_target(l, f, ev);
	else if (ev->type == YAML_MAPPING_END_EVENT)
		pop(l);
	else if (f->key == K_NONE)
		walk_key(l, f, ev);
	else
		walk_value(l, f, ev);
}

/* The document's root node. */
static void
walk_root(struct loader *l, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);

	switch (ev->type) {
	case YAML_MAPPING_START_EVENT:
		l->root_seen = 1;
		push(l, CTX_TOP, K_NONE, ev);
		break;
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		/* "---" alone, or "~", is as empty as an empty file. */
		if (is_null(ev))
			break;
		l->root_seen = 1;
		diag_add(l, 0, &pos,
		    "expected a mapping at the top level, found %s",
		    node_kind(ev));
		if (is_start(ev))
			l->skip = 1;
		break;
	default:
		break;
	}
}

/* A key in a mapping frame. */
static void
walk_key(struct loader *l, struct frame *f, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	const char *s;
	size_t len;
	char q[QUOTE_BUF];
	int k;

	f->kpos = pos;
	f->nkeys++;
	if (ev->type != YAML_SCALAR_EVENT) {
		diag_add(l, 0, &pos, "expected a scalar key, found %s",
		    node_kind(ev));
		if (is_start(ev))
			l->skip = 1;
		f->key = K_IGNORE;
		return;
	}
	s = scalar(ev);
	len = scalar_len(ev);
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && len == 2 &&
	    s[0] == '<' && s[1] == '<') {
		diag_add(l, 0, &pos, "YAML merge keys are not supported");
		l->fatal = 1;
		return;
	}
	switch (f->ctx) {
	case CTX_DOMAINS:
		domain_start(l, ev);
		f->key = K_ENTRY;
		return;
	case CTX_ALIASES:
		alias_start(l, ev);
		f->key = K_ENTRY;
		return;
	default:
		break;
	}
	for (k = K_MAP; k < K_COUNT; k++)
		if (keydefs[k].ctx == f->ctx &&
		    strlen(keydefs[k].name) == len &&
		    memcmp(keydefs[k].name, s, len) == 0)
			break;
	if (f->ctx == CTX_TOP) {
		l->top_key = k;
		/* The tail's one top-level key is the made-up "aliases". */
		if (l->part == PART_TAIL && f->nkeys > 1) {
			l->bad_split = 1;
			l->fatal = 1;
			return;
		}
	}
	if (k == K_COUNT) {
		diag_add(l, 0, &pos, "unknown key '%s'", quote(s, len, q));
		f->key = K_IGNORE;
	} else if (f->seen[k].line != 0) {
		diag_add(l, 0, &pos, "duplicate key '%s' (first at line %u)",
		    keydefs[k].name, (unsigned)f->seen[k].line);
		f->key = K_IGNORE;
	} else {
		f->seen[k] = pos;
		f->key = (enum key)k;
	}
}

/* The value of the key f->key in a mapping frame. */
static void
walk_value(struct loader *l, struct frame *f, const yaml_event_t *ev)
{
	enum key k = f->key;
	int mapping = ev->type == YAML_MAPPING_START_EVENT;
	int scalar_ev = ev->type == YAML_SCALAR_EVENT;

	/* Unless a frame is pushed for it, the value ends here. */
	f->key = K_NONE;
	switch (k) {
	case K_IGNORE:
		if (is_start(ev))
			l->skip = 1;
		return;
	case K_ENTRY:
		if (mapping) {
			push(l, f->ctx == CTX_DOMAINS ? CTX_DOMAIN : CTX_ALIAS,
			    K_ENTRY, ev);
			return;
		}
		if (!is_null(ev))
			wrong_kind(l, ev, "a mapping",
			    f->ctx == CTX_DOMAINS ? "domain settings"
						  : "alias settings");
		/* Registered anyway, so duplicates are still found. */
		if (f->ctx == CTX_DOMAINS)
			domain_end(l, NULL, is_null(ev));
		else
			alias_end(l, NULL);
		return;
	case K_DOMAINS:
	case K_ALIASES:
		if (mapping) {
			if (k == K_ALIASES)
				l->aliases_block =
				    ev->data.mapping_start.style ==
				    YAML_BLOCK_MAPPING_STYLE;
			push(l, k == K_DOMAINS ? CTX_DOMAINS : CTX_ALIASES,
			    K_NONE, ev);
			return;
		}
		if (is_null(ev) && k == K_ALIASES)
			return;
		if (is_null(ev))
			diag_add(l, 0, &f->kpos,
			    "domains: needs at least one domain");
		else
			wrong_kind(l, ev, "a mapping", keydefs[k].name);
		return;
	case K_DELIVER_TO:
	case K_TO:
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			targets_start(l);
			push(l, CTX_TARGETS, k, ev);
		} else if (scalar_ev) {
			targets_start(l);
			if (!is_null(ev))
				targets_add(l, k, ev);
			targets_end(l, k, &f->kpos);
		} else
			wrong_kind(l, ev, keydefs[k].want, keydefs[k].name);
		return;
	default:
		break;
	}
	if (!scalar_ev) {
		wrong_kind(l, ev, keydefs[k].want, keydefs[k].name);
		return;
	}
	switch (k) {
	case K_MAP:
		set_map(l, ev);
		break;
	case K_SUBADDRESS:
		set_subaddress(l, ev);
		break;
	case K_NOTE:
		set_text(l, k, ev, &l->alias.note);
		break;
	case K_REASON:
		set_text(l, k, ev, &l->alias.reason);
		break;
	case K_CREATED:
		set_date(l, k, ev, &l->alias.created);
		break;
	case K_REVOKED:
		set_date(l, k, ev, &l->alias.revoked);
		if (l->alias.revoked != DATE_NONE)
			l->alias.flags |= AF_REVOKED;
		break;
	case K_EXPIRES:
		set_date(l, k, ev, &l->alias.expires);
		break;
	case K_RECEIVE_ONLY:
		set_receive_only(l, ev);
		break;
	default:
		break;
	}
}

/* An item of a list of targets. */
static void
walk_target(struct loader *l, struct frame *f, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (is_null(ev)) {
			diag_add(l, 0, &pos, "empty address in %s",
			    keydefs[f->key].name);
			l->tbad = 1;
		} else
			targets_add(l, f->key, ev);
		break;
	case YAML_SEQUENCE_END_EVENT:
		targets_end(l, f->key, &f->start);
		pop(l);
		break;
	default:
		wrong_kind(l, ev, "an address", keydefs[f->key].name);
		break;
	}
}

/*
 * Enters a mapping or sequence.  The schema is four levels deep at most
 * (top, domains or aliases, settings, targets); anything deeper is a
 * value of the wrong kind and skipped without a frame.
 */
static void
push(struct loader *l, enum ctx ctx, enum key key, const yaml_event_t *ev)
{
	struct frame *f = &l->stack[l->depth++];

	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	f->key = ctx == CTX_TARGETS ? key : K_NONE;
	f->start = mark_pos(l, &ev->start_mark);
}

/* Leaves the innermost frame, finishing what it held. */
static void
pop(struct loader *l)
{
	struct frame *f = &l->stack[l->depth - 1];
	struct frame *up = l->depth > 1 ? &l->stack[l->depth - 2] : NULL;

	switch (f->ctx) {
	case CTX_TOP:
		/* The tail has no domains: the head has them, or says so. */
		if (f->seen[K_DOMAINS].line == 0 && l->part != PART_TAIL)
			diag_add(l, 0, &f->start, "missing key 'domains'");
		break;
	case CTX_DOMAINS:
		if (f->nkeys == 0 && up != NULL)
			diag_add(l, 0, &up->kpos,
			    "domains: needs at least one domain");
		break;
	case CTX_DOMAIN:
		domain_end(l, f, 1);
		break;
	case CTX_ALIAS:
		alias_end(l, f);
		break;
	default:
		break;
	}
	l->depth--;
	if (up != NULL)
		up->key = K_NONE;
}

/* Reports a node of the wrong kind and skips it. */
static void
wrong_kind(struct loader *l, const yaml_event_t *ev, const char *want,
    const char *what)
{
	struct pos pos = mark_pos(l, &ev->start_mark);

	diag_add(l, 0, &pos, "expected %s for %s, found %s", want, what,
	    node_kind(ev));
	if (is_start(ev))
		l->skip = 1;
}

/* ---- domains and aliases ---- */

/* A key of "domains:": its settings follow. */
static void
domain_start(struct loader *l, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	char name[ADDR_DOMAIN_MAX + 1], q[QUOTE_BUF];
	int err;

	memset(&l->dom, 0, sizeof(l->dom));
	l->dom.line = pos.line;
	l->dom.col = pos.col;
	l->dom_ok = 0;
	err = addr_domain(scalar(ev), scalar_len(ev), name);
	if (err != ADDR_OK) {
		diag_add(l, 0, &pos, "invalid domain '%s': %s",
		    quote(scalar(ev), scalar_len(ev), q), addr_strerror(err));
		return;
	}
	if ((l->dom.name = arena_strndup(&l->af->arena, name, strlen(name))) ==
	    NULL) {
		oom(l);
		return;
	}
	l->dom_ok = 1;
}

/*
 * The end of a domain's settings (f NULL: it had none; missing: say so
 * if deliver_to is missing).  Adds the domain when its name was valid,
 * even with bad settings: aliases at it should not also be called
 * outside the listed domains.
 */
static void
domain_end(struct loader *l, const struct frame *f, int missing)
{
	struct aliasfile *af = l->af;
	struct af_domain *d;
	struct pos pos = {l->dom.line, l->dom.col};
	size_t cap;

	if (!l->dom_ok)
		return;
	if (missing && (f == NULL || f->seen[K_DELIVER_TO].line == 0))
		diag_add(l, 0, &pos, "missing deliver_to for domain %s",
		    l->dom.name);
	if (af->ndomains == DOMAINS_MAX) {
		diag_add(l, 0, &pos, "more than %d domains", DOMAINS_MAX);
		return;
	}
	if (af->ndomains == l->dcap) {
		cap = l->dcap == 0 ? 16 : l->dcap * 2;
		if ((d = realloc(af->domains, cap * sizeof(*d))) == NULL) {
			oom(l);
			return;
		}
		af->domains = d;
		l->dcap = cap;
	}
	af->domains[af->ndomains++] = l->dom;
}

/* A key of "aliases:": its settings follow. */
static void
alias_start(struct loader *l, const yaml_event_t *ev)
{
	struct af_alias *a = &l->alias;
	struct pos pos = mark_pos(l, &ev->start_mark);
	struct addr addr;
	char buf[ADDR_BUF], q[QUOTE_BUF];
	size_t len;
	int err;

	memset(a, 0, sizeof(*a));
	a->created = a->revoked = a->expires = DATE_NONE;
	a->line = pos.line;
	a->col = pos.col;
	l->alias_col = pos.col;
	err = addr_parse(scalar(ev), scalar_len(ev), 0, &addr);
	if (err != ADDR_OK) {
		diag_add(l, 0, &pos, "invalid alias address '%s': %s",
		    quote(scalar(ev), scalar_len(ev), q), addr_strerror(err));
		return;
	}
	if ((len = addr_format(&addr, buf, sizeof(buf))) == (size_t)-1) {
		diag_add(l, 0, &pos, "invalid alias address '%s': %s",
		    quote(scalar(ev), scalar_len(ev), q),
		    addr_strerror(ADDR_PATH_LONG));
		return;
	}
	if (buf[0] == '#') {
		/* export could not write it: postmap skips "#" lines. */
		diag_add(l, 0, &pos, "invalid alias address '%s': a local "
		    "part starting with '#' cannot be written in virtual(5) "
		    "text", quote(scalar(ev), scalar_len(ev), q));
		return;
	}
	if ((a->key = arena_strndup(&l->af->arena, buf, len)) == NULL) {
		oom(l);
		return;
	}
	if ((a->domain = domain_index(l, &addr)) == DOMAIN_UNSET)
		l->unresolved++;
}

/*
 * The index of the domain of addr if it is already known, else
 * DOMAIN_UNSET (check_alias_domains() then decides after the walk).
 * Aliases come in runs at one domain and files list a handful of
 * domains, usually before the aliases: this settles nearly all of them
 * with one string compare.
 */
static uint16_t
domain_index(struct loader *l, const struct addr *addr)
{
	const struct aliasfile *af = l->af;
	const char *name;
	size_t i, n = addr->domain_len;

	if (l->lastdom < af->ndomains) {
		name = af->domains[l->lastdom].name;
		if (strncmp(name, addr->domain, n) == 0 && name[n] == '\0')
			return (uint16_t)l->lastdom;
	}
	for (i = 0; i < af->ndomains && af->ndomains <= 16; i++) {
		name = af->domains[i].name;
		if (strncmp(name, addr->domain, n) == 0 && name[n] == '\0') {
			l->lastdom = i;
			return (uint16_t)i;
		}
	}
	return DOMAIN_UNSET;
}

/*
 * The end of an alias's settings (f NULL: it had none).  Checks what
 * needs all of them, then adds the alias if its key was valid.
 */
static void
alias_end(struct loader *l, const struct frame *f)
{
	static const enum key never[] = {K_REVOKED, K_EXPIRES, K_RECEIVE_ONLY};
	struct aliasfile *af = l->af;
	struct af_alias *a;
	const char *rfc = NULL;
	size_t i, cap;

	if (f != NULL && f->seen[K_REASON].line != 0 &&
	    f->seen[K_REVOKED].line == 0)
		diag_add(l, 0, &f->seen[K_REASON],
		    "reason is only allowed together with revoked");
	if (l->alias.key == NULL)
		return;
	if (strncmp(l->alias.key, "postmaster@", 11) == 0)
		rfc = "postmaster@ is always accepted (RFC 5321 4.5.1)";
	else if (strncmp(l->alias.key, "abuse@", 6) == 0)
		rfc = "abuse@ is always accepted (RFC 2142)";
	for (i = 0; rfc != NULL && f != NULL && i < 3; i++)
		if (f->seen[never[i]].line != 0)
			diag_add(l, 0, &f->seen[never[i]],
			    "%s and cannot be revoked, "
			    "expire or be receive-only",
			    rfc);

	if (af->naliases == l->acap) {
		if (l->acap >= UINT32_MAX / 2) {
			diag_add(l, 0, NULL, "too many aliases");
			l->fatal = 1;
			return;
		}
		cap = l->acap == 0 ? 1024 : l->acap * 2;
		if ((a = realloc(af->aliases, cap * sizeof(*a))) == NULL) {
			oom(l);
			return;
		}
		af->aliases = a;
		l->acap = cap;
	}
	af->aliases[af->naliases++] = l->alias;
}

static void
targets_start(struct loader *l)
{
	l->tlen = 0;
	l->tcount = 0;
	l->tbad = 0;
}

/* Adds one target (a scalar) to the list being built for key k. */
static void
targets_add(struct loader *l, enum key k, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	struct addr addr;
	char buf[ADDR_BUF], q[QUOTE_BUF], *p;
	size_t len = 0, i, plen, cap;
	int err;

	err = addr_parse(scalar(ev), scalar_len(ev), ADDR_KEEP_CASE, &addr);
	if (err == ADDR_OK &&
	    (len = addr_format(&addr, buf, sizeof(buf))) == (size_t)-1)
		err = ADDR_PATH_LONG;
	if (err != ADDR_OK) {
		diag_add(l, 0, &pos, "invalid address '%s' in %s: %s",
		    quote(scalar(ev), scalar_len(ev), q), keydefs[k].name,
		    addr_strerror(err));
		l->tbad = 1;
		return;
	}
	if (l->tcount == TARGETS_MAX) {
		diag_add(l, 0, &pos,
		    "more than %d addresses in %s "
		    "(Postfix's virtual_alias_expansion_limit)",
		    TARGETS_MAX, keydefs[k].name);
		l->tbad = 1;
		return;
	}
	/*
	 * Mailboxes are case-insensitive in practice, so Me@ and me@ are
	 * the same target written twice.
	 */
	for (i = 0; i < l->tcount; i++) {
		p = l->tbuf + l->toff[i];
		plen = (i + 1 < l->tcount ? l->toff[i + 1] - 2 : l->tlen) -
		    l->toff[i];
		if (plen == len && ascii_casecmp(p, buf, len) == 0) {
			diag_add(l, 0, &pos, "duplicate address %s in %s", buf,
			    keydefs[k].name);
			l->tbad = 1;
			return;
		}
	}
	if (l->tlen + len + 3 > l->tcap) {
		cap = l->tcap == 0 ? 256 : l->tcap;
		while (cap < l->tlen + len + 3)
			cap *= 2;
		if ((p = realloc(l->tbuf, cap)) == NULL) {
			oom(l);
			return;
		}
		l->tbuf = p;
		l->tcap = cap;
	}
	if (l->tcount > 0) {
		memcpy(l->tbuf + l->tlen, ", ", 2);
		l->tlen += 2;
	}
	l->toff[l->tcount++] = l->tlen;
	memcpy(l->tbuf + l->tlen, buf, len);
	l->tlen += len;
}

/* Stores the list built for key k, which started at pos. */
static void
targets_end(struct loader *l, enum key k, const struct pos *pos)
{
	const char *s;

	if (l->tbad)
		return;
	if (l->tcount == 0) {
		diag_add(l, 0, pos, "%s needs at least one address",
		    keydefs[k].name);
		return;
	}
	if ((s = arena_strndup(&l->af->arena, l->tbuf, l->tlen)) == NULL) {
		oom(l);
		return;
	}
	if (k == K_DELIVER_TO)
		l->dom.deliver_to = s;
	else
		l->alias.to = s;
}

static void
set_map(struct loader *l, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);

	if (is_null(ev) || scalar_len(ev) == 0)
		return;
	if (has_control(scalar(ev), scalar_len(ev))) {
		diag_add(l, 0, &pos, "map contains a control character");
		return;
	}
	if ((l->af->map = arena_strndup(
		 &l->af->arena, scalar(ev), scalar_len(ev))) == NULL)
		oom(l);
}

/*
 * Any printable ASCII character that cannot be part of an atom's
 * letters, digits or the address syntax is accepted as a delimiter;
 * Postfix itself accepts any.
 */
static void
set_subaddress(struct loader *l, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	const char *s = scalar(ev);
	size_t len = scalar_len(ev), i;
	char q[QUOTE_BUF];
	int c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '@' || c == '"' ||
		    (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z'))
			break;
	}
	if (len == 0 || len > SUBADDR_MAX || i < len) {
		diag_add(l, 0, &pos,
		    "bad subaddress '%s': expected 1 to %d delimiter "
		    "characters (not letters, digits, '@', '\"' or blanks)",
		    quote(s, len, q), SUBADDR_MAX);
		return;
	}
	memcpy(l->dom.subaddress, s, len);
	l->dom.subaddress[len] = '\0';
}

/*
 * A note or a reason.  Every later use shows it on one line (policy
 * records, listings), so line breaks and tabs are flattened to a space
 * here, with a warning; trailing ones (YAML block scalars end with a
 * line break) are dropped silently.  Other control characters (from
 * double-quoted escapes, "\0" among them) are errors.
 */
static void
set_text(struct loader *l, enum key k, const yaml_event_t *ev, const char **out)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	const char *s = scalar(ev);
	size_t len = scalar_len(ev), i, j, o;
	char *p;
	int brk = 0, flat = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c != '\t' && c != '\n' && c != '\r') {
			diag_add(l, 0, &pos, "%s contains a control character",
			    keydefs[k].name);
			return;
		}
		brk = 1;
	}
	if (brk)
		while (len > 0 && is_textblank(s[len - 1]))
			len--;
	if (len == 0 || is_null(ev))
		return;
	if ((p = arena_strndup(&l->af->arena, s, len)) == NULL) {
		oom(l);
		return;
	}
	*out = p;
	if (!brk)
		return;

	/* Each run of blanks holding a break or tab becomes one space. */
	for (i = o = 0; i < len;) {
		if (!is_textblank(p[i])) {
			p[o++] = p[i++];
			continue;
		}
		for (j = i, brk = 0; j < len && is_textblank(p[j]); j++)
			brk |= p[j] != ' ';
		if (brk) {
			p[o++] = ' ';
			flat = 1;
			i = j;
		} else
			while (i < j)
				p[o++] = p[i++];
	}
	p[o] = '\0';
	if (flat)
		diag_add(l, 1, &pos,
		    "%s contains a line break or tab; kept as one line",
		    keydefs[k].name);
}

/* A date: exactly YYYY-MM-DD, a real calendar day. */
static void
set_date(struct loader *l, enum key k, const yaml_event_t *ev, int32_t *out)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	char q[QUOTE_BUF];

	if (date_parse(scalar(ev), scalar_len(ev), out) == -1) {
		*out = DATE_NONE;
		diag_add(l, 0, &pos,
		    "bad date for %s: '%s' "
		    "(expected YYYY-MM-DD, a real calendar day)",
		    keydefs[k].name, quote(scalar(ev), scalar_len(ev), q));
	}
}

/*
 * true or false only: YAML 1.1 also reads yes/no/on/off as booleans and
 * YAML 1.2 does not, so a file using them means different things to
 * different tools.
 */
static void
set_receive_only(struct loader *l, const yaml_event_t *ev)
{
	static const char *const yes[] = {"true", "True", "TRUE"};
	static const char *const no[] = {"false", "False", "FALSE"};
	struct pos pos = mark_pos(l, &ev->start_mark);
	const char *s = scalar(ev);
	char q[QUOTE_BUF];
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strcmp(s, yes[i]) == 0 && strlen(s) == scalar_len(ev)) {
			l->alias.flags |= AF_RECEIVE_ONLY;
			return;
		}
		if (strcmp(s, no[i]) == 0 && strlen(s) == scalar_len(ev)) {
			l->alias.flags &= ~AF_RECEIVE_ONLY;
			return;
		}
	}
	diag_add(l, 0, &pos,
	    "bad value for receive_only: '%s' (expected true or false)",
	    quote(s, scalar_len(ev), q));
}

/* ---- checks over the whole file ---- */

static void
check_all(struct loader *l)
{
	struct aliasfile *af = l->af;
	struct dname *names;

	if ((names = calloc(af->ndomains + 1, sizeof(*names))) == NULL) {
		oom(l);
		return;
	}
	check_domains(l, names);
	if (l->unresolved > 0)
		check_alias_domains(l, names);
	check_subaddress(l);
	if (af->naliases > 0)
		check_duplicates(l);
	check_targets(l, names);
	free(names);
}

/*
 * Returns the index in af->domains of the domain of len bytes at dom, by
 * binary search
 * in names (sorted by check_domains()), or -1.
 */
static int
find_dname(const struct aliasfile *af, const struct dname *names,
    const char *dom, size_t len)
{
	size_t lo = 0, hi = af->ndomains, mid;

	/* A name equal to dom for len bytes is not less than dom. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strncmp(names[mid].name, dom, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == af->ndomains || strncmp(names[lo].name, dom, len) != 0 ||
	    names[lo].name[len] != '\0')
		return -1;
	return (int)names[lo].idx;
}

/*
 * Postfix expands virtual aliases again: a target at a managed domain
 * is looked up in the same map.  If it is not an active alias there,
 * Postfix accepts the mail and then bounces it (the backscatter this
 * tool exists to stop), so such a target is an error.  Checks the
 * target of len bytes at s, of the alias self (NULL for a domain's
 * deliver_to), reported at pos.
 */
static void
check_target(struct loader *l, const struct dname *names, const char *s,
    size_t len, const char *self, const struct pos *pos)
{
	const struct aliasfile *af = l->af;
	const struct af_alias *a;
	const char *at;
	struct addr addr;
	char key[ADDR_BUF];
	size_t blen;
	int d;

	/*
	 * Targets are canonical (domain lowercase, after the last '@'):
	 * most are elsewhere, and are passed over without parsing.
	 */
	for (at = s + len; at > s && at[-1] != '@'; at--)
		;
	if (at == s || find_dname(af, names, at, len - (size_t)(at - s)) ==
	    -1)
		return;
	if (addr_parse(s, len, 0, &addr) != ADDR_OK ||
	    (d = find_dname(af, names, addr.domain, addr.domain_len)) == -1 ||
	    addr_format(&addr, key, sizeof(key)) == (size_t)-1)
		return;
	/* Postfix's lookup order: user+ext@domain, then user@domain. */
	a = af_find_alias(af, key);
	blen = addr_subaddr_base(&addr, af->domains[d].subaddress);
	if (a == NULL && blen < addr.local_len) {
		snprintf(key, sizeof(key), "%.*s@%s", (int)blen, addr.local,
		    addr.domain);
		a = af_find_alias(af, key);
	}
	/* Revoking it would bounce mail: an edit must check again. */
	if (a != NULL)
		l->af->aliases[a - af->aliases].flags |= AF_TARGET;
	if (a != NULL && self != NULL && strcmp(a->key, self) == 0)
		diag_add(l, 0, pos, "%s forwards to itself", self);
	else if (a != NULL && (a->flags & AF_REVOKED))
		diag_add(l, 0, pos, "target %s is a revoked alias: Postfix "
		    "would accept mail for it, then bounce it", key);
	else if (a == NULL && !is_always(key))
		diag_add(l, 0, pos, "target %s is at a managed domain but is "
		    "not an alias: Postfix would accept mail for it, then "
		    "bounce it", key);
}

/*
 * Checks every address of a list of targets (canonical, joined by
 * ", ", which may also stand inside a quoted local part).
 */
static void
check_target_list(struct loader *l, const struct dname *names,
    const char *targets, const char *self, const struct pos *pos)
{
	const char *p, *start;
	int quoted = 0;

	for (start = p = targets;; p++) {
		if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted &&
		    (*p == '\0' || (p[0] == ',' && p[1] == ' '))) {
			check_target(l, names, start, (size_t)(p - start),
			    self, pos);
			if (*p == '\0')
				break;
			start = p + 2;
		}
	}
}

static void
check_targets(struct loader *l, const struct dname *names)
{
	const struct aliasfile *af = l->af;
	const struct af_alias *a;
	struct pos pos;
	size_t i;

	for (i = 0; i < af->ndomains; i++) {
		pos = (struct pos){af->domains[i].line, af->domains[i].col};
		if (af->domains[i].deliver_to != NULL)
			check_target_list(l, names, af->domains[i].deliver_to,
			    NULL, &pos);
	}
	for (i = 0; i < af->naliases; i++) {
		a = &af->aliases[i];
		if (a->to == NULL)
			continue;
		pos = (struct pos){a->line, a->col};
		check_target_list(l, names, a->to, a->key, &pos);
	}
}

/* Nonzero for postmaster@ and abuse@, which every domain has. */
static int
is_always(const char *key)
{
	return strncmp(key, "postmaster@", 11) == 0 ||
	    strncmp(key, "abuse@", 6) == 0;
}

static int
dname_cmp(const void *a, const void *b)
{
	const struct dname *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Sorts the domain names into names (the first of equal names first)
 * and reports duplicates.
 */
static void
check_domains(struct loader *l, struct dname *names)
{
	struct aliasfile *af = l->af;
	const struct af_domain *d, *first;
	struct pos pos;
	size_t i, j;

	for (i = 0; i < af->ndomains; i++) {
		names[i].name = af->domains[i].name;
		names[i].idx = (uint32_t)i;
	}
	qsort(names, af->ndomains, sizeof(*names), dname_cmp);
	for (i = 1, j = 0; i < af->ndomains; i++) {
		if (strcmp(names[i].name, names[j].name) != 0) {
			j = i;
			continue;
		}
		d = &af->domains[names[i].idx];
		first = &af->domains[names[j].idx];
		pos = (struct pos){d->line, d->col};
		diag_add(l, 0, &pos, "duplicate domain %s (first at line %u)",
		    d->name, (unsigned)first->line);
	}
}

/*
 * Gives each alias left unresolved by the walk the index of its domain,
 * reporting those outside the listed domains.  Aliases come in runs at
 * one domain, so the last domain found is tried first.
 */
static void
check_alias_domains(struct loader *l, const struct dname *names)
{
	struct aliasfile *af = l->af;
	struct af_alias *a;
	struct pos pos;
	const char *dom, *last = NULL;
	size_t i;
	uint16_t idx = 0;
	int d;

	/* Without any domain, "missing key 'domains'" said it all. */
	if (af->ndomains == 0)
		return;
	for (i = 0; i < af->naliases; i++) {
		a = &af->aliases[i];
		if (a->domain != DOMAIN_UNSET)
			continue;
		dom = strrchr(a->key, '@') + 1;
		if (last == NULL || strcmp(dom, last) != 0) {
			if ((d = find_dname(af, names, dom, strlen(dom))) ==
			    -1) {
				pos = (struct pos){a->line, a->col};
				diag_add(l, 0, &pos,
				    "alias outside the listed domains: %s",
				    a->key);
				continue;
			}
			last = af->domains[d].name;
			idx = (uint16_t)d;
		}
		a->domain = idx;
	}
}

/*
 * Sorts the aliases into af->sorted and reports each duplicate at its
 * own position, naming the first in the file (equal keys are sorted by
 * index, so that is the first of each run).
 */
static void
check_duplicates(struct loader *l)
{
	struct aliasfile *af = l->af;
	const struct af_alias *a, *first;
	struct pos pos;
	size_t i, j;
	int dups;

	if (sort_aliases(af, &dups) == -1) {
		oom(l);
		return;
	}
	for (i = 1, j = 0; dups && i < af->naliases; i++) {
		a = &af->aliases[af->sorted[i]];
		first = &af->aliases[af->sorted[j]];
		if (strcmp(a->key, first->key) != 0) {
			j = i;
			continue;
		}
		pos = (struct pos){a->line, a->col};
		diag_add(l, 0, &pos, "duplicate alias %s (first at line %u)",
		    a->key, (unsigned)first->line);
	}
}

/*
 * Postfix's recipient_delimiter is one main.cf setting for every domain:
 * when the domains ask for different sets, say what to set it to (the
 * union) and that every domain will then split at all of them.
 */
static void
check_subaddress(struct loader *l)
{
	struct aliasfile *af = l->af;
	const struct af_domain *d, *d0, *differ = NULL;
	struct pos pos;
	char all[128], a[24], b[24];
	size_t i, n = 0;
	const char *s;

	if (af->ndomains < 2)
		return;
	d0 = &af->domains[0];
	for (i = 0; i < af->ndomains; i++) {
		d = &af->domains[i];
		for (s = d->subaddress; *s != '\0'; s++)
			if (memchr(all, *s, n) == NULL)
				all[n++] = *s;
		if (differ != NULL)
			continue;
		for (s = d->subaddress; *s != '\0'; s++)
			if (strchr(d0->subaddress, *s) == NULL)
				break;
		if (*s != '\0')
			differ = d;
		for (s = d0->subaddress; differ == NULL && *s != '\0'; s++)
			if (strchr(d->subaddress, *s) == NULL)
				differ = d;
	}
	all[n] = '\0';
	if (differ == NULL)
		return;
	pos = (struct pos){differ->line, differ->col};
	snprintf(a, sizeof(a),
	    differ->subaddress[0] != '\0' ? "\"%s\"" : "none",
	    differ->subaddress);
	snprintf(b, sizeof(b), d0->subaddress[0] != '\0' ? "\"%s\"" : "none",
	    d0->subaddress);
	diag_add(l, 1, &pos,
	    "subaddress of %s (%s) differs from %s (%s), but Postfix's "
	    "recipient_delimiter is global: set recipient_delimiter = %s "
	    "in main.cf, and every domain splits at all of them",
	    differ->name, a, d0->name, b, all);
}

/* ---- sorting ---- */

/*
 * Fills af->sorted with alias indices in key byte order (strcmp order,
 * which is LMDB's memcmp order of NUL-terminated keys), equal keys by
 * index; sets *dups when there are equal keys.  qsort through the
 * indices misses the cache on every compare (two pointer hops), so this
 * is an MSD radix sort (American flag sort, in place) on 8-byte chunks
 * of each key kept next to its index: a key itself is read only once
 * per 8 bytes of prefix it shares with others.  Returns 0, or -1 when
 * out of memory.
 */
static int
sort_aliases(struct aliasfile *af, int *dups)
{
	struct sorter s;
	size_t i, n = af->naliases;

	*dups = 0;
	if ((af->sorted = malloc(n * sizeof(*af->sorted))) == NULL)
		return -1;
	if ((s.chunk = malloc(n * sizeof(*s.chunk))) == NULL)
		return -1;
	s.idx = af->sorted;
	s.aliases = af->aliases;
	s.dups = 0;
	for (i = 0; i < n; i++) {
		s.idx[i] = (uint32_t)i;
		s.chunk[i] = key_chunk(af->aliases[i].key, 0);
	}
	sort_range(&s, 0, n, 56, 0);
	free(s.chunk);
	*dups = s.dups;
	return 0;
}

/*
 * Bytes depth..depth+7 of key as a big-endian number, zeros after the
 * end: comparing chunks compares those bytes as memcmp would.  The
 * caller knows the key is at least depth bytes long.
 */
static uint64_t
key_chunk(const char *key, size_t depth)
{
	const unsigned char *p = (const unsigned char *)key + depth;
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		v <<= 8;
		if (*p != '\0')
			v |= *p++;
	}
	return v;
}

/*
 * Loads the chunks at depth for positions lo..hi-1.  The keys are all
 * over memory by now, and each load is two dependent cache misses (the
 * alias, then its key): prefetching a few positions ahead lets the
 * misses overlap, which makes the whole sort a third faster.
 */
static void
reload(struct sorter *s, size_t lo, size_t hi, size_t depth)
{
	size_t j;

	for (j = lo; j < hi; j++) {
#ifdef __GNUC__
		if (j + 16 < hi)
			__builtin_prefetch(&s->aliases[s->idx[j + 16]]);
		if (j + 8 < hi)
			__builtin_prefetch(
			    s->aliases[s->idx[j + 8]].key + depth);
#endif
		s->chunk[j] = key_chunk(s->aliases[s->idx[j]].key, depth);
	}
}

/*
 * Sorts positions lo..hi-1, whose keys are equal before the byte at
 * shift of their chunks, which hold key bytes depth to depth + 7: by
 * that byte, then the rest.  Recurses into the smaller buckets and
 * loops on the largest, so the recursion is at most log2(n) deep.
 */
static void
sort_range(struct sorter *s, size_t lo, size_t hi, unsigned shift, size_t depth)
{
	uint64_t *chunk = s->chunk, c, tc;
	uint32_t *idx = s->idx, x, tx;
	size_t count[256], next[256], end[256];
	size_t i, j, b, big, sum, ndepth;
	unsigned d, nshift;

	for (;;) {
		if (hi - lo <= SORT_SMALL) {
			sort_small(s, lo, hi, depth);
			return;
		}
		memset(count, 0, sizeof(count));
		for (i = lo; i < hi; i++)
			count[(chunk[i] >> shift) & 0xff]++;

		/* The next byte, reloading chunks past the 8th. */
		nshift = shift == 0 ? 56 : shift - 8;
		ndepth = shift == 0 ? depth + 8 : depth;

		big = 0;
		for (b = 1; b < 256; b++)
			if (count[b] > count[big])
				big = b;
		if (count[big] < hi - lo) {
			/* Permute in place into buckets. */
			for (b = 0, sum = lo; b < 256; b++) {
				next[b] = sum;
				sum += count[b];
				end[b] = sum;
			}
			for (b = 0; b < 256; b++) {
				while (next[b] < end[b]) {
					c = chunk[next[b]];
					x = idx[next[b]];
					d = (unsigned)(c >> shift) & 0xff;
					while (d != b) {
						j = next[d]++;
						tc = chunk[j];
						tx = idx[j];
						chunk[j] = c;
						idx[j] = x;
						c = tc;
						x = tx;
						d = (unsigned)(c >> shift) &
						    0xff;
					}
					chunk[next[b]] = c;
					idx[next[b]] = x;
					next[b]++;
				}
			}
			for (b = 0, sum = lo; b < 256; b++) {
				i = sum;
				sum += count[b];
				if (b == big || count[b] < 2)
					continue;
				if (b == 0)
					sort_equal(s, i, sum);
				else {
					if (shift == 0)
						reload(s, i, sum, ndepth);
					sort_range(s, i, sum, nshift, ndepth);
				}
			}
			for (b = 0, sum = lo; b < big; b++)
				sum += count[b];
			lo = sum;
			hi = sum + count[big];
		}
		/* A zero byte: the keys ended, and they are all equal. */
		if (big == 0) {
			sort_equal(s, lo, hi);
			return;
		}
		if (shift == 0)
			reload(s, lo, hi, ndepth);
		shift = nshift;
		depth = ndepth;
	}
}

/* Insertion sort of a short range, by chunk, rest of the key, index. */
static void
sort_small(struct sorter *s, size_t lo, size_t hi, size_t depth)
{
	uint64_t *chunk = s->chunk, c;
	uint32_t *idx = s->idx, x;
	size_t i, j;
	int cmp;

	for (i = lo + 1; i < hi; i++) {
		c = chunk[i];
		x = idx[i];
		for (j = i; j > lo; j--) {
			if (chunk[j - 1] != c)
				cmp = chunk[j - 1] < c ? -1 : 1;
			else if ((c & 0xff) == 0)
				cmp = 0; /* both keys end in this chunk */
			else
				cmp = strcmp(
				    s->aliases[idx[j - 1]].key + depth + 8,
				    s->aliases[x].key + depth + 8);
			if (cmp == 0)
				s->dups = 1;
			if (cmp < 0 || (cmp == 0 && idx[j - 1] < x))
				break;
			chunk[j] = chunk[j - 1];
			idx[j] = idx[j - 1];
		}
		chunk[j] = c;
		idx[j] = x;
	}
}

/* Orders equal keys by index (the radix sort is not stable). */
static void
sort_equal(struct sorter *s, size_t lo, size_t hi)
{
	s->dups = 1;
	qsort(s->idx + lo, hi - lo, sizeof(*s->idx), u32_cmp);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
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
	l->af->path = arena_strndup(&l->af->arena, l->path, strlen(l->path));
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
	l->path = path;
	l->diag = diag;
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
	for (i = 0; i < l->nmsgs; i++)
		free(l->msgs[i].text);
	free(l->msgs);
	l->msgs = NULL;
	l->nmsgs = 0;
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
	const char *path = l->path;
	struct af_diag *diag = l->diag;
	int fd = l->fd;

	loader_clear(l);
	memset(l, 0, sizeof(*l));
	l->path = path;
	l->diag = diag;
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
		oom(l);
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
	    !t->fatal && h->nerrors == 0 && t->nerrors == 0 &&
	    !h->bad_split && !t->bad_split && !h->explicit_end &&
	    h->ndocs == 1 && t->ndocs == 1 && h->top_key == K_ALIASES &&
	    h->alias_col == 3 && h->depth == 0 && t->depth == 0 &&
	    t->af->ndomains == 0 && h->status != EX_OSERR &&
	    t->status != EX_OSERR;
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
	if (taf->naliases > 0)
		memcpy(af->aliases + af->naliases, taf->aliases,
		    taf->naliases * sizeof(*a));
	af->naliases = need;
	arena_adopt(&af->arena, &taf->arena);
	h->unresolved += t->unresolved;
	if (t->nmsgs > 0 && h->msgs == NULL &&
	    (h->msgs = calloc(AF_DIAG_MAX, sizeof(*h->msgs))) == NULL)
		return -1;
	for (i = 0; i < t->nmsgs; i++) {
		if (h->nmsgs < AF_DIAG_MAX) {
			h->msgs[h->nmsgs] = t->msgs[i];
			h->msgs[h->nmsgs++].seq = h->seq++;
		} else
			free(t->msgs[i].text);
	}
	t->nmsgs = 0;
	h->nerrors += t->nerrors;
	h->nwarnings += t->nwarnings;
	diag_status(h, t->status);
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
	    (t = loader_new(l->path, l->diag)) == NULL)
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
		l->af->source = (struct af_source){
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
			oom(l);
			goto fail;
		}
		parse(l);
		l->af->source = (struct af_source){
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
		check_all(l);
	if (l->nerrors > 0)
		goto fail;
	/* Give back the unused end of the array (in place, for large ones). */
	if (af->naliases > 0 && af->naliases < l->acap &&
	    (a = realloc(af->aliases, af->naliases * sizeof(*a))) != NULL)
		af->aliases = a;
	l->af = NULL;
	diag_flush(l);
	loader_clear(l);
	free(l);
	*afp = af;
	return 0;
fail:
	if (l->fd != -1)
		close(l->fd);
	nerrors = l->nerrors;
	diag_flush(l);
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

int
af_window_load(const char *text, size_t len, struct aliasfile **afp)
{
	struct af_diag diag;
	struct loader *l;
	int rc = -1;

	*afp = NULL;
	af_diag_init(&diag);
	if ((l = loader_new("(window)", &diag)) == NULL)
		goto out;
	l->part = PART_TAIL;
	l->mem = text;
	l->roff = 0;
	l->rend = (off_t)len;
	l->prefix = TAIL_PREFIX;
	l->prefixlen = sizeof(TAIL_PREFIX) - 1;
	parse(l);
	if (l->nerrors == 0 && !l->fatal && !l->yaml_failed && l->ndocs == 1 &&
	    l->depth == 0) {
		*afp = l->af;
		l->af = NULL;
		rc = 0;
	}
	loader_clear(l);
	free(l);
out:
	af_diag_free(&diag);
	return rc;
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

/* ---- the surgical editor ---- */

/*
 * The editor walks the events of the text once, remembering the marks
 * of what it may change: the "aliases:" key and value, the alias being
 * edited, its settings.  Marks are converted to byte offsets afterwards
 * (columns count characters, and mark.index is not a byte offset in
 * every libyaml release), and the output is the input with a few byte
 * ranges replaced.
 */
#define ED_PAIRS_MAX	32	/* settings of one alias (a dozen are valid) */
#define ED_SPLICES	8

/* What a value is. */
enum ed_kind {
	V_NONE,		/* not seen */
	V_EMPTY,	/* "key:" */
	V_NULL,		/* "key: ~", "key: null" */
	V_FLOW_EMPTY,	/* "key: {}" */
	V_BLOCK,	/* a block mapping */
	V_FLOW,		/* a flow mapping with entries */
	V_OTHER		/* a sequence, a non-null scalar */
};

struct ed_mark {
	size_t	line;
	size_t	col;
};

struct ed_pair {
	char	name[16];	/* the setting's key, truncated */
	struct ed_mark kstart;	/* where its key starts */
	struct ed_mark vend;	/* where its value's last content ends */
};

struct ed_scan {
	yaml_parser_t parser;
	struct errbuf *e;
	const char *key;	/* normalised alias to find */
	const char *domain;	/* domain to find under domains:, or NULL */
	unsigned depth;
	struct ed_mark last;	/* end of the last non-empty content */
	size_t	root_col;	/* column of the top-level keys */
	int	have_domain;
	int	have_aliases;
	enum ed_kind akind;	/* the "aliases:" value */
	struct ed_mark akey_end, avstart, avend;
	int	have_key_col;
	size_t	key_col;	/* column of the alias keys */
	struct ed_mark alast;	/* last content of "aliases:" */
	int	found;		/* the alias */
	enum ed_kind fkind;
	struct ed_mark fkstart, fkend, fvstart, fvend, fvclose, flast;
	struct ed_pair pairs[ED_PAIRS_MAX];
	size_t	npairs;
};

/* A replacement: del bytes at off become ins. */
struct ed_splice {
	size_t	off;
	size_t	del;
	char	*ins;		/* malloc'd, may be NULL */
	size_t	inslen;
};

/* A growing output buffer; oom is set at the first failure. */
struct ed_buf {
	char	*p;
	size_t	len;
	size_t	cap;
	int	oom;
};

/* Converts marks to byte offsets, scanning forward from the last one. */
struct ed_cursor {
	const unsigned char *t;
	size_t	len;
	size_t	off;
	size_t	line;
	size_t	col;
};

static int ed_next(struct ed_scan *, yaml_event_t *);
static int ed_skip(struct ed_scan *, const yaml_event_t *);
static int ed_scan(struct ed_scan *);
static int ed_root(struct ed_scan *);
static int ed_domains(struct ed_scan *, const yaml_event_t *);
static int ed_aliases(struct ed_scan *, const yaml_event_t *);
static int ed_alias(struct ed_scan *, const yaml_event_t *);
static enum ed_kind ed_scalar_kind(const yaml_event_t *);
static struct ed_mark ed_mark(const yaml_mark_t *);
static size_t ed_offset(struct ed_cursor *, struct ed_mark);
static size_t ed_line_begin(const char *, size_t);
static size_t ed_next_line(const char *, size_t, size_t);
static size_t ed_blanks_before(const char *, size_t);
static const char *ed_eol(const char *, size_t);
static void ed_add(struct ed_buf *, const char *, size_t);
static void ed_adds(struct ed_buf *, const char *);
static void ed_indent(struct ed_buf *, size_t);
static int ed_plain_ok(const char *, int);
static int ed_scalar(struct ed_buf *, const char *, int);
static int ed_apply(const char *, size_t, struct ed_splice *, size_t,
    char **, size_t *, struct errbuf *);
static int ed_insert_apply(struct ed_buf *, struct ed_splice *, size_t,
    size_t, const char *, size_t, char **, size_t *, struct errbuf *);
static const struct ed_pair *ed_pair(const struct ed_scan *, const char *);
static int ed_setup(struct ed_scan *, const char *, size_t, const char *,
    const char *, struct errbuf *);

static struct ed_mark
ed_mark(const yaml_mark_t *m)
{
	struct ed_mark r;

	r.line = m->line;
	r.col = m->column;
	return r;
}

/* Returns 0 with the next event in *ev, or -1 (a YAML error, in e). */
static int
ed_next(struct ed_scan *s, yaml_event_t *ev)
{
	const yaml_parser_t *p = &s->parser;

	if (yaml_parser_parse(&s->parser, ev))
		return 0;
	if (p->error == YAML_MEMORY_ERROR)
		errbuf_set(s->e, "out of memory");
	else
		errbuf_set(s->e, "line %zu column %zu: %s%s%s",
		    p->problem_mark.line + 1, p->problem_mark.column + 1,
		    p->problem ? p->problem : "YAML error",
		    p->context ? " " : "", p->context ? p->context : "");
	return -1;
}

static enum ed_kind
ed_scalar_kind(const yaml_event_t *ev)
{
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    ev->data.scalar.length == 0)
		return V_EMPTY;
	return is_null(ev) ? V_NULL : V_OTHER;
}

/*
 * Consumes the node that starts with ev (already read, freed by the
 * caller), keeping s->last at the end of its last non-empty scalar or
 * flow collection (a block collection's end mark is where the next
 * token starts, past comments).  Returns 0 or -1.
 */
static int
ed_skip(struct ed_scan *s, const yaml_event_t *ev)
{
	yaml_event_t child;
	int	 flow, rc = 0;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ed_scalar_kind(ev) != V_EMPTY)
			s->last = ed_mark(&ev->end_mark);
		return 0;
	case YAML_MAPPING_START_EVENT:
		flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
		break;
	case YAML_SEQUENCE_START_EVENT:
		flow = ev->data.sequence_start.style ==
		    YAML_FLOW_SEQUENCE_STYLE;
		break;
	case YAML_ALIAS_EVENT:
		return errbuf_set(s->e, "line %zu column %zu: YAML aliases "
		    "are not supported", ev->start_mark.line + 1,
		    ev->start_mark.column + 1);
	default:
		return errbuf_set(s->e, "unexpected YAML event");
	}
	if (++s->depth > NEST_MAX)
		return errbuf_set(s->e, "line %zu: nested too deeply",
		    ev->start_mark.line + 1);
	for (;;) {
		if (ed_next(s, &child) == -1)
			return -1;
		if (child.type == YAML_MAPPING_END_EVENT ||
		    child.type == YAML_SEQUENCE_END_EVENT) {
			if (flow)
				s->last = ed_mark(&child.end_mark);
			yaml_event_delete(&child);
			break;
		}
		rc = ed_skip(s, &child);
		yaml_event_delete(&child);
		if (rc == -1)
			return -1;
	}
	s->depth--;
	return 0;
}

static int
ed_setup(struct ed_scan *s, const char *text, size_t len, const char *key,
    const char *domain, struct errbuf *e)
{
	memset(s, 0, sizeof(*s));
	s->e = e;
	s->key = key;
	s->domain = domain;
	if (!yaml_parser_initialize(&s->parser))
		return errbuf_set(e, "out of memory");
	yaml_parser_set_input_string(&s->parser, (const unsigned char *)text,
	    len);
	yaml_parser_set_encoding(&s->parser, YAML_UTF8_ENCODING);
	return 0;
}

/*
 * Walks the whole text: one document whose root is a block mapping.
 * Returns 0 or -1.
 */
static int
ed_scan(struct ed_scan *s)
{
	yaml_event_t ev;
	int	 rc = -1, n;

	for (n = 0; n < 2; n++) {	/* stream start, document start */
		if (ed_next(s, &ev) == -1)
			return -1;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return errbuf_set(s->e, "the file is empty");
		}
		yaml_event_delete(&ev);
	}
	if (ed_next(s, &ev) == -1)
		return -1;
	if (ev.type != YAML_MAPPING_START_EVENT ||
	    ev.data.mapping_start.style != YAML_BLOCK_MAPPING_STYLE) {
		errbuf_set(s->e, "the top level is not a block mapping");
		goto out;
	}
	s->depth = 1;
	if (ed_root(s) == -1)
		goto out;
	yaml_event_delete(&ev);
	if (ed_next(s, &ev) == -1)	/* document end */
		return -1;
	yaml_event_delete(&ev);
	if (ed_next(s, &ev) == -1)
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT) {
		errbuf_set(s->e, "more than one YAML document");
		goto out;
	}
	rc = 0;
out:
	yaml_event_delete(&ev);
	return rc;
}

/* The top-level mapping's entries, up to its end. */
static int
ed_root(struct ed_scan *s)
{
	yaml_event_t k, v;
	enum { OTHER, ALIASES, DOMAINS } which;
	struct ed_mark kend;
	int	 first = 1, rc;

	for (;;) {
		if (ed_next(s, &k) == -1)
			return -1;
		if (k.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&k);
			return 0;
		}
		which = OTHER;
		if (first)
			s->root_col = k.start_mark.column;
		first = 0;
		if (k.type == YAML_SCALAR_EVENT &&
		    strcmp(scalar(&k), "aliases") == 0)
			which = ALIASES;
		else if (k.type == YAML_SCALAR_EVENT &&
		    strcmp(scalar(&k), "domains") == 0)
			which = DOMAINS;
		kend = ed_mark(&k.end_mark);
		rc = ed_skip(s, &k);
		yaml_event_delete(&k);
		if (rc == -1 || ed_next(s, &v) == -1)
			return -1;
		if (which == ALIASES && !s->have_aliases) {
			s->have_aliases = 1;
			s->akey_end = kend;
			rc = ed_aliases(s, &v);
		} else if (which == DOMAINS &&
		    v.type == YAML_MAPPING_START_EVENT)
			rc = ed_domains(s, &v);
		else
			rc = ed_skip(s, &v);
		yaml_event_delete(&v);
		if (rc == -1)
			return -1;
	}
}

/* "domains:": notes whether s->domain is among the keys. */
static int
ed_domains(struct ed_scan *s, const yaml_event_t *start)
{
	yaml_event_t k, v;
	char	 name[ADDR_DOMAIN_MAX + 1];
	int	 rc;

	for (;;) {
		if (ed_next(s, &k) == -1)
			return -1;
		if (k.type == YAML_MAPPING_END_EVENT) {
			if (start->data.mapping_start.style ==
			    YAML_FLOW_MAPPING_STYLE)
				s->last = ed_mark(&k.end_mark);
			yaml_event_delete(&k);
			return 0;
		}
		if (s->domain != NULL && k.type == YAML_SCALAR_EVENT &&
		    addr_domain(scalar(&k), scalar_len(&k), name) == ADDR_OK &&
		    strcmp(name, s->domain) == 0)
			s->have_domain = 1;
		rc = ed_skip(s, &k);
		yaml_event_delete(&k);
		if (rc == -1 || ed_next(s, &v) == -1)
			return -1;
		rc = ed_skip(s, &v);
		yaml_event_delete(&v);
		if (rc == -1)
			return -1;
	}
}

/* The value of "aliases:". */
static int
ed_aliases(struct ed_scan *s, const yaml_event_t *ev)
{
	yaml_event_t k, v;
	struct addr a;
	char	 buf[ADDR_BUF];
	int	 match, rc;

	s->avstart = ed_mark(&ev->start_mark);
	s->avend = ed_mark(&ev->end_mark);
	if (ev->type == YAML_SCALAR_EVENT) {
		s->akind = ed_scalar_kind(ev);
		return ed_skip(s, ev);
	}
	if (ev->type != YAML_MAPPING_START_EVENT) {
		s->akind = V_OTHER;
		return ed_skip(s, ev);
	}
	if (ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE) {
		if (ed_next(s, &k) == -1)
			return -1;
		rc = k.type == YAML_MAPPING_END_EVENT;
		s->avend = ed_mark(&k.end_mark);
		s->last = s->avend;
		yaml_event_delete(&k);
		if (!rc)
			return errbuf_set(s->e, "line %zu: aliases: is a flow "
			    "mapping ({...}); aliasctl edits only block style",
			    ev->start_mark.line + 1);
		s->akind = V_FLOW_EMPTY;
		return 0;
	}
	s->akind = V_BLOCK;
	s->depth++;
	for (;;) {
		if (ed_next(s, &k) == -1)
			return -1;
		if (k.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&k);
			break;
		}
		if (!s->have_key_col) {
			s->have_key_col = 1;
			s->key_col = k.start_mark.column;
		}
		match = 0;
		if (k.type == YAML_SCALAR_EVENT && !s->found &&
		    addr_parse(scalar(&k), scalar_len(&k), 0, &a) == ADDR_OK &&
		    addr_format(&a, buf, sizeof(buf)) != (size_t)-1 &&
		    strcmp(buf, s->key) == 0) {
			match = s->found = 1;
			s->fkstart = ed_mark(&k.start_mark);
			s->fkend = ed_mark(&k.end_mark);
		}
		rc = ed_skip(s, &k);
		yaml_event_delete(&k);
		if (rc == -1 || ed_next(s, &v) == -1)
			return -1;
		rc = match ? ed_alias(s, &v) : ed_skip(s, &v);
		yaml_event_delete(&v);
		if (rc == -1)
			return -1;
	}
	s->depth--;
	s->alast = s->last;
	return 0;
}

/* The settings of the alias being edited. */
static int
ed_alias(struct ed_scan *s, const yaml_event_t *ev)
{
	yaml_event_t k, v;
	struct ed_pair *p;
	int	 flow, rc;

	s->fvstart = ed_mark(&ev->start_mark);
	s->fvend = ed_mark(&ev->end_mark);
	if (ev->type == YAML_SCALAR_EVENT) {
		s->fkind = ed_scalar_kind(ev);
		return ed_skip(s, ev);
	}
	if (ev->type != YAML_MAPPING_START_EVENT) {
		s->fkind = V_OTHER;
		return ed_skip(s, ev);
	}
	flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
	s->fkind = flow ? V_FLOW : V_BLOCK;
	s->depth++;
	for (;;) {
		if (ed_next(s, &k) == -1)
			return -1;
		if (k.type == YAML_MAPPING_END_EVENT) {
			s->flast = s->last;
			s->fvclose = ed_mark(&k.start_mark);
			s->fvend = ed_mark(&k.end_mark);
			if (flow) {
				s->last = s->fvend;
				if (s->npairs == 0)
					s->fkind = V_FLOW_EMPTY;
			}
			yaml_event_delete(&k);
			break;
		}
		if (s->npairs == ED_PAIRS_MAX) {
			yaml_event_delete(&k);
			return errbuf_set(s->e, "line %zu: too many settings",
			    s->fkstart.line + 1);
		}
		p = &s->pairs[s->npairs++];
		memset(p, 0, sizeof(*p));
		p->kstart = ed_mark(&k.start_mark);
		if (k.type == YAML_SCALAR_EVENT)
			snprintf(p->name, sizeof(p->name), "%s", scalar(&k));
		rc = ed_skip(s, &k);
		yaml_event_delete(&k);
		if (rc == -1 || ed_next(s, &v) == -1)
			return -1;
		rc = ed_skip(s, &v);
		yaml_event_delete(&v);
		if (rc == -1)
			return -1;
		p->vend = s->last;
	}
	s->depth--;
	return 0;
}

/*
 * The byte offset of mark m, counted as libyaml counts: characters,
 * CR LF, CR, LF, NEL, LS and PS as line breaks, a leading BOM not
 * counted.  Marks asked in increasing order cost one pass in all.
 */
static size_t
ed_offset(struct ed_cursor *c, struct ed_mark m)
{
	const unsigned char *t = c->t;
	size_t	 o;

	if (m.line < c->line || (m.line == c->line && m.col < c->col)) {
		c->off = c->len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ?
		    3 : 0;
		c->line = c->col = 0;
	}
	o = c->off;
	while (o < c->len && (c->line < m.line ||
	    (c->line == m.line && c->col < m.col))) {
		if (t[o] == '\r') {
			o += o + 1 < c->len && t[o + 1] == '\n' ? 2 : 1;
			c->line++;
			c->col = 0;
		} else if (t[o] == '\n') {
			o++;
			c->line++;
			c->col = 0;
		} else if (t[o] == 0xc2 && o + 1 < c->len && t[o + 1] == 0x85) {
			o += 2;
			c->line++;
			c->col = 0;
		} else if (t[o] == 0xe2 && o + 2 < c->len && t[o + 1] == 0x80 &&
		    (t[o + 2] == 0xa8 || t[o + 2] == 0xa9)) {
			o += 3;
			c->line++;
			c->col = 0;
		} else {
			/* One character: its lead byte and continuations. */
			o++;
			while (o < c->len && (t[o] & 0xc0) == 0x80)
				o++;
			c->col++;
		}
	}
	c->off = o;
	return o;
}

/* The start of the line that holds offset off. */
static size_t
ed_line_begin(const char *t, size_t off)
{
	while (off > 0 && t[off - 1] != '\n')
		off--;
	return off;
}

/*
 * The start of the line after the one where content ends at off (off
 * itself when it is a line start: a block scalar's end); len when the
 * text ends without a line break.
 */
static size_t
ed_next_line(const char *t, size_t len, size_t off)
{
	const char *nl;

	if (off > 0 && t[off - 1] == '\n')
		return off;
	if ((nl = memchr(t + off, '\n', len - off)) == NULL)
		return len;
	return (size_t)(nl - t) + 1;
}

/* Where the blanks before offset off start. */
static size_t
ed_blanks_before(const char *t, size_t off)
{
	while (off > 0 && (t[off - 1] == ' ' || t[off - 1] == '\t'))
		off--;
	return off;
}

/* The file's line break: CR LF when its first line ends so. */
static const char *
ed_eol(const char *t, size_t len)
{
	const char *nl = memchr(t, '\n', len);

	return nl != NULL && nl > t && nl[-1] == '\r' ? "\r\n" : "\n";
}

static void
ed_add(struct ed_buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 128;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ed_adds(struct ed_buf *b, const char *s)
{
	ed_add(b, s, strlen(s));
}

static void
ed_indent(struct ed_buf *b, size_t n)
{
	while (n-- > 0)
		ed_add(b, " ", 1);
}

/*
 * Returns 1 when s can be written as a plain scalar that every YAML
 * reader takes for the same string: printable ASCII without indicators,
 * not a word YAML 1.1 or 1.2 reads as null or a boolean.  With flow, in
 * a flow collection (no ",").  Conservative: anything else is quoted.
 */
static int
ed_plain_ok(const char *s, int flow)
{
	static const char *const words[] = { "null", "~", "true", "false",
	    "yes", "no", "on", "off", "y", "n" };
	size_t	 i, len = strlen(s);
	unsigned char c;

	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ')
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && ascii_casecmp(s, words[i],
		    len) == 0)
			return 0;
	c = (unsigned char)s[0];
	if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '/' ||
	    c == '('))
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z'))
			continue;
		if (c == ',' && flow)
			return 0;
		if (strchr(" ._@+-/(),'!&%=*$^;<>~?", c) == NULL)
			return 0;
	}
	return 1;
}

/*
 * Appends s as a YAML scalar: plain when ed_plain_ok(), else double
 * quoted with escapes.  Returns 0, or -1 when s is not UTF-8.
 */
static int
ed_scalar(struct ed_buf *b, const char *s, int flow)
{
	const unsigned char *p;
	char	 hex[8];
	size_t	 n;

	if (ed_plain_ok(s, flow)) {
		ed_adds(b, s);
		return 0;
	}
	ed_add(b, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		n = 1;
		if (*p == '"')
			ed_adds(b, "\\\"");
		else if (*p == '\\')
			ed_adds(b, "\\\\");
		else if (*p == '\n')
			ed_adds(b, "\\n");
		else if (*p == '\t')
			ed_adds(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f) {
			snprintf(hex, sizeof(hex), "\\x%02x", *p);
			ed_adds(b, hex);
		} else if (*p < 0x80)
			ed_add(b, (const char *)p, 1);
		else if (p[0] == 0xc2 && p[1] == 0x85) {
			ed_adds(b, "\\N");	/* NEL would be a break */
			n = 2;
		} else if (p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9)) {
			ed_adds(b, p[2] == 0xa8 ? "\\L" : "\\P");
			n = 3;
		} else {
			n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 :
			    p[0] >= 0xe0 && p[0] <= 0xef ? 3 :
			    p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
			if (n == 0 || (p[1] & 0xc0) != 0x80 ||
			    (n > 2 && (p[2] & 0xc0) != 0x80) ||
			    (n > 3 && (p[3] & 0xc0) != 0x80))
				return -1;
			ed_add(b, (const char *)p, n);
		}
	}
	ed_add(b, "\"", 1);
	return 0;
}

/*
 * Builds the output: text with the splices (sorted here, must not
 * overlap) applied.  Frees every splice's ins.  Returns AF_EDIT_OK or
 * AF_EDIT_NOMEM.
 */
/*
 * Adds the text b holds, inserted at offset at, as the last of the n
 * splices in sp (which has room for one more), then applies them all to
 * text.  b's buffer goes to ed_apply(), which frees it.  Returns an
 * AF_EDIT_* code.
 */
static int
ed_insert_apply(struct ed_buf *b, struct ed_splice *sp, size_t n, size_t at,
    const char *text, size_t len, char **out, size_t *outlen,
    struct errbuf *e)
{
	if (b->oom) {
		errbuf_set(e, "out of memory");
		return AF_EDIT_NOMEM;
	}
	sp[n].off = at;
	sp[n].del = 0;
	sp[n].ins = b->p;
	sp[n].inslen = b->len;
	b->p = NULL;
	return ed_apply(text, len, sp, n + 1, out, outlen, e);
}

static int
ed_apply(const char *text, size_t len, struct ed_splice *sp, size_t n,
    char **out, size_t *outlen, struct errbuf *e)
{
	struct ed_splice tmp;
	struct ed_buf b;
	size_t	 i, j, at = 0;

	memset(&b, 0, sizeof(b));
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && sp[j - 1].off > sp[j].off; j--) {
			tmp = sp[j];
			sp[j] = sp[j - 1];
			sp[j - 1] = tmp;
		}
	for (i = 0; i < n; i++) {
		if (sp[i].off < at)	/* overlap: a bug, not the input */
			abort();
		ed_add(&b, text + at, sp[i].off - at);
		ed_add(&b, sp[i].ins ? sp[i].ins : "", sp[i].inslen);
		at = sp[i].off + sp[i].del;
		free(sp[i].ins);
	}
	ed_add(&b, text + at, len - at);
	if (b.oom) {
		free(b.p);
		errbuf_set(e, "out of memory");
		return AF_EDIT_NOMEM;
	}
	if (b.p == NULL && (b.p = strdup("")) == NULL) {
		errbuf_set(e, "out of memory");
		return AF_EDIT_NOMEM;
	}
	*out = b.p;
	*outlen = b.len;
	return AF_EDIT_OK;
}

static const struct ed_pair *
ed_pair(const struct ed_scan *s, const char *name)
{
	size_t	 i;

	for (i = 0; i < s->npairs; i++)
		if (strcmp(s->pairs[i].name, name) == 0)
			return &s->pairs[i];
	return NULL;
}

int
af_edit_add(const char *text, size_t len, const struct af_new_alias *na,
    char **out, size_t *outlen, struct errbuf *e)
{
	struct ed_scan s;
	struct ed_cursor c;
	struct ed_splice sp[ED_SPLICES];
	struct ed_buf b;
	const char *domain, *eol = ed_eol(text, len);
	size_t	 n = 0, i, at, kcol, scol;
	int	 rc = AF_EDIT_BAD;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	c.t = (const unsigned char *)text;
	c.len = len;
	c.line = c.col = SIZE_MAX;	/* forces a reset */
	domain = strrchr(na->key, '@');
	if (ed_setup(&s, text, len, na->key, domain ? domain + 1 : "", e))
		return AF_EDIT_NOMEM;
	if (ed_scan(&s) == -1)
		goto out;
	if (s.found) {
		errbuf_set(e, "%s is already in the file (line %zu)",
		    na->key, s.fkstart.line + 1);
		rc = AF_EDIT_EXISTS;
		goto out;
	}
	if (!s.have_domain) {
		errbuf_set(e, "%s is not a domain under domains:",
		    domain ? domain + 1 : na->key);
		rc = AF_EDIT_NO_DOMAIN;
		goto out;
	}
	kcol = s.have_key_col ? s.key_col : s.root_col + 2;
	scol = kcol + 2;
	if (!s.have_aliases) {
		at = len;
		if (len > 0 && text[len - 1] != '\n')
			ed_adds(&b, eol);
		ed_indent(&b, s.root_col);
		ed_adds(&b, "aliases:");
		ed_adds(&b, eol);
	} else if (s.akind == V_BLOCK) {
		at = ed_next_line(text, len, ed_offset(&c, s.alast));
	} else if (s.akind == V_EMPTY) {
		at = ed_next_line(text, len, ed_offset(&c, s.akey_end));
	} else if (s.akind == V_NULL || s.akind == V_FLOW_EMPTY) {
		sp[n].off = ed_blanks_before(text, ed_offset(&c, s.avstart));
		sp[n].del = ed_offset(&c, s.avend) - sp[n].off;
		sp[n].ins = NULL;
		sp[n++].inslen = 0;
		at = ed_next_line(text, len, ed_offset(&c, s.avend));
	} else {
		errbuf_set(e, "aliases: is not a mapping");
		goto out;
	}
	if (at == len && len > 0 && text[len - 1] != '\n' && s.have_aliases)
		ed_adds(&b, eol);
	ed_indent(&b, kcol);
	if (ed_scalar(&b, na->key, 0) == -1)
		goto notutf8;
	ed_adds(&b, ":");
	ed_adds(&b, eol);
	if (na->nto > 0) {
		ed_indent(&b, scol);
		ed_adds(&b, na->nto > 1 ? "to: [" : "to: ");
		for (i = 0; i < na->nto; i++) {
			if (i > 0)
				ed_adds(&b, ", ");
			if (ed_scalar(&b, na->to[i], 1) == -1)
				goto notutf8;
		}
		ed_adds(&b, na->nto > 1 ? "]" : "");
		ed_adds(&b, eol);
	}
	if (na->note != NULL) {
		ed_indent(&b, scol);
		ed_adds(&b, "note: ");
		if (ed_scalar(&b, na->note, 0) == -1)
			goto notutf8;
		ed_adds(&b, eol);
	}
	if (na->receive_only) {
		ed_indent(&b, scol);
		ed_adds(&b, "receive_only: true");
		ed_adds(&b, eol);
	}
	if (na->expires != NULL) {
		ed_indent(&b, scol);
		ed_adds(&b, "expires: ");
		ed_adds(&b, na->expires);
		ed_adds(&b, eol);
	}
	rc = ed_insert_apply(&b, sp, n, at, text, len, out, outlen, e);
	goto out;
notutf8:
	errbuf_set(e, "text is not valid UTF-8");
out:
	free(b.p);
	yaml_parser_delete(&s.parser);
	return rc;
}

int
af_edit_revoke(const char *text, size_t len, const char *key,
    const char *date, const char *reason, char **out, size_t *outlen,
    struct errbuf *e)
{
	struct ed_scan s;
	struct ed_cursor c;
	struct ed_splice sp[ED_SPLICES];
	struct ed_buf b;
	const char *eol = ed_eol(text, len);
	size_t	 n = 0, at, col;
	int	 rc = AF_EDIT_BAD;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	c.t = (const unsigned char *)text;
	c.len = len;
	c.line = c.col = SIZE_MAX;
	if (ed_setup(&s, text, len, key, NULL, e))
		return AF_EDIT_NOMEM;
	if (ed_scan(&s) == -1)
		goto out;
	if (!s.found) {
		errbuf_set(e, "%s: no such alias", key);
		rc = AF_EDIT_NOT_FOUND;
		goto out;
	}
	if (ed_pair(&s, "revoked") != NULL) {
		errbuf_set(e, "%s is already revoked (line %zu)", key,
		    ed_pair(&s, "revoked")->kstart.line + 1);
		rc = AF_EDIT_REVOKED;
		goto out;
	}
	if (s.fkind == V_FLOW) {
		/* After the last entry, before any trailing comma. */
		at = ed_offset(&c, s.flast);
		ed_adds(&b, ", revoked: ");
		ed_adds(&b, date);
		if (reason != NULL) {
			ed_adds(&b, ", reason: ");
			if (ed_scalar(&b, reason, 1) == -1)
				goto notutf8;
		}
	} else {
		if (s.fkind == V_BLOCK) {
			col = s.pairs[0].kstart.col;
			at = ed_next_line(text, len, ed_offset(&c, s.flast));
		} else if (s.fkind == V_EMPTY) {
			col = s.fkstart.col + 2;
			at = ed_next_line(text, len, ed_offset(&c, s.fkend));
		} else if (s.fkind == V_NULL || s.fkind == V_FLOW_EMPTY) {
			col = s.fkstart.col + 2;
			sp[n].off = ed_blanks_before(text,
			    ed_offset(&c, s.fvstart));
			sp[n].del = ed_offset(&c, s.fvend) - sp[n].off;
			sp[n].ins = NULL;
			sp[n++].inslen = 0;
			at = ed_next_line(text, len, ed_offset(&c, s.fvend));
		} else {
			errbuf_set(e, "line %zu: the settings of %s are not a "
			    "mapping", s.fkstart.line + 1, key);
			goto out;
		}
		if (at == len && len > 0 && text[len - 1] != '\n')
			ed_adds(&b, eol);
		ed_indent(&b, col);
		ed_adds(&b, "revoked: ");
		ed_adds(&b, date);
		ed_adds(&b, eol);
		if (reason != NULL) {
			ed_indent(&b, col);
			ed_adds(&b, "reason: ");
			if (ed_scalar(&b, reason, 0) == -1)
				goto notutf8;
			ed_adds(&b, eol);
		}
	}
	rc = ed_insert_apply(&b, sp, n, at, text, len, out, outlen, e);
	goto out;
notutf8:
	errbuf_set(e, "text is not valid UTF-8");
out:
	free(b.p);
	yaml_parser_delete(&s.parser);
	return rc;
}

int
af_edit_restore(const char *text, size_t len, const char *key, char **out,
    size_t *outlen, struct errbuf *e)
{
	struct ed_scan s;
	struct ed_cursor c;
	struct ed_splice sp[ED_SPLICES];
	const struct ed_pair *p;
	size_t	 n = 0, i, kept = 0, first_kept = 0, end;
	int	 rc = AF_EDIT_BAD, drop[ED_PAIRS_MAX];

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.t = (const unsigned char *)text;
	c.len = len;
	c.line = c.col = SIZE_MAX;
	if (ed_setup(&s, text, len, key, NULL, e))
		return AF_EDIT_NOMEM;
	if (ed_scan(&s) == -1)
		goto out;
	if (!s.found) {
		errbuf_set(e, "%s: no such alias", key);
		rc = AF_EDIT_NOT_FOUND;
		goto out;
	}
	if (ed_pair(&s, "revoked") == NULL) {
		errbuf_set(e, "%s is not revoked", key);
		rc = AF_EDIT_NOT_REVOKED;
		goto out;
	}
	for (i = 0; i < s.npairs; i++) {
		drop[i] = strcmp(s.pairs[i].name, "revoked") == 0 ||
		    strcmp(s.pairs[i].name, "reason") == 0;
		if (!drop[i] && kept++ == 0)
			first_kept = i;
	}
	if (s.fkind == V_BLOCK) {
		/* Whole lines, from the key to the end of the value. */
		for (i = 0; i < s.npairs && n < ED_SPLICES; i++) {
			if (!drop[i])
				continue;
			p = &s.pairs[i];
			sp[n].off = ed_line_begin(text, ed_offset(&c, p->kstart));
			end = ed_next_line(text, len, ed_offset(&c, p->vend));
			sp[n].del = end - sp[n].off;
			sp[n].ins = NULL;
			sp[n++].inslen = 0;
		}
	} else if (kept == 0) {
		/* "key: {revoked: ...}" becomes "key:". */
		sp[n].off = ed_blanks_before(text, ed_offset(&c, s.fvstart));
		sp[n].del = ed_offset(&c, s.fvend) - sp[n].off;
		sp[n].ins = NULL;
		sp[n++].inslen = 0;
	} else {
		/*
		 * Leading dropped pairs go with the separator after them;
		 * later ones with the separator before them.
		 */
		if (first_kept > 0) {
			sp[n].off = ed_offset(&c, s.pairs[0].kstart);
			sp[n].del = ed_offset(&c, s.pairs[first_kept].kstart) -
			    sp[n].off;
			sp[n].ins = NULL;
			sp[n++].inslen = 0;
		}
		for (i = first_kept + 1; i < s.npairs && n < ED_SPLICES; i++) {
			if (!drop[i])
				continue;
			sp[n].off = ed_offset(&c, s.pairs[i - 1].vend);
			sp[n].del = ed_offset(&c, s.pairs[i].vend) - sp[n].off;
			sp[n].ins = NULL;
			sp[n++].inslen = 0;
		}
	}
	rc = ed_apply(text, len, sp, n, out, outlen, e);
out:
	yaml_parser_delete(&s.parser);
	return rc;
}
