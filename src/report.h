/*
 * report.h: the aliasctl commands that read the map or the hit counters
 * and print them (see cli.h for the handlers' contract).
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "stats.h"

/* Room for the times we print, "YYYY-MM-DDTHH:MM:SSZ" and a NUL. */
#define REPORT_TIME_BUF	32

/*
 * The stats files a view adds up, in one list that every stats view
 * (stats, list, senders, leaks, report, the Prometheus output) reads:
 * the local files first (-S, or each daemon's own file and
 * MAP.stats.lmdb), then the files of other hosts given with --merge.
 * A view calls report_files_init(), report_files_merge() for each
 * --merge its option reader finds (REPORT_OPT_MERGE in its table), then
 * report_files_find(), and passes path, n and found to the stats_read_*
 * functions (stats.h).  A local file may not exist yet (nothing
 * counted); a --merge file must exist and be a stats file.  Each file is
 * counted once: a path naming a file already in the list (same device
 * and inode) is dropped with a warning.
 */
struct report_files {
	char	**path;		/* n of them; ours */
	int	*found;		/* n: path[i] exists and was read */
	size_t	 n;
	size_t	 nlocal;	/* path[0 .. nlocal - 1] are the local files */
};

/* The --merge option of every stats view, for its table of options. */
#define REPORT_OPT_MERGE	{"--merge", "a stats file"}

/* Makes sf an empty list. */
void	report_files_init(struct report_files *sf);
/*
 * Notes path, given with --merge, in sf.  Returns 0, or EX_USAGE (an
 * empty path) or EX_OSERR, said why.
 */
int	report_files_merge(struct report_files *sf, const char *path);
/*
 * Puts the local files before the --merge files in sf, checks the
 * --merge files (EX_NOINPUT: missing or unreadable, EX_DATAERR: not a
 * stats file, with its name) and drops duplicates.  Returns 0, or a
 * sysexits code (said why); free sf with report_files_free() either way.
 */
int	report_files_find(const struct options *o, struct report_files *sf);
void	report_files_free(struct report_files *sf);
/* Says on stderr "no hits recorded yet (...)" when no file of sf exists. */
void	report_files_none(const struct report_files *sf);
/* Prints the files sf read: "# counts from A + B\n", or with json
 * ",\"files\":[...]". */
void	report_files_print(const struct report_files *sf, int json);

/*
 * Text that came from the network is printed with every byte that is
 * not printable ASCII, and backslash, as \xHH: report_vis_len() is its
 * printed width, report_vis_print() prints it padded to width.
 */
size_t	report_vis_len(const char *s);
void	report_vis_print(const char *s, int width);
/* The larger of width and the number of digits of v. */
int	report_num_width(uint64_t v, int width);
/* "YYYY-MM-DD HH:MM" local time, "-" for 0, into buf (REPORT_TIME_BUF). */
void	report_time_local(int64_t t, char *buf);
/* "YYYY-MM-DDTHH:MM:SSZ", "" for 0, into buf (REPORT_TIME_BUF). */
void	report_time_utc(int64_t t, char *buf);
/* Prints s as a JSON string, bytes that are not UTF-8 as U+FFFD. */
void	report_json_string(const char *s);
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
