/*
 * output.c: the text and JSON output helpers of aliasctl's commands
 * (output.h): network text escaped for the terminal, column widths,
 * times, JSON strings.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "util.h"

/*
 * Unknown recipients are whatever spammers sent: a key is printed with
 * every byte that is not printable ASCII, and backslash, as \xHH, so
 * that it cannot drive the terminal or shift the columns.
 */
size_t
output_vis_len(const char *s)
{
	const unsigned char *p;
	size_t	 len = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		len += *p >= 0x20 && *p < 0x7f && *p != '\\' ? 1 : 4;
	return len;
}

/* Prints s as output_vis_len() counts it, padded with blanks to width. */
void
output_vis_print(const char *s, int width)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			putchar(*p);
		else
			printf("\\x%02x", *p);
	printf("%*s", width - (int)output_vis_len(s), "");
}

/* The larger of width and the number of digits of v. */
int
output_num_width(uint64_t v, int width)
{
	int	 d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d > width ? d : width;
}

/* "YYYY-MM-DD HH:MM" in local time, "-" for never (0). */
void
output_time_local(int64_t t, char *buf)
{
	struct tm tm;
	time_t	 tt = (time_t)t;

	if (t == 0)
		strcpy(buf, "-");
	else if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, OUTPUT_TIME_BUF, "%Y-%m-%d %H:%M", &tm) == 0)
		strcpy(buf, "?");
}

/* ISO 8601 in UTC, "YYYY-MM-DDTHH:MM:SSZ", or "" for never (0). */
void
output_time_utc(int64_t t, char *buf)
{
	struct tm tm;
	time_t	 tt = (time_t)t;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, OUTPUT_TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

/*
 * Prints s as a JSON string.  Bytes that are not UTF-8 cannot be in
 * JSON text: each becomes U+FFFD.
 */
void
output_json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 len;

	putchar('"');
	while (*p != '\0') {
		if ((len = utf8_len(p)) == 0) {
			fputs("\\ufffd", stdout);
			p++;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				fwrite(p, 1, len, stdout);
			break;
		}
		p += len;
	}
	putchar('"');
}
