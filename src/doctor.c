/*
 * doctor.c: aliasctl doctor (see doctor.h).  Reads the live Postfix
 * configuration through postfix.h, expanded as Postfix itself expands
 * it, and checks it against the alias file; the fixes it prints are
 * setup.c's lines, so doctor and setup postfix never disagree.  Checks,
 * in order, each with its stable name:
 *   virtual_alias_maps, domains, myorigin, catch_all,
 *   recipient_delimiter, milter, milter_default_action, map_age,
 *   daily_compile, stats, srs;
 * and with --dns, after them, dnscmd.c's checks of every managed domain:
 *   dns_spf, dns_dmarc, dns_dkim (one per selector), dns_mx,
 * their statuses mapped onto doctor's: ok and warn as they are, fail
 * and missing fail (forged mail gets through), and error (a query that
 * failed) warn, since it says nothing about the configuration.
 *
 * Size: a little over 1,000 lines, one short function per check, all
 * reading the same expanded configuration; split along the checks the
 * shared state would have to become an interface of its own.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "aliasfile.h"
#include "cli.h"
#include "compile.h"
#include "dnscheck.h"
#include "dnscmd.h"
#include "doctor.h"
#include "listen.h"
#include "log.h"
#include "output.h"
#include "postfix.h"
#include "probe.h"
#include "setup.h"
#include "stats.h"
#include "util.h"

enum status { ST_OK, ST_WARN, ST_FAIL };

struct check {
	const char *name;
	enum status status;
	char	 detail[2048];
	char	 fix[4096];	/* lines, "" for none */
};

#define CHECKS_MAX	11

/* What doctor found out once and the checks share. */
struct doctor {
	const struct options *o;
	struct postfix pf;
	struct aliasfile *af;
	const char *sock;		/* --milter-socket */
	char	 base[4096];		/* the map base path */
	char	 mapfile[4200];		/* base.lmdb */
	char	 lmdb[4200];		/* "lmdb:base" */
	char	**vam;			/* virtual_alias_maps, expanded */
	size_t	 nvam;
	int	 lmdb_used;		/* lmdb:MAP is one of them */
	char	 lookupd[512];		/* the lookup daemon's table, or "" */
	char	 lookupd_dead[1024];	/* one like it that did not answer */
	char	 milter[512];		/* alias-milter's smtpd_milters entry */
	char	 milter_addr[4200];	/* where it connects */
	char	*queue_dir;
	int	 chroot;
	char	**local;		/* mydestination, expanded */
	size_t	 nlocal;
	struct check *c;		/* CHECKS_MAX, and the DNS checks */
	size_t	 n;
};

static struct check *add(struct doctor *, const char *name);
static void	 say(struct check *, enum status, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 fix(struct check *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 fix_line(struct doctor *, struct check *, const char *name,
		    const char *value);
static int	 read_list(struct doctor *, const char *name, char ***items,
		    size_t *n);
static const char *unproxy(const char *table);
static int	 in_list(char **items, size_t n, const char *domain);
static void	 check_map(struct doctor *);
static void	 check_domains(struct doctor *);
static void	 check_myorigin(struct doctor *);
static void	 check_catchall(struct doctor *);
static void	 check_delimiter(struct doctor *);
static int	 policy_service(struct doctor *);
static void	 check_milter(struct doctor *);
static void	 check_default_action(struct doctor *);
static void	 check_map_age(struct doctor *);
static void	 check_daily(struct doctor *);
static void	 check_stats(struct doctor *);
static void	 check_stats_one(struct doctor *, struct check *,
		    const char *daemon);
static void	 check_srs(struct doctor *);
static int	 is_srs(const char *);
static void	 add_dns(struct doctor *, const struct dc_result *, size_t n);
static void	 print_text(const struct doctor *);
static void	 print_json(const struct doctor *);

static struct check *
add(struct doctor *d, const char *name)
{
	struct check *c = &d->c[d->n++];

	c->name = name;
	c->status = ST_OK;
	c->detail[0] = c->fix[0] = '\0';
	return c;
}

/* Sets the status (the worst wins) and appends to the detail. */
static void
say(struct check *c, enum status st, const char *fmt, ...)
{
	va_list	 ap;

	if (st > c->status)
		c->status = st;
	va_start(ap, fmt);
	text_vappend(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

/* Appends one line to the fix. */
static void
fix(struct check *c, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len = strlen(c->fix);

	if (len > 0 && len + 1 < sizeof(c->fix))
		c->fix[len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(c->fix + len, sizeof(c->fix) - len, fmt, ap);
	va_end(ap);
}

/* Appends setup.c's postconf -e line for name = value to the fix. */
static void
fix_line(struct doctor *d, struct check *c, const char *name,
    const char *value)
{
	char	*buf = NULL;
	size_t	 size = 0;
	FILE	*fp;

	if ((fp = open_memstream(&buf, &size)) == NULL)
		return;
	setup_print_line(fp, &d->pf, name, value);
	fclose(fp);
	if (size > 0 && buf[size - 1] == '\n')
		buf[size - 1] = '\0';
	fix(c, "%s", buf);
	free(buf);
}

/*
 * Parameter name, expanded, as a list.  Returns 0, or a sysexits code
 * (said why).
 */
static int
read_list(struct doctor *d, const char *name, char ***items, size_t *n)
{
	struct errbuf e;
	char	*val;
	int	 err;

	*items = NULL;
	*n = 0;
	if (postfix_param(&d->pf, name, 1, &val, &e) == -1) {
		err = errno;
		log_warnx("%s", e.msg);
		return postfix_sysexit(err);
	}
	err = postfix_list_split(val, items, n);
	free(val);
	if (err == -1) {
		log_warnx("out of memory");
		return EX_OSERR;
	}
	return 0;
}

/* The table without a proxy: or proxy_write: prefix. */
static const char *
unproxy(const char *table)
{
	if (strncmp(table, "proxy:", 6) == 0)
		return table + 6;
	return table;
}

/* Whether domain (normalised) is one of items, case-folded. */
static int
in_list(char **items, size_t n, const char *domain)
{
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		len = strlen(items[i]);
		if (len > 0 && items[i][len - 1] == '.')
			len--;
		if (len == strlen(domain) &&
		    strncasecmp(items[i], domain, len) == 0)
			return 1;
	}
	return 0;
}

/* a. virtual_alias_maps names this map, or the lookup daemon. */
static void
check_map(struct doctor *d)
{
	struct check *c = add(d, "virtual_alias_maps");
	struct errbuf e;
	const char *t, *dom;
	char	*val;
	size_t	 i;
	int	 r;

	dom = d->af->ndomains > 0 ? d->af->domains[0].name : NULL;
	for (i = 0; i < d->nvam; i++) {
		t = unproxy(d->vam[i]);
		if (strcmp(t, d->lmdb) == 0) {
			d->lmdb_used = 1;
			continue;
		}
		if (strncmp(t, "socketmap:", 10) != 0 &&
		    strncmp(t, "tcp:", 4) != 0)
			continue;
		/*
		 * Ours answers a managed domain with the domain's value; one
		 * that does not answer at all may be ours, stopped.
		 */
		r = dom == NULL ? 0 : postfix_query(&d->pf, dom, t, &val, &e);
		if (r == 1 && strcmp(val, COMPILE_DOMAIN_VALUE) == 0) {
			if (d->lookupd[0] == '\0')
				snprintf(d->lookupd, sizeof(d->lookupd), "%s",
				    t);
		} else if (r == -1 || strstr(t, ":10027") != NULL ||
		    strstr(t, "aliasctl") != NULL ||
		    strstr(t, "lookupd") != NULL)
			snprintf(d->lookupd_dead, sizeof(d->lookupd_dead),
			    "%.400s (%.500s)", t, r == -1 ? e.msg : r == 0 ?
			    "does not know the managed domains" :
			    "answers for another map");
		if (r == 1)
			free(val);
	}
	if (d->lmdb_used) {
		r = postfix_has_type(&d->pf, "lmdb", &e);
		if (r == 0) {
			say(c, ST_FAIL, "%s is used, but postconf -m does "
			    "not list lmdb: Postfix cannot read the map",
			    d->lmdb);
			fix(c, "apt-get install postfix-lmdb");
		} else if (r == -1)
			say(c, ST_WARN, "postconf -m: %s", e.msg);
		else
			say(c, ST_OK, "%s (Postfix reads the map; postconf "
			    "-m lists lmdb)", d->lmdb);
	}
	if (d->lookupd[0] != '\0')
		say(c, ST_OK, "%s answers for the map (alias-lookupd)",
		    d->lookupd);
	if (!d->lmdb_used && d->lookupd[0] == '\0') {
		if (d->lookupd_dead[0] != '\0')
			say(c, ST_FAIL, "%s: is alias-lookupd running?",
			    d->lookupd_dead);
		else
			say(c, ST_FAIL, "names neither %s nor alias-lookupd's "
			    "table: Postfix does not use the alias file",
			    d->lmdb);
		fix(c, "aliasctl -f %s setup postfix --apply%s%s", d->o->file,
		    d->pf.config ? " --postfix-config " : "",
		    d->pf.config ? d->pf.config : "");
	}
}

/* b. No managed domain in mydestination and the other two. */
static void
check_domains(struct doctor *d)
{
	struct check *c = add(d, "domains");
	char	**items, *val, why[1024], mailname[256];
	size_t	 n, i, j;
	int	 rc, any;

	setup_mailname(mailname, sizeof(mailname));
	for (i = 0; setup_domain_params[i] != NULL; i++) {
		const char *p = setup_domain_params[i];

		if (read_list(d, p, &items, &n) != 0) {
			say(c, ST_FAIL, "cannot read %s", p);
			continue;
		}
		any = 0;
		for (j = 0; j < d->af->ndomains; j++) {
			const char *dom = d->af->domains[j].name;

			if (!in_list(items, n, dom))
				continue;
			any = 1;
			if (strcmp(p, "mydestination") == 0 &&
			    strcmp(dom, mailname) == 0)
				say(c, ST_FAIL, "%s is in %s (Debian's installer "
				    "put /etc/mailname there): every system "
				    "user name (root@, nobody@, www-data@) is "
				    "accepted and unknown names get 'User "
				    "unknown in local recipient table'", dom, p);
			else if (strcmp(p, "mydestination") != 0 &&
			    in_list(d->local, d->nlocal, dom))
				/* relay_domains = $mydestination (compat). */
				say(c, ST_FAIL, "%s is in %s through "
				    "mydestination", dom, p);
			else
				say(c, ST_FAIL, "%s is in %s: Postfix delivers "
				    "it %s, not through the map", dom, p,
				    strcmp(p, "relay_domains") == 0 ?
				    "to another server" : "to mailboxes here");
		}
		postfix_list_free(items, n);
		rc = setup_without_domains(&d->pf, d->af, p, &val, why,
		    sizeof(why));
		if (rc == EX_CONFIG) {
			if (!any)
				say(c, ST_FAIL, "a table or file named in %s "
				    "lists a managed domain", p);
			fix(c, "remove the managed domains from the table "
			    "or file that %s names", p);
		} else if (rc != 0)
			say(c, ST_FAIL, "cannot read %s", p);
		else if (val != NULL) {
			fix_line(d, c, p, val);
			free(val);
		}
	}
	if (c->status == ST_OK)
		say(c, ST_OK, "no managed domain in mydestination, "
		    "virtual_mailbox_domains or relay_domains");
}

/*
 * b2. myorigin, the domain of local mail (root, cron, apt), is not a
 * managed domain: the map alone answers there, and such mail bounces,
 * then its bounce to root@ bounces too.
 */
static void
check_myorigin(struct doctor *d)
{
	struct check *c = add(d, "myorigin");
	struct errbuf e;
	char	 origin[512], *raw = NULL, *host = NULL;

	if (setup_myorigin(&d->pf, origin, sizeof(origin), &e) == -1 ||
	    postfix_param(&d->pf, "myorigin", 0, &raw, &e) == -1) {
		say(c, ST_FAIL, "%s", e.msg);
		goto out;
	}
	if (!setup_managed(d->af, origin)) {
		say(c, ST_OK, "local mail is addressed to @%s, not a managed "
		    "domain", origin[0] ? origin : "(none)");
		goto out;
	}
	say(c, ST_FAIL, "myorigin = %s names %s, a managed domain: local "
	    "mail (root, cron, apt) is addressed to @%s, which only the map "
	    "answers, and bounces, and so does its bounce", raw, origin,
	    origin);
	if (postfix_param(&d->pf, "myhostname", 1, &host, &e) == 0 &&
	    setup_managed(d->af, host))
		fix(c, "give myhostname this host's own name (such as mx.%s), "
		    "then:", origin);
	fix_line(d, c, "myorigin", "$myhostname");
out:
	free(raw);
	free(host);
}

/* c. No other table answers @domain, nor the map itself. */
static void
check_catchall(struct doctor *d)
{
	struct check *c = add(d, "catch_all");
	struct errbuf e;
	struct stat st;
	const char *t;
	char	 key[512];
	size_t	 i, j;
	int	 r;

	for (i = 0; i < d->nvam; i++) {
		t = unproxy(d->vam[i]);
		if (strcmp(t, d->lmdb) == 0 || strcmp(t, d->lookupd) == 0)
			continue;
		for (j = 0; j < d->af->ndomains; j++) {
			snprintf(key, sizeof(key), "@%s",
			    d->af->domains[j].name);
			r = postfix_query(&d->pf, key, t, NULL, &e);
			if (r == 1) {
				say(c, ST_FAIL, "the catch-all is still there: "
				    "%s answers %s, so every address at %s is "
				    "accepted", t, key, d->af->domains[j].name);
				fix(c, "remove %s from %s%s", key, t,
				    strncmp(t, "hash:", 5) == 0 ||
				    strncmp(t, "lmdb:", 5) == 0 ||
				    strncmp(t, "cdb:", 4) == 0 ||
				    strncmp(t, "btree:", 6) == 0 ?
				    ", then run postmap on it" : "");
			} else if (r == -1)
				say(c, ST_WARN, "cannot ask %s for %s: %s", t,
				    key, e.msg);
		}
	}
	/* The map itself: aliasctl never writes @domain; check anyway. */
	if (stat(d->mapfile, &st) == 0)
		for (j = 0; j < d->af->ndomains; j++) {
			snprintf(key, sizeof(key), "@%s",
			    d->af->domains[j].name);
			if (postfix_query(&d->pf, key, d->lmdb, NULL, &e) == 1) {
				say(c, ST_FAIL, "%s answers %s", d->lmdb, key);
				fix(c, "aliasctl compile");
			}
		}
	if (c->status == ST_OK)
		say(c, ST_OK, "no table in virtual_alias_maps answers "
		    "@domain for a managed domain");
}

/* d. recipient_delimiter covers every subaddress: delimiter. */
static void
check_delimiter(struct doctor *d)
{
	struct check *c = add(d, "recipient_delimiter");
	struct errbuf e;
	char	*cur, want[64];
	size_t	 i;
	int	 any = 0;

	for (i = 0; i < d->af->ndomains; i++)
		if (d->af->domains[i].subaddress[0] != '\0')
			any = 1;
	if (!any) {
		say(c, ST_OK, "no domain uses subaddress:");
		return;
	}
	if (!d->lmdb_used && d->lookupd[0] != '\0') {
		say(c, ST_OK, "not needed: alias-lookupd splits subaddresses "
		    "itself");
		return;
	}
	if (postfix_param(&d->pf, "recipient_delimiter", 1, &cur, &e) == -1) {
		say(c, ST_FAIL, "%s", e.msg);
		return;
	}
	setup_delimiter(d->af, cur, want, sizeof(want));
	if (strcmp(cur, want) == 0)
		say(c, ST_OK, "'%s' covers every domain's subaddress:", cur);
	else {
		say(c, ST_FAIL, "'%s' does not cover every domain's "
		    "subaddress: ('%s'): Postfix refuses alias+tag@", cur,
		    want);
		free(cur);
		if (postfix_param(&d->pf, "recipient_delimiter", 0, &cur, &e)
		    == -1)
			return;
		setup_delimiter(d->af, cur, want, sizeof(want));
		fix_line(d, c, "recipient_delimiter", want);
	}
	free(cur);
}

/*
 * Nonzero when a check_policy_service of alias-lookupd is in the
 * recipient or relay restrictions (postfix_front_end()'s rule).
 */
static int
policy_service(struct doctor *d)
{
	struct errbuf e;
	char	*rcpt = NULL, *relay = NULL;
	int	 yes = 0;

	if (postfix_param(&d->pf, "smtpd_recipient_restrictions", 1, &rcpt,
	    &e) == 0 && postfix_param(&d->pf, "smtpd_relay_restrictions", 1,
	    &relay, &e) == 0)
		yes = postfix_front_end(NULL, rcpt, relay, NULL) ==
		    POSTFIX_FRONT_YES;
	free(rcpt);
	free(relay);
	return yes;
}

/*
 * e. alias-milter answers where smtpd_milters says.  Finds ours first:
 * the entry setup writes for --milter-socket, or one that names
 * aliasctl or alias-milter.
 */
static void
check_milter(struct doctor *d)
{
	struct check *c = add(d, "milter");
	struct errbuf e;
	char	**items = NULL, *want = NULL, a[4200], b[4200];
	size_t	 n = 0, i;

	if (read_list(d, "smtpd_milters", &items, &n) != 0) {
		say(c, ST_FAIL, "cannot read smtpd_milters");
		return;
	}
	/* setup_milter_entry() says why when it fails; not fatal here. */
	if (setup_milter_entry(&d->pf, d->sock, &want) != 0)
		want = NULL;
	for (i = 0; i < n && d->milter[0] == '\0'; i++) {
		if (setup_milter_resolve(items[i], d->chroot, d->queue_dir, a,
		    sizeof(a)) == -1)
			continue;
		if ((want != NULL && setup_milter_resolve(want, d->chroot,
		    d->queue_dir, b, sizeof(b)) == 0 && strcmp(a, b) == 0) ||
		    strstr(items[i], "aliasctl") != NULL ||
		    strstr(items[i], "alias-milter") != NULL) {
			snprintf(d->milter, sizeof(d->milter), "%s", items[i]);
			snprintf(d->milter_addr, sizeof(d->milter_addr), "%s",
			    a);
		}
	}
	postfix_list_free(items, n);
	if (d->milter[0] == '\0') {
		if (policy_service(d))
			say(c, ST_OK, "not used: alias-lookupd's policy "
			    "service decides (check_policy_service)");
		else if (d->lookupd[0] != '\0' && !d->lmdb_used)
			say(c, ST_OK, "not used: alias-lookupd answers");
		else {
			say(c, ST_WARN, "smtpd_milters names no alias-milter "
			    "(%s): the map refuses unknown and revoked "
			    "aliases, but receive_only, senders: and hit "
			    "counts need alias-milter or alias-lookupd's "
			    "policy service", d->sock);
			fix(c, "aliasctl -f %s setup postfix --apply%s%s%s%s",
			    d->o->file, d->pf.config ? " --postfix-config " : "",
			    d->pf.config ? d->pf.config : "",
			    strcmp(d->sock, SETUP_MILTER_SOCKET) ?
			    " --milter-socket " : "",
			    strcmp(d->sock, SETUP_MILTER_SOCKET) ? d->sock :
			    "");
		}
		free(want);
		return;
	}
	if (probe_milter(d->milter_addr, PROBE_MILTER_MS, &e) == 0)
		say(c, ST_OK, "alias-milter answers on %s%s%s%s", d->milter,
		    strcmp(d->milter, d->milter_addr) ? " (" : "",
		    strcmp(d->milter, d->milter_addr) ? d->milter_addr : "",
		    strcmp(d->milter, d->milter_addr) ? ")" : "");
	else {
		say(c, ST_FAIL, "smtpd_milters names %s, but nothing answers "
		    "a milter negotiation on %s%s (%s): with "
		    "milter_default_action = tempfail all mail is deferred",
		    d->milter, d->milter_addr, d->chroot ?
		    ", in smtpd's chroot" : "", e.msg);
		fix(c, "systemctl start alias-milter (or: alias-milter -u "
		    "aliasctl -m %s -s %s)", d->base, d->sock);
	}
	free(want);
}

/* f. milter_default_action = tempfail when alias-milter is used. */
static void
check_default_action(struct doctor *d)
{
	struct check *c = add(d, "milter_default_action");
	struct errbuf e;
	char	*v;

	if (d->milter[0] == '\0') {
		say(c, ST_OK, "not used: no alias-milter in smtpd_milters");
		return;
	}
	if (postfix_param(&d->pf, "milter_default_action", 1, &v, &e) == -1) {
		say(c, ST_FAIL, "%s", e.msg);
		return;
	}
	if (strcmp(v, "tempfail") == 0)
		say(c, ST_OK, "tempfail: mail waits while alias-milter is down");
	else if (strcmp(v, "accept") == 0)
		say(c, ST_FAIL, "accept: a dead alias-milter would let "
		    "everything in");
	else
		say(c, ST_WARN, "%s: a dead alias-milter makes Postfix %s "
		    "every message, tempfail makes senders retry", v,
		    strcmp(v, "reject") == 0 ? "reject" : "act on");
	if (c->status != ST_OK)
		fix_line(d, c, "milter_default_action", "tempfail");
	free(v);
}

/*
 * g. The map pair is whole and at least as new as the alias file: its
 * last compile or edit (compile_published()).
 */
static void
check_map_age(struct doctor *d)
{
	struct check *c = add(d, "map_age");
	struct stat fst;
	struct timespec mt;
	int	 r;

	if ((r = compile_published(d->base, &mt)) == -1) {
		say(c, ST_FAIL, "%s: %s", d->mapfile, strerror(errno));
		fix(c, "aliasctl compile");
		return;
	}
	if (r == COMPILE_HALF) {
		say(c, ST_FAIL, "%s%s does not belong to %s (a compile or "
		    "edit stopped half-way, or the files were copied "
		    "apart): run aliasctl compile", d->base,
		    COMPILE_SUFFIX_POLICY, d->mapfile);
		fix(c, "aliasctl compile");
		return;
	}
	if (stat(d->o->file, &fst) == -1) {
		say(c, ST_FAIL, "%s: %s", d->o->file, strerror(errno));
		return;
	}
	if (mt.tv_sec < fst.st_mtim.tv_sec ||
	    (mt.tv_sec == fst.st_mtim.tv_sec &&
	    mt.tv_nsec < fst.st_mtim.tv_nsec)) {
		say(c, ST_FAIL, "%s is older than %s: edited but not "
		    "compiled: run aliasctl compile", d->mapfile, d->o->file);
		fix(c, "aliasctl compile");
	} else
		say(c, ST_OK, "%s is not older than %s", d->mapfile,
		    d->o->file);
}

/*
 * h. With expires:, the map was compiled today.  compile_map() always
 * writes a new file and renames it, also when nothing changed, and an
 * edit that changes the map in place (update.c) does so only on the day
 * of the last compile: the map file's mtime is the day expiry was last
 * applied.
 */
static void
check_daily(struct doctor *d)
{
	struct check *c = add(d, "daily_compile");
	struct stat st;
	struct tm tm;
	char	 day[DATE_BUF];
	size_t	 i, n = 0;
	int32_t	 today = date_today(), mday;

	for (i = 0; i < d->af->naliases; i++)
		if (d->af->aliases[i].expires != DATE_NONE &&
		    !(d->af->aliases[i].flags & AF_REVOKED))
			n++;
	if (n == 0) {
		say(c, ST_OK, "no alias uses expires:");
		return;
	}
	if (stat(d->mapfile, &st) == -1) {
		say(c, ST_FAIL, "%s: %s", d->mapfile, strerror(errno));
		return;
	}
	localtime_r(&st.st_mtim.tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	if (date_parse(day, strlen(day), &mday) == 0 && mday == today) {
		say(c, ST_OK, "%zu alias%s use%s expires:; the map was "
		    "compiled today", n, n == 1 ? "" : "es", n == 1 ? "s" : "");
		return;
	}
	/* The daemons check expiry at each RCPT; Postfix's map does not. */
	say(c, d->milter[0] || d->lookupd[0] ? ST_WARN : ST_FAIL,
	    "%zu alias%s use%s expires:, but the map was last compiled on "
	    "%s: an alias that expired since is still in it%s", n,
	    n == 1 ? "" : "es", n == 1 ? "s" : "", day,
	    d->milter[0] || d->lookupd[0] ? " (the daemon refuses it)" : "");
	fix(c, "echo '5 0 * * * root aliasctl compile >/dev/null' "
	    ">/etc/cron.d/aliasctl");
}

/* i. The front end's daemon writes its stats file. */
static void
check_stats(struct doctor *d)
{
	struct check *c = add(d, "stats");

	if (d->milter[0] != '\0')
		check_stats_one(d, c, "milter");
	if (d->lookupd[0] != '\0')
		check_stats_one(d, c, "lookupd");
	if (d->milter[0] == '\0' && d->lookupd[0] == '\0') {
		say(c, ST_WARN, "no daemon configured: nothing counts hits");
		fix(c, "aliasctl -f %s setup postfix --apply%s%s", d->o->file,
		    d->pf.config ? " --postfix-config " : "",
		    d->pf.config ? d->pf.config : "");
	}
}

static void
check_stats_one(struct doctor *d, struct check *c, const char *daemon)
{
	const char *prog = strcmp(daemon, "milter") == 0 ? "alias-milter" :
	    "alias-lookupd";
	char	 when[64], path[4200];
	int64_t	 flushed;
	time_t	 t, now = time(NULL);
	struct tm tm;
	struct stats_meta m;
	struct errbuf e;
	char	*p;

	if (d->o->stats != NULL)
		snprintf(path, sizeof(path), "%s", d->o->stats);
	else if ((p = stats_default_path(d->base, daemon)) == NULL) {
		say(c, ST_WARN, "out of memory");
		return;
	} else {
		snprintf(path, sizeof(path), "%s", p);
		free(p);
	}
	if (stats_read_meta(path, &m, &e) == -1) {
		if (errno == ENOENT)
			say(c, ST_WARN, "%s: no stats file: is %s running?",
			    path, prog);
		else
			say(c, ST_WARN, "%s", e.msg);
		fix(c, "systemctl start %s", prog);
		return;
	}
	if ((flushed = m.flushed) == 0) {
		say(c, ST_WARN, "%s has no heartbeat: written by an older "
		    "daemon, or by none since", path);
		fix(c, "systemctl restart %s", prog);
		return;
	}
	t = (time_t)flushed;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	/* A recent heartbeat from a daemon that has stopped since. */
	if (m.pid > 0 && kill((pid_t)m.pid, 0) == -1 && errno == ESRCH) {
		say(c, ST_WARN, "%s: %s (pid %lld) is no longer running; last "
		    "write at %s", path, m.writer[0] ? m.writer : prog,
		    (long long)m.pid, when);
		fix(c, "systemctl start %s", prog);
	} else if (now - flushed <= 3 * STATS_HEARTBEAT)
		say(c, ST_OK, "%s written by %s (pid %lld) at %s", path,
		    m.writer[0] ? m.writer : prog, (long long)m.pid, when);
	else {
		say(c, ST_WARN, "%s not written since %s: is %s running?",
		    path, when, prog);
		fix(c, "systemctl start %s", prog);
	}
}

/* Whether sender_canonical_maps looks like postsrsd's. */
static int
is_srs(const char *v)
{
	return strstr(v, "tcp:localhost:10001") != NULL ||
	    strstr(v, "tcp:127.0.0.1:10001") != NULL ||
	    (strstr(v, "socketmap:") != NULL && strstr(v, ":forward") != NULL);
}

/*
 * j. Forwarding to another provider needs SRS: a target at a domain that
 * is neither managed nor delivered here.
 */
static void
check_srs(struct doctor *d)
{
	struct check *c = add(d, "srs");
	struct errbuf e;
	char	 foreign[1024] = "", dom[512], **vmd = NULL, *scm;
	const char *t, *at, *end;
	size_t	 i, nvmd = 0, len;
	int	 nforeign = 0;

	(void)read_list(d, "virtual_mailbox_domains", &vmd, &nvmd);
	for (i = 0; i < d->af->ndomains + d->af->naliases; i++) {
		if (i < d->af->ndomains)
			t = d->af->domains[i].deliver_to;
		else
			t = d->af->aliases[i - d->af->ndomains].to;
		for (; t != NULL && (at = strchr(t, '@')) != NULL; t = end) {
			at++;
			len = strcspn(at, ", >");
			end = at + len;
			snprintf(dom, sizeof(dom), "%.*s", (int)len, at);
			if (af_find_domain(d->af, dom) >= 0 ||
			    in_list(d->local, d->nlocal, dom) ||
			    in_list(vmd, nvmd, dom) ||
			    strcasecmp(dom, "localhost") == 0)
				continue;
			if (strstr(foreign, dom) == NULL && strlen(foreign) +
			    strlen(dom) + 3 < sizeof(foreign)) {
				snprintf(foreign + strlen(foreign),
				    sizeof(foreign) - strlen(foreign), "%s%s",
				    foreign[0] ? ", " : "", dom);
				nforeign++;
			}
		}
	}
	postfix_list_free(vmd, nvmd);
	if (nforeign == 0) {
		say(c, ST_OK, "no alias forwards to another provider");
		return;
	}
	if (postfix_param(&d->pf, "sender_canonical_maps", 1, &scm, &e) ==
	    -1) {
		say(c, ST_WARN, "%s", e.msg);
		return;
	}
	if (is_srs(scm))
		say(c, ST_OK, "mail forwarded to %s is rewritten with SRS "
		    "(sender_canonical_maps = %s)", foreign, scm);
	else {
		say(c, ST_WARN, "aliases forward to %s: without SRS the "
		    "forwarded mail fails SPF there; sender_canonical_maps "
		    "is %s%s%s; Debian's postsrsd package does SRS", foreign,
		    scm[0] ? "'" : "empty", scm, scm[0] ? "'" : "");
		fix(c, "apt-get install postsrsd");
		fix_line(d, c, "sender_canonical_maps", "tcp:127.0.0.1:10001");
		fix_line(d, c, "sender_canonical_classes", "envelope_sender");
		fix_line(d, c, "recipient_canonical_maps",
		    "tcp:127.0.0.1:10002");
		fix_line(d, c, "recipient_canonical_classes",
		    "envelope_recipient,header_recipient");
	}
	free(scm);
}

/* The DNS checks of dnscmd.c, as doctor's (see the top comment). */
static void
add_dns(struct doctor *d, const struct dc_result *r, size_t n)
{
	static const char *const names[] = {
		"dns_spf", "dns_dmarc", "dns_dkim", "dns_mx"
	};
	const struct dc_check *dc;
	struct check *c;
	enum status st;
	size_t	 i, k, j;

	for (i = 0; i < n; i++)
		for (k = 0; k < r[i].n; k++) {
			dc = &r[i].c[k];
			for (j = 0; j < 3 && strcmp(names[j] + 4, dc->check) != 0;
			    j++)
				;
			c = add(d, names[j]);
			st = dc->status == DC_OK ? ST_OK :
			    dc->status == DC_WARN || dc->status == DC_ERROR ?
			    ST_WARN : ST_FAIL;
			say(c, st, "%s: %s%s", r[i].domain, dc->status ==
			    DC_ERROR ? "could not check: " : "", dc->detail);
			if (dc->publish != NULL)
				fix(c, "%s", dc->publish);
		}
}

static void
print_text(const struct doctor *d)
{
	static const char *const names[] = { "ok", "warn", "fail" };
	const char *p, *nl;
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		printf("%-4s  %s: %s\n", names[d->c[i].status], d->c[i].name,
		    d->c[i].detail);
		if (d->c[i].status == ST_OK)
			continue;
		for (p = d->c[i].fix; *p != '\0'; p = nl + (*nl != '\0')) {
			nl = p + strcspn(p, "\n");
			printf("      %.*s\n", (int)(nl - p), p);
		}
	}
}

static void
print_json(const struct doctor *d)
{
	static const char *const names[] = { "ok", "warn", "fail" };
	size_t	 i;

	printf("{\"checks\":[");
	for (i = 0; i < d->n; i++) {
		printf("%s{\"check\":\"%s\",\"status\":\"%s\",\"detail\":",
		    i ? "," : "", d->c[i].name, names[d->c[i].status]);
		output_json_string(d->c[i].detail);
		printf(",\"fix\":");
		if (d->c[i].status == ST_OK || d->c[i].fix[0] == '\0')
			printf("null");
		else
			output_json_string(d->c[i].fix);
		printf("}");
	}
	printf("]}\n");
}

int
cmd_doctor(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"--postfix-config", "a directory"}, {"--json", NULL},
		{"--milter-socket", "a socket"}, {"--dns", NULL},
		{"--nameserver", "a server"},
		{"--timeout", "a number of seconds"}, {NULL, NULL}
	};
	struct cli_args args;
	struct doctor d;
	struct errbuf e;
	struct dnscmd_opts dopts;
	struct dc_result *res = NULL;
	const char *v;
	size_t	 i, nres = 0, ndns = 0;
	int	 k, json = 0, dns = 0, dnsopt = 0, rc, err;

	memset(&d, 0, sizeof(d));
	d.o = o;
	d.sock = SETUP_MILTER_SOCKET;
	if ((rc = dnscmd_opts_init(&dopts, argc)) != 0)
		return rc;
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		switch (k) {
		case 3:
			dns = 1;
			break;
		case 4:
		case 5:
			dnsopt = 1;
			if ((rc = dnscmd_opt(&dopts, "doctor", opts[k].name,
			    v)) != 1)
				goto out;
			break;
		case 0:
			d.pf.config = v;
			break;
		case 1:
			json = 1;
			break;
		case 2:
			d.sock = v;
			break;
		case CLI_OPERAND:
			log_warnx("doctor: unexpected argument '%s'", v);
			rc = cli_usage();
			goto out;
		default:
			rc = cli_usage();
			goto out;
		}
	}
	if (dnsopt && !dns) {
		log_warnx("doctor: --nameserver and --timeout need --dns");
		rc = cli_usage();
		goto out;
	}
	if ((rc = cli_load(o, &d.af)) != 0)
		goto out;
	if (dns && (rc = dnscmd_run(&dopts, NULL, 0, d.af, &res, &nres)) != 0)
		goto out;
	for (i = 0; i < nres; i++)
		ndns += res[i].n;
	if ((d.c = calloc(CHECKS_MAX + ndns, sizeof(*d.c))) == NULL) {
		log_warnx("out of memory");
		rc = EX_OSERR;
		goto out;
	}
	if ((rc = cli_map_base(o, d.af->map, d.base, sizeof(d.base))) != 0)
		goto out;
	snprintf(d.mapfile, sizeof(d.mapfile), "%s%s", d.base,
	    COMPILE_SUFFIX_MAP);
	snprintf(d.lmdb, sizeof(d.lmdb), "lmdb:%s", d.base);
	if ((rc = read_list(&d, "virtual_alias_maps", &d.vam, &d.nvam)) != 0 ||
	    (rc = read_list(&d, "mydestination", &d.local, &d.nlocal)) != 0)
		goto out;
	if (postfix_param(&d.pf, "queue_directory", 1, &d.queue_dir, &e) ==
	    -1) {
		err = errno;
		log_warnx("%s", e.msg);
		rc = postfix_sysexit(err);
		goto out;
	}
	if ((d.chroot = postfix_smtpd_chroot(&d.pf, &e)) == -1) {
		/* Mixed: resolve as chrooted; the milter check says so. */
		log_warnx("%s", e.msg);
		d.chroot = 1;
	}
	check_map(&d);
	check_domains(&d);
	check_myorigin(&d);
	check_catchall(&d);
	check_delimiter(&d);
	check_milter(&d);
	check_default_action(&d);
	check_map_age(&d);
	check_daily(&d);
	check_stats(&d);
	check_srs(&d);
	add_dns(&d, res, nres);
	if (json)
		print_json(&d);
	else
		print_text(&d);
	rc = cli_flush();
	for (i = 0; i < d.n && rc == 0; i++)
		if (d.c[i].status == ST_FAIL)
			rc = EX_CONFIG;
out:
	postfix_list_free(d.vam, d.nvam);
	postfix_list_free(d.local, d.nlocal);
	free(d.queue_dir);
	free(d.c);
	dnscmd_results_free(res, nres);
	dnscmd_opts_free(&dopts);
	af_free(d.af);
	return rc;
}
