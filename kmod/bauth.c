// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon protocol v2 messages and rules; see bauth.h.
 */

#include "bauth.h"

#define OVL_BAUTH_PUNCH_COST	(NSEC_PER_SEC / OVL_BAUTH_PUNCH_RATE)
#define OVL_BAUTH_PUNCH_MAX	(OVL_BAUTH_PUNCH_COST * OVL_BAUTH_PUNCH_BURST)

/**
 * ovl_bauth_keys_load - load the registration keys
 * @k: filled in
 * @raw: %OVL_BEACON_KEYS_LEN bytes: k_up, then k_down
 */
void ovl_bauth_keys_load(struct ovl_bauth_keys *k, const u8 *raw)
{
	k->up.key[0] = get_unaligned_le64(raw);
	k->up.key[1] = get_unaligned_le64(raw + 8);
	k->down.key[0] = get_unaligned_le64(raw + 16);
	k->down.key[1] = get_unaligned_le64(raw + 24);
}

/* SIPHASH(@key, @msg[0..@len)). */
u64 ovl_bauth_mac(const siphash_key_t *key, const u8 *msg, unsigned int len)
{
	return siphash(msg, len, key);
}

/**
 * ovl_bauth_put_refresh - write the authenticated DISCOVER
 * @msg: at least %OVL_REFRESH_LEN bytes
 * @k: the keys
 * @node_id: our node id
 * @seq: the refresh's sequence number
 *
 * [01][node id 4][seq 8][mac 8], the MAC under k_up.  Returns
 * %OVL_REFRESH_LEN.
 */
unsigned int ovl_bauth_put_refresh(u8 *msg, const struct ovl_bauth_keys *k,
				   u32 node_id, u64 seq)
{
	__be32 id = cpu_to_be32(node_id);
	__be64 s = cpu_to_be64(seq);

	msg[0] = OVL_MSG_DISCOVER;
	memcpy(msg + 1, &id, sizeof(id));
	memcpy(msg + 5, &s, sizeof(s));
	put_unaligned_le64(ovl_bauth_mac(&k->up, msg, 13), msg + 13);
	return OVL_REFRESH_LEN;
}

/* Does @msg of @len bytes end with the MAC of what precedes it? */
static bool ovl_bauth_mac_ok(const siphash_key_t *key, const u8 *msg,
			     unsigned int len)
{
	unsigned int body = len - OVL_BEACON_MAC_LEN;

	return ovl_bauth_mac_eq(msg + body, ovl_bauth_mac(key, msg, body));
}

/**
 * ovl_bauth_parse_reply - check a DISCOVER_REPLY to a refresh
 * @msg: the message, from its type byte on
 * @len: its length
 * @k: the keys
 * @seq: the refresh it answers, on success
 * @addr: our address as the beacon saw it, on success
 *
 * [02][seq 8][ADDR][mac 8], 24 or 36 bytes, the MAC under k_down, the
 * address one datagrams may go to.  The sequence number is the caller's
 * to check (ovl_bauth_reply_seq_ok()).  Returns 0, or -EINVAL for any
 * other form, -EBADMSG for a MAC that does not verify.
 */
int ovl_bauth_parse_reply(const u8 *msg, unsigned int len,
			  const struct ovl_bauth_keys *k, u64 *seq,
			  struct ovl_wire_addr *addr)
{
	__be64 s;

	if ((len != OVL_BAUTH_REPLY4_LEN && len != OVL_BAUTH_REPLY6_LEN) ||
	    msg[0] != OVL_MSG_DISCOVER_REPLY)
		return -EINVAL;
	if (!ovl_bauth_mac_ok(&k->down, msg, len))
		return -EBADMSG;
	if (ovl_wire_get_addr(msg + 9, len - 9 - OVL_BEACON_MAC_LEN, addr))
		return -EINVAL;
	memcpy(&s, msg + 1, sizeof(s));
	*seq = be64_to_cpu(s);
	return 0;
}

/**
 * ovl_bauth_parse_punch - check a PUNCH_COMMAND
 * @msg: the message, from its type byte on
 * @len: its length
 * @k: the keys
 * @p: what it says, on success
 *
 * [04][peer id 4][seq 8][ADDR][mac 8], 28 or 40 bytes, the MAC under
 * k_down.  The address is only parsed: ovl_bauth_punch_target_bad()
 * judges it, the caller the sequence number.  Returns 0, or -EINVAL for
 * any other form, -EBADMSG for a MAC that does not verify.
 */
int ovl_bauth_parse_punch(const u8 *msg, unsigned int len,
			  const struct ovl_bauth_keys *k,
			  struct ovl_bauth_punch *p)
{
	__be32 id;
	__be64 s;

	if ((len != OVL_BAUTH_PUNCH4_LEN && len != OVL_BAUTH_PUNCH6_LEN) ||
	    msg[0] != OVL_MSG_PUNCH_COMMAND)
		return -EINVAL;
	if (!ovl_bauth_mac_ok(&k->down, msg, len))
		return -EBADMSG;
	if (ovl_wire_get_field(msg + 13, len - 13 - OVL_BEACON_MAC_LEN,
			       &p->addr))
		return -EINVAL;
	memcpy(&id, msg + 1, sizeof(id));
	memcpy(&s, msg + 5, sizeof(s));
	p->peer_id = be32_to_cpu(id);
	p->seq = be64_to_cpu(s);
	return 0;
}

/**
 * ovl_bauth_relay_tag - the tag of a RELAY or RELAY_DELIVER
 * @key: k_up for a RELAY we send, k_down for a RELAY_DELIVER we receive
 * @type: %OVL_MSG_RELAY or %OVL_MSG_RELAY_DELIVER
 * @id: the destination (RELAY) or source (RELAY_DELIVER) node id
 * @inner: the start of the inner message
 * @inner_len: its length; only the first %OVL_BAUTH_TAG_INNER bytes count
 *
 * SIPHASH(key, [type][id 4] || inner[0..min(16, len))).
 */
u64 ovl_bauth_relay_tag(const siphash_key_t *key, u8 type, __be32 id,
			const u8 *inner, unsigned int inner_len)
{
	u8 buf[5 + OVL_BAUTH_TAG_INNER];
	unsigned int n = min_t(unsigned int, inner_len, OVL_BAUTH_TAG_INNER);

	buf[0] = type;
	memcpy(buf + 1, &id, sizeof(id));
	memcpy(buf + 5, inner, n);
	return ovl_bauth_mac(key, buf, 5 + n);
}

/**
 * ovl_bauth_reply_seq_ok - may a DISCOVER_REPLY for refresh @seq count?
 * @seq: the refresh it answers
 * @last_accepted: the refresh the last accepted reply answered, 0 if none
 * @last_sent: the last refresh sent, 0 if none
 *
 * Only a reply to a refresh we sent, newer than the last one accepted:
 * an old reply replayed changes nothing.
 */
bool ovl_bauth_reply_seq_ok(u64 seq, u64 last_accepted, u64 last_sent)
{
	return seq > last_accepted && seq <= last_sent;
}

/**
 * ovl_bauth_punch_target_bad - may no punch go to @a?
 * @a: the address a PUNCH_COMMAND names
 *
 * Refused: port 0; unspecified, loopback, link-local, multicast and
 * broadcast (IPv4: 0/8, 127/8, 169.254/16, 224/4, 240/4; IPv6: ::, ::1,
 * fe80::/10, ff00::/8) and IPv4-mapped IPv6 addresses (the IPv6 socket
 * is IPv6-only, and they would hide an IPv4 address from these rules).
 * The host's own addresses are the caller's to refuse.
 */
bool ovl_bauth_punch_target_bad(const struct ovl_wire_addr *a)
{
	static const u8 zero[16];
	static const u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	const u8 *ip = a->ip;

	if (!a->port)
		return true;
	if (a->family == AF_INET)
		return ip[0] == 0 || ip[0] == 127 ||
		       (ip[0] == 169 && ip[1] == 254) ||
		       (ip[0] & 0xf0) == 0xe0 || (ip[0] & 0xf0) == 0xf0;
	if (a->family != AF_INET6)
		return true;
	if (!memcmp(ip, zero, 15) && (ip[15] == 0 || ip[15] == 1))
		return true;				/* ::, ::1 */
	return ip[0] == 0xff ||				/* multicast */
	       (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) ||	/* fe80::/10 */
	       !memcmp(ip, mapped, sizeof(mapped));
}

/* A full bucket. */
void ovl_bauth_bucket_init(struct ovl_bauth_bucket *b)
{
	b->credit = OVL_BAUTH_PUNCH_MAX;
	b->last = 0;
}

/**
 * ovl_bauth_bucket_take - may a punch go out at @now_ns?
 * @b: the device's bucket
 * @now_ns: a monotonic clock, ns
 *
 * %OVL_BAUTH_PUNCH_RATE a second, bursts of %OVL_BAUTH_PUNCH_BURST.  A
 * clock that goes backwards refills nothing.
 */
bool ovl_bauth_bucket_take(struct ovl_bauth_bucket *b, u64 now_ns)
{
	u64 room = OVL_BAUTH_PUNCH_MAX - b->credit;

	if (b->last && now_ns > b->last)
		b->credit += min_t(u64, room, now_ns - b->last);
	if (!b->last || now_ns > b->last)
		b->last = now_ns;
	if (b->credit < OVL_BAUTH_PUNCH_COST)
		return false;
	b->credit -= OVL_BAUTH_PUNCH_COST;
	return true;
}
