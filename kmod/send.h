/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_SEND_H
#define _OVL_SEND_H

#include <linux/netdevice.h>

struct ovl_peer;
union ovl_endpoint;

netdev_tx_t ovl_xmit(struct sk_buff *skb, struct net_device *dev);
void ovl_send_keepalive(struct ovl_peer *peer);
void ovl_send_probe(struct ovl_peer *peer, u8 kind, u64 nonce,
		    const union ovl_endpoint *to);

#endif /* _OVL_SEND_H */
