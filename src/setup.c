/*
 * setup.c: the main.cf settings the alias file needs, and setup
 * postfix, which prints them as postconf -e lines or applies them (see
 * setup.h).  Values are read as main.cf writes them and written back in
 * that form: an element such as $myhostname is expanded only to see
 * which domain it names, and is removed whole when that is a managed
 * domain.
 *
 * Size: about 1,100 lines.  Every rule of what main.cf needs is here
 * once (doctor prints these functions' lines as its fixes), and the
 * plan that setup postfix prints or applies is built from them.  The
 * plan and its apply step (backup, postconf -e, read back, restore)
 * could leave for a file of their own.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "aliasfile.h"
#include "cli.h"
#include "compile.h"
#include "listen.h"
#include "log.h"
#include "postfix.h"
#include "probe.h"
#include "setup.h"
#include "util.h"

#define PLAN_MAX	12
#define WHY_BUF		1024

const char *const setup_domain_params[] = {
	"mydestination", "virtual_mailbox_domains", "relay_domains", NULL
};

/* One parameter to change: old and new value as main.cf writes them. */
struct change {
	const char *name;
	char	*old;
	char	*new;
	char	 why[WHY_BUF];
};

struct plan {
	struct change c[PLAN_MAX];
	size_t	 n;
	char	 same[512];	/* parameters already right, for the note */
};

static void	 spec_postfix(const struct listen_spec *, char *, size_t);
static int	 expand_item(const struct postfix *, const char *item, char *buf,
		    size_t bufsize);
static void	 norm_domain(char *);
static int	 first_name(const char *path, char *buf, size_t bufsize);
static int	 plan_myorigin(struct plan *, const struct postfix *,
		    const struct aliasfile *);
static int	 file_names_domain(const char *path, const struct aliasfile *,
		    char *found, size_t foundsize);
static char	*join(char **items, size_t n);
static int	 is_table(const char *);
static int	 is_expr(const char *);
static int	 push(char ***, size_t *, size_t *, char *);
static int	 plan_param(struct plan *, const struct postfix *,
		    const char *name, const char *want, const char *why);
static void	 plan_free(struct plan *);
static int	 plan_build(struct plan *, const struct postfix *,
		    const struct aliasfile *, const char *mapbase, int lookupd,
		    const char *sock, char **entry);
static int	 plan_list(struct plan *, const struct postfix *,
		    const char *name, int expand, const char *const drop[],
		    size_t ndrop, const char *first, const char *last,
		    int chroot, const char *queue_dir, const char *why);
static int	 plan_non_smtpd(struct plan *, const struct postfix *,
		    const char *entry, int chroot, const char *qd);
static int	 apply(const struct postfix *, struct plan *);
static void	 shell_quote(FILE *, const char *);

int
setup_mailname(char *buf, size_t bufsize)
{
	const char *path = getenv("ALIASCTL_MAILNAME");

	if (path == NULL || path[0] == '\0')
		path = SETUP_MAILNAME;
	return first_name(path, buf, bufsize);
}

/*
 * The first word of the first line of path, normalised, into buf.
 * Returns 1, or 0 when there is none (buf "").
 */
static int
first_name(const char *path, char *buf, size_t bufsize)
{
	FILE	*fp;
	size_t	 lead;

	buf[0] = '\0';
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, (int)bufsize, fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	lead = strspn(buf, " \t");
	memmove(buf, buf + lead, strlen(buf + lead) + 1);
	buf[strcspn(buf, " \t\r\n")] = '\0';
	norm_domain(buf);
	return buf[0] != '\0';
}

int
setup_myorigin(const struct postfix *pf, char *buf, size_t bufsize,
    struct errbuf *e)
{
	char	*v;

	buf[0] = '\0';
	if (postfix_param(pf, "myorigin", 1, &v, e) == -1)
		return -1;
	/* Postfix's rule: a value starting with '/' names a file. */
	if (v[0] == '/')
		first_name(v, buf, bufsize);
	else {
		snprintf(buf, bufsize, "%s", v);
		norm_domain(buf);
	}
	free(v);
	return 0;
}

int
setup_managed(const struct aliasfile *af, const char *name)
{
	char	 buf[512];

	snprintf(buf, sizeof(buf), "%s", name);
	norm_domain(buf);
	return buf[0] != '\0' && af_find_domain(af, buf) >= 0;
}

/* Lowercase, without one trailing dot: as the alias file's domains. */
static void
norm_domain(char *s)
{
	size_t	 len;

	for (len = 0; s[len] != '\0'; len++)
		s[len] = (char)tolower((unsigned char)s[len]);
	if (len > 1 && s[len - 1] == '.')
		s[len - 1] = '\0';
}

int
setup_milter_entry(const struct postfix *pf, const char *sock, char **entry)
{
	struct listen_spec ls;
	struct errbuf e;
	const char *path;
	char	*qd = NULL, buf[4096];
	size_t	 qlen;
	int	 chroot, err, rc = EX_CONFIG;

	*entry = NULL;
	if (listen_parse(sock, &ls, &e) == -1) {
		log_warnx("--milter-socket %s", e.msg);
		return EX_USAGE;
	}
	if (ls.family != LISTEN_UNIX) {
		spec_postfix(&ls, buf, sizeof(buf));
		goto done;
	}
	path = ls.path;
	if (path[0] != '/') {
		log_warnx("milter socket '%s': give the socket's full path", sock);
		return EX_USAGE;
	}
	if ((chroot = postfix_smtpd_chroot(pf, &e)) == -1) {
		err = errno;
		if (err == EINVAL) {
			log_warnx("%s: one unix: socket path cannot serve both; "
			    "give alias-milter an inet: socket "
			    "(--milter-socket inet:PORT@127.0.0.1)", e.msg);
			return EX_CONFIG;
		}
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	if (!chroot) {
		snprintf(buf, sizeof(buf), "unix:%s", path);
		goto done;
	}
	if (postfix_param(pf, "queue_directory", 1, &qd, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	qlen = strlen(qd);
	while (qlen > 1 && qd[qlen - 1] == '/')
		qd[--qlen] = '\0';
	if (strncmp(path, qd, qlen) != 0 || path[qlen] != '/') {
		log_warnx("smtpd runs chrooted to %s (master.cf), where %s "
		    "cannot be reached: put alias-milter's socket under %s", qd,
		    path, qd);
		goto out;
	}
	snprintf(buf, sizeof(buf), "unix:%s", path + qlen);
done:
	if ((*entry = strdup(buf)) == NULL) {
		log_warnx("out of memory");
		rc = EX_OSERR;
		goto out;
	}
	rc = 0;
out:
	free(qd);
	return rc;
}

int
setup_milter_resolve(const char *entry, int chroot, const char *queue_dir,
    char *buf, size_t bufsize)
{
	struct listen_spec ls;
	struct errbuf e;
	char	 one[4096];
	const char *path;
	size_t	 len;

	/* "{ inet:host:port, connect_timeout=10s }": the first word. */
	while (*entry == '{' || isspace((unsigned char)*entry))
		entry++;
	snprintf(one, sizeof(one), "%s", entry);
	one[strcspn(one, ", \t}")] = '\0';
	/* Postfix's inet:HOST:PORT and libmilter's forms alike. */
	if (one[0] == '/' || listen_parse(one, &ls, &e) == -1)
		return -1;
	if (ls.family != LISTEN_UNIX) {
		spec_postfix(&ls, buf, bufsize);
		return 0;
	}
	path = ls.path;
	/* Postfix daemons chdir to queue_directory, and chroot there. */
	if (chroot || path[0] != '/') {
		len = strlen(queue_dir);
		while (len > 1 && queue_dir[len - 1] == '/')
			len--;
		snprintf(buf, bufsize, "unix:%.*s%s%s", (int)len, queue_dir,
		    path[0] == '/' ? "" : "/", path);
	} else
		snprintf(buf, bufsize, "unix:%s", path);
	return 0;
}

/* A TCP socket as Postfix names it: inet:HOST:PORT, inet:[IPV6]:PORT. */
static void
spec_postfix(const struct listen_spec *ls, char *buf, size_t bufsize)
{
	snprintf(buf, bufsize, ls->family == LISTEN_INET6 ? "inet:[%s]:%u" :
	    "inet:%s:%u", ls->host, ls->port);
}

/*
 * Expands $name, ${name} and $(name) in item with postconf -x -h into
 * buf.  Returns 0, 1 when item has a form we do not expand (buf holds
 * item), or -1 (said why) when postconf fails.
 */
static int
expand_item(const struct postfix *pf, const char *item, char *buf,
    size_t bufsize)
{
	struct errbuf e;
	const char *p = item, *end;
	char	 name[128], *val;
	size_t	 len = 0, n;
	char	 close;

	buf[0] = '\0';
	while (*p != '\0') {
		if (*p != '$') {
			if (len + 1 < bufsize) {
				buf[len++] = *p;
				buf[len] = '\0';
			}
			p++;
			continue;
		}
		p++;
		close = *p == '{' ? '}' : *p == '(' ? ')' : '\0';
		if (close)
			p++;
		for (end = p; isalnum((unsigned char)*end) || *end == '_';
		    end++)
			;
		n = (size_t)(end - p);
		if (n == 0 || n >= sizeof(name) || (close && *end != close)) {
			snprintf(buf, bufsize, "%s", item);
			return 1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		p = end + (close ? 1 : 0);
		if (postfix_param(pf, name, 1, &val, &e) == -1) {
			log_warnx("%s", e.msg);
			return -1;
		}
		snprintf(buf + len, bufsize - len, "%s", val);
		len = strlen(buf);
		free(val);
	}
	return 0;
}

/*
 * Whether the file at path (a list of domains, as main.cf may name one)
 * names a managed domain: 1 with it in found, 0 not (or unreadable).
 */
static int
file_names_domain(const char *path, const struct aliasfile *af, char *found,
    size_t foundsize)
{
	FILE	*fp;
	char	*line = NULL, *word, *save;
	size_t	 size = 0;
	int	 r = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	/* Words separated by commas and white space; # to the line's end. */
	while (r == 0 && getline(&line, &size, fp) != -1) {
		line[strcspn(line, "#")] = '\0';
		for (word = strtok_r(line, ", \t\r\n", &save); word != NULL;
		    word = strtok_r(NULL, ", \t\r\n", &save)) {
			norm_domain(word);
			if (af_find_domain(af, word) >= 0) {
				snprintf(found, foundsize, "%s", word);
				r = 1;
				break;
			}
		}
	}
	free(line);
	fclose(fp);
	return r;
}

/* The items joined by ", " (new memory), or NULL when out of memory. */
static char *
join(char **items, size_t n)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < n; i++)
		len += strlen(items[i]) + 2;
	if ((s = malloc(len)) == NULL)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, items[i]);
	}
	return s;
}

/*
 * Whether item is a table, "type:name": a type of letters, digits, '_'
 * and '-', then a non-empty name.  Only these are given to postmap.
 */
static int
is_table(const char *item)
{
	const char *p;

	for (p = item; isalnum((unsigned char)*p) || *p == '_' || *p == '-';
	    p++)
		;
	return p != item && *p == ':' && p[1] != '\0';
}

/*
 * Whether item is one of Postfix's expressions, ${name?value},
 * ${name:value} or ${{...} op {...} ? {...} : {...}} (or with "$("):
 * more than a plain ${name}.
 */
static int
is_expr(const char *item)
{
	const char *p;

	if (item[0] != '$' || (item[1] != '{' && item[1] != '('))
		return 0;
	for (p = item + 2; isalnum((unsigned char)*p) || *p == '_'; p++)
		;
	return p == item + 2 || p[0] != (item[1] == '{' ? '}' : ')') ||
	    p[1] != '\0';
}

/* Appends s (new memory, or NULL: out of memory) to *v.  Returns 0/-1. */
static int
push(char ***v, size_t *n, size_t *cap, char *s)
{
	char	**nv;

	if (s == NULL)
		return -1;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((nv = realloc(*v, *cap * sizeof(**v))) == NULL) {
			free(s);
			return -1;
		}
		*v = nv;
	}
	(*v)[(*n)++] = s;
	return 0;
}

int
setup_without_domains(const struct postfix *pf, const struct aliasfile *af,
    const char *param, char **val, char *why, size_t whybufsize)
{
	struct errbuf e;
	char	*raw = NULL, **items = NULL, **out = NULL, **sub = NULL;
	char	*x = NULL, exp[4096], dom[512];
	size_t	 n = 0, nout = 0, cap = 0, nsub = 0, i, j;
	int	 r, err, rc = EX_CONFIG, dropped = 0, managed;

	*val = NULL;
	why[0] = '\0';
	if (postfix_param(pf, param, 0, &raw, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	if (postfix_list_split(raw, &items, &n) == -1)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (items[i][0] == '/') {
			if (file_names_domain(items[i], af, dom, sizeof(dom))) {
				log_warnx("%s names the file %s, which lists "
				    "%s: remove it there", param, items[i],
				    dom);
				goto out;
			}
		} else if (is_expr(items[i])) {
			/*
			 * Postfix decides what it names (Debian's default
			 * relay_domains is one): the expansion counts, and
			 * when that names a managed domain, its other
			 * elements replace it.
			 */
			if (postfix_expand(pf, param, items[i], &x, &e) == -1) {
				err = errno;
				log_warnx("%s", e.msg);
				rc = postfix_sysexit(err);
				goto out;
			}
			if (postfix_list_split(x, &sub, &nsub) == -1)
				goto nomem;
			for (managed = 0, j = 0; j < nsub && !managed; j++) {
				snprintf(dom, sizeof(dom), "%s", sub[j]);
				norm_domain(dom);
				managed = af_find_domain(af, dom) >= 0;
			}
			if (managed) {
				snprintf(why + strlen(why),
				    whybufsize - strlen(why), "%s%s (= %s)",
				    why[0] ? ", " : "", items[i], x);
				dropped = 1;
				for (j = 0; j < nsub; j++) {
					snprintf(dom, sizeof(dom), "%s",
					    sub[j]);
					norm_domain(dom);
					if (af_find_domain(af, dom) < 0 &&
					    push(&out, &nout, &cap,
					    strdup(sub[j])) == -1)
						goto nomem;
				}
			}
			postfix_list_free(sub, nsub);
			sub = NULL;
			nsub = 0;
			free(x);
			x = NULL;
			if (managed)
				continue;
		} else if (is_table(items[i]) &&
		    strchr(items[i], '$') == NULL) {
			for (j = 0; j < af->ndomains; j++) {
				r = postfix_query(pf, af->domains[j].name,
				    items[i], NULL, &e);
				if (r == 1) {
					log_warnx("%s names the table %s, "
					    "which lists %s: remove it there "
					    "and run postmap", param, items[i],
					    af->domains[j].name);
					goto out;
				}
				if (r == -1)
					log_warnx("%s: %s (not checked)",
					    items[i], e.msg);
			}
		} else {
			if ((r = expand_item(pf, items[i], exp,
			    sizeof(exp))) == -1) {
				rc = EX_UNAVAILABLE;
				goto out;
			}
			norm_domain(exp);
			if (af_find_domain(af, exp) >= 0) {
				snprintf(why + strlen(why),
				    whybufsize - strlen(why), "%s%s%s%s%s",
				    why[0] ? ", " : "", items[i],
				    strcmp(items[i], exp) ? " (= " : "",
				    strcmp(items[i], exp) ? exp : "",
				    strcmp(items[i], exp) ? ")" : "");
				dropped = 1;
				continue;
			}
		}
		if (push(&out, &nout, &cap, strdup(items[i])) == -1)
			goto nomem;
	}
	if (dropped && (*val = join(out, nout)) == NULL)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	log_warnx("out of memory");
	rc = EX_OSERR;
out:
	postfix_list_free(sub, nsub);
	postfix_list_free(out, nout);
	postfix_list_free(items, n);
	free(x);
	free(raw);
	return rc;
}

void
setup_delimiter(const struct aliasfile *af, const char *cur, char *buf,
    size_t bufsize)
{
	const char *s;
	size_t	 d, len;

	snprintf(buf, bufsize, "%s", cur);
	for (d = 0; d < af->ndomains; d++)
		for (s = af->domains[d].subaddress; *s != '\0'; s++) {
			len = strlen(buf);
			if (strchr(buf, *s) == NULL && len + 1 < bufsize) {
				buf[len] = *s;
				buf[len + 1] = '\0';
			}
		}
}

/* Writes s single-quoted for sh. */
static void
shell_quote(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s != '\0'; s++)
		if (*s == '\'')
			fputs("'\\''", fp);
		else
			fputc(*s, fp);
	fputc('\'', fp);
}

void
setup_print_line(FILE *fp, const struct postfix *pf, const char *name,
    const char *value)
{
	char	 buf[8192];

	fputs("postconf ", fp);
	if (pf->config != NULL) {
		fputs("-c ", fp);
		shell_quote(fp, pf->config);
		fputc(' ', fp);
	}
	fputs("-e ", fp);
	snprintf(buf, sizeof(buf), "%s = %s", name, value);
	shell_quote(fp, buf);
	fputc('\n', fp);
}

/*
 * Adds name = want to the plan unless main.cf has it already.  Returns
 * 0, or a sysexits code (said why).
 */
static int
plan_param(struct plan *p, const struct postfix *pf, const char *name,
    const char *want, const char *why)
{
	struct errbuf e;
	struct change *c;
	char	*old;
	int	 err;

	if (postfix_param(pf, name, 0, &old, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	if (strcmp(old, want) == 0) {
		snprintf(p->same + strlen(p->same),
		    sizeof(p->same) - strlen(p->same), "%s%s = %s",
		    p->same[0] ? ", " : "", name, want);
		free(old);
		return 0;
	}
	c = &p->c[p->n++];
	c->name = name;
	c->old = old;
	if ((c->new = strdup(want)) == NULL) {
		log_warnx("out of memory");
		return EX_OSERR;
	}
	snprintf(c->why, sizeof(c->why), "%s", why ? why : "");
	return 0;
}

/*
 * A list parameter: main.cf's items (expanded when expand is set)
 * without those that are, or connect to, one of drop (the resolved
 * form when chroot/queue_dir matter, i.e. milters), with first put
 * before and last after them.  Returns as plan_param().
 */
static int
plan_list(struct plan *p, const struct postfix *pf, const char *name,
    int expand, const char *const drop[], size_t ndrop, const char *first,
    const char *last, int chroot, const char *queue_dir, const char *why)
{
	struct errbuf e;
	char	*raw = NULL, **items = NULL, **out = NULL, *want = NULL;
	char	 a[4096], b[4096];
	size_t	 n = 0, i, j, k = 0;
	int	 err, gone, rc = EX_OSERR;

	if (postfix_param(pf, name, expand, &raw, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	if (postfix_list_split(raw, &items, &n) == -1 ||
	    (out = calloc(n + 2, sizeof(*out))) == NULL)
		goto nomem;
	if (first != NULL)
		out[k++] = (char *)(uintptr_t)first;
	for (i = 0; i < n; i++) {
		gone = 0;
		for (j = 0; j < ndrop && !gone; j++) {
			if (strcmp(items[i], drop[j]) == 0)
				gone = 1;
			else if (queue_dir != NULL &&
			    setup_milter_resolve(items[i], chroot, queue_dir,
			    a, sizeof(a)) == 0 &&
			    setup_milter_resolve(drop[j], chroot, queue_dir,
			    b, sizeof(b)) == 0 && strcmp(a, b) == 0)
				gone = 1;
		}
		/* "$virtual_maps", Postfix's default, when it is empty. */
		if (!gone && items[i][0] == '$' && expand_item(pf, items[i],
		    a, sizeof(a)) == 0 && a[0] == '\0')
			gone = 1;
		if (!gone)
			out[k++] = items[i];
	}
	if (last != NULL)
		out[k++] = (char *)(uintptr_t)last;
	if ((want = join(out, k)) == NULL)
		goto nomem;
	/* Unchanged unless the items differ: spacing is main.cf's own. */
	if (k == n) {
		for (i = 0; i < n && strcmp(items[i], out[i]) == 0; i++)
			;
		if (i == n) {
			free(want);
			if ((want = strdup(raw)) == NULL)
				goto nomem;
		}
	}
	if (expand && strcmp(raw, want) == 0) {
		/* Expanded and unchanged: leave main.cf's own form alone. */
		free(raw);
		raw = NULL;
		if (postfix_param(pf, name, 0, &raw, &e) == -1) {
			err = errno;
			log_warnx("%s", e.msg);
			rc = postfix_sysexit(err);
			goto out;
		}
		free(want);
		if ((want = strdup(raw)) == NULL)
			goto nomem;
	}
	rc = plan_param(p, pf, name, want, why);
	goto out;
nomem:
	log_warnx("out of memory");
out:
	free(out);
	postfix_list_free(items, n);
	free(raw);
	free(want);
	return rc;
}

static void
plan_free(struct plan *p)
{
	size_t	 i;

	for (i = 0; i < p->n; i++) {
		free(p->c[i].old);
		free(p->c[i].new);
	}
	p->n = 0;
}

/*
 * non_smtpd_milters, only when it names alias-milter, or names
 * $smtpd_milters, which will: alias-milter decides SMTP recipients, and
 * local submissions have none to refuse.  $smtpd_milters becomes the
 * other milters it names now.  Returns as plan_param().
 */
static int
plan_non_smtpd(struct plan *p, const struct postfix *pf, const char *entry,
    int chroot, const char *qd)
{
	struct errbuf e;
	char	*raw = NULL, *smtpd = NULL, **items = NULL, **sm = NULL;
	char	**out = NULL, *want = NULL, a[4200], b[4200];
	size_t	 n = 0, nsm = 0, i, j, k = 0;
	int	 err, changed = 0, rc = EX_OSERR;

	if (postfix_param(pf, "non_smtpd_milters", 0, &raw, &e) == -1 ||
	    postfix_param(pf, "smtpd_milters", 1, &smtpd, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		rc = postfix_sysexit(err);
		goto out;
	}
	if (setup_milter_resolve(entry, chroot, qd, b, sizeof(b)) == -1)
		b[0] = '\0';
	if (postfix_list_split(raw, &items, &n) == -1 ||
	    postfix_list_split(smtpd, &sm, &nsm) == -1 ||
	    (out = calloc(n + nsm + 1, sizeof(*out))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (strcmp(items[i], "$smtpd_milters") == 0 ||
		    strcmp(items[i], "${smtpd_milters}") == 0 ||
		    strcmp(items[i], "$(smtpd_milters)") == 0) {
			changed = 1;
			for (j = 0; j < nsm; j++)
				if (setup_milter_resolve(sm[j], chroot, qd, a,
				    sizeof(a)) == -1 || strcmp(a, b) != 0)
					out[k++] = sm[j];
			continue;
		}
		if (setup_milter_resolve(items[i], chroot, qd, a,
		    sizeof(a)) == 0 && strcmp(a, b) == 0) {
			changed = 1;
			continue;
		}
		out[k++] = items[i];
	}
	rc = 0;
	if (!changed)
		goto out;
	if ((want = join(out, k)) == NULL)
		goto nomem;
	rc = plan_param(p, pf, "non_smtpd_milters", want, "it named "
	    "alias-milter (or $smtpd_milters, which will): alias-milter "
	    "decides SMTP recipients only");
	goto out;
nomem:
	rc = EX_OSERR;
	log_warnx("out of memory");
out:
	free(out);
	free(want);
	postfix_list_free(items, n);
	postfix_list_free(sm, nsm);
	free(raw);
	free(smtpd);
	return rc;
}

/*
 * myorigin = $myhostname when myorigin names a managed domain: local
 * mail (root, cron, apt) is addressed to @myorigin, which the map alone
 * answers, and bounces.  Returns as plan_param(); EX_CONFIG when
 * myhostname is a managed domain too.
 */
static int
plan_myorigin(struct plan *p, const struct postfix *pf,
    const struct aliasfile *af)
{
	struct errbuf e;
	char	 origin[512], why[WHY_BUF], *host = NULL;
	int	 err, rc;

	if (setup_myorigin(pf, origin, sizeof(origin), &e) == -1 ||
	    postfix_param(pf, "myhostname", 1, &host, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	rc = 0;
	if (!setup_managed(af, origin))
		goto out;
	if (setup_managed(af, host)) {
		log_warnx("myorigin is %s and so is myhostname, a managed "
		    "domain: local mail would be addressed to the alias-only "
		    "domain and bounce; give myhostname this host's own name "
		    "(such as mx.%s), then run setup again", origin, origin);
		rc = EX_CONFIG;
		goto out;
	}
	snprintf(why, sizeof(why), "it is %s, a managed domain: local mail "
	    "(root, cron, apt) would otherwise be addressed to the "
	    "alias-only domain and bounce", origin);
	rc = plan_param(p, pf, "myorigin", "$myhostname", why);
out:
	free(host);
	return rc;
}

/*
 * Every change main.cf needs for the front end (lookupd, or the milter
 * on sock); the milter's entry in *entry (new memory, NULL for lookupd).
 * Returns 0 or a sysexits code (said why).
 */
static int
plan_build(struct plan *p, const struct postfix *pf,
    const struct aliasfile *af, const char *mapbase, int lookupd,
    const char *sock, char **entry)
{
	struct errbuf e;
	char	 lmdb[4200], proxy[4200], delim[64], why[WHY_BUF];
	char	*cur = NULL, *qd = NULL, *val;
	const char *drop[3];
	size_t	 i;
	int	 chroot = 0, err, rc;

	*entry = NULL;
	snprintf(lmdb, sizeof(lmdb), "lmdb:%s", mapbase);
	snprintf(proxy, sizeof(proxy), "proxy:lmdb:%s", mapbase);
	drop[0] = lmdb;
	drop[1] = proxy;
	drop[2] = SETUP_LOOKUPD_TABLE;
	if ((rc = plan_list(p, pf, "virtual_alias_maps", 0, drop, 3,
	    lookupd ? SETUP_LOOKUPD_TABLE : lmdb, NULL, 0, NULL,
	    lookupd ? "alias-lookupd answers on 127.0.0.1:10027" :
	    "Postfix reads the map itself")) != 0)
		return rc;
	if (!lookupd) {
		if (postfix_param(pf, "recipient_delimiter", 0, &cur, &e) ==
		    -1) {
			err = errno;
			log_warnx("%s", e.msg);
			return postfix_sysexit(err);
		}
		setup_delimiter(af, cur, delim, sizeof(delim));
		free(cur);
		cur = NULL;
		if (delim[0] != '\0' && (rc = plan_param(p, pf,
		    "recipient_delimiter", delim, "the subaddress: "
		    "delimiters of every domain, and main.cf's own")) != 0)
			goto out;
		if ((rc = setup_milter_entry(pf, sock, entry)) != 0)
			goto out;
		if ((chroot = postfix_smtpd_chroot(pf, &e)) == -1 ||
		    postfix_param(pf, "queue_directory", 1, &qd, &e) == -1) {
			err = errno;
			log_warnx("%s", e.msg);
			rc = postfix_sysexit(err);
			goto out;
		}
		drop[0] = *entry;
		if ((rc = plan_list(p, pf, "smtpd_milters", 0, drop, 1, NULL,
		    *entry, chroot, qd, chroot ? "smtpd runs chrooted to "
		    "queue_directory (master.cf): the path is relative to it" :
		    "smtpd is not chrooted (master.cf): the full path")) != 0)
			goto out;
		if ((rc = plan_non_smtpd(p, pf, *entry, chroot, qd)) != 0)
			goto out;
		if ((rc = plan_param(p, pf, "milter_default_action",
		    "tempfail", "a milter that does not answer defers mail, "
		    "never lets it in")) != 0 ||
		    (rc = plan_param(p, pf, "milter_protocol", "6", NULL)) != 0)
			goto out;
	}
	for (i = 0; setup_domain_params[i] != NULL; i++) {
		if ((rc = setup_without_domains(pf, af, setup_domain_params[i],
		    &val, why, sizeof(why))) != 0)
			goto out;
		if (val == NULL)
			continue;
		if (postfix_param(pf, setup_domain_params[i], 0, &cur, &e) ==
		    -1) {
			free(val);
			err = errno;
			log_warnx("%s", e.msg);
			rc = postfix_sysexit(err);
			goto out;
		}
		p->c[p->n].name = setup_domain_params[i];
		p->c[p->n].old = cur;
		p->c[p->n].new = val;
		cur = NULL;
		snprintf(p->c[p->n].why, sizeof(p->c[p->n].why),
		    "removed %.900s: the map makes Postfix the final "
		    "destination", why);
		p->n++;
	}
	rc = plan_myorigin(p, pf, af);
out:
	free(cur);
	free(qd);
	return rc;
}

/*
 * Backs main.cf up, applies the plan in one postconf -e, checks that
 * main.cf now reads so, and says what changed.  A failure puts the
 * backup back.  Returns 0 or a sysexits code.
 */
static int
apply(const struct postfix *pf, struct plan *p)
{
	struct errbuf e;
	const char *assign[PLAN_MAX];
	char	*dir = NULL, *now = NULL, backup[4096];
	char	 lines[PLAN_MAX][8192];
	size_t	 i;
	int	 err, rc;

	if (pf->config != NULL)
		dir = strdup(pf->config);
	else if (postfix_param(pf, "config_directory", 0, &dir, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	if (dir == NULL) {
		log_warnx("out of memory");
		return EX_OSERR;
	}
	if ((rc = postfix_backup_main_cf(dir, backup, sizeof(backup))) != 0)
		goto out;
	printf("backup: %s\n", backup);
	for (i = 0; i < p->n; i++) {
		snprintf(lines[i], sizeof(lines[i]), "%s = %s", p->c[i].name,
		    p->c[i].new);
		assign[i] = lines[i];
	}
	if (postfix_set(pf, assign, p->n, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = EX_IOERR;
		goto restore;
	}
	for (i = 0; i < p->n; i++) {
		if (postfix_param(pf, p->c[i].name, 0, &now, &e) == -1) {
			log_warnx("%s", e.msg);
			rc = EX_IOERR;
			goto restore;
		}
		if (strcmp(now, p->c[i].new) != 0) {
			log_warnx("postconf -e '%s' left %s = %s", lines[i],
			    p->c[i].name, now);
			rc = EX_IOERR;
			goto restore;
		}
		free(now);
		now = NULL;
		printf("changed: %s = %s (was: %s)\n", p->c[i].name,
		    p->c[i].new, p->c[i].old[0] ? p->c[i].old : "empty");
	}
	rc = 0;
	goto out;
restore:
	if (postfix_restore_main_cf(dir, backup) == 0)
		log_warnx("%s/main.cf restored from %s: nothing changed", dir,
		    backup);
out:
	free(now);
	free(dir);
	return rc;
}

int
cmd_setup(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"--apply", NULL}, {"--milter", NULL}, {"--lookupd", NULL},
		{"--postfix-config", "a directory"},
		{"--milter-socket", "a socket"}, {NULL, NULL}
	};
	struct cli_args args;
	struct postfix pf = { NULL };
	struct aliasfile *af = NULL;
	struct errbuf e;
	struct plan p;
	struct stat st;
	char	 base[4096], mapfile[4200], *entry = NULL;
	const char *v, *what = NULL, *sock = SETUP_MILTER_SOCKET;
	size_t	 i;
	int	 k, doapply = 0, milter = 0, lookupd = 0, rc;

	memset(&p, 0, sizeof(p));
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		switch (k) {
		case 0:
			doapply = 1;
			break;
		case 1:
			milter = 1;
			break;
		case 2:
			lookupd = 1;
			break;
		case 3:
			pf.config = v;
			break;
		case 4:
			sock = v;
			break;
		case CLI_OPERAND:
			if (what == NULL) {
				what = v;
				break;
			}
			log_warnx("setup: unexpected argument '%s'", v);
			return cli_usage();
		default:
			return cli_usage();
		}
	}
	if (what == NULL || strcmp(what, "postfix") != 0) {
		log_warnx("setup: what to set up? (setup postfix)");
		return cli_usage();
	}
	if (milter && lookupd) {
		log_warnx("setup: --milter or --lookupd, not both");
		return cli_usage();
	}
	if ((rc = cli_load(o, &af)) != 0)
		return rc;
	if ((rc = cli_map_base(o, af->map, base, sizeof(base))) != 0 ||
	    (rc = plan_build(&p, &pf, af, base, lookupd, sock, &entry)) != 0)
		goto out;
	snprintf(mapfile, sizeof(mapfile), "%s%s", base, COMPILE_SUFFIX_MAP);
	printf("# Postfix for %s: %s\n", o->file, lookupd ?
	    "alias-lookupd answers (socketmap on 127.0.0.1:10027)" :
	    "Postfix reads the map, alias-milter decides at RCPT");
	for (i = 0; i < p.n; i++)
		if (p.c[i].why[0] != '\0')
			printf("# %s: %s\n", p.c[i].name, p.c[i].why);
	if (p.same[0] != '\0')
		printf("# already set: %s\n", p.same);
	if (!doapply) {
		for (i = 0; i < p.n; i++)
			setup_print_line(stdout, &pf, p.c[i].name, p.c[i].new);
		if (p.n == 0)
			printf("# nothing to change\n");
		if (!lookupd && stat(mapfile, &st) == -1)
			printf("# %s does not exist yet: run aliasctl compile "
			    "first\n", mapfile);
		rc = cli_flush();
		goto out;
	}
	if (p.n == 0) {
		printf("nothing to change: main.cf has every setting\n");
		rc = cli_flush();
		goto out;
	}
	if (!lookupd && stat(mapfile, &st) == -1) {
		log_warnx("%s: %s: run aliasctl compile first (Postfix would "
		    "defer all mail for a missing map)", mapfile,
		    strerror(errno));
		rc = EX_NOINPUT;
		goto out;
	}
	if ((rc = apply(&pf, &p)) != 0)
		goto out;
	if (postfix_running(&pf) && lookupd)
		printf("Postfix is running: run 'postfix%s%s reload' once "
		    "alias-lookupd answers\n", pf.config ? " -c " : "",
		    pf.config ? pf.config : "");
	else if (postfix_running(&pf)) {
		/* A reload before alias-milter answers defers all mail. */
		if (probe_milter(sock, PROBE_MILTER_MS, &e) == 0)
			printf("Postfix is running and alias-milter answers on "
			    "%s: run 'postfix%s%s reload' now\n", sock,
			    pf.config ? " -c " : "",
			    pf.config ? pf.config : "");
		else
			printf("Postfix is running, but alias-milter does not "
			    "answer on %s (%s): start it, then run "
			    "'postfix%s%s reload'\n", sock, e.msg,
			    pf.config ? " -c " : "",
			    pf.config ? pf.config : "");
	} else
		printf("Postfix is not running: the settings apply when it "
		    "starts\n");
	printf("then check with: aliasctl -f %s doctor%s%s\n", o->file,
	    pf.config ? " --postfix-config " : "", pf.config ? pf.config : "");
	rc = cli_flush();
out:
	free(entry);
	plan_free(&p);
	af_free(af);
	return rc;
}
