/*
 * listen.h: the one grammar of a daemon's listening socket, shared by
 * alias-milter (-s) and alias-lookupd (-s, -t).  Pure: nothing is
 * resolved, created or bound here.
 *
 *   unix:/path, local:/path, /path   a unix socket (path may be relative)
 *   inet:PORT                        127.0.0.1
 *   inet:HOST:PORT                   an IPv4 address or a host name
 *   inet:[IPV6]:PORT                 an IPv6 address
 *   inet:PORT@HOST                   libmilter's form; IPv6 when HOST has ':'
 *   inet6:PORT                       ::1
 *   inet6:PORT@HOST                  libmilter's form
 *
 * PORT is a number from 1 to 65535.  A HOST given as a name is resolved
 * by the daemon, in the family the form names (inet: IPv4, inet6: IPv6).
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <stddef.h>

#include "util.h"

#define LISTEN_PATH_MAX	108	/* sizeof(sun_path) on Linux */
#define LISTEN_HOST_MAX	255	/* a DNS name */

enum listen_family {
	LISTEN_UNIX,
	LISTEN_INET,		/* IPv4 */
	LISTEN_INET6
};

struct listen_spec {
	enum listen_family family;
	char	 path[LISTEN_PATH_MAX];		/* LISTEN_UNIX, as given */
	char	 host[LISTEN_HOST_MAX + 1];	/* inet: no brackets */
	unsigned port;				/* inet: 1-65535 */
};

/*
 * Parses spec into *ls.  Returns 0, or -1 with a message for the user
 * in e ("SPEC: why; the forms are ...").
 */
int	listen_parse(const char *spec, struct listen_spec *ls,
	    struct errbuf *e);

/*
 * Writes ls in libmilter's smfi_setconn() form into buf (bufsize
 * bytes): "unix:PATH", "inet:PORT@HOST" or "inet6:PORT@HOST".  Returns
 * 0, or -1 when it does not fit.
 */
int	listen_milter_conn(const struct listen_spec *ls, char *buf,
	    size_t bufsize);

/*
 * Nonzero when a and b name the same socket (same family and path, or
 * same host and port), however they were spelt.
 */
int	listen_same(const struct listen_spec *a, const struct listen_spec *b);

/* The forms, for usage texts and messages. */
#define LISTEN_FORMS	"unix:/path, local:/path, inet:PORT, " \
	"inet:HOST:PORT, inet:[IPV6]:PORT, inet:PORT@HOST or inet6:PORT@HOST"

/* The forms in both daemons' usage texts, in the same words. */
#define LISTEN_HELP \
"Sockets: unix:/path or local:/path; inet:PORT or inet6:PORT (loopback);\n" \
"inet:HOST:PORT, inet:[IPV6]:PORT, inet:PORT@HOST or inet6:PORT@HOST.\n"

#endif /* LISTEN_H */
