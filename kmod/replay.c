// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window (RFC 6479 style); see replay.h.
 *
 * Invariant: every ring bit that stands for a counter above top is clear.
 * It holds at init (all clear) and is kept when top moves forward, because
 * every word between the old and the new top word is zeroed first (all of
 * them if the jump is at least the ring's size).  Bits are only ever set
 * for counters at or below top.  So for a counter within the window the
 * bit is set iff that very counter was accepted: an older counter sharing
 * its bit was cleared when its word was re-entered.
 *
 * Locking: the caller serializes all calls on one struct ovl_replay.
 */

#ifdef __KERNEL__
#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/string.h>
#else
#include "tests/kshim.h"
#endif

#include "replay.h"

static_assert((OVL_REPLAY_RING_WORDS & (OVL_REPLAY_RING_WORDS - 1)) == 0);
static_assert(OVL_REPLAY_WINDOW >= 2048);

#define OVL_REPLAY_WORD_MASK	(OVL_REPLAY_RING_WORDS - 1)

void ovl_replay_init(struct ovl_replay *r)
{
	r->top = 0;
	memset(r->ring, 0, sizeof(r->ring));
}

/**
 * ovl_replay_init_after() - a window that has seen every counter up to @top
 * @r: the window
 * @top: the highest counter taken as seen
 *
 * For a key whose earlier window is gone but whose highest counter is
 * known: every counter up to and including @top is then refused, anything
 * above it is new.  Keeps the invariant: the bits above @top in its own
 * word stay clear, every other bit stands for a counter below it.
 */
void ovl_replay_init_after(struct ovl_replay *r, u64 top)
{
	unsigned int b = top % BITS_PER_LONG;

	r->top = top;
	memset(r->ring, 0xff, sizeof(r->ring));
	r->ring[(top / BITS_PER_LONG) & OVL_REPLAY_WORD_MASK] =
		b == BITS_PER_LONG - 1 ? ~0UL : (1UL << (b + 1)) - 1;
}

/**
 * ovl_replay_check() - accept a counter once
 * @r: window of the key the packet came in on
 * @counter: the packet's counter
 * @limit: first counter that is no longer valid for the key
 *
 * Return: true if @counter is below @limit, not older than the window
 * allows and not seen before; it is then recorded.  False otherwise, and
 * @r is unchanged.
 */
bool ovl_replay_check(struct ovl_replay *r, u64 counter, u64 limit)
{
	u64 word = counter / BITS_PER_LONG;
	unsigned long bit, *slot;
	u64 top_word, n;

	if (unlikely(counter >= limit))
		return false;
	if (likely(counter > r->top)) {
		/* Zero the words from top's (exclusive) up to counter's. */
		top_word = r->top / BITS_PER_LONG;
		n = min_t(u64, word - top_word, OVL_REPLAY_RING_WORDS);
		while (n--)
			r->ring[(word - n) & OVL_REPLAY_WORD_MASK] = 0;
		r->top = counter;
	} else if (r->top - counter > OVL_REPLAY_WINDOW) {
		return false;
	}

	slot = &r->ring[word & OVL_REPLAY_WORD_MASK];
	bit = 1UL << (counter % BITS_PER_LONG);
	if (*slot & bit)
		return false;
	*slot |= bit;
	return true;
}
