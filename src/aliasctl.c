/*
 * aliasctl: the global options and the command table.  The commands'
 * work is in cli.c (options, loading; check, compile), report.c
 * (export, query, stats, list), edit.c (the edit transaction; add,
 * revoke, restore, lock, unlock, new), evidence.c (senders, leaks),
 * import.c, setup.c (setup postfix), doctor.c and dnscmd.c (dns); the
 * alias file, the
 * map and the counters are the library's (aliasfile.c, compile.c,
 * amap.c, stats.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dnscmd.h"
#include "doctor.h"
#include "edit.h"
#include "evidence.h"
#include "import.h"
#include "log.h"
#include "report.h"
#include "report_html.h"
#include "setup.h"

#define ALIASCTL_VERSION	"0.1.0"

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
	{ "lock", cmd_lock },
	{ "unlock", cmd_unlock },
	{ "new", cmd_new },
	{ "list", cmd_list },
	{ "setup", cmd_setup },
	{ "doctor", cmd_doctor },
	{ "dns", cmd_dns },
	{ "senders", cmd_senders },
	{ "leaks", cmd_leaks },
	{ "report", cmd_report },
	{ "help", NULL },
};

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
			return cli_flush();
		case 'h':
			return cli_usage_stdout();
		default:
			return cli_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return cli_usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return cli_help(argv[0]);
		if (commands[i].run == NULL) {
			return cli_usage_stdout();
		}
		return commands[i].run(&o, argc, argv);
	}
	log_warnx("unknown command '%s'", argv[0]);
	return cli_usage();
}
