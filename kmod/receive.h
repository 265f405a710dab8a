/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_RECEIVE_H
#define _OVL_RECEIVE_H

struct sk_buff;
struct sock;

int ovl_recv(struct sock *sk, struct sk_buff *skb);

#endif /* _OVL_RECEIVE_H */
