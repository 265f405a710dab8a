// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon discovery's state machine (discovery.h), pure.
 */

#include <stdio.h>
#include <string.h>

#include "discovery.h"

/* Merge bootstrap and found into the list; the RTTs of kept entries stay. */
static void remerge(struct disc *d)
{
	struct beacon_list *old = &d->list;
	struct beacon_list next;
	int64_t rtt[BEACON_MAX];
	bool changed;
	unsigned int i;
	int k;

	beacon_merge(&d->boot, &d->found, &next);
	changed = next.n != old->n;
	for (i = 0; i < next.n; i++) {
		k = beacon_list_find(old, next.addr[i]);
		rtt[i] = k >= 0 ? d->rtt_us[k] : BEACON_RTT_NONE;
		if (k != (int)i)
			changed = true;
	}
	for (i = 0; i < next.n; i++) {
		d->rtt_us[i] = rtt[i];
		d->origin[i] = beacon_list_find(&d->boot, next.addr[i]) >= 0 ?
			       DISC_BOOTSTRAP :
			       d->from_cache ? DISC_CACHE : DISC_DISCOVERED;
	}
	/* Until the next pick, the same entry (or none if it left). */
	if (d->pick >= 0)
		d->pick = beacon_list_find(&next, old->addr[d->pick]);
	d->list = next;
	if (changed) {
		/* New entries: measure them all again, soon. */
		d->dirty = true;
		d->measured = false;
		d->probing = false;
		d->next_probe = 0;
	}
}

void disc_init(struct disc *d, const uint8_t *key,
	       const struct beacon_list *boot, bool registry,
	       const struct beacon_list *cache, uint64_t now, uint64_t jitter)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->key, key, BEACON_KEY_LEN);
	d->registry = registry;
	if (boot)
		d->boot = *boot;
	if (registry && cache)
		d->cache = *cache;
	d->pick = -1;
	d->next_fetch = now + (jitter < DISC_JITTER_NS ? jitter : 0);
	remerge(d);
	d->dirty = true;
}

void disc_set_bootstrap(struct disc *d, const struct beacon_list *boot)
{
	d->boot = *boot;
	remerge(d);
}

static void repick(struct disc *d)
{
	d->pick = beacon_pick(&d->list, d->key,
			      d->measured ? d->rtt_us : NULL, &d->why);
	d->dirty = false;
}

unsigned int disc_tick(struct disc *d, uint64_t now)
{
	unsigned int todo = 0, i;

	if (d->registry && !d->fetching && now >= d->next_fetch) {
		d->fetching = true;
		d->next_fetch = now + DISC_FETCH_NS;
		todo |= DISC_DO_FETCH;
	}
	if (d->probing && now >= d->probe_end) {
		d->probing = false;
		for (i = 0; i < d->list.n; i++)
			d->rtt_us[i] = d->round_rtt[i];
		d->measured = true;
		d->dirty = true;
	}
	if (!d->probing && d->list.n > 1 && now >= d->next_probe) {
		/* One entry is always the pick: nothing to measure. */
		d->probing = true;
		d->probe_end = now + DISC_PROBE_WAIT_NS;
		d->next_probe = now + DISC_PROBE_NS;
		for (i = 0; i < d->list.n; i++)
			d->round_rtt[i] = BEACON_RTT_NONE;
		todo |= DISC_DO_PROBE;
	}
	/*
	 * A new list is measured before it is picked from, so that the
	 * kernel's beacon is not swapped twice (hash pick, then RTT pick);
	 * unless the kernel has no beacon or its beacon left the list.
	 */
	if (d->dirty && (!d->probing || !d->kernel[0] ||
			 beacon_list_find(&d->list, d->kernel) < 0))
		repick(d);
	if (d->pick >= 0 ? strcmp(d->list.addr[d->pick], d->kernel) : 0)
		todo |= DISC_DO_SWAP;
	if (d->save) {
		d->save = false;
		todo |= DISC_DO_SAVE;
	}
	return todo;
}

void disc_fetched(struct disc *d, uint64_t now, bool ok,
		  const struct beacon_list *got)
{
	(void)now;
	d->fetching = false;
	if (!ok) {
		d->fetch_failed++;
		/* A cold start with no registry: the cache stands in. */
		if (!d->fetched && !d->from_cache && d->cache.n) {
			d->found = d->cache;
			d->from_cache = true;
			remerge(d);
		}
		return;
	}
	d->fetch_ok++;
	d->fetched = true;
	d->found = *got;
	beacon_filter(&d->found);
	d->from_cache = false;
	remerge(d);
	d->save = true;
}

void disc_probe_answer(struct disc *d, const char *addr, int64_t rtt_us)
{
	int k = beacon_list_find(&d->list, addr);

	if (!d->probing || k < 0 || rtt_us < 0)
		return;
	if (rtt_us < DISC_RTT_FLOOR_US)
		rtt_us = DISC_RTT_FLOOR_US;
	/* The first answer counts (a duplicate is later, not faster). */
	if (d->round_rtt[k] == BEACON_RTT_NONE)
		d->round_rtt[k] = rtt_us;
}

const char *disc_pick_addr(const struct disc *d)
{
	return d->pick >= 0 ? d->list.addr[d->pick] : NULL;
}

void disc_swapped(struct disc *d, const char *addr)
{
	if (!addr)
		return;
	snprintf(d->kernel, sizeof(d->kernel), "%s", addr);
	d->swaps++;
}

const char *disc_origin_name(enum disc_origin o)
{
	switch (o) {
	case DISC_BOOTSTRAP:
		return "bootstrap";
	case DISC_DISCOVERED:
		return "discovered";
	case DISC_CACHE:
		return "cache";
	}
	return "?";
}

const char *disc_why_name(enum beacon_why w)
{
	switch (w) {
	case BEACON_PICK_HASH:
		return "hash";
	case BEACON_PICK_SLOW:
		return "rtt";
	case BEACON_PICK_UNMEASURED:
		return "unmeasured";
	}
	return "?";
}
