/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of the registry (issue 10, items 2 and 3;
 * docs/registry.md "The daemon").
 *
 * regworker_enroll() runs once at start, before the loop, when the config
 * names registries and a join token and the certificate file does not
 * exist yet: it enrolls (blocking, each registry tried in order, a
 * bounded number of rounds), checks the certificate against the CA of the
 * config and the identity, and stores it at the config's certificate path
 * (0600, atomically).  From then on the certificate exists and the token
 * is not used again.
 *
 * The worker is a thread that owns the registry client (blocking libcurl
 * calls never run on the loop's thread): it registers the node's
 * endpoints (the listen port on each address of the machine's interfaces
 * that are up, loopback, IPv6 link-local and the ovl device's own
 * excepted, then the public endpoint its beacon reflected, given by the
 * loop with regworker_public()) and its relay-only flag at once,
 * whenever they change and
 * every REGWORKER_REGISTER_S seconds (a heartbeat well within the
 * registry's node ttl); and it syncs the directory with since= every
 * registry-sync-seconds (all pages of an answer at once).  Each answer
 * is queued for the loop, which an eventfd wakes (regworker_fd()); the
 * loop takes them with regworker_pop() and applies them (directory.h).
 */
#ifndef _OVL_REGWORKER_H
#define _OVL_REGWORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "keyfile.h"
#include "../registry/wire.h"

#define REGWORKER_REGISTER_S	60	/* the registry's ttl is 300 s */
#define REGWORKER_TIMEOUT_MS	5000	/* per request, per registry */
#define REGWORKER_ENROLL_ROUNDS	10	/* of every registry, at start */
#define REGWORKER_ENROLL_PAUSE_S 2	/* between two rounds */

struct regworker;

/* Log lines, "registry: ..." (called from the worker's thread too). */
typedef void (*regworker_log_fn)(const char *msg);

/*
 * Enroll per @cfg with the identity @id if the certificate file is
 * missing (see above); 0 if it exists (or was stored), -1 with a message
 * on standard error (the token file unreadable, a 4xx answer, no
 * registry answered within the rounds, a certificate that does not
 * verify against the CA or is for another key, the file not written).
 */
int regworker_enroll(const struct config *cfg, const struct identity *id,
		     regworker_log_fn log);

/*
 * Start the worker for the registries of @cfg, signing as @id node
 * @node_id, registering port @cfg->listen_port and @relay_only, leaving
 * out the addresses of the device @ifname.  NULL on failure.
 */
struct regworker *regworker_start(const struct config *cfg,
				  const struct identity *id, uint32_t node_id,
				  bool relay_only, const char *ifname,
				  regworker_log_fn log);

/* The eventfd that is readable when answers wait; the loop reads it. */
int regworker_fd(const struct regworker *w);

/* Clear the eventfd (after it woke the loop). */
void regworker_ack(struct regworker *w);

/*
 * The oldest answer waiting, into *@s (free it with reg_sync_free()):
 * true, or false when none waits.
 */
bool regworker_pop(struct regworker *w, struct reg_sync *s);

/*
 * The next sync asks for the full list (since=0), e.g. when the loop
 * could not apply an answer.
 */
void regworker_resync(struct regworker *w);

/*
 * The public endpoint the device's beacon reflected (family 0: none),
 * registered after the local ones when it is none of them; a change is
 * registered at once.  From the loop's thread.
 */
void regworker_public(struct regworker *w, const struct sockaddr_storage *pub);

/* Stop the thread (within a request's timeout) and free everything. */
void regworker_stop(struct regworker *w);

#endif /* _OVL_REGWORKER_H */
