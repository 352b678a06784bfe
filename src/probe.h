/*
 * probe.h: is a daemon answering on its socket?  setup and doctor ask
 * alias-milter the way Postfix would, before they tell the admin that
 * mail can flow through it.
 */
#ifndef PROBE_H
#define PROBE_H

#include "util.h"

/* How long a probe waits for alias-milter's answer. */
#define PROBE_MILTER_MS	2000

/*
 * Connects to addr (a socket as listen.h spells it: "unix:/path",
 * "inet:HOST:PORT", "inet:[IPV6]:PORT", ...) and sends a
 * milter option negotiation (SMFIC_OPTNEG, version 6).  Returns 0 when
 * an SMFIC_OPTNEG reply comes within timeout_ms, else -1 with the reason
 * in e.
 */
int	probe_milter(const char *addr, int timeout_ms, struct errbuf *e);

#endif /* PROBE_H */
