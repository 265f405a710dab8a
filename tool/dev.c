// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl dev": show and configure ovl devices.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <linux/ovl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "ovlctl.h"
#include "parse.h"
#include "show.h"

static const enum mnl_attr_data_type dev_policy[OVL_A_DEV_MAX + 1] = {
	[OVL_A_DEV_IFINDEX]	= MNL_TYPE_U32,
	[OVL_A_DEV_IFNAME]	= MNL_TYPE_NUL_STRING,
	[OVL_A_DEV_NODE_ID]	= MNL_TYPE_U32,
	[OVL_A_DEV_LISTEN_PORT]	= MNL_TYPE_U16,
	[OVL_A_DEV_PEERS]	= MNL_TYPE_U32,
	[OVL_A_DEV_DROPS]	= MNL_TYPE_NESTED,
	[OVL_A_DEV_BEACON]	= MNL_TYPE_NESTED,
	[OVL_A_DEV_PUBLIC_ENDPOINT] = MNL_TYPE_NESTED,
	[OVL_A_DEV_BLACKHOLE_MS] = MNL_TYPE_U32,
	[OVL_A_DEV_BLACKHOLE_MISSES] = MNL_TYPE_U32,
	[OVL_A_DEV_DIRECT_CLEARS] = MNL_TYPE_U32,
	[OVL_A_DEV_SEND_ERRORS]	= MNL_TYPE_U32,
	[OVL_A_DEV_MAX_RELAY_PEERS] = MNL_TYPE_U32,
	[OVL_A_DEV_PROBE_INTERVAL_MS] = MNL_TYPE_U32,
	[OVL_A_DEV_RELAY_PEERS]	= MNL_TYPE_U32,
	[OVL_A_DEV_BEACON_AUTH]	= MNL_TYPE_FLAG,
};

static const enum mnl_attr_data_type ep_policy[OVL_A_EP_MAX + 1] = {
	[OVL_A_EP_IPV4]		= MNL_TYPE_U32,
	[OVL_A_EP_IPV6]		= MNL_TYPE_BINARY,
	[OVL_A_EP_PORT]		= MNL_TYPE_U16,
};

/*
 * The path thresholds: their "dev set" keyword (also the text output's
 * label), JSON name and range (the kernel's, docs/netlink/specs/ovl.yaml).
 */
static const struct {
	uint16_t attr;
	const char *kw;
	const char *json;
	uint32_t min, max;
} thresholds[] = {
	{ OVL_A_DEV_BLACKHOLE_MS, "blackhole-ms", "blackhole_ms", 100, 3600000 },
	{ OVL_A_DEV_BLACKHOLE_MISSES, "blackhole-misses", "blackhole_misses",
	  1, 255 },
	{ OVL_A_DEV_DIRECT_CLEARS, "direct-clears", "direct_clears", 1, 255 },
	{ OVL_A_DEV_SEND_ERRORS, "send-errors", "send_errors", 1, 255 },
	{ OVL_A_DEV_MAX_RELAY_PEERS, "max-relay-peers", "max_relay_peers",
	  0, UINT32_MAX },
	{ OVL_A_DEV_PROBE_INTERVAL_MS, "probe-interval-ms", "probe_interval_ms",
	  100, 3600000 },
};

#define N_THRESHOLDS	ARRAY_SIZE(thresholds)

/* The drop counters by attribute, named as in JSON and in text. */
static const char *const drop_names[OVL_A_DROPS_MAX + 1] = {
	[OVL_A_DROPS_SHORT]		= "short",
	[OVL_A_DROPS_UNKNOWN_TYPE]	= "unknown_type",
	[OVL_A_DROPS_UNKNOWN_PEER]	= "unknown_peer",
	[OVL_A_DROPS_NO_KEY]		= "no_key",
	[OVL_A_DROPS_BAD_TAG]		= "bad_tag",
	[OVL_A_DROPS_REPLAY]		= "replay",
	[OVL_A_DROPS_BAD_SOURCE]	= "bad_source",
	[OVL_A_DROPS_BAD_INNER]		= "bad_inner",
	[OVL_A_DROPS_TX_NO_PEER]	= "tx_no_peer",
	[OVL_A_DROPS_TX_NO_KEY]		= "tx_no_key",
	[OVL_A_DROPS_TX_NO_ENDPOINT]	= "tx_no_endpoint",
	[OVL_A_DROPS_TX_ERROR]		= "tx_error",
	[OVL_A_DROPS_NOT_BEACON]	= "not_beacon",
	[OVL_A_DROPS_RELAY_MISMATCH]	= "relay_mismatch",
	[OVL_A_DROPS_RELAY_CAP]		= "relay_cap",
	[OVL_A_DROPS_TX_NO_BEACON]	= "tx_no_beacon",
	[OVL_A_DROPS_CTRL_NO_LISTENER]	= "ctrl_no_listener",
	[OVL_A_DROPS_CTRL_OVERFLOW]	= "ctrl_overflow",
	[OVL_A_DROPS_CTRL_TOO_LONG]	= "ctrl_too_long",
	[OVL_A_DROPS_RX_QUEUE_FULL]	= "rx_queue_full",
	[OVL_A_DROPS_RX_PEER_BUDGET]	= "rx_peer_budget",
	[OVL_A_DROPS_TX_QUEUE_FULL]	= "tx_queue_full",
	[OVL_A_DROPS_CRYPT_QUEUE_FULL]	= "crypt_queue_full",
	[OVL_A_DROPS_DEV_DOWN]		= "dev_down",
	[OVL_A_DROPS_RX_KEY_EXPIRED]	= "rx_key_expired",
	[OVL_A_DROPS_TX_KEY_EXPIRED]	= "tx_key_expired",
	[OVL_A_DROPS_CTRL_RATE_LIMITED]	= "ctrl_rate_limited",
	[OVL_A_DROPS_BEACON_AUTH]	= "beacon_auth",
	[OVL_A_DROPS_PUNCH_TARGET]	= "punch_target",
	[OVL_A_DROPS_PUNCH_RATE]	= "punch_rate",
};

/**
 * struct dev_show - state of one "dev show"
 * @json: collects the devices for JSON output; NULL for text output
 * @count: devices printed so far as text
 */
struct dev_show {
	struct json_object *json;
	unsigned int count;
};

static int drops_parse(const struct nlattr *nest, uint64_t *drops)
{
	enum mnl_attr_data_type policy[OVL_A_DROPS_MAX + 1] = {};
	const struct nlattr *tb[OVL_A_DROPS_MAX + 1] = {};
	unsigned int i;

	for (i = 0; i <= OVL_A_DROPS_MAX; i++)
		if (drop_names[i])
			policy[i] = MNL_TYPE_U64;
	if (ovl_nl_parse_nested(nest, policy, OVL_A_DROPS_MAX, tb))
		return -1;
	for (i = 0; i <= OVL_A_DROPS_MAX; i++)
		if (drop_names[i] && tb[i])
			drops[i] = mnl_attr_get_u64(tb[i]);
	return 0;
}

static int ep_parse(const struct nlattr *nest, struct sockaddr_storage *ss)
{
	const struct nlattr *tb[OVL_A_EP_MAX + 1] = {};

	if (ovl_nl_parse_nested(nest, ep_policy, OVL_A_EP_MAX, tb))
		return -1;
	return ovl_nl_endpoint(tb[OVL_A_EP_IPV4], tb[OVL_A_EP_IPV6],
			       tb[OVL_A_EP_PORT], ss);
}

int dev_info_parse(const struct nlmsghdr *nlh, struct dev_info *dev)
{
	const struct nlattr *tb[OVL_A_DEV_MAX + 1] = {};
	const char *ifname;
	size_t i;

	memset(dev, 0, sizeof(*dev));
	if (ovl_nl_parse(nlh, dev_policy, OVL_A_DEV_MAX, tb))
		return -1;
	if (!tb[OVL_A_DEV_IFINDEX] || !tb[OVL_A_DEV_IFNAME])
		goto bad;
	ifname = mnl_attr_get_str(tb[OVL_A_DEV_IFNAME]);
	if (strlen(ifname) >= sizeof(dev->ifname))
		goto bad;
	strcpy(dev->ifname, ifname);
	dev->ifindex = mnl_attr_get_u32(tb[OVL_A_DEV_IFINDEX]);
	if (tb[OVL_A_DEV_NODE_ID])
		dev->node_id = mnl_attr_get_u32(tb[OVL_A_DEV_NODE_ID]);
	if (tb[OVL_A_DEV_LISTEN_PORT])
		dev->listen_port = mnl_attr_get_u16(tb[OVL_A_DEV_LISTEN_PORT]);
	if (tb[OVL_A_DEV_PEERS])
		dev->peers = mnl_attr_get_u32(tb[OVL_A_DEV_PEERS]);
	if (tb[OVL_A_DEV_DROPS] && drops_parse(tb[OVL_A_DEV_DROPS], dev->drops))
		goto bad;
	if (tb[OVL_A_DEV_BEACON] && ep_parse(tb[OVL_A_DEV_BEACON], &dev->beacon))
		goto bad;
	if (tb[OVL_A_DEV_PUBLIC_ENDPOINT] &&
	    ep_parse(tb[OVL_A_DEV_PUBLIC_ENDPOINT], &dev->public_ep))
		goto bad;
	for (i = 0; i < ARRAY_SIZE(thresholds); i++)
		if (tb[thresholds[i].attr])
			dev->cfg[thresholds[i].attr] =
				mnl_attr_get_u32(tb[thresholds[i].attr]);
	if (tb[OVL_A_DEV_RELAY_PEERS])
		dev->relay_peers = mnl_attr_get_u32(tb[OVL_A_DEV_RELAY_PEERS]);
	dev->beacon_auth = tb[OVL_A_DEV_BEACON_AUTH] != NULL;
	dev->has_relay = tb[OVL_A_DEV_BLACKHOLE_MS] != NULL;
	return 0;
bad:
	errno = EBADMSG;
	return -1;
}

/* A field that is 0 when unset: "(none)" as text, null in JSON. */
static void print_opt_u32(const char *label, uint32_t v)
{
	if (v)
		printf("  %s: %u\n", label, v);
	else
		printf("  %s: (none)\n", label);
}

static struct json_object *json_opt_u32(uint32_t v)
{
	return v ? json_object_new_int64(v) : NULL;
}

/* "drops: bad_tag 3, replay 1": the counters that are not 0. */
static void drops_print(const uint64_t *drops)
{
	const char *sep = "";
	unsigned int i;

	fputs("  drops:", stdout);
	for (i = 0; i <= OVL_A_DROPS_MAX; i++) {
		if (!drop_names[i] || !drops[i])
			continue;
		printf("%s %s %" PRIu64, sep, drop_names[i], drops[i]);
		sep = ",";
	}
	puts(*sep ? "" : " none");
}

void dev_print(const struct dev_info *dev)
{
	char buf[ADDR_STRLEN];
	const char *ep;
	size_t i;

	printf("%s:\n", dev->ifname);
	printf("  ifindex: %u\n", dev->ifindex);
	print_opt_u32("node id", dev->node_id);
	print_opt_u32("listen port", dev->listen_port);
	printf("  peers: %u\n", dev->peers);
	if (!dev->has_relay)
		goto drops;
	ep = endpoint_str(&dev->beacon, buf);
	printf("  beacon: %s%s\n", ep ? ep : "(none)",
	       dev->beacon_auth ? " (authenticated)" : "");
	ep = endpoint_str(&dev->public_ep, buf);
	printf("  public endpoint: %s\n", ep ? ep : "(unknown)");
	printf("  relayed peers: %u\n", dev->relay_peers);
	fputs("  path:", stdout);
	for (i = 0; i < ARRAY_SIZE(thresholds); i++)
		printf("%s %s %" PRIu32, i ? "," : "", thresholds[i].kw,
		       dev->cfg[thresholds[i].attr]);
	putchar('\n');
drops:
	drops_print(dev->drops);
}

static struct json_object *drops_json(const uint64_t *drops)
{
	struct json_object *obj = json_object_new_object();
	unsigned int i;

	if (!obj)
		return NULL;
	for (i = 0; i <= OVL_A_DROPS_MAX; i++)
		if (drop_names[i])
			json_object_object_add(obj, drop_names[i],
					       json_object_new_uint64(drops[i]));
	return obj;
}

/* "IP:PORT", or null. */
static struct json_object *json_endpoint(const struct sockaddr_storage *ss)
{
	char buf[ADDR_STRLEN];
	const char *ep = endpoint_str(ss, buf);

	return ep ? json_object_new_string(ep) : NULL;
}

struct json_object *dev_json(const struct dev_info *dev)
{
	struct json_object *obj = json_object_new_object();
	size_t i;

	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	json_object_object_add(obj, "ifname",
			       json_object_new_string(dev->ifname));
	json_object_object_add(obj, "ifindex",
			       json_object_new_int64(dev->ifindex));
	json_object_object_add(obj, "node_id", json_opt_u32(dev->node_id));
	json_object_object_add(obj, "listen_port",
			       json_opt_u32(dev->listen_port));
	json_object_object_add(obj, "peer_count",
			       json_object_new_int64(dev->peers));
	if (!dev->has_relay)
		goto drops;
	json_object_object_add(obj, "beacon", json_endpoint(&dev->beacon));
	json_object_object_add(obj, "beacon_auth",
			       json_object_new_boolean(dev->beacon_auth));
	json_object_object_add(obj, "public_endpoint",
			       json_endpoint(&dev->public_ep));
	json_object_object_add(obj, "relay_peers",
			       json_object_new_int64(dev->relay_peers));
	for (i = 0; i < ARRAY_SIZE(thresholds); i++)
		json_object_object_add(obj, thresholds[i].json,
				       json_object_new_int64(
					       dev->cfg[thresholds[i].attr]));
drops:
	json_object_object_add(obj, "drops", drops_json(dev->drops));
	return obj;
}

static int dev_json_add(struct json_object *arr, const struct dev_info *dev)
{
	struct json_object *obj = dev_json(dev);

	if (!obj)
		return -1;
	if (!json_object_array_add(arr, obj))
		return 0;
	json_object_put(obj);
	errno = ENOMEM;
	return -1;
}

static int dev_show_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dev_show *show = arg;
	struct dev_info dev;

	if (dev_info_parse(nlh, &dev))
		return MNL_CB_ERROR;
	if (show->json)
		return dev_json_add(show->json, &dev) ? MNL_CB_ERROR :
							MNL_CB_OK;
	if (show->count++)
		putchar('\n');
	dev_print(&dev);
	return MNL_CB_OK;
}

/* dev show [DEV]: one device, or a dump of all of them. */
struct nlmsghdr *dev_get_request(struct ovl_nl *nl, const char *ifname)
{
	struct nlmsghdr *nlh;

	nlh = ovl_nl_request(nl, OVL_CMD_DEV_GET, ifname ? 0 : NLM_F_DUMP);
	if (ifname)
		mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, ifname);
	return nlh;
}

static int dev_show(struct ovlctl *ctl, int argc, char **argv)
{
	const char *ifname = argc ? argv[0] : NULL;
	struct dev_show show = {};
	struct nlmsghdr *nlh;
	struct ovl_nl *nl;
	int err;

	if (argc > 1)
		return usage_err(ctl, "unexpected argument '%s'", argv[1]);
	if (ifname && arg_ifname(ifname))
		return EXIT_USAGE;

	nl = ovl_nl_open();
	if (!nl)
		return EXIT_FAILURE;
	if (ctl->json && !(show.json = json_object_new_array())) {
		pr_err("%s", strerror(ENOMEM));
		ovl_nl_close(nl);
		return EXIT_FAILURE;
	}
	nlh = dev_get_request(nl, ifname);
	err = ovl_nl_call(nl, nlh, dev_show_cb, &show, "dev show%s%s",
			  ifname ? " " : "", ifname ? ifname : "");
	ovl_nl_close(nl);

	if (!err && show.json)
		json_print(ifname ? json_object_array_get_idx(show.json, 0) :
				    show.json);
	json_object_put(show.json);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

/**
 * struct dev_set_req - the changes of one "dev set"
 * @ifname: the device
 * @node_id: new node id, if @set_node_id
 * @listen_port: new listen port, if @set_listen_port
 * @beacon: new beacon, if @set_beacon; family 0 for "none"
 * @beacon_keys: the beacon registration keys, if @set_beacon_keys
 * @cfg: new thresholds, for those set in @set_cfg (indexes of thresholds[])
 * @set_node_id: change the node id
 * @set_listen_port: change the listen port
 * @set_beacon: change the beacon
 * @set_beacon_keys: install beacon registration keys
 * @set_cfg: which thresholds change
 */
struct dev_set_req {
	const char *ifname;
	uint32_t node_id;
	uint32_t listen_port;
	struct sockaddr_storage beacon;
	unsigned char beacon_keys[OVL_BEACON_KEYS_LEN];
	uint32_t cfg[N_THRESHOLDS];
	bool set_node_id;
	bool set_listen_port;
	bool set_beacon;
	bool set_beacon_keys;
	bool set_cfg[N_THRESHOLDS];
};

static int dev_set_parse(const struct ovlctl *ctl, int argc, char **argv,
			 struct dev_set_req *req)
{
	enum { KW_NODE_ID, KW_LISTEN_PORT, KW_BEACON, KW_BEACON_KEYS, KW_CFG };
	struct ctl_kw kw[KW_CFG + N_THRESHOLDS] = {
		[KW_NODE_ID]		= { .name = "node-id" },
		[KW_LISTEN_PORT]	= { .name = "listen-port" },
		[KW_BEACON]		= { .name = "beacon" },
		[KW_BEACON_KEYS]	= { .name = "beacon-keys" },
	};
	const char *node_id, *port, *beacon, *keys;
	size_t keys_len;
	bool any = false;
	size_t i;

	for (i = 0; i < N_THRESHOLDS; i++)
		kw[KW_CFG + i].name = thresholds[i].kw;
	if (!argc)
		return usage_err(ctl, "missing device name");
	if (arg_ifname(argv[0]) ||
	    kw_parse(ctl, kw, ARRAY_SIZE(kw), argc - 1, argv + 1))
		return EXIT_USAGE;
	for (i = 0; i < ARRAY_SIZE(kw); i++)
		any |= kw[i].val != NULL;
	if (!any)
		return usage_err(ctl, "nothing to set: need node-id, listen-port, beacon, beacon-keys or a threshold");
	node_id = kw[KW_NODE_ID].val;
	port = kw[KW_LISTEN_PORT].val;
	beacon = kw[KW_BEACON].val;
	keys = kw[KW_BEACON_KEYS].val;
	if (node_id && arg_u32("node-id", node_id, 1, UINT32_MAX,
			       &req->node_id))
		return EXIT_USAGE;
	if (port && arg_u32("listen-port", port, 0, UINT16_MAX,
			    &req->listen_port))
		return EXIT_USAGE;
	if (beacon && strcmp(beacon, "none") &&
	    parse_endpoint(beacon, &req->beacon)) {
		pr_err("invalid beacon '%s': expected IPV4:PORT, [IPV6]:PORT or none",
		       beacon);
		return EXIT_USAGE;
	}
	if (keys && (sodium_hex2bin(req->beacon_keys, sizeof(req->beacon_keys),
				    keys, strlen(keys), NULL, &keys_len, NULL) ||
		     keys_len != sizeof(req->beacon_keys))) {
		pr_err("invalid beacon-keys: expected %zu bytes in hex",
		       sizeof(req->beacon_keys));
		return EXIT_USAGE;
	}
	for (i = 0; i < N_THRESHOLDS; i++) {
		if (!kw[KW_CFG + i].val)
			continue;
		if (arg_u32(thresholds[i].kw, kw[KW_CFG + i].val,
			    thresholds[i].min, thresholds[i].max, &req->cfg[i]))
			return EXIT_USAGE;
		req->set_cfg[i] = true;
	}
	req->ifname = argv[0];
	req->set_node_id = node_id != NULL;
	req->set_listen_port = port != NULL;
	req->set_beacon = beacon != NULL;
	req->set_beacon_keys = keys != NULL;
	return 0;
}

/* dev set DEV [node-id ID] [listen-port PORT] ...: all or nothing. */
static int dev_set(struct ovlctl *ctl, int argc, char **argv)
{
	struct dev_set_req req = {};
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct ovl_nl *nl;
	size_t i;
	int err;

	err = dev_set_parse(ctl, argc, argv, &req);
	if (err)
		return err;
	nl = ovl_nl_open();
	if (!nl)
		return EXIT_FAILURE;
	nlh = ovl_nl_request(nl, OVL_CMD_DEV_SET, 0);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, req.ifname);
	if (req.set_node_id)
		mnl_attr_put_u32(nlh, OVL_A_DEV_NODE_ID, req.node_id);
	if (req.set_listen_port)
		mnl_attr_put_u16(nlh, OVL_A_DEV_LISTEN_PORT, req.listen_port);
	if (req.set_beacon) {
		/* An empty nest removes the beacon. */
		nest = mnl_attr_nest_start(nlh, OVL_A_DEV_BEACON);
		ovl_nl_put_endpoint(nlh, OVL_A_EP_IPV4, OVL_A_EP_IPV6,
				    OVL_A_EP_PORT, &req.beacon);
		mnl_attr_nest_end(nlh, nest);
	}
	if (req.set_beacon_keys)
		mnl_attr_put(nlh, OVL_A_DEV_BEACON_KEYS, sizeof(req.beacon_keys),
			     req.beacon_keys);
	for (i = 0; i < N_THRESHOLDS; i++)
		if (req.set_cfg[i])
			mnl_attr_put_u32(nlh, thresholds[i].attr, req.cfg[i]);
	err = ovl_nl_call(nl, nlh, NULL, NULL, "dev set %s", req.ifname);
	sodium_memzero(&req, sizeof(req));
	ovl_nl_close(nl);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

static const struct ctl_cmd dev_cmds[] = {
	{ "show",	"[DEV]",				dev_show },
	{ "set",	"DEV [node-id ID] [listen-port PORT] "
			"[beacon IP:PORT|none] [beacon-keys HEX] [blackhole-ms MS] "
			"[blackhole-misses N] [direct-clears N] [send-errors N] "
			"[max-relay-peers N] [probe-interval-ms MS]",	dev_set },
	{}
};

const struct ctl_object dev_object = {
	.name	= "dev",
	.cmds	= dev_cmds,
};
