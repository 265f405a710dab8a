// SPDX-License-Identifier: GPL-2.0
/*
 * Relay fallback: the device's beacon (registration, reflected address,
 * punch commands) and each peer's path between direct and relay.
 *
 * The rules live in path.c (pure, unit-tested); this file feeds them what
 * the data path observes and carries out what they decide: flips, the
 * device's relay cap, probes of the direct path and path events.
 *
 * The beacon protocol (docs/beacon-auth.md; the messages in bauth.c): the
 * control daemon (or "ovlctl beacon register") registers through the
 * device's socket and installs the registration keys.  Only then does the
 * device speak to the beacon by itself: the refresh is the authenticated
 * DISCOVER, and DISCOVER_REPLY, PUNCH_COMMAND and RELAY_DELIVER count only
 * when their MAC or tag verifies under k_down (drops.beacon_auth
 * otherwise); our RELAYs carry a tag under k_up.  A PUNCH_COMMAND names a
 * target that must not be ours or special (drops.punch_target), and
 * punches are rate-limited per device (drops.punch_rate).
 *
 * A beacon without keys is only the address the registration frames go to
 * and come from (ctrl.c): nothing else is sent to it, everything else
 * from it is dropped as beacon_auth, and for the paths it is as no beacon
 * (ovl_relay_usable()): no peer moves to relay, a relayed packet is
 * dropped as tx_no_beacon.
 *
 * Locking:
 *  - &ovl_dev.beacon is replaced under the RTNL and read under RCU; its
 *    sequence numbers are atomics (relay.h).
 *  - &ovl_dev.punch_rl is changed under &ovl_dev.punch_lock, a leaf taken
 *    with BH disabled.
 *  - &ovl_dev.path_cfg is written under the RTNL, read with READ_ONCE().
 *  - &ovl_peer.path_lock (BH-safe spinlock, a leaf) serializes changes to
 *    &ovl_peer.path.  The transmit path reads the current path without it
 *    and takes it only when a send finds the direct path silent, so a
 *    healthy peer costs no lock.  The receive path takes it only for what
 *    is rare: probe answers, relay receipts while direct, and resetting
 *    non-zero miss counts.
 *  - &ovl_dev.relay_peers counts the peers whose path is relay; a flip to
 *    relay takes a slot only below the cap, a flip back or the peer's
 *    removal returns it (both under the peer's path lock).
 *
 * Lifetime: the probe timer is armed only under the path lock and only
 * while the peer is not dead; ovl_peer_path_uninit() marks it dead under
 * that lock, then waits for the timer, so no timer outlives its peer.  The
 * discover timer re-arms only while the device's beacon has keys; a
 * beacon without them is published (or none) before the timer is stopped.
 */

#include <linux/inetdevice.h>
#include <linux/ktime.h>
#include <linux/ovl.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/route.h>

#include "bauth.h"
#include "device.h"
#include "netlink.h"
#include "path.h"
#include "peer.h"
#include "relay.h"
#include "send.h"
#include "socket.h"
#include "wire.h"

bool ovl_endpoint_eq(const union ovl_endpoint *a, const union ovl_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr &&
		       a->addr4.sin_port == b->addr4.sin_port;
	if (a->addr.sa_family == AF_INET6)
		return ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr) &&
		       a->addr6.sin6_port == b->addr6.sin6_port &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id;
	return true;
}

/* A datagram of @len bytes with room for every header below it. */
static struct sk_buff *ovl_relay_alloc(unsigned int len)
{
	struct sk_buff *skb = alloc_skb(LL_MAX_HEADER + OVL_OVERHEAD + len,
					GFP_ATOMIC);

	if (skb)
		skb_reserve(skb, LL_MAX_HEADER + OVL_OVERHEAD);
	return skb;
}

/* The device's beacon if it has keys, else NULL.  Context: RCU (or BH). */
static struct ovl_beacon *ovl_relay_keyed(struct ovl_dev *ovl)
{
	struct ovl_beacon *beacon;

	beacon = rcu_dereference_check(ovl->beacon,
				       rcu_read_lock_bh_held() ||
				       lockdep_rtnl_is_held());
	return beacon && beacon->auth ? beacon : NULL;
}

/**
 * ovl_relay_usable - can the device relay through its beacon?
 * @ovl: the device
 *
 * Only through a beacon it registered with (keys installed); without keys
 * a beacon is as none for the paths.  Context: RCU read side (or BH).
 */
bool ovl_relay_usable(struct ovl_dev *ovl)
{
	return ovl_relay_keyed(ovl);
}

/*
 * The authenticated refresh, DISCOVER: [type][node id][seq][mac].
 * Context: BH disabled, RCU read side.
 */
static void ovl_relay_send_discover(struct ovl_dev *ovl,
				    struct ovl_beacon *beacon)
{
	u32 node_id = READ_ONCE(ovl->node_id);
	struct sk_buff *skb;
	u8 *msg;

	if (!node_id)
		return;
	skb = ovl_relay_alloc(OVL_REFRESH_LEN);
	if (!skb)
		return;
	msg = skb_put(skb, OVL_REFRESH_LEN);
	ovl_bauth_put_refresh(msg, &beacon->keys, node_id,
			      atomic64_inc_return(&beacon->tx_seq));
	ovl_socket_send(ovl, &beacon->dst_cache, &beacon->ep, skb);
}

static void ovl_relay_discover_fire(struct timer_list *t)
{
	struct ovl_dev *ovl = from_timer(ovl, t, discover_timer);
	struct ovl_beacon *beacon;

	rcu_read_lock_bh();
	beacon = ovl_relay_keyed(ovl);
	if (beacon) {
		ovl_relay_send_discover(ovl, beacon);
		mod_timer(&ovl->discover_timer,
			  jiffies + msecs_to_jiffies(OVL_DISCOVER_INTERVAL_MS));
	}
	rcu_read_unlock_bh();
}

/**
 * ovl_relay_register - refresh the registration now, then periodically
 * @ovl: the device
 *
 * Called when the beacon, its keys, the node id or the port changes; does
 * nothing without keys (the registration is the daemon's).  Context: RTNL.
 */
void ovl_relay_register(struct ovl_dev *ovl)
{
	ASSERT_RTNL();
	if (ovl_relay_keyed(ovl))
		mod_timer(&ovl->discover_timer, jiffies);
}

void ovl_relay_init(struct ovl_dev *ovl)
{
	ovl_path_cfg_init(&ovl->path_cfg);
	atomic_set(&ovl->relay_peers, 0);
	spin_lock_init(&ovl->public_lock);
	ovl->public_ep.addr.sa_family = AF_UNSPEC;
	spin_lock_init(&ovl->punch_lock);
	ovl_bauth_bucket_init(&ovl->punch_rl);
	timer_setup(&ovl->discover_timer, ovl_relay_discover_fire, 0);
}

static void ovl_beacon_free_rcu(struct rcu_head *rcu)
{
	ovl_beacon_free(container_of(rcu, struct ovl_beacon, rcu));
}

/* A beacon at @ep, unpublished.  Context: may sleep. */
struct ovl_beacon *ovl_beacon_new(const union ovl_endpoint *ep)
{
	struct ovl_beacon *beacon = kzalloc(sizeof(*beacon), GFP_KERNEL);

	if (!beacon)
		return NULL;
	if (dst_cache_init(&beacon->dst_cache, GFP_KERNEL)) {
		kfree(beacon);
		return NULL;
	}
	beacon->ep = *ep;
	return beacon;
}

/* Free a beacon that was never published; NULL is fine. */
void ovl_beacon_free(struct ovl_beacon *beacon)
{
	if (!beacon)
		return;
	dst_cache_destroy(&beacon->dst_cache);
	kfree_sensitive(beacon);	/* the registration keys */
}

/**
 * ovl_relay_set_beacon - publish @beacon as the device's beacon
 * @ovl: the device
 * @beacon: from ovl_beacon_new(), or NULL to have none
 *
 * With keys, the refresh starts at once.  The reflected address is kept
 * only when @beacon has keys and is at the old beacon's address (new keys
 * for the same beacon: the address was reflected under the old ones, and
 * the refresh sent at once updates it); otherwise it is forgotten, as
 * nothing could refresh it.  Context: RTNL, may sleep.
 */
void ovl_relay_set_beacon(struct ovl_dev *ovl, struct ovl_beacon *beacon)
{
	struct ovl_beacon *old;

	ASSERT_RTNL();
	old = rtnl_dereference(ovl->beacon);
	rcu_assign_pointer(ovl->beacon, beacon);
	if (!beacon || !beacon->auth || !old ||
	    !ovl_endpoint_eq(&old->ep, &beacon->ep)) {
		spin_lock_bh(&ovl->public_lock);
		ovl->public_ep.addr.sa_family = AF_UNSPEC;
		spin_unlock_bh(&ovl->public_lock);
	}
	if (old)
		call_rcu(&old->rcu, ovl_beacon_free_rcu);
	if (beacon && beacon->auth)
		ovl_relay_register(ovl);
	else
		del_timer_sync(&ovl->discover_timer);
}

/**
 * ovl_beacon_set_keys - give an unpublished beacon the registration keys
 * @beacon: from ovl_beacon_new()
 * @raw: %OVL_BEACON_KEYS_LEN bytes, k_up then k_down
 *
 * Once published (ovl_relay_set_beacon()), the device refreshes its
 * registration, relays through it and believes it, starting with a
 * refresh at once.
 */
void ovl_beacon_set_keys(struct ovl_beacon *beacon, const u8 *raw)
{
	ovl_bauth_keys_load(&beacon->keys, raw);
	beacon->auth = true;
}

/* Context: RTNL; the device is going away and its sockets are closed. */
void ovl_relay_uninit(struct ovl_dev *ovl)
{
	ovl_relay_set_beacon(ovl, NULL);
}

/* Did @src come from the device's beacon?  Context: RCU read side. */
bool ovl_relay_from_beacon(struct ovl_dev *ovl, const union ovl_endpoint *src)
{
	struct ovl_beacon *beacon = rcu_dereference(ovl->beacon);

	return beacon && ovl_endpoint_eq(&beacon->ep, src);
}

void ovl_relay_get_public(struct ovl_dev *ovl, union ovl_endpoint *ep)
{
	spin_lock_bh(&ovl->public_lock);
	*ep = ovl->public_ep;
	spin_unlock_bh(&ovl->public_lock);
}

static void ovl_wire_to_endpoint(const struct ovl_wire_addr *a,
				 union ovl_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (a->family == AF_INET) {
		ep->addr4.sin_family = AF_INET;
		memcpy(&ep->addr4.sin_addr, a->ip, 4);
		ep->addr4.sin_port = a->port;
	} else {
		ep->addr6.sin6_family = AF_INET6;
		memcpy(&ep->addr6.sin6_addr, a->ip, 16);
		ep->addr6.sin6_port = a->port;
	}
}

/* PUNCH_COMMAND: open our NAT towards @to with a PUNCH: [type][node id]. */
static void ovl_relay_punch(struct ovl_dev *ovl, const union ovl_endpoint *to)
{
	struct sk_buff *skb = ovl_relay_alloc(OVL_PUNCH_LEN);
	__be32 id = cpu_to_be32(READ_ONCE(ovl->node_id));
	u8 *msg;

	if (!skb)
		return;
	msg = skb_put(skb, OVL_PUNCH_LEN);
	msg[0] = OVL_MSG_PUNCH;
	memcpy(msg + 1, &id, sizeof(id));
	ovl_socket_send(ovl, NULL, to, skb);
}

/*
 * The network namespace our datagrams go out in: the sockets'.  Context:
 * RCU read side.
 */
static struct net *ovl_relay_net(struct ovl_dev *ovl)
{
	struct sock *sk = rcu_dereference(ovl->sock4);

	if (!sk)
		sk = rcu_dereference(ovl->sock6);
	return sk ? sock_net(sk) : dev_net(ovl->dev);
}

/*
 * Is @a an address of this host's (or a broadcast address of one of its
 * networks)?  Context: RCU read side.
 */
static bool ovl_relay_addr_local(struct ovl_dev *ovl,
				 const struct ovl_wire_addr *a)
{
	struct net *net = ovl_relay_net(ovl);
	__be32 ip4;

	if (a->family == AF_INET) {
		memcpy(&ip4, a->ip, sizeof(ip4));
		return inet_addr_type(net, ip4) != RTN_UNICAST;
	}
	return ipv6_chk_addr(net, (const struct in6_addr *)a->ip, NULL, 0);
}

/* Move @seq forward to @new if @new is above it. */
static bool ovl_relay_seq_advance(atomic64_t *seq, u64 new)
{
	s64 last = atomic64_read(seq);

	do {
		if (new <= (u64)last)
			return false;
	} while (!atomic64_try_cmpxchg(seq, &last, (s64)new));
	return true;
}

/* A reply to a refresh we sent, newer than the last one accepted. */
static bool ovl_relay_reply_seq(struct ovl_beacon *beacon, u64 seq)
{
	s64 last = atomic64_read(&beacon->rx_seq);

	do {
		if (!ovl_bauth_reply_seq_ok(seq, last,
					    atomic64_read(&beacon->tx_seq)))
			return false;
	} while (!atomic64_try_cmpxchg(&beacon->rx_seq, &last, (s64)seq));
	return true;
}

static bool ovl_relay_punch_allowed(struct ovl_dev *ovl)
{
	bool ok;

	spin_lock(&ovl->punch_lock);
	ok = ovl_bauth_bucket_take(&ovl->punch_rl, ktime_get_ns());
	spin_unlock(&ovl->punch_lock);
	return ok;
}

/*
 * An authenticated PUNCH_COMMAND: punch towards the address; and if it
 * names a peer with no working direct path (relayed, or without an
 * endpoint), make the address that peer's endpoint candidate, probed at
 * once (peer.c).  A direct peer is left alone.  Returns the drop reason,
 * or 0.  Context: softirq, RCU.
 */
static int ovl_relay_punch_auth(struct ovl_dev *ovl, struct ovl_beacon *beacon,
				const struct ovl_bauth_punch *p)
{
	struct ovl_peer *peer;
	union ovl_endpoint ep;

	if (!ovl_relay_seq_advance(&beacon->punch_seq, p->seq))
		return OVL_A_DROPS_BEACON_AUTH;
	if (ovl_bauth_punch_target_bad(&p->addr) ||
	    ovl_relay_addr_local(ovl, &p->addr))
		return OVL_A_DROPS_PUNCH_TARGET;
	if (!ovl_relay_punch_allowed(ovl))
		return OVL_A_DROPS_PUNCH_RATE;
	ovl_wire_to_endpoint(&p->addr, &ep);
	ovl_relay_punch(ovl, &ep);
	peer = p->peer_id ? ovl_peer_lookup(ovl, p->peer_id) : NULL;
	if (peer && !READ_ONCE(peer->dead))
		ovl_peer_punch_candidate(peer, &ep);
	return 0;
}

/* A message from the keyed beacon; returns the drop reason, or 0. */
static int ovl_relay_recv_auth(struct ovl_dev *ovl, struct ovl_beacon *beacon,
			       struct sk_buff *skb)
{
	u8 buf[OVL_BAUTH_MSG_MAX];
	struct ovl_bauth_punch p;
	struct ovl_wire_addr addr;
	union ovl_endpoint ep;
	u64 seq;

	if (skb->len > sizeof(buf) || skb_copy_bits(skb, 0, buf, skb->len))
		return OVL_A_DROPS_BEACON_AUTH;
	if (buf[0] == OVL_MSG_PUNCH_COMMAND) {
		if (ovl_bauth_parse_punch(buf, skb->len, &beacon->keys, &p))
			return OVL_A_DROPS_BEACON_AUTH;
		return ovl_relay_punch_auth(ovl, beacon, &p);
	}
	if (ovl_bauth_parse_reply(buf, skb->len, &beacon->keys, &seq, &addr) ||
	    !ovl_relay_reply_seq(beacon, seq))
		return OVL_A_DROPS_BEACON_AUTH;
	ovl_wire_to_endpoint(&addr, &ep);
	spin_lock(&ovl->public_lock);
	ovl->public_ep = ep;
	spin_unlock(&ovl->public_lock);
	return 0;
}

/**
 * ovl_relay_recv_beacon - a DISCOVER_REPLY or PUNCH_COMMAND from the beacon
 * @ovl: the device
 * @skb: the message from its type byte on, already known to come from the
 *	beacon's address; consumed
 *
 * Without keys nothing from the beacon is believed: drops.beacon_auth.
 * Context: softirq, RCU read side.
 */
void ovl_relay_recv_beacon(struct ovl_dev *ovl, struct sk_buff *skb)
{
	struct ovl_beacon *beacon = ovl_relay_keyed(ovl);
	int reason;

	reason = beacon ? ovl_relay_recv_auth(ovl, beacon, skb) :
			  OVL_A_DROPS_BEACON_AUTH;
	if (reason) {
		ovl_drop(ovl, reason);
		dev_core_stats_rx_dropped_inc(ovl->dev);
		kfree_skb(skb);
	} else {
		consume_skb(skb);
	}
}

/**
 * ovl_relay_wrap - push a RELAY header to node @dst onto @skb
 * @beacon: the beacon it goes through, which has keys (ovl_relay_usable())
 * @skb: the inner message, with %OVL_RELAY2_HDR_LEN bytes of headroom
 * @dst: the destination node id
 *
 * [type][dst id][tag], the tag under k_up over the header and the first
 * bytes of the inner message.  Context: RCU read side (BH), which keeps
 * @beacon.
 */
void ovl_relay_wrap(const struct ovl_beacon *beacon, struct sk_buff *skb,
		    u32 dst)
{
	u8 inner[OVL_BAUTH_TAG_INNER];
	__be32 id = cpu_to_be32(dst);
	unsigned int n;
	u8 *hdr;

	n = min_t(unsigned int, skb->len, sizeof(inner));
	if (skb_copy_bits(skb, 0, inner, n))
		n = 0;	/* cannot be: @skb holds @n bytes */
	hdr = skb_push(skb, OVL_RELAY2_HDR_LEN);
	hdr[0] = OVL_MSG_RELAY;
	memcpy(hdr + 1, &id, sizeof(id));
	put_unaligned_le64(ovl_bauth_relay_tag(&beacon->keys.up, OVL_MSG_RELAY,
					       id, inner, n), hdr + 5);
}

/**
 * ovl_relay_check_deliver - check and strip a RELAY_DELIVER's header
 * @ovl: the device
 * @skb: the message from its type byte on, from the beacon's address
 * @src: the source node id the beacon vouches for, on success
 *
 * The tag under k_down is checked before anything else; without keys
 * nothing is delivered.  Returns 0, the header pulled, or the drop
 * reason.  Context: softirq, RCU.
 */
int ovl_relay_check_deliver(struct ovl_dev *ovl, struct sk_buff *skb,
			    u32 *src)
{
	struct ovl_beacon *beacon = ovl_relay_keyed(ovl);
	u8 inner[OVL_BAUTH_TAG_INNER];
	unsigned int n;
	__be32 id;
	u64 tag;

	if (!beacon)
		return OVL_A_DROPS_BEACON_AUTH;
	if (!pskb_may_pull(skb, OVL_RELAY2_HDR_LEN))
		return OVL_A_DROPS_BEACON_AUTH;
	n = min_t(unsigned int, skb->len - OVL_RELAY2_HDR_LEN, sizeof(inner));
	if (skb_copy_bits(skb, OVL_RELAY2_HDR_LEN, inner, n))
		return OVL_A_DROPS_BEACON_AUTH;
	memcpy(&id, skb->data + 1, sizeof(id));
	tag = ovl_bauth_relay_tag(&beacon->keys.down, OVL_MSG_RELAY_DELIVER, id,
				  inner, n);
	if (!ovl_bauth_mac_eq(skb->data + 5, tag))
		return OVL_A_DROPS_BEACON_AUTH;
	__skb_pull(skb, OVL_RELAY2_HDR_LEN);
	*src = be32_to_cpu(id);
	return 0;
}

/* Take a relay slot below the device's cap. */
static bool ovl_relay_slot_get(struct ovl_dev *ovl)
{
	u32 max = READ_ONCE(ovl->path_cfg.max_relay_peers);
	int n = atomic_read(&ovl->relay_peers);

	do {
		if ((u32)n >= max)
			return false;
	} while (!atomic_try_cmpxchg(&ovl->relay_peers, &n, n + 1));
	return true;
}

/*
 * A flip decided under the path lock; what the caller reports after
 * dropping it.
 */
struct ovl_flip {
	u8 path;
	u8 reason;	/* 0: nothing to report */
};

/* Rate limit of cap events: one per peer and second. */
static bool ovl_peer_cap_ntf_due(struct ovl_peer *peer)
{
	unsigned long now = jiffies, last = READ_ONCE(peer->last_cap_ntf);

	return time_after_eq(now, last + HZ) &&
	       cmpxchg(&peer->last_cap_ntf, last, now) == last;
}

static void ovl_flip_report(struct ovl_peer *peer, const struct ovl_flip *f)
{
	if (!f->reason)
		return;
	if (f->reason == OVL_PATH_REASON_RELAY_CAP) {
		/* The caller drops the packet, counting the device drop. */
		atomic64_inc(&peer->stats.relay_cap_drops);
		if (!ovl_peer_cap_ntf_due(peer))
			return;
	}
	ovl_nl_path_event(peer, f->path, f->reason);
}

static void ovl_probe_arm(struct ovl_peer *peer, unsigned long delay)
{
	lockdep_assert_held(&peer->path_lock);
	if (!peer->dead)
		mod_timer(&peer->probe_timer, jiffies + delay);
}

/*
 * Carry out @v for @peer.  Context: &ovl_peer.path_lock held.  A flip to
 * relay past the cap is refused and reported as a cap drop.  A removed
 * peer no longer flips: its relay slot went back when it was removed, and
 * packets queued before still reach here.
 */
static void ovl_flip(struct ovl_peer *peer, enum ovl_path_verdict v, u8 reason,
		     struct ovl_flip *f)
{
	struct ovl_dev *ovl = peer->ovl;

	lockdep_assert_held(&peer->path_lock);
	f->reason = 0;
	if (v == OVL_PATH_STAY || peer->dead)
		return;
	if (v == OVL_PATH_TO_RELAY) {
		if (!ovl_relay_slot_get(ovl)) {
			f->path = OVL_PATH_DIRECT;
			f->reason = OVL_PATH_REASON_RELAY_CAP;
			return;
		}
		ovl_path_set(&peer->path, OVL_PATH_RELAY);
		ovl_probe_arm(peer, msecs_to_jiffies(READ_ONCE(ovl->path_cfg.probe_interval_ms)));
	} else {
		ovl_path_set(&peer->path, OVL_PATH_DIRECT);
		atomic_dec(&ovl->relay_peers);
	}
	atomic64_inc(&peer->stats.flips);
	f->path = peer->path.path;
	f->reason = reason;
}

/*
 * Probe a relayed peer's direct path: a sealed PROBE request straight to
 * its endpoint.  Only a direct answer to the latest one counts.
 */
static void ovl_peer_probe_fire(struct timer_list *t)
{
	struct ovl_peer *peer = from_timer(peer, t, probe_timer);
	struct ovl_path_cfg *cfg = &peer->ovl->path_cfg;
	u64 now = ovl_now_ms(), nonce;
	bool due;

	spin_lock_bh(&peer->path_lock);
	due = ovl_path_probe_due(&peer->path, cfg, now);
	if (due) {
		nonce = get_random_u64();
		ovl_path_probe_sent(&peer->path, nonce, now);
	}
	if (peer->path.path == OVL_PATH_RELAY &&
	    peer->path.mode == OVL_RELAY_MODE_ON)
		ovl_probe_arm(peer, msecs_to_jiffies(READ_ONCE(cfg->probe_interval_ms)));
	spin_unlock_bh(&peer->path_lock);

	if (due)
		ovl_send_probe(peer, OVL_PROBE_REQUEST, nonce, NULL, NULL);
}

void ovl_peer_path_init(struct ovl_peer *peer)
{
	spin_lock_init(&peer->path_lock);
	ovl_path_init(&peer->path, OVL_RELAY_MODE_ON);
	timer_setup(&peer->probe_timer, ovl_peer_probe_fire, 0);
	peer->last_cap_ntf = jiffies - HZ;
}

/*
 * The peer is being removed: no more probes, and its relay slot goes back.
 * Context: may sleep.
 */
void ovl_peer_path_uninit(struct ovl_peer *peer)
{
	spin_lock_bh(&peer->path_lock);
	peer->dead = true;
	if (peer->path.path == OVL_PATH_RELAY)
		atomic_dec(&peer->ovl->relay_peers);
	peer->path.path = OVL_PATH_DIRECT;
	spin_unlock_bh(&peer->path_lock);
	del_timer_sync(&peer->probe_timer);
}

/**
 * ovl_peer_set_relay_mode - change whether @peer may use the beacon
 * @peer: the peer
 * @mode: &enum ovl_relay_mode
 * @extack: where to say why not
 *
 * Pinning takes a relay slot: it fails when the cap is reached.
 * Context: &ovl_dev.lock held.
 */
int ovl_peer_set_relay_mode(struct ovl_peer *peer, u8 mode,
			    struct netlink_ext_ack *extack)
{
	struct ovl_flip f = {};
	u8 path;

	spin_lock_bh(&peer->path_lock);
	path = ovl_path_for_mode(&peer->path, mode);
	if (path != peer->path.path) {
		ovl_flip(peer, path == OVL_PATH_RELAY ? OVL_PATH_TO_RELAY :
							OVL_PATH_TO_DIRECT,
			 OVL_PATH_REASON_CONFIG, &f);
		if (f.reason == OVL_PATH_REASON_RELAY_CAP) {
			spin_unlock_bh(&peer->path_lock);
			NL_SET_ERR_MSG(extack,
				       "the device's relay cap is reached (max-relay-peers)");
			return -ENOSPC;
		}
	}
	WRITE_ONCE(peer->path.mode, mode);
	if (peer->path.path == OVL_PATH_RELAY && mode == OVL_RELAY_MODE_ON)
		ovl_probe_arm(peer, 0);
	spin_unlock_bh(&peer->path_lock);
	ovl_flip_report(peer, &f);
	return 0;
}

/**
 * ovl_relay_beacon_gone - the device can no longer relay
 * @ovl: the device
 *
 * Its beacon was removed, or replaced by one without keys.  Every relayed
 * peer that is not pinned goes back to direct (reason
 * "config"): through the beacon its packets would only be dropped
 * (path.h).  A peer that is flipped to relay meanwhile, by a relayed
 * packet that was on its way, goes back on its next send
 * (ovl_peer_tx_path()).  Context: RTNL, may sleep; the beacon is already
 * unpublished (or replaced).
 */
void ovl_relay_beacon_gone(struct ovl_dev *ovl)
{
	struct ovl_peer *peer;
	struct ovl_flip f;
	struct rb_node *n;

	if (!atomic_read(&ovl->relay_peers))
		return;
	mutex_lock(&ovl->lock);
	for (n = rb_first(&ovl->peer_tree); n; n = rb_next(n)) {
		peer = rb_entry(n, struct ovl_peer, tnode);
		spin_lock_bh(&peer->path_lock);
		ovl_flip(peer, ovl_path_no_beacon(&peer->path),
			 OVL_PATH_REASON_CONFIG, &f);
		spin_unlock_bh(&peer->path_lock);
		ovl_flip_report(peer, &f);
		cond_resched();
	}
	mutex_unlock(&ovl->lock);
}

/**
 * ovl_peer_tx_path - the path for a packet to @peer, sent now
 * @peer: the peer
 *
 * Counts a blackhole miss when the direct path is silent and flips when
 * enough were counted (never on a device that cannot relay,
 * ovl_relay_usable()); a relayed peer of such a device goes back to
 * direct unless pinned.  Returns
 * &enum ovl_path, or -ENOSPC when the peer should have gone to relay but
 * the cap is reached (drop the packet).  Context: BH disabled, RCU read
 * side.
 */
int ovl_peer_tx_path(struct ovl_peer *peer)
{
	struct ovl_path_cfg *cfg = &peer->ovl->path_cfg;
	bool beacon = ovl_relay_usable(peer->ovl);
	u64 now = ovl_now_ms();
	struct ovl_flip f;

	if (READ_ONCE(peer->path.path) == OVL_PATH_RELAY) {
		if (likely(beacon) ||
		    READ_ONCE(peer->path.mode) != OVL_RELAY_MODE_ON)
			return OVL_PATH_RELAY;
		/*
		 * Relayed since before the beacon (or its keys) was removed,
		 * e.g. by a relay receipt that raced with
		 * ovl_relay_beacon_gone().
		 */
		spin_lock(&peer->path_lock);
		ovl_flip(peer, ovl_path_no_beacon(&peer->path),
			 OVL_PATH_REASON_CONFIG, &f);
		spin_unlock(&peer->path_lock);
		ovl_flip_report(peer, &f);
		return READ_ONCE(peer->path.path);
	}
	if (!ovl_path_tx_silent(&peer->path, cfg, now, beacon))
		return OVL_PATH_DIRECT;

	spin_lock(&peer->path_lock);
	ovl_flip(peer, ovl_path_tx(&peer->path, cfg, now, beacon),
		 OVL_PATH_REASON_BLACKHOLE, &f);
	spin_unlock(&peer->path_lock);
	ovl_flip_report(peer, &f);
	if (f.reason == OVL_PATH_REASON_RELAY_CAP)
		return -ENOSPC;
	return READ_ONCE(peer->path.path);
}

/*
 * An authenticated packet that proves the direct path (data, keepalive or
 * probe answer) came straight from @peer.  Context: softirq, RCU.
 */
void ovl_peer_path_direct_rx(struct ovl_peer *peer)
{
	struct ovl_path_state *p = &peer->path;
	u64 now = ovl_now_ms();

	if (!READ_ONCE(p->misses) && !READ_ONCE(p->send_errs)) {
		/* The common case: no count to reset, no lock. */
		WRITE_ONCE(p->last_direct_rx, now);
		if (READ_ONCE(p->first_tx))
			WRITE_ONCE(p->first_tx, 0);
		return;
	}
	spin_lock(&peer->path_lock);
	ovl_path_direct_rx(p, now);
	spin_unlock(&peer->path_lock);
}

/*
 * An authenticated DATA message with a payload came straight from @peer's
 * endpoint: answer with a passive keepalive, straight back there, when we
 * sent it nothing straight for a keepalive interval (path.h).  Context:
 * the NAPI poll of the peer's receive slot, RCU.
 */
void ovl_peer_path_data_rx(struct ovl_peer *peer)
{
	if (ovl_path_keepalive_due(&peer->path, &peer->ovl->path_cfg,
				   ovl_now_ms()))
		ovl_send_keepalive_direct(peer);
}

/*
 * An authenticated data packet from @peer came through the beacon.
 * Returns false if it must be dropped: the peer is not relayed and the
 * cap leaves no room for it.  Context: softirq, RCU.
 */
bool ovl_peer_path_relay_rx(struct ovl_peer *peer)
{
	struct ovl_dev *ovl = peer->ovl;
	struct ovl_flip f;

	if (READ_ONCE(peer->path.path) == OVL_PATH_RELAY)
		return true;
	spin_lock(&peer->path_lock);
	ovl_flip(peer, ovl_path_relay_rx(&peer->path, &ovl->path_cfg,
					 ovl_now_ms()),
		 OVL_PATH_REASON_RELAY_RX, &f);
	/* A direct peer whose relayed packets would pass the cap. */
	if (!f.reason && peer->path.path == OVL_PATH_DIRECT &&
	    atomic_read(&ovl->relay_peers) >= READ_ONCE(ovl->path_cfg.max_relay_peers)) {
		f.path = OVL_PATH_DIRECT;
		f.reason = OVL_PATH_REASON_RELAY_CAP;
	}
	spin_unlock(&peer->path_lock);
	ovl_flip_report(peer, &f);
	return f.reason != OVL_PATH_REASON_RELAY_CAP;
}

/* An authenticated direct answer to a probe.  Context: softirq, RCU. */
void ovl_peer_path_probe_reply(struct ovl_peer *peer, u64 nonce)
{
	struct ovl_flip f;

	spin_lock(&peer->path_lock);
	ovl_flip(peer, ovl_path_probe_reply(&peer->path, &peer->ovl->path_cfg,
					    nonce, ovl_now_ms()),
		 OVL_PATH_REASON_PROBED, &f);
	spin_unlock(&peer->path_lock);
	ovl_flip_report(peer, &f);
}

/*
 * An ICMP unreachable error quotes a datagram from our port to @peer's
 * endpoint.  It may be forged: it counts only while the direct path is
 * overdue anyway, and only on a device that can relay (path.h).  Context:
 * softirq, RCU.
 */
void ovl_peer_path_unreachable(struct ovl_peer *peer)
{
	struct ovl_dev *ovl = peer->ovl;
	struct ovl_flip f;

	spin_lock(&peer->path_lock);
	ovl_flip(peer, ovl_path_unreachable(&peer->path, &ovl->path_cfg,
					    ovl_now_ms(), ovl_relay_usable(ovl)),
		 OVL_PATH_REASON_UNREACHABLE, &f);
	spin_unlock(&peer->path_lock);
	ovl_flip_report(peer, &f);
}
