/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Beacon lists (issue 10, items 4-6), pure: no I/O, no clock, no name
 * resolution.  The rules, and why rendezvous hashing, are in
 * docs/beacons.md.
 *
 *  - beacon_list_parse(): "A, B" (config values, ovlctl arguments) into a
 *    list; beacon_addr_valid() is what one entry may be.
 *  - beacon_filter(): drops from a DISCOVERED list (the registry's) the
 *    IP literals that a node on the internet cannot reach: RFC 1918,
 *    loopback, link-local, unspecified, and their IPv6 equivalents (see
 *    beacon_addr_unreachable()).  Hostnames are kept; the operator's
 *    bootstrap list is never filtered.
 *  - beacon_merge(): bootstrap entries first in their order, then the new
 *    discovered entries in theirs, no duplicates.
 *  - beacon_pick_hash(), beacon_pick(): rendezvous hashing on
 *    FNV-1a-32(public key || address), with the RTT override.
 *  - beacon_cache_encode(), beacon_cache_decode(): beacons.json, the
 *    decoder treating its input as hostile.
 */
#ifndef _OVL_BEACONS_H
#define _OVL_BEACONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BEACON_MAX		64	/* entries in any list, merged too */
#define BEACON_ADDR_MAX		255	/* bytes of one address, no NUL */
#define BEACON_KEY_LEN		32	/* an Ed25519 public key */
#define BEACON_ERR_LEN		256
#define BEACON_CACHE_FILE	"beacons.json"
/* beacons.json: 64 entries of 255 bytes, escaped, fit with room. */
#define BEACON_CACHE_MAX	65536
#define BEACON_RTT_NONE		(-1)	/* not measured (no answer) */

/**
 * struct beacon_list - an ordered list of beacon addresses
 * @n: number of entries, 0..BEACON_MAX
 * @addr: the entries as listed ("198.51.100.9:3478", "[2001:db8::1]:3478",
 *	"beacon.example.net:3478"), each beacon_addr_valid()
 */
struct beacon_list {
	unsigned int n;
	char addr[BEACON_MAX][BEACON_ADDR_MAX + 1];
};

/*
 * An entry may be 1..BEACON_ADDR_MAX bytes of printable ASCII other than
 * blanks and commas (a comma separates entries); nothing else is looked
 * at: a hostname or a port-less entry is valid here.
 */
bool beacon_addr_valid(const char *addr);

/*
 * Parse @s, entries separated by commas, each trimmed of blanks; empty
 * entries are skipped and repeated ones kept (beacon_merge() drops them).
 * An invalid entry or more than BEACON_MAX of them fails.  Returns 0, or
 * -1 with @err (@errlen bytes) set; @out is then partly filled.
 */
int beacon_list_parse(const char *s, struct beacon_list *out, char *err,
		      size_t errlen);

/* Append @addr (beacon_addr_valid()) to @l.  Returns 0, or -1 if full. */
int beacon_list_add(struct beacon_list *l, const char *addr);

/* Index of @addr in @l, or -1. */
int beacon_list_find(const struct beacon_list *l, const char *addr);

/*
 * Why @addr's host is an address no node on the internet can reach:
 * "private" (10/8, 172.16/12, 192.168/16, fc00::/7), "loopback" (127/8,
 * ::1), "link-local" (169.254/16, fe80::/10), "unspecified" (0.0.0.0,
 * ::), or NULL when it is a public IP literal or not an IP literal at all
 * (a hostname).  The host is "HOST" in "HOST:PORT", "[HOST]:PORT" or a
 * bare "HOST" (a bare IPv6 address included); an IPv6 zone ("%eth0") is
 * ignored; IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as its IPv4
 * address; IPv4 in the forms inet_aton() accepts ("10.1", "0x0a000001",
 * "012.0.0.1"), which a resolver would turn into an address, is judged
 * as that address.
 */
const char *beacon_addr_unreachable(const char *addr);

/* Drop the beacon_addr_unreachable() entries of @l.  Returns how many. */
unsigned int beacon_filter(struct beacon_list *l);

/*
 * @out = @bootstrap's entries in order, then @discovered's entries that
 * are not already in @out, in order; an entry repeated within either list
 * is kept once.  Entries that do not fit in BEACON_MAX are dropped
 * (discovered ones first, since bootstrap ones come first).  @out must not
 * be either input.  Returns the number dropped for lack of room.
 */
unsigned int beacon_merge(const struct beacon_list *bootstrap,
			  const struct beacon_list *discovered,
			  struct beacon_list *out);

/* FNV-1a-32 over the @key's BEACON_KEY_LEN bytes, then @addr's bytes. */
uint32_t beacon_score(const uint8_t *key, const char *addr);

/*
 * Rendezvous hashing: the index of the entry of @l with the highest
 * beacon_score() for @key, the earliest one on a tie; -1 if @l is empty.
 */
int beacon_pick_hash(const struct beacon_list *l, const uint8_t *key);

/**
 * enum beacon_why - why beacon_pick() picked what it did
 * @BEACON_PICK_HASH: the hash pick (no RTTs, or it is within 2x of the
 *	fastest)
 * @BEACON_PICK_SLOW: the fastest, the hash pick being more than 2x slower
 * @BEACON_PICK_UNMEASURED: the fastest, the hash pick having no RTT
 */
enum beacon_why {
	BEACON_PICK_HASH,
	BEACON_PICK_SLOW,
	BEACON_PICK_UNMEASURED,
};

/*
 * The hash pick, with the RTT override: @rtt_us (NULL: none measured)
 * holds one RTT per entry of @l in microseconds, BEACON_RTT_NONE where
 * the probe got no answer.  Unmeasured entries are left out; if none is
 * measured, the hash pick; if the hash pick is unmeasured, the fastest;
 * if the hash pick's RTT is more than twice the fastest's, the fastest;
 * else the hash pick.  The fastest is the earliest on a tie.  Returns an
 * index (and *@why if @why), or -1 if @l is empty.
 */
int beacon_pick(const struct beacon_list *l, const uint8_t *key,
		const int64_t *rtt_us, enum beacon_why *why);

/*
 * beacons.json: {"list": [ADDR, ...], "saved_at": UNIXSECONDS}, compact,
 * with a final newline, in a new malloc()ed string (NULL when out of
 * memory).
 */
char *beacon_cache_encode(const struct beacon_list *l, int64_t saved_at);

/*
 * Decode beacons.json from the @len bytes at @buf, which may be anything:
 * refused (-1, @err set, @out and *@saved_at unspecified) unless it is at
 * most BEACON_CACHE_MAX bytes of one JSON object with "list", an array of
 * at most BEACON_MAX distinct beacon_addr_valid() strings, and
 * "saved_at", an integer >= 0; other members are ignored.  Returns 0.
 */
int beacon_cache_decode(const char *buf, size_t len, struct beacon_list *out,
			int64_t *saved_at, char *err, size_t errlen);

/*
 * The cache's path, "DIR/beacons.json" for @identity "DIR/KEYFILE" (or
 * "beacons.json" for a bare "KEYFILE"), into @buf of @size bytes.
 * Returns 0, or -1 if it does not fit.
 */
int beacon_cache_path(const char *identity, char *buf, size_t size);

/*
 * The file side (beacons_io.c, the only part that does I/O).
 *
 * beacon_cache_save(): write beacon_cache_encode() of @l to @path
 * atomically: a 0600 temporary file in the same directory, written and
 * fsync()ed, renamed over @path, the directory fsync()ed.  Readers see the
 * old file or the new one, never a part.  Returns 0, or -1 with @err.
 *
 * beacon_cache_load(): read and beacon_cache_decode() @path, which must be
 * a regular file (a symlink is not followed) of at most BEACON_CACHE_MAX
 * bytes.  Returns 0; 1 if there is no such file (no cache yet, @out
 * empty); -1 with @err.
 */
int beacon_cache_save(const char *path, const struct beacon_list *l,
		      int64_t saved_at, char *err, size_t errlen);
int beacon_cache_load(const char *path, struct beacon_list *out,
		      int64_t *saved_at, char *err, size_t errlen);

#endif /* _OVL_BEACONS_H */
