/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key lifetimes: when a key installed with a lifetime stops working, and
 * when sending under it starts asking for a new one.
 *
 * Times are in ticks of an unsigned long clock that wraps (jiffies in the
 * kernel); a deadline of 0 means "none", so a key is not given one that
 * falls on 0 (it moves by a tick).  Pure logic, unit-tested in userspace
 * (tests/test_keylife.c).
 */
#ifndef _OVL_KEYLIFE_H
#define _OVL_KEYLIFE_H

#ifdef __KERNEL__
#include <linux/minmax.h>
#include <linux/types.h>
#else
#include "tests/kshim.h"
#endif

/* Longest key lifetime, in seconds: a day, far within the clock's range. */
#define OVL_KEY_LIFETIME_MAX	86400
/* Rekey when less than 1/8 of the lifetime, or this (seconds), is left. */
#define OVL_KEY_REKEY_MARGIN	15

/**
 * struct ovl_keylife - a key's deadlines, in clock ticks
 * @expires: the end of its lifetime; 0: it has none
 * @rekey_at: from when on sending under it asks for a new key; valid when
 *	@expires is
 */
struct ovl_keylife {
	unsigned long expires;
	unsigned long rekey_at;
};

/* @a is at or after @b on the wrapping clock (the kernel's time_after_eq). */
static inline bool ovl_keylife_reached(unsigned long a, unsigned long b)
{
	return (long)(a - b) >= 0;
}

/*
 * Deadlines for a lifetime of @secs seconds (0: none) starting at @now,
 * with @hz ticks a second.
 */
static inline void ovl_keylife_set(struct ovl_keylife *l, u32 secs,
				   unsigned long now, unsigned long hz)
{
	unsigned long life = (unsigned long)secs * hz, margin;

	if (!secs) {
		l->expires = 0;
		l->rekey_at = 0;
		return;
	}
	margin = min_t(unsigned long, life / 8, OVL_KEY_REKEY_MARGIN * hz);
	l->expires = now + life;
	if (!l->expires)
		l->expires = 1;
	l->rekey_at = l->expires - margin;
}

static inline bool ovl_keylife_expired(const struct ovl_keylife *l,
				       unsigned long now)
{
	return l->expires && ovl_keylife_reached(now, l->expires);
}

static inline bool ovl_keylife_aging(const struct ovl_keylife *l,
				     unsigned long now)
{
	return l->expires && ovl_keylife_reached(now, l->rekey_at);
}

/* Ticks left of the lifetime at @now: 0 once expired (or with none). */
static inline unsigned long ovl_keylife_left(const struct ovl_keylife *l,
					     unsigned long now)
{
	if (!l->expires || ovl_keylife_reached(now, l->expires))
		return 0;
	return l->expires - now;
}

#endif /* _OVL_KEYLIFE_H */
