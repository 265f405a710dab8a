/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry protocol's wire formats (docs/registry.md), shared by the
 * server (server.c) and the client the daemon uses (client.c): request
 * signatures, and the JSON bodies of requests and responses turned into
 * structs.  Pure code: no I/O, no clock.  Every parser takes untrusted
 * bytes (a body, not NUL-terminated) and is fuzzed (tool/fuzz/
 * fuzz_registry.c): on failure it returns -1 with *@why saying what is
 * wrong, in words fit for a JSON error message.
 */
#ifndef _OVL_REG_WIRE_H
#define _OVL_REG_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../daemon/cert.h"
#include "../daemon/keyfile.h"
#include "../parse.h"

#define REG_API			"/v1"
#define REG_HDR_NODE		"X-Ovl-Node"
#define REG_HDR_TIME		"X-Ovl-Time"
#define REG_HDR_NONCE		"X-Ovl-Nonce"
#define REG_HDR_SIG		"X-Ovl-Signature"
#define REG_HDR_SESSION		"X-Ovl-Session"
#define REG_HDR_COUNTER		"X-Ovl-Counter"
#define REG_HDR_MAC		"X-Ovl-Mac"
#define REG_SIG_CONTEXT		"ovl-registry-v1"
#define REG_MAX_BODY		65536	/* larger bodies: 413 */
#define REG_CLOCK_WINDOW	60	/* seconds either side of now */
#define REG_NONCE_MIN		16
#define REG_NONCE_MAX		64
#define REG_SIG_B64_LEN		88	/* base64 of 64 bytes */
#define REG_TOKEN_MAX		128
#define REG_ADDR_MAX		255	/* "host:port" of a beacon */
#define REG_MAX_ENDPOINTS	8
#define REG_JSON_DEPTH		8
#define REG_SESSION_ID_LEN	32	/* hex of 16 random bytes */
#define REG_SESSION_KEY_LEN	32
#define REG_SESSION_SEALED_LEN	80	/* crypto_box_seal of the key */
#define REG_SESSION_SEALED_B64	108
#define REG_MAC_LEN		32	/* keyed BLAKE2b */
#define REG_MAC_B64_LEN		44

/*
 * The bytes a signature covers: "ovl-registry-v1\n" METHOD "\n" TARGET
 * "\n" TIME "\n" NONCE "\n" BODY, where TARGET is the path with its query
 * string as sent.  Into a new buffer (free()); NULL if out of memory.
 */
uint8_t *reg_sig_message(const char *method, const char *target, int64_t ts,
			 const char *nonce, const char *body, size_t len,
			 size_t *out_len);

/* Sign: the base64 signature into @sig (REG_SIG_B64_LEN + 1); 0 or -1. */
int reg_sign(const struct identity *id, const char *method,
	     const char *target, int64_t ts, const char *nonce,
	     const char *body, size_t len, char *sig);

/* 0 if @sig (base64) is @pk's signature of the request, else -1. */
int reg_verify(const uint8_t pk[KEY_PUB_LEN], const char *method,
	       const char *target, int64_t ts, const char *nonce,
	       const char *body, size_t len, const char *sig);

/*
 * Session MACs (docs/registry.md "Sessions"): the keyed BLAKE2b-256 (the
 * session key) of the same bytes a signature covers, with the decimal
 * counter in place of the nonce.  reg_mac() writes its base64 into @mac
 * (REG_MAC_B64_LEN + 1); reg_mac_verify() compares in constant time.
 */
int reg_mac(const uint8_t key[REG_SESSION_KEY_LEN], const char *method,
	    const char *target, int64_t ts, uint64_t counter,
	    const char *body, size_t len, char *mac);
int reg_mac_verify(const uint8_t key[REG_SESSION_KEY_LEN],
		   const char *method, const char *target, int64_t ts,
		   uint64_t counter, const char *body, size_t len,
		   const char *mac);

/* A session id: REG_SESSION_ID_LEN lowercase hex characters. */
bool reg_session_id_valid(const char *id);

/*
 * The session key sealed to the node's identity @pk (its Ed25519 public
 * key converted to X25519; crypto_box_seal), and opened by the node with
 * its identity.  0 or -1.
 */
int reg_session_seal(const uint8_t pk[KEY_PUB_LEN],
		     const uint8_t key[REG_SESSION_KEY_LEN],
		     uint8_t sealed[REG_SESSION_SEALED_LEN]);
int reg_session_unseal(const struct identity *id,
		       const uint8_t sealed[REG_SESSION_SEALED_LEN],
		       uint8_t key[REG_SESSION_KEY_LEN]);

/* A nonce: REG_NONCE_MIN..REG_NONCE_MAX characters of [A-Za-z0-9_-]. */
bool reg_nonce_valid(const char *nonce);

/* A fresh random nonce (32 hex characters) into @out (33 bytes). */
void reg_nonce_new(char *out);

/* A beacon address, "IPv4:PORT", "[IPv6]:PORT" or "hostname:PORT". */
bool reg_beacon_addr_valid(const char *addr);

/* POST /v1/enroll */
struct reg_enroll_req {
	char token[REG_TOKEN_MAX + 1];
	uint8_t public_key[KEY_PUB_LEN];
	bool relay_only;
};

/* POST /v1/register */
struct reg_register_req {
	unsigned int n_endpoints;
	char endpoints[REG_MAX_ENDPOINTS][ADDR_STRLEN];	/* canonical */
	bool relay_only;
};

/* POST /v1/beacons */
struct reg_beacon_req {
	char token[REG_TOKEN_MAX + 1];
	char address[REG_ADDR_MAX + 1];
};

/* POST /v1/session: "{}" or an empty body. */
int reg_parse_session_req(const char *body, size_t len, const char **why);

int reg_parse_enroll(const char *body, size_t len, struct reg_enroll_req *r,
		     const char **why);
int reg_parse_register(const char *body, size_t len,
		       struct reg_register_req *r, const char **why);
int reg_parse_beacon(const char *body, size_t len, struct reg_beacon_req *r,
		     const char **why);

/* The answer to POST /v1/enroll. */
struct reg_enrollment {
	uint32_t node_id;
	struct cidr address;
	struct cert cert;
	char cert_armor[CERT_ARMOR_MAX];
	uint8_t ca_public_key[KEY_PUB_LEN];
	struct cidr network;
};

/* A node of the directory (GET /v1/nodes). */
struct reg_peer {
	uint32_t node_id;
	struct cert cert;		/* decoded, not verified */
	unsigned int n_endpoints;
	struct sockaddr_storage endpoints[REG_MAX_ENDPOINTS];
	bool relay_only;
	int64_t version;
};

/* A removal of the directory: @reason "revoked" or "expired". */
struct reg_removal {
	uint32_t node_id;
	char reason[16];
	int64_t version;
};

/* The answer to GET /v1/nodes?since=V; free with reg_sync_free(). */
struct reg_sync {
	int64_t version;
	bool reset;
	bool more;
	size_t n_nodes;
	struct reg_peer *nodes;
	size_t n_removed;
	struct reg_removal *removed;
};

/* The answer to POST /v1/session (the key still sealed). */
struct reg_session {
	char id[REG_SESSION_ID_LEN + 1];
	uint8_t sealed[REG_SESSION_SEALED_LEN];
	int64_t expires_at;
	int64_t ttl;
};

/* The answer to GET /v1/beacons; free with reg_beacons_free(). */
struct reg_beacons {
	size_t n;
	char (*addrs)[REG_ADDR_MAX + 1];
};

int reg_parse_enroll_resp(const char *body, size_t len,
			  struct reg_enrollment *e, const char **why);
int reg_parse_session_resp(const char *body, size_t len,
			   struct reg_session *s, const char **why);
int reg_parse_sync_resp(const char *body, size_t len, struct reg_sync *s,
			const char **why);
void reg_sync_free(struct reg_sync *s);
int reg_parse_beacons_resp(const char *body, size_t len,
			   struct reg_beacons *b, const char **why);
void reg_beacons_free(struct reg_beacons *b);

/* An error body {"error": CODE, "message": TEXT} into @code and @msg. */
int reg_parse_error(const char *body, size_t len, char *code,
		    size_t code_size, char *msg, size_t msg_size);

#endif /* _OVL_REG_WIRE_H */
