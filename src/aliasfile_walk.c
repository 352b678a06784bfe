/*
 * aliasfile_walk.c: the walk over libyaml's events of the alias file.
 *
 * Events are walked by a small state machine: a stack of frames, one per
 * mapping or sequence we are inside, each knowing which key's value
 * comes next.  Nodes that cannot be used (a value of the wrong kind, a
 * bad key) are skipped by counting their nesting, so one mistake does
 * not hide the errors after it: every semantic error is recorded with
 * its position.
 *
 * Anchors, aliases, tags, merge keys and a second document stop the
 * walk at once: the data they stand for is missing from the events, so
 * carrying on would only report errors that are not really there.
 *
 * Size: a little over 1,000 lines, one handler per key of the format,
 * each with its own messages; they share the frame stack, so they stay
 * with the walk.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <yaml.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_yaml.h"
#include "util.h"

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
    [K_DKIM_SELECTORS] = {"dkim_selectors", CTX_DOMAIN,
	"a DKIM selector or a list of them"},
    [K_TO] = {"to", CTX_ALIAS, "an address or a list of addresses"},
    [K_NOTE] = {"note", CTX_ALIAS, "a string"},
    [K_CREATED] = {"created", CTX_ALIAS, "a date"},
    [K_REVOKED] = {"revoked", CTX_ALIAS, "a date"},
    [K_REASON] = {"reason", CTX_ALIAS, "a string"},
    [K_RECEIVE_ONLY] = {"receive_only", CTX_ALIAS, "true or false"},
    [K_EXPIRES] = {"expires", CTX_ALIAS, "a date"},
    [K_SENDERS] = {"senders", CTX_ALIAS,
	"a domain or an address, or a list of them"},
};

static const char *key_suggest(enum ctx, const char *, size_t);
static int is_start(const yaml_event_t *);
static const char *node_kind(const yaml_event_t *);
static int is_textblank(int);
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
static uint16_t domain_index(struct loader *, const struct addr *);
static void alias_end(struct loader *, const struct frame *);
static void targets_start(struct loader *);
static void targets_add(struct loader *, enum key, const yaml_event_t *);
static int sender_entry(struct loader *, const yaml_event_t *, char *,
    size_t *);
static int selector_entry(struct loader *, const yaml_event_t *, char *,
    size_t *);
static void targets_end(struct loader *, enum key, const struct pos *);
static void set_map(struct loader *, const yaml_event_t *);
static void set_subaddress(struct loader *, const yaml_event_t *);
static void set_text(
    struct loader *, enum key, const yaml_event_t *, const char **);
static void set_date(
    struct loader *, enum key, const yaml_event_t *, int32_t *);
static void set_receive_only(struct loader *, const yaml_event_t *);

/* ---- events ---- */





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


/* Blanks that a note may hold: space, tab and line breaks. */
static int
is_textblank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}


/* Handles one event. */
void
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
			    &l->msg, 0, &pos, "only one YAML document is allowed");
			l->fatal = 1;
		} else if (ev->data.document_start.tag_directives.start !=
		    ev->data.document_start.tag_directives.end) {
			diag_add(&l->msg, 0, &pos, "YAML tags are not supported");
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
			diag_add(&l->msg, 0, &pos,
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
		    &l->msg, 0, &pos, "YAML anchors and aliases are not supported");
		l->fatal = 1;
		return;
	}
	if (tag != NULL) {
		diag_add(&l->msg, 0, &pos, "YAML tags are not supported");
		l->fatal = 1;
		return;
	}

	if (l->skip > 0) {
		if (is_start(ev)) {
			if (++l->skip + l->depth > NEST_MAX) {
				diag_add(&l->msg, 0, &pos,
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
		diag_add(&l->msg, 0, &pos,
		    "expected a mapping at the top level, found %s",
		    node_kind(ev));
		if (is_start(ev))
			l->skip = 1;
		break;
	default:
		break;
	}
}

/*
 * The known key of mapping ctx nearest to the unknown key s (len
 * bytes), or NULL when none is near: within an optimal string alignment
 * distance of 2, or 1 for a known key of four characters or fewer (else
 * "to" would be suggested for any two letters).  Of equally near keys
 * the first in keydefs[] wins.  Returns a static string.
 */
static const char *
key_suggest(enum ctx ctx, const char *s, size_t len)
{
	const char *best = NULL;
	int	 k, d, max, bestd = 3;	/* more than any limit */

	for (k = K_MAP; k < K_COUNT; k++) {
		if (keydefs[k].ctx != ctx)
			continue;
		max = strlen(keydefs[k].name) <= 4 ? 1 : 2;
		d = str_distance(s, len, keydefs[k].name,
		    strlen(keydefs[k].name), max);
		if (d <= max && d < bestd) {
			best = keydefs[k].name;
			bestd = d;
		}
	}
	return best;
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
		diag_add(&l->msg, 0, &pos, "expected a scalar key, found %s",
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
		diag_add(&l->msg, 0, &pos, "YAML merge keys are not supported");
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
		const char *hint = key_suggest(f->ctx, s, len);

		if (hint != NULL)
			diag_add(&l->msg, 0, &pos, "unknown key '%s'; did you "
			    "mean \"%s\"?", diag_quote(s, len, q), hint);
		else
			diag_add(&l->msg, 0, &pos, "unknown key '%s'",
			    diag_quote(s, len, q));
		f->key = K_IGNORE;
	} else if (f->seen[k].line != 0) {
		diag_add(&l->msg, 0, &pos, "duplicate key '%s' (first at line %u)",
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
			diag_add(&l->msg, 0, &f->kpos,
			    "domains: needs at least one domain");
		else
			wrong_kind(l, ev, "a mapping", keydefs[k].name);
		return;
	case K_DELIVER_TO:
	case K_TO:
	case K_SENDERS:
	case K_DKIM_SELECTORS:
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
			diag_add(&l->msg, 0, &pos, "empty %s in %s",
			    f->key == K_SENDERS ? "entry" :
			    f->key == K_DKIM_SELECTORS ? "selector" : "address",
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
		wrong_kind(l, ev, f->key == K_SENDERS ?
		    "a domain or an address" : f->key == K_DKIM_SELECTORS ?
		    "a selector" : "an address",
		    keydefs[f->key].name);
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
			diag_add(&l->msg, 0, &f->start, "missing key 'domains'");
		break;
	case CTX_DOMAINS:
		if (f->nkeys == 0 && up != NULL)
			diag_add(&l->msg, 0, &up->kpos,
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

	diag_add(&l->msg, 0, &pos, "expected %s for %s, found %s", want, what,
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
		diag_add(&l->msg, 0, &pos, "invalid domain '%s': %s",
		    diag_quote(scalar(ev), scalar_len(ev), q), addr_strerror(err));
		return;
	}
	if ((l->dom.name = arena_strndup(&l->af->arena, name, strlen(name))) ==
	    NULL) {
		loader_oom(l);
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
		diag_add(&l->msg, 0, &pos, "missing deliver_to for domain %s",
		    l->dom.name);
	if (af->ndomains == DOMAINS_MAX) {
		diag_add(&l->msg, 0, &pos, "more than %d domains", DOMAINS_MAX);
		return;
	}
	if (af->ndomains == l->dcap) {
		cap = l->dcap == 0 ? 16 : l->dcap * 2;
		if ((d = realloc(af->domains, cap * sizeof(*d))) == NULL) {
			loader_oom(l);
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
		diag_add(&l->msg, 0, &pos, "invalid alias address '%s': %s",
		    diag_quote(scalar(ev), scalar_len(ev), q), addr_strerror(err));
		return;
	}
	if ((len = addr_format(&addr, buf, sizeof(buf))) == (size_t)-1) {
		diag_add(&l->msg, 0, &pos, "invalid alias address '%s': %s",
		    diag_quote(scalar(ev), scalar_len(ev), q),
		    addr_strerror(ADDR_PATH_LONG));
		return;
	}
	if (buf[0] == '#') {
		/* export could not write it: postmap skips "#" lines. */
		diag_add(&l->msg, 0, &pos, "invalid alias address '%s': a local "
		    "part starting with '#' cannot be written in virtual(5) "
		    "text", diag_quote(scalar(ev), scalar_len(ev), q));
		return;
	}
	if ((a->key = arena_strndup(&l->af->arena, buf, len)) == NULL) {
		loader_oom(l);
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
	static const enum key never[] = {K_REVOKED, K_EXPIRES, K_RECEIVE_ONLY,
	    K_SENDERS};
	struct aliasfile *af = l->af;
	struct af_alias *a;
	size_t i, cap;
	int k;

	if (f != NULL && f->seen[K_REASON].line != 0 &&
	    f->seen[K_REVOKED].line == 0)
		diag_add(&l->msg, 0, &f->seen[K_REASON],
		    "reason is only allowed together with revoked");
	if (l->alias.key == NULL)
		return;
	k = addr_always(l->alias.key, strcspn(l->alias.key, "@"));
	for (i = 0; k != -1 && f != NULL && i < 4; i++)
		if (f->seen[never[i]].line != 0)
			diag_add(&l->msg, 0, &f->seen[never[i]],
			    "%s@ is always accepted (%s) and cannot be "
			    "revoked, expire, be receive-only or locked",
			    addr_always_local[k], addr_always_rfc[k]);
	/*
	 * Kept, so that restore brings the lock back; but a revoked alias
	 * refuses every sender, which the owner may not expect.
	 */
	if (f != NULL && f->seen[K_SENDERS].line != 0 &&
	    (l->alias.flags & AF_REVOKED))
		diag_add(&l->msg, 1, &f->seen[K_SENDERS],
		    "senders has no effect while %s is revoked (every sender "
		    "is refused; the lock applies again after restore)",
		    l->alias.key);

	if (af->naliases == l->acap) {
		if (l->acap >= UINT32_MAX / 2) {
			diag_add(&l->msg, 0, NULL, "too many aliases");
			l->fatal = 1;
			return;
		}
		cap = l->acap == 0 ? 1024 : l->acap * 2;
		if ((a = realloc(af->aliases, cap * sizeof(*a))) == NULL) {
			loader_oom(l);
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

/*
 * One entry of "senders:" (the scalar ev), normalised by addr_sender()
 * into buf (ADDR_BUF bytes) and its length into *len.  Returns 0, or -1
 * after saying why.
 */
static int
sender_entry(struct loader *l, const yaml_event_t *ev, char *buf,
    size_t *len)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	char q[QUOTE_BUF];
	int err, domain;

	if ((err = addr_sender(scalar(ev), scalar_len(ev), buf, len,
	    &domain)) == ADDR_OK)
		return 0;
	diag_add(&l->msg, 0, &pos, "invalid %s '%s' in senders: %s",
	    domain ? "domain" : "address",
	    diag_quote(scalar(ev), scalar_len(ev), q), addr_strerror(err));
	return -1;
}

/*
 * One entry of "dkim_selectors:" (the scalar ev), as addr_selector()
 * writes it, into buf (ADDR_BUF bytes), its length in *len.  Returns 0,
 * or -1 after saying why.
 */
static int
selector_entry(struct loader *l, const yaml_event_t *ev, char *buf,
    size_t *len)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	char q[QUOTE_BUF];

	if (addr_selector(scalar(ev), scalar_len(ev), buf) == 0) {
		*len = scalar_len(ev);
		return 0;
	}
	diag_add(&l->msg, 0, &pos, "invalid selector '%s' in dkim_selectors: "
	    "expected DNS labels (letters, digits, '-', '_') separated by "
	    "dots, at most %d bytes", diag_quote(scalar(ev), scalar_len(ev), q),
	    ADDR_SELECTOR_MAX);
	return -1;
}

/* Adds one target (a scalar) to the list being built for key k. */
static void
targets_add(struct loader *l, enum key k, const yaml_event_t *ev)
{
	struct pos pos = mark_pos(l, &ev->start_mark);
	struct addr addr;
	char buf[ADDR_BUF], q[QUOTE_BUF], *p;
	size_t len = 0, i, plen, cap;
	size_t sep = k == K_SENDERS || k == K_DKIM_SELECTORS ? 1 : 2;
	size_t max = k == K_SENDERS ? SENDERS_MAX :
	    k == K_DKIM_SELECTORS ? SELECTORS_MAX : TARGETS_MAX;
	int err;

	if (k == K_SENDERS || k == K_DKIM_SELECTORS) {
		if ((k == K_SENDERS ? sender_entry(l, ev, buf, &len) :
		    selector_entry(l, ev, buf, &len)) == -1) {
			l->tbad = 1;
			return;
		}
	} else {
		err = addr_parse(scalar(ev), scalar_len(ev), ADDR_KEEP_CASE,
		    &addr);
		if (err == ADDR_OK &&
		    (len = addr_format(&addr, buf, sizeof(buf))) == (size_t)-1)
			err = ADDR_PATH_LONG;
		if (err != ADDR_OK) {
			diag_add(&l->msg, 0, &pos,
			    "invalid address '%s' in %s: %s",
			    diag_quote(scalar(ev), scalar_len(ev), q),
			    keydefs[k].name, addr_strerror(err));
			l->tbad = 1;
			return;
		}
	}
	if (l->tcount == max) {
		if (k == K_SENDERS || k == K_DKIM_SELECTORS)
			diag_add(&l->msg, 0, &pos, "more than %zu entries in "
			    "%s", max, keydefs[k].name);
		else
			diag_add(&l->msg, 0, &pos,
			    "more than %d addresses in %s "
			    "(Postfix's virtual_alias_expansion_limit)",
			    TARGETS_MAX, keydefs[k].name);
		l->tbad = 1;
		return;
	}
	if (k == K_SENDERS && l->tlen + (l->tcount > 0) + len >
	    SENDERS_BYTES) {
		diag_add(&l->msg, 0, &pos, "senders is longer than %d bytes "
		    "(entries and one space between each)", SENDERS_BYTES);
		l->tbad = 1;
		return;
	}
	/*
	 * Mailboxes are case-insensitive in practice, so Me@ and me@ are
	 * the same target written twice.
	 */
	for (i = 0; i < l->tcount; i++) {
		p = l->tbuf + l->toff[i];
		plen = (i + 1 < l->tcount ? l->toff[i + 1] - sep : l->tlen) -
		    l->toff[i];
		if (plen == len && ascii_casecmp(p, buf, len) == 0) {
			diag_add(&l->msg, 0, &pos, "duplicate %s %s in %s",
			    k == K_DKIM_SELECTORS ? "selector" :
			    k != K_SENDERS ? "address" :
			    memchr(buf, '@', len) != NULL ? "address" :
			    "domain", buf, keydefs[k].name);
			l->tbad = 1;
			return;
		}
	}
	if (l->tlen + len + 3 > l->tcap) {
		cap = l->tcap == 0 ? 256 : l->tcap;
		while (cap < l->tlen + len + 3)
			cap *= 2;
		if ((p = realloc(l->tbuf, cap)) == NULL) {
			loader_oom(l);
			return;
		}
		l->tbuf = p;
		l->tcap = cap;
	}
	if (l->tcount > 0) {
		memcpy(l->tbuf + l->tlen, sep == 1 ? " " : ", ", sep);
		l->tlen += sep;
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
		diag_add(&l->msg, 0, pos, "%s needs at least one %s",
		    keydefs[k].name, k == K_SENDERS ? "domain or address" :
		    k == K_DKIM_SELECTORS ? "selector" : "address");
		return;
	}
	if ((s = arena_strndup(&l->af->arena, l->tbuf, l->tlen)) == NULL) {
		loader_oom(l);
		return;
	}
	if (k == K_DELIVER_TO)
		l->dom.deliver_to = s;
	else if (k == K_DKIM_SELECTORS)
		l->dom.dkim_selectors = s;
	else if (k == K_SENDERS)
		l->alias.senders = s;
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
		diag_add(&l->msg, 0, &pos, "map contains a control character");
		return;
	}
	if ((l->af->map = arena_strndup(
		 &l->af->arena, scalar(ev), scalar_len(ev))) == NULL)
		loader_oom(l);
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
		diag_add(&l->msg, 0, &pos,
		    "bad subaddress '%s': expected 1 to %d delimiter "
		    "characters (not letters, digits, '@', '\"' or blanks)",
		    diag_quote(s, len, q), SUBADDR_MAX);
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
			diag_add(&l->msg, 0, &pos, "%s contains a control character",
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
		loader_oom(l);
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
		diag_add(&l->msg, 1, &pos,
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
		diag_add(&l->msg, 0, &pos,
		    "bad date for %s: '%s' "
		    "(expected YYYY-MM-DD, a real calendar day)",
		    keydefs[k].name, diag_quote(scalar(ev), scalar_len(ev), q));
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
	diag_add(&l->msg, 0, &pos,
	    "bad value for receive_only: '%s' (expected true or false)",
	    diag_quote(s, scalar_len(ev), q));
}


void
loader_oom(struct loader *l)
{
	diag_oom(&l->msg);
	l->fatal = 1;
}
