// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of "dev show" reply handling (dev.c): the text and JSON
 * output of OVL_CMD_DEV_GET replies built as the kernel builds them, and
 * the rejection of malformed ones.
 */

#include <linux/genetlink.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
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
	bool has_node_id;
	bool has_listen_port;
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
	return nlh;
}

static const struct dev_msg ovl0 = {
	.ifname = "ovl0", .ifindex = 5,
	.node_id = 7, .has_node_id = true,
	.listen_port = 4500, .has_listen_port = true,
};

static const struct dev_msg ovl1_unset = {
	.ifname = "ovl1", .ifindex = 6,
	.node_id = 0, .has_node_id = true,
	.listen_port = 0, .has_listen_port = true,
};

static const struct dev_msg ovl2_absent = {
	.ifname = "ovl2", .ifindex = 9,
};

static const struct dev_msg ovl3_max = {
	.ifname = "0123456789abcde", .ifindex = UINT32_MAX,
	.node_id = UINT32_MAX, .has_node_id = true,
	.listen_port = UINT16_MAX, .has_listen_port = true,
};

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
			    "  listen port: 4500\n");
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
			    "\n"
			    "ovl2:\n"
			    "  ifindex: 9\n"
			    "  node id: (none)\n"
			    "  listen port: (none)\n");
}

static void test_text_max(void **state)
{
	const struct dev_msg *msgs[] = { &ovl3_max };

	(void)state;
	assert_string_equal(show(msgs, 1, false, false),
			    "0123456789abcde:\n"
			    "  ifindex: 4294967295\n"
			    "  node id: 4294967295\n"
			    "  listen port: 65535\n");
}

static void test_json_one(void **state)
{
	const struct dev_msg *msgs[] = { &ovl0 };

	(void)state;
	assert_string_equal(show(msgs, 1, true, false),
			    "{\"ifname\":\"ovl0\",\"ifindex\":5,\"node_id\":7,"
			    "\"listen_port\":4500}\n");
}

static void test_json_null(void **state)
{
	const struct dev_msg *msgs[] = { &ovl2_absent };

	(void)state;
	assert_string_equal(show(msgs, 1, true, false),
			    "{\"ifname\":\"ovl2\",\"ifindex\":9,"
			    "\"node_id\":null,\"listen_port\":null}\n");
}

static void test_json_dump(void **state)
{
	const struct dev_msg *msgs[] = { &ovl1_unset, &ovl3_max };

	(void)state;
	assert_string_equal(show(msgs, 2, true, true),
			    "[{\"ifname\":\"ovl1\",\"ifindex\":6,"
			    "\"node_id\":null,\"listen_port\":null},"
			    "{\"ifname\":\"0123456789abcde\","
			    "\"ifindex\":4294967295,\"node_id\":4294967295,"
			    "\"listen_port\":65535}]\n");
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

	(void)state;
	mnl_attr_put_u64(nlh, OVL_A_DEV_MAX + 1, 1);
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	mnl_attr_put_strz(nlh, 300, "from a newer kernel");
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "ovl0");
	assert_int_equal(dev_info_parse(nlh, &dev), 0);
	assert_string_equal(dev.ifname, "ovl0");
	assert_int_equal(dev.ifindex, 5);
	assert_int_equal(dev.node_id, 0);
	assert_int_equal(dev.listen_port, 0);
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
		cmocka_unit_test(test_missing_ifname),
		cmocka_unit_test(test_bad_attr_len),
	};

	return cmocka_run_group_tests_name("dev", tests, NULL, NULL);
}
