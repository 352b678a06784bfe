/*
 * tools/stats-flush.c: the flush of the stats file with a full history,
 * for tools/bench-stats.  Usage: stats-flush FILE ALIASES DAYS ROUNDS.
 * Fills FILE with DAYS days of history for ALIASES aliases (each alias
 * hit once a day, 100 unknown recipients a day), then times ROUNDS
 * flushes of one second's traffic: every alias hit once today and 100
 * unknown recipients.  Then puts ALIASES rows of a day just too old to
 * keep and times the flush that folds them.  Prints one line per
 * figure: the file's size, the median flush, the bytes it wrote
 * (/proc/self/io wchar: LMDB writes its pages with pwrite(2)).
 */
#include <sys/stat.h>

#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"
#include "stats_rec.h"
#include "util.h"

#define DAY	86400

static long long
wchar(void)
{
	FILE	*f = fopen("/proc/self/io", "r");
	char	 line[128];
	long long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "wchar: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
dcmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
second(struct stats *s, int naliases, time_t t, int salt)
{
	char	 key[64];
	int	 i;

	for (i = 0; i < naliases; i++) {
		snprintf(key, sizeof(key), "alias%04d@example.com", i);
		stats_hit(s, key, i % 10 ? STATS_HIT : STATS_REVOKED_HIT, t);
	}
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "guess%d-%d@example.com", salt, i);
		stats_hit(s, key, STATS_UNKNOWN, t);
	}
}

/* Puts n "days" rows of day into path, with LMDB itself. */
static void
old_rows(const char *path, int n, int32_t day)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k, v;
	struct stats_day d;
	unsigned char key[64], rec[REC_DAY_SIZE];
	int	 i, len;

	memset(&d, 0, sizeof(d));
	d.accepted = 1;
	rec_day_encode(rec, &d);
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 8) ||
	    mdb_env_set_mapsize(env, (size_t)1 << 30) ||
	    mdb_env_open(env, path, MDB_NOSUBDIR, 0640) ||
	    mdb_txn_begin(env, NULL, 0, &txn) ||
	    mdb_dbi_open(txn, "days", 0, &dbi)) {
		fprintf(stderr, "%s: cannot open\n", path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		rec_daykey_encode(key, day);
		len = snprintf((char *)key + 4, 60, "alias%04d@example.com", i);
		k.mv_data = key;
		k.mv_size = 4 + (size_t)len;
		v.mv_data = rec;
		v.mv_size = sizeof(rec);
		if (mdb_put(txn, dbi, &k, &v, 0) != 0)
			exit(1);
	}
	if (mdb_txn_commit(txn) != 0)
		exit(1);
	mdb_env_close(env);
}

/*
 * The key order alone, with LMDB itself: fills path with days rows of
 * naliases aliases keyed day first (day_major) or alias first, then
 * times one transaction that updates every alias's row of the last
 * day, as a flush does.  Prints the time and the bytes written.
 */
static void
key_order(const char *path, int naliases, int days, int day_major)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k, v;
	struct stats_day d;
	unsigned char key[64], rec[REC_DAY_SIZE];
	char	 alias[32];
	double	 t0;
	long long w0;
	int	 a, day, alen, round;

	memset(&d, 0, sizeof(d));
	rec_day_encode(rec, &d);
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 2) ||
	    mdb_env_set_mapsize(env, (size_t)1 << 30) ||
	    mdb_env_open(env, path, MDB_NOSUBDIR, 0640))
		exit(1);
	for (round = 0; round <= days; round++) {
		if (mdb_txn_begin(env, NULL, 0, &txn) ||
		    mdb_dbi_open(txn, "days", MDB_CREATE, &dbi))
			exit(1);
		/* Rounds 0 .. days - 1 fill; the last one is timed. */
		day = round < days ? round : days - 1;
		if (round == days) {
			w0 = wchar();
			t0 = now_s();
		}
		for (a = 0; a < naliases; a++) {
			alen = snprintf(alias, sizeof(alias),
			    "alias%04d@example.com", a);
			if (day_major) {
				rec_daykey_encode(key, day);
				memcpy(key + 4, alias, alen);
			} else {
				memcpy(key, alias, alen);
				key[alen] = '\0';
				rec_daykey_encode(key + alen + 1, day);
			}
			k.mv_data = key;
			k.mv_size = 4 + (size_t)alen + !day_major;
			d.accepted = round;
			rec_day_encode(rec, &d);
			v.mv_data = rec;
			v.mv_size = sizeof(rec);
			if (mdb_put(txn, dbi, &k, &v, 0) != 0)
				exit(1);
		}
		if (mdb_txn_commit(txn) != 0)
			exit(1);
	}
	printf("%s_txn_ms %.3f\n", day_major ? "day_major" : "alias_major",
	    (now_s() - t0) * 1000);
	printf("%s_written_bytes %lld\n", day_major ? "day_major" :
	    "alias_major", wchar() - w0);
	mdb_env_close(env);
}

int
main(int argc, char **argv)
{
	struct stats *s;
	struct errbuf e;
	struct stat st;
	char	 path2[4096];
	double	*t, t0;
	long long w0, *w;
	time_t	 now = time(NULL);
	int	 naliases, days, rounds, d, r;

	if (argc == 6 && strcmp(argv[5], "keys") == 0) {
		key_order(argv[1], atoi(argv[2]), atoi(argv[3]), 1);
		snprintf(path2, sizeof(path2), "%s.alias", argv[1]);
		key_order(path2, atoi(argv[2]), atoi(argv[3]), 0);
		return 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: stats-flush FILE ALIASES DAYS ROUNDS "
		    "[keys]\n");
		return 64;
	}
	naliases = atoi(argv[2]);
	days = atoi(argv[3]);
	rounds = atoi(argv[4]);
	if ((t = calloc(rounds, sizeof(*t))) == NULL ||
	    (w = calloc(rounds, sizeof(*w))) == NULL)
		return 71;
	if (stats_open(argv[1], &s, &e) == -1) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	for (d = days - 1; d >= 1; d--) {
		second(s, naliases, now - (time_t)d * DAY, d);
		if (stats_flush(s, &e) == -1) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
	}
	for (r = 0; r < rounds; r++) {
		second(s, naliases, now, 10000 + r);
		w0 = wchar();
		t0 = now_s();
		if (stats_flush(s, &e) == -1) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		t[r] = now_s() - t0;
		w[r] = wchar() - w0;
	}
	qsort(t, rounds, sizeof(*t), dcmp);
	stat(argv[1], &st);
	printf("file_bytes %lld\n", (long long)st.st_size);
	printf("flush_ms %.3f\n", t[rounds / 2] * 1000);
	printf("flush_written_bytes %lld\n", w[rounds / 2]);

	/* The fold: a day's rows of every alias, one day too old. */
	stats_close(s);
	old_rows(argv[1], naliases, stats_day_of(now) - STATS_DAYS_KEPT);
	if (stats_open(argv[1], &s, &e) == -1)
		return 1;
	second(s, naliases, now, 20000);
	w0 = wchar();
	t0 = now_s();
	if (stats_flush(s, &e) == -1)
		return 1;
	printf("fold_flush_ms %.3f\n", (now_s() - t0) * 1000);
	printf("fold_flush_written_bytes %lld\n", wchar() - w0);
	stats_close(s);
	free(t);
	free(w);
	return 0;
}
