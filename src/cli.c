/*
 * cli.c: what aliasctl's commands share (see cli.h): the usage text, the
 * option reader, loading the alias file and finding the map; and the
 * two commands that are only that, check and compile.
 */
#include <sys/stat.h>

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "aliasfile.h"
#include "cli.h"
#include "compile.h"
#include "log.h"
#include "mapview.h"
#include "postfix.h"
#include "util.h"

static const char usage_text[] =
"usage: aliasctl [-v] [-f FILE] [-m MAP] [-S STATS] COMMAND [ARGS]\n"
"\n"
"Commands:\n"
"  check [--postfix-config DIR]\n"
"                     validate the alias file and print a summary; warn when\n"
"                     Postfix (postconf) enforces none of its sender locks\n"
"  compile            validate, then write MAP.lmdb and MAP.policy.lmdb\n"
"  query [-v] ADDRESS print the target(s) Postfix would find; exit 1 if none\n"
"  export             print the map as virtual(5) text for postmap(1)\n"
"  stats [--json] [--top N] [--unknown] [--merge FILE]...\n"
"                     hits per alias, or per unknown recipient, by count\n"
"  stats --days N [--alias ADDRESS | --unknown] [--until YYYY-MM-DD] [--json]\n"
"        [--merge FILE]...\n"
"                     the last N days (UTC), one line per day\n"
"  stats --prometheus [--output FILE] [--per-alias [N]] [--merge FILE]...\n"
"                     the counters in Prometheus text format, for\n"
"                     node_exporter's textfile collector\n"
"  add ADDRESS [--to ADDR]... [--note TEXT] [--receive-only] [--expires DATE]\n"
"                     add an alias to the file, then compile\n"
"  revoke ADDRESS [--reason TEXT] [--date DATE]\n"
"                     mark an alias revoked (default: today), then compile\n"
"  restore ADDRESS    undo revoke, then compile\n"
"  lock ADDRESS [--sender S]... [--dry-run] [--merge FILE]...\n"
"                     accept mail for the alias only from these domains\n"
"                     (and their subdomains) and addresses, then compile;\n"
"                     without --sender, from its established senders\n"
"                     (in the stats files and each --merge file)\n"
"  unlock ADDRESS [--dry-run]\n"
"                     remove the alias's sender lock, then compile\n"
"  new LABEL [--domain DOMAIN] [--note TEXT] [--receive-only] [--expires DATE]\n"
"                     add a fresh random alias LABEL.XXXXXX@DOMAIN, print it\n"
"  list [--revoked] [--json] [--merge FILE]...\n"
"                     every alias: state, expiry, hits, hits after revoke,\n"
"                     refused by its lock, last seen, note\n"
"  senders ADDRESS [--json] [--by count|last] [--merge FILE]...\n"
"                     the sender domains that mailed the alias, refusals\n"
"  leaks [--json] [--merge FILE]...\n"
"                     aliases ranked by evidence of a leak, what to do\n"
"  report --html FILE|- [--days N] [--alias ADDRESS] [--merge FILE]...\n"
"                     one self-contained HTML page: traffic per day, busiest\n"
"                     and leaked aliases, tried addresses, the week's news\n"
"  import --maillog LOG|- [--since YYYY-MM-DD] | --virtual FILE|- [--apply]\n"
"                     propose aliases (YAML) from a catch-all mail log\n"
"                     or a virtual(5) file; --apply adds them, then compiles\n"
"  setup postfix [--apply] [--milter | --lookupd] [--postfix-config DIR]\n"
"        [--milter-socket SOCKET]\n"
"                     print (or apply, after a backup of main.cf) the\n"
"                     postconf -e lines the alias file needs\n"
"  doctor [--postfix-config DIR] [--milter-socket SOCKET] [--json]\n"
"         [--dns [--nameserver HOST[:PORT]]... [--timeout SECONDS]]\n"
"                     check the live Postfix configuration against the\n"
"                     alias file (--dns: and the domains' DNS records);\n"
"                     exit 78 when a check fails\n"
"  dns [--json] [--nameserver HOST[:PORT]]... [--timeout SECONDS]\n"
"      [--selector S]... [--ip ADDR]... [DOMAIN...]\n"
"                     check SPF, DMARC, DKIM and MX of the managed (or\n"
"                     named) domains against forged senders; print the\n"
"                     zone-file lines to publish\n"
"  help               print this text\n"
"\n"
"Options:\n"
"  -f FILE  alias file (default: $ALIASCTL_FILE, else " DEFAULT_FILE ")\n"
"  -m MAP   map base path (default: the file's map: key, else FILE without .yaml)\n"
"  -S STATS one hit counters file (default: the daemons' in MAP's stats/)\n"
"  -v       say more: how an edit updated the map\n"
"  -V       print the version and exit\n"
"  -h       print this text\n";

int
cli_usage(void)
{
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/*
 * Loads the alias file, printing every diagnostic.  Returns 0, or the
 * sysexits code of the failure.
 */
int
cli_load(const struct options *o, struct aliasfile **afp)
{
	int	 rc;

	if ((rc = cli_file_trusted(o->file)) != 0)
		return rc;
	return cli_load_as(o, o->file, afp);
}

/*
 * Run as root, aliasctl trusts the alias file only when no one but its
 * owner can change it: the file, and its directory unless sticky, may
 * not be group or world writable (a member of that group could
 * otherwise route mail anywhere, or, by changing map:, make root write
 * files where it chooses).  Returns 0, EX_CONFIG (said why), or 0 for a
 * file that cannot be stat()ed: the load says why in its own words.
 */
int
cli_file_trusted(const char *path)
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
 * cli_load() of path, with messages about it shown as about o->file (path
 * is an edited copy of it).
 */
int
cli_load_as(const struct options *o, const char *path, struct aliasfile **afp)
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
int
cli_map_base(const struct options *o, const char *map, char *buf,
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

int
cli_map_failed(const char *base, int rc, const struct errbuf *e)
{
	const char *m = COMPILE_SUFFIX_MAP, *p = COMPILE_SUFFIX_POLICY;

	log_warnx("%s", e->msg);
	switch (rc) {
	case COMPILE_UNSYNCED:
		log_warnx("%s: the new files are in place and in use, but a "
		    "crash may bring back the old ones", base);
		return 0;
	case COMPILE_HALF:
		/* What mapview.c does with a pair that does not match. */
		log_warnx("%s%s is the new one but %s%s the old one: Postfix "
		    "reads the old map, and after %d s alias-milter and "
		    "alias-lookupd read the new policy file with it (they "
		    "log that the two do not match); run aliasctl compile",
		    base, p, base, m, MAPVIEW_GRACE_MS / 1000);
		return EX_IOERR;
	default:
		return rc;
	}
}

void
cli_print_counts(const struct policy_counts *c)
{
	printf("%zu domain%s, %zu active, %zu revoked, %zu expired",
	    c->domains, c->domains == 1 ? "" : "s", c->active, c->revoked,
	    c->expired);
}

/* stdout errors (a full disk, a closed pipe) must not pass silently. */
int
cli_flush(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_warn("stdout");
		return EX_IOERR;
	}
	return 0;
}

/*
 * The warning of `check` for a file with sender locks when Postfix, as
 * postconf reads it from configdir (NULL: its default, or
 * $MAIL_CONFIG), configures neither alias-milter nor alias-lookupd's
 * policy service, so that nothing enforces the locks.  Says nothing
 * when postconf is missing or fails, or when the configuration does
 * not tell (postfix_front_end()).
 */
static void
check_locks_enforced(const struct aliasfile *af, const char *configdir)
{
	static const char *const names[] = { "smtpd_milters",
	    "smtpd_recipient_restrictions", "smtpd_relay_restrictions",
	    "smtpd_restriction_classes", "virtual_alias_maps" };
	struct postfix pf;
	struct errbuf e;
	char	*v[5] = { NULL, NULL, NULL, NULL, NULL };
	size_t	 i, n = 0;

	for (i = 0; i < af->naliases; i++)
		if (af->aliases[i].senders != NULL)
			n++;
	if (n == 0)
		return;
	pf.config = configdir;
	for (i = 0; i < 5; i++)
		if (postfix_param(&pf, names[i], 1, &v[i], &e) == -1) {
			log_debug("sender locks: %s: cannot tell whether "
			    "Postfix enforces them", e.msg);
			goto out;
		}
	if (postfix_front_end(v[0], v[1], v[2], v[3]) == POSTFIX_FRONT_NO)
		log_warnx("warning: %zu alias%s a sender lock (senders:), but "
		    "Postfix%s%s runs neither alias-milter (smtpd_milters) "
		    "nor alias-lookupd's policy service (check_policy_service "
		    "in smtpd_recipient_restrictions), and virtual_alias_maps "
		    "(%s) knows no sender: mail to %s is accepted from "
		    "anyone; add \"check_policy_service { "
		    "inet:127.0.0.1:10028, default_action=DEFER }\" after "
		    "reject_unauth_destination with alias-lookupd -P "
		    "inet:127.0.0.1:10028, or alias-milter (alias-lookupd(8), "
		    "POLICY SERVICE)", n, n == 1 ? " has" : "es have",
		    configdir != NULL ? " in " : "",
		    configdir != NULL ? configdir : "",
		    v[4][0] != '\0' ? v[4] : "empty", n == 1 ? "it" : "them");
out:
	for (i = 0; i < 5; i++)
		free(v[i]);
}

int
cmd_check(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{ "--postfix-config", "a directory" },
		{ NULL, NULL }
	};
	struct cli_args args;
	struct aliasfile *af;
	struct policy_counts c;
	const char *v, *configdir = NULL;
	int	 k, rc;

	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 0)
			configdir = v;
		else {
			if (k == CLI_OPERAND)
				log_warnx("check: unexpected argument '%s'", v);
			return cli_usage();
		}
	}
	if ((rc = cli_load(o, &af)) != 0)
		return rc;
	compile_count(af, date_today(), &c);
	printf("%s: ", o->file);
	cli_print_counts(&c);
	printf("\n");
	if ((rc = cli_flush()) == 0)
		check_locks_enforced(af, configdir);
	af_free(af);
	return rc;
}

int
cmd_compile(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af;
	struct policy_counts c;
	struct errbuf e;
	char	 base[4096];
	int	 rc;

	if (cli_no_args(argc, argv) != 0)
		return cli_usage();
	if ((rc = cli_load(o, &af)) != 0)
		return rc;
	if ((rc = cli_map_base(o, af->map, base, sizeof(base))) != 0)
		goto out;
	if ((rc = compile_map(af, base, date_today(), &c, &e)) != 0 &&
	    (rc = cli_map_failed(base, rc, &e)) != 0)
		goto out;
	printf("%s%s: %zu entries (", base, COMPILE_SUFFIX_MAP, c.entries);
	cli_print_counts(&c);
	printf(")\n");
	rc = cli_flush();
out:
	af_free(af);
	return rc;
}

void
cli_args_init(struct cli_args *args, int argc, char **argv)
{
	args->argc = argc;
	args->argv = argv;
	args->i = 1;
	args->operands = 0;
}

int
cli_next(struct cli_args *args, const struct cli_opt *opts, const char **val)
{
	const char *arg, *eq, *cmd = args->argv[0];
	size_t	 len;
	int	 k;

	*val = NULL;
	if (args->i >= args->argc)
		return CLI_DONE;
	arg = args->argv[args->i++];
	if (!args->operands && strcmp(arg, "--") == 0) {
		args->operands = 1;
		return cli_next(args, opts, val);
	}
	if (args->operands || arg[0] != '-' || arg[1] == '\0') {
		*val = arg;
		return CLI_OPERAND;
	}
	len = (eq = strchr(arg, '=')) != NULL ? (size_t)(eq - arg) :
	    strlen(arg);
	for (k = 0; opts[k].name != NULL; k++)
		if (strlen(opts[k].name) == len &&
		    strncmp(opts[k].name, arg, len) == 0)
			break;
	if (opts[k].name == NULL) {
		log_warnx("%s: unknown argument '%s'", cmd, arg);
		return CLI_BAD;
	}
	if (opts[k].value == NULL) {
		if (eq != NULL) {
			log_warnx("%s: %s takes no value", cmd, opts[k].name);
			return CLI_BAD;
		}
		return k;
	}
	if (eq != NULL)
		*val = eq + 1;
	else if (args->i < args->argc)
		*val = args->argv[args->i++];
	else {
		log_warnx("%s: %s needs %s", cmd, opts[k].name,
		    opts[k].value);
		return CLI_BAD;
	}
	return k;
}

int
cli_no_args(int argc, char **argv)
{
	static const struct cli_opt none[] = { {NULL, NULL} };
	struct cli_args args;
	const char *v;
	int	 k;

	cli_args_init(&args, argc, argv);
	if ((k = cli_next(&args, none, &v)) == CLI_DONE)
		return 0;
	if (k == CLI_OPERAND)
		log_warnx("%s: unexpected argument '%s'", argv[0], v);
	return -1;
}

/*
 * Normalises the alias address arg into buf (ADDR_BUF bytes).  Returns
 * 0, or EX_USAGE when it is not an address.
 */
int
cli_address(const char *arg, char *buf)
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
int
cli_date(const char *opt, const char *s)
{
	int32_t	 d;

	if (date_parse(s, strlen(s), &d) == -1) {
		log_warnx("%s: invalid date '%s' (want YYYY-MM-DD)", opt, s);
		return EX_USAGE;
	}
	return 0;
}

int
cli_usage_stdout(void)
{
	fputs(usage_text, stdout);
	return cli_flush();
}

/*
 * Prints the entry of usage_text for command name (its line and the
 * indented lines that follow), so that per-command help and the full
 * text cannot drift apart.
 */
int
cli_help(const char *name)
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
	return cli_flush();
}
