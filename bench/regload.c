// SPDX-License-Identifier: GPL-2.0
/*
 * regload: the load generator of bench/registry.sh.  C keep-alive HTTP/1.1
 * connections on 127.0.0.1:PORT, one request in flight on each, driven by
 * one epoll loop (raw sockets: a client far cheaper than the server, so
 * that the server's core is what limits the figure).
 *
 *	regload PORT TARGET CONNS SECS [KEYFILE NODE_ID MAX_RATE]
 *
 * Without KEYFILE every request is the same unsigned GET TARGET.  With it,
 * every request is a GET TARGET as node NODE_ID: by default with a session
 * (docs/registry.md "Sessions"), one per connection, opened by a signed
 * POST /v1/session before the clock starts, each request with the next
 * counter and its MAC (made as it is sent); with REGLOAD_KEYS=N and a
 * KEYFILE holding "%d", connection i is node NODE_ID + i % N with the key
 * file of that number (a node's sessions are one client's: one each);
 * with REGLOAD_SIGNED=1 in the
 * environment, signed (docs/registry.md "Signed requests"), each with its
 * own nonce: SECS * MAX_RATE requests are signed before the clock starts
 * (the signing rate is printed apart), and the run ends early if they run
 * out.  The first second is a warm-up, not counted.  Prints one line of key=value: req_s, errors,
 * client_cpu (the share of a core the client used while measuring) and,
 * with REGLOAD_PIDS="PID..." in the environment, server_cpu: the share of
 * a core those processes (the server, its database) used meanwhile.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tool/registry/wire.h"

#define WARMUP	1.0
#define RBUF	(256 * 1024)

struct conn {
	int fd;
	size_t got;		/* bytes of the current response read */
	char *buf;
	struct {
		char id[REG_SESSION_ID_LEN + 1];
		uint8_t key[REG_SESSION_KEY_LEN];
		uint64_t counter;
	} sess;
};

static const char *sess_target;	/* with sessions: the target */
static uint32_t sess_node;
static char **reqs;		/* signed: one per request */
static size_t *req_lens;
static size_t n_reqs, next_req;
static char plain[1024];
static size_t plain_len;

static double now_f(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_f(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * CPU seconds of the processes of $REGLOAD_PIDS, all their threads: the
 * scheduler's run time (schedstat, in ns), not the tick-sampled times of
 * /proc/PID/stat, which miss much of a process that runs in short bursts
 * on a busy CPU.
 */
static double pids_cpu(void)
{
	const char *env = getenv("REGLOAD_PIDS");
	char path[300], *p, *save = NULL, *list;
	unsigned long long ns;
	struct dirent *de;
	double sum = 0;
	DIR *dir;
	FILE *f;

	if (!env)
		return 0;
	list = strdup(env);
	for (p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "/proc/%s/task", p);
		dir = opendir(path);
		while (dir && (de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/schedstat",
				 p, de->d_name);
			f = fopen(path, "re");
			if (!f)
				continue;
			if (fscanf(f, "%llu", &ns) == 1)
				sum += ns / 1e9;
			fclose(f);
		}
		if (dir)
			closedir(dir);
	}
	free(list);
	return sum;
}

static int send_req(struct conn *c)
{
	char buf[1024], mac[REG_MAC_B64_LEN + 1];
	const char *p = plain;
	size_t len = plain_len;
	int64_t ts;
	ssize_t n;

	if (sess_target) {
		ts = time(NULL);
		c->sess.counter++;
		if (reg_mac(c->sess.key, "GET", sess_target, ts,
			    c->sess.counter, "", 0, mac))
			exit(1);
		len = snprintf(buf, sizeof(buf),
			"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			REG_HDR_SESSION ": %s\r\n"
			REG_HDR_TIME ": %" PRId64 "\r\n"
			REG_HDR_COUNTER ": %" PRIu64 "\r\n"
			REG_HDR_MAC ": %s\r\n\r\n",
			sess_target, c->sess.id, ts, c->sess.counter, mac);
		p = buf;
	} else if (reqs) {
		if (next_req == n_reqs)
			return 1;
		p = reqs[next_req];
		len = req_lens[next_req++];
	}
	n = send(c->fd, p, len, MSG_NOSIGNAL);
	if (n != (ssize_t)len) {
		perror("regload: send");
		exit(1);
	}
	c->got = 0;
	return 0;
}

/* 1 when @c holds a whole response; its status into *@status. */
static int complete(struct conn *c, int *status)
{
	char *end, *cl;
	size_t hdr;

	c->buf[c->got] = '\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return 0;
	hdr = end + 4 - c->buf;
	cl = strcasestr(c->buf, "\r\nContent-Length:");
	if (!cl || cl > end) {
		fprintf(stderr, "regload: response without Content-Length\n");
		exit(1);
	}
	if (c->got < hdr + strtoul(cl + 17, NULL, 10))
		return 0;
	if (c->got > hdr + strtoul(cl + 17, NULL, 10)) {
		fprintf(stderr, "regload: pipelined bytes?\n");
		exit(1);
	}
	*status = atoi(c->buf + 9);
	return 1;
}

static void sign_all(const char *keyfile, uint32_t node, const char *target,
		     size_t n)
{
	char err[KEY_ERR_LEN], nonce[33], sig[REG_SIG_B64_LEN + 1];
	struct identity id;
	int64_t ts = time(NULL);
	double t0 = now_f();
	size_t i;

	if (identity_load(keyfile, &id, err)) {
		fprintf(stderr, "regload: %s\n", err);
		exit(1);
	}
	reqs = calloc(n, sizeof(*reqs));
	req_lens = calloc(n, sizeof(*req_lens));
	if (!reqs || !req_lens)
		exit(1);
	for (i = 0; i < n; i++) {
		reg_nonce_new(nonce);
		if (reg_sign(&id, "GET", target, ts, nonce, "", 0, sig))
			exit(1);
		reqs[i] = malloc(512);
		req_lens[i] = snprintf(reqs[i], 512,
			"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			REG_HDR_NODE ": %" PRIu32 "\r\n"
			REG_HDR_TIME ": %" PRId64 "\r\n"
			REG_HDR_NONCE ": %s\r\n"
			REG_HDR_SIG ": %s\r\n\r\n",
			target, node, ts, nonce, sig);
	}
	n_reqs = n;
	fprintf(stderr, "regload: signed %zu requests at %.0f/s on one core\n",
		n, n / (now_f() - t0));
}

/* Open a session for @c on its socket (blocking, before the clock). */
static void open_session(struct conn *c, const struct identity *id)
{
	char nonce[33], sig[REG_SIG_B64_LEN + 1], req[1024];
	struct reg_session rs;
	const char *why;
	int64_t ts = time(NULL);
	int status = 0;
	ssize_t r;
	size_t len;

	reg_nonce_new(nonce);
	if (reg_sign(id, "POST", REG_API "/session", ts, nonce, "{}", 2, sig))
		exit(1);
	len = snprintf(req, sizeof(req),
		"POST " REG_API "/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"Content-Type: application/json\r\nContent-Length: 2\r\n"
		REG_HDR_NODE ": %" PRIu32 "\r\n"
		REG_HDR_TIME ": %" PRId64 "\r\n"
		REG_HDR_NONCE ": %s\r\n"
		REG_HDR_SIG ": %s\r\n\r\n{}", sess_node, ts, nonce, sig);
	if (send(c->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		perror("regload: send");
		exit(1);
	}
	c->got = 0;
	do {
		r = recv(c->fd, c->buf + c->got, RBUF - c->got, 0);
		if (r <= 0) {
			fprintf(stderr, "regload: no answer to POST /v1/session\n");
			exit(1);
		}
		c->got += r;
	} while (!complete(c, &status));
	if (status != 200 ||
	    reg_parse_session_resp(strstr(c->buf, "\r\n\r\n") + 4,
				   strlen(strstr(c->buf, "\r\n\r\n") + 4),
				   &rs, &why) ||
	    reg_session_unseal(id, rs.sealed, c->sess.key)) {
		fprintf(stderr, "regload: session: %.300s\n", c->buf);
		exit(1);
	}
	memcpy(c->sess.id, rs.id, sizeof(c->sess.id));
	c->got = 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev, evs[256];
	unsigned long done = 0, errors = 0, first_status = 0;
	double t0, t_start = 0, cpu_start = 0, srv_start = 0, t_end, end;
	int conns, secs, ep, i, n, one = 1, status, open_conns;
	struct conn *cs;
	struct identity id;
	char err[KEY_ERR_LEN];
	bool measuring = false, out = false;

	if (argc != 5 && argc != 8) {
		fprintf(stderr, "usage: regload PORT TARGET CONNS SECS [KEYFILE NODE_ID MAX_RATE]\n");
		return 2;
	}
	sa.sin_port = htons(atoi(argv[1]));
	conns = atoi(argv[3]);
	secs = atoi(argv[4]);
	if (argc == 8 && getenv("REGLOAD_SIGNED") &&
	    strcmp(getenv("REGLOAD_SIGNED"), "0")) {
		sign_all(argv[5], strtoul(argv[6], NULL, 10), argv[2],
			 (size_t)secs * strtoul(argv[7], NULL, 10));
	} else if (argc == 8) {
		if (!strstr(argv[5], "%d") && identity_load(argv[5], &id, err)) {
			fprintf(stderr, "regload: %s\n", err);
			return 1;
		}
		sess_target = argv[2];
		sess_node = strtoul(argv[6], NULL, 10);
	} else {
		plain_len = snprintf(plain, sizeof(plain),
				     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
				     argv[2]);
	}
	ep = epoll_create1(0);
	cs = calloc(conns, sizeof(*cs));
	for (i = 0; i < conns; i++) {
		cs[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		cs[i].buf = malloc(RBUF + 1);
		if (connect(cs[i].fd, (struct sockaddr *)&sa, sizeof(sa))) {
			perror("regload: connect");
			return 1;
		}
		setsockopt(cs[i].fd, IPPROTO_TCP, TCP_NODELAY, &one,
			   sizeof(one));
		if (sess_target && strstr(argv[5], "%d")) {
			char path[4096];
			uint32_t nid = strtoul(argv[6], NULL, 10) +
				       i % (getenv("REGLOAD_KEYS") ?
					    atoi(getenv("REGLOAD_KEYS")) : 1);

			snprintf(path, sizeof(path), argv[5], nid);
			if (identity_load(path, &id, err)) {
				fprintf(stderr, "regload: %s\n", err);
				return 1;
			}
			sess_node = nid;
		}
		if (sess_target)
			open_session(&cs[i], &id);
		ev.events = EPOLLIN;
		ev.data.ptr = &cs[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
	}
	t0 = now_f();
	end = t0 + secs;
	open_conns = conns;
	for (i = 0; i < conns; i++)
		if (send_req(&cs[i]))
			open_conns--;
	while (open_conns > 0) {
		n = epoll_wait(ep, evs, 256, 1000);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			ssize_t r = recv(c->fd, c->buf + c->got,
					 RBUF - c->got, 0);

			if (r <= 0) {
				fprintf(stderr, "regload: the server closed a connection\n");
				return 1;
			}
			c->got += r;
			if (!complete(c, &status))
				continue;
			if (measuring)
				done++;
			if (status != 200) {
				errors++;
				if (!first_status) {
					first_status = status;
					fprintf(stderr, "regload: %.300s\n",
						c->buf);
				}
			}
			if (!measuring && now_f() >= t0 + WARMUP) {
				measuring = true;
				t_start = now_f();
				cpu_start = cpu_f();
				srv_start = pids_cpu();
			}
			if (now_f() >= end || send_req(c)) {
				if (!sess_target && next_req == n_reqs &&
				    reqs && !out) {
					out = true;
					fprintf(stderr, "regload: out of signed requests before the end\n");
				}
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				open_conns--;
			}
		}
	}
	t_end = now_f();
	if (!measuring) {
		fprintf(stderr, "regload: too short to measure\n");
		return 1;
	}
	printf("req_s=%.0f errors=%lu client_cpu=%.2f server_cpu=%.2f secs=%.1f\n",
	       done / (t_end - t_start), errors,
	       (cpu_f() - cpu_start) / (t_end - t_start),
	       (pids_cpu() - srv_start) / (t_end - t_start), t_end - t_start);
	return errors ? 1 : 0;
}
