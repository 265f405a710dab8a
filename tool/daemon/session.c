// SPDX-License-Identifier: GPL-2.0
/*
 * Session timers of the control daemon (session.h).
 */

#include "session.h"

void session_want(struct session *s)
{
	if (!s->want) {
		s->want = true;
		s->attempts = 0;
	}
}

static uint64_t retry_after(const struct session *s)
{
	if (s->attempts >= SESSION_ATTEMPTS)
		return SESSION_RETRY_SLOW;
	return SESSION_RETRY + s->jitter_ns;
}

bool session_init_due(struct session *s, uint64_t now, uint64_t rekey_ns)
{
	uint64_t age, due;

	if (!s->want && s->established) {
		age = now - s->established_ns;
		due = rekey_ns + (s->initiator ? 0 : SESSION_RESPONDER_SLACK);
		if (age >= due)
			session_want(s);
	}
	if (!s->want)
		return false;
	if (s->pending && now - s->sent_ns < retry_after(s))
		return false;
	return true;
}

void session_sent(struct session *s, uint64_t now, uint64_t jitter_ns)
{
	s->pending = true;
	s->sent_ns = now;
	s->jitter_ns = jitter_ns % (SESSION_JITTER + 1);
	if (s->attempts < SESSION_ATTEMPTS)
		s->attempts++;
}

void session_done(struct session *s, uint64_t now, bool initiator)
{
	s->established = true;
	s->initiator = initiator;
	s->established_ns = now;
	s->want = false;
	s->attempts = 0;
	/*
	 * A session we answered also settles our own initiation: the lower
	 * node id's handshake wins (handshake.h), and either way the peer
	 * holds a session with us now.
	 */
	s->pending = false;
}

enum session_route session_route(const struct session *s, bool have_endpoint,
				 bool have_beacon, bool relayed,
				 bool relay_only)
{
	if (!have_beacon)
		return have_endpoint && !relay_only ? SESSION_ROUTE_DIRECT :
						      SESSION_ROUTE_NONE;
	if (relay_only || relayed || !have_endpoint)
		return SESSION_ROUTE_RELAY;
	/* attempts counts the ones already sent: the 2nd, 4th... relay. */
	return s->attempts % 2 ? SESSION_ROUTE_RELAY : SESSION_ROUTE_DIRECT;
}

uint32_t session_lifetime(uint32_t rekey_after)
{
	uint32_t extra = rekey_after / 2;

	return rekey_after + (extra < 30 ? 30 : extra);
}

uint8_t session_key_id(uint32_t r, int id0, int id1)
{
	unsigned int n = 256, i;

	if (id0 >= 0 && id0 < 256)
		n--;
	if (id1 >= 0 && id1 < 256 && id1 != id0)
		n--;
	r %= n;
	for (i = 0;; i++) {
		if ((int)i == id0 || (int)i == id1)
			continue;
		if (!r--)
			return i;
	}
}
