/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Beacon protocol v2 (docs/beacon-auth.md): the messages, the cookie, the
 * registration keys, the MACs and relay tags, token buckets and source
 * prefixes.  Pure code over libsodium: no sockets, no clock (the caller
 * passes the time), no allocation.  Both sides' builders and parsers are
 * here, so that the unit tests, the fuzzer and the loopback test's node
 * speak exactly what the beacon does.
 */
#ifndef OVL_BEACON_AUTH_H
#define OVL_BEACON_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"

/* Big-endian fields of the wire messages. */
static inline uint32_t bcn_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void bcn_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint64_t bcn_get_be64(const uint8_t *p)
{
	return (uint64_t)bcn_get_be32(p) << 32 | bcn_get_be32(p + 4);
}

static inline void bcn_put_be64(uint8_t *p, uint64_t v)
{
	bcn_put_be32(p, v >> 32);
	bcn_put_be32(p + 4, (uint32_t)v);
}

#define BCN_MAC_LEN		8	/* SipHash-2-4, little-endian */
#define BCN_KEY_LEN		16	/* one direction's SipHash key */
#define BCN_SECRET_LEN		32	/* the cookie secret */
#define BCN_COOKIE_LEN		16
#define BCN_NONCE_LEN		8
#define BCN_EPH_LEN		32	/* X25519 public key */
#define BCN_PK_LEN		32	/* Ed25519 public key */
#define BCN_SIG_LEN		64	/* Ed25519 signature */
#define BCN_ADDR_MAX		19	/* [iplen][16-byte ip][port] */

#define BCN_PROBE_LEN		32	/* at least */
#define BCN_PROBE_REPLY_MAX	(1 + BCN_ADDR_MAX + BCN_NONCE_LEN)
#define BCN_REFRESH_LEN		21
#define BCN_DREPLY_MAX		(1 + 8 + BCN_ADDR_MAX + BCN_MAC_LEN)
#define BCN_PUNCH_REQ_LEN	21
#define BCN_PUNCH_CMD_MAX	(1 + 4 + 8 + BCN_ADDR_MAX + BCN_MAC_LEN)
#define BCN_RELAY2_HDR_LEN	13	/* type, node id, tag */
#define BCN_HELLO_LEN		40	/* at least */
#define BCN_COOKIE_MSG_LEN	21
#define BCN_REGISTER_FIXED	119	/* without the certificate */
#define BCN_REGISTER_CERT_MAX	732	/* CERT_MAX_LEN */
#define BCN_REGISTER_OK_MAX	(1 + 4 + BCN_EPH_LEN + BCN_ADDR_MAX + \
				 BCN_MAC_LEN)
#define BCN_REREGISTER_LEN	5
#define BCN_TAG_COVER		16	/* inner bytes a relay tag covers */

#define BCN_COOKIE_LABEL	"ovl-cookie-v1"
#define BCN_KEYS_LABEL		"ovl-beacon-keys-v1"
#define BCN_REGISTER_LABEL	"ovl-register-v1"

/* ---- addresses, MACs ---- */

/* [iplen 4|16][ip][port BE] at @p; returns 7 or 19. */
size_t bcn_put_addr(uint8_t *p, const struct bcn_addr *a);
/* Parse an ADDR at the start of @len bytes; returns its length or -1. */
int bcn_get_addr(const uint8_t *p, size_t len, struct bcn_addr *a);

/* SIPHASH(@key, @m of @len bytes) into @out (8 bytes, LE). */
void bcn_mac(const uint8_t key[BCN_KEY_LEN], const uint8_t *m, size_t len,
	     uint8_t out[BCN_MAC_LEN]);
/* True if the 8 bytes after @m[0..@len) are its MAC under @key. */
bool bcn_mac_ok(const uint8_t key[BCN_KEY_LEN], const uint8_t *m,
		size_t len);

/* cookie = BLAKE2b(@secret, label || iplen || ip || port || id, 16) */
void bcn_cookie(const uint8_t secret[BCN_SECRET_LEN],
		const struct bcn_addr *a, uint32_t id,
		uint8_t out[BCN_COOKIE_LEN]);

/*
 * k = BLAKE2b(X25519(@sk, @eph), label || eph || beph || cookie, 32):
 * k_up = k[0..16), k_down = k[16..32).  Either side: the beacon passes
 * its secret b and the daemon's eph, the daemon its secret and beph (then
 * @eph and @beph keep their roles in the label).  Returns 0, or -1 if
 * the X25519 result is all zero (a low-order point).
 */
int bcn_derive_keys(const uint8_t sk[32], const uint8_t peer_pub[32],
		    const uint8_t eph[BCN_EPH_LEN],
		    const uint8_t beph[BCN_EPH_LEN],
		    const uint8_t cookie[BCN_COOKIE_LEN],
		    uint8_t k_up[BCN_KEY_LEN], uint8_t k_down[BCN_KEY_LEN]);

/* SIPHASH(@key, [@type][@id] || @inner[0..min(16, @len))) */
void bcn_relay_tag(const uint8_t key[BCN_KEY_LEN], uint8_t type, uint32_t id,
		   const uint8_t *inner, size_t len, uint8_t tag[BCN_MAC_LEN]);

/* ---- messages (each builder returns the length written) ---- */

size_t bcn_build_probe(uint8_t *buf, const uint8_t nonce[BCN_NONCE_LEN]);
size_t bcn_build_probe_reply(uint8_t *buf, const struct bcn_addr *a,
			     const uint8_t nonce[BCN_NONCE_LEN]);
int bcn_parse_probe_reply(const uint8_t *buf, size_t len,
			  struct bcn_addr *a, uint8_t nonce[BCN_NONCE_LEN]);

size_t bcn_build_refresh(uint8_t *buf, uint32_t id, uint64_t seq,
			 const uint8_t k_up[BCN_KEY_LEN]);
size_t bcn_build_discover_reply(uint8_t *buf, uint64_t seq,
				const struct bcn_addr *a,
				const uint8_t k_down[BCN_KEY_LEN]);
/* Checks the MAC; returns 0 or -1. */
int bcn_parse_discover_reply(const uint8_t *buf, size_t len,
			     const uint8_t k_down[BCN_KEY_LEN], uint64_t *seq,
			     struct bcn_addr *a);

size_t bcn_build_hello(uint8_t *buf, uint32_t id);
size_t bcn_build_cookie_msg(uint8_t *buf, uint32_t id,
			    const uint8_t cookie[BCN_COOKIE_LEN]);
int bcn_parse_cookie_msg(const uint8_t *buf, size_t len, uint32_t *id,
			 uint8_t cookie[BCN_COOKIE_LEN]);

/**
 * struct bcn_register - a parsed REGISTER, pointing into the datagram
 * @id: node id
 * @cookie: 16 bytes
 * @eph: the daemon's X25519 public key
 * @cert: the certificate's binary form, @cert_len bytes
 * @sig: the signature, over the label and the @signed_len bytes before it
 */
struct bcn_register {
	uint32_t	id;
	const uint8_t	*cookie;
	const uint8_t	*eph;
	const uint8_t	*cert;
	size_t		cert_len;
	const uint8_t	*sig;
	size_t		signed_len;
};

/* Layout only (no cryptography): 0, or -1 for a bad length or id 0. */
int bcn_parse_register(const uint8_t *buf, size_t len,
		       struct bcn_register *r);
/* The signature of the parsed REGISTER @r of @buf under @pk. */
bool bcn_register_sig_ok(const uint8_t *buf, const struct bcn_register *r,
			 const uint8_t pk[BCN_PK_LEN]);
/*
 * A REGISTER signed with the Ed25519 secret key @sk (64 bytes) into @buf
 * of @size bytes; returns its length, or 0 if it does not fit.
 */
size_t bcn_build_register(uint8_t *buf, size_t size, uint32_t id,
			  const uint8_t cookie[BCN_COOKIE_LEN],
			  const uint8_t eph[BCN_EPH_LEN],
			  const uint8_t *cert, size_t cert_len,
			  const uint8_t sk[64]);

size_t bcn_build_register_ok(uint8_t *buf, uint32_t id,
			     const uint8_t beph[BCN_EPH_LEN],
			     const struct bcn_addr *a,
			     const uint8_t k_down[BCN_KEY_LEN]);
/* Layout only: the MAC needs the keys, which need @beph (bcn_mac_ok()). */
int bcn_parse_register_ok(const uint8_t *buf, size_t len, uint32_t *id,
			  uint8_t beph[BCN_EPH_LEN], struct bcn_addr *a);

size_t bcn_build_punch_request(uint8_t *buf, uint32_t target, uint64_t seq,
			       const uint8_t k_up[BCN_KEY_LEN]);
size_t bcn_build_punch_command(uint8_t *buf, uint32_t peer, uint64_t seq,
			       const struct bcn_addr *a,
			       const uint8_t k_down[BCN_KEY_LEN]);
/* Checks the MAC; returns 0 or -1. */
int bcn_parse_punch_command(const uint8_t *buf, size_t len,
			    const uint8_t k_down[BCN_KEY_LEN], uint32_t *peer,
			    uint64_t *seq, struct bcn_addr *a);

size_t bcn_build_reregister(uint8_t *buf, uint32_t id);

/* ---- token buckets ---- */

/*
 * Refill @b at @rate tokens a second up to @burst, then take @cost
 * tokens if it holds them.  Returns true if it did.
 */
bool bcn_bucket_take(struct bcn_bucket *b, uint64_t rate, uint64_t burst,
		     uint64_t cost, uint64_t now);

/* Give @cost tokens back to @b (a take undone), up to @burst. */
void bcn_bucket_give(struct bcn_bucket *b, uint64_t burst, uint64_t cost);

/* ---- source prefixes ---- */

/* The /24 of an IPv4 (v4-mapped) address, the /48 of an IPv6 one. */
void bcn_prefix(const struct bcn_addr *a, uint8_t out[16]);

#endif /* OVL_BEACON_AUTH_H */
