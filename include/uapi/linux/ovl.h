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

#define OVL_FAMILY_NAME		"ovl"
#define OVL_FAMILY_VERSION	1

/**
 * enum ovl_a_dev - attributes of an ovl device
 * @OVL_A_DEV_IFINDEX: interface index (u32); selects the device
 * @OVL_A_DEV_IFNAME: interface name (string); selects the device when no
 *	ifindex is given
 * @OVL_A_DEV_NODE_ID: this host's 32-bit overlay node id; 0 in a reply
 *	means "not set", requests take 1 to 2^32 - 1
 * @OVL_A_DEV_LISTEN_PORT: UDP port the device's socket is bound to (u16);
 *	0 closes the socket
 */
enum ovl_a_dev {
	OVL_A_DEV_IFINDEX = 1,
	OVL_A_DEV_IFNAME,
	OVL_A_DEV_NODE_ID,
	OVL_A_DEV_LISTEN_PORT,

	__OVL_A_DEV_MAX,
	OVL_A_DEV_MAX = (__OVL_A_DEV_MAX - 1)
};

/**
 * enum ovl_cmd - generic netlink commands of the "ovl" family
 * @OVL_CMD_DEV_GET: read one device (do, by ifindex or ifname) or every
 *	ovl device of the caller's network namespace (dump)
 * @OVL_CMD_DEV_SET: change a device's node id and/or listen port; needs
 *	CAP_NET_ADMIN; either every change is applied or none is
 */
enum ovl_cmd {
	OVL_CMD_DEV_GET = 1,
	OVL_CMD_DEV_SET,

	__OVL_CMD_MAX,
	OVL_CMD_MAX = (__OVL_CMD_MAX - 1)
};

/*
 * Wire format.  Every overlay datagram starts with a one-byte message
 * type; multi-byte fields are big-endian.  OVL_OVERHEAD is the worst-case
 * encapsulation cost (IPv6 outer header, UDP, relay wrapping, data header
 * and authentication tag) that the device's default MTU leaves room for.
 */
#define OVL_UDP_HDR_LEN		8
#define OVL_IPV6_HDR_LEN	40
#define OVL_RELAY_HDR_LEN	5	/* type, node id */
#define OVL_DATA_HDR_LEN	16	/* type, key id, reserved, node id, counter */
#define OVL_AUTHTAG_LEN		16	/* Poly1305 */
#define OVL_OVERHEAD		(OVL_IPV6_HDR_LEN + OVL_UDP_HDR_LEN + \
				 OVL_RELAY_HDR_LEN + OVL_DATA_HDR_LEN + \
				 OVL_AUTHTAG_LEN)

#endif /* _UAPI_LINUX_OVL_H */
