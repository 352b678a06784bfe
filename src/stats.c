/*
 * stats.c: the hit counters of stats.h: counting in memory, the flush,
 * and the file under the daemon's feet.  One of the stats family
 * (stats_priv.h), the only files that include lmdb.h for the stats
 * file.
 *
 * Counting.  stats_hit() runs in the milter's callback threads, once per
 * recipient, so it must never wait for the disk: it only adds to an
 * in-memory hash table under a mutex.  stats_flush() swaps the table out
 * under that mutex and writes the swapped-out copy in one LMDB write
 * transaction without holding it.  A failed write merges the counts back
 * into the live table, so they are tried again by the next flush.
 *
 * The table is open addressing with linear probing over pointers to
 * entries that carry their key inline (one malloc per distinct key per
 * flush interval).  Keys are attacker-chosen (every address a spammer
 * guesses), so the hash is SipHash-2-4 with a random key per handle:
 * with a predictable hash, a few thousand colliding addresses would turn
 * every stats_hit() into a long probe while holding the mutex.
 *
 * Bounds.  The aliases table is bounded by the map (only known aliases
 * are counted in it).  The unknown table is not: one spam run can guess
 * a million addresses.  So a flush interval holds at most
 * STATS_UNKNOWN_MAX distinct unknown keys; the hits of any further new
 * key are counted under the single key STATS_OTHER, "(other)", which no
 * address can be (it has no '@').  The file is bounded the same way: once
 * its unknown table holds STATS_UNKNOWN_FILE_MAX keys, hits of keys not
 * yet in it are added to "(other)" there.  Empty keys and keys longer
 * than STATS_KEY_MAX (longer than any address, and LMDB refuses keys over
 * 511 bytes, which would fail every later flush) go to "(other)" too.
 * A hit that cannot be counted for lack of memory is dropped: counters
 * are evidence for the owner, never worth failing a verdict for.
 *
 * Sender evidence (stats_hit_from()) and its bounds: see
 * stats_senders.c.  Per-day history: see stats_days.c.
 *
 * The file.  LMDB with its own lock file (path-lock), MDB_NOSUBDIR, five
 * named databases of counts (stats.h) and "meta".  Keys are the address bytes
 * without a NUL (this is not a Postfix map).  Values are fixed-size
 * records, encoded byte by byte, so the file does not depend on the
 * compiler's struct layout or the machine's byte order: stats_rec.h
 * has their layouts.  An "aliases" record of version 1 (from before
 * sender locks) or 2 (from before expired hits were told from revoked
 * ones) is read with the missing counts 0; the flusher writes every
 * record it touches in the current version, so a file is upgraded
 * lazily and loses nothing.  Readers from before version 3 refuse a
 * version 3 record (aliasctl stats then says which).  A file from
 * before sender evidence or the per-day history lacks those tables:
 * its readers see no rows there, and the flusher creates the tables
 * when it opens the file.
 *
 * The "meta" table holds one key, "daemon": the writer's heartbeat.
 * It is rewritten with every flush, and the flusher writes it alone
 * when nothing was counted for STATS_HEARTBEAT seconds, so that a
 * reader (aliasctl doctor) can tell a running daemon from a file
 * nobody writes.  A file without it (from before 0.2) gets it at the
 * first flush.
 *
 * Times are seconds since the epoch.  A record of another size or
 * version is refused by the reader; the writer, the only one, replaces
 * it rather than block every later flush on it.
 *
 * Commits are durable (no MDB_NOSYNC): a crash loses at most the counts
 * of the current interval, never the file.  The map starts at
 * STATS_MAPSIZE_MIN (or what the file records, if larger) and doubles on
 * MDB_MAP_FULL, with one retry per flush.
 *
 * The file under the daemon's feet.  The daemon opened the file once,
 * but an administrator may remove it (to reset the counters), replace it
 * (restore a backup, or a broken copy) or change it in place (truncate
 * it, write into it).  Writing on regardless would send the counts to a
 * file nobody can read any more (a removed or replaced one), and LMDB
 * reads its pages through a memory map, so a file truncated in place
 * kills the process with SIGBUS at the next transaction.  So after
 * every commit the flusher notes the file's identity, size and
 * modification time (only this process writes the data file: LMDB
 * readers never do) and the bytes its pages in use need, and every
 * stats_flush() first compares them with stat(2) of the path, before
 * LMDB touches the map:
 *   - removed: a new file is created (within a second, even with
 *     nothing to write), so that aliasctl stats shows what comes next;
 *   - replaced, truncated or changed: the handle is closed without
 *     reading the file and the file is opened again; if that fails
 *     because it is not a stats file (not LMDB, another version, a
 *     database we do not know, or pages missing, see env_check()), it
 *     is renamed to PATH.corrupt (the evidence is kept; an older one is
 *     replaced) and a new file is created.  Only the time changed
 *     (touch(1)): opened again and kept.
 * Each case is logged.  Counts not yet written are kept for the new file
 * (a failed reopen keeps them in memory, as any failed flush does).
 * LMDB's lock file is removed before each reopen: its header names the
 * last transaction of the file it was made for, and a writer that opens
 * another file with it would pick the wrong meta page.  A reader
 * (aliasctl stats) that runs at that very moment may read one
 * inconsistent snapshot; it never writes.  What is not defended: a
 * file written into (not cut short) right between our commit and our
 * fstat(2), and garbage written into the middle of a file that keeps
 * its size and valid meta pages (LMDB has no checksums; a corrupt page
 * may crash LMDB).  At startup stats_open() refuses a file that is not
 * a usable stats file (a wrong -S must never rename someone's file
 * away).
 *
 * LMDB rules that bind the callers: an environment must not be used
 * across fork(2), so the daemon opens the file after it has forked; and
 * a process must not open the same file twice (its fcntl locks on the
 * lock file belong to the process, and closing the second handle drops
 * the first one's), so the daemon never calls stats_read() on its own
 * file.
 *
 * Privacy.  The file now says who writes to whom: it is created 0640
 * (STATS_MODE), in the daemon's own directory (0750), readable by root
 * and the daemon's group only, like the hits.
 *
 * Size.  About 1,000 lines: the table and the file's checks both serve
 * the one flush; the codecs, reading, the days and the sender evidence
 * are the family's other files.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "amap.h"
#include "log.h"
#include "stats.h"
#include "stats_priv.h"
#include "stats_rec.h"
#include "util.h"

const char *const stats_tab_name[TAB_FILE] = { "aliases", "unknown",
	"senders", "days", "unknown_days" };
const char stats_meta_name[] = "meta";

static void	 sipround(uint64_t *);
static uint64_t	 siphash(const uint64_t *, const char *, size_t);
static int	 put_meta(struct stats *, MDB_txn *, struct errbuf *);
static uint64_t	 key_hash(const struct stats *, const char *, size_t,
		    int32_t);
static size_t	 tab_slot(const struct tab *, const char *, size_t,
		    int32_t, uint64_t);
static int	 tab_grow(struct tab *);
static size_t	 tab_max(int);
static size_t	 other_key(int, const char *, size_t, char *);
static struct ent *tab_get(const struct stats *, struct tab *, int,
		    const char *, size_t, int32_t);
static void	 tab_take(const struct stats *, struct tab *, struct tab *,
		    int);
static void	 tab_free(struct tab *);
static void	 ent_merge(struct ent *, const struct ent *);
static int	 flush_one(struct stats *, MDB_txn *, int, const struct ent *,
		    size_t *, struct days_flush *, struct errbuf *);
static int	 flush_txn(struct stats *, struct tab *, struct errbuf *);
static int	 env_check(MDB_env *, const char *, struct errbuf *);
static int	 env_open(struct stats *, struct errbuf *);
static void	 file_mark(struct stats *);
static const char *file_changed(const struct stats *);
static int	 unusable(int);
static void	 remove_lock(const struct stats *);
static int	 file_reopen(struct stats *, const char *, struct errbuf *);

static void
sipround(uint64_t *v)
{
#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
#undef ROTL
}

/* SipHash-2-4 of len bytes of s under the 128-bit key k. */
static uint64_t
siphash(const uint64_t *k, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t v[4], m, b;
	size_t	 i, end = len & ~(size_t)7;

	v[0] = 0x736f6d6570736575ULL ^ k[0];
	v[1] = 0x646f72616e646f6dULL ^ k[1];
	v[2] = 0x6c7967656e657261ULL ^ k[0];
	v[3] = 0x7465646279746573ULL ^ k[1];
	for (i = 0; i < end; i += 8) {
		m = rec_get_u64(p + i);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	b = (uint64_t)len << 56;
	for (i = 0; i < (len & 7); i++)
		b |= (uint64_t)p[end + i] << (8 * i);
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * Writes our heartbeat (now as the flush time) in txn.  Returns 0 or an
 * LMDB error code with the reason in e.
 */
static int
put_meta(struct stats *s, MDB_txn *txn, struct errbuf *e)
{
	struct stats_meta m;
	unsigned char rec[REC_META_SIZE];
	MDB_val	 k, v;
	int	 rc;

	memset(&m, 0, sizeof(m));
	m.started = s->started;
	m.flushed = (int64_t)time(NULL);
	m.pid = (int64_t)getpid();
	snprintf(m.writer, sizeof(m.writer), "%s", log_progname());
	rec_meta_encode(rec, &m);
	k.mv_data = (void *)(uintptr_t)META_KEY;
	k.mv_size = sizeof(META_KEY) - 1;
	v.mv_data = rec;
	v.mv_size = REC_META_SIZE;
	if ((rc = mdb_put(txn, s->metadbi, &k, &v, 0)) != 0)
		errbuf_set(e, "%s: %s: %s", s->path, stats_meta_name,
		    mdb_strerror(rc));
	return rc;
}

/*
 * Returns the hash of key (len bytes) on day.  The day is not the
 * attacker's to choose: mixing it in after SipHash is enough.
 */
static uint64_t
key_hash(const struct stats *s, const char *key, size_t len, int32_t day)
{
	return siphash(s->sipkey, key, len) ^
	    (uint64_t)(uint32_t)day * 0x9e3779b97f4a7c15ULL;
}

/*
 * Returns the index of the slot of key on day in t (cap > 0), or of the
 * free slot where it belongs.
 */
static size_t
tab_slot(const struct tab *t, const char *key, size_t len, int32_t day,
    uint64_t hash)
{
	const struct ent *e;
	size_t	 i, mask = t->cap - 1;

	for (i = hash & mask; (e = t->slot[i]) != NULL; i = (i + 1) & mask)
		if (e->hash == hash && e->day == day &&
		    strncmp(e->key, key, len) == 0 && e->key[len] == '\0')
			return i;
	return i;
}

/* Doubles t's slot array (keeps the load under 3/4).  Returns 0 or -1. */
static int
tab_grow(struct tab *t)
{
	struct ent **slot, *e;
	size_t	 cap, i, j;

	cap = t->cap ? t->cap * 2 : STATS_TAB_MIN;
	if (cap > SIZE_MAX / sizeof(*slot) ||
	    (slot = calloc(cap, sizeof(*slot))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if ((e = t->slot[i]) == NULL)
			continue;
		for (j = e->hash & (cap - 1); slot[j] != NULL;
		    j = (j + 1) & (cap - 1))
			;
		slot[j] = e;
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

/* The most distinct keys table which holds per flush interval; 0: no bound. */
static size_t
tab_max(int which)
{
	if (which == TAB_UNKNOWN)
		return STATS_UNKNOWN_MAX;
	if (which == TAB_SENDERS)
		return STATS_SENDERS_INTERVAL_MAX;
	return 0;
}

/*
 * Writes into buf (STATS_SENDER_KEY_MAX + 1 bytes) the key that counts
 * what the key of len bytes in table which cannot keep: "(other)", or in
 * the senders table "ALIAS (other)" (its keys are "ALIAS DOMAIN", and
 * no domain holds a blank).  Returns its length.
 */
static size_t
other_key(int which, const char *key, size_t len, char *buf)
{
	const char *sp;
	size_t	 alen = 0;

	if (which == TAB_SENDERS && (sp = memrchr(key, ' ', len)) != NULL)
		alen = (size_t)(sp - key) + 1;
	memcpy(buf, key, alen);
	memcpy(buf + alen, STATS_OTHER, sizeof(STATS_OTHER));
	return alen + sizeof(STATS_OTHER) - 1;
}

/*
 * Returns the entry of key on day in t, table which, inserting a zero
 * one if needed.
 * When t has tab_max(which) entries already, a new key is counted as its
 * other_key() instead.  Returns NULL when out of memory, or for a key
 * of the senders table that is empty or too long (stats_hit_from()
 * never makes one).
 */
static struct ent *
tab_get(const struct stats *s, struct tab *t, int which, const char *key,
    size_t len, int32_t day)
{
	struct ent *e;
	uint64_t hash;
	size_t	 i, max = tab_max(which), olen;
	char	 other[STATS_SENDER_KEY_MAX + 1];

	if (which == TAB_SENDERS && (len == 0 || len > STATS_SENDER_KEY_MAX))
		return NULL;
	if (which != TAB_SENDERS && (len == 0 || len > STATS_KEY_MAX)) {
		key = STATS_OTHER;
		len = sizeof(STATS_OTHER) - 1;
	}
	hash = key_hash(s, key, len, day);
	if (t->cap != 0 &&
	    (e = t->slot[tab_slot(t, key, len, day, hash)]) != NULL)
		return e;
	if (max != 0 && t->len >= max) {
		olen = other_key(which, key, len, other);
		/* The other key itself is never refused: it is the bound. */
		if (olen != len || memcmp(other, key, len) != 0) {
			key = other;
			len = olen;
			hash = key_hash(s, key, len, day);
			if ((e = t->slot[tab_slot(t, key, len, day, hash)]) !=
			    NULL)
				return e;
		}
	}
	if ((t->len + 1) * 4 > t->cap * 3 && tab_grow(t) == -1)
		return NULL;
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = hash;
	e->first = INT64_MAX;
	e->last = INT64_MIN;
	e->day = day;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	i = tab_slot(t, key, len, day, hash);
	t->slot[i] = e;
	t->len++;
	return e;
}

/* Adds b's counts to a. */
static void
ent_merge(struct ent *a, const struct ent *b)
{
	int	 i;

	for (i = 0; i < STATS_UNKNOWN; i++)
		a->n[i] += b->n[i];
	if (b->first < a->first)
		a->first = b->first;
	if (b->last > a->last)
		a->last = b->last;
}

/*
 * Moves every count of src into dst, both of table which (bounded as
 * tab_get() bounds it) and empties src.  Entries are moved, not copied,
 * when dst has no such key yet; counts that find no memory are dropped.
 */
static void
tab_take(const struct stats *s, struct tab *dst, struct tab *src, int which)
{
	struct ent *e, *d;
	size_t	 i, len, max = tab_max(which);
	int	 fresh;

	for (i = 0; i < src->cap; i++) {
		if ((e = src->slot[i]) == NULL)
			continue;
		len = strlen(e->key);
		fresh = dst->cap == 0 ||
		    dst->slot[tab_slot(dst, e->key, len, e->day, e->hash)] ==
		    NULL;
		if (fresh && (max == 0 || dst->len < max) &&
		    ((dst->len + 1) * 4 <= dst->cap * 3 ||
		    tab_grow(dst) == 0)) {
			dst->slot[tab_slot(dst, e->key, len, e->day,
			    e->hash)] = e;
			dst->len++;
			continue;
		}
		if ((d = tab_get(s, dst, which, e->key, len, e->day)) !=
		    NULL)
			ent_merge(d, e);
		free(e);
	}
	free(src->slot);
	memset(src, 0, sizeof(*src));
}

static void
tab_free(struct tab *t)
{
	size_t	 i;

	for (i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

/*
 * Checks that every page the meta page says is in use is in the file:
 * LMDB would read a missing one through its map and die of SIGBUS.
 * Returns 0, or MDB_CORRUPTED with the reason in e.
 */
static int
env_check(MDB_env *env, const char *path, struct errbuf *e)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat fst;
	int	 rc, fd;

	if ((rc = mdb_env_get_fd(env, &fd)) != 0 ||
	    (rc = mdb_env_stat(env, &st)) != 0) {
		errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
		return rc;
	}
	if (fstat(fd, &fst) == -1) {
		rc = errno;
		errbuf_set(e, "%s: fstat: %s", path, strerror(rc));
		return rc;
	}
	/* Page 1 is in the file: mdb_env_open() read both meta pages. */
	if ((rc = mdb_env_info(env, &info)) != 0) {
		errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
		return rc;
	}
	if ((uintmax_t)(info.me_last_pgno + 1) * st.ms_psize >
	    (uintmax_t)fst.st_size) {
		errbuf_set(e, "%s: truncated: %jd bytes, but %ju pages of %u "
		    "bytes are in use", path, (intmax_t)fst.st_size,
		    (uintmax_t)info.me_last_pgno + 1, st.ms_psize);
		return MDB_CORRUPTED;
	}
	return 0;
}

/*
 * Opens (creating, mode 0640) the file at s->path into s->env and its two
 * tables, and notes the file (file_mark()).  Returns 0, or an LMDB error
 * code or errno value with the reason in e and s->env NULL.
 */
static int
env_open(struct stats *s, struct errbuf *e)
{
	MDB_envinfo info;
	MDB_txn	*txn = NULL;
	int	 rc, dead, i;

	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, STATS_MAXDBS)) != 0 ||
	    (rc = mdb_env_open(s->env, s->path, MDB_NOSUBDIR, STATS_MODE)) != 0)
		goto lmdb_fail;
	if ((rc = env_check(s->env, s->path, e)) != 0)
		goto fail;
	if ((rc = mdb_env_info(s->env, &info)) != 0)
		goto lmdb_fail;
	/* Keep a larger size that an earlier run grew the file to. */
	s->mapsize = info.me_mapsize;
	if (s->mapsize < STATS_MAPSIZE_MIN) {
		if ((rc = mdb_env_set_mapsize(s->env, STATS_MAPSIZE_MIN)) != 0)
			goto lmdb_fail;
		s->mapsize = STATS_MAPSIZE_MIN;
	}
	/* Slots left by readers that died keep old pages from reuse. */
	(void)mdb_reader_check(s->env, &dead);
	/*
	 * The tables exist from the start, so readers find them, and so
	 * does the heartbeat: the file says at once who writes it.
	 */
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto lmdb_fail;
	for (i = 0; i < TAB_FILE; i++)
		if ((rc = mdb_dbi_open(txn, stats_tab_name[i], MDB_CREATE,
		    &s->dbi[i])) != 0)
			goto lmdb_fail;
	if ((rc = mdb_dbi_open(txn, stats_meta_name, MDB_CREATE, &s->metadbi)) != 0)
		goto lmdb_fail;
	if ((rc = put_meta(s, txn, e)) != 0)
		goto fail;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		goto lmdb_fail;
	s->beat = (int64_t)time(NULL);
	file_mark(s);
	return 0;
lmdb_fail:
	errbuf_set(e, "%s: %s", s->path, mdb_strerror(rc));
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (s->env != NULL)
		mdb_env_close(s->env);
	s->env = NULL;
	return rc;
}

/*
 * Notes the identity, size and time of the file s->env has open, and
 * the bytes its pages in use need.  A program that changes the file
 * between our commit and this fstat(2) is missed by the time and size
 * check, but not when it cut the file short: the bytes needed come from
 * LMDB, not from the file.
 */
static void
file_mark(struct stats *s)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat st;
	int	 fd;

	if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &st) == -1 ||
	    mdb_env_info(s->env, &info) != 0 ||
	    mdb_env_stat(s->env, &ms) != 0) {
		/* Cannot tell: the next check sees a change and reopens. */
		s->ino = 0;
		return;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->need = (uintmax_t)(info.me_last_pgno + 1) * ms.ms_psize;
}

/*
 * Returns why the file at s->path is not the one our last commit left
 * ("was removed", "was replaced", "was truncated", "was changed by
 * another program"), or NULL when it is, or when stat(2) cannot tell
 * (then we write on).
 */
static const char *
file_changed(const struct stats *s)
{
	struct stat st;

	if (stat(s->path, &st) == -1)
		return errno == ENOENT ? "was removed" : NULL;
	if (st.st_dev != s->dev || st.st_ino != s->ino)
		return "was replaced";
	if ((uintmax_t)st.st_size < s->need)
		return "was truncated";
	if (st.st_size != s->size || st.st_mtim.tv_sec != s->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != s->mtime.tv_nsec)
		return "was changed by another program";
	return NULL;
}

/* Nonzero for the errors of env_open() that say "not a stats file". */
static int
unusable(int rc)
{
	switch (rc) {
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_BAD_DBI:
		return 1;
	default:
		return 0;
	}
}

/* Removes LMDB's lock file of s->path, if any (see the top comment). */
static void
remove_lock(const struct stats *s)
{
	char	 lock[PATH_MAX];

	if (snprintf(lock, sizeof(lock), "%s-lock", s->path) <
	    (int)sizeof(lock))
		(void)unlink(lock);
}

/*
 * Drops the handle (without reading the file) and opens s->path again,
 * moving it aside first when it is not a stats file; why says what
 * happened to it (NULL: a reopen after a failed one).  Called with
 * flushmu held.  Returns 0, or -1 with the reason in e and s->env NULL.
 */
static int
file_reopen(struct stats *s, const char *why, struct errbuf *e)
{
	char	 aside[PATH_MAX], why_not[sizeof(e->msg)];
	int	 rc;

	if (s->env != NULL) {
		mdb_env_close(s->env);
		s->env = NULL;
	}
	if (why != NULL)
		log_warnx("%s %s while counting: %s", s->path, why,
		    strcmp(why, "was removed") == 0 ? "starting a new file" :
		    "opening it again");
	remove_lock(s);
	if ((rc = env_open(s, e)) == 0)
		return 0;
	if (!unusable(rc))
		goto fail;
	snprintf(why_not, sizeof(why_not), "%s", e->msg);
	if (snprintf(aside, sizeof(aside), "%s%s", s->path,
	    STATS_CORRUPT_SUFFIX) >= (int)sizeof(aside) ||
	    rename(s->path, aside) == -1) {
		errbuf_set(e, "%s; it cannot be moved aside: %s", why_not,
		    strerror(errno));
		goto fail;
	}
	log_warnx("%s: not a stats file: moved to %s, starting a new file",
	    why_not, aside);
	remove_lock(s);
	if ((rc = env_open(s, e)) != 0)
		goto fail;
	return 0;
fail:
	errno = amap_errno(rc);
	return -1;
}

int
stats_open(const char *path, struct stats **sp, struct errbuf *e)
{
	struct stats *s;
	int	 rc, serrno = 0, mu = 0;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->path = strdup(path)) == NULL) {
		serrno = ENOMEM;
		errbuf_set(e, "%s: out of memory", path);
		goto fail;
	}
	if ((rc = pthread_mutex_init(&s->mu, NULL)) != 0 ||
	    (mu = 1, rc = pthread_mutex_init(&s->flushmu, NULL)) != 0) {
		serrno = rc;
		errbuf_set(e, "%s: mutex: %s", path, strerror(rc));
		goto fail;
	}
	mu = 2;
	/* A fixed key only weakens the flooding defence; still count. */
	if (getrandom(s->sipkey, sizeof(s->sipkey), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(s->sipkey)) {
		s->sipkey[0] = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
		s->sipkey[1] = (uint64_t)(uintptr_t)s;
	}
	s->started = (int64_t)time(NULL);
	if ((rc = env_open(s, e)) != 0) {
		serrno = amap_errno(rc);
		goto fail;
	}
	*sp = s;
	return 0;
fail:
	if (s != NULL) {
		if (mu > 0)
			pthread_mutex_destroy(&s->mu);
		if (mu > 1)
			pthread_mutex_destroy(&s->flushmu);
		free(s->path);
		free(s);
	}
	errno = serrno;
	return -1;
}

void
stats_hit(struct stats *s, const char *key, enum stats_kind kind,
    time_t now)
{
	stats_hit_from(s, key, NULL, kind, now);
}

/* Adds one hit of kind at now to e (NULL: not counted). */
static void
ent_add(struct ent *e, int kind, time_t now)
{
	if (e == NULL)
		return;
	e->n[kind]++;
	if ((int64_t)now < e->first)
		e->first = now;
	if ((int64_t)now > e->last)
		e->last = now;
}

void
stats_hit_from(struct stats *s, const char *key, const char *domain,
    enum stats_kind kind, time_t now)
{
	char	 pair[STATS_SENDER_KEY_MAX + 1];
	size_t	 klen, plen = 0;
	int32_t	 day;
	int	 t;

	if (s == NULL || (unsigned)kind > STATS_UNKNOWN)
		return;
	t = kind == STATS_UNKNOWN ? TAB_UNKNOWN : TAB_ALIASES;
	klen = strlen(key);
	day = stats_day_of(now);
	if (domain != NULL && t == TAB_ALIASES)
		plen = stats_sender_pair(pair, key, klen, domain);
	pthread_mutex_lock(&s->mu);
	ent_add(tab_get(s, &s->tab[t], t, key, klen, day),
	    t == TAB_UNKNOWN ? 0 : (int)kind, now);
	if (plen != 0)
		ent_add(tab_get(s, &s->tab[TAB_SENDERS], TAB_SENDERS, pair,
		    plen, 0), (int)kind, now);
	pthread_mutex_unlock(&s->mu);
}

/*
 * Adds x's counts to its record in table t of the file, in txn, and
 * to its day's (df).  *nkeys counts the keys of the unknown table, for
 * its bound; the senders table is bounded per alias, by
 * stats_sender_count().  Returns 0 or an LMDB error code with the
 * reason in e.
 */
static int
flush_one(struct stats *s, MDB_txn *txn, int t, const struct ent *x,
    size_t *nkeys, struct days_flush *df, struct errbuf *e)
{
	struct stats_alias a;
	struct stats_unknown u;
	unsigned char rec[REC_ALIAS_SIZE];
	char	 other[STATS_SENDER_KEY_MAX + 1];
	MDB_val	 k, v;
	size_t	 olen, n;
	int	 rc, old;

	k.mv_data = (void *)(uintptr_t)x->key;
	k.mv_size = strlen(x->key);
	for (;;) {
		if ((rc = mdb_get(txn, s->dbi[t], &k, &v)) != 0 &&
		    rc != MDB_NOTFOUND)
			goto fail;
		if (rc == 0 || t == TAB_ALIASES || k.mv_data == other)
			break;
		olen = other_key(t, k.mv_data, k.mv_size, other);
		if (olen == k.mv_size && memcmp(other, k.mv_data, olen) == 0)
			break;
		if (t == TAB_UNKNOWN && *nkeys < STATS_UNKNOWN_FILE_MAX)
			break;
		/* A new domain of an alias: room for it in the file? */
		if (t == TAB_SENDERS) {
			if ((rc = stats_sender_count(txn, s->dbi[t], other,
			    olen - (sizeof(STATS_OTHER) - 1), &n)) != 0)
				goto fail;
			if (n < STATS_SENDERS_MAX) {
				rc = MDB_NOTFOUND;
				break;
			}
		}
		k.mv_data = other;
		k.mv_size = olen;
	}
	old = rc == 0;
	if (t != TAB_UNKNOWN) {
		if (!old || rec_alias_decode(v.mv_data, v.mv_size, &a) == -1) {
			memset(&a, 0, sizeof(a));
			a.first_seen = INT64_MAX;
			a.last_seen = INT64_MIN;
		}
		a.hits += x->n[STATS_HIT];
		/* Revoked as before: expired hits are revoked ones too. */
		a.revoked_hits += x->n[STATS_REVOKED_HIT] +
		    x->n[STATS_EXPIRED];
		a.expired += x->n[STATS_EXPIRED];
		a.backscatter += x->n[STATS_BACKSCATTER];
		a.locked += x->n[STATS_LOCKED];
		if (x->first < a.first_seen)
			a.first_seen = x->first;
		if (x->last > a.last_seen)
			a.last_seen = x->last;
		rec_alias_encode(rec, &a);
		v.mv_size = REC_ALIAS_SIZE;
	} else {
		if (!old || rec_unknown_decode(v.mv_data, v.mv_size, &u) == -1) {
			memset(&u, 0, sizeof(u));
			u.first_seen = INT64_MAX;
			u.last_seen = INT64_MIN;
		}
		u.count += x->n[0];
		if (x->first < u.first_seen)
			u.first_seen = x->first;
		if (x->last > u.last_seen)
			u.last_seen = x->last;
		rec_unknown_encode(rec, &u);
		v.mv_size = REC_UNKNOWN_SIZE;
		if (!old)
			(*nkeys)++;
	}
	v.mv_data = rec;
	if ((rc = mdb_put(txn, s->dbi[t], &k, &v, 0)) != 0)
		goto fail;
	if (t == TAB_SENDERS)
		return 0;
	return stats_days_add(s, txn, df, t, x, e);
fail:
	errbuf_set(e, "%s: %s \"%.200s\": %s", s->path, stats_tab_name[t],
	    (const char *)k.mv_data, mdb_strerror(rc));
	return rc;
}

/*
 * Writes the tables of t, and the day rows they make, in one
 * transaction.  Returns 0 or an LMDB
 * error code with the reason in e.
 */
static int
flush_txn(struct stats *s, struct tab *t, struct errbuf *e)
{
	struct days_flush df;
	MDB_txn	*txn;
	MDB_stat st;
	size_t	 i, nkeys;
	int	 rc, k;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		errbuf_set(e, "%s: %s", s->path, mdb_strerror(rc));
		return rc;
	}
	if ((rc = mdb_stat(txn, s->dbi[TAB_UNKNOWN], &st)) != 0) {
		errbuf_set(e, "%s: %s", s->path, mdb_strerror(rc));
		goto fail;
	}
	nkeys = st.ms_entries;
	stats_days_begin(&df, time(NULL));
	for (k = 0; k < TAB_N; k++)
		for (i = 0; i < t[k].cap; i++)
			if (t[k].slot[i] != NULL && (rc = flush_one(s, txn, k,
			    t[k].slot[i], &nkeys, &df, e)) != 0)
				goto fail;
	if ((rc = stats_days_end(s, txn, &df, e)) != 0)
		goto fail;
	if ((rc = put_meta(s, txn, e)) != 0)
		goto fail;
	/* The commit frees the transaction whether it succeeds or not. */
	if ((rc = mdb_txn_commit(txn)) != 0)
		errbuf_set(e, "%s: commit: %s", s->path, mdb_strerror(rc));
	return rc;
fail:
	mdb_txn_abort(txn);
	return rc;
}

int
stats_flush(struct stats *s, struct errbuf *e)
{
	struct tab t[TAB_N];
	const char *why = NULL;
	size_t	 size;
	int	 rc, dead, k, retried = 0;

	pthread_mutex_lock(&s->flushmu);
	/* Before LMDB touches the map: is the file still ours, unchanged? */
	if (s->env == NULL || (why = file_changed(s)) != NULL) {
		if (file_reopen(s, why, e) == -1) {
			pthread_mutex_unlock(&s->flushmu);
			return -1;	/* the counts stay in s->tab */
		}
	}
	pthread_mutex_lock(&s->mu);
	memcpy(t, s->tab, sizeof(t));
	memset(s->tab, 0, sizeof(s->tab));
	pthread_mutex_unlock(&s->mu);
	if (t[TAB_ALIASES].len == 0 && t[TAB_UNKNOWN].len == 0 &&
	    t[TAB_SENDERS].len == 0 &&
	    (int64_t)time(NULL) - s->beat < STATS_HEARTBEAT) {
		pthread_mutex_unlock(&s->flushmu);
		return 0;
	}
	(void)mdb_reader_check(s->env, &dead);
	while ((rc = flush_txn(s, t, e)) == MDB_MAP_FULL && !retried) {
		/* No transaction is open: flushes are serialised. */
		retried = 1;
		size = s->mapsize * 2;
		if (size < s->mapsize) {
			errbuf_set(e, "%s: map size overflow", s->path);
			break;
		}
		if ((rc = mdb_env_set_mapsize(s->env, size)) != 0) {
			errbuf_set(e, "%s: map size %zu: %s", s->path, size,
			    mdb_strerror(rc));
			break;
		}
		s->mapsize = size;
	}
	/* Our own write, even a failed one, changed the file. */
	file_mark(s);
	if (rc == MDB_PANIC) {
		/* LMDB refuses every later transaction: open it anew. */
		mdb_env_close(s->env);
		s->env = NULL;
	}
	if (rc == 0) {
		s->beat = (int64_t)time(NULL);
		for (k = 0; k < TAB_N; k++)
			tab_free(&t[k]);
		pthread_mutex_unlock(&s->flushmu);
		return 0;
	}
	/*
	 * Put the counts back for the next flush: the hits counted since
	 * the swap (few) go into the swapped-out table (many).
	 */
	pthread_mutex_lock(&s->mu);
	for (k = 0; k < TAB_N; k++)
		tab_take(s, &t[k], &s->tab[k], k);
	memcpy(s->tab, t, sizeof(t));
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_unlock(&s->flushmu);
	errno = amap_errno(rc);
	return -1;
}

void
stats_close(struct stats *s)
{
	int	 k;

	if (s == NULL)
		return;
	for (k = 0; k < TAB_N; k++)
		tab_free(&s->tab[k]);
	if (s->env != NULL)
		mdb_env_close(s->env);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->flushmu);
	free(s->path);
	free(s);
}

char *
stats_default_path(const char *mapbase, const char *daemon)
{
	const char *slash = strrchr(mapbase, '/');
	char	*p;
	int	 dirlen = slash == NULL ? 0 : (int)(slash - mapbase + 1);

	if (asprintf(&p, "%.*s%s/%s.%s.lmdb", dirlen, mapbase, STATS_DIR,
	    mapbase + dirlen, daemon) == -1)
		return NULL;
	return p;
}
