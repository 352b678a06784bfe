/*
 * update.c: an edit of one alias (revoke, restore, lock, unlock, add,
 * and the adds of an import) made by changing its keys in copies of the
 * compiled map, not by a compile (see update.h for when it applies).
 *
 * Size: a little over 1,000 lines.  What it proves (the map belongs to
 * the text, the window reads as the whole file would, the edit is only
 * what was asked) and what it writes share one update's state, and each
 * rule it applies is compile.c's or the editor's, called, not restated.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_edit.h"
#include "amap.h"
#include "edit.h"
#include "policy.h"
#include "scan.h"
#include "update.h"

#define UPDATE_TRIES	16	/* windows parsed before giving up */

/* What one alias's edit changes in the two files. */
struct change {
	const char *key;		/* normalised (the edit's) */
	int	 known;		/* an alias of the file now */
	int	 in_map;		/* the key is in MAP.lmdb now */
	int	 map_del;		/* remove it from MAP.lmdb */
	char	*map_value;		/* or put it with this value */
	int	 pol_del;		/* remove its policy record */
	char	*record;		/* or put this one */
};

struct update {
	int	 lockfd;
	char	 mpath[4096];		/* MAP.lmdb */
	char	 ppath[4096];		/* MAP.policy.lmdb */
	struct change *ch;		/* one per alias edited */
	size_t	 nch;
	/*
	 * The new alias file: the old text (the caller's) up to ws, the
	 * edited window, the old text from we on; len bytes in all.
	 */
	const char *old;
	size_t	 ws, we;
	char	*win;
	size_t	 winlen;
	size_t	 len;
	dev_t	 mapdev;		/* the current map, kept when unchanged */
	ino_t	 mapino;
	struct policy_source source;	/* of text */
	struct policy_counts counts;
	int32_t	 day;			/* of the counts */
	char	 lines[COMPILE_LINES_BUF];
};

/* What the policy file says about the compile, read by check_policy(). */
struct compiled {
	struct policy_source source;
	struct policy_counts counts;
	int32_t	 day;
	uint32_t lines[COMPILE_LINES_MAX];
	size_t	 nlines;
	int	 has_record;		/* the (first) key has a policy record */
	struct policy_alias pa;		/* its flags */
};

/* An edit of one window: what try_window() needs besides the text. */
struct window {
	const struct edit *ed;
	const struct aliasfile *head;	/* the file's domains */
	int32_t	 today;
	size_t	 w;			/* index of its first line in lines */
	size_t	 ws, we;		/* its bytes in the text */
};

static int	open_pair(const char *, const char *, const char *, size_t,
		    struct compiled *, struct amap **, struct amap **, dev_t *,
		    ino_t *, struct errbuf *);
static int	lookup_key(struct amap *, struct amap *, const char *,
		    struct compiled *, int *, struct errbuf *);
static int	check_policy(struct update *, struct compiled *, const char *,
		    struct errbuf *);
static int	check_op(const struct update *, const struct compiled *,
		    const struct edit *, struct errbuf *);
static int	line_offsets(const char *, size_t, const struct compiled *,
		    size_t *);
static int	edit_window(const struct edit *, const char *, size_t,
		    char **, size_t *, struct errbuf *);
static int	try_window(struct update *, const struct compiled *,
		    const char *, const struct window *, struct errbuf *);
static int	window_checks(const struct update *, const struct edit *,
		    const char *, size_t, const char *, size_t, size_t *,
		    struct aliasfile **);
static int	expected(const struct edit *, const struct af_alias *,
		    struct af_alias *, char *, size_t);
static int	same_alias(const struct af_alias *, const struct af_alias *);
static int	same_text(const char *, const char *);
static int	managed_target(const struct aliasfile *, const char *);
static int	next_state(struct update *, const struct compiled *,
		    const struct window *, struct change *,
		    const struct af_alias *, struct errbuf *);
static const struct af_new_alias *adds_of(const struct edit *, size_t *);
static size_t	add_prefix(const struct edit *, size_t, char **);
static void	count_state(struct policy_counts *, int, int);
static uint64_t	pieces_digest(const struct iovec *, size_t, size_t, size_t);

/*
 * Opens the policy file ppath and the map mpath of a compile and checks
 * that they belong to the alias file text of len bytes: one compile of
 * this version, the same fingerprint, laid out in windows (lines in
 * c).  Returns 0 with both open in *pol and *map (the caller closes
 * them) and the map's identity in *dev, *ino, or UPDATE_FULL with the
 * reason in e.
 */
static int
open_pair(const char *ppath, const char *mpath, const char *text,
    size_t len, struct compiled *c, struct amap **pol, struct amap **map,
    dev_t *mapdev, ino_t *mapino, struct errbuf *e)
{
	char	 val[AMAP_VALUE_MAX];
	dev_t	 dev;
	ino_t	 ino;

	*pol = *map = NULL;
	if (amap_open(ppath, pol, e) == -1 ||
	    amap_open(mpath, map, e) == -1)
		goto fail;
	amap_ident(*map, mapdev, mapino);
	if (amap_get(*pol, POLICY_KEY_VERSION, val, sizeof(val), e) != 1 ||
	    strcmp(val, POLICY_VERSION) != 0 ||
	    amap_get(*pol, POLICY_KEY_MAP, val, sizeof(val), e) != 1 ||
	    policy_parse_ident(val, &dev, &ino) == -1 ||
	    dev != *mapdev || ino != *mapino) {
		errbuf_set(e, "the map and policy files are not from one "
		    "compile of this version");
		goto fail;
	}
	if (amap_get(*pol, POLICY_KEY_SOURCE, val, sizeof(val), e) != 1 ||
	    policy_parse_source(val, &c->source) == -1 ||
	    amap_get(*pol, POLICY_KEY_COUNTS, val, sizeof(val), e) != 1 ||
	    policy_parse_counts(val, &c->counts, &c->day) == -1) {
		errbuf_set(e, "the policy file has no fingerprint of the "
		    "alias file");
		goto fail;
	}
	if (c->source.size != len ||
	    digest_of(text, c->source.split) != c->source.head ||
	    digest_of(text + c->source.split, len - c->source.split) !=
	    c->source.tail) {
		errbuf_set(e, "the alias file changed since it was compiled");
		goto fail;
	}
	if (!c->source.windows ||
	    amap_get(*pol, POLICY_KEY_LINES, val, sizeof(val), e) != 1 ||
	    policy_parse_lines(val, c->lines, COMPILE_LINES_MAX,
	    &c->nlines) == -1 || c->nlines == 0) {
		errbuf_set(e, "the aliases are not a block mapping at column "
		    "3 ending the file");
		goto fail;
	}
	return 0;
fail:
	amap_close(*map);
	amap_close(*pol);
	*pol = *map = NULL;
	return UPDATE_FULL;
}

/*
 * Looks key up in the policy file pol and the map: 1 when the alias file
 * the pair belongs to has it (see check_op()), 0 when not, -1 on error
 * (said in e).  Fills c->has_record and c->pa (its flags only) and
 * *in_map.
 */
static int
lookup_key(struct amap *pol, struct amap *map, const char *key,
    struct compiled *c, int *in_map, struct errbuf *e)
{
	char	 val[AMAP_VALUE_MAX];
	int	 r;

	/* The senders point into val: only the flags are used. */
	if ((r = amap_get(pol, key, val, sizeof(val), e)) == -1 ||
	    (r == 1 && policy_parse_alias(val, &c->pa) == -1))
		return -1;
	c->has_record = r == 1;
	c->pa.senders = NULL;
	if ((r = amap_get(map, key, val, sizeof(val), e)) == -1)
		return -1;
	*in_map = r == 1;
	return c->has_record || *in_map;
}

/*
 * Reads what the compile recorded, checks that it belongs to the alias
 * file text of len bytes, and what the map and the policy file hold for
 * each key of u (c->has_record and c->pa: the first key's, which is the
 * only one but for an add).  Returns 0, or UPDATE_FULL with the reason
 * in e.
 */
static int
check_policy(struct update *u, struct compiled *c, const char *text,
    struct errbuf *e)
{
	struct compiled k;
	struct amap *map, *pol;
	size_t	 i;
	int	 rc = 0;

	if (open_pair(u->ppath, u->mpath, text, u->len, c, &pol, &map,
	    &u->mapdev, &u->mapino, e) != 0)
		return UPDATE_FULL;
	for (i = u->nch; i-- > 0 && rc == 0; )
		if ((u->ch[i].known = lookup_key(pol, map, u->ch[i].key,
		    i == 0 ? c : &k, &u->ch[i].in_map, e)) == -1)
			rc = UPDATE_FULL;
	amap_close(map);
	amap_close(pol);
	return rc;
}

/*
 * Whether the edit ed of u->key can take the one-key way, from what the
 * map and the policy file hold for the key: every alias of a file whose
 * map belongs to it is in the map (active) or has a policy record
 * (revoked, expiring, receive-only, locked, a target), so "in neither"
 * means "not in the file".  Every edit the full way would refuse, and
 * every edit that changes other aliases (a target revoked), takes the
 * full way, which says why in its own words.  Returns 0, or UPDATE_FULL
 * with the reason in e.
 */
static int
check_op(const struct update *u, const struct compiled *c,
    const struct edit *ed, struct errbuf *e)
{
	const unsigned flags = c->has_record ? c->pa.flags : 0;
	const char *key = u->ch[0].key;
	const int known = u->ch[0].known;
	size_t	 i, j;

	switch (ed->op) {
	case EDIT_ADD:
		for (i = 0; i < u->nch; i++) {
			key = u->ch[i].key;
			for (j = 0; j < i && strcmp(u->ch[j].key, key); j++)
				;
			if (u->ch[i].known || j < i ||
			    addr_always(key, strcspn(key, "@")) != -1) {
				errbuf_set(e, "%s is in the map, or twice",
				    key);
				return UPDATE_FULL;
			}
		}
		return 0;
	case EDIT_REVOKE:
		if (flags & (POLICY_TARGET | POLICY_REVOKED)) {
			errbuf_set(e, "%s is %s", key,
			    flags & POLICY_TARGET ?
			    "the target of another alias" : "revoked already");
			return UPDATE_FULL;
		}
		break;
	case EDIT_RESTORE:
		if (!(flags & POLICY_REVOKED) || (flags & POLICY_TARGET)) {
			errbuf_set(e, "%s is not revoked, or a target",
			    key);
			return UPDATE_FULL;
		}
		break;
	case EDIT_LOCK:
		/* Revoked and locked: the full way warns. */
		if (flags & POLICY_REVOKED) {
			errbuf_set(e, "%s is revoked", key);
			return UPDATE_FULL;
		}
		break;
	case EDIT_UNLOCK:
		break;
	}
	if (!known) {
		errbuf_set(e, "%s is not in the map", key);
		return UPDATE_FULL;
	}
	return 0;
}

/*
 * Fills off[i] with the byte offset of the line c->lines[i].  Returns 0,
 * or -1 when the text has fewer lines.
 */
static int
line_offsets(const char *text, size_t len, const struct compiled *c,
    size_t *off)
{
	const char *p = text;
	size_t	 line = 1, i;

	for (i = 0; i < c->nlines; i++) {
		if (scan_skip_lines(&p, text + len, &line, c->lines[i]) == -1)
			return -1;
		off[i] = (size_t)(p - text);
	}
	return 0;
}

static int
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Nonzero when x and y have the same key and settings. */
static int
same_alias(const struct af_alias *x, const struct af_alias *y)
{
	return strcmp(x->key, y->key) == 0 && same_text(x->to, y->to) &&
	    same_text(x->note, y->note) && same_text(x->reason, y->reason) &&
	    same_text(x->senders, y->senders) && x->created == y->created &&
	    x->revoked == y->revoked && x->expires == y->expires &&
	    x->flags == y->flags;
}

/*
 * The alias x as the edit ed should leave it, into *want; a lock's
 * senders are joined into buf (bufsize bytes).  Returns 0, or -1 when
 * the edit does not apply to x (revoking a revoked alias, ...).
 */
static int
expected(const struct edit *ed, const struct af_alias *x,
    struct af_alias *want, char *buf, size_t bufsize)
{
	size_t	 i, n = 0;
	int32_t	 day;

	*want = *x;
	switch (ed->op) {
	case EDIT_REVOKE:
		if ((x->flags & AF_REVOKED) ||
		    date_parse(ed->date, strlen(ed->date), &day) == -1)
			return -1;
		want->flags |= AF_REVOKED;
		want->revoked = day;
		if (ed->reason != NULL)
			want->reason = ed->reason;
		return 0;
	case EDIT_RESTORE:
		if (!(x->flags & AF_REVOKED))
			return -1;
		want->flags &= ~AF_REVOKED;
		want->revoked = DATE_NONE;
		want->reason = NULL;
		return 0;
	case EDIT_LOCK:
		buf[0] = '\0';
		for (i = 0; i < ed->nsenders; i++) {
			n += (size_t)snprintf(buf + n, n < bufsize ?
			    bufsize - n : 0, "%s%s", i > 0 ? " " : "",
			    ed->senders[i]);
			if (n >= bufsize)
				return -1;
		}
		want->senders = ed->nsenders > 0 ? buf : NULL;
		return 0;
	case EDIT_UNLOCK:
		if (x->senders == NULL)
			return -1;
		want->senders = NULL;
		return 0;
	default:
		return -1;
	}
}

/*
 * Checks an edited window against the original: both load, and they
 * hold the same aliases in the same order with the same settings,
 * except for what the edit ed of the keys of u changes (an add: one more
 * alias at the end for each key, in order).  Returns 0 with the edited
 * aliases, in the order of u's keys, from index *first of (*hold)->
 * aliases (the caller frees *hold), or -1.
 */
static int
window_checks(const struct update *u, const struct edit *ed,
    const char *win, size_t wlen, const char *out, size_t outlen,
    size_t *first, struct aliasfile **hold)
{
	struct aliasfile *a = NULL, *b = NULL;
	struct af_alias want;
	char	 buf[POLICY_RECORD_MAX];
	const struct af_alias *x, *y;
	size_t	 i, found = 0, added = ed->op == EDIT_ADD ? u->nch : 0;
	int	 rc = -1;

	if (af_window_load(win, wlen, &a) == -1 ||
	    af_window_load(out, outlen, &b) == -1 ||
	    b->naliases != a->naliases + added)
		goto out;
	for (i = 0; i < a->naliases; i++) {
		x = &a->aliases[i];
		y = &b->aliases[i];
		if (added || strcmp(x->key, ed->key) != 0) {
			if (!same_alias(x, y))
				goto out;
			continue;
		}
		if (found++ > 0 || expected(ed, x, &want, buf,
		    sizeof(buf)) == -1 || !same_alias(&want, y))
			goto out;
		*first = i;
	}
	for (i = 0; i < added; i++)
		if (strcmp(b->aliases[a->naliases + i].key,
		    u->ch[i].key) != 0)
			goto out;
	if (added) {
		*first = a->naliases;
		found = 1;
	}
	if (found == 1) {
		*hold = b;
		b = NULL;
		rc = 0;
	}
out:
	af_free(a);
	af_free(b);
	return rc;
}

/*
 * The aliases an add adds: ed->adds (an import), else ed->add; their
 * number in *n.
 */
static const struct af_new_alias *
adds_of(const struct edit *ed, size_t *n)
{
	*n = ed->nadds > 0 ? ed->nadds : 1;
	return ed->nadds > 0 ? ed->adds : &ed->add;
}

/*
 * The text an add's window is edited after: its keys' domains under
 * domains: (where the editor looks for them; plain names), then
 * AF_WINDOW_PREFIX, into a new buffer with room for extra more bytes
 * (the caller frees it).  Returns its length, or 0 when out of memory.
 */
static size_t
add_prefix(const struct edit *ed, size_t extra, char **bufp)
{
	const struct af_new_alias *adds;
	const char *d;
	char	*buf;
	size_t	 n, i, j, len = sizeof("domains:\n") - 1 +
	    sizeof(AF_WINDOW_PREFIX) - 1;

	adds = adds_of(ed, &n);
	for (i = 0; i < n; i++)
		len += strlen(strrchr(adds[i].key, '@') + 1) + 4;
	if ((*bufp = buf = malloc(len + extra + 1)) == NULL)
		return 0;
	len = (size_t)sprintf(buf, "domains:\n");
	for (i = 0; i < n; i++) {
		d = strrchr(adds[i].key, '@') + 1;
		for (j = 0; j < i &&
		    strcmp(strrchr(adds[j].key, '@') + 1, d) != 0; j++)
			;
		if (j == i)
			len += (size_t)sprintf(buf + len, "  %s:\n", d);
	}
	len += (size_t)sprintf(buf + len, "%s", AF_WINDOW_PREFIX);
	return len;
}

/*
 * Makes the edit ed on a window of len bytes at text: into a new buffer
 * *out (*outlen bytes, the caller frees it), after the prefix the editor
 * needs (AF_WINDOW_PREFIX, and a domains: block for an add), which the
 * edit must leave as it was and which is removed.  Returns an AF_EDIT_*
 * code.
 */
static int
edit_window(const struct edit *ed, const char *win, size_t wlen,
    char **out, size_t *outlen, struct errbuf *e)
{
	const struct af_new_alias *adds;
	char	*buf = NULL, *prev = NULL;
	size_t	 plen, n, i;
	int	 r;

	if (ed->op == EDIT_ADD)
		plen = add_prefix(ed, wlen, &buf);
	else if ((buf = malloc(sizeof(AF_WINDOW_PREFIX) + wlen)) != NULL)
		plen = (size_t)sprintf(buf, "%s", AF_WINDOW_PREFIX);
	if (buf == NULL || plen == 0) {
		free(buf);
		errbuf_set(e, "out of memory");
		return AF_EDIT_NOMEM;
	}
	memcpy(buf + plen, win, wlen);
	buf[plen + wlen] = '\0';
	switch (ed->op) {
	case EDIT_ADD:
		/* One after the other, as edit_adds() does. */
		adds = adds_of(ed, &n);
		for (i = 0, r = AF_EDIT_OK; i < n && r == AF_EDIT_OK; i++) {
			r = af_edit_add(prev != NULL ? prev : buf,
			    prev != NULL ? *outlen : plen + wlen, &adds[i],
			    out, outlen, e);
			free(prev);
			prev = r == AF_EDIT_OK && i + 1 < n ? *out : NULL;
		}
		break;
	case EDIT_REVOKE:
		r = af_edit_revoke(buf, plen + wlen, ed->key, ed->date,
		    ed->reason, out, outlen, e);
		break;
	case EDIT_RESTORE:
		r = af_edit_restore(buf, plen + wlen, ed->key, out, outlen, e);
		break;
	case EDIT_LOCK:
		r = af_edit_lock(buf, plen + wlen, ed->key, ed->senders,
		    ed->nsenders, out, outlen, e);
		break;
	default:
		r = af_edit_unlock(buf, plen + wlen, ed->key, out, outlen, e);
		break;
	}
	/* The prefix must come back as it was: strip it. */
	if (r == AF_EDIT_OK && (*outlen < plen ||
	    memcmp(*out, buf, plen) != 0)) {
		errbuf_set(e, "the editor changed the lines before the window");
		free(*out);
		*out = NULL;
		r = AF_EDIT_BAD;
	} else if (r == AF_EDIT_OK) {
		*outlen -= plen;
		memmove(*out, *out + plen, *outlen + 1);
	}
	free(buf);
	return r;
}

/*
 * Nonzero when the targets s (joined by ", "), or one of them, are at a
 * domain of head: such a target must be an active alias, which only a
 * load of the whole file can tell.
 */
static int
managed_target(const struct aliasfile *head, const char *s)
{
	char	 dom[256];
	const char *at, *end;
	size_t	 n;

	while (s != NULL && *s != '\0') {
		end = strstr(s, ", ");
		n = end != NULL ? (size_t)(end - s) : strlen(s);
		if ((at = memchr(s, '@', n)) == NULL)
			return 1;
		while (memchr(at + 1, '@', n - (size_t)(at + 1 - s)) != NULL)
			at = memchr(at + 1, '@', n - (size_t)(at + 1 - s));
		if ((size_t)(s + n - at - 1) >= sizeof(dom))
			return 1;
		memcpy(dom, at + 1, (size_t)(s + n - at - 1));
		dom[s + n - at - 1] = '\0';
		if (af_find_domain(head, dom) != -1)
			return 1;
		s = end != NULL ? end + 2 : NULL;
	}
	return 0;
}

/* Moves one alias into (add 1) or out of (add -1) its state's count. */
static void
count_state(struct policy_counts *c, int state, int add)
{
	size_t	*n = state == 'r' ? &c->revoked : state == 'x' ?
	    &c->expired : &c->active;

	*n += (size_t)(intmax_t)add;
	if (state == 'a')
		c->entries += (size_t)(intmax_t)add;
}

/*
 * What the edited alias y (as loaded from its window) means for the map
 * and the policy file, by compile's rules: fills the change ch and moves
 * the alias between u's counts.  Returns 0, or UPDATE_FULL with the
 * reason in e.
 */
static int
next_state(struct update *u, const struct compiled *c,
    const struct window *win, struct change *ch, const struct af_alias *y,
    struct errbuf *e)
{
	struct af_alias ya = *y;
	struct policy_alias pa;
	char	 rec[POLICY_RECORD_MAX];
	const char *value;
	int	 d, old, now, add = win->ed->op == EDIT_ADD;

	/* Whether it is a target is known to the policy file only. */
	if (!add && c->has_record &&
	    (c->pa.flags & POLICY_TARGET))
		ya.flags |= AF_TARGET;
	if ((d = af_find_domain(win->head, strrchr(ch->key, '@') + 1)) ==
	    -1) {
		errbuf_set(e, "%s is not at a domain under domains:", ch->key);
		return UPDATE_FULL;
	}
	value = ya.to != NULL ? ya.to : win->head->domains[d].deliver_to;
	now = compile_alias_active(&ya, win->today);
	/*
	 * compile checks the targets of every alias, expired ones too: an
	 * added alias's are new to the file whatever its state.
	 */
	if ((add || (now && !ch->in_map)) &&
	    (managed_target(win->head, value) ||
	    strlen(value) >= AMAP_VALUE_MAX)) {
		errbuf_set(e, "%s forwards to a managed domain", ch->key);
		return UPDATE_FULL;
	}
	/*
	 * Another alias may forward to user+ext@ of an existing user@: the
	 * new alias user+ext@ would then be that target, which only the
	 * whole file can tell.
	 */
	if (add && win->head->domains[d].subaddress[0] != '\0' &&
	    strcspn(ch->key, win->head->domains[d].subaddress) <
	    (size_t)(strrchr(ch->key, '@') - ch->key)) {
		errbuf_set(e, "%s holds a subaddress delimiter", ch->key);
		return UPDATE_FULL;
	}
	if (now && !ch->in_map && (ch->map_value = strdup(value)) == NULL) {
		errbuf_set(e, "out of memory");
		return UPDATE_FULL;
	}
	ch->map_del = ch->in_map && !now;
	if (compile_alias_has_policy(&ya)) {
		compile_alias_policy(&ya, &pa);
		if (policy_format_alias(&pa, rec, sizeof(rec)) == -1) {
			errbuf_set(e, "policy record too long");
			return UPDATE_FULL;
		}
		if ((ch->record = strdup(rec)) == NULL) {
			errbuf_set(e, "out of memory");
			return UPDATE_FULL;
		}
	} else
		ch->pol_del = 1;
	if (ch->known) {
		old = c->has_record && (c->pa.flags & POLICY_REVOKED) ? 'r' :
		    ch->in_map ? 'a' : 'x';
		count_state(&u->counts, old, -1);
	}
	count_state(&u->counts, (ya.flags & AF_REVOKED) ? 'r' : now ? 'a' :
	    'x', 1);
	return 0;
}

/*
 * Makes the edit in the window win of text.  Returns 0 with the new
 * text's pieces (pointing into text: keep it while u lives) and the new
 * records filled, AF_EDIT_NOT_FOUND when the key is not in the
 * window, or UPDATE_FULL with the reason in e.
 */
static int
try_window(struct update *u, const struct compiled *c, const char *text,
    const struct window *win, struct errbuf *e)
{
	struct aliasfile *hold = NULL;
	char	*out = NULL;
	uint32_t moved[COMPILE_LINES_MAX];
	struct iovec iov[UPDATE_PIECES];
	size_t	 edlen, i, j, n, nl, every, first = 0;
	intmax_t dl;
	int	 r, rc = UPDATE_FULL;

	r = edit_window(win->ed, text + win->ws, win->we - win->ws, &out,
	    &edlen, e);
	if (r == AF_EDIT_NOT_FOUND) {
		rc = AF_EDIT_NOT_FOUND;
		goto out;
	}
	if (r != AF_EDIT_OK)
		goto out;
	if (window_checks(u, win->ed, text + win->ws, win->we - win->ws, out,
	    edlen, &first, &hold) == -1) {
		errbuf_set(e, "the edited lines do not read as expected");
		goto out;
	}
	u->counts = c->counts;
	u->day = c->day;
	for (j = 0; j < u->nch; j++)
		if ((rc = next_state(u, c, win, &u->ch[j],
		    &hold->aliases[first + j], e)) != 0)
			goto out;
	rc = UPDATE_FULL;
	/* The new text is written from its three pieces, never copied. */
	u->len = win->ws + edlen + (u->len - win->we);
	u->old = text;
	u->ws = win->ws;
	u->we = win->we;
	u->win = out;
	u->winlen = edlen;
	out = NULL;
	n = update_pieces(u, iov);

	/*
	 * The fingerprint of the new text, at the same split, or at its end
	 * for a file read in one part (as a compile would record it).
	 */
	u->source = c->source;
	u->source.size = u->len;
	if (c->source.split == c->source.size)
		u->source.split = u->len;
	if (win->ws < c->source.split)
		u->source.head = pieces_digest(iov, n, 0, u->source.split);
	u->source.tail = pieces_digest(iov, n, u->source.split,
	    u->len - u->source.split);
	/* Keys after the window moved down by the lines added. */
	dl = (intmax_t)scan_count_lines(u->win, edlen) -
	    (intmax_t)scan_count_lines(text + win->ws, win->we - win->ws);
	for (i = 0; i < c->nlines; i++)
		moved[i] = (uint32_t)((intmax_t)c->lines[i] +
		    (i > win->w ? dl : 0));
	nl = c->nlines;
	if (win->ed->op == EDIT_ADD) {
		/* The new last aliases: their lines, if a compile records them. */
		i = c->counts.active + c->counts.revoked + c->counts.expired;
		every = compile_lines_every(i);
		if (every != compile_lines_every(i + u->nch)) {
			errbuf_set(e, "the lines record changes its stride");
			goto out;
		}
		for (j = 0; j < u->nch; j++)
			if ((i + j) % every == 0 && nl < COMPILE_LINES_MAX)
				moved[nl++] = c->lines[win->w] +
				    hold->aliases[first + j].line - 2;
	}
	policy_format_lines(moved, nl, u->lines, sizeof(u->lines));
	rc = 0;
out:
	af_free(hold);
	free(out);
	return rc;
}

int
update_edit(const char *text, size_t len, const char *mapbase,
    const struct edit *ed, int32_t today, struct update **up,
    struct errbuf *e)
{
	struct update *u;
	struct compiled *c = NULL;
	struct aliasfile *head = NULL;
	const struct af_new_alias *adds = NULL;
	struct window win;
	char	 lpath[4096];
	size_t	*off = NULL, lo, hi, mid, tried[UPDATE_TRIES];
	size_t	 ntried = 0, i, klen = strlen(ed->key), rare;
	const char *p, *hit;
	int	 rc = UPDATE_FULL, r;

	*up = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		free(u);
		errbuf_set(e, "out of memory");
		return EX_OSERR;
	}
	u->lockfd = -1;
	u->len = len;
	if (ed->op == EDIT_ADD)
		adds = adds_of(ed, &u->nch);
	else
		u->nch = 1;
	if ((u->ch = calloc(u->nch, sizeof(*u->ch))) == NULL) {
		errbuf_set(e, "out of memory");
		rc = EX_OSERR;
		goto out;
	}
	for (i = 0; i < u->nch; i++)
		u->ch[i].key = adds != NULL ? adds[i].key : ed->key;
	if (path_suffix(u->mpath, sizeof(u->mpath), mapbase,
	    COMPILE_SUFFIX_MAP) || path_suffix(u->ppath, sizeof(u->ppath),
	    mapbase, COMPILE_SUFFIX_POLICY) || path_suffix(lpath,
	    sizeof(lpath), mapbase, COMPILE_SUFFIX_LOCK)) {
		errbuf_set(e, "%s: map path too long", mapbase);
		goto out;
	}
	if ((u->lockfd = amap_writer_lock(lpath, COMPILE_LOCK_MS, e)) == -1) {
		rc = errno == EAGAIN ? EX_TEMPFAIL : UPDATE_FULL;
		goto out;
	}
	path_remove_temps(u->mpath, AMAP_TEMP_TAG);
	path_remove_temps(u->ppath, AMAP_TEMP_TAG);
	if ((rc = check_policy(u, c, text, e)) != 0 ||
	    (rc = check_op(u, c, ed, e)) != 0)
		goto out;
	rc = UPDATE_FULL;
	if (today != c->day) {
		errbuf_set(e, "the map was compiled on another day (expiry)");
		goto out;
	}
	if ((off = calloc(c->nlines, sizeof(*off))) == NULL) {
		errbuf_set(e, "out of memory");
		rc = EX_OSERR;
		goto out;
	}
	if (!scan_plain_lines(text, len) ||
	    line_offsets(text, len, c, off) == -1) {
		errbuf_set(e, "the alias file has line breaks other than LF");
		goto out;
	}
	/* The domains, from the text before the first alias. */
	if (af_head_load(text, off[0], &head) == -1) {
		errbuf_set(e, "the text before the aliases does not load on "
		    "its own");
		goto out;
	}
	win = (struct window){ .ed = ed, .head = head, .today = today };
	if (ed->op == EDIT_ADD) {
		/* At the end of the aliases, which end the file. */
		win.w = c->nlines - 1;
		win.ws = off[win.w];
		win.we = len;
		r = try_window(u, c, text, &win, e);
		rc = r == AF_EDIT_NOT_FOUND ? UPDATE_FULL : r;
		goto out;
	}
	/*
	 * Where the key is written as aliasctl writes it: each hit is
	 * confirmed by parsing its window, so a hit in a comment or a note
	 * costs a window, never a wrong edit.
	 */
	rare = scan_rare_byte(text + off[0], len - off[0] < 65536 ?
	    len - off[0] : 65536, ed->key, klen);
	for (p = text; ntried < UPDATE_TRIES &&
	    (hit = scan_find(p, text + len, ed->key, klen, rare)) != NULL;
	    p = hit + klen) {
		lo = 0;
		hi = c->nlines;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (off[mid] <= (size_t)(hit - text))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
			continue;	/* before the first alias */
		for (i = 0; i < ntried && tried[i] != lo - 1; i++)
			;
		if (i < ntried)
			continue;
		tried[ntried++] = lo - 1;
		win.w = lo - 1;
		win.ws = off[lo - 1];
		win.we = lo < c->nlines ? off[lo] : len;
		r = try_window(u, c, text, &win, e);
		if (r != AF_EDIT_NOT_FOUND) {
			rc = r;
			goto out;
		}
	}
	rc = UPDATE_FULL;
	errbuf_set(e, "%s is not written that way in the file", ed->key);
out:
	af_free(head);
	free(off);
	free(c);
	if (rc != 0) {
		update_free(u);
		return rc;
	}
	*up = u;
	return 0;
}

size_t
update_pieces(const struct update *u, struct iovec *iov)
{
	iov[0] = (struct iovec){ (void *)(uintptr_t)u->old, u->ws };
	iov[1] = (struct iovec){ u->win, u->winlen };
	iov[2] = (struct iovec){ (void *)(uintptr_t)(u->old + u->we),
	    u->len - u->ws - u->winlen };
	return UPDATE_PIECES;
}

/*
 * The digest of the len bytes from offset off of the text the n pieces
 * at iov make together.
 */
static uint64_t
pieces_digest(const struct iovec *iov, size_t n, size_t off, size_t len)
{
	struct digest d;
	size_t	 i, k;

	digest_init(&d);
	for (i = 0; i < n && len > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - off < len ? iov[i].iov_len - off : len;
		digest_update(&d, (const char *)iov[i].iov_base + off, k);
		len -= k;
		off = 0;
	}
	return digest_final(&d);
}

const struct policy_counts *
update_counts(const struct update *u)
{
	return &u->counts;
}

int
update_publish(struct update *u, struct errbuf *e)
{
	struct amap_out *map = NULL, *pol = NULL;
	struct change *ch;
	char	 buf[128];
	size_t	 i;
	dev_t	 dev = u->mapdev;
	ino_t	 ino = u->mapino;
	int	 rc = EX_IOERR;

	for (i = 0; i < u->nch; i++) {
		ch = &u->ch[i];
		if (!ch->map_del && ch->map_value == NULL)
			continue;
		if (map == NULL && amap_out_copy(u->mpath, &map, e) == -1) {
			rc = EX_CANTCREAT;
			goto out;
		}
		if ((ch->map_del && amap_out_del(map, ch->key, e) == -1) ||
		    (ch->map_value != NULL && amap_out_put(map, ch->key,
		    ch->map_value, e) == -1))
			goto out;
	}
	if (map != NULL)
		amap_out_ident(map, &dev, &ino);
	if (amap_out_copy(u->ppath, &pol, e) == -1) {
		rc = EX_CANTCREAT;
		goto out;
	}
	for (i = 0; i < u->nch; i++)
		if ((u->ch[i].pol_del ? amap_out_del(pol, u->ch[i].key, e) :
		    amap_out_put(pol, u->ch[i].key, u->ch[i].record, e)) == -1)
			goto out;
	policy_format_compiled(time(NULL), buf, sizeof(buf));
	if (amap_out_put(pol, POLICY_KEY_COMPILED, buf, e) == -1)
		goto out;
	policy_format_counts(&u->counts, u->day, buf, sizeof(buf));
	if (amap_out_put(pol, POLICY_KEY_COUNTS, buf, e) == -1 ||
	    amap_out_put(pol, POLICY_KEY_LINES, u->lines, e) == -1)
		goto out;
	policy_format_ident(dev, ino, buf, sizeof(buf));
	if (amap_out_put(pol, POLICY_KEY_MAP, buf, e) == -1)
		goto out;
	policy_format_source(&u->source, buf, sizeof(buf));
	if (amap_out_put(pol, POLICY_KEY_SOURCE, buf, e) == -1)
		goto out;
	rc = compile_publish(pol, map, e);
out:
	amap_out_free(pol);
	amap_out_free(map);
	return rc;
}

void
update_free(struct update *u)
{
	size_t	 i;

	if (u == NULL)
		return;
	if (u->lockfd != -1)
		close(u->lockfd);
	for (i = 0; u->ch != NULL && i < u->nch; i++) {
		free(u->ch[i].map_value);
		free(u->ch[i].record);
	}
	free(u->ch);
	free(u->win);
	free(u);
}

struct update_names {
	struct amap *pol;
	struct amap *map;
	struct compiled c;
};

int
update_names(const char *text, size_t len, const char *mapbase,
    struct update_names **np, struct aliasfile **head, struct errbuf *e)
{
	struct update_names *n;
	char	 mpath[4096], ppath[4096];
	const char *p = text;
	dev_t	 dev;
	ino_t	 ino;
	size_t	 line;

	*np = NULL;
	*head = NULL;
	if (path_suffix(mpath, sizeof(mpath), mapbase, COMPILE_SUFFIX_MAP) ||
	    path_suffix(ppath, sizeof(ppath), mapbase,
	    COMPILE_SUFFIX_POLICY)) {
		errbuf_set(e, "%s: map path too long", mapbase);
		return UPDATE_FULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		errbuf_set(e, "out of memory");
		return UPDATE_FULL;
	}
	if (open_pair(ppath, mpath, text, len, &n->c, &n->pol, &n->map,
	    &dev, &ino, e) != 0)
		goto fail;
	/* The head ends at the line of the first alias. */
	line = 1;
	if (scan_skip_lines(&p, text + len, &line, n->c.lines[0]) == -1 ||
	    !scan_plain_lines(text, (size_t)(p - text)) ||
	    af_head_load(text, (size_t)(p - text), head) == -1) {
		errbuf_set(e, "the text before the aliases does not load on "
		    "its own");
		goto fail;
	}
	*np = n;
	return 0;
fail:
	update_names_free(n);
	return UPDATE_FULL;
}

int
update_name_known(struct update_names *n, const char *key, struct errbuf *e)
{
	int	 in_map;

	return lookup_key(n->pol, n->map, key, &n->c, &in_map, e);
}

void
update_names_free(struct update_names *n)
{
	if (n == NULL)
		return;
	amap_close(n->map);
	amap_close(n->pol);
	free(n);
}
