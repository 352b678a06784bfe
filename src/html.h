/*
 * html.h: the pieces of a self-contained HTML page that aliasctl writes
 * (report --html): text escaped for HTML, numbers for people, and SVG
 * geometry that stays finite on empty data.  Writes to a FILE; knows
 * nothing of the stats.
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Room for html_num()'s "18,446,744,073,709,551,615" and a NUL. */
#define HTML_NUM_BUF	32

/*
 * Prints s as HTML text or as an attribute value in double quotes: &, <,
 * >, " and ' as character references; control bytes and bytes that are
 * not UTF-8 as U+FFFD, so that text from the network (addresses chosen
 * by spammers) shows as text and never as markup.
 */
void	html_text(FILE *fp, const char *s);
/* printf(3) into the page, then html_text() of the result. */
void	html_textf(FILE *fp, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* v with thousands separators ("1,234,567") into buf (HTML_NUM_BUF). */
void	html_num(uint64_t v, char *buf);
/* fprintf of html_num(v). */
void	html_put_num(FILE *fp, uint64_t v);

/*
 * The top of a chart's value axis for a largest value max: 1, 2 or 5
 * times a power of ten, at least max, and at least 1 (an empty chart
 * still has an axis).  Grid lines at quarters of it are round numbers
 * for 1 and 2 (and multiples of ten of 5).
 */
uint64_t html_axis_top(uint64_t max);

/*
 * An inline SVG sparkline of the n values v (n may be 0) of width w and
 * height h pixels: a polyline scaled to the largest value, a flat line
 * at the bottom when every value is 0, "no data" when n is 0.  label is
 * its accessible name (escaped here).
 */
void	html_sparkline(FILE *fp, const uint64_t *v, size_t n, int w, int h,
	    const char *label);

#endif /* HTML_H */
