/*
 * fuzz_tcptable.c: libFuzzer target for tcptable.h, the tcp_table codec
 * of alias-lookupd.
 *
 * The input is a byte stream as a client would send it.  It is decoded
 * line by line, as the server does, and what tcptable.h promises is
 * checked: a shorter prefix of a line needs more; a decoded key fits
 * its buffer with a NUL; a key encoded with tcptable_encode() (Postfix's
 * hex_quote()) and sent back as "get KEY" decodes to itself; and every
 * reply line holds no byte that must be encoded, ends in one newline and
 * stays within TCPTABLE_REPLY_MAX.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"
#include "tcptable.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char key[TCPTABLE_KEY_MAX + 1], key2[TCPTABLE_KEY_MAX + 1];
static char line[TCPTABLE_REPLY_MAX + 16];

static void	check_encode(const char *, size_t);

/* text encodes to a clean line that decodes back to text. */
static void
check_encode(const char *text, size_t len)
{
	size_t	 n, i, klen, used;
	const char *err;
	enum tcptable_rc rc;

	size_t	 want = 5;	/* "200 " and the newline */

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		want += c == '%' || c <= 0x20 || c >= 0x7f ? 3 : 1;
	}
	n = tcptable_encode(line, sizeof(line), 200, text, len);
	if (n == 0) {
		FUZZ_CHECK(want > TCPTABLE_REPLY_MAX, "a %zu-byte line was "
		    "not encoded", want);
		return;
	}
	FUZZ_CHECK(n == want, "encoded %zu bytes, expected %zu", n, want);
	FUZZ_CHECK(n <= TCPTABLE_REPLY_MAX && n >= 5 && line[n - 1] == '\n' &&
	    memcmp(line, "200 ", 4) == 0, "bad reply line");
	for (i = 4; i < n - 1; i++)
		FUZZ_CHECK((unsigned char)line[i] > 0x20 &&
		    (unsigned char)line[i] < 0x7f, "raw byte %02x in a reply",
		    (unsigned char)line[i]);
	/* "200 X" read back as "get X" gives the text. */
	memcpy(line, "get ", 4);
	rc = tcptable_decode(line, n, key2, sizeof(key2), &klen, &used, &err);
	FUZZ_CHECK(rc == TCPTABLE_REQUEST && used == n && klen == len &&
	    memcmp(key2, text, len) == 0 && key2[klen] == '\0',
	    "encoded text does not decode to itself");
	/* Too small an output buffer is refused, never overrun. */
	FUZZ_CHECK(tcptable_encode(line, 4, 500, text, len) == 0,
	    "encoded into 4 bytes");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *err;
	size_t	 off = 0, used, used2, klen, klen2, cut;
	enum tcptable_rc rc, rc2;

	check_encode(buf, size < 8192 ? size : 8192);
	while (off < size) {
		err = NULL;
		rc = tcptable_decode(buf + off, size - off, key, sizeof(key),
		    &klen, &used, &err);
		if (rc == TCPTABLE_NEED_MORE) {
			FUZZ_CHECK(size - off < TCPTABLE_LINE_MAX &&
			    memchr(buf + off, '\n', size - off) == NULL,
			    "need more with a complete line");
			break;
		}
		if (rc == TCPTABLE_ERROR) {
			FUZZ_CHECK(err != NULL && size - off >= TCPTABLE_LINE_MAX,
			    "error before the line limit");
			break;
		}
		FUZZ_CHECK(used > 0 && used <= size - off &&
		    used <= TCPTABLE_LINE_MAX && buf[off + used - 1] == '\n' &&
		    memchr(buf + off, '\n', used - 1) == NULL,
		    "used %zu is not one line", used);
		for (cut = 0; cut < used; cut += 1 + cut / 8) {
			rc2 = tcptable_decode(buf + off, cut, key2,
			    sizeof(key2), &klen2, &used2, &err);
			FUZZ_CHECK(rc2 == TCPTABLE_NEED_MORE, "prefix of %zu "
			    "bytes decoded as %d", cut, (int)rc2);
		}
		if (rc == TCPTABLE_BAD) {
			FUZZ_CHECK(err != NULL, "bad without a reason");
			off += used;
			continue;
		}
		FUZZ_CHECK(rc == TCPTABLE_REQUEST && klen <= TCPTABLE_KEY_MAX &&
		    key[klen] == '\0' && klen < used, "bad request");
		/* What Postfix would send for this key decodes to it. */
		check_encode(key, klen);
		off += used;
	}
	return 0;
}
