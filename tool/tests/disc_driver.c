// SPDX-License-Identifier: GPL-2.0
/*
 * Drives beacon discovery's I/O (daemon/disc_io.c) as the daemon does, on
 * an epoll loop, without a kernel: for tests/disc_test.py.  Its clock runs
 * SCALE times faster than the real one (a 60 s fetch interval takes
 * 60/SCALE s), RTTs being measured on that clock too.
 *
 *   disc_driver --pubkey B64 [--bootstrap A,B] [--registry URL]
 *               [--identity PATH] [--scale N] [--seconds S]
 *
 * Prints "swap ADDR" when the kernel would get a new beacon and
 * "status JSON" whenever the state changes; exits after S real seconds
 * (or on SIGTERM).
 */

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "../daemon/beacons.h"
#include "../daemon/disc_io.h"
#include "../daemon/keyfile.h"
#include "../parse.h"

static uint64_t scale = 1;
static volatile sig_atomic_t stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000000000ULL + ts.tv_nsec) * scale;
}

static void on_log(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "disc_driver: %s\n", msg);
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	static struct sockaddr_storage boot[BEACON_MAX];
	struct disc_io_conf c = { .log = on_log };
	char err[BEACON_ERR_LEN], *regs[1];
	struct beacon_list bl = { 0 };
	uint8_t key[BEACON_KEY_LEN];
	const struct sockaddr_storage *b;
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	double seconds = 10;
	struct disc_io *io;
	struct timespec t0, t;
	int i, n, fds[2], ep;
	unsigned int k;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--pubkey")) {
			if (key_from_b64(argv[i + 1], key))
				return 2;
			c.key = key;
		} else if (!strcmp(argv[i], "--bootstrap")) {
			if (beacon_list_parse(argv[i + 1], &bl, err,
					      sizeof(err)))
				return fprintf(stderr, "%s\n", err), 2;
			for (k = 0; k < bl.n; k++)
				if (parse_endpoint(bl.addr[k], &boot[k]))
					return 2;
			c.boot = boot;
			c.n_boot = bl.n;
		} else if (!strcmp(argv[i], "--registry")) {
			regs[0] = argv[i + 1];
			c.registries = regs;
			c.n_registries = 1;
		} else if (!strcmp(argv[i], "--identity")) {
			c.identity = argv[i + 1];
		} else if (!strcmp(argv[i], "--scale")) {
			scale = strtoull(argv[i + 1], NULL, 10) ?: 1;
		} else if (!strcmp(argv[i], "--seconds")) {
			seconds = strtod(argv[i + 1], NULL);
		} else {
			return 2;
		}
	}
	if (!c.key)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_term);
	io = disc_io_new(&c, now_ns());
	ep = epoll_create1(0);
	if (!io || ep < 0)
		return 1;
	n = disc_io_fds(io, fds);
	for (i = 0; i < n; i++) {
		ev.data.fd = fds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 >
		    seconds)
			break;
		n = epoll_wait(ep, evs, 4, 10);
		for (i = 0; i < n; i++)
			disc_io_event(io, evs[i].data.fd, now_ns());
		b = disc_io_tick(io, now_ns());
		if (b) {
			char s[ADDR_STRLEN];

			printf("swap %s\n", endpoint_str(b, s));
			disc_io_swapped(io, true);
		}
		if (disc_io_changed(io)) {
			struct json_object *o = disc_io_status(io);

			printf("status %s\n", json_object_to_json_string_ext(
				       o, JSON_C_TO_STRING_PLAIN));
			json_object_put(o);
		}
	}
	disc_io_free(io);
	close(ep);
	return 0;
}
