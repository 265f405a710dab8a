// SPDX-License-Identifier: GPL-2.0
/*
 * Control frames: the handshake messages, which the kernel neither makes
 * nor reads.  They share the device's UDP socket with data (one NAT
 * mapping; the socket outlives the control daemon) and cross the kernel
 * boundary over the "ovl" family, as nl80211's control port frames do:
 *
 *  - one netlink socket per device registers as its control listener
 *    (OVL_CMD_CTRL_REGISTER); the registration ends when that socket
 *    closes (NETLINK_URELEASE), so a daemon that dies leaves nothing
 *    behind and its successor simply registers again;
 *  - every control frame that arrives, straight from an endpoint or
 *    relayed by the beacon on behalf of a node id, is unicast to the
 *    listener as OVL_CMD_CTRL_FRAME_NTF with where it came from;
 *  - the listener sends frames with OVL_CMD_CTRL_SEND, to an endpoint, or
 *    relay-wrapped to a node id through the device's beacon (once it has
 *    the registration keys; before, only the registration frames below).
 *
 * Bounds: a frame is at most OVL_CTRL_FRAME_MAX bytes either way.  Frames
 * go up without any queue of our own: the listener's socket receive buffer
 * bounds how many frames, and how many bytes, wait for a slow daemon, and
 * whatever does not fit is dropped and counted (ctrl_overflow; the daemon
 * sees ENOBUFS on its socket).  A frame with no listener is dropped and
 * counted (ctrl_no_listener).
 *
 * Before a frame is queued to the listener it is charged to its source's
 * token bucket (ctrl_rl.h: 20 frames a second, a burst of 5, per IPv4
 * address, IPv6 /64, or relayed source node id), and dropped and counted
 * (ctrl_rate_limited) if the bucket is empty: a flood from one source
 * reaches the daemon at that rate and cannot crowd out other sources'
 * handshakes by filling the listener's socket.
 *
 * The daemon registers with the beacon through the same socket (one NAT
 * mapping for the kernel's traffic and its own; docs/beacon-auth.md): it
 * may send HELLO, REGISTER and PUNCH_REQUEST, to the device's beacon
 * address only, and the beacon's COOKIE, REGISTER_OK and REREGISTER come
 * up as control frames, from the beacon's address only, rate-limited
 * like the others.
 *
 * Nothing here is believed: the daemon authenticates every frame, and only
 * handshake and registration message types pass, so the channel can
 * neither read nor forge data.
 *
 * Locking: &ovl_dev.ctrl_portid is 0 or the listener's port id in the
 * device's netns (a device never changes netns).  It is set and cleared
 * with cmpxchg() and read locklessly by the receive path; a frame that
 * races a release goes to a port that is gone and is counted.
 * &ovl_dev.ctrl_rl, the buckets, is changed only under
 * &ovl_dev.ctrl_rl_lock, a leaf taken with BH disabled (frames arrive in
 * softirq context on any CPU).
 *
 * Lifetime: the buckets are allocated in ndo_init, before the device has
 * a socket, and freed in ndo_uninit once the sockets are closed (which
 * waits for the receive path to be done with the device) and the queues
 * drained: no frame can be charged to them after.
 */

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "ctrl.h"
#include "ctrl_rl.h"
#include "device.h"
#include "netlink.h"
#include "relay.h"
#include "socket.h"

/**
 * ovl_ctrl_register - make netlink port @portid the control listener
 * @ovl: the device
 * @portid: the requesting socket's port id, in the device's netns
 * @extack: where to say why not
 *
 * Registering again from the listener's own socket is allowed.  Returns 0,
 * or -EBUSY while another socket is the listener.  Context: process.
 */
int ovl_ctrl_register(struct ovl_dev *ovl, u32 portid,
		      struct netlink_ext_ack *extack)
{
	u32 old = cmpxchg(&ovl->ctrl_portid, 0, portid);

	if (old && old != portid) {
		NL_SET_ERR_MSG(extack,
			       "the device already has a control listener");
		return -EBUSY;
	}
	return 0;
}

/**
 * ovl_ctrl_dev_init - set up a new device's control frame rate limit
 * @ovl: the device
 *
 * Returns 0 or -ENOMEM.  Context: process (ndo_init).
 */
int ovl_ctrl_dev_init(struct ovl_dev *ovl)
{
	siphash_key_t key;

	ovl->ctrl_rl = kvzalloc(sizeof(*ovl->ctrl_rl), GFP_KERNEL);
	if (!ovl->ctrl_rl)
		return -ENOMEM;
	get_random_bytes(&key, sizeof(key));
	ovl_ctrl_rl_init(ovl->ctrl_rl, &key);
	memzero_explicit(&key, sizeof(key));
	spin_lock_init(&ovl->ctrl_rl_lock);
	return 0;
}

/**
 * ovl_ctrl_dev_uninit - free what ovl_ctrl_dev_init() set up
 * @ovl: the device, with its sockets closed
 */
void ovl_ctrl_dev_uninit(struct ovl_dev *ovl)
{
	kvfree(ovl->ctrl_rl);
	ovl->ctrl_rl = NULL;
}

/* May a frame from @src, or relayed from node @relay_src, go up now? */
static bool ovl_ctrl_rate_ok(struct ovl_dev *ovl,
			     const union ovl_endpoint *src, u32 relay_src)
{
	struct ovl_ctrl_rl_src s;
	u64 now = ktime_get_ns();
	bool ok;

	if (relay_src)
		s = ovl_ctrl_rl_src_node(relay_src);
	else if (src->addr.sa_family == AF_INET6)
		s = ovl_ctrl_rl_src_ip6(&src->addr6.sin6_addr);
	else
		s = ovl_ctrl_rl_src_ip4(src->addr4.sin_addr.s_addr);

	spin_lock_bh(&ovl->ctrl_rl_lock);
	ok = ovl_ctrl_rl_allow(ovl->ctrl_rl, &s, now);
	spin_unlock_bh(&ovl->ctrl_rl_lock);
	return ok;
}

/**
 * ovl_ctrl_recv - pass a control frame that arrived up to the listener
 * @ovl: the device
 * @skb: the frame, from its type byte on; consumed
 * @src: where it came from, when it came straight
 * @relay_src: the node id the beacon vouched for, when it came relayed
 *	(then @src is unused), else 0
 *
 * Context: softirq, RCU read side.
 */
void ovl_ctrl_recv(struct ovl_dev *ovl, struct sk_buff *skb,
		   const union ovl_endpoint *src, u32 relay_src)
{
	u32 portid = READ_ONCE(ovl->ctrl_portid);
	int reason = 0;

	if (skb->len > OVL_CTRL_FRAME_MAX)
		reason = OVL_A_DROPS_CTRL_TOO_LONG;
	else if (!portid)
		reason = OVL_A_DROPS_CTRL_NO_LISTENER;
	else if (!ovl_ctrl_rate_ok(ovl, src, relay_src))
		reason = OVL_A_DROPS_CTRL_RATE_LIMITED;
	else if (ovl_nl_ctrl_frame(ovl, portid, skb, relay_src ? NULL : src,
				   relay_src))
		reason = OVL_A_DROPS_CTRL_OVERFLOW;

	if (reason)
		ovl_drop(ovl, reason);
	consume_skb(skb);
}

/**
 * ovl_ctrl_send - send a control frame out of the device's socket
 * @ovl: the device
 * @frame: the frame, from its type byte on
 * @len: its length, 1 to %OVL_CTRL_FRAME_MAX
 * @to: the endpoint to send it to, or NULL to relay it
 * @relay_dst: the node id to relay it to through the beacon, if @to is NULL
 * @extack: where to say why not
 *
 * Returns 0 once the frame left, or a negative error.  Context: process.
 */
int ovl_ctrl_send(struct ovl_dev *ovl, const u8 *frame, unsigned int len,
		  const union ovl_endpoint *to, u32 relay_dst,
		  struct netlink_ext_ack *extack)
{
	bool to_beacon = ovl_ctrl_is_beacon_up(frame[0]);
	struct dst_cache *cache = NULL;
	struct ovl_beacon *beacon;
	struct sk_buff *skb;
	int err;

	if (!ovl_ctrl_is_frame(frame[0]) && !to_beacon) {
		NL_SET_ERR_MSG(extack, "not a control frame type");
		return -EINVAL;
	}
	skb = alloc_skb(LL_MAX_HEADER + OVL_OVERHEAD + len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, LL_MAX_HEADER + OVL_OVERHEAD);
	skb_put_data(skb, frame, len);

	rcu_read_lock_bh();
	if (!READ_ONCE(ovl->listen_port)) {
		NL_SET_ERR_MSG(extack, "the device has no listen-port");
		err = -ENOTCONN;
		goto free;
	}
	beacon = rcu_dereference_bh(ovl->beacon);
	if (to_beacon) {
		if (!beacon || !to || !ovl_endpoint_eq(to, &beacon->ep)) {
			NL_SET_ERR_MSG(extack,
				       "HELLO, REGISTER and PUNCH_REQUEST go to the device's beacon address only");
			err = -EINVAL;
			goto free;
		}
		cache = &beacon->dst_cache;
	} else if (!to) {
		if (!beacon || !beacon->auth) {	/* ovl_relay_usable() */
			NL_SET_ERR_MSG(extack,
				       "the device has no beacon to relay through");
			err = -ENETUNREACH;
			goto free;
		}
		ovl_relay_wrap(beacon, skb, relay_dst);
		to = &beacon->ep;
		cache = &beacon->dst_cache;
	}
	err = ovl_socket_send(ovl, cache, to, skb);
	rcu_read_unlock_bh();
	if (err)
		NL_SET_ERR_MSG(extack, "the frame could not be sent");
	return err;

free:
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return err;
}

/*
 * A netlink socket closed: if it was some device's control listener, that
 * device has none now.  Only devices of the socket's own netns can have
 * registered it.  Context: process (a blocking notifier chain).
 */
static int ovl_ctrl_release(struct notifier_block *nb, unsigned long state,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct net_device *dev;

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;

	rcu_read_lock();
	for_each_netdev_rcu(n->net, dev) {
		struct ovl_dev *ovl;

		if (!ovl_dev_is_ovl(dev))
			continue;
		ovl = netdev_priv(dev);
		cmpxchg(&ovl->ctrl_portid, n->portid, 0);
	}
	rcu_read_unlock();
	return NOTIFY_OK;
}

static struct notifier_block ovl_ctrl_notifier = {
	.notifier_call = ovl_ctrl_release,
};

int __init ovl_ctrl_init(void)
{
	return netlink_register_notifier(&ovl_ctrl_notifier);
}

void ovl_ctrl_uninit(void)
{
	netlink_unregister_notifier(&ovl_ctrl_notifier);
}
