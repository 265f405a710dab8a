// SPDX-License-Identifier: GPL-2.0
/*
 * The "ovl" generic netlink family (docs/netlink/ovl.yaml).
 *
 * Requests are validated strictly against per-command policies.  Commands
 * that change state need CAP_NET_ADMIN, take the RTNL, and either apply all
 * their changes or none.  Reads run under RCU.  Devices are looked up in
 * the requester's network namespace only.
 */

#include <linux/ovl.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "device.h"
#include "netlink.h"
#include "socket.h"

static struct genl_family ovl_genl_family;

static const struct nla_policy ovl_dev_get_policy[OVL_A_DEV_IFNAME + 1] = {
	[OVL_A_DEV_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct nla_policy ovl_dev_set_policy[OVL_A_DEV_MAX + 1] = {
	[OVL_A_DEV_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[OVL_A_DEV_NODE_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[OVL_A_DEV_LISTEN_PORT]	= { .type = NLA_U16 },
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

static int ovl_nl_dev_fill(struct sk_buff *skb, struct net_device *dev,
			   u32 portid, u32 seq, int flags)
{
	const struct ovl_dev *ovl = netdev_priv(dev);
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ovl_genl_family, flags,
			  OVL_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, OVL_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, OVL_A_DEV_IFNAME, dev->name) ||
	    nla_put_u32(skb, OVL_A_DEV_NODE_ID, READ_ONCE(ovl->node_id)) ||
	    nla_put_u16(skb, OVL_A_DEV_LISTEN_PORT,
			READ_ONCE(ovl->listen_port))) {
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

/* cb->args[0]: how many ovl devices earlier rounds of the dump sent. */
static int ovl_nl_dev_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	long skip = cb->args[0], idx = 0;
	struct net_device *dev;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!ovl_dev_is_ovl(dev))
			continue;
		if (idx >= skip &&
		    ovl_nl_dev_fill(skb, dev, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		idx++;
	}
	rcu_read_unlock();

	cb->args[0] = idx;
	return skb->len;
}

static int ovl_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *node_id = info->attrs[OVL_A_DEV_NODE_ID];
	struct nlattr *port = info->attrs[OVL_A_DEV_LISTEN_PORT];
	struct net_device *dev;
	struct ovl_dev *ovl;
	int err = 0;

	if (!node_id && !port) {
		NL_SET_ERR_MSG(info->extack,
			       "nothing to set: need a node id or a listen port");
		return -EINVAL;
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
out:
	rtnl_unlock();
	return err;
}

static const struct genl_ops ovl_genl_ops[] = {
	{
		.cmd		= OVL_CMD_DEV_GET,
		.doit		= ovl_nl_dev_get_doit,
		.dumpit		= ovl_nl_dev_get_dumpit,
		.policy		= ovl_dev_get_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_get_policy) - 1,
	},
	{
		.cmd		= OVL_CMD_DEV_SET,
		.doit		= ovl_nl_dev_set_doit,
		.policy		= ovl_dev_set_policy,
		.maxattr	= ARRAY_SIZE(ovl_dev_set_policy) - 1,
		.flags		= GENL_ADMIN_PERM,
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
};

int __init ovl_genl_init(void)
{
	return genl_register_family(&ovl_genl_family);
}

void ovl_genl_uninit(void)
{
	genl_unregister_family(&ovl_genl_family);
}
