// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tunnels: one client's life.  Accepted (refused past max-conns), a
 * TLS handshake if the tunnel has TLS, a backend picked by WRR and taken
 * warm from its pool or dialed (a failed dial marks the backend down and
 * tries the next one: the client never sees it), then the pump.
 *
 * The pump moves each direction with splice(2) through its own pipe
 * (socket -> pipe -> socket, no copy through userspace), both sockets
 * non-blocking in the worker's epoll, edge-triggered.  On every event
 * both directions run until neither moves: reading stops when the pipe is
 * full or the socket has nothing, writing when the pipe is empty or the
 * socket is full, and each of those ends in an edge that wakes the conn
 * again.  A direction that moved PUMP_ROUNDS pipe-fulls yields: the conn
 * goes on the worker's ready list, run after the other events, so a fast
 * tunnel never starves the rest.  Half-close is exact: EOF read on one
 * side becomes shutdown(SHUT_WR) on the other once the pipe is empty,
 * and the other direction keeps flowing until its own EOF.  A reset on
 * either side resets the other (SO_LINGER 0).  Memory per tunnel is two
 * pipes (64 KiB each at most) and this struct, or for TLS two TLS_BUF
 * buffers and OpenSSL's state.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

#define PIPE_CAP	65536
#define SPLICE_FLAGS	(SPLICE_F_MOVE | SPLICE_F_NONBLOCK)

static void make_ready(struct worker *w, struct conn *c)
{
	if (c->ready)
		return;
	c->ready = true;
	c->ready_next = w->ready;
	w->ready = c;
}

static void unready(struct worker *w, struct conn *c)
{
	struct conn **p;

	if (!c->ready)
		return;
	for (p = &w->ready; *p; p = &(*p)->ready_next)
		if (*p == c) {
			*p = c->ready_next;
			break;
		}
	c->ready = false;
}

static void reset_fd(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/*
 * Pipes are lent by the worker while a direction has bytes in flight and
 * given back when it is empty: an idle tunnel holds no pipe at all.
 */
static int pipe_get(struct worker *w, struct dir *d)
{
	if (d->pipe[0] >= 0)
		return 0;
	if (w->n_pipes) {
		w->n_pipes--;
		d->pipe[0] = w->pipes[w->n_pipes][0];
		d->pipe[1] = w->pipes[w->n_pipes][1];
		return 0;
	}
	return pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC);
}

/* Give back @d's pipe, which must be empty (or is to be thrown away). */
static void pipe_put(struct worker *w, struct dir *d, bool dirty)
{
	if (d->pipe[0] < 0)
		return;
	if (!dirty && w->n_pipes < WORKER_PIPES) {
		w->pipes[w->n_pipes][0] = d->pipe[0];
		w->pipes[w->n_pipes][1] = d->pipe[1];
		w->n_pipes++;
	} else {
		close(d->pipe[0]);
		close(d->pipe[1]);
	}
	d->pipe[0] = d->pipe[1] = -1;
}

static void dir_free(struct worker *w, struct dir *d)
{
	pipe_put(w, d, d->inpipe != 0);
	d->inpipe = 0;
	free(d->buf);
	d->buf = NULL;
}

void conn_close(struct worker *w, struct conn *c, bool reset)
{
	struct tunnel *t = c->t;

	unready(w, c);
	if (reset) {
		reset_fd(c->cfd);
		if (c->bfd >= 0)
			reset_fd(c->bfd);
	}
	if (c->ssl)
		tls_free(c->ssl);
	close(c->cfd);
	if (c->bfd >= 0)
		close(c->bfd);
	dir_free(w, &c->c2b);
	dir_free(w, &c->b2c);
	if (c->b) {
		if (c->state == CS_PUMP)
			atomic_fetch_sub(&c->b->active, 1);
		backend_put(c->b);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->n_conns--;
	atomic_fetch_sub(&t->active, 1);
	/* Other events of this batch may still point at it: freed later. */
	c->state = CS_DEAD;
	c->ready_next = w->dead;
	w->dead = c;
}

void conn_reap(struct worker *w)
{
	struct conn *c;

	while ((c = w->dead)) {
		w->dead = c->ready_next;
		tunnel_put(c->t);
		free(c);
	}
}

/* The backend's events carry the conn's address + 1 (see conn_event()). */
static int watch(struct worker *w, struct conn *c, int fd)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.ptr = (char *)c + (fd == c->bfd),
	};

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void dir_init(struct dir *d, int from, int to)
{
	d->from = from;
	d->to = to;
	d->pipe[0] = d->pipe[1] = -1;
}

/* The backend socket is connected: set up the pump and run it. */
static int start_pump(struct worker *w, struct conn *c)
{
	c->state = CS_PUMP;
	atomic_fetch_add(&c->b->active, 1);
	atomic_fetch_add(&c->b->total, 1);
	dir_init(&c->c2b, c->cfd, c->bfd);
	dir_init(&c->b2c, c->bfd, c->cfd);
	c->last_io = w->now;
	if (c->ssl) {
		c->c2b.buf = malloc(TLS_BUF);
		c->b2c.buf = malloc(TLS_BUF);
		if (!c->c2b.buf || !c->b2c.buf)
			return -1;
		return 0;
	}
	return 0;
}

static void dial_next(struct worker *w, struct conn *c);

/* Connect @c to @c->b, warm from the pool if one is there. */
static int dial(struct worker *w, struct conn *c)
{
	unsigned int pool = atomic_load(&c->t->pool);

	if (pool) {
		c->bfd = pool_take(c->b, w->now);
		if (c->bfd >= 0) {
			if (watch(w, c, c->bfd) || start_pump(w, c))
				return -1;
			/* Its replacement, dialed now, hides the next dial. */
			pool_refill(w, c->b, pool,
				    atomic_load(&c->t->dial_timeout));
			make_ready(w, c);
			return 0;
		}
	}
	c->bfd = backend_connect(c->b);
	if (c->bfd < 0) {
		int err = errno;

		backend_set_down(c->b, err);
		dial_next(w, c);
		return 0;
	}
	c->state = CS_DIALING;
	c->deadline = w->now + atomic_load(&c->t->dial_timeout) * 1000LL;
	if (watch(w, c, c->bfd))
		return -1;
	return 0;
}

/* Drop the current backend (if any) and dial the next one. */
static void dial_next(struct worker *w, struct conn *c)
{
	if (c->bfd >= 0) {
		close(c->bfd);
		c->bfd = -1;
	}
	if (c->b) {
		backend_put(c->b);
		c->b = NULL;
	}
	c->b = backend_pick(c->t, c);
	if (!c->b) {
		atomic_fetch_add(&c->t->failed, 1);
		conn_close(w, c, true);
		return;
	}
	if (dial(w, c))
		conn_close(w, c, true);
}

void conn_accept(struct worker *w, struct tunnel *t, int cfd)
{
	struct conn *c;
	int one = 1;

	if (atomic_fetch_add(&t->active, 1) >= atomic_load(&t->max_conns)) {
		atomic_fetch_sub(&t->active, 1);
		atomic_fetch_add(&t->refused, 1);
		close(cfd);
		return;
	}
	atomic_fetch_add(&t->total, 1);
	c = calloc(1, sizeof(*c));
	if (!c) {
		atomic_fetch_sub(&t->active, 1);
		close(cfd);
		return;
	}
	atomic_fetch_add(&t->refs, 1);
	c->ev.kind = EV_CONN;
	c->w = w;
	c->t = t;
	c->cfd = cfd;
	c->bfd = -1;
	c->c2b.pipe[0] = c->c2b.pipe[1] = -1;
	c->b2c.pipe[0] = c->b2c.pipe[1] = -1;
	c->next = w->conns;
	if (c->next)
		c->next->prev = c;
	w->conns = c;
	w->n_conns++;
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (watch(w, c, cfd)) {
		conn_close(w, c, true);
		return;
	}
	if (t->ssl) {
		c->ssl = tls_new(t->ssl, cfd);
		if (!c->ssl) {
			conn_close(w, c, true);
			return;
		}
		c->state = CS_HANDSHAKE;
		c->deadline = w->now + atomic_load(&t->dial_timeout) * 1000LL;
		make_ready(w, c);
		return;
	}
	dial_next(w, c);
}

/*
 * Run one plain direction.  Returns -1 on a socket error (the conn is to
 * be reset), 1 if it yielded with more to do, else 0.
 */
static int pump_splice_dir(struct conn *c, struct dir *d,
			   atomic_long *count)
{
	int rounds = 0;

	for (;;) {
		bool moved = false;
		ssize_t n;

		if (!d->eof && d->inpipe < PIPE_CAP) {
			if (pipe_get(c->w, d))
				return -1;
			n = splice(d->from, NULL, d->pipe[1], NULL,
				   PIPE_CAP - d->inpipe, SPLICE_FLAGS);
			if (n > 0) {
				d->inpipe += n;
				moved = true;
			} else if (!n) {
				d->eof = true;
				moved = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (d->inpipe) {
			n = splice(d->pipe[0], NULL, d->to, NULL, d->inpipe,
				   SPLICE_FLAGS);
			if (n > 0) {
				d->inpipe -= n;
				atomic_fetch_add(count, n);
				c->last_io = c->w->now;
				moved = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (d->eof && !d->inpipe && !d->shut) {
			shutdown(d->to, SHUT_WR);
			d->shut = true;
		}
		if (!moved)
			return 0;
		if (++rounds >= PUMP_ROUNDS)
			return 1;
	}
}

static int pump_splice(struct conn *c, struct dir *d, atomic_long *count)
{
	int r = pump_splice_dir(c, d, count);

	if (!d->inpipe)
		pipe_put(c->w, d, false);
	return r;
}

/* Read from the plain side or the TLS side into @d->buf. */
static ssize_t dir_read(struct conn *c, struct dir *d, void *buf, size_t len)
{
	if (d->from == c->cfd)
		return tls_read(c->ssl, buf, len);
	return recv(d->from, buf, len, MSG_DONTWAIT);
}

static ssize_t dir_write(struct conn *c, struct dir *d, const void *buf,
			 size_t len)
{
	if (d->to == c->cfd)
		return tls_write(c->ssl, buf, len);
	return send(d->to, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Like pump_splice() for a TLS client: through @d->buf. */
static int pump_tls(struct conn *c, struct dir *d, atomic_long *count)
{
	int rounds = 0;

	for (;;) {
		bool moved = false;
		ssize_t n;

		if (!d->eof && !d->len) {
			d->off = 0;
			n = dir_read(c, d, d->buf, TLS_BUF);
			if (n > 0) {
				d->len = n;
				moved = true;
			} else if (!n) {
				d->eof = true;
				moved = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (d->len > d->off) {
			n = dir_write(c, d, d->buf + d->off, d->len - d->off);
			if (n > 0) {
				d->off += n;
				atomic_fetch_add(count, n);
				c->last_io = c->w->now;
				moved = true;
				if (d->off == d->len)
					d->off = d->len = 0;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (d->eof && !d->len && !d->shut) {
			if (d->to == c->cfd)
				tls_shutdown(c->ssl);
			shutdown(d->to, SHUT_WR);
			d->shut = true;
		}
		if (!moved)
			return 0;
		if (++rounds >= PUMP_ROUNDS)
			return 1;
	}
}

static void pump(struct worker *w, struct conn *c)
{
	int (*fn)(struct conn *, struct dir *, atomic_long *) =
		c->ssl ? pump_tls : pump_splice;
	int r1, r2;

	r1 = fn(c, &c->c2b, &c->t->bytes_in);
	r2 = r1 < 0 ? -1 : fn(c, &c->b2c, &c->t->bytes_out);
	if (r1 < 0 || r2 < 0) {
		conn_close(w, c, true);
		return;
	}
	if (c->c2b.shut && c->b2c.shut) {
		conn_close(w, c, false);
		return;
	}
	if (r1 > 0 || r2 > 0)
		make_ready(w, c);
}

static void dialing_event(struct worker *w, struct conn *c, uint32_t events)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return;
	if (getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (!err && (events & (EPOLLERR | EPOLLHUP)))
		err = ECONNREFUSED;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err) {
		backend_set_down(c->b, err);
		dial_next(w, c);
		return;
	}
	backend_set_up(c->b);
	if (start_pump(w, c)) {
		conn_close(w, c, true);
		return;
	}
	pump(w, c);
}

static void handshake(struct worker *w, struct conn *c)
{
	int r = tls_handshake(c->ssl);

	if (r < 0) {
		atomic_fetch_add(&c->t->failed, 1);
		conn_close(w, c, true);
	} else if (r > 0) {
		dial_next(w, c);
	}
}

void conn_event(struct worker *w, struct conn *c, bool backend,
		uint32_t events)
{
	switch (c->state) {
	case CS_HANDSHAKE:
		handshake(w, c);
		break;
	case CS_DIALING:
		/* Client events wait: the pump reads what came meanwhile. */
		if (backend)
			dialing_event(w, c, events);
		break;
	case CS_PUMP:
		unready(w, c);
		pump(w, c);
		break;
	case CS_DEAD:
		break;
	}
}

void conn_run_ready(struct worker *w)
{
	struct conn *list = w->ready, *c;

	w->ready = NULL;
	while ((c = list)) {
		list = c->ready_next;
		c->ready = false;
		if (c->state == CS_PUMP)
			pump(w, c);
		else if (c->state == CS_HANDSHAKE)
			handshake(w, c);
	}
}

void conn_sweep(struct worker *w)
{
	struct conn *c = w->conns, *next;

	for (; c; c = next) {
		unsigned int idle;

		next = c->next;
		if (atomic_load(&c->t->cut)) {
			atomic_fetch_add(&w->e->n_cut, 1);
			conn_close(w, c, true);
			continue;
		}
		switch (c->state) {
		case CS_HANDSHAKE:
			if (w->now >= c->deadline) {
				atomic_fetch_add(&c->t->failed, 1);
				conn_close(w, c, true);
			}
			break;
		case CS_DIALING:
			if (w->now >= c->deadline) {
				backend_set_down(c->b, 0);
				dial_next(w, c);
			}
			break;
		case CS_PUMP:
			idle = atomic_load(&c->t->idle_timeout);
			if (idle && w->now - c->last_io >= idle * 1000LL)
				conn_close(w, c, false);
			break;
		case CS_DEAD:
			break;
		}
	}
}
