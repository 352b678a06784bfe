/*
 * stats_days.c: the per-day history of the stats family (stats.h).
 *
 * What is kept.  For each alias and UTC day, the hits by kind: accepted,
 * revoked, expired, backscatter, locked (table "days"); for each UTC
 * day, the refusals of unknown recipients and the STATS_DAY_TOP most
 * tried addresses with their counts (table "unknown_days"), kept with
 * the Space-Saving algorithm (stats.h, struct stats_tried).  Days are
 * UTC so that two MX hosts in different time zones add up their rows of
 * one day; the day of a hit is the day of the second stats_hit() was
 * given, so in memory a key is counted per (key, day) and a flush
 * interval that crosses midnight writes both days.
 *
 * Keys.  A "days" key is the day, 4 bytes big-endian, then the alias:
 * LMDB's byte order is then day order, and one day's rows are adjacent.
 * That order is for the flush: a flush writes the rows of today, which
 * all sit at the end of the tree, so 1,000 aliases that got mail in one
 * second dirty a few leaf pages, where alias-major keys would dirty one
 * leaf page per alias (each alias's newest row is elsewhere in the
 * tree).  And the oldest rows are the first ones, which the fold deletes
 * from the start.  The price is paid by a reader of one alias, who gets
 * one row per day (a lookup each: 400 for the whole history).
 *
 * Writing.  Each alias counted in a flush interval costs one get and
 * one put in the flush's transaction (one per day it was counted on).
 * The unknown recipients of one day share one record, which the flush
 * reads once, updates in memory for every address it counted and
 * writes once (struct days_flush keeps up to four days; an interval
 * never spans more unless flushes failed for days, and then a fifth day
 * writes the four out and starts again).  Rows of days older than the
 * ones kept are not written: the totals count those hits already.
 *
 * Folding.  A row of a day older than STATS_DAYS_KEPT days (today
 * included) is deleted by the flusher, at most STATS_FOLD_MAX rows per
 * flush over both tables, the oldest first.  The totals of "aliases"
 * and "unknown" counted every hit when it was flushed, so folding
 * changes no total: it only forgets on which day a hit came.  A file
 * restored after a long pause loses its old rows over a few flushes (an
 * idle daemon flushes at least every STATS_HEARTBEAT seconds).
 *
 * Reading.  stats_read_days() and stats_read_daytotals() add up the
 * rows of several files as stats_read_all() adds up totals: rows of the
 * same alias and day add up; the lists of one day merge by address and
 * are cut to STATS_DAY_TOP again (rec_top_merge()).
 */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amap.h"
#include "stats.h"
#include "stats_priv.h"
#include "stats_rec.h"
#include "util.h"

#define DAY_SECONDS	86400

/* A row of "days" as read: alias and day. */
struct dayrow {
	char	*alias;			/* ours */
	struct stats_day d;
};

struct dayrows {
	struct dayrow *r;
	size_t	 n, cap;
};

static int	 top_write(struct stats *, MDB_txn *, int32_t,
		    const struct stats_top *, struct errbuf *);
static int	 top_load(struct stats *, MDB_txn *, struct days_flush *,
		    int32_t, struct stats_top **, struct errbuf *);
static int	 fold(struct stats *, MDB_txn *, int, int32_t, size_t *,
		    struct errbuf *);
static void	 day_add(struct stats_day *, const struct stats_day *);
static int	 rows_read(const char *, const char *, int32_t, int32_t,
		    struct dayrows *, struct stats_top *, struct errbuf *);
static int	 rows_push(struct dayrows *, const void *, size_t, int32_t,
		    const struct stats_day *);
static void	 rows_free(struct dayrows *);
static int	 dayrow_cmp(const void *, const void *);
static int	 span_check(int32_t, int32_t, struct errbuf *);

int32_t
stats_day_of(time_t t)
{
	if (t < 0)
		return 0;
	if ((uintmax_t)t / DAY_SECONDS > INT32_MAX)
		return INT32_MAX;
	return (int32_t)(t / DAY_SECONDS);
}

void
stats_days_begin(struct days_flush *df, time_t now)
{
	memset(df, 0, sizeof(*df));
	df->today = stats_day_of(now);
	df->oldest = df->today - STATS_DAYS_KEPT + 1;
}

/* Writes the list t of day.  Returns 0 or an LMDB error code (said). */
static int
top_write(struct stats *s, MDB_txn *txn, int32_t day,
    const struct stats_top *t, struct errbuf *e)
{
	unsigned char key[REC_DAYKEY_SIZE], rec[REC_TOP_MAX];
	MDB_val	 k, v;
	int	 rc;

	rec_daykey_encode(key, day);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	v.mv_data = rec;
	v.mv_size = rec_top_encode(rec, t);
	if ((rc = mdb_put(txn, s->dbi[TAB_UNKNOWN_DAYS], &k, &v, 0)) != 0)
		errbuf_set(e, "%s: %s day %d: %s", s->path,
		    stats_tab_name[TAB_UNKNOWN_DAYS], (int)day,
		    mdb_strerror(rc));
	return rc;
}

/*
 * Points *tp at the list of day in df, read from the file the first
 * time (a record we do not know is started anew, as stats.c does with
 * totals).  Returns 0 or an LMDB error code (said).
 */
static int
top_load(struct stats *s, MDB_txn *txn, struct days_flush *df, int32_t day,
    struct stats_top **tp, struct errbuf *e)
{
	unsigned char key[REC_DAYKEY_SIZE];
	MDB_val	 k, v;
	size_t	 i;
	int	 rc;

	for (i = 0; i < df->ntop; i++)
		if (df->topday[i] == day) {
			*tp = &df->top[i];
			return 0;
		}
	if (df->ntop == sizeof(df->top) / sizeof(df->top[0])) {
		for (i = 0; i < df->ntop; i++)
			if ((rc = top_write(s, txn, df->topday[i],
			    &df->top[i], e)) != 0)
				return rc;
		df->ntop = 0;
	}
	i = df->ntop;
	rec_daykey_encode(key, day);
	k.mv_data = key;
	k.mv_size = sizeof(key);
	rc = mdb_get(txn, s->dbi[TAB_UNKNOWN_DAYS], &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		errbuf_set(e, "%s: %s day %d: %s", s->path,
		    stats_tab_name[TAB_UNKNOWN_DAYS], (int)day,
		    mdb_strerror(rc));
		return rc;
	}
	if (rc != 0 || rec_top_decode(v.mv_data, v.mv_size, &df->top[i]) ==
	    -1)
		memset(&df->top[i], 0, sizeof(df->top[i]));
	df->topday[i] = day;
	df->ntop++;
	*tp = &df->top[i];
	return 0;
}

int
stats_days_add(struct stats *s, MDB_txn *txn, struct days_flush *df, int t,
    const struct ent *x, struct errbuf *e)
{
	struct stats_day d;
	struct stats_top *top;
	unsigned char key[REC_DAYKEY_SIZE + STATS_KEY_MAX];
	unsigned char rec[REC_DAY_SIZE];
	MDB_val	 k, v;
	size_t	 len = strlen(x->key);
	int	 rc;

	if (x->day < df->oldest)
		return 0;
	if (t == TAB_UNKNOWN) {
		if ((rc = top_load(s, txn, df, x->day, &top, e)) != 0)
			return rc;
		/* "(other)" is no address: counted, never listed. */
		rec_top_add(top, x->key, strcmp(x->key, STATS_OTHER) == 0 ?
		    0 : len, x->n[0]);
		return 0;
	}
	if (len > STATS_KEY_MAX)
		return 0;	/* tab_get() never makes one */
	rec_daykey_encode(key, x->day);
	memcpy(key + REC_DAYKEY_SIZE, x->key, len);
	k.mv_data = key;
	k.mv_size = REC_DAYKEY_SIZE + len;
	memset(&d, 0, sizeof(d));
	if ((rc = mdb_get(txn, s->dbi[TAB_DAYS], &k, &v)) == 0)
		(void)rec_day_decode(v.mv_data, v.mv_size, &d);
	else if (rc != MDB_NOTFOUND)
		goto fail;
	d.accepted += x->n[STATS_HIT];
	d.revoked += x->n[STATS_REVOKED_HIT];
	d.expired += x->n[STATS_EXPIRED];
	d.backscatter += x->n[STATS_BACKSCATTER];
	d.locked += x->n[STATS_LOCKED];
	rec_day_encode(rec, &d);
	v.mv_data = rec;
	v.mv_size = sizeof(rec);
	if ((rc = mdb_put(txn, s->dbi[TAB_DAYS], &k, &v, 0)) != 0)
		goto fail;
	return 0;
fail:
	errbuf_set(e, "%s: %s \"%.200s\" day %d: %s", s->path,
	    stats_tab_name[TAB_DAYS], x->key, (int)x->day, mdb_strerror(rc));
	return rc;
}

/*
 * Deletes from table t the rows of days before oldest, the first ones,
 * while *budget lasts (each row costs one).  Returns 0 or an LMDB error
 * code (said).
 */
static int
fold(struct stats *s, MDB_txn *txn, int t, int32_t oldest, size_t *budget,
    struct errbuf *e)
{
	MDB_cursor *cur;
	MDB_val	 k, v;
	int32_t	 day;
	int	 rc;

	if ((rc = mdb_cursor_open(txn, s->dbi[t], &cur)) != 0)
		goto fail;
	while (*budget > 0 &&
	    (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
		day = rec_daykey_decode(k.mv_data, k.mv_size);
		/* A key that is no day's is not ours to keep either. */
		if (day >= oldest)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		(*budget)--;
	}
	mdb_cursor_close(cur);
	if (rc == 0 || rc == MDB_NOTFOUND)
		return 0;
fail:
	errbuf_set(e, "%s: %s: folding: %s", s->path, stats_tab_name[t],
	    mdb_strerror(rc));
	return rc;
}

int
stats_days_end(struct stats *s, MDB_txn *txn, struct days_flush *df,
    struct errbuf *e)
{
	size_t	 i, budget = STATS_FOLD_MAX;
	int	 rc;

	for (i = 0; i < df->ntop; i++)
		if ((rc = top_write(s, txn, df->topday[i], &df->top[i], e)) !=
		    0)
			return rc;
	df->ntop = 0;
	if ((rc = fold(s, txn, TAB_DAYS, df->oldest, &budget, e)) != 0)
		return rc;
	return fold(s, txn, TAB_UNKNOWN_DAYS, df->oldest, &budget, e);
}

/* ---- reading ---- */

/* Returns 0, or -1 with errno EINVAL (said) for a range we refuse. */
static int
span_check(int32_t from, int32_t to, struct errbuf *e)
{
	if (from < 0 || to < from || to - from >= STATS_DAYS_SPAN_MAX) {
		errno = EINVAL;
		return errbuf_set(e, "days %d to %d: not a range of 1 to %d "
		    "days", (int)from, (int)to, STATS_DAYS_SPAN_MAX);
	}
	return 0;
}

static void
day_add(struct stats_day *d, const struct stats_day *x)
{
	d->accepted += x->accepted;
	d->revoked += x->revoked;
	d->expired += x->expired;
	d->backscatter += x->backscatter;
	d->locked += x->locked;
}

/* Appends a row of alias (len bytes) on day.  Returns 0 or -1 (ENOMEM). */
static int
rows_push(struct dayrows *rs, const void *alias, size_t len, int32_t day,
    const struct stats_day *d)
{
	struct dayrow *r;
	size_t	 cap;

	if (rs->n == rs->cap) {
		cap = rs->cap ? rs->cap * 2 : 256;
		if ((r = reallocarray(rs->r, cap, sizeof(*r))) == NULL)
			return -1;
		rs->r = r;
		rs->cap = cap;
	}
	r = &rs->r[rs->n];
	if ((r->alias = malloc(len + 1)) == NULL)
		return -1;
	memcpy(r->alias, alias, len);
	r->alias[len] = '\0';
	r->d = *d;
	r->d.day = day;
	rs->n++;
	return 0;
}

static void
rows_free(struct dayrows *rs)
{
	size_t	 i;

	for (i = 0; i < rs->n; i++)
		free(rs->r[i].alias);
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/*
 * Appends to rs the day rows of the file at path in [from, to] (of
 * alias only, unless NULL), and when tops is not NULL merges the lists
 * of unknown recipients of each day into tops[day - from].  Returns 0,
 * or -1 with errno and the reason in e (ENOENT: no file).
 */
static int
rows_read(const char *path, const char *alias, int32_t from, int32_t to,
    struct dayrows *rs, struct stats_top *tops, struct errbuf *e)
{
	struct stats_day d;
	struct stats_top top;
	unsigned char key[REC_DAYKEY_SIZE + STATS_KEY_MAX];
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_cursor *cur = NULL;
	MDB_dbi	 dbi;
	MDB_val	 k, v;
	MDB_cursor_op op;
	size_t	 alen = alias != NULL ? strlen(alias) : 0;
	int32_t	 day;
	int	 rc, serrno = 0, t;

	if (stats_read_begin(path, &env, &txn, e) == -1)
		return -1;
	if (alen > STATS_KEY_MAX)
		goto done;
	for (t = TAB_DAYS; t <= TAB_UNKNOWN_DAYS; t++) {
		if (t == TAB_UNKNOWN_DAYS && tops == NULL)
			break;
		if ((rc = mdb_dbi_open(txn, stats_tab_name[t], 0, &dbi)) ==
		    MDB_NOTFOUND)
			continue;	/* a file from before the history */
		if (rc != 0)
			goto lmdb_fail;
		if (t == TAB_DAYS && alias != NULL) {
			/* One alias: one lookup per day. */
			memcpy(key + REC_DAYKEY_SIZE, alias, alen);
			k.mv_size = REC_DAYKEY_SIZE + alen;
			for (day = from; day <= to; day++) {
				rec_daykey_encode(key, day);
				k.mv_data = key;
				if ((rc = mdb_get(txn, dbi, &k, &v)) ==
				    MDB_NOTFOUND)
					continue;
				if (rc != 0)
					goto lmdb_fail;
				if (rec_day_decode(v.mv_data, v.mv_size, &d))
					goto bad;
				if (rows_push(rs, alias, alen, day, &d) == -1)
					goto nomem;
			}
			continue;
		}
		if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
			goto lmdb_fail;
		rec_daykey_encode(key, from);
		k.mv_data = key;
		k.mv_size = REC_DAYKEY_SIZE;
		for (op = MDB_SET_RANGE;
		    (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
		    op = MDB_NEXT) {
			if ((day = rec_daykey_decode(k.mv_data, k.mv_size)) >
			    to || day < from)
				break;
			if (t == TAB_UNKNOWN_DAYS) {
				if (rec_top_decode(v.mv_data, v.mv_size, &top))
					goto bad;
				rec_top_merge(&tops[day - from], &top);
				continue;
			}
			if (rec_day_decode(v.mv_data, v.mv_size, &d))
				goto bad;
			if (rows_push(rs, (const char *)k.mv_data +
			    REC_DAYKEY_SIZE, k.mv_size - REC_DAYKEY_SIZE, day,
			    &d) == -1)
				goto nomem;
		}
		mdb_cursor_close(cur);
		cur = NULL;
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto lmdb_fail;
	}
done:
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
bad:
	serrno = EINVAL;
	errbuf_set(e, "%s: %s: a record of %zu bytes that is not a version "
	    "%d record", path, stats_tab_name[t], v.mv_size, REC_VERSION);
	goto fail;
nomem:
	serrno = ENOMEM;
	errbuf_set(e, "%s: out of memory", path);
	goto fail;
lmdb_fail:
	serrno = amap_errno(rc);
	errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
fail:
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	errno = serrno;
	return -1;
}

/* By alias, then by day. */
static int
dayrow_cmp(const void *a, const void *b)
{
	const struct dayrow *x = a, *y = b;
	int	 c;

	if ((c = strcmp(x->alias, y->alias)) != 0)
		return c;
	return x->d.day < y->d.day ? -1 : x->d.day > y->d.day;
}

int
stats_read_days(const char *const *paths, size_t npaths, const char *alias,
    int32_t from, int32_t to, struct stats_history **hp, size_t *nhp,
    int *found, struct errbuf *e)
{
	struct dayrows rs;
	struct stats_history *h = NULL, *x;
	size_t	 i, j, nh = 0;
	int	 serrno;

	*hp = NULL;
	*nhp = 0;
	memset(&rs, 0, sizeof(rs));
	if (span_check(from, to, e) == -1)
		return -1;
	for (i = 0; i < npaths; i++) {
		if (found != NULL)
			found[i] = 0;
		if (rows_read(paths[i], alias, from, to, &rs, NULL, e) == -1) {
			if (errno == ENOENT)
				continue;
			serrno = errno;
			rows_free(&rs);
			errno = serrno;
			return -1;
		}
		if (found != NULL)
			found[i] = 1;
	}
	if (rs.n > 1)
		qsort(rs.r, rs.n, sizeof(*rs.r), dayrow_cmp);
	/* Rows of one alias and day add up; an alias's rows become one. */
	if (rs.n > 0 && (h = calloc(rs.n, sizeof(*h))) == NULL)
		goto nomem;
	for (i = 0; i < rs.n; i = j) {
		x = &h[nh];
		for (j = i; j < rs.n && strcmp(rs.r[j].alias, rs.r[i].alias) ==
		    0; j++)
			;
		if ((x->days = calloc(j - i, sizeof(*x->days))) == NULL)
			goto nomem;
		x->alias = rs.r[i].alias;
		rs.r[i].alias = NULL;
		nh++;
		for (; i < j; i++) {
			if (x->n == 0 ||
			    x->days[x->n - 1].day != rs.r[i].d.day)
				x->days[x->n++] = rs.r[i].d;
			else
				day_add(&x->days[x->n - 1], &rs.r[i].d);
		}
	}
	rows_free(&rs);
	*hp = h;
	*nhp = nh;
	return 0;
nomem:
	rows_free(&rs);
	stats_history_free(h, nh);
	errno = ENOMEM;
	return errbuf_set(e, "out of memory");
}

void
stats_history_free(struct stats_history *h, size_t n)
{
	size_t	 i;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(h[i].alias);
		free(h[i].days);
	}
	free(h);
}

int
stats_read_daytotals(const char *const *paths, size_t npaths, int32_t from,
    int32_t to, struct stats_daytotal **dp, size_t *np, int *found,
    struct errbuf *e)
{
	struct dayrows rs;
	struct stats_daytotal *d = NULL, *x;
	struct stats_top *tops = NULL;
	uint64_t sure;
	size_t	 i, j, span;
	int	 serrno;

	*dp = NULL;
	*np = 0;
	memset(&rs, 0, sizeof(rs));
	if (span_check(from, to, e) == -1)
		return -1;
	span = (size_t)(to - from) + 1;
	if ((d = calloc(span, sizeof(*d))) == NULL ||
	    (tops = calloc(span, sizeof(*tops))) == NULL) {
		free(d);
		errno = ENOMEM;
		return errbuf_set(e, "out of memory");
	}
	for (i = 0; i < npaths; i++) {
		if (found != NULL)
			found[i] = 0;
		rs.n = 0;
		if (rows_read(paths[i], NULL, from, to, &rs, tops, e) == -1) {
			if (errno == ENOENT)
				continue;
			serrno = errno;
			rows_free(&rs);
			free(tops);
			free(d);
			errno = serrno;
			return -1;
		}
		if (found != NULL)
			found[i] = 1;
		for (j = 0; j < rs.n; j++) {
			day_add(&d[rs.r[j].d.day - from].sum, &rs.r[j].d);
			free(rs.r[j].alias);
		}
	}
	free(rs.r);
	for (i = 0; i < span; i++) {
		x = &d[i];
		x->sum.day = from + (int32_t)i;
		rec_top_sort(&tops[i]);
		x->unknown = tops[i].count;
		x->ntop = tops[i].n;
		memcpy(x->top, tops[i].e, tops[i].n * sizeof(x->top[0]));
		for (j = 0, sure = 0; j < x->ntop; j++)
			sure += x->top[j].count - x->top[j].over;
		x->unknown_rest = sure < x->unknown ? x->unknown - sure : 0;
	}
	free(tops);
	*dp = d;
	*np = span;
	return 0;
}
