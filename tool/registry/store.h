/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry's state (db.h underneath, SQLite or PostgreSQL): the CA and
 * network, nodes, join tokens, beacons, the nonces of signed requests and
 * a version counter.  Every change to a node takes the next version from
 * the counter (whose row lock orders writers across several servers on
 * one PostgreSQL), so "what changed since V" is an indexed range scan:
 * O(changes), not O(nodes).  Each operation is one transaction: on any
 * error it is rolled back and nothing is stored, not even the nonce.
 */
#ifndef _OVL_REG_STORE_H
#define _OVL_REG_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "../daemon/cert.h"
#include "../daemon/keyfile.h"
#include "../parse.h"
#include "db.h"

#define STORE_SCHEMA		"1"
#define STORE_CERT_DAYS		365
#define STORE_TOKEN_LEN		48	/* hex of 24 random bytes */
#define STORE_MAX_ENDPOINTS	8
#define STORE_ENDPOINTS_LEN	(STORE_MAX_ENDPOINTS * ADDR_STRLEN)

/* What an operation ends in; reg_err_code() and the HTTP status map it. */
enum reg_err {
	REG_OK = 0,
	REG_E_DB,		/* the database failed (500) */
	REG_E_NOT_INITIALIZED,	/* no "ovl-registry init" yet */
	REG_E_TOKEN_UNKNOWN,	/* no such join token */
	REG_E_TOKEN_EXHAUSTED,	/* its uses are spent */
	REG_E_TOKEN_EXPIRED,	/* past its expiry */
	REG_E_ENROLLED,		/* the public key already has a node */
	REG_E_NETWORK_FULL,	/* no address left in the network */
	REG_E_REPLAYED,		/* the nonce was seen already */
	REG_E_UNKNOWN_NODE,	/* no such node id */
	REG_E_REVOKED,		/* the node is revoked */
	REG_E_SESSION_UNKNOWN,	/* no such session */
	REG_E_SESSION_EXPIRED,	/* past its expiry */
};

struct store {
	struct db *db;
	struct identity ca;
	struct cidr network;
	uint32_t cert_days;
	char err[DB_ERR_LEN];
};

/* The signer and nonce of a signed request, stored to refuse a replay. */
struct store_auth {
	const char *signer;	/* "node:ID" or the enrolling public key */
	const char *nonce;
	int64_t ts;
};

/**
 * struct store_node - a directory entry
 * @id: node id
 * @public_key: base64 Ed25519 identity
 * @address: the overlay address, "10.77.0.1/32"
 * @cert: the armored certificate
 * @endpoints: comma-separated "IP:PORT" list, as registered
 * @relay_only: registered relay-only
 * @removed: NULL if active, else "revoked" or "expired"
 * @version: the version of its last change
 * @last_seen: Unix time of its last registration
 */
struct store_node {
	uint32_t id;
	char public_key[KEY_B64_LEN + 1];
	char address[ADDR_STRLEN];
	char cert[CERT_ARMOR_MAX];
	char endpoints[STORE_ENDPOINTS_LEN];
	bool relay_only;
	const char *removed;
	int64_t version;
	int64_t last_seen;
};

/* Open the database at @url (db_open()); 0 or -1 with @err. */
int store_open(const char *url, struct store **out, char *err);
void store_close(struct store *st);

/* Create the schema and record the CA and network; -1 if already done. */
int store_init(struct store *st, const struct identity *ca,
	       const struct cidr *network, uint32_t cert_days);

/* Load what store_init() recorded; REG_E_NOT_INITIALIZED or REG_E_DB. */
enum reg_err store_load(struct store *st);

/*
 * A new join token ("node") or beacon token ("beacon"), usable @uses
 * times until @expires_at (Unix time); its text into @token
 * (STORE_TOKEN_LEN + 1 bytes).  Only its SHA-256 is stored.
 */
int store_token_new(struct store *st, const char *kind, int64_t uses,
		    int64_t expires_at, int64_t now, char *token);

/*
 * Enroll the identity @pk with the join token @token: the next free node
 * id, its address in the network, a certificate signed by the CA.
 */
enum reg_err store_enroll(struct store *st, const struct store_auth *auth,
			  const char *token, const uint8_t pk[KEY_PUB_LEN],
			  bool relay_only, int64_t now,
			  struct store_node *node);

/* The identity of node @id; REG_E_UNKNOWN_NODE or REG_E_REVOKED. */
enum reg_err store_node_key(struct store *st, uint32_t id,
			    uint8_t pk[KEY_PUB_LEN]);

/*
 * Node @id's endpoints (comma-separated) and relay-only flag; a new
 * version only if they changed or the node had expired.  *@version gets
 * the node's version.
 */
enum reg_err store_register(struct store *st, const struct store_auth *auth,
			    uint32_t id, const char *endpoints,
			    bool relay_only, int64_t now, int64_t *version);

/*
 * The directory changes after version @since, at most @max, oldest first,
 * through @cb (removed ones too, but not when @since is 0: a full list).
 * *@reset is set if @since is from the future (another database): the
 * caller then gets the full list.  *@version gets the version to ask
 * from next time, *@more whether @max cut the list short, *@epoch the
 * revocation epoch (a counter every revocation moves: sessions read at
 * an older one are checked again).  @auth NULL (a session's request):
 * a pure read, nothing written.
 */
enum reg_err store_sync(struct store *st, const struct store_auth *auth,
			int64_t since, int max,
			void (*cb)(const struct store_node *n, void *arg),
			void *arg, int64_t *version, bool *reset, bool *more,
			int64_t *epoch);

/*
 * A session of node @id (POST /v1/session, signed by it: @auth's nonce is
 * stored in the same transaction): a random id (REG_SESSION_ID_LEN + 1
 * bytes into @sid) and key, valid until now + @ttl.
 */
enum reg_err store_session_new(struct store *st, const struct store_auth *auth,
			       uint32_t id, int64_t now, int64_t ttl,
			       char *sid, uint8_t *key, int64_t *expires_at);

/**
 * struct store_session - a session as stored
 * @node_id: its node
 * @key: the MAC key
 * @expires_at: Unix time it ends
 * @epoch: the revocation epoch when it was read (see store_sync())
 */
struct store_session {
	uint32_t node_id;
	uint8_t key[32];
	int64_t expires_at;
	int64_t epoch;
};

/*
 * Session @sid: REG_E_SESSION_UNKNOWN, REG_E_SESSION_EXPIRED (at @now),
 * REG_E_REVOKED (its node was revoked since), or REG_OK.  A read.
 */
enum reg_err store_session_get(struct store *st, const char *sid, int64_t now,
			       struct store_session *s);

/* The directory's version and the revocation epoch, now (a read). */
enum reg_err store_versions(struct store *st, int64_t *version,
			    int64_t *epoch);

/* Revoke node @id (a new version: peers drop it at their next sync). */
enum reg_err store_revoke(struct store *st, uint32_t id);

/*
 * Nodes not seen for @ttl seconds expire (a new version each), nonces
 * older than @nonce_ttl are forgotten.  Returns the number expired, or -1.
 */
int store_sweep(struct store *st, int64_t now, int64_t ttl,
		int64_t nonce_ttl);

/* A beacon's announcement or heartbeat, with a beacon token. */
enum reg_err store_beacon_heartbeat(struct store *st, const char *token,
				    const char *address, int64_t now);

/* The beacons heard from since @since, first announced first. */
enum reg_err store_beacons(struct store *st, int64_t since,
			   void (*cb)(const char *addr, int64_t last,
				      void *arg),
			   void *arg);

/* Every node, for "ovl-registry node list". */
enum reg_err store_nodes(struct store *st,
			 void (*cb)(const struct store_node *n, void *arg),
			 void *arg);

#endif /* _OVL_REG_STORE_H */
