/*
 * fuzz_zone.h: the checks the record targets share: messages, and the
 * dnsrec_zone_txt() line of a text, read back string by string as a
 * zone-file parser would, gives the text again, in strings of 255 bytes
 * but the last.  Header-only, like fuzz_util.h.
 */
#ifndef FUZZ_ZONE_H
#define FUZZ_ZONE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"
#include "fuzz_util.h"

/*
 * A parser's message quotes the record: it must stay one line of
 * printable text whatever the record holds (a tab is allowed).
 */
static inline void
fuzz_message(const char *msg)
{
	const char *p;

	FUZZ_CHECK(strncmp(msg, "column ", 7) == 0, "message %s", msg);
	for (p = msg; *p != '\0'; p++)
		FUZZ_CHECK((*p >= 0x20 && *p < 0x7f) || *p == '\t',
		    "byte %#x in message %s", (unsigned char)*p, msg);
}

/* The bytes of data up to the first NUL make the text. */
static inline void
fuzz_zone_roundtrip(const uint8_t *data, size_t size)
{
	static const char prefix[] = "example.com. IN TXT";
	const char *p;
	char *text, *line, *back;
	size_t len, cap, nback = 0, nstr = 0, nstrings = 0;
	int n;

	len = strnlen((const char *)data, size);
	text = fuzz_copy(data, len, 1);
	cap = sizeof(prefix) + 4 * len + 3 * (len / 255 + 1) + 1;
	line = fuzz_alloc(cap);
	n = dnsrec_zone_txt("example.com", text, line, cap);
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(line), "zone_txt: %d", n);
	FUZZ_CHECK(dnsrec_zone_txt("example.com.", text, line, (size_t)n) ==
	    -1 && line[0] == '\0', "fits in %d bytes", n);
	FUZZ_CHECK(dnsrec_zone_txt("example.com.", text, line, cap) == n,
	    "the owner's dot counted twice");
	FUZZ_CHECK(strncmp(line, prefix, sizeof(prefix) - 1) == 0,
	    "line %s", line);
	back = fuzz_alloc(len + 1);
	for (p = line + sizeof(prefix) - 1; *p != '\0'; p++) {
		FUZZ_CHECK(p[0] == ' ' && p[1] == '"', "at %s", p);
		FUZZ_CHECK(nstrings == 0 || nstr == 255, "a short string "
		    "before the last");
		nstrings++;
		for (p += 2, nstr = 0; *p != '"'; p++, nstr++) {
			FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "byte %#x",
			    (unsigned char)*p);
			FUZZ_CHECK(nback < len, "more bytes than the text");
			if (*p != '\\') {
				back[nback++] = *p;
				continue;
			}
			p++;
			if (*p >= '0' && *p <= '9') {
				FUZZ_CHECK(p[1] >= '0' && p[1] <= '9' &&
				    p[2] >= '0' && p[2] <= '9', "escape");
				back[nback++] = (char)((p[0] - '0') * 100 +
				    (p[1] - '0') * 10 + (p[2] - '0'));
				p += 2;
			} else {
				FUZZ_CHECK(*p == '"' || *p == '\\',
				    "needless escape %c", *p);
				back[nback++] = *p;
			}
		}
		FUZZ_CHECK(nstr <= 255, "string of %zu bytes", nstr);
	}
	FUZZ_CHECK(nstrings == (len + 254) / 255 + (len == 0),
	    "%zu strings for %zu bytes", nstrings, len);
	FUZZ_CHECK(nback == len && memcmp(back, text, len) == 0,
	    "read back differs");
	free(back);
	free(line);
	free(text);
}

#endif /* FUZZ_ZONE_H */
