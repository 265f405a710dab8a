// SPDX-License-Identifier: GPL-2.0
/*
 * The registry's client on libcurl (see client.h).
 */

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

struct reg_client {
	char *urls[REG_CLIENT_MAX_URLS];
	size_t n_urls;
	char *cainfo;
	long timeout_ms;
	struct identity id;
	bool have_id;
	uint32_t node_id;
	int64_t fixed_ts;
	char fixed_nonce[REG_NONCE_MAX + 1];
	uint64_t fixed_counter;
	bool no_sessions;
	bool have_sess;
	struct reg_session_state sess;
	long status;
	char code[64];
	char err[REG_CLIENT_ERR_LEN];
};

/* Renew a session this long before the registry's expiry. */
#define SESSION_MARGIN	60

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reg_client *reg_client_new(const char *const *urls, size_t n,
				  const char *cainfo)
{
	struct reg_client *c;
	size_t i;

	if (n > REG_CLIENT_MAX_URLS || sodium_init() < 0)
		return NULL;
	pthread_once(&curl_once, curl_init);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->timeout_ms = 10000;
	for (i = 0; i < n; i++) {
		c->urls[i] = strdup(urls[i]);
		if (!c->urls[i])
			goto err;
		/* "https://host:port/" and "https://host:port" alike */
		while (*c->urls[i] &&
		       c->urls[i][strlen(c->urls[i]) - 1] == '/')
			c->urls[i][strlen(c->urls[i]) - 1] = '\0';
		c->n_urls++;
	}
	if (cainfo && !(c->cainfo = strdup(cainfo)))
		goto err;
	return c;
err:
	reg_client_free(c);
	return NULL;
}

void reg_client_free(struct reg_client *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_urls; i++)
		free(c->urls[i]);
	free(c->cainfo);
	identity_wipe(&c->id);
	sodium_memzero(&c->sess, sizeof(c->sess));
	free(c);
}

void reg_client_identity(struct reg_client *c, const struct identity *id,
			 uint32_t node_id)
{
	if (c->have_id && (c->node_id != node_id ||
			   memcmp(c->id.pk, id->pk, KEY_PUB_LEN)))
		reg_client_set_session(c, NULL);
	c->id = *id;
	c->have_id = true;
	c->node_id = node_id;
}

void reg_client_sessions(struct reg_client *c, bool on)
{
	c->no_sessions = !on;
}

bool reg_client_session(const struct reg_client *c,
			struct reg_session_state *s)
{
	if (c->have_sess)
		*s = c->sess;
	return c->have_sess;
}

void reg_client_set_session(struct reg_client *c,
			    const struct reg_session_state *s)
{
	sodium_memzero(&c->sess, sizeof(c->sess));
	c->have_sess = s != NULL;
	if (s)
		c->sess = *s;
}

void reg_client_fix_counter(struct reg_client *c, uint64_t counter)
{
	c->fixed_counter = counter;
}

const char *reg_client_code(const struct reg_client *c)
{
	return c->code;
}

void reg_client_timeout(struct reg_client *c, long ms)
{
	c->timeout_ms = ms;
}

void reg_client_fix(struct reg_client *c, int64_t ts, const char *nonce)
{
	c->fixed_ts = ts;
	snprintf(c->fixed_nonce, sizeof(c->fixed_nonce), "%s",
		 nonce ? nonce : "");
}

const char *reg_client_error(const struct reg_client *c)
{
	return c->err;
}

long reg_client_status(const struct reg_client *c)
{
	return c->status;
}

struct buf {
	char *data;
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > 16 * REG_MAX_BODY)	/* a sync page fits */
		return 0;
	p = realloc(b->data, b->len + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, ptr, n);
	b->len += n;
	p[b->len] = '\0';
	b->data = p;
	return n;
}

/* The signature headers of a request into @hdrs; 0 or -1. */
static int sign_headers(struct reg_client *c, const char *method,
			const char *target, const char *body, size_t len,
			enum reg_sign_as sign, struct curl_slist **hdrs)
{
	char nonce[REG_NONCE_MAX + 1], sig[REG_SIG_B64_LEN + 1], line[160];
	struct curl_slist *h = *hdrs;
	int64_t ts = c->fixed_ts ? c->fixed_ts : (int64_t)time(NULL);

	if (sign == REG_SIGN_NONE)
		return 0;
	if (sign == REG_SIGN_SESSION) {
		uint64_t n;

		if (!c->have_sess) {
			snprintf(c->err, sizeof(c->err), "no session");
			return -1;
		}
		n = c->fixed_counter ? c->fixed_counter : ++c->sess.counter;
		if (reg_mac(c->sess.key, method, target, ts, n, body, len,
			    sig)) {
			snprintf(c->err, sizeof(c->err), "out of memory");
			return -1;
		}
		snprintf(line, sizeof(line), REG_HDR_SESSION ": %s",
			 c->sess.id);
		h = curl_slist_append(h, line);
		snprintf(line, sizeof(line), REG_HDR_TIME ": %" PRId64, ts);
		h = curl_slist_append(h, line);
		snprintf(line, sizeof(line), REG_HDR_COUNTER ": %" PRIu64, n);
		h = curl_slist_append(h, line);
		snprintf(line, sizeof(line), REG_HDR_MAC ": %s", sig);
		h = curl_slist_append(h, line);
		*hdrs = h;
		return h ? 0 : -1;
	}
	if (!c->have_id || (sign == REG_SIGN_NODE && !c->node_id)) {
		snprintf(c->err, sizeof(c->err), "no identity to sign with");
		return -1;
	}
	if (c->fixed_nonce[0])
		snprintf(nonce, sizeof(nonce), "%s", c->fixed_nonce);
	else
		reg_nonce_new(nonce);
	if (reg_sign(&c->id, method, target, ts, nonce, body, len, sig)) {
		snprintf(c->err, sizeof(c->err), "cannot sign");
		return -1;
	}
	if (sign == REG_SIGN_NODE) {
		snprintf(line, sizeof(line), REG_HDR_NODE ": %" PRIu32,
			 c->node_id);
		h = curl_slist_append(h, line);
	}
	snprintf(line, sizeof(line), REG_HDR_TIME ": %" PRId64, ts);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), REG_HDR_NONCE ": %s", nonce);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), REG_HDR_SIG ": %s", sig);
	h = curl_slist_append(h, line);
	*hdrs = h;
	return h ? 0 : -1;
}

/* One attempt at registry @url: the status, or -1 (transport error). */
static long call_one(struct reg_client *c, const char *url,
		     const char *method, const char *target, const char *body,
		     size_t len, struct curl_slist *hdrs, struct buf *out)
{
	char full[1024];
	CURL *curl = curl_easy_init();
	CURLcode rc;
	long status = -1;

	if (!curl) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	snprintf(full, sizeof(full), "%s%s", url, target);
	curl_easy_setopt(curl, CURLOPT_URL, full);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET")) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)len);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	/* A registry that does not answer at all: on to the next soon. */
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
			 c->timeout_ms < 3000 ? c->timeout_ms : 3000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->cainfo)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->cainfo);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(c->err, sizeof(c->err), "%s: %s", url,
			 curl_easy_strerror(rc));
	curl_easy_cleanup(curl);
	return status;
}

long reg_call(struct reg_client *c, const char *method, const char *target,
	      const char *body, size_t len, enum reg_sign_as sign,
	      char **resp, size_t *resp_len)
{
	struct curl_slist *hdrs = NULL;
	struct buf out = {};
	long status = -1;
	size_t i;

	*resp = NULL;
	*resp_len = 0;
	c->status = 0;
	c->code[0] = '\0';
	c->err[0] = '\0';
	hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip on larger bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (!hdrs || sign_headers(c, method, target, body, len, sign, &hdrs)) {
		curl_slist_free_all(hdrs);
		if (!c->err[0])
			snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	if (!c->n_urls)
		snprintf(c->err, sizeof(c->err), "no registry configured");
	for (i = 0; i < c->n_urls; i++) {
		free(out.data);
		out = (struct buf){};
		status = call_one(c, c->urls[i], method, target, body, len,
				  hdrs, &out);
		if (status > 0 && status < 500)
			break;
		if (status >= 500)
			snprintf(c->err, sizeof(c->err), "%s: HTTP %ld",
				 c->urls[i], status);
	}
	curl_slist_free_all(hdrs);
	c->status = status > 0 ? status : 0;
	if (status < 0) {
		free(out.data);
		return -1;
	}
	*resp = out.data ? out.data : strdup("");
	*resp_len = out.len;
	return status;
}

/* The answer to @method @target as a 200's body, or -1 with c->err. */
static int call_ok(struct reg_client *c, const char *method,
		   const char *target, const char *body, enum reg_sign_as sign,
		   char **resp, size_t *len)
{
	char code[64], msg[384];
	long status;

	status = reg_call(c, method, target, body, body ? strlen(body) : 0,
			  sign, resp, len);
	if (status < 0)
		return -1;
	if (status == 200)
		return 0;
	if (!reg_parse_error(*resp, *len, code, sizeof(code), msg,
			     sizeof(msg))) {
		snprintf(c->err, sizeof(c->err), "%s: %s", code, msg);
		snprintf(c->code, sizeof(c->code), "%s", code);
	} else
		snprintf(c->err, sizeof(c->err), "HTTP %ld", status);
	free(*resp);
	*resp = NULL;
	return -1;
}

/* @obj as a JSON string, for a request body (free()). */
static char *json_body(struct json_object *obj)
{
	char *s = strdup(json_object_to_json_string_ext(obj,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(obj);
	return s;
}

static int parse_fail(struct reg_client *c, const char *what, const char *why)
{
	snprintf(c->err, sizeof(c->err), "invalid answer to %s: %s", what,
		 why);
	return -1;
}

int reg_enroll(struct reg_client *c, const char *token, bool relay_only,
	       struct reg_enrollment *e)
{
	struct json_object *obj = json_object_new_object();
	char pk[KEY_B64_LEN + 1], *body, *resp;
	const char *why;
	size_t len;
	int ret;

	if (!c->have_id) {
		json_object_put(obj);
		snprintf(c->err, sizeof(c->err), "no identity to enroll");
		return -1;
	}
	key_b64(c->id.pk, pk);
	json_object_object_add(obj, "token", json_object_new_string(token));
	json_object_object_add(obj, "public_key", json_object_new_string(pk));
	if (relay_only)
		json_object_object_add(obj, "relay_only",
				       json_object_new_boolean(true));
	body = json_body(obj);
	if (!body)
		return -1;
	ret = call_ok(c, "POST", REG_API "/enroll", body, REG_SIGN_KEY,
		      &resp, &len);
	sodium_memzero(body, strlen(body));
	free(body);
	if (ret)
		return -1;
	ret = reg_parse_enroll_resp(resp, len, e, &why);
	free(resp);
	if (ret)
		return parse_fail(c, "enroll", why);
	if (memcmp(e->cert.public_key, c->id.pk, KEY_PUB_LEN))
		return parse_fail(c, "enroll", "certificate for another key");
	return 0;
}

int reg_register(struct reg_client *c, const char *const *endpoints,
		 size_t n, bool relay_only)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char *body, *resp;
	size_t i, len;
	int ret;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(endpoints[i]));
	json_object_object_add(obj, "endpoints", arr);
	json_object_object_add(obj, "relay_only",
			       json_object_new_boolean(relay_only));
	body = json_body(obj);
	if (!body)
		return -1;
	ret = call_ok(c, "POST", REG_API "/register", body, REG_SIGN_NODE,
		      &resp, &len);
	free(body);
	free(resp);
	return ret;
}

int reg_session_open(struct reg_client *c)
{
	struct reg_session_state st = {};
	struct reg_session rs;
	const char *why;
	char *resp;
	size_t len;
	int ret;

	if (call_ok(c, "POST", REG_API "/session", "{}", REG_SIGN_NODE, &resp,
		    &len))
		return -1;
	ret = reg_parse_session_resp(resp, len, &rs, &why);
	free(resp);
	if (ret)
		return parse_fail(c, "session", why);
	if (reg_session_unseal(&c->id, rs.sealed, st.key))
		return parse_fail(c, "session", "the key is not sealed to this identity");
	memcpy(st.id, rs.id, sizeof(st.id));
	/* The registry's clock, as a lifetime on ours. */
	st.expires_at = (int64_t)time(NULL) + rs.ttl;
	if (rs.expires_at < st.expires_at)
		st.expires_at = rs.expires_at;
	reg_client_set_session(c, &st);
	sodium_memzero(&st, sizeof(st));
	return 0;
}

/* A session's code that a new session cures. */
static bool session_gone(const struct reg_client *c)
{
	return c->status == 401 && (!strcmp(c->code, "unknown_session") ||
				    !strcmp(c->code, "session_expired"));
}

/*
 * GET @target with the session, opened first if there is none or it ends
 * soon, and opened again once if the registry does not know it (any more).
 * 1: no sessions here (off, or a registry without them): sign it.
 */
static int session_get(struct reg_client *c, const char *target, char **resp,
		       size_t *len)
{
	int tries;

	if (c->no_sessions || !c->have_id || !c->node_id)
		return 1;
	for (tries = 0; tries < 2; tries++) {
		if (!c->have_sess || c->sess.expires_at - SESSION_MARGIN <=
		    (int64_t)time(NULL)) {
			if (reg_session_open(c)) {
				/* A registry of before sessions. */
				if (c->status == 404 || c->status == 405) {
					c->no_sessions = true;
					return 1;
				}
				return -1;
			}
		}
		if (!call_ok(c, "GET", target, NULL, REG_SIGN_SESSION, resp,
			     len))
			return 0;
		if (!session_gone(c))
			return -1;
		reg_client_set_session(c, NULL);
	}
	return -1;
}

int reg_sync(struct reg_client *c, int64_t since, struct reg_sync *s)
{
	char target[64], *resp;
	const char *why;
	size_t len;
	int ret;

	snprintf(target, sizeof(target), REG_API "/nodes?since=%" PRId64,
		 since);
	ret = session_get(c, target, &resp, &len);
	if (ret > 0)
		ret = call_ok(c, "GET", target, NULL, REG_SIGN_NODE, &resp,
			      &len);
	if (ret)
		return -1;
	ret = reg_parse_sync_resp(resp, len, s, &why);
	free(resp);
	return ret ? parse_fail(c, "sync", why) : 0;
}

int reg_beacons(struct reg_client *c, struct reg_beacons *b)
{
	const char *why;
	char *resp;
	size_t len;
	int ret;

	if (call_ok(c, "GET", REG_API "/beacons", NULL, REG_SIGN_NONE, &resp,
		    &len))
		return -1;
	ret = reg_parse_beacons_resp(resp, len, b, &why);
	free(resp);
	return ret ? parse_fail(c, "beacons", why) : 0;
}

int reg_beacon_heartbeat(struct reg_client *c, const char *token,
			 const char *address)
{
	struct json_object *obj = json_object_new_object();
	char *body, *resp;
	size_t len;
	int ret;

	json_object_object_add(obj, "token", json_object_new_string(token));
	json_object_object_add(obj, "address", json_object_new_string(address));
	body = json_body(obj);
	if (!body)
		return -1;
	ret = call_ok(c, "POST", REG_API "/beacons", body, REG_SIGN_NONE,
		      &resp, &len);
	free(body);
	free(resp);
	return ret;
}

int reg_save_cert(const char *path, const char *armor, char *err)
{
	size_t len = strlen(armor), off = 0;
	char tmp[4096];
	ssize_t n;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, KEY_ERR_LEN, "%s: path too long", path);
		return -1;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (off < len) {
		n = write(fd, armor + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_fd;
		off += n;
	}
	if (fsync(fd))
		goto fail_fd;
	if (close(fd)) {
		fd = -1;
		goto fail_fd;
	}
	if (rename(tmp, path))
		goto fail_tmp;
	return 0;
fail_fd:
	if (fd >= 0)
		close(fd);
fail_tmp:
	snprintf(err, KEY_ERR_LEN, "%s: %s", path, strerror(errno));
	unlink(tmp);
	return -1;
fail:
	snprintf(err, KEY_ERR_LEN, "%s.tmp: %s", path, strerror(errno));
	return -1;
}
