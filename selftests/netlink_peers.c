// SPDX-License-Identifier: GPL-2.0
/*
 * Peer and key requests of the "ovl" family at the netlink level, where
 * ovlctl's own checks cannot hide what the kernel accepts:
 *
 *  - every malformed request is refused with an errno and an extack
 *    message, and changes nothing;
 *  - a peer with the most allowed-ips (512 IPv6 prefixes) is read whole
 *    by PEER_GET and by a dump that was never given a large buffer;
 *  - a device dump resumes by ifindex when a device goes mid-dump;
 *  - 100,000 peers are added and dumped back, each exactly once.
 *
 * Each test runs in a network namespace of its own (the harness forks).
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ovl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>

#include "kselftest_harness.h"

#define DEV "ovlnl0"
#define SCALE_PEERS 100000u

struct nl {
	struct mnl_socket *sock;
	unsigned int seq;
	uint16_t family;
	unsigned int ifindex;
	char buf[1 << 16];
	char err_msg[256];	/* extack of the last failed request */
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static struct nlmsghdr *msg_start(struct nl *nl, uint16_t type, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = type == GENL_ID_CTRL ? 1 : OVL_FAMILY_VERSION;
	return nlh;
}

/* What the callbacks of one request see. */
struct talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int data_cb(const struct nlmsghdr *nlh, void *p)
{
	struct talk *t = p;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

/* Remember the extack message of an error ACK. */
static int err_cb(const struct nlmsghdr *nlh, void *p)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct nl *nl = ((struct talk *)p)->nl;
	struct nlattr *attr;
	unsigned int off = sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	nl->err_msg[0] = 0;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_for_each(attr, nlh, off)
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
				snprintf(nl->err_msg, sizeof(nl->err_msg), "%s",
					 mnl_attr_get_str(attr));
	if (err->error) {
		errno = -err->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* The end of a dump, which carries the dump's error if it failed. */
static int done_cb(const struct nlmsghdr *nlh, void *p)
{
	int err = *(int *)mnl_nlmsg_get_payload(nlh);

	if (err < 0) {
		errno = -err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

/* Send @nlh and read replies until the ACK or DONE: 0 or -errno. */
static int talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = err_cb,
		[NLMSG_DONE] = done_cb,
	};
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	unsigned int seq = nlh->nlmsg_seq;
	int ret;

	nl->err_msg[0] = 0;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ret = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run2(nl->buf, ret, seq, mnl_socket_get_portid(nl->sock),
				  data_cb, &t, ctl, NLMSG_MIN_TYPE);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static int nl_open(struct nl *nl)
{
	struct nlmsghdr *nlh;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nlh = msg_start(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, OVL_FAMILY_NAME);
	if (talk(nl, nlh, family_cb, &nl->family) || !nl->family)
		return -1;
	nl->ifindex = if_nametoindex(DEV);
	return nl->ifindex ? 0 : -1;
}

/* Start an ovl request for DEV, opening the nest @nest_type if non-zero. */
static struct nlmsghdr *req(struct nl *nl, uint8_t cmd, uint16_t flags,
			    int nest_type, struct nlattr **nest)
{
	struct nlmsghdr *nlh = msg_start(nl, nl->family, cmd, flags | NLM_F_ACK);

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, nl->ifindex);
	if (nest_type)
		*nest = mnl_attr_nest_start(nlh, nest_type);
	return nlh;
}

static void put_aip(struct nlmsghdr *nlh, uint16_t family, const void *addr,
		    int len, uint8_t cidr)
{
	struct nlattr *aip = mnl_attr_nest_start(nlh, OVL_A_PEER_ALLOWED_IP);

	mnl_attr_put_u16(nlh, OVL_A_AIP_FAMILY, family);
	mnl_attr_put(nlh, OVL_A_AIP_ADDR, len, addr);
	mnl_attr_put_u8(nlh, OVL_A_AIP_CIDR, cidr);
	mnl_attr_nest_end(nlh, aip);
}

static int peer_add(struct nl *nl, uint32_t id, uint32_t ip)
{
	struct nlmsghdr *nlh;
	struct nlattr *peer;

	nlh = req(nl, OVL_CMD_PEER_NEW, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, id);
	mnl_attr_put_u32(nlh, OVL_A_PEER_REMOTE_IPV4, htonl(0xc6120000 | (id & 0xffff)));
	mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT, htons(4500));
	ip = htonl(ip);
	put_aip(nlh, AF_INET, &ip, 4, 32);
	mnl_attr_nest_end(nlh, peer);
	return talk(nl, nlh, NULL, NULL);
}

/* A digest of every peer a dump returns: count, sum and xor of ids. */
struct dump_sum {
	unsigned long count;
	uint64_t sum;
	uint32_t xor;
	uint32_t aips;
	uint64_t conf;	/* endpoints' ports, keepalives, allowed-ips bytes */
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_sum *d = data;
	struct nlattr *attr, *in;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != OVL_A_DEV_PEER)
			continue;
		mnl_attr_for_each_nested(in, attr) {
			if (mnl_attr_get_type(in) == OVL_A_PEER_NODE_ID) {
				uint32_t id = mnl_attr_get_u32(in);

				d->count++;
				d->sum += id;
				d->xor ^= id;
			} else if (mnl_attr_get_type(in) == OVL_A_PEER_ALLOWED_IP) {
				const uint8_t *b = mnl_attr_get_payload(in);
				uint16_t i;

				d->aips++;
				for (i = 0; i < mnl_attr_get_payload_len(in); i++)
					d->conf = d->conf * 31 + b[i];
			} else if (mnl_attr_get_type(in) == OVL_A_PEER_REMOTE_PORT) {
				d->conf += 1000003ull * mnl_attr_get_u16(in);
			} else if (mnl_attr_get_type(in) == OVL_A_PEER_KEEPALIVE) {
				d->conf += 7919ull * mnl_attr_get_u32(in);
			}
		}
	}
	return MNL_CB_OK;
}

static int dump_peers(struct nl *nl, struct dump_sum *d)
{
	struct nlmsghdr *nlh = msg_start(nl, nl->family, OVL_CMD_PEER_GET,
					 NLM_F_DUMP | NLM_F_ACK);

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, nl->ifindex);
	memset(d, 0, sizeof(*d));
	return talk(nl, nlh, dump_cb, d);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(ovl) {
	struct nl nl;
};

FIXTURE_SETUP(ovl)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link add " DEV " type ovl"));
	ASSERT_EQ(0, nl_open(&self->nl));
	/* A peer that every rejected request must leave alone. */
	ASSERT_EQ(0, peer_add(&self->nl, 7, 0x0a4d0007));
}

FIXTURE_TEARDOWN(ovl)
{
	mnl_socket_close(self->nl.sock);
}

/* The state a rejected request must not change. */
static void state(struct nl *nl, struct dump_sum *d)
{
	if (dump_peers(nl, d))
		memset(d, 0xff, sizeof(*d));
}

/*
 * The errno of a request the policy itself refuses: kernels differ
 * between EINVAL and ERANGE for some checks, both are right.
 */
#define POLICY 0

/*
 * expect_reject: the request built in @nlh fails with @err (or, for
 * POLICY, EINVAL or ERANGE) and an extack containing @msg, and the peers
 * are as they were.
 */
#define expect_reject(nlh, err, msg) do {				\
	static char request[sizeof(self->nl.buf)];			\
	struct dump_sum before, after;					\
	int ret;							\
									\
	/* The dumps below reuse the buffer @nlh was built in. */	\
	memcpy(request, nlh, nlh->nlmsg_len);				\
	state(&self->nl, &before);					\
	ret = talk(&self->nl, (struct nlmsghdr *)request, NULL, NULL);	\
	if ((err) == POLICY) {						\
		EXPECT_TRUE(ret == -EINVAL || ret == -ERANGE)		\
			TH_LOG("errno %d", -ret);			\
	} else {							\
		EXPECT_EQ(-(err), ret);					\
	}								\
	EXPECT_NE(0, self->nl.err_msg[0]) TH_LOG("no extack message");	\
	EXPECT_NE(NULL, strstr(self->nl.err_msg, msg))			\
		TH_LOG("extack '%s', expected '%s'", self->nl.err_msg, msg); \
	state(&self->nl, &after);					\
	EXPECT_EQ(0, memcmp(&before, &after, sizeof(before)));		\
} while (0)

TEST_F(ovl, peer_requests_rejected)
{
	struct nl *nl = &self->nl;
	uint8_t v6[16] = { 0xfd, 0x77, [15] = 1 };
	struct nlmsghdr *nlh;
	struct nlattr *peer;
	uint32_t ip = htonl(0x0a4d0008);
	int n;

	nlh = req(nl, OVL_CMD_PEER_NEW, 0, 0, NULL);
	expect_reject(nlh, EINVAL, "missing peer attributes");

	nlh = req(nl, OVL_CMD_PEER_NEW, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_KEEPALIVE, 5);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "missing peer node id");

	nlh = req(nl, OVL_CMD_PEER_NEW, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 0);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, ERANGE, "out of range");

	nlh = req(nl, OVL_CMD_PEER_NEW, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EEXIST, "exists");

	/* A certificate expires by 9999-12-31T23:59:59Z at the latest. */
	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u64(nlh, OVL_A_PEER_CERT_EXPIRY, 253402300800ULL);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, ERANGE, "out of range");

	/* The latest handshake is the kernel's to say. */
	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u64(nlh, OVL_A_PEER_LAST_HANDSHAKE, 1);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, POLICY, "");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 8);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, ENOENT, "no peer with this node id");

	nlh = req(nl, OVL_CMD_PEER_DEL, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 8);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, ENOENT, "no peer with this node id");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_PEER_REMOTE_IPV4, htonl(0xc0000201));
	mnl_attr_put(nlh, OVL_A_PEER_REMOTE_IPV6, 16, v6);
	mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT, htons(1));
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "not both");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_PEER_REMOTE_IPV4, htonl(0xc0000201));
	mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT, 0);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "non-zero port");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT, htons(4500));
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "needs an address");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put(nlh, OVL_A_PEER_REMOTE_IPV6, 15, v6);
	mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT, htons(4500));
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, POLICY, "");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_PEER_KEEPALIVE, 86401);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, ERANGE, "out of range");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	put_aip(nlh, AF_INET, &ip, 4, 33);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "allowed-ip");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	put_aip(nlh, AF_INET6, &ip, 4, 32);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "allowed-ip");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	put_aip(nlh, 12345, &ip, 4, 32);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "allowed-ip");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	put_aip(nlh, AF_INET, &ip, 4, 32);
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, OVL_A_PEER_ALLOWED_IP));
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "must come alone");

	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	for (n = 0; n <= OVL_PEER_MAX_ALLOWED_IPS; n++) {
		uint32_t a = htonl(0x0c000000 + n);

		put_aip(nlh, AF_INET, &a, 4, 32);
	}
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, E2BIG, "too many allowed-ips");

	/* A bad prefix after good changes: none of them is made. */
	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_PEER_REMOTE_IPV4, htonl(0xc0000299));
	mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT, htons(9999));
	mnl_attr_put_u32(nlh, OVL_A_PEER_KEEPALIVE, 11);
	mnl_attr_put_u32(nlh, OVL_A_PEER_RELAY, OVL_RELAY_MODE_OFF);
	put_aip(nlh, AF_INET6, v6, 16, 128);
	put_aip(nlh, AF_INET, &ip, 4, 33);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "allowed-ip");

	/* Attributes only the kernel sends are refused in requests. */
	nlh = req(nl, OVL_CMD_PEER_SET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_PEER_PATH, OVL_PATH_RELAY);
	mnl_attr_nest_end(nlh, peer);
	expect_reject(nlh, EINVAL, "Unsupported attribute");

	nl->ifindex = 1;	/* lo */
	nlh = req(nl, OVL_CMD_PEER_NEW, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 9);
	mnl_attr_nest_end(nlh, peer);
	nl->ifindex = if_nametoindex(DEV);
	expect_reject(nlh, EOPNOTSUPP, "not an ovl device");
}

TEST_F(ovl, key_requests_rejected)
{
	struct nl *nl = &self->nl;
	uint8_t k[32] = { 1 };
	struct nlmsghdr *nlh;
	struct nlattr *key;
	int n;

	/* No key before the device has a node id to name itself with. */
	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "node-id before its keys");
	nlh = req(nl, OVL_CMD_DEV_SET, 0, 0, NULL);
	mnl_attr_put_u32(nlh, OVL_A_DEV_NODE_ID, 1);
	ASSERT_EQ(0, talk(nl, nlh, NULL, NULL));

	nlh = req(nl, OVL_CMD_KEY_NEW, 0, 0, NULL);
	expect_reject(nlh, EINVAL, "missing key attributes");

	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "a key needs");

	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 31, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, POLICY, "");

	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, 2);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, ERANGE, "out of range");

	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 8);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, ENOENT, "no peer with this node id");

	nlh = req(nl, OVL_CMD_KEY_SWAP, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, ENOENT, "no secondary key");

	nlh = req(nl, OVL_CMD_KEY_DEL, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, ENOENT, "no such key");

	nlh = req(nl, OVL_CMD_KEY_DEL, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "node id");

	/* Only a secondary key waits to be promoted. */
	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_PROMOTE, 0, NULL);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "promote needs the secondary slot");

	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, OVL_KEY_SLOT_PRIMARY);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_PROMOTE, 0, NULL);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "promote needs the secondary slot");

	/* Lifetimes are at most a day. */
	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_put_u32(nlh, OVL_A_KEY_LIFETIME, 86401);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, ERANGE, "out of range");

	/* What only key-new takes is refused elsewhere, not ignored. */
	nlh = req(nl, OVL_CMD_KEY_SWAP, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put(nlh, OVL_A_KEY_PROMOTE, 0, NULL);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "only key-new");

	nlh = req(nl, OVL_CMD_KEY_DEL, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_KEY_LIFETIME, 5);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "only key-new");

	nlh = req(nl, OVL_CMD_KEY_SWAP, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, OVL_KEY_SLOT_SECONDARY);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, EINVAL, "a swap takes no slot");

	/* Reply-only key attributes are not requests. */
	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 1);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_put_u64(nlh, OVL_A_KEY_EXPIRES_MS, 5);
	mnl_attr_nest_end(nlh, key);
	expect_reject(nlh, POLICY, "");

	/* Key material never comes back. */
	nlh = req(nl, OVL_CMD_KEY_NEW, 0, OVL_A_DEV_KEY, &key);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, 7);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, 3);
	memset(k, 0xa5, sizeof(k));
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, 32, k);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, 32, k);
	mnl_attr_nest_end(nlh, key);
	ASSERT_EQ(0, talk(nl, nlh, NULL, NULL));
	nlh = msg_start(nl, nl->family, OVL_CMD_PEER_GET, NLM_F_DUMP | NLM_F_ACK);
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, nl->ifindex);
	ASSERT_EQ(0, mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0);
	n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
	ASSERT_LT(0, n);
	EXPECT_EQ(NULL, memmem(nl->buf, n, k, 8));
}

/* fd77:<i>::<node id>/128 */
static void aip6(uint8_t *a, uint32_t id, unsigned int i)
{
	memset(a, 0, 16);
	a[0] = 0xfd;
	a[1] = 0x77;
	a[2] = i >> 8;
	a[3] = i & 0xff;
	a[15] = id;
}

/* Add peer @id with @n IPv6 allowed-ips. */
static int peer_add_v6(struct nl *nl, uint32_t id, unsigned int n)
{
	struct nlmsghdr *nlh;
	struct nlattr *peer;
	uint8_t a[16];
	unsigned int i;

	nlh = req(nl, OVL_CMD_PEER_NEW, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, id);
	mnl_attr_put(nlh, OVL_A_PEER_REMOTE_IPV6, 16, (aip6(a, id, 0xffff), a));
	mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT, htons(4500));
	mnl_attr_put_u32(nlh, OVL_A_PEER_KEEPALIVE, 25);
	for (i = 0; i < n; i++) {
		aip6(a, id, i);
		put_aip(nlh, AF_INET6, a, 16, 128);
	}
	mnl_attr_nest_end(nlh, peer);
	return talk(nl, nlh, NULL, NULL);
}

/*
 * What the messages of a peer dump (or a get) said, merged by node id as
 * readers must: for each of up to 4 peers, in order, how many messages,
 * whether each non-first part carried only the node id and allowed-ips,
 * and which of its own allowed-ips (fd77:<i>::<id>) came, each once.
 */
struct merged {
	unsigned int n;
	struct {
		uint32_t id;
		unsigned int msgs, aips, dups, foreign;
		bool has_state, parts_bare;
		uint8_t seen[OVL_PEER_MAX_ALLOWED_IPS];
	} p[4];
	bool error;
};

static int merge_cb(const struct nlmsghdr *nlh, void *data)
{
	struct merged *m = data;
	struct nlattr *attr, *in, *x;
	uint32_t id = 0;
	unsigned int k, others = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != OVL_A_DEV_PEER)
			continue;
		mnl_attr_for_each_nested(in, attr)
			if (mnl_attr_get_type(in) == OVL_A_PEER_NODE_ID)
				id = mnl_attr_get_u32(in);
		if (!m->n || m->p[m->n - 1].id != id) {
			if (m->n == 4) {
				m->error = true;
				return MNL_CB_OK;
			}
			m->p[m->n].id = id;
			m->p[m->n].parts_bare = true;
			m->n++;
		}
		k = m->n - 1;
		m->p[k].msgs++;
		mnl_attr_for_each_nested(in, attr) {
			switch (mnl_attr_get_type(in)) {
			case OVL_A_PEER_NODE_ID:
				break;
			case OVL_A_PEER_ALLOWED_IP:
				mnl_attr_for_each_nested(x, in) {
					const uint8_t *a = mnl_attr_get_payload(x);
					unsigned int i;

					if (mnl_attr_get_type(x) != OVL_A_AIP_ADDR)
						continue;
					i = a[2] << 8 | a[3];
					if (mnl_attr_get_payload_len(x) != 16 ||
					    a[0] != 0xfd || a[15] != (uint8_t)id ||
					    i >= OVL_PEER_MAX_ALLOWED_IPS)
						m->p[k].foreign++;
					else if (m->p[k].seen[i]++)
						m->p[k].dups++;
					else
						m->p[k].aips++;
				}
				break;
			default:
				others++;
			}
		}
		if (m->p[k].msgs == 1)
			m->p[k].has_state = others > 0;
		else if (others)
			m->p[k].parts_bare = false;
	}
	return MNL_CB_OK;
}

/*
 * A dump on a socket of its own that never read with a buffer larger than
 * @bufsize (the kernel sizes dump messages by what a socket reads with).
 * Returns 0 or -errno; counts the datagrams, and calls @after_first
 * (if not NULL) once the first is read and handled.
 */
static int dump_fresh(struct nl *nl, uint8_t cmd, size_t bufsize,
		      mnl_cb_t cb, void *data, unsigned int *dgrams,
		      void (*after_first)(void))
{
	struct mnl_socket *sock = mnl_socket_open(NETLINK_GENERIC);
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_DONE] = done_cb };
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	char *buf = malloc(bufsize);
	struct nlmsghdr *nlh;
	int ret = -EIO;

	*dgrams = 0;
	if (!sock || !buf || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = msg_start(nl, nl->family, cmd, NLM_F_DUMP);
	if (cmd == OVL_CMD_PEER_GET)
		mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, nl->ifindex);
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		goto out;
	do {
		ret = mnl_socket_recvfrom(sock, buf, bufsize);
		if (ret < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run2(buf, ret, nl->seq, mnl_socket_get_portid(sock),
				  data_cb, &t, ctl, NLMSG_MIN_TYPE);
		if (++*dgrams == 1 && after_first)
			after_first();
	} while (ret > 0);
	ret = ret < 0 ? -errno : 0;
out:
	if (sock)
		mnl_socket_close(sock);
	free(buf);
	return ret;
}

TEST_F(ovl, peer_with_most_allowed_ips)
{
	struct nl *nl = &self->nl;
	const unsigned int max = OVL_PEER_MAX_ALLOWED_IPS;
	struct nlmsghdr *nlh;
	struct nlattr *peer;
	struct merged *m = calloc(1, sizeof(*m));
	unsigned int dgrams, i;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, peer_add_v6(nl, 8, max));
	ASSERT_EQ(0, peer_add_v6(nl, 9, 3));

	/* PEER_GET: one reply, some 20 KiB, with every prefix. */
	nlh = req(nl, OVL_CMD_PEER_GET, 0, OVL_A_DEV_PEER, &peer);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, 8);
	mnl_attr_nest_end(nlh, peer);
	ASSERT_EQ(0, talk(nl, nlh, merge_cb, m)) TH_LOG("%s", nl->err_msg);
	ASSERT_EQ(1u, m->n);
	EXPECT_EQ(8u, m->p[0].id);
	EXPECT_EQ(1u, m->p[0].msgs);
	EXPECT_EQ(max, m->p[0].aips);
	EXPECT_EQ(0u, m->p[0].dups);
	EXPECT_EQ(0u, m->p[0].foreign);
	EXPECT_TRUE(m->p[0].has_state);

	/*
	 * Dumps on fresh sockets reading with 8 KiB, 16 KiB and 64 KiB: peer
	 * 8 comes in parts that merge into all 512 prefixes, once each, the
	 * parts after the first bare; peers 7 and 9 whole.
	 */
	for (i = 0; i < 3; i++) {
		size_t size = i == 0 ? 8192 : i == 1 ? 16384 : 65536;

		memset(m, 0, sizeof(*m));
		ASSERT_EQ(0, dump_fresh(nl, OVL_CMD_PEER_GET, size, merge_cb, m,
					&dgrams, NULL));
		TH_LOG("read with %zu bytes: peer 8 in %u messages, %u datagrams",
		       size, m->p[1].msgs, dgrams);
		ASSERT_FALSE(m->error);
		ASSERT_EQ(3u, m->n);
		EXPECT_EQ(7u, m->p[0].id);
		EXPECT_EQ(8u, m->p[1].id);
		EXPECT_EQ(9u, m->p[2].id);
		EXPECT_EQ(1u, m->p[0].msgs);
		EXPECT_EQ(1u, m->p[2].msgs);
		EXPECT_EQ(3u, m->p[2].aips);
		EXPECT_TRUE(m->p[2].has_state);
		EXPECT_EQ(max, m->p[1].aips);
		EXPECT_EQ(0u, m->p[1].dups);
		EXPECT_EQ(0u, m->p[1].foreign);
		EXPECT_TRUE(m->p[1].has_state);
		EXPECT_TRUE(m->p[1].parts_bare);
		if (size <= 16384)
			EXPECT_LT(1u, m->p[1].msgs);
	}
	free(m);
}

/* Devices, by name, that a DEV_GET dump listed. */
static struct {
	unsigned int seen[400];
	unsigned int other;
	char first[IFNAMSIZ];
} devs;

static int devs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;
	unsigned int i;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != OVL_A_DEV_IFNAME)
			continue;
		if (!devs.first[0])
			snprintf(devs.first, sizeof(devs.first), "%s",
				 mnl_attr_get_str(attr));
		if (sscanf(mnl_attr_get_str(attr), "ovld%u", &i) == 1 && i < 400)
			devs.seen[i]++;
		else
			devs.other++;
	}
	return MNL_CB_OK;
}

static void delete_first(void)
{
	char cmd[64];

	/* The first message is already read: this device was listed. */
	snprintf(cmd, sizeof(cmd), "ip link del %s", devs.first);
	if (system(cmd))
		devs.other += 1000;
}

/*
 * A device deleted while a dump of the devices is under way hides no
 * other device and none is listed twice.
 */
TEST_F(ovl, dev_dump_resumes_by_ifindex)
{
	struct nl *nl = &self->nl;
	unsigned int dgrams, i, n = 200, missing = 0, twice = 0;
	char first[IFNAMSIZ];
	FILE *f = popen("ip -batch -", "w");

	ASSERT_NE(NULL, f);
	for (i = 0; i < n; i++)
		fprintf(f, "link add ovld%u type ovl\n", i);
	ASSERT_EQ(0, pclose(f));
	ASSERT_EQ(0, system("ip link del " DEV));

	memset(&devs, 0, sizeof(devs));
	ASSERT_EQ(0, dump_fresh(nl, OVL_CMD_DEV_GET, 8192, devs_cb, NULL,
				&dgrams, NULL));
	TH_LOG("%u devices in %u datagrams", n, dgrams);
	ASSERT_LT(3u, dgrams);
	for (i = 0; i < n; i++)
		ASSERT_EQ(1u, devs.seen[i]);

	/* Again, deleting the first device listed once it was read. */
	memset(&devs, 0, sizeof(devs));
	ASSERT_EQ(0, dump_fresh(nl, OVL_CMD_DEV_GET, 8192, devs_cb, NULL,
				&dgrams, delete_first));
	snprintf(first, sizeof(first), "%s", devs.first);
	EXPECT_EQ(0u, devs.other);
	for (i = 0; i < n; i++) {
		missing += !devs.seen[i];
		twice += devs.seen[i] > 1;
	}
	TH_LOG("deleted %s after the first datagram of %u", first, dgrams);
	EXPECT_EQ(0u, missing);
	EXPECT_EQ(0u, twice);
}

TEST_F_TIMEOUT(ovl, hundred_thousand_peers, 900)
{
	struct nl *nl = &self->nl;
	struct dump_sum d;
	uint64_t want = 7;
	uint32_t xor = 7;
	double t0, t1, t2;
	uint32_t id;

	t0 = now();
	for (id = 1000; id < 1000 + SCALE_PEERS; id++) {
		ASSERT_EQ(0, peer_add(nl, id, 0x0b000000 + id));
		want += id;
		xor ^= id;
	}
	t1 = now();
	ASSERT_EQ(0, dump_peers(nl, &d));
	t2 = now();
	TH_LOG("added %d peers in %.1f s, dumped them in %.1f s",
	       SCALE_PEERS, t1 - t0, t2 - t1);
	EXPECT_EQ(SCALE_PEERS + 1ul, d.count);
	EXPECT_EQ(want, d.sum);
	EXPECT_EQ(xor, d.xor);
	EXPECT_EQ(SCALE_PEERS + 1, d.aips);
	/* Deleting a device with 100,000 peers is clean too. */
	EXPECT_EQ(0, system("ip link del " DEV));
}

TEST_HARNESS_MAIN
