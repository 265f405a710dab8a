// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: route an inner packet to its peer by allowed-ips, encrypt it
 * under the peer's primary key and send it over UDP, straight to the peer
 * or wrapped in a RELAY message to the beacon, as the peer's path says
 * (relay.c).
 *
 * Context: ovl_xmit() is ndo_start_xmit, with BH disabled and
 * rcu_read_lock_bh() held by the core.  Devices are LLTX: several CPUs
 * transmit at once.  They only route, choose the path and queue (queue.h);
 * the crypt workers segment and seal with ovl_send_seal(), and the peer's
 * tx work sends in order with ovl_send_sealed().  Keepalives go the same
 * way; probes are sealed and sent at once, when they cannot overtake
 * queued data too far (queue.c).
 */

#include <crypto/chacha20poly1305.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/icmp.h>

#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "queue.h"
#include "relay.h"
#include "send.h"
#include "socket.h"

/* The inner packet's family, once its IP header is known to be there. */
static int ovl_inner_family(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP) &&
	    pskb_network_may_pull(skb, sizeof(struct iphdr)) &&
	    ip_hdr(skb)->version == 4)
		return AF_INET;
	if (skb->protocol == htons(ETH_P_IPV6) &&
	    pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) &&
	    ipv6_hdr(skb)->version == 6)
		return AF_INET6;
	return AF_UNSPEC;
}

static const void *ovl_inner_daddr(struct sk_buff *skb, int family)
{
	return family == AF_INET ? (void *)&ip_hdr(skb)->daddr :
				   (void *)&ipv6_hdr(skb)->daddr;
}

/* Tell the sender nobody can take its packet, then drop it. */
static void ovl_xmit_unreachable(struct ovl_dev *ovl, struct sk_buff *skb,
				 int family, enum ovl_a_drops reason)
{
	if (family == AF_INET)
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else if (family == AF_INET6)
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
	ovl_drop(ovl, reason);
	dev_core_stats_tx_dropped_inc(ovl->dev);
	kfree_skb(skb);
}

void ovl_tx_drop(struct ovl_dev *ovl, struct sk_buff *skb,
		 enum ovl_a_drops reason)
{
	ovl_drop(ovl, reason);
	dev_core_stats_tx_dropped_inc(ovl->dev);
	kfree_skb(skb);
}

/**
 * ovl_route_resolve - where messages to @peer go now
 * @peer: the peer
 * @relay: through the beacon (the peer's path said so when they were queued)
 * @rt: filled in
 *
 * Returns 0, or the reason to drop the messages: no beacon to relay through
 * (none, or one without keys), or no endpoint.
 * A direct route names no address: the endpoint is read when each message
 * is sent, under the lock that keeps it and its cached route together.
 * Context: RCU-BH read side, which keeps what @rt points to.
 */
int ovl_route_resolve(struct ovl_peer *peer, bool relay, struct ovl_route *rt)
{
	struct ovl_beacon *beacon;

	rt->src = NULL;
	if (relay) {
		beacon = rcu_dereference_bh(peer->ovl->beacon);
		if (!beacon || !beacon->auth)	/* ovl_relay_usable() */
			return OVL_A_DROPS_TX_NO_BEACON;
		rt->beacon = beacon;
		rt->to = &beacon->ep;
		rt->cache = &beacon->dst_cache;
		rt->relay_dst = peer->node_id;
		return 0;
	}
	/*
	 * Whether there is an endpoint: once set it is never unset, so this
	 * answer holds; the send reads it under its lock.
	 */
	if (data_race(peer->endpoint.addr.sa_family) == AF_UNSPEC)
		return OVL_A_DROPS_TX_NO_ENDPOINT;
	rt->to = NULL;
	rt->cache = NULL;
	rt->relay_dst = 0;
	rt->beacon = NULL;
	return 0;
}

/**
 * ovl_send_key_usable - may @peer's primary key @key still send?
 * @peer: the peer
 * @key: its primary key
 *
 * A key past its lifetime does not (the control plane is asked for a new
 * one, and told the key expired); one near its end asks for a new key,
 * once.  A key without a lifetime costs one test.  Context: any, RCU read
 * side, no spinlock of the data path held.
 */
static bool ovl_send_key_usable(struct ovl_peer *peer, struct ovl_key *key)
{
	if (likely(!key->life.expires))
		return true;
	if (ovl_key_expired(key)) {
		ovl_nl_key_needed(peer, OVL_KEY_REASON_EXPIRED);
		ovl_nl_key_expired(peer, key);
		return false;
	}
	/* Read before the atomic write: the line stays shared meanwhile. */
	if (ovl_key_aging(key) && !test_bit(OVL_KEY_AGE_NTF, &key->flags) &&
	    !test_and_set_bit(OVL_KEY_AGE_NTF, &key->flags))
		ovl_nl_key_needed(peer, OVL_KEY_REASON_AGE);
	return true;
}

/**
 * ovl_send_claimed - ask for a new key if a claim ran @peer's key down
 * @peer: the peer
 * @key: the key they were claimed from
 * @n: how many counters were asked for
 * @got: how many ovl_key_next_counters() gave
 * @counter: the first of them
 *
 * Apart from the claim so that a claim made under the tx queue's lock
 * can tell the control plane after the lock is dropped.  Context: any,
 * RCU read side, no spinlock of the data path held.
 */
void ovl_send_claimed(struct ovl_peer *peer, struct ovl_key *key,
		      unsigned int n, unsigned int got, u64 counter)
{
	if (got < n)
		ovl_nl_key_needed(peer, OVL_KEY_REASON_EXHAUSTED);
	if (got && unlikely(ovl_key_near_limit(key, counter + got - 1)))
		ovl_nl_key_needed(peer, OVL_KEY_REASON_LIMIT);
}

/**
 * ovl_send_claim - claim counters of @key for messages to @peer
 * @peer: the peer
 * @key: its primary key
 * @n: how many messages
 * @counter: the first counter claimed; the others follow it
 *
 * Asks the control plane for a new key as this one runs out.  Returns how
 * many counters were claimed, fewer than @n once the key has run out.
 * Context: any, RCU read side.
 */
unsigned int ovl_send_claim(struct ovl_peer *peer, struct ovl_key *key,
			    unsigned int n, u64 *counter)
{
	unsigned int got = ovl_key_next_counters(key, n, counter);

	ovl_send_claimed(peer, key, n, got, got ? *counter : 0);
	return got;
}

/**
 * ovl_send_seal - turn one packet (not GSO) into a sealed message, in place
 * @ovl: the device
 * @key: the key to seal under
 * @type: %OVL_MSG_DATA or %OVL_MSG_PROBE
 * @skb: the packet
 * @counter: the message counter claimed for it
 *
 * Leaves headroom for a RELAY header.  Context: process (crypt worker) or
 * BH disabled.  Returns false, leaving @skb to be dropped, if it could not
 * be made writable.
 */
bool ovl_send_seal(struct ovl_dev *ovl, struct ovl_key *key, u8 type,
		   struct sk_buff *skb, u64 counter)
{
	unsigned int len = skb->len;
	struct ovl_data_hdr *hdr;

	/*
	 * The checksum must be final before the payload is sealed, and the
	 * payload ours to overwrite (TCP keeps clones for retransmission).
	 */
	if ((skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) ||
	    skb_ensure_writable(skb, skb->len) ||
	    skb_cow_head(skb, OVL_RELAY2_HDR_LEN + OVL_DATA_HDR_LEN +
			 OVL_IPV6_HDR_LEN + OVL_UDP_HDR_LEN + LL_MAX_HEADER) ||
	    (skb_tailroom(skb) < OVL_AUTHTAG_LEN &&
	     pskb_expand_head(skb, 0, OVL_AUTHTAG_LEN, GFP_ATOMIC)))
		return false;

	hdr = skb_push(skb, sizeof(*hdr));
	hdr->type = type;
	hdr->key_id = key->id;
	hdr->reserved = 0;
	hdr->sender = cpu_to_be32(READ_ONCE(ovl->node_id));
	hdr->counter = cpu_to_be64(counter);
	chacha20poly1305_encrypt((u8 *)(hdr + 1), (u8 *)(hdr + 1), len,
				 (u8 *)hdr, sizeof(*hdr), counter, key->tx);
	skb_put(skb, OVL_AUTHTAG_LEN);
	return true;
}

/**
 * ovl_send_sealed - send a message made by ovl_send_seal()
 * @peer: the peer it is for
 * @rt: the way, from ovl_route_resolve(): a RELAY header is pushed if it
 *	goes through the beacon
 * @skb: the message; consumed
 *
 * Context: BH disabled, RCU-BH read side.
 */
void ovl_send_sealed(struct ovl_peer *peer, const struct ovl_route *rt,
		     struct sk_buff *skb)
{
	unsigned int len = skb->len - OVL_DATA_HDR_LEN - OVL_AUTHTAG_LEN;
	bool data = skb->data[0] == OVL_MSG_DATA;
	struct ovl_dev *ovl = peer->ovl;

	if (rt->relay_dst)
		ovl_relay_wrap(rt->beacon, skb, rt->relay_dst);
	if (rt->to ? ovl_socket_send_src(ovl, rt->cache, rt->to, rt->src, skb) :
		     ovl_socket_send_peer(peer, skb)) {
		ovl_drop(ovl, OVL_A_DROPS_TX_ERROR);
		dev_core_stats_tx_dropped_inc(ovl->dev);
		return;
	}
	/* The device's own tx counters were updated by the tunnel xmit. */
	WRITE_ONCE(peer->last_tx, jiffies);
	if (!data)
		return;
	if (!rt->relay_dst)
		ovl_path_direct_tx(&peer->path, ovl_now_ms());
	atomic64_inc(&peer->stats.tx_packets);
	atomic64_add(len, &peer->stats.tx_bytes);
	if (rt->relay_dst)
		atomic64_inc(&peer->stats.relay_tx_packets);
}

/*
 * Seal a message with no data (a probe) and send it at once.  It overtakes
 * the packets queued for @peer, and would get them refused by the peer's
 * replay window if they held too many counters: then it is not sent (the
 * prober tries again later).  Consumes @skb.  Context: BH disabled, RCU-BH
 * read side.
 */
static void ovl_send_now(struct ovl_peer *peer, struct ovl_key *key, u8 type,
			 const struct ovl_route *rt, struct sk_buff *skb)
{
	u64 counter;

	if (!ovl_queue_may_overtake(peer)) {
		ovl_tx_drop(peer->ovl, skb, OVL_A_DROPS_TX_QUEUE_FULL);
		return;
	}
	if (!ovl_send_claim(peer, key, 1, &counter)) {
		ovl_tx_drop(peer->ovl, skb, OVL_A_DROPS_TX_NO_KEY);
		return;
	}
	if (!ovl_send_seal(peer->ovl, key, type, skb, counter)) {
		ovl_tx_drop(peer->ovl, skb, OVL_A_DROPS_TX_ERROR);
		return;
	}
	ovl_send_sealed(peer, rt, skb);
}

/* Whether a packet for @peer on @path can go anywhere, or why not. */
static int ovl_path_usable(struct ovl_dev *ovl, struct ovl_peer *peer,
			   int path)
{
	if (path < 0)
		return OVL_A_DROPS_RELAY_CAP;
	if (path == OVL_PATH_RELAY)
		return ovl_relay_usable(ovl) ? 0 : OVL_A_DROPS_TX_NO_BEACON;
	/*
	 * Only whether there is an endpoint, for the ICMP error: the tx work
	 * reads it under its lock when it sends (ovl_socket_send_peer()).
	 */
	if (data_race(peer->endpoint.addr.sa_family) == AF_UNSPEC)
		return OVL_A_DROPS_TX_NO_ENDPOINT;
	return 0;
}

netdev_tx_t ovl_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ovl_dev *ovl = netdev_priv(dev);
	struct ovl_peer *peer;
	struct ovl_key *key;
	int family, reason, path;

	family = ovl_inner_family(skb);
	if (family == AF_UNSPEC) {
		ovl_tx_drop(ovl, skb, OVL_A_DROPS_TX_NO_PEER);
		return NETDEV_TX_OK;
	}
	peer = ovl_aips_lookup(&ovl->aips, family, ovl_inner_daddr(skb, family));
	if (!peer) {
		ovl_xmit_unreachable(ovl, skb, family, OVL_A_DROPS_TX_NO_PEER);
		return NETDEV_TX_OK;
	}
	key = rcu_dereference_bh(peer->keys[OVL_KEY_SLOT_PRIMARY]);
	if (!key) {
		ovl_nl_key_needed(peer, OVL_KEY_REASON_NO_KEY);
		ovl_xmit_unreachable(ovl, skb, family, OVL_A_DROPS_TX_NO_KEY);
		return NETDEV_TX_OK;
	}
	if (!ovl_send_key_usable(peer, key)) {
		ovl_xmit_unreachable(ovl, skb, family, OVL_A_DROPS_TX_KEY_EXPIRED);
		return NETDEV_TX_OK;
	}
	/* The path heuristics count the send, and may flip the peer. */
	path = ovl_peer_tx_path(peer);
	reason = ovl_path_usable(ovl, peer, path);
	if (reason) {
		ovl_xmit_unreachable(ovl, skb, family, reason);
		return NETDEV_TX_OK;
	}

	/*
	 * Segmented (GSO) and sealed by the crypt workers, sent in order by
	 * the peer's tx work.
	 */
	ovl_queue_tx(peer, key, path == OVL_PATH_RELAY, skb);
	return NETDEV_TX_OK;
}

/*
 * An empty DATA message (a keepalive) to @peer, direct or through the
 * beacon, queued behind the peer's data so that its counter never
 * overtakes theirs.  Context: RCU-BH.
 */
static void ovl_send_empty(struct ovl_peer *peer, bool relay)
{
	struct ovl_key *key = rcu_dereference_bh(peer->keys[OVL_KEY_SLOT_PRIMARY]);
	struct sk_buff *skb;

	if (!key || ovl_key_expired(key))
		return;
	skb = alloc_skb(LL_MAX_HEADER + OVL_OVERHEAD, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, LL_MAX_HEADER + OVL_OVERHEAD - OVL_AUTHTAG_LEN);
	ovl_queue_tx(peer, key, relay, skb);
}

/**
 * ovl_send_keepalive - send @peer a DATA message with no payload
 * @peer: the peer
 *
 * Keeps NAT mappings on the path open and tells the peer we are alive.
 * It goes the way data is going now, direct or relayed, through the
 * peer's ordered queue behind the data already there, so that its counter
 * never overtakes theirs; but it is not a send the path heuristics count:
 * keepalives are never answered, so a keepalive set on one side only must
 * not make the peer look silent.  Nothing is sent without a key and a way
 * to the peer.  Context: softirq (the keepalive timer), or process
 * context (netlink, when a handshake's keys become the primary ones).
 */
void ovl_send_keepalive(struct ovl_peer *peer)
{
	bool relay = READ_ONCE(peer->path.path) == OVL_PATH_RELAY;
	struct ovl_route rt;

	rcu_read_lock_bh();
	if (!ovl_route_resolve(peer, relay, &rt))
		ovl_send_empty(peer, relay);
	rcu_read_unlock_bh();
}

/**
 * ovl_send_keepalive_direct - a passive keepalive: an empty DATA message
 *	straight to @peer's endpoint, never through the beacon
 * @peer: the peer
 *
 * Context: softirq (the peer's receive slot).
 */
void ovl_send_keepalive_direct(struct ovl_peer *peer)
{
	rcu_read_lock_bh();
	ovl_send_empty(peer, false);
	rcu_read_unlock_bh();
}

/**
 * ovl_send_probe - send @peer a PROBE straight, never through the beacon
 * @peer: the peer
 * @kind: %OVL_PROBE_REQUEST or %OVL_PROBE_REPLY
 * @nonce: the request's nonce, which a reply echoes
 * @to: where to (the source of the request being answered, a roam
 *	candidate), or NULL for the peer's endpoint
 * @src: with @to, our address to send from (the one @to talked to), or
 *	NULL
 *
 * Context: softirq or BH disabled.
 */
void ovl_send_probe(struct ovl_peer *peer, u8 kind, u64 nonce,
		    const union ovl_endpoint *to,
		    const union ovl_endpoint *src)
{
	struct ovl_route rt = { .to = to, .src = src };
	struct ovl_key *key;
	struct sk_buff *skb;
	__be64 be_nonce;
	u8 *payload;

	rcu_read_lock_bh();
	key = rcu_dereference_bh(peer->keys[OVL_KEY_SLOT_PRIMARY]);
	if (!key || ovl_key_expired(key))
		goto out;
	if (to && to->addr.sa_family == AF_UNSPEC)
		goto out;
	/* Once set, an endpoint is never unset; the send reads it locked. */
	if (!to && data_race(peer->endpoint.addr.sa_family) == AF_UNSPEC)
		goto out;
	skb = alloc_skb(LL_MAX_HEADER + OVL_OVERHEAD + OVL_PROBE_LEN, GFP_ATOMIC);
	if (!skb)
		goto out;
	skb_reserve(skb, LL_MAX_HEADER + OVL_OVERHEAD - OVL_AUTHTAG_LEN);
	payload = skb_put_zero(skb, OVL_PROBE_LEN);
	payload[0] = kind;
	be_nonce = cpu_to_be64(nonce);
	memcpy(payload + 8, &be_nonce, sizeof(be_nonce));
	ovl_send_now(peer, key, OVL_MSG_PROBE, &rt, skb);
out:
	rcu_read_unlock_bh();
}
