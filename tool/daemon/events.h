/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control daemon's events, for "ovlctl monitor": handshakes completed
 * and answered, handshake frames refused.  The kernel's own events (keys,
 * paths) go out on the family's multicast group; these are the daemon's,
 * which the kernel never sees, so they go out on a unix socket,
 * RUNDIR/DEV.events (SOCK_SEQPACKET, mode 0660; RUNDIR as status.h).
 * Each event is one message: a JSON object with "event" and "ifname"
 * first, as the kernel events are printed by "ovlctl -j monitor".
 *
 * Delivery never blocks the daemon: a listener whose socket buffer is
 * full misses the event (counted in @lost), one that went away is
 * dropped.  At most EVENTS_MAX_CLIENTS listeners at once; more are
 * refused (closed at once).
 */
#ifndef _OVL_DAEMON_EVENTS_H
#define _OVL_DAEMON_EVENTS_H

#include <stdint.h>

#define EVENTS_MAX_CLIENTS	16
/* The largest event, and the most "ovlctl monitor" reads of one. */
#define EVENTS_MAX_LEN		1024

struct json_object;

/**
 * struct events - the daemon's event socket
 * @fd: the listening socket, or -1
 * @clients: connected listeners, -1 where free
 * @lost: events a listener missed because it was not reading
 * @path: RUNDIR/DEV.events
 */
struct events {
	int fd;
	int clients[EVENTS_MAX_CLIENTS];
	unsigned long lost;
	char path[108];
};

/*
 * Listen on RUNDIR/@ifname.events, replacing a socket a killed daemon
 * left behind.  Returns 0, or -1 with errno (@e then stays closed, and
 * events_emit() does nothing).
 */
int events_open(struct events *e, const char *ifname);

/* Accept the listeners waiting on @e->fd (readable). */
void events_accept(struct events *e);

/* Send @ev to every listener; takes no reference of @ev. */
void events_emit(struct events *e, struct json_object *ev);

/* Close every socket and remove RUNDIR/DEV.events. */
void events_close(struct events *e);

#endif /* _OVL_DAEMON_EVENTS_H */
