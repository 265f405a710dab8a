// SPDX-License-Identifier: GPL-2.0
/*
 * regcli: a command-line driver of client.c for tests/test_registry.py.
 *
 *	regcli [-u URL]... [-k KEYFILE] [-n NODE] [-t TIME] [-N NONCE]
 *	       [-c CAFILE] [-F SESSIONFILE] [-K COUNTER] [-P] COMMAND ARGS
 *
 *	-F: the client's session is read from SESSIONFILE before the
 *	command (if it exists) and written back after it ("ID KEYHEX
 *	EXPIRES COUNTER"), so that several runs share one session; -K: the
 *	counter of the next MAC'd request; -P: no sessions (sync signed).
 *
 *	pubkey			the public key of -k
 *	raw METHOD TARGET [BODY] [-s none|key|node|session]
 *				status line, then the body as received
 *	session			open a session: {"session", "expires_at"}
 *	enroll TOKEN [relay] [out=PATH]
 *				{"node_id", "address", "verified"} where
 *				verified is the certificate against the
 *				answer's CA key (-C B64: against that one);
 *				with out=, the certificate saved there
 *				(reg_save_cert) and "saved": the file read
 *				back gives the same certificate
 *	register [EP,...] [relay]
 *	sync SINCE		{"version", "reset", "more", "nodes": [ids],
 *				"removed": [ids], "endpoints": {id: [...]}}
 *	beacons			{"beacons": [addresses]}
 *	beacon TOKEN ADDRESS
 *
 * Errors: "error: CODE: message" on standard error, exit 1.
 */

#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../client.h"

static int fail(struct reg_client *c)
{
	fprintf(stderr, "error: %s\n", reg_client_error(c));
	return 1;
}

static void print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int cmd_raw(struct reg_client *c, int argc, char **argv,
		   enum reg_sign_as sign)
{
	const char *body = argc > 2 ? argv[2] : NULL;
	size_t len;
	char *resp;
	long status;

	status = reg_call(c, argv[0], argv[1], body, body ? strlen(body) : 0,
			  sign, &resp, &len);
	if (status < 0)
		return fail(c);
	printf("%ld\n%s\n", status, resp);
	free(resp);
	return 0;
}

static int cmd_enroll(struct reg_client *c, int argc, char **argv,
		      const char *ca)
{
	const char *out = NULL;
	uint8_t ca_pub[KEY_PUB_LEN];
	struct reg_enrollment e;
	struct json_object *o;
	char addr[ADDR_STRLEN], err[KEY_ERR_LEN];
	bool relay = false;
	struct cert back;
	enum cert_err v;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "relay"))
			relay = true;
		else if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
	}
	if (reg_enroll(c, argv[0], relay, &e))
		return fail(c);
	memcpy(ca_pub, e.ca_public_key, KEY_PUB_LEN);
	if (ca && key_from_b64(ca, ca_pub)) {
		fprintf(stderr, "error: bad -C key\n");
		return 1;
	}
	v = cert_verify(&e.cert, ca_pub, time(NULL));
	o = json_object_new_object();
	json_object_object_add(o, "node_id", json_object_new_int64(e.node_id));
	json_object_object_add(o, "address",
			       json_object_new_string(cidr_fmt(&e.address,
							       addr)));
	json_object_object_add(o, "cert_address",
			       json_object_new_string(cidr_fmt(&e.cert.addrs[0],
							       addr)));
	json_object_object_add(o, "relay_only", json_object_new_boolean(
			       e.cert.flags & CERT_F_RELAY_ONLY));
	json_object_object_add(o, "verified",
			       json_object_new_string(cert_strerror(v)));
	if (out) {
		if (reg_save_cert(out, e.cert_armor, err) ||
		    cert_load(out, &back, err)) {
			fprintf(stderr, "error: %s\n", err);
			json_object_put(o);
			return 1;
		}
		json_object_object_add(o, "saved", json_object_new_boolean(
				       !memcmp(&back, &e.cert, sizeof(back))));
	}
	print(o);
	return 0;
}

static int cmd_register(struct reg_client *c, int argc, char **argv)
{
	char *eps[REG_MAX_ENDPOINTS + 2], *list = NULL, *p, *save = NULL;
	bool relay = false;
	size_t n = 0;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "relay"))
			relay = true;
		else
			list = argv[i];
	}
	if (list)
		for (p = strtok_r(list, ",", &save);
		     p && n < REG_MAX_ENDPOINTS + 2;
		     p = strtok_r(NULL, ",", &save))
			eps[n++] = p;
	ret = reg_register(c, (const char *const *)eps, n, relay);
	return ret ? fail(c) : 0;
}

static int cmd_sync(struct reg_client *c, char **argv)
{
	struct json_object *o, *nodes, *rem, *eps, *arr;
	char ep[ADDR_STRLEN], id[16];
	struct reg_sync s;
	size_t i, j;

	if (reg_sync(c, strtoll(argv[0], NULL, 10), &s))
		return fail(c);
	o = json_object_new_object();
	nodes = json_object_new_array();
	rem = json_object_new_array();
	eps = json_object_new_object();
	for (i = 0; i < s.n_nodes; i++) {
		json_object_array_add(nodes,
				      json_object_new_int64(s.nodes[i].node_id));
		arr = json_object_new_array();
		for (j = 0; j < s.nodes[i].n_endpoints; j++)
			json_object_array_add(arr, json_object_new_string(
				endpoint_str(&s.nodes[i].endpoints[j], ep)));
		snprintf(id, sizeof(id), "%" PRIu32, s.nodes[i].node_id);
		json_object_object_add(eps, id, arr);
	}
	for (i = 0; i < s.n_removed; i++)
		json_object_array_add(rem,
				      json_object_new_int64(s.removed[i].node_id));
	json_object_object_add(o, "version", json_object_new_int64(s.version));
	json_object_object_add(o, "reset", json_object_new_boolean(s.reset));
	json_object_object_add(o, "more", json_object_new_boolean(s.more));
	json_object_object_add(o, "nodes", nodes);
	json_object_object_add(o, "removed", rem);
	json_object_object_add(o, "endpoints", eps);
	reg_sync_free(&s);
	print(o);
	return 0;
}

static int load_session(struct reg_client *c, const char *path)
{
	struct reg_session_state st = {};
	char hex[REG_SESSION_KEY_LEN * 2 + 2];
	FILE *f = fopen(path, "re");
	size_t n;
	int ok;

	if (!f)
		return 0;
	ok = fscanf(f, "%32s %65s %" SCNd64 " %" SCNu64, st.id, hex,
		    &st.expires_at, &st.counter) == 4 &&
	     !sodium_hex2bin(st.key, sizeof(st.key), hex, strlen(hex), NULL,
			     &n, NULL) && n == sizeof(st.key);
	fclose(f);
	if (!ok) {
		fprintf(stderr, "error: %s: not a session file\n", path);
		return -1;
	}
	reg_client_set_session(c, &st);
	return 0;
}

static void save_session(struct reg_client *c, const char *path)
{
	char hex[REG_SESSION_KEY_LEN * 2 + 1];
	struct reg_session_state st;
	FILE *f;

	if (!reg_client_session(c, &st))
		return;
	f = fopen(path, "we");
	if (!f)
		return;
	sodium_bin2hex(hex, sizeof(hex), st.key, sizeof(st.key));
	fprintf(f, "%s %s %" PRId64 " %" PRIu64 "\n", st.id, hex,
		st.expires_at, st.counter);
	fclose(f);
}

static int cmd_session(struct reg_client *c)
{
	struct reg_session_state st;
	struct json_object *o;

	if (reg_session_open(c) || !reg_client_session(c, &st))
		return fail(c);
	o = json_object_new_object();
	json_object_object_add(o, "session", json_object_new_string(st.id));
	json_object_object_add(o, "expires_at",
			       json_object_new_int64(st.expires_at));
	print(o);
	return 0;
}

static int cmd_beacons(struct reg_client *c)
{
	struct json_object *o, *arr;
	struct reg_beacons b;
	size_t i;

	if (reg_beacons(c, &b))
		return fail(c);
	o = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < b.n; i++)
		json_object_array_add(arr, json_object_new_string(b.addrs[i]));
	json_object_object_add(o, "beacons", arr);
	reg_beacons_free(&b);
	print(o);
	return 0;
}

int main(int argc, char **argv)
{
	const char *urls[REG_CLIENT_MAX_URLS], *key = NULL, *nonce = NULL;
	const char *cafile = NULL, *ca = NULL, *cmd, *sfile = NULL;
	uint64_t counter = 0;
	bool plain = false;
	enum reg_sign_as sign = REG_SIGN_NODE;
	char err[KEY_ERR_LEN], pk[KEY_B64_LEN + 1];
	struct reg_client *c;
	struct identity id;
	size_t n_urls = 0;
	int64_t ts = 0;
	uint32_t node = 0;
	int opt, ret = 2;

	while ((opt = getopt(argc, argv, "+u:k:n:t:N:c:C:s:F:K:P")) != -1) {
		switch (opt) {
		case 'u':
			if (n_urls < REG_CLIENT_MAX_URLS)
				urls[n_urls++] = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'n':
			node = strtoul(optarg, NULL, 10);
			break;
		case 't':
			ts = strtoll(optarg, NULL, 10);
			break;
		case 'N':
			nonce = optarg;
			break;
		case 'c':
			cafile = optarg;
			break;
		case 'C':
			ca = optarg;
			break;
		case 's':
			sign = !strcmp(optarg, "none") ? REG_SIGN_NONE :
			       !strcmp(optarg, "key") ? REG_SIGN_KEY :
			       !strcmp(optarg, "session") ? REG_SIGN_SESSION :
			       REG_SIGN_NODE;
			break;
		case 'F':
			sfile = optarg;
			break;
		case 'K':
			counter = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			plain = true;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: regcli [-u URL]... [-k KEY] [-n NODE] COMMAND ...\n");
		return 2;
	}
	cmd = argv[optind++];
	c = reg_client_new(urls, n_urls, cafile);
	if (!c)
		return 1;
	reg_client_timeout(c, 5000);
	if (key) {
		if (identity_load(key, &id, err)) {
			fprintf(stderr, "error: %s\n", err);
			return 1;
		}
		reg_client_identity(c, &id, node);
	}
	reg_client_fix(c, ts, nonce);
	reg_client_fix_counter(c, counter);
	reg_client_sessions(c, !plain);
	if (sfile && load_session(c, sfile))
		return 1;
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "pubkey") && key) {
		key_b64(id.pk, pk);
		puts(pk);
		ret = 0;
	} else if (!strcmp(cmd, "raw") && argc >= 2) {
		ret = cmd_raw(c, argc, argv, sign);
	} else if (!strcmp(cmd, "enroll") && argc >= 1) {
		ret = cmd_enroll(c, argc, argv, ca);
	} else if (!strcmp(cmd, "register")) {
		ret = cmd_register(c, argc, argv);
	} else if (!strcmp(cmd, "sync") && argc == 1) {
		ret = cmd_sync(c, argv);
	} else if (!strcmp(cmd, "session")) {
		ret = cmd_session(c);
	} else if (!strcmp(cmd, "beacons")) {
		ret = cmd_beacons(c);
	} else if (!strcmp(cmd, "beacon") && argc == 2) {
		ret = reg_beacon_heartbeat(c, argv[0], argv[1]) ? fail(c) : 0;
	} else {
		fprintf(stderr, "regcli: bad command\n");
	}
	if (sfile)
		save_session(c, sfile);
	reg_client_free(c);
	return ret;
}
