/*
 * peer.c: who is at the other end of a client socket (see peer.h).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

static int	 hexword(const char *, uint32_t *);
static int	 hexaddr(const char **, int, unsigned char *, uint16_t *);
static int	 loopback(const struct sockaddr_storage *);
static enum peer_kind tcp_peer(int, uid_t, char *, size_t);

const char *
peer_kind_name(enum peer_kind k)
{
	switch (k) {
	case PEER_RCPT:
		return "rcpt";
	case PEER_REPEAT:
		return "repeat";
	case PEER_ADMIN:
		return "admin";
	default:
		return "paired";
	}
}

enum peer_kind
peer_kind_of_comm(const char *comm)
{
	if (strcmp(comm, "smtpd") == 0 || strcmp(comm, "sendmail") == 0)
		return PEER_RCPT;
	if (strcmp(comm, "cleanup") == 0)
		return PEER_REPEAT;
	if (strcmp(comm, "proxymap") == 0)
		return PEER_PAIRED;
	return PEER_ADMIN;
}

/* Eight hex digits at s into *w.  Returns 0 or -1. */
static int
hexword(const char *s, uint32_t *w)
{
	uint32_t v = 0;
	int	 i, d;

	for (i = 0; i < 8; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*w = v;
	return 0;
}

/*
 * "0100007F:1F90" at *sp (32 hex digits for IPv6): the kernel prints
 * each 32-bit word of the address as the machine holds it, so its bytes
 * in memory are the address in network order.  Advances *sp past it.
 * Returns 0 or -1.
 */
static int
hexaddr(const char **sp, int v6, unsigned char *addr, uint16_t *port)
{
	const char *s = *sp;
	uint32_t w;
	char	*end;
	unsigned long p;
	int	 i, nw = v6 ? 4 : 1;

	while (*s == ' ')
		s++;
	for (i = 0; i < nw; i++) {
		if (hexword(s + 8 * i, &w) == -1)
			return -1;
		memcpy(addr + 4 * i, &w, 4);
	}
	s += 8 * nw;
	if (*s++ != ':')
		return -1;
	errno = 0;
	p = strtoul(s, &end, 16);
	if (end != s + 4 || errno != 0 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	*sp = end;
	return 0;
}

int
peer_proc_net_line(const char *line, int v6, unsigned char *local,
    uint16_t *lport, unsigned char *remote, uint16_t *rport, uid_t *uid)
{
	const char *s = line;
	char	*end;
	unsigned long u;
	int	 field;

	/* "  12: LOCAL REMOTE ST TX:RX TR:WHEN RETR UID ..." */
	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9' || (s = strchr(s, ':')) == NULL)
		return -1;
	s++;
	if (hexaddr(&s, v6, local, lport) == -1 ||
	    hexaddr(&s, v6, remote, rport) == -1)
		return -1;
	/* st, tx_queue:rx_queue, tr:tm->when, retrnsmt, then uid. */
	for (field = 0; field < 4; field++) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return -1;
		while (*s != ' ' && *s != '\0')
			s++;
	}
	while (*s == ' ')
		s++;
	errno = 0;
	u = strtoul(s, &end, 10);
	if (end == s || errno != 0 || (*end != ' ' && *end != '\0' &&
	    *end != '\n') || u > (unsigned long)(uid_t)-1)
		return -1;
	*uid = (uid_t)u;
	return 0;
}

/* Nonzero for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int
loopback(const struct sockaddr_storage *ss)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const unsigned char *a;

	if (ss->ss_family == AF_INET)
		return ((const unsigned char *)&sin->sin_addr)[0] == 127;
	if (ss->ss_family != AF_INET6)
		return 0;
	a = sin6->sin6_addr.s6_addr;
	return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
	    (memcmp(a, v4mapped, 12) == 0 && a[12] == 127);
}

/*
 * A TCP peer: on loopback, the owner of its socket, found in
 * /proc/net/tcp (tcp6) as the socket whose local end is the peer's
 * address and whose remote end is ours.
 */
static enum peer_kind
tcp_peer(int fd, uid_t mail_uid, char *desc, size_t descsize)
{
	struct sockaddr_storage me, them;
	socklen_t len;
	unsigned char want_l[16], want_r[16], l[16], r[16];
	uint16_t wlp, wrp, lp, rp;
	char	 line[512];
	FILE	*fp;
	uid_t	 uid;
	int	 v6, alen, found = 0;

	len = sizeof(them);
	if (getpeername(fd, (struct sockaddr *)&them, &len) == -1)
		goto paired;
	len = sizeof(me);
	if (getsockname(fd, (struct sockaddr *)&me, &len) == -1)
		goto paired;
	if (!loopback(&them)) {
		snprintf(desc, descsize, "another host over TCP");
		return PEER_PAIRED;
	}
	v6 = them.ss_family == AF_INET6;
	alen = v6 ? 16 : 4;
	if (v6) {
		memcpy(want_l, &((struct sockaddr_in6 *)&them)->sin6_addr, 16);
		memcpy(want_r, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
		wlp = ntohs(((struct sockaddr_in6 *)&them)->sin6_port);
		wrp = ntohs(((struct sockaddr_in6 *)&me)->sin6_port);
	} else {
		memcpy(want_l, &((struct sockaddr_in *)&them)->sin_addr, 4);
		memcpy(want_r, &((struct sockaddr_in *)&me)->sin_addr, 4);
		wlp = ntohs(((struct sockaddr_in *)&them)->sin_port);
		wrp = ntohs(((struct sockaddr_in *)&me)->sin_port);
	}
	if ((fp = fopen(v6 ? "/proc/net/tcp6" : "/proc/net/tcp", "re")) ==
	    NULL)
		goto paired;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (peer_proc_net_line(line, v6, l, &lp, r, &rp, &uid) == -1 ||
		    lp != wlp || rp != wrp || memcmp(l, want_l, alen) != 0 ||
		    memcmp(r, want_r, alen) != 0)
			continue;
		found = 1;
		break;
	}
	fclose(fp);
	if (!found)
		goto paired;
	snprintf(desc, descsize, "uid %lu over TCP", (unsigned long)uid);
	return mail_uid != (uid_t)-1 && uid == mail_uid ? PEER_PAIRED :
	    PEER_ADMIN;
paired:
	snprintf(desc, descsize, "TCP, owner unknown");
	return PEER_PAIRED;
}

enum peer_kind
peer_classify(int fd, uid_t mail_uid, char *desc, size_t descsize)
{
	struct sockaddr_storage ss;
	struct ucred cr;
	socklen_t len = sizeof(ss);
	enum peer_kind kind;
	char	 path[64], comm[32];
	ssize_t	 n;
	int	 cfd;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(desc, descsize, "unknown");
		return PEER_PAIRED;
	}
	if (ss.ss_family != AF_UNIX)
		return tcp_peer(fd, mail_uid, desc, descsize);
	len = sizeof(cr);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1 ||
	    cr.pid <= 0) {
		/* Another pid namespace: the kernel gives no pid. */
		snprintf(desc, descsize, "process unknown");
		return PEER_PAIRED;
	}
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)cr.pid);
	if ((cfd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(desc, descsize, "pid %ld", (long)cr.pid);
		return PEER_PAIRED;
	}
	n = read(cfd, comm, sizeof(comm) - 1);
	close(cfd);
	if (n <= 0) {
		snprintf(desc, descsize, "pid %ld", (long)cr.pid);
		return PEER_PAIRED;
	}
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	kind = peer_kind_of_comm(comm);
	/* Any process may name itself anything: keep the log line clean. */
	for (n = 0; comm[n] != '\0'; n++)
		if (comm[n] < 0x21 || comm[n] > 0x7e)
			comm[n] = '?';
	snprintf(desc, descsize, "pid %ld %s", (long)cr.pid, comm);
	return kind;
}
