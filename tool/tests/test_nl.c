// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the reply handling of nl.c: ACKs, extended ACKs with and
 * without NETLINK_CAP_ACK, dump ends, error lines, attribute parsing and
 * the family's multicast groups,
 * fed with messages laid out as the kernel's netlink_ack() and
 * netlink_dump_done() build them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../nl.c"

#define SEQ	42
#define PORTID	4242
#define FAMILY	0x1d

static char errline[512];

/* Stands in for ovlctl.c's: keeps the line for the tests to check. */
void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errline, sizeof(errline), fmt, ap);
	va_end(ap);
}

static uint32_t buf[4096 / sizeof(uint32_t)];
static uint32_t req_buf[1024 / sizeof(uint32_t)];

/* A "dev set ovl0 listen-port 4500" request, as ovlctl sends it. */
static struct nlmsghdr *put_req(void)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req_buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = SEQ;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = OVL_CMD_DEV_SET;
	genl->version = OVL_FAMILY_VERSION;
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "ovl0");
	mnl_attr_put_u16(nlh, OVL_A_DEV_LISTEN_PORT, 4500);
	return nlh;
}

static struct nlmsghdr *put_hdr(void *where, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(where);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = SEQ;
	nlh->nlmsg_pid = PORTID;
	return nlh;
}

/* NLMSG_ERROR for put_req(): capped to its header, or echoing all of it. */
static struct nlmsghdr *put_err(void *where, int error, uint16_t flags)
{
	const struct nlmsghdr *req = put_req();
	size_t echo = flags & NLM_F_CAPPED ? sizeof(*req) : req->nlmsg_len;
	struct nlmsghdr *nlh = put_hdr(where, NLMSG_ERROR, flags);
	struct nlmsgerr *err;

	err = mnl_nlmsg_put_extra_header(nlh,
					 offsetof(struct nlmsgerr, msg) + echo);
	err->error = error;
	memcpy(&err->msg, req, echo);
	return nlh;
}

static struct nlmsghdr *put_done(void *where, int error, uint16_t flags)
{
	struct nlmsghdr *nlh = put_hdr(where, NLMSG_DONE, flags | NLM_F_MULTI);
	int *payload = mnl_nlmsg_put_extra_header(nlh, sizeof(*payload));

	*payload = error;
	return nlh;
}

static void put_extack(struct nlmsghdr *nlh, const char *msg)
{
	/* The offset of the bad attribute comes first, as in the kernel. */
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 28);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
}

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	++*(int *)arg;
	return MNL_CB_OK;
}

static int run(const struct nlmsghdr *nlh, size_t len, struct nl_reply *r)
{
	errno = 0;
	return nl_run(nlh, len, SEQ, PORTID, r);
}

static void test_ack(void **state)
{
	struct nlmsghdr *nlh = put_err(buf, 0, NLM_F_CAPPED);
	struct nl_reply r = {};

	(void)state;
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_STOP);
	assert_string_equal(r.ext, "");
}

static void test_error_capped(void **state)
{
	struct nlmsghdr *nlh = put_err(buf, -EADDRINUSE,
				       NLM_F_CAPPED | NLM_F_ACK_TLVS);
	struct nl_reply r = {};

	(void)state;
	put_extack(nlh, "listen port 4500 is in use");
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
	assert_int_equal(errno, EADDRINUSE);
	assert_string_equal(r.ext, "listen port 4500 is in use");
}

static void test_error_echoed(void **state)
{
	struct nlmsghdr *nlh = put_err(buf, -EADDRINUSE, NLM_F_ACK_TLVS);
	struct nl_reply r = {};

	(void)state;
	put_extack(nlh, "listen port 4500 is in use");
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
	assert_int_equal(errno, EADDRINUSE);
	assert_string_equal(r.ext, "listen port 4500 is in use");
}

static void test_error_without_extack(void **state)
{
	struct nlmsghdr *nlh = put_err(buf, -EPERM, 0);
	struct nl_reply r = {};

	(void)state;
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
	assert_int_equal(errno, EPERM);
	assert_string_equal(r.ext, "");
}

static void test_error_bogus_echo_len(void **state)
{
	struct nlmsghdr *nlh = put_err(buf, -EINVAL, NLM_F_ACK_TLVS);
	struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nl_reply r = {};

	(void)state;
	put_extack(nlh, "ignored");
	err->msg.nlmsg_len = 0xffff0000;
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(r.ext, "");
}

static void test_error_truncated(void **state)
{
	struct nlmsghdr *nlh = put_hdr(buf, NLMSG_ERROR, 0);
	int *error = mnl_nlmsg_put_extra_header(nlh, sizeof(*error));
	struct nl_reply r = {};

	(void)state;
	*error = -ENODEV;
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
	assert_int_equal(errno, EBADMSG);
}

static void test_extack_long_msg(void **state)
{
	struct nlmsghdr *nlh = put_err(buf, -EINVAL,
				       NLM_F_CAPPED | NLM_F_ACK_TLVS);
	struct nl_reply r = {};
	char msg[1000];

	(void)state;
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	put_extack(nlh, msg);
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
	assert_int_equal(strlen(r.ext), sizeof(r.ext) - 1);
	assert_memory_equal(r.ext, msg, sizeof(r.ext) - 1);
}

static void test_reply_then_ack(void **state)
{
	struct nlmsghdr *nlh = put_hdr(buf, FAMILY, 0), *ack;
	struct nl_reply r = { .cb = count_cb };
	int n = 0;

	(void)state;
	r.data = &n;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	ack = put_err((char *)nlh + nlh->nlmsg_len, 0, NLM_F_CAPPED);
	assert_int_equal(run(nlh, nlh->nlmsg_len + ack->nlmsg_len, &r),
			 MNL_CB_STOP);
	assert_int_equal(n, 1);
}

static void test_dump_parts(void **state)
{
	struct nlmsghdr *nlh = put_hdr(buf, FAMILY, NLM_F_MULTI);
	struct nl_reply r = { .cb = count_cb };
	int n = 0;

	(void)state;
	r.data = &n;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	/* A datagram without the end: more is to come. */
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_OK);
	nlh = put_done(buf, 0, 0);
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_STOP);
	assert_int_equal(n, 1);
}

static void test_dump_error(void **state)
{
	struct nlmsghdr *nlh = put_done(buf, -ENOBUFS, NLM_F_ACK_TLVS);
	struct nl_reply r = {};

	(void)state;
	put_extack(nlh, "dump failed");
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
	assert_int_equal(errno, ENOBUFS);
	assert_string_equal(r.ext, "dump failed");
}

static void test_wrong_seq(void **state)
{
	struct nlmsghdr *nlh = put_err(buf, 0, NLM_F_CAPPED);
	struct nl_reply r = {};

	(void)state;
	nlh->nlmsg_seq = SEQ + 1;
	assert_int_equal(run(nlh, nlh->nlmsg_len, &r), MNL_CB_ERROR);
}

static void test_perror(void **state)
{
	(void)state;
	nl_perror("dev set ovl0", EADDRINUSE, "listen port 4500 is in use");
	assert_string_equal(errline, "dev set ovl0: Address already in use: "
				     "listen port 4500 is in use");
	nl_perror("dev set ovl0", EPERM, "");
	assert_string_equal(errline, "dev set ovl0: Operation not permitted "
				     "(CAP_NET_ADMIN required)");
	nl_perror("dev show nosuch", ENODEV, "no such device");
	assert_string_equal(errline,
			    "dev show nosuch: No such device: no such device");
	nl_perror("dev show", EBADMSG, "");
	assert_string_equal(errline, "dev show: Bad message");
}

static const enum mnl_attr_data_type policy[OVL_A_DEV_MAX + 1] = {
	[OVL_A_DEV_IFINDEX]	= MNL_TYPE_U32,
	[OVL_A_DEV_IFNAME]	= MNL_TYPE_NUL_STRING,
};

static struct nlmsghdr *put_genl(void)
{
	struct nlmsghdr *nlh = put_hdr(buf, FAMILY, 0);

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	return nlh;
}

static void test_parse_known(void **state)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1] = {};
	struct nlmsghdr *nlh = put_genl();

	(void)state;
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "ovl0");
	assert_int_equal(ovl_nl_parse(nlh, policy, OVL_A_DEV_MAX, tb), 0);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_DEV_IFINDEX]), 5);
	assert_string_equal(mnl_attr_get_str(tb[OVL_A_DEV_IFNAME]), "ovl0");
	assert_null(tb[OVL_A_DEV_NODE_ID]);
}

static void test_parse_skips_unknown(void **state)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1] = {};
	struct nlmsghdr *nlh = put_genl();

	(void)state;
	mnl_attr_put_u64(nlh, OVL_A_DEV_MAX + 1, 1);
	mnl_attr_put_strz(nlh, 200, "from a newer kernel");
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 7);
	assert_int_equal(ovl_nl_parse(nlh, policy, OVL_A_DEV_MAX, tb), 0);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_DEV_IFINDEX]), 7);
}

static void test_parse_bad_type(void **state)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1] = {};
	struct nlmsghdr *nlh = put_genl();

	(void)state;
	mnl_attr_put_u16(nlh, OVL_A_DEV_IFINDEX, 5);
	errno = 0;
	assert_int_equal(ovl_nl_parse(nlh, policy, OVL_A_DEV_MAX, tb), -1);
	assert_int_equal(errno, EBADMSG);
}

static void test_parse_unterminated_string(void **state)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1] = {};
	struct nlmsghdr *nlh = put_genl();

	(void)state;
	mnl_attr_put(nlh, OVL_A_DEV_IFNAME, 4, "ovl0");
	assert_int_equal(ovl_nl_parse(nlh, policy, OVL_A_DEV_MAX, tb), -1);
	assert_int_equal(errno, EBADMSG);
}

static struct ovl_nl nl_state;

/* A CTRL_CMD_GETFAMILY reply for "ovl": its id, and groups if @groups. */
static struct nlmsghdr *put_family(bool groups)
{
	struct nlmsghdr *nlh = put_genl();
	struct nlattr *nest, *grp;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, OVL_FAMILY_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x1e);
	if (!groups)
		return nlh;
	nest = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "eventsx");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 3);
	mnl_attr_nest_end(nlh, grp);
	grp = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 9);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, OVL_MCGRP_EVENTS);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_family_groups(void **state)
{
	(void)state;
	memset(&nl_state, 0, sizeof(nl_state));
	assert_int_equal(nl_family_cb(put_family(true), &nl_state), MNL_CB_OK);
	assert_int_equal(nl_state.family, 0x1e);
	assert_int_equal(nl_state.events_group, 9);

	memset(&nl_state, 0, sizeof(nl_state));
	assert_int_equal(nl_family_cb(put_family(false), &nl_state), MNL_CB_OK);
	assert_int_equal(nl_state.family, 0x1e);
	assert_int_equal(nl_state.events_group, 0);
}

static void test_family_bad_group(void **state)
{
	struct nlmsghdr *nlh = put_family(false);
	struct nlattr *nest, *grp;

	(void)state;
	nest = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	mnl_attr_put_u16(nlh, 1, 9);		/* too short for a nest */
	mnl_attr_nest_end(nlh, nest);
	memset(&nl_state, 0, sizeof(nl_state));
	errno = 0;
	assert_int_equal(nl_family_cb(nlh, &nl_state), MNL_CB_ERROR);
	assert_int_equal(errno, EBADMSG);

	nlh = put_family(false);
	nest = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, OVL_MCGRP_EVENTS);
	mnl_attr_put_u16(nlh, CTRL_ATTR_MCAST_GRP_ID, 9);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, nest);
	errno = 0;
	assert_int_equal(nl_family_cb(nlh, &nl_state), MNL_CB_ERROR);
	assert_int_equal(errno, EBADMSG);
}

static void test_parse_nested(void **state)
{
	static const enum mnl_attr_data_type p[OVL_A_KEY_MAX + 1] = {
		[OVL_A_KEY_NODE_ID]	= MNL_TYPE_U32,
		[OVL_A_KEY_ID]		= MNL_TYPE_U8,
	};
	const struct nlattr *tb[OVL_A_KEY_MAX + 1] = {};
	struct nlmsghdr *nlh = put_genl();
	struct nlattr *nest;

	(void)state;
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 1);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 2);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 3);
	mnl_attr_put_u64(nlh, OVL_A_KEY_MAX + 1, 4);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(ovl_nl_parse_nested(nest, p, OVL_A_KEY_MAX, tb), 0);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_NODE_ID]), 1);
	assert_int_equal(mnl_attr_get_u8(tb[OVL_A_KEY_ID]), 3);

	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 2);
	mnl_attr_put_u16(nlh, OVL_A_KEY_ID, 3);
	mnl_attr_nest_end(nlh, nest);
	errno = 0;
	assert_int_equal(ovl_nl_parse_nested(nest, p, OVL_A_KEY_MAX, tb), -1);
	assert_int_equal(errno, EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_error_capped),
		cmocka_unit_test(test_error_echoed),
		cmocka_unit_test(test_error_without_extack),
		cmocka_unit_test(test_error_bogus_echo_len),
		cmocka_unit_test(test_error_truncated),
		cmocka_unit_test(test_extack_long_msg),
		cmocka_unit_test(test_reply_then_ack),
		cmocka_unit_test(test_dump_parts),
		cmocka_unit_test(test_dump_error),
		cmocka_unit_test(test_wrong_seq),
		cmocka_unit_test(test_perror),
		cmocka_unit_test(test_parse_known),
		cmocka_unit_test(test_parse_skips_unknown),
		cmocka_unit_test(test_parse_bad_type),
		cmocka_unit_test(test_parse_unterminated_string),
		cmocka_unit_test(test_family_groups),
		cmocka_unit_test(test_family_bad_group),
		cmocka_unit_test(test_parse_nested),
	};

	return cmocka_run_group_tests_name("nl", tests, NULL, NULL);
}
