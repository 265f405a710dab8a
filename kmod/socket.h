/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_SOCKET_H
#define _OVL_SOCKET_H

#include <linux/netlink.h>
#include <linux/types.h>

struct ovl_dev;

int ovl_socket_set_port(struct ovl_dev *ovl, u16 port,
			struct netlink_ext_ack *extack);
void ovl_socket_close(struct ovl_dev *ovl);

#endif /* _OVL_SOCKET_H */
