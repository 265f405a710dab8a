// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the beacon list parsers (daemon/beacons.c): the
 * beacons.json decoder, whose file a cold start reads whatever a crash or
 * a disk left in it, and the "A, B" list parser of the config file and of
 * ovlctl beacon pick.  The first byte picks the parser (even: beacons.json,
 * odd: a list), the rest is its input.  Beyond memory safety (ASan, UBSan)
 * it checks that a refusal always says why; that what is accepted holds
 * only valid entries (distinct, for beacons.json) and survives an encode
 * and decode unchanged; and that filter, merge and pick over it keep
 * their promises: the merge starts with the bootstrap entries, has no
 * duplicates, and the pick is an index of the list whenever it is not
 * empty.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/beacons.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const struct beacon_list *l, bool distinct)
{
	unsigned int i, j;

	if (l->n > BEACON_MAX)
		abort();
	for (i = 0; i < l->n; i++) {
		if (!beacon_addr_valid(l->addr[i]))
			abort();
		for (j = 0; distinct && j < i; j++)
			if (!strcmp(l->addr[i], l->addr[j]))
				abort();
	}
}

static void check_rules(const struct beacon_list *in, const uint8_t *key)
{
	static struct beacon_list disc, boot, m;
	int64_t rtt[BEACON_MAX];
	unsigned int i, half = in->n / 2;
	int pick;

	boot.n = disc.n = 0;
	for (i = 0; i < in->n; i++)
		beacon_list_add(i < half ? &boot : &disc, in->addr[i]);
	beacon_filter(&disc);
	for (i = 0; i < disc.n; i++)
		if (beacon_addr_unreachable(disc.addr[i]))
			abort();
	beacon_merge(&boot, &disc, &m);
	check_list(&m, true);
	for (i = 0; i < boot.n; i++)
		if (beacon_list_find(&m, boot.addr[i]) < 0 ||
		    beacon_list_find(&m, boot.addr[i]) >
		    beacon_list_find(&boot, boot.addr[i]))
			abort();
	for (i = 0; i < m.n; i++)
		rtt[i] = i % 3 ? (int64_t)key[i % BEACON_KEY_LEN] * 100 :
			 BEACON_RTT_NONE;
	pick = beacon_pick(&m, key, rtt, NULL);
	if (m.n ? pick < 0 || (unsigned int)pick >= m.n : pick != -1)
		abort();
	pick = beacon_pick_hash(&m, key);
	if (m.n ? pick < 0 || (unsigned int)pick >= m.n : pick != -1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct beacon_list l, back;
	char err[BEACON_ERR_LEN], *buf, *enc;
	uint8_t key[BEACON_KEY_LEN] = {};
	int64_t t, t2;
	unsigned int i;
	int ret;

	if (size < 1 || size > BEACON_CACHE_MAX + 2)
		return 0;
	memcpy(key, data + 1, size - 1 < sizeof(key) ? size - 1 : sizeof(key));
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	err[0] = '\0';
	if (data[0] & 1) {
		ret = beacon_list_parse(buf, &l, err, sizeof(err));
		if (!ret)
			check_list(&l, false);
	} else {
		ret = beacon_cache_decode(buf, size - 1, &l, &t, err,
					  sizeof(err));
		if (!ret) {
			check_list(&l, true);
			if (t < 0)
				abort();
			enc = beacon_cache_encode(&l, t);
			if (!enc || beacon_cache_decode(enc, strlen(enc),
							&back, &t2, err,
							sizeof(err)))
				abort();
			if (t2 != t || back.n != l.n)
				abort();
			for (i = 0; i < l.n; i++)
				if (strcmp(back.addr[i], l.addr[i]))
					abort();
			free(enc);
		}
	}
	if (ret && !err[0])
		abort();
	if (!ret)
		check_rules(&l, key);
	free(buf);
	return 0;
}
