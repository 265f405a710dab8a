// SPDX-License-Identifier: GPL-2.0
/*
 * bench: ovl-beacon's relay forwarding rate on loopback, --batch 32
 * against --batch 1, and --threads 2 against --threads 1 (at the end).
 * First, how long a worker holds the table lock per relayed frame
 * (lock_hold(); BENCH_LOCK_ONLY=1 in the environment: that alone).
 * Not run by "make check".
 *
 * Usage: bench [OVL-BEACON [SECONDS [FRAME-BYTES]]]
 *
 * For each scenario and batch size: start the beacon on 127.0.0.1 (port
 * 0) with --ca of a CA made here (and relay budgets too high to matter),
 * register two nodes by protocol v2 (HELLO, COOKIE, REGISTER with a
 * certificate of that CA, REGISTER_OK: docs/beacon-auth.md), fork a
 * sender that floods RELAYs from A to B for SECONDS, each with its SipHash
 * tag under A's k_up, and count the RELAY_DELIVERs B receives with
 * recvmmsg().  The beacon checks every RELAY's tag and tags every
 * RELAY_DELIVER under B's k_down, as in production.  The beacon's socket
 * overflows, so the count is what it forwarded.  FRAME-BYTES is the
 * inner frame; a RELAY is 13 bytes more.
 *
 * Two scenarios:
 *
 *  - plain datagrams: the sender sends single datagrams with sendmmsg().
 *    Loopback never coalesces them, so the beacon handles each on its own
 *    whatever its --batch; batching saves system calls only.
 *
 *  - GRO bursts: the sender sends bursts of BURST RELAYs as one UDP GSO
 *    send (UDP_SEGMENT).  This models a beacon whose NIC coalesces flows:
 *    Linux UDP GRO hands a socket with UDP_GRO set a burst of same-size
 *    datagrams from one source as one buffer, which on loopback only a GSO
 *    sender produces.  With --batch > 1 the beacon takes the burst as one
 *    buffer and sends it on as one GSO buffer; with --batch 1 (no GRO) the
 *    kernel cuts the burst into datagrams before the beacon sees them.
 *
 * B has UDP_GRO set and counts the datagrams in what it receives (the
 * length over the segment size of the UDP_GRO cmsg, rounded up), checking
 * that each one is a RELAY_DELIVER.
 *
 * Two figures per batch size: relayed per second of wall time, which on a
 * small machine is bounded by the sender and receiver competing with the
 * beacon for CPUs; and relayed per second of the beacon's own CPU time
 * (user + system, from wait4()), its forwarding capacity per core, which
 * is what batching changes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ovl.h>
#include <sodium.h>

#include "../daemon/cert.h"
#include "auth.h"
#include "msg.h"

#define VLEN	64
#define BURST	32	/* datagrams per GSO send */

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103	/* <linux/udp.h> */
#endif
#ifndef UDP_GRO
#define UDP_GRO		104
#endif

#define HDR	BCN_RELAY2_HDR_LEN	/* type, node id, tag */

/* The CA the beacon is started with (--ca), and its secret key. */
static uint8_t ca_pk[32], ca_sk[64];
static char ca_b64[64];

/**
 * struct bnode - a registered node: its id and its keys with the beacon
 */
struct bnode {
	uint32_t	id;
	uint8_t		k_up[BCN_KEY_LEN];
	uint8_t		k_down[BCN_KEY_LEN];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int udp_socket(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 8 << 20;

	if (fd < 0)
		die("socket");
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

static pid_t start_beacon(const char *prog, unsigned int batch,
			  unsigned int threads, uint16_t *port, FILE **err)
{
	char arg[16], targ[16], line[256];
	int pfd[2];
	pid_t pid;
	FILE *f;
	char *colon;

	snprintf(arg, sizeof(arg), "%u", batch);
	snprintf(targ, sizeof(targ), "%u", threads);
	if (pipe(pfd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execl(prog, prog, "--listen", "127.0.0.1:0", "--batch", arg,
		      "--threads", targ, "--ca", ca_b64,
		      "--relay-pps", "1000000000",
		      "--relay-bps", "1000000000000", (char *)NULL);
		perror(prog);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    !strstr(line, "listening on")) {
		fprintf(stderr, "bench: %s did not start\n", prog);
		exit(1);
	}
	*err = f;	/* kept open until the beacon exits */
	colon = strrchr(line, ':');
	*port = atoi(colon + 1);
	return pid;
}

/* Send @len bytes to @dst, wait for the answer (at most 2 s) in @buf. */
static ssize_t ask(int fd, const struct sockaddr_in *dst, const uint8_t *msg,
		   size_t len, uint8_t *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (sendto(fd, msg, len, 0, (const struct sockaddr *)dst,
		   sizeof(*dst)) != (ssize_t)len || poll(&pfd, 1, 2000) != 1)
		return -1;
	return recv(fd, buf, size, 0);
}

/*
 * Register node @id from @fd: its identity and certificate made here,
 * HELLO, COOKIE, REGISTER, REGISTER_OK; the keys into @n.
 */
static void register_node(int fd, const struct sockaddr_in *dst, uint32_t id,
			  struct bnode *n)
{
	uint8_t pk[32], sk[64], cert[CERT_MAX_LEN], cookie[BCN_COOKIE_LEN];
	uint8_t msg[BCN_REGISTER_FIXED + CERT_MAX_LEN], buf[256];
	uint8_t d[32], eph[32], beph[32];
	struct cert c = { .node_id = id };
	struct bcn_addr seen;
	uint32_t got_id;
	size_t len;
	ssize_t r;
	char pfx[32];
	int clen;

	crypto_sign_keypair(pk, sk);
	memcpy(c.public_key, pk, 32);
	c.not_before = time(NULL) - 60;
	c.not_after = time(NULL) + 3600;
	snprintf(pfx, sizeof(pfx), "10.99.%u.%u/32", (id >> 8) & 0xff,
		 id & 0xff);
	if (parse_cidr(pfx, &c.addrs[0]))
		die("parse_cidr");
	c.n_addrs = 1;
	if (cert_sign(&c, ca_sk, NULL))
		die("cert_sign");
	clen = cert_encode(&c, cert, sizeof(cert));
	if (clen < 0)
		die("cert_encode");
	len = bcn_build_hello(msg, id);
	r = ask(fd, dst, msg, len, buf, sizeof(buf));
	if (r < 0 || bcn_parse_cookie_msg(buf, r, &got_id, cookie) ||
	    got_id != id) {
		fprintf(stderr, "bench: no COOKIE for node %u\n", id);
		exit(1);
	}
	randombytes_buf(d, sizeof(d));
	crypto_scalarmult_base(eph, d);
	len = bcn_build_register(msg, sizeof(msg), id, cookie, eph, cert, clen,
				 sk);
	r = ask(fd, dst, msg, len, buf, sizeof(buf));
	if (r < 0 || bcn_parse_register_ok(buf, r, &got_id, beph, &seen) ||
	    got_id != id ||
	    bcn_derive_keys(d, beph, eph, beph, cookie, n->k_up, n->k_down) ||
	    !bcn_mac_ok(n->k_down, buf, r - BCN_MAC_LEN)) {
		fprintf(stderr, "bench: no REGISTER_OK for node %u\n", id);
		exit(1);
	}
	n->id = id;
}

/* A RELAY to @to of @frame inner bytes (0xa5) from @from, tagged. */
static void put_relay(uint8_t *pkt, const struct bnode *from, uint32_t to,
		      size_t frame)
{
	pkt[0] = OVL_MSG_RELAY;
	bcn_put_be32(pkt + 1, to);
	memset(pkt + HDR, 0xa5, frame);
	bcn_relay_tag(from->k_up, OVL_MSG_RELAY, to, pkt + HDR, frame,
		      pkt + 5);
}

static void flood(int fd, const struct sockaddr_in *dst,
		  const struct bnode *from, uint32_t to, size_t frame,
		  double secs)
{
	static uint8_t pkt[65536];
	struct mmsghdr msgs[VLEN];
	struct iovec iov = { .iov_base = pkt, .iov_len = HDR + frame };
	double end = now_s() + secs;
	unsigned int i;

	put_relay(pkt, from, to, frame);
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < VLEN; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = (void *)dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(*dst);
	}
	while (now_s() < end)
		sendmmsg(fd, msgs, VLEN, 0);
}

/* Flood bursts of BURST RELAYs, each burst one UDP GSO send. */
static void flood_gso(int fd, const struct sockaddr_in *dst,
		      const struct bnode *from, uint32_t to, size_t frame,
		      double secs)
{
	static uint8_t pkt[BURST * (HDR + 1400)];
	union {
		char		buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr	align;
	} ctrl;
	uint16_t seg = HDR + frame;
	struct iovec iov = { .iov_base = pkt, .iov_len = BURST * seg };
	struct msghdr mh = {
		.msg_name	= (void *)dst,
		.msg_namelen	= sizeof(*dst),
		.msg_iov	= &iov,
		.msg_iovlen	= 1,
		.msg_control	= ctrl.buf,
		.msg_controllen	= sizeof(ctrl.buf),
	};
	double end = now_s() + secs;
	struct cmsghdr *cm;
	unsigned int i;

	for (i = 0; i < BURST; i++)
		put_relay(pkt + i * seg, from, to, frame);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	while (now_s() < end)
		if (sendmsg(fd, &mh, 0) < 0 && errno != EAGAIN &&
		    errno != ENOBUFS && errno != EINTR)
			die("sendmsg UDP_SEGMENT");
}

/* RELAY_DELIVERs in one received buffer of @len bytes, GRO or not. */
static uint64_t count_delivers(const uint8_t *buf, size_t len,
			       struct msghdr *mh)
{
	struct cmsghdr *cm;
	size_t seg = len, off;
	uint64_t n = 0;
	int gso;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
			memcpy(&gso, CMSG_DATA(cm), sizeof(gso));
			if (gso > 0)
				seg = gso;
		}
	}
	for (off = 0; off < len; off += seg)
		if (buf[off] == OVL_MSG_RELAY_DELIVER)
			n++;
	return n;
}

/**
 * struct rate - what one run measured
 * @wall: relayed per second of wall time
 * @cpu: relayed per second of the beacon's CPU time
 */
struct rate {
	double wall;
	double cpu;
};

static struct rate run(const char *prog, unsigned int batch, double secs,
		       size_t frame, int gso)
{
	static uint8_t bufs[VLEN][65536];
	static union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} ctrl[VLEN];
	struct rusage ru;
	struct rate r;
	double cpu;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct mmsghdr msgs[VLEN];
	struct iovec iov[VLEN];
	uint64_t got = 0;
	double start, end;
	pid_t beacon, sender;
	FILE *err;
	int a, b, i, status, one = 1;
	struct bnode na, nb;
	uint16_t port;

	beacon = start_beacon(prog, batch, 1, &port, &err);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons(port);
	a = udp_socket();
	b = udp_socket();
	if (setsockopt(b, SOL_UDP, UDP_GRO, &one, sizeof(one)))
		die("UDP_GRO");
	register_node(a, &dst, 1, &na);
	register_node(b, &dst, 2, &nb);

	sender = fork();
	if (sender < 0)
		die("fork");
	if (!sender) {
		if (gso)
			flood_gso(a, &dst, &na, 2, frame, secs);
		else
			flood(a, &dst, &na, 2, frame, secs);
		_exit(0);
	}
	for (i = 0; i < VLEN; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
	}
	start = now_s();
	end = start + secs;
	while (now_s() < end + 0.2) {
		struct pollfd pfd = { .fd = b, .events = POLLIN };
		int n;

		if (poll(&pfd, 1, 100) != 1)
			continue;

		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < VLEN; i++) {
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctrl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(ctrl[i].buf);
		}
		n = recvmmsg(b, msgs, VLEN, MSG_DONTWAIT, NULL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			die("recvmmsg");
		for (i = 0; i < n; i++)
			got += count_delivers(bufs[i], msgs[i].msg_len,
					      &msgs[i].msg_hdr);
	}
	waitpid(sender, &status, 0);
	kill(beacon, SIGTERM);
	if (wait4(beacon, &status, 0, &ru) < 0)
		die("wait4");
	fclose(err);
	close(a);
	close(b);
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	r.wall = got / secs;
	r.cpu = cpu > 0 ? got / cpu : 0;
	return r;
}

/* One scenario: --batch 32 against --batch 1, on one line. */
static void compare(const char *prog, const char *name, double secs,
		    size_t frame, int gso)
{
	struct rate r32, r1;

	r32 = run(prog, 32, secs, frame, gso);
	r1 = run(prog, 1, secs, frame, gso);
	printf("%s: --batch 32: %.0f relayed/s, %.0f per beacon CPU-second; "
	       "--batch 1: %.0f relayed/s, %.0f per beacon CPU-second; "
	       "ratio %.2f (wall), %.2f (per beacon CPU-second)\n",
	       name, r32.wall, r32.cpu, r1.wall, r1.cpu,
	       r1.wall > 0 ? r32.wall / r1.wall : 0.0,
	       r1.cpu > 0 ? r32.cpu / r1.cpu : 0.0);
	fflush(stdout);
}

/*
 * --threads 1 against --threads 2: FLOWS senders (one socket, one source
 * port each: SO_REUSEPORT spreads flows, not datagrams, over the
 * workers' sockets) relay to FLOWS receivers, all from one sender
 * process, through a beacon with --batch 32.  Per run: relayed per second
 * of wall time, relayed Mbit/s (whole RELAY datagrams, 13 + FRAME bytes),
 * and the beacon's CPU seconds per relayed Gbit.
 */
#define FLOWS	8

struct trate {
	double pps;
	double mbit;
	double cpu_per_gbit;
};

static struct trate run_threads(const char *prog, unsigned int threads,
				double secs, size_t frame)
{
	static uint8_t buf[65536];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int a[FLOWS], b[FLOWS], i, status;
	struct bnode na[FLOWS], nb[FLOWS];
	struct pollfd pfd[FLOWS];
	uint64_t got = 0;
	pid_t beacon, sender;
	struct rusage ru;
	struct trate r;
	double end, cpu;
	uint16_t port;
	FILE *err;

	beacon = start_beacon(prog, 32, threads, &port, &err);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons(port);
	for (i = 0; i < FLOWS; i++) {
		a[i] = udp_socket();
		b[i] = udp_socket();
		register_node(a[i], &dst, 2 * i + 1, &na[i]);
		register_node(b[i], &dst, 2 * i + 2, &nb[i]);
		pfd[i].fd = b[i];
		pfd[i].events = POLLIN;
	}
	sender = fork();
	if (sender < 0)
		die("fork");
	if (!sender) {
		struct mmsghdr msgs[VLEN];
		struct iovec iov[FLOWS];
		double stop = now_s() + secs;
		unsigned int k;

		for (i = 0; i < FLOWS; i++) {
			static uint8_t pkts[FLOWS][HDR + 1400];

			put_relay(pkts[i], &na[i], nb[i].id, frame);
			iov[i].iov_base = pkts[i];
			iov[i].iov_len = HDR + frame;
		}
		memset(msgs, 0, sizeof(msgs));
		for (k = 0; k < VLEN; k++) {
			msgs[k].msg_hdr.msg_name = &dst;
			msgs[k].msg_hdr.msg_namelen = sizeof(dst);
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		while (now_s() < stop)
			for (i = 0; i < FLOWS; i++) {
				for (k = 0; k < VLEN; k++)
					msgs[k].msg_hdr.msg_iov = &iov[i];
				sendmmsg(a[i], msgs, VLEN, 0);
			}
		_exit(0);
	}
	end = now_s() + secs;
	while (now_s() < end + 0.2) {
		if (poll(pfd, FLOWS, 100) < 1)
			continue;
		for (i = 0; i < FLOWS; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((n = recv(b[i], buf, sizeof(buf),
					 MSG_DONTWAIT)) > 0)
				if (buf[0] == OVL_MSG_RELAY_DELIVER)
					got++;
		}
	}
	waitpid(sender, &status, 0);
	kill(beacon, SIGTERM);
	if (wait4(beacon, &status, 0, &ru) < 0)
		die("wait4");
	fclose(err);
	for (i = 0; i < FLOWS; i++) {
		close(a[i]);
		close(b[i]);
	}
	cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	r.pps = got / secs;
	r.mbit = got * (double)(HDR + frame) * 8 / secs / 1e6;
	r.cpu_per_gbit = got ? cpu / (got * (double)(HDR + frame) * 8 / 1e9) :
			       0;
	return r;
}

static void compare_threads(const char *prog, double secs, size_t frame)
{
	struct trate t1 = run_threads(prog, 1, secs, frame);
	struct trate t2 = run_threads(prog, 2, secs, frame);

	printf("workers (%d flows, %zu-byte frames): --threads 1: %.0f relayed/s, "
	       "%.0f Mbit/s, %.2f beacon CPU-s per Gbit; --threads 2: %.0f "
	       "relayed/s, %.0f Mbit/s, %.2f CPU-s per Gbit; ratio 2/1: %.2f "
	       "(throughput), %.2f (CPU per Gbit)\n", FLOWS, frame,
	       t1.pps, t1.mbit, t1.cpu_per_gbit, t2.pps, t2.mbit,
	       t2.cpu_per_gbit, t1.pps > 0 ? t2.pps / t1.pps : 0.0,
	       t1.cpu_per_gbit > 0 ? t2.cpu_per_gbit / t1.cpu_per_gbit : 0.0);
	fflush(stdout);
}

static double mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * What a worker does under the table lock per relayed frame, timed in
 * this process on one core (no sockets, no contention): the whole of
 * bcn_handle_at() (which the workers held the lock for before the tags
 * moved out) against bcn_handle_locked() alone (what they hold it for
 * now: lookups, budgets, copies; the tags are bcn_relay_finish()'s).
 * Two nodes put in the table directly with random keys; @frame-byte
 * frames; the frame is copied back before each call (in both loops).
 */
static void lock_hold(size_t frame)
{
	static uint8_t tmpl[HDR + 1400], pkt[HDR + 1400];
	struct bcn_addr aa = { .port = 1 }, ab = { .port = 2 };
	struct bcn_out out[BCN_MAX_OUT];
	struct bcn_table t;
	struct bcn_auth au;
	struct bcn_stats st;
	struct bcn_node *na, *nb;
	struct bcn_relay rl;
	double t0, full, locked, base;
	unsigned int i, n = 2000000;
	uint64_t ok = 0;

	memset(&st, 0, sizeof(st));
	aa.ip[15] = 1;
	ab.ip[15] = 2;
	if (bcn_table_init(&t, 16, 3600000, 1) ||
	    bcn_auth_init(&au, &t, ca_pk, 1))
		die("table");
	au.relay_pps = 1000000000ULL;
	au.relay_bps = 1000000000000ULL;
	na = bcn_table_add(&t, 1, &aa, 1);
	nb = bcn_table_add(&t, 2, &ab, 1);
	if (!na || !nb)
		die("table add");
	randombytes_buf(na->auth.k_up, 16);
	randombytes_buf(nb->auth.k_down, 16);
	tmpl[0] = OVL_MSG_RELAY;
	bcn_put_be32(tmpl + 1, 2);
	randombytes_buf(tmpl + HDR, frame);
	bcn_relay_tag(na->auth.k_up, OVL_MSG_RELAY, 2, tmpl + HDR, frame,
		      tmpl + 5);
	t0 = mono_ns();
	for (i = 0; i < n; i++) {
		memcpy(pkt, tmpl, HDR + 16);
		ok += pkt[i & 15];
	}
	base = (mono_ns() - t0) / n;
	t0 = mono_ns();
	for (i = 0; i < n; i++) {
		memcpy(pkt, tmpl, HDR + 16);
		ok += bcn_handle_at(&t, &st, &aa, NULL, pkt, HDR + frame,
				    1 + i / 1000, out);
	}
	full = (mono_ns() - t0) / n - base;
	t0 = mono_ns();
	for (i = 0; i < n; i++) {
		memcpy(pkt, tmpl, HDR + 16);
		ok += bcn_handle_locked(&t, &st, &aa, NULL, pkt, HDR + frame,
					1 + i / 1000, out, &rl);
	}
	locked = (mono_ns() - t0) / n - base;
	if (ok < 2 * (uint64_t)n || st.relayed != n)
		die("lock_hold: not relayed");
	printf("table lock held per relayed frame (%zu-byte frames, one "
	       "core, no contention): %.0f ns with the tags under it "
	       "(bcn_handle_at), %.0f ns without (bcn_handle_locked), "
	       "%.2fx\n", frame, full, locked, locked > 0 ? full / locked : 0);
	fflush(stdout);
	bcn_auth_free(&au, &t);
	bcn_table_free(&t);
}

int main(int argc, char **argv)
{
	const char *prog = argc > 1 ? argv[1] : "./ovl-beacon";
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	size_t frame = argc > 3 ? (size_t)atoi(argv[3]) : 64;

	if (secs <= 0 || frame < 1 || frame > 1400) {
		fprintf(stderr,
			"usage: bench [OVL-BEACON [SECONDS [FRAME-BYTES]]]\n");
		return 1;
	}
	if (sodium_init() < 0)
		die("sodium_init");
	crypto_sign_keypair(ca_pk, ca_sk);
	sodium_bin2base64(ca_b64, sizeof(ca_b64), ca_pk, sizeof(ca_pk),
			  sodium_base64_VARIANT_ORIGINAL);
	lock_hold(frame < 1000 ? 1000 : frame);
	if (getenv("BENCH_LOCK_ONLY"))
		return 0;
	compare(prog, "plain datagrams", secs, frame, 0);
	compare(prog, "GRO bursts", secs, frame, 1);
	compare_threads(prog, secs, frame < 1000 ? 1000 : frame);
	return 0;
}
