/* SPDX-License-Identifier: GPL-2.0 */
/* "ovl-registry serve": the HTTP/1.1 + JSON API (docs/registry.md). */
#ifndef _OVL_REG_SERVER_H
#define _OVL_REG_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/**
 * struct server_opts - what "serve" was given
 * @listen: "HOST:PORT", an IP literal
 * @tls_cert: PEM certificate file, or NULL for plain HTTP
 * @tls_key: its PEM key file
 * @node_ttl: seconds after its last registration a node expires
 * @beacon_ttl: seconds after its last heartbeat a beacon leaves the list
 * @sync_page: most directory entries in one answer
 * @session_ttl: seconds a session (POST /v1/session) lasts
 * @no_sync_cache: build every sync answer (--sync-cache 0)
 * @db_url: the database's URL (PostgreSQL: a connection of its own
 *	listens for the writers' notifications)
 */
struct server_opts {
	const char *listen;
	const char *tls_cert;
	const char *tls_key;
	int64_t node_ttl;
	int64_t beacon_ttl;
	int sync_page;
	int64_t session_ttl;
	const char *db_url;
	bool no_sync_cache;
};

/* Serve @st until SIGINT or SIGTERM; an exit status. */
int server_run(struct store *st, const struct server_opts *opts);

#endif /* _OVL_REG_SERVER_H */
