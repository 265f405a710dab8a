// SPDX-License-Identifier: GPL-2.0
/*
 * Per-source token buckets of the control frames; see ctrl_rl.h.
 */

#ifdef __KERNEL__
#include <linux/minmax.h>
#include <linux/string.h>
#endif

#include "ctrl_rl.h"

/**
 * ovl_ctrl_rl_init - empty a table
 * @rl: the table
 * @key: its SipHash key, random and secret
 */
void ovl_ctrl_rl_init(struct ovl_ctrl_rl *rl, const siphash_key_t *key)
{
	memset(rl->slots, 0, sizeof(rl->slots));
	rl->key = *key;
}

struct ovl_ctrl_rl_src ovl_ctrl_rl_src_ip4(__be32 addr)
{
	return (struct ovl_ctrl_rl_src){
		.kind = OVL_CTRL_RL_IP4,
		.val = be32_to_cpu(addr),
	};
}

/* The /64 of @addr: its first eight bytes. */
struct ovl_ctrl_rl_src ovl_ctrl_rl_src_ip6(const struct in6_addr *addr)
{
	__be64 prefix;

	memcpy(&prefix, addr->s6_addr, sizeof(prefix));
	return (struct ovl_ctrl_rl_src){
		.kind = OVL_CTRL_RL_IP6,
		.val = be64_to_cpu(prefix),
	};
}

struct ovl_ctrl_rl_src ovl_ctrl_rl_src_node(u32 node_id)
{
	return (struct ovl_ctrl_rl_src){
		.kind = OVL_CTRL_RL_NODE,
		.val = node_id,
	};
}

/*
 * The slot that holds @src, else a free slot of its group, else the one
 * of its group used longest ago (made @src's with a full bucket).
 */
static struct ovl_ctrl_rl_slot *ovl_ctrl_rl_find(struct ovl_ctrl_rl *rl,
						 const struct ovl_ctrl_rl_src *src,
						 u64 now_ns)
{
	u64 hash = siphash_2u64(src->kind, src->val, &rl->key);
	struct ovl_ctrl_rl_slot *s, *take = NULL;
	unsigned int i;

	for (i = 0; i < OVL_CTRL_RL_PROBES; i++) {
		s = &rl->slots[(hash + i) & (OVL_CTRL_RL_SLOTS - 1)];
		if (s->kind == src->kind && s->val == src->val)
			return s;
		if (take && take->kind == OVL_CTRL_RL_NONE)
			continue;
		if (!take || s->kind == OVL_CTRL_RL_NONE ||
		    s->stamp_ns < take->stamp_ns)
			take = s;
	}
	take->kind = src->kind;
	take->val = src->val;
	take->tokens = OVL_CTRL_RL_MAX;
	take->stamp_ns = now_ns;
	return take;
}

/**
 * ovl_ctrl_rl_allow - charge a frame to its source's bucket
 * @rl: the table
 * @src: where the frame came from
 * @now_ns: the time now, monotonic nanoseconds
 *
 * Returns true, taking one frame's worth of tokens, if the bucket holds
 * them; false if the frame is to be dropped.
 */
bool ovl_ctrl_rl_allow(struct ovl_ctrl_rl *rl,
		       const struct ovl_ctrl_rl_src *src, u64 now_ns)
{
	struct ovl_ctrl_rl_slot *s = ovl_ctrl_rl_find(rl, src, now_ns);
	u64 tokens = s->tokens;

	/* Backwards, the bucket gains nothing and counts from now on. */
	if (now_ns > s->stamp_ns)
		tokens = min_t(u64, tokens + (now_ns - s->stamp_ns),
			       OVL_CTRL_RL_MAX);
	s->stamp_ns = now_ns;
	if (tokens < OVL_CTRL_RL_COST) {
		s->tokens = (u32)tokens;
		return false;
	}
	s->tokens = (u32)(tokens - OVL_CTRL_RL_COST);
	return true;
}
