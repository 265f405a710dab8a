// SPDX-License-Identifier: GPL-2.0
/*
 * junk_flood: send DATA messages that name a real peer and key id but
 * carry a garbage tag, at a fixed rate, for flood.sh.
 *
 * usage: junk_flood DST_IP PORT NODE_ID KEY_ID SIZE RATE SECONDS
 *
 * Sends RATE datagrams a second of SIZE bytes (header included) to
 * DST_IP:PORT for SECONDS, in batches through sendmmsg() paced against the
 * monotonic clock, each with the next counter from 1<<32 on (fresh for the
 * receiver's replay window, were it to get that far).  Prints how many it
 * sent.  Exits 1 on a usage or socket error.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		32
#define MAX_SIZE	65507
#define OVL_MSG_DATA	0x12
#define HDR_LEN		16
#define TAG_LEN		16

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / 1000000000ull,
		.tv_nsec = ns % 1000000000ull,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][MAX_SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	unsigned long size, rate, secs, node, key;
	uint64_t start, end, next, gap, sent = 0, counter = 1ull << 32;
	struct sockaddr_storage dst = {};
	socklen_t dstlen;
	uint32_t be_node;
	uint64_t be_ctr;
	int fd, i, n;

	if (argc != 8) {
		fprintf(stderr, "usage: %s DST_IP PORT NODE_ID KEY_ID SIZE RATE SECONDS\n",
			argv[0]);
		return 1;
	}
	node = strtoul(argv[3], NULL, 0);
	key = strtoul(argv[4], NULL, 0);
	size = strtoul(argv[5], NULL, 0);
	rate = strtoul(argv[6], NULL, 0);
	secs = strtoul(argv[7], NULL, 0);
	if (size < HDR_LEN + TAG_LEN || size > MAX_SIZE || !rate || !secs ||
	    key > 255 || !node || node > UINT32_MAX) {
		fprintf(stderr, "junk_flood: bad arguments\n");
		return 1;
	}
	if (strchr(argv[1], ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(argv[2]));
		n = inet_pton(AF_INET6, argv[1], &s6->sin6_addr);
		dstlen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&dst;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(argv[2]));
		n = inet_pton(AF_INET, argv[1], &s4->sin_addr);
		dstlen = sizeof(*s4);
	}
	if (n != 1) {
		fprintf(stderr, "junk_flood: bad address %s\n", argv[1]);
		return 1;
	}
	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, dstlen)) {
		perror("junk_flood: socket");
		return 1;
	}

	srandom(getpid());
	be_node = htonl(node);
	for (i = 0; i < BATCH; i++) {
		for (n = HDR_LEN; n < (int)size; n++)
			bufs[i][n] = random();
		bufs[i][0] = OVL_MSG_DATA;
		bufs[i][1] = key;
		bufs[i][2] = bufs[i][3] = 0;
		memcpy(&bufs[i][4], &be_node, 4);
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = size;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	/* A batch every BATCH / RATE seconds. */
	gap = 1000000000ull * BATCH / rate;
	start = next = now_ns();
	end = start + secs * 1000000000ull;
	while (next < end) {
		for (i = 0; i < BATCH; i++) {
			be_ctr = htobe64(counter++);
			memcpy(&bufs[i][8], &be_ctr, 8);
		}
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += n;
		next += gap;
		if (next > now_ns())
			sleep_until(next);
		else if (now_ns() - next > 100000000ull)
			next = now_ns();	/* fell behind: no catching up */
	}
	printf("%llu\n", (unsigned long long)sent);
	return 0;
}
