/*
 * amap.h: LMDB files in Postfix's lmdb: format.  amap.c is the only file
 * that includes lmdb.h.  Both the Postfix map (MAP.lmdb) and the policy
 * file (MAP.policy.lmdb) use this format: unnamed main DB, keys and
 * values ending in one NUL byte, MDB_NOSUBDIR|MDB_NOLOCK, no -lock file,
 * fcntl(2) whole-file locks as Postfix's slmdb does: shared around each
 * read transaction.  Writers never touch a live file: they build a temp
 * file in the same directory and rename(2) it over the old one, so a
 * reader sees the old map or the new one, never a mix.
 */
#ifndef AMAP_H
#define AMAP_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define AMAP_VALUE_MAX	8192	/* longest value amap_get() returns */
#define AMAP_TEMP_TAG	".tmp."	/* temp files: "<path>.tmp.XXXXXX" */

/* ---- reading ---- */

struct amap;

/*
 * Opens the LMDB file at path (the full name, "….lmdb") read-only.
 * Returns 0 and a handle in *mp, or -1 with the reason in e; errno is
 * kept (ENOENT for a missing file).
 */
int	amap_open(const char *path, struct amap **mp, struct errbuf *e);

/*
 * Looks up the NUL-terminated key (the stored key is key plus its NUL)
 * under a shared fcntl lock.  Returns 1 and copies the value with its
 * NUL into val (valsize bytes), 0 when not found, -1 on error (reason
 * in e; a value longer than valsize is an error).
 */
int	amap_get(struct amap *, const char *key, char *val, size_t valsize,
	    struct errbuf *e);

/*
 * A read section: from amap_read_begin() to amap_read_end() the shared
 * lock is held, so the amap_get() calls between cost no lock of their
 * own (a daemon answering one request from three lookups saves four
 * fcntl(2) calls).  Sections nest and overlap across threads.  Keep them
 * short: an in-place writer (postmap -i) waits for them.  Return 0, or
 * -1 with the reason in e.
 */
int	amap_read_begin(struct amap *, struct errbuf *e);
int	amap_read_end(struct amap *, struct errbuf *e);

/* The device and inode of the open file. */
void	amap_ident(const struct amap *, dev_t *dev, ino_t *ino);

/*
 * Calls fn for every pair in key order under one read transaction;
 * stops early when fn returns nonzero and returns that value.  Returns
 * 0 after the last pair, -1 on error.  key and val are only valid during
 * the call.  A damaged file is an error, never a crash: SIGBUS and
 * LMDB's assertions end the walk, and a walk that read fewer pairs than
 * the file records fails.  fn must not call into LMDB.
 */
int	amap_walk(struct amap *, int (*fn)(void *arg, const char *key,
	    const char *val), void *arg, struct errbuf *e);

/*
 * LMDB returns errno values as they are and its own codes as negative
 * numbers; callers look at errno (ENOENT means "no map yet").  Returns
 * the errno for LMDB's return code rc: rc itself when positive, EINVAL
 * for a file that is not LMDB's or is damaged, ENOSPC for a full map,
 * ENOMEM for LMDB's fixed tables, EIO for the rest.  For every file of
 * ours that LMDB reads (stats.c too).
 */
int	amap_errno(int rc);

/* Closes the handle; amap_close(NULL) is a no-op. */
void	amap_close(struct amap *);

/* ---- writing ---- */

struct amap_out;

#define AMAP_OUT_SORTED	0x01	/* keys come in strictly increasing order */
#define AMAP_OUT_EDIT	0x02	/* amap_out_copy(): puts replace */

/*
 * Starts a new file that will replace path: creates a temp file in the
 * same directory (so the directory must be writable).  size_hint is
 * roughly the total bytes of keys and values, used to size the map.
 * Returns 0 and a handle in *op, or -1 with the reason in e.
 */
int	amap_out_new(const char *path, size_t size_hint, unsigned flags,
	    struct amap_out **op, struct errbuf *e);

/*
 * Starts a new file that will replace path as a copy of it (an LMDB
 * file in our format), to change a few keys: amap_out_put() then adds
 * or replaces a pair, amap_out_del() removes one, in any order; commit
 * and free as for amap_out_new().  A few changes cost a copy of the file
 * instead of a build.  Returns 0 and a handle in *op, or -1 with the
 * reason in e.
 */
int	amap_out_copy(const char *path, struct amap_out **op,
	    struct errbuf *e);

/* Removes key (absent is fine).  Returns 0, or -1 (the build ends). */
int	amap_out_del(struct amap_out *, const char *key, struct errbuf *e);

/*
 * Adds the NUL-terminated key and value (both stored with their NUL).
 * Keys must be unique; with AMAP_OUT_SORTED they must also come in
 * increasing byte order.  Values must not be empty.  Returns 0 or -1.
 */
int	amap_out_put(struct amap_out *, const char *key, const char *val,
	    struct errbuf *e);

/* The device and inode the file will have once committed. */
void	amap_out_ident(const struct amap_out *, dev_t *dev, ino_t *ino);

/*
 * Writes and fsyncs everything but does not publish: after it only the
 * rename of amap_out_commit() is left, which cannot fail for lack of
 * space.  Returns 0, or -1 with the temp file removed.
 */
int	amap_out_finish(struct amap_out *, struct errbuf *e);

/*
 * Finishes the file: commits, fsyncs, gives it the mode and owner of the
 * file it replaces (group/other write removed) or 0644, renames it over
 * path and fsyncs the directory.  Returns 0; 1 when only that fsync
 * failed (readers see the new file, but a crash may bring back the old
 * one; the reason in e); or -1 with the old file untouched and the temp
 * file removed.
 */
int	amap_out_commit(struct amap_out *, struct errbuf *e);

/* Frees the handle, removing the temp file unless committed; NULL ok. */
void	amap_out_free(struct amap_out *);

/*
 * Serialises writers of one map: takes an exclusive fcntl lock on
 * lockpath (created 0644 when missing), waiting at most timeout_ms.
 * Returns the locked fd, or -1 with the reason in e and errno EAGAIN
 * when another writer holds it.  close(2) the fd to release.
 */
int	amap_writer_lock(const char *lockpath, int timeout_ms,
	    struct errbuf *e);

#endif /* AMAP_H */
