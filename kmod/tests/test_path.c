// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the direct/relay heuristics (../path.c), built in userspace
 * through kshim.h: each rule on its own, then two simulated peers that
 * send to each other (or one to the other) every 100 ms over links that
 * can be cut one way or both, with or without a working beacon, answering
 * data with passive keepalives.  The simulations check what a user would
 * see: failover and recovery within the thresholds, no flapping under a
 * one-way blackhole or one-way traffic, and forged ICMP errors changing
 * nothing.
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
	assert_int_equal(ovl_path_tx(&p, &cfg, t, true), OVL_PATH_STAY);
	/* Many sends within the threshold: no miss at all. */
	for (t = 1000; t <= 9000; t += 100) {
		assert_int_equal(ovl_path_tx(&p, &cfg, t, true), OVL_PATH_STAY);
		assert_false(ovl_path_tx_silent(&p, &cfg, t, true));
	}
	assert_int_equal(p.misses, 0);
	assert_true(ovl_path_tx_silent(&p, &cfg, 9001, true));
	assert_int_equal(ovl_path_tx(&p, &cfg, 9001, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, 9002, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, 9003, true), OVL_PATH_TO_RELAY);
}

/* A direct receipt resets the misses and restarts the clock. */
static void direct_rx_resets_misses(void **state)
{
	struct ovl_path_state p;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	ovl_path_tx(&p, &cfg, 1000, true);
	ovl_path_tx(&p, &cfg, 9500, true);
	ovl_path_tx(&p, &cfg, 9600, true);
	assert_int_equal(p.misses, 2);
	ovl_path_direct_rx(&p, 9700);
	assert_int_equal(p.misses, 0);
	assert_false(ovl_path_tx_silent(&p, &cfg, 9800, true));
	assert_int_equal(ovl_path_tx(&p, &cfg, 9800, true), OVL_PATH_STAY);
	/* An idle peer that answered our last send is not silent. */
	ovl_path_direct_rx(&p, 9900);
	assert_int_equal(ovl_path_tx(&p, &cfg, 60000, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, 60100, true), OVL_PATH_STAY);
	assert_int_equal(p.misses, 0);
}

/*
 * ICMP unreachable counts only while the direct path is overdue (we sent
 * and heard nothing for more than twice the passive keepalive interval),
 * and only in a row.
 */
static void unreachable_counts_only_when_overdue(void **state)
{
	struct ovl_path_state p;
	u64 t;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	/* Nothing sent yet: nothing can be overdue. */
	for (t = 0; t < 100000; t += 1000)
		assert_int_equal(ovl_path_unreachable(&p, &cfg, t, true),
				 OVL_PATH_STAY);
	assert_int_equal(p.send_errs, 0);
	ovl_path_direct_rx(&p, 100000);
	ovl_path_tx(&p, &cfg, 100500, true);
	/* Silent since 100500; overdue only past 2 * 2000 ms. */
	assert_false(ovl_path_overdue(&p, &cfg, 104500));
	assert_int_equal(ovl_path_unreachable(&p, &cfg, 104500, true),
			 OVL_PATH_STAY);
	assert_int_equal(p.send_errs, 0);
	assert_true(ovl_path_overdue(&p, &cfg, 104501));
	assert_int_equal(ovl_path_unreachable(&p, &cfg, 104501, true),
			 OVL_PATH_STAY);
	assert_int_equal(ovl_path_unreachable(&p, &cfg, 104502, true),
			 OVL_PATH_STAY);
	assert_int_equal(p.send_errs, 2);
	/* An answer: the count starts again, and so does the silence. */
	ovl_path_direct_rx(&p, 104600);
	assert_int_equal(p.send_errs, 0);
	assert_int_equal(ovl_path_unreachable(&p, &cfg, 200000, true),
			 OVL_PATH_STAY);
	ovl_path_tx(&p, &cfg, 200000, true);
	assert_int_equal(ovl_path_unreachable(&p, &cfg, 204001, true),
			 OVL_PATH_STAY);
	assert_int_equal(ovl_path_unreachable(&p, &cfg, 204002, true),
			 OVL_PATH_STAY);
	/* Well before the blackhole rule would flip (8000 ms and 3 sends). */
	assert_int_equal(ovl_path_unreachable(&p, &cfg, 204003, true),
			 OVL_PATH_TO_RELAY);
}

/* A shorter blackhole threshold shortens both intervals. */
static void keepalive_interval_follows_blackhole(void **state)
{
	struct ovl_path_cfg c = cfg;
	struct ovl_path_state p;

	(void)state;
	assert_int_equal(ovl_path_keepalive_ms(&cfg), 2000);
	c.blackhole_ms = 60000;
	assert_int_equal(ovl_path_keepalive_ms(&c), 2000);
	c.blackhole_ms = 4000;
	assert_int_equal(ovl_path_keepalive_ms(&c), 1000);
	c.blackhole_ms = 100;
	assert_int_equal(ovl_path_keepalive_ms(&c), 25);

	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	ovl_path_tx(&p, &c, 1000, true);
	assert_false(ovl_path_overdue(&p, &c, 1050));
	assert_true(ovl_path_overdue(&p, &c, 1051));
}

/*
 * Data answered with a passive keepalive when nothing went straight to
 * the peer for an interval; the keepalive counts as sent, and so does any
 * direct send.
 */
static void passive_keepalive_at_most_once_an_interval(void **state)
{
	struct ovl_path_state p;
	u64 t;
	int n = 0;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	assert_true(ovl_path_keepalive_due(&p, &cfg, 5000));
	for (t = 5001; t < 15000; t += 10)
		n += ovl_path_keepalive_due(&p, &cfg, t);
	/* At 7001, 9001, 11001, 13001: each 2000 after the last. */
	assert_int_equal(n, 4);
	/* Our own direct sends keep it quiet. */
	for (t = 15000; t < 30000; t += 500) {
		ovl_path_direct_tx(&p, t);
		assert_false(ovl_path_keepalive_due(&p, &cfg, t + 100));
	}
	assert_true(ovl_path_keepalive_due(&p, &cfg, 29500 + 2000));
}

/* Without a beacon, no rule flips a peer to relay: it stays direct. */
static void no_beacon_never_flips(void **state)
{
	struct ovl_path_state p;
	u64 t;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	for (t = 1000; t < 300000; t += 100) {
		assert_false(ovl_path_tx_silent(&p, &cfg, t, false));
		assert_int_equal(ovl_path_tx(&p, &cfg, t, false), OVL_PATH_STAY);
		assert_int_equal(ovl_path_unreachable(&p, &cfg, t, false),
				 OVL_PATH_STAY);
	}
	assert_int_equal(p.misses, 0);
	assert_int_equal(p.send_errs, 0);
	assert_true(ovl_path_overdue(&p, &cfg, t));
	/* A beacon appears: the silence measured meanwhile counts at once. */
	assert_true(ovl_path_tx_silent(&p, &cfg, t, true));
	assert_int_equal(ovl_path_tx(&p, &cfg, t, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, t + 1, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, t + 2, true), OVL_PATH_TO_RELAY);
}

/*
 * The beacon is removed while the peer is relayed: unpinned, it goes back
 * to direct (its relayed packets would be dropped); pinned, or direct
 * already, or never relaying, nothing changes.
 */
static void beacon_removed_unrelays(void **state)
{
	struct ovl_path_state p;
	u64 t = 1000;

	(void)state;
	ovl_path_init(&p, OVL_RELAY_MODE_ON);
	assert_int_equal(ovl_path_no_beacon(&p), OVL_PATH_STAY);
	/* Relayed by the blackhole rule, with a probe out. */
	assert_int_equal(ovl_path_tx(&p, &cfg, t, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, t + 9000, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, t + 9001, true), OVL_PATH_STAY);
	assert_int_equal(ovl_path_tx(&p, &cfg, t + 9002, true),
			 OVL_PATH_TO_RELAY);
	ovl_path_set(&p, OVL_PATH_RELAY);
	ovl_path_probe_sent(&p, 42, t + 10000);
	/* No probe answered and none ever will be: still back to direct. */
	assert_int_equal(ovl_path_no_beacon(&p), OVL_PATH_TO_DIRECT);
	ovl_path_set(&p, OVL_PATH_DIRECT);
	assert_int_equal(ovl_path_no_beacon(&p), OVL_PATH_STAY);
	/* Once direct without a beacon, it stays direct. */
	for (t = 11000; t < 60000; t += 100)
		assert_int_equal(ovl_path_tx(&p, &cfg, t, false), OVL_PATH_STAY);

	/* Pinned: relayed it stays, as configured. */
	ovl_path_init(&p, OVL_RELAY_MODE_PINNED);
	assert_int_equal(p.path, OVL_PATH_RELAY);
	assert_int_equal(ovl_path_no_beacon(&p), OVL_PATH_STAY);
	/* Off: never relayed. */
	ovl_path_init(&p, OVL_RELAY_MODE_OFF);
	assert_int_equal(ovl_path_no_beacon(&p), OVL_PATH_STAY);
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
		assert_int_equal(ovl_path_tx(&p, &cfg, 100000 * i, true), OVL_PATH_STAY);
		assert_int_equal(ovl_path_unreachable(&p, &cfg, 100000 * i, true),
				 OVL_PATH_STAY);
		assert_int_equal(ovl_path_relay_rx(&p, &cfg, 100000 * i),
				 OVL_PATH_STAY);
	}
	assert_false(ovl_path_tx_silent(&p, &cfg, 1000000, true));

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
	bool sends[2];		/* sends[i]: i has data for the other */
	bool beacon;		/* both have a beacon, which always works */
	bool passive;		/* data is answered with passive keepalives */
	int flips[2];
	int keepalives[2];
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

/*
 * Node i sends one data packet to the other (if it has data), then maybe
 * a probe.  Data that arrives straight may be answered straight with a
 * passive keepalive, as the kernel's receive path does.
 */
static void sim_send(struct sim *s, int i)
{
	int j = !i;

	if (!s->sends[i])
		goto probe;
	if (s->p[i].path == OVL_PATH_DIRECT &&
	    ovl_path_tx_silent(&s->p[i], &cfg, s->now, s->beacon))
		sim_flip(s, i, ovl_path_tx(&s->p[i], &cfg, s->now, s->beacon));
	if (s->p[i].path == OVL_PATH_DIRECT) {
		ovl_path_direct_tx(&s->p[i], s->now);
		if (s->up[i]) {
			ovl_path_direct_rx(&s->p[j], s->now);
			if (s->passive &&
			    ovl_path_keepalive_due(&s->p[j], &cfg, s->now)) {
				s->keepalives[j]++;
				if (s->up[j])
					ovl_path_direct_rx(&s->p[i], s->now);
			}
		}
	} else if (s->beacon) {
		sim_flip(s, j, ovl_path_relay_rx(&s->p[j], &cfg, s->now));
	}

probe:
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
	s->sends[0] = s->sends[1] = true;
	s->beacon = s->passive = true;
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

/*
 * A sends, B only receives, for 60 s: B's passive keepalives keep A
 * direct, with a beacon and without.  Without them A would flap.
 */
static void sim_one_way_traffic_does_not_flap(void **state)
{
	struct sim s;
	int beacon;

	(void)state;
	for (beacon = 0; beacon < 2; beacon++) {
		sim_init(&s);
		s.beacon = beacon;
		s.sends[1] = false;
		sim_run(&s, 60000);
		assert_int_equal(s.flips[0] + s.flips[1], 0);
		assert_int_equal(s.p[0].path, OVL_PATH_DIRECT);
		/* One keepalive every interval, not one per packet. */
		assert_in_range(s.keepalives[1], 60000 / 2000 - 1, 60000 / 2000 + 1);
		assert_int_equal(s.keepalives[0], 0);
	}

	/* The flapping this prevents: no passive keepalives. */
	sim_init(&s);
	s.passive = false;
	s.sends[1] = false;
	sim_run(&s, 60000);
	assert_true(s.flips[0] >= 4);
}

/*
 * A forger on the path sends A an ICMP unreachable quoting A's datagrams
 * to B every 10 ms, for a minute: B is alive, so none of them counts.
 * Without a beacon not even a dead path flips.
 */
static void sim_forged_unreachable_changes_nothing(void **state)
{
	struct sim s;
	int beacon, k;

	(void)state;
	for (beacon = 0; beacon < 2; beacon++) {
		sim_init(&s);
		s.beacon = beacon;
		s.sends[1] = false;	/* B only answers with keepalives */
		for (k = 0; k < 600; k++) {
			sim_run(&s, 100);
			for (int f = 0; f < 10; f++)
				sim_flip(&s, 0, ovl_path_unreachable(&s.p[0], &cfg,
								     s.now + f * 10,
								     s.beacon));
		}
		assert_int_equal(s.flips[0] + s.flips[1], 0);
		assert_int_equal(s.p[0].send_errs, 0);
	}

	/* No beacon, and the path really dies, with genuine ICMP errors. */
	sim_init(&s);
	s.beacon = false;
	s.up[0] = s.up[1] = false;
	for (k = 0; k < 600; k++) {
		sim_run(&s, 100);
		sim_flip(&s, 0, ovl_path_unreachable(&s.p[0], &cfg, s.now, false));
	}
	assert_int_equal(s.flips[0] + s.flips[1], 0);

	/* With a beacon, a dead path and ICMP flip A well before 8 s. */
	sim_init(&s);
	s.up[0] = s.up[1] = false;
	for (k = 0; s.p[0].path == OVL_PATH_DIRECT; k++) {
		assert_true(k < 80);
		sim_run(&s, 100);
		sim_flip(&s, 0, ovl_path_unreachable(&s.p[0], &cfg, s.now, true));
	}
	print_message("dead path + ICMP: relay after %d ms\n", k * 100);
	assert_true(k * 100 <= 2 * 2000 + 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(defaults_are_the_reference_ones, setup),
		cmocka_unit_test_setup(blackhole_needs_silence_and_misses, setup),
		cmocka_unit_test_setup(direct_rx_resets_misses, setup),
		cmocka_unit_test_setup(unreachable_counts_only_when_overdue, setup),
		cmocka_unit_test_setup(keepalive_interval_follows_blackhole, setup),
		cmocka_unit_test_setup(passive_keepalive_at_most_once_an_interval,
				       setup),
		cmocka_unit_test_setup(no_beacon_never_flips, setup),
		cmocka_unit_test_setup(beacon_removed_unrelays, setup),
		cmocka_unit_test_setup(relay_rx_activates_only_when_direct_is_silent,
				       setup),
		cmocka_unit_test_setup(return_needs_consecutive_answers, setup),
		cmocka_unit_test_setup(pinned_and_off_never_flip, setup),
		cmocka_unit_test_setup(sim_cut_both_ways_then_heal, setup),
		cmocka_unit_test_setup(sim_one_way_blackhole_does_not_flap, setup),
		cmocka_unit_test_setup(sim_one_way_traffic_does_not_flap, setup),
		cmocka_unit_test_setup(sim_forged_unreachable_changes_nothing,
				       setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
