// SPDX-License-Identifier: GPL-2.0
/*
 * The "ovl" generic netlink family (docs/netlink/ovl.yaml).
 *
 * Requests are validated strictly against per-command policies.  Every
 * command, reads included (peers, endpoints and counters are not for any
 * local user), needs CAP_NET_ADMIN in the user namespace that owns the
 * device's network namespace (GENL_UNS_ADMIN_PERM, like WireGuard), so a
 * container that owns its netns manages its own devices; so does joining
 * the events group.  Commands that change state take the RTNL or the
 * device lock and either apply all their changes or none.  Devices are
 * looked up in the requester's network namespace only.
 */

#include <linux/ovl.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "ctrl.h"
#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "relay.h"
#include "send.h"
#include "socket.h"

static struct genl_family ovl_genl_family;

/* Indexes into ovl_mcgrps, as multicast calls want them. */
enum {
	OVL_MCGRP_EVENTS_ID,
};

static const struct genl_multicast_group ovl_mcgrps[] = {
	[OVL_MCGRP_EVENTS_ID] = {
		.name	= OVL_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

static const struct nla_policy ovl_dev_get_policy[OVL_A_DEV_IFNAME + 1] = {
	[OVL_A_DEV_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct nla_policy ovl_ep_policy[OVL_A_EP_MAX + 1] = {
	[OVL_A_EP_IPV4]		= { .type = NLA_BE32 },
	[OVL_A_EP_IPV6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[OVL_A_EP_PORT]		= { .type = NLA_BE16 },
};

static struct netlink_range_validation ovl_ms_range = {
	.min = 100,
	.max = 3600000,
};

/* OVL_A_DEV_RELAY_PEERS and OVL_A_DEV_CTRL are left out: strictly refused. */
static const struct nla_policy ovl_dev_set_policy[OVL_A_DEV_BEACON_KEYS + 1] = {
	[OVL_A_DEV_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVL_A_DEV_NODE_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_LISTEN_PORT]	= { .type = NLA_U16 },
	[OVL_A_DEV_BEACON]	= NLA_POLICY_NESTED(ovl_ep_policy),
	[OVL_A_DEV_BLACKHOLE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &ovl_ms_range),
	[OVL_A_DEV_BLACKHOLE_MISSES] = NLA_POLICY_RANGE(NLA_U32, 1, 255),
	[OVL_A_DEV_DIRECT_CLEARS] = NLA_POLICY_RANGE(NLA_U32, 1, 255),
	[OVL_A_DEV_SEND_ERRORS]	= NLA_POLICY_RANGE(NLA_U32, 1, 255),
	[OVL_A_DEV_MAX_RELAY_PEERS] = { .type = NLA_U32 },
	[OVL_A_DEV_PROBE_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &ovl_ms_range),
	[OVL_A_DEV_BEACON_KEYS]	= NLA_POLICY_EXACT_LEN(OVL_BEACON_KEYS_LEN),
};

static const struct nla_policy ovl_aip_policy[OVL_A_AIP_MAX + 1] = {
	[OVL_A_AIP_FAMILY]	= { .type = NLA_U16 },
	[OVL_A_AIP_ADDR]	= NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[OVL_A_AIP_CIDR]	= NLA_POLICY_MAX(NLA_U8, 128),
};

static struct netlink_range_validation ovl_keepalive_range = {
	.max = 86400,
};

static struct netlink_range_validation ovl_cert_expiry_range = {
	.max = 253402300799ULL,	/* 9999-12-31T23:59:59Z, a certificate's last */
};

static const struct nla_policy ovl_peer_policy[OVL_A_PEER_CERT_EXPIRY + 1] = {
	[OVL_A_PEER_NODE_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_PEER_REMOTE_IPV4] = { .type = NLA_BE32 },
	[OVL_A_PEER_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[OVL_A_PEER_REMOTE_PORT] = { .type = NLA_BE16 },
	[OVL_A_PEER_ALLOWED_IP]	= NLA_POLICY_NESTED(ovl_aip_policy),
	[OVL_A_PEER_KEEPALIVE]	= NLA_POLICY_FULL_RANGE(NLA_U32, &ovl_keepalive_range),
	[OVL_A_PEER_RELAY]	= NLA_POLICY_MAX(NLA_U32, OVL_RELAY_MODE_PINNED),
	[OVL_A_PEER_CERT_EXPIRY] = NLA_POLICY_FULL_RANGE(NLA_U64, &ovl_cert_expiry_range),
};

static struct netlink_range_validation ovl_lifetime_range = {
	.max = OVL_KEY_LIFETIME_MAX,
};

static const struct nla_policy ovl_key_policy[OVL_A_KEY_PROMOTE + 1] = {
	[OVL_A_KEY_NODE_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_KEY_SLOT]	= NLA_POLICY_MAX(NLA_U32, OVL_KEY_SLOT_SECONDARY),
	[OVL_A_KEY_ID]		= { .type = NLA_U8 },
	[OVL_A_KEY_TX_KEY]	= NLA_POLICY_EXACT_LEN(OVL_KEY_LEN),
	[OVL_A_KEY_RX_KEY]	= NLA_POLICY_EXACT_LEN(OVL_KEY_LEN),
	[OVL_A_KEY_LIFETIME]	= NLA_POLICY_FULL_RANGE(NLA_U32, &ovl_lifetime_range),
	[OVL_A_KEY_PROMOTE]	= { .type = NLA_FLAG },
};

static const struct nla_policy ovl_dev_peer_policy[OVL_A_DEV_PEER + 1] = {
	[OVL_A_DEV_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVL_A_DEV_PEER]	= NLA_POLICY_NESTED(ovl_peer_policy),
};

static const struct nla_policy ovl_ctrl_policy[OVL_A_CTRL_NODE_ID + 1] = {
	[OVL_A_CTRL_FRAME]	= { .type = NLA_BINARY, .len = OVL_CTRL_FRAME_MAX },
	[OVL_A_CTRL_ENDPOINT]	= NLA_POLICY_NESTED(ovl_ep_policy),
	[OVL_A_CTRL_NODE_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy ovl_dev_ctrl_policy[OVL_A_DEV_CTRL + 1] = {
	[OVL_A_DEV_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVL_A_DEV_CTRL]	= NLA_POLICY_NESTED(ovl_ctrl_policy),
};

static const struct nla_policy ovl_dev_key_policy[OVL_A_DEV_KEY + 1] = {
	[OVL_A_DEV_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVL_A_DEV_KEY]		= NLA_POLICY_NESTED(ovl_key_policy),
};

/*
 * Find the ovl device a request names by OVL_A_DEV_IFINDEX or
 * OVL_A_DEV_IFNAME.  Context: rcu_read_lock() held; the device stays valid
 * for as long as the caller stays in that RCU section or holds the RTNL.
 */
static struct net_device *ovl_nl_dev_find(struct net *net,
					  struct nlattr **attrs,
					  struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[OVL_A_DEV_IFINDEX];
	struct nlattr *ifname = attrs[OVL_A_DEV_IFNAME];
	struct net_device *dev;

	if (ifindex && ifname) {
		NL_SET_ERR_MSG_ATTR(extack, ifname,
				    "give either ifindex or ifname, not both");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex) {
		dev = dev_get_by_index_rcu(net, nla_get_u32(ifindex));
	} else if (ifname) {
		dev = dev_get_by_name_rcu(net, nla_data(ifname));
	} else {
		NL_SET_ERR_MSG(extack, "no device given: need ifindex or ifname");
		return ERR_PTR(-EINVAL);
	}

	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "no such device in this network namespace");
		return ERR_PTR(-ENODEV);
	}
	if (!ovl_dev_is_ovl(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "not an ovl device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

static int ovl_nl_put_drops(struct sk_buff *skb, const struct ovl_dev *ovl)
{
	u64 sum[OVL_A_DROPS_MAX + 1] = {};
	struct nlattr *nest;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct ovl_drops *d = per_cpu_ptr(ovl->drops, cpu);

		for (i = 1; i <= OVL_A_DROPS_MAX; i++)
			sum[i] += READ_ONCE(d->n[i]);
	}
	nest = nla_nest_start(skb, OVL_A_DEV_DROPS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i <= OVL_A_DROPS_MAX; i++) {
		if (i == OVL_A_DROPS_PAD)
			continue;
		if (nla_put_u64_64bit(skb, i, sum[i], OVL_A_DROPS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* @ep as a nest of type @type; nothing if it has no family. */
static int ovl_nl_put_ep(struct sk_buff *skb, int type,
			 const union ovl_endpoint *ep)
{
	struct nlattr *nest;

	if (ep->addr.sa_family == AF_UNSPEC)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (ep->addr.sa_family == AF_INET ?
	    nla_put_in_addr(skb, OVL_A_EP_IPV4, ep->addr4.sin_addr.s_addr) ||
	    nla_put_be16(skb, OVL_A_EP_PORT, ep->addr4.sin_port) :
	    nla_put_in6_addr(skb, OVL_A_EP_IPV6, &ep->addr6.sin6_addr) ||
	    nla_put_be16(skb, OVL_A_EP_PORT, ep->addr6.sin6_port)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The beacon, the reflected address and the path thresholds.  RCU held. */
static int ovl_nl_put_relay(struct sk_buff *skb, struct ovl_dev *ovl)
{
	const struct ovl_path_cfg *cfg = &ovl->path_cfg;
	struct ovl_beacon *beacon = rcu_dereference(ovl->beacon);
	union ovl_endpoint pub;

	ovl_relay_get_public(ovl, &pub);
	if ((beacon && ovl_nl_put_ep(skb, OVL_A_DEV_BEACON, &beacon->ep)) ||
	    (beacon && beacon->auth &&
	     nla_put_flag(skb, OVL_A_DEV_BEACON_AUTH)) ||
	    ovl_nl_put_ep(skb, OVL_A_DEV_PUBLIC_ENDPOINT, &pub) ||
	    nla_put_u32(skb, OVL_A_DEV_BLACKHOLE_MS, READ_ONCE(cfg->blackhole_ms)) ||
	    nla_put_u32(skb, OVL_A_DEV_BLACKHOLE_MISSES,
			READ_ONCE(cfg->blackhole_misses)) ||
	    nla_put_u32(skb, OVL_A_DEV_DIRECT_CLEARS, READ_ONCE(cfg->direct_clears)) ||
	    nla_put_u32(skb, OVL_A_DEV_SEND_ERRORS, READ_ONCE(cfg->send_errors)) ||
	    nla_put_u32(skb, OVL_A_DEV_MAX_RELAY_PEERS,
			READ_ONCE(cfg->max_relay_peers)) ||
	    nla_put_u32(skb, OVL_A_DEV_PROBE_INTERVAL_MS,
			READ_ONCE(cfg->probe_interval_ms)) ||
	    nla_put_u32(skb, OVL_A_DEV_RELAY_PEERS, atomic_read(&ovl->relay_peers)))
		return -EMSGSIZE;
	return 0;
}

/* The control listener's port id, if the device has one. */
static int ovl_nl_put_ctrl(struct sk_buff *skb, struct ovl_dev *ovl)
{
	u32 portid = READ_ONCE(ovl->ctrl_portid);
	struct nlattr *nest;

	if (!portid)
		return 0;
	nest = nla_nest_start(skb, OVL_A_DEV_CTRL);
	if (!nest || nla_put_u32(skb, OVL_A_CTRL_PORTID, portid))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int ovl_nl_dev_fill(struct sk_buff *skb, struct net_device *dev,
			   u32 portid, u32 seq, int flags)
{
	struct ovl_dev *ovl = netdev_priv(dev);
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ovl_genl_family, flags,
			  OVL_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, OVL_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, OVL_A_DEV_IFNAME, dev->name) ||
	    nla_put_u32(skb, OVL_A_DEV_NODE_ID, READ_ONCE(ovl->node_id)) ||
	    nla_put_u16(skb, OVL_A_DEV_LISTEN_PORT,
			READ_ONCE(ovl->listen_port)) ||
	    nla_put_u32(skb, OVL_A_DEV_PEERS, ovl_peer_count(ovl)) ||
	    ovl_nl_put_drops(skb, ovl) ||
	    ovl_nl_put_relay(skb, ovl) ||
	    ovl_nl_put_ctrl(skb, ovl)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int ovl_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rcu_read_lock();
	dev = ovl_nl_dev_find(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev))
		err = PTR_ERR(dev);
	else
		err = ovl_nl_dev_fill(msg, dev, info->snd_portid,
				      info->snd_seq, 0);
	rcu_read_unlock();

	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Devices are dumped in ifindex order and cb->args[0] holds the last
 * ifindex sent, so a device added or deleted between two rounds of the
 * dump neither hides another device nor sends one twice (a position in
 * the device list would).
 */
static int ovl_nl_dev_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct net_device *dev;
	int err = 0, sent = 0;

	rcu_read_lock();
	for (;;) {
		dev = ovl_compat_next_netdev(net, cb->args[0], ovl_dev_is_ovl);
		if (!dev)
			break;
		err = ovl_nl_dev_fill(skb, dev, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = dev->ifindex;
		sent++;
	}
	rcu_read_unlock();

	/* A device too big for an empty message would stall the dump. */
	if (err && !sent)
		return err;
	return skb->len;
}

/*
 * An endpoint nest: an IPv4 or an IPv6 address and a non-zero port, or
 * empty.  Returns 0 and fills @ep (family AF_UNSPEC when empty), or an
 * error.
 */
static int ovl_nl_parse_ep(struct nlattr *nest, union ovl_endpoint *ep,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[OVL_A_EP_MAX + 1];
	int err;

	memset(ep, 0, sizeof(*ep));
	err = nla_parse_nested(tb, OVL_A_EP_MAX, nest, ovl_ep_policy, extack);
	if (err)
		return err;
	if (!tb[OVL_A_EP_IPV4] && !tb[OVL_A_EP_IPV6] && !tb[OVL_A_EP_PORT])
		return 0;
	if (tb[OVL_A_EP_IPV4] && tb[OVL_A_EP_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "give an IPv4 or an IPv6 address, not both");
		return -EINVAL;
	}
	if (!tb[OVL_A_EP_IPV4] && !tb[OVL_A_EP_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "an endpoint needs an address");
		return -EINVAL;
	}
	if (!tb[OVL_A_EP_PORT] || !nla_get_be16(tb[OVL_A_EP_PORT])) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "an endpoint needs a non-zero port");
		return -EINVAL;
	}
	if (tb[OVL_A_EP_IPV4]) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_addr.s_addr = nla_get_in_addr(tb[OVL_A_EP_IPV4]);
		ep->addr4.sin_port = nla_get_be16(tb[OVL_A_EP_PORT]);
	} else {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_addr = nla_get_in6_addr(tb[OVL_A_EP_IPV6]);
		ep->addr6.sin6_port = nla_get_be16(tb[OVL_A_EP_PORT]);
	}
	return 0;
}

/* The thresholds a DEV_SET may carry, and where each one goes. */
static u32 *ovl_nl_cfg_field(struct ovl_path_cfg *cfg, int attr)
{
	switch (attr) {
	case OVL_A_DEV_BLACKHOLE_MS:
		return &cfg->blackhole_ms;
	case OVL_A_DEV_BLACKHOLE_MISSES:
		return &cfg->blackhole_misses;
	case OVL_A_DEV_DIRECT_CLEARS:
		return &cfg->direct_clears;
	case OVL_A_DEV_SEND_ERRORS:
		return &cfg->send_errors;
	case OVL_A_DEV_MAX_RELAY_PEERS:
		return &cfg->max_relay_peers;
	case OVL_A_DEV_PROBE_INTERVAL_MS:
		return &cfg->probe_interval_ms;
	}
	return NULL;
}

static int ovl_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *node_id = info->attrs[OVL_A_DEV_NODE_ID];
	struct nlattr *port = info->attrs[OVL_A_DEV_LISTEN_PORT];
	struct nlattr *beacon_attr = info->attrs[OVL_A_DEV_BEACON];
	struct nlattr *keys = info->attrs[OVL_A_DEV_BEACON_KEYS];
	struct ovl_beacon *beacon = NULL, *old;
	union ovl_endpoint ep;
	struct net_device *dev;
	struct ovl_dev *ovl;
	int err = 0, attr;
	bool any = false, relay;
	u32 *field;

	/* The policy lets through nothing else past the device's name. */
	for (attr = OVL_A_DEV_NODE_ID; attr <= OVL_A_DEV_BEACON_KEYS; attr++)
		any |= !!info->attrs[attr];
	if (!any) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: need a node id, a listen port, a beacon, beacon keys or a threshold");
		return -EINVAL;
	}
	if (beacon_attr) {
		err = ovl_nl_parse_ep(beacon_attr, &ep, info->extack);
		if (err)
			return err;
		if (ep.addr.sa_family != AF_UNSPEC) {
			beacon = ovl_beacon_new(&ep);
			if (!beacon)
				return -ENOMEM;
		}
	}

	rtnl_lock();
	rcu_read_lock();
	dev = ovl_nl_dev_find(genl_info_net(info), info->attrs, info->extack);
	rcu_read_unlock();
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out;
	}
	ovl = netdev_priv(dev);

	/*
	 * Keys go with a beacon: the one given, or a copy of the current one
	 * (new sequence numbers).  Setting a beacon without keys clears them.
	 */
	if (keys) {
		old = beacon_attr ? beacon : rtnl_dereference(ovl->beacon);
		if (!old) {
			NL_SET_ERR_MSG_ATTR(info->extack, keys,
					    "beacon keys need a beacon");
			err = -ENOENT;
			goto out;
		}
		if (!beacon_attr) {
			beacon = ovl_beacon_new(&old->ep);
			if (!beacon) {
				err = -ENOMEM;
				goto out;
			}
		}
		ovl_beacon_set_keys(beacon, nla_data(keys));
	}

	/* The port is the only change that can fail: apply it first. */
	if (port) {
		err = ovl_socket_set_port(ovl, nla_get_u16(port), info->extack);
		if (err) {
			NL_SET_BAD_ATTR(info->extack, port);
			goto out;
		}
	}
	if (node_id)
		WRITE_ONCE(ovl->node_id, nla_get_u32(node_id));
	for (attr = OVL_A_DEV_BLACKHOLE_MS; attr <= OVL_A_DEV_PROBE_INTERVAL_MS; attr++) {
		field = ovl_nl_cfg_field(&ovl->path_cfg, attr);
		if (field && info->attrs[attr])
			WRITE_ONCE(*field, nla_get_u32(info->attrs[attr]));
	}
	if (beacon_attr || keys) {
		relay = beacon && beacon->auth;
		ovl_relay_set_beacon(ovl, beacon);
		if (!relay)	/* none, or one without keys: no relaying */
			ovl_relay_beacon_gone(ovl);
		beacon = NULL;
	} else if (port || node_id) {
		ovl_relay_register(ovl);
	}
out:
	rtnl_unlock();
	ovl_beacon_free(beacon);
	return err;
}

/*
 * Commands that change peers or keys work under the device lock: find the
 * device, pin it and take the lock.  Returns the device or an ERR_PTR;
 * release with ovl_nl_unlock().
 */
static struct ovl_dev *ovl_nl_lock(struct net *net, struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct ovl_dev *ovl;

	rcu_read_lock();
	dev = ovl_nl_dev_find(net, attrs, extack);
	if (!IS_ERR(dev))
		dev_hold(dev);
	rcu_read_unlock();
	if (IS_ERR(dev))
		return ERR_CAST(dev);

	ovl = netdev_priv(dev);
	mutex_lock(&ovl->lock);
	if (ovl->dead) {
		mutex_unlock(&ovl->lock);
		dev_put(dev);
		NL_SET_ERR_MSG(extack, "the device is being deleted");
		return ERR_PTR(-ENODEV);
	}
	return ovl;
}

static void ovl_nl_unlock(struct ovl_dev *ovl)
{
	mutex_unlock(&ovl->lock);
	dev_put(ovl->dev);
}

/* Parse the nest @attr of a request, which the command requires. */
static int ovl_nl_parse_nest(struct genl_info *info, int attr, int maxtype,
			     const struct nla_policy *policy, struct nlattr **tb)
{
	if (!info->attrs[attr]) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, attr);
		if (attr == OVL_A_DEV_PEER)
			NL_SET_ERR_MSG(info->extack, "missing peer attributes");
		else
			NL_SET_ERR_MSG(info->extack, "missing key attributes");
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, info->attrs[attr], policy,
				info->extack);
}

/**
 * struct ovl_peer_conf - a validated peer request, applied under the lock
 * @node_id: the peer
 * @ep: the endpoint, if @has_ep
 * @has_ep: the request sets the endpoint
 * @keepalive: the keepalive interval, if @has_keepalive
 * @has_keepalive: the request sets the keepalive interval
 * @aips: the allowed-ips, if @has_aips (a list of nests)
 * @n_aips: how many prefixes @aips holds (0 when it clears the list)
 * @has_aips: the request replaces the allowed-ips
 * @relay: &enum ovl_relay_mode, if @has_relay
 * @has_relay: the request sets the relay mode
 * @cert_expiry: the peer's certificate's expiry, if @has_cert_expiry
 * @has_cert_expiry: the request sets it
 */
struct ovl_peer_conf {
	u32 node_id;
	union ovl_endpoint ep;
	bool has_ep;
	u32 keepalive;
	bool has_keepalive;
	struct nlattr *aips;
	unsigned int n_aips;
	bool has_aips;
	u8 relay;
	bool has_relay;
	u64 cert_expiry;
	bool has_cert_expiry;
};

static int ovl_nl_parse_endpoint(struct nlattr **tb, struct ovl_peer_conf *conf,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *v4 = tb[OVL_A_PEER_REMOTE_IPV4];
	struct nlattr *v6 = tb[OVL_A_PEER_REMOTE_IPV6];
	struct nlattr *port = tb[OVL_A_PEER_REMOTE_PORT];

	if (!v4 && !v6 && !port)
		return 0;
	if (v4 && v6) {
		NL_SET_ERR_MSG_ATTR(extack, v6,
				    "give an IPv4 or an IPv6 endpoint, not both");
		return -EINVAL;
	}
	if (!port || !nla_get_be16(port)) {
		NL_SET_ERR_MSG_ATTR(extack, port ?: v4 ?: v6,
				    "an endpoint needs a non-zero port");
		return -EINVAL;
	}
	if (!v4 && !v6) {
		NL_SET_ERR_MSG_ATTR(extack, port, "an endpoint needs an address");
		return -EINVAL;
	}
	if (v4) {
		conf->ep.addr4.sin_family = AF_INET;
		conf->ep.addr4.sin_addr.s_addr = nla_get_in_addr(v4);
		conf->ep.addr4.sin_port = nla_get_be16(port);
	} else {
		conf->ep.addr6.sin6_family = AF_INET6;
		conf->ep.addr6.sin6_addr = nla_get_in6_addr(v6);
		conf->ep.addr6.sin6_port = nla_get_be16(port);
	}
	conf->has_ep = true;
	return 0;
}

/*
 * Check one allowed-ip nest.  Returns its family, 0 for the empty nest
 * that clears the list, or a negative error.
 */
static int ovl_nl_parse_aip(struct nlattr *nest, const u8 **addr, u8 *cidr,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[OVL_A_AIP_MAX + 1];
	int err, family;

	err = nla_parse_nested(tb, OVL_A_AIP_MAX, nest, ovl_aip_policy, extack);
	if (err)
		return err;
	if (!tb[OVL_A_AIP_FAMILY] && !tb[OVL_A_AIP_ADDR] && !tb[OVL_A_AIP_CIDR])
		return 0;
	if (!tb[OVL_A_AIP_FAMILY] || !tb[OVL_A_AIP_ADDR] || !tb[OVL_A_AIP_CIDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "an allowed-ip needs a family, an address and a prefix length");
		return -EINVAL;
	}
	family = nla_get_u16(tb[OVL_A_AIP_FAMILY]);
	*cidr = nla_get_u8(tb[OVL_A_AIP_CIDR]);
	*addr = nla_data(tb[OVL_A_AIP_ADDR]);
	if (family == AF_INET && nla_len(tb[OVL_A_AIP_ADDR]) == 4 && *cidr <= 32)
		return AF_INET;
	if (family == AF_INET6 && nla_len(tb[OVL_A_AIP_ADDR]) == 16)
		return AF_INET6;
	NL_SET_ERR_MSG_ATTR(extack, nest,
			    "allowed-ip: bad family, address length or prefix length");
	return -EINVAL;
}

static int ovl_nl_parse_peer(struct genl_info *info, struct ovl_peer_conf *conf)
{
	struct nlattr *tb[OVL_A_PEER_CERT_EXPIRY + 1], *nest;
	int err, rem, family, n = 0, empty = 0;
	const u8 *addr;
	u8 cidr;

	memset(conf, 0, sizeof(*conf));
	err = ovl_nl_parse_nest(info, OVL_A_DEV_PEER, OVL_A_PEER_CERT_EXPIRY,
				ovl_peer_policy, tb);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[OVL_A_DEV_PEER], tb,
			      OVL_A_PEER_NODE_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing peer node id");
		return -EINVAL;
	}
	conf->node_id = nla_get_u32(tb[OVL_A_PEER_NODE_ID]);

	err = ovl_nl_parse_endpoint(tb, conf, info->extack);
	if (err)
		return err;
	if (tb[OVL_A_PEER_KEEPALIVE]) {
		conf->keepalive = nla_get_u32(tb[OVL_A_PEER_KEEPALIVE]);
		conf->has_keepalive = true;
	}
	if (tb[OVL_A_PEER_RELAY]) {
		conf->relay = nla_get_u32(tb[OVL_A_PEER_RELAY]);
		conf->has_relay = true;
	}
	if (tb[OVL_A_PEER_CERT_EXPIRY]) {
		conf->cert_expiry = nla_get_u64(tb[OVL_A_PEER_CERT_EXPIRY]);
		conf->has_cert_expiry = true;
	}

	nla_for_each_nested(nest, info->attrs[OVL_A_DEV_PEER], rem) {
		if (nla_type(nest) != OVL_A_PEER_ALLOWED_IP)
			continue;
		family = ovl_nl_parse_aip(nest, &addr, &cidr, info->extack);
		if (family < 0)
			return family;
		n++;
		empty += !family;
	}
	if (n > OVL_PEER_MAX_ALLOWED_IPS) {
		NL_SET_ERR_MSG(info->extack, "too many allowed-ips for one peer");
		return -E2BIG;
	}
	if (empty && n > 1) {
		NL_SET_ERR_MSG(info->extack,
			       "an empty allowed-ip clears the list and must come alone");
		return -EINVAL;
	}
	conf->aips = info->attrs[OVL_A_DEV_PEER];
	conf->n_aips = n - empty;
	conf->has_aips = n > 0;
	return 0;
}

/*
 * Replace @peer's allowed-ips with those of @conf, from @res, reserved for
 * them: this cannot fail.  Context: ovl->lock.
 */
static void ovl_peer_set_aips(struct ovl_peer *peer,
			      const struct ovl_peer_conf *conf,
			      struct ovl_aips_reserve *res,
			      struct netlink_ext_ack *extack)
{
	struct ovl_dev *ovl = peer->ovl;
	struct nlattr *nest;
	const u8 *addr;
	int rem, family;
	u8 cidr;

	ovl_aips_remove_by_peer(&ovl->aips, peer, &peer->aips);
	nla_for_each_nested(nest, conf->aips, rem) {
		if (nla_type(nest) != OVL_A_PEER_ALLOWED_IP)
			continue;
		family = ovl_nl_parse_aip(nest, &addr, &cidr, extack);
		if (family <= 0)
			continue;
		/* Validated by ovl_nl_parse_peer(), and memory is reserved. */
		WARN_ON_ONCE(ovl_aips_insert_reserved(&ovl->aips, res, family,
						      addr, cidr, peer,
						      &peer->aips));
	}
}

/*
 * Apply a validated request to @peer: all of it or, on error, nothing.
 * What can fail comes first (the memory for the allowed-ips, then pinning,
 * which the relay cap can refuse); what follows cannot fail.  Context:
 * ovl->lock.
 */
static int ovl_peer_apply(struct ovl_peer *peer, const struct ovl_peer_conf *conf,
			  struct netlink_ext_ack *extack)
{
	struct ovl_aips_reserve res;
	int err = 0;

	if (conf->has_aips && ovl_aips_reserve(&res, conf->n_aips)) {
		NL_SET_ERR_MSG(extack, "out of memory for allowed-ips");
		return -ENOMEM;
	}
	if (conf->has_relay) {
		err = ovl_peer_set_relay_mode(peer, conf->relay, extack);
		if (err)
			goto out;
	}
	if (conf->has_ep)
		ovl_peer_set_endpoint(peer, &conf->ep);
	if (conf->has_keepalive)
		ovl_peer_set_keepalive(peer, conf->keepalive);
	if (conf->has_aips)
		ovl_peer_set_aips(peer, conf, &res, extack);
	if (conf->has_cert_expiry)
		peer->cert_expiry = conf->cert_expiry;
out:
	if (conf->has_aips)
		ovl_aips_release(&res);
	return err;
}

static int ovl_nl_peer_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ovl_peer_conf conf;
	struct ovl_peer *peer;
	struct ovl_dev *ovl;
	int err;

	err = ovl_nl_parse_peer(info, &conf);
	if (err)
		return err;
	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);

	err = -ENOMEM;
	peer = ovl_peer_create(ovl, conf.node_id);
	if (!peer)
		goto out;
	err = ovl_peer_insert(peer);
	if (err) {
		ovl_peer_free_unused(peer);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[OVL_A_DEV_PEER],
					    "a peer with this node id exists");
		goto out;
	}
	err = ovl_peer_apply(peer, &conf, info->extack);
	if (err)
		ovl_peer_remove(peer);
out:
	ovl_nl_unlock(ovl);
	return err;
}

/* Find the peer a request names.  Context: ovl->lock held. */
static struct ovl_peer *ovl_nl_peer_find(struct ovl_dev *ovl, u32 node_id,
					 struct nlattr *attr,
					 struct netlink_ext_ack *extack)
{
	struct ovl_peer *peer = ovl_peer_lookup(ovl, node_id);

	if (!peer)
		NL_SET_ERR_MSG_ATTR(extack, attr, "no peer with this node id");
	return peer;
}

static int ovl_nl_peer_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ovl_peer_conf conf;
	struct ovl_peer *peer;
	struct ovl_dev *ovl;
	int err;

	err = ovl_nl_parse_peer(info, &conf);
	if (err)
		return err;
	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	peer = ovl_nl_peer_find(ovl, conf.node_id, info->attrs[OVL_A_DEV_PEER],
				info->extack);
	err = peer ? ovl_peer_apply(peer, &conf, info->extack) : -ENOENT;
	ovl_nl_unlock(ovl);
	return err;
}

static int ovl_nl_peer_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ovl_peer_conf conf;
	struct ovl_peer *peer;
	struct ovl_dev *ovl;
	int err;

	err = ovl_nl_parse_peer(info, &conf);
	if (err)
		return err;
	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	peer = ovl_nl_peer_find(ovl, conf.node_id, info->attrs[OVL_A_DEV_PEER],
				info->extack);
	if (peer)
		ovl_peer_remove(peer);
	ovl_nl_unlock(ovl);
	return peer ? 0 : -ENOENT;
}

static int ovl_nl_put_endpoint(struct sk_buff *skb, struct ovl_peer *peer)
{
	union ovl_endpoint ep;

	ovl_peer_get_endpoint(peer, &ep);
	if (ep.addr.sa_family == AF_INET)
		return nla_put_in_addr(skb, OVL_A_PEER_REMOTE_IPV4,
				       ep.addr4.sin_addr.s_addr) ||
		       nla_put_be16(skb, OVL_A_PEER_REMOTE_PORT, ep.addr4.sin_port);
	if (ep.addr.sa_family == AF_INET6)
		return nla_put_in6_addr(skb, OVL_A_PEER_REMOTE_IPV6,
					&ep.addr6.sin6_addr) ||
		       nla_put_be16(skb, OVL_A_PEER_REMOTE_PORT, ep.addr6.sin6_port);
	return 0;
}

/*
 * @peer's allowed-ips past the first @skip, as many as fit; *@put counts
 * those put.  Returns 0 when all were put, -EMSGSIZE when the message is
 * full (what fits is kept).
 */
static int ovl_nl_put_aips(struct sk_buff *skb, struct ovl_peer *peer,
			   unsigned long skip, unsigned long *put)
{
	struct ovl_aips_node *node;
	unsigned long i = 0;
	struct nlattr *nest;
	u8 addr[16], cidr;
	int family;

	list_for_each_entry(node, &peer->aips, peer_list) {
		if (i++ < skip)
			continue;
		family = ovl_aips_node_read(node, addr, &cidr);
		nest = nla_nest_start(skb, OVL_A_PEER_ALLOWED_IP);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u16(skb, OVL_A_AIP_FAMILY, family) ||
		    nla_put(skb, OVL_A_AIP_ADDR, family == AF_INET ? 4 : 16, addr) ||
		    nla_put_u8(skb, OVL_A_AIP_CIDR, cidr)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
		(*put)++;
	}
	return 0;
}

/*
 * The public state of @peer's keys, never their bytes.  Context: ovl->lock
 * held, which keeps the keys from being freed; a promotion may move them
 * between the slots, so both are read at once, under the key lock.
 */
static int ovl_nl_put_keys(struct sk_buff *skb, struct ovl_peer *peer)
{
	struct ovl_key *keys[ARRAY_SIZE(peer->keys)], *key;
	unsigned long now = jiffies;
	struct nlattr *nest;
	int slot;

	spin_lock_bh(&peer->keys_lock);
	for (slot = 0; slot < ARRAY_SIZE(peer->keys); slot++)
		keys[slot] = rcu_dereference_protected(peer->keys[slot],
						       lockdep_is_held(&peer->keys_lock));
	spin_unlock_bh(&peer->keys_lock);

	for (slot = 0; slot < ARRAY_SIZE(keys); slot++) {
		key = keys[slot];
		if (!key)
			continue;
		nest = nla_nest_start(skb, OVL_A_PEER_KEY);
		if (!nest ||
		    nla_put_u32(skb, OVL_A_KEY_SLOT, slot) ||
		    nla_put_u8(skb, OVL_A_KEY_ID, key->id) ||
		    nla_put_u64_64bit(skb, OVL_A_KEY_TX_COUNTER,
				      ovl_key_tx_used(key), OVL_A_KEY_PAD) ||
		    (key->lifetime &&
		     (nla_put_u32(skb, OVL_A_KEY_LIFETIME, key->lifetime) ||
		      nla_put_u64_64bit(skb, OVL_A_KEY_EXPIRES_MS,
					jiffies_to_msecs(ovl_keylife_left(&key->life, now)),
					OVL_A_KEY_PAD))) ||
		    (slot == OVL_KEY_SLOT_SECONDARY &&
		     test_bit(OVL_KEY_PROMOTE, &key->flags) &&
		     nla_put_flag(skb, OVL_A_KEY_PROMOTE)))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int ovl_nl_put_u64(struct sk_buff *skb, int type, atomic64_t *v)
{
	return nla_put_u64_64bit(skb, type, atomic64_read(v), OVL_A_PEER_PAD);
}

/*
 * Everything of a peer but its node id and allowed-ips (each attribute
 * once, see ovl_nl_peer_size()).  Context: ovl->lock held.
 */
static int ovl_nl_put_peer_state(struct sk_buff *skb, struct ovl_peer *peer)
{
	u64 last = READ_ONCE(peer->path.last_direct_rx);
	struct ovl_peer_stats *st = &peer->stats;
	u8 mode = READ_ONCE(peer->path.mode);

	if (ovl_nl_put_endpoint(skb, peer) ||
	    nla_put_u32(skb, OVL_A_PEER_KEEPALIVE, READ_ONCE(peer->keepalive)) ||
	    nla_put_u32(skb, OVL_A_PEER_PATH, READ_ONCE(peer->path.path)) ||
	    nla_put_u32(skb, OVL_A_PEER_RELAY, mode) ||
	    (mode == OVL_RELAY_MODE_PINNED &&
	     nla_put_flag(skb, OVL_A_PEER_PINNED)) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_RX_PACKETS, &st->rx_packets) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_RX_BYTES, &st->rx_bytes) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_TX_PACKETS, &st->tx_packets) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_TX_BYTES, &st->tx_bytes) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_RELAY_RX_PACKETS, &st->relay_rx_packets) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_RELAY_TX_PACKETS, &st->relay_tx_packets) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_FLIPS, &st->flips) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_RELAY_CAP_DROPS, &st->relay_cap_drops) ||
	    ovl_nl_put_u64(skb, OVL_A_PEER_ICMP_ERRORS, &st->icmp_errors) ||
	    (last && nla_put_u64_64bit(skb, OVL_A_PEER_LAST_DIRECT_RX_MS,
				       ovl_now_ms() - last, OVL_A_PEER_PAD)) ||
	    (peer->last_handshake &&
	     nla_put_u64_64bit(skb, OVL_A_PEER_LAST_HANDSHAKE,
			       peer->last_handshake, OVL_A_PEER_PAD)) ||
	    (peer->cert_expiry &&
	     nla_put_u64_64bit(skb, OVL_A_PEER_CERT_EXPIRY, peer->cert_expiry,
			       OVL_A_PEER_PAD)) ||
	    ovl_nl_put_keys(skb, peer))
		return -EMSGSIZE;
	return 0;
}

/*
 * Room for the reply of ovl_nl_peer_fill() with the whole of @peer:
 * OVL_A_DEV_IFINDEX and the OVL_A_DEV_PEER nest.  In the nest, every
 * attribute but the allowed-ips and the keys appears at most once and
 * holds at most 16 bytes (an IPv6 endpoint), so OVL_A_PEER_MAX of those
 * bound it, also once new attributes are appended.  Context: ovl->lock
 * held.
 */
static size_t ovl_nl_peer_size(struct ovl_peer *peer)
{
	const size_t aip = nla_total_size(nla_total_size(sizeof(u16)) +
					  nla_total_size(sizeof(struct in6_addr)) +
					  nla_total_size(sizeof(u8)));
	const size_t key = nla_total_size(nla_total_size(sizeof(u32)) +
					  nla_total_size(sizeof(u8)) +
					  nla_total_size_64bit(sizeof(u64)) +
					  nla_total_size(sizeof(u32)) +
					  nla_total_size_64bit(sizeof(u64)) +
					  nla_total_size(0));
	struct ovl_aips_node *node;
	size_t n = 0;

	list_for_each_entry(node, &peer->aips, peer_list)
		n++;
	return nla_total_size(sizeof(u32)) +			/* DEV_IFINDEX */
	       nla_total_size(OVL_A_PEER_MAX *
			      nla_total_size_64bit(sizeof(struct in6_addr)) +
			      ARRAY_SIZE(peer->keys) * key +
			      n * aip);
}

/*
 * One peer as a message, allowed-ips last.  With @aips_sent NULL, the
 * whole peer (a reply sized by ovl_nl_peer_size()).  In a dump, a peer
 * may take several messages: the first carries all of it but the
 * allowed-ips that do not fit, the others its node id and more of its
 * allowed-ips; *@aips_sent counts those already out, in earlier messages
 * (0: this is the first) and, on return, in this one too.
 *
 * Return: 0 when the message ends the peer, 1 when more of its allowed-ips
 * are to come, -EMSGSIZE when nothing was added (nothing of the peer fits
 * the room left, or in a dump not even one of its remaining allowed-ips).
 * Context: ovl->lock held.
 */
static int ovl_nl_peer_fill(struct sk_buff *skb, struct ovl_peer *peer,
			    u32 portid, u32 seq, int flags,
			    unsigned long *aips_sent)
{
	unsigned long skip = aips_sent ? *aips_sent : 0, put = 0;
	struct nlattr *nest;
	void *hdr;
	int more;

	hdr = genlmsg_put(skb, portid, seq, &ovl_genl_family, flags,
			  OVL_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, OVL_A_DEV_IFINDEX, peer->ovl->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, OVL_A_DEV_PEER);
	if (!nest ||
	    nla_put_u32(skb, OVL_A_PEER_NODE_ID, peer->node_id) ||
	    (!skip && ovl_nl_put_peer_state(skb, peer)))
		goto cancel;
	more = ovl_nl_put_aips(skb, peer, skip, &put);
	/* A part must bring allowed-ips, or the dump would not advance. */
	if (more && (!aips_sent || !put))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	if (aips_sent)
		*aips_sent = skip + put;
	return more ? 1 : 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int ovl_nl_peer_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ovl_peer_conf conf;
	struct ovl_peer *peer;
	struct ovl_dev *ovl;
	struct sk_buff *msg;
	int err;

	err = ovl_nl_parse_peer(info, &conf);
	if (err)
		return err;
	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	peer = ovl_nl_peer_find(ovl, conf.node_id, info->attrs[OVL_A_DEV_PEER],
				info->extack);
	if (!peer) {
		ovl_nl_unlock(ovl);
		return -ENOENT;
	}
	/* Sized for the peer: its allowed-ips can outgrow NLMSG_GOODSIZE. */
	msg = genlmsg_new(ovl_nl_peer_size(peer), GFP_KERNEL);
	err = msg ? ovl_nl_peer_fill(msg, peer, info->snd_portid,
				     info->snd_seq, 0, NULL) : -ENOMEM;
	ovl_nl_unlock(ovl);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Peers are dumped in node id order; cb->args[0] holds the last node id
 * sent whole, so a dump resumes correctly whatever changed in between.
 * A peer whose allowed-ips do not fit in what is left of a message is
 * sent in parts (see ovl_nl_peer_fill()), the next part in the next
 * message: cb->args[1] holds its node id and cb->args[2] how many of its
 * allowed-ips are out.  Readers merge the parts of one node id.
 */
static int ovl_nl_peer_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	unsigned long aips_sent;
	struct ovl_peer *peer;
	struct ovl_dev *ovl;
	int ret = 0, sent = 0;

	ovl = ovl_nl_lock(sock_net(skb->sk), ovl_compat_dump_attrs(cb),
			  cb->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	for (peer = ovl_peer_first_after(ovl, cb->args[0]); peer;
	     peer = ovl_peer_next(peer)) {
		aips_sent = cb->args[1] == peer->node_id ? cb->args[2] : 0;
		ret = ovl_nl_peer_fill(skb, peer, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       &aips_sent);
		if (ret < 0)
			break;
		sent++;
		if (ret > 0) {
			cb->args[1] = peer->node_id;
			cb->args[2] = aips_sent;
			break;
		}
		cb->args[0] = peer->node_id;
		cb->args[1] = 0;
		cb->args[2] = 0;
	}
	ovl_nl_unlock(ovl);

	/* Not even a part of a peer fits an empty message: do not stall. */
	if (ret < 0 && !sent)
		return ret;
	return skb->len;
}

static int ovl_nl_key_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVL_A_KEY_PROMOTE + 1], *nest = info->attrs[OVL_A_DEV_KEY];
	struct ovl_peer *peer;
	struct ovl_key *key;
	struct ovl_dev *ovl;
	u32 slot, lifetime;
	int err;

	err = ovl_nl_parse_nest(info, OVL_A_DEV_KEY, OVL_A_KEY_PROMOTE,
				ovl_key_policy, tb);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, OVL_A_KEY_NODE_ID) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb, OVL_A_KEY_ID) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb, OVL_A_KEY_TX_KEY) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb, OVL_A_KEY_RX_KEY)) {
		NL_SET_ERR_MSG(info->extack,
			       "a key needs a node id, a key id, a tx key and an rx key");
		return -EINVAL;
	}
	slot = tb[OVL_A_KEY_SLOT] ? nla_get_u32(tb[OVL_A_KEY_SLOT]) :
				    OVL_KEY_SLOT_PRIMARY;
	/* Only a key that waits in the secondary slot can be promoted. */
	if (tb[OVL_A_KEY_PROMOTE] && slot != OVL_KEY_SLOT_SECONDARY) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[OVL_A_KEY_PROMOTE],
				    "promote needs the secondary slot");
		return -EINVAL;
	}
	lifetime = tb[OVL_A_KEY_LIFETIME] ? nla_get_u32(tb[OVL_A_KEY_LIFETIME]) : 0;
	key = ovl_key_new(nla_get_u8(tb[OVL_A_KEY_ID]),
			  nla_data(tb[OVL_A_KEY_TX_KEY]),
			  nla_data(tb[OVL_A_KEY_RX_KEY]));
	if (!key)
		return -ENOMEM;
	/* Not published yet: no one else sees these. */
	key->lifetime = lifetime;
	ovl_keylife_set(&key->life, lifetime, jiffies, HZ);
	if (tb[OVL_A_KEY_PROMOTE])
		set_bit(OVL_KEY_PROMOTE, &key->flags);

	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl)) {
		ovl_key_put_rcu(key);
		return PTR_ERR(ovl);
	}
	/* Every sealed message names its sender; 0 names nobody. */
	if (!READ_ONCE(ovl->node_id)) {
		NL_SET_ERR_MSG(info->extack,
			       "set the device's node-id before its keys");
		peer = NULL;
		err = -EINVAL;
	} else {
		peer = ovl_nl_peer_find(ovl, nla_get_u32(tb[OVL_A_KEY_NODE_ID]),
					tb[OVL_A_KEY_NODE_ID], info->extack);
		err = peer ? 0 : -ENOENT;
	}
	if (!peer) {
		ovl_key_put_rcu(key);
		goto out;
	}
	ovl_peer_set_key(peer, slot, key);
	/* Keys with a lifetime come from handshakes (the control daemon). */
	if (lifetime) {
		peer->last_handshake = ktime_get_real_seconds();
		/* The slot's reference keeps it: we hold the device lock. */
		ovl_nl_key_event(peer, key, slot, OVL_KEY_EVENT_INSTALLED);
		if (slot == OVL_KEY_SLOT_PRIMARY)
			ovl_send_keepalive(peer);
	}
out:
	ovl_nl_unlock(ovl);
	return err;
}

/* KEY_SWAP and KEY_DEL: the peer named in the key nest, or an ERR_PTR. */
static struct ovl_peer *ovl_nl_key_peer(struct ovl_dev *ovl, struct nlattr **tb,
					struct genl_info *info)
{
	struct ovl_peer *peer;
	int attr;

	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[OVL_A_DEV_KEY], tb,
			      OVL_A_KEY_NODE_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing the peer's node id");
		return ERR_PTR(-EINVAL);
	}
	/* What only installs a key means nothing here: refuse, not ignore. */
	for (attr = OVL_A_KEY_ID; attr <= OVL_A_KEY_PROMOTE; attr++) {
		if (tb[attr]) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[attr],
					    "only key-new takes a key id, keys, a lifetime or promote");
			return ERR_PTR(-EINVAL);
		}
	}
	peer = ovl_nl_peer_find(ovl, nla_get_u32(tb[OVL_A_KEY_NODE_ID]),
				tb[OVL_A_KEY_NODE_ID], info->extack);
	return peer ?: ERR_PTR(-ENOENT);
}

static int ovl_nl_key_swap_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVL_A_KEY_PROMOTE + 1];
	struct ovl_peer *peer;
	struct ovl_key *key;
	struct ovl_dev *ovl;
	int err;

	err = ovl_nl_parse_nest(info, OVL_A_DEV_KEY, OVL_A_KEY_PROMOTE,
				ovl_key_policy, tb);
	if (err)
		return err;
	if (tb[OVL_A_KEY_SLOT]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[OVL_A_KEY_SLOT],
				    "a swap takes no slot");
		return -EINVAL;
	}
	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	peer = ovl_nl_key_peer(ovl, tb, info);
	if (IS_ERR(peer)) {
		err = PTR_ERR(peer);
		goto out;
	}
	if (!ovl_peer_swap_keys(peer)) {
		NL_SET_ERR_MSG(info->extack, "no secondary key to swap in");
		err = -ENOENT;
		goto out;
	}
	/* Only netlink frees keys, and we hold the device lock. */
	key = rcu_dereference_protected(peer->keys[OVL_KEY_SLOT_PRIMARY],
					lockdep_is_held(&ovl->lock));
	if (key) {
		ovl_nl_key_event(peer, key, OVL_KEY_SLOT_PRIMARY,
				 OVL_KEY_EVENT_SWAPPED);
		/*
		 * A handshake's keys, swapped in by the initiator: an empty
		 * message under them at once, so that the responder, whose
		 * keys wait for the first message under them, can send too
		 * even when the initiator has nothing to say (WireGuard's
		 * initiator does the same).
		 */
		if (key->lifetime)
			ovl_send_keepalive(peer);
	}
out:
	ovl_nl_unlock(ovl);
	return err;
}

static int ovl_nl_key_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVL_A_KEY_PROMOTE + 1];
	struct ovl_peer *peer;
	struct ovl_dev *ovl;
	int err, slot, found = 0;

	err = ovl_nl_parse_nest(info, OVL_A_DEV_KEY, OVL_A_KEY_PROMOTE,
				ovl_key_policy, tb);
	if (err)
		return err;
	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	peer = ovl_nl_key_peer(ovl, tb, info);
	if (IS_ERR(peer)) {
		ovl_nl_unlock(ovl);
		return PTR_ERR(peer);
	}
	for (slot = 0; slot < ARRAY_SIZE(peer->keys); slot++) {
		if (tb[OVL_A_KEY_SLOT] && nla_get_u32(tb[OVL_A_KEY_SLOT]) != slot)
			continue;
		found += ovl_peer_set_key(peer, slot, NULL);
	}
	if (!found)
		NL_SET_ERR_MSG(info->extack, "no such key");
	ovl_nl_unlock(ovl);
	return found ? 0 : -ENOENT;
}

static int ovl_nl_ctrl_register_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct ovl_dev *ovl;
	int err;

	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	err = ovl_ctrl_register(ovl, info->snd_portid, info->extack);
	ovl_nl_unlock(ovl);
	return err;
}

static int ovl_nl_ctrl_send_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[OVL_A_CTRL_NODE_ID + 1];
	struct netlink_ext_ack *extack = info->extack;
	union ovl_endpoint ep, *to = NULL;
	struct nlattr *frame;
	struct ovl_dev *ovl;
	u32 node_id = 0;
	int err;

	if (!info->attrs[OVL_A_DEV_CTRL]) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, OVL_A_DEV_CTRL);
		NL_SET_ERR_MSG(extack, "missing control frame attributes");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, OVL_A_CTRL_NODE_ID, info->attrs[OVL_A_DEV_CTRL],
			       ovl_ctrl_policy, extack);
	if (err)
		return err;
	frame = tb[OVL_A_CTRL_FRAME];
	if (!frame || !nla_len(frame)) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[OVL_A_DEV_CTRL],
				    "missing or empty control frame");
		return -EINVAL;
	}
	if (!!tb[OVL_A_CTRL_ENDPOINT] == !!tb[OVL_A_CTRL_NODE_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[OVL_A_DEV_CTRL],
				    "give an endpoint or a node id to relay to, not both");
		return -EINVAL;
	}
	if (tb[OVL_A_CTRL_ENDPOINT]) {
		err = ovl_nl_parse_ep(tb[OVL_A_CTRL_ENDPOINT], &ep, extack);
		if (err)
			return err;
		if (ep.addr.sa_family == AF_UNSPEC) {
			NL_SET_ERR_MSG_ATTR(extack, tb[OVL_A_CTRL_ENDPOINT],
					    "an empty endpoint");
			return -EINVAL;
		}
		to = &ep;
	} else {
		node_id = nla_get_u32(tb[OVL_A_CTRL_NODE_ID]);
	}

	ovl = ovl_nl_lock(genl_info_net(info), info->attrs, extack);
	if (IS_ERR(ovl))
		return PTR_ERR(ovl);
	err = ovl_ctrl_send(ovl, nla_data(frame), nla_len(frame), to, node_id,
			    extack);
	ovl_nl_unlock(ovl);
	return err;
}

/**
 * ovl_nl_ctrl_frame - pass a control frame up to the control listener
 * @ovl: the device
 * @portid: the listener's netlink port id
 * @frame: the frame, from its type byte on (not consumed)
 * @src: where it came from, or NULL if it came relayed...
 * @relay_src: ...on behalf of this node id
 *
 * Returns 0 once the frame is in the listener's socket, or a negative
 * error: no memory, the socket's receive buffer is full, the socket is
 * gone.  Context: softirq.
 */
int ovl_nl_ctrl_frame(struct ovl_dev *ovl, u32 portid,
		      const struct sk_buff *frame,
		      const union ovl_endpoint *src, u32 relay_src)
{
	size_t size = nla_total_size(sizeof(u32)) +	/* ifindex */
		      nla_total_size(IFNAMSIZ) +	/* ifname */
		      nla_total_size(0) +		/* ctrl */
		      nla_total_size(frame->len) +	/* frame */
		      nla_total_size(0) +		/* endpoint, */
		      nla_total_size(sizeof(struct in6_addr)) +
		      nla_total_size(sizeof(u16)) +	/* or node id */
		      nla_total_size(sizeof(u32));
	struct net_device *dev = ovl->dev;
	struct nlattr *nest, *attr;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(size, GFP_ATOMIC);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &ovl_genl_family, 0,
			  OVL_CMD_CTRL_FRAME_NTF);
	if (!hdr ||
	    nla_put_u32(msg, OVL_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, OVL_A_DEV_IFNAME, dev->name))
		goto free;
	nest = nla_nest_start(msg, OVL_A_DEV_CTRL);
	if (!nest)
		goto free;
	attr = nla_reserve(msg, OVL_A_CTRL_FRAME, frame->len);
	if (!attr || skb_copy_bits(frame, 0, nla_data(attr), frame->len))
		goto free;
	if (src ? ovl_nl_put_ep(msg, OVL_A_CTRL_ENDPOINT, src) :
		  nla_put_u32(msg, OVL_A_CTRL_NODE_ID, relay_src))
		goto free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_unicast(dev_net(dev), msg, portid);
free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Start an event of @dev: the message, its header and an open nest of
 * type @nest_type for the event's own attributes.  Returns NULL if there
 * is no memory or no one listens.  Context: any; not under the locks of
 * the data path (the tx queue's), as it allocates and multicasts.
 */
static struct sk_buff *ovl_nl_event_new(struct net_device *dev, u8 cmd,
					int nest_type, void **hdr,
					struct nlattr **nest)
{
	struct sk_buff *msg;

	/* Nothing is built for nobody (events can come once a packet). */
	if (!genl_has_listeners(&ovl_genl_family, dev_net(dev),
				OVL_MCGRP_EVENTS_ID))
		return NULL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &ovl_genl_family, 0, cmd);
	if (!*hdr ||
	    nla_put_u32(msg, OVL_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(msg, OVL_A_DEV_IFNAME, dev->name))
		goto free;
	*nest = nla_nest_start(msg, nest_type);
	if (*nest)
		return msg;
free:
	nlmsg_free(msg);
	return NULL;
}

/* Close @msg from ovl_nl_event_new() and send it to the events group. */
static void ovl_nl_event_send(struct net_device *dev, struct sk_buff *msg,
			      void *hdr, struct nlattr *nest)
{
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&ovl_genl_family, dev_net(dev), msg, 0,
				OVL_MCGRP_EVENTS_ID, GFP_ATOMIC);
}

/**
 * ovl_nl_key_needed - tell the control plane a peer needs a handshake
 * @peer: the peer
 * @reason: why
 *
 * At most one event per peer, reason and second.  Context: any, RCU read
 * side.
 */
void ovl_nl_key_needed(struct ovl_peer *peer, enum ovl_key_reason reason)
{
	unsigned long *lastp = &peer->last_key_ntf[reason];
	unsigned long now = jiffies, last = READ_ONCE(*lastp);
	struct net_device *dev = peer->ovl->dev;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (time_before(now, last + HZ) ||
	    cmpxchg(lastp, last, now) != last)
		return;

	msg = ovl_nl_event_new(dev, OVL_CMD_KEY_NEEDED_NTF, OVL_A_DEV_KEY,
			       &hdr, &nest);
	if (!msg)
		return;
	if (nla_put_u32(msg, OVL_A_KEY_NODE_ID, peer->node_id) ||
	    nla_put_u32(msg, OVL_A_KEY_REASON, reason)) {
		nlmsg_free(msg);
		return;
	}
	ovl_nl_event_send(dev, msg, hdr, nest);
}

/**
 * ovl_nl_key_event - tell listeners what happened to one of a peer's keys
 * @peer: the peer
 * @key: the key (its id is sent, never its bytes)
 * @slot: the slot it is in now
 * @event: &enum ovl_key_event
 *
 * Context: any, RCU read side or the device lock; not under the tx
 * queue's lock.
 */
void ovl_nl_key_event(struct ovl_peer *peer, struct ovl_key *key, int slot,
		      enum ovl_key_event event)
{
	struct net_device *dev = peer->ovl->dev;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = ovl_nl_event_new(dev, OVL_CMD_KEY_NTF, OVL_A_DEV_KEY, &hdr, &nest);
	if (!msg)
		return;
	if (nla_put_u32(msg, OVL_A_KEY_NODE_ID, peer->node_id) ||
	    nla_put_u8(msg, OVL_A_KEY_ID, key->id) ||
	    nla_put_u32(msg, OVL_A_KEY_SLOT, slot) ||
	    nla_put_u32(msg, OVL_A_KEY_EVENT, event) ||
	    (key->lifetime &&
	     nla_put_u32(msg, OVL_A_KEY_LIFETIME, key->lifetime))) {
		nlmsg_free(msg);
		return;
	}
	ovl_nl_event_send(dev, msg, hdr, nest);
}

/**
 * ovl_nl_key_expired - the data path found @key of @peer past its lifetime
 * @peer: the peer
 * @key: the key, found in one of its slots
 *
 * Sends the key event once per key.  Context: softirq or BH disabled, RCU
 * read side; not under the tx queue's lock.
 */
void ovl_nl_key_expired(struct ovl_peer *peer, struct ovl_key *key)
{
	int slot;

	if (test_bit(OVL_KEY_EXPIRED_NTF, &key->flags) ||
	    test_and_set_bit(OVL_KEY_EXPIRED_NTF, &key->flags))
		return;
	slot = rcu_access_pointer(peer->keys[OVL_KEY_SLOT_PRIMARY]) == key ?
	       OVL_KEY_SLOT_PRIMARY : OVL_KEY_SLOT_SECONDARY;
	ovl_nl_key_event(peer, key, slot, OVL_KEY_EVENT_EXPIRED);
}

/**
 * ovl_nl_path_event - tell listeners a peer's path changed
 * @peer: the peer
 * @path: its path now
 * @reason: &enum ovl_path_reason
 *
 * Context: any, RCU read side (or the device lock).
 */
void ovl_nl_path_event(struct ovl_peer *peer, u8 path, u8 reason)
{
	struct net_device *dev = peer->ovl->dev;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	msg = ovl_nl_event_new(dev, OVL_CMD_PATH_NTF, OVL_A_DEV_PEER,
			       &hdr, &nest);
	if (!msg)
		return;
	if (nla_put_u32(msg, OVL_A_PEER_NODE_ID, peer->node_id) ||
	    nla_put_u32(msg, OVL_A_PEER_PATH, path) ||
	    nla_put_u32(msg, OVL_A_PEER_PATH_REASON, reason) ||
	    nla_put_u32(msg, OVL_A_PEER_RELAY, READ_ONCE(peer->path.mode)) ||
	    ovl_nl_put_u64(msg, OVL_A_PEER_FLIPS, &peer->stats.flips) ||
	    ovl_nl_put_u64(msg, OVL_A_PEER_RELAY_CAP_DROPS,
			   &peer->stats.relay_cap_drops)) {
		nlmsg_free(msg);
		return;
	}
	ovl_nl_event_send(dev, msg, hdr, nest);
}

static const struct genl_ops ovl_genl_ops[] = {
	{
		.cmd		= OVL_CMD_DEV_GET,
		.doit		= ovl_nl_dev_get_doit,
		.dumpit		= ovl_nl_dev_get_dumpit,
		.policy		= ovl_dev_get_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_get_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_DEV_SET,
		.doit		= ovl_nl_dev_set_doit,
		.policy		= ovl_dev_set_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_set_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_PEER_NEW,
		.doit		= ovl_nl_peer_new_doit,
		.policy		= ovl_dev_peer_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_peer_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_PEER_SET,
		.doit		= ovl_nl_peer_set_doit,
		.policy		= ovl_dev_peer_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_peer_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_PEER_DEL,
		.doit		= ovl_nl_peer_del_doit,
		.policy		= ovl_dev_peer_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_peer_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_PEER_GET,
		.doit		= ovl_nl_peer_get_doit,
		.dumpit		= ovl_nl_peer_get_dumpit,
		.policy		= ovl_dev_peer_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_peer_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_KEY_NEW,
		.doit		= ovl_nl_key_new_doit,
		.policy		= ovl_dev_key_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_key_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_KEY_SWAP,
		.doit		= ovl_nl_key_swap_doit,
		.policy		= ovl_dev_key_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_key_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_KEY_DEL,
		.doit		= ovl_nl_key_del_doit,
		.policy		= ovl_dev_key_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_key_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_CTRL_REGISTER,
		.doit		= ovl_nl_ctrl_register_doit,
		.policy		= ovl_dev_get_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_get_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= OVL_CMD_CTRL_SEND,
		.doit		= ovl_nl_ctrl_send_doit,
		.policy		= ovl_dev_ctrl_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_ctrl_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family ovl_genl_family __ro_after_init = {
	.name		= OVL_FAMILY_NAME,
	.version	= OVL_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= ovl_genl_ops,
	.n_ops		= ARRAY_SIZE(ovl_genl_ops),
	.mcgrps		= ovl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ovl_mcgrps),
};

int __init ovl_genl_init(void)
{
	return genl_register_family(&ovl_genl_family);
}

void ovl_genl_uninit(void)
{
	genl_unregister_family(&ovl_genl_family);
}
