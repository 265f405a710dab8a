// SPDX-License-Identifier: GPL-2.0
/*
 * ovl-beacon: discovery and relay server of the ovl overlay network.
 *
 * One UDP socket, read with recvmmsg() and written with sendmmsg() in
 * batches; the protocol logic is msg.c, the registrations table.c.
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
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

#ifndef UDP_SEGMENT
#define UDP_SEGMENT		103	/* <linux/udp.h> */
#endif
#ifndef UDP_GRO
#define UDP_GRO			104
#endif

/* Control buffer of one received message: the GRO segment size. */
union bcn_rx_ctrl {
	char		buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr	align;
};

/* Control buffer of one GSO send: the segment size. */
union bcn_tx_ctrl {
	char		buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr	align;
};

struct beacon {
	int			fd;
	int			family;
	unsigned int		batch;
	bool			gro;
	const char		*stats_file;
	struct bcn_table	table;
	struct bcn_stats	stats;
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

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ovl-beacon --listen HOST:PORT [--batch N] [--expire SECS]\n"
		"                  [--max-nodes N] [--stats-file PATH]\n"
		"       ovl-beacon --help | --version\n"
		"HOST is a numeric IPv4 address or a bracketed IPv6 address:\n"
		"0.0.0.0:3478, [::]:3478 (dual-stack), [::1]:3478.\n");
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
		return sizeof(*sin6);
	}
}

static int open_socket(const struct sockaddr_storage *ss, socklen_t len,
		       bool *gro)
{
	int fd, zero = 0, one = 1, bufsz = 4 << 20;
	char host[INET6_ADDRSTRLEN];
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	const void *ip;
	uint16_t port;

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
static int beacon_alloc(struct beacon *b)
{
	size_t n = b->batch, ntx;

	ntx = (n + (b->batch > 1 ? BCN_GRO_MAX_SEGS : 0)) * BCN_MAX_OUT;
	b->tx_cap = ntx;
	b->rx_msgs = calloc(n, sizeof(*b->rx_msgs));
	b->rx_iov = calloc(n, sizeof(*b->rx_iov));
	b->rx_names = calloc(n, sizeof(*b->rx_names));
	b->rx_bufs = malloc(n * BCN_BUF_SIZE);
	b->rx_ctrl = calloc(n, sizeof(*b->rx_ctrl));
	b->tx_msgs = calloc(ntx, sizeof(*b->tx_msgs));
	b->tx_iov = calloc(ntx, sizeof(*b->tx_iov));
	b->tx_names = calloc(ntx, sizeof(*b->tx_names));
	b->tx_out = calloc(ntx, sizeof(*b->tx_out));
	b->tx_segs = calloc(ntx, sizeof(*b->tx_segs));
	b->tx_ctrl = calloc(ntx, sizeof(*b->tx_ctrl));
	if (!b->rx_msgs || !b->rx_iov || !b->rx_names || !b->rx_bufs ||
	    !b->rx_ctrl || !b->tx_msgs || !b->tx_iov || !b->tx_names ||
	    !b->tx_out || !b->tx_segs || !b->tx_ctrl)
		return -1;
	return 0;
}

static void beacon_free(struct beacon *b)
{
	free(b->rx_msgs);
	free(b->rx_iov);
	free(b->rx_names);
	free(b->rx_bufs);
	free(b->rx_ctrl);
	free(b->tx_msgs);
	free(b->tx_iov);
	free(b->tx_names);
	free(b->tx_out);
	free(b->tx_segs);
	free(b->tx_ctrl);
	bcn_table_free(&b->table);
}

static void write_stats_file(const struct beacon *b)
{
	char buf[2048], tmp[PATH_MAX];
	size_t len;
	FILE *f;

	if (!b->stats_file)
		return;
	len = bcn_stats_json(buf, sizeof(buf), &b->stats, b->table.count);
	if (len >= sizeof(buf) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", b->stats_file) >=
	    (int)sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "ovl-beacon: %s: %s\n", tmp, strerror(errno));
		return;
	}
	if (fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "ovl-beacon: %s: write failed\n", tmp);
		unlink(tmp);
		return;
	}
	if (rename(tmp, b->stats_file)) {
		fprintf(stderr, "ovl-beacon: %s: %s\n", b->stats_file,
			strerror(errno));
		unlink(tmp);
	}
}

static void dump_stats(const struct beacon *b)
{
	char buf[2048];

	bcn_stats_line(buf, sizeof(buf), &b->stats, b->table.count);
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
static bool send_should_retry(struct beacon *b, unsigned int *retries)
{
	if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) ||
	    (*retries)++ >= BCN_SEND_RETRIES)
		return false;
	wait_writable(b->fd);
	return true;
}

/*
 * The kernel refused GSO entry @t, of @segs datagrams, as such (EINVAL,
 * EMSGSIZE, EIO: a route through IPsec, or a path MTU below the segment
 * size): send its datagrams one by one, and count them one by one.
 */
static void send_split(struct beacon *b, struct mmsghdr *t, unsigned int segs)
{
	struct msghdr *mh = &t->msg_hdr;
	uint8_t *p = mh->msg_iov[0].iov_base;
	size_t left = mh->msg_iov[0].iov_len;
	unsigned int retries = 0;
	uint16_t gso;

	memcpy(&gso, CMSG_DATA(CMSG_FIRSTHDR(mh)), sizeof(gso));
	while (left && segs) {
		size_t len = left < gso ? left : gso;
		ssize_t r = sendto(b->fd, p, len, 0, mh->msg_name,
				   mh->msg_namelen);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && send_should_retry(b, &retries))
			continue;
		if (r < 0)
			b->stats.drop_send++;
		else
			b->stats.tx++;
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
static void send_batch(struct beacon *b, unsigned int n)
{
	unsigned int off = 0, retries = 0;

	while (off < n) {
		int r = sendmmsg(b->fd, b->tx_msgs + off, n - off, 0);

		if (r > 0) {
			for (; r > 0; r--, off++)
				b->stats.tx += b->tx_segs[off];
			retries = 0;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && send_should_retry(b, &retries))
			continue;
		if (r < 0 && b->tx_segs[off] > 1 && (errno == EINVAL ||
		    errno == EMSGSIZE || errno == EIO))
			send_split(b, &b->tx_msgs[off], b->tx_segs[off]);
		else
			b->stats.drop_send += b->tx_segs[off];
		off++;
		retries = 0;
	}
}

/* Make the outputs tx_out[@from..@to) send entries of one datagram each. */
static void queue_outs(struct beacon *b, unsigned int from, unsigned int to)
{
	unsigned int i;

	for (i = from; i < to; i++) {
		struct mmsghdr *t = &b->tx_msgs[i];
		const struct bcn_out *out = &b->tx_out[i];

		b->tx_iov[i].iov_base = (void *)bcn_out_data(out);
		b->tx_iov[i].iov_len = out->len;
		b->tx_segs[i] = 1;
		memset(t, 0, sizeof(*t));
		t->msg_hdr.msg_iov = &b->tx_iov[i];
		t->msg_hdr.msg_iovlen = 1;
		t->msg_hdr.msg_name = &b->tx_names[i];
		t->msg_hdr.msg_namelen = bcn_to_sockaddr(b->family, &out->dst,
							 &b->tx_names[i]);
	}
}

/*
 * Make tx_out[@i], the first of @segs in-place datagrams of @gso_size
 * bytes laid end to end (@len bytes in all), one UDP GSO send entry for
 * all of them: the kernel cuts it back into the same datagrams.
 */
static void queue_gso(struct beacon *b, unsigned int i, size_t len,
		      unsigned int segs, uint16_t gso_size)
{
	struct mmsghdr *t = &b->tx_msgs[i];
	struct cmsghdr *cm;

	queue_outs(b, i, i + 1);
	b->tx_iov[i].iov_len = len;
	b->tx_segs[i] = segs;
	t->msg_hdr.msg_control = b->tx_ctrl[i].buf;
	t->msg_hdr.msg_controllen = sizeof(b->tx_ctrl[i].buf);
	cm = CMSG_FIRSTHDR(&t->msg_hdr);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(gso_size));
	memcpy(CMSG_DATA(cm), &gso_size, sizeof(gso_size));
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
 * bcn_handle() on its own.  If each of them became one RELAY_DELIVER in
 * place, all to one destination, the message leaves as one GSO entry,
 * otherwise as one entry per output.  The send arrays are flushed before
 * they could overflow; the outputs point into the receive buffers, which
 * stay valid until the next recvmmsg().
 */
static void process_batch(struct beacon *b, unsigned int n, uint64_t now)
{
	unsigned int i, nout = 0;

	for (i = 0; i < n; i++) {
		struct mmsghdr *m = &b->rx_msgs[i];
		uint8_t *buf = b->rx_iov[i].iov_base;
		size_t len = m->msg_len, seg, off = 0;
		unsigned int first, segs = 0;
		struct bcn_addr src;
		bool fold;

		if (m->msg_hdr.msg_flags & MSG_TRUNC) {
			b->stats.rx++;
			b->stats.drop_truncated++;
			continue;
		}
		seg = rx_gso_size(m);
		fold = seg && seg < len && seg <= UINT16_MAX &&
		       (len + seg - 1) / seg <= BCN_GRO_MAX_SEGS;
		if (!seg || seg > len)
			seg = len ? len : 1;
		/* Room for all its outputs, so that it can be folded. */
		if (nout && nout + (len / seg + 1) * BCN_MAX_OUT > b->tx_cap) {
			send_batch(b, nout);
			nout = 0;
		}
		first = nout;
		sockaddr_to_bcn(&b->rx_names[i], &src);
		do {
			size_t dlen = len - off < seg ? len - off : seg;
			struct bcn_out *out;
			unsigned int k;

			if (nout + BCN_MAX_OUT > b->tx_cap) {
				queue_outs(b, first, nout);
				send_batch(b, nout);
				nout = first = 0;
				fold = false;
			}
			out = &b->tx_out[nout];
			k = bcn_handle(&b->table, &b->stats, &src, buf + off,
				       dlen, now, out);
			if (k != 1 || out->data != buf + off ||
			    out->len != dlen ||
			    !bcn_addr_equal(&out->dst, &b->tx_out[first].dst))
				fold = false;
			nout += k;
			segs++;
			off += dlen;
		} while (off < len);
		b->stats.rx += segs;
		if (fold) {
			queue_gso(b, first, len, segs, seg);
			nout = first + 1;
		} else {
			queue_outs(b, first, nout);
		}
	}
	if (nout)
		send_batch(b, nout);
}

/* Read and answer batches until the socket is drained (bounded). */
static int drain_socket(struct beacon *b)
{
	unsigned int round, i;

	for (round = 0; round < BCN_BATCHES_PER_POLL; round++) {
		int n;

		for (i = 0; i < b->batch; i++) {
			struct mmsghdr *m = &b->rx_msgs[i];

			b->rx_iov[i].iov_base = b->rx_bufs +
						(size_t)i * BCN_BUF_SIZE;
			b->rx_iov[i].iov_len = BCN_BUF_SIZE;
			memset(m, 0, sizeof(*m));
			m->msg_hdr.msg_iov = &b->rx_iov[i];
			m->msg_hdr.msg_iovlen = 1;
			m->msg_hdr.msg_name = &b->rx_names[i];
			m->msg_hdr.msg_namelen = sizeof(b->rx_names[i]);
			if (b->gro) {
				m->msg_hdr.msg_control = b->rx_ctrl[i].buf;
				m->msg_hdr.msg_controllen =
					sizeof(b->rx_ctrl[i].buf);
			}
		}
		n = recvmmsg(b->fd, b->rx_msgs, b->batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			perror("ovl-beacon: recvmmsg");
			return -1;
		}
		b->stats.expirations += bcn_table_expire(&b->table, now_ms());
		process_batch(b, n, now_ms());
		if ((unsigned int)n < b->batch)
			break;
	}
	return 0;
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
		case SIGTERM:
		case SIGINT:
			return 1;
		}
	}
	return 0;
}

static int poll_timeout(const struct beacon *b)
{
	uint64_t next = bcn_table_next_expiry(&b->table), now = now_ms();

	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

static int run(struct beacon *b, int sfd)
{
	struct pollfd pfd[2] = {
		{ .fd = b->fd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, poll_timeout(b)) < 0) {
			if (errno == EINTR)
				continue;
			perror("ovl-beacon: poll");
			return -1;
		}
		if ((pfd[1].revents & POLLIN) && handle_signals(b, sfd))
			return 0;
		if ((pfd[0].revents & POLLIN) && drain_socket(b))
			return -1;
		b->stats.expirations += bcn_table_expire(&b->table, now_ms());
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen",	required_argument,	NULL, 'l' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "expire",	required_argument,	NULL, 'e' },
		{ "max-nodes",	required_argument,	NULL, 'm' },
		{ "stats-file",	required_argument,	NULL, 's' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long batch = 32, expire = 90, max_nodes = 100000;
	struct beacon b = { .fd = -1 };
	struct sockaddr_storage ss;
	const char *listen = NULL;
	socklen_t sslen = 0;
	uint64_t seed = 0;
	int c, sfd, ret = 1;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "l:b:e:m:s:hV", opts, NULL)) != -1) {
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
			if (parse_ulong(optarg, 1, 86400 * 365, &expire)) {
				fprintf(stderr, "ovl-beacon: bad --expire\n");
				return 1;
			}
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
	if (optind != argc || !listen) {
		usage(stderr);
		return 1;
	}
	if (parse_listen(listen, &ss, &sslen)) {
		fprintf(stderr, "ovl-beacon: bad --listen address: %s\n",
			listen);
		return 1;
	}

	/* Block the signals first: none may arrive outside the signalfd. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
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
	b.batch = batch;
	b.gro = batch > 1;
	b.family = ss.ss_family;
	if (bcn_table_init(&b.table, max_nodes, (uint64_t)expire * 1000,
			   seed) || beacon_alloc(&b)) {
		fprintf(stderr, "ovl-beacon: out of memory\n");
		goto out;
	}
	b.fd = open_socket(&ss, sslen, &b.gro);
	if (b.fd < 0)
		goto out;
	if (!run(&b, sfd))
		ret = 0;
	write_stats_file(&b);
out:
	if (b.fd >= 0)
		close(b.fd);
	close(sfd);
	beacon_free(&b);
	return ret;
}
