/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_CTRL_H
#define _OVL_CTRL_H

#include <linux/netlink.h>
#include <linux/ovl.h>
#include <linux/types.h>

struct ovl_dev;
struct sk_buff;
union ovl_endpoint;

/* Is @type a control frame's, one the kernel passes to the listener? */
static inline bool ovl_ctrl_is_frame(u8 type)
{
	return type == OVL_MSG_HANDSHAKE_INIT ||
	       type == OVL_MSG_HANDSHAKE_RESP ||
	       type == OVL_MSG_HANDSHAKE_COOKIE;
}

/*
 * Is @type a registration message the daemon sends to the beacon through
 * the device's socket (docs/beacon-auth.md)?  Only to the beacon.
 */
static inline bool ovl_ctrl_is_beacon_up(u8 type)
{
	return type == OVL_MSG_HELLO || type == OVL_MSG_REGISTER ||
	       type == OVL_MSG_PUNCH_REQUEST;
}

/*
 * Is @type a beacon's answer to registration, passed up to the listener?
 * Only from the beacon.
 */
static inline bool ovl_ctrl_is_beacon_down(u8 type)
{
	return type == OVL_MSG_COOKIE || type == OVL_MSG_REGISTER_OK ||
	       type == OVL_MSG_REREGISTER;
}

int ovl_ctrl_register(struct ovl_dev *ovl, u32 portid,
		      struct netlink_ext_ack *extack);
int ovl_ctrl_dev_init(struct ovl_dev *ovl);
void ovl_ctrl_dev_uninit(struct ovl_dev *ovl);
void ovl_ctrl_recv(struct ovl_dev *ovl, struct sk_buff *skb,
		   const union ovl_endpoint *src, u32 relay_src);
int ovl_ctrl_send(struct ovl_dev *ovl, const u8 *frame, unsigned int len,
		  const union ovl_endpoint *to, u32 relay_dst,
		  struct netlink_ext_ack *extack);
int ovl_ctrl_init(void);
void ovl_ctrl_uninit(void);

#endif /* _OVL_CTRL_H */
