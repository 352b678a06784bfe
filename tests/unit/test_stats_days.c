/*
 * test_stats_days.c: the per-day history of the stats file
 * (stats_days.c) and the record codecs (stats_rec.c): each record's
 * bytes, records we refuse, the Space-Saving list of a day's unknown
 * recipients and its merge; day rows written by a real flush and read
 * back exactly, by alias and in total, across midnight UTC and from two
 * files; rows older than the days kept folded by the flusher, bounded
 * per flush, with the totals unchanged.  Every test that writes works
 * in its own mkdtemp(3) directory, removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"
#include "stats_rec.h"
#include "util.h"

#define DAY	86400

struct fixture {
	char	 dir[64];
	char	 path[128];	/* dir/a.lmdb */
	char	 path2[128];	/* dir/b.lmdb */
};

static int	 setup(void **);
static int	 teardown(void **);
static size_t	 count_rows(const char *, const char *);
static void	 put_old_rows(const char *, int32_t, int);

static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_stats_days.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/a.lmdb", f->dir);
	snprintf(f->path2, sizeof(f->path2), "%s/b.lmdb", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *d;
	char	 p[512];
	DIR	*dp;

	if ((dp = opendir(f->dir)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, d->d_name);
			unlink(p);
		}
		closedir(dp);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The bytes of each record, as stats_rec.h lays them out. */
static void
test_codecs(void **state)
{
	struct stats_alias a, b;
	struct stats_day d, d2;
	unsigned char rec[REC_ALIAS_SIZE], key[REC_DAYKEY_SIZE];
	static const unsigned char want_day[REC_DAY_SIZE] = {
		1, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0,		/* accepted */
		2, 0, 0, 0, 0, 0, 0, 0,		/* revoked */
		3, 0, 0, 0, 0, 0, 0, 0,		/* expired */
		4, 0, 0, 0, 0, 0, 0, 0,		/* backscatter */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* locked */
	};

	(void)state;
	memset(&a, 0, sizeof(a));
	a.hits = 1;
	a.revoked_hits = 5;
	a.expired = 2;
	a.locked = 3;
	a.first_seen = -1;
	a.last_seen = INT64_MAX;
	rec_alias_encode(rec, &a);
	assert_int_equal(rec[0], 3);
	assert_int_equal(rec[56], 2);
	assert_int_equal(rec_alias_decode(rec, sizeof(rec), &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* Version 2 reads with expired 0; other sizes are refused. */
	rec[0] = 2;
	assert_int_equal(rec_alias_decode(rec, 56, &b), 0);
	assert_true(b.expired == 0 && b.locked == 3);
	assert_int_equal(rec_alias_decode(rec, 64, &b), -1);
	rec[0] = 1;
	assert_int_equal(rec_alias_decode(rec, 48, &b), 0);
	assert_true(b.locked == 0 && b.revoked_hits == 5);
	assert_int_equal(rec_alias_decode(rec, 56, &b), -1);

	memset(&d, 0, sizeof(d));
	d.accepted = 1;
	d.revoked = 2;
	d.expired = 3;
	d.backscatter = 4;
	d.locked = UINT64_MAX;
	rec_day_encode(rec, &d);
	assert_memory_equal(rec, want_day, REC_DAY_SIZE);
	memset(&d2, 0, sizeof(d2));
	assert_int_equal(rec_day_decode(rec, REC_DAY_SIZE, &d2), 0);
	assert_memory_equal(&d, &d2, sizeof(d));
	assert_int_equal(rec_day_decode(rec, REC_DAY_SIZE - 1, &d2), -1);
	rec[0] = 2;
	assert_int_equal(rec_day_decode(rec, REC_DAY_SIZE, &d2), -1);

	/* Day keys are big-endian: byte order is day order. */
	rec_daykey_encode(key, 20000);
	assert_int_equal(key[0], 0);
	assert_int_equal(key[2], 0x4e);
	assert_int_equal(key[3], 0x20);
	assert_int_equal(rec_daykey_decode(key, 4), 20000);
	assert_int_equal(rec_daykey_decode(key, 3), -1);
	assert_int_equal(stats_day_of(0), 0);
	assert_int_equal(stats_day_of(DAY - 1), 0);
	assert_int_equal(stats_day_of(DAY), 1);
	assert_int_equal(stats_day_of(-5), 0);
}

/* A day's list: exact while it holds every address, then Space-Saving. */
static void
test_top(void **state)
{
	struct stats_top t, u;
	unsigned char rec[REC_TOP_MAX];
	char	 addr[64];
	size_t	 len, i;
	uint64_t sum;

	(void)state;
	memset(&t, 0, sizeof(t));
	rec_top_add(&t, "info@example.com", 16, 5);
	rec_top_add(&t, "info@example.com", 16, 2);
	rec_top_add(&t, "(other)", 0, 3);		/* counted, not listed */
	assert_true(t.count == 10 && t.n == 1);
	assert_true(t.e[0].count == 7 && t.e[0].over == 0);

	/* The record, byte by byte, and back. */
	len = rec_top_encode(rec, &t);
	assert_int_equal(len, REC_TOP_HEAD + REC_TOP_ENTRY + 16);
	assert_int_equal(rec[0], 1);
	assert_int_equal(rec[1], 1);
	assert_int_equal(rec[8], 10);
	assert_int_equal(rec[16], 7);
	assert_int_equal(rec[32], 16);
	assert_memory_equal(rec + 34, "info@example.com", 16);
	assert_int_equal(rec_top_decode(rec, len, &u), 0);
	assert_true(u.count == 10 && u.n == 1 && u.e[0].count == 7);
	assert_string_equal(u.e[0].addr, "info@example.com");
	assert_int_equal(rec_top_decode(rec, len - 1, &u), -1);
	assert_int_equal(rec_top_decode(rec, len + 1, &u), -1);
	rec[32] = 0;					/* empty address */
	assert_int_equal(rec_top_decode(rec, len, &u), -1);

	/*
	 * 100 addresses once each, one address 50 times spread among them:
	 * the heavy one is listed, within its bounds; the list stays full.
	 */
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 100; i++) {
		snprintf(addr, sizeof(addr), "g%zu@example.com", i);
		rec_top_add(&t, addr, strlen(addr), 1);
		if (i % 2 == 0)
			rec_top_add(&t, "heavy@example.com", 17, 1);
	}
	assert_true(t.count == 150);
	assert_int_equal(t.n, STATS_DAY_TOP);
	rec_top_sort(&t);
	assert_string_equal(t.e[0].addr, "heavy@example.com");
	assert_true(t.e[0].count - t.e[0].over <= 50 && t.e[0].count >= 50);
	for (i = 0, sum = 0; i < t.n; i++)
		sum += t.e[i].count;
	assert_true(sum == t.count);	/* Space-Saving keeps the sum */
}

/* Two lists merge by address; absent from a full list: its least. */
static void
test_top_merge(void **state)
{
	struct stats_top a, b;
	char	 addr[64];
	size_t	 i;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rec_top_add(&a, "x@example.com", 13, 4);
	rec_top_add(&a, "y@example.com", 13, 1);
	rec_top_add(&b, "x@example.com", 13, 3);
	rec_top_add(&b, "z@example.com", 13, 9);
	rec_top_merge(&a, &b);
	assert_true(a.count == 17 && a.n == 3);
	assert_string_equal(a.e[0].addr, "z@example.com");
	assert_true(a.e[0].count == 9 && a.e[0].over == 0);
	assert_string_equal(a.e[1].addr, "x@example.com");
	assert_true(a.e[1].count == 7 && a.e[1].over == 0);

	/* A full list: the other's addresses may have had its least. */
	memset(&b, 0, sizeof(b));
	for (i = 0; i < STATS_DAY_TOP; i++) {
		snprintf(addr, sizeof(addr), "f%02zu@example.com", i);
		rec_top_add(&b, addr, strlen(addr), 2 + i);
	}
	memset(&a, 0, sizeof(a));
	rec_top_add(&a, "y@example.com", 13, 100);
	rec_top_merge(&a, &b);
	assert_int_equal(a.n, STATS_DAY_TOP);
	assert_string_equal(a.e[0].addr, "y@example.com");
	assert_true(a.e[0].count == 102 && a.e[0].over == 2);
}

/*
 * A real flush writes each alias's day, by kind, and the day's unknown
 * recipients; hits on either side of midnight UTC land on their days;
 * two files add up.
 */
static void
test_flush_days(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_history *h;
	struct stats_daytotal *d;
	struct errbuf e;
	const char *paths[2] = { f->path, f->path2 };
	int	 found[2];
	size_t	 nh, n;
	time_t	 now = time(NULL);
	int32_t	 today = stats_day_of(now);
	time_t	 midnight = (time_t)today * DAY;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, midnight - 1);
	stats_hit(s, "irs@example.com", STATS_HIT, midnight);
	stats_hit(s, "irs@example.com", STATS_HIT, midnight + 5);
	stats_hit(s, "irs@example.com", STATS_REVOKED_HIT, midnight);
	stats_hit(s, "irs@example.com", STATS_EXPIRED, midnight);
	stats_hit(s, "irs@example.com", STATS_EXPIRED, midnight);
	stats_hit(s, "ro@example.com", STATS_BACKSCATTER, midnight);
	stats_hit(s, "ro@example.com", STATS_LOCKED, midnight);
	stats_hit(s, "guess@example.com", STATS_UNKNOWN, midnight);
	stats_hit(s, "guess@example.com", STATS_UNKNOWN, midnight + 1);
	stats_hit(s, "info@example.com", STATS_UNKNOWN, midnight - 2);
	assert_int_equal(stats_flush(s, &e), 0);
	/* A second flush adds to the same rows. */
	stats_hit(s, "irs@example.com", STATS_HIT, midnight + 7);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	assert_int_equal(stats_open(f->path2, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, midnight + 9);
	stats_hit(s, "guess@example.com", STATS_UNKNOWN, midnight);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);

	assert_int_equal(stats_read_days(paths, 1, "irs@example.com",
	    today - 1, today, &h, &nh, found, &e), 0);
	assert_int_equal(nh, 1);
	assert_string_equal(h[0].alias, "irs@example.com");
	assert_int_equal(h[0].n, 2);
	assert_true(h[0].days[0].day == today - 1 &&
	    h[0].days[0].accepted == 1);
	assert_true(h[0].days[1].day == today &&
	    h[0].days[1].accepted == 3 && h[0].days[1].revoked == 1 &&
	    h[0].days[1].expired == 2);
	stats_history_free(h, nh);

	/* Both files, every alias. */
	assert_int_equal(stats_read_days(paths, 2, NULL, today - 1, today,
	    &h, &nh, found, &e), 0);
	assert_true(found[0] && found[1]);
	assert_int_equal(nh, 2);
	assert_true(h[0].n == 2 && h[0].days[1].accepted == 4);
	assert_string_equal(h[1].alias, "ro@example.com");
	assert_true(h[1].n == 1 && h[1].days[0].backscatter == 1 &&
	    h[1].days[0].locked == 1);
	stats_history_free(h, nh);

	assert_int_equal(stats_read_daytotals(paths, 2, today - 2, today, &d,
	    &n, found, &e), 0);
	assert_int_equal(n, 3);
	assert_true(d[0].sum.day == today - 2 && d[0].sum.accepted == 0 &&
	    d[0].unknown == 0 && d[0].ntop == 0);
	assert_true(d[1].sum.accepted == 1 && d[1].unknown == 1 &&
	    d[1].ntop == 1);
	assert_string_equal(d[1].top[0].addr, "info@example.com");
	assert_true(d[2].sum.accepted == 4 && d[2].sum.revoked == 1 &&
	    d[2].sum.expired == 2 && d[2].sum.backscatter == 1 &&
	    d[2].sum.locked == 1);
	assert_true(d[2].unknown == 3 && d[2].ntop == 1 &&
	    d[2].top[0].count == 3 && d[2].unknown_rest == 0);
	free(d);

	/* Ranges we refuse. */
	assert_int_equal(stats_read_days(paths, 2, NULL, today, today - 1,
	    &h, &nh, found, &e), -1);
	assert_int_equal(stats_read_daytotals(paths, 2, 0,
	    STATS_DAYS_SPAN_MAX, &d, &n, found, &e), -1);
}

/* Writes n day rows of day "oldday" (aliases o0..) into path's tables. */
static void
put_old_rows(const char *path, int32_t oldday, int n)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 days, udays;
	MDB_val	 k, v;
	struct stats_day d;
	struct stats_top t;
	unsigned char key[64], rec[REC_TOP_MAX];
	int	 i, len;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "days", 0, &days), 0);
	assert_int_equal(mdb_dbi_open(txn, "unknown_days", 0, &udays), 0);
	memset(&d, 0, sizeof(d));
	d.accepted = 1;
	rec_day_encode(rec, &d);
	for (i = 0; i < n; i++) {
		rec_daykey_encode(key, oldday - i % 3);
		len = snprintf((char *)key + 4, 60, "o%d@example.com", i);
		k.mv_data = key;
		k.mv_size = 4 + (size_t)len;
		v.mv_data = rec;
		v.mv_size = REC_DAY_SIZE;
		assert_int_equal(mdb_put(txn, days, &k, &v, 0), 0);
	}
	memset(&t, 0, sizeof(t));
	rec_top_add(&t, "old@example.com", 15, 4);
	rec_daykey_encode(key, oldday);
	k.mv_data = key;
	k.mv_size = 4;
	v.mv_data = rec;
	v.mv_size = rec_top_encode(rec, &t);
	assert_int_equal(mdb_put(txn, udays, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/* The rows of table db in path. */
static size_t
count_rows(const char *path, const char *db)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_stat st;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY,
	    0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return st.ms_entries;
}

/*
 * Rows older than STATS_DAYS_KEPT days are deleted by the flusher,
 * STATS_FOLD_MAX per flush; the last kept day and the totals stay.
 */
static void
test_fold(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	struct stats_history *h;
	struct errbuf e;
	const char *paths[1] = { f->path };
	size_t	 n, nh;
	time_t	 now = time(NULL);
	int32_t	 today = stats_day_of(now);
	int32_t	 oldest = today - STATS_DAYS_KEPT + 1;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, now);
	/* A hit of a day no longer kept counts in the totals only. */
	stats_hit(s, "irs@example.com", STATS_HIT, now - 500 * DAY);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(count_rows(f->path, "days"), 1);
	/* Another environment of the file: not while ours is open. */
	stats_close(s);
	put_old_rows(f->path, oldest - 1, 1500);
	put_old_rows(f->path, oldest, 1);	/* kept: o0 on day oldest */
	assert_int_equal(stats_open(f->path, &s, &e), 0);
	assert_int_equal(count_rows(f->path, "days"), 1 + 1500 + 1);
	assert_int_equal(count_rows(f->path, "unknown_days"), 2);

	stats_hit(s, "irs@example.com", STATS_HIT, now);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(count_rows(f->path, "days"),
	    1 + 1500 + 1 - STATS_FOLD_MAX);
	stats_hit(s, "irs@example.com", STATS_HIT, now);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	assert_int_equal(count_rows(f->path, "days"), 2);
	assert_int_equal(count_rows(f->path, "unknown_days"), 1);

	assert_int_equal(stats_read_days(paths, 1, NULL, oldest, today, &h,
	    &nh, NULL, &e), 0);
	assert_int_equal(nh, 2);
	assert_string_equal(h[0].alias, "irs@example.com");
	assert_true(h[0].n == 1 && h[0].days[0].accepted == 3);
	assert_string_equal(h[1].alias, "o0@example.com");
	assert_true(h[1].days[0].day == oldest);
	stats_history_free(h, nh);
	assert_int_equal(stats_read_all(paths, 1, 0, &rows, &n, NULL, &e), 0);
	assert_int_equal(n, 1);
	assert_true(rows[0].a.hits == 4);
	stats_rows_free(rows, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codecs),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_top_merge),
		cmocka_unit_test_setup_teardown(test_flush_days, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fold, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
