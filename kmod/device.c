// SPDX-License-Identifier: GPL-2.0
/*
 * The ovl network device: a layer-3, point-to-multipoint device with no
 * link-layer header, created with "ip link add NAME type ovl".
 */

#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <net/ip.h>
#include <linux/ovl.h>

#include "compat.h"
#include "ctrl.h"
#include "device.h"
#include "peer.h"
#include "queue.h"
#include "relay.h"
#include "send.h"
#include "socket.h"
#include "version.h"

#define OVL_NETDEV_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
			     NETIF_F_GSO | NETIF_F_GSO_SOFTWARE |		\
			     NETIF_F_HIGHDMA)

static int ovl_dev_init(struct net_device *dev)
{
	struct ovl_dev *ovl = netdev_priv(dev);
	int err;

	mutex_init(&ovl->lock);
	ovl_relay_init(ovl);
	err = ovl_compat_tstats_alloc(dev);
	if (err)
		goto err;
	err = -ENOMEM;
	ovl->drops = alloc_percpu(struct ovl_drops);
	if (!ovl->drops)
		goto err_tstats;
	err = ovl_ctrl_dev_init(ovl);
	if (err)
		goto err_drops;
	err = ovl_queue_init(ovl);
	if (err)
		goto err_ctrl;
	err = ovl_peers_init(ovl);
	if (err)
		goto err_queue;
	return 0;

err_queue:
	ovl_queue_uninit(ovl);
err_ctrl:
	ovl_ctrl_dev_uninit(ovl);
err_drops:
	free_percpu(ovl->drops);
err_tstats:
	ovl_compat_tstats_free(dev);
err:
	return err;
}

/*
 * Called with the RTNL held, on unregister and on a failed register.  The
 * beacon goes first (no more registrations), then the sockets: once they
 * are closed no datagram can reach the peers.  With the peers gone too
 * nothing queues packets any more, and the queues drain before what their
 * workers use (the drop counters) goes away.
 */
static void ovl_dev_uninit(struct net_device *dev)
{
	struct ovl_dev *ovl = netdev_priv(dev);

	ovl_relay_uninit(ovl);
	ovl_socket_close(ovl);
	ovl_peers_uninit(ovl);
	ovl_queue_uninit(ovl);
	ovl_ctrl_dev_uninit(ovl);
	free_percpu(ovl->drops);
	ovl_compat_tstats_free(dev);
}

static const struct net_device_ops ovl_netdev_ops = {
	.ndo_init		= ovl_dev_init,
	.ndo_uninit		= ovl_dev_uninit,
	.ndo_start_xmit		= ovl_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

static void ovl_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, OVL_VERSION, sizeof(info->version));
}

static const struct ethtool_ops ovl_ethtool_ops = {
	.get_drvinfo	= ovl_get_drvinfo,
	.get_link	= ethtool_op_get_link,
};

static const struct device_type ovl_device_type = {
	.name = KBUILD_MODNAME,
};

static void ovl_setup(struct net_device *dev)
{
	struct ovl_dev *ovl = netdev_priv(dev);

	ovl->dev = dev;

	dev->netdev_ops = &ovl_netdev_ops;
	dev->ethtool_ops = &ovl_ethtool_ops;
	SET_NETDEV_DEVTYPE(dev, &ovl_device_type);

	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + OVL_OVERHEAD;
	dev->needed_tailroom = OVL_AUTHTAG_LEN;

	dev->mtu = ETH_DATA_LEN - OVL_OVERHEAD;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - OVL_OVERHEAD;

	dev->features |= OVL_NETDEV_FEATURES;
	dev->hw_features |= OVL_NETDEV_FEATURES;
	dev->hw_enc_features |= OVL_NETDEV_FEATURES;
	ovl_compat_set_lltx(dev);
	ovl_compat_tstats_setup(dev);
	/* The route of an unroutable packet is what ICMP errors need. */
	netif_keep_dst(dev);
	/*
	 * The UDP socket lives in the namespace the device was in when its
	 * port was set; a device that wandered off would leave it behind.
	 */
	ovl_compat_set_netns_local(dev);

	dev->needs_free_netdev = true;
}

static int ovl_validate(struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "ovl devices have no link-layer address");
		return -EINVAL;
	}
	return 0;
}

struct rtnl_link_ops ovl_link_ops __read_mostly = {
	.kind		= KBUILD_MODNAME,
	.priv_size	= sizeof(struct ovl_dev),
	.setup		= ovl_setup,
	.validate	= ovl_validate,
};

int __init ovl_device_init(void)
{
	return rtnl_link_register(&ovl_link_ops);
}

/* Deletes every ovl device left, in every network namespace. */
void ovl_device_uninit(void)
{
	rtnl_link_unregister(&ovl_link_ops);
}
