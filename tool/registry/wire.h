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

/* The answer to GET /v1/beacons; free with reg_beacons_free(). */
struct reg_beacons {
	size_t n;
	char (*addrs)[REG_ADDR_MAX + 1];
};

int reg_parse_enroll_resp(const char *body, size_t len,
			  struct reg_enrollment *e, const char **why);
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
