/*
 * setup.h: what main.cf needs for the alias file, and the command that
 * prints or applies it (setup postfix).  Each main.cf rule is written
 * here once: doctor.c prints the same lines as its fixes.  Postfix's
 * configuration is read and written through postfix.h.
 */
#ifndef SETUP_H
#define SETUP_H

#include <stddef.h>
#include <stdio.h>

#include "aliasfile.h"
#include "cli.h"
#include "postfix.h"
#include "util.h"

/* Where the packaged daemons listen (alias-milter -s, alias-lookupd -s). */
#define SETUP_MILTER_SOCKET	"unix:/var/spool/postfix/aliasctl/milter.sock"
#define SETUP_LOOKUPD_TABLE	"socketmap:inet:127.0.0.1:10027:aliases"
/* Debian's /etc/mailname; $ALIASCTL_MAILNAME names another file. */
#define SETUP_MAILNAME		"/etc/mailname"

/* The parameters that name the domains Postfix delivers otherwise. */
extern const char *const setup_domain_params[];	/* NULL-terminated */

/*
 * The mail name in buf (lowercase, trimmed): the first line of
 * $ALIASCTL_MAILNAME, else of /etc/mailname.  Returns 1, or 0 when
 * there is none (buf "").
 */
int	setup_mailname(char *buf, size_t bufsize);

/*
 * The smtpd_milters entry for the alias-milter socket sock (any form
 * alias-milter -s takes, listen.h) as Postfix names it (unix:PATH,
 * inet:HOST:PORT, inet:[IPV6]:PORT), in *entry (new memory): a unix:
 * path relative to queue_directory when smtpd runs chrooted.  Returns 0,
 * or a sysexits code after saying why (EX_CONFIG: the path is outside
 * the chroot, or master.cf disagrees with itself; EX_UNAVAILABLE: no
 * postconf; EX_USAGE: sock is not a socket, or a relative path).
 */
int	setup_milter_entry(const struct postfix *pf, const char *sock,
	    char **entry);

/*
 * Where a milter entry of main.cf (unix:PATH, inet:HOST:PORT, the forms
 * of listen.h, "{ ENTRY, ... }") connects to, as "unix:/real/path",
 * "inet:HOST:PORT" or "inet:[IPV6]:PORT", into buf: a unix: path made
 * real against queue_dir when chroot is set or the path is relative.
 * Returns 0, or -1 when the entry is not one of these.
 */
int	setup_milter_resolve(const char *entry, int chroot,
	    const char *queue_dir, char *buf, size_t bufsize);

/*
 * The value param (one of setup_domain_params) should have with the
 * alias file's domains taken out, in *val (new memory), or NULL when it
 * has none of them; why (whybufsize bytes) says what was taken out, and
 * how an element like $myhostname was found to name a domain.  Returns
 * 0, or a sysexits code after saying why: EX_CONFIG when a domain comes
 * from a table or file, which only the admin can edit.
 */
int	setup_without_domains(const struct postfix *pf,
	    const struct aliasfile *af, const char *param, char **val,
	    char *why, size_t whybufsize);

/*
 * The recipient_delimiter that covers cur (kept, in its order) and
 * every domain's subaddress: delimiters, into buf.
 */
void	setup_delimiter(const struct aliasfile *af, const char *cur, char *buf,
	    size_t bufsize);

/* Prints "postconf [-c DIR] -e 'NAME = VALUE'" (quoted for sh) and NL. */
void	setup_print_line(FILE *fp, const struct postfix *pf, const char *name,
	    const char *value);

/*
 * setup postfix [--apply] [--milter | --lookupd] [--postfix-config DIR]
 * [--milter-socket SOCKET]
 */
int	cmd_setup(const struct options *, int argc, char **argv);

#endif /* SETUP_H */
