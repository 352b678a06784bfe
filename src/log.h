/*
 * log.h: the one logging API.  In the foreground (the default, and
 * daemons with -d) messages go to stderr prefixed with the program name;
 * log_init(..., LOG_TO_SYSLOG) sends them to syslog, mail facility.
 * The *_errno variants append ": strerror(errno)".  Nothing here exits:
 * only main() decides the exit code.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#define LOG_TO_STDERR	0
#define LOG_TO_SYSLOG	1

void	log_init(const char *progname, int where, int verbose);
const char *log_progname(void);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LOG_H */
