/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovl-beacon's --limits file: the protocol v2 limits that SIGHUP can
 * change without a restart.  One "KEY VALUE" or "KEY = VALUE" a line;
 * blank lines and lines starting with '#' are ignored.  Keys:
 * prefix-quota, relay-pps, relay-bps, with the ranges of the options of
 * the same names.  Pure: no I/O.
 */
#ifndef OVL_BEACON_LIMITS_H
#define OVL_BEACON_LIMITS_H

#include <stddef.h>
#include <stdint.h>

struct bcn_limits {
	uint64_t	prefix_quota;
	uint64_t	relay_pps;
	uint64_t	relay_bps;
};

#define BCN_LIMITS_ERR_LEN	128
#define BCN_LIMITS_MAX_LEN	4096	/* a longer file is refused */

/* The range of each limit (the options' too). */
#define BCN_QUOTA_MAX		100000000ULL
#define BCN_PPS_MAX		1000000000ULL
#define BCN_BPS_MIN		1000ULL
#define BCN_BPS_MAX		1000000000000ULL	/* 1 Tbit/s */

/*
 * Parse the @len bytes at @text over *@l: the keys present replace their
 * values, the others stay.  Returns 0, or -1 with @l unchanged and a
 * message naming the line in @err (BCN_LIMITS_ERR_LEN bytes).
 */
int bcn_limits_parse(const char *text, size_t len, struct bcn_limits *l,
		     char *err);

#endif /* OVL_BEACON_LIMITS_H */
