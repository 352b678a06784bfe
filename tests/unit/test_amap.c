/*
 * test_amap.c: the LMDB map module: round trips, sorted and unsorted
 * builds, atomic replacement, modes, error paths that must leave the
 * old file untouched and no temp file behind, and the fcntl lock
 * protocol Postfix relies on; pcache.c's copy of a whole file in memory,
 * damaged files included.  Every test works in its own mkdtemp(3)
 * directory, removed afterwards.
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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "amap.h"
#include "pcache.h"
#include "util.h"

struct fixture {
	char	 dir[64];
	char	 path[128];	/* dir/map.lmdb */
};

struct pair {
	const char *key;
	const char *val;
};

struct walkrec {
	char	 keys[8][64];
	char	 vals[8][64];
	int	 n;
	int	 stopat;	/* return 7 from this call (1-based); 0 never */
};

static int	setup(void **);
static int	teardown(void **);
static int	dir_entries(const char *);
static int	build(const char *, unsigned, const struct pair *, size_t,
		    size_t);
static char	*slurp(const char *, size_t *);
static int	try_wrlock(const char *);
static int	child_try_wrlock(const char *);
static void	many_key(char *, size_t, size_t);
static int	walk_collect(void *, const char *, const char *);
static int	walk_count(void *, const char *, const char *);
static int	walk_n(void *, const char *, const char *);
static int	walk_lockcheck(void *, const char *, const char *);
static uint64_t	meta_mapsize(const char *);
static void	*reader_thread(void *);
static void	build_many(const char *, size_t);
static int	pcache_check(struct amap *, size_t);

#define COPY_MANY	20000	/* pairs in test_copy_edit()'s large map */

static const struct pair small[] = {
	{ "bestbuy@example.com", "me@example.net" },
	{ "example.com", "ok" },
	{ "family@example.com", "me@example.net,spouse@example.net" },
	{ "irs@example.com", "me@example.net" },
};
#define NSMALL	(sizeof(small) / sizeof(small[0]))

static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_amap.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/map.lmdb", f->dir);
	*state = f;
	return 0;
}

/* Removes the test directory and whatever the test left in it. */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *d;
	char	 p[512];
	DIR	*dp;

	if ((dp = opendir(f->dir)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, d->d_name);
			if (unlink(p) == -1)
				rmdir(p);
		}
		closedir(dp);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Returns the number of names in dir other than . and .., or -1. */
static int
dir_entries(const char *dir)
{
	struct dirent *d;
	DIR	*dp;
	int	 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

/* Builds path from n pairs; returns amap_out_commit()'s result. */
static int
build(const char *path, unsigned flags, const struct pair *p, size_t n,
    size_t hint)
{
	struct amap_out *o;
	struct errbuf e;
	size_t	 i;
	int	 rc = -1;

	e.msg[0] = '\0';
	if (amap_out_new(path, hint, flags, &o, &e) == -1) {
		print_error("amap_out_new: %s\n", e.msg);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (amap_out_put(o, p[i].key, p[i].val, &e) == -1) {
			print_error("amap_out_put: %s\n", e.msg);
			goto fail;
		}
	if ((rc = amap_out_commit(o, &e)) == -1)
		print_error("amap_out_commit: %s\n", e.msg);
fail:
	amap_out_free(o);
	return rc;
}

/* Returns the whole file in a malloc'ed buffer (caller frees), or NULL. */
static char *
slurp(const char *path, size_t *lenp)
{
	struct stat st;
	char	*buf = NULL;
	int	 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL ||
	    read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	} else
		*lenp = (size_t)st.st_size;
	close(fd);
	return buf;
}

/*
 * Tries an exclusive fcntl lock on path without waiting, as an in-place
 * writer (postmap) would.  Returns 0 when it got it, 1 when busy, -1 on
 * error.  Meaningful only in a process other than the reader's.
 */
static int
try_wrlock(const char *path)
{
	struct flock fl;
	int	 fd, rc;

	if ((fd = open(path, O_RDWR)) == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0)
		rc = 0;
	else
		rc = errno == EAGAIN || errno == EACCES ? 1 : -1;
	close(fd);
	return rc;
}

/* try_wrlock() in a child process; returns its result. */
static int
child_try_wrlock(const char *path)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		_exit(try_wrlock(path) + 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) - 1;
}

/* The i-th key of the big maps, in increasing order as i grows. */
static void
many_key(char *buf, size_t size, size_t i)
{
	snprintf(buf, size, "v%07zu.%06zx@example.com", i,
	    (i * 2654435761u) & 0xffffff);
}

static int
walk_collect(void *arg, const char *key, const char *val)
{
	struct walkrec *w = arg;

	if (w->n >= 8)
		return -2;
	snprintf(w->keys[w->n], sizeof(w->keys[0]), "%s", key);
	snprintf(w->vals[w->n], sizeof(w->vals[0]), "%s", val);
	w->n++;
	return w->stopat != 0 && w->n == w->stopat ? 7 : 0;
}

/* Counts the pairs. */
static int
walk_n(void *arg, const char *key, const char *val)
{
	(void)key;
	(void)val;
	(*(size_t *)arg)++;
	return 0;
}

static int
walk_count(void *arg, const char *key, const char *val)
{
	size_t	*n = arg;
	char	 want[64];

	many_key(want, sizeof(want), *n);
	if (strcmp(key, want) != 0 || strcmp(val, "me@example.net") != 0)
		return 1;
	(*n)++;
	return 0;
}

struct lockcheck {
	struct amap *m;
	const char *path;
	int	 busy_during;	/* try_wrlock() result inside the walk */
	int	 busy_after_get;	/* ... after a nested amap_get() */
	int	 calls;
};

/*
 * Called inside amap_walk(): the shared lock must be held, and still be
 * held after a nested amap_get() on the same handle has come and gone
 * (the reader count, not the get, owns the lock).
 */
static int
walk_lockcheck(void *arg, const char *key, const char *val)
{
	struct lockcheck *lc = arg;
	struct errbuf e;
	char	 v[64];

	(void)key;
	(void)val;
	if (lc->calls++ > 0)
		return 0;
	lc->busy_during = child_try_wrlock(lc->path);
	if (amap_get(lc->m, "example.com", v, sizeof(v), &e) != 1)
		return 1;
	lc->busy_after_get = child_try_wrlock(lc->path);
	return 0;
}

/*
 * The map size recorded in the newer of the two LMDB meta pages (page
 * size 4096): magic at 16, mapsize at 32, txnid at 144.
 */
static uint64_t
meta_mapsize(const char *path)
{
	unsigned char buf[8192];
	uint64_t size[2], txnid[2];
	uint32_t magic;
	int	 fd, i;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		close(fd);
		return 0;
	}
	close(fd);
	for (i = 0; i < 2; i++) {
		memcpy(&magic, buf + i * 4096 + 16, sizeof(magic));
		if (magic != 0xBEEFC0DE)
			return 0;
		memcpy(&size[i], buf + i * 4096 + 32, sizeof(size[i]));
		memcpy(&txnid[i], buf + i * 4096 + 144, sizeof(txnid[i]));
	}
	return txnid[0] > txnid[1] ? size[0] : size[1];
}

static void
test_roundtrip_unsorted(void **state)
{
	struct fixture *f = *state;
	static const struct pair p[] = {	/* deliberately unordered */
		{ "irs@example.com", "me@example.net" },
		{ "example.com", "ok" },
		{ "family@example.com", "me@example.net,spouse@example.net" },
		{ "bestbuy@example.com", "me@example.net" },
	};
	struct amap *m;
	struct errbuf e;
	char	 v[AMAP_VALUE_MAX], lock[160];
	size_t	 i;

	assert_int_equal(build(f->path, 0, p, 4, 0), 0);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(amap_get(m, p[i].key, v, sizeof(v), &e), 1);
		assert_string_equal(v, p[i].val);
	}
	assert_int_equal(amap_get(m, "nobody@example.com", v, sizeof(v), &e),
	    0);
	/* Postfix folds keys; we store what we were given. */
	assert_int_equal(amap_get(m, "IRS@example.com", v, sizeof(v), &e), 0);
	amap_close(m);
	/* The file alone: no -lock file, no temp file. */
	snprintf(lock, sizeof(lock), "%s-lock", f->path);
	assert_int_equal(access(lock, F_OK), -1);
	assert_int_equal(dir_entries(f->dir), 1);
}

static void
test_roundtrip_sorted(void **state)
{
	struct fixture *f = *state;
	struct amap *m;
	struct errbuf e;
	char	 v[AMAP_VALUE_MAX];
	size_t	 i;

	assert_int_equal(build(f->path, AMAP_OUT_SORTED, small, NSMALL, 200),
	    0);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	for (i = 0; i < NSMALL; i++) {
		assert_int_equal(amap_get(m, small[i].key, v, sizeof(v), &e),
		    1);
		assert_string_equal(v, small[i].val);
	}
	amap_close(m);
	/* What postmap records for a small map: 16 MiB. */
	assert_int_equal(meta_mapsize(f->path), 16777216);
}

static void
test_sorted_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct amap_out *o;
	struct errbuf e;
	char	*before, *after;
	size_t	 blen, alen;

	assert_int_equal(build(f->path, AMAP_OUT_SORTED, small, NSMALL, 0),
	    0);
	assert_non_null(before = slurp(f->path, &blen));

	assert_int_equal(amap_out_new(f->path, 0, AMAP_OUT_SORTED, &o, &e),
	    0);
	assert_int_equal(dir_entries(f->dir), 2);	/* map and temp */
	assert_int_equal(amap_out_put(o, "b@example.com", "x@example.net",
	    &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "x@example.net",
	    &e), -1);
	assert_non_null(strstr(e.msg, "\"a@example.com\""));
	assert_non_null(strstr(e.msg, "out of order"));
	/* The temp file is gone at once; the build stays ended. */
	assert_int_equal(dir_entries(f->dir), 1);
	assert_int_equal(amap_out_put(o, "c@example.com", "x", &e), -1);
	assert_int_equal(amap_out_commit(o, &e), -1);
	amap_out_free(o);

	assert_non_null(after = slurp(f->path, &alen));
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	assert_int_equal(dir_entries(f->dir), 1);
	free(before);
	free(after);
}

static void
test_duplicates(void **state)
{
	struct fixture *f = *state;
	struct amap_out *o;
	struct errbuf e;

	/* Unsorted: a duplicate is named as such. */
	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "x", &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "y", &e), -1);
	assert_non_null(strstr(e.msg, "duplicate key \"a@example.com\""));
	amap_out_free(o);
	/* Sorted: an equal key is out of order too. */
	assert_int_equal(amap_out_new(f->path, 0, AMAP_OUT_SORTED, &o, &e),
	    0);
	assert_int_equal(amap_out_put(o, "a@example.com", "x", &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "y", &e), -1);
	assert_non_null(strstr(e.msg, "\"a@example.com\""));
	amap_out_free(o);
	assert_int_equal(dir_entries(f->dir), 0);
}

static void
test_bad_pairs(void **state)
{
	struct fixture *f = *state;
	struct amap_out *o;
	struct errbuf e;
	char	 big[AMAP_VALUE_MAX + 1];

	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "", &e), -1);
	assert_non_null(strstr(e.msg, "empty"));
	amap_out_free(o);

	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), 0);
	assert_int_equal(amap_out_put(o, "", "x", &e), -1);
	amap_out_free(o);

	memset(big, 'k', 600);
	big[600] = '\0';
	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), 0);
	assert_int_equal(amap_out_put(o, big, "x", &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
	amap_out_free(o);

	memset(big, 'v', AMAP_VALUE_MAX);
	big[AMAP_VALUE_MAX] = '\0';
	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", big, &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
	amap_out_free(o);
	assert_int_equal(dir_entries(f->dir), 0);
}

static void
test_long_values(void **state)
{
	struct fixture *f = *state;
	struct pair p[2];
	struct amap *m;
	struct errbuf e;
	char	 big[AMAP_VALUE_MAX], v[AMAP_VALUE_MAX], key[600];

	/* The longest value there is: it lives on overflow pages. */
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p[0].key = "a@example.com";
	p[0].val = big;
	p[1].key = "b@example.com";
	p[1].val = "0123456789abcdef";
	assert_int_equal(build(f->path, AMAP_OUT_SORTED, p, 2, 0), 0);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	assert_int_equal(amap_get(m, "a@example.com", v, sizeof(v), &e), 1);
	assert_string_equal(v, big);
	/* Exactly room for the value and its NUL. */
	assert_int_equal(amap_get(m, "b@example.com", v, 17, &e), 1);
	assert_string_equal(v, "0123456789abcdef");
	/* One byte short is an error, never a truncated answer. */
	e.msg[0] = '\0';
	assert_int_equal(amap_get(m, "b@example.com", v, 16, &e), -1);
	assert_non_null(strstr(e.msg, "too long"));
	assert_int_equal(amap_get(m, "a@example.com", v, 100, &e), -1);
	/* A key no map can hold is simply not there. */
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(amap_get(m, key, v, sizeof(v), &e), 0);
	/* The handle still works after errors: no lock or txn leaked. */
	assert_int_equal(amap_get(m, "b@example.com", v, sizeof(v), &e), 1);
	assert_int_equal(child_try_wrlock(f->path), 0);
	amap_close(m);
}

static void
test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct amap *m = NULL;
	struct errbuf e;
	char	 p[160];
	int	 fd;

	snprintf(p, sizeof(p), "%s/none.lmdb", f->dir);
	errno = 0;
	assert_int_equal(amap_open(p, &m, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(m);
	assert_non_null(strstr(e.msg, "none.lmdb"));

	/* Not LMDB: an empty file and a text file. */
	assert_true((fd = open(p, O_WRONLY | O_CREAT, 0644)) != -1);
	close(fd);
	assert_int_equal(amap_open(p, &m, &e), -1);
	assert_int_equal(errno, EINVAL);
	assert_true((fd = open(p, O_WRONLY | O_TRUNC)) != -1);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	assert_int_equal(amap_open(p, &m, &e), -1);
	assert_int_equal(errno, EINVAL);
	/* Opening read-only never creates anything (no -lock file). */
	assert_int_equal(dir_entries(f->dir), 1);
}

static void
test_walk(void **state)
{
	struct fixture *f = *state;
	static const struct pair p[] = {
		{ "irs@example.com", "1" },
		{ "example.com", "2" },
		{ "a@example.com", "3" },
		{ "b@example.com", "4" },
		{ "Z@example.com", "5" },
	};
	struct walkrec w;
	struct amap *m;
	struct errbuf e;

	assert_int_equal(build(f->path, 0, p, 5, 0), 0);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	memset(&w, 0, sizeof(w));
	assert_int_equal(amap_walk(m, walk_collect, &w, &e), 0);
	assert_int_equal(w.n, 5);
	/* Byte order, the order LMDB and postmap -s use. */
	assert_string_equal(w.keys[0], "Z@example.com");
	assert_string_equal(w.keys[1], "a@example.com");
	assert_string_equal(w.keys[2], "b@example.com");
	assert_string_equal(w.keys[3], "example.com");
	assert_string_equal(w.keys[4], "irs@example.com");
	assert_string_equal(w.vals[4], "1");
	/* Stopping early returns the callback's value. */
	memset(&w, 0, sizeof(w));
	w.stopat = 3;
	assert_int_equal(amap_walk(m, walk_collect, &w, &e), 7);
	assert_int_equal(w.n, 3);
	assert_int_equal(child_try_wrlock(f->path), 0);
	amap_close(m);
}

/* Builds path from n pairs many_key(i) -> "v" i, sorted. */
static void
build_many(const char *path, size_t n)
{
	struct amap_out *o;
	struct errbuf e;
	char	 k[64], v[32];
	size_t	 i;

	assert_int_equal(amap_out_new(path, 0, AMAP_OUT_SORTED, &o, &e), 0);
	for (i = 0; i < n; i++) {
		many_key(k, sizeof(k), i);
		snprintf(v, sizeof(v), "v%zu", i);
		assert_int_equal(amap_out_put(o, k, v, &e), 0);
	}
	assert_int_equal(amap_out_commit(o, &e), 0);
	amap_out_free(o);
}

/*
 * Loads m (build_many() of n pairs) into a cache.  When the load
 * succeeds, the cache must hold exactly the n pairs, each with its own
 * value: a damaged file is refused or read right, never read wrong.
 * Returns 1 when refused, 0 when read right.
 */
static int
pcache_check(struct amap *m, size_t n)
{
	struct pcache *pc;
	struct errbuf e;
	char	 k[64], v[32];
	const char *got;
	size_t	 i;

	e.msg[0] = '\0';
	if (pcache_load(m, &pc, &e) == -1) {
		assert_null(pc);
		assert_true(e.msg[0] != '\0');
		return 1;
	}
	assert_int_equal(pcache_count(pc), n);
	for (i = 0; i < n; i++) {
		many_key(k, sizeof(k), i);
		snprintf(v, sizeof(v), "v%zu", i);
		assert_non_null(got = pcache_get(pc, k));
		assert_string_equal(got, v);
	}
	pcache_free(pc);
	return 0;
}

static void
test_pcache(void **state)
{
	struct fixture *f = *state;
	struct pcache *pc;
	struct amap *m;
	struct errbuf e;

	assert_int_equal(build(f->path, 0, small, NSMALL, 0), 0);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	assert_int_equal(pcache_load(m, &pc, &e), 0);
	assert_int_equal(pcache_count(pc), NSMALL);
	assert_string_equal(pcache_get(pc, "family@example.com"),
	    "me@example.net,spouse@example.net");
	assert_string_equal(pcache_get(pc, "example.com"), "ok");
	/* Exact keys only: no prefix, no case folding. */
	assert_null(pcache_get(pc, "family@example.co"));
	assert_null(pcache_get(pc, "IRS@example.com"));
	assert_null(pcache_get(pc, ""));
	assert_true(pcache_bytes(pc) > 0);
	pcache_free(pc);
	pcache_free(NULL);
	/* The walk released its shared lock. */
	assert_int_equal(child_try_wrlock(f->path), 0);
	amap_close(m);

	build_many(f->path, COPY_MANY);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	assert_int_equal(pcache_check(m, COPY_MANY), 0);
	amap_close(m);
}

/*
 * One page of a multi-page file zeroed, each time another one (branch
 * and leaf pages alike): the load fails with a message or reads every
 * pair right; LMDB's assertions must not abort the process.
 */
static void
test_pcache_damaged(void **state)
{
	struct fixture *f = *state;
	struct amap *m;
	struct errbuf e;
	struct stat st;
	char	 copy[160];
	static const char zero[4096];
	off_t	 pg, np;
	int	 fd, refused = 0;

	build_many(f->path, COPY_MANY);
	assert_int_equal(stat(f->path, &st), 0);
	np = st.st_size / 4096;
	assert_true(np > 20);
	snprintf(copy, sizeof(copy), "%s/damaged.lmdb", f->dir);
	for (pg = 2; pg < np; pg++) {
		size_t	 len;
		char	*buf;

		assert_non_null(buf = slurp(f->path, &len));
		assert_true((fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC,
		    0644)) != -1);
		assert_int_equal(write(fd, buf, len), (ssize_t)len);
		free(buf);
		assert_int_equal(pwrite(fd, zero, sizeof(zero), pg * 4096),
		    (ssize_t)sizeof(zero));
		close(fd);
		if (amap_open(copy, &m, &e) == -1) {
			refused++;
			continue;
		}
		refused += pcache_check(m, COPY_MANY);
		amap_close(m);
	}
	unlink(copy);
	/* Zeroed data pages exist: some copy must have been refused. */
	assert_true(refused > 0);
}

static void
test_replace_atomic(void **state)
{
	struct fixture *f = *state;
	static const struct pair v1[] = { { "a@example.com", "old" } };
	static const struct pair v2[] = {
		{ "a@example.com", "new" },
		{ "b@example.com", "added" },
	};
	struct amap *h1, *h2;
	struct amap_out *o;
	struct errbuf e;
	char	 v[64];
	dev_t	 d1, d2, od;
	ino_t	 i1, i2, oi;

	assert_int_equal(build(f->path, AMAP_OUT_SORTED, v1, 1, 0), 0);
	assert_int_equal(amap_open(f->path, &h1, &e), 0);

	assert_int_equal(amap_out_new(f->path, 0, AMAP_OUT_SORTED, &o, &e),
	    0);
	assert_int_equal(amap_out_put(o, v2[0].key, v2[0].val, &e), 0);
	assert_int_equal(amap_out_put(o, v2[1].key, v2[1].val, &e), 0);
	/* Until the commit, the old map is what everyone sees. */
	assert_int_equal(amap_get(h1, "b@example.com", v, sizeof(v), &e), 0);
	amap_out_ident(o, &od, &oi);
	assert_int_equal(amap_out_commit(o, &e), 0);
	amap_out_free(o);
	assert_int_equal(dir_entries(f->dir), 1);

	/* The old handle keeps reading the old inode. */
	assert_int_equal(amap_get(h1, "a@example.com", v, sizeof(v), &e), 1);
	assert_string_equal(v, "old");
	assert_int_equal(amap_get(h1, "b@example.com", v, sizeof(v), &e), 0);
	/* A new handle sees the new map, the inode amap_out_ident promised. */
	assert_int_equal(amap_open(f->path, &h2, &e), 0);
	assert_int_equal(amap_get(h2, "a@example.com", v, sizeof(v), &e), 1);
	assert_string_equal(v, "new");
	assert_int_equal(amap_get(h2, "b@example.com", v, sizeof(v), &e), 1);
	assert_string_equal(v, "added");
	amap_ident(h1, &d1, &i1);
	amap_ident(h2, &d2, &i2);
	assert_true(d1 == d2 && i1 != i2);
	assert_true(od == d2 && oi == i2);
	amap_close(h1);
	amap_close(h2);
}

/*
 * amap_out_copy(): the copy gets the changes, the old file keeps its
 * contents until the rename, and a large copy with one key changed
 * holds every other pair.
 */
static void
test_copy_edit(void **state)
{
	struct fixture *f = *state;
	struct amap *h1, *h2;
	struct amap_out *o;
	struct errbuf e;
	char	 k[64], v[64];
	size_t	 i, n = 0;

	assert_int_equal(build(f->path, AMAP_OUT_SORTED, small, NSMALL, 0),
	    0);
	assert_int_equal(amap_open(f->path, &h1, &e), 0);
	assert_int_equal(amap_out_copy(f->path, &o, &e), 0);
	assert_int_equal(amap_out_del(o, "irs@example.com", &e), 0);
	assert_int_equal(amap_out_del(o, "nosuch@example.com", &e), 0);
	assert_int_equal(amap_out_put(o, "example.com", "replaced", &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "added", &e), 0);
	assert_int_equal(amap_get(h1, "irs@example.com", v, sizeof(v), &e),
	    1);
	assert_int_equal(amap_out_commit(o, &e), 0);
	amap_out_free(o);
	assert_int_equal(dir_entries(f->dir), 1);
	assert_int_equal(amap_get(h1, "irs@example.com", v, sizeof(v), &e),
	    1);
	assert_int_equal(amap_open(f->path, &h2, &e), 0);
	assert_int_equal(amap_get(h2, "irs@example.com", v, sizeof(v), &e),
	    0);
	assert_int_equal(amap_get(h2, "example.com", v, sizeof(v), &e), 1);
	assert_string_equal(v, "replaced");
	assert_int_equal(amap_get(h2, "a@example.com", v, sizeof(v), &e), 1);
	assert_int_equal(amap_get(h2, "bestbuy@example.com", v, sizeof(v),
	    &e), 1);
	assert_int_equal(amap_walk(h2, walk_n, &n, &e), 0);
	assert_int_equal(n, NSMALL + 1 - 1);
	amap_close(h1);
	amap_close(h2);

	/* Many pairs: delete one in the middle, the rest stay. */
	assert_int_equal(amap_out_new(f->path, 0, AMAP_OUT_SORTED, &o, &e), 0);
	for (i = 0; i < COPY_MANY; i++) {
		many_key(k, sizeof(k), i);
		assert_int_equal(amap_out_put(o, k, "me@example.net", &e), 0);
	}
	assert_int_equal(amap_out_commit(o, &e), 0);
	amap_out_free(o);
	assert_int_equal(amap_out_copy(f->path, &o, &e), 0);
	many_key(k, sizeof(k), COPY_MANY / 2);
	assert_int_equal(amap_out_del(o, k, &e), 0);
	assert_int_equal(amap_out_commit(o, &e), 0);
	amap_out_free(o);
	assert_int_equal(amap_open(f->path, &h2, &e), 0);
	n = 0;
	assert_int_equal(amap_walk(h2, walk_n, &n, &e), 0);
	assert_int_equal(n, COPY_MANY - 1);
	assert_int_equal(amap_get(h2, k, v, sizeof(v), &e), 0);
	for (i = 0; i < COPY_MANY; i += 997) {
		if (i == COPY_MANY / 2)
			continue;
		many_key(k, sizeof(k), i);
		assert_int_equal(amap_get(h2, k, v, sizeof(v), &e), 1);
	}
	amap_close(h2);
	/* A copy of nothing fails cleanly. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(amap_out_copy(f->path, &o, &e), -1);
	assert_int_equal(dir_entries(f->dir), 0);
}

/*
 * A map truncated in place under an open handle: lookups fail (SIGBUS
 * caught), they do not kill the process.
 */
static void
test_truncated_in_place(void **state)
{
	struct fixture *f = *state;
	struct amap *h;
	struct amap_out *o;
	struct errbuf e;
	char	 k[64], v[64];
	size_t	 i;
	pid_t	 pid;
	int	 rc, status;

	assert_int_equal(amap_out_new(f->path, 0, AMAP_OUT_SORTED, &o, &e), 0);
	for (i = 0; i < COPY_MANY; i++) {
		many_key(k, sizeof(k), i);
		assert_int_equal(amap_out_put(o, k, "me@example.net", &e), 0);
	}
	assert_int_equal(amap_out_commit(o, &e), 0);
	amap_out_free(o);
	assert_int_equal(amap_open(f->path, &h, &e), 0);
	many_key(k, sizeof(k), COPY_MANY - 1);
	assert_int_equal(amap_get(h, k, v, sizeof(v), &e), 1);
	/*
	 * Truncated while a read section is open (the size is checked when
	 * a section starts): the reads fault, SIGBUS is caught.  In a child,
	 * which _exit()s: LMDB's transaction is lost with the fault.
	 */
	if ((pid = fork()) == 0) {
		if (amap_read_begin(h, &e) == -1 ||
		    truncate(f->path, 8192) == -1)
			_exit(2);
		rc = amap_get(h, k, v, sizeof(v), &e);
		_exit(rc == -1 && strstr(e.msg, "SIGBUS") != NULL ? 0 : 3);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The child truncated the file: the size check says so at once. */
	for (i = 0; i < 3; i++) {
		e.msg[0] = '\0';
		assert_int_equal(amap_get(h, k, v, sizeof(v), &e), -1);
		assert_non_null(strstr(e.msg, "truncated in place"));
	}
	assert_int_equal(truncate(f->path, 0), 0);
	assert_int_equal(amap_get(h, k, v, sizeof(v), &e), -1);
	amap_close(h);
}

static void
test_modes(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	mode_t	 old;

	/* A new map is 0644 whatever the umask. */
	old = umask(077);
	assert_int_equal(build(f->path, 0, small, NSMALL, 0), 0);
	umask(old);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	/* An existing 0640 map stays 0640. */
	assert_int_equal(chmod(f->path, 0640), 0);
	assert_int_equal(build(f->path, 0, small, NSMALL, 0), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* Group and other write are dropped. */
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_int_equal(build(f->path, 0, small, NSMALL, 0), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	/* The owner is kept (root can give the new file away). */
	if (geteuid() == 0) {
		assert_int_equal(chown(f->path, 1, 1), 0);
		assert_int_equal(build(f->path, 0, small, NSMALL, 0), 0);
		assert_int_equal(stat(f->path, &st), 0);
		assert_int_equal(st.st_uid, 1);
		assert_int_equal(st.st_gid, 1);
	}
}

static void
test_unwritable_dir(void **state)
{
	struct fixture *f = *state;
	struct amap_out *o = NULL;
	struct errbuf e;
	struct stat st;
	char	 p[256], sub[160];

	/* A missing directory. */
	snprintf(sub, sizeof(sub), "%s/missing", f->dir);
	snprintf(p, sizeof(p), "%s/map.lmdb", sub);
	e.msg[0] = '\0';
	assert_int_equal(amap_out_new(p, 0, 0, &o, &e), -1);
	assert_null(o);
	assert_true(e.msg[0] != '\0');
	assert_int_equal(stat(sub, &st), -1);
	assert_int_equal(dir_entries(f->dir), 0);

	/* A directory where no file can be created, even by root. */
	e.msg[0] = '\0';
	assert_int_equal(amap_out_new("/proc/test_amap.lmdb", 0, 0, &o, &e),
	    -1);
	assert_true(e.msg[0] != '\0');
	assert_int_equal(access("/proc/test_amap.lmdb", F_OK), -1);

	/* A directory without write permission (not for root). */
	if (geteuid() != 0) {
		snprintf(p, sizeof(p), "%s/ro", f->dir);
		assert_int_equal(mkdir(p, 0555), 0);
		strcat(p, "/map.lmdb");
		assert_int_equal(amap_out_new(p, 0, 0, &o, &e), -1);
		assert_non_null(strstr(e.msg, "temporary file"));
		p[strlen(p) - strlen("/map.lmdb")] = '\0';
		assert_int_equal(dir_entries(p), 0);
	}

	/* The target is a directory: refused before anything is built. */
	assert_int_equal(mkdir(f->path, 0755), 0);
	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_int_equal(rmdir(f->path), 0);
	assert_int_equal(dir_entries(f->dir), geteuid() == 0 ? 0 : 1);
}

static void
test_commit_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	struct amap_out *o;
	struct errbuf e;
	struct stat st;

	/* The rename fails: a directory took the map's name meanwhile. */
	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "x", &e), 0);
	assert_int_equal(mkdir(f->path, 0755), 0);
	e.msg[0] = '\0';
	assert_int_equal(amap_out_commit(o, &e), -1);
	assert_non_null(strstr(e.msg, "rename"));
	assert_int_equal(dir_entries(f->dir), 1);	/* the directory */
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	amap_out_free(o);
	assert_int_equal(rmdir(f->path), 0);

	/* Freed without a commit: nothing is left, nothing replaced. */
	assert_int_equal(amap_out_new(f->path, 0, 0, &o, &e), 0);
	assert_int_equal(amap_out_put(o, "a@example.com", "x", &e), 0);
	amap_out_free(o);
	assert_int_equal(dir_entries(f->dir), 0);
	amap_out_free(NULL);
	amap_close(NULL);
}

/* Builds n entries in the given order and reads every one back. */
static void
many_roundtrip(struct fixture *f, unsigned flags, size_t n, size_t step,
    size_t hint)
{
	struct amap_out *o;
	struct amap *m;
	struct errbuf e;
	char	 key[64], v[64];
	size_t	 i, j, count = 0;
	uint64_t size;

	assert_int_equal(amap_out_new(f->path, hint, flags, &o, &e), 0);
	for (i = 0; i < n; i++) {
		j = (i * step) % n;	/* step coprime to n: a permutation */
		many_key(key, sizeof(key), j);
		if (amap_out_put(o, key, "me@example.net", &e) == -1)
			fail_msg("put %zu: %s", i, e.msg);
	}
	if (amap_out_commit(o, &e) == -1)
		fail_msg("commit: %s", e.msg);
	amap_out_free(o);
	assert_int_equal(dir_entries(f->dir), 1);

	assert_int_equal(amap_open(f->path, &m, &e), 0);
	for (i = 0; i < n; i++) {
		many_key(key, sizeof(key), i);
		if (amap_get(m, key, v, sizeof(v), &e) != 1)
			fail_msg("get %s: %s", key, e.msg);
		assert_string_equal(v, "me@example.net");
	}
	assert_int_equal(amap_walk(m, walk_count, &count, &e), 0);
	assert_int_equal(count, n);
	amap_close(m);
	size = meta_mapsize(f->path);
	assert_true(size >= 16777216 && (size & (size - 1)) == 0);
}

static void
test_many_sorted(void **state)
{
	many_roundtrip(*state, AMAP_OUT_SORTED, 200000, 1,
	    200000 * sizeof("v0000000.000000@example.comme@example.net"));
}

static void
test_many_unsorted_no_hint(void **state)
{
	struct fixture *f = *state;

	/* No size hint: the map must grow by itself, never MDB_MAP_FULL. */
	many_roundtrip(f, 0, 200000, 7919, 0);
	assert_true(meta_mapsize(f->path) > 16777216);
}

static void
test_read_lock_protocol(void **state)
{
	struct fixture *f = *state;
	struct lockcheck lc;
	struct amap *m;
	struct errbuf e;
	char	 v[64];
	int	 pfd[2];
	long long t0;
	pid_t	 pid;
	int	 status;

	assert_int_equal(build(f->path, 0, small, NSMALL, 0), 0);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	/* Between reads no lock is held. */
	assert_int_equal(child_try_wrlock(f->path), 0);

	/* Inside a read the map is share-locked, across a nested get. */
	memset(&lc, 0, sizeof(lc));
	lc.m = m;
	lc.path = f->path;
	assert_int_equal(amap_walk(m, walk_lockcheck, &lc, &e), 0);
	assert_int_equal(lc.busy_during, 1);
	assert_int_equal(lc.busy_after_get, 1);
	assert_int_equal(child_try_wrlock(f->path), 0);

	/* A read waits for an in-place writer's exclusive lock. */
	assert_int_equal(pipe(pfd), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		struct flock fl;
		int	 fd;

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if ((fd = open(f->path, O_RDWR)) == -1 ||
		    fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], v, 1), 1);
	close(pfd[0]);
	t0 = now_ms();
	assert_int_equal(amap_get(m, "example.com", v, sizeof(v), &e), 1);
	assert_true(now_ms() - t0 >= 200);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	amap_close(m);
}

struct reader_arg {
	struct amap *m;
	int	 errors;
};

static void *
reader_thread(void *arg)
{
	struct reader_arg *ra = arg;
	struct errbuf e;
	char	 v[64];
	int	 i;

	for (i = 0; i < 20000; i++)
		if (amap_get(ra->m, small[i % NSMALL].key, v, sizeof(v),
		    &e) != 1 || strcmp(v, small[i % NSMALL].val) != 0)
			ra->errors++;
	return NULL;
}

static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct reader_arg ra[4];
	pthread_t t[4];
	struct errbuf e;
	struct amap *m;
	int	 i;

	assert_int_equal(build(f->path, AMAP_OUT_SORTED, small, NSMALL, 0),
	    0);
	assert_int_equal(amap_open(f->path, &m, &e), 0);
	for (i = 0; i < 4; i++) {
		ra[i].m = m;
		ra[i].errors = 0;
		assert_int_equal(pthread_create(&t[i], NULL, reader_thread,
		    &ra[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(ra[i].errors, 0);
	}
	/* The last reader dropped the lock. */
	assert_int_equal(child_try_wrlock(f->path), 0);
	amap_close(m);
}

static void
test_writer_lock(void **state)
{
	struct fixture *f = *state;
	struct errbuf e;
	char	 lock[160];
	pid_t	 pid;
	int	 fd, status;

	snprintf(lock, sizeof(lock), "%s/map.lock", f->dir);
	assert_true((fd = amap_writer_lock(lock, 0, &e)) != -1);

	/* A second writer gives up after its timeout with EAGAIN. */
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		struct errbuf ce;
		long long t0 = now_ms(), dt;
		int	 cfd;

		cfd = amap_writer_lock(lock, 300, &ce);
		dt = now_ms() - t0;
		if (cfd != -1)
			_exit(1);
		if (errno != EAGAIN)
			_exit(2);
		if (strstr(ce.msg, "being written by another process") == NULL)
			_exit(3);
		if (dt < 280 || dt > 3000)
			_exit(4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* A waiting writer gets the lock once the first one closes it. */
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		struct errbuf ce;

		_exit(amap_writer_lock(lock, 5000, &ce) == -1 ? 1 : 0);
	}
	usleep(150 * 1000);
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* The lock file is created 0644 and a missing directory fails. */
	{
		struct stat st;
		char	 bad[200];

		assert_int_equal(stat(lock, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0644);
		snprintf(bad, sizeof(bad), "%s/missing/map.lock", f->dir);
		assert_int_equal(amap_writer_lock(bad, 100, &e), -1);
		assert_int_equal(errno, ENOENT);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_unsorted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_sorted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sorted_out_of_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pairs,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_values,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcache_damaged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replace_atomic,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_edit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_in_place,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_dir,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_fails_cleanly,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_sorted,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_unsorted_no_hint,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_lock_protocol,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_lock,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("amap", tests, NULL, NULL);
}
