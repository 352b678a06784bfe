/*
 * policy.c: encoding and decoding of MAP.policy.lmdb records (see
 * policy.h for the format), the metadata records too.  Pure functions:
 * compile.c and update.c write the file, mapview.c and update.c read
 * it, all through these.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "policy.h"
#include "util.h"

static int	 put_field(char **p, char *end, const char *s, size_t len);
static int	 put_date(char **p, char *end, int32_t day);
static const char *next_field(const char *s, const char **end);
static int	 get_date(const char *s, const char *end, int32_t *day);
static int	 get_text(const char *s, const char *end, char *out,
		    size_t outsize, int truncate);
static int	 get_numbers(const char *s, const int *bases, uintmax_t *v,
		    size_t n);
static int	 check_sender(const char *s, size_t len);

/*
 * Appends a tab (unless at the start of the record) and len bytes of s
 * with tabs and line breaks turned into spaces.  Returns 0, or -1 when
 * the record does not fit.
 */
static int
put_field(char **p, char *end, const char *s, size_t len)
{
	size_t	 i;

	if (end - *p < (ptrdiff_t)len + 2)
		return -1;
	*(*p)++ = '\t';
	for (i = 0; i < len; i++)
		*(*p)++ = (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') ?
		    ' ' : s[i];
	**p = '\0';
	return 0;
}

static int
put_date(char **p, char *end, int32_t day)
{
	char	 buf[DATE_BUF];

	if (day == DATE_NONE)
		return put_field(p, end, "", 0);
	date_format(day, buf);
	return put_field(p, end, buf, strlen(buf));
}

int
policy_format_alias(const struct policy_alias *pa, char *buf,
    size_t bufsize)
{
	char	 flags[3], *p = buf, *end = buf + bufsize;
	size_t	 n = 0;

	if (bufsize < 2)
		return -1;
	if (pa->flags & POLICY_REVOKED)
		flags[n++] = 'r';
	if (pa->flags & POLICY_RECEIVE_ONLY)
		flags[n++] = 'o';
	if (pa->flags & POLICY_TARGET)
		flags[n++] = 't';
	*p++ = 'a';
	*p = '\0';
	if (put_field(&p, end, flags, n) == -1 ||
	    put_date(&p, end, pa->created) == -1 ||
	    put_date(&p, end, pa->revoked) == -1 ||
	    put_date(&p, end, pa->expires) == -1 ||
	    put_field(&p, end, pa->reason, strlen(pa->reason)) == -1)
		return -1;
	if (pa->senders != NULL && (pa->senders_len == 0 ||
	    policy_check_senders(pa->senders, pa->senders_len) == -1 ||
	    put_field(&p, end, pa->senders, pa->senders_len) == -1))
		return -1;
	return 0;
}

int
policy_format_domain(const struct policy_domain *pd, char *buf,
    size_t bufsize)
{
	char	*p = buf, *end = buf + bufsize;

	if (bufsize < 2)
		return -1;
	*p++ = 'd';
	*p = '\0';
	if (put_field(&p, end, pd->subaddress, strlen(pd->subaddress)) == -1 ||
	    put_field(&p, end, pd->deliver_to, strlen(pd->deliver_to)) == -1)
		return -1;
	return 0;
}

/*
 * Returns the start of the field after the tab at s, and sets *end to
 * the tab or NUL that ends it; NULL when s is not at a tab.
 */
static const char *
next_field(const char *s, const char **end)
{
	if (*s != '\t')
		return NULL;
	s++;
	*end = s + strcspn(s, "\t");
	return s;
}

static int
get_date(const char *s, const char *end, int32_t *day)
{
	if (s == end) {
		*day = DATE_NONE;
		return 0;
	}
	return date_parse(s, (size_t)(end - s), day);
}

/*
 * Copies the field [s, end) into out.  A field too long for out is an
 * error unless truncate is set.
 */
static int
get_text(const char *s, const char *end, char *out, size_t outsize,
    int truncate)
{
	size_t	 len = (size_t)(end - s);

	if (len >= outsize) {
		if (!truncate)
			return -1;
		len = outsize - 1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int
policy_parse_alias(const char *val, struct policy_alias *pa)
{
	const char *f, *end;

	memset(pa, 0, sizeof(*pa));
	if (val[0] != 'a' || (f = next_field(val + 1, &end)) == NULL)
		return -1;
	for (; f < end; f++) {
		if (*f == 'r')
			pa->flags |= POLICY_REVOKED;
		else if (*f == 'o')
			pa->flags |= POLICY_RECEIVE_ONLY;
		else if (*f == 't')
			pa->flags |= POLICY_TARGET;
		else
			return -1;
	}
	if ((f = next_field(end, &end)) == NULL ||
	    get_date(f, end, &pa->created) == -1 ||
	    (f = next_field(end, &end)) == NULL ||
	    get_date(f, end, &pa->revoked) == -1 ||
	    (f = next_field(end, &end)) == NULL ||
	    get_date(f, end, &pa->expires) == -1 ||
	    (f = next_field(end, &end)) == NULL ||
	    get_text(f, end, pa->reason, sizeof(pa->reason), 1) == -1)
		return -1;
	if (*end == '\0')
		return 0;
	if ((f = next_field(end, &end)) == NULL || *end != '\0' ||
	    policy_check_senders(f, (size_t)(end - f)) == -1)
		return -1;
	pa->senders = f;
	pa->senders_len = (size_t)(end - f);
	return 0;
}

/*
 * One entry of a senders field: a domain as addr_domain() writes it, or
 * an address as addr_parse() and addr_format() write it, without blanks.
 * Returns 0 or -1.
 */
static int
check_sender(const char *s, size_t len)
{
	struct addr a;
	char	 buf[ADDR_BUF];

	if (len == 0 || len >= sizeof(buf) || memchr(s, ' ', len) != NULL)
		return -1;
	if (memchr(s, '@', len) == NULL)
		return addr_domain(s, len, buf) == ADDR_OK &&
		    strlen(buf) == len && memcmp(buf, s, len) == 0 ? 0 : -1;
	if (addr_parse(s, len, 0, &a) != ADDR_OK ||
	    addr_format(&a, buf, sizeof(buf)) != len ||
	    memcmp(buf, s, len) != 0)
		return -1;
	return 0;
}

int
policy_check_senders(const char *s, size_t len)
{
	const char *end = s + len, *sp;
	size_t	 n = 0;

	if (len == 0 || len > POLICY_SENDERS_BYTES)
		return -1;
	for (;;) {
		if ((sp = memchr(s, ' ', (size_t)(end - s))) == NULL)
			sp = end;
		if (++n > POLICY_SENDERS_MAX ||
		    check_sender(s, (size_t)(sp - s)) == -1)
			return -1;
		if (sp == end)
			return 0;
		s = sp + 1;
	}
}

int
policy_parse_domain(const char *val, struct policy_domain *pd)
{
	const char *f, *end;

	memset(pd, 0, sizeof(*pd));
	if (val[0] != 'd' || (f = next_field(val + 1, &end)) == NULL ||
	    get_text(f, end, pd->subaddress, sizeof(pd->subaddress), 0) == -1 ||
	    (f = next_field(end, &end)) == NULL ||
	    get_text(f, end, pd->deliver_to, sizeof(pd->deliver_to), 0) == -1 ||
	    *end != '\0')
		return -1;
	return 0;
}

int
policy_expired(const struct policy_alias *pa, int32_t today)
{
	return pa->expires != DATE_NONE && today > pa->expires;
}

void
policy_format_counts(const struct policy_counts *c, int32_t today,
    char *buf, size_t bufsize)
{
	char	 day[DATE_BUF];

	date_format(today, day);
	snprintf(buf, bufsize, "%s %zu %zu %zu %zu %zu", day, c->domains,
	    c->active, c->revoked, c->expired, c->entries);
}

/*
 * Reads n numbers at s into v, the i-th in base bases[i] (10 or 16),
 * each of digits only, one space between them, then the end of s.
 * Returns 0, or -1.
 */
static int
get_numbers(const char *s, const int *bases, uintmax_t *v, size_t n)
{
	char	*end;
	size_t	 i, len;

	for (i = 0; i < n; i++) {
		if (i > 0 && *s++ != ' ')
			return -1;
		len = strspn(s, bases[i] == 16 ? "0123456789abcdefABCDEF" :
		    "0123456789");
		errno = 0;
		v[i] = strtoumax(s, &end, bases[i]);
		/* No sign, blank or 0x: digits only. */
		if (len == 0 || end != s + len || errno != 0)
			return -1;
		s = end;
	}
	return *s == '\0' ? 0 : -1;
}

int
policy_parse_counts(const char *s, struct policy_counts *c, int32_t *day)
{
	static const int bases[5] = { 10, 10, 10, 10, 10 };
	uintmax_t v[5];
	size_t	 i;

	if (strlen(s) < DATE_BUF || s[DATE_BUF - 1] != ' ' ||
	    date_parse(s, DATE_BUF - 1, day) == -1 ||
	    get_numbers(s + DATE_BUF, bases, v, 5) == -1)
		return -1;
	for (i = 0; i < 5; i++)
		if (v[i] > SIZE_MAX)
			return -1;
	*c = (struct policy_counts){ .domains = (size_t)v[0],
	    .active = (size_t)v[1], .revoked = (size_t)v[2],
	    .expired = (size_t)v[3], .entries = (size_t)v[4] };
	return 0;
}

void
policy_format_source(const struct policy_source *src, char *buf,
    size_t bufsize)
{
	snprintf(buf, bufsize, "%ju %ju %016jx %016jx %d",
	    (uintmax_t)src->size, (uintmax_t)src->split, (uintmax_t)src->head,
	    (uintmax_t)src->tail, src->windows ? 1 : 0);
}

int
policy_parse_source(const char *s, struct policy_source *src)
{
	/* SIZE SPLIT in decimal, HEAD TAIL in hex, WINDOWS 0 or 1. */
	static const int bases[5] = { 10, 10, 16, 16, 10 };
	uintmax_t v[5];

	if (get_numbers(s, bases, v, 5) == -1 || v[1] > v[0] ||
	    v[0] > UINT64_MAX || v[2] > UINT64_MAX || v[3] > UINT64_MAX ||
	    v[4] > 1)
		return -1;
	*src = (struct policy_source){ .size = v[0], .split = v[1],
	    .head = v[2], .tail = v[3], .windows = (int)v[4] };
	return 0;
}

void
policy_format_ident(dev_t dev, ino_t ino, char *buf, size_t bufsize)
{
	snprintf(buf, bufsize, "%ju:%ju", (uintmax_t)dev, (uintmax_t)ino);
}

void
policy_format_compiled(time_t t, char *buf, size_t bufsize)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, bufsize, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
policy_parse_ident(const char *s, dev_t *dev, ino_t *ino)
{
	uintmax_t d, i;
	char	*end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	d = strtoumax(s, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return -1;
	i = strtoumax(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || d != (uintmax_t)(dev_t)d ||
	    i != (uintmax_t)(ino_t)i)
		return -1;
	*dev = (dev_t)d;
	*ino = (ino_t)i;
	return 0;
}

void
policy_format_lines(const uint32_t *lines, size_t n, char *buf,
    size_t bufsize)
{
	size_t	 i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o + POLICY_LINE_BUF < bufsize; i++)
		o += (size_t)snprintf(buf + o, bufsize - o, "%s%u",
		    i > 0 ? " " : "", (unsigned)lines[i]);
}

int
policy_parse_lines(const char *s, uint32_t *lines, size_t max, size_t *n)
{
	unsigned long v;
	char	*end;

	*n = 0;
	for (;;) {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno != 0 || v == 0 || v > UINT32_MAX ||
		    (*n > 0 && v <= lines[*n - 1]) || *n == max)
			return -1;
		lines[(*n)++] = (uint32_t)v;
		if (*end == '\0')
			return 0;
		if (*end != ' ')
			return -1;
		s = end + 1;
	}
}
