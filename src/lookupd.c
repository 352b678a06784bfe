/*
 * lookupd.c: alias-lookupd's answers and its poll(2) loop (see
 * lookupd.h).
 *
 * Size: about 1,250 lines: the answers (the lookup order Postfix leaves
 * to a pattern table, Sendmail's and the policy service's replies) and
 * the loop (connections, reply batches, deadlines, counting after the
 * reply).  The codecs are already apart (sockmap.c, tcptable.c,
 * pdp.c); the answers are the next to leave, into a file of their own.
 *
 * What Postfix does with the answers (verified in Postfix's source,
 * util/dict_sockmap.c, util/dict_tcp.c, global/mail_addr_find.c,
 * util/match_ops.c, and with postmap -q):
 *
 * - Both map types are "pattern" tables (DICT_FLAG_PATTERN), not
 *   "fixed" ones.  mail_addr_find() looks up user+ext@domain first, then
 *   user@domain and @domain only in fixed tables (lmdb:, hash:, ...);
 *   the domain list code (virtual_alias_domains) looks up parent domains
 *   only in fixed tables.  So Postfix sends the full address (or the
 *   bare domain), and this daemon does the rest of the lookup order
 *   itself, with each domain's own subaddress delimiters from the policy
 *   file, as verdict.c does.
 * - virtual_alias_maps is opened with DICT_FLAG_FOLD_FIX, which folds
 *   keys for fixed tables only: the key arrives in its original case
 *   (postmap -q too), so it is folded here.
 * - When lmdb: matches user@domain for user+ext@domain, Postfix appends
 *   the unmatched "+ext" to each target address
 *   (propagate_unmatched_extensions, default "canonical, virtual"):
 *   irs+tax@ reaches me+tax@example.net.  A match of the full key
 *   propagates nothing, so the daemon appends the extension itself.
 *
 * Sendmail (map names "virtuser" and "AliasN", see lookupd.h) reads a
 * "not found" at a domain it lists as "no virtual entry, relay it", so
 * it gets a value for every address at a managed domain, an error: one
 * for a refusal; its own detail keys are asked only after a "not
 * found" and so never for a managed domain's address.
 *
 * The policy service (check_policy_service, pdp.h) decides each
 * recipient at RCPT with the sender, client and queue id Postfix sends,
 * as alias-milter does (verdict_decide()), and counts it once: smtpd
 * asks once per RCPT and restriction list, nobody else asks.  It
 * answers DUNNO for what it lets through, not OK, so that the
 * restrictions after it still run; at any other protocol_state it
 * answers DUNNO and counts nothing.
 *
 * The loop: one thread; each connection has a fixed input buffer (one
 * request of the largest size its protocol allows).  The replies to the
 * requests one read brought are collected and written with one send(2)
 * (a pipelining client costs one write per read, not one per request);
 * only what the socket does not take is kept, up to
 * LOOKUPD_OUT_MAX, and while that much is pending the connection is not
 * read (a client that sends without reading stalls itself only).  A
 * request must arrive, and pending replies must drain, within io_ms; a
 * connection with nothing pending is dropped after idle_ms.  At maxconn
 * connections a new one displaces the connection idle the longest, so
 * that a flood of idle connections cannot lock out the MTA.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "amap.h"
#include "log.h"
#include "lookupd.h"
#include "mapview.h"
#include "pdp.h"
#include "peer.h"
#include "sockmap.h"
#include "tcptable.h"
#include "util.h"
#include "verdict.h"

#define IN_MAX	(SOCKMAP_WIRE_MAX > TCPTABLE_LINE_MAX ? \
		 SOCKMAP_WIRE_MAX : TCPTABLE_LINE_MAX)
#define LISTEN_MAX	LOOKUPD_NPROTO
_Static_assert(PDP_REPLY_MAX <= SOCKMAP_REPLY_WIRE_MAX,
    "struct lookupd's reply buffer holds a policy reply");
/* What a policy log line shows of a client's text (cleaned). */
#define POLICY_TEXT_MAX	256
#define POLICY_CLEAN	(POLICY_TEXT_MAX + 4)
#define ACCEPT_PAUSE_MS	100	/* after EMFILE */
#define BATCH_MAX	16384	/* replies collected for one send(2) */
#define WARN_EVERY_MS	60000
/*
 * Pairing (peer.h, PEER_PAIRED): the accepted aliases whose first lookup
 * was counted and whose second is still due.  Postfix makes the second
 * (cleanup's) within milliseconds of the first; a pairing older than
 * PAIR_WINDOW seconds has lost its partner (a later restriction or a
 * milter refused the recipient after smtpd's lookup) and is dropped.
 * A fixed table: two aliases that share a slot cost at most one count.
 */
#define PAIR_SLOTS	4096		/* a power of two */
#define PAIR_WINDOW	10		/* seconds */

struct pair_slot {
	uint64_t hash;			/* digest_of() the alias; 0: free */
	time_t	 until;
};

struct conn {
	int	 fd;
	int	 proto;
	enum peer_kind peer;		/* whose lookups these are (peer.h) */
	int	 sendmail;		/* asked a Sendmail map: never idle out */
	int	 eof;			/* the peer shut down its side */
	int	 closing;		/* close once the replies are sent */
	unsigned long long id;
	long long last_ms;		/* last request answered, or accept */
	long long req_ms;		/* first byte of the partial request */
	long long out_ms;		/* last progress sending replies */
	size_t	 inlen;
	size_t	 insize;		/* IN_MAX, or PDP_REQUEST_MAX */
	char	*out;			/* unsent replies, or NULL */
	size_t	 outoff, outlen;
	char	 in[];			/* insize bytes */
};

struct listener {
	int	 fd;
	int	 proto;
};

struct lookupd {
	const struct lookupd_config *cfg;
	struct listener listeners[LISTEN_MAX];
	int	 nlisten;
	struct conn **conns;		/* cfg->maxconn slots */
	int	 nconns;
	struct pollfd *pfds;
	unsigned long long seq;
	long long accept_pause_until;
	long long warned_ms;
	char	 reply[SOCKMAP_REPLY_WIRE_MAX];	/* one encoded reply (any
						   protocol's: the largest) */
	/* The replies to one read's requests, sent by batch_flush(). */
	char	 batch[BATCH_MAX];
	size_t	 batchlen;
	int	 batching;		/* conn_process() is collecting */
	char	 key[TCPTABLE_KEY_MAX + 1];	/* one decoded key */
	/* A policy request's sender and recipient, NUL-terminated. */
	char	 psender[PDP_REQUEST_MAX + 1];
	char	 prcpt[PDP_REQUEST_MAX + 1];
	struct pair_slot pairs[PAIR_SLOTS];
};

static void	fold(char *, const char *, size_t);
static int	map_get(struct amap *, const char *, struct lookupd_answer *);
static int	propagate_ext(struct lookupd_answer *, const char *, size_t);
static void	answer_domain(struct mapview *, const struct mapview_pair *,
		    const char *, struct lookupd_answer *);
static void	answer_address(struct mapview *, const struct mapview_pair *,
		    const char *, unsigned, int32_t, struct lookupd_answer *);
static void	answer_sendmail_alias(struct mapview *,
		    const struct mapview_pair *, const char *,
		    struct lookupd_answer *);
static void	sendmail_error(struct lookupd_answer *, const char *);
static unsigned	map_flags(const struct sockmap_request *);
static void	count_answer(struct lookupd *, const struct conn *, unsigned,
		    const struct lookupd_answer *, time_t);
static void	conn_close(struct lookupd *, int);
static void	conn_accept(struct lookupd *, const struct listener *,
		    long long);
static void	conn_evict(struct lookupd *);
static int	conn_queue(struct lookupd *, struct conn *, const char *,
		    size_t);
static int	conn_send(struct conn *, const char *, size_t);
static int	batch_flush(struct lookupd *, struct conn *);
static int	conn_reply(struct lookupd *, struct conn *,
		    const struct lookupd_answer *, const char *);
static int	conn_process(struct lookupd *, struct conn *, long long);
static int	conn_flush(struct conn *);
static int	conn_read(struct lookupd *, struct conn *, long long);
static long long conn_deadline(const struct lookupd *, const struct conn *);
static void	log_request(const struct conn *, const char *, size_t,
		    const struct lookupd_answer *);
static void	value_copy(char *, const struct pdp_value *);
static void	value_clean(char *, const struct pdp_value *, const char *);
static int	answer_policy(struct lookupd *, struct conn *,
		    const struct pdp_request *, int32_t, time_t);
static const char *proto_name(int);

/* Copies len bytes of in to out with ASCII letters lowercased, and a NUL. */
static void
fold(char *out, const char *in, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] + 32) :
		    in[i];
	out[len] = '\0';
}

/*
 * Looks key up in map into a.  Returns 1 found (a->status FOUND), 0 not
 * found, -1 on error (a->status TEMP).
 */
static int
map_get(struct amap *map, const char *key, struct lookupd_answer *a)
{
	struct errbuf e;
	int	 rc;

	if ((rc = amap_get(map, key, a->value, AMAP_VALUE_MAX, &e)) == -1) {
		log_warnx("lookup of %s: %s", key, e.msg);
		a->status = LOOKUPD_TEMP;
		a->reason = "alias map lookup failed";
		return -1;
	}
	if (rc == 1) {
		a->status = LOOKUPD_FOUND;
		a->len = strlen(a->value);
	}
	return rc;
}

/*
 * Appends ext (extlen bytes: the delimiter and what follows) to the
 * local part of every address in a->value, the list of targets the map
 * holds ("a@x, b@y", each target canonical: a quoted local part ends in
 * '"' before the '@').  Returns 0, or -1 when the result would not fit
 * (a->status TEMP: a cut list would send mail elsewhere).
 */
static int
propagate_ext(struct lookupd_answer *a, const char *ext, size_t extlen)
{
	char	 out[LOOKUPD_VALUE_MAX];
	const char *v = a->value, *end = a->value + a->len, *start, *at, *p;
	size_t	 o = 0, n;
	int	 quoted;

	while (v < end) {
		while (v < end && (*v == ' ' || *v == ','))
			v++;
		if (v == end)
			break;
		/* One address: up to a ',' outside quotes. */
		start = v;
		at = NULL;
		quoted = 0;
		for (p = v; p < end && (quoted || *p != ','); p++) {
			if (quoted && *p == '\\' && p + 1 < end)
				p++;
			else if (*p == '"')
				quoted = !quoted;
			else if (!quoted && *p == '@')
				at = p;
		}
		v = p;
		while (p > start && p[-1] == ' ')
			p--;
		if (at == NULL)
			at = p;
		if (at > start && at[-1] == '"')
			at--;		/* inside the quotes */
		n = (size_t)(p - start);
		if (o + (o > 0 ? 2 : 0) + n + extlen + 1 > sizeof(out)) {
			a->status = LOOKUPD_TEMP;
			a->reason = "answer too long";
			return -1;
		}
		if (o > 0) {
			out[o++] = ',';
			out[o++] = ' ';
		}
		memcpy(out + o, start, (size_t)(at - start));
		o += (size_t)(at - start);
		memcpy(out + o, ext, extlen);
		o += extlen;
		memcpy(out + o, at, (size_t)(p - at));
		o += (size_t)(p - at);
	}
	out[o] = '\0';
	memcpy(a->value, out, o + 1);
	a->len = o;
	return 0;
}

/*
 * A bare domain, as virtual_alias_domains looks it up: the map's value
 * for the domain.  Without a readable map: TEMP for a domain the last
 * map managed, or for every domain when no map was ever read.
 */
static void
answer_domain(struct mapview *mv, const struct mapview_pair *pair,
    const char *folded, struct lookupd_answer *a)
{
	char	 dom[ADDR_DOMAIN_MAX + 1];

	a->verdict = "domain";
	if (pair != NULL) {
		(void)map_get(pair->map, folded, a);
		return;
	}
	if (addr_domain(folded, strlen(folded), dom) != ADDR_OK)
		dom[0] = '\0';
	if (verdict_missing_map(mv, dom)) {
		a->status = LOOKUPD_TEMP;
		a->reason = "alias map unavailable";
	}
}

/*
 * An address.  verdict_rcpt() classifies it exactly as alias-milter
 * does (and it is counted the same way); revoked, expired and unknown
 * aliases are not found (the map lacks them, or, for an alias expired
 * since the last compile, will); the others get the map's value for the
 * key that matched in Postfix's order, full address then subaddress
 * base, with the unmatched extension propagated.  A lookup carries no
 * sender: receive_only and sender locks ("senders:") are the milter's,
 * and an alias with a lock is found here like any active alias.
 */
static void
answer_address(struct mapview *mv, const struct mapview_pair *pair,
    const char *key, unsigned flags, int32_t today, struct lookupd_answer *a)
{
	struct verdict_result r;
	struct addr ak;
	char	 folded[LOOKUPD_KEY_MAX + 1], full[ADDR_BUF], tmp[ADDR_BUF + 1];
	const char *at;
	size_t	 blen;
	int	 rc;

	verdict_decide(mv, pair, key, NULL, today, &r, a->value);
	a->verdict = verdict_name(r.verdict);
	/*
	 * Sendmail queues a recipient whose lookup failed and looks it up
	 * again later, when a refusal would be a bounce: it must get 451
	 * at RCPT, as the milter gives.
	 */
	if (r.verdict == VERDICT_TEMPFAIL && (flags & LOOKUPD_SENDMAIL)) {
		sendmail_error(a, LOOKUPD_SENDMAIL_DEFER);
		return;
	}
	if (r.verdict == VERDICT_TEMPFAIL) {
		a->status = LOOKUPD_TEMP;
		a->reason = "alias map unavailable";
		return;
	}
	if (pair == NULL)
		return;		/* not a domain a missing map was for */
	/*
	 * Sendmail looks an accepted recipient up again at every delivery
	 * attempt, from another connection, and nothing tells that lookup
	 * from the one at RCPT: only its refusals, which are never
	 * delivered, are counted (alias-milter counts its hits).
	 */
	a->vr = r;
	a->decided = !(flags & LOOKUPD_SENDMAIL) || verdict_refuses(r.verdict);
	switch (r.verdict) {
	case VERDICT_REVOKED:
	case VERDICT_EXPIRED:
	case VERDICT_UNKNOWN:
		if (flags & LOOKUPD_SENDMAIL) {
			sendmail_error(a, LOOKUPD_SENDMAIL_REFUSE);
			return;
		}
		if (r.verdict != VERDICT_UNKNOWN)
			return;
		/* FALLTHROUGH */
	case VERDICT_NOT_OURS:
		/*
		 * aliasctl never writes such keys; looked up so that the
		 * answer is lmdb:'s for any map: the key itself for a
		 * domain that is not ours, then the catch-all @domain.
		 */
		fold(folded, key, strlen(key));
		if (r.verdict == VERDICT_NOT_OURS &&
		    map_get(pair->map, folded, a) != 0)
			return;
		if (r.domain[0] != '\0') {
			snprintf(tmp, sizeof(tmp), "@%s", r.domain);
			(void)map_get(pair->map, tmp, a);
		}
		return;
	default:
		break;
	}
	/* Accepted (or postmaster/abuse): the parse cannot fail now. */
	if (addr_parse(key, strlen(key), ADDR_KEEP_CASE, &ak) != ADDR_OK ||
	    (at = strchr(r.alias, '@')) == NULL) {
		a->status = LOOKUPD_TEMP;
		a->reason = "internal error";
		return;
	}
	fold(full, ak.local, ak.local_len);
	snprintf(full + ak.local_len, sizeof(full) - ak.local_len, "@%s",
	    ak.domain);
	/* postmaster+x@ may be listed itself: try the full key first. */
	if (strcmp(r.alias, full) != 0 && r.verdict == VERDICT_POSTMASTER &&
	    (rc = map_get(pair->map, full, a)) != 0)
		return;
	if (r.verdict == VERDICT_ACCEPT) {
		/* verdict_rcpt_value() left the value in a->value. */
		a->status = LOOKUPD_FOUND;
		a->len = strlen(a->value);
	} else if ((rc = map_get(pair->map, r.alias, a)) != 1)
		return;
	blen = (size_t)(at - r.alias);
	/*
	 * Sendmail reads a virtusertable value as one address: several
	 * targets go through its aliases instead, under the alias's local
	 * name (see answer_sendmail_alias()).
	 */
	if ((flags & LOOKUPD_SENDMAIL) && strchr(a->value, ',') != NULL) {
		a->len = (size_t)snprintf(a->value, sizeof(a->value), "%.*s=%s",
		    (int)blen, r.alias, at + 1);
		a->verdict = "accept-via-alias";
		return;
	}
	if ((flags & LOOKUPD_PROPAGATE) && strcmp(r.alias, full) != 0 &&
	    blen < ak.local_len)
		(void)propagate_ext(a, ak.local + blen, ak.local_len - blen);
}

/*
 * Answers with an "error:" value, with which a virtusertable refuses
 * (or defers) an address at RCPT.
 */
static void
sendmail_error(struct lookupd_answer *a, const char *value)
{
	a->status = LOOKUPD_FOUND;
	a->len = strlen(value);
	memcpy(a->value, value, a->len + 1);
}

/*
 * Sendmail's aliases(5) lookup of a local name that answer_address()
 * handed out for a multi-target alias: "local=domain" is the alias
 * local@domain, answered with its targets while the map has it.
 */
static void
answer_sendmail_alias(struct mapview *mv, const struct mapview_pair *pair,
    const char *key, struct lookupd_answer *a)
{
	char	 folded[LOOKUPD_KEY_MAX + 1], dom[ADDR_DOMAIN_MAX + 1];
	char	*eq;

	a->verdict = "sendmail-alias";
	fold(folded, key, strlen(key));
	if ((eq = strrchr(folded, '=')) == NULL || eq == folded ||
	    strchr(folded, '@') != NULL)
		return;
	*eq = '@';
	if (pair != NULL) {
		(void)map_get(pair->map, folded, a);
		return;
	}
	if (addr_domain(eq + 1, strlen(eq + 1), dom) != ADDR_OK)
		dom[0] = '\0';
	if (verdict_missing_map(mv, dom)) {
		a->status = LOOKUPD_TEMP;
		a->reason = "alias map unavailable";
	}
}

/*
 * The answers a socketmap request's map name asks for: Sendmail sends
 * the name of its K line (virtuser, from FEATURE(virtusertable)) or of
 * its alias file (Alias0, Alias1, ...); any other name gets Postfix's.
 */
static unsigned
map_flags(const struct sockmap_request *sr)
{
	size_t	 n = strlen(LOOKUPD_SENDMAIL_ALIASES), i;

	if (sr->namelen == strlen(LOOKUPD_SENDMAIL_MAP) &&
	    memcmp(sr->name, LOOKUPD_SENDMAIL_MAP, sr->namelen) == 0)
		return LOOKUPD_SENDMAIL;
	if (sr->namelen <= n ||
	    memcmp(sr->name, LOOKUPD_SENDMAIL_ALIASES, n) != 0)
		return 0;
	for (i = n; i < sr->namelen; i++)
		if (sr->name[i] < '0' || sr->name[i] > '9')
			return 0;
	return LOOKUPD_SENDMAIL_ALIAS;
}

void
lookupd_answer(struct mapview *mv, const char *key, size_t keylen,
    unsigned flags, int32_t today, struct lookupd_answer *a)
{
	const struct mapview_pair *pair;
	struct errbuf e;
	char	 copy[LOOKUPD_KEY_MAX + 1];

	a->status = LOOKUPD_NOTFOUND;
	a->reason = "";
	a->verdict = "not-ours";
	a->len = 0;
	a->value[0] = '\0';
	a->decided = 0;
	/* No key of the map is this long or holds a NUL: we know that. */
	if (keylen == 0 || keylen > LOOKUPD_KEY_MAX ||
	    memchr(key, '\0', keylen) != NULL) {
		a->verdict = "bad-key";
		return;
	}
	pair = mapview_get(mv);
	/* One shared lock per file for the request's lookups. */
	if (pair != NULL && mapview_read_begin(pair, &e) == -1) {
		log_warnx("%s", e.msg);
		a->status = LOOKUPD_TEMP;
		a->reason = "alias map lock failed";
		mapview_put(mv, pair);
		return;
	}
	if (flags & LOOKUPD_SENDMAIL_ALIAS) {
		memcpy(copy, key, keylen);
		copy[keylen] = '\0';
		answer_sendmail_alias(mv, pair, copy, a);
	} else if (memchr(key, '@', keylen) == NULL) {
		fold(copy, key, keylen);
		answer_domain(mv, pair, copy, a);
	} else {
		memcpy(copy, key, keylen);
		copy[keylen] = '\0';
		answer_address(mv, pair, copy, flags, today, a);
	}
	if (pair != NULL) {
		mapview_read_end(pair);
		mapview_put(mv, pair);
	}
	/* The value doubled as verdict_rcpt_value()'s scratch buffer. */
	if (a->status != LOOKUPD_FOUND) {
		a->value[0] = '\0';
		a->len = 0;
	}
}

/*
 * Counts the verdict of answer a to a lookup from c, as the asker's kind
 * says (peer.h): a lookup that decides a delivery once.  Sendmail's
 * maps are counted as lookupd_answer() says whoever asks: Sendmail runs
 * as root, like an administrator.  For PEER_PAIRED, an accepted alias
 * is counted on every other lookup within PAIR_WINDOW seconds: the
 * first of smtpd's and cleanup's, whichever peer asks.  Refusals are
 * asked only by smtpd and always counted.
 */
static void
count_answer(struct lookupd *d, const struct conn *c, unsigned flags,
    const struct lookupd_answer *a, time_t now)
{
	struct pair_slot *ps;
	uint64_t h;

	if (d->cfg->stats == NULL || !a->decided)
		return;
	if (!(flags & LOOKUPD_SENDMAIL)) {
		if (c->peer == PEER_REPEAT || c->peer == PEER_ADMIN)
			return;
		if (c->peer == PEER_PAIRED &&
		    (a->vr.verdict == VERDICT_ACCEPT ||
		    a->vr.verdict == VERDICT_POSTMASTER)) {
			if ((h = digest_of(a->vr.alias,
			    strlen(a->vr.alias))) == 0)
				h = 1;
			ps = &d->pairs[h & (PAIR_SLOTS - 1)];
			if (ps->hash == h && ps->until >= now) {
				ps->hash = 0;	/* the second of the pair */
				return;
			}
			ps->hash = h;
			ps->until = now + PAIR_WINDOW;
		}
	} else if (c->peer == PEER_REPEAT)
		return;
	verdict_count(d->cfg->stats, &a->vr, NULL, now);
}

struct lookupd *
lookupd_new(const struct lookupd_config *cfg)
{
	struct lookupd *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->cfg = cfg;
	if ((d->conns = calloc((size_t)cfg->maxconn, sizeof(*d->conns))) ==
	    NULL || (d->pfds = calloc((size_t)cfg->maxconn + LISTEN_MAX,
	    sizeof(*d->pfds))) == NULL) {
		free(d->conns);
		free(d);
		return NULL;
	}
	return d;
}

int
lookupd_listen(struct lookupd *d, int fd, int proto)
{
	int	 fl;

	if (d->nlisten == LISTEN_MAX || (fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	d->listeners[d->nlisten].fd = fd;
	d->listeners[d->nlisten].proto = proto;
	d->nlisten++;
	return 0;
}

/* Closes connection i; the last one takes its slot. */
static void
conn_close(struct lookupd *d, int i)
{
	struct conn *c = d->conns[i];

	close(c->fd);
	free(c->out);
	free(c);
	d->conns[i] = d->conns[--d->nconns];
	d->conns[d->nconns] = NULL;
}

/* Closes the connection idle the longest, to make room for a new one. */
static void
conn_evict(struct lookupd *d)
{
	int	 i, oldest = 0;

	/* Sendmail's connections last: it would not come back. */
	for (i = 1; i < d->nconns; i++)
		if (d->conns[oldest]->sendmail > d->conns[i]->sendmail ||
		    (d->conns[oldest]->sendmail == d->conns[i]->sendmail &&
		    d->conns[i]->last_ms < d->conns[oldest]->last_ms))
			oldest = i;
	log_debug("conn=%llu: closed to make room (%d connections)",
	    d->conns[oldest]->id, d->nconns);
	conn_close(d, oldest);
}

/* Accepts every pending connection on l. */
static void
conn_accept(struct lookupd *d, const struct listener *l, long long now)
{
	struct conn *c;
	char	 who[64];
	size_t	 n;
	int	 fd;

	for (;;) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				if (now - d->warned_ms >= WARN_EVERY_MS) {
					log_warn("accept");
					d->warned_ms = now;
				}
				d->accept_pause_until = now + ACCEPT_PAUSE_MS;
				if (d->nconns > 0)
					conn_evict(d);
			}
			return;		/* EAGAIN, or a client gone again */
		}
		if (d->nconns == d->cfg->maxconn)
			conn_evict(d);
		n = l->proto == LOOKUPD_POLICY ? PDP_REQUEST_MAX : IN_MAX;
		if ((c = malloc(offsetof(struct conn, in) + n)) == NULL) {
			log_warn("connection");
			close(fd);
			return;
		}
		memset(c, 0, offsetof(struct conn, in));
		c->insize = n;
		c->fd = fd;
		c->proto = l->proto;
		c->id = ++d->seq;
		c->last_ms = now;
		c->peer = peer_classify(fd, d->cfg->mail_uid, who,
		    sizeof(who));
		d->conns[d->nconns++] = c;
		if (c->proto == LOOKUPD_POLICY) {
			log_debug("conn=%llu: policy connection from %s: "
			    "every RCPT request counted", c->id, who);
			continue;
		}
		log_debug("conn=%llu: %s connection from %s: %s", c->id,
		    proto_name(c->proto), who, c->peer == PEER_RCPT ?
		    "hits counted" :
		    c->peer == PEER_PAIRED ? "accepted aliases counted once "
		    "per pair of lookups" : c->peer == PEER_REPEAT ?
		    "repeats smtpd's lookups, not counted" :
		    "no delivery decision, not counted");
	}
}

/*
 * Queues len bytes of reply r: while conn_process() collects, in
 * d->batch (sent when full or when the read's requests are answered),
 * else as conn_send() does.  Returns 0, or -1 when the connection is
 * broken.
 */
static int
conn_queue(struct lookupd *d, struct conn *c, const char *r, size_t len)
{
	if (!d->batching)
		return conn_send(c, r, len);
	if (d->batchlen + len > sizeof(d->batch) && batch_flush(d, c) == -1)
		return -1;
	if (len > sizeof(d->batch))
		return conn_send(c, r, len);
	memcpy(d->batch + d->batchlen, r, len);
	d->batchlen += len;
	return 0;
}

/* Sends the collected replies to c.  Returns 0, or -1 when broken. */
static int
batch_flush(struct lookupd *d, struct conn *c)
{
	size_t	 len = d->batchlen;

	d->batchlen = 0;
	return len == 0 ? 0 : conn_send(c, d->batch, len);
}

/*
 * Sends len bytes r: at once when nothing is pending, the rest kept in
 * c->out.  Returns 0, or -1 when the connection is broken.
 */
static int
conn_send(struct conn *c, const char *r, size_t len)
{
	ssize_t	 n = 0;

	if (c->outlen == c->outoff) {
		do
			n = send(c->fd, r, len, MSG_NOSIGNAL);
		while (n == -1 && errno == EINTR);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (n == -1)
			n = 0;
		if ((size_t)n == len)
			return 0;
		r += n;
		len -= (size_t)n;
	}
	if (c->out == NULL) {
		if ((c->out = malloc(LOOKUPD_OUT_MAX)) == NULL) {
			log_warn("conn=%llu: reply buffer", c->id);
			return -1;
		}
		c->outoff = c->outlen = 0;
		c->out_ms = now_ms();
	}
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	/* conn_process() reads no request unless a reply fits. */
	memcpy(c->out + c->outlen, r, len);
	c->outlen += len;
	return 0;
}

/*
 * Encodes answer a, or when a is NULL the protocol error err, in c's
 * protocol and queues it.  Returns 0 or -1 (broken connection).
 */
static int
conn_reply(struct lookupd *d, struct conn *c, const struct lookupd_answer *a,
    const char *err)
{
	const char *status, *text;
	size_t	 len, textlen;
	int	 code;

	if (a == NULL) {
		status = "PERM";
		code = 400;
		text = err;
	} else if (a->status == LOOKUPD_FOUND) {
		status = "OK";
		code = 200;
		text = a->value;
	} else if (a->status == LOOKUPD_NOTFOUND) {
		status = "NOTFOUND";
		code = 500;
		text = c->proto == LOOKUPD_SOCKMAP ? "" : "not found";
	} else {
		status = "TEMP";
		code = 400;
		text = a->reason;
	}
	textlen = a != NULL && a->status == LOOKUPD_FOUND ? a->len :
	    strlen(text);
	if (c->proto == LOOKUPD_SOCKMAP)
		len = sockmap_encode(d->reply, sizeof(d->reply), status, text,
		    textlen);
	else
		len = tcptable_encode(d->reply, sizeof(d->reply), code, text,
		    textlen);
	if (len == 0) {
		/* A value too long for the protocol: never cut it. */
		log_warnx("conn=%llu: answer too long for %s, replied as a "
		    "temporary error", c->id, c->proto == LOOKUPD_SOCKMAP ?
		    "socketmap" : "tcp_table (4096 bytes)");
		if (c->proto == LOOKUPD_SOCKMAP)
			len = sockmap_encode(d->reply, sizeof(d->reply),
			    "TEMP", "answer too long", 15);
		else
			len = tcptable_encode(d->reply, sizeof(d->reply), 400,
			    "answer too long", 15);
	}
	return conn_queue(d, c, d->reply, len);
}

/*
 * Logs one request and its answer (-v), with bytes outside printable
 * ASCII shown as '?' so that a client cannot forge log lines.
 */
static void
log_request(const struct conn *c, const char *key, size_t keylen,
    const struct lookupd_answer *a)
{
	char	 k[257];
	size_t	 i, n = keylen < sizeof(k) - 1 ? keylen : sizeof(k) - 1;

	for (i = 0; i < n; i++)
		k[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?';
	k[n] = '\0';
	log_debug("conn=%llu key=<%s>%s verdict=%s answer=%s%s%s", c->id, k,
	    n < keylen ? "..." : "", a->verdict,
	    a->status == LOOKUPD_FOUND ? "found " :
	    a->status == LOOKUPD_TEMP ? "temp " : "notfound",
	    a->status == LOOKUPD_FOUND ? a->value :
	    a->status == LOOKUPD_TEMP ? a->reason : "",
	    c->peer == PEER_REPEAT || c->peer == PEER_ADMIN ?
	    " (not counted)" : "");
}

/* "socketmap", "tcp_table", "policy": the word used in logs. */
static const char *
proto_name(int proto)
{
	return proto == LOOKUPD_SOCKMAP ? "socketmap" :
	    proto == LOOKUPD_TCPTABLE ? "tcp_table" : "policy";
}

/* Copies value v (absent: "") into out (PDP_REQUEST_MAX + 1 bytes). */
static void
value_copy(char *out, const struct pdp_value *v)
{
	if (v->s != NULL)
		memcpy(out, v->s, v->len);
	out[v->s != NULL ? v->len : 0] = '\0';
}

/*
 * Copies value v into out (POLICY_CLEAN bytes) for one log line: bytes
 * outside printable ASCII become '?', so that a client cannot forge log
 * lines, and at most POLICY_TEXT_MAX bytes are kept, a longer value
 * ending in "...".  An absent or empty value is none.
 */
static void
value_clean(char *out, const struct pdp_value *v, const char *none)
{
	size_t	 i, n;

	if (v->s == NULL || v->len == 0) {
		snprintf(out, POLICY_CLEAN, "%s", none);
		return;
	}
	n = v->len < POLICY_TEXT_MAX ? v->len : POLICY_TEXT_MAX;
	for (i = 0; i < n; i++)
		out[i] = v->s[i] >= 0x20 && v->s[i] < 0x7f ? v->s[i] : '?';
	if (n < v->len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/*
 * Decides and answers policy request pr on c.  At RCPT the recipient
 * is decided with the sender (an absent sender attribute is the null
 * sender: Postfix sends "sender=" for MAIL FROM:<>), counted once, and
 * answered DUNNO, or the verdict's reply as an access(5) action
 * ("550 5.1.1 User unknown": Postfix adds "<rcpt>: Recipient address
 * rejected: " itself); in learn mode always DUNNO.  A refusal (or, in
 * learn mode, what would be one) is logged in one line, every other
 * answer with -v only.  Returns 0, or -1 when the connection is broken.
 */
static int
answer_policy(struct lookupd *d, struct conn *c, const struct pdp_request *pr,
    int32_t today, time_t now)
{
	struct verdict_result r;
	const struct mapview_pair *pair;
	const struct verdict_reply *rp = NULL;
	char	 action[PDP_ACTION_MAX + 1], note[PDP_ACTION_MAX + 64];
	char	 qid[POLICY_CLEAN], cname[POLICY_CLEAN], caddr[POLICY_CLEAN];
	char	 from[POLICY_CLEAN], to[POLICY_CLEAN], state[POLICY_CLEAN];
	char	 line[6 * POLICY_CLEAN + 2 * PDP_ACTION_MAX + 256];
	size_t	 len;
	int	 refused;

	value_clean(qid, &pr->attr[PDP_QUEUE_ID], "-");
	value_clean(state, &pr->attr[PDP_PROTOCOL_STATE], "-");
	value_clean(to, &pr->attr[PDP_RECIPIENT], "");
	snprintf(action, sizeof(action), "DUNNO");
	note[0] = '\0';
	if (!pdp_value_is(&pr->attr[PDP_PROTOCOL_STATE], "RCPT")) {
		log_debug("conn=%llu qid=%s protocol_state=%s to=<%s> "
		    "action=DUNNO (decided only at RCPT)", c->id, qid, state,
		    to);
		goto reply;
	}
	value_copy(d->psender, &pr->attr[PDP_SENDER]);
	value_copy(d->prcpt, &pr->attr[PDP_RECIPIENT]);
	pair = mapview_get(d->cfg->mv);
	verdict_decide(d->cfg->mv, pair, d->prcpt, d->psender, today, &r,
	    NULL);
	if (pair != NULL)
		mapview_put(d->cfg->mv, pair);
	if (d->cfg->stats != NULL)
		verdict_count(d->cfg->stats, &r, d->psender, now);

	refused = r.verdict == VERDICT_TEMPFAIL || verdict_refuses(r.verdict);
	if (refused) {
		rp = verdict_reply(r.verdict);
		if (d->cfg->learn)
			snprintf(note, sizeof(note), " (learn mode: would "
			    "reply %s %s %s)", rp->rcode, rp->xcode, rp->text);
		else
			snprintf(action, sizeof(action), "%s %s %s",
			    rp->rcode, rp->xcode, rp->text);
	}
	if (refused || d->cfg->verbose) {
		value_clean(cname, &pr->attr[PDP_CLIENT_NAME], "unknown");
		value_clean(caddr, &pr->attr[PDP_CLIENT_ADDRESS], "unknown");
		value_clean(from, &pr->attr[PDP_SENDER], "");
		snprintf(line, sizeof(line), "conn=%llu qid=%s "
		    "client=%s[%s] from=<%s> to=<%s> alias=%s verdict=%s "
		    "action=%s%s", c->id, qid, cname, caddr, from, to,
		    r.alias[0] != '\0' ? r.alias : "-",
		    verdict_name(r.verdict), action, note);
		if (refused)
			log_info("%s", line);
		else
			log_debug("%s", line);
	}
reply:
	/* Our actions are short printable ASCII: this cannot fail. */
	if ((len = pdp_encode(d->reply, sizeof(d->reply), action,
	    strlen(action))) == 0) {
		log_warnx("conn=%llu: action not encodable: %s", c->id,
		    action);
		return -1;
	}
	return conn_queue(d, c, d->reply, len);
}

/*
 * Answers every complete request in c's input while a reply still fits
 * in its output.  Returns 0, or -1 when the connection must be closed
 * now.
 */
static int
conn_process(struct lookupd *d, struct conn *c, long long now_msec)
{
	struct sockmap_request sr;
	struct pdp_request pr;
	struct lookupd_answer a;
	const char *key, *err = "";
	size_t	 off = 0, used, keylen;
	int32_t	 today = DATE_NONE;
	time_t	 now = 0;
	unsigned flags;
	int	 rc, bad, ret = -1;

	d->batching = 1;
	d->batchlen = 0;
	while (!c->closing && off < c->inlen && c->outlen - c->outoff +
	    d->batchlen + SOCKMAP_REPLY_WIRE_MAX <= LOOKUPD_OUT_MAX) {
		bad = 0;
		if (c->proto == LOOKUPD_POLICY) {
			rc = pdp_decode(c->in + off, c->inlen - off, &pr,
			    &used, &err);
			if (rc == PDP_NEED_MORE)
				break;
			if (rc == PDP_ERROR) {
				/* SMTPD_POLICY_README: no reply, hang up. */
				log_warnx("conn=%llu: policy protocol error: "
				    "%s; closing the connection", c->id, err);
				c->closing = 1;
				break;
			}
			off += used;
			if (today == DATE_NONE) {
				today = date_today();
				now = time(NULL);
			}
			if (answer_policy(d, c, &pr, today, now) == -1)
				goto done;
			continue;
		}
		if (c->proto == LOOKUPD_SOCKMAP) {
			rc = sockmap_decode(c->in + off, c->inlen - off, &sr,
			    &used, &err);
			if (rc == SOCKMAP_NEED_MORE)
				break;
			if (rc == SOCKMAP_ERROR)
				c->closing = 1;
			bad = rc != SOCKMAP_REQUEST;
			key = sr.key;
			keylen = sr.keylen;
		} else {
			rc = tcptable_decode(c->in + off, c->inlen - off,
			    d->key, sizeof(d->key), &keylen, &used, &err);
			if (rc == TCPTABLE_NEED_MORE)
				break;
			if (rc == TCPTABLE_ERROR)
				c->closing = 1;
			bad = rc != TCPTABLE_REQUEST;
			key = d->key;
		}
		off += used;
		if (bad) {
			log_info("conn=%llu: protocol error: %s%s", c->id, err,
			    c->closing ? "; closing the connection" : "");
			if (conn_reply(d, c, NULL, err) == -1)
				goto done;
			continue;
		}
		if (today == DATE_NONE) {
			today = date_today();
			now = time(NULL);
		}
		flags = d->cfg->propagate ? LOOKUPD_PROPAGATE : 0;
		if (c->proto == LOOKUPD_SOCKMAP && (flags |= map_flags(&sr)) &
		    (LOOKUPD_SENDMAIL | LOOKUPD_SENDMAIL_ALIAS))
			c->sendmail = 1;
		lookupd_answer(d->cfg->mv, key, keylen, flags, today, &a);
		/* The reply first: counting and logging need not delay it. */
		rc = conn_reply(d, c, &a, NULL);
		count_answer(d, c, flags, &a, now);
		if (d->cfg->verbose)
			log_request(c, key, keylen, &a);
		if (rc == -1)
			goto done;
	}
	if (c->closing)
		c->inlen = 0;		/* the rest is not read */
	else if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
		c->last_ms = now_msec;
		/* What is left started in the read just made. */
		c->req_ms = now_msec;
	}
	ret = 0;
done:
	d->batching = 0;
	/* A broken connection is closed: its replies go nowhere. */
	if (ret == -1)
		d->batchlen = 0;
	else if (batch_flush(d, c) == -1)
		ret = -1;
	return ret;
}

/* Sends pending replies.  Returns 0, or -1 when broken. */
static int
conn_flush(struct conn *c)
{
	ssize_t	 n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outoff = c->outlen = 0;
	return 0;
}

/* Reads what c sent and answers it.  Returns 0, or -1 to close. */
static int
conn_read(struct lookupd *d, struct conn *c, long long now)
{
	ssize_t	 n;

	if (c->inlen == c->insize)
		return 0;	/* full: conn_process() must make room */
	do
		n = recv(c->fd, c->in + c->inlen, c->insize - c->inlen, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		c->eof = 1;
	else {
		if (c->inlen == 0)
			c->req_ms = now;
		c->inlen += (size_t)n;
	}
	return conn_process(d, c, now);
}

/*
 * When c is to be dropped if nothing happens: replies unread, or a
 * request not complete, io_ms after the last progress sending or the
 * first byte of the request (a byte now and then does not keep a
 * connection); otherwise idle_ms after the last answer.
 */
static long long
conn_deadline(const struct lookupd *d, const struct conn *c)
{
	if (c->outlen > c->outoff || c->closing)
		return c->out_ms + d->cfg->io_ms;
	if (c->inlen > 0)
		return c->req_ms + d->cfg->io_ms;
	/* Sendmail never reopens a socket map it lost: keep it open. */
	if (c->sendmail)
		return LLONG_MAX;
	return c->last_ms + d->cfg->idle_ms;
}

int
lookupd_run(struct lookupd *d, volatile sig_atomic_t *stop,
    const sigset_t *waitmask)
{
	struct timespec ts;
	struct conn *c;
	long long now, next, dl;
	int	 i, n, np, nl, rc, pending;

	while (!*stop) {
		now = now_ms();
		next = now + 60000;
		/* Time out connections, and find the next deadline. */
		for (i = 0; i < d->nconns; ) {
			c = d->conns[i];
			dl = conn_deadline(d, c);
			if (dl <= now) {
				log_debug("conn=%llu: %s timeout", c->id,
				    c->outlen > c->outoff || c->closing ?
				    "reply" : c->inlen > 0 ? "request" :
				    "idle");
				conn_close(d, i);
				continue;
			}
			if (dl < next)
				next = dl;
			i++;
		}
		np = 0;
		nl = 0;
		if (now >= d->accept_pause_until)
			for (i = 0; i < d->nlisten; i++, nl++) {
				d->pfds[np].fd = d->listeners[i].fd;
				d->pfds[np].events = POLLIN;
				d->pfds[np++].revents = 0;
			}
		else if (d->accept_pause_until < next)
			next = d->accept_pause_until;
		for (i = 0; i < d->nconns; i++) {
			c = d->conns[i];
			pending = c->outlen > c->outoff;
			d->pfds[np].fd = c->fd;
			d->pfds[np].events = 0;
			/* Read only while a reply fits and the peer talks. */
			if (!c->eof && !c->closing && c->outlen - c->outoff +
			    SOCKMAP_REPLY_WIRE_MAX <= LOOKUPD_OUT_MAX)
				d->pfds[np].events |= POLLIN;
			if (pending)
				d->pfds[np].events |= POLLOUT;
			d->pfds[np++].revents = 0;
		}
		ts.tv_sec = (next - now) / 1000;
		ts.tv_nsec = (long)((next - now) % 1000) * 1000000L;
		n = ppoll(d->pfds, (nfds_t)np, &ts, waitmask);
		if (n == -1) {
			if (errno == EINTR)
				return *stop ? 0 : 1;
			log_warn("ppoll");
			return -1;
		}
		now = now_ms();
		/*
		 * Connections first, by index: accepting may move them.  A
		 * slot closed here is refilled by the last connection,
		 * whose pollfd is then stale: skip the rest of this round
		 * for it by working from the end.
		 */
		for (i = d->nconns - 1; i >= 0; i--) {
			struct pollfd *p = &d->pfds[nl + i];

			c = d->conns[i];
			if (p->revents == 0)
				goto check;
			rc = 0;
			if (p->revents & POLLOUT) {
				rc = conn_flush(c);
				if (rc == 0)
					c->out_ms = now;
				/* Output drained: requests may wait. */
				if (rc == 0 && c->inlen > 0)
					rc = conn_process(d, c, now);
			}
			if (rc == 0 && (p->revents & (POLLIN | POLLHUP |
			    POLLERR)))
				rc = conn_read(d, c, now);
			if (rc == -1) {
				conn_close(d, i);
				continue;
			}
check:
			/*
			 * Done when the peer has gone or we said goodbye, and
			 * every reply is out (conn_process() has answered all
			 * complete requests whenever the output has room).
			 */
			if ((c->eof || c->closing) && c->outlen == c->outoff) {
				if (c->inlen > 0 && !c->closing)
					log_debug("conn=%llu: %zu bytes of an "
					    "unfinished request at EOF", c->id,
					    c->inlen);
				conn_close(d, i);
			}
		}
		for (i = 0; i < nl; i++)
			if (d->pfds[i].revents & POLLIN)
				conn_accept(d, &d->listeners[i], now);
	}
	return 0;
}

void
lookupd_free(struct lookupd *d)
{
	int	 i;

	if (d == NULL)
		return;
	while (d->nconns > 0)
		conn_close(d, d->nconns - 1);
	for (i = 0; i < d->nlisten; i++)
		close(d->listeners[i].fd);
	free(d->conns);
	free(d->pfds);
	free(d);
}
