/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The beacon's announcement to the registry (docs/registry.md
 * "POST /v1/beacons"): a thread of its own sends the public address with
 * the beacon token at start and then every heartbeat, so the relay
 * workers never wait on the registry.
 */
#ifndef _OVL_BEACON_ANNOUNCE_H
#define _OVL_BEACON_ANNOUNCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define ANN_MAX_URLS		8	/* REG_CLIENT_MAX_URLS */
#define ANN_TOKEN_MAX		256
#define ANN_ERR_LEN		320
#define ANN_DEFAULT_BEAT	20	/* s, until the registry tells its ttl */
#define ANN_FAIL_LOG_S		60	/* a failure logged at most this often */

struct announce {
	char		*urls_buf;		/* the --registry copy, cut */
	const char	*urls[ANN_MAX_URLS];
	size_t		n_urls;
	const char	*address;		/* --public */
	char		token[ANN_TOKEN_MAX + 1];
	unsigned long	heartbeat;		/* s; 0: ttl / 3 */
	pthread_t	thread;
	bool		started;
	pthread_mutex_t	lock;			/* guards stop */
	pthread_cond_t	cond;
	bool		stop;
};

/*
 * Read the beacon token in the file @path into @a: refused unless a
 * regular file only its owner may read or write (as the daemon's key
 * files), one line of at most ANN_TOKEN_MAX printable characters.
 * Returns 0, or -1 with a message naming @path in @err (ANN_ERR_LEN).
 */
int announce_load_token(struct announce *a, const char *path, char *err);

/*
 * Split @urls ("URL[,URL...]") into @a.  Returns 0, or -1 with @err
 * (an empty entry, more than ANN_MAX_URLS, no http:// or https://).
 */
int announce_set_urls(struct announce *a, const char *urls, char *err);

/* Start the heartbeat thread.  Returns 0 or an errno. */
int announce_start(struct announce *a);

/* Stop it (a request in flight ends first) and free what @a holds. */
void announce_stop(struct announce *a);

#endif /* _OVL_BEACON_ANNOUNCE_H */
