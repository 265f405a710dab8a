/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_DEVICE_H
#define _OVL_DEVICE_H

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

/**
 * struct ovl_dev - private state of one ovl network device
 * @dev: the net device this is the private area of
 * @sock4: IPv4 UDP socket bound to @listen_port, or NULL
 * @sock6: IPv6-only UDP socket bound to @listen_port, or NULL
 * @node_id: this host's overlay node id; 0 while unset
 * @listen_port: UDP port of @sock4 and @sock6; 0 while closed
 *
 * Locking: every field is written with the RTNL held.  The sockets are
 * published with RCU for the data path; @node_id and @listen_port are read
 * locklessly with READ_ONCE() by netlink replies and the data path.
 *
 * Lifetime: the sockets are closed in ndo_uninit, so by the time the
 * device is freed no encap_rcv callback can still see this structure
 * (udp_tunnel_sock_release() waits for an RCU grace period).
 */
struct ovl_dev {
	struct net_device *dev;
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;
	u32 node_id;
	u16 listen_port;
};

extern struct rtnl_link_ops ovl_link_ops;

static inline bool ovl_dev_is_ovl(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &ovl_link_ops;
}

int ovl_device_init(void);
void ovl_device_uninit(void);

#endif /* _OVL_DEVICE_H */
