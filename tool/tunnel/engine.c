// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tunnels: the engine.  One worker thread per core, each with its own
 * epoll; every tunnel's listening socket is in all of them
 * (EPOLLEXCLUSIVE: one worker wakes per new client) and a client stays
 * with the worker that accepted it.  Each worker sweeps its timers every
 * SWEEP_MS; worker 0 also runs the health probes and the warm pools.
 * Tunnels are added, reloaded, removed and drained from the caller's
 * thread (tunnel.h).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static void (*log_fn)(const char *msg);

void tunnel_set_log(void (*fn)(const char *msg))
{
	log_fn = fn;
}

void tlog(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fn)
		log_fn(msg);
	else
		fprintf(stderr, "ovl tunnel: %s\n", msg);
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void wake(struct worker *w)
{
	uint64_t one = 1;

	if (write(w->wakefd, &one, sizeof(one)) < 0)
		return;	/* the counter is full: it is awake anyway */
}

static void accept_some(struct worker *w, struct tunnel *t)
{
	int i;

	for (i = 0; i < 64 && !atomic_load(&t->closing); i++) {
		int fd = accept4(t->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				tlog("tunnel %s: accept: %s", t->name,
				     strerror(errno));
			return;
		}
		conn_accept(w, t, fd);
	}
}

static void cut_all(struct worker *w)
{
	while (w->conns) {
		atomic_fetch_add(&w->e->n_cut, 1);
		conn_close(w, w->conns, true);
	}
	conn_reap(w);
}

static void sweep(struct worker *w)
{
	conn_sweep(w);
	dialer_sweep(w);
	if (!w->idx) {
		backend_probe_due(w);
		pool_sweep(w);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[128];
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	w->now = now_ms();
	w->next_sweep = w->now + SWEEP_MS;
	while (!atomic_load(&w->e->stop)) {
		int timeout = w->ready ? 0 : (int)(w->next_sweep - w->now);
		int n, i;

		if (timeout < 0)
			timeout = 0;
		n = epoll_wait(w->epfd, evs, 128, timeout);
		w->now = now_ms();
		for (i = 0; i < n; i++) {
			uintptr_t p = (uintptr_t)evs[i].data.ptr;
			struct ev *ev = (struct ev *)(p & ~(uintptr_t)1);

			switch (ev->kind) {
			case EV_LISTEN:
				accept_some(w, (struct tunnel *)ev);
				break;
			case EV_CONN:
				conn_event(w, (struct conn *)ev, p & 1,
					   evs[i].events);
				break;
			case EV_DIALER:
				dialer_event(w, (struct dialer *)ev,
					     evs[i].events);
				break;
			case EV_WAKE: {
				uint64_t v;

				if (read(w->wakefd, &v, sizeof(v)) < 0)
					break;
				break;
			}
			}
		}
		conn_run_ready(w);
		if (w->now >= w->next_sweep) {
			sweep(w);
			w->next_sweep = w->now + SWEEP_MS;
		}
		conn_reap(w);
		atomic_fetch_add(&w->loops, 1);
	}
	cut_all(w);
	while (w->dialers)
		dialer_free(w, w->dialers);
	while (w->n_pipes) {
		w->n_pipes--;
		close(w->pipes[w->n_pipes][0]);
		close(w->pipes[w->n_pipes][1]);
	}
	return NULL;
}

/*
 * As many descriptors as we may: two sockets a client, four pipe ends
 * while bytes are in flight.  Root may raise the hard limit too.
 */
static void raise_nofile(void)
{
	struct rlimit rl, want = { 1 << 20, 1 << 20 };

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_max < want.rlim_max && !setrlimit(RLIMIT_NOFILE, &want))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct tunnel_engine *tunnel_engine_new(unsigned int threads, char *err,
					size_t errlen)
{
	struct tunnel_engine *e = calloc(1, sizeof(*e));
	unsigned int i;

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? n : 1;
	}
	if (threads > 256)	/* quiesce() counts on it */
		threads = 256;
	raise_nofile();
	pthread_mutex_init(&e->lock, NULL);
	e->ctl_fd = e->ctl_wake = -1;
	e->workers = calloc(threads, sizeof(*e->workers));
	if (!e->workers) {
		free(e);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < threads; i++) {
		struct worker *w = &e->workers[i];
		struct epoll_event ev = { .events = EPOLLIN };

		w->e = e;
		w->idx = i;
		w->wake_ev.kind = EV_WAKE;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ev.data.ptr = &w->wake_ev;
		if (w->epfd < 0 || w->wakefd < 0 ||
		    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev) ||
		    pthread_create(&w->thread, NULL, worker_main, w)) {
			snprintf(err, errlen, "worker %u: %s", i,
				 strerror(errno));
			if (w->epfd >= 0)
				close(w->epfd);
			if (w->wakefd >= 0)
				close(w->wakefd);
			e->n_workers = i;
			tunnel_engine_free(e);
			return NULL;
		}
		e->n_workers = i + 1;
	}
	return e;
}

static int listen_on(const struct sockaddr_storage *ss, char *err,
		     size_t errlen, const char *str)
{
	socklen_t len = ss->ss_family == AF_INET6 ?
			sizeof(struct sockaddr_in6) :
			sizeof(struct sockaddr_in);
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) ||
	    listen(fd, 4096))
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listen %s: %s", str, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Fill @t's backend list from @c; keeps those @t has, by address. */
static int set_backends(struct tunnel *t, const struct tunnel_conf *c,
			char *err, size_t errlen)
{
	struct backend *nb[TUNNEL_MAX_BACKENDS];
	int weights[TUNNEL_MAX_BACKENDS], old[TUNNEL_MAX_BACKENDS];
	struct backend *gone[TUNNEL_MAX_BACKENDS];
	unsigned int i, j, n_gone = 0;

	for (i = 0; i < c->n_backends; i++) {
		old[i] = -1;
		nb[i] = NULL;
		for (j = 0; j < t->n_backends; j++)
			if (endpoint_equal(&t->backends[j]->addr,
					      &c->backends[i].addr)) {
				old[i] = j;
				nb[i] = t->backends[j];
				backend_get(nb[i]);
				break;
			}
		if (!nb[i])
			nb[i] = backend_new(&c->backends[i], t->name);
		if (!nb[i]) {
			while (i--)
				backend_put(nb[i]);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		nb[i]->weight = c->backends[i].weight > 0 ?
				c->backends[i].weight : 1;
		weights[i] = nb[i]->weight;
	}
	pthread_mutex_lock(&t->lock);
	for (j = 0; j < t->n_backends; j++) {
		for (i = 0; i < c->n_backends; i++)
			if (nb[i] == t->backends[j])
				break;
		if (i == c->n_backends)
			gone[n_gone++] = t->backends[j];
		else
			backend_put(t->backends[j]);	/* nb holds it */
	}
	memcpy(t->backends, nb, c->n_backends * sizeof(nb[0]));
	t->n_backends = c->n_backends;
	wrr_update(&t->wrr, weights, old, c->n_backends);
	pthread_mutex_unlock(&t->lock);
	for (j = 0; j < n_gone; j++) {
		tlog("tunnel %s: backend %s removed", t->name, gone[j]->name);
		atomic_store(&gone[j]->removed, true);
		pool_flush(gone[j]);
		backend_put(gone[j]);
	}
	return 0;
}

static void set_limits(struct tunnel *t, const struct tunnel_conf *c)
{
	atomic_store(&t->idle_timeout, c->idle_timeout);
	atomic_store(&t->max_conns, c->max_conns);
	atomic_store(&t->dial_timeout, c->dial_timeout);
	atomic_store(&t->drain_timeout, c->drain_timeout);
	atomic_store(&t->pool, c->pool);
}

void tunnel_put(struct tunnel *t)
{
	unsigned int i;

	if (atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	for (i = 0; i < t->n_backends; i++)
		backend_put(t->backends[i]);
	if (t->ssl)
		tls_ctx_free(t->ssl);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

struct tunnel *tunnel_find(struct tunnel_engine *e, const char *name)
{
	struct tunnel *t;

	pthread_mutex_lock(&e->lock);
	for (t = e->tunnels; t; t = t->next)
		if (!strcmp(t->name, name))
			break;
	pthread_mutex_unlock(&e->lock);
	return t;
}

struct tunnel *tunnel_add(struct tunnel_engine *e, const struct tunnel_conf *c,
			  char *err, size_t errlen)
{
	struct tunnel *t;
	unsigned int i;

	if (tunnel_conf_check(c, err, errlen))
		return NULL;
	if (tunnel_find(e, c->name)) {
		snprintf(err, errlen, "tunnel %s exists", c->name);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->ev.kind = EV_LISTEN;
	t->e = e;
	atomic_init(&t->refs, 1);
	pthread_mutex_init(&t->lock, NULL);
	snprintf(t->name, sizeof(t->name), "%s", c->name);
	t->listen_addr = c->listen;
	endpoint_str(&c->listen, t->listen_str);
	memcpy(t->tls_cert, c->tls_cert, sizeof(t->tls_cert));
	memcpy(t->tls_key, c->tls_key, sizeof(t->tls_key));
	memcpy(t->tls_client_ca, c->tls_client_ca, sizeof(t->tls_client_ca));
	set_limits(t, c);
	t->lfd = -1;
	if (set_backends(t, c, err, errlen))
		goto fail;
	if (*c->tls_cert) {
		t->ssl = tls_ctx_new(c->tls_cert, c->tls_key,
				     c->tls_client_ca, err, errlen);
		if (!t->ssl)
			goto fail;
	}
	t->lfd = listen_on(&c->listen, err, errlen, t->listen_str);
	if (t->lfd < 0)
		goto fail;
	for (i = 0; i < e->n_workers; i++) {
		struct epoll_event ev = {
			.events = EPOLLIN | EPOLLEXCLUSIVE,
			.data.ptr = t,
		};

		if (epoll_ctl(e->workers[i].epfd, EPOLL_CTL_ADD, t->lfd,
			      &ev)) {
			snprintf(err, errlen, "epoll: %s", strerror(errno));
			while (i--)
				epoll_ctl(e->workers[i].epfd, EPOLL_CTL_DEL,
					  t->lfd, NULL);
			goto fail;
		}
	}
	pthread_mutex_lock(&e->lock);
	t->next = e->tunnels;
	e->tunnels = t;
	pthread_mutex_unlock(&e->lock);
	tlog("tunnel %s: listening on %s%s, %u backend%s", t->name,
	     t->listen_str, t->ssl ? " (TLS)" : "", t->n_backends,
	     t->n_backends == 1 ? "" : "s");
	return t;
fail:
	if (t->lfd >= 0)
		close(t->lfd);
	tunnel_put(t);
	return NULL;
}

int tunnel_reload(struct tunnel *t, const struct tunnel_conf *c, char *err,
		  size_t errlen)
{
	if (tunnel_conf_check(c, err, errlen))
		return -1;
	if (strcmp(t->name, c->name) ||
	    !endpoint_equal(&t->listen_addr, &c->listen) ||
	    strcmp(t->tls_cert, c->tls_cert) || strcmp(t->tls_key, c->tls_key) ||
	    strcmp(t->tls_client_ca, c->tls_client_ca)) {
		snprintf(err, errlen,
			 "tunnel %s: listen and TLS files cannot change in a reload",
			 t->name);
		return -1;
	}
	if (set_backends(t, c, err, errlen))
		return -1;
	set_limits(t, c);
	tlog("tunnel %s: reloaded, %u backend%s", t->name, t->n_backends,
	     t->n_backends == 1 ? "" : "s");
	return 0;
}

/*
 * Wait until every worker has finished the round of its loop it was in:
 * events it fetched before an EPOLL_CTL_DEL are then all handled.
 */
static void quiesce(struct tunnel_engine *e)
{
	struct timespec ts = { 0, 1000000 };
	unsigned long seen[256];
	unsigned int i;

	for (i = 0; i < e->n_workers; i++) {
		seen[i] = atomic_load(&e->workers[i].loops);
		wake(&e->workers[i]);
	}
	for (i = 0; i < e->n_workers; i++)
		while (atomic_load(&e->workers[i].loops) == seen[i])
			nanosleep(&ts, NULL);
}

/*
 * Stop accepting on @t: out of every epoll, and once no worker can be
 * accepting on it any more, its socket closed.
 */
static void stop_listening(struct tunnel *t)
{
	struct tunnel_engine *e = t->e;
	unsigned int i;

	if (atomic_exchange(&t->closing, true))
		return;
	for (i = 0; i < e->n_workers; i++)
		epoll_ctl(e->workers[i].epfd, EPOLL_CTL_DEL, t->lfd, NULL);
	quiesce(e);
	close(t->lfd);
	t->lfd = -1;
}

/* Clients of @only, or of every tunnel, retired ones included. */
static long tunnels_active(struct tunnel_engine *e, struct tunnel *only)
{
	struct tunnel *t;
	long n = 0;

	if (only)
		return atomic_load(&only->active);
	pthread_mutex_lock(&e->lock);
	for (t = e->tunnels; t; t = t->next)
		n += atomic_load(&t->active);
	for (t = e->retired; t; t = t->next)
		n += atomic_load(&t->active);
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* Wait up to @secs for @only's (NULL: all) clients to finish. */
static void wait_drained(struct tunnel_engine *e, struct tunnel *only,
			 unsigned int secs)
{
	long long end = now_ms() + secs * 1000LL;
	struct timespec ts = { 0, 50 * 1000000 };

	while (tunnels_active(e, only) && now_ms() < end)
		nanosleep(&ts, NULL);
}

/* Cut what is left of @only's (NULL: every tunnel's) clients. */
static void cut_and_wait(struct tunnel_engine *e, struct tunnel *only)
{
	struct timespec ts = { 0, 10 * 1000000 };
	struct tunnel *t;

	pthread_mutex_lock(&e->lock);
	for (t = e->tunnels; t; t = t->next)
		if (!only || t == only)
			atomic_store(&t->cut, true);
	for (t = e->retired; t; t = t->next)
		if (!only || t == only)
			atomic_store(&t->cut, true);
	pthread_mutex_unlock(&e->lock);
	while (tunnels_active(e, only))
		nanosleep(&ts, NULL);
}

/* @t's backends serve nobody new: no probes, no pool. */
static void backends_gone(struct tunnel *t)
{
	unsigned int i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->n_backends; i++) {
		atomic_store(&t->backends[i]->removed, true);
		pool_flush(t->backends[i]);
	}
	pthread_mutex_unlock(&t->lock);
}

void tunnel_remove(struct tunnel *t)
{
	struct tunnel_engine *e = t->e;
	struct tunnel **p;

	stop_listening(t);
	tlog("tunnel %s: draining %ld client%s", t->name,
	     (long)atomic_load(&t->active),
	     atomic_load(&t->active) == 1 ? "" : "s");
	wait_drained(e, t, atomic_load(&t->drain_timeout));
	cut_and_wait(e, t);
	pthread_mutex_lock(&e->lock);
	for (p = &e->tunnels; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	pthread_mutex_unlock(&e->lock);
	backends_gone(t);
	tunnel_put(t);
}

void tunnel_retire(struct tunnel *t)
{
	struct tunnel_engine *e = t->e;
	struct tunnel **p;
	long n;

	stop_listening(t);
	pthread_mutex_lock(&e->lock);
	for (p = &e->tunnels; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->retire_at = now_ms() + atomic_load(&t->drain_timeout) * 1000LL;
	t->next = e->retired;
	e->retired = t;
	pthread_mutex_unlock(&e->lock);
	backends_gone(t);
	n = atomic_load(&t->active);
	tlog("tunnel %s: removed, %ld client%s may finish", t->name, n,
	     n == 1 ? "" : "s");
	tunnel_engine_reap(e);
}

unsigned int tunnel_engine_reap(struct tunnel_engine *e)
{
	struct tunnel *gone = NULL, **p, *t;
	long long now = now_ms();
	unsigned int left = 0;
	long n;

	pthread_mutex_lock(&e->lock);
	for (p = &e->retired; (t = *p);) {
		n = atomic_load(&t->active);
		if (n) {
			/* The workers cut them at their next sweep. */
			if (now >= t->retire_at &&
			    !atomic_exchange(&t->cut, true))
				tlog("tunnel %s: drain timeout, cutting %ld client%s",
				     t->name, n, n == 1 ? "" : "s");
			left++;
			p = &t->next;
			continue;
		}
		*p = t->next;
		t->next = gone;
		gone = t;
	}
	pthread_mutex_unlock(&e->lock);
	while ((t = gone)) {
		gone = t->next;
		tunnel_put(t);
	}
	return left;
}

unsigned long tunnel_engine_drain(struct tunnel_engine *e)
{
	unsigned int secs = 0;
	struct tunnel *t;
	long n;

	pthread_mutex_lock(&e->lock);
	for (t = e->tunnels; t; t = t->next) {
		unsigned int d = atomic_load(&t->drain_timeout);

		if (d > secs)
			secs = d;
	}
	/* Retired tunnels keep their own deadlines. */
	for (t = e->retired; t; t = t->next) {
		long long d = (t->retire_at - now_ms() + 999) / 1000;

		if (d > secs)
			secs = d;
	}
	pthread_mutex_unlock(&e->lock);
	/* stop_listening() takes no engine lock: walk without it. */
	for (t = e->tunnels; t; t = t->next)
		stop_listening(t);
	n = tunnels_active(e, NULL);
	tlog("draining %ld client%s for up to %u s", n, n == 1 ? "" : "s",
	     secs);
	wait_drained(e, NULL, secs);
	atomic_store(&e->n_cut, 0);
	cut_and_wait(e, NULL);
	n = atomic_load(&e->n_cut);
	if (n)
		tlog("drain timeout: cut %ld client%s", n, n == 1 ? "" : "s");
	tunnel_engine_reap(e);
	return n;
}

void tunnel_engine_free(struct tunnel_engine *e)
{
	unsigned int i;

	if (!e)
		return;
	tunnel_ctl_close(e);
	atomic_store(&e->stop, true);
	for (i = 0; i < e->n_workers; i++)
		wake(&e->workers[i]);
	for (i = 0; i < e->n_workers; i++) {
		pthread_join(e->workers[i].thread, NULL);
		close(e->workers[i].epfd);
		close(e->workers[i].wakefd);
	}
	while (e->retired) {
		struct tunnel *t = e->retired;

		e->retired = t->next;
		tunnel_put(t);
	}
	while (e->tunnels) {
		struct tunnel *t = e->tunnels;

		e->tunnels = t->next;
		if (t->lfd >= 0)
			close(t->lfd);
		for (i = 0; i < t->n_backends; i++)
			pool_flush(t->backends[i]);
		tunnel_put(t);
	}
	free(e->workers);
	pthread_mutex_destroy(&e->lock);
	free(e);
}
