/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_SOCKET_H
#define _OVL_SOCKET_H

#include <linux/netlink.h>
#include <linux/types.h>

struct dst_cache;
struct ovl_dev;
struct ovl_peer;
struct sk_buff;
union ovl_endpoint;

int ovl_socket_set_port(struct ovl_dev *ovl, u16 port,
			struct netlink_ext_ack *extack);
void ovl_socket_close(struct ovl_dev *ovl);
int ovl_socket_send_src(struct ovl_dev *ovl, struct dst_cache *cache,
			const union ovl_endpoint *to,
			const union ovl_endpoint *src, struct sk_buff *skb);
int ovl_socket_send_peer(struct ovl_peer *peer, struct sk_buff *skb);
int ovl_socket_send(struct ovl_dev *ovl, struct dst_cache *cache,
		    const union ovl_endpoint *to, struct sk_buff *skb);

#endif /* _OVL_SOCKET_H */
