/*
 * tools/milter-load.c: a load client that speaks the Sendmail milter
 * protocol (version 6) itself, to measure a milter's own cost without
 * an MTA: C connections (one thread each) negotiate like Postfix,
 * send CONNECT and HELO (unless negotiated away), then transactions
 * of MAIL and R recipients from a key file, ABORT, and again, until
 * the time or the count is up; then QUIT.  Each command goes out in
 * one write with its macros, as Postfix's milter8.c does.  Reports
 * RCPT verdicts per second, the latency of RCPT round trips (p50, p90,
 * p99, max) and how many of each reply came back.
 *
 *   cc -O2 -pthread -o milter-load tools/milter-load.c
 *
 * usage: milter-load [-c CONNS] [-t SECONDS] [-n RCPTS] [-r RCPTS_PER_MAIL]
 *                    [-R RATE] [-f SENDER] [-x] [-o OUTFILE]
 *                    -k KEYFILE -s SOCKET
 * KEYFILE has one recipient a line (the first word; '#' lines are
 * comments).  With -x each line must also name the replies that are
 * right for it, one or two words after the key, a reply name with '_'
 * for its blanks: "continue", "550_5.1.1", "550_5.7.1", "451_4.3.0".
 * Two words are the answers of two maps (the fault tests' map A and
 * map B, compiled in turn while the load runs): every reply must be one
 * of them.  The client counts the replies that were wrong, those that
 * only the first word allowed, only the second, or both, and prints the
 * first wrong ones; the exit status is 1 when any was wrong.
 * -o OUTFILE writes one line per RCPT: the key, a tab, the reply name
 * ('_' for blanks), in the order each connection got them.
 * Without -R every connection sends its next command as soon as the
 * reply is in (closed loop: with C connections the mean latency is
 * C / throughput, Little's law).  -R RATE paces the RCPTs to RATE per
 * second over all connections and measures each round trip from the
 * time it was due, so a late milter is not hidden (coordinated
 * omission).
 * SOCKET is unix:/path (or local:/path), inet:PORT@127.0.0.1 or
 * inet:127.0.0.1:PORT; only loopback addresses are accepted.
 * Exit 0 if every connection ran to the end (and, with -x, every reply
 * was one the key file allows), 1 otherwise.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* From libmilter's mfdef.h, so this builds without libmilter-dev. */
#define SMFIC_ABORT	'A'
#define SMFIC_CONNECT	'C'
#define SMFIC_MACRO	'D'
#define SMFIC_HELO	'H'
#define SMFIC_MAIL	'M'
#define SMFIC_OPTNEG	'O'
#define SMFIC_QUIT	'Q'
#define SMFIC_RCPT	'R'
#define SMFIR_ACCEPT	'a'
#define SMFIR_CONTINUE	'c'
#define SMFIR_DISCARD	'd'
#define SMFIR_PROGRESS	'p'
#define SMFIR_REJECT	'r'
#define SMFIR_SKIP	's'
#define SMFIR_TEMPFAIL	't'
#define SMFIR_REPLYCODE	'y'
#define SMFIP_NOCONNECT	0x00000001U
#define SMFIP_NOHELO	0x00000002U
#define SMFIP_NOMAIL	0x00000004U
#define SMFIP_NORCPT	0x00000008U
#define SMFIP_NR_CONN	0x00001000U
#define SMFIP_NR_HELO	0x00002000U
#define SMFIP_NR_MAIL	0x00004000U
#define SMFIP_NR_RCPT	0x00008000U
/* What Postfix 3.7 offers with milter_protocol = 6. */
#define MTA_ACTIONS	0x000001ffU
#define MTA_PROTOCOL	0x001fffffU

#define NREPLY		16
#define NEXPECT		2	/* reply names a key line may allow */
#define NSHOWWRONG	10	/* wrong replies printed */

struct reply {
	char		name[24];	/* "continue", "550 5.1.1", ... */
	unsigned long	n;
};

/* -x: what a key's reply may be; counted by which column matched. */
struct expect {
	char	       *want[NEXPECT];	/* reply names, blanks as blanks */
	int		nwant;
};

struct worker {
	pthread_t	tid;
	int		idx;
	unsigned long	rcpts;
	unsigned long	wrong, first_only, second_only, both;
	uint32_t       *lat;		/* RCPT round trips, ns */
	size_t		nlat, cap;
	struct reply	rep[NREPLY];
	int		nrep;
	int		failed;
	char		err[200];
	uint32_t	pflags, actions, version;
};

static struct {
	int		conns, per_mail;
	double		seconds, rate;
	unsigned long	max_rcpts;	/* per connection; 0: until time */
	const char     *sender, *socket;
	char	      **keys;
	struct expect  *expect;		/* -x: one per key, else NULL */
	size_t		nkeys;
	FILE	       *out;		/* -o */
	pthread_mutex_t	outmu;		/* serialises wrong-reply reports */
	unsigned long	shown;		/* wrong replies printed, under outmu */
	struct timespec	deadline;
	struct sockaddr_storage sa;
	socklen_t	salen;
} cf = { .conns = 50, .per_mail = 20, .seconds = 10.0,
	 .sender = "sender@example.net", .outmu = PTHREAD_MUTEX_INITIALIZER };

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

static int
fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	w->failed = 1;
	return -1;
}

static int
writeall(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
readall(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An output buffer: commands are appended and sent in one write. */
struct obuf {
	char	b[4096];
	size_t	len;
};

static void
put_u32(char *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

/* Appends a packet: cmd and the NUL-separated strings (a NULL ends). */
static void
packet(struct obuf *o, char cmd, const char *raw, size_t rawlen, ...)
{
	va_list ap;
	const char *s;
	size_t start = o->len, l;

	o->len += 5;
	o->b[start + 4] = cmd;
	if (raw != NULL) {
		memcpy(o->b + o->len, raw, rawlen);
		o->len += rawlen;
	}
	va_start(ap, rawlen);
	while ((s = va_arg(ap, const char *)) != NULL) {
		l = strlen(s) + 1;
		if (o->len + l > sizeof(o->b) - 16)
			break;
		memcpy(o->b + o->len, s, l);
		o->len += l;
	}
	va_end(ap);
	put_u32(o->b + start, (uint32_t)(o->len - start - 4));
}

static void
count(struct worker *w, const char *name)
{
	int i;

	for (i = 0; i < w->nrep; i++)
		if (strcmp(w->rep[i].name, name) == 0) {
			w->rep[i].n++;
			return;
		}
	if (w->nrep < NREPLY) {
		snprintf(w->rep[w->nrep].name, sizeof(w->rep[0].name), "%s", name);
		w->rep[w->nrep++].n = 1;
	}
}

/*
 * Reads one final reply (skipping progress) and names it in name.
 * Returns 0, or -1 on a broken connection or a bad packet.
 */
static int
reply(struct worker *w, int fd, char *name, size_t namesz)
{
	char hdr[5], data[1024];
	uint32_t len;

	for (;;) {
		if (readall(fd, hdr, 5) < 0)
			return fail(w, "read: %s", errno ? strerror(errno) : "EOF");
		memcpy(&len, hdr, 4);
		len = ntohl(len);
		if (len < 1 || len > sizeof(data))
			return fail(w, "bad reply length %u", len);
		if (len > 1 && readall(fd, data, len - 1) < 0)
			return fail(w, "read: %s", strerror(errno));
		data[len - 1] = '\0';
		switch (hdr[4]) {
		case SMFIR_PROGRESS:
			continue;
		case SMFIR_CONTINUE:
			snprintf(name, namesz, "continue");
			return 0;
		case SMFIR_ACCEPT:
			snprintf(name, namesz, "accept");
			return 0;
		case SMFIR_DISCARD:
			snprintf(name, namesz, "discard");
			return 0;
		case SMFIR_REJECT:
			snprintf(name, namesz, "reject");
			return 0;
		case SMFIR_TEMPFAIL:
			snprintf(name, namesz, "tempfail");
			return 0;
		case SMFIR_SKIP:
			snprintf(name, namesz, "skip");
			return 0;
		case SMFIR_REPLYCODE:
			/* "550 5.1.1 text": keep the codes. */
			snprintf(name, namesz, "%.9s", data);
			return 0;
		default:
			return fail(w, "unexpected reply '%c'", hdr[4]);
		}
	}
}

static int
sendbuf(struct worker *w, int fd, struct obuf *o)
{
	if (writeall(fd, o->b, o->len) < 0)
		return fail(w, "write: %s", strerror(errno));
	o->len = 0;
	return 0;
}

static int
connect_milter(struct worker *w)
{
	struct timeval tv = { 5, 0 };
	int fd;

	if ((fd = socket(cf.sa.ss_family, SOCK_STREAM, 0)) < 0)
		return fail(w, "socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&cf.sa, cf.salen) < 0) {
		close(fd);
		return fail(w, "connect %s: %s", cf.socket, strerror(errno));
	}
	return fd;
}

/*
 * -x and -o: checks the reply name got for key number k against what
 * the key file allows, counts it, and writes it to OUTFILE.
 */
static void
check(struct worker *w, size_t k, const char *got)
{
	const struct expect *x;
	char	 line[700];
	size_t	 i;
	int	 j, hit[NEXPECT] = { 0 };

	if (cf.out != NULL) {
		snprintf(line, sizeof(line), "%s\t%s\n", cf.keys[k], got);
		for (i = strlen(cf.keys[k]) + 1; line[i] != '\0'; i++)
			if (line[i] == ' ')
				line[i] = '_';
		fputs(line, cf.out);	/* stdio locks the stream */
	}
	if (cf.expect == NULL)
		return;
	x = &cf.expect[k];
	for (j = 0; j < x->nwant; j++)
		hit[j] = strcmp(got, x->want[j]) == 0;
	if (hit[0] && (x->nwant < 2 || hit[1]))
		w->both++;
	else if (hit[0])
		w->first_only++;
	else if (x->nwant > 1 && hit[1])
		w->second_only++;
	else {
		w->wrong++;
		pthread_mutex_lock(&cf.outmu);
		if (cf.shown++ < NSHOWWRONG)
			fprintf(stderr, "milter-load: wrong reply: %s got \"%s\", "
			    "expected \"%s\"%s%s%s\n", cf.keys[k], got,
			    x->want[0], x->nwant > 1 ? " or \"" : "",
			    x->nwant > 1 ? x->want[1] : "",
			    x->nwant > 1 ? "\"" : "");
		pthread_mutex_unlock(&cf.outmu);
	}
}

static void
record(struct worker *w, uint64_t ns)
{
	uint32_t *n;

	if (w->nlat == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 65536;
		if ((n = realloc(w->lat, w->cap * sizeof(*n))) == NULL) {
			w->cap = w->nlat;
			return;
		}
		w->lat = n;
	}
	w->lat[w->nlat++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct obuf o = { .len = 0 };
	char name[32], buf[12], addr[600], from[300], cid[32];
	uint32_t v;
	size_t k;
	int fd, i, done = 0;
	unsigned long msg = 0;
	double end = cf.deadline.tv_sec + cf.deadline.tv_nsec / 1e9;

	if ((fd = connect_milter(w)) < 0)
		return NULL;
	put_u32(buf, 6);
	put_u32(buf + 4, MTA_ACTIONS);
	put_u32(buf + 8, MTA_PROTOCOL);
	packet(&o, SMFIC_OPTNEG, buf, 12, (char *)NULL);
	if (sendbuf(w, fd, &o) < 0)
		goto out;
	{
		char hdr[5], data[1024];
		uint32_t len;

		if (readall(fd, hdr, 5) < 0) {
			fail(w, "optneg: no reply");
			goto out;
		}
		memcpy(&len, hdr, 4);
		len = ntohl(len);
		if (hdr[4] != SMFIC_OPTNEG || len < 13 || len > sizeof(data) ||
		    readall(fd, data, len - 1) < 0) {
			fail(w, "optneg: bad reply '%c' len %u", hdr[4], len);
			goto out;
		}
		memcpy(&v, data, 4);
		w->version = ntohl(v);
		memcpy(&v, data + 4, 4);
		w->actions = ntohl(v);
		memcpy(&v, data + 8, 4);
		w->pflags = ntohl(v);
	}
	snprintf(cid, sizeof(cid), "%d", w->idx);
	if (!(w->pflags & SMFIP_NOCONNECT)) {
		packet(&o, SMFIC_MACRO, "C", 1, "j", "bench.invalid",
		    "{daemon_name}", "bench", "{daemon_addr}", "127.0.0.1",
		    "{client_addr}", "127.0.0.2", "{client_name}", "unknown",
		    "_", "unknown [127.0.0.2]", (char *)NULL);
		{
			char c[64];
			size_t l;

			/* hostname NUL, family '4', port, address NUL */
			l = (size_t)snprintf(c, sizeof(c), "unknown") + 1;
			c[l++] = '4';
			c[l++] = 0x30;
			c[l++] = 0x39;
			l += (size_t)snprintf(c + l, sizeof(c) - l, "127.0.0.2") + 1;
			packet(&o, SMFIC_CONNECT, c, l, (char *)NULL);
		}
		if (sendbuf(w, fd, &o) < 0)
			goto out;
		if (!(w->pflags & SMFIP_NR_CONN) &&
		    reply(w, fd, name, sizeof(name)) < 0)
			goto out;
	}
	if (!(w->pflags & SMFIP_NOHELO)) {
		packet(&o, SMFIC_MACRO, "H", 1, (char *)NULL);
		packet(&o, SMFIC_HELO, NULL, 0, "client.invalid", (char *)NULL);
		if (sendbuf(w, fd, &o) < 0)
			goto out;
		if (!(w->pflags & SMFIP_NR_HELO) &&
		    reply(w, fd, name, sizeof(name)) < 0)
			goto out;
	}
	k = ((size_t)w->idx * 7919U) % cf.nkeys;
	/* With -R, this connection's RCPTs are due every gap ns. */
	uint64_t due = now_ns(), gap = cf.rate > 0 ?
	    (uint64_t)(1e9 * cf.conns / cf.rate) : 0;
	due += gap * (uint64_t)w->idx / (uint64_t)cf.conns;
	snprintf(from, sizeof(from), "<%s>", cf.sender);
	while (!done) {
		msg++;
		packet(&o, SMFIC_MACRO, "M", 1, "{mail_addr}", cf.sender,
		    "{mail_mailer}", "smtp", "{mail_host}", "example.net",
		    (char *)NULL);
		if (!(w->pflags & SMFIP_NOMAIL)) {
			packet(&o, SMFIC_MAIL, NULL, 0, from, (char *)NULL);
			if (sendbuf(w, fd, &o) < 0)
				goto out;
			if (!(w->pflags & SMFIP_NR_MAIL) &&
			    reply(w, fd, name, sizeof(name)) < 0)
				goto out;
		}
		for (i = 0; i < cf.per_mail; i++) {
			uint64_t t0;
			size_t kk = k;
			const char *key = cf.keys[k];

			k = (k + 1) % cf.nkeys;
			snprintf(addr, sizeof(addr), "<%s>", key);
			packet(&o, SMFIC_MACRO, "R", 1, "{rcpt_addr}", key,
			    "{rcpt_mailer}", "virtual", "{rcpt_host}", "bench",
			    (char *)NULL);
			packet(&o, SMFIC_RCPT, NULL, 0, addr, (char *)NULL);
			t0 = now_ns();
			if (gap) {
				while (t0 < due) {
					struct timespec ts = { 0, (long)(due - t0) };

					nanosleep(&ts, NULL);
					t0 = now_ns();
				}
				t0 = due;
				due += gap;
			}
			if (sendbuf(w, fd, &o) < 0)
				goto out;
			if (w->pflags & SMFIP_NORCPT)
				count(w, "(rcpt not negotiated)");
			else if (w->pflags & SMFIP_NR_RCPT)
				count(w, "(no reply: NR_RCPT)");
			else {
				if (reply(w, fd, name, sizeof(name)) < 0)
					goto out;
				record(w, now_ns() - t0);
				count(w, name);
				check(w, kk, name);
			}
			w->rcpts++;
			if ((cf.max_rcpts && w->rcpts >= cf.max_rcpts) ||
			    ((w->rcpts & 15) == 0 && now() >= end)) {
				done = 1;
				break;
			}
		}
		/*
		 * Abort the transaction as Postfix does at the end of one;
		 * it needs no reply, so (like Postfix's buffered stream) it
		 * goes out in one write with the next MAIL or the QUIT.
		 */
		packet(&o, SMFIC_ABORT, NULL, 0, (char *)NULL);
		if (now() >= end)
			done = 1;
	}
	packet(&o, SMFIC_QUIT, NULL, 0, (char *)NULL);
	(void)sendbuf(w, fd, &o);
out:
	close(fd);
	return NULL;
}

static int
parse_socket(const char *s)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&cf.sa;
	struct sockaddr_in *in = (struct sockaddr_in *)&cf.sa;
	char host[64];
	const char *p, *at, *colon;
	unsigned port;

	memset(&cf.sa, 0, sizeof(cf.sa));
	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0) {
		p = strchr(s, ':') + 1;
		if (strlen(p) >= sizeof(un->sun_path))
			return -1;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, p);
		cf.salen = sizeof(*un);
		return 0;
	}
	if (strncmp(s, "inet:", 5) != 0)
		return -1;
	p = s + 5;
	if ((at = strchr(p, '@')) != NULL) {		/* PORT@HOST */
		if (sscanf(p, "%u@", &port) != 1)
			return -1;
		snprintf(host, sizeof(host), "%s", at + 1);
	} else if ((colon = strrchr(p, ':')) != NULL) {	/* HOST:PORT */
		snprintf(host, sizeof(host), "%.*s", (int)(colon - p), p);
		if (sscanf(colon + 1, "%u", &port) != 1)
			return -1;
	} else
		return -1;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1 ||
	    (ntohl(in->sin_addr.s_addr) >> 24) != 127 || port == 0 ||
	    port > 65535) {
		fprintf(stderr, "milter-load: only loopback inet sockets: %s\n", s);
		return -1;
	}
	cf.salen = sizeof(*in);
	return 0;
}

/*
 * Parses the words after the key on a -x key line into x: reply names
 * with '_' for blanks.  Returns 0, or -1 when there are none or too
 * many.
 */
static int
parse_expect(char *rest, struct expect *x)
{
	char	*w, *p;

	x->nwant = 0;
	for (w = strtok(rest, " \t\r\n"); w != NULL;
	    w = strtok(NULL, " \t\r\n")) {
		if (x->nwant == NEXPECT)
			return -1;
		for (p = w; *p != '\0'; p++)
			if (*p == '_')
				*p = ' ';
		if ((x->want[x->nwant] = strdup(w)) == NULL)
			return -1;
		x->nwant++;
	}
	return x->nwant > 0 ? 0 : -1;
}

static int
load_keys(const char *path, int expect)
{
	FILE *fp;
	char line[600];
	size_t cap = 0, l, lineno = 0;
	char **n;
	struct expect *x;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		l = strcspn(line, "\r\n \t");
		if (l == 0 || line[0] == '#')
			continue;
		if (cf.nkeys == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((n = realloc(cf.keys, cap * sizeof(*n))) == NULL)
				goto fail;
			cf.keys = n;
			if (expect) {
				if ((x = realloc(cf.expect, cap * sizeof(*x))) ==
				    NULL)
					goto fail;
				cf.expect = x;
			}
		}
		if (expect && parse_expect(line + l, &cf.expect[cf.nkeys]) ==
		    -1) {
			fprintf(stderr, "milter-load: %s:%zu: -x needs one or "
			    "%d reply names after the key\n", path, lineno,
			    NEXPECT);
			fclose(fp);
			return -1;
		}
		line[l] = '\0';
		if ((cf.keys[cf.nkeys] = strdup(line)) == NULL)
			goto fail;
		cf.nkeys++;
	}
	fclose(fp);
	if (cf.nkeys == 0) {
		fprintf(stderr, "milter-load: no keys in %s\n", path);
		return -1;
	}
	return 0;
fail:
	fclose(fp);
	perror("milter-load");
	return -1;
}

static int
cmp32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	struct worker *ws;
	struct reply tot[NREPLY];
	uint32_t *all;
	size_t nall = 0, j;
	unsigned long rcpts = 0, wrong = 0, first = 0, second = 0, both = 0;
	double t0, el;
	int ch, i, r, ntot = 0, failed = 0, expect = 0;
	const char *keyfile = NULL, *outfile = NULL;

	while ((ch = getopt(argc, argv, "c:f:k:n:o:r:R:s:t:x")) != -1) {
		switch (ch) {
		case 'c': cf.conns = atoi(optarg); break;
		case 'f': cf.sender = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'n': cf.max_rcpts = strtoul(optarg, NULL, 10); break;
		case 'o': outfile = optarg; break;
		case 'x': expect = 1; break;
		case 'r': cf.per_mail = atoi(optarg); break;
		case 'R': cf.rate = atof(optarg); break;
		case 's': cf.socket = optarg; break;
		case 't': cf.seconds = atof(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc || keyfile == NULL || cf.socket == NULL ||
	    cf.conns < 1 || cf.conns > 1000 || cf.per_mail < 1 ||
	    cf.seconds <= 0 || cf.seconds > 600)
		goto usage;
	if (parse_socket(cf.socket) < 0) {
		fprintf(stderr, "milter-load: bad socket %s\n", cf.socket);
		return 64;
	}
	if (load_keys(keyfile, expect) < 0)
		return 66;
	if (outfile != NULL && (cf.out = fopen(outfile, "w")) == NULL) {
		perror(outfile);
		return 73;
	}
	if ((ws = calloc((size_t)cf.conns, sizeof(*ws))) == NULL)
		return 71;
	t0 = now();
	clock_gettime(CLOCK_MONOTONIC, &cf.deadline);
	cf.deadline.tv_sec += (time_t)cf.seconds;
	cf.deadline.tv_nsec += (long)((cf.seconds - (double)(time_t)cf.seconds) * 1e9);
	if (cf.deadline.tv_nsec >= 1000000000L) {
		cf.deadline.tv_sec++;
		cf.deadline.tv_nsec -= 1000000000L;
	}
	for (i = 0; i < cf.conns; i++) {
		ws[i].idx = i;
		if ((r = pthread_create(&ws[i].tid, NULL, work, &ws[i])) != 0) {
			fprintf(stderr, "milter-load: pthread_create: %s\n", strerror(r));
			return 71;
		}
	}
	for (i = 0; i < cf.conns; i++)
		pthread_join(ws[i].tid, NULL);
	el = now() - t0;

	if (cf.out != NULL && fclose(cf.out) == EOF) {
		perror(outfile);
		return 74;
	}
	for (i = 0; i < cf.conns; i++) {
		rcpts += ws[i].rcpts;
		wrong += ws[i].wrong;
		first += ws[i].first_only;
		second += ws[i].second_only;
		both += ws[i].both;
		nall += ws[i].nlat;
		if (ws[i].failed) {
			if (failed++ < 3)
				fprintf(stderr, "milter-load: connection %d: %s\n", i, ws[i].err);
		}
		for (r = 0; r < ws[i].nrep; r++) {
			for (ch = 0; ch < ntot; ch++)
				if (strcmp(tot[ch].name, ws[i].rep[r].name) == 0)
					break;
			if (ch == ntot) {
				if (ntot == NREPLY)
					continue;
				tot[ntot] = ws[i].rep[r];
				tot[ntot++].n = 0;
			}
			tot[ch].n += ws[i].rep[r].n;
		}
	}
	if ((all = malloc((nall ? nall : 1) * sizeof(*all))) == NULL)
		return 71;
	for (i = 0, j = 0; i < cf.conns; i++) {
		memcpy(all + j, ws[i].lat, ws[i].nlat * sizeof(*all));
		j += ws[i].nlat;
	}
	qsort(all, nall, sizeof(*all), cmp32);
#define PCT(p) (nall ? all[(size_t)((double)(nall - 1) * (p))] / 1000.0 : 0.0)
	printf("milter-load: %s, %d connections, %.2f s, %d RCPTs per MAIL, %zu keys, %s\n",
	    cf.socket, cf.conns, el, cf.per_mail, cf.nkeys,
	    cf.rate > 0 ? "paced" : "closed loop");
	if (cf.rate > 0)
		printf("offered rate: %.0f RCPTs/s\n", cf.rate);
	printf("negotiated: version %u, actions 0x%x, protocol 0x%x\n",
	    ws[0].version, ws[0].actions, ws[0].pflags);
	printf("rcpt verdicts: %lu in %.2f s = %.0f/s\n", rcpts, el, rcpts / el);
	printf("rcpt round trip us: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
	    PCT(0.50), PCT(0.90), PCT(0.99), PCT(1.0));
	printf("replies:");
	for (ch = 0; ch < ntot; ch++)
		printf("%s %s: %lu", ch ? "," : "", tot[ch].name, tot[ch].n);
	printf("\n");
	if (expect)
		printf("checked: %lu, wrong %lu, first only %lu, second only %lu, "
		    "both %lu\n", wrong + first + second + both, wrong, first,
		    second, both);
	printf("RESULT verdicts_per_s=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f failed_conns=%d",
	    rcpts / el, PCT(0.50), PCT(0.99), PCT(1.0), failed);
	if (expect)
		printf(" rcpts=%lu wrong=%lu first_only=%lu second_only=%lu both=%lu",
		    rcpts, wrong, first, second, both);
	printf("\n");
	return failed || wrong ? 1 : 0;
usage:
	fprintf(stderr, "usage: milter-load [-c CONNS] [-t SECONDS] [-n RCPTS] "
	    "[-r RCPTS_PER_MAIL] [-R RATE] [-f SENDER] [-x] [-o OUTFILE] "
	    "-k KEYFILE -s SOCKET\n");
	return 64;
}
