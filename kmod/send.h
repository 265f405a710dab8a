/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_SEND_H
#define _OVL_SEND_H

#include <linux/netdevice.h>
#include <linux/ovl.h>

struct ovl_dev;
struct ovl_key;
struct ovl_peer;
union ovl_endpoint;

netdev_tx_t ovl_xmit(struct sk_buff *skb, struct net_device *dev);
void ovl_send_keepalive(struct ovl_peer *peer);
void ovl_tx_drop(struct ovl_dev *ovl, struct sk_buff *skb,
		 enum ovl_a_drops reason);
unsigned int ovl_send_claim(struct ovl_peer *peer, struct ovl_key *key,
			    unsigned int n, u64 *counter);
bool ovl_send_seal(struct ovl_dev *ovl, struct ovl_key *key,
		   struct sk_buff *skb, u64 counter);
void ovl_send_sealed(struct ovl_peer *peer, const union ovl_endpoint *ep,
		     struct sk_buff *skb);

#endif /* _OVL_SEND_H */
