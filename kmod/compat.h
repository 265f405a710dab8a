/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for kernel API that differs between the kernels ovl builds for
 * (Debian 12's 6.1 and 6.12).  Each shim is keyed on what the headers
 * provide (see Kbuild), never on a version number.
 */
#ifndef _OVL_COMPAT_H
#define _OVL_COMPAT_H

#include <linux/netdevice.h>
#include <net/genetlink.h>

static inline void ovl_compat_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

static inline void ovl_compat_set_netns_local(struct net_device *dev)
{
#if defined(OVL_HAVE_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif defined(OVL_HAVE_NETNS_LOCAL)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

/*
 * Per-CPU tx/rx counters (struct pcpu_sw_netstats): declared for the core
 * to allocate where it can, allocated here on older kernels.
 */
static inline void ovl_compat_tstats_setup(struct net_device *dev)
{
#ifdef OVL_HAVE_CORE_TSTATS
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
#endif
}

static inline int ovl_compat_tstats_alloc(struct net_device *dev)
{
#ifndef OVL_HAVE_CORE_TSTATS
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
#endif
	return 0;
}

static inline void ovl_compat_tstats_free(struct net_device *dev)
{
#ifndef OVL_HAVE_CORE_TSTATS
	free_percpu(dev->tstats);
#endif
}

/* The attributes of a dump request, parsed against the command's policy. */
static inline struct nlattr **ovl_compat_dump_attrs(struct netlink_callback *cb)
{
#ifdef OVL_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * The device of @net with the smallest ifindex above @after among those
 * @match accepts, or NULL: for dumps that resume by ifindex.  Newer
 * kernels index devices by ifindex; older ones only have the list, in
 * the order the devices came into the namespace, so each call walks it.
 * Context: rcu_read_lock().
 */
static inline struct net_device *
ovl_compat_next_netdev(struct net *net, unsigned long after,
		       bool (*match)(const struct net_device *dev))
{
	struct net_device *dev;
#ifdef OVL_HAVE_NETDEV_DUMP
	unsigned long ifindex = after + 1;

	for_each_netdev_dump(net, dev, ifindex)
		if (match(dev))
			return dev;
	return NULL;
#else
	struct net_device *best = NULL;

	for_each_netdev_rcu(net, dev)
		if (dev->ifindex > after && match(dev) &&
		    (!best || dev->ifindex < best->ifindex))
			best = dev;
	return best;
#endif
}

#endif /* _OVL_COMPAT_H */
