/*
 * aliasctl: argument parsing and command dispatch.  The work is done by
 * aliasfile.c (the YAML file), compile.c (what the map holds) and
 * amap.c (the LMDB files).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "aliasfile.h"
#include "amap.h"
#include "compile.h"
#include "log.h"
#include "policy.h"
#include "util.h"

#define ALIASCTL_VERSION	"0.1.0"
#define DEFAULT_FILE		"/etc/aliasctl/aliases.yaml"
#define EX_NOTFOUND		1	/* query: like postmap -q */

struct options {
	const char *file;	/* -f, $ALIASCTL_FILE or DEFAULT_FILE */
	const char *mapbase;	/* -m, or NULL: derived from the file */
};

static const char usage_text[] =
"usage: aliasctl [-f FILE] [-m MAP] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  check              validate the alias file and print a summary\n"
"  compile            validate, then write MAP.lmdb and MAP.policy.lmdb\n"
"  query [-v] ADDRESS print the target(s) Postfix would find; exit 1 if none\n"
"  export             print the map as virtual(5) text for postmap(1)\n"
"  help               print this text\n"
"\n"
"Options:\n"
"  -f FILE  alias file (default: $ALIASCTL_FILE, else " DEFAULT_FILE ")\n"
"  -m MAP   map base path (default: the file's map: key, else FILE without .yaml)\n"
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

static const struct command {
	const char *name;
	int	(*run)(const struct options *, int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "compile", cmd_compile },
	{ "query", cmd_query },
	{ "export", cmd_export },
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
	if (compile_path(path, sizeof(path), mapbase, COMPILE_SUFFIX_MAP) ||
	    amap_open(path, map, &e) == -1)
		goto fail;
	if (compile_path(path, sizeof(path), mapbase, COMPILE_SUFFIX_POLICY) ||
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
	while ((ch = getopt(argc, argv, "+f:m:Vh")) != -1) {
		switch (ch) {
		case 'f':
			o.file = optarg;
			break;
		case 'm':
			o.mapbase = optarg;
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
