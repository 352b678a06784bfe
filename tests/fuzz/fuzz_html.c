/*
 * fuzz_html.c: libFuzzer target for html_text() (html.h), the one way a
 * string from the stats files or the alias file reaches the HTML report.
 *
 * The input, up to its first NUL, is any text an attacker may put in an
 * address.  What html.h promises is checked on the output: no byte that
 * could start or end markup or an attribute (<, >, ", '), every & the
 * start of one of the five references html_text() writes, no control
 * byte but tab and newline, and valid UTF-8 throughout.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "html.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const refs[] = { "&amp;", "&lt;", "&gt;",
	    "&quot;", "&#39;" };
	char	*in, *out = NULL;
	size_t	 len = 0, i, k, n;
	unsigned char c;
	FILE	*fp;

	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if ((fp = open_memstream(&out, &len)) == NULL) {
		free(in);
		return 0;
	}
	html_text(fp, in);
	FUZZ_CHECK(fclose(fp) == 0, "memstream");
	for (i = 0; i < len; i += n) {
		c = (unsigned char)out[i];
		FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'',
		    "markup byte 0x%02x at %zu", c, i);
		FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\n',
		    "control byte 0x%02x at %zu", c, i);
		FUZZ_CHECK(c != 0x7f, "DEL at %zu", i);
		if (c == '&') {
			for (k = 0; k < sizeof(refs) / sizeof(refs[0]); k++)
				if (strncmp(out + i, refs[k],
				    strlen(refs[k])) == 0)
					break;
			FUZZ_CHECK(k < sizeof(refs) / sizeof(refs[0]),
			    "bare & at %zu", i);
		}
		n = utf8_len((const unsigned char *)out + i);
		FUZZ_CHECK(n > 0, "not UTF-8 at %zu", i);
	}
	free(out);
	free(in);
	return 0;
}
