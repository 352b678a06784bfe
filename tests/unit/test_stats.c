/*
 * test_stats.c: the hit counters: aggregation of each kind, flushes that
 * add to what the file holds, first and last seen, the bounds on
 * unknown keys in memory and in the file, growth of the map, exact
 * totals under concurrent stats_hit() and stats_flush(), reading while
 * a writer has the file open (from another process, as aliasctl stats
 * does), the on-disk record layout byte by byte, and records we do not
 * know; and the file removed, replaced, truncated, overwritten or
 * touched under a running writer (stats.c, "The file under the daemon's
 * feet"); the sender evidence and its bounds.  Every test works in its
 * own mkdtemp(3) directory, removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"
#include "util.h"

#define NTHREADS	8
#define NHITS		10000
#define CAP		100000	/* STATS_UNKNOWN_MAX in stats.c */

struct fixture {
	char	 dir[64];
	char	 path[128];	/* dir/s.stats.lmdb */
};

struct hitter {
	struct stats *s;
	int	 id;
};

struct flusher {
	struct stats *s;
	atomic_int stop;
	int	 nflush;
	int	 failed;
};

static int	 setup(void **);
static int	 teardown(void **);
static const struct stats_row *find(const struct stats_row *, size_t,
		    const char *);
static const struct stats_row *get(const struct stats_row *, size_t,
		    const char *);
static void	 read_table(const char *, int, struct stats_row **, size_t *);
static void	*hit_thread(void *);
static void	*flush_thread(void *);
static int	 child_read(const char *, uint64_t);
static void	 raw_get(const char *, const char *, const char *,
		    unsigned char *, size_t *);
static void	 raw_put(const char *, const char *, const char *,
		    const unsigned char *, size_t);
static struct stats *counted(const char *, const char *, int);
static void	 expect_hits(const char *, const char *, uint64_t);
static void	 write_file(const char *, const char *, size_t);
static int	 same_bytes(const char *, const char *, size_t);

static const char *const thread_alias[5] = {
	"a0@example.com", "a1@example.com", "a2@example.com",
	"a3@example.com", "a4@example.com",
};
static const char *const thread_unknown[3] = {
	"u0@example.com", "u1@example.com", "u2@example.com",
};

static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_stats.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/s.stats.lmdb", f->dir);
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

static const struct stats_row *
find(const struct stats_row *rows, size_t n, const char *key)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	return NULL;
}

/*
 * key's row, failing the test when there is none; never NULL, so the
 * checks that follow need no guard.
 */
static const struct stats_row *
get(const struct stats_row *rows, size_t n, const char *key)
{
	static const struct stats_row none;
	const struct stats_row *r;

	if ((r = find(rows, n, key)) == NULL) {
		fail_msg("no row for %s", key);
		return &none;
	}
	return r;
}

static void
read_table(const char *path, int unknown, struct stats_row **rows,
    size_t *n)
{
	struct errbuf e;

	if (stats_read(path, unknown, rows, n, &e) == -1)
		fail_msg("stats_read: %s", e.msg);
}

static void
test_kinds(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	struct stat st;
	size_t	 n;
	int	 i;

	umask(022);
	assert_int_equal(stats_open(f->path, &s, &e), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* A flush with nothing counted writes nothing and succeeds. */
	assert_int_equal(stats_flush(s, &e), 0);
	for (i = 0; i < 3; i++)
		stats_hit(s, "irs@example.com", STATS_HIT, 1000);
	for (i = 0; i < 2; i++)
		stats_hit(s, "irs@example.com", STATS_REVOKED_HIT, 1000);
	stats_hit(s, "irs@example.com", STATS_BACKSCATTER, 1000);
	stats_hit(s, "shop@example.com", STATS_BACKSCATTER, 1000);
	for (i = 0; i < 4; i++)
		stats_hit(s, "guess@example.com", STATS_UNKNOWN, 1000);
	/* Unknown and alias tables are separate, even for one key. */
	stats_hit(s, "irs@example.com", STATS_UNKNOWN, 1000);
	stats_hit(NULL, "irs@example.com", STATS_HIT, 1000);

	/* Nothing is in the file before the flush. */
	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 0);
	stats_rows_free(rows, n);

	assert_int_equal(stats_flush(s, &e), 0);
	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 2);
	r = get(rows, n, "irs@example.com");
	assert_int_equal(r->a.hits, 3);
	assert_int_equal(r->a.revoked_hits, 2);
	assert_int_equal(r->a.backscatter, 1);
	r = get(rows, n, "shop@example.com");
	assert_int_equal(r->a.hits, 0);
	assert_int_equal(r->a.backscatter, 1);
	stats_rows_free(rows, n);

	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, 2);
	r = get(rows, n, "guess@example.com");
	assert_int_equal(r->u.count, 4);
	r = get(rows, n, "irs@example.com");
	assert_int_equal(r->u.count, 1);
	stats_rows_free(rows, n);
	stats_close(s);
	stats_close(NULL);
}

static void
test_flush_adds(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	size_t	 n;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 100);
	stats_hit(s, "irs@example.com", STATS_HIT, 50);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	stats_hit(s, "x@example.com", STATS_UNKNOWN, 70);
	assert_int_equal(stats_flush(s, &e), 0);

	stats_hit(s, "irs@example.com", STATS_REVOKED_HIT, 150);
	stats_hit(s, "irs@example.com", STATS_HIT, 120);
	stats_hit(s, "new@example.com", STATS_HIT, 160);
	stats_hit(s, "x@example.com", STATS_UNKNOWN, 60);
	stats_hit(s, "x@example.com", STATS_UNKNOWN, 80);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);

	/* A new handle adds to the same records. */
	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_BACKSCATTER, 10);
	stats_hit(s, "irs@example.com", STATS_HIT, 300);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);

	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 2);
	r = get(rows, n, "irs@example.com");
	assert_int_equal(r->a.hits, 5);
	assert_int_equal(r->a.revoked_hits, 1);
	assert_int_equal(r->a.backscatter, 1);
	assert_int_equal(r->a.first_seen, 10);
	assert_int_equal(r->a.last_seen, 300);
	r = get(rows, n, "new@example.com");
	assert_int_equal(r->a.hits, 1);
	assert_int_equal(r->a.first_seen, 160);
	assert_int_equal(r->a.last_seen, 160);
	stats_rows_free(rows, n);

	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].key, "x@example.com");
	assert_int_equal(rows[0].u.count, 3);
	assert_int_equal(rows[0].u.first_seen, 60);
	assert_int_equal(rows[0].u.last_seen, 80);
	stats_rows_free(rows, n);
}

static void
test_unknown_cap(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	char	 key[64], huge[600];
	uint64_t total;
	size_t	 n, i;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	for (i = 0; i < CAP + 50; i++) {
		snprintf(key, sizeof(key), "guess%zu@example.com", i);
		stats_hit(s, key, STATS_UNKNOWN, 1000 + (time_t)i);
	}
	/* Keys already counted keep counting past the cap. */
	stats_hit(s, "guess0@example.com", STATS_UNKNOWN, 5);
	/* Keys no address can be go to "(other)" in either table. */
	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	stats_hit(s, huge, STATS_UNKNOWN, 1);
	stats_hit(s, "", STATS_HIT, 1);
	stats_hit(s, huge, STATS_HIT, 1);
	assert_int_equal(stats_flush(s, &e), 0);

	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, CAP + 1);
	r = get(rows, n, "(other)");
	assert_int_equal(r->u.count, 51);
	assert_int_equal(r->u.first_seen, 1);
	assert_int_equal(r->u.last_seen, 1000 + CAP + 49);
	r = get(rows, n, "guess0@example.com");
	assert_int_equal(r->u.count, 2);
	assert_int_equal(r->u.first_seen, 5);
	assert_null(find(rows, n, "guess100000@example.com"));
	for (total = 0, i = 0; i < n; i++)
		total += rows[i].u.count;
	assert_int_equal(total, CAP + 50 + 2);
	stats_rows_free(rows, n);

	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].key, "(other)");
	assert_int_equal(rows[0].a.hits, 2);
	stats_rows_free(rows, n);

	/* The bound is per flush interval: a new key counts again. */
	stats_hit(s, "late@example.com", STATS_UNKNOWN, 2000000);
	assert_int_equal(stats_flush(s, &e), 0);
	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, CAP + 2);
	r = get(rows, n, "late@example.com");
	assert_int_equal(r->u.count, 1);
	stats_rows_free(rows, n);
	stats_close(s);
}

static void *
hit_thread(void *arg)
{
	struct hitter *h = arg;
	int	 j;

	for (j = 0; j < NHITS; j++) {
		/* Pauses, so that flushes fall between hits. */
		if (j % 250 == 0)
			usleep(500);
		if (j % 4 == 3)
			stats_hit(h->s, thread_unknown[j % 3], STATS_UNKNOWN,
			    1000 + j);
		else
			stats_hit(h->s, thread_alias[j % 5],
			    (enum stats_kind)(j % 4), 1000 + j);
	}
	return NULL;
}

static void *
flush_thread(void *arg)
{
	struct flusher *fl = arg;
	struct errbuf e;

	while (!atomic_load(&fl->stop)) {
		if (stats_flush(fl->s, &e) == -1)
			fl->failed = 1;
		fl->nflush++;
		usleep(2000);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct hitter h[NTHREADS];
	struct flusher fl;
	struct errbuf e;
	pthread_t th[NTHREADS], ft;
	uint64_t want[5][3], wantu[3];
	size_t	 n;
	int	 i, j;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	memset(&fl, 0, sizeof(fl));
	atomic_init(&fl.stop, 0);
	fl.s = s;
	assert_int_equal(pthread_create(&ft, NULL, flush_thread, &fl), 0);
	for (i = 0; i < NTHREADS; i++) {
		h[i].s = s;
		h[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, hit_thread,
		    &h[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	atomic_store(&fl.stop, 1);
	pthread_join(ft, NULL);
	assert_int_equal(fl.failed, 0);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);

	memset(want, 0, sizeof(want));
	memset(wantu, 0, sizeof(wantu));
	for (j = 0; j < NHITS; j++) {
		/* Pauses, so that flushes fall between hits. */
		if (j % 250 == 0)
			usleep(500);
		if (j % 4 == 3)
			wantu[j % 3] += NTHREADS;
		else
			want[j % 5][j % 4] += NTHREADS;
	}
	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++) {
		r = get(rows, n, thread_alias[i]);
		assert_int_equal(r->a.hits, want[i][STATS_HIT]);
		assert_int_equal(r->a.revoked_hits, want[i][STATS_REVOKED_HIT]);
		assert_int_equal(r->a.backscatter, want[i][STATS_BACKSCATTER]);
	}
	stats_rows_free(rows, n);
	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		r = get(rows, n, thread_unknown[i]);
		assert_int_equal(r->u.count, wantu[i]);
	}
	stats_rows_free(rows, n);
	print_message("%d flushes during %d hits\n", fl.nflush,
	    NTHREADS * NHITS);
}

/*
 * In a child process (one process must not open the file twice): reads
 * the aliases table 100 times, checking that "w@example.com" has at
 * least min hits and never goes down.  Returns the exit status.
 */
static int
child_read(const char *path, uint64_t min)
{
	struct stats_row *rows;
	struct errbuf e;
	uint64_t last = min;
	size_t	 n, i;
	int	 k;

	for (k = 0; k < 100; k++) {
		if (stats_read(path, 0, &rows, &n, &e) == -1) {
			fprintf(stderr, "child: %s\n", e.msg);
			return 1;
		}
		for (i = 0; i < n; i++)
			if (strcmp(rows[i].key, "w@example.com") == 0)
				break;
		if (i == n || rows[i].a.hits < last) {
			fprintf(stderr, "child: read %d: %s\n", k,
			    i == n ? "no row" : "count went down");
			stats_rows_free(rows, n);
			return 1;
		}
		last = rows[i].a.hits;
		stats_rows_free(rows, n);
	}
	return 0;
}

static void
test_read_while_writing(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct errbuf e;
	pid_t	 pid;
	int	 status, flushes = 0;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "w@example.com", STATS_HIT, 1);
	assert_int_equal(stats_flush(s, &e), 0);
	/* Counted but not flushed: the reader sees the flushed count. */
	stats_hit(s, "w@example.com", STATS_HIT, 2);

	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(child_read(f->path, 1));
	assert_true(pid > 0);
	/* The writer keeps committing while the child reads. */
	while (waitpid(pid, &status, WNOHANG) == 0) {
		stats_hit(s, "w@example.com", STATS_HIT, 3);
		assert_int_equal(stats_flush(s, &e), 0);
		flushes++;
		usleep(1000);
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	stats_close(s);
	print_message("%d commits during 100 reads\n", flushes);
}

static void
test_missing(void **state)
{
	struct fixture *f = *state;
	struct stats_row *rows = (struct stats_row *)1;
	struct errbuf e;
	char	 lock[160];
	size_t	 n = 7;

	errno = 0;
	assert_int_equal(stats_read(f->path, 0, &rows, &n, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(rows);
	assert_int_equal(n, 0);
	assert_non_null(strstr(e.msg, f->path));
	/* Looking leaves nothing behind, no lock file either. */
	snprintf(lock, sizeof(lock), "%s-lock", f->path);
	assert_int_equal(access(lock, F_OK), -1);
	/* No directory: stats_open fails and says where. */
	snprintf(lock, sizeof(lock), "%s/none/s.stats.lmdb", f->dir);
	assert_int_equal(stats_open(lock, (struct stats **)&rows, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(e.msg, "none/s.stats.lmdb"));
}

/* Reads one raw value with LMDB itself, bypassing stats.c. */
static void
raw_get(const char *path, const char *db, const char *key,
    unsigned char *buf, size_t *len)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k, v;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY,
	    0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = strlen(key);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_true(v.mv_size <= *len);
	memcpy(buf, v.mv_data, v.mv_size);
	*len = v.mv_size;
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void
raw_put(const char *path, const char *db, const char *key,
    const unsigned char *buf, size_t len)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k, v;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	k.mv_data = (void *)(uintptr_t)key;
	k.mv_size = strlen(key);
	v.mv_data = (void *)(uintptr_t)buf;
	v.mv_size = len;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_record_layout(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	unsigned char buf[64];
	size_t	 n, len;
	static const unsigned char want_alias[64] = {
		3, 0, 0, 0, 0, 0, 0, 0,
		2, 0, 0, 0, 0, 0, 0, 0,			/* hits */
		2, 0, 0, 0, 0, 0, 0, 0,			/* revoked_hits */
		0, 0, 0, 0, 0, 0, 0, 0,			/* backscatter */
		0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* -5 */
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		3, 0, 0, 0, 0, 0, 0, 0,			/* locked */
		1, 0, 0, 0, 0, 0, 0, 0,			/* expired */
	};
	static const unsigned char want_unknown[32] = {
		1, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0,			/* count */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, /* max */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
	};

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, -5);
	stats_hit(s, "irs@example.com", STATS_REVOKED_HIT,
	    (time_t)0x0706050403020100LL);
	stats_hit(s, "irs@example.com", STATS_HIT, 0);
	stats_hit(s, "irs@example.com", STATS_EXPIRED, 0);
	stats_hit(s, "irs@example.com", STATS_LOCKED, 0);
	stats_hit(s, "irs@example.com", STATS_LOCKED, 0);
	stats_hit(s, "irs@example.com", STATS_LOCKED, 0);
	stats_hit(s, "Odd \"key\"\\@example.com", STATS_UNKNOWN,
	    (time_t)INT64_MAX);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);

	/* The bytes on disk, as stats.c's layout comment says. */
	len = sizeof(buf);
	raw_get(f->path, "aliases", "irs@example.com", buf, &len);
	assert_int_equal(len, sizeof(want_alias));
	assert_memory_equal(buf, want_alias, sizeof(want_alias));
	len = sizeof(buf);
	raw_get(f->path, "unknown", "Odd \"key\"\\@example.com", buf, &len);
	assert_int_equal(len, sizeof(want_unknown));
	assert_memory_equal(buf, want_unknown, sizeof(want_unknown));

	/* And back through stats_read(), exactly. */
	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].a.hits, 2);
	assert_int_equal(rows[0].a.revoked_hits, 2);	/* expired too */
	assert_int_equal(rows[0].a.expired, 1);
	assert_int_equal(rows[0].a.backscatter, 0);
	assert_int_equal(rows[0].a.locked, 3);
	assert_true(rows[0].a.first_seen == -5);
	assert_true(rows[0].a.last_seen == 0x0706050403020100LL);
	stats_rows_free(rows, n);
	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].key, "Odd \"key\"\\@example.com");
	assert_true(rows[0].u.first_seen == INT64_MAX);
	assert_true(rows[0].u.last_seen == INT64_MAX);
	stats_rows_free(rows, n);

	/* Every field at its extreme survives a write and a read. */
	memcpy(buf, want_alias, sizeof(want_alias));
	memset(buf + 8, 0xff, 24);			/* UINT64_MAX counts */
	memset(buf + 32, 0, 8);
	buf[39] = 0x80;					/* INT64_MIN */
	memset(buf + 40, 0xff, 7);
	buf[47] = 0x7f;					/* INT64_MAX */
	memset(buf + 48, 0xff, 16);
	raw_put(f->path, "aliases", "max@example.com", buf, 64);
	read_table(f->path, 0, &rows, &n);
	r = get(rows, n, "max@example.com");
	assert_true(r->a.hits == UINT64_MAX);
	assert_true(r->a.revoked_hits == UINT64_MAX);
	assert_true(r->a.backscatter == UINT64_MAX);
	assert_true(r->a.first_seen == INT64_MIN);
	assert_true(r->a.last_seen == INT64_MAX);
	assert_true(r->a.locked == UINT64_MAX);
	assert_true(r->a.expired == UINT64_MAX);
	stats_rows_free(rows, n);
}

/*
 * A version 1 "aliases" record (48 bytes, before sender locks) reads
 * with locked 0, and the next flush rewrites it as version 3 with its
 * counts kept.
 */
static void
test_record_v1(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	unsigned char rec[48], buf[64];
	size_t	 n, len;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "ok@example.com", STATS_HIT, 1);
	assert_int_equal(stats_flush(s, &e), 0);
	memset(rec, 0, sizeof(rec));
	rec[0] = 1;
	rec[8] = 7;		/* hits */
	rec[16] = 2;		/* revoked_hits */
	rec[24] = 1;		/* backscatter */
	rec[32] = 10;		/* first_seen */
	rec[40] = 20;		/* last_seen */
	raw_put(f->path, "aliases", "old@example.com", rec, sizeof(rec));
	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 2);
	r = get(rows, n, "old@example.com");
	assert_int_equal(r->a.hits, 7);
	assert_int_equal(r->a.revoked_hits, 2);
	assert_int_equal(r->a.backscatter, 1);
	assert_int_equal(r->a.locked, 0);
	assert_true(r->a.first_seen == 10);
	assert_true(r->a.last_seen == 20);
	stats_rows_free(rows, n);

	stats_hit(s, "old@example.com", STATS_LOCKED, 30);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	len = sizeof(buf);
	raw_get(f->path, "aliases", "old@example.com", buf, &len);
	assert_int_equal(len, 64);
	assert_int_equal(buf[0], 3);
	read_table(f->path, 0, &rows, &n);
	r = get(rows, n, "old@example.com");
	assert_int_equal(r->a.hits, 7);
	assert_int_equal(r->a.revoked_hits, 2);
	assert_int_equal(r->a.backscatter, 1);
	assert_int_equal(r->a.locked, 1);
	assert_true(r->a.first_seen == 10);
	assert_true(r->a.last_seen == 30);
	stats_rows_free(rows, n);
}

static void
test_bad_record(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	unsigned char rec[48];
	size_t	 n;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "ok@example.com", STATS_HIT, 1);
	assert_int_equal(stats_flush(s, &e), 0);

	/* A record of a version we do not know: the reader refuses it. */
	memset(rec, 0, sizeof(rec));
	rec[0] = 3;
	rec[8] = 9;
	raw_put(f->path, "aliases", "future@example.com", rec, sizeof(rec));
	errno = 0;
	assert_int_equal(stats_read(f->path, 0, &rows, &n, &e), -1);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(e.msg, "future@example.com"));
	assert_null(rows);
	/* A short one too. */
	raw_put(f->path, "unknown", "short@example.com", rec, 7);
	assert_int_equal(stats_read(f->path, 1, &rows, &n, &e), -1);

	/* The writer replaces them rather than fail every flush. */
	stats_hit(s, "future@example.com", STATS_BACKSCATTER, 5);
	stats_hit(s, "short@example.com", STATS_UNKNOWN, 5);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	read_table(f->path, 0, &rows, &n);
	assert_int_equal(n, 2);
	r = get(rows, n, "future@example.com");
	assert_int_equal(r->a.hits, 0);
	assert_int_equal(r->a.backscatter, 1);
	stats_rows_free(rows, n);
	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].u.count, 1);
	stats_rows_free(rows, n);
}

static void
test_not_lmdb(void **state)
{
	struct fixture *f = *state;
	struct stats_row *rows;
	struct errbuf e;
	size_t	 n;
	FILE	*fp;

	assert_non_null(fp = fopen(f->path, "w"));
	for (n = 0; n < 1000; n++)
		fputs("not an lmdb file ", fp);
	fclose(fp);
	assert_int_equal(stats_read(f->path, 0, &rows, &n, &e), -1);
	assert_int_not_equal(errno, ENOENT);
	assert_non_null(strstr(e.msg, f->path));
}

/*
 * The file's own bound: 11 flushes of 100,000 new unknown keys each.
 * The first 1,000,000 keys get rows, the rest are added to "(other)".
 * The file outgrows the first 64 MiB map on the way, so the flush that
 * meets MDB_MAP_FULL must grow the map and retry.
 */
static void
test_file_cap_and_growth(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	struct stat st;
	char	 key[64];
	size_t	 n, i, k;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	for (k = 0; k < 11; k++) {
		for (i = 0; i < CAP; i++) {
			snprintf(key, sizeof(key), "g%zu-%zu@example.com", k,
			    i);
			stats_hit(s, key, STATS_UNKNOWN, 5);
		}
		if (stats_flush(s, &e) == -1)
			fail_msg("flush %zu: %s", k, e.msg);
	}
	stats_close(s);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size > 64 * 1024 * 1024);
	read_table(f->path, 1, &rows, &n);
	assert_int_equal(n, 10 * CAP + 1);
	r = get(rows, n, "(other)");
	assert_int_equal(r->u.count, CAP);
	assert_null(find(rows, n, "g10-0@example.com"));
	stats_rows_free(rows, n);
	print_message("file of %lld bytes\n", (long long)st.st_size);
}

/*
 * A writer on path that has flushed n hits of key, the file's first
 * content.  The caller closes it.
 */
static struct stats *
counted(const char *path, const char *key, int n)
{
	struct stats *s;
	struct errbuf e;
	int	 i;

	if (stats_open(path, &s, &e) == -1)
		fail_msg("stats_open: %s", e.msg);
	for (i = 0; i < n; i++)
		stats_hit(s, key, STATS_HIT, 100);
	if (stats_flush(s, &e) == -1)
		fail_msg("stats_flush: %s", e.msg);
	return s;
}

/* The file at path (no writer open) has want hits for key, and no other row. */
static void
expect_hits(const char *path, const char *key, uint64_t want)
{
	struct stats_row *rows;
	size_t	 n;

	read_table(path, 0, &rows, &n);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].key, key);
	assert_int_equal(rows[0].a.hits, want);
	stats_rows_free(rows, n);
}

/* Writes len bytes of a pattern that is no LMDB file to path. */
static void
write_file(const char *path, const char *pattern, size_t len)
{
	FILE	*fp;
	size_t	 i;

	assert_non_null(fp = fopen(path, "w"));
	for (i = 0; i < len; i++)
		assert_int_not_equal(fputc(pattern[i % strlen(pattern)], fp),
		    EOF);
	assert_int_equal(fclose(fp), 0);
}

/* Nonzero when path holds exactly the len bytes write_file() wrote. */
static int
same_bytes(const char *path, const char *pattern, size_t len)
{
	struct stat st;
	FILE	*fp;
	size_t	 i;
	int	 c, same = 1;

	if (stat(path, &st) == -1 || (size_t)st.st_size != len ||
	    (fp = fopen(path, "r")) == NULL)
		return 0;
	for (i = 0; i < len && same; i++)
		same = (c = fgetc(fp)) == pattern[i % strlen(pattern)];
	fclose(fp);
	return same;
}

/*
 * The file removed under the writer (to reset the counters): the next
 * flush starts a new file, even with nothing to write, and later counts
 * go there rather than to the unlinked inode.  With its lock file too.
 */
static void
test_file_removed(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct errbuf e;
	char	 lock[160];

	s = counted(f->path, "irs@example.com", 3);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(access(f->path, F_OK), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 2);

	s = counted(f->path, "irs@example.com", 1);
	snprintf(lock, sizeof(lock), "%s-lock", f->path);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(unlink(lock), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 300);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(access(lock, F_OK), 0);
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 1);
}

/*
 * Garbage renamed over the file: it is moved to PATH.corrupt, byte for
 * byte, and the counts go to a new file.  A second time replaces the
 * first PATH.corrupt.
 */
static void
test_file_replaced(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct errbuf e;
	char	 tmp[160], aside[160];
	int	 round;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	snprintf(aside, sizeof(aside), "%s.corrupt", f->path);
	s = counted(f->path, "irs@example.com", 3);
	for (round = 1; round <= 2; round++) {
		write_file(tmp, round == 1 ? "garbage " : "more garbage ",
		    20000 * round);
		assert_int_equal(rename(tmp, f->path), 0);
		stats_hit(s, "irs@example.com", STATS_HIT, 200);
		assert_int_equal(stats_flush(s, &e), 0);
		assert_true(same_bytes(aside, round == 1 ? "garbage " :
		    "more garbage ", 20000 * round));
	}
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 1);

	/* A good stats file renamed over ours is used as it is. */
	s = counted(tmp, "other@example.com", 5);
	stats_close(s);
	s = counted(f->path, "irs@example.com", 1);
	assert_int_equal(rename(tmp, f->path), 0);
	stats_hit(s, "other@example.com", STATS_HIT, 200);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	expect_hits(f->path, "other@example.com", 6);
}

/*
 * Truncated in place (LMDB would read the missing pages through its map:
 * SIGBUS): moved aside.  Truncated to nothing: LMDB starts it anew in
 * place.  Either way no crash, and the new counts are kept.
 */
static void
test_file_truncated(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct errbuf e;
	struct stat st;
	char	 aside[160], key[64];
	int	 i;

	snprintf(aside, sizeof(aside), "%s.corrupt", f->path);
	assert_int_equal(stats_open(f->path, &s, &e), 0);
	/* Enough keys for several pages. */
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "k%d@example.com", i);
		stats_hit(s, key, STATS_UNKNOWN, 100);
	}
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size > 8 * 4096);
	assert_int_equal(truncate(f->path, 8192), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(stat(aside, &st), 0);
	assert_int_equal(st.st_size, 8192);
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 1);

	s = counted(f->path, "irs@example.com", 2);
	assert_int_equal(truncate(f->path, 0), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 1);
}

/* Garbage written over the meta pages in place: moved aside. */
static void
test_file_overwritten(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct errbuf e;
	char	 junk[8192], aside[160];
	int	 fd;

	snprintf(aside, sizeof(aside), "%s.corrupt", f->path);
	memset(junk, 0x5a, sizeof(junk));
	s = counted(f->path, "irs@example.com", 3);
	assert_true((fd = open(f->path, O_WRONLY)) != -1);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 0), sizeof(junk));
	assert_int_equal(close(fd), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(access(aside, F_OK), 0);
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 1);
}

/*
 * Only the time changed (touch(1), a backup tool): opened again and
 * kept, counts add up.
 */
static void
test_file_touched(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct errbuf e;
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char	 aside[160];

	snprintf(aside, sizeof(aside), "%s.corrupt", f->path);
	s = counted(f->path, "irs@example.com", 3);
	assert_int_equal(utimensat(AT_FDCWD, f->path, ts, 0), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(access(aside, F_OK), -1);
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 4);
}

/*
 * A reopen that fails (a directory where the file was): the flush fails
 * and keeps its counts, which the next flush writes once the path is
 * free again.
 */
static void
test_file_reopen_fails(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct errbuf e;

	s = counted(f->path, "irs@example.com", 3);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(mkdir(f->path, 0700), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	stats_hit(s, "irs@example.com", STATS_HIT, 200);
	assert_int_equal(stats_flush(s, &e), -1);
	assert_non_null(strstr(e.msg, f->path));
	assert_int_equal(stats_flush(s, &e), -1);
	stats_hit(s, "irs@example.com", STATS_HIT, 300);
	assert_int_equal(rmdir(f->path), 0);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	expect_hits(f->path, "irs@example.com", 3);
}

/* stats_default_path(): DIR/stats/BASE.DAEMON.lmdb. */
static void
test_default_path(void **state)
{
	static const struct {
		const char *map, *daemon, *want;
	} t[] = {
		{ "/var/lib/aliasctl/aliases", "milter",
		  "/var/lib/aliasctl/stats/aliases.milter.lmdb" },
		{ "/var/lib/aliasctl/aliases", "lookupd",
		  "/var/lib/aliasctl/stats/aliases.lookupd.lmdb" },
		{ "map", "milter", "stats/map.milter.lmdb" },
		{ "a/b.c/map", "lookupd", "a/b.c/stats/map.lookupd.lmdb" },
		{ "/map", "milter", "/stats/map.milter.lmdb" },
	};
	size_t	 i;
	char	*p;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		p = stats_default_path(t[i].map, t[i].daemon);
		assert_non_null(p);
		assert_string_equal(p, t[i].want);
		free(p);
	}
}

/*
 * The heartbeat: written when the file is opened, with the writer, its
 * pid and the time; rewritten by a flush that writes counts; absent
 * (all zero) in a file from before it existed.
 */
static void
test_heartbeat(void **state)
{
	struct fixture *f = *state;
	struct stats_meta m;
	struct stats *s;
	struct errbuf e;
	time_t	 t0 = time(NULL);

	errno = 0;
	assert_int_equal(stats_read_meta(f->path, &m, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stats_open(f->path, &s, &e), 0);
	assert_int_equal(stats_read_meta(f->path, &m, &e), 0);
	assert_true(m.started >= t0 && m.started <= time(NULL));
	assert_true(m.flushed >= m.started && m.flushed <= time(NULL));
	assert_int_equal(m.pid, getpid());
	assert_string_equal(m.writer, "aliasctl");	/* log_progname() */
	stats_hit(s, "irs@example.com", STATS_HIT, 1000);
	sleep(1);
	assert_int_equal(stats_flush(s, &e), 0);
	assert_int_equal(stats_read_meta(f->path, &m, &e), 0);
	assert_true(m.flushed > m.started);
	stats_close(s);

	/* A file with only the two tables, as before 0.2: no heartbeat. */
	unlink(f->path);
	{
		char	 lock[160];

		snprintf(lock, sizeof(lock), "%s-lock", f->path);
		unlink(lock);
	}
	{
		MDB_env	*env;
		MDB_txn	*txn;
		MDB_dbi	 dbi;

		assert_int_equal(mdb_env_create(&env), 0);
		assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
		assert_int_equal(mdb_env_open(env, f->path, MDB_NOSUBDIR,
		    0640), 0);
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, "aliases", MDB_CREATE,
		    &dbi), 0);
		assert_int_equal(mdb_dbi_open(txn, "unknown", MDB_CREATE,
		    &dbi), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
	}
	memset(&m, 0xff, sizeof(m));
	assert_int_equal(stats_read_meta(f->path, &m, &e), 0);
	assert_int_equal(m.flushed, 0);
	assert_int_equal(m.pid, 0);
	assert_string_equal(m.writer, "");
	/* The daemon opening it adds the heartbeat. */
	assert_int_equal(stats_open(f->path, &s, &e), 0);
	assert_int_equal(stats_read_meta(f->path, &m, &e), 0);
	assert_int_equal(m.pid, getpid());
	stats_close(s);
}

/*
 * stats_read_all(): the rows of several files added up by key, sorted,
 * a missing file skipped and said so in found[].
 */
static void
test_read_all(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	char	 p2[160], p3[160];
	const char *paths[3];
	int	 found[3];
	size_t	 n;

	snprintf(p2, sizeof(p2), "%s/two.lmdb", f->dir);
	snprintf(p3, sizeof(p3), "%s/missing.lmdb", f->dir);
	paths[0] = f->path;
	paths[1] = p3;
	paths[2] = p2;
	/* No file at all: nothing, no error. */
	assert_int_equal(stats_read_all(paths, 3, 0, &rows, &n, found, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(found[0] + found[1] + found[2], 0);
	free(rows);

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_HIT, 1000);
	stats_hit(s, "irs@example.com", STATS_HIT, 3000);
	stats_hit(s, "shop@example.com", STATS_BACKSCATTER, 2000);
	stats_hit(s, "guess@example.com", STATS_UNKNOWN, 500);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	assert_int_equal(stats_open(p2, &s, &e), 0);
	stats_hit(s, "irs@example.com", STATS_REVOKED_HIT, 500);
	stats_hit(s, "irs@example.com", STATS_HIT, 2000);
	stats_hit(s, "bank@example.com", STATS_HIT, 100);
	stats_hit(s, "guess@example.com", STATS_UNKNOWN, 9000);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);

	assert_int_equal(stats_read_all(paths, 3, 0, &rows, &n, found, &e), 0);
	assert_int_equal(found[0], 1);
	assert_int_equal(found[1], 0);
	assert_int_equal(found[2], 1);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].key, "bank@example.com");
	assert_string_equal(rows[1].key, "irs@example.com");
	assert_string_equal(rows[2].key, "shop@example.com");
	r = &rows[1];
	assert_int_equal(r->a.hits, 3);
	assert_int_equal(r->a.revoked_hits, 1);
	assert_int_equal(r->a.first_seen, 500);
	assert_int_equal(r->a.last_seen, 3000);
	assert_int_equal(rows[2].a.backscatter, 1);
	stats_rows_free(rows, n);

	assert_int_equal(stats_read_all(paths, 3, 1, &rows, &n, NULL, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].u.count, 2);
	assert_int_equal(rows[0].u.first_seen, 500);
	assert_int_equal(rows[0].u.last_seen, 9000);
	stats_rows_free(rows, n);

	/* A file that is there but unreadable fails the whole read. */
	{
		FILE	*fp = fopen(p3, "w");

		assert_non_null(fp);
		fputs("not lmdb", fp);
		fclose(fp);
	}
	assert_int_equal(stats_read_all(paths, 3, 0, &rows, &n, found, &e),
	    -1);
	assert_non_null(strstr(e.msg, "missing.lmdb"));
}

/* Reads the sender evidence of the one file at path (alias NULL: all). */
static void
read_senders(const char *path, const char *alias, struct stats_row **rows,
    size_t *n)
{
	struct errbuf e;
	const char *paths[1];

	paths[0] = path;
	if (stats_read_senders(paths, 1, alias, rows, n, NULL, &e) == -1)
		fail_msg("stats_read_senders: %s", e.msg);
}

/* Sums the hits of rows, and counts those whose key ends in " (other)". */
static uint64_t
senders_total(const struct stats_row *rows, size_t n, size_t *others)
{
	uint64_t total = 0;
	size_t	 i, len;

	*others = 0;
	for (i = 0; i < n; i++) {
		total += rows[i].a.hits + rows[i].a.revoked_hits +
		    rows[i].a.backscatter + rows[i].a.locked;
		len = strlen(rows[i].key);
		if (len > 8 && strcmp(rows[i].key + len - 8, " (other)") == 0)
			(*others)++;
	}
	return total;
}

/*
 * Sender evidence: each kind per domain, the null sender, a sender
 * without a domain, no evidence without a sender or for an unknown
 * recipient, the record's bytes (the "aliases" record), and a prefix
 * that reads only its own alias.
 */
static void
test_senders_kinds(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	unsigned char buf[64];
	size_t	 n, len;
	static const unsigned char want[64] = {
		3, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0,			/* hits */
		0, 0, 0, 0, 0, 0, 0, 0,			/* revoked_hits */
		0, 0, 0, 0, 0, 0, 0, 0,			/* backscatter */
		100, 0, 0, 0, 0, 0, 0, 0,		/* first_seen */
		200, 0, 0, 0, 0, 0, 0, 0,		/* last_seen */
		1, 0, 0, 0, 0, 0, 0, 0,			/* locked */
		0, 0, 0, 0, 0, 0, 0, 0,			/* expired */
	};

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	stats_hit_from(s, "irs@example.com", "bank.example", STATS_HIT, 100);
	stats_hit_from(s, "irs@example.com", "bank.example", STATS_LOCKED,
	    200);
	stats_hit_from(s, "irs@example.com", STATS_SENDER_NULL,
	    STATS_BACKSCATTER, 150);
	stats_hit_from(s, "irs@example.com", "", STATS_REVOKED_HIT, 120);
	stats_hit_from(s, "irs@example.com", NULL, STATS_HIT, 130);
	stats_hit_from(s, "irs@examples.com", "spam.example", STATS_HIT, 1);
	stats_hit_from(s, "guess@example.com", "spam.example", STATS_UNKNOWN,
	    1);
	stats_hit_from(s, "", "spam.example", STATS_HIT, 1);
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);

	read_table(f->path, 0, &rows, &n);
	r = get(rows, n, "irs@example.com");
	assert_int_equal(r->a.hits, 2);		/* with the one of no sender */
	stats_rows_free(rows, n);

	read_senders(f->path, "irs@example.com", &rows, &n);
	assert_int_equal(n, 3);
	r = get(rows, n, "irs@example.com bank.example");
	assert_int_equal(r->a.hits, 1);
	assert_int_equal(r->a.locked, 1);
	assert_true(r->a.first_seen == 100 && r->a.last_seen == 200);
	r = get(rows, n, "irs@example.com <>");
	assert_int_equal(r->a.backscatter, 1);
	r = get(rows, n, "irs@example.com (other)");
	assert_int_equal(r->a.revoked_hits, 1);
	stats_rows_free(rows, n);

	/* Every alias; the unknown recipient and "(other)" have none. */
	read_senders(f->path, NULL, &rows, &n);
	assert_int_equal(n, 4);
	r = get(rows, n, "irs@examples.com spam.example");
	assert_int_equal(r->a.hits, 1);
	assert_null(find(rows, n, "guess@example.com spam.example"));
	stats_rows_free(rows, n);

	len = sizeof(buf);
	raw_get(f->path, "senders", "irs@example.com bank.example", buf, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

/*
 * 1,000 sender domains to one alias in one interval: the file keeps 64
 * and adds the rest up in the alias's "(other)", no hit lost.  A second
 * alias is not affected.  Then across flushes: a domain the file holds
 * keeps its row, a new one goes to "(other)".
 */
static void
test_senders_bound(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	const struct stats_row *r;
	struct errbuf e;
	char	 dom[64];
	size_t	 n, others;
	int	 i;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(dom, sizeof(dom), "d%d.example", i);
		stats_hit_from(s, "shop@example.com", dom, STATS_HIT,
		    1000 + i);
	}
	stats_hit_from(s, "irs@example.com", "bank.example", STATS_HIT, 5);
	assert_int_equal(stats_flush(s, &e), 0);
	read_senders(f->path, "shop@example.com", &rows, &n);
	assert_int_equal(n, STATS_SENDERS_MAX + 1);
	assert_int_equal(senders_total(rows, n, &others), 1000);
	assert_int_equal(others, 1);
	r = get(rows, n, "shop@example.com (other)");
	assert_int_equal(r->a.hits, 1000 - STATS_SENDERS_MAX);
	stats_rows_free(rows, n);
	read_senders(f->path, "irs@example.com", &rows, &n);
	assert_int_equal(n, 1);
	stats_rows_free(rows, n);

	/* The next interval: every domain again, and 10 new ones. */
	for (i = 0; i < 1010; i++) {
		snprintf(dom, sizeof(dom), "d%d.example", i);
		stats_hit_from(s, "shop@example.com", dom, STATS_LOCKED,
		    5000);
	}
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	read_senders(f->path, "shop@example.com", &rows, &n);
	assert_int_equal(n, STATS_SENDERS_MAX + 1);
	assert_int_equal(senders_total(rows, n, &others), 2010);
	r = get(rows, n, "shop@example.com (other)");
	assert_int_equal(r->a.locked, 1010 - STATS_SENDERS_MAX);
	stats_rows_free(rows, n);
}

/*
 * The file's bound across flushes: 40 domains, then 40 others: the first
 * 24 of those fill the alias's 64, the rest go to "(other)".
 */
static void
test_senders_file_bound(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	struct errbuf e;
	char	 dom[64];
	size_t	 n, others;
	int	 i, round;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 40; i++) {
			snprintf(dom, sizeof(dom), "r%d-%d.example", round, i);
			stats_hit_from(s, "shop@example.com", dom, STATS_HIT,
			    100);
		}
		assert_int_equal(stats_flush(s, &e), 0);
	}
	stats_close(s);
	read_senders(f->path, "shop@example.com", &rows, &n);
	assert_int_equal(n, STATS_SENDERS_MAX + 1);
	assert_int_equal(senders_total(rows, n, &others), 80);
	assert_int_equal(get(rows, n, "shop@example.com (other)")->a.hits,
	    80 - STATS_SENDERS_MAX);
	/* Every domain of the first flush is kept. */
	assert_non_null(find(rows, n, "shop@example.com r0-39.example"));
	stats_rows_free(rows, n);
}

/*
 * A flood of forged sender domains in one interval: memory keeps at
 * most STATS_SENDERS_INTERVAL_MAX pairs, the rest in each alias's
 * "(other)".  200 aliases of 60 domains each stay under the file's
 * bound, so what is folded was folded in memory.
 */
static void
test_senders_interval_cap(void **state)
{
	struct fixture *f = *state;
	struct stats *s;
	struct stats_row *rows;
	struct errbuf e;
	char	 dom[64], alias[64];
	size_t	 n, others;
	int	 i, j;

	assert_int_equal(stats_open(f->path, &s, &e), 0);
	for (i = 0; i < 200; i++) {
		snprintf(alias, sizeof(alias), "a%d@example.com", i);
		for (j = 0; j < 60; j++) {
			snprintf(dom, sizeof(dom), "d%d.example", j);
			stats_hit_from(s, alias, dom, STATS_HIT, 100);
		}
	}
	assert_int_equal(stats_flush(s, &e), 0);
	stats_close(s);
	read_senders(f->path, NULL, &rows, &n);
	assert_int_equal(senders_total(rows, n, &others), 200 * 60);
	assert_int_equal(n - others, STATS_SENDERS_INTERVAL_MAX);
	stats_rows_free(rows, n);
}

/* A file from before the senders table: no evidence, and no error. */
static void
test_senders_old_file(void **state)
{
	struct fixture *f = *state;
	struct stats_row *rows;
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	size_t	 n;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
	assert_int_equal(mdb_env_open(env, f->path, MDB_NOSUBDIR, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "aliases", MDB_CREATE, &dbi), 0);
	assert_int_equal(mdb_dbi_open(txn, "unknown", MDB_CREATE, &dbi), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	read_senders(f->path, NULL, &rows, &n);
	assert_int_equal(n, 0);
	stats_rows_free(rows, n);
	read_senders(f->path, "irs@example.com", &rows, &n);
	assert_int_equal(n, 0);
	stats_rows_free(rows, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_adds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_cap_and_growth, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_while_writing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test_setup_teardown(test_heartbeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_senders_kinds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_senders_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_senders_file_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_senders_interval_cap, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_senders_old_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_layout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_record_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_lmdb, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_removed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_replaced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_truncated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_overwritten, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_touched, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_reopen_fails, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
