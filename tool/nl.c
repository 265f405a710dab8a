// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink layer of ovlctl (see nl.h).
 */

#include <errno.h>
#include <netinet/in.h>
#include <linux/genetlink.h>
#include <linux/ovl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl.h"
#include "ovlctl.h"
#include "parse.h"

#define NL_TX_SIZE	OVL_NL_TX_SIZE
#define NL_RX_SIZE	32768	/* the most the kernel puts in one datagram */
#define NL_CTRL_VERSION	1

/**
 * struct ovl_nl - a generic netlink socket talking to the "ovl" family
 * @sock: the socket
 * @portid: its netlink port id
 * @seq: sequence number of the last request
 * @family: id of the "ovl" family
 * @events_group: id of its "events" multicast group; 0 if it has none
 * @tx: the request being built
 * @rx: replies being read
 */
struct ovl_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t events_group;
	char tx[NL_TX_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	char rx[NL_RX_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
};

/**
 * struct nl_reply - how to handle the replies to one request
 * @cb: called for each reply data message, or NULL
 * @data: passed to @cb
 * @ext: the kernel's extended ACK message, if it sent one with an error
 */
struct nl_reply {
	mnl_cb_t cb;
	void *data;
	char ext[256];
};

struct nl_parse {
	const enum mnl_attr_data_type *policy;
	uint16_t max;
	const struct nlattr **tb;
};

static int nl_attr_cb(const struct nlattr *attr, void *arg)
{
	const struct nl_parse *p = arg;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, p->max) < 0)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, p->policy[type]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	p->tb[type] = attr;
	return MNL_CB_OK;
}

int ovl_nl_parse(const struct nlmsghdr *nlh,
		 const enum mnl_attr_data_type *policy, uint16_t max,
		 const struct nlattr **tb)
{
	struct nl_parse p = { .policy = policy, .max = max, .tb = tb };

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_attr_cb,
			   &p) == MNL_CB_ERROR)
		return -1;
	return 0;
}

int ovl_nl_parse_nested(const struct nlattr *nest,
			const enum mnl_attr_data_type *policy, uint16_t max,
			const struct nlattr **tb)
{
	struct nl_parse p = { .policy = policy, .max = max, .tb = tb };

	if (mnl_attr_parse_nested(nest, nl_attr_cb, &p) == MNL_CB_ERROR)
		return -1;
	return 0;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_reply *r = arg;

	return r->cb ? r->cb(nlh, r->data) : MNL_CB_OK;
}

static int nl_extack_cb(const struct nlattr *attr, void *arg)
{
	struct nl_reply *r = arg;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		snprintf(r->ext, sizeof(r->ext), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/*
 * Common end of NLMSG_ERROR and NLMSG_DONE: @error is the kernel's
 * verdict, and the extended ACK attributes (if any) start @tlv_off bytes
 * into the payload.
 */
static int nl_verdict(const struct nlmsghdr *nlh, int error, size_t tlv_off,
		      struct nl_reply *r)
{
	if (!error)
		return MNL_CB_STOP;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    tlv_off <= mnl_nlmsg_get_payload_len(nlh))
		mnl_attr_parse(nlh, tlv_off, nl_extack_cb, r);
	errno = error < 0 ? -error : error;
	return MNL_CB_ERROR;
}

static int nl_error_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Without NETLINK_CAP_ACK the whole request is echoed back. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off = offsetof(struct nlmsgerr, msg) + err->msg.nlmsg_len;
	return nl_verdict(nlh, err->error, off, arg);
}

static int nl_done_cb(const struct nlmsghdr *nlh, void *arg)
{
	int error = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	return nl_verdict(nlh, error, sizeof(error), arg);
}

static mnl_cb_t nl_ctl_cbs[NLMSG_DONE + 1] = {
	[NLMSG_ERROR]	= nl_error_cb,
	[NLMSG_DONE]	= nl_done_cb,
};

/* Process one datagram of replies; returns an MNL_CB_* value. */
static int nl_run(const void *buf, size_t len, unsigned int seq,
		  unsigned int portid, struct nl_reply *r)
{
	return mnl_cb_run2(buf, len, seq, portid, nl_data_cb, r, nl_ctl_cbs,
			   MNL_ARRAY_SIZE(nl_ctl_cbs));
}

/* Send @nlh and process the replies; returns 0, or -1 with errno set. */
static int nl_exchange(struct ovl_nl *nl, const struct nlmsghdr *nlh,
		       struct nl_reply *r)
{
	ssize_t len;
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		if (len < 0)
			return -1;
		ret = nl_run(nl->rx, len, nlh->nlmsg_seq, nl->portid, r);
	} while (ret == MNL_CB_OK);
	return ret == MNL_CB_STOP ? 0 : -1;
}

static void nl_perror(const char *what, int err, const char *ext)
{
	pr_err("%s: %s%s%s%s", what, strerror(err),
	       err == EPERM ? " (CAP_NET_ADMIN required)" : "",
	       *ext ? ": " : "", ext);
}

static struct nlmsghdr *nl_request(struct ovl_nl *nl, uint16_t type,
				   uint8_t cmd, uint8_t version,
				   uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->tx);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *ovl_nl_request(struct ovl_nl *nl, uint8_t cmd,
				uint16_t flags)
{
	return nl_request(nl, nl->family, cmd, OVL_FAMILY_VERSION, flags);
}

int ovl_nl_call(struct ovl_nl *nl, const struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data, const char *fmt, ...)
{
	struct nl_reply r = { .cb = cb, .data = data };
	char what[128];
	va_list ap;
	int err;

	if (!nl_exchange(nl, nlh, &r))
		return 0;
	err = errno;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	nl_perror(what, err, r.ext);
	return -1;
}

/* Find the id of the "events" group in CTRL_ATTR_MCAST_GROUPS. */
static int nl_groups_parse(const struct nlattr *groups, uint32_t *events)
{
	static const enum mnl_attr_data_type policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
		[CTRL_ATTR_MCAST_GRP_NAME]	= MNL_TYPE_NUL_STRING,
		[CTRL_ATTR_MCAST_GRP_ID]	= MNL_TYPE_U32,
	};
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = {};

		if (mnl_attr_validate(grp, MNL_TYPE_NESTED) < 0 ||
		    ovl_nl_parse_nested(grp, policy, CTRL_ATTR_MCAST_GRP_MAX,
					tb)) {
			errno = EBADMSG;
			return -1;
		}
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    OVL_MCGRP_EVENTS))
			*events = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static int nl_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	static const enum mnl_attr_data_type policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]		= MNL_TYPE_U16,
		[CTRL_ATTR_MCAST_GROUPS]	= MNL_TYPE_NESTED,
	};
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = {};
	struct ovl_nl *nl = arg;

	if (ovl_nl_parse(nlh, policy, CTRL_ATTR_MAX, tb))
		return MNL_CB_ERROR;
	if (!tb[CTRL_ATTR_FAMILY_ID]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	nl->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS] &&
	    nl_groups_parse(tb[CTRL_ATTR_MCAST_GROUPS], &nl->events_group))
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

static int nl_resolve(struct ovl_nl *nl)
{
	struct nl_reply r = { .cb = nl_family_cb, .data = nl };
	struct nlmsghdr *nlh;

	nlh = nl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NL_CTRL_VERSION,
			 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, OVL_FAMILY_NAME);
	if (!nl_exchange(nl, nlh, &r))
		return 0;
	if (errno == ENOENT)
		pr_err("the ovl kernel module is not loaded (modprobe ovl)");
	else
		nl_perror("resolve generic netlink family " OVL_FAMILY_NAME,
			  errno, r.ext);
	return -1;
}

/*
 * In batch mode (ovlctl -b) every command shares one socket, opened by the
 * first command that needs it, so that 100,000 lines cost 100,000 requests
 * and not as many sockets and family lookups.
 */
static bool batch_mode;
static struct ovl_nl *batch_nl;

void ovl_nl_batch(bool on)
{
	batch_mode = on;
	if (!on && batch_nl) {
		struct ovl_nl *nl = batch_nl;

		batch_nl = NULL;
		ovl_nl_close(nl);
	}
}

struct ovl_nl *ovl_nl_open(void)
{
	struct ovl_nl *nl;
	int one = 1;

	if (batch_nl)
		return batch_nl;
	nl = calloc(1, sizeof(*nl));

	if (!nl) {
		pr_err("%s", strerror(errno));
		return NULL;
	}
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID)) {
		pr_err("generic netlink socket: %s", strerror(errno));
		goto err;
	}
	/* Best effort: an older kernel still reports errors, only tersely. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	if (nl_resolve(nl))
		goto err;
	if (batch_mode)
		batch_nl = nl;
	return nl;
err:
	ovl_nl_close(nl);
	return NULL;
}

void ovl_nl_close(struct ovl_nl *nl)
{
	if (nl == batch_nl) {
		/* Kept for the next command, but no key stays in it. */
		explicit_bzero(nl->tx, sizeof(nl->tx));
		explicit_bzero(nl->rx, sizeof(nl->rx));
		return;
	}
	if (nl->sock)
		mnl_socket_close(nl->sock);
	/* Requests, and the ACKs that may echo them, can carry keys. */
	explicit_bzero(nl, sizeof(*nl));
	free(nl);
}

int ovl_nl_subscribe(struct ovl_nl *nl)
{
	unsigned int group = nl->events_group;

	if (!group) {
		pr_err("the ovl kernel module has no \"" OVL_MCGRP_EVENTS
		       "\" multicast group");
		return -1;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group))) {
		pr_err("join multicast group " OVL_MCGRP_EVENTS ": %s%s",
		       strerror(errno),
		       errno == EPERM ? " (CAP_NET_ADMIN required)" : "");
		return -1;
	}
	return 0;
}

int ovl_nl_fd(const struct ovl_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

/**
 * struct nl_events - the handler of notifications
 * @family: only messages of this type are handed on
 * @cb: the handler
 * @data: passed to @cb
 */
struct nl_events {
	uint16_t family;
	mnl_cb_t cb;
	void *data;
};

static int nl_event_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nl_events *ev = arg;

	if (nlh->nlmsg_type != ev->family)
		return MNL_CB_OK;
	return ev->cb(nlh, ev->data);
}

int ovl_nl_recv_events(struct ovl_nl *nl, mnl_cb_t cb, void *data)
{
	struct nl_events ev = { .family = nl->family, .cb = cb, .data = data };
	ssize_t len;

	len = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
	if (len < 0)
		return -1;
	/* Notifications carry sequence number and port id 0: no check. */
	if (mnl_cb_run(nl->rx, len, 0, 0, nl_event_cb, &ev) == MNL_CB_ERROR)
		return -1;
	return 0;
}

int ovl_nl_endpoint(const struct nlattr *v4, const struct nlattr *v6,
		    const struct nlattr *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	uint16_t p = port ? mnl_attr_get_u16(port) : 0;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		if (mnl_attr_get_payload_len(v6) != sizeof(sin6->sin6_addr)) {
			errno = EBADMSG;
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, mnl_attr_get_payload(v6),
		       sizeof(sin6->sin6_addr));
		sin6->sin6_port = p;
	} else if (v4) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = mnl_attr_get_u32(v4);
		sin->sin_port = p;
	}
	return 0;
}

void ovl_nl_put_endpoint(struct nlmsghdr *nlh, uint16_t v4, uint16_t v6,
			 uint16_t port, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;

	if (ss->ss_family == AF_INET6) {
		mnl_attr_put(nlh, v6, sizeof(sin6->sin6_addr), &sin6->sin6_addr);
		mnl_attr_put_u16(nlh, port, sin6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		mnl_attr_put_u32(nlh, v4, sin->sin_addr.s_addr);
		mnl_attr_put_u16(nlh, port, sin->sin_port);
	}
}

void ovl_nl_put_aip(struct nlmsghdr *nlh, const struct cidr *c)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, OVL_A_PEER_ALLOWED_IP);

	mnl_attr_put_u16(nlh, OVL_A_AIP_FAMILY, c->family);
	mnl_attr_put(nlh, OVL_A_AIP_ADDR,
		     c->family == AF_INET6 ? sizeof(c->addr.v6) :
					     sizeof(c->addr.v4), &c->addr);
	mnl_attr_put_u8(nlh, OVL_A_AIP_CIDR, c->prefix);
	mnl_attr_nest_end(nlh, nest);
}
