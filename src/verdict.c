/*
 * verdict.c: SPEC.md's verdict table over an open map pair (see
 * verdict.h).  Pure apart from the lookups: no logging, no allocation.
 *
 * The policy file says which domains are managed (a domain record, with
 * the domain's subaddress delimiters) and which aliases are revoked,
 * expiring, receive-only or locked to their senders; the Postfix map
 * says which aliases are active.  Keys are tried in Postfix's order, the
 * full address and then the subaddress base: the first key known to
 * either file decides, so an explicitly listed irs+x@ is accepted even
 * when irs@ is revoked, exactly as Postfix would route it.
 */
#include <string.h>

#include "address.h"
#include "amap.h"
#include "mapview.h"
#include "policy.h"
#include "stats.h"
#include "verdict.h"

static void	fallback_domain(const char *, char *);
static void	decide_rcpt(const struct mapview_pair *, const struct addr *,
		    int, const char *, int32_t, struct verdict_result *,
		    char *);
static int	decide_key(const struct mapview_pair *, const char *,
		    const char *, int32_t, char *, struct verdict_result *);

/*
 * For a recipient addr_parse() refused: the bytes after the last '@',
 * without a trailing '>' and blanks, normalised as a domain name into
 * out (ADDR_DOMAIN_MAX + 1 bytes), or "" when they are not one.  Such a
 * recipient at a managed domain is unknown, not "not ours": a
 * non-ASCII or malformed local part must not slip past the milter.
 */
static void
fallback_domain(const char *rcpt, char *out)
{
	const char *at, *end;

	out[0] = '\0';
	if ((at = strrchr(rcpt, '@')) == NULL)
		return;
	at++;
	end = at + strlen(at);
	while (end > at && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end > at && end[-1] == '>')
		end--;
	if (addr_domain(at, (size_t)(end - at), out) != ADDR_OK)
		out[0] = '\0';
}

/*
 * Looks key up in both files.  Returns 1 with r->verdict and r->alias
 * set when the key decides the recipient, 0 when neither file knows it
 * (or the policy knows it as active but the map does not: a pair from
 * two compiles; Postfix would not route it), -1 on a lookup error.  val
 * is a scratch buffer of AMAP_VALUE_MAX bytes.
 */
static int
decide_key(const struct mapview_pair *pair, const char *key,
    const char *sender, int32_t today, char *val, struct verdict_result *r)
{
	struct policy_alias pa;
	struct errbuf e;
	enum verdict v = VERDICT_ACCEPT;
	int	 rc;

	if ((rc = amap_get(pair->policy, key, val, AMAP_VALUE_MAX, &e)) == -1)
		return -1;
	if (rc == 1) {
		/* A record we cannot read must not turn into "accept". */
		if (policy_parse_alias(val, &pa) == -1)
			return -1;
		if (pa.flags & POLICY_REVOKED)
			v = VERDICT_REVOKED;
		else if (policy_expired(&pa, today))
			v = VERDICT_EXPIRED;
		else if (sender == NULL)
			;	/* the lookup daemon: no sender to check */
		else if (verdict_sender_null(sender)) {
			if (pa.flags & POLICY_RECEIVE_ONLY)
				v = VERDICT_BACKSCATTER;
		} else if (pa.senders != NULL &&
		    !verdict_sender_listed(pa.senders, pa.senders_len, sender))
			v = VERDICT_LOCKED;
	}
	if (v == VERDICT_ACCEPT &&
	    (rc = amap_get(pair->map, key, val, AMAP_VALUE_MAX, &e)) != 1)
		return rc;
	r->verdict = v;
	strcpy(r->alias, key);
	return 1;
}

void
verdict_rcpt(const struct mapview_pair *pair, const char *rcpt,
    const char *sender, int32_t today, struct verdict_result *r)
{
	char	 val[AMAP_VALUE_MAX];

	verdict_rcpt_value(pair, rcpt, sender, today, r, val);
}

void
verdict_decide(struct mapview *mv, const struct mapview_pair *pair,
    const char *rcpt, const char *sender, int32_t today,
    struct verdict_result *r, char *val)
{
	char	 scratch[AMAP_VALUE_MAX];

	verdict_rcpt_value(pair, rcpt, sender, today, r,
	    val != NULL ? val : scratch);
	if (r->verdict == VERDICT_TEMPFAIL &&
	    !verdict_missing_map(mv, r->domain))
		r->verdict = VERDICT_NOT_OURS;
}

int
verdict_missing_map(struct mapview *mv, const char *domain)
{
	return mapview_was_managed(mv, domain) != 0;
}

void
verdict_rcpt_value(const struct mapview_pair *pair, const char *rcpt,
    const char *sender, int32_t today, struct verdict_result *r, char *val)
{
	struct errbuf e;
	struct addr a;
	int	 parsed;

	r->verdict = VERDICT_TEMPFAIL;
	r->alias[0] = '\0';
	r->domain[0] = '\0';
	parsed = addr_parse(rcpt, strlen(rcpt), 0, &a) == ADDR_OK;
	if (parsed)
		memcpy(r->domain, a.domain, a.domain_len + 1);
	else
		fallback_domain(rcpt, r->domain);
	if (pair == NULL)
		return;
	if (r->domain[0] == '\0') {
		r->verdict = VERDICT_NOT_OURS;
		return;
	}
	/* Up to five lookups: one shared lock per file for all of them. */
	if (mapview_read_begin(pair, &e) == -1)
		return;
	decide_rcpt(pair, &a, parsed, sender, today, r, val);
	mapview_read_end(pair);
}

/*
 * The rest of verdict_rcpt_value() for a recipient at a domain, inside
 * its read section.
 */
static void
decide_rcpt(const struct mapview_pair *pair, const struct addr *ap,
    int parsed, const char *sender, int32_t today, struct verdict_result *r,
    char *val)
{
	struct policy_domain pd;
	struct addr_keys k;
	struct errbuf e;
	int	 rc;

	if ((rc = amap_get(pair->policy, r->domain, val, AMAP_VALUE_MAX,
	    &e)) == -1)
		return;
	if (rc == 0) {
		r->verdict = VERDICT_NOT_OURS;
		return;
	}
	if (policy_parse_domain(val, &pd) == -1)
		return;
	r->verdict = VERDICT_UNKNOWN;
	if (!parsed)
		return;
	addr_keys(ap, pd.subaddress, &k);
	/*
	 * Postfix splits postmaster+x and abuse+x like any other address
	 * (only a bare "postmaster" is exempt, which changes nothing), and
	 * the map has postmaster@ and abuse@ of every domain: so do we.
	 */
	if (addr_always(ap->local, k.blen) != -1) {
		r->verdict = VERDICT_POSTMASTER;
		strcpy(r->alias, k.base[0] != '\0' ? k.base : k.full);
		return;
	}
	/* The catch-all @domain is never written by aliasctl. */
	if ((rc = decide_key(pair, k.full, sender, today, val, r)) == 0 &&
	    k.base[0] != '\0')
		rc = decide_key(pair, k.base, sender, today, val, r);
	if (rc == -1) {
		r->verdict = VERDICT_TEMPFAIL;
		r->alias[0] = '\0';
		return;
	}
	if (rc == 0) {
		r->verdict = VERDICT_UNKNOWN;
		strcpy(r->alias, k.full);
	}
}

int
verdict_sender_null(const char *s)
{
	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (*s != '<' && *s != '>' && *s != ' ' && *s != '\t')
			return 0;
	return 1;
}

int
verdict_sender_listed(const char *list, size_t len, const char *sender)
{
	struct addr a;
	char	 full[ADDR_BUF];
	const char *end = list + len, *sp;
	size_t	 flen, n;

	if (addr_parse(sender, strlen(sender), 0, &a) != ADDR_OK ||
	    (flen = addr_format(&a, full, sizeof(full))) == (size_t)-1)
		return 0;
	while (list < end) {
		if ((sp = memchr(list, ' ', (size_t)(end - list))) == NULL)
			sp = end;
		n = (size_t)(sp - list);
		if (memchr(list, '@', n) != NULL) {
			if (n == flen && memcmp(list, full, n) == 0)
				return 1;
		} else if (n == a.domain_len) {
			if (memcmp(list, a.domain, n) == 0)
				return 1;
		} else if (n > 0 && n < a.domain_len &&
		    a.domain[a.domain_len - n - 1] == '.' &&
		    memcmp(a.domain + a.domain_len - n, list, n) == 0)
			return 1;
		list = sp + 1;
	}
	return 0;
}

const char *
verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_NOT_OURS:
		return "not-ours";
	case VERDICT_ACCEPT:
		return "accept";
	case VERDICT_POSTMASTER:
		return "postmaster";
	case VERDICT_BACKSCATTER:
		return "backscatter";
	case VERDICT_LOCKED:
		return "locked";
	case VERDICT_REVOKED:
		return "revoked";
	case VERDICT_EXPIRED:
		return "expired";
	case VERDICT_UNKNOWN:
		return "unknown";
	case VERDICT_TEMPFAIL:
		return "tempfail";
	}
	return "invalid";
}

static const struct verdict_reply reply_unknown = { "550", "5.1.1",
	"User unknown" };
static const struct verdict_reply reply_backscatter = { "550", "5.7.1",
	"this address sends no mail, so it accepts no bounces" };
static const struct verdict_reply reply_locked = { "550", "5.7.1",
	"this address accepts mail only from its correspondents" };
static const struct verdict_reply reply_tempfail = { "451", "4.3.0",
	"alias map unavailable, try again later" };

const struct verdict_reply *
verdict_reply(enum verdict v)
{
	switch (v) {
	case VERDICT_BACKSCATTER:
		return &reply_backscatter;
	case VERDICT_LOCKED:
		return &reply_locked;
	case VERDICT_TEMPFAIL:
		return &reply_tempfail;
	default:
		return &reply_unknown;
	}
}

int
verdict_refuses(enum verdict v)
{
	return v == VERDICT_BACKSCATTER || v == VERDICT_LOCKED ||
	    v == VERDICT_REVOKED ||
	    v == VERDICT_EXPIRED || v == VERDICT_UNKNOWN;
}

const char *
verdict_sender_domain(const char *sender, char *buf)
{
	struct addr a;

	if (verdict_sender_null(sender))
		return STATS_SENDER_NULL;
	if (addr_parse(sender, strlen(sender), 0, &a) != ADDR_OK)
		return "";
	memcpy(buf, a.domain, a.domain_len + 1);
	return buf;
}

void
verdict_count(struct stats *stats, const struct verdict_result *r,
    const char *sender, time_t now)
{
	enum stats_kind kind;
	char	 dom[ADDR_DOMAIN_MAX + 1];

	switch (r->verdict) {
	case VERDICT_ACCEPT:
	case VERDICT_POSTMASTER:
		kind = STATS_HIT;
		break;
	case VERDICT_REVOKED:
		kind = STATS_REVOKED_HIT;
		break;
	case VERDICT_EXPIRED:
		kind = STATS_EXPIRED;
		break;
	case VERDICT_BACKSCATTER:
		kind = STATS_BACKSCATTER;
		break;
	case VERDICT_LOCKED:
		kind = STATS_LOCKED;
		break;
	case VERDICT_UNKNOWN:
		kind = STATS_UNKNOWN;
		break;
	case VERDICT_NOT_OURS:
	case VERDICT_TEMPFAIL:
	default:
		return;
	}
	/* An unparsable recipient has no key worth keeping. */
	if (r->alias[0] == '\0')
		return;
	stats_hit_from(stats, r->alias, sender != NULL &&
	    kind != STATS_UNKNOWN ? verdict_sender_domain(sender, dom) : NULL,
	    kind, now);
}
