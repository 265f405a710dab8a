// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of "dev show" reply handling (dev.c): the text and JSON
 * output of OVL_CMD_DEV_GET replies built as the kernel builds them (peer
 * count and drop counters included), and the rejection of malformed ones.
 */

#include <linux/genetlink.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cmocka.h>

#include "../dev.c"

/**
 * struct dev_msg - attributes of a reply; an attribute is left out when
 *	its has_* flag is false
 */
struct dev_msg {
	const char *ifname;
	uint32_t ifindex;
	uint32_t node_id;
	uint16_t listen_port;
	uint32_t peers;
	uint64_t drops[OVL_A_DROPS_MAX + 1];
	bool has_node_id;
	bool has_listen_port;
	bool has_peers;
	bool has_drops;
};

static uint32_t buf[4096 / sizeof(uint32_t)];
static int saved_stdout = -1;
static FILE *captured;

static struct nlmsghdr *put_dev_hdr(void)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = 0x1d;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = OVL_CMD_DEV_GET;
	genl->version = OVL_FAMILY_VERSION;
	return nlh;
}

static struct nlmsghdr *put_dev(const struct dev_msg *m)
{
	struct nlmsghdr *nlh = put_dev_hdr();

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, m->ifindex);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, m->ifname);
	if (m->has_node_id)
		mnl_attr_put_u32(nlh, OVL_A_DEV_NODE_ID, m->node_id);
	if (m->has_listen_port)
		mnl_attr_put_u16(nlh, OVL_A_DEV_LISTEN_PORT, m->listen_port);
	if (m->has_peers)
		mnl_attr_put_u32(nlh, OVL_A_DEV_PEERS, m->peers);
	if (m->has_drops) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, OVL_A_DEV_DROPS);
		uint16_t i;

		/* As the kernel does: every counter, padded if need be. */
		mnl_attr_put(nlh, OVL_A_DROPS_PAD, 0, NULL);
		for (i = OVL_A_DROPS_SHORT; i <= OVL_A_DROPS_TX_ERROR; i++)
			mnl_attr_put_u64(nlh, i, m->drops[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

static const struct dev_msg ovl0 = {
	.ifname = "ovl0", .ifindex = 5,
	.node_id = 7, .has_node_id = true,
	.listen_port = 4500, .has_listen_port = true,
	.peers = 2, .has_peers = true,
	.drops = {
		[OVL_A_DROPS_SHORT] = 1,
		[OVL_A_DROPS_BAD_TAG] = 3,
		[OVL_A_DROPS_REPLAY] = 1,
		[OVL_A_DROPS_TX_ERROR] = 12,
	},
	.has_drops = true,
};

static const struct dev_msg ovl1_unset = {
	.ifname = "ovl1", .ifindex = 6,
	.node_id = 0, .has_node_id = true,
	.listen_port = 0, .has_listen_port = true,
	.peers = 0, .has_peers = true,
	.has_drops = true,
};

static const struct dev_msg ovl2_absent = {
	.ifname = "ovl2", .ifindex = 9,
};

static const struct dev_msg ovl3_max = {
	.ifname = "0123456789abcde", .ifindex = UINT32_MAX,
	.node_id = UINT32_MAX, .has_node_id = true,
	.listen_port = UINT16_MAX, .has_listen_port = true,
	.peers = UINT32_MAX, .has_peers = true,
	.drops = {
		[OVL_A_DROPS_SHORT] = UINT64_MAX,
		[OVL_A_DROPS_UNKNOWN_TYPE] = 2,
		[OVL_A_DROPS_UNKNOWN_PEER] = 3,
		[OVL_A_DROPS_NO_KEY] = 4,
		[OVL_A_DROPS_BAD_TAG] = 5,
		[OVL_A_DROPS_REPLAY] = 6,
		[OVL_A_DROPS_BAD_SOURCE] = 7,
		[OVL_A_DROPS_BAD_INNER] = 8,
		[OVL_A_DROPS_TX_NO_PEER] = 9,
		[OVL_A_DROPS_TX_NO_KEY] = 10,
		[OVL_A_DROPS_TX_NO_ENDPOINT] = 11,
		[OVL_A_DROPS_TX_ERROR] = 12,
	},
	.has_drops = true,
};

/* The relay drop counters, which these replies leave at 0. */
#define NEW_DROPS \
	"\"not_beacon\":0,\"relay_mismatch\":0,\"relay_cap\":0," \
	"\"tx_no_beacon\":0,\"ctrl_no_listener\":0,\"ctrl_overflow\":0," \
	"\"ctrl_too_long\":0,\"rx_queue_full\":0,\"rx_peer_budget\":0," \
	"\"tx_queue_full\":0,\"crypt_queue_full\":0,\"dev_down\":0,\"rx_key_expired\":0,\"tx_key_expired\":0," \
	"\"ctrl_rate_limited\":0,\"beacon_auth\":0,\"punch_target\":0," \
	"\"punch_rate\":0}"

#define NO_DROPS \
	"\"drops\":{\"short\":0,\"unknown_type\":0,\"unknown_peer\":0," \
	"\"no_key\":0,\"bad_tag\":0,\"replay\":0,\"bad_source\":0," \
	"\"bad_inner\":0,\"tx_no_peer\":0,\"tx_no_key\":0," \
	"\"tx_no_endpoint\":0,\"tx_error\":0," NEW_DROPS

#define OVL0_DROPS \
	"\"drops\":{\"short\":1,\"unknown_type\":0,\"unknown_peer\":0," \
	"\"no_key\":0,\"bad_tag\":3,\"replay\":1,\"bad_source\":0," \
	"\"bad_inner\":0,\"tx_no_peer\":0,\"tx_no_key\":0," \
	"\"tx_no_endpoint\":0,\"tx_error\":12," NEW_DROPS

#define MAX_DROPS \
	"\"drops\":{\"short\":18446744073709551615,\"unknown_type\":2," \
	"\"unknown_peer\":3,\"no_key\":4,\"bad_tag\":5,\"replay\":6," \
	"\"bad_source\":7,\"bad_inner\":8,\"tx_no_peer\":9," \
	"\"tx_no_key\":10,\"tx_no_endpoint\":11,\"tx_error\":12," NEW_DROPS

static void capture_start(void)
{
	fflush(stdout);
	captured = tmpfile();
	assert_non_null(captured);
	saved_stdout = dup(STDOUT_FILENO);
	assert_true(saved_stdout >= 0);
	assert_true(dup2(fileno(captured), STDOUT_FILENO) >= 0);
}

static const char *capture_end(void)
{
	static char out[4096];
	size_t len;

	fflush(stdout);
	assert_true(dup2(saved_stdout, STDOUT_FILENO) >= 0);
	close(saved_stdout);
	rewind(captured);
	len = fread(out, 1, sizeof(out) - 1, captured);
	out[len] = '\0';
	fclose(captured);
	return out;
}

/* Feed the replies for @msgs to dev_show_cb(); returns what it printed. */
static const char *show(const struct dev_msg *const *msgs, size_t n,
			bool json, bool dump)
{
	struct dev_show s = {};
	size_t i;

	if (json)
		s.json = json_object_new_array();
	capture_start();
	for (i = 0; i < n; i++)
		assert_int_equal(dev_show_cb(put_dev(msgs[i]), &s), MNL_CB_OK);
	if (json)
		json_print(dump ? s.json : json_object_array_get_idx(s.json, 0));
	json_object_put(s.json);
	return capture_end();
}

static void test_text_one(void **state)
{
	const struct dev_msg *msgs[] = { &ovl0 };

	(void)state;
	assert_string_equal(show(msgs, 1, false, false),
			    "ovl0:\n"
			    "  ifindex: 5\n"
			    "  node id: 7\n"
			    "  listen port: 4500\n"
			    "  peers: 2\n"
			    "  drops: short 1, bad_tag 3, replay 1, tx_error 12\n");
}

static void test_text_none(void **state)
{
	const struct dev_msg *msgs[] = { &ovl1_unset, &ovl2_absent };

	(void)state;
	assert_string_equal(show(msgs, 2, false, true),
			    "ovl1:\n"
			    "  ifindex: 6\n"
			    "  node id: (none)\n"
			    "  listen port: (none)\n"
			    "  peers: 0\n"
			    "  drops: none\n"
			    "\n"
			    "ovl2:\n"
			    "  ifindex: 9\n"
			    "  node id: (none)\n"
			    "  listen port: (none)\n"
			    "  peers: 0\n"
			    "  drops: none\n");
}

static void test_text_max(void **state)
{
	const struct dev_msg *msgs[] = { &ovl3_max };

	(void)state;
	assert_string_equal(show(msgs, 1, false, false),
			    "0123456789abcde:\n"
			    "  ifindex: 4294967295\n"
			    "  node id: 4294967295\n"
			    "  listen port: 65535\n"
			    "  peers: 4294967295\n"
			    "  drops: short 18446744073709551615, unknown_type 2, "
			    "unknown_peer 3, no_key 4, bad_tag 5, replay 6, "
			    "bad_source 7, bad_inner 8, tx_no_peer 9, "
			    "tx_no_key 10, tx_no_endpoint 11, tx_error 12\n");
}

static void test_json_one(void **state)
{
	const struct dev_msg *msgs[] = { &ovl0 };

	(void)state;
	assert_string_equal(show(msgs, 1, true, false),
			    "{\"ifname\":\"ovl0\",\"ifindex\":5,\"node_id\":7,"
			    "\"listen_port\":4500,\"peer_count\":2,"
			    OVL0_DROPS "}\n");
}

static void test_json_null(void **state)
{
	const struct dev_msg *msgs[] = { &ovl2_absent };

	(void)state;
	assert_string_equal(show(msgs, 1, true, false),
			    "{\"ifname\":\"ovl2\",\"ifindex\":9,"
			    "\"node_id\":null,\"listen_port\":null,"
			    "\"peer_count\":0," NO_DROPS "}\n");
}

static void test_json_dump(void **state)
{
	const struct dev_msg *msgs[] = { &ovl1_unset, &ovl3_max };

	(void)state;
	assert_string_equal(show(msgs, 2, true, true),
			    "[{\"ifname\":\"ovl1\",\"ifindex\":6,"
			    "\"node_id\":null,\"listen_port\":null,"
			    "\"peer_count\":0," NO_DROPS "},"
			    "{\"ifname\":\"0123456789abcde\","
			    "\"ifindex\":4294967295,\"node_id\":4294967295,"
			    "\"listen_port\":65535,\"peer_count\":4294967295,"
			    MAX_DROPS "}]\n");
}

static void test_json_dump_empty(void **state)
{
	(void)state;
	assert_string_equal(show(NULL, 0, true, true), "[]\n");
}

static void test_unknown_attrs(void **state)
{
	struct nlmsghdr *nlh = put_dev_hdr();
	struct dev_info dev;
	struct nlattr *nest;

	(void)state;
	mnl_attr_put_u64(nlh, OVL_A_DEV_MAX + 1, 1);
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	mnl_attr_put_strz(nlh, 300, "from a newer kernel");
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "ovl0");
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_DROPS);
	mnl_attr_put_u64(nlh, OVL_A_DROPS_REPLAY, 4);
	mnl_attr_put_u32(nlh, OVL_A_DROPS_MAX + 1, 1);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(dev_info_parse(nlh, &dev), 0);
	assert_string_equal(dev.ifname, "ovl0");
	assert_int_equal(dev.ifindex, 5);
	assert_int_equal(dev.node_id, 0);
	assert_int_equal(dev.listen_port, 0);
	assert_int_equal(dev.peers, 0);
	assert_int_equal(dev.drops[OVL_A_DROPS_REPLAY], 4);
	assert_int_equal(dev.drops[OVL_A_DROPS_SHORT], 0);
}

/* A reply with the relay fields, as a kernel with a beacon sends it. */
static struct nlmsghdr *put_relay_dev(void)
{
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct nlmsghdr *nlh = put_dev(&ovl0);
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_BEACON);
	mnl_attr_put_u32(nlh, OVL_A_EP_IPV4, htonl(0xc0000207));
	mnl_attr_put_u16(nlh, OVL_A_EP_PORT, htons(7000));
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PUBLIC_ENDPOINT);
	mnl_attr_put(nlh, OVL_A_EP_IPV6, sizeof(v6), v6);
	mnl_attr_put_u16(nlh, OVL_A_EP_PORT, htons(4500));
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, OVL_A_DEV_BLACKHOLE_MS, 8000);
	mnl_attr_put_u32(nlh, OVL_A_DEV_BLACKHOLE_MISSES, 3);
	mnl_attr_put_u32(nlh, OVL_A_DEV_DIRECT_CLEARS, 4);
	mnl_attr_put_u32(nlh, OVL_A_DEV_SEND_ERRORS, 5);
	mnl_attr_put_u32(nlh, OVL_A_DEV_MAX_RELAY_PEERS, 4096);
	mnl_attr_put_u32(nlh, OVL_A_DEV_PROBE_INTERVAL_MS, 1000);
	mnl_attr_put_u32(nlh, OVL_A_DEV_RELAY_PEERS, 2);
	return nlh;
}

static void test_relay_fields(void **state)
{
	struct dev_show s = {};

	(void)state;
	capture_start();
	assert_int_equal(dev_show_cb(put_relay_dev(), &s), MNL_CB_OK);
	assert_string_equal(capture_end(),
			    "ovl0:\n"
			    "  ifindex: 5\n"
			    "  node id: 7\n"
			    "  listen port: 4500\n"
			    "  peers: 2\n"
			    "  beacon: 192.0.2.7:7000\n"
			    "  public endpoint: [2001:db8::1]:4500\n"
			    "  relayed peers: 2\n"
			    "  path: blackhole-ms 8000, blackhole-misses 3, "
			    "direct-clears 4, send-errors 5, max-relay-peers 4096, "
			    "probe-interval-ms 1000\n"
			    "  drops: short 1, bad_tag 3, replay 1, tx_error 12\n");

	s.json = json_object_new_array();
	capture_start();
	assert_int_equal(dev_show_cb(put_relay_dev(), &s), MNL_CB_OK);
	json_print(json_object_array_get_idx(s.json, 0));
	json_object_put(s.json);
	assert_string_equal(capture_end(),
			    "{\"ifname\":\"ovl0\",\"ifindex\":5,\"node_id\":7,"
			    "\"listen_port\":4500,\"peer_count\":2,"
			    "\"beacon\":\"192.0.2.7:7000\",\"beacon_auth\":false,"
			    "\"public_endpoint\":\"[2001:db8::1]:4500\","
			    "\"relay_peers\":2,\"blackhole_ms\":8000,"
			    "\"blackhole_misses\":3,\"direct_clears\":4,"
			    "\"send_errors\":5,\"max_relay_peers\":4096,"
			    "\"probe_interval_ms\":1000," OVL0_DROPS "}\n");
}

static void test_missing_ifname(void **state)
{
	struct nlmsghdr *nlh = put_dev_hdr();
	struct dev_show s = {};

	(void)state;
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	capture_start();
	errno = 0;
	assert_int_equal(dev_show_cb(nlh, &s), MNL_CB_ERROR);
	assert_int_equal(errno, EBADMSG);
	assert_string_equal(capture_end(), "");
}

static void test_bad_attr_len(void **state)
{
	struct nlmsghdr *nlh = put_dev(&ovl2_absent);
	struct dev_info dev;

	(void)state;
	mnl_attr_put_u16(nlh, OVL_A_DEV_NODE_ID, 7);
	errno = 0;
	assert_int_equal(dev_info_parse(nlh, &dev), -1);
	assert_int_equal(errno, EBADMSG);
}

static void test_bad_drops(void **state)
{
	struct nlmsghdr *nlh = put_dev(&ovl2_absent);
	struct dev_info dev;
	struct nlattr *nest;

	(void)state;
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_DROPS);
	mnl_attr_put_u32(nlh, OVL_A_DROPS_BAD_TAG, 7);
	mnl_attr_nest_end(nlh, nest);
	errno = 0;
	assert_int_equal(dev_info_parse(nlh, &dev), -1);
	assert_int_equal(errno, EBADMSG);

	nlh = put_dev(&ovl2_absent);
	mnl_attr_put_u64(nlh, OVL_A_DEV_PEERS, 7);
	errno = 0;
	assert_int_equal(dev_info_parse(nlh, &dev), -1);
	assert_int_equal(errno, EBADMSG);
}

static void test_long_ifname(void **state)
{
	struct nlmsghdr *nlh = put_dev_hdr();
	struct dev_info dev;

	(void)state;
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "0123456789abcdef");
	errno = 0;
	assert_int_equal(dev_info_parse(nlh, &dev), -1);
	assert_int_equal(errno, EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_one),
		cmocka_unit_test(test_text_none),
		cmocka_unit_test(test_text_max),
		cmocka_unit_test(test_json_one),
		cmocka_unit_test(test_json_null),
		cmocka_unit_test(test_json_dump),
		cmocka_unit_test(test_json_dump_empty),
		cmocka_unit_test(test_unknown_attrs),
		cmocka_unit_test(test_relay_fields),
		cmocka_unit_test(test_missing_ifname),
		cmocka_unit_test(test_bad_attr_len),
		cmocka_unit_test(test_bad_drops),
		cmocka_unit_test(test_long_ifname),
	};

	return cmocka_run_group_tests_name("dev", tests, NULL, NULL);
}
