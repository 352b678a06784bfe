/*
 * dnscmd.h: aliasctl dns, and the DNS checks of aliasctl doctor --dns
 * (see cli.h for the handlers' contract): the options the two share,
 * the domains to check (the alias file's, or those named), the output.
 * The checks themselves are dnscheck.h's.
 */
#ifndef DNSCMD_H
#define DNSCMD_H

#include <stddef.h>

#include "aliasfile.h"
#include "cli.h"
#include "dns.h"
#include "dnscheck.h"

/* The resolver options (--nameserver, --timeout) and the checks'. */
struct dnscmd_opts {
	const char *servers[DNS_SERVERS_MAX];
	size_t	 nservers;
	int	 timeout;		/* seconds per question */
	const char **selectors;		/* --selector, argv's strings */
	size_t	 nselectors;
	const char **ips;		/* --ip */
	size_t	 nips;
};

/*
 * Initialises o for a command of argc arguments (the most --selector
 * and --ip may hold).  Returns 0, or EX_OSERR (said why).  Free with
 * dnscmd_opts_free().
 */
int	dnscmd_opts_init(struct dnscmd_opts *o, int argc);
void	dnscmd_opts_free(struct dnscmd_opts *o);

/*
 * Takes the option name ("--nameserver", "--timeout", "--selector",
 * "--ip") with its value.  Returns 1 when it was one of them and good,
 * 0 when name is none of them, or EX_USAGE (said why, as cmd says) for
 * a bad value.
 */
int	dnscmd_opt(struct dnscmd_opts *o, const char *cmd, const char *name,
	    const char *val);

/*
 * Checks the domains (n of them, normalised), or, with n 0, every
 * domain of af with its dkim_selectors (--selector overrides them).
 * Returns 0 with *res (nres of them; free with dnscmd_results_free()),
 * or a sysexits code (said why): a resolver that cannot be made.
 */
int	dnscmd_run(const struct dnscmd_opts *o, const char *const *domains,
	    size_t n, const struct aliasfile *af, struct dc_result **res,
	    size_t *nres);
void	dnscmd_results_free(struct dc_result *res, size_t n);

/* dns [--json] [--nameserver H[:P]]... [--timeout S] [--selector S]...
 * [--ip ADDR]... [DOMAIN...] */
int	cmd_dns(const struct options *, int argc, char **argv);

#endif /* DNSCMD_H */
