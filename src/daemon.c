/*
 * daemon.c: the parts of a daemon that alias-milter and alias-lookupd
 * share (see daemon.h).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "mapview.h"
#include "stats.h"
#include "util.h"

#define FLUSH_WARN_EVERY	60	/* seconds between repeated warnings */

static void	*flusher_run(void *);
static char	*dir_of(const char *);

/*
 * Returns the directory of the absolute path path ("/" for "/x") in new
 * memory the caller frees, or NULL (logged).
 */
static char *
dir_of(const char *path)
{
	char	*dir, *slash;

	if ((dir = strdup(path)) == NULL) {
		log_warn("strdup");
		return NULL;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	return dir;
}

char *
daemon_abs_path(const char *path)
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

int
daemon_map_paths(const char *mapbase, const char *stats, const char *daemon,
    char **mapbasep, char **statsp)
{
	*statsp = NULL;
	if ((*mapbasep = daemon_abs_path(mapbase)) == NULL)
		return EX_OSERR;
	if (stats == NULL) {
		if ((*statsp = stats_default_path(*mapbasep, daemon)) == NULL)
			log_warn("stats file path");
	} else
		*statsp = daemon_abs_path(stats);
	return *statsp == NULL ? EX_OSERR : 0;
}

int
daemon_stats_dir(const char *statspath, const struct daemon_user *u)
{
	struct stat st;
	char	*dir;
	int	 rc = 0, may;

	if ((dir = dir_of(statspath)) == NULL)
		return EX_CANTCREAT;
	if (stat(dir, &st) == -1 && errno == ENOENT) {
		if (mkdir(dir, 0750) == -1 || stat(dir, &st) == -1) {
			log_warn("%s: cannot create the stats directory", dir);
			rc = EX_CANTCREAT;
			goto out;
		}
		if (u->set && chown(dir, u->uid, u->gid) == -1) {
			log_warn("%s: chown to %s", dir, u->name);
			rc = EX_CANTCREAT;
			goto out;
		}
		log_info("%s: stats directory created", dir);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("%s: not a directory", dir);
		rc = EX_CANTCREAT;
		goto out;
	}
	if (u->set)
		may = (st.st_uid == u->uid && (st.st_mode & S_IWUSR)) ||
		    (st.st_uid != u->uid && st.st_gid == u->gid &&
		    (st.st_mode & S_IWGRP)) || (st.st_mode & S_IWOTH);
	else
		may = access(dir, W_OK) == 0;
	if (!may)
		log_warnx("WARNING: %s: %s may not create files here: after "
		    "the stats file is removed (to reset the counters) "
		    "nothing is counted until a restart; give the directory "
		    "to %s", dir, u->set ? u->name : "this user",
		    u->set ? u->name : "the daemon's user");
out:
	free(dir);
	return rc;
}

int
daemon_lookup_user(const char *user, struct daemon_user *u)
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
	if ((u->name = strdup(pw->pw_name)) == NULL) {
		log_warn("strdup");
		return EX_OSERR;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->set = 1;
	return 0;
}

int
daemon_sock_path(struct daemon_sock *s, const char *spec, const char *path)
{
	struct sockaddr_un sun;

	if (path[0] == '\0') {
		log_warnx("%s: empty socket path", spec);
		return EX_USAGE;
	}
	if ((s->path = daemon_abs_path(path)) == NULL)
		return EX_OSERR;
	if (strlen(s->path) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path longer than %zu bytes", s->path,
		    sizeof(sun.sun_path) - 1);
		return EX_USAGE;
	}
	return 0;
}

int
daemon_socket_in_use(const char *path)
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

int
daemon_socket_perms(struct daemon_sock *s, const struct daemon_user *u)
{
	struct stat dst, sst;
	char	*dir;

	if (stat(s->path, &sst) == -1) {
		log_warn("%s", s->path);
		return EX_OSERR;
	}
	s->dev = sst.st_dev;
	s->ino = sst.st_ino;
	s->created = 1;
	if ((dir = dir_of(s->path)) == NULL)
		return EX_OSERR;
	if (stat(dir, &dst) == -1) {
		log_warn("%s", dir);
		free(dir);
		return EX_OSERR;
	}
	free(dir);
	if ((sst.st_gid != dst.st_gid || (u->set && sst.st_uid != u->uid)) &&
	    chown(s->path, u->set ? u->uid : (uid_t)-1, dst.st_gid) == -1)
		log_warn("%s: chown to the group of its directory; the MTA "
		    "may not be able to connect", s->path);
	if (chmod(s->path, DAEMON_SOCKET_MODE) == -1)
		log_warn("%s: chmod", s->path);
	return 0;
}

void
daemon_socket_remove(const struct daemon_sock *s)
{
	struct stat st;

	if (!s->created || lstat(s->path, &st) == -1)
		return;
	if (st.st_dev != s->dev || st.st_ino != s->ino || !S_ISSOCK(st.st_mode))
		return;
	if (unlink(s->path) == -1 && errno != ENOENT)
		log_warn("%s: cannot remove", s->path);
}

int
daemon_chown_stats(const char *statspath, const struct daemon_user *u)
{
	char	*lock;
	int	 rc = 0;

	if (chown(statspath, u->uid, u->gid) == -1) {
		log_warn("%s: chown to %s", statspath, u->name);
		return EX_OSERR;
	}
	if (asprintf(&lock, "%s-lock", statspath) == -1) {
		log_warn("asprintf");
		return EX_OSERR;
	}
	if (chown(lock, u->uid, u->gid) == -1 && errno != ENOENT) {
		log_warn("%s: chown to %s", lock, u->name);
		rc = EX_OSERR;
	}
	free(lock);
	return rc;
}

int
daemon_drop_privileges(const struct daemon_user *u)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	if (geteuid() != 0 && geteuid() == u->uid && getegid() == u->gid)
		return 0;	/* already that user: nothing to drop */
	if (initgroups(u->name, u->gid) == -1) {
		log_warn("initgroups %s", u->name);
		return EX_OSERR;
	}
	if (setresgid(u->gid, u->gid, u->gid) == -1) {
		log_warn("setresgid %u", (unsigned)u->gid);
		return EX_OSERR;
	}
	if (setresuid(u->uid, u->uid, u->uid) == -1) {
		log_warn("setresuid %u", (unsigned)u->uid);
		return EX_OSERR;
	}
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != u->uid || eu != u->uid || su != u->uid ||
	    rg != u->gid || eg != u->gid || sg != u->gid ||
	    (u->uid != 0 && setuid(0) != -1)) {
		log_warnx("cannot drop privileges to %s", u->name);
		return EX_OSERR;
	}
	return 0;
}

int
daemon_detach(struct daemon_detach *d)
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
	d->readyfd = fds[1];
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

int
daemon_start(struct daemon_detach *d, struct daemon_pidfile *p,
    const struct daemon_user *u, int foreground, const char *progname,
    int verbose)
{
	int	 rc;

	if (!foreground && !log_has_file() && access(DAEMON_SYSLOG_SOCKET,
	    F_OK) == -1)
		log_warnx("WARNING: no syslog socket %s: the log lines are "
		    "lost; run a syslog daemon or use -L FILE",
		    DAEMON_SYSLOG_SOCKET);
	if (!foreground) {
		if ((rc = daemon_detach(d)) != 0)
			return rc;
		log_init(progname, LOG_TO_SYSLOG, verbose);
	}
	if ((rc = daemon_pidfile_write(p, u)) != 0)
		return rc;
	if (u->set && (rc = daemon_drop_privileges(u)) != 0)
		return rc;
	if (!u->set && geteuid() == 0)
		log_warnx("WARNING: running as root: use -u USER to drop "
		    "privileges after opening the socket");
	return 0;
}

void
daemon_ready(struct daemon_detach *d)
{
	char	 c = 'r';

	if (d->readyfd == -1)
		return;
	while (write(d->readyfd, &c, 1) == -1 && errno == EINTR)
		continue;
	close(d->readyfd);
	d->readyfd = -1;
}

int
daemon_pidfile_write(struct daemon_pidfile *p, const struct daemon_user *u)
{
	FILE	*fp;
	int	 fd;

	if (p->path == NULL)
		return 0;
	if ((fd = open(p->path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		log_warn("%s", p->path);
		return EX_CANTCREAT;
	}
	p->written = 1;
	if (u->set && fchown(fd, u->uid, u->gid) == -1)
		log_warn("%s: chown to %s", p->path, u->name);
	if ((fp = fdopen(fd, "w")) == NULL) {
		log_warn("%s", p->path);
		close(fd);
		return EX_CANTCREAT;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) == EOF) {
		log_warn("%s", p->path);
		return EX_IOERR;
	}
	return 0;
}

void
daemon_pidfile_remove(const struct daemon_pidfile *p)
{
	int	 fd;

	if (!p->written || unlink(p->path) == 0 || errno == ENOENT)
		return;
	if ((fd = open(p->path, O_WRONLY | O_TRUNC | O_NOFOLLOW)) != -1)
		close(fd);
	else
		log_warn("%s: cannot remove", p->path);
}

static void *
flusher_run(void *arg)
{
	struct daemon_flusher *f = arg;
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

int
daemon_flusher_start(struct daemon_flusher *f, struct stats *stats)
{
	pthread_condattr_t ca;
	int	 rc;

	f->stop = 0;
	f->running = 0;
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
	f->running = 1;
	return 0;
}

void
daemon_flusher_stop(struct daemon_flusher *f)
{
	if (!f->running)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->mu);
	f->running = 0;
}

void
daemon_user_free(struct daemon_user *u)
{
	free(u->name);
	u->name = NULL;
}

void
daemon_sock_free(struct daemon_sock *s)
{
	free(s->path);
	s->path = NULL;
}

void
daemon_pidfile_free(struct daemon_pidfile *p)
{
	free(p->path);
	p->path = NULL;
}

int
daemon_open_data(const char *mapbase, const char *statspath,
    const char *nomap, struct mapview **mvp, struct stats **statsp)
{
	const struct mapview_pair *pair;
	struct errbuf e;

	*statsp = NULL;
	if ((*mvp = mapview_new(mapbase)) == NULL) {
		log_warn("map switchboard");
		return EX_OSERR;
	}
	if ((pair = mapview_get(*mvp)) != NULL)
		mapview_put(*mvp, pair);
	else
		log_warnx("%s.lmdb: no map loaded yet: %s until one can be "
		    "read", mapbase, nomap);
	if (stats_open(statspath, statsp, &e) == -1) {
		log_warnx("%s", e.msg);
		return EX_CANTCREAT;
	}
	return 0;
}

int
daemon_close_data(struct mapview *mv, struct stats *stats, int rc)
{
	struct errbuf e;

	if (stats != NULL && stats_flush(stats, &e) == -1) {
		log_warnx("final stats flush: %s", e.msg);
		if (rc == 0)
			rc = EX_IOERR;
	}
	stats_close(stats);
	if (mv != NULL)
		mapview_free(mv);
	return rc;
}

void
daemon_block_signals(sigset_t *old)
{
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, old);
}

int
daemon_log_file(const char *path)
{
	char	*abs;
	int	 rc = 0;

	if ((abs = daemon_abs_path(path)) == NULL)
		return EX_OSERR;
	if (log_to_file(abs) == -1) {
		log_warn("-L %s", abs);
		rc = EX_CANTCREAT;
	}
	free(abs);
	return rc;
}
