/*
 * report_files.c: the one list of stats files that every stats view
 * (stats, list, senders, leaks, report, the Prometheus output) adds up
 * (report_files.h): the local files first, -S or each daemon's own file
 * and MAP.stats.lmdb, then the files of other MX hosts given with
 * --merge.  A local file need not exist yet (nothing was counted); a
 * --merge file must exist and be a stats file, and is never skipped
 * silently.  Each file is counted once: a path that names a file already
 * in the list (the same device and inode) is dropped with a warning.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "aliasfile.h"
#include "cli.h"
#include "log.h"
#include "output.h"
#include "report_files.h"
#include "stats.h"
#include "util.h"

static int	 files_insert(struct report_files *, size_t, const char *);
static int	 files_check(struct report_files *);

void
report_files_init(struct report_files *sf)
{
	memset(sf, 0, sizeof(*sf));
}

/*
 * Inserts a copy of path into sf at index at.  Returns 0, or -1 when
 * out of memory.
 */
static int
files_insert(struct report_files *sf, size_t at, const char *path)
{
	char	**p, *dup;

	if ((dup = strdup(path)) == NULL)
		return -1;
	if ((p = reallocarray(sf->path, sf->n + 1, sizeof(*p))) == NULL) {
		free(dup);
		return -1;
	}
	sf->path = p;
	memmove(p + at + 1, p + at, (sf->n - at) * sizeof(*p));
	p[at] = dup;
	sf->n++;
	return 0;
}

int
report_files_merge(struct report_files *sf, const char *path)
{
	if (path[0] == '\0') {
		log_warnx("--merge: empty stats file path");
		return EX_USAGE;
	}
	if (files_insert(sf, sf->n, path) == -1) {
		log_warn("stats file path");
		return EX_OSERR;
	}
	return 0;
}

/*
 * Checks the --merge files of sf (after its nlocal local ones): each
 * must be a stats file.  Then counts each file once: a path that names
 * the same file (device and inode) as an earlier one is dropped with a
 * warning.  Returns 0, or a sysexits code (said why).
 */
static int
files_check(struct report_files *sf)
{
	struct stat st, *sts = NULL;
	struct errbuf e;
	size_t	 i, j;
	int	*have = NULL, rc = 0;

	for (i = sf->nlocal; i < sf->n; i++) {
		if (stats_check(sf->path[i], &e) == 0)
			continue;
		log_warnx("--merge %s", e.msg);
		return errno == ENOENT || errno == EACCES ? EX_NOINPUT :
		    errno == EINVAL ? EX_DATAERR : EX_IOERR;
	}
	if ((sts = calloc(sf->n, sizeof(*sts))) == NULL ||
	    (have = calloc(sf->n, sizeof(*have))) == NULL) {
		log_warn("stats files");
		rc = EX_OSERR;
		goto out;
	}
	for (i = 0; i < sf->n; i++) {
		if (stat(sf->path[i], &st) == -1)
			continue;
		for (j = 0; j < i; j++)
			if (have[j] && sts[j].st_dev == st.st_dev &&
			    sts[j].st_ino == st.st_ino)
				break;
		if (j == i) {
			sts[i] = st;
			have[i] = 1;
			continue;
		}
		log_warnx("%s is the same file as %s: counted once",
		    sf->path[i], sf->path[j]);
		free(sf->path[i]);
		memmove(sf->path + i, sf->path + i + 1,
		    (sf->n - i - 1) * sizeof(*sf->path));
		memmove(sts + i, sts + i + 1, (sf->n - i - 1) * sizeof(*sts));
		memmove(have + i, have + i + 1,
		    (sf->n - i - 1) * sizeof(*have));
		if (i < sf->nlocal)
			sf->nlocal--;
		sf->n--;
		i--;
	}
out:
	free(sts);
	free(have);
	return rc;
}

/*
 * The stats files a view adds up: -S alone, else each daemon's own
 * file (stats_default_path()) and MAP.stats.lmdb, where versions before
 * 0.2 kept both daemons' counts; MAP is found as the other commands find
 * it (loading the alias file unless -m is given).  These local files go
 * before the --merge files that report_files_merge() noted in sf.
 * Returns 0, or a sysexits code (said why).
 */
int
report_files_find(const struct options *o, struct report_files *sf)
{
	struct aliasfile *af = NULL;
	char	 base[4096], legacy[4096], *p;
	int	 rc, i;

	if (o->stats != NULL) {
		if (o->stats[0] == '\0') {
			log_warnx("empty stats file path");
			return EX_USAGE;
		}
		if (files_insert(sf, 0, o->stats) == -1)
			goto nomem;
		sf->nlocal = 1;
		goto check;
	}
	if (o->mapbase == NULL && (rc = cli_load(o, &af)) != 0)
		return rc;
	rc = cli_map_base(o, af != NULL ? af->map : NULL, base, sizeof(base));
	af_free(af);
	if (rc != 0)
		return rc;
	if (path_suffix(legacy, sizeof(legacy), base, STATS_LEGACY_SUFFIX) ==
	    -1) {
		log_warnx("%s%s: path too long", base, STATS_LEGACY_SUFFIX);
		return EX_CONFIG;
	}
	for (i = 0; i < 3; i++) {
		p = i == 2 ? strdup(legacy) :
		    stats_default_path(base, i == 0 ? "milter" : "lookupd");
		if (p == NULL || files_insert(sf, (size_t)i, p) == -1) {
			free(p);
			goto nomem;
		}
		free(p);
		sf->nlocal++;
	}
check:
	if ((rc = files_check(sf)) != 0)
		return rc;
	if ((sf->found = calloc(sf->n, sizeof(*sf->found))) == NULL)
		goto nomem;
	return 0;
nomem:
	log_warn("stats file path");
	return EX_OSERR;
}

void
report_files_free(struct report_files *sf)
{
	size_t	 i;

	for (i = 0; i < sf->n; i++)
		free(sf->path[i]);
	free(sf->path);
	free(sf->found);
	memset(sf, 0, sizeof(*sf));
}

void
report_files_none(const struct report_files *sf)
{
	size_t	 i;

	for (i = 0; i < sf->n; i++)
		if (sf->found[i])
			return;
	if (sf->n == 1)
		log_warnx("no hits recorded yet (%s does not exist)",
		    sf->path[0]);
	else if (sf->n == 3)
		log_warnx("no hits recorded yet (none of %s, %s, %s exists)",
		    sf->path[0], sf->path[1], sf->path[2]);
	else
		log_warnx("no hits recorded yet (none of the %zu stats files "
		    "exists)", sf->n);
}

/* Prints the files sf read, as text: "# counts from A + B" */
void
report_files_print(const struct report_files *sf, int json)
{
	size_t	 i;
	int	 first = 1;

	printf("%s", json ? ",\"files\":[" : "# counts from");
	for (i = 0; i < sf->n; i++) {
		if (!sf->found[i])
			continue;
		if (json) {
			printf("%s", first ? "" : ",");
			output_json_string(sf->path[i]);
		} else
			printf("%s%s", first ? " " : " + ", sf->path[i]);
		first = 0;
	}
	if (json)
		printf("]");
	else
		printf("%s\n", first ? " no file yet" : "");
}

