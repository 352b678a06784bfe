/*
 * stats_senders.c: the sender evidence of the stats family (stats.h):
 * who writes to each alias, the "senders" table.
 *
 * Sender evidence.  stats_hit_from() also counts an alias's hit under
 * the pair (alias, sender domain), so that the owner can see who writes
 * to an alias and who leaked it.  Only aliases get evidence: never an
 * unknown recipient, nor a key the aliases table counts as "(other)".
 * The domain is what verdict_sender_domain() makes of MAIL FROM: the
 * normalised domain, "<>" for the null sender (bounces are evidence
 * too: someone uses the address as a sender), or none for a sender
 * without a usable domain, counted as the alias's "(other)".  The
 * pairs are bounded twice.  In memory, a flush interval holds at most
 * STATS_SENDERS_INTERVAL_MAX (10,000) distinct pairs; once it is full,
 * the hits of a new pair are counted under "ALIAS (other)" (one per
 * alias, so bounded by the map).  In the file, an alias keeps at most
 * STATS_SENDERS_MAX (64) domains: what is kept is each domain that got
 * a row while the alias had fewer (the first 64 the flusher wrote, in
 * the order it wrote them), and that row keeps counting for ever; the
 * hits of every other domain are added to the one row "ALIAS (other)",
 * which keeps its counts by kind and its first and last seen but not
 * the domains' names.  The flusher counts the alias's rows with a
 * cursor over the keys "ALIAS " (at most 65 steps) before it gives a
 * domain a new row.
 *
 * The table's key is "ALIAS DOMAIN": the alias, one blank, the domain
 * ("<>", "(other)"); its value the record of "aliases" (stats_rec.h),
 * the counts of one alias's hits from one sender domain.  A domain
 * never holds a blank, so the last blank splits the key, and the keys
 * of one alias are the range that starts with "ALIAS " (no other
 * alias's key starts so: an alias's domain holds no blank).  A file
 * from before sender evidence has no such table: its readers see no
 * evidence, and the flusher creates the table.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_priv.h"
#include "util.h"

size_t
stats_sender_pair(char *pair, const char *key, size_t klen,
    const char *domain)
{
	size_t	 dlen;

	/*
	 * Evidence is per alias: none for unknown recipients, nor for a
	 * key the aliases table counts as "(other)".  A domain we cannot
	 * keep (none, or too long for the key) is the alias's "(other)".
	 */
	if (klen == 0 || klen > STATS_KEY_MAX)
		return 0;
	dlen = strlen(domain);
	if (dlen == 0 || strchr(domain, ' ') != NULL ||
	    klen + 1 + dlen > STATS_SENDER_KEY_MAX) {
		domain = STATS_OTHER;
		dlen = sizeof(STATS_OTHER) - 1;
	}
	memcpy(pair, key, klen);
	pair[klen] = ' ';
	memcpy(pair + klen + 1, domain, dlen);
	pair[klen + 1 + dlen] = '\0';
	return klen + 1 + dlen;
}

int
stats_sender_count(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
    size_t plen, size_t *n)
{
	MDB_cursor *cur;
	MDB_val	 k, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	int	 rc;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	k.mv_data = (void *)(uintptr_t)prefix;
	k.mv_size = plen;
	while (*n < STATS_SENDERS_MAX &&
	    (rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if (k.mv_size != plen + sizeof(STATS_OTHER) - 1 ||
		    memcmp((const char *)k.mv_data + plen, STATS_OTHER,
		    sizeof(STATS_OTHER) - 1) != 0)
			(*n)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
stats_read_senders(const char *const *paths, size_t npaths,
    const char *alias, struct stats_row **rowsp, size_t *np, int *found,
    struct errbuf *e)
{
	char	*prefix = NULL;
	int	 rc;

	if (alias != NULL && asprintf(&prefix, "%s ", alias) == -1) {
		errno = ENOMEM;
		return errbuf_set(e, "out of memory");
	}
	rc = stats_read_merged(paths, npaths, TAB_SENDERS, prefix, rowsp, np,
	    found, e);
	free(prefix);
	return rc;
}
