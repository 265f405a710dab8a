// SPDX-License-Identifier: GPL-2.0
/*
 * The node's side of beacon protocol v2: see bcnreg.h and
 * docs/beacon-auth.md, whose message layouts this file follows byte for
 * byte.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bcnreg.h"

static const char sig_context[] = "ovl-register-v1";
static const char key_context[] = "ovl-beacon-keys-v1";

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void bcn_mac(const uint8_t key[OVL_BEACON_KEY_LEN], const uint8_t *m,
	     size_t len, uint8_t mac[OVL_BEACON_MAC_LEN])
{
	crypto_shorthash_siphash24(mac, m, len, key);
}

static bool mac_ok(const uint8_t key[OVL_BEACON_KEY_LEN], const uint8_t *m,
		   size_t len)
{
	uint8_t mac[OVL_BEACON_MAC_LEN];

	if (len < OVL_BEACON_MAC_LEN)
		return false;
	bcn_mac(key, m, len - OVL_BEACON_MAC_LEN, mac);
	return !sodium_memcmp(mac, m + len - OVL_BEACON_MAC_LEN, sizeof(mac));
}

int bcn_derive_keys(const uint8_t x25519_secret[32], const uint8_t eph[32],
		    const uint8_t beph[32],
		    const uint8_t cookie[OVL_COOKIE_LEN],
		    uint8_t k_out[OVL_BEACON_KEYS_LEN])
{
	crypto_generichash_state st;

	if (sodium_is_zero(x25519_secret, 32))
		return -1;
	crypto_generichash_init(&st, x25519_secret, 32, OVL_BEACON_KEYS_LEN);
	crypto_generichash_update(&st, (const uint8_t *)key_context,
				  sizeof(key_context) - 1);
	crypto_generichash_update(&st, eph, 32);
	crypto_generichash_update(&st, beph, 32);
	crypto_generichash_update(&st, cookie, OVL_COOKIE_LEN);
	crypto_generichash_final(&st, k_out, OVL_BEACON_KEYS_LEN);
	sodium_memzero(&st, sizeof(st));
	return 0;
}

size_t bcn_put_addr(uint8_t *p, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		p[0] = 4;
		memcpy(p + 1, &s4->sin_addr, 4);
		memcpy(p + 5, &s4->sin_port, 2);
		return 7;
	}
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		p[0] = 4;
		memcpy(p + 1, s6->sin6_addr.s6_addr + 12, 4);
		memcpy(p + 5, &s6->sin6_port, 2);
		return 7;
	}
	p[0] = 16;
	memcpy(p + 1, &s6->sin6_addr, 16);
	memcpy(p + 17, &s6->sin6_port, 2);
	return 19;
}

size_t bcn_get_addr(const uint8_t *p, size_t len, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (len >= 7 && p[0] == 4) {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, p + 1, 4);
		memcpy(&s4->sin_port, p + 5, 2);
		return s4->sin_port ? 7 : 0;
	}
	if (len >= 19 && p[0] == 16) {
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, p + 1, 16);
		memcpy(&s6->sin6_port, p + 17, 2);
		return s6->sin6_port ? 19 : 0;
	}
	return 0;
}

void bcnreg_init(struct bcnreg *r, uint32_t node_id, const uint8_t *sk,
		 const uint8_t *cert, size_t cert_len)
{
	memset(r, 0, sizeof(*r));
	r->node_id = node_id;
	r->sk = sk;
	r->cert = cert;
	r->cert_len = cert_len;
}

static void forget(struct bcnreg *r)
{
	sodium_memzero(r->keys, sizeof(r->keys));
	sodium_memzero(r->eph_sk, sizeof(r->eph_sk));
	sodium_memzero(r->cookie, sizeof(r->cookie));
	memset(&r->public_ep, 0, sizeof(r->public_ep));
	r->punch_seq = 0;
	r->tries = 0;
}

void bcnreg_start(struct bcnreg *r, uint64_t now)
{
	forget(r);
	r->state = BCNREG_HELLO;
	r->next_ns = now;
	r->retry_ns = BCN_RETRY_FIRST_NS;
}

void bcnreg_stop(struct bcnreg *r)
{
	forget(r);
	r->state = BCNREG_IDLE;
}

uint64_t bcnreg_next(const struct bcnreg *r)
{
	if (r->state == BCNREG_HELLO || r->state == BCNREG_REGISTER)
		return r->next_ns;
	return UINT64_MAX;
}

static void backoff(struct bcnreg *r, uint64_t now)
{
	r->next_ns = now + r->retry_ns;
	r->retry_ns *= 2;
	if (r->retry_ns > BCN_RETRY_MAX_NS)
		r->retry_ns = BCN_RETRY_MAX_NS;
}

static size_t build_hello(const struct bcnreg *r, uint8_t *out, size_t size)
{
	if (size < OVL_HELLO_LEN)
		return 0;
	memset(out, 0, OVL_HELLO_LEN);
	out[0] = OVL_MSG_HELLO;
	put_be32(out + 1, r->node_id);
	return OVL_HELLO_LEN;
}

static size_t build_register(const struct bcnreg *r, uint8_t *out,
			     size_t size)
{
	uint8_t msg[sizeof(sig_context) - 1 + BCN_MSG_MAX_LEN];
	size_t len = BCN_REGISTER_MIN_LEN + r->cert_len, body;
	uint8_t *p = out;

	if (size < len || len > BCN_MSG_MAX_LEN)
		return 0;
	*p++ = OVL_MSG_REGISTER;
	put_be32(p, r->node_id);
	p += 4;
	memcpy(p, r->cookie, OVL_COOKIE_LEN);
	p += OVL_COOKIE_LEN;
	memcpy(p, r->eph_pk, 32);
	p += 32;
	put_be16(p, r->cert_len);
	p += 2;
	memcpy(p, r->cert, r->cert_len);
	p += r->cert_len;
	body = p - out;

	/* Ed25519 over the context and every byte before the signature. */
	memcpy(msg, sig_context, sizeof(sig_context) - 1);
	memcpy(msg + sizeof(sig_context) - 1, out, body);
	crypto_sign_detached(p, NULL, msg, sizeof(sig_context) - 1 + body,
			     r->sk);
	sodium_memzero(msg, sizeof(msg));
	return len;
}

size_t bcnreg_tick(struct bcnreg *r, uint64_t now, uint8_t *out, size_t size)
{
	size_t len;

	if (bcnreg_next(r) > now)
		return 0;
	if (r->state == BCNREG_REGISTER && r->tries >= BCN_REGISTER_TRIES) {
		/* The cookie may have expired: ask for a new one. */
		r->state = BCNREG_HELLO;
		r->tries = 0;
	}
	if (r->state == BCNREG_HELLO) {
		len = build_hello(r, out, size);
	} else {
		len = build_register(r, out, size);
		r->tries++;
	}
	backoff(r, now);
	return len;
}

static enum bcnreg_result on_cookie(struct bcnreg *r, const uint8_t *f,
				    size_t len, uint64_t now, uint8_t *out,
				    size_t size, size_t *out_len)
{
	if (len != 1 + 4 + OVL_COOKIE_LEN || r->state != BCNREG_HELLO)
		return BCNREG_R_IGNORED;
	memcpy(r->cookie, f + 5, OVL_COOKIE_LEN);
	crypto_box_keypair(r->eph_pk, r->eph_sk);
	r->state = BCNREG_REGISTER;
	r->tries = 0;
	r->retry_ns = BCN_RETRY_FIRST_NS;
	r->next_ns = now;
	*out_len = bcnreg_tick(r, now, out, size);
	return *out_len ? BCNREG_R_SEND : BCNREG_R_IGNORED;
}

static enum bcnreg_result on_register_ok(struct bcnreg *r, const uint8_t *f,
					 size_t len, uint64_t now)
{
	uint8_t shared[32], keys[OVL_BEACON_KEYS_LEN];
	struct sockaddr_storage ep;
	const uint8_t *beph = f + 5;
	size_t alen;

	if (r->state != BCNREG_REGISTER || len < 1 + 4 + 32 + 7 + 8)
		return BCNREG_R_IGNORED;
	alen = bcn_get_addr(f + 37, len - 37 - OVL_BEACON_MAC_LEN, &ep);
	if (!alen || 37 + alen + OVL_BEACON_MAC_LEN != len)
		return BCNREG_R_IGNORED;
	if (crypto_scalarmult(shared, r->eph_sk, beph) ||
	    bcn_derive_keys(shared, r->eph_pk, beph, r->cookie, keys)) {
		sodium_memzero(shared, sizeof(shared));
		return BCNREG_R_IGNORED;
	}
	sodium_memzero(shared, sizeof(shared));
	/* The MAC under k_down says the beacon derived the same keys. */
	if (!mac_ok(keys + OVL_BEACON_KEY_LEN, f, len)) {
		sodium_memzero(keys, sizeof(keys));
		return BCNREG_R_IGNORED;
	}
	memcpy(r->keys, keys, sizeof(keys));
	sodium_memzero(keys, sizeof(keys));
	sodium_memzero(r->eph_sk, sizeof(r->eph_sk));
	r->public_ep = ep;
	r->punch_seq = 0;
	r->state = BCNREG_DONE;
	r->registrations++;
	(void)now;
	return BCNREG_R_KEYS;
}

enum bcnreg_result bcnreg_input(struct bcnreg *r, const uint8_t *frame,
				size_t len, uint64_t now, uint8_t *out,
				size_t size, size_t *out_len)
{
	*out_len = 0;
	if (len < 5 || get_be32(frame + 1) != r->node_id ||
	    r->state == BCNREG_IDLE)
		return BCNREG_R_IGNORED;
	switch (frame[0]) {
	case OVL_MSG_COOKIE:
		return on_cookie(r, frame, len, now, out, size, out_len);
	case OVL_MSG_REGISTER_OK:
		return on_register_ok(r, frame, len, now);
	case OVL_MSG_REREGISTER:
		/*
		 * Unauthenticated: anyone can send it.  Obeyed at most every
		 * BCN_REREGISTER_NS, so a flood of them costs one signature
		 * per period, and only in BCNREG_DONE (a registration under
		 * way goes on).
		 */
		if (len != OVL_REREGISTER_LEN || r->state != BCNREG_DONE ||
		    (r->rereg_ns && now - r->rereg_ns < BCN_REREGISTER_NS))
			return BCNREG_R_IGNORED;
		r->rereg_ns = now;
		r->rereg_requests++;
		bcnreg_start(r, now);
		return BCNREG_R_RESTART;
	}
	return BCNREG_R_IGNORED;
}

size_t bcnreg_punch_request(struct bcnreg *r, uint32_t target, uint8_t *out,
			    size_t size)
{
	if (r->state != BCNREG_DONE || size < OVL_PUNCH_REQUEST_LEN)
		return 0;
	out[0] = OVL_MSG_PUNCH_REQUEST;
	put_be32(out + 1, target);
	put_be64(out + 5, ++r->punch_seq);
	bcn_mac(r->keys, out, 13, out + 13);
	return OVL_PUNCH_REQUEST_LEN;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

long bcn_punches_due(struct bcn_punches *ps, uint32_t *relayed, size_t n,
		     uint64_t now, uint32_t *due)
{
	struct bcn_punch *v = NULL, *old = ps->v;
	size_t i, j = 0, k = 0, n_due = 0;

	qsort(relayed, n, sizeof(*relayed), cmp_u32);
	if (n) {
		v = calloc(n, sizeof(*v));
		if (!v)
			return -1;
	}
	for (i = 0; i < n; i++) {
		if (k && v[k - 1].node_id == relayed[i])
			continue;	/* repeated */
		while (j < ps->n && old[j].node_id < relayed[i])
			j++;		/* not relayed any more */
		if (j < ps->n && old[j].node_id == relayed[i]) {
			v[k] = old[j];
		} else {
			v[k].node_id = relayed[i];
			v[k].next_ns = now;
			v[k].interval_ns = BCN_PUNCH_FIRST_NS;
		}
		if (v[k].next_ns <= now) {
			due[n_due++] = v[k].node_id;
			v[k].next_ns = now + v[k].interval_ns;
			v[k].interval_ns *= 2;
			if (v[k].interval_ns > BCN_PUNCH_MAX_NS)
				v[k].interval_ns = BCN_PUNCH_MAX_NS;
		}
		k++;
	}
	free(old);
	ps->v = v;
	ps->n = k;
	return n_due;
}

void bcn_punches_free(struct bcn_punches *ps)
{
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}
