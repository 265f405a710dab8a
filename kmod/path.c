// SPDX-License-Identifier: GPL-2.0
/*
 * Per-peer direct/relay heuristics; the rules are described in path.h.
 */

#include "path.h"

void ovl_path_cfg_init(struct ovl_path_cfg *cfg)
{
	cfg->blackhole_ms = OVL_DEF_BLACKHOLE_MS;
	cfg->blackhole_misses = OVL_DEF_BLACKHOLE_MISSES;
	cfg->direct_clears = OVL_DEF_DIRECT_CLEARS;
	cfg->send_errors = OVL_DEF_SEND_ERRORS;
	cfg->max_relay_peers = OVL_DEF_MAX_RELAY_PEERS;
	cfg->probe_interval_ms = OVL_DEF_PROBE_INTERVAL_MS;
}

void ovl_path_init(struct ovl_path_state *p, u8 mode)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->path = mode == OVL_RELAY_MODE_PINNED ? OVL_PATH_RELAY : OVL_PATH_DIRECT;
}

/* Enter @path with every count of the old one forgotten. */
void ovl_path_set(struct ovl_path_state *p, u8 path)
{
	WRITE_ONCE(p->path, path);
	p->misses = 0;
	p->clears = 0;
	p->send_errs = 0;
	p->probe_out = false;
	p->first_tx = 0;
}

/*
 * The path a peer takes right after its mode becomes @mode: pinned relays,
 * off goes direct, on keeps whatever the heuristics had decided.
 */
u8 ovl_path_for_mode(const struct ovl_path_state *p, u8 mode)
{
	if (mode == OVL_RELAY_MODE_PINNED)
		return OVL_PATH_RELAY;
	if (mode == OVL_RELAY_MODE_OFF)
		return OVL_PATH_DIRECT;
	return p->path;
}

static u64 ovl_path_silent_since(const struct ovl_path_state *p)
{
	return max(p->last_direct_rx, p->first_tx);
}

/*
 * The lockless part of a direct send: note the first send since the last
 * receipt, and say whether this send counts a miss, in which case the
 * caller takes the lock and calls ovl_path_tx().  A healthy direct peer so
 * costs no lock, and so does any peer of a device without a @beacon,
 * which has nowhere to flip to.  Racing with ovl_path_direct_rx() is
 * harmless: at worst first_tx is set just after a receipt, to about the
 * time it would get on the next send anyway.
 */
bool ovl_path_tx_silent(struct ovl_path_state *p,
			const struct ovl_path_cfg *cfg, u64 now, bool beacon)
{
	u64 first = READ_ONCE(p->first_tx);

	if (READ_ONCE(p->mode) != OVL_RELAY_MODE_ON ||
	    READ_ONCE(p->path) != OVL_PATH_DIRECT)
		return false;
	if (!first) {
		WRITE_ONCE(p->first_tx, now);
		return false;
	}
	return beacon &&
	       now - max(READ_ONCE(p->last_direct_rx), first) > cfg->blackhole_ms;
}

/*
 * A packet is about to go straight to the peer.  Without a @beacon the
 * silence is measured but no miss is counted.
 */
enum ovl_path_verdict ovl_path_tx(struct ovl_path_state *p,
				  const struct ovl_path_cfg *cfg, u64 now,
				  bool beacon)
{
	if (p->mode != OVL_RELAY_MODE_ON || p->path != OVL_PATH_DIRECT)
		return OVL_PATH_STAY;
	if (!p->first_tx)
		WRITE_ONCE(p->first_tx, now);
	if (!beacon || now - ovl_path_silent_since(p) <= cfg->blackhole_ms)
		return OVL_PATH_STAY;
	if (p->misses < U8_MAX)
		p->misses++;
	return p->misses >= cfg->blackhole_misses ? OVL_PATH_TO_RELAY :
						    OVL_PATH_STAY;
}

/*
 * An authenticated packet came straight from the peer (data, a keepalive
 * or an answer to our probe; not a probe request).
 */
void ovl_path_direct_rx(struct ovl_path_state *p, u64 now)
{
	WRITE_ONCE(p->last_direct_rx, now);
	WRITE_ONCE(p->first_tx, 0);
	p->misses = 0;
	p->send_errs = 0;
}

/*
 * The passive keepalive interval: a peer that receives data answers at
 * least this often, so that the sender (with the same thresholds) hears
 * from it four times within its blackhole threshold.
 */
u32 ovl_path_keepalive_ms(const struct ovl_path_cfg *cfg)
{
	return min(cfg->blackhole_ms / 4, (u32)OVL_PASSIVE_KEEPALIVE_MAX_MS);
}

/*
 * A DATA message (data or keepalive) went straight to the peer.  Lockless:
 * senders on several CPUs may race, and any of their times will do.
 */
void ovl_path_direct_tx(struct ovl_path_state *p, u64 now)
{
	if (READ_ONCE(p->last_direct_tx) != now)
		WRITE_ONCE(p->last_direct_tx, now);
}

/*
 * Data came straight from the peer: is a passive keepalive due, i.e. did
 * we send it nothing straight for a keepalive interval?  If so, it counts
 * as sent now, so that the data packets right behind do not ask again.
 * Keepalives themselves are never answered: the caller asks only for
 * packets that carry data.  Context: the peer's receive slot, which
 * serializes the calls for one peer; racing senders are harmless.
 */
bool ovl_path_keepalive_due(struct ovl_path_state *p,
			    const struct ovl_path_cfg *cfg, u64 now)
{
	u64 last = READ_ONCE(p->last_direct_tx);

	if (last && now - last < ovl_path_keepalive_ms(cfg))
		return false;
	WRITE_ONCE(p->last_direct_tx, now);
	return true;
}

/*
 * Is the direct path overdue: we sent since the last direct receipt and
 * heard nothing straight back for longer than a live peer takes to
 * answer (twice the passive keepalive interval)?
 */
bool ovl_path_overdue(const struct ovl_path_state *p,
		      const struct ovl_path_cfg *cfg, u64 now)
{
	return p->first_tx &&
	       now - ovl_path_silent_since(p) > 2 * (u64)ovl_path_keepalive_ms(cfg);
}

/*
 * A send to the peer's endpoint came back as ICMP unreachable, or so an
 * unauthenticated ICMP message says.  It counts only with a @beacon and
 * only while the direct path is overdue; otherwise it changes nothing.
 */
enum ovl_path_verdict ovl_path_unreachable(struct ovl_path_state *p,
					   const struct ovl_path_cfg *cfg,
					   u64 now, bool beacon)
{
	if (p->mode != OVL_RELAY_MODE_ON || p->path != OVL_PATH_DIRECT ||
	    !beacon || !ovl_path_overdue(p, cfg, now))
		return OVL_PATH_STAY;
	if (p->send_errs < U8_MAX)
		p->send_errs++;
	return p->send_errs >= cfg->send_errors ? OVL_PATH_TO_RELAY :
						  OVL_PATH_STAY;
}

/*
 * The device has no beacon (any more): an unpinned relayed peer goes back
 * to direct, where its packets at least have a way; a pinned one stays,
 * as configured, and its packets are dropped as tx_no_beacon.
 */
enum ovl_path_verdict ovl_path_no_beacon(const struct ovl_path_state *p)
{
	return p->mode == OVL_RELAY_MODE_ON && p->path == OVL_PATH_RELAY ?
	       OVL_PATH_TO_DIRECT : OVL_PATH_STAY;
}

/* An authenticated packet from the peer arrived through the beacon. */
enum ovl_path_verdict ovl_path_relay_rx(struct ovl_path_state *p,
					const struct ovl_path_cfg *cfg, u64 now)
{
	if (p->mode != OVL_RELAY_MODE_ON || p->path != OVL_PATH_DIRECT)
		return OVL_PATH_STAY;
	if (p->last_direct_rx && now - p->last_direct_rx <= cfg->blackhole_ms)
		return OVL_PATH_STAY;
	return OVL_PATH_TO_RELAY;
}

/* Is it time to probe a relayed peer's direct path? */
bool ovl_path_probe_due(const struct ovl_path_state *p,
			const struct ovl_path_cfg *cfg, u64 now)
{
	return p->mode == OVL_RELAY_MODE_ON && p->path == OVL_PATH_RELAY &&
	       (!p->last_probe || now - p->last_probe >= cfg->probe_interval_ms);
}

/*
 * A probe with @nonce went out.  The previous one was never answered: the
 * answers so far were not consecutive.
 */
void ovl_path_probe_sent(struct ovl_path_state *p, u64 nonce, u64 now)
{
	if (p->probe_out)
		p->clears = 0;
	p->probe_out = true;
	p->probe_nonce = nonce;
	p->last_probe = now;
}

/* An authenticated probe answer echoing @nonce came straight from the peer. */
enum ovl_path_verdict ovl_path_probe_reply(struct ovl_path_state *p,
					   const struct ovl_path_cfg *cfg,
					   u64 nonce, u64 now)
{
	if (!p->probe_out || nonce != p->probe_nonce)
		return OVL_PATH_STAY;		/* stale or unsolicited */
	p->probe_out = false;
	ovl_path_direct_rx(p, now);
	if (p->mode != OVL_RELAY_MODE_ON || p->path != OVL_PATH_RELAY)
		return OVL_PATH_STAY;
	if (p->clears < U8_MAX)
		p->clears++;
	return p->clears >= cfg->direct_clears ? OVL_PATH_TO_DIRECT :
						 OVL_PATH_STAY;
}
