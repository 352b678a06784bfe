/*
 * aliasctl: argument parsing and command dispatch.  The work is done by
 * aliasfile.c (the YAML file), compile.c (what the map holds),
 * amap.c (the LMDB files) and stats.c (the hit counters).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "aliasfile.h"
#include "amap.h"
#include "compile.h"
#include "log.h"
#include "policy.h"
#include "stats.h"
#include "util.h"

#define ALIASCTL_VERSION	"0.1.0"
#define DEFAULT_FILE		"/etc/aliasctl/aliases.yaml"
#define EX_NOTFOUND		1	/* query: like postmap -q */

struct options {
	const char *file;	/* -f, $ALIASCTL_FILE or DEFAULT_FILE */
	const char *mapbase;	/* -m, or NULL: derived from the file */
	const char *stats;	/* -S, or NULL: MAP.stats.lmdb */
};

/* Room for the times we print, "YYYY-MM-DDTHH:MM:SSZ" and a NUL. */
#define TIME_BUF	32

static const char usage_text[] =
"usage: aliasctl [-f FILE] [-m MAP] [-S STATS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  check              validate the alias file and print a summary\n"
"  compile            validate, then write MAP.lmdb and MAP.policy.lmdb\n"
"  query [-v] ADDRESS print the target(s) Postfix would find; exit 1 if none\n"
"  export             print the map as virtual(5) text for postmap(1)\n"
"  stats [--json] [--top N] [--unknown]\n"
"                     hits per alias, or per unknown recipient, by count\n"
"  help               print this text\n"
"\n"
"Options:\n"
"  -f FILE  alias file (default: $ALIASCTL_FILE, else " DEFAULT_FILE ")\n"
"  -m MAP   map base path (default: the file's map: key, else FILE without .yaml)\n"
"  -S STATS hit counters file (default: MAP.stats.lmdb)\n"
"  -V       print the version and exit\n"
"  -h       print this text\n";

static int	 usage(void);
static int	 load(const struct options *, struct aliasfile **);
static int	 map_base(const struct options *, const struct aliasfile *,
		    char *buf, size_t bufsize);
static void	 print_counts(const struct compile_counts *);
static int	 cmd_check(const struct options *, int, char **);
static int	 cmd_compile(const struct options *, int, char **);
static int	 cmd_export(const struct options *, int, char **);
static int	 cmd_query(const struct options *, int, char **);
static int	 query_explain(struct amap *policy, const char *key,
		    const char *base, const char *domain, int managed,
		    const char *found_key, const char *value);
static int	 open_maps(const char *mapbase, struct amap **map,
		    struct amap **policy);
static int	 flush_stdout(void);
static int	 cmd_stats(const struct options *, int, char **);
static int	 find_stats_file(const struct options *, char *, size_t);
static int	 row_cmp_alias(const void *, const void *);
static int	 row_cmp_unknown(const void *, const void *);
static size_t	 vis_len(const char *);
static void	 vis_print(const char *, int);
static int	 num_width(uint64_t, int);
static void	 time_local(int64_t, char *);
static void	 time_utc(int64_t, char *);
static size_t	 utf8_len(const unsigned char *);
static void	 json_string(const char *);
static void	 print_stats_table(const struct stats_row *, size_t, int);
static void	 print_stats_json(const struct stats_row *, size_t, int);

static const struct command {
	const char *name;
	int	(*run)(const struct options *, int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "compile", cmd_compile },
	{ "query", cmd_query },
	{ "export", cmd_export },
	{ "stats", cmd_stats },
};

static int
usage(void)
{
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/*
 * Loads the alias file, printing every diagnostic.  Returns 0, or the
 * sysexits code of the failure.
 */
static int
load(const struct options *o, struct aliasfile **afp)
{
	struct af_diag diag;
	size_t	 i;
	int	 rc;

	af_diag_init(&diag);
	rc = af_load(o->file, afp, &diag);
	for (i = 0; i < diag.nmsgs; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	if (diag.nerrors + diag.nwarnings > diag.nmsgs)
		fprintf(stderr, "%s: %zu more messages not shown\n", o->file,
		    diag.nerrors + diag.nwarnings - diag.nmsgs);
	if (rc == -1) {
		if (diag.nerrors > 1)
			log_warnx("%s: %zu errors", o->file, diag.nerrors);
		rc = diag.status ? diag.status : EX_DATAERR;
	}
	af_diag_free(&diag);
	return rc;
}

/*
 * The map base path: -m, else the file's map: key (relative to the
 * file's directory), else the file's path without .yaml or .yml.
 * Returns 0, or EX_CONFIG when it does not fit.
 */
static int
map_base(const struct options *o, const struct aliasfile *af, char *buf,
    size_t bufsize)
{
	char	 dir[4096];
	size_t	 len;
	int	 n;

	if (o->mapbase != NULL)
		n = snprintf(buf, bufsize, "%s", o->mapbase);
	else if (af != NULL && af->map != NULL && af->map[0] != '/') {
		snprintf(dir, sizeof(dir), "%s", o->file);
		n = snprintf(buf, bufsize, "%s/%s", dirname(dir), af->map);
	} else if (af != NULL && af->map != NULL)
		n = snprintf(buf, bufsize, "%s", af->map);
	else {
		len = strlen(o->file);
		if (len > 5 && strcmp(o->file + len - 5, ".yaml") == 0)
			len -= 5;
		else if (len > 4 && strcmp(o->file + len - 4, ".yml") == 0)
			len -= 4;
		n = snprintf(buf, bufsize, "%.*s", (int)len, o->file);
	}
	if (n < 0 || (size_t)n >= bufsize || buf[0] == '\0') {
		log_warnx("map path too long or empty");
		return EX_CONFIG;
	}
	return 0;
}

static void
print_counts(const struct compile_counts *c)
{
	printf("%zu domain%s, %zu active, %zu revoked, %zu expired",
	    c->domains, c->domains == 1 ? "" : "s", c->active, c->revoked,
	    c->expired);
}

/* stdout errors (a full disk, a closed pipe) must not pass silently. */
static int
flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return EX_IOERR;
	}
	return 0;
}

static int
cmd_check(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af;
	struct compile_counts c;
	int	 rc;

	(void)argv;
	if (argc != 1)
		return usage();
	if ((rc = load(o, &af)) != 0)
		return rc;
	compile_count(af, date_today(), &c);
	printf("%s: ", o->file);
	print_counts(&c);
	printf("\n");
	af_free(af);
	return flush_stdout();
}

static int
cmd_compile(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af;
	struct compile_counts c;
	struct errbuf e;
	char	 base[4096];
	int	 rc;

	(void)argv;
	if (argc != 1)
		return usage();
	if ((rc = load(o, &af)) != 0)
		return rc;
	if ((rc = map_base(o, af, base, sizeof(base))) != 0)
		goto out;
	if ((rc = compile_map(af, base, date_today(), &c, &e)) != 0) {
		log_warnx("%s", e.msg);
		goto out;
	}
	printf("%s%s: %zu entries (", base, COMPILE_SUFFIX_MAP, c.entries);
	print_counts(&c);
	printf(")\n");
	rc = flush_stdout();
out:
	af_free(af);
	return rc;
}

static int
cmd_export(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af;
	struct mapiter *it;
	const char *key, *val;
	int	 rc;

	(void)argv;
	if (argc != 1)
		return usage();
	if ((rc = load(o, &af)) != 0)
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
	return flush_stdout();
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
static int
cmd_query(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af = NULL;
	struct amap *map = NULL, *policy = NULL;
	struct policy_domain pd;
	struct addr a;
	struct errbuf e;
	char	 base[4096], keys[3][ADDR_BUF], value[AMAP_VALUE_MAX];
	char	 rec[AMAP_VALUE_MAX];
	const char *domain, *arg, *basekey, *found = NULL;
	size_t	 nkeys = 0, i, blen;
	int	 is_domain;
	int	 verbose = 0, managed, r, rc;

	if (argc == 3 && strcmp(argv[1], "-v") == 0)
		verbose = 1;
	else if (argc != 2)
		return usage();
	arg = argv[argc - 1];
	if ((is_domain = strchr(arg, '@') == NULL)) {
		if ((r = addr_domain(arg, strlen(arg), keys[0])) != ADDR_OK) {
			log_warnx("invalid domain '%s': %s", arg,
			    addr_strerror(r));
			return EX_USAGE;
		}
		domain = keys[0];
		nkeys = 1;
	} else {
		if ((r = addr_parse(arg, strlen(arg), 0, &a)) != ADDR_OK) {
			log_warnx("invalid address '%s': %s", arg,
			    addr_strerror(r));
			return EX_USAGE;
		}
		domain = a.domain;
		addr_format(&a, keys[nkeys++], ADDR_BUF);
	}
	/* Without -m the map's name may come from the alias file. */
	if (o->mapbase == NULL && (rc = load(o, &af)) != 0)
		return rc;
	rc = map_base(o, af, base, sizeof(base));
	af_free(af);
	if (rc != 0 || (rc = open_maps(base, &map, &policy)) != 0)
		return rc;
	if ((r = amap_get(policy, domain, rec, sizeof(rec), &e)) == -1)
		goto ioerr;
	managed = r == 1 && policy_parse_domain(rec, &pd) == 0;
	basekey = keys[0];
	if (!is_domain) {
		blen = addr_subaddr_base(&a, managed ? pd.subaddress : "");
		if (blen < a.local_len) {
			basekey = keys[nkeys];
			snprintf(keys[nkeys++], ADDR_BUF, "%.*s@%s", (int)blen,
			    a.local, a.domain);
		}
		snprintf(keys[nkeys++], ADDR_BUF, "@%s", a.domain);
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
	if (verbose && flush_stdout() != 0)
		rc = EX_IOERR;
	if (verbose && (r = query_explain(policy, keys[0], basekey, domain,
	    managed, found, value)) != 0)
		rc = r;
	amap_close(map);
	amap_close(policy);
	return flush_stdout() ? EX_IOERR : rc;
ioerr:
	log_warnx("%s", e.msg);
	amap_close(map);
	amap_close(policy);
	return EX_IOERR;
}

/*
 * The stats file: -S, else MAP.stats.lmdb with MAP found as the other
 * commands find it (loading the alias file unless -m is given).
 * Returns 0, or a sysexits code.
 */
static int
find_stats_file(const struct options *o, char *buf, size_t bufsize)
{
	struct aliasfile *af = NULL;
	char	 base[4096];
	int	 n, rc;

	if (o->stats != NULL) {
		n = snprintf(buf, bufsize, "%s", o->stats);
		if (n <= 0 || (size_t)n >= bufsize) {
			log_warnx("stats file path too long or empty");
			return EX_USAGE;
		}
		return 0;
	}
	if (o->mapbase == NULL && (rc = load(o, &af)) != 0)
		return rc;
	rc = map_base(o, af, base, sizeof(base));
	af_free(af);
	if (rc != 0)
		return rc;
	if (path_suffix(buf, bufsize, base, STATS_SUFFIX) == -1) {
		log_warnx("%s%s: path too long", base, STATS_SUFFIX);
		return EX_CONFIG;
	}
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

/*
 * Unknown recipients are whatever spammers sent: a key is printed with
 * every byte that is not printable ASCII, and backslash, as \xHH, so
 * that it cannot drive the terminal or shift the columns.
 */
static size_t
vis_len(const char *s)
{
	const unsigned char *p;
	size_t	 len = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		len += *p >= 0x20 && *p < 0x7f && *p != '\\' ? 1 : 4;
	return len;
}

/* Prints s as vis_len() counts it, padded with blanks to width. */
static void
vis_print(const char *s, int width)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			putchar(*p);
		else
			printf("\\x%02x", *p);
	printf("%*s", width - (int)vis_len(s), "");
}

/* The larger of width and the number of digits of v. */
static int
num_width(uint64_t v, int width)
{
	int	 d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d > width ? d : width;
}

/* "YYYY-MM-DD HH:MM" in local time, "-" for never (0). */
static void
time_local(int64_t t, char *buf)
{
	struct tm tm;
	time_t	 tt = (time_t)t;

	if (t == 0)
		strcpy(buf, "-");
	else if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, TIME_BUF, "%Y-%m-%d %H:%M", &tm) == 0)
		strcpy(buf, "?");
}

/* ISO 8601 in UTC, "YYYY-MM-DDTHH:MM:SSZ", or "" for never (0). */
static void
time_utc(int64_t t, char *buf)
{
	struct tm tm;
	time_t	 tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char lo, hi;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		/* No overlong forms, no UTF-16 surrogates. */
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		hi = p[0] == 0xed ? 0x9f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ?
		    3 : 0;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;
		return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 &&
		    (p[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/*
 * Prints s as a JSON string.  Bytes that are not UTF-8 cannot be in
 * JSON text: each becomes U+FFFD.
 */
static void
json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 len;

	putchar('"');
	while (*p != '\0') {
		if ((len = utf8_len(p)) == 0) {
			fputs("\\ufffd", stdout);
			p++;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				fwrite(p, 1, len, stdout);
			break;
		}
		p += len;
	}
	putchar('"');
}

static void
print_stats_table(const struct stats_row *rows, size_t n, int unknown)
{
	const struct stats_row *r;
	char	 first[TIME_BUF], last[TIME_BUF];
	size_t	 i, kw;
	int	 w1, w2 = 7, w3 = 11;

	kw = strlen(unknown ? "RECIPIENT" : "ALIAS");
	w1 = unknown ? 5 : 4;
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (vis_len(r->key) > kw)
			kw = vis_len(r->key);
		w1 = num_width(unknown ? r->u.count : r->a.hits, w1);
		w2 = num_width(r->a.revoked_hits, w2);
		w3 = num_width(r->a.backscatter, w3);
	}
	if (unknown)
		printf("%-*s  %*s  %-16s  %s\n", (int)kw, "RECIPIENT", w1,
		    "COUNT", "FIRST-SEEN", "LAST-SEEN");
	else
		printf("%-*s  %*s  %*s  %*s  %-16s  %s\n", (int)kw, "ALIAS",
		    w1, "HITS", w2, "REVOKED", w3, "BACKSCATTER",
		    "FIRST-SEEN", "LAST-SEEN");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		vis_print(r->key, (int)kw);
		if (unknown) {
			time_local(r->u.first_seen, first);
			time_local(r->u.last_seen, last);
			printf("  %*llu", w1, (unsigned long long)r->u.count);
		} else {
			time_local(r->a.first_seen, first);
			time_local(r->a.last_seen, last);
			printf("  %*llu  %*llu  %*llu", w1,
			    (unsigned long long)r->a.hits, w2,
			    (unsigned long long)r->a.revoked_hits, w3,
			    (unsigned long long)r->a.backscatter);
		}
		printf("  %-16s  %s\n", first, last);
	}
}

/*
 * One JSON object with one member, "aliases" or "unknown", an array of
 * one object per row; times are ISO 8601 UTC strings, or null.
 */
static void
print_stats_json(const struct stats_row *rows, size_t n, int unknown)
{
	const struct stats_row *r;
	char	 first[TIME_BUF], last[TIME_BUF];
	size_t	 i;

	printf("{\"%s\":[", unknown ? "unknown" : "aliases");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		printf("%s\n {\"%s\":", i ? "," : "",
		    unknown ? "recipient" : "alias");
		json_string(r->key);
		if (unknown) {
			printf(",\"count\":%llu",
			    (unsigned long long)r->u.count);
			time_utc(r->u.first_seen, first);
			time_utc(r->u.last_seen, last);
		} else {
			printf(",\"hits\":%llu,\"revoked\":%llu,"
			    "\"backscatter\":%llu",
			    (unsigned long long)r->a.hits,
			    (unsigned long long)r->a.revoked_hits,
			    (unsigned long long)r->a.backscatter);
			time_utc(r->a.first_seen, first);
			time_utc(r->a.last_seen, last);
		}
		printf(",\"first_seen\":%s%s%s,\"last_seen\":%s%s%s}",
		    first[0] ? "\"" : "", first[0] ? first : "null",
		    first[0] ? "\"" : "", last[0] ? "\"" : "",
		    last[0] ? last : "null", last[0] ? "\"" : "");
	}
	printf("%s]}\n", n ? "\n" : "");
}

/*
 * stats [--json] [--top N] [--unknown]: the counters the daemons wrote,
 * most hits first.  No file yet is not an error: nothing was counted.
 */
static int
cmd_stats(const struct options *o, int argc, char **argv)
{
	struct stats_row *rows = NULL;
	struct errbuf e;
	unsigned long long top = 0;
	char	 path[4096], *end;
	const char *arg, *num;
	size_t	 n = 0, shown;
	int	 i, json = 0, unknown = 0, rc, serrno;

	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--json") == 0)
			json = 1;
		else if (strcmp(arg, "--unknown") == 0)
			unknown = 1;
		else if (strcmp(arg, "--top") == 0 ||
		    strncmp(arg, "--top=", 6) == 0) {
			if (arg[5] == '=')
				num = arg + 6;
			else if (i + 1 < argc)
				num = argv[++i];
			else {
				log_warnx("stats: --top needs a number");
				return usage();
			}
			errno = 0;
			top = strtoull(num, &end, 10);
			if (num[0] < '0' || num[0] > '9' || *end != '\0' ||
			    errno == ERANGE || top == 0) {
				log_warnx("stats: --top needs a positive "
				    "number, not '%s'", num);
				return usage();
			}
		} else {
			log_warnx("stats: unknown argument '%s'", arg);
			return usage();
		}
	}
	if ((rc = find_stats_file(o, path, sizeof(path))) != 0)
		return rc;
	if (stats_read(path, unknown, &rows, &n, &e) == -1) {
		serrno = errno;
		if (serrno != ENOENT) {
			log_warnx("%s", e.msg);
			return serrno == EACCES ? EX_NOINPUT : EX_IOERR;
		}
		log_warnx("no hits recorded yet (%s does not exist)", path);
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows),
		    unknown ? row_cmp_unknown : row_cmp_alias);
	shown = top != 0 && top < n ? (size_t)top : n;
	if (json)
		print_stats_json(rows, shown, unknown);
	else
		print_stats_table(rows, shown, unknown);
	stats_rows_free(rows, n);
	return flush_stdout();
}

int
main(int argc, char *argv[])
{
	struct options o;
	size_t	 i;
	int	 ch;

	log_init(argv[0], LOG_TO_STDERR, 0);
	memset(&o, 0, sizeof(o));
	if ((o.file = getenv("ALIASCTL_FILE")) == NULL || o.file[0] == '\0')
		o.file = DEFAULT_FILE;
	/* '+': options end at the command, which has its own. */
	while ((ch = getopt(argc, argv, "+f:m:S:Vh")) != -1) {
		switch (ch) {
		case 'f':
			o.file = optarg;
			break;
		case 'm':
			o.mapbase = optarg;
			break;
		case 'S':
			o.stats = optarg;
			break;
		case 'V':
			printf("aliasctl %s\n", ALIASCTL_VERSION);
			return flush_stdout();
		case 'h':
			fputs(usage_text, stdout);
			return flush_stdout();
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return usage();
	if (strcmp(argv[0], "help") == 0) {
		fputs(usage_text, stdout);
		return flush_stdout();
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(&o, argc, argv);
	log_warnx("unknown command '%s'", argv[0]);
	return usage();
}
