/*
 * postconf.h: what aliasctl needs to know of Postfix's configuration,
 * read with postconf(1), and the judgment `aliasctl check` makes from
 * it: whether a front end that sees the envelope sender (alias-milter,
 * or alias-lookupd's policy service) is configured, for the warning
 * about sender locks nothing enforces.
 *
 * A small reader: `aliasctl setup postfix` and `doctor` read the
 * configuration their own way (postfix.c); this one runs
 * "postconf -x -h [-c DIR] NAME..." and nothing else.
 */
#ifndef POSTCONF_H
#define POSTCONF_H

#include <stddef.h>

#include "util.h"

/* The parameters postconf_front_end() judges, in postconf_read()'s order. */
enum postconf_param {
	PC_SMTPD_MILTERS,
	PC_RECIPIENT_RESTRICTIONS,	/* smtpd_recipient_restrictions */
	PC_RELAY_RESTRICTIONS,		/* smtpd_relay_restrictions */
	PC_RESTRICTION_CLASSES,		/* smtpd_restriction_classes */
	PC_VIRTUAL_ALIAS_MAPS,
	PC_NPARAM
};

struct postconf {
	char	*value[PC_NPARAM];	/* expanded (postconf -x); owned */
};

/*
 * Reads the parameters with postconf(1) from configdir (NULL: postconf's
 * own default, which $MAIL_CONFIG changes) into *pc.  Returns 0, or -1
 * with the reason in e when postconf is missing, fails or says something
 * we cannot read; *pc is then empty.  Free with postconf_free().
 */
int	postconf_read(const char *configdir, struct postconf *pc,
	    struct errbuf *e);

/* Frees the values of pc; pc itself is the caller's.  NULL ok. */
void	postconf_free(struct postconf *pc);

enum postconf_front {
	PC_FRONT_YES,		/* alias-milter or the policy service */
	PC_FRONT_NO,		/* neither, for certain */
	PC_FRONT_UNKNOWN	/* cannot tell */
};

/*
 * Whether pc configures a front end that enforces sender locks.  Pure.
 * An endpoint of smtpd_milters, or of a check_policy_service in the
 * recipient or relay restrictions (its first item when given as
 * "{ ENDPOINT, settings }"), is ours when it names "aliasctl",
 * "alias-milter" or "alias-lookupd" (the documented socket directory,
 * /var/spool/postfix/aliasctl/, does); another unix: endpoint is not
 * ours.  An inet: endpoint cannot be told from a name, nor can a
 * restriction class (smtpd_restriction_classes set): both make it
 * PC_FRONT_UNKNOWN unless an endpoint of ours was found.  With no
 * milter and no policy service at all it is PC_FRONT_NO.
 */
enum postconf_front postconf_front_end(const struct postconf *pc);

#endif /* POSTCONF_H */
