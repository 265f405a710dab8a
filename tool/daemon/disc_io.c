// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon discovery's I/O (disc_io.h): a fetch thread, a probe socket.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/ovl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../parse.h"
#include "../registry/client.h"
#include "disc_io.h"

#define FETCH_TIMEOUT_MS	5000	/* per registry */
#define DISC_ERR_LEN		512

/* Entries and the addresses they resolved to. */
struct addrtab {
	unsigned int n;
	char addr[BEACON_MAX][BEACON_ADDR_MAX + 1];
	struct sockaddr_storage ss[BEACON_MAX];
};

/* What the fetch thread and the loop share, under @mu. */
struct job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool quit, want_fetch, want_save;
	/* A fetch's outcome. */
	bool fetch_done, fetch_ok;
	struct beacon_list got;
	struct addrtab got_tab;
	char fetch_err[DISC_ERR_LEN];
	/* A save's. */
	struct beacon_list save_list;
	int64_t save_at;
	bool save_done;
	int save_ret;
	char save_err[BEACON_ERR_LEN];
};

struct disc_io {
	struct disc d;
	struct addrtab boot, fetched, cache;
	char cache_path[4096];
	int64_t cache_saved_at;		/* -1: none */
	int64_t fetched_at;		/* last success, Unix s; -1: never */
	bool fetch_failing;		/* the last fetch failed (logged) */
	char **urls;
	unsigned int n_urls;
	pthread_t th;
	bool th_started;
	int efd;			/* eventfd: the thread has news */
	struct job job;
	int probe_fd;
	int64_t sent_ns[BEACON_MAX];	/* CLOCK_REALTIME */
	uint8_t nonce[BEACON_MAX][BPROBE_NONCE_LEN];	/* of the last probe */
	struct sockaddr_storage sent_to[BEACON_MAX];
	bool sent[BEACON_MAX];
	bool was_probing;
	struct sockaddr_storage swap_ss;
	char swap_addr[BEACON_ADDR_MAX + 1];
	char unresolved[BEACON_ADDR_MAX + 1];	/* logged once */
	bool changed;
	disc_io_log_fn log;
	void *arg;
};

static void ilog(struct disc_io *io, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ilog(struct disc_io *io, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!io->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	io->log(io->arg, msg);
}

static int64_t wall_s(void)
{
	return time(NULL);
}

/* IPv4-mapped IPv6 as IPv4; anything else as it is. */
static void unmap(struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in s4 = { .sin_family = AF_INET };

	if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	s4.sin_port = s6->sin6_port;
	memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &s4, sizeof(s4));
}

static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       !memcmp(&a6->sin6_addr, &b6->sin6_addr, 16);
	return false;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int bprobe_open(void)
{
	int fd, off = 0, on = 1;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
				  sizeof(off))) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
	/* Without receive timestamps the RTTs count the loop's delay. */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	return fd;
}

/* [01][node id 0][nonce 8][zero 19] (docs/beacon-auth.md, Probe) */
#define BPROBE_LEN	32

int bprobe_send(int fd, const struct sockaddr_storage *to,
		const uint8_t nonce[BPROBE_NONCE_LEN], int64_t *at)
{
	uint8_t msg[BPROBE_LEN] = { OVL_MSG_DISCOVER };
	const struct sockaddr_in *s4 = (const void *)to;
	struct sockaddr_storage dst = *to;
	struct sockaddr_in6 *m = (struct sockaddr_in6 *)&dst;
	struct sockaddr_storage self;
	socklen_t len = sizeof(self);

	if (getsockname(fd, (struct sockaddr *)&self, &len))
		return -1;
	if (self.ss_family == AF_INET6 && to->ss_family == AF_INET) {
		memset(&dst, 0, sizeof(dst));
		m->sin6_family = AF_INET6;
		m->sin6_port = s4->sin_port;
		m->sin6_addr.s6_addr[10] = 0xff;
		m->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m->sin6_addr.s6_addr[12], &s4->sin_addr, 4);
	} else if (self.ss_family != to->ss_family) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	len = dst.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					 sizeof(struct sockaddr_in6);
	memcpy(msg + 5, nonce, BPROBE_NONCE_LEN);
	*at = realtime_ns();
	return sendto(fd, msg, sizeof(msg), MSG_DONTWAIT,
		      (struct sockaddr *)&dst, len) == sizeof(msg) ? 0 : -1;
}

int bprobe_recv(int fd, struct sockaddr_storage *from,
		uint8_t nonce[BPROBE_NONCE_LEN], int64_t *at)
{
	uint8_t buf[64];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_name = from, .msg_namelen = sizeof(*from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *cm;
	struct timespec ts;
	ssize_t n;

	memset(from, 0, sizeof(*from));
	n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
	*at = realtime_ns();
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
			*at = ts.tv_sec * 1000000000LL + ts.tv_nsec;
		}
	unmap(from);
	/* [2][iplen][ip 4 or 16][port 2][nonce 8] */
	if (n < 2 || buf[0] != OVL_MSG_DISCOVER_REPLY ||
	    (buf[1] != 4 && buf[1] != 16) ||
	    n != 2 + buf[1] + 2 + BPROBE_NONCE_LEN)
		return -1;
	memcpy(nonce, buf + n - BPROBE_NONCE_LEN, BPROBE_NONCE_LEN);
	return 0;
}

int bprobe_resolve(const char *addr, bool numeric_only,
		   struct sockaddr_storage *ss)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	char host[BEACON_ADDR_MAX + 1];
	const char *colon;
	int err;

	if (!parse_endpoint(addr, ss))
		return 0;
	colon = strrchr(addr, ':');
	if (numeric_only || !colon || colon == addr || addr[0] == '[' ||
	    (size_t)(colon - addr) >= sizeof(host))
		return -1;
	memcpy(host, addr, colon - addr);
	host[colon - addr] = '\0';
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	err = getaddrinfo(host, colon + 1, &hints, &res);
	if (err)
		return -1;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static void tab_add(struct addrtab *t, const char *addr, bool numeric_only)
{
	if (t->n == BEACON_MAX)
		return;
	snprintf(t->addr[t->n], sizeof(t->addr[t->n]), "%s", addr);
	if (bprobe_resolve(addr, numeric_only, &t->ss[t->n]))
		t->ss[t->n].ss_family = 0;
	t->n++;
}

static const struct sockaddr_storage *tab_find(const struct addrtab *t,
					       const char *addr)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->addr[i], addr) && t->ss[i].ss_family)
			return &t->ss[i];
	return NULL;
}

static const struct sockaddr_storage *lookup(const struct disc_io *io,
					     const char *addr)
{
	const struct sockaddr_storage *ss = tab_find(&io->boot, addr);

	if (!ss)
		ss = tab_find(&io->fetched, addr);
	if (!ss)
		ss = tab_find(&io->cache, addr);
	return ss;
}

static void notify(struct disc_io *io)
{
	uint64_t one = 1;

	if (write(io->efd, &one, sizeof(one)) < 0) {
		/* The counter is full: the loop has news waiting anyway. */
	}
}

/* The thread's fetch: the list, each entry resolved. */
static void do_fetch(struct disc_io *io, struct reg_client *c)
{
	struct reg_beacons b = { 0 };
	struct beacon_list *got = calloc(1, sizeof(*got));
	struct addrtab *tab = calloc(1, sizeof(*tab));
	char err[DISC_ERR_LEN] = "";
	bool ok = false;
	size_t i;

	if (!got || !tab) {
		snprintf(err, sizeof(err), "out of memory");
	} else if (reg_beacons(c, &b)) {
		snprintf(err, sizeof(err), "%s", reg_client_error(c));
	} else {
		ok = true;
		for (i = 0; i < b.n; i++) {
			if (!beacon_addr_valid(b.addrs[i]) ||
			    beacon_list_find(got, b.addrs[i]) >= 0)
				continue;
			if (beacon_list_add(got, b.addrs[i]))
				break;
			/* Only what survives the filter is worth a lookup. */
			if (!beacon_addr_unreachable(b.addrs[i]))
				tab_add(tab, b.addrs[i], false);
		}
		reg_beacons_free(&b);
	}
	pthread_mutex_lock(&io->job.mu);
	io->job.fetch_done = true;
	io->job.fetch_ok = ok;
	if (ok) {
		io->job.got = *got;
		io->job.got_tab = *tab;
	}
	snprintf(io->job.fetch_err, sizeof(io->job.fetch_err), "%s", err);
	pthread_mutex_unlock(&io->job.mu);
	free(got);
	free(tab);
	notify(io);
}

static void do_save(struct disc_io *io)
{
	struct beacon_list *l = malloc(sizeof(*l));
	char err[BEACON_ERR_LEN] = "out of memory";
	int64_t at;
	int ret = -1;

	pthread_mutex_lock(&io->job.mu);
	at = io->job.save_at;
	if (l)
		*l = io->job.save_list;
	pthread_mutex_unlock(&io->job.mu);
	if (l)
		ret = beacon_cache_save(io->cache_path, l, at, err,
					sizeof(err));
	free(l);
	pthread_mutex_lock(&io->job.mu);
	io->job.save_done = true;
	io->job.save_ret = ret;
	snprintf(io->job.save_err, sizeof(io->job.save_err), "%s", err);
	pthread_mutex_unlock(&io->job.mu);
	notify(io);
}

static void *fetch_thread(void *arg)
{
	struct disc_io *io = arg;
	struct reg_client *c;
	bool fetch, save;

	c = reg_client_new((const char *const *)io->urls, io->n_urls, NULL);
	if (c)
		reg_client_timeout(c, FETCH_TIMEOUT_MS);
	pthread_mutex_lock(&io->job.mu);
	while (!io->job.quit) {
		if (!io->job.want_fetch && !io->job.want_save) {
			pthread_cond_wait(&io->job.cv, &io->job.mu);
			continue;
		}
		fetch = io->job.want_fetch;
		save = io->job.want_save;
		io->job.want_fetch = io->job.want_save = false;
		pthread_mutex_unlock(&io->job.mu);
		if (save)
			do_save(io);
		if (fetch && c) {
			do_fetch(io, c);
		} else if (fetch) {
			pthread_mutex_lock(&io->job.mu);
			io->job.fetch_done = true;
			io->job.fetch_ok = false;
			snprintf(io->job.fetch_err, sizeof(io->job.fetch_err),
				 "no registry client (out of memory)");
			pthread_mutex_unlock(&io->job.mu);
			notify(io);
		}
		pthread_mutex_lock(&io->job.mu);
	}
	pthread_mutex_unlock(&io->job.mu);
	reg_client_free(c);
	return NULL;
}

static void boot_tab(struct disc_io *io, const struct sockaddr_storage *boot,
		     unsigned int n, struct beacon_list *l)
{
	char buf[ADDR_STRLEN];
	unsigned int i;

	memset(l, 0, sizeof(*l));
	io->boot.n = 0;
	for (i = 0; i < n && i < BEACON_MAX; i++) {
		if (!endpoint_str(&boot[i], buf) || beacon_list_add(l, buf))
			continue;
		snprintf(io->boot.addr[io->boot.n], BEACON_ADDR_MAX + 1, "%s",
			 buf);
		io->boot.ss[io->boot.n++] = boot[i];
	}
}

struct disc_io *disc_io_new(const struct disc_io_conf *c, uint64_t now)
{
	struct disc_io *io = calloc(1, sizeof(*io));
	struct beacon_list *boot = calloc(1, sizeof(*boot));
	struct beacon_list *cache = calloc(1, sizeof(*cache));
	char err[BEACON_ERR_LEN], buf[ADDR_STRLEN];
	uint64_t jitter;
	unsigned int i;
	int r = 1;

	if (!io || !boot || !cache)
		goto fail;
	io->efd = io->probe_fd = -1;
	io->log = c->log;
	io->arg = c->arg;
	io->fetched_at = io->cache_saved_at = -1;
	pthread_mutex_init(&io->job.mu, NULL);
	pthread_cond_init(&io->job.cv, NULL);
	boot_tab(io, c->boot, c->n_boot, boot);
	if (c->identity && c->n_registries &&
	    !beacon_cache_path(c->identity, io->cache_path,
			       sizeof(io->cache_path))) {
		r = beacon_cache_load(io->cache_path, cache,
				      &io->cache_saved_at, err, sizeof(err));
		if (r < 0)
			ilog(io, "beacon cache: %s (not used)", err);
		if (r)
			cache->n = 0;
		if (r)
			io->cache_saved_at = -1;
		for (i = 0; i < cache->n; i++)
			tab_add(&io->cache, cache->addr[i], true);
	}
	/* The jitter: [0, 10 s), to spread a fleet's restart. */
	jitter = 0;
	if (c->n_registries) {
		FILE *f = fopen("/dev/urandom", "re");

		if (!f || fread(&jitter, sizeof(jitter), 1, f) != 1)
			jitter = now;
		if (f)
			fclose(f);
		jitter %= DISC_JITTER_NS;
	}
	disc_init(&io->d, c->key, boot, c->n_registries > 0, cache, now,
		  jitter);
	if (c->kernel && endpoint_str(c->kernel, buf))
		disc_swapped(&io->d, buf);
	io->probe_fd = bprobe_open();
	if (io->probe_fd < 0)
		ilog(io, "beacon probes: no socket: %s (no RTTs)",
		     strerror(errno));
	if (c->n_registries) {
		/* Copies: a reload frees the config the thread would read. */
		io->urls = calloc(c->n_registries, sizeof(*io->urls));
		for (i = 0; io->urls && i < c->n_registries; i++)
			if ((io->urls[i] = strdup(c->registries[i])))
				io->n_urls++;
		if (io->n_urls != c->n_registries)
			goto fail;
		io->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (io->efd < 0 ||
		    pthread_create(&io->th, NULL, fetch_thread, io)) {
			ilog(io, "beacon list: no fetch thread: %s",
			     strerror(errno));
			goto fail;
		}
		io->th_started = true;
		ilog(io, "beacon list: fetched from %u registr%s every %llu s, the first in %llu ms%s",
		     c->n_registries, c->n_registries == 1 ? "y" : "ies",
		     DISC_FETCH_NS / DISC_NS_PER_SEC,
		     (unsigned long long)(jitter / 1000000),
		     cache->n ? "; beacons.json read" : "");
	}
	io->changed = true;
	free(boot);
	free(cache);
	return io;
fail:
	free(boot);
	free(cache);
	disc_io_free(io);
	return NULL;
}

void disc_io_free(struct disc_io *io)
{
	if (!io)
		return;
	if (io->th_started) {
		pthread_mutex_lock(&io->job.mu);
		io->job.quit = true;
		pthread_cond_signal(&io->job.cv);
		pthread_mutex_unlock(&io->job.mu);
		pthread_join(io->th, NULL);
	}
	while (io->n_urls)
		free(io->urls[--io->n_urls]);
	free(io->urls);
	if (io->efd >= 0)
		close(io->efd);
	if (io->probe_fd >= 0)
		close(io->probe_fd);
	pthread_mutex_destroy(&io->job.mu);
	pthread_cond_destroy(&io->job.cv);
	free(io);
}

unsigned int disc_io_fds(const struct disc_io *io, int fds[2])
{
	unsigned int n = 0;

	if (io->efd >= 0)
		fds[n++] = io->efd;
	if (io->probe_fd >= 0)
		fds[n++] = io->probe_fd;
	return n;
}

static void on_thread(struct disc_io *io, uint64_t now)
{
	struct beacon_list *got = malloc(sizeof(*got));
	char err[DISC_ERR_LEN], serr[BEACON_ERR_LEN];
	bool fetch_done, ok = false, save_done;
	unsigned int before = io->d.list.n;
	uint64_t v;
	int save_ret = 0;

	if (read(io->efd, &v, sizeof(v)) < 0 || !got) {
		free(got);
		return;
	}
	pthread_mutex_lock(&io->job.mu);
	fetch_done = io->job.fetch_done;
	if (fetch_done) {
		ok = io->job.fetch_ok;
		*got = io->job.got;
		if (ok)
			io->fetched = io->job.got_tab;
		snprintf(err, sizeof(err), "%s", io->job.fetch_err);
		io->job.fetch_done = false;
	}
	save_done = io->job.save_done;
	if (save_done) {
		save_ret = io->job.save_ret;
		snprintf(serr, sizeof(serr), "%s", io->job.save_err);
		if (!save_ret)
			io->cache_saved_at = io->job.save_at;
		io->job.save_done = false;
	}
	pthread_mutex_unlock(&io->job.mu);
	if (save_done && save_ret)
		ilog(io, "beacon cache: %s", serr);
	if (fetch_done) {
		disc_fetched(&io->d, now, ok, got);
		if (ok) {
			io->fetched_at = wall_s();
			if (io->fetch_failing || io->d.fetch_ok == 1 ||
			    before != io->d.list.n)
				ilog(io, "beacon list: %zu from the registry, %u in the list",
				     (size_t)got->n, io->d.list.n);
			io->fetch_failing = false;
		} else if (!io->fetch_failing) {
			io->fetch_failing = true;
			ilog(io, "beacon list: fetch failed, the list stays%s: %s",
			     io->d.from_cache ? " (beacons.json's)" : "", err);
		}
	}
	io->changed = true;
	free(got);
}

static void on_probe(struct disc_io *io)
{
	uint8_t nonce[BPROBE_NONCE_LEN];
	struct sockaddr_storage from;
	unsigned int i;
	int64_t at;
	int r;

	while ((r = bprobe_recv(io->probe_fd, &from, nonce, &at)) != 1) {
		if (r)
			continue;
		/* Only the answer to our last probe: a nonce nobody saw. */
		for (i = 0; i < io->d.list.n; i++)
			if (io->sent[i] && same_addr(&io->sent_to[i], &from) &&
			    !sodium_memcmp(io->nonce[i], nonce,
					   BPROBE_NONCE_LEN) &&
			    at >= io->sent_ns[i]) {
				io->sent[i] = false;	/* once */
				disc_probe_answer(&io->d, io->d.list.addr[i],
						  (at - io->sent_ns[i]) / 1000);
			}
	}
}

void disc_io_event(struct disc_io *io, int fd, uint64_t now)
{
	if (fd == io->efd)
		on_thread(io, now);
	else if (fd == io->probe_fd)
		on_probe(io);
}

static void probe_all(struct disc_io *io)
{
	const struct sockaddr_storage *ss;
	unsigned int i;

	for (i = 0; i < io->d.list.n; i++) {
		io->sent[i] = false;
		ss = lookup(io, io->d.list.addr[i]);
		if (!ss || io->probe_fd < 0)
			continue;
		io->sent_to[i] = *ss;
		unmap(&io->sent_to[i]);
		randombytes_buf(io->nonce[i], BPROBE_NONCE_LEN);
		io->sent[i] = !bprobe_send(io->probe_fd, ss, io->nonce[i],
					   &io->sent_ns[i]);
	}
}

const struct sockaddr_storage *disc_io_tick(struct disc_io *io, uint64_t now)
{
	unsigned int todo = disc_tick(&io->d, now);
	const struct sockaddr_storage *ss;
	const char *pick;

	if (io->was_probing && !io->d.probing)
		io->changed = true;	/* a round ended: new RTTs */
	if (todo & (DISC_DO_FETCH | DISC_DO_SAVE)) {
		pthread_mutex_lock(&io->job.mu);
		if (todo & DISC_DO_FETCH)
			io->job.want_fetch = true;
		if ((todo & DISC_DO_SAVE) && io->cache_path[0]) {
			io->job.want_save = true;
			io->job.save_list = io->d.list;
			io->job.save_at = wall_s();
		}
		pthread_cond_signal(&io->job.cv);
		pthread_mutex_unlock(&io->job.mu);
	}
	if (todo & DISC_DO_PROBE)
		probe_all(io);
	io->was_probing = io->d.probing;
	if (!(todo & DISC_DO_SWAP))
		return NULL;
	pick = disc_pick_addr(&io->d);
	ss = lookup(io, pick);
	if (!ss) {
		if (strcmp(io->unresolved, pick)) {
			snprintf(io->unresolved, sizeof(io->unresolved), "%s",
				 pick);
			ilog(io, "beacon %s: picked but it does not resolve: the kernel keeps %s",
			     pick, io->d.kernel[0] ? io->d.kernel : "none");
		}
		return NULL;
	}
	snprintf(io->swap_addr, sizeof(io->swap_addr), "%s", pick);
	io->swap_ss = *ss;
	return &io->swap_ss;
}

void disc_io_swapped(struct disc_io *io, bool ok)
{
	char was[BEACON_ADDR_MAX + 1];

	snprintf(was, sizeof(was), "%s", io->d.kernel);
	if (!ok) {
		if (strcmp(io->unresolved, io->swap_addr)) {
			snprintf(io->unresolved, sizeof(io->unresolved), "%s",
				 io->swap_addr);
			ilog(io, "beacon %s: the kernel refused it", io->swap_addr);
		}
		return;
	}
	disc_swapped(&io->d, io->swap_addr);
	io->unresolved[0] = '\0';
	io->changed = true;
	ilog(io, "beacon %s: picked (%s, of %u), was %s", io->swap_addr,
	     disc_why_name(io->d.why), io->d.list.n, was[0] ? was : "none");
}

void disc_io_set_bootstrap(struct disc_io *io,
			   const struct sockaddr_storage *boot,
			   unsigned int n_boot)
{
	struct beacon_list *l = malloc(sizeof(*l));

	if (!l)
		return;
	boot_tab(io, boot, n_boot, l);
	disc_set_bootstrap(&io->d, l);
	io->changed = true;
	free(l);
}

bool disc_io_changed(struct disc_io *io)
{
	bool c = io->changed;

	io->changed = false;
	return c;
}

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static struct json_object *int_or_null(int64_t v)
{
	return v >= 0 ? json_object_new_int64(v) : NULL;
}

struct json_object *disc_io_status(const struct disc_io *io)
{
	const struct disc *d = &io->d;
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array(), *e;
	unsigned int i;

	for (i = 0; i < d->list.n; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "address",
				       json_object_new_string(d->list.addr[i]));
		json_object_object_add(e, "origin",
				       json_object_new_string(disc_origin_name(d->origin[i])));
		json_object_object_add(e, "rtt_ms", d->measured &&
				       d->rtt_us[i] >= 0 ?
				       json_object_new_double(d->rtt_us[i] / 1000.0) :
				       NULL);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "list", a);
	json_object_object_add(o, "pick", str_or_null(disc_pick_addr(d)));
	json_object_object_add(o, "why", d->pick >= 0 ?
			       json_object_new_string(disc_why_name(d->why)) :
			       NULL);
	json_object_object_add(o, "kernel", str_or_null(d->kernel));
	json_object_object_add(o, "registry", json_object_new_boolean(d->registry));
	json_object_object_add(o, "fetch_ok", json_object_new_int64(d->fetch_ok));
	json_object_object_add(o, "fetch_failed",
			       json_object_new_int64(d->fetch_failed));
	json_object_object_add(o, "fetched_at", int_or_null(io->fetched_at));
	json_object_object_add(o, "cache", str_or_null(io->cache_path));
	json_object_object_add(o, "cache_saved_at",
			       int_or_null(io->cache_saved_at));
	return o;
}

const struct disc *disc_io_state(const struct disc_io *io)
{
	return &io->d;
}
