/*
 * tcptable.h: Postfix's tcp_table(5) protocol as a pure codec: no I/O,
 * no allocation.
 *
 * A request is one line "get SP key NL"; a reply is one line
 * "200 SP value NL" (found), "500 SP text NL" (not found) or
 * "400 SP text NL" (try again later).  In keys, values and texts the
 * character '%', white space and every byte that is not printable ASCII
 * is sent as %XX (hex digits in either case).  Many requests may follow
 * each other on one connection.
 */
#ifndef TCPTABLE_H
#define TCPTABLE_H

#include <stddef.h>

/*
 * Longest request line we accept, newline included: a 2048-byte key
 * (Postfix's SMTP line_length_limit) with every byte encoded as %XX.
 */
#define TCPTABLE_LINE_MAX	(4 + 3 * 2048 + 2)
/* Longest decoded key: what a TCPTABLE_LINE_MAX line can hold. */
#define TCPTABLE_KEY_MAX	(TCPTABLE_LINE_MAX - 5)
/*
 * Longest reply line, newline included: Postfix's dict_tcp reads at
 * most 4096 bytes (DICT_TCP_MAXLEN) and fails the lookup otherwise.
 */
#define TCPTABLE_REPLY_MAX	4096

enum tcptable_rc {
	TCPTABLE_NEED_MORE,	/* no complete line yet: read more */
	TCPTABLE_REQUEST,	/* one "get" request decoded */
	TCPTABLE_BAD,		/* a complete line that is not one: answer
				   400 and go on with the next one */
	TCPTABLE_ERROR		/* line too long: answer 400, then close */
};

/*
 * Decodes the request line at the start of buf[0..len).  Returns
 * TCPTABLE_REQUEST with the decoded key in key (keysize bytes, at least
 * TCPTABLE_KEY_MAX + 1; NUL-terminated, but it may contain a NUL from
 * %00) and its length in *keylen; TCPTABLE_BAD with a static reason in
 * *err; TCPTABLE_ERROR with a static reason in *err when no newline is
 * found within TCPTABLE_LINE_MAX bytes; or TCPTABLE_NEED_MORE.  *used
 * is the bytes the line took (REQUEST and BAD).  A CR before the
 * newline is ignored, for people typing into telnet.
 */
enum tcptable_rc tcptable_decode(const char *buf, size_t len, char *key,
	    size_t keysize, size_t *keylen, size_t *used, const char **err);

/*
 * Writes the reply line "code SP text NL" with text (textlen bytes)
 * %XX-encoded into out (outsize bytes).  Returns the bytes written, or
 * 0 when the line would be longer than TCPTABLE_REPLY_MAX (a value is
 * never cut) or out is too small.
 */
size_t	tcptable_encode(char *out, size_t outsize, int code, const char *text,
	    size_t textlen);

#endif /* TCPTABLE_H */
