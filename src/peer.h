/*
 * peer.h: who is at the other end of one of alias-lookupd's client
 * sockets, so that only lookups that decide a delivery are counted as
 * hits.  Postfix asks virtual_alias_maps twice for every recipient it
 * accepts: smtpd(8) at RCPT, and cleanup(8) right after, when it
 * expands the alias (seen with a real Postfix 3.7: both lookups within
 * the same second, before DATA, even when the client quits after RCPT).
 * An administrator's `postmap -q` is no delivery at all.
 *
 * What the kernel tells: over a unix socket the peer's process
 * (SO_PEERCRED, then its command name in /proc); over loopback TCP only
 * the user that owns the peer's socket (/proc/net/tcp, tcp6).  So:
 *   PEER_RCPT    smtpd, or Sendmail: count every lookup
 *   PEER_REPEAT  cleanup: count nothing (smtpd counted it)
 *   PEER_ADMIN   any other program (postmap, a shell...), or a loopback
 *                TCP peer that is not the mail system's user: count
 *                nothing
 *   PEER_PAIRED  proxymap(8), which asks for smtpd and cleanup alike,
 *                and TCP from the mail system's user or from another
 *                host: cannot tell the two lookups apart; the caller
 *                counts every other accepted lookup of an alias (see
 *                lookupd.c)
 */
#ifndef PEER_H
#define PEER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

enum peer_kind {
	PEER_RCPT,
	PEER_REPEAT,
	PEER_ADMIN,
	PEER_PAIRED
};

/* "rcpt", "repeat", "admin", "paired": the word used in logs. */
const char *peer_kind_name(enum peer_kind);

/*
 * Classifies the peer of the connected socket fd.  mail_uid is the uid
 * Postfix's daemons run as (user "postfix"), or (uid_t)-1 when there is
 * none.  Writes what was found (e.g. "pid 812 smtpd", "uid 0 over TCP")
 * into desc (descsize bytes) for the log.  Never fails: what cannot be
 * told is PEER_PAIRED.
 */
enum peer_kind peer_classify(int fd, uid_t mail_uid, char *desc,
	    size_t descsize);

/*
 * The kind for a process whose command name (/proc/PID/comm, without the
 * newline) is comm.
 */
enum peer_kind peer_kind_of_comm(const char *comm);

/*
 * Parses one line of /proc/net/tcp or /proc/net/tcp6 (v6 nonzero):
 * fills local and remote (4 bytes for IPv4, 16 for IPv6, as the kernel
 * holds them: network byte order), their ports and the socket owner's
 * uid.  Returns 0, or -1 for the header line or anything else.
 */
int	peer_proc_net_line(const char *line, int v6, unsigned char *local,
	    uint16_t *lport, unsigned char *remote, uint16_t *rport,
	    uid_t *uid);

#endif /* PEER_H */
