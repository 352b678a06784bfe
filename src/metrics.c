/*
 * metrics.c: the Prometheus text exposition of the hit counters
 * (metrics.h).  Names follow postfix_exporter: an aliasctl_ prefix,
 * counters end in _total, one label per dimension.  Unknown recipients
 * are counted, never labelled: their addresses are chosen by spammers
 * and unbounded, which Prometheus warns against for label values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>

#include "aliasfile.h"
#include "cli.h"
#include "compile.h"
#include "log.h"
#include "metrics.h"
#include "outfile.h"
#include "report_files.h"
#include "stats.h"
#include "util.h"

/* The verdicts of the "aliases" table, in the order they are printed. */
static const char *const verdicts[] = {
	"accepted", "revoked", "expired", "backscatter", "locked"
};
#define NVERDICTS	(sizeof(verdicts) / sizeof(verdicts[0]))

static uint64_t	 row_count(const struct stats_row *, size_t);
static uint64_t	 row_total(const struct stats_row *);
static int	 row_cmp_total(const void *, const void *);
static void	 family(FILE *, const char *, const char *, const char *);
static void	 put_aliases(FILE *, const struct aliasfile *);
static void	 put_recipients(FILE *, const struct stats_row *, size_t,
		    const struct stats_row *, size_t);
static void	 put_per_alias(FILE *, struct stats_row *, size_t, size_t);
static int	 put_meta(FILE *, const struct report_files *);
static int	 put_map(FILE *, const struct options *,
		    const struct aliasfile *);

void
metrics_label(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 len;

	for (; *p != '\0'; p += len) {
		if ((len = utf8_len(p)) == 0) {
			fputs("\xef\xbf\xbd", fp);
			len = 1;
		} else if (*p == '\\' || *p == '"')
			fprintf(fp, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", fp);
		else
			fwrite(p, 1, len, fp);
	}
}

/* The count of verdict v (an index into verdicts) of an alias row. */
static uint64_t
row_count(const struct stats_row *r, size_t v)
{
	switch (v) {
	case 0:
		return r->a.hits;
	case 1:
		/* The file counts expired hits among revoked ones. */
		return r->a.revoked_hits - r->a.expired;
	case 2:
		return r->a.expired;
	case 3:
		return r->a.backscatter;
	default:
		return r->a.locked;
	}
}

static uint64_t
row_total(const struct stats_row *r)
{
	size_t	 v;
	uint64_t t = 0;

	for (v = 0; v < NVERDICTS; v++)
		t += row_count(r, v);
	return t;
}

/* By every verdict added up, most first, then by key. */
static int
row_cmp_total(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;
	uint64_t tx = row_total(x), ty = row_total(y);

	if (tx != ty)
		return tx < ty ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* The HELP and TYPE lines of a family (help has no \ or newline). */
static void
family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The alias file's aliases by state, the locks and receive-only ones. */
static void
put_aliases(FILE *fp, const struct aliasfile *af)
{
	const struct af_alias *a;
	size_t	 i, active = 0, revoked = 0, expired = 0, ro = 0, locked = 0;
	int32_t	 today = date_today();

	for (i = 0; i < af->naliases; i++) {
		a = &af->aliases[i];
		if (a->flags & AF_REVOKED)
			revoked++;
		else if (a->expires != DATE_NONE && a->expires < today)
			expired++;
		else {
			active++;
			ro += (a->flags & AF_RECEIVE_ONLY) != 0;
			locked += a->senders != NULL;
		}
	}
	family(fp, "aliasctl_domains", "gauge",
	    "Domains of the alias file.");
	fprintf(fp, "aliasctl_domains %zu\n", af->ndomains);
	family(fp, "aliasctl_aliases", "gauge",
	    "Aliases of the alias file by state; the states add up to all.");
	fprintf(fp, "aliasctl_aliases{state=\"active\"} %zu\n"
	    "aliasctl_aliases{state=\"revoked\"} %zu\n"
	    "aliasctl_aliases{state=\"expired\"} %zu\n",
	    active, revoked, expired);
	family(fp, "aliasctl_aliases_receive_only", "gauge",
	    "Active aliases that refuse bounces (receive_only).");
	fprintf(fp, "aliasctl_aliases_receive_only %zu\n", ro);
	family(fp, "aliasctl_aliases_locked", "gauge",
	    "Active aliases with a sender lock (senders:).");
	fprintf(fp, "aliasctl_aliases_locked %zu\n", locked);
}

/* The recipients judged, by verdict, and the unknown addresses seen. */
static void
put_recipients(FILE *fp, const struct stats_row *rows, size_t n,
    const struct stats_row *unknown, size_t nunknown)
{
	uint64_t sum[NVERDICTS], u = 0;
	size_t	 i, v, addrs = 0;

	memset(sum, 0, sizeof(sum));
	for (i = 0; i < n; i++)
		for (v = 0; v < NVERDICTS; v++)
			sum[v] += row_count(&rows[i], v);
	for (i = 0; i < nunknown; i++) {
		u += unknown[i].u.count;
		addrs += strcmp(unknown[i].key, STATS_OTHER) != 0;
	}
	family(fp, "aliasctl_recipients_total", "counter",
	    "Recipients judged by alias-milter and alias-lookupd, by "
	    "verdict.");
	for (v = 0; v < NVERDICTS; v++) {
		fprintf(fp, "aliasctl_recipients_total{verdict=\"%s\"} %" PRIu64
		    "\n", verdicts[v], sum[v]);
		if (v == 0)
			fprintf(fp, "aliasctl_recipients_total"
			    "{verdict=\"unknown\"} %" PRIu64 "\n", u);
	}
	family(fp, "aliasctl_unknown_addresses", "gauge",
	    "Distinct unknown recipient addresses in the stats files.");
	fprintf(fp, "aliasctl_unknown_addresses %zu\n", addrs);
}

/*
 * The series of the max busiest aliases (rows sorted here), by verdict.
 */
static void
put_per_alias(FILE *fp, struct stats_row *rows, size_t n, size_t max)
{
	size_t	 i, v;

	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp_total);
	family(fp, "aliasctl_alias_recipients_total", "counter",
	    "Recipients judged per alias, by verdict, for the busiest "
	    "aliases only (--per-alias).");
	for (i = 0; i < n && i < max; i++)
		for (v = 0; v < NVERDICTS; v++) {
			fprintf(fp, "aliasctl_alias_recipients_total{alias=\"");
			metrics_label(fp, rows[i].key);
			fprintf(fp, "\",verdict=\"%s\"} %" PRIu64 "\n",
			    verdicts[v], row_count(&rows[i], v));
		}
}

/*
 * Each stats file's writer: when it started and last flushed.  Returns
 * 0, or -1 when out of memory.
 */
static int
put_meta(FILE *fp, const struct report_files *sf)
{
	struct stats_meta *m;
	struct errbuf e;
	size_t	 i, pass;
	static const char *const names[] = {
		"aliasctl_stats_last_flush_timestamp_seconds",
		"aliasctl_stats_writer_start_timestamp_seconds"
	};
	static const char *const helps[] = {
		"When the daemon writing the stats file last flushed its "
		    "counts (its heartbeat).",
		"When the daemon writing the stats file opened it."
	};

	if ((m = calloc(sf->n ? sf->n : 1, sizeof(*m))) == NULL)
		return -1;
	for (i = 0; i < sf->n; i++) {
		/* A file without a heartbeat (before 0.2) has no sample. */
		if (sf->found[i] && stats_read_meta(sf->path[i], &m[i], &e) ==
		    -1) {
			log_warnx("%s", e.msg);
			m[i].flushed = 0;
		}
	}
	for (pass = 0; pass < 2; pass++) {
		family(fp, names[pass], "gauge", helps[pass]);
		for (i = 0; i < sf->n; i++) {
			if (!sf->found[i] || m[i].flushed == 0)
				continue;
			fprintf(fp, "%s{writer=\"", names[pass]);
			metrics_label(fp, m[i].writer);
			fprintf(fp, "\",file=\"");
			metrics_label(fp, sf->path[i]);
			fprintf(fp, "\"} %" PRId64 "\n",
			    pass == 0 ? m[i].flushed : m[i].started);
		}
	}
	free(m);
	return 0;
}

/*
 * When the map was last compiled or edited (compile_published()), if
 * MAP.lmdb exists.  Returns 0, or EX_CONFIG (said why).
 */
static int
put_map(FILE *fp, const struct options *o, const struct aliasfile *af)
{
	struct timespec t;
	char	 base[4096];
	int	 rc;

	if ((rc = cli_map_base(o, af->map, base, sizeof(base))) != 0)
		return rc;
	if (compile_published(base, &t) == -1) {
		if (errno != ENAMETOOLONG)
			return 0;
		log_warnx("%s%s: path too long", base, COMPILE_SUFFIX_POLICY);
		return EX_CONFIG;
	}
	family(fp, "aliasctl_map_last_compile_timestamp_seconds", "gauge",
	    "When the map was last compiled or edited by aliasctl.");
	fprintf(fp, "aliasctl_map_last_compile_timestamp_seconds %lld\n",
	    (long long)t.tv_sec);
	return 0;
}

int
metrics_prometheus(const struct options *o, struct report_files *sf,
    const char *output, size_t per_alias)
{
	struct aliasfile *af = NULL;
	struct stats_row *rows = NULL, *unknown = NULL;
	struct outfile of;
	struct errbuf e;
	size_t	 n = 0, nunknown = 0;
	int	 rc;

	of.fp = NULL;
	if ((rc = cli_load(o, &af)) != 0)
		goto out;
	if (stats_read_all((const char *const *)sf->path, sf->n, 0, &rows,
	    &n, sf->found, &e) == -1 ||
	    stats_read_all((const char *const *)sf->path, sf->n, 1, &unknown,
	    &nunknown, sf->found, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = errno == EACCES ? EX_NOINPUT : EX_IOERR;
		goto out;
	}
	if (outfile_open(output, &of, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = outfile_status(errno);
		goto out;
	}
	put_recipients(of.fp, rows, n, unknown, nunknown);
	if (per_alias > 0)
		put_per_alias(of.fp, rows, n, per_alias);
	put_aliases(of.fp, af);
	if (put_meta(of.fp, sf) == -1) {
		log_warn("stats");
		outfile_abort(&of);
		rc = EX_OSERR;
		goto out;
	}
	if ((rc = put_map(of.fp, o, af)) != 0) {
		outfile_abort(&of);
		goto out;
	}
	if (outfile_commit(&of, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = EX_IOERR;
	}
out:
	stats_rows_free(rows, n);
	stats_rows_free(unknown, nunknown);
	af_free(af);
	return rc;
}
