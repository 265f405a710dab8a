/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_NETLINK_H
#define _OVL_NETLINK_H

#include <linux/ovl.h>
#include <linux/types.h>

struct ovl_peer;

int ovl_genl_init(void);
void ovl_genl_uninit(void);
void ovl_nl_key_needed(struct ovl_peer *peer, enum ovl_key_reason reason);
void ovl_nl_path_event(struct ovl_peer *peer, u8 path, u8 reason);

#endif /* _OVL_NETLINK_H */
