/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP tunnels (issue 12), the pure part: one tunnel's configuration, the
 * parser of a "[tunnel NAME]" section's key/value pairs and of the
 * "ovlctl tunnel listen" options, and the smooth weighted round-robin
 * that picks a backend for each new client.  No I/O, no threads, no
 * clock: unit-tested in tests/test_tunnel_conf.c, fuzzed by
 * fuzz/fuzz_tunnel_conf.c.
 */
#ifndef _OVL_TUNNEL_CONF_H
#define _OVL_TUNNEL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Defaults, as the reference engine's. */
#define TUNNEL_IDLE_DEFAULT	90	/* seconds without a byte either way */
#define TUNNEL_MAX_CONNS_DEFAULT 1000	/* past it clients are refused */
#define TUNNEL_DIAL_DEFAULT	10	/* seconds to connect to a backend */
#define TUNNEL_DRAIN_DEFAULT	30	/* seconds a drain waits for tunnels */
#define TUNNEL_POOL_DEFAULT	8	/* warm connections per backend */
#define TUNNEL_POOL_MAX_OPEN	64	/* per backend: the pool stops there */
#define TUNNEL_POOL_EXPIRY	90	/* seconds a warm connection is kept */

#define TUNNEL_MAX_BACKENDS	64
#define TUNNEL_NAME_MAX		64	/* with the NUL */
#define TUNNEL_PATH_MAX		4096
#define TUNNEL_TIMEOUT_MAX	(7 * 24 * 3600)	/* seconds, for every timeout */
#define TUNNEL_MAX_CONNS_MAX	1000000
#define TUNNEL_POOL_MAX		TUNNEL_POOL_MAX_OPEN
#define TUNNEL_ERR_LEN		256

/**
 * struct tunnel_backend_conf - one backend
 * @addr: numeric IPv4 or IPv6 address and port
 * @weight: its weight, >= 1 (a weight missing or <= 0 counts as 1)
 */
struct tunnel_backend_conf {
	struct sockaddr_storage addr;
	int weight;
};

/**
 * struct tunnel_conf - one tunnel: a listener and its backends
 * @name: the section's NAME ("listen" for ovlctl tunnel listen)
 * @listen: where clients connect; ss_family 0 until set
 * @n_backends: number of @backends, 0 until set
 * @backends: in the order given; one address appears once
 * @idle_timeout: seconds without a byte either way before a tunnel is
 *	closed; 0 turns the timeout off
 * @max_conns: concurrent tunnels; past it new clients are refused
 * @dial_timeout: seconds to connect to a backend, >= 1
 * @drain_timeout: seconds a drain waits for established tunnels
 * @pool: warm connections kept per backend (max idle); 0 turns it off
 * @tls_cert: PEM certificate (chain) of the listener, "" if no TLS
 * @tls_key: PEM private key of @tls_cert
 * @tls_client_ca: PEM CA bundle; clients must present a certificate it
 *	verifies (mTLS); "" to not ask for one
 */
struct tunnel_conf {
	char name[TUNNEL_NAME_MAX];
	struct sockaddr_storage listen;
	unsigned int n_backends;
	struct tunnel_backend_conf backends[TUNNEL_MAX_BACKENDS];
	unsigned int idle_timeout;
	unsigned int max_conns;
	unsigned int dial_timeout;
	unsigned int drain_timeout;
	unsigned int pool;
	char tls_cert[TUNNEL_PATH_MAX];
	char tls_key[TUNNEL_PATH_MAX];
	char tls_client_ca[TUNNEL_PATH_MAX];
};

/*
 * Start a tunnel named @name with every default and nothing else set.
 * Returns -1 if @name is empty, too long, or not made of letters, digits,
 * '-', '_' and '.'.
 */
int tunnel_conf_init(struct tunnel_conf *c, const char *name);

/*
 * Apply one "KEY = VALUE" of a [tunnel NAME] section:
 *   listen = ADDR:PORT
 *   backend = ADDR:PORT[@WEIGHT][, ADDR:PORT[@WEIGHT]...]   (appends)
 *   idle-timeout = SECONDS (0: none)   max-conns = N   dial-timeout = SECONDS
 *   drain-timeout = SECONDS   pool = N (0: off)
 *   tls-cert = FILE   tls-key = FILE   tls-client-ca = FILE
 * ADDR is numeric ("10.0.0.1", "[fd00::1]").  Returns 0, or -1 with a
 * message (without the file and line) in @err.
 */
int tunnel_conf_set(struct tunnel_conf *c, const char *key,
		    const char *value, char *err, size_t errlen);

/*
 * The checks once a section is complete: listen and at least one backend
 * given, tls-cert and tls-key both or neither, tls-client-ca only with
 * them.  Returns 0 or -1 with a message in @err.
 */
int tunnel_conf_check(const struct tunnel_conf *c, char *err, size_t errlen);

/*
 * One backend "ADDR:PORT[@WEIGHT]": WEIGHT is a decimal integer, possibly
 * negative; missing or <= 0 counts as 1.  Returns 0 or -1.
 */
int tunnel_backend_parse(const char *s, struct tunnel_backend_conf *b);

/**
 * struct wrr - smooth weighted round-robin over @n entries
 * @n: number of entries
 * @weight: their weights, >= 1
 * @current: their current weights
 *
 * The algorithm nginx uses: each pick adds every entry's weight to its
 * current weight, takes the entry with the largest current weight (the
 * first on a tie) and subtracts the total of the weights from it.  With
 * weights 5,1,1 seven picks give A,A,B,A,C,A,A, then the same again.
 */
struct wrr {
	unsigned int n;
	int weight[TUNNEL_MAX_BACKENDS];
	long long current[TUNNEL_MAX_BACKENDS];
};

/* All current weights 0. */
void wrr_init(struct wrr *w, const int *weights, unsigned int n);

/*
 * The next pick among the entries for which @usable (a bitmap of @n bits,
 * or NULL for all) is set: the others take no part in this pick at all.
 * Returns the index, or -1 if none is usable.
 */
int wrr_next(struct wrr *w, const uint64_t *usable);

/*
 * Replace the entries with @n new ones: an entry whose @old_index is >= 0
 * keeps the current weight of old entry @old_index, the others start at 0.
 */
void wrr_update(struct wrr *w, const int *weights, const int *old_index,
		unsigned int n);

#endif /* _OVL_TUNNEL_CONF_H */
