// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the UDP socket's encap_rcv.  Every datagram is checked before
 * anything in it is believed: its length for its type, then (DATA, PROBE)
 * the sender's node id, the key id, the authentication tag, the replay
 * window and the inner source address against the sender's allowed-ips.
 * Beacon messages count only from the device's beacon; a relayed message
 * only if the beacon's source node id is the sender the message names.  What
 * fails a check is dropped and counted by reason.  Good packets go to the
 * stack through GRO, so that the stack sees batches.
 *
 * Context: ovl_recv() runs in softirq, rcu_read_lock() held by the UDP
 * layer, on whichever CPU the datagram arrived.  It checks the headers and
 * queues sealed messages (queue.h): crypt workers on every CPU open them,
 * ovl_recv_open(), and the NAPI poll of the sender's receive slot checks
 * the replay window, acts on them and delivers them in arrival order,
 * ovl_recv_finish().  Nothing about the peer changes before that.
 */

#include <crypto/chacha20poly1305.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/udp_tunnel.h>

#include "ctrl.h"
#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "queue.h"
#include "receive.h"
#include "relay.h"
#include "send.h"

void ovl_rx_drop(struct ovl_dev *ovl, struct sk_buff *skb,
		 enum ovl_a_drops reason)
{
	ovl_drop(ovl, reason);
	dev_core_stats_rx_dropped_inc(ovl->dev);
	kfree_skb(skb);
}

/* The datagram's source, from its outer headers. */
static void ovl_skb_source(struct sk_buff *skb, union ovl_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ip_hdr(skb)->version == 4) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		ep->addr4.sin_port = udp_hdr(skb)->source;
	} else {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		ep->addr6.sin6_port = udp_hdr(skb)->source;
		ep->addr6.sin6_scope_id = ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr,
							      skb->skb_iif);
	}
}

/* Our address the datagram came to (port 0). */
static void ovl_skb_local(struct sk_buff *skb, union ovl_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ip_hdr(skb)->version == 4) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_addr.s_addr = ip_hdr(skb)->daddr;
	} else {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_addr = ipv6_hdr(skb)->daddr;
	}
}

/*
 * The key of @peer with id @id, in either slot.  A swap moves both keys
 * with two stores; a lookup that ran into one retries, so that no key
 * is missed while it moves (no packet is lost at a rekey).
 */
static struct ovl_key *ovl_peer_rx_key(struct ovl_peer *peer, u8 id)
{
	struct ovl_key *key, *found;
	unsigned int seq;
	int slot;

	do {
		seq = read_seqcount_begin(&peer->keys_seq);
		found = NULL;
		for (slot = 0; slot < ARRAY_SIZE(peer->keys); slot++) {
			key = rcu_dereference(peer->keys[slot]);
			if (key && key->id == id) {
				found = key;
				break;
			}
		}
	} while (read_seqcount_retry(&peer->keys_seq, seq));
	return found;
}

/*
 * Check the decrypted inner packet: a whole IPv4 or IPv6 packet whose
 * source @peer may use.  Trims link padding.  Returns the drop reason, or
 * 0 if the packet is good.
 */
static int ovl_check_inner(struct ovl_dev *ovl, struct ovl_peer *peer,
			   struct sk_buff *skb)
{
	const void *saddr;
	unsigned int len;
	int family;

	if (skb->len >= sizeof(struct iphdr) && ip_hdr(skb)->version == 4) {
		len = ntohs(ip_hdr(skb)->tot_len);
		if (ip_hdr(skb)->ihl < 5 || len < ip_hdr(skb)->ihl * 4)
			return OVL_A_DROPS_BAD_INNER;
		family = AF_INET;
		skb->protocol = htons(ETH_P_IP);
		saddr = &ip_hdr(skb)->saddr;
	} else if (skb->len >= sizeof(struct ipv6hdr) &&
		   ipv6_hdr(skb)->version == 6) {
		len = ntohs(ipv6_hdr(skb)->payload_len) + sizeof(struct ipv6hdr);
		family = AF_INET6;
		skb->protocol = htons(ETH_P_IPV6);
		saddr = &ipv6_hdr(skb)->saddr;
	} else {
		return OVL_A_DROPS_BAD_INNER;
	}
	if (len > skb->len || pskb_trim(skb, len))
		return OVL_A_DROPS_BAD_INNER;
	if (ovl_aips_lookup(&ovl->aips, family, saddr) != peer)
		return OVL_A_DROPS_BAD_SOURCE;
	return 0;
}

/*
 * A PROBE, authenticated and fresh, straight from @src to our @local:
 * answer a request from where it came and to where it came; an answer
 * confirms a roam (it echoes the roam candidate's probe, from the
 * candidate) or counts for the path heuristics.
 */
static void ovl_recv_probe(struct ovl_peer *peer, struct sk_buff *skb,
			   const union ovl_endpoint *src,
			   const union ovl_endpoint *local)
{
	u8 payload[OVL_PROBE_LEN];
	__be64 nonce;

	if (skb->len != OVL_PROBE_LEN ||
	    skb_copy_bits(skb, 0, payload, sizeof(payload))) {
		ovl_rx_drop(peer->ovl, skb, OVL_A_DROPS_BAD_INNER);
		return;
	}
	consume_skb(skb);
	memcpy(&nonce, payload + 8, sizeof(nonce));
	if (payload[0] == OVL_PROBE_REQUEST) {
		ovl_send_probe(peer, OVL_PROBE_REPLY, be64_to_cpu(nonce), src,
			       local);
	} else if (payload[0] == OVL_PROBE_REPLY) {
		if (ovl_peer_roam_reply(peer, src, local, be64_to_cpu(nonce)))
			ovl_peer_path_direct_rx(peer);
		else
			ovl_peer_path_probe_reply(peer, be64_to_cpu(nonce));
	}
}

/*
 * A sealed message: DATA, or PROBE.  @relay_src is the source node id the
 * beacon vouched for when the message came wrapped in a RELAY_DELIVER
 * (0 when it came straight from its sender): it must be the sender the
 * message itself names.  The message is queued to be opened and finished.
 */
static void ovl_recv_sealed(struct ovl_dev *ovl, struct sk_buff *skb,
			    u32 relay_src)
{
	struct ovl_data_hdr *hdr;
	struct ovl_peer *peer;
	struct ovl_key *key;

	if (skb->len < sizeof(*hdr) + OVL_AUTHTAG_LEN ||
	    !pskb_may_pull(skb, sizeof(*hdr))) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_SHORT);
		return;
	}
	hdr = (struct ovl_data_hdr *)skb->data;

	/* Probes test the direct path: one that was relayed means nothing. */
	if (relay_src && hdr->type != OVL_MSG_DATA) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_UNKNOWN_TYPE);
		return;
	}
	if (relay_src && be32_to_cpu(hdr->sender) != relay_src) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_RELAY_MISMATCH);
		return;
	}
	peer = ovl_peer_lookup(ovl, be32_to_cpu(hdr->sender));
	if (!peer) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_UNKNOWN_PEER);
		return;
	}
	key = ovl_peer_rx_key(peer, hdr->key_id);
	if (!key) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_NO_KEY);
		return;
	}
	/* Past its lifetime a key accepts nothing: no crypto for it either. */
	if (ovl_key_expired(key)) {
		ovl_nl_key_expired(peer, key);
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_RX_KEY_EXPIRED);
		return;
	}
	OVL_CB(skb)->counter = be64_to_cpu(hdr->counter);
	ovl_queue_rx(peer, key, relay_src != 0, skb);
}

/**
 * ovl_recv_open - decrypt a queued sealed message in place
 * @key: the key it names
 * @skb: the message, from its header on
 *
 * Context: crypt worker.  Returns the drop reason, or 0 if the message
 * authenticated.  Nothing in it is believed before.
 */
int ovl_recv_open(struct ovl_key *key, struct sk_buff *skb)
{
	struct ovl_data_hdr *hdr;

	if (skb_ensure_writable(skb, skb->len))
		return OVL_A_DROPS_SHORT;
	hdr = (struct ovl_data_hdr *)skb->data;
	if (!chacha20poly1305_decrypt((u8 *)(hdr + 1), (u8 *)(hdr + 1),
				      skb->len - sizeof(*hdr), (u8 *)hdr,
				      sizeof(*hdr), OVL_CB(skb)->counter,
				      key->rx))
		return OVL_A_DROPS_BAD_TAG;
	return 0;
}

/**
 * ovl_recv_finish - act on a message ovl_recv_open() authenticated
 * @peer: the peer it came from
 * @key: the key it was decrypted with
 * @skb: the message; consumed
 * @napi: where to hand the inner packet to GRO
 *
 * Checks the replay window.  Then, and only then, the message counts: a
 * direct one from elsewhere than the peer's endpoint may start a roam
 * (roam.h), one from the endpoint tells the path heuristics the direct
 * path works (a probe is answered or counted; data may be answered with a
 * passive keepalive); a relayed one tells them the peer is relayed.  A
 * data packet goes to the stack.  Context: the NAPI poll of the peer's
 * receive slot, in the order the messages arrived; RCU read side.
 */
void ovl_recv_finish(struct ovl_peer *peer, struct ovl_key *key,
		     struct sk_buff *skb, struct napi_struct *napi)
{
	struct ovl_data_hdr *hdr = (struct ovl_data_hdr *)skb->data;
	u64 counter = OVL_CB(skb)->counter;
	bool relayed = OVL_CB(skb)->relay;
	struct ovl_dev *ovl = peer->ovl;
	union ovl_endpoint src, local;
	bool newest, at_ep;
	unsigned int len;
	int reason;
	u8 type;

	/* Removed while the message was queued: as if it came just after. */
	if (READ_ONCE(peer->dead)) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_UNKNOWN_PEER);
		return;
	}
	/*
	 * Newer than every message accepted before under these key bytes:
	 * only such a message may propose a roam.
	 */
	if (!ovl_key_rx_check(key, counter, &newest)) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_REPLAY);
		return;
	}
	/*
	 * The first message under a key waiting to be promoted shows that
	 * the peer holds it: it becomes the key we send with.
	 */
	if (unlikely(test_bit(OVL_KEY_PROMOTE, &key->flags)))
		ovl_peer_promote_key(peer, key);

	/* Authenticated and fresh: from here on the sender is @peer. */
	type = hdr->type;
	len = skb->len - sizeof(*hdr) - OVL_AUTHTAG_LEN;
	__skb_pull(skb, sizeof(*hdr));
	__skb_trim(skb, len);
	if (relayed) {
		if (!ovl_peer_path_relay_rx(peer)) {
			ovl_rx_drop(ovl, skb, OVL_A_DROPS_RELAY_CAP);
			return;
		}
		atomic64_inc(&peer->stats.relay_rx_packets);
	} else {
		ovl_skb_source(skb, &src);
		ovl_skb_local(skb, &local);
		/*
		 * The endpoint moves only once a probe confirms (roam.h).  A
		 * probe reply is looked at first: the roam it confirms must
		 * not be probed again, with a new nonce, before.
		 */
		if (type == OVL_MSG_PROBE) {
			ovl_recv_probe(peer, skb, &src, &local);
			ovl_peer_endpoint_rx(peer, &src, &local, newest);
			return;
		}
		at_ep = ovl_peer_endpoint_rx(peer, &src, &local, newest);
		/* Only what comes from where we send proves the direct path. */
		if (at_ep) {
			ovl_peer_path_direct_rx(peer);
			/* Data, not a keepalive: the sender wants to hear from us. */
			if (len)
				ovl_peer_path_data_rx(peer);
		}
	}
	atomic64_inc(&peer->stats.rx_packets);
	atomic64_add(len, &peer->stats.rx_bytes);

	if (!len) {			/* keepalive */
		consume_skb(skb);
		return;
	}
	skb_reset_network_header(skb);
	reason = ovl_check_inner(ovl, peer, skb);
	if (reason) {
		ovl_rx_drop(ovl, skb, reason);
		return;
	}
	/* Nothing enters a device that is down. */
	if (unlikely(!(ovl->dev->flags & IFF_UP))) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_DEV_DOWN);
		return;
	}

	/*
	 * A new packet: nothing of the datagram that carried it stays with
	 * it (route, conntrack, xfrm state and other extensions, mark,
	 * timestamp, flow hash, priority, queue), as if it came from
	 * another namespace.
	 */
	skb_scrub_packet(skb, true);
	skb_clear_hash(skb);
	skb->priority = 0;
	skb->queue_mapping = 0;
	skb_reset_mac_header(skb);
	skb_reset_transport_header(skb);
	skb->dev = ovl->dev;
	/* The tag covered every byte: no checksum needs checking again. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	dev_sw_netstats_rx_add(ovl->dev, skb->len);
	napi_gro_receive(napi, skb);
}

/*
 * RELAY_DELIVER: [type][source node id][sealed message or control frame],
 * with keys [type][source node id][tag][...] (relay.c checks the tag).
 */
static void ovl_recv_relayed(struct ovl_dev *ovl, struct sk_buff *skb)
{
	int reason;
	u32 id;

	reason = ovl_relay_check_deliver(ovl, skb, &id);
	if (reason) {
		ovl_rx_drop(ovl, skb, reason);
		return;
	}
	if (!id) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_RELAY_MISMATCH);
		return;
	}
	if (!pskb_may_pull(skb, 1)) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_SHORT);
		return;
	}
	if (ovl_ctrl_is_frame(skb->data[0]))
		ovl_ctrl_recv(ovl, skb, NULL, id);
	else
		ovl_recv_sealed(ovl, skb, id);
}

/*
 * A message only the configured beacon speaks: its registration answers
 * (COOKIE, REGISTER_OK, REREGISTER) go up to the control daemon as
 * control frames, the rest is the kernel's.
 */
static void ovl_recv_beacon(struct ovl_dev *ovl, struct sk_buff *skb)
{
	union ovl_endpoint src;

	ovl_skb_source(skb, &src);
	if (!ovl_relay_from_beacon(ovl, &src))
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_NOT_BEACON);
	else if (skb->data[0] == OVL_MSG_RELAY_DELIVER)
		ovl_recv_relayed(ovl, skb);
	else if (ovl_ctrl_is_beacon_down(skb->data[0]))
		ovl_ctrl_recv(ovl, skb, &src, 0);
	else
		ovl_relay_recv_beacon(ovl, skb);
}

int ovl_recv(struct sock *sk, struct sk_buff *skb)
{
	struct ovl_dev *ovl = rcu_dereference_sk_user_data(sk);
	union ovl_endpoint src;

	if (unlikely(!ovl)) {
		kfree_skb(skb);
		return 0;
	}

	/* skb->data is at the UDP header. */
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + 1)) {
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_SHORT);
		return 0;
	}
	__skb_pull(skb, sizeof(struct udphdr));

	switch (skb->data[0]) {
	case OVL_MSG_DATA:
	case OVL_MSG_PROBE:
		ovl_recv_sealed(ovl, skb, 0);
		break;
	case OVL_MSG_RELAY_DELIVER:
	case OVL_MSG_DISCOVER_REPLY:
	case OVL_MSG_PUNCH_COMMAND:
	case OVL_MSG_COOKIE:
	case OVL_MSG_REGISTER_OK:
	case OVL_MSG_REREGISTER:
		ovl_recv_beacon(ovl, skb);
		break;
	case OVL_MSG_HANDSHAKE_INIT:
	case OVL_MSG_HANDSHAKE_RESP:
	case OVL_MSG_HANDSHAKE_COOKIE:
		ovl_skb_source(skb, &src);
		ovl_ctrl_recv(ovl, skb, &src, 0);
		break;
	case OVL_MSG_PUNCH:
		/* Opens NAT mappings on the way here; nothing to do. */
		consume_skb(skb);
		break;
	default:
		ovl_rx_drop(ovl, skb, OVL_A_DROPS_UNKNOWN_TYPE);
		break;
	}
	return 0;
}
