// SPDX-License-Identifier: GPL-2.0
/*
 * Peers: the table keyed by node id, creation, removal and endpoints.
 *
 * Locking: the table is an rhashtable (RCU lookups from the data path);
 * every insertion and removal, and every change to a peer's allowed-ips
 * or keys, happens under &ovl_dev.lock.  A peer's endpoint, its route
 * cache and its roaming state are under its endpoint lock (peer.h).
 */

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "relay.h"
#include "send.h"

static const struct rhashtable_params ovl_peer_params = {
	.key_len		= sizeof(u32),
	.key_offset		= offsetof(struct ovl_peer, node_id),
	.head_offset		= offsetof(struct ovl_peer, hnode),
	.automatic_shrinking	= true,
};

int ovl_peers_init(struct ovl_dev *ovl)
{
	ovl->ep_hash = kvcalloc(OVL_EP_HASH_SIZE, sizeof(*ovl->ep_hash),
				GFP_KERNEL);
	if (!ovl->ep_hash)
		return -ENOMEM;
	spin_lock_init(&ovl->ep_hash_lock);
	ovl->peer_tree = RB_ROOT;
	ovl_aips_init(&ovl->aips);
	ovl_aips_set_lock(&ovl->aips, &ovl->lock);
	if (rhashtable_init(&ovl->peers, &ovl_peer_params)) {
		kvfree(ovl->ep_hash);
		return -ENOMEM;
	}
	return 0;
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
	INIT_HLIST_NODE(&peer->ep_node);
	rwlock_init(&peer->endpoint_lock);
	spin_lock_init(&peer->keys_lock);
	seqcount_spinlock_init(&peer->keys_seq, &peer->keys_lock);
	timer_setup(&peer->keepalive_timer, ovl_peer_keepalive_fire, 0);
	peer->last_tx = jiffies;
	peer->endpoint.addr.sa_family = AF_UNSPEC;
	peer->endpoint_src.addr.sa_family = AF_UNSPEC;
	for (i = 0; i < ARRAY_SIZE(peer->last_key_ntf); i++)
		peer->last_key_ntf[i] = jiffies - HZ;
	ovl_peer_path_init(peer);
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
	ovl_peer_path_uninit(peer);	/* sets @dead, stops probing */
	/* Once dead, a roaming receive no longer hashes the peer again. */
	spin_lock_bh(&ovl->ep_hash_lock);
	if (!hlist_unhashed(&peer->ep_node))
		hlist_del_init_rcu(&peer->ep_node);
	spin_unlock_bh(&ovl->ep_hash_lock);
	del_timer_sync(&peer->keepalive_timer);
	ovl_aips_remove_by_peer(&ovl->aips, peer, &peer->aips);
	for (slot = 0; slot < ARRAY_SIZE(peer->keys); slot++)
		ovl_peer_set_key(peer, slot, NULL);
	ovl_peer_put(peer);
}

/**
 * ovl_peer_set_key - put @key in @peer's @slot, or empty it (@key NULL)
 * @peer: the peer
 * @slot: &enum ovl_key_slot
 * @key: the new key, whose reference the slot takes over
 *
 * The key that was there is released.  Returns whether there was one.
 * Context: &ovl_dev.lock held.
 */
bool ovl_peer_set_key(struct ovl_peer *peer, int slot, struct ovl_key *key)
{
	struct ovl_key *old;

	spin_lock_bh(&peer->keys_lock);
	old = rcu_replace_pointer(peer->keys[slot], key,
				  lockdep_is_held(&peer->keys_lock));
	spin_unlock_bh(&peer->keys_lock);
	ovl_key_put_rcu(old);
	return old;
}

/*
 * Swap @peer's keys: the secondary key becomes the primary one, the
 * primary one (if any) the secondary one.  Context: @peer->keys_lock held.
 */
static void ovl_peer_swap_locked(struct ovl_peer *peer)
{
	struct ovl_key *primary, *secondary;

	primary = rcu_dereference_protected(peer->keys[OVL_KEY_SLOT_PRIMARY],
					    lockdep_is_held(&peer->keys_lock));
	secondary = rcu_dereference_protected(peer->keys[OVL_KEY_SLOT_SECONDARY],
					      lockdep_is_held(&peer->keys_lock));
	write_seqcount_begin(&peer->keys_seq);
	rcu_assign_pointer(peer->keys[OVL_KEY_SLOT_PRIMARY], secondary);
	rcu_assign_pointer(peer->keys[OVL_KEY_SLOT_SECONDARY], primary);
	write_seqcount_end(&peer->keys_seq);
}

/**
 * ovl_peer_swap_keys - swap @peer's primary and secondary keys
 * @peer: the peer
 *
 * Returns false, changing nothing, if there is no secondary key.  A key
 * swapped in by hand waits no longer to be promoted.  Context:
 * &ovl_dev.lock held.
 */
bool ovl_peer_swap_keys(struct ovl_peer *peer)
{
	struct ovl_key *secondary;

	spin_lock_bh(&peer->keys_lock);
	secondary = rcu_dereference_protected(peer->keys[OVL_KEY_SLOT_SECONDARY],
					      lockdep_is_held(&peer->keys_lock));
	if (secondary) {
		clear_bit(OVL_KEY_PROMOTE, &secondary->flags);
		ovl_peer_swap_locked(peer);
	}
	spin_unlock_bh(&peer->keys_lock);
	return secondary;
}

/**
 * ovl_peer_promote_key - a message authenticated under @key, which waits
 *	to be promoted: make it @peer's primary key
 * @peer: the peer
 * @key: the key, found in the secondary slot when the message came
 *
 * The old primary key goes to the secondary slot, where it still receives
 * what the peer sent under it before.  Only the first caller promotes: a
 * key that is no longer in the secondary slot (replaced, deleted, swapped
 * in by hand) is left where it is.  Context: softirq (the NAPI poll of the
 * peer's receive slot), RCU read side, a reference to @key held.
 */
void ovl_peer_promote_key(struct ovl_peer *peer, struct ovl_key *key)
{
	bool done = false;

	if (!test_and_clear_bit(OVL_KEY_PROMOTE, &key->flags))
		return;
	spin_lock_bh(&peer->keys_lock);
	if (!READ_ONCE(peer->dead) &&
	    rcu_access_pointer(peer->keys[OVL_KEY_SLOT_SECONDARY]) == key) {
		ovl_peer_swap_locked(peer);
		done = true;
	}
	spin_unlock_bh(&peer->keys_lock);
	if (done)
		ovl_nl_key_event(peer, key, OVL_KEY_SLOT_PRIMARY,
				 OVL_KEY_EVENT_PROMOTED);
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
	kvfree(ovl->ep_hash);
}

void ovl_peer_get_endpoint(struct ovl_peer *peer, union ovl_endpoint *ep)
{
	read_lock_bh(&peer->endpoint_lock);
	*ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
}

/*
 * The bucket of &ovl_dev.ep_hash that peers with endpoint @ep are in.
 * Readers walk it under RCU and compare each peer's endpoint.
 */
struct hlist_head *ovl_peer_ep_bucket(struct ovl_dev *ovl,
				      const union ovl_endpoint *ep)
{
	u32 h;

	if (ep->addr.sa_family == AF_INET)
		h = jhash_2words((__force u32)ep->addr4.sin_addr.s_addr,
				 (__force u32)ep->addr4.sin_port, 0);
	else
		h = jhash2((const u32 *)&ep->addr6.sin6_addr, 4,
			   (__force u32)ep->addr6.sin6_port);
	return &ovl->ep_hash[h >> (32 - OVL_EP_HASH_BITS)];
}

/*
 * Relink @peer in &ovl_dev.ep_hash under its new endpoint.  Context:
 * &ovl_peer.endpoint_lock held for writing (so BH is disabled): the hash
 * bucket changes with the endpoint, atomically for every other writer.
 * A removed peer is not hashed again (ovl_peer_remove() unhashed it).
 */
static void ovl_peer_ep_relink(struct ovl_peer *peer)
{
	struct ovl_dev *ovl = peer->ovl;

	lockdep_assert_held_write(&peer->endpoint_lock);
	spin_lock(&ovl->ep_hash_lock);
	if (!READ_ONCE(peer->dead)) {
		if (!hlist_unhashed(&peer->ep_node))
			hlist_del_rcu(&peer->ep_node);
		hlist_add_head_rcu(&peer->ep_node,
				   ovl_peer_ep_bucket(ovl, &peer->endpoint));
	}
	spin_unlock(&ovl->ep_hash_lock);
}

/*
 * Move @peer's endpoint to @ep, reached from our address @src (AF_UNSPEC:
 * let the routing table choose).  The cached route goes, the roaming
 * state starts afresh.  Context: &ovl_peer.endpoint_lock held for writing.
 */
static void ovl_peer_endpoint_move(struct ovl_peer *peer,
				   const union ovl_endpoint *ep,
				   const union ovl_endpoint *src)
{
	lockdep_assert_held_write(&peer->endpoint_lock);
	peer->endpoint = *ep;
	peer->endpoint_src = *src;
	/* No reader can hold a route got or set before this (peer.h). */
	dst_cache_reset(&peer->dst_cache);
	ovl_roam_reset(&peer->roam);
	ovl_peer_ep_relink(peer);
}

/*
 * The endpoint netlink gave.  Context: any but hard IRQ; the peer is
 * live (not yet removed), which netlink (under &ovl_dev.lock) guarantees.
 */
void ovl_peer_set_endpoint(struct ovl_peer *peer, const union ovl_endpoint *ep)
{
	const union ovl_endpoint any = { .addr.sa_family = AF_UNSPEC };

	write_lock_bh(&peer->endpoint_lock);
	ovl_peer_endpoint_move(peer, ep, &any);
	write_unlock_bh(&peer->endpoint_lock);
}

/* Same local address (the port is not part of it); AF_UNSPEC equals itself. */
static bool ovl_local_eq(const union ovl_endpoint *a,
			 const union ovl_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr);
	return true;
}

/*
 * Where a datagram from @src to our @local is, to @peer's roaming rules.
 * An endpoint whose local address is not known yet (set by netlink) is
 * matched by its remote address alone.  Context: &ovl_peer.endpoint_lock
 * held.
 */
static enum ovl_roam_from ovl_peer_roam_from(struct ovl_peer *peer,
					     const union ovl_endpoint *src,
					     const union ovl_endpoint *local)
{
	if (ovl_endpoint_eq(&peer->endpoint, src) &&
	    (peer->endpoint_src.addr.sa_family == AF_UNSPEC ||
	     ovl_local_eq(&peer->endpoint_src, local)))
		return OVL_ROAM_FROM_ENDPOINT;
	if (peer->roam.pending && ovl_endpoint_eq(&peer->roam_ep, src) &&
	    (peer->roam_src.addr.sa_family == AF_UNSPEC ||
	     ovl_local_eq(&peer->roam_src, local)))
		return OVL_ROAM_FROM_CANDIDATE;
	return OVL_ROAM_FROM_OTHER;
}

/**
 * ovl_peer_endpoint_rx - an authenticated, fresh datagram came straight
 * from @peer
 * @peer: the peer
 * @src: where from
 * @local: our address it came to (port 0)
 * @newest: its counter is above every counter accepted before under its key
 *
 * Applies the roaming rules (roam.h): the endpoint does not move here; a
 * datagram from elsewhere may make its source the roam candidate, which
 * is then probed.  The first datagram from an endpoint netlink set tells
 * which of our addresses the peer talks to.
 *
 * Returns true if the datagram came from the endpoint.  Context: softirq
 * (the NAPI poll of the peer's receive slot), RCU read side.
 */
bool ovl_peer_endpoint_rx(struct ovl_peer *peer, const union ovl_endpoint *src,
			  const union ovl_endpoint *local, bool newest)
{
	union ovl_endpoint to, from;
	enum ovl_roam_from where;
	unsigned int act;
	bool settled;
	u64 nonce;

	/* The common case, read-locked: from the endpoint, nothing pending. */
	read_lock(&peer->endpoint_lock);
	where = ovl_peer_roam_from(peer, src, local);
	settled = where == OVL_ROAM_FROM_ENDPOINT && !peer->roam.pending &&
		  peer->endpoint_src.addr.sa_family != AF_UNSPEC;
	read_unlock(&peer->endpoint_lock);
	if (settled || !newest)
		return where == OVL_ROAM_FROM_ENDPOINT;

	nonce = get_random_u64();
	write_lock(&peer->endpoint_lock);
	where = ovl_peer_roam_from(peer, src, local);
	if (where == OVL_ROAM_FROM_ENDPOINT &&
	    peer->endpoint_src.addr.sa_family == AF_UNSPEC) {
		/* Same remote address: nothing to confirm, the route follows. */
		peer->endpoint_src = *local;
		dst_cache_reset(&peer->dst_cache);
	}
	act = ovl_roam_rx(&peer->roam, where, newest, nonce, ovl_now_ms(),
			  READ_ONCE(peer->ovl->path_cfg.probe_interval_ms));
	if (act & OVL_ROAM_RECORD) {
		peer->roam_ep = *src;
		peer->roam_src = *local;
	}
	to = peer->roam_ep;
	from = peer->roam_src;
	write_unlock(&peer->endpoint_lock);

	/* Straight to the candidate, from the address it talked to. */
	if (act & OVL_ROAM_PROBE)
		ovl_send_probe(peer, OVL_PROBE_REQUEST, nonce, &to, &from);
	return where == OVL_ROAM_FROM_ENDPOINT;
}

/**
 * ovl_peer_roam_reply - an authenticated, fresh PROBE reply came straight
 * from @peer
 * @peer: the peer
 * @src: where from
 * @local: our address it came to (port 0)
 * @nonce: the nonce it echoes
 *
 * Returns true if it answered the roam candidate's probe from the
 * candidate: the endpoint has moved there.  Context: softirq, RCU.
 */
bool ovl_peer_roam_reply(struct ovl_peer *peer, const union ovl_endpoint *src,
			 const union ovl_endpoint *local, u64 nonce)
{
	union ovl_endpoint ep, ep_src;
	bool moved;

	write_lock(&peer->endpoint_lock);
	moved = ovl_roam_reply(&peer->roam,
			       ovl_peer_roam_from(peer, src, local), nonce);
	if (moved) {
		ep = peer->roam_ep;
		ep_src = peer->roam_src;
		ovl_peer_endpoint_move(peer, &ep, &ep_src);
	}
	write_unlock(&peer->endpoint_lock);
	return moved;
}

/**
 * ovl_peer_punch_candidate - the beacon says @peer is at @ep now
 * @peer: a peer with no working direct path (relayed, or no endpoint)
 * @ep: the address an authenticated PUNCH_COMMAND named, just punched
 *
 * @ep becomes the roam candidate (with no local address of ours yet: the
 * answer may come to any) and is probed at once; the endpoint moves there
 * only when the probe's authenticated answer comes back from it (roam.h),
 * and the relay prober then brings the peer back to direct.  A peer that
 * is direct and has an endpoint is left alone.  Context: softirq, RCU.
 */
void ovl_peer_punch_candidate(struct ovl_peer *peer,
			      const union ovl_endpoint *ep)
{
	union ovl_endpoint to;
	unsigned int act;
	u64 nonce;

	/* Once set, an endpoint is never unset: a stale answer is harmless. */
	if (data_race(peer->endpoint.addr.sa_family) != AF_UNSPEC &&
	    READ_ONCE(peer->path.path) != OVL_PATH_RELAY)
		return;
	nonce = get_random_u64();
	write_lock_bh(&peer->endpoint_lock);
	if (ovl_endpoint_eq(&peer->endpoint, ep)) {
		/* The relay prober probes it already. */
		write_unlock_bh(&peer->endpoint_lock);
		return;
	}
	/* Punches are authenticated and rate-limited: probe each one. */
	act = ovl_roam_rx(&peer->roam, OVL_ROAM_FROM_OTHER, true, nonce,
			  ovl_now_ms(), 0);
	if (act & OVL_ROAM_RECORD) {
		peer->roam_ep = *ep;
		memset(&peer->roam_src, 0, sizeof(peer->roam_src));
		peer->roam_src.addr.sa_family = AF_UNSPEC;
	}
	to = peer->roam_ep;
	write_unlock_bh(&peer->endpoint_lock);
	if (act & OVL_ROAM_PROBE)
		ovl_send_probe(peer, OVL_PROBE_REQUEST, nonce, &to, NULL);
}
