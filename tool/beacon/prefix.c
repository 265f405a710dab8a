// SPDX-License-Identifier: GPL-2.0
/*
 * Source prefixes of ovl-beacon: quota counts and rate buckets (prefix.h).
 */
#include <stdlib.h>
#include <string.h>

#include "prefix.h"

#define BCN_PFX_MAX_BUCKETS	(1UL << 20)

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t hash_key(uint64_t seed, const uint8_t key[16])
{
	uint64_t w0, w1;

	memcpy(&w0, key, 8);
	memcpy(&w1, key + 8, 8);
	return mix64(mix64(seed ^ w0) ^ w1);
}

int bcn_pfx_init(struct bcn_pfx_map *m, size_t max_nodes, uint64_t seed)
{
	size_t nb = 16;

	memset(m, 0, sizeof(*m));
	while (nb < max_nodes && nb < BCN_PFX_MAX_BUCKETS)
		nb <<= 1;
	m->buckets = calloc(nb, sizeof(*m->buckets));
	if (!m->buckets)
		return -1;
	m->mask = nb - 1;
	m->seed = seed;
	return 0;
}

void bcn_pfx_free(struct bcn_pfx_map *m)
{
	size_t i;

	for (i = 0; m->buckets && i <= m->mask; i++) {
		while (m->buckets[i]) {
			struct bcn_pfx *p = m->buckets[i];

			m->buckets[i] = p->next;
			free(p);
		}
	}
	free(m->buckets);
	m->buckets = NULL;
	m->n = 0;
}

static struct bcn_pfx **find(const struct bcn_pfx_map *m,
			     const uint8_t key[16])
{
	struct bcn_pfx **pp = &m->buckets[hash_key(m->seed, key) & m->mask];

	while (*pp && memcmp((*pp)->key, key, 16))
		pp = &(*pp)->next;
	return pp;
}

uint32_t bcn_pfx_count(const struct bcn_pfx_map *m, const struct bcn_addr *a)
{
	uint8_t key[16];
	struct bcn_pfx **pp;

	bcn_prefix(a, key);
	pp = find(m, key);
	return *pp ? (*pp)->count : 0;
}

int bcn_pfx_inc(struct bcn_pfx_map *m, const struct bcn_addr *a)
{
	uint8_t key[16];
	struct bcn_pfx **pp;

	bcn_prefix(a, key);
	pp = find(m, key);
	if (!*pp) {
		*pp = calloc(1, sizeof(**pp));
		if (!*pp)
			return -1;
		memcpy((*pp)->key, key, 16);
		m->n++;
	}
	(*pp)->count++;
	return 0;
}

void bcn_pfx_dec(struct bcn_pfx_map *m, const struct bcn_addr *a)
{
	uint8_t key[16];
	struct bcn_pfx **pp, *p;

	bcn_prefix(a, key);
	pp = find(m, key);
	p = *pp;
	if (!p)
		return;
	if (--p->count)
		return;
	*pp = p->next;
	free(p);
	m->n--;
}

int bcn_rl_init(struct bcn_rl *rl, size_t slots, uint64_t seed)
{
	size_t n = 1;

	while (n < slots && n < BCN_PFX_MAX_BUCKETS)
		n <<= 1;
	rl->slots = calloc(n, sizeof(*rl->slots));
	if (!rl->slots)
		return -1;
	rl->mask = n - 1;
	rl->seed = seed;
	return 0;
}

void bcn_rl_free(struct bcn_rl *rl)
{
	free(rl->slots);
	rl->slots = NULL;
}

bool bcn_rl_take(struct bcn_rl *rl, const struct bcn_addr *a, uint64_t rate,
		 uint64_t burst, uint64_t now)
{
	uint8_t key[16];

	bcn_prefix(a, key);
	return bcn_bucket_take(&rl->slots[hash_key(rl->seed, key) & rl->mask],
			       rate, burst, 1, now);
}
