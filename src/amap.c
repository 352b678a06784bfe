/*
 * amap.c: LMDB files in Postfix's lmdb: format (see amap.h), and the
 * only file that includes lmdb.h for them (stats.c has its own file
 * format); amap_errno() is the one mapping of LMDB's codes to errno.
 *
 * Reading follows Postfix's dict_lmdb/slmdb: the environment is opened
 * MDB_NOSUBDIR|MDB_NOLOCK|MDB_RDONLY, so LMDB keeps no reader table and
 * no -lock file, and we take fcntl(2) whole-file locks on the
 * environment's descriptor ourselves: shared around each read
 * transaction, which is what keeps an in-place writer (postmap lmdb:MAP
 * run by hand) from reusing pages we are reading.
 *
 * Threads.  fcntl locks belong to the process, not to a thread or a
 * descriptor: when one thread unlocks, every thread's lock on that file
 * is gone.  So a handle counts its readers under a mutex: the first
 * reader takes the shared lock, the last one drops it.  A handle may be
 * shared by any number of threads (the milter's model: one handle per
 * map file per process).  "One handle per thread" would not be safe:
 * two handles on the same file are two counts, and either one's unlock,
 * or even close(2), drops the other's lock.  So a process must not open
 * the same file twice while either handle is in use; compare
 * amap_ident() with stat(2) of the path before opening a new handle.
 * The count is per handle and not a process-wide table because the only
 * way to get a second handle on one inode is that misuse.
 *
 * Writing never touches a live file: a temp file "<path>.tmp.XXXXXX" in the
 * same directory is filled, fsynced and renamed over path.  The temp
 * file is private until the rename, so it is written without any lock,
 * and sorted input is committed in chunks, which keeps the writer's
 * memory flat: LMDB holds every dirty page of a transaction in RAM until
 * the commit.
 *
 * Size.  At about 1,200 lines this is longer than a module should be:
 * the readers, the lock protocol, the SIGBUS guard and the writer share
 * one handle's state and the same locking rules, and split apart each
 * half would need the other's internals.
 */
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "amap.h"
#include "util.h"

/*
 * Postfix's default lmdb_map_size, and what postmap records in a small
 * map: 16 MiB.  Maps grow by doubling, as postmap's do.
 */
#define AMAP_MAPSIZE_MIN	((size_t)16 * 1024 * 1024)

/* Slack for branch pages, the free list and the two meta pages. */
#define AMAP_MAPSIZE_SLACK	((size_t)1024 * 1024)

/*
 * With AMAP_OUT_SORTED a write transaction is committed after this many
 * puts or this many bytes of pairs, whichever comes first.  Appends
 * touch only the rightmost path of the tree, so 50,000 pairs of ~45
 * bytes dirty about 600 pages (2.4 MiB), and a commit costs little:
 * MDB_NOSYNC defers the only fsync to amap_out_commit().  A 1,000,000
 * pair build peaks at about 7 MiB RSS.
 *
 * Unsorted input is not chunked.  Random puts dirty nearly every leaf in
 * each chunk, so every commit would copy the whole tree: measured on
 * 1,000,000 pairs, 50,000-put chunks gave a 4x larger file, 294 MiB RSS
 * and 40% more time than one transaction (76 MiB, like postmap).  Sort
 * the input to keep memory flat.
 */
#define AMAP_CHUNK_PUTS		50000
#define AMAP_CHUNK_BYTES	((size_t)16 * 1024 * 1024)

/* Per-pair bytes on a leaf page beyond key and value: node header, index. */
#define AMAP_NODE_OVERHEAD	16

/* How long amap_writer_lock() sleeps between attempts. */
#define AMAP_LOCK_NAP_MS	20

/*
 * A map file truncated in place (never by us: we rename, but by hand or
 * by a full disk's victim) leaves pages of the mapping with no file
 * behind them, and reading one raises SIGBUS.  amap_get() arms this
 * thread's jump buffer around its reads; the handler, (re)installed by
 * amap_open() when another has replaced it, jumps back and the lookup
 * fails like one on a corrupt map (451 in the milter) instead of
 * killing the daemon.
 */
static _Thread_local sigjmp_buf *sigbus_jump;
/*
 * LMDB checks its pages with assertions in some cursor moves
 * (mdb_cursor_next() on a damaged page) and aborts the process when one
 * fails.  amap_walk() arms this jump buffer: the assertion callback
 * jumps back, and the walk fails like a read of a corrupt map.
 */
static _Thread_local sigjmp_buf *assert_jump;
static struct sigaction sigbus_old;
static pthread_mutex_t sigbus_mu = PTHREAD_MUTEX_INITIALIZER;

struct amap {
	MDB_env	*env;
	MDB_dbi	 dbi;
	int	 fd;		/* the environment's; LMDB owns and closes it */
	dev_t	 dev;
	ino_t	 ino;
	off_t	 minsize;	/* bytes its data took when opened */
	char	*path;		/* for messages; ours */
	pthread_mutex_t mu;	/* guards nreaders and the fcntl lock */
	unsigned long nreaders;	/* read sections in progress, all threads */
};

struct amap_out {
	char	*path;		/* the file to replace; ours */
	char	*tmppath;	/* "<path>.tmp.XXXXXX"; ours; NULL once renamed */
	int	 fd;		/* the temp file, from mkstemp; ours */
	int	 dirfd;		/* its directory, fsynced after the rename */
	MDB_env	*env;		/* NULL once finished or failed */
	int	 finished;	/* amap_out_finish() done: only the rename left */
	MDB_txn	*txn;		/* the open chunk's write transaction */
	MDB_dbi	 dbi;
	unsigned flags;
	size_t	 mapsize;	/* current LMDB map size, 16 MiB * 2^k */
	size_t	 psize;		/* LMDB page size */
	size_t	 nodemax;	/* larger pairs go to overflow pages */
	size_t	 used;		/* bytes up to the last page at the last commit */
	size_t	 chunkputs;	/* puts in the open transaction */
	size_t	 chunkbytes;	/* their estimated page bytes */
	dev_t	 dev;
	ino_t	 ino;
};

static void	on_sigbus(int, siginfo_t *, void *);
static void	on_assert(MDB_env *, const char *);
static void	sigbus_install(void);
static int	lock_file(int, short, int);
static int	amap_rdlock(struct amap *, struct errbuf *);
static int	amap_rdunlock(struct amap *, struct errbuf *);
static int	entry_ok(const MDB_val *);
static size_t	mapsize_for(size_t);
static size_t	out_cost(const struct amap_out *, size_t, size_t);
static size_t	out_need(const struct amap_out *, size_t);
static int	out_reserve(struct amap_out *, size_t, struct errbuf *);
static int	out_chunk_commit(struct amap_out *, struct errbuf *);
static int	out_target_mode(struct amap_out *, struct errbuf *);
static void	out_discard(struct amap_out *);

static void
on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	sigjmp_buf *jb = sigbus_jump;

	(void)sig;
	(void)si;
	(void)ctx;
	if (jb != NULL) {
		sigbus_jump = NULL;
		siglongjmp(*jb, 1);
	}
	/*
	 * Not a map read: put back what was there and return, so that the
	 * faulting instruction runs again and faults as it would have.
	 */
	sigaction(SIGBUS, &sigbus_old, NULL);
}

/* LMDB's assertion callback; returning lets LMDB abort(). */
static void
on_assert(MDB_env *env, const char *msg)
{
	sigjmp_buf *jb = assert_jump;

	(void)env;
	(void)msg;
	if (jb != NULL) {
		assert_jump = NULL;
		siglongjmp(*jb, 1);
	}
}

static void
sigbus_install(void)
{
	struct sigaction sa, cur;

	/* Under a lock: two threads must not save each other's handler. */
	pthread_mutex_lock(&sigbus_mu);
	if (sigaction(SIGBUS, NULL, &cur) == 0 &&
	    (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus) {
		pthread_mutex_unlock(&sigbus_mu);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	/* Not blocked in the handler: siglongjmp() does not unblock it. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &sigbus_old);
	pthread_mutex_unlock(&sigbus_mu);
}

int
amap_errno(int rc)
{
	if (rc > 0)
		return rc;
	switch (rc) {
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_BAD_VALSIZE:
		return EINVAL;
	case MDB_MAP_FULL:
		return ENOSPC;
	case MDB_READERS_FULL:
	case MDB_TXN_FULL:
	case MDB_CURSOR_FULL:
	case MDB_PAGE_FULL:
	case MDB_DBS_FULL:
		return ENOMEM;
	default:
		return EIO;
	}
}

/*
 * Sets a whole-file fcntl lock of the given type (F_RDLCK, F_WRLCK,
 * F_UNLCK) with cmd F_SETLK or F_SETLKW, restarting after signals.  This
 * is Postfix's myflock(MYFLOCK_STYLE_FCNTL).  Returns 0 or -1 (errno).
 */
static int
lock_file(int fd, short type, int cmd)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;
	while (fcntl(fd, cmd, &fl) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/*
 * Enters a read section: the first reader of the process takes the
 * shared lock, waiting for a writer to finish.  The mutex is held while
 * waiting, which only makes other new readers wait for the same lock.
 */
static int
amap_rdlock(struct amap *m, struct errbuf *e)
{
	struct stat st = { .st_size = 0 };
	int	 rc, serrno = 0;

	if ((rc = pthread_mutex_lock(&m->mu)) != 0) {
		errno = rc;
		return errbuf_set(e, "%s: reader mutex: %s", m->path,
		    strerror(rc));
	}
	if (m->nreaders == 0 && lock_file(m->fd, F_RDLCK, F_SETLKW) == -1) {
		serrno = errno;
		errbuf_set(e, "%s: shared lock: %s", m->path,
		    strerror(serrno));
		goto fail;
	}
	/*
	 * An LMDB file never shrinks: shorter than its data is a file
	 * truncated in place, whose missing pages would raise SIGBUS.
	 */
	if (m->nreaders == 0 && (fstat(m->fd, &st) == -1 ||
	    st.st_size < m->minsize)) {
		serrno = EIO;
		errbuf_set(e, "%s: shorter than its data (%jd of %jd bytes): "
		    "truncated in place", m->path, (intmax_t)st.st_size,
		    (intmax_t)m->minsize);
		lock_file(m->fd, F_UNLCK, F_SETLK);
		goto fail;
	}
	m->nreaders++;
	pthread_mutex_unlock(&m->mu);
	return 0;
fail:
	pthread_mutex_unlock(&m->mu);
	errno = serrno;
	return -1;
}

/* Leaves a read section; the last reader drops the shared lock. */
static int
amap_rdunlock(struct amap *m, struct errbuf *e)
{
	int	 rc, ret = 0;

	if ((rc = pthread_mutex_lock(&m->mu)) != 0) {
		errno = rc;
		return errbuf_set(e, "%s: reader mutex: %s", m->path,
		    strerror(rc));
	}
	if (--m->nreaders == 0 && lock_file(m->fd, F_UNLCK, F_SETLK) == -1)
		ret = errbuf_set(e, "%s: unlock: %s", m->path,
		    strerror(errno));
	pthread_mutex_unlock(&m->mu);
	return ret;
}

/*
 * A stored key or value is a C string with its NUL: nonempty, one NUL,
 * at the end.  Anything else was not written by us or postmap, and
 * handing it out as a string would cut it short or overrun.
 */
static int
entry_ok(const MDB_val *v)
{
	return v->mv_size > 0 &&
	    memchr(v->mv_data, '\0', v->mv_size) ==
	    (const char *)v->mv_data + v->mv_size - 1;
}

int
amap_open(const char *path, struct amap **mp, struct errbuf *e)
{
	struct amap *m = NULL;
	MDB_txn	*txn = NULL;
	MDB_envinfo info;
	MDB_stat ms;
	struct stat st;
	int	 rc, serrno = 0, locked = 0, mutex = 0;

	*mp = NULL;
	sigbus_install();
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->path = strdup(path)) == NULL) {
		serrno = errno;
		errbuf_set(e, "%s: out of memory", path);
		goto fail;
	}
	m->fd = -1;
	if ((rc = pthread_mutex_init(&m->mu, NULL)) != 0) {
		serrno = rc;
		errbuf_set(e, "%s: reader mutex: %s", path, strerror(rc));
		goto fail;
	}
	mutex = 1;
	/*
	 * A zero-length file would pass mdb_env_open()'s header read as
	 * "new" and fail later with an odd error; say what it is.
	 */
	if (stat(path, &st) == -1) {
		serrno = errno;
		errbuf_set(e, "%s: %s", path, strerror(serrno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		serrno = EINVAL;
		errbuf_set(e, "%s: not an LMDB file (%s)", path,
		    S_ISREG(st.st_mode) ? "empty" : "not a regular file");
		goto fail;
	}
	/*
	 * No mapsize: LMDB then maps what the file's meta page records,
	 * at least the file's used size.  MDB_NOTLS lets any thread use
	 * a read transaction; with MDB_NOLOCK there are no reader slots.
	 */
	if ((rc = mdb_env_create(&m->env)) != 0 ||
	    (rc = mdb_env_open(m->env, path,
	    MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY | MDB_NOTLS, 0644)) != 0 ||
	    (rc = mdb_env_get_fd(m->env, &m->fd)) != 0) {
		serrno = amap_errno(rc);
		errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	if (fstat(m->fd, &st) == -1) {
		serrno = errno;
		errbuf_set(e, "%s: fstat: %s", path, strerror(serrno));
		goto fail;
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	/* Fails (ENOSYS) only in an LMDB built without assertions. */
	(void)mdb_env_set_assert(m->env, on_assert);

	/* The main DB's handle stays valid after its transaction ends. */
	if (amap_rdlock(m, e) == -1) {
		serrno = errno;
		goto fail;
	}
	locked = 1;
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &m->dbi)) != 0 ||
	    (rc = mdb_env_info(m->env, &info)) != 0 ||
	    (rc = mdb_env_stat(m->env, &ms)) != 0) {
		serrno = amap_errno(rc);
		errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
		goto fail;
	}
	m->minsize = (off_t)(info.me_last_pgno + 1) * (off_t)ms.ms_psize;
	/*
	 * Every page the meta page says is in use must be in the file:
	 * LMDB reads pages through its map, and a missing one (a file cut
	 * short by a full disk or a partial copy) is SIGBUS, not an error.
	 */
	if (m->minsize > st.st_size) {
		serrno = EINVAL;
		errbuf_set(e, "%s: truncated: %jd bytes, but %ju pages of %u "
		    "bytes are in use", path, (intmax_t)st.st_size,
		    (uintmax_t)info.me_last_pgno + 1, ms.ms_psize);
		goto fail;
	}
	mdb_txn_abort(txn);
	txn = NULL;
	locked = 0;
	if (amap_rdunlock(m, e) == -1) {
		serrno = errno;
		goto fail;
	}
	*mp = m;
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (locked)
		amap_rdunlock(m, NULL);
	if (m != NULL) {
		if (m->env != NULL)
			mdb_env_close(m->env);
		if (mutex)
			pthread_mutex_destroy(&m->mu);
		free(m->path);
		free(m);
	}
	errno = serrno;
	return -1;
}

int
amap_get(struct amap *m, const char *key, char *val, size_t valsize,
    struct errbuf *e)
{
	MDB_txn	*t, *volatile txn = NULL;
	MDB_val	 k, v;
	sigjmp_buf jb;
	volatile int ret = -1, serrno = 0;
	int	 rc;

	/*
	 * MDB_val is not const-correct; LMDB never writes through a key.
	 * A key longer than LMDB allows cannot be in the map.
	 */
	k.mv_size = strlen(key) + 1;
	k.mv_data = (void *)(uintptr_t)key;
	if (k.mv_size > (size_t)mdb_env_get_maxkeysize(m->env))
		return 0;
	if (amap_rdlock(m, e) == -1)
		return -1;
	if (sigsetjmp(jb, 0) != 0) {
		/* Set again here: txn, ret and serrno are volatile. */
		ret = -1;
		serrno = EIO;
		errbuf_set(e, "%s: SIGBUS reading it: the file was truncated "
		    "in place", m->path);
		goto fail;
	}
	sigbus_jump = &jb;
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &t)) != 0) {
		serrno = amap_errno(rc);
		errbuf_set(e, "%s: %s", m->path, mdb_strerror(rc));
		goto fail;
	}
	txn = t;
	rc = mdb_get(txn, m->dbi, &k, &v);
	if (rc == MDB_NOTFOUND) {
		ret = 0;
		goto fail;
	}
	if (rc != 0) {
		serrno = amap_errno(rc);
		errbuf_set(e, "%s: lookup of \"%.200s\": %s", m->path, key,
		    mdb_strerror(rc));
		goto fail;
	}
	/* v points into the map, valid only until the txn ends: copy now. */
	if (!entry_ok(&v)) {
		serrno = EINVAL;
		errbuf_set(e, "%s: value of \"%.200s\" is not one NUL-terminated "
		    "string", m->path, key);
		goto fail;
	}
	if (v.mv_size > valsize) {
		serrno = EOVERFLOW;
		errbuf_set(e, "%s: value of \"%.200s\" is too long (%zu bytes, "
		    "room for %zu)", m->path, key, v.mv_size, valsize);
		goto fail;
	}
	memcpy(val, v.mv_data, v.mv_size);
	ret = 1;
fail:
	sigbus_jump = NULL;
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (amap_rdunlock(m, ret == -1 ? NULL : e) == -1)
		ret = -1;
	else if (ret == -1 && serrno != 0)
		errno = serrno;
	return ret;
}

int
amap_read_begin(struct amap *m, struct errbuf *e)
{
	return amap_rdlock(m, e);
}

int
amap_read_end(struct amap *m, struct errbuf *e)
{
	return amap_rdunlock(m, e);
}

void
amap_ident(const struct amap *m, dev_t *dev, ino_t *ino)
{
	*dev = m->dev;
	*ino = m->ino;
}

int
amap_walk(struct amap *m, int (*fn)(void *arg, const char *key,
    const char *val), void *arg, struct errbuf *e)
{
	MDB_txn	*t, *volatile txn = NULL;
	MDB_cursor *c, *volatile cur = NULL;
	MDB_val	 k, v;
	MDB_stat st;
	MDB_cursor_op op;
	sigjmp_buf jb;
	volatile size_t n = 0;
	volatile int ret = -1, serrno = 0;
	int	 rc;

	if (amap_rdlock(m, e) == -1)
		return -1;
	/*
	 * A damaged page can raise SIGBUS (a file truncated in place) or
	 * fail one of LMDB's assertions: either ends the walk as an error.
	 */
	if (sigsetjmp(jb, 0) != 0) {
		ret = -1;
		serrno = EINVAL;
		errbuf_set(e, "%s: damaged (LMDB stopped reading it)", m->path);
		goto fail;
	}
	sigbus_jump = &jb;
	assert_jump = &jb;
	if ((rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &t)) != 0) {
		serrno = amap_errno(rc);
		errbuf_set(e, "%s: %s", m->path, mdb_strerror(rc));
		goto fail;
	}
	txn = t;
	if ((rc = mdb_stat(txn, m->dbi, &st)) != 0 ||
	    (rc = mdb_cursor_open(txn, m->dbi, &c)) != 0) {
		serrno = amap_errno(rc);
		errbuf_set(e, "%s: %s", m->path, mdb_strerror(rc));
		goto fail;
	}
	cur = c;
	for (op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
	    op = MDB_NEXT) {
		if (!entry_ok(&k) || !entry_ok(&v)) {
			serrno = EINVAL;
			errbuf_set(e, "%s: an entry is not a pair of "
			    "NUL-terminated strings (not a Postfix lmdb: map?)",
			    m->path);
			goto fail;
		}
		n++;
		if ((ret = fn(arg, k.mv_data, v.mv_data)) != 0)
			goto fail;
	}
	if (rc != MDB_NOTFOUND) {
		serrno = amap_errno(rc);
		errbuf_set(e, "%s: %s", m->path, mdb_strerror(rc));
		ret = -1;
		goto fail;
	}
	/* A damaged branch page can hide leaves without an error. */
	if (n != st.ms_entries) {
		serrno = EINVAL;
		errbuf_set(e, "%s: damaged: %zu entries read, %zu recorded",
		    m->path, (size_t)n, (size_t)st.ms_entries);
		ret = -1;
		goto fail;
	}
	ret = 0;
fail:
	sigbus_jump = NULL;
	assert_jump = NULL;
	/* A read-only transaction's cursor must be closed explicitly. */
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (amap_rdunlock(m, ret == -1 ? NULL : e) == -1)
		ret = -1;
	else if (ret == -1 && serrno != 0)
		errno = serrno;
	return ret;
}

void
amap_close(struct amap *m)
{
	if (m == NULL)
		return;
	/* Closing the descriptor also drops any lock we still hold. */
	mdb_env_close(m->env);
	pthread_mutex_destroy(&m->mu);
	free(m->path);
	free(m);
}

/*
 * Returns the smallest 16 MiB * 2^k that is at least need, or 0 when
 * there is none in a size_t.
 */
static size_t
mapsize_for(size_t need)
{
	size_t	 size = AMAP_MAPSIZE_MIN;

	while (size < need) {
		if (size > SIZE_MAX / 2)
			return 0;
		size *= 2;
	}
	return size;
}

/*
 * Page bytes one pair may take: the node (header, key, value, each
 * string with its NUL) and its index slot, or, for a pair too big to
 * share a page, its own overflow pages plus the node on the leaf.
 */
static size_t
out_cost(const struct amap_out *o, size_t klen, size_t vlen)
{
	size_t	 node = klen + 1 + vlen + 1 + AMAP_NODE_OVERHEAD;

	if (node <= o->nodemax)
		return node;
	return (vlen + 1 + AMAP_NODE_OVERHEAD + o->psize - 1) / o->psize *
	    o->psize + klen + 1 + AMAP_NODE_OVERHEAD;
}

/*
 * A pessimistic file size once pending more bytes of pairs are added to
 * what was committed.  Leaf pages may be only half full after splits,
 * hence 2 * pending.  Appends copy only the rightmost path of the tree
 * per transaction; unsorted puts may copy every committed page once
 * (copy-on-write; the old copies become reusable after the commit),
 * hence 2 * used.
 */
static size_t
out_need(const struct amap_out *o, size_t pending)
{
	size_t	 base = o->used;

	if ((o->flags & (AMAP_OUT_SORTED | AMAP_OUT_EDIT)) == 0)
		base *= 2;
	return base + 2 * pending + AMAP_MAPSIZE_SLACK;
}

/*
 * Makes room for a pair of the given cost in the open transaction:
 * commits a sorted chunk when it is full, and doubles the map size
 * (which LMDB allows only between transactions) when the pessimistic
 * estimate would not fit.  MDB_MAP_FULL is then not expected at all.
 */
static int
out_reserve(struct amap_out *o, size_t cost, struct errbuf *e)
{
	size_t	 size;
	int	 rc;

	if (((o->flags & AMAP_OUT_SORTED) == 0 ||
	    (o->chunkputs < AMAP_CHUNK_PUTS &&
	    o->chunkbytes + cost <= AMAP_CHUNK_BYTES)) &&
	    out_need(o, o->chunkbytes + cost) <= o->mapsize)
		return 0;
	if (out_chunk_commit(o, e) == -1)
		return -1;
	if ((size = mapsize_for(out_need(o, cost))) == 0) {
		errno = EFBIG;
		return errbuf_set(e, "%s: map too large", o->path);
	}
	if (size > o->mapsize) {
		if ((rc = mdb_env_set_mapsize(o->env, size)) != 0) {
			errno = amap_errno(rc);
			return errbuf_set(e, "%s: map size %zu: %s", o->tmppath,
			    size, mdb_strerror(rc));
		}
		o->mapsize = size;
	}
	if ((rc = mdb_txn_begin(o->env, NULL, 0, &o->txn)) != 0) {
		errno = amap_errno(rc);
		return errbuf_set(e, "%s: %s", o->tmppath, mdb_strerror(rc));
	}
	return 0;
}

/*
 * Commits the open transaction (nothing is synced: MDB_NOSYNC) and
 * records how much of the file is in use.
 */
static int
out_chunk_commit(struct amap_out *o, struct errbuf *e)
{
	MDB_envinfo info;
	struct statvfs sv;
	int	 rc;

	rc = mdb_txn_commit(o->txn);
	o->txn = NULL;
	if (rc != 0) {
		errno = amap_errno(rc);
		/*
		 * LMDB reports a short write(2) as EIO; on a full file
		 * system that is what a write does.  Say so.
		 */
		if (rc == EIO && fstatvfs(o->fd, &sv) == 0 &&
		    (uintmax_t)sv.f_bavail * sv.f_frsize < 1024 * 1024) {
			errno = ENOSPC;
			return errbuf_set(e, "%s: commit: %s", o->tmppath,
			    strerror(ENOSPC));
		}
		if (rc == MDB_MAP_FULL)
			return errbuf_set(e, "%s: map full at %zu bytes "
			    "(size estimate too small)", o->tmppath,
			    o->mapsize);
		return errbuf_set(e, "%s: commit: %s", o->tmppath,
		    mdb_strerror(rc));
	}
	if ((rc = mdb_env_info(o->env, &info)) != 0) {
		errno = amap_errno(rc);
		return errbuf_set(e, "%s: %s", o->tmppath, mdb_strerror(rc));
	}
	o->used = (info.me_last_pgno + 1) * o->psize;
	o->chunkputs = 0;
	o->chunkbytes = 0;
	return 0;
}

/*
 * Gives the temp file the mode and owner the map will have: those of
 * the file it replaces, without group or other write, or 0644 for a new
 * map (whatever the umask).  Done before any data is written, so that a
 * failure costs nothing.  A user who may not give the file away (not
 * root) keeps it; Postfix reads a 0644 map whoever owns it.
 */
static int
out_target_mode(struct amap_out *o, struct errbuf *e)
{
	struct stat st;
	mode_t	 mode = 0644;

	if (lstat(o->path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			return errbuf_set(e, "%s: exists and is not a regular "
			    "file; not replacing it", o->path);
		}
		mode = st.st_mode & 0777 & ~(mode_t)(S_IWGRP | S_IWOTH);
		if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		    fchown(o->fd, st.st_uid, st.st_gid) == -1 &&
		    (errno != EPERM || geteuid() == 0))
			return errbuf_set(e, "%s: chown: %s", o->tmppath,
			    strerror(errno));
	} else if (errno != ENOENT)
		return errbuf_set(e, "%s: %s", o->path, strerror(errno));
	if (fchmod(o->fd, mode) == -1)
		return errbuf_set(e, "%s: chmod: %s", o->tmppath,
		    strerror(errno));
	return 0;
}

/*
 * Ends an unfinished build: drops the transaction, closes the
 * environment and removes the temp file.  The old map is never touched.
 * Safe to call more than once.
 */
static void
out_discard(struct amap_out *o)
{
	int	 serrno = errno;

	if (o->txn != NULL)
		mdb_txn_abort(o->txn);
	o->txn = NULL;
	if (o->env != NULL)
		mdb_env_close(o->env);
	o->env = NULL;
	if (o->tmppath != NULL) {
		unlink(o->tmppath);
		free(o->tmppath);
		o->tmppath = NULL;
	}
	if (o->fd != -1)
		close(o->fd);
	o->fd = -1;
	if (o->dirfd != -1)
		close(o->dirfd);
	o->dirfd = -1;
	errno = serrno;
}

/*
 * The first half of a new build: the handle, its directory and its
 * empty temp file with the target's mode and owner.  Returns 0 with *op,
 * or -1 with the reason in e.
 */
static int
out_create(const char *path, unsigned flags, struct amap_out **op,
    struct errbuf *e)
{
	struct amap_out *o = NULL;
	struct stat st;
	const char *slash;
	char	*dir = NULL;
	size_t	 len;

	*op = NULL;
	len = strlen(path);
	if (len == 0 || path[len - 1] == '/') {
		errno = EISDIR;
		return errbuf_set(e, "\"%s\": not a file name", path);
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return errbuf_set(e, "%s: out of memory", path);
	o->fd = o->dirfd = -1;
	o->flags = flags;
	if ((o->path = strdup(path)) == NULL ||
	    (o->tmppath = malloc(len + sizeof(AMAP_TEMP_TAG "XXXXXX"))) ==
	    NULL) {
		errbuf_set(e, "%s: out of memory", path);
		goto fail;
	}
	/*
	 * The directory is opened first so that after the rename the only
	 * thing left that can fail is its fsync.
	 */
	if ((slash = strrchr(path, '/')) == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL) {
		errbuf_set(e, "%s: out of memory", path);
		goto fail;
	}
	if ((o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		errbuf_set(e, "%s: cannot open directory: %s", dir,
		    strerror(errno));
		goto fail;
	}
	memcpy(o->tmppath, path, len);
	memcpy(o->tmppath + len, AMAP_TEMP_TAG "XXXXXX",
	    sizeof(AMAP_TEMP_TAG "XXXXXX"));
	if ((o->fd = mkostemp(o->tmppath, O_CLOEXEC)) == -1) {
		errbuf_set(e, "%s: cannot create a temporary file in %s: %s",
		    path, dir, strerror(errno));
		free(o->tmppath);
		o->tmppath = NULL;	/* nothing to unlink */
		goto fail;
	}
	if (fstat(o->fd, &st) == -1) {
		errbuf_set(e, "%s: fstat: %s", o->tmppath, strerror(errno));
		goto fail;
	}
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	if (out_target_mode(o, e) == -1)
		goto fail;
	free(dir);
	*op = o;
	return 0;
fail:
	free(dir);
	amap_out_free(o);
	return -1;
}

/*
 * The second half: opens the temp file as an LMDB environment sized for
 * need bytes (empty: a new one; else the copy made by amap_out_copy())
 * and begins the first write transaction.  Returns 0, or -1 with the
 * reason in e (the caller frees o).
 */
static int
out_open_env(struct amap_out *o, size_t need, struct errbuf *e)
{
	struct stat st;
	MDB_stat ms;
	int	 rc, envfd;

	if ((o->mapsize = mapsize_for(need)) == 0) {
		errno = EFBIG;
		return errbuf_set(e, "%s: map too large", o->path);
	}

	/* mdb_env_open() opens the file again by name. */
	if ((rc = mdb_env_create(&o->env)) != 0 ||
	    (rc = mdb_env_set_mapsize(o->env, o->mapsize)) != 0 ||
	    (rc = mdb_env_open(o->env, o->tmppath,
	    MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC, 0644)) != 0 ||
	    (rc = mdb_env_stat(o->env, &ms)) != 0 ||
	    (rc = mdb_txn_begin(o->env, NULL, 0, &o->txn)) != 0 ||
	    (rc = mdb_dbi_open(o->txn, NULL, 0, &o->dbi)) != 0) {
		errno = amap_errno(rc);
		return errbuf_set(e, "%s: %s", o->tmppath, mdb_strerror(rc));
	}
	/* LMDB must have opened the file mkstemp made, not a substitute. */
	if ((rc = mdb_env_get_fd(o->env, &envfd)) != 0 ||
	    fstat(envfd, &st) == -1 || st.st_dev != o->dev ||
	    st.st_ino != o->ino) {
		errno = EEXIST;
		return errbuf_set(e, "%s: temporary file was replaced while "
		    "opening it", o->tmppath);
	}
	o->psize = ms.ms_psize;
	/* LMDB moves a node bigger than about half a page to overflow pages. */
	o->nodemax = o->psize / 2 - 32;
	return 0;
}

int
amap_out_new(const char *path, size_t size_hint, unsigned flags,
    struct amap_out **op, struct errbuf *e)
{
	struct amap_out *o;
	size_t	 need;

	if (out_create(path, flags & AMAP_OUT_SORTED, &o, e) == -1)
		return -1;
	/*
	 * The sizing rule: pairs cost their bytes plus node overhead,
	 * taken as half the pair bytes (pairs of 32 bytes or more), and
	 * leaf pages may be only half full: 3 * size_hint.  out_reserve()
	 * doubles the size later if the hint was too small.
	 */
	need = size_hint > (SIZE_MAX - AMAP_MAPSIZE_SLACK) / 3 ? SIZE_MAX :
	    3 * size_hint + AMAP_MAPSIZE_SLACK;
	/* mkstemp made the file empty, which LMDB takes as a new one. */
	if (out_open_env(o, need, e) == -1)
		goto fail;
	*op = o;
	return 0;
fail:
	amap_out_free(o);
	return -1;
}

int
amap_out_copy(const char *path, struct amap_out **op, struct errbuf *e)
{
	struct amap_out *o;
	struct stat st;
	ssize_t	 n;
	off_t	 size = 0;
	int	 fd = -1;

	if (out_create(path, AMAP_OUT_EDIT, &o, e) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		errbuf_set(e, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* The kernel copies; a reader's shared lock would not matter. */
	while (size < st.st_size) {
		n = copy_file_range(fd, NULL, o->fd, NULL,
		    (size_t)(st.st_size - size), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			errbuf_set(e, "copying %s to %s: %s", path, o->tmppath,
			    n == 0 ? "file shrank" : strerror(errno));
			goto fail;
		}
		size += n;
	}
	close(fd);
	fd = -1;
	o->used = (size_t)size;
	if (out_open_env(o, out_need(o, 0), e) == -1)
		goto fail;
	*op = o;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	amap_out_free(o);
	return -1;
}

int
amap_out_put(struct amap_out *o, const char *key, const char *val,
    struct errbuf *e)
{
	MDB_val	 k, v;
	size_t	 klen, vlen;
	int	 rc;

	if (o->env == NULL || o->txn == NULL) {
		errno = EINVAL;
		return errbuf_set(e, "%s: map build already ended", o->path);
	}
	klen = strlen(key);
	vlen = strlen(val);
	if (klen == 0) {
		errno = EINVAL;
		errbuf_set(e, "%s: empty key", o->path);
		goto fail;
	}
	if (klen + 1 > (size_t)mdb_env_get_maxkeysize(o->env)) {
		errno = EINVAL;
		errbuf_set(e, "%s: key \"%.200s...\" is too long (%zu bytes, "
		    "at most %d)", o->path, key, klen,
		    mdb_env_get_maxkeysize(o->env) - 1);
		goto fail;
	}
	/* Our readers could not return an empty or over-long value. */
	if (vlen == 0 || vlen + 1 > AMAP_VALUE_MAX) {
		errno = EINVAL;
		errbuf_set(e, "%s: value of \"%.200s\" is %s", o->path, key,
		    vlen == 0 ? "empty" : "too long");
		goto fail;
	}
	if (out_reserve(o, out_cost(o, klen, vlen), e) == -1)
		goto fail;
	/* MDB_val is not const-correct; LMDB copies and never writes. */
	k.mv_size = klen + 1;
	k.mv_data = (void *)(uintptr_t)key;
	v.mv_size = vlen + 1;
	v.mv_data = (void *)(uintptr_t)val;
	rc = mdb_put(o->txn, o->dbi, &k, &v, (o->flags & AMAP_OUT_SORTED) ?
	    MDB_APPEND : (o->flags & AMAP_OUT_EDIT) ? 0 : MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST) {
		errno = EINVAL;
		if (o->flags & AMAP_OUT_SORTED)
			errbuf_set(e, "%s: key \"%.200s\" is out of order or a "
			    "duplicate (keys must come in strictly increasing "
			    "byte order)", o->path, key);
		else
			errbuf_set(e, "%s: duplicate key \"%.200s\"", o->path,
			    key);
		goto fail;
	}
	if (rc == MDB_MAP_FULL) {
		errno = ENOSPC;
		errbuf_set(e, "%s: map full at %zu bytes (size estimate too "
		    "small)", o->tmppath, o->mapsize);
		goto fail;
	}
	if (rc != 0) {
		errno = amap_errno(rc);
		errbuf_set(e, "%s: adding \"%.200s\": %s", o->tmppath, key,
		    mdb_strerror(rc));
		goto fail;
	}
	o->chunkputs++;
	o->chunkbytes += out_cost(o, klen, vlen);
	return 0;
fail:
	/* A half-built map is never published: one failed put ends it. */
	out_discard(o);
	return -1;
}

int
amap_out_del(struct amap_out *o, const char *key, struct errbuf *e)
{
	MDB_val	 k;
	int	 rc;

	if (o->env == NULL || o->txn == NULL) {
		errno = EINVAL;
		return errbuf_set(e, "%s: map build already ended", o->path);
	}
	/* A delete copies a path of the tree, like a put of nothing. */
	if (out_reserve(o, out_cost(o, 0, 0), e) == -1)
		goto fail;
	k.mv_size = strlen(key) + 1;
	k.mv_data = (void *)(uintptr_t)key;
	if ((rc = mdb_del(o->txn, o->dbi, &k, NULL)) != 0 &&
	    rc != MDB_NOTFOUND) {
		errno = amap_errno(rc);
		errbuf_set(e, "%s: deleting \"%.200s\": %s", o->tmppath, key,
		    mdb_strerror(rc));
		goto fail;
	}
	return 0;
fail:
	out_discard(o);
	return -1;
}

void
amap_out_ident(const struct amap_out *o, dev_t *dev, ino_t *ino)
{
	*dev = o->dev;
	*ino = o->ino;
}

int
amap_out_finish(struct amap_out *o, struct errbuf *e)
{
	if (o->finished)
		return 0;
	if (o->env == NULL || o->txn == NULL) {
		errno = EINVAL;
		return errbuf_set(e, "%s: map build already ended", o->path);
	}
	if (out_chunk_commit(o, e) == -1)
		goto fail;
	mdb_env_close(o->env);
	o->env = NULL;
	/*
	 * One fsync(2) for everything: LMDB wrote the pages with
	 * MDB_NOSYNC, and its own mdb_env_sync() is an fdatasync(2),
	 * which need not flush the mode and owner set earlier.
	 */
	if (fsync(o->fd) == -1) {
		errbuf_set(e, "%s: fsync: %s", o->tmppath, strerror(errno));
		goto fail;
	}
	o->finished = 1;
	return 0;
fail:
	out_discard(o);
	return -1;
}

int
amap_out_commit(struct amap_out *o, struct errbuf *e)
{
	int	 rc = 0;

	if (!o->finished && amap_out_finish(o, e) == -1)
		return -1;
	if (o->tmppath == NULL) {
		errno = EINVAL;
		return errbuf_set(e, "%s: map build already ended", o->path);
	}
	if (rename(o->tmppath, o->path) == -1) {
		errbuf_set(e, "cannot rename %s to %s: %s", o->tmppath,
		    o->path, strerror(errno));
		goto fail;
	}
	free(o->tmppath);
	o->tmppath = NULL;
	/*
	 * The new map is in place and readers see it; only the rename's
	 * durability is in question if this fails.
	 */
	if (fsync(o->dirfd) == -1) {
		errbuf_set(e, "%s: replaced, but fsync of its directory "
		    "failed: %s", o->path, strerror(errno));
		rc = 1;
	}
	out_discard(o);
	return rc;
fail:
	out_discard(o);
	return -1;
}

void
amap_out_free(struct amap_out *o)
{
	if (o == NULL)
		return;
	out_discard(o);
	free(o->path);
	free(o);
}

/*
 * An fcntl lock, like the map's: it keeps out other processes only (a
 * second call in the same process succeeds), is not inherited across
 * fork(2), and goes away when the process closes any descriptor of the
 * lock file, so callers open the lock file nowhere else.
 */
int
amap_writer_lock(const char *lockpath, int timeout_ms, struct errbuf *e)
{
	struct timespec start, now, nap;
	long	 waited, left;
	int	 fd, serrno;

	if ((fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return errbuf_set(e, "%s: %s", lockpath, strerror(errno));
	if (clock_gettime(CLOCK_MONOTONIC, &start) == -1) {
		errbuf_set(e, "clock_gettime: %s", strerror(errno));
		goto fail;
	}
	for (;;) {
		if (lock_file(fd, F_WRLCK, F_SETLK) == 0)
			return fd;
		if (errno != EAGAIN && errno != EACCES) {
			errbuf_set(e, "%s: lock: %s", lockpath,
			    strerror(errno));
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (long)(now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if ((left = timeout_ms - waited) <= 0) {
			errno = EAGAIN;
			errbuf_set(e, "%s: map is being written by another "
			    "process (lock busy for %d ms)", lockpath,
			    timeout_ms > 0 ? timeout_ms : 0);
			goto fail;
		}
		if (left > AMAP_LOCK_NAP_MS)
			left = AMAP_LOCK_NAP_MS;
		nap.tv_sec = 0;
		nap.tv_nsec = left * 1000000;
		nanosleep(&nap, NULL);
	}
fail:
	serrno = errno;
	close(fd);
	errno = serrno;
	return -1;
}
