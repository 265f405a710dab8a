/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handshake message layer of the control daemon: the three wire
 * frames (HANDSHAKE_INIT, HANDSHAKE_RESP, HANDSHAKE_COOKIE), their macs,
 * cookies, replay and rate limits, and the per-peer state of a Noise IK
 * handshake (noise.h) between two nodes.  WireGuard's protocol (whitepaper
 * section 5.4) is the model; docs/protocol.md, "Handshake", gives the
 * frames byte by byte and the rules.
 *
 * Pure: no I/O, no clock, no allocation.  Time comes in as arguments:
 * now_ns is a monotonic clock (rate limits, cookie ages, the cookie
 * secret's rotation), wall_ns the Unix time in nanoseconds (the TAI64N
 * timestamp of an initiation only).  Randomness comes from libsodium
 * unless hs_local.rand is set (tests, the fuzzer).
 *
 * The daemon's part:
 *
 *   initiator                               responder
 *   hs_create_init(peer) -> INIT     -->    hs_consume_init(src, under_load)
 *                                           -> HS_OK: RESP to send, session
 *                                           -> HS_R_COOKIE_NEEDED: COOKIE
 *   hs_consume_cookie()            <--         to send back, nothing else
 *   (then hs_create_init again: it carries mac2 under the cookie)
 *   hs_consume_resp() -> session     <--    RESP
 *
 * Every frame is hostile until authenticated: the consume functions check
 * it in order of cost (length and fields, mac1, mac2 when under load, the
 * per-source limit, the Diffie-Hellman of Noise, the peer's static key,
 * the replay timestamp and per-peer rate, the certificate) and change no
 * state, hs_local's nor a peer's, before the frame has passed them all;
 * each refusal says why (enum hs_result).  The one exception is the cookie
 * secret, which rotates by time alone.
 *
 * Using a session (the daemon's rule, issue 9's key slots): a session we
 * initiated is used at once (primary slot); one we answered waits in the
 * secondary slot until the peer has sent under it, then becomes primary.
 * A newer completed session replaces the waiting one; the one in use
 * stays until it is replaced.  The responder's session cannot be used
 * before that: only the initiator's reading of the RESP proves that both
 * sides hold it.
 *
 * Simultaneous initiations (both nodes send an INIT before either reads
 * the other's): every valid INIT is answered, and the handshake of the
 * lower node id wins.  The higher node, when it answers the lower's INIT,
 * drops its own pending initiation, so the lower node's RESP to it is
 * refused (HS_R_NO_HANDSHAKE) and that handshake never completes on the
 * higher side.  The lower node keeps its own pending and completes it when the
 * RESP arrives: an initiator session, used at once.  Its session from
 * answering the higher's INIT waits, is never sent under by the higher
 * node, and is replaced.  The higher node's session from answering is
 * promoted when the lower node first sends: both use the lower node's
 * handshake, in whichever order the four frames arrive (test_handshake
 * plays every order through this rule).
 *
 * Locking: none.  A hs_local and its peers belong to the daemon's single
 * event loop thread.
 */
#ifndef OVL_HANDSHAKE_H
#define OVL_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/ovl.h>

#include "noise.h"

/*
 * Frame types.  The cookie reply takes the first free value after
 * OVL_MSG_PUNCH (0x14); it belongs in enum ovl_msg_type once the kernel
 * passes it to the daemon.
 */
#define HS_MSG_INIT		OVL_MSG_HANDSHAKE_INIT	/* 0x10 */
#define HS_MSG_RESP		OVL_MSG_HANDSHAKE_RESP	/* 0x11 */
#define HS_MSG_COOKIE		0x15

#define HS_MAC_LEN		16	/* mac1, mac2, a cookie */
#define HS_TAI64N_LEN		12
#define HS_CERT_MAX		1024
#define HS_COOKIE_NONCE_LEN	24	/* XChaCha20-Poly1305 */
#define HS_SRC_MAX		20	/* source address bytes for cookies */
#define HS_KEY_ID_LEN		1	/* the session's key id, in RESP */

/* INIT: type, 3 zero bytes, sender node id, sender index. */
#define HS_INIT_HDR_LEN		12
/* RESP: type, 3 zero bytes, sender node id, sender index, receiver index */
#define HS_RESP_HDR_LEN		16
/* Bytes of INIT and RESP besides the certificate. */
#define HS_INIT_FIXED_LEN	(HS_INIT_HDR_LEN + NOISE_IK_MSG1_OVERHEAD + \
				 HS_TAI64N_LEN + 2 * HS_MAC_LEN)	/* 152 */
#define HS_RESP_FIXED_LEN	(HS_RESP_HDR_LEN + NOISE_IK_MSG2_OVERHEAD + \
				 HS_KEY_ID_LEN + 2 * HS_MAC_LEN)	/* 97 */
#define HS_INIT_MAX_LEN		(HS_INIT_FIXED_LEN + HS_CERT_MAX)
#define HS_RESP_MAX_LEN		(HS_RESP_FIXED_LEN + HS_CERT_MAX)
/* COOKIE: type, 3 zero bytes, receiver index, nonce, sealed cookie. */
#define HS_COOKIE_LEN		(8 + HS_COOKIE_NONCE_LEN + HS_MAC_LEN + \
				 NOISE_TAG_LEN)				/* 64 */

/* Timing (WireGuard's values). */
#define HS_NSEC_PER_SEC		1000000000ULL
/* Accepted initiations per peer: at most one per 1/50 s. */
#define HS_INIT_MIN_INTERVAL_NS	(HS_NSEC_PER_SEC / 50)
/* The cookie secret's lifetime; a cookie is used for 5 s less. */
#define HS_COOKIE_SECRET_AGE_NS	(120 * HS_NSEC_PER_SEC)
#define HS_COOKIE_USE_AGE_NS	(115 * HS_NSEC_PER_SEC)

/*
 * Why a frame was refused: the daemon counts and logs each.  Ordered
 * roughly as the checks run.
 */
enum hs_result {
	HS_OK = 0,
	HS_R_MALFORMED,		/* wrong type, length or zero field */
	HS_R_BAD_MAC1,
	HS_R_COOKIE_NEEDED,	/* under load, no valid mac2: send out */
	HS_R_SOURCE_LIMITED,	/* under load, the source's bucket is empty */
	HS_R_UNKNOWN_PEER,	/* no such peer, or a RESP from another node */
	HS_R_NO_HANDSHAKE,	/* RESP/COOKIE for no pending initiation */
	HS_R_DECRYPT,		/* Noise or cookie AEAD failure */
	HS_R_WRONG_KEY,		/* static key is not the peer's configured one */
	HS_R_REPLAY,		/* timestamp not newer than the last accepted */
	HS_R_RATE_LIMITED,	/* the peer's last accepted initiation < 20 ms */
	HS_R_BAD_CERT,		/* the certificate callback refused it */
	HS_R_ERROR,		/* local: misuse, buffer too small, key error */
	HS_R_COUNT
};

const char *hs_result_name(enum hs_result r);

/*
 * Per-source token bucket, keyed by the source address bytes, in a fixed
 * table: HS_RL_PROBE slots from a keyed hash of the source; a new source
 * takes a free or refilled slot there, else the least recently seen one
 * (eviction resets that source to a full bucket, which only lets it in
 * sooner; it never denies a source that the table is full).
 */
#define HS_RL_SLOTS		4096
#define HS_RL_PROBE		8
#define HS_RL_RATE		20	/* per second, WireGuard's default */
#define HS_RL_BURST		5

struct hs_rl_slot {
	uint64_t last_ns;
	uint64_t tokens_ns;	/* a packet costs HS_NSEC_PER_SEC / rate */
	uint8_t src[HS_SRC_MAX];
	uint8_t src_len;	/* 0: free */
};

struct hs_ratelimit {
	uint64_t cost_ns;
	uint64_t burst_ns;
	uint8_t key[16];	/* SipHash key of the slot index */
	struct hs_rl_slot slot[HS_RL_SLOTS];
};

/* rate packets per second, bursts of burst; key NULL: a random one. */
int hs_rl_init(struct hs_ratelimit *rl, unsigned int rate,
	       unsigned int burst, const uint8_t *key);
/* Take one token for src; false: refuse it (or src_len out of bounds). */
bool hs_rl_allow(struct hs_ratelimit *rl, const uint8_t *src,
		 size_t src_len, uint64_t now_ns);

struct hs_peer;

/*
 * Certificate check, by the responder on INIT and by the initiator on
 * RESP: cert (opaque, at most HS_CERT_MAX bytes) must be valid for
 * node_id and bind remote_static, the peer's X25519 key that Noise has
 * authenticated.  Return 0 to accept, or a reason of the certificate
 * layer's own (> 0), passed back in hs_session.cert_reason.
 */
typedef int (*hs_cert_verify_fn)(void *arg, uint32_t node_id,
				 const uint8_t remote_static[NOISE_DH_LEN],
				 const uint8_t *cert, size_t cert_len);
/* The configured peer with this node id, or NULL. */
typedef struct hs_peer *(*hs_peer_by_id_fn)(void *arg, uint32_t node_id);
/*
 * The peer whose pending initiation has this local index, or NULL; the
 * daemon may return any peer, hs checks p->pending && p->local_index.
 */
typedef struct hs_peer *(*hs_peer_by_index_fn)(void *arg, uint32_t index);
typedef void (*hs_rand_fn)(void *arg, uint8_t *buf, size_t len);
/*
 * The key id of a session the responder is about to accept with @p, for
 * both sides' kernel key slots: one that neither of its own slots for @p
 * holds.  The RESP carries it to the initiator (encrypted), so the two
 * sides never disagree on it.  0..255, or -1 to refuse the INIT
 * (HS_R_ERROR).  NULL: a random id.
 */
typedef int (*hs_key_id_fn)(void *arg, struct hs_peer *p);

/* This node. */
struct hs_local {
	uint32_t node_id;
	uint8_t s_priv[NOISE_DH_LEN];
	uint8_t s_pub[NOISE_DH_LEN];
	uint8_t mac1_key[32];		/* checks mac1 of frames to us */
	uint8_t cookie_key[32];		/* seals the cookies we send */
	const uint8_t *cert;		/* ours, sent in INIT and RESP */
	size_t cert_len;

	hs_cert_verify_fn verify_cert;
	hs_peer_by_id_fn peer_by_id;
	hs_peer_by_index_fn peer_by_index;
	hs_rand_fn rand;		/* NULL: randombytes_buf */
	hs_key_id_fn key_id;		/* NULL: a random id */
	void *arg;			/* for all of the above */
	struct hs_ratelimit *rl;	/* NULL: no per-source limit */

	/* Cookie secret, rotated every HS_COOKIE_SECRET_AGE_NS. */
	uint8_t cookie_secret[32];
	uint64_t cookie_secret_ns;
	bool cookie_secret_set;
};

/* One configured peer: replay state, our pending initiation, its cookie. */
struct hs_peer {
	uint32_t node_id;
	uint8_t s_pub[NOISE_DH_LEN];	/* configured static key */
	uint8_t mac1_key[32];		/* computes mac1 of frames to it */
	uint8_t cookie_key[32];		/* opens its cookie replies */

	/* Responder side: the last accepted initiation. */
	uint8_t last_ts[HS_TAI64N_LEN];	/* greatest TAI64N accepted */
	uint64_t last_init_ns;
	bool have_ts;

	/* Initiator side: our pending initiation. */
	struct noise_handshake hs;
	uint32_t local_index;
	uint64_t pending_ns;		/* when it was sent */
	bool pending;
	uint8_t last_mac1[HS_MAC_LEN];	/* the AD of a cookie reply to it */
	bool cookie_awaited;		/* one cookie reply per initiation */
	uint8_t cookie[HS_MAC_LEN];	/* from its last cookie reply */
	uint64_t cookie_ns;
	bool have_cookie;
};

/* A completed handshake. */
struct hs_session {
	uint8_t tx_key[NOISE_KEY_LEN];	/* the kernel's tx key for the peer */
	uint8_t rx_key[NOISE_KEY_LEN];	/* its rx key */
	uint8_t hash[NOISE_HASH_LEN];	/* the Noise handshake hash */
	uint32_t peer_node_id;
	uint32_t local_index;		/* the index we sent */
	uint32_t remote_index;		/* the index the peer sent */
	uint8_t key_id;			/* the responder's pick, in the RESP */
	bool initiator;			/* we sent the INIT */
	int cert_reason;		/* the callback's, on HS_R_BAD_CERT */
};

/*
 * s_priv: this node's X25519 key (noise_x25519_from_ed25519_sk); cert is
 * kept by pointer and must outlive l.  The callbacks and rl are set by
 * the caller afterwards (verify_cert, peer_by_id and peer_by_index are
 * required).
 */
int hs_local_init(struct hs_local *l, uint32_t node_id,
		  const uint8_t s_priv[NOISE_DH_LEN],
		  const uint8_t *cert, size_t cert_len);
int hs_peer_init(struct hs_peer *p, uint32_t node_id,
		 const uint8_t s_pub[NOISE_DH_LEN]);
/* Forget our pending initiation (the daemon gives up on it). */
void hs_peer_abandon(struct hs_peer *p);
void hs_local_wipe(struct hs_local *l);
void hs_peer_wipe(struct hs_peer *p);
void hs_session_wipe(struct hs_session *s);

/*
 * Start (or restart) an initiation to p: out gets the INIT frame, which
 * carries mac2 when p holds a cookie younger than HS_COOKIE_USE_AGE_NS.
 * A previous pending initiation of p is replaced.
 */
enum hs_result hs_create_init(struct hs_local *l, struct hs_peer *p,
			      uint64_t now_ns, uint64_t wall_ns,
			      uint8_t *out, size_t out_cap, size_t *out_len);

/*
 * An INIT from src (the ip:port bytes, or the relay source node id, as the
 * daemon encodes them; at most HS_SRC_MAX).  under_load: the daemon is
 * busy and wants mac2 (a cookie) before any Diffie-Hellman.  On HS_OK,
 * out is the RESP to send back and *sess the session; on
 * HS_R_COOKIE_NEEDED, out is a cookie reply, never longer than the INIT;
 * otherwise *out_len is 0.  *peerp is the peer named by the frame when
 * known (for counters), else NULL.  out must not overlap frame; out_cap
 * HS_RESP_MAX_LEN is always enough.
 */
enum hs_result hs_consume_init(struct hs_local *l, const uint8_t *frame,
			       size_t len, const uint8_t *src, size_t src_len,
			       bool under_load, uint64_t now_ns,
			       uint8_t *out, size_t out_cap, size_t *out_len,
			       struct hs_session *sess, struct hs_peer **peerp);

/* A RESP to our pending initiation: on HS_OK, *sess is the session. */
enum hs_result hs_consume_resp(struct hs_local *l, const uint8_t *frame,
			       size_t len, uint64_t now_ns,
			       struct hs_session *sess, struct hs_peer **peerp);

/* A COOKIE reply to our pending initiation: on HS_OK the peer holds it. */
enum hs_result hs_consume_cookie(struct hs_local *l, const uint8_t *frame,
				 size_t len, uint64_t now_ns,
				 struct hs_peer **peerp);

/* TAI64N of a Unix time in ns, whitened to 2^24 ns as WireGuard does. */
void hs_tai64n(uint8_t out[HS_TAI64N_LEN], uint64_t wall_ns);

#endif /* OVL_HANDSHAKE_H */
