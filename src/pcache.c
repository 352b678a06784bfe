/*
 * pcache.c: a policy file's records in memory (see pcache.h).
 *
 * Layout: the keys and values in one arena, each record "key\0value\0",
 * and an open-addressing hash table (linear probing, at most half full)
 * whose slots hold a 32-bit arena offset, plus one (0: an empty slot),
 * and the upper 32 bits of the key's hash, so that a probe that misses
 * (most lookups: most aliases have no policy record) compares the hash
 * and does not touch the arena.  No pointer per record and no
 * allocation per record: a 30,000-record file (2 MB on disk) takes
 * about 2 MB (the arena grows by doubling).  The arena is limited to 4 GiB by the offsets; a policy
 * file that large is refused with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amap.h"
#include "pcache.h"
#include "util.h"

#define PCACHE_ARENA_MIN	((size_t)64 * 1024)
#define PCACHE_ARENA_MAX	((size_t)UINT32_MAX - 1)

struct pcache {
	char	*arena;		/* "key\0value\0" records; ours */
	size_t	 used, size;
	uint64_t *slots;	/* hash << 32 | offset + 1, or 0; ours */
	size_t	 mask;		/* slots - 1, a power of two minus one */
	size_t	 count;
	uint32_t *recs;		/* while loading: every record's offset */
	size_t	 nrecs, recsize;
};

static uint64_t	hash_key(const char *);
static int	add_record(void *, const char *, const char *);
static int	build_table(struct pcache *);

/* The slot hash: util.c's XXH64 of the key. */
static uint64_t
hash_key(const char *s)
{
	return digest_of(s, strlen(s));
}

/*
 * amap_walk()'s callback: appends one record.  Returns 0, 1 out of
 * memory, 2 when the arena would pass 4 GiB.
 */
static int
add_record(void *arg, const char *key, const char *val)
{
	struct pcache *pc = arg;
	size_t	 klen = strlen(key) + 1, vlen = strlen(val) + 1, nsize;
	uint32_t *nr;
	char	*na;

	if (pc->used + klen + vlen > PCACHE_ARENA_MAX)
		return 2;
	if (pc->used + klen + vlen > pc->size) {
		nsize = pc->size < PCACHE_ARENA_MIN ? PCACHE_ARENA_MIN :
		    pc->size;
		while (nsize < pc->used + klen + vlen)
			nsize *= 2;
		if (nsize > PCACHE_ARENA_MAX)
			nsize = PCACHE_ARENA_MAX;
		if ((na = realloc(pc->arena, nsize)) == NULL)
			return 1;
		pc->arena = na;
		pc->size = nsize;
	}
	if (pc->nrecs == pc->recsize) {
		nsize = pc->recsize == 0 ? 1024 : pc->recsize * 2;
		if ((nr = reallocarray(pc->recs, nsize, sizeof(*nr))) == NULL)
			return 1;
		pc->recs = nr;
		pc->recsize = nsize;
	}
	pc->recs[pc->nrecs++] = (uint32_t)pc->used;
	memcpy(pc->arena + pc->used, key, klen);
	memcpy(pc->arena + pc->used + klen, val, vlen);
	pc->used += klen + vlen;
	return 0;
}

/* Fills the hash table from pc->recs.  0, or -1 out of memory. */
static int
build_table(struct pcache *pc)
{
	size_t	 n = 16, i, j;

	uint64_t h;

	while (n < pc->nrecs * 2)
		n *= 2;
	if ((pc->slots = calloc(n, sizeof(*pc->slots))) == NULL)
		return -1;
	pc->mask = n - 1;
	for (i = 0; i < pc->nrecs; i++) {
		h = hash_key(pc->arena + pc->recs[i]);
		j = h & pc->mask;
		/* LMDB keys are unique: no duplicate to look for. */
		while (pc->slots[j] != 0)
			j = (j + 1) & pc->mask;
		pc->slots[j] = (h & 0xffffffff00000000ULL) |
		    ((uint64_t)pc->recs[i] + 1);
	}
	pc->count = pc->nrecs;
	return 0;
}

int
pcache_load(struct amap *pol, struct pcache **pcp, struct errbuf *e)
{
	struct pcache *pc;
	int	 rc;

	*pcp = NULL;
	if ((pc = calloc(1, sizeof(*pc))) == NULL)
		return errbuf_set(e, "policy records: out of memory");
	if ((rc = amap_walk(pol, add_record, pc, e)) != 0) {
		if (rc != -1)
			errbuf_set(e, "policy records: %s", rc == 2 ?
			    "more than 4 GiB" : "out of memory");
		goto fail;
	}
	if (build_table(pc) == -1) {
		errbuf_set(e, "policy records: out of memory");
		goto fail;
	}
	free(pc->recs);
	pc->recs = NULL;
	pc->nrecs = pc->recsize = 0;
	*pcp = pc;
	return 0;
fail:
	pcache_free(pc);
	return -1;
}

const char *
pcache_get(const struct pcache *pc, const char *key)
{
	const char *k;
	uint64_t h, tag, slot;
	size_t	 j;

	h = hash_key(key);
	tag = h & 0xffffffff00000000ULL;
	for (j = h & pc->mask; (slot = pc->slots[j]) != 0;
	    j = (j + 1) & pc->mask) {
		if ((slot & 0xffffffff00000000ULL) != tag)
			continue;
		k = pc->arena + (uint32_t)slot - 1;
		if (strcmp(k, key) == 0)
			return k + strlen(k) + 1;
	}
	return NULL;
}

size_t
pcache_count(const struct pcache *pc)
{
	return pc->count;
}

size_t
pcache_bytes(const struct pcache *pc)
{
	return sizeof(*pc) + pc->size + (pc->mask + 1) * sizeof(*pc->slots);
}

void
pcache_free(struct pcache *pc)
{
	if (pc == NULL)
		return;
	free(pc->arena);
	free(pc->slots);
	free(pc->recs);
	free(pc);
}
