/*
 * history.h: aliasctl stats --days, the per-day history of the stats
 * files (stats.h, stats_read_days() and stats_read_daytotals()) as a
 * table or JSON.
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <stdint.h>

#include "report_files.h"

/* What stats --days prints. */
struct history_req {
	int32_t	 from, to;	/* UTC days, from <= to */
	const char *alias;	/* --alias, normalised, or NULL: all */
	int	 unknown;	/* the unknown recipients of each day */
	int	 json;
	int	 files_line;	/* print "# counts from ..." first */
};

/*
 * Reads the days of the files of sf (found set in sf) and prints them.
 * Returns 0, or a sysexits code (said why).
 */
int	history_print(struct report_files *sf, const struct history_req *r);

#endif /* HISTORY_H */
