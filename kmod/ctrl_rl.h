/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-source rate limit of the control frames passed up to the control
 * daemon.
 *
 * Every handshake frame that reaches a device goes up to the daemon, which
 * must read it (and check its mac1) before it can tell a legitimate
 * initiation from junk.  A flood from one source would fill the daemon's
 * socket and crowd out everyone else's handshakes.  So each source gets a
 * token bucket: OVL_CTRL_RL_BURST frames at once, refilled at
 * OVL_CTRL_RL_RATE frames a second; a frame that finds its source's bucket
 * empty is dropped before it is queued to the listener.  A flood from one
 * source then reaches the daemon at OVL_CTRL_RL_RATE frames a second, and
 * other sources are untouched.
 *
 * A source is the IPv4 address a frame came from (not the port: anyone
 * can pick ports), the /64 of an IPv6 address (one host usually owns a
 * whole /64), or, for a frame relayed by the beacon, the source node id
 * the beacon vouched for (the beacon's own address would lump every
 * relayed peer together).
 *
 * The buckets live in a table of fixed size, OVL_CTRL_RL_SLOTS slots, so
 * that a spray of sources costs no memory: a source is looked for in
 * OVL_CTRL_RL_PROBES consecutive slots from an index that a SipHash of the
 * source under a per-table random key picks (so that nobody can aim many
 * sources at one slot group).  A source that is not there takes a free
 * slot of its group, or else the one that was used longest ago, and
 * starts with a full bucket.  A source whose slot was taken starts again
 * with a full bucket when it comes back: evicting only ever lets a source
 * in sooner, never denies one because the table is full.
 *
 * Time is monotonic nanoseconds from the caller.  Should it ever go
 * backwards, a bucket gains nothing and counts from the new time on.
 *
 * Pure logic, unit-tested in userspace (tests/test_ctrl_rl.c).  Locking:
 * none inside; the caller serializes every call on one table (ctrl.c uses
 * &ovl_dev.ctrl_rl_lock).
 */
#ifndef _OVL_CTRL_RL_H
#define _OVL_CTRL_RL_H

#ifdef __KERNEL__
#include <linux/in6.h>
#include <linux/siphash.h>
#include <linux/types.h>
#else
#include <netinet/in.h>
#include "tests/kshim.h"
#endif

/* Frames a second a source's bucket refills with. */
#define OVL_CTRL_RL_RATE	20U
/* Frames a source may send at once. */
#define OVL_CTRL_RL_BURST	5U
/* A frame costs this many tokens; a token is a nanosecond of refill. */
#define OVL_CTRL_RL_COST	(1000000000U / OVL_CTRL_RL_RATE)
/* A full bucket. */
#define OVL_CTRL_RL_MAX		(OVL_CTRL_RL_BURST * OVL_CTRL_RL_COST)
/* Slots in the table (a power of two) and slots looked at per source. */
#define OVL_CTRL_RL_SLOTS	4096U
#define OVL_CTRL_RL_PROBES	4U

/**
 * enum ovl_ctrl_rl_kind - what a source is
 * @OVL_CTRL_RL_NONE: no source (a free slot)
 * @OVL_CTRL_RL_IP4: an IPv4 address
 * @OVL_CTRL_RL_IP6: the first 64 bits of an IPv6 address
 * @OVL_CTRL_RL_NODE: the source node id of a relayed frame
 */
enum ovl_ctrl_rl_kind {
	OVL_CTRL_RL_NONE,
	OVL_CTRL_RL_IP4,
	OVL_CTRL_RL_IP6,
	OVL_CTRL_RL_NODE,
};

/**
 * struct ovl_ctrl_rl_src - the source a frame is charged to
 * @kind: &enum ovl_ctrl_rl_kind
 * @val: the address, prefix or node id, in host order
 */
struct ovl_ctrl_rl_src {
	u32 kind;
	u64 val;
};

/**
 * struct ovl_ctrl_rl_slot - one source's bucket
 * @val: the source's &ovl_ctrl_rl_src.val
 * @stamp_ns: when @tokens was last brought up to date
 * @tokens: nanoseconds of refill the bucket holds, at most
 *	%OVL_CTRL_RL_MAX
 * @kind: the source's &ovl_ctrl_rl_src.kind; %OVL_CTRL_RL_NONE if free
 */
struct ovl_ctrl_rl_slot {
	u64 val;
	u64 stamp_ns;
	u32 tokens;
	u32 kind;
};

/**
 * struct ovl_ctrl_rl - the buckets of one device
 * @key: SipHash key that spreads sources over the slots
 * @slots: the buckets
 */
struct ovl_ctrl_rl {
	siphash_key_t key;
	struct ovl_ctrl_rl_slot slots[OVL_CTRL_RL_SLOTS];
};

void ovl_ctrl_rl_init(struct ovl_ctrl_rl *rl, const siphash_key_t *key);
struct ovl_ctrl_rl_src ovl_ctrl_rl_src_ip4(__be32 addr);
struct ovl_ctrl_rl_src ovl_ctrl_rl_src_ip6(const struct in6_addr *addr);
struct ovl_ctrl_rl_src ovl_ctrl_rl_src_node(u32 node_id);
bool ovl_ctrl_rl_allow(struct ovl_ctrl_rl *rl,
		       const struct ovl_ctrl_rl_src *src, u64 now_ns);

#endif /* _OVL_CTRL_RL_H */
