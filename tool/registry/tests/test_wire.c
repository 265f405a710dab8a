// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the registry's wire formats (wire.c): the exact bytes a
 * signature covers (docs/registry.md "Signed requests"), that changing
 * any part of a request breaks its signature, a session's MAC and sealed
 * key (docs/registry.md "Sessions"), and the request parsers' bounds and
 * canonical forms.  cmocka, under ASan and UBSan.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../wire.h"

static void test_sig_message(void **state)
{
	static const char want[] =
		"ovl-registry-v1\nPOST\n/v1/nodes?since=4\n1796143052\n"
		"0123456789abcdef\n{\"a\": 1}";
	size_t len;
	uint8_t *m;

	(void)state;
	m = reg_sig_message("POST", "/v1/nodes?since=4", 1796143052,
			    "0123456789abcdef", "{\"a\": 1}", 8, &len);
	assert_non_null(m);
	assert_int_equal(len, sizeof(want) - 1);
	assert_memory_equal(m, want, len);
	free(m);
	/* No body: the message ends with the nonce's newline. */
	m = reg_sig_message("GET", "/v1/beacons", 5, "0123456789abcdef", NULL,
			    0, &len);
	assert_non_null(m);
	assert_int_equal(len, strlen("ovl-registry-v1\nGET\n/v1/beacons\n5\n"
				     "0123456789abcdef\n"));
	free(m);
}

static void test_sign_verify(void **state)
{
	const char *nonce = "nonce-0123456789", *body = "{\"endpoints\": []}";
	char sig[REG_SIG_B64_LEN + 1], bad[REG_SIG_B64_LEN + 1];
	struct identity id, other;
	size_t len = strlen(body);

	(void)state;
	assert_int_equal(identity_generate(&id), 0);
	assert_int_equal(identity_generate(&other), 0);
	assert_int_equal(reg_sign(&id, "POST", "/v1/register", 100, nonce,
				  body, len, sig), 0);
	assert_int_equal(strlen(sig), REG_SIG_B64_LEN);
	assert_int_equal(reg_verify(id.pk, "POST", "/v1/register", 100, nonce,
				    body, len, sig), 0);
	/* Any part changed, or another key: refused. */
	assert_int_equal(reg_verify(other.pk, "POST", "/v1/register", 100,
				    nonce, body, len, sig), -1);
	assert_int_equal(reg_verify(id.pk, "GET", "/v1/register", 100, nonce,
				    body, len, sig), -1);
	assert_int_equal(reg_verify(id.pk, "POST", "/v1/register?x", 100,
				    nonce, body, len, sig), -1);
	assert_int_equal(reg_verify(id.pk, "POST", "/v1/register", 101, nonce,
				    body, len, sig), -1);
	assert_int_equal(reg_verify(id.pk, "POST", "/v1/register", 100,
				    "nonce-0123456780", body, len, sig), -1);
	assert_int_equal(reg_verify(id.pk, "POST", "/v1/register", 100, nonce,
				    body, len - 1, sig), -1);
	strcpy(bad, sig);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(reg_verify(id.pk, "POST", "/v1/register", 100, nonce,
				    body, len, bad), -1);
	assert_int_equal(reg_verify(id.pk, "POST", "/v1/register", 100, nonce,
				    body, len, "short"), -1);
	identity_wipe(&id);
	identity_wipe(&other);
}

/* The MAC is the keyed BLAKE2b of the signature's bytes, counter as nonce. */
static void test_session_mac(void **state)
{
	uint8_t key[REG_SESSION_KEY_LEN], other[REG_SESSION_KEY_LEN];
	uint8_t want[REG_MAC_LEN], *m;
	char mac[REG_MAC_B64_LEN + 1], b64[REG_MAC_B64_LEN + 1];
	const char *t = "/v1/nodes?since=7";
	size_t len;

	(void)state;
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	assert_int_equal(reg_mac(key, "GET", t, 100, 42, "", 0, mac), 0);
	assert_int_equal(strlen(mac), REG_MAC_B64_LEN);
	m = reg_sig_message("GET", t, 100, "42", "", 0, &len);
	assert_non_null(m);
	crypto_generichash(want, sizeof(want), m, len, key, sizeof(key));
	free(m);
	sodium_bin2base64(b64, sizeof(b64), want, sizeof(want),
			  sodium_base64_VARIANT_ORIGINAL);
	assert_string_equal(mac, b64);
	assert_int_equal(reg_mac_verify(key, "GET", t, 100, 42, "", 0, mac), 0);
	/* Any part changed, or another key: refused. */
	assert_int_equal(reg_mac_verify(other, "GET", t, 100, 42, "", 0, mac),
			 -1);
	assert_int_equal(reg_mac_verify(key, "POST", t, 100, 42, "", 0, mac),
			 -1);
	assert_int_equal(reg_mac_verify(key, "GET", "/v1/nodes?since=8", 100,
					42, "", 0, mac), -1);
	assert_int_equal(reg_mac_verify(key, "GET", t, 101, 42, "", 0, mac),
			 -1);
	assert_int_equal(reg_mac_verify(key, "GET", t, 100, 43, "", 0, mac),
			 -1);
	assert_int_equal(reg_mac_verify(key, "GET", t, 100, 42, "x", 1, mac),
			 -1);
	assert_int_equal(reg_mac_verify(key, "GET", t, 100, 42, "", 0, "AAAA"),
			 -1);
	assert_true(reg_session_id_valid("0123456789abcdef0123456789abcdef"));
	assert_false(reg_session_id_valid("0123456789ABCDEF0123456789abcdef"));
	assert_false(reg_session_id_valid("0123456789abcdef0123456789abcde"));
	assert_false(reg_session_id_valid("0123456789abcdef0123456789abcdef0"));
	assert_false(reg_session_id_valid(""));
}

/* Sealed to the identity: opened by it, by no other. */
static void test_session_seal(void **state)
{
	uint8_t key[REG_SESSION_KEY_LEN], got[REG_SESSION_KEY_LEN];
	uint8_t sealed[REG_SESSION_SEALED_LEN];
	char b64[REG_SESSION_SEALED_B64 + 1], body[512];
	struct identity id, other;
	struct reg_session rs;
	const char *why;

	(void)state;
	assert_int_equal(identity_generate(&id), 0);
	assert_int_equal(identity_generate(&other), 0);
	randombytes_buf(key, sizeof(key));
	assert_int_equal(reg_session_seal(id.pk, key, sealed), 0);
	assert_int_equal(reg_session_unseal(&id, sealed, got), 0);
	assert_memory_equal(got, key, sizeof(key));
	assert_int_equal(reg_session_unseal(&other, sealed, got), -1);
	/* The answer to POST /v1/session. */
	sodium_bin2base64(b64, sizeof(b64), sealed, sizeof(sealed),
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(body, sizeof(body), "{\"session\": \"%s\", \"key\": \"%s\", "
		 "\"expires_at\": 99, \"ttl\": 3600}",
		 "00112233445566778899aabbccddeeff", b64);
	assert_int_equal(reg_parse_session_resp(body, strlen(body), &rs, &why),
			 0);
	assert_string_equal(rs.id, "00112233445566778899aabbccddeeff");
	assert_memory_equal(rs.sealed, sealed, sizeof(sealed));
	assert_int_equal(rs.expires_at, 99);
	assert_int_equal(rs.ttl, 3600);
	snprintf(body, sizeof(body), "{\"session\": \"%s\", \"key\": \"%s\", "
		 "\"expires_at\": 99, \"ttl\": 3600}", "xyz", b64);
	assert_int_equal(reg_parse_session_resp(body, strlen(body), &rs, &why),
			 -1);
	snprintf(body, sizeof(body), "{\"session\": \"%s\", \"key\": \"AAAA\", "
		 "\"expires_at\": 99, \"ttl\": 3600}",
		 "00112233445566778899aabbccddeeff");
	assert_int_equal(reg_parse_session_resp(body, strlen(body), &rs, &why),
			 -1);
	/* The request: {} or nothing. */
	assert_int_equal(reg_parse_session_req("", 0, &why), 0);
	assert_int_equal(reg_parse_session_req("{}", 2, &why), 0);
	assert_int_equal(reg_parse_session_req("[]", 2, &why), -1);
	identity_wipe(&id);
	identity_wipe(&other);
}

static void test_nonce(void **state)
{
	char n[33];

	(void)state;
	reg_nonce_new(n);
	assert_true(reg_nonce_valid(n));
	assert_true(reg_nonce_valid("abcdefghijklmno_"));
	assert_false(reg_nonce_valid("abcdefghijklmno"));	/* 15 */
	assert_false(reg_nonce_valid("abcdefghijklmno!"));
	assert_false(reg_nonce_valid("abcdefghijklmno\n"));
	assert_true(reg_nonce_valid("0123456789012345678901234567890123456789"
				    "012345678901234567890123"));	/* 64 */
	assert_false(reg_nonce_valid("0123456789012345678901234567890123456789"
				     "0123456789012345678901234"));	/* 65 */
}

static void test_beacon_addr(void **state)
{
	static const char *const good[] = {
		"198.51.100.9:3478", "[2001:db8::1]:3478", "beacon.example:1",
		"b-1.example.net:65535", "localhost:3478",
	};
	static const char *const bad[] = {
		"198.51.100.9", "198.51.100.9:0", "198.51.100.9:65536",
		"host:port", "[2001:db8::1]", "2001:db8::1:3478", ":3478",
		"-host:1", "ho st:1", "host:1:2", "[host]:1", "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(reg_beacon_addr_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(reg_beacon_addr_valid(bad[i]));
}

#define PARSE_REG(s, r, why) reg_parse_register(s, strlen(s), r, why)

static void test_parse_register(void **state)
{
	struct reg_register_req r;
	const char *why = NULL;

	(void)state;
	assert_int_equal(PARSE_REG("{\"endpoints\": [\"192.0.2.1:5\", "
				   "\"[2001:DB8:0::1]:6\"], \"relay_only\": "
				   "true, \"future\": {}}", &r, &why), 0);
	assert_int_equal(r.n_endpoints, 2);
	assert_string_equal(r.endpoints[0], "192.0.2.1:5");
	assert_string_equal(r.endpoints[1], "[2001:db8::1]:6");	/* canonical */
	assert_true(r.relay_only);
	assert_int_equal(PARSE_REG(" {\"endpoints\": []}\n", &r, &why), 0);
	assert_int_equal(r.n_endpoints, 0);
	assert_false(r.relay_only);
	/* Refusals say why. */
	why = NULL;
	assert_int_equal(PARSE_REG("{\"endpoints\": []} {}", &r, &why), -1);
	assert_string_equal(why, "trailing bytes after the JSON value");
	assert_int_equal(PARSE_REG("{\"endpoints\": [", &r, &why), -1);
	assert_string_equal(why, "malformed JSON");
	assert_int_equal(PARSE_REG("[]", &r, &why), -1);
	assert_string_equal(why, "body is not a JSON object");
	assert_int_equal(PARSE_REG("{}", &r, &why), -1);
	assert_int_equal(PARSE_REG("{\"endpoints\": [\"[2001:db8::1]:6\", "
				   "\"[2001:db8:0::1]:6\"]}", &r, &why), -1);
	assert_string_equal(why, "'endpoints': repeated");
	assert_int_equal(reg_parse_register("{\"endpoints\": []}\0", 18, &r,
					    &why), -1);
	assert_int_equal(reg_parse_register("", 0, &r, &why), -1);
	/* Nesting deeper than REG_JSON_DEPTH. */
	assert_int_equal(PARSE_REG("{\"endpoints\": [], \"x\": [[[[[[[[[]]]]]"
				   "]]]]}", &r, &why), -1);
}

static void test_parse_enroll(void **state)
{
	char body[512], token[REG_TOKEN_MAX + 2];
	struct reg_enroll_req r;
	const char *why;

	(void)state;
	snprintf(body, sizeof(body), "{\"token\": \"abc\", \"public_key\": "
		 "\"%s\"}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	assert_int_equal(reg_parse_enroll(body, strlen(body), &r, &why), 0);
	assert_string_equal(r.token, "abc");
	assert_false(r.relay_only);
	/* A token of 129 characters, or none, or not a string. */
	memset(token, 'a', REG_TOKEN_MAX + 1);
	token[REG_TOKEN_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"token\": \"%s\", \"public_key\": "
		 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}", token);
	assert_int_equal(reg_parse_enroll(body, strlen(body), &r, &why), -1);
	snprintf(body, sizeof(body), "{\"token\": \"\", \"public_key\": "
		 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}");
	assert_int_equal(reg_parse_enroll(body, strlen(body), &r, &why), -1);
	snprintf(body, sizeof(body), "{\"token\": 5, \"public_key\": "
		 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}");
	assert_int_equal(reg_parse_enroll(body, strlen(body), &r, &why), -1);
	assert_string_equal(why, "'token': member is not a string");
	snprintf(body, sizeof(body), "{\"token\": \"a\\u0000b\", "
		 "\"public_key\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}");
	assert_int_equal(reg_parse_enroll(body, strlen(body), &r, &why), -1);
	snprintf(body, sizeof(body), "{\"token\": \"a\", \"public_key\": "
		 "\"AAAA\"}");
	assert_int_equal(reg_parse_enroll(body, strlen(body), &r, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_message),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_session_mac),
		cmocka_unit_test(test_session_seal),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_beacon_addr),
		cmocka_unit_test(test_parse_register),
		cmocka_unit_test(test_parse_enroll),
	};

	return cmocka_run_group_tests_name("registry wire", tests, NULL, NULL);
}
