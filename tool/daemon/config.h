/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's config file, ovl.conf(5): INI read with Debian's libinih,
 * validated in full before anything is returned.  A file that fails any
 * check yields one message, "FILE:LINE: reason", for the first problem in
 * file order, and leaves the caller's config untouched: on SIGHUP the
 * daemon keeps running with the old one.
 *
 * Pure code: config_parse() does no I/O at all; config_load() only reads
 * the file.  What the parser can NOT check, because it needs other files
 * or the network, the daemon checks, and where:
 *
 *  - at start (and on a reload that changes them): identity_load() on
 *    @identity refuses a key file group or others may read or write, and a
 *    malformed one; cert_load() on @certificate; cert_verify() of that
 *    certificate against @ca and the clock; that its public key is the
 *    identity's; that no [peer N] is this node (N == the certificate's
 *    node id) and no peer's public-key is our own;
 *  - in each handshake (cert.h): the peer's certificate verifies against
 *    @ca, names the node id N of its [peer N] section and the section's
 *    public-key, and cert_covers() each of the peer's allowed-ips.
 *
 * [tunnel NAME] sections (issue 12) are parsed with the tunnel module's
 * own parser (../tunnel/conf.h: tunnel_conf_init(), tunnel_conf_set(),
 * tunnel_conf_check()), so their keys, limits and messages are those of
 * "ovlctl tunnel listen"; config.c adds the file and line, refuses a key
 * given twice (backend excepted: it appends), a NAME given twice and two
 * tunnels on one listen address.  TLS files are read when the daemon adds
 * the tunnel, not here.
 */
#ifndef _OVL_CONFIG_H
#define _OVL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../parse.h"
#include "../tunnel/conf.h"

#define CONFIG_KEY_LEN		32	/* Ed25519 public keys */
#define CONFIG_ERR_LEN		512	/* room for any message */
#define CONFIG_FILE_MAX		(1 << 20)	/* bigger files are refused */

/* rekey-after-seconds: default and bounds, both ends allowed. */
#define CONFIG_REKEY_DEFAULT	120
#define CONFIG_REKEY_MIN	5
#define CONFIG_REKEY_MAX	3600

/* registry-sync-seconds: default and bounds, both ends allowed. */
#define CONFIG_SYNC_DEFAULT	10
#define CONFIG_SYNC_MIN		1
#define CONFIG_SYNC_MAX		3600

#define CONFIG_MAX_PEERS	65536
#define CONFIG_MAX_ALLOWED_IPS	512	/* OVL_PEER_MAX_ALLOWED_IPS */
#define CONFIG_MAX_BEACONS	16
#define CONFIG_MAX_REGISTRIES	8
#define CONFIG_MAX_TUNNELS	256

/**
 * struct config_peer - one [peer N] section
 * @node_id: N, 1..UINT32_MAX
 * @public_key: the peer's Ed25519 identity public key
 * @endpoint: where to send initiations; ss_family 0 if none was given
 *	(the peer only ever initiates, or is reached through the beacon)
 * @n_allowed: number of @allowed, 1..CONFIG_MAX_ALLOWED_IPS
 * @allowed: allowed-ips, host bits zero, sorted by cidr_cmp(), no repeats
 * @line: line of the section header, for the daemon's messages (0: the
 *	peer comes from the registry's directory, not the file)
 * @relay_only: reached only through the beacon (the directory's flag;
 *	false for a [peer N] section)
 */
struct config_peer {
	uint32_t node_id;
	uint8_t public_key[CONFIG_KEY_LEN];
	struct sockaddr_storage endpoint;
	unsigned int n_allowed;
	struct cidr *allowed;
	unsigned int line;
	bool relay_only;
};

/**
 * struct config_tunnel - one [tunnel NAME] section
 * @conf: as tunnel_conf_set() built it; passes tunnel_conf_check()
 * @line: line of the section header, for the daemon's messages
 */
struct config_tunnel {
	struct tunnel_conf conf;
	unsigned int line;
};

/**
 * struct config - a whole, valid config file
 * @listen_port: [device] listen-port, 1..65535
 * @identity: path of the identity key file
 * @certificate: path of the certificate file
 * @ca: the network's CA public key
 * @rekey_after: seconds, CONFIG_REKEY_MIN..CONFIG_REKEY_MAX
 * @n_beacons: number of @beacons, 0..CONFIG_MAX_BEACONS
 * @beacons: beacon endpoints in the order given (beacon or beacons)
 * @n_registries: number of @registries, 0..CONFIG_MAX_REGISTRIES
 * @registries: registry URLs, tried in order (enrollment, registration,
 *	directory sync: regworker.h)
 * @join_token: path of the join token file, or NULL; only with registries
 * @sync_seconds: registry-sync-seconds, CONFIG_SYNC_MIN..CONFIG_SYNC_MAX
 * @relay_only: relay-only = yes: enroll and register as relay-only (peers
 *	reach the node only through a beacon); only with registries
 * @n_peers: number of @peers, 0..CONFIG_MAX_PEERS
 * @peers: sorted by node id, ids and public keys unique, no allowed-ip
 *	in two peers
 * @n_tunnels: number of @tunnels, 0..CONFIG_MAX_TUNNELS
 * @tunnels: in file order, names unique, listen addresses unique
 */
struct config {
	uint16_t listen_port;
	char *identity;
	char *certificate;
	uint8_t ca[CONFIG_KEY_LEN];
	uint32_t rekey_after;
	unsigned int n_beacons;
	struct sockaddr_storage *beacons;
	unsigned int n_registries;
	char **registries;
	char *join_token;
	uint32_t sync_seconds;
	bool relay_only;
	unsigned int n_peers;
	struct config_peer *peers;
	unsigned int n_tunnels;
	struct config_tunnel *tunnels;
};

/*
 * Parse and validate the @len bytes at @text, naming them @name in
 * messages.  Returns 0 and fills *@cfg (free it with config_free()), or
 * -1 with "NAME:LINE: reason" (or "NAME: reason") in @err, of @errlen
 * bytes, and *@cfg untouched.
 */
int config_parse(const char *name, const char *text, size_t len,
		 struct config *cfg, char *err, size_t errlen);

/*
 * config_parse() on the file at @path (at most CONFIG_FILE_MAX bytes),
 * named as @path in messages.
 */
int config_load(const char *path, struct config *cfg, char *err,
		size_t errlen);

/*
 * The invariants documented on struct config, checked on any config, e.g.
 * one that was built rather than parsed.  Returns 0, or -1 with the first
 * broken one in @err.  Whatever config_parse() returns passes.  The
 * uniqueness of public keys and allowed-ips across peers is checked
 * pairwise, so only for up to 1024 peers (config_parse() sorts instead).
 */
int config_validate(const struct config *cfg, char *err, size_t errlen);

/* Free what *@cfg holds and zero it; a zeroed config may be freed. */
void config_free(struct config *cfg);

/* The peer with @node_id in @cfg, or NULL. */
const struct config_peer *config_peer_find(const struct config *cfg,
					   uint32_t node_id);

/* The tunnel named @name in @cfg, or NULL. */
const struct config_tunnel *config_tunnel_find(const struct config *cfg,
					       const char *name);

/* Same configuration (name, listen, backends in order, every limit)? */
bool config_tunnel_equal(const struct config_tunnel *a,
			 const struct config_tunnel *b);

/* What differs between two versions of a peer, or of [device]. */
#define CONFIG_PEER_ENDPOINT	0x01
#define CONFIG_PEER_ALLOWED_IPS	0x02
#define CONFIG_PEER_PUBLIC_KEY	0x04
#define CONFIG_PEER_RELAY_ONLY	0x08

#define CONFIG_DEV_LISTEN_PORT	0x01
#define CONFIG_DEV_IDENTITY	0x02	/* the path, not the file's contents */
#define CONFIG_DEV_CERTIFICATE	0x04	/* likewise */
#define CONFIG_DEV_CA		0x08
#define CONFIG_DEV_REKEY	0x10
#define CONFIG_DEV_BEACONS	0x20	/* the list, order included */
#define CONFIG_DEV_REGISTRIES	0x40	/* and registry-sync-seconds */
#define CONFIG_DEV_JOIN_TOKEN	0x80
#define CONFIG_DEV_TUNNELS	0x100	/* a [tunnel NAME] came, went or changed */

/**
 * struct config_change - a peer present in both configs that changed
 * @node_id: the peer
 * @what: CONFIG_PEER_* bits, never 0
 */
struct config_change {
	uint32_t node_id;
	unsigned int what;
};

/**
 * struct config_diff - how to get from one config to the next
 * @device: CONFIG_DEV_* bits of the [device] keys that changed, and
 *	CONFIG_DEV_TUNNELS
 * @n_added: number of @added
 * @added: node ids only in the new config, ascending
 * @n_removed: number of @removed
 * @removed: node ids only in the old config, ascending
 * @n_changed: number of @changed
 * @changed: peers in both that differ, by ascending node id; a peer
 *	that is in both and equal appears nowhere: its session is untouched
 */
struct config_diff {
	unsigned int device;
	unsigned int n_added;
	uint32_t *added;
	unsigned int n_removed;
	uint32_t *removed;
	unsigned int n_changed;
	struct config_change *changed;
};

/*
 * Compare two valid configs into *@d (free it with config_diff_free()).
 * Returns 0, or -1 if out of memory (with *@d zeroed).
 */
int config_diff(const struct config *old, const struct config *new,
		struct config_diff *d);

void config_diff_free(struct config_diff *d);

#endif /* _OVL_CONFIG_H */
