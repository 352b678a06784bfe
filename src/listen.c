/*
 * listen.c: the listening-socket grammar both daemons accept (see
 * listen.h).  Pure functions: no resolving, no sockets.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "listen.h"
#include "util.h"

static int	 parse_port(const char *, size_t, unsigned *);
static int	 host_ok(const char *, size_t, int);
static int	 parse_inet(const char *, const char *, int,
		    struct listen_spec *, struct errbuf *);

/*
 * Parses len bytes of s, digits only, as a port from 1 to 65535 into
 * *port.  Returns 0 or -1.
 */
static int
parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned long v = 0;
	size_t	 i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/*
 * Nonzero when len bytes of s can be a host: a name or an address, of
 * letters, digits, '.', '-', '_', and ':' and '%' (an IPv6 address and
 * its zone) when colons is set.  Nothing else can reach getaddrinfo()
 * or libmilter, so a typo is reported here, not as "unknown host".
 */
static int
host_ok(const char *s, size_t len, int colons)
{
	size_t	 i;
	char	 c;

	if (len == 0 || len > LISTEN_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_')
			continue;
		if (colons && (c == ':' || c == '%'))
			continue;
		return 0;
	}
	return 1;
}

/*
 * The part after "inet:" or "inet6:" (inet6 set for the latter) of
 * spec, into ls.  Returns 0, or -1 with the reason in e.
 */
static int
parse_inet(const char *spec, const char *rest, int inet6,
    struct listen_spec *ls, struct errbuf *e)
{
	const char *host, *port, *at, *close, *colon;
	size_t	 hlen, plen;
	char	 addr[LISTEN_HOST_MAX + 1], *zone;
	struct in6_addr a6;

	ls->family = inet6 ? LISTEN_INET6 : LISTEN_INET;
	if ((at = strchr(rest, '@')) != NULL) {
		/* libmilter's PORT@HOST. */
		port = rest;
		plen = (size_t)(at - rest);
		host = at + 1;
		hlen = strlen(host);
		if (hlen == 0)
			return errbuf_set(e, "%s: no host after '@'", spec);
		if (!host_ok(host, hlen, 1))
			return errbuf_set(e, "%s: bad host '%s'", spec, host);
		if (memchr(host, ':', hlen) != NULL)
			ls->family = LISTEN_INET6;
	} else if (rest[0] == '[') {
		/* [IPV6]:PORT */
		if ((close = strchr(rest, ']')) == NULL)
			return errbuf_set(e, "%s: no ']' after the IPv6 "
			    "address", spec);
		host = rest + 1;
		hlen = (size_t)(close - host);
		if (close[1] != ':')
			return errbuf_set(e, "%s: expected ':PORT' after "
			    "']'", spec);
		port = close + 2;
		plen = strlen(port);
		if (hlen == 0 || hlen >= sizeof(addr))
			return errbuf_set(e, "%s: not an IPv6 address in "
			    "brackets", spec);
		memcpy(addr, host, hlen);
		addr[hlen] = '\0';
		/* A zone ("%eth0") is for getaddrinfo(), not inet_pton(). */
		if ((zone = strchr(addr, '%')) != NULL) {
			if (!host_ok(zone + 1, strlen(zone + 1), 0))
				return errbuf_set(e, "%s: bad zone '%s'",
				    spec, zone + 1);
			*zone = '\0';
		}
		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return errbuf_set(e, "%s: '%s' is not an IPv6 "
			    "address", spec, addr);
		ls->family = LISTEN_INET6;
	} else if ((colon = strrchr(rest, ':')) != NULL) {
		/* HOST:PORT */
		host = rest;
		hlen = (size_t)(colon - rest);
		port = colon + 1;
		plen = strlen(port);
		if (memchr(host, ':', hlen) != NULL)
			return errbuf_set(e, "%s: an IPv6 address needs "
			    "brackets: %s:[ADDRESS]:PORT", spec,
			    inet6 ? "inet6" : "inet");
		if (hlen == 0)
			return errbuf_set(e, "%s: no host before ':'", spec);
		if (!host_ok(host, hlen, 0))
			return errbuf_set(e, "%s: bad host '%.*s'", spec,
			    (int)hlen, host);
	} else {
		/* PORT alone: loopback, never every address. */
		port = rest;
		plen = strlen(rest);
		host = inet6 ? "::1" : "127.0.0.1";
		hlen = strlen(host);
	}
	if (parse_port(port, plen, &ls->port) == -1)
		return errbuf_set(e, "%s: bad port '%.*s': a number from 1 "
		    "to 65535", spec, (int)plen, port);
	memcpy(ls->host, host, hlen);
	ls->host[hlen] = '\0';
	return 0;
}

int
listen_parse(const char *spec, struct listen_spec *ls, struct errbuf *e)
{
	const char *path = NULL;
	size_t	 len;

	memset(ls, 0, sizeof(*ls));
	if (spec == NULL || spec[0] == '\0')
		return errbuf_set(e, "empty socket; the forms are "
		    LISTEN_FORMS);
	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (strncmp(spec, "local:", 6) == 0)
		path = spec + 6;
	else if (spec[0] == '/')
		path = spec;		/* libmilter's bare path form */
	else if (strncmp(spec, "inet:", 5) == 0)
		return parse_inet(spec, spec + 5, 0, ls, e);
	else if (strncmp(spec, "inet6:", 6) == 0)
		return parse_inet(spec, spec + 6, 1, ls, e);
	else
		return errbuf_set(e, "%s: unknown socket form; the forms "
		    "are " LISTEN_FORMS, spec);
	len = strlen(path);
	if (len == 0)
		return errbuf_set(e, "%s: no path", spec);
	if (len >= sizeof(ls->path))
		return errbuf_set(e, "%s: path longer than %zu bytes, too "
		    "long for a unix socket", spec, sizeof(ls->path) - 1);
	ls->family = LISTEN_UNIX;
	memcpy(ls->path, path, len + 1);
	return 0;
}

int
listen_milter_conn(const struct listen_spec *ls, char *buf, size_t bufsize)
{
	int	 n;

	switch (ls->family) {
	case LISTEN_UNIX:
		n = snprintf(buf, bufsize, "unix:%s", ls->path);
		break;
	case LISTEN_INET:
		n = snprintf(buf, bufsize, "inet:%u@%s", ls->port, ls->host);
		break;
	default:
		n = snprintf(buf, bufsize, "inet6:%u@%s", ls->port, ls->host);
		break;
	}
	return n < 0 || (size_t)n >= bufsize ? -1 : 0;
}

int
listen_same(const struct listen_spec *a, const struct listen_spec *b)
{
	if (a->family != b->family)
		return 0;
	if (a->family == LISTEN_UNIX)
		return strcmp(a->path, b->path) == 0;
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}
