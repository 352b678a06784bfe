/*
 * aliasctl: argument parsing and command dispatch.  The work is done by
 * aliasfile.c (the YAML file), compile.c (what the map holds),
 * amap.c (the LMDB files) and stats.c (the hit counters).
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
#include "aliasfile_edit.h"
#include "amap.h"
#include "compile.h"
#include "log.h"
#include "maillog.h"
#include "policy.h"
#include "stats.h"
#include "update.h"
#include "util.h"

#define ALIASCTL_VERSION	"0.1.0"
#define DEFAULT_FILE		"/etc/aliasctl/aliases.yaml"
#define EX_NOTFOUND		1	/* query: like postmap -q */
#define EDIT_LOCK_MS		10000	/* then EX_TEMPFAIL: another edit runs */
#define EDIT_TO_MAX		100	/* --to options of one add */
#define NEW_LEN			6	/* random characters of a new alias */
#define NEW_TRIES		100	/* then give up: the space is full */
#define IMPORT_NOTE_BUF		256	/* the note of an imported alias */
/* No look-alikes: no 0/o, 1/l/i. */
static const char new_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

struct options {
	const char *file;	/* -f, $ALIASCTL_FILE or DEFAULT_FILE */
	const char *mapbase;	/* -m, or NULL: derived from the file */
	const char *stats;	/* -S, or NULL: MAP.stats.lmdb */
};

/* Room for the times we print, "YYYY-MM-DDTHH:MM:SSZ" and a NUL. */
#define TIME_BUF	32

static const char usage_text[] =
"usage: aliasctl [-v] [-f FILE] [-m MAP] [-S STATS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  check              validate the alias file and print a summary\n"
"  compile            validate, then write MAP.lmdb and MAP.policy.lmdb\n"
"  query [-v] ADDRESS print the target(s) Postfix would find; exit 1 if none\n"
"  export             print the map as virtual(5) text for postmap(1)\n"
"  stats [--json] [--top N] [--unknown]\n"
"                     hits per alias, or per unknown recipient, by count\n"
"  add ADDRESS [--to ADDR]... [--note TEXT] [--receive-only] [--expires DATE]\n"
"                     add an alias to the file, then compile\n"
"  revoke ADDRESS [--reason TEXT] [--date DATE]\n"
"                     mark an alias revoked (default: today), then compile\n"
"  restore ADDRESS    undo revoke, then compile\n"
"  new LABEL [--domain DOMAIN] [--note TEXT] [--receive-only] [--expires DATE]\n"
"                     add a fresh random alias LABEL.XXXXXX@DOMAIN, print it\n"
"  list [--revoked] [--json]\n"
"                     every alias with its state, hits, last seen and note\n"
"  import --maillog LOG [--since YYYY-MM-DD] | --virtual FILE [--apply]\n"
"                     propose aliases (YAML) from a catch-all mail log\n"
"                     or a virtual(5) file; --apply adds them, then compiles\n"
"  help               print this text\n"
"\n"
"Options:\n"
"  -f FILE  alias file (default: $ALIASCTL_FILE, else " DEFAULT_FILE ")\n"
"  -m MAP   map base path (default: the file's map: key, else FILE without .yaml)\n"
"  -S STATS hit counters file (default: MAP.stats.lmdb)\n"
"  -v       say more: how an edit updated the map\n"
"  -V       print the version and exit\n"
"  -h       print this text\n";

static int	 usage(void);
static int	 load(const struct options *, struct aliasfile **);
static int	 file_trusted(const char *);
static int	 load_as(const struct options *, const char *,
		    struct aliasfile **);
static int	 map_base(const struct options *, const char *,
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
static int	 cmd_import(const struct options *, int, char **);
static void	 import_clean(char *);
static FILE	*import_open(const char *);
static void	 import_note(const struct ml_entry *, int, char *);
static int	 import_apply(const struct options *, struct af_new_alias *,
		    size_t);
static int	 import_maillog(const struct options *, const struct aliasfile *,
		    int, const char *,
		    int32_t);
static char	*import_slurp(FILE *, size_t *);
static int	 import_virtual(const struct options *, const struct aliasfile *,
		    int, const char *);
static int	 cmd_add(const struct options *, int, char **);
static int	 cmd_revoke(const struct options *, int, char **);
static int	 cmd_restore(const struct options *, int, char **);
static int	 cmd_new(const struct options *, int, char **);
static int	 new_label(const char *, const char *, char *, size_t);
static int	 new_random(char *);
static int	 cmd_list(const struct options *, int, char **);
static int	 row_cmp_key(const void *, const void *);
static int	 row_find_key(const void *, const void *);
static int	 cmd_help(const char *);
static int	 opt_value(int, char **, int *, const char *, const char **);
static int	 edit_address(const char *, char *);
static int	 edit_date(const char *, const char *);
static int	 edit_read(int, const char *, char **, size_t *);
static int	 edit_write(int, const char *, const char *, size_t);
static int	 edit_sync_dir(const char *);
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

/* One change to the alias file. */
enum edit_op { EDIT_ADD, EDIT_REVOKE, EDIT_RESTORE };
struct edit {
	enum edit_op op;
	const char *key;		/* normalised */
	struct af_new_alias add;	/* EDIT_ADD of one alias */
	const struct af_new_alias *adds;	/* EDIT_ADD of nadds (import) */
	size_t	 nadds;
	const char *date;		/* EDIT_REVOKE */
	const char *reason;		/* EDIT_REVOKE, or NULL */
	int	 quiet;			/* print no summary */
};
static int	 edit_file(const struct options *, const struct edit *);
static int	 edit_adds(const char *, size_t, const struct edit *, char **,
		    size_t *, struct errbuf *);
static int	 edit_fast(const struct options *, const struct edit *,
		    const char *, size_t, char *, size_t, struct update **);

static const struct command {
	const char *name;
	int	(*run)(const struct options *, int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "compile", cmd_compile },
	{ "query", cmd_query },
	{ "export", cmd_export },
	{ "stats", cmd_stats },
	{ "import", cmd_import },
	{ "add", cmd_add },
	{ "revoke", cmd_revoke },
	{ "restore", cmd_restore },
	{ "new", cmd_new },
	{ "list", cmd_list },
	{ "help", NULL },
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
	int	 rc;

	if ((rc = file_trusted(o->file)) != 0)
		return rc;
	return load_as(o, o->file, afp);
}

/*
 * Run as root, aliasctl trusts the alias file only when no one but its
 * owner can change it: the file, and its directory unless sticky, may
 * not be group or world writable (a member of that group could
 * otherwise route mail anywhere, or, by changing map:, make root write
 * files where it chooses).  Returns 0, EX_CONFIG (said why), or 0 for a
 * file that cannot be stat()ed: the load says why in its own words.
 */
static int
file_trusted(const char *path)
{
	struct stat st;
	char	 dir[4096];

	if (geteuid() != 0 || stat(path, &st) == -1)
		return 0;
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_warnx("%s: is group or world writable (mode %04o); as "
		    "root, aliasctl uses only an alias file no one else can "
		    "change: chmod go-w %s", path, (unsigned)st.st_mode & 07777,
		    path);
		return EX_CONFIG;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (stat(dirname(dir), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH))
	    && !(st.st_mode & S_ISVTX)) {
		log_warnx("%s: its directory %s is group or world writable "
		    "(mode %04o), so others can replace it; as root, aliasctl "
		    "refuses it: chmod go-w %s", path, dir,
		    (unsigned)st.st_mode & 07777, dir);
		return EX_CONFIG;
	}
	return 0;
}

/*
 * load() of path, with messages about it shown as about o->file (path
 * is an edited copy of it).
 */
static int
load_as(const struct options *o, const char *path, struct aliasfile **afp)
{
	struct af_diag diag;
	size_t	 i, plen = strlen(path);
	int	 rc;

	af_diag_init(&diag);
	rc = af_load(path, afp, &diag);
	for (i = 0; i < diag.nmsgs; i++)
		if (strncmp(diag.msgs[i], path, plen) == 0)
			fprintf(stderr, "%s%s\n", o->file,
			    diag.msgs[i] + plen);
		else
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
map_base(const struct options *o, const char *map, char *buf,
    size_t bufsize)
{
	char	 dir[4096];
	size_t	 len;
	int	 n;

	if (o->mapbase != NULL)
		n = snprintf(buf, bufsize, "%s", o->mapbase);
	else if (map != NULL && map[0] != '/') {
		snprintf(dir, sizeof(dir), "%s", o->file);
		n = snprintf(buf, bufsize, "%s/%s", dirname(dir), map);
	} else if (map != NULL)
		n = snprintf(buf, bufsize, "%s", map);
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
	if ((rc = map_base(o, af->map, base, sizeof(base))) != 0)
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
	rc = map_base(o, af != NULL ? af->map : NULL, base, sizeof(base));
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
	rc = map_base(o, af != NULL ? af->map : NULL, base, sizeof(base));
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

/*
 * "--name VALUE" or "--name=VALUE" at argv[*i].  Returns 1 with the
 * value in *val (and *i moved past it), 0 when argv[*i] is another
 * argument, -1 when the value is missing.
 */
static int
opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t	 len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return 0;
	if (argv[*i][len] == '=') {
		*val = argv[*i] + len + 1;
		return 1;
	}
	if (argv[*i][len] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		log_warnx("%s needs a value", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

/*
 * Normalises the alias address arg into buf (ADDR_BUF bytes).  Returns
 * 0, or EX_USAGE when it is not an address.
 */
static int
edit_address(const char *arg, char *buf)
{
	struct addr a;
	int	 r;

	if ((r = addr_parse(arg, strlen(arg), 0, &a)) != ADDR_OK) {
		log_warnx("invalid address '%s': %s", arg, addr_strerror(r));
		return EX_USAGE;
	}
	addr_format(&a, buf, ADDR_BUF);
	return 0;
}

/* Returns 0 when s is a date YYYY-MM-DD, else EX_USAGE. */
static int
edit_date(const char *opt, const char *s)
{
	int32_t	 d;

	if (date_parse(s, strlen(s), &d) == -1) {
		log_warnx("%s: invalid date '%s' (want YYYY-MM-DD)", opt, s);
		return EX_USAGE;
	}
	return 0;
}

/*
 * add ADDRESS [--to ADDR]... [--note TEXT] [--receive-only]
 * [--expires DATE]
 */
static int
cmd_add(const struct options *o, int argc, char **argv)
{
	struct edit ed;
	struct addr a;
	const char *to[EDIT_TO_MAX], *addr = NULL, *v;
	char	 key[ADDR_BUF], (*tobuf)[ADDR_BUF] = NULL;
	size_t	 nto = 0;
	int	 i, r, rc;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_ADD;
	if ((tobuf = calloc(EDIT_TO_MAX, sizeof(*tobuf))) == NULL) {
		log_warn("calloc");
		return EX_OSERR;
	}
	rc = EX_USAGE;
	for (i = 1; i < argc; i++) {
		if ((r = opt_value(argc, argv, &i, "--to", &v)) == -1)
			goto out;
		if (r == 1) {
			if (nto == EDIT_TO_MAX) {
				log_warnx("add: at most %d --to", EDIT_TO_MAX);
				goto out;
			}
			if ((r = addr_parse(v, strlen(v), ADDR_KEEP_CASE,
			    &a)) != ADDR_OK) {
				log_warnx("--to: invalid address '%s': %s", v,
				    addr_strerror(r));
				goto out;
			}
			addr_format(&a, tobuf[nto], ADDR_BUF);
			to[nto] = tobuf[nto];
			nto++;
			continue;
		}
		if ((r = opt_value(argc, argv, &i, "--note", &v)) == -1)
			goto out;
		if (r == 1) {
			ed.add.note = v;
			continue;
		}
		if ((r = opt_value(argc, argv, &i, "--expires", &v)) == -1)
			goto out;
		if (r == 1) {
			if (edit_date("--expires", v) != 0)
				goto out;
			ed.add.expires = v;
			continue;
		}
		if (strcmp(argv[i], "--receive-only") == 0)
			ed.add.receive_only = 1;
		else if (argv[i][0] == '-' || addr != NULL) {
			log_warnx("add: unexpected argument '%s'", argv[i]);
			goto out;
		} else
			addr = argv[i];
	}
	if (addr == NULL) {
		log_warnx("add: which address?");
		goto out;
	}
	if ((rc = edit_address(addr, key)) != 0)
		goto out;
	ed.key = ed.add.key = key;
	ed.add.to = to;
	ed.add.nto = nto;
	rc = edit_file(o, &ed);
out:
	free(tobuf);
	return rc == EX_USAGE ? usage() : rc;
}

/* revoke ADDRESS [--reason TEXT] [--date DATE] */
static int
cmd_revoke(const struct options *o, int argc, char **argv)
{
	struct edit ed;
	const char *addr = NULL, *v;
	char	 key[ADDR_BUF], today[DATE_BUF];
	int	 i, r;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_REVOKE;
	for (i = 1; i < argc; i++) {
		if ((r = opt_value(argc, argv, &i, "--reason", &v)) == -1)
			return usage();
		if (r == 1) {
			if (v[0] == '\0') {
				log_warnx("--reason: empty");
				return usage();
			}
			ed.reason = v;
			continue;
		}
		if ((r = opt_value(argc, argv, &i, "--date", &v)) == -1)
			return usage();
		if (r == 1) {
			if (edit_date("--date", v) != 0)
				return usage();
			ed.date = v;
		} else if (argv[i][0] == '-' || addr != NULL) {
			log_warnx("revoke: unexpected argument '%s'", argv[i]);
			return usage();
		} else
			addr = argv[i];
	}
	if (addr == NULL) {
		log_warnx("revoke: which address?");
		return usage();
	}
	if (edit_address(addr, key) != 0)
		return usage();
	if (strncmp(key, "postmaster@", 11) == 0 ||
	    strncmp(key, "abuse@", 6) == 0) {
		log_warnx("%s cannot be revoked: postmaster@ and abuse@ of "
		    "every domain are always accepted (RFC 5321 4.5.1, "
		    "RFC 2142); nothing changed", key);
		return EX_DATAERR;
	}
	if (ed.date == NULL) {
		date_format(date_today(), today);
		ed.date = today;
	}
	ed.key = key;
	return edit_file(o, &ed);
}

/* restore ADDRESS */
static int
cmd_restore(const struct options *o, int argc, char **argv)
{
	struct edit ed;
	char	 key[ADDR_BUF];

	if (argc != 2 || argv[1][0] == '-')
		return usage();
	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_RESTORE;
	if (edit_address(argv[1], key) != 0)
		return usage();
	ed.key = key;
	return edit_file(o, &ed);
}

/*
 * Reads the whole file open on fd into a new buffer (NUL-terminated,
 * the caller frees it).  Returns 0 or EX_IOERR/EX_OSERR.
 */
static int
edit_read(int fd, const char *path, char **buf, size_t *len)
{
	struct stat st;
	char	*p = NULL, *np;
	size_t	 cap, n = 0;
	ssize_t	 got;

	if (fstat(fd, &st) == -1) {
		log_warn("%s", path);
		return EX_IOERR;
	}
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	for (;;) {
		if (n + 1 >= cap || p == NULL) {
			cap = p == NULL ? cap : cap * 2;
			if ((np = realloc(p, cap)) == NULL) {
				log_warn("%s", path);
				free(p);
				return EX_OSERR;
			}
			p = np;
		}
		if ((got = read(fd, p + n, cap - n - 1)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s", path);
			free(p);
			return EX_IOERR;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

/* Writes len bytes of buf to fd.  Returns 0 or EX_IOERR. */
static int
edit_write(int fd, const char *path, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s", path);
			return EX_IOERR;
		}
		buf += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1) {
		log_warn("%s: fsync", path);
		return EX_IOERR;
	}
	return 0;
}

/* fsync(2) the directory of path, so that a rename is durable. */
static int
edit_sync_dir(const char *path)
{
	char	 dir[4096];
	int	 fd, rc = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	if (fsync(fd) == -1)
		rc = -1;
	close(fd);
	return rc;
}

/*
 * Makes one edit of the alias file, atomically: under an exclusive lock
 * on FILE.lock, the new text goes to a temp file in the same directory
 * (same mode and owner), which must load without errors and compile;
 * only then is it renamed over the file.  On any failure the temp file
 * is removed and the file and the map are as they were.  Returns 0 or a
 * sysexits code.
 */
static int
edit_file(const struct options *o, const struct edit *ed)
{
	struct aliasfile *af = NULL;
	struct update *up = NULL;
	struct compile_counts c;
	struct errbuf e;
	struct stat st;
	char	 lockpath[4096], tmp[4096], base[4096];
	char	*text = NULL, *out = NULL;
	const char *newtext;
	size_t	 len, outlen;
	int	 lockfd, fd = -1, tmpfd = -1, r, rc;

	if (path_suffix(lockpath, sizeof(lockpath), o->file, ".lock") == -1 ||
	    path_suffix(tmp, sizeof(tmp), o->file, ".edit.XXXXXX") == -1) {
		log_warnx("%s: path too long", o->file);
		return EX_CONFIG;
	}
	if ((rc = file_trusted(o->file)) != 0)
		return rc;
	if ((lockfd = amap_writer_lock(lockpath, EDIT_LOCK_MS, &e)) == -1) {
		if (errno == EAGAIN) {
			log_warnx("%s: being edited by another process (lock "
			    "%s busy for %d s); nothing changed", o->file,
			    lockpath, EDIT_LOCK_MS / 1000);
			return EX_TEMPFAIL;
		}
		log_warnx("%s", e.msg);
		return EX_CANTCREAT;
	}
	/* What edits killed mid-way left (we hold the lock). */
	path_remove_temps(o->file, ".edit.");
	if ((fd = open(o->file, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", o->file);
		rc = errno == ENOENT || errno == EACCES ? EX_NOINPUT : EX_IOERR;
		goto out;
	}
	if ((rc = edit_read(fd, o->file, &text, &len)) != 0)
		goto out;
	if (fstat(fd, &st) == -1) {
		log_warn("%s", o->file);
		rc = EX_IOERR;
		goto out;
	}
	if ((rc = edit_fast(o, ed, text, len, base, sizeof(base), &up)) != 0)
		goto out;
	switch (up != NULL ? -1 : (int)ed->op) {
	case -1:	/* edit_fast() made the edit */
		r = AF_EDIT_OK;
		break;
	case EDIT_ADD:
		r = edit_adds(text, len, ed, &out, &outlen, &e);
		break;
	case EDIT_REVOKE:
		r = af_edit_revoke(text, len, ed->key, ed->date, ed->reason,
		    &out, &outlen, &e);
		break;
	default:
		r = af_edit_restore(text, len, ed->key, &out, &outlen, &e);
		break;
	}
	switch (r) {
	case AF_EDIT_OK:
		break;
	case AF_EDIT_NOT_FOUND:
		rc = EX_NOUSER;
		break;
	case AF_EDIT_NOMEM:
		rc = EX_OSERR;
		break;
	default:	/* a bad file, a duplicate, a wrong state */
		rc = EX_DATAERR;
		break;
	}
	if (r != AF_EDIT_OK) {
		log_warnx("%s: %s; nothing changed", o->file, e.msg);
		goto out;
	}
	if ((tmpfd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_warn("%s: cannot create a temp file", tmp);
		rc = EX_CANTCREAT;
		goto out;
	}
	/* Never written group or world writable (see file_trusted()). */
	if (fchmod(tmpfd, st.st_mode & 07777 & ~(mode_t)(S_IWGRP | S_IWOTH))
	    == -1 ||
	    ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(tmpfd, st.st_uid, st.st_gid) == -1)) {
		log_warn("%s: cannot give it the mode and owner of %s", tmp,
		    o->file);
		rc = EX_CANTCREAT;
		goto fail;
	}
	newtext = up != NULL ? update_text(up, &outlen) : out;
	if ((rc = edit_write(tmpfd, tmp, newtext, outlen)) != 0)
		goto fail;
	close(tmpfd);
	tmpfd = -1;
	if (up != NULL) {
		if ((rc = update_publish(up, &e)) != 0) {
			log_warnx("%s", e.msg);
			log_warnx("%s: map not updated, edit rolled back; "
			    "nothing changed", o->file);
			goto fail;
		}
		c = *update_counts(up);
		goto publish;
	}
	/* The edited text must load; the map is compiled from it. */
	if ((rc = load_as(o, tmp, &af)) != 0) {
		log_warnx("%s: the edit would make the file invalid (above); "
		    "nothing changed", o->file);
		goto fail;
	}
	if ((rc = map_base(o, af->map, base, sizeof(base))) != 0)
		goto fail;
	if ((rc = compile_map(af, base, date_today(), &c, &e)) != 0) {
		log_warnx("%s", e.msg);
		log_warnx("%s: map not compiled, edit rolled back; nothing "
		    "changed", o->file);
		goto fail;
	}
publish:
	if (rename(tmp, o->file) == -1) {
		log_warn("rename %s to %s", tmp, o->file);
		log_warnx("%s%s was compiled from the edit but %s is "
		    "unchanged: fix and run aliasctl compile", base,
		    COMPILE_SUFFIX_MAP, o->file);
		rc = EX_IOERR;
		goto fail;
	}
	if (edit_sync_dir(o->file) == -1)
		log_warn("%s: fsync of the directory", o->file);
	if (ed->quiet) {
		rc = 0;
		goto out;
	}
	if (ed->nadds > 0)
		printf("added %zu alias%s\n", ed->nadds,
		    ed->nadds == 1 ? "" : "es");
	else
		printf("%s %s\n", ed->op == EDIT_ADD ? "added" :
		    ed->op == EDIT_REVOKE ? "revoked" : "restored", ed->key);
	printf("%s%s: %zu entries (", base, COMPILE_SUFFIX_MAP, c.entries);
	print_counts(&c);
	printf(")\n");
	rc = flush_stdout();
	goto out;
fail:
	if (tmpfd != -1)
		close(tmpfd);
	tmpfd = -1;
	unlink(tmp);
out:
	update_free(up);
	af_free(af);
	free(text);
	free(out);
	if (fd != -1)
		close(fd);
	close(lockfd);
	return rc;
}

/*
 * The one alias of an add, or each of an import in turn: returns
 * af_edit_add()'s code and the final text in *out.
 */
static int
edit_adds(const char *text, size_t len, const struct edit *ed, char **out,
    size_t *outlen, struct errbuf *e)
{
	char	*prev = NULL;
	size_t	 i;
	int	 r;

	if (ed->nadds == 0)
		return af_edit_add(text, len, &ed->add, out, outlen, e);
	for (i = 0; i < ed->nadds; i++) {
		r = af_edit_add(prev != NULL ? prev : text, prev != NULL ?
		    *outlen : len, &ed->adds[i], out, outlen, e);
		free(prev);
		if (r != AF_EDIT_OK)
			return r;
		prev = *out;
	}
	return AF_EDIT_OK;
}

/*
 * A revoke made on the compiled map as one key (update.h), when the map
 * still belongs to text (len bytes): then *up holds the edit and base
 * the map base path.  Returns 0 (*up NULL: take the full way, and -v
 * says why), or a sysexits code.
 */
static int
edit_fast(const struct options *o, const struct edit *ed, const char *text,
    size_t len, char *base, size_t basesize, struct update **up)
{
	struct errbuf e;
	char	 map[4096];
	int	 r;

	*up = NULL;
	if (ed->op != EDIT_REVOKE)
		return 0;
	if (af_head_map(text, len, map, sizeof(map)) == -1) {
		log_debug("%s: no aliases: key at the top; compiling in full",
		    o->file);
		return 0;
	}
	if (map_base(o, map[0] != '\0' ? map : NULL, base, basesize) != 0)
		return 0;
	r = update_revoke(text, len, base, ed->key, ed->date, ed->reason,
	    date_today(), up, &e);
	if (r == UPDATE_FULL) {
		log_debug("%s: %s; compiling in full", o->file, e.msg);
		return 0;
	}
	if (r != 0) {
		log_warnx("%s; nothing changed", e.msg);
		return r;
	}
	log_debug("%s: the map still belongs to the file: changing the keys "
	    "of %s only", o->file, ed->key);
	return 0;
}

/*
 * A summary line: the path may hold any byte, the YAML comment must
 * stay one line, so control bytes become '?'.
 */
static void
import_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Opens path for import; a directory is unreadable input too. */
static FILE *
import_open(const char *path)
{
	struct stat st;
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if (fstat(fileno(fp), &st) == -1) {
		log_warn("%s", path);
		fclose(fp);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		log_warnx("%s: Is a directory", path);
		fclose(fp);
		return NULL;
	}
	return fp;
}

/*
 * "12 messages delivered, 2 bounced, ..., FIRST .. LAST" into buf
 * (IMPORT_NOTE_BUF bytes), after "only rejected (...): " for a guess.
 */
static void
import_note(const struct ml_entry *e, int guess, char *buf)
{
	char	 first[DATE_BUF], last[DATE_BUF];
	uint64_t m = e->sent;
	size_t	 n = 0;

#define NOTE_ADD(...)	(n += (size_t)snprintf(buf + n, n < IMPORT_NOTE_BUF ? \
			    IMPORT_NOTE_BUF - n : 0, __VA_ARGS__))
	if (guess)
		NOTE_ADD("only rejected (a guess, not an alias): ");
	else
		NOTE_ADD("%llu message%s delivered", (unsigned long long)m,
		    m == 1 ? "" : "s");
	if (e->bounced)
		NOTE_ADD(", %llu bounced", (unsigned long long)e->bounced);
	if (e->deferred)
		NOTE_ADD(", %llu deferral%s", (unsigned long long)e->deferred,
		    e->deferred == 1 ? "" : "s");
	if (e->rejected)
		NOTE_ADD("%s%llu rejected", guess ? "" : ", ",
		    (unsigned long long)e->rejected);
	date_format(e->first, first);
	date_format(e->last, last);
	if (e->first == e->last)
		NOTE_ADD(", %s", first);
	else
		NOTE_ADD(", %s .. %s", first, last);
#undef NOTE_ADD
}

static int
import_maillog(const struct options *o, const struct aliasfile *af, int apply,
    const char *path, int32_t since)
{
	struct ml_agg *agg;
	struct ml_entry *e;
	struct ml_rec r;
	struct tm tm;
	time_t	 now;
	FILE	*fp;
	struct af_new_alias *adds = NULL;
	char	*line = NULL, key[ADDR_BUF], yk[2 * ADDR_BUF + 3];
	char	 summary[8192], day[DATE_BUF], note[IMPORT_NOTE_BUF];
	char	*notes = NULL;
	size_t	 cap = 0, nlines = 0, nused = 0, nskipped = 0, nold = 0;
	size_t	 nnew = 0, nguess = 0, blen, i, k;
	ssize_t	 n;
	int	 di, rc = 0;

	if ((fp = import_open(path)) == NULL)
		return EX_NOINPUT;
	if ((agg = ml_agg_new()) == NULL)
		goto nomem;
	now = time(NULL);
	localtime_r(&now, &tm);
	while ((n = getline(&line, &cap, fp)) != -1) {
		nlines++;
		if (maillog_parse(line, n, tm.tm_year + 1900, tm.tm_mon + 1,
		    &r) == ML_SKIP) {
			nskipped++;
			continue;
		}
		if (since != DATE_NONE && r.day < since) {
			nold++;
			continue;
		}
		nused++;
		if ((di = af_find_domain(af, r.a.domain)) == -1)
			continue;
		/* irs+2025@ is irs@ where the domain splits subaddresses. */
		blen = addr_subaddr_base(&r.a, af->domains[di].subaddress);
		snprintf(key, sizeof(key), "%.*s@%s", (int)blen, r.a.local,
		    r.a.domain);
		/* postmaster@ and abuse@ are always accepted. */
		if (af_find_alias(af, key) != NULL ||
		    (blen == 10 && strncmp(r.a.local, "postmaster", 10) == 0) ||
		    (blen == 5 && strncmp(r.a.local, "abuse", 5) == 0))
			continue;
		if (ml_agg_add(agg, key, &r) == -1)
			goto nomem;
	}
	if (ferror(fp)) {
		log_warn("%s", path);
		rc = EX_IOERR;
		goto out;
	}
	if (agg->n > 1)
		qsort(agg->v, agg->n, sizeof(*agg->v), ml_entry_cmp);
	for (i = 0; i < agg->n; i++)
		if (agg->v[i].sent + agg->v[i].bounced + agg->v[i].deferred)
			nnew++;
	nguess = agg->n - nnew;
	n = snprintf(summary, sizeof(summary), "aliasctl import --maillog %s: "
	    "%zu lines, %zu used, %zu skipped", path, nlines, nused, nskipped);
	if (since != DATE_NONE && n > 0 && (size_t)n < sizeof(summary)) {
		date_format(since, day);
		snprintf(summary + n, sizeof(summary) - n, ", %zu before %s",
		    nold, day);
	}
	import_clean(summary);
	fprintf(stderr, "%s\n", summary);
	if (apply) {
		/* What the proposal would have left uncommented. */
		if ((adds = calloc(nnew + 1, sizeof(*adds))) == NULL ||
		    (notes = calloc(nnew + 1, IMPORT_NOTE_BUF)) == NULL)
			goto nomem;
		for (i = 0, k = 0; i < agg->n; i++) {
			e = &agg->v[i];
			if (e->sent + e->bounced + e->deferred == 0 ||
			    ml_yaml_scalar(e->addr, yk, sizeof(yk)) == -1)
				continue;
			adds[k].key = e->addr;
			import_note(e, 0, notes + k * IMPORT_NOTE_BUF);
			adds[k].note = notes + k * IMPORT_NOTE_BUF;
			k++;
		}
		rc = import_apply(o, adds, k);
		goto out;
	}
	printf("# %s\n", summary);
	printf("# %zu address%s at managed domains received mail; review, "
	    "then add %s.\n", nnew, nnew == 1 ? "" : "es",
	    nnew == 1 ? "it" : "them");
	if (nguess)
		printf("# %zu more only in reject lines: guesses, commented "
		    "out.\n", nguess);
	printf("aliases:\n");
	for (i = 0; i < agg->n; i++) {
		e = &agg->v[i];
		if (ml_yaml_scalar(e->addr, yk, sizeof(yk)) == -1)
			continue;
		if (e->sent + e->bounced + e->deferred) {
			import_note(e, 0, note);
			printf("  # %s\n  %s: {}\n", note, yk);
		}
	}
	for (i = 0; i < agg->n; i++) {
		e = &agg->v[i];
		if (ml_yaml_scalar(e->addr, yk, sizeof(yk)) == -1)
			continue;
		if (e->sent + e->bounced + e->deferred == 0) {
			import_note(e, 1, note);
			printf("  # %s\n  # %s: {}\n", note, yk);
		}
	}
	rc = flush_stdout();
	goto out;
nomem:
	log_warnx("out of memory");
	rc = EX_OSERR;
out:
	free(adds);
	free(notes);
	free(line);
	ml_agg_free(agg);
	fclose(fp);
	return rc;
}

/*
 * import --apply: adds the aliases in one edit of the file, with one
 * load and compile.  Nothing to add is not an error.
 */
static int
import_apply(const struct options *o, struct af_new_alias *adds, size_t n)
{
	struct edit ed;

	if (n == 0) {
		printf("nothing to add\n");
		return flush_stdout();
	}
	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_ADD;
	ed.adds = adds;
	ed.nadds = n;
	ed.key = adds[0].key;
	return edit_file(o, &ed);
}

/* Reads all of fp into a new buffer (freed by the caller). */
static char *
import_slurp(FILE *fp, size_t *lenp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0, n;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

/*
 * The virtual(5) entries for addresses at managed domains, in file
 * order; "to:" only when the targets are not the domain's deliver_to.
 */
static int
import_virtual(const struct options *o, const struct aliasfile *af, int apply,
    const char *path)
{
	struct arena arena;
	struct af_new_alias *adds = NULL, *na;
	const char **to;
	size_t	 nadds = 0, capadds = 0;
	struct ml_agg *seen = NULL;
	struct vt_entry ve;
	struct addr a, t;
	FILE	*fp, *mem = NULL;
	char	*text = NULL, *body = NULL, key[ADDR_BUF], tb[ADDR_BUF];
	char	 targets[8192], yk[2 * ADDR_BUF + 3], summary[8192];
	const char *p, *end;
	size_t	 len = 0, pos = 0, bodylen = 0, tlen, nt;
	size_t	 nentries = 0, nnew = 0, nknown = 0, nskipped = 0;
	unsigned lineno = 0;
	int	 di, err, r, rc = 0;

	arena_init(&arena);
	if ((fp = import_open(path)) == NULL)
		return EX_NOINPUT;
	if ((text = import_slurp(fp, &len)) == NULL) {
		log_warn("%s", path);
		rc = errno == ENOMEM ? EX_OSERR : EX_IOERR;
		goto out;
	}
	if ((seen = ml_agg_new()) == NULL ||
	    (mem = open_memstream(&body, &bodylen)) == NULL)
		goto nomem;
	while (vt_next(text, len, &pos, &lineno, &ve)) {
		nentries++;
		/*
		 * Only user@domain keys can be aliases: "@domain" is the
		 * catch-all being replaced, a bare domain or local name is
		 * no address.
		 */
		if (ve.keylen == 0 || ve.key[0] == '@' ||
		    memchr(ve.key, '@', ve.keylen) == NULL) {
			nskipped++;
			continue;
		}
		if ((err = addr_parse(ve.key, ve.keylen, 0, &a)) != ADDR_OK) {
			log_warnx("%s:%u: %.*s: %s", path, ve.line,
			    (int)ve.keylen, ve.key, addr_strerror(err));
			nskipped++;
			continue;
		}
		if ((di = af_find_domain(af, a.domain)) == -1) {
			nskipped++;
			continue;
		}
		addr_format(&a, key, sizeof(key));
		if (af_find_alias(af, key) != NULL ||
		    ml_agg_get(seen, key, 0) != NULL) {
			nknown++;
			continue;
		}
		p = ve.value;
		end = ve.value + ve.vallen;
		tlen = nt = 0;
		targets[0] = '\0';
		while ((r = vt_target_next(&p, end, &t, &err)) == 1) {
			addr_format(&t, tb, sizeof(tb));
			if (tlen + strlen(tb) + 3 > sizeof(targets)) {
				err = ADDR_PATH_LONG;
				r = -1;
				break;
			}
			tlen += snprintf(targets + tlen, sizeof(targets) - tlen,
			    "%s%s", nt++ ? ", " : "", tb);
		}
		if (r == -1 || nt == 0) {
			log_warnx("%s:%u: %s: %s%s", path, ve.line, key,
			    r == -1 ? "bad target: " : "no target",
			    r == -1 ? addr_strerror(err) : "");
			nskipped++;
			continue;
		}
		if (ml_agg_get(seen, key, 1) == NULL ||
		    ml_yaml_scalar(key, yk, sizeof(yk)) == -1)
			goto nomem;
		nnew++;
		if (nadds == capadds) {
			capadds = capadds ? capadds * 2 : 64;
			if ((na = reallocarray(adds, capadds,
			    sizeof(*adds))) == NULL)
				goto nomem;
			adds = na;
		}
		na = &adds[nadds++];
		memset(na, 0, sizeof(*na));
		snprintf(tb, sizeof(tb), "imported from %s line %u", path,
		    ve.line);
		import_clean(tb);
		if ((na->key = arena_strndup(&arena, key, strlen(key))) ==
		    NULL || (na->note = arena_strndup(&arena, tb,
		    strlen(tb))) == NULL)
			goto nomem;
		fprintf(mem, "  # line %u\n  %s:", ve.line, yk);
		if (strcmp(targets, af->domains[di].deliver_to) == 0) {
			fprintf(mem, " {}\n");
			continue;
		}
		if ((to = arena_alloc(&arena, nt * sizeof(*to))) == NULL)
			goto nomem;
		na->to = to;
		fprintf(mem, "\n    to: %s", nt > 1 ? "[" : "");
		p = ve.value;
		nt = 0;
		while (vt_target_next(&p, end, &t, &err) == 1) {
			addr_format(&t, tb, sizeof(tb));
			if (ml_yaml_scalar(tb, yk, sizeof(yk)) == -1 ||
			    (to[nt] = arena_strndup(&arena, tb,
			    strlen(tb))) == NULL)
				goto nomem;
			fprintf(mem, "%s%s", nt++ ? ", " : "", yk);
		}
		na->nto = nt;
		fprintf(mem, "%s\n", nt > 1 ? "]" : "");
	}
	if (fclose(mem) == EOF) {
		mem = NULL;
		goto nomem;
	}
	mem = NULL;
	snprintf(summary, sizeof(summary), "aliasctl import --virtual %s: "
	    "%zu entries, %zu new, %zu already aliases, %zu skipped", path,
	    nentries, nnew, nknown, nskipped);
	import_clean(summary);
	fprintf(stderr, "%s\n", summary);
	if (apply) {
		rc = import_apply(o, adds, nadds);
		goto out;
	}
	printf("# %s\n", summary);
	printf("# %zu address%s at managed domains; review, then add %s.\n",
	    nnew, nnew == 1 ? "" : "es", nnew == 1 ? "it" : "them");
	printf("aliases:\n");
	fwrite(body, 1, bodylen, stdout);
	rc = flush_stdout();
	goto out;
nomem:
	log_warnx("out of memory");
	rc = EX_OSERR;
out:
	if (mem != NULL)
		fclose(mem);
	free(body);
	free(text);
	free(adds);
	arena_free(&arena);
	ml_agg_free(seen);
	fclose(fp);
	return rc;
}

/*
 * import --maillog FILE [--since DATE] | --virtual FILE [--apply]:
 * prints, as YAML to review, the addresses at the managed domains of
 * the alias file that are not aliases yet, and changes nothing; or,
 * with --apply, adds what that YAML has uncommented in one edit.
 */
static int
cmd_import(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af;
	const char *maillog = NULL, *virtual = NULL;
	int32_t	 since = DATE_NONE;
	int	 i, rc, apply = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--maillog") == 0 && i + 1 < argc)
			maillog = argv[++i];
		else if (strcmp(argv[i], "--virtual") == 0 && i + 1 < argc)
			virtual = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (date_parse(argv[i + 1], strlen(argv[i + 1]),
			    &since) == -1) {
				log_warnx("import: --since needs a date "
				    "YYYY-MM-DD, not '%s'", argv[i + 1]);
				return usage();
			}
			i++;
		} else if (strcmp(argv[i], "--apply") == 0)
			apply = 1;
		else {
			log_warnx("import: unknown or incomplete argument "
			    "'%s'", argv[i]);
			return usage();
		}
	}
	if ((maillog == NULL) == (virtual == NULL) ||
	    (virtual != NULL && since != DATE_NONE)) {
		log_warnx("import: give --maillog FILE [--since DATE] or "
		    "--virtual FILE");
		return usage();
	}
	if ((rc = load(o, &af)) != 0)
		return rc;
	if (maillog != NULL)
		rc = import_maillog(o, af, apply, maillog, since);
	else
		rc = import_virtual(o, af, apply, virtual);
	af_free(af);
	return rc;
}

/*
 * Prints the entry of usage_text for command name (its line and the
 * indented lines that follow), so that per-command help and the full
 * text cannot drift apart.
 */
static int
cmd_help(const char *name)
{
	const char *p, *eol;
	size_t	 len = strlen(name);
	int	 in = 0;

	for (p = usage_text; *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			break;
		if (strncmp(p, "  ", 2) == 0 && strncmp(p + 2, name, len) == 0 &&
		    (p[2 + len] == ' ' || p[2 + len] == '\n'))
			in = 1;
		else if (in && strncmp(p, "   ", 3) != 0)
			break;
		if (in)
			printf("%.*s\n", (int)(eol - p), p);
	}
	return flush_stdout();
}

/*
 * Lowercases label into buf: a dot-atom (RFC 5322) without the
 * subaddress delimiters delims, short enough for LABEL.XXXXXX to be a
 * local part.  Returns 0, or EX_USAGE.
 */
static int
new_label(const char *label, const char *delims, char *buf, size_t bufsize)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	size_t	 i, len = strlen(label);
	int	 c;

	if (len == 0 || len + 1 + NEW_LEN > 64 || len >= bufsize ||
	    label[0] == '.' || label[len - 1] == '.' ||
	    strstr(label, "..") != NULL)
		goto bad;
	for (i = 0; i < len; i++) {
		c = (unsigned char)label[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || strchr(atext, c) != NULL) ||
		    strchr(delims, c) != NULL)
			goto bad;
		buf[i] = (char)c;
	}
	buf[len] = '\0';
	return 0;
bad:
	log_warnx("new: invalid label '%s' (want a dot-atom of at most %d "
	    "characters%s%s)", label, 64 - 1 - NEW_LEN,
	    delims[0] != '\0' ? " without " : "", delims);
	return EX_USAGE;
}

/*
 * NEW_LEN characters of new_alphabet and a NUL into buf, from
 * getrandom(2).  Bytes at or above the largest multiple of the alphabet
 * size are rejected, so that every character is equally likely.
 * Returns 0 or -1.
 */
static int
new_random(char *buf)
{
	const unsigned n = sizeof(new_alphabet) - 1;
	const unsigned limit = 256 - 256 % n;
	unsigned char r[64];
	size_t	 got = 0, i = 0;
	ssize_t	 k;

	while (got < NEW_LEN) {
		if (i == 0 || i == sizeof(r)) {
			if ((k = getrandom(r, sizeof(r), 0)) == -1) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if ((size_t)k < sizeof(r))
				memset(r + k, 0xff, sizeof(r) - k);
			i = 0;
		}
		if (r[i] < limit)
			buf[got++] = new_alphabet[r[i] % n];
		i++;
	}
	buf[got] = '\0';
	return 0;
}

/*
 * new LABEL [--domain DOMAIN] [--note TEXT] [--receive-only]
 * [--expires DATE]: adds LABEL.XXXXXX@DOMAIN with a name that no alias
 * of the file has or had (revoked ones stay in the file), prints it.
 */
static int
cmd_new(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af = NULL;
	struct edit ed;
	const char *label = NULL, *domain = NULL, *v;
	char	 lab[64], rnd[NEW_LEN + 1], cand[ADDR_BUF], key[ADDR_BUF];
	char	 dom[256];
	size_t	 len;
	int	 i, r, di, rc;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_ADD;
	for (i = 1; i < argc; i++) {
		if ((r = opt_value(argc, argv, &i, "--domain", &v)) == -1)
			return usage();
		if (r == 1) {
			domain = v;
			continue;
		}
		if ((r = opt_value(argc, argv, &i, "--note", &v)) == -1)
			return usage();
		if (r == 1) {
			ed.add.note = v;
			continue;
		}
		if ((r = opt_value(argc, argv, &i, "--expires", &v)) == -1)
			return usage();
		if (r == 1) {
			if (edit_date("--expires", v) != 0)
				return usage();
			ed.add.expires = v;
			continue;
		}
		if (strcmp(argv[i], "--receive-only") == 0)
			ed.add.receive_only = 1;
		else if (argv[i][0] == '-' || label != NULL) {
			log_warnx("new: unexpected argument '%s'", argv[i]);
			return usage();
		} else
			label = argv[i];
	}
	if (label == NULL) {
		log_warnx("new: which label?");
		return usage();
	}
	if ((rc = load(o, &af)) != 0)
		return rc;
	if (domain != NULL) {
		len = strlen(domain);
		if (len > 0 && domain[len - 1] == '.')
			len--;
		if (len == 0 || len >= sizeof(dom)) {
			log_warnx("new: invalid domain '%s'", domain);
			rc = EX_USAGE;
			goto out;
		}
		for (i = 0; i < (int)len; i++)
			dom[i] = domain[i] >= 'A' && domain[i] <= 'Z' ?
			    domain[i] + ('a' - 'A') : domain[i];
		dom[len] = '\0';
		if ((di = af_find_domain(af, dom)) == -1) {
			log_warnx("%s: %s is not a domain under domains:; "
			    "nothing changed", o->file, dom);
			rc = EX_DATAERR;
			goto out;
		}
	} else if (af->ndomains == 0) {
		log_warnx("%s: no domains; nothing changed", o->file);
		rc = EX_DATAERR;
		goto out;
	} else
		di = 0;
	if ((rc = new_label(label, af->domains[di].subaddress, lab,
	    sizeof(lab))) != 0)
		goto out;
	for (i = 0; i < NEW_TRIES; i++) {
		if (new_random(rnd) == -1) {
			log_warn("getrandom");
			rc = EX_OSERR;
			goto out;
		}
		snprintf(cand, sizeof(cand), "%s.%s@%s", lab, rnd,
		    af->domains[di].name);
		if ((rc = edit_address(cand, key)) != 0)
			goto out;
		if (af_find_alias(af, key) == NULL)
			break;
	}
	if (i == NEW_TRIES) {
		log_warnx("new: no free name for '%s' after %d tries; nothing "
		    "changed", lab, NEW_TRIES);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	ed.key = ed.add.key = key;
	ed.quiet = 1;
	if ((rc = edit_file(o, &ed)) != 0)
		goto out;
	printf("%s\n", key);
	rc = flush_stdout();
out:
	af_free(af);
	return rc == EX_USAGE ? usage() : rc;
}

/* By key, for bsearch. */
static int
row_cmp_key(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* A key against a row, for bsearch. */
static int
row_find_key(const void *key, const void *row)
{
	const struct stats_row *r = row;

	return strcmp(key, r->key);
}

/*
 * list [--revoked] [--json]: every alias in file order (or only the
 * revoked ones) with state, hits and last seen from the stats file when
 * there is one, and note.
 */
static int
cmd_list(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af = NULL;
	struct stats_row *rows = NULL, *hit;
	const struct af_alias *a;
	struct errbuf e;
	char	 path[4096], state[64], day[DATE_BUF], last[TIME_BUF];
	size_t	 n = 0, i, kw = 5, sw = 5, shown = 0;
	int	 revoked = 0, json = 0, hw = 4, rc, serrno;
	int32_t	 today = date_today();

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--revoked") == 0)
			revoked = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			log_warnx("list: unknown argument '%s'", argv[i]);
			return usage();
		}
	}
	if ((rc = load(o, &af)) != 0)
		return rc;
	if ((rc = find_stats_file(o, path, sizeof(path))) != 0)
		goto out;
	if (stats_read(path, 0, &rows, &n, &e) == -1) {
		serrno = errno;
		if (serrno != ENOENT) {
			log_warnx("%s", e.msg);
			rc = serrno == EACCES ? EX_NOINPUT : EX_IOERR;
			goto out;
		}
		rows = NULL;
		n = 0;
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp_key);
	/* Two passes: the widths, then the rows. */
	for (; shown < 2; shown++) {
		if (shown == 1 && json)
			printf("[");
		else if (shown == 1)
			printf("%-*s  %-*s  %*s  %-16s  %s\n", (int)kw, "ALIAS",
			    (int)sw, "STATE", hw, "HITS", "LAST-SEEN", "NOTE");
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
			hit = n ? bsearch(a->key, rows, n, sizeof(*rows),
			    row_find_key) : NULL;
			if (shown == 0) {
				if (vis_len(a->key) > kw)
					kw = vis_len(a->key);
				if (strlen(state) + (a->flags &
				    AF_RECEIVE_ONLY ? 13 : 0) > sw)
					sw = strlen(state) + (a->flags &
					    AF_RECEIVE_ONLY ? 13 : 0);
				if (hit != NULL)
					hw = num_width(hit->a.hits, hw);
				continue;
			}
			if (json) {
				printf("%s\n {\"alias\":", json++ > 1 ?
				    "," : "");
				json_string(a->key);
				printf(",\"state\":\"%.7s\",\"date\":",
				    state);
				if (strcmp(state, "active") == 0)
					printf("null");
				else
					printf("\"%s\"", day);
				printf(",\"receive_only\":%s,\"note\":",
				    a->flags & AF_RECEIVE_ONLY ?
				    "true" : "false");
				if (a->note != NULL)
					json_string(a->note);
				else
					printf("null");
				time_utc(hit != NULL ? hit->a.last_seen : 0,
				    last);
				printf(",\"hits\":%llu,\"last_seen\":%s%s%s}",
				    hit != NULL ?
				    (unsigned long long)hit->a.hits : 0ULL,
				    last[0] ? "\"" : "",
				    last[0] ? last : "null",
				    last[0] ? "\"" : "");
				continue;
			}
			vis_print(a->key, (int)kw);
			printf("  %s%s%*s  %*llu  ", state,
			    a->flags & AF_RECEIVE_ONLY ?
			    " receive-only" : "",
			    (int)(sw - strlen(state) - (a->flags &
			    AF_RECEIVE_ONLY ? 13 : 0)), "", hw,
			    hit != NULL ?
			    (unsigned long long)hit->a.hits : 0ULL);
			time_local(hit != NULL ? hit->a.last_seen : 0, last);
			if (a->note == NULL || a->note[0] == '\0')
				printf("%s\n", last);
			else {
				printf("%-16s  ", last);
				vis_print(a->note, (int)vis_len(a->note));
				printf("\n");
			}
		}
	}
	if (json)
		printf("%s]\n", json > 1 ? "\n" : "");
	rc = flush_stdout();
out:
	stats_rows_free(rows, n);
	af_free(af);
	return rc;
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
	while ((ch = getopt(argc, argv, "+f:m:S:vVh")) != -1) {
		switch (ch) {
		case 'v':
			log_init(argv[0], LOG_TO_STDERR, 1);
			break;
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
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return cmd_help(argv[0]);
		if (commands[i].run == NULL) {
			fputs(usage_text, stdout);
			return flush_stdout();
		}
		return commands[i].run(&o, argc, argv);
	}
	log_warnx("unknown command '%s'", argv[0]);
	return usage();
}
