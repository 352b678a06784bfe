/*
 * fuzz_sockmap.c: libFuzzer target for sockmap.h, the socketmap codec of
 * alias-lookupd.
 *
 * The input is a byte stream as a client would send it.  It is decoded
 * request by request, as the server does, and what sockmap.h promises is
 * checked: a decoded request lies inside the buffer and its parts add up
 * to the netstring; a prefix of a stream never decodes to anything else
 * than the whole does (need-more, or the same result), so requests split
 * across reads decode alike; a request encoded again decodes to itself;
 * and every reply sockmap_encode() writes is a netstring of exactly
 * "STATUS text".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"
#include "sockmap.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_encode(const char *, size_t);

/* A reply of text under each status is one well-formed netstring. */
static void
check_encode(const char *text, size_t len)
{
	static const char *const status[] = { "OK", "NOTFOUND", "TEMP",
	    "PERM" };
	static char out[SOCKMAP_REPLY_WIRE_MAX];
	size_t	 i, n, plen, hlen;
	char	*colon;

	for (i = 0; i < sizeof(status) / sizeof(status[0]); i++) {
		n = sockmap_encode(out, sizeof(out), status[i], text, len);
		plen = strlen(status[i]) + 1 + len;
		if (plen > SOCKMAP_REPLY_MAX) {
			FUZZ_CHECK(n == 0, "over-long reply encoded (%zu)",
			    plen);
			continue;
		}
		FUZZ_CHECK(n > 0 && n <= sizeof(out), "reply of %zu bytes "
		    "not encoded", plen);
		colon = memchr(out, ':', n);
		FUZZ_CHECK(colon != NULL, "no ':'");
		hlen = (size_t)(colon - out);
		FUZZ_CHECK((size_t)snprintf(NULL, 0, "%zu", plen) == hlen &&
		    strtoul(out, NULL, 10) == plen, "bad length prefix");
		FUZZ_CHECK(n == hlen + 1 + plen + 1 && out[n - 1] == ',',
		    "bad netstring end");
		FUZZ_CHECK(memcmp(colon + 1, status[i], strlen(status[i])) ==
		    0 && colon[1 + strlen(status[i])] == ' ' &&
		    memcmp(colon + 2 + strlen(status[i]), text, len) == 0,
		    "payload differs");
	}
	/* Too small an output buffer is refused, never overrun. */
	FUZZ_CHECK(sockmap_encode(out, 3, "OK", text, len) == 0,
	    "encoded into 3 bytes");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char again[SOCKMAP_WIRE_MAX + 16];
	const char *buf = (const char *)data, *err;
	struct sockmap_request req, req2;
	size_t	 off = 0, used, used2, cut, n;
	enum sockmap_rc rc, rc2;

	check_encode(buf, size < 20000 ? size : 20000);
	while (off < size) {
		err = NULL;
		rc = sockmap_decode(buf + off, size - off, &req, &used, &err);
		if (rc == SOCKMAP_NEED_MORE) {
			FUZZ_CHECK(size - off < SOCKMAP_WIRE_MAX,
			    "need more after %zu bytes", size - off);
			break;
		}
		if (rc == SOCKMAP_ERROR) {
			FUZZ_CHECK(err != NULL, "error without a reason");
			break;
		}
		FUZZ_CHECK(used > 0 && used <= size - off &&
		    used <= SOCKMAP_WIRE_MAX, "used %zu of %zu", used,
		    size - off);
		/* Every shorter prefix needs more, or fails the same way. */
		for (cut = 0; cut < used; cut += 1 + cut / 8) {
			rc2 = sockmap_decode(buf + off, cut, &req2, &used2,
			    &err);
			FUZZ_CHECK(rc2 == SOCKMAP_NEED_MORE,
			    "prefix of %zu bytes of a complete request "
			    "decoded as %d", cut, (int)rc2);
		}
		if (rc == SOCKMAP_BAD) {
			FUZZ_CHECK(err != NULL, "bad without a reason");
			off += used;
			continue;
		}
		FUZZ_CHECK(rc == SOCKMAP_REQUEST, "rc %d", (int)rc);
		FUZZ_CHECK(req.name >= buf + off && req.key >= req.name &&
		    req.key + req.keylen <= buf + off + used, "outside");
		FUZZ_CHECK(req.namelen > 0 && req.namelen <= SOCKMAP_NAME_MAX &&
		    memchr(req.name, ' ', req.namelen) == NULL &&
		    req.name[req.namelen] == ' ' &&
		    req.key == req.name + req.namelen + 1, "bad split");
		/* Encoded again, it decodes to itself. */
		n = (size_t)snprintf(again, sizeof(again), "%zu:%.*s %.*s,",
		    req.namelen + 1 + req.keylen, (int)req.namelen, req.name,
		    0, "");
		memcpy(again + n - 1, req.key, req.keylen);
		again[n - 1 + req.keylen] = ',';
		rc2 = sockmap_decode(again, n + req.keylen, &req2, &used2,
		    &err);
		FUZZ_CHECK(rc2 == SOCKMAP_REQUEST && used2 == n + req.keylen &&
		    req2.keylen == req.keylen &&
		    memcmp(req2.key, req.key, req.keylen) == 0 &&
		    req2.namelen == req.namelen &&
		    memcmp(req2.name, req.name, req.namelen) == 0,
		    "re-encoded request differs");
		off += used;
	}
	return 0;
}
