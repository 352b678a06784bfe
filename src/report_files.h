/*
 * report_files.h: the list of stats files that every stats view adds
 * up (report_files.c).
 */
#ifndef REPORT_FILES_H
#define REPORT_FILES_H

#include <stddef.h>

#include "cli.h"

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

#endif /* REPORT_FILES_H */
