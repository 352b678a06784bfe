/*
 * aliasfile_yaml.h: the state of one loader of the alias file, shared by
 * the files of the family that read YAML (aliasfile.c reads the input,
 * aliasfile_walk.c walks its events), and the event helpers that the
 * editor uses too.  See aliasfile_priv.h for the family.
 */
#ifndef ALIASFILE_YAML_H
#define ALIASFILE_YAML_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <yaml.h>

#include "aliasfile_priv.h"
#include "util.h"

#define STACK_MAX    4           /* top, domains/aliases, settings, targets */
#define NEST_MAX     64          /* deeper YAML nesting stops the walk */

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
	CTX_TARGETS  /* a list (deliver_to, to, senders, dkim_selectors) */
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
	K_DKIM_SELECTORS,
	K_TO,
	K_NOTE,
	K_CREATED,
	K_REVOKED,
	K_REASON,
	K_RECEIVE_ONLY,
	K_EXPIRES,
	K_SENDERS,
	K_COUNT
};

struct frame {
	enum ctx ctx;
	enum key key;             /* what comes next; for CTX_TARGETS, whose */
	struct pos start;         /* where the node starts */
	struct pos kpos;          /* the key whose value comes next */
	size_t nkeys;             /* keys seen so far */
	struct pos seen[K_COUNT]; /* where each known key was seen */
};

struct loader {
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

	/* A list of targets being built, "a, b, c" (senders: "a b c"). */
	char *tbuf;
	size_t tlen;
	size_t tcap;
	size_t tcount;
	int tbad;                 /* some target was rejected */
	size_t toff[TARGETS_MAX]; /* where each target starts in tbuf */

	/* Diagnostics, sorted into the caller's af_diag at the end. */
	struct diag_buf msg;
};

/*
 * Handles one event of the document: the walk's state machine (see
 * aliasfile_walk.c).  Problems go to l->msg; l->fatal stops the walk.
 */
void	walk(struct loader *l, const yaml_event_t *ev);
/* Out of memory: says so once and stops the walk. */
void	loader_oom(struct loader *l);

static inline struct pos
mark_pos(const struct loader *l, const yaml_mark_t *m)
{
	struct pos p;
	size_t line = m->line + l->line_off;

	p.line = line >= UINT32_MAX ? UINT32_MAX : (uint32_t)line + 1;
	p.col = m->column >= UINT32_MAX ? UINT32_MAX : (uint32_t)m->column + 1;
	return p;
}

static inline const char *
scalar(const yaml_event_t *ev)
{
	return (const char *)ev->data.scalar.value;
}

static inline size_t
scalar_len(const yaml_event_t *ev)
{
	return ev->data.scalar.length;
}

/* An empty value: "key:", "key: ~", "key: null" (not quoted). */
static inline int
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

#endif /* ALIASFILE_YAML_H */
