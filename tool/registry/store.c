// SPDX-License-Identifier: GPL-2.0
/*
 * The registry's state on db.h (see store.h).  SQL is the subset SQLite
 * and PostgreSQL share; integers are BIGINT, flags 0/1 integers.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "store.h"
#include "wire.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define DAY		86400
#define CERT_SKEW	60	/* not-before this far back: peers' clocks */
#define SESSION_GRACE	3600	/* an ended session is forgotten after */

static const char *const schema[] = {
	"CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	"CREATE TABLE counter (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)",
	"INSERT INTO counter (id, version) VALUES (1, 0)",
	"CREATE TABLE nodes (id BIGINT PRIMARY KEY, "
	"public_key TEXT NOT NULL UNIQUE, address TEXT NOT NULL, "
	"cert TEXT NOT NULL, endpoints TEXT NOT NULL DEFAULT '', "
	"relay_only INTEGER NOT NULL DEFAULT 0, last_seen BIGINT NOT NULL, "
	"revoked INTEGER NOT NULL DEFAULT 0, "
	"expired INTEGER NOT NULL DEFAULT 0, version BIGINT NOT NULL)",
	"CREATE INDEX nodes_version ON nodes (version)",
	"CREATE INDEX nodes_last_seen ON nodes (last_seen)",
	"CREATE TABLE tokens (hash TEXT PRIMARY KEY, kind TEXT NOT NULL, "
	"uses_left BIGINT NOT NULL, expires_at BIGINT NOT NULL, "
	"created_at BIGINT NOT NULL)",
	"CREATE TABLE beacons (address TEXT PRIMARY KEY, "
	"first_seen BIGINT NOT NULL, last_heartbeat BIGINT NOT NULL)",
	"CREATE INDEX beacons_heartbeat ON beacons (last_heartbeat)",
	"CREATE TABLE nonces (signer TEXT NOT NULL, nonce TEXT NOT NULL, "
	"ts BIGINT NOT NULL, PRIMARY KEY (signer, nonce))",
	"CREATE INDEX nonces_ts ON nonces (ts)",
};

/*
 * Sessions (docs/registry.md "Sessions") and the revocation epoch (counter
 * row 2), created by init and added to a database of before them when it
 * is loaded.
 */
static const char *const schema_sessions[] = {
	"CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, "
	"node_id BIGINT NOT NULL, key TEXT NOT NULL, "
	"expires_at BIGINT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires_at)",
	"INSERT INTO counter (id, version) VALUES (2, 0) "
	"ON CONFLICT (id) DO NOTHING",
};

#define NODE_COLS "id, public_key, address, cert, endpoints, relay_only, " \
		  "revoked, expired, version, last_seen"

int store_open(const char *url, struct store **out, char *err)
{
	struct store *st = calloc(1, sizeof(*st));

	if (!st || sodium_init() < 0) {
		snprintf(err, DB_ERR_LEN, "out of memory");
		free(st);
		return -1;
	}
	if (db_open(url, &st->db, err)) {
		free(st);
		return -1;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	db_close(st->db);
	identity_wipe(&st->ca);
	free(st);
}

static int fail(struct store *st)
{
	snprintf(st->err, sizeof(st->err), "%s", db_error(st->db));
	return -1;
}

static enum reg_err fail_tx(struct store *st, enum reg_err err)
{
	if (err == REG_E_DB)
		snprintf(st->err, sizeof(st->err), "%s", db_error(st->db));
	db_rollback(st->db);
	return err;
}

static int set_config(struct store *st, const char *key, const char *val)
{
	struct db_param p[] = { DB_S(key), DB_S(val) };

	return db_exec(st->db, "INSERT INTO config (key, value) VALUES (?, ?)",
		       2, p, NULL);
}

int store_init(struct store *st, const struct identity *ca,
	       const struct cidr *network, uint32_t cert_days)
{
	char seed[KEY_B64_LEN + 1], net[ADDR_STRLEN], days[16];
	size_t i;
	int ret = -1;

	if (db_begin(st->db))
		return fail(st);
	for (i = 0; i < ARRAY_LEN(schema); i++) {
		if (db_exec(st->db, schema[i], 0, NULL, NULL)) {
			snprintf(st->err, sizeof(st->err),
				 "cannot create the schema (already initialized?): %s",
				 db_error(st->db));
			db_rollback(st->db);
			return -1;
		}
	}
	for (i = 0; i < ARRAY_LEN(schema_sessions); i++) {
		if (db_exec(st->db, schema_sessions[i], 0, NULL, NULL)) {
			fail_tx(st, REG_E_DB);
			return -1;
		}
	}
	identity_seed_b64(ca, seed);
	snprintf(days, sizeof(days), "%u", cert_days);
	if (set_config(st, "schema", STORE_SCHEMA) ||
	    set_config(st, "ca_seed", seed) ||
	    set_config(st, "network", cidr_fmt(network, net)) ||
	    set_config(st, "cert_days", days) || db_commit(st->db)) {
		fail_tx(st, REG_E_DB);
		goto out;
	}
	ret = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	return ret;
}

enum reg_err store_load(struct store *st)
{
	struct db_res *res;
	const char *key, *val, *why;
	enum reg_err err = REG_OK;
	int i, have = 0;

	if (db_exec(st->db, "SELECT key, value FROM config", 0, NULL, &res)) {
		snprintf(st->err, sizeof(st->err),
			 "not initialized (run ovl-registry init): %s",
			 db_error(st->db));
		return REG_E_NOT_INITIALIZED;
	}
	for (i = 0; i < db_rows(res); i++) {
		key = db_val(res, i, 0);
		val = db_val(res, i, 1);
		if (!strcmp(key, "ca_seed")) {
			have |= 1;
			if (identity_parse(val, strlen(val), &st->ca, &why))
				have |= 8;
		} else if (!strcmp(key, "network")) {
			have |= 2;
			if (parse_cidr(val, &st->network))
				have |= 8;
		} else if (!strcmp(key, "cert_days")) {
			have |= 4;
			if (parse_u32(val, &st->cert_days))
				have |= 8;
		}
	}
	db_res_free(res);
	/* A database from before sessions: add them (idempotent). */
	for (i = 0; have == 7 && i < (int)ARRAY_LEN(schema_sessions); i++) {
		if (db_exec(st->db, schema_sessions[i], 0, NULL, NULL)) {
			fail(st);
			return REG_E_DB;
		}
	}
	if (have != 7) {
		snprintf(st->err, sizeof(st->err),
			 "not initialized (run ovl-registry init), or a damaged config table");
		err = REG_E_NOT_INITIALIZED;
	}
	return err;
}

static void token_hash(const char *token, char *hex)
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const uint8_t *)token, strlen(token));
	sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, h, sizeof(h));
}

int store_token_new(struct store *st, const char *kind, int64_t uses,
		    int64_t expires_at, int64_t now, char *token)
{
	char hash[crypto_hash_sha256_BYTES * 2 + 1];
	uint8_t raw[STORE_TOKEN_LEN / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(token, STORE_TOKEN_LEN + 1, raw, sizeof(raw));
	token_hash(token, hash);
	struct db_param p[] = { DB_S(hash), DB_S(kind), DB_I(uses),
				DB_I(expires_at), DB_I(now) };

	if (db_exec(st->db, "INSERT INTO tokens (hash, kind, uses_left, "
		    "expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
		    5, p, NULL))
		return fail(st);
	return 0;
}

/* Record the nonce of @auth (in the caller's transaction, if one is open). */
static enum reg_err take_nonce(struct store *st, const struct store_auth *auth)
{
	struct db_param p[3];

	if (!auth)
		return REG_OK;
	p[0] = DB_S(auth->signer);
	p[1] = DB_S(auth->nonce);
	p[2] = DB_I(auth->ts);
	if (db_exec(st->db, "INSERT INTO nonces (signer, nonce, ts) "
		    "VALUES (?, ?, ?)", 3, p, NULL))
		return db_conflict(st->db) ? REG_E_REPLAYED : REG_E_DB;
	return REG_OK;
}

/* The next version, taken inside the open transaction (a row lock). */
static enum reg_err bump(struct store *st, int64_t *version)
{
	struct db_res *res;

	if (db_exec(st->db, "UPDATE counter SET version = version + 1 "
		    "WHERE id = 1 RETURNING version", 0, NULL, &res))
		return REG_E_DB;
	if (db_rows(res) != 1) {
		db_res_free(res);
		return REG_E_DB;
	}
	*version = db_int(res, 0, 0);
	db_res_free(res);
	/* Servers that keep the counters in memory hear of it at commit. */
	return db_notify(st->db) ? REG_E_DB : REG_OK;
}

/* Check the token @hash of @kind and, if @use, spend one use. */
static enum reg_err use_token(struct store *st, const char *token,
			      const char *kind, bool use, int64_t now)
{
	char hash[crypto_hash_sha256_BYTES * 2 + 1];
	struct db_param p[2];
	struct db_res *res;
	enum reg_err err = REG_OK;

	token_hash(token, hash);
	p[0] = DB_S(hash);
	p[1] = DB_S(kind);
	if (db_exec(st->db, "SELECT uses_left, expires_at FROM tokens "
		    "WHERE hash = ? AND kind = ?", 2, p, &res))
		return REG_E_DB;
	if (db_rows(res) != 1)
		err = REG_E_TOKEN_UNKNOWN;
	else if (db_int(res, 0, 1) <= now)
		err = REG_E_TOKEN_EXPIRED;
	else if (use && db_int(res, 0, 0) <= 0)
		err = REG_E_TOKEN_EXHAUSTED;
	db_res_free(res);
	if (err || !use)
		return err;
	if (db_exec(st->db, "UPDATE tokens SET uses_left = uses_left - 1 "
		    "WHERE hash = ?", 1, p, NULL))
		return REG_E_DB;
	return REG_OK;
}

/* The @id-th address of the network, as a host prefix; -1 if outside. */
static int node_address(const struct cidr *net, uint32_t id, struct cidr *a)
{
	unsigned int bytes = net->family == AF_INET ? 4 : 16;
	unsigned int host_bits = bytes * 8 - net->prefix;
	uint8_t *b = (uint8_t *)&a->addr;
	uint64_t carry = id;
	int i;

	/* Not the network's own address, nor (IPv4) its broadcast. */
	if (host_bits < 64) {
		uint64_t size = 1ULL << host_bits;

		if (id >= size - (net->family == AF_INET ? 1 : 0))
			return -1;
	}
	*a = *net;
	a->prefix = bytes * 8;
	for (i = bytes - 1; i >= 0 && carry; i--) {
		carry += b[i];
		b[i] = carry & 0xff;
		carry >>= 8;
	}
	return 0;
}

static enum reg_err make_cert(struct store *st, uint32_t id,
			      const uint8_t pk[KEY_PUB_LEN], bool relay_only,
			      int64_t now, struct store_node *n)
{
	uint8_t bin[CERT_MAX_LEN];
	struct cert c = {};
	int len;

	if (node_address(&st->network, id, &c.addrs[0]))
		return REG_E_NETWORK_FULL;
	c.n_addrs = 1;
	c.node_id = id;
	c.flags = relay_only ? CERT_F_RELAY_ONLY : 0;
	c.not_before = now > CERT_SKEW ? now - CERT_SKEW : 0;
	c.not_after = now + (uint64_t)st->cert_days * DAY;
	memcpy(c.public_key, pk, KEY_PUB_LEN);
	if (cert_sign(&c, st->ca.sk, NULL))
		return REG_E_DB;
	len = cert_encode(&c, bin, sizeof(bin));
	if (len < 0 || cert_armor(bin, len, n->cert, sizeof(n->cert)) < 0)
		return REG_E_DB;
	cidr_fmt(&c.addrs[0], n->address);
	return REG_OK;
}

enum reg_err store_enroll(struct store *st, const struct store_auth *auth,
			  const char *token, const uint8_t pk[KEY_PUB_LEN],
			  bool relay_only, int64_t now,
			  struct store_node *n)
{
	struct db_param p[7];
	struct db_res *res;
	enum reg_err err;
	int64_t version;
	uint64_t next;

	memset(n, 0, sizeof(*n));
	key_b64(pk, n->public_key);
	if (db_begin(st->db))
		return fail_tx(st, REG_E_DB);
	err = take_nonce(st, auth);
	if (!err)
		err = bump(st, &version);	/* serializes enrollments */
	if (!err)
		err = use_token(st, token, "node", true, now);
	if (err)
		return fail_tx(st, err);
	p[0] = DB_S(n->public_key);
	if (db_exec(st->db, "SELECT id FROM nodes WHERE public_key = ?", 1, p,
		    &res))
		return fail_tx(st, REG_E_DB);
	if (db_rows(res)) {
		n->id = db_int(res, 0, 0);
		db_res_free(res);
		return fail_tx(st, REG_E_ENROLLED);
	}
	db_res_free(res);
	if (db_exec(st->db, "SELECT COALESCE(MAX(id), 0) FROM nodes", 0, NULL,
		    &res))
		return fail_tx(st, REG_E_DB);
	next = db_int(res, 0, 0) + 1;
	db_res_free(res);
	if (next > UINT32_MAX)
		return fail_tx(st, REG_E_NETWORK_FULL);
	n->id = next;
	err = make_cert(st, n->id, pk, relay_only, now, n);
	if (err)
		return fail_tx(st, err);
	n->relay_only = relay_only;
	n->version = version;
	n->last_seen = now;
	p[0] = DB_I(n->id);
	p[1] = DB_S(n->public_key);
	p[2] = DB_S(n->address);
	p[3] = DB_S(n->cert);
	p[4] = DB_I(relay_only);
	p[5] = DB_I(now);
	p[6] = DB_I(version);
	if (db_exec(st->db, "INSERT INTO nodes (id, public_key, address, cert, "
		    "relay_only, last_seen, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    7, p, NULL) || db_commit(st->db))
		return fail_tx(st, REG_E_DB);
	return REG_OK;
}

enum reg_err store_node_key(struct store *st, uint32_t id,
			    uint8_t pk[KEY_PUB_LEN])
{
	struct db_param p[] = { DB_I(id) };
	struct db_res *res;
	enum reg_err err = REG_OK;

	if (db_exec(st->db, "SELECT public_key, revoked FROM nodes WHERE id = ?",
		    1, p, &res)) {
		fail(st);
		return REG_E_DB;
	}
	if (db_rows(res) != 1)
		err = REG_E_UNKNOWN_NODE;
	else if (db_int(res, 0, 1))
		err = REG_E_REVOKED;
	else if (key_from_b64(db_val(res, 0, 0), pk))
		err = REG_E_DB;
	db_res_free(res);
	return err;
}

enum reg_err store_register(struct store *st, const struct store_auth *auth,
			    uint32_t id, const char *endpoints,
			    bool relay_only, int64_t now, int64_t *version)
{
	struct db_param p[5];
	struct db_res *res;
	enum reg_err err;
	bool same;

	if (db_begin(st->db))
		return fail_tx(st, REG_E_DB);
	err = take_nonce(st, auth);
	if (err)
		return fail_tx(st, err);
	p[0] = DB_I(id);
	if (db_exec(st->db, "SELECT endpoints, relay_only, revoked, expired, "
		    "version FROM nodes WHERE id = ?", 1, p, &res))
		return fail_tx(st, REG_E_DB);
	if (db_rows(res) != 1) {
		db_res_free(res);
		return fail_tx(st, REG_E_UNKNOWN_NODE);
	}
	if (db_int(res, 0, 2)) {
		db_res_free(res);
		return fail_tx(st, REG_E_REVOKED);
	}
	same = !strcmp(db_val(res, 0, 0), endpoints) &&
	       !db_int(res, 0, 1) == !relay_only && !db_int(res, 0, 3);
	*version = db_int(res, 0, 4);
	db_res_free(res);
	if (same) {
		/* A heartbeat: no new version, nobody needs to sync it. */
		p[0] = DB_I(now);
		p[1] = DB_I(id);
		if (db_exec(st->db, "UPDATE nodes SET last_seen = ? WHERE id = ?",
			    2, p, NULL) || db_commit(st->db))
			return fail_tx(st, REG_E_DB);
		return REG_OK;
	}
	err = bump(st, version);
	if (err)
		return fail_tx(st, err);
	p[0] = DB_S(endpoints);
	p[1] = DB_I(relay_only);
	p[2] = DB_I(now);
	p[3] = DB_I(*version);
	p[4] = DB_I(id);
	if (db_exec(st->db, "UPDATE nodes SET endpoints = ?, relay_only = ?, "
		    "last_seen = ?, expired = 0, version = ? WHERE id = ?",
		    5, p, NULL) || db_commit(st->db))
		return fail_tx(st, REG_E_DB);
	return REG_OK;
}

/* Row @i of @res as a node, its columns (NODE_COLS) from column @off. */
static void node_from_row(const struct db_res *res, int i, int off,
			  struct store_node *n)
{
	memset(n, 0, sizeof(*n));
	n->id = db_int(res, i, off);
	snprintf(n->public_key, sizeof(n->public_key), "%s",
		 db_val(res, i, off + 1));
	snprintf(n->address, sizeof(n->address), "%s",
		 db_val(res, i, off + 2));
	snprintf(n->cert, sizeof(n->cert), "%s", db_val(res, i, off + 3));
	snprintf(n->endpoints, sizeof(n->endpoints), "%s",
		 db_val(res, i, off + 4));
	n->relay_only = db_int(res, i, off + 5);
	n->removed = db_int(res, i, off + 6) ? "revoked" :
		     db_int(res, i, off + 7) ? "expired" : NULL;
	n->version = db_int(res, i, off + 8);
	n->last_seen = db_int(res, i, off + 9);
}

/*
 * The counter and the nodes changed after a version, in one statement (one
 * snapshot, one round trip): a row per node, or one with NULL node columns
 * when none changed.  The full list (since 0) leaves out removed nodes.
 */
#define SYNC_SQL(cond) \
	"SELECT c.version, (SELECT version FROM counter WHERE id = 2), n.id, n.public_key, n.address, n.cert, " \
	"n.endpoints, n.relay_only, n.revoked, n.expired, n.version, " \
	"n.last_seen FROM counter c LEFT JOIN nodes n ON n.version > ?" \
	cond " WHERE c.id = 1 ORDER BY n.version, n.id LIMIT ?"

enum reg_err store_sync(struct store *st, const struct store_auth *auth,
			int64_t since, int max,
			void (*cb)(const struct store_node *n, void *arg),
			void *arg, int64_t *version, bool *reset, bool *more,
			int64_t *epoch)
{
	struct db_param p[2];
	struct db_res *res;
	struct store_node n;
	enum reg_err err;
	int64_t current;
	int i, rows;
	bool tx;

	*reset = false;
	*more = false;
	if (since < 0)
		since = INT64_MAX;	/* from the future: a reset */
	/*
	 * SQLite: one write transaction for the read and the nonce takes the
	 * file's locks once; PostgreSQL: BEGIN and COMMIT would be two more
	 * round trips, and the one statement is a snapshot already.
	 */
	tx = auth && db_local(st->db);
	if (tx && db_begin(st->db))
		return fail_tx(st, REG_E_DB);
	for (;;) {
		p[0] = DB_I(since);
		p[1] = DB_I(max + 1);
		if (db_exec(st->db, since ? SYNC_SQL("") :
			    SYNC_SQL(" AND n.revoked = 0 AND n.expired = 0"), 2, p,
			    &res))
			return tx ? fail_tx(st, REG_E_DB) : (fail(st), REG_E_DB);
		if (db_rows(res) < 1) {
			db_res_free(res);
			if (tx)
				db_rollback(st->db);
			snprintf(st->err, sizeof(st->err), "no version counter");
			return REG_E_DB;
		}
		current = db_int(res, 0, 0);
		*epoch = db_int(res, 0, 1);
		if (since <= current)
			break;
		/* A version from another database: the full list. */
		db_res_free(res);
		*reset = true;
		since = 0;
	}
	/*
	 * The nonce last, on its own: a refusal or an error before it leaves
	 * the database as it was, and a replay (this nonce taken meanwhile,
	 * here or by another server) is refused by its primary key.
	 */
	err = take_nonce(st, auth);
	if (!err && tx && db_commit(st->db))
		err = REG_E_DB;
	if (err) {
		db_res_free(res);
		if (tx)
			return fail_tx(st, err);
		if (err == REG_E_DB)
			fail(st);
		return err;
	}
	*version = since;
	rows = db_val(res, 0, 2) ? db_rows(res) : 0;
	for (i = 0; i < rows && i < max; i++) {
		/* Each change has a version of its own: a page cuts anywhere. */
		node_from_row(res, i, 2, &n);
		cb(&n, arg);
		*version = n.version;
	}
	*more = rows > max;
	db_res_free(res);
	/* Nothing changed: the cursor may move up to the counter. */
	if (!rows && current > *version)
		*version = current;
	return REG_OK;
}

enum reg_err store_versions(struct store *st, int64_t *version,
			    int64_t *epoch)
{
	struct db_res *res;

	if (db_exec(st->db, "SELECT c.version, e.version FROM counter c, "
		    "counter e WHERE c.id = 1 AND e.id = 2", 0, NULL, &res))
		return fail(st), REG_E_DB;
	if (db_rows(res) != 1) {
		db_res_free(res);
		snprintf(st->err, sizeof(st->err), "no version counter");
		return REG_E_DB;
	}
	*version = db_int(res, 0, 0);
	*epoch = db_int(res, 0, 1);
	db_res_free(res);
	return REG_OK;
}

enum reg_err store_revoke(struct store *st, uint32_t id)
{
	struct db_param p[2];
	struct db_res *res;
	enum reg_err err;
	int64_t version;

	if (db_begin(st->db))
		return fail_tx(st, REG_E_DB);
	p[0] = DB_I(id);
	if (db_exec(st->db, "SELECT revoked FROM nodes WHERE id = ?", 1, p,
		    &res))
		return fail_tx(st, REG_E_DB);
	err = !db_rows(res) ? REG_E_UNKNOWN_NODE :
	      db_int(res, 0, 0) ? REG_E_REVOKED : REG_OK;
	db_res_free(res);
	if (!err)
		err = bump(st, &version);
	if (err)
		return fail_tx(st, err);
	p[0] = DB_I(version);
	p[1] = DB_I(id);
	/* The epoch: every server checks its sessions again at their use. */
	if (db_exec(st->db, "UPDATE nodes SET revoked = 1, version = ? "
		    "WHERE id = ?", 2, p, NULL) ||
	    db_exec(st->db, "UPDATE counter SET version = version + 1 "
		    "WHERE id = 2", 0, NULL, NULL) || db_commit(st->db))
		return fail_tx(st, REG_E_DB);
	return REG_OK;
}

enum reg_err store_session_new(struct store *st, const struct store_auth *auth,
			       uint32_t id, int64_t now, int64_t ttl,
			       char *sid, uint8_t *key, int64_t *expires_at)
{
	char hex[REG_SESSION_KEY_LEN * 2 + 1];
	uint8_t raw[REG_SESSION_ID_LEN / 2];
	struct db_param p[4];
	struct db_res *res;
	enum reg_err err;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(sid, REG_SESSION_ID_LEN + 1, raw, sizeof(raw));
	randombytes_buf(key, REG_SESSION_KEY_LEN);
	sodium_bin2hex(hex, sizeof(hex), key, REG_SESSION_KEY_LEN);
	*expires_at = now + ttl;
	if (db_begin(st->db))
		return fail_tx(st, REG_E_DB);
	err = take_nonce(st, auth);
	if (err)
		return fail_tx(st, err);
	/* Revoked meanwhile (its key was read before this transaction)? */
	p[0] = DB_I(id);
	if (db_exec(st->db, "SELECT revoked FROM nodes WHERE id = ?", 1, p,
		    &res))
		return fail_tx(st, REG_E_DB);
	err = db_rows(res) != 1 ? REG_E_UNKNOWN_NODE :
	      db_int(res, 0, 0) ? REG_E_REVOKED : REG_OK;
	db_res_free(res);
	if (err)
		return fail_tx(st, err);
	p[0] = DB_S(sid);
	p[1] = DB_I(id);
	p[2] = DB_S(hex);
	p[3] = DB_I(*expires_at);
	err = REG_OK;
	if (db_exec(st->db, "INSERT INTO sessions (id, node_id, key, "
		    "expires_at) VALUES (?, ?, ?, ?)", 4, p, NULL) ||
	    db_commit(st->db))
		err = fail_tx(st, REG_E_DB);
	sodium_memzero(hex, sizeof(hex));
	return err;
}

enum reg_err store_session_get(struct store *st, const char *sid, int64_t now,
			       struct store_session *s)
{
	struct db_param p[] = { DB_S(sid) };
	struct db_res *res;
	enum reg_err err = REG_OK;
	size_t n;

	memset(s, 0, sizeof(*s));
	/* The epoch in the same snapshot: a revocation after it shows. */
	if (db_exec(st->db, "SELECT s.node_id, s.key, s.expires_at, "
		    "n.revoked, (SELECT version FROM counter WHERE id = 2) "
		    "FROM sessions s JOIN nodes n ON n.id = s.node_id "
		    "WHERE s.id = ?", 1, p, &res)) {
		fail(st);
		return REG_E_DB;
	}
	if (db_rows(res) != 1) {
		err = REG_E_SESSION_UNKNOWN;
	} else {
		s->node_id = db_int(res, 0, 0);
		s->expires_at = db_int(res, 0, 2);
		s->epoch = db_int(res, 0, 4);
		if (db_int(res, 0, 3))
			err = REG_E_REVOKED;
		else if (s->expires_at <= now)
			err = REG_E_SESSION_EXPIRED;
		else if (sodium_hex2bin(s->key, sizeof(s->key),
					db_val(res, 0, 1),
					strlen(db_val(res, 0, 1)), NULL, &n,
					NULL) || n != sizeof(s->key))
			err = REG_E_DB;
	}
	db_res_free(res);
	return err;
}

/* Expire the oldest stale node, if any: 1, 0 or -1. */
static int expire_one(struct store *st, int64_t cutoff)
{
	struct db_param p[2];
	struct db_res *res;
	int64_t version, id;

	if (db_begin(st->db))
		return fail_tx(st, REG_E_DB), -1;
	p[0] = DB_I(cutoff);
	if (db_exec(st->db, "SELECT id FROM nodes WHERE last_seen < ? AND "
		    "revoked = 0 AND expired = 0 ORDER BY last_seen LIMIT 1",
		    1, p, &res))
		return fail_tx(st, REG_E_DB), -1;
	if (!db_rows(res)) {
		db_res_free(res);
		db_rollback(st->db);
		return 0;
	}
	id = db_int(res, 0, 0);
	db_res_free(res);
	if (bump(st, &version))
		return fail_tx(st, REG_E_DB), -1;
	p[0] = DB_I(version);
	p[1] = DB_I(id);
	/* Another server may have expired it meanwhile: then no change. */
	if (db_exec(st->db, "UPDATE nodes SET expired = 1, version = ? "
		    "WHERE id = ? AND expired = 0 AND revoked = 0", 2, p,
		    NULL) || db_commit(st->db))
		return fail_tx(st, REG_E_DB), -1;
	return 1;
}

int store_sweep(struct store *st, int64_t now, int64_t ttl,
		int64_t nonce_ttl)
{
	struct db_param p[] = { DB_I(now - nonce_ttl) };
	int n = 0, ret;

	if (db_exec(st->db, "DELETE FROM nonces WHERE ts < ?", 1, p, NULL))
		return fail(st);
	/* Kept an hour past their end: "session_expired", not "unknown". */
	p[0] = DB_I(now - SESSION_GRACE);
	if (db_exec(st->db, "DELETE FROM sessions WHERE expires_at < ?", 1, p,
		    NULL))
		return fail(st);
	/* One version per expired node, so that sync pages cut anywhere. */
	while ((ret = expire_one(st, now - ttl)) > 0)
		n++;
	return ret < 0 ? -1 : n;
}

enum reg_err store_beacon_heartbeat(struct store *st, const char *token,
				    const char *address, int64_t now)
{
	struct db_param p[] = { DB_S(address), DB_I(now), DB_I(now) };
	enum reg_err err;

	if (db_begin(st->db))
		return fail_tx(st, REG_E_DB);
	err = use_token(st, token, "beacon", false, now);
	if (err)
		return fail_tx(st, err);
	if (db_exec(st->db, "INSERT INTO beacons (address, first_seen, "
		    "last_heartbeat) VALUES (?, ?, ?) ON CONFLICT (address) "
		    "DO UPDATE SET last_heartbeat = excluded.last_heartbeat",
		    3, p, NULL) || db_commit(st->db))
		return fail_tx(st, REG_E_DB);
	return REG_OK;
}

enum reg_err store_beacons(struct store *st, int64_t since,
			   void (*cb)(const char *addr, int64_t last,
				      void *arg),
			   void *arg)
{
	struct db_param p[] = { DB_I(since) };
	struct db_res *res;
	int i;

	if (db_exec(st->db, "SELECT address, last_heartbeat FROM beacons "
		    "WHERE last_heartbeat >= ? ORDER BY first_seen, address",
		    1, p, &res))
		return fail(st), REG_E_DB;
	for (i = 0; i < db_rows(res); i++)
		cb(db_val(res, i, 0), db_int(res, i, 1), arg);
	db_res_free(res);
	return REG_OK;
}

enum reg_err store_nodes(struct store *st,
			 void (*cb)(const struct store_node *n, void *arg),
			 void *arg)
{
	struct store_node n;
	struct db_res *res;
	int i;

	if (db_exec(st->db, "SELECT " NODE_COLS " FROM nodes ORDER BY id", 0,
		    NULL, &res))
		return fail(st), REG_E_DB;
	for (i = 0; i < db_rows(res); i++) {
		node_from_row(res, i, 0, &n);
		cb(&n, arg);
	}
	db_res_free(res);
	return REG_OK;
}
