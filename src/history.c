/*
 * history.c: aliasctl stats --days: the per-day table of the stats
 * files, for the terminal and for scripts (--json).  Days are UTC days,
 * as the files keep them (stats_days.c).
 *
 * The table has one line per day, oldest first, days without a hit
 * included, so a column reads as a chart: ACCEPTED, REVOKED, EXPIRED,
 * BACKSCATTER, LOCKED and, for all aliases, UNKNOWN (refused unknown
 * recipients).  With --unknown, each day instead lists its most tried
 * unknown recipients: the line "(all)" with the day's count, one line
 * per listed address with the count it surely had (count - over, see
 * struct stats_tried), and "(rest)" with what is left, so the lines of
 * a day add up to its "(all)".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "history.h"
#include "log.h"
#include "output.h"
#include "report_files.h"
#include "stats.h"
#include "util.h"

static int	 read_days(struct report_files *, const struct history_req *,
		    struct stats_daytotal **, size_t *);
static void	 print_table(const struct stats_daytotal *, size_t, int);
static void	 print_unknown(const struct stats_daytotal *, size_t);
static void	 print_json(const struct stats_daytotal *, size_t,
		    const struct history_req *, const struct report_files *);

/*
 * The days of r as struct stats_daytotal, one per day of the range:
 * for one alias its rows (no unknown counts), else the totals.
 * Returns 0 with *dp (free(3)) and *np, or a sysexits code (said why).
 */
static int
read_days(struct report_files *sf, const struct history_req *r,
    struct stats_daytotal **dp, size_t *np)
{
	struct stats_history *h = NULL;
	struct stats_daytotal *d;
	struct errbuf e;
	size_t	 nh = 0, i, span = (size_t)(r->to - r->from) + 1;

	if (r->alias == NULL) {
		if (stats_read_daytotals((const char *const *)sf->path, sf->n,
		    r->from, r->to, dp, np, sf->found, &e) == 0)
			return 0;
		goto fail;
	}
	if (stats_read_days((const char *const *)sf->path, sf->n, r->alias,
	    r->from, r->to, &h, &nh, sf->found, &e) == -1)
		goto fail;
	if ((d = calloc(span, sizeof(*d))) == NULL) {
		stats_history_free(h, nh);
		log_warn("stats --days");
		return EX_OSERR;
	}
	for (i = 0; i < span; i++)
		d[i].sum.day = r->from + (int32_t)i;
	for (i = 0; nh == 1 && i < h[0].n; i++)
		d[h[0].days[i].day - r->from].sum = h[0].days[i];
	stats_history_free(h, nh);
	*dp = d;
	*np = span;
	return 0;
fail:
	log_warnx("%s", e.msg);
	return errno == EACCES ? EX_NOINPUT : errno == EINVAL ? EX_DATAERR :
	    EX_IOERR;
}

/* The table of counts by kind, one line per day. */
static void
print_table(const struct stats_daytotal *d, size_t n, int unknown_col)
{
	static const char *const head[6] = { "ACCEPTED", "REVOKED",
		"EXPIRED", "BACKSCATTER", "LOCKED", "UNKNOWN" };
	uint64_t v[6];
	int	 w[6], ncol = unknown_col ? 6 : 5, c;
	size_t	 i;
	char	 day[DATE_BUF];

	for (c = 0; c < ncol; c++)
		w[c] = (int)strlen(head[c]);
	for (i = 0; i < n; i++) {
		w[0] = output_num_width(d[i].sum.accepted, w[0]);
		w[1] = output_num_width(d[i].sum.revoked, w[1]);
		w[2] = output_num_width(d[i].sum.expired, w[2]);
		w[3] = output_num_width(d[i].sum.backscatter, w[3]);
		w[4] = output_num_width(d[i].sum.locked, w[4]);
		w[5] = output_num_width(d[i].unknown, w[5]);
	}
	printf("%-10s", "DAY");
	for (c = 0; c < ncol; c++)
		printf("  %*s", w[c], head[c]);
	printf("\n");
	for (i = 0; i < n; i++) {
		date_format(d[i].sum.day, day);
		v[0] = d[i].sum.accepted;
		v[1] = d[i].sum.revoked;
		v[2] = d[i].sum.expired;
		v[3] = d[i].sum.backscatter;
		v[4] = d[i].sum.locked;
		v[5] = d[i].unknown;
		printf("%-10s", day);
		for (c = 0; c < ncol; c++)
			printf("  %*llu", w[c], (unsigned long long)v[c]);
		printf("\n");
	}
}

/* Each day's unknown recipients: "(all)", the list, "(rest)". */
static void
print_unknown(const struct stats_daytotal *d, size_t n)
{
	size_t	 i, j;
	int	 kw = (int)strlen("RECIPIENT"), cw = (int)strlen("COUNT");
	char	 day[DATE_BUF];

	for (i = 0; i < n; i++) {
		cw = output_num_width(d[i].unknown, cw);
		for (j = 0; j < d[i].ntop; j++)
			if ((int)output_vis_len(d[i].top[j].addr) > kw)
				kw = (int)output_vis_len(d[i].top[j].addr);
	}
	printf("%-10s  %-*s  %*s\n", "DAY", kw, "RECIPIENT", cw, "COUNT");
	for (i = 0; i < n; i++) {
		date_format(d[i].sum.day, day);
		printf("%-10s  %-*s  %*llu\n", day, kw, "(all)", cw,
		    (unsigned long long)d[i].unknown);
		for (j = 0; j < d[i].ntop; j++) {
			printf("%-10s  ", day);
			output_vis_print(d[i].top[j].addr, kw);
			printf("  %*llu\n", cw, (unsigned long long)
			    (d[i].top[j].count - d[i].top[j].over));
		}
		if (d[i].unknown_rest != 0)
			printf("%-10s  %-*s  %*llu\n", day, kw, "(rest)", cw,
			    (unsigned long long)d[i].unknown_rest);
	}
}

static void
print_json(const struct stats_daytotal *d, size_t n,
    const struct history_req *r, const struct report_files *sf)
{
	const struct stats_tried *t;
	char	 day[DATE_BUF];
	size_t	 i, j;

	printf("{\"alias\":");
	if (r->alias != NULL)
		output_json_string(r->alias);
	else
		printf("null");
	printf(",\"days\":[");
	for (i = 0; i < n; i++) {
		date_format(d[i].sum.day, day);
		printf("%s\n {\"day\":\"%s\",\"accepted\":%llu,\"revoked\":%llu,"
		    "\"expired\":%llu,\"backscatter\":%llu,\"locked\":%llu",
		    i ? "," : "", day,
		    (unsigned long long)d[i].sum.accepted,
		    (unsigned long long)d[i].sum.revoked,
		    (unsigned long long)d[i].sum.expired,
		    (unsigned long long)d[i].sum.backscatter,
		    (unsigned long long)d[i].sum.locked);
		if (r->alias == NULL) {
			printf(",\"unknown\":%llu,\"unknown_rest\":%llu,"
			    "\"most_tried\":[",
			    (unsigned long long)d[i].unknown,
			    (unsigned long long)d[i].unknown_rest);
			for (j = 0; j < d[i].ntop; j++) {
				t = &d[i].top[j];
				printf("%s{\"recipient\":", j ? "," : "");
				output_json_string(t->addr);
				printf(",\"count\":%llu,\"over\":%llu}",
				    (unsigned long long)t->count,
				    (unsigned long long)t->over);
			}
			printf("]");
		}
		printf("}");
	}
	printf("%s]", n ? "\n" : "");
	report_files_print(sf, 1);
	printf("}\n");
}

int
history_print(struct report_files *sf, const struct history_req *r)
{
	struct stats_daytotal *d = NULL;
	size_t	 n = 0;
	int	 rc;

	if ((rc = read_days(sf, r, &d, &n)) != 0)
		return rc;
	if (r->json)
		print_json(d, n, r, sf);
	else {
		if (r->files_line)
			report_files_print(sf, 0);
		if (r->unknown)
			print_unknown(d, n);
		else
			print_table(d, n, r->alias == NULL);
	}
	free(d);
	return 0;
}
