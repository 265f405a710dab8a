/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Beacon protocol v2, the kernel's messages (docs/beacon-auth.md): the
 * authenticated refresh (DISCOVER), its DISCOVER_REPLY, PUNCH_COMMAND, and
 * the tags of RELAY and RELAY_DELIVER, all SipHash-2-4 MACs under the two
 * registration keys the daemon agreed with the beacon; the sequence number
 * rules; which punch targets are refused; the punch rate limit.
 *
 * Pure logic, unit-tested in userspace (tests/test_bauth.c, which checks
 * the MACs against libsodium's crypto_shorthash_siphash24).  relay.c keeps
 * the keys and the counters and carries out what these decide.
 *
 * Keys and MACs: a 16-byte key k is loaded as siphash_key_t.key[i] =
 * get_unaligned_le64(k + 8 * i), and a MAC is written with
 * put_unaligned_le64(): this is libsodium's crypto_shorthash_siphash24.
 * A MAC is compared as one u64, in constant time.
 *
 * Locking: none inside; the functions only read the keys they are given,
 * and the caller serializes calls on one &struct ovl_bauth_bucket.
 */
#ifndef _OVL_BAUTH_H
#define _OVL_BAUTH_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/siphash.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <linux/types.h>
#ifdef OVL_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#else
#include "tests/kshim.h"
#endif

#ifdef __KERNEL__
#include <linux/ovl.h>
#else
#include "../include/uapi/linux/ovl.h"
#endif

#include "wire.h"

/* [02][seq 8][ADDR][mac 8] */
#define OVL_BAUTH_REPLY4_LEN	(1 + 8 + 7 + OVL_BEACON_MAC_LEN)	/* 24 */
#define OVL_BAUTH_REPLY6_LEN	(1 + 8 + 19 + OVL_BEACON_MAC_LEN)	/* 36 */
/* [04][peer id 4][seq 8][ADDR][mac 8] */
#define OVL_BAUTH_PUNCH4_LEN	(1 + 4 + 8 + 7 + OVL_BEACON_MAC_LEN)	/* 28 */
#define OVL_BAUTH_PUNCH6_LEN	(1 + 4 + 8 + 19 + OVL_BEACON_MAC_LEN)	/* 40 */
/* The longest v2 message the kernel parses. */
#define OVL_BAUTH_MSG_MAX	OVL_BAUTH_PUNCH6_LEN
/* How much of the inner message a relay tag covers. */
#define OVL_BAUTH_TAG_INNER	16

/* Punches: 10 a second per device, a burst of 10. */
#define OVL_BAUTH_PUNCH_RATE	10
#define OVL_BAUTH_PUNCH_BURST	10

/**
 * struct ovl_bauth_keys - the registration keys
 * @up: node -> beacon (refresh MACs, RELAY tags)
 * @down: beacon -> node (DISCOVER_REPLY and PUNCH_COMMAND MACs,
 *	RELAY_DELIVER tags)
 */
struct ovl_bauth_keys {
	siphash_key_t up;
	siphash_key_t down;
};

/**
 * struct ovl_bauth_punch - a PUNCH_COMMAND that authenticated
 * @peer_id: the node the beacon asks us to meet
 * @seq: the beacon's sequence number
 * @addr: where to punch (not yet filtered: ovl_bauth_punch_target_bad())
 */
struct ovl_bauth_punch {
	u32 peer_id;
	u64 seq;
	struct ovl_wire_addr addr;
};

/**
 * struct ovl_bauth_bucket - a token bucket, in nanoseconds of credit
 * @credit: nanoseconds' worth of tokens; one punch costs
 *	NSEC_PER_SEC / %OVL_BAUTH_PUNCH_RATE
 * @last: the time of the last refill, ns; 0 before the first
 */
struct ovl_bauth_bucket {
	u64 credit;
	u64 last;
};

void ovl_bauth_keys_load(struct ovl_bauth_keys *k, const u8 *raw);
u64 ovl_bauth_mac(const siphash_key_t *key, const u8 *msg, unsigned int len);
unsigned int ovl_bauth_put_refresh(u8 *msg, const struct ovl_bauth_keys *k,
				   u32 node_id, u64 seq);
int ovl_bauth_parse_reply(const u8 *msg, unsigned int len,
			  const struct ovl_bauth_keys *k, u64 *seq,
			  struct ovl_wire_addr *addr);
int ovl_bauth_parse_punch(const u8 *msg, unsigned int len,
			  const struct ovl_bauth_keys *k,
			  struct ovl_bauth_punch *p);
u64 ovl_bauth_relay_tag(const siphash_key_t *key, u8 type, __be32 id,
			const u8 *inner, unsigned int inner_len);
bool ovl_bauth_reply_seq_ok(u64 seq, u64 last_accepted, u64 last_sent);
bool ovl_bauth_punch_target_bad(const struct ovl_wire_addr *a);
void ovl_bauth_bucket_init(struct ovl_bauth_bucket *b);
bool ovl_bauth_bucket_take(struct ovl_bauth_bucket *b, u64 now_ns);

/* Is the little-endian MAC at @mac the one computed, @want? */
static inline bool ovl_bauth_mac_eq(const u8 *mac, u64 want)
{
	return !(get_unaligned_le64(mac) ^ want);
}

#endif /* _OVL_BAUTH_H */
