// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon protocol v2's messages and primitives (auth.h,
 * docs/beacon-auth.md).
 */
#include <string.h>

#include <linux/ovl.h>
#include <sodium.h>

#include "auth.h"

/* The uAPI's names for the same lengths: the kernel half speaks these. */
_Static_assert(BCN_MAC_LEN == OVL_BEACON_MAC_LEN, "mac");
_Static_assert(BCN_KEY_LEN == OVL_BEACON_KEY_LEN, "key");
_Static_assert(2 * BCN_KEY_LEN == OVL_BEACON_KEYS_LEN, "keys");
_Static_assert(BCN_PROBE_LEN == OVL_PROBE_MSG_LEN, "probe");
_Static_assert(BCN_HELLO_LEN == OVL_HELLO_LEN, "hello");
_Static_assert(BCN_COOKIE_LEN == OVL_COOKIE_LEN, "cookie");
_Static_assert(BCN_REFRESH_LEN == OVL_REFRESH_LEN, "refresh");
_Static_assert(BCN_PUNCH_REQ_LEN == OVL_PUNCH_REQUEST_LEN, "punch");
_Static_assert(BCN_REREGISTER_LEN == OVL_REREGISTER_LEN, "reregister");
_Static_assert(BCN_RELAY2_HDR_LEN == OVL_RELAY2_HDR_LEN, "relay");

/* ---- addresses (table.h), MACs ---- */

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

bool bcn_addr_equal(const struct bcn_addr *a, const struct bcn_addr *b)
{
	return a->port == b->port && a->scope_id == b->scope_id &&
	       !memcmp(a->ip, b->ip, sizeof(a->ip));
}

bool bcn_addr_is_v4mapped(const struct bcn_addr *a)
{
	return !memcmp(a->ip, v4mapped_prefix, sizeof(v4mapped_prefix));
}

void bcn_addr_set_v4(struct bcn_addr *a, const uint8_t ip4[4], uint16_t port)
{
	memcpy(a->ip, v4mapped_prefix, sizeof(v4mapped_prefix));
	memcpy(a->ip + 12, ip4, 4);
	a->port = port;
	a->scope_id = 0;
}

size_t bcn_put_addr(uint8_t *p, const struct bcn_addr *a)
{
	size_t iplen = bcn_addr_is_v4mapped(a) ? 4 : 16;

	p[0] = iplen;
	memcpy(p + 1, a->ip + 16 - iplen, iplen);
	p[1 + iplen] = a->port >> 8;
	p[2 + iplen] = a->port & 0xff;
	return 3 + iplen;
}

int bcn_get_addr(const uint8_t *p, size_t len, struct bcn_addr *a)
{
	size_t iplen;

	if (len < 1)
		return -1;
	iplen = p[0];
	if ((iplen != 4 && iplen != 16) || len < 3 + iplen)
		return -1;
	memset(a, 0, sizeof(*a));
	if (iplen == 4)
		bcn_addr_set_v4(a, p + 1, 0);
	else
		memcpy(a->ip, p + 1, 16);
	a->port = (uint16_t)(p[1 + iplen] << 8 | p[2 + iplen]);
	return (int)(3 + iplen);
}

void bcn_mac(const uint8_t key[BCN_KEY_LEN], const uint8_t *m, size_t len,
	     uint8_t out[BCN_MAC_LEN])
{
	crypto_shorthash_siphash24(out, m, len, key);
}

bool bcn_mac_ok(const uint8_t key[BCN_KEY_LEN], const uint8_t *m, size_t len)
{
	uint8_t mac[BCN_MAC_LEN];

	bcn_mac(key, m, len, mac);
	return !sodium_memcmp(mac, m + len, BCN_MAC_LEN);
}

void bcn_cookie(const uint8_t secret[BCN_SECRET_LEN],
		const struct bcn_addr *a, uint32_t id,
		uint8_t out[BCN_COOKIE_LEN])
{
	uint8_t m[sizeof(BCN_COOKIE_LABEL) - 1 + BCN_ADDR_MAX + 4];
	size_t n = sizeof(BCN_COOKIE_LABEL) - 1;

	memcpy(m, BCN_COOKIE_LABEL, n);
	n += bcn_put_addr(m + n, a);
	bcn_put_be32(m + n, id);
	n += 4;
	crypto_generichash(out, BCN_COOKIE_LEN, m, n, secret, BCN_SECRET_LEN);
}

int bcn_derive_keys(const uint8_t sk[32], const uint8_t peer_pub[32],
		    const uint8_t eph[BCN_EPH_LEN],
		    const uint8_t beph[BCN_EPH_LEN],
		    const uint8_t cookie[BCN_COOKIE_LEN],
		    uint8_t k_up[BCN_KEY_LEN], uint8_t k_down[BCN_KEY_LEN])
{
	uint8_t m[sizeof(BCN_KEYS_LABEL) - 1 + 2 * BCN_EPH_LEN +
		  BCN_COOKIE_LEN];
	uint8_t shared[crypto_scalarmult_BYTES], k[2 * BCN_KEY_LEN];
	size_t n = sizeof(BCN_KEYS_LABEL) - 1;

	if (crypto_scalarmult(shared, sk, peer_pub))
		return -1;
	memcpy(m, BCN_KEYS_LABEL, n);
	memcpy(m + n, eph, BCN_EPH_LEN);
	n += BCN_EPH_LEN;
	memcpy(m + n, beph, BCN_EPH_LEN);
	n += BCN_EPH_LEN;
	memcpy(m + n, cookie, BCN_COOKIE_LEN);
	n += BCN_COOKIE_LEN;
	crypto_generichash(k, sizeof(k), m, n, shared, sizeof(shared));
	memcpy(k_up, k, BCN_KEY_LEN);
	memcpy(k_down, k + BCN_KEY_LEN, BCN_KEY_LEN);
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(k, sizeof(k));
	return 0;
}

void bcn_relay_tag(const uint8_t key[BCN_KEY_LEN], uint8_t type, uint32_t id,
		   const uint8_t *inner, size_t len, uint8_t tag[BCN_MAC_LEN])
{
	uint8_t m[5 + BCN_TAG_COVER];
	size_t n = len < BCN_TAG_COVER ? len : BCN_TAG_COVER;

	m[0] = type;
	bcn_put_be32(m + 1, id);
	memcpy(m + 5, inner, n);
	bcn_mac(key, m, 5 + n, tag);
}

/* ---- probe ---- */

size_t bcn_build_probe(uint8_t *buf, const uint8_t nonce[BCN_NONCE_LEN])
{
	memset(buf, 0, BCN_PROBE_LEN);
	buf[0] = OVL_MSG_DISCOVER;
	memcpy(buf + 5, nonce, BCN_NONCE_LEN);
	return BCN_PROBE_LEN;
}

size_t bcn_build_probe_reply(uint8_t *buf, const struct bcn_addr *a,
			     const uint8_t nonce[BCN_NONCE_LEN])
{
	size_t n = 1;

	buf[0] = OVL_MSG_DISCOVER_REPLY;
	n += bcn_put_addr(buf + n, a);
	memcpy(buf + n, nonce, BCN_NONCE_LEN);
	return n + BCN_NONCE_LEN;
}

int bcn_parse_probe_reply(const uint8_t *buf, size_t len,
			  struct bcn_addr *a, uint8_t nonce[BCN_NONCE_LEN])
{
	int n;

	if (len < 1 || buf[0] != OVL_MSG_DISCOVER_REPLY)
		return -1;
	n = bcn_get_addr(buf + 1, len - 1, a);
	if (n < 0 || len != 1 + (size_t)n + BCN_NONCE_LEN)
		return -1;
	memcpy(nonce, buf + 1 + n, BCN_NONCE_LEN);
	return 0;
}

/* ---- refresh ---- */

size_t bcn_build_refresh(uint8_t *buf, uint32_t id, uint64_t seq,
			 const uint8_t k_up[BCN_KEY_LEN])
{
	buf[0] = OVL_MSG_DISCOVER;
	bcn_put_be32(buf + 1, id);
	bcn_put_be64(buf + 5, seq);
	bcn_mac(k_up, buf, 13, buf + 13);
	return BCN_REFRESH_LEN;
}

size_t bcn_build_discover_reply(uint8_t *buf, uint64_t seq,
				const struct bcn_addr *a,
				const uint8_t k_down[BCN_KEY_LEN])
{
	size_t n = 9;

	buf[0] = OVL_MSG_DISCOVER_REPLY;
	bcn_put_be64(buf + 1, seq);
	n += bcn_put_addr(buf + n, a);
	bcn_mac(k_down, buf, n, buf + n);
	return n + BCN_MAC_LEN;
}

int bcn_parse_discover_reply(const uint8_t *buf, size_t len,
			     const uint8_t k_down[BCN_KEY_LEN], uint64_t *seq,
			     struct bcn_addr *a)
{
	int n;

	if (len < 9 || buf[0] != OVL_MSG_DISCOVER_REPLY)
		return -1;
	n = bcn_get_addr(buf + 9, len - 9, a);
	if (n < 0 || len != 9 + (size_t)n + BCN_MAC_LEN ||
	    !bcn_mac_ok(k_down, buf, 9 + n))
		return -1;
	*seq = bcn_get_be64(buf + 1);
	return 0;
}

/* ---- registration ---- */

size_t bcn_build_hello(uint8_t *buf, uint32_t id)
{
	memset(buf, 0, BCN_HELLO_LEN);
	buf[0] = OVL_MSG_HELLO;
	bcn_put_be32(buf + 1, id);
	return BCN_HELLO_LEN;
}

size_t bcn_build_cookie_msg(uint8_t *buf, uint32_t id,
			    const uint8_t cookie[BCN_COOKIE_LEN])
{
	buf[0] = OVL_MSG_COOKIE;
	bcn_put_be32(buf + 1, id);
	memcpy(buf + 5, cookie, BCN_COOKIE_LEN);
	return BCN_COOKIE_MSG_LEN;
}

int bcn_parse_cookie_msg(const uint8_t *buf, size_t len, uint32_t *id,
			 uint8_t cookie[BCN_COOKIE_LEN])
{
	if (len != BCN_COOKIE_MSG_LEN || buf[0] != OVL_MSG_COOKIE)
		return -1;
	*id = bcn_get_be32(buf + 1);
	memcpy(cookie, buf + 5, BCN_COOKIE_LEN);
	return 0;
}

int bcn_parse_register(const uint8_t *buf, size_t len,
		       struct bcn_register *r)
{
	size_t cert_len;

	if (len < BCN_REGISTER_FIXED || buf[0] != OVL_MSG_REGISTER)
		return -1;
	cert_len = (size_t)buf[53] << 8 | buf[54];
	if (cert_len > BCN_REGISTER_CERT_MAX ||
	    len != BCN_REGISTER_FIXED + cert_len)
		return -1;
	r->id = bcn_get_be32(buf + 1);
	if (!r->id)
		return -1;
	r->cookie = buf + 5;
	r->eph = buf + 21;
	r->cert = buf + 55;
	r->cert_len = cert_len;
	r->signed_len = 55 + cert_len;
	r->sig = buf + r->signed_len;
	return 0;
}

/* label || the signed bytes: what the signature covers */
#define REG_LABEL_LEN	(sizeof(BCN_REGISTER_LABEL) - 1)
#define REG_SIGNED_MAX	(REG_LABEL_LEN + 55 + BCN_REGISTER_CERT_MAX)

bool bcn_register_sig_ok(const uint8_t *buf, const struct bcn_register *r,
			 const uint8_t pk[BCN_PK_LEN])
{
	uint8_t m[REG_SIGNED_MAX];

	memcpy(m, BCN_REGISTER_LABEL, REG_LABEL_LEN);
	memcpy(m + REG_LABEL_LEN, buf, r->signed_len);
	return !crypto_sign_verify_detached(r->sig, m,
					    REG_LABEL_LEN + r->signed_len, pk);
}

size_t bcn_build_register(uint8_t *buf, size_t size, uint32_t id,
			  const uint8_t cookie[BCN_COOKIE_LEN],
			  const uint8_t eph[BCN_EPH_LEN],
			  const uint8_t *cert, size_t cert_len,
			  const uint8_t sk[64])
{
	uint8_t m[REG_SIGNED_MAX];
	size_t n = 55 + cert_len;

	if (cert_len > BCN_REGISTER_CERT_MAX ||
	    size < BCN_REGISTER_FIXED + cert_len)
		return 0;
	buf[0] = OVL_MSG_REGISTER;
	bcn_put_be32(buf + 1, id);
	memcpy(buf + 5, cookie, BCN_COOKIE_LEN);
	memcpy(buf + 21, eph, BCN_EPH_LEN);
	buf[53] = cert_len >> 8;
	buf[54] = cert_len & 0xff;
	memcpy(buf + 55, cert, cert_len);
	memcpy(m, BCN_REGISTER_LABEL, REG_LABEL_LEN);
	memcpy(m + REG_LABEL_LEN, buf, n);
	crypto_sign_detached(buf + n, NULL, m, REG_LABEL_LEN + n, sk);
	return n + BCN_SIG_LEN;
}

size_t bcn_build_register_ok(uint8_t *buf, uint32_t id,
			     const uint8_t beph[BCN_EPH_LEN],
			     const struct bcn_addr *a,
			     const uint8_t k_down[BCN_KEY_LEN])
{
	size_t n = 5 + BCN_EPH_LEN;

	buf[0] = OVL_MSG_REGISTER_OK;
	bcn_put_be32(buf + 1, id);
	memcpy(buf + 5, beph, BCN_EPH_LEN);
	n += bcn_put_addr(buf + n, a);
	bcn_mac(k_down, buf, n, buf + n);
	return n + BCN_MAC_LEN;
}

int bcn_parse_register_ok(const uint8_t *buf, size_t len, uint32_t *id,
			  uint8_t beph[BCN_EPH_LEN], struct bcn_addr *a)
{
	size_t n = 5 + BCN_EPH_LEN;
	int alen;

	if (len < n || buf[0] != OVL_MSG_REGISTER_OK)
		return -1;
	alen = bcn_get_addr(buf + n, len - n, a);
	if (alen < 0 || len != n + (size_t)alen + BCN_MAC_LEN)
		return -1;
	*id = bcn_get_be32(buf + 1);
	memcpy(beph, buf + 5, BCN_EPH_LEN);
	return 0;
}

/* ---- hole punching ---- */

size_t bcn_build_punch_request(uint8_t *buf, uint32_t target, uint64_t seq,
			       const uint8_t k_up[BCN_KEY_LEN])
{
	buf[0] = OVL_MSG_PUNCH_REQUEST;
	bcn_put_be32(buf + 1, target);
	bcn_put_be64(buf + 5, seq);
	bcn_mac(k_up, buf, 13, buf + 13);
	return BCN_PUNCH_REQ_LEN;
}

size_t bcn_build_punch_command(uint8_t *buf, uint32_t peer, uint64_t seq,
			       const struct bcn_addr *a,
			       const uint8_t k_down[BCN_KEY_LEN])
{
	size_t n = 13;

	buf[0] = OVL_MSG_PUNCH_COMMAND;
	bcn_put_be32(buf + 1, peer);
	bcn_put_be64(buf + 5, seq);
	n += bcn_put_addr(buf + n, a);
	bcn_mac(k_down, buf, n, buf + n);
	return n + BCN_MAC_LEN;
}

int bcn_parse_punch_command(const uint8_t *buf, size_t len,
			    const uint8_t k_down[BCN_KEY_LEN], uint32_t *peer,
			    uint64_t *seq, struct bcn_addr *a)
{
	int n;

	if (len < 13 || buf[0] != OVL_MSG_PUNCH_COMMAND)
		return -1;
	n = bcn_get_addr(buf + 13, len - 13, a);
	if (n < 0 || len != 13 + (size_t)n + BCN_MAC_LEN ||
	    !bcn_mac_ok(k_down, buf, 13 + n))
		return -1;
	*peer = bcn_get_be32(buf + 1);
	*seq = bcn_get_be64(buf + 5);
	return 0;
}

size_t bcn_build_reregister(uint8_t *buf, uint32_t id)
{
	buf[0] = OVL_MSG_REREGISTER;
	bcn_put_be32(buf + 1, id);
	return BCN_REREGISTER_LEN;
}

/* ---- token buckets ---- */

bool bcn_bucket_take(struct bcn_bucket *b, uint64_t rate, uint64_t burst,
		     uint64_t cost, uint64_t now)
{
	uint64_t cap = burst * 1000, need = cost * 1000;

	if (!b->used) {
		b->used = true;
		b->milli = cap;
		b->last = now;
	} else if (now > b->last) {
		uint64_t dt = now - b->last;

		/* rate tokens a second: rate thousandths a millisecond */
		if (!rate || dt > cap / rate + 1)
			b->milli = rate ? cap : b->milli;
		else
			b->milli += dt * rate;
		if (b->milli > cap)
			b->milli = cap;
		b->last = now;
	}
	if (b->milli < need)
		return false;
	b->milli -= need;
	return true;
}

void bcn_bucket_give(struct bcn_bucket *b, uint64_t burst, uint64_t cost)
{
	if (!b->used)
		return;
	b->milli += cost * 1000;
	if (b->milli > burst * 1000)
		b->milli = burst * 1000;
}

/* ---- prefixes ---- */

void bcn_prefix(const struct bcn_addr *a, uint8_t out[16])
{
	memset(out, 0, 16);
	if (bcn_addr_is_v4mapped(a))
		memcpy(out, a->ip, 15);		/* ::ffff:a.b.c.0/120 */
	else
		memcpy(out, a->ip, 6);		/* /48 */
}
