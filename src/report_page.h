/*
 * report_page.h: what the HTML report shows, read once from the alias
 * file and the stats files (totals, sender evidence, per-day history)
 * and ranked: report_html.c writes it.  Knows nothing of HTML.
 */
#ifndef REPORT_PAGE_H
#define REPORT_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "aliasfile.h"
#include "cli.h"
#include "report_files.h"
#include "stats.h"

/* The verdicts of the page, in the chart's stacking order (bottom first). */
enum report_page_verdict {
	RP_ACCEPTED, RP_UNKNOWN, RP_REVOKED, RP_EXPIRED, RP_BACKSCATTER,
	RP_LOCKED, RP_NV
};

/* One UTC day of the chart. */
struct report_page_day {
	int32_t	 day;
	uint64_t v[RP_NV];
};

/* An alias's row in the top table. */
struct report_page_top {
	const struct stats_row *hit;
	uint64_t total;		/* in the period, or ever without history */
	uint64_t accepted;	/* of total */
	uint64_t refused;	/* of total */
	uint64_t *spark;	/* per day of the period; ours */
};

/* An unknown recipient and how often it was tried. */
struct report_page_tried {
	const char *addr;	/* points into the rows or days it came from */
	uint64_t count;
	int	 approx;	/* a lower bound only (merged top lists) */
};

/* Everything the page shows, read once. */
struct report_page {
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
	struct report_page_day *days;	/* today - from + 1 of them */
	size_t	 ndays;
	struct stats_history *hist;	/* per alias, from hfrom to today */
	size_t	 nhist;
	int32_t	 hfrom;		/* the earlier of from and two weeks ago */
	struct stats_daytotal *dt;	/* per day, from to today */
	size_t	 ndt;
	struct report_page_top *top;
	size_t	 ntop;
	struct report_page_tried *tried;
	size_t	 ntried;
	int	 tried_ever;	/* tried[] is of all time, not the period */
};

/*
 * Reads everything p shows.  The caller sets o, alias (normalised, or
 * NULL), now, today (UTC day), from (the period's first day) and fills
 * sf with report_files_init() and any --merge files.  Returns 0, or a
 * sysexits code (said why): EX_NOUSER when alias is not an alias of the
 * file.  Free p with report_page_free() either way.
 */
int	report_page_read(struct report_page *p);
void	report_page_free(struct report_page *p);

/* The history of alias in p, or NULL when it has none. */
const struct stats_history *report_page_hist(const struct report_page *p,
	    const char *alias);
/*
 * The counts of h from day from to day to: every verdict, or (refused)
 * the refusals only.
 */
uint64_t report_page_sum(const struct stats_history *h, int32_t from,
	    int32_t to, int refused);
/* The refusals of an alias's totals, of every kind. */
uint64_t report_page_refused(const struct stats_alias *a);

#endif /* REPORT_PAGE_H */
