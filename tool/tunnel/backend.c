// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tunnels: backends.  Picking one for a client (WRR over those up and
 * not yet tried for it), marking one down when a dial fails, and the
 * health probes that bring it back: worker 0 dials each down backend
 * every DOWN_RECHECK_MS and marks it up when a connect succeeds.
 * Dialers (pool.c's warm connections and the probes) live here too.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "internal.h"

struct backend *backend_new(const struct tunnel_backend_conf *bc,
			    const char *tunnel)
{
	struct backend *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->addr = bc->addr;
	b->weight = bc->weight > 0 ? bc->weight : 1;
	endpoint_str(&b->addr, b->name);
	snprintf(b->tunnel, sizeof(b->tunnel), "%s", tunnel);
	pthread_mutex_init(&b->lock, NULL);
	return b;
}

void backend_get(struct backend *b)
{
	atomic_fetch_add(&b->refs, 1);
}

void backend_put(struct backend *b)
{
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	pool_flush(b);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

void backend_set_down(struct backend *b, int err)
{
	atomic_fetch_add(&b->failed, 1);
	if (!atomic_exchange(&b->down, true))
		tlog("tunnel %s: backend %s down: %s", b->tunnel, b->name,
		     err ? strerror(err) : "dial timeout");
}

void backend_set_up(struct backend *b)
{
	if (atomic_exchange(&b->down, false))
		tlog("tunnel %s: backend %s up", b->tunnel, b->name);
}

struct backend *backend_pick(struct tunnel *t, struct conn *c)
{
	uint64_t usable[TUNNEL_MAX_BACKENDS / 64] = {};
	struct backend *b = NULL;
	unsigned int i;
	bool any = false;
	int k;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->n_backends; i++) {
		if (c->tried[i / 64] & (1ULL << (i % 64)))
			continue;
		if (atomic_load(&t->backends[i]->down))
			continue;
		usable[i / 64] |= 1ULL << (i % 64);
		any = true;
	}
	if (!any)	/* all down: try them anyway, one may be back */
		for (i = 0; i < t->n_backends; i++)
			if (!(c->tried[i / 64] & (1ULL << (i % 64)))) {
				usable[i / 64] |= 1ULL << (i % 64);
				any = true;
			}
	k = any ? wrr_next(&t->wrr, usable) : -1;
	if (k >= 0) {
		c->tried[k / 64] |= 1ULL << (k % 64);
		b = t->backends[k];
		backend_get(b);
		c->b_index = k;
	}
	pthread_mutex_unlock(&t->lock);
	return b;
}

int backend_connect(const struct backend *b)
{
	socklen_t len = b->addr.ss_family == AF_INET6 ?
			sizeof(struct sockaddr_in6) :
			sizeof(struct sockaddr_in);
	int fd, one = 1;

	fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&b->addr, len) &&
	    errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct dialer *dialer_start(struct worker *w, struct backend *b, bool probe,
			    unsigned int dial_timeout)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET };
	struct dialer *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fd = backend_connect(b);
	if (d->fd < 0) {
		free(d);
		return NULL;
	}
	d->ev.kind = EV_DIALER;
	d->w = w;
	d->b = b;
	backend_get(b);
	d->probe = probe;
	d->dial_timeout = dial_timeout;
	d->deadline = w->now + dial_timeout * 1000LL;
	ev.data.ptr = d;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, d->fd, &ev)) {
		close(d->fd);
		backend_put(b);
		free(d);
		return NULL;
	}
	d->next = w->dialers;
	if (d->next)
		d->next->prev = d;
	w->dialers = d;
	return d;
}

void dialer_free(struct worker *w, struct dialer *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->prev)
		d->prev->next = d->next;
	else
		w->dialers = d->next;
	if (d->next)
		d->next->prev = d->prev;
	if (d->probe) {
		d->b->probing = false;
	} else {
		pthread_mutex_lock(&d->b->lock);
		d->b->n_dialing--;
		pthread_mutex_unlock(&d->b->lock);
	}
	backend_put(d->b);
	free(d);
}

static void dialer_done(struct worker *w, struct dialer *d, int err)
{
	struct backend *b = d->b;

	if (err) {
		/*
		 * A probe's failure only reschedules (worker 0 owns the
		 * probe fields); a warm connection's marks the backend down.
		 */
		if (d->probe)
			b->next_probe = w->now + DOWN_RECHECK_MS;
		else
			backend_set_down(b, err);
	} else if (d->probe) {
		backend_set_up(b);
	} else {
		/* A warm connection: into the pool (pool_put may close it). */
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, d->fd, NULL);
		pool_put(b, d->fd, w->now, TUNNEL_POOL_MAX);
		d->fd = -1;
	}
	dialer_free(w, d);
}

void dialer_event(struct worker *w, struct dialer *d, uint32_t events)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return;
	if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (!err && (events & (EPOLLERR | EPOLLHUP)))
		err = ECONNRESET;
	dialer_done(w, d, err);
}

void dialer_sweep(struct worker *w)
{
	struct dialer *d = w->dialers, *next;

	for (; d; d = next) {
		next = d->next;
		if (w->now >= d->deadline)
			dialer_done(w, d, ETIMEDOUT);
	}
}

void backend_probe_due(struct worker *w)
{
	struct tunnel_engine *e = w->e;
	struct tunnel *t;
	unsigned int i;

	pthread_mutex_lock(&e->lock);
	for (t = e->tunnels; t; t = t->next) {
		pthread_mutex_lock(&t->lock);
		for (i = 0; i < t->n_backends; i++) {
			struct backend *b = t->backends[i];

			if (!atomic_load(&b->down) || b->probing ||
			    w->now < b->next_probe)
				continue;
			b->next_probe = w->now + DOWN_RECHECK_MS;
			if (dialer_start(w, b, true,
					 atomic_load(&t->dial_timeout)))
				b->probing = true;
		}
		pthread_mutex_unlock(&t->lock);
	}
	pthread_mutex_unlock(&e->lock);
}
