/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control daemon's status file, RUNDIR/DEV.json (RUNDIR is /run/ovl,
 * or $OVL_RUNDIR): its pid, config, node id and handshake counters,
 * refusals by reason included, for "ovlctl show" and for operators.
 * Written whole to a temporary file and renamed over the old one, so a
 * reader never sees half of it; removed when the daemon stops.
 */
#ifndef _OVL_DAEMON_STATUS_H
#define _OVL_DAEMON_STATUS_H

#include <stdint.h>

#include "handshake.h"

struct json_object;

#define STATUS_RUNDIR		"/run/ovl"

struct status {
	const char *ifname;
	const char *config;
	uint32_t node_id;
	uint64_t cert_expires;		/* our certificate's, Unix seconds */
	unsigned long initiated;	/* INITs sent */
	unsigned long completed;	/* handshakes completed as initiator */
	unsigned long answered;		/* INITs answered with a session */
	unsigned long cookies;		/* cookie replies sent under load */
	unsigned long frames_lost;	/* overruns of the listener socket */
	unsigned long key_id_clashes;	/* RESPs whose key id we held */
	unsigned long refused[HS_R_COUNT];
	struct json_object *beacons;	/* discovery's, or NULL (disc_io.h) */
	struct json_object *beacon_reg;	/* the v2 registration, or NULL */
};

/* The directory of status files: $OVL_RUNDIR or STATUS_RUNDIR. */
const char *status_rundir(void);

/* Write @st to RUNDIR/IFNAME.json.  Returns 0, or -1 with errno. */
int status_write(const struct status *st);

/*
 * The status of the daemon of @ifname, if RUNDIR/IFNAME.json is there and
 * names a running process; NULL otherwise.  json_object_put() it.
 */
struct json_object *status_read(const char *ifname);

/* Remove RUNDIR/IFNAME.json. */
void status_remove(const char *ifname);

#endif /* _OVL_DAEMON_STATUS_H */
