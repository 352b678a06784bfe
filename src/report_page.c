/*
 * report_page.c: reading and ranking what the HTML report shows
 * (report_page.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "aliasfile.h"
#include "cli.h"
#include "log.h"
#include "report_files.h"
#include "report_html.h"
#include "report_page.h"
#include "stats.h"
#include "util.h"

#define DAY_SECS	86400

static int	 cmp_top(const void *, const void *);
static int	 cmp_tried(const void *, const void *);
static int	 cmp_addr(const void *, const void *);
static int	 cmp_hist(const void *, const void *);
static int	 top_build(struct report_page *);
static int	 tried_build(struct report_page *);
static int	 days_read(struct report_page *);

/* Refusals of an alias, of every kind. */
uint64_t
report_page_refused(const struct stats_alias *a)
{
	return a->revoked_hits + a->backscatter + a->locked;
}

/* By total, most first, then by key. */
static int
cmp_top(const void *a, const void *b)
{
	const struct report_page_top *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->hit->key, y->hit->key);
}

static int
cmp_tried(const void *a, const void *b)
{
	const struct report_page_tried *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->addr, y->addr);
}

/*
 * The busiest aliases (or the one of --alias): by their counts in the
 * period when the files have history, else by their totals, each with
 * its counts per day of the period.  Returns 0, or -1 when out of
 * memory.
 */
static int
top_build(struct report_page *p)
{
	const struct stats_history *h;
	struct report_page_top *t;
	size_t	 i, j, n = 0;

	if (p->nhits > 0 &&
	    (p->top = calloc(p->nhits, sizeof(*p->top))) == NULL)
		return -1;
	for (i = 0; i < p->nhits; i++) {
		if (p->alias != NULL && strcmp(p->hits[i].key, p->alias) != 0)
			continue;
		t = &p->top[n++];
		t->hit = &p->hits[i];
		t->accepted = p->hits[i].a.hits;
		t->refused = report_page_refused(&p->hits[i].a);
		t->total = t->accepted + t->refused;
		if (!p->have_days)
			continue;
		t->total = t->accepted = t->refused = 0;
		if ((t->spark = calloc(p->ndays, sizeof(*t->spark))) == NULL)
			return -1;
		if ((h = report_page_hist(p, t->hit->key)) == NULL)
			continue;
		for (j = 0; j < h->n; j++)
			if (h->days[j].day >= p->from &&
			    h->days[j].day <= p->today)
				t->spark[h->days[j].day - p->from] =
				    report_page_sum(h, h->days[j].day,
				    h->days[j].day, 0);
		t->refused = report_page_sum(h, p->from, p->today, 1);
		t->total = report_page_sum(h, p->from, p->today, 0);
		t->accepted = t->total - t->refused;
	}
	if (n > 1)
		qsort(p->top, n, sizeof(*p->top), cmp_top);
	p->ntop = n;
	return 0;
}

/* By address, for adding up the days' lists. */
static int
cmp_addr(const void *a, const void *b)
{
	return strcmp(((const struct report_page_tried *)a)->addr,
	    ((const struct report_page_tried *)b)->addr);
}

/*
 * The unknown recipients tried most in the period, from the days' lists
 * of the most tried, added up; when the period has none (no history),
 * from the "unknown" table of all time.  Returns 0, or -1 when out of
 * memory.
 */
static int
tried_build(struct report_page *p)
{
	size_t	 i, j, n = 0, all = 0;

	for (i = 0; i < p->ndt; i++)
		all += p->dt[i].ntop;
	if (all > 0) {
		if ((p->tried = calloc(all, sizeof(*p->tried))) == NULL)
			return -1;
		for (i = 0; i < p->ndt; i++)
			for (j = 0; j < p->dt[i].ntop; j++) {
				p->tried[n].addr = p->dt[i].top[j].addr;
				p->tried[n].count = p->dt[i].top[j].count;
				p->tried[n++].approx =
				    p->dt[i].top[j].over > 0;
			}
		qsort(p->tried, n, sizeof(*p->tried), cmp_addr);
		/* The same address on several days: one row. */
		for (i = 0, j = 0; i < n; i++) {
			if (j > 0 && strcmp(p->tried[j - 1].addr,
			    p->tried[i].addr) == 0) {
				p->tried[j - 1].count += p->tried[i].count;
				p->tried[j - 1].approx |= p->tried[i].approx;
			} else
				p->tried[j++] = p->tried[i];
		}
		n = j;
	} else {
		p->tried_ever = 1;
		if (p->nunknown > 0 && (p->tried = calloc(p->nunknown,
		    sizeof(*p->tried))) == NULL)
			return -1;
		for (i = 0; i < p->nunknown; i++) {
			if (strcmp(p->unknown[i].key, STATS_OTHER) == 0)
				continue;
			p->tried[n].addr = p->unknown[i].key;
			p->tried[n++].count = p->unknown[i].u.count;
		}
	}
	if (n > 1)
		qsort(p->tried, n, sizeof(*p->tried), cmp_tried);
	p->ntried = n;
	return 0;
}

/* By alias, for bsearch. */
static int
cmp_hist(const void *key, const void *h)
{
	return strcmp(key, ((const struct stats_history *)h)->alias);
}

const struct stats_history *
report_page_hist(const struct report_page *p, const char *alias)
{
	return p->nhist ? bsearch(alias, p->hist, p->nhist, sizeof(*p->hist),
	    cmp_hist) : NULL;
}

/*
 * The counts of h from day from to day to: every verdict, or the
 * refusals only.
 */
uint64_t
report_page_sum(const struct stats_history *h, int32_t from, int32_t to,
    int refused)
{
	const struct stats_day *d;
	uint64_t sum = 0;
	size_t	 i;

	for (i = 0; i < h->n; i++) {
		d = &h->days[i];
		if (d->day < from || d->day > to)
			continue;
		sum += d->revoked + d->expired + d->backscatter + d->locked;
		if (!refused)
			sum += d->accepted;
	}
	return sum;
}

/*
 * The per-day history: the totals of each day of the period (or of the
 * one alias), and each alias's days since two weeks ago at least (for
 * the jumps).  Returns 0, or a sysexits code (said why).
 */
static int
days_read(struct report_page *p)
{
	const char *const *paths = (const char *const *)p->sf.path;
	const struct stats_history *h;
	struct errbuf e;
	size_t	 i, j;

	p->hfrom = p->today - 2 * REPORT_WEEK + 1 < p->from ?
	    p->today - 2 * REPORT_WEEK + 1 : p->from;
	if (stats_read_daytotals(paths, p->sf.n, p->from, p->today, &p->dt,
	    &p->ndt, p->sf.found, &e) == -1 ||
	    stats_read_days(paths, p->sf.n, p->alias, p->hfrom, p->today,
	    &p->hist, &p->nhist, p->sf.found, &e) == -1) {
		log_warnx("%s", e.msg);
		return errno == EACCES ? EX_NOINPUT : EX_IOERR;
	}
	p->ndays = (size_t)(p->today - p->from + 1);
	if ((p->days = calloc(p->ndays, sizeof(*p->days))) == NULL) {
		log_warn("report");
		return EX_OSERR;
	}
	for (i = 0; i < p->ndays; i++)
		p->days[i].day = p->from + (int32_t)i;
	for (i = 0; p->alias == NULL && i < p->ndt && i < p->ndays; i++) {
		p->days[i].v[RP_ACCEPTED] = p->dt[i].sum.accepted;
		p->days[i].v[RP_UNKNOWN] = p->dt[i].unknown;
		p->days[i].v[RP_REVOKED] = p->dt[i].sum.revoked;
		p->days[i].v[RP_EXPIRED] = p->dt[i].sum.expired;
		p->days[i].v[RP_BACKSCATTER] = p->dt[i].sum.backscatter;
		p->days[i].v[RP_LOCKED] = p->dt[i].sum.locked;
	}
	if (p->alias != NULL && (h = report_page_hist(p, p->alias)) != NULL)
		for (j = 0; j < h->n; j++) {
			if (h->days[j].day < p->from)
				continue;
			i = (size_t)(h->days[j].day - p->from);
			p->days[i].v[RP_ACCEPTED] = h->days[j].accepted;
			p->days[i].v[RP_REVOKED] = h->days[j].revoked;
			p->days[i].v[RP_EXPIRED] = h->days[j].expired;
			p->days[i].v[RP_BACKSCATTER] = h->days[j].backscatter;
			p->days[i].v[RP_LOCKED] = h->days[j].locked;
		}
	for (i = 0; i < p->ndays && !p->have_days; i++)
		for (j = 0; j < RP_NV; j++)
			if (p->days[i].v[j] != 0)
				p->have_days = 1;
	return 0;
}

/*
 * Reads the alias file, the totals, the sender evidence and the
 * history of the stats files.  Returns 0, or a sysexits code (said
 * why).
 */
int
report_page_read(struct report_page *p)
{
	const char *const *paths;
	struct errbuf e;
	size_t	 i;
	int	 rc;

	if ((rc = cli_load(p->o, &p->af)) != 0 ||
	    (rc = report_files_find(p->o, &p->sf)) != 0)
		return rc;
	if (p->alias != NULL && af_find_alias(p->af, p->alias) == NULL) {
		log_warnx("report: %s is not an alias of %s", p->alias,
		    p->o->file);
		return EX_NOUSER;
	}
	paths = (const char *const *)p->sf.path;
	if (stats_read_all(paths, p->sf.n, 0, &p->hits, &p->nhits,
	    p->sf.found, &e) == -1 ||
	    stats_read_all(paths, p->sf.n, 1, &p->unknown, &p->nunknown,
	    p->sf.found, &e) == -1 ||
	    stats_read_senders(paths, p->sf.n, p->alias, &p->senders,
	    &p->nsenders, p->sf.found, &e) == -1) {
		log_warnx("%s", e.msg);
		return errno == EACCES ? EX_NOINPUT : EX_IOERR;
	}
	/* When aliasctl began to refuse: the first unknown refused. */
	p->catchall_end = DATE_NONE;
	for (i = 0; i < p->nunknown; i++)
		if (p->unknown[i].u.first_seen > 0 &&
		    (p->catchall_end == DATE_NONE ||
		    p->unknown[i].u.first_seen / DAY_SECS < p->catchall_end))
			p->catchall_end =
			    (int32_t)(p->unknown[i].u.first_seen / DAY_SECS);
	if ((rc = days_read(p)) != 0)
		return rc;
	if (top_build(p) == -1 || tried_build(p) == -1) {
		log_warn("report");
		return EX_OSERR;
	}
	return 0;
}

void
report_page_free(struct report_page *p)
{
	size_t	 i;

	for (i = 0; i < p->ntop; i++)
		free(p->top[i].spark);
	free(p->top);
	free(p->tried);
	free(p->days);
	free(p->dt);
	stats_history_free(p->hist, p->nhist);
	stats_rows_free(p->hits, p->nhits);
	stats_rows_free(p->unknown, p->nunknown);
	stats_rows_free(p->senders, p->nsenders);
	report_files_free(&p->sf);
	af_free(p->af);
}
