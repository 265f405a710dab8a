/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Session timers of the control daemon: when to start a handshake with a
 * peer, which way to send it, how long the kernel may use its keys, and
 * which key id they get.  WireGuard's timers (whitepaper section 6) are
 * the model, with the daemon's rekey-after-seconds for REKEY_AFTER_TIME.
 *
 * Pure: no I/O, no clock; times are monotonic nanoseconds passed in.
 * Unit-tested in tests/test_session.c.
 *
 * The rules:
 *  - A peer "wants" a session from the daemon's start (or its addition),
 *    when the kernel raises key-needed for it, and when its session is
 *    due for a rekey.  It stops wanting one when a handshake completes.
 *  - A session we initiated is rekeyed after rekey-after seconds; one we
 *    answered SESSION_RESPONDER_SLACK later, so that the initiator, who
 *    normally rekeys first, is not met by a crossing initiation.
 *  - An unanswered initiation is sent again after SESSION_RETRY (5 s,
 *    WireGuard's REKEY_TIMEOUT) plus up to 1/3 s of jitter, for
 *    SESSION_ATTEMPTS tries, then every SESSION_RETRY_SLOW.
 *  - The kernel's keys live SESSION lifetime: rekey-after plus half of it
 *    (at least 30 s) beyond, WireGuard's REJECT_AFTER_TIME of 180 s for
 *    its 120 s; the kernel stops using them past it, so that a dead daemon
 *    cannot leave a session working forever.
 */
#ifndef _OVL_DAEMON_SESSION_H
#define _OVL_DAEMON_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#define SESSION_NS_PER_SEC	1000000000ULL
#define SESSION_RETRY		(5 * SESSION_NS_PER_SEC)
#define SESSION_JITTER		(SESSION_NS_PER_SEC / 3)
#define SESSION_ATTEMPTS	18	/* 90 s of retries at SESSION_RETRY */
#define SESSION_RETRY_SLOW	(30 * SESSION_NS_PER_SEC)
#define SESSION_RESPONDER_SLACK	(10 * SESSION_NS_PER_SEC)

/**
 * struct session - one peer's handshake timing
 * @established: a handshake completed in this run of the daemon
 * @initiator: we initiated the latest completed one
 * @established_ns: when it completed
 * @want: the peer needs a (new) session
 * @pending: an initiation is out, unanswered
 * @sent_ns: when the latest initiation went out
 * @attempts: initiations sent since the peer started wanting a session
 * @jitter_ns: added to the retry time of the current initiation
 */
struct session {
	bool established;
	bool initiator;
	uint64_t established_ns;
	bool want;
	bool pending;
	uint64_t sent_ns;
	unsigned int attempts;
	uint64_t jitter_ns;
};

/* Which way an initiation goes. */
enum session_route {
	SESSION_ROUTE_NONE,	/* nowhere to send it: wait for the peer */
	SESSION_ROUTE_DIRECT,	/* to the peer's endpoint */
	SESSION_ROUTE_RELAY,	/* relay-wrapped through the beacon */
};

/* The peer needs a session now (start, key-needed, config change). */
void session_want(struct session *s);

/*
 * Whether to send an initiation at @now: the peer wants a session, or
 * its session is due for a rekey after @rekey_ns, and no initiation of
 * the last retry interval is unanswered.
 */
bool session_init_due(struct session *s, uint64_t now, uint64_t rekey_ns);

/* An initiation was sent at @now; @jitter_ns is random in 0..JITTER. */
void session_sent(struct session *s, uint64_t now, uint64_t jitter_ns);

/* A handshake completed at @now; @initiator: it was ours. */
void session_done(struct session *s, uint64_t now, bool initiator);

/*
 * Where the next initiation goes.  @have_endpoint: the peer's endpoint
 * is known (configured or learnt); @have_beacon: the device has one;
 * @relayed: the kernel sends the peer's traffic through the beacon now;
 * @relay_only: either certificate says relay-only.  With an endpoint and
 * a beacon, every other retry goes through the beacon, so that a dead
 * direct path does not stop the handshake.
 */
enum session_route session_route(const struct session *s, bool have_endpoint,
				 bool have_beacon, bool relayed,
				 bool relay_only);

/* The lifetime in seconds of the keys of a session rekeyed @rekey_after. */
uint32_t session_lifetime(uint32_t rekey_after);

/*
 * The key id the responder gives a new session: the (@r mod the number
 * of free ids)-th id, from 0, of those that differ from the ids in the
 * peer's key slots (@id0, @id1; -1 for an empty slot).  @r random: each
 * free id alike.  The RESP carries it to the initiator (handshake.h).
 */
uint8_t session_key_id(uint32_t r, int id0, int id1);

#endif /* _OVL_DAEMON_SESSION_H */
