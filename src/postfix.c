/*
 * postfix.c: Postfix's configuration through its own tools (see
 * postfix.h), and the backup of main.cf that setup postfix --apply
 * makes before it lets postconf change it.  The commands run without a shell, their output read
 * through pipes with a time limit, so a parameter value never meets a
 * shell and a hung table lookup never hangs aliasctl.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "postfix.h"
#include "util.h"

#define ARGS_MAX	64

static int	 append(char **buf, size_t *len, size_t *cap, const char *p,
		    size_t n);
static char	*trim(char *);
static int	 drain(int outfd, int errfd, char **out, char **err,
		    long long deadline);
static int	 copy_fd(int from, int to);
static enum postfix_front front_judge(const char *);
static int	 postconf_value(const struct postfix *, const char *const *,
		    char **, struct errbuf *);

/* Appends n bytes at p to the growing buffer *buf; -1 out of memory. */
static int
append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	char	*nb;
	size_t	 ncap;

	if (*len + n + 1 > *cap) {
		ncap = *cap ? *cap : 4096;
		while (ncap < *len + n + 1)
			ncap *= 2;
		if ((nb = realloc(*buf, ncap)) == NULL)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/* Trims white space at both ends of s in place; returns s. */
static char *
trim(char *s)
{
	size_t	 len = strlen(s), i = 0;

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, len - i + 1);
	return s;
}

/*
 * Reads both pipes to their end, or until deadline (now_ms()).  Returns
 * 0 with both texts (new memory), -1 with errno (ETIMEDOUT, ENOMEM).
 */
static int
drain(int outfd, int errfd, char **out, char **err, long long deadline)
{
	struct pollfd pfd[2];
	char	 buf[4096];
	size_t	 olen = 0, ocap = 0, elen = 0, ecap = 0;
	ssize_t	 r;
	long long left;
	int	 i, open = 2;

	*out = *err = NULL;
	if (append(out, &olen, &ocap, "", 0) == -1 ||
	    append(err, &elen, &ecap, "", 0) == -1)
		goto nomem;
	pfd[0].fd = outfd;
	pfd[1].fd = errfd;
	pfd[0].events = pfd[1].events = POLLIN;
	while (open > 0) {
		if ((left = deadline - now_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(pfd, 2, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if ((r = read(pfd[i].fd, buf, sizeof(buf))) <= 0) {
				if (r == -1 && errno == EINTR)
					continue;
				pfd[i].fd = -1;
				open--;
				continue;
			}
			/* Only the first 64 KiB of what it says on stderr. */
			if (i == 1 && elen > 65536)
				continue;
			if (append(i == 0 ? out : err, i == 0 ? &olen : &elen,
			    i == 0 ? &ocap : &ecap, buf, (size_t)r) == -1)
				goto nomem;
		}
	}
	return 0;
nomem:
	errno = ENOMEM;
	return -1;
}

int
postfix_run(const struct postfix *pf, const char *prog,
    const char *const args[], char **out, struct errbuf *e)
{
	/* execv(3) takes char *const[] for historical reasons only. */
	union {
		const char **c;
		char	*const *v;
	} cargv;
	const char *argv[ARGS_MAX];
	char	 path[256], *o = NULL, *err = NULL, *nl, *fatal;
	int	 outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, exe[2] = { -1, -1 };
	int	 n = 0, i, status, child_errno = 0, saved, rc = -1;
	pid_t	 pid = -1;
	ssize_t	 r;

	if (out != NULL)
		*out = NULL;
	argv[n++] = prog;
	if (pf->config != NULL) {
		argv[n++] = "-c";
		argv[n++] = pf->config;
	}
	for (i = 0; args[i] != NULL; i++) {
		if (n >= ARGS_MAX - 1) {
			errno = E2BIG;
			return errbuf_set(e, "%s: too many arguments", prog);
		}
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	cargv.c = argv;
	if (pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1 ||
	    pipe2(exe, O_CLOEXEC) == -1) {
		saved = errno;
		errbuf_set(e, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		saved = errno;
		errbuf_set(e, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* The child: no stdin, then exec; the errno goes back. */
		int	 fd = open("/dev/null", O_RDONLY);

		if (fd != -1)
			dup2(fd, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		execvp(prog, cargv.v);
		if (errno == ENOENT) {
			snprintf(path, sizeof(path), "/usr/sbin/%s", prog);
			execv(path, cargv.v);
		}
		child_errno = errno;
		(void)!write(exe[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	close(exe[1]);
	outp[1] = errp[1] = exe[1] = -1;
	while ((r = read(exe[0], &child_errno, sizeof(child_errno))) == -1 &&
	    errno == EINTR)
		;
	if (r == (ssize_t)sizeof(child_errno)) {
		waitpid(pid, &status, 0);
		pid = -1;
		saved = child_errno;
		errbuf_set(e, "%s: %s", prog, saved == ENOENT ?
		    "not found (is Postfix installed?)" : strerror(saved));
		goto fail;
	}
	if (drain(outp[0], errp[0], &o, &err, now_ms() + POSTFIX_RUN_MS)
	    == -1) {
		saved = errno;
		errbuf_set(e, "%s: %s", prog, saved == ETIMEDOUT ?
		    "no answer after 30 seconds" : strerror(saved));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		pid = -1;
		goto fail;
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	pid = -1;
	if (!WIFEXITED(status)) {
		saved = EIO;
		errbuf_set(e, "%s: killed by signal %d", prog,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		goto fail;
	}
	rc = WEXITSTATUS(status);
	if (rc != 0) {
		/* Its fatal: line says why, else its first line. */
		if ((fatal = strstr(err, "fatal: ")) != NULL) {
			while (fatal > err && fatal[-1] != '\n')
				fatal--;
			memmove(err, fatal, strlen(fatal) + 1);
		}
		if ((nl = strchr(err, '\n')) != NULL)
			*nl = '\0';
		errbuf_set(e, "%s", err[0] ? err : "failed");
		if (strncmp(e->msg, prog, strlen(prog)) != 0)
			errbuf_set(e, "%s: %s", prog,
			    err[0] ? err : "failed");
	}
	if (out != NULL) {
		*out = o;
		o = NULL;
	}
	saved = 0;
fail:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	for (i = 0; i < 2; i++) {
		if (outp[i] != -1)
			close(outp[i]);
		if (errp[i] != -1)
			close(errp[i]);
		if (exe[i] != -1)
			close(exe[i]);
	}
	free(o);
	free(err);
	if (rc == -1)
		errno = saved;
	return rc;
}

int
postfix_param(const struct postfix *pf, const char *name, int expand,
    char **val, struct errbuf *e)
{
	const char *args[] = { expand ? "-xh" : "-h", name, NULL };

	return postconf_value(pf, args, val, e);
}

int
postfix_expand(const struct postfix *pf, const char *name, const char *item,
    char **val, struct errbuf *e)
{
	const char *args[] = { "-xh", "-o", NULL, name, NULL };
	char	*o;
	int	 rc;

	*val = NULL;
	if (asprintf(&o, "%s=%s", name, item) == -1) {
		errno = ENOMEM;
		return errbuf_set(e, "out of memory");
	}
	args[2] = o;
	rc = postconf_value(pf, args, val, e);
	free(o);
	return rc;
}

/*
 * Runs postconf with args and keeps its output, trimmed, in *val (ours
 * to free).  Returns 0, or -1 with *val NULL: postconf could not run,
 * or it exited nonzero (errno EINVAL; its error line in e, from
 * postfix_run()).
 */
static int
postconf_value(const struct postfix *pf, const char *const *args,
    char **val, struct errbuf *e)
{
	int	 rc;

	*val = NULL;
	if ((rc = postfix_run(pf, "postconf", args, val, e)) == -1)
		return -1;
	if (rc != 0) {
		free(*val);
		*val = NULL;
		errno = EINVAL;
		return -1;
	}
	trim(*val);
	return 0;
}

int
postfix_smtpd_chroot(const struct postfix *pf, struct errbuf *e)
{
	static const char *const args[] = { "-F", NULL };
	char	*out = NULL, *line, *next, *eq, *svc, *field, *val;
	char	 yes[256] = "", no[256] = "", cur[256] = "", chroot = 0;
	int	 rc, nyes = 0, nno = 0;

	if ((rc = postfix_run(pf, "postconf", args, &out, e)) != 0) {
		free(out);
		if (rc > 0)
			errno = EIO;
		return -1;
	}
	/*
	 * Lines "NAME/TYPE/FIELD = VALUE", the fields of one service
	 * together, chroot before command.
	 */
	for (line = out; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((eq = strstr(line, " = ")) == NULL)
			continue;
		*eq = '\0';
		val = eq + 3;
		svc = line;
		if ((field = strrchr(svc, '/')) == NULL)
			continue;
		*field++ = '\0';
		if (strcmp(field, "chroot") == 0) {
			snprintf(cur, sizeof(cur), "%s", svc);
			chroot = val[0];
		} else if (strcmp(field, "command") == 0 &&
		    strcmp(svc, cur) == 0 &&
		    (strncmp(val, "smtpd", 5) == 0 &&
		    (val[5] == '\0' || isspace((unsigned char)val[5]))) &&
		    (strstr(svc, "/inet") != NULL ||
		    strstr(svc, "/pass") != NULL)) {
			char	*list = chroot == 'y' ? yes : no;

			if (chroot == 'y')
				nyes++;
			else
				nno++;
			if (strlen(list) + strlen(svc) + 3 < sizeof(yes))
				snprintf(list + strlen(list),
				    sizeof(yes) - strlen(list), "%s%s",
				    list[0] ? ", " : "", svc);
		}
	}
	free(out);
	if (nyes > 0 && nno > 0) {
		errno = EINVAL;
		return errbuf_set(e, "master.cf runs smtpd chrooted for %s "
		    "but not for %s", yes, no);
	}
	return nyes > 0;
}

int
postfix_has_type(const struct postfix *pf, const char *type,
    struct errbuf *e)
{
	static const char *const args[] = { "-m", NULL };
	char	*out = NULL, *line, *next;
	int	 rc, found = 0;

	if ((rc = postfix_run(pf, "postconf", args, &out, e)) != 0) {
		free(out);
		if (rc > 0)
			errno = EIO;
		return -1;
	}
	for (line = out; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strcmp(trim(line), type) == 0)
			found = 1;
	}
	free(out);
	return found;
}

int
postfix_query(const struct postfix *pf, const char *key, const char *table,
    char **val, struct errbuf *e)
{
	const char *args[] = { "-q", key, table, NULL };
	char	*out = NULL;
	int	 rc;

	if (val != NULL)
		*val = NULL;
	if ((rc = postfix_run(pf, "postmap", args, &out, e)) == -1)
		return -1;
	if (rc == 0 && val != NULL) {
		*val = trim(out);
		out = NULL;
	}
	free(out);
	if (rc == 0)
		return 1;
	/* postmap exits 1 for "not found", and after a fatal error. */
	if (rc == 1 && strstr(e->msg, "fatal: ") == NULL)
		return 0;
	errno = EIO;
	return -1;
}

int
postfix_set(const struct postfix *pf, const char *const assign[], size_t n,
    struct errbuf *e)
{
	const char *args[ARGS_MAX];
	size_t	 i;
	int	 rc;

	if (n + 2 > ARGS_MAX - 3) {
		errno = E2BIG;
		return errbuf_set(e, "postconf: too many settings");
	}
	args[0] = "-e";
	for (i = 0; i < n; i++)
		args[i + 1] = assign[i];
	args[n + 1] = NULL;
	if ((rc = postfix_run(pf, "postconf", args, NULL, e)) == -1)
		return -1;
	if (rc != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
postfix_sysexit(int err)
{
	return err == ENOENT ? EX_UNAVAILABLE : EX_CONFIG;
}

int
postfix_running(const struct postfix *pf)
{
	static const char *const args[] = { "status", NULL };
	struct errbuf e;

	return postfix_run(pf, "postfix", args, NULL, &e) == 0;
}

/*
 * Past the character at p, or past all of "${...}" or "$(...)" when p
 * starts one: Postfix's ${name?value}, ${name:value} and
 * ${{text} op {text} ? {a} : {b}} hold white space and commas, and are
 * one element of a list.  An unclosed one runs to the end.
 */
static const char *
skip_expr(const char *p)
{
	char	 open, close;
	int	 depth = 0;

	if (p[0] != '$' || (p[1] != '{' && p[1] != '('))
		return p + 1;
	open = p[1];
	close = open == '{' ? '}' : ')';
	for (p++; *p != '\0'; p++) {
		if (*p == open)
			depth++;
		else if (*p == close && --depth == 0)
			return p + 1;
	}
	return p;
}

int
postfix_list_split(const char *value, char ***items, size_t *n)
{
	const char *p = value, *start;
	char	**v = NULL, **nv;
	size_t	 cap = 0;
	int	 depth;

	*items = NULL;
	*n = 0;
	while (*p != '\0') {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		if (*p == '{') {
			for (depth = 0; *p != '\0'; p++) {
				if (*p == '{')
					depth++;
				else if (*p == '}' && --depth == 0) {
					p++;
					break;
				}
			}
		} else
			while (*p != '\0' && *p != ',' &&
			    !isspace((unsigned char)*p))
				p = skip_expr(p);
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[*n] = strndup(start, (size_t)(p - start))) == NULL)
			goto fail;
		(*n)++;
	}
	*items = v;
	return 0;
fail:
	postfix_list_free(v, *n);
	*n = 0;
	return -1;
}

void
postfix_list_free(char **items, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* Copies everything from one fd to the other.  Returns 0, or -1 (errno). */
static int
copy_fd(int from, int to)
{
	char	 buf[65536];
	ssize_t	 r, w, off;

	while ((r = read(from, buf, sizeof(buf))) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off < r; off += w)
			if ((w = write(to, buf + off, (size_t)(r - off))) == -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				return -1;
			}
	}
	return 0;
}

/*
 * Copies DIR/main.cf to DIR/main.cf.aliasctl-YYYYMMDDTHHMMSS (-N when
 * taken), flushed to disk, into path.  Returns 0 or a sysexits code.
 */
int
postfix_backup_main_cf(const char *dir, char *path, size_t pathsize)
{
	struct stat st;
	struct tm tm;
	char	 src[4000], stamp[32];
	time_t	 now = time(NULL);
	int	 in, out = -1, i;

	if ((size_t)snprintf(src, sizeof(src), "%s/main.cf", dir) >=
	    sizeof(src)) {
		log_warnx("%s: path too long", dir);
		return EX_CANTCREAT;
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(in, &st) == -1) {
		log_warn("%s", src);
		if (in != -1)
			close(in);
		return EX_NOINPUT;
	}
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	for (i = 0; i < 100 && out == -1; i++) {
		if (i == 0)
			snprintf(path, pathsize, "%s.aliasctl-%s", src, stamp);
		else
			snprintf(path, pathsize, "%s.aliasctl-%s-%d", src,
			    stamp, i);
		out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    st.st_mode & 0644);
		if (out == -1 && errno != EEXIST)
			break;
	}
	if (out == -1) {
		log_warn("%s", path);
		close(in);
		return EX_CANTCREAT;
	}
	if (copy_fd(in, out) == -1 || fsync(out) == -1) {
		log_warn("%s", path);
		close(in);
		close(out);
		unlink(path);
		return EX_IOERR;
	}
	close(in);
	if (close(out) == -1) {
		log_warn("%s", path);
		unlink(path);
		return EX_IOERR;
	}
	return 0;
}

/*
 * Puts the backup back as DIR/main.cf, by rename of a copy.  Returns 0,
 * or -1 (said why, and where the backup is).
 */
int
postfix_restore_main_cf(const char *dir, const char *backup)
{
	char	 tmp[4096], dst[4096];
	int	 in = -1, out = -1;

	snprintf(dst, sizeof(dst), "%s/main.cf", dir);
	snprintf(tmp, sizeof(tmp), "%s/main.cf.aliasctl-restore.XXXXXX", dir);
	if ((in = open(backup, O_RDONLY | O_CLOEXEC)) == -1 ||
	    (out = mkstemp(tmp)) == -1 || fchmod(out, 0644) == -1 ||
	    copy_fd(in, out) == -1 || fsync(out) == -1 ||
	    close(out) == -1 || (out = -1, rename(tmp, dst) == -1)) {
		log_warn("could not restore %s from %s; copy it back by hand",
		    dst, backup);
		if (out != -1) {
			close(out);
			unlink(tmp);
		}
		if (in != -1)
			close(in);
		return -1;
	}
	close(in);
	return 0;
}

/*
 * One milter or policy endpoint, or a "{ ENDPOINT, settings }" item:
 * ours by its name, else unknown over TCP, else not ours.
 */
static enum postfix_front
front_judge(const char *item)
{
	char	 ep[1024];
	size_t	 n;

	if (*item == '{') {
		item++;
		while (*item == ',' || isspace((unsigned char)*item))
			item++;
	}
	for (n = 0; n < sizeof(ep) - 1 && item[n] != '\0' && item[n] != ',' &&
	    item[n] != '}' && !isspace((unsigned char)item[n]); n++)
		ep[n] = item[n];
	ep[n] = '\0';
	if (strstr(ep, "aliasctl") != NULL ||
	    strstr(ep, "alias-milter") != NULL ||
	    strstr(ep, "alias-lookupd") != NULL)
		return POSTFIX_FRONT_YES;
	if (strncmp(ep, "inet:", 5) == 0 || strncmp(ep, "inet6:", 6) == 0)
		return POSTFIX_FRONT_UNKNOWN;
	return POSTFIX_FRONT_NO;
}

enum postfix_front
postfix_front_end(const char *milters, const char *rcpt, const char *relay,
    const char *classes)
{
	const char *lists[3];
	enum postfix_front best = POSTFIX_FRONT_NO, f;
	char	**items;
	size_t	 n, i, l;

	lists[0] = milters;
	lists[1] = rcpt;
	lists[2] = relay;
	for (l = 0; l < 3; l++) {
		if (postfix_list_split(lists[l] != NULL ? lists[l] : "", &items,
		    &n) == -1)
			return POSTFIX_FRONT_UNKNOWN;
		for (i = 0; i < n; i++) {
			/* Restrictions: only a check_policy_service's item. */
			if (l > 0 && (i == 0 || strcmp(items[i - 1],
			    "check_policy_service") != 0))
				continue;
			if ((f = front_judge(items[i])) == POSTFIX_FRONT_YES) {
				postfix_list_free(items, n);
				return f;
			}
			if (f == POSTFIX_FRONT_UNKNOWN)
				best = f;
		}
		postfix_list_free(items, n);
	}
	if (classes != NULL && classes[strspn(classes, " \t\n,")] != '\0')
		best = POSTFIX_FRONT_UNKNOWN;
	return best;
}
