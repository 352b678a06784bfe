/*
 * dnscheck.h: the DNS checks of one domain against forged senders: SPF
 * (RFC 7208), DMARC (RFC 7489), DKIM keys (RFC 6376, 8301, 8463) and
 * MX (RFC 5321, 7505).  The rules are in dnscheck.c and aliasctl(8);
 * the records are read by dnsrec.h's codecs, asked through dns.h.
 */
#ifndef DNSCHECK_H
#define DNSCHECK_H

#include <stddef.h>

#include "dns.h"
#include "util.h"

/* Statuses, from good to bad; error means a query failed. */
enum dc_status {
	DC_OK,
	DC_WARN,
	DC_MISSING,
	DC_FAIL,
	DC_ERROR
};

#define DC_DETAIL	2048

/* One check's outcome.  record and publish are owned by the check. */
struct dc_check {
	const char *check;	/* "spf", "dmarc", "dkim" or "mx" */
	char	 selector[64];	/* dkim: the selector, or "" for none */
	enum dc_status status;
	char	 detail[DC_DETAIL];	/* what is wrong and what to change */
	char	*record;	/* the record(s) found, one a line, or NULL */
	char	*publish;	/* zone-file line(s) to publish, or NULL */
};

/* The checks of one domain: spf, dmarc, dkim (one per selector), mx. */
struct dc_result {
	char	 domain[256];
	struct dc_check *c;
	size_t	 n;
};

struct dnscheck;

/*
 * A new checker asking through dns (borrowed, freed by the caller after
 * dc_free()).  ips (nips of them, borrowed; checked by the caller with
 * dc_ip_valid()) go into the suggested SPF records.  The organisational
 * domains come from the public suffix list: libpsl's psl_latest(), the
 * newer of the system's list (the publicsuffix package) and the one
 * built into libpsl.  Returns 0 with *dcp (free with dc_free()), or -1
 * (said why in e).
 */
int	dc_new(struct dnscheck **dcp, struct dns *dns,
	    const char *const *ips, size_t nips, struct errbuf *e);
void	dc_free(struct dnscheck *);

/* Returns 1 when ip is an address (with an optional /cidr) for ip4:/ip6:. */
int	dc_ip_valid(const char *ip);

/*
 * Runs the checks of domain (normalised: lowercase, no final dot).
 * selectors (nsel of them) are the DKIM selectors; none: one dkim check
 * that says none is known.  Fills *out (free with dc_result_free()).
 * Returns 0, or -1 when out of memory (said in e).
 */
int	dc_domain(struct dnscheck *, const char *domain,
	    const char *const *selectors, size_t nsel, struct dc_result *out,
	    struct errbuf *e);
void	dc_result_free(struct dc_result *);

/* "ok", "warn", "fail", "missing", "error". */
const char *dc_status_name(enum dc_status);

/*
 * The exit code of n results: EX_TEMPFAIL when a query failed, else
 * EX_DATAERR when a check failed, else EX_UNAVAILABLE when an SPF or
 * DMARC record is missing, else 0 (warnings exit 0).
 */
int	dc_exit(const struct dc_result *, size_t n);

#endif /* DNSCHECK_H */
