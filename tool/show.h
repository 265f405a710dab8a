/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and printing devices (dev.c) and peers (peer.c): what "dev
 * show" and "peer show" print, "show" prints together, and "monitor"
 * reuses.
 */
#ifndef _OVLCTL_SHOW_H
#define _OVLCTL_SHOW_H

#include <linux/ovl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct json_object;
struct nlmsghdr;
struct ovl_nl;

/**
 * struct dev_info - an ovl device as the kernel reports it
 * @ifname: interface name
 * @ifindex: interface index
 * @node_id: overlay node id; 0 if unset
 * @peers: number of peers; 0 if the kernel did not say
 * @drops: drop counters, indexed by &enum ovl_a_drops; 0 if not reported
 * @listen_port: UDP listen port; 0 if closed
 * @beacon: the beacon; family 0 if none
 * @public_ep: our address as the beacon sees it; family 0 if unknown
 * @cfg: the path thresholds, indexed by attribute (OVL_A_DEV_BLACKHOLE_MS
 *	... OVL_A_DEV_PROBE_INTERVAL_MS); 0 if not reported
 * @relay_peers: peers relayed now
 * @beacon_auth: beacon registration keys are set (protocol v2)
 * @has_relay: the kernel reported the relay fields above
 */
struct dev_info {
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t node_id;
	uint32_t peers;
	uint64_t drops[OVL_A_DROPS_MAX + 1];
	uint16_t listen_port;
	struct sockaddr_storage beacon;
	struct sockaddr_storage public_ep;
	uint32_t cfg[OVL_A_DEV_MAX + 1];
	uint32_t relay_peers;
	bool beacon_auth;
	bool has_relay;
};

/*
 * Read an OVL_CMD_DEV_GET reply into @dev.  Returns 0, or -1 with errno
 * EBADMSG if it is malformed.
 */
int dev_info_parse(const struct nlmsghdr *nlh, struct dev_info *dev);

/* Print @dev as text: its name, then one indented line per field. */
void dev_print(const struct dev_info *dev);

/*
 * Start an OVL_CMD_DEV_GET request: for device @ifname, or a dump of every
 * ovl device of the namespace when @ifname is NULL.
 */
struct nlmsghdr *dev_get_request(struct ovl_nl *nl, const char *ifname);

/* @dev as a JSON object, or NULL with errno ENOMEM. */
struct json_object *dev_json(const struct dev_info *dev);

/*
 * Dump the peers of the device @ifname and print each as it arrives: as
 * text, blocks separated by an empty line (and preceded by one if @gap);
 * as JSON, an array of objects, printed one object at a time without a
 * newline after the "]".  @what is the context of an error line.  Returns
 * 0, or -1 having printed the error.
 */
int peer_list(struct ovl_nl *nl, const char *ifname, bool json, bool gap,
	      const char *what);

#endif /* _OVLCTL_SHOW_H */
