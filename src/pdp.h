/*
 * pdp.h: Postfix's policy delegation protocol (SMTPD_POLICY_README,
 * check_policy_service) as a pure codec: no I/O, no allocation.  Not
 * to be confused with policy.h, the records of the policy file.
 *
 * A request is a sequence of "name=value" lines, each ended by a
 * newline, and is ended by an empty line; a reply is the one line
 * "action=ACTION" followed by an empty line.  Many requests may follow
 * each other on one connection.  An attribute name holds no '=', NUL or
 * newline, a value no NUL or newline; the order of the attributes does
 * not matter, and attributes we do not use are skipped.
 */
#ifndef PDP_H
#define PDP_H

#include <stddef.h>

/*
 * Longest request we accept, its empty line included.  Postfix's smtpd
 * sends about 30 attributes, of which only helo_name, sender and
 * recipient can be as long as an SMTP line (line_length_limit, 2048 by
 * default): about 8 KB at worst.  A request that has not ended within
 * this many bytes is an error.
 */
#define PDP_REQUEST_MAX		16384
/* Longest action pdp_encode() writes (Postfix's access(5) text). */
#define PDP_ACTION_MAX		1024
/* The most bytes a reply takes: "action=" ACTION "\n\n". */
#define PDP_REPLY_MAX		(7 + PDP_ACTION_MAX + 2)
/* The only request type Postfix sends. */
#define PDP_REQUEST_TYPE	"smtpd_access_policy"

/* The attributes we use; every other one is skipped. */
enum pdp_attr {
	PDP_REQUEST,		/* "request": required */
	PDP_PROTOCOL_STATE,	/* CONNECT, EHLO, HELO, MAIL, RCPT, DATA... */
	PDP_SENDER,		/* empty for the null sender */
	PDP_RECIPIENT,
	PDP_CLIENT_ADDRESS,
	PDP_CLIENT_NAME,	/* "unknown" when it has none */
	PDP_QUEUE_ID,		/* empty until Postfix has a queue file */
	PDP_INSTANCE,		/* the same for every request of a message */
	PDP_NATTR
};

/* One value: NULL when the attribute was not sent. */
struct pdp_value {
	const char *s;		/* into the caller's buffer; no NUL, no
				   newline; not NUL-terminated */
	size_t	 len;
};

/*
 * One decoded request; the pointers point into the caller's buffer.
 * An attribute sent twice keeps its last value, as the protocol allows.
 */
struct pdp_request {
	struct pdp_value attr[PDP_NATTR];
	unsigned nattrs;	/* attribute lines, used or not */
};

enum pdp_rc {
	PDP_NEED_MORE,		/* a valid prefix: read more */
	PDP_OK,			/* one request decoded */
	PDP_ERROR		/* malformed: log it, close without a reply
				   (SMTPD_POLICY_README: "In case of
				   trouble ... log a warning and
				   disconnect") */
};

/*
 * Decodes the request at the start of buf[0..len).  Returns PDP_OK with
 * *req filled and *used the bytes it took (at most PDP_REQUEST_MAX);
 * PDP_ERROR with a static reason in *err for a NUL byte, a line without
 * '=' or with an empty name, no end within PDP_REQUEST_MAX bytes, or a
 * request whose "request" attribute is missing or not
 * PDP_REQUEST_TYPE; or PDP_NEED_MORE (buf is the start of a request
 * that may still be valid: shorter than PDP_REQUEST_MAX, every line
 * complete so far well formed).  A CR before a newline is ignored, for
 * people typing into telnet.
 */
enum pdp_rc pdp_decode(const char *buf, size_t len, struct pdp_request *req,
	    size_t *used, const char **err);

/*
 * Nonzero when value v (of a decoded request) is the string s.
 */
int	pdp_value_is(const struct pdp_value *v, const char *s);

/*
 * Writes the reply "action=" action "\n\n" into out (outsize bytes),
 * action being len bytes.  Returns the bytes written, or 0 when action
 * is empty, longer than PDP_ACTION_MAX or holds a NUL, CR or newline
 * (the reply would end early or carry a forged second line), or out is
 * too small (PDP_REPLY_MAX is always enough).
 */
size_t	pdp_encode(char *out, size_t outsize, const char *action, size_t len);

#endif /* PDP_H */
