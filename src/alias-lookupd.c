/*
 * alias-lookupd: main: options, the listening sockets, privileges, the
 * daemon and the stats flusher.  The answers and the poll(2) loop are
 * in lookupd.c, the protocols in sockmap.c, tcptable.c and pdp.c (the
 * policy service), the live map
 * in mapview.c, the counters in stats.c.
 *
 * Startup order (milter-regex's): open everything that needs root (the
 * sockets, the stats file, the pid file), then become the unprivileged
 * user, then serve.  Signals: SIGTERM and SIGINT stop, SIGHUP is logged
 * and ignored (the map is read live); all three are blocked except
 * while the loop waits in ppoll(2), and in the flusher thread always.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <netdb.h>
#include <errno.h>
#include <pwd.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"
#include "listen.h"
#include "log.h"
#include "lookupd.h"
#include "mapview.h"
#include "stats.h"
#include "util.h"

#define ALIAS_LOOKUPD_VERSION	"0.1.0"
#define FD_RESERVE		32	/* descriptors kept for files, logs */
#define MAIL_USER		"postfix"	/* Postfix's daemons' user */

struct options {
	int	 foreground;		/* -d */
	int	 verbose;		/* -v */
	int	 noprop;		/* -E */
	int	 learn;			/* -l */
	const char *user;		/* -u */
	const char *pidfile;		/* -p */
	const char *stats;		/* -S */
	const char *logfile;		/* -L */
	const char *mapbase;		/* -m */
	const char *listen[LOOKUPD_NPROTO];	/* -s, -t, -P */
	long	 maxconn;		/* -c */
	long	 idle;			/* -i, seconds */
	long	 io;			/* -r, seconds */
};

/* One listening socket. */
struct listen_sock {
	const char *spec;		/* as given */
	struct listen_spec ls;		/* parsed (listen.h) */
	int	 proto;
	int	 fd;
	struct daemon_sock unix_sock;	/* for unix: */
};

static const char usage_text[] =
"usage: alias-lookupd [-dElv] [-u USER] [-p PIDFILE] [-S STATS] [-L LOG]\n"
"           [-c MAXCONN] [-i IDLE] [-r TIMEOUT] -m MAP [-s LISTEN] [-t LISTEN]\n"
"           [-P LISTEN]\n"
"\n"
"  -d          stay in the foreground and log to stderr\n"
"  -E          do not append an unmatched subaddress to the targets\n"
"  -l          learn mode for the policy service: refuse nothing, log and\n"
"              count what would be refused\n"
"  -v          log every request and its answer\n"
"  -u USER     run as USER after opening the sockets and the files\n"
"  -p PIDFILE  write the process id to PIDFILE\n"
"  -S STATS    stats file (default DIR/stats/BASE.lookupd.lmdb for -m DIR/BASE)\n"
"  -L LOG      log to the file LOG, not syslog or stderr (reopened after rotation)\n"
"  -c MAXCONN  client connections at most (default 4096)\n"
"  -i IDLE     seconds before an idle connection is closed (default 300)\n"
"  -r TIMEOUT  seconds for a request to arrive and a reply to be read\n"
"              (default 10)\n"
"  -m MAP      map base path: MAP.lmdb and MAP.policy.lmdb (aliasctl compile)\n"
"  -s LISTEN   serve socketmap on LISTEN (below)\n"
"  -t LISTEN   serve tcp_table on LISTEN (below)\n"
"  -P LISTEN   serve Postfix's policy delegation protocol on LISTEN\n"
"              (check_policy_service)\n"
"  -V          print the version and exit\n"
"  -h          print this text\n"
"\n"
LISTEN_HELP;

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t hup_flag;

static int	 usage(void);
static int	 number(const char *, long, long, long *);
static void	 on_signal(int);
static int	 raise_nofile(long *);
static int	 open_unix(struct listen_sock *, const struct daemon_user *);
static int	 open_inet(struct listen_sock *);
static int	 open_listen(struct listen_sock *, const struct daemon_user *);

static int
usage(void)
{
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/* Parses a decimal number in [min, max] into *v.  Returns 0 or -1. */
static int
number(const char *s, long min, long max, long *v)
{
	char	*end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *v < min || *v > max) {
		log_warnx("%s: not a number from %ld to %ld", s, min, max);
		return -1;
	}
	return 0;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hup_flag = 1;
	else
		stop_flag = 1;
}

/*
 * Raises the soft RLIMIT_NOFILE to the hard one and lowers *maxconn to
 * what it allows.  Returns 0, or EX_OSERR.
 */
static int
raise_nofile(long *maxconn)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return EX_OSERR;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE %llu",
			    (unsigned long long)rl.rlim_max);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)*maxconn + FD_RESERVE > rl.rlim_cur) {
		if (rl.rlim_cur <= FD_RESERVE + 1) {
			log_warnx("only %llu file descriptors",
			    (unsigned long long)rl.rlim_cur);
			return EX_OSERR;
		}
		log_warnx("at most %llu connections: the file descriptor "
		    "limit is %llu", (unsigned long long)rl.rlim_cur -
		    FD_RESERVE, (unsigned long long)rl.rlim_cur);
		*maxconn = (long)(rl.rlim_cur - FD_RESERVE);
	}
	return 0;
}

/*
 * A unix socket, mode 0660, owned by the -u user and the group of its
 * directory; a stale socket file is replaced, a live socket is not.
 * Returns 0 or a sysexits code.
 */
static int
open_unix(struct listen_sock *l, const struct daemon_user *u)
{
	struct sockaddr_un sun;
	struct stat st;
	const char *path = l->ls.path;
	mode_t	 old;
	int	 rc;

	if ((rc = daemon_sock_path(&l->unix_sock, l->spec, path)) != 0)
		return rc;
	if (lstat(l->unix_sock.path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("%s: exists and is not a socket",
			    l->unix_sock.path);
			return EX_CANTCREAT;
		}
		if (daemon_socket_in_use(l->unix_sock.path)) {
			log_warnx("%s: socket in use: is another "
			    "alias-lookupd running?", l->unix_sock.path);
			return EX_UNAVAILABLE;
		}
		(void)unlink(l->unix_sock.path);
	}
	if ((l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return EX_OSERR;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, l->unix_sock.path, strlen(l->unix_sock.path));
	old = umask(0777 & ~DAEMON_SOCKET_MODE);
	rc = bind(l->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || listen(l->fd, SOMAXCONN) == -1) {
		log_warn("%s", l->unix_sock.path);
		return EX_OSERR;
	}
	return daemon_socket_perms(&l->unix_sock, u);
}

/*
 * A TCP socket on l->ls: an IPv4 or IPv6 address, or a name resolved in
 * that family.  Returns 0 or a sysexits code.
 */
static int
open_inet(struct listen_sock *l)
{
	struct addrinfo hints, *res = NULL;
	char	 port[8];
	int	 on = 1, gai, rc = EX_OSERR;

	snprintf(port, sizeof(port), "%u", l->ls.port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = l->ls.family == LISTEN_INET6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(l->ls.host, port, &hints, &res)) != 0) {
		log_warnx("%s: %s: %s", l->spec, l->ls.host,
		    gai_strerror(gai));
		return EX_USAGE;
	}
	if ((l->fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol)) == -1) {
		log_warn("socket");
		goto fail;
	}
	(void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(l->fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(l->fd, SOMAXCONN) == -1) {
		log_warn("%s", l->spec);
		goto fail;
	}
	rc = 0;
fail:
	freeaddrinfo(res);
	return rc;
}

static int
open_listen(struct listen_sock *l, const struct daemon_user *u)
{
	if (l->ls.family == LISTEN_UNIX)
		return open_unix(l, u);
	return open_inet(l);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct lookupd_config cfg;
	struct listen_sock ls[LOOKUPD_NPROTO];
	struct daemon_user user;
	struct daemon_pidfile pidfile;
	struct daemon_detach detach;
	struct daemon_flusher fl;
	struct sigaction sa;
	struct passwd *pw;
	struct lookupd *d = NULL;
	struct errbuf e;
	sigset_t waitmask;
	char	*mapbase = NULL, *statspath = NULL;
	static const char optchar[LOOKUPD_NPROTO] = { 's', 't', 'P' };
	int	 ch, i, j, rc, served = 0;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	memset(ls, 0, sizeof(ls));
	memset(&user, 0, sizeof(user));
	memset(&pidfile, 0, sizeof(pidfile));
	memset(&fl, 0, sizeof(fl));
	detach.readyfd = -1;
	for (i = 0; i < LOOKUPD_NPROTO; i++)
		ls[i].fd = -1;
	o.maxconn = LOOKUPD_MAXCONN;
	o.idle = LOOKUPD_IDLE_MS / 1000;
	o.io = LOOKUPD_IO_MS / 1000;
	log_init(argv[0], LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "dElvu:p:S:L:c:i:r:m:s:t:P:Vh")) != -1) {
		switch (ch) {
		case 'd':
			o.foreground = 1;
			break;
		case 'E':
			o.noprop = 1;
			break;
		case 'l':
			o.learn = 1;
			break;
		case 'v':
			o.verbose = 1;
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
		case 'c':
			if (number(optarg, 1, 1000000, &o.maxconn) == -1)
				return usage();
			break;
		case 'i':
			if (number(optarg, 1, 86400, &o.idle) == -1)
				return usage();
			break;
		case 'r':
			if (number(optarg, 1, 3600, &o.io) == -1)
				return usage();
			break;
		case 'm':
			o.mapbase = optarg;
			break;
		case 's':
			o.listen[0] = optarg;
			break;
		case 't':
			o.listen[1] = optarg;
			break;
		case 'P':
			o.listen[LOOKUPD_POLICY] = optarg;
			break;
		case 'V':
			printf("alias-lookupd %s\n", ALIAS_LOOKUPD_VERSION);
			return 0;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage();
		}
	}
	if (optind != argc || o.mapbase == NULL || o.mapbase[0] == '\0' ||
	    (o.listen[0] == NULL && o.listen[1] == NULL &&
	    o.listen[LOOKUPD_POLICY] == NULL) ||
	    (o.stats != NULL && o.stats[0] == '\0') ||
	    (o.pidfile != NULL && o.pidfile[0] == '\0'))
		return usage();
	if (o.learn && o.listen[LOOKUPD_POLICY] == NULL) {
		log_warnx("-l is the policy service's learn mode: it needs -P");
		return usage();
	}
	for (i = 0; i < LOOKUPD_NPROTO; i++) {
		ls[i].spec = o.listen[i];
		if (ls[i].spec != NULL &&
		    listen_parse(ls[i].spec, &ls[i].ls, &e) == -1) {
			log_warnx("-%c %s", optchar[i], e.msg);
			return usage();
		}
	}
	for (i = 0; i < LOOKUPD_NPROTO; i++)
		for (j = i + 1; j < LOOKUPD_NPROTO; j++)
			if (o.listen[i] != NULL && o.listen[j] != NULL &&
			    listen_same(&ls[i].ls, &ls[j].ls)) {
				log_warnx("-%c and -%c name the same socket",
				    optchar[i], optchar[j]);
				return usage();
			}
	if (o.verbose)
		log_init(argv[0], LOG_TO_STDERR, 1);
	if (o.foreground)
		log_stamp_stderr();
	if (o.logfile != NULL && o.logfile[0] == '\0')
		return usage();
	if (o.logfile != NULL && (rc = daemon_log_file(o.logfile)) != 0)
		return rc;

	if ((rc = daemon_map_paths(o.mapbase, o.stats, "lookupd", &mapbase,
	    &statspath)) != 0)
		goto done;
	if (o.pidfile != NULL &&
	    (pidfile.path = daemon_abs_path(o.pidfile)) == NULL) {
		rc = EX_OSERR;
		goto done;
	}
	if (o.user != NULL && (rc = daemon_lookup_user(o.user, &user)) != 0)
		goto done;
	if ((rc = daemon_stats_dir(statspath, &user)) != 0)
		goto done;
	if (user.set && log_file_owner(user.uid) == -1)
		log_warn("-L %s: chown to %s", o.logfile, user.name);
	if ((rc = raise_nofile(&o.maxconn)) != 0)
		goto done;

	if ((rc = daemon_open_data(mapbase, statspath,
	    "every lookup gets a temporary error", &cfg.mv, &cfg.stats)) != 0)
		goto done;
	for (i = 0; i < LOOKUPD_NPROTO; i++) {
		/* optchar[]'s order: LOOKUPD_SOCKMAP, _TCPTABLE, _POLICY. */
		ls[i].proto = i;
		if (ls[i].spec != NULL &&
		    (rc = open_listen(&ls[i], &user)) != 0)
			goto done;
	}
	if (user.set && (rc = daemon_chown_stats(statspath, &user)) != 0)
		goto done;

	if ((rc = daemon_start(&detach, &pidfile, &user, o.foreground, argv[0],
	    o.verbose)) != 0)
		goto done;

	/*
	 * Block the signals before the flusher thread exists (it inherits
	 * the mask); the loop lets them in only inside ppoll(2).
	 */
	daemon_block_signals(&waitmask);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if ((rc = daemon_flusher_start(&fl, cfg.stats)) != 0)
		goto done;

	cfg.propagate = !o.noprop;
	cfg.maxconn = (int)o.maxconn;
	cfg.idle_ms = (int)o.idle * 1000;
	cfg.io_ms = (int)o.io * 1000;
	cfg.verbose = o.verbose;
	cfg.learn = o.learn;
	/*
	 * Looked up before the loop: over loopback TCP only the user of a
	 * lookup's socket tells Postfix's own lookups from a postmap -q.
	 */
	cfg.mail_uid = (uid_t)-1;
	if ((pw = getpwnam(MAIL_USER)) != NULL)
		cfg.mail_uid = pw->pw_uid;
	if ((d = lookupd_new(&cfg)) == NULL) {
		log_warn("server");
		rc = EX_OSERR;
		goto done;
	}
	for (i = 0; i < LOOKUPD_NPROTO; i++) {
		if (ls[i].fd == -1)
			continue;
		if (lookupd_listen(d, ls[i].fd, ls[i].proto) == -1) {
			log_warn("%s", ls[i].spec);
			rc = EX_OSERR;
			goto done;
		}
		ls[i].fd = -1;		/* the server closes it */
	}

	log_info("starting: map %s, stats %s%s%s%s%s%s%s%s, at most %ld "
	    "connections%s%s", mapbase, statspath,
	    o.listen[0] != NULL ? ", socketmap " : "",
	    o.listen[0] != NULL ? o.listen[0] : "",
	    o.listen[1] != NULL ? ", tcp_table " : "",
	    o.listen[1] != NULL ? o.listen[1] : "",
	    o.listen[LOOKUPD_POLICY] != NULL ? ", policy service " : "",
	    o.listen[LOOKUPD_POLICY] != NULL ? o.listen[LOOKUPD_POLICY] : "",
	    o.learn ? " (learn mode: refuses nothing)" : "", o.maxconn,
	    user.set ? ", as user " : "", user.set ? user.name : "");
	daemon_ready(&detach);
	served = 1;
	while ((rc = lookupd_run(d, &stop_flag, &waitmask)) == 1)
		if (hup_flag) {
			hup_flag = 0;
			log_info("SIGHUP ignored: the map is read live, "
			    "nothing to reload");
		}
	rc = rc == 0 ? 0 : EX_OSERR;

done:
	daemon_flusher_stop(&fl);
	lookupd_free(d);
	rc = daemon_close_data(cfg.mv, cfg.stats, rc);
	for (i = 0; i < LOOKUPD_NPROTO; i++) {
		if (ls[i].fd != -1)
			close(ls[i].fd);
		daemon_socket_remove(&ls[i].unix_sock);
		daemon_sock_free(&ls[i].unix_sock);
	}
	daemon_pidfile_remove(&pidfile);
	daemon_pidfile_free(&pidfile);
	daemon_user_free(&user);
	free(mapbase);
	free(statspath);
	if (served)
		log_info("stopped");
	return rc;
}
