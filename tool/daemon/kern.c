// SPDX-License-Identifier: GPL-2.0
/*
 * The control daemon's kernel calls (kern.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <sodium.h>
#include <linux/genetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ovl.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../nl.h"
#include "../show.h"
#include "kern.h"

#define RT_BUF_SIZE	8192
/* Room for bursts of control frames while the daemon is busy. */
#define EV_RCVBUF	(4 << 20)

static void kern_perror(const struct kern *k, const char *what, int err)
{
	fprintf(stderr, "ovlctl: %s: %s: %s\n", k->ifname, what,
		strerror(err));
}

/* Send an rtnetlink request and wait for its ACK: 0 or -errno. */
static int rt_call(struct kern *k, struct nlmsghdr *nlh)
{
	char buf[RT_BUF_SIZE];
	unsigned int portid = mnl_socket_get_portid(k->rt);
	ssize_t len;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++k->rt_seq;
	if (mnl_socket_sendto(k->rt, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(k->rt, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(buf, len, k->rt_seq, portid, NULL, NULL);
		if (ret == MNL_CB_ERROR)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *rt_start(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static int link_create(struct kern *k)
{
	char buf[RT_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info;
	struct ifinfomsg *ifm;

	nlh = rt_start(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, k->ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ovl");
	mnl_attr_nest_end(nlh, info);
	return rt_call(k, nlh);
}

int kern_open(struct kern *k, const char *ifname)
{
	int err;

	memset(k, 0, sizeof(*k));
	snprintf(k->ifname, sizeof(k->ifname), "%s", ifname);
	k->rt = mnl_socket_open(NETLINK_ROUTE);
	if (!k->rt || mnl_socket_bind(k->rt, 0, MNL_SOCKET_AUTOPID) < 0) {
		kern_perror(k, "rtnetlink", errno);
		goto fail;
	}
	k->ifindex = if_nametoindex(ifname);
	if (!k->ifindex) {
		err = link_create(k);
		if (err) {
			kern_perror(k, "creating the device", -err);
			goto fail;
		}
		k->created = true;
		k->ifindex = if_nametoindex(ifname);
		if (!k->ifindex) {
			kern_perror(k, "the new device", errno);
			goto fail;
		}
	}
	k->req = ovl_nl_open();
	k->ev = ovl_nl_open();
	if (!k->req || !k->ev || ovl_nl_subscribe(k->ev))
		goto fail;
	/* Best effort: without it a burst is only dropped (and counted). */
	setsockopt(ovl_nl_fd(k->ev), SOL_SOCKET, SO_RCVBUFFORCE,
		   &(int){ EV_RCVBUF }, sizeof(int));
	return 0;
fail:
	kern_close(k);
	return -1;
}

void kern_close(struct kern *k)
{
	if (k->req)
		ovl_nl_close(k->req);
	if (k->ev)
		ovl_nl_close(k->ev);
	if (k->rt)
		mnl_socket_close(k->rt);
	k->req = k->ev = NULL;
	k->rt = NULL;
}

int kern_dev_set(struct kern *k, uint32_t node_id, uint16_t listen_port,
		 const struct sockaddr_storage *beacon)
{
	struct nlmsghdr *nlh = ovl_nl_request(k->req, OVL_CMD_DEV_SET, 0);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	mnl_attr_put_u32(nlh, OVL_A_DEV_NODE_ID, node_id);
	mnl_attr_put_u16(nlh, OVL_A_DEV_LISTEN_PORT, listen_port);
	if (beacon && beacon->ss_family) {
		nest = mnl_attr_nest_start(nlh, OVL_A_DEV_BEACON);
		ovl_nl_put_endpoint(nlh, OVL_A_EP_IPV4, OVL_A_EP_IPV6,
				    OVL_A_EP_PORT, beacon);
		mnl_attr_nest_end(nlh, nest);
	}
	return ovl_nl_call(k->req, nlh, NULL, NULL, "%s: dev set", k->ifname);
}

int kern_beacon_keys(struct kern *k, const uint8_t *keys)
{
	struct nlmsghdr *nlh = ovl_nl_request(k->req, OVL_CMD_DEV_SET, 0);
	size_t len;
	int err;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	mnl_attr_put(nlh, OVL_A_DEV_BEACON_KEYS, OVL_BEACON_KEYS_LEN, keys);
	len = nlh->nlmsg_len;
	err = ovl_nl_call(k->req, nlh, NULL, NULL, "%s: beacon keys",
			  k->ifname);
	/* The request buffer held the keys. */
	sodium_memzero(nlh, len);
	return err;
}

static int dev_get_cb(const struct nlmsghdr *nlh, void *arg)
{
	return dev_info_parse(nlh, arg) ? MNL_CB_ERROR : MNL_CB_OK;
}

int kern_dev_get(struct kern *k, struct dev_info *dev)
{
	struct nlmsghdr *nlh = ovl_nl_request(k->req, OVL_CMD_DEV_GET, 0);

	memset(dev, 0, sizeof(*dev));
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	return ovl_nl_call(k->req, nlh, dev_get_cb, dev, "%s: dev get",
			   k->ifname);
}

int kern_dev_public(struct kern *k, struct sockaddr_storage *pub)
{
	struct dev_info dev;
	int err = kern_dev_get(k, &dev);

	memcpy(pub, &dev.public_ep, sizeof(*pub));
	return err;
}

static unsigned int addr_len(const struct cidr *c)
{
	return c->family == AF_INET6 ? sizeof(c->addr.v6) :
				       sizeof(c->addr.v4);
}

int kern_addr_add(struct kern *k, const struct cidr *c)
{
	char buf[RT_BUF_SIZE], str[ADDR_STRLEN];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int err;

	nlh = rt_start(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = c->family;
	ifa->ifa_prefixlen = c->prefix;
	ifa->ifa_index = k->ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(c), &c->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(c), &c->addr);
	/* IPv6: no duplicate address detection on a point-to-point overlay. */
	if (c->family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	err = rt_call(k, nlh);
	if (err) {
		inet_ntop(c->family, &c->addr, str, sizeof(str));
		fprintf(stderr, "ovlctl: %s: adding address %s/%u: %s\n",
			k->ifname, str, c->prefix, strerror(-err));
		return -1;
	}
	return 0;
}

int kern_route(struct kern *k, const struct cidr *c, bool add)
{
	char buf[RT_BUF_SIZE], str[ADDR_STRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int err;

	nlh = rt_start(buf, add ? RTM_NEWROUTE : RTM_DELROUTE,
		       add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = c->family;
	rtm->rtm_dst_len = c->prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, addr_len(c), &c->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, k->ifindex);
	err = rt_call(k, nlh);
	/* A route that is already gone is what removing wanted. */
	if (err && !(!add && err == -ESRCH)) {
		inet_ntop(c->family, &c->addr, str, sizeof(str));
		fprintf(stderr, "ovlctl: %s: %s route %s/%u: %s\n", k->ifname,
			add ? "adding" : "removing", str, c->prefix,
			strerror(-err));
		return -1;
	}
	return 0;
}

int kern_link_up(struct kern *k)
{
	char buf[RT_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int err;

	nlh = rt_start(buf, RTM_NEWLINK, 0);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = k->ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	err = rt_call(k, nlh);
	if (err) {
		kern_perror(k, "bringing the device up", -err);
		return -1;
	}
	return 0;
}

/* Open the OVL_A_DEV_PEER nest of a request for @node_id. */
static struct nlattr *peer_start(struct kern *k, struct nlmsghdr *nlh,
				 uint32_t node_id)
{
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, node_id);
	return nest;
}

int kern_peer_set(struct kern *k, bool create, uint32_t node_id,
		  const struct sockaddr_storage *ep, const struct cidr *aips,
		  unsigned int n_aips, int relay, uint64_t cert_expiry)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;

	nlh = ovl_nl_request(k->req, create ? OVL_CMD_PEER_NEW :
					      OVL_CMD_PEER_SET, 0);
	nest = peer_start(k, nlh, node_id);
	if (ep && ep->ss_family)
		ovl_nl_put_endpoint(nlh, OVL_A_PEER_REMOTE_IPV4,
				    OVL_A_PEER_REMOTE_IPV6,
				    OVL_A_PEER_REMOTE_PORT, ep);
	for (i = 0; i < n_aips; i++)
		ovl_nl_put_aip(nlh, &aips[i]);
	if (relay >= 0)
		mnl_attr_put_u32(nlh, OVL_A_PEER_RELAY, relay);
	if (cert_expiry)
		mnl_attr_put_u64(nlh, OVL_A_PEER_CERT_EXPIRY, cert_expiry);
	mnl_attr_nest_end(nlh, nest);
	return ovl_nl_call(k->req, nlh, NULL, NULL, "%s: peer %s %u",
			   k->ifname, create ? "add" : "set", node_id);
}

int kern_peer_del(struct kern *k, uint32_t node_id)
{
	struct nlmsghdr *nlh = ovl_nl_request(k->req, OVL_CMD_PEER_DEL, 0);

	mnl_attr_nest_end(nlh, peer_start(k, nlh, node_id));
	return ovl_nl_call(k->req, nlh, NULL, NULL, "%s: peer del %u",
			   k->ifname, node_id);
}

static const enum mnl_attr_data_type dev_types[OVL_A_DEV_MAX + 1] = {
	[OVL_A_DEV_IFINDEX]	= MNL_TYPE_U32,
	[OVL_A_DEV_PEER]	= MNL_TYPE_NESTED,
	[OVL_A_DEV_KEY]		= MNL_TYPE_NESTED,
	[OVL_A_DEV_CTRL]	= MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type peer_types[OVL_A_PEER_MAX + 1] = {
	[OVL_A_PEER_NODE_ID]	 = MNL_TYPE_U32,
	[OVL_A_PEER_REMOTE_IPV4] = MNL_TYPE_U32,
	[OVL_A_PEER_REMOTE_PORT] = MNL_TYPE_U16,
	[OVL_A_PEER_PATH]	 = MNL_TYPE_U32,
	[OVL_A_PEER_LAST_DIRECT_RX_MS] = MNL_TYPE_U64,
	[OVL_A_PEER_PINNED]	 = MNL_TYPE_FLAG,
	[OVL_A_PEER_ALLOWED_IP]	 = MNL_TYPE_NESTED,
	[OVL_A_PEER_KEY]	 = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type key_types[OVL_A_KEY_MAX + 1] = {
	[OVL_A_KEY_NODE_ID]	= MNL_TYPE_U32,
	[OVL_A_KEY_SLOT]	= MNL_TYPE_U32,
	[OVL_A_KEY_ID]		= MNL_TYPE_U8,
	[OVL_A_KEY_REASON]	= MNL_TYPE_U32,
};

struct peer_dump {
	struct kern_peer *peers;
	size_t n, cap;
};

/* The key nests of one peer message into @p->key_id[]. */
static void peer_keys(const struct nlattr *peer, struct kern_peer *p)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1];
	const struct nlattr *a;
	uint32_t slot;

	mnl_attr_for_each_nested(a, peer) {
		if (mnl_attr_get_type(a) != OVL_A_PEER_KEY)
			continue;
		memset(tb, 0, sizeof(tb));
		if (ovl_nl_parse_nested(a, key_types, OVL_A_KEY_MAX, tb) ||
		    !tb[OVL_A_KEY_ID] || !tb[OVL_A_KEY_SLOT])
			continue;
		slot = mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]);
		if (slot < 2)
			p->key_id[slot] = mnl_attr_get_u8(tb[OVL_A_KEY_ID]);
	}
}

static int peer_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *dev[OVL_A_DEV_MAX + 1] = { 0 };
	const struct nlattr *tb[OVL_A_PEER_MAX + 1] = { 0 };
	struct peer_dump *d = arg;
	struct kern_peer *p, *grown;
	uint32_t id;

	if (ovl_nl_parse(nlh, dev_types, OVL_A_DEV_MAX, dev) ||
	    !dev[OVL_A_DEV_PEER])
		return MNL_CB_OK;
	if (ovl_nl_parse_nested(dev[OVL_A_DEV_PEER], peer_types,
				OVL_A_PEER_MAX, tb) ||
	    !tb[OVL_A_PEER_NODE_ID])
		return MNL_CB_OK;
	id = mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]);
	/* A peer with many allowed-ips spans several messages. */
	p = d->n && d->peers[d->n - 1].node_id == id ? &d->peers[d->n - 1] :
						      NULL;
	if (!p) {
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 16;
			grown = realloc(d->peers, d->cap * sizeof(*grown));
			if (!grown) {
				errno = ENOMEM;
				return MNL_CB_ERROR;
			}
			d->peers = grown;
		}
		p = &d->peers[d->n++];
		memset(p, 0, sizeof(*p));
		p->node_id = id;
		p->key_id[0] = p->key_id[1] = -1;
		p->direct_rx_ms = -1;
	}
	if (tb[OVL_A_PEER_REMOTE_IPV4] || tb[OVL_A_PEER_REMOTE_IPV6])
		ovl_nl_endpoint(tb[OVL_A_PEER_REMOTE_IPV4],
				tb[OVL_A_PEER_REMOTE_IPV6],
				tb[OVL_A_PEER_REMOTE_PORT], &p->endpoint);
	if (tb[OVL_A_PEER_PATH])
		p->path = mnl_attr_get_u32(tb[OVL_A_PEER_PATH]);
	if (tb[OVL_A_PEER_LAST_DIRECT_RX_MS])
		p->direct_rx_ms = mnl_attr_get_u64(tb[OVL_A_PEER_LAST_DIRECT_RX_MS]);
	p->pinned = tb[OVL_A_PEER_PINNED];
	peer_keys(dev[OVL_A_DEV_PEER], p);
	return MNL_CB_OK;
}

int kern_peer_dump(struct kern *k, struct kern_peer **peers, size_t *n)
{
	struct peer_dump d = { 0 };
	struct nlmsghdr *nlh;

	nlh = ovl_nl_request(k->req, OVL_CMD_PEER_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	if (ovl_nl_call(k->req, nlh, peer_dump_cb, &d, "%s: peers",
			k->ifname)) {
		free(d.peers);
		return -1;
	}
	*peers = d.peers;
	*n = d.n;
	return 0;
}

int kern_peer_get(struct kern *k, uint32_t node_id, struct kern_peer *p)
{
	struct peer_dump d = { 0 };
	struct nlmsghdr *nlh;

	nlh = ovl_nl_request(k->req, OVL_CMD_PEER_GET, 0);
	mnl_attr_nest_end(nlh, peer_start(k, nlh, node_id));
	if (ovl_nl_call(k->req, nlh, peer_dump_cb, &d, "%s: peer %u",
			k->ifname, node_id)) {
		free(d.peers);
		return -1;
	}
	if (!d.n) {
		free(d.peers);
		errno = ENOENT;
		return -1;
	}
	*p = d.peers[0];
	free(d.peers);
	return 0;
}

int kern_key_new(struct kern *k, uint32_t node_id, uint32_t slot,
		 uint8_t id, const uint8_t *tx, const uint8_t *rx,
		 uint32_t lifetime, bool promote)
{
	struct nlmsghdr *nlh = ovl_nl_request(k->req, OVL_CMD_KEY_NEW, 0);
	struct nlattr *nest;
	int err;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, node_id);
	mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, slot);
	mnl_attr_put_u8(nlh, OVL_A_KEY_ID, id);
	mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, OVL_KEY_LEN, tx);
	mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, OVL_KEY_LEN, rx);
	if (lifetime)
		mnl_attr_put_u32(nlh, OVL_A_KEY_LIFETIME, lifetime);
	if (promote)
		mnl_attr_put(nlh, OVL_A_KEY_PROMOTE, 0, NULL);
	mnl_attr_nest_end(nlh, nest);
	err = ovl_nl_call(k->req, nlh, NULL, NULL, "%s: key for peer %u",
			  k->ifname, node_id);
	/* The request buffer held the keys: do not leave them there. */
	explicit_bzero(nlh, nlh->nlmsg_len);
	return err;
}

int kern_key_swap(struct kern *k, uint32_t node_id)
{
	struct nlmsghdr *nlh = ovl_nl_request(k->req, OVL_CMD_KEY_SWAP, 0);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, node_id);
	mnl_attr_nest_end(nlh, nest);
	return ovl_nl_call(k->req, nlh, NULL, NULL, "%s: key swap of peer %u",
			   k->ifname, node_id);
}

int kern_ctrl_register(struct kern *k)
{
	struct nlmsghdr *nlh;

	nlh = ovl_nl_request(k->ev, OVL_CMD_CTRL_REGISTER, 0);
	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	return ovl_nl_call(k->ev, nlh, NULL, NULL,
			   "%s: registering as the control listener",
			   k->ifname);
}

int kern_ctrl_send(struct kern *k, const uint8_t *frame, size_t len,
		   const struct sockaddr_storage *to, uint32_t node_id)
{
	struct nlmsghdr *nlh = ovl_nl_request(k->req, OVL_CMD_CTRL_SEND, 0);
	struct nlattr *nest, *ep;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, k->ifindex);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_CTRL);
	mnl_attr_put(nlh, OVL_A_CTRL_FRAME, len, frame);
	if (to) {
		ep = mnl_attr_nest_start(nlh, OVL_A_CTRL_ENDPOINT);
		ovl_nl_put_endpoint(nlh, OVL_A_EP_IPV4, OVL_A_EP_IPV6,
				    OVL_A_EP_PORT, to);
		mnl_attr_nest_end(nlh, ep);
	} else {
		mnl_attr_put_u32(nlh, OVL_A_CTRL_NODE_ID, node_id);
	}
	mnl_attr_nest_end(nlh, nest);
	return ovl_nl_call(k->req, nlh, NULL, NULL, "%s: sending a frame",
			   k->ifname);
}

int kern_ev_fd(const struct kern *k)
{
	return ovl_nl_fd(k->ev);
}

static const enum mnl_attr_data_type ctrl_types[OVL_A_CTRL_MAX + 1] = {
	[OVL_A_CTRL_FRAME]	= MNL_TYPE_BINARY,
	[OVL_A_CTRL_ENDPOINT]	= MNL_TYPE_NESTED,
	[OVL_A_CTRL_NODE_ID]	= MNL_TYPE_U32,
};

static const enum mnl_attr_data_type ep_types[OVL_A_EP_MAX + 1] = {
	[OVL_A_EP_IPV4]	= MNL_TYPE_U32,
	[OVL_A_EP_PORT]	= MNL_TYPE_U16,
};

struct ev_ctx {
	kern_event_fn fn;
	void *arg;
};

static void ev_frame(const struct nlattr *ctrl, struct kern_event *ev)
{
	const struct nlattr *tb[OVL_A_CTRL_MAX + 1] = { 0 };
	const struct nlattr *ep[OVL_A_EP_MAX + 1] = { 0 };

	if (ovl_nl_parse_nested(ctrl, ctrl_types, OVL_A_CTRL_MAX, tb) ||
	    !tb[OVL_A_CTRL_FRAME])
		return;
	if (tb[OVL_A_CTRL_ENDPOINT]) {
		if (ovl_nl_parse_nested(tb[OVL_A_CTRL_ENDPOINT], ep_types,
					OVL_A_EP_MAX, ep) ||
		    ovl_nl_endpoint(ep[OVL_A_EP_IPV4], ep[OVL_A_EP_IPV6],
				    ep[OVL_A_EP_PORT], &ev->from) ||
		    !ev->from.ss_family)
			return;
	} else if (tb[OVL_A_CTRL_NODE_ID]) {
		ev->node_id = mnl_attr_get_u32(tb[OVL_A_CTRL_NODE_ID]);
	} else {
		return;
	}
	ev->frame = mnl_attr_get_payload(tb[OVL_A_CTRL_FRAME]);
	ev->len = mnl_attr_get_payload_len(tb[OVL_A_CTRL_FRAME]);
	ev->type = KERN_EV_FRAME;
}

static int ev_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1] = { 0 };
	const struct nlattr *key[OVL_A_KEY_MAX + 1] = { 0 };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct ev_ctx *ctx = arg;
	struct kern_event ev = { .type = KERN_EV_OTHER };

	if (ovl_nl_parse(nlh, dev_types, OVL_A_DEV_MAX, tb))
		return MNL_CB_OK;
	if (tb[OVL_A_DEV_IFINDEX])
		ev.ifindex = mnl_attr_get_u32(tb[OVL_A_DEV_IFINDEX]);
	switch (genl->cmd) {
	case OVL_CMD_CTRL_FRAME_NTF:
		if (tb[OVL_A_DEV_CTRL])
			ev_frame(tb[OVL_A_DEV_CTRL], &ev);
		break;
	case OVL_CMD_KEY_NEEDED_NTF:
		if (tb[OVL_A_DEV_KEY] &&
		    !ovl_nl_parse_nested(tb[OVL_A_DEV_KEY], key_types,
					 OVL_A_KEY_MAX, key) &&
		    key[OVL_A_KEY_NODE_ID]) {
			ev.type = KERN_EV_KEY_NEEDED;
			ev.node_id = mnl_attr_get_u32(key[OVL_A_KEY_NODE_ID]);
			if (key[OVL_A_KEY_REASON])
				ev.reason = mnl_attr_get_u32(key[OVL_A_KEY_REASON]);
		}
		break;
	}
	ctx->fn(ctx->arg, &ev);
	return MNL_CB_OK;
}

int kern_ev_read(struct kern *k, kern_event_fn fn, void *arg)
{
	struct ev_ctx ctx = { .fn = fn, .arg = arg };

	return ovl_nl_recv_events(k->ev, ev_cb, &ctx);
}
