/*
 * log.c: the logging API of log.h.  The settings are made by
 * log_init() and log_to_file() before any thread starts; the log file's
 * descriptor, which a reopen after rotation replaces, is under a mutex.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const char *log_name = "aliasctl";
static int log_where = LOG_TO_STDERR;
static int log_verbose;

/* The log file (LOG_TO_FILE). */
static char *log_path;
static int log_fd = -1;
static long long log_checked_ms;
static int log_reopen_failed;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

#define LOG_STAMP_BUF	64

static int log_stderr_stamp;

static void	log_file_write(const char *);
static void	log_file_check(void);
static void	log_timestamp(char *, size_t);

void
log_init(const char *progname, int where, int verbose)
{
	const char *slash;

	if ((slash = strrchr(progname, '/')) != NULL)
		progname = slash + 1;
	log_name = progname;
	log_verbose = verbose;
	if (log_fd != -1)
		return;		/* the file stays */
	log_where = where;
	if (where == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

int
log_to_file(const char *path)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		return -1;
	if ((log_path = strdup(path)) == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	log_fd = fd;
	log_where = LOG_TO_FILE;
	log_checked_ms = now_ms();
	return 0;
}

int
log_file_owner(uid_t uid)
{
	struct stat st;

	if (log_fd == -1 || fstat(log_fd, &st) == -1 || st.st_uid != 0 ||
	    uid == 0)
		return 0;
	return fchown(log_fd, uid, (gid_t)-1);
}

int
log_has_file(void)
{
	return log_fd != -1;
}

/*
 * Reopens the log file when its name no longer leads to our descriptor
 * (renamed or removed by log rotation), at most every LOG_REOPEN_MS.
 * Called with log_mu held.
 */
static void
log_file_check(void)
{
	struct stat ours, named;
	long long now = now_ms();
	int	 fd;

	if (now - log_checked_ms < LOG_REOPEN_MS)
		return;
	log_checked_ms = now;
	if (fstat(log_fd, &ours) == 0 && stat(log_path, &named) == 0 &&
	    ours.st_dev == named.st_dev && ours.st_ino == named.st_ino)
		return;
	if ((fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1) {
		if (!log_reopen_failed) {
			dprintf(log_fd, "%s: cannot reopen %s: %s; logging "
			    "on here\n", log_name, log_path, strerror(errno));
			log_reopen_failed = 1;
		}
		return;
	}
	log_reopen_failed = 0;
	/* The same descriptor number, now on the new file. */
	(void)dup2(fd, log_fd);
	close(fd);
	(void)fcntl(log_fd, F_SETFD, FD_CLOEXEC);	/* dup2() cleared it */
}

/*
 * The time now, RFC 3339 in local time with milliseconds and the UTC
 * offset, as 2026-12-06T04:35:12.123+01:00, into buf (LOG_STAMP_BUF
 * bytes).
 */
static void
log_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char	 stamp[24], zone[8];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);	/* +0100 */
	snprintf(buf, size, "%s.%03d%.3s:%.2s", stamp,
	    (int)(ts.tv_nsec / 1000000) % 1000, zone, zone + 3);
}

void
log_stamp_stderr(void)
{
	struct stat st;
	unsigned long long dev, ino;
	const char *js = getenv("JOURNAL_STREAM");

	/* systemd's journal stamps the lines itself (systemd.exec(5)). */
	if (js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev ==
	    dev && (unsigned long long)st.st_ino == ino)
		return;
	log_stderr_stamp = 1;
}

/*
 * Writes "TIMESTAMP NAME[PID]: msg" and a newline with one write(2), the
 * timestamp as log_timestamp() writes it.
 */
static void
log_file_write(const char *msg)
{
	char	 line[2304], stamp[LOG_STAMP_BUF];
	int	 n;

	log_timestamp(stamp, sizeof(stamp));
	n = snprintf(line, sizeof(line), "%s %s[%ld]: %s\n", stamp,
	    log_name, (long)getpid(), msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	pthread_mutex_lock(&log_mu);
	log_file_check();
	if (write(log_fd, line, (size_t)n) == -1) {
		/* Nowhere left to say so. */
	}
	pthread_mutex_unlock(&log_mu);
}

const char *
log_progname(void)
{
	return log_name;
}

static void
log_vmsg(int pri, const char *fmt, va_list ap, int with_errno)
{
	char	 buf[2048];
	int	 saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_where == LOG_TO_FILE) {
		if (with_errno) {
			size_t len = strlen(buf);

			snprintf(buf + len, sizeof(buf) - len, ": %s",
			    strerror(saved));
		}
		log_file_write(buf);
	} else if (log_where == LOG_TO_SYSLOG) {
		if (with_errno)
			syslog(pri, "%s: %s", buf, strerror(saved));
		else
			syslog(pri, "%s", buf);
	} else if (log_stderr_stamp) {
		char	 stamp[LOG_STAMP_BUF];

		log_timestamp(stamp, sizeof(stamp));
		if (with_errno)
			fprintf(stderr, "%s %s[%ld]: %s: %s\n", stamp, log_name,
			    (long)getpid(), buf, strerror(saved));
		else
			fprintf(stderr, "%s %s[%ld]: %s\n", stamp, log_name,
			    (long)getpid(), buf);
	} else if (with_errno)
		fprintf(stderr, "%s: %s: %s\n", log_name, buf, strerror(saved));
	else
		fprintf(stderr, "%s: %s\n", log_name, buf);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}
