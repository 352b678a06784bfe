/*
 * doctor.h: aliasctl doctor, the live Postfix configuration checked
 * against the alias file (see cli.h for the handlers' contract).  Each
 * check has one stable name, used in the output, in --json and in
 * aliasctl(8).
 */
#ifndef DOCTOR_H
#define DOCTOR_H

#include "cli.h"

/* How long the milter check waits for alias-milter's answer. */
#define DOCTOR_MILTER_MS	2000

/*
 * Connects to addr (a socket as listen.h spells it: "unix:/path",
 * "inet:HOST:PORT", "inet:[IPV6]:PORT", ...) and sends a
 * milter option negotiation (SMFIC_OPTNEG, version 6).  Returns 0 when
 * an SMFIC_OPTNEG reply comes within timeout_ms, else -1 with the reason
 * in e.
 */
int	doctor_milter_probe(const char *addr, int timeout_ms, struct errbuf *e);

/* doctor [--postfix-config DIR] [--milter-socket SOCKET] [--json] */
int	cmd_doctor(const struct options *, int argc, char **argv);

#endif /* DOCTOR_H */
