/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry's client (libcurl), for the daemon and the tests: every
 * request signed with the node's identity (docs/registry.md "Signed
 * requests"), the registries of the config tried in order, answers
 * parsed by wire.c.  Blocking; one struct reg_client per thread.
 *
 * The daemon's use, in order: reg_client_new(urls), reg_client_identity(id,
 * 0) and reg_enroll() once when it has no certificate (storing the
 * certificate next to its identity, and the node id); then
 * reg_client_identity(id, node_id), reg_register() every ttl/3, and
 * reg_sync(since) with since = the last answer's version.
 *
 * reg_sync() uses a session (docs/registry.md "Sessions"): the first call
 * opens one with a signed POST /v1/session, the later ones carry its MAC
 * instead of a signature; an expired or unknown session (a 401) is opened
 * again and the call repeated once, transparently.  A registry without
 * sessions (404) gets signed requests.  Other calls are always signed.
 */
#ifndef _OVL_REG_CLIENT_H
#define _OVL_REG_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define REG_CLIENT_ERR_LEN	512
#define REG_CLIENT_MAX_URLS	8

struct reg_client;

/*
 * A client of the registries @urls ("http[s]://HOST:PORT", tried in
 * order: the next one when one cannot be reached or answers 5xx), trusting
 * the PEM CA file @cainfo for TLS (NULL: the system's).  NULL if out of
 * memory or more than REG_CLIENT_MAX_URLS.
 */
struct reg_client *reg_client_new(const char *const *urls, size_t n,
				  const char *cainfo);
void reg_client_free(struct reg_client *c);

/* Sign as @id; as node @node_id, or 0 before enrollment (a copy). */
void reg_client_identity(struct reg_client *c, const struct identity *id,
			 uint32_t node_id);

/* Milliseconds a request may take, per registry (default 10 s). */
void reg_client_timeout(struct reg_client *c, long ms);

/*
 * Tests only: sign with the time @ts and the nonce @nonce instead of now
 * and a fresh one (ts 0 and nonce NULL undo it).
 */
void reg_client_fix(struct reg_client *c, int64_t ts, const char *nonce);

/* Why the last call failed: "CODE: message" or a transport error. */
const char *reg_client_error(const struct reg_client *c);

/* The HTTP status of the last answer (0: none). */
long reg_client_status(const struct reg_client *c);

enum reg_sign_as {
	REG_SIGN_NONE,		/* unsigned (beacons, the beacon list) */
	REG_SIGN_KEY,		/* the identity, no node id (enrollment) */
	REG_SIGN_NODE,		/* the identity as its node id */
	REG_SIGN_SESSION,	/* the current session's MAC (none: -1) */
};

/**
 * struct reg_session_state - a client's session
 * @id: the session id
 * @key: its MAC key (unsealed)
 * @expires_at: the registry's Unix time it ends
 * @counter: the last counter used on it
 */
struct reg_session_state {
	char id[REG_SESSION_ID_LEN + 1];
	uint8_t key[REG_SESSION_KEY_LEN];
	int64_t expires_at;
	uint64_t counter;
};

/* Sessions for reg_sync() on (the default) or off (signed requests). */
void reg_client_sessions(struct reg_client *c, bool on);

/* Open a session now (POST /v1/session); 0, or -1 (reg_client_error()). */
int reg_session_open(struct reg_client *c);

/* The current session into @s: false if none.  Tests keep it in a file. */
bool reg_client_session(const struct reg_client *c,
			struct reg_session_state *s);

/* Use @s as the current session (NULL: none). */
void reg_client_set_session(struct reg_client *c,
			    const struct reg_session_state *s);

/* Tests only: the next MAC'd request uses @counter (0: the next one). */
void reg_client_fix_counter(struct reg_client *c, uint64_t counter);

/* The error code of the last 4xx/5xx answer ("" if none). */
const char *reg_client_code(const struct reg_client *c);

/*
 * One request: @method on @target ("/v1/..." with its query) with @len
 * bytes of @body.  The answer's body (NUL-terminated, free() it) into
 * *@resp and its length into *@resp_len.  Returns the HTTP status, or -1
 * if no registry answered (see reg_client_error()).
 */
long reg_call(struct reg_client *c, const char *method, const char *target,
	      const char *body, size_t len, enum reg_sign_as sign,
	      char **resp, size_t *resp_len);

/* The calls of docs/registry.md; 0, or -1 (see reg_client_error()). */
int reg_enroll(struct reg_client *c, const char *token, bool relay_only,
	       struct reg_enrollment *e);
int reg_register(struct reg_client *c, const char *const *endpoints,
		 size_t n, bool relay_only);
int reg_sync(struct reg_client *c, int64_t since, struct reg_sync *s);
int reg_beacons(struct reg_client *c, struct reg_beacons *b);
int reg_beacon_heartbeat(struct reg_client *c, const char *token,
			 const char *address);

/*
 * Write the armored certificate @armor to @path atomically (a 0600
 * temporary file beside it, synced, then renamed over it), as the daemon
 * stores the certificate of its enrollment next to its identity.
 * Returns 0, or -1 with a message naming @path in @err (KEY_ERR_LEN).
 */
int reg_save_cert(const char *path, const char *armor, char *err);

#endif /* _OVL_REG_CLIENT_H */
