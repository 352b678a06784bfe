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
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "mapview.h"
#include "milter.h"
#include "stats.h"
#include "util.h"

#define ALIAS_MILTER_VERSION	"0.1.0"
#define SOCKET_MODE		0660	/* the MTA connects through its group */
#define FLUSH_WARN_EVERY	60	/* seconds between repeated warnings */
#define QUIESCE_MS		5000	/* wait for running RCPT callbacks */

struct options {
	int	 foreground;		/* -d */
	int	 learn;			/* -l */
	const char *user;		/* -u */
	const char *pidfile;		/* -p */
	const char *stats;		/* -S */
	const char *mapbase;		/* -m */
	const char *conn;		/* -s */
};

/* What main() opened and must undo at exit. */
struct runtime {
	char	*mapbase;		/* absolute paths (we chdir to /) */
	char	*statspath;
	char	*pidfile;
	char	*conn;			/* libmilter socket specification */
	char	*sockpath;		/* unix socket path, or NULL */
	dev_t	 sockdev;		/* the socket we created */
	ino_t	 sockino;
	int	 have_sock;
	int	 have_pidfile;
	int	 have_user;
	uid_t	 uid;
	gid_t	 gid;
	char	*username;
	int	 readyfd;		/* pipe to the waiting parent, or -1 */
};

/* The stats flusher thread. */
struct flusher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int	 stop;			/* under mu */
	struct stats *stats;
};

/*
 * The one configuration: options, and the two internally synchronised
 * shared objects (the map switchboard and the stats handle).
 */
static struct milter_config config;

static const char usage_text[] =
"usage: alias-milter [-d] [-l] [-u USER] [-p PIDFILE] [-S STATS] -m MAP -s SOCKET\n"
"\n"
"  -d          stay in the foreground and log to stderr\n"
"  -l          learn mode: refuse nothing, log and count every would-be verdict\n"
"  -u USER     run as USER after opening the socket and the files\n"
"  -p PIDFILE  write the process id to PIDFILE\n"
"  -S STATS    stats file (default MAP" STATS_SUFFIX ")\n"
"  -m MAP      map base path: MAP.lmdb and MAP.policy.lmdb (aliasctl compile)\n"
"  -s SOCKET   unix:/path, local:/path, inet:PORT@HOST or inet6:PORT@HOST\n"
"  -V          print the version and exit\n"
"  -h          print this text\n";

static int	 usage(void);
static char	*abs_path(const char *);
static int	 setup_paths(const struct options *, struct runtime *);
static int	 lookup_user(const char *, struct runtime *);
static int	 socket_in_use(const char *);
static int	 open_socket(struct runtime *);
static int	 chown_stats(const struct runtime *);
static int	 drop_privileges(const struct runtime *);
static int	 daemonize(struct runtime *);
static void	 ready(struct runtime *);
static int	 write_pidfile(struct runtime *);
static void	 remove_pidfile(const struct runtime *);
static void	 remove_socket(const struct runtime *);
static void	*flusher_run(void *);
static int	 flusher_start(struct flusher *, struct stats *);
static void	 flusher_stop(struct flusher *);
static void	 runtime_free(struct runtime *);

static int
usage(void)
{
	fputs(usage_text, stderr);
	return EX_USAGE;
}

/*
 * Returns path made absolute against the current directory (the daemon
 * moves to /), in new memory the caller frees, or NULL.
 */
static char *
abs_path(const char *path)
{
	char	 cwd[PATH_MAX];
	char	*p;

	if (path[0] == '/') {
		if ((p = strdup(path)) == NULL)
			log_warn("strdup");
		return p;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		log_warn("getcwd");
		return NULL;
	}
	if (asprintf(&p, "%s/%s", cwd, path) == -1) {
		log_warn("asprintf");
		return NULL;
	}
	return p;
}

/*
 * Fills the paths of rt from the options: absolute paths, the default
 * stats file, and the socket specification checked and, for a unix
 * socket, made absolute.  Returns 0 or a sysexits code.
 */
static int
setup_paths(const struct options *o, struct runtime *rt)
{
	struct sockaddr_un sun;
	const char *path = NULL;
	char	*stats = NULL;

	if ((rt->mapbase = abs_path(o->mapbase)) == NULL)
		return EX_OSERR;
	if (o->stats == NULL) {
		if (asprintf(&stats, "%s%s", o->mapbase, STATS_SUFFIX) == -1) {
			log_warn("asprintf");
			return EX_OSERR;
		}
		rt->statspath = abs_path(stats);
		free(stats);
	} else
		rt->statspath = abs_path(o->stats);
	if (rt->statspath == NULL)
		return EX_OSERR;
	if (o->pidfile != NULL && (rt->pidfile = abs_path(o->pidfile)) == NULL)
		return EX_OSERR;

	if (strncmp(o->conn, "unix:", 5) == 0)
		path = o->conn + 5;
	else if (strncmp(o->conn, "local:", 6) == 0)
		path = o->conn + 6;
	else if (o->conn[0] == '/')
		path = o->conn;		/* libmilter's bare path form */
	else if (strncmp(o->conn, "inet:", 5) != 0 &&
	    strncmp(o->conn, "inet6:", 6) != 0) {
		log_warnx("%s: socket must be unix:/path, local:/path, "
		    "inet:PORT@HOST or inet6:PORT@HOST", o->conn);
		return EX_USAGE;
	}
	if (path == NULL) {
		if ((rt->conn = strdup(o->conn)) == NULL) {
			log_warn("strdup");
			return EX_OSERR;
		}
		return 0;
	}
	if (path[0] == '\0') {
		log_warnx("%s: empty socket path", o->conn);
		return EX_USAGE;
	}
	if ((rt->sockpath = abs_path(path)) == NULL)
		return EX_OSERR;
	if (strlen(rt->sockpath) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path longer than %zu bytes", rt->sockpath,
		    sizeof(sun.sun_path) - 1);
		return EX_USAGE;
	}
	if (asprintf(&rt->conn, "unix:%s", rt->sockpath) == -1) {
		rt->conn = NULL;
		log_warn("asprintf");
		return EX_OSERR;
	}
	return 0;
}

/* Looks up -u USER.  Returns 0 or EX_NOUSER / EX_OSERR. */
static int
lookup_user(const char *user, struct runtime *rt)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0)
			log_warn("getpwnam %s", user);
		else
			log_warnx("%s: no such user", user);
		return EX_NOUSER;
	}
	if ((rt->username = strdup(pw->pw_name)) == NULL) {
		log_warn("strdup");
		return EX_OSERR;
	}
	rt->uid = pw->pw_uid;
	rt->gid = pw->pw_gid;
	rt->have_user = 1;
	return 0;
}

/*
 * Nonzero when something accepts connections on the unix socket at
 * path: another alias-milter, whose socket must not be taken away.
 */
static int
socket_in_use(const char *path)
{
	struct sockaddr_un sun;
	int	 fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return rc;
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
	struct stat dst, sst;
	char	*dir, *slash;
	mode_t	 old;
	int	 rc;

	if (rt->sockpath != NULL && socket_in_use(rt->sockpath)) {
		log_warnx("%s: socket in use: is another alias-milter running?",
		    rt->sockpath);
		return EX_UNAVAILABLE;
	}
	if (smfi_setconn(rt->conn) != MI_SUCCESS) {
		log_warnx("%s: smfi_setconn failed", rt->conn);
		return EX_USAGE;
	}
	old = umask(rt->sockpath != NULL ? (0777 & ~SOCKET_MODE) : 077);
	rc = smfi_opensocket(1);
	umask(old);
	if (rc != MI_SUCCESS) {
		log_warnx("%s: cannot open the socket (bad specification, "
		    "missing directory, or address in use)", rt->conn);
		return EX_OSERR;
	}
	if (rt->sockpath == NULL)
		return 0;

	if (stat(rt->sockpath, &sst) == -1) {
		log_warn("%s", rt->sockpath);
		return EX_OSERR;
	}
	rt->sockdev = sst.st_dev;
	rt->sockino = sst.st_ino;
	rt->have_sock = 1;
	if ((dir = strdup(rt->sockpath)) == NULL) {
		log_warn("strdup");
		return EX_OSERR;
	}
	slash = strrchr(dir, '/');	/* the path is absolute */
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &dst) == -1) {
		log_warn("%s", dir);
		free(dir);
		return EX_OSERR;
	}
	free(dir);
	if ((sst.st_gid != dst.st_gid ||
	    (rt->have_user && sst.st_uid != rt->uid)) &&
	    chown(rt->sockpath, rt->have_user ? rt->uid : (uid_t)-1,
	    dst.st_gid) == -1)
		log_warn("%s: chown to the group of its directory; the MTA "
		    "may not be able to connect", rt->sockpath);
	if (chmod(rt->sockpath, SOCKET_MODE) == -1)
		log_warn("%s: chmod", rt->sockpath);
	return 0;
}

/*
 * Gives the stats file and its LMDB lock file to the -u user, who
 * writes them from now on.  Returns 0 or EX_OSERR.
 */
static int
chown_stats(const struct runtime *rt)
{
	char	*lock;
	int	 rc = 0;

	if (chown(rt->statspath, rt->uid, rt->gid) == -1) {
		log_warn("%s: chown to %s", rt->statspath, rt->username);
		return EX_OSERR;
	}
	if (asprintf(&lock, "%s-lock", rt->statspath) == -1) {
		log_warn("asprintf");
		return EX_OSERR;
	}
	if (chown(lock, rt->uid, rt->gid) == -1 && errno != ENOENT) {
		log_warn("%s: chown to %s", lock, rt->username);
		rc = EX_OSERR;
	}
	free(lock);
	return rc;
}

/*
 * Becomes the -u user for good: groups, then gid, then uid, and checks
 * that none of the old ids is left.  Returns 0 or EX_OSERR.
 */
static int
drop_privileges(const struct runtime *rt)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	if (geteuid() != 0 && geteuid() == rt->uid && getegid() == rt->gid)
		return 0;	/* already that user: nothing to drop */
	if (initgroups(rt->username, rt->gid) == -1) {
		log_warn("initgroups %s", rt->username);
		return EX_OSERR;
	}
	if (setresgid(rt->gid, rt->gid, rt->gid) == -1) {
		log_warn("setresgid %u", (unsigned)rt->gid);
		return EX_OSERR;
	}
	if (setresuid(rt->uid, rt->uid, rt->uid) == -1) {
		log_warn("setresuid %u", (unsigned)rt->uid);
		return EX_OSERR;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != rt->uid || eu != rt->uid || su != rt->uid ||
	    rg != rt->gid || eg != rt->gid || sg != rt->gid ||
	    (rt->uid != 0 && setuid(0) != -1)) {
		log_warnx("cannot drop privileges to %s", rt->username);
		return EX_OSERR;
	}
	return 0;
}

/*
 * Detaches from the terminal: fork, setsid, chdir /, standard streams
 * to /dev/null.  The parent waits until the child calls ready() (and
 * exits 0) or exits (and then exits with the child's status), so that
 * whoever started us learns whether startup worked.  Returns 0 in the
 * child, or a sysexits code.
 */
static int
daemonize(struct runtime *rt)
{
	pid_t	 pid;
	ssize_t	 n;
	int	 fds[2], fd, status;
	char	 c;

	if (pipe(fds) == -1) {
		log_warn("pipe");
		return EX_OSERR;
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		return EX_OSERR;
	}
	if (pid > 0) {
		close(fds[1]);
		do
			n = read(fds[0], &c, 1);
		while (n == -1 && errno == EINTR);
		if (n == 1 && c == 'r')
			_exit(0);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			continue;
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EX_SOFTWARE);
	}
	close(fds[0]);
	rt->readyfd = fds[1];
	if (setsid() == -1) {
		log_warn("setsid");
		return EX_OSERR;
	}
	if (chdir("/") == -1) {
		log_warn("chdir /");
		return EX_OSERR;
	}
	if ((fd = open("/dev/null", O_RDWR)) == -1) {
		log_warn("/dev/null");
		return EX_OSERR;
	}
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	return 0;
}

/* Tells the waiting parent, if any, that startup worked. */
static void
ready(struct runtime *rt)
{
	char	 c = 'r';

	if (rt->readyfd == -1)
		return;
	while (write(rt->readyfd, &c, 1) == -1 && errno == EINTR)
		continue;
	close(rt->readyfd);
	rt->readyfd = -1;
}

/* Writes our pid to -p PIDFILE, owned by the -u user.  0 or a code. */
static int
write_pidfile(struct runtime *rt)
{
	FILE	*fp;
	int	 fd;

	if (rt->pidfile == NULL)
		return 0;
	if ((fd = open(rt->pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		log_warn("%s", rt->pidfile);
		return EX_CANTCREAT;
	}
	rt->have_pidfile = 1;
	if (rt->have_user && fchown(fd, rt->uid, rt->gid) == -1)
		log_warn("%s: chown to %s", rt->pidfile, rt->username);
	if ((fp = fdopen(fd, "w")) == NULL) {
		log_warn("%s", rt->pidfile);
		close(fd);
		return EX_CANTCREAT;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) == EOF) {
		log_warn("%s", rt->pidfile);
		return EX_IOERR;
	}
	return 0;
}

/*
 * Removes the pid file; after dropping privileges its directory may
 * not let us, so then it is at least emptied (we own the file).
 */
static void
remove_pidfile(const struct runtime *rt)
{
	int	 fd;

	if (!rt->have_pidfile || unlink(rt->pidfile) == 0 || errno == ENOENT)
		return;
	if ((fd = open(rt->pidfile, O_WRONLY | O_TRUNC | O_NOFOLLOW)) != -1)
		close(fd);
	else
		log_warn("%s: cannot remove", rt->pidfile);
}

/* Removes our unix socket, unless another process has replaced it. */
static void
remove_socket(const struct runtime *rt)
{
	struct stat st;

	if (!rt->have_sock || lstat(rt->sockpath, &st) == -1)
		return;
	if (st.st_dev != rt->sockdev || st.st_ino != rt->sockino ||
	    !S_ISSOCK(st.st_mode))
		return;
	if (unlink(rt->sockpath) == -1 && errno != ENOENT)
		log_warn("%s: cannot remove", rt->sockpath);
}

/*
 * The flusher: writes the counted hits to the stats file every second.
 * A failing flush keeps its counts for the next one; it is logged when
 * it starts failing, at most every FLUSH_WARN_EVERY seconds while it
 * goes on, and when it works again.
 */
static void *
flusher_run(void *arg)
{
	struct flusher *f = arg;
	struct errbuf e;
	struct timespec deadline;
	time_t	 now, warned = 0;
	int	 failing = 0;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += 1;
		while (!f->stop && pthread_cond_timedwait(&f->cond, &f->mu,
		    &deadline) == 0)
			continue;
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->mu);
		now = time(NULL);
		if (stats_flush(f->stats, &e) == -1) {
			if (!failing || now - warned >= FLUSH_WARN_EVERY) {
				log_warnx("stats flush: %s", e.msg);
				warned = now;
			}
			failing = 1;
		} else if (failing) {
			log_info("stats flush: working again");
			failing = 0;
		}
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* Starts the flusher.  Returns 0 or EX_OSERR. */
static int
flusher_start(struct flusher *f, struct stats *stats)
{
	pthread_condattr_t ca;
	int	 rc;

	f->stop = 0;
	f->stats = stats;
	if ((rc = pthread_condattr_init(&ca)) != 0 ||
	    (rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&f->cond, &ca)) != 0) {
		errno = rc;
		log_warn("flusher condition variable");
		return EX_OSERR;
	}
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_mutex_init(&f->mu, NULL)) != 0 ||
	    (rc = pthread_create(&f->thread, NULL, flusher_run, f)) != 0) {
		errno = rc;
		log_warn("flusher thread");
		return EX_OSERR;
	}
	return 0;
}

static void
flusher_stop(struct flusher *f)
{
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mu);
}

static void
runtime_free(struct runtime *rt)
{
	free(rt->mapbase);
	free(rt->statspath);
	free(rt->pidfile);
	free(rt->conn);
	free(rt->sockpath);
	free(rt->username);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct runtime rt;
	struct flusher fl;
	struct errbuf e;
	const struct mapview_pair *pair;
	sigset_t sigs;
	unsigned int major, minor, patch;
	int	 ch, rc, served = 0, flushing = 0;

	memset(&o, 0, sizeof(o));
	memset(&rt, 0, sizeof(rt));
	rt.readyfd = -1;
	log_init(argv[0], LOG_TO_STDERR, 0);
	while ((ch = getopt(argc, argv, "dlu:p:S:m:s:Vh")) != -1) {
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
	    (o.pidfile != NULL && o.pidfile[0] == '\0'))
		return usage();

	if ((rc = setup_paths(&o, &rt)) != 0)
		goto done;
	if (o.user != NULL && (rc = lookup_user(o.user, &rt)) != 0)
		goto done;

	config.learn = o.learn;
	if ((config.mv = mapview_new(rt.mapbase)) == NULL) {
		log_warn("map switchboard");
		rc = EX_OSERR;
		goto done;
	}
	/* Say now, not at the first RCPT, whether the map can be read. */
	if ((pair = mapview_get(config.mv)) != NULL)
		mapview_put(config.mv, pair);
	else
		log_warnx("%s.lmdb: no map loaded yet: every recipient gets "
		    "451 until one can be read", rt.mapbase);
	if (stats_open(rt.statspath, &config.stats, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = EX_CANTCREAT;
		goto done;
	}
	if (milter_register(&config) == -1) {
		rc = EX_SOFTWARE;
		goto done;
	}
	if ((rc = open_socket(&rt)) != 0)
		goto done;
	if (rt.have_user && (rc = chown_stats(&rt)) != 0)
		goto done;

	if (!o.foreground) {
		if ((rc = daemonize(&rt)) != 0)
			goto done;
		log_init(argv[0], LOG_TO_SYSLOG, 0);
	}
	if ((rc = write_pidfile(&rt)) != 0)
		goto done;
	if (rt.have_user && (rc = drop_privileges(&rt)) != 0)
		goto done;
	if (!rt.have_user && geteuid() == 0)
		log_warnx("WARNING: running as root: use -u USER to drop "
		    "privileges after opening the socket");

	/*
	 * Block the stop signals before any thread exists, so that only
	 * libmilter's signal thread (which waits for them) receives them.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if ((rc = flusher_start(&fl, config.stats)) != 0)
		goto done;
	flushing = 1;

	log_info("starting: map %s, stats %s, socket %s%s%s%s", rt.mapbase,
	    rt.statspath, rt.conn, o.learn ? ", learn mode" : "",
	    rt.have_user ? ", as user " : "",
	    rt.have_user ? rt.username : "");
	ready(&rt);
	served = 1;
	rc = smfi_main() == MI_SUCCESS ? 0 : EX_OSERR;
	if (rc != 0)
		log_warnx("smfi_main failed");

done:
	if (flushing)
		flusher_stop(&fl);
	if (served && milter_quiesce(&config, QUIESCE_MS) == -1) {
		/* A callback may still use them: flush, but free nothing. */
		log_warnx("RCPT callbacks still running after %d ms",
		    QUIESCE_MS);
		if (stats_flush(config.stats, &e) == -1)
			log_warnx("final stats flush: %s", e.msg);
		config.stats = NULL;
		config.mv = NULL;
	}
	if (config.stats != NULL && stats_flush(config.stats, &e) == -1) {
		log_warnx("final stats flush: %s", e.msg);
		if (rc == 0)
			rc = EX_IOERR;
	}
	stats_close(config.stats);
	if (config.mv != NULL)
		mapview_free(config.mv);
	remove_socket(&rt);
	remove_pidfile(&rt);
	if (served)
		log_info("stopped");
	runtime_free(&rt);
	return rc;
}
