/*
 * sockmap.c: the socketmap codec (see sockmap.h).  Netstrings as djb
 * defined them: the length has no leading zeros and the payload is
 * followed by ','.  The length is checked digit by digit, so that a
 * client announcing a huge request is refused before it sends it.
 */
#include <stdio.h>
#include <string.h>

#include "sockmap.h"

enum sockmap_rc
sockmap_decode(const char *buf, size_t len, struct sockmap_request *req,
    size_t *used, const char **err)
{
	const char *payload, *sp;
	size_t	 i, n = 0, ndigits;

	*used = 0;
	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (i > 0 && buf[0] == '0') {
			*err = "netstring length with a leading zero";
			return SOCKMAP_ERROR;
		}
		n = n * 10 + (size_t)(buf[i] - '0');
		if (n > SOCKMAP_REQUEST_MAX) {
			*err = "request too long";
			return SOCKMAP_ERROR;
		}
	}
	ndigits = i;
	if (i == len)
		return SOCKMAP_NEED_MORE;
	if (ndigits == 0 || buf[i] != ':') {
		*err = "malformed netstring length";
		return SOCKMAP_ERROR;
	}
	/* digits ':' payload ',' */
	if (len < ndigits + 1 + n + 1)
		return SOCKMAP_NEED_MORE;
	if (buf[ndigits + 1 + n] != ',') {
		*err = "netstring not terminated by ','";
		return SOCKMAP_ERROR;
	}
	*used = ndigits + 1 + n + 1;
	payload = buf + ndigits + 1;
	if ((sp = memchr(payload, ' ', n)) == NULL) {
		*err = "request is not \"NAME KEY\"";
		return SOCKMAP_BAD;
	}
	req->name = payload;
	req->namelen = (size_t)(sp - payload);
	req->key = sp + 1;
	req->keylen = n - req->namelen - 1;
	if (req->namelen == 0 || req->namelen > SOCKMAP_NAME_MAX) {
		*err = "bad map name";
		return SOCKMAP_BAD;
	}
	for (i = 0; i < req->namelen; i++)
		if ((unsigned char)req->name[i] <= 0x20 ||
		    (unsigned char)req->name[i] >= 0x7f) {
			*err = "bad map name";
			return SOCKMAP_BAD;
		}
	return SOCKMAP_REQUEST;
}

size_t
sockmap_encode(char *out, size_t outsize, const char *status,
    const char *text, size_t textlen)
{
	size_t	 slen = strlen(status), plen;
	int	 hlen;

	if (slen + 1 > SOCKMAP_REPLY_MAX ||
	    textlen > SOCKMAP_REPLY_MAX - slen - 1)
		return 0;
	plen = slen + 1 + textlen;
	hlen = snprintf(out, outsize, "%zu:", plen);
	if (hlen < 0 || (size_t)hlen + plen + 1 > outsize)
		return 0;
	memcpy(out + hlen, status, slen);
	out[hlen + slen] = ' ';
	if (textlen > 0)
		memcpy(out + hlen + slen + 1, text, textlen);
	out[hlen + plen] = ',';
	return (size_t)hlen + plen + 1;
}
