// SPDX-License-Identifier: GPL-2.0
/*
 * The registry protocol's wire formats (see wire.h, docs/registry.md).
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

uint8_t *reg_sig_message(const char *method, const char *target, int64_t ts,
			 const char *nonce, const char *body, size_t len,
			 size_t *out_len)
{
	char head[64 + REG_NONCE_MAX];
	size_t mlen = strlen(method), tlen = strlen(target), hlen;
	uint8_t *msg, *p;
	int n;

	n = snprintf(head, sizeof(head), "%" PRId64 "\n%s\n", ts, nonce);
	if (n < 0 || (size_t)n >= sizeof(head))
		return NULL;
	hlen = n;
	*out_len = sizeof(REG_SIG_CONTEXT) + mlen + 1 + tlen + 1 + hlen + len;
	msg = malloc(*out_len ? *out_len : 1);
	if (!msg)
		return NULL;
	p = msg;
	memcpy(p, REG_SIG_CONTEXT "\n", sizeof(REG_SIG_CONTEXT));
	p += sizeof(REG_SIG_CONTEXT);
	memcpy(p, method, mlen);
	p += mlen;
	*p++ = '\n';
	memcpy(p, target, tlen);
	p += tlen;
	*p++ = '\n';
	memcpy(p, head, hlen);
	p += hlen;
	if (len)
		memcpy(p, body, len);
	return msg;
}

int reg_sign(const struct identity *id, const char *method,
	     const char *target, int64_t ts, const char *nonce,
	     const char *body, size_t len, char *sig)
{
	uint8_t s[crypto_sign_BYTES];
	size_t mlen;
	uint8_t *msg;

	msg = reg_sig_message(method, target, ts, nonce, body, len, &mlen);
	if (!msg || sodium_init() < 0) {
		free(msg);
		return -1;
	}
	crypto_sign_detached(s, NULL, msg, mlen, id->sk);
	free(msg);
	sodium_bin2base64(sig, REG_SIG_B64_LEN + 1, s, sizeof(s),
			  sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int reg_verify(const uint8_t pk[KEY_PUB_LEN], const char *method,
	       const char *target, int64_t ts, const char *nonce,
	       const char *body, size_t len, const char *sig)
{
	uint8_t s[crypto_sign_BYTES + 1];
	size_t slen, mlen;
	uint8_t *msg;
	int ret;

	if (strlen(sig) != REG_SIG_B64_LEN ||
	    sodium_base642bin(s, sizeof(s), sig, REG_SIG_B64_LEN, NULL, &slen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    slen != crypto_sign_BYTES)
		return -1;
	msg = reg_sig_message(method, target, ts, nonce, body, len, &mlen);
	if (!msg || sodium_init() < 0) {
		free(msg);
		return -1;
	}
	ret = crypto_sign_verify_detached(s, msg, mlen, pk) ? -1 : 0;
	free(msg);
	return ret;
}

/* The MAC of a request, raw, into @out; 0 or -1. */
static int mac_raw(const uint8_t key[REG_SESSION_KEY_LEN], const char *method,
		   const char *target, int64_t ts, uint64_t counter,
		   const char *body, size_t len, uint8_t out[REG_MAC_LEN])
{
	char ctr[24];
	size_t mlen;
	uint8_t *msg;

	snprintf(ctr, sizeof(ctr), "%" PRIu64, counter);
	msg = reg_sig_message(method, target, ts, ctr, body, len, &mlen);
	if (!msg)
		return -1;
	crypto_generichash(out, REG_MAC_LEN, msg, mlen, key,
			   REG_SESSION_KEY_LEN);
	free(msg);
	return 0;
}

int reg_mac(const uint8_t key[REG_SESSION_KEY_LEN], const char *method,
	    const char *target, int64_t ts, uint64_t counter,
	    const char *body, size_t len, char *mac)
{
	uint8_t m[REG_MAC_LEN];

	if (mac_raw(key, method, target, ts, counter, body, len, m))
		return -1;
	sodium_bin2base64(mac, REG_MAC_B64_LEN + 1, m, sizeof(m),
			  sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int reg_mac_verify(const uint8_t key[REG_SESSION_KEY_LEN],
		   const char *method, const char *target, int64_t ts,
		   uint64_t counter, const char *body, size_t len,
		   const char *mac)
{
	uint8_t got[REG_MAC_LEN + 1], want[REG_MAC_LEN];
	size_t glen;

	if (strlen(mac) != REG_MAC_B64_LEN ||
	    sodium_base642bin(got, sizeof(got), mac, REG_MAC_B64_LEN, NULL,
			      &glen, NULL, sodium_base64_VARIANT_ORIGINAL) ||
	    glen != REG_MAC_LEN)
		return -1;
	if (mac_raw(key, method, target, ts, counter, body, len, want))
		return -1;
	return sodium_memcmp(got, want, REG_MAC_LEN) ? -1 : 0;
}

bool reg_session_id_valid(const char *id)
{
	size_t i;

	for (i = 0; i < REG_SESSION_ID_LEN; i++)
		if (!isdigit((unsigned char)id[i]) &&
		    (id[i] < 'a' || id[i] > 'f'))
			return false;
	return id[i] == '\0';
}

int reg_session_seal(const uint8_t pk[KEY_PUB_LEN],
		     const uint8_t key[REG_SESSION_KEY_LEN],
		     uint8_t sealed[REG_SESSION_SEALED_LEN])
{
	uint8_t xpk[crypto_box_PUBLICKEYBYTES];

	if (crypto_sign_ed25519_pk_to_curve25519(xpk, pk))
		return -1;
	return crypto_box_seal(sealed, key, REG_SESSION_KEY_LEN, xpk) ? -1 : 0;
}

int reg_session_unseal(const struct identity *id,
		       const uint8_t sealed[REG_SESSION_SEALED_LEN],
		       uint8_t key[REG_SESSION_KEY_LEN])
{
	uint8_t xpk[crypto_box_PUBLICKEYBYTES], xsk[crypto_box_SECRETKEYBYTES];
	int ret = -1;

	if (!crypto_sign_ed25519_pk_to_curve25519(xpk, id->pk) &&
	    !crypto_sign_ed25519_sk_to_curve25519(xsk, id->sk))
		ret = crypto_box_seal_open(key, sealed, REG_SESSION_SEALED_LEN,
					   xpk, xsk) ? -1 : 0;
	sodium_memzero(xsk, sizeof(xsk));
	return ret;
}

bool reg_nonce_valid(const char *nonce)
{
	size_t i, n = strlen(nonce);

	if (n < REG_NONCE_MIN || n > REG_NONCE_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)nonce[i]) && nonce[i] != '-' &&
		    nonce[i] != '_')
			return false;
	return true;
}

void reg_nonce_new(char *out)
{
	uint8_t raw[16];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, 33, raw, sizeof(raw));
}

static bool hostname_valid(const char *h, size_t n)
{
	size_t i;

	if (!n || n > 253 || h[0] == '-' || h[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '.')
			return false;
	return true;
}

bool reg_beacon_addr_valid(const char *addr)
{
	struct sockaddr_storage ss;
	const char *colon;
	uint16_t port;

	if (strlen(addr) > REG_ADDR_MAX)
		return false;
	if (!parse_endpoint(addr, &ss))
		return true;
	colon = strrchr(addr, ':');
	if (!colon || addr[0] == '[' || memchr(addr, ':', colon - addr))
		return false;
	return hostname_valid(addr, colon - addr) &&
	       !parse_u16(colon + 1, &port) && port;
}

/* The JSON object that is all of @body (blank space around it allowed). */
static struct json_object *parse_obj(const char *body, size_t len,
				     const char **why)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;

	if (!len || memchr(body, '\0', len)) {
		*why = len ? "body holds a NUL byte" : "empty body";
		return NULL;
	}
	tok = json_tokener_new_ex(REG_JSON_DEPTH);
	if (!tok) {
		*why = "out of memory";
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, body, len);
	end = json_tokener_get_parse_end(tok);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		*why = "malformed JSON";
		json_object_put(obj);
		obj = NULL;
	} else {
		while (end < len && isspace((unsigned char)body[end]))
			end++;
		if (end != len) {
			*why = "trailing bytes after the JSON value";
			json_object_put(obj);
			obj = NULL;
		} else if (!json_object_is_type(obj, json_type_object)) {
			*why = "body is not a JSON object";
			json_object_put(obj);
			obj = NULL;
		}
	}
	json_tokener_free(tok);
	return obj;
}

/* The string member @key of @obj (required unless @opt); NULL if absent. */
static int get_str(struct json_object *obj, const char *key, bool opt,
		   const char **val, const char **why)
{
	struct json_object *v;

	*val = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		if (opt)
			return 0;
		*why = "missing member";
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		*why = "member is not a string";
		return -1;
	}
	*val = json_object_get_string(v);
	if (strlen(*val) != (size_t)json_object_get_string_len(v)) {
		*why = "string holds a NUL";
		return -1;
	}
	return 0;
}

static int get_bool(struct json_object *obj, const char *key, bool *val,
		    const char **why)
{
	struct json_object *v;

	*val = false;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		*why = "member is not a boolean";
		return -1;
	}
	*val = json_object_get_boolean(v);
	return 0;
}

static int get_int(struct json_object *obj, const char *key, int64_t min,
		   int64_t max, int64_t *val, const char **why)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		*why = "missing member";
		return -1;
	}
	if (!json_object_is_type(v, json_type_int)) {
		*why = "member is not an integer";
		return -1;
	}
	errno = 0;
	*val = json_object_get_int64(v);
	if (errno || *val < min || *val > max) {
		*why = "integer out of range";
		return -1;
	}
	return 0;
}

/* "KEY: REASON" for *@why, in a static buffer (messages only). */
static const char *member_why(const char *key, const char *why)
{
	static __thread char buf[128];

	snprintf(buf, sizeof(buf), "'%s': %s", key, why);
	return buf;
}

static int copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

static int get_token(struct json_object *obj, char *token, const char **why)
{
	const char *s;

	if (get_str(obj, "token", false, &s, why))
		return *why = member_why("token", *why), -1;
	if (!*s || copy_str(token, REG_TOKEN_MAX + 1, s))
		return *why = "'token': empty or too long", -1;
	return 0;
}

int reg_parse_session_req(const char *body, size_t len, const char **why)
{
	struct json_object *obj;

	if (!len)
		return 0;
	obj = parse_obj(body, len, why);
	if (!obj)
		return -1;
	json_object_put(obj);
	return 0;
}

int reg_parse_enroll(const char *body, size_t len, struct reg_enroll_req *r,
		     const char **why)
{
	struct json_object *obj = parse_obj(body, len, why);
	const char *s;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!obj)
		return -1;
	if (get_token(obj, r->token, why))
		goto out;
	if (get_str(obj, "public_key", false, &s, why)) {
		*why = member_why("public_key", *why);
		goto out;
	}
	if (key_from_b64(s, r->public_key)) {
		*why = "'public_key': expected 32 bytes in standard base64";
		goto out;
	}
	if (get_bool(obj, "relay_only", &r->relay_only, why)) {
		*why = member_why("relay_only", *why);
		goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

int reg_parse_register(const char *body, size_t len,
		       struct reg_register_req *r, const char **why)
{
	struct json_object *obj = parse_obj(body, len, why), *arr, *v;
	struct sockaddr_storage ss;
	unsigned int i, j;
	size_t n;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!obj)
		return -1;
	if (!json_object_object_get_ex(obj, "endpoints", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		*why = "'endpoints': missing, or not an array";
		goto out;
	}
	n = json_object_array_length(arr);
	if (n > REG_MAX_ENDPOINTS) {
		*why = "'endpoints': more than 8";
		goto out;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    parse_endpoint(json_object_get_string(v), &ss)) {
			*why = "'endpoints': expected \"IPv4:PORT\" or \"[IPv6]:PORT\" strings";
			goto out;
		}
		endpoint_str(&ss, r->endpoints[i]);
		for (j = 0; j < i; j++) {
			if (!strcmp(r->endpoints[j], r->endpoints[i])) {
				*why = "'endpoints': repeated";
				goto out;
			}
		}
	}
	r->n_endpoints = n;
	if (get_bool(obj, "relay_only", &r->relay_only, why)) {
		*why = member_why("relay_only", *why);
		goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

int reg_parse_beacon(const char *body, size_t len, struct reg_beacon_req *r,
		     const char **why)
{
	struct json_object *obj = parse_obj(body, len, why);
	const char *s;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (!obj)
		return -1;
	if (get_token(obj, r->token, why))
		goto out;
	if (get_str(obj, "address", false, &s, why)) {
		*why = member_why("address", *why);
		goto out;
	}
	if (!reg_beacon_addr_valid(s) ||
	    copy_str(r->address, sizeof(r->address), s)) {
		*why = "'address': expected IPv4:PORT, [IPv6]:PORT or HOSTNAME:PORT";
		goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

/* The armored certificate member "certificate" of @obj into @c. */
static int get_cert(struct json_object *obj, struct cert *c, char *armor,
		    const char **why)
{
	uint8_t bin[CERT_MAX_LEN];
	const char *s;
	size_t n;

	if (get_str(obj, "certificate", false, &s, why))
		return *why = member_why("certificate", *why), -1;
	if (cert_dearmor(s, strlen(s), bin, sizeof(bin), &n, why) ||
	    cert_decode(bin, n, c, why) != CERT_OK)
		return *why = member_why("certificate", *why), -1;
	if (armor && copy_str(armor, CERT_ARMOR_MAX, s))
		return *why = "'certificate': too long", -1;
	return 0;
}

int reg_parse_enroll_resp(const char *body, size_t len,
			  struct reg_enrollment *e, const char **why)
{
	struct json_object *obj = parse_obj(body, len, why);
	const char *s;
	int64_t id;
	int ret = -1;

	memset(e, 0, sizeof(*e));
	if (!obj)
		return -1;
	if (get_int(obj, "node_id", 1, UINT32_MAX, &id, why)) {
		*why = member_why("node_id", *why);
		goto out;
	}
	e->node_id = id;
	if (get_str(obj, "address", false, &s, why) ||
	    parse_cidr(s, &e->address)) {
		*why = "'address': missing or not ADDR/LEN";
		goto out;
	}
	if (get_str(obj, "network", false, &s, why) ||
	    parse_cidr(s, &e->network)) {
		*why = "'network': missing or not ADDR/LEN";
		goto out;
	}
	if (get_str(obj, "ca_public_key", false, &s, why) ||
	    key_from_b64(s, e->ca_public_key)) {
		*why = "'ca_public_key': missing or not a base64 key";
		goto out;
	}
	if (get_cert(obj, &e->cert, e->cert_armor, why))
		goto out;
	if (e->cert.node_id != e->node_id) {
		*why = "'certificate': not for this node id";
		goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

int reg_parse_session_resp(const char *body, size_t len,
			   struct reg_session *s, const char **why)
{
	struct json_object *obj = parse_obj(body, len, why);
	const char *v;
	size_t n;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!obj)
		return -1;
	if (get_str(obj, "session", false, &v, why) ||
	    !reg_session_id_valid(v)) {
		*why = "'session': missing or not 32 hex characters";
		goto out;
	}
	memcpy(s->id, v, REG_SESSION_ID_LEN + 1);
	if (get_str(obj, "key", false, &v, why) ||
	    strlen(v) != REG_SESSION_SEALED_B64 ||
	    sodium_base642bin(s->sealed, sizeof(s->sealed), v,
			      REG_SESSION_SEALED_B64, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    n != REG_SESSION_SEALED_LEN) {
		*why = "'key': missing or not 80 bytes in standard base64";
		goto out;
	}
	if (get_int(obj, "expires_at", 0, INT64_MAX, &s->expires_at, why) ||
	    get_int(obj, "ttl", 1, INT32_MAX, &s->ttl, why)) {
		*why = "'expires_at' or 'ttl': missing or out of range";
		goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

static int sync_node(struct json_object *v, struct reg_peer *p,
		     const char **why)
{
	struct json_object *arr, *e;
	int64_t id, ver;
	size_t i, n;

	if (!json_object_is_type(v, json_type_object)) {
		*why = "'nodes': an entry is not an object";
		return -1;
	}
	if (get_int(v, "node_id", 1, UINT32_MAX, &id, why) ||
	    get_int(v, "version", 1, INT64_MAX, &ver, why)) {
		*why = "'nodes': node_id or version missing or out of range";
		return -1;
	}
	p->node_id = id;
	p->version = ver;
	if (get_cert(v, &p->cert, NULL, why))
		return -1;
	if (p->cert.node_id != p->node_id) {
		*why = "'nodes': certificate not for the entry's node id";
		return -1;
	}
	if (get_bool(v, "relay_only", &p->relay_only, why))
		return *why = member_why("relay_only", *why), -1;
	if (!json_object_object_get_ex(v, "endpoints", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    (n = json_object_array_length(arr)) > REG_MAX_ENDPOINTS) {
		*why = "'endpoints': missing, not an array, or more than 8";
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string) ||
		    parse_endpoint(json_object_get_string(e),
				   &p->endpoints[i])) {
			*why = "'endpoints': not an IP:PORT string";
			return -1;
		}
	}
	p->n_endpoints = n;
	return 0;
}

static int sync_removal(struct json_object *v, struct reg_removal *r,
			const char **why)
{
	int64_t id, ver;
	const char *s;

	if (!json_object_is_type(v, json_type_object) ||
	    get_int(v, "node_id", 1, UINT32_MAX, &id, why) ||
	    get_int(v, "version", 1, INT64_MAX, &ver, why) ||
	    get_str(v, "reason", false, &s, why) ||
	    copy_str(r->reason, sizeof(r->reason), s)) {
		*why = "'removed': an entry lacks node_id, version or reason";
		return -1;
	}
	r->node_id = id;
	r->version = ver;
	return 0;
}

/* The array member @key of @obj, with its length; NULL if not one. */
static struct json_object *get_arr(struct json_object *obj, const char *key,
				   size_t *n)
{
	struct json_object *arr;

	if (!json_object_object_get_ex(obj, key, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	*n = json_object_array_length(arr);
	return arr;
}

int reg_parse_sync_resp(const char *body, size_t len, struct reg_sync *s,
			const char **why)
{
	struct json_object *obj = parse_obj(body, len, why), *nodes, *rem;
	size_t i, nn, nr;

	memset(s, 0, sizeof(*s));
	if (!obj)
		return -1;
	if (get_int(obj, "version", 0, INT64_MAX, &s->version, why)) {
		*why = member_why("version", *why);
		goto err;
	}
	if (get_bool(obj, "reset", &s->reset, why) ||
	    get_bool(obj, "more", &s->more, why))
		goto err;
	nodes = get_arr(obj, "nodes", &nn);
	rem = get_arr(obj, "removed", &nr);
	if (!nodes || !rem) {
		*why = "'nodes' or 'removed': missing, or not an array";
		goto err;
	}
	s->nodes = calloc(nn ? nn : 1, sizeof(*s->nodes));
	s->removed = calloc(nr ? nr : 1, sizeof(*s->removed));
	if (!s->nodes || !s->removed) {
		*why = "out of memory";
		goto err;
	}
	for (i = 0; i < nn; i++, s->n_nodes++)
		if (sync_node(json_object_array_get_idx(nodes, i),
			      &s->nodes[i], why))
			goto err;
	for (i = 0; i < nr; i++, s->n_removed++)
		if (sync_removal(json_object_array_get_idx(rem, i),
				 &s->removed[i], why))
			goto err;
	json_object_put(obj);
	return 0;
err:
	json_object_put(obj);
	reg_sync_free(s);
	return -1;
}

void reg_sync_free(struct reg_sync *s)
{
	free(s->nodes);
	free(s->removed);
	memset(s, 0, sizeof(*s));
}

int reg_parse_beacons_resp(const char *body, size_t len,
			   struct reg_beacons *b, const char **why)
{
	struct json_object *obj = parse_obj(body, len, why), *arr, *v;
	const char *s;
	size_t i, n;

	memset(b, 0, sizeof(*b));
	if (!obj)
		return -1;
	arr = get_arr(obj, "beacons", &n);
	if (!arr) {
		*why = "'beacons': missing, or not an array";
		goto err;
	}
	b->addrs = calloc(n ? n : 1, sizeof(*b->addrs));
	if (!b->addrs) {
		*why = "out of memory";
		goto err;
	}
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_object) ||
		    get_str(v, "address", false, &s, why) ||
		    !reg_beacon_addr_valid(s)) {
			*why = "'beacons': an entry has no valid address";
			goto err;
		}
		copy_str(b->addrs[b->n++], REG_ADDR_MAX + 1, s);
	}
	json_object_put(obj);
	return 0;
err:
	json_object_put(obj);
	reg_beacons_free(b);
	return -1;
}

void reg_beacons_free(struct reg_beacons *b)
{
	free(b->addrs);
	memset(b, 0, sizeof(*b));
}

int reg_parse_error(const char *body, size_t len, char *code,
		    size_t code_size, char *msg, size_t msg_size)
{
	const char *why, *c, *m;
	struct json_object *obj = parse_obj(body, len, &why);
	int ret = -1;

	if (!obj)
		return -1;
	if (!get_str(obj, "error", false, &c, &why) &&
	    !get_str(obj, "message", false, &m, &why)) {
		snprintf(code, code_size, "%s", c);
		snprintf(msg, msg_size, "%s", m);
		ret = 0;
	}
	json_object_put(obj);
	return ret;
}
