/*
 * test_verdict.c: the verdict table (verdict.c) over real maps compiled
 * from YAML by af_load() and compile_map(), and the live map switchboard
 * (mapview.c): reference counts, reload after a compile while an old
 * reference is still in use, missing and corrupt files, a policy file
 * that names another map, a policy file with a damaged page, a policy
 * file written in place (a new LMDB transaction, the same inode), and
 * threads deciding recipients while the map is recompiled under them.
 * Every test works in its own mkdtemp(3) directory, removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "aliasfile.h"
#include "compile.h"
#include "log.h"
#include "mapview.h"
#include "policy.h"
#include "util.h"
#include "verdict.h"

struct fixture {
	char	 dir[64];
	char	 base[128];	/* dir/aliases: the map base path */
	int32_t	 today;		/* the compile day, 2030-06-01 */
};

struct row {
	const char *rcpt;
	int	 null_sender;
	const char *today;	/* NULL: the compile day */
	enum verdict verdict;
	const char *alias;
	const char *domain;
};

#define NTHREADS	8
#define NCOMPILES	20

struct hammer {
	struct mapview	*mv;
	int32_t		 today;
	atomic_int	 stop;
	atomic_long	 verdicts;
	atomic_long	 bad;	/* verdicts other than accept, NULL pairs */
	atomic_long	 newseen;	/* new@ accepted: the second version */
	atomic_long	 newgone;	/* new@ unknown: the first version */
};

static int	setup(void **);
static int	teardown(void **);
static int32_t	day(const char *);
static void	nap_ms(long);
static int	compile_yaml(const char *, const char *, const char *,
		    int32_t);
static const struct mapview_pair *get_after_check(struct mapview *);
static void	expect(const struct mapview_pair *, const char *, int,
		    int32_t, enum verdict, const char *);
static void	*hammer_thread(void *);

/*
 * The first version of the alias file.  example.com splits at '+',
 * example.org does not split; example.net is only a target.
 */
static const char yaml_v1[] =
    "domains:\n"
    "  example.com:\n"
    "    deliver_to: me@example.net\n"
    "    subaddress: \"+\"\n"
    "  example.org:\n"
    "    deliver_to: me@example.net\n"
    "aliases:\n"
    "  irs@example.com:\n"
    "    note: given to my accountant\n"
    "  bestbuy@example.com:\n"
    "    revoked: 2026-11-01\n"
    "    reason: leaked\n"
    "  shop@example.com:\n"
    "    receive_only: true\n"
    "  promo@example.com:\n"
    "    expires: 2030-06-15\n"
    "  oldshop@example.com:\n"
    "    receive_only: true\n"
    "    expires: 2030-01-01\n"
    "  gone@example.com:\n"
    "    receive_only: true\n"
    "    revoked: 2026-02-01\n"
    "  family@example.com:\n"
    "    to: [me@example.net, spouse@example.net]\n"
    "  vip@example.com:\n"
    "    revoked: 2026-01-01\n"
    "  vip+gold@example.com: {}\n"
    "  irs@example.org: {}\n"
    "  a.b@example.org:\n";

/* v1 with irs@example.com revoked and new@example.com added. */
static const char yaml_v2[] =
    "domains:\n"
    "  example.com:\n"
    "    deliver_to: me@example.net\n"
    "    subaddress: \"+\"\n"
    "  example.org:\n"
    "    deliver_to: me@example.net\n"
    "aliases:\n"
    "  irs@example.com:\n"
    "    revoked: 2030-05-30\n"
    "  new@example.com: {}\n"
    "  family@example.com:\n"
    "    to: [me@example.net, spouse@example.net]\n";

/* Two aliases active in both hammer versions, one only in the second. */
static const char yaml_h1[] =
    "domains:\n"
    "  example.com:\n"
    "    deliver_to: me@example.net\n"
    "    subaddress: \"+\"\n"
    "aliases:\n"
    "  irs@example.com: {}\n"
    "  family@example.com: {}\n"
    "  old@example.com: {}\n";
static const char yaml_h2[] =
    "domains:\n"
    "  example.com:\n"
    "    deliver_to: me@example.net\n"
    "    subaddress: \"+-\"\n"
    "aliases:\n"
    "  irs@example.com:\n"
    "    receive_only: true\n"
    "  family@example.com: {}\n"
    "  new@example.com: {}\n";

static const struct row table[] = {
	/* Active aliases, in every spelling of the same address. */
	{ "irs@example.com", 0, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "<irs@example.com>", 0, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "IRS@Example.COM.", 0, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "<IRS@EXAMPLE.COM.>", 1, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "\"irs\"@example.com", 0, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "<\"IRS\"@example.com>", 0, NULL, VERDICT_ACCEPT,
	    "irs@example.com", "example.com" },
	{ "<@relay.example,@b.example:irs@example.com>", 0, NULL,
	    VERDICT_ACCEPT, "irs@example.com", "example.com" },
	{ " <irs@example.com> ", 0, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "family@example.com", 0, NULL, VERDICT_ACCEPT,
	    "family@example.com", "example.com" },
	{ "irs@example.org", 0, NULL, VERDICT_ACCEPT, "irs@example.org",
	    "example.org" },
	{ "A.B@example.org", 0, NULL, VERDICT_ACCEPT, "a.b@example.org",
	    "example.org" },
	/* Subaddresses: split only where the domain has a delimiter. */
	{ "irs+2026@example.com", 0, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "<IRS+Tax@Example.com>", 0, NULL, VERDICT_ACCEPT,
	    "irs@example.com", "example.com" },
	{ "irs+@example.com", 0, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	{ "+irs@example.com", 0, NULL, VERDICT_UNKNOWN, "+irs@example.com",
	    "example.com" },
	{ "irs-2026@example.com", 0, NULL, VERDICT_UNKNOWN,
	    "irs-2026@example.com", "example.com" },
	{ "irs+2026@example.org", 0, NULL, VERDICT_UNKNOWN,
	    "irs+2026@example.org", "example.org" },
	{ "\"irs+x\"@example.com", 0, NULL, VERDICT_ACCEPT,
	    "irs@example.com", "example.com" },
	/* A listed irs+ext@ wins over its revoked base, as in Postfix. */
	{ "vip+gold@example.com", 0, NULL, VERDICT_ACCEPT,
	    "vip+gold@example.com", "example.com" },
	{ "vip+silver@example.com", 0, NULL, VERDICT_REVOKED,
	    "vip@example.com", "example.com" },
	{ "vip@example.com", 0, NULL, VERDICT_REVOKED, "vip@example.com",
	    "example.com" },
	/* Revoked. */
	{ "bestbuy@example.com", 0, NULL, VERDICT_REVOKED,
	    "bestbuy@example.com", "example.com" },
	{ "<BestBuy+promo@example.com>", 0, NULL, VERDICT_REVOKED,
	    "bestbuy@example.com", "example.com" },
	{ "gone@example.com", 1, NULL, VERDICT_REVOKED, "gone@example.com",
	    "example.com" },
	/* Expiry relative to today; expires: is the last valid day. */
	{ "promo@example.com", 0, "2030-06-14", VERDICT_ACCEPT,
	    "promo@example.com", "example.com" },
	{ "promo@example.com", 0, "2030-06-15", VERDICT_ACCEPT,
	    "promo@example.com", "example.com" },
	{ "promo@example.com", 0, "2030-06-16", VERDICT_EXPIRED,
	    "promo@example.com", "example.com" },
	{ "promo+x@example.com", 1, "2031-01-01", VERDICT_EXPIRED,
	    "promo@example.com", "example.com" },
	{ "oldshop@example.com", 0, NULL, VERDICT_EXPIRED,
	    "oldshop@example.com", "example.com" },
	{ "oldshop@example.com", 1, NULL, VERDICT_EXPIRED,
	    "oldshop@example.com", "example.com" },
	/* Receive-only: only a null sender is backscatter. */
	{ "shop@example.com", 0, NULL, VERDICT_ACCEPT, "shop@example.com",
	    "example.com" },
	{ "shop@example.com", 1, NULL, VERDICT_BACKSCATTER,
	    "shop@example.com", "example.com" },
	{ "<Shop+order@example.com>", 1, NULL, VERDICT_BACKSCATTER,
	    "shop@example.com", "example.com" },
	{ "irs@example.com", 1, NULL, VERDICT_ACCEPT, "irs@example.com",
	    "example.com" },
	/* postmaster@ and abuse@ of managed domains only. */
	{ "postmaster@example.com", 0, NULL, VERDICT_POSTMASTER,
	    "postmaster@example.com", "example.com" },
	{ "<POSTMASTER@EXAMPLE.ORG>", 1, NULL, VERDICT_POSTMASTER,
	    "postmaster@example.org", "example.org" },
	{ "\"postmaster\"@example.com", 0, NULL, VERDICT_POSTMASTER,
	    "postmaster@example.com", "example.com" },
	{ "abuse@example.org", 0, NULL, VERDICT_POSTMASTER,
	    "abuse@example.org", "example.org" },
	{ "abuse+spam@example.com", 0, NULL, VERDICT_POSTMASTER,
	    "abuse@example.com", "example.com" },
	{ "abuse+spam@example.org", 0, NULL, VERDICT_UNKNOWN,
	    "abuse+spam@example.org", "example.org" },
	{ "<Postmaster+x@example.com>", 0, NULL, VERDICT_POSTMASTER,
	    "postmaster@example.com", "example.com" },
	{ "postmaster+x@example.org", 0, NULL, VERDICT_UNKNOWN,
	    "postmaster+x@example.org", "example.org" },
	{ "abuse@example.net", 0, NULL, VERDICT_NOT_OURS, "",
	    "example.net" },
	{ "postmasters@example.com", 0, NULL, VERDICT_UNKNOWN,
	    "postmasters@example.com", "example.com" },
	{ "postmaster@example.net", 0, NULL, VERDICT_NOT_OURS, "",
	    "example.net" },
	{ "abuse@sub.example.com", 0, NULL, VERDICT_NOT_OURS, "",
	    "sub.example.com" },
	/* Unknown at managed domains, whatever the local part. */
	{ "nobody@example.com", 0, NULL, VERDICT_UNKNOWN,
	    "nobody@example.com", "example.com" },
	{ "<Nobody+x@Example.COM>", 1, NULL, VERDICT_UNKNOWN,
	    "nobody+x@example.com", "example.com" },
	{ "\"john doe\"@example.com", 0, NULL, VERDICT_UNKNOWN,
	    "\"john doe\"@example.com", "example.com" },
	{ "j\xc3\xb6rg@example.com", 0, NULL, VERDICT_UNKNOWN, "",
	    "example.com" },
	{ "<j\xc3\xb6rg@Example.COM.>", 0, NULL, VERDICT_UNKNOWN, "",
	    "example.com" },
	{ "<@relay.example:j\xc3\xb6rg@example.com>", 0, NULL,
	    VERDICT_UNKNOWN, "", "example.com" },
	{ "a b@example.com", 0, NULL, VERDICT_UNKNOWN, "", "example.com" },
	{ "irs@@example.com", 0, NULL, VERDICT_UNKNOWN, "", "example.com" },
	{ "@example.com", 0, NULL, VERDICT_UNKNOWN, "", "example.com" },
	{ "a\tb@example.com", 0, NULL, VERDICT_UNKNOWN, "", "example.com" },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "@example.com", 0, NULL, VERDICT_UNKNOWN, "", "example.com" },
	/* Not ours: other domains, and garbage with no domain at all. */
	{ "me@example.net", 0, NULL, VERDICT_NOT_OURS, "", "example.net" },
	{ "irs@example.com.evil", 0, NULL, VERDICT_NOT_OURS, "",
	    "example.com.evil" },
	{ "j\xc3\xb6rg@ex\xc3\xa4mple.com", 0, NULL, VERDICT_NOT_OURS, "",
	    "" },
	{ "", 0, NULL, VERDICT_NOT_OURS, "", "" },
	{ "<>", 1, NULL, VERDICT_NOT_OURS, "", "" },
	{ "not an address", 0, NULL, VERDICT_NOT_OURS, "", "" },
	{ "irs@", 0, NULL, VERDICT_NOT_OURS, "", "" },
	{ "<irs@example.com", 0, NULL, VERDICT_UNKNOWN, "", "example.com" },
	{ "irs@[192.0.2.1]", 0, NULL, VERDICT_NOT_OURS, "", "" },
};

static int
setup(void **state)
{
	struct fixture *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_verdict.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->base, sizeof(f->base), "%s/aliases", f->dir);
	f->today = day("2030-06-01");
	*state = f;
	return 0;
}

/* Removes the test directory and whatever the test left in it. */
static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *d;
	char	 p[512];
	DIR	*dp;

	if ((dp = opendir(f->dir)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", f->dir, d->d_name);
			unlink(p);
		}
		closedir(dp);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static int32_t
day(const char *s)
{
	int32_t	 d;

	assert_int_equal(date_parse(s, strlen(s), &d), 0);
	return d;
}

static void
nap_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Writes text to BASE.yaml, loads it and compiles it to base as of day
 * today.  Returns 0, or -1 after printing why.
 */
static int
compile_yaml(const char *base, const char *text, const char *name,
    int32_t today)
{
	struct aliasfile *af = NULL;
	struct policy_counts counts;
	struct af_diag diag;
	struct errbuf e;
	char	 path[256];
	FILE	*fp;
	size_t	 i;
	int	 rc = -1;

	snprintf(path, sizeof(path), "%s.%s.yaml", base, name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(text, 1, strlen(text), fp) != strlen(text) ||
	    fclose(fp) != 0) {
		print_error("%s: %s\n", path, strerror(errno));
		return -1;
	}
	af_diag_init(&diag);
	if (af_load(path, &af, &diag) == -1) {
		for (i = 0; i < diag.nmsgs; i++)
			print_error("%s\n", diag.msgs[i]);
		goto fail;
	}
	if (compile_map(af, base, today, &counts, &e) != 0) {
		print_error("compile_map: %s\n", e.msg);
		goto fail;
	}
	rc = 0;
fail:
	af_free(af);
	af_diag_free(&diag);
	unlink(path);
	return rc;
}

/* mapview_get() once the next stat(2) is due. */
static const struct mapview_pair *
get_after_check(struct mapview *mv)
{
	nap_ms(MAPVIEW_CHECK_MS + 30);
	return mapview_get(mv);
}

static void
expect(const struct mapview_pair *pair, const char *rcpt, int null_sender,
    int32_t today, enum verdict v, const char *alias)
{
	struct verdict_result r;

	verdict_rcpt(pair, rcpt, null_sender ? "<>" : "<sender@example.net>",
	    today, &r);
	if (r.verdict != v || strcmp(r.alias, alias) != 0) {
		print_error("%s: got %s \"%s\", expected %s \"%s\"\n", rcpt,
		    verdict_name(r.verdict), r.alias, verdict_name(v), alias);
		fail();
	}
}

static void
test_verdict_table(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *pair;
	const struct row *t;
	struct verdict_result r;
	struct mapview *mv;
	size_t	 i, nbad = 0;

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_non_null(mv = mapview_new(f->base));
	assert_non_null(pair = mapview_get(mv));
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		t = &table[i];
		memset(&r, 'x', sizeof(r));
		verdict_rcpt(pair, t->rcpt,
		    t->null_sender ? "<>" : "<sender@example.net>",
		    t->today == NULL ? f->today : day(t->today), &r);
		if (r.verdict != t->verdict || strcmp(r.alias, t->alias) != 0 ||
		    strcmp(r.domain, t->domain) != 0) {
			print_error("row %zu \"%s\"%s: got %s \"%s\" \"%s\", "
			    "expected %s \"%s\" \"%s\"\n", i, t->rcpt,
			    t->null_sender ? " (null sender)" : "",
			    verdict_name(r.verdict), r.alias, r.domain,
			    verdict_name(t->verdict), t->alias, t->domain);
			nbad++;
		}
	}
	mapview_put(mv, pair);
	mapview_free(mv);
	assert_int_equal(nbad, 0);
}

/* Without a map every recipient is tempfail; the caller narrows it. */
static void
test_verdict_no_map(void **state)
{
	struct verdict_result r;

	(void)state;
	verdict_rcpt(NULL, "<IRS@Example.COM>", "a@example.net", 0, &r);
	assert_int_equal(r.verdict, VERDICT_TEMPFAIL);
	assert_string_equal(r.domain, "example.com");
	assert_string_equal(r.alias, "");
	verdict_rcpt(NULL, "j\xc3\xb6rg@example.org.", NULL, 0, &r);
	assert_int_equal(r.verdict, VERDICT_TEMPFAIL);
	assert_string_equal(r.domain, "example.org");
	verdict_rcpt(NULL, "garbage", "<>", 0, &r);
	assert_int_equal(r.verdict, VERDICT_TEMPFAIL);
	assert_string_equal(r.domain, "");
}

/*
 * The rule of a lock, verdict_sender_listed(): domains match themselves
 * and their subdomains at a label boundary, addresses match whole; the
 * sender is normalised first.
 */
/* The domain sender evidence records, from MAIL FROM as given. */
static void
test_sender_domain(void **state)
{
	char	 buf[256];

	(void)state;
	assert_string_equal(verdict_sender_domain("<>", buf), "<>");
	assert_string_equal(verdict_sender_domain("", buf), "<>");
	assert_string_equal(verdict_sender_domain("<News@Mail.BestBuy.COM.>",
	    buf), "mail.bestbuy.com");
	assert_string_equal(verdict_sender_domain(
	    "<@relay.example:alerts@bank.example>", buf), "bank.example");
	assert_string_equal(verdict_sender_domain("<nodomain>", buf), "");
	assert_string_equal(verdict_sender_domain("<a@-bad-.example>", buf),
	    "");
}

static void
test_sender_listed(void **state)
{
	static const char list[] =
	    "bestbuy.com alerts@bank.example \"a..b\"@quoted.example";
	static const struct {
		const char *sender;
		int	 listed;
	} t[] = {
		{ "bestbuy.com@x.example", 0 },	/* the domain is what counts */
		{ "orders@bestbuy.com", 1 },
		{ "<orders@bestbuy.com>", 1 },
		{ " <orders@bestbuy.com> ", 1 },
		{ "orders@mail.bestbuy.com", 1 },	/* subdomains */
		{ "orders@a.b.mail.bestbuy.com", 1 },
		{ "orders@BestBuy.COM", 1 },		/* case */
		{ "ORDERS@MAIL.BESTBUY.COM", 1 },
		{ "orders@bestbuy.com.", 1 },		/* trailing dot */
		{ "<@relay.example:orders@bestbuy.com>", 1 },	/* route */
		{ "<@a.example,@b.example:orders@mail.bestbuy.com>", 1 },
		{ "orders@notbestbuy.com", 0 },		/* look-alikes */
		{ "orders@evilbestbuy.com", 0 },
		{ "orders@bestbuy.com.evil.example", 0 },
		{ "orders@bestbuy.co", 0 },
		{ "orders@estbuy.com", 0 },
		{ "orders@bestbuy-com.example", 0 },
		{ "orders@.bestbuy.com", 0 },		/* not an address */
		{ "orders@bestbuy.com..", 0 },
		{ "alerts@bank.example", 1 },		/* addresses: exact */
		{ "<Alerts@Bank.Example.>", 1 },
		{ "\"alerts\"@bank.example", 1 },	/* needless quotes */
		{ "other@bank.example", 0 },
		{ "alerts@mail.bank.example", 0 },	/* not a domain entry */
		{ "alerts+x@bank.example", 0 },		/* not split */
		{ "alert@bank.example", 0 },
		{ "xalerts@bank.example", 0 },
		{ "\"a..b\"@quoted.example", 1 },
		{ "\"A..B\"@Quoted.Example", 1 },
		{ "a..b@quoted.example", 0 },		/* not an address */
		{ "bestbuy.com", 0 },			/* no local part */
		{ "@bestbuy.com", 0 },
		{ "j\xc3\xb6rg@bestbuy.com", 0 },	/* non-ASCII */
		{ "orders@bestbuy.com\r\n", 0 },
		{ "<orders@bestbuy.com", 0 },
		{ "", 0 },
	};
	size_t	 i, nbad = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (verdict_sender_listed(list, strlen(list), t[i].sender) !=
		    t[i].listed) {
			print_error("\"%s\": expected %d\n", t[i].sender,
			    t[i].listed);
			nbad++;
		}
	/* A list of one entry; the top-level domain alone. */
	if (!verdict_sender_listed("com", 3, "x@bestbuy.com") ||
	    verdict_sender_listed("com", 3, "x@bestbuy.org") ||
	    verdict_sender_listed("x.example", 9, "a@xx.example"))
		nbad++;
	assert_int_equal(nbad, 0);
	assert_false(verdict_sender_null(NULL));
	assert_true(verdict_sender_null(""));
	assert_true(verdict_sender_null("<>"));
	assert_true(verdict_sender_null(" < > "));
	assert_false(verdict_sender_null("<a@b.example>"));
}

/* Locks over a compiled map: the verdict table's "senders:" row. */
static void
test_verdict_locks(void **state)
{
	static const char yaml[] =
	    "domains:\n"
	    "  example.com:\n"
	    "    deliver_to: me@example.net\n"
	    "    subaddress: \"+\"\n"
	    "aliases:\n"
	    "  electronics@example.com:\n"
	    "    senders: [bestbuy.com, alerts@bank.example]\n"
	    "  shop@example.com:\n"
	    "    receive_only: true\n"
	    "    senders: [shop.example]\n"
	    "  gone@example.com:\n"
	    "    revoked: 2026-01-01\n"
	    "    senders: [bestbuy.com]\n"
	    "  promo@example.com:\n"
	    "    expires: 2030-01-01\n"
	    "    senders: [bestbuy.com]\n"
	    "  open@example.com: {}\n";
	static const struct {
		const char *rcpt;
		const char *sender;	/* NULL: the lookup daemon's */
		enum verdict verdict;
	} t[] = {
		{ "electronics@example.com", "<orders@bestbuy.com>",
		    VERDICT_ACCEPT },
		{ "electronics@example.com", "orders@mail.bestbuy.com",
		    VERDICT_ACCEPT },
		{ "Electronics+tv@Example.com", "alerts@BANK.example",
		    VERDICT_ACCEPT },
		{ "electronics@example.com", "<spam@evilbestbuy.com>",
		    VERDICT_LOCKED },
		{ "electronics+x@example.com", "spam@bestbuy.com.evil.example",
		    VERDICT_LOCKED },
		{ "electronics@example.com", "other@bank.example",
		    VERDICT_LOCKED },
		{ "electronics@example.com", "not an address",
		    VERDICT_LOCKED },
		/* The null sender: receive_only's business, never a lock's. */
		{ "electronics@example.com", "<>", VERDICT_ACCEPT },
		{ "electronics@example.com", "", VERDICT_ACCEPT },
		{ "shop@example.com", "<>", VERDICT_BACKSCATTER },
		{ "shop@example.com", "a@shop.example", VERDICT_ACCEPT },
		{ "shop@example.com", "a@other.example", VERDICT_LOCKED },
		/* The lookup daemon does not know the sender. */
		{ "electronics@example.com", NULL, VERDICT_ACCEPT },
		{ "shop@example.com", NULL, VERDICT_ACCEPT },
		/* Revoked and expired win over a lock. */
		{ "gone@example.com", "a@bestbuy.com", VERDICT_REVOKED },
		{ "gone@example.com", "a@other.example", VERDICT_REVOKED },
		{ "promo@example.com", "a@other.example", VERDICT_EXPIRED },
		{ "open@example.com", "a@other.example", VERDICT_ACCEPT },
		{ "nobody@example.com", "a@bestbuy.com", VERDICT_UNKNOWN },
	};
	struct fixture *f = *state;
	const struct mapview_pair *pair;
	struct verdict_result r;
	struct mapview *mv;
	size_t	 i, nbad = 0;

	assert_int_equal(compile_yaml(f->base, yaml, "locks", f->today), 0);
	assert_non_null(mv = mapview_new(f->base));
	assert_non_null(pair = mapview_get(mv));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		verdict_rcpt(pair, t[i].rcpt, t[i].sender, f->today, &r);
		if (r.verdict != t[i].verdict) {
			print_error("%s from %s: got %s, expected %s\n",
			    t[i].rcpt, t[i].sender ? t[i].sender : "(unknown)",
			    verdict_name(r.verdict),
			    verdict_name(t[i].verdict));
			nbad++;
		}
	}
	verdict_rcpt(pair, "electronics+tv@example.com", "x@other.example",
	    f->today, &r);
	assert_string_equal(r.alias, "electronics@example.com");
	mapview_put(mv, pair);
	mapview_free(mv);
	assert_int_equal(nbad, 0);
}

static void
test_verdict_names(void **state)
{
	static const struct {
		enum verdict v;
		const char *name;
		int	 refuses;
	} names[] = {
		{ VERDICT_NOT_OURS, "not-ours", 0 },
		{ VERDICT_ACCEPT, "accept", 0 },
		{ VERDICT_POSTMASTER, "postmaster", 0 },
		{ VERDICT_BACKSCATTER, "backscatter", 1 },
		{ VERDICT_LOCKED, "locked", 1 },
		{ VERDICT_REVOKED, "revoked", 1 },
		{ VERDICT_EXPIRED, "expired", 1 },
		{ VERDICT_UNKNOWN, "unknown", 1 },
		{ VERDICT_TEMPFAIL, "tempfail", 0 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_string_equal(verdict_name(names[i].v), names[i].name);
		assert_int_equal(verdict_refuses(names[i].v) != 0,
		    names[i].refuses);
	}
}

/* No files yet: NULL, and nothing known about any domain. */
static void
test_mapview_get_put(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p1, *p2;
	struct mapview *mv;

	assert_non_null(mv = mapview_new(f->base));
	assert_null(mapview_get(mv));
	assert_null(mapview_get(mv));
	assert_int_equal(mapview_was_managed(mv, "example.com"), -1);
	mapview_put(mv, NULL);

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_non_null(p1 = get_after_check(mv));
	assert_non_null(p2 = mapview_get(mv));
	assert_ptr_equal(p1, p2);
	assert_non_null(p1->map);
	assert_non_null(p1->policy);
	assert_int_equal(mapview_was_managed(mv, "example.com"), 1);
	assert_int_equal(mapview_was_managed(mv, "example.org"), 1);
	assert_int_equal(mapview_was_managed(mv, "example.net"), 0);
	mapview_put(mv, p1);
	expect(p2, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	mapview_put(mv, p2);

	/* Unchanged files: the same pair, not a reopened one. */
	assert_non_null(p2 = get_after_check(mv));
	assert_ptr_equal(p1, p2);
	mapview_put(mv, p2);
	mapview_free(mv);
	mapview_free(NULL);
}

/*
 * A compile while a reference is held: the next check serves the new
 * pair, and the old reference still reads the old data.
 */
static void
test_mapview_recompile(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p1, *p2, *p3;
	struct mapview *mv;

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_non_null(mv = mapview_new(f->base));
	assert_non_null(p1 = mapview_get(mv));
	expect(p1, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	expect(p1, "new@example.com", 0, f->today, VERDICT_UNKNOWN,
	    "new@example.com");

	assert_int_equal(compile_yaml(f->base, yaml_v2, "v2", f->today), 0);
	assert_non_null(p2 = get_after_check(mv));
	assert_ptr_not_equal(p1, p2);
	expect(p2, "irs@example.com", 0, f->today, VERDICT_REVOKED,
	    "irs@example.com");
	expect(p2, "new+x@example.com", 0, f->today, VERDICT_ACCEPT,
	    "new@example.com");
	expect(p2, "shop@example.com", 1, f->today, VERDICT_UNKNOWN,
	    "shop@example.com");
	/* The old pair's files are unlinked but still open and whole. */
	expect(p1, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	expect(p1, "new@example.com", 0, f->today, VERDICT_UNKNOWN,
	    "new@example.com");
	expect(p1, "shop@example.com", 1, f->today, VERDICT_BACKSCATTER,
	    "shop@example.com");
	mapview_put(mv, p1);

	/* Once more, with the previous pair already released. */
	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_non_null(p3 = get_after_check(mv));
	expect(p3, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	expect(p2, "irs@example.com", 0, f->today, VERDICT_REVOKED,
	    "irs@example.com");
	mapview_put(mv, p3);
	mapview_put(mv, p2);
	mapview_free(mv);
}

/*
 * Missing or corrupt files: NULL, while the domains of the last good
 * map are still known; then back to normal after a compile.
 */
static void
test_mapview_missing(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p1, *p2;
	struct mapview *mv;
	char	 mpath[256], ppath[256], tmp[300];
	FILE	*fp;

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_int_equal(path_suffix(mpath, sizeof(mpath), f->base,
	    COMPILE_SUFFIX_MAP), 0);
	assert_int_equal(path_suffix(ppath, sizeof(ppath), f->base,
	    COMPILE_SUFFIX_POLICY), 0);
	assert_non_null(mv = mapview_new(f->base));
	assert_non_null(p1 = mapview_get(mv));

	/* Only the map goes: that is enough to stop serving. */
	assert_int_equal(unlink(mpath), 0);
	assert_null(get_after_check(mv));
	assert_null(mapview_get(mv));
	assert_int_equal(mapview_was_managed(mv, "example.com"), 1);
	assert_int_equal(mapview_was_managed(mv, "example.org"), 1);
	assert_int_equal(mapview_was_managed(mv, "example.net"), 0);
	assert_int_equal(mapview_was_managed(mv, ""), 0);
	/* A reference taken before still works. */
	expect(p1, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	mapview_put(mv, p1);
	assert_int_equal(unlink(ppath), 0);
	assert_null(get_after_check(mv));
	assert_int_equal(mapview_was_managed(mv, "example.com"), 1);

	/* Back after a compile. */
	assert_int_equal(compile_yaml(f->base, yaml_v2, "v2", f->today), 0);
	assert_non_null(p2 = get_after_check(mv));
	expect(p2, "new@example.com", 0, f->today, VERDICT_ACCEPT,
	    "new@example.com");
	mapview_put(mv, p2);

	/* A corrupt map renamed into place: NULL, domains still known. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", mpath);
	assert_non_null(fp = fopen(tmp, "w"));
	assert_true(fputs("this is not an LMDB file\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(rename(tmp, mpath), 0);
	assert_null(get_after_check(mv));
	assert_int_equal(mapview_was_managed(mv, "example.org"), 1);
	/* An empty one too. */
	assert_non_null(fp = fopen(tmp, "w"));
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(rename(tmp, mpath), 0);
	assert_null(get_after_check(mv));

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_non_null(p2 = get_after_check(mv));
	expect(p2, "shop@example.com", 1, f->today, VERDICT_BACKSCATTER,
	    "shop@example.com");
	mapview_put(mv, p2);
	mapview_free(mv);
}

/* verdict_decide() of rcpt with no pair: the missing-map rule alone. */
static void
expect_decide(struct mapview *mv, const char *rcpt, enum verdict v)
{
	struct verdict_result r;

	verdict_decide(mv, NULL, rcpt, "<>", 0, &r, NULL);
	if (r.verdict != v) {
		print_error("%s: got %s, expected %s\n", rcpt,
		    verdict_name(r.verdict), verdict_name(v));
		fail();
	}
}

/*
 * What a missing map means, decided in one place for both daemons:
 * 451 for every recipient while no map was ever read; once one was,
 * 451 only at the domains it managed, the others are not ours.
 */
static void
test_verdict_decide_missing(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p;
	struct verdict_result r;
	struct mapview *mv;
	char	 mpath[256];

	assert_non_null(mv = mapview_new(f->base));
	assert_null(mapview_get(mv));
	expect_decide(mv, "irs@example.com", VERDICT_TEMPFAIL);
	expect_decide(mv, "x@example.net", VERDICT_TEMPFAIL);
	expect_decide(mv, "garbage", VERDICT_TEMPFAIL);

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_non_null(p = get_after_check(mv));
	verdict_decide(mv, p, "irs@example.com", "a@example.net", f->today,
	    &r, NULL);
	assert_int_equal(r.verdict, VERDICT_ACCEPT);
	verdict_decide(mv, p, "x@example.net", "a@example.net", f->today, &r,
	    NULL);
	assert_int_equal(r.verdict, VERDICT_NOT_OURS);
	mapview_put(mv, p);

	assert_int_equal(path_suffix(mpath, sizeof(mpath), f->base,
	    COMPILE_SUFFIX_MAP), 0);
	assert_int_equal(unlink(mpath), 0);
	assert_null(get_after_check(mv));
	expect_decide(mv, "irs@example.com", VERDICT_TEMPFAIL);
	expect_decide(mv, "nobody@example.org", VERDICT_TEMPFAIL);
	expect_decide(mv, "x@example.net", VERDICT_NOT_OURS);
	expect_decide(mv, "garbage", VERDICT_NOT_OURS);
	assert_int_equal(verdict_missing_map(mv, "example.com"), 1);
	assert_int_equal(verdict_missing_map(mv, "example.net"), 0);
	mapview_free(mv);
}

/*
 * A policy file that names another map than the one beside it, as a
 * compile leaves it between its two renames (or a compile that failed
 * after the first): not used until the grace period has passed.
 */
static void
test_mapview_mismatch(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p1, *p2;
	struct mapview *mv;
	char	 other[160], ppath[256], opath[256];
	long long t0, waited;

	snprintf(other, sizeof(other), "%s/other", f->dir);
	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_int_equal(compile_yaml(other, yaml_v2, "v2", f->today), 0);
	assert_int_equal(path_suffix(ppath, sizeof(ppath), f->base,
	    COMPILE_SUFFIX_POLICY), 0);
	assert_int_equal(path_suffix(opath, sizeof(opath), other,
	    COMPILE_SUFFIX_POLICY), 0);

	assert_non_null(mv = mapview_new(f->base));
	mapview_set_grace(mv, 600);
	assert_non_null(p1 = mapview_get(mv));

	/* v2's policy (naming other.lmdb) beside v1's map. */
	assert_int_equal(rename(opath, ppath), 0);
	t0 = now_ms();
	for (;;) {
		assert_non_null(p2 = get_after_check(mv));
		if (p2 != p1)
			break;
		expect(p2, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
		    "irs@example.com");
		mapview_put(mv, p2);
		assert_true(now_ms() - t0 < 5000);
	}
	waited = now_ms() - t0;
	print_message("mismatched pair used after %lld ms\n", waited);
	assert_true(waited >= 600);
	/* v2's policy revokes irs@; v1's map still has it. */
	expect(p2, "irs@example.com", 0, f->today, VERDICT_REVOKED,
	    "irs@example.com");
	expect(p2, "family@example.com", 0, f->today, VERDICT_ACCEPT,
	    "family@example.com");
	mapview_put(mv, p2);
	mapview_put(mv, p1);
	mapview_free(mv);

	/* At startup there is nothing older to serve meanwhile: NULL. */
	assert_non_null(mv = mapview_new(f->base));
	mapview_set_grace(mv, 400);
	t0 = now_ms();
	assert_null(mapview_get(mv));
	while ((p2 = get_after_check(mv)) == NULL)
		assert_true(now_ms() - t0 < 5000);
	assert_true(now_ms() - t0 >= 400);
	expect(p2, "irs@example.com", 0, f->today, VERDICT_REVOKED,
	    "irs@example.com");
	mapview_put(mv, p2);

	/* A matching compile is taken at once. */
	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_non_null(p1 = get_after_check(mv));
	expect(p1, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	mapview_put(mv, p1);
	mapview_free(mv);
}

static void *
hammer_thread(void *arg)
{
	static const char *const rcpts[] = {
		"irs@example.com", "<IRS+2026@Example.COM>",
		"family@example.com", "\"family\"@example.com",
	};
	struct hammer *h = arg;
	const struct mapview_pair *pair;
	struct verdict_result r;
	unsigned i = 0;

	while (!atomic_load(&h->stop)) {
		if ((pair = mapview_get(h->mv)) == NULL) {
			atomic_fetch_add(&h->bad, 1);
			continue;
		}
		verdict_rcpt(pair, rcpts[i++ % 4], "a@example.net", h->today,
		    &r);
		if (r.verdict != VERDICT_ACCEPT)
			atomic_fetch_add(&h->bad, 1);
		/* Present in one version only: either answer, no other. */
		verdict_rcpt(pair, "new@example.com", "a@example.net", h->today,
		    &r);
		if (r.verdict == VERDICT_ACCEPT)
			atomic_fetch_add(&h->newseen, 1);
		else if (r.verdict == VERDICT_UNKNOWN)
			atomic_fetch_add(&h->newgone, 1);
		else
			atomic_fetch_add(&h->bad, 1);
		mapview_put(h->mv, pair);
		atomic_fetch_add(&h->verdicts, 2);
	}
	return NULL;
}

/* Threads deciding recipients while the map is recompiled under them. */
static void
test_mapview_threads(void **state)
{
	struct fixture *f = *state;
	struct hammer h;
	pthread_t t[NTHREADS];
	int	 i;

	memset(&h, 0, sizeof(h));
	h.today = f->today;
	assert_int_equal(compile_yaml(f->base, yaml_h1, "h1", f->today), 0);
	assert_non_null(h.mv = mapview_new(f->base));
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer_thread,
		    &h), 0);
	for (i = 0; i < NCOMPILES; i++) {
		nap_ms(i % 3 == 0 ? MAPVIEW_CHECK_MS + 20 : 30);
		assert_int_equal(compile_yaml(f->base,
		    i % 2 == 0 ? yaml_h2 : yaml_h1, "h", f->today), 0);
	}
	nap_ms(MAPVIEW_CHECK_MS + 20);
	atomic_store(&h.stop, 1);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	print_message("%ld verdicts, %ld wrong\n", atomic_load(&h.verdicts),
	    atomic_load(&h.bad));
	assert_int_equal(atomic_load(&h.bad), 0);
	/* Both versions were served while the threads ran. */
	assert_true(atomic_load(&h.newseen) > 0);
	assert_true(atomic_load(&h.newgone) > 0);
	mapview_free(h.mv);
}

/*
 * The policy file written in place, as an in-place writer (postmap's
 * way: the same inode, one more LMDB transaction) would: the daemons
 * hold its records in memory, so the checker must see the file change
 * and load the pair again; a pair already handed out keeps the records
 * it was loaded with.
 */
static void
test_mapview_policy_in_place(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p1, *p2;
	struct policy_alias pa;
	struct mapview *mv;
	struct stat st1, st2;
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	 dbi;
	MDB_val	 k, v;
	char	 path[256], rec[POLICY_RECORD_MAX];

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_int_equal(path_suffix(path, sizeof(path), f->base,
	    COMPILE_SUFFIX_POLICY), 0);
	assert_non_null(mv = mapview_new(f->base));
	assert_non_null(p1 = mapview_get(mv));
	expect(p1, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");

	memset(&pa, 0, sizeof(pa));
	pa.flags = POLICY_REVOKED;
	pa.created = pa.expires = DATE_NONE;
	pa.revoked = f->today;
	snprintf(pa.reason, sizeof(pa.reason), "written in place");
	assert_int_equal(policy_format_alias(&pa, rec, sizeof(rec)), 0);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK,
	    0644), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	k.mv_data = (void *)(uintptr_t)"irs@example.com";
	k.mv_size = sizeof("irs@example.com");
	v.mv_data = rec;
	v.mv_size = strlen(rec) + 1;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(stat(path, &st2), 0);
	assert_true(st1.st_ino == st2.st_ino);

	assert_non_null(p2 = get_after_check(mv));
	assert_ptr_not_equal(p1, p2);
	expect(p2, "irs@example.com", 0, f->today, VERDICT_REVOKED,
	    "irs@example.com");
	expect(p2, "family@example.com", 0, f->today, VERDICT_ACCEPT,
	    "family@example.com");
	expect(p1, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	mapview_put(mv, p1);
	mapview_put(mv, p2);
	mapview_free(mv);
}

/*
 * A policy file with one page zeroed (each data page in turn), published
 * with its map: the daemon must not die (the pair's records are read by
 * a cursor walk, and LMDB aborts on a damaged page in mdb_cursor_next()
 * unless amap_walk() catches it).  A file that cannot be read whole is
 * not loaded: every revoked alias is then refused as revoked (a page
 * the walk never needed) or 451, never accepted; a managed domain stays
 * managed.
 */
/*
 * The held policy file truncated in place (": > file", or cp over it,
 * which truncates first): the checker must notice without reading the
 * mapped file (that would be SIGBUS, which kills the daemon), and
 * refuse with 451 until a whole file is back in the same inode.
 */
static void
test_mapview_policy_truncated_in_place(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p;
	struct verdict_result r;
	struct mapview *mv;
	struct stat st;
	char	 path[256];
	char	*buf;
	int	 fd;

	assert_int_equal(compile_yaml(f->base, yaml_v1, "v1", f->today), 0);
	assert_int_equal(path_suffix(path, sizeof(path), f->base,
	    COMPILE_SUFFIX_POLICY), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_non_null(buf = malloc((size_t)st.st_size));
	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	assert_int_equal(close(fd), 0);
	assert_non_null(mv = mapview_new(f->base));
	assert_non_null(p = mapview_get(mv));
	expect(p, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	mapview_put(mv, p);

	assert_int_equal(truncate(path, 0), 0);
	p = get_after_check(mv);
	verdict_rcpt(p, "irs@example.com", "a@example.net", f->today, &r);
	assert_int_equal(r.verdict, VERDICT_TEMPFAIL);
	mapview_put(mv, p);

	/* The whole file back, written into the same inode. */
	assert_true((fd = open(path, O_WRONLY)) != -1);
	assert_int_equal(write(fd, buf, (size_t)st.st_size), st.st_size);
	assert_int_equal(close(fd), 0);
	assert_non_null(p = get_after_check(mv));
	expect(p, "irs@example.com", 0, f->today, VERDICT_ACCEPT,
	    "irs@example.com");
	mapview_put(mv, p);

	free(buf);
	mapview_free(mv);
}

static void
test_mapview_policy_page_zeroed(void **state)
{
	struct fixture *f = *state;
	const struct mapview_pair *p;
	struct mapview *mv;
	struct verdict_result r;
	struct stat st;
	char	 other[160], op[256], om[256], pp[256], mp[256], key[64];
	char	*yaml, zero[4096];
	size_t	 len = 0, cap = 100000;
	long	 pg, npages;
	int	 i, fd, loaded = 0, tempfails = 0, revoked = 0;

	assert_non_null(yaml = malloc(cap));
	len += (size_t)snprintf(yaml + len, cap - len, "%s",
	    "domains:\n  example.com:\n    deliver_to: me@example.net\n"
	    "aliases:\n  irs@example.com: {}\n");
	for (i = 0; i < 600; i++)
		len += (size_t)snprintf(yaml + len, cap - len,
		    "  r%04d@example.com:\n    revoked: 2026-01-01\n"
		    "    reason: leaked to a list of %d\n", i, i);
	memset(zero, 0, sizeof(zero));
	snprintf(other, sizeof(other), "%s/other", f->dir);
	assert_int_equal(path_suffix(op, sizeof(op), other,
	    COMPILE_SUFFIX_POLICY), 0);
	assert_int_equal(path_suffix(om, sizeof(om), other,
	    COMPILE_SUFFIX_MAP), 0);
	assert_int_equal(path_suffix(pp, sizeof(pp), f->base,
	    COMPILE_SUFFIX_POLICY), 0);
	assert_int_equal(path_suffix(mp, sizeof(mp), f->base,
	    COMPILE_SUFFIX_MAP), 0);
	assert_int_equal(compile_yaml(other, yaml, "p", f->today), 0);
	assert_int_equal(stat(op, &st), 0);
	npages = (long)(st.st_size / 4096);
	assert_true(npages > 6);
	for (pg = 2; pg < npages; pg++) {
		/* A fresh pair nobody has open; the policy names its map. */
		assert_int_equal(compile_yaml(other, yaml, "p", f->today), 0);
		assert_true((fd = open(op, O_WRONLY)) != -1);
		assert_int_equal(pwrite(fd, zero, sizeof(zero),
		    (off_t)pg * 4096), sizeof(zero));
		assert_int_equal(close(fd), 0);
		assert_int_equal(rename(op, pp), 0);
		assert_int_equal(rename(om, mp), 0);
		assert_non_null(mv = mapview_new(f->base));
		if ((p = mapview_get(mv)) != NULL)
			loaded++;
		for (i = 0; i < 600; i += 7) {
			snprintf(key, sizeof(key), "r%04d@example.com", i);
			verdict_rcpt(p, key, "a@example.net", f->today, &r);
			if (r.verdict == VERDICT_TEMPFAIL)
				tempfails++;
			else if (r.verdict == VERDICT_REVOKED)
				revoked++;
			else
				fail_msg("page %ld: %s: %s", pg, key,
				    verdict_name(r.verdict));
		}
		assert_int_equal(mapview_was_managed(mv, "example.com"),
		    p != NULL ? 1 : -1);
		mapview_put(mv, p);
		mapview_free(mv);
	}
	print_message("%ld pages zeroed in turn: %d loaded, %d revoked, "
	    "%d tempfail\n", npages - 2, loaded, revoked, tempfails);
	free(yaml);
	/* The damage was met, and refused the pair whole. */
	assert_true(tempfails > 0);
	assert_int_equal(tempfails + revoked, (npages - 2) * ((600 + 6) / 7));
	assert_true(loaded < npages - 2);
}

/*
 * Every refusal's reply: a 5xx or 4xx code whose enhanced code starts
 * with the same digit (Postfix and libmilter insist), the texts each
 * front end sends, and revoked and expired alike to unknown.
 */
static void
test_verdict_replies(void **state)
{
	static const struct {
		enum verdict v;
		const char *reply;
	} want[] = {
		{ VERDICT_UNKNOWN, "550 5.1.1 User unknown" },
		{ VERDICT_REVOKED, "550 5.1.1 User unknown" },
		{ VERDICT_EXPIRED, "550 5.1.1 User unknown" },
		{ VERDICT_BACKSCATTER, "550 5.7.1 this address sends no mail, "
		  "so it accepts no bounces" },
		{ VERDICT_LOCKED, "550 5.7.1 this address accepts mail only "
		  "from its correspondents" },
		{ VERDICT_TEMPFAIL, "451 4.3.0 alias map unavailable, try "
		  "again later" },
	};
	const struct verdict_reply *r;
	char	 buf[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		r = verdict_reply(want[i].v);
		snprintf(buf, sizeof(buf), "%s %s %s", r->rcode, r->xcode,
		    r->text);
		assert_string_equal(buf, want[i].reply);
		assert_int_equal(r->rcode[0], r->xcode[0]);
		assert_true(want[i].v == VERDICT_TEMPFAIL ||
		    verdict_refuses(want[i].v));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verdict_table,
		    setup, teardown),
		cmocka_unit_test(test_verdict_no_map),
		cmocka_unit_test(test_sender_domain),
		cmocka_unit_test(test_sender_listed),
		cmocka_unit_test_setup_teardown(test_verdict_locks,
		    setup, teardown),
		cmocka_unit_test(test_verdict_names),
		cmocka_unit_test(test_verdict_replies),
		cmocka_unit_test_setup_teardown(test_mapview_get_put,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapview_recompile,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapview_missing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdict_decide_missing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapview_mismatch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapview_threads,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapview_policy_in_place,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapview_policy_truncated_in_place,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapview_policy_page_zeroed,
		    setup, teardown),
	};

	log_init("test_verdict", LOG_TO_STDERR, 0);
	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
