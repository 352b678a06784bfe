/*
 * outfile.h: publishing a generated file (a report, a Prometheus
 * textfile) the way makemap does: written to a temp file in the target's
 * directory, fsynced, renamed over the target, so that a reader (a web
 * server, node_exporter's textfile collector) sees the old file or the
 * new one, never half of one.  "-" is stdout, written as it goes.
 */
#ifndef OUTFILE_H
#define OUTFILE_H

#include <stdio.h>

struct outfile {
	FILE	*fp;		/* write here; ours (stdout: not closed) */
	char	*path;		/* the target; ours; NULL for stdout */
	char	*tmp;		/* "<path>.tmp.XXXXXX"; ours */
};

/*
 * Opens a temp file beside path (mode 0644), or stdout when path is
 * "-".  Returns 0 with of filled, or -1 with errno and the reason in e.
 */
int	outfile_open(const char *path, struct outfile *of, struct errbuf *e);
/*
 * The sysexits code of an outfile_open() that failed with errno err:
 * EX_CANTCREAT when the file cannot be created there (no such
 * directory, no permission, read-only), else EX_IOERR.
 */
int	outfile_status(int err);
/*
 * Flushes, fsyncs and renames the temp file over the target, then
 * fsyncs its directory; for stdout only flushes.  Returns 0, or -1 with
 * the reason in e (the temp file removed).  of is freed either way.
 */
int	outfile_commit(struct outfile *of, struct errbuf *e);
/* Removes the temp file and frees of; the target is untouched. */
void	outfile_abort(struct outfile *of);

#endif /* OUTFILE_H */
