/*
 * report_html.c: aliasctl report --html (report_html.h).  The page is
 * one file with its CSS and its charts (SVG) inline: nothing is fetched,
 * no script runs (its Content-Security-Policy forbids both), so it can
 * be mailed, archived and opened offline.  Every string from the stats
 * files or the alias file goes through html_text(): the unknown
 * recipients are chosen by spammers.  What the page shows is read and
 * ranked by report_page.c.
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
#include "output.h"
#include "report.h"
#include "report_files.h"
#include "report_html.h"
#include "report_page.h"
#include "stats.h"
#include "util.h"

#define DAY_SECS	86400

static const char *const rh_class[RP_NV] = {
	"accepted", "unknown", "revoked", "expired", "backscatter", "locked"
};
static const char *const rh_label[RP_NV] = {
	"accepted", "unknown recipient", "revoked alias", "expired alias",
	"backscatter refused", "sender lock refused"
};

static void	 put_jumps(FILE *, const struct report_page *, size_t *);
static void	 put_head(FILE *, const struct report_page *);
static void	 put_summary(FILE *, const struct report_page *);
static void	 put_chart(FILE *, const struct report_page *);
static void	 put_catchall(FILE *, const struct report_page *);
static void	 put_top(FILE *, const struct report_page *);
static int	 put_leaks(FILE *, const struct report_page *);
static void	 put_tried(FILE *, const struct report_page *);
static void	 put_changes(FILE *, const struct report_page *);
static void	 put_alias(FILE *, const struct report_page *);
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
	char	 buf[OUTPUT_TIME_BUF];

	output_time_utc(t, buf);
	if (buf[0] == '\0')
		fputs("never", fp);
	else
		fprintf(fp, "%.10s %.5s UTC", buf, buf + 11);
}

/* The document's head and the page's header. */
static void
put_head(FILE *fp, const struct report_page *p)
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
put_summary(FILE *fp, const struct report_page *p)
{
	uint64_t sum[RP_NV];
	size_t	 i, v;

	memset(sum, 0, sizeof(sum));
	if (p->have_days) {
		for (i = 0; i < p->ndays; i++)
			for (v = 0; v < RP_NV; v++)
				sum[v] += p->days[i].v[v];
	} else {
		for (i = 0; i < p->ntop; i++) {
			sum[RP_ACCEPTED] += p->top[i].hit->a.hits;
			sum[RP_REVOKED] += p->top[i].hit->a.revoked_hits -
			    p->top[i].hit->a.expired;
			sum[RP_EXPIRED] += p->top[i].hit->a.expired;
			sum[RP_BACKSCATTER] += p->top[i].hit->a.backscatter;
			sum[RP_LOCKED] += p->top[i].hit->a.locked;
		}
		for (i = 0; p->alias == NULL && i < p->nunknown; i++)
			sum[RP_UNKNOWN] += p->unknown[i].u.count;
	}
	fprintf(fp, "<section id=\"summary\">\n<h2>%s</h2>\n"
	    "<div class=\"tiles\">\n", p->have_days ? "In this period" :
	    "Since counting began");
	for (v = 0; v < RP_NV; v++) {
		if (v == RP_UNKNOWN && p->alias != NULL)
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
put_chart(FILE *fp, const struct report_page *p)
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
		for (sum = 0, v = 0; v < RP_NV; v++)
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
		for (v = 0; v < RP_NV; v++) {
			html_num(p->days[i].v[v], num);
			fprintf(fp, "%s %s %s", v ? "," : "", num,
			    rh_label[v]);
		}
		fprintf(fp, "</title>");
		y = T + ph;
		for (v = 0; v < RP_NV; v++) {
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
	for (v = 0; v < RP_NV; v++)
		if (p->alias == NULL || v != RP_UNKNOWN)
			fprintf(fp, "<li><span class=\"sw %s\" aria-hidden=\"true\">&nbsp;</span>%s</li>",
			    rh_class[v], rh_label[v]);
	fprintf(fp, "</ul>\n");
	put_catchall(fp, p);
	fprintf(fp, "</section>\n");
}

/* When the catch-all ended, when known: under the chart. */
static void
put_catchall(FILE *fp, const struct report_page *p)
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
put_top(FILE *fp, const struct report_page *p)
{
	const struct report_page_top *t;
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
put_leaks(FILE *fp, const struct report_page *p)
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
put_tried(FILE *fp, const struct report_page *p)
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
put_jumps(FILE *fp, const struct report_page *p, size_t *n)
{
	const struct stats_history *h;
	uint64_t week, prev;
	size_t	 i;

	for (i = 0; i < p->nhist; i++) {
		h = &p->hist[i];
		week = report_page_sum(h, p->today - REPORT_WEEK + 1, p->today, 1);
		prev = report_page_sum(h, p->today - 2 * REPORT_WEEK + 1,
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
put_changes(FILE *fp, const struct report_page *p)
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
put_alias(FILE *fp, const struct report_page *p)
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
		html_put_num(fp, report_page_refused(&r->a));
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
	struct report_page p;
	struct cli_args args;
	struct outfile of;
	struct errbuf e;
	const char *v, *html = NULL;
	char	 alias[ADDR_BUF];
	unsigned long long days = REPORT_DAYS_DEFAULT;
	int	 k, rc;

	memset(&p, 0, sizeof(p));
	memset(&of, 0, sizeof(of));
	report_files_init(&p.sf);
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 0)
			html = v;
		else if (k == 1) {
			if (report_count("report", "--days", v,
			    REPORT_DAYS_MAX, &days) == -1) {
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
	if ((rc = report_page_read(&p)) != 0)
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
	report_page_free(&p);
	return rc;
}
