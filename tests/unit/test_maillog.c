/*
 * test_maillog.c: the Postfix log line parser (maillog.c) over a table
 * of real-looking lines, year inference for traditional syslog dates,
 * the per-address aggregator, the virtual(5) reader and YAML quoting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "util.h"

#define TRAD	"Nov 27 04:12:01 mx1 "
#define ISO	"2026-11-27T04:12:01.123456+00:00 mx1 "
#define SMTP	"postfix/smtp[4242]: 4F2A11C0D32: "
#define REJ	"postfix/smtpd[31]: NOQUEUE: reject: RCPT from " \
		"unknown[192.0.2.44]: "

static const struct row {
	const char *line;
	int	 year, month;	/* "now" for year inference */
	int	 kind;
	int	 status;
	int	 orig;
	const char *day;	/* expected date */
	const char *addr;	/* expected address */
} rows[] = {
	/* Deliveries, both timestamp formats. */
	{ TRAD SMTP "to=<me@example.net>, orig_to=<irs@example.com>, "
	  "relay=mx.example.net[198.51.100.25]:25, delay=0.9, "
	  "delays=0.1/0.01/0.3/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
	  2026, 11, ML_DELIVERY, ML_SENT, 1, "2026-11-27", "irs@example.com" },
	{ ISO SMTP "to=<me@example.net>, orig_to=<irs@example.com>, "
	  "relay=mx.example.net[198.51.100.25]:25, dsn=2.0.0, status=sent "
	  "(250 2.0.0 Ok)", 2030, 1, ML_DELIVERY, ML_SENT, 1, "2026-11-27",
	  "irs@example.com" },
	{ ISO SMTP "to=<Me@Example.NET>, relay=mx.example.net[1.2.3.4]:25, "
	  "dsn=2.0.0, status=sent (250 ok)", 2026, 11, ML_DELIVERY, ML_SENT,
	  0, "2026-11-27", "me@example.net" },
	{ ISO SMTP "to=<me@example.net>, orig_to=<BANK@Example.com.>, "
	  "relay=mx.example.net[1.2.3.4]:25, dsn=5.7.1, status=bounced "
	  "(host said: 550 5.7.1 spam)", 2026, 11, ML_DELIVERY, ML_BOUNCED,
	  1, "2026-11-27", "bank@example.com" },
	{ ISO SMTP "to=<me@example.net>, orig_to=<shop@example.com>, "
	  "relay=none, delay=30, dsn=4.4.1, status=deferred (connect to "
	  "mx.example.net[1.2.3.4]:25: Connection timed out)", 2026, 11,
	  ML_DELIVERY, ML_DEFERRED, 1, "2026-11-27", "shop@example.com" },
	{ ISO "postfix/local[9]: 0A7E581C1012: to=<me@mx1.example.org>, "
	  "orig_to=<github@example.org>, relay=local, status=sent "
	  "(delivered to mailbox)", 2026, 11, ML_DELIVERY, ML_SENT, 1,
	  "2026-11-27", "github@example.org" },
	{ ISO "postfix/virtual[9]: B2F031C0F40: to=<dentist@example.org>, "
	  "relay=virtual, status=sent (delivered to maildir)", 2026, 11,
	  ML_DELIVERY, ML_SENT, 0, "2026-11-27", "dentist@example.org" },
	{ ISO "postfix/pipe[9]: B2F031C0F40: to=<a@example.net>, orig_to="
	  "<t@example.com>, relay=spamc, status=sent (delivered via spamc)",
	  2026, 11, ML_DELIVERY, ML_SENT, 1, "2026-11-27", "t@example.com" },
	{ ISO "postfix/lmtp[9]: B2F031C0F40: to=<a@example.net>, orig_to="
	  "<t@example.com>, relay=x[private/dovecot-lmtp], status=sent (250)",
	  2026, 11, ML_DELIVERY, ML_SENT, 1, "2026-11-27", "t@example.com" },
	{ ISO "postfix/discard[9]: B2F031C0F40: to=<a@example.net>, "
	  "orig_to=<x@example.com>, relay=none, status=sent (discarded)",
	  2026, 11, ML_DELIVERY, ML_SENT, 1, "2026-11-27", "x@example.com" },
	{ ISO "postfix-out/smtp[9]: 3kX9Yz1AbcD: to=<a@example.net>, "
	  "status=sent (ok)", 2026, 11, ML_DELIVERY, ML_SENT, 0, "2026-11-27",
	  "a@example.net" },
	{ ISO SMTP "to=<me@example.net>, orig_to=<\"john doe\"@example.com>,"
	  " relay=none, status=sent (ok)", 2026, 11, ML_DELIVERY, ML_SENT, 1,
	  "2026-11-27", "\"john doe\"@example.com" },
	{ ISO SMTP "to=<me@example.net>, orig_to=<@mx.example:irs@example."
	  "com>, relay=none, status=sent (ok)", 2026, 11, ML_DELIVERY,
	  ML_SENT, 1, "2026-11-27", "irs@example.com" },

	/* Year inference: December seen in November is last year's. */
	{ "Dec 31 23:59:59 mx1 " SMTP "to=<a@example.com>, relay=none, "
	  "status=sent (ok)", 2026, 11, ML_DELIVERY, ML_SENT, 0, "2025-12-31",
	  "a@example.com" },
	{ "Dec 31 23:59:59 mx1 " SMTP "to=<a@example.com>, relay=none, "
	  "status=sent (ok)", 2026, 12, ML_DELIVERY, ML_SENT, 0, "2026-12-31",
	  "a@example.com" },
	{ "Jan  2 00:00:01 mx1 " SMTP "to=<a@example.com>, relay=none, "
	  "status=sent (ok)", 2027, 1, ML_DELIVERY, ML_SENT, 0, "2027-01-02",
	  "a@example.com" },
	{ "Feb 29 10:00:00 mx1 " SMTP "to=<a@example.com>, relay=none, "
	  "status=sent (ok)", 2028, 3, ML_DELIVERY, ML_SENT, 0, "2028-02-29",
	  "a@example.com" },
	{ "Feb 29 10:00:00 mx1 " SMTP "to=<a@example.com>, relay=none, "
	  "status=sent (ok)", 2027, 3, ML_SKIP, 0, 0, NULL, NULL },

	/* Rejects: NOQUEUE, and after a queue file exists. */
	{ ISO REJ "550 5.1.1 <X@Example.com>: Recipient address rejected: "
	  "User unknown in virtual alias table; from=<a@b.example> "
	  "to=<X@Example.com> proto=ESMTP helo=<b.example>", 2026, 11,
	  ML_REJECT, ML_NONE, 0, "2026-11-27", "x@example.com" },
	{ TRAD REJ "554 5.7.1 Service unavailable; Client host "
	  "[192.0.2.44] blocked using zen.spamhaus.org; from=<> "
	  "to=<info@example.com> proto=SMTP helo=<x>", 2026, 11, ML_REJECT,
	  ML_NONE, 0, "2026-11-27", "info@example.com" },
	{ ISO "postfix/smtpd[31]: 6D1E2F3A4B5C: reject: RCPT from "
	  "h[1.2.3.4]: 450 4.7.1 <a@example.com>: Recipient address "
	  "rejected: Greylisted; from=<s@x.example> to=<a@example.com> "
	  "proto=ESMTP helo=<h>", 2026, 11, ML_REJECT, ML_NONE, 0,
	  "2026-11-27", "a@example.com" },
	{ ISO REJ "550 5.1.1 <x@example.com>: Recipient address rejected: "
	  "x; from=<a@b.example> to=<x@example.com>", 2026, 11, ML_REJECT,
	  ML_NONE, 0, "2026-11-27", "x@example.com" },

	/* Everything else is skipped. */
	{ ISO "postfix/cleanup[5]: 4F2A11C0D32: message-id=<a@b.example>",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/qmgr[715]: 4F2A11C0D32: from=<orders@amazon.example>"
	  ", size=48211, nrcpt=1 (queue active)", 2026, 11, ML_FROM, ML_NONE,
	  0, "2026-11-27", "" },
	{ ISO "postfix/qmgr[715]: 4F2A11C0D32: from=<a@b.example>, "
	  "status=expired, returned to sender", 2026, 11, ML_SKIP, 0, 0,
	  NULL, NULL },
	{ ISO "postfix/qmgr[715]: 4F2A11C0D32: removed", 2026, 11,
	  ML_REMOVED, ML_NONE, 0, "2026-11-27", "" },
	{ ISO "postfix/qmgr[715]: 4F2A11C0D32: removed later", 2026, 11,
	  ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/pickup[9]: 4F2A11C0D32: uid=0 from=<root>", 2026, 11,
	  ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/smtp[4242]: NOQUEUE: to=<a@example.com>, relay=none, "
	  "status=sent (ok)", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/qmgr[715]: NOQUEUE: from=<a@b.example>, size=1, "
	  "nrcpt=1 (queue active)", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/qmgr[715]: 4F2A11C0D32: from=<a@b.example", 2026, 11,
	  ML_SKIP, 0, 0, NULL, NULL },
	/* journalctl -o short and -o short-iso. */
	{ "Dec 07 15:47:01 mx1 postfix/qmgr[123]: 4F2A11C0D32: from=<>, "
	  "size=1, nrcpt=1 (queue active)", 2026, 12, ML_FROM, ML_NONE, 0,
	  "2026-12-07", "" },
	{ "2026-12-07T15:47:01+0000 mx1 " SMTP "to=<me@example.net>, "
	  "orig_to=<irs@example.com>, relay=none, status=sent (ok)", 2026, 12,
	  ML_DELIVERY, ML_SENT, 1, "2026-12-07", "irs@example.com" },
	{ "-- Boot 0f3e7c1d2b5a4e6f8a9b0c1d2e3f4a5b --", 2026, 12, ML_SKIP, 0,
	  0, NULL, NULL },
	{ ISO "postfix/smtpd[3]: connect from mail.example.org[1.2.3.4]",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/smtpd[3]: disconnect from x[1.2.3.4] ehlo=1 "
	  "commands=1", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/smtp[3]: connect to mx.example.net[1.2.3.4]:25: "
	  "Connection refused", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/cleanup[5]: 2CDA7A1C113A: milter-reject: "
	  "END-OF-MESSAGE from x[1.2.3.4]: 5.7.1 Spam; from=<x@s.example> "
	  "to=<prize@example.com> proto=ESMTP helo=<x>", 2026, 11, ML_SKIP,
	  0, 0, NULL, NULL },
	{ ISO "postfix/smtpd[3]: NOQUEUE: reject: MAIL from x[1.2.3.4]: "
	  "553 5.7.1 bad sender; from=<x@s.example> proto=ESMTP helo=<x>",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "dovecot[3]: 4F2A11C0D32: to=<a@example.com>, status=sent",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO SMTP "to=<a@example.com>, relay=none, status=undeliverable "
	  "(x)", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO SMTP "to=<>, relay=none, status=sent (x)", 2026, 11, ML_SKIP,
	  0, 0, NULL, NULL },
	{ ISO SMTP "to=<localuser>, relay=local, status=sent (x)", 2026, 11,
	  ML_SKIP, 0, 0, NULL, NULL },
	{ "", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ "garbage", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ "Foo 27 04:12:01 mx1 " SMTP "to=<a@example.com>, status=sent",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ "2026-13-27T04:12:01Z mx1 " SMTP "to=<a@example.com>, status=sent",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	/* Truncated lines. */
	{ ISO SMTP "to=<me@example.net>, orig_to=<bank@exam", 2026, 11,
	  ML_SKIP, 0, 0, NULL, NULL },
	{ ISO SMTP "to=<me@example.net>, orig_to=<bank@example.com>, relay=",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO "postfix/smt", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ "Nov 27 04:1", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	{ ISO REJ "550 5.1.1 <x@example.com>: rejected; from=<a@b.example> "
	  "to=<x@exa", 2026, 11, ML_SKIP, 0, 0, NULL, NULL },
	/* Non-ASCII addresses (SMTPUTF8) cannot be aliases: skipped. */
	{ ISO SMTP "to=<me@example.net>, orig_to=<j\xc3\xb6rg@example.com>, "
	  "relay=none, status=sent (ok)", 2026, 11, ML_SKIP, 0, 0, NULL,
	  NULL },
	{ ISO "postfix/smtp[1]: \xff\xfe: to=<a@example.com>, status=sent",
	  2026, 11, ML_SKIP, 0, 0, NULL, NULL },
};

static void
test_parse_table(void **state)
{
	struct ml_rec r;
	char	 day[DATE_BUF], buf[2048];
	size_t	 i;
	int	 kind;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* With a newline too, as getline(3) returns it. */
		snprintf(buf, sizeof(buf), "%s\n", rows[i].line);
		kind = maillog_parse(buf, strlen(buf), rows[i].year,
		    rows[i].month, &r);
		if (kind != rows[i].kind)
			fail_msg("row %zu: kind %d, want %d: %s", i, kind,
			    rows[i].kind, rows[i].line);
		assert_int_equal(kind, maillog_parse(rows[i].line,
		    strlen(rows[i].line), rows[i].year, rows[i].month, &r));
		if (kind == ML_SKIP)
			continue;
		date_format(r.day, day);
		if (strcmp(day, rows[i].day) != 0 ||
		    strcmp(r.addr, rows[i].addr) != 0 ||
		    r.status != rows[i].status || r.orig != rows[i].orig)
			fail_msg("row %zu: %s %s status %d orig %d: %s", i,
			    day, r.addr, r.status, r.orig, rows[i].line);
	}
}

/* A line is not a C string: the parser must stop at len. */
static void
test_parse_len(void **state)
{
	struct ml_rec r;
	const char *line = ISO SMTP "to=<a@example.com>, relay=none, "
	    "status=sent (ok)";

	(void)state;
	assert_int_equal(maillog_parse(line, strlen(line), 2026, 11, &r),
	    ML_DELIVERY);
	assert_int_equal(maillog_parse(line, strlen(line) - 10, 2026, 11,
	    &r), ML_SKIP);
	assert_int_equal(maillog_parse(line, 0, 2026, 11, &r), ML_SKIP);
}

/* Senders: which are bounces, what is kept of them. */
static const struct from_row {
	const char *sender;	/* between from=< and > */
	int	 kind;		/* enum ml_sender */
	const char *from;	/* expected r.from */
	const char *fromdom;
} from_rows[] = {
	{ "", ML_SENDER_BOUNCE, "", "" },
	{ "MAILER-DAEMON@mx.example.jp", ML_SENDER_BOUNCE,
	  "mailer-daemon@mx.example.jp", "mx.example.jp" },
	{ "mailer-daemon", ML_SENDER_BOUNCE, "", "" },
	{ "Postmaster@Relay.Example", ML_SENDER_BOUNCE,
	  "postmaster@relay.example", "relay.example" },
	{ "postmaster+x@relay.example", ML_SENDER_REAL,
	  "postmaster+x@relay.example", "relay.example" },
	{ "mailer-daemons@x.example", ML_SENDER_REAL,
	  "mailer-daemons@x.example", "x.example" },
	{ "double-bounce@mx1.example.com", ML_SENDER_REAL,
	  "double-bounce@mx1.example.com", "mx1.example.com" },
	{ "Orders@Amazon.Example", ML_SENDER_REAL, "orders@amazon.example",
	  "amazon.example" },
	{ "root", ML_SENDER_REAL, "", "" },
	{ "SRS0=ab12=cd=bank.example=alerts@fwd.example", ML_SENDER_REAL,
	  "srs0=ab12=cd=bank.example=alerts@fwd.example", "fwd.example" },
};

static void
test_parse_from(void **state)
{
	struct ml_rec r;
	char	 buf[1024];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(from_rows) / sizeof(from_rows[0]); i++) {
		snprintf(buf, sizeof(buf), ISO "postfix/qmgr[7]: 3kX9Yz1AbcD: "
		    "from=<%s>, size=4821, nrcpt=2 (queue active)",
		    from_rows[i].sender);
		if (maillog_parse(buf, strlen(buf), 2026, 11, &r) != ML_FROM ||
		    r.sender != from_rows[i].kind ||
		    strcmp(r.from, from_rows[i].from) != 0 ||
		    strcmp(r.fromdom, from_rows[i].fromdom) != 0 ||
		    strcmp(r.qid, "3kX9Yz1AbcD") != 0)
			fail_msg("row %zu: kind %d sender %d from %s dom %s "
			    "qid %s: %s", i, r.kind, r.sender, r.from,
			    r.fromdom, r.qid, buf);
	}
}

/* A delivery's queue id, target and relay. */
static void
test_parse_relay(void **state)
{
	static const struct {
		const char *rest;	/* after "to=<A>, orig_to=<B>, " */
		int	 remote;
	} relays[] = {
		{ "relay=mx.example.net[198.51.100.25]:25, status=sent", 1 },
		{ "relay=mx.example.net[2001:db8::1]:587, status=sent", 1 },
		{ "relay=local, status=sent (ok)", 0 },
		{ "relay=virtual, status=sent (ok)", 0 },
		{ "relay=none, status=sent (ok)", 0 },
		{ "relay=spamc, status=sent (ok)", 0 },
		{ "relay=h[private/dovecot-lmtp], status=sent (ok)", 0 },
		{ "relay=h[1.2.3.4]:, status=sent (ok)", 0 },
		{ "relay=h[1.2.3.4]:25x, status=sent (ok)", 0 },
		{ "delay=1, status=sent (ok)", 0 },
	};
	struct ml_rec r;
	char	 buf[1024];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(relays) / sizeof(relays[0]); i++) {
		snprintf(buf, sizeof(buf), ISO SMTP "to=<Me@Example.NET>, "
		    "orig_to=<Family@example.com>, %s", relays[i].rest);
		assert_int_equal(maillog_parse(buf, strlen(buf), 2026, 11, &r),
		    ML_DELIVERY);
		if (r.remote != relays[i].remote)
			fail_msg("remote %d: %s", r.remote, buf);
		assert_string_equal(r.qid, "4F2A11C0D32");
		assert_string_equal(r.addr, "family@example.com");
		assert_string_equal(r.to, "Me@example.net");
	}
	/* Without orig_to, to= is the address and no target is known. */
	snprintf(buf, sizeof(buf), ISO SMTP "to=<a@example.com>, relay=none, "
	    "status=sent (ok)");
	assert_int_equal(maillog_parse(buf, strlen(buf), 2026, 11, &r),
	    ML_DELIVERY);
	assert_string_equal(r.to, "");
	/* A target that is no address (a local name) is not kept. */
	snprintf(buf, sizeof(buf), ISO SMTP "to=<root>, orig_to=<a@example."
	    "com>, relay=local, status=sent (ok)");
	assert_int_equal(maillog_parse(buf, strlen(buf), 2026, 11, &r),
	    ML_DELIVERY);
	assert_string_equal(r.to, "");
	assert_string_equal(r.addr, "a@example.com");
	/* Queue ids too long for the buffer are no queue ids. */
	snprintf(buf, sizeof(buf), ISO "postfix/smtp[1]: "
	    "0123456789ABCDEF0123456789ABCDEF: to=<a@example.com>, "
	    "status=sent (ok)");
	assert_int_equal(maillog_parse(buf, strlen(buf), 2026, 11, &r),
	    ML_SKIP);
}

/* The messages in flight: lookup, removal, the bound. */
static void
test_queue(void **state)
{
	struct ml_queue *q;
	struct ml_msg *m;
	struct ml_rec r;
	char	 qid[ML_QID_BUF], addr[64];
	int	 i;

	(void)state;
	assert_non_null(q = ml_queue_new(100));
	assert_null(ml_queue_get(q, "AAA", 0));
	memset(&r, 0, sizeof(r));
	r.kind = ML_FROM;
	r.sender = ML_SENDER_REAL;
	snprintf(r.qid, sizeof(r.qid), "AAA");
	snprintf(r.from, sizeof(r.from), "a@b.example");
	snprintf(r.fromdom, sizeof(r.fromdom), "b.example");
	assert_int_equal(ml_queue_from(q, &r), 0);
	assert_non_null(m = ml_queue_get(q, "AAA", 0));
	assert_int_equal(m->sender, ML_SENDER_REAL);
	assert_string_equal(m->fromdom, "b.example");
	/* Counted once per address. */
	assert_int_equal(ml_msg_counted(m, "x@example.com"), 0);
	assert_int_equal(ml_msg_counted(m, "y@example.com"), 0);
	assert_int_equal(ml_msg_counted(m, "x@example.com"), 1);
	/* A second from= line for the id (it was reused) replaces it. */
	r.sender = ML_SENDER_BOUNCE;
	r.from[0] = r.fromdom[0] = '\0';
	assert_int_equal(ml_queue_from(q, &r), 0);
	assert_ptr_equal(ml_queue_get(q, "AAA", 0), m);
	assert_int_equal(m->sender, ML_SENDER_BOUNCE);
	assert_null(m->from);
	ml_queue_remove(q, "AAA");
	ml_queue_remove(q, "AAA");
	assert_null(ml_queue_get(q, "AAA", 0));
	assert_int_equal(q->n, 0);
	/* A delivery without a from= line: sender unknown. */
	assert_non_null(m = ml_queue_get(q, "BBB", 1));
	assert_int_equal(m->sender, ML_SENDER_UNKNOWN);
	/* Past the bound the oldest go. */
	for (i = 0; i < 250; i++) {
		snprintf(qid, sizeof(qid), "Q%d", i);
		assert_non_null(m = ml_queue_get(q, qid, 1));
		if (i == 249)
			for (i = 0; i < ML_MSG_RCPT_MAX + 5; i++) {
				snprintf(addr, sizeof(addr), "a%d@x", i);
				assert_int_equal(ml_msg_counted(m, addr), 0);
			}
	}
	assert_int_equal(q->n, 100);
	assert_int_equal(q->evicted, 151);
	assert_null(ml_queue_get(q, "BBB", 0));
	assert_null(ml_queue_get(q, "Q149", 0));
	assert_non_null(m = ml_queue_get(q, "Q150", 0));
	assert_ptr_equal(q->oldest, m);
	/* Past ML_MSG_RCPT_MAX nothing more is remembered. */
	m = ml_queue_get(q, "Q249", 0);
	assert_int_equal(m->nrcpt, ML_MSG_RCPT_MAX);
	assert_int_equal(ml_msg_counted(m, "a0@x"), 1);
	assert_int_equal(ml_msg_counted(m, "a1003@x"), 0);
	ml_queue_remove(q, "Q200");
	assert_int_equal(q->n, 99);
	ml_queue_free(q);
	ml_queue_free(NULL);
}

/* Parses line, joins it to its message in q, counts it in agg. */
static void
agg_line_q(struct ml_agg *agg, struct ml_queue *q, const char *line)
{
	struct ml_rec r;
	struct ml_msg *m = NULL;

	switch (maillog_parse(line, strlen(line), 2026, 11, &r)) {
	case ML_FROM:
		assert_int_equal(ml_queue_from(q, &r), 0);
		return;
	case ML_REMOVED:
		ml_queue_remove(q, r.qid);
		return;
	case ML_DELIVERY:
		if (q != NULL)
			assert_non_null(m = ml_queue_get(q, r.qid, 1));
		break;
	case ML_REJECT:
		break;
	default:
		fail_msg("skipped: %s", line);
	}
	assert_int_equal(ml_agg_add(agg, r.addr, &r, m), 0);
}

static void
agg_line(struct ml_agg *agg, const char *line)
{
	agg_line_q(agg, NULL, line);
}

#define QMGR	"2026-05-01T00:00:00Z h postfix/qmgr[1]: "
#define DLV(q)	"2026-05-02T00:00:00Z h postfix/smtp[2]: " q ": "

/* Deliveries joined to their senders by queue id. */
static void
test_aggregate_senders(void **state)
{
	static const char *const lines[] = {
		/* Interleaved: A from a shop, B a bounce, C from a bank. */
		QMGR "AAA: from=<orders@shop.example>, size=1, nrcpt=3 "
		"(queue active)",
		QMGR "BBB: from=<>, size=1, nrcpt=1 (queue active)",
		DLV("AAA") "to=<me@example.net>, orig_to=<shop@example.com>, "
		"relay=mx[1.2.3.4]:25, status=deferred (timeout)",
		QMGR "CCC: from=<alerts@bank.example>, size=1, nrcpt=1 "
		"(queue active)",
		DLV("BBB") "to=<me@example.net>, orig_to=<guts@example.com>, "
		"relay=mx[1.2.3.4]:25, status=sent (ok)",
		DLV("CCC") "to=<me@example.net>, orig_to=<shop@example.com>, "
		"relay=mx[1.2.3.4]:25, status=sent (ok)",
		/* A again: retried, and a second target, once for shop@. */
		DLV("AAA") "to=<me@example.net>, orig_to=<shop@example.com>, "
		"relay=mx[1.2.3.4]:25, status=sent (ok)",
		DLV("AAA") "to=<Spouse@example.net>, "
		"orig_to=<shop@example.com>, relay=mx[1.2.3.4]:25, "
		"status=sent (ok)",
		DLV("AAA") "to=<me@example.net>, orig_to=<fam@example.com>, "
		"relay=mx[1.2.3.4]:25, status=sent (ok)",
		QMGR "AAA: removed",
		QMGR "BBB: removed",
		/* AAA reused: a bounce now. */
		QMGR "AAA: from=<MAILER-DAEMON@x.example>, size=1, nrcpt=1 "
		"(queue active)",
		DLV("AAA") "to=<me@example.net>, orig_to=<shop@example.com>, "
		"relay=mx[1.2.3.4]:25, status=sent (ok)",
		/* No from= line: the log started later. */
		DLV("DDD") "to=<me@example.net>, orig_to=<old@example.com>, "
		"relay=mx[1.2.3.4]:25, status=sent (ok)",
		DLV("DDD") "to=<me@example.net>, orig_to=<old@example.com>, "
		"relay=mx[1.2.3.4]:25, status=sent (ok)",
	};
	struct ml_agg *agg;
	struct ml_queue *q;
	struct ml_entry *e;
	size_t	 i;

	(void)state;
	assert_non_null(agg = ml_agg_new());
	assert_non_null(q = ml_queue_new(ML_QUEUE_MAX));
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		agg_line_q(agg, q, lines[i]);
	assert_non_null(e = ml_agg_get(agg, "shop@example.com", 0));
	assert_int_equal(e->messages, 2);
	assert_int_equal(e->domains, 2);
	assert_int_equal(e->bounces, 1);
	assert_int_equal(e->unknown, 0);
	assert_int_equal(e->nto, 2);
	assert_string_equal(e->to[0], "me@example.net");
	assert_string_equal(e->to[1], "Spouse@example.net");
	assert_non_null(e = ml_agg_get(agg, "fam@example.com", 0));
	assert_int_equal(e->messages, 1);
	assert_int_equal(e->domains, 1);
	assert_non_null(e = ml_agg_get(agg, "guts@example.com", 0));
	assert_int_equal(e->messages, 0);
	assert_int_equal(e->bounces, 1);
	assert_non_null(e = ml_agg_get(agg, "old@example.com", 0));
	assert_int_equal(e->unknown, 1);
	assert_int_equal(e->messages + e->bounces, 0);
	/* AAA (reused), CCC and DDD are still in flight. */
	assert_int_equal(q->n, 3);
	qsort(agg->v, agg->n, sizeof(*agg->v), ml_entry_cmp);
	assert_string_equal(agg->v[0].addr, "shop@example.com");
	assert_string_equal(agg->v[1].addr, "fam@example.com");
	assert_string_equal(agg->v[2].addr, "old@example.com");
	assert_string_equal(agg->v[3].addr, "guts@example.com");
	ml_queue_free(q);
	ml_agg_free(agg);
}

static void
test_aggregate(void **state)
{
	struct ml_agg *agg;
	struct ml_entry *e;
	char	 line[512], day[DATE_BUF];
	int	 i;

	(void)state;
	assert_non_null(agg = ml_agg_new());
	agg_line(agg, "2026-03-01T00:00:00Z h " SMTP "to=<b@example.com>, "
	    "status=bounced (x)");
	agg_line(agg, "2026-01-05T00:00:00Z h " SMTP "to=<B@example.com>, "
	    "status=sent (x)");
	agg_line(agg, "2026-02-01T00:00:00Z h " REJ "550 x; from=<> "
	    "to=<r@example.com> proto=SMTP");
	/* Enough addresses to grow the hash table several times. */
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "2026-04-01T00:00:00Z h " SMTP
		    "to=<a%d@example.com>, status=%s (x)", i % 300,
		    i % 3 ? "sent" : "deferred");
		agg_line(agg, line);
	}
	assert_int_equal(agg->n, 302);
	/* Without queue ids joined, every delivery is of unknown sender. */
	assert_non_null(e = ml_agg_get(agg, "b@example.com", 0));
	assert_int_equal(e->unknown, 2);
	date_format(e->first, day);
	assert_string_equal(day, "2026-01-05");
	date_format(e->last, day);
	assert_string_equal(day, "2026-03-01");
	assert_non_null(e = ml_agg_get(agg, "a7@example.com", 0));
	assert_int_equal(e->unknown, 4);
	assert_null(ml_agg_get(agg, "nobody@example.com", 0));
	qsort(agg->v, agg->n, sizeof(*agg->v), ml_entry_cmp);
	/* Most messages first; reject-only last. */
	assert_string_equal(agg->v[agg->n - 1].addr, "r@example.com");
	assert_int_equal(agg->v[agg->n - 1].rejected, 1);
	assert_true(agg->v[0].unknown >= 3);
	for (i = 1; i < (int)agg->n; i++)
		assert_true(ml_entry_cmp(&agg->v[i - 1], &agg->v[i]) < 0);
	ml_agg_free(agg);
	ml_agg_free(NULL);
}

static void
test_virtual(void **state)
{
	static const char text[] =
	    "# comment\n"
	    "\n"
	    "   indented without an entry\n"
	    "example.com\tanything\n"
	    "a@example.com  x@example.net,\n"
	    "\t y@example.net\n"
	    "  # comment ends the entry\n"
	    "  z@example.net\n"
	    "\"john doe\"@example.com   me@example.net  \r\n"
	    "lonely\n"
	    "last@example.com\t\"q r\"@example.net, s@example.net";
	struct vt_entry e;
	struct addr a;
	const char *p, *end;
	size_t	 pos = 0;
	unsigned lineno = 0;
	int	 err;

	(void)state;
	assert_int_equal(vt_next(text, strlen(text), &pos, &lineno, &e), 1);
	assert_int_equal(e.line, 4);
	assert_int_equal(e.keylen, 11);
	assert_memory_equal(e.key, "example.com", 11);
	assert_int_equal(e.vallen, 8);
	assert_int_equal(vt_next(text, strlen(text), &pos, &lineno, &e), 1);
	assert_int_equal(e.line, 5);
	assert_memory_equal(e.key, "a@example.com", e.keylen);
	assert_int_equal(e.vallen, strlen("x@example.net,\n\t y@example.net"));
	p = e.value;
	end = e.value + e.vallen;
	assert_int_equal(vt_target_next(&p, end, &a, &err), 1);
	assert_string_equal(a.local, "x");
	assert_int_equal(vt_target_next(&p, end, &a, &err), 1);
	assert_string_equal(a.local, "y");
	assert_int_equal(vt_target_next(&p, end, &a, &err), 0);
	/* "  z@example.net" after the comment continues nothing. */
	assert_int_equal(vt_next(text, strlen(text), &pos, &lineno, &e), 1);
	assert_int_equal(e.line, 9);
	assert_int_equal(e.keylen, strlen("\"john doe\"@example.com"));
	assert_int_equal(e.vallen, strlen("me@example.net"));
	assert_int_equal(vt_next(text, strlen(text), &pos, &lineno, &e), 1);
	assert_int_equal(e.line, 10);
	assert_int_equal(e.vallen, 0);
	assert_int_equal(vt_next(text, strlen(text), &pos, &lineno, &e), 1);
	assert_int_equal(e.line, 11);
	p = e.value;
	end = e.value + e.vallen;
	assert_int_equal(vt_target_next(&p, end, &a, &err), 1);
	assert_string_equal(a.local, "\"q r\"");
	assert_int_equal(vt_target_next(&p, end, &a, &err), 1);
	assert_string_equal(a.local, "s");
	assert_int_equal(vt_target_next(&p, end, &a, &err), 0);
	assert_int_equal(vt_next(text, strlen(text), &pos, &lineno, &e), 0);
	/* A target that is no full address. */
	p = "root, Me@Example.NET";
	end = p + strlen(p);
	assert_int_equal(vt_target_next(&p, end, &a, &err), -1);
	assert_int_equal(err, ADDR_NO_AT);
	assert_int_equal(vt_target_next(&p, end, &a, &err), 1);
	assert_string_equal(a.local, "Me");
	assert_string_equal(a.domain, "example.net");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_len),
		cmocka_unit_test(test_parse_from),
		cmocka_unit_test(test_parse_relay),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_aggregate_senders),
		cmocka_unit_test(test_virtual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
