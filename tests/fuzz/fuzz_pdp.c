/*
 * fuzz_pdp.c: libFuzzer target for pdp.h, the policy delegation
 * protocol codec of alias-lookupd.
 *
 * The input is a byte stream as a client would send it.  It is decoded
 * request by request, as the server does, and what pdp.h promises is
 * checked: a decoded request lies inside the buffer, takes at most
 * PDP_REQUEST_MAX bytes and ends in an empty line, and its values hold
 * no NUL or newline; "need more" only for fewer than PDP_REQUEST_MAX
 * bytes; every prefix of a request that decodes needs more, so that
 * requests split across reads decode alike; a request written again
 * from the attributes decoded decodes to the same attributes; and every
 * reply pdp_encode() writes is "action=" the action and an empty line,
 * or nothing for an action that could forge a line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"
#include "pdp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	check_encode(const char *, size_t);
static void	check_request(const char *, size_t, const struct pdp_request *);

/* A reply is "action=ACTION\n\n", or refused when ACTION could not be. */
static void
check_encode(const char *text, size_t len)
{
	static char out[PDP_REPLY_MAX];
	size_t	 n;
	int	 ok;

	ok = len > 0 && len <= PDP_ACTION_MAX &&
	    memchr(text, '\0', len) == NULL &&
	    memchr(text, '\n', len) == NULL &&
	    memchr(text, '\r', len) == NULL;
	n = pdp_encode(out, sizeof(out), text, len);
	if (!ok) {
		FUZZ_CHECK(n == 0, "bad action of %zu bytes encoded", len);
		return;
	}
	FUZZ_CHECK(n == 7 + len + 2, "action of %zu bytes: %zu", len, n);
	FUZZ_CHECK(memcmp(out, "action=", 7) == 0 &&
	    memcmp(out + 7, text, len) == 0 && out[n - 2] == '\n' &&
	    out[n - 1] == '\n', "reply differs");
	FUZZ_CHECK(pdp_encode(out, n - 1, text, len) == 0,
	    "encoded into too small a buffer");
}

/*
 * The request written again from its decoded attributes (the request
 * type and the ones we use) decodes to the same values.  It is written
 * with CR LF line ends: a value that ends in a CR keeps it then (one CR
 * before a newline is dropped).
 */
static void
check_request(const char *start, size_t used, const struct pdp_request *req)
{
	static const char *const names[PDP_NATTR] = { "request",
	    "protocol_state", "sender", "recipient", "client_address",
	    "client_name", "queue_id", "instance" };
	static char again[PDP_REQUEST_MAX + 64];
	struct pdp_request req2;
	const char *err;
	size_t	 i, n = 0, used2;

	FUZZ_CHECK(used >= 2 && start[used - 1] == '\n', "no end");
	for (i = 0; i < PDP_NATTR; i++) {
		if (req->attr[i].s == NULL)
			continue;
		FUZZ_CHECK(req->attr[i].s > start && req->attr[i].s +
		    req->attr[i].len < start + used, "value outside");
		FUZZ_CHECK(memchr(req->attr[i].s, '\n', req->attr[i].len) ==
		    NULL && memchr(req->attr[i].s, '\0', req->attr[i].len) ==
		    NULL, "value with a newline or NUL");
		FUZZ_CHECK(n + strlen(names[i]) + 3 + req->attr[i].len <
		    sizeof(again) - 1, "request grew");
		memcpy(again + n, names[i], strlen(names[i]));
		n += strlen(names[i]);
		again[n++] = '=';
		memcpy(again + n, req->attr[i].s, req->attr[i].len);
		n += req->attr[i].len;
		again[n++] = '\r';
		again[n++] = '\n';
	}
	again[n++] = '\r';
	again[n++] = '\n';
	if (pdp_decode(again, n, &req2, &used2, &err) != PDP_OK) {
		FUZZ_CHECK(n > PDP_REQUEST_MAX, "written again: %s", err);
		return;
	}
	FUZZ_CHECK(used2 == n, "written again: used %zu of %zu", used2, n);
	for (i = 0; i < PDP_NATTR; i++)
		FUZZ_CHECK((req->attr[i].s == NULL) ==
		    (req2.attr[i].s == NULL) &&
		    req->attr[i].len == req2.attr[i].len &&
		    (req->attr[i].len == 0 || memcmp(req->attr[i].s,
		    req2.attr[i].s, req->attr[i].len) == 0),
		    "attribute %zu differs when written again", i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *err;
	struct pdp_request req, req2;
	size_t	 off = 0, used, used2, cut;
	enum pdp_rc rc, rc2;

	check_encode(buf, size < 2 * PDP_ACTION_MAX ? size :
	    2 * PDP_ACTION_MAX);
	while (off < size) {
		err = NULL;
		rc = pdp_decode(buf + off, size - off, &req, &used, &err);
		if (rc == PDP_NEED_MORE) {
			FUZZ_CHECK(size - off < PDP_REQUEST_MAX,
			    "need more after %zu bytes", size - off);
			break;
		}
		if (rc == PDP_ERROR) {
			FUZZ_CHECK(err != NULL && err[0] != '\0',
			    "error without a reason");
			break;
		}
		FUZZ_CHECK(rc == PDP_OK, "rc %d", (int)rc);
		FUZZ_CHECK(used > 0 && used <= size - off &&
		    used <= PDP_REQUEST_MAX, "used %zu of %zu", used,
		    size - off);
		FUZZ_CHECK(pdp_value_is(&req.attr[PDP_REQUEST],
		    PDP_REQUEST_TYPE), "request type");
		/* Every shorter prefix needs more. */
		for (cut = 0; cut < used; cut += 1 + cut / 8) {
			rc2 = pdp_decode(buf + off, cut, &req2, &used2, &err);
			FUZZ_CHECK(rc2 == PDP_NEED_MORE, "prefix of %zu bytes "
			    "of a complete request decoded as %d", cut,
			    (int)rc2);
		}
		check_request(buf + off, used, &req);
		off += used;
	}
	return 0;
}
