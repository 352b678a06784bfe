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
 * shows an address someone tried, usually a guess.  Everything else is
 * skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "util.h"

static const char *skip_prefix(const char *p, const char *end, int year,
		    int month, int32_t *day);
static const char *skip_queue_id(const char *p, const char *end);
static int	 starts(const char *p, const char *end, const char *s);
static const char *find(const char *p, const char *end, const char *s);
static int	 parse_addr(const char *p, const char *end, struct ml_rec *r);
static int	 parse_delivery(const char *p, const char *end,
		    struct ml_rec *r);
static int	 parse_reject(const char *p, const char *end, struct ml_rec *r);
static uint64_t	 hash(const char *);
static int	 agg_grow(struct ml_agg *);

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

/* Skips a queue id and ": ".  Returns what follows, or NULL. */
static const char *
skip_queue_id(const char *p, const char *end)
{
	const char *q;

	for (q = p; q < end && ((*q >= 'A' && *q <= 'Z') ||
	    (*q >= 'a' && *q <= 'z') || is_digit(*q)); q++)
		;
	if (q == p || !starts(q, end, ": "))
		return NULL;
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

/* "to=<A>, [orig_to=<B>, ]... status=WORD": returns 0 or -1. */
static int
parse_delivery(const char *p, const char *end, struct ml_rec *r)
{
	const char *to, *to_end, *st;

	if (!starts(p, end, "to=<"))
		return -1;
	to = p + 4;
	if ((to_end = find(to, end, ">, ")) == NULL)
		return -1;
	p = to_end + 3;
	r->orig = 0;
	if (starts(p, end, "orig_to=<")) {
		to = p + 9;
		if ((to_end = find(to, end, ">, ")) == NULL)
			return -1;
		p = to_end + 3;
		r->orig = 1;
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

int
maillog_parse(const char *line, size_t len, int year, int month,
    struct ml_rec *r)
{
	const char *p, *end = line + len;

	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	r->kind = ML_SKIP;
	if ((p = skip_prefix(line, end, year, month, &r->day)) == NULL)
		return ML_SKIP;
	if (starts(p, end, "NOQUEUE: "))
		p += 9;
	else if ((p = skip_queue_id(p, end)) == NULL)
		return ML_SKIP;
	if (parse_delivery(p, end, r) == 0)
		r->kind = ML_DELIVERY;
	else if (parse_reject(p, end, r) == 0)
		r->kind = ML_REJECT;
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
	size_t	 i;

	if (agg == NULL)
		return;
	for (i = 0; i < agg->n; i++)
		free(agg->v[i].addr);
	free(agg->v);
	free(agg->slots);
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

int
ml_agg_add(struct ml_agg *agg, const char *key, const struct ml_rec *r)
{
	struct ml_entry *e;

	if ((e = ml_agg_get(agg, key, 1)) == NULL)
		return -1;
	if (r->kind == ML_REJECT)
		e->rejected++;
	else if (r->status == ML_SENT)
		e->sent++;
	else if (r->status == ML_BOUNCED)
		e->bounced++;
	else
		e->deferred++;
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
	uint64_t mx = x->sent + x->bounced, my = y->sent + y->bounced;

	if (mx != my)
		return mx < my ? 1 : -1;
	if (x->deferred != y->deferred)
		return x->deferred < y->deferred ? 1 : -1;
	if (x->rejected != y->rejected)
		return x->rejected < y->rejected ? 1 : -1;
	return strcmp(x->addr, y->addr);
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

