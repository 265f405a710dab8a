/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_NETLINK_H
#define _OVL_NETLINK_H

#include <linux/ovl.h>
#include <linux/types.h>

struct ovl_dev;
struct ovl_key;
struct ovl_peer;
struct sk_buff;
union ovl_endpoint;

int ovl_genl_init(void);
void ovl_genl_uninit(void);
void ovl_nl_key_needed(struct ovl_peer *peer, enum ovl_key_reason reason);
void ovl_nl_key_event(struct ovl_peer *peer, struct ovl_key *key, int slot,
		      enum ovl_key_event event);
void ovl_nl_key_expired(struct ovl_peer *peer, struct ovl_key *key);
void ovl_nl_path_event(struct ovl_peer *peer, u8 path, u8 reason);
int ovl_nl_ctrl_frame(struct ovl_dev *ovl, u32 portid,
		      const struct sk_buff *frame,
		      const union ovl_endpoint *src, u32 relay_src);

#endif /* _OVL_NETLINK_H */
