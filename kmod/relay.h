/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _OVL_RELAY_H
#define _OVL_RELAY_H

#include <linux/jiffies.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <net/dst_cache.h>

#include "bauth.h"
#include "peer.h"

struct ovl_dev;
struct sk_buff;

/* How often a device with beacon keys refreshes (keeps NAT mappings open). */
#define OVL_DISCOVER_INTERVAL_MS	10000

/**
 * struct ovl_beacon - the beacon a device registers with and relays through
 * @ep: its address
 * @dst_cache: route cache for @ep
 * @auth: @keys are set: the device registered with it (docs/beacon-auth.md)
 *	refreshes, relays through it and believes it; without, it is only
 *	where the daemon's registration frames go (ctrl.c)
 * @keys: the registration keys, with @auth
 * @tx_seq: the sequence number of the last refresh sent, 0 before the first
 * @rx_seq: the refresh the last accepted DISCOVER_REPLY answered, or 0
 * @punch_seq: the sequence number of the last accepted PUNCH_COMMAND, or 0
 * @rcu: frees it after a grace period
 *
 * Published in &ovl_dev.beacon (RCU; replaced under the RTNL): @ep,
 * @auth and @keys never change once it is.  Installing keys publishes a
 * new beacon at the same address, so the sequence numbers start again
 * with them.  The three sequence numbers are the only state that changes:
 * atomics, moved forward with compare-and-exchange by the receive path
 * (softirq, any CPU) and the discover timer, never backwards.
 */
struct ovl_beacon {
	union ovl_endpoint ep;
	struct dst_cache dst_cache;
	bool auth;
	struct ovl_bauth_keys keys;
	atomic64_t tx_seq;
	atomic64_t rx_seq;
	atomic64_t punch_seq;
	struct rcu_head rcu;
};

/* Milliseconds on a clock that never wraps in practice; the path clock. */
static inline u64 ovl_now_ms(void)
{
	return jiffies64_to_msecs(get_jiffies_64());
}

bool ovl_endpoint_eq(const union ovl_endpoint *a, const union ovl_endpoint *b);

void ovl_relay_init(struct ovl_dev *ovl);
void ovl_relay_uninit(struct ovl_dev *ovl);
struct ovl_beacon *ovl_beacon_new(const union ovl_endpoint *ep);
void ovl_beacon_free(struct ovl_beacon *beacon);
void ovl_relay_set_beacon(struct ovl_dev *ovl, struct ovl_beacon *beacon);
void ovl_relay_register(struct ovl_dev *ovl);
void ovl_beacon_set_keys(struct ovl_beacon *beacon, const u8 *raw);
void ovl_relay_wrap(const struct ovl_beacon *beacon, struct sk_buff *skb,
		    u32 dst);
int ovl_relay_check_deliver(struct ovl_dev *ovl, struct sk_buff *skb,
			    u32 *src);
void ovl_relay_beacon_gone(struct ovl_dev *ovl);
bool ovl_relay_usable(struct ovl_dev *ovl);
bool ovl_relay_from_beacon(struct ovl_dev *ovl, const union ovl_endpoint *src);
void ovl_relay_recv_beacon(struct ovl_dev *ovl, struct sk_buff *skb);
void ovl_relay_get_public(struct ovl_dev *ovl, union ovl_endpoint *ep);

void ovl_peer_path_init(struct ovl_peer *peer);
void ovl_peer_path_uninit(struct ovl_peer *peer);
int ovl_peer_set_relay_mode(struct ovl_peer *peer, u8 mode,
			    struct netlink_ext_ack *extack);
int ovl_peer_tx_path(struct ovl_peer *peer);
void ovl_peer_path_direct_rx(struct ovl_peer *peer);
void ovl_peer_path_data_rx(struct ovl_peer *peer);
bool ovl_peer_path_relay_rx(struct ovl_peer *peer);
void ovl_peer_path_probe_reply(struct ovl_peer *peer, u64 nonce);
void ovl_peer_path_unreachable(struct ovl_peer *peer);

#endif /* _OVL_RELAY_H */
