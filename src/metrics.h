/*
 * metrics.h: aliasctl stats --prometheus, the hit counters and the
 * alias file's state in the Prometheus text exposition format 0.0.4, for
 * node_exporter's textfile collector (see aliasctl(8), METRICS).
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "report_files.h"

/* --per-alias without N: the busiest aliases that get their series. */
#define METRICS_PER_ALIAS_DEFAULT	20

/*
 * Prints s to fp as a label value of the text format: backslash, double
 * quote and newline escaped, bytes that are not UTF-8 as U+FFFD.
 */
void	metrics_label(FILE *fp, const char *s);

/*
 * Writes the metrics of the stats files sf names (the alias file o
 * names gives the alias gauges and the map's compile time) to output
 * ("-": stdout; else published by rename, outfile.h), with per-alias
 * series for the per_alias busiest aliases (0: none).  Returns 0, or a
 * sysexits code (said why; output untouched).
 */
int	metrics_prometheus(const struct options *o, struct report_files *sf,
	    const char *output, size_t per_alias);

#endif /* METRICS_H */
