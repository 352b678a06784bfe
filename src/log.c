/*
 * log.c: the logging API of log.h.  The only mutable state is set once
 * by log_init() before any thread starts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

static const char *log_name = "aliasctl";
static int log_where = LOG_TO_STDERR;
static int log_verbose;

void
log_init(const char *progname, int where, int verbose)
{
	const char *slash;

	if ((slash = strrchr(progname, '/')) != NULL)
		progname = slash + 1;
	log_name = progname;
	log_where = where;
	log_verbose = verbose;
	if (where == LOG_TO_SYSLOG)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_MAIL);
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
	if (log_where == LOG_TO_SYSLOG) {
		if (with_errno)
			syslog(pri, "%s: %s", buf, strerror(saved));
		else
			syslog(pri, "%s", buf);
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
