/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Beacon discovery's I/O for the daemon (discovery.h is the logic): the
 * registry fetch and the beacons.json writes on a thread of its own
 * (libcurl blocks), the RTT probes on a UDP socket of the daemon's own,
 * both driven from the daemon's epoll loop, which never blocks on them.
 *
 * The daemon: disc_io_new() after its device is set up (the kernel has
 * the bootstrap pick, @kernel), adds disc_io_fds() to its epoll, calls
 * disc_io_event() when one is readable and disc_io_tick() every tick,
 * giving the kernel the beacon it returns, and puts disc_io_status() in
 * its status file ("beacons", for "ovlctl beacon show").
 */
#ifndef _OVL_DISC_IO_H
#define _OVL_DISC_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "beacons.h"
#include "discovery.h"

struct disc_io;
struct json_object;

/*
 * Probe socket (exported for the tests): a non-blocking UDP socket,
 * dual-stack when the host has IPv6.  bprobe_send() sends the 32-byte
 * probe of docs/beacon-auth.md (a DISCOVER of node id 0: the beacon
 * registers nothing) carrying @nonce (BPROBE_NONCE_LEN bytes, random: the
 * caller's) to @to, and the CLOCK_REALTIME nanoseconds just before into
 * *@at; bprobe_recv() reads one datagram: 0, its source in @from
 * (IPv4-mapped made IPv4), the nonce it echoes in @nonce and the kernel's
 * receive time (CLOCK_REALTIME ns, SO_TIMESTAMPNS; the time of the read
 * if there is none) in *@at for a probe's DISCOVER_REPLY (16 or 28
 * bytes), 1 when there is nothing more to read, -1 for anything else
 * (skipped).  RTTs so taken do not count the time the reply waited for
 * the loop; a reply counts only with the nonce of the last probe.
 */
#define BPROBE_NONCE_LEN	8

int bprobe_open(void);
int bprobe_send(int fd, const struct sockaddr_storage *to,
		const uint8_t nonce[BPROBE_NONCE_LEN], int64_t *at);
int bprobe_recv(int fd, struct sockaddr_storage *from,
		uint8_t nonce[BPROBE_NONCE_LEN], int64_t *at);

/* Resolve a beacon list entry ("IP:PORT", "[IP]:PORT", "HOST:PORT"). */
int bprobe_resolve(const char *addr, bool numeric_only,
		   struct sockaddr_storage *ss);

typedef void (*disc_io_log_fn)(void *arg, const char *msg);

/**
 * struct disc_io_conf - what the daemon gives
 * @key: its public key
 * @boot: its bootstrap list (n entries), as endpoints
 * @n_boot: their number
 * @registries: registry URLs (n_registries of them), none: no fetch
 * @identity: the identity file's path: beacons.json goes next to it
 * @kernel: the beacon the kernel has now (NULL: none)
 * @log: log lines (from the loop's thread only), with @arg
 */
struct disc_io_conf {
	const uint8_t *key;
	const struct sockaddr_storage *boot;
	unsigned int n_boot;
	char *const *registries;
	unsigned int n_registries;
	const char *identity;
	const struct sockaddr_storage *kernel;
	disc_io_log_fn log;
	void *arg;
};

struct disc_io *disc_io_new(const struct disc_io_conf *c, uint64_t now);
void disc_io_free(struct disc_io *io);

/* The fds to watch for reading (-1: none); @fds has room for 2. */
unsigned int disc_io_fds(const struct disc_io *io, int fds[2]);

/* @fd (one of disc_io_fds()) is readable. */
void disc_io_event(struct disc_io *io, int fd, uint64_t now);

/*
 * Advance to @now.  Returns the beacon to give the kernel (then call
 * disc_io_swapped()), or NULL.
 */
const struct sockaddr_storage *disc_io_tick(struct disc_io *io,
					    uint64_t now);

/* The kernel took the beacon disc_io_tick() returned (@ok) or not. */
void disc_io_swapped(struct disc_io *io, bool ok);

/* A reload: the new bootstrap list. */
void disc_io_set_bootstrap(struct disc_io *io,
			   const struct sockaddr_storage *boot,
			   unsigned int n_boot);

/* Something in disc_io_status() changed since the last call. */
bool disc_io_changed(struct disc_io *io);

/*
 * The state for the status file: {"list": [{"address", "origin",
 * "rtt_ms"}], "pick", "why", "kernel", "registry", "fetched_at",
 * "fetch_ok", "fetch_failed", "cache", "cache_saved_at"} (ovlctl(8),
 * "beacon show").
 */
struct json_object *disc_io_status(const struct disc_io *io);

/* The logic's state, for tests. */
const struct disc *disc_io_state(const struct disc_io *io);

#endif /* _OVL_DISC_IO_H */
