/*
 * alias-milter: main: options, the socket, privileges, the daemon and
 * the stats flusher.  The libmilter callbacks are in milter.c, the
 * verdicts in verdict.c, the live map in mapview.c, the counters in
 * stats.c.
 *
 * Startup order (milter-regex's): open everything that needs root (the
 * listening socket, the stats file, the pid file), then become the
 * unprivileged user, then serve.  Signals: libmilter's own thread waits
 * for SIGHUP and SIGTERM (stop) and SIGINT (abort); they are blocked in
 * every other thread, including the flusher, which is started with them
 * blocked.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "daemon.h"
#include "listen.h"
#include "log.h"
#include "mapview.h"
#include "milter.h"
#include "stats.h"
#include "util.h"

#define ALIAS_MILTER_VERSION	"0.1.0"
#define QUIESCE_MS		5000	/* wait for running RCPT callbacks */

struct options {
	int	 foreground;		/* -d */
	int	 learn;			/* -l */
	const char *user;		/* -u */
	const char *pidfile;		/* -p */
	const char *stats;		/* -S */
	const char *logfile;		/* -L */
	const char *mapbase;		/* -m */
	const char *conn;		/* -s */
};

/* What main() opened and must undo at exit. */
struct runtime {
	char	*mapbase;		/* absolute paths (we chdir to /) */
	char	*statspath;
	char	*conn;			/* libmilter socket specification */
	struct daemon_sock sock;	/* the unix socket, if any */
	struct daemon_pidfile pidfile;
	struct daemon_user user;
	struct daemon_detach detach;
};

/*
 * The one configuration: options, and the two internally synchronised
 * shared objects (the map switchboard and the stats handle).
 */
static struct milter_config config;

static const char usage_text[] =
"usage: alias-milter [-d] [-l] [-u USER] [-p PIDFILE] [-S STATS] [-L LOG]\n"
"                    -m MAP -s SOCKET\n"
"\n"
"  -d          stay in the foreground and log to stderr\n"
"  -l          learn mode: refuse nothing, log and count every would-be verdict\n"
"  -u USER     run as USER after opening the socket and the files\n"
"  -p PIDFILE  write the process id to PIDFILE\n"
"  -S STATS    stats file (default DIR/stats/BASE.milter.lmdb for -m DIR/BASE)\n"
"  -L LOG      log to the file LOG, not syslog or stderr (reopened after rotation)\n"
"  -m MAP      map base path: MAP.lmdb and MAP.policy.lmdb (aliasctl compile)\n"
"  -s SOCKET   listen on SOCKET (below)\n"
"  -V          print the version and exit\n"
"  -h          print this text\n"
"\n"
LISTEN_HELP;

static int	 usage(void);
static int	 setup_paths(const struct options *, struct runtime *);
static int	 open_socket(struct runtime *);
static void	 runtime_free(struct runtime *);

static int
usage(void)
{
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/*
 * Fills the paths of rt from the options: absolute paths, the default
 * stats file, and the socket specification (listen.h) checked and
 * written in libmilter's form, a unix socket's path made absolute.
 * Returns 0 or a sysexits code.
 */
static int
setup_paths(const struct options *o, struct runtime *rt)
{
	struct listen_spec ls;
	struct errbuf e;
	char	 conn[LISTEN_HOST_MAX + 32];
	int	 rc;

	if ((rc = daemon_map_paths(o->mapbase, o->stats, "milter",
	    &rt->mapbase, &rt->statspath)) != 0)
		return rc;
	if (o->pidfile != NULL &&
	    (rt->pidfile.path = daemon_abs_path(o->pidfile)) == NULL)
		return EX_OSERR;

	if (listen_parse(o->conn, &ls, &e) == -1) {
		log_warnx("%s", e.msg);
		return EX_USAGE;
	}
	if (ls.family != LISTEN_UNIX) {
		if (listen_milter_conn(&ls, conn, sizeof(conn)) == -1) {
			log_warnx("%s: too long", o->conn);
			return EX_USAGE;
		}
		if ((rt->conn = strdup(conn)) == NULL) {
			log_warn("strdup");
			return EX_OSERR;
		}
		return 0;
	}
	if ((rc = daemon_sock_path(&rt->sock, o->conn, ls.path)) != 0)
		return rc;
	if (asprintf(&rt->conn, "unix:%s", rt->sock.path) == -1) {
		rt->conn = NULL;
		log_warn("asprintf");
		return EX_OSERR;
	}
	return 0;
}

/*
 * Creates the listening socket.  A unix socket is made mode 0660, owned
 * by the -u user and by the group of its directory (the MTA's group, as
 * documented), replacing a stale socket file but not a live one.
 * Returns 0 or a sysexits code.
 */
static int
open_socket(struct runtime *rt)
{
	mode_t	 old;
	int	 rc;

	if (rt->sock.path != NULL && daemon_socket_in_use(rt->sock.path)) {
		log_warnx("%s: socket in use: is another alias-milter running?",
		    rt->sock.path);
		return EX_UNAVAILABLE;
	}
	if (smfi_setconn(rt->conn) != MI_SUCCESS) {
		log_warnx("%s: smfi_setconn failed", rt->conn);
		return EX_USAGE;
	}
	old = umask(rt->sock.path != NULL ? (0777 & ~DAEMON_SOCKET_MODE) : 077);
	rc = smfi_opensocket(1);
	umask(old);
	if (rc != MI_SUCCESS) {
		log_warnx("%s: cannot open the socket (bad specification, "
		    "missing directory, or address in use)", rt->conn);
		return EX_OSERR;
	}
	if (rt->sock.path == NULL)
		return 0;
	return daemon_socket_perms(&rt->sock, &rt->user);
}

static void
runtime_free(struct runtime *rt)
{
	free(rt->mapbase);
	free(rt->statspath);
	free(rt->conn);
	daemon_sock_free(&rt->sock);
	daemon_pidfile_free(&rt->pidfile);
	daemon_user_free(&rt->user);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct runtime rt;
	struct daemon_flusher fl;
	struct errbuf e;
	unsigned int major, minor, patch;
	int	 ch, rc, served = 0;

	memset(&o, 0, sizeof(o));
	memset(&rt, 0, sizeof(rt));
	memset(&fl, 0, sizeof(fl));
	rt.detach.readyfd = -1;
	log_init(argv[0], LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "dlu:p:S:L:m:s:Vh")) != -1) {
		switch (ch) {
		case 'd':
			o.foreground = 1;
			break;
		case 'l':
			o.learn = 1;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'p':
			o.pidfile = optarg;
			break;
		case 'S':
			o.stats = optarg;
			break;
		case 'L':
			o.logfile = optarg;
			break;
		case 'm':
			o.mapbase = optarg;
			break;
		case 's':
			o.conn = optarg;
			break;
		case 'V':
			smfi_version(&major, &minor, &patch);
			printf("alias-milter %s (libmilter %u.%u.%u)\n",
			    ALIAS_MILTER_VERSION, major, minor, patch);
			return 0;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage();
		}
	}
	if (optind != argc || o.mapbase == NULL || o.conn == NULL ||
	    o.mapbase[0] == '\0' || (o.stats != NULL && o.stats[0] == '\0') ||
	    (o.pidfile != NULL && o.pidfile[0] == '\0') ||
	    (o.logfile != NULL && o.logfile[0] == '\0'))
		return usage();

	if (o.foreground)
		log_stamp_stderr();
	if (o.logfile != NULL && (rc = daemon_log_file(o.logfile)) != 0)
		goto done;
	if ((rc = setup_paths(&o, &rt)) != 0)
		goto done;
	if (o.user != NULL && (rc = daemon_lookup_user(o.user, &rt.user)) != 0)
		goto done;
	if ((rc = daemon_stats_dir(rt.statspath, &rt.user)) != 0)
		goto done;
	if (rt.user.set && log_file_owner(rt.user.uid) == -1)
		log_warn("-L %s: chown to %s", o.logfile, rt.user.name);

	config.learn = o.learn;
	if ((rc = daemon_open_data(rt.mapbase, rt.statspath,
	    "every recipient gets 451", &config.mv, &config.stats)) != 0)
		goto done;
	if (milter_register(&config) == -1) {
		rc = EX_SOFTWARE;
		goto done;
	}
	if ((rc = open_socket(&rt)) != 0)
		goto done;
	if (rt.user.set &&
	    (rc = daemon_chown_stats(rt.statspath, &rt.user)) != 0)
		goto done;

	if ((rc = daemon_start(&rt.detach, &rt.pidfile, &rt.user, o.foreground,
	    argv[0], 0)) != 0)
		goto done;

	/*
	 * Block the stop signals before any thread exists, so that only
	 * libmilter's signal thread (which waits for them) receives them.
	 */
	daemon_block_signals(NULL);
	if ((rc = daemon_flusher_start(&fl, config.stats)) != 0)
		goto done;

	log_info("starting: map %s, stats %s, socket %s%s%s%s", rt.mapbase,
	    rt.statspath, rt.conn, o.learn ? ", learn mode" : "",
	    rt.user.set ? ", as user " : "",
	    rt.user.set ? rt.user.name : "");
	daemon_ready(&rt.detach);
	served = 1;
	rc = smfi_main() == MI_SUCCESS ? 0 : EX_OSERR;
	if (rc != 0)
		log_warnx("smfi_main failed");

done:
	daemon_flusher_stop(&fl);
	if (served && milter_quiesce(&config, QUIESCE_MS) == -1) {
		/* A callback may still use them: flush, but free nothing. */
		log_warnx("RCPT callbacks still running after %d ms",
		    QUIESCE_MS);
		if (stats_flush(config.stats, &e) == -1)
			log_warnx("final stats flush: %s", e.msg);
		config.stats = NULL;
		config.mv = NULL;
	}
	rc = daemon_close_data(config.mv, config.stats, rc);
	daemon_socket_remove(&rt.sock);
	daemon_pidfile_remove(&rt.pidfile);
	if (served)
		log_info("stopped");
	runtime_free(&rt);
	return rc;
}
