/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * ovl: encrypted overlay network device - user API.
 *
 * Two halves live here and are shared by the kernel module and the tools:
 *
 *  - the generic netlink family "ovl" (commands, attributes, multicast
 *    groups).  docs/netlink/ovl.yaml describes the same family in the
 *    kernel's genetlink YAML schema; scripts/spec-check.py keeps the two
 *    in step and runs as part of "make check".
 *
 *  - the on-wire constants of the overlay's UDP messages (docs/protocol.md).
 */
#ifndef _UAPI_LINUX_OVL_H
#define _UAPI_LINUX_OVL_H

#include <linux/types.h>

#define OVL_FAMILY_NAME		"ovl"
#define OVL_FAMILY_VERSION	1

#define OVL_MCGRP_EVENTS	"events"

/* Most allowed-ips one peer may have: a peer always fits in one message. */
#define OVL_PEER_MAX_ALLOWED_IPS	512

/**
 * enum ovl_key_slot - where a session key sits
 * @OVL_KEY_SLOT_PRIMARY: encrypts and decrypts
 * @OVL_KEY_SLOT_SECONDARY: only decrypts, until swapped in
 */
enum ovl_key_slot {
	OVL_KEY_SLOT_PRIMARY,
	OVL_KEY_SLOT_SECONDARY,
};

/**
 * enum ovl_path - how a peer's packets travel
 * @OVL_PATH_DIRECT: straight to the peer's endpoint
 * @OVL_PATH_RELAY: wrapped and sent through the device's beacon
 */
enum ovl_path {
	OVL_PATH_DIRECT,
	OVL_PATH_RELAY,
};

/**
 * enum ovl_key_reason - why the kernel asks for a new handshake
 * @OVL_KEY_REASON_NO_KEY: traffic is waiting for a peer with no primary key
 * @OVL_KEY_REASON_LIMIT: the primary key is near its message limit
 * @OVL_KEY_REASON_EXHAUSTED: the primary key reached its limit and no
 *	longer encrypts
 */
enum ovl_key_reason {
	OVL_KEY_REASON_NO_KEY = 1,
	OVL_KEY_REASON_LIMIT,
	OVL_KEY_REASON_EXHAUSTED,
};

/**
 * enum ovl_a_dev - attributes of an ovl device (top-level attributes of
 * every command)
 * @OVL_A_DEV_IFINDEX: interface index (u32); selects the device
 * @OVL_A_DEV_IFNAME: interface name (string); selects the device when no
 *	ifindex is given
 * @OVL_A_DEV_NODE_ID: this host's 32-bit overlay node id; 0 in a reply
 *	means "not set", requests take 1 to 2^32 - 1
 * @OVL_A_DEV_LISTEN_PORT: UDP port the device's socket is bound to (u16);
 *	0 closes the socket
 * @OVL_A_DEV_PAD: alignment padding for 64-bit attributes
 * @OVL_A_DEV_PEERS: number of peers (u32, replies only)
 * @OVL_A_DEV_DROPS: per-reason drop counters (nest, &enum ovl_a_drops)
 * @OVL_A_DEV_PEER: one peer (nest, &enum ovl_a_peer)
 * @OVL_A_DEV_KEY: one session key (nest, &enum ovl_a_key)
 */
enum ovl_a_dev {
	OVL_A_DEV_IFINDEX = 1,
	OVL_A_DEV_IFNAME,
	OVL_A_DEV_NODE_ID,
	OVL_A_DEV_LISTEN_PORT,
	OVL_A_DEV_PAD,
	OVL_A_DEV_PEERS,
	OVL_A_DEV_DROPS,
	OVL_A_DEV_PEER,
	OVL_A_DEV_KEY,

	__OVL_A_DEV_MAX,
	OVL_A_DEV_MAX = (__OVL_A_DEV_MAX - 1)
};

/**
 * enum ovl_a_drops - packets dropped by a device, per reason (u64 each)
 * @OVL_A_DROPS_SHORT: datagram shorter than its message type needs
 * @OVL_A_DROPS_UNKNOWN_TYPE: unknown message type
 * @OVL_A_DROPS_UNKNOWN_PEER: data from a node id that is not a peer
 * @OVL_A_DROPS_NO_KEY: data under a key id the peer has no key for
 * @OVL_A_DROPS_BAD_TAG: authentication failed
 * @OVL_A_DROPS_REPLAY: counter already seen, too old, or past the limit
 * @OVL_A_DROPS_BAD_SOURCE: inner source address outside the sender's
 *	allowed-ips
 * @OVL_A_DROPS_BAD_INNER: decrypted payload is not an IP packet
 * @OVL_A_DROPS_TX_NO_PEER: outgoing packet matches no peer's allowed-ips
 * @OVL_A_DROPS_TX_NO_KEY: outgoing packet for a peer with no usable key
 * @OVL_A_DROPS_TX_NO_ENDPOINT: outgoing packet for a peer with no endpoint
 * @OVL_A_DROPS_TX_ERROR: encryption or UDP transmit failed
 * @OVL_A_DROPS_PAD: alignment padding
 */
enum ovl_a_drops {
	OVL_A_DROPS_SHORT = 1,
	OVL_A_DROPS_UNKNOWN_TYPE,
	OVL_A_DROPS_UNKNOWN_PEER,
	OVL_A_DROPS_NO_KEY,
	OVL_A_DROPS_BAD_TAG,
	OVL_A_DROPS_REPLAY,
	OVL_A_DROPS_BAD_SOURCE,
	OVL_A_DROPS_BAD_INNER,
	OVL_A_DROPS_TX_NO_PEER,
	OVL_A_DROPS_TX_NO_KEY,
	OVL_A_DROPS_TX_NO_ENDPOINT,
	OVL_A_DROPS_TX_ERROR,
	OVL_A_DROPS_PAD,

	__OVL_A_DROPS_MAX,
	OVL_A_DROPS_MAX = (__OVL_A_DROPS_MAX - 1)
};

/**
 * enum ovl_a_peer - attributes of a peer
 * @OVL_A_PEER_NODE_ID: the peer's node id (u32, 1 to 2^32 - 1); selects it
 * @OVL_A_PEER_REMOTE_IPV4: endpoint IPv4 address (u32, network order)
 * @OVL_A_PEER_REMOTE_IPV6: endpoint IPv6 address (16 bytes)
 * @OVL_A_PEER_REMOTE_PORT: endpoint UDP port (u16, network order)
 * @OVL_A_PEER_ALLOWED_IP: one inner prefix routed to this peer (nest,
 *	&enum ovl_a_aip, repeated); in a request the list replaces the
 *	peer's prefixes
 * @OVL_A_PEER_KEEPALIVE: keepalive interval in seconds (u32, 0 = off)
 * @OVL_A_PEER_PATH: &enum ovl_path (u32, replies only)
 * @OVL_A_PEER_PINNED: flag, relay is pinned (replies only)
 * @OVL_A_PEER_RX_PACKETS: packets received (u64)
 * @OVL_A_PEER_RX_BYTES: bytes received (u64)
 * @OVL_A_PEER_TX_PACKETS: packets sent (u64)
 * @OVL_A_PEER_TX_BYTES: bytes sent (u64)
 * @OVL_A_PEER_RELAY_RX_PACKETS: packets received through the beacon (u64)
 * @OVL_A_PEER_RELAY_TX_PACKETS: packets sent through the beacon (u64)
 * @OVL_A_PEER_FLIPS: direct/relay changes (u64)
 * @OVL_A_PEER_LAST_DIRECT_RX_MS: milliseconds since the last direct
 *	receipt (u64); absent if there was none
 * @OVL_A_PEER_KEY: a session key's public state (nest, &enum ovl_a_key,
 *	repeated, replies only; never key material)
 * @OVL_A_PEER_PAD: alignment padding
 */
enum ovl_a_peer {
	OVL_A_PEER_NODE_ID = 1,
	OVL_A_PEER_REMOTE_IPV4,
	OVL_A_PEER_REMOTE_IPV6,
	OVL_A_PEER_REMOTE_PORT,
	OVL_A_PEER_ALLOWED_IP,
	OVL_A_PEER_KEEPALIVE,
	OVL_A_PEER_PATH,
	OVL_A_PEER_PINNED,
	OVL_A_PEER_RX_PACKETS,
	OVL_A_PEER_RX_BYTES,
	OVL_A_PEER_TX_PACKETS,
	OVL_A_PEER_TX_BYTES,
	OVL_A_PEER_RELAY_RX_PACKETS,
	OVL_A_PEER_RELAY_TX_PACKETS,
	OVL_A_PEER_FLIPS,
	OVL_A_PEER_LAST_DIRECT_RX_MS,
	OVL_A_PEER_KEY,
	OVL_A_PEER_PAD,

	__OVL_A_PEER_MAX,
	OVL_A_PEER_MAX = (__OVL_A_PEER_MAX - 1)
};

/**
 * enum ovl_a_aip - an allowed-ips prefix
 * @OVL_A_AIP_FAMILY: AF_INET or AF_INET6 (u16)
 * @OVL_A_AIP_ADDR: the address, 4 or 16 bytes, network order
 * @OVL_A_AIP_CIDR: prefix length (u8)
 */
enum ovl_a_aip {
	OVL_A_AIP_FAMILY = 1,
	OVL_A_AIP_ADDR,
	OVL_A_AIP_CIDR,

	__OVL_A_AIP_MAX,
	OVL_A_AIP_MAX = (__OVL_A_AIP_MAX - 1)
};

/**
 * enum ovl_a_key - a session key of a peer
 * @OVL_A_KEY_NODE_ID: the peer's node id (u32)
 * @OVL_A_KEY_SLOT: &enum ovl_key_slot (u32)
 * @OVL_A_KEY_ID: key id carried in every DATA message (u8)
 * @OVL_A_KEY_TX_KEY: 32-byte ChaCha20-Poly1305 key for sending (requests
 *	only)
 * @OVL_A_KEY_RX_KEY: 32-byte ChaCha20-Poly1305 key for receiving
 *	(requests only)
 * @OVL_A_KEY_TX_COUNTER: messages sent under this key (u64, replies only)
 * @OVL_A_KEY_REASON: &enum ovl_key_reason (u32, in key-needed events)
 * @OVL_A_KEY_PAD: alignment padding
 */
enum ovl_a_key {
	OVL_A_KEY_NODE_ID = 1,
	OVL_A_KEY_SLOT,
	OVL_A_KEY_ID,
	OVL_A_KEY_TX_KEY,
	OVL_A_KEY_RX_KEY,
	OVL_A_KEY_TX_COUNTER,
	OVL_A_KEY_REASON,
	OVL_A_KEY_PAD,

	__OVL_A_KEY_MAX,
	OVL_A_KEY_MAX = (__OVL_A_KEY_MAX - 1)
};

/**
 * enum ovl_cmd - generic netlink commands of the "ovl" family
 * @OVL_CMD_DEV_GET: read one device (do, by ifindex or ifname) or every
 *	ovl device of the caller's network namespace (dump)
 * @OVL_CMD_DEV_SET: change a device's node id and/or listen port
 * @OVL_CMD_PEER_NEW: add a peer (fails if its node id exists)
 * @OVL_CMD_PEER_SET: change a peer (fails if it does not exist)
 * @OVL_CMD_PEER_DEL: delete a peer and its keys
 * @OVL_CMD_PEER_GET: read one peer (do) or every peer of a device (dump)
 * @OVL_CMD_KEY_NEW: install a key in a peer's primary or secondary slot
 * @OVL_CMD_KEY_SWAP: swap a peer's primary and secondary keys
 * @OVL_CMD_KEY_DEL: delete a peer's key in one slot, or both
 * @OVL_CMD_KEY_NEEDED_NTF: event: a peer needs a (new) handshake
 *
 * Every command that changes state needs CAP_NET_ADMIN and either applies
 * all its changes or none.
 */
enum ovl_cmd {
	OVL_CMD_DEV_GET = 1,
	OVL_CMD_DEV_SET,
	OVL_CMD_PEER_NEW,
	OVL_CMD_PEER_SET,
	OVL_CMD_PEER_DEL,
	OVL_CMD_PEER_GET,
	OVL_CMD_KEY_NEW,
	OVL_CMD_KEY_SWAP,
	OVL_CMD_KEY_DEL,
	OVL_CMD_KEY_NEEDED_NTF,

	__OVL_CMD_MAX,
	OVL_CMD_MAX = (__OVL_CMD_MAX - 1)
};

/*
 * Wire format (docs/protocol.md).  Every overlay datagram starts with a
 * one-byte message type; multi-byte fields are big-endian.
 */
enum ovl_msg_type {
	/* node <-> beacon */
	OVL_MSG_DISCOVER = 1,
	OVL_MSG_DISCOVER_REPLY,
	OVL_MSG_PUNCH_REQUEST,
	OVL_MSG_PUNCH_COMMAND,
	OVL_MSG_RELAY,
	OVL_MSG_RELAY_DELIVER,
	/* node <-> node */
	OVL_MSG_HANDSHAKE_INIT = 0x10,
	OVL_MSG_HANDSHAKE_RESP,
	OVL_MSG_DATA,
};

/**
 * struct ovl_data_hdr - header of a DATA message
 * @type: %OVL_MSG_DATA
 * @key_id: id of the sender's key that encrypted the payload
 * @reserved: zero
 * @sender: the sender's node id
 * @counter: per-key message counter, the AEAD nonce
 *
 * The header is the AEAD's associated data; the encrypted inner IP packet
 * and its %OVL_AUTHTAG_LEN-byte tag follow.  An empty payload is a
 * keepalive.
 */
struct ovl_data_hdr {
	__u8	type;
	__u8	key_id;
	__be16	reserved;
	__be32	sender;
	__be64	counter;
};

/*
 * OVL_OVERHEAD is the worst-case encapsulation cost (IPv6 outer header,
 * UDP, relay wrapping, data header and authentication tag) that the
 * device's default MTU leaves room for.
 */
#define OVL_UDP_HDR_LEN		8
#define OVL_IPV6_HDR_LEN	40
#define OVL_RELAY_HDR_LEN	5	/* type, node id */
#define OVL_DATA_HDR_LEN	16	/* sizeof(struct ovl_data_hdr) */
#define OVL_AUTHTAG_LEN		16	/* Poly1305 */
#define OVL_KEY_LEN		32	/* ChaCha20-Poly1305 */
#define OVL_OVERHEAD		(OVL_IPV6_HDR_LEN + OVL_UDP_HDR_LEN + \
				 OVL_RELAY_HDR_LEN + OVL_DATA_HDR_LEN + \
				 OVL_AUTHTAG_LEN)

#endif /* _UAPI_LINUX_OVL_H */
