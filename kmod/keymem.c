// SPDX-License-Identifier: GPL-2.0
/*
 * Key memory; see keymem.h.
 *
 * Lifetime: an entry is allocated by the caller (ovl_kmem_prepare()) and
 * handed to ovl_kmem_acquire(), which either inserts it or frees it in
 * favour of the entry already there.  An entry that a key receives under
 * owns a replay window; releasing the last receiving key frees the window,
 * keeping only its highest counter.  Releasing the last key of either
 * kind queues the entry on the released list, where it stays until it is
 * acquired again, pushed out by newer releases, or flushed.  Nothing else
 * frees an entry, so a key may keep a pointer to an entry it acquired
 * until it releases it.
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
 * its replay window, allocated by the caller, needed to acquire @fresh
 * for receiving (NULL otherwise); @fresh owns it from now on.
 */
void ovl_kmem_prepare(struct ovl_kmem *fresh, u64 id, u64 tx_start,
		      struct ovl_replay *rx)
{
	fresh->id = id;
	INIT_LIST_HEAD(&fresh->lru);
	fresh->tx_users = 0;
	fresh->rx_users = 0;
	atomic64_set(&fresh->tx_next, tx_start);
	fresh->tx_start = tx_start;
	spin_lock_init(&fresh->rx_lock);
	fresh->rx_seen = false;
	fresh->rx_start = 0;
	fresh->rx_top = 0;
	fresh->rx = rx;
	if (rx)
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

static bool ovl_kmem_live(const struct ovl_kmem *m)
{
	return m->tx_users || m->rx_users;
}

/**
 * ovl_kmem_acquire() - one more user of some key's bytes
 * @t: the table
 * @fresh: an entry from ovl_kmem_prepare() for the bytes, with a replay
 *	window if @rx; consumed
 * @rx: the user receives under the bytes (else it sends)
 *
 * Return: the entry of the bytes.  If they are in use, that entry, shared;
 * if they were used and released, that entry, resumed: sending goes on
 * from the next counter never used, and a replay window that was given
 * up refuses every counter up to the highest one it accepted.  Otherwise
 * @fresh, inserted.  Never fails.
 */
struct ovl_kmem *ovl_kmem_acquire(struct ovl_kmem_table *t,
				  struct ovl_kmem *fresh, bool rx)
{
	struct ovl_kmem *m = ovl_kmem_find(t, fresh->id);

	if (!m) {
		m = fresh;
		hlist_add_head(&m->hnode, &t->buckets[m->id & OVL_KMEM_HASH_MASK]);
		if (!rx) {
			kfree(m->rx);
			m->rx = NULL;
		}
	} else {
		if (!ovl_kmem_live(m)) {
			list_del_init(&m->lru);
			t->nr_released--;
		}
		if (rx && !m->rx_users) {
			/* Take @fresh's window, seeded with what was seen. */
			m->rx = fresh->rx;
			fresh->rx = NULL;
			if (m->rx_seen)
				ovl_replay_init_after(m->rx, m->rx_top);
		}
		ovl_kmem_free(fresh);
	}
	if (rx)
		m->rx_users++;
	else
		m->tx_users++;
	return m;
}

/**
 * ovl_kmem_release() - a user of @m is gone
 * @t: the table
 * @m: an entry from ovl_kmem_acquire()
 * @rx: as it was acquired
 *
 * The last receiving user's release keeps the highest counter accepted
 * and frees the replay window.  The last user's release makes the entry
 * the most recently released one; if that makes too many, the least
 * recently released one is forgotten.  Context: no user of @m for @rx
 * may touch it any more.
 */
void ovl_kmem_release(struct ovl_kmem_table *t, struct ovl_kmem *m, bool rx)
{
	unsigned int *users = rx ? &m->rx_users : &m->tx_users;
	struct ovl_kmem *old;

	if (WARN_ON(!*users) || --*users)
		return;
	if (rx) {
		m->rx_top = m->rx->top;
		kfree(m->rx);
		m->rx = NULL;
	}
	if (ovl_kmem_live(m))
		return;
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
 * @m: the entry of the receiving key's bytes, acquired for receiving
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
