/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shims for kernel API that differs between the kernels ovl builds for
 * (Debian 12's 6.1 and 6.12).  Each shim is keyed on what the headers
 * provide (see Kbuild), never on a version number.
 */
#ifndef _OVL_COMPAT_H
#define _OVL_COMPAT_H

#include <linux/netdevice.h>

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

#endif /* _OVL_COMPAT_H */
