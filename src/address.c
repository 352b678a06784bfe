/*
 * address.c: RFC 5321 mailbox normalisation (see address.h).
 *
 * The canonical form must equal the key Postfix looks up, or an alias we
 * compile would never match.  Postfix looks up virtual(5) keys in
 * external form: it unquotes the address, then re-quotes it with
 * quote_822_local() (src/global/quote_822_local.c), which leaves a local
 * part bare when it is an RFC 822 dot-string and otherwise wraps it in
 * double quotes with a backslash before '"' and '\' only.  Its dot-string
 * test excludes exactly the printable ASCII characters that RFC 5321
 * atext excludes (space, "(),:;<>@[\] and the dot outside its place), so
 * our dot-atom test below gives the same answer for every byte we
 * accept.  The dictionary then folds the key to lowercase, and so do we.
 *
 * Bytes >= 0x80 are refused (ADDR_NON_ASCII).  Postfix folds UTF-8 keys
 * with ICU case folding (casefold(3) in its util library), which this
 * code cannot reproduce without ICU: a key with non-ASCII letters could
 * silently differ from the one Postfix looks up, and the alias would
 * never match.  Internationalised domains must be written as A-labels
 * (xn--...), which are plain LDH.
 *
 * Pure functions: no I/O, no allocation, no mutable state.
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "address.h"

#define LABEL_MAX	63	/* RFC 1035 2.3.4 */

static int	 is_blank(int);
static int	 is_alnum(int);
static int	 is_atext(int);
static int	 to_lower(int);
static int	 is_dot_atom(const char *, size_t);
static int	 scan_bytes(const char *, size_t);
static int	 route_ok(const char *, size_t);
static int	 parse_local(const char *, size_t, unsigned, struct addr *);
static int	 norm_domain(const char *, size_t, char *, size_t *);
static int	 equal_nocase(const char *, size_t, const char *);

/* Indexed by enum addr_error; each fits after "invalid address: ". */
static const char *const addr_errors[] = {
	[ADDR_OK] = "no error",
	[ADDR_EMPTY] = "empty address",
	[ADDR_NO_AT] = "no \"@\" outside a quoted string",
	[ADDR_LOCAL_EMPTY] = "empty local part",
	[ADDR_DOMAIN_EMPTY] = "empty domain",
	[ADDR_LOCAL_LONG] = "local part longer than 64 octets",
	[ADDR_DOMAIN_LONG] =
	    "domain longer than 255 octets or a label longer than 63",
	[ADDR_PATH_LONG] = "path longer than 256 octets",
	[ADDR_CONTROL] = "control character",
	[ADDR_NON_ASCII] =
	    "non-ASCII byte (write domains in their xn-- form)",
	[ADDR_BAD_LOCAL] =
	    "local part is neither a dot-atom nor a quoted string",
	[ADDR_BAD_QUOTE] = "unterminated quoted string or trailing backslash",
	[ADDR_BAD_DOMAIN] = "domain is not a host name",
	[ADDR_BAD_ROUTE] = "malformed source route or angle brackets",
	[ADDR_BLANK] = "a quoted local part with a blank cannot be listed",
};

static_assert(sizeof(addr_errors) / sizeof(addr_errors[0]) == ADDR_NERRORS,
    "addr_errors must have one message per enum addr_error");

/*
 * Local parts that Postfix's split_addr() never splits, whatever the
 * delimiter.  "double-bounce" is the default of double_bounce_sender;
 * a site that changes it is not covered.
 */
static const char *const addr_nosplit[] = {
	"postmaster",		/* MAIL_ADDR_POSTMASTER */
	"mailer-daemon",	/* MAIL_ADDR_MAIL_DAEMON */
	"double-bounce",	/* var_double_bounce_sender */
};

/* The ctype.h functions depend on the locale; addresses must not. */
static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * Character classes of the ASCII bytes, one lookup per byte: a million
 * keys pass through here on every compile.
 */
#define C_ALNUM	0x01
#define C_ATEXT	0x02	/* RFC 5321 atext: ALPHA / DIGIT and specials */
#define AN	(C_ALNUM | C_ATEXT)

static const unsigned char addr_class[256] = {
	['0'] = AN, ['1'] = AN, ['2'] = AN, ['3'] = AN, ['4'] = AN,
	['5'] = AN, ['6'] = AN, ['7'] = AN, ['8'] = AN, ['9'] = AN,
	['A'] = AN, ['B'] = AN, ['C'] = AN, ['D'] = AN, ['E'] = AN,
	['F'] = AN, ['G'] = AN, ['H'] = AN, ['I'] = AN, ['J'] = AN,
	['K'] = AN, ['L'] = AN, ['M'] = AN, ['N'] = AN, ['O'] = AN,
	['P'] = AN, ['Q'] = AN, ['R'] = AN, ['S'] = AN, ['T'] = AN,
	['U'] = AN, ['V'] = AN, ['W'] = AN, ['X'] = AN, ['Y'] = AN,
	['Z'] = AN,
	['a'] = AN, ['b'] = AN, ['c'] = AN, ['d'] = AN, ['e'] = AN,
	['f'] = AN, ['g'] = AN, ['h'] = AN, ['i'] = AN, ['j'] = AN,
	['k'] = AN, ['l'] = AN, ['m'] = AN, ['n'] = AN, ['o'] = AN,
	['p'] = AN, ['q'] = AN, ['r'] = AN, ['s'] = AN, ['t'] = AN,
	['u'] = AN, ['v'] = AN, ['w'] = AN, ['x'] = AN, ['y'] = AN,
	['z'] = AN,
	['!'] = C_ATEXT, ['#'] = C_ATEXT, ['$'] = C_ATEXT, ['%'] = C_ATEXT,
	['&'] = C_ATEXT, ['\''] = C_ATEXT, ['*'] = C_ATEXT, ['+'] = C_ATEXT,
	['-'] = C_ATEXT, ['/'] = C_ATEXT, ['='] = C_ATEXT, ['?'] = C_ATEXT,
	['^'] = C_ATEXT, ['_'] = C_ATEXT, ['`'] = C_ATEXT, ['{'] = C_ATEXT,
	['|'] = C_ATEXT, ['}'] = C_ATEXT, ['~'] = C_ATEXT,
};

static int
is_alnum(int c)
{
	return addr_class[(unsigned char)c] & C_ALNUM;
}

static int
is_atext(int c)
{
	return addr_class[(unsigned char)c] & C_ATEXT;
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/*
 * Returns 1 when s[0..len) is an RFC 5321 dot-atom: atext runs separated
 * by single dots, no dot first or last.
 */
static int
is_dot_atom(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/*
 * Returns ADDR_CONTROL or ADDR_NON_ASCII for the first offending byte,
 * else ADDR_OK.  Control bytes are refused even inside quotes: RFC 5321
 * qtextSMTP and quoted-pairSMTP exclude them, and a NUL would cut the
 * key short in the NUL-terminated map.
 */
static int
scan_bytes(const char *s, size_t len)
{
	size_t	 i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return ADDR_CONTROL;
		if (c >= 0x80)
			return ADDR_NON_ASCII;
	}
	return ADDR_OK;
}

/*
 * Returns 1 when s[0..len) looks like an RFC 5321 A-d-l,
 * "@host,@host".  The route is thrown away, so the check is loose: each
 * element is "@" and a non-empty run of letters, digits, '-' and '.'.
 */
static int
route_ok(const char *s, size_t len)
{
	size_t	 i, host;

	i = 0;
	for (;;) {
		if (i >= len || s[i] != '@')
			return 0;
		for (i++, host = 0; i < len && s[i] != ','; i++, host++)
			if (!is_alnum((unsigned char)s[i]) && s[i] != '-' &&
			    s[i] != '.')
				return 0;
		if (host == 0)
			return 0;
		if (i == len)
			return 1;
		i++;		/* the comma */
	}
}

/*
 * Parses the local part s[0..len) (no '@' after it) into a->local in
 * canonical form.  Returns ADDR_OK or an error code.
 *
 * The 64-octet limit is measured on the canonical external form, the
 * local part as we would send it: RFC 5321 4.5.3.1.1 limits the
 * Local-part production, quotes and backslashes included, and the
 * canonical form is the shortest valid spelling.  So a local part is
 * accepted exactly when some valid spelling of it fits, and a needlessly
 * quoted input ("abc") is judged by its bare form (abc).
 */
static int
parse_local(const char *s, size_t len, unsigned flags, struct addr *a)
{
	char	 buf[ADDR_PATH_MAX];	/* unquoted content */
	size_t	 i, n, out;

	if (len == 0)
		return ADDR_LOCAL_EMPTY;
	n = 0;
	if (s[0] == '"') {
		/*
		 * RFC 5321 has no mixed forms like "a".b (RFC 822's obsolete
		 * word.word): the quoted string must be the whole local part.
		 */
		for (i = 1; i < len && s[i] != '"'; i++) {
			if (s[i] == '\\' && ++i == len)
				return ADDR_BAD_QUOTE;
			if (n == sizeof(buf))
				return ADDR_LOCAL_LONG;
			buf[n++] = s[i];
		}
		if (i == len)
			return ADDR_BAD_QUOTE;
		if (i != len - 1)
			return ADDR_BAD_LOCAL;
		/* RFC 5321 allows "" but it names no mailbox. */
		if (n == 0)
			return ADDR_LOCAL_EMPTY;
	} else {
		if (!is_dot_atom(s, len))
			return ADDR_BAD_LOCAL;
		if (len > sizeof(buf))
			return ADDR_LOCAL_LONG;
		memcpy(buf, s, len);
		n = len;
	}

	if ((flags & ADDR_KEEP_CASE) == 0)
		for (i = 0; i < n; i++)
			buf[i] = (char)to_lower((unsigned char)buf[i]);

	if (is_dot_atom(buf, n)) {
		if (n > ADDR_LOCAL_MAX)
			return ADDR_LOCAL_LONG;
		memcpy(a->local, buf, n);
		out = n;
	} else {
		/* Count first: the limit applies to the quoted form. */
		out = n + 2;
		for (i = 0; i < n; i++)
			if (buf[i] == '"' || buf[i] == '\\')
				out++;
		if (out > ADDR_LOCAL_MAX)
			return ADDR_LOCAL_LONG;
		out = 0;
		a->local[out++] = '"';
		for (i = 0; i < n; i++) {
			if (buf[i] == '"' || buf[i] == '\\')
				a->local[out++] = '\\';
			a->local[out++] = buf[i];
		}
		a->local[out++] = '"';
	}
	a->local[out] = '\0';
	a->local_len = out;
	return ADDR_OK;
}

/*
 * Normalises the host name s[0..len) into out (ADDR_DOMAIN_MAX + 1
 * bytes) and stores its length in *outlen.  Returns ADDR_OK or an error
 * code.  The 255-octet limit applies after the trailing dot is dropped:
 * that dot only marks the name as absolute and is never sent in SMTP.
 * Address literals ([192.0.2.1]) are refused: managed domains are host
 * names, and a literal has no single spelling (IPv6) to key a map on.
 */
static int
norm_domain(const char *s, size_t len, char *out, size_t *outlen)
{
	size_t	 i, label;
	int	 c;

	if (len == 0)
		return ADDR_DOMAIN_EMPTY;
	if (s[len - 1] == '.')
		len--;
	if (len == 0)
		return ADDR_BAD_DOMAIN;
	if (len > ADDR_DOMAIN_MAX)
		return ADDR_DOMAIN_LONG;
	label = 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return ADDR_BAD_DOMAIN;
			label = 0;
		} else if (is_alnum(c) || c == '-') {
			if (c == '-' && label == 0)
				return ADDR_BAD_DOMAIN;
			if (++label > LABEL_MAX)
				return ADDR_DOMAIN_LONG;
		} else
			return ADDR_BAD_DOMAIN;
		out[i] = (char)to_lower(c);
	}
	/* A second trailing dot leaves an empty last label. */
	if (label == 0 || s[len - 1] == '-')
		return ADDR_BAD_DOMAIN;
	out[len] = '\0';
	*outlen = len;
	return ADDR_OK;
}

/* Returns 1 when s[0..len) equals the lowercase word, ignoring case. */
static int
equal_nocase(const char *s, size_t len, const char *word)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' ||
		    to_lower((unsigned char)s[i]) != (unsigned char)word[i])
			return 0;
	return word[len] == '\0';
}

int
addr_parse(const char *in, size_t len, unsigned flags, struct addr *a)
{
	const char *p, *end, *q, *at, *colon;
	size_t	 path;
	int	 err, quoted;

	if (len == 0)
		return ADDR_EMPTY;
	p = in;
	end = in + len;
	while (p < end && is_blank((unsigned char)*p))
		p++;
	while (end > p && is_blank((unsigned char)end[-1]))
		end--;
	if (p == end)
		return ADDR_EMPTY;
	if ((err = scan_bytes(p, (size_t)(end - p))) != ADDR_OK)
		return err;

	/*
	 * RFC 5321 4.5.3.1.3 limits the Path, which includes "<" and ">".
	 * Count the brackets even when the caller left them off, so that
	 * "x" and "<x>" get the same verdict.  A source route counts: it is
	 * part of the path as given.
	 */
	path = (size_t)(end - p);
	if (*p != '<')
		path += 2;
	if (path > ADDR_PATH_MAX)
		return ADDR_PATH_LONG;

	if (*p == '<' || end[-1] == '>') {
		if (end - p < 2 || *p != '<' || end[-1] != '>')
			return ADDR_BAD_ROUTE;
		p++;
		end--;
		if (p == end)
			return ADDR_EMPTY;
	}

	/*
	 * A source route, "@a.example,@b.example:", is obsolete and
	 * servers should ignore it (RFC 5321 3.3 and appendix C).  A route has
	 * no quotes, so the first colon ends it.  Postfix's own
	 * quote_822_local() skips it the same way.
	 */
	if (*p == '@' &&
	    (colon = memchr(p, ':', (size_t)(end - p))) != NULL) {
		if (!route_ok(p, (size_t)(colon - p)))
			return ADDR_BAD_ROUTE;
		p = colon + 1;
		if (p == end)
			return ADDR_BAD_ROUTE;
	}

	/* The domain starts after the last '@' outside a quoted string. */
	at = NULL;
	quoted = 0;
	for (q = p; q < end; q++) {
		if (quoted && *q == '\\') {
			if (++q == end)
				return ADDR_BAD_QUOTE;
		} else if (*q == '"')
			quoted = !quoted;
		else if (!quoted && *q == '@')
			at = q;
	}
	if (quoted)
		return ADDR_BAD_QUOTE;
	if (at == NULL)
		return ADDR_NO_AT;

	if ((err = parse_local(p, (size_t)(at - p), flags, a)) != ADDR_OK)
		return err;
	return norm_domain(at + 1, (size_t)(end - at - 1), a->domain,
	    &a->domain_len);
}

const char *
addr_strerror(int err)
{
	if (err < 0 || err >= ADDR_NERRORS)
		return "unknown address error";
	return addr_errors[err];
}

size_t
addr_format(const struct addr *a, char *buf, size_t bufsize)
{
	size_t	 need;

	need = a->local_len + 1 + a->domain_len;
	if (need >= bufsize) {
		/* Leave no unterminated half-address behind. */
		if (bufsize > 0)
			buf[0] = '\0';
		return (size_t)-1;
	}
	memcpy(buf, a->local, a->local_len);
	buf[a->local_len] = '@';
	memcpy(buf + a->local_len + 1, a->domain, a->domain_len);
	buf[need] = '\0';
	return need;
}

/*
 * Follows Postfix's split_addr_internal() (src/global/split_addr.c,
 * Postfix 3.x; plain split_addr() in 2.x is the same):
 *  - postmaster, MAILER-DAEMON and double-bounce (case-insensitive)
 *    are never split, whatever the delimiter;
 *  - when '-' is a delimiter (and owner_request_special is yes, the
 *    default), owner-* and *-request are not split; *-request needs at
 *    least one byte before "-request";
 *  - otherwise the local part is cut at the first byte of delims
 *    (strcspn), unless that byte is the first one, which would leave an
 *    empty local part.  A trailing delimiter ("user+") is split.
 *
 * Two deliberate differences, both of which can only make us look up
 * fewer keys than Postfix (the milter then refuses, never accepts, what
 * Postfix would resolve through the base):
 *  - Quoted local parts are never split.  Postfix splits the unquoted
 *    (internal) form and re-quotes the base, so the base of "a b+x" is
 *    "a b" with its closing quote moved, and the base of "a+ b" is the
 *    bare a: neither is a prefix of the canonical local part, which is
 *    all this function can return.  Such aliases are vanishingly rare.
 *  - A dot-atom whose base would end in '.' ("a.+x") is not split for
 *    the same reason: Postfix would look up the quoted "a.".
 */
size_t
addr_subaddr_base(const struct addr *a, const char *delims)
{
	size_t	 i, n;

	n = a->local_len;
	if (delims == NULL || *delims == '\0' || n == 0 || a->local[0] == '"')
		return n;
	for (i = 0; i < sizeof(addr_nosplit) / sizeof(addr_nosplit[0]); i++)
		if (equal_nocase(a->local, n, addr_nosplit[i]))
			return n;
	if (strchr(delims, '-') != NULL) {
		if (n >= 6 && equal_nocase(a->local, 6, "owner-"))
			return n;
		if (n > 8 && equal_nocase(a->local + n - 8, 8, "-request"))
			return n;
	}
	/* local holds no NUL, so strchr() never matches delims' own. */
	for (i = 0; i < n; i++)
		if (strchr(delims, a->local[i]) != NULL)
			break;
	if (i == 0 || i == n || a->local[i - 1] == '.')
		return n;
	return i;
}

void
addr_keys(const struct addr *a, const char *delims, struct addr_keys *k)
{
	k->blen = addr_subaddr_base(a, delims);
	/* ADDR_BUF holds every address addr_parse() returns. */
	if (addr_format(a, k->full, sizeof(k->full)) == (size_t)-1)
		k->full[0] = '\0';
	k->base[0] = '\0';
	if (k->blen < a->local_len)
		snprintf(k->base, sizeof(k->base), "%.*s@%s", (int)k->blen,
		    a->local, a->domain);
	snprintf(k->domain, sizeof(k->domain), "@%s", a->domain);
}

const char *const addr_always_local[ADDR_ALWAYS_N] = { "postmaster",
	"abuse" };
const char *const addr_always_rfc[ADDR_ALWAYS_N] = { "RFC 5321 4.5.1",
	"RFC 2142" };

int
addr_always(const char *local, size_t len)
{
	int	 i;

	for (i = 0; i < ADDR_ALWAYS_N; i++)
		if (strlen(addr_always_local[i]) == len &&
		    memcmp(local, addr_always_local[i], len) == 0)
			return i;
	return -1;
}

int
addr_domain(const char *in, size_t len, char *out)
{
	size_t	 n;
	int	 err;

	if (len == 0)
		return ADDR_DOMAIN_EMPTY;
	if ((err = scan_bytes(in, len)) != ADDR_OK)
		return err;
	return norm_domain(in, len, out, &n);
}

int
addr_sender(const char *in, size_t len, char *out, size_t *outlen,
    int *domain)
{
	struct addr a;
	int	 err;

	*domain = memchr(in, '@', len) == NULL;
	if (*domain) {
		if ((err = addr_domain(in, len, out)) == ADDR_OK)
			*outlen = strlen(out);
		return err;
	}
	if ((err = addr_parse(in, len, 0, &a)) != ADDR_OK)
		return err;
	if ((*outlen = addr_format(&a, out, ADDR_BUF)) == (size_t)-1)
		return ADDR_PATH_LONG;
	if (memchr(out, ' ', *outlen) != NULL || memchr(out, '\t', *outlen) !=
	    NULL)
		return ADDR_BLANK;
	return ADDR_OK;
}

int
addr_selector(const char *in, size_t len, char *out)
{
	size_t	 i, label = 0;
	int	 c;

	if (len == 0 || len > ADDR_SELECTOR_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')
			label++;
		else
			return -1;
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') :
		    (char)c;
	}
	if (label == 0)
		return -1;
	out[len] = '\0';
	return 0;
}
