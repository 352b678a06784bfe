/*
 * evidence.c: the sender evidence the milter records (stats.c, "Sender
 * evidence") read back and judged: the rule of established and new
 * sender domains (evidence_class()), aliasctl senders, aliasctl leaks,
 * and the senders of aliasctl lock without --sender.
 *
 * The rule.  An alias's evidence starts at the later of its created:
 * date (00:00 UTC) and the first time any sender was recorded for it:
 * before that nobody watched, so a domain first seen in the first days
 * of recording may have written for years.  A domain first seen within
 * EVIDENCE_NEW_DAYS days of the start is established (the
 * correspondent's), one first seen later is new (someone else got the
 * address).  The null sender "<>" and "(other)" are not domains: never
 * established (a lock cannot name them), never new.  A domain whose
 * every message was refused (by the lock, after revocation or expiry,
 * as backscatter) is refused: it is not the correspondent's, and the
 * refusal already stopped it, so it is neither established nor new.
 * Until the window has passed the alias is young: its domains are young,
 * none established, no verdict, and lock without --sender refuses, since
 * senders still to come would be locked out.
 *
 * The score of leaks.  Each message that is evidence counts one: the
 * mail accepted from new domains, the mail refused by a lock (locked),
 * after revocation or expiry (revoked hits) and bounces refused as
 * backscatter.  The counters of the aliases table are used for the
 * refusals, so that a message is never counted twice; the lookup
 * daemon's revoked hits count too (it records no senders).
 *
 * The action of leaks (leak_judge()), the first that applies: none for
 * a revoked or expired alias; wait for a young one; for a locked one,
 * revoke when the lock lets a leak through (mail accepted from a new
 * domain that the lock admits: a subdomain or a forged domain of the
 * correspondent) or mail came after revocation, else none, since a lock
 * that refuses mail is the lock working; lock when it has established
 * domains; else revoke.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "address.h"
#include "aliasfile.h"
#include "cli.h"
#include "evidence.h"
#include "log.h"
#include "output.h"
#include "report_files.h"
#include "stats.h"
#include "util.h"
#include "verdict.h"

#define DAY_SECS		86400

static const char *const action_name[] = { "lock", "revoke", "wait",
	"none", "none" };

static uint64_t	 row_count(const struct stats_row *);
static uint64_t	 row_refused(const struct stats_row *);
static int	 is_other(const struct stats_row *);
static const char *class_name(enum evidence_class);
static int	 lock_admits(const char *, const char *);
static int	 cmp_last(const void *, const void *);
static int	 cmp_count(const void *, const void *);
static int	 cmp_leak(const void *, const void *);
static int	 cmp_row_key(const void *, const void *);
static int	 load_alias(const struct options *, const char *,
		    struct aliasfile **, const struct af_alias **);
static int	 read_senders(struct report_files *, const char *,
		    struct stats_row **, size_t *);
static void	 print_senders_table(const char *, const struct stats_row *,
		    size_t, const struct evidence *);
static void	 print_senders_json(const char *, const struct stats_row *,
		    size_t, const struct evidence *,
		    const struct report_files *);
static void	 print_time_json(const char *, int64_t);
static const struct stats_row *alias_rows(const struct stats_row *,
		    size_t, const char *, size_t *);
static void	 leak_judge(struct evidence_leak *, int32_t, int64_t);
static void	 shell_word(FILE *, const char *);

const char *
evidence_domain(const struct stats_row *r)
{
	const char *sp = strrchr(r->key, ' ');

	return sp != NULL ? sp + 1 : r->key;
}

enum evidence_class
evidence_class(const struct evidence *ev, const struct stats_row *r)
{
	const char *d = evidence_domain(r);

	if (strcmp(d, STATS_SENDER_NULL) == 0 || strcmp(d, STATS_OTHER) == 0)
		return EVIDENCE_NONE;
	if (r->a.hits == 0 && row_refused(r) > 0)
		return EVIDENCE_REFUSED;
	if (ev->young)
		return EVIDENCE_YOUNG;
	if (r->a.first_seen > ev->new_after)
		return EVIDENCE_NEW;
	return EVIDENCE_ESTABLISHED;
}

void
evidence_judge(int32_t created, const struct stats_row *rows, size_t n,
    int64_t now, struct evidence *ev)
{
	size_t	 i;

	memset(ev, 0, sizeof(*ev));
	if (n == 0)
		return;
	ev->start = INT64_MAX;
	for (i = 0; i < n; i++)
		if (rows[i].a.first_seen < ev->start)
			ev->start = rows[i].a.first_seen;
	if (created != DATE_NONE && (int64_t)created * DAY_SECS > ev->start)
		ev->start = (int64_t)created * DAY_SECS;
	ev->new_after = ev->start + (int64_t)EVIDENCE_NEW_DAYS * DAY_SECS;
	ev->young = now <= ev->new_after;
	for (i = 0; i < n; i++) {
		switch (evidence_class(ev, &rows[i])) {
		case EVIDENCE_ESTABLISHED:
			ev->nestablished++;
			break;
		case EVIDENCE_NEW:
			ev->nnew++;
			ev->new_mail += rows[i].a.hits;
			break;
		case EVIDENCE_REFUSED:
			ev->nrefused++;
			break;
		case EVIDENCE_YOUNG:
		case EVIDENCE_NONE:
			break;
		}
	}
}

/* Every message of a row, accepted or refused. */
static uint64_t
row_count(const struct stats_row *r)
{
	return r->a.hits + row_refused(r);
}

static uint64_t
row_refused(const struct stats_row *r)
{
	return r->a.locked + r->a.backscatter + r->a.revoked_hits;
}

static int
is_other(const struct stats_row *r)
{
	return strcmp(evidence_domain(r), STATS_OTHER) == 0;
}

/* The word of class c in senders and leaks, NULL for EVIDENCE_NONE. */
static const char *
class_name(enum evidence_class c)
{
	switch (c) {
	case EVIDENCE_ESTABLISHED:
		return "established";
	case EVIDENCE_NEW:
		return "new";
	case EVIDENCE_REFUSED:
		return "refused";
	case EVIDENCE_YOUNG:
		return "young";
	case EVIDENCE_NONE:
		break;
	}
	return NULL;
}

/*
 * Nonzero when the lock senders (the policy field: normalised entries
 * separated by one space) may accept mail from domain: a domain entry
 * that is domain or a parent of it (verdict_sender_listed(), the lock's
 * own rule), or an address entry at domain.
 */
static int
lock_admits(const char *senders, const char *domain)
{
	char	 probe[ADDR_BUF];
	const char *p, *end, *at;
	size_t	 dlen = strlen(domain);

	snprintf(probe, sizeof(probe), "postmaster@%s", domain);
	if (verdict_sender_listed(senders, strlen(senders), probe))
		return 1;
	for (p = senders; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, " ");
		at = memchr(p, '@', (size_t)(end - p));
		if (at != NULL && (size_t)(end - at - 1) == dlen &&
		    strncmp(at + 1, domain, dlen) == 0)
			return 1;
	}
	return 0;
}

/* Newest first, "(other)" last, then by key. */
static int
cmp_last(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	if (is_other(x) != is_other(y))
		return is_other(x) - is_other(y);
	if (x->a.last_seen != y->a.last_seen)
		return x->a.last_seen < y->a.last_seen ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Most messages first, "(other)" last, then newest first, by key. */
static int
cmp_count(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	if (is_other(x) != is_other(y))
		return is_other(x) - is_other(y);
	if (row_count(x) != row_count(y))
		return row_count(x) < row_count(y) ? 1 : -1;
	return cmp_last(a, b);
}

/* Highest score first, then by alias. */
static int
cmp_leak(const void *a, const void *b)
{
	const struct evidence_leak *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(x->a->key, y->a->key);
}

/* A key against a row, for bsearch. */
static int
cmp_row_key(const void *key, const void *row)
{
	const struct stats_row *r = row;

	return strcmp(key, r->key);
}

/*
 * Loads the alias file and finds alias arg in it.  Returns 0 with *afp
 * (the caller frees it) and *ap, or a sysexits code (said why):
 * EX_USAGE for an argument that is not an address, EX_NOUSER when the
 * file has no such alias.
 */
static int
load_alias(const struct options *o, const char *arg, struct aliasfile **afp,
    const struct af_alias **ap)
{
	char	 key[ADDR_BUF];
	int	 rc;

	*afp = NULL;
	if ((rc = cli_address(arg, key)) != 0)
		return rc;
	if ((rc = cli_load(o, afp)) != 0)
		return rc;
	if ((*ap = af_find_alias(*afp, key)) == NULL) {
		log_warnx("%s: %s: no such alias", o->file, key);
		af_free(*afp);
		*afp = NULL;
		return EX_NOUSER;
	}
	return 0;
}

/*
 * The sender rows of alias (NULL: every alias) from the files of sf.
 * Returns 0 with *rows and *n, or a sysexits code (said why).
 */
static int
read_senders(struct report_files *sf, const char *alias,
    struct stats_row **rows, size_t *n)
{
	struct errbuf e;

	if (stats_read_senders((const char *const *)sf->path, sf->n, alias,
	    rows, n, sf->found, &e) == -1) {
		log_warnx("%s", e.msg);
		return errno == EACCES ? EX_NOINPUT : EX_IOERR;
	}
	return 0;
}

/*
 * The rows of alias in rows (sorted by key: the keys "ALIAS DOMAIN" of
 * one alias are next to each other), and their number in *cnt.
 */
static const struct stats_row *
alias_rows(const struct stats_row *rows, size_t n, const char *alias,
    size_t *cnt)
{
	char	 prefix[ADDR_BUF + 1];
	size_t	 lo = 0, hi = n, mid, plen, i;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s ", alias);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(rows[mid].key, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < n && strncmp(rows[i].key, prefix, plen) == 0; i++)
		;
	*cnt = i - lo;
	return rows + lo;
}

static void
print_senders_table(const char *alias, const struct stats_row *rows,
    size_t n, const struct evidence *ev)
{
	const struct stats_row *r;
	char	 first[OUTPUT_TIME_BUF], last[OUTPUT_TIME_BUF];
	const char *cls;
	size_t	 i, dw = strlen("DOMAIN");
	int	 w1 = 5, w2 = 7, w3 = 6, w4 = 11, w5 = 7;

	if (n > 0) {
		output_time_local(ev->start, first);
		output_time_local(ev->new_after, last);
		printf("# %s: evidence from %s; %s %s\n", alias, first,
		    ev->young ? "no verdict before" :
		    "new: first seen after", last);
	}
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (output_vis_len(evidence_domain(r)) > dw)
			dw = output_vis_len(evidence_domain(r));
		w1 = output_num_width(row_count(r), w1);
		w2 = output_num_width(row_refused(r), w2);
		w3 = output_num_width(r->a.locked, w3);
		w4 = output_num_width(r->a.backscatter, w4);
		w5 = output_num_width(r->a.revoked_hits, w5);
	}
	printf("%-*s  %*s  %*s  %*s  %*s  %*s  %-16s  %-16s  %s\n", (int)dw,
	    "DOMAIN", w1, "COUNT", w2, "REFUSED", w3, "LOCKED", w4,
	    "BACKSCATTER", w5, "REVOKED", "FIRST-SEEN", "LAST-SEEN", "CLASS");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		output_vis_print(evidence_domain(r), (int)dw);
		output_time_local(r->a.first_seen, first);
		output_time_local(r->a.last_seen, last);
		if ((cls = class_name(evidence_class(ev, r))) == NULL)
			cls = "-";
		printf("  %*llu  %*llu  %*llu  %*llu  %*llu  %-16s  %-16s  %s\n",
		    w1, (unsigned long long)row_count(r), w2,
		    (unsigned long long)row_refused(r), w3,
		    (unsigned long long)r->a.locked, w4,
		    (unsigned long long)r->a.backscatter, w5,
		    (unsigned long long)r->a.revoked_hits, first, last, cls);
	}
}

/* Prints ,"name":"TIME" or ,"name":null. */
static void
print_time_json(const char *name, int64_t t)
{
	char	 buf[OUTPUT_TIME_BUF];

	output_time_utc(t, buf);
	if (buf[0] != '\0')
		printf(",\"%s\":\"%s\"", name, buf);
	else
		printf(",\"%s\":null", name);
}

static void
print_senders_json(const char *alias, const struct stats_row *rows,
    size_t n, const struct evidence *ev, const struct report_files *sf)
{
	const struct stats_row *r;
	const char *cls;
	size_t	 i;

	printf("{\"alias\":");
	output_json_string(alias);
	print_time_json("start", ev->start);
	print_time_json("new_after", ev->new_after);
	printf(",\"young\":%s,\"senders\":[", n > 0 && ev->young ?
	    "true" : "false");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		printf("%s\n {\"domain\":", i ? "," : "");
		output_json_string(evidence_domain(r));
		printf(",\"count\":%llu,\"refused\":%llu,\"locked\":%llu,"
		    "\"backscatter\":%llu,\"revoked\":%llu",
		    (unsigned long long)row_count(r),
		    (unsigned long long)row_refused(r),
		    (unsigned long long)r->a.locked,
		    (unsigned long long)r->a.backscatter,
		    (unsigned long long)r->a.revoked_hits);
		print_time_json("first_seen", r->a.first_seen);
		print_time_json("last_seen", r->a.last_seen);
		cls = class_name(evidence_class(ev, r));
		printf(",\"class\":%s%s%s}", cls != NULL ? "\"" : "",
		    cls != NULL ? cls : "null", cls != NULL ? "\"" : "");
	}
	printf("%s]", n ? "\n" : "");
	report_files_print(sf, 1);
	printf("}\n");
}

/*
 * senders ALIAS [--json] [--by count|last]: the sender domains that
 * mailed ALIAS, newest first (or most messages first), "(other)" last.
 */
int
cmd_senders(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"--json", NULL}, {"--by", "count or last"},
		REPORT_OPT_MERGE, {NULL, NULL}
	};
	struct aliasfile *af = NULL;
	const struct af_alias *a;
	struct report_files sf;
	struct stats_row *rows = NULL;
	struct evidence ev;
	struct cli_args args;
	const char *arg = NULL, *v;
	size_t	 n = 0, i;
	int	 k, json = 0, bycount = 0, rc;

	report_files_init(&sf);
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 2) {
			if ((rc = report_files_merge(&sf, v)) != 0)
				goto out;
		} else if (k == 0)
			json = 1;
		else if (k == 1) {
			if (strcmp(v, "count") == 0)
				bycount = 1;
			else if (strcmp(v, "last") == 0)
				bycount = 0;
			else {
				log_warnx("senders: --by takes count or last, "
				    "not '%s'", v);
				rc = cli_usage();
				goto out;
			}
		} else if (k == CLI_OPERAND && arg == NULL)
			arg = v;
		else {
			if (k == CLI_OPERAND)
				log_warnx("senders: unexpected argument '%s'",
				    v);
			rc = cli_usage();
			goto out;
		}
	}
	if (arg == NULL) {
		log_warnx("senders: which alias?");
		rc = cli_usage();
		goto out;
	}
	if ((rc = load_alias(o, arg, &af, &a)) != 0) {
		if (rc == EX_USAGE)
			rc = cli_usage();
		goto out;
	}
	if ((rc = report_files_find(o, &sf)) != 0 ||
	    (rc = read_senders(&sf, a->key, &rows, &n)) != 0)
		goto out;
	for (i = 0; i < sf.n && !sf.found[i]; i++)
		;
	if (n == 0)
		log_warnx("no sender evidence for %s yet (%s)", a->key,
		    i < sf.n ? "alias-milter has recorded none" :
		    "no stats file exists");
	evidence_judge(a->created, rows, n, (int64_t)time(NULL), &ev);
	if (n > 1)
		qsort(rows, n, sizeof(*rows), bycount ? cmp_count : cmp_last);
	if (json)
		print_senders_json(a->key, rows, n, &ev, &sf);
	else {
		if (o->stats == NULL || sf.n > 1)
			report_files_print(&sf, 0);
		print_senders_table(a->key, rows, n, &ev);
	}
	rc = cli_flush();
out:
	stats_rows_free(rows, n);
	report_files_free(&sf);
	af_free(af);
	return rc;
}

/* Judges l at now (today: days) and sets its score and action. */
static void
leak_judge(struct evidence_leak *l, int32_t today, int64_t now)
{
	const struct af_alias *a = l->a;
	uint64_t locked = 0, revoked = 0, backscatter = 0;
	size_t	 i;
	int	 through = 0;

	evidence_judge(a->created, l->rows, l->n, now, &l->ev);
	if (l->hit != NULL) {
		locked = l->hit->a.locked;
		revoked = l->hit->a.revoked_hits;
		backscatter = l->hit->a.backscatter;
	}
	l->score = l->ev.new_mail + locked + revoked + backscatter;
	if ((a->flags & AF_REVOKED) ||
	    (a->expires != DATE_NONE && a->expires < today))
		l->action = EVIDENCE_ACT_NONE;
	else if (l->n > 0 && l->ev.young)
		l->action = EVIDENCE_ACT_WAIT;
	else if (a->senders != NULL) {
		/*
		 * Refusals are the lock working.  Mail accepted from a new
		 * domain that the lock does not admit came before the lock;
		 * from one it admits, it keeps coming through the lock.
		 */
		for (i = 0; i < l->n && !through; i++)
			through = evidence_class(&l->ev, &l->rows[i]) ==
			    EVIDENCE_NEW && l->rows[i].a.hits > 0 &&
			    lock_admits(a->senders,
			    evidence_domain(&l->rows[i]));
		l->action = through || revoked > 0 ? EVIDENCE_ACT_REVOKE :
		    EVIDENCE_ACT_HOLDS;
	} else if (l->ev.nestablished > 0)
		l->action = EVIDENCE_ACT_LOCK;
	else
		l->action = EVIDENCE_ACT_REVOKE;
}

/* Writes s as one shell word: quoted unless it needs no quoting. */
static void
shell_word(FILE *f, const char *s)
{
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789@.+_-")] ==
	    '\0') {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s != '\0'; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/*
 * The command leaks suggests for l, in new memory the caller frees, or
 * the words of EVIDENCE_ACT_WAIT, EVIDENCE_ACT_NONE and EVIDENCE_ACT_HOLDS; NULL when out
 * of memory.
 */
char *
evidence_leak_command(const struct evidence_leak *l)
{
	char	*buf = NULL, day[DATE_BUF];
	size_t	 len, i;
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	switch (l->action) {
	case EVIDENCE_ACT_LOCK:
		fputs("aliasctl lock ", f);
		shell_word(f, l->a->key);
		for (i = 0; i < l->n; i++)
			if (evidence_class(&l->ev, &l->rows[i]) ==
			    EVIDENCE_ESTABLISHED) {
				fputs(" --sender ", f);
				shell_word(f, evidence_domain(&l->rows[i]));
			}
		break;
	case EVIDENCE_ACT_REVOKE:
		fputs("aliasctl revoke ", f);
		shell_word(f, l->a->key);
		break;
	case EVIDENCE_ACT_WAIT:
		date_format((int32_t)(l->ev.new_after / DAY_SECS), day);
		fprintf(f, "no verdict before %s", day);
		break;
	case EVIDENCE_ACT_NONE:
		if (l->a->flags & AF_REVOKED) {
			date_format(l->a->revoked, day);
			fprintf(f, "revoked on %s", day);
		} else {
			date_format(l->a->expires, day);
			fprintf(f, "expired after %s", day);
		}
		break;
	case EVIDENCE_ACT_HOLDS:
		fputs("the lock refuses it", f);
		break;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
evidence_leaks(const struct aliasfile *af, const struct stats_row *hits,
    size_t nhits, const struct stats_row *rows, size_t nrows, int64_t now,
    struct evidence_leak **leaksp, size_t *np)
{
	struct evidence_leak *leaks = NULL, *l;
	size_t	 i, n = 0;
	int32_t	 today = date_today();

	*leaksp = NULL;
	*np = 0;
	if (af->naliases > 0 &&
	    (leaks = calloc(af->naliases, sizeof(*leaks))) == NULL)
		return -1;
	for (i = 0; i < af->naliases; i++) {
		l = &leaks[n];
		l->a = &af->aliases[i];
		l->hit = nhits ? bsearch(l->a->key, hits, nhits,
		    sizeof(*hits), cmp_row_key) : NULL;
		l->rows = alias_rows(rows, nrows, l->a->key, &l->n);
		leak_judge(l, today, now);
		if (l->score > 0)
			n++;
	}
	if (n > 1)
		qsort(leaks, n, sizeof(*leaks), cmp_leak);
	*leaksp = leaks;
	*np = n;
	return 0;
}

/*
 * leaks [--json]: the aliases of the file with evidence of a leak
 * (score above 0), highest score first, each with what to do.
 */
int
cmd_leaks(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = { {"--json", NULL},
		REPORT_OPT_MERGE, {NULL, NULL} };
	struct aliasfile *af = NULL;
	struct report_files sf;
	struct stats_row *hits = NULL, *rows = NULL;
	struct evidence_leak *leaks = NULL, *l;
	struct cli_args args;
	struct errbuf e;
	const char *v;
	char	*cmd;
	size_t	 nhits = 0, n = 0, nleaks = 0, i, j, kw = strlen("ALIAS");
	int	 k, json = 0, rc, w1 = 5, w2 = 3, w3 = 8, w4 = 6, w5 = 7,
		 w6 = 11;
	int64_t	 now = (int64_t)time(NULL);

	report_files_init(&sf);
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 0)
			json = 1;
		else if (k == 1) {
			if ((rc = report_files_merge(&sf, v)) != 0)
				goto out;
		} else {
			if (k == CLI_OPERAND)
				log_warnx("leaks: unexpected argument '%s'", v);
			rc = cli_usage();
			goto out;
		}
	}
	if ((rc = cli_load(o, &af)) != 0 ||
	    (rc = report_files_find(o, &sf)) != 0)
		goto out;
	if (stats_read_all((const char *const *)sf.path, sf.n, 0, &hits,
	    &nhits, sf.found, &e) == -1) {
		log_warnx("%s", e.msg);
		rc = errno == EACCES ? EX_NOINPUT : EX_IOERR;
		goto out;
	}
	if ((rc = read_senders(&sf, NULL, &rows, &n)) != 0)
		goto out;
	for (i = 0; i < sf.n && !sf.found[i]; i++)
		;
	if (i == sf.n)
		log_warnx("no evidence recorded yet (no stats file exists)");
	if (evidence_leaks(af, hits, nhits, rows, n, now, &leaks, &nleaks) ==
	    -1) {
		log_warn("leaks");
		rc = EX_OSERR;
		goto out;
	}
	for (i = 0; i < nleaks; i++) {
		l = &leaks[i];
		if (output_vis_len(l->a->key) > kw)
			kw = output_vis_len(l->a->key);
		w1 = output_num_width(l->score, w1);
		w2 = output_num_width(l->ev.nnew, w2);
		w3 = output_num_width(l->ev.new_mail, w3);
		if (l->hit != NULL) {
			w4 = output_num_width(l->hit->a.locked, w4);
			w5 = output_num_width(l->hit->a.revoked_hits, w5);
			w6 = output_num_width(l->hit->a.backscatter, w6);
		}
	}
	if (json)
		printf("{\"leaks\":[");
	else {
		if (o->stats == NULL || sf.n > 1)
			report_files_print(&sf, 0);
		printf("%-*s  %*s  %*s  %*s  %*s  %*s  %*s  %s\n", (int)kw,
		    "ALIAS", w1, "SCORE", w2, "NEW", w3, "NEW-MAIL", w4,
		    "LOCKED", w5, "REVOKED", w6, "BACKSCATTER", "ACTION");
	}
	for (i = 0; i < nleaks; i++) {
		l = &leaks[i];
		if ((cmd = evidence_leak_command(l)) == NULL) {
			log_warn("leaks");
			rc = EX_OSERR;
			goto out;
		}
		if (json) {
			printf("%s\n {\"alias\":", i ? "," : "");
			output_json_string(l->a->key);
			printf(",\"score\":%llu,\"new_senders\":[",
			    (unsigned long long)l->score);
			for (j = 0, k = 0; j < l->n; j++)
				if (evidence_class(&l->ev, &l->rows[j]) ==
				    EVIDENCE_NEW) {
					printf("%s", k++ ? "," : "");
					output_json_string(evidence_domain(
					    &l->rows[j]));
				}
			printf("],\"established_senders\":[");
			for (j = 0, k = 0; j < l->n; j++)
				if (evidence_class(&l->ev, &l->rows[j]) ==
				    EVIDENCE_ESTABLISHED) {
					printf("%s", k++ ? "," : "");
					output_json_string(evidence_domain(
					    &l->rows[j]));
				}
			printf("],\"refused_senders\":[");
			for (j = 0, k = 0; j < l->n; j++)
				if (evidence_class(&l->ev, &l->rows[j]) ==
				    EVIDENCE_REFUSED) {
					printf("%s", k++ ? "," : "");
					output_json_string(evidence_domain(
					    &l->rows[j]));
				}
			printf("],\"new_mail\":%llu,\"locked\":%llu,"
			    "\"revoked\":%llu,\"backscatter\":%llu,"
			    "\"young\":%s,\"action\":\"%s\",\"command\":",
			    (unsigned long long)l->ev.new_mail,
			    (unsigned long long)(l->hit ? l->hit->a.locked : 0),
			    (unsigned long long)(l->hit ?
			    l->hit->a.revoked_hits : 0),
			    (unsigned long long)(l->hit ?
			    l->hit->a.backscatter : 0),
			    l->n > 0 && l->ev.young ? "true" : "false",
			    action_name[l->action]);
			if (l->action == EVIDENCE_ACT_LOCK ||
			    l->action == EVIDENCE_ACT_REVOKE)
				output_json_string(cmd);
			else
				printf("null");
			printf(",\"note\":");
			if (l->action == EVIDENCE_ACT_LOCK ||
			    l->action == EVIDENCE_ACT_REVOKE)
				printf("null}");
			else {
				output_json_string(cmd);
				printf("}");
			}
		} else {
			output_vis_print(l->a->key, (int)kw);
			printf("  %*llu  %*zu  %*llu  %*llu  %*llu  %*llu  %s: "
			    "%s\n", w1, (unsigned long long)l->score, w2,
			    l->ev.nnew, w3, (unsigned long long)l->ev.new_mail,
			    w4, (unsigned long long)(l->hit ?
			    l->hit->a.locked : 0), w5,
			    (unsigned long long)(l->hit ?
			    l->hit->a.revoked_hits : 0), w6,
			    (unsigned long long)(l->hit ?
			    l->hit->a.backscatter : 0),
			    action_name[l->action], cmd);
		}
		free(cmd);
	}
	if (json) {
		printf("%s]", nleaks ? "\n" : "");
		report_files_print(&sf, 1);
		printf("}\n");
	}
	rc = cli_flush();
out:
	free(leaks);
	stats_rows_free(rows, n);
	stats_rows_free(hits, nhits);
	report_files_free(&sf);
	af_free(af);
	return rc;
}

int
evidence_lock_senders(const struct options *o, struct report_files *sf,
    const char *key, const char **list, char (*buf)[ADDR_BUF], size_t max,
    size_t *np)
{
	struct aliasfile *af = NULL;
	const struct af_alias *a;
	struct stats_row *rows = NULL;
	struct evidence ev;
	char	 when[OUTPUT_TIME_BUF];
	size_t	 n = 0, i;
	int	 rc;

	*np = 0;
	if ((rc = load_alias(o, key, &af, &a)) != 0 ||
	    (rc = report_files_find(o, sf)) != 0 ||
	    (rc = read_senders(sf, a->key, &rows, &n)) != 0)
		goto out;
	evidence_judge(a->created, rows, n, (int64_t)time(NULL), &ev);
	output_time_local(ev.new_after, when);
	rc = EX_NOINPUT;
	if (n == 0) {
		log_warnx("lock: no sender evidence for %s yet: name the "
		    "senders with --sender", a->key);
		goto out;
	}
	if (ev.young) {
		log_warnx("lock: the evidence for %s is younger than %d days "
		    "(no verdict before %s): name the senders with --sender",
		    a->key, EVIDENCE_NEW_DAYS, when);
		goto out;
	}
	if (ev.nestablished == 0) {
		log_warnx("lock: %s has no established sender domain (none "
		    "first seen by %s): name the senders with --sender, or "
		    "revoke it", a->key, when);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (evidence_class(&ev, &rows[i]) != EVIDENCE_ESTABLISHED)
			continue;
		if (*np == max) {
			log_warnx("lock: %s has more than %zu established "
			    "sender domains: name the senders with --sender",
			    a->key, max);
			goto out;
		}
		snprintf(buf[*np], ADDR_BUF, "%s", evidence_domain(&rows[i]));
		list[*np] = buf[*np];
		(*np)++;
	}
	fprintf(stderr, "%s: lock: %s: the established senders (first seen "
	    "by %s):", log_progname(), a->key, when);
	for (i = 0; i < *np; i++)
		fprintf(stderr, " %s", list[i]);
	fprintf(stderr, "\n");
	rc = 0;
out:
	stats_rows_free(rows, n);
	af_free(af);
	return rc;
}
