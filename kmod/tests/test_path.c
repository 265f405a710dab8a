// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the direct/relay heuristics (../path.c), built in userspace
 * through kshim.h: each rule on its own, then two simulated peers that
 * send to each other every 100 ms over links that can be cut one way or
 * both, with the beacon always working.  The simulations check what a user
 * would see: failover and recovery within the thresholds, and no flapping
 * under a one-way blackhole.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "path.h"

static struct ovl_path_cfg cfg;

static int setup(void **state)
{
	(void)state;
	ovl_path_cfg_init(&cfg);
	return 0;
}

static void defaults_are_the_reference_ones(void **state)
{
	(void)state;
	assert_int_equal(cfg.blackhole_ms, 8000);
	assert_int_equal(cfg.blackhole_misses, 3);
	assert_int_equal(cfg.direct_clears, 3);
	assert_int_equal(cfg.send_errors, 3);
	assert_int_equal(cfg.max_relay_peers, 4096);
}

/* Three sends after more than 8 s of silence flip; not two, not earlier. */
static void blackhole_needs_silence_and_misses(void **state)
{
	struct ovl_path_state p;
	u64 t = 1000;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	assert_int_equal(ovl_path_tx(&p, &cfg, t), OVL_PATH_STAY);
	/* Many sends within the threshold: no miss at all. */
	for (t = 1000; t <= 9000; t += 100) {
		assert_int_equal(ovl_path_tx(&p, &cfg, t), OVL_PATH_STAY);
		assert_false(ovl_path_tx_silent(&p, &cfg, t));
	}
	assert_int_equal(p.misses, 0);
	assert_true(ovl_path_tx_silent(&p, &cfg, 9001));
	assert_int_equal(ovl_path_tx(&p, &cfg, 9001), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, 9002), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, 9003), OVL_PATH_TO_RELAY);
}

/* A direct receipt resets the misses and restarts the clock. */
static void direct_rx_resets_misses(void **state)
{
	struct ovl_path_state p;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	ovl_path_tx(&p, &cfg, 1000);
	ovl_path_tx(&p, &cfg, 9500);
	ovl_path_tx(&p, &cfg, 9600);
	assert_int_equal(p.misses, 2);
	ovl_path_direct_rx(&p, 9700);
	assert_int_equal(p.misses, 0);
	assert_false(ovl_path_tx_silent(&p, &cfg, 9800));
	assert_int_equal(ovl_path_tx(&p, &cfg, 9800), OVL_PATH_STAY);
	/* An idle peer that answered our last send is not silent. */
	ovl_path_direct_rx(&p, 9900);
	assert_int_equal(ovl_path_tx(&p, &cfg, 60000), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, 60100), OVL_PATH_STAY);
	assert_int_equal(p.misses, 0);
}

static void unreachable_counts_only_in_a_row(void **state)
{
	struct ovl_path_state p;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	assert_int_equal(ovl_path_unreachable(&p, &cfg), OVL_PATH_STAY);
	assert_int_equal(ovl_path_unreachable(&p, &cfg), OVL_PATH_STAY);
	ovl_path_direct_rx(&p, 10);
	assert_int_equal(ovl_path_unreachable(&p, &cfg), OVL_PATH_STAY);
	assert_int_equal(ovl_path_unreachable(&p, &cfg), OVL_PATH_STAY);
	assert_int_equal(ovl_path_unreachable(&p, &cfg), OVL_PATH_TO_RELAY);
}

static void relay_rx_activates_only_when_direct_is_silent(void **state)
{
	struct ovl_path_state p;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	/* Never heard directly: the peer has no direct path to us. */
	assert_int_equal(ovl_path_relay_rx(&p, &cfg, 5), OVL_PATH_TO_RELAY);
	ovl_path_direct_rx(&p, 100);
	assert_int_equal(ovl_path_relay_rx(&p, &cfg, 8100), OVL_PATH_STAY);
	assert_int_equal(ovl_path_relay_rx(&p, &cfg, 8101), OVL_PATH_TO_RELAY);
	ovl_path_set(&p, OVL_PATH_RELAY);
	assert_int_equal(ovl_path_relay_rx(&p, &cfg, 9000), OVL_PATH_STAY);
}

/* Only answers to our own latest probe count, and only in a row. */
static void return_needs_consecutive_answers(void **state)
{
	struct ovl_path_state p;
	u64 t = 100000;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	ovl_path_set(&p, OVL_PATH_RELAY);
	assert_true(ovl_path_probe_due(&p, &cfg, t));
	ovl_path_probe_sent(&p, 1, t);
	assert_false(ovl_path_probe_due(&p, &cfg, t + 999));
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 7, t + 1), OVL_PATH_STAY);
	assert_int_equal(p.clears, 0);
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 1, t + 1), OVL_PATH_STAY);
	/* The same answer again (a replay would not even get here). */
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 1, t + 2), OVL_PATH_STAY);
	assert_int_equal(p.clears, 1);
	t += 1000;
	ovl_path_probe_sent(&p, 2, t);
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 2, t + 1), OVL_PATH_STAY);
	t += 1000;
	ovl_path_probe_sent(&p, 3, t);		/* lost */
	t += 1000;
	ovl_path_probe_sent(&p, 4, t);
	assert_int_equal(p.clears, 0);
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 4, t + 1), OVL_PATH_STAY);
	t += 1000;
	ovl_path_probe_sent(&p, 5, t);
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 5, t + 1), OVL_PATH_STAY);
	t += 1000;
	ovl_path_probe_sent(&p, 6, t);
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 6, t + 1),
			 OVL_PATH_TO_DIRECT);
}

static void pinned_and_off_never_flip(void **state)
{
	struct ovl_path_state p;
	int i;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_PINNED);
	assert_int_equal(p.path, OVL_PATH_RELAY);
	assert_false(ovl_path_probe_due(&p, &cfg, 1000000));
	ovl_path_probe_sent(&p, 1, 1);
	assert_int_equal(ovl_path_probe_reply(&p, &cfg, 1, 2), OVL_PATH_STAY);

	ovl_path_init(&p, OVL_RELAY_MODE_OFF);
	for (i = 0; i < 10; i++) {
		assert_int_equal(ovl_path_tx(&p, &cfg, 100000 * i), OVL_PATH_STAY);
		assert_int_equal(ovl_path_unreachable(&p, &cfg), OVL_PATH_STAY);
		assert_int_equal(ovl_path_relay_rx(&p, &cfg, 100000 * i),
				 OVL_PATH_STAY);
	}
	assert_false(ovl_path_tx_silent(&p, &cfg, 1000000));

	p.path = OVL_PATH_RELAY;
	assert_int_equal(ovl_path_for_mode(&p, OVL_RELAY_MODE_OFF), OVL_PATH_DIRECT);
	assert_int_equal(ovl_path_for_mode(&p, OVL_RELAY_MODE_ON), OVL_PATH_RELAY);
	p.path = OVL_PATH_DIRECT;
	assert_int_equal(ovl_path_for_mode(&p, OVL_RELAY_MODE_PINNED), OVL_PATH_RELAY);
}

/* Two simulated nodes; [0] is A, [1] is B. */
struct sim {
	struct ovl_path_state p[2];
	bool up[2];		/* up[i]: i's direct sends reach the other */
	int flips[2];
	u64 nonce;
	u64 now;
};

static void sim_flip(struct sim *s, int i, enum ovl_path_verdict v)
{
	if (v == OVL_PATH_STAY)
		return;
	ovl_path_set(&s->p[i], v == OVL_PATH_TO_RELAY ? OVL_PATH_RELAY :
						     OVL_PATH_DIRECT);
	s->flips[i]++;
}

/* Node i sends one data packet to the other, then maybe a probe. */
static void sim_send(struct sim *s, int i)
{
	int j = !i;

	if (s->p[i].path == OVL_PATH_DIRECT &&
	    ovl_path_tx_silent(&s->p[i], &cfg, s->now))
		sim_flip(s, i, ovl_path_tx(&s->p[i], &cfg, s->now));
	if (s->p[i].path == OVL_PATH_DIRECT) {
		if (s->up[i])
			ovl_path_direct_rx(&s->p[j], s->now);
	} else {
		sim_flip(s, j, ovl_path_relay_rx(&s->p[j], &cfg, s->now));
	}

	if (ovl_path_probe_due(&s->p[i], &cfg, s->now)) {
		u64 nonce = ++s->nonce;

		ovl_path_probe_sent(&s->p[i], nonce, s->now);
		/* The request changes nothing at j; j answers directly. */
		if (s->up[i] && s->up[j])
			sim_flip(s, i, ovl_path_probe_reply(&s->p[i], &cfg,
							    nonce, s->now));
	}
}

static void sim_run(struct sim *s, u64 ms)
{
	u64 end = s->now + ms;

	for (; s->now < end; s->now += 100) {
		sim_send(s, 0);
		sim_send(s, 1);
	}
}

/* Run until both nodes are on @path; returns how long that took. */
static u64 sim_until(struct sim *s, u8 path, u64 limit)
{
	u64 start = s->now;

	while (s->p[0].path != path || s->p[1].path != path) {
		assert_true(s->now - start < limit);
		sim_run(s, 100);
	}
	return s->now - start;
}

static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	ovl_path_init(&s->p[0], OVL_RELAY_MODE_ON);
	ovl_path_init(&s->p[1], OVL_RELAY_MODE_ON);
	s->up[0] = s->up[1] = true;
	s->now = 1000;
	sim_run(s, 5000);
	assert_int_equal(s->flips[0] + s->flips[1], 0);
}

static void sim_cut_both_ways_then_heal(void **state)
{
	struct sim s;
	u64 t;

	(void)state;
	sim_init(&s);
	s.up[0] = s.up[1] = false;
	t = sim_until(&s, OVL_PATH_RELAY, 30000);
	print_message("failover after %llu ms\n", (unsigned long long)t);
	assert_true(t > cfg.blackhole_ms && t <= cfg.blackhole_ms + 1000);
	sim_run(&s, 20000);
	assert_int_equal(s.flips[0], 1);
	assert_int_equal(s.flips[1], 1);

	s.up[0] = s.up[1] = true;
	t = sim_until(&s, OVL_PATH_DIRECT, 30000);
	print_message("recovery after %llu ms\n", (unsigned long long)t);
	assert_true(t <= (cfg.direct_clears + 1) * cfg.probe_interval_ms);
	sim_run(&s, 60000);
	assert_int_equal(s.flips[0], 2);
	assert_int_equal(s.flips[1], 2);
}

/* A's sends are lost, B's arrive: both settle on relay and stay there. */
static void sim_one_way_blackhole_does_not_flap(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s);
	s.up[0] = false;
	sim_until(&s, OVL_PATH_RELAY, 30000);
	sim_run(&s, 60000);
	assert_int_equal(s.p[0].path, OVL_PATH_RELAY);
	assert_int_equal(s.p[1].path, OVL_PATH_RELAY);
	assert_int_equal(s.flips[0], 1);
	assert_int_equal(s.flips[1], 1);

	/* The other direction, from scratch. */
	sim_init(&s);
	s.up[1] = false;
	sim_until(&s, OVL_PATH_RELAY, 30000);
	sim_run(&s, 60000);
	assert_int_equal(s.flips[0] + s.flips[1], 2);

	/* Healed: back to direct, once. */
	s.up[1] = true;
	sim_until(&s, OVL_PATH_DIRECT, 30000);
	sim_run(&s, 30000);
	assert_int_equal(s.flips[0] + s.flips[1], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(defaults_are_the_reference_ones, setup),
		cmocka_unit_test_setup(blackhole_needs_silence_and_misses, setup),
		cmocka_unit_test_setup(direct_rx_resets_misses, setup),
		cmocka_unit_test_setup(unreachable_counts_only_in_a_row, setup),
		cmocka_unit_test_setup(relay_rx_activates_only_when_direct_is_silent,
				       setup),
		cmocka_unit_test_setup(return_needs_consecutive_answers, setup),
		cmocka_unit_test_setup(pinned_and_off_never_flip, setup),
		cmocka_unit_test_setup(sim_cut_both_ways_then_heal, setup),
		cmocka_unit_test_setup(sim_one_way_blackhole_does_not_flap, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
