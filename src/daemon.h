/*
 * daemon.h: what alias-milter and alias-lookupd share as daemons:
 * absolute paths, the -u user and dropping privileges to it, unix
 * socket ownership and removal, detaching with a parent that waits for
 * "ready", the pid file, and the stats flusher thread.  Only main()
 * exits: every function returns 0 or a sysexits(3) code, after logging
 * why through log.h.
 *
 * Startup order (milter-regex's): open everything that needs root
 * (sockets, the stats file, the pid file), then daemon_drop_privileges(),
 * then serve.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <sys/types.h>

#include <pthread.h>
#include <signal.h>

struct mapview;
struct stats;

#define DAEMON_SOCKET_MODE	0660	/* the MTA connects through its group */

/* The -u user, looked up before anything is opened. */
struct daemon_user {
	int	 set;			/* -u was given */
	char	*name;			/* ours */
	uid_t	 uid;
	gid_t	 gid;
};

/* A unix socket we created, so that we remove it and nothing else. */
struct daemon_sock {
	char	*path;			/* absolute; ours; NULL for none */
	int	 created;
	dev_t	 dev;
	ino_t	 ino;
};

/* The parent of a detached daemon waits on readyfd (-1: none). */
struct daemon_detach {
	int	 readyfd;
};

struct daemon_pidfile {
	char	*path;			/* absolute; ours; NULL for none */
	int	 written;
};

/* The stats flusher thread (see daemon_flusher_start()). */
struct daemon_flusher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int	 stop;			/* under mu */
	int	 running;
	struct stats *stats;
};

/*
 * Returns path made absolute against the current directory (daemons
 * move to /), in new memory the caller frees, or NULL (logged).
 */
char	*daemon_abs_path(const char *path);

/*
 * Fills *mapbase and *statspath (absolute, new memory): the map base
 * path, and stats or by default the daemon's own file
 * (stats_default_path(): DIR/stats/BASE.DAEMON.lmdb for daemon "milter"
 * or "lookupd").  Returns 0 or EX_OSERR.
 */
int	daemon_map_paths(const char *mapbase, const char *stats,
	    const char *daemon, char **mapbasep, char **statsp);

/*
 * Makes sure the directory of the stats file exists and that the daemon
 * may create files in it once it runs as u: the stats files are its
 * own, and it must be able to start a new one after an administrator
 * removed the old one (to reset the counters).  A missing directory is
 * created (mode 0750, owned by u when set; its parent must exist); an
 * existing one where u could not create files is only warned about.
 * Returns 0, or EX_CANTCREAT (said why).
 */
int	daemon_stats_dir(const char *statspath, const struct daemon_user *u);

/* Looks up user into *u.  Returns 0 or EX_NOUSER / EX_OSERR. */
int	daemon_lookup_user(const char *user, struct daemon_user *u);

/*
 * Sets s->path to path made absolute, for the socket specification
 * spec (in messages).  Returns 0, or EX_USAGE for an empty path or one
 * too long for a unix socket, or EX_OSERR.
 */
int	daemon_sock_path(struct daemon_sock *s, const char *spec,
	    const char *path);

/*
 * Nonzero when something accepts connections on the unix socket at
 * path: another daemon, whose socket must not be taken away.
 */
int	daemon_socket_in_use(const char *path);

/*
 * For a unix socket just created at s->path: records its identity (for
 * daemon_socket_remove()), gives it to u (when set) and to the group of
 * its directory (the MTA's group, as documented) and makes it mode
 * DAEMON_SOCKET_MODE.  Returns 0 or EX_OSERR; a failing chown is only
 * logged.
 */
int	daemon_socket_perms(struct daemon_sock *s, const struct daemon_user *u);

/* Removes our unix socket, unless another process has replaced it. */
void	daemon_socket_remove(const struct daemon_sock *s);

/*
 * Gives the stats file and its LMDB lock file to u, who writes them
 * from now on.  Returns 0 or EX_OSERR.
 */
int	daemon_chown_stats(const char *statspath, const struct daemon_user *u);

/*
 * Becomes u for good: groups (initgroups), then gid, then uid, and
 * checks that none of the old ids is left.  Returns 0 or EX_OSERR.
 */
int	daemon_drop_privileges(const struct daemon_user *u);

/*
 * Detaches from the terminal: fork, setsid, chdir /, standard streams
 * to /dev/null.  The parent waits until the child calls daemon_ready()
 * (and exits 0) or exits (and then exits with the child's status), so
 * that whoever started us learns whether startup worked.  Returns 0 in
 * the child, or a sysexits code.
 */
int	daemon_detach(struct daemon_detach *d);

#define DAEMON_SYSLOG_SOCKET	"/dev/log"

/*
 * Opens the -L log file (path, made absolute) before anything else is
 * logged; see log_to_file().  Returns 0 or EX_CANTCREAT (said why).
 */
int	daemon_log_file(const char *path);

/*
 * The rest of startup once everything that needs root is open: detach
 * unless foreground (then log to syslog as progname, with verbose,
 * unless daemon_log_file() was called; without a syslog socket say so
 * first, on stderr),
 * write the pid file, become u (when set), and warn when that leaves
 * us root.  Returns 0 or a sysexits code.
 */
int	daemon_start(struct daemon_detach *d, struct daemon_pidfile *p,
	    const struct daemon_user *u, int foreground, const char *progname,
	    int verbose);

/* Tells the waiting parent, if any, that startup worked. */
void	daemon_ready(struct daemon_detach *d);

/* Writes our pid to p->path (if set), owned by u.  0 or a code. */
int	daemon_pidfile_write(struct daemon_pidfile *p,
	    const struct daemon_user *u);

/*
 * Removes the pid file; after dropping privileges its directory may
 * not let us, so then it is at least emptied (we own the file).
 */
void	daemon_pidfile_remove(const struct daemon_pidfile *p);

/*
 * Starts a thread that adds the counted hits to the stats file every
 * second (stats_flush()).  A failing flush keeps its counts for the
 * next one; it is logged when it starts failing, at most every minute
 * while it goes on, and when it works again.  Start it with the stop
 * signals blocked, so that it never receives them.  Returns 0 or
 * EX_OSERR.
 */
int	daemon_flusher_start(struct daemon_flusher *f, struct stats *stats);

/* Stops and joins the flusher; a no-op when it is not running. */
void	daemon_flusher_stop(struct daemon_flusher *f);

/*
 * What both daemons serve from: opens the live map of mapbase into *mvp
 * and says now, not at the first request, when it cannot be read yet
 * (nomap: what the daemon answers until then), then the stats file
 * statspath into *statsp.  Returns 0 or a sysexits code (said why); what
 * was opened is for daemon_close_data() either way.
 */
int	daemon_open_data(const char *mapbase, const char *statspath,
	    const char *nomap, struct mapview **mvp, struct stats **statsp);

/*
 * Flushes the counters of stats a last time, closes stats and frees mv
 * (either may be NULL).  Returns rc, or EX_IOERR when rc is 0 and the
 * flush failed (said why).
 */
int	daemon_close_data(struct mapview *mv, struct stats *stats, int rc);

/*
 * Blocks the stop signals (SIGHUP, SIGTERM, SIGINT) in the calling
 * thread, before any other thread exists so that every thread inherits
 * the mask; the old mask goes to *old unless old is NULL.
 */
void	daemon_block_signals(sigset_t *old);

/* Frees what the structures own (NULL members ok). */
void	daemon_user_free(struct daemon_user *u);
void	daemon_sock_free(struct daemon_sock *s);
void	daemon_pidfile_free(struct daemon_pidfile *p);

#endif /* DAEMON_H */
