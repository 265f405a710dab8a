// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of "ovlctl monitor" (monitor.c) against the fake kernel:
 * joining the "events" group, the lines printed for each event, the
 * device filter, unknown and malformed events, lost events, and stopping
 * on SIGTERM or SIGINT with status 0.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../monitor.c"
#include "../daemon/events.h"
#include "harness.h"

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

/*
 * A key-needed event of @ifname (NULL: ifindex only) for peer @node_id;
 * @slot and @id are left out when negative.
 */
static void key_event(const char *ifname, uint32_t ifindex,
		      uint32_t node_id, uint32_t reason, int slot, int id)
{
	struct nlmsghdr *nlh = fake_event(OVL_CMD_KEY_NEEDED_NTF);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, ifindex);
	if (ifname)
		mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, ifname);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, node_id);
	mnl_attr_put_u32(nlh, OVL_A_KEY_REASON, reason);
	if (slot >= 0)
		mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, slot);
	if (id >= 0)
		mnl_attr_put_u8(nlh, OVL_A_KEY_ID, id);
	mnl_attr_nest_end(nlh, nest);
}

/* A path event of ovl0 for peer @node_id. */
static void put_path_event(uint32_t node_id, uint32_t path, uint32_t reason,
		       uint64_t flips, uint64_t caps)
{
	struct nlmsghdr *nlh = fake_event(OVL_CMD_PATH_NTF);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "ovl0");
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, node_id);
	mnl_attr_put_u32(nlh, OVL_A_PEER_PATH, path);
	mnl_attr_put_u32(nlh, OVL_A_PEER_PATH_REASON, reason);
	mnl_attr_put_u32(nlh, OVL_A_PEER_RELAY, OVL_RELAY_MODE_ON);
	mnl_attr_put_u64(nlh, OVL_A_PEER_FLIPS, flips);
	mnl_attr_put_u64(nlh, OVL_A_PEER_RELAY_CAP_DROPS, caps);
	mnl_attr_nest_end(nlh, nest);
}

static void queue_path_events(void)
{
	put_path_event(2, OVL_PATH_RELAY, OVL_PATH_REASON_BLACKHOLE, 1, 0);
	put_path_event(2, OVL_PATH_DIRECT, OVL_PATH_REASON_PROBED, 2, 0);
	put_path_event(3, OVL_PATH_DIRECT, OVL_PATH_REASON_RELAY_CAP, 0, 5);
	put_path_event(4, 7, 99, 1, 0);
}

static void test_path_text(void **state)
{
	(void)state;
	queue_path_events();
	assert_int_equal(run("monitor", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out,
		"ovl0: peer 2 path relay (direct path silent), flip 1\n"
		"ovl0: peer 2 path direct (direct probes answered), flip 2\n"
		"ovl0: peer 3 packet dropped: relay cap reached (5 so far)\n"
		"ovl0: peer 4 path 7 (reason 99), flip 1\n");
}

static void test_path_json(void **state)
{
	(void)state;
	queue_path_events();
	assert_int_equal(run("-j", "monitor", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out,
		"{\"event\":\"path\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"path\":\"relay\",\"reason\":\"blackhole\",\"flips\":1,"
		"\"relay_cap_drops\":0}\n"
		"{\"event\":\"path\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"path\":\"direct\",\"reason\":\"probed\",\"flips\":2,"
		"\"relay_cap_drops\":0}\n"
		"{\"event\":\"path\",\"ifname\":\"ovl0\",\"node_id\":3,"
		"\"path\":\"direct\",\"reason\":\"relay_cap\",\"flips\":0,"
		"\"relay_cap_drops\":5}\n"
		"{\"event\":\"path\",\"ifname\":\"ovl0\",\"node_id\":4,"
		"\"path\":7,\"reason\":99,\"flips\":1,\"relay_cap_drops\":0}\n");
}

/* A key event (handshake event) of ovl0; @lifetime left out when 0. */
static void put_key_ntf(uint32_t node_id, uint8_t id, uint32_t slot,
			uint32_t what, uint32_t lifetime)
{
	struct nlmsghdr *nlh = fake_event(OVL_CMD_KEY_NTF);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "ovl0");
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, node_id);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, id);
	mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, slot);
	mnl_attr_put_u32(nlh, OVL_A_KEY_EVENT, what);
	if (lifetime)
		mnl_attr_put_u32(nlh, OVL_A_KEY_LIFETIME, lifetime);
	mnl_attr_nest_end(nlh, nest);
}

/* A rekey as the kernel reports it, then what it does not know yet. */
static void queue_key_ntfs(void)
{
	put_key_ntf(2, 4, OVL_KEY_SLOT_SECONDARY, OVL_KEY_EVENT_INSTALLED, 180);
	put_key_ntf(2, 4, OVL_KEY_SLOT_PRIMARY, OVL_KEY_EVENT_PROMOTED, 180);
	put_key_ntf(3, 1, OVL_KEY_SLOT_PRIMARY, OVL_KEY_EVENT_SWAPPED, 0);
	put_key_ntf(2, 3, OVL_KEY_SLOT_SECONDARY, OVL_KEY_EVENT_EXPIRED, 180);
	put_key_ntf(2, 9, 7, 99, 0);
	key_event("ovl0", 5, 2, OVL_KEY_REASON_EXPIRED, -1, -1);
	key_event("ovl0", 5, 2, OVL_KEY_REASON_AGE, -1, -1);
}

static void test_key_ntf_text(void **state)
{
	(void)state;
	queue_key_ntfs();
	assert_int_equal(run("monitor", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out,
		"ovl0: peer 2 key 4 installed (secondary, lifetime 180 s)\n"
		"ovl0: peer 2 key 4 promoted to primary (primary, lifetime 180 s)\n"
		"ovl0: peer 3 key 1 swapped in (primary)\n"
		"ovl0: peer 2 key 3 expired (secondary, lifetime 180 s)\n"
		"ovl0: peer 2 key 9 event 99 (slot 7)\n"
		"ovl0: peer 2 needs a handshake: key expired\n"
		"ovl0: peer 2 needs a handshake: key near the end of its lifetime\n");
}

static void test_key_ntf_json(void **state)
{
	(void)state;
	queue_key_ntfs();
	assert_int_equal(run("-j", "monitor", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out,
		"{\"event\":\"key\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"what\":\"installed\",\"id\":4,\"slot\":\"secondary\","
		"\"lifetime\":180}\n"
		"{\"event\":\"key\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"what\":\"promoted\",\"id\":4,\"slot\":\"primary\","
		"\"lifetime\":180}\n"
		"{\"event\":\"key\",\"ifname\":\"ovl0\",\"node_id\":3,"
		"\"what\":\"swapped\",\"id\":1,\"slot\":\"primary\","
		"\"lifetime\":null}\n"
		"{\"event\":\"key\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"what\":\"expired\",\"id\":3,\"slot\":\"secondary\","
		"\"lifetime\":180}\n"
		"{\"event\":\"key\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"what\":99,\"id\":9,\"slot\":7,\"lifetime\":null}\n"
		"{\"event\":\"key_needed\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"reason\":\"expired\"}\n"
		"{\"event\":\"key_needed\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"reason\":\"age\"}\n");
}

static void queue_events(void)
{
	key_event("ovl0", 5, 42, OVL_KEY_REASON_NO_KEY, -1, -1);
	key_event("ovl1", 6, 7, OVL_KEY_REASON_LIMIT, OVL_KEY_SLOT_PRIMARY, 3);
	key_event("ovl0", 5, 4294967295u, OVL_KEY_REASON_EXHAUSTED, -1, 0);
	key_event(NULL, 5, 8, 9, 4, -1);
}

static void test_text(void **state)
{
	(void)state;
	queue_events();
	assert_int_equal(run("monitor", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out,
		"ovl0: peer 42 needs a handshake: no key\n"
		"ovl1: peer 7 needs a handshake: key near its limit (primary id 3)\n"
		"ovl0: peer 4294967295 needs a handshake: key exhausted (id 0)\n"
		"ifindex 5: peer 8 needs a handshake: reason 9 (slot 4)\n");
	assert_int_equal(fake_joined(), FAKE_GROUP);
	assert_int_equal(fake_nreqs(), 0);
}

static void test_json(void **state)
{
	(void)state;
	queue_events();
	assert_int_equal(run("-j", "monitor", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out,
		"{\"event\":\"key_needed\",\"ifname\":\"ovl0\",\"node_id\":42,"
		"\"reason\":\"no_key\"}\n"
		"{\"event\":\"key_needed\",\"ifname\":\"ovl1\",\"node_id\":7,"
		"\"reason\":\"limit\",\"slot\":\"primary\",\"id\":3}\n"
		"{\"event\":\"key_needed\",\"ifname\":\"ovl0\","
		"\"node_id\":4294967295,\"reason\":\"exhausted\",\"id\":0}\n"
		"{\"event\":\"key_needed\",\"ifname\":null,\"node_id\":8,"
		"\"reason\":9,\"slot\":4}\n");
}

/* "monitor ovl0": checks the device, then keeps its events only. */
static void test_filter(void **state)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1];
	const struct reply_dev ovl0 = { .ifname = "ovl0", .ifindex = 5 };

	(void)state;
	fake_answer();
	put_dev(fake_answer_msg(OVL_CMD_DEV_GET), &ovl0);
	queue_events();
	/* Renamed, same ifindex: still ours. */
	key_event("renamed", 5, 1, OVL_KEY_REASON_NO_KEY, -1, -1);
	/* Same name, other ifindex (re-created): ours too. */
	key_event("ovl0", 9, 2, OVL_KEY_REASON_NO_KEY, -1, -1);
	key_event(NULL, 6, 3, OVL_KEY_REASON_NO_KEY, -1, -1);
	assert_int_equal(run("monitor", "ovl0", NULL), 0);
	assert_string_equal(run_err, "");
	assert_string_equal(run_out,
		"ovl0: peer 42 needs a handshake: no key\n"
		"ovl0: peer 4294967295 needs a handshake: key exhausted (id 0)\n"
		"ifindex 5: peer 8 needs a handshake: reason 9 (slot 4)\n"
		"renamed: peer 1 needs a handshake: no key\n"
		"ovl0: peer 2 needs a handshake: no key\n");
	assert_int_equal(fake_nreqs(), 1);
	assert_int_equal(fake_req_genl(0)->cmd, OVL_CMD_DEV_GET);
	decode(fake_req(0), tb, OVL_A_DEV_MAX);
	assert_string_equal(mnl_attr_get_str(tb[OVL_A_DEV_IFNAME]), "ovl0");
}

static void test_filter_no_dev(void **state)
{
	(void)state;
	fake_answer();
	fake_answer_error(-EOPNOTSUPP, "not an ovl device");
	queue_events();
	assert_int_equal(run("monitor", "lo", NULL), 1);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err, "ovlctl: monitor lo: Operation not "
				     "supported: not an ovl device\n");
	assert_int_equal(fake_joined(), 0);
}

static void test_unknown_events(void **state)
{
	char want[64];
	struct nlmsghdr *nlh;

	(void)state;
	key_event("ovl0", 5, 1, OVL_KEY_REASON_NO_KEY, -1, -1);
	mnl_attr_put_u32(fake_event(200), OVL_A_DEV_IFINDEX, 5);
	fake_event(OVL_CMD_MAX + 1);
	fake_event(200);
	/* Not of the ovl family: skipped silently. */
	nlh = fake_event(OVL_CMD_KEY_NEEDED_NTF);
	nlh->nlmsg_type = FAKE_FAMILY + 1;
	key_event("ovl0", 5, 2, OVL_KEY_REASON_NO_KEY, -1, -1);
	assert_int_equal(run("monitor", NULL), 0);
	assert_string_equal(run_out,
		"ovl0: peer 1 needs a handshake: no key\n"
		"ovl0: peer 2 needs a handshake: no key\n");
	snprintf(want, sizeof(want),
		 "ovlctl: unknown event 200\novlctl: unknown event %d\n",
		 OVL_CMD_MAX + 1);
	assert_string_equal(run_err, want);
}

static void test_malformed_events(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	(void)state;
	/* No key nest. */
	mnl_attr_put_u32(fake_event(OVL_CMD_KEY_NEEDED_NTF),
			 OVL_A_DEV_IFINDEX, 5);
	/* No reason. */
	nlh = fake_event(OVL_CMD_KEY_NEEDED_NTF);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 1);
	mnl_attr_nest_end(nlh, nest);
	/* A u16 ifindex. */
	mnl_attr_put_u16(fake_event(OVL_CMD_KEY_NEEDED_NTF),
			 OVL_A_DEV_IFINDEX, 5);
	key_event("ovl0", 5, 2, OVL_KEY_REASON_NO_KEY, -1, -1);
	assert_int_equal(run("-j", "monitor", NULL), 0);
	assert_string_equal(run_out,
		"{\"event\":\"key_needed\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"reason\":\"no_key\"}\n");
	assert_string_equal(run_err,
		"ovlctl: monitor: malformed key_needed event: Bad message\n"
		"ovlctl: monitor: malformed key_needed event: Bad message\n"
		"ovlctl: monitor: malformed key_needed event: Bad message\n");
}

static void test_lost_events(void **state)
{
	(void)state;
	key_event("ovl0", 5, 1, OVL_KEY_REASON_NO_KEY, -1, -1);
	fake_event_error(ENOBUFS);
	key_event("ovl0", 5, 2, OVL_KEY_REASON_NO_KEY, -1, -1);
	fake_event_error(EINTR);
	key_event("ovl0", 5, 3, OVL_KEY_REASON_NO_KEY, -1, -1);
	assert_int_equal(run("monitor", NULL), 0);
	assert_string_equal(run_out,
		"ovl0: peer 1 needs a handshake: no key\n"
		"ovl0: peer 2 needs a handshake: no key\n"
		"ovl0: peer 3 needs a handshake: no key\n");
	assert_string_equal(run_err, "ovlctl: monitor: events lost: No buffer "
				     "space available\n");
}

static void test_read_error(void **state)
{
	(void)state;
	key_event("ovl0", 5, 1, OVL_KEY_REASON_NO_KEY, -1, -1);
	fake_event_error(EBADF);
	key_event("ovl0", 5, 2, OVL_KEY_REASON_NO_KEY, -1, -1);
	assert_int_equal(run("monitor", NULL), 1);
	assert_string_equal(run_out, "ovl0: peer 1 needs a handshake: no key\n");
	assert_string_equal(run_err, "ovlctl: monitor: Bad file descriptor\n");
}

/*
 * A control daemon's events: the daemon's own socket code
 * (daemon/events.c) listens in a temporary OVL_RUNDIR; when the kernel's
 * events run out it takes the monitor in and says what a daemon says.
 */
static struct events daemon_ev;
static char rundir[] = "/tmp/ovl-test-monitor.XXXXXX";

static void daemon_say(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	assert_non_null(o);
	events_emit(&daemon_ev, o);
	json_object_put(o);
}

static void daemon_speaks(void)
{
	events_accept(&daemon_ev);
	assert_true(daemon_ev.clients[0] >= 0);
	daemon_say("{\"event\":\"handshake\",\"ifname\":\"ovl0\","
		   "\"node_id\":2,\"role\":\"initiator\",\"key_id\":7,"
		   "\"via\":\"direct\",\"lifetime\":180}");
	daemon_say("{\"event\":\"handshake\",\"ifname\":\"ovl0\","
		   "\"node_id\":3,\"role\":\"responder\",\"key_id\":9,"
		   "\"via\":\"beacon\",\"lifetime\":180}");
	daemon_say("{\"event\":\"handshake_refused\",\"ifname\":\"ovl0\","
		   "\"from\":\"192.0.2.4:4500\",\"node_id\":2,"
		   "\"reason\":\"bad_cert\",\"detail\":\"certificate expired\"}");
	daemon_say("{\"event\":\"handshake_refused\",\"ifname\":\"ovl0\","
		   "\"via_node_id\":5,\"reason\":\"replay\"}");
	/* Not JSON: reported, not printed. */
	assert_int_equal(send(daemon_ev.clients[0], "{\"event\"", 8, 0), 8);
}

static int daemon_setup(void **state)
{
	(void)state;
	fake_reset();
	assert_non_null(mkdtemp(rundir));
	setenv("OVL_RUNDIR", rundir, 1);
	assert_int_equal(events_open(&daemon_ev, "ovl0"), 0);
	fake_on_events_done(daemon_speaks);
	return 0;
}

static int daemon_teardown(void **state)
{
	(void)state;
	events_close(&daemon_ev);
	unsetenv("OVL_RUNDIR");
	rmdir(rundir);
	strcpy(rundir, "/tmp/ovl-test-monitor.XXXXXX");
	return 0;
}

static void test_daemon_text(void **state)
{
	(void)state;
	key_event("ovl0", 5, 42, OVL_KEY_REASON_NO_KEY, -1, -1);
	assert_int_equal(run("monitor", NULL), 0);
	assert_string_equal(run_out,
		"ovl0: peer 42 needs a handshake: no key\n"
		"ovl0: peer 2 handshake completed (initiator), key id 7, direct, lifetime 180 s\n"
		"ovl0: peer 3 handshake answered (responder), key id 9, beacon, lifetime 180 s\n"
		"ovl0: handshake refused from 192.0.2.4:4500 (peer 2): bad_cert: certificate expired\n"
		"ovl0: handshake refused from node 5 via the beacon: replay\n");
	assert_string_equal(run_err, "ovlctl: monitor: malformed event from "
				     "the daemon of ovl0\n");
}

static void test_daemon_json(void **state)
{
	(void)state;
	assert_int_equal(run("-j", "monitor", NULL), 0);
	assert_string_equal(run_out,
		"{\"event\":\"handshake\",\"ifname\":\"ovl0\",\"node_id\":2,"
		"\"role\":\"initiator\",\"key_id\":7,\"via\":\"direct\","
		"\"lifetime\":180}\n"
		"{\"event\":\"handshake\",\"ifname\":\"ovl0\",\"node_id\":3,"
		"\"role\":\"responder\",\"key_id\":9,\"via\":\"beacon\","
		"\"lifetime\":180}\n"
		"{\"event\":\"handshake_refused\",\"ifname\":\"ovl0\","
		"\"from\":\"192.0.2.4:4500\",\"node_id\":2,\"reason\":\"bad_cert\","
		"\"detail\":\"certificate expired\"}\n"
		"{\"event\":\"handshake_refused\",\"ifname\":\"ovl0\","
		"\"via_node_id\":5,\"reason\":\"replay\"}\n");
}

/* "monitor ovl1" does not listen to the daemon of ovl0. */
static void test_daemon_other_dev(void **state)
{
	const struct reply_dev ovl1 = { .ifname = "ovl1", .ifindex = 6 };

	(void)state;
	fake_on_events_done(NULL);
	fake_answer();
	put_dev(fake_answer_msg(OVL_CMD_DEV_GET), &ovl1);
	assert_int_equal(run("monitor", "ovl1", NULL), 0);
	events_accept(&daemon_ev);
	assert_int_equal(daemon_ev.clients[0], -1);
	assert_string_equal(run_out, "");
}

/* SIGINT stops it as SIGTERM does; the signal mask is restored. */
static void test_sigint(void **state)
{
	sigset_t mask;

	(void)state;
	fake_stop_signal(SIGINT);
	key_event("ovl0", 5, 1, OVL_KEY_REASON_NO_KEY, -1, -1);
	assert_int_equal(run("monitor", NULL), 0);
	assert_string_equal(run_out, "ovl0: peer 1 needs a handshake: no key\n");
	assert_string_equal(run_err, "");
	sigprocmask(SIG_BLOCK, NULL, &mask);
	assert_false(sigismember(&mask, SIGINT));
	assert_false(sigismember(&mask, SIGTERM));
	sigpending(&mask);
	assert_false(sigismember(&mask, SIGINT));
}

static void test_no_group(void **state)
{
	(void)state;
	fake_no_groups();
	assert_int_equal(run("monitor", NULL), 1);
	assert_string_equal(run_err, "ovlctl: the ovl kernel module has no "
				     "\"events\" multicast group\n");
}

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(run("monitor", "ovl0", "ovl1", NULL), 2);
	assert_string_equal(run_err, "ovlctl: monitor: unexpected argument "
				     "'ovl1'\nUsage: ovlctl monitor [DEV]\n");
	assert_int_equal(run("monitor", "", NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid device name '': "
				     "expected 1..15 characters\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_text, setup),
		cmocka_unit_test_setup(test_json, setup),
		cmocka_unit_test_setup(test_path_text, setup),
		cmocka_unit_test_setup(test_path_json, setup),
		cmocka_unit_test_setup(test_key_ntf_text, setup),
		cmocka_unit_test_setup(test_key_ntf_json, setup),
		cmocka_unit_test_setup(test_filter, setup),
		cmocka_unit_test_setup(test_filter_no_dev, setup),
		cmocka_unit_test_setup(test_unknown_events, setup),
		cmocka_unit_test_setup(test_malformed_events, setup),
		cmocka_unit_test_setup(test_lost_events, setup),
		cmocka_unit_test_setup(test_read_error, setup),
		cmocka_unit_test_setup(test_sigint, setup),
		cmocka_unit_test_setup(test_no_group, setup),
		cmocka_unit_test_setup(test_usage, setup),
		cmocka_unit_test_setup_teardown(test_daemon_text, daemon_setup,
						daemon_teardown),
		cmocka_unit_test_setup_teardown(test_daemon_json, daemon_setup,
						daemon_teardown),
		cmocka_unit_test_setup_teardown(test_daemon_other_dev,
						daemon_setup, daemon_teardown),
	};
	int ret;

	ret = cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
	fake_reset();		/* frees the last output */
	return ret;
}
