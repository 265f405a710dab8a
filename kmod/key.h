/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_KEY_H
#define _OVL_KEY_H

#include <linux/atomic.h>
#include <linux/ovl.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

#include "keylife.h"
#include "keymem.h"

/**
 * struct ovl_key - one direction pair of ChaCha20-Poly1305 session keys
 * @id: key id carried in DATA messages
 * @tx: key for sending
 * @rx: key for receiving
 * @txm: the memory of the @tx bytes: the next counter to send with, shared
 *	with every other live key using the same bytes (keymem.h)
 * @rxm: the memory of the @rx bytes: the replay window, shared likewise
 * @refcnt: the peer's slot holds one reference, every queued packet
 *	encrypted or to be decrypted under the key another (see queue.h)
 * @life: the end of its lifetime and when to ask for a new key
 *	(%OVL_KEY_REASON_AGE), in jiffies; none for manual keys
 * @flags: &enum ovl_key_flag bits, the only state that changes once the
 *	key is published
 * @lifetime: its lifetime in seconds, 0 if none
 * @rcu: frees the key after a grace period
 *
 * A key is immutable once published; its counters live in @txm and @rxm,
 * which it holds from ovl_key_new() until it is freed.  So bytes installed
 * again while, or after, an earlier key used them continue that key's
 * counters instead of starting over.  Published in a peer's slot with RCU,
 * unpublished under the device lock; freed (and wiped) a grace period
 * after its last reference is dropped.  A reader that found the key under
 * RCU may take a reference with ovl_key_tryget(), which fails once the
 * last one is gone.
 */
struct ovl_key {
	u8 id;
	u8 tx[OVL_KEY_LEN];
	u8 rx[OVL_KEY_LEN];
	struct ovl_kmem *txm;
	struct ovl_kmem *rxm;
	refcount_t refcnt;
	struct ovl_keylife life;
	unsigned long flags;
	u32 lifetime;
	struct rcu_head rcu;
};

/**
 * enum ovl_key_flag - bits of &ovl_key.flags
 * @OVL_KEY_PROMOTE: a secondary key to swap into the primary slot when a
 *	message first authenticates under it; cleared by whoever does it
 * @OVL_KEY_AGE_NTF: the key-needed event for its age was raised
 * @OVL_KEY_EXPIRED_NTF: the key event for its expiry was sent
 */
enum ovl_key_flag {
	OVL_KEY_PROMOTE,
	OVL_KEY_AGE_NTF,
	OVL_KEY_EXPIRED_NTF,
};

struct ovl_key *ovl_key_new(u8 id, const u8 *tx, const u8 *rx);
bool ovl_key_rx_check(struct ovl_key *key, u64 counter, bool *newest);
u64 ovl_key_tx_used(const struct ovl_key *key);
void ovl_key_init(void);
void ovl_key_uninit(void);
void ovl_key_put_rcu(struct ovl_key *key);

/* Context: RCU read side, @key read from a peer's slot. */
static inline bool ovl_key_tryget(struct ovl_key *key)
{
	return refcount_inc_not_zero(&key->refcnt);
}

extern u64 ovl_key_msg_limit;

/*
 * @key is past its lifetime: it neither encrypts nor decrypts.  One
 * compare for keys with a lifetime, none for the others; @life shares
 * the cache line of the key's counters, which every user reads anyway.
 */
static inline bool ovl_key_expired(const struct ovl_key *key)
{
	return unlikely(key->life.expires) &&
	       ovl_keylife_expired(&key->life, jiffies);
}

/* Sending under @key should ask for a new key: its lifetime nears its end. */
static inline bool ovl_key_aging(const struct ovl_key *key)
{
	return unlikely(key->life.expires) &&
	       ovl_keylife_aging(&key->life, jiffies);
}

/*
 * Claim up to @n consecutive counters of @key, the first in *@counter.
 * Returns how many were claimed: fewer than @n, or none, as the key's
 * bytes reach their message limit (counted from the counter they started
 * at, &ovl_kmem.tx_start), where the counter then stays.
 */
static inline unsigned int ovl_key_next_counters(struct ovl_key *key,
						 unsigned int n, u64 *counter)
{
	struct ovl_kmem *m = key->txm;
	u64 end = ovl_kmem_end(m->tx_start, READ_ONCE(ovl_key_msg_limit));
	s64 c = atomic64_read(&m->tx_next);
	unsigned int got;

	do {
		if ((u64)c >= end)
			return 0;
		got = min_t(u64, n, end - (u64)c);
	} while (!atomic64_try_cmpxchg(&m->tx_next, &c, c + got));
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

/*
 * @key has used up seven eighths of its messages with @counter: time to
 * rekey.
 */
static inline bool ovl_key_near_limit(struct ovl_key *key, u64 counter)
{
	u64 start = key->txm->tx_start;
	u64 limit = ovl_kmem_end(start, READ_ONCE(ovl_key_msg_limit)) - start;

	return counter - start >= limit - limit / 8;
}

#endif /* _OVL_KEY_H */
