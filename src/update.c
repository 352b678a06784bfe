/*
 * update.c: revoking one alias by changing its keys in copies of the
 * compiled map, not by a compile (see update.h for when it applies).
 */
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "aliasfile.h"
#include "aliasfile_edit.h"
#include "amap.h"
#include "policy.h"
#include "update.h"

#define UPDATE_TRIES	16	/* windows parsed before giving up */

struct update {
	int	 lockfd;
	char	 mpath[4096];		/* MAP.lmdb */
	char	 ppath[4096];		/* MAP.policy.lmdb */
	char	 key[ADDR_BUF];
	char	*text;			/* the new alias file */
	size_t	 len;
	int	 in_map;		/* the key is in MAP.lmdb: delete it */
	dev_t	 mapdev;		/* the current map, kept when in_map is 0 */
	ino_t	 mapino;
	struct policy_source source;	/* of text */
	struct policy_counts counts;
	int32_t	 day;			/* of the counts */
	char	 record[POLICY_RECORD_MAX];	/* the key's */
	char	 lines[COMPILE_LINES_BUF];
};

/* What the policy file says about the compile, read by check_policy(). */
struct compiled {
	struct policy_source source;
	struct policy_counts counts;
	int32_t	 day;
	uint32_t lines[COMPILE_LINES_MAX];
	size_t	 nlines;
	int	 has_record;		/* the key has a policy record */
	struct policy_alias pa;
};

static int	check_policy(struct update *, struct compiled *, const char *,
		    struct errbuf *);
static int	plain_lines(const char *, size_t);
static int	line_offsets(const char *, size_t, const struct compiled *,
		    size_t *);
static int	try_window(struct update *, const struct compiled *,
		    const char *, size_t, size_t, size_t, const char *,
		    const char *, struct errbuf *);
static int	window_checks(const char *, size_t, const char *, size_t,
		    const char *, const char *, const char *,
		    const struct af_alias **, struct aliasfile **);
static int	same_text(const char *, const char *);
static size_t	count_lines(const char *, size_t);

/*
 * Reads what the compile recorded and checks that it belongs to the
 * alias file text of len bytes: the same map, fingerprint and day.
 * Returns 0, or UPDATE_FULL with the reason in e.
 */
static int
check_policy(struct update *u, struct compiled *c, const char *text,
    struct errbuf *e)
{
	struct amap *map = NULL, *pol = NULL;
	char	 val[AMAP_VALUE_MAX];
	dev_t	 dev;
	ino_t	 ino;
	int	 rc = UPDATE_FULL, r;
	size_t	 len = u->len;

	if (amap_open(u->ppath, &pol, e) == -1 ||
	    amap_open(u->mpath, &map, e) == -1)
		goto out;
	amap_ident(map, &u->mapdev, &u->mapino);
	if (amap_get(pol, POLICY_KEY_VERSION, val, sizeof(val), e) != 1 ||
	    strcmp(val, POLICY_VERSION) != 0 ||
	    amap_get(pol, POLICY_KEY_MAP, val, sizeof(val), e) != 1 ||
	    policy_parse_ident(val, &dev, &ino) == -1 ||
	    dev != u->mapdev || ino != u->mapino) {
		errbuf_set(e, "the map and policy files are not from one "
		    "compile of this version");
		goto out;
	}
	if (amap_get(pol, POLICY_KEY_SOURCE, val, sizeof(val), e) != 1 ||
	    policy_parse_source(val, &c->source) == -1 ||
	    amap_get(pol, POLICY_KEY_COUNTS, val, sizeof(val), e) != 1 ||
	    policy_parse_counts(val, &c->counts, &c->day) == -1) {
		errbuf_set(e, "the policy file has no fingerprint of the "
		    "alias file");
		goto out;
	}
	if (c->source.size != len ||
	    digest_of(text, c->source.split) != c->source.head ||
	    digest_of(text + c->source.split, len - c->source.split) !=
	    c->source.tail) {
		errbuf_set(e, "the alias file changed since it was compiled");
		goto out;
	}
	if (!c->source.windows ||
	    amap_get(pol, POLICY_KEY_LINES, val, sizeof(val), e) != 1 ||
	    policy_parse_lines(val, c->lines, COMPILE_LINES_MAX,
	    &c->nlines) == -1) {
		errbuf_set(e, "the aliases are not a block mapping at column "
		    "3 ending the file");
		goto out;
	}
	if ((r = amap_get(pol, u->key, val, sizeof(val), e)) == -1 ||
	    (r == 1 && policy_parse_alias(val, &c->pa) == -1))
		goto out;
	c->has_record = r == 1;
	if (c->has_record && (c->pa.flags & (POLICY_TARGET | POLICY_REVOKED))) {
		errbuf_set(e, "%s is %s", u->key, c->pa.flags & POLICY_TARGET ?
		    "the target of another alias" : "revoked already");
		goto out;
	}
	if ((r = amap_get(map, u->key, val, sizeof(val), e)) == -1)
		goto out;
	u->in_map = r == 1;
	if (!u->in_map && !c->has_record) {
		errbuf_set(e, "%s is not in the map", u->key);
		goto out;
	}
	rc = 0;
out:
	amap_close(map);
	amap_close(pol);
	return rc;
}

/*
 * Nonzero when the only line breaks libyaml sees in text are LF (no CR,
 * NEL, LS or PS) and there is no NUL (UTF-16 text): then line N starts
 * after the (N-1)th LF.
 */
static int
plain_lines(const char *text, size_t len)
{
	return memchr(text, '\r', len) == NULL &&
	    memchr(text, '\0', len) == NULL &&
	    memmem(text, len, "\xc2\x85", 2) == NULL &&
	    memmem(text, len, "\xe2\x80\xa8", 3) == NULL &&
	    memmem(text, len, "\xe2\x80\xa9", 3) == NULL;
}

/*
 * Fills off[i] with the byte offset of the line c->lines[i].  Returns 0,
 * or -1 when the text has fewer lines.
 */
static int
line_offsets(const char *text, size_t len, const struct compiled *c,
    size_t *off)
{
	const char *p = text, *nl, *end = text + len;
	size_t	 line = 1, i;

	for (i = 0; i < c->nlines; i++) {
		while (line < c->lines[i]) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				return -1;
			p = nl + 1;
			line++;
		}
		off[i] = (size_t)(p - text);
	}
	return 0;
}

static size_t
count_lines(const char *s, size_t len)
{
	const char *nl, *end = s + len;
	size_t	 n = 0;

	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		n++;
		s = nl + 1;
	}
	return n;
}

static int
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Checks an edited window against the original: both load, they hold
 * the same aliases in the same order with the same settings, except
 * that key is now revoked on date with reason (or the old reason when
 * NULL).  Returns 0 with the edited alias in *edited (owned by *hold,
 * which the caller frees), or -1.
 */
static int
window_checks(const char *win, size_t wlen, const char *ed, size_t edlen,
    const char *key, const char *date, const char *reason,
    const struct af_alias **edited, struct aliasfile **hold)
{
	struct aliasfile *a = NULL, *b = NULL;
	const struct af_alias *x, *y;
	int32_t	 day;
	size_t	 i, found = 0;
	int	 rc = -1;

	if (date_parse(date, strlen(date), &day) == -1 ||
	    af_window_load(win, wlen, &a) == -1 ||
	    af_window_load(ed, edlen, &b) == -1 ||
	    a->naliases != b->naliases)
		goto out;
	for (i = 0; i < a->naliases; i++) {
		x = &a->aliases[i];
		y = &b->aliases[i];
		if (strcmp(x->key, y->key) != 0 || !same_text(x->to, y->to) ||
		    !same_text(x->note, y->note) || x->created != y->created ||
		    x->expires != y->expires ||
		    !same_text(x->senders, y->senders))
			goto out;
		if (strcmp(x->key, key) != 0) {
			if (x->flags != y->flags || x->revoked != y->revoked ||
			    !same_text(x->reason, y->reason))
				goto out;
			continue;
		}
		if (found++ > 0 || (x->flags & AF_REVOKED) ||
		    y->flags != (x->flags | AF_REVOKED) || y->revoked != day ||
		    !same_text(y->reason, reason != NULL ? reason : x->reason))
			goto out;
		*edited = y;
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
 * Revokes the key in the window [ws, we) of text (lines from index w of
 * c->lines on).  Returns 0 with u->text and the new records filled,
 * AF_EDIT_NOT_FOUND when the key is not in the window, or UPDATE_FULL
 * with the reason in e.
 */
static int
try_window(struct update *u, const struct compiled *c, const char *text,
    size_t w, size_t ws, size_t we, const char *date, const char *reason,
    struct errbuf *e)
{
	const size_t plen = sizeof(AF_WINDOW_PREFIX) - 1;
	const struct af_alias *y = NULL;
	struct aliasfile *hold = NULL;
	struct policy_alias pa;
	char	*buf = NULL, *out = NULL;
	uint32_t moved[COMPILE_LINES_MAX];
	size_t	 outlen, edlen, i;
	intmax_t dl;
	int	 r, rc = UPDATE_FULL;

	if ((buf = malloc(plen + we - ws + 1)) == NULL) {
		errbuf_set(e, "out of memory");
		return UPDATE_FULL;
	}
	memcpy(buf, AF_WINDOW_PREFIX, plen);
	memcpy(buf + plen, text + ws, we - ws);
	buf[plen + we - ws] = '\0';
	r = af_edit_revoke(buf, plen + we - ws, u->key, date, reason, &out,
	    &outlen, e);
	if (r == AF_EDIT_NOT_FOUND) {
		rc = AF_EDIT_NOT_FOUND;
		goto out;
	}
	if (r != AF_EDIT_OK)
		goto out;
	if (outlen < plen || memcmp(out, AF_WINDOW_PREFIX, plen) != 0 ||
	    window_checks(text + ws, we - ws, out + plen, outlen - plen,
	    u->key, date, reason, &y, &hold) == -1) {
		errbuf_set(e, "the edited lines do not read as expected");
		goto out;
	}
	edlen = outlen - plen;
	u->len = ws + edlen + (u->len - we);
	if ((u->text = malloc(u->len + 1)) == NULL) {
		errbuf_set(e, "out of memory");
		goto out;
	}
	memcpy(u->text, text, ws);
	memcpy(u->text + ws, out + plen, edlen);
	memcpy(u->text + ws + edlen, text + we, u->len - ws - edlen);
	u->text[u->len] = '\0';

	/*
	 * The fingerprint of the new text, at the same split, or at its end
	 * for a file read in one part (as a compile would record it).
	 */
	u->source = c->source;
	u->source.size = u->len;
	if (c->source.split == c->source.size)
		u->source.split = u->len;
	if (ws < c->source.split)
		u->source.head = digest_of(u->text, u->source.split);
	u->source.tail = digest_of(u->text + u->source.split,
	    u->len - u->source.split);
	/* Keys after the window moved down by the lines added. */
	dl = (intmax_t)count_lines(out + plen, edlen) -
	    (intmax_t)count_lines(text + ws, we - ws);
	for (i = 0; i < c->nlines; i++)
		moved[i] = (uint32_t)((intmax_t)c->lines[i] + (i > w ? dl : 0));
	policy_format_lines(moved, c->nlines, u->lines, sizeof(u->lines));
	compile_alias_policy(y, &pa);
	if (policy_format_alias(&pa, u->record, sizeof(u->record)) == -1) {
		errbuf_set(e, "policy record too long");
		goto out;
	}
	u->counts = c->counts;
	u->day = c->day;
	if (u->in_map) {
		u->counts.active--;
		u->counts.entries--;
	} else
		u->counts.expired--;
	u->counts.revoked++;
	rc = 0;
out:
	af_free(hold);
	free(out);
	free(buf);
	return rc;
}

int
update_revoke(const char *text, size_t len, const char *mapbase,
    const char *key, const char *date, const char *reason, int32_t today,
    struct update **up, struct errbuf *e)
{
	struct update *u;
	struct compiled *c = NULL;
	char	 lpath[4096];
	size_t	*off = NULL, ws, we, lo, hi, mid, tried[UPDATE_TRIES];
	size_t	 ntried = 0, i, klen = strlen(key);
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
	snprintf(u->key, sizeof(u->key), "%s", key);
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
	if ((rc = check_policy(u, c, text, e)) != 0)
		goto out;
	rc = UPDATE_FULL;
	if (today != c->day) {
		errbuf_set(e, "the map was compiled on another day (expiry)");
		goto out;
	}
	if (!plain_lines(text, len) ||
	    (off = calloc(c->nlines, sizeof(*off))) == NULL ||
	    line_offsets(text, len, c, off) == -1) {
		errbuf_set(e, "the alias file has line breaks other than LF");
		goto out;
	}
	/*
	 * Where the key is written as aliasctl writes it: each hit is
	 * confirmed by parsing its window, so a hit in a comment or a note
	 * costs a window, never a wrong edit.
	 */
	for (p = text; ntried < UPDATE_TRIES &&
	    (hit = memmem(p, len - (size_t)(p - text), key, klen)) != NULL;
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
		ws = off[lo - 1];
		we = lo < c->nlines ? off[lo] : len;
		r = try_window(u, c, text, lo - 1, ws, we, date, reason, e);
		if (r != AF_EDIT_NOT_FOUND) {
			rc = r;
			goto out;
		}
	}
	errbuf_set(e, "%s is not written that way in the file", key);
out:
	free(off);
	free(c);
	if (rc != 0) {
		update_free(u);
		return rc;
	}
	*up = u;
	return 0;
}

const char *
update_text(const struct update *u, size_t *len)
{
	*len = u->len;
	return u->text;
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
	char	 buf[128];
	dev_t	 dev = u->mapdev;
	ino_t	 ino = u->mapino;
	int	 rc = EX_IOERR;

	if (u->in_map) {
		if (amap_out_copy(u->mpath, &map, e) == -1) {
			rc = EX_CANTCREAT;
			goto out;
		}
		if (amap_out_del(map, u->key, e) == -1)
			goto out;
		amap_out_ident(map, &dev, &ino);
	}
	if (amap_out_copy(u->ppath, &pol, e) == -1) {
		rc = EX_CANTCREAT;
		goto out;
	}
	policy_format_counts(&u->counts, u->day, buf, sizeof(buf));
	if (amap_out_put(pol, u->key, u->record, e) == -1 ||
	    amap_out_put(pol, POLICY_KEY_COUNTS, buf, e) == -1 ||
	    amap_out_put(pol, POLICY_KEY_LINES, u->lines, e) == -1)
		goto out;
	policy_format_ident(dev, ino, buf, sizeof(buf));
	if (amap_out_put(pol, POLICY_KEY_MAP, buf, e) == -1)
		goto out;
	policy_format_source(&u->source, buf, sizeof(buf));
	if (amap_out_put(pol, POLICY_KEY_SOURCE, buf, e) == -1)
		goto out;
	/* The policy first, as compile_map() does: see there. */
	if ((map != NULL && amap_out_finish(map, e) == -1) ||
	    amap_out_commit(pol, e) == -1 ||
	    (map != NULL && amap_out_commit(map, e) == -1))
		goto out;
	rc = 0;
out:
	amap_out_free(pol);
	amap_out_free(map);
	return rc;
}

void
update_free(struct update *u)
{
	if (u == NULL)
		return;
	if (u->lockfd != -1)
		close(u->lockfd);
	free(u->text);
	free(u);
}
