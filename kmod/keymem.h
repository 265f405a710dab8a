/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key memory: what this boot of the module did with each key's bytes, so
 * that installing bytes used before resumes where they left off instead of
 * starting over (see docs/protocol.md, "Counters and key reuse").
 *
 * One entry per distinct 32-byte key, named by a keyed hash of its bytes
 * (the caller computes it; the bytes themselves are never kept here).  An
 * entry holds the sending state of the bytes (the next counter and the
 * counter the bytes started at) and their receiving state (the replay
 * window while a key receives under them, only its highest counter once
 * none does).
 * Every live key that uses the bytes, for sending or receiving, in any
 * peer of any device, shares the entry.  When the last one goes the
 * entry is released: it shrinks to a few words and joins a list of
 * released entries, the least recently released first, bounded at
 * &ovl_kmem_table.max_released; past that the oldest is forgotten.
 *
 * Pure logic, unit-tested in userspace (tests/test_keymem.c).
 *
 * Locking: the caller serializes ovl_kmem_acquire(), ovl_kmem_release()
 * and ovl_kmem_table_flush() on one table (key.c: a spinlock, BH off).
 * An acquired entry's @tx_next is atomic; its receiving state is under
 * its @rx_lock (ovl_kmem_rx_check()).
 */
#ifndef _OVL_KEYMEM_H
#define _OVL_KEYMEM_H

#ifdef __KERNEL__
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#else
#include "tests/kshim.h"
#endif

#include "replay.h"

/* Released entries remembered at most, module-wide. */
#define OVL_KMEM_RELEASED_MAX	1024
#define OVL_KMEM_HASH_BITS	12

/**
 * struct ovl_kmem - the memory of one key's bytes
 * @id: keyed hash of the bytes
 * @hnode: in &ovl_kmem_table.buckets
 * @lru: in &ovl_kmem_table.released while neither @tx_users nor @rx_users
 * @tx_users: live keys sending under the bytes
 * @rx_users: live keys receiving under the bytes
 * @tx_next: the next counter to seal with under these bytes
 * @tx_start: the counter the bytes started at in this boot; the message
 *	limit counts from it
 * @rx_lock: protects @rx, @rx_seen and @rx_start while @rx_users
 * @rx_seen: a message under these bytes was accepted
 * @rx_start: the first counter accepted, if @rx_seen; the receiving
 *	side's message limit counts from it
 * @rx_top: the highest counter accepted, if @rx_seen, kept while no key
 *	receives under the bytes
 * @rx: the replay window, while @rx_users (NULL otherwise)
 */
struct ovl_kmem {
	u64 id;
	struct hlist_node hnode;
	struct list_head lru;
	unsigned int tx_users;
	unsigned int rx_users;
	atomic64_t tx_next;
	u64 tx_start;
	spinlock_t rx_lock;	/* protects @rx, @rx_seen, @rx_start */
	bool rx_seen;
	u64 rx_start;
	u64 rx_top;
	struct ovl_replay *rx;
};

/**
 * struct ovl_kmem_table - every entry, live or released
 * @buckets: entries by @id
 * @released: released entries, least recently released first
 * @nr_released: entries on @released
 * @max_released: bound of @nr_released
 */
struct ovl_kmem_table {
	struct hlist_head buckets[1 << OVL_KMEM_HASH_BITS];
	struct list_head released;
	unsigned int nr_released;
	unsigned int max_released;
};

void ovl_kmem_table_init(struct ovl_kmem_table *t, unsigned int max_released);
void ovl_kmem_prepare(struct ovl_kmem *fresh, u64 id, u64 tx_start,
		      struct ovl_replay *rx);
void ovl_kmem_discard(struct ovl_kmem *fresh);
struct ovl_kmem *ovl_kmem_acquire(struct ovl_kmem_table *t,
				  struct ovl_kmem *fresh, bool rx);
void ovl_kmem_release(struct ovl_kmem_table *t, struct ovl_kmem *m, bool rx);
unsigned int ovl_kmem_table_flush(struct ovl_kmem_table *t);
bool ovl_kmem_rx_check(struct ovl_kmem *m, u64 counter, u64 limit);

/*
 * The first counter past the message limit @limit of bytes that started
 * at @start: @start + @limit, or U64_MAX if that does not fit (the
 * counter never wraps).
 */
static inline u64 ovl_kmem_end(u64 start, u64 limit)
{
	return limit < U64_MAX - start ? start + limit : U64_MAX;
}

#endif /* _OVL_KEYMEM_H */
