/*
 * report_html.h: aliasctl report --html, one self-contained HTML page
 * of the hit counters for the domain's owner: traffic per day by
 * verdict, the busiest aliases, the leaked ones, the addresses spammers
 * try, what changed in the last week (see aliasctl(8), report).
 */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include "cli.h"

#define REPORT_DAYS_DEFAULT	30	/* --days without the option */
#define REPORT_DAYS_MAX		400	/* the history the stats file keeps */
#define REPORT_WEEK		7	/* "what changed": the last 7 days */
#define REPORT_TOP		15	/* rows of the top tables */

/*
 * An alias's refusals "jumped" when the last REPORT_WEEK days refused at
 * least REPORT_JUMP_MIN recipients and REPORT_JUMP_FACTOR times as many
 * as the REPORT_WEEK days before.
 */
#define REPORT_JUMP_MIN		10
#define REPORT_JUMP_FACTOR	2

/* report --html FILE|- [--days N] [--alias ADDRESS] */
int	cmd_report(const struct options *, int argc, char **argv);

#endif /* REPORT_HTML_H */
