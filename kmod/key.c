// SPDX-License-Identifier: GPL-2.0
/*
 * Session keys.  The control plane installs them over netlink (manually or
 * after a handshake); the data path only reads them under RCU.
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "key.h"

/*
 * Messages one key may protect.  Far below 2^64 so that a nonce is never
 * reused; a module parameter so that tests can reach it.
 */
u64 ovl_key_msg_limit = U64_MAX - (1ULL << 13);
module_param_named(key_msg_limit, ovl_key_msg_limit, ullong, 0644);
MODULE_PARM_DESC(key_msg_limit, "messages a session key may encrypt before it is retired");

struct ovl_key *ovl_key_new(u8 id, const u8 *tx, const u8 *rx)
{
	struct ovl_key *key = kzalloc(sizeof(*key), GFP_KERNEL);

	if (!key)
		return NULL;
	key->id = id;
	memcpy(key->tx, tx, OVL_KEY_LEN);
	memcpy(key->rx, rx, OVL_KEY_LEN);
	atomic64_set(&key->tx_counter, 0);
	spin_lock_init(&key->replay_lock);
	ovl_replay_init(&key->replay);
	refcount_set(&key->refcnt, 1);
	return key;
}

static void ovl_key_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct ovl_key, rcu));
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
