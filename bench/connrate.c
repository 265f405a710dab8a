// SPDX-License-Identifier: GPL-2.0
/*
 * New TCP connections per second through a proxy, for bench/tunnel.sh.
 *
 *   connrate serve PORT
 *	a backend: for each connection, read one byte, answer one byte and
 *	close (a request and its response: the client speaks first, as in
 *	HTTP, so connections dialed ahead of need stay open until used)
 *   connrate run PORT CONCURRENCY SECONDS
 *	keep CONCURRENCY connections to 127.0.0.1:PORT in flight, each
 *	connect, send a byte, read the answer and its EOF, close; print
 *	completed connections per second and the number that failed
 *
 * One thread, epoll, non-blocking: the client is not what is measured.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in addr(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static int serve(int port)
{
	struct sockaddr_in sin = addr(port);
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	int ep = epoll_create1(0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, 4096)) {
		perror("connrate serve");
		return 1;
	}
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1), i;

		for (i = 0; i < n; i++) {
			int c = evs[i].data.fd;
			char b;

			if (c == fd) {
				while ((c = accept4(fd, NULL, NULL,
						    SOCK_NONBLOCK)) >= 0) {
					ev.data.fd = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			if (read(c, &b, 1) < 0 && errno == EAGAIN)
				continue;
			if (write(c, "x", 1) < 0)
				b = 0;	/* the client left */
			close(c);
		}
	}
}

static int start(int ep, int port)
{
	struct sockaddr_in sin = addr(port);
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	ev.data.fd = fd;
	ev.events = EPOLLOUT | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return fd;
}

static int run(int port, int conc, double secs)
{
	struct epoll_event evs[256];
	long done = 0, failed = 0;
	int ep = epoll_create1(0), i;
	double t0 = now(), end = t0 + secs;

	for (i = 0; i < conc; i++)
		if (start(ep, port) < 0)
			failed++;
	while (now() < end) {
		int n = epoll_wait(ep, evs, 256, 100);

		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char buf[16];
			ssize_t k;

			if (evs[i].events & EPOLLOUT) {
				/* connected: the request, then wait for the answer */
				struct epoll_event ev = {
					.events = EPOLLIN, .data.fd = fd,
				};

				if (write(fd, "r", 1) == 1) {
					epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
					continue;
				}
				k = -1;
			} else {
				k = read(fd, buf, sizeof(buf));
			}

			if (k > 0)
				continue;	/* the byte; EOF follows */
			if (k < 0 && errno == EAGAIN)
				continue;
			if (k == 0)
				done++;
			else
				failed++;
			close(fd);
			if (start(ep, port) < 0)
				failed++;
		}
	}
	printf("%.0f %ld\n", done / (now() - t0), failed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "run"))
		return run(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: connrate serve PORT | "
		"connrate run PORT CONCURRENCY SECONDS\n");
	return 2;
}
