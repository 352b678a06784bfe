/*
 * test_postconf.c: table-driven tests for postconf_front_end(), the
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

#include "postconf.h"

struct row {
	const char *milters;
	const char *rcpt;		/* smtpd_recipient_restrictions */
	const char *relay;		/* smtpd_relay_restrictions */
	const char *classes;		/* smtpd_restriction_classes */
	enum postconf_front want;
};

#define DEF_RELAY "permit_mynetworks, permit_sasl_authenticated, " \
	"defer_unauth_destination"

static const struct row rows[] = {
	/* Nothing in the SMTP path: the map alone. */
	{ "", "", DEF_RELAY, "", PC_FRONT_NO },
	{ "", "reject_unauth_destination", DEF_RELAY, "", PC_FRONT_NO },
	/* alias-milter, by its documented socket, in either syntax. */
	{ "unix:/aliasctl/milter.sock", "", DEF_RELAY, "", PC_FRONT_YES },
	{ "inet:127.0.0.1:8891, unix:/aliasctl/milter.sock", "", DEF_RELAY,
	  "", PC_FRONT_YES },
	{ "{ unix:/run/alias-milter.sock, default_action=tempfail }", "",
	  DEF_RELAY, "", PC_FRONT_YES },
	/* Another milter over a unix socket is not ours. */
	{ "unix:/opendkim/opendkim.sock", "", DEF_RELAY, "", PC_FRONT_NO },
	/* Its settings are not endpoints. */
	{ "{ unix:/opendkim/opendkim.sock, command_timeout=aliasctl }", "",
	  DEF_RELAY, "", PC_FRONT_NO },
	/* Over TCP a name tells nothing. */
	{ "inet:127.0.0.1:8891", "", DEF_RELAY, "", PC_FRONT_UNKNOWN },
	/* The policy service, in the forms alias-lookupd(8) gives. */
	{ "", "reject_unauth_destination, check_policy_service "
	  "{ inet:127.0.0.1:10028, default_action=DEFER }", DEF_RELAY, "",
	  PC_FRONT_UNKNOWN },
	{ "", "reject_unauth_destination,check_policy_service{unix:aliasctl/"
	  "policy.sock,default_action=DEFER}", DEF_RELAY, "", PC_FRONT_YES },
	{ "", "reject_unauth_destination check_policy_service "
	  "unix:/var/spool/postfix/aliasctl/policy.sock", DEF_RELAY, "",
	  PC_FRONT_YES },
	{ "", "", "permit_mynetworks, reject_unauth_destination, "
	  "check_policy_service unix:aliasctl/policy.sock", "", PC_FRONT_YES },
	/* SPF's service alone is not ours. */
	{ "", "reject_unauth_destination, check_policy_service "
	  "unix:private/policyd-spf", DEF_RELAY, "", PC_FRONT_NO },
	{ "", "check_policy_service unix:private/policyd-spf, "
	  "check_policy_service unix:aliasctl/policy.sock", DEF_RELAY, "",
	  PC_FRONT_YES },
	/* A word that is no check_policy_service's endpoint. */
	{ "", "check_recipient_access hash:/etc/postfix/aliasctl", DEF_RELAY,
	  "", PC_FRONT_NO },
	/* A restriction class may hold anything. */
	{ "", "reject_unauth_destination, vendors", DEF_RELAY, "vendors",
	  PC_FRONT_UNKNOWN },
	{ "unix:/aliasctl/milter.sock", "", DEF_RELAY, "vendors",
	  PC_FRONT_YES },
};

static void
test_front_end_table(void **state)
{
	struct postconf pc;
	size_t	 i;
	int	 bad = 0;
	enum postconf_front got;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&pc, 0, sizeof(pc));
		/* The parser only reads: the casts drop no real const. */
		pc.value[PC_SMTPD_MILTERS] = (char *)(uintptr_t)rows[i].milters;
		pc.value[PC_RECIPIENT_RESTRICTIONS] =
		    (char *)(uintptr_t)rows[i].rcpt;
		pc.value[PC_RELAY_RESTRICTIONS] =
		    (char *)(uintptr_t)rows[i].relay;
		pc.value[PC_RESTRICTION_CLASSES] =
		    (char *)(uintptr_t)rows[i].classes;
		if ((got = postconf_front_end(&pc)) != rows[i].want) {
			printf("row %zu: got %d, want %d\n", i, (int)got,
			    (int)rows[i].want);
			bad++;
		}
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
