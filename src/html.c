/*
 * html.c: escaping, numbers and small SVG pieces for the HTML report
 * (html.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "util.h"

void
html_text(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 len;

	for (; *p != '\0'; p += len) {
		len = utf8_len(p);
		if (len == 0 || (*p < 0x20 && *p != '\t' && *p != '\n') ||
		    *p == 0x7f) {
			/* U+FFFD: what an HTML parser shows for junk. */
			fputs("\xef\xbf\xbd", fp);
			len = 1;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fwrite(p, 1, len, fp);
		}
	}
}

void
html_textf(FILE *fp, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	html_text(fp, buf);
}

void
html_num(uint64_t v, char *buf)
{
	char	 digits[HTML_NUM_BUF];
	size_t	 n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)v);
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

void
html_put_num(FILE *fp, uint64_t v)
{
	char	 buf[HTML_NUM_BUF];

	html_num(v, buf);
	fputs(buf, fp);
}

uint64_t
html_axis_top(uint64_t max)
{
	uint64_t p = 1;

	for (;;) {
		if (max <= p)
			return p;
		if (max <= 2 * p)
			return 2 * p;
		if (max <= 5 * p)
			return 5 * p;
		if (p > UINT64_MAX / 10)
			return UINT64_MAX;
		p *= 10;
	}
}

void
html_sparkline(FILE *fp, const uint64_t *v, size_t n, int w, int h,
    const char *label)
{
	uint64_t max = 0;
	size_t	 i;
	double	 x, y;

	fprintf(fp, "<svg class=\"spark\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", w, h, w, h);
	html_text(fp, label);
	fprintf(fp, "\"><title>");
	html_text(fp, label);
	fprintf(fp, "</title>");
	if (n == 0) {
		fprintf(fp, "<text x=\"0\" y=\"%d\">no data</text></svg>",
		    h - 4);
		return;
	}
	for (i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	fprintf(fp, "<polyline points=\"");
	for (i = 0; i < n; i++) {
		/* One point: a dot's worth of line at the right. */
		x = n > 1 ? (double)i * (w - 2) / (double)(n - 1) + 1 :
		    (double)w - 2;
		y = max > 0 ? (double)(h - 1) - (double)v[i] * (h - 2) /
		    (double)max : (double)(h - 1);
		fprintf(fp, "%s%.1f,%.1f", i ? " " : "", x, y);
		if (n == 1)
			fprintf(fp, " %.1f,%.1f", x + 1, y);
	}
	fprintf(fp, "\"/></svg>");
}
