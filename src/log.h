/*
 * log.h: the one logging API.  In the foreground (the default, and
 * daemons with -d) messages go to stderr prefixed with the program name;
 * log_init(..., LOG_TO_SYSLOG) sends them to syslog, mail facility;
 * log_to_file() to a file, one line each with an RFC 3339 timestamp,
 * reopened when it was renamed or removed (log rotation).
 * The *_errno variants append ": strerror(errno)".  Nothing here exits:
 * only main() decides the exit code.
 */
#ifndef LOG_H
#define LOG_H

#include <sys/types.h>

#include <stdarg.h>

#define LOG_TO_STDERR	0
#define LOG_TO_SYSLOG	1
#define LOG_TO_FILE	2
#define LOG_REOPEN_MS	1000	/* how often the file's name is checked */

void	log_init(const char *progname, int where, int verbose);
const char *log_progname(void);
/*
 * From now on logs to path (created 0640, appended to), whatever
 * log_init() says later.  Call it before threads start and before
 * dropping privileges; a reopen after rotation needs the directory to
 * be writable by the user the program runs as by then, else lines go
 * on to the old file (said once in it).  Returns 0, or -1 (errno).
 */
int	log_to_file(const char *path);
/*
 * From now on, lines on stderr start as the log file's do, with an RFC
 * 3339 timestamp and NAME[PID], unless stderr is systemd's journal,
 * which stamps them itself (a daemon in the foreground, -d).
 */
void	log_stamp_stderr(void);
/*
 * Gives the log file, when root owns it (we created it before dropping
 * privileges), to uid, the user we are about to become, so that it is
 * owned as the files opened after rotation are.  Its group stays.
 * Returns 0, or -1 (errno).
 */
int	log_file_owner(uid_t uid);
/* Nonzero once log_to_file() succeeded. */
int	log_has_file(void);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* LOG_H */
