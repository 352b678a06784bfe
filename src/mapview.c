/*
 * mapview.c: the live map pair shared by all daemon threads (see
 * mapview.h).
 *
 * Fast path.  mapview_get() reads the monotonic clock (a vDSO call, no
 * system call) and compares it with a relaxed atomic deadline; only
 * when the deadline has passed does one thread, elected by a trylock on
 * checkmu, stat(2) the two files.  Every other caller takes mu for a
 * few instructions to take a reference on the pair being served.
 *
 * Reference counts.  The switchboard holds one reference on the pair it
 * serves, and each mapview_get() one more.  A pair in turn holds one
 * reference on each of its two files (struct mv_file), because a new
 * pair may share a file with the old one: a compile interrupted between
 * its two renames leaves one file as it was.  Whoever drops the last
 * reference closes; mapview_put() needs no lock.
 *
 * Never two handles on one inode.  amap.c's fcntl read locks belong to
 * the process: closing one handle's descriptor drops every lock the
 * process holds on that file.  So a file is opened only when its
 * (dev, ino) differs from that of the pair last loaded (held, kept open
 * even while it is not served, e.g. while the files are missing), and
 * otherwise that pair's handle is shared.  A file published by rename
 * always has a new inode, and an inode still open cannot be reused, so
 * a new inode is never one an older, still referenced pair has open.
 *
 * Policy records in memory.  A pair holds every record of its policy
 * file (pcache.h), read in one transaction when the pair is loaded:
 * per request the daemons then read and lock the map alone (two fewer
 * fcntl(2) calls, one fewer fstat(2) and up to two fewer B-tree
 * descents per lookup).  The walk is guarded (amap_walk(): LMDB's
 * assertions on a damaged page end it instead of the process), and a
 * policy file that cannot be read whole is a pair that cannot be
 * loaded: 451 for the managed domains, as for a damaged map, where a
 * point lookup used to fail only for the keys on a damaged page.  The
 * checker also compares the policy file's size, mtime and ctime with
 * what stat(2) said before its records were read: a file changed in
 * place (not by rename: an LMDB transaction, a copy over it, a
 * truncation) is read again, as a new pair.
 *
 * Managed domains.  A missing map refuses (451) only the domains the
 * last loaded policy file names: looked up in the records of the held
 * pair, kept in memory while no map can be read.
 *
 * Matching pairs.  compile renames the policy first and the map second,
 * and the policy's " map" key names the map it was written with.  A
 * pair whose policy names another map is a compile caught between its
 * renames: it is not loaded until it matches, or until the same mismatch
 * has lasted grace_ms (a policy renamed without its map would otherwise
 * keep the new data out for ever).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amap.h"
#include "compile.h"
#include "log.h"
#include "mapview.h"
#include "pcache.h"
#include "policy.h"
#include "util.h"

/* One open file, shared by the pairs that contain it. */
struct mv_file {
	struct amap	*amap;
	atomic_uint	 refs;
	dev_t		 dev;
	ino_t		 ino;
};

struct mv_pair {
	struct mapview_pair pub;	/* first: callers hold &pub */
	atomic_uint	 refs;
	struct mv_file	*map;
	struct mv_file	*policy;
	struct pcache	*records;	/* policy's records; ours */
	/*
	 * The policy file as stat(2) saw it before its records were read:
	 * a write in place (an LMDB transaction, a copy over it, a
	 * truncation) changes its size or times, and then the records are
	 * read again.  Only stat(2): reading LMDB's meta page for its
	 * transaction id would touch the mapped file, which a truncation
	 * in place turns into SIGBUS outside any guarded read.
	 */
	off_t		 psize;
	struct timespec	 pmtim;
	struct timespec	 pctim;
};

struct mapview {
	char		*mpath;		/* MAP.lmdb; ours */
	char		*ppath;		/* MAP.policy.lmdb; ours */
	atomic_llong	 next_check;	/* monotonic ms of the next stat(2) */
	atomic_int	 started;	/* the first check has run */

	pthread_mutex_t	 mu;		/* guards the fields up to checkmu */
	struct mv_pair	*held;		/* last pair loaded (one reference) */
	int		 serving;	/* held is what mapview_get() returns */
	int		 ever;		/* a pair was ever loaded */

	/*
	 * The checker's state: written only with checkmu held.  held is
	 * also written only by the checker, so the checker reads it
	 * without mu.
	 */
	pthread_mutex_t	 checkmu;
	int		 grace_ms;
	int		 unavailable;	/* the last check failed (logged) */
	char		 lasterr[sizeof(((struct errbuf *)0)->msg)];
	long long	 mismatch_since;	/* ms; 0 when none */
	dev_t		 mm_pdev, mm_mdev;	/* the mismatched files */
	ino_t		 mm_pino, mm_mino;
};

static int	file_open(const char *, struct mv_file **, struct errbuf *);
static struct mv_file *file_ref(struct mv_file *);
static void	file_put(struct mv_file *);
static int	file_is(const struct mv_file *, const struct stat *);
static int	same_times(const struct timespec *, const struct timespec *);
static void	pair_put(struct mv_pair *);
static int	policy_names(const struct pcache *, dev_t *, ino_t *,
		    struct errbuf *);
static void	check(struct mapview *, long long);

/* Opens path into a new file with one reference; 0 or -1 (reason in e). */
static int
file_open(const char *path, struct mv_file **fp, struct errbuf *e)
{
	struct mv_file *f;

	*fp = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return errbuf_set(e, "%s: out of memory", path);
	if (amap_open(path, &f->amap, e) == -1) {
		free(f);
		return -1;
	}
	amap_ident(f->amap, &f->dev, &f->ino);
	atomic_init(&f->refs, 1);
	*fp = f;
	return 0;
}

static struct mv_file *
file_ref(struct mv_file *f)
{
	atomic_fetch_add(&f->refs, 1);
	return f;
}

/* Drops a reference; the last one closes the file.  NULL is a no-op. */
static void
file_put(struct mv_file *f)
{
	if (f == NULL || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	amap_close(f->amap);
	free(f);
}

/* Nonzero when f is the file st describes. */
static int
file_is(const struct mv_file *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino;
}

/* Nonzero when a and b are the same time. */
static int
same_times(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Drops a reference; the last one drops the files.  NULL is a no-op. */
static void
pair_put(struct mv_pair *p)
{
	if (p == NULL || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	file_put(p->map);
	file_put(p->policy);
	pcache_free(p->records);
	free(p);
}

/*
 * Reads the policy file's version and the identity of the map it was
 * written with.  Returns 0, or -1 with the reason in e.
 */
static int
policy_names(const struct pcache *pol, dev_t *dev, ino_t *ino,
    struct errbuf *e)
{
	const char *val;

	if ((val = pcache_get(pol, POLICY_KEY_VERSION)) == NULL ||
	    strcmp(val, POLICY_VERSION) != 0)
		return errbuf_set(e, "policy file: version %s, expected %s",
		    val == NULL ? "missing" : val, POLICY_VERSION);
	if ((val = pcache_get(pol, POLICY_KEY_MAP)) == NULL)
		return errbuf_set(e, "policy file: no \"%s\" record",
		    POLICY_KEY_MAP);
	if (policy_parse_ident(val, dev, ino) == -1)
		return errbuf_set(e, "policy file: bad \"%s\" record \"%.64s\"",
		    POLICY_KEY_MAP, val);
	return 0;
}

/*
 * Looks at the files and loads a new pair when they changed, or stops
 * serving when they cannot be read.  Called with checkmu held.
 */
static void
check(struct mapview *mv, long long now)
{
	struct mv_pair *held = mv->held, *np = NULL, *old = NULL;
	struct mv_file *mf = NULL, *pf = NULL;
	struct pcache *records = NULL;
	struct stat mst, pst;
	struct errbuf e;
	dev_t	 dev = 0;
	ino_t	 ino = 0;

	if (stat(mv->ppath, &pst) == -1) {
		errbuf_set(&e, "%s: %s", mv->ppath, strerror(errno));
		goto unavailable;
	}
	if (stat(mv->mpath, &mst) == -1) {
		errbuf_set(&e, "%s: %s", mv->mpath, strerror(errno));
		goto unavailable;
	}
	if (held != NULL && file_is(held->map, &mst) &&
	    file_is(held->policy, &pst) && held->psize == pst.st_size &&
	    same_times(&held->pmtim, &pst.st_mtim) &&
	    same_times(&held->pctim, &pst.st_ctim)) {
		/* Unchanged, or back after going missing: no reopen. */
		mv->mismatch_since = 0;
		if (!mv->serving) {
			pthread_mutex_lock(&mv->mu);
			mv->serving = 1;
			pthread_mutex_unlock(&mv->mu);
			log_info("%s: readable again", mv->mpath);
		}
		mv->unavailable = 0;
		return;
	}
	if (held != NULL && file_is(held->policy, &pst))
		pf = file_ref(held->policy);
	else if (file_open(mv->ppath, &pf, &e) == -1)
		goto unavailable;
	if (held != NULL && file_is(held->map, &mst))
		mf = file_ref(held->map);
	else if (file_open(mv->mpath, &mf, &e) == -1)
		goto unavailable;
	if (pcache_load(pf->amap, &records, &e) == -1 ||
	    policy_names(records, &dev, &ino, &e) == -1)
		goto unavailable;
	if (dev != mf->dev || ino != mf->ino) {
		if (mv->mismatch_since == 0 ||
		    mv->mm_pdev != pf->dev || mv->mm_pino != pf->ino ||
		    mv->mm_mdev != mf->dev || mv->mm_mino != mf->ino) {
			mv->mismatch_since = now;
			mv->mm_pdev = pf->dev;
			mv->mm_pino = pf->ino;
			mv->mm_mdev = mf->dev;
			mv->mm_mino = mf->ino;
		}
		if (now - mv->mismatch_since <= mv->grace_ms) {
			/* Most likely a compile between its renames. */
			pcache_free(records);
			file_put(pf);
			file_put(mf);
			return;
		}
		log_warnx("%s names map %ju:%ju, not the %s beside it "
		    "(%ju:%ju), for %lld ms now: using the two anyway",
		    mv->ppath, (uintmax_t)dev, (uintmax_t)ino, mv->mpath,
		    (uintmax_t)mf->dev, (uintmax_t)mf->ino,
		    now - mv->mismatch_since);
	}
	mv->mismatch_since = 0;
	if ((np = calloc(1, sizeof(*np))) == NULL) {
		errbuf_set(&e, "%s: out of memory", mv->mpath);
		goto unavailable;
	}
	atomic_init(&np->refs, 1);
	np->map = mf;
	np->policy = pf;
	np->records = records;
	np->psize = pst.st_size;
	np->pmtim = pst.st_mtim;
	np->pctim = pst.st_ctim;
	np->pub.map = mf->amap;
	np->pub.policy = records;
	mf = pf = NULL;
	records = NULL;

	pthread_mutex_lock(&mv->mu);
	old = mv->held;
	mv->held = np;
	mv->serving = 1;
	mv->ever = 1;
	pthread_mutex_unlock(&mv->mu);

	pair_put(old);
	log_info("%s: loaded%s", mv->mpath,
	    mv->unavailable ? ", readable again" : "");
	mv->unavailable = 0;
	return;

unavailable:
	pcache_free(records);
	file_put(pf);
	file_put(mf);
	/* held stays open so that its files are never opened twice. */
	pthread_mutex_lock(&mv->mu);
	mv->serving = 0;
	pthread_mutex_unlock(&mv->mu);
	mv->mismatch_since = 0;
	if (!mv->unavailable || strcmp(mv->lasterr, e.msg) != 0) {
		log_warnx("%s; recipients at managed domains get 451 until "
		    "the map can be read", e.msg);
		snprintf(mv->lasterr, sizeof(mv->lasterr), "%s", e.msg);
	}
	mv->unavailable = 1;
}

struct mapview *
mapview_new(const char *mapbase)
{
	struct mapview *mv;
	size_t	 len;

	if ((mv = calloc(1, sizeof(*mv))) == NULL)
		return NULL;
	len = strlen(mapbase) + sizeof(COMPILE_SUFFIX_POLICY);
	if ((mv->mpath = malloc(len)) == NULL ||
	    (mv->ppath = malloc(len)) == NULL ||
	    path_suffix(mv->mpath, len, mapbase, COMPILE_SUFFIX_MAP) == -1 ||
	    path_suffix(mv->ppath, len, mapbase, COMPILE_SUFFIX_POLICY) == -1)
		goto fail;
	if (pthread_mutex_init(&mv->mu, NULL) != 0)
		goto fail;
	if (pthread_mutex_init(&mv->checkmu, NULL) != 0) {
		pthread_mutex_destroy(&mv->mu);
		goto fail;
	}
	atomic_init(&mv->next_check, 0);
	atomic_init(&mv->started, 0);
	mv->grace_ms = MAPVIEW_GRACE_MS;
	return mv;
fail:
	free(mv->mpath);
	free(mv->ppath);
	free(mv);
	return NULL;
}

void
mapview_set_grace(struct mapview *mv, int ms)
{
	pthread_mutex_lock(&mv->checkmu);
	mv->grace_ms = ms;
	pthread_mutex_unlock(&mv->checkmu);
}

const struct mapview_pair *
mapview_get(struct mapview *mv)
{
	struct mv_pair *p;
	long long now;

	now = now_ms();
	if (now >= atomic_load_explicit(&mv->next_check,
	    memory_order_relaxed)) {
		/*
		 * One thread checks; the others go on with the current
		 * pair.  Before the first check there is none, so callers
		 * wait for it rather than tempfail at startup.
		 */
		if (atomic_load(&mv->started) ?
		    pthread_mutex_trylock(&mv->checkmu) == 0 :
		    pthread_mutex_lock(&mv->checkmu) == 0) {
			if (now >= atomic_load_explicit(&mv->next_check,
			    memory_order_relaxed)) {
				check(mv, now);
				atomic_store_explicit(&mv->next_check,
				    now_ms() + MAPVIEW_CHECK_MS,
				    memory_order_relaxed);
				atomic_store(&mv->started, 1);
			}
			pthread_mutex_unlock(&mv->checkmu);
		}
	}
	pthread_mutex_lock(&mv->mu);
	if ((p = mv->serving ? mv->held : NULL) != NULL)
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&mv->mu);
	return p == NULL ? NULL : &p->pub;
}

void
mapview_put(struct mapview *mv, const struct mapview_pair *pub)
{
	(void)mv;
	if (pub == NULL)
		return;
	/* pub is the first member of a struct mv_pair we allocated. */
	pair_put((struct mv_pair *)(uintptr_t)pub);
}

int
mapview_was_managed(struct mapview *mv, const char *domain)
{
	struct policy_domain pd;
	struct mv_pair *p;
	const char *val;
	int	 rc;

	pthread_mutex_lock(&mv->mu);
	if ((p = mv->ever ? mv->held : NULL) != NULL)
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&mv->mu);
	if (p == NULL)
		return -1;
	/* Metadata keys start with a space; addresses have an '@'. */
	if (domain[0] == '\0' || domain[0] == ' ' ||
	    strchr(domain, '@') != NULL)
		rc = 0;
	else
		rc = (val = pcache_get(p->records, domain)) != NULL &&
		    policy_parse_domain(val, &pd) == 0;
	pair_put(p);
	return rc;
}

void
mapview_free(struct mapview *mv)
{
	if (mv == NULL)
		return;
	pair_put(mv->held);
	pthread_mutex_destroy(&mv->mu);
	pthread_mutex_destroy(&mv->checkmu);
	free(mv->mpath);
	free(mv->ppath);
	free(mv);
}

int
mapview_read_begin(const struct mapview_pair *pair, struct errbuf *e)
{
	return amap_read_begin(pair->map, e);
}

void
mapview_read_end(const struct mapview_pair *pair)
{
	struct errbuf e;

	if (amap_read_end(pair->map, &e) == -1)
		log_warnx("%s", e.msg);
}

int
mapview_policy_get(const struct mapview_pair *pair, const char *key,
    char *val, size_t valsize, struct errbuf *e)
{
	const char *v;
	size_t	 len;

	if ((v = pcache_get(pair->policy, key)) == NULL)
		return 0;
	if ((len = strlen(v)) >= valsize)
		return errbuf_set(e, "policy record of \"%.200s\" is too "
		    "long (%zu bytes, room for %zu)", key, len + 1, valsize);
	memcpy(val, v, len + 1);
	return 1;
}
