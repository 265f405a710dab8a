/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Roaming: when a peer's endpoint follows the address its packets come
 * from (docs/protocol.md, "Roaming").  Pure logic over millisecond
 * timestamps, unit-tested in userspace (tests/test_roam.c); peer.c keeps
 * the addresses and carries out what it decides.
 *
 * An authenticated, fresh packet from the peer's endpoint changes nothing.
 * One from any other address (a remote address and port, and the local
 * address it came to) never moves the endpoint by itself: if its counter
 * is above every counter accepted before under its key (WireGuard's rule:
 * a replay of something older cannot even propose a move), its source
 * becomes the peer's roam *candidate* and a PROBE request with a fresh
 * random nonce goes to the candidate.  Traffic keeps going to the old
 * endpoint.  Only an authenticated PROBE reply that echoes that nonce and
 * comes from the candidate's very address moves the endpoint there.  So a
 * captured packet replayed from a third address, which the third address
 * cannot answer a probe for, moves nothing; a NAT rebinding, whose new
 * mapping carries both the packet and the answer, moves the endpoint one
 * round trip after the first packet from the new address.
 *
 * - A newer packet from the endpoint drops the candidate: the peer is
 *   still (or again) where we send.
 * - A newer packet from a third address replaces the candidate.
 * - Roam probes go out at most once per probe interval per peer (the
 *   first one at once); a candidate whose probe went unanswered is probed
 *   again on its next newer packet once the interval has passed.
 *
 * Locking: none inside; the caller serializes calls on one struct ovl_roam
 * (the peer's endpoint lock, written).
 */
#ifndef _OVL_ROAM_H
#define _OVL_ROAM_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "tests/kshim.h"
#endif

/**
 * struct ovl_roam - roaming state of one peer
 * @pending: there is a candidate (its address is the caller's to keep)
 * @probe_out: a probe went to the candidate and was not answered yet
 * @probed: @last_probe is valid
 * @nonce: the nonce of the latest roam probe
 * @last_probe: when the latest roam probe went out (any candidate)
 */
struct ovl_roam {
	bool pending;
	bool probe_out;
	bool probed;
	u64 nonce;
	u64 last_probe;
};

/**
 * enum ovl_roam_from - where an authenticated, fresh direct packet came from
 * @OVL_ROAM_FROM_ENDPOINT: the peer's endpoint
 * @OVL_ROAM_FROM_CANDIDATE: the roam candidate's address
 * @OVL_ROAM_FROM_OTHER: anywhere else
 */
enum ovl_roam_from {
	OVL_ROAM_FROM_ENDPOINT,
	OVL_ROAM_FROM_CANDIDATE,
	OVL_ROAM_FROM_OTHER,
};

/* What ovl_roam_rx() asks of the caller: flags. */
#define OVL_ROAM_RECORD	0x1	/* the packet's source is the new candidate */
#define OVL_ROAM_PROBE	0x2	/* probe the candidate with &ovl_roam.nonce */

void ovl_roam_reset(struct ovl_roam *r);
unsigned int ovl_roam_rx(struct ovl_roam *r, enum ovl_roam_from from,
			 bool newest, u64 nonce, u64 now, u32 interval_ms);
bool ovl_roam_reply(struct ovl_roam *r, enum ovl_roam_from from, u64 nonce);

#endif /* _OVL_ROAM_H */
