/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_RECEIVE_H
#define _OVL_RECEIVE_H

#include <linux/ovl.h>

struct napi_struct;
struct ovl_dev;
struct ovl_key;
struct ovl_peer;
struct sk_buff;
struct sock;

int ovl_recv(struct sock *sk, struct sk_buff *skb);
void ovl_rx_drop(struct ovl_dev *ovl, struct sk_buff *skb,
		 enum ovl_a_drops reason);
int ovl_recv_open(struct ovl_key *key, struct sk_buff *skb);
void ovl_recv_finish(struct ovl_peer *peer, struct ovl_key *key,
		     struct sk_buff *skb, struct napi_struct *napi);

#endif /* _OVL_RECEIVE_H */
