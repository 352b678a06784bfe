/*
 * dns.c: the stub resolver (see dns.h), on ldns.
 *
 * Why ldns, not glibc's res_nquery or c-ares: the checks must ask one
 * given server on any port, IPv4 or IPv6 (--nameserver, which the tests
 * point at a private NSD), which glibc's res_state only allows for IPv4
 * through nsaddr_list; they need NXDOMAIN, NODATA and SERVFAIL told
 * apart from a timeout (res_nquery folds them into h_errno), the TXT
 * strings of each record one by one (RFC 7208 3.3 joins them), and TCP
 * when a reply is truncated.  ldns (NLnet Labs, the makers of NSD and
 * Unbound) does all of it with a plain blocking API, reads resolv.conf
 * like the system does, and is packaged in Debian (libldns3).  c-ares
 * would add an event loop the command does not need.
 *
 * One ldns resolver per --nameserver (ldns keeps one port per resolver),
 * asked in order until one answers; or one from /etc/resolv.conf.  A
 * question never gets a search domain appended.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "util.h"

#define DNS_EDNS_SIZE	1232

struct dns {
	ldns_resolver *r[DNS_SERVERS_MAX];
	char	 name[DNS_SERVERS_MAX][300];	/* as given, for messages */
	size_t	 n;
	size_t	 queries;
};

static int	 server_parse(const char *spec, char *host, size_t hostsize,
		    unsigned *port, struct errbuf *e);
static ldns_resolver *server_new(const char *spec, struct errbuf *e);
static void	 tune(ldns_resolver *, int timeout_s);
static int	 answer_add(struct dns_answer *, const char *s, size_t len);
static int	 answer_rr(struct dns_answer *, const ldns_rr *, int type);
static int	 ask(struct dns *, size_t i, ldns_rdf *name, int type,
		    struct dns_answer *a, struct errbuf *e);

/*
 * Splits "HOST", "HOST:PORT", "[V6]", "[V6]:PORT" or a bare IPv6
 * address.  Returns 0, or -1 (said why).
 */
static int
server_parse(const char *spec, char *host, size_t hostsize, unsigned *port,
    struct errbuf *e)
{
	const char *p, *end, *colon;
	size_t	 len;
	char	*ep;
	unsigned long v;

	*port = 53;
	if (spec[0] == '[') {
		if ((end = strchr(spec, ']')) == NULL)
			return errbuf_set(e, "bad nameserver '%s': no ']'",
			    spec);
		p = spec + 1;
		len = (size_t)(end - p);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return errbuf_set(e, "bad nameserver '%s': expected "
			    "[ADDRESS]:PORT", spec);
	} else {
		p = spec;
		colon = strchr(spec, ':');
		/* Two colons: a bare IPv6 address, no port. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;
		len = colon != NULL ? (size_t)(colon - p) : strlen(p);
	}
	if (len == 0 || len >= hostsize)
		return errbuf_set(e, "bad nameserver '%s': no host", spec);
	memcpy(host, p, len);
	host[len] = '\0';
	if (colon != NULL) {
		errno = 0;
		v = strtoul(colon + 1, &ep, 10);
		if (colon[1] < '0' || colon[1] > '9' || *ep != '\0' ||
		    errno != 0 || v == 0 || v > 65535)
			return errbuf_set(e, "bad nameserver '%s': the port "
			    "must be 1 to 65535", spec);
		*port = (unsigned)v;
	}
	return 0;
}

/* A resolver asking the server spec only.  Returns it, or NULL. */
static ldns_resolver *
server_new(const char *spec, struct errbuf *e)
{
	struct addrinfo hints, *res = NULL;
	char	 host[256], addr[INET6_ADDRSTRLEN];
	unsigned port;
	ldns_resolver *r = NULL;
	ldns_rdf *ns = NULL;
	int	 gai;

	if (server_parse(spec, host, sizeof(host), &port, e) == -1)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((gai = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		errbuf_set(e, "bad nameserver '%s': %s", spec,
		    gai_strerror(gai));
		goto fail;
	}
	if (res->ai_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)
		    res->ai_addr)->sin6_addr, addr, sizeof(addr));
		ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, addr);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    res->ai_addr)->sin_addr, addr, sizeof(addr));
		ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, addr);
	}
	if (ns == NULL || (r = ldns_resolver_new()) == NULL ||
	    ldns_resolver_push_nameserver(r, ns) != LDNS_STATUS_OK) {
		errbuf_set(e, "out of memory");
		goto fail;
	}
	ldns_resolver_set_port(r, (uint16_t)port);
	ldns_rdf_deep_free(ns);
	freeaddrinfo(res);
	return r;
fail:
	if (r != NULL)
		ldns_resolver_deep_free(r);
	if (ns != NULL)
		ldns_rdf_deep_free(ns);
	if (res != NULL)
		freeaddrinfo(res);
	return NULL;
}

/*
 * One try per server, within its share of the question's time; TCP
 * when a reply is truncated; no search list; recursion desired (a
 * recursive server needs it, an authoritative one ignores it).
 */
static void
tune(ldns_resolver *r, int timeout_s)
{
	struct timeval tv;
	size_t	 n = ldns_resolver_nameserver_count(r);

	tv.tv_sec = timeout_s / (long)(n > 0 ? n : 1);
	tv.tv_usec = 0;
	if (tv.tv_sec < 1)
		tv.tv_sec = 1;
	ldns_resolver_set_timeout(r, tv);
	ldns_resolver_set_retry(r, 1);
	ldns_resolver_set_retrans(r, 1);
	/*
	 * EDNS0 with 1232 bytes, the size DNS Flag Day 2020 settled on
	 * (no IP fragmentation); a larger answer comes truncated and is
	 * asked again over TCP.
	 */
	ldns_resolver_set_edns_udp_size(r, DNS_EDNS_SIZE);
	ldns_resolver_set_fallback(r, true);
	ldns_resolver_set_usevc(r, false);
	ldns_resolver_set_defnames(r, false);
	ldns_resolver_set_dnsrch(r, false);
	ldns_resolver_set_random(r, false);
	ldns_resolver_set_recursive(r, true);
	ldns_resolver_set_dnssec(r, false);
	ldns_resolver_set_fail(r, false);
}

int
dns_new(struct dns **dp, const char *const *servers, size_t n, int timeout_s,
    int *usage, struct errbuf *e)
{
	struct dns *d;
	ldns_status st;
	size_t	 i;

	*dp = NULL;
	*usage = 1;
	if (n > DNS_SERVERS_MAX)
		return errbuf_set(e, "more than %d nameservers",
		    DNS_SERVERS_MAX);
	if (timeout_s < 1)
		timeout_s = 1;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return errbuf_set(e, "out of memory");
	for (i = 0; i < n; i++) {
		if ((d->r[i] = server_new(servers[i], e)) == NULL)
			goto fail;
		/* Each server gets an equal share of the question's time. */
		tune(d->r[i], timeout_s / (int)n);
		snprintf(d->name[i], sizeof(d->name[i]), "%s", servers[i]);
		d->n++;
	}
	if (n == 0) {
		st = ldns_resolver_new_frm_file(&d->r[0], NULL);
		if (st != LDNS_STATUS_OK) {
			*usage = 0;
			errbuf_set(e, "/etc/resolv.conf: %s",
			    ldns_get_errorstr_by_id(st));
			goto fail;
		}
		tune(d->r[0], timeout_s);
		snprintf(d->name[0], sizeof(d->name[0]), "the servers of "
		    "/etc/resolv.conf");
		d->n = 1;
	}
	*dp = d;
	return 0;
fail:
	dns_free(d);
	return -1;
}

void
dns_free(struct dns *d)
{
	size_t	 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		ldns_resolver_deep_free(d->r[i]);
	free(d);
}

void
dns_answer_free(struct dns_answer *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		free(a->rr[i]);
	free(a->rr);
	a->rr = NULL;
	a->n = 0;
}

size_t
dns_queries(const struct dns *d)
{
	return d->queries;
}

static int
answer_add(struct dns_answer *a, const char *s, size_t len)
{
	char	**rr, *p;

	if ((p = malloc(len + 1)) == NULL)
		return -1;
	memcpy(p, s, len);
	p[len] = '\0';
	if ((rr = realloc(a->rr, (a->n + 1) * sizeof(*rr))) == NULL) {
		free(p);
		return -1;
	}
	a->rr = rr;
	a->rr[a->n++] = p;
	return 0;
}

/* Adds the data of one record as dns.h says.  Returns 0 or -1. */
static int
answer_rr(struct dns_answer *a, const ldns_rr *rr, int type)
{
	const ldns_rdf *rdf;
	char	*s = NULL, *t, buf[8];
	size_t	 i, len = 0, slen;
	int	 rc;

	if (type == DNS_T_TXT) {
		/* Each string: a length byte, then its bytes. */
		for (i = 0; i < ldns_rr_rd_count(rr); i++)
			len += ldns_rdf_size(ldns_rr_rdf(rr, i));
		if ((s = malloc(len + 1)) == NULL)
			return -1;
		len = 0;
		for (i = 0; i < ldns_rr_rd_count(rr); i++) {
			rdf = ldns_rr_rdf(rr, i);
			if (ldns_rdf_size(rdf) < 1)
				continue;
			slen = ldns_rdf_data(rdf)[0];
			if (slen > ldns_rdf_size(rdf) - 1)
				slen = ldns_rdf_size(rdf) - 1;
			memcpy(s + len, ldns_rdf_data(rdf) + 1, slen);
			len += slen;
		}
		rc = answer_add(a, s, len);
		free(s);
		return rc;
	}
	if (type == DNS_T_MX) {
		if (ldns_rr_rd_count(rr) < 2 ||
		    (s = ldns_rdf2str(ldns_rr_rdf(rr, 1))) == NULL)
			return -1;
		slen = strlen(s);
		if (slen > 1 && s[slen - 1] == '.')
			s[--slen] = '\0';
		len = (size_t)snprintf(buf, sizeof(buf), "%u ",
		    (unsigned)ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)));
		if ((t = malloc(len + slen + 1)) == NULL) {
			free(s);
			return -1;
		}
		memcpy(t, buf, len);
		memcpy(t + len, s, slen + 1);
		rc = answer_add(a, t, len + slen);
		free(t);
		free(s);
		return rc;
	}
	if (ldns_rr_rd_count(rr) < 1 ||
	    (s = ldns_rdf2str(ldns_rr_rdf(rr, 0))) == NULL)
		return -1;
	rc = answer_add(a, s, strlen(s));
	free(s);
	return rc;
}

/* Asks resolver i.  Returns as dns_query(). */
static int
ask(struct dns *d, size_t i, ldns_rdf *name, int type, struct dns_answer *a,
    struct errbuf *e)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *rrs = NULL;
	ldns_status st;
	size_t	 k;
	int	 rc = DNS_FAIL;

	st = ldns_resolver_send(&pkt, d->r[i], name, (ldns_rr_type)type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	if (st != LDNS_STATUS_OK || pkt == NULL) {
		errbuf_set(e, "no answer from %s: %s", d->name[i],
		    st == LDNS_STATUS_NETWORK_ERR ||
		    st == LDNS_STATUS_RES_NO_NS ? "timed out or unreachable" :
		    ldns_get_errorstr_by_id(st));
		goto out;
	}
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR:
		break;
	case LDNS_RCODE_NXDOMAIN:
		rc = DNS_NXDOMAIN;
		goto out;
	case LDNS_RCODE_SERVFAIL:
		errbuf_set(e, "%s answered SERVFAIL", d->name[i]);
		goto out;
	case LDNS_RCODE_REFUSED:
		errbuf_set(e, "%s answered REFUSED", d->name[i]);
		goto out;
	default:
		errbuf_set(e, "%s answered rcode %d", d->name[i],
		    (int)ldns_pkt_get_rcode(pkt));
		goto out;
	}
	if (ldns_pkt_tc(pkt)) {
		errbuf_set(e, "%s: truncated reply, and TCP failed",
		    d->name[i]);
		goto out;
	}
	rrs = ldns_pkt_rr_list_by_type(pkt, (ldns_rr_type)type,
	    LDNS_SECTION_ANSWER);
	if (rrs == NULL || ldns_rr_list_rr_count(rrs) == 0) {
		rc = DNS_NODATA;
		goto out;
	}
	for (k = 0; k < ldns_rr_list_rr_count(rrs); k++)
		if (answer_rr(a, ldns_rr_list_rr(rrs, k), type) == -1) {
			errbuf_set(e, "out of memory");
			goto out;
		}
	rc = DNS_RECORDS;
out:
	if (rrs != NULL)
		ldns_rr_list_deep_free(rrs);
	if (pkt != NULL)
		ldns_pkt_free(pkt);
	return rc;
}

int
dns_query(struct dns *d, const char *name, int type, struct dns_answer *a,
    struct errbuf *e)
{
	ldns_rdf *qname;
	char	 fqdn[300];
	size_t	 i, len = strlen(name);
	int	 rc = DNS_FAIL;

	a->rr = NULL;
	a->n = 0;
	d->queries++;
	if (len == 0 || len > 253 + (name[len - 1] == '.'))
		return errbuf_set(e, "'%s' is not a domain name", name);
	snprintf(fqdn, sizeof(fqdn), "%s%s", name,
	    name[len - 1] == '.' ? "" : ".");
	if ((qname = ldns_dname_new_frm_str(fqdn)) == NULL)
		return errbuf_set(e, "'%s' is not a domain name", name);
	for (i = 0; i < d->n; i++) {
		dns_answer_free(a);
		if ((rc = ask(d, i, qname, type, a, e)) != DNS_FAIL)
			break;
	}
	ldns_rdf_deep_free(qname);
	return rc;
}
