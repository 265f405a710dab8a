// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the roaming rules (../roam.c), built in userspace through
 * kshim.h: each rule on its own, then a simulation of a peer that roams
 * while an attacker replays captured packets from third addresses, checked
 * against what must hold: the endpoint moves only to an address that
 * answered the latest probe with its nonce.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "roam.h"

#define IVL	1000	/* probe interval, ms */

/* A NAT rebinding: the first newer packet from the new address is probed
 * at once, and the answer from there moves the endpoint.
 */
static void rebind_moves_after_the_answer(void **state)
{
	struct ovl_roam r = {};

	(void)state;
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 7, 5000, IVL),
			 OVL_ROAM_RECORD | OVL_ROAM_PROBE);
	assert_true(r.pending);
	assert_int_equal(r.nonce, 7);
	/* More packets from the candidate within the interval: no new probe. */
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_CANDIDATE, true, 8, 5001, IVL), 0);
	assert_true(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 7));
	assert_false(r.pending);
	/* Once only. */
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 7));
}

/* The answer must come from the candidate, with the latest nonce. */
static void only_the_candidate_with_the_nonce(void **state)
{
	struct ovl_roam r = {};

	(void)state;
	ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 11, 100, IVL);
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_OTHER, 11));
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_ENDPOINT, 11));
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 12));
	/* A new probe of the same candidate obsoletes the old nonce. */
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_CANDIDATE, true, 13, 100 + IVL, IVL),
			 OVL_ROAM_PROBE);
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 11));
	assert_true(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 13));
}

/* A packet that is fresh but not the newest (reordered, or a replay of an
 * older capture still inside the window) proposes nothing.
 */
static void older_packets_propose_nothing(void **state)
{
	struct ovl_roam r = {};

	(void)state;
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, false, 1, 100, IVL), 0);
	assert_false(r.pending);
	assert_false(r.probed);
	ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 2, 100, IVL);
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_ENDPOINT, false, 3, 200, IVL), 0);
	assert_true(r.pending);		/* an older one from the endpoint neither */
	assert_true(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 2));
}

/* A newer packet from the endpoint: the peer is still there. */
static void newer_from_endpoint_drops_the_candidate(void **state)
{
	struct ovl_roam r = {};

	(void)state;
	ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 5, 100, IVL);
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_ENDPOINT, true, 6, 101, IVL), 0);
	assert_false(r.pending);
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 5));
}

/* Probes are rate limited per peer, whichever the candidate; a candidate
 * recorded while the limit holds is probed on its next newer packet.
 */
static void probes_are_rate_limited(void **state)
{
	struct ovl_roam r = {};

	(void)state;
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 1, 1000, IVL),
			 OVL_ROAM_RECORD | OVL_ROAM_PROBE);
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 2, 1500, IVL),
			 OVL_ROAM_RECORD);
	/* The first candidate's answer, from what is now a third address. */
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_OTHER, 1));
	/* The second candidate was never probed: the old nonce is no proof. */
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 1));
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_CANDIDATE, true, 3, 1999, IVL), 0);
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_CANDIDATE, true, 4, 2000, IVL),
			 OVL_ROAM_PROBE);
	assert_true(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 4));
	/* A confirmed move lifts the limit: the next roam is probed at once. */
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 5, 2001, IVL),
			 OVL_ROAM_RECORD | OVL_ROAM_PROBE);
}

static void reset_forgets(void **state)
{
	struct ovl_roam r = {};

	(void)state;
	ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 9, 100, IVL);
	ovl_roam_reset(&r);
	assert_false(ovl_roam_reply(&r, OVL_ROAM_FROM_CANDIDATE, 9));
	assert_int_equal(ovl_roam_rx(&r, OVL_ROAM_FROM_OTHER, true, 10, 101, IVL),
			 OVL_ROAM_RECORD | OVL_ROAM_PROBE);
}

/*
 * Simulation.  Addresses are small integers: 0 is where the peer starts,
 * 1 where it rebinds to, 2..5 an attacker's.  Every 10 ms something
 * happens, chosen by a fixed-seed generator: the peer sends a packet (the
 * newest) from where it is, the attacker replays a captured packet (the
 * newest, if it captured it before delivery, or an older one) from one of
 * its addresses, or answers a probe it saw with a guessed nonce.  The
 * peer answers every probe sent to where it is.  What must hold: the
 * endpoint is never an attacker's address, and after the peer rebinds the
 * endpoint follows within the probe interval of its next packets.
 */
struct sim {
	struct ovl_roam r;
	int endpoint, candidate, peer_at;
	u64 now;
	unsigned long long rng;
};

static unsigned int sim_rand(struct sim *s, unsigned int n)
{
	s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)(s->rng >> 33) % n;
}

static enum ovl_roam_from sim_from(const struct sim *s, int addr)
{
	if (addr == s->endpoint)
		return OVL_ROAM_FROM_ENDPOINT;
	if (s->r.pending && addr == s->candidate)
		return OVL_ROAM_FROM_CANDIDATE;
	return OVL_ROAM_FROM_OTHER;
}

static void sim_rx(struct sim *s, int addr, bool newest)
{
	u64 nonce = ((u64)sim_rand(s, 1u << 30) << 32) | sim_rand(s, 1u << 30);
	unsigned int act = ovl_roam_rx(&s->r, sim_from(s, addr), newest, nonce,
				       s->now, IVL);

	if (act & OVL_ROAM_RECORD)
		s->candidate = addr;
	/* The probe reaches the candidate; only the peer can answer it. */
	if ((act & OVL_ROAM_PROBE) && s->candidate == s->peer_at &&
	    ovl_roam_reply(&s->r, sim_from(s, s->peer_at), s->r.nonce))
		s->endpoint = s->peer_at;
}

static void sim_attack_and_rebind(void **state)
{
	struct sim s = { .endpoint = 0, .peer_at = 0, .now = 1000, .rng = 42 };
	u64 rebind_at = 0, moved_at = 0;
	int step;

	(void)state;
	for (step = 0; step < 200000; step++, s.now += 10) {
		switch (sim_rand(&s, 4)) {
		case 0:
			sim_rx(&s, s.peer_at, true);
			break;
		case 1:		/* replay of a capture the peer's copy lost to */
		case 2:		/* replay of an older capture */
			sim_rx(&s, 2 + sim_rand(&s, 4), sim_rand(&s, 4) == 1);
			break;
		case 3:		/* a guessed answer from a third address */
			if (ovl_roam_reply(&s.r, sim_from(&s, 2 + sim_rand(&s, 4)),
					   sim_rand(&s, 1000)))
				s.endpoint = -1;
			break;
		}
		assert_true(s.endpoint == 0 || s.endpoint == 1);
		if (step == 100000) {
			s.peer_at = 1;
			rebind_at = s.now;
		}
		if (rebind_at && !moved_at && s.endpoint == 1)
			moved_at = s.now;
	}
	assert_int_not_equal(moved_at, 0);
	/* The peer sends every 40 ms on average; allow for a rate-limited
	 * probe spent on an attacker's candidate just before.
	 */
	assert_true(moved_at - rebind_at <= IVL + 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rebind_moves_after_the_answer),
		cmocka_unit_test(only_the_candidate_with_the_nonce),
		cmocka_unit_test(older_packets_propose_nothing),
		cmocka_unit_test(newer_from_endpoint_drops_the_candidate),
		cmocka_unit_test(probes_are_rate_limited),
		cmocka_unit_test(reset_forgets),
		cmocka_unit_test(sim_attack_and_rebind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
