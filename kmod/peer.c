// SPDX-License-Identifier: GPL-2.0
/*
 * Peers: the table keyed by node id, creation, removal and endpoints.
 *
 * Locking: the table is an rhashtable (RCU lookups from the data path);
 * every insertion and removal, and every change to a peer's allowed-ips
 * or keys, happens under &ovl_dev.lock.
 */

#include <linux/slab.h>

#include "device.h"
#include "peer.h"
#include "send.h"

static const struct rhashtable_params ovl_peer_params = {
	.key_len		= sizeof(u32),
	.key_offset		= offsetof(struct ovl_peer, node_id),
	.head_offset		= offsetof(struct ovl_peer, hnode),
	.automatic_shrinking	= true,
};

int ovl_peers_init(struct ovl_dev *ovl)
{
	ovl->peer_tree = RB_ROOT;
	ovl_aips_init(&ovl->aips);
	ovl_aips_set_lock(&ovl->aips, &ovl->lock);
	return rhashtable_init(&ovl->peers, &ovl_peer_params);
}

/* Context: rcu_read_lock() or &ovl_dev.lock held. */
struct ovl_peer *ovl_peer_lookup(struct ovl_dev *ovl, u32 node_id)
{
	return rhashtable_lookup_fast(&ovl->peers, &node_id, ovl_peer_params);
}

unsigned int ovl_peer_count(const struct ovl_dev *ovl)
{
	return atomic_read(&ovl->peers.nelems);
}

static void ovl_peer_keepalive_fire(struct timer_list *t)
{
	struct ovl_peer *peer = from_timer(peer, t, keepalive_timer);
	unsigned long interval = READ_ONCE(peer->keepalive) * HZ;
	unsigned long idle = jiffies - READ_ONCE(peer->last_tx);

	if (READ_ONCE(peer->dead) || !interval)
		return;
	if (idle >= interval) {
		ovl_send_keepalive(peer);
		idle = 0;
	}
	mod_timer(&peer->keepalive_timer, jiffies + interval - idle);
}

/* Context: &ovl_dev.lock held. */
void ovl_peer_set_keepalive(struct ovl_peer *peer, u32 secs)
{
	WRITE_ONCE(peer->keepalive, secs);
	if (secs)
		mod_timer(&peer->keepalive_timer, jiffies + secs * HZ);
	else
		del_timer(&peer->keepalive_timer);
}

/* A new, unpublished peer.  Context: may sleep. */
struct ovl_peer *ovl_peer_create(struct ovl_dev *ovl, u32 node_id)
{
	struct ovl_peer *peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	int i;

	if (!peer)
		return NULL;
	if (dst_cache_init(&peer->dst_cache, GFP_KERNEL)) {
		kfree(peer);
		return NULL;
	}
	peer->node_id = node_id;
	peer->ovl = ovl;
	INIT_LIST_HEAD(&peer->aips);
	rwlock_init(&peer->endpoint_lock);
	timer_setup(&peer->keepalive_timer, ovl_peer_keepalive_fire, 0);
	peer->last_tx = jiffies;
	peer->endpoint.addr.sa_family = AF_UNSPEC;
	for (i = 0; i < ARRAY_SIZE(peer->last_key_ntf); i++)
		peer->last_key_ntf[i] = jiffies - HZ;
	ovl_queue_peer_init(peer);
	refcount_set(&peer->refcnt, 1);
	return peer;
}

/* Free a peer that was never published (its insertion failed). */
void ovl_peer_free_unused(struct ovl_peer *peer)
{
	dst_cache_destroy(&peer->dst_cache);
	kfree(peer);
}

/* Publish @peer.  Context: &ovl_dev.lock held.  -EEXIST if taken. */
int ovl_peer_insert(struct ovl_peer *peer)
{
	struct rb_node **link = &peer->ovl->peer_tree.rb_node, *parent = NULL;
	int err;

	err = rhashtable_lookup_insert_fast(&peer->ovl->peers, &peer->hnode,
					    ovl_peer_params);
	if (err)
		return err;

	while (*link) {
		parent = *link;
		if (peer->node_id < rb_entry(parent, struct ovl_peer, tnode)->node_id)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&peer->tnode, parent, link);
	rb_insert_color(&peer->tnode, &peer->ovl->peer_tree);
	return 0;
}

/*
 * The peer with the lowest node id above @node_id (or the first peer, for
 * 0), to resume a dump.  Context: &ovl_dev.lock held.
 */
struct ovl_peer *ovl_peer_first_after(struct ovl_dev *ovl, u32 node_id)
{
	struct rb_node *n = ovl->peer_tree.rb_node;
	struct ovl_peer *best = NULL, *peer;

	while (n) {
		peer = rb_entry(n, struct ovl_peer, tnode);
		if (peer->node_id > node_id) {
			best = peer;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/* The next peer by node id.  Context: &ovl_dev.lock held. */
struct ovl_peer *ovl_peer_next(struct ovl_peer *peer)
{
	struct rb_node *n = rb_next(&peer->tnode);

	return n ? rb_entry(n, struct ovl_peer, tnode) : NULL;
}

static void ovl_peer_free_rcu(struct rcu_head *rcu)
{
	struct ovl_peer *peer = container_of(rcu, struct ovl_peer, rcu);

	dst_cache_destroy(&peer->dst_cache);
	kfree(peer);
}

/*
 * Drop a reference; the last one frees the peer after a grace period.
 * Context: any.
 */
void ovl_peer_put(struct ovl_peer *peer)
{
	if (refcount_dec_and_test(&peer->refcnt))
		call_rcu(&peer->rcu, ovl_peer_free_rcu);
}

/*
 * Unlink @peer from the table and the trie, retire its keys, and drop the
 * table's reference: packets still queued for the peer keep it (and their
 * keys) until they are sent or dropped.  Context: &ovl_dev.lock held.
 */
void ovl_peer_remove(struct ovl_peer *peer)
{
	struct ovl_dev *ovl = peer->ovl;
	int slot;

	rhashtable_remove_fast(&ovl->peers, &peer->hnode, ovl_peer_params);
	rb_erase(&peer->tnode, &ovl->peer_tree);
	WRITE_ONCE(peer->dead, true);
	del_timer_sync(&peer->keepalive_timer);
	ovl_aips_remove_by_peer(&ovl->aips, peer, &peer->aips);
	for (slot = 0; slot < ARRAY_SIZE(peer->keys); slot++) {
		ovl_key_put_rcu(rcu_replace_pointer(peer->keys[slot], NULL,
						    lockdep_is_held(&ovl->lock)));
	}
	ovl_peer_put(peer);
}

/*
 * Context: may sleep; the device is unregistering and its socket is
 * closed, so the data path is done with it.  Netlink requests that got
 * hold of the device find it dead.
 */
void ovl_peers_uninit(struct ovl_dev *ovl)
{
	struct ovl_peer *peer;

	mutex_lock(&ovl->lock);
	ovl->dead = true;
	while ((peer = ovl_peer_first_after(ovl, 0)))
		ovl_peer_remove(peer);
	ovl_aips_free(&ovl->aips);
	mutex_unlock(&ovl->lock);
	rhashtable_destroy(&ovl->peers);
}

void ovl_peer_get_endpoint(struct ovl_peer *peer, union ovl_endpoint *ep)
{
	read_lock_bh(&peer->endpoint_lock);
	*ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
}

void ovl_peer_set_endpoint(struct ovl_peer *peer, const union ovl_endpoint *ep)
{
	write_lock_bh(&peer->endpoint_lock);
	peer->endpoint = *ep;
	dst_cache_reset(&peer->dst_cache);
	write_unlock_bh(&peer->endpoint_lock);
}
