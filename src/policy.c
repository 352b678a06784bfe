/*
 * policy.c: encoding and decoding of MAP.policy.lmdb records (see
 * policy.h for the format).  Pure functions.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "util.h"

static int	 put_field(char **p, char *end, const char *s, size_t len);
static int	 put_date(char **p, char *end, int32_t day);
static const char *next_field(const char *s, const char **end);
static int	 get_date(const char *s, const char *end, int32_t *day);
static int	 get_text(const char *s, const char *end, char *out,
		    size_t outsize, int truncate);

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
	    get_text(f, end, pa->reason, sizeof(pa->reason), 1) == -1 ||
	    *end != '\0')
		return -1;
	return 0;
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
