/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP tunnels (issue 12): the engine "ovlctl tunnel listen" and the
 * control daemon both run.  An engine owns one thread per core, each with
 * its own epoll; every tunnel (a listening socket and its backends) is
 * served by all of them.  Bytes move with splice(2) through two pipes per
 * client (TLS clients through two 16 KiB buffers instead).
 *
 * For the daemon:
 *
 *	struct tunnel_conf c;       (conf.h; per [tunnel NAME] section)
 *	tunnel_conf_init(&c, NAME);
 *	tunnel_conf_set(&c, key, value, err, len);   (libinih callback)
 *	tunnel_conf_check(&c, err, len);             (section end)
 *
 *	e = tunnel_engine_new(0, err, len);
 *	t = tunnel_add(e, &c, err, len);             (binds, serves)
 *	tunnel_ctl_open(e, "ovl0", err, len);        (stats socket)
 *	on SIGHUP: tunnel_reload(t, &new_c, err, len), or tunnel_find(),
 *		tunnel_add() and tunnel_retire() (or the blocking
 *		tunnel_remove()) for sections that come and go;
 *	every now and then: tunnel_engine_reap(e)     (after tunnel_retire);
 *	on SIGTERM: tunnel_engine_drain(e); tunnel_engine_free(e).
 *
 * The engine never touches signals beyond blocking them all in its own
 * threads (so SIGPIPE, SIGHUP and SIGTERM go to the daemon's).
 * Every function is safe to call from any one thread other than the
 * engine's own; calls must not run concurrently with each other.
 */
#ifndef _OVL_TUNNEL_H
#define _OVL_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct tunnel_engine;
struct tunnel;
struct json_object;

/* Where control sockets live: $OVL_TUNNEL_DIR, else this. */
#define TUNNEL_CTL_DIR		"/run/ovl/tunnel"
#define TUNNEL_CTL_DIR_ENV	"OVL_TUNNEL_DIR"

/*
 * Start an engine with @threads threads (0: one per online CPU).  Returns
 * NULL with a message in @err.
 */
struct tunnel_engine *tunnel_engine_new(unsigned int threads, char *err,
					size_t errlen);

/*
 * Bind @c->listen and serve it.  @c must pass tunnel_conf_check(); TLS
 * files are read here.  Returns NULL with a message in @err.
 */
struct tunnel *tunnel_add(struct tunnel_engine *e, const struct tunnel_conf *c,
			  char *err, size_t errlen);

/* The tunnel named @name, or NULL. */
struct tunnel *tunnel_find(struct tunnel_engine *e, const char *name);

/*
 * Apply a new configuration of the same tunnel (same name): backends
 * added, removed or reweighted (WRR current weights kept for backends
 * that remain, by address; new ones start at 0), new timeouts, max-conns
 * and pool size.  Established tunnels are never dropped, even those to a
 * removed backend.  A changed listen address or TLS files are refused
 * (-1, @err): remove and add the tunnel for those.  Returns 0 or -1.
 */
int tunnel_reload(struct tunnel *t, const struct tunnel_conf *c, char *err,
		  size_t errlen);

/*
 * Stop accepting on @t, let its clients finish for its drain timeout, cut
 * what remains and free it.  Blocks for up to the drain timeout.
 */
void tunnel_remove(struct tunnel *t);

/*
 * tunnel_remove() without the wait, for a caller with a loop of its own:
 * @t stops accepting and leaves the engine's tunnels at once (its name
 * and listen address are free for tunnel_add(), it is no longer in the
 * stats); its clients have its drain timeout to finish.
 * tunnel_engine_reap() frees it once they are gone and cuts those left
 * at the timeout; tunnel_engine_drain() waits for them too.  Returns at
 * once; @t must not be used again.
 */
void tunnel_retire(struct tunnel *t);

/*
 * Free the retired tunnels whose clients are gone; cut the clients of
 * those whose drain timeout passed.  Never blocks.  Returns the number
 * of retired tunnels still draining.
 */
unsigned int tunnel_engine_reap(struct tunnel_engine *e);

/*
 * Stop accepting on every tunnel, wait until no client is left or the
 * largest drain timeout passed, then cut the rest.  Returns the number
 * of tunnels that were cut.
 */
unsigned long tunnel_engine_drain(struct tunnel_engine *e);

/* Stop the threads, close everything, free @e (drain first to be nice). */
void tunnel_engine_free(struct tunnel_engine *e);

/*
 * The stats of every tunnel of @e, an array of objects:
 *   {"name", "listen", "tls", "active", "total", "refused", "bytes_in",
 *    "bytes_out", "idle_timeout", "max_conns", "dial_timeout", "pool",
 *    "backends": [{"address", "weight", "up", "active", "total",
 *		    "failed", "pool_idle"}]}
 * bytes_in counts client to backend, bytes_out backend to client.
 */
struct json_object *tunnel_engine_stats(struct tunnel_engine *e);

/*
 * Serve tunnel_engine_stats() on the unix socket DIR/@name.sock (DIR as
 * TUNNEL_CTL_DIR_ENV says, created if missing): each client that
 * connects reads one JSON document, then EOF.  The socket is removed by
 * tunnel_engine_free().  Returns 0 or -1 with a message in @err.
 */
int tunnel_ctl_open(struct tunnel_engine *e, const char *name, char *err,
		    size_t errlen);

/* The directory of the control sockets. */
const char *tunnel_ctl_dir(void);

/* Log lines go to @fn (default: "ovl tunnel: MSG" on stderr). */
void tunnel_set_log(void (*fn)(const char *msg));

#endif /* _OVL_TUNNEL_H */
