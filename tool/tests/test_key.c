// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of "ovlctl key" (key.c) against the fake kernel: the
 * requests of key set, swap and del, decoded; the checks of base64 keys;
 * key generate.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../key.c"
#include "harness.h"

/* 32 bytes 0x00..0x1f and 0x20..0x3f, in standard base64. */
#define KEY_A	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_B	"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

/* The key nest of request @i, which must be @cmd for ovl0. */
static void req_key(unsigned int i, uint8_t cmd, const struct nlattr **tb)
{
	const struct nlattr *top[OVL_A_DEV_MAX + 1];

	assert_int_equal(fake_req_genl(i)->cmd, cmd);
	assert_int_equal(fake_req(i)->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	decode(fake_req(i), top, OVL_A_DEV_MAX);
	assert_string_equal(mnl_attr_get_str(top[OVL_A_DEV_IFNAME]), "ovl0");
	assert_null(top[OVL_A_DEV_PEER]);
	decode_nested(top[OVL_A_DEV_KEY], tb, OVL_A_KEY_MAX, 0, NULL, 0, NULL);
}

static void expect_key(const struct nlattr *attr, uint8_t first)
{
	const uint8_t *key = mnl_attr_get_payload(attr);
	unsigned int i;

	assert_int_equal(mnl_attr_get_payload_len(attr), OVL_KEY_LEN);
	for (i = 0; i < OVL_KEY_LEN; i++)
		assert_int_equal(key[i], first + i);
}

static void test_set_default_slot(void **state)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1];

	(void)state;
	assert_int_equal(run("key", "set", "ovl0", "42", "id", "1",
			     "tx-key", KEY_A, "rx-key", KEY_B, NULL), 0);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err, "");
	assert_int_equal(fake_nreqs(), 1);
	req_key(0, OVL_CMD_KEY_NEW, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_NODE_ID]), 42);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_KEY_SLOT]), 4);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]),
			 OVL_KEY_SLOT_PRIMARY);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_KEY_ID]), 1);
	assert_int_equal(mnl_attr_get_u8(tb[OVL_A_KEY_ID]), 1);
	expect_key(tb[OVL_A_KEY_TX_KEY], 0x00);
	expect_key(tb[OVL_A_KEY_RX_KEY], 0x20);
	assert_null(tb[OVL_A_KEY_TX_COUNTER]);
	assert_null(tb[OVL_A_KEY_REASON]);
	/* Manual keys have no lifetime and wait for no promotion. */
	assert_null(tb[OVL_A_KEY_LIFETIME]);
	assert_null(tb[OVL_A_KEY_PROMOTE]);
}

/* A handshake's keys, as the daemon or a test installs them. */
static void test_set_lifetime_promote(void **state)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1];

	(void)state;
	assert_int_equal(run("key", "set", "ovl0", "42", "lifetime", "180",
			     "id", "3", "tx-key", KEY_A, "rx-key", KEY_B,
			     NULL), 0);
	assert_string_equal(run_err, "");
	req_key(0, OVL_CMD_KEY_NEW, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]),
			 OVL_KEY_SLOT_PRIMARY);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_KEY_LIFETIME]), 4);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_LIFETIME]), 180);
	assert_null(tb[OVL_A_KEY_PROMOTE]);

	/* The responder's keys: secondary, promoted on first use. */
	assert_int_equal(run("key", "set", "ovl0", "42", "slot", "secondary",
			     "id", "4", "tx-key", KEY_A, "rx-key", KEY_B,
			     "promote", "lifetime", "86400", NULL), 0);
	assert_string_equal(run_err, "");
	req_key(1, OVL_CMD_KEY_NEW, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]),
			 OVL_KEY_SLOT_SECONDARY);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_LIFETIME]), 86400);
	assert_non_null(tb[OVL_A_KEY_PROMOTE]);
	assert_int_equal(mnl_attr_get_payload_len(tb[OVL_A_KEY_PROMOTE]), 0);

	/* Promote without a lifetime is the kernel's business: allowed. */
	assert_int_equal(run("key", "set", "ovl0", "42", "promote", "slot",
			     "secondary", "id", "5", "tx-key", KEY_A,
			     "rx-key", KEY_B, NULL), 0);
	req_key(2, OVL_CMD_KEY_NEW, tb);
	assert_non_null(tb[OVL_A_KEY_PROMOTE]);
	assert_null(tb[OVL_A_KEY_LIFETIME]);
	assert_int_equal(fake_nreqs(), 3);
}

static void test_set_secondary(void **state)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1];

	(void)state;
	/* Keywords in any order; tx and rx swapped, as on the other side. */
	assert_int_equal(run("key", "set", "ovl0", "4294967295",
			     "rx-key", KEY_A, "tx-key", KEY_B, "id", "255",
			     "slot", "secondary", NULL), 0);
	req_key(0, OVL_CMD_KEY_NEW, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_NODE_ID]), UINT32_MAX);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]),
			 OVL_KEY_SLOT_SECONDARY);
	assert_int_equal(mnl_attr_get_u8(tb[OVL_A_KEY_ID]), 255);
	expect_key(tb[OVL_A_KEY_TX_KEY], 0x20);
	expect_key(tb[OVL_A_KEY_RX_KEY], 0x00);

	assert_int_equal(run("key", "set", "ovl0", "1", "slot", "primary",
			     "id", "0", "tx-key", KEY_A, "rx-key", KEY_B, NULL),
			 0);
	req_key(1, OVL_CMD_KEY_NEW, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]),
			 OVL_KEY_SLOT_PRIMARY);
	assert_int_equal(mnl_attr_get_u8(tb[OVL_A_KEY_ID]), 0);
}

static void test_swap(void **state)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1];
	unsigned int i;

	(void)state;
	assert_int_equal(run("key", "swap", "ovl0", "42", NULL), 0);
	req_key(0, OVL_CMD_KEY_SWAP, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_NODE_ID]), 42);
	for (i = OVL_A_KEY_NODE_ID + 1; i <= OVL_A_KEY_MAX; i++)
		assert_null(tb[i]);
}

static void test_del(void **state)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1];
	unsigned int i;

	(void)state;
	assert_int_equal(run("key", "del", "ovl0", "42", NULL), 0);
	req_key(0, OVL_CMD_KEY_DEL, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_NODE_ID]), 42);
	for (i = OVL_A_KEY_NODE_ID + 1; i <= OVL_A_KEY_MAX; i++)
		assert_null(tb[i]);

	assert_int_equal(run("key", "del", "ovl0", "42", "slot", "secondary",
			     NULL), 0);
	req_key(1, OVL_CMD_KEY_DEL, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]),
			 OVL_KEY_SLOT_SECONDARY);
	assert_null(tb[OVL_A_KEY_ID]);
	assert_null(tb[OVL_A_KEY_TX_KEY]);

	assert_int_equal(run("key", "del", "ovl0", "42", "slot", "primary",
			     NULL), 0);
	req_key(2, OVL_CMD_KEY_DEL, tb);
	assert_int_equal(mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]),
			 OVL_KEY_SLOT_PRIMARY);
}

static void test_kernel_error(void **state)
{
	(void)state;
	fake_answer();
	fake_answer_error(-ENOENT, "no such peer");
	assert_int_equal(run("key", "set", "ovl0", "42", "id", "1",
			     "tx-key", KEY_A, "rx-key", KEY_B, NULL), 1);
	assert_string_equal(run_err, "ovlctl: key set ovl0 42: No such file "
				     "or directory: no such peer\n");
	fake_answer();
	fake_answer_error(-ENOKEY, "no secondary key");
	assert_int_equal(run("key", "swap", "ovl0", "42", NULL), 1);
	assert_string_equal(run_err, "ovlctl: key swap ovl0 42: Required key "
				     "not available: no secondary key\n");
}

/* Bad keys are refused, without echoing them, before anything is sent. */
static void test_bad_keys(void **state)
{
	static const struct {
		const char *key;
		const char *err;
	} cases[] = {
		/* 16 bytes */
		{ "AAECAwQFBgcICQoLDA0ODw==",
		  "ovlctl: invalid tx-key: 16 bytes, expected 32\n" },
		/* 31 bytes */
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
		  "ovlctl: invalid tx-key: 31 bytes, expected 32\n" },
		/* 33 bytes */
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
		  "ovlctl: invalid tx-key: 33 bytes, expected 32\n" },
		/* 64 bytes */
		{ KEY_A KEY_A, "ovlctl: invalid tx-key: not base64 (expected "
		  "32 bytes in standard base64 with padding)\n" },
		{ "", "ovlctl: invalid tx-key: 0 bytes, expected 32\n" },
		/* no padding */
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
		  "ovlctl: invalid tx-key: not base64 (expected 32 bytes in "
		  "standard base64 with padding)\n" },
		/* URL-safe alphabet */
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-h_=",
		  "ovlctl: invalid tx-key: not base64 (expected 32 bytes in "
		  "standard base64 with padding)\n" },
		{ "!AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		  "ovlctl: invalid tx-key: not base64 (expected 32 bytes in "
		  "standard base64 with padding)\n" },
		{ " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		  "ovlctl: invalid tx-key: not base64 (expected 32 bytes in "
		  "standard base64 with padding)\n" },
		/* non-zero bits after the last byte */
		{ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
		  "ovlctl: invalid tx-key: not base64 (expected 32 bytes in "
		  "standard base64 with padding)\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(run("key", "set", "ovl0", "1", "id", "1",
				     "tx-key", cases[i].key, "rx-key", KEY_B,
				     NULL), 2);
		assert_string_equal(run_err, cases[i].err);
	}
	assert_int_equal(run("key", "set", "ovl0", "1", "id", "1",
			     "tx-key", KEY_A, "rx-key", "AAAA", NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid rx-key: 3 bytes, "
				     "expected 32\n");
	assert_int_equal(run("key", "set", "ovl0", "1", "id", "1",
			     "tx-key", KEY_A, "rx-key", KEY_A, NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid keys: tx-key and rx-key "
				     "must differ\n");
	assert_int_equal(fake_nreqs(), 0);
}

static void test_bad_values(void **state)
{
	(void)state;
	assert_int_equal(run("key", "set", "ovl0", "1", "id", "256",
			     "tx-key", KEY_A, "rx-key", KEY_B, NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid id '256': expected 0..255\n");
	assert_int_equal(run("key", "set", "ovl0", "1", "slot", "third",
			     "id", "1", "tx-key", KEY_A, "rx-key", KEY_B, NULL),
			 2);
	assert_string_equal(run_err, "ovlctl: invalid slot 'third': expected "
				     "primary or secondary\n");
	assert_int_equal(run("key", "del", "ovl0", "1", "slot", "0", NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid slot '0': expected "
				     "primary or secondary\n");
	assert_int_equal(run("key", "set", "ovl0", "1", "id", "1",
			     "tx-key", KEY_A, NULL), 2);
	assert_string_equal(run_err, "ovlctl: key set: missing 'rx-key'\n"
			    "Usage: ovlctl key set DEV NODEID [slot primary|secondary] "
			    "id KEYID tx-key B64 rx-key B64 [lifetime SECONDS] "
			    "[promote]\n");
	assert_int_equal(fake_nreqs(), 0);
}

static void test_generate(void **state)
{
	uint8_t key[OVL_KEY_LEN + 1];
	char first[64];
	size_t len;

	(void)state;
	assert_int_equal(run("key", "generate", NULL), 0);
	assert_string_equal(run_err, "");
	assert_int_equal(strlen(run_out), 45);
	assert_int_equal(run_out[44], '\n');
	assert_int_equal(sodium_base642bin(key, sizeof(key), run_out, 44, NULL,
					   &len, NULL, KEY_B64_VARIANT), 0);
	assert_int_equal(len, OVL_KEY_LEN);
	strcpy(first, run_out);
	assert_int_equal(run("-j", "key", "generate", NULL), 0);
	assert_int_equal(strlen(run_out), 45);
	assert_string_not_equal(run_out, first);
	assert_int_equal(fake_nreqs(), 0);

	assert_int_equal(run("key", "generate", "x", NULL), 2);
	assert_string_equal(run_err, "ovlctl: key generate: unexpected "
				     "argument 'x'\nUsage: ovlctl key generate\n");
}

/* A generated key is accepted by key set. */
static void test_generate_set(void **state)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1];
	char tx[64], rx[64];
	uint8_t key[OVL_KEY_LEN];
	size_t len;

	(void)state;
	assert_int_equal(run("key", "generate", NULL), 0);
	snprintf(tx, sizeof(tx), "%.44s", run_out);
	assert_int_equal(run("key", "generate", NULL), 0);
	snprintf(rx, sizeof(rx), "%.44s", run_out);
	assert_int_equal(run("key", "set", "ovl0", "2", "id", "7",
			     "tx-key", tx, "rx-key", rx, NULL), 0);
	req_key(0, OVL_CMD_KEY_NEW, tb);
	assert_int_equal(sodium_base642bin(key, sizeof(key), tx, 44, NULL,
					   &len, NULL, KEY_B64_VARIANT), 0);
	assert_memory_equal(mnl_attr_get_payload(tb[OVL_A_KEY_TX_KEY]), key,
			    OVL_KEY_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_set_default_slot, setup),
		cmocka_unit_test_setup(test_set_secondary, setup),
		cmocka_unit_test_setup(test_set_lifetime_promote, setup),
		cmocka_unit_test_setup(test_swap, setup),
		cmocka_unit_test_setup(test_del, setup),
		cmocka_unit_test_setup(test_kernel_error, setup),
		cmocka_unit_test_setup(test_bad_keys, setup),
		cmocka_unit_test_setup(test_bad_values, setup),
		cmocka_unit_test_setup(test_generate, setup),
		cmocka_unit_test_setup(test_generate_set, setup),
	};
	int ret;

	ret = cmocka_run_group_tests_name("key", tests, NULL, NULL);
	fake_reset();		/* frees the last output */
	return ret;
}
