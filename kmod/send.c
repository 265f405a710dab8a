// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: route an inner packet to its peer by allowed-ips, encrypt it
 * under the peer's primary key and send it over UDP.
 *
 * Context: ndo_start_xmit, with BH disabled and rcu_read_lock_bh() held by
 * the core.  Devices are LLTX: several CPUs transmit at once.  They only
 * route and queue; the crypt workers segment and encrypt, and the peer's
 * tx work sends, in order (queue.h).
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
 * ovl_send_claim - claim counters of @key for messages to @peer
 * @peer: the peer
 * @key: its key
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

	if (got < n)
		ovl_nl_key_needed(peer, OVL_KEY_REASON_EXHAUSTED);
	if (got && unlikely(ovl_key_near_limit(*counter + got - 1)))
		ovl_nl_key_needed(peer, OVL_KEY_REASON_LIMIT);
	return got;
}

/**
 * ovl_send_seal - turn one packet (not GSO) into a DATA message, in place
 * @ovl: the device
 * @key: the key to encrypt under
 * @skb: the packet
 * @counter: the message counter claimed for it
 *
 * Context: process (crypt worker) or BH disabled.  Returns false, leaving
 * @skb to be dropped, if it could not be made writable.
 */
bool ovl_send_seal(struct ovl_dev *ovl, struct ovl_key *key,
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
	    skb_cow_head(skb, OVL_DATA_HDR_LEN + OVL_IPV6_HDR_LEN +
			 OVL_UDP_HDR_LEN + LL_MAX_HEADER) ||
	    (skb_tailroom(skb) < OVL_AUTHTAG_LEN &&
	     pskb_expand_head(skb, 0, OVL_AUTHTAG_LEN, GFP_ATOMIC)))
		return false;

	hdr = skb_push(skb, sizeof(*hdr));
	hdr->type = OVL_MSG_DATA;
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
 * ovl_send_sealed - send a DATA message made by ovl_send_seal()
 * @peer: the peer it is for
 * @ep: where to send it
 * @skb: the message; consumed
 *
 * Context: BH disabled, RCU read side.
 */
void ovl_send_sealed(struct ovl_peer *peer, const union ovl_endpoint *ep,
		     struct sk_buff *skb)
{
	unsigned int len = skb->len - OVL_DATA_HDR_LEN - OVL_AUTHTAG_LEN;
	struct ovl_dev *ovl = peer->ovl;

	if (ovl_socket_send(ovl, &peer->dst_cache, ep, skb)) {
		ovl_drop(ovl, OVL_A_DROPS_TX_ERROR);
		dev_core_stats_tx_dropped_inc(ovl->dev);
		return;
	}
	/* The device's own tx counters were updated by the tunnel xmit. */
	WRITE_ONCE(peer->last_tx, jiffies);
	atomic64_inc(&peer->stats.tx_packets);
	atomic64_add(len, &peer->stats.tx_bytes);
}

netdev_tx_t ovl_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ovl_dev *ovl = netdev_priv(dev);
	struct ovl_peer *peer;
	struct ovl_key *key;
	int family;

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
	/*
	 * Only whether there is an endpoint, for the ICMP error; the serial
	 * work reads the endpoint itself under its lock when it sends.
	 */
	if (data_race(peer->endpoint.addr.sa_family) == AF_UNSPEC) {
		ovl_xmit_unreachable(ovl, skb, family, OVL_A_DROPS_TX_NO_ENDPOINT);
		return NETDEV_TX_OK;
	}

	/*
	 * Segmented (GSO), encrypted by the crypt workers, sent in order by
	 * the peer's tx work.
	 */
	ovl_queue_tx(peer, key, skb);
	return NETDEV_TX_OK;
}

/**
 * ovl_send_keepalive - send @peer a DATA message with no payload
 * @peer: the peer
 *
 * Keeps NAT mappings on the path open and tells the peer we are alive.
 * Nothing is sent without a key and an endpoint.  Context: softirq (the
 * keepalive timer).  The message is sealed and sent right here, not
 * queued: it carries no data, so it may overtake queued packets (the
 * receiver's replay window accepts counters out of order).
 */
void ovl_send_keepalive(struct ovl_peer *peer)
{
	struct ovl_dev *ovl = peer->ovl;
	union ovl_endpoint ep;
	struct ovl_key *key;
	struct sk_buff *skb;
	u64 counter;

	rcu_read_lock_bh();
	key = rcu_dereference_bh(peer->keys[OVL_KEY_SLOT_PRIMARY]);
	ovl_peer_get_endpoint(peer, &ep);
	if (!key || ep.addr.sa_family == AF_UNSPEC)
		goto out;
	skb = alloc_skb(LL_MAX_HEADER + OVL_OVERHEAD, GFP_ATOMIC);
	if (!skb)
		goto out;
	skb_reserve(skb, LL_MAX_HEADER + OVL_OVERHEAD - OVL_AUTHTAG_LEN);
	if (!ovl_send_claim(peer, key, 1, &counter)) {
		ovl_tx_drop(ovl, skb, OVL_A_DROPS_TX_NO_KEY);
		goto out;
	}
	if (!ovl_send_seal(ovl, key, skb, counter)) {
		ovl_tx_drop(ovl, skb, OVL_A_DROPS_TX_ERROR);
		goto out;
	}
	ovl_send_sealed(peer, &ep, skb);
out:
	rcu_read_unlock_bh();
}
