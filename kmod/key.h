/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_KEY_H
#define _OVL_KEY_H

#include <linux/atomic.h>
#include <linux/ovl.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

#include "replay.h"

/**
 * struct ovl_key - one direction pair of ChaCha20-Poly1305 session keys
 * @id: key id carried in DATA messages
 * @tx: key for sending
 * @rx: key for receiving
 * @tx_counter: the next nonce to send with
 * @replay_lock: serializes @replay between CPUs receiving for this key
 * @replay: window of counters received
 * @refcnt: the peer's slot holds one reference, every queued packet
 *	encrypted or to be decrypted under the key another (see queue.h)
 * @rcu: frees the key after a grace period
 *
 * A key is immutable once published but for @tx_counter and @replay.
 * Published in a peer's slot with RCU, unpublished under the device lock;
 * freed (and wiped) a grace period after its last reference is dropped.
 * A reader that found the key under RCU may take a reference with
 * ovl_key_tryget(), which fails once the last one is gone.
 */
struct ovl_key {
	u8 id;
	u8 tx[OVL_KEY_LEN];
	u8 rx[OVL_KEY_LEN];
	atomic64_t tx_counter;
	spinlock_t replay_lock;	/* protects @replay */
	struct ovl_replay replay;
	refcount_t refcnt;
	struct rcu_head rcu;
};

struct ovl_key *ovl_key_new(u8 id, const u8 *tx, const u8 *rx);
void ovl_key_put_rcu(struct ovl_key *key);

/* Context: RCU read side, @key read from a peer's slot. */
static inline bool ovl_key_tryget(struct ovl_key *key)
{
	return refcount_inc_not_zero(&key->refcnt);
}

extern u64 ovl_key_msg_limit;

/*
 * Claim up to @n consecutive counters of @key, the first in *@counter.
 * Returns how many were claimed: fewer than @n, or none, as the key
 * reaches its message limit, where the counter then stays.
 */
static inline unsigned int ovl_key_next_counters(struct ovl_key *key,
						 unsigned int n, u64 *counter)
{
	u64 limit = READ_ONCE(ovl_key_msg_limit);
	s64 c = atomic64_read(&key->tx_counter);
	unsigned int got;

	do {
		if ((u64)c >= limit)
			return 0;
		got = min_t(u64, n, limit - (u64)c);
	} while (!atomic64_try_cmpxchg(&key->tx_counter, &c, c + got));
	*counter = c;
	return got;
}

/*
 * Claim the next counter of @key.  Returns false, claiming nothing, once
 * the key has reached its message limit: the counter then stays there.
 */
static inline bool ovl_key_next_counter(struct ovl_key *key, u64 *counter)
{
	return ovl_key_next_counters(key, 1, counter);
}

/* The key has used up seven eighths of its messages: time to rekey. */
static inline bool ovl_key_near_limit(u64 counter)
{
	u64 limit = READ_ONCE(ovl_key_msg_limit);

	return counter >= limit - limit / 8;
}

#endif /* _OVL_KEY_H */
