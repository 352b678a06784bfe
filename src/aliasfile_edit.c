/*
 * aliasfile_edit.c: the surgical editor of the alias file (see
 * aliasfile_edit.h): one change to the text, every other byte kept.
 * About 1,200 lines: one scan of the events and the edits that use its
 * marks (add, revoke, restore, lock, unlock), which no other file needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_edit.h"
#include "aliasfile_yaml.h"
#include "util.h"

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
	struct ed_mark vstart;	/* where its value starts */
	struct ed_mark vend;	/* where its value's last content ends */
	enum ed_kind vkind;	/* V_EMPTY, V_NULL, V_BLOCK (a block
				   sequence or mapping) or V_OTHER */
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
static int ed_replace_apply(struct ed_buf *, size_t, size_t, const char *,
    size_t, char **, size_t *, struct errbuf *);
static int ed_insert_apply(struct ed_buf *, struct ed_splice *, size_t,
    size_t, const char *, size_t, char **, size_t *, struct errbuf *);
static const struct ed_pair *ed_pair(const struct ed_scan *, const char *);
static int ed_setup(struct ed_scan *, const char *, size_t, const char *,
    const char *, struct errbuf *);
static int ed_setting_at(struct ed_scan *, struct ed_cursor *, const char *,
    size_t, struct ed_splice *, size_t *, size_t *, size_t *,
    struct errbuf *);
static int ed_drop(struct ed_scan *, struct ed_cursor *, const char *,
    size_t, const char *const *, char **, size_t *, struct errbuf *);
static int ed_drop_keys(const char *, size_t, const char *,
    const char *const *, const char *, int, char **, size_t *,
    struct errbuf *);
static void ed_cursor_init(struct ed_cursor *, const char *, size_t);
static int ed_find(struct ed_scan *, struct ed_cursor *, const char *,
    size_t, const char *, struct errbuf *);

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
		p->vstart = ed_mark(&v.start_mark);
		if (v.type == YAML_SCALAR_EVENT)
			p->vkind = ed_scalar_kind(&v) == V_EMPTY ? V_EMPTY :
			    ed_scalar_kind(&v) == V_NULL ? V_NULL : V_OTHER;
		else if ((v.type == YAML_SEQUENCE_START_EVENT &&
		    v.data.sequence_start.style == YAML_BLOCK_SEQUENCE_STYLE) ||
		    (v.type == YAML_MAPPING_START_EVENT &&
		    v.data.mapping_start.style == YAML_BLOCK_MAPPING_STYLE))
			p->vkind = V_BLOCK;
		else
			p->vkind = V_OTHER;
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

/*
 * Replaces the del bytes of text at offset at with the text b holds (b's
 * buffer goes to ed_apply()).  Returns an AF_EDIT_* code.
 */
static int
ed_replace_apply(struct ed_buf *b, size_t at, size_t del, const char *text,
    size_t len, char **out, size_t *outlen, struct errbuf *e)
{
	struct ed_splice sp;

	if (b->oom) {
		errbuf_set(e, "out of memory");
		return AF_EDIT_NOMEM;
	}
	sp.off = at;
	sp.del = del;
	sp.ins = b->p;
	sp.inslen = b->len;
	b->p = NULL;
	return ed_apply(text, len, &sp, 1, out, outlen, e);
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
	if (na->created != NULL) {
		ed_indent(&b, scol);
		ed_adds(&b, "created: ");
		ed_adds(&b, na->created);
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

static void
ed_cursor_init(struct ed_cursor *c, const char *text, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->t = (const unsigned char *)text;
	c->len = len;
	c->line = c->col = SIZE_MAX;	/* forces a reset */
}

/*
 * Scans text for the alias key (ed_setup() and ed_scan()).  Returns
 * AF_EDIT_OK, AF_EDIT_NOT_FOUND or another AF_EDIT_* code, with the
 * reason in e; the caller deletes s->parser in every case but
 * AF_EDIT_NOMEM.
 */
static int
ed_find(struct ed_scan *s, struct ed_cursor *c, const char *text,
    size_t len, const char *key, struct errbuf *e)
{
	ed_cursor_init(c, text, len);
	if (ed_setup(s, text, len, key, NULL, e))
		return AF_EDIT_NOMEM;
	if (ed_scan(s) == -1)
		return AF_EDIT_BAD;
	if (!s->found) {
		errbuf_set(e, "%s: no such alias", key);
		return AF_EDIT_NOT_FOUND;
	}
	return AF_EDIT_OK;
}

/*
 * Where a new setting of the alias found goes.  For a flow mapping: *at
 * after its last entry (before any trailing comma), *col SIZE_MAX: the
 * caller writes ", key: value".  Else *at is the start of a line and
 * *col the column to indent the new "key: value" lines to; an empty
 * value ("KEY:", "KEY: ~", "KEY: {}") becomes nothing through a splice
 * added to sp (*n of them so far).  Returns 0, or -1 with the reason in
 * e when the settings are not a mapping.
 */
static int
ed_setting_at(struct ed_scan *s, struct ed_cursor *c, const char *text,
    size_t len, struct ed_splice *sp, size_t *n, size_t *at, size_t *col,
    struct errbuf *e)
{
	if (s->fkind == V_FLOW) {
		*at = ed_offset(c, s->flast);
		*col = SIZE_MAX;
	} else if (s->fkind == V_BLOCK) {
		*col = s->pairs[0].kstart.col;
		*at = ed_next_line(text, len, ed_offset(c, s->flast));
	} else if (s->fkind == V_EMPTY) {
		*col = s->fkstart.col + 2;
		*at = ed_next_line(text, len, ed_offset(c, s->fkend));
	} else if (s->fkind == V_NULL || s->fkind == V_FLOW_EMPTY) {
		*col = s->fkstart.col + 2;
		sp[*n].off = ed_blanks_before(text, ed_offset(c, s->fvstart));
		sp[*n].del = ed_offset(c, s->fvend) - sp[*n].off;
		sp[*n].ins = NULL;
		sp[(*n)++].inslen = 0;
		*at = ed_next_line(text, len, ed_offset(c, s->fvend));
	} else
		return errbuf_set(e, "line %zu: the settings of %s are not a "
		    "mapping", s->fkstart.line + 1, s->key);
	return 0;
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
	int	 rc;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if ((rc = ed_find(&s, &c, text, len, key, e)) == AF_EDIT_NOMEM)
		return rc;
	if (rc != AF_EDIT_OK)
		goto out;
	rc = AF_EDIT_BAD;
	if (ed_pair(&s, "revoked") != NULL) {
		errbuf_set(e, "%s is already revoked (line %zu)", key,
		    ed_pair(&s, "revoked")->kstart.line + 1);
		rc = AF_EDIT_REVOKED;
		goto out;
	}
	if (ed_setting_at(&s, &c, text, len, sp, &n, &at, &col, e) == -1)
		goto out;
	if (col == SIZE_MAX) {
		ed_adds(&b, ", revoked: ");
		ed_adds(&b, date);
		if (reason != NULL) {
			ed_adds(&b, ", reason: ");
			if (ed_scalar(&b, reason, 1) == -1)
				goto notutf8;
		}
	} else {
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

/*
 * Removes the settings named in names (NULL-terminated) from the alias
 * found by ed_find(); when no setting is left, "KEY:" stays with no
 * value.  Returns an AF_EDIT_* code.
 */
static int
ed_drop(struct ed_scan *s, struct ed_cursor *c, const char *text,
    size_t len, const char *const *names, char **out, size_t *outlen,
    struct errbuf *e)
{
	struct ed_splice sp[ED_SPLICES];
	const struct ed_pair *p;
	size_t	 n = 0, i, j, kept = 0, first_kept = 0, end;
	int	 drop[ED_PAIRS_MAX];

	for (i = 0; i < s->npairs; i++) {
		drop[i] = 0;
		for (j = 0; names[j] != NULL; j++)
			drop[i] |= strcmp(s->pairs[i].name, names[j]) == 0;
		if (!drop[i] && kept++ == 0)
			first_kept = i;
	}
	if (s->fkind == V_BLOCK) {
		/* Whole lines, from the key to the end of the value. */
		for (i = 0; i < s->npairs && n < ED_SPLICES; i++) {
			if (!drop[i])
				continue;
			p = &s->pairs[i];
			sp[n].off = ed_line_begin(text,
			    ed_offset(c, p->kstart));
			end = ed_next_line(text, len, ed_offset(c, p->vend));
			sp[n].del = end - sp[n].off;
			sp[n].ins = NULL;
			sp[n++].inslen = 0;
		}
	} else if (kept == 0) {
		/* "key: {revoked: ...}" becomes "key:". */
		sp[n].off = ed_blanks_before(text, ed_offset(c, s->fvstart));
		sp[n].del = ed_offset(c, s->fvend) - sp[n].off;
		sp[n].ins = NULL;
		sp[n++].inslen = 0;
	} else {
		/*
		 * Leading dropped pairs go with the separator after them;
		 * later ones with the separator before them.
		 */
		if (first_kept > 0) {
			sp[n].off = ed_offset(c, s->pairs[0].kstart);
			sp[n].del = ed_offset(c, s->pairs[first_kept].kstart) -
			    sp[n].off;
			sp[n].ins = NULL;
			sp[n++].inslen = 0;
		}
		for (i = first_kept + 1; i < s->npairs && n < ED_SPLICES; i++) {
			if (!drop[i])
				continue;
			sp[n].off = ed_offset(c, s->pairs[i - 1].vend);
			sp[n].del = ed_offset(c, s->pairs[i].vend) - sp[n].off;
			sp[n].ins = NULL;
			sp[n++].inslen = 0;
		}
	}
	return ed_apply(text, len, sp, n, out, outlen, e);
}

/*
 * Removes the keys names[] (names[0] first, which must be there, else
 * missing_rc with "KEY is " what) from key's entry: restore and unlock.
 * Returns as af_edit_restore().
 */
static int
ed_drop_keys(const char *text, size_t len, const char *key,
    const char *const *names, const char *what, int missing_rc, char **out,
    size_t *outlen, struct errbuf *e)
{
	struct ed_scan s;
	struct ed_cursor c;
	int	 rc;

	*out = NULL;
	if ((rc = ed_find(&s, &c, text, len, key, e)) == AF_EDIT_NOMEM)
		return rc;
	if (rc != AF_EDIT_OK)
		goto out;
	if (ed_pair(&s, names[0]) == NULL) {
		errbuf_set(e, "%s is %s", key, what);
		rc = missing_rc;
		goto out;
	}
	rc = ed_drop(&s, &c, text, len, names, out, outlen, e);
out:
	yaml_parser_delete(&s.parser);
	return rc;
}

int
af_edit_restore(const char *text, size_t len, const char *key, char **out,
    size_t *outlen, struct errbuf *e)
{
	static const char *const names[] = { "revoked", "reason", NULL };

	return ed_drop_keys(text, len, key, names, "not revoked",
	    AF_EDIT_NOT_REVOKED, out, outlen, e);
}

int
af_edit_lock(const char *text, size_t len, const char *key,
    const char *const *senders, size_t nsenders, char **out, size_t *outlen,
    struct errbuf *e)
{
	struct ed_scan s;
	struct ed_cursor c;
	struct ed_splice sp[ED_SPLICES];
	struct ed_buf b;
	const struct ed_pair *p;
	const char *eol = ed_eol(text, len);
	size_t	 n = 0, i, at, col, end;
	int	 rc;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if (nsenders == 0) {
		errbuf_set(e, "no senders to lock %s to", key);
		return AF_EDIT_BAD;
	}
	if ((rc = ed_find(&s, &c, text, len, key, e)) == AF_EDIT_NOMEM)
		return rc;
	if (rc != AF_EDIT_OK)
		goto out;
	rc = AF_EDIT_BAD;
	p = ed_pair(&s, "senders");
	if (p != NULL && p->vkind == V_BLOCK) {
		/* A block sequence stays one: its lines are replaced. */
		at = ed_line_begin(text, ed_offset(&c, p->vstart));
		for (i = 0; i < nsenders; i++) {
			ed_indent(&b, p->vstart.col);
			ed_adds(&b, "- ");
			if (ed_scalar(&b, senders[i], 0) == -1)
				goto notutf8;
			ed_adds(&b, eol);
		}
		end = ed_next_line(text, len, ed_offset(&c, p->vend));
		if (end == len && len > 0 && text[len - 1] != '\n' &&
		    b.len >= strlen(eol))
			b.len -= strlen(eol);	/* the file ended without one */
		rc = ed_replace_apply(&b, at, end - at, text, len, out, outlen,
		    e);
		goto out;
	}
	if (p != NULL && (p->vkind == V_EMPTY || p->vkind == V_NULL)) {
		errbuf_set(e, "line %zu: senders of %s has no value; write one "
		    "or remove the key", p->kstart.line + 1, key);
		goto out;
	}
	if (p == NULL && ed_setting_at(&s, &c, text, len, sp, &n, &at, &col,
	    e) == -1)
		goto out;
	if (p == NULL && col == SIZE_MAX)
		ed_adds(&b, ", senders: ");
	else if (p == NULL) {
		if (at == len && len > 0 && text[len - 1] != '\n')
			ed_adds(&b, eol);
		ed_indent(&b, col);
		ed_adds(&b, "senders: ");
	}
	ed_adds(&b, "[");
	for (i = 0; i < nsenders; i++) {
		if (i > 0)
			ed_adds(&b, ", ");
		if (ed_scalar(&b, senders[i], 1) == -1)
			goto notutf8;
	}
	ed_adds(&b, "]");
	if (p != NULL) {
		/* A flow sequence or a scalar: the value is replaced. */
		at = ed_offset(&c, p->vstart);
		rc = ed_replace_apply(&b, at, ed_offset(&c, p->vend) - at, text,
		    len, out, outlen, e);
		goto out;
	}
	if (col != SIZE_MAX)
		ed_adds(&b, eol);
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
af_edit_unlock(const char *text, size_t len, const char *key, char **out,
    size_t *outlen, struct errbuf *e)
{
	static const char *const names[] = { "senders", NULL };

	return ed_drop_keys(text, len, key, names, "not locked",
	    AF_EDIT_NOT_LOCKED, out, outlen, e);
}

int
af_edit_entry(const char *text, size_t len, const char *key, size_t *off,
    size_t *elen, struct errbuf *e)
{
	struct ed_scan s;
	struct ed_cursor c;
	struct ed_mark last;
	size_t	 end;
	int	 rc;

	if ((rc = ed_find(&s, &c, text, len, key, e)) == AF_EDIT_NOMEM)
		return rc;
	if (rc != AF_EDIT_OK)
		goto out;
	last = s.fkind == V_BLOCK ? s.flast : s.fkind == V_EMPTY ? s.fkend :
	    s.fvend;
	*off = ed_line_begin(text, ed_offset(&c, s.fkstart));
	end = ed_next_line(text, len, ed_offset(&c, last));
	*elen = end - *off;
out:
	yaml_parser_delete(&s.parser);
	return rc;
}

int
af_yaml_scalar(const char *s, char *buf, size_t bufsize)
{
	struct ed_buf b = { NULL, 0, 0, 0 };
	int	 rc = -1;

	if (ed_scalar(&b, s, 0) == 0 && !b.oom && b.len < bufsize) {
		memcpy(buf, b.p, b.len + 1);
		rc = 0;
	} else if (bufsize > 0)
		buf[0] = '\0';
	free(b.p);
	return rc;
}
