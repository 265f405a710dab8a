// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon discovery's state machine (daemon/discovery.c) with a fake
 * clock: the fetch schedule (first at the jitter, then every 60 s, one at
 * a time), a failed fetch keeping the list, filter and merge order, the
 * kernel's beacon swapped only when the pick changes, failover when the
 * pick leaves the list, probe rounds and the RTT override, beacons.json
 * at a cold start only, and saved after each successful fetch only.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../daemon/discovery.h"

#define S	DISC_NS_PER_SEC

static const uint8_t key0[BEACON_KEY_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
	20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

static struct beacon_list L(const char *s)
{
	struct beacon_list l;
	char err[BEACON_ERR_LEN];

	memset(&l, 0, sizeof(l));
	if (*s)
		assert_int_equal(beacon_list_parse(s, &l, err, sizeof(err)), 0);
	return l;
}

static void assert_list(const struct disc *d, const char *want)
{
	char got[4096] = "";
	unsigned int i;

	for (i = 0; i < d->list.n; i++) {
		if (i)
			strcat(got, ",");
		strcat(got, d->list.addr[i]);
		strcat(got, "/");
		strcat(got, disc_origin_name(d->origin[i]));
	}
	assert_string_equal(got, want);
}

/* Tick; if a swap is asked, do it.  Returns the bits. */
static unsigned int tick(struct disc *d, uint64_t now)
{
	unsigned int todo = disc_tick(d, now);

	if (todo & DISC_DO_SWAP)
		disc_swapped(d, disc_pick_addr(d));
	return todo;
}

/* The hash pick of @s for key0. */
static const char *hash_pick(const char *s)
{
	static struct beacon_list l;

	l = L(s);
	return l.addr[beacon_pick_hash(&l, key0)];
}

static void test_schedule(void **state)
{
	struct beacon_list boot = L("198.51.100.1:3478");
	struct beacon_list got = L("198.51.100.2:3478");
	struct disc d;
	uint64_t t0 = 1000 * S, j = 7 * S + 123;
	unsigned int todo;

	(void)state;
	disc_init(&d, key0, &boot, true, NULL, t0, j);
	/* The first tick picks the bootstrap list at once. */
	todo = tick(&d, t0);
	assert_int_equal(todo, DISC_DO_SWAP);
	assert_string_equal(d.kernel, "198.51.100.1:3478");
	/* No fetch before the jitter... */
	assert_int_equal(tick(&d, t0 + j - 1) & DISC_DO_FETCH, 0);
	/* ...one at it, */
	assert_true(tick(&d, t0 + j) & DISC_DO_FETCH);
	/* none while it runs, even past its next time, */
	assert_int_equal(tick(&d, t0 + j + 61 * S) & DISC_DO_FETCH, 0);
	disc_fetched(&d, t0 + j + 61 * S, true, &got);
	/* and the next one 60 s after the previous started. */
	assert_true(tick(&d, t0 + j + 61 * S) & DISC_DO_FETCH);
	disc_fetched(&d, t0 + j + 61 * S, false, NULL);
	assert_int_equal(tick(&d, t0 + j + 121 * S - 1) & DISC_DO_FETCH, 0);
	assert_true(tick(&d, t0 + j + 121 * S) & DISC_DO_FETCH);
	assert_int_equal(d.fetch_ok, 1);
	assert_int_equal(d.fetch_failed, 1);

	/* A jitter out of range is no jitter; no registry, no fetch ever. */
	disc_init(&d, key0, &boot, true, NULL, t0, DISC_JITTER_NS);
	assert_true(tick(&d, t0) & DISC_DO_FETCH);
	disc_init(&d, key0, &boot, false, NULL, t0, 0);
	assert_int_equal(tick(&d, t0 + 3600 * S) & DISC_DO_FETCH, 0);
}

static void test_merge_filter(void **state)
{
	struct beacon_list boot = L("10.0.0.9:3478, 198.51.100.1:3478");
	struct beacon_list got = L("10.0.0.1:3478, 198.51.100.3:3478, "
				   "127.0.0.1:1, 198.51.100.1:3478, "
				   "beacon.example.net:3478, [fe80::1]:3478, "
				   "198.51.100.2:3478");
	struct disc d;

	(void)state;
	disc_init(&d, key0, &boot, true, NULL, 0, 0);
	assert_list(&d, "10.0.0.9:3478/bootstrap,198.51.100.1:3478/bootstrap");
	tick(&d, 0);
	disc_fetched(&d, 0, true, &got);
	/* Private, loopback, link-local dropped; bootstrap kept verbatim. */
	assert_list(&d, "10.0.0.9:3478/bootstrap,198.51.100.1:3478/bootstrap,"
		    "198.51.100.3:3478/discovered,"
		    "beacon.example.net:3478/discovered,"
		    "198.51.100.2:3478/discovered");
	/* A failed fetch keeps the list. */
	tick(&d, 60 * S);
	disc_fetched(&d, 60 * S, false, NULL);
	assert_int_equal(d.list.n, 5);
	/* An empty answer empties the discovered part. */
	tick(&d, 120 * S);
	got = L("");
	disc_fetched(&d, 120 * S, true, &got);
	assert_list(&d, "10.0.0.9:3478/bootstrap,198.51.100.1:3478/bootstrap");
}

/* No RTT answers at all (probes unanswered): the hash pick. */
static void test_swap_failover(void **state)
{
	const char *all = "198.51.100.1:3478, 198.51.100.2:3478, "
			  "198.51.100.3:3478, 198.51.100.4:3478";
	struct beacon_list none = L(""), got = L(all), less;
	char pick[BEACON_ADDR_MAX + 1], rest[256] = "";
	struct disc d;
	uint64_t t = 0;
	unsigned int todo, i, swaps;

	(void)state;
	disc_init(&d, key0, &none, true, NULL, 0, 0);
	/* Nothing to pick from yet. */
	assert_int_equal(tick(&d, t) & DISC_DO_SWAP, 0);
	assert_null(disc_pick_addr(&d));
	disc_fetched(&d, t, true, &got);
	/* The kernel has none: the hash pick at once. */
	todo = tick(&d, t);
	assert_true(todo & DISC_DO_SWAP);
	assert_true(todo & DISC_DO_PROBE);
	assert_true(todo & DISC_DO_SAVE);
	assert_string_equal(d.kernel, hash_pick(all));
	snprintf(pick, sizeof(pick), "%s", d.kernel);
	/* The round ends unanswered: still the hash pick, no swap. */
	assert_int_equal(tick(&d, t + 3 * S) & DISC_DO_SWAP, 0);
	assert_true(d.measured);
	/* The same list again and again: never a swap, saved each time. */
	swaps = d.swaps;
	for (i = 1; i <= 5; i++) {
		t = i * 60 * S;
		assert_true(tick(&d, t) & DISC_DO_FETCH);
		disc_fetched(&d, t, true, &got);
		todo = tick(&d, t);
		assert_int_equal(todo & DISC_DO_SWAP, 0);
		assert_true(todo & DISC_DO_SAVE);
		tick(&d, t + 3 * S);
	}
	assert_int_equal(d.swaps, swaps);
	/* The pick leaves the list: fail over to the hash pick of the rest. */
	for (i = 0; i < got.n; i++) {
		if (!strcmp(got.addr[i], pick))
			continue;
		if (*rest)
			strcat(rest, ", ");
		strcat(rest, got.addr[i]);
	}
	less = L(rest);
	t += 60 * S;
	tick(&d, t);
	disc_fetched(&d, t, true, &less);
	assert_true(tick(&d, t) & DISC_DO_SWAP);
	assert_string_equal(d.kernel, hash_pick(rest));
	assert_string_not_equal(d.kernel, pick);
	/* It comes back: rendezvous hashing moves this node back to it. */
	t += 60 * S;
	tick(&d, t);
	disc_fetched(&d, t, true, &got);
	tick(&d, t);
	tick(&d, t + 3 * S);
	assert_string_equal(d.kernel, pick);
}

static void test_rtt(void **state)
{
	const char *all = "198.51.100.1:3478, 198.51.100.2:3478, "
			  "198.51.100.3:3478";
	struct beacon_list boot = L(all);
	const char *h = hash_pick(all), *other, *third = NULL;
	struct disc d;
	unsigned int todo, i;

	(void)state;
	other = strcmp(h, "198.51.100.1:3478") ? "198.51.100.1:3478" :
						 "198.51.100.2:3478";
	for (i = 0; i < boot.n; i++)
		if (strcmp(boot.addr[i], h) && strcmp(boot.addr[i], other))
			third = boot.addr[i];
	assert_non_null(third);
	disc_init(&d, key0, &boot, false, NULL, 0, 0);
	todo = tick(&d, 0);
	assert_true(todo & DISC_DO_PROBE);
	assert_string_equal(d.kernel, h);
	/* Within 2x: the hash pick stays. */
	disc_probe_answer(&d, h, 20000);
	disc_probe_answer(&d, other, 10000);
	/* Answers to nothing in the list are ignored. */
	disc_probe_answer(&d, "203.0.113.1:1", 1);
	assert_int_equal(tick(&d, DISC_PROBE_WAIT_NS - 1) & DISC_DO_SWAP, 0);
	assert_int_equal(tick(&d, DISC_PROBE_WAIT_NS) & DISC_DO_SWAP, 0);
	assert_string_equal(d.kernel, h);
	assert_int_equal(d.why, BEACON_PICK_HASH);
	/* An answer after the round is not counted. */
	disc_probe_answer(&d, other, 1);
	assert_int_equal(d.rtt_us[beacon_list_find(&d.list, other)], 10000);
	/* The next round, 30 s later: more than 2x, the fastest. */
	assert_true(tick(&d, DISC_PROBE_NS) & DISC_DO_PROBE);
	disc_probe_answer(&d, h, 20001);
	disc_probe_answer(&d, other, 10000);
	disc_probe_answer(&d, other, 5);	/* a duplicate: the first counts */
	assert_true(tick(&d, DISC_PROBE_NS + DISC_PROBE_WAIT_NS) &
		    DISC_DO_SWAP);
	assert_string_equal(d.kernel, other);
	assert_int_equal(d.why, BEACON_PICK_SLOW);
	/* Then the picked beacon dies, the hash pick answers again. */
	assert_true(tick(&d, 2 * DISC_PROBE_NS) & DISC_DO_PROBE);
	disc_probe_answer(&d, h, 20000);
	tick(&d, 2 * DISC_PROBE_NS + DISC_PROBE_WAIT_NS);
	assert_string_equal(d.kernel, h);
	/* The hash pick dies: the fastest of those that answered. */
	assert_true(tick(&d, 3 * DISC_PROBE_NS) & DISC_DO_PROBE);
	disc_probe_answer(&d, third, 50000);
	disc_probe_answer(&d, other, 40000);
	tick(&d, 3 * DISC_PROBE_NS + DISC_PROBE_WAIT_NS);
	assert_string_equal(d.kernel, other);
	assert_int_equal(d.why, BEACON_PICK_UNMEASURED);
	/* Nobody answers: the hash pick. */
	tick(&d, 4 * DISC_PROBE_NS);
	tick(&d, 4 * DISC_PROBE_NS + DISC_PROBE_WAIT_NS);
	assert_string_equal(d.kernel, h);
	assert_int_equal(d.why, BEACON_PICK_HASH);
	/* Under a millisecond, 3x is noise: both count as 1 ms. */
	assert_true(tick(&d, 5 * DISC_PROBE_NS) & DISC_DO_PROBE);
	disc_probe_answer(&d, h, 300);
	disc_probe_answer(&d, other, 100);
	tick(&d, 5 * DISC_PROBE_NS + DISC_PROBE_WAIT_NS);
	assert_string_equal(d.kernel, h);
	assert_int_equal(d.rtt_us[beacon_list_find(&d.list, other)],
			 DISC_RTT_FLOOR_US);
}

/*
 * A list that grows while the kernel's beacon stays in it is measured
 * before it is picked from: one swap, not two.
 */
static void test_new_list_measured_first(void **state)
{
	struct beacon_list boot = L("198.51.100.1:3478"), got;
	const char *newb = "198.51.100.77:3478";
	struct disc d;
	unsigned int todo;

	(void)state;
	disc_init(&d, key0, &boot, true, NULL, 0, 0);
	tick(&d, 0);
	assert_string_equal(d.kernel, "198.51.100.1:3478");
	got = L(newb);
	disc_fetched(&d, 0, true, &got);
	todo = tick(&d, 0);
	assert_true(todo & DISC_DO_PROBE);
	assert_int_equal(todo & DISC_DO_SWAP, 0);
	/* The new one is much faster. */
	disc_probe_answer(&d, newb, 1000);
	disc_probe_answer(&d, "198.51.100.1:3478", 50000);
	assert_true(tick(&d, DISC_PROBE_WAIT_NS) & DISC_DO_SWAP);
	assert_string_equal(d.kernel, newb);
	assert_int_equal(d.swaps, 2);
}

static void test_cache(void **state)
{
	struct beacon_list boot = L("198.51.100.1:3478");
	struct beacon_list cache = L("198.51.100.1:3478, 198.51.100.5:3478");
	struct beacon_list got = L("198.51.100.6:3478");
	struct disc d;
	unsigned int todo;

	(void)state;
	/* Not used before a fetch failed, */
	disc_init(&d, key0, &boot, true, &cache, 0, 5 * S);
	todo = tick(&d, 0);
	assert_int_equal(todo & DISC_DO_SAVE, 0);
	assert_list(&d, "198.51.100.1:3478/bootstrap");
	/* used when the first one does, */
	assert_true(tick(&d, 5 * S) & DISC_DO_FETCH);
	disc_fetched(&d, 5 * S, false, NULL);
	todo = tick(&d, 5 * S);
	assert_int_equal(todo & DISC_DO_SAVE, 0);
	assert_list(&d, "198.51.100.1:3478/bootstrap,"
		    "198.51.100.5:3478/cache");
	/* kept through more failures, */
	tick(&d, 65 * S);
	disc_fetched(&d, 65 * S, false, NULL);
	assert_list(&d, "198.51.100.1:3478/bootstrap,"
		    "198.51.100.5:3478/cache");
	/* replaced by the first answer, which is saved, */
	tick(&d, 125 * S);
	disc_fetched(&d, 125 * S, true, &got);
	assert_true(tick(&d, 125 * S) & DISC_DO_SAVE);
	assert_list(&d, "198.51.100.1:3478/bootstrap,"
		    "198.51.100.6:3478/discovered");
	/* and never used again. */
	tick(&d, 185 * S);
	disc_fetched(&d, 185 * S, false, NULL);
	assert_int_equal(tick(&d, 185 * S) & DISC_DO_SAVE, 0);
	assert_list(&d, "198.51.100.1:3478/bootstrap,"
		    "198.51.100.6:3478/discovered");

	/* No bootstrap list: a cold start gets its beacon from the cache. */
	boot = L("");
	cache = L("198.51.100.5:3478");
	disc_init(&d, key0, &boot, true, &cache, 0, 0);
	assert_true(tick(&d, 0) & DISC_DO_FETCH);
	assert_null(disc_pick_addr(&d));
	disc_fetched(&d, 3 * S, false, NULL);
	assert_true(tick(&d, 3 * S) & DISC_DO_SWAP);
	assert_string_equal(d.kernel, "198.51.100.5:3478");
	/* Without a registry the cache is never used. */
	disc_init(&d, key0, &boot, false, &cache, 0, 0);
	tick(&d, 0);
	assert_int_equal(d.list.n, 0);
}

static void test_reload(void **state)
{
	struct beacon_list boot = L("198.51.100.1:3478, 198.51.100.2:3478");
	struct beacon_list got = L("198.51.100.3:3478");
	struct disc d;
	const char *k;

	(void)state;
	disc_init(&d, key0, &boot, true, NULL, 0, 0);
	tick(&d, 0);
	disc_fetched(&d, 0, true, &got);
	tick(&d, 0);
	tick(&d, 3 * S);
	k = d.kernel;
	/* The bootstrap list changes: merged again, discovered kept. */
	boot = L("198.51.100.9:3478");
	disc_set_bootstrap(&d, &boot);
	assert_list(&d, "198.51.100.9:3478/bootstrap,"
		    "198.51.100.3:3478/discovered");
	tick(&d, 4 * S);
	assert_int_not_equal(beacon_list_find(&d.list, k), -1);
	assert_string_equal(disc_origin_name(DISC_CACHE), "cache");
	assert_string_equal(disc_why_name(BEACON_PICK_SLOW), "rtt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_merge_filter),
		cmocka_unit_test(test_swap_failover),
		cmocka_unit_test(test_rtt),
		cmocka_unit_test(test_new_list_measured_first),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
