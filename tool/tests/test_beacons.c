// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon lists (daemon/beacons.c, daemon/beacons_io.c): the filter of each
 * address class, merge order and duplicates, the rendezvous pick (tie, one
 * entry, every RTT case), migration when one of 8 beacons leaves, over
 * 10,000 keys, and beacons.json (round trip, hostile input, atomic save).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../daemon/beacons.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const uint8_t key0[BEACON_KEY_LEN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
	20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

static void list_of(struct beacon_list *l, const char *s)
{
	char err[BEACON_ERR_LEN];

	assert_int_equal(beacon_list_parse(s, l, err, sizeof(err)), 0);
}

static void assert_list(const struct beacon_list *l, const char *want)
{
	char got[BEACON_MAX * (BEACON_ADDR_MAX + 1) + 1] = "";
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		if (i)
			strcat(got, ",");
		strcat(got, l->addr[i]);
	}
	assert_string_equal(got, want);
}

/* Each class dropped, v4 and v6, in every form a list may write it. */
static void test_unreachable(void **state)
{
	static const struct { const char *addr, *why; } cases[] = {
		/* RFC 1918 and its IPv6 counterpart, ULA fc00::/7 */
		{ "10.0.0.1:3478", "private" },
		{ "10.255.255.255:1", "private" },
		{ "172.16.0.1:3478", "private" },
		{ "172.31.255.254:3478", "private" },
		{ "192.168.1.1:3478", "private" },
		{ "[fd00::1]:3478", "private" },
		{ "[fc00::1]:3478", "private" },
		{ "fd12:3456::1", "private" },
		/* loopback */
		{ "127.0.0.1:3478", "loopback" },
		{ "127.1.2.3:3478", "loopback" },
		{ "[::1]:3478", "loopback" },
		{ "::1", "loopback" },
		/* link-local */
		{ "169.254.1.1:3478", "link-local" },
		{ "[fe80::1]:3478", "link-local" },
		{ "[fe80::1%eth0]:3478", "link-local" },
		{ "[febf::1]:3478", "link-local" },
		/* unspecified */
		{ "0.0.0.0:3478", "unspecified" },
		{ "0.1.2.3:3478", "unspecified" },
		{ "[::]:3478", "unspecified" },
		{ "0.0.0.0", "unspecified" },
		/* IPv4-mapped IPv6, judged as IPv4 */
		{ "[::ffff:10.1.2.3]:3478", "private" },
		{ "[::ffff:127.0.0.1]:3478", "loopback" },
		/* what inet_aton() (and so a resolver) reads as an address */
		{ "10.1:3478", "private" },
		{ "0x7f000001:3478", "loopback" },
		{ "012.0.0.1:3478", "private" },
		{ "2130706433:3478", "loopback" },
		/* public, kept */
		{ "198.51.100.9:3478", NULL },
		{ "172.15.255.255:3478", NULL },
		{ "172.32.0.0:3478", NULL },
		{ "192.169.0.1:3478", NULL },
		{ "169.253.1.1:3478", NULL },
		{ "1.0.0.0:3478", NULL },
		{ "[2001:db8::1]:3478", NULL },
		{ "[fec0::1]:3478", NULL },
		{ "[fe00::1]:3478", NULL },
		{ "[::ffff:198.51.100.1]:3478", NULL },
		/* hostnames, kept whatever they may resolve to */
		{ "localhost:3478", NULL },
		{ "beacon.example.net:3478", NULL },
		{ "10.0.0.1.example.net:3478", NULL },
		{ "deadbeef:3478", NULL },
		{ "[not-an-address]:3478", NULL },
		{ "[10.0.0.1:3478", NULL },
	};
	size_t i;
	const char *why;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		why = beacon_addr_unreachable(cases[i].addr);
		if (!cases[i].why ? why != NULL :
		    !why || strcmp(why, cases[i].why))
			fail_msg("%s: got %s, want %s", cases[i].addr,
				 why ? why : "kept",
				 cases[i].why ? cases[i].why : "kept");
	}
}

static void test_filter(void **state)
{
	struct beacon_list l;

	(void)state;
	list_of(&l, "10.0.0.1:3478, 198.51.100.9:3478, [fe80::1]:3478, "
		"beacon.example.net:3478, 127.0.0.1:3478, [2001:db8::9]:3478, "
		"192.168.0.1:1, 0.0.0.0:3478, [::]:3478");
	assert_int_equal(beacon_filter(&l), 6);
	assert_list(&l, "198.51.100.9:3478,beacon.example.net:3478,"
		    "[2001:db8::9]:3478");
	list_of(&l, "");
	assert_int_equal(beacon_filter(&l), 0);
	assert_int_equal(l.n, 0);
}

static void test_parse(void **state)
{
	char err[BEACON_ERR_LEN], big[BEACON_ADDR_MAX + 2];
	char *many;
	struct beacon_list l;
	int i;

	(void)state;
	list_of(&l, " a:1 ,, b:2,\ta:1 ,");
	assert_list(&l, "a:1,b:2,a:1");
	list_of(&l, "  ");
	assert_int_equal(l.n, 0);
	assert_int_equal(beacon_list_parse("a:1, b c:2", &l, err, sizeof(err)),
			 -1);
	assert_string_equal(err,
		"'b c:2': not an address (printable characters, no blanks)");
	assert_int_equal(beacon_list_parse("a\x01:1", &l, err, sizeof(err)),
			 -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(beacon_list_parse(big, &l, err, sizeof(err)), -1);
	big[BEACON_ADDR_MAX] = '\0';
	list_of(&l, big);
	assert_int_equal(l.n, 1);
	many = calloc(BEACON_MAX + 1, 8);
	assert_non_null(many);
	for (i = 0; i <= BEACON_MAX; i++)
		sprintf(many + strlen(many), "%sb%d:1", i ? "," : "", i);
	assert_int_equal(beacon_list_parse(many, &l, err, sizeof(err)), -1);
	assert_string_equal(err, "more than 64 beacons");
	*strrchr(many, ',') = '\0';
	list_of(&l, many);
	assert_int_equal(l.n, BEACON_MAX);
	free(many);
	assert_true(beacon_addr_valid("x"));
	assert_false(beacon_addr_valid(""));
	assert_false(beacon_addr_valid("a,b"));
	assert_false(beacon_addr_valid("a\x7f"));
	assert_false(beacon_addr_valid("a\xc3\xa9"));
}

static void test_merge(void **state)
{
	struct beacon_list b, d, m;
	int i;

	(void)state;
	/* bootstrap first, in order, then the new discovered ones */
	list_of(&b, "10.0.0.9:3478, 198.51.100.9:3478");
	list_of(&d, "198.51.100.11:3478, 198.51.100.9:3478, 198.51.100.10:3478");
	assert_int_equal(beacon_merge(&b, &d, &m), 0);
	assert_list(&m, "10.0.0.9:3478,198.51.100.9:3478,198.51.100.11:3478,"
		    "198.51.100.10:3478");
	/* duplicates within a list, kept once at the first place */
	list_of(&b, "x:1, y:1, x:1");
	list_of(&d, "z:1, y:1, z:1, w:1");
	beacon_merge(&b, &d, &m);
	assert_list(&m, "x:1,y:1,z:1,w:1");
	/* either side empty */
	list_of(&b, "");
	beacon_merge(&b, &d, &m);
	assert_list(&m, "z:1,y:1,w:1");
	beacon_merge(&d, &b, &m);
	assert_list(&m, "z:1,y:1,w:1");
	/* the filter is the caller's, on discovered only: bootstrap stays */
	list_of(&b, "192.168.1.1:3478");
	list_of(&d, "192.168.1.2:3478, 198.51.100.1:3478");
	beacon_filter(&d);
	beacon_merge(&b, &d, &m);
	assert_list(&m, "192.168.1.1:3478,198.51.100.1:3478");
	/* no room: the discovered ones that do not fit are dropped */
	b.n = d.n = 0;
	for (i = 0; i < BEACON_MAX; i++) {
		char a[32];

		snprintf(a, sizeof(a), "b%d:1", i);
		beacon_list_add(&b, a);
		snprintf(a, sizeof(a), "d%d:1", i);
		beacon_list_add(&d, a);
	}
	assert_int_equal(beacon_merge(&b, &d, &m), BEACON_MAX);
	assert_int_equal(m.n, BEACON_MAX);
	assert_string_equal(m.addr[BEACON_MAX - 1], "b63:1");
}

static void test_score(void **state)
{
	(void)state;
	/* FNV-1a-32 of bytes 0..31 then "198.51.100.9:3478" (Python) */
	assert_int_equal(beacon_score(key0, "198.51.100.9:3478"), 0x749763fb);
	/* the address as listed: another spelling is another score */
	assert_int_not_equal(beacon_score(key0, "198.51.100.9:3478"),
			     beacon_score(key0, "198.51.100.009:3478"));
}

static void test_pick_hash(void **state)
{
	struct beacon_list l;
	uint8_t key[BEACON_KEY_LEN];
	int i, best;
	unsigned int j;

	(void)state;
	list_of(&l, "");
	assert_int_equal(beacon_pick_hash(&l, key0), -1);
	assert_int_equal(beacon_pick(&l, key0, NULL, NULL), -1);
	/* one entry: always picked */
	list_of(&l, "198.51.100.9:3478");
	for (i = 0; i < 1000; i++) {
		memset(key, i, sizeof(key));
		key[0] = i >> 8;
		assert_int_equal(beacon_pick_hash(&l, key), 0);
	}
	/* the highest score, wherever it is */
	list_of(&l, "a:1,b:1,c:1,d:1,e:1");
	best = 0;
	for (j = 1; j < l.n; j++)
		if (beacon_score(key0, l.addr[j]) >
		    beacon_score(key0, l.addr[best]))
			best = j;
	assert_int_equal(beacon_pick_hash(&l, key0), best);
	/* a tie (two addresses with one score, found with Python) */
	assert_int_equal(beacon_score(key0, "203.0.113.205:1026"),
			 beacon_score(key0, "203.0.113.192:1030"));
	list_of(&l, "203.0.113.205:1026, 203.0.113.192:1030");
	assert_int_equal(beacon_pick_hash(&l, key0), 0);
	list_of(&l, "203.0.113.192:1030, 203.0.113.205:1026");
	assert_int_equal(beacon_pick_hash(&l, key0), 0);
}

/* A list whose hash pick for key0 is entry 1 of 3. */
static void rtt_list(struct beacon_list *l, int *h, int *o1, int *o2)
{
	list_of(l, "198.51.100.1:3478,198.51.100.2:3478,198.51.100.3:3478");
	*h = beacon_pick_hash(l, key0);
	*o1 = (*h + 1) % 3;
	*o2 = (*h + 2) % 3;
}

static void test_pick_rtt(void **state)
{
	struct beacon_list l;
	enum beacon_why why;
	int64_t rtt[3];
	int h, a, b;

	(void)state;
	rtt_list(&l, &h, &a, &b);
	/* no RTTs at all: the hash pick */
	assert_int_equal(beacon_pick(&l, key0, NULL, &why), h);
	assert_int_equal(why, BEACON_PICK_HASH);
	rtt[0] = rtt[1] = rtt[2] = BEACON_RTT_NONE;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), h);
	assert_int_equal(why, BEACON_PICK_HASH);
	/* hash pick exactly 2x the fastest: kept */
	rtt[h] = 20000;
	rtt[a] = 10000;
	rtt[b] = 30000;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), h);
	assert_int_equal(why, BEACON_PICK_HASH);
	/* more than 2x: the fastest */
	rtt[h] = 20001;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), a);
	assert_int_equal(why, BEACON_PICK_SLOW);
	/* the hash pick is the fastest */
	rtt[h] = 5000;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), h);
	/* unmeasured ones are left out of the comparison */
	rtt[h] = 20000;
	rtt[a] = BEACON_RTT_NONE;
	rtt[b] = 9000;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), b);
	assert_int_equal(why, BEACON_PICK_SLOW);
	rtt[b] = 10000;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), h);
	/* the hash pick unmeasured, others answered: the fastest */
	rtt[h] = BEACON_RTT_NONE;
	rtt[a] = 50000;
	rtt[b] = 40000;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), b);
	assert_int_equal(why, BEACON_PICK_UNMEASURED);
	/* two equally fast: the earlier entry */
	rtt[a] = rtt[b] = 40000;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), a < b ? a : b);
	/* zero RTT (same host): anything slower is more than 2x */
	rtt[h] = 1;
	rtt[a] = 0;
	rtt[b] = BEACON_RTT_NONE;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), a);
	/* one entry, unmeasured: still picked */
	list_of(&l, "198.51.100.1:3478");
	rtt[0] = BEACON_RTT_NONE;
	assert_int_equal(beacon_pick(&l, key0, rtt, &why), 0);
	assert_int_equal(why, BEACON_PICK_HASH);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define KEYS	10000
#define NB	8

/* The reference's pick, FNV-32(key) mod N, to measure against. */
static unsigned int pick_mod(const uint8_t *key, unsigned int n)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < BEACON_KEY_LEN; i++)
		h = (h * 16777619u) ^ key[i];	/* FNV-32, not 1a */
	return h % n;
}

/*
 * Removing one of 8 beacons moves only the keys that were on it, and
 * those spread over the other 7; the figures printed are the ones
 * docs/beacons.md quotes.
 */
static void test_migration(void **state)
{
	static uint8_t keys[KEYS][BEACON_KEY_LEN];
	static int before[KEYS];
	struct beacon_list all, less;
	unsigned int gone, i, j, moved, moved_mod, on_gone;
	unsigned int spread[NB], load[NB] = {}, lo = KEYS, hi = 0;
	int after;

	(void)state;
	list_of(&all, "198.51.100.1:3478,198.51.100.2:3478,198.51.100.3:3478,"
		"198.51.100.4:3478,198.51.100.5:3478,198.51.100.6:3478,"
		"198.51.100.7:3478,198.51.100.8:3478");
	for (i = 0; i < KEYS; i++) {
		for (j = 0; j < BEACON_KEY_LEN; j += 8) {
			uint64_t r = rng();

			memcpy(keys[i] + j, &r, 8);
		}
		before[i] = beacon_pick_hash(&all, keys[i]);
		load[before[i]]++;
	}
	/*
	 * The load is spread, if unevenly: plain FNV-1a mixes the last
	 * bytes poorly, and these addresses differ in one digit near the
	 * end (docs/beacons.md); each within 35% of a fair share.
	 */
	for (j = 0; j < NB; j++) {
		assert_in_range(load[j], KEYS / NB * 65 / 100,
				KEYS / NB * 135 / 100);
		lo = load[j] < lo ? load[j] : lo;
		hi = load[j] > hi ? load[j] : hi;
	}
	printf("migration: %d keys on %d beacons: %u to %u each\n", KEYS, NB,
	       lo, hi);
	for (gone = 0; gone < NB; gone++) {
		less.n = 0;
		for (j = 0; j < NB; j++)
			if (j != gone)
				beacon_list_add(&less, all.addr[j]);
		memset(spread, 0, sizeof(spread));
		moved = on_gone = moved_mod = 0;
		for (i = 0; i < KEYS; i++) {
			after = beacon_pick_hash(&less, keys[i]);
			after = beacon_list_find(&all, less.addr[after]);
			if (before[i] == (int)gone) {
				on_gone++;
				assert_int_not_equal(after, gone);
				spread[after]++;
			} else {
				assert_int_equal(after, before[i]);
			}
			moved += after != before[i];
			moved_mod += strcmp(all.addr[pick_mod(keys[i], NB)],
					    less.addr[pick_mod(keys[i], NB - 1)])
				     != 0;
		}
		assert_int_equal(moved, on_gone);
		/*
		 * and they spread: every other beacon takes some, none
		 * takes half (unevenly: see the load above)
		 */
		for (j = 0; j < NB; j++)
			if (j != gone)
				assert_in_range(spread[j], 1, on_gone / 2);
		lo = KEYS;
		hi = 0;
		for (j = 0; j < NB; j++) {
			if (j == gone)
				continue;
			lo = spread[j] < lo ? spread[j] : lo;
			hi = spread[j] > hi ? spread[j] : hi;
		}
		printf("migration: beacon %u of %d leaves: %u of %d keys move "
		       "(%.1f%%), %u to %u to each other; FNV mod N: %u "
		       "(%.1f%%)\n", gone + 1, NB, moved, KEYS,
		       100.0 * moved / KEYS, lo, hi, moved_mod,
		       100.0 * moved_mod / KEYS);
	}
}

static void test_cache_codec(void **state)
{
	char err[BEACON_ERR_LEN];
	struct beacon_list l, back;
	int64_t t;
	char *s;

	(void)state;
	list_of(&l, "198.51.100.9:3478, [2001:db8::1]:3478, b.example:1/x");
	s = beacon_cache_encode(&l, 1764606533);
	assert_non_null(s);
	assert_string_equal(s, "{\"list\":[\"198.51.100.9:3478\","
			    "\"[2001:db8::1]:3478\",\"b.example:1/x\"],"
			    "\"saved_at\":1764606533}\n");
	assert_int_equal(beacon_cache_decode(s, strlen(s), &back, &t, err,
					     sizeof(err)), 0);
	assert_int_equal(t, 1764606533);
	assert_list(&back, "198.51.100.9:3478,[2001:db8::1]:3478,b.example:1/x");
	free(s);
	l.n = 0;
	s = beacon_cache_encode(&l, 0);
	assert_string_equal(s, "{\"list\":[],\"saved_at\":0}\n");
	assert_int_equal(beacon_cache_decode(s, strlen(s), &back, &t, err,
					     sizeof(err)), 0);
	assert_int_equal(back.n, 0);
	free(s);
}

static void test_cache_hostile(void **state)
{
	static const struct { const char *in, *err; } cases[] = {
		{ "", "not JSON (truncated)" },
		{ "{\"list\": [\"a:1\"], \"saved_at\": 1", "not JSON (truncated)" },
		{ "nonsense", "not JSON (null expected)" },
		{ "#", "not JSON (unexpected character)" },
		{ "{\"list\":[],\"saved_at\":1} {}",
		  "not JSON (unexpected character)" },
		{ "[\"a:1\"]", "not a JSON object" },
		{ "\"a:1\"", "not a JSON object" },
		{ "{\"saved_at\": 1}", "\"list\": missing or not an array" },
		{ "{\"list\": \"a:1\", \"saved_at\": 1}",
		  "\"list\": missing or not an array" },
		{ "{\"list\": {}, \"saved_at\": 1}",
		  "\"list\": missing or not an array" },
		{ "{\"list\": []}",
		  "\"saved_at\": missing or not an integer >= 0" },
		{ "{\"list\": [], \"saved_at\": \"2026-12-01\"}",
		  "\"saved_at\": missing or not an integer >= 0" },
		{ "{\"list\": [], \"saved_at\": 1.5}",
		  "\"saved_at\": missing or not an integer >= 0" },
		{ "{\"list\": [], \"saved_at\": -1}",
		  "\"saved_at\": missing or not an integer >= 0" },
		{ "{\"list\": [], \"saved_at\": null}",
		  "\"saved_at\": missing or not an integer >= 0" },
		{ "{\"list\": [1], \"saved_at\": 1}", "\"list\"[0]: not a string" },
		{ "{\"list\": [\"a:1\", null], \"saved_at\": 1}",
		  "\"list\"[1]: not a string" },
		{ "{\"list\": [[\"a:1\"]], \"saved_at\": 1}",
		  "\"list\"[0]: not a string" },
		{ "{\"list\": [\"\"], \"saved_at\": 1}",
		  "\"list\"[0]: not an address" },
		{ "{\"list\": [\"a b:1\"], \"saved_at\": 1}",
		  "\"list\"[0]: not an address" },
		{ "{\"list\": [\"a,b:1\"], \"saved_at\": 1}",
		  "\"list\"[0]: not an address" },
		{ "{\"list\": [\"a\\u0000b:1\"], \"saved_at\": 1}",
		  "\"list\"[0]: not an address" },
		{ "{\"list\": [\"a\\n:1\"], \"saved_at\": 1}",
		  "\"list\"[0]: not an address" },
		{ "{\"list\": [\"a:1\", \"a:1\"], \"saved_at\": 1}",
		  "\"list\"[1]: repeated" },
		{ "{\"list\": [[[[[[[[[[[]]]]]]]]]]], \"saved_at\": 1}",
		  "not JSON (nesting too deep)" },
	};
	char err[BEACON_ERR_LEN], *big;
	struct beacon_list l;
	int64_t t;
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		err[0] = '\0';
		if (beacon_cache_decode(cases[i].in, strlen(cases[i].in), &l,
					&t, err, sizeof(err)) != -1 ||
		    strcmp(err, cases[i].err))
			fail_msg("%s: got '%s', want '%s'", cases[i].in, err,
				 cases[i].err);
	}
	/* other members are ignored (a later version may add some) */
	big = "{\"v\":2,\"list\":[\"a:1\"],\"saved_at\":7,\"x\":[1]}";
	assert_int_equal(beacon_cache_decode(big, strlen(big), &l, &t, err,
					     sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(t, 7);
	/* too many entries */
	big = malloc(BEACON_CACHE_MAX + 2);
	assert_non_null(big);
	strcpy(big, "{\"saved_at\":1,\"list\":[");
	for (i = 0; i <= BEACON_MAX; i++)
		sprintf(big + strlen(big), "%s\"b%zu:1\"", i ? "," : "", i);
	strcat(big, "]}");
	assert_int_equal(beacon_cache_decode(big, strlen(big), &l, &t, err,
					     sizeof(err)), -1);
	assert_string_equal(err, "\"list\": more than 64 entries");
	/* too large, whatever it holds */
	len = BEACON_CACHE_MAX + 1;
	memset(big, ' ', len);
	memcpy(big, "{\"list\":[],\"saved_at\":1}", 24);
	assert_int_equal(beacon_cache_decode(big, len, &l, &t, err,
					     sizeof(err)), -1);
	assert_string_equal(err, "larger than 65536 bytes");
	assert_int_equal(beacon_cache_decode(big, len - 1, &l, &t, err,
					     sizeof(err)), 0);
	free(big);
}

static void test_cache_path(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(beacon_cache_path("/etc/ovl/node.key", buf,
					   sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/ovl/beacons.json");
	assert_int_equal(beacon_cache_path("node.key", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "beacons.json");
	assert_int_equal(beacon_cache_path("/k", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/beacons.json");
	assert_int_equal(beacon_cache_path("/etc/ovl/node.key", buf, 21), -1);
}

static void test_cache_file(void **state)
{
	char dir[] = "/tmp/test_beacons.XXXXXX", path[128], link[128];
	char err[BEACON_ERR_LEN];
	struct beacon_list l, back;
	struct dirent *de;
	struct stat st;
	int64_t t;
	FILE *f;
	DIR *d;
	int n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/beacons.json", dir);
	/* no file yet: no cache, not an error */
	assert_int_equal(beacon_cache_load(path, &back, &t, err, sizeof(err)),
			 1);
	assert_int_equal(back.n, 0);
	list_of(&l, "198.51.100.9:3478, 198.51.100.10:3478");
	assert_int_equal(beacon_cache_save(path, &l, 42, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(beacon_cache_load(path, &back, &t, err, sizeof(err)),
			 0);
	assert_list(&back, "198.51.100.9:3478,198.51.100.10:3478");
	assert_int_equal(t, 42);
	/* replaced whole, no temporary file left behind */
	l.n = 1;
	assert_int_equal(beacon_cache_save(path, &l, 43, err, sizeof(err)), 0);
	assert_int_equal(beacon_cache_load(path, &back, &t, err, sizeof(err)),
			 0);
	assert_list(&back, "198.51.100.9:3478");
	d = opendir(dir);
	assert_non_null(d);
	n = 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);
	/* a broken file: refused, saying which file and why */
	f = fopen(path, "w");
	fputs("{\"list\": [\"a:1\"], \"saved_at\": \"yesterday\"}", f);
	fclose(f);
	assert_int_equal(beacon_cache_load(path, &back, &t, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "beacons.json: \"saved_at\": missing"));
	/* too large: refused without reading it all */
	f = fopen(path, "w");
	for (n = 0; n <= BEACON_CACHE_MAX; n += 16)
		fputs("                ", f);
	fclose(f);
	assert_int_equal(beacon_cache_load(path, &back, &t, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "larger than 65536 bytes"));
	/* a symlink is not followed, a directory is not a file */
	snprintf(link, sizeof(link), "%s/link.json", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(beacon_cache_load(link, &back, &t, err, sizeof(err)),
			 -1);
	unlink(link);
	assert_int_equal(beacon_cache_load(dir, &back, &t, err, sizeof(err)),
			 -1);
	/* a directory that is not there: save fails, says where */
	snprintf(link, sizeof(link), "%s/no/beacons.json", dir);
	assert_int_equal(beacon_cache_save(link, &l, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/no/beacons.json"));
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* A ninth beacon joins: the keys that move all move to it. */
static void test_join(void **state)
{
	struct beacon_list l;
	uint8_t key[BEACON_KEY_LEN];
	unsigned int i, j, moved = 0;
	int before, after;

	(void)state;
	list_of(&l, "198.51.100.1:3478,198.51.100.2:3478,198.51.100.3:3478,"
		"198.51.100.4:3478,198.51.100.5:3478,198.51.100.6:3478,"
		"198.51.100.7:3478,198.51.100.8:3478");
	for (i = 0; i < KEYS; i++) {
		for (j = 0; j < BEACON_KEY_LEN; j += 8) {
			uint64_t r = rng();

			memcpy(key + j, &r, 8);
		}
		l.n = 8;
		before = beacon_pick_hash(&l, key);
		beacon_list_add(&l, "198.51.100.9:3478");
		after = beacon_pick_hash(&l, key);
		if (after != before) {
			assert_int_equal(after, 8);
			moved++;
		}
	}
	/* and it gets some share (a fair one is 1/9, 1,111) */
	printf("join: a ninth beacon takes %u of %d keys\n", moved, KEYS);
	assert_in_range(moved, KEYS / 9 / 2, KEYS / 9 * 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_score),
		cmocka_unit_test(test_pick_hash),
		cmocka_unit_test(test_pick_rtt),
		cmocka_unit_test(test_migration),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_cache_codec),
		cmocka_unit_test(test_cache_hostile),
		cmocka_unit_test(test_cache_path),
		cmocka_unit_test(test_cache_file),
	};

	return cmocka_run_group_tests_name("beacons", tests, NULL, NULL);
}
