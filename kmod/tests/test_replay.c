// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the anti-replay window (../replay.c), built in userspace
 * through kshim.h.  Besides the edge cases, a randomized run compares every
 * decision with a reference that remembers every counter it accepted (one
 * bit per counter over the whole range used) and applies the window rule
 * directly: accept c iff c < limit, c was never accepted, and c is above
 * the highest accepted counter or at most OVL_REPLAY_WINDOW below it.
 *
 * OVL_TEST_SEED=<n> in the environment replays a particular random run.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>

#include "replay.h"

#define W		((u64)OVL_REPLAY_WINDOW)
#define RING		((u64)OVL_REPLAY_RING_BITS)
#define NOLIMIT		UINT64_MAX

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* A rejection must leave the state exactly as it was. */
static void stale(struct ovl_replay *r, u64 c, u64 limit)
{
	struct ovl_replay before = *r;

	assert_false(ovl_replay_check(r, c, limit));
	assert_memory_equal(&before, r, sizeof(before));
}

static void fresh(struct ovl_replay *r, u64 c, u64 limit)
{
	assert_true(ovl_replay_check(r, c, limit));
}

static void test_sizes(void **state)
{
	(void)state;
	assert_true(OVL_REPLAY_WINDOW >= 2048);
	assert_int_equal(OVL_REPLAY_RING_WORDS * BITS_PER_LONG,
			 OVL_REPLAY_RING_BITS);
	assert_int_equal(OVL_REPLAY_WINDOW,
			 OVL_REPLAY_RING_BITS - BITS_PER_LONG);
	print_message("[ INFO     ] ring %d bits, window %d, %zu bytes per key\n",
		      OVL_REPLAY_RING_BITS, OVL_REPLAY_WINDOW,
		      sizeof(struct ovl_replay));
}

static void test_counter_zero(void **state)
{
	struct ovl_replay r;

	(void)state;
	ovl_replay_init(&r);
	fresh(&r, 0, NOLIMIT);
	stale(&r, 0, NOLIMIT);
	fresh(&r, 1, NOLIMIT);
	stale(&r, 0, NOLIMIT);
	stale(&r, 1, NOLIMIT);

	/* 0 may also come late, while still within the window. */
	ovl_replay_init(&r);
	fresh(&r, 5, NOLIMIT);
	fresh(&r, W, NOLIMIT);
	fresh(&r, 0, NOLIMIT);
	stale(&r, 0, NOLIMIT);

	/* ... but not once it has fallen out of it. */
	ovl_replay_init(&r);
	fresh(&r, W + 1, NOLIMIT);
	stale(&r, 0, NOLIMIT);
	fresh(&r, 1, NOLIMIT);
}

static void test_in_order_and_duplicates(void **state)
{
	struct ovl_replay r;
	u64 c;

	(void)state;
	ovl_replay_init(&r);
	for (c = 0; c < 5 * RING; c++) {
		fresh(&r, c, NOLIMIT);
		stale(&r, c, NOLIMIT);
		if (c >= 7)
			stale(&r, c - 7, NOLIMIT);
	}
	/* Everything in the window is still known as seen. */
	for (c = 5 * RING - 1 - W; c < 5 * RING; c++)
		stale(&r, c, NOLIMIT);
}

static void test_out_of_order(void **state)
{
	struct ovl_replay r;
	u64 c, top = 100000;

	(void)state;
	ovl_replay_init(&r);
	fresh(&r, top, NOLIMIT);
	/* The whole window below top, descending, each once. */
	for (c = top - 1; c >= top - W; c--)
		fresh(&r, c, NOLIMIT);
	for (c = top - W; c <= top; c++)
		stale(&r, c, NOLIMIT);
	stale(&r, top - W - 1, NOLIMIT);

	/* Odd counters first, then the even ones, across word boundaries. */
	ovl_replay_init(&r);
	for (c = 1; c < 1000; c += 2)
		fresh(&r, c, NOLIMIT);
	for (c = 0; c < 1000; c += 2)
		fresh(&r, c, NOLIMIT);
	for (c = 0; c < 1000; c++)
		stale(&r, c, NOLIMIT);
}

/* The boundary sits exactly WINDOW below top, wherever top is in a word. */
static void test_window_edge(void **state)
{
	static const u64 tops[] = {
		W, W + 1, RING, RING + 63, RING + 64, 3 * RING - 1,
		123456789, (1ULL << 32) + 17, 1ULL << 40,
	};
	struct ovl_replay r;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(tops); i++) {
		u64 top = tops[i];

		ovl_replay_init(&r);
		fresh(&r, top, NOLIMIT);
		stale(&r, top - W - 1, NOLIMIT);	/* just outside */
		fresh(&r, top - W, NOLIMIT);		/* oldest inside */
		stale(&r, top - W, NOLIMIT);
		fresh(&r, top - 1, NOLIMIT);
		/* Moving top by one pushes the oldest one out. */
		fresh(&r, top + 1, NOLIMIT);
		stale(&r, top - W, NOLIMIT);
		fresh(&r, top - W + 1, NOLIMIT);
		stale(&r, top - W + 1, NOLIMIT);
	}
}

static void test_huge_jumps(void **state)
{
	struct ovl_replay r;

	(void)state;
	ovl_replay_init(&r);
	fresh(&r, 0, NOLIMIT);
	fresh(&r, 1, NOLIMIT);
	fresh(&r, 1ULL << 40, NOLIMIT);
	stale(&r, 1, NOLIMIT);			/* far behind now */
	fresh(&r, (1ULL << 40) - 1, NOLIMIT);
	fresh(&r, (1ULL << 40) - W, NOLIMIT);
	stale(&r, (1ULL << 40) - W - 1, NOLIMIT);
	/* Nothing from before the jump survives in the ring. */
	fresh(&r, (1ULL << 40) + 1, NOLIMIT);
	fresh(&r, (1ULL << 40) + RING, NOLIMIT);
	fresh(&r, (1ULL << 40) + 2 * RING, NOLIMIT);
	fresh(&r, (1ULL << 40) + 2 * RING - 1, NOLIMIT);
	stale(&r, (1ULL << 40) + RING, NOLIMIT);

	/* Up to the very top of the counter space. */
	fresh(&r, UINT64_MAX - 1, NOLIMIT);
	stale(&r, UINT64_MAX - 1, NOLIMIT);
	stale(&r, UINT64_MAX, NOLIMIT);	/* = limit */
	fresh(&r, UINT64_MAX - 2, NOLIMIT);
	fresh(&r, UINT64_MAX - 1 - W, NOLIMIT);
	stale(&r, UINT64_MAX - 2 - W, NOLIMIT);
	stale(&r, 0, NOLIMIT);
}

/*
 * A window seeded with "everything up to T was seen" refuses every counter
 * up to T, old or within the window, accepts T + 1 on, and then behaves
 * as any window: for T at word edges and far in the counter space.
 */
static void test_init_after(void **state)
{
	static const u64 tops[] = {
		0, 1, 62, 63, 64, 65, RING - 1, RING, 3 * RING + 17,
		1ULL << 56, (1ULL << 56) + 63, UINT64_MAX - 2,
	};
	struct ovl_replay r;
	unsigned int i;
	u64 t, c;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(tops); i++) {
		t = tops[i];
		ovl_replay_init_after(&r, t);
		for (c = t > W + 70 ? t - W - 70 : 0; c <= t; c++)
			stale(&r, c, NOLIMIT);
		fresh(&r, t + 1, NOLIMIT);
		stale(&r, t + 1, NOLIMIT);
		if (t < UINT64_MAX - 200) {
			fresh(&r, t + 200, NOLIMIT);
			fresh(&r, t + 100, NOLIMIT);
			stale(&r, t + 100, NOLIMIT);
			stale(&r, t, NOLIMIT);
		}
	}
}

static void test_limit(void **state)
{
	struct ovl_replay r;

	(void)state;
	ovl_replay_init(&r);
	stale(&r, 0, 0);			/* limit 0: nothing valid */
	stale(&r, 100, 100);
	stale(&r, 101, 100);
	stale(&r, UINT64_MAX, 100);
	fresh(&r, 99, 100);
	stale(&r, 99, 100);
	fresh(&r, 0, 100);
	fresh(&r, 98, 100);
	stale(&r, 100, 100);
	/* Same counter, higher limit (a different caller policy). */
	fresh(&r, 100, 101);
}

/* Counters that share a ring bit must not be confused with each other. */
static void test_ring_wrap(void **state)
{
	struct ovl_replay r;
	u64 c, k;

	(void)state;
	ovl_replay_init(&r);
	/* Stride of the ring size: the same bit each time. */
	for (k = 0; k < 50; k++)
		fresh(&r, 5 + k * RING, NOLIMIT);
	/* Stride of just under the window: most of the ring is reused. */
	ovl_replay_init(&r);
	for (c = 0, k = 0; k < 200; k++, c += W - 1) {
		fresh(&r, c, NOLIMIT);
		fresh(&r, c + 64, NOLIMIT);
		stale(&r, c, NOLIMIT);
	}
	/* Fill a whole window, then walk forward a word at a time. */
	ovl_replay_init(&r);
	for (c = 0; c < RING; c++)
		fresh(&r, c, NOLIMIT);
	for (k = 0; k < 3 * RING / 64; k++) {
		u64 top = RING - 1 + (k + 1) * 64;

		fresh(&r, top, NOLIMIT);
		stale(&r, top - W - 1, NOLIMIT);
		/* Skipped counters in the newly entered words are fresh. */
		fresh(&r, top - 1, NOLIMIT);
		fresh(&r, top - 63, NOLIMIT);
		/* Old ones that are still inside the window were seen. */
		if (top - W < RING)
			stale(&r, top - W, NOLIMIT);
	}
}

/* ---- randomized comparison with the reference ---- */

#define DOMAIN		(1ULL << 27)	/* counters base .. base+DOMAIN-1 */

struct ref {
	uint8_t *seen;
	u64 base, top;
};

static bool ref_test_and_set(struct ref *ref, u64 c)
{
	u64 i = c - ref->base;

	if (ref->seen[i / 8] & (1u << (i % 8)))
		return true;
	ref->seen[i / 8] |= 1u << (i % 8);
	return false;
}

static bool ref_check(struct ref *ref, u64 c, u64 limit)
{
	if (c >= limit)
		return false;
	if (c <= ref->top && ref->top - c > W)
		return false;
	if (ref_test_and_set(ref, c))
		return false;
	if (c > ref->top)
		ref->top = c;
	return true;
}

static void random_run(u64 base, u64 limit, unsigned int steps)
{
	struct ovl_replay r, before;
	struct ref ref = { .base = base };
	unsigned int i, accepted = 0;
	u64 c, hi = base, back;

	ref.seen = calloc(DOMAIN / 8, 1);
	assert_non_null(ref.seen);
	ovl_replay_init(&r);
	for (i = 0; i < steps; i++) {
		unsigned int kind = (unsigned int)rnd_below(100);
		bool want, got;

		if (kind < 55) {			/* next few */
			c = hi + rnd_below(4);
		} else if (kind < 85) {			/* reordered, near edge */
			back = rnd_below(W + 300);
			c = hi - (back > hi - base ? hi - base : back);
		} else if (kind < 92) {			/* replay of recent */
			c = hi - rnd_below(64 > hi - base ? hi - base + 1 : 64);
		} else if (kind < 93) {			/* jump forward */
			c = hi + rnd_below(3 * RING);
		} else if (kind < 99) {			/* ancient */
			c = base + rnd_below(hi - base + 1);
		} else {				/* beyond the limit */
			c = limit + rnd_below(3);
		}
		if (c - base >= DOMAIN || c < base)
			c = hi;
		if (c > hi && c < limit)
			hi = c;

		before = r;
		want = ref_check(&ref, c, limit);
		got = ovl_replay_check(&r, c, limit);
		if (want != got)
			fail_msg("step %u: counter %" PRIu64 " (base+%" PRIu64
				 ", top base+%" PRIu64 "): expected %s",
				 i, c, c - base, ref.top - base,
				 want ? "accept" : "reject");
		if (!got)
			assert_memory_equal(&before, &r, sizeof(r));
		accepted += got;
	}
	print_message("[ INFO     ] base %" PRIu64 ": %u steps, %u accepted, top base+%" PRIu64 "\n",
		      base, i, accepted, ref.top - base);
	free(ref.seen);
}

static void test_random_low(void **state)
{
	(void)state;
	random_run(0, DOMAIN / 2, 1000000);
}

static void test_random_u32_edge(void **state)
{
	(void)state;
	random_run((1ULL << 32) - 3 * RING, NOLIMIT, 1000000);
}

static void test_random_u64_top(void **state)
{
	(void)state;
	random_run(UINT64_MAX - DOMAIN, UINT64_MAX - DOMAIN / 4, 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_counter_zero),
		cmocka_unit_test(test_in_order_and_duplicates),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_huge_jumps),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_init_after),
		cmocka_unit_test(test_ring_wrap),
		cmocka_unit_test(test_random_low),
		cmocka_unit_test(test_random_u32_edge),
		cmocka_unit_test(test_random_u64_top),
	};
	const char *s = getenv("OVL_TEST_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : 0x6f766c2d72706c79ULL;

	printf("[ INFO     ] OVL_TEST_SEED=%" PRIu64 "\n", seed);
	rng_state = seed;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
