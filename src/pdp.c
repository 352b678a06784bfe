/*
 * pdp.c: the policy delegation protocol codec (see pdp.h).  Lines are
 * checked as they complete, so that a malformed request is refused
 * before its end arrives, and a request is never longer than
 * PDP_REQUEST_MAX bytes whatever the client sends.
 */
#include <string.h>

#include "pdp.h"

/* The attribute names, in enum pdp_attr's order. */
static const char *const attr_names[PDP_NATTR] = {
	"request",
	"protocol_state",
	"sender",
	"recipient",
	"client_address",
	"client_name",
	"queue_id",
	"instance"
};

enum pdp_rc
pdp_decode(const char *buf, size_t len, struct pdp_request *req,
    size_t *used, const char **err)
{
	const char *line, *nl, *eq, *end;
	size_t	 off = 0, n, i, max;

	memset(req, 0, sizeof(*req));
	*used = 0;
	max = len < PDP_REQUEST_MAX ? len : PDP_REQUEST_MAX;
	for (;;) {
		line = buf + off;
		nl = memchr(line, '\n', max - off);
		/* Only this request's bytes: the next one may follow. */
		if (memchr(line, '\0', nl != NULL ? (size_t)(nl - line) :
		    max - off) != NULL) {
			*err = "NUL byte in a request";
			return PDP_ERROR;
		}
		if (nl == NULL) {
			if (len >= PDP_REQUEST_MAX) {
				*err = "request too long";
				return PDP_ERROR;
			}
			return PDP_NEED_MORE;
		}
		off = (size_t)(nl - buf) + 1;
		end = nl;
		if (end > line && end[-1] == '\r')
			end--;
		if (end == line)
			break;			/* the empty line */
		if ((eq = memchr(line, '=', (size_t)(end - line))) == NULL) {
			*err = "attribute line without '='";
			return PDP_ERROR;
		}
		if (eq == line) {
			*err = "attribute with an empty name";
			return PDP_ERROR;
		}
		req->nattrs++;
		n = (size_t)(eq - line);
		for (i = 0; i < PDP_NATTR; i++)
			if (strlen(attr_names[i]) == n &&
			    memcmp(attr_names[i], line, n) == 0) {
				req->attr[i].s = eq + 1;
				req->attr[i].len = (size_t)(end - eq - 1);
				break;
			}
	}
	if (req->attr[PDP_REQUEST].s == NULL) {
		*err = "no request attribute";
		return PDP_ERROR;
	}
	if (!pdp_value_is(&req->attr[PDP_REQUEST], PDP_REQUEST_TYPE)) {
		*err = "request type is not " PDP_REQUEST_TYPE;
		return PDP_ERROR;
	}
	*used = off;
	return PDP_OK;
}

int
pdp_value_is(const struct pdp_value *v, const char *s)
{
	return v->s != NULL && v->len == strlen(s) &&
	    memcmp(v->s, s, v->len) == 0;
}

size_t
pdp_encode(char *out, size_t outsize, const char *action, size_t len)
{
	size_t	 i;

	if (len == 0 || len > PDP_ACTION_MAX || outsize < 7 + len + 2)
		return 0;
	for (i = 0; i < len; i++)
		if (action[i] == '\0' || action[i] == '\n' ||
		    action[i] == '\r')
			return 0;
	memcpy(out, "action=", 7);
	memcpy(out + 7, action, len);
	out[7 + len] = '\n';
	out[7 + len + 1] = '\n';
	return 7 + len + 2;
}
