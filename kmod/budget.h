/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive budget of one peer: how many bytes of the messages that name it
 * may wait for decryption and delivery, before anything in them is known
 * to come from it.
 *
 * Anyone who knows a peer's node id and a key id can send DATA that names
 * it, and nothing but the tag tells such junk from the peer's own
 * messages.  So each peer gets its own bound, in bytes (&sk_buff.truesize,
 * which also charges the cost of a tiny datagram), on what it may have
 * queued: junk that names one peer fills that peer's budget, not its
 * receive slot, which other peers share.
 *
 * Tag-failure debt: each message that fails authentication puts
 * OVL_RX_DEBT_WEIGHT times its size on the peer's debt, which shrinks the
 * peer's budget by as much and is forgiven at OVL_RX_DEBT_DECAY bytes a
 * millisecond.  A sustained flood of junk keeps the debt near the budget, so
 * that the junk is dropped before any crypto, and what still gets through
 * to be decrypted is bounded by the decay rate (a quarter of it, in
 * bytes), whatever the flood's rate.  Once the flood stops, the debt is
 * gone within OVL_RX_DEBT_MAX / OVL_RX_DEBT_DECAY milliseconds.  The peer's own
 * messages share its reduced budget meanwhile: a flood can slow the peer
 * it names, never another.
 *
 * Pure logic, unit-tested in userspace (tests/test_budget.c).  Locking:
 * none inside; the caller serializes every call on one budget (queue.c
 * uses the lock of the peer's receive slot).
 */
#ifndef _OVL_BUDGET_H
#define _OVL_BUDGET_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "tests/kshim.h"
#endif

/* What a peer may have queued, with no debt. */
#define OVL_RX_BUDGET_BYTES	(4U << 20)
/* A message that fails authentication costs this many times its size. */
#define OVL_RX_DEBT_WEIGHT	4U
/* Debt forgiven each millisecond: 4 MiB in 1.024 s. */
#define OVL_RX_DEBT_DECAY	4096U
/* The most debt a peer can owe: it is gone 2.048 s after a flood. */
#define OVL_RX_DEBT_MAX		(2 * OVL_RX_BUDGET_BYTES)

/**
 * struct ovl_rx_budget - receive budget of one peer
 * @queued: bytes of its messages queued now
 * @debt: bytes its budget is reduced by, for messages that failed
 *	authentication
 * @stamp_ms: when @debt was last brought up to date
 */
struct ovl_rx_budget {
	u32 queued;
	u32 debt;
	u64 stamp_ms;
};

void ovl_rx_budget_init(struct ovl_rx_budget *b, u64 now_ms);
u32 ovl_rx_budget_limit(struct ovl_rx_budget *b, u64 now_ms);
bool ovl_rx_budget_charge(struct ovl_rx_budget *b, u32 bytes, u64 now_ms);
void ovl_rx_budget_release(struct ovl_rx_budget *b, u32 bytes, bool forged,
			   u64 now_ms);

#endif /* _OVL_BUDGET_H */
