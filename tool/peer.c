// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl peer": add, change, delete and show the peers of an ovl device.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/ovl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl.h"
#include "ovlctl.h"
#include "parse.h"
#include "show.h"

/*
 * The most allowed-ips prefixes of a peer: its request must fit in our
 * buffer.  Replies may split a peer (below).
 */
#define PEER_MAX_AIPS	OVL_PEER_MAX_ALLOWED_IPS

/* The largest OVL_A_PEER_ALLOWED_IP nest: an IPv6 prefix. */
#define AIP_NEST_MAX	(MNL_ATTR_HDRLEN + \
			 MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(uint16_t)) + \
			 MNL_ALIGN(MNL_ATTR_HDRLEN + 16) + \
			 MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(uint8_t)))

/* Headers, the device name and the peer's other attributes: < 256. */
_Static_assert(256 + PEER_MAX_AIPS * AIP_NEST_MAX <= OVL_NL_TX_SIZE,
	       "a peer request with PEER_MAX_AIPS prefixes must fit");

/**
 * struct peer_req - a parsed "peer" command line
 * @ifname: the device
 * @node_id: the peer's node id
 * @endpoint: new endpoint (sockaddr_in or sockaddr_in6), if @has_endpoint
 * @aips: the new allowed-ips, @n_aips of them, if @has_aips; none
 *	("allowed-ips none") clears the list
 * @n_aips: number of @aips
 * @keepalive: new keepalive interval in seconds, if @has_keepalive
 * @has_endpoint: change the endpoint
 * @has_aips: replace the allowed-ips
 * @has_keepalive: change the keepalive interval
 * @relay: new &enum ovl_relay_mode, if @has_relay
 * @has_relay: change the relay mode
 * @cert_expiry: the peer's certificate's expiry in Unix seconds (0 clears
 *	it), if @has_cert_expiry
 * @has_cert_expiry: change it
 */
struct peer_req {
	const char *ifname;
	uint32_t node_id;
	struct sockaddr_storage endpoint;
	struct cidr *aips;
	size_t n_aips;
	uint32_t keepalive;
	bool has_endpoint;
	bool has_aips;
	bool has_keepalive;
	uint32_t relay;
	bool has_relay;
	uint64_t cert_expiry;
	bool has_cert_expiry;
};

/* A certificate's last possible second, 9999-12-31T23:59:59Z (the kernel's). */
#define CERT_EXPIRY_MAX	253402300799ULL

/*
 * "CIDR[,CIDR...]" or "none" into @req->aips.  Returns 0, EXIT_USAGE or
 * EXIT_FAILURE (out of memory), having said why.
 */
static int aips_parse(const char *arg, struct peer_req *req)
{
	char *list, *next, *item;
	size_t n = 1;
	const char *c;
	int err = 0;

	req->has_aips = true;
	if (!strcmp(arg, "none"))
		return 0;
	for (c = arg; *c; c++)
		n += *c == ',';
	if (n > PEER_MAX_AIPS) {
		pr_err("too many allowed-ips: at most %d", PEER_MAX_AIPS);
		return EXIT_USAGE;
	}
	req->aips = calloc(n, sizeof(*req->aips));
	list = strdup(arg);
	if (!req->aips || !list) {
		pr_err("%s", strerror(ENOMEM));
		free(list);
		return EXIT_FAILURE;
	}
	for (next = list; (item = strsep(&next, ","));) {
		if (parse_cidr(item, &req->aips[req->n_aips])) {
			pr_err("invalid allowed-ips prefix '%s': expected ADDR[/LEN]",
			       item);
			err = EXIT_USAGE;
			break;
		}
		req->n_aips++;
	}
	free(list);
	return err;
}

/*
 * "DEV NODEID [endpoint IP:PORT] [allowed-ips CIDR[,CIDR...]|none]
 * [keepalive SECS]" into @req, which the caller frees with peer_req_free()
 * whatever the outcome.  Returns 0 or an exit status.
 */
static int peer_parse(const struct ovlctl *ctl, int argc, char **argv,
		      bool need_change, struct peer_req *req)
{
	enum { KW_ENDPOINT, KW_ALLOWED_IPS, KW_KEEPALIVE, KW_RELAY,
	       KW_CERT_EXPIRY };
	struct ctl_kw kw[] = {
		[KW_ENDPOINT]		= { .name = "endpoint" },
		[KW_ALLOWED_IPS]	= { .name = "allowed-ips" },
		[KW_KEEPALIVE]		= { .name = "keepalive" },
		[KW_RELAY]		= { .name = "relay" },
		[KW_CERT_EXPIRY]	= { .name = "cert-expiry" },
	};
	const char *endpoint, *aips, *keepalive, *relay, *cert_expiry;

	if (arg_dev_node(ctl, argc, argv, &req->node_id) ||
	    kw_parse(ctl, kw, ARRAY_SIZE(kw), argc - 2, argv + 2))
		return EXIT_USAGE;
	req->ifname = argv[0];
	endpoint = kw[KW_ENDPOINT].val;
	aips = kw[KW_ALLOWED_IPS].val;
	keepalive = kw[KW_KEEPALIVE].val;
	relay = kw[KW_RELAY].val;
	cert_expiry = kw[KW_CERT_EXPIRY].val;
	if (need_change && !endpoint && !aips && !keepalive && !relay &&
	    !cert_expiry)
		return usage_err(ctl, "nothing to set: need endpoint, allowed-ips, keepalive, relay and/or cert-expiry");
	if (endpoint) {
		if (parse_endpoint(endpoint, &req->endpoint)) {
			pr_err("invalid endpoint '%s': expected IPV4:PORT or [IPV6]:PORT",
			       endpoint);
			return EXIT_USAGE;
		}
		req->has_endpoint = true;
	}
	if (keepalive) {
		/* The kernel's limit, a day (docs/netlink/specs/ovl.yaml). */
		if (arg_u32("keepalive", keepalive, 0, 86400, &req->keepalive))
			return EXIT_USAGE;
		req->has_keepalive = true;
	}
	if (relay) {
		req->relay = !strcmp(relay, "off") ? OVL_RELAY_MODE_OFF :
			     !strcmp(relay, "on") ? OVL_RELAY_MODE_ON :
			     !strcmp(relay, "pinned") ? OVL_RELAY_MODE_PINNED :
			     UINT32_MAX;
		if (req->relay == UINT32_MAX) {
			pr_err("invalid relay '%s': expected off, on or pinned",
			       relay);
			return EXIT_USAGE;
		}
		req->has_relay = true;
	}
	if (cert_expiry) {
		if (parse_u64(cert_expiry, &req->cert_expiry) ||
		    req->cert_expiry > CERT_EXPIRY_MAX) {
			pr_err("invalid cert-expiry '%s': expected Unix seconds 0..%llu",
			       cert_expiry, CERT_EXPIRY_MAX);
			return EXIT_USAGE;
		}
		req->has_cert_expiry = true;
	}
	return aips ? aips_parse(aips, req) : 0;
}

static void peer_req_free(struct peer_req *req)
{
	free(req->aips);
}

/* Open the OVL_A_DEV_PEER nest of a request for @req's peer. */
static struct nlattr *peer_put_start(struct nlmsghdr *nlh,
				     const struct peer_req *req)
{
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, req->ifname);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, req->node_id);
	return nest;
}

/* The attributes of OVL_CMD_PEER_NEW and OVL_CMD_PEER_SET. */
static void peer_put(struct nlmsghdr *nlh, const struct peer_req *req)
{
	struct nlattr *nest = peer_put_start(nlh, req);
	size_t i;

	if (req->has_endpoint)
		ovl_nl_put_endpoint(nlh, OVL_A_PEER_REMOTE_IPV4,
				    OVL_A_PEER_REMOTE_IPV6,
				    OVL_A_PEER_REMOTE_PORT, &req->endpoint);
	/*
	 * The allowed-ips in a request replace the peer's list, and no
	 * OVL_A_PEER_ALLOWED_IP at all leaves it alone.  To clear it
	 * ("allowed-ips none") we send one OVL_A_PEER_ALLOWED_IP nest that
	 * is empty: the kernel reads it as "the list is empty".
	 */
	if (req->has_aips && !req->n_aips)
		mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh,
						OVL_A_PEER_ALLOWED_IP));
	for (i = 0; i < req->n_aips; i++)
		ovl_nl_put_aip(nlh, &req->aips[i]);
	if (req->has_keepalive)
		mnl_attr_put_u32(nlh, OVL_A_PEER_KEEPALIVE, req->keepalive);
	if (req->has_relay)
		mnl_attr_put_u32(nlh, OVL_A_PEER_RELAY, req->relay);
	if (req->has_cert_expiry)
		mnl_attr_put_u64(nlh, OVL_A_PEER_CERT_EXPIRY, req->cert_expiry);
	mnl_attr_nest_end(nlh, nest);
}

/* The attributes of OVL_CMD_PEER_DEL and OVL_CMD_PEER_GET (do). */
static void peer_put_id(struct nlmsghdr *nlh, const struct peer_req *req)
{
	mnl_attr_nest_end(nlh, peer_put_start(nlh, req));
}

/* Send @cmd for @req and wait for the ACK.  Returns an exit status. */
static int peer_call(const struct ovlctl *ctl, uint8_t cmd,
		     const struct peer_req *req)
{
	struct nlmsghdr *nlh;
	struct ovl_nl *nl;
	int err;

	nl = ovl_nl_open();
	if (!nl)
		return EXIT_FAILURE;
	nlh = ovl_nl_request(nl, cmd, 0);
	if (cmd == OVL_CMD_PEER_DEL)
		peer_put_id(nlh, req);
	else
		peer_put(nlh, req);
	err = ovl_nl_call(nl, nlh, NULL, NULL, "peer %s %s %" PRIu32,
			  ctl->cmd->name, req->ifname, req->node_id);
	ovl_nl_close(nl);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* peer add|set DEV NODEID [endpoint ...] [allowed-ips ...] [keepalive ...] */
static int peer_change(struct ovlctl *ctl, int argc, char **argv,
		       uint8_t cmd)
{
	struct peer_req req = {};
	int err;

	err = peer_parse(ctl, argc, argv, cmd == OVL_CMD_PEER_SET, &req);
	if (!err)
		err = peer_call(ctl, cmd, &req);
	peer_req_free(&req);
	return err;
}

static int peer_add(struct ovlctl *ctl, int argc, char **argv)
{
	return peer_change(ctl, argc, argv, OVL_CMD_PEER_NEW);
}

static int peer_set(struct ovlctl *ctl, int argc, char **argv)
{
	return peer_change(ctl, argc, argv, OVL_CMD_PEER_SET);
}

/* peer del DEV NODEID */
static int peer_del(struct ovlctl *ctl, int argc, char **argv)
{
	struct peer_req req = { .ifname = argc ? argv[0] : NULL };

	if (arg_dev_node(ctl, argc, argv, &req.node_id))
		return EXIT_USAGE;
	if (argc > 2)
		return usage_err(ctl, "unexpected argument '%s'", argv[2]);
	return peer_call(ctl, OVL_CMD_PEER_DEL, &req);
}

/*
 * Replies.  Each message of a peer dump (and the reply to a peer get)
 * carries the device and one OVL_A_DEV_PEER nest.  In a dump, a peer with
 * more allowed-ips than fit in one message comes in parts, one after the
 * other: the first with all of it but the allowed-ips left over, the
 * others with its node id and more allowed-ips.  They are merged here
 * into one peer before it is printed.
 */

static const enum mnl_attr_data_type peer_msg_policy[OVL_A_DEV_MAX + 1] = {
	[OVL_A_DEV_IFINDEX]	= MNL_TYPE_U32,
	[OVL_A_DEV_IFNAME]	= MNL_TYPE_NUL_STRING,
	[OVL_A_DEV_PEER]	= MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type peer_policy[OVL_A_PEER_MAX + 1] = {
	[OVL_A_PEER_NODE_ID]		= MNL_TYPE_U32,
	[OVL_A_PEER_REMOTE_IPV4]	= MNL_TYPE_U32,
	[OVL_A_PEER_REMOTE_IPV6]	= MNL_TYPE_BINARY,
	[OVL_A_PEER_REMOTE_PORT]	= MNL_TYPE_U16,
	[OVL_A_PEER_ALLOWED_IP]		= MNL_TYPE_NESTED,
	[OVL_A_PEER_KEEPALIVE]		= MNL_TYPE_U32,
	[OVL_A_PEER_PATH]		= MNL_TYPE_U32,
	[OVL_A_PEER_PINNED]		= MNL_TYPE_FLAG,
	[OVL_A_PEER_RX_PACKETS]		= MNL_TYPE_U64,
	[OVL_A_PEER_RX_BYTES]		= MNL_TYPE_U64,
	[OVL_A_PEER_TX_PACKETS]		= MNL_TYPE_U64,
	[OVL_A_PEER_TX_BYTES]		= MNL_TYPE_U64,
	[OVL_A_PEER_RELAY_RX_PACKETS]	= MNL_TYPE_U64,
	[OVL_A_PEER_RELAY_TX_PACKETS]	= MNL_TYPE_U64,
	[OVL_A_PEER_FLIPS]		= MNL_TYPE_U64,
	[OVL_A_PEER_LAST_DIRECT_RX_MS]	= MNL_TYPE_U64,
	[OVL_A_PEER_KEY]		= MNL_TYPE_NESTED,
	[OVL_A_PEER_RELAY]		= MNL_TYPE_U32,
	[OVL_A_PEER_RELAY_CAP_DROPS]	= MNL_TYPE_U64,
	[OVL_A_PEER_PATH_REASON]	= MNL_TYPE_U32,
	[OVL_A_PEER_ICMP_ERRORS]	= MNL_TYPE_U64,
	[OVL_A_PEER_LAST_HANDSHAKE]	= MNL_TYPE_U64,
	[OVL_A_PEER_CERT_EXPIRY]	= MNL_TYPE_U64,
};

static const enum mnl_attr_data_type aip_policy[OVL_A_AIP_MAX + 1] = {
	[OVL_A_AIP_FAMILY]	= MNL_TYPE_U16,
	[OVL_A_AIP_ADDR]	= MNL_TYPE_BINARY,
	[OVL_A_AIP_CIDR]	= MNL_TYPE_U8,
};

/* Key material (TX_KEY, RX_KEY) is never read, should it ever come. */
static const enum mnl_attr_data_type key_policy[OVL_A_KEY_MAX + 1] = {
	[OVL_A_KEY_SLOT]	= MNL_TYPE_U32,
	[OVL_A_KEY_ID]		= MNL_TYPE_U8,
	[OVL_A_KEY_TX_COUNTER]	= MNL_TYPE_U64,
	[OVL_A_KEY_LIFETIME]	= MNL_TYPE_U32,
	[OVL_A_KEY_PROMOTE]	= MNL_TYPE_FLAG,
	[OVL_A_KEY_EXPIRES_MS]	= MNL_TYPE_U64,
};

/**
 * struct key_state - the public state of one of a peer's keys
 * @slot: &enum ovl_key_slot
 * @id: key id
 * @tx_counter: messages sent under it
 * @expires_ms: milliseconds left of its lifetime, if @has_lifetime
 * @lifetime: its lifetime in seconds, if @has_lifetime
 * @has_lifetime: it has one (a handshake's key)
 * @promote: a secondary key to be promoted when the peer first uses it
 */
struct key_state {
	uint32_t slot;
	uint8_t id;
	uint64_t tx_counter;
	uint64_t expires_ms;
	uint32_t lifetime;
	bool has_lifetime;
	bool promote;
};

/* Keys a peer can have: its slots, with room for a newer kernel's. */
#define PEER_MAX_KEYS	8

/**
 * struct peer_info - a peer as the kernel reports it
 * @aips: its allowed-ips, @n_aips of them (allocated, or NULL)
 * @n_aips: number of @aips
 * @keys: the public state of its keys, @n_keys of them
 * @n_keys: number of @keys
 * @endpoint: its endpoint; ss_family is 0 if it has none
 * @ctr: the u64 counters, indexed by attribute (OVL_A_PEER_RX_PACKETS...
 *	OVL_A_PEER_FLIPS, OVL_A_PEER_RELAY_CAP_DROPS, OVL_A_PEER_ICMP_ERRORS);
 *	0 if absent
 * @last_direct_rx_ms: milliseconds since the last direct receipt, if
 *	@direct_rx
 * @node_id: node id
 * @keepalive: keepalive interval in seconds; 0 if off
 * @path: &enum ovl_path
 * @relay: &enum ovl_relay_mode
 * @pinned: the relay is pinned
 * @direct_rx: something was ever received directly
 * @last_handshake: Unix seconds of the last handshake's keys, 0 if none
 * @cert_expiry: Unix seconds the peer's certificate expires, 0 if unknown
 */
struct peer_info {
	struct cidr *aips;
	size_t n_aips;
	struct key_state keys[PEER_MAX_KEYS];
	size_t n_keys;
	struct sockaddr_storage endpoint;
	uint64_t ctr[OVL_A_PEER_MAX + 1];
	uint64_t last_direct_rx_ms;
	uint32_t node_id;
	uint32_t keepalive;
	uint32_t path;
	uint32_t relay;
	bool pinned;
	bool direct_rx;
	uint64_t last_handshake;
	uint64_t cert_expiry;
};

static int aip_parse(const struct nlattr *attr, struct cidr *c)
{
	const struct nlattr *tb[OVL_A_AIP_MAX + 1] = {};
	unsigned int len, max;

	if (ovl_nl_parse_nested(attr, aip_policy, OVL_A_AIP_MAX, tb))
		return -1;
	if (!tb[OVL_A_AIP_FAMILY] || !tb[OVL_A_AIP_ADDR] || !tb[OVL_A_AIP_CIDR])
		goto bad;
	memset(c, 0, sizeof(*c));
	c->family = mnl_attr_get_u16(tb[OVL_A_AIP_FAMILY]);
	c->prefix = mnl_attr_get_u8(tb[OVL_A_AIP_CIDR]);
	len = mnl_attr_get_payload_len(tb[OVL_A_AIP_ADDR]);
	if (c->family == AF_INET && len == sizeof(c->addr.v4))
		max = 32;
	else if (c->family == AF_INET6 && len == sizeof(c->addr.v6))
		max = 128;
	else
		goto bad;
	if (c->prefix > max)
		goto bad;
	memcpy(&c->addr, mnl_attr_get_payload(tb[OVL_A_AIP_ADDR]), len);
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

static int key_state_parse(const struct nlattr *attr, struct key_state *k)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1] = {};

	if (ovl_nl_parse_nested(attr, key_policy, OVL_A_KEY_MAX, tb))
		return -1;
	if (!tb[OVL_A_KEY_SLOT] || !tb[OVL_A_KEY_ID]) {
		errno = EBADMSG;
		return -1;
	}
	k->slot = mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]);
	k->id = mnl_attr_get_u8(tb[OVL_A_KEY_ID]);
	k->tx_counter = tb[OVL_A_KEY_TX_COUNTER] ?
			mnl_attr_get_u64(tb[OVL_A_KEY_TX_COUNTER]) : 0;
	k->has_lifetime = tb[OVL_A_KEY_EXPIRES_MS] != NULL;
	k->expires_ms = k->has_lifetime ?
			mnl_attr_get_u64(tb[OVL_A_KEY_EXPIRES_MS]) : 0;
	k->lifetime = tb[OVL_A_KEY_LIFETIME] ?
		      mnl_attr_get_u32(tb[OVL_A_KEY_LIFETIME]) : 0;
	k->promote = tb[OVL_A_KEY_PROMOTE] != NULL;
	return 0;
}

static void peer_info_free(struct peer_info *p)
{
	free(p->aips);
	p->aips = NULL;
	p->n_aips = 0;
}

/*
 * Add the allowed-ips prefixes and keys of the peer nest @nest to @p.
 * Returns 0, or -1 with errno EBADMSG or ENOMEM.
 */
static int peer_lists_parse(const struct nlattr *nest, struct peer_info *p)
{
	const struct nlattr *attr;
	size_t n = p->n_aips;
	struct cidr *aips;

	mnl_attr_for_each_nested(attr, nest)
		n += mnl_attr_get_type(attr) == OVL_A_PEER_ALLOWED_IP;
	if (n > p->n_aips) {
		aips = realloc(p->aips, n * sizeof(*aips));
		if (!aips)
			return -1;
		p->aips = aips;
	}
	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case OVL_A_PEER_ALLOWED_IP:
			if (aip_parse(attr, &p->aips[p->n_aips]))
				return -1;
			p->n_aips++;
			break;
		case OVL_A_PEER_KEY:
			if (p->n_keys == PEER_MAX_KEYS) {
				errno = EBADMSG;
				return -1;
			}
			if (key_state_parse(attr, &p->keys[p->n_keys]))
				return -1;
			p->n_keys++;
			break;
		}
	}
	return 0;
}

static int peer_endpoint_parse(const struct nlattr **tb,
			       struct sockaddr_storage *ss)
{
	return ovl_nl_endpoint(tb[OVL_A_PEER_REMOTE_IPV4],
			       tb[OVL_A_PEER_REMOTE_IPV6],
			       tb[OVL_A_PEER_REMOTE_PORT], ss);
}

static int peer_info_parse(const struct nlattr *nest, struct peer_info *p)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1] = {};
	unsigned int i;

	memset(p, 0, sizeof(*p));
	if (ovl_nl_parse_nested(nest, peer_policy, OVL_A_PEER_MAX, tb))
		return -1;
	if (!tb[OVL_A_PEER_NODE_ID]) {
		errno = EBADMSG;
		return -1;
	}
	p->node_id = mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]);
	if (peer_endpoint_parse(tb, &p->endpoint))
		return -1;
	if (tb[OVL_A_PEER_KEEPALIVE])
		p->keepalive = mnl_attr_get_u32(tb[OVL_A_PEER_KEEPALIVE]);
	if (tb[OVL_A_PEER_PATH])
		p->path = mnl_attr_get_u32(tb[OVL_A_PEER_PATH]);
	p->pinned = tb[OVL_A_PEER_PINNED] != NULL;
	p->relay = tb[OVL_A_PEER_RELAY] ? mnl_attr_get_u32(tb[OVL_A_PEER_RELAY]) :
					  OVL_RELAY_MODE_ON;
	for (i = OVL_A_PEER_RX_PACKETS; i <= OVL_A_PEER_FLIPS; i++)
		if (tb[i])
			p->ctr[i] = mnl_attr_get_u64(tb[i]);
	if (tb[OVL_A_PEER_RELAY_CAP_DROPS])
		p->ctr[OVL_A_PEER_RELAY_CAP_DROPS] =
			mnl_attr_get_u64(tb[OVL_A_PEER_RELAY_CAP_DROPS]);
	if (tb[OVL_A_PEER_ICMP_ERRORS])
		p->ctr[OVL_A_PEER_ICMP_ERRORS] =
			mnl_attr_get_u64(tb[OVL_A_PEER_ICMP_ERRORS]);
	if (tb[OVL_A_PEER_LAST_HANDSHAKE])
		p->last_handshake = mnl_attr_get_u64(tb[OVL_A_PEER_LAST_HANDSHAKE]);
	if (tb[OVL_A_PEER_CERT_EXPIRY])
		p->cert_expiry = mnl_attr_get_u64(tb[OVL_A_PEER_CERT_EXPIRY]);
	if (tb[OVL_A_PEER_LAST_DIRECT_RX_MS]) {
		p->direct_rx = true;
		p->last_direct_rx_ms =
			mnl_attr_get_u64(tb[OVL_A_PEER_LAST_DIRECT_RX_MS]);
	}
	if (peer_lists_parse(nest, p)) {
		peer_info_free(p);
		return -1;
	}
	return 0;
}

/* The OVL_A_DEV_PEER nest of a reply message, or NULL (errno EBADMSG). */
static const struct nlattr *peer_msg_nest(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1] = {};

	if (ovl_nl_parse(nlh, peer_msg_policy, OVL_A_DEV_MAX, tb))
		return NULL;
	if (!tb[OVL_A_DEV_PEER])
		errno = EBADMSG;
	return tb[OVL_A_DEV_PEER];
}

static const char *cidr_str(const struct cidr *c, char *buf)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(c->family, &c->addr, addr, sizeof(addr));
	snprintf(buf, ADDR_STRLEN, "%s/%u", addr, c->prefix);
	return buf;
}

static const char *const path_names[] = {
	[OVL_PATH_DIRECT]	= "direct",
	[OVL_PATH_RELAY]	= "relay",
};

static const char *const relay_names[] = {
	[OVL_RELAY_MODE_OFF]	= "off",
	[OVL_RELAY_MODE_ON]	= "on",
	[OVL_RELAY_MODE_PINNED]	= "pinned",
};

static const char *const slot_names[] = {
	[OVL_KEY_SLOT_PRIMARY]		= "primary",
	[OVL_KEY_SLOT_SECONDARY]	= "secondary",
};

/* The name of @v in @names, or NULL for a value from a newer kernel. */
static const char *enum_name(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : NULL;
}

#define ENUM_NAME(names, v)	enum_name(names, ARRAY_SIZE(names), v)

/* An enum as JSON: its name, or its number if it has none (yet). */
static struct json_object *json_enum(const char *name, uint32_t v)
{
	return name ? json_object_new_string(name) : json_object_new_int64(v);
}

/* 1023 B, 1.00 KiB, 3.40 MiB...: like "wg show". */
static const char *bytes_str(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	double v = bytes / 1024.0;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 " B", bytes);
		return buf;
	}
	while (v >= 1024 && u < ARRAY_SIZE(units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, "%.2f %s", v, units[u]);
	return buf;
}

static void peer_print_aips(const struct peer_info *p)
{
	char buf[ADDR_STRLEN];
	const char *sep = " ";
	size_t i;

	fputs("  allowed ips:", stdout);
	for (i = 0; i < p->n_aips; i++) {
		printf("%s%s", sep, cidr_str(&p->aips[i], buf));
		sep = ", ";
	}
	puts(*sep == ',' ? "" : " (none)");
}

/*
 * " (2 sent, expires in 117.250 s, promoted on first use)": what there is
 * to say about a key, if anything.
 */
static void key_print_notes(const struct key_state *k)
{
	const char *sep = " (";

	if (k->tx_counter) {
		printf("%s%" PRIu64 " sent", sep, k->tx_counter);
		sep = ", ";
	}
	if (k->has_lifetime && k->expires_ms) {
		printf("%sexpires in %" PRIu64 ".%03u s", sep,
		       k->expires_ms / 1000, (unsigned int)(k->expires_ms % 1000));
		sep = ", ";
	} else if (k->has_lifetime) {
		printf("%sexpired", sep);
		sep = ", ";
	}
	if (k->promote) {
		printf("%spromoted on first use", sep);
		sep = ", ";
	}
	if (*sep == ',')
		putchar(')');
}

/* "2027-06-01T00:00:00Z", as certificates show times. */
static const char *unix_time_str(uint64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%" PRIu64, t);
	return buf;
}

/*
 * The handshake and certificate lines: "latest handshake: 5 seconds ago"
 * and "certificate: node id 42, expires 2027-06-01T00:00:00Z", each only
 * when known (a peer with manual keys has neither).
 */
static void peer_print_session(const struct peer_info *p)
{
	int64_t ago;
	char t[32];

	if (p->last_handshake) {
		ago = (int64_t)time(NULL) - (int64_t)p->last_handshake;
		printf("  latest handshake: %" PRId64 " seconds ago\n",
		       ago < 0 ? 0 : ago);
	}
	/* The daemon checked that the certificate names the peer's node id. */
	if (p->cert_expiry)
		printf("  certificate: node id %" PRIu32 ", expires %s\n",
		       p->node_id, unix_time_str(p->cert_expiry, t, sizeof(t)));
}

static void peer_print_keys(const struct peer_info *p)
{
	const struct key_state *k;
	const char *sep = " ";
	const char *slot;
	size_t i;

	fputs("  keys:", stdout);
	for (i = 0; i < p->n_keys; i++) {
		k = &p->keys[i];
		slot = ENUM_NAME(slot_names, k->slot);
		if (slot)
			printf("%s%s id %u", sep, slot, k->id);
		else
			printf("%sslot %" PRIu32 " id %u", sep, k->slot, k->id);
		key_print_notes(k);
		sep = ", ";
	}
	puts(*sep == ',' ? "" : " none");
}

static void peer_print(const struct peer_info *p)
{
	const char *path = ENUM_NAME(path_names, p->path);
	char buf[ADDR_STRLEN], rx[32], tx[32];
	const char *endpoint = endpoint_str(&p->endpoint, buf);

	printf("peer %" PRIu32 "\n", p->node_id);
	printf("  endpoint: %s\n", endpoint ? endpoint : "(none)");
	peer_print_aips(p);
	if (p->keepalive)
		printf("  keepalive: every %" PRIu32 " s\n", p->keepalive);
	if (path)
		printf("  path: %s%s\n", path, p->pinned ? " (pinned)" : "");
	else
		printf("  path: %" PRIu32 "%s\n", p->path,
		       p->pinned ? " (pinned)" : "");
	if (p->relay != OVL_RELAY_MODE_ON) {
		const char *relay = ENUM_NAME(relay_names, p->relay);

		if (relay)
			printf("  relay: %s\n", relay);
		else
			printf("  relay: %" PRIu32 "\n", p->relay);
	}
	if (p->ctr[OVL_A_PEER_FLIPS])
		printf("  flips: %" PRIu64 "\n", p->ctr[OVL_A_PEER_FLIPS]);
	if (p->ctr[OVL_A_PEER_RELAY_CAP_DROPS])
		printf("  relay cap drops: %" PRIu64 "\n",
		       p->ctr[OVL_A_PEER_RELAY_CAP_DROPS]);
	if (p->ctr[OVL_A_PEER_ICMP_ERRORS])
		printf("  icmp errors: %" PRIu64 "\n",
		       p->ctr[OVL_A_PEER_ICMP_ERRORS]);
	peer_print_session(p);
	if (p->direct_rx)
		printf("  latest direct receipt: %" PRIu64 ".%03u s ago\n",
		       p->last_direct_rx_ms / 1000,
		       (unsigned int)(p->last_direct_rx_ms % 1000));
	else
		puts("  latest direct receipt: never");
	printf("  transfer: %s received, %s sent (%" PRIu64 "/%" PRIu64
	       " packets)\n",
	       bytes_str(p->ctr[OVL_A_PEER_RX_BYTES], rx, sizeof(rx)),
	       bytes_str(p->ctr[OVL_A_PEER_TX_BYTES], tx, sizeof(tx)),
	       p->ctr[OVL_A_PEER_RX_PACKETS], p->ctr[OVL_A_PEER_TX_PACKETS]);
	if (p->ctr[OVL_A_PEER_RELAY_RX_PACKETS] ||
	    p->ctr[OVL_A_PEER_RELAY_TX_PACKETS])
		printf("  relayed: %" PRIu64 " received, %" PRIu64
		       " sent packets\n",
		       p->ctr[OVL_A_PEER_RELAY_RX_PACKETS],
		       p->ctr[OVL_A_PEER_RELAY_TX_PACKETS]);
	peer_print_keys(p);
}

static struct json_object *peer_json_aips(const struct peer_info *p)
{
	struct json_object *arr = json_object_new_array();
	char buf[ADDR_STRLEN];
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < p->n_aips; i++)
		json_object_array_add(arr, json_object_new_string(
					      cidr_str(&p->aips[i], buf)));
	return arr;
}

static struct json_object *peer_json_keys(const struct peer_info *p)
{
	struct json_object *arr = json_object_new_array(), *obj;
	const struct key_state *k;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < p->n_keys; i++) {
		k = &p->keys[i];
		obj = json_object_new_object();
		if (!obj)
			break;
		json_object_object_add(obj, "slot",
				       json_enum(ENUM_NAME(slot_names, k->slot),
						 k->slot));
		json_object_object_add(obj, "id", json_object_new_int(k->id));
		json_object_object_add(obj, "tx_counter",
				       json_object_new_uint64(k->tx_counter));
		json_object_object_add(obj, "lifetime", k->has_lifetime ?
				       json_object_new_int64(k->lifetime) : NULL);
		json_object_object_add(obj, "expires_ms", k->has_lifetime ?
				       json_object_new_uint64(k->expires_ms) :
				       NULL);
		json_object_object_add(obj, "promote",
				       json_object_new_boolean(k->promote));
		if (json_object_array_add(arr, obj))
			json_object_put(obj);
	}
	return arr;
}

/*
 * {"node_id": N, "expires": UNIX_SECONDS}, or NULL (null) when the daemon
 * gave no certificate expiry.  The certificate's node id is the peer's:
 * the daemon refuses a certificate that names another.
 */
static struct json_object *peer_json_cert(const struct peer_info *p)
{
	struct json_object *obj;

	if (!p->cert_expiry)
		return NULL;
	obj = json_object_new_object();
	if (!obj)
		return NULL;
	json_object_object_add(obj, "node_id",
			       json_object_new_int64(p->node_id));
	json_object_object_add(obj, "expires",
			       json_object_new_uint64(p->cert_expiry));
	return obj;
}

/* @p as a JSON object, or NULL with errno ENOMEM. */
static struct json_object *peer_json(const struct peer_info *p)
{
	static const struct {
		const char *name;
		uint16_t attr;
	} counters[] = {
		{ "tx_packets",		OVL_A_PEER_TX_PACKETS },
		{ "rx_packets",		OVL_A_PEER_RX_PACKETS },
		{ "tx_bytes",		OVL_A_PEER_TX_BYTES },
		{ "rx_bytes",		OVL_A_PEER_RX_BYTES },
		{ "relay_tx_packets",	OVL_A_PEER_RELAY_TX_PACKETS },
		{ "relay_rx_packets",	OVL_A_PEER_RELAY_RX_PACKETS },
		{ "flips",		OVL_A_PEER_FLIPS },
		{ "relay_cap_drops",	OVL_A_PEER_RELAY_CAP_DROPS },
		{ "icmp_errors",	OVL_A_PEER_ICMP_ERRORS },
	};
	struct json_object *obj = json_object_new_object();
	const char *endpoint;
	char buf[ADDR_STRLEN];
	size_t i;

	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	endpoint = endpoint_str(&p->endpoint, buf);
	json_object_object_add(obj, "node_id",
			       json_object_new_int64(p->node_id));
	json_object_object_add(obj, "endpoint", endpoint ?
			       json_object_new_string(endpoint) : NULL);
	json_object_object_add(obj, "allowed_ips", peer_json_aips(p));
	json_object_object_add(obj, "keepalive",
			       json_object_new_int64(p->keepalive));
	json_object_object_add(obj, "path",
			       json_enum(ENUM_NAME(path_names, p->path),
					 p->path));
	json_object_object_add(obj, "pinned",
			       json_object_new_boolean(p->pinned));
	json_object_object_add(obj, "relay",
			       json_enum(ENUM_NAME(relay_names, p->relay),
					 p->relay));
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		json_object_object_add(obj, counters[i].name,
				       json_object_new_uint64(
					       p->ctr[counters[i].attr]));
	json_object_object_add(obj, "last_direct_rx_ms", p->direct_rx ?
			       json_object_new_uint64(p->last_direct_rx_ms) :
			       NULL);
	json_object_object_add(obj, "latest_handshake", p->last_handshake ?
			       json_object_new_uint64(p->last_handshake) : NULL);
	json_object_object_add(obj, "cert", peer_json_cert(p));
	json_object_object_add(obj, "keys", peer_json_keys(p));
	return obj;
}

/**
 * struct peer_show - state of one peer listing
 * @json: print JSON: one object (@single), or an array of them
 * @gap: text: an empty line before the first peer too
 * @single: the reply to a get of one peer
 * @count: peers printed so far
 * @peer: the peer read last, not printed yet: the next message may be
 *	another part of it
 * @pending: @peer holds a peer
 */
struct peer_show {
	bool json;
	bool gap;
	bool single;
	unsigned long count;
	struct peer_info peer;
	bool pending;
};

/* Print the pending peer, if any.  Returns 0, or -1 (errno ENOMEM). */
static int peer_show_flush(struct peer_show *show)
{
	struct peer_info *p = &show->peer;
	struct json_object *obj;
	int err = 0;

	if (!show->pending)
		return 0;
	show->pending = false;
	if (show->json) {
		obj = peer_json(p);
		if (obj) {
			if (show->single)
				json_print(obj);
			else
				printf("%s%s", show->count ? "," : "[",
				       json_str(obj));
			json_object_put(obj);
		} else {
			err = -1;
		}
	} else {
		if (show->count || show->gap)
			putchar('\n');
		peer_print(p);
	}
	peer_info_free(p);
	show->count += !err;
	return err;
}

/* The node id in a peer nest, or 0 (which names no peer) if none. */
static uint32_t peer_nest_node_id(const struct nlattr *nest)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest)
		if (mnl_attr_get_type(attr) == OVL_A_PEER_NODE_ID &&
		    !mnl_attr_validate(attr, MNL_TYPE_U32))
			return mnl_attr_get_u32(attr);
	return 0;
}

static int peer_show_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct peer_show *show = arg;
	const struct nlattr *nest;

	nest = peer_msg_nest(nlh);
	if (!nest)
		return MNL_CB_ERROR;
	/* Another part of the pending peer: only more allowed-ips. */
	if (show->pending && !show->single &&
	    peer_nest_node_id(nest) == show->peer.node_id)
		return peer_lists_parse(nest, &show->peer) ? MNL_CB_ERROR :
							      MNL_CB_OK;
	if (peer_show_flush(show))
		return MNL_CB_ERROR;
	if (peer_info_parse(nest, &show->peer))
		return MNL_CB_ERROR;
	show->pending = true;
	return MNL_CB_OK;
}

/* Dump the peers of @ifname through @show.  Returns 0 or -1. */
static int peer_dump(struct ovl_nl *nl, const char *ifname,
		     struct peer_show *show, const char *what)
{
	struct nlmsghdr *nlh;

	nlh = ovl_nl_request(nl, OVL_CMD_PEER_GET, NLM_F_DUMP);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, ifname);
	if (ovl_nl_call(nl, nlh, peer_show_cb, show, "%s", what)) {
		/* What came before the error is shown. */
		peer_show_flush(show);
		return -1;
	}
	if (peer_show_flush(show)) {
		pr_err("%s: %s", what, strerror(errno));
		return -1;
	}
	if (show->json)
		fputs(show->count ? "]" : "[]", stdout);
	return 0;
}

int peer_list(struct ovl_nl *nl, const char *ifname, bool json, bool gap,
	      const char *what)
{
	struct peer_show show = { .json = json, .gap = gap };

	return peer_dump(nl, ifname, &show, what);
}

/* peer show DEV [NODEID]: one peer, or every peer of the device. */
static int peer_show(struct ovlctl *ctl, int argc, char **argv)
{
	struct peer_show show = { .json = ctl->json, .single = argc > 1 };
	struct peer_req req = { .ifname = argc ? argv[0] : NULL };
	struct nlmsghdr *nlh;
	struct ovl_nl *nl;
	char what[64];
	int err;

	if (!argc)
		return usage_err(ctl, "missing device name");
	if (argc > 2)
		return usage_err(ctl, "unexpected argument '%s'", argv[2]);
	if (show.single ? arg_dev_node(ctl, argc, argv, &req.node_id) :
			  arg_ifname(req.ifname))
		return EXIT_USAGE;

	nl = ovl_nl_open();
	if (!nl)
		return EXIT_FAILURE;
	if (!show.single) {
		snprintf(what, sizeof(what), "peer show %s", req.ifname);
		err = peer_dump(nl, req.ifname, &show, what);
		/* End the line, also that of a dump cut short. */
		if (show.json && (!err || show.count))
			putchar('\n');
	} else {
		nlh = ovl_nl_request(nl, OVL_CMD_PEER_GET, 0);
		peer_put_id(nlh, &req);
		err = ovl_nl_call(nl, nlh, peer_show_cb, &show,
				  "peer show %s %" PRIu32, req.ifname,
				  req.node_id);
		if (err) {
			peer_show_flush(&show);
		} else if (peer_show_flush(&show)) {
			pr_err("peer show %s %" PRIu32 ": %s", req.ifname,
			       req.node_id, strerror(errno));
			err = -1;
		}
	}
	ovl_nl_close(nl);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

static const struct ctl_cmd peer_cmds[] = {
	{ "show",	"DEV [NODEID]",					peer_show },
	{ "add",	"DEV NODEID [endpoint IP:PORT] "
			"[allowed-ips CIDR[,CIDR...]|none] [keepalive SECS] "
			"[relay off|on|pinned] [cert-expiry UNIXSECONDS]",
									peer_add },
	{ "set",	"DEV NODEID [endpoint IP:PORT] "
			"[allowed-ips CIDR[,CIDR...]|none] [keepalive SECS] "
			"[relay off|on|pinned] [cert-expiry UNIXSECONDS]",
									peer_set },
	{ "del",	"DEV NODEID",					peer_del },
	{}
};

const struct ctl_object peer_object = {
	.name	= "peer",
	.cmds	= peer_cmds,
};
