// SPDX-License-Identifier: GPL-2.0
/*
 * noise_vectors [-m MIN] FILE.json: run the Noise test vectors of FILE
 * (cacophony's JSON format, {"vectors": [...]}) against daemon/noise.c.
 *
 * Only Noise_IK_25519_ChaChaPoly_BLAKE2b is implemented; every other
 * vector is skipped, never passed.  For an IK vector, both sides are set
 * up from its keys and prologues; each handshake message is written by
 * its sender and compared with the vector's ciphertext, then read by its
 * receiver and compared with the payload; after message 2 both sides
 * split, and their handshake hashes are compared with the vector's; the
 * messages after that alternate initiator, responder, ... on the
 * transport keys, checked the same way.
 *
 * The last line printed is "N passed, N failed, N skipped".  The exit
 * status is 1 when a vector failed, when FILE cannot be parsed, or when
 * fewer than MIN vectors passed (default 0); 2 on bad usage.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "../daemon/noise.h"

#define MAX_PROLOGUE	4096

struct side {
	struct noise_handshake hs;
	struct noise_session sess;
	uint8_t s_pub[NOISE_DH_LEN];
};

struct vector {
	const char *proto;
	struct json_object *obj;
	struct side init, resp;
	uint8_t *buf, *out;	/* NOISE_MAX_MSG_LEN each */
	size_t n;		/* index in the file, for messages */
};

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex_decode(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s), i;
	int hi, lo;

	if (n % 2 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hex_nibble(s[2 * i]);
		lo = hex_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static void fail(const struct vector *v, const char *what)
{
	printf("FAIL vector %zu (%s): %s\n", v->n, v->proto, what);
}

/* A hex string field of obj, exactly len bytes unless len is 0. */
static int get_hex(const struct vector *v, struct json_object *obj,
		   const char *key, uint8_t *out, size_t cap, size_t len,
		   size_t *got)
{
	struct json_object *f;
	char what[128];
	size_t n;

	if (!json_object_object_get_ex(obj, key, &f) ||
	    !json_object_is_type(f, json_type_string) ||
	    hex_decode(json_object_get_string(f), out, cap, &n) ||
	    (len && n != len)) {
		snprintf(what, sizeof(what), "field %s missing or bad", key);
		fail(v, what);
		return -1;
	}
	if (got)
		*got = n;
	return 0;
}

static int setup_side(struct vector *v, struct side *sd, enum noise_role role,
		      const char *pfx)
{
	uint8_t s[NOISE_DH_LEN], e[NOISE_DH_LEN], rs[NOISE_DH_LEN];
	uint8_t prologue[MAX_PROLOGUE];
	bool init = role == NOISE_INITIATOR;
	char key[64];
	size_t plen;
	int ret = -1;

	snprintf(key, sizeof(key), "%s_prologue", pfx);
	if (get_hex(v, v->obj, key, prologue, sizeof(prologue), 0, &plen))
		return -1;
	snprintf(key, sizeof(key), "%s_static", pfx);
	if (get_hex(v, v->obj, key, s, sizeof(s), sizeof(s), NULL))
		return -1;
	snprintf(key, sizeof(key), "%s_ephemeral", pfx);
	if (get_hex(v, v->obj, key, e, sizeof(e), sizeof(e), NULL))
		return -1;
	/* IK: the initiator knows rs in advance; the responder learns it. */
	if (init && get_hex(v, v->obj, "init_remote_static", rs, sizeof(rs),
			    sizeof(rs), NULL))
		return -1;
	if (noise_ik_init(&sd->hs, role, s, init ? rs : NULL, prologue, plen))
		fail(v, "noise_ik_init");
	else if (noise_ik_set_ephemeral(&sd->hs, e))
		fail(v, "noise_ik_set_ephemeral");
	else if (noise_x25519_public(sd->s_pub, s))
		fail(v, "noise_x25519_public");
	else
		ret = 0;
	return ret;
}

/* Compare got[0..len) with the vector's field; report a mismatch. */
static int expect(const struct vector *v, size_t i, const char *what,
		  const uint8_t *want, size_t want_len, const uint8_t *got,
		  size_t got_len)
{
	char msg[128];

	if (want_len == got_len && !memcmp(want, got, got_len))
		return 0;
	snprintf(msg, sizeof(msg), "message %zu: %s differs", i, what);
	fail(v, msg);
	return -1;
}

static int handshake_msg(struct vector *v, size_t i, const uint8_t *pt,
			 size_t pt_len, const uint8_t *ct, size_t ct_len)
{
	struct side *tx = i == 0 ? &v->init : &v->resp;
	struct side *rx = i == 0 ? &v->resp : &v->init;
	char msg[128];
	size_t n;
	int ret;

	ret = noise_ik_write(&tx->hs, pt, pt_len, v->buf, NOISE_MAX_MSG_LEN,
			     &n);
	if (!ret && expect(v, i, "ciphertext", ct, ct_len, v->buf, n))
		return -1;
	if (!ret)
		ret = noise_ik_read(&rx->hs, ct, ct_len, v->out,
				    NOISE_MAX_MSG_LEN, &n);
	if (ret) {
		snprintf(msg, sizeof(msg), "message %zu: %s", i,
			 strerror(-ret));
		fail(v, msg);
		return -1;
	}
	return expect(v, i, "payload", pt, pt_len, v->out, n);
}

static int split(struct vector *v)
{
	uint8_t hash[NOISE_HASH_LEN];

	if (noise_ik_split(&v->init.hs, &v->init.sess) ||
	    noise_ik_split(&v->resp.hs, &v->resp.sess)) {
		fail(v, "split");
		return -1;
	}
	if (!noise_key_equal(v->resp.sess.remote_static, v->init.s_pub)) {
		fail(v, "responder learned a wrong initiator static key");
		return -1;
	}
	if (get_hex(v, v->obj, "handshake_hash", hash, sizeof(hash),
		    sizeof(hash), NULL))
		return -1;
	if (memcmp(hash, v->init.sess.hash, sizeof(hash)) ||
	    memcmp(hash, v->resp.sess.hash, sizeof(hash))) {
		fail(v, "handshake hash differs");
		return -1;
	}
	return 0;
}

/* After Split: even messages go initiator to responder, odd ones back. */
static int transport_msg(struct vector *v, size_t i, const uint8_t *pt,
			 size_t pt_len, const uint8_t *ct, size_t ct_len)
{
	struct side *tx = i % 2 == 0 ? &v->init : &v->resp;
	struct side *rx = i % 2 == 0 ? &v->resp : &v->init;
	size_t n;

	if (noise_cipher_encrypt(&tx->sess.send, NULL, 0, pt, pt_len, v->buf,
				 NOISE_MAX_MSG_LEN, &n)) {
		fail(v, "transport encrypt");
		return -1;
	}
	if (expect(v, i, "ciphertext", ct, ct_len, v->buf, n))
		return -1;
	if (noise_cipher_decrypt(&rx->sess.recv, NULL, 0, ct, ct_len, v->out,
				 NOISE_MAX_MSG_LEN, &n)) {
		fail(v, "transport decrypt");
		return -1;
	}
	return expect(v, i, "payload", pt, pt_len, v->out, n);
}

static int run_message(struct vector *v, struct json_object *m, size_t i,
		       uint8_t *pt, uint8_t *ct)
{
	size_t pt_len, ct_len;

	if (get_hex(v, m, "payload", pt, NOISE_MAX_MSG_LEN, 0, &pt_len) ||
	    get_hex(v, m, "ciphertext", ct, NOISE_MAX_MSG_LEN, 0, &ct_len))
		return -1;
	if (i < 2)
		return handshake_msg(v, i, pt, pt_len, ct, ct_len);
	return transport_msg(v, i, pt, pt_len, ct, ct_len);
}

static int run_messages(struct vector *v, uint8_t *pt, uint8_t *ct)
{
	struct json_object *msgs;
	size_t i, n;

	if (!json_object_object_get_ex(v->obj, "messages", &msgs) ||
	    !json_object_is_type(msgs, json_type_array) ||
	    json_object_array_length(msgs) < 2) {
		fail(v, "fewer than two messages");
		return -1;
	}
	n = json_object_array_length(msgs);
	for (i = 0; i < n; i++) {
		if (run_message(v, json_object_array_get_idx(msgs, i), i, pt,
				ct))
			return -1;
		if (i == 1 && split(v))
			return -1;
	}
	return 0;
}

static int run_vector(struct vector *v)
{
	uint8_t *pt = malloc(NOISE_MAX_MSG_LEN), *ct = malloc(NOISE_MAX_MSG_LEN);
	int ret = -1;

	v->buf = malloc(NOISE_MAX_MSG_LEN);
	v->out = malloc(NOISE_MAX_MSG_LEN);
	if (!pt || !ct || !v->buf || !v->out)
		fail(v, "out of memory");
	else if (!setup_side(v, &v->init, NOISE_INITIATOR, "init") &&
		 !setup_side(v, &v->resp, NOISE_RESPONDER, "resp"))
		ret = run_messages(v, pt, ct);
	noise_handshake_wipe(&v->init.hs);
	noise_handshake_wipe(&v->resp.hs);
	noise_session_wipe(&v->init.sess);
	noise_session_wipe(&v->resp.sess);
	free(pt);
	free(ct);
	free(v->buf);
	free(v->out);
	return ret;
}

/* A vector this implementation covers: IK, and no pre-shared keys. */
static bool implemented(struct json_object *obj, const char **proto)
{
	struct json_object *f;

	*proto = "?";
	if (!json_object_object_get_ex(obj, "protocol_name", &f) ||
	    !json_object_is_type(f, json_type_string))
		return false;
	*proto = json_object_get_string(f);
	if (strcmp(*proto, NOISE_PROTOCOL_NAME))
		return false;
	return !json_object_object_get_ex(obj, "init_psks", NULL) &&
	       !json_object_object_get_ex(obj, "resp_psks", NULL);
}

static struct json_object *load(const char *path)
{
	struct json_object *root, *vectors;

	root = json_object_from_file(path);
	if (!root) {
		/* json-c's message names the file and ends in a newline. */
		fprintf(stderr, "noise_vectors: %s", json_util_get_last_err());
		return NULL;
	}
	if (!json_object_object_get_ex(root, "vectors", &vectors) ||
	    !json_object_is_type(vectors, json_type_array)) {
		fprintf(stderr, "noise_vectors: %s: no \"vectors\" array\n",
			path);
		json_object_put(root);
		return NULL;
	}
	return root;
}

static void usage(void)
{
	fprintf(stderr, "usage: noise_vectors [-m MIN-PASSED] FILE.json\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t passed = 0, failed = 0, skipped = 0, i, n;
	struct json_object *root, *vectors;
	struct vector v;
	long min = 0;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm')
			usage();
		min = strtol(optarg, &end, 10);
		if (*end || min < 0)
			usage();
	}
	if (optind != argc - 1)
		usage();
	root = load(argv[optind]);
	if (!root) {
		printf("0 passed, 1 failed, 0 skipped\n");
		return 1;
	}
	json_object_object_get_ex(root, "vectors", &vectors);
	n = json_object_array_length(vectors);
	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		v.obj = json_object_array_get_idx(vectors, i);
		v.n = i;
		if (!json_object_is_type(v.obj, json_type_object)) {
			v.proto = "?";
			fail(&v, "not an object");
			failed++;
		} else if (!implemented(v.obj, &v.proto)) {
			printf("skip vector %zu (%s)\n", i, v.proto);
			skipped++;
		} else if (run_vector(&v)) {
			failed++;
		} else {
			printf("ok vector %zu (%s)\n", i, v.proto);
			passed++;
		}
	}
	json_object_put(root);
	if (passed < (size_t)min)
		fprintf(stderr, "noise_vectors: %zu passed, %ld required\n",
			passed, min);
	printf("%zu passed, %zu failed, %zu skipped\n", passed, failed,
	       skipped);
	return failed || passed < (size_t)min;
}
