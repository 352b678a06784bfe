/*
 * stats_read.c: reading the stats files (stats.h), for aliasctl and
 * doctor: tables, the heartbeat, several files added up.  Readers open
 * the file read-only with LMDB's lock file, so the daemon writes on
 * meanwhile; every key and value is copied before the txn ends.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amap.h"
#include "stats.h"
#include "stats_priv.h"
#include "stats_rec.h"
#include "util.h"

static int	 read_open(const char *, MDB_env **, struct errbuf *);
static int	 read_table(const char *, int, const char *,
		    struct stats_row **, size_t *, struct errbuf *);
static int	 row_key_cmp(const void *, const void *);

/*
 * Opens the stats file at path read-only, with LMDB's lock file, which
 * is what lets the daemon write meanwhile.  Returns 0 with *envp, or -1
 * with errno and the reason in e.
 */
static int
read_open(const char *path, MDB_env **envp, struct errbuf *e)
{
	struct stat st;
	MDB_env	*env = NULL;
	int	 rc, serrno;

	*envp = NULL;
	/*
	 * LMDB creates the lock file before it opens the data file: look
	 * first, so that a missing file leaves nothing behind.
	 */
	if (stat(path, &st) == -1)
		return errbuf_set(e, "%s: %s", path, strerror(errno));
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, STATS_MAXDBS)) != 0 ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY,
	    STATS_MODE)) != 0) {
		serrno = amap_errno(rc);
		if (rc == EACCES && access(path, R_OK) == 0)
			errbuf_set(e, "%s-lock: %s: a reader of the stats file "
			    "needs write access to its lock file (run as root "
			    "or as the daemon's user)", path, strerror(rc));
		else
			errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
		if (env != NULL)
			mdb_env_close(env);
		errno = serrno;
		return -1;
	}
	*envp = env;
	return 0;
}

int
stats_read_begin(const char *path, MDB_env **envp, MDB_txn **txnp,
    struct errbuf *e)
{
	int	 rc, serrno;

	*txnp = NULL;
	if (read_open(path, envp, e) == -1)
		return -1;
	/* The daemon grew the map since we opened it: follow. */
	if ((rc = mdb_txn_begin(*envp, NULL, MDB_RDONLY, txnp)) ==
	    MDB_MAP_RESIZED && (rc = mdb_env_set_mapsize(*envp, 0)) == 0)
		rc = mdb_txn_begin(*envp, NULL, MDB_RDONLY, txnp);
	if (rc == 0)
		return 0;
	serrno = amap_errno(rc);
	errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
	mdb_env_close(*envp);
	*envp = NULL;
	*txnp = NULL;
	errno = serrno;
	return -1;
}

int
stats_read(const char *path, int unknown, struct stats_row **rowsp,
    size_t *np, struct errbuf *e)
{
	return read_table(path, unknown ? TAB_UNKNOWN : TAB_ALIASES, NULL,
	    rowsp, np, e);
}

/*
 * stats_read() of table t, only of the keys that start with prefix
 * (NULL: every key).  A file without the table (one from before it
 * existed) has no rows.
 */
static int
read_table(const char *path, int t, const char *prefix,
    struct stats_row **rowsp, size_t *np, struct errbuf *e)
{
	struct stats_row *rows = NULL, *r;
	MDB_env	*env = NULL;
	MDB_txn	*txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi	 dbi;
	MDB_val	 k, v;
	MDB_cursor_op op;
	size_t	 n = 0, cap = 0, plen = prefix != NULL ? strlen(prefix) : 0;
	int	 rc, serrno = 0, bad;

	*rowsp = NULL;
	*np = 0;
	if (stats_read_begin(path, &env, &txn, e) == -1)
		return -1;
	if ((rc = mdb_dbi_open(txn, stats_tab_name[t], 0, &dbi)) ==
	    MDB_NOTFOUND)
		goto done;
	if (rc != 0 || (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		goto lmdb_fail;
	k.mv_data = (void *)(uintptr_t)prefix;
	k.mv_size = plen;
	for (op = plen ? MDB_SET_RANGE : MDB_FIRST;
	    (rc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (plen != 0 && (k.mv_size < plen ||
		    memcmp(k.mv_data, prefix, plen) != 0)) {
			rc = MDB_NOTFOUND;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((r = reallocarray(rows, cap, sizeof(*rows))) ==
			    NULL) {
				serrno = ENOMEM;
				errbuf_set(e, "%s: out of memory", path);
				goto fail;
			}
			rows = r;
		}
		r = &rows[n];
		memset(r, 0, sizeof(*r));
		bad = t == TAB_UNKNOWN ?
		    rec_unknown_decode(v.mv_data, v.mv_size, &r->u) :
		    rec_alias_decode(v.mv_data, v.mv_size, &r->a);
		if (bad) {
			serrno = EINVAL;
			errbuf_set(e, "%s: %s \"%.*s\": not a version %d "
			    "record of %d bytes", path, stats_tab_name[t],
			    (int)(k.mv_size > 200 ? 200 : k.mv_size),
			    (const char *)k.mv_data, t == TAB_UNKNOWN ?
			    REC_VERSION : REC_ALIAS_VERSION,
			    t == TAB_UNKNOWN ? REC_UNKNOWN_SIZE :
			    REC_ALIAS_SIZE);
			goto fail;
		}
		/* The key is in the map: copy it before the txn ends. */
		if ((r->key = malloc(k.mv_size + 1)) == NULL) {
			serrno = ENOMEM;
			errbuf_set(e, "%s: out of memory", path);
			goto fail;
		}
		memcpy(r->key, k.mv_data, k.mv_size);
		r->key[k.mv_size] = '\0';
		n++;
	}
	if (rc != MDB_NOTFOUND)
		goto lmdb_fail;
done:
	if (cur != NULL)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	*rowsp = rows;
	*np = n;
	return 0;
lmdb_fail:
	serrno = amap_errno(rc);
	errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
fail:
	stats_rows_free(rows, n);
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	errno = serrno;
	return -1;
}

void
stats_rows_free(struct stats_row *rows, size_t n)
{
	size_t	 i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].key);
	free(rows);
}

int
stats_read_meta(const char *path, struct stats_meta *m, struct errbuf *e)
{
	MDB_env	*env = NULL;
	MDB_txn	*txn = NULL;
	MDB_dbi	 dbi;
	MDB_val	 k, v;
	int	 rc, serrno;

	memset(m, 0, sizeof(*m));
	if (stats_read_begin(path, &env, &txn, e) == -1)
		return -1;
	if ((rc = mdb_dbi_open(txn, stats_meta_name, 0, &dbi)) ==
	    MDB_NOTFOUND) {
		rc = 0;
		goto done;
	}
	if (rc != 0)
		goto fail;
	k.mv_data = (void *)(uintptr_t)META_KEY;
	k.mv_size = sizeof(META_KEY) - 1;
	if ((rc = mdb_get(txn, dbi, &k, &v)) == MDB_NOTFOUND) {
		rc = 0;
		goto done;
	}
	if (rc != 0)
		goto fail;
	if (rec_meta_decode(v.mv_data, v.mv_size, m) == -1) {
		memset(m, 0, sizeof(*m));
		mdb_txn_abort(txn);
		mdb_env_close(env);
		errno = EINVAL;
		return errbuf_set(e, "%s: %s: not a version %d record of %d "
		    "bytes", path, stats_meta_name, REC_VERSION, REC_META_SIZE);
	}
done:
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
fail:
	serrno = amap_errno(rc);
	errbuf_set(e, "%s: %s", path, mdb_strerror(rc));
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	errno = serrno;
	return -1;
}

static int
row_key_cmp(const void *a, const void *b)
{
	const struct stats_row *x = a, *y = b;

	return strcmp(x->key, y->key);
}

int
stats_read_all(const char *const *paths, size_t npaths, int unknown,
    struct stats_row **rowsp, size_t *np, int *found, struct errbuf *e)
{
	return stats_read_merged(paths, npaths,
	    unknown ? TAB_UNKNOWN : TAB_ALIASES, NULL, rowsp, np, found, e);
}

int
stats_read_merged(const char *const *paths, size_t npaths, int t,
    const char *prefix, struct stats_row **rowsp, size_t *np, int *found,
    struct errbuf *e)
{
	struct stats_row *all = NULL, *rows, *d, *x, *grown;
	size_t	 n = 0, cnt, i, j, o;

	*rowsp = NULL;
	*np = 0;
	for (i = 0; i < npaths; i++) {
		if (found != NULL)
			found[i] = 0;
		if (read_table(paths[i], t, prefix, &rows, &cnt, e) == -1) {
			if (errno == ENOENT)
				continue;
			stats_rows_free(all, n);
			return -1;
		}
		if (found != NULL)
			found[i] = 1;
		if (cnt == 0) {
			free(rows);
			continue;
		}
		if ((grown = reallocarray(all, n + cnt, sizeof(*all))) ==
		    NULL) {
			stats_rows_free(rows, cnt);
			stats_rows_free(all, n);
			errno = ENOMEM;
			return errbuf_set(e, "%s: out of memory", paths[i]);
		}
		all = grown;
		memcpy(all + n, rows, cnt * sizeof(*rows));
		free(rows);		/* the keys moved to all */
		n += cnt;
	}
	if (n > 1)
		qsort(all, n, sizeof(*all), row_key_cmp);
	/* Add up the rows of one key into the first of them. */
	for (i = 0, o = 0; i < n; i = j) {
		d = &all[o];
		if (o != i)
			*d = all[i];
		for (j = i + 1; j < n && strcmp(all[j].key, d->key) == 0;
		    j++) {
			x = &all[j];
			d->a.hits += x->a.hits;
			d->a.revoked_hits += x->a.revoked_hits;
			d->a.backscatter += x->a.backscatter;
			d->a.locked += x->a.locked;
			d->a.expired += x->a.expired;
			if (x->a.first_seen < d->a.first_seen)
				d->a.first_seen = x->a.first_seen;
			if (x->a.last_seen > d->a.last_seen)
				d->a.last_seen = x->a.last_seen;
			d->u.count += x->u.count;
			if (x->u.first_seen < d->u.first_seen)
				d->u.first_seen = x->u.first_seen;
			if (x->u.last_seen > d->u.last_seen)
				d->u.last_seen = x->u.last_seen;
			free(x->key);
		}
		o++;
	}
	*rowsp = all;
	*np = o;
	return 0;
}

int
stats_check(const char *path, struct errbuf *e)
{
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	int	 rc;

	if (stats_read_begin(path, &env, &txn, e) == -1)
		return -1;
	rc = mdb_dbi_open(txn, stats_tab_name[TAB_ALIASES], 0, &dbi);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	if (rc == 0)
		return 0;
	errno = rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE ? EINVAL :
	    amap_errno(rc);
	return errbuf_set(e, "%s: %s", path, rc == MDB_NOTFOUND ||
	    rc == MDB_INCOMPATIBLE ? "not a stats file (no \"aliases\" "
	    "table)" : mdb_strerror(rc));
}
