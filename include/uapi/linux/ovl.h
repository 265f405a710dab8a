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

/*
 * Most allowed-ips one peer may have.  A dump splits a peer whose
 * allowed-ips do not fit in one message; readers merge the parts.
 */
#define OVL_PEER_MAX_ALLOWED_IPS	512

/* Longest control frame (handshake message) the kernel passes either way. */
#define OVL_CTRL_FRAME_MAX		1280

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
 * enum ovl_relay_mode - whether a peer may use the beacon
 * @OVL_RELAY_MODE_OFF: never: packets always go straight to the peer
 * @OVL_RELAY_MODE_ON: when the direct path is dead (the default); the kernel
 *	flips to relay and back on its own
 * @OVL_RELAY_MODE_PINNED: always through the beacon, until the mode is changed
 */
enum ovl_relay_mode {
	OVL_RELAY_MODE_OFF,
	OVL_RELAY_MODE_ON,
	OVL_RELAY_MODE_PINNED,
};

/**
 * enum ovl_path_reason - why a peer's path changed (path events)
 * @OVL_PATH_REASON_BLACKHOLE: nothing came straight from the peer for too
 *	long, over several sends
 * @OVL_PATH_REASON_UNREACHABLE: consecutive ICMP unreachable errors
 * @OVL_PATH_REASON_RELAY_RX: the peer reached us through the beacon while
 *	its direct path was silent (relay activation)
 * @OVL_PATH_REASON_PROBED: enough consecutive direct probes were answered:
 *	the direct path works both ways again
 * @OVL_PATH_REASON_CONFIG: the peer's relay mode was changed, or the
 *	device's beacon (or its keys) was removed while the peer was relayed
 *	(not pinned)
 * @OVL_PATH_REASON_RELAY_CAP: no change: the peer could not enter relay
 *	because the device's relay cap is reached; its packet was dropped
 */
enum ovl_path_reason {
	OVL_PATH_REASON_BLACKHOLE = 1,
	OVL_PATH_REASON_UNREACHABLE,
	OVL_PATH_REASON_RELAY_RX,
	OVL_PATH_REASON_PROBED,
	OVL_PATH_REASON_CONFIG,
	OVL_PATH_REASON_RELAY_CAP,
};

/**
 * enum ovl_key_reason - why the kernel asks for a new handshake
 * @OVL_KEY_REASON_NO_KEY: traffic is waiting for a peer with no primary key
 * @OVL_KEY_REASON_LIMIT: the primary key is near its message limit
 * @OVL_KEY_REASON_EXHAUSTED: the primary key reached its limit and no
 *	longer encrypts
 * @OVL_KEY_REASON_EXPIRED: traffic is waiting for a peer whose primary key
 *	is past its lifetime and no longer encrypts
 * @OVL_KEY_REASON_AGE: the primary key has less than an eighth of its
 *	lifetime (at most 15 s) left and traffic flows; raised once per key
 */
enum ovl_key_reason {
	OVL_KEY_REASON_NO_KEY = 1,
	OVL_KEY_REASON_LIMIT,
	OVL_KEY_REASON_EXHAUSTED,
	OVL_KEY_REASON_EXPIRED,
	OVL_KEY_REASON_AGE,
};

/**
 * enum ovl_key_event - what happened to a key (key events)
 * @OVL_KEY_EVENT_INSTALLED: a key with a lifetime (a handshake's) was
 *	installed in the slot
 * @OVL_KEY_EVENT_PROMOTED: a secondary key installed with
 *	%OVL_A_KEY_PROMOTE authenticated its first message and became the
 *	primary key; the old primary key is now the secondary one
 * @OVL_KEY_EVENT_SWAPPED: the primary and secondary keys were swapped
 *	(%OVL_CMD_KEY_SWAP); the event names the new primary key
 * @OVL_KEY_EVENT_EXPIRED: the data path found the key past its lifetime
 *	(once per key)
 */
enum ovl_key_event {
	OVL_KEY_EVENT_INSTALLED = 1,
	OVL_KEY_EVENT_PROMOTED,
	OVL_KEY_EVENT_SWAPPED,
	OVL_KEY_EVENT_EXPIRED,
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
 * @OVL_A_DEV_BEACON: the beacon this device registers with and relays
 *	through (nest, &enum ovl_a_ep); an empty nest removes it.  Until
 *	%OVL_A_DEV_BEACON_KEYS are set it is only where the registration
 *	frames go: nothing from it is believed and nothing is relayed
 * @OVL_A_DEV_PUBLIC_ENDPOINT: this device's address as the beacon sees it
 *	(nest, &enum ovl_a_ep, replies only)
 * @OVL_A_DEV_BLACKHOLE_MS: a peer silent for longer than this (u32, ms)...
 * @OVL_A_DEV_BLACKHOLE_MISSES: ...over this many consecutive sends (u32)
 *	flips to relay
 * @OVL_A_DEV_DIRECT_CLEARS: answered direct probes in a row that bring a
 *	relayed peer back to direct (u32)
 * @OVL_A_DEV_SEND_ERRORS: consecutive ICMP unreachable errors that flip a
 *	peer to relay (u32)
 * @OVL_A_DEV_MAX_RELAY_PEERS: most peers relayed at once (u32)
 * @OVL_A_DEV_PROBE_INTERVAL_MS: how often a relayed peer's direct path is
 *	probed (u32, ms)
 * @OVL_A_DEV_RELAY_PEERS: peers relayed now (u32, replies only)
 * @OVL_A_DEV_CTRL: a control frame and where it comes from or goes to
 *	(nest, &enum ovl_a_ctrl); in replies, the control listener
 * @OVL_A_DEV_BEACON_KEYS: the registration keys agreed with the beacon
 *	(binary, %OVL_BEACON_KEYS_LEN: node -> beacon key, then beacon -> node
 *	key; docs/beacon-auth.md); write-only; setting the beacon clears
 *	them; only while they are set does the device refresh its
 *	registration, believe the beacon and relay through it
 * @OVL_A_DEV_BEACON_AUTH: flag, registration keys are set (replies only)
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
	OVL_A_DEV_BEACON,
	OVL_A_DEV_PUBLIC_ENDPOINT,
	OVL_A_DEV_BLACKHOLE_MS,
	OVL_A_DEV_BLACKHOLE_MISSES,
	OVL_A_DEV_DIRECT_CLEARS,
	OVL_A_DEV_SEND_ERRORS,
	OVL_A_DEV_MAX_RELAY_PEERS,
	OVL_A_DEV_PROBE_INTERVAL_MS,
	OVL_A_DEV_RELAY_PEERS,
	OVL_A_DEV_CTRL,
	OVL_A_DEV_BEACON_KEYS,
	OVL_A_DEV_BEACON_AUTH,

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
 * @OVL_A_DROPS_NOT_BEACON: beacon message from an address that is not the
 *	device's beacon
 * @OVL_A_DROPS_RELAY_MISMATCH: relayed message whose inner sender is not
 *	the source node id the beacon vouched for
 * @OVL_A_DROPS_RELAY_CAP: relayed message for, or flip to relay of, a peer
 *	past the device's relay cap
 * @OVL_A_DROPS_TX_NO_BEACON: outgoing packet for a relayed peer while the
 *	device has no beacon with registration keys
 * @OVL_A_DROPS_CTRL_NO_LISTENER: control frame while no control listener
 *	is registered
 * @OVL_A_DROPS_CTRL_OVERFLOW: control frame the listener had no room for
 *	(its socket's receive buffer was full) or no memory to pass up
 * @OVL_A_DROPS_CTRL_TOO_LONG: control frame longer than
 *	%OVL_CTRL_FRAME_MAX
 * @OVL_A_DROPS_RX_QUEUE_FULL: sealed message dropped because the receive
 *	queue it goes to (shared by several peers) is full
 * @OVL_A_DROPS_RX_PEER_BUDGET: sealed message dropped, before decryption,
 *	because its peer has its receive budget of bytes queued, which its
 *	recent authentication failures shrink
 * @OVL_A_DROPS_TX_QUEUE_FULL: outgoing packet dropped because the peer's
 *	transmit queue is full, or probe held back because it would overtake
 *	too many queued packets
 * @OVL_A_DROPS_CRYPT_QUEUE_FULL: packet (either way) dropped because the
 *	queue of the CPU that was to encrypt or decrypt it is full
 * @OVL_A_DROPS_DEV_DOWN: received packet dropped because the device is
 *	down, or still queued when the device was deleted
 * @OVL_A_DROPS_RX_KEY_EXPIRED: sealed message under a key past its lifetime
 * @OVL_A_DROPS_TX_KEY_EXPIRED: outgoing packet for a peer whose primary key
 *	is past its lifetime
 * @OVL_A_DROPS_CTRL_RATE_LIMITED: control frame dropped before the
 *	listener because its source (IPv4 address, IPv6 /64, or relayed
 *	source node id) sent more than its rate
 * @OVL_A_DROPS_BEACON_AUTH: DISCOVER_REPLY, PUNCH_COMMAND or RELAY_DELIVER
 *	from the beacon failing its registration MAC, sequence number or
 *	form, or arriving while no registration keys are set
 * @OVL_A_DROPS_PUNCH_TARGET: punch command naming a loopback, link-local,
 *	multicast, broadcast, unspecified or local address
 * @OVL_A_DROPS_PUNCH_RATE: punch command past the device's punch rate
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
	OVL_A_DROPS_NOT_BEACON,
	OVL_A_DROPS_RELAY_MISMATCH,
	OVL_A_DROPS_RELAY_CAP,
	OVL_A_DROPS_TX_NO_BEACON,
	OVL_A_DROPS_CTRL_NO_LISTENER,
	OVL_A_DROPS_CTRL_OVERFLOW,
	OVL_A_DROPS_CTRL_TOO_LONG,
	OVL_A_DROPS_RX_QUEUE_FULL,
	OVL_A_DROPS_RX_PEER_BUDGET,
	OVL_A_DROPS_TX_QUEUE_FULL,
	OVL_A_DROPS_CRYPT_QUEUE_FULL,
	OVL_A_DROPS_DEV_DOWN,
	OVL_A_DROPS_RX_KEY_EXPIRED,
	OVL_A_DROPS_TX_KEY_EXPIRED,
	OVL_A_DROPS_CTRL_RATE_LIMITED,
	OVL_A_DROPS_BEACON_AUTH,
	OVL_A_DROPS_PUNCH_TARGET,
	OVL_A_DROPS_PUNCH_RATE,

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
 * @OVL_A_PEER_PATH: &enum ovl_path (u32, replies and events)
 * @OVL_A_PEER_PINNED: flag, relay is pinned (replies and events)
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
 * @OVL_A_PEER_RELAY: &enum ovl_relay_mode (u32); %OVL_RELAY_MODE_ON when a peer
 *	is added without it
 * @OVL_A_PEER_RELAY_CAP_DROPS: packets dropped because the peer could not
 *	enter relay past the device's cap (u64)
 * @OVL_A_PEER_PATH_REASON: &enum ovl_path_reason (u32, path events only)
 * @OVL_A_PEER_ICMP_ERRORS: ICMP errors received about datagrams sent from
 *	the listen port to the peer's endpoint (u64); unauthenticated, they
 *	affect the path only while the direct path is already overdue
 * @OVL_A_PEER_LAST_HANDSHAKE: when a key with a lifetime (a handshake's)
 *	was last installed for the peer, in Unix seconds (u64, replies only);
 *	absent if never
 * @OVL_A_PEER_CERT_EXPIRY: when the peer's certificate expires, in Unix
 *	seconds (u64), as the control daemon says; the kernel only keeps it.
 *	0 clears it; absent in replies when not set
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
	OVL_A_PEER_RELAY,
	OVL_A_PEER_RELAY_CAP_DROPS,
	OVL_A_PEER_PATH_REASON,
	OVL_A_PEER_ICMP_ERRORS,
	OVL_A_PEER_LAST_HANDSHAKE,
	OVL_A_PEER_CERT_EXPIRY,

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
 * enum ovl_a_ep - a UDP endpoint
 * @OVL_A_EP_IPV4: IPv4 address (u32, network order)
 * @OVL_A_EP_IPV6: IPv6 address (16 bytes)
 * @OVL_A_EP_PORT: UDP port (u16, network order)
 */
enum ovl_a_ep {
	OVL_A_EP_IPV4 = 1,
	OVL_A_EP_IPV6,
	OVL_A_EP_PORT,

	__OVL_A_EP_MAX,
	OVL_A_EP_MAX = (__OVL_A_EP_MAX - 1)
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
 * @OVL_A_KEY_LIFETIME: seconds the key may be used after it is installed
 *	(u32, 1 to 86400); absent or 0: no lifetime (manual keys).  A key past
 *	it neither encrypts nor decrypts
 * @OVL_A_KEY_PROMOTE: flag, only with the secondary slot: the kernel swaps
 *	the key into the primary slot when the first message authenticates
 *	under it (the handshake responder's rule); in replies, the secondary
 *	key waits for that
 * @OVL_A_KEY_EXPIRES_MS: milliseconds left of the key's lifetime (u64,
 *	replies only; 0 once expired, absent when it has none)
 * @OVL_A_KEY_EVENT: &enum ovl_key_event (u32, in key events)
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
	OVL_A_KEY_LIFETIME,
	OVL_A_KEY_PROMOTE,
	OVL_A_KEY_EXPIRES_MS,
	OVL_A_KEY_EVENT,

	__OVL_A_KEY_MAX,
	OVL_A_KEY_MAX = (__OVL_A_KEY_MAX - 1)
};

/**
 * enum ovl_a_ctrl - a control frame
 * @OVL_A_CTRL_FRAME: the frame, from its message type byte on (1 to
 *	%OVL_CTRL_FRAME_MAX bytes; the type is a handshake message's)
 * @OVL_A_CTRL_ENDPOINT: the UDP endpoint it came from or goes to (nest,
 *	&enum ovl_a_ep)
 * @OVL_A_CTRL_NODE_ID: the node id it came from or goes to through the
 *	beacon (u32), instead of an endpoint: relay-wrapped on the way out,
 *	vouched for by the beacon on the way in
 * @OVL_A_CTRL_PORTID: netlink port id of the device's control listener
 *	(u32, replies only; absent when there is none)
 */
enum ovl_a_ctrl {
	OVL_A_CTRL_FRAME = 1,
	OVL_A_CTRL_ENDPOINT,
	OVL_A_CTRL_NODE_ID,
	OVL_A_CTRL_PORTID,

	__OVL_A_CTRL_MAX,
	OVL_A_CTRL_MAX = (__OVL_A_CTRL_MAX - 1)
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
 * @OVL_CMD_PATH_NTF: event: a peer's path changed, or it hit the relay cap
 * @OVL_CMD_CTRL_REGISTER: make the requesting netlink socket the device's
 *	control listener, until that socket closes
 * @OVL_CMD_CTRL_SEND: send a control frame out of the device's socket, to
 *	an endpoint or relay-wrapped to a node id
 * @OVL_CMD_CTRL_FRAME_NTF: a control frame that arrived, unicast to the
 *	control listener
 * @OVL_CMD_KEY_NTF: event: a key with a lifetime was installed, or a key
 *	was promoted, swapped in or found expired (&enum ovl_key_event)
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
	OVL_CMD_PATH_NTF,
	OVL_CMD_CTRL_REGISTER,
	OVL_CMD_CTRL_SEND,
	OVL_CMD_CTRL_FRAME_NTF,
	OVL_CMD_KEY_NTF,

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
	/* node <-> beacon, registration (docs/beacon-auth.md) */
	OVL_MSG_HELLO,
	OVL_MSG_COOKIE,
	OVL_MSG_REGISTER,
	OVL_MSG_REGISTER_OK,
	OVL_MSG_REREGISTER,
	/* node <-> node */
	OVL_MSG_HANDSHAKE_INIT = 0x10,
	OVL_MSG_HANDSHAKE_RESP,
	OVL_MSG_DATA,
	OVL_MSG_PROBE,
	OVL_MSG_PUNCH,
	OVL_MSG_HANDSHAKE_COOKIE,
};

/* Kinds of OVL_MSG_PROBE, the first byte of its sealed payload. */
enum ovl_probe_kind {
	OVL_PROBE_REQUEST = 1,
	OVL_PROBE_REPLY,
};

/**
 * struct ovl_data_hdr - header of a DATA or PROBE message
 * @type: %OVL_MSG_DATA or %OVL_MSG_PROBE
 * @key_id: id of the sender's key that encrypted the payload
 * @reserved: zero
 * @sender: the sender's node id
 * @counter: per-key message counter, the AEAD nonce
 *
 * The header is the AEAD's associated data; the encrypted inner IP packet
 * and its %OVL_AUTHTAG_LEN-byte tag follow.  An empty payload is a
 * keepalive.  A PROBE carries a sealed %OVL_PROBE_LEN-byte payload instead
 * (&enum ovl_probe_kind, then a nonce that the reply echoes) under the same
 * key and counter sequence as DATA.
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
 * device's default MTU leaves room for; the relay wrapping is
 * OVL_RELAY2_HDR_LEN (type, node id, tag).
 */
#define OVL_UDP_HDR_LEN		8
#define OVL_IPV6_HDR_LEN	40
#define OVL_DATA_HDR_LEN	16	/* sizeof(struct ovl_data_hdr) */
#define OVL_AUTHTAG_LEN		16	/* Poly1305 */
#define OVL_KEY_LEN		32	/* ChaCha20-Poly1305 */
#define OVL_PROBE_LEN		16	/* kind, 7 zero bytes, nonce u64 */
#define OVL_PUNCH_LEN		5	/* type, sender node id */
/* The beacon protocol (docs/beacon-auth.md) */
#define OVL_BEACON_MAC_LEN	8	/* SipHash-2-4, little-endian */
#define OVL_BEACON_KEY_LEN	16	/* one direction's SipHash key */
#define OVL_BEACON_KEYS_LEN	32	/* node -> beacon key, beacon -> node key */
#define OVL_PROBE_MSG_LEN	32	/* DISCOVER of node id 0, at least */
#define OVL_HELLO_LEN		40
#define OVL_COOKIE_LEN		16
#define OVL_REFRESH_LEN		21	/* DISCOVER: type, node id, seq, mac */
#define OVL_PUNCH_REQUEST_LEN	21	/* type, target id, seq, mac */
#define OVL_REREGISTER_LEN	5	/* type, node id */
#define OVL_RELAY2_HDR_LEN	13	/* type, node id, tag */
#define OVL_OVERHEAD		(OVL_IPV6_HDR_LEN + OVL_UDP_HDR_LEN + \
				 OVL_RELAY2_HDR_LEN + OVL_DATA_HDR_LEN + \
				 OVL_AUTHTAG_LEN)

#endif /* _UAPI_LINUX_OVL_H */
