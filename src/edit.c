/*
 * edit.c: the edit transaction (see edit.h) and the commands that edit
 * the alias file: add, revoke, restore, lock, unlock and new.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "aliasfile.h"
#include "aliasfile_edit.h"
#include "amap.h"
#include "cli.h"
#include "compile.h"
#include "edit.h"
#include "evidence.h"
#include "log.h"
#include "report_files.h"
#include "update.h"
#include "util.h"

#define EDIT_LOCK_MS		10000	/* then EX_TEMPFAIL: another edit runs */
#define EDIT_TO_MAX		100	/* --to options of one add */
#define EDIT_SENDERS_MAX	POLICY_SENDERS_MAX	/* --sender per lock */
#define NEW_LEN			6	/* random characters of a new alias */
#define NEW_TRIES		100	/* then give up: the space is full */
/* No look-alikes: no 0/o, 1/l/i. */
static const char new_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

/* The options add and new share, then each one's own. */
enum { O_NOTE, O_EXPIRES, O_RECEIVE_ONLY, O_TO, O_DOMAIN = O_TO };
static const struct cli_opt add_opts[] = {
	{"--note", "a value"}, {"--expires", "a date"},
	{"--receive-only", NULL}, {"--to", "an address"}, {NULL, NULL}
};
static const struct cli_opt new_opts[] = {
	{"--note", "a value"}, {"--expires", "a date"},
	{"--receive-only", NULL}, {"--domain", "a domain"}, {NULL, NULL}
};

static int	 alias_option(int, const char *, struct af_new_alias *);

static int	 edit_read(int, const char *, char **, size_t *);
static int	 edit_write(int, const char *, struct iovec *, size_t);
static int	 edit_sync_dir(const char *);
static int	 edit_map_failed(const struct options *, const char *, int,
		    const struct errbuf *, const char *);
static int	 edit_adds(const char *, size_t, const struct edit *, char **,
		    size_t *, struct errbuf *);
static int	 edit_fast(const struct options *, const struct edit *,
		    const char *, size_t, char *, size_t, struct update **);
static int	 edit_dry_run(const char *, size_t, const char *);
static int	 new_label(const char *, const char *, char *, size_t);
static int	 new_random(char *);
static int	 new_source(const struct options *, struct aliasfile **,
		    struct aliasfile **, struct update_names **);

/*
 * add ADDRESS [--to ADDR]... [--note TEXT] [--receive-only]
 * [--expires DATE]
 */
int
cmd_add(const struct options *o, int argc, char **argv)
{
	struct edit ed;
	struct addr a;
	struct cli_args args;
	const char *to[EDIT_TO_MAX], *addr = NULL, *v;
	char	 key[ADDR_BUF], today[DATE_BUF], (*tobuf)[ADDR_BUF] = NULL;
	size_t	 nto = 0;
	int	 k, r, rc;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_ADD;
	if ((tobuf = calloc(EDIT_TO_MAX, sizeof(*tobuf))) == NULL) {
		log_warn("calloc");
		return EX_OSERR;
	}
	rc = EX_USAGE;
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, add_opts, &v)) != CLI_DONE) {
		switch (k) {
		case O_TO:
			if (nto == EDIT_TO_MAX) {
				log_warnx("add: at most %d --to", EDIT_TO_MAX);
				goto out;
			}
			if ((r = addr_parse(v, strlen(v), ADDR_KEEP_CASE,
			    &a)) != ADDR_OK) {
				log_warnx("--to: invalid address '%s': %s", v,
				    addr_strerror(r));
				goto out;
			}
			addr_format(&a, tobuf[nto], ADDR_BUF);
			to[nto] = tobuf[nto];
			nto++;
			break;
		case CLI_OPERAND:
			if (addr != NULL) {
				log_warnx("add: unexpected argument '%s'", v);
				goto out;
			}
			addr = v;
			break;
		case CLI_BAD:
			goto out;
		default:
			if (alias_option(k, v, &ed.add) != 0)
				goto out;
		}
	}
	if (addr == NULL) {
		log_warnx("add: which address?");
		goto out;
	}
	if ((rc = cli_address(addr, key)) != 0)
		goto out;
	ed.key = ed.add.key = key;
	ed.add.to = to;
	ed.add.nto = nto;
	date_format(date_today(), today);
	ed.add.created = today;
	rc = edit_file(o, &ed);
out:
	free(tobuf);
	return rc == EX_USAGE ? cli_usage() : rc;
}

/*
 * Sets the option k of add_opts or new_opts that both share, with its
 * value v, in na.  Returns 0, or EX_USAGE (said why).
 */
static int
alias_option(int k, const char *v, struct af_new_alias *na)
{
	switch (k) {
	case O_NOTE:
		na->note = v;
		return 0;
	case O_EXPIRES:
		na->expires = v;
		return cli_date("--expires", v);
	case O_RECEIVE_ONLY:
		na->receive_only = 1;
		return 0;
	}
	return EX_USAGE;
}

/* revoke ADDRESS [--reason TEXT] [--date DATE] */
int
cmd_revoke(const struct options *o, int argc, char **argv)
{
	struct edit ed;
	static const struct cli_opt opts[] = {
		{"--reason", "a value"}, {"--date", "a date"}, {NULL, NULL}
	};
	struct cli_args args;
	const char *addr = NULL, *v;
	char	 key[ADDR_BUF], today[DATE_BUF];
	int	 k;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_REVOKE;
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == CLI_BAD)
			return cli_usage();
		if (k == 0) {
			if (v[0] == '\0') {
				log_warnx("--reason: empty");
				return cli_usage();
			}
			ed.reason = v;
		} else if (k == 1) {
			if (cli_date("--date", v) != 0)
				return cli_usage();
			ed.date = v;
		} else if (addr != NULL) {
			log_warnx("revoke: unexpected argument '%s'", v);
			return cli_usage();
		} else
			addr = v;
	}
	if (addr == NULL) {
		log_warnx("revoke: which address?");
		return cli_usage();
	}
	if (cli_address(addr, key) != 0)
		return cli_usage();
	if (addr_always(key, strcspn(key, "@")) != -1) {
		log_warnx("%s cannot be revoked: postmaster@ and abuse@ of "
		    "every domain are always accepted (RFC 5321 4.5.1, "
		    "RFC 2142); nothing changed", key);
		return EX_DATAERR;
	}
	if (ed.date == NULL) {
		date_format(date_today(), today);
		ed.date = today;
	}
	ed.key = key;
	return edit_file(o, &ed);
}

/* restore ADDRESS */
int
cmd_restore(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = { {NULL, NULL} };
	struct cli_args args;
	struct edit ed;
	const char *addr = NULL, *v;
	char	 key[ADDR_BUF];
	int	 k;

	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == CLI_BAD)
			return cli_usage();
		if (addr != NULL) {
			log_warnx("restore: unexpected argument '%s'", v);
			return cli_usage();
		}
		addr = v;
	}
	if (addr == NULL) {
		log_warnx("restore: which address?");
		return cli_usage();
	}
	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_RESTORE;
	if (cli_address(addr, key) != 0)
		return cli_usage();
	ed.key = key;
	return edit_file(o, &ed);
}

/*
 * lock ADDRESS [--sender S]... [--dry-run] [--merge FILE]...: the
 * alias's senders: become the senders named, normalised, each once;
 * without --sender, the alias's established sender domains in the stats
 * files, the other MX hosts' --merge files among them
 * (evidence_lock_senders()).
 */
int
cmd_lock(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"--sender", "a domain or an address"}, {"--dry-run", NULL},
		REPORT_OPT_MERGE, {NULL, NULL}
	};
	struct cli_args args;
	struct report_files sf;
	struct edit ed;
	const char *addr = NULL, *v, *list[EDIT_SENDERS_MAX];
	char	 key[ADDR_BUF], (*buf)[ADDR_BUF] = NULL;
	size_t	 n = 0, i, len;
	int	 k, r, domain, rc = EX_USAGE;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_LOCK;
	report_files_init(&sf);
	/* One more: each --sender is normalised before it is counted. */
	if ((buf = calloc(EDIT_SENDERS_MAX + 1, sizeof(*buf))) == NULL) {
		log_warn("calloc");
		return EX_OSERR;
	}
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == CLI_BAD)
			goto out;
		if (k == 1) {
			ed.dry_run = 1;
			continue;
		}
		if (k == 2) {
			if ((rc = report_files_merge(&sf, v)) != 0)
				goto out;
			rc = EX_USAGE;
			continue;
		}
		if (k == CLI_OPERAND) {
			if (addr != NULL) {
				log_warnx("lock: unexpected argument '%s'", v);
				goto out;
			}
			addr = v;
			continue;
		}
		if ((r = addr_sender(v, strlen(v), buf[n], &len, &domain)) !=
		    ADDR_OK) {
			log_warnx("--sender: invalid %s '%s': %s", domain ?
			    "domain" : "address", v, addr_strerror(r));
			goto out;
		}
		/* The same sender twice is one entry. */
		for (i = 0; i < n && strcmp(list[i], buf[n]) != 0; i++)
			;
		if (i < n)
			continue;
		if (n == EDIT_SENDERS_MAX) {
			log_warnx("lock: at most %d senders", EDIT_SENDERS_MAX);
			goto out;
		}
		list[n] = buf[n];
		n++;
	}
	if (addr == NULL) {
		log_warnx("lock: which address?");
		goto out;
	}
	if ((rc = cli_address(addr, key)) != 0)
		goto out;
	if (addr_always(key, strcspn(key, "@")) != -1) {
		log_warnx("%s cannot be locked: postmaster@ and abuse@ of "
		    "every domain accept mail from everyone (RFC 5321 4.5.1, "
		    "RFC 2142); nothing changed", key);
		rc = EX_DATAERR;
		goto out;
	}
	if (n > 0 && sf.n > 0) {
		log_warnx("lock: --merge reads the evidence for a lock "
		    "without --sender; with --sender it has nothing to do");
		rc = EX_USAGE;
		goto out;
	}
	/* No --sender: the established senders of the evidence. */
	if (n == 0 && (rc = evidence_lock_senders(o, &sf, key, list, buf,
	    EDIT_SENDERS_MAX, &n)) != 0)
		goto out;
	ed.key = key;
	ed.senders = list;
	ed.nsenders = n;
	rc = edit_file(o, &ed);
out:
	report_files_free(&sf);
	free(buf);
	return rc == EX_USAGE ? cli_usage() : rc;
}

/* unlock ADDRESS [--dry-run]: removes the alias's senders:. */
int
cmd_unlock(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"--dry-run", NULL}, {NULL, NULL}
	};
	struct cli_args args;
	struct edit ed;
	const char *addr = NULL, *v;
	char	 key[ADDR_BUF];
	int	 k;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_UNLOCK;
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == CLI_BAD)
			return cli_usage();
		if (k == 0)
			ed.dry_run = 1;
		else if (addr != NULL) {
			log_warnx("unlock: unexpected argument '%s'", v);
			return cli_usage();
		} else
			addr = v;
	}
	if (addr == NULL) {
		log_warnx("unlock: which address?");
		return cli_usage();
	}
	if (cli_address(addr, key) != 0)
		return cli_usage();
	ed.key = key;
	return edit_file(o, &ed);
}

/*
 * Reads the whole file open on fd into a new buffer (NUL-terminated,
 * the caller frees it).  Returns 0 or EX_IOERR/EX_OSERR.
 */
static int
edit_read(int fd, const char *path, char **buf, size_t *len)
{
	struct stat st;
	char	*p = NULL, *np;
	size_t	 cap, n = 0;
	ssize_t	 got;

	if (fstat(fd, &st) == -1) {
		log_warn("%s", path);
		return EX_IOERR;
	}
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	for (;;) {
		if (n + 1 >= cap || p == NULL) {
			cap = p == NULL ? cap : cap * 2;
			if ((np = realloc(p, cap)) == NULL) {
				log_warn("%s", path);
				free(p);
				return EX_OSERR;
			}
			p = np;
		}
		if ((got = read(fd, p + n, cap - n - 1)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s", path);
			free(p);
			return EX_IOERR;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

/*
 * Writes the n pieces at iov to fd, in order, then fsyncs it.  Returns
 * 0 or EX_IOERR.
 */
static int
edit_write(int fd, const char *path, struct iovec *iov, size_t n)
{
	ssize_t	 got;
	size_t	 k;

	while (n > 0) {
		if (iov->iov_len == 0) {
			iov++;
			n--;
			continue;
		}
		if ((got = writev(fd, iov, n > IOV_MAX ? IOV_MAX : (int)n)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s", path);
			return EX_IOERR;
		}
		for (k = (size_t)got; n > 0 && k >= iov->iov_len; n--, iov++)
			k -= iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= k;
		}
	}
	if (fsync(fd) == -1) {
		log_warn("%s: fsync", path);
		return EX_IOERR;
	}
	return 0;
}

/* fsync(2) the directory of path, so that a rename is durable. */
static int
edit_sync_dir(const char *path)
{
	char	 dir[4096];
	int	 fd, rc = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	if (fsync(fd) == -1)
		rc = -1;
	close(fd);
	return rc;
}

/*
 * Says what a failed publish of the map at base (rc from compile_map()
 * or update_publish(), the reason in e; how the map was to be done)
 * means for the edit.  Returns 0 when the new map files are in use, so
 * that the edited alias file follows them, else the exit code: the
 * edit is not made.
 */
static int
edit_map_failed(const struct options *o, const char *base, int rc,
    const struct errbuf *e, const char *done)
{
	int	 half = rc == COMPILE_HALF;

	if ((rc = cli_map_failed(base, rc, e)) == 0)
		return 0;
	if (half)
		log_warnx("%s: unchanged; alias-milter and alias-lookupd go by "
		    "the new policy file until aliasctl compile undoes it: "
		    "after the compile, make the edit again", o->file);
	else
		log_warnx("%s: map not %s, edit rolled back; nothing changed",
		    o->file, done);
	return rc;
}

/*
 * Makes one edit of the alias file, atomically: under an exclusive lock
 * on FILE.lock, the new text goes to a temp file in the same directory
 * (same mode and owner), which must load without errors and compile;
 * only then is it renamed over the file.  On any failure the temp file
 * is removed and the file is as it was, and so is the map but when its
 * publish failed half-way (edit_map_failed()).  Returns 0 or a sysexits
 * code.
 */
int
edit_file(const struct options *o, const struct edit *ed)
{
	struct aliasfile *af = NULL;
	struct update *up = NULL;
	struct policy_counts c;
	struct errbuf e;
	struct stat st;
	struct iovec iov[UPDATE_PIECES];
	char	 lockpath[4096], tmp[4096], base[4096];
	char	*text = NULL, *out = NULL;
	size_t	 len, outlen, n;
	int	 lockfd, fd = -1, tmpfd = -1, r, rc;

	if (path_suffix(lockpath, sizeof(lockpath), o->file, ".lock") == -1 ||
	    path_suffix(tmp, sizeof(tmp), o->file, ".edit.XXXXXX") == -1) {
		log_warnx("%s: path too long", o->file);
		return EX_CONFIG;
	}
	if ((rc = cli_file_trusted(o->file)) != 0)
		return rc;
	if ((lockfd = amap_writer_lock(lockpath, EDIT_LOCK_MS, &e)) == -1) {
		if (errno == EAGAIN) {
			log_warnx("%s: being edited by another process (lock "
			    "%s busy for %d s); nothing changed", o->file,
			    lockpath, EDIT_LOCK_MS / 1000);
			return EX_TEMPFAIL;
		}
		log_warnx("%s", e.msg);
		return EX_CANTCREAT;
	}
	/* What edits killed mid-way left (we hold the lock). */
	path_remove_temps(o->file, ".edit.");
	if ((fd = open(o->file, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s", o->file);
		rc = errno == ENOENT || errno == EACCES ? EX_NOINPUT : EX_IOERR;
		goto out;
	}
	if ((rc = edit_read(fd, o->file, &text, &len)) != 0)
		goto out;
	if (fstat(fd, &st) == -1) {
		log_warn("%s", o->file);
		rc = EX_IOERR;
		goto out;
	}
	if ((rc = edit_fast(o, ed, text, len, base, sizeof(base), &up)) != 0)
		goto out;
	switch (up != NULL ? -1 : (int)ed->op) {
	case -1:	/* edit_fast() made the edit */
		r = AF_EDIT_OK;
		break;
	case EDIT_ADD:
		r = edit_adds(text, len, ed, &out, &outlen, &e);
		break;
	case EDIT_REVOKE:
		r = af_edit_revoke(text, len, ed->key, ed->date, ed->reason,
		    &out, &outlen, &e);
		break;
	case EDIT_LOCK:
		r = af_edit_lock(text, len, ed->key, ed->senders,
		    ed->nsenders, &out, &outlen, &e);
		break;
	case EDIT_UNLOCK:
		r = af_edit_unlock(text, len, ed->key, &out, &outlen, &e);
		break;
	default:
		r = af_edit_restore(text, len, ed->key, &out, &outlen, &e);
		break;
	}
	switch (r) {
	case AF_EDIT_OK:
		break;
	case AF_EDIT_NOT_FOUND:
		rc = EX_NOUSER;
		break;
	case AF_EDIT_NOMEM:
		rc = EX_OSERR;
		break;
	default:	/* a bad file, a duplicate, a wrong state */
		rc = EX_DATAERR;
		break;
	}
	if (r != AF_EDIT_OK) {
		log_warnx("%s: %s; nothing changed", o->file, e.msg);
		goto out;
	}
	if ((tmpfd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_warn("%s: cannot create a temp file", tmp);
		rc = EX_CANTCREAT;
		goto out;
	}
	/* Never written group or world writable (see cli_file_trusted()). */
	if (fchmod(tmpfd, st.st_mode & 07777 & ~(mode_t)(S_IWGRP | S_IWOTH))
	    == -1 ||
	    ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(tmpfd, st.st_uid, st.st_gid) == -1)) {
		log_warn("%s: cannot give it the mode and owner of %s", tmp,
		    o->file);
		rc = EX_CANTCREAT;
		goto fail;
	}
	if (up != NULL)
		n = update_pieces(up, iov);
	else {
		iov[0] = (struct iovec){ out, outlen };
		n = 1;
	}
	if ((rc = edit_write(tmpfd, tmp, iov, n)) != 0)
		goto fail;
	close(tmpfd);
	tmpfd = -1;
	if (up != NULL) {
		rc = update_publish(up, &e);
		if (rc != 0 && (rc = edit_map_failed(o, base, rc, &e,
		    "updated")) != 0)
			goto fail;
		c = *update_counts(up);
		goto publish;
	}
	/* The edited text must load; the map is compiled from it. */
	if ((rc = cli_load_as(o, tmp, &af)) != 0) {
		log_warnx("%s: the edit would make the file invalid (above); "
		    "nothing changed", o->file);
		goto fail;
	}
	if (ed->dry_run) {
		rc = edit_dry_run(out, outlen, ed->key);
		goto fail;	/* the temp file goes, nothing else changed */
	}
	if ((rc = cli_map_base(o, af->map, base, sizeof(base))) != 0)
		goto fail;
	if ((rc = compile_map(af, base, date_today(), &c, &e)) != 0 &&
	    (rc = edit_map_failed(o, base, rc, &e, "compiled")) != 0)
		goto fail;
publish:
	if (rename(tmp, o->file) == -1) {
		log_warn("rename %s to %s", tmp, o->file);
		log_warnx("%s%s was compiled from the edit but %s is "
		    "unchanged: fix and run aliasctl compile", base,
		    COMPILE_SUFFIX_MAP, o->file);
		rc = EX_IOERR;
		goto fail;
	}
	if (edit_sync_dir(o->file) == -1)
		log_warn("%s: fsync of the directory", o->file);
	if (ed->quiet) {
		rc = 0;
		goto out;
	}
	if (ed->nadds > 0)
		printf("added %zu alias%s\n", ed->nadds,
		    ed->nadds == 1 ? "" : "es");
	else
		printf("%s %s\n", ed->op == EDIT_ADD ? "added" :
		    ed->op == EDIT_REVOKE ? "revoked" :
		    ed->op == EDIT_LOCK ? "locked" :
		    ed->op == EDIT_UNLOCK ? "unlocked" : "restored", ed->key);
	printf("%s%s: %zu entries (", base, COMPILE_SUFFIX_MAP, c.entries);
	cli_print_counts(&c);
	printf(")\n");
	rc = cli_flush();
	goto out;
fail:
	if (tmpfd != -1)
		close(tmpfd);
	tmpfd = -1;
	unlink(tmp);
out:
	update_free(up);
	af_free(af);
	free(text);
	free(out);
	if (fd != -1)
		close(fd);
	close(lockfd);
	return rc;
}

/*
 * --dry-run: prints the entry of key in the edited text (len bytes) and
 * "nothing changed" to stderr.  Returns 0 or a sysexits code.
 */
static int
edit_dry_run(const char *text, size_t len, const char *key)
{
	struct errbuf e;
	size_t	 off, elen;

	if (af_edit_entry(text, len, key, &off, &elen, &e) != AF_EDIT_OK) {
		log_warnx("%s", e.msg);
		return EX_SOFTWARE;
	}
	fwrite(text + off, 1, elen, stdout);
	if (elen > 0 && text[off + elen - 1] != '\n')
		putchar('\n');
	log_warnx("dry run: nothing changed");
	return cli_flush();
}

/*
 * The one alias of an add, or each of an import in turn: returns
 * af_edit_add()'s code and the final text in *out.
 */
static int
edit_adds(const char *text, size_t len, const struct edit *ed, char **out,
    size_t *outlen, struct errbuf *e)
{
	char	*prev = NULL;
	size_t	 i;
	int	 r;

	if (ed->nadds == 0)
		return af_edit_add(text, len, &ed->add, out, outlen, e);
	for (i = 0; i < ed->nadds; i++) {
		r = af_edit_add(prev != NULL ? prev : text, prev != NULL ?
		    *outlen : len, &ed->adds[i], out, outlen, e);
		free(prev);
		if (r != AF_EDIT_OK)
			return r;
		prev = *out;
	}
	return AF_EDIT_OK;
}

/*
 * An edit of one alias (or an import's adds) made on the compiled map as
 * the keys it changes (update.h), when the map still belongs to text
 * (len bytes): then *up holds the edit and base the map base path.  Returns 0 (*up NULL: take the full way, and -v
 * says why), or a sysexits code.
 */
static int
edit_fast(const struct options *o, const struct edit *ed, const char *text,
    size_t len, char *base, size_t basesize, struct update **up)
{
	struct errbuf e;
	char	 map[4096];
	int	 r;

	*up = NULL;
	if (ed->dry_run)
		return 0;
	if (af_head_map(text, len, map, sizeof(map)) == -1) {
		log_debug("%s: no aliases: key at the top; compiling in full",
		    o->file);
		return 0;
	}
	if (cli_map_base(o, map[0] != '\0' ? map : NULL, base, basesize) != 0)
		return 0;
	r = update_edit(text, len, base, ed, date_today(), up, &e);
	if (r == UPDATE_FULL) {
		log_debug("%s: %s; compiling in full", o->file, e.msg);
		return 0;
	}
	if (r != 0) {
		log_warnx("%s; nothing changed", e.msg);
		return r;
	}
	if (ed->nadds > 1)
		log_debug("%s: the map still belongs to the file: changing "
		    "the keys of the %zu aliases only", o->file, ed->nadds);
	else
		log_debug("%s: the map still belongs to the file: changing "
		    "the keys of %s only", o->file, ed->key);
	return 0;
}

/*
 * Lowercases label into buf: a dot-atom (RFC 5322) without the
 * subaddress delimiters delims, short enough for LABEL.XXXXXX to be a
 * local part.  Returns 0, or EX_USAGE.
 */
static int
new_label(const char *label, const char *delims, char *buf, size_t bufsize)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	size_t	 i, len = strlen(label);
	int	 c;

	if (len == 0 || len + 1 + NEW_LEN > 64 || len >= bufsize ||
	    label[0] == '.' || label[len - 1] == '.' ||
	    strstr(label, "..") != NULL)
		goto bad;
	for (i = 0; i < len; i++) {
		c = (unsigned char)label[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || strchr(atext, c) != NULL) ||
		    strchr(delims, c) != NULL)
			goto bad;
		buf[i] = (char)c;
	}
	buf[len] = '\0';
	return 0;
bad:
	log_warnx("new: invalid label '%s' (want a dot-atom of at most %d "
	    "characters%s%s)", label, 64 - 1 - NEW_LEN,
	    delims[0] != '\0' ? " without " : "", delims);
	return EX_USAGE;
}

/*
 * NEW_LEN characters of new_alphabet and a NUL into buf, from
 * getrandom(2).  Bytes at or above the largest multiple of the alphabet
 * size are rejected, so that every character is equally likely.
 * Returns 0 or -1.
 */
static int
new_random(char *buf)
{
	const unsigned n = sizeof(new_alphabet) - 1;
	const unsigned limit = 256 - 256 % n;
	unsigned char r[64];
	size_t	 got = 0, i = 0;
	ssize_t	 k;

	while (got < NEW_LEN) {
		if (i == 0 || i == sizeof(r)) {
			if ((k = getrandom(r, sizeof(r), 0)) == -1) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if ((size_t)k < sizeof(r))
				memset(r + k, 0xff, sizeof(r) - k);
			i = 0;
		}
		if (r[i] < limit)
			buf[got++] = new_alphabet[r[i] % n];
		i++;
	}
	buf[got] = '\0';
	return 0;
}

/*
 * new LABEL [--domain DOMAIN] [--note TEXT] [--receive-only]
 * [--expires DATE]: adds LABEL.XXXXXX@DOMAIN with a name that no alias
 * of the file has or had (revoked ones stay in the file), prints it.
 */
int
cmd_new(const struct options *o, int argc, char **argv)
{
	struct aliasfile *af = NULL, *head = NULL;
	const struct aliasfile *src;
	struct update_names *names = NULL;
	struct errbuf e;
	struct edit ed;
	struct cli_args args;
	const char *label = NULL, *domain = NULL, *v;
	char	 lab[64], rnd[NEW_LEN + 1], cand[ADDR_BUF], key[ADDR_BUF];
	char	 dom[256], today[DATE_BUF];
	size_t	 len;
	int	 i, k, di, rc;

	memset(&ed, 0, sizeof(ed));
	ed.op = EDIT_ADD;
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, new_opts, &v)) != CLI_DONE) {
		switch (k) {
		case O_DOMAIN:
			domain = v;
			break;
		case CLI_OPERAND:
			if (label != NULL) {
				log_warnx("new: unexpected argument '%s'", v);
				return cli_usage();
			}
			label = v;
			break;
		case CLI_BAD:
			return cli_usage();
		default:
			if (alias_option(k, v, &ed.add) != 0)
				return cli_usage();
		}
	}
	if (label == NULL) {
		log_warnx("new: which label?");
		return cli_usage();
	}
	if ((rc = new_source(o, &af, &head, &names)) != 0)
		return rc;
	src = af != NULL ? af : head;
	if (domain != NULL) {
		len = strlen(domain);
		if (len > 0 && domain[len - 1] == '.')
			len--;
		if (len == 0 || len >= sizeof(dom)) {
			log_warnx("new: invalid domain '%s'", domain);
			rc = EX_USAGE;
			goto out;
		}
		for (i = 0; i < (int)len; i++)
			dom[i] = domain[i] >= 'A' && domain[i] <= 'Z' ?
			    domain[i] + ('a' - 'A') : domain[i];
		dom[len] = '\0';
		if ((di = af_find_domain(src, dom)) == -1) {
			log_warnx("%s: %s is not a domain under domains:; "
			    "nothing changed", o->file, dom);
			rc = EX_DATAERR;
			goto out;
		}
	} else if (src->ndomains == 0) {
		log_warnx("%s: no domains; nothing changed", o->file);
		rc = EX_DATAERR;
		goto out;
	} else
		di = 0;
	if ((rc = new_label(label, src->domains[di].subaddress, lab,
	    sizeof(lab))) != 0)
		goto out;
	for (i = 0; i < NEW_TRIES; i++) {
		if (new_random(rnd) == -1) {
			log_warn("getrandom");
			rc = EX_OSERR;
			goto out;
		}
		snprintf(cand, sizeof(cand), "%s.%s@%s", lab, rnd,
		    src->domains[di].name);
		if ((rc = cli_address(cand, key)) != 0)
			goto out;
		if (af != NULL) {
			if (af_find_alias(af, key) == NULL)
				break;
		} else if ((k = update_name_known(names, key, &e)) == 0)
			break;
		else if (k == -1) {
			log_warnx("%s; nothing changed", e.msg);
			rc = EX_IOERR;
			goto out;
		}
	}
	if (i == NEW_TRIES) {
		log_warnx("new: no free name for '%s' after %d tries; nothing "
		    "changed", lab, NEW_TRIES);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	ed.key = ed.add.key = key;
	date_format(date_today(), today);
	ed.add.created = today;
	ed.quiet = 1;
	/* The map's handles go first: the add replaces the files. */
	update_names_free(names);
	names = NULL;
	if ((rc = edit_file(o, &ed)) != 0)
		goto out;
	printf("%s\n", key);
	rc = cli_flush();
out:
	update_names_free(names);
	af_free(head);
	af_free(af);
	return rc == EX_USAGE ? cli_usage() : rc;
}

/*
 * Where `new` learns the domains and which names are taken: from the
 * map and the policy file when they belong to the file (*names and its
 * head in *head), else from a load of the whole file (*af).  Returns 0
 * or a sysexits code (the load's, said why).
 */
static int
new_source(const struct options *o, struct aliasfile **af,
    struct aliasfile **head, struct update_names **names)
{
	struct errbuf e;
	char	 map[4096], base[4096];
	char	*text = NULL;
	size_t	 len;
	int	 fd;

	*af = *head = NULL;
	*names = NULL;
	if ((fd = open(o->file, O_RDONLY | O_CLOEXEC)) != -1) {
		if (edit_read(fd, o->file, &text, &len) == 0 &&
		    af_head_map(text, len, map, sizeof(map)) == 0 &&
		    cli_map_base(o, map[0] != '\0' ? map : NULL, base,
		    sizeof(base)) == 0 && update_names(text, len, base, names,
		    head, &e) == 0)
			log_debug("%s: the map still belongs to the file: "
			    "names checked in the map only", o->file);
		close(fd);
		free(text);
	}
	if (*names != NULL)
		return 0;
	return cli_load(o, af);
}
