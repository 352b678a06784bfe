/*
 * postconf.c: Postfix's parameters through postconf(1), and whether they
 * configure a front end that sees the sender (see postconf.h).
 *
 * Postfix's lists are items separated by blanks or commas, and
 * "{ ... }" groups one item with its settings (Postfix 3.0 and later:
 * "check_policy_service { inet:host:port, default_action=DUNNO }",
 * and the same for a milter).  The braces are read as tokens of their
 * own whether or not blanks surround them.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "postconf.h"

#define POSTCONF_OUT_MAX	(1024 * 1024)	/* what we read of postconf */
#define TOKEN_MAX		1024

static const char *const param_names[PC_NPARAM] = {
	"smtpd_milters",
	"smtpd_recipient_restrictions",
	"smtpd_relay_restrictions",
	"smtpd_restriction_classes",
	"virtual_alias_maps"
};

struct tokens {
	const char *p;
	char	 tok[TOKEN_MAX + 1];
};

static int	next_token(struct tokens *);
static enum postconf_front judge(const char *);
static int	run_postconf(const char *, char *, size_t, size_t *,
		    struct errbuf *);

/*
 * Reads the next token of t into t->tok: "{", "}", or a run of other
 * bytes up to a blank, comma or brace (cut at TOKEN_MAX).  Returns 1,
 * or 0 at the end.
 */
static int
next_token(struct tokens *t)
{
	size_t	 n = 0;

	while (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' ||
	    *t->p == ',')
		t->p++;
	if (*t->p == '\0')
		return 0;
	if (*t->p == '{' || *t->p == '}') {
		t->tok[0] = *t->p++;
		t->tok[1] = '\0';
		return 1;
	}
	while (*t->p != '\0' && strchr(" \t\n,{}", *t->p) == NULL) {
		if (n < TOKEN_MAX)
			t->tok[n++] = *t->p;
		t->p++;
	}
	t->tok[n] = '\0';
	return 1;
}

/* One endpoint: ours by its name, else unknown over TCP, else not ours. */
static enum postconf_front
judge(const char *endpoint)
{
	if (strstr(endpoint, "aliasctl") != NULL ||
	    strstr(endpoint, "alias-milter") != NULL ||
	    strstr(endpoint, "alias-lookupd") != NULL)
		return PC_FRONT_YES;
	if (strncmp(endpoint, "inet:", 5) == 0 ||
	    strncmp(endpoint, "inet6:", 6) == 0)
		return PC_FRONT_UNKNOWN;
	return PC_FRONT_NO;
}

enum postconf_front
postconf_front_end(const struct postconf *pc)
{
	static const enum postconf_param lists[] = {
		PC_RECIPIENT_RESTRICTIONS, PC_RELAY_RESTRICTIONS
	};
	struct tokens t;
	enum postconf_front best = PC_FRONT_NO, f;
	size_t	 i;
	int	 depth = 0, want = 0, first = 0;

	/* smtpd_milters: every top-level item, or a group's first. */
	t.p = pc->value[PC_SMTPD_MILTERS] != NULL ?
	    pc->value[PC_SMTPD_MILTERS] : "";
	while (next_token(&t)) {
		if (t.tok[0] == '{' && t.tok[1] == '\0') {
			if (depth++ == 0)
				first = 1;
			continue;
		}
		if (t.tok[0] == '}' && t.tok[1] == '\0') {
			if (depth > 0)
				depth--;
			continue;
		}
		if (depth == 0 || (depth == 1 && first)) {
			first = 0;
			if ((f = judge(t.tok)) == PC_FRONT_YES)
				return f;
			if (f == PC_FRONT_UNKNOWN)
				best = f;
		}
	}
	/* check_policy_service ENDPOINT, or { ENDPOINT, ... }. */
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		t.p = pc->value[lists[i]] != NULL ? pc->value[lists[i]] : "";
		want = 0;
		while (next_token(&t)) {
			if (strcmp(t.tok, "check_policy_service") == 0) {
				want = 1;
				continue;
			}
			if (want && strcmp(t.tok, "{") == 0)
				continue;	/* the endpoint comes next */
			if (want) {
				want = 0;
				if ((f = judge(t.tok)) == PC_FRONT_YES)
					return f;
				if (f == PC_FRONT_UNKNOWN)
					best = f;
			}
		}
	}
	if (pc->value[PC_RESTRICTION_CLASSES] != NULL) {
		t.p = pc->value[PC_RESTRICTION_CLASSES];
		if (next_token(&t))
			best = PC_FRONT_UNKNOWN;
	}
	return best;
}

/*
 * Runs postconf -x -h [-c configdir] with our parameters, its standard
 * output into out (outsize bytes, *outlen of them used), its standard
 * error discarded.  Returns 0, or -1 with the reason in e.
 */
static int
run_postconf(const char *configdir, char *out, size_t outsize,
    size_t *outlen, struct errbuf *e)
{
	const char *argv[8 + PC_NPARAM];
	ssize_t	 n;
	pid_t	 pid;
	int	 fds[2], status, i, a = 0, devnull;

	argv[a++] = "postconf";
	argv[a++] = "-x";
	argv[a++] = "-h";
	if (configdir != NULL) {
		argv[a++] = "-c";
		argv[a++] = configdir;
	}
	for (i = 0; i < PC_NPARAM; i++)
		argv[a++] = param_names[i];
	argv[a] = NULL;
	*outlen = 0;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		errbuf_set(e, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		errbuf_set(e, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* The child: only exec or _exit. */
		if (dup2(fds[1], 1) == -1)
			_exit(127);
		if ((devnull = open("/dev/null", O_WRONLY)) != -1)
			(void)dup2(devnull, 2);
		execvp("postconf", (char *const *)(uintptr_t)argv);
		execv("/usr/sbin/postconf", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		if (*outlen == outsize) {
			n = -2;		/* too much: drain, then fail */
			break;
		}
		n = read(fds[0], out + *outlen, outsize - *outlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*outlen += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			errbuf_set(e, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errbuf_set(e, WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
		    "postconf not found" : "postconf failed");
		return -1;
	}
	if (n != 0) {
		errbuf_set(e, "reading postconf's output failed");
		return -1;
	}
	return 0;
}

int
postconf_read(const char *configdir, struct postconf *pc, struct errbuf *e)
{
	char	*out, *line, *nl;
	size_t	 len;
	int	 i;

	memset(pc, 0, sizeof(*pc));
	if ((out = malloc(POSTCONF_OUT_MAX + 1)) == NULL) {
		errbuf_set(e, "out of memory");
		return -1;
	}
	if (run_postconf(configdir, out, POSTCONF_OUT_MAX, &len, e) == -1)
		goto fail;
	out[len] = '\0';
	/* One line per parameter, in the order asked. */
	line = out;
	for (i = 0; i < PC_NPARAM; i++) {
		if ((nl = strchr(line, '\n')) == NULL) {
			errbuf_set(e, "postconf printed %d values of %d", i,
			    PC_NPARAM);
			goto fail;
		}
		*nl = '\0';
		if ((pc->value[i] = strdup(line)) == NULL) {
			errbuf_set(e, "out of memory");
			goto fail;
		}
		line = nl + 1;
	}
	if (*line != '\0') {
		errbuf_set(e, "postconf printed more than %d values", PC_NPARAM);
		goto fail;
	}
	free(out);
	return 0;
fail:
	free(out);
	postconf_free(pc);
	memset(pc, 0, sizeof(*pc));
	return -1;
}

void
postconf_free(struct postconf *pc)
{
	int	 i;

	if (pc == NULL)
		return;
	for (i = 0; i < PC_NPARAM; i++) {
		free(pc->value[i]);
		pc->value[i] = NULL;
	}
}
