// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the test build of ovl-beacon (tests/ovl-beacon is
 * linked with -Wl,--wrap=recvmmsg): with OVL_BEACON_TEST_RECVMMSG_FAIL=N
 * in the environment, the first N calls of recvmmsg() fail with ENOMEM
 * without reading anything, as the kernel's would under memory pressure.
 * The datagram stays queued for the next call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

int __real_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
		    struct timespec *timeout);
int __wrap_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
		    struct timespec *timeout);

int __wrap_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n, int flags,
		    struct timespec *timeout)
{
	static long failures = -1;
	const char *env;

	if (__atomic_load_n(&failures, __ATOMIC_RELAXED) < 0) {
		env = getenv("OVL_BEACON_TEST_RECVMMSG_FAIL");
		__atomic_store_n(&failures, env ? atol(env) : 0,
				 __ATOMIC_RELAXED);
	}
	if (__atomic_sub_fetch(&failures, 1, __ATOMIC_RELAXED) >= 0) {
		errno = ENOMEM;
		return -1;
	}
	__atomic_store_n(&failures, 0, __ATOMIC_RELAXED);
	return __real_recvmmsg(fd, msgs, n, flags, timeout);
}
