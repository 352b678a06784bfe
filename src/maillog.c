/*
 * maillog.c: the parsers behind "aliasctl import": Postfix log lines,
 * virtual(5) text, and a per-address aggregator.  No I/O: the caller
 * reads the files and prints.
 *
 * Only two kinds of log line matter.  A delivery line,
 *
 *	QUEUEID: to=<me@example.net>, orig_to=<irs@example.com>, relay=...,
 *	    ..., status=sent (250 2.0.0 Ok)
 *
 * from any Postfix delivery agent (smtp, local, virtual, pipe, lmtp,
 * discard, error), says that mail to orig_to (the address at the
 * catch-all domain, before virtual alias rewriting; Postfix logs it only
 * when it differs from to) was accepted.  A reject line,
 *
 *	NOQUEUE: reject: RCPT from h[192.0.2.1]: 550 5.1.1 <x@example.com>:
 *	    Recipient address rejected: ...; from=<a@b> to=<x@example.com>
 *	    proto=ESMTP helo=<h>
 *
 * shows an address someone tried, usually a guess.  The queue manager's
 * lines give each message's sender and end,
 *
 *	QUEUEID: from=<orders@shop.example>, size=4821, nrcpt=1 (queue active)
 *	QUEUEID: removed
 *
 * which import joins to the delivery lines of the same queue id (they
 * may be far apart: other messages' lines come between, a deferred
 * message is retried for days).  Everything else is skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "util.h"

static const char *skip_prefix(const char *p, const char *end, int year,
		    int month, int32_t *day);
static const char *skip_queue_id(const char *p, const char *end, char *qid);
static int	 starts(const char *p, const char *end, const char *s);
static const char *find(const char *p, const char *end, const char *s);
static int	 parse_addr(const char *p, const char *end, struct ml_rec *r);
static int	 parse_delivery(const char *p, const char *end,
		    struct ml_rec *r);
static int	 parse_reject(const char *p, const char *end, struct ml_rec *r);
static int	 parse_from(const char *p, const char *end, struct ml_rec *r);
static int	 is_remote(const char *p, const char *end);
static int	 local_is(const char *p, const char *end, const char *s);
static uint64_t	 hash(const char *);
static int	 agg_grow(struct ml_agg *);
static void	 msg_free(struct ml_msg *);
static void	 queue_unlink(struct ml_queue *, struct ml_msg *);
static int	 agg_target(struct ml_entry *, const char *);
static int	 agg_count(struct ml_agg *, struct ml_entry *, const char *,
		    const struct ml_msg *);

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* 1 when the bytes at p start with the string s. */
static int
starts(const char *p, const char *end, const char *s)
{
	size_t	 n = strlen(s);

	return (size_t)(end - p) >= n && memcmp(p, s, n) == 0;
}

/* The first occurrence of s in [p, end), or NULL. */
static const char *
find(const char *p, const char *end, const char *s)
{
	size_t	 n = strlen(s);

	for (; (size_t)(end - p) >= n; p++)
		if (*p == s[0] && memcmp(p, s, n) == 0)
			return p;
	return NULL;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Skips "TIMESTAMP HOST PROGRAM[PID]: " where PROGRAM is postfix/NAME
 * (or postfix-INSTANCE/NAME).  Returns the start of the message, or
 * NULL.  Sets *day.
 */
static const char *
skip_prefix(const char *p, const char *end, int year, int month,
    int32_t *day)
{
	char	 date[DATE_BUF];
	const char *q;
	int	 m, d, y;

	if (end - p >= 11 && is_digit(p[0]) && is_digit(p[3]) &&
	    p[4] == '-' && p[7] == '-' && p[10] == 'T') {
		/* RFC 3339: the date is all we need. */
		if (date_parse(p, 10, day) == -1)
			return NULL;
		p += 10;
	} else {
		if (end - p < 16 || p[3] != ' ' || p[6] != ' ' ||
		    p[9] != ':' || p[12] != ':' || p[15] != ' ')
			return NULL;
		for (m = 0; m < 12; m++)
			if (memcmp(p, months[m], 3) == 0)
				break;
		if (m == 12 || !is_digit(p[5]) ||
		    (p[4] != ' ' && !is_digit(p[4])))
			return NULL;
		d = (p[4] == ' ' ? 0 : p[4] - '0') * 10 + (p[5] - '0');
		y = m + 1 > month ? year - 1 : year;
		if (y < 1900 || y > 9999)
			return NULL;
		snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m + 1, d);
		if (date_parse(date, 10, day) == -1)
			return NULL;
		p += 15;
	}
	/* The rest of the timestamp, then the host name. */
	while (p < end && *p != ' ')
		p++;
	if (p == end || ++p == end || *p == ' ')
		return NULL;
	while (p < end && *p != ' ')
		p++;
	if (p == end)
		return NULL;
	p++;
	/* The program: "postfix/smtp[123]: ". */
	if (!starts(p, end, "postfix"))
		return NULL;
	for (q = p; q < end && *q != ':' && *q != ' '; q++)
		;
	if (q == end || *q != ':' || memchr(p, '/', q - p) == NULL ||
	    !starts(q, end, ": "))
		return NULL;
	return q + 2;
}

/*
 * Skips a queue id and ": ", copying the id into qid (ML_QID_BUF
 * bytes).  Returns what follows, or NULL.
 */
static const char *
skip_queue_id(const char *p, const char *end, char *qid)
{
	const char *q;

	for (q = p; q < end && ((*q >= 'A' && *q <= 'Z') ||
	    (*q >= 'a' && *q <= 'z') || is_digit(*q)); q++)
		;
	if (q == p || q - p >= ML_QID_BUF || !starts(q, end, ": "))
		return NULL;
	memcpy(qid, p, q - p);
	qid[q - p] = '\0';
	return q + 2;
}

/* Normalises the address in [p, end) into r.  Returns 0 or -1. */
static int
parse_addr(const char *p, const char *end, struct ml_rec *r)
{
	if (end == p || addr_parse(p, end - p, 0, &r->a) != ADDR_OK ||
	    addr_format(&r->a, r->addr, sizeof(r->addr)) == (size_t)-1)
		return -1;
	return 0;
}

/*
 * 1 when the relay= value in [p, end) is a network peer, "HOST[ADDR]:PORT"
 * (smtp, lmtp over TCP), not "local", "virtual", "none", a transport
 * name or "HOST[private/SOCKET]".
 */
static int
is_remote(const char *p, const char *end)
{
	const char *q, *port;

	if ((q = memchr(p, ']', end - p)) == NULL ||
	    memchr(p, '[', q - p) == NULL || end - q < 3 || q[1] != ':')
		return 0;
	for (port = q = q + 2; q < end && is_digit(*q); q++)
		;
	return q == end && q > port;
}

/* "to=<A>, [orig_to=<B>, ]... status=WORD": returns 0 or -1. */
static int
parse_delivery(const char *p, const char *end, struct ml_rec *r)
{
	const char *to, *to_end, *st, *target, *target_end, *relay, *q;
	struct addr t;

	if (!starts(p, end, "to=<"))
		return -1;
	to = p + 4;
	if ((to_end = find(to, end, ">, ")) == NULL)
		return -1;
	target = to;
	target_end = to_end;
	p = to_end + 3;
	r->orig = 0;
	r->to[0] = '\0';
	if (starts(p, end, "orig_to=<")) {
		to = p + 9;
		if ((to_end = find(to, end, ">, ")) == NULL)
			return -1;
		p = to_end + 3;
		r->orig = 1;
		/* The target as virtual(5) would hold it. */
		if (addr_parse(target, target_end - target, ADDR_KEEP_CASE,
		    &t) != ADDR_OK || addr_format(&t, r->to,
		    sizeof(r->to)) == (size_t)-1)
			r->to[0] = '\0';
	}
	r->remote = 0;
	if (starts(p, end, "relay=")) {
		relay = p + 6;
		if ((q = find(relay, end, ", ")) != NULL)
			r->remote = is_remote(relay, q);
	}
	if ((st = find(p - 2, end, ", status=")) == NULL)
		return -1;
	st += 9;
	if (starts(st, end, "sent") && (st + 4 == end || st[4] == ' '))
		r->status = ML_SENT;
	else if (starts(st, end, "bounced") && (st + 7 == end || st[7] == ' '))
		r->status = ML_BOUNCED;
	else if (starts(st, end, "deferred") &&
	    (st + 8 == end || st[8] == ' '))
		r->status = ML_DEFERRED;
	else
		return -1;
	return parse_addr(to, to_end, r);
}

/* "reject: RCPT from ...; from=<S> to=<A> ...": returns 0 or -1. */
static int
parse_reject(const char *p, const char *end, struct ml_rec *r)
{
	const char *to, *q;

	if (!starts(p, end, "reject: RCPT from ") ||
	    (p = find(p, end, "; from=<")) == NULL ||
	    (to = find(p, end, "> to=<")) == NULL)
		return -1;
	to += 6;
	/* The address ends at the '>' before a blank or the line's end. */
	for (q = to; q < end; q++)
		if (*q == '>' && (q + 1 == end || q[1] == ' '))
			break;
	if (q == end)
		return -1;
	r->status = ML_NONE;
	r->orig = 0;
	return parse_addr(to, q, r);
}

/* 1 when the local part of the address in [p, end) is s, in any case. */
static int
local_is(const char *p, const char *end, const char *s)
{
	const char *at = NULL, *q;
	size_t	 n = strlen(s), i;

	for (q = p; q < end; q++)
		if (*q == '@')
			at = q;
	if (at == NULL)
		at = end;
	if ((size_t)(at - p) != n)
		return 0;
	for (i = 0; i < n; i++)
		if ((p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]) != s[i])
			return 0;
	return 1;
}

/*
 * The queue manager's "from=<S>, size=N, nrcpt=N (queue active)": returns
 * 0 or -1.  Its "from=<S>, status=expired, returned to sender" is not a
 * sender line.
 */
static int
parse_from(const char *p, const char *end, struct ml_rec *r)
{
	const char *s, *s_end;
	struct addr a;

	if (!starts(p, end, "from=<"))
		return -1;
	s = p + 6;
	if ((s_end = find(s, end, ">, size=")) == NULL)
		return -1;
	r->from[0] = r->fromdom[0] = '\0';
	r->status = ML_NONE;
	r->orig = r->remote = 0;
	r->addr[0] = r->to[0] = '\0';
	if (s == s_end || local_is(s, s_end, "mailer-daemon") ||
	    local_is(s, s_end, "postmaster"))
		r->sender = ML_SENDER_BOUNCE;
	else
		r->sender = ML_SENDER_REAL;
	if (s != s_end && addr_parse(s, s_end - s, 0, &a) == ADDR_OK &&
	    addr_format(&a, r->from, sizeof(r->from)) != (size_t)-1)
		snprintf(r->fromdom, sizeof(r->fromdom), "%s", a.domain);
	else
		r->from[0] = '\0';
	return 0;
}

int
maillog_parse(const char *line, size_t len, int year, int month,
    struct ml_rec *r)
{
	const char *p, *end = line + len;

	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	r->kind = ML_SKIP;
	r->qid[0] = '\0';
	r->sender = ML_SENDER_UNKNOWN;
	r->remote = 0;
	r->to[0] = r->from[0] = r->fromdom[0] = '\0';
	if ((p = skip_prefix(line, end, year, month, &r->day)) == NULL)
		return ML_SKIP;
	if (starts(p, end, "NOQUEUE: "))
		p += 9;
	else if ((p = skip_queue_id(p, end, r->qid)) == NULL)
		return ML_SKIP;
	/* Postfix logs a delivery only once a queue file exists. */
	if (r->qid[0] != '\0' && parse_delivery(p, end, r) == 0)
		r->kind = ML_DELIVERY;
	else if (parse_reject(p, end, r) == 0)
		r->kind = ML_REJECT;
	else if (r->qid[0] != '\0' && parse_from(p, end, r) == 0)
		r->kind = ML_FROM;
	else if (r->qid[0] != '\0' && end - p == 7 &&
	    memcmp(p, "removed", 7) == 0) {
		r->status = ML_NONE;
		r->orig = 0;
		r->addr[0] = '\0';
		r->kind = ML_REMOVED;
	}
	return r->kind;
}

/* FNV-1a. */
static uint64_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct ml_agg *
ml_agg_new(void)
{
	return calloc(1, sizeof(struct ml_agg));
}

void
ml_agg_free(struct ml_agg *agg)
{
	size_t	 i, j;

	if (agg == NULL)
		return;
	for (i = 0; i < agg->n; i++) {
		free(agg->v[i].addr);
		for (j = 0; j < agg->v[i].nto; j++)
			free(agg->v[i].to[j]);
		free(agg->v[i].to);
	}
	free(agg->v);
	free(agg->slots);
	ml_agg_free(agg->pairs);
	free(agg);
}

/* Doubles the hash table (at least 64 slots).  Returns 0 or -1. */
static int
agg_grow(struct ml_agg *agg)
{
	size_t	 nslots, i, j;
	size_t	*slots;

	nslots = agg->nslots ? agg->nslots * 2 : 64;
	if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < agg->n; i++) {
		j = hash(agg->v[i].addr) & (nslots - 1);
		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = i + 1;
	}
	free(agg->slots);
	agg->slots = slots;
	agg->nslots = nslots;
	return 0;
}

struct ml_entry *
ml_agg_get(struct ml_agg *agg, const char *addr, int create)
{
	struct ml_entry *e, *v;
	size_t	 j, cap;

	if (agg->nslots != 0) {
		j = hash(addr) & (agg->nslots - 1);
		for (; agg->slots[j] != 0; j = (j + 1) & (agg->nslots - 1)) {
			e = &agg->v[agg->slots[j] - 1];
			if (strcmp(e->addr, addr) == 0)
				return e;
		}
	}
	if (!create)
		return NULL;
	/* Keep the table at most half full. */
	if ((agg->n + 1) * 2 > agg->nslots && agg_grow(agg) == -1)
		return NULL;
	if (agg->n == agg->cap) {
		cap = agg->cap ? agg->cap * 2 : 64;
		if ((v = reallocarray(agg->v, cap, sizeof(*v))) == NULL)
			return NULL;
		agg->v = v;
		agg->cap = cap;
	}
	e = &agg->v[agg->n];
	memset(e, 0, sizeof(*e));
	if ((e->addr = strdup(addr)) == NULL)
		return NULL;
	e->first = e->last = DATE_NONE;
	j = hash(addr) & (agg->nslots - 1);
	while (agg->slots[j] != 0)
		j = (j + 1) & (agg->nslots - 1);
	agg->slots[j] = ++agg->n;
	return e;
}

/*
 * Adds target t to e's targets unless it is there or ML_TARGETS_MAX are.
 * Returns 0, or -1 when out of memory.
 */
static int
agg_target(struct ml_entry *e, const char *t)
{
	char	**to;
	size_t	 i;

	for (i = 0; i < e->nto; i++)
		if (strcmp(e->to[i], t) == 0)
			return 0;
	if (e->nto == ML_TARGETS_MAX)
		return 0;
	if ((to = reallocarray(e->to, e->nto + 1, sizeof(*to))) == NULL)
		return -1;
	e->to = to;
	if ((to[e->nto] = strdup(t)) == NULL)
		return -1;
	e->nto++;
	return 0;
}

/*
 * Counts one message of m's sender (m NULL: unknown) for entry e of
 * address key, a real sender's domain once per address.  Returns 0, or
 * -1 when out of memory.
 */
static int
agg_count(struct ml_agg *agg, struct ml_entry *e, const char *key,
    const struct ml_msg *m)
{
	char	 pair[2 * ADDR_BUF];

	if (m == NULL || m->sender == ML_SENDER_UNKNOWN) {
		e->unknown++;
		return 0;
	}
	if (m->sender == ML_SENDER_BOUNCE) {
		e->bounces++;
		return 0;
	}
	e->messages++;
	if (m->fromdom == NULL)
		return 0;
	if (agg->pairs == NULL && (agg->pairs = ml_agg_new()) == NULL)
		return -1;
	snprintf(pair, sizeof(pair), "%s %s", key, m->fromdom);
	if (ml_agg_get(agg->pairs, pair, 0) != NULL)
		return 0;
	if (ml_agg_get(agg->pairs, pair, 1) == NULL)
		return -1;
	e->domains++;
	return 0;
}

int
ml_agg_add(struct ml_agg *agg, const char *key, const struct ml_rec *r,
    struct ml_msg *m)
{
	struct ml_entry *e;
	int	 seen = 0;

	if (r->kind != ML_REJECT && r->kind != ML_DELIVERY)
		return 0;
	if ((e = ml_agg_get(agg, key, 1)) == NULL)
		return -1;
	if (r->kind == ML_REJECT)
		e->rejected++;
	else {
		/* A message counts once per address, however many lines. */
		if (m != NULL && (seen = ml_msg_counted(m, key)) == -1)
			return -1;
		if (!seen && agg_count(agg, e, key, m) == -1)
			return -1;
		if (r->status == ML_SENT && r->orig && r->to[0] != '\0' &&
		    agg_target(e, r->to) == -1)
			return -1;
	}
	if (e->first == DATE_NONE || r->day < e->first)
		e->first = r->day;
	if (e->last == DATE_NONE || r->day > e->last)
		e->last = r->day;
	return 0;
}

int
ml_entry_cmp(const void *a, const void *b)
{
	const struct ml_entry *x = a, *y = b;

	if (x->messages != y->messages)
		return x->messages < y->messages ? 1 : -1;
	if (x->unknown != y->unknown)
		return x->unknown < y->unknown ? 1 : -1;
	if (x->bounces != y->bounces)
		return x->bounces < y->bounces ? 1 : -1;
	if (x->rejected != y->rejected)
		return x->rejected < y->rejected ? 1 : -1;
	return strcmp(x->addr, y->addr);
}

struct ml_queue *
ml_queue_new(size_t max)
{
	struct ml_queue *q;
	size_t	 nb = 16;

	if (max == 0)
		max = 1;
	while (nb < max && nb < ((size_t)1 << 20))
		nb *= 2;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	if ((q->buckets = calloc(nb, sizeof(*q->buckets))) == NULL) {
		free(q);
		return NULL;
	}
	q->nbuckets = nb;
	q->max = max;
	return q;
}

static void
msg_free(struct ml_msg *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free(m->from);
	free(m->fromdom);
	free(m);
}

void
ml_queue_free(struct ml_queue *q)
{
	struct ml_msg *m, *next;

	if (q == NULL)
		return;
	for (m = q->oldest; m != NULL; m = next) {
		next = m->newer;
		msg_free(m);
	}
	free(q->buckets);
	free(q);
}

/* Takes m out of the hash chain and the age list (m is not freed). */
static void
queue_unlink(struct ml_queue *q, struct ml_msg *m)
{
	struct ml_msg **pp;

	pp = &q->buckets[hash(m->qid) & (q->nbuckets - 1)];
	while (*pp != m)
		pp = &(*pp)->hnext;
	*pp = m->hnext;
	if (m->older != NULL)
		m->older->newer = m->newer;
	else
		q->oldest = m->newer;
	if (m->newer != NULL)
		m->newer->older = m->older;
	else
		q->newest = m->older;
	q->n--;
}

struct ml_msg *
ml_queue_get(struct ml_queue *q, const char *qid, int create)
{
	struct ml_msg *m, *old;
	size_t	 b = hash(qid) & (q->nbuckets - 1);

	for (m = q->buckets[b]; m != NULL; m = m->hnext)
		if (strcmp(m->qid, qid) == 0)
			return m;
	if (!create || strlen(qid) >= sizeof(m->qid))
		return NULL;
	if (q->n >= q->max && (old = q->oldest) != NULL) {
		queue_unlink(q, old);
		msg_free(old);
		q->evicted++;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	memcpy(m->qid, qid, strlen(qid) + 1);
	m->sender = ML_SENDER_UNKNOWN;
	m->hnext = q->buckets[b];
	q->buckets[b] = m;
	m->older = q->newest;
	if (q->newest != NULL)
		q->newest->newer = m;
	else
		q->oldest = m;
	q->newest = m;
	q->n++;
	return m;
}

int
ml_queue_from(struct ml_queue *q, const struct ml_rec *r)
{
	struct ml_msg *m;
	char	*from = NULL, *fromdom = NULL;

	if (r->from[0] != '\0' && (from = strdup(r->from)) == NULL)
		return -1;
	if (r->fromdom[0] != '\0' && (fromdom = strdup(r->fromdom)) == NULL)
		goto fail;
	if ((m = ml_queue_get(q, r->qid, 1)) == NULL)
		goto fail;
	free(m->from);
	free(m->fromdom);
	m->from = from;
	m->fromdom = fromdom;
	m->sender = r->sender;
	return 0;
fail:
	free(from);
	free(fromdom);
	return -1;
}

void
ml_queue_remove(struct ml_queue *q, const char *qid)
{
	struct ml_msg *m;

	if ((m = ml_queue_get(q, qid, 0)) == NULL)
		return;
	queue_unlink(q, m);
	msg_free(m);
}

int
ml_msg_counted(struct ml_msg *m, const char *addr)
{
	char	**v;
	size_t	 i, cap;

	for (i = 0; i < m->nrcpt; i++)
		if (strcmp(m->rcpt[i], addr) == 0)
			return 1;
	if (m->nrcpt == ML_MSG_RCPT_MAX)
		return 0;
	if (m->nrcpt == m->caprcpt) {
		cap = m->caprcpt ? m->caprcpt * 2 : 4;
		if ((v = reallocarray(m->rcpt, cap, sizeof(*v))) == NULL)
			return -1;
		m->rcpt = v;
		m->caprcpt = cap;
	}
	if ((m->rcpt[m->nrcpt] = strdup(addr)) == NULL)
		return -1;
	m->nrcpt++;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
vt_next(const char *text, size_t len, size_t *pos, unsigned *lineno,
    struct vt_entry *e)
{
	const char *p = text + *pos, *end = text + len, *eol, *q;
	int	 quoted = 0;

	for (;;) {
		if (p >= end)
			return 0;
		(*lineno)++;
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		for (q = p; q < eol && is_blank(*q); q++)
			;
		/*
		 * Blank lines and comments, and a continuation line with
		 * no entry to continue (postmap warns and ignores it).
		 */
		if (q == eol || *q == '#' || q != p) {
			p = eol + (eol < end);
			continue;
		}
		break;
	}
	e->line = *lineno;
	e->key = p;
	/* A quoted local part may hold blanks: "john doe"@example.com. */
	for (q = p; q < eol && (quoted || !is_blank(*q)); q++) {
		if (quoted && *q == '\\' && q + 1 < eol)
			q++;
		else if (*q == '"')
			quoted = !quoted;
	}
	e->keylen = q - p;
	while (q < eol && is_blank(*q))
		q++;
	e->value = q;
	/* Continuation lines: start with a blank, not blank or comment. */
	for (;;) {
		p = eol + (eol < end);
		if (p >= end || !is_blank(*p))
			break;
		for (q = p; q < end && *q != '\n' && is_blank(*q); q++)
			;
		if (q == end || *q == '\n' || *q == '#')
			break;
		(*lineno)++;
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
	}
	q = eol;
	while (q > e->value && (is_blank(q[-1]) || q[-1] == '\n'))
		q--;
	e->vallen = q - e->value;
	*pos = p - text;
	return 1;
}

int
vt_target_next(const char **pp, const char *end, struct addr *a, int *err)
{
	const char *p = *pp, *start;
	int	 quoted = 0;

	while (p < end && (*p == ',' || is_blank(*p) || *p == '\n'))
		p++;
	if (p == end) {
		*pp = p;
		return 0;
	}
	for (start = p; p < end; p++) {
		if (quoted && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == ',' || is_blank(*p) || *p == '\n'))
			break;
	}
	*pp = p;
	if ((*err = addr_parse(start, p - start, ADDR_KEEP_CASE, a)) !=
	    ADDR_OK)
		return -1;
	return 1;
}

