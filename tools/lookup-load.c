/*
 * tools/lookup-load.c: a load client for alias-lookupd.  C connections
 * (one thread each) send lookups for keys from a file, in turn, over
 * one persistent connection each, one request at a time (closed loop:
 * the next request goes out when the reply is in), until the time is
 * up.  Reports lookups per second, the round-trip latency (p50, p90,
 * p99, max) and how many answers of each kind came back.
 *
 *   cc -O2 -pthread -o lookup-load tools/lookup-load.c
 *
 * usage: lookup-load [-T] [-c CONNS] [-t SECONDS] [-N NAME] -k KEYFILE
 *                    -s unix:/path | inet:127.0.0.1:PORT
 * -T speaks tcp_table instead of socketmap; -N is the socketmap name
 * (default "aliases").  KEYFILE has one key a line.  Only loopback
 * addresses are accepted.  Exit 0 when every connection ran to the
 * end, 1 otherwise.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXLAT	(1 << 24)	/* latency samples kept per thread */

struct worker {
	pthread_t thread;
	int	 id;
	long	 n;			/* lookups done */
	long	 ok, notfound, temp, other;
	int	 failed;
	uint32_t *lat;			/* microseconds */
	long	 nlat;
};

static const char *addr, *mapname = "aliases";
static char	**keys;
static size_t	 nkeys;
static int	 tcp, seconds = 10;
static double	 t_end;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dial(void)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	char	 host[64];
	const char *colon;
	int	 fd, on = 1;

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
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "lookup-load: loopback addresses only\n");
		exit(64);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/*
 * Reads one reply into buf (size bytes).  Returns its status word's
 * class: 'o' found, 'n' not found, 't' temporary, '?' other; 0 on EOF
 * or error.
 */
static int
read_reply(int fd, char *buf, size_t size)
{
	size_t	 len = 0, want = 0;
	ssize_t	 n;
	char	*colon, *p;

	for (;;) {
		if (len == size)
			return 0;
		if ((n = read(fd, buf + len, size - len)) <= 0)
			return 0;
		len += (size_t)n;
		if (tcp) {
			if (memchr(buf, '\n', len) == NULL)
				continue;
			return buf[0] == '2' ? 'o' : buf[0] == '5' ? 'n' :
			    buf[0] == '4' ? 't' : '?';
		}
		if (want == 0 && (colon = memchr(buf, ':', len)) != NULL)
			want = (size_t)strtoul(buf, NULL, 10) +
			    (size_t)(colon - buf) + 2;
		if (want == 0 || len < want)
			continue;
		p = strchr(buf, ':') + 1;
		return strncmp(p, "OK ", 3) == 0 ? 'o' :
		    strncmp(p, "NOTFOUND", 8) == 0 ? 'n' :
		    strncmp(p, "TEMP", 4) == 0 ? 't' : '?';
	}
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	char	 req[2048], rep[70000];
	size_t	 k = (size_t)w->id * 7919 % nkeys;
	double	 t0, t1;
	int	 fd, len, c;

	if ((fd = dial()) == -1) {
		perror("connect");
		w->failed = 1;
		return NULL;
	}
	while ((t0 = now()) < t_end) {
		if (tcp)
			len = snprintf(req, sizeof(req), "get %s\n", keys[k]);
		else
			len = snprintf(req, sizeof(req), "%zu:%s %s,",
			    strlen(mapname) + 1 + strlen(keys[k]), mapname,
			    keys[k]);
		k = (k + 1) % nkeys;
		if (write(fd, req, (size_t)len) != len ||
		    (c = read_reply(fd, rep, sizeof(rep))) == 0) {
			fprintf(stderr, "connection %d: %s\n", w->id,
			    errno != 0 ? strerror(errno) : "closed");
			w->failed = 1;
			break;
		}
		t1 = now();
		if (w->nlat < MAXLAT)
			w->lat[w->nlat++] = (uint32_t)((t1 - t0) * 1e6);
		w->n++;
		if (c == 'o')
			w->ok++;
		else if (c == 'n')
			w->notfound++;
		else if (c == 't')
			w->temp++;
		else
			w->other++;
	}
	close(fd);
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct worker *w;
	const char *keyfile = NULL;
	char	 line[1024];
	FILE	*fp;
	uint32_t *all;
	size_t	 cap = 0, nall = 0;
	double	 t0, el;
	long	 total = 0, ok = 0, nf = 0, tmp = 0, oth = 0;
	int	 ch, conns = 1, i, bad = 0;

	while ((ch = getopt(argc, argv, "Tc:t:N:k:s:")) != -1) {
		switch (ch) {
		case 'T':
			tcp = 1;
			break;
		case 'c':
			conns = atoi(optarg);
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'N':
			mapname = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			addr = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (keyfile == NULL || addr == NULL || conns < 1 || seconds < 1) {
usage:
		fprintf(stderr, "usage: lookup-load [-T] [-c CONNS] "
		    "[-t SECONDS] [-N NAME] -k KEYFILE -s ADDR\n");
		return 64;
	}
	if ((fp = fopen(keyfile, "r")) == NULL) {
		perror(keyfile);
		return 66;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (nkeys == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((keys = realloc(keys, cap * sizeof(*keys))) == NULL)
				return 1;
		}
		if ((keys[nkeys++] = strdup(line)) == NULL)
			return 1;
	}
	fclose(fp);
	if (nkeys == 0) {
		fprintf(stderr, "lookup-load: no keys in %s\n", keyfile);
		return 65;
	}
	if ((w = calloc((size_t)conns, sizeof(*w))) == NULL)
		return 1;
	t0 = now();
	t_end = t0 + seconds;
	for (i = 0; i < conns; i++) {
		w[i].id = i;
		if ((w[i].lat = malloc(MAXLAT * sizeof(uint32_t))) == NULL)
			return 1;
		pthread_create(&w[i].thread, NULL, run, &w[i]);
	}
	for (i = 0; i < conns; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].n;
		ok += w[i].ok;
		nf += w[i].notfound;
		tmp += w[i].temp;
		oth += w[i].other;
		bad |= w[i].failed;
		nall += (size_t)w[i].nlat;
	}
	el = now() - t0;
	if ((all = malloc((nall + 1) * sizeof(*all))) == NULL)
		return 1;
	nall = 0;
	for (i = 0; i < conns; i++) {
		memcpy(all + nall, w[i].lat, (size_t)w[i].nlat * sizeof(*all));
		nall += (size_t)w[i].nlat;
	}
	qsort(all, nall, sizeof(*all), cmp_u32);
#define PCT(p)	(nall ? all[(size_t)((double)(nall - 1) * (p))] / 1000.0 : 0)
	printf("%s %s, %d connection%s, %.1f s: %ld lookups, %.0f lookups/s\n",
	    tcp ? "tcp_table" : "socketmap", addr, conns, conns == 1 ? "" : "s",
	    el, total, total / el);
	printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
	    PCT(0.50), PCT(0.90), PCT(0.99), PCT(1.0));
	printf("answers: found %ld, not found %ld, temporary %ld, other %ld\n",
	    ok, nf, tmp, oth);
	return bad;
}
