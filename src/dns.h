/*
 * dns.h: the stub resolver of aliasctl dns (ldns underneath, see dns.c
 * for why).  Only aliasctl links it; the daemons never ask DNS.
 *
 * Every question gets one of four answers, kept apart because the
 * checks need them apart: records, NXDOMAIN and NODATA (both "void" for
 * SPF's void-lookup limit, RFC 7208 4.6.4), or a failure (a timeout,
 * SERVFAIL, REFUSED, an unusable reply), which says nothing about the
 * domain and makes the command exit 75.
 */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>

#include "util.h"

#define DNS_RECORDS	0	/* one or more records */
#define DNS_NXDOMAIN	1	/* the name does not exist */
#define DNS_NODATA	2	/* the name exists, no record of the type */
#define DNS_FAIL	(-1)	/* no usable answer: said why */

#define DNS_TIMEOUT_DEFAULT	5	/* seconds per question */
#define DNS_SERVERS_MAX		8	/* --nameserver given this often */

/* The questions asked. */
#define DNS_T_TXT	16
#define DNS_T_MX	15
#define DNS_T_A		1
#define DNS_T_AAAA	28

struct dns;

/*
 * A new resolver.  servers (n of them, NULL and 0 for the system's
 * /etc/resolv.conf) are "HOST", "HOST:PORT", "[IPV6]" or "[IPV6]:PORT",
 * HOST an address or a name resolved here once; they are asked in the
 * order given, the next one when one fails.  timeout_s bounds one
 * question, every server and retry included.  Returns 0 with *dp (free
 * with dns_free()), or -1 with the reason in e (a bad server: the
 * caller's EX_USAGE; no resolv.conf: EX_CONFIG, *usage set to 0).
 */
int	dns_new(struct dns **dp, const char *const *servers, size_t n,
	    int timeout_s, int *usage, struct errbuf *e);
void	dns_free(struct dns *);

/* The answers to one question: strings, each NUL-terminated. */
struct dns_answer {
	char	**rr;	/* TXT: one RR's strings joined (RFC 7208 3.3);
			   MX: "PREF HOST" (HOST "." for a null MX, else
			   without the final dot); A, AAAA: the address */
	size_t	 n;
};

/*
 * Asks for the records of type (DNS_T_*) at name (with or without the
 * final dot; never completed with a search domain).  Returns
 * DNS_RECORDS with the records in *a, DNS_NXDOMAIN or DNS_NODATA with
 * *a empty, or DNS_FAIL with the reason in e ("timed out", "SERVFAIL",
 * ...).  Free *a with dns_answer_free() whatever it returns.  Counts the
 * question in the resolver's total.
 */
int	dns_query(struct dns *, const char *name, int type,
	    struct dns_answer *a, struct errbuf *e);
void	dns_answer_free(struct dns_answer *);

/* Questions asked so far by this resolver. */
size_t	dns_queries(const struct dns *);

#endif /* DNS_H */
