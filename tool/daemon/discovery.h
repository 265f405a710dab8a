/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Beacon discovery (issue 10, items 4-6): the daemon's schedule of
 * registry fetches and RTT probe rounds, and which beacon its kernel gets.
 * Pure: no I/O, no clock, no randomness.  The daemon (daemon.c) gives it
 * "now" (monotonic nanoseconds), the results of fetches and probes, and
 * does what disc_tick() says; tool/tests/test_discovery.c drives it with
 * a fake clock.
 *
 * The list is the bootstrap list (the config's, kept verbatim), then the
 * discovered one (the registry's, filtered, beacon_filter()), merged by
 * beacon_merge().  Before the first successful fetch, and only once one
 * failed (a cold start with no registry answering), the cached list of
 * beacons.json stands in for the discovered one.  A failed fetch keeps
 * the current list.  The pick is beacon_pick() over the list with the
 * RTTs of the last probe round; the kernel's beacon is swapped only when
 * the pick changes (so also when the picked beacon leaves the list).
 *
 * Times: the first fetch at now + jitter (the caller draws it in
 * [0, DISC_JITTER_NS)), then every DISC_FETCH_NS; a probe round whenever
 * the list changed and every DISC_PROBE_NS, its answers counted for
 * DISC_PROBE_WAIT_NS.
 */
#ifndef _OVL_DISCOVERY_H
#define _OVL_DISCOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "beacons.h"

#define DISC_NS_PER_SEC		1000000000ULL
#define DISC_FETCH_NS		(60 * DISC_NS_PER_SEC)
#define DISC_JITTER_NS		(10 * DISC_NS_PER_SEC)
#define DISC_PROBE_NS		(30 * DISC_NS_PER_SEC)
#define DISC_PROBE_WAIT_NS	(2 * DISC_NS_PER_SEC)
/*
 * RTTs below 1 ms count as 1 ms: below that the differences are noise
 * (two beacons on one LAN answer in 0.1 and 0.3 ms by turns), and the 2x
 * rule would move the node between them at every probe round.
 */
#define DISC_RTT_FLOOR_US	1000

/* Where an entry of the list came from. */
enum disc_origin {
	DISC_BOOTSTRAP,		/* the config's beacons = */
	DISC_DISCOVERED,	/* the registry's list, last successful fetch */
	DISC_CACHE,		/* beacons.json, at a cold start */
};

/* What disc_tick() asks the caller to do (bits). */
#define DISC_DO_FETCH	0x01	/* start a fetch; disc_fetched() when done */
#define DISC_DO_PROBE	0x02	/* send a probe to every entry of the list */
#define DISC_DO_SWAP	0x04	/* give the kernel disc_pick_addr() */
#define DISC_DO_SAVE	0x08	/* write the list to beacons.json */

/**
 * struct disc - the state
 * @key: this node's public key
 * @registry: a registry is configured (otherwise no fetch, no cache)
 * @boot: the bootstrap list
 * @found: the discovered list (or the cached one while @from_cache)
 * @from_cache: @found is beacons.json's
 * @cache: beacons.json's list, given at start, used once a fetch failed
 *	before any succeeded
 * @fetched: a fetch succeeded since start
 * @list: the merged list; @origin and @rtt_us parallel to it
 * @rtt_us: of the last probe round, BEACON_RTT_NONE: no answer
 * @measured: a probe round completed for the current @list
 * @round_rtt: the answers of the round in progress
 * @probing: a round is in progress, until @probe_end
 * @fetching: a fetch is in progress
 * @pick: index in @list of the pick, -1 if @list is empty
 * @why: why that pick
 * @kernel: the address the kernel was given last ("" none)
 * @next_fetch, @next_probe, @probe_end: monotonic ns
 * @dirty: the list changed since the last pick
 * @save: the list is to be written to beacons.json
 * @fetch_ok, @fetch_failed, @swaps: counters
 */
struct disc {
	uint8_t key[BEACON_KEY_LEN];
	bool registry;
	struct beacon_list boot, found, cache;
	bool from_cache, fetched;
	struct beacon_list list;
	uint8_t origin[BEACON_MAX];
	int64_t rtt_us[BEACON_MAX];
	bool measured;
	int64_t round_rtt[BEACON_MAX];
	bool probing, fetching;
	int pick;
	enum beacon_why why;
	char kernel[BEACON_ADDR_MAX + 1];
	uint64_t next_fetch, next_probe, probe_end;
	bool dirty, save;
	unsigned long fetch_ok, fetch_failed, swaps;
};

/*
 * Start: @boot the bootstrap list, @registry whether a registry is
 * configured, @cache beacons.json's list (NULL or empty: none), @now and
 * @jitter (in [0, DISC_JITTER_NS)) place the first fetch.  The first
 * disc_tick() makes the first pick (of @boot: the cache waits for a
 * failed fetch).
 */
void disc_init(struct disc *d, const uint8_t *key,
	       const struct beacon_list *boot, bool registry,
	       const struct beacon_list *cache, uint64_t now, uint64_t jitter);

/* A new bootstrap list (config reload). */
void disc_set_bootstrap(struct disc *d, const struct beacon_list *boot);

/*
 * Advance to @now: returns DISC_DO_* bits.  DISC_DO_FETCH: a fetch is
 * due (call disc_fetched() when it ends); DISC_DO_PROBE: a probe round
 * starts (report answers with disc_probe_answer() until it ends, a later
 * tick); DISC_DO_SWAP: give the kernel disc_pick_addr() and call
 * disc_swapped(); DISC_DO_SAVE: write the list to beacons.json.
 */
unsigned int disc_tick(struct disc *d, uint64_t now);

/*
 * A fetch ended: @ok with the registry's list @got (unfiltered), or
 * failed (@got ignored: the current list stays).
 */
void disc_fetched(struct disc *d, uint64_t now, bool ok,
		  const struct beacon_list *got);

/*
 * Entry @addr answered the current probe round after @rtt_us (counted as
 * at least DISC_RTT_FLOOR_US).
 */
void disc_probe_answer(struct disc *d, const char *addr, int64_t rtt_us);

/* The pick's address, or NULL if the list is empty. */
const char *disc_pick_addr(const struct disc *d);

/*
 * The kernel now has @addr (or the swap failed: @addr NULL, and the next
 * tick asks again).
 */
void disc_swapped(struct disc *d, const char *addr);

const char *disc_origin_name(enum disc_origin o);
const char *disc_why_name(enum beacon_why w);

#endif /* _OVL_DISCOVERY_H */
