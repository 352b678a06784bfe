/*
 * output.h: the pieces of aliasctl's text and JSON output that every
 * command printing to stdout shares (report.c, history.c, evidence.c,
 * report_files.c, dnscmd.c, doctor.c): text from the network made
 * harmless, column widths, times, JSON strings.  Writes to stdout;
 * knows nothing of the stats.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>
#include <stdint.h>

/* Room for the times we print, "YYYY-MM-DDTHH:MM:SSZ" and a NUL. */
#define OUTPUT_TIME_BUF	32

/*
 * Text that came from the network is printed with every byte that is
 * not printable ASCII, and backslash, as \xHH: output_vis_len() is its
 * printed width, output_vis_print() prints it padded to width.
 */
size_t	output_vis_len(const char *s);
void	output_vis_print(const char *s, int width);
/* The larger of width and the number of digits of v. */
int	output_num_width(uint64_t v, int width);
/* "YYYY-MM-DD HH:MM" local time, "-" for 0, into buf (OUTPUT_TIME_BUF). */
void	output_time_local(int64_t t, char *buf);
/* "YYYY-MM-DDTHH:MM:SSZ", "" for 0, into buf (OUTPUT_TIME_BUF). */
void	output_time_utc(int64_t t, char *buf);
/* Prints s as a JSON string, bytes that are not UTF-8 as U+FFFD. */
void	output_json_string(const char *s);

#endif /* OUTPUT_H */
