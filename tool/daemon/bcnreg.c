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
#include "../beacon/auth.h"

/* @a (v4-mapped for IPv4) as a sockaddr. */
static void to_sockaddr(const struct bcn_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a->ip)) {
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->ip + 12, 4);
		s4->sin_port = htons(a->port);
	} else {
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->ip, 16);
		s6->sin6_port = htons(a->port);
		s6->sin6_scope_id = a->scope_id;
	}
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
		len = size < BCN_HELLO_LEN ? 0 : bcn_build_hello(out, r->node_id);
	} else {
		len = bcn_build_register(out, size, r->node_id, r->cookie,
					 r->eph_pk, r->cert, r->cert_len,
					 r->sk);
		r->tries++;
	}
	backoff(r, now);
	return len;
}

static enum bcnreg_result on_cookie(struct bcnreg *r, const uint8_t *f,
				    size_t len, uint64_t now, uint8_t *out,
				    size_t size, size_t *out_len)
{
	uint32_t id;

	if (r->state != BCNREG_HELLO ||
	    bcn_parse_cookie_msg(f, len, &id, r->cookie))
		return BCNREG_R_IGNORED;
	crypto_box_keypair(r->eph_pk, r->eph_sk);
	r->state = BCNREG_REGISTER;
	r->tries = 0;
	r->retry_ns = BCN_RETRY_FIRST_NS;
	r->next_ns = now;
	*out_len = bcnreg_tick(r, now, out, size);
	return *out_len ? BCNREG_R_SEND : BCNREG_R_IGNORED;
}

static enum bcnreg_result on_register_ok(struct bcnreg *r, const uint8_t *f,
					 size_t len)
{
	uint8_t beph[BCN_EPH_LEN], k_up[BCN_KEY_LEN], k_down[BCN_KEY_LEN];
	enum bcnreg_result res = BCNREG_R_IGNORED;
	struct bcn_addr a;
	uint32_t id;

	if (r->state != BCNREG_REGISTER ||
	    bcn_parse_register_ok(f, len, &id, beph, &a) ||
	    bcn_derive_keys(r->eph_sk, beph, r->eph_pk, beph, r->cookie, k_up,
			    k_down))
		return BCNREG_R_IGNORED;
	/* The MAC under k_down says the beacon derived the same keys. */
	if (bcn_mac_ok(k_down, f, len - BCN_MAC_LEN)) {
		memcpy(r->keys, k_up, BCN_KEY_LEN);
		memcpy(r->keys + BCN_KEY_LEN, k_down, BCN_KEY_LEN);
		sodium_memzero(r->eph_sk, sizeof(r->eph_sk));
		to_sockaddr(&a, &r->public_ep);
		r->punch_seq = 0;
		r->state = BCNREG_DONE;
		r->registrations++;
		res = BCNREG_R_KEYS;
	}
	sodium_memzero(k_up, sizeof(k_up));
	sodium_memzero(k_down, sizeof(k_down));
	return res;
}

bool bcnreg_frame_type(uint8_t type)
{
	return type == OVL_MSG_COOKIE || type == OVL_MSG_REGISTER_OK ||
	       type == OVL_MSG_REREGISTER;
}

enum bcnreg_result bcnreg_input(struct bcnreg *r, const uint8_t *frame,
				size_t len, uint64_t now, uint8_t *out,
				size_t size, size_t *out_len)
{
	*out_len = 0;
	if (len < 5 || bcn_get_be32(frame + 1) != r->node_id ||
	    r->state == BCNREG_IDLE)
		return BCNREG_R_IGNORED;
	switch (frame[0]) {
	case OVL_MSG_COOKIE:
		return on_cookie(r, frame, len, now, out, size, out_len);
	case OVL_MSG_REGISTER_OK:
		return on_register_ok(r, frame, len);
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
	return bcn_build_punch_request(out, target, ++r->punch_seq, r->keys);
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
		if (v[k].next_ns <= now && n_due < BCN_PUNCH_PER_CALL) {
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
