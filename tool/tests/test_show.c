// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of "ovlctl show" (show.c) against the fake kernel: the
 * device request, then one peer dump per device, and the text and JSON
 * that combine them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>
#include <unistd.h>

#include "../show.c"
#include "harness.h"

static char rundir[] = "/tmp/test_show.XXXXXX";

/* No daemon status file unless a test writes one. */
static int setup(void **state)
{
	char path[sizeof(rundir) + 16];

	(void)state;
	fake_reset();
	snprintf(path, sizeof(path), "%s/ovl0.json", rundir);
	unlink(path);
	return 0;
}

static void write_status(long pid)
{
	char path[sizeof(rundir) + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ovl0.json", rundir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"ifname\":\"ovl0\",\"pid\":%ld,\"node_id\":7,"
		"\"handshakes\":{\"initiated\":4,\"completed\":3,"
		"\"answered\":2,\"refused\":{\"bad_mac1\":0,"
		"\"bad_cert\":5,\"replay\":1}}}\n", pid);
	fclose(f);
}

static const struct reply_dev ovl0 = {
	.ifname = "ovl0", .ifindex = 5, .node_id = 7, .listen_port = 4500,
	.peers = 1,
	.drops = { [OVL_A_DROPS_BAD_TAG] = 3, [OVL_A_DROPS_TX_NO_KEY] = 1 },
};

static const struct reply_dev ovl1 = {
	.ifname = "ovl1", .ifindex = 6,
};

static const struct reply_peer peer42 = {
	.node_id = 42,
	.endpoint = "203.0.113.5:4500",
	.aips = { "10.77.0.42/32" },
	.rx_packets = 1, .rx_bytes = 100, .tx_packets = 2, .tx_bytes = 200,
	.keys = { { OVL_KEY_SLOT_PRIMARY, 1, 2, true } },
	.n_keys = 1,
};

static const struct reply_peer peer43 = {
	.node_id = 43,
	.path = OVL_PATH_RELAY,
	.direct_rx = true, .last_direct_rx_ms = 61001,
};

#define OVL0_TEXT \
	"ovl0:\n" \
	"  ifindex: 5\n" \
	"  node id: 7\n" \
	"  listen port: 4500\n" \
	"  peers: 1\n" \
	"  drops: bad_tag 3, tx_no_key 1\n"

#define OVL1_TEXT \
	"ovl1:\n" \
	"  ifindex: 6\n" \
	"  node id: (none)\n" \
	"  listen port: (none)\n" \
	"  peers: 0\n" \
	"  drops: none\n"

#define PEER42_TEXT \
	"peer 42\n" \
	"  endpoint: 203.0.113.5:4500\n" \
	"  allowed ips: 10.77.0.42/32\n" \
	"  path: direct\n" \
	"  latest direct receipt: never\n" \
	"  transfer: 100 B received, 200 B sent (1/2 packets)\n" \
	"  keys: primary id 1 (2 sent)\n"

#define PEER43_TEXT \
	"peer 43\n" \
	"  endpoint: (none)\n" \
	"  allowed ips: (none)\n" \
	"  path: relay\n" \
	"  latest direct receipt: 61.001 s ago\n" \
	"  transfer: 0 B received, 0 B sent (0/0 packets)\n" \
	"  keys: none\n"

#define DROPS_JSON(bad_tag, tx_no_key) \
	"\"drops\":{\"short\":0,\"unknown_type\":0,\"unknown_peer\":0," \
	"\"no_key\":0,\"bad_tag\":" #bad_tag ",\"replay\":0," \
	"\"bad_source\":0,\"bad_inner\":0,\"tx_no_peer\":0," \
	"\"tx_no_key\":" #tx_no_key ",\"tx_no_endpoint\":0,\"tx_error\":0," \
	"\"not_beacon\":0,\"relay_mismatch\":0,\"relay_cap\":0," \
	"\"tx_no_beacon\":0,\"ctrl_no_listener\":0,\"ctrl_overflow\":0," \
	"\"ctrl_too_long\":0,\"rx_queue_full\":0,\"rx_peer_budget\":0," \
	"\"tx_queue_full\":0,\"crypt_queue_full\":0,\"dev_down\":0,\"rx_key_expired\":0,\"tx_key_expired\":0," \
	"\"ctrl_rate_limited\":0,\"beacon_auth\":0,\"punch_target\":0," \
	"\"punch_rate\":0}"

#define OVL0_JSON \
	"{\"ifname\":\"ovl0\",\"ifindex\":5,\"node_id\":7," \
	"\"listen_port\":4500,\"peer_count\":1," DROPS_JSON(3, 1)

#define OVL1_JSON \
	"{\"ifname\":\"ovl1\",\"ifindex\":6,\"node_id\":null," \
	"\"listen_port\":null,\"peer_count\":0," DROPS_JSON(0, 0)

#define PEER42_JSON \
	"{\"node_id\":42,\"endpoint\":\"203.0.113.5:4500\"," \
	"\"allowed_ips\":[\"10.77.0.42/32\"],\"keepalive\":0," \
	"\"path\":\"direct\",\"pinned\":false,\"relay\":\"on\",\"tx_packets\":2," \
	"\"rx_packets\":1,\"tx_bytes\":200,\"rx_bytes\":100," \
	"\"relay_tx_packets\":0,\"relay_rx_packets\":0,\"flips\":0,\"relay_cap_drops\":0,\"icmp_errors\":0," \
	"\"last_direct_rx_ms\":null,\"latest_handshake\":null,\"cert\":null,\"keys\":[{\"slot\":\"primary\"," \
	"\"id\":1,\"tx_counter\":2,\"lifetime\":null,\"expires_ms\":null,\"promote\":false}]}"

#define PEER43_JSON \
	"{\"node_id\":43,\"endpoint\":null,\"allowed_ips\":[]," \
	"\"keepalive\":0,\"path\":\"relay\",\"pinned\":false,\"relay\":\"on\"," \
	"\"tx_packets\":0,\"rx_packets\":0,\"tx_bytes\":0,\"rx_bytes\":0," \
	"\"relay_tx_packets\":0,\"relay_rx_packets\":0,\"flips\":0,\"relay_cap_drops\":0,\"icmp_errors\":0," \
	"\"last_direct_rx_ms\":61001,\"latest_handshake\":null,\"cert\":null,\"keys\":[]}"

/* Request @i: OVL_CMD_DEV_GET or a peer dump, for @ifname (or none). */
static void expect_req(unsigned int i, uint8_t cmd, uint16_t flags,
		       const char *ifname)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1];
	unsigned int t;

	assert_int_equal(fake_req_genl(i)->cmd, cmd);
	assert_int_equal(fake_req(i)->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | flags);
	decode(fake_req(i), tb, OVL_A_DEV_MAX);
	if (ifname)
		assert_string_equal(mnl_attr_get_str(tb[OVL_A_DEV_IFNAME]),
				    ifname);
	else
		assert_null(tb[OVL_A_DEV_IFNAME]);
	for (t = 0; t <= OVL_A_DEV_MAX; t++)
		if (t != OVL_A_DEV_IFNAME)
			assert_null(tb[t]);
}

/* ovl0 (do or dump), then its peers 42 and 43. */
static void answer_ovl0(bool with_ovl1)
{
	fake_answer();
	put_dev(fake_answer_msg(OVL_CMD_DEV_GET), &ovl0);
	if (with_ovl1)
		put_dev(fake_answer_msg(OVL_CMD_DEV_GET), &ovl1);
	fake_answer();
	put_peer(fake_answer_msg(OVL_CMD_PEER_GET), &peer42);
	put_peer(fake_answer_msg(OVL_CMD_PEER_GET), &peer43);
	if (with_ovl1)
		fake_answer();		/* ovl1 has no peers */
}

static void test_one_text(void **state)
{
	(void)state;
	answer_ovl0(false);
	assert_int_equal(run("show", "ovl0", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out, OVL0_TEXT "\n" PEER42_TEXT "\n"
				     PEER43_TEXT);
	assert_int_equal(fake_nreqs(), 2);
	expect_req(0, OVL_CMD_DEV_GET, 0, "ovl0");
	expect_req(1, OVL_CMD_PEER_GET, NLM_F_DUMP, "ovl0");
}

static void test_one_json(void **state)
{
	struct json_object *obj;

	(void)state;
	answer_ovl0(false);
	assert_int_equal(run("-j", "show", "ovl0", NULL), 0);
	assert_string_equal(run_out, OVL0_JSON ",\"peers\":[" PEER42_JSON ","
				     PEER43_JSON "]}\n");
	obj = json_tokener_parse(run_out);
	assert_non_null(obj);
	assert_int_equal(json_object_array_length(
				json_object_object_get(obj, "peers")), 2);
	json_object_put(obj);
}

/* The control daemon's counters, from its status file, while it runs. */
static void test_daemon_status(void **state)
{
	struct json_object *obj, *d;

	(void)state;
	write_status(getpid());
	answer_ovl0(false);
	assert_int_equal(run("show", "ovl0", NULL), 0);
	assert_non_null(strstr(run_out, "\n  daemon: pid "));
	assert_non_null(strstr(run_out, ", handshakes: 3 completed, 2 answered, "
					"6 refused (bad_cert 5, replay 1)\n"));
	answer_ovl0(false);
	assert_int_equal(run("-j", "show", "ovl0", NULL), 0);
	obj = json_tokener_parse(run_out);
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "daemon", &d));
	assert_int_equal(json_object_get_int64(json_object_object_get(
		json_object_object_get(json_object_object_get(d, "handshakes"),
				       "refused"), "bad_cert")), 5);
	json_object_put(obj);

	/* A daemon that died leaves its file: not shown. */
	write_status(0x7ffffff0);
	answer_ovl0(false);
	assert_int_equal(run("show", "ovl0", NULL), 0);
	assert_null(strstr(run_out, "daemon:"));
}

static void test_all_text(void **state)
{
	(void)state;
	answer_ovl0(true);
	assert_int_equal(run("show", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out, OVL0_TEXT "\n" PEER42_TEXT "\n"
				     PEER43_TEXT "\n" OVL1_TEXT);
	assert_int_equal(fake_nreqs(), 3);
	expect_req(0, OVL_CMD_DEV_GET, NLM_F_DUMP, NULL);
	expect_req(1, OVL_CMD_PEER_GET, NLM_F_DUMP, "ovl0");
	expect_req(2, OVL_CMD_PEER_GET, NLM_F_DUMP, "ovl1");
}

static void test_all_json(void **state)
{
	struct json_object *obj;

	(void)state;
	answer_ovl0(true);
	assert_int_equal(run("-j", "show", NULL), 0);
	assert_string_equal(run_out, "[" OVL0_JSON ",\"peers\":[" PEER42_JSON
				     "," PEER43_JSON "]}," OVL1_JSON
				     ",\"peers\":[]}]\n");
	obj = json_tokener_parse(run_out);
	assert_non_null(obj);
	assert_int_equal(json_object_array_length(obj), 2);
	json_object_put(obj);
}

/*
 * A peer with a handshake's keys: when the last handshake was, the
 * certificate's node id and expiry, each key's id, slot, lifetime left and
 * pending promotion; never key material.
 */
static void test_session(void **state)
{
	struct reply_peer p = {
		.node_id = 44,
		.keys = {
			{ OVL_KEY_SLOT_PRIMARY, 3, 10, true, 180, 117250, true,
			  false },
			{ OVL_KEY_SLOT_SECONDARY, 4, 0, false, 180, 0, true,
			  true },
		},
		.n_keys = 2,
		.cert_expiry = 1811808000,	/* 2027-06-01T00:00:00Z */
	};
	struct json_object *obj, *peer, *cert, *keys, *k;
	char want5[128], want6[128];
	time_t now;

	(void)state;
	now = time(NULL);
	p.last_handshake = now - 5;
	fake_answer();
	put_dev(fake_answer_msg(OVL_CMD_DEV_GET), &ovl1);
	fake_answer();
	put_peer(fake_answer_msg(OVL_CMD_PEER_GET), &p);
	assert_int_equal(run("show", "ovl1", NULL), 0);
	assert_string_equal(run_err, "");
	/* A second may pass between the reply and the print. */
	snprintf(want5, sizeof(want5), "  latest handshake: 5 seconds ago\n");
	snprintf(want6, sizeof(want6), "  latest handshake: 6 seconds ago\n");
	assert_true(strstr(run_out, want5) || strstr(run_out, want6));
	assert_non_null(strstr(run_out,
			       "  certificate: node id 44, expires 2027-06-01T00:00:00Z\n"));
	assert_non_null(strstr(run_out,
			       "  keys: primary id 3 (10 sent, expires in 117.250 s), "
			       "secondary id 4 (expired, promoted on first use)\n"));

	fake_reset();
	fake_answer();
	put_dev(fake_answer_msg(OVL_CMD_DEV_GET), &ovl1);
	fake_answer();
	put_peer(fake_answer_msg(OVL_CMD_PEER_GET), &p);
	assert_int_equal(run("-j", "show", "ovl1", NULL), 0);
	obj = json_tokener_parse(run_out);
	assert_non_null(obj);
	peer = json_object_array_get_idx(json_object_object_get(obj, "peers"), 0);
	assert_non_null(peer);
	assert_int_equal(json_object_get_int64(
				json_object_object_get(peer, "latest_handshake")),
			 now - 5);
	cert = json_object_object_get(peer, "cert");
	assert_int_equal(json_object_get_int64(
				json_object_object_get(cert, "node_id")), 44);
	assert_int_equal(json_object_get_int64(
				json_object_object_get(cert, "expires")),
			 1811808000);
	keys = json_object_object_get(peer, "keys");
	assert_int_equal(json_object_array_length(keys), 2);
	k = json_object_array_get_idx(keys, 0);
	assert_string_equal(json_object_get_string(
				json_object_object_get(k, "slot")), "primary");
	assert_int_equal(json_object_get_int(json_object_object_get(k, "id")), 3);
	assert_int_equal(json_object_get_int64(
				json_object_object_get(k, "expires_ms")), 117250);
	assert_int_equal(json_object_get_int64(
				json_object_object_get(k, "lifetime")), 180);
	assert_false(json_object_get_boolean(json_object_object_get(k, "promote")));
	k = json_object_array_get_idx(keys, 1);
	assert_string_equal(json_object_get_string(
				json_object_object_get(k, "slot")), "secondary");
	assert_int_equal(json_object_get_int(json_object_object_get(k, "id")), 4);
	assert_int_equal(json_object_get_int64(
				json_object_object_get(k, "expires_ms")), 0);
	assert_true(json_object_get_boolean(json_object_object_get(k, "promote")));
	/* No key material, under any name. */
	assert_null(strstr(run_out, "\"tx_key\""));
	assert_null(strstr(run_out, "\"rx_key\""));
	json_object_put(obj);
}

static void test_none(void **state)
{
	(void)state;
	assert_int_equal(run("show", NULL), 0);
	assert_string_equal(run_out, "");
	assert_int_equal(run("-j", "show", NULL), 0);
	assert_string_equal(run_out, "[]\n");
	assert_string_equal(run_err, "");
}

static void test_errors(void **state)
{
	(void)state;
	fake_answer();
	fake_answer_error(-ENODEV, "no such device");
	assert_int_equal(run("-j", "show", "nosuch", NULL), 1);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err, "ovlctl: show nosuch: No such device: "
				     "no such device\n");
	assert_int_equal(fake_nreqs(), 1);

	/* ovl1 went away between the device dump and its peer dump. */
	fake_reset();
	answer_ovl0(true);
	fake_answer_error(-ENODEV, "no such device");
	assert_int_equal(run("-j", "show", NULL), 1);
	assert_string_equal(run_out, "[" OVL0_JSON ",\"peers\":[" PEER42_JSON
				     "," PEER43_JSON "]}," OVL1_JSON
				     ",\"peers\":\n");
	assert_string_equal(run_err, "ovlctl: show ovl1: No such device: "
				     "no such device\n");
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(run("show", "ovl0", "ovl1", NULL), 2);
	assert_string_equal(run_err, "ovlctl: show: unexpected argument "
				     "'ovl1'\nUsage: ovlctl show [DEV]\n");
	assert_int_equal(run("show", "0123456789abcdef", NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid device name "
				     "'0123456789abcdef': expected 1..15 "
				     "characters\n");
	assert_int_equal(fake_nreqs(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_one_text, setup),
		cmocka_unit_test_setup(test_one_json, setup),
		cmocka_unit_test_setup(test_all_text, setup),
		cmocka_unit_test_setup(test_all_json, setup),
		cmocka_unit_test_setup(test_session, setup),
		cmocka_unit_test_setup(test_none, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_usage, setup),
		cmocka_unit_test_setup(test_daemon_status, setup),
	};
	int ret;

	if (!mkdtemp(rundir) || setenv("OVL_RUNDIR", rundir, 1))
		return 1;
	ret = cmocka_run_group_tests_name("show", tests, NULL, NULL);
	setup(NULL);
	rmdir(rundir);
	fake_reset();		/* frees the last output */
	return ret;
}
