/*
 * fuzz_address.c: libFuzzer target for address.h, the normalisation
 * that compile, the milter and the lookup daemon share.
 *
 * Input: one control byte (bit 0: ADDR_KEEP_CASE; bits 1-3: which set
 * of subaddress delimiters), then the address bytes.  Every public
 * function is called, and what address.h promises is checked: the
 * canonical form is a fixed point (normalising it again changes
 * nothing), fits its buffers with a NUL, is lowercase where it must be,
 * stays within the RFC 5321 limits, and the verdict does not depend on
 * case, surrounding blanks or angle brackets.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "fuzz_util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const delim_sets[8] = {
	"", "+", "-", "+-", "-+", "=", ".", "+-_=.\"@"
};

static int
is_lower_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Checks a canonical domain: what addr_domain() and addr_parse() make. */
static void
check_domain(const char *d, size_t len)
{
	size_t i, label = 0;

	FUZZ_CHECK(len > 0 && len <= ADDR_DOMAIN_MAX, "domain length %zu",
	    len);
	FUZZ_CHECK(strlen(d) == len, "domain length %zu, strlen %zu", len,
	    strlen(d));
	FUZZ_CHECK(d[0] != '.' && d[len - 1] != '.' && d[0] != '-' &&
	    d[len - 1] != '-', "domain edges: %s", d);
	for (i = 0; i < len; i++) {
		if (d[i] == '.') {
			FUZZ_CHECK(label > 0 && d[i - 1] != '-' &&
			    d[i + 1] != '-', "bad label in %s", d);
			label = 0;
			continue;
		}
		FUZZ_CHECK(is_lower_ldh((unsigned char)d[i]),
		    "byte %#x in domain %s", (unsigned char)d[i], d);
		FUZZ_CHECK(++label <= 63, "label over 63 in %s", d);
	}
}

/*
 * Checks a canonical local part: printable ASCII, within 64 octets,
 * lowercase unless keep, and either a dot-atom or a quoted string that
 * needs its quotes (escapes only before '"' and '\').
 */
static void
check_local(const char *l, size_t len, int keep)
{
	size_t i;
	int quoted, needs = 0;

	FUZZ_CHECK(len > 0 && len <= ADDR_LOCAL_MAX, "local length %zu", len);
	FUZZ_CHECK(strlen(l) == len, "local length %zu, strlen %zu", len,
	    strlen(l));
	for (i = 0; i < len; i++) {
		FUZZ_CHECK(l[i] >= 0x20 && l[i] < 0x7f, "byte %#x in local",
		    (unsigned char)l[i]);
		FUZZ_CHECK(keep || l[i] < 'A' || l[i] > 'Z',
		    "uppercase in %s", l);
	}
	quoted = l[0] == '"';
	if (!quoted) {
		FUZZ_CHECK(l[0] != '.' && l[len - 1] != '.' &&
		    strstr(l, "..") == NULL, "dots in %s", l);
		FUZZ_CHECK(strpbrk(l, " \"(),:;<>@[\\]") == NULL,
		    "special in unquoted %s", l);
		return;
	}
	FUZZ_CHECK(len >= 3 && l[len - 1] == '"', "quotes of %s", l);
	for (i = 1; i < len - 1; i++) {
		if (l[i] == '\\') {
			i++;
			FUZZ_CHECK(i < len - 1 && (l[i] == '"' || l[i] == '\\'),
			    "needless backslash in %s", l);
			needs = 1;
			continue;
		}
		FUZZ_CHECK(l[i] != '"', "bare quote inside %s", l);
		if (strchr(" (),:;<>@[]", l[i]) != NULL)
			needs = 1;
	}
	/* Else it must be a dot-string that is not a dot-atom. */
	if (!needs)
		FUZZ_CHECK(l[1] == '.' || l[len - 2] == '.' ||
		    strstr(l, "..") != NULL, "needless quotes: %s", l);
}

static void
same_addr(const struct addr *x, const struct addr *y, const char *what)
{
	FUZZ_CHECK(x->local_len == y->local_len &&
	    x->domain_len == y->domain_len &&
	    strcmp(x->local, y->local) == 0 &&
	    strcmp(x->domain, y->domain) == 0, "%s: %s@%s != %s@%s", what,
	    x->local, x->domain, y->local, y->domain);
}

/* addr_format() into buffers of every interesting size. */
static void
check_format(const struct addr *a, char *out)
{
	size_t need = a->local_len + 1 + a->domain_len, sizes[4], i, n;
	char *buf;

	n = addr_format(a, out, ADDR_BUF);
	FUZZ_CHECK(n == need && strlen(out) == need, "format: %zu for %zu",
	    n, need);
	FUZZ_CHECK(memcmp(out, a->local, a->local_len) == 0 &&
	    out[a->local_len] == '@' &&
	    strcmp(out + a->local_len + 1, a->domain) == 0, "format: %s",
	    out);
	sizes[0] = 0;
	sizes[1] = 1;
	sizes[2] = need;
	sizes[3] = need + 1;
	for (i = 0; i < 4; i++) {
		buf = fuzz_alloc(sizes[i]);
		n = addr_format(a, buf, sizes[i]);
		if (sizes[i] > need)
			FUZZ_CHECK(n == need && strcmp(buf, out) == 0,
			    "format into %zu", sizes[i]);
		else
			FUZZ_CHECK(n == (size_t)-1 &&
			    (sizes[i] == 0 || buf[0] == '\0'),
			    "format into %zu bytes returned %zu", sizes[i], n);
		free(buf);
	}
}

/* addr_subaddr_base() against its description in address.h. */
static void
check_subaddr(const struct addr *a, const char *delims, unsigned flags)
{
	struct addr b;
	char base[ADDR_BUF];
	size_t n, i;
	int err;

	n = addr_subaddr_base(a, delims);
	FUZZ_CHECK(n <= a->local_len, "base %zu of %zu", n, a->local_len);
	if (n == a->local_len) {
		/* Unsplit: say why it may be. */
		for (i = 1; i < a->local_len; i++)
			if (strchr(delims, a->local[i]) != NULL)
				break;
		FUZZ_CHECK(*delims == '\0' || a->local[0] == '"' ||
		    i >= a->local_len || a->local[i - 1] == '.' ||
		    strchr(delims, a->local[0]) != NULL ||
		    strcasecmp(a->local, "postmaster") == 0 ||
		    strcasecmp(a->local, "mailer-daemon") == 0 ||
		    strcasecmp(a->local, "double-bounce") == 0 ||
		    (strchr(delims, '-') != NULL &&
		    (strncasecmp(a->local, "owner-", 6) == 0 ||
		    (a->local_len > 8 && strcasecmp(a->local + a->local_len - 8,
		    "-request") == 0))),
		    "%s not split at \"%s\"", a->local, delims);
		return;
	}
	FUZZ_CHECK(n > 0 && a->local[0] != '"', "split %s at %zu", a->local,
	    n);
	FUZZ_CHECK(strchr(delims, a->local[n]) != NULL,
	    "%s split at %zu, not a delimiter", a->local, n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(strchr(delims, a->local[i]) == NULL,
		    "%s split after its first delimiter", a->local);
	FUZZ_CHECK(a->local[n - 1] != '.', "%s: base ends in a dot", a->local);
	/* The base is itself a canonical address. */
	memcpy(base, a->local, n);
	base[n] = '@';
	memcpy(base + n + 1, a->domain, a->domain_len);
	err = addr_parse(base, n + 1 + a->domain_len, flags, &b);
	FUZZ_CHECK(err == ADDR_OK, "base of %s@%s: %s", a->local, a->domain,
	    addr_strerror(err));
	FUZZ_CHECK(b.local_len == n && memcmp(b.local, a->local, n) == 0,
	    "base %s of %s", b.local, a->local);
}

/* Lowercases ASCII letters in place. */
static void
lower(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Checks that s (len bytes) between the bytes open and close gets the
 * verdict err, and when that is ADDR_OK the address a.
 */
static void
check_wrapped(const char *s, size_t len, unsigned flags, int err,
    const struct addr *a, char open, char close)
{
	struct addr b;
	char *t;
	int err2;

	t = fuzz_alloc(len + 2);
	t[0] = open;
	memcpy(t + 1, s, len);
	t[len + 1] = close;
	err2 = addr_parse(t, len + 2, flags, &b);
	FUZZ_CHECK(err2 == err, "between %#x and %#x: %d, as given: %d",
	    open, close, err2, err);
	if (err == ADDR_OK)
		same_addr(a, &b, "wrapped");
	free(t);
}

/* addr_domain() alone, and against the domain part of addr_parse(). */
static void
check_addr_domain(const char *in, size_t len)
{
	struct addr a;
	char *out, *addr;
	int err, perr;

	out = fuzz_alloc(ADDR_DOMAIN_MAX + 1);
	err = addr_domain(in, len, out);
	FUZZ_CHECK(err >= 0 && err < ADDR_NERRORS, "addr_domain: %d", err);
	if (err == ADDR_OK) {
		check_domain(out, strlen(out));
		FUZZ_CHECK(addr_domain(out, strlen(out), out) == ADDR_OK,
		    "domain %s is no fixed point", out);
	}
	/*
	 * "x@DOMAIN" gets the same verdict, unless addr_parse() reads
	 * the bytes differently (blanks, brackets, quotes, '@', a route).
	 */
	if (len > 0 && len < 200 && !is_blank(in[0]) &&
	    !is_blank(in[len - 1]) && in[len - 1] != '>' &&
	    memchr(in, '@', len) == NULL && memchr(in, '"', len) == NULL) {
		addr = fuzz_alloc(len + 2);
		memcpy(addr, "x@", 2);
		memcpy(addr + 2, in, len);
		perr = addr_parse(addr, len + 2, 0, &a);
		FUZZ_CHECK((perr == ADDR_OK) == (err == ADDR_OK),
		    "addr_domain %d, addr_parse %d", err, perr);
		if (err == ADDR_OK)
			FUZZ_CHECK(strcmp(a.domain, out) == 0, "%s != %s",
			    a.domain, out);
		free(addr);
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct addr a, b;
	unsigned flags, ctl;
	const char *delims, *msg;
	char out[ADDR_BUF], *s, *t;
	size_t len;
	int err, err2;

	ctl = fuzz_byte(&in);
	flags = (ctl & 1) ? ADDR_KEEP_CASE : 0;
	delims = delim_sets[(ctl >> 1) & 7];
	len = in.len;
	s = fuzz_copy(in.p, len, 0);

	msg = addr_strerror((int)ctl - 2);
	FUZZ_CHECK(msg != NULL && *msg != '\0', "addr_strerror(%d)",
	    (int)ctl - 2);

	err = addr_parse(s, len, flags, &a);
	FUZZ_CHECK(err >= 0 && err < ADDR_NERRORS, "addr_parse: %d", err);
	FUZZ_CHECK(err != ADDR_OK || len > 0, "empty input accepted");

	/* The verdict does not depend on the case of the input... */
	err2 = addr_parse(s, len, flags ^ ADDR_KEEP_CASE, &b);
	FUZZ_CHECK(err2 == err, "verdict %d with case kept, %d folded",
	    flags ? err : err2, flags ? err2 : err);
	if (err == ADDR_OK) {
		if (flags)
			lower(a.local, a.local_len);
		else
			lower(b.local, b.local_len);
		same_addr(&a, &b, "folded");
		err = addr_parse(s, len, flags, &a);
	}
	t = fuzz_copy(s, len, 0);
	lower(t, len);
	err2 = addr_parse(t, len, 0, &b);
	FUZZ_CHECK(err2 == err, "lowercased input: %d, as given: %d", err2,
	    err);
	free(t);

	/* ...nor on blanks around it... */
	check_wrapped(s, len, flags, err, &a, ' ', '\t');
	/* ...nor on angle brackets, when it has none and no blanks. */
	if (len > 0 && s[0] != '<' && s[len - 1] != '>' && !is_blank(s[0]) &&
	    !is_blank(s[len - 1]))
		check_wrapped(s, len, flags, err, &a, '<', '>');

	if (err == ADDR_OK) {
		check_local(a.local, a.local_len, flags & ADDR_KEEP_CASE);
		check_domain(a.domain, a.domain_len);
		check_format(&a, out);
		FUZZ_CHECK(strlen(out) + 2 <= ADDR_PATH_MAX, "path %zu",
		    strlen(out) + 2);
		/* The canonical form is a fixed point. */
		t = fuzz_copy(out, strlen(out), 0);
		err2 = addr_parse(t, strlen(out), flags, &b);
		FUZZ_CHECK(err2 == ADDR_OK, "canonical %s: %s", out,
		    addr_strerror(err2));
		same_addr(&a, &b, "normalised twice");
		free(t);
		check_subaddr(&a, delims, flags);
	}

	check_addr_domain(s, len);
	free(s);
	return 0;
}
