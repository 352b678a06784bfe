/*
 * probe.c: the socket probes of probe.h.  Only the option negotiation
 * of the milter protocol is spoken: enough to know that a milter, not
 * just any listener, is there, without starting a session.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "probe.h"
#include "util.h"

int
probe_milter(const char *addr, int timeout_ms, struct errbuf *e)
{
	struct sockaddr_un sun;
	struct listen_spec ls;
	struct addrinfo hints, *res = NULL;
	struct pollfd pfd;
	unsigned char req[17], rep[5];
	char	 port[16];
	long long deadline = now_ms() + timeout_ms;
	size_t	 got = 0;
	ssize_t	 r;
	uint32_t v;
	int	 fd = -1, err, rc = -1;
	socklen_t elen = sizeof(err);

	if (listen_parse(addr, &ls, e) == -1)
		return -1;
	if (ls.family == LISTEN_UNIX) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ls.path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
		if (fd == -1)
			return errbuf_set(e, "socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
		    errno != EINPROGRESS) {
			errbuf_set(e, "connect: %s", strerror(errno));
			goto out;
		}
	} else {
		snprintf(port, sizeof(port), "%u", ls.port);
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_family = ls.family == LISTEN_INET6 ? AF_INET6 : AF_INET;
		if ((err = getaddrinfo(ls.host, port, &hints, &res)) != 0)
			return errbuf_set(e, "%s: %s", ls.host,
			    gai_strerror(err));
		fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, res->ai_protocol);
		if (fd == -1) {
			errbuf_set(e, "socket: %s", strerror(errno));
			goto out;
		}
		if (connect(fd, res->ai_addr, res->ai_addrlen) == -1 &&
		    errno != EINPROGRESS) {
			errbuf_set(e, "connect: %s", strerror(errno));
			goto out;
		}
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, (int)(deadline - now_ms())) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
	    err != 0) {
		errbuf_set(e, "connect: %s", err ? strerror(err) : "timed out");
		goto out;
	}
	/*
	 * SMFIC_OPTNEG: length 13, 'O', version 6, every action and every
	 * protocol step offered, so that any milter can agree.
	 */
	v = htonl(13);
	memcpy(req, &v, 4);
	req[4] = 'O';
	v = htonl(6);
	memcpy(req + 5, &v, 4);
	v = htonl(0x1ff);
	memcpy(req + 9, &v, 4);
	v = htonl(0x1fffff);
	memcpy(req + 13, &v, 4);
	if (write(fd, req, sizeof(req)) != (ssize_t)sizeof(req)) {
		errbuf_set(e, "write: %s", strerror(errno));
		goto out;
	}
	pfd.events = POLLIN;
	while (got < sizeof(rep)) {
		long long left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) != 1) {
			errbuf_set(e, "no answer within %d ms", timeout_ms);
			goto out;
		}
		if ((r = read(fd, rep + got, sizeof(rep) - got)) <= 0) {
			errbuf_set(e, "%s", r == 0 ? "closed without answer" :
			    strerror(errno));
			goto out;
		}
		got += (size_t)r;
	}
	if (rep[4] != 'O') {
		errbuf_set(e, "answered '%c', not an option negotiation",
		    rep[4] >= 0x20 && rep[4] < 0x7f ? rep[4] : '?');
		goto out;
	}
	/* SMFIC_QUIT: a polite goodbye. */
	v = htonl(1);
	memcpy(req, &v, 4);
	req[4] = 'Q';
	(void)!write(fd, req, 5);
	rc = 0;
out:
	if (res != NULL)
		freeaddrinfo(res);
	if (fd != -1)
		close(fd);
	return rc;
}
