/*
 * dnscheck.c: the DNS checks of a domain against forged senders (see
 * dnscheck.h).  What the checks decide, as aliasctl(8) documents it:
 *
 * SPF (RFC 7208): exactly one v=spf1 TXT record at the domain (none:
 * missing; two or more: fail, a permerror).  The record is walked
 * through include: and redirect=, depth first, as a receiver would for
 * any client: every term that makes a DNS query (include, a, mx, ptr,
 * exists, redirect) counts, more than 10 in all is a permerror (4.6.4);
 * a query that finds nothing (NXDOMAIN or no record: a "void lookup")
 * counts, more than 2 is a permerror; a domain met again on the way is
 * a loop; an include: or redirect= target without exactly one SPF
 * record, or with a syntax error, is a permerror (5.2, 6.1).  A target
 * that needs a macro only a message gives (%{i}, %{s}, ...) is counted
 * but not followed, and the detail says so.  The walk stops as soon as
 * a limit is passed, so it asks at most about two dozen questions.  The
 * all that applies is the record's own, else the one of its redirect=
 * target: -all ok, ~all warn, ?all, +all or none fail.  For an "a"
 * term the A question is asked, and AAAA when A finds nothing: the
 * lookup is void only when both are, as a host may send over one
 * family only.  ptr is counted, not asked (it needs the client's
 * address), and draws a warning (RFC 7208 5.5: do not use).
 *
 * DMARC (RFC 7489): the record at _dmarc.DOMAIN, else at _dmarc.ORG, ORG
 * the organisational domain from the public suffix list (6.6.3), in
 * which case the policy that applies is sp= when given.  reject ok,
 * quarantine warn, none fail, no record missing, two or more fail (the
 * receivers ignore them all), a syntax error fail; sp= weaker than p=
 * and pct= below 100 warn; a rua=/ruf= address whose organisational
 * domain differs from the record's needs the authorisation record
 * DOMAIN._report._dmarc.OTHER (v=DMARC1, 7.1), else warn.
 *
 * DKIM (RFC 6376, 8301, 8463): per selector, the key at
 * SELECTOR._domainkey.DOMAIN: RSA 2048 bits or more ok, 1024 to 2047
 * warn, fewer fail; ed25519 ok; p= empty (revoked) fail; t=y warn; no
 * key fail; a malformed one fail.  No selector known: one warn, never a
 * guess.
 *
 * MX: records ok; none warn (mail goes to the A record, if any); a null
 * MX (RFC 7505, "0 .") warn: the domain receives no mail, so its aliases
 * receive nothing.
 *
 * A query that fails (timeout, SERVFAIL, REFUSED) makes the check
 * "error": nothing is known, and nothing is suggested.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <libpsl.h>

#include "dns.h"
#include "dnscheck.h"
#include "dnsrec.h"
#include "util.h"

#define SPF_LOOKUPS_MAX	10	/* RFC 7208 4.6.4 */
#define SPF_VOIDS_MAX	2	/* RFC 7208 4.6.4 */
#define SPF_DEPTH_MAX	12	/* nested include/redirect followed */
#define SPF_KEPT_MAX	(SPF_LOOKUPS_MAX + 2)	/* records fetched */
#define LINE_MAX_	4096	/* a zone-file line we write */

struct dnscheck {
	struct dns *dns;
	const char *const *ips;
	size_t	 nips;
	psl_ctx_t *psl;
};

/* The state of one SPF walk. */
struct spf_walk {
	struct dnscheck *dc;
	struct dc_check *c;
	const char *stack[SPF_DEPTH_MAX + 1];	/* domains being walked */
	size_t	 depth;
	int	 lookups;
	int	 voids;
	int	 stop;		/* a limit is passed: walk no further */
	char	 all;		/* the all that applies, 0 for none */
	const char *all_at;	/* the domain whose record has it */
	char	 all_owner[300];
	struct spf_record *all_rec;	/* that record (to suggest from) */
	struct spf_record *kept[SPF_KEPT_MAX];	/* freed at the end */
	size_t	 nkept;
};

static void	 say(struct dc_check *, enum dc_status, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 add_line(char **dst, const char *line);
static int	 publish_txt(struct dc_check *, const char *owner,
		    const char *text);
static const char *org_domain(struct dnscheck *, const char *domain);
static int	 txt_select(struct dns_answer *, int (*is)(const char *,
		    size_t), char **record);
static int	 spf_fetch(struct spf_walk *, const char *domain,
		    const char *how, struct spf_record **rec);
static void	 spf_walk(struct spf_walk *, const char *domain,
		    struct spf_record *, int top);
static void	 spf_term(struct spf_walk *, const char *domain,
		    const struct spf_term *);
static int	 spf_void(struct spf_walk *, const char *name, int type,
		    int aaaa, const char *term);
static void	 check_spf(struct dnscheck *, const char *domain,
		    struct dc_check *, char **mx, size_t nmx);
static int	 dmarc_fetch(struct dnscheck *, struct dc_check *,
		    const char *name);
static void	 check_dmarc(struct dnscheck *, const char *domain,
		    struct dc_check *);
static void	 dmarc_rules(struct dnscheck *, struct dc_check *,
		    const char *at, const struct dmarc_record *, int org);
static void	 dmarc_report_auth(struct dnscheck *, struct dc_check *,
		    const char *at, const struct dmarc_uri *, size_t n,
		    const char *tag);
static void	 check_dkim(struct dnscheck *, const char *domain,
		    const char *selector, struct dc_check *);
static int	 check_mx(struct dnscheck *, const char *domain,
		    struct dc_check *, char ***mx, size_t *nmx);

const char *
dc_status_name(enum dc_status st)
{
	static const char *const names[] = {
		"ok", "warn", "missing", "fail", "error"
	};

	return names[st];
}

int
dc_exit(const struct dc_result *r, size_t n)
{
	size_t	 i, k;
	int	 error = 0, fail = 0, missing = 0;

	for (i = 0; i < n; i++)
		for (k = 0; k < r[i].n; k++) {
			error |= r[i].c[k].status == DC_ERROR;
			fail |= r[i].c[k].status == DC_FAIL;
			missing |= r[i].c[k].status == DC_MISSING;
		}
	if (error)
		return EX_TEMPFAIL;
	if (fail)
		return EX_DATAERR;
	if (missing)
		return EX_UNAVAILABLE;
	return 0;
}

int
dc_new(struct dnscheck **dcp, struct dns *dns, const char *const *ips,
    size_t nips, struct errbuf *e)
{
	struct dnscheck *dc;

	if ((dc = calloc(1, sizeof(*dc))) == NULL)
		return errbuf_set(e, "out of memory");
	dc->dns = dns;
	dc->ips = ips;
	dc->nips = nips;
	/* The newer of the system's list and the built-in one. */
	if ((dc->psl = psl_latest(NULL)) == NULL &&
	    (dc->psl = (psl_ctx_t *)(uintptr_t)psl_builtin()) == NULL) {
		free(dc);
		return errbuf_set(e, "no public suffix list (libpsl)");
	}
	*dcp = dc;
	return 0;
}

void
dc_free(struct dnscheck *dc)
{
	if (dc == NULL)
		return;
	/* psl_free() ignores the built-in context. */
	psl_free(dc->psl);
	free(dc);
}

int
dc_ip_valid(const char *ip)
{
	char	 buf[128];

	return spf_suggest(NULL, NULL, 0, &ip, 1, buf, sizeof(buf)) != -1;
}

void
dc_result_free(struct dc_result *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++) {
		free(r->c[i].record);
		free(r->c[i].publish);
	}
	free(r->c);
	r->c = NULL;
	r->n = 0;
}

/* Sets the status (the worst wins) and appends a sentence to the detail. */
static void
say(struct dc_check *c, enum dc_status st, const char *fmt, ...)
{
	va_list	 ap;

	if (st > c->status)
		c->status = st;
	va_start(ap, fmt);
	text_vappend(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

/* Appends line to *dst, lines separated by "\n".  Returns 0 or -1. */
static int
add_line(char **dst, const char *line)
{
	size_t	 old = *dst != NULL ? strlen(*dst) : 0, len = strlen(line);
	char	*p;

	if ((p = realloc(*dst, old + len + 2)) == NULL)
		return -1;
	if (old > 0)
		p[old++] = '\n';
	memcpy(p + old, line, len + 1);
	*dst = p;
	return 0;
}

/* Adds the zone line "OWNER. IN TXT ..." to the check's publish. */
static int
publish_txt(struct dc_check *c, const char *owner, const char *text)
{
	char	 line[LINE_MAX_];

	if (dnsrec_zone_txt(owner, text, line, sizeof(line)) == -1)
		return 0;	/* too long to suggest: the detail says */
	return add_line(&c->publish, line);
}

/*
 * The organisational domain of domain (RFC 7489 3.2): its registrable
 * domain by the public suffix list, or domain itself when it is a
 * public suffix.  Returns a pointer into domain.
 */
static const char *
org_domain(struct dnscheck *dc, const char *domain)
{
	const char *org = psl_registrable_domain(dc->psl, domain);

	return org != NULL ? org : domain;
}

/*
 * Of the TXT records of a, those that is() accepts: their count, and
 * them one a line in *record (NULL when none).  Returns -1 out of memory.
 */
static int
txt_select(struct dns_answer *a, int (*is)(const char *, size_t),
    char **record)
{
	size_t	 i;
	int	 n = 0;

	*record = NULL;
	for (i = 0; i < a->n; i++) {
		if (!is(a->rr[i], strlen(a->rr[i])))
			continue;
		if (add_line(record, a->rr[i]) == -1)
			return -1;
		n++;
	}
	return n;
}

/* ---- SPF ---- */

/*
 * The one SPF record at domain, reached through how ("include:X",
 * "redirect=X").  Returns 1 with *rec (the walk frees it), or 0 after
 * saying what is wrong (permerror, a failed query).
 */
static int
spf_fetch(struct spf_walk *w, const char *domain, const char *how,
    struct spf_record **rec)
{
	struct dns_answer a;
	struct errbuf e;
	char	*record = NULL;
	int	 rc, n, ok = 0;

	*rec = NULL;
	rc = dns_query(w->dc->dns, domain, DNS_T_TXT, &a, &e);
	if (rc == DNS_FAIL) {
		say(w->c, DC_ERROR, "%s: %s", how, e.msg);
		goto out;
	}
	if (rc != DNS_RECORDS)
		w->voids++;
	if ((n = txt_select(&a, spf_is_record, &record)) == -1) {
		say(w->c, DC_ERROR, "out of memory");
		goto out;
	}
	if (n == 0)
		say(w->c, DC_FAIL, "%s: %s, so every check of the record "
		    "ends in a permerror (RFC 7208 5.2): fix or remove the "
		    "term", how, rc == DNS_NXDOMAIN ? "the domain does not "
		    "exist" : "the domain has no SPF record");
	else if (n > 1)
		say(w->c, DC_FAIL, "%s: %d SPF records there (permerror, RFC "
		    "7208 4.5)", how, n);
	else if (spf_parse(record, strlen(record), rec, &e) == -1)
		say(w->c, DC_FAIL, "%s: syntax error in its SPF record: %s "
		    "(permerror)", how, e.msg);
	else
		ok = 1;
out:
	free(record);
	dns_answer_free(&a);
	return ok;
}

/*
 * One question of an a, mx or exists term (aaaa: then AAAA when it
 * finds nothing); counts it void when it finds nothing.  Returns 0, or
 * -1 when the query failed (said).
 */
static int
spf_void(struct spf_walk *w, const char *name, int type, int aaaa,
    const char *term)
{
	struct dns_answer a;
	struct errbuf e;
	int	 rc;

	rc = dns_query(w->dc->dns, name, type, &a, &e);
	dns_answer_free(&a);
	if (aaaa && (rc == DNS_NXDOMAIN || rc == DNS_NODATA)) {
		rc = dns_query(w->dc->dns, name, DNS_T_AAAA, &a, &e);
		dns_answer_free(&a);
	}
	if (rc == DNS_FAIL) {
		say(w->c, DC_ERROR, "%s: %s", term, e.msg);
		return -1;
	}
	if (rc != DNS_RECORDS)
		w->voids++;
	return 0;
}

/* One term of the record of domain. */
static void
spf_term(struct spf_walk *w, const char *domain, const struct spf_term *t)
{
	char	 target[300], how[400];
	struct spf_record *rec;
	const char *spec;
	size_t	 i;
	int	 n;

	switch (t->kind) {
	case SPF_INCLUDE:
	case SPF_A:
	case SPF_MX:
	case SPF_EXISTS:
		break;
	case SPF_PTR:
		say(w->c, DC_WARN, "%s (in %s): ptr is slow and unreliable, "
		    "RFC 7208 5.5 says not to use it: list the addresses with "
		    "ip4:/ip6: instead", t->text, domain);
		return;
	default:
		return;
	}
	spec = t->value != NULL ? t->value : domain;
	n = spf_expand(spec, domain, target, sizeof(target));
	if (n == -1) {
		say(w->c, DC_OK, "%s (in %s) needs a macro that only a "
		    "message gives: counted, not followed", t->text, domain);
		return;
	}
	if (n == -2) {
		say(w->c, DC_FAIL, "%s (in %s): its domain does not expand to "
		    "a name (permerror)", t->text, domain);
		return;
	}
	if (t->kind != SPF_INCLUDE) {
		(void)spf_void(w, target, t->kind == SPF_MX ? DNS_T_MX :
		    DNS_T_A, t->kind == SPF_A, t->text);
		return;
	}
	snprintf(how, sizeof(how), "%s (in %s)", t->text, domain);
	for (i = 0; i < w->depth; i++)
		if (strcasecmp(w->stack[i], target) == 0) {
			say(w->c, DC_FAIL, "%s: include loop back to %s "
			    "(permerror): remove the include", how, target);
			w->stop = 1;
			return;
		}
	if (w->depth >= SPF_DEPTH_MAX) {
		say(w->c, DC_FAIL, "%s: includes nested deeper than %d",
		    how, SPF_DEPTH_MAX);
		w->stop = 1;
		return;
	}
	if (w->nkept == SPF_KEPT_MAX) {
		w->stop = 1;
		return;
	}
	if (!spf_fetch(w, target, how, &rec))
		return;
	w->kept[w->nkept++] = rec;
	/* An included record's all is its own business (RFC 7208 5.2). */
	spf_walk(w, target, rec, 0);
}

/*
 * Walks the record of domain: its terms, then its redirect= when it has
 * no all.  top: the record is the domain's own or reached from it by
 * redirect only, so its redirect target's all is the one that applies.
 */
static void
spf_walk(struct spf_walk *w, const char *domain, struct spf_record *rec,
    int top)
{
	struct spf_record *next;
	char	 target[300], how[400];
	size_t	 i, depth = w->depth;
	int	 n;

	w->stack[w->depth++] = domain;
	w->lookups += spf_dns_terms(rec);
	for (i = 0; i < rec->nterms && !w->stop; i++) {
		/* After a failed query nothing more is learnt: stop asking. */
		if (w->lookups > SPF_LOOKUPS_MAX ||
		    w->voids > SPF_VOIDS_MAX || w->c->status == DC_ERROR)
			w->stop = 1;
		else
			spf_term(w, domain, &rec->terms[i]);
	}
	if (w->stop || w->c->status == DC_ERROR || rec->all != -1 ||
	    rec->redirect == NULL)
		goto out;
	n = spf_expand(rec->redirect, domain, target, sizeof(target));
	snprintf(how, sizeof(how), "redirect=%s (in %s)", rec->redirect,
	    domain);
	if (n < 0) {
		say(w->c, n == -1 ? DC_WARN : DC_FAIL, "%s: %s", how,
		    n == -1 ? "needs a macro that only a message gives: not "
		    "followed, its all unknown" : "does not expand to a name "
		    "(permerror)");
		goto out;
	}
	for (i = 0; i < w->depth; i++)
		if (strcasecmp(w->stack[i], target) == 0) {
			say(w->c, DC_FAIL, "%s: redirect loop (permerror)", how);
			w->stop = 1;
			goto out;
		}
	if (w->depth > SPF_DEPTH_MAX || w->lookups > SPF_LOOKUPS_MAX ||
	    w->nkept == SPF_KEPT_MAX || !spf_fetch(w, target, how, &next))
		goto out;
	w->kept[w->nkept++] = next;
	if (top) {
		/* The all of the redirect target is the one that applies. */
		w->all = next->all != -1 ? next->all_qual : 0;
		w->all_rec = next;
		snprintf(w->all_owner, sizeof(w->all_owner), "%s", target);
	}
	spf_walk(w, target, next, top);
out:
	w->depth = depth;
}

static void
check_spf(struct dnscheck *dc, const char *domain, struct dc_check *c,
    char **mx, size_t nmx)
{
	struct spf_walk w;
	struct dns_answer a;
	struct errbuf e;
	struct spf_record *rec = NULL;
	char	 sugg[LINE_MAX_];
	const char *const *mxc = (const char *const *)mx;
	int	 rc, n;
	size_t	 i;

	c->check = "spf";
	memset(&w, 0, sizeof(w));
	rc = dns_query(dc->dns, domain, DNS_T_TXT, &a, &e);
	if (rc == DNS_FAIL) {
		say(c, DC_ERROR, "TXT of %s: %s", domain, e.msg);
		goto out;
	}
	if ((n = txt_select(&a, spf_is_record, &c->record)) == -1)
		goto oom;
	if (n == 0) {
		say(c, DC_MISSING, "no SPF record: anyone may send as %s; "
		    "publish one that lists your outgoing servers and ends "
		    "in -all", domain);
		goto suggest;
	}
	if (n > 1) {
		say(c, DC_FAIL, "%d SPF records: receivers take that as a "
		    "permerror (RFC 7208 4.5), as if there were none; merge "
		    "them into one", n);
		goto suggest;
	}
	if (spf_parse(c->record, strlen(c->record), &rec, &e) == -1) {
		say(c, DC_FAIL, "syntax error: %s (permerror, RFC 7208 "
		    "4.6): fix the record", e.msg);
		goto suggest;
	}
	w.dc = dc;
	w.c = c;
	w.all = rec->all != -1 ? rec->all_qual : 0;
	w.all_rec = rec;
	snprintf(w.all_owner, sizeof(w.all_owner), "%s", domain);
	spf_walk(&w, domain, rec, 1);
	if (w.lookups > SPF_LOOKUPS_MAX) {
		say(c, DC_FAIL, "more than %d DNS lookups (include, a, mx, "
		    "ptr, exists, redirect, counted through every include): "
		    "permerror (RFC 7208 4.6.4); replace includes by the "
		    "ip4:/ip6: ranges they stand for", SPF_LOOKUPS_MAX);
	}
	if (w.voids > SPF_VOIDS_MAX) {
		say(c, DC_FAIL, "%d lookups found nothing (more than %d "
		    "void lookups: permerror, RFC 7208 4.6.4); remove the "
		    "terms naming domains without records", w.voids,
		    SPF_VOIDS_MAX);
	}
	if (c->status == DC_ERROR)
		goto out;
	/* A permerror: the all does not matter, a new record is needed. */
	if (c->status >= DC_FAIL)
		goto suggest;
	switch (w.all) {
	case '-':
		if (strcmp(w.all_owner, domain) == 0)
			say(c, DC_OK, "ends in -all");
		else
			say(c, DC_OK, "ends in -all (of redirect=%s)",
			    w.all_owner);
		break;
	case '~':
		say(c, DC_WARN, "the record of %s ends in ~all (softfail): "
		    "forged mail is marked, not refused; end it in -all",
		    w.all_owner);
		break;
	case '?':
	case '+':
		say(c, DC_FAIL, "the record of %s ends in %call: %s; end it "
		    "in -all", w.all_owner, w.all, w.all == '+' ? "anyone "
		    "may send as the domain" : "neutral, forged mail passes "
		    "as unknown");
		break;
	default:
		say(c, DC_FAIL, "the record of %s has no all: mail from "
		    "anywhere else is neutral, not refused; end it in -all",
		    w.all_owner);
		break;
	}
	if (c->status == DC_OK)
		goto out;
	/* The same record with -all, where the all belongs. */
	if (spf_suggest(w.all_rec, mxc, nmx, dc->ips, dc->nips, sugg,
	    sizeof(sugg)) != -1 && publish_txt(c, w.all_owner, sugg) == -1)
		goto oom;
	goto out;
suggest:
	if (spf_suggest(NULL, mxc, nmx, dc->ips, dc->nips, sugg,
	    sizeof(sugg)) == -1)
		goto out;
	if (nmx == 0 && dc->nips == 0)
		say(c, c->status, "the suggestion lists no server: give your "
		    "outgoing servers' addresses with --ip");
	else
		say(c, c->status, "suggested from %s%s%s", nmx > 0 ?
		    "the MX hosts" : "", nmx > 0 && dc->nips > 0 ? " and " :
		    "", dc->nips > 0 ? "--ip" : "");
	if (publish_txt(c, domain, sugg) == -1)
		goto oom;
	goto out;
oom:
	say(c, DC_ERROR, "out of memory");
out:
	for (i = 0; i < w.nkept; i++)
		spf_record_free(w.kept[i]);
	spf_record_free(rec);
	dns_answer_free(&a);
}

/* ---- DMARC ---- */

/* Policies by strength: none < quarantine < reject. */
static const char *const policy_names[] = { "none", "quarantine", "reject" };

/*
 * The authorisation records of the report addresses of another
 * organisational domain than at's (RFC 7489 7.1).
 */
static void
dmarc_report_auth(struct dnscheck *dc, struct dc_check *c, const char *at,
    const struct dmarc_uri *u, size_t n, const char *tag)
{
	struct dns_answer a;
	struct errbuf e;
	char	 name[600], *rec = NULL;
	const char *dom, *org = org_domain(dc, at);
	size_t	 i;
	int	 rc, found;

	for (i = 0; i < n; i++) {
		if ((dom = dmarc_uri_domain(u[i].addr)) == NULL ||
		    strcasecmp(org_domain(dc, dom), org) == 0)
			continue;
		snprintf(name, sizeof(name), "%s._report._dmarc.%s", at, dom);
		rc = dns_query(dc->dns, name, DNS_T_TXT, &a, &e);
		if (rc == DNS_FAIL) {
			say(c, DC_ERROR, "%s %s: %s", tag, name, e.msg);
		} else {
			found = txt_select(&a, dmarc_is_record, &rec);
			if (found > 0)
				say(c, DC_OK, "%s to %s authorised by %s", tag,
				    dom, name);
			else {
				say(c, DC_WARN, "%s=%s goes to another domain, "
				    "which has not authorised it: receivers send "
				    "no reports there until %s publishes %s TXT "
				    "\"v=DMARC1\" (RFC 7489 7.1)", tag, u[i].uri,
				    dom, name);
				if (publish_txt(c, name, "v=DMARC1") == -1)
					say(c, DC_ERROR, "out of memory");
			}
			free(rec);
			rec = NULL;
		}
		dns_answer_free(&a);
	}
}

/* The rules of the one DMARC record of _dmarc.at. */
static void
dmarc_rules(struct dnscheck *dc, struct dc_check *c, const char *at,
    const struct dmarc_record *r, int org)
{
	enum dmarc_policy p = org ? r->sp : r->p;
	const char *tag = org && r->sp_given ? "sp" : "p";
	char	 owner[300], sugg[LINE_MAX_];

	if (!r->p_given)
		say(c, DC_FAIL, "no p= tag: the record is not valid (RFC 7489 "
		    "6.3); add p=reject");
	else if (p == DMARC_REJECT)
		say(c, DC_OK, "%s=reject", tag);
	else if (p == DMARC_QUARANTINE)
		say(c, DC_WARN, "%s=quarantine: mail that fails DMARC goes "
		    "to spam, not refused; use p=reject", tag);
	else
		say(c, DC_FAIL, "%s=none: monitoring only, forged mail is "
		    "delivered; use p=reject", tag);
	if (!org && r->sp_given && r->sp < r->p)
		say(c, DC_WARN, "sp=%s is weaker than p=%s: subdomains can be "
		    "forged; drop sp=", policy_names[r->sp],
		    policy_names[r->p]);
	if (r->pct < 100)
		say(c, DC_WARN, "pct=%d: the policy applies to %d%% of the "
		    "failing mail only; drop pct=", r->pct, r->pct);
	if (c->status > DC_OK) {
		snprintf(owner, sizeof(owner), "_dmarc.%s", at);
		if (dmarc_suggest(r, sugg, sizeof(sugg)) != -1 &&
		    publish_txt(c, owner, sugg) == -1)
			say(c, DC_ERROR, "out of memory");
	}
	dmarc_report_auth(dc, c, at, r->rua, r->nrua, "rua");
	dmarc_report_auth(dc, c, at, r->ruf, r->nruf, "ruf");
}

/*
 * The DMARC records at name into c->record.  Returns their count, or -1
 * after saying why (a failed query, out of memory).
 */
static int
dmarc_fetch(struct dnscheck *dc, struct dc_check *c, const char *name)
{
	struct dns_answer a;
	struct errbuf e;
	int	 n = -1;

	free(c->record);
	c->record = NULL;
	if (dns_query(dc->dns, name, DNS_T_TXT, &a, &e) == DNS_FAIL)
		say(c, DC_ERROR, "TXT of %s: %s", name, e.msg);
	else if ((n = txt_select(&a, dmarc_is_record, &c->record)) == -1)
		say(c, DC_ERROR, "out of memory");
	dns_answer_free(&a);
	return n;
}

static void
check_dmarc(struct dnscheck *dc, const char *domain, struct dc_check *c)
{
	struct dmarc_record r;
	struct errbuf e;
	char	 name[300], sugg[LINE_MAX_];
	const char *at = domain, *org = org_domain(dc, domain);
	int	 n;

	c->check = "dmarc";
	memset(&r, 0, sizeof(r));
	snprintf(name, sizeof(name), "_dmarc.%s", domain);
	if ((n = dmarc_fetch(dc, c, name)) < 0)
		goto out;
	if (n == 0 && strcmp(org, domain) != 0) {
		at = org;
		snprintf(name, sizeof(name), "_dmarc.%s", org);
		if ((n = dmarc_fetch(dc, c, name)) < 0)
			goto out;
		if (n > 0)
			say(c, DC_OK, "no record at _dmarc.%s; the one of the "
			    "organisational domain %s applies", domain, org);
	}
	if (n == 0) {
		say(c, DC_MISSING, "no DMARC record at _dmarc.%s%s%s: "
		    "receivers have no policy for mail that fails SPF and "
		    "DKIM; publish one with p=reject", domain, at != domain ?
		    " nor at _dmarc." : "", at != domain ? org : "");
		snprintf(name, sizeof(name), "_dmarc.%s", domain);
		goto suggest;
	}
	if (n > 1) {
		say(c, DC_FAIL, "%d DMARC records at %s: receivers ignore "
		    "them all (RFC 7489 6.6.3); keep one", n, name);
		goto suggest;
	}
	if (dmarc_parse(c->record, strlen(c->record), &r, &e) == -1) {
		say(c, DC_FAIL, "syntax error at %s: %s; receivers ignore "
		    "the record", name, e.msg);
		dmarc_record_free(&r);
		goto suggest;
	}
	dmarc_rules(dc, c, at, &r, at != domain);
	goto out;
suggest:
	if (dmarc_suggest(NULL, sugg, sizeof(sugg)) != -1 &&
	    publish_txt(c, name, sugg) == -1)
		say(c, DC_ERROR, "out of memory");
out:
	dmarc_record_free(&r);
}

/* ---- DKIM ---- */

static void
check_dkim(struct dnscheck *dc, const char *domain, const char *selector,
    struct dc_check *c)
{
	struct dkim_key k;
	struct dns_answer a;
	struct errbuf e;
	char	 name[400];
	size_t	 i;
	int	 rc;

	c->check = "dkim";
	a.rr = NULL;
	a.n = 0;
	if (selector == NULL) {
		say(c, DC_WARN, "no DKIM selector known for %s: give one with "
		    "--selector S, or list it under dkim_selectors: of the "
		    "domain in the alias file (selectors are never guessed)",
		    domain);
		return;
	}
	snprintf(c->selector, sizeof(c->selector), "%s", selector);
	snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain);
	rc = dns_query(dc->dns, name, DNS_T_TXT, &a, &e);
	if (rc == DNS_FAIL) {
		say(c, DC_ERROR, "TXT of %s: %s", name, e.msg);
		goto out;
	}
	for (i = 0; i < a.n; i++)
		if (add_line(&c->record, a.rr[i]) == -1) {
			say(c, DC_ERROR, "out of memory");
			goto out;
		}
	if (a.n == 0) {
		say(c, DC_FAIL, "no key at %s: mail signed with selector %s "
		    "fails DKIM; publish your signer's public key there "
		    "(e.g. opendkim-genkey -b 2048 -s %s -d %s writes the "
		    "line in %s.txt)", name, selector, selector, domain,
		    selector);
		goto out;
	}
	if (a.n > 1) {
		say(c, DC_FAIL, "%zu TXT records at %s: verifiers may take "
		    "any of them; keep the key only", a.n, name);
		goto out;
	}
	if (dkim_parse_key(a.rr[0], strlen(a.rr[0]), &k, &e) == -1) {
		say(c, DC_FAIL, "bad key record at %s: %s; publish the line "
		    "your signer wrote", name, e.msg);
		goto out;
	}
	if (k.revoked)
		say(c, DC_FAIL, "selector %s: p= is empty, the key is revoked "
		    "(RFC 6376 3.6.1): sign with a selector whose key is "
		    "published", selector);
	else if (k.alg == DKIM_ED25519)
		say(c, DC_OK, "selector %s: ed25519 key (RFC 8463); sign with "
		    "an RSA key too, as not every receiver verifies ed25519",
		    selector);
	else if (k.bits >= 2048)
		say(c, DC_OK, "selector %s: RSA %d bits", selector, k.bits);
	else if (k.bits >= 1024)
		say(c, DC_WARN, "selector %s: RSA %d bits, weak: make a "
		    "2048-bit key (RFC 8301; opendkim-genkey -b 2048 -s NEW) "
		    "and sign with it", selector, k.bits);
	else
		say(c, DC_FAIL, "selector %s: RSA %d bits: receivers ignore "
		    "keys under 1024 bits (RFC 8301); make a 2048-bit key "
		    "(opendkim-genkey -b 2048 -s NEW) and sign with it",
		    selector, k.bits);
	if (!k.revoked && (k.flags & DKIM_TESTING))
		say(c, DC_WARN, "t=y: testing mode, receivers treat signed "
		    "mail as unsigned; remove t=y");
	if (!k.revoked && k.sha1_only)
		say(c, DC_WARN, "h= allows sha1 only, which receivers no "
		    "longer accept (RFC 8301); drop h=");
out:
	dns_answer_free(&a);
}

/* ---- MX ---- */

/*
 * The MX check; the MX hosts into *mx (nmx of them, freed by the
 * caller with free() on each and on *mx), for the suggested SPF record.
 * Returns 0, or -1 out of memory.
 */
static int
check_mx(struct dnscheck *dc, const char *domain, struct dc_check *c,
    char ***mx, size_t *nmx)
{
	struct dns_answer a;
	struct errbuf e;
	const char *host;
	size_t	 i;
	int	 rc, null = 0;

	c->check = "mx";
	*mx = NULL;
	*nmx = 0;
	rc = dns_query(dc->dns, domain, DNS_T_MX, &a, &e);
	if (rc == DNS_FAIL) {
		say(c, DC_ERROR, "MX of %s: %s", domain, e.msg);
		goto out;
	}
	if (rc != DNS_RECORDS) {
		say(c, DC_WARN, "no MX record: mail to %s goes to its address "
		    "record, if any (RFC 5321 5.1); publish an MX naming your "
		    "mail server", domain);
		goto out;
	}
	if ((*mx = calloc(a.n, sizeof(**mx))) == NULL)
		goto oom;
	for (i = 0; i < a.n; i++) {
		if (add_line(&c->record, a.rr[i]) == -1)
			goto oom;
		host = strchr(a.rr[i], ' ');
		host = host != NULL ? host + 1 : a.rr[i];
		if (strcmp(host, ".") == 0) {
			null = 1;
			continue;
		}
		if (((*mx)[*nmx] = strdup(host)) == NULL)
			goto oom;
		(*nmx)++;
	}
	if (null)
		say(c, DC_WARN, "null MX (RFC 7505): %s receives no mail, so "
		    "its aliases receive nothing; replace it by an MX naming "
		    "your mail server if it should", domain);
	else
		say(c, DC_OK, "%zu MX record%s", a.n, a.n == 1 ? "" : "s");
	goto out;
oom:
	dns_answer_free(&a);
	return -1;
out:
	dns_answer_free(&a);
	return 0;
}

int
dc_domain(struct dnscheck *dc, const char *domain,
    const char *const *selectors, size_t nsel, struct dc_result *out,
    struct errbuf *e)
{
	struct dc_check mxc;
	char	**mx = NULL;
	size_t	 nmx = 0, i, n = 3 + (nsel > 0 ? nsel : 1);
	int	 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&mxc, 0, sizeof(mxc));
	snprintf(out->domain, sizeof(out->domain), "%s", domain);
	if ((out->c = calloc(n, sizeof(*out->c))) == NULL) {
		errbuf_set(e, "out of memory");
		return -1;
	}
	out->n = n;
	/* The MX hosts go into the suggested SPF record: asked first. */
	if (check_mx(dc, domain, &mxc, &mx, &nmx) == -1)
		goto oom;
	check_spf(dc, domain, &out->c[0], mx, nmx);
	check_dmarc(dc, domain, &out->c[1]);
	if (nsel == 0)
		check_dkim(dc, domain, NULL, &out->c[2]);
	for (i = 0; i < nsel; i++)
		check_dkim(dc, domain, selectors[i], &out->c[2 + i]);
	out->c[n - 1] = mxc;
	mxc.record = mxc.publish = NULL;
	rc = 0;
	goto out;
oom:
	errbuf_set(e, "out of memory");
out:
	free(mxc.record);
	free(mxc.publish);
	for (i = 0; i < nmx; i++)
		free(mx[i]);
	free(mx);
	return rc;
}
