/*
 * test_peer.c: who is at the other end of a socket (peer.c): the
 * /proc/net/tcp line parser on lines as Linux writes them, the kinds of
 * Postfix's and other programs' names, and peer_classify() on real
 * sockets: a unix socket pair (this program: an administrator's tool)
 * and a loopback TCP connection, whose owner is found in /proc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

static void
test_proc_net_line(void **state)
{
	unsigned char l[16], r[16];
	uint16_t lp, rp;
	uid_t	 uid;
	static const unsigned char lo4[4] = { 127, 0, 0, 1 };
	static const unsigned char lo6[16] = { [15] = 1 };
	uint32_t w;

	(void)state;
	/* Written on a little-endian machine: words as the CPU holds them. */
	w = 0x0100007f;
	if (memcmp(&w, lo4, 4) != 0)
		skip();
	assert_int_equal(peer_proc_net_line("  sl  local_address rem_address"
	    "   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
	    "inode", 0, l, &lp, r, &rp, &uid), -1);
	assert_int_equal(peer_proc_net_line("   3: 0100007F:D431 0100007F:"
	    "5BA0 01 00000000:00000000 00:00000000 00000000   105        0 "
	    "5512907 1 0000000000000000 20 4 30 10 -1", 0, l, &lp, r, &rp,
	    &uid), 0);
	assert_memory_equal(l, lo4, 4);
	assert_memory_equal(r, lo4, 4);
	assert_int_equal(lp, 0xD431);
	assert_int_equal(rp, 0x5BA0);
	assert_int_equal(uid, 105);
	assert_int_equal(peer_proc_net_line("   0: 00000000000000000000000001"
	    "000000:1F90 00000000000000000000000001000000:8F2C 01 00000000:"
	    "00000000 00:00000000 00000000     0        0 77 1 0 20 4 30 10 "
	    "-1\n", 1, l, &lp, r, &rp, &uid), 0);
	assert_memory_equal(l, lo6, 16);
	assert_memory_equal(r, lo6, 16);
	assert_int_equal(lp, 0x1F90);
	assert_int_equal(rp, 0x8F2C);
	assert_int_equal(uid, 0);
	/* Cut short, bad digits, an IPv6 line read as IPv4. */
	assert_int_equal(peer_proc_net_line("   3: 0100007F:D431 0100007F:"
	    "5BA0 01 00000000:00000000", 0, l, &lp, r, &rp, &uid), -1);
	assert_int_equal(peer_proc_net_line("   3: 0100007G:D431 0100007F:"
	    "5BA0 01 0:0 0:0 0 1 0 1", 0, l, &lp, r, &rp, &uid), -1);
	assert_int_equal(peer_proc_net_line("   0: 00000000000000000000000001"
	    "000000:1F90 00000000000000000000000001000000:8F2C 01 0:0 0:0 0 "
	    "0 0 77", 0, l, &lp, r, &rp, &uid), -1);
	assert_int_equal(peer_proc_net_line("", 0, l, &lp, r, &rp, &uid), -1);
}

static void
test_kind_of_comm(void **state)
{
	(void)state;
	assert_int_equal(peer_kind_of_comm("smtpd"), PEER_RCPT);
	assert_int_equal(peer_kind_of_comm("sendmail"), PEER_RCPT);
	assert_int_equal(peer_kind_of_comm("cleanup"), PEER_REPEAT);
	assert_int_equal(peer_kind_of_comm("proxymap"), PEER_PAIRED);
	assert_int_equal(peer_kind_of_comm("postmap"), PEER_ADMIN);
	assert_int_equal(peer_kind_of_comm("trivial-rewrite"), PEER_ADMIN);
	assert_int_equal(peer_kind_of_comm("smtpd2"), PEER_ADMIN);
	assert_int_equal(peer_kind_of_comm(""), PEER_ADMIN);
	assert_string_equal(peer_kind_name(PEER_PAIRED), "paired");
}

/* A unix socket pair: the peer is this test program, no MTA. */
static void
test_classify_unix(void **state)
{
	char	 desc[64], want[64];
	int	 sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(peer_classify(sv[0], (uid_t)-1, desc, sizeof(desc)),
	    PEER_ADMIN);
	snprintf(want, sizeof(want), "pid %ld test_peer", (long)getpid());
	assert_string_equal(desc, want);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Loopback TCP: the owner of the client's socket is us; as the mail
 * system's user it is Postfix (paired), else an administrator.
 */
static void
test_classify_tcp(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char	 desc[64], want[64];
	int	 lfd, cfd, afd;

	(void)state;
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	assert_true((cfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_true((afd = accept(lfd, NULL, NULL)) != -1);
	snprintf(want, sizeof(want), "uid %lu over TCP",
	    (unsigned long)geteuid());
	assert_int_equal(peer_classify(afd, geteuid(), desc, sizeof(desc)),
	    PEER_PAIRED);
	assert_string_equal(desc, want);
	assert_int_equal(peer_classify(afd, geteuid() + 1, desc,
	    sizeof(desc)), PEER_ADMIN);
	assert_int_equal(peer_classify(afd, (uid_t)-1, desc, sizeof(desc)),
	    PEER_ADMIN);
	close(afd);
	close(cfd);
	close(lfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_net_line),
		cmocka_unit_test(test_kind_of_comm),
		cmocka_unit_test(test_classify_unix),
		cmocka_unit_test(test_classify_tcp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
