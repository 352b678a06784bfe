/*
 * test_postfix.c: table-driven tests for postfix_front_end(), the
 * judgment behind `aliasctl check`'s warning about sender locks: for
 * each set of Postfix parameters, whether alias-milter or alias-lookupd's
 * policy service is configured, is not, or cannot be told.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "postfix.h"

struct row {
	const char *milters;
	const char *rcpt;		/* smtpd_recipient_restrictions */
	const char *relay;		/* smtpd_relay_restrictions */
	const char *classes;		/* smtpd_restriction_classes */
	enum postfix_front want;
};

#define DEF_RELAY "permit_mynetworks, permit_sasl_authenticated, " \
	"defer_unauth_destination"

static const struct row rows[] = {
	/* Nothing in the SMTP path: the map alone. */
	{ "", "", DEF_RELAY, "", POSTFIX_FRONT_NO },
	{ "", "reject_unauth_destination", DEF_RELAY, "", POSTFIX_FRONT_NO },
	/* alias-milter, by its documented socket, in either syntax. */
	{ "unix:/aliasctl/milter.sock", "", DEF_RELAY, "", POSTFIX_FRONT_YES },
	{ "inet:127.0.0.1:8891, unix:/aliasctl/milter.sock", "", DEF_RELAY,
	  "", POSTFIX_FRONT_YES },
	{ "{ unix:/run/alias-milter.sock, default_action=tempfail }", "",
	  DEF_RELAY, "", POSTFIX_FRONT_YES },
	/* Another milter over a unix socket is not ours. */
	{ "unix:/opendkim/opendkim.sock", "", DEF_RELAY, "", POSTFIX_FRONT_NO },
	/* Its settings are not endpoints. */
	{ "{ unix:/opendkim/opendkim.sock, command_timeout=aliasctl }", "",
	  DEF_RELAY, "", POSTFIX_FRONT_NO },
	/* Over TCP a name tells nothing. */
	{ "inet:127.0.0.1:8891", "", DEF_RELAY, "", POSTFIX_FRONT_UNKNOWN },
	/* The policy service, in the forms alias-lookupd(8) gives. */
	{ "", "reject_unauth_destination, check_policy_service "
	  "{ inet:127.0.0.1:10028, default_action=DEFER }", DEF_RELAY, "",
	  POSTFIX_FRONT_UNKNOWN },
	{ "", "reject_unauth_destination,check_policy_service,{unix:aliasctl/"
	  "policy.sock,default_action=DEFER}", DEF_RELAY, "", POSTFIX_FRONT_YES },
	/* A service's settings are not its endpoint. */
	{ "", "check_policy_service { inet:127.0.0.1:10028, "
	  "policy_context=aliasctl }", DEF_RELAY, "", POSTFIX_FRONT_UNKNOWN },
	{ "", "reject_unauth_destination check_policy_service "
	  "unix:/var/spool/postfix/aliasctl/policy.sock", DEF_RELAY, "",
	  POSTFIX_FRONT_YES },
	{ "", "", "permit_mynetworks, reject_unauth_destination, "
	  "check_policy_service unix:aliasctl/policy.sock", "", POSTFIX_FRONT_YES },
	/* SPF's service alone is not ours. */
	{ "", "reject_unauth_destination, check_policy_service "
	  "unix:private/policyd-spf", DEF_RELAY, "", POSTFIX_FRONT_NO },
	{ "", "check_policy_service unix:private/policyd-spf, "
	  "check_policy_service unix:aliasctl/policy.sock", DEF_RELAY, "",
	  POSTFIX_FRONT_YES },
	/* A word that is no check_policy_service's endpoint. */
	{ "", "check_recipient_access hash:/etc/postfix/aliasctl", DEF_RELAY,
	  "", POSTFIX_FRONT_NO },
	/* A restriction class may hold anything. */
	{ "", "reject_unauth_destination, vendors", DEF_RELAY, "vendors",
	  POSTFIX_FRONT_UNKNOWN },
	{ "unix:/aliasctl/milter.sock", "", DEF_RELAY, "vendors",
	  POSTFIX_FRONT_YES },
};

static void
test_front_end_table(void **state)
{
	size_t	 i;
	int	 bad = 0;
	enum postfix_front got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		got = postfix_front_end(rows[i].milters, rows[i].rcpt,
		    rows[i].relay, rows[i].classes);
		if (got != rows[i].want) {
			printf("row %zu: got %d, want %d\n", i, (int)got,
			    (int)rows[i].want);
			bad++;
		}
	}
	/* NULL values are empty. */
	if (postfix_front_end(NULL, NULL, NULL, NULL) != POSTFIX_FRONT_NO) {
		printf("NULL values: not POSTFIX_FRONT_NO\n");
		bad++;
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_front_end_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
