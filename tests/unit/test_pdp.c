/*
 * test_pdp.c: table-driven tests for pdp.c, the policy delegation
 * protocol codec.
 *
 * Each row is a byte string as Postfix (or a bad client) sends it and
 * what pdp_decode() must make of it: need more, a request (with the
 * sender, recipient and protocol state it carries, and the bytes it
 * took) or an error (the connection is closed without a reply).
 * Failing rows are printed with their index; the test fails after all
 * rows have run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pdp.h"

#define RQ	"request=smtpd_access_policy\n"

/* What Postfix 3.7.11's smtpd sends at RCPT, in its order. */
#define POSTFIX_RCPT \
	RQ "protocol_state=RCPT\nprotocol_name=ESMTP\n" \
	"client_address=127.0.0.1\nclient_name=localhost\n" \
	"client_port=43466\nreverse_client_name=localhost\n" \
	"server_address=127.0.0.1\nserver_port=19556\n" \
	"helo_name=client.test\nsender=spam@evil.example\n" \
	"recipient=nobody@example.com\nrecipient_count=0\nqueue_id=\n" \
	"instance=6b0c.6b16e5e3.9485f.0\nsize=0\netrn_domain=\nstress=\n" \
	"sasl_method=\nsasl_username=\nsasl_sender=\nccert_subject=\n" \
	"ccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n" \
	"encryption_protocol=\nencryption_cipher=\nencryption_keysize=0\n" \
	"policy_context=\n\n"

struct row {
	const char *in;
	size_t	 len;		/* 0: strlen(in) */
	enum pdp_rc rc;
	const char *state;	/* PDP_OK: protocol_state, NULL: absent */
	const char *sender;
	const char *rcpt;
	size_t	 used;		/* PDP_OK; 0: strlen(in) */
};

static const struct row rows[] = {
	/* Requests. */
	{ POSTFIX_RCPT, 0, PDP_OK, "RCPT", "spam@evil.example",
	  "nobody@example.com", 0 },
	{ RQ "protocol_state=RCPT\nsender=\nrecipient=x@y\n\n", 0, PDP_OK,
	  "RCPT", "", "x@y", 0 },
	{ RQ "\n", 0, PDP_OK, NULL, NULL, NULL, 0 },
	/* The order does not matter; the last of two values counts. */
	{ "recipient=a@b\n" RQ "recipient=c@d\n\n", 0, PDP_OK, NULL, NULL,
	  "c@d", 0 },
	/* A value may hold '=' and blanks; unknown names are skipped. */
	{ RQ "sender=a=b c@d\nx-new-attribute=1\n=\n\n" + 0, 0, PDP_ERROR,
	  NULL, NULL, NULL, 0 },
	{ RQ "sender=a=b c@d\nx-new-attribute=1\nsenderx=q\n\n", 0, PDP_OK,
	  NULL, "a=b c@d", NULL, 0 },
	/* Telnet: CR LF lines, a CR LF end. */
	{ "request=smtpd_access_policy\r\nprotocol_state=RCPT\r\n\r\n", 0,
	  PDP_OK, "RCPT", NULL, NULL, 0 },
	/* Only the first of two is decoded. */
	{ RQ "recipient=a@b\n\n" RQ "recipient=c@d\n\n", 0, PDP_OK, NULL,
	  NULL, "a@b", sizeof(RQ "recipient=a@b\n\n") - 1 },
	/* The next request's NUL is not this one's business. */
	{ RQ "\n" "x\0y", sizeof(RQ "\n" "x\0y") - 1, PDP_OK, NULL, NULL,
	  NULL, sizeof(RQ "\n") - 1 },
	/* Prefixes of a valid request. */
	{ "", 0, PDP_NEED_MORE, NULL, NULL, NULL, 0 },
	{ "req", 0, PDP_NEED_MORE, NULL, NULL, NULL, 0 },
	{ RQ, 0, PDP_NEED_MORE, NULL, NULL, NULL, 0 },
	{ RQ "recipient=x@y", 0, PDP_NEED_MORE, NULL, NULL, NULL, 0 },
	{ RQ "recipient=x@y\n", 0, PDP_NEED_MORE, NULL, NULL, NULL, 0 },
	{ RQ "recipient=x@y\n\r", 0, PDP_NEED_MORE, NULL, NULL, NULL, 0 },
	/* Errors: the connection is closed. */
	{ "\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ "protocol_state=RCPT\n\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ "request=junk\n\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ "request=smtpd_access_policyx\n\n", 0, PDP_ERROR, NULL, NULL, NULL,
	  0 },
	{ "request=\n\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ RQ "recipient\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ RQ "=x\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ "GET / HTTP/1.0\r\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ "get irs@example.com\n", 0, PDP_ERROR, NULL, NULL, NULL, 0 },
	{ "23:aliases irs@example.com,", 0, PDP_NEED_MORE, NULL, NULL, NULL,
	  0 },
	/* A NUL, even in a line not yet ended, is refused at once. */
	{ RQ "sender=a\0b\n\n", sizeof(RQ "sender=a\0b\n\n") - 1, PDP_ERROR,
	  NULL, NULL, NULL, 0 },
	{ RQ "sen\0", sizeof(RQ "sen\0") - 1, PDP_ERROR, NULL, NULL, NULL,
	  0 },
};

/* Nonzero when v holds want (NULL: v absent). */
static int
same(const struct pdp_value *v, const char *want)
{
	if (want == NULL)
		return v->s == NULL;
	return pdp_value_is(v, want);
}

static void
test_decode_table(void **state)
{
	struct pdp_request req;
	const struct row *r;
	const char *err;
	size_t	 i, len, used;
	int	 bad = 0;
	enum pdp_rc rc;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		len = r->len != 0 ? r->len : strlen(r->in);
		err = NULL;
		rc = pdp_decode(r->in, len, &req, &used, &err);
		if (rc != r->rc) {
			printf("row %zu: rc %d, want %d (%s)\n", i, (int)rc,
			    (int)r->rc, err != NULL ? err : "");
			bad++;
			continue;
		}
		if (rc == PDP_ERROR && (err == NULL || err[0] == '\0')) {
			printf("row %zu: no reason\n", i);
			bad++;
		}
		if (rc != PDP_OK)
			continue;
		if (used != (r->used != 0 ? r->used : len)) {
			printf("row %zu: used %zu\n", i, used);
			bad++;
		}
		if (!same(&req.attr[PDP_PROTOCOL_STATE], r->state) ||
		    !same(&req.attr[PDP_SENDER], r->sender) ||
		    !same(&req.attr[PDP_RECIPIENT], r->rcpt)) {
			printf("row %zu: got state \"%.*s\" sender \"%.*s\" "
			    "recipient \"%.*s\"\n", i,
			    (int)req.attr[PDP_PROTOCOL_STATE].len,
			    req.attr[PDP_PROTOCOL_STATE].s,
			    (int)req.attr[PDP_SENDER].len,
			    req.attr[PDP_SENDER].s,
			    (int)req.attr[PDP_RECIPIENT].len,
			    req.attr[PDP_RECIPIENT].s);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The attributes the daemon logs, from Postfix's request. */
static void
test_decode_postfix(void **state)
{
	struct pdp_request req;
	const char *err;
	size_t	 used;

	(void)state;
	assert_int_equal(pdp_decode(POSTFIX_RCPT, strlen(POSTFIX_RCPT), &req,
	    &used, &err), PDP_OK);
	assert_true(same(&req.attr[PDP_CLIENT_ADDRESS], "127.0.0.1"));
	assert_true(same(&req.attr[PDP_CLIENT_NAME], "localhost"));
	assert_true(same(&req.attr[PDP_QUEUE_ID], ""));
	assert_true(same(&req.attr[PDP_INSTANCE], "6b0c.6b16e5e3.9485f.0"));
	assert_int_equal(req.nattrs, 29);
}

/*
 * The largest request is accepted; one byte more without an end is an
 * error as soon as PDP_REQUEST_MAX bytes have come.
 */
static void
test_decode_limits(void **state)
{
	static char buf[PDP_REQUEST_MAX + 64];
	struct pdp_request req;
	const char *err;
	size_t	 used, n;

	(void)state;
	n = strlen(RQ "helo_name=");
	memcpy(buf, RQ "helo_name=", n);
	memset(buf + n, 'h', PDP_REQUEST_MAX - n - 2);
	buf[PDP_REQUEST_MAX - 2] = '\n';
	buf[PDP_REQUEST_MAX - 1] = '\n';
	assert_int_equal(pdp_decode(buf, PDP_REQUEST_MAX, &req, &used, &err),
	    PDP_OK);
	assert_int_equal(used, PDP_REQUEST_MAX);
	assert_int_equal(pdp_decode(buf, PDP_REQUEST_MAX - 1, &req, &used,
	    &err), PDP_NEED_MORE);
	/* One byte longer: no end within the bound. */
	buf[PDP_REQUEST_MAX - 1] = 'h';
	buf[PDP_REQUEST_MAX] = '\n';
	buf[PDP_REQUEST_MAX + 1] = '\n';
	assert_int_equal(pdp_decode(buf, PDP_REQUEST_MAX - 1, &req, &used,
	    &err), PDP_NEED_MORE);
	assert_int_equal(pdp_decode(buf, PDP_REQUEST_MAX, &req, &used, &err),
	    PDP_ERROR);
	assert_int_equal(pdp_decode(buf, PDP_REQUEST_MAX + 2, &req, &used,
	    &err), PDP_ERROR);
	assert_string_equal(err, "request too long");
}

struct enc {
	const char *action;
	const char *out;	/* NULL: refused */
};

static const struct enc encs[] = {
	{ "DUNNO", "action=DUNNO\n\n" },
	{ "550 5.1.1 User unknown", "action=550 5.1.1 User unknown\n\n" },
	{ "451 4.3.0 alias map unavailable, try again later",
	  "action=451 4.3.0 alias map unavailable, try again later\n\n" },
	{ "", NULL },
	{ "550 x\naction=OK", NULL },
	{ "550 x\r", NULL },
};

static void
test_encode_table(void **state)
{
	char	 out[PDP_REPLY_MAX];
	size_t	 i, n;

	(void)state;
	for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		n = pdp_encode(out, sizeof(out), encs[i].action,
		    strlen(encs[i].action));
		if (encs[i].out == NULL) {
			assert_int_equal(n, 0);
			continue;
		}
		assert_int_equal(n, strlen(encs[i].out));
		assert_memory_equal(out, encs[i].out, n);
	}
}

/* An action with a NUL, too long, or too small a buffer: refused. */
static void
test_encode_limits(void **state)
{
	static char action[PDP_ACTION_MAX + 1], out[PDP_REPLY_MAX];

	(void)state;
	memset(action, 'a', sizeof(action));
	assert_int_equal(pdp_encode(out, sizeof(out), action, PDP_ACTION_MAX),
	    PDP_REPLY_MAX);
	assert_int_equal(pdp_encode(out, sizeof(out), action,
	    PDP_ACTION_MAX + 1), 0);
	assert_int_equal(pdp_encode(out, 7 + 5 + 2, "DUNNO", 5), 14);
	assert_int_equal(pdp_encode(out, 7 + 5 + 1, "DUNNO", 5), 0);
	assert_int_equal(pdp_encode(out, sizeof(out), "DU\0NO", 5), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_decode_postfix),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
