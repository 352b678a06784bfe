/*
 * outfile.c: a generated file published by rename (outfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "util.h"
#include "outfile.h"

#define OUTFILE_TAG	".tmp."

static int	 dir_sync(const char *path);

int
outfile_open(const char *path, struct outfile *of, struct errbuf *e)
{
	int	 fd = -1, saved;
	size_t	 len;

	memset(of, 0, sizeof(*of));
	if (strcmp(path, "-") == 0) {
		of->fp = stdout;
		return 0;
	}
	if (path[0] == '\0') {
		errno = EINVAL;
		return errbuf_set(e, "empty output file name");
	}
	len = strlen(path) + sizeof(OUTFILE_TAG "XXXXXX");
	if ((of->path = strdup(path)) == NULL ||
	    (of->tmp = malloc(len)) == NULL)
		goto fail;
	snprintf(of->tmp, len, "%s" OUTFILE_TAG "XXXXXX", path);
	if ((fd = mkstemp(of->tmp)) == -1) {
		saved = errno;
		free(of->tmp);
		of->tmp = NULL;
		errno = saved;
		goto fail;
	}
	/* What it replaces is for everyone to read: a report, metrics. */
	if (fchmod(fd, 0644) == -1 || (of->fp = fdopen(fd, "w")) == NULL)
		goto fail;
	return 0;
fail:
	saved = errno;
	errbuf_set(e, "%s: %s", path, strerror(saved));
	if (fd != -1)
		close(fd);
	outfile_abort(of);
	errno = saved;
	return -1;
}

int
outfile_status(int err)
{
	return err == ENOENT || err == EACCES || err == ENOTDIR ||
	    err == EROFS || err == EISDIR || err == EPERM ? EX_CANTCREAT :
	    EX_IOERR;
}

/* fsync(2) of the directory of path, so that a rename survives a crash. */
static int
dir_sync(const char *path)
{
	char	*copy;
	int	 fd, rc = -1;

	if ((copy = strdup(path)) == NULL)
		return -1;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

int
outfile_commit(struct outfile *of, struct errbuf *e)
{
	FILE	*fp = of->fp;
	int	 rc;

	of->fp = NULL;
	if (of->path == NULL) {
		rc = fflush(fp);
		if (rc == EOF || ferror(fp))
			rc = errbuf_set(e, "standard output: %s",
			    strerror(errno ? errno : EIO));
		outfile_abort(of);
		return rc;
	}
	if (fflush(fp) == EOF || ferror(fp) || fsync(fileno(fp)) == -1) {
		errbuf_set(e, "%s: %s", of->tmp, strerror(errno ? errno : EIO));
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) == EOF) {
		errbuf_set(e, "%s: %s", of->tmp, strerror(errno));
		goto fail;
	}
	if (rename(of->tmp, of->path) == -1) {
		errbuf_set(e, "rename to %s: %s", of->path, strerror(errno));
		goto fail;
	}
	free(of->tmp);
	of->tmp = NULL;
	rc = dir_sync(of->path);
	if (rc == -1)
		errbuf_set(e, "%s: fsync of its directory: %s", of->path,
		    strerror(errno));
	outfile_abort(of);
	return rc;
fail:
	outfile_abort(of);
	return -1;
}

void
outfile_abort(struct outfile *of)
{
	if (of->fp != NULL && of->fp != stdout)
		fclose(of->fp);
	if (of->tmp != NULL)
		unlink(of->tmp);
	free(of->tmp);
	free(of->path);
	memset(of, 0, sizeof(*of));
}
