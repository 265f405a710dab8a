/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct or relay: the per-peer path heuristics (docs/protocol.md, "Path
 * selection").  Pure logic over millisecond timestamps, unit-tested in
 * userspace (tests/test_path.c); the kernel feeds it observations from the
 * transmit and receive paths and applies what it decides.
 *
 * - Direct to relay, "blackhole": a send counts a miss when nothing came
 *   straight from the peer for longer than blackhole_ms since the later of
 *   the last direct receipt and the first send after it; blackhole_misses
 *   misses in a row flip the peer.  Any direct receipt resets the count.
 * - Direct to relay, "unreachable": send_errors ICMP unreachable errors in a
 *   row, with no direct receipt in between, each received while the direct
 *   path is already overdue: we sent and heard nothing straight back for
 *   longer than twice the passive keepalive interval, the longest a live
 *   peer takes to answer.  An ICMP error is unauthenticated (anyone on the
 *   path can forge one), so it only corroborates a silence that the
 *   blackhole rule would act on anyway, a little later; on its own it
 *   flips nothing.
 * - Only a device with a beacon it can relay through (one it registered
 *   with: keys installed; the callers' @beacon) flips a peer to relay:
 *   without one, relay would blackhole its traffic, so the blackhole and
 *   unreachable rules count nothing and the peer stays direct.  For the
 *   same reason a peer that is relayed when the device loses its beacon
 *   (or the beacon's keys) goes back to direct at once (reason "config"),
 *   unless it is pinned: direct is the only way left that may work.
 * - Passive keepalive (WireGuard's): a peer that receives data straight
 *   from its peer and has sent it nothing straight for a keepalive
 *   interval (blackhole_ms / 4, at most OVL_PASSIVE_KEEPALIVE_MAX_MS)
 *   answers with an empty DATA message, straight back.  So the sender of
 *   one-way traffic hears from the receiver at least that often and its
 *   direct path never looks silent.  Keepalives are never answered.
 * - Direct to relay, "relay activation": an authenticated relayed packet
 *   arrives while the direct path is silent (never heard, or for longer
 *   than blackhole_ms).
 * - Relay to direct needs two-way proof: while relayed the peer is probed
 *   straight at its endpoint every probe_interval_ms, and only a direct
 *   answer to our latest probe counts as a clear; direct_clears answers in
 *   a row (no probe left unanswered in between) bring it back.  A probe
 *   *request* from the peer proves only the peer-to-us direction and
 *   counts for nothing, which is what keeps a one-way blackhole from
 *   flapping: the side whose sends are lost never gets an answer.
 * - OVL_RELAY_MODE_OFF never relays; OVL_RELAY_MODE_PINNED always relays;
 *   neither flips on its own.
 *
 * Locking: none inside; the caller serializes calls on one struct ovl_path_state
 * (the peer's path lock).  @path may be read locklessly with READ_ONCE().
 * The exceptions, called without the lock, touch only timestamps with
 * READ_ONCE()/WRITE_ONCE(), where any racing writer's time will do:
 * ovl_path_tx_silent() (senders), ovl_path_direct_tx() (senders) and
 * ovl_path_keepalive_due() (the peer's receive slot, one at a time).
 */
#ifndef _OVL_PATH_H
#define _OVL_PATH_H

#ifdef __KERNEL__
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/ovl.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include "tests/kshim.h"
#include "../include/uapi/linux/ovl.h"
#endif

/* Defaults of the device's thresholds (the reference routing manager's). */
#define OVL_DEF_BLACKHOLE_MS		8000
#define OVL_DEF_BLACKHOLE_MISSES	3
#define OVL_DEF_DIRECT_CLEARS		3
#define OVL_DEF_SEND_ERRORS		3
#define OVL_DEF_MAX_RELAY_PEERS		4096
#define OVL_DEF_PROBE_INTERVAL_MS	1000

/* The passive keepalive interval is blackhole_ms / 4, at most this. */
#define OVL_PASSIVE_KEEPALIVE_MAX_MS	2000

/**
 * struct ovl_path_cfg - a device's path thresholds (see enum ovl_a_dev)
 */
struct ovl_path_cfg {
	u32 blackhole_ms;
	u32 blackhole_misses;
	u32 direct_clears;
	u32 send_errors;
	u32 max_relay_peers;
	u32 probe_interval_ms;
};

/**
 * struct ovl_path_state - path state of one peer
 * @mode: &enum ovl_relay_mode
 * @path: &enum ovl_path, what the transmit path uses
 * @misses: consecutive sends that found the direct path silent
 * @clears: consecutive answered probes while relayed
 * @send_errs: consecutive ICMP unreachable errors
 * @probe_out: a probe was sent and not answered yet
 * @probe_nonce: the nonce of the latest probe
 * @last_probe: when the latest probe was sent
 * @first_tx: the first send since the last direct receipt; 0 if none
 * @last_direct_rx: the last direct receipt that counts; 0 if none
 * @last_direct_tx: the last DATA message (data or keepalive) sent straight
 *	to the peer; 0 if none.  Written locklessly by the senders.
 */
struct ovl_path_state {
	u8 mode;
	u8 path;
	u8 misses;
	u8 clears;
	u8 send_errs;
	bool probe_out;
	u64 probe_nonce;
	u64 last_probe;
	u64 first_tx;
	u64 last_direct_rx;
	u64 last_direct_tx;
};

/**
 * enum ovl_path_verdict - what an observation asks of the caller
 * @OVL_PATH_STAY: nothing changes
 * @OVL_PATH_TO_RELAY: flip to relay (if the relay cap allows), then call
 *	ovl_path_set()
 * @OVL_PATH_TO_DIRECT: flip back to direct, then call ovl_path_set()
 */
enum ovl_path_verdict {
	OVL_PATH_STAY,
	OVL_PATH_TO_RELAY,
	OVL_PATH_TO_DIRECT,
};

void ovl_path_cfg_init(struct ovl_path_cfg *cfg);
void ovl_path_init(struct ovl_path_state *p, u8 mode);
void ovl_path_set(struct ovl_path_state *p, u8 path);
u8 ovl_path_for_mode(const struct ovl_path_state *p, u8 mode);

bool ovl_path_tx_silent(struct ovl_path_state *p,
			const struct ovl_path_cfg *cfg, u64 now, bool beacon);
enum ovl_path_verdict ovl_path_tx(struct ovl_path_state *p,
				  const struct ovl_path_cfg *cfg, u64 now,
				  bool beacon);
void ovl_path_direct_rx(struct ovl_path_state *p, u64 now);
u32 ovl_path_keepalive_ms(const struct ovl_path_cfg *cfg);
void ovl_path_direct_tx(struct ovl_path_state *p, u64 now);
bool ovl_path_keepalive_due(struct ovl_path_state *p,
			    const struct ovl_path_cfg *cfg, u64 now);
bool ovl_path_overdue(const struct ovl_path_state *p,
		      const struct ovl_path_cfg *cfg, u64 now);
enum ovl_path_verdict ovl_path_unreachable(struct ovl_path_state *p,
					   const struct ovl_path_cfg *cfg,
					   u64 now, bool beacon);
enum ovl_path_verdict ovl_path_no_beacon(const struct ovl_path_state *p);
enum ovl_path_verdict ovl_path_relay_rx(struct ovl_path_state *p,
					const struct ovl_path_cfg *cfg, u64 now);
bool ovl_path_probe_due(const struct ovl_path_state *p,
			const struct ovl_path_cfg *cfg, u64 now);
void ovl_path_probe_sent(struct ovl_path_state *p, u64 nonce, u64 now);
enum ovl_path_verdict ovl_path_probe_reply(struct ovl_path_state *p,
					   const struct ovl_path_cfg *cfg,
					   u64 nonce, u64 now);

#endif /* _OVL_PATH_H */
