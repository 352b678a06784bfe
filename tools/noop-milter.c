/*
 * tools/noop-milter.c: the smallest libmilter milter, the floor of any
 * libmilter design for tools/bench-milter.  It registers MAIL and RCPT
 * callbacks (what any recipient gatekeeper needs) and continues on
 * everything; every other step is negotiated away by libmilter because
 * its callback is NULL.
 *
 *   cc -O2 -o noop-milter tools/noop-milter.c -lmilter -pthread
 *
 * usage: noop-milter [-D] [-q] -s SOCKET    (unix:/path or inet:PORT@127.0.0.1)
 *
 * -D also registers a DATA callback, so the DATA step is negotiated and
 * answered.  Over TCP this removes a delayed-ACK stall per message:
 * Postfix sends the DATA-stage macros alone (SMFIC_MACRO 'T', which
 * needs no reply, flushed before smtpd hands the milter to cleanup),
 * then the end-of-message packet; Nagle holds that packet until the
 * macros are ACKed, and the milter, with nothing to send, delays its
 * ACK by about 40 ms.  A reply to DATA carries the ACK at once.
 *
 * -q is an experiment for the inet-vs-unix investigation: in each
 * callback it sets TCP_QUICKACK on the milter connection.  libmilter
 * exposes no descriptor, so the socket is found by reading the second
 * member of libmilter's private struct smfi_str (ctx_sd, after the
 * thread id): a layout hack that a real milter must not rely on.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <libmilter/mfapi.h>

static int quickack;

/* The first two members of libmilter's private struct smfi_str. */
struct ctx_head {
	pthread_t	id;
	int		sd;
};

static void
poke(SMFICTX *ctx)
{
	int one = 1;

	if (quickack)
		(void)setsockopt(((struct ctx_head *)(void *)ctx)->sd,
		    IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static sfsistat
noop_envfrom(SMFICTX *ctx, char **argv)
{
	(void)argv;
	poke(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
noop_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)argv;
	poke(ctx);
	return SMFIS_CONTINUE;
}

static sfsistat
noop_data(SMFICTX *ctx)
{
	poke(ctx);
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "noop-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = 0,
	.xxfi_envfrom = noop_envfrom,
	.xxfi_envrcpt = noop_envrcpt,
};

int
main(int argc, char *argv[])
{
	const char *sock = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "Dqs:")) != -1) {
		switch (ch) {
		case 'D':
			desc.xxfi_data = noop_data;
			break;
		case 'q':
			quickack = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (sock == NULL || optind != argc)
		goto usage;
	if (smfi_setconn((char *)sock) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE ||
	    smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "noop-milter: cannot listen on %s\n", sock);
		return 71;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 70;
usage:
	fprintf(stderr, "usage: noop-milter [-D] [-q] -s SOCKET\n");
	return 64;
}
