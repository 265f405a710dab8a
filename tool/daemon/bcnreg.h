/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node's side of beacon protocol v2 (docs/beacon-auth.md): register
 * with the beacon (HELLO, COOKIE, REGISTER, REGISTER_OK), agree the two
 * keys the kernel then refreshes and relays under, and ask for punches.
 *
 * Pure: the caller passes the time, sends what it is given (through the
 * device's socket, to the beacon) and feeds in what the beacon answers;
 * only the ephemeral X25519 key is drawn here (libsodium).  The messages
 * are built and parsed by ../beacon/auth.c, which the beacon shares.  The daemon
 * holds one struct bcnreg for the kernel's beacon and restarts it when
 * that beacon changes.
 *
 * A beacon that does not answer HELLO is asked again, at most once a
 * minute: until the keys are installed the kernel neither refreshes nor
 * relays through it.
 */
#ifndef _OVL_DAEMON_BCNREG_H
#define _OVL_DAEMON_BCNREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/ovl.h>

#define BCN_NS_PER_SEC		1000000000ULL
/* Retries: 1 s, doubling, at most a minute apart. */
#define BCN_RETRY_FIRST_NS	(1 * BCN_NS_PER_SEC)
#define BCN_RETRY_MAX_NS	(60 * BCN_NS_PER_SEC)
/* REGISTERs sent on one cookie before asking for a fresh one. */
#define BCN_REGISTER_TRIES	3
/* A REREGISTER (unauthenticated) restarts a registration at most this often. */
#define BCN_REREGISTER_NS	(5 * BCN_NS_PER_SEC)

#define BCN_REGISTER_MIN_LEN	119	/* + certificate */
#define BCN_REGISTER_OK_MAX_LEN	64
#define BCN_MSG_MAX_LEN		(BCN_REGISTER_MIN_LEN + 732)

enum bcnreg_state {
	BCNREG_IDLE,		/* no beacon */
	BCNREG_HELLO,		/* asking for a cookie */
	BCNREG_REGISTER,	/* registering on a cookie */
	BCNREG_DONE,		/* keys agreed */
};

/* What bcnreg_input() made of a frame. */
enum bcnreg_result {
	BCNREG_R_IGNORED,	/* not for this state, stale or malformed */
	BCNREG_R_SEND,		/* send @out (a REGISTER) now */
	BCNREG_R_KEYS,		/* registered: install bcnreg.keys */
	BCNREG_R_RESTART,	/* the beacon lost us: registering again */
};

struct bcnreg {
	/* Set by bcnreg_init(): the node's identity and certificate. */
	uint32_t node_id;
	const uint8_t *sk;		/* Ed25519, 64 bytes */
	const uint8_t *cert;
	size_t cert_len;

	enum bcnreg_state state;
	uint64_t next_ns;		/* when bcnreg_tick() sends next */
	uint64_t retry_ns;		/* the current retry interval */
	unsigned int tries;		/* REGISTERs on this cookie */
	uint64_t rereg_ns;		/* the last REREGISTER obeyed */
	uint8_t cookie[OVL_COOKIE_LEN];
	uint8_t eph_sk[32];
	uint8_t eph_pk[32];

	/* BCNREG_DONE: k_up || k_down, what the beacon saw us as. */
	uint8_t keys[OVL_BEACON_KEYS_LEN];
	struct sockaddr_storage public_ep;
	uint64_t punch_seq;		/* the last PUNCH_REQUEST's */
	unsigned long registrations;	/* counters for the status file */
	unsigned long rereg_requests;
};

void bcnreg_init(struct bcnreg *r, uint32_t node_id, const uint8_t *sk,
		 const uint8_t *cert, size_t cert_len);
/* Start (again) with a new beacon: a HELLO is due at once. */
void bcnreg_start(struct bcnreg *r, uint64_t now);
/* No beacon: forget everything (keys wiped). */
void bcnreg_stop(struct bcnreg *r);

/*
 * If a HELLO or REGISTER is due at @now, build it in @out and return its
 * length (0: nothing to send).  Schedules the retry.
 */
size_t bcnreg_tick(struct bcnreg *r, uint64_t now, uint8_t *out,
		   size_t size);
/* When bcnreg_tick() has something to send next (UINT64_MAX: never). */
uint64_t bcnreg_next(const struct bcnreg *r);

/* Is @type one of the frames bcnreg_input() takes from the beacon? */
bool bcnreg_frame_type(uint8_t type);

/*
 * A COOKIE, REGISTER_OK or REREGISTER from the beacon's address.  For
 * BCNREG_R_SEND the REGISTER is in @out, *@out_len bytes.
 */
enum bcnreg_result bcnreg_input(struct bcnreg *r, const uint8_t *frame,
				size_t len, uint64_t now, uint8_t *out,
				size_t size, size_t *out_len);

/*
 * A PUNCH_REQUEST for @target in @out (OVL_PUNCH_REQUEST_LEN bytes);
 * 0 if not registered.
 */
size_t bcnreg_punch_request(struct bcnreg *r, uint32_t target, uint8_t *out,
			    size_t size);

/*
 * Punch pacing (docs/beacon-auth.md, Hole punching): a peer found relayed
 * is punched for at once, then after 10 s, 20 s, ... at most every 5 min
 * while it stays relayed (behind a symmetric NAT it always will: the
 * punches cost the beacon little and never flip the peer); a peer that
 * left relay starts over.  At most BCN_PUNCH_PER_CALL peers are due per
 * call (one every DAEMON_PUNCH_SCAN_NS, 5 s): the beacon serves a node a
 * burst of 8 punch requests, then 4 a second, over all its peers; the
 * others stay due for the next call.
 */
#define BCN_PUNCH_FIRST_NS	(10 * BCN_NS_PER_SEC)
#define BCN_PUNCH_MAX_NS	(300 * BCN_NS_PER_SEC)
#define BCN_PUNCH_PER_CALL	8

struct bcn_punch {
	uint32_t node_id;
	uint64_t next_ns;
	uint64_t interval_ns;
};

struct bcn_punches {
	struct bcn_punch *v;		/* sorted by node id */
	size_t n;
};

/*
 * @relayed: the @n peers relayed now (any order; sorted in place).  Puts
 * the ids to punch for at @now in @due (room for @n), at most
 * BCN_PUNCH_PER_CALL, and returns how many; forgets peers not relayed
 * any more.  -1 if out of memory.
 */
long bcn_punches_due(struct bcn_punches *ps, uint32_t *relayed, size_t n,
		     uint64_t now, uint32_t *due);
void bcn_punches_free(struct bcn_punches *ps);

#endif /* _OVL_DAEMON_BCNREG_H */
