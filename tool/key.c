// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl key": install, swap and delete a peer's session keys by hand,
 * and generate random keys.  Key material only ever goes to the kernel:
 * it is never printed, except by "key generate", and wiped after use.
 */

#include <errno.h>
#include <inttypes.h>
#include <linux/ovl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "ovlctl.h"

#define KEY_B64_VARIANT	sodium_base64_VARIANT_ORIGINAL

/**
 * struct key_req - a parsed "key" command line
 * @ifname: the device
 * @node_id: the peer
 * @slot: &enum ovl_key_slot, if @has_slot
 * @id: key id ("key set")
 * @tx_key: key for sending ("key set")
 * @rx_key: key for receiving ("key set")
 * @lifetime: seconds the key works after it is installed, 0 for ever
 *	("key set")
 * @has_slot: a slot was given, or is implied ("key set": primary)
 * @has_keys: @id, @tx_key and @rx_key are set ("key set")
 * @promote: the kernel swaps the (secondary) key in when the peer first
 *	uses it ("key set")
 */
struct key_req {
	const char *ifname;
	uint32_t node_id;
	uint32_t slot;
	uint32_t id;
	uint8_t tx_key[OVL_KEY_LEN];
	uint8_t rx_key[OVL_KEY_LEN];
	uint32_t lifetime;
	bool has_slot;
	bool has_keys;
	bool promote;
};

static void key_req_wipe(struct key_req *req)
{
	sodium_memzero(req, sizeof(*req));
}

static int slot_parse(const char *arg, uint32_t *slot)
{
	if (!strcmp(arg, "primary")) {
		*slot = OVL_KEY_SLOT_PRIMARY;
	} else if (!strcmp(arg, "secondary")) {
		*slot = OVL_KEY_SLOT_SECONDARY;
	} else {
		pr_err("invalid slot '%s': expected primary or secondary", arg);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * Decode @arg, the value of @name: standard base64 with padding of exactly
 * OVL_KEY_LEN bytes.  The value is not echoed in errors: it may be a good
 * key with a typo.  Returns 0 or EXIT_USAGE (EXIT_FAILURE if out of
 * memory).
 */
static int key_decode(const char *name, const char *arg, uint8_t *key)
{
	size_t len = strlen(arg), max = len / 4 * 3 + 3, n;
	uint8_t *buf = malloc(max);
	int err = 0;

	if (!buf) {
		pr_err("%s", strerror(ENOMEM));
		return EXIT_FAILURE;
	}
	if (sodium_base642bin(buf, max, arg, len, NULL, &n, NULL,
			      KEY_B64_VARIANT)) {
		pr_err("invalid %s: not base64 (expected %d bytes in standard base64 with padding)",
		       name, OVL_KEY_LEN);
		err = EXIT_USAGE;
	} else if (n != OVL_KEY_LEN) {
		pr_err("invalid %s: %zu bytes, expected %d", name, n,
		       OVL_KEY_LEN);
		err = EXIT_USAGE;
	} else {
		memcpy(key, buf, OVL_KEY_LEN);
	}
	sodium_memzero(buf, max);
	free(buf);
	return err;
}

/*
 * "DEV NODEID [slot primary|secondary] id KEYID tx-key B64 rx-key B64
 * [lifetime SECONDS] [promote]"
 */
static int key_set_parse(const struct ovlctl *ctl, int argc, char **argv,
			 struct key_req *req)
{
	enum { KW_ID, KW_TX_KEY, KW_RX_KEY, KW_SLOT, KW_LIFETIME, KW_PROMOTE };
	struct ctl_kw kw[] = {
		[KW_ID]		= { .name = "id" },
		[KW_TX_KEY]	= { .name = "tx-key" },
		[KW_RX_KEY]	= { .name = "rx-key" },
		[KW_SLOT]	= { .name = "slot" },
		[KW_LIFETIME]	= { .name = "lifetime" },
		[KW_PROMOTE]	= { .name = "promote", .flag = true },
	};
	size_t i;
	int err;

	if (arg_dev_node(ctl, argc, argv, &req->node_id) ||
	    kw_parse(ctl, kw, ARRAY_SIZE(kw), argc - 2, argv + 2))
		return EXIT_USAGE;
	req->ifname = argv[0];
	for (i = KW_ID; i <= KW_RX_KEY; i++)
		if (!kw[i].val)
			return usage_err(ctl, "missing '%s'", kw[i].name);
	req->has_slot = true;
	req->slot = OVL_KEY_SLOT_PRIMARY;
	if (kw[KW_SLOT].val && slot_parse(kw[KW_SLOT].val, &req->slot))
		return EXIT_USAGE;
	if (arg_u32("id", kw[KW_ID].val, 0, UINT8_MAX, &req->id))
		return EXIT_USAGE;
	/* The kernel's limit, a day (docs/netlink/specs/ovl.yaml). */
	if (kw[KW_LIFETIME].val &&
	    arg_u32("lifetime", kw[KW_LIFETIME].val, 1, 86400, &req->lifetime))
		return EXIT_USAGE;
	req->promote = kw[KW_PROMOTE].val != NULL;
	if (req->promote && req->slot != OVL_KEY_SLOT_SECONDARY)
		return usage_err(ctl, "'promote' needs 'slot secondary'");
	err = key_decode("tx-key", kw[KW_TX_KEY].val, req->tx_key);
	if (!err)
		err = key_decode("rx-key", kw[KW_RX_KEY].val, req->rx_key);
	if (err)
		return err;
	/* Both sides would encrypt under one key with the same nonces. */
	if (!sodium_memcmp(req->tx_key, req->rx_key, OVL_KEY_LEN)) {
		pr_err("invalid keys: tx-key and rx-key must differ");
		return EXIT_USAGE;
	}
	req->has_keys = true;
	return 0;
}

/* The attributes of OVL_CMD_KEY_NEW, OVL_CMD_KEY_SWAP, OVL_CMD_KEY_DEL. */
static void key_put(struct nlmsghdr *nlh, const struct key_req *req)
{
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, req->ifname);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_KEY);
	mnl_attr_put_u32(nlh, OVL_A_KEY_NODE_ID, req->node_id);
	if (req->has_slot)
		mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, req->slot);
	if (req->has_keys) {
		mnl_attr_put_u8(nlh, OVL_A_KEY_ID, req->id);
		mnl_attr_put(nlh, OVL_A_KEY_TX_KEY, OVL_KEY_LEN, req->tx_key);
		mnl_attr_put(nlh, OVL_A_KEY_RX_KEY, OVL_KEY_LEN, req->rx_key);
		if (req->lifetime)
			mnl_attr_put_u32(nlh, OVL_A_KEY_LIFETIME, req->lifetime);
		if (req->promote)
			mnl_attr_put(nlh, OVL_A_KEY_PROMOTE, 0, NULL);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* Send @cmd for @req and wait for the ACK.  Returns an exit status. */
static int key_call(const struct ovlctl *ctl, uint8_t cmd,
		    const struct key_req *req)
{
	struct nlmsghdr *nlh;
	struct ovl_nl *nl;
	int err;

	nl = ovl_nl_open();
	if (!nl)
		return EXIT_FAILURE;
	nlh = ovl_nl_request(nl, cmd, 0);
	key_put(nlh, req);
	err = ovl_nl_call(nl, nlh, NULL, NULL, "key %s %s %" PRIu32,
			  ctl->cmd->name, req->ifname, req->node_id);
	ovl_nl_close(nl);		/* wipes the request */
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * key set DEV NODEID [slot SLOT] id KEYID tx-key B64 rx-key B64
 * [lifetime SECONDS] [promote]
 */
static int key_set(struct ovlctl *ctl, int argc, char **argv)
{
	struct key_req req = {};
	int err;

	err = key_set_parse(ctl, argc, argv, &req);
	if (!err)
		err = key_call(ctl, OVL_CMD_KEY_NEW, &req);
	key_req_wipe(&req);
	return err;
}

/* key swap DEV NODEID */
static int key_swap(struct ovlctl *ctl, int argc, char **argv)
{
	struct key_req req = { .ifname = argc ? argv[0] : NULL };

	if (arg_dev_node(ctl, argc, argv, &req.node_id))
		return EXIT_USAGE;
	if (argc > 2)
		return usage_err(ctl, "unexpected argument '%s'", argv[2]);
	return key_call(ctl, OVL_CMD_KEY_SWAP, &req);
}

/* key del DEV NODEID [slot primary|secondary]: one slot, or both. */
static int key_del(struct ovlctl *ctl, int argc, char **argv)
{
	struct ctl_kw kw[] = { { .name = "slot" } };
	struct key_req req = { .ifname = argc ? argv[0] : NULL };

	if (arg_dev_node(ctl, argc, argv, &req.node_id) ||
	    kw_parse(ctl, kw, ARRAY_SIZE(kw), argc - 2, argv + 2))
		return EXIT_USAGE;
	if (kw[0].val) {
		if (slot_parse(kw[0].val, &req.slot))
			return EXIT_USAGE;
		req.has_slot = true;
	}
	return key_call(ctl, OVL_CMD_KEY_DEL, &req);
}

/* key generate: a random key in base64, like "wg genkey". */
static int key_generate(struct ovlctl *ctl, int argc, char **argv)
{
	char b64[sodium_base64_ENCODED_LEN(OVL_KEY_LEN, KEY_B64_VARIANT)];
	uint8_t key[OVL_KEY_LEN];

	if (argc)
		return usage_err(ctl, "unexpected argument '%s'", argv[0]);
	if (sodium_init() < 0) {
		pr_err("key generate: cannot initialize libsodium");
		return EXIT_FAILURE;
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), KEY_B64_VARIANT);
	puts(b64);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(b64, sizeof(b64));
	return EXIT_SUCCESS;
}

static const struct ctl_cmd key_cmds[] = {
	{ "set",	"DEV NODEID [slot primary|secondary] id KEYID "
			"tx-key B64 rx-key B64 [lifetime SECONDS] [promote]",
									key_set },
	{ "swap",	"DEV NODEID",					key_swap },
	{ "del",	"DEV NODEID [slot primary|secondary]",		key_del },
	{ "generate",	"",						key_generate },
	{}
};

const struct ctl_object key_object = {
	.name	= "key",
	.cmds	= key_cmds,
};
