/*
 * report.c: the aliasctl commands that print what the map and the hit
 * counters hold: export, query, stats and list (report.h).  The list of
 * stats files the views add up is report_files.c's, the output helpers
 * the commands share (network text, widths, times, JSON) output.c's.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "address.h"
#include "aliasfile.h"
#include "amap.h"
#include "cli.h"
#include "compile.h"
#include "history.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "policy.h"
#include "report.h"
#include "report_files.h"
#include "stats.h"
#include "util.h"

#define EX_NOTFOUND		1	/* query: like postmap -q */

static int	 open_maps(const char *mapbase, struct amap **map,
		    struct amap **policy);
static int	 query_explain(struct amap *policy, const char *key,
		    const char *base, const char *domain, int managed,
		    const char *found_key, const char *value);
static int	 report_files_read(struct report_files *, int,
		    struct stats_row **, size_t *);
static int	 row_cmp_alias(const void *, const void *);
static int	 row_cmp_unknown(const void *, const void *);
static void	 print_stats_table(const struct stats_row *, size_t, int);
static void	 print_stats_json(const struct stats_row *, size_t, int,
		    const struct report_files *);
static int	 row_find_key(const void *, const void *);
static int	 stats_per_alias(struct cli_args *, size_t *);
static void	 print_senders_json(const char *);

int
cmd_export(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af;
	struct mapiter *it;
	const char *key, *val;
	int	 rc;

	if (cli_no_args(argc, argv) != 0)
		return cli_usage();
	if ((rc = cli_load(o, &af)) != 0)
		return rc;
	if ((it = mapiter_new(af, date_today())) == NULL) {
		log_warnx("out of memory");
		af_free(af);
		return EX_OSERR;
	}
	printf("# virtual(5) table made by aliasctl export from %s\n"
	    "# Generated: edit the alias file instead.  Build: postmap lmdb:FILE\n",
	    o->file);
	while (mapiter_next(it, &key, &val))
		printf("%s\t%s\n", key, val);
	mapiter_free(it);
	af_free(af);
	return cli_flush();
}

/*
 * Opens MAP.lmdb and MAP.policy.lmdb.  Returns 0, or EX_NOINPUT when
 * missing, EX_IOERR when unreadable.
 */
static int
open_maps(const char *mapbase, struct amap **map, struct amap **policy)
{
	struct errbuf e;
	char	 path[4096];

	*map = *policy = NULL;
	if (path_suffix(path, sizeof(path), mapbase, COMPILE_SUFFIX_MAP) ||
	    amap_open(path, map, &e) == -1)
		goto fail;
	if (path_suffix(path, sizeof(path), mapbase, COMPILE_SUFFIX_POLICY) ||
	    amap_open(path, policy, &e) == -1)
		goto fail;
	return 0;
fail:
	if (errno == ENOENT)
		log_warnx("%s: no such map (run aliasctl compile)", path);
	else
		log_warnx("%s", e.msg);
	amap_close(*map);
	*map = NULL;
	return errno == ENOENT ? EX_NOINPUT : EX_IOERR;
}

/*
 * Says on stderr why key has the answer it has.  found_key is the key
 * that matched (NULL when none).  Returns 0, or EX_IOERR when the
 * policy file cannot be read.
 */
static int
query_explain(struct amap *policy, const char *key, const char *base,
    const char *domain, int managed, const char *found_key,
    const char *value)
{
	struct policy_alias pa;
	struct errbuf e;
	char	 rec[AMAP_VALUE_MAX], day[DATE_BUF];
	int	 r;

	if ((r = amap_get(policy, found_key ? found_key : base, rec,
	    sizeof(rec), &e)) == -1) {
		log_warnx("%s", e.msg);
		return EX_IOERR;
	}
	if (r == 1 && policy_parse_alias(rec, &pa) == -1)
		r = 0;
	if (found_key != NULL && strchr(found_key, '@') == NULL)
		fprintf(stderr, "%s: managed domain\n", key);
	else if (found_key != NULL) {
		fprintf(stderr, "%s: active alias%s%s, delivered to %s\n", key,
		    strcmp(found_key, key) ? " " : "",
		    strcmp(found_key, key) ? found_key : "", value);
		if (r == 1 && policy_expired(&pa, date_today())) {
			date_format(pa.expires, day);
			fprintf(stderr, "%s: expired after %s but still in the "
			    "map: run aliasctl compile\n", key, day);
		}
		if (r == 1 && pa.senders != NULL)
			fprintf(stderr, "%s: locked to senders %.*s "
			    "(alias-milter refuses others; bounces are "
			    "receive_only's)\n", key, (int)pa.senders_len,
			    pa.senders);
	} else if (r == 1 && (pa.flags & POLICY_REVOKED)) {
		date_format(pa.revoked, day);
		fprintf(stderr, "%s: revoked on %s%s%s%s\n", key, day,
		    pa.reason[0] ? " (" : "", pa.reason,
		    pa.reason[0] ? ")" : "");
	} else if (r == 1 && pa.expires != DATE_NONE) {
		date_format(pa.expires, day);
		fprintf(stderr, "%s: expired after %s\n", key, day);
	} else if (managed)
		fprintf(stderr, "%s: unknown address at managed domain %s: "
		    "Postfix refuses it with 550 5.1.1\n", key, domain);
	else
		fprintf(stderr, "%s: %s is not a managed domain\n", key,
		    domain);
	return 0;
}

/*
 * query [-v] ADDRESS: Postfix's virtual alias lookup order on the
 * compiled map: user+ext@domain, user@domain, @domain; a bare domain
 * as is.
 */
int
cmd_query(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af = NULL;
	struct amap *map = NULL, *policy = NULL;
	struct policy_domain pd;
	struct addr a;
	struct errbuf e;
	struct addr_keys ak;
	char	 base[4096], dom[ADDR_DOMAIN_MAX + 1], value[AMAP_VALUE_MAX];
	char	 rec[AMAP_VALUE_MAX];
	const char *domain, *arg, *basekey, *found = NULL, *keys[3];
	size_t	 nkeys = 0, i;
	static const struct cli_opt opts[] = { {"-v", NULL}, {NULL, NULL} };
	struct cli_args args;
	const char *v;
	int	 is_domain, k;
	int	 verbose = 0, managed, r, rc;

	arg = NULL;
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == CLI_BAD)
			return cli_usage();
		if (k == 0)
			verbose = 1;
		else if (arg != NULL) {
			log_warnx("query: unexpected argument '%s'", v);
			return cli_usage();
		} else
			arg = v;
	}
	if (arg == NULL) {
		log_warnx("query: which address?");
		return cli_usage();
	}
	if ((is_domain = strchr(arg, '@') == NULL)) {
		if ((r = addr_domain(arg, strlen(arg), dom)) != ADDR_OK) {
			log_warnx("invalid domain '%s': %s", arg,
			    addr_strerror(r));
			return EX_USAGE;
		}
		domain = dom;
	} else {
		if ((r = addr_parse(arg, strlen(arg), 0, &a)) != ADDR_OK) {
			log_warnx("invalid address '%s': %s", arg,
			    addr_strerror(r));
			return EX_USAGE;
		}
		domain = a.domain;
	}
	/* Without -m the map's name may come from the alias file. */
	if (o->mapbase == NULL && (rc = cli_load(o, &af)) != 0)
		return rc;
	rc = cli_map_base(o, af != NULL ? af->map : NULL, base, sizeof(base));
	af_free(af);
	if (rc != 0 || (rc = open_maps(base, &map, &policy)) != 0)
		return rc;
	if ((r = amap_get(policy, domain, rec, sizeof(rec), &e)) == -1)
		goto ioerr;
	managed = r == 1 && policy_parse_domain(rec, &pd) == 0;
	if (is_domain)
		keys[nkeys++] = basekey = dom;
	else {
		addr_keys(&a, managed ? pd.subaddress : "", &ak);
		keys[nkeys++] = basekey = ak.full;
		if (ak.base[0] != '\0')
			keys[nkeys++] = basekey = ak.base;
		keys[nkeys++] = ak.domain;
	}
	for (i = 0; i < nkeys && found == NULL; i++) {
		if ((r = amap_get(map, keys[i], value, sizeof(value), &e)) == -1)
			goto ioerr;
		if (r == 1)
			found = keys[i];
	}
	rc = found ? 0 : EX_NOTFOUND;
	if (found)
		printf("%s\n", value);
	/* The answer first, then why, also when both go to a terminal. */
	if (verbose && cli_flush() != 0)
		rc = EX_IOERR;
	if (verbose && (r = query_explain(policy, keys[0], basekey, domain,
	    managed, found, value)) != 0)
		rc = r;
	amap_close(map);
	amap_close(policy);
	return cli_flush() ? EX_IOERR : rc;
ioerr:
	log_warnx("%s", e.msg);
	amap_close(map);
	amap_close(policy);
	return EX_IOERR;
}

/*
 * Reads and adds up the rows of one table (unknown: the unknown
 * recipients) of the files of sf, noting in sf which exist.  No file at
 * all is no error: nothing was counted yet, which is said.  Returns 0
 * with *rows and *n, or a sysexits code (said why).
 */
static int
report_files_read(struct report_files *sf, int unknown,
    struct stats_row **rows, size_t *n)
{
	struct errbuf e;

	if (stats_read_all((const char *const *)sf->path, sf->n, unknown,
	    rows, n, sf->found, &e) == -1) {
		log_warnx("%s", e.msg);
		return errno == EACCES ? EX_NOINPUT : EX_IOERR;
	}
	report_files_none(sf);
	return 0;
}

/* By hits, most first, then by key. */
static int
row_cmp_alias(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	if (x->a.hits != y->a.hits)
		return x->a.hits < y->a.hits ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int
row_cmp_unknown(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	if (x->u.count != y->u.count)
		return x->u.count < y->u.count ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void
print_stats_table(const struct stats_row *rows, size_t n, int unknown)
{
	const struct stats_row *r;
	char	 first[OUTPUT_TIME_BUF], last[OUTPUT_TIME_BUF];
	size_t	 i, kw;
	int	 w1, w2 = 7, w3 = 7, w4 = 11, w5 = 6;

	kw = strlen(unknown ? "RECIPIENT" : "ALIAS");
	w1 = unknown ? 5 : 4;
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (output_vis_len(r->key) > kw)
			kw = output_vis_len(r->key);
		w1 = output_num_width(unknown ? r->u.count : r->a.hits, w1);
		w2 = output_num_width(r->a.revoked_hits, w2);
		w3 = output_num_width(r->a.expired, w3);
		w4 = output_num_width(r->a.backscatter, w4);
		w5 = output_num_width(r->a.locked, w5);
	}
	if (unknown)
		printf("%-*s  %*s  %-16s  %s\n", (int)kw, "RECIPIENT", w1,
		    "COUNT", "FIRST-SEEN", "LAST-SEEN");
	else
		printf("%-*s  %*s  %*s  %*s  %*s  %*s  %-16s  %s\n",
		    (int)kw, "ALIAS", w1, "HITS", w2, "REVOKED", w3,
		    "EXPIRED", w4, "BACKSCATTER", w5, "LOCKED", "FIRST-SEEN",
		    "LAST-SEEN");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		output_vis_print(r->key, (int)kw);
		if (unknown) {
			output_time_local(r->u.first_seen, first);
			output_time_local(r->u.last_seen, last);
			printf("  %*llu", w1, (unsigned long long)r->u.count);
		} else {
			output_time_local(r->a.first_seen, first);
			output_time_local(r->a.last_seen, last);
			printf("  %*llu  %*llu  %*llu  %*llu  %*llu", w1,
			    (unsigned long long)r->a.hits, w2,
			    (unsigned long long)r->a.revoked_hits, w3,
			    (unsigned long long)r->a.expired, w4,
			    (unsigned long long)r->a.backscatter, w5,
			    (unsigned long long)r->a.locked);
		}
		printf("  %-16s  %s\n", first, last);
	}
}

/*
 * One JSON object: "aliases" or "unknown", an array of one object per
 * row, and "files", the stats files read; times are ISO 8601 UTC
 * strings, or null.
 */
static void
print_stats_json(const struct stats_row *rows, size_t n, int unknown,
    const struct report_files *sf)
{
	const struct stats_row *r;
	char	 first[OUTPUT_TIME_BUF], last[OUTPUT_TIME_BUF];
	size_t	 i;

	printf("{\"%s\":[", unknown ? "unknown" : "aliases");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		printf("%s\n {\"%s\":", i ? "," : "",
		    unknown ? "recipient" : "alias");
		output_json_string(r->key);
		if (unknown) {
			printf(",\"count\":%llu",
			    (unsigned long long)r->u.count);
			output_time_utc(r->u.first_seen, first);
			output_time_utc(r->u.last_seen, last);
		} else {
			printf(",\"hits\":%llu,\"revoked\":%llu,"
			    "\"expired\":%llu,\"backscatter\":%llu,"
			    "\"locked\":%llu",
			    (unsigned long long)r->a.hits,
			    (unsigned long long)r->a.revoked_hits,
			    (unsigned long long)r->a.expired,
			    (unsigned long long)r->a.backscatter,
			    (unsigned long long)r->a.locked);
			output_time_utc(r->a.first_seen, first);
			output_time_utc(r->a.last_seen, last);
		}
		printf(",\"first_seen\":%s%s%s,\"last_seen\":%s%s%s}",
		    first[0] ? "\"" : "", first[0] ? first : "null",
		    first[0] ? "\"" : "", last[0] ? "\"" : "",
		    last[0] ? last : "null", last[0] ? "\"" : "");
	}
	printf("%s]", n ? "\n" : "");
	report_files_print(sf, 1);
	printf("}\n");
}

int
report_count(const char *cmd, const char *opt, const char *num,
    unsigned long long max, unsigned long long *v)
{
	char	*end;

	errno = 0;
	*v = strtoull(num, &end, 10);
	if (num[0] < '0' || num[0] > '9' || *end != '\0' || errno == ERANGE ||
	    *v == 0 || *v > max) {
		if (max == ULLONG_MAX)
			log_warnx("%s: %s needs a positive number, not "
			    "'%s'", cmd, opt, num);
		else
			log_warnx("%s: %s needs a number from 1 to %llu, "
			    "not '%s'", cmd, opt, max, num);
		return -1;
	}
	return 0;
}

/*
 * stats [--json] [--top N] [--unknown] [--days N [--alias A] [--until
 * DAY]] [--merge FILE]...: the counters the daemons wrote, most hits
 * first, or per day (history.c).  No file yet is not an error: nothing
 * was counted.
 */
/*
 * --per-alias [N]: N, when the next argument is a number, is consumed
 * from args into *n, else *n is METRICS_PER_ALIAS_DEFAULT.  Returns 0,
 * or EX_USAGE (said why) for 0 or a number too large.
 */
static int
stats_per_alias(struct cli_args *args, size_t *n)
{
	const char *num;
	unsigned long long v;

	*n = METRICS_PER_ALIAS_DEFAULT;
	if (args->i >= args->argc || args->operands)
		return 0;
	num = args->argv[args->i];
	if (num[0] < '0' || num[0] > '9')
		return 0;
	args->i++;
	if (report_count("stats", "--per-alias", num, 100000, &v) == -1)
		return cli_usage();
	*n = (size_t)v;
	return 0;
}

int
cmd_stats(const struct options *o, int argc, char **argv)
{
	struct stats_row *rows = NULL;
	struct report_files sf;
	struct history_req hr;
	unsigned long long top = 0, days = 0;
	char	 alias[ADDR_BUF];
	static const struct cli_opt opts[] = {
		{"--json", NULL}, {"--unknown", NULL}, {"--top", "a number"},
		REPORT_OPT_MERGE, {"--days", "a number"},
		{"--alias", "an address"}, {"--until", "a date"},
		{"--prometheus", NULL}, {"--output", "a file"},
		{"--per-alias", NULL}, {NULL, NULL}
	};
	struct cli_args args;
	const char *num, *until = NULL, *output = NULL;
	size_t	 n = 0, shown, per_alias = 0;
	int	 k, json = 0, unknown = 0, prom = 0, rc;

	memset(&hr, 0, sizeof(hr));
	report_files_init(&sf);
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &num)) != CLI_DONE) {
		if (k == 3) {
			if ((rc = report_files_merge(&sf, num)) != 0)
				goto out;
		} else if (k == 4) {
			if (report_count("stats", "--days", num, STATS_DAYS_SPAN_MAX,
			    &days) == -1) {
				rc = cli_usage();
				goto out;
			}
		} else if (k == 5) {
			if ((rc = cli_address(num, alias)) != 0)
				goto out;
			hr.alias = alias;
		} else if (k == 6) {
			if ((rc = cli_date("--until", num)) != 0)
				goto out;
			until = num;
		} else if (k == 0)
			json = 1;
		else if (k == 1)
			unknown = 1;
		else if (k == 2) {
			if (report_count("stats", "--top", num, ULLONG_MAX, &top) == -1) {
				rc = cli_usage();
				goto out;
			}
		} else if (k == 7)
			prom = 1;
		else if (k == 8)
			output = num;
		else if (k == 9) {
			if ((rc = stats_per_alias(&args, &per_alias)) != 0)
				goto out;
		} else {
			if (k == CLI_OPERAND)
				log_warnx("stats: unknown argument '%s'", num);
			rc = cli_usage();
			goto out;
		}
	}
	if (!prom && (output != NULL || per_alias != 0)) {
		log_warnx("stats: --output and --per-alias go with "
		    "--prometheus");
		rc = cli_usage();
		goto out;
	}
	if (prom && (json || unknown || top != 0 || days != 0)) {
		log_warnx("stats: --prometheus goes without --json, --unknown, "
		    "--top and --days");
		rc = cli_usage();
		goto out;
	}
	if (days == 0 && (hr.alias != NULL || until != NULL)) {
		log_warnx("stats: --alias and --until go with --days");
		rc = cli_usage();
		goto out;
	}
	if (days != 0 && (top != 0 || (unknown && hr.alias != NULL))) {
		log_warnx("stats: --days takes no --top, nor --unknown with "
		    "--alias (unknown recipients are no alias's)");
		rc = cli_usage();
		goto out;
	}
	if ((rc = report_files_find(o, &sf)) != 0)
		goto out;
	if (prom) {
		if ((rc = metrics_prometheus(o, &sf, output ? output : "-",
		    per_alias)) == 0)
			rc = cli_flush();
		goto out;
	}
	if (days != 0) {
		/* The last N UTC days, today (or --until) included. */
		hr.to = until != NULL ? 0 : stats_day_of(time(NULL));
		if (until != NULL)
			(void)date_parse(until, strlen(until), &hr.to);
		hr.from = hr.to - (int32_t)days + 1;
		if (hr.from < 0)
			hr.from = 0;
		hr.unknown = unknown;
		hr.json = json;
		hr.files_line = o->stats == NULL || sf.n > 1;
		if ((rc = history_print(&sf, &hr)) == 0) {
			report_files_none(&sf);
			rc = cli_flush();
		}
		goto out;
	}
	if ((rc = report_files_read(&sf, unknown, &rows, &n)) != 0)
		goto out;
	if (n > 1)
		qsort(rows, n, sizeof(*rows),
		    unknown ? row_cmp_unknown : row_cmp_alias);
	shown = top != 0 && top < n ? (size_t)top : n;
	if (json)
		print_stats_json(rows, shown, unknown, &sf);
	else {
		/* -S names one file: saying so again would be noise. */
		if (o->stats == NULL || sf.n > 1)
			report_files_print(&sf, 0);
		print_stats_table(rows, shown, unknown);
	}
	rc = cli_flush();
out:
	stats_rows_free(rows, n);
	report_files_free(&sf);
	return rc;
}

/* A key against a row, for bsearch. */
static int
row_find_key(const void *key, const void *row)
{
	const struct stats_row *r = row;

	return strcmp(key, r->key);
}

/*
 * Prints a sender lock (the policy field: entries separated by one
 * space) as a JSON array of strings, or null for none.
 */
static void
print_senders_json(const char *senders)
{
	char	 entry[ADDR_BUF];
	const char *p;
	size_t	 len;

	if (senders == NULL) {
		printf("null");
		return;
	}
	printf("[");
	for (p = senders; *p != '\0'; p += len + (p[len] == ' ')) {
		len = strcspn(p, " ");
		snprintf(entry, sizeof(entry), "%.*s", (int)len, p);
		printf("%s", p != senders ? "," : "");
		output_json_string(entry);
	}
	printf("]");
}

/*
 * list [--revoked] [--json]: every alias in file order (or only the
 * revoked ones) with state, expiry date, hits, hits after revocation or
 * expiry and last seen from the stats file when there is one, and note.
 */
int
cmd_list(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af = NULL;
	struct stats_row *rows = NULL, *hit;
	const struct af_alias *a;
	struct report_files sf;
	struct errbuf e;
	char	 state[64], label[96], day[DATE_BUF], last[OUTPUT_TIME_BUF];
	char	 exp[DATE_BUF];
	size_t	 n = 0, i, kw = 5, sw = 5, shown = 0;
	static const struct cli_opt opts[] = {
		{"--revoked", NULL}, {"--json", NULL}, REPORT_OPT_MERGE,
		{NULL, NULL}
	};
	struct cli_args args;
	const char *v;
	int	 k, revoked = 0, json = 0, hw = 4, rw = 12, lw = 6, rc;
	int32_t	 today = date_today();

	report_files_init(&sf);
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 0)
			revoked = 1;
		else if (k == 1)
			json = 1;
		else if (k == 2) {
			if ((rc = report_files_merge(&sf, v)) != 0)
				goto out;
		} else {
			if (k == CLI_OPERAND)
				log_warnx("list: unknown argument '%s'", v);
			rc = cli_usage();
			goto out;
		}
	}
	if ((rc = cli_load(o, &af)) != 0 ||
	    (rc = report_files_find(o, &sf)) != 0)
		goto out;
	/* stats_read_all() sorts by key, for the bsearch below. */
	if (stats_read_all((const char *const *)sf.path, sf.n, 0, &rows, &n,
	    sf.found, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = errno == EACCES ? EX_NOINPUT : EX_IOERR;
		goto out;
	}
	/* Two passes: the widths, then the rows. */
	for (; shown < 2; shown++) {
		if (shown == 1 && json)
			printf("[");
		else if (shown == 1)
			printf("%-*s  %-*s  %-10s  %*s  %*s  %*s  %-16s  %s\n",
			    (int)kw, "ALIAS", (int)sw, "STATE", "EXPIRES", hw,
			    "HITS", rw, "REVOKED-HITS", lw, "LOCKED",
			    "LAST-SEEN", "NOTE");
		for (i = 0; i < af->naliases; i++) {
			a = &af->aliases[i];
			if (revoked && !(a->flags & AF_REVOKED))
				continue;
			if (a->flags & AF_REVOKED) {
				date_format(a->revoked, day);
				snprintf(state, sizeof(state), "revoked %s",
				    day);
			} else if (a->expires != DATE_NONE &&
			    a->expires < today) {
				date_format(a->expires, day);
				snprintf(state, sizeof(state), "expired %s",
				    day);
			} else
				snprintf(state, sizeof(state), "active");
			/* What refuses mail beside the state, as a word. */
			snprintf(label, sizeof(label), "%s%s%s", state,
			    a->flags & AF_RECEIVE_ONLY ? " receive-only" : "",
			    a->senders != NULL ? " locked" : "");
			if (a->expires != DATE_NONE)
				date_format(a->expires, exp);
			else
				snprintf(exp, sizeof(exp), "-");
			hit = n ? bsearch(a->key, rows, n, sizeof(*rows),
			    row_find_key) : NULL;
			if (shown == 0) {
				if (output_vis_len(a->key) > kw)
					kw = output_vis_len(a->key);
				if (strlen(label) > sw)
					sw = strlen(label);
				if (hit != NULL) {
					hw = output_num_width(hit->a.hits, hw);
					rw = output_num_width(hit->a.revoked_hits,
					    rw);
					lw = output_num_width(hit->a.locked, lw);
				}
				continue;
			}
			if (json) {
				printf("%s\n {\"alias\":", json++ > 1 ?
				    "," : "");
				output_json_string(a->key);
				printf(",\"state\":\"%.7s\",\"date\":",
				    state);
				if (strcmp(state, "active") == 0)
					printf("null");
				else
					printf("\"%s\"", day);
				if (a->expires != DATE_NONE)
					printf(",\"expires\":\"%s\"", exp);
				else
					printf(",\"expires\":null");
				printf(",\"receive_only\":%s,\"senders\":",
				    a->flags & AF_RECEIVE_ONLY ?
				    "true" : "false");
				print_senders_json(a->senders);
				printf(",\"note\":");
				if (a->note != NULL)
					output_json_string(a->note);
				else
					printf("null");
				output_time_utc(hit != NULL ? hit->a.last_seen : 0,
				    last);
				printf(",\"hits\":%llu,\"revoked_hits\":%llu,"
				    "\"locked\":%llu,\"last_seen\":%s%s%s}",
				    hit != NULL ?
				    (unsigned long long)hit->a.hits : 0ULL,
				    hit != NULL ?
				    (unsigned long long)hit->a.revoked_hits : 0ULL,
				    hit != NULL ?
				    (unsigned long long)hit->a.locked : 0ULL,
				    last[0] ? "\"" : "",
				    last[0] ? last : "null",
				    last[0] ? "\"" : "");
				continue;
			}
			output_vis_print(a->key, (int)kw);
			printf("  %-*s  %-10s  %*llu  %*llu  %*llu  ", (int)sw,
			    label, exp, hw,
			    hit != NULL ?
			    (unsigned long long)hit->a.hits : 0ULL, rw,
			    hit != NULL ?
			    (unsigned long long)hit->a.revoked_hits : 0ULL, lw,
			    hit != NULL ?
			    (unsigned long long)hit->a.locked : 0ULL);
			output_time_local(hit != NULL ? hit->a.last_seen : 0, last);
			if (a->note == NULL || a->note[0] == '\0')
				printf("%s\n", last);
			else {
				printf("%-16s  ", last);
				output_vis_print(a->note, (int)output_vis_len(a->note));
				printf("\n");
			}
		}
	}
	if (json)
		printf("%s]\n", json > 1 ? "\n" : "");
	rc = cli_flush();
out:
	stats_rows_free(rows, n);
	report_files_free(&sf);
	af_free(af);
	return rc;
}
