// SPDX-License-Identifier: GPL-2.0
/*
 * Session keys.  The control plane installs them over netlink (manually or
 * after a handshake); the data path only reads them under RCU.
 *
 * Counters belong to key bytes, not to installs: every key acquires the
 * module-wide memory entry of its tx bytes and of its rx bytes (keymem.h),
 * so bytes installed again in this boot (a peer re-added, a provisioning
 * script run twice, the same key set again) continue the counters they
 * used and refuse what they accepted, and bytes new to this boot start
 * sending at a counter taken from the wall clock, so that a reboot or a
 * module reload does not start them over at 0 either (docs/protocol.md,
 * "Counters and key reuse").
 */

#include <linux/module.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "key.h"

/*
 * Messages one key may protect.  Far below 2^64 so that a nonce is never
 * reused; a module parameter so that tests can reach it.  Counted from the
 * counter the key's bytes started at.
 */
u64 ovl_key_msg_limit = U64_MAX - (1ULL << 13);
module_param_named(key_msg_limit, ovl_key_msg_limit, ullong, 0644);
MODULE_PARM_DESC(key_msg_limit, "messages a session key may encrypt before it is retired");

/*
 * The key memory of the module.  @ovl_kmem_lock serializes the table
 * (acquire in process context, release from RCU callbacks: BH off); the
 * secret names entries without keeping key bytes, and changes with every
 * module load, as the table itself does.
 */
static struct ovl_kmem_table ovl_kmem_table;
static DEFINE_SPINLOCK(ovl_kmem_lock);
static siphash_key_t ovl_kmem_secret __read_mostly;

/*
 * Where bytes new to this boot start sending: the wall clock in units of
 * 16 ns.  A later boot starts past every counter an earlier one used as
 * long as the clock moved forward and no key sent more than one message
 * every 16 ns on average.
 */
static u64 ovl_key_fresh_start(void)
{
	s64 ns = ktime_get_real_ns();

	return ns > 0 ? (u64)ns >> 4 : 0;
}

/*
 * A fresh entry for the bytes @k, not yet in the table, with a replay
 * window if it is for receiving (@for_rx), or NULL.
 */
static struct ovl_kmem *ovl_kmem_alloc(const u8 *k, u64 start, bool for_rx)
{
	struct ovl_kmem *m = kmalloc(sizeof(*m), GFP_KERNEL);
	struct ovl_replay *rx = NULL;

	if (for_rx)
		rx = kmalloc(sizeof(*rx), GFP_KERNEL);
	if (!m || (for_rx && !rx)) {
		kfree(m);
		kfree(rx);
		return NULL;
	}
	ovl_kmem_prepare(m, siphash(k, OVL_KEY_LEN, &ovl_kmem_secret), start,
			 rx);
	return m;
}

struct ovl_key *ovl_key_new(u8 id, const u8 *tx, const u8 *rx)
{
	struct ovl_key *key = kzalloc(sizeof(*key), GFP_KERNEL);
	u64 start = ovl_key_fresh_start();
	struct ovl_kmem *txm, *rxm;

	txm = ovl_kmem_alloc(tx, start, false);
	rxm = ovl_kmem_alloc(rx, start, true);
	if (!key || !txm || !rxm) {
		ovl_kmem_discard(txm);
		ovl_kmem_discard(rxm);
		kfree(key);
		return NULL;
	}
	key->id = id;
	memcpy(key->tx, tx, OVL_KEY_LEN);
	memcpy(key->rx, rx, OVL_KEY_LEN);
	spin_lock_bh(&ovl_kmem_lock);
	key->txm = ovl_kmem_acquire(&ovl_kmem_table, txm, false);
	key->rxm = ovl_kmem_acquire(&ovl_kmem_table, rxm, true);
	spin_unlock_bh(&ovl_kmem_lock);
	refcount_set(&key->refcnt, 1);
	return key;
}

/*
 * Accept a received, authenticated @counter under @key once; @newest
 * tells whether it is at least as high as every counter accepted before
 * under the same bytes.  Context: softirq, a reference to @key held.
 */
bool ovl_key_rx_check(struct ovl_key *key, u64 counter, bool *newest)
{
	struct ovl_kmem *m = key->rxm;
	bool fresh;

	spin_lock(&m->rx_lock);
	*newest = counter >= m->rx->top;
	fresh = ovl_kmem_rx_check(m, counter, READ_ONCE(ovl_key_msg_limit));
	spin_unlock(&m->rx_lock);
	return fresh;
}

/* Messages sealed under @key's tx bytes since their start in this boot. */
u64 ovl_key_tx_used(const struct ovl_key *key)
{
	return atomic64_read(&key->txm->tx_next) - key->txm->tx_start;
}

static void ovl_key_free_rcu(struct rcu_head *rcu)
{
	struct ovl_key *key = container_of(rcu, struct ovl_key, rcu);

	spin_lock_bh(&ovl_kmem_lock);
	ovl_kmem_release(&ovl_kmem_table, key->txm, false);
	ovl_kmem_release(&ovl_kmem_table, key->rxm, true);
	spin_unlock_bh(&ovl_kmem_lock);
	kfree_sensitive(key);
}

/*
 * Drop a reference to @key; NULL is fine.  The last one frees the key once
 * no RCU reader can see it any more.  Context: any.
 */
void ovl_key_put_rcu(struct ovl_key *key)
{
	if (key && refcount_dec_and_test(&key->refcnt))
		call_rcu(&key->rcu, ovl_key_free_rcu);
}

void ovl_key_init(void)
{
	get_random_bytes(&ovl_kmem_secret, sizeof(ovl_kmem_secret));
	ovl_kmem_table_init(&ovl_kmem_table, OVL_KMEM_RELEASED_MAX);
}

/* Context: module exit, every key freed (after rcu_barrier()). */
void ovl_key_uninit(void)
{
	unsigned int live;

	spin_lock_bh(&ovl_kmem_lock);
	live = ovl_kmem_table_flush(&ovl_kmem_table);
	spin_unlock_bh(&ovl_kmem_lock);
	WARN_ON(live);
}
