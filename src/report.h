/*
 * report.h: the aliasctl commands that read the map or the hit counters
 * and print them (see cli.h for the handlers' contract).
 */
#ifndef REPORT_H
#define REPORT_H

#include "cli.h"

/* export: the map as virtual(5) text for postmap(1). */
int	cmd_export(const struct options *, int argc, char **argv);
/* query [-v] ADDRESS: the target(s) Postfix would find; 1 if none. */
int	cmd_query(const struct options *, int argc, char **argv);
/* stats [--json] [--top N] [--unknown]: hits per alias or recipient. */
int	cmd_stats(const struct options *, int argc, char **argv);
/* list [--revoked] [--json]: every alias, its state, hits and note. */
int	cmd_list(const struct options *, int argc, char **argv);

/*
 * Writes s to stdout as a JSON string: quoted, escaped, a byte that is
 * not part of valid UTF-8 as U+FFFD.
 */
void	report_json_string(const char *s);

#endif /* REPORT_H */
