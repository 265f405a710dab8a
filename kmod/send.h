/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_SEND_H
#define _OVL_SEND_H

#include <linux/netdevice.h>
#include <linux/ovl.h>

struct dst_cache;
struct ovl_beacon;
struct ovl_dev;
struct ovl_key;
struct ovl_peer;
union ovl_endpoint;

/**
 * struct ovl_route - where one message goes
 * @to: the beacon's address when relayed, a one-off destination, or NULL
 *	for the peer's endpoint (read under its lock when the message is
 *	sent, with the peer's route cache: ovl_socket_send_peer())
 * @src: our address to send a one-off from, or NULL
 * @cache: route cache for @to, or NULL
 * @relay_dst: the peer's node id when the message is relay-wrapped, else 0
 * @beacon: the beacon it goes through, with @relay_dst
 */
struct ovl_route {
	const union ovl_endpoint *to;
	const union ovl_endpoint *src;
	struct dst_cache *cache;
	u32 relay_dst;
	const struct ovl_beacon *beacon;
};

netdev_tx_t ovl_xmit(struct sk_buff *skb, struct net_device *dev);
void ovl_send_keepalive(struct ovl_peer *peer);
void ovl_send_keepalive_direct(struct ovl_peer *peer);
void ovl_send_probe(struct ovl_peer *peer, u8 kind, u64 nonce,
		    const union ovl_endpoint *to,
		    const union ovl_endpoint *src);
void ovl_tx_drop(struct ovl_dev *ovl, struct sk_buff *skb,
		 enum ovl_a_drops reason);
int ovl_route_resolve(struct ovl_peer *peer, bool relay, struct ovl_route *rt);
unsigned int ovl_send_claim(struct ovl_peer *peer, struct ovl_key *key,
			    unsigned int n, u64 *counter);
void ovl_send_claimed(struct ovl_peer *peer, struct ovl_key *key,
		      unsigned int n, unsigned int got, u64 counter);
bool ovl_send_seal(struct ovl_dev *ovl, struct ovl_key *key, u8 type,
		   struct sk_buff *skb, u64 counter);
void ovl_send_sealed(struct ovl_peer *peer, const struct ovl_route *rt,
		     struct sk_buff *skb);

#endif /* _OVL_SEND_H */
