/*
 * report_html.c: aliasctl report --html (report_html.h).  The page is
 * one file with its CSS and its charts (SVG) inline: nothing is fetched,
 * no script runs (its Content-Security-Policy forbids both), so it can
 * be mailed, archived and opened offline.  Every string from the stats
 * files or the alias file goes through html_text(): the unknown
 * recipients are chosen by spammers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "aliasfile.h"
#include "cli.h"
#include "evidence.h"
#include "html.h"
#include "log.h"
#include "outfile.h"
#include "report.h"
#include "report_html.h"
#include "stats.h"
#include "util.h"

#define DAY_SECS	86400

/* The verdicts of the chart, in stacking order (bottom first). */
enum rh_verdict {
	RH_ACCEPTED, RH_UNKNOWN, RH_REVOKED, RH_EXPIRED, RH_BACKSCATTER,
	RH_LOCKED, RH_NV
};
static const char *const rh_class[RH_NV] = {
	"accepted", "unknown", "revoked", "expired", "backscatter", "locked"
};
static const char *const rh_label[RH_NV] = {
	"accepted", "unknown recipient", "revoked alias", "expired alias",
	"backscatter refused", "sender lock refused"
};

/* One UTC day of the chart. */
struct rh_day {
	int32_t	 day;
	uint64_t v[RH_NV];
};

/* An alias's row in the top table. */
struct rh_top {
	const struct stats_row *hit;
	uint64_t total;		/* in the period, or ever without history */
	uint64_t accepted;	/* of total */
	uint64_t refused;	/* of total */
	uint64_t *spark;	/* per day of the period; ours */
};

/* An unknown recipient and how often it was tried. */
struct rh_tried {
	const char *addr;	/* points into the rows or days it came from */
	uint64_t count;
	int	 approx;	/* a lower bound only (merged top lists) */
};

/* Everything the page shows, read once. */
struct rh_page {
	const struct options *o;
	const char *alias;	/* --alias, normalised, or NULL */
	struct aliasfile *af;
	struct report_files sf;
	struct stats_row *hits, *unknown, *senders;
	size_t	 nhits, nunknown, nsenders;
	int64_t	 now;
	int32_t	 today;		/* UTC day */
	int32_t	 from;		/* the period: from .. today */
	int32_t	 catchall_end;	/* first refused unknown, or DATE_NONE */
	int	 have_days;	/* a day of the period has a count */
	struct rh_day *days;	/* today - from + 1 of them */
	size_t	 ndays;
	struct stats_history *hist;	/* per alias, from hfrom to today */
	size_t	 nhist;
	int32_t	 hfrom;		/* the earlier of from and two weeks ago */
	struct stats_daytotal *dt;	/* per day, from to today */
	size_t	 ndt;
	struct rh_top *top;
	size_t	 ntop;
	struct rh_tried *tried;
	size_t	 ntried;
	int	 tried_ever;	/* tried[] is of all time, not the period */
};

static int	 page_read(struct rh_page *);
static void	 page_free(struct rh_page *);
static int	 cmp_top(const void *, const void *);
static int	 cmp_tried(const void *, const void *);
static uint64_t	 alias_refused(const struct stats_alias *);
static int	 days_read(struct rh_page *);
static const struct stats_history *hist_find(const struct rh_page *,
		    const char *);
static uint64_t	 hist_sum(const struct stats_history *, int32_t, int32_t,
		    int);
static int	 cmp_hist(const void *, const void *);
static int	 cmp_addr(const void *, const void *);
static int	 top_build(struct rh_page *);
static int	 tried_build(struct rh_page *);
static void	 put_jumps(FILE *, const struct rh_page *, size_t *);
static void	 put_head(FILE *, const struct rh_page *);
static void	 put_summary(FILE *, const struct rh_page *);
static void	 put_chart(FILE *, const struct rh_page *);
static void	 put_catchall(FILE *, const struct rh_page *);
static void	 put_top(FILE *, const struct rh_page *);
static int	 put_leaks(FILE *, const struct rh_page *);
static void	 put_tried(FILE *, const struct rh_page *);
static void	 put_changes(FILE *, const struct rh_page *);
static void	 put_alias(FILE *, const struct rh_page *);
static void	 put_day(FILE *, int32_t);
static void	 put_time(FILE *, int64_t);

/* The page's style: phone first, wider screens, print. */
static const char css[] =
"*{box-sizing:border-box}"
"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
"margin:0 auto;padding:1rem;max-width:62rem;color:#1b1b1b;background:#fff}"
"h1{font-size:1.5rem;margin:.2rem 0}"
"h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #ddd}"
"p.meta{color:#555;margin:.2rem 0}"
".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));"
"gap:.5rem;margin:1rem 0}"
".tile{border:1px solid #ddd;border-radius:.4rem;padding:.5rem .7rem}"
".tile b{display:block;font-size:1.4rem}"
".tile span{color:#555;font-size:.85rem}"
".scroll{overflow-x:auto}"
"table{border-collapse:collapse;width:100%;font-size:.9rem}"
"th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;"
"vertical-align:middle}"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;"
"white-space:nowrap}"
"td.addr{overflow-wrap:anywhere}"
"code{font-size:.85rem;overflow-wrap:anywhere}"
"svg.chart{width:100%;min-width:34rem;height:auto;display:block;"
"direction:ltr}"
/* A narrow screen scrolls the chart, starting from today's end. */
".chartbox{overflow-x:auto;direction:rtl}"
"svg text{font:11px system-ui,sans-serif;fill:#444}"
".grid{stroke:#e4e4e4}.axis{stroke:#888}"
".mark{stroke:#000;stroke-dasharray:4 3}"
"svg.spark polyline{fill:none;stroke:#1565c0;stroke-width:1.5}"
".legend{list-style:none;padding:0;margin:.4rem 0;display:flex;"
"flex-wrap:wrap;gap:.3rem 1rem;font-size:.85rem}"
".sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;"
"vertical-align:-.1rem;border-radius:2px}"
".accepted{fill:#2e7d32;background:#2e7d32}"
".unknown{fill:#9e9e9e;background:#9e9e9e}"
".revoked{fill:#c62828;background:#c62828}"
".expired{fill:#ef6c00;background:#ef6c00}"
".backscatter{fill:#6a1b9a;background:#6a1b9a}"
".locked{fill:#1565c0;background:#1565c0}"
".nodata{color:#555;font-style:italic}"
"ul.changes li{margin:.2rem 0}"
"@media (max-width:40rem){body{font-size:14px;padding:.6rem}"
"th.opt,td.opt{display:none}}"
"@media print{body{max-width:none;padding:0}"
"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
"section{break-inside:avoid}.scroll,.chartbox{overflow:visible}"
"svg.chart{min-width:0}}";

/* Refusals of an alias, of every kind. */
static uint64_t
alias_refused(const struct stats_alias *a)
{
	return a->revoked_hits + a->backscatter + a->locked;
}

/* By total, most first, then by key. */
static int
cmp_top(const void *a, const void *b)
{
	const struct rh_top *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->hit->key, y->hit->key);
}

static int
cmp_tried(const void *a, const void *b)
{
	const struct rh_tried *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->addr, y->addr);
}

/* "YYYY-MM-DD" of a UTC day. */
static void
put_day(FILE *fp, int32_t day)
{
	char	 buf[DATE_BUF];

	date_format(day, buf);
	fputs(buf, fp);
}

/* "YYYY-MM-DD HH:MM UTC", or "never". */
static void
put_time(FILE *fp, int64_t t)
{
	char	 buf[REPORT_TIME_BUF];

	report_time_utc(t, buf);
	if (buf[0] == '\0')
		fputs("never", fp);
	else
		fprintf(fp, "%.10s %.5s UTC", buf, buf + 11);
}

/*
 * The busiest aliases (or the one of --alias): by their counts in the
 * period when the files have history, else by their totals, each with
 * its counts per day of the period.  Returns 0, or -1 when out of
 * memory.
 */
static int
top_build(struct rh_page *p)
{
	const struct stats_history *h;
	struct rh_top *t;
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
		t->refused = alias_refused(&p->hits[i].a);
		t->total = t->accepted + t->refused;
		if (!p->have_days)
			continue;
		t->total = t->accepted = t->refused = 0;
		if ((t->spark = calloc(p->ndays, sizeof(*t->spark))) == NULL)
			return -1;
		if ((h = hist_find(p, t->hit->key)) == NULL)
			continue;
		for (j = 0; j < h->n; j++)
			if (h->days[j].day >= p->from &&
			    h->days[j].day <= p->today)
				t->spark[h->days[j].day - p->from] =
				    hist_sum(h, h->days[j].day,
				    h->days[j].day, 0);
		t->refused = hist_sum(h, p->from, p->today, 1);
		t->total = hist_sum(h, p->from, p->today, 0);
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
	return strcmp(((const struct rh_tried *)a)->addr,
	    ((const struct rh_tried *)b)->addr);
}

/*
 * The unknown recipients tried most in the period, from the days' lists
 * of the most tried, added up; when the period has none (no history),
 * from the "unknown" table of all time.  Returns 0, or -1 when out of
 * memory.
 */
static int
tried_build(struct rh_page *p)
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

static const struct stats_history *
hist_find(const struct rh_page *p, const char *alias)
{
	return p->nhist ? bsearch(alias, p->hist, p->nhist, sizeof(*p->hist),
	    cmp_hist) : NULL;
}

/*
 * The counts of h from day from to day to: every verdict, or the
 * refusals only.
 */
static uint64_t
hist_sum(const struct stats_history *h, int32_t from, int32_t to,
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
days_read(struct rh_page *p)
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
		p->days[i].v[RH_ACCEPTED] = p->dt[i].sum.accepted;
		p->days[i].v[RH_UNKNOWN] = p->dt[i].unknown;
		p->days[i].v[RH_REVOKED] = p->dt[i].sum.revoked;
		p->days[i].v[RH_EXPIRED] = p->dt[i].sum.expired;
		p->days[i].v[RH_BACKSCATTER] = p->dt[i].sum.backscatter;
		p->days[i].v[RH_LOCKED] = p->dt[i].sum.locked;
	}
	if (p->alias != NULL && (h = hist_find(p, p->alias)) != NULL)
		for (j = 0; j < h->n; j++) {
			if (h->days[j].day < p->from)
				continue;
			i = (size_t)(h->days[j].day - p->from);
			p->days[i].v[RH_ACCEPTED] = h->days[j].accepted;
			p->days[i].v[RH_REVOKED] = h->days[j].revoked;
			p->days[i].v[RH_EXPIRED] = h->days[j].expired;
			p->days[i].v[RH_BACKSCATTER] = h->days[j].backscatter;
			p->days[i].v[RH_LOCKED] = h->days[j].locked;
		}
	for (i = 0; i < p->ndays && !p->have_days; i++)
		for (j = 0; j < RH_NV; j++)
			if (p->days[i].v[j] != 0)
				p->have_days = 1;
	return 0;
}

/*
 * Reads the alias file, the totals, the sender evidence and the
 * history of the stats files.  Returns 0, or a sysexits code (said
 * why).
 */
static int
page_read(struct rh_page *p)
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

static void
page_free(struct rh_page *p)
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

/* The document's head and the page's header. */
static void
put_head(FILE *fp, const struct rh_page *p)
{
	size_t	 i, first = 1;

	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
	    "<meta name=\"generator\" content=\"aliasctl report\">\n"
	    "<title>");
	if (p->alias != NULL) {
		html_text(fp, p->alias);
		fputs(": ", fp);
	}
	fprintf(fp, "mail aliases, ");
	put_day(fp, p->from);
	fputs(" to ", fp);
	put_day(fp, p->today);
	fprintf(fp, "</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<header>\n<h1>", css);
	if (p->alias != NULL) {
		fputs("Alias ", fp);
		html_text(fp, p->alias);
	} else
		fputs("Mail aliases", fp);
	fprintf(fp, "</h1>\n<p class=\"meta\" id=\"period\">");
	put_day(fp, p->from);
	fputs(" to ", fp);
	put_day(fp, p->today);
	fprintf(fp, " (%lld days, UTC); made ", (long long)(p->today -
	    p->from + 1));
	put_time(fp, p->now);
	fprintf(fp, "</p>\n<p class=\"meta\" id=\"domains\">Domains: ");
	for (i = 0; i < p->af->ndomains; i++) {
		fputs(i ? ", " : "", fp);
		html_text(fp, p->af->domains[i].name);
	}
	if (p->af->ndomains == 0)
		fputs("none", fp);
	fprintf(fp, "</p>\n<p class=\"meta\" id=\"files\">Counted from: ");
	for (i = 0; i < p->sf.n; i++) {
		if (!p->sf.found[i])
			continue;
		fputs(first ? "" : " + ", fp);
		html_text(fp, p->sf.path[i]);
		first = 0;
	}
	if (first)
		fputs("no stats file yet", fp);
	fprintf(fp, "</p>\n</header>\n");
}

/* The tiles: the period's counts by verdict. */
static void
put_summary(FILE *fp, const struct rh_page *p)
{
	uint64_t sum[RH_NV];
	size_t	 i, v;

	memset(sum, 0, sizeof(sum));
	if (p->have_days) {
		for (i = 0; i < p->ndays; i++)
			for (v = 0; v < RH_NV; v++)
				sum[v] += p->days[i].v[v];
	} else {
		for (i = 0; i < p->ntop; i++) {
			sum[RH_ACCEPTED] += p->top[i].hit->a.hits;
			sum[RH_REVOKED] += p->top[i].hit->a.revoked_hits -
			    p->top[i].hit->a.expired;
			sum[RH_EXPIRED] += p->top[i].hit->a.expired;
			sum[RH_BACKSCATTER] += p->top[i].hit->a.backscatter;
			sum[RH_LOCKED] += p->top[i].hit->a.locked;
		}
		for (i = 0; p->alias == NULL && i < p->nunknown; i++)
			sum[RH_UNKNOWN] += p->unknown[i].u.count;
	}
	fprintf(fp, "<section id=\"summary\">\n<h2>%s</h2>\n"
	    "<div class=\"tiles\">\n", p->have_days ? "In this period" :
	    "Since counting began");
	for (v = 0; v < RH_NV; v++) {
		if (v == RH_UNKNOWN && p->alias != NULL)
			continue;
		fprintf(fp, "<div class=\"tile\" id=\"sum-%s\"><b>",
		    rh_class[v]);
		html_put_num(fp, sum[v]);
		fprintf(fp, "</b><span><span class=\"sw %s\" aria-hidden=\"true\">&nbsp;</span>%s</span>"
		    "</div>\n",
		    rh_class[v], rh_label[v]);
	}
	fprintf(fp, "</div>\n</section>\n");
}

/*
 * The stacked bar chart of the period, one group per day, with axes, a
 * legend and the day the catch-all ended marked.
 */
static void
put_chart(FILE *fp, const struct rh_page *p)
{
	const int W = 720, H = 260, L = 56, R = 8, T = 10, B = 30;
	const int pw = W - L - R, ph = H - T - B;
	uint64_t max = 0, top, sum, tick;
	double	 slot, bw, x, y, h;
	size_t	 i, v, every, nticks, k;
	char	 num[HTML_NUM_BUF], day[DATE_BUF];

	fprintf(fp, "<section id=\"traffic\">\n<h2>Traffic per day</h2>\n");
	if (!p->have_days || p->ndays == 0) {
		fprintf(fp, "<p class=\"nodata\">No per-day counts in this "
		    "period (stats files written before the per-day history "
		    "hold totals only).</p>\n");
		put_catchall(fp, p);
		fprintf(fp, "</section>\n");
		return;
	}
	for (i = 0; i < p->ndays; i++) {
		for (sum = 0, v = 0; v < RH_NV; v++)
			sum += p->days[i].v[v];
		if (sum > max)
			max = sum;
	}
	top = html_axis_top(max);
	nticks = top >= 5 ? 5 : (size_t)top;
	slot = (double)pw / (double)p->ndays;
	bw = slot > 3 ? slot * 0.8 : slot;
	fprintf(fp, "<div class=\"chartbox\"><svg class=\"chart\" id=\"chart\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Recipients "
	    "per day by verdict\"><title>Recipients per day by verdict"
	    "</title><desc>Stacked bars, one per UTC day from ",
	    W, H);
	put_day(fp, p->from);
	fputs(" to ", fp);
	put_day(fp, p->today);
	fprintf(fp, "; the largest day had ");
	html_put_num(fp, max);
	fprintf(fp, " recipients.</desc>\n");
	/* The value axis: grid lines at round numbers. */
	for (k = 0; k <= nticks; k++) {
		tick = nticks ? top / nticks * k : 0;
		y = T + ph - (double)ph * (double)k / (double)(nticks ? nticks :
		    1);
		html_num(tick, num);
		fprintf(fp, "<line class=\"%s\" x1=\"%d\" x2=\"%d\" "
		    "y1=\"%.1f\" y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\">%s</text>\n", k ? "grid" : "axis", L,
		    W - R, y, y, L - 4, y + 4, num);
	}
	every = (p->ndays + 7) / 8;
	for (i = 0; i < p->ndays; i++) {
		x = L + slot * (double)i;
		date_format(p->days[i].day, day);
		fprintf(fp, "<g class=\"day\" data-day=\"%s\"><title>%s:", day,
		    day);
		for (v = 0; v < RH_NV; v++) {
			html_num(p->days[i].v[v], num);
			fprintf(fp, "%s %s %s", v ? "," : "", num,
			    rh_label[v]);
		}
		fprintf(fp, "</title>");
		y = T + ph;
		for (v = 0; v < RH_NV; v++) {
			if (p->days[i].v[v] == 0)
				continue;
			h = (double)ph * (double)p->days[i].v[v] /
			    (double)top;
			y -= h;
			fprintf(fp, "<rect class=\"bar %s\" data-n=\"%llu\" "
			    "x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
			    "height=\"%.2f\"/>", rh_class[v],
			    (unsigned long long)p->days[i].v[v],
			    x + (slot - bw) / 2, y, bw, h);
		}
		fprintf(fp, "</g>\n");
		if ((p->ndays - 1 - i) % every == 0)
			fprintf(fp, "<text x=\"%.1f\" y=\"%d\" "
			    "text-anchor=\"middle\">%.5s</text>\n",
			    x + slot / 2, H - B + 16, day + 5);
	}
	if (p->catchall_end != DATE_NONE && p->catchall_end >= p->from &&
	    p->catchall_end <= p->today) {
		x = L + slot * (double)(p->catchall_end - p->from);
		date_format(p->catchall_end, day);
		fprintf(fp, "<g id=\"catchall\"><title>Catch-all ended %s: "
		    "the first unknown recipient refused</title><line "
		    "class=\"mark\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
		    "y2=\"%d\"/><text x=\"%.1f\" y=\"%d\">catch-all off"
		    "</text></g>\n", day, x, x, T, T + ph, x + 3, T + 10);
	}
	fprintf(fp, "</svg></div>\n<ul class=\"legend\">");
	for (v = 0; v < RH_NV; v++)
		if (p->alias == NULL || v != RH_UNKNOWN)
			fprintf(fp, "<li><span class=\"sw %s\" aria-hidden=\"true\">&nbsp;</span>%s</li>",
			    rh_class[v], rh_label[v]);
	fprintf(fp, "</ul>\n");
	put_catchall(fp, p);
	fprintf(fp, "</section>\n");
}

/* When the catch-all ended, when known: under the chart. */
static void
put_catchall(FILE *fp, const struct rh_page *p)
{
	char	 day[DATE_BUF];

	if (p->catchall_end == DATE_NONE)
		return;
	date_format(p->catchall_end, day);
	fprintf(fp, "<p class=\"meta\" id=\"catchall-note\">The catch-all "
	    "ended on %s (the first unknown recipient refused).</p>\n", day);
}

/* The busiest aliases, with a sparkline each when there is history. */
static void
put_top(FILE *fp, const struct rh_page *p)
{
	const struct rh_top *t;
	size_t	 i;

	fprintf(fp, "<section id=\"top\">\n<h2>Busiest aliases%s</h2>\n",
	    p->have_days ? "" : " (since counting began)");
	if (p->ntop == 0) {
		fprintf(fp, "<p class=\"nodata\">No alias has mail yet.</p>\n"
		    "</section>\n");
		return;
	}
	fprintf(fp, "<div class=\"scroll\"><table>\n<thead><tr><th>Alias"
	    "</th>%s<th class=\"n\">Accepted</th><th class=\"n\">Refused</th>"
	    "<th class=\"opt\">Last seen</th></tr></thead>\n<tbody>\n",
	    p->have_days ? "<th>Per day</th>" : "");
	for (i = 0; i < p->ntop && i < REPORT_TOP; i++) {
		t = &p->top[i];
		fprintf(fp, "<tr><td class=\"addr\">");
		html_text(fp, t->hit->key);
		fprintf(fp, "</td>");
		if (p->have_days) {
			fprintf(fp, "<td>");
			html_sparkline(fp, t->spark, t->spark ? p->ndays : 0,
			    100, 22, "recipients per day");
			fprintf(fp, "</td>");
		}
		fprintf(fp, "<td class=\"n\">");
		html_put_num(fp, t->accepted);
		fprintf(fp, "</td><td class=\"n\">");
		html_put_num(fp, t->refused);
		fprintf(fp, "</td><td class=\"opt\">");
		put_time(fp, t->hit->a.last_seen);
		fprintf(fp, "</td></tr>\n");
	}
	fprintf(fp, "</tbody></table></div>\n</section>\n");
}

/*
 * The aliases with evidence of a leak, as aliasctl leaks ranks them.
 * Returns 0, or -1 when out of memory.
 */
static int
put_leaks(FILE *fp, const struct rh_page *p)
{
	struct evidence_leak *leaks = NULL, *l;
	size_t	 n, i, j, k;
	char	*cmd;

	if (evidence_leaks(p->af, p->hits, p->nhits, p->senders, p->nsenders,
	    p->now, &leaks, &n) == -1)
		return -1;
	fprintf(fp, "<section id=\"leaks\">\n<h2>Aliases that look leaked"
	    "</h2>\n");
	if (n == 0)
		fprintf(fp, "<p class=\"nodata\">No evidence of a leak."
		    "</p>\n");
	else
		fprintf(fp, "<div class=\"scroll\"><table>\n<thead><tr><th>"
		    "Alias</th><th class=\"n\">Score</th><th class=\"opt\">"
		    "New senders</th>"
		    "<th>What to do</th></tr></thead>\n<tbody>\n");
	for (i = 0, k = 0; i < n && k < REPORT_TOP; i++) {
		l = &leaks[i];
		if (p->alias != NULL && strcmp(l->a->key, p->alias) != 0)
			continue;
		k++;
		if ((cmd = evidence_leak_command(l)) == NULL) {
			free(leaks);
			return -1;
		}
		fprintf(fp, "<tr><td class=\"addr\">");
		html_text(fp, l->a->key);
		fprintf(fp, "</td><td class=\"n\">");
		html_put_num(fp, l->score);
		fprintf(fp, "</td><td class=\"opt\">");
		for (j = 0; j < l->n; j++)
			if (evidence_class(&l->ev, &l->rows[j]) ==
			    EVIDENCE_NEW) {
				html_text(fp, evidence_domain(&l->rows[j]));
				fputc(' ', fp);
			}
		fprintf(fp, "</td><td><code>");
		html_text(fp, cmd);
		fprintf(fp, "</code></td></tr>\n");
		free(cmd);
	}
	if (n > 0)
		fprintf(fp, "</tbody></table></div>\n");
	fprintf(fp, "</section>\n");
	free(leaks);
	return 0;
}

/* The unknown recipients spammers try most. */
static void
put_tried(FILE *fp, const struct rh_page *p)
{
	size_t	 i;

	fprintf(fp, "<section id=\"tried\">\n<h2>Addresses spammers try most"
	    "%s</h2>\n", p->tried_ever ? " (since counting began)" : "");
	if (p->ntried == 0) {
		fprintf(fp, "<p class=\"nodata\">No unknown recipient refused."
		    "</p>\n</section>\n");
		return;
	}
	fprintf(fp, "<div class=\"scroll\"><table>\n<thead><tr><th>Address"
	    "</th><th class=\"n\">Refused</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < p->ntried && i < REPORT_TOP; i++) {
		fprintf(fp, "<tr><td class=\"addr\">");
		html_text(fp, p->tried[i].addr);
		fprintf(fp, "</td><td class=\"n\">%s", p->tried[i].approx ?
		    "&ge;" : "");
		html_put_num(fp, p->tried[i].count);
		fprintf(fp, "</td></tr>\n");
	}
	fprintf(fp, "</tbody></table></div>\n</section>\n");
}

/*
 * The aliases whose refusals jumped this week against the week before
 * (REPORT_JUMP_MIN, REPORT_JUMP_FACTOR), adding to *n.
 */
static void
put_jumps(FILE *fp, const struct rh_page *p, size_t *n)
{
	const struct stats_history *h;
	uint64_t week, prev;
	size_t	 i;

	for (i = 0; i < p->nhist; i++) {
		h = &p->hist[i];
		week = hist_sum(h, p->today - REPORT_WEEK + 1, p->today, 1);
		prev = hist_sum(h, p->today - 2 * REPORT_WEEK + 1,
		    p->today - REPORT_WEEK, 1);
		if (week < REPORT_JUMP_MIN || week < REPORT_JUMP_FACTOR * prev)
			continue;
		fprintf(fp, "<li class=\"jump\">Refusals for <b>");
		html_text(fp, h->alias);
		fprintf(fp, "</b> jumped to ");
		html_put_num(fp, week);
		fprintf(fp, " from ");
		html_put_num(fp, prev);
		fprintf(fp, " the week before</li>\n");
		(*n)++;
	}
}

/* What changed in the last REPORT_WEEK days. */
static void
put_changes(FILE *fp, const struct rh_page *p)
{
	const struct af_alias *a;
	int64_t	 since = (int64_t)(p->today - REPORT_WEEK + 1) * DAY_SECS;
	int32_t	 local = date_today();
	size_t	 i, n = 0;
	const char *d;

	fprintf(fp, "<section id=\"changes\">\n<h2>What changed in the last "
	    "%d days</h2>\n<ul class=\"changes\">\n", REPORT_WEEK);
	for (i = 0; i < p->nhits; i++) {
		if (p->hits[i].a.first_seen < since ||
		    (p->alias != NULL && strcmp(p->hits[i].key, p->alias)))
			continue;
		fprintf(fp, "<li class=\"new-alias\">First mail for <b>");
		html_text(fp, p->hits[i].key);
		fprintf(fp, "</b> on ");
		put_time(fp, p->hits[i].a.first_seen);
		fprintf(fp, "</li>\n");
		n++;
	}
	for (i = 0; i < p->nsenders; i++) {
		d = evidence_domain(&p->senders[i]);
		if (p->senders[i].a.first_seen < since ||
		    strcmp(d, STATS_SENDER_NULL) == 0 ||
		    strcmp(d, STATS_OTHER) == 0)
			continue;
		fprintf(fp, "<li class=\"new-sender\">New sender domain <b>");
		html_text(fp, d);
		fprintf(fp, "</b> for ");
		/* The key is "ALIAS DOMAIN": the alias before the blank. */
		html_textf(fp, "%.*s", (int)(d - p->senders[i].key - 1),
		    p->senders[i].key);
		fprintf(fp, "</li>\n");
		n++;
	}
	for (i = 0; i < p->af->naliases; i++) {
		a = &p->af->aliases[i];
		if (p->alias != NULL && strcmp(a->key, p->alias) != 0)
			continue;
		if ((a->flags & AF_REVOKED) &&
		    a->revoked > local - REPORT_WEEK && a->revoked <= local) {
			fprintf(fp, "<li class=\"chg-revoked\">Revoked <b>");
			html_text(fp, a->key);
			fprintf(fp, "</b> on ");
			put_day(fp, a->revoked);
			if (a->reason != NULL) {
				fputs(": ", fp);
				html_text(fp, a->reason);
			}
			fprintf(fp, "</li>\n");
			n++;
		} else if (!(a->flags & AF_REVOKED) &&
		    a->expires != DATE_NONE && a->expires >= local -
		    REPORT_WEEK && a->expires < local) {
			fprintf(fp, "<li class=\"chg-expired\">Expired <b>");
			html_text(fp, a->key);
			fprintf(fp, "</b> after ");
			put_day(fp, a->expires);
			fprintf(fp, "</li>\n");
			n++;
		}
	}
	put_jumps(fp, p, &n);
	if (n == 0)
		fprintf(fp, "<li class=\"nodata\">Nothing new.</li>\n");
	fprintf(fp, "</ul>\n</section>\n");
}

/* For --alias: its state and its senders. */
static void
put_alias(FILE *fp, const struct rh_page *p)
{
	const struct af_alias *a = af_find_alias(p->af, p->alias);
	struct evidence ev;
	const struct stats_row *r;
	size_t	 i;
	static const char *const cls[] = { "established", "new", "refused",
		"too early to tell", "" };

	fprintf(fp, "<section id=\"alias\">\n<h2>State</h2>\n<p>");
	if (a->flags & AF_REVOKED) {
		fputs("Revoked on ", fp);
		put_day(fp, a->revoked);
		if (a->reason != NULL) {
			fputs(": ", fp);
			html_text(fp, a->reason);
		}
	} else if (a->expires != DATE_NONE && a->expires < date_today()) {
		fputs("Expired after ", fp);
		put_day(fp, a->expires);
	} else
		fputs("Active", fp);
	if (a->flags & AF_RECEIVE_ONLY)
		fputs("; receive-only (bounces refused)", fp);
	if (a->senders != NULL) {
		fputs("; locked to ", fp);
		html_text(fp, a->senders);
	}
	if (a->note != NULL) {
		fputs(". ", fp);
		html_text(fp, a->note);
	}
	fprintf(fp, "</p>\n<h2>Who writes to it</h2>\n");
	if (p->nsenders == 0) {
		fprintf(fp, "<p class=\"nodata\">No sender recorded.</p>\n"
		    "</section>\n");
		return;
	}
	evidence_judge(a->created, p->senders, p->nsenders, p->now, &ev);
	fprintf(fp, "<div class=\"scroll\"><table id=\"senders\">\n<thead><tr>"
	    "<th>Sender domain</th><th>Evidence</th><th class=\"n\">Accepted"
	    "</th><th class=\"n\">Refused</th><th class=\"opt\">First seen"
	    "</th><th class=\"opt\">Last seen</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < p->nsenders; i++) {
		r = &p->senders[i];
		fprintf(fp, "<tr><td class=\"addr\">");
		html_text(fp, evidence_domain(r));
		fprintf(fp, "</td><td>%s</td><td class=\"n\">",
		    cls[evidence_class(&ev, r)]);
		html_put_num(fp, r->a.hits);
		fprintf(fp, "</td><td class=\"n\">");
		html_put_num(fp, alias_refused(&r->a));
		fprintf(fp, "</td><td class=\"opt\">");
		put_time(fp, r->a.first_seen);
		fprintf(fp, "</td><td class=\"opt\">");
		put_time(fp, r->a.last_seen);
		fprintf(fp, "</td></tr>\n");
	}
	fprintf(fp, "</tbody></table></div>\n</section>\n");
}

/*
 * report --html FILE|- [--days N] [--alias ADDRESS]: the page, written
 * to FILE by rename (outfile.h) or to stdout.
 */
int
cmd_report(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"--html", "a file"}, {"--days", "a number"},
		{"--alias", "an address"}, REPORT_OPT_MERGE, {NULL, NULL}
	};
	struct rh_page p;
	struct cli_args args;
	struct outfile of;
	struct errbuf e;
	const char *v, *html = NULL;
	char	 alias[ADDR_BUF], *end;
	unsigned long days = REPORT_DAYS_DEFAULT;
	int	 k, rc;

	memset(&p, 0, sizeof(p));
	memset(&of, 0, sizeof(of));
	report_files_init(&p.sf);
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 0)
			html = v;
		else if (k == 1) {
			errno = 0;
			days = strtoul(v, &end, 10);
			if (v[0] < '0' || v[0] > '9' || *end != '\0' ||
			    days == 0 || days > REPORT_DAYS_MAX) {
				log_warnx("report: --days needs a number from "
				    "1 to %d, not '%s'", REPORT_DAYS_MAX, v);
				rc = cli_usage();
				goto out;
			}
		} else if (k == 2) {
			if ((rc = cli_address(v, alias)) != 0)
				goto out;
			p.alias = alias;
		} else if (k == 3) {
			if ((rc = report_files_merge(&p.sf, v)) != 0)
				goto out;
		} else {
			if (k == CLI_OPERAND)
				log_warnx("report: unknown argument '%s'", v);
			rc = cli_usage();
			goto out;
		}
	}
	if (html == NULL) {
		log_warnx("report: --html FILE is needed (- for standard "
		    "output)");
		rc = cli_usage();
		goto out;
	}
	p.o = o;
	p.now = (int64_t)time(NULL);
	p.today = (int32_t)(p.now / DAY_SECS);
	p.from = p.today - (int32_t)days + 1;
	if ((rc = page_read(&p)) != 0)
		goto out;
	if (outfile_open(html, &of, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = outfile_status(errno);
		goto out;
	}
	put_head(of.fp, &p);
	fprintf(of.fp, "<main>\n");
	put_summary(of.fp, &p);
	put_chart(of.fp, &p);
	if (p.alias != NULL)
		put_alias(of.fp, &p);
	else
		put_top(of.fp, &p);
	if (put_leaks(of.fp, &p) == -1) {
		log_warn("report");
		outfile_abort(&of);
		rc = EX_OSERR;
		goto out;
	}
	if (p.alias == NULL)
		put_tried(of.fp, &p);
	put_changes(of.fp, &p);
	fprintf(of.fp, "</main>\n<footer><p class=\"meta\">Made by aliasctl "
	    "report; times in UTC.</p></footer>\n</body>\n</html>\n");
	if (outfile_commit(&of, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = EX_IOERR;
	}
out:
	page_free(&p);
	return rc;
}
