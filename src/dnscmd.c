/*
 * dnscmd.c: aliasctl dns (see dnscmd.h): options, which domains, and
 * the output, one line per check or --json; doctor.c runs the same
 * checks through dnscmd_run().  Apart from dnscheck.c so that the rules
 * stay free of options and printing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "address.h"
#include "aliasfile.h"
#include "cli.h"
#include "dns.h"
#include "dnscheck.h"
#include "dnscmd.h"
#include "log.h"
#include "output.h"
#include "util.h"

#define TIMEOUT_MAX	300	/* seconds: --timeout */

static int	 run_one(struct dnscheck *, const char *domain,
		    const char *const *sel, size_t nsel, struct dc_result *);
static int	 split_selectors(const char *list, char ***sel, size_t *n);
static void	 label(const struct dc_check *, char *buf, size_t size);
static void	 print_text(const struct dc_result *, size_t n);
static void	 print_json(const struct dc_result *, size_t n);
static void	 json_or_null(const char *);

int
dnscmd_opts_init(struct dnscmd_opts *o, int argc)
{
	memset(o, 0, sizeof(*o));
	o->timeout = DNS_TIMEOUT_DEFAULT;
	o->selectors = calloc((size_t)argc + 1, sizeof(*o->selectors));
	o->ips = calloc((size_t)argc + 1, sizeof(*o->ips));
	if (o->selectors == NULL || o->ips == NULL) {
		dnscmd_opts_free(o);
		log_warnx("out of memory");
		return EX_OSERR;
	}
	return 0;
}

void
dnscmd_opts_free(struct dnscmd_opts *o)
{
	free(o->selectors);
	free(o->ips);
	o->selectors = NULL;
	o->ips = NULL;
}

int
dnscmd_opt(struct dnscmd_opts *o, const char *cmd, const char *name,
    const char *val)
{
	char	 sel[ADDR_SELECTOR_MAX + 1], *end;
	long	 v;

	if (strcmp(name, "--nameserver") == 0) {
		if (o->nservers == DNS_SERVERS_MAX) {
			log_warnx("%s: more than %d --nameserver", cmd,
			    DNS_SERVERS_MAX);
			return EX_USAGE;
		}
		o->servers[o->nservers++] = val;
		return 1;
	}
	if (strcmp(name, "--timeout") == 0) {
		errno = 0;
		v = strtol(val, &end, 10);
		if (val[0] < '0' || val[0] > '9' || *end != '\0' ||
		    errno != 0 || v < 1 || v > TIMEOUT_MAX) {
			log_warnx("%s: --timeout must be 1 to %d seconds, not "
			    "'%s'", cmd, TIMEOUT_MAX, val);
			return EX_USAGE;
		}
		o->timeout = (int)v;
		return 1;
	}
	if (strcmp(name, "--selector") == 0) {
		if (addr_selector(val, strlen(val), sel) == -1) {
			log_warnx("%s: bad selector '%s': expected DNS labels "
			    "(letters, digits, '-', '_') separated by dots, at "
			    "most %d bytes", cmd, val, ADDR_SELECTOR_MAX);
			return EX_USAGE;
		}
		o->selectors[o->nselectors++] = val;
		return 1;
	}
	if (strcmp(name, "--ip") == 0) {
		if (!dc_ip_valid(val)) {
			log_warnx("%s: --ip '%s' is not an IPv4 or IPv6 "
			    "address (with an optional /prefix)", cmd, val);
			return EX_USAGE;
		}
		o->ips[o->nips++] = val;
		return 1;
	}
	return 0;
}

/* Splits "a b c" into *sel (n of them; free each and *sel). */
static int
split_selectors(const char *list, char ***sel, size_t *n)
{
	const char *p = list, *sp;
	size_t	 cap = 1, len;
	char	**v;

	*sel = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	for (sp = list; *sp != '\0'; sp++)
		cap += *sp == ' ';
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;
	*sel = v;
	while (*p != '\0') {
		len = strcspn(p, " ");
		if ((v[*n] = strndup(p, len)) == NULL)
			return -1;
		(*n)++;
		p += len + (p[len] == ' ');
	}
	return 0;
}

/* The checks of one domain.  Returns 0, or EX_OSERR (said why). */
static int
run_one(struct dnscheck *dc, const char *domain, const char *const *sel,
    size_t nsel, struct dc_result *r)
{
	struct errbuf e;

	if (dc_domain(dc, domain, sel, nsel, r, &e) == -1) {
		log_warnx("%s: %s", domain, e.msg);
		return EX_OSERR;
	}
	return 0;
}

int
dnscmd_run(const struct dnscmd_opts *o, const char *const *domains,
    size_t n, const struct aliasfile *af, struct dc_result **resp,
    size_t *nres)
{
	struct dns *dns = NULL;
	struct dnscheck *dc = NULL;
	struct dc_result *res = NULL;
	struct errbuf e;
	char	**sel = NULL;
	size_t	 i, k, nsel = 0, total = n > 0 ? n : af->ndomains;
	int	 usage, rc;

	*resp = NULL;
	*nres = 0;
	if (dns_new(&dns, o->servers, o->nservers, o->timeout, &usage,
	    &e) == -1) {
		log_warnx("dns: %s", e.msg);
		return usage ? EX_USAGE : EX_CONFIG;
	}
	if (dc_new(&dc, dns, o->ips, o->nips, &e) == -1) {
		log_warnx("dns: %s", e.msg);
		rc = EX_SOFTWARE;
		goto out;
	}
	if ((res = calloc(total > 0 ? total : 1, sizeof(*res))) == NULL) {
		log_warnx("out of memory");
		rc = EX_OSERR;
		goto out;
	}
	for (i = 0; i < total; i++) {
		if (n > 0 || o->nselectors > 0)
			rc = run_one(dc, n > 0 ? domains[i] :
			    af->domains[i].name, o->selectors, o->nselectors,
			    &res[i]);
		else if (split_selectors(af->domains[i].dkim_selectors, &sel,
		    &nsel) == -1) {
			log_warnx("out of memory");
			rc = EX_OSERR;
		} else
			rc = run_one(dc, af->domains[i].name,
			    (const char *const *)sel, nsel, &res[i]);
		for (k = 0; k < nsel; k++)
			free(sel[k]);
		free(sel);
		sel = NULL;
		nsel = 0;
		if (rc != 0) {
			dnscmd_results_free(res, i + 1);
			res = NULL;
			goto out;
		}
	}
	*resp = res;
	*nres = total;
	rc = 0;
out:
	dc_free(dc);
	dns_free(dns);
	return rc;
}

void
dnscmd_results_free(struct dc_result *res, size_t n)
{
	size_t	 i;

	if (res == NULL)
		return;
	for (i = 0; i < n; i++)
		dc_result_free(&res[i]);
	free(res);
}

/* "spf", "dmarc", "mx", "dkim" or "dkim:SELECTOR". */
static void
label(const struct dc_check *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", c->check, c->selector[0] != '\0' ?
	    ":" : "", c->selector);
}

static void
print_text(const struct dc_result *r, size_t n)
{
	char	 lab[128];
	const char *p, *nl;
	size_t	 i, k, len;
	int	 dw = 0, cw = 0;

	for (i = 0; i < n; i++) {
		if ((len = strlen(r[i].domain)) > (size_t)dw)
			dw = (int)len;
		for (k = 0; k < r[i].n; k++) {
			label(&r[i].c[k], lab, sizeof(lab));
			if ((len = strlen(lab)) > (size_t)cw)
				cw = (int)len;
		}
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < r[i].n; k++) {
			label(&r[i].c[k], lab, sizeof(lab));
			printf("%-*s  %-*s  %-7s  %s\n", dw, r[i].domain, cw,
			    lab, dc_status_name(r[i].c[k].status),
			    r[i].c[k].detail);
			for (p = r[i].c[k].publish; p != NULL && *p != '\0';
			    p = nl + (*nl != '\0')) {
				nl = p + strcspn(p, "\n");
				printf("    publish: %.*s\n", (int)(nl - p), p);
			}
		}
}

static void
json_or_null(const char *s)
{
	if (s == NULL)
		printf("null");
	else
		output_json_string(s);
}

static void
print_json(const struct dc_result *r, size_t n)
{
	size_t	 i, k;

	printf("{\"domains\":[");
	for (i = 0; i < n; i++) {
		printf("%s{\"domain\":", i > 0 ? "," : "");
		output_json_string(r[i].domain);
		printf(",\"checks\":[");
		for (k = 0; k < r[i].n; k++) {
			printf("%s{\"check\":\"%s\",\"status\":\"%s\","
			    "\"detail\":", k > 0 ? "," : "", r[i].c[k].check,
			    dc_status_name(r[i].c[k].status));
			output_json_string(r[i].c[k].detail);
			printf(",\"record\":");
			json_or_null(r[i].c[k].record);
			printf(",\"publish\":");
			json_or_null(r[i].c[k].publish);
			printf("}");
		}
		printf("]}");
	}
	printf("]}\n");
}

int
cmd_dns(const struct options *o, int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"--json", NULL}, {"--nameserver", "a server"},
		{"--timeout", "a number of seconds"}, {"--selector", "a selector"},
		{"--ip", "an address"}, {NULL, NULL}
	};
	struct cli_args args;
	struct dnscmd_opts d;
	struct aliasfile *af = NULL;
	struct dc_result *res = NULL;
	const char *v, **domains = NULL;
	char	(*names)[ADDR_DOMAIN_MAX + 1] = NULL;
	size_t	 n = 0, nres = 0;
	int	 k, json = 0, rc;

	if ((rc = dnscmd_opts_init(&d, argc)) != 0)
		return rc;
	if ((domains = calloc((size_t)argc + 1, sizeof(*domains))) == NULL ||
	    (names = calloc((size_t)argc + 1, sizeof(*names))) == NULL) {
		log_warnx("out of memory");
		rc = EX_OSERR;
		goto out;
	}
	cli_args_init(&args, argc, argv);
	while ((k = cli_next(&args, opts, &v)) != CLI_DONE) {
		if (k == 0) {
			json = 1;
		} else if (k == CLI_OPERAND) {
			if (addr_domain(v, strlen(v), names[n]) != ADDR_OK) {
				log_warnx("dns: '%s' is not a domain name", v);
				rc = EX_USAGE;
				goto out;
			}
			domains[n] = names[n];
			n++;
		} else if (k < 0) {
			rc = cli_usage();
			goto out;
		} else if ((rc = dnscmd_opt(&d, "dns", opts[k].name, v)) !=
		    1)
			goto out;
	}
	/* Named domains need no alias file. */
	if (n == 0 && (rc = cli_load(o, &af)) != 0)
		goto out;
	if ((rc = dnscmd_run(&d, domains, n, af, &res, &nres)) != 0)
		goto out;
	if (json)
		print_json(res, nres);
	else
		print_text(res, nres);
	if ((rc = cli_flush()) == 0)
		rc = dc_exit(res, nres);
out:
	dnscmd_results_free(res, nres);
	af_free(af);
	free(domains);
	free(names);
	dnscmd_opts_free(&d);
	return rc;
}
