// SPDX-License-Identifier: GPL-2.0
/*
 * Registration table of ovl-beacon.
 *
 * Two chained hash tables share their nodes (intrusive hlist-style chains,
 * O(1) unlink): one keyed by node id, one by address.  A doubly linked
 * list ordered by last refresh makes expiry O(1) per expired node: a
 * refresh moves the node to the tail, expiry pops from the head.
 *
 * Why not a library: glib's GHashTable would pull in glib and allocate
 * per entry for each of the two tables, hsearch(3) cannot delete, and
 * uthash would be one more build dependency for ~100 lines of code.  An
 * intrusive table lets one allocation sit in both hashes and the expiry
 * list at once.  The bucket count is fixed at init (a power of two at
 * least max_nodes, capped), so there is no rehashing and the load factor
 * stays <= 1 up to the cap.  Hashes are seeded with a random value so
 * remote senders cannot aim many addresses at one chain.
 */
#include <stdlib.h>
#include <string.h>

#include "prefix.h"
#include "table.h"

#define BCN_MAX_BUCKETS	(1UL << 22)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* splitmix64's finaliser: cheap, and every input bit reaches every bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t hash_id(const struct bcn_table *t, uint32_t id)
{
	return mix64(t->seed ^ id) & t->mask;
}

static size_t hash_addr(const struct bcn_table *t, const struct bcn_addr *a)
{
	uint64_t w0, w1, h;

	memcpy(&w0, a->ip, 8);
	memcpy(&w1, a->ip + 8, 8);
	h = mix64(t->seed ^ w0);
	h = mix64(h ^ w1);
	h = mix64(h ^ a->port ^ ((uint64_t)a->scope_id << 16));
	return h & t->mask;
}

static void hlist_add(struct bcn_hnode **head, struct bcn_hnode *n)
{
	n->next = *head;
	if (n->next)
		n->next->pprev = &n->next;
	*head = n;
	n->pprev = head;
}

static void hlist_del(struct bcn_hnode *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

static void lru_unlink(struct bcn_table *t, struct bcn_node *n)
{
	if (n->lru_prev)
		n->lru_prev->lru_next = n->lru_next;
	else
		t->lru_head = n->lru_next;
	if (n->lru_next)
		n->lru_next->lru_prev = n->lru_prev;
	else
		t->lru_tail = n->lru_prev;
	n->lru_prev = NULL;
	n->lru_next = NULL;
}

static void lru_append(struct bcn_table *t, struct bcn_node *n)
{
	n->lru_prev = t->lru_tail;
	n->lru_next = NULL;
	if (t->lru_tail)
		t->lru_tail->lru_next = n;
	else
		t->lru_head = n;
	t->lru_tail = n;
}

static void touch(struct bcn_table *t, struct bcn_node *n, uint64_t now)
{
	n->last_seen = now;
	lru_unlink(t, n);
	lru_append(t, n);
}

int bcn_table_init(struct bcn_table *t, size_t max_nodes, uint64_t expire_ms,
		   uint64_t seed)
{
	size_t nb = 16;

	memset(t, 0, sizeof(*t));
	while (nb < max_nodes && nb < BCN_MAX_BUCKETS)
		nb <<= 1;
	t->id_buckets = calloc(nb, sizeof(*t->id_buckets));
	t->addr_buckets = calloc(nb, sizeof(*t->addr_buckets));
	if (!t->id_buckets || !t->addr_buckets) {
		bcn_table_free(t);
		return -1;
	}
	t->mask = nb - 1;
	t->max_nodes = max_nodes;
	t->expire_ms = expire_ms;
	t->seed = seed;
	return 0;
}

static void node_del(struct bcn_table *t, struct bcn_node *n)
{
	if (t->pfx)
		bcn_pfx_dec(t->pfx, &n->addr);
	hlist_del(&n->by_id);
	hlist_del(&n->by_addr);
	lru_unlink(t, n);
	t->count--;
	free(n);
}

void bcn_table_free(struct bcn_table *t)
{
	while (t->lru_head)
		node_del(t, t->lru_head);
	free(t->id_buckets);
	free(t->addr_buckets);
	t->id_buckets = NULL;
	t->addr_buckets = NULL;
}

struct bcn_node *bcn_table_by_id(const struct bcn_table *t, uint32_t id)
{
	struct bcn_hnode *h;

	for (h = t->id_buckets[hash_id(t, id)]; h; h = h->next) {
		struct bcn_node *n = container_of(h, struct bcn_node, by_id);

		if (n->id == id)
			return n;
	}
	return NULL;
}

struct bcn_node *bcn_table_by_addr(const struct bcn_table *t,
				   const struct bcn_addr *addr)
{
	struct bcn_hnode *h;

	for (h = t->addr_buckets[hash_addr(t, addr)]; h; h = h->next) {
		struct bcn_node *n = container_of(h, struct bcn_node, by_addr);

		if (bcn_addr_equal(&n->addr, addr))
			return n;
	}
	return NULL;
}

/* A new registration, whatever the cap (the caller minds it); or NULL. */
struct bcn_node *bcn_table_add(struct bcn_table *t, uint32_t id,
			       const struct bcn_addr *addr, uint64_t now)
{
	struct bcn_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	if (t->pfx && bcn_pfx_inc(t->pfx, addr)) {
		free(n);
		return NULL;
	}
	n->id = id;
	n->addr = *addr;
	n->last_seen = now;
	hlist_add(&t->id_buckets[hash_id(t, id)], &n->by_id);
	hlist_add(&t->addr_buckets[hash_addr(t, addr)], &n->by_addr);
	lru_append(t, n);
	t->count++;
	return n;
}

void bcn_table_del(struct bcn_table *t, struct bcn_node *n)
{
	node_del(t, n);
}

/*
 * Re-point @n to @addr.  The prefix count moves with it; should the new
 * prefix's entry not be allocatable, the count is lost in the caller's
 * favour (the quota is a bound on a flood, not an account).
 */
void bcn_table_set_addr(struct bcn_table *t, struct bcn_node *n,
			const struct bcn_addr *addr)
{
	if (t->pfx) {
		bcn_pfx_dec(t->pfx, &n->addr);
		(void)bcn_pfx_inc(t->pfx, addr);
	}
	hlist_del(&n->by_addr);
	n->addr = *addr;
	hlist_add(&t->addr_buckets[hash_addr(t, addr)], &n->by_addr);
}

void bcn_table_touch(struct bcn_table *t, struct bcn_node *n, uint64_t now)
{
	touch(t, n, now);
}

/* Drop every registration not refreshed for expire_ms; returns how many. */
size_t bcn_table_expire(struct bcn_table *t, uint64_t now)
{
	size_t expired = 0;

	while (t->lru_head &&
	       now >= t->lru_head->last_seen + t->expire_ms) {
		node_del(t, t->lru_head);
		expired++;
	}
	return expired;
}

/* When the oldest registration expires, or UINT64_MAX if there is none. */
uint64_t bcn_table_next_expiry(const struct bcn_table *t)
{
	if (!t->lru_head)
		return UINT64_MAX;
	return t->lru_head->last_seen + t->expire_ms;
}
