// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for ovl-beacon's protocol v2 (docs/beacon-auth.md):
 * the message parsers of beacon/auth.c and the whole of bcn_handle_at()
 * on a table holding two registered nodes, or none.  The first byte says
 * what to do with the rest:
 *   bits 0-1  the source: node A's address, node B's, an unknown IPv4,
 *             an unknown IPv6 one
 *   bit 2     compute the message's MAC or relay tag with the sender's
 *             k_up first (so that refresh, relay and punch go deep)
 *   bits 3-4  0 and 1: two registered nodes; 2: an empty table, every
 *             source unverified; 3: the parsers (the messages', and the
 *             --limits file's)
 * Beyond memory safety it checks: what parses rebuilds to the same bytes;
 * an unknown source gets at most one datagram back and never more bytes
 * than it sent; protocol v1's 5-byte messages (DISCOVER, PUNCH_REQUEST,
 * an empty RELAY) are never answered, whoever sends them; every output
 * fits its buffer; the table stays within
 * its bounds and its two nodes keep their ids and addresses (nothing an
 * attacker sends moves them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ovl.h>
#include <sodium.h>

#include "../beacon/limits.h"
#include "../beacon/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PKT	2048

static const uint8_t key_a_up[16] = { 0xa1 }, key_a_down[16] = { 0xa2 };
static const uint8_t key_b_up[16] = { 0xb1 }, key_b_down[16] = { 0xb2 };

static struct bcn_addr addr_a, addr_b, addr_x4, addr_x6;

static void init_addrs(void)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 }, b[4] = { 192, 0, 2, 2 };
	static const uint8_t x[4] = { 198, 51, 100, 9 };

	bcn_addr_set_v4(&addr_a, a, 1000);
	bcn_addr_set_v4(&addr_b, b, 2000);
	bcn_addr_set_v4(&addr_x4, x, 3000);
	memset(&addr_x6, 0, sizeof(addr_x6));
	addr_x6.ip[0] = 0x20;
	addr_x6.ip[1] = 0x01;
	addr_x6.ip[15] = 9;
	addr_x6.port = 4000;
}

static void add_node(struct bcn_table *t, uint32_t id,
		     const struct bcn_addr *a, const uint8_t *up,
		     const uint8_t *down)
{
	struct bcn_node *n = bcn_table_add(t, id, a, 1);

	if (!n)
		abort();
	memcpy(n->auth.k_up, up, 16);
	memcpy(n->auth.k_down, down, 16);
	memset(n->auth.pk, id, 32);
}

static void fix_mac(uint8_t *pkt, size_t len, const uint8_t *k_up)
{
	switch (pkt[0]) {
	case OVL_MSG_DISCOVER:
	case OVL_MSG_PUNCH_REQUEST:
		if (len == 21)
			bcn_mac(k_up, pkt, 13, pkt + 13);
		break;
	case OVL_MSG_RELAY:
		if (len > BCN_RELAY2_HDR_LEN)
			bcn_relay_tag(k_up, OVL_MSG_RELAY,
				      (uint32_t)pkt[1] << 24 | pkt[2] << 16 |
				      pkt[3] << 8 | pkt[4], pkt + 13, len - 13,
				      pkt + 5);
		break;
	}
}

static void limits(const uint8_t *p, size_t len)
{
	struct bcn_limits l = { 1, 2, 3 }, was = l;
	char err[BCN_LIMITS_ERR_LEN] = "";

	if (bcn_limits_parse((const char *)p, len, &l, err)) {
		if (!err[0] || memcmp(&l, &was, sizeof(l)))
			abort();
		return;
	}
	if ((l.prefix_quota != 1 && (l.prefix_quota < 1 ||
				     l.prefix_quota > BCN_QUOTA_MAX)) ||
	    (l.relay_pps != 2 && l.relay_pps > BCN_PPS_MAX) ||
	    (l.relay_bps != 3 && (l.relay_bps < BCN_BPS_MIN ||
				  l.relay_bps > BCN_BPS_MAX)))
		abort();
}

static void parsers(const uint8_t *p, size_t len)
{
	static const uint8_t k[16] = { 7 };
	uint8_t out[MAX_PKT + 64], nonce[8], beph[32], cookie[16];
	struct bcn_register r;
	struct bcn_addr a;
	uint64_t seq;
	uint32_t id;
	int n;

	n = bcn_get_addr(p, len, &a);
	if (n > 0 && !(p[0] == 16 && bcn_addr_is_v4mapped(&a)) &&
	    (bcn_put_addr(out, &a) != (size_t)n || memcmp(out, p, n)))
		abort();
	if (!bcn_parse_register(p, len, &r)) {
		if (r.signed_len + BCN_SIG_LEN != len || !r.id ||
		    r.cert_len > BCN_REGISTER_CERT_MAX ||
		    r.cert + r.cert_len != r.sig)
			abort();
		(void)bcn_register_sig_ok(p, &r, k);
	}
	/* the rest rebuild to the same bytes (IPv4 as 4 bytes aside) */
	if (!bcn_parse_probe_reply(p, len, &a, nonce) &&
	    !(p[1] == 16 && bcn_addr_is_v4mapped(&a)) &&
	    (bcn_build_probe_reply(out, &a, nonce) != len ||
	     memcmp(out, p, len)))
		abort();
	if (!bcn_parse_discover_reply(p, len, k, &seq, &a) &&
	    !(p[9] == 16 && bcn_addr_is_v4mapped(&a)) &&
	    (bcn_build_discover_reply(out, seq, &a, k) != len ||
	     memcmp(out, p, len)))
		abort();
	if (!bcn_parse_punch_command(p, len, k, &id, &seq, &a) &&
	    !(p[13] == 16 && bcn_addr_is_v4mapped(&a)) &&
	    (bcn_build_punch_command(out, id, seq, &a, k) != len ||
	     memcmp(out, p, len)))
		abort();
	if (!bcn_parse_register_ok(p, len, &id, beph, &a) &&
	    !(p[37] == 16 && bcn_addr_is_v4mapped(&a)) &&
	    (bcn_build_register_ok(out, id, beph, &a, k) != len ||
	     memcmp(out, p, len - 8)))
		abort();
	if (!bcn_parse_cookie_msg(p, len, &id, cookie) &&
	    (bcn_build_cookie_msg(out, id, cookie) != len ||
	     memcmp(out, p, len)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ca[32] = { 0xca };
	static uint8_t pkt[MAX_PKT];
	static const struct bcn_addr *const srcs[] = {
		&addr_a, &addr_b, &addr_x4, &addr_x6,
	};
	struct bcn_out out[BCN_MAX_OUT];
	const struct bcn_addr *src;
	struct bcn_stats st = { 0 };
	struct bcn_table t;
	struct bcn_auth au;
	unsigned int k, i, mode;
	struct bcn_node *na, *nb;
	size_t len;

	if (!addr_a.port) {
		if (sodium_init() < 0)
			abort();
		init_addrs();
	}
	if (size < 2 || size - 1 > MAX_PKT)
		return 0;
	len = size - 1;
	memcpy(pkt, data + 1, len);
	mode = (data[0] >> 3) & 3;
	if (mode == 3) {
		parsers(pkt, len);
		limits(pkt, len);
		return 0;
	}
	src = srcs[data[0] & 3];
	if (bcn_table_init(&t, 4, 30000, 1))
		abort();
	if (bcn_auth_init(&au, &t, ca, 2))
		abort();
	au.unix_now = 1800000000;
	au.relay_pps = 2;		/* a budget a long input runs out of */
	if (mode != 2) {
		add_node(&t, 1, &addr_a, key_a_up, key_a_down);
		add_node(&t, 2, &addr_b, key_b_up, key_b_down);
		if (data[0] & 4)
			fix_mac(pkt, len, (data[0] & 3) == 1 ? key_b_up :
							       key_a_up);
	}
	k = bcn_handle_at(&t, &st, src, NULL, pkt, len, 1000, out);
	if (k > BCN_MAX_OUT)
		abort();
	for (i = 0; i < k; i++) {
		if (out[i].data ? out[i].data != pkt || out[i].len != len :
				  out[i].len > sizeof(out[i].small))
			abort();
	}
	/* the reply-size rule, for a source no node registered from */
	if ((mode == 2 || (data[0] & 3) >= 2) &&
	    (k > 1 || (k == 1 && out[0].len > len)))
		abort();
	/* no v2 message is 5 bytes long: v1's get nothing */
	if (len == BCN_ID_MSG_LEN && k)
		abort();
	if (t.count > t.max_nodes)
		abort();
	if (mode != 2) {
		na = bcn_table_by_id(&t, 1);
		nb = bcn_table_by_id(&t, 2);
		if (!na || !nb || !bcn_addr_equal(&na->addr, &addr_a) ||
		    !bcn_addr_equal(&nb->addr, &addr_b))
			abort();
	}
	bcn_auth_free(&au, &t);
	bcn_table_free(&t);
	return 0;
}
