/*
 * report.h: the aliasctl commands that read the map or the hit counters
 * and print them (see cli.h for the handlers' contract).
 */
#ifndef REPORT_H
#define REPORT_H

#include "cli.h"

/*
 * Parses num, the value of option opt of command cmd, a number from 1
 * to max, into *v.  Returns 0, or -1 after saying why ("cmd: opt needs
 * a number from 1 to max, not 'num'").
 */
int	report_count(const char *cmd, const char *opt, const char *num,
	    unsigned long long max, unsigned long long *v);

/* export: the map as virtual(5) text for postmap(1). */
int	cmd_export(const struct options *, int argc, char **argv);
/* query [-v] ADDRESS: the target(s) Postfix would find; 1 if none. */
int	cmd_query(const struct options *, int argc, char **argv);
/* stats [--json] [--top N] [--unknown]: hits per alias or recipient. */
int	cmd_stats(const struct options *, int argc, char **argv);
/* list [--revoked] [--json]: every alias, its state, hits and note. */
int	cmd_list(const struct options *, int argc, char **argv);

#endif /* REPORT_H */
