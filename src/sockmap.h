/*
 * sockmap.h: the socketmap protocol of Sendmail and Postfix
 * (socketmap_table(5)), as a pure codec: no I/O, no allocation.
 *
 * A request is one netstring, "LEN:NAME KEY,", where LEN is the decimal
 * length of "NAME KEY"; a reply is one netstring "OK value",
 * "NOTFOUND ", "TEMP reason", "TIMEOUT reason" or "PERM reason".  Many
 * requests may follow each other on one connection.
 */
#ifndef SOCKMAP_H
#define SOCKMAP_H

#include <stddef.h>

/*
 * Longest request payload ("NAME KEY") we accept.  Postfix's smtpd
 * refuses SMTP lines over 2048 bytes (line_length_limit), so no
 * address it looks up comes near.
 */
#define SOCKMAP_REQUEST_MAX	4096
/* Longest map name. */
#define SOCKMAP_NAME_MAX	64
/* The most bytes a request takes on the wire: "4096:" payload ",". */
#define SOCKMAP_WIRE_MAX	(SOCKMAP_REQUEST_MAX + 6)
/*
 * Longest reply payload sockmap_encode() writes; Postfix accepts up to
 * 100000 bytes.
 */
#define SOCKMAP_REPLY_MAX	16384
/* The most bytes a reply takes on the wire. */
#define SOCKMAP_REPLY_WIRE_MAX	(SOCKMAP_REPLY_MAX + 7)

/* Results of sockmap_decode(). */
enum sockmap_rc {
	SOCKMAP_NEED_MORE,	/* a valid prefix: read more */
	SOCKMAP_REQUEST,	/* one request decoded */
	SOCKMAP_BAD,		/* well framed, but not "NAME KEY": answer
				   PERM and go on with the next one */
	SOCKMAP_ERROR		/* framing lost: answer PERM, then close */
};

/* One decoded request; the pointers point into the caller's buffer. */
struct sockmap_request {
	const char *name;
	size_t	 namelen;
	const char *key;	/* not NUL-terminated; may contain NUL */
	size_t	 keylen;
};

/*
 * Decodes the request at the start of buf[0..len).  Returns
 * SOCKMAP_REQUEST with *req set and *used the bytes it took,
 * SOCKMAP_BAD with *used set and a static reason in *err, SOCKMAP_ERROR
 * with a static reason in *err, or SOCKMAP_NEED_MORE (len bytes are the
 * start of a valid netstring: a prefix of at most SOCKMAP_WIRE_MAX
 * bytes).  A length with a leading zero or over SOCKMAP_REQUEST_MAX is
 * an error as soon as its digits show it.
 */
enum sockmap_rc sockmap_decode(const char *buf, size_t len,
	    struct sockmap_request *req, size_t *used, const char **err);

/*
 * Writes the reply netstring "status SP text" into out (outsize bytes).
 * Returns the bytes written, or 0 when the payload would be longer than
 * SOCKMAP_REPLY_MAX (a value is never cut: a cut address list would
 * route mail elsewhere) or out is too small (SOCKMAP_REPLY_WIRE_MAX is
 * always enough).
 */
size_t	sockmap_encode(char *out, size_t outsize, const char *status,
	    const char *text, size_t textlen);

#endif /* SOCKMAP_H */
