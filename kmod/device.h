/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_DEVICE_H
#define _OVL_DEVICE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/ovl.h>
#include <linux/rbtree.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>

#include "allowedips.h"
#include "bauth.h"
#include "path.h"
#include "peer.h"

struct ovl_beacon;
struct ovl_ctrl_rl;

struct ovl_crypt_cpu;
struct ovl_rx_slot;

/**
 * struct ovl_drops - per-CPU drop counters, indexed by &enum ovl_a_drops
 */
struct ovl_drops {
	u64 n[OVL_A_DROPS_MAX + 1];
};

/**
 * struct ovl_dev - private state of one ovl network device
 * @dev: the net device this is the private area of
 * @sock4: IPv4 UDP socket bound to @listen_port, or NULL
 * @sock6: IPv6-only UDP socket bound to @listen_port, or NULL
 * @node_id: this host's overlay node id; 0 while unset
 * @listen_port: UDP port of @sock4 and @sock6; 0 while closed
 * @lock: serializes changes to peers, allowed-ips and keys
 * @dead: set under @lock when the device unregisters; requests that still
 *	hold the device then change nothing
 * @peers: peers by node id, for the data path (RCU)
 * @peer_tree: the same peers ordered by node id, for dumps (under @lock)
 * @aips: allowed-ips of all peers (RCU readers, writers under @lock)
 * @drops: per-reason drop counters
 * @beacon: the beacon to register with and relay through, or NULL (RCU,
 *	replaced under the RTNL)
 * @path_cfg: thresholds of the path heuristics (written under the RTNL,
 *	read with READ_ONCE())
 * @relay_peers: how many peers are relayed now (at most
 *	@path_cfg.max_relay_peers)
 * @public_lock: protects @public_ep
 * @public_ep: our address as the beacon last saw it; AF_UNSPEC if unknown
 * @discover_timer: registers with the beacon every OVL_DISCOVER_INTERVAL_MS
 * @punch_lock: protects @punch_rl
 * @punch_rl: the punch rate limit (bauth.h), per device
 * @ep_hash: peers by endpoint, OVL_EP_HASH_SIZE buckets (RCU readers,
 *	writers under @ep_hash_lock), to match ICMP errors to peers
 * @ep_hash_lock: serializes changes to @ep_hash
 * @wq: runs the crypt workers and the peers' tx works (queue.h)
 * @crypt: per-CPU crypt workers
 * @rx_slots: ordered receive queues, each with its NAPI (queue.h)
 * @n_rx_slots: how many
 * @ctrl_portid: netlink port id of the control listener, 0 if none
 *	(ctrl.c: set and cleared with cmpxchg(), read locklessly)
 * @ctrl_rl: per-source buckets of the control frames passed up (ctrl_rl.h),
 *	allocated and freed with the device
 * @ctrl_rl_lock: protects @ctrl_rl, taken in softirq context
 *
 * Locking: @sock4, @sock6, @node_id and @listen_port are written with the
 * RTNL held.  The sockets are published with RCU for the data path;
 * @node_id and @listen_port are read locklessly with READ_ONCE().  Lock
 * order: RTNL, then @lock; a peer's endpoint lock (written), then
 * @ep_hash_lock: a peer is relinked in @ep_hash in the same write hold of
 * its endpoint lock that changes its endpoint (peer.h), so the bucket is
 * always the endpoint's.  A peer's path lock, @ep_hash_lock,
 * @public_lock and @punch_lock are otherwise leaves, taken with BH
 * disabled.  A peer that
 * moves is relinked under RCU: a concurrent reader may miss it once,
 * which only delays an ICMP-unreachable count.
 *
 * Lifetime: the sockets are closed in ndo_uninit, so by the time the
 * device is freed no encap_rcv callback can still see this structure
 * (udp_tunnel_sock_release() waits for an RCU grace period).  @wq is
 * destroyed after the sockets are closed and the peers removed: whatever
 * was queued has then run; the receive slots are emptied right after.
 */
struct ovl_dev {
	struct net_device *dev;
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;
	u32 node_id;
	u16 listen_port;
	struct mutex lock;	/* see above */
	bool dead;
	struct rhashtable peers;
	struct rb_root peer_tree;
	struct ovl_aips aips;
	struct ovl_drops __percpu *drops;
	struct ovl_beacon __rcu *beacon;
	struct ovl_path_cfg path_cfg;
	atomic_t relay_peers;
	spinlock_t public_lock;	/* protects @public_ep */
	union ovl_endpoint public_ep;
	struct timer_list discover_timer;
	spinlock_t punch_lock;	/* protects @punch_rl */
	struct ovl_bauth_bucket punch_rl;
	struct hlist_head *ep_hash;
	spinlock_t ep_hash_lock;	/* protects @ep_hash changes */
	struct workqueue_struct *wq;
	struct ovl_crypt_cpu __percpu *crypt;
	struct ovl_rx_slot *rx_slots;
	unsigned int n_rx_slots;
	u32 ctrl_portid;
	struct ovl_ctrl_rl *ctrl_rl;
	spinlock_t ctrl_rl_lock;	/* protects @ctrl_rl */
};

#define OVL_EP_HASH_BITS	12
#define OVL_EP_HASH_SIZE	BIT(OVL_EP_HASH_BITS)

static inline void ovl_drop(struct ovl_dev *ovl, enum ovl_a_drops reason)
{
	this_cpu_inc(ovl->drops->n[reason]);
}

extern struct rtnl_link_ops ovl_link_ops;

static inline bool ovl_dev_is_ovl(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &ovl_link_ops;
}

int ovl_device_init(void);
void ovl_device_uninit(void);

#endif /* _OVL_DEVICE_H */
