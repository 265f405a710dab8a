/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-replay window over 64-bit message counters, after RFC 6479: a ring
 * of bitmap words indexed by counter, of which all but one word are within
 * the window.  Moving the window forward only zeroes the words it enters,
 * so each check costs O(1) (at most OVL_REPLAY_RING_WORDS word stores on a
 * jump, usually none) and the bitmap is never shifted.
 *
 * Locking: none inside.  The caller serializes ovl_replay_init(),
 * ovl_replay_init_after() and ovl_replay_check() on one struct ovl_replay,
 * e.g. with the receiving key's spinlock.
 *
 * Call ovl_replay_check() only for packets that authenticated: it records
 * the counter, and a forged high counter would move the window.
 */
#ifndef _OVL_REPLAY_H
#define _OVL_REPLAY_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#else
#include "tests/kshim.h"
#endif

/* Size of the ring: 1 KiB, a power of two number of words. */
#define OVL_REPLAY_RING_BITS	8192
#define OVL_REPLAY_RING_WORDS	(OVL_REPLAY_RING_BITS / BITS_PER_LONG)

/*
 * How far behind the highest counter seen a counter may be and still be
 * accepted: counter c is checked against the bitmap iff c + WINDOW >= top,
 * anything older is rejected.  One word of the ring is kept out of the
 * window as the word being filled.
 */
#define OVL_REPLAY_WINDOW	(OVL_REPLAY_RING_BITS - BITS_PER_LONG)

/**
 * struct ovl_replay - anti-replay state of one receiving key
 * @top: highest counter accepted so far; 0 while none was (bit 0 of the
 *	ring then tells whether counter 0 itself was seen)
 * @ring: bit (c % OVL_REPLAY_RING_BITS) is set iff counter c, within the
 *	window, was accepted
 */
struct ovl_replay {
	u64 top;
	unsigned long ring[OVL_REPLAY_RING_WORDS];
};

void ovl_replay_init(struct ovl_replay *r);
void ovl_replay_init_after(struct ovl_replay *r, u64 top);
bool ovl_replay_check(struct ovl_replay *r, u64 counter, u64 limit);

#endif /* _OVL_REPLAY_H */
