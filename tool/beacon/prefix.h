/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source prefixes of ovl-beacon (IPv4 /24, IPv6 /48, auth.h's
 * bcn_prefix()): how many registrations each holds (exact, for the
 * per-prefix quota), and a fixed array of token buckets that the prefixes
 * hash into (bounded memory whatever a flood sends; two prefixes of one
 * slot share its budget, and the random seed keeps anyone from choosing
 * which).  No clock: the caller passes the time.
 */
#ifndef OVL_BEACON_PREFIX_H
#define OVL_BEACON_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "table.h"

struct bcn_pfx {
	struct bcn_pfx	*next;
	uint8_t		key[16];
	uint32_t	count;
};

struct bcn_pfx_map {
	struct bcn_pfx	**buckets;
	size_t		mask;
	uint64_t	seed;
	size_t		n;		/* prefixes held */
};

int bcn_pfx_init(struct bcn_pfx_map *m, size_t max_nodes, uint64_t seed);
void bcn_pfx_free(struct bcn_pfx_map *m);
/* Registrations from @a's prefix. */
uint32_t bcn_pfx_count(const struct bcn_pfx_map *m, const struct bcn_addr *a);
/* One more from @a's prefix; returns 0, or -1 out of memory. */
int bcn_pfx_inc(struct bcn_pfx_map *m, const struct bcn_addr *a);
/* One less (the prefix goes at 0). */
void bcn_pfx_dec(struct bcn_pfx_map *m, const struct bcn_addr *a);

struct bcn_rl {
	struct bcn_bucket	*slots;
	size_t			mask;
	uint64_t		seed;
};

/* @slots is rounded up to a power of two. */
int bcn_rl_init(struct bcn_rl *rl, size_t slots, uint64_t seed);
void bcn_rl_free(struct bcn_rl *rl);
/* One token from the bucket of @a's prefix (@rate a second, @burst). */
bool bcn_rl_take(struct bcn_rl *rl, const struct bcn_addr *a, uint64_t rate,
		 uint64_t burst, uint64_t now);

#endif /* OVL_BEACON_PREFIX_H */
