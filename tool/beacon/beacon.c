// SPDX-License-Identifier: GPL-2.0
/*
 * ovl-beacon: discovery and relay server of the ovl overlay network.
 *
 * Worker threads (--threads, one per online CPU by default), each with
 * its own UDP socket on the same address (SO_REUSEPORT: the kernel
 * spreads the sources over them), read with recvmmsg() and written with
 * sendmmsg() in batches; the protocol logic is msg.c, the registrations
 * table.c, one table shared by every worker.  The main thread only
 * takes the signals (signalfd), expires registrations and writes the
 * stats.  With --registry, one more thread (announce.c) announces the
 * beacon to the registry; it shares nothing with the workers.
 *
 * Locking rule:
 *  - shared.table_lock guards shared.table (every registration, the
 *    nodes it points to, their relay and punch budgets, the cookie
 *    secrets and limits of table.auth) and shared.expirations.  It is
 *    held around each bcn_handle_locked() call and each expiry, never
 *    across a system call, and nothing costlier than lookups, token
 *    bucket arithmetic and copies is done under it for a RELAY: the
 *    datagram's two SipHash tags (the RELAY's under the sender's k_up,
 *    the RELAY_DELIVER's under the receiver's k_down) are computed by
 *    bcn_relay_finish() after it is dropped, from the keys and addresses
 *    bcn_handle_locked() copied into the struct bcn_relay and the output.
 *    Nothing of the table is used after the lock is dropped.  A RELAY
 *    whose tag is bad takes the lock once more to give back the budget
 *    taken for it (bcn_relay_refund()); only forged RELAYs pay that.
 *    (Registrations, refreshes, PUNCH_REQUESTs keep their MACs under
 *    the lock: they are rare, and their checks decide what the table
 *    becomes.)
 *  - worker.stats_lock guards worker.stats; the worker holds it for one
 *    whole batch (receive, handle, send), the main thread to add the
 *    counters up.  Anything a worker sent is counted before the main
 *    thread can read its counters.
 *  - Order: a worker's stats_lock, then table_lock; never the other way.
 *  Everything else of a worker is its own.
 *
 * Replies leave from the address the request came to: IP_PKTINFO and
 * IPV6_RECVPKTINFO tell which one, and the send carries it back as
 * IP_PKTINFO/IPV6_PKTINFO; the registration keeps it, so what goes to a
 * node later (RELAY_DELIVER, PUNCH_COMMAND) leaves from the address that
 * node talks to.  IPv6 scope ids (link-local sources) are kept.
 *
 * With --batch > 1 the socket also takes UDP GRO: the kernel may hand over
 * a burst of same-size datagrams from one source as one message, which is
 * split here and each datagram handled on its own.  When every datagram of
 * such a message becomes a RELAY_DELIVER rewritten in place for the same
 * destination, the whole buffer goes back out as one UDP GSO send
 * (UDP_SEGMENT) and the kernel cuts it into the same datagrams again: the
 * burst crosses the beacon as one buffer.  --batch 1 is the plain,
 * one-datagram-per-system-call baseline, without GRO or GSO.
 * Signals arrive through a signalfd polled with the socket, so they never
 * interrupt a batch half-way.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../daemon/keyfile.h"
#include "announce.h"
#include "limits.h"
#include "msg.h"
#include "stats.h"
#include "table.h"

#ifndef OVL_BEACON_VERSION
#define OVL_BEACON_VERSION "0.1.0"
#endif

#define BCN_BUF_SIZE		65536	/* any UDP payload */
#define BCN_MAX_BATCH		1024
#define BCN_BATCHES_PER_POLL	64	/* then look at signals again */
#define BCN_SEND_RETRIES	8
#define BCN_GRO_MAX_SEGS	64	/* per GRO message, per GSO send */
#define BCN_MAX_THREADS		256
#define BCN_RECV_ERR_WAIT_MS	10	/* after a failed recvmmsg() */

#ifndef UDP_SEGMENT
#define UDP_SEGMENT		103	/* <linux/udp.h> */
#endif
#ifndef UDP_GRO
#define UDP_GRO			104
#endif

/*
 * Control buffer of one received message: the GRO segment size, the
 * destination address (IPv4, IPv6 or both on a dual-stack socket).
 */
union bcn_rx_ctrl {
	char		buf[CMSG_SPACE(sizeof(int)) +
			    CMSG_SPACE(sizeof(struct in_pktinfo)) +
			    CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr	align;
};

/* Control buffer of one send: the source address, the GSO segment size. */
union bcn_tx_ctrl {
	char		buf[CMSG_SPACE(sizeof(uint16_t)) +
			    CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr	align;
};

/* What every worker shares; see the locking rule at the top. */
struct shared {
	pthread_mutex_t		table_lock;
	struct bcn_table	table;
	uint64_t		expirations;	/* by the main thread */
	int			stop_fd;	/* eventfd, set at exit */
};

struct worker {
	struct shared		*sh;
	pthread_t		thread;
	bool			started;
	int			fd;
	int			family;
	unsigned int		batch;
	bool			gro;
	pthread_mutex_t		stats_lock;
	struct bcn_stats	stats;
	uint64_t		last_err_log;	/* ms, of a recvmmsg() error */
	/* receive side, batch entries */
	struct mmsghdr		*rx_msgs;
	struct iovec		*rx_iov;
	struct sockaddr_storage	*rx_names;
	uint8_t			*rx_bufs;
	union bcn_rx_ctrl	*rx_ctrl;
	/* send side, tx_cap entries; an entry is one datagram or a GSO burst */
	unsigned int		tx_cap;
	struct mmsghdr		*tx_msgs;
	struct iovec		*tx_iov;
	struct sockaddr_storage	*tx_names;
	struct bcn_out		*tx_out;
	unsigned int		*tx_segs;	/* datagrams in each entry */
	union bcn_tx_ctrl	*tx_ctrl;
};

struct beacon {
	struct shared		sh;
	struct bcn_auth		auth;
	const char		*ca_file;	/* --ca PATH: SIGHUP re-reads */
	const char		*limits_file;	/* --limits: SIGHUP re-reads */
	struct bcn_limits	cli_limits;	/* the options' (or defaults) */
	struct worker		*workers;
	unsigned int		nworkers;
	const char		*stats_file;
};

static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out);

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ovl-beacon --listen HOST:PORT --ca BASE64-KEY|FILE\n"
		"                  [--batch N] [--expire SECS] [--max-nodes N]\n"
		"                  [--stats-file PATH] [--threads N]\n"
		"                  [--prefix-quota N] [--relay-pps N] [--relay-bps N]\n"
		"                  [--limits FILE]\n"
		"                  [--registry URL[,URL...] --public ADDR\n"
		"                   --registry-token FILE [--heartbeat SECONDS]]\n"
		"       ovl-beacon --help | --version\n"
		"HOST is a numeric IPv4 address or a bracketed IPv6 address:\n"
		"0.0.0.0:3478, [::]:3478 (dual-stack), [::1]:3478.\n"
		"--ca is required: the CA public key (base64, or a file holding\n"
		"it) whose certificates nodes register with (protocol v2,\n"
		"docs/beacon-auth.md).  There is no mode without it.\n"
		"--registry, --public and --registry-token go together: the\n"
		"beacon announces ADDR (HOST:PORT, what nodes send to) to the\n"
		"registry with the beacon token in FILE, and again every beat.\n");
}

/* ADDR of --public: IPv4:PORT, [IPv6]:PORT or HOSTNAME:PORT. */
static bool public_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	unsigned long port;
	size_t i;

	if (!colon || colon == s || strlen(s) > 255 ||
	    parse_ulong(colon + 1, 1, 65535, &port))
		return false;
	if (*s == '[')
		return colon[-1] == ']' && colon - s > 2;
	for (i = 0; s + i < colon; i++)
		if (s[i] == ':' || s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       unsigned long *val)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*val = strtoul(s, &end, 10);
	if (errno || *end || *val < min || *val > max)
		return -1;
	return 0;
}

static int parse_listen(const char *arg, struct sockaddr_storage *ss,
			socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	unsigned long port;
	size_t hlen;

	colon = strrchr(arg, ':');
	if (!colon || parse_ulong(colon + 1, 0, 65535, &port))
		return -1;
	hlen = colon - arg;
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	}
	return 0;
}

static void sockaddr_to_bcn(const struct sockaddr_storage *ss,
			    struct bcn_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		bcn_addr_set_v4(a, (const uint8_t *)&sin->sin_addr,
				ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		memcpy(a->ip, &sin6->sin6_addr, 16);
		a->port = ntohs(sin6->sin6_port);
		a->scope_id = sin6->sin6_scope_id;
	}
}

static socklen_t bcn_to_sockaddr(int family, const struct bcn_addr *a,
				 struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->ip + 12, 4);
		sin->sin_port = htons(a->port);
		return sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->ip, 16);
		sin6->sin6_port = htons(a->port);
		sin6->sin6_scope_id = a->scope_id;
		return sizeof(*sin6);
	}
}

static bool bcn_addr_is_zero(const struct bcn_addr *a)
{
	static const struct bcn_addr zero;

	return !memcmp(a->ip, zero.ip, sizeof(a->ip)) && !a->scope_id;
}

/*
 * The beacon's address a received message was sent to, from its
 * IP_PKTINFO or IPV6_PKTINFO (port 0); all zero if there is none.  The
 * scope id is kept for link-local addresses only: for any other, forcing
 * the interface of a reply would only get in the routing's way.
 */
static void rx_local(struct msghdr *mh, struct bcn_addr *a)
{
	struct cmsghdr *cm;

	memset(a, 0, sizeof(*a));
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			/* the local address, even for a broadcast */
			bcn_addr_set_v4(a, (const uint8_t *)&pi.ipi_spec_dst,
					0);
			return;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
				return;
			memcpy(a->ip, &pi.ipi6_addr, 16);
			if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				a->scope_id = pi.ipi6_ifindex;
			return;
		}
	}
}

/*
 * Lay out the control data of a send from @src (none if all zero) with
 * GSO segment size @gso (none if 0) in @c; returns its length.
 */
static size_t put_tx_ctrl(int family, const struct bcn_addr *src,
			  uint16_t gso, union bcn_tx_ctrl *c)
{
	struct cmsghdr *cm = (struct cmsghdr *)c->buf;
	size_t len = 0;

	memset(c, 0, sizeof(*c));
	if (!bcn_addr_is_zero(src)) {
		if (family == AF_INET) {
			struct in_pktinfo pi = { .ipi_ifindex = 0 };

			memcpy(&pi.ipi_spec_dst, src->ip + 12, 4);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			len = CMSG_SPACE(sizeof(pi));
		} else {
			/* v4-mapped too, on a dual-stack socket */
			struct in6_pktinfo pi = {
				.ipi6_ifindex = src->scope_id,
			};

			memcpy(&pi.ipi6_addr, src->ip, 16);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			len = CMSG_SPACE(sizeof(pi));
		}
	}
	if (gso) {
		cm = (struct cmsghdr *)(c->buf + len);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(gso));
		memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
		len += CMSG_SPACE(sizeof(gso));
	}
	return len;
}

static void print_bound(int fd)
{
	char host[INET6_ADDRSTRLEN];
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	const void *ip;
	uint16_t port;

	if (getsockname(fd, (struct sockaddr *)&bound, &blen))
		return;
	if (bound.ss_family == AF_INET) {
		ip = &((struct sockaddr_in *)&bound)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	} else {
		ip = &((struct sockaddr_in6 *)&bound)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
	}
	inet_ntop(bound.ss_family, ip, host, sizeof(host));
	fprintf(stderr, bound.ss_family == AF_INET ?
		"ovl-beacon: listening on %s:%u\n" :
		"ovl-beacon: listening on [%s]:%u\n", host, port);
}

/*
 * One worker's socket, bound to @ss.  With @reuseport every worker binds
 * the same address; a port 0 in @ss is replaced by the one the first
 * socket got, so that the others join it.
 */
static int open_socket(struct sockaddr_storage *ss, socklen_t len,
		       bool *gro, bool reuseport)
{
	int fd, zero = 0, one = 1, bufsz = 4 << 20;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);

	fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		perror("ovl-beacon: socket");
		return -1;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		/* A wildcard socket serves IPv4 too, as v4-mapped. */
		if ((IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
		     IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			       sizeof(zero))) {
			perror("ovl-beacon: IPV6_V6ONLY");
			goto err;
		}
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			       sizeof(one))) {
			perror("ovl-beacon: IPV6_RECVPKTINFO");
			goto err;
		}
	} else if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
			      sizeof(one))) {
		perror("ovl-beacon: IP_PKTINFO");
		goto err;
	}
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
				    sizeof(one))) {
		perror("ovl-beacon: SO_REUSEPORT");
		goto err;
	}
	/* Best effort: a burst should not overflow between batches. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	/* Best effort too: without GRO every datagram comes on its own. */
	if (*gro && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)))
		*gro = false;
	if (bind(fd, (const struct sockaddr *)ss, len)) {
		perror("ovl-beacon: bind");
		goto err;
	}
	if (getsockname(fd, (struct sockaddr *)&bound, &blen)) {
		perror("ovl-beacon: getsockname");
		goto err;
	}
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port =
			((struct sockaddr_in *)&bound)->sin_port;
	else
		((struct sockaddr_in6 *)ss)->sin6_port =
			((struct sockaddr_in6 *)&bound)->sin6_port;
	return fd;
err:
	close(fd);
	return -1;
}

/*
 * The send arrays hold the outputs of a whole batch of single datagrams,
 * plus those of one full GRO message before it is folded into one entry;
 * process_batch() flushes them whenever they could overflow.
 */
static int worker_alloc(struct worker *w)
{
	size_t n = w->batch, ntx;

	ntx = (n + (w->batch > 1 ? BCN_GRO_MAX_SEGS : 0)) * BCN_MAX_OUT;
	w->tx_cap = ntx;
	w->rx_msgs = calloc(n, sizeof(*w->rx_msgs));
	w->rx_iov = calloc(n, sizeof(*w->rx_iov));
	w->rx_names = calloc(n, sizeof(*w->rx_names));
	w->rx_bufs = malloc(n * BCN_BUF_SIZE);
	w->rx_ctrl = calloc(n, sizeof(*w->rx_ctrl));
	w->tx_msgs = calloc(ntx, sizeof(*w->tx_msgs));
	w->tx_iov = calloc(ntx, sizeof(*w->tx_iov));
	w->tx_names = calloc(ntx, sizeof(*w->tx_names));
	w->tx_out = calloc(ntx, sizeof(*w->tx_out));
	w->tx_segs = calloc(ntx, sizeof(*w->tx_segs));
	w->tx_ctrl = calloc(ntx, sizeof(*w->tx_ctrl));
	if (!w->rx_msgs || !w->rx_iov || !w->rx_names || !w->rx_bufs ||
	    !w->rx_ctrl || !w->tx_msgs || !w->tx_iov || !w->tx_names ||
	    !w->tx_out || !w->tx_segs || !w->tx_ctrl)
		return -1;
	return 0;
}

static void worker_free(struct worker *w)
{
	free(w->rx_msgs);
	free(w->rx_iov);
	free(w->rx_names);
	free(w->rx_bufs);
	free(w->rx_ctrl);
	free(w->tx_msgs);
	free(w->tx_iov);
	free(w->tx_names);
	free(w->tx_out);
	free(w->tx_segs);
	free(w->tx_ctrl);
	if (w->fd >= 0)
		close(w->fd);
}

/* Every worker's counters added up, the expirations, the table's size. */
static void collect_stats(struct beacon *b, struct bcn_stats *st,
			  size_t *nodes)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < b->nworkers; i++) {
		struct worker *w = &b->workers[i];

		pthread_mutex_lock(&w->stats_lock);
#define BCN_STATS_ADD(name) st->name += w->stats.name;
		BCN_STATS(BCN_STATS_ADD)
#undef BCN_STATS_ADD
		pthread_mutex_unlock(&w->stats_lock);
	}
	pthread_mutex_lock(&b->sh.table_lock);
	st->expirations += b->sh.expirations;
	*nodes = b->sh.table.count;
	pthread_mutex_unlock(&b->sh.table_lock);
}

/*
 * Replace the stats file whole: the JSON goes to a new file of a random
 * name next to it (mkostemp(): O_CREAT|O_EXCL, so a file or symlink
 * planted there is never written through), which is then renamed over
 * it.  A reader sees the old file or the new one, never part of one.
 * The directory should be the beacon's own (RuntimeDirectory= in the
 * systemd unit): whoever can write there can replace the file.
 */
static void write_stats_file(struct beacon *b)
{
	char buf[4096], tmp[PATH_MAX];
	struct bcn_stats st;
	size_t len, nodes;
	ssize_t r;
	int fd;

	if (!b->stats_file)
		return;
	collect_stats(b, &st, &nodes);
	len = bcn_stats_json(buf, sizeof(buf), &st, nodes);
	if (len >= sizeof(buf) ||
	    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", b->stats_file) >=
	    (int)sizeof(tmp))
		return;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ovl-beacon: %s: %s\n", tmp, strerror(errno));
		return;
	}
	r = fchmod(fd, 0644) ? -1 : write(fd, buf, len);
	if (r != (ssize_t)len || close(fd)) {
		fprintf(stderr, "ovl-beacon: %s: write failed\n", tmp);
		if (r == (ssize_t)len)
			fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, b->stats_file)) {
		fprintf(stderr, "ovl-beacon: %s: %s\n", b->stats_file,
			strerror(errno));
		goto fail;
	}
	return;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
}

static void dump_stats(struct beacon *b)
{
	struct bcn_stats st;
	char buf[4096];
	size_t nodes;

	collect_stats(b, &st, &nodes);
	bcn_stats_line(buf, sizeof(buf), &st, nodes);
	fprintf(stderr, "%s\n", buf);
	fflush(stderr);
	write_stats_file(b);
}

/* Wait a little for room in the socket's send buffer. */
static void wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	poll(&pfd, 1, 10);
}

/*
 * After a failed send: was it for want of buffer space, with retries left?
 * Then wait a little for room and say so; @retries counts the waits.
 */
static bool send_should_retry(struct worker *w, unsigned int *retries)
{
	if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) ||
	    (*retries)++ >= BCN_SEND_RETRIES)
		return false;
	wait_writable(w->fd);
	return true;
}

/*
 * The kernel refused GSO entry @i, of @segs datagrams, as such (EINVAL,
 * EMSGSIZE, EIO: a route through IPsec, or a path MTU below the segment
 * size): send its datagrams one by one, from the same source address,
 * and count them one by one.
 */
static void send_split(struct worker *w, unsigned int i, unsigned int segs)
{
	struct msghdr *gh = &w->tx_msgs[i].msg_hdr;
	uint8_t *p = gh->msg_iov[0].iov_base;
	size_t left = gh->msg_iov[0].iov_len;
	unsigned int retries = 0;
	union bcn_tx_ctrl ctrl;
	struct iovec iov;
	struct msghdr mh = {
		.msg_name = gh->msg_name,
		.msg_namelen = gh->msg_namelen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctrl.buf,
	};
	uint16_t gso = 0;
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(gh); cm; cm = CMSG_NXTHDR(gh, cm))
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_SEGMENT)
			memcpy(&gso, CMSG_DATA(cm), sizeof(gso));
	if (!gso)
		gso = left;
	mh.msg_controllen = put_tx_ctrl(w->family, &w->tx_out[i].src, 0,
					&ctrl);
	if (!mh.msg_controllen)
		mh.msg_control = NULL;
	while (left && segs) {
		size_t len = left < gso ? left : gso;
		ssize_t r;

		iov.iov_base = p;
		iov.iov_len = len;
		r = sendmsg(w->fd, &mh, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && send_should_retry(w, &retries))
			continue;
		if (r < 0)
			w->stats.drop_send++;
		else
			w->stats.tx++;
		p += len;
		left -= len;
		segs--;
		retries = 0;
	}
}

/*
 * Send the @n prepared entries.  A partial sendmmsg() goes on from the
 * first unsent entry; a full buffer is waited for a few times; any other
 * error drops the entry it stopped at, then goes on.  An entry is sent or
 * dropped whole, a GSO burst too: tx and drop_send count its datagrams.
 * A GSO burst the kernel cannot send as such goes out datagram by
 * datagram instead.
 */
static void send_batch(struct worker *w, unsigned int n)
{
	unsigned int off = 0, retries = 0;

	while (off < n) {
		int r = sendmmsg(w->fd, w->tx_msgs + off, n - off, 0);

		if (r > 0) {
			for (; r > 0; r--, off++)
				w->stats.tx += w->tx_segs[off];
			retries = 0;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && send_should_retry(w, &retries))
			continue;
		if (r < 0 && w->tx_segs[off] > 1 && (errno == EINVAL ||
		    errno == EMSGSIZE || errno == EIO))
			send_split(w, off, w->tx_segs[off]);
		else
			w->stats.drop_send += w->tx_segs[off];
		off++;
		retries = 0;
	}
}

/*
 * Make tx_out[@i] send entry @i: one datagram, or with @gso_size a UDP
 * GSO send of @segs in-place datagrams of @gso_size bytes laid end to
 * end, @len bytes in all, which the kernel cuts back into the same
 * datagrams.
 */
static void queue_entry(struct worker *w, unsigned int i, size_t len,
			unsigned int segs, uint16_t gso_size)
{
	struct mmsghdr *t = &w->tx_msgs[i];
	const struct bcn_out *out = &w->tx_out[i];
	size_t clen;

	w->tx_iov[i].iov_base = (void *)bcn_out_data(out);
	w->tx_iov[i].iov_len = len;
	w->tx_segs[i] = segs;
	memset(t, 0, sizeof(*t));
	t->msg_hdr.msg_iov = &w->tx_iov[i];
	t->msg_hdr.msg_iovlen = 1;
	t->msg_hdr.msg_name = &w->tx_names[i];
	t->msg_hdr.msg_namelen = bcn_to_sockaddr(w->family, &out->dst,
						 &w->tx_names[i]);
	clen = put_tx_ctrl(w->family, &out->src, gso_size, &w->tx_ctrl[i]);
	if (clen) {
		t->msg_hdr.msg_control = w->tx_ctrl[i].buf;
		t->msg_hdr.msg_controllen = clen;
	}
}

/* Make the outputs tx_out[@from..@to) send entries of one datagram each. */
static void queue_outs(struct worker *w, unsigned int from, unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++)
		queue_entry(w, i, w->tx_out[i].len, 1, 0);
}

/* The GRO segment size of a received message, or 0 if it is one datagram. */
static size_t rx_gso_size(struct mmsghdr *m)
{
	struct cmsghdr *cm;
	int size;

	for (cm = CMSG_FIRSTHDR(&m->msg_hdr); cm;
	     cm = CMSG_NXTHDR(&m->msg_hdr, cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(size))) {
			memcpy(&size, CMSG_DATA(cm), sizeof(size));
			return size > 0 ? (size_t)size : 0;
		}
	}
	return 0;
}

/*
 * Handle the @n messages received.  A GRO message holds datagrams of the
 * segment size, end to end, the last maybe shorter; each goes through
 * bcn_handle_at() on its own.  If each of them became one RELAY_DELIVER
 * in place, all to one destination, the message leaves as one GSO entry,
 * otherwise as one entry per output.  The send arrays are flushed before
 * they could overflow; the outputs point into the receive buffers, which
 * stay valid until the next recvmmsg().
 */
static void process_batch(struct worker *w, unsigned int n, uint64_t now)
{
	struct shared *sh = w->sh;
	unsigned int i, nout = 0;

	for (i = 0; i < n; i++) {
		struct mmsghdr *m = &w->rx_msgs[i];
		uint8_t *buf = w->rx_iov[i].iov_base;
		size_t len = m->msg_len, seg, off = 0;
		unsigned int first, segs = 0;
		struct bcn_addr src, local;
		bool fold;

		if (m->msg_hdr.msg_flags & MSG_TRUNC) {
			w->stats.rx++;
			w->stats.drop_truncated++;
			continue;
		}
		seg = rx_gso_size(m);
		fold = seg && seg < len && seg <= UINT16_MAX &&
		       (len + seg - 1) / seg <= BCN_GRO_MAX_SEGS;
		if (!seg || seg > len)
			seg = len ? len : 1;
		/* Room for all its outputs, so that it can be folded. */
		if (nout && nout + (len / seg + 1) * BCN_MAX_OUT > w->tx_cap) {
			send_batch(w, nout);
			nout = 0;
		}
		first = nout;
		sockaddr_to_bcn(&w->rx_names[i], &src);
		rx_local(&m->msg_hdr, &local);
		do {
			size_t dlen = len - off < seg ? len - off : seg;
			struct bcn_relay rl;
			struct bcn_out *out;
			unsigned int k;

			if (nout + BCN_MAX_OUT > w->tx_cap) {
				queue_outs(w, first, nout);
				send_batch(w, nout);
				nout = first = 0;
				fold = false;
			}
			out = &w->tx_out[nout];
			pthread_mutex_lock(&sh->table_lock);
			k = bcn_handle_locked(&sh->table, &w->stats, &src,
					      &local, buf + off, dlen, now,
					      out, &rl);
			pthread_mutex_unlock(&sh->table_lock);
			/* A RELAY's tags: outside the lock (the rule above). */
			if (rl.pending &&
			    !bcn_relay_finish(&rl, &w->stats, buf + off,
					      dlen)) {
				if (rl.refund) {
					pthread_mutex_lock(&sh->table_lock);
					bcn_relay_refund(&sh->table, &src,
							 &rl);
					pthread_mutex_unlock(&sh->table_lock);
				}
				k = 0;
			}
			if (k != 1 || out->data != buf + off ||
			    out->len != dlen ||
			    !bcn_addr_equal(&out->dst, &w->tx_out[first].dst))
				fold = false;
			nout += k;
			segs++;
			off += dlen;
		} while (off < len);
		w->stats.rx += segs;
		if (fold) {
			queue_entry(w, first, len, segs, seg);
			nout = first + 1;
		} else {
			queue_outs(w, first, nout);
		}
	}
	if (nout)
		send_batch(w, nout);
}

/* Sleep @ms, or less if the beacon is stopping. */
static void wait_or_stop(struct worker *w, int ms)
{
	struct pollfd pfd = { .fd = w->sh->stop_fd, .events = POLLIN };

	poll(&pfd, 1, ms);
}

/*
 * recvmmsg() failed unexpectedly (ENOMEM, ENOBUFS, ...): count it, say so
 * (at most once a second), wait a little so that an error that lasts
 * does not spin the thread, and go on: a beacon does not die of it.
 */
static void recv_failed(struct worker *w, int err)
{
	uint64_t now = now_ms();

	w->stats.recv_errors++;
	if (!w->last_err_log || now - w->last_err_log >= 1000) {
		w->last_err_log = now;
		fprintf(stderr, "ovl-beacon: recvmmsg: %s (%" PRIu64
			" errors so far)\n", strerror(err),
			w->stats.recv_errors);
	}
}

/* Read and answer batches until the socket is drained (bounded). */
static void drain_socket(struct worker *w)
{
	unsigned int round, i;
	bool failed = false;

	pthread_mutex_lock(&w->stats_lock);
	for (round = 0; round < BCN_BATCHES_PER_POLL; round++) {
		uint64_t now;
		size_t expired;
		int n;

		for (i = 0; i < w->batch; i++) {
			struct mmsghdr *m = &w->rx_msgs[i];

			w->rx_iov[i].iov_base = w->rx_bufs +
						(size_t)i * BCN_BUF_SIZE;
			w->rx_iov[i].iov_len = BCN_BUF_SIZE;
			memset(m, 0, sizeof(*m));
			m->msg_hdr.msg_iov = &w->rx_iov[i];
			m->msg_hdr.msg_iovlen = 1;
			m->msg_hdr.msg_name = &w->rx_names[i];
			m->msg_hdr.msg_namelen = sizeof(w->rx_names[i]);
			m->msg_hdr.msg_control = w->rx_ctrl[i].buf;
			m->msg_hdr.msg_controllen = sizeof(w->rx_ctrl[i].buf);
		}
		n = recvmmsg(w->fd, w->rx_msgs, w->batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				recv_failed(w, errno);
				failed = true;
			}
			break;
		}
		now = now_ms();
		pthread_mutex_lock(&w->sh->table_lock);
		if (w->sh->table.auth)
			w->sh->table.auth->unix_now = time(NULL);
		expired = bcn_table_expire(&w->sh->table, now);
		pthread_mutex_unlock(&w->sh->table_lock);
		w->stats.expirations += expired;
		process_batch(w, n, now);
		if ((unsigned int)n < w->batch)
			break;
	}
	pthread_mutex_unlock(&w->stats_lock);
	if (failed)
		wait_or_stop(w, BCN_RECV_ERR_WAIT_MS);
}

/* A worker: its socket until the beacon stops. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct pollfd pfd[2] = {
		{ .fd = w->fd, .events = POLLIN },
		{ .fd = w->sh->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno != EINTR) {
				perror("ovl-beacon: poll");
				wait_or_stop(w, BCN_RECV_ERR_WAIT_MS);
			}
			continue;
		}
		if (pfd[1].revents)
			return NULL;
		if (pfd[0].revents)
			drain_socket(w);
	}
}

/*
 * The CA public key of --ca: base64 itself, or the path of a file that
 * holds it (blank space around it allowed).  Returns 0, or -1 with a
 * message printed.
 */
static int load_ca(const char *arg, bool *is_file, uint8_t ca[32])
{
	char buf[256];
	size_t len = 0, start = 0;
	ssize_t r;
	int fd;

	*is_file = false;
	if (!key_from_b64(arg, ca))
		return 0;
	*is_file = true;
	fd = open(arg, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr,
			"ovl-beacon: --ca: neither a base64 key nor a readable file: %s: %s\n",
			arg, strerror(errno));
		return -1;
	}
	while (len < sizeof(buf) - 1 &&
	       (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
		       buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	while (start < len && (buf[start] == ' ' || buf[start] == '\t' ||
			       buf[start] == '\n'))
		start++;
	buf[len] = '\0';
	if (key_from_b64(buf + start, ca)) {
		fprintf(stderr,
			"ovl-beacon: --ca %s: not a base64 CA public key\n",
			arg);
		return -1;
	}
	return 0;
}

/*
 * The limits: the options' (b->cli_limits), then the --limits file's
 * over them.  Returns 0, or -1 with a message printed.
 */
static int load_limits(const struct beacon *b, struct bcn_limits *l)
{
	char buf[BCN_LIMITS_MAX_LEN + 1], err[BCN_LIMITS_ERR_LEN];
	size_t len = 0;
	ssize_t r;
	int fd;

	*l = b->cli_limits;
	if (!b->limits_file)
		return 0;
	fd = open(b->limits_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ovl-beacon: --limits %s: %s\n", b->limits_file,
			strerror(errno));
		return -1;
	}
	while (len < sizeof(buf) &&
	       (r = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += r;
	close(fd);
	if (bcn_limits_parse(buf, len, l, err)) {
		fprintf(stderr, "ovl-beacon: --limits %s: %s\n", b->limits_file,
			err);
		return -1;
	}
	return 0;
}

static void apply_limits(struct bcn_auth *a, const struct bcn_limits *l)
{
	a->prefix_quota = l->prefix_quota;
	a->relay_pps = l->relay_pps;
	a->relay_bps = l->relay_bps;
}

/*
 * SIGHUP: take what can change without a restart.  The registrations
 * stay (the table is never touched here), so every node keeps its relay;
 * the stats file is written anew (it may have been removed, or its
 * directory recreated).  Limits and keys that come from a configuration
 * are reloaded here once the beacon has one.
 */
static void reload(struct beacon *b)
{
	uint8_t ca[32];
	bool is_file;
	size_t nodes;
	int err = b->ca_file ? load_ca(b->ca_file, &is_file, ca) : 1;
	struct bcn_limits l;
	int lerr = b->limits_file ? load_limits(b, &l) : 1;

	pthread_mutex_lock(&b->sh.table_lock);
	if (!err)
		memcpy(b->auth.ca, ca, sizeof(ca));
	if (!lerr)
		apply_limits(&b->auth, &l);
	nodes = b->sh.table.count;
	pthread_mutex_unlock(&b->sh.table_lock);
	if (!lerr)
		fprintf(stderr,
			"ovl-beacon: SIGHUP: limits: prefix-quota %" PRIu64
			" relay-pps %" PRIu64 " relay-bps %" PRIu64 "\n",
			l.prefix_quota, l.relay_pps, l.relay_bps);
	else if (lerr < 0)
		fprintf(stderr, "ovl-beacon: SIGHUP: the limits stay\n");
	if (!err)
		fprintf(stderr, "ovl-beacon: SIGHUP: CA key re-read from %s\n",
			b->ca_file);
	else if (err < 0)
		fprintf(stderr, "ovl-beacon: SIGHUP: the CA key stays\n");
	fprintf(stderr, "ovl-beacon: SIGHUP: reloaded, %zu nodes kept\n",
		nodes);
	fflush(stderr);
	write_stats_file(b);
}

/* Returns 1 to stop, 0 to go on. */
static int handle_signals(struct beacon *b, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			dump_stats(b);
			break;
		case SIGHUP:
			reload(b);
			break;
		case SIGTERM:
		case SIGINT:
			return 1;
		}
	}
	return 0;
}

/*
 * Expire what is due; returns how long to sleep until the next expiry,
 * at most a second (a worker may register a node meanwhile).
 */
static int expire(struct beacon *b)
{
	uint64_t next, now = now_ms();

	pthread_mutex_lock(&b->sh.table_lock);
	b->sh.expirations += bcn_table_expire(&b->sh.table, now);
	next = bcn_table_next_expiry(&b->sh.table);
	pthread_mutex_unlock(&b->sh.table_lock);
	if (next <= now)
		return 0;
	return next - now > 1000 ? 1000 : (int)(next - now);
}

/* The main thread: signals and expiry. */
static int run(struct beacon *b, int sfd)
{
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };

	for (;;) {
		if (poll(&pfd, 1, expire(b)) < 0) {
			if (errno == EINTR)
				continue;
			perror("ovl-beacon: poll");
			return -1;
		}
		if ((pfd.revents & POLLIN) && handle_signals(b, sfd))
			return 0;
	}
}

static unsigned int default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > BCN_MAX_THREADS ? BCN_MAX_THREADS : (unsigned int)n;
}

/* Stop every started worker and wait for it. */
static void stop_workers(struct beacon *b)
{
	uint64_t one = 1;
	unsigned int i;

	if (write(b->sh.stop_fd, &one, sizeof(one)) != sizeof(one))
		perror("ovl-beacon: stop");
	for (i = 0; i < b->nworkers; i++)
		if (b->workers[i].started)
			pthread_join(b->workers[i].thread, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen",	required_argument,	NULL, 'l' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "expire",	required_argument,	NULL, 'e' },
		{ "max-nodes",	required_argument,	NULL, 'm' },
		{ "stats-file",	required_argument,	NULL, 's' },
		{ "threads",	required_argument,	NULL, 't' },
		{ "registry",	required_argument,	NULL, 'r' },
		{ "public",	required_argument,	NULL, 'p' },
		{ "registry-token", required_argument,	NULL, 'k' },
		{ "heartbeat",	required_argument,	NULL, 'H' },
		{ "ca",		required_argument,	NULL, 'C' },
		{ "prefix-quota", required_argument,	NULL, 'Q' },
		{ "relay-pps",	required_argument,	NULL, 'P' },
		{ "relay-bps",	required_argument,	NULL, 'B' },
		{ "limits",	required_argument,	NULL, 'L' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* expire: three missed refreshes (the kernel refreshes every 10 s) */
	unsigned long batch = 32, expire_s = 30, max_nodes = 100000;
	unsigned long threads = default_threads();
	unsigned long quota = BCN_DEFAULT_PREFIX_QUOTA;
	unsigned long relay_pps = BCN_DEFAULT_RELAY_PPS;
	unsigned long relay_bps = BCN_DEFAULT_RELAY_BPS;
	const char *ca_arg = NULL;
	struct bcn_limits limits;
	bool ca_is_file;
	uint8_t ca[32];
	struct beacon b = { .sh.stop_fd = -1 };
	bool table_ok = false;
	struct sockaddr_storage ss;
	const char *listen = NULL, *registry = NULL, *token_file = NULL;
	struct announce ann = { .address = NULL };
	bool heartbeat_set = false;
	char aerr[ANN_ERR_LEN];
	socklen_t sslen = 0;
	uint64_t seed = 0;
	int c, sfd, ret = 1;
	unsigned int i;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "l:b:e:m:s:t:hV", opts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'b':
			if (parse_ulong(optarg, 1, BCN_MAX_BATCH, &batch)) {
				fprintf(stderr, "ovl-beacon: --batch: 1..%d\n",
					BCN_MAX_BATCH);
				return 1;
			}
			break;
		case 'e':
			if (parse_ulong(optarg, 1, 86400 * 365, &expire_s)) {
				fprintf(stderr, "ovl-beacon: bad --expire\n");
				return 1;
			}
			break;
		case 'C':
			ca_arg = optarg;
			break;
		case 'Q':
			if (parse_ulong(optarg, 1, BCN_QUOTA_MAX, &quota)) {
				fprintf(stderr,
					"ovl-beacon: --prefix-quota: 1..100000000\n");
				return 1;
			}
			break;
		case 'P':
			if (parse_ulong(optarg, 1, BCN_PPS_MAX, &relay_pps)) {
				fprintf(stderr,
					"ovl-beacon: --relay-pps: 1..1000000000\n");
				return 1;
			}
			break;
		case 'B':
			if (parse_ulong(optarg, BCN_BPS_MIN, BCN_BPS_MAX,
					&relay_bps)) {
				fprintf(stderr,
					"ovl-beacon: --relay-bps: 1000..1000000000000\n");
				return 1;
			}
			break;
		case 'L':
			b.limits_file = optarg;
			break;
		case 'm':
			if (parse_ulong(optarg, 1, 100000000, &max_nodes)) {
				fprintf(stderr,
					"ovl-beacon: --max-nodes: 1..100000000\n");
				return 1;
			}
			break;
		case 's':
			b.stats_file = optarg;
			break;
		case 't':
			if (parse_ulong(optarg, 1, BCN_MAX_THREADS,
					&threads)) {
				fprintf(stderr,
					"ovl-beacon: --threads: 1..%d\n",
					BCN_MAX_THREADS);
				return 1;
			}
			break;
		case 'r':
			registry = optarg;
			break;
		case 'p':
			ann.address = optarg;
			break;
		case 'k':
			token_file = optarg;
			break;
		case 'H':
			if (parse_ulong(optarg, 1, 86400, &ann.heartbeat)) {
				fprintf(stderr,
					"ovl-beacon: --heartbeat: 1..86400 seconds\n");
				return 1;
			}
			heartbeat_set = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ovl-beacon %s\n", OVL_BEACON_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	/* Before anything else: no insecure mode, whatever else is wrong. */
	if (!ca_arg) {
		fprintf(stderr,
			"ovl-beacon: --ca BASE64-CA-PUBLIC-KEY is required: nodes register with certificates of that CA (there is no mode without it)\n");
		return 2;
	}
	if (!listen) {
		usage(stderr);
		return 1;
	}
	if (load_ca(ca_arg, &ca_is_file, ca))
		return 1;
	if (ca_is_file)
		b.ca_file = ca_arg;
	b.cli_limits.prefix_quota = quota;
	b.cli_limits.relay_pps = relay_pps;
	b.cli_limits.relay_bps = relay_bps;
	if (load_limits(&b, &limits))
		return 1;
	if (parse_listen(listen, &ss, &sslen)) {
		fprintf(stderr, "ovl-beacon: bad --listen address: %s\n",
			listen);
		return 1;
	}
	if (registry || ann.address || token_file || heartbeat_set) {
		if (!registry || !ann.address || !token_file) {
			fprintf(stderr,
				"ovl-beacon: --registry, --public and --registry-token go together\n");
			usage(stderr);
			return 1;
		}
		if (!public_ok(ann.address)) {
			fprintf(stderr,
				"ovl-beacon: bad --public address (HOST:PORT): %s\n",
				ann.address);
			return 1;
		}
		if (announce_set_urls(&ann, registry, aerr) ||
		    announce_load_token(&ann, token_file, aerr)) {
			fprintf(stderr, "ovl-beacon: %s\n", aerr);
			announce_stop(&ann);
			return 1;
		}
	}

	/*
	 * Block the signals first: none may arrive outside the signalfd,
	 * and the workers inherit the mask, so only the main thread sees
	 * them.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		perror("ovl-beacon: sigprocmask");
		return 1;
	}
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		perror("ovl-beacon: signalfd");
		return 1;
	}

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
	pthread_mutex_init(&b.sh.table_lock, NULL);
	b.sh.stop_fd = eventfd(0, EFD_CLOEXEC);
	b.workers = calloc(threads, sizeof(*b.workers));
	if (b.sh.stop_fd < 0 || !b.workers ||
	    bcn_table_init(&b.sh.table, max_nodes,
			   (uint64_t)expire_s * 1000, seed)) {
		fprintf(stderr, "ovl-beacon: out of memory\n");
		goto out;
	}
	table_ok = true;
	if (bcn_auth_init(&b.auth, &b.sh.table, ca, seed)) {
		fprintf(stderr, "ovl-beacon: out of memory\n");
		goto out;
	}
	apply_limits(&b.auth, &limits);
	b.nworkers = threads;
	for (i = 0; i < threads; i++) {
		struct worker *w = &b.workers[i];

		w->sh = &b.sh;
		w->fd = -1;
		w->batch = batch;
		w->gro = batch > 1;
		w->family = ss.ss_family;
		pthread_mutex_init(&w->stats_lock, NULL);
	}
	for (i = 0; i < threads; i++) {
		struct worker *w = &b.workers[i];

		if (worker_alloc(w)) {
			fprintf(stderr, "ovl-beacon: out of memory\n");
			goto out_stop;
		}
		w->fd = open_socket(&ss, sslen, &w->gro, threads > 1);
		if (w->fd < 0)
			goto out_stop;
		if (!i) {
			print_bound(w->fd);
			if (threads > 1)
				fprintf(stderr,
					"ovl-beacon: %lu worker threads\n",
					threads);
			/* After "listening on", which scripts wait for. */
			fprintf(stderr,
				"ovl-beacon: protocol v2: registrations need a certificate of the CA\n");
		}
	}
	for (i = 0; i < threads; i++) {
		struct worker *w = &b.workers[i];
		int err = pthread_create(&w->thread, NULL, worker_run, w);

		if (err) {
			fprintf(stderr, "ovl-beacon: pthread_create: %s\n",
				strerror(err));
			goto out_stop;
		}
		w->started = true;
	}
	if (registry) {
		int err2 = announce_start(&ann);

		if (err2) {
			fprintf(stderr, "ovl-beacon: pthread_create: %s\n",
				strerror(err2));
			goto out_stop;
		}
	}
	if (!run(&b, sfd))
		ret = 0;
out_stop:
	announce_stop(&ann);	/* first: it may be mid-request */
	stop_workers(&b);
	write_stats_file(&b);
out:
	announce_stop(&ann);
	for (i = 0; i < b.nworkers; i++)
		worker_free(&b.workers[i]);
	free(b.workers);
	if (b.sh.stop_fd >= 0)
		close(b.sh.stop_fd);
	close(sfd);
	if (b.sh.table.auth)
		bcn_auth_free(&b.auth, &b.sh.table);
	if (table_ok)
		bcn_table_free(&b.sh.table);
	return ret;
}
