// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of "ovlctl peer" (peer.c) against the fake kernel: the
 * requests each command sends, decoded attribute by attribute, and the
 * text and JSON printed from peer replies laid out as the kernel lays them
 * out, up to a dump of 100,000 peers.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../peer.c"
#include "harness.h"

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

/* The request @i: its command, flags, device, and the peer nest in @tb. */
static void req_peer(unsigned int i, uint8_t cmd, uint16_t flags,
		     const struct nlattr **tb, const struct nlattr **aips,
		     unsigned int n_aips, unsigned int *count)
{
	const struct nlattr *top[OVL_A_DEV_MAX + 1];
	const struct nlmsghdr *nlh = fake_req(i);

	assert_int_equal(fake_req_genl(i)->cmd, cmd);
	assert_int_equal(fake_req_genl(i)->version, OVL_FAMILY_VERSION);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | flags);
	decode(nlh, top, OVL_A_DEV_MAX);
	assert_string_equal(mnl_attr_get_str(top[OVL_A_DEV_IFNAME]), "ovl0");
	assert_null(top[OVL_A_DEV_IFINDEX]);
	assert_null(top[OVL_A_DEV_KEY]);
	if (!tb) {
		assert_null(top[OVL_A_DEV_PEER]);
		return;
	}
	decode_nested(top[OVL_A_DEV_PEER], tb, OVL_A_PEER_MAX,
		      OVL_A_PEER_ALLOWED_IP, aips, n_aips, count);
}

static void expect_aip(const struct nlattr *nest, uint16_t family,
		       const char *addr, uint8_t cidr)
{
	const struct nlattr *tb[OVL_A_AIP_MAX + 1];
	uint8_t want[16];
	size_t len = family == AF_INET ? 4 : 16;

	decode_nested(nest, tb, OVL_A_AIP_MAX, 0, NULL, 0, NULL);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_AIP_FAMILY]), 2);
	assert_int_equal(mnl_attr_get_u16(tb[OVL_A_AIP_FAMILY]), family);
	assert_int_equal(inet_pton(family, addr, want), 1);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_AIP_ADDR]), len);
	assert_memory_equal(mnl_attr_get_payload(tb[OVL_A_AIP_ADDR]), want,
			    len);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_AIP_CIDR]), 1);
	assert_int_equal(mnl_attr_get_u8(tb[OVL_A_AIP_CIDR]), cidr);
}

static void test_add_all(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1], *aips[8];
	const uint8_t ip[4] = { 203, 0, 113, 5 };
	const uint8_t port[2] = { 4500 >> 8, 4500 & 0xff };
	unsigned int n;

	(void)state;
	assert_int_equal(run("peer", "add", "ovl0", "42",
			     "endpoint", "203.0.113.5:4500",
			     "allowed-ips", "10.77.0.42/32,fd00::42/128,10.1.0.0/16",
			     "keepalive", "25", NULL), 0);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err, "");
	assert_int_equal(fake_nreqs(), 1);
	req_peer(0, OVL_CMD_PEER_NEW, 0, tb, aips, 8, &n);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]), 42);
	/* Network order: the address and port bytes as on the wire. */
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_PEER_REMOTE_IPV4]),
			 4);
	assert_memory_equal(mnl_attr_get_payload(tb[OVL_A_PEER_REMOTE_IPV4]),
			    ip, 4);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_PEER_REMOTE_PORT]),
			 2);
	assert_memory_equal(mnl_attr_get_payload(tb[OVL_A_PEER_REMOTE_PORT]),
			    port, 2);
	assert_null(tb[OVL_A_PEER_REMOTE_IPV6]);
	assert_int_equal(n, 3);
	expect_aip(aips[0], AF_INET, "10.77.0.42", 32);
	expect_aip(aips[1], AF_INET6, "fd00::42", 128);
	expect_aip(aips[2], AF_INET, "10.1.0.0", 16);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_PEER_KEEPALIVE]), 25);
	assert_null(tb[OVL_A_PEER_PATH]);
}

static void test_add_bare(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1], *aips[1];
	unsigned int n, i;

	(void)state;
	assert_int_equal(run("peer", "add", "ovl0", "4294967295", NULL), 0);
	req_peer(0, OVL_CMD_PEER_NEW, 0, tb, aips, 1, &n);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]), UINT32_MAX);
	assert_int_equal(n, 0);
	for (i = OVL_A_PEER_NODE_ID + 1; i <= OVL_A_PEER_MAX; i++)
		assert_null(tb[i]);
}

static void test_set_v6_endpoint(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1], *aips[1];
	const uint8_t port[2] = { 51820 >> 8, 51820 & 0xff };
	uint8_t ip[16];
	unsigned int n;

	(void)state;
	assert_int_equal(run("peer", "set", "ovl0", "7",
			     "endpoint", "[2001:db8::1]:51820", NULL), 0);
	req_peer(0, OVL_CMD_PEER_SET, 0, tb, aips, 1, &n);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]), 7);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", ip), 1);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_PEER_REMOTE_IPV6]),
			 16);
	assert_memory_equal(mnl_attr_get_payload(tb[OVL_A_PEER_REMOTE_IPV6]),
			    ip, 16);
	assert_memory_equal(mnl_attr_get_payload(tb[OVL_A_PEER_REMOTE_PORT]),
			    port, 2);
	assert_null(tb[OVL_A_PEER_REMOTE_IPV4]);
	assert_null(tb[OVL_A_PEER_KEEPALIVE]);
	assert_int_equal(n, 0);
}

/* The daemon's certificate expiry: a u64 alone, 0 clears it. */
static void test_set_cert_expiry(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1], *aips[1];
	unsigned int n, i;

	(void)state;
	assert_int_equal(run("peer", "set", "ovl0", "7",
			     "cert-expiry", "253402300799", NULL), 0);
	assert_string_equal(run_err, "");
	req_peer(0, OVL_CMD_PEER_SET, 0, tb, aips, 1, &n);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_PEER_CERT_EXPIRY]), 8);
	assert_true(mnl_attr_get_u64(tb[OVL_A_PEER_CERT_EXPIRY]) ==
		    253402300799ULL);
	for (i = OVL_A_PEER_NODE_ID + 1; i <= OVL_A_PEER_MAX; i++)
		if (i != OVL_A_PEER_CERT_EXPIRY)
			assert_null(tb[i]);
	assert_int_equal(n, 0);

	assert_int_equal(run("peer", "add", "ovl0", "8", "cert-expiry", "0",
			     "endpoint", "192.0.2.1:4500", NULL), 0);
	req_peer(1, OVL_CMD_PEER_NEW, 0, tb, aips, 1, &n);
	assert_true(mnl_attr_get_u64(tb[OVL_A_PEER_CERT_EXPIRY]) == 0);
	assert_non_null(tb[OVL_A_PEER_REMOTE_IPV4]);
}

/* "allowed-ips none": one empty OVL_A_PEER_ALLOWED_IP nest. */
static void test_set_clear_aips(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1], *aips[4];
	unsigned int n;

	(void)state;
	assert_int_equal(run("peer", "set", "ovl0", "7", "allowed-ips", "none",
			     "keepalive", "0", NULL), 0);
	req_peer(0, OVL_CMD_PEER_SET, 0, tb, aips, 4, &n);
	assert_int_equal(n, 1);
	assert_true(aips[0]->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_get_payload_len(aips[0]), 0);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_PEER_KEEPALIVE]), 0);
	assert_null(tb[OVL_A_PEER_REMOTE_IPV4]);
	assert_null(tb[OVL_A_PEER_REMOTE_IPV6]);
	assert_null(tb[OVL_A_PEER_REMOTE_PORT]);
}

static void test_set_host_cidrs(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1], *aips[4];
	unsigned int n;

	(void)state;
	assert_int_equal(run("peer", "set", "ovl0", "7", "allowed-ips",
			     "10.0.0.1,::/0,0.0.0.0/0", NULL), 0);
	req_peer(0, OVL_CMD_PEER_SET, 0, tb, aips, 4, &n);
	assert_int_equal(n, 3);
	expect_aip(aips[0], AF_INET, "10.0.0.1", 32);
	expect_aip(aips[1], AF_INET6, "::", 0);
	expect_aip(aips[2], AF_INET, "0.0.0.0", 0);
}

/* PEER_MAX_AIPS IPv6 prefixes fit in one request; one more is refused. */
static void test_max_aips(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1];
	static const struct nlattr *aips[PEER_MAX_AIPS];
	size_t size = PEER_MAX_AIPS * sizeof("ffff:ffff::ffff/128");
	char *list = malloc(size), *p = list;
	unsigned int n, i;

	(void)state;
	assert_non_null(list);
	for (i = 0; i < PEER_MAX_AIPS; i++)
		p += sprintf(p, "%sfd00:%x::%x/128", i ? "," : "", i, i);
	assert_int_equal(run("peer", "set", "ovl0", "1", "allowed-ips", list,
			     NULL), 0);
	req_peer(0, OVL_CMD_PEER_SET, 0, tb, aips, PEER_MAX_AIPS, &n);
	assert_int_equal(n, PEER_MAX_AIPS);
	expect_aip(aips[PEER_MAX_AIPS - 1], AF_INET6, "fd00:1ff::1ff", 128);
	assert_true(fake_req(0)->nlmsg_len <= OVL_NL_TX_SIZE);

	strcpy(p, ",10.0.0.1");
	assert_int_equal(run("peer", "set", "ovl0", "1", "allowed-ips", list,
			     NULL), 2);
	assert_string_equal(run_err,
			    "ovlctl: too many allowed-ips: at most 512\n");
	assert_int_equal(fake_nreqs(), 1);
	free(list);
}

static void test_del(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1];
	unsigned int i;

	(void)state;
	assert_int_equal(run("peer", "del", "ovl0", "42", NULL), 0);
	req_peer(0, OVL_CMD_PEER_DEL, 0, tb, NULL, 0, NULL);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]), 42);
	for (i = OVL_A_PEER_NODE_ID + 1; i <= OVL_A_PEER_MAX; i++)
		assert_null(tb[i]);
}

static void test_kernel_error(void **state)
{
	(void)state;
	fake_answer();
	fake_answer_error(-EEXIST, "peer 42 exists");
	assert_int_equal(run("peer", "add", "ovl0", "42", NULL), 1);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err,
			    "ovlctl: peer add ovl0 42: File exists: peer 42 exists\n");
	fake_answer();
	fake_answer_error(-ENOENT, NULL);
	assert_int_equal(run("peer", "set", "ovl0", "9", "keepalive", "1",
			     NULL), 1);
	assert_string_equal(run_err,
			    "ovlctl: peer set ovl0 9: No such file or directory\n");
	fake_answer();
	fake_answer_error(-EPERM, NULL);
	assert_int_equal(run("peer", "del", "ovl0", "9", NULL), 1);
	assert_string_equal(run_err, "ovlctl: peer del ovl0 9: Operation not "
				     "permitted (CAP_NET_ADMIN required)\n");
}

/* Bad values are refused before anything is sent. */
static void test_bad_values(void **state)
{
	static const struct {
		const char *args[6];
		const char *err;
	} cases[] = {
		{ { "endpoint", "203.0.113.5" },
		  "ovlctl: invalid endpoint '203.0.113.5': expected IPV4:PORT or [IPV6]:PORT\n" },
		{ { "endpoint", "example.com:1" },
		  "ovlctl: invalid endpoint 'example.com:1': expected IPV4:PORT or [IPV6]:PORT\n" },
		{ { "endpoint", "1.2.3.4:0" },
		  "ovlctl: invalid endpoint '1.2.3.4:0': expected IPV4:PORT or [IPV6]:PORT\n" },
		{ { "allowed-ips", "" },
		  "ovlctl: invalid allowed-ips prefix '': expected ADDR[/LEN]\n" },
		{ { "allowed-ips", "10.0.0.0/8,,10.1.0.0/16" },
		  "ovlctl: invalid allowed-ips prefix '': expected ADDR[/LEN]\n" },
		{ { "allowed-ips", "10.0.0.0/33" },
		  "ovlctl: invalid allowed-ips prefix '10.0.0.0/33': expected ADDR[/LEN]\n" },
		{ { "allowed-ips", "none,10.0.0.0/8" },
		  "ovlctl: invalid allowed-ips prefix 'none': expected ADDR[/LEN]\n" },
		{ { "keepalive", "86401" },
		  "ovlctl: invalid keepalive '86401': expected 0..86400\n" },
		{ { "keepalive", "-1" },
		  "ovlctl: invalid keepalive '-1': expected 0..86400\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(run("peer", "add", "ovl0", "1",
				     cases[i].args[0], cases[i].args[1], NULL),
				 2);
		assert_string_equal(run_err, cases[i].err);
		assert_string_equal(run_out, "");
	}
	assert_int_equal(fake_nreqs(), 0);
}

/* Replies */

static const struct reply_peer peer42 = {
	.node_id = 42,
	.endpoint = "203.0.113.5:4500",
	.aips = { "10.77.0.42/32", "fd00::42/128" },
	.path = OVL_PATH_DIRECT,
	.rx_packets = 12, .rx_bytes = 1229,
	.tx_packets = 34, .tx_bytes = 3482,
	.direct_rx = true, .last_direct_rx_ms = 1234,
	.keys = {
		{ OVL_KEY_SLOT_PRIMARY, 1, 17, true },
		{ OVL_KEY_SLOT_SECONDARY, 2, 0, true },
	},
	.n_keys = 2,
};

#define PEER42_TEXT \
	"peer 42\n" \
	"  endpoint: 203.0.113.5:4500\n" \
	"  allowed ips: 10.77.0.42/32, fd00::42/128\n" \
	"  path: direct\n" \
	"  latest direct receipt: 1.234 s ago\n" \
	"  transfer: 1.20 KiB received, 3.40 KiB sent (12/34 packets)\n" \
	"  keys: primary id 1 (17 sent), secondary id 2\n"

#define PEER42_JSON \
	"{\"node_id\":42,\"endpoint\":\"203.0.113.5:4500\"," \
	"\"allowed_ips\":[\"10.77.0.42/32\",\"fd00::42/128\"]," \
	"\"keepalive\":0,\"path\":\"direct\",\"pinned\":false,\"relay\":\"on\"," \
	"\"tx_packets\":34,\"rx_packets\":12,\"tx_bytes\":3482," \
	"\"rx_bytes\":1229,\"relay_tx_packets\":0,\"relay_rx_packets\":0," \
	"\"flips\":0,\"relay_cap_drops\":0,\"icmp_errors\":0,\"last_direct_rx_ms\":1234,\"latest_handshake\":null,\"cert\":null," \
	"\"keys\":[{\"slot\":\"primary\",\"id\":1,\"tx_counter\":17,\"lifetime\":null,\"expires_ms\":null,\"promote\":false}," \
	"{\"slot\":\"secondary\",\"id\":2,\"tx_counter\":0,\"lifetime\":null,\"expires_ms\":null,\"promote\":false}]}"

/* Never reached directly, relayed and pinned, no endpoint, no keys. */
static const struct reply_peer peer7 = {
	.node_id = 7,
	.keepalive = 25, .has_keepalive = true,
	.path = OVL_PATH_RELAY, .pinned = true,
	.rx_packets = 3, .rx_bytes = 5 << 20,
	.tx_packets = 4, .tx_bytes = 1023,
	.relay_rx_packets = 3, .relay_tx_packets = 4, .flips = 2,
	.icmp_errors = 5,
	.no_ifname = true,
};

#define PEER7_TEXT \
	"peer 7\n" \
	"  endpoint: (none)\n" \
	"  allowed ips: (none)\n" \
	"  keepalive: every 25 s\n" \
	"  path: relay (pinned)\n" \
	"  flips: 2\n" \
	"  icmp errors: 5\n" \
	"  latest direct receipt: never\n" \
	"  transfer: 5.00 MiB received, 1023 B sent (3/4 packets)\n" \
	"  relayed: 3 received, 4 sent packets\n" \
	"  keys: none\n"

#define PEER7_JSON \
	"{\"node_id\":7,\"endpoint\":null,\"allowed_ips\":[]," \
	"\"keepalive\":25,\"path\":\"relay\",\"pinned\":true,\"relay\":\"on\"," \
	"\"tx_packets\":4,\"rx_packets\":3,\"tx_bytes\":1023," \
	"\"rx_bytes\":5242880,\"relay_tx_packets\":4,\"relay_rx_packets\":3," \
	"\"flips\":2,\"relay_cap_drops\":0,\"icmp_errors\":5,\"last_direct_rx_ms\":null,\"latest_handshake\":null,\"cert\":null,\"keys\":[]}"

/* IPv6 endpoint, values from a newer kernel, maximal counters. */
static const struct reply_peer peer9 = {
	.node_id = 9,
	.endpoint = "[2001:db8::1]:51820",
	.aips = { "::/0" },
	.path = 5,
	.tx_bytes = UINT64_MAX, .tx_packets = UINT64_MAX,
	.direct_rx = true, .last_direct_rx_ms = 0,
	.keys = { { 9, 255, 0, false } },
	.n_keys = 1,
};

#define PEER9_TEXT \
	"peer 9\n" \
	"  endpoint: [2001:db8::1]:51820\n" \
	"  allowed ips: ::/0\n" \
	"  path: 5\n" \
	"  latest direct receipt: 0.000 s ago\n" \
	"  transfer: 0 B received, 16.00 EiB sent (0/18446744073709551615 packets)\n" \
	"  keys: slot 9 id 255\n"

#define PEER9_JSON \
	"{\"node_id\":9,\"endpoint\":\"[2001:db8::1]:51820\"," \
	"\"allowed_ips\":[\"::/0\"],\"keepalive\":0,\"path\":5," \
	"\"pinned\":false,\"relay\":\"on\",\"tx_packets\":18446744073709551615," \
	"\"rx_packets\":0,\"tx_bytes\":18446744073709551615,\"rx_bytes\":0," \
	"\"relay_tx_packets\":0,\"relay_rx_packets\":0,\"flips\":0,\"relay_cap_drops\":0,\"icmp_errors\":0," \
	"\"last_direct_rx_ms\":0,\"latest_handshake\":null,\"cert\":null,\"keys\":[{\"slot\":9,\"id\":255," \
	"\"tx_counter\":0,\"lifetime\":null,\"expires_ms\":null,\"promote\":false}]}"

static void answer_peers(const struct reply_peer *const *peers, size_t n)
{
	size_t i;

	fake_answer();
	for (i = 0; i < n; i++)
		put_peer(fake_answer_msg(OVL_CMD_PEER_GET), peers[i]);
}

static void test_show_one(void **state)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1];
	const struct reply_peer *peers[] = { &peer42 };
	unsigned int i;

	(void)state;
	answer_peers(peers, 1);
	assert_int_equal(run("peer", "show", "ovl0", "42", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out, PEER42_TEXT);
	req_peer(0, OVL_CMD_PEER_GET, 0, tb, NULL, 0, NULL);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]), 42);
	for (i = OVL_A_PEER_NODE_ID + 1; i <= OVL_A_PEER_MAX; i++)
		assert_null(tb[i]);

	answer_peers(peers, 1);
	assert_int_equal(run("-j", "peer", "show", "ovl0", "42", NULL), 0);
	assert_string_equal(run_out, PEER42_JSON "\n");
}

static void test_show_odd(void **state)
{
	const struct reply_peer *peers[] = { &peer7 };
	const struct reply_peer *peers9[] = { &peer9 };

	(void)state;
	answer_peers(peers, 1);
	assert_int_equal(run("peer", "show", "ovl0", "7", NULL), 0);
	assert_string_equal(run_out, PEER7_TEXT);
	answer_peers(peers, 1);
	assert_int_equal(run("-j", "peer", "show", "ovl0", "7", NULL), 0);
	assert_string_equal(run_out, PEER7_JSON "\n");
	answer_peers(peers9, 1);
	assert_int_equal(run("peer", "show", "ovl0", "9", NULL), 0);
	assert_string_equal(run_out, PEER9_TEXT);
	answer_peers(peers9, 1);
	assert_int_equal(run("-j", "peer", "show", "ovl0", "9", NULL), 0);
	assert_string_equal(run_out, PEER9_JSON "\n");
}

static void test_show_dump(void **state)
{
	const struct reply_peer *peers[] = { &peer42, &peer7, &peer9 };

	(void)state;
	answer_peers(peers, 3);
	assert_int_equal(run("peer", "show", "ovl0", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out, PEER42_TEXT "\n" PEER7_TEXT "\n"
				     PEER9_TEXT);
	req_peer(0, OVL_CMD_PEER_GET, NLM_F_DUMP, NULL, NULL, 0, NULL);

	answer_peers(peers, 3);
	assert_int_equal(run("-j", "peer", "show", "ovl0", NULL), 0);
	assert_string_equal(run_out, "[" PEER42_JSON "," PEER7_JSON ","
				     PEER9_JSON "]\n");
}

/* A part of a split peer: its node id and allowed-ips fd00:42::i/128. */
static void put_part(uint32_t node_id, unsigned int from, unsigned int n)
{
	struct nlmsghdr *nlh = fake_answer_msg(OVL_CMD_PEER_GET);
	struct nlattr *nest, *aip;
	struct in6_addr a;
	unsigned int i;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, node_id);
	for (i = from; i < from + n; i++) {
		inet_pton(AF_INET6, "fd00:42::", &a);
		a.s6_addr[14] = i >> 8;
		a.s6_addr[15] = i & 0xff;
		aip = mnl_attr_nest_start(nlh, OVL_A_PEER_ALLOWED_IP);
		mnl_attr_put_u16(nlh, OVL_A_AIP_FAMILY, AF_INET6);
		mnl_attr_put(nlh, OVL_A_AIP_ADDR, sizeof(a), &a);
		mnl_attr_put_u8(nlh, OVL_A_AIP_CIDR, 128);
		mnl_attr_nest_end(nlh, aip);
	}
	mnl_attr_nest_end(nlh, nest);
}

/*
 * The dump of test_show_split: peer 42 whole, then three more parts of it
 * (200 more allowed-ips), then @next.
 */
static void answer_split_dump(const struct reply_peer *next)
{
	fake_answer();
	put_peer(fake_answer_msg(OVL_CMD_PEER_GET), &peer42);
	put_part(42, 1, 90);
	put_part(42, 91, 90);
	put_part(42, 181, 20);
	put_peer(fake_answer_msg(OVL_CMD_PEER_GET), next);
}

/*
 * @base (PEER42_TEXT or _JSON) with allowed-ips fd00:42::1 to ::@n added
 * after fd00::42/128, each as @fmt.
 */
static char *with_parts(const char *base, const char *fmt, unsigned int n)
{
	const char *cut = strstr(base, "fd00::42/128") + strlen("fd00::42/128");
	char *out = malloc(strlen(base) + n * 32), *p;
	unsigned int i;

	if (strncmp(cut, "\"", 1) == 0)
		cut++;
	p = out + sprintf(out, "%.*s", (int)(cut - base), base);
	for (i = 1; i <= n; i++)
		p += sprintf(p, fmt, i);
	strcpy(p, cut);
	return out;
}

/*
 * A peer the kernel split over several messages (and datagrams) is shown
 * once, with all its allowed-ips in order; the next peer stays apart.
 */
static void test_show_split(void **state)
{
	const struct reply_peer *peers[] = { &peer7 };
	char *text, *json;

	(void)state;
	text = with_parts(PEER42_TEXT, ", fd00:42::%x/128", 200);
	json = with_parts(PEER42_JSON, ",\"fd00:42::%x/128\"", 200);
	assert_non_null(strstr(json, "\"fd00:42::c8/128\"]"));

	answer_split_dump(peers[0]);
	assert_int_equal(run("peer", "show", "ovl0", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out + strlen(run_out) - strlen(PEER7_TEXT),
			    PEER7_TEXT);
	run_out[strlen(run_out) - strlen(PEER7_TEXT) - 1] = 0;
	assert_string_equal(run_out, text);

	answer_split_dump(peers[0]);
	assert_int_equal(run("-j", "peer", "show", "ovl0", NULL), 0);
	assert_string_equal(run_out + strlen(run_out) - strlen(PEER7_JSON) - 2,
			    PEER7_JSON "]\n");
	run_out[strlen(run_out) - strlen(PEER7_JSON) - 3] = 0;
	assert_string_equal(run_out + 1, json);
	free(text);
	free(json);
}

static void test_show_dump_empty(void **state)
{
	(void)state;
	assert_int_equal(run("peer", "show", "ovl0", NULL), 0);
	assert_string_equal(run_out, "");
	assert_int_equal(run("-j", "peer", "show", "ovl0", NULL), 0);
	assert_string_equal(run_out, "[]\n");
	assert_string_equal(run_err, "");
}

static void test_show_errors(void **state)
{
	const struct reply_peer *peers[] = { &peer42 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	(void)state;
	/* No such device: nothing on standard output, even with -j. */
	fake_answer();
	fake_answer_error(-ENODEV, "no such device");
	assert_int_equal(run("-j", "peer", "show", "nosuch", NULL), 1);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err, "ovlctl: peer show nosuch: No such "
				     "device: no such device\n");
	fake_answer();
	fake_answer_error(-ENOENT, "no such peer");
	assert_int_equal(run("peer", "show", "ovl0", "3", NULL), 1);
	assert_string_equal(run_err, "ovlctl: peer show ovl0 3: No such file "
				     "or directory: no such peer\n");

	/* A malformed second message cuts the dump short. */
	answer_peers(peers, 1);
	nlh = fake_answer_msg(OVL_CMD_PEER_GET);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 43);
	mnl_attr_put_u16(nlh, OVL_A_PEER_KEEPALIVE, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(run("-j", "peer", "show", "ovl0", NULL), 1);
	assert_string_equal(run_out, "[" PEER42_JSON "\n");
	assert_string_equal(run_err, "ovlctl: peer show ovl0: Bad message\n");

	/* A dump the kernel ends with an error. */
	answer_peers(peers, 1);
	fake_answer_error(-EINTR, "dump interrupted");
	assert_int_equal(run("peer", "show", "ovl0", NULL), 1);
	assert_string_equal(run_out, PEER42_TEXT);
	assert_string_equal(run_err, "ovlctl: peer show ovl0: Interrupted "
				     "system call: dump interrupted\n");
}

static void expect_bad_peer(void (*put)(struct nlmsghdr *nlh))
{
	struct nlmsghdr *nlh;

	fake_answer();
	nlh = fake_answer_msg(OVL_CMD_PEER_GET);
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	put(nlh);
	assert_int_equal(run("peer", "show", "ovl0", "1", NULL), 1);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err, "ovlctl: peer show ovl0 1: Bad message\n");
}

static void put_no_peer(struct nlmsghdr *nlh)
{
	(void)nlh;
}

static void put_no_node_id(struct nlmsghdr *nlh)
{
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, OVL_A_DEV_PEER));
}

static struct nlattr *start_peer(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);

	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 1);
	return nest;
}

static void put_short_ipv6(struct nlmsghdr *nlh)
{
	struct nlattr *nest = start_peer(nlh);

	mnl_attr_put(nlh, OVL_A_PEER_REMOTE_IPV6, 4, "\x0a\0\0\x01");
	mnl_attr_nest_end(nlh, nest);
}

static void put_aip(struct nlmsghdr *nlh, uint16_t family, size_t len,
		    uint8_t cidr)
{
	struct nlattr *nest = start_peer(nlh), *aip;

	aip = mnl_attr_nest_start(nlh, OVL_A_PEER_ALLOWED_IP);
	mnl_attr_put_u16(nlh, OVL_A_AIP_FAMILY, family);
	mnl_attr_put(nlh, OVL_A_AIP_ADDR, len, "\x0a\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\0");
	mnl_attr_put_u8(nlh, OVL_A_AIP_CIDR, cidr);
	mnl_attr_nest_end(nlh, aip);
	mnl_attr_nest_end(nlh, nest);
}

static void put_aip_v4_len16(struct nlmsghdr *nlh)
{
	put_aip(nlh, AF_INET, 16, 32);
}

static void put_aip_v4_cidr33(struct nlmsghdr *nlh)
{
	put_aip(nlh, AF_INET, 4, 33);
}

static void put_aip_family(struct nlmsghdr *nlh)
{
	put_aip(nlh, AF_UNIX, 4, 1);
}

static void put_key_no_id(struct nlmsghdr *nlh)
{
	struct nlattr *nest = start_peer(nlh), *key;

	key = mnl_attr_nest_start(nlh, OVL_A_PEER_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, 0);
	mnl_attr_nest_end(nlh, key);
	mnl_attr_nest_end(nlh, nest);
}

static void put_bad_counter(struct nlmsghdr *nlh)
{
	struct nlattr *nest = start_peer(nlh);

	mnl_attr_put_u32(nlh, OVL_A_PEER_TX_BYTES, 1);
	mnl_attr_nest_end(nlh, nest);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_bad_peer(put_no_peer);
	expect_bad_peer(put_no_node_id);
	expect_bad_peer(put_short_ipv6);
	expect_bad_peer(put_aip_v4_len16);
	expect_bad_peer(put_aip_v4_cidr33);
	expect_bad_peer(put_aip_family);
	expect_bad_peer(put_key_no_id);
	expect_bad_peer(put_bad_counter);
}

/* Attributes of a newer kernel are skipped; key material never shown. */
static void test_unknown_attrs(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest, *key;

	(void)state;
	fake_answer();
	nlh = fake_answer_msg(OVL_CMD_PEER_GET);
	mnl_attr_put_u64(nlh, OVL_A_DEV_MAX + 1, 1);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 3);
	mnl_attr_put_strz(nlh, OVL_A_PEER_MAX + 1, "from a newer kernel");
	key = mnl_attr_nest_start(nlh, OVL_A_PEER_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, 0);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 4);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32,
		     "SECRETSECRETSECRETSECRETSECRET!!");
	mnl_attr_put_u8(nlh, OVL_A_KEY_MAX + 1, 1);
	mnl_attr_nest_end(nlh, key);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(run("-j", "peer", "show", "ovl0", "3", NULL), 0);
	assert_string_equal(run_out,
			    "{\"node_id\":3,\"endpoint\":null,\"allowed_ips\":[],"
			    "\"keepalive\":0,\"path\":\"direct\",\"pinned\":false,\"relay\":\"on\","
			    "\"tx_packets\":0,\"rx_packets\":0,\"tx_bytes\":0,"
			    "\"rx_bytes\":0,\"relay_tx_packets\":0,"
			    "\"relay_rx_packets\":0,\"flips\":0,\"relay_cap_drops\":0,\"icmp_errors\":0,"
			    "\"last_direct_rx_ms\":null,\"latest_handshake\":null,\"cert\":null,\"keys\":[{\"slot\":"
			    "\"primary\",\"id\":4,\"tx_counter\":0,\"lifetime\":null,\"expires_ms\":null,\"promote\":false}]}\n");
}

static void test_bytes_str(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *s;
	} cases[] = {
		{ 0, "0 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.00 KiB" },
		{ 1229, "1.20 KiB" },
		{ 1048575, "1024.00 KiB" },
		{ 1048576, "1.00 MiB" },
		{ 3ull << 30, "3.00 GiB" },
		{ 1ull << 40, "1.00 TiB" },
		{ 1ull << 50, "1.00 PiB" },
		{ 1ull << 60, "1.00 EiB" },
		{ UINT64_MAX, "16.00 EiB" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(bytes_str(cases[i].bytes, buf, sizeof(buf)),
				    cases[i].s);
}

#define MANY	100000

static void gen_peer(struct nlmsghdr *nlh, unsigned int i)
{
	char endpoint[32], aip[32];
	struct reply_peer p = {
		.node_id = i + 1,
		.endpoint = endpoint,
		.aips = { aip },
		.rx_packets = i, .tx_bytes = i * 100ull,
		.keys = { { OVL_KEY_SLOT_PRIMARY, i % 256, i, true } },
		.n_keys = 1,
	};

	snprintf(endpoint, sizeof(endpoint), "10.%u.%u.%u:4500",
		 i >> 16 & 0xff, i >> 8 & 0xff, i & 0xff);
	snprintf(aip, sizeof(aip), "10.77.%u.%u/32", i >> 8 & 0xff, i & 0xff);
	put_peer(nlh, &p);
}

/* Occurrences of @what in @s (not strstr(): ASan makes it quadratic). */
static size_t count(const char *s, const char *what)
{
	size_t n = 0, len = strlen(what), left = strlen(s);

	for (; left >= len; s++, left--)
		if (*s == *what && !memcmp(s, what, len))
			n++;
	return n;
}

/* A dump of 100,000 peers streams through, in both formats. */
static void test_show_many(void **state)
{
	const char *last;

	(void)state;
	fake_answer();
	fake_answer_gen(OVL_CMD_PEER_GET, MANY, gen_peer);
	assert_int_equal(run("-j", "peer", "show", "ovl0", NULL), 0);
	assert_string_equal(run_err, "");
	assert_int_equal(strncmp(run_out, "[{\"node_id\":1,", 14), 0);
	assert_int_equal(count(run_out, "},{\"node_id\":"), MANY - 1);
	last = strstr(run_out, ",{\"node_id\":100000,");
	assert_non_null(last);
	assert_null(strstr(last + 8, "node_id"));	/* none after */
	assert_string_equal(run_out + strlen(run_out) - 5, "}]}]\n");

	fake_answer();
	fake_answer_gen(OVL_CMD_PEER_GET, MANY, gen_peer);
	assert_int_equal(run("peer", "show", "ovl0", NULL), 0);
	assert_int_equal(count(run_out, "\npeer "), MANY - 1);
	assert_non_null(strstr(run_out, "\n\npeer 100000\n"
					"  endpoint: 10.1.134.159:4500\n"
					"  allowed ips: 10.77.134.159/32\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add_all, setup),
		cmocka_unit_test_setup(test_add_bare, setup),
		cmocka_unit_test_setup(test_set_v6_endpoint, setup),
		cmocka_unit_test_setup(test_set_cert_expiry, setup),
		cmocka_unit_test_setup(test_set_clear_aips, setup),
		cmocka_unit_test_setup(test_set_host_cidrs, setup),
		cmocka_unit_test_setup(test_max_aips, setup),
		cmocka_unit_test_setup(test_del, setup),
		cmocka_unit_test_setup(test_kernel_error, setup),
		cmocka_unit_test_setup(test_bad_values, setup),
		cmocka_unit_test_setup(test_show_one, setup),
		cmocka_unit_test_setup(test_show_odd, setup),
		cmocka_unit_test_setup(test_show_dump, setup),
		cmocka_unit_test_setup(test_show_split, setup),
		cmocka_unit_test_setup(test_show_dump_empty, setup),
		cmocka_unit_test_setup(test_show_errors, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_unknown_attrs, setup),
		cmocka_unit_test(test_bytes_str),
		cmocka_unit_test_setup(test_show_many, setup),
	};
	int ret;

	ret = cmocka_run_group_tests_name("peer", tests, NULL, NULL);
	fake_reset();		/* frees the last output */
	return ret;
}
