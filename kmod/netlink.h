/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_NETLINK_H
#define _OVL_NETLINK_H

int ovl_genl_init(void);
void ovl_genl_uninit(void);

#endif /* _OVL_NETLINK_H */
