/*
 * tcptable.c: the tcp_table codec (see tcptable.h).  The encoding is
 * Postfix's hex_quote(3): '%', white space and bytes that are not
 * printable ASCII become %XX with upper-case digits.  Decoding accepts
 * either case and, like Postfix's hex_unquote(), passes other bytes
 * through as they are.
 */
#include <string.h>

#include "tcptable.h"

static int	hexval(char);
static int	must_encode(unsigned char);

/* The value of one hex digit, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Nonzero for the bytes hex_quote() encodes. */
static int
must_encode(unsigned char c)
{
	return c == '%' || c <= 0x20 || c >= 0x7f;
}

enum tcptable_rc
tcptable_decode(const char *buf, size_t len, char *key, size_t keysize,
    size_t *keylen, size_t *used, const char **err)
{
	const char *nl, *p, *end;
	size_t	 scan = len < TCPTABLE_LINE_MAX ? len : TCPTABLE_LINE_MAX;
	size_t	 o = 0;
	int	 hi, lo;

	*used = 0;
	*keylen = 0;
	if ((nl = memchr(buf, '\n', scan)) == NULL) {
		if (len >= TCPTABLE_LINE_MAX) {
			*err = "request too long";
			return TCPTABLE_ERROR;
		}
		return TCPTABLE_NEED_MORE;
	}
	*used = (size_t)(nl - buf) + 1;
	end = nl;
	if (end > buf && end[-1] == '\r')
		end--;
	if ((size_t)(end - buf) < 4 || memcmp(buf, "get ", 4) != 0) {
		*err = (size_t)(end - buf) >= 4 && memcmp(buf, "put ", 4) == 0 ?
		    "put is not supported" : "request is not \"get KEY\"";
		return TCPTABLE_BAD;
	}
	for (p = buf + 4; p < end; p++) {
		if (o + 1 >= keysize) {
			*err = "key too long";
			return TCPTABLE_BAD;
		}
		if (*p != '%') {
			key[o++] = *p;
			continue;
		}
		if (end - p < 3 || (hi = hexval(p[1])) == -1 ||
		    (lo = hexval(p[2])) == -1) {
			*err = "malformed %XX in key";
			return TCPTABLE_BAD;
		}
		key[o++] = (char)(hi << 4 | lo);
		p += 2;
	}
	key[o] = '\0';
	*keylen = o;
	return TCPTABLE_REQUEST;
}

size_t
tcptable_encode(char *out, size_t outsize, int code, const char *text,
    size_t textlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 cap = outsize < TCPTABLE_REPLY_MAX ? outsize : TCPTABLE_REPLY_MAX;
	size_t	 i, o;

	if (code < 100 || code > 599 || cap < 5)
		return 0;
	out[0] = (char)('0' + code / 100);
	out[1] = (char)('0' + code / 10 % 10);
	out[2] = (char)('0' + code % 10);
	out[3] = ' ';
	o = 4;
	for (i = 0; i < textlen; i++) {
		unsigned char c = (unsigned char)text[i];

		if (!must_encode(c)) {
			if (o + 1 >= cap)
				return 0;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= cap)
				return 0;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o++] = '\n';
	return o;
}
