/*
 * postfix.h: Postfix's configuration as its own tools show it.  Every
 * read and write goes through postconf(1), postmap(1) and postfix(1),
 * run without a shell, so that main.cf is parsed, expanded and edited
 * by Postfix itself and never by us.  Used by setup.c and doctor.c.
 */
#ifndef POSTFIX_H
#define POSTFIX_H

#include <stddef.h>

#include "util.h"

/* How long one Postfix command may take before it is killed. */
#define POSTFIX_RUN_MS		30000

/* The configuration to talk about. */
struct postfix {
	const char *config;	/* passed as -c DIR, or NULL: Postfix's own
				   default ($MAIL_CONFIG, else /etc/postfix) */
};

/*
 * Runs prog ("postconf", "postmap", "postfix"; found in $PATH, else in
 * /usr/sbin) with "-c DIR" when pf->config is set, then args (ended by
 * NULL).  Returns its exit status (0-255) with its standard output in
 * *out (new memory, NUL-terminated, free() it; out may be NULL), or -1
 * with the reason in e: errno ENOENT when prog is not installed,
 * ETIMEDOUT after POSTFIX_RUN_MS.  What prog says on standard error
 * goes into e when it exits nonzero: its "fatal:" line, else its first.
 */
int	postfix_run(const struct postfix *pf, const char *prog,
	    const char *const args[], char **out, struct errbuf *e);

/*
 * The value of main.cf parameter name as written (expand 0, postconf
 * -h) or with every $name expanded (expand 1, postconf -x -h), white
 * space trimmed, in *val (new memory).  An unknown parameter is "".
 * Returns 0, or -1 with the reason in e (errno ENOENT: no postconf).
 */
int	postfix_param(const struct postfix *pf, const char *name, int expand,
	    char **val, struct errbuf *e);

/*
 * One element item of parameter name's list (such as "$myhostname" or
 * "${{$compatibility_level} <level {2} ? {$mydestination} : {}}") as
 * Postfix expands it there (postconf -x -h -o name=item name), trimmed,
 * in *val (new memory).  Returns 0, or -1 with the reason in e.
 */
int	postfix_expand(const struct postfix *pf, const char *name,
	    const char *item, char **val, struct errbuf *e);

/*
 * Whether smtpd runs chrooted, from master.cf (postconf -F): every
 * service of type inet or pass whose command is smtpd.  "-" is Postfix
 * 3's default, n.  Returns 1 (all chrooted), 0 (none, or no smtpd at
 * all), or -1 with the reason in e; errno EINVAL when the services
 * disagree (e names them).
 */
int	postfix_smtpd_chroot(const struct postfix *pf, struct errbuf *e);

/* Returns 1 when postconf -m lists the table type, 0 if not, -1 (e). */
int	postfix_has_type(const struct postfix *pf, const char *type,
	    struct errbuf *e);

/*
 * postmap -q key table.  Returns 1 found (its value in *val when val is
 * not NULL, new memory), 0 not found, -1 with the reason in e (the
 * table cannot be read).
 */
int	postfix_query(const struct postfix *pf, const char *key,
	    const char *table, char **val, struct errbuf *e);

/*
 * postconf -e with each of assign ("name = value", n of them) in one
 * run: Postfix writes main.cf whole, by rename.  Returns 0, or -1 (e).
 */
int	postfix_set(const struct postfix *pf, const char *const assign[],
	    size_t n, struct errbuf *e);

/*
 * The sysexits code for a failure of these functions with errno err:
 * EX_UNAVAILABLE when Postfix's tools are not installed, else EX_CONFIG.
 */
int	postfix_sysexit(int err);

/* Returns 1 when "postfix status" says Postfix runs, else 0. */
int	postfix_running(const struct postfix *pf);

/*
 * Splits a Postfix list (commas and white space separate; "{ ... }"
 * stays one item, braces included, and so do "${...}" and "$(...)",
 * Postfix's conditional expressions) into *items (a new array of new
 * strings, n of them; free with postfix_list_free()).  Returns 0, or -1
 * when out of memory.
 */
int	postfix_list_split(const char *value, char ***items, size_t *n);
void	postfix_list_free(char **items, size_t n);

/*
 * Copies DIR/main.cf to DIR/main.cf.aliasctl-YYYYMMDDTHHMMSS (local
 * time; "-N" added when taken), flushed to disk, its name into path.
 * Returns 0, or a sysexits code after saying why: EX_NOINPUT (no
 * main.cf), EX_CANTCREAT, EX_IOERR.
 */
int	postfix_backup_main_cf(const char *dir, char *path, size_t pathsize);
/*
 * Puts the backup back as DIR/main.cf, by rename of a copy.  Returns 0,
 * or -1 after saying why and where the backup is.
 */
int	postfix_restore_main_cf(const char *dir, const char *backup);

/* What postfix_front_end() finds. */
enum postfix_front {
	POSTFIX_FRONT_YES,	/* alias-milter or the policy service */
	POSTFIX_FRONT_NO,	/* neither, for certain */
	POSTFIX_FRONT_UNKNOWN	/* cannot tell */
};

/*
 * Whether Postfix runs a front end that sees the envelope sender (and so
 * enforces sender locks), from the values of smtpd_milters, the
 * recipient and relay restrictions and smtpd_restriction_classes (NULL
 * as ""), as `aliasctl check` judges it.  Pure.  An smtpd_milters item,
 * or the item after a check_policy_service (for "{ ... }", its first
 * word), is ours when it names "aliasctl", "alias-milter" or
 * "alias-lookupd" (the documented socket directory does, as doctor's
 * rule for alias-milter says); another unix: endpoint is not ours.  An
 * inet: endpoint cannot be told by a name, nor can a restriction class
 * (classes set): either makes it POSTFIX_FRONT_UNKNOWN unless one of ours
 * was found, and so does running out of memory.  With no milter and no
 * policy service of ours it is POSTFIX_FRONT_NO.
 */
enum postfix_front postfix_front_end(const char *milters, const char *rcpt,
	    const char *relay, const char *classes);

#endif /* POSTFIX_H */
