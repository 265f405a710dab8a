// SPDX-License-Identifier: GPL-2.0
/*
 * Key memory; see keymem.h.
 *
 * Lifetime: an entry is allocated by the caller (ovl_kmem_prepare()) and
 * handed to ovl_kmem_acquire(), which either inserts it or frees it in
 * favour of the entry already there.  A live entry (@users > 0) owns a
 * replay window; releasing its last user frees the window, keeping only
 * its highest counter, and queues the entry on the released list, where
 * it stays until it is acquired again, pushed out by newer releases, or
 * flushed.  Nothing else frees an entry, so a key may keep a pointer to
 * an entry it acquired until it releases it.
 */

#ifdef __KERNEL__
#include <linux/slab.h>
#else
#include "tests/kshim.h"
#endif

#include "keymem.h"

#define OVL_KMEM_HASH_MASK	((1U << OVL_KMEM_HASH_BITS) - 1)

void ovl_kmem_table_init(struct ovl_kmem_table *t, unsigned int max_released)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->buckets); i++)
		INIT_HLIST_HEAD(&t->buckets[i]);
	INIT_LIST_HEAD(&t->released);
	t->nr_released = 0;
	t->max_released = max_released;
}

/*
 * Make @fresh an entry for the bytes named @id that have not been used in
 * this boot: sending starts at @tx_start, nothing was received.  @rx is
 * its replay window, allocated by the caller; @fresh owns it from now on.
 */
void ovl_kmem_prepare(struct ovl_kmem *fresh, u64 id, u64 tx_start,
		      struct ovl_replay *rx)
{
	fresh->id = id;
	INIT_LIST_HEAD(&fresh->lru);
	fresh->users = 0;
	atomic64_set(&fresh->tx_next, tx_start);
	fresh->tx_start = tx_start;
	spin_lock_init(&fresh->rx_lock);
	fresh->rx_seen = false;
	fresh->rx_start = 0;
	fresh->rx_top = 0;
	fresh->rx = rx;
	ovl_replay_init(rx);
}

static void ovl_kmem_free(struct ovl_kmem *m)
{
	kfree(m->rx);
	kfree(m);
}

/* Free @fresh from ovl_kmem_prepare() without acquiring it; NULL is fine. */
void ovl_kmem_discard(struct ovl_kmem *fresh)
{
	if (fresh)
		ovl_kmem_free(fresh);
}

static struct ovl_kmem *ovl_kmem_find(struct ovl_kmem_table *t, u64 id)
{
	struct ovl_kmem *m;

	hlist_for_each_entry(m, &t->buckets[id & OVL_KMEM_HASH_MASK], hnode)
		if (m->id == id)
			return m;
	return NULL;
}

/**
 * ovl_kmem_acquire() - one more user of some key's bytes
 * @t: the table
 * @fresh: an entry from ovl_kmem_prepare() for the bytes; consumed
 *
 * Return: the entry of the bytes.  If they are in use, that entry, shared;
 * if they were used and released, that entry, resumed: sending goes on
 * from the next counter never used, and the replay window refuses every
 * counter up to the highest one accepted.  Otherwise @fresh, inserted.
 * Never fails.
 */
struct ovl_kmem *ovl_kmem_acquire(struct ovl_kmem_table *t,
				  struct ovl_kmem *fresh)
{
	struct ovl_kmem *m = ovl_kmem_find(t, fresh->id);

	if (!m) {
		hlist_add_head(&fresh->hnode,
			       &t->buckets[fresh->id & OVL_KMEM_HASH_MASK]);
		fresh->users = 1;
		return fresh;
	}
	if (!m->users) {
		/* Resume: take @fresh's window, seeded with what was seen. */
		list_del_init(&m->lru);
		t->nr_released--;
		m->rx = fresh->rx;
		fresh->rx = NULL;
		if (m->rx_seen)
			ovl_replay_init_after(m->rx, m->rx_top);
	}
	m->users++;
	ovl_kmem_free(fresh);
	return m;
}

/**
 * ovl_kmem_release() - a user of @m is gone
 * @t: the table
 * @m: an entry from ovl_kmem_acquire()
 *
 * The last user's release keeps the entry's counters, frees its replay
 * window and makes it the most recently released entry; if that makes too
 * many, the least recently released one is forgotten.  Context: no user of
 * @m may touch it any more (the caller holds no @rx_lock).
 */
void ovl_kmem_release(struct ovl_kmem_table *t, struct ovl_kmem *m)
{
	struct ovl_kmem *old;

	if (WARN_ON(!m->users) || --m->users)
		return;
	m->rx_top = m->rx->top;
	kfree(m->rx);
	m->rx = NULL;
	list_add_tail(&m->lru, &t->released);
	if (++t->nr_released <= t->max_released)
		return;
	old = list_first_entry(&t->released, struct ovl_kmem, lru);
	list_del(&old->lru);
	hlist_del(&old->hnode);
	t->nr_released--;
	ovl_kmem_free(old);
}

/**
 * ovl_kmem_table_flush() - forget every released entry
 * @t: the table
 *
 * Return: how many entries were still in use (0 when every key is gone,
 * as it must be when the module goes); those are left alone.
 */
unsigned int ovl_kmem_table_flush(struct ovl_kmem_table *t)
{
	struct ovl_kmem *m, *n;
	unsigned int live = 0, i;

	list_for_each_entry_safe(m, n, &t->released, lru) {
		list_del(&m->lru);
		hlist_del(&m->hnode);
		ovl_kmem_free(m);
	}
	t->nr_released = 0;
	for (i = 0; i < ARRAY_SIZE(t->buckets); i++)
		hlist_for_each_entry(m, &t->buckets[i], hnode)
			live++;
	return live;
}

/**
 * ovl_kmem_rx_check() - accept a received counter once
 * @m: the entry of the receiving key's bytes, acquired
 * @counter: the authenticated message's counter
 * @limit: how many messages the bytes may protect, counted from the first
 *	counter accepted under them (the sender's start, or close to it: the
 *	sender's counters start anywhere, see keymem.h)
 *
 * Return: true if @counter is new to the window and within the limit; it
 * is then recorded.  Context: @m->rx_lock held.
 */
bool ovl_kmem_rx_check(struct ovl_kmem *m, u64 counter, u64 limit)
{
	u64 start = m->rx_seen ? m->rx_start : counter;

	if (counter >= ovl_kmem_end(start, limit))
		return false;
	if (!ovl_replay_check(m->rx, counter, U64_MAX))
		return false;
	if (!m->rx_seen) {
		m->rx_seen = true;
		m->rx_start = counter;
	}
	return true;
}
