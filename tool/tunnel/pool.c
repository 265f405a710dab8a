// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tunnels: the warm pool.  Each backend keeps up to the tunnel's
 * "pool" (max idle, default 8) connections dialed ahead of need, so a new
 * client skips the dial.  A connection is consumed by the tunnel that
 * takes it (a TCP stream cannot be handed to a second client), and the
 * pool refills behind it while the backend's open connections (tunnels,
 * warm ones and pool dials) stay under TUNNEL_POOL_MAX_OPEN; past that,
 * clients dial directly.  A warm connection older than
 * TUNNEL_POOL_EXPIRY seconds is closed, and each one is checked before
 * use: a peek that finds EOF or an error means the backend dropped it.
 * A worker that takes a warm connection dials its replacement at once;
 * worker 0's sweep refills the rest and expires; down backends are not
 * refilled (the health probe brings them back first).
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/*
 * The connection is still open both ways: established (the backend sent
 * no FIN: a server that refused us with a message and closed is in
 * CLOSE_WAIT, its message waiting), and no error pending.  Bytes waiting
 * on an established connection are a server that speaks first.
 */
static bool alive(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	ssize_t n;
	char c;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ||
	    ti.tcpi_state != TCP_ESTABLISHED)
		return false;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return true;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

int pool_take(struct backend *b, long long now)
{
	int fd = -1;

	pthread_mutex_lock(&b->lock);
	while (b->n_idle) {
		/* Newest first: the least likely to have been dropped. */
		unsigned int i = --b->n_idle;
		int cand = b->idle[i];

		if (now - b->idle_since[i] < TUNNEL_POOL_EXPIRY * 1000LL &&
		    alive(cand)) {
			fd = cand;
			break;
		}
		close(cand);
	}
	pthread_mutex_unlock(&b->lock);
	return fd;
}

void pool_put(struct backend *b, int fd, long long now, unsigned int max)
{
	pthread_mutex_lock(&b->lock);
	if (b->n_idle < max && b->n_idle < TUNNEL_POOL_MAX &&
	    !atomic_load(&b->removed)) {
		b->idle[b->n_idle] = fd;
		b->idle_since[b->n_idle] = now;
		b->n_idle++;
		fd = -1;
	}
	pthread_mutex_unlock(&b->lock);
	if (fd >= 0)
		close(fd);
}

void pool_flush(struct backend *b)
{
	pthread_mutex_lock(&b->lock);
	while (b->n_idle)
		close(b->idle[--b->n_idle]);
	pthread_mutex_unlock(&b->lock);
}

/* Close the expired warm connections of @b and those over @max. */
static void pool_expire(struct backend *b, long long now, unsigned int max)
{
	unsigned int i, j = 0;

	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->n_idle; i++) {
		if (now - b->idle_since[i] >= TUNNEL_POOL_EXPIRY * 1000LL ||
		    b->n_idle - i > max) {
			close(b->idle[i]);
			continue;
		}
		b->idle[j] = b->idle[i];
		b->idle_since[j] = b->idle_since[i];
		j++;
	}
	b->n_idle = j;
	pthread_mutex_unlock(&b->lock);
}

void pool_refill(struct worker *w, struct backend *b, unsigned int max,
		 unsigned int dial_timeout)
{
	unsigned int want = 0, open;

	pthread_mutex_lock(&b->lock);
	open = b->n_idle + b->n_dialing + atomic_load(&b->active);
	if (b->n_idle + b->n_dialing < max && open < TUNNEL_POOL_MAX_OPEN) {
		want = max - b->n_idle - b->n_dialing;
		if (want > TUNNEL_POOL_MAX_OPEN - open)
			want = TUNNEL_POOL_MAX_OPEN - open;
	}
	b->n_dialing += want;
	pthread_mutex_unlock(&b->lock);
	while (want--)
		if (!dialer_start(w, b, false, dial_timeout)) {
			pthread_mutex_lock(&b->lock);
			b->n_dialing--;
			pthread_mutex_unlock(&b->lock);
		}
}

void pool_sweep(struct worker *w)
{
	struct tunnel_engine *e = w->e;
	struct tunnel *t;
	unsigned int i;

	pthread_mutex_lock(&e->lock);
	for (t = e->tunnels; t; t = t->next) {
		unsigned int max = atomic_load(&t->pool);
		bool closing = atomic_load(&t->closing);

		pthread_mutex_lock(&t->lock);
		for (i = 0; i < t->n_backends; i++) {
			struct backend *b = t->backends[i];

			pool_expire(b, w->now, closing ? 0 : max);
			if (!closing && max && !atomic_load(&b->down))
				pool_refill(w, b, max,
					    atomic_load(&t->dial_timeout));
		}
		pthread_mutex_unlock(&t->lock);
	}
	pthread_mutex_unlock(&e->lock);
}
