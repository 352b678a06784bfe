/*
 * import.c: aliasctl import.  Prints, as YAML to review, the addresses
 * a catch-all mail log or a virtual(5) file knows at the managed domains
 * that are not aliases yet; with --apply, adds them in one edit.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_edit.h"
#include "cli.h"
#include "edit.h"
#include "import.h"
#include "log.h"
#include "maillog.h"
#include "util.h"

#define IMPORT_NOTE_BUF		256	/* the note of an imported alias */

static void	 import_clean(char *);
static FILE	*import_open(const char *);
static int	 import_kind(const struct ml_entry *, struct ml_agg *);
static void	 import_note(const struct ml_entry *, int, char *);
static int	 import_targets(const struct ml_entry *, const char *, char *,
		    size_t);
static int	 import_outgoing(const struct aliasfile *, struct ml_agg *,
		    const struct ml_rec *, struct ml_msg *);
static int	 import_maillog(const struct options *, const struct aliasfile *,
		    int, const char *,
		    int32_t);
static int	 import_apply(const struct options *, struct af_new_alias *,
		    size_t);
static char	*import_slurp(FILE *, size_t *);
static int	 import_virtual(const struct options *, const struct aliasfile *,
		    int, const char *);

/*
 * A summary line: the path may hold any byte, the YAML comment must
 * stay one line, so control bytes become '?'.
 */
static void
import_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/*
 * Opens path for import ("-" is standard input, not to be closed); a
 * directory is unreadable input too.
 */
static FILE *
import_open(const char *path)
{
	struct stat st;
	FILE	*fp;

	if (strcmp(path, "-") == 0)
		return stdin;
	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if (fstat(fileno(fp), &st) == -1) {
		log_warn("%s", path);
		fclose(fp);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		log_warnx("%s: Is a directory", path);
		fclose(fp);
		return NULL;
	}
	return fp;
}

/* What import makes of an address seen in the log. */
enum import_kind {
	IMPORT_REAL,		/* mail from a real sender */
	IMPORT_OWN,		/* only bounces, but it sends mail out */
	IMPORT_UNKNOWN,		/* senders not in the log: left out */
	IMPORT_BACKSCATTER,	/* only bounces: left out */
	IMPORT_GUESS		/* only rejected: left out */
};

/*
 * The kinds the proposal comments out and --apply leaves out: only an
 * address with mail from a real sender, or one the owner sends from, is
 * an alias by the log's evidence.
 */
#define IMPORT_LEFT_OUT(kind)	((kind) >= IMPORT_UNKNOWN)

/* The kind of e; out holds the addresses seen sending mail out. */
static int
import_kind(const struct ml_entry *e, struct ml_agg *out)
{
	if (e->messages)
		return IMPORT_REAL;
	if (e->unknown)
		return IMPORT_UNKNOWN;
	if (e->bounces)
		return ml_agg_get(out, e->addr, 0) != NULL ? IMPORT_OWN :
		    IMPORT_BACKSCATTER;
	return IMPORT_GUESS;
}

/*
 * The counts of e, "12 messages from 5 domains, 3 bounces, FIRST..LAST",
 * into buf (IMPORT_NOTE_BUF bytes), labelled by its kind.
 */
static void
import_note(const struct ml_entry *e, int kind, char *buf)
{
	char	 first[DATE_BUF], last[DATE_BUF];
	size_t	 n = 0;

#define NOTE_ADD(...)	(n += (size_t)snprintf(buf + n, n < IMPORT_NOTE_BUF ? \
			    IMPORT_NOTE_BUF - n : 0, __VA_ARGS__))
#define NOTE_N(x, what)	(unsigned long long)(x), (x) == 1 ? "" : (what)
	buf[0] = '\0';
	if (kind == IMPORT_GUESS)
		NOTE_ADD("only rejected (a guess, not an alias): ");
	else if (kind == IMPORT_UNKNOWN)
		NOTE_ADD("senders not in the log (check by hand): ");
	else if (kind == IMPORT_BACKSCATTER)
		NOTE_ADD("backscatter, not an alias: ");
	else if (kind == IMPORT_OWN)
		NOTE_ADD("sends mail out, ");
	if (e->messages && e->domains)
		NOTE_ADD("%llu message%s from %llu domain%s, ",
		    NOTE_N(e->messages, "s"), NOTE_N(e->domains, "s"));
	else if (e->messages)
		NOTE_ADD("%llu message%s, ", NOTE_N(e->messages, "s"));
	if (e->unknown)
		NOTE_ADD("%llu message%s with the sender not in the log, ",
		    NOTE_N(e->unknown, "s"));
	if (e->bounces)
		NOTE_ADD("%llu bounce%s, ", NOTE_N(e->bounces, "s"));
	if (kind == IMPORT_BACKSCATTER)
		NOTE_ADD("no mail from a real sender, ");
	if (e->rejected)
		NOTE_ADD("%llu rejected, ", (unsigned long long)e->rejected);
	date_format(e->first, first);
	date_format(e->last, last);
	if (e->first == e->last)
		NOTE_ADD("%s", first);
	else
		NOTE_ADD("%s..%s", first, last);
#undef NOTE_N
#undef NOTE_ADD
}

/*
 * The targets of e as a YAML flow sequence (or one scalar) into buf, or
 * "" when they are the domain's deliver_to or unknown.  Returns 0, or -1
 * when one does not fit.
 */
static int
import_targets(const struct ml_entry *e, const char *deliver_to, char *buf,
    size_t size)
{
	char	 yk[2 * ADDR_BUF + 3];
	size_t	 i, n = 0;

	buf[0] = '\0';
	if (e->nto == 0 || (e->nto == 1 && strcmp(e->to[0], deliver_to) == 0))
		return 0;
	for (i = 0; i < e->nto; i++) {
		if (af_yaml_scalar(e->to[i], yk, sizeof(yk)) == -1)
			return -1;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
		    i == 0 ? (e->nto > 1 ? "[" : "") : ", ", yk);
	}
	if (e->nto > 1)
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "]");
	return n < size ? 0 : -1;
}

/*
 * Counts a message sent out: a delivery r of message m (sent, to a
 * network relay, for an address at no managed domain) whose sender is
 * at a managed domain counts once for that sender (its subaddress
 * folded) in out.  Returns 0, or -1 when out of memory.
 */
static int
import_outgoing(const struct aliasfile *af, struct ml_agg *out,
    const struct ml_rec *r, struct ml_msg *m)
{
	struct ml_entry *e;
	struct addr a;
	struct addr_keys ak;
	char	 mark[ADDR_BUF + 8];
	int	 di, seen;

	if (m->from == NULL || r->status != ML_SENT || !r->remote ||
	    af_find_domain(af, r->a.domain) != -1 ||
	    addr_parse(m->from, strlen(m->from), 0, &a) != ADDR_OK ||
	    (di = af_find_domain(af, a.domain)) == -1)
		return 0;
	addr_keys(&a, af->domains[di].subaddress, &ak);
	/* Not to be taken for a recipient of the same message. */
	snprintf(mark, sizeof(mark), "from %s", ak.base[0] != '\0' ?
	    ak.base : ak.full);
	if ((seen = ml_msg_counted(m, mark)) != 0)
		return seen == 1 ? 0 : -1;
	if ((e = ml_agg_get(out, mark + 5, 1)) == NULL)
		return -1;
	e->messages++;
	return 0;
}

static int
import_maillog(const struct options *o, const struct aliasfile *af, int apply,
    const char *path, int32_t since)
{
	struct ml_agg *agg = NULL, *out = NULL;
	struct ml_queue *queue = NULL;
	struct ml_entry *e, *oe;
	struct ml_msg *m;
	struct ml_rec r;
	struct tm tm;
	time_t	 now;
	FILE	*fp;
	struct af_new_alias *adds = NULL;
	struct addr_keys ak;
	const char *key;
	char	*line = NULL, yk[2 * ADDR_BUF + 3], targets[8192];
	char	 summary[8192], day[DATE_BUF], note[IMPORT_NOTE_BUF];
	char	*notes = NULL;
	size_t	 cap = 0, nlines = 0, nused = 0, nskipped = 0, nold = 0;
	size_t	 nkind[IMPORT_GUESS + 1], i, k;
	ssize_t	 n;
	int	 di, kind, rc = 0;

	if ((fp = import_open(path)) == NULL)
		return EX_NOINPUT;
	if ((agg = ml_agg_new()) == NULL || (out = ml_agg_new()) == NULL ||
	    (queue = ml_queue_new(ML_QUEUE_MAX)) == NULL)
		goto nomem;
	now = time(NULL);
	localtime_r(&now, &tm);
	while ((n = getline(&line, &cap, fp)) != -1) {
		nlines++;
		kind = maillog_parse(line, n, tm.tm_year + 1900,
		    tm.tm_mon + 1, &r);
		if (kind == ML_SKIP) {
			nskipped++;
			continue;
		}
		/* A message's sender and end count whatever --since says. */
		if (kind == ML_FROM) {
			nused++;
			if (ml_queue_from(queue, &r) == -1)
				goto nomem;
			continue;
		}
		if (kind == ML_REMOVED) {
			nused++;
			ml_queue_remove(queue, r.qid);
			continue;
		}
		if (since != DATE_NONE && r.day < since) {
			nold++;
			continue;
		}
		nused++;
		m = NULL;
		if (kind == ML_DELIVERY) {
			/* No from= line yet: the sender stays unknown. */
			if ((m = ml_queue_get(queue, r.qid, 1)) == NULL ||
			    import_outgoing(af, out, &r, m) == -1)
				goto nomem;
		}
		if ((di = af_find_domain(af, r.a.domain)) == -1)
			continue;
		/* irs+2025@ is irs@ where the domain splits subaddresses. */
		addr_keys(&r.a, af->domains[di].subaddress, &ak);
		key = ak.base[0] != '\0' ? ak.base : ak.full;
		/* postmaster@ and abuse@ are always accepted. */
		if (af_find_alias(af, key) != NULL ||
		    addr_always(r.a.local, ak.blen) != -1)
			continue;
		if (ml_agg_add(agg, key, &r, m) == -1)
			goto nomem;
	}
	if (ferror(fp)) {
		log_warn("%s", path);
		rc = EX_IOERR;
		goto out;
	}
	if (agg->n > 1)
		qsort(agg->v, agg->n, sizeof(*agg->v), ml_entry_cmp);
	memset(nkind, 0, sizeof(nkind));
	for (i = 0; i < agg->n; i++)
		nkind[import_kind(&agg->v[i], out)]++;
	n = snprintf(summary, sizeof(summary), "aliasctl import --maillog %s: "
	    "%zu lines, %zu used, %zu skipped", path, nlines, nused, nskipped);
	if (since != DATE_NONE && n > 0 && (size_t)n < sizeof(summary)) {
		date_format(since, day);
		n += snprintf(summary + n, sizeof(summary) - n,
		    ", %zu before %s", nold, day);
	}
	if (queue->evicted && n > 0 && (size_t)n < sizeof(summary))
		snprintf(summary + n, sizeof(summary) - n, ", %zu queue ids "
		    "dropped unfinished", queue->evicted);
	import_clean(summary);
	fprintf(stderr, "%s\n", summary);
	n = snprintf(note, sizeof(note), "import: %zu address%s: %zu with "
	    "mail from real senders", agg->n, agg->n == 1 ? "" : "es",
	    nkind[IMPORT_REAL]);
#define SUM_ADD(...)	(n += snprintf(note + n, \
			    (size_t)n < sizeof(note) ? sizeof(note) - n : 0, \
			    __VA_ARGS__))
	if (nkind[IMPORT_UNKNOWN])
		SUM_ADD(", %zu with senders not in the log (left out)",
		    nkind[IMPORT_UNKNOWN]);
	if (nkind[IMPORT_OWN])
		SUM_ADD(", %zu only bounces but sending mail out",
		    nkind[IMPORT_OWN]);
	SUM_ADD(", %zu only bounces (backscatter, left out)",
	    nkind[IMPORT_BACKSCATTER]);
	if (nkind[IMPORT_GUESS])
		SUM_ADD(", %zu only rejected (guesses, left out)",
		    nkind[IMPORT_GUESS]);
#undef SUM_ADD
	fprintf(stderr, "%s\n", note);
	if (apply) {
		/* What the proposal leaves uncommented. */
		if ((adds = calloc(agg->n + 1, sizeof(*adds))) == NULL ||
		    (notes = calloc(agg->n + 1, IMPORT_NOTE_BUF)) == NULL)
			goto nomem;
		for (i = 0, k = 0; i < agg->n; i++) {
			e = &agg->v[i];
			kind = import_kind(e, out);
			if (IMPORT_LEFT_OUT(kind) ||
			    af_yaml_scalar(e->addr, yk, sizeof(yk)) == -1 ||
			    (di = af_find_domain(af, strrchr(e->addr, '@') +
			    1)) == -1 || import_targets(e,
			    af->domains[di].deliver_to, targets,
			    sizeof(targets)) == -1)
				continue;
			adds[k].key = e->addr;
			if (targets[0] != '\0') {
				adds[k].to = (const char *const *)e->to;
				adds[k].nto = e->nto;
			}
			import_note(e, kind, notes + k * IMPORT_NOTE_BUF);
			/* The suggestion the proposal comments out. */
			if (e->bounces && ml_agg_get(out, e->addr, 0) == NULL) {
				n = strlen(notes + k * IMPORT_NOTE_BUF);
				snprintf(notes + k * IMPORT_NOTE_BUF + n,
				    IMPORT_NOTE_BUF - n,
				    "; receive_only suggested");
			}
			adds[k].note = notes + k * IMPORT_NOTE_BUF;
			k++;
		}
		rc = import_apply(o, adds, k);
		goto out;
	}
	printf("# %s\n# %s\n", summary, note);
	printf("# Review, then add what is not commented out: backscatter, "
	    "guesses and\n# addresses whose senders the log does not show "
	    "are.\n");
	printf("aliases:\n");
	for (i = 0; i < agg->n; i++) {
		e = &agg->v[i];
		kind = import_kind(e, out);
		if (IMPORT_LEFT_OUT(kind) ||
		    af_yaml_scalar(e->addr, yk, sizeof(yk)) == -1 ||
		    (di = af_find_domain(af, strrchr(e->addr, '@') + 1)) ==
		    -1 || import_targets(e, af->domains[di].deliver_to,
		    targets, sizeof(targets)) == -1)
			continue;
		import_note(e, kind, note);
		printf("  # %s\n", note);
		oe = ml_agg_get(out, e->addr, 0);
		if (oe != NULL)
			printf("  # sent %llu message%s out: bounces may be "
			    "for mail sent from it\n",
			    (unsigned long long)oe->messages,
			    oe->messages == 1 ? "" : "s");
		else if (e->bounces)
			printf("  # never sent mail out: no bounce can be for "
			    "mail sent from it\n");
		if (targets[0] == '\0' && (oe != NULL || e->bounces == 0)) {
			printf("  %s: {}\n", yk);
			continue;
		}
		printf("  %s:\n", yk);
		if (targets[0] != '\0')
			printf("    to: %s\n", targets);
		if (oe == NULL && e->bounces)
			printf("    # receive_only: true\n");
	}
	for (kind = IMPORT_UNKNOWN; kind <= IMPORT_GUESS; kind++)
		for (i = 0; i < agg->n; i++) {
			e = &agg->v[i];
			if (import_kind(e, out) != kind ||
			    af_yaml_scalar(e->addr, yk, sizeof(yk)) == -1)
				continue;
			import_note(e, kind, note);
			printf("  # %s\n  # %s: {}\n", note, yk);
		}
	rc = cli_flush();
	goto out;
nomem:
	log_warnx("out of memory");
	rc = EX_OSERR;
out:
	free(adds);
	free(notes);
	free(line);
	ml_agg_free(agg);
	ml_agg_free(out);
	ml_queue_free(queue);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

/*
 * import --apply: adds the aliases in one edit of the file, with one
 * load and compile.  Nothing to add is not an error.
 */
static int
import_apply(const struct options *o, struct af_new_alias *adds, size_t n)
{
	struct edit ed;

	if (n == 0) {
		printf("nothing to add\n");
		return cli_flush();
	}
	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_ADD;
	ed.adds = adds;
	ed.nadds = n;
	ed.key = adds[0].key;
	return edit_file(o, &ed);
}

/* Reads all of fp into a new buffer (freed by the caller). */
static char *
import_slurp(FILE *fp, size_t *lenp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0, n;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

/*
 * The virtual(5) entries for addresses at managed domains, in file
 * order; "to:" only when the targets are not the domain's deliver_to.
 */
static int
import_virtual(const struct options *o, const struct aliasfile *af, int apply,
    const char *path)
{
	struct arena arena;
	struct af_new_alias *adds = NULL, *na;
	const char **to;
	size_t	 nadds = 0, capadds = 0;
	struct ml_agg *seen = NULL;
	struct vt_entry ve;
	struct addr a, t;
	FILE	*fp, *mem = NULL;
	char	*text = NULL, *body = NULL, key[ADDR_BUF], tb[ADDR_BUF];
	char	 targets[8192], yk[2 * ADDR_BUF + 3], summary[8192];
	const char *p, *end;
	size_t	 len = 0, pos = 0, bodylen = 0, tlen, nt;
	size_t	 nentries = 0, nnew = 0, nknown = 0, nskipped = 0;
	unsigned lineno = 0;
	int	 di, err, r, rc = 0;

	arena_init(&arena);
	if ((fp = import_open(path)) == NULL)
		return EX_NOINPUT;
	if ((text = import_slurp(fp, &len)) == NULL) {
		log_warn("%s", path);
		rc = errno == ENOMEM ? EX_OSERR : EX_IOERR;
		goto out;
	}
	if ((seen = ml_agg_new()) == NULL ||
	    (mem = open_memstream(&body, &bodylen)) == NULL)
		goto nomem;
	while (vt_next(text, len, &pos, &lineno, &ve)) {
		nentries++;
		/*
		 * Only user@domain keys can be aliases: "@domain" is the
		 * catch-all being replaced, a bare domain or local name is
		 * no address.
		 */
		if (ve.keylen == 0 || ve.key[0] == '@' ||
		    memchr(ve.key, '@', ve.keylen) == NULL) {
			nskipped++;
			continue;
		}
		if ((err = addr_parse(ve.key, ve.keylen, 0, &a)) != ADDR_OK) {
			log_warnx("%s:%u: %.*s: %s", path, ve.line,
			    (int)ve.keylen, ve.key, addr_strerror(err));
			nskipped++;
			continue;
		}
		if ((di = af_find_domain(af, a.domain)) == -1) {
			nskipped++;
			continue;
		}
		addr_format(&a, key, sizeof(key));
		if (af_find_alias(af, key) != NULL ||
		    ml_agg_get(seen, key, 0) != NULL) {
			nknown++;
			continue;
		}
		p = ve.value;
		end = ve.value + ve.vallen;
		tlen = nt = 0;
		targets[0] = '\0';
		while ((r = vt_target_next(&p, end, &t, &err)) == 1) {
			addr_format(&t, tb, sizeof(tb));
			if (tlen + strlen(tb) + 3 > sizeof(targets)) {
				err = ADDR_PATH_LONG;
				r = -1;
				break;
			}
			tlen += snprintf(targets + tlen, sizeof(targets) - tlen,
			    "%s%s", nt++ ? ", " : "", tb);
		}
		if (r == -1 || nt == 0) {
			log_warnx("%s:%u: %s: %s%s", path, ve.line, key,
			    r == -1 ? "bad target: " : "no target",
			    r == -1 ? addr_strerror(err) : "");
			nskipped++;
			continue;
		}
		if (ml_agg_get(seen, key, 1) == NULL ||
		    af_yaml_scalar(key, yk, sizeof(yk)) == -1)
			goto nomem;
		nnew++;
		if (nadds == capadds) {
			capadds = capadds ? capadds * 2 : 64;
			if ((na = reallocarray(adds, capadds,
			    sizeof(*adds))) == NULL)
				goto nomem;
			adds = na;
		}
		na = &adds[nadds++];
		memset(na, 0, sizeof(*na));
		snprintf(tb, sizeof(tb), "imported from %s line %u", path,
		    ve.line);
		import_clean(tb);
		if ((na->key = arena_strndup(&arena, key, strlen(key))) ==
		    NULL || (na->note = arena_strndup(&arena, tb,
		    strlen(tb))) == NULL)
			goto nomem;
		fprintf(mem, "  # line %u\n  %s:", ve.line, yk);
		if (strcmp(targets, af->domains[di].deliver_to) == 0) {
			fprintf(mem, " {}\n");
			continue;
		}
		if ((to = arena_alloc(&arena, nt * sizeof(*to))) == NULL)
			goto nomem;
		na->to = to;
		fprintf(mem, "\n    to: %s", nt > 1 ? "[" : "");
		p = ve.value;
		nt = 0;
		while (vt_target_next(&p, end, &t, &err) == 1) {
			addr_format(&t, tb, sizeof(tb));
			if (af_yaml_scalar(tb, yk, sizeof(yk)) == -1 ||
			    (to[nt] = arena_strndup(&arena, tb,
			    strlen(tb))) == NULL)
				goto nomem;
			fprintf(mem, "%s%s", nt++ ? ", " : "", yk);
		}
		na->nto = nt;
		fprintf(mem, "%s\n", nt > 1 ? "]" : "");
	}
	if (fclose(mem) == EOF) {
		mem = NULL;
		goto nomem;
	}
	mem = NULL;
	snprintf(summary, sizeof(summary), "aliasctl import --virtual %s: "
	    "%zu entries, %zu new, %zu already aliases, %zu skipped", path,
	    nentries, nnew, nknown, nskipped);
	import_clean(summary);
	fprintf(stderr, "%s\n", summary);
	if (apply) {
		rc = import_apply(o, adds, nadds);
		goto out;
	}
	printf("# %s\n", summary);
	printf("# %zu address%s at managed domains; review, then add %s.\n",
	    nnew, nnew == 1 ? "" : "es", nnew == 1 ? "it" : "them");
	printf("# A virtual(5) table has no senders: it cannot tell mail "
	    "from backscatter.\n");
	printf("aliases:\n");
	fwrite(body, 1, bodylen, stdout);
	rc = cli_flush();
	goto out;
nomem:
	log_warnx("out of memory");
	rc = EX_OSERR;
out:
	if (mem != NULL)
		fclose(mem);
	free(body);
	free(text);
	free(adds);
	arena_free(&arena);
	ml_agg_free(seen);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

/*
 * import --maillog FILE [--since DATE] | --virtual FILE [--apply]:
 * prints, as YAML to review, the addresses at the managed domains of
 * the alias file that are not aliases yet, and changes nothing; or,
 * with --apply, adds what that YAML has uncommented in one edit.
 */
int
cmd_import(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af;
	const char *maillog = NULL, *virtual = NULL;
	static const struct cli_opt opts[] = {
		{"--maillog", "a file"}, {"--virtual", "a file"},
		{"--since", "a date"}, {"--apply", NULL}, {NULL, NULL}
	};
	struct cli_args args;
	const char *v;
	int32_t	 since = DATE_NONE;
	int	 k, rc, apply = 0;

	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 0)
			maillog = v;
		else if (k == 1)
			virtual = v;
		else if (k == 2) {
			if (date_parse(v, strlen(v), &since) == -1) {
				log_warnx("import: --since needs a date "
				    "YYYY-MM-DD, not '%s'", v);
				return cli_usage();
			}
		} else if (k == 3)
			apply = 1;
		else {
			if (k == CLI_OPERAND)
				log_warnx("import: unexpected argument '%s'",
				    v);
			return cli_usage();
		}
	}
	if ((maillog == NULL) == (virtual == NULL) ||
	    (virtual != NULL && since != DATE_NONE)) {
		log_warnx("import: give --maillog FILE [--since DATE] or "
		    "--virtual FILE");
		return cli_usage();
	}
	if ((rc = cli_load(o, &af)) != 0)
		return rc;
	if (maillog != NULL)
		rc = import_maillog(o, af, apply, maillog, since);
	else
		rc = import_virtual(o, af, apply, virtual);
	af_free(af);
	return rc;
}
