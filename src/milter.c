/*
 * milter.c: alias-milter's libmilter callbacks.  Every recipient is
 * decided at RCPT time by verdict_decide() (verdict.h) over the live map
 * (mapview.h), counted (stats.h) and logged in one line; at DATA one
 * more line gives the transaction's queue id and the recipients the
 * message was accepted for.  The rest of the SMTP dialogue is
 * negotiated away.  The message itself is never
 * changed, so the filter asks for no actions.
 *
 * State: the configuration handed over by milter_register() (set once,
 * before smfi_main() starts any thread), and per connection a struct
 * conn kept with smfi_setpriv(), freed in the close callback.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "mapview.h"
#include "milter.h"
#include "stats.h"
#include "util.h"
#include "verdict.h"

/* Room for a cleaned text: every byte may double ("%%"), plus "...". */
#define CLEAN_BUF	(2 * MILTER_TEXT_MAX + 4)
#define CLIENT_BUF	(CLEAN_BUF + INET6_ADDRSTRLEN + 2)
/*
 * The DATA line's lists of accepted recipients and their aliases:
 * bounded, so that the line stays one syslog line; what does not fit
 * ends the list with "..." (accepted= still counts every one).
 */
#define LIST_BUF	1024

/*
 * Steps we turn off.  We ask for no "no reply" steps (SMFIP_NR_*) even
 * where we always continue: over TCP, a packet the milter does not
 * answer is not ACKed until the delayed-ACK timer fires, and the MTA's
 * next packet waits for that ACK (Nagle), about 40 ms for every MAIL
 * (measured with tools/bench-milter: inet p99 46.7 ms with NR_CONN and
 * NR_MAIL).  A reply costs a round trip of about 0.1 ms instead.  And
 * SMFIP_NR_RCPT would make the MTA drop our rejections.  For the same
 * reason DATA stays on, answered by milter_data(): Postfix sends the
 * DATA-stage macros even when the step is off, in a packet of its own
 * that then gets no reply, and its end-of-message packet waited 40 ms
 * behind it (inet: 400 msg/s against 800 over a unix socket).
 */
#define PROTO_OFF	(SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | \
			 SMFIP_NOBODY | SMFIP_NOUNKNOWN)

/* A bounded comma-separated list for one log line. */
struct loglist {
	char	 text[LIST_BUF];
	size_t	 len;
	int	 cut;			/* an item did not fit */
};

/*
 * One SMTP connection, and its current transaction (from MAIL FROM on):
 * Postfix names its queue file only after the first accepted recipient,
 * so the first RCPT lines carry no queue id and the DATA line gives it
 * with everything the message was accepted for.
 */
struct conn {
	unsigned long long id;		/* from milter_config.conn_seq */
	/*
	 * The sender as given to MAIL FROM, for the verdict: NULL before
	 * MAIL FROM (no MTA sends RCPT first) and when it could not be
	 * kept (sender_oom: RCPT then answers 451).
	 */
	char	*sender;
	int	 sender_oom;
	char	 client[CLIENT_BUF];	/* "name[address]" */
	char	 from[CLEAN_BUF];	/* sender, cleaned, without <> */
	unsigned accepted;		/* recipients of this transaction */
	unsigned refused;
	struct loglist to;		/* accepted: "<rcpt>,<rcpt>" */
	struct loglist aliases;		/* their aliases, each once */
};

static struct milter_config *cfg;	/* set once by milter_register() */

static struct conn *conn_get(SMFICTX *);
static void	 txn_reset(struct conn *);
static void	 loglist_add(struct loglist *, const char *, int);
static const char *loglist_text(struct loglist *);
static const char *macro_qid(SMFICTX *);
static void	 text_clean(const char *in, char *out, size_t outsize,
		    int reply);
static int	 is_dsn(const char *);
static int	 mta_refused(SMFICTX *);
static int	 set_reply(SMFICTX *, const struct verdict_reply *,
		    const char *rcpt);
static sfsistat	 milter_negotiate(SMFICTX *, unsigned long, unsigned long,
		    unsigned long, unsigned long, unsigned long *,
		    unsigned long *, unsigned long *, unsigned long *);
static sfsistat	 milter_connect(SMFICTX *, char *, _SOCK_ADDR *);
static sfsistat	 milter_data(SMFICTX *);
static sfsistat	 milter_envfrom(SMFICTX *, char **);
static sfsistat	 milter_envrcpt(SMFICTX *, char **);
static sfsistat	 milter_close(SMFICTX *);

/*
 * Returns the connection state of ctx, creating it when there is none
 * yet (after the MTA reused a milter connection, which runs the close
 * callback but no new negotiation), or NULL when out of memory.
 */
static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c;

	if ((c = smfi_getpriv(ctx)) != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("connection state");
		return NULL;
	}
	c->id = atomic_fetch_add(&cfg->conn_seq, 1) + 1;
	snprintf(c->client, sizeof(c->client), "unknown[unknown]");
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		log_warnx("smfi_setpriv failed");
		free(c);
		return NULL;
	}
	return c;
}

/* Forgets the transaction: MAIL FROM starts a new one. */
static void
txn_reset(struct conn *c)
{
	free(c->sender);
	c->sender = NULL;
	c->sender_oom = 0;
	c->from[0] = '\0';
	c->accepted = c->refused = 0;
	memset(&c->to, 0, sizeof(c->to));
	memset(&c->aliases, 0, sizeof(c->aliases));
}

/*
 * Appends item to l, comma-separated, in angle brackets when bracket is
 * set; an item that does not fit is dropped and marks l cut, and with
 * bracket unset an item already listed is not added again.
 */
static void
loglist_add(struct loglist *l, const char *item, int bracket)
{
	char	 buf[CLEAN_BUF + 4];
	size_t	 n, i;

	snprintf(buf, sizeof(buf), bracket ? "<%s>" : "%s", item);
	n = strlen(buf);
	if (!bracket)
		for (i = 0; i + n <= l->len; i++)
			if ((i == 0 || l->text[i - 1] == ',') &&
			    memcmp(l->text + i, buf, n) == 0 &&
			    (i + n == l->len || l->text[i + n] == ','))
				return;
	/* Room for ",", the item, and ",..." with its NUL at the end. */
	if (l->cut || l->len + 1 + n + 5 > sizeof(l->text)) {
		l->cut = 1;
		return;
	}
	if (l->len > 0)
		l->text[l->len++] = ',';
	memcpy(l->text + l->len, buf, n);
	l->len += n;
	l->text[l->len] = '\0';
}

/* The list for the log: "-" when empty, ",..." at the end when cut. */
static const char *
loglist_text(struct loglist *l)
{
	if (l->cut) {
		memcpy(l->text + l->len, l->len > 0 ? ",..." : "...",
		    l->len > 0 ? 5 : 4);
		return l->text;
	}
	return l->len > 0 ? l->text : "-";
}

/*
 * The queue id (macro "i") or "-": Postfix sets it only once it has a
 * queue file, which is after the first accepted recipient.  Returns a
 * string libmilter owns until the next callback.
 */
static const char *
macro_qid(SMFICTX *ctx)
{
	char	 mac_qid[] = "i";
	const char *qid;

	if ((qid = smfi_getsymval(ctx, mac_qid)) == NULL || qid[0] == '\0')
		return "-";
	return qid;
}

/*
 * Copies the address text in (as given to MAIL FROM or RCPT TO) into
 * out without surrounding blanks and one pair of angle brackets, made
 * safe to put into one log line or one SMTP reply line: bytes outside
 * printable ASCII (CR and LF included) become '?', and in a reply '%'
 * becomes "%%" (Sendmail treats the text as a format, Postfix undoes the
 * doubling).  At most MILTER_TEXT_MAX bytes of in are used; a longer text
 * ends in "...".  outsize must be at least CLEAN_BUF.
 */
static void
text_clean(const char *in, char *out, size_t outsize, int reply)
{
	size_t	 len, i, o;
	int	 cut;

	if (in == NULL)
		in = "";
	while (*in == ' ' || *in == '\t')
		in++;
	len = strlen(in);
	while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\t'))
		len--;
	if (len >= 2 && in[0] == '<' && in[len - 1] == '>') {
		in++;
		len -= 2;
	}
	cut = len > MILTER_TEXT_MAX;
	if (cut)
		len = MILTER_TEXT_MAX;
	for (i = o = 0; i < len && o + 3 < outsize; i++) {
		unsigned char ch = (unsigned char)in[i];

		if (ch < 0x20 || ch > 0x7e)
			out[o++] = '?';
		else if (ch == '%' && reply) {
			out[o++] = '%';
			out[o++] = '%';
		} else
			out[o++] = (char)ch;
	}
	if ((cut || i < len) && o + 4 <= outsize) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Nonzero for an enhanced status code alone: "5.1.1". */
static int
is_dsn(const char *s)
{
	int	 part, n;

	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return 0;
	s++;
	for (part = 0; part < 2; part++) {
		if (*s++ != '.')
			return 0;
		for (n = 0; *s >= '0' && *s <= '9'; s++)
			n++;
		if (n < 1 || n > 3)
			return 0;
	}
	return *s == '\0';
}

/*
 * Nonzero when the MTA refused the recipient itself and shows it to us
 * only because we negotiated SMFIP_RCPT_REJ: Sendmail and Postfix then
 * set {rcpt_mailer} to "error" and {rcpt_host} to the enhanced status
 * code of their reply.  {rcpt_mailer} "error" alone proves nothing:
 * Postfix resolves every address of a virtual alias domain (ours) to its
 * error transport until aliases are expanded, with {rcpt_host} "5.1.1
 * User unknown in virtual alias table".
 */
static int
mta_refused(SMFICTX *ctx)
{
	char	 mac_mailer[] = "{rcpt_mailer}", mac_host[] = "{rcpt_host}";
	const char *mailer, *host;

	if ((mailer = smfi_getsymval(ctx, mac_mailer)) == NULL ||
	    strcmp(mailer, "error") != 0)
		return 0;
	return (host = smfi_getsymval(ctx, mac_host)) != NULL && is_dsn(host);
}

/*
 * Sets the SMTP reply "<rcpt>: Recipient address rejected: text" of
 * verdict_reply() (rcpt already cleaned for a reply): the words Postfix
 * itself puts before an access table's text.  Returns 0, or -1 when
 * libmilter refused it (the MTA then uses its generic reply for the
 * same action).
 */
static int
set_reply(SMFICTX *ctx, const struct verdict_reply *rp, const char *rcpt)
{
	char	 rcode[4], xcode[16], msg[CLEAN_BUF + 128];

	snprintf(rcode, sizeof(rcode), "%s", rp->rcode);
	snprintf(xcode, sizeof(xcode), "%s", rp->xcode);
	snprintf(msg, sizeof(msg), "<%s>: " VERDICT_REPLY_PREFIX "%s", rcpt,
	    rp->text);
	if (smfi_setreply(ctx, rcode, xcode, msg) != MI_SUCCESS) {
		log_warnx("smfi_setreply failed for %s %s %s", rcode, xcode,
		    msg);
		return -1;
	}
	return 0;
}

/*
 * Asks for the steps we need and nothing else, each only when the MTA
 * offers it (libmilter aborts the connection if we ask for more), and
 * for the RCPT macros we log.
 */
static sfsistat
milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	char	 macros[] = MILTER_RCPT_MACROS;
	char	 data_macros[] = MILTER_DATA_MACROS;

	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_SETSYMLIST;
	*pf1 = f1 & (PROTO_OFF | SMFIP_RCPT_REJ);
	*pf2 = 0;
	*pf3 = 0;
	if ((f1 & SMFIP_RCPT_REJ) == 0)
		log_debug("MTA does not offer SMFIP_RCPT_REJ: recipients it "
		    "refuses itself are not counted");
	/*
	 * Once a milter names any macro list, Postfix sends no macros at
	 * the other steps: so these two lists are all we receive.
	 */
	if ((*pf0 & SMFIF_SETSYMLIST) != 0 &&
	    (smfi_setsymlist(ctx, SMFIM_ENVRCPT, macros) != MI_SUCCESS ||
	    smfi_setsymlist(ctx, SMFIM_DATA, data_macros) != MI_SUCCESS))
		log_warnx("smfi_setsymlist failed");
	return SMFIS_CONTINUE;
}

static sfsistat
milter_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c;
	char	 addr[INET6_ADDRSTRLEN], name[CLEAN_BUF];

	if ((c = conn_get(ctx)) == NULL)
		return SMFIS_CONTINUE;	/* RCPT will answer 451 */
	snprintf(addr, sizeof(addr), "unknown");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
		    addr, sizeof(addr));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    addr, sizeof(addr));
	else if (sa != NULL && sa->sa_family == AF_UNIX)
		snprintf(addr, sizeof(addr), "local");
	/* Postfix sends "[address]" for a client without a name. */
	if (hostname == NULL || hostname[0] == '\0' || hostname[0] == '[')
		snprintf(name, sizeof(name), "unknown");
	else
		text_clean(hostname, name, sizeof(name), 0);
	snprintf(c->client, sizeof(c->client), "%s[%s]", name, addr);
	txn_reset(c);
	return SMFIS_CONTINUE;
}

/*
 * DATA (kept on, see PROTO_OFF): Postfix has its queue id now.  One line
 * joins it to the transaction: what was accepted (to= the recipients,
 * alias= their aliases) and how many were refused, so that a grep for
 * the queue id in the mail log also finds the aliases the message came
 * in for.
 */
static sfsistat
milter_data(SMFICTX *ctx)
{
	struct conn *c;

	if ((c = smfi_getpriv(ctx)) == NULL)
		return SMFIS_CONTINUE;
	log_info("conn=%llu qid=%s client=%s from=<%s> accepted=%u "
	    "refused=%u to=%s alias=%s", c->id, macro_qid(ctx), c->client,
	    c->from, c->accepted, c->refused, loglist_text(&c->to),
	    loglist_text(&c->aliases));
	return SMFIS_CONTINUE;
}

static sfsistat
milter_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c;
	const char *from = argv != NULL ? argv[0] : NULL;

	if ((c = conn_get(ctx)) == NULL)
		return SMFIS_CONTINUE;	/* RCPT will answer 451 */
	txn_reset(c);
	if ((c->sender = strdup(from != NULL ? from : "")) == NULL) {
		log_warn("sender");
		c->sender_oom = 1;
	}
	text_clean(from, c->from, sizeof(c->from), 0);
	return SMFIS_CONTINUE;
}

/*
 * The verdict for one recipient.  Valid recipients get SMFIS_CONTINUE,
 * never SMFIS_ACCEPT (that would accept the whole message and skip the
 * other recipients).  A recipient the MTA refused itself (we see those
 * through SMFIP_RCPT_REJ, see mta_refused()) is counted and logged;
 * nothing else can be done with it.
 */
static sfsistat
milter_envrcpt(SMFICTX *ctx, char **argv)
{
	struct verdict_result r;
	const struct mapview_pair *pair;
	const struct verdict_reply *rp;
	struct conn *c;
	const char *rcpt, *qid, *action, *note, *learn = "";
	char	 to_log[CLEAN_BUF], to_reply[CLEAN_BUF];
	sfsistat rc;
	int	 refused, rejected;

	c = conn_get(ctx);
	rcpt = argv != NULL ? argv[0] : NULL;
	text_clean(rcpt, to_log, sizeof(to_log), 0);
	text_clean(rcpt, to_reply, sizeof(to_reply), 1);
	qid = macro_qid(ctx);
	rejected = mta_refused(ctx);
	note = rejected ? " note=postfix-rejected" : "";

	memset(&r, 0, sizeof(r));
	atomic_fetch_add(&cfg->inflight, 1);
	if (atomic_load(&cfg->stopping) || c == NULL || rcpt == NULL ||
	    c->sender_oom) {
		atomic_fetch_sub(&cfg->inflight, 1);
		r.verdict = VERDICT_TEMPFAIL;
		if (c == NULL || c->sender_oom)
			note = " note=out-of-memory";
		else if (rcpt == NULL)
			note = " note=no-recipient";
		else
			note = " note=stopping";
	} else {
		pair = mapview_get(cfg->mv);
		verdict_decide(cfg->mv, pair, rcpt, c->sender, date_today(),
		    &r, NULL);
		if (pair != NULL)
			mapview_put(cfg->mv, pair);
		verdict_count(cfg->stats, &r, c->sender, time(NULL));
		atomic_fetch_sub(&cfg->inflight, 1);
	}

	refused = r.verdict == VERDICT_TEMPFAIL || verdict_refuses(r.verdict);
	rc = SMFIS_CONTINUE;
	action = "continue";
	if (refused && !rejected && cfg->learn)
		learn = r.verdict == VERDICT_TEMPFAIL ?
		    " (learn mode: would tempfail)" :
		    " (learn mode: would reject)";
	else if (refused && !rejected) {
		rp = verdict_reply(r.verdict);
		(void)set_reply(ctx, rp, to_reply);
		if (r.verdict == VERDICT_TEMPFAIL) {
			action = "tempfail";
			rc = SMFIS_TEMPFAIL;
		} else {
			action = "reject";
			rc = SMFIS_REJECT;
		}
	}
	if (c != NULL && (rejected || rc != SMFIS_CONTINUE))
		c->refused++;
	else if (c != NULL) {
		/* The MTA takes it (learn mode: whatever we would say). */
		c->accepted++;
		loglist_add(&c->to, to_log, 1);
		if (r.alias[0] != '\0')
			loglist_add(&c->aliases, r.alias, 0);
	}
	log_info("conn=%llu qid=%s client=%s from=<%s> to=<%s> alias=%s "
	    "verdict=%s action=%s%s%s", c != NULL ? c->id : 0ULL, qid,
	    c != NULL ? c->client : "unknown[unknown]",
	    c != NULL ? c->from : "", to_log,
	    r.alias[0] != '\0' ? r.alias : "-", verdict_name(r.verdict),
	    action, note, learn);
	return rc;
}

static sfsistat
milter_close(SMFICTX *ctx)
{
	struct conn *c;

	if ((c = smfi_getpriv(ctx)) != NULL) {
		smfi_setpriv(ctx, NULL);
		free(c->sender);
		free(c);
	}
	return SMFIS_CONTINUE;
}

int
milter_register(struct milter_config *config)
{
	struct smfiDesc desc;
	char	 name[] = MILTER_NAME;

	cfg = config;
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = name;		/* smfi_register() copies it */
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_NONE;	/* we never change a message */
	desc.xxfi_connect = milter_connect;
	desc.xxfi_envfrom = milter_envfrom;
	desc.xxfi_envrcpt = milter_envrcpt;
	desc.xxfi_data = milter_data;
	desc.xxfi_close = milter_close;
	desc.xxfi_negotiate = milter_negotiate;
	if (smfi_register(desc) != MI_SUCCESS) {
		log_warnx("smfi_register failed");
		return -1;
	}
	return 0;
}

int
milter_quiesce(struct milter_config *config, int timeout_ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int	 waited;

	atomic_store(&config->stopping, 1);
	for (waited = 0; atomic_load(&config->inflight) > 0; waited += 10) {
		if (waited >= timeout_ms)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}
