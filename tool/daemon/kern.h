/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control daemon's view of the kernel: its ovl device over the "ovl"
 * generic netlink family (nl.h) and over rtnetlink (the link itself, its
 * addresses and routes).
 *
 * Two "ovl" sockets: @req for requests, each waiting for its ACK, and
 * @ev, the device's control listener (it receives the control frames the
 * kernel unicasts to it) subscribed to the family's events.  They are
 * kept apart so that a frame or an event never arrives in the middle of
 * a request's replies.
 *
 * Every function reports a failure on standard error itself and returns
 * -1; the daemon only decides whether it can go on.
 */
#ifndef _OVL_DAEMON_KERN_H
#define _OVL_DAEMON_KERN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../parse.h"

struct ovl_nl;
struct mnl_socket;
struct dev_info;

struct kern {
	struct ovl_nl *req;
	struct ovl_nl *ev;
	struct mnl_socket *rt;
	unsigned int rt_seq;
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	bool created;		/* the daemon created the link */
};

/* A peer as the kernel holds it, for the daemon's decisions. */
struct kern_peer {
	uint32_t node_id;
	struct sockaddr_storage endpoint;	/* family 0: none */
	uint32_t path;				/* enum ovl_path */
	bool pinned;				/* to relay */
	int64_t direct_rx_ms;			/* since the last direct
						   receipt; -1: never */
	int key_id[2];				/* by slot; -1: empty */
};

/*
 * Open the sockets for device @ifname, creating the link if it does not
 * exist ("ip link add IFNAME type ovl").
 */
int kern_open(struct kern *k, const char *ifname);
void kern_close(struct kern *k);

/* Device settings; @beacon NULL or family 0 leaves the beacon alone. */
int kern_dev_set(struct kern *k, uint32_t node_id, uint16_t listen_port,
		 const struct sockaddr_storage *beacon);
/*
 * The keys agreed with the beacon (docs/beacon-auth.md): k_up || k_down,
 * OVL_BEACON_KEYS_LEN bytes.  Setting the beacon clears them.
 */
int kern_beacon_keys(struct kern *k, const uint8_t *keys);
/* The device as "dev show" sees it, into *@dev. */
int kern_dev_get(struct kern *k, struct dev_info *dev);
/*
 * The device's public endpoint, the address its beacon reflected
 * (OVL_A_DEV_PUBLIC_ENDPOINT), into *@pub; family 0 when it has none.
 */
int kern_dev_public(struct kern *k, struct sockaddr_storage *pub);
/* Add @c (an address of ours, e.g. 10.77.0.1/32) to the device. */
int kern_addr_add(struct kern *k, const struct cidr *c);
/* Route @c through the device (add) or remove that route. */
int kern_route(struct kern *k, const struct cidr *c, bool add);
int kern_link_up(struct kern *k);

/*
 * PEER_NEW (@create) or PEER_SET of @node_id.  @ep NULL or family 0: no
 * endpoint change; @aips replace the peer's list when @n_aips or
 * @set_aips; @relay >= 0 sets enum ovl_relay_mode; @cert_expiry != 0
 * records the peer's certificate expiry for ovlctl show.
 */
int kern_peer_set(struct kern *k, bool create, uint32_t node_id,
		  const struct sockaddr_storage *ep, const struct cidr *aips,
		  unsigned int n_aips, int relay, uint64_t cert_expiry);
int kern_peer_del(struct kern *k, uint32_t node_id);
/* Every peer of the device into a malloc'ed array (free() it). */
int kern_peer_dump(struct kern *k, struct kern_peer **peers, size_t *n);
/* One peer; -1 with errno ENOENT if there is none. */
int kern_peer_get(struct kern *k, uint32_t node_id, struct kern_peer *p);

/*
 * Install a session key for @node_id in @slot (enum ovl_key_slot), with
 * a lifetime the kernel enforces (0: none) and, in the secondary slot,
 * @promote: the kernel swaps it in when the peer first sends under it.
 */
int kern_key_new(struct kern *k, uint32_t node_id, uint32_t slot,
		 uint8_t id, const uint8_t *tx, const uint8_t *rx,
		 uint32_t lifetime, bool promote);
int kern_key_swap(struct kern *k, uint32_t node_id);

/* Make @ev the device's control listener. */
int kern_ctrl_register(struct kern *k);
/* Send a control frame to @to, or relay-wrapped to @node_id if @to NULL. */
int kern_ctrl_send(struct kern *k, const uint8_t *frame, size_t len,
		   const struct sockaddr_storage *to, uint32_t node_id);

/* What came in on @ev. */
enum kern_event_type {
	KERN_EV_NONE,
	KERN_EV_FRAME,		/* a control frame */
	KERN_EV_KEY_NEEDED,	/* a peer needs a handshake */
	KERN_EV_OTHER,		/* anything else: ignored */
};

struct kern_event {
	enum kern_event_type type;
	uint32_t ifindex;
	/* KERN_EV_FRAME */
	const uint8_t *frame;
	size_t len;
	struct sockaddr_storage from;	/* family 0: relayed from node_id */
	uint32_t node_id;		/* also KERN_EV_KEY_NEEDED's peer */
	uint32_t reason;		/* KERN_EV_KEY_NEEDED */
};

typedef void (*kern_event_fn)(void *arg, const struct kern_event *ev);

/* The fd to poll for @ev. */
int kern_ev_fd(const struct kern *k);
/*
 * Read one datagram from @ev and hand each event to @fn.  Returns 0, or
 * -1 with errno (ENOBUFS: the socket overran and frames were lost; it
 * stays usable; EAGAIN: nothing to read).
 */
int kern_ev_read(struct kern *k, kern_event_fn fn, void *arg);

#endif /* _OVL_DAEMON_KERN_H */
