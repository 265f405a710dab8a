// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake frames and per-peer handshake logic (handshake.h), over
 * noise.c and libsodium.  docs/protocol.md, "Handshake", is the spec.
 */

#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "handshake.h"

/* Noise's prologue: this label, then the INIT's 12-byte header. */
static const uint8_t prologue_label[16] = "ovl handshake v1";
static const uint8_t label_mac1[8] = "ovl-mac1";
static const uint8_t label_cookie[8] = "ovl-cook";

#define HS_PROLOGUE_LEN	(sizeof(prologue_label) + HS_INIT_HDR_LEN)

_Static_assert(OVL_MSG_PUNCH + 1 == HS_MSG_COOKIE,
	       "HANDSHAKE_COOKIE is the type after PUNCH");
_Static_assert(HS_COOKIE_LEN <= HS_INIT_FIXED_LEN,
	       "a cookie reply must never be larger than the INIT it answers");
_Static_assert(HS_INIT_MAX_LEN <= NOISE_MAX_MSG_LEN, "INIT too large");

static const char *const result_names[HS_R_COUNT] = {
	[HS_OK]			= "ok",
	[HS_R_MALFORMED]	= "malformed",
	[HS_R_BAD_MAC1]		= "bad_mac1",
	[HS_R_COOKIE_NEEDED]	= "cookie_needed",
	[HS_R_SOURCE_LIMITED]	= "source_limited",
	[HS_R_UNKNOWN_PEER]	= "unknown_peer",
	[HS_R_NO_HANDSHAKE]	= "no_handshake",
	[HS_R_DECRYPT]		= "decrypt",
	[HS_R_WRONG_KEY]	= "wrong_key",
	[HS_R_REPLAY]		= "replay",
	[HS_R_RATE_LIMITED]	= "rate_limited",
	[HS_R_BAD_CERT]		= "bad_cert",
	[HS_R_ERROR]		= "error",
};

const char *hs_result_name(enum hs_result r)
{
	if ((unsigned int)r >= HS_R_COUNT)
		return "unknown";
	return result_names[r];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

/* Elapsed monotonic time; a clock that went back counts as none. */
static uint64_t since(uint64_t now_ns, uint64_t then_ns)
{
	return now_ns > then_ns ? now_ns - then_ns : 0;
}

static void get_random(const struct hs_local *l, uint8_t *buf, size_t len)
{
	if (l->rand)
		l->rand(l->arg, buf, len);
	else
		randombytes_buf(buf, len);
}

/* BLAKE2b-128 of msg under key. */
static void mac(uint8_t out[HS_MAC_LEN], const uint8_t *key, size_t key_len,
		const uint8_t *msg, size_t len)
{
	crypto_generichash(out, HS_MAC_LEN, msg, len, key, key_len);
}

/* BLAKE2b-256(label || pub): the mac1 and cookie keys of a static key. */
static void derive(uint8_t out[32], const uint8_t label[8],
		   const uint8_t pub[NOISE_DH_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, label, 8);
	crypto_generichash_update(&st, pub, NOISE_DH_LEN);
	crypto_generichash_final(&st, out, 32);
}

static bool mac_ok(const uint8_t *key, size_t key_len, const uint8_t *msg,
		   size_t len, const uint8_t *want)
{
	uint8_t got[HS_MAC_LEN];
	bool ok;

	mac(got, key, key_len, msg, len);
	ok = !sodium_memcmp(got, want, HS_MAC_LEN);
	sodium_memzero(got, sizeof(got));
	return ok;
}

void hs_tai64n(uint8_t out[HS_TAI64N_LEN], uint64_t wall_ns)
{
	uint64_t sec = wall_ns / HS_NSEC_PER_SEC;
	uint32_t nsec = wall_ns % HS_NSEC_PER_SEC;

	/*
	 * Whitened to 2^24 ns (under 1/50 s, the per-peer rate) so that the
	 * timestamp tells little about the sender's clock.
	 */
	nsec &= ~((1U << 24) - 1);
	put64(out, 0x400000000000000aULL + sec);
	put32(out + 8, nsec);
}

int hs_local_init(struct hs_local *l, uint32_t node_id,
		  const uint8_t s_priv[NOISE_DH_LEN],
		  const uint8_t *cert, size_t cert_len)
{
	if (!l || !s_priv || cert_len > HS_CERT_MAX || (!cert && cert_len))
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	memset(l, 0, sizeof(*l));
	l->node_id = node_id;
	memcpy(l->s_priv, s_priv, NOISE_DH_LEN);
	if (noise_x25519_public(l->s_pub, l->s_priv)) {
		hs_local_wipe(l);
		return -EPROTO;
	}
	derive(l->mac1_key, label_mac1, l->s_pub);
	derive(l->cookie_key, label_cookie, l->s_pub);
	l->cert = cert;
	l->cert_len = cert_len;
	return 0;
}

int hs_peer_init(struct hs_peer *p, uint32_t node_id,
		 const uint8_t s_pub[NOISE_DH_LEN])
{
	if (!p || !s_pub)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	memset(p, 0, sizeof(*p));
	p->node_id = node_id;
	memcpy(p->s_pub, s_pub, NOISE_DH_LEN);
	derive(p->mac1_key, label_mac1, p->s_pub);
	derive(p->cookie_key, label_cookie, p->s_pub);
	return 0;
}

void hs_peer_abandon(struct hs_peer *p)
{
	noise_handshake_wipe(&p->hs);
	p->pending = false;
	p->cookie_awaited = false;
	sodium_memzero(p->last_mac1, sizeof(p->last_mac1));
}

void hs_local_wipe(struct hs_local *l)
{
	sodium_memzero(l, sizeof(*l));
}

void hs_peer_wipe(struct hs_peer *p)
{
	sodium_memzero(p, sizeof(*p));
}

void hs_session_wipe(struct hs_session *s)
{
	sodium_memzero(s, sizeof(*s));
}

/* Is index the live pending initiation of a peer other than self? */
static bool index_taken(struct hs_local *l, uint32_t index,
			const struct hs_peer *self)
{
	struct hs_peer *q = l->peer_by_index(l->arg, index);

	return q && q != self && q->pending && q->local_index == index;
}

static uint32_t new_index(struct hs_local *l, const struct hs_peer *self)
{
	uint8_t b[4];
	uint32_t index;
	int tries = 0;

	/* 32 random bits: a second collision in a row is all but never. */
	do {
		get_random(l, b, sizeof(b));
		index = get32(b);
	} while (index_taken(l, index, self) && ++tries < 8);
	return index;
}

/* Inject the ephemeral when randomness is injected; else Noise draws. */
static int set_ephemeral(struct hs_local *l, struct noise_handshake *hs)
{
	uint8_t e[NOISE_DH_LEN];
	int ret;

	if (!l->rand)
		return 0;
	get_random(l, e, sizeof(e));
	ret = noise_ik_set_ephemeral(hs, e);
	sodium_memzero(e, sizeof(e));
	return ret;
}

static void make_prologue(uint8_t out[HS_PROLOGUE_LEN], const uint8_t *hdr)
{
	memcpy(out, prologue_label, sizeof(prologue_label));
	memcpy(out + sizeof(prologue_label), hdr, HS_INIT_HDR_LEN);
}

static bool usable(const struct hs_local *l)
{
	return l && l->verify_cert && l->peer_by_id && l->peer_by_index;
}

enum hs_result hs_create_init(struct hs_local *l, struct hs_peer *p,
			      uint64_t now_ns, uint64_t wall_ns,
			      uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t payload[HS_TAI64N_LEN + HS_CERT_MAX];
	uint8_t prologue[HS_PROLOGUE_LEN];
	struct noise_handshake hs = { 0 };
	enum hs_result ret = HS_R_ERROR;
	uint32_t index;
	size_t n, macs;

	if (!out_len)
		return HS_R_ERROR;
	*out_len = 0;
	if (!usable(l) || !p || !out ||
	    out_cap < HS_INIT_FIXED_LEN + l->cert_len)
		return HS_R_ERROR;

	index = new_index(l, p);
	out[0] = HS_MSG_INIT;
	memset(out + 1, 0, 3);
	put32(out + 4, l->node_id);
	put32(out + 8, index);
	make_prologue(prologue, out);
	if (noise_ik_init(&hs, NOISE_INITIATOR, l->s_priv, p->s_pub, prologue,
			  sizeof(prologue)) ||
	    set_ephemeral(l, &hs))
		goto out;
	hs_tai64n(payload, wall_ns);
	if (l->cert_len)
		memcpy(payload + HS_TAI64N_LEN, l->cert, l->cert_len);
	if (noise_ik_write(&hs, payload, HS_TAI64N_LEN + l->cert_len,
			   out + HS_INIT_HDR_LEN,
			   out_cap - HS_INIT_HDR_LEN - 2 * HS_MAC_LEN, &n))
		goto out;
	macs = HS_INIT_HDR_LEN + n;
	mac(out + macs, p->mac1_key, sizeof(p->mac1_key), out, macs);
	if (p->have_cookie && since(now_ns, p->cookie_ns) < HS_COOKIE_USE_AGE_NS)
		mac(out + macs + HS_MAC_LEN, p->cookie, HS_MAC_LEN, out,
		    macs + HS_MAC_LEN);
	else
		memset(out + macs + HS_MAC_LEN, 0, HS_MAC_LEN);

	/* The new initiation replaces any pending one. */
	noise_handshake_wipe(&p->hs);
	p->hs = hs;
	p->local_index = index;
	p->pending_ns = now_ns;
	p->pending = true;
	memcpy(p->last_mac1, out + macs, HS_MAC_LEN);
	p->cookie_awaited = true;
	*out_len = macs + 2 * HS_MAC_LEN;
	ret = HS_OK;
out:
	noise_handshake_wipe(&hs);
	sodium_memzero(payload, sizeof(payload));
	return ret;
}

/* The cookie secret, renewed once it is HS_COOKIE_SECRET_AGE_NS old. */
static const uint8_t *cookie_secret(struct hs_local *l, uint64_t now_ns)
{
	if (!l->cookie_secret_set || now_ns < l->cookie_secret_ns ||
	    now_ns - l->cookie_secret_ns >= HS_COOKIE_SECRET_AGE_NS) {
		get_random(l, l->cookie_secret, sizeof(l->cookie_secret));
		l->cookie_secret_ns = now_ns;
		l->cookie_secret_set = true;
	}
	return l->cookie_secret;
}

/*
 * Under load: a valid mac2 proves that src got our cookie, so it can
 * receive at that address.  Otherwise answer with a cookie reply to src,
 * sealed to the initiator (only it knows our static key, which seals it)
 * and bound to the INIT's mac1.
 */
static enum hs_result check_mac2(struct hs_local *l, const uint8_t *frame,
				 size_t len, const uint8_t *src,
				 size_t src_len, uint64_t now_ns, uint8_t *out,
				 size_t out_cap, size_t *out_len)
{
	const uint8_t *mac1 = frame + len - 2 * HS_MAC_LEN;
	uint8_t cookie[HS_MAC_LEN];
	unsigned long long clen;
	enum hs_result ret;

	mac(cookie, cookie_secret(l, now_ns), 32, src, src_len);
	if (mac_ok(cookie, sizeof(cookie), frame, len - HS_MAC_LEN,
		   frame + len - HS_MAC_LEN)) {
		ret = HS_OK;
		goto out;
	}
	ret = HS_R_ERROR;
	/* Never more bytes back than came in: no amplification. */
	if (out_cap < HS_COOKIE_LEN || HS_COOKIE_LEN > len)
		goto out;
	out[0] = HS_MSG_COOKIE;
	memset(out + 1, 0, 3);
	memcpy(out + 4, frame + 8, 4);	/* receiver: the INIT's sender index */
	get_random(l, out + 8, HS_COOKIE_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 8 +
						   HS_COOKIE_NONCE_LEN, &clen,
						   cookie, sizeof(cookie),
						   mac1, HS_MAC_LEN, NULL,
						   out + 8, l->cookie_key);
	*out_len = HS_COOKIE_LEN;
	ret = HS_R_COOKIE_NEEDED;
out:
	sodium_memzero(cookie, sizeof(cookie));
	return ret;
}

static void fill_session(struct hs_session *sess, struct noise_session *ns,
			 uint32_t node_id, uint32_t local_index,
			 uint32_t remote_index, bool initiator)
{
	memcpy(sess->tx_key, ns->send.k, NOISE_KEY_LEN);
	memcpy(sess->rx_key, ns->recv.k, NOISE_KEY_LEN);
	memcpy(sess->hash, ns->hash, NOISE_HASH_LEN);
	sess->peer_node_id = node_id;
	sess->local_index = local_index;
	sess->remote_index = remote_index;
	sess->initiator = initiator;
}

enum hs_result hs_consume_init(struct hs_local *l, const uint8_t *frame,
			       size_t len, const uint8_t *src, size_t src_len,
			       bool under_load, uint64_t now_ns,
			       uint8_t *out, size_t out_cap, size_t *out_len,
			       struct hs_session *sess, struct hs_peer **peerp)
{
	uint8_t payload[HS_TAI64N_LEN + HS_CERT_MAX];
	uint8_t resp[HS_KEY_ID_LEN + HS_CERT_MAX];
	uint8_t prologue[HS_PROLOGUE_LEN];
	const uint8_t *rs, *ts;
	struct noise_handshake hs = { 0 };
	struct noise_session ns;
	enum hs_result ret;
	size_t plen, n, macs;
	struct hs_peer *p;
	uint32_t node_id, sender_index, index;
	int cr, kid;

	if (!out_len || !sess || !peerp)
		return HS_R_ERROR;
	*out_len = 0;
	*peerp = NULL;
	memset(sess, 0, sizeof(*sess));
	if (!usable(l) || !frame || !out || !src || !src_len ||
	    src_len > HS_SRC_MAX)
		return HS_R_ERROR;

	if (len < HS_INIT_FIXED_LEN || len > HS_INIT_MAX_LEN ||
	    frame[0] != HS_MSG_INIT || frame[1] || frame[2] || frame[3])
		return HS_R_MALFORMED;
	macs = len - 2 * HS_MAC_LEN;
	if (!mac_ok(l->mac1_key, sizeof(l->mac1_key), frame, macs,
		    frame + macs))
		return HS_R_BAD_MAC1;
	if (under_load) {
		ret = check_mac2(l, frame, len, src, src_len, now_ns, out,
				 out_cap, out_len);
		if (ret != HS_OK)
			return ret;
		if (l->rl && !hs_rl_allow(l->rl, src, src_len, now_ns))
			return HS_R_SOURCE_LIMITED;
	}

	node_id = get32(frame + 4);
	sender_index = get32(frame + 8);
	p = node_id == l->node_id ? NULL : l->peer_by_id(l->arg, node_id);
	if (!p || p->node_id != node_id)
		return HS_R_UNKNOWN_PEER;
	*peerp = p;

	/* From here on, the Diffie-Hellmans. */
	memset(&hs, 0, sizeof(hs));
	memset(&ns, 0, sizeof(ns));
	make_prologue(prologue, frame);
	if (noise_ik_init(&hs, NOISE_RESPONDER, l->s_priv, NULL, prologue,
			  sizeof(prologue)) ||
	    set_ephemeral(l, &hs)) {
		ret = HS_R_ERROR;
		goto out;
	}
	ret = HS_R_DECRYPT;
	if (noise_ik_read(&hs, frame + HS_INIT_HDR_LEN, macs - HS_INIT_HDR_LEN,
			  payload, sizeof(payload), &plen))
		goto out;
	ret = HS_R_WRONG_KEY;
	rs = noise_ik_remote_static(&hs);
	if (!rs || !noise_key_equal(rs, p->s_pub))
		goto out;
	ret = HS_R_MALFORMED;		/* cannot be: the length says >= 12 */
	if (plen < HS_TAI64N_LEN)
		goto out;
	ts = payload;
	ret = HS_R_REPLAY;
	if (p->have_ts && memcmp(ts, p->last_ts, HS_TAI64N_LEN) <= 0)
		goto out;
	ret = HS_R_RATE_LIMITED;
	if (p->have_ts && (now_ns < p->last_init_ns ||
			   now_ns - p->last_init_ns < HS_INIT_MIN_INTERVAL_NS))
		goto out;
	cr = l->verify_cert(l->arg, node_id, rs, payload + HS_TAI64N_LEN,
			    plen - HS_TAI64N_LEN);
	if (cr) {
		sess->cert_reason = cr;
		ret = HS_R_BAD_CERT;
		goto out;
	}
	ret = HS_R_ERROR;
	if (out_cap < HS_RESP_FIXED_LEN + l->cert_len)
		goto out;
	if (l->key_id) {
		kid = l->key_id(l->arg, p);
		if (kid < 0 || kid > 255)
			goto out;
		resp[0] = kid;
	} else {
		get_random(l, resp, HS_KEY_ID_LEN);
	}
	if (l->cert_len)
		memcpy(resp + HS_KEY_ID_LEN, l->cert, l->cert_len);
	index = new_index(l, NULL);
	out[0] = HS_MSG_RESP;
	memset(out + 1, 0, 3);
	put32(out + 4, l->node_id);
	put32(out + 8, index);
	put32(out + 12, sender_index);
	if (noise_ik_write(&hs, resp, HS_KEY_ID_LEN + l->cert_len,
			   out + HS_RESP_HDR_LEN,
			   out_cap - HS_RESP_HDR_LEN - 2 * HS_MAC_LEN, &n) ||
	    noise_ik_split(&hs, &ns))
		goto out;
	n += HS_RESP_HDR_LEN;
	mac(out + n, p->mac1_key, sizeof(p->mac1_key), out, n);
	memset(out + n + HS_MAC_LEN, 0, HS_MAC_LEN);
	*out_len = n + 2 * HS_MAC_LEN;
	fill_session(sess, &ns, node_id, index, sender_index, false);
	sess->key_id = resp[0];

	/* Accepted: only now does the peer's state change. */
	memcpy(p->last_ts, ts, HS_TAI64N_LEN);
	p->have_ts = true;
	p->last_init_ns = now_ns;
	/*
	 * Simultaneous initiations: the lower node id's wins.  The higher
	 * side, answering the lower's, drops its own initiation, so that a
	 * RESP to it is refused and it never completes; the lower side keeps
	 * its own pending (handshake.h, "Simultaneous initiations").
	 */
	if (p->pending && l->node_id > p->node_id)
		hs_peer_abandon(p);
	ret = HS_OK;
out:
	if (ret != HS_OK && ret != HS_R_COOKIE_NEEDED)
		*out_len = 0;
	noise_handshake_wipe(&hs);
	noise_session_wipe(&ns);
	sodium_memzero(payload, sizeof(payload));
	sodium_memzero(resp, sizeof(resp));
	return ret;
}

/* The peer whose live pending initiation has this index, or NULL. */
static struct hs_peer *pending_peer(struct hs_local *l, uint32_t index)
{
	struct hs_peer *p = l->peer_by_index(l->arg, index);

	if (!p || !p->pending || p->local_index != index)
		return NULL;
	return p;
}

enum hs_result hs_consume_resp(struct hs_local *l, const uint8_t *frame,
			       size_t len, uint64_t now_ns,
			       struct hs_session *sess, struct hs_peer **peerp)
{
	uint8_t payload[HS_KEY_ID_LEN + HS_CERT_MAX];
	struct noise_handshake hs = { 0 };
	struct noise_session ns;
	enum hs_result ret;
	struct hs_peer *p;
	size_t plen, macs;
	uint32_t index;
	int cr;

	(void)now_ns;
	if (!sess || !peerp)
		return HS_R_ERROR;
	*peerp = NULL;
	memset(sess, 0, sizeof(*sess));
	if (!usable(l) || !frame)
		return HS_R_ERROR;
	if (len < HS_RESP_FIXED_LEN || len > HS_RESP_MAX_LEN ||
	    frame[0] != HS_MSG_RESP || frame[1] || frame[2] || frame[3])
		return HS_R_MALFORMED;
	macs = len - 2 * HS_MAC_LEN;
	if (!mac_ok(l->mac1_key, sizeof(l->mac1_key), frame, macs,
		    frame + macs))
		return HS_R_BAD_MAC1;
	index = get32(frame + 12);
	p = pending_peer(l, index);
	if (!p)
		return HS_R_NO_HANDSHAKE;
	*peerp = p;
	if (get32(frame + 4) != p->node_id)
		return HS_R_UNKNOWN_PEER;

	/* Work on a copy: a refused RESP leaves the initiation pending. */
	hs = p->hs;
	memset(&ns, 0, sizeof(ns));
	ret = HS_R_DECRYPT;
	if (noise_ik_read(&hs, frame + HS_RESP_HDR_LEN,
			  macs - HS_RESP_HDR_LEN, payload, sizeof(payload),
			  &plen))
		goto out;
	ret = HS_R_MALFORMED;
	if (plen < HS_KEY_ID_LEN)
		goto out;
	cr = l->verify_cert(l->arg, p->node_id, p->s_pub,
			    payload + HS_KEY_ID_LEN, plen - HS_KEY_ID_LEN);
	if (cr) {
		sess->cert_reason = cr;
		ret = HS_R_BAD_CERT;
		goto out;
	}
	ret = HS_R_ERROR;
	if (noise_ik_split(&hs, &ns))
		goto out;
	fill_session(sess, &ns, p->node_id, index, get32(frame + 8), true);
	sess->key_id = payload[0];
	hs_peer_abandon(p);
	ret = HS_OK;
out:
	noise_handshake_wipe(&hs);
	noise_session_wipe(&ns);
	sodium_memzero(payload, sizeof(payload));
	return ret;
}

enum hs_result hs_consume_cookie(struct hs_local *l, const uint8_t *frame,
				 size_t len, uint64_t now_ns,
				 struct hs_peer **peerp)
{
	uint8_t cookie[HS_MAC_LEN];
	unsigned long long clen;
	struct hs_peer *p;

	if (!peerp)
		return HS_R_ERROR;
	*peerp = NULL;
	if (!usable(l) || !frame)
		return HS_R_ERROR;
	if (len != HS_COOKIE_LEN || frame[0] != HS_MSG_COOKIE || frame[1] ||
	    frame[2] || frame[3])
		return HS_R_MALFORMED;
	p = pending_peer(l, get32(frame + 4));
	if (!p || !p->cookie_awaited)
		return HS_R_NO_HANDSHAKE;
	*peerp = p;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, &clen, NULL,
						       frame + 8 +
						       HS_COOKIE_NONCE_LEN,
						       HS_MAC_LEN +
						       NOISE_TAG_LEN,
						       p->last_mac1,
						       HS_MAC_LEN, frame + 8,
						       p->cookie_key) ||
	    clen != HS_MAC_LEN)
		return HS_R_DECRYPT;
	memcpy(p->cookie, cookie, HS_MAC_LEN);
	p->cookie_ns = now_ns;
	p->have_cookie = true;
	p->cookie_awaited = false;
	sodium_memzero(cookie, sizeof(cookie));
	return HS_OK;
}

int hs_rl_init(struct hs_ratelimit *rl, unsigned int rate,
	       unsigned int burst, const uint8_t *key)
{
	if (!rl || !rate || !burst || rate > HS_NSEC_PER_SEC)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;
	memset(rl, 0, sizeof(*rl));
	rl->cost_ns = HS_NSEC_PER_SEC / rate;
	rl->burst_ns = rl->cost_ns * burst;
	if (key)
		memcpy(rl->key, key, sizeof(rl->key));
	else
		randombytes_buf(rl->key, sizeof(rl->key));
	return 0;
}

static bool rl_take(struct hs_ratelimit *rl, struct hs_rl_slot *s,
		    uint64_t now_ns)
{
	uint64_t t = s->tokens_ns + since(now_ns, s->last_ns);

	s->tokens_ns = t < rl->burst_ns ? t : rl->burst_ns;
	if (now_ns > s->last_ns)
		s->last_ns = now_ns;
	if (s->tokens_ns < rl->cost_ns)
		return false;
	s->tokens_ns -= rl->cost_ns;
	return true;
}

bool hs_rl_allow(struct hs_ratelimit *rl, const uint8_t *src,
		 size_t src_len, uint64_t now_ns)
{
	struct hs_rl_slot *s, *fresh = NULL, *oldest = NULL;
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t start;
	int i;

	if (!rl || !src || !src_len || src_len > HS_SRC_MAX)
		return false;
	crypto_shorthash(h, src, src_len, rl->key);
	memcpy(&start, h, sizeof(start));
	for (i = 0; i < HS_RL_PROBE; i++) {
		s = &rl->slot[(start + i) % HS_RL_SLOTS];
		if (s->src_len == src_len && !memcmp(s->src, src, src_len))
			return rl_take(rl, s, now_ns);
		/* A refilled bucket is as good as none: reuse it. */
		if (!fresh && (!s->src_len ||
			       since(now_ns, s->last_ns) >= rl->burst_ns))
			fresh = s;
		if (!oldest || s->last_ns < oldest->last_ns)
			oldest = s;
	}
	s = fresh ? fresh : oldest;
	memset(s, 0, sizeof(*s));
	memcpy(s->src, src, src_len);
	s->src_len = src_len;
	s->last_ns = now_ns;
	s->tokens_ns = rl->burst_ns - rl->cost_ns;
	return true;
}
