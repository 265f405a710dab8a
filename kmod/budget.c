// SPDX-License-Identifier: GPL-2.0
/*
 * A peer's receive budget and its tag-failure debt; see budget.h.
 */

#ifdef __KERNEL__
#include <linux/minmax.h>
#endif

#include "budget.h"

void ovl_rx_budget_init(struct ovl_rx_budget *b, u64 now_ms)
{
	b->queued = 0;
	b->debt = 0;
	b->stamp_ms = now_ms;
}

/* Forgive the debt of the time since it was last brought up to date. */
static void ovl_rx_debt_decay(struct ovl_rx_budget *b, u64 now_ms)
{
	u64 elapsed, forgiven;

	if (!b->debt || now_ms < b->stamp_ms) {
		b->stamp_ms = now_ms;
		return;
	}
	elapsed = now_ms - b->stamp_ms;
	b->stamp_ms = now_ms;
	if (elapsed >= OVL_RX_DEBT_MAX / OVL_RX_DEBT_DECAY) {
		b->debt = 0;
		return;
	}
	forgiven = elapsed * OVL_RX_DEBT_DECAY;
	b->debt = forgiven >= b->debt ? 0 : b->debt - (u32)forgiven;
}

/**
 * ovl_rx_budget_limit - how many bytes the peer may have queued now
 * @b: the budget
 * @now_ms: the time now
 */
u32 ovl_rx_budget_limit(struct ovl_rx_budget *b, u64 now_ms)
{
	ovl_rx_debt_decay(b, now_ms);
	return b->debt >= OVL_RX_BUDGET_BYTES ? 0 :
	       OVL_RX_BUDGET_BYTES - b->debt;
}

/**
 * ovl_rx_budget_charge - queue a message of @bytes within the budget
 * @b: the budget
 * @bytes: its size
 * @now_ms: the time now
 *
 * Returns true, counting the bytes as queued, if the message fits; false
 * if it is to be dropped.  A message fits if the bytes queued stay within
 * the limit, or if nothing is queued and the limit is not zero, so that
 * one message larger than a shrunk budget still gets through.
 */
bool ovl_rx_budget_charge(struct ovl_rx_budget *b, u32 bytes, u64 now_ms)
{
	u32 limit = ovl_rx_budget_limit(b, now_ms);

	if (!limit || (b->queued && bytes > limit - min(limit, b->queued)))
		return false;
	b->queued += bytes;
	return true;
}

/**
 * ovl_rx_budget_release - a message charged to the budget left the queue
 * @b: the budget
 * @bytes: the size it was charged with
 * @forged: it failed authentication: its weighted size goes on the debt
 * @now_ms: the time now
 */
void ovl_rx_budget_release(struct ovl_rx_budget *b, u32 bytes, bool forged,
			   u64 now_ms)
{
	u64 debt;

	b->queued -= min(bytes, b->queued);
	if (!forged)
		return;
	ovl_rx_debt_decay(b, now_ms);
	debt = (u64)b->debt + (u64)bytes * OVL_RX_DEBT_WEIGHT;
	b->debt = (u32)min_t(u64, debt, OVL_RX_DEBT_MAX);
}
