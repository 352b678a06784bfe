/*
 * fuzz_maillog.c: libFuzzer target for maillog.h, what "aliasctl
 * import" reads: Postfix log lines, the per-address aggregator,
 * virtual(5) text and the YAML quoting of what it prints.
 *
 * Input: two bytes for the current date (month, year), then text.  The
 * text is read three ways: line by line as a mail log (each line a heap
 * copy of its own length, so a read past it is caught), senders joined
 * by queue id in a small table of messages in flight (so that it fills
 * and drops its oldest) and every record counted in an aggregator;
 * whole, as virtual(5) text, with each value split into targets; and
 * each line as a string to quote for YAML.  Checked: records hold a
 * canonical address and a real date, a message counts once per address,
 * the aggregator's counts add up and its order is a total order, the
 * table stays within its bound, the virtual(5) reader always makes
 * progress and returns spans inside the text, and quoted output reads
 * back as the same string through libyaml.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "address.h"
#include "aliasfile_edit.h"
#include "maillog.h"
#include "util.h"
#include "fuzz_util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int years[8] = { 2026, 1900, 1901, 9999, 10000, 0, -1, 1970 };

#define FUZZ_QUEUE_MAX	8	/* small, so that the table fills */

/* A queue id: letters and digits, not empty, within its buffer. */
static void
check_qid(const char *qid)
{
	size_t	 i, n;

	n = strnlen(qid, ML_QID_BUF);
	FUZZ_CHECK(n > 0 && n < ML_QID_BUF, "queue id of length %zu", n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK((qid[i] >= '0' && qid[i] <= '9') ||
		    (qid[i] >= 'A' && qid[i] <= 'Z') ||
		    (qid[i] >= 'a' && qid[i] <= 'z'), "queue id %s", qid);
}

/* A canonical address: normalising it again gives it back. */
static void
check_canonical(const struct addr *a, const char *s, unsigned flags)
{
	struct addr b;
	char buf[ADDR_BUF], *t;
	size_t n;

	n = addr_format(a, buf, sizeof(buf));
	FUZZ_CHECK(n != (size_t)-1 && strcmp(buf, s) == 0,
	    "record address %s, formatted %s", s, buf);
	t = fuzz_copy(s, strlen(s), 0);
	FUZZ_CHECK(addr_parse(t, strlen(s), flags, &b) == ADDR_OK &&
	    strcmp(b.local, a->local) == 0 && strcmp(b.domain, a->domain) == 0,
	    "%s is not canonical", s);
	free(t);
}

static void
check_record(const struct ml_rec *r, int kind)
{
	char day[DATE_BUF];
	int32_t back;
	size_t i;

	struct addr a;

	FUZZ_CHECK(r->kind == kind, "kind %d returned, %d stored", kind,
	    r->kind);
	if (kind == ML_SKIP)
		return;
	FUZZ_CHECK(kind == ML_DELIVERY || kind == ML_REJECT ||
	    kind == ML_FROM || kind == ML_REMOVED, "kind %d", kind);
	date_format(r->day, day);
	FUZZ_CHECK(date_parse(day, 10, &back) == 0 && back == r->day,
	    "day %ld is no calendar day", (long)r->day);
	if (kind == ML_REMOVED) {
		check_qid(r->qid);
		return;
	}
	if (kind == ML_FROM) {
		check_qid(r->qid);
		FUZZ_CHECK(r->sender == ML_SENDER_REAL ||
		    r->sender == ML_SENDER_BOUNCE, "sender kind %d", r->sender);
		FUZZ_CHECK(memchr(r->from, '\0', sizeof(r->from)) != NULL &&
		    memchr(r->fromdom, '\0', sizeof(r->fromdom)) != NULL,
		    "sender not terminated");
		if (r->from[0] == '\0') {
			FUZZ_CHECK(r->fromdom[0] == '\0', "domain %s without "
			    "a sender", r->fromdom);
			return;
		}
		FUZZ_CHECK(addr_parse(r->from, strlen(r->from), 0, &a) ==
		    ADDR_OK && strcmp(a.domain, r->fromdom) == 0,
		    "sender %s, domain %s", r->from, r->fromdom);
		check_canonical(&a, r->from, 0);
		return;
	}
	if (kind == ML_DELIVERY) {
		check_qid(r->qid);
		FUZZ_CHECK(r->remote == 0 || r->remote == 1, "remote %d",
		    r->remote);
		FUZZ_CHECK(r->to[0] == '\0' || r->orig, "a target without "
		    "orig_to");
		if (r->to[0] != '\0') {
			FUZZ_CHECK(addr_parse(r->to, strlen(r->to),
			    ADDR_KEEP_CASE, &a) == ADDR_OK, "target %s", r->to);
			check_canonical(&a, r->to, ADDR_KEEP_CASE);
		}
	}
	if (kind == ML_DELIVERY)
		FUZZ_CHECK(r->status == ML_SENT || r->status == ML_BOUNCED ||
		    r->status == ML_DEFERRED, "delivery status %d", r->status);
	else
		FUZZ_CHECK(r->status == ML_NONE && r->orig == 0,
		    "reject with status %d, orig %d", r->status, r->orig);
	FUZZ_CHECK(r->orig == 0 || r->orig == 1, "orig %d", r->orig);
	FUZZ_CHECK(memchr(r->addr, '\0', sizeof(r->addr)) != NULL,
	    "address not terminated");
	for (i = 0; r->addr[i] != '\0'; i++)
		FUZZ_CHECK(r->addr[i] < 'A' || r->addr[i] > 'Z',
		    "%s is not case folded", r->addr);
	check_canonical(&r->a, r->addr, 0);
}

/*
 * Parses "k: " and the YAML text y, and checks that the value reads as
 * s.  Only for strings of printable ASCII: the other bytes are written
 * as escapes, which this byte compare does not decode.
 */
static void
check_yaml(const char *s, const char *y)
{
	yaml_parser_t p;
	yaml_event_t ev;
	char *doc;
	size_t len = strlen(y), nscalars = 0;
	int done = 0;

	doc = fuzz_alloc(len + 4);
	memcpy(doc, "k: ", 3);
	memcpy(doc + 3, y, len);
	FUZZ_CHECK(yaml_parser_initialize(&p), "yaml_parser_initialize");
	yaml_parser_set_input_string(&p, (const unsigned char *)doc, len + 3);
	while (!done) {
		FUZZ_CHECK(yaml_parser_parse(&p, &ev),
		    "YAML %s for \"%s\" does not parse: %s", y, s,
		    p.problem ? p.problem : "?");
		if (ev.type == YAML_SCALAR_EVENT && nscalars++ == 1)
			FUZZ_CHECK(ev.data.scalar.length == strlen(s) &&
			    memcmp(ev.data.scalar.value, s, strlen(s)) == 0,
			    "YAML %s reads as \"%.*s\", not \"%s\"", y,
			    (int)ev.data.scalar.length,
			    (const char *)ev.data.scalar.value, s);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	FUZZ_CHECK(nscalars == 2, "YAML %s: %zu scalars", y, nscalars);
	yaml_parser_delete(&p);
	free(doc);
}

/*
 * af_yaml_scalar(), the writer import uses, into buffers of the sizes
 * that matter.
 */
static void
check_quote(const char *s)
{
	size_t len = strlen(s), size, i;
	char *buf, *fit;
	int printable = 1;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			printable = 0;
	/* Always enough: two quotes, "\\xNN" per byte, a NUL. */
	size = 4 * len + 3;
	fit = fuzz_alloc(size);
	if (af_yaml_scalar(s, fit, size) == -1) {
		/* Only text that is not UTF-8 is refused. */
		for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
			;
		FUZZ_CHECK(i < len && fit[0] == '\0', "\"%s\" does not fit "
		    "in %zu bytes", s, size);
		free(fit);
		return;
	}
	FUZZ_CHECK(strlen(fit) < size, "overflow");
	if (printable)
		check_yaml(s, fit);
	/* Any size that holds the result works; a smaller one fails. */
	size = strlen(fit) + 1;
	for (i = size - 1; i <= size; i++) {
		buf = fuzz_alloc(i);
		if (i == size)
			FUZZ_CHECK(af_yaml_scalar(s, buf, i) == 0 &&
			    strcmp(buf, fit) == 0, "\"%s\" in %zu bytes", s, i);
		else
			FUZZ_CHECK(af_yaml_scalar(s, buf, i) == -1,
			    "\"%s\" fits in %zu bytes, needs %zu", s, i, size);
		free(buf);
	}
	free(fit);
}

/* Every line as a log line, each record counted in an aggregator. */
static void
check_log(const char *text, size_t len, int year, int month)
{
	struct ml_agg *agg;
	struct ml_queue *q;
	struct ml_entry *e;
	struct ml_msg *m;
	struct ml_rec r, r2;
	const char *p, *eol, *end = text + len;
	char *line;
	uint64_t total = 0, counted = 0, before, after;
	size_t i, j, n;
	int kind, seen;

	FUZZ_CHECK((agg = ml_agg_new()) != NULL, "ml_agg_new");
	FUZZ_CHECK((q = ml_queue_new(FUZZ_QUEUE_MAX)) != NULL, "ml_queue_new");
	for (p = text; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		/* With its newline, as getline() hands it over. */
		n = (size_t)(eol - p) + (eol < end);
		line = fuzz_copy(p, n, 0);
		kind = maillog_parse(line, n, year, month, &r);
		check_record(&r, kind);
		/* The same without the newline. */
		if (eol < end) {
			memset(&r2, 0, sizeof(r2));
			FUZZ_CHECK(maillog_parse(line, n - 1, year, month,
			    &r2) == kind, "newline changes the kind");
			if (kind != ML_SKIP)
				FUZZ_CHECK(strcmp(r.addr, r2.addr) == 0 &&
				    r.day == r2.day && r.status == r2.status &&
				    strcmp(r.qid, r2.qid) == 0 &&
				    strcmp(r.from, r2.from) == 0 &&
				    strcmp(r.to, r2.to) == 0 &&
				    r.sender == r2.sender &&
				    r.remote == r2.remote,
				    "newline changes the record");
		}
		free(line);
		m = NULL;
		seen = 0;
		if (kind == ML_FROM) {
			FUZZ_CHECK(ml_queue_from(q, &r) == 0, "ml_queue_from");
			m = ml_queue_get(q, r.qid, 0);
			FUZZ_CHECK(m != NULL && m->sender == r.sender &&
			    (m->from == NULL) == (r.from[0] == '\0'),
			    "message %s lost its sender", r.qid);
		} else if (kind == ML_REMOVED) {
			ml_queue_remove(q, r.qid);
			FUZZ_CHECK(ml_queue_get(q, r.qid, 0) == NULL,
			    "%s still there after removed", r.qid);
		} else if (kind == ML_DELIVERY) {
			FUZZ_CHECK((m = ml_queue_get(q, r.qid, 1)) != NULL,
			    "ml_queue_get");
			/* Counted already when the message holds it. */
			for (j = 0; j < m->nrcpt; j++)
				if (strcmp(m->rcpt[j], r.addr) == 0)
					seen = 1;
		}
		FUZZ_CHECK(q->n <= FUZZ_QUEUE_MAX, "%zu messages held", q->n);
		if (kind != ML_DELIVERY && kind != ML_REJECT)
			goto next;
		e = ml_agg_get(agg, r.addr, 0);
		before = e == NULL ? 0 : e->messages + e->bounces + e->unknown +
		    e->rejected;
		FUZZ_CHECK(ml_agg_add(agg, r.addr, &r, m) == 0, "ml_agg_add");
		total += !seen;
		e = ml_agg_get(agg, r.addr, 0);
		FUZZ_CHECK(e != NULL && strcmp(e->addr, r.addr) == 0 &&
		    e->first <= r.day && e->last >= r.day,
		    "entry for %s", r.addr);
		after = e->messages + e->bounces + e->unknown + e->rejected;
		FUZZ_CHECK(after == before + !seen, "%s counted %llu times",
		    r.addr, (unsigned long long)(after - before));
		FUZZ_CHECK(e->domains <= e->messages, "%s: %llu domains for "
		    "%llu messages", r.addr, (unsigned long long)e->domains,
		    (unsigned long long)e->messages);
		FUZZ_CHECK(e->nto <= ML_TARGETS_MAX, "%zu targets", e->nto);
		for (j = 0; j < e->nto; j++)
			FUZZ_CHECK(j + 1 == e->nto ||
			    strcmp(e->to[j], e->to[e->nto - 1]) != 0,
			    "target %s twice", e->to[j]);
next:
		if (eol == end)
			break;
	}
	FUZZ_CHECK(ml_agg_get(agg, "no such address", 0) == NULL,
	    "found what was never added");
	for (i = 0; i < agg->n; i++) {
		e = &agg->v[i];
		counted += e->messages + e->bounces + e->unknown + e->rejected;
		FUZZ_CHECK(ml_agg_get(agg, e->addr, 0) == e,
		    "%s not found at its own entry", e->addr);
		FUZZ_CHECK(e->first != DATE_NONE && e->first <= e->last,
		    "%s: first %ld last %ld", e->addr, (long)e->first,
		    (long)e->last);
		check_quote(e->addr);
	}
	FUZZ_CHECK(counted == total, "%llu records, %llu counted",
	    (unsigned long long)total, (unsigned long long)counted);
	if (agg->n > 1)
		qsort(agg->v, agg->n, sizeof(*agg->v), ml_entry_cmp);
	for (i = 0; i + 1 < agg->n; i++) {
		FUZZ_CHECK(ml_entry_cmp(&agg->v[i], &agg->v[i + 1]) < 0,
		    "not sorted, or two entries for %s", agg->v[i].addr);
		FUZZ_CHECK(ml_entry_cmp(&agg->v[i + 1], &agg->v[i]) > 0,
		    "ml_entry_cmp is not antisymmetric");
	}
	ml_agg_free(agg);
	ml_queue_free(q);
}

/* The targets of one virtual(5) value. */
static void
check_targets(const struct vt_entry *e)
{
	struct addr a;
	const char *p = e->value, *end = e->value + e->vallen, *before;
	char buf[ADDR_BUF];
	size_t steps = 0;
	int r, err;

	for (;;) {
		before = p;
		err = ADDR_OK;
		r = vt_target_next(&p, end, &a, &err);
		FUZZ_CHECK(r >= -1 && r <= 1, "vt_target_next: %d", r);
		FUZZ_CHECK(p >= before && p <= end, "target cursor moved "
		    "outside the value");
		if (r == 0) {
			FUZZ_CHECK(p == end, "no more targets before the end");
			break;
		}
		FUZZ_CHECK(p > before, "no progress");
		FUZZ_CHECK(++steps <= e->vallen, "more targets than bytes");
		if (r == -1) {
			FUZZ_CHECK(err > ADDR_OK && err < ADDR_NERRORS,
			    "bad target with error %d", err);
			continue;
		}
		FUZZ_CHECK(addr_format(&a, buf, sizeof(buf)) != (size_t)-1,
		    "target does not format");
		check_canonical(&a, buf, ADDR_KEEP_CASE);
		check_quote(buf);
	}
}

/* The whole text as virtual(5). */
static void
check_virtual(const char *text, size_t len)
{
	struct vt_entry e;
	struct addr a;
	char buf[ADDR_BUF];
	struct ml_agg *seen;
	struct ml_entry *en;
	size_t pos = 0, prev, nlines = 1, nseen = 0, i;
	unsigned lineno = 0, last = 0;

	FUZZ_CHECK((seen = ml_agg_new()) != NULL, "ml_agg_new");
	for (i = 0; i < len; i++)
		nlines += text[i] == '\n';
	for (;;) {
		prev = pos;
		memset(&e, 0, sizeof(e));
		if (!vt_next(text, len, &pos, &lineno, &e))
			break;
		FUZZ_CHECK(pos > prev && pos <= len, "position %zu after %zu",
		    pos, prev);
		FUZZ_CHECK(e.line > last && e.line <= lineno &&
		    lineno <= nlines, "line %u after %u (counted %u of %zu)",
		    e.line, last, lineno, nlines);
		last = e.line;
		FUZZ_CHECK(e.key >= text + prev && e.keylen > 0 &&
		    e.key + e.keylen <= text + pos, "key outside its entry");
		FUZZ_CHECK(e.key == text || e.key[-1] == '\n',
		    "key does not start a line");
		FUZZ_CHECK(e.key[0] != ' ' && e.key[0] != '\t' &&
		    e.key[0] != '#' && e.key[0] != '\n',
		    "key starts with %#x", (unsigned char)e.key[0]);
		FUZZ_CHECK(e.value >= e.key + e.keylen &&
		    e.value + e.vallen <= text + pos, "value outside its entry");
		if (e.vallen > 0)
			FUZZ_CHECK(e.value[0] != ' ' && e.value[0] != '\t' &&
			    e.value[e.vallen - 1] != '\n' &&
			    e.value[e.vallen - 1] != ' ', "value not trimmed");
		check_targets(&e);
		if (addr_parse(e.key, e.keylen, 0, &a) == ADDR_OK) {
			addr_format(&a, buf, sizeof(buf));
			check_quote(buf);
			/* As import --virtual does: a set of keys seen. */
			if (ml_agg_get(seen, buf, 0) == NULL) {
				en = ml_agg_get(seen, buf, 1);
				FUZZ_CHECK(en != NULL && strcmp(en->addr, buf) ==
				    0 && en->first == DATE_NONE, "new entry");
				en->line = e.line;
				nseen++;
			}
		}
	}
	FUZZ_CHECK(pos == prev, "vt_next moved at the end");
	FUZZ_CHECK(seen->n == nseen, "%zu entries for %zu keys", seen->n,
	    nseen);
	for (i = 0; i < seen->n; i++)
		FUZZ_CHECK(ml_agg_get(seen, seen->v[i].addr, 0) == &seen->v[i],
		    "%s lost", seen->v[i].addr);
	ml_agg_free(seen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	const char *p, *eol, *end;
	char *text, *s;
	int month, year;

	month = fuzz_byte(&in) % 12 + 1;
	year = years[fuzz_byte(&in) % 8];
	text = fuzz_copy(in.p, in.len, 0);
	check_log(text, in.len, year, month);
	check_virtual(text, in.len);
	/* Each line as a C string to quote (up to a NUL). */
	end = text + in.len;
	for (p = text; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		s = fuzz_copy(p, (size_t)(eol - p), 1);
		check_quote(s);
		free(s);
	}
	free(text);
	return 0;
}
