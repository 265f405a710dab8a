// SPDX-License-Identifier: GPL-2.0
/*
 * "ovl-registry serve": libmicrohttpd, one internal thread (requests are
 * handled one at a time, so the store needs no lock), JSON with json-c.
 * Every request is read whole (at most REG_MAX_BODY bytes) before it is
 * looked at; every error is {"error": CODE, "message": TEXT} with its
 * HTTP status, and leaves the database as it was.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "wire.h"

#define PEM_MAX		(64 * 1024)
#define SESS_BUCKETS0	1024
#define SESS_SWEEP	60	/* seconds between sweeps of the cache */
#define SYNC_CACHE	256	/* answers kept, by "since" */
/*
 * Sessions of one node kept at most: a node that opens more (a daemon in
 * a restart loop, or one that hoards them) loses the one that ends first,
 * so that the cache is bounded by the nodes, not by the sessions opened.
 */
#define SESS_PER_NODE	8

/* A sync answer kept: to "since", at the directory's "version", built "at". */
struct sync_slot {
	int64_t since;
	int64_t version;
	int64_t at;
	struct MHD_Response *resp;
};

/*
 * A session this server has seen used: read from the database at its
 * first use here, then kept, with the highest counter taken on it here.
 */
struct sess {
	struct sess *next;
	struct sess *node_next;	/* the node's other sessions kept */
	uint8_t id[REG_SESSION_ID_LEN / 2];
	uint32_t node_id;
	uint8_t key[REG_SESSION_KEY_LEN];
	int64_t expires_at;
	int64_t epoch;		/* the revocation epoch it was checked at */
	uint64_t counter;	/* the highest taken */
};

struct server {
	struct store *st;
	const struct server_opts *opts;
	int64_t last_sweep;
	/*
	 * The beacon list is the same for every caller: its answer is built
	 * at most once a second (its filter, now - beacon_ttl, moves by the
	 * second anyway) and whenever this server takes a heartbeat; another
	 * server's heartbeat shows within the second.
	 */
	struct MHD_Response *beacons;
	int64_t beacons_at;
	/* The sessions cache: a chained hash on the random session id. */
	struct sess **sess;
	size_t n_buckets, n_sess;
	struct sess **per_node;	/* the sessions kept, by node id */
	size_t per_node_len;
	int64_t sess_swept;
	struct sync_slot sync_cache[SYNC_CACHE];
	/*
	 * PostgreSQL: a thread LISTENs for the writers' notifications and
	 * moves @gen at each (and whenever its connection is lost or back),
	 * so that the counters read at @known_gen stand until it moves: no
	 * round trip per sync.  SQLite: read each time (in-process).
	 */
	atomic_ulong gen;
	atomic_bool watching;
	atomic_bool stop;
	unsigned long known_gen;
	bool known;
	int64_t known_version, known_epoch;
};

/* One request: its raw target (path and query, as signed) and body. */
struct req {
	char *target;
	char *body;
	size_t len;
	bool started;
	bool too_big;
};

static int64_t now_s(void)
{
	return time(NULL);
}

/* A response holding @obj as JSON (@obj is put); NULL if out of memory. */
static struct MHD_Response *json_response(struct json_object *obj)
{
	const char *text = json_object_to_json_string_ext(obj,
							  JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_MUST_COPY);
	json_object_put(obj);
	if (resp)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					"application/json");
	return resp;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     struct json_object *obj)
{
	struct MHD_Response *resp = json_response(obj);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void beacons_forget(struct server *srv)
{
	if (srv->beacons)
		MHD_destroy_response(srv->beacons);
	srv->beacons = NULL;
}

static enum MHD_Result reply_err(struct MHD_Connection *conn,
				 unsigned int status, const char *code,
				 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum MHD_Result reply_err(struct MHD_Connection *conn,
				 unsigned int status, const char *code,
				 const char *fmt, ...)
{
	struct json_object *obj = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(obj, "error", json_object_new_string(code));
	json_object_object_add(obj, "message", json_object_new_string(msg));
	return reply(conn, status, obj);
}

/* The answer to a store error. */
static enum MHD_Result reply_store(struct MHD_Connection *conn,
				   struct server *srv, enum reg_err err,
				   uint32_t id)
{
	switch (err) {
	case REG_OK:
		break;
	case REG_E_DB:
		fprintf(stderr, "ovl-registry: %s\n", srv->st->err);
		return reply_err(conn, 500, "internal", "database error");
	case REG_E_NOT_INITIALIZED:
		return reply_err(conn, 500, "internal",
				 "registry not initialized");
	case REG_E_TOKEN_UNKNOWN:
		return reply_err(conn, 403, "token_unknown",
				 "unknown join token");
	case REG_E_TOKEN_EXHAUSTED:
		return reply_err(conn, 403, "token_exhausted",
				 "join token has no uses left");
	case REG_E_TOKEN_EXPIRED:
		return reply_err(conn, 403, "token_expired",
				 "token expired");
	case REG_E_ENROLLED:
		return reply_err(conn, 409, "enrolled",
				 "public key already enrolled as node %" PRIu32,
				 id);
	case REG_E_NETWORK_FULL:
		return reply_err(conn, 409, "network_full",
				 "no free node id or address left in the network");
	case REG_E_REPLAYED:
		return reply_err(conn, 401, "replayed",
				 "nonce already used: request replayed");
	case REG_E_UNKNOWN_NODE:
		return reply_err(conn, 401, "unknown_node",
				 "unknown node id %" PRIu32, id);
	case REG_E_REVOKED:
		return reply_err(conn, 403, "revoked",
				 "node %" PRIu32 " is revoked", id);
	case REG_E_SESSION_UNKNOWN:
		return reply_err(conn, 401, "unknown_session",
				 "unknown session: open a new one (POST "
				 REG_API "/session)");
	case REG_E_SESSION_EXPIRED:
		return reply_err(conn, 401, "session_expired",
				 "session expired: open a new one (POST "
				 REG_API "/session)");
	}
	return reply_err(conn, 500, "internal", "unexpected error");
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/*
 * Check the signature headers of a request against @pk: the time within
 * REG_CLOCK_WINDOW of now, a well-formed nonce, a valid signature.  Fills
 * @auth (whose signer the caller set).  0, or -1 with the reply queued.
 */
static int check_sig(struct MHD_Connection *conn, const char *method,
		     const struct req *r, const uint8_t pk[KEY_PUB_LEN],
		     struct store_auth *auth, enum MHD_Result *ret)
{
	const char *ts = header(conn, REG_HDR_TIME);
	const char *nonce = header(conn, REG_HDR_NONCE);
	const char *sig = header(conn, REG_HDR_SIG);
	int64_t now = now_s();
	uint64_t t;

	if (!ts || !nonce || !sig) {
		*ret = reply_err(conn, 401, "unsigned",
				 "missing " REG_HDR_TIME ", " REG_HDR_NONCE
				 " or " REG_HDR_SIG " header");
		return -1;
	}
	if (parse_u64(ts, &t) || t > INT64_MAX) {
		*ret = reply_err(conn, 401, "unsigned",
				 REG_HDR_TIME ": expected Unix seconds");
		return -1;
	}
	if (!reg_nonce_valid(nonce)) {
		*ret = reply_err(conn, 401, "unsigned",
				 REG_HDR_NONCE ": expected 16 to 64 characters of [A-Za-z0-9_-]");
		return -1;
	}
	if ((int64_t)t < now - REG_CLOCK_WINDOW ||
	    (int64_t)t > now + REG_CLOCK_WINDOW) {
		*ret = reply_err(conn, 401, "stale",
				 "request time %" PRIu64 " is more than %d s from the registry's clock (%" PRId64 ")",
				 t, REG_CLOCK_WINDOW, now);
		return -1;
	}
	if (reg_verify(pk, method, r->target, t, nonce, r->body ? r->body : "",
		       r->len, sig)) {
		*ret = reply_err(conn, 401, "bad_signature",
				 "signature does not verify");
		return -1;
	}
	auth->nonce = nonce;
	auth->ts = t;
	return 0;
}

/* A signed node request: its node id and auth.  0, or -1 with a reply. */
static int node_auth(struct server *srv, struct MHD_Connection *conn,
		     const char *method, const struct req *r, uint32_t *id,
		     char *signer, struct store_auth *auth, uint8_t *pk,
		     enum MHD_Result *ret)
{
	const char *node = header(conn, REG_HDR_NODE);
	enum reg_err err;

	/* (GET /v1/nodes with a session does not come here.) */
	if (header(conn, REG_HDR_SESSION) && !header(conn, REG_HDR_SIG)) {
		*ret = reply_err(conn, 401, "unsigned",
				 "a session MAC is taken on GET " REG_API
				 "/nodes only: sign this request");
		return -1;
	}
	if (!node) {
		*ret = reply_err(conn, 401, "unsigned",
				 "missing " REG_HDR_NODE " header");
		return -1;
	}
	if (parse_u32(node, id) || !*id) {
		*ret = reply_err(conn, 401, "unknown_node",
				 REG_HDR_NODE ": expected a node id");
		return -1;
	}
	err = store_node_key(srv->st, *id, pk);
	if (err) {
		*ret = reply_store(conn, srv, err, *id);
		return -1;
	}
	if (check_sig(conn, method, r, pk, auth, ret))
		return -1;
	snprintf(signer, 32, "node:%" PRIu32, *id);
	auth->signer = signer;
	return 0;
}

static size_t sess_bucket(const struct server *srv, const uint8_t *id)
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));	/* random bytes: a hash already */
	return h & (srv->n_buckets - 1);
}

static struct sess **sess_find(struct server *srv, const uint8_t *id)
{
	struct sess **pp;

	if (!srv->n_buckets)
		return NULL;
	for (pp = &srv->sess[sess_bucket(srv, id)]; *pp; pp = &(*pp)->next)
		if (!memcmp((*pp)->id, id, sizeof((*pp)->id)))
			return pp;
	return NULL;
}

static void sess_unlink(struct server *srv, struct sess **pp)
{
	struct sess *e = *pp;

	*pp = e->next;
	for (pp = e->node_id < srv->per_node_len ?
		  &srv->per_node[e->node_id] : NULL; pp && *pp;
	     pp = &(*pp)->node_next) {
		if (*pp == e) {
			*pp = e->node_next;
			break;
		}
	}
	sodium_memzero(e, sizeof(*e));
	free(e);
	srv->n_sess--;
}

/*
 * Room for one more session of @node: the table of nodes grown to hold
 * it, and at SESS_PER_NODE its session that ends first forgotten.  0, or
 * -1 (no memory).
 */
static int sess_room(struct server *srv, uint32_t node)
{
	struct sess *x, *oldest = NULL;
	struct sess **t;
	unsigned int n = 0;
	size_t len;

	if (node >= srv->per_node_len) {
		len = (size_t)node + 1 > 2 * srv->per_node_len ?
		      (size_t)node + 1 : 2 * srv->per_node_len;
		t = realloc(srv->per_node, len * sizeof(*t));
		if (!t)
			return -1;
		memset(t + srv->per_node_len, 0,
		       (len - srv->per_node_len) * sizeof(*t));
		srv->per_node = t;
		srv->per_node_len = len;
	}
	for (x = srv->per_node[node]; x; x = x->node_next, n++)
		if (!oldest || x->expires_at < oldest->expires_at)
			oldest = x;
	if (n >= SESS_PER_NODE)
		sess_unlink(srv, sess_find(srv, oldest->id));
	return 0;
}

/* Forget the expired sessions, at most once a SESS_SWEEP. */
static void sess_sweep(struct server *srv, int64_t now)
{
	struct sess **pp;
	size_t b;

	if (now - srv->sess_swept < SESS_SWEEP)
		return;
	srv->sess_swept = now;
	for (b = 0; b < srv->n_buckets; b++) {
		pp = &srv->sess[b];
		while (*pp) {
			if ((*pp)->expires_at <= now)
				sess_unlink(srv, pp);
			else
				pp = &(*pp)->next;
		}
	}
}

/*
 * Keep @e (a new entry, its id and node set); the table doubles when it
 * averages one a bucket.
 */
static int sess_add(struct server *srv, struct sess *e)
{
	size_t n = srv->n_buckets ? srv->n_buckets * 2 : SESS_BUCKETS0, b, i;
	struct sess **t, *x;

	if (srv->n_sess >= srv->n_buckets) {
		t = calloc(n, sizeof(*t));
		if (!t)
			return -1;
		for (i = 0; i < srv->n_buckets; i++) {
			while ((x = srv->sess[i])) {
				srv->sess[i] = x->next;
				b = sess_bucket(&(struct server){ .n_buckets = n },
						x->id);
				x->next = t[b];
				t[b] = x;
			}
		}
		free(srv->sess);
		srv->sess = t;
		srv->n_buckets = n;
	}
	if (sess_room(srv, e->node_id))
		return -1;
	b = sess_bucket(srv, e->id);
	e->next = srv->sess[b];
	srv->sess[b] = e;
	srv->n_sess++;
	e->node_next = srv->per_node[e->node_id];
	srv->per_node[e->node_id] = e;
	return 0;
}

static void sess_free_all(struct server *srv)
{
	size_t b;

	for (b = 0; b < srv->n_buckets; b++)
		while (srv->sess[b])
			sess_unlink(srv, &srv->sess[b]);
	free(srv->sess);
	srv->sess = NULL;
	srv->n_buckets = 0;
	free(srv->per_node);
	srv->per_node = NULL;
	srv->per_node_len = 0;
}

/*
 * The session @sid from the database into the cache entry @e (a new one
 * if NULL, kept: its pointer into *@out); a store error if refused, with
 * the entry dropped.  *@node: the session's node, if known.
 */
static enum reg_err sess_load(struct server *srv, const char *sid,
			      const uint8_t *raw, struct sess *e,
			      struct sess **out, uint32_t *node, int64_t now)
{
	struct store_session ss;
	struct sess **pp;
	enum reg_err err;

	err = store_session_get(srv->st, sid, now, &ss);
	*node = ss.node_id;
	if (err) {
		pp = sess_find(srv, raw);
		if (pp)
			sess_unlink(srv, pp);
		sodium_memzero(&ss, sizeof(ss));
		return err;
	}
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e) {
			memcpy(e->id, raw, sizeof(e->id));
			e->node_id = ss.node_id;
		}
		if (!e || sess_add(srv, e)) {
			free(e);
			sodium_memzero(&ss, sizeof(ss));
			snprintf(srv->st->err, sizeof(srv->st->err),
				 "out of memory");
			return REG_E_DB;
		}
	}
	e->node_id = ss.node_id;
	memcpy(e->key, ss.key, sizeof(e->key));
	e->expires_at = ss.expires_at;
	e->epoch = ss.epoch;
	sodium_memzero(&ss, sizeof(ss));
	*out = e;
	return REG_OK;
}

/*
 * A request with a session MAC instead of a signature (docs/registry.md
 * "Sessions"): its session (cached), time, MAC and counter, which must be
 * above the highest this server took on the session.  Nothing is written
 * anywhere but in this cache.  0, or -1 with the reply queued.
 */
static int session_auth(struct server *srv, struct MHD_Connection *conn,
			const char *method, const struct req *r,
			struct sess **out, uint8_t *raw, enum MHD_Result *ret)
{
	const char *sid = header(conn, REG_HDR_SESSION);
	const char *ts = header(conn, REG_HDR_TIME);
	const char *ctr = header(conn, REG_HDR_COUNTER);
	const char *mac = header(conn, REG_HDR_MAC);
	struct sess **pp, *e = NULL;
	int64_t now = now_s();
	uint32_t node = 0;
	enum reg_err err;
	uint64_t t, n;
	size_t len;

	if (!ts || !ctr || !mac) {
		*ret = reply_err(conn, 401, "unsigned",
				 "missing " REG_HDR_TIME ", " REG_HDR_COUNTER
				 " or " REG_HDR_MAC " header");
		return -1;
	}
	if (parse_u64(ts, &t) || t > INT64_MAX) {
		*ret = reply_err(conn, 401, "unsigned",
				 REG_HDR_TIME ": expected Unix seconds");
		return -1;
	}
	if (parse_u64(ctr, &n) || !n) {
		*ret = reply_err(conn, 401, "unsigned",
				 REG_HDR_COUNTER ": expected a number, 1 or more");
		return -1;
	}
	if (!reg_session_id_valid(sid) ||
	    sodium_hex2bin(raw, REG_SESSION_ID_LEN / 2, sid,
			   REG_SESSION_ID_LEN, NULL, &len, NULL) ||
	    len != REG_SESSION_ID_LEN / 2) {
		*ret = reply_err(conn, 401, "unknown_session",
				 REG_HDR_SESSION ": expected a session id (32 hex characters): open a session (POST "
				 REG_API "/session)");
		return -1;
	}
	if ((int64_t)t < now - REG_CLOCK_WINDOW ||
	    (int64_t)t > now + REG_CLOCK_WINDOW) {
		*ret = reply_err(conn, 401, "stale",
				 "request time %" PRIu64 " is more than %d s from the registry's clock (%" PRId64 ")",
				 t, REG_CLOCK_WINDOW, now);
		return -1;
	}
	sess_sweep(srv, now);
	pp = sess_find(srv, raw);
	if (pp) {
		e = *pp;
		if (e->expires_at <= now) {
			sess_unlink(srv, pp);
			*ret = reply_store(conn, srv, REG_E_SESSION_EXPIRED, 0);
			return -1;
		}
	} else {
		err = sess_load(srv, sid, raw, NULL, &e, &node, now);
		if (err) {
			*ret = reply_store(conn, srv, err, node);
			return -1;
		}
	}
	if (reg_mac_verify(e->key, method, r->target, t, n,
			   r->body ? r->body : "", r->len, mac)) {
		*ret = reply_err(conn, 401, "bad_mac",
				 "session MAC does not verify");
		return -1;
	}
	if (n <= e->counter) {
		*ret = reply_err(conn, 401, "replayed",
				 "counter %" PRIu64 " not above the session's last (%" PRIu64 "): request replayed",
				 n, e->counter);
		return -1;
	}
	e->counter = n;
	*out = e;
	return 0;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static enum MHD_Result do_enroll(struct server *srv,
				 struct MHD_Connection *conn,
				 const struct req *r)
{
	struct reg_enroll_req er;
	struct store_auth auth = {};
	struct json_object *obj;
	struct store_node n;
	char signer[KEY_B64_LEN + 1], net[ADDR_STRLEN], ca[KEY_B64_LEN + 1];
	enum MHD_Result ret;
	enum reg_err err;
	const char *why;

	if (reg_parse_enroll(r->body, r->len, &er, &why))
		return reply_err(conn, 400, "bad_request", "%s", why);
	/* Proof of possession: the identity enrolled signs the request. */
	if (check_sig(conn, "POST", r, er.public_key, &auth, &ret))
		return ret;
	key_b64(er.public_key, signer);
	auth.signer = signer;
	err = store_enroll(srv->st, &auth, er.token, er.public_key,
			   er.relay_only, now_s(), &n);
	sodium_memzero(&er, sizeof(er));
	if (err)
		return reply_store(conn, srv, err, n.id);
	obj = json_object_new_object();
	add_int(obj, "node_id", n.id);
	add_str(obj, "address", n.address);
	add_str(obj, "network", cidr_fmt(&srv->st->network, net));
	key_b64(srv->st->ca.pk, ca);
	add_str(obj, "ca_public_key", ca);
	add_str(obj, "certificate", n.cert);
	add_int(obj, "version", n.version);
	return reply(conn, 200, obj);
}

static void sweep(struct server *srv)
{
	int64_t now = now_s();

	if (now == srv->last_sweep)
		return;
	srv->last_sweep = now;
	if (store_sweep(srv->st, now, srv->opts->node_ttl,
			2 * REG_CLOCK_WINDOW + 1) < 0)
		fprintf(stderr, "ovl-registry: sweep: %s\n", srv->st->err);
}

/* The comma-separated endpoints of @er. */
static void join_endpoints(const struct reg_register_req *er, char *out)
{
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < er->n_endpoints; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, er->endpoints[i]);
	}
}

static enum MHD_Result do_register(struct server *srv,
				   struct MHD_Connection *conn,
				   const struct req *r)
{
	char signer[32], eps[STORE_ENDPOINTS_LEN];
	struct reg_register_req er;
	struct store_auth auth = {};
	struct json_object *obj;
	uint8_t pk[KEY_PUB_LEN];
	enum MHD_Result ret;
	enum reg_err err;
	const char *why;
	int64_t version;
	uint32_t id;

	if (node_auth(srv, conn, "POST", r, &id, signer, &auth, pk, &ret))
		return ret;
	sweep(srv);
	if (reg_parse_register(r->body, r->len, &er, &why))
		return reply_err(conn, 400, "bad_request", "%s", why);
	join_endpoints(&er, eps);
	err = store_register(srv->st, &auth, id, eps, er.relay_only, now_s(),
			     &version);
	if (err)
		return reply_store(conn, srv, err, id);
	obj = json_object_new_object();
	add_int(obj, "node_id", id);
	add_int(obj, "version", version);
	add_int(obj, "ttl", srv->opts->node_ttl);
	return reply(conn, 200, obj);
}

static enum MHD_Result do_session(struct server *srv,
				  struct MHD_Connection *conn,
				  const struct req *r)
{
	char signer[32], sid[REG_SESSION_ID_LEN + 1];
	char b64[REG_SESSION_SEALED_B64 + 1];
	uint8_t pk[KEY_PUB_LEN], key[REG_SESSION_KEY_LEN];
	uint8_t sealed[REG_SESSION_SEALED_LEN];
	struct store_auth auth = {};
	struct json_object *obj;
	int64_t expires_at;
	enum MHD_Result ret;
	enum reg_err err;
	const char *why;
	uint32_t id;

	if (node_auth(srv, conn, "POST", r, &id, signer, &auth, pk, &ret))
		return ret;
	if (reg_parse_session_req(r->body, r->len, &why))
		return reply_err(conn, 400, "bad_request", "%s", why);
	sweep(srv);
	err = store_session_new(srv->st, &auth, id, now_s(),
				srv->opts->session_ttl, sid, key, &expires_at);
	if (err)
		return reply_store(conn, srv, err, id);
	if (reg_session_seal(pk, key, sealed)) {
		sodium_memzero(key, sizeof(key));
		return reply_err(conn, 500, "internal",
				 "cannot seal the session key");
	}
	sodium_memzero(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), sealed, sizeof(sealed),
			  sodium_base64_VARIANT_ORIGINAL);
	obj = json_object_new_object();
	add_str(obj, "session", sid);
	add_str(obj, "key", b64);
	add_int(obj, "expires_at", expires_at);
	add_int(obj, "ttl", srv->opts->session_ttl);
	return reply(conn, 200, obj);
}

struct sync_out {
	struct json_object *nodes;
	struct json_object *removed;
};

static void sync_cb(const struct store_node *n, void *arg)
{
	struct sync_out *out = arg;
	struct json_object *o = json_object_new_object(), *eps;
	char buf[STORE_ENDPOINTS_LEN], *p, *save = NULL;

	add_int(o, "node_id", n->id);
	add_int(o, "version", n->version);
	if (n->removed) {
		add_str(o, "reason", n->removed);
		json_object_array_add(out->removed, o);
		return;
	}
	add_str(o, "public_key", n->public_key);
	add_str(o, "address", n->address);
	add_str(o, "certificate", n->cert);
	eps = json_object_new_array();
	snprintf(buf, sizeof(buf), "%s", n->endpoints);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		json_object_array_add(eps, json_object_new_string(p));
	json_object_object_add(o, "endpoints", eps);
	json_object_object_add(o, "relay_only",
			       json_object_new_boolean(n->relay_only));
	add_int(o, "last_seen", n->last_seen);
	json_object_array_add(out->nodes, o);
}

/* The counters: as last read if no writer has notified since, else read. */
static enum reg_err versions(struct server *srv, int64_t *version,
			     int64_t *epoch)
{
	unsigned long g;
	enum reg_err err;

	if (atomic_load(&srv->watching)) {
		g = atomic_load(&srv->gen);
		if (srv->known && g == srv->known_gen) {
			*version = srv->known_version;
			*epoch = srv->known_epoch;
			return REG_OK;
		}
		/* Read after taking @g: a later notification moves it again. */
		err = store_versions(srv->st, version, epoch);
		srv->known = !err;
		srv->known_gen = g;
		srv->known_version = *version;
		srv->known_epoch = *epoch;
		return err;
	}
	return store_versions(srv->st, version, epoch);
}

static void *watch_main(void *arg)
{
	struct server *srv = arg;
	struct db_watch *w = NULL;
	char err[DB_ERR_LEN];
	bool logged = false;
	int rc;

	while (!atomic_load(&srv->stop)) {
		if (!w) {
			rc = db_watch_open(srv->opts->db_url, &w, err);
			if (rc > 0)
				return NULL;	/* SQLite: nothing to watch */
			if (rc < 0) {
				if (!logged)
					fprintf(stderr, "ovl-registry: watch: %s (reading the counters at each sync meanwhile)\n",
						err);
				logged = true;
				sleep(1);
				continue;
			}
			if (logged)
				fprintf(stderr, "ovl-registry: watch: listening again\n");
			logged = false;
			atomic_store(&srv->watching, true);
			atomic_fetch_add(&srv->gen, 1);
		}
		rc = db_watch_wait(w, 500);
		if (rc > 0) {
			atomic_fetch_add(&srv->gen, 1);
		} else if (rc < 0) {
			atomic_store(&srv->watching, false);
			atomic_fetch_add(&srv->gen, 1);
			db_watch_close(w);
			w = NULL;
		}
	}
	db_watch_close(w);
	return NULL;
}

/*
 * GET /v1/nodes, signed or with a session.  With a session it is a pure
 * read: the counters first (the directory's version, the revocation
 * epoch), then the answer, which is kept for the second it was built in
 * while the directory's version stays: every node that asks the same
 * "since" in that second gets the same bytes (the answer's last_seen
 * times are the only thing that could differ, by less than a second).
 */
static enum MHD_Result do_sync(struct server *srv,
			       struct MHD_Connection *conn,
			       const struct req *r)
{
	const char *since_s = MHD_lookup_connection_value(conn,
				MHD_GET_ARGUMENT_KIND, "since");
	struct sync_out out;
	struct store_auth auth = {};
	struct json_object *obj;
	struct MHD_Response *resp;
	struct sync_slot *slot = NULL;
	int64_t version, current = 0, now;
	enum MHD_Result ret;
	enum reg_err err;
	bool reset, more, mac = header(conn, REG_HDR_SESSION);
	uint8_t pk[KEY_PUB_LEN], raw[REG_SESSION_ID_LEN / 2];
	struct sess *e = NULL;
	uint64_t since = 0;
	int64_t epoch = 0;
	char signer[32];
	uint32_t id;

	if (mac ? session_auth(srv, conn, "GET", r, &e, raw, &ret) :
	    node_auth(srv, conn, "GET", r, &id, signer, &auth, pk, &ret))
		return ret;
	if (e)
		id = e->node_id;
	if (since_s && (parse_u64(since_s, &since) || since > INT64_MAX))
		return reply_err(conn, 400, "bad_request",
				 "'since': expected a version, 0 or more");
	sweep(srv);
	if (e) {
		err = versions(srv, &current, &epoch);
		/*
		 * A node was revoked since this session was checked: check
		 * it again (in the database, at this epoch or a later one).
		 */
		if (!err && epoch != e->epoch)
			err = sess_load(srv, header(conn, REG_HDR_SESSION), raw,
					e, &e, &id, now_s());
		if (err)
			return reply_store(conn, srv, err, id);
		now = now_s();
		if (!srv->opts->no_sync_cache)
			slot = &srv->sync_cache[since % SYNC_CACHE];
		if (slot && slot->resp && slot->since == (int64_t)since &&
		    slot->version == current && slot->at == now)
			return MHD_queue_response(conn, 200, slot->resp);
	}
	out.nodes = json_object_new_array();
	out.removed = json_object_new_array();
	err = store_sync(srv->st, e ? NULL : &auth, since,
			 srv->opts->sync_page, sync_cb, &out, &version, &reset,
			 &more, &epoch);
	if (err) {
		json_object_put(out.nodes);
		json_object_put(out.removed);
		return reply_store(conn, srv, err, id);
	}
	obj = json_object_new_object();
	add_int(obj, "version", version);
	json_object_object_add(obj, "reset", json_object_new_boolean(reset));
	json_object_object_add(obj, "more", json_object_new_boolean(more));
	json_object_object_add(obj, "nodes", out.nodes);
	json_object_object_add(obj, "removed", out.removed);
	resp = json_response(obj);
	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(conn, 200, resp);
	if (slot) {
		if (slot->resp)
			MHD_destroy_response(slot->resp);
		*slot = (struct sync_slot){ .since = since, .version = current,
					    .at = now, .resp = resp };
	} else {
		MHD_destroy_response(resp);
	}
	return ret;
}

static enum MHD_Result do_beacon_post(struct server *srv,
				      struct MHD_Connection *conn,
				      const struct req *r)
{
	struct reg_beacon_req br;
	struct json_object *obj;
	enum reg_err err;
	const char *why;

	if (reg_parse_beacon(r->body, r->len, &br, &why))
		return reply_err(conn, 400, "bad_request", "%s", why);
	err = store_beacon_heartbeat(srv->st, br.token, br.address, now_s());
	if (err)
		return reply_store(conn, srv, err, 0);
	beacons_forget(srv);
	obj = json_object_new_object();
	add_str(obj, "address", br.address);
	add_int(obj, "ttl", srv->opts->beacon_ttl);
	return reply(conn, 200, obj);
}

static void beacon_cb(const char *addr, int64_t last, void *arg)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "address", addr);
	add_int(o, "last_heartbeat", last);
	json_object_array_add(arg, o);
}

static enum MHD_Result do_beacon_list(struct server *srv,
				      struct MHD_Connection *conn)
{
	struct json_object *arr, *obj;
	int64_t now = now_s();
	enum reg_err err;

	if (srv->beacons && srv->beacons_at == now)
		return MHD_queue_response(conn, 200, srv->beacons);
	beacons_forget(srv);
	arr = json_object_new_array();
	err = store_beacons(srv->st, now - srv->opts->beacon_ttl, beacon_cb,
			    arr);
	if (err) {
		json_object_put(arr);
		return reply_store(conn, srv, err, 0);
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "beacons", arr);
	add_int(obj, "ttl", srv->opts->beacon_ttl);
	srv->beacons = json_response(obj);
	if (!srv->beacons)
		return MHD_NO;
	srv->beacons_at = now;
	return MHD_queue_response(conn, 200, srv->beacons);
}

static enum MHD_Result do_health(struct MHD_Connection *conn)
{
	struct json_object *obj = json_object_new_object();

	add_str(obj, "status", "ok");
	return reply(conn, 200, obj);
}

static enum MHD_Result dispatch(struct server *srv,
				struct MHD_Connection *conn,
				const char *url, const char *method,
				const struct req *r)
{
	static const struct {
		const char *path, *method;
	} routes[] = {
		{ REG_API "/enroll", "POST" },
		{ REG_API "/register", "POST" },
		{ REG_API "/nodes", "GET" },
		{ REG_API "/beacons", "POST" },
		{ REG_API "/beacons", "GET" },
		{ REG_API "/health", "GET" },
		{ REG_API "/session", "POST" },
	};
	bool path_known = false;
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(url, routes[i].path))
			continue;
		path_known = true;
		if (!strcmp(method, routes[i].method))
			break;
	}
	if (i == sizeof(routes) / sizeof(routes[0]))
		return path_known ?
		       reply_err(conn, 405, "method_not_allowed",
				 "%s not allowed on %s", method, url) :
		       reply_err(conn, 404, "not_found", "no such resource: %s",
				 url);
	switch (i) {
	case 0:
		return do_enroll(srv, conn, r);
	case 1:
		return do_register(srv, conn, r);
	case 2:
		return do_sync(srv, conn, r);
	case 3:
		return do_beacon_post(srv, conn, r);
	case 4:
		return do_beacon_list(srv, conn);
	case 6:
		return do_session(srv, conn, r);
	}
	return do_health(conn);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn,
			       const char *url, const char *method,
			       const char *version, const char *data,
			       size_t *size, void **con_cls)
{
	struct server *srv = cls;
	struct req *r = *con_cls;
	const char *cl;
	uint64_t n;
	char *body;

	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (parse_u64(cl, &n) || n > REG_MAX_BODY)) {
			r->too_big = true;
			return reply_err(conn, 413, "too_large",
					 "body larger than %d bytes",
					 REG_MAX_BODY);
		}
		return MHD_YES;
	}
	if (*size) {
		if (!r->too_big && r->len + *size > REG_MAX_BODY) {
			r->too_big = true;
			free(r->body);
			r->body = NULL;
		}
		if (!r->too_big) {
			body = realloc(r->body, r->len + *size + 1);
			if (!body)
				return MHD_NO;
			memcpy(body + r->len, data, *size);
			r->len += *size;
			body[r->len] = '\0';
			r->body = body;
		}
		*size = 0;
		return MHD_YES;
	}
	if (r->too_big)
		return reply_err(conn, 413, "too_large",
				 "body larger than %d bytes", REG_MAX_BODY);
	return dispatch(srv, conn, url, method, r);
}

/* The raw request target, kept for signature checks. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req *r = calloc(1, sizeof(*r));

	(void)cls;
	(void)conn;
	if (r)
		r->target = strdup(uri);
	if (r && !r->target) {
		free(r);
		r = NULL;
	}
	return r;
}

static void completed(void *cls, struct MHD_Connection *conn,
		      void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!r)
		return;
	free(r->target);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "ovl-registry: %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	buf = calloc(1, PEM_MAX + 1);
	n = buf ? fread(buf, 1, PEM_MAX, f) : 0;
	fclose(f);
	if (!n) {
		fprintf(stderr, "ovl-registry: %s: empty or unreadable\n",
			path);
		free(buf);
		return NULL;
	}
	return buf;
}

int server_run(struct store *st, const struct server_opts *opts)
{
	struct server srv = { .st = st, .opts = opts };
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG | MHD_USE_AUTO;
	char *cert = NULL, *key = NULL;
	struct MHD_Daemon *d;
	pthread_t watcher;
	bool watching;
	sigset_t set;
	int sig, i;

	if (parse_endpoint(opts->listen, &ss)) {
		fprintf(stderr, "ovl-registry: invalid --listen '%s': expected IP:PORT or [IPv6]:PORT\n",
			opts->listen);
		return 2;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (opts->tls_cert) {
		cert = read_pem(opts->tls_cert);
		key = read_pem(opts->tls_key);
		if (!cert || !key) {
			free(cert);
			free(key);
			return 1;
		}
		flags |= MHD_USE_TLS;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(flags, 0, NULL, NULL, handler, &srv,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_URI_LOG_CALLBACK, uri_log, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_CONNECTION_LIMIT, 1000u,
			     cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
			     cert, MHD_OPTION_HTTPS_MEM_KEY, key,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "ovl-registry: cannot listen on %s%s\n",
			opts->listen, cert ? " with TLS" : "");
		free(cert);
		free(key);
		return 1;
	}
	fprintf(stderr, "ovl-registry: serving %s on %s%s\n",
		db_kind(st->db), opts->listen, cert ? " (TLS)" : "");
	watching = opts->db_url &&
		   !pthread_create(&watcher, NULL, watch_main, &srv);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	if (watching) {
		atomic_store(&srv.stop, true);
		pthread_join(watcher, NULL);
	}
	beacons_forget(&srv);
	sess_free_all(&srv);
	for (i = 0; i < SYNC_CACHE; i++)
		if (srv.sync_cache[i].resp)
			MHD_destroy_response(srv.sync_cache[i].resp);
	free(cert);
	free(key);
	return 0;
}
