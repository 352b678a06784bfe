/*
 * client.c: a raw socket client for tests/lookupd.sh, to be the bad
 * clients that postmap never is.  Built by the suite with cc.
 *
 *   client [-t SECS] ADDR send     send stdin at once, shut down the
 *                                  sending side, print every byte read
 *   client [-t SECS] ADDR keep     the same without the shutdown
 *   client [-t SECS] ADDR slow MS  send stdin one byte every MS ms
 *   client ADDR hold N SECS        open N connections, hold them SECS
 *                                  seconds, print how many the server
 *                                  closed: "open N closed M"
 *
 * ADDR is unix:/path, inet:HOST:PORT or inet:[IPV6]:PORT.  Reading stops at EOF (exit 0)
 * or after SECS seconds without EOF (default 10; exit 2).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
dial(const char *addr)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char	 host[64];
	const char *colon;
	int	 fd;

	if (strncmp(addr, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", addr + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			return -1;
		return fd;
	}
	if (strncmp(addr, "inet:", 5) != 0 ||
	    (colon = strrchr(addr + 5, ':')) == NULL ||
	    (size_t)(colon - addr - 5) >= sizeof(host))
		return -1;
	memcpy(host, addr + 5, (size_t)(colon - addr - 5));
	host[colon - addr - 5] = '\0';
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		/* inet:[IPV6]:PORT */
		host[strlen(host) - 1] = '\0';
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((unsigned short)atoi(colon + 1));
		if (inet_pton(AF_INET6, host + 1, &sin6.sin6_addr) != 1)
			return -1;
		if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1)
			return -1;
		return fd;
	}
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	return fd;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copies what fd sends to stdout until EOF (0) or until deadline (2). */
static int
drain(int fd, long long deadline, int wait_ms)
{
	struct pollfd p;
	char	 buf[65536];
	ssize_t	 n;
	long long left;

	for (;;) {
		left = deadline - now_ms();
		if (wait_ms >= 0 && (left < 0 || left > wait_ms))
			left = wait_ms;
		if (left < 0)
			return 2;
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, (int)left) == 0)
			return wait_ms >= 0 ? 3 : 2;
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return 0;
		if (n == -1)
			return 1;
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
}

int
main(int argc, char **argv)
{
	static char in[1 << 20];
	struct timespec ts;
	long long deadline;
	size_t	 len = 0, i;
	ssize_t	 n;
	int	 fd, secs = 10, rc, *fds, nfd, k, closed;
	char	 c;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		secs = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: client [-t SECS] ADDR send|keep|slow MS|"
		    "hold N SECS\n");
		return 64;
	}
	if (strcmp(argv[2], "hold") == 0 && argc == 5) {
		nfd = atoi(argv[3]);
		if ((fds = calloc((size_t)nfd, sizeof(int))) == NULL)
			return 1;
		for (k = 0; k < nfd; k++)
			if ((fds[k] = dial(argv[1])) == -1) {
				perror("connect");
				return 1;
			}
		printf("connected %d\n", nfd);
		fflush(stdout);
		sleep((unsigned)atoi(argv[4]));
		for (k = closed = 0; k < nfd; k++) {
			struct pollfd p = { fds[k], POLLIN, 0 };

			if (poll(&p, 1, 0) == 1 && read(fds[k], &c, 1) <= 0)
				closed++;
			close(fds[k]);
		}
		printf("open %d closed %d\n", nfd - closed, closed);
		return 0;
	}
	while (len < sizeof(in) && (n = read(0, in + len,
	    sizeof(in) - len)) > 0)
		len += (size_t)n;
	if ((fd = dial(argv[1])) == -1) {
		perror("connect");
		return 1;
	}
	deadline = now_ms() + secs * 1000LL;
	if (strcmp(argv[2], "slow") == 0 && argc == 4) {
		ts.tv_sec = atoi(argv[3]) / 1000;
		ts.tv_nsec = (atoi(argv[3]) % 1000) * 1000000L;
		for (i = 0; i < len; i++) {
			if (write(fd, in + i, 1) != 1)
				break;	/* dropped by the server */
			nanosleep(&ts, NULL);
			/* Print replies as they come; stop at EOF. */
			if ((rc = drain(fd, deadline, 0)) == 0)
				return 0;
		}
		return drain(fd, deadline, -1);
	}
	if (len > 0 && write(fd, in, len) != (ssize_t)len) {
		perror("write");
		return 1;
	}
	if (strcmp(argv[2], "send") == 0)
		shutdown(fd, SHUT_WR);
	else if (strcmp(argv[2], "keep") != 0)
		return 64;
	return drain(fd, deadline, -1);
}
