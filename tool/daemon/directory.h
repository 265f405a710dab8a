/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry's node directory as the daemon holds it (issue 10, item 3;
 * docs/registry.md "GET /v1/nodes"): the answers of reg_sync() applied
 * one page at a time, then merged with the config file's [peer N]
 * sections into the peer list the daemon keeps the kernel in step with
 * (config_diff() of the old list and the new one gives the kernel's
 * add, update and remove).
 *
 * Pure code: no I/O, no clock (the caller passes the time).  A node of
 * the directory becomes a peer with
 *  - the public key and the allowed-ips of its certificate (each address
 *    as its host prefix, /32 or /128), which must verify against the CA
 *    of the config and name the node id it is listed under: a node whose
 *    certificate does not is left out (and dropped if it was in);
 *  - one endpoint of those it registered (dir_endpoint_pick()); none for
 *    a relay-only node (the registry's flag or its certificate's), which
 *    the daemon pins to relay;
 *  - never this node itself.
 * A [peer N] section wins over the directory: a node with the same node
 * id, the same public key or an allowed-ip of a section is left out.
 * Among the directory's nodes (which a sound registry never lets clash,
 * but a cache file or a faulty registry might) the lowest node id wins a
 * public key or an allowed-ip: the others that claim it are left out.
 */
#ifndef _OVL_DIRECTORY_H
#define _OVL_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cert.h"
#include "config.h"
#include "../registry/wire.h"

/**
 * struct dir_node - a node of the directory, as a peer
 * @node_id: its node id, never 0
 * @public_key: its certificate's
 * @endpoint: where to send initiations; family 0: none
 * @n_allowed: number of @allowed, 1..CERT_MAX_ADDRS
 * @allowed: its certificate's addresses, host prefixes, sorted, unique
 * @relay_only: reached only through the beacon
 * @not_after: its certificate's expiry, Unix seconds
 * @version: the directory version of its latest change
 */
struct dir_node {
	uint32_t node_id;
	uint8_t public_key[CERT_KEY_LEN];
	struct sockaddr_storage endpoint;
	unsigned int n_allowed;
	struct cidr allowed[CERT_MAX_ADDRS];
	bool relay_only;
	uint64_t not_after;
	int64_t version;
};

/**
 * struct directory - what the registry said, so far
 * @n: number of @nodes
 * @cap: room in @nodes
 * @nodes: sorted by node id, unique
 * @version: what to send as since= next; 0 before the first answer
 */
struct directory {
	size_t n, cap;
	struct dir_node *nodes;
	int64_t version;
};

/** struct dir_result - what one dir_apply() did */
struct dir_result {
	unsigned int added;	/* nodes new to the directory */
	unsigned int updated;	/* nodes it had, replaced */
	unsigned int removed;	/* nodes dropped: revoked, expired, reset */
	unsigned int refused;	/* nodes whose certificate did not verify */
};

/*
 * Apply one answer @s of GET /v1/nodes to @dir: a reset empties it
 * first; each node of @s is added or replaced (its certificate checked
 * against @ca at @now, Unix seconds), this node (@self) skipped; each
 * removal drops its node (unknown ones ignored); @dir->version becomes
 * @s->version.  Returns 0, or -1 if out of memory (@dir is then valid
 * but may miss nodes of @s; its version is left as it was, so that the
 * next sync asks again).  @r may be NULL.
 */
int dir_apply(struct directory *dir, const struct reg_sync *s, uint32_t self,
	      const uint8_t ca[CERT_KEY_LEN], uint64_t now,
	      struct dir_result *r);

/*
 * Is @ss a global address: none of RFC 1918, RFC 6598 (100.64/10),
 * loopback, link-local, 0/8 for IPv4 (an IPv4-mapped IPv6 address judged
 * as its IPv4 one), ULA (fc00::/7), link-local, ::1, :: for IPv6?
 */
bool dir_endpoint_global(const struct sockaddr_storage *ss);

/*
 * Where to send a node's initiations, of the @n endpoints it registered
 * (its local ones and the public one a beacon reflected, in any order):
 * the first global IPv4 one, else the first global IPv6 one, else the
 * first IPv4 one, else the first; NULL when @n is 0.  So a node behind a
 * NAT (private local addresses, a public reflected one) is reached at
 * its public endpoint, and a node with a global local address, or only
 * private ones (nodes of one private network), at its local one.
 */
const struct sockaddr_storage *
dir_endpoint_pick(const struct sockaddr_storage *eps, unsigned int n);

/* Drop the nodes whose certificate expired before @now; how many. */
unsigned int dir_expire(struct directory *dir, uint64_t now);

/* The node @node_id of @dir, or NULL. */
const struct dir_node *dir_find(const struct directory *dir,
				uint32_t node_id);

void dir_free(struct directory *dir);

/*
 * The peers of the daemon: the @n_file [peer N] sections at @file (those
 * with a line, i.e. from the file; directory peers among them, line 0,
 * are skipped) and the nodes of @dir, merged per the rules above, in a
 * new array sorted by node id (free it with dir_peers_free()), every
 * peer's allowed-ips a copy of its own.  Returns 0, or -1 if out of
 * memory.  The result passes config_validate()'s peer checks.
 */
int dir_merge(const struct config_peer *file, unsigned int n_file,
	      const struct directory *dir, struct config_peer **out,
	      unsigned int *n_out);

void dir_peers_free(struct config_peer *peers, unsigned int n);

/*
 * The directory cache, NAME.directory.json beside the identity file
 * NAME.key (its name up to the last dot; one per identity, as several
 * may share a directory): what the
 * daemon learnt, so that a restart with no registry answering still has
 * its peers (the first answer after it replaces the whole list):
 *
 *   {"version": 42, "saved_at": 1796143061,
 *    "nodes": [{"node_id": 2, "public_key": "BASE64",
 *               "endpoint": "192.0.2.2:4500", "allowed_ips": ["10.77.0.2/32"],
 *               "relay_only": false, "not_after": 1827679061,
 *               "version": 41}]}
 *
 * "endpoint" is absent when there is none.  The decoder is strict (the
 * file is the daemon's own, but a crash or a disk may leave anything in
 * it): every member present with its type, node ids nonzero, sorted and
 * unique, keys of 32 bytes, 1..CERT_MAX_ADDRS host prefixes, at most
 * DIR_CACHE_MAX_NODES nodes.
 */
#define DIR_CACHE_SUFFIX	".directory.json"
#define DIR_CACHE_MAX		(16 << 20)	/* bytes */
#define DIR_CACHE_MAX_NODES	100000
#define DIR_ERR_LEN		160

/* @dir as the cache's JSON (malloc'ed), or NULL if out of memory. */
char *dir_cache_encode(const struct directory *dir, int64_t saved_at);

/*
 * The @len bytes at @text into *@dir (which it replaces; free it with
 * dir_free()): 0, or -1 with the reason in @why (DIR_ERR_LEN bytes) and
 * *@dir empty.
 */
int dir_cache_decode(const char *text, size_t len, struct directory *dir,
		     int64_t *saved_at, char *why);

#endif /* _OVL_DIRECTORY_H */
