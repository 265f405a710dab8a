// SPDX-License-Identifier: GPL-2.0
/*
 * Roaming: a peer's endpoint moves only to an address that answered a
 * probe.  The rules are described in roam.h.
 */

#ifdef __KERNEL__
#include <linux/string.h>
#endif

#include "roam.h"

/* Forget the candidate and the probe rate limit (the endpoint was set). */
void ovl_roam_reset(struct ovl_roam *r)
{
	memset(r, 0, sizeof(*r));
}

/**
 * ovl_roam_rx() - an authenticated, fresh packet came straight from the peer
 * @r: the peer's roaming state
 * @from: where it came from
 * @newest: its counter is above every counter accepted before under its key
 * @nonce: a fresh random nonce, used if a probe is asked for
 * @now: the time, in ms
 * @interval_ms: the least time between two roam probes
 *
 * Return: %OVL_ROAM_RECORD and %OVL_ROAM_PROBE flags, 0 for nothing.
 */
unsigned int ovl_roam_rx(struct ovl_roam *r, enum ovl_roam_from from,
			 bool newest, u64 nonce, u64 now, u32 interval_ms)
{
	unsigned int act = 0;

	/* Only the newest packet says where the peer is now. */
	if (!newest)
		return 0;
	switch (from) {
	case OVL_ROAM_FROM_ENDPOINT:
		r->pending = false;
		r->probe_out = false;
		return 0;
	case OVL_ROAM_FROM_OTHER:
		r->pending = true;
		r->probe_out = false;
		act = OVL_ROAM_RECORD;
		break;
	case OVL_ROAM_FROM_CANDIDATE:
		break;
	}
	if (r->probed && now - r->last_probe < interval_ms)
		return act;
	r->probed = true;
	r->probe_out = true;
	r->nonce = nonce;
	r->last_probe = now;
	return act | OVL_ROAM_PROBE;
}

/**
 * ovl_roam_reply() - an authenticated PROBE reply came straight from the peer
 * @r: the peer's roaming state
 * @from: where it came from
 * @nonce: the nonce it echoes
 *
 * Return: true if it answers the probe of the candidate, from the
 * candidate: the endpoint moves there (the caller does it), and the
 * roaming state starts afresh.
 */
bool ovl_roam_reply(struct ovl_roam *r, enum ovl_roam_from from, u64 nonce)
{
	if (from != OVL_ROAM_FROM_CANDIDATE || !r->pending || !r->probe_out ||
	    nonce != r->nonce)
		return false;
	ovl_roam_reset(r);
	return true;
}
