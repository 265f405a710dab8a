/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_PEER_H
#define _OVL_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rhashtable.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <net/dst_cache.h>

#include "allowedips.h"
#include "key.h"
#include "path.h"
#include "queue.h"
#include "roam.h"

struct ovl_dev;

/**
 * union ovl_endpoint - where a peer's datagrams go; family AF_UNSPEC when
 * the peer has no endpoint
 */
union ovl_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

/**
 * struct ovl_peer_stats - per-peer counters, updated locklessly
 */
struct ovl_peer_stats {
	atomic64_t rx_packets;
	atomic64_t rx_bytes;
	atomic64_t tx_packets;
	atomic64_t tx_bytes;
	atomic64_t relay_rx_packets;
	atomic64_t relay_tx_packets;
	atomic64_t flips;
	atomic64_t relay_cap_drops;
	atomic64_t icmp_errors;
};

/**
 * struct ovl_peer - a remote node this device exchanges packets with
 * @hnode: entry in &ovl_dev.peers, keyed by @node_id (data path lookups)
 * @ep_node: entry in &ovl_dev.ep_hash, by @endpoint (ICMP errors)
 * @tnode: entry in &ovl_dev.peer_tree, ordered by @node_id (dumps)
 * @node_id: the peer's node id, fixed for its lifetime
 * @ovl: the device the peer belongs to
 * @aips: the peer's allowed-ips prefixes (writer side, under &ovl_dev.lock)
 * @endpoint_lock: protects @endpoint, @endpoint_src, @dst_cache (see
 *	below), @roam, @roam_ep and @roam_src
 * @endpoint: where direct datagrams go
 * @endpoint_src: our local address the peer's datagrams from @endpoint
 *	come to (port 0), the source of what we send it; AF_UNSPEC while
 *	unknown (the routing table then picks one)
 * @dst_cache: route cache for @endpoint from @endpoint_src
 * @roam: roaming state (roam.h)
 * @roam_ep: the roam candidate's address, valid while @roam.pending
 * @roam_src: the local address the candidate's datagrams came to
 * @keepalive: keepalive interval in seconds; 0 is off
 * @keepalive_timer: sends a keepalive when nothing went out for @keepalive
 *	seconds, so that NAT mappings on the way stay open
 * @last_tx: jiffies of the last DATA message sent
 * @dead: set once the peer is unlinked (under @path_lock); its timers
 *	then stop re-arming
 * @keys: primary and secondary session keys (RCU; written under
 *	&ovl_dev.lock and @keys_lock, or, to promote a key, under
 *	@keys_lock alone from the data path)
 * @keys_lock: serializes changes to @keys, so that a promotion in the
 *	data path and a netlink command never interleave
 * @keys_seq: bumped around a swap of @keys, which takes two stores: a
 *	receiver looking a key up by id retries rather than miss a key that
 *	was moving between the slots (ovl_peer_rx_key())
 * @last_handshake: Unix seconds of the last install of a key with a
 *	lifetime (a handshake's), 0 if none; under &ovl_dev.lock
 * @cert_expiry: Unix seconds the control daemon gave as the peer's
 *	certificate's expiry, 0 if none; under &ovl_dev.lock
 * @stats: counters
 * @path_lock: serializes changes to @path (relay.c)
 * @path: direct or relay, and the observations that decide it
 * @probe_timer: probes the direct path while the peer is relayed
 * @last_cap_ntf: jiffies of the last relay-cap event (rate limit)
 * @last_key_ntf: jiffies of the last key-needed event, per reason (rate
 *	limit)
 * @queues: ordered transmit queue (queue.h)
 * @refcnt: the peer table holds one reference, every queued packet and
 *	the queued tx work another
 * @rcu: frees the peer after a grace period
 *
 * Endpoint locking: @endpoint_lock is a BH-safe rwlock.  Whoever sends to
 * the endpoint holds it for reading from reading @endpoint until the
 * datagram is handed to the IP layer, and looks up, gets and sets the
 * route in @dst_cache only within that hold (ovl_socket_send_peer()).
 * The endpoint is changed only with it held for writing, which resets
 * @dst_cache and relinks the peer in &ovl_dev.ep_hash (under
 * &ovl_dev.ep_hash_lock, nested inside) in the same hold
 * (ovl_peer_set_endpoint(), a confirmed roam).  So a cached route was
 * always looked up for the endpoint and source it is used with, and the
 * hash bucket a peer is in is always its endpoint's, whatever the order
 * in which netlink and roams change it.
 *
 * Lifetime: a peer is reachable from the data path only through the peer
 * table and the allowed-ips trie, both RCU; it is unlinked from both under
 * &ovl_dev.lock, which drops the table's reference, and freed a grace
 * period after its last reference is dropped.  Data-path users that found
 * the peer under RCU take a reference with ovl_peer_tryget() before they
 * queue a packet for it (queue.c); all others never sleep and never hold
 * a peer beyond their RCU read section.
 */
struct ovl_peer {
	struct rhash_head hnode;
	struct hlist_node ep_node;
	struct rb_node tnode;
	u32 node_id;
	struct ovl_dev *ovl;
	struct list_head aips;
	rwlock_t endpoint_lock;
	union ovl_endpoint endpoint;
	union ovl_endpoint endpoint_src;
	struct dst_cache dst_cache;
	struct ovl_roam roam;
	union ovl_endpoint roam_ep;
	union ovl_endpoint roam_src;
	u32 keepalive;
	struct timer_list keepalive_timer;
	unsigned long last_tx;
	bool dead;
	struct ovl_key __rcu *keys[2];
	spinlock_t keys_lock;	/* serializes changes to @keys */
	seqcount_spinlock_t keys_seq;
	u64 last_handshake;
	u64 cert_expiry;
	struct ovl_peer_stats stats;
	spinlock_t path_lock;	/* protects @path */
	struct ovl_path_state path;
	struct timer_list probe_timer;
	unsigned long last_cap_ntf;
	unsigned long last_key_ntf[OVL_KEY_REASON_AGE + 1];
	struct ovl_peer_queues queues;
	refcount_t refcnt;
	struct rcu_head rcu;
};

/* Context: RCU read side, @peer found in the table or the trie. */
static inline bool ovl_peer_tryget(struct ovl_peer *peer)
{
	return refcount_inc_not_zero(&peer->refcnt);
}

/* Another reference, for a caller that holds one. */
static inline void ovl_peer_get(struct ovl_peer *peer)
{
	refcount_inc(&peer->refcnt);
}

void ovl_peer_put(struct ovl_peer *peer);

int ovl_peers_init(struct ovl_dev *ovl);
void ovl_peers_uninit(struct ovl_dev *ovl);

struct ovl_peer *ovl_peer_lookup(struct ovl_dev *ovl, u32 node_id);
struct ovl_peer *ovl_peer_create(struct ovl_dev *ovl, u32 node_id);
int ovl_peer_insert(struct ovl_peer *peer);
void ovl_peer_remove(struct ovl_peer *peer);
void ovl_peer_free_unused(struct ovl_peer *peer);
struct ovl_peer *ovl_peer_first_after(struct ovl_dev *ovl, u32 node_id);
struct ovl_peer *ovl_peer_next(struct ovl_peer *peer);
unsigned int ovl_peer_count(const struct ovl_dev *ovl);

void ovl_peer_set_keepalive(struct ovl_peer *peer, u32 secs);
void ovl_peer_get_endpoint(struct ovl_peer *peer, union ovl_endpoint *ep);
void ovl_peer_set_endpoint(struct ovl_peer *peer, const union ovl_endpoint *ep);
bool ovl_peer_endpoint_rx(struct ovl_peer *peer, const union ovl_endpoint *src,
			  const union ovl_endpoint *local, bool newest);
void ovl_peer_punch_candidate(struct ovl_peer *peer,
			      const union ovl_endpoint *ep);
bool ovl_peer_roam_reply(struct ovl_peer *peer, const union ovl_endpoint *src,
			 const union ovl_endpoint *local, u64 nonce);
bool ovl_peer_set_key(struct ovl_peer *peer, int slot, struct ovl_key *key);
bool ovl_peer_swap_keys(struct ovl_peer *peer);
void ovl_peer_promote_key(struct ovl_peer *peer, struct ovl_key *key);
struct hlist_head *ovl_peer_ep_bucket(struct ovl_dev *ovl,
				      const union ovl_endpoint *ep);

#endif /* _OVL_PEER_H */
