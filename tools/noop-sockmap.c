/*
 * tools/noop-sockmap.c: a socketmap server that answers "NOTFOUND " to
 * every request without looking at it, one connection at a time: the
 * floor of any socketmap design (the cost of the round trip alone),
 * for tools/bench-lookup.
 *
 *   cc -O2 -o noop-sockmap tools/noop-sockmap.c
 *   noop-sockmap /path/to/socket
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	static char buf[65536];
	const char reply[] = "9:NOTFOUND ,";
	char	*colon;
	size_t	 len, want;
	ssize_t	 n;
	int	 s, c;

	if (argc != 2) {
		fprintf(stderr, "usage: noop-sockmap SOCKET\n");
		return 64;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 16) == -1) {
		perror(argv[1]);
		return 71;
	}
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1)
			continue;
		len = 0;
		while ((n = read(c, buf + len, sizeof(buf) - len)) > 0) {
			len += (size_t)n;
			while ((colon = memchr(buf, ':', len)) != NULL) {
				want = (size_t)(colon - buf) + 1 +
				    strtoul(buf, NULL, 10) + 1;
				if (want > sizeof(buf)) {
					len = 0;
					break;
				}
				if (len < want)
					break;
				if (write(c, reply, sizeof(reply) - 1) < 0)
					break;
				memmove(buf, buf + want, len - want);
				len -= want;
			}
			if (len == sizeof(buf))
				len = 0;
		}
		close(c);
	}
}
