/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP tunnel engine internals, shared by engine.c (threads, listeners,
 * reload, drain), backend.c (picking, health), pump.c (the byte pump),
 * pool.c (warm connections), tls.c (OpenSSL) and ctl.c (stats).
 *
 * Ownership: a client connection (struct conn) lives in the worker that
 * accepted it and is only touched by that worker.  Tunnels and backends
 * are shared: their counters are atomics, their backend list and WRR
 * state are under the tunnel's lock, a backend's warm pool under the
 * backend's.  Both are reference counted: a conn holds its tunnel and
 * its backend, so a reload or a removal never frees what a live conn
 * uses.
 */
#ifndef _OVL_TUNNEL_INTERNAL_H
#define _OVL_TUNNEL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../parse.h"
#include "conf.h"
#include "tunnel.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

/* What an epoll event's data.ptr points at: each object starts with one. */
enum ev_kind { EV_LISTEN, EV_CONN, EV_DIALER, EV_WAKE };

struct ev {
	enum ev_kind kind;
};

#define SWEEP_MS	100	/* timers are checked this often */
#define DOWN_RECHECK_MS	2000	/* a down backend is probed this often */
#define PUMP_ROUNDS	8	/* pipe-fulls per direction before yielding */
#define TLS_BUF		16384
#define WORKER_PIPES	64	/* spare pipes a worker keeps */

/* Milliseconds of CLOCK_MONOTONIC. */
long long now_ms(void);

void tlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * struct backend - one backend of a tunnel
 * @refs: the tunnel's list, each conn, dialer and probe using it
 * @addr: where it is
 * @name: @addr as text
 * @tunnel: the name of its tunnel, for the log
 * @weight: its weight, for the stats (the WRR has its own copy)
 * @down: a dial failed; a probe every DOWN_RECHECK_MS brings it back up
 * @probing: a probe is in flight (worker 0 only)
 * @next_probe: when the next probe is due (worker 0 only)
 * @removed: a reload dropped it: no more pool refills
 * @active: tunnels through it now
 * @total: tunnels through it ever
 * @failed: dials that failed
 * @lock: guards the pool fields below
 * @idle: warm connections ready for use, oldest first
 * @idle_since: when each was dialed
 * @n_idle: entries of @idle
 * @n_dialing: pool dials in flight
 */
struct backend {
	atomic_int refs;
	struct sockaddr_storage addr;
	char name[ADDR_STRLEN];
	char tunnel[TUNNEL_NAME_MAX];
	int weight;
	atomic_bool down;
	bool probing;
	long long next_probe;
	atomic_bool removed;
	atomic_long active;
	atomic_long total;
	atomic_long failed;
	pthread_mutex_t lock;
	int idle[TUNNEL_POOL_MAX];
	long long idle_since[TUNNEL_POOL_MAX];
	unsigned int n_idle;
	unsigned int n_dialing;
};

/**
 * struct tunnel - one listener and its backends
 * @ev: EV_LISTEN, in every worker's epoll
 */
struct tunnel {
	struct ev ev;
	struct tunnel_engine *e;
	struct tunnel *next;
	atomic_int refs;
	char name[TUNNEL_NAME_MAX];
	struct sockaddr_storage listen_addr;
	char listen_str[ADDR_STRLEN];
	int lfd;
	SSL_CTX *ssl;
	char tls_cert[TUNNEL_PATH_MAX];
	char tls_key[TUNNEL_PATH_MAX];
	char tls_client_ca[TUNNEL_PATH_MAX];
	atomic_bool closing;
	atomic_bool cut;	/* drain timeout passed: reset its clients */
	long long retire_at;	/* retired: when its clients are cut (ms) */
	atomic_uint idle_timeout;
	atomic_uint max_conns;
	atomic_uint dial_timeout;
	atomic_uint drain_timeout;
	atomic_uint pool;
	atomic_long active;
	atomic_long total;
	atomic_long refused;
	atomic_long failed;
	atomic_long bytes_in;
	atomic_long bytes_out;
	pthread_mutex_t lock;
	unsigned int n_backends;
	struct backend *backends[TUNNEL_MAX_BACKENDS];
	struct wrr wrr;
};

enum conn_state { CS_HANDSHAKE, CS_DIALING, CS_PUMP, CS_DEAD };

/**
 * struct dir - one direction of a tunnel
 * @from: the socket read
 * @to: the socket written
 * @pipe: splice(2) goes @from -> @pipe[1], @pipe[0] -> @to (plain TCP)
 * @inpipe: bytes in @pipe
 * @buf: TLS only, the bytes between SSL and the plain socket
 * @off: first byte of @buf not yet written
 * @len: bytes in @buf
 * @eof: @from reached its end
 * @shut: @to was shut down for writing (after @eof and an empty pipe)
 */
struct dir {
	int from, to;
	int pipe[2];
	size_t inpipe;
	char *buf;
	size_t off, len;
	bool eof, shut;
};

struct worker;

/**
 * struct conn - one client and its backend connection
 * @tried: backends (indices in the tunnel's list) already dialed for it
 */
struct conn {
	struct ev ev;
	struct worker *w;
	struct conn *prev, *next;
	struct conn *ready_next;
	bool ready;
	enum conn_state state;
	struct tunnel *t;
	struct backend *b;
	int b_index;
	int cfd, bfd;
	SSL *ssl;
	long long deadline;
	long long last_io;
	uint64_t tried[TUNNEL_MAX_BACKENDS / 64];
	struct dir c2b, b2c;
};

/**
 * struct dialer - a connection being made for a warm pool or a health
 * probe (EV_DIALER), owned by the worker that started it
 */
struct dialer {
	struct ev ev;
	struct worker *w;
	struct dialer *prev, *next;
	struct backend *b;
	bool probe;
	int fd;
	unsigned int dial_timeout;
	long long deadline;
};

struct worker {
	struct tunnel_engine *e;
	unsigned int idx;
	pthread_t thread;
	int epfd;
	int wakefd;
	struct ev wake_ev;
	long long now;
	long long next_sweep;
	struct conn *conns;
	unsigned long n_conns;
	struct conn *ready;
	struct conn *dead;
	struct dialer *dialers;
	atomic_ulong loops;	/* rounds of its event loop, see quiesce() */
	int pipes[WORKER_PIPES][2];	/* spare empty pipes */
	unsigned int n_pipes;
};

struct tunnel_engine {
	unsigned int n_workers;
	struct worker *workers;
	atomic_bool stop;
	atomic_ulong n_cut;
	pthread_mutex_t lock;	/* the tunnel lists */
	struct tunnel *tunnels;
	struct tunnel *retired;	/* tunnel_retire(), draining (->next) */
	/* ctl.c */
	int ctl_fd;
	int ctl_wake;
	bool ctl_running;
	pthread_t ctl_thread;
	char ctl_path[TUNNEL_PATH_MAX];
};

/* backend.c */
struct backend *backend_new(const struct tunnel_backend_conf *bc,
			    const char *tunnel);
void backend_get(struct backend *b);
void backend_put(struct backend *b);
void backend_set_down(struct backend *b, int err);
void backend_set_up(struct backend *b);
/*
 * Pick the next backend of @t for @c by WRR among those not yet tried and
 * up (or, when all untried ones are down, among the untried ones); marks
 * it tried, returns it with a reference, or NULL.
 */
struct backend *backend_pick(struct tunnel *t, struct conn *c);
/* Start a non-blocking connect to @b; returns the socket or -1. */
int backend_connect(const struct backend *b);
/* Worker 0, each sweep: probe the down backends that are due. */
void backend_probe_due(struct worker *w);
void dialer_event(struct worker *w, struct dialer *d, uint32_t events);
void dialer_sweep(struct worker *w);
void dialer_free(struct worker *w, struct dialer *d);
struct dialer *dialer_start(struct worker *w, struct backend *b, bool probe,
			    unsigned int dial_timeout);

/* pool.c */
int pool_take(struct backend *b, long long now);
void pool_put(struct backend *b, int fd, long long now, unsigned int max);
/* Dial warm connections for @b up to @max idle (TUNNEL_POOL_MAX_OPEN open). */
void pool_refill(struct worker *w, struct backend *b, unsigned int max,
		 unsigned int dial_timeout);
/* Worker 0, each sweep: expire old warm connections, refill the pools. */
void pool_sweep(struct worker *w);
void pool_flush(struct backend *b);

/* pump.c */
void conn_accept(struct worker *w, struct tunnel *t, int cfd);
/* An event of @c's client socket, or of its backend's if @backend. */
void conn_event(struct worker *w, struct conn *c, bool backend,
		uint32_t events);
void conn_run_ready(struct worker *w);
void conn_sweep(struct worker *w);
void conn_close(struct worker *w, struct conn *c, bool reset);
/* Free the conns closed since the last call. */
void conn_reap(struct worker *w);

/* tls.c */
SSL_CTX *tls_ctx_new(const char *cert, const char *key, const char *ca,
		     char *err, size_t errlen);
void tls_ctx_free(SSL_CTX *ctx);
SSL *tls_new(SSL_CTX *ctx, int fd);
void tls_free(SSL *ssl);
/* 1 done, 0 in progress, -1 failed. */
int tls_handshake(SSL *ssl);
/* Like read(2)/write(2): > 0 bytes, 0 EOF, -1 with errno (EAGAIN). */
ssize_t tls_read(SSL *ssl, void *buf, size_t len);
ssize_t tls_write(SSL *ssl, const void *buf, size_t len);
void tls_shutdown(SSL *ssl);

/* engine.c */
void tunnel_put(struct tunnel *t);

/* ctl.c */
void tunnel_ctl_close(struct tunnel_engine *e);

#endif /* _OVL_TUNNEL_INTERNAL_H */
