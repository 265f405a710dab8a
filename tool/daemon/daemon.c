// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl daemon DEV -c FILE: the control daemon of one device.
 *
 * It reads its config file (config.h), identity and certificate, sets the
 * device up (created if missing, node id from the certificate, listen
 * port, beacon, the certificate's addresses, one route per peer
 * allowed-ip, up), keeps the kernel's peers in step with the config,
 * registers as the device's control listener and runs Noise IK
 * handshakes (handshake.h) with its peers, installing each session's keys
 * into the kernel's slots with a lifetime the kernel enforces; the timers
 * are session.h's.
 *
 * One thread, one epoll loop: the control listener socket (frames and
 * events), a signalfd (SIGHUP reloads, SIGTERM and SIGINT stop) and a
 * timerfd ticking every DAEMON_TICK.  It runs in the foreground and logs
 * to standard error; systemd hears from it through sd_notify().
 *
 * The [tunnel NAME] sections of the config are served by the TCP tunnel
 * engine (../tunnel/tunnel.h), which runs threads of its own (one per
 * core, each with its own epoll; they block every signal, so SIGHUP and
 * SIGTERM still come to the signalfd): the daemon only calls its API
 * from the loop's thread.  At start each tunnel is added (a tunnel that
 * cannot bind or read its TLS files stops the start); its stats are
 * served on TUNNEL_CTL_DIR/DEV.sock for "ovlctl tunnel show DEV".  On
 * SIGHUP a tunnel that stays is reloaded (backends, weights, limits;
 * established clients kept), one that went or changed its listen address
 * or TLS files is retired (it stops accepting at once, its clients have
 * its drain-timeout; the tick reaps it) and a new one added.  SIGTERM and
 * SIGINT drain every tunnel before the daemon exits, for at most the
 * largest drain-timeout.
 *
 * On exit the device, its peers and their keys stay: traffic goes on
 * until the keys' lifetimes run out, and a restarted daemon takes the
 * kernel's peers over as they are (PEER_SET, not PEER_NEW) and handshakes
 * again, which replaces the keys without losing a packet.
 */

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/ovl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "../ovlctl.h"
#include "../parse.h"
#include "bcnreg.h"
#include "beacons.h"
#include "cert.h"
#include "config.h"
#include "disc_io.h"
#include "directory.h"
#include "events.h"
#include "handshake.h"
#include "kern.h"
#include "keyfile.h"
#include "regworker.h"
#include "../registry/client.h"
#include "session.h"
#include "status.h"
#include "../tunnel/tunnel.h"

#define DAEMON_TICK_NS		(250 * 1000 * 1000ULL)
/* How often the daemon looks for relayed peers to punch for. */
#define DAEMON_PUNCH_SCAN_NS	(5 * SESSION_NS_PER_SEC)
/* Initiations a second past which the daemon asks for cookies. */
#define DAEMON_LOAD_INITS	64
/* Log lines about refused frames a second, past which they are counted only. */
#define DAEMON_LOG_REFUSALS	10

struct dpeer {
	struct hs_peer hs;		/* first: container of the callbacks */
	const struct config_peer *cfg;
	struct session s;
	uint64_t cert_expiry;		/* of its latest verified certificate */
	bool relay_only;		/* its certificate says so */
	struct sockaddr_storage learnt;	/* endpoint of its latest INIT */
	bool answered_pending;		/* see session_install() */
};

struct daemon {
	const char *ifname;
	const char *conf_path;
	struct config cfg;
	struct identity id;
	struct cert cert;
	uint8_t cert_bin[CERT_MAX_LEN];
	size_t cert_len;
	struct hs_local hs;
	struct hs_ratelimit *rl;
	struct hs_ratelimit *cookie_rl;	/* cookie replies per source */
	struct kern k;
	struct dpeer *peers;		/* parallel to cfg.peers */
	struct sockaddr_storage beacon;	/* the kernel's, family 0: none */
	struct bcnreg breg;		/* registration with it (v2) */
	struct bcn_punches punches;	/* pacing of punch requests */
	uint64_t punch_scan_ns;		/* the next look for relayed peers */
	size_t n_peers;
	int epfd, sigfd, timerfd;
	bool stop;

	/* The certificate the verify callback accepted last. */
	uint64_t verified_expiry;
	bool verified_relay_only;

	uint64_t load_start_ns;
	unsigned int load_inits;
	uint64_t log_start_ns;
	unsigned int log_lines;
	struct status st;		/* counters, in RUNDIR/DEV.json */
	bool st_dirty;
	struct events ev;		/* for ovlctl monitor, RUNDIR/DEV.events */
	struct tunnel_engine *tun;	/* NULL until a tunnel is configured */
	struct disc_io *disc;		/* beacon discovery (disc_io.h) */

	/* The registry (regworker.h): NULL without one. */
	struct regworker *rw;
	unsigned int pub_ticks;		/* since the kernel was asked */
	uint64_t pub_none_ns;		/* since it has had none; 0: has one */
	struct directory dir;		/* merged into cfg.peers */
	char *dir_cache;		/* directory.json by the identity */
	bool dir_cache_failed;		/* logged once */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SESSION_NS_PER_SEC + ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * SESSION_NS_PER_SEC + ts.tv_nsec;
}

/*
 * "[TIME] DEV: WHATmessage" on stderr, in one write, so that the lines
 * of the tunnel engine's and the registry worker's threads never mix
 * with the loop's; the time (UTC, milliseconds) only when stderr is not
 * the journal, which stamps lines itself (systemd sets $JOURNAL_STREAM
 * then).
 */
static void log_line(const char *ifname, const char *what, const char *msg)
{
	char stamp[32] = "";
	struct timespec ts;
	struct tm tm;

	if (!getenv("JOURNAL_STREAM")) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(stamp, sizeof(stamp), "%02d:%02d:%02d.%03ld ",
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000);
	}
	fprintf(stderr, "%s%s: %s%s\n", stamp, ifname, what, msg);
}

static void dlog(const struct daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dlog(const struct daemon *d, const char *fmt, ...)
{
	/* Past any message it is given: error strings are <= 512 bytes. */
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line(d->ifname, "", msg);
}

static struct dpeer *peer_find(struct daemon *d, uint32_t node_id)
{
	size_t lo = 0, hi = d->n_peers, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->peers[mid].hs.node_id == node_id)
			return &d->peers[mid];
		if (d->peers[mid].hs.node_id < node_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct hs_peer *cb_peer_by_id(void *arg, uint32_t node_id)
{
	struct dpeer *p = peer_find(arg, node_id);

	return p ? &p->hs : NULL;
}

static struct hs_peer *cb_peer_by_index(void *arg, uint32_t index)
{
	struct daemon *d = arg;
	size_t i;

	for (i = 0; i < d->n_peers; i++)
		if (d->peers[i].hs.pending && d->peers[i].hs.local_index == index)
			return &d->peers[i].hs;
	return NULL;
}

/* Reasons of our own for a refused certificate, past enum cert_err. */
enum {
	DCERT_NODE_ID = 100,	/* names another node than the sender */
	DCERT_KEY,		/* binds another key than the handshake's */
	DCERT_COVER,		/* does not cover the peer's allowed-ips */
};

static const char *cert_reason_str(int r)
{
	switch (r) {
	case DCERT_NODE_ID:
		return "certificate for another node id";
	case DCERT_KEY:
		return "certificate for another key";
	case DCERT_COVER:
		return "certificate does not cover the peer's allowed-ips";
	default:
		return cert_strerror(r);
	}
}

/*
 * The responder picks the session's key id (handshake.h): a random one
 * that neither of its slots for the peer holds, so that the new key,
 * installed next to the primary one, never shadows it.  The initiator
 * takes it from the RESP (session_install()).
 */
static int cb_key_id(void *arg, struct hs_peer *hp)
{
	struct daemon *d = arg;
	struct kern_peer kp = { .key_id = { -1, -1 } };

	if (kern_peer_get(&d->k, hp->node_id, &kp))
		return -1;
	return session_key_id(randombytes_random(), kp.key_id[0],
			      kp.key_id[1]);
}

/* A new event of the daemon's, "event" and "ifname" first. */
static struct json_object *event_new(const struct daemon *d, const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(name));
	json_object_object_add(o, "ifname", json_object_new_string(d->ifname));
	return o;
}

static void event_add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void event_add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void event_send(struct daemon *d, struct json_object *o)
{
	events_emit(&d->ev, o);
	json_object_put(o);
}

static int cb_verify_cert(void *arg, uint32_t node_id,
			  const uint8_t remote_static[NOISE_DH_LEN],
			  const uint8_t *buf, size_t len)
{
	struct daemon *d = arg;
	const struct config_peer *cp = config_peer_find(&d->cfg, node_id);
	uint8_t x_pub[NOISE_DH_LEN];
	enum cert_err err;
	struct cert c;
	unsigned int i;

	err = cert_decode(buf, len, &c, NULL);
	if (err)
		return err;
	err = cert_verify(&c, d->cfg.ca, wall_ns() / SESSION_NS_PER_SEC);
	if (err)
		return err;
	if (c.node_id != node_id || !cp)
		return DCERT_NODE_ID;
	if (noise_x25519_from_ed25519_pk(x_pub, c.public_key) ||
	    !noise_key_equal(x_pub, remote_static))
		return DCERT_KEY;
	for (i = 0; i < cp->n_allowed; i++)
		if (!cert_covers(&c, &cp->allowed[i]))
			return DCERT_COVER;
	d->verified_expiry = c.not_after;
	d->verified_relay_only = c.flags & CERT_F_RELAY_ONLY;
	return 0;
}

/* The source of a frame as hs_rl and cookies see it. */
static size_t src_bytes(const struct kern_event *ev, uint8_t *out)
{
	const struct sockaddr_in6 *sin6 = (const void *)&ev->from;
	const struct sockaddr_in *sin = (const void *)&ev->from;

	switch (ev->from.ss_family) {
	case AF_INET:
		out[0] = 4;
		memcpy(out + 1, &sin->sin_port, 2);
		memcpy(out + 3, &sin->sin_addr, 4);
		return 7;
	case AF_INET6:
		out[0] = 6;
		memcpy(out + 1, &sin6->sin6_port, 2);
		memcpy(out + 3, &sin6->sin6_addr, 16);
		return 19;
	default:
		out[0] = 'R';
		memcpy(out + 1, &ev->node_id, 4);
		return 5;
	}
}

/* Send @frame back where @ev came from. */
static void reply(struct daemon *d, const struct kern_event *ev,
		  const uint8_t *frame, size_t len)
{
	kern_ctrl_send(&d->k, frame, len,
		       ev->from.ss_family ? &ev->from : NULL, ev->node_id);
}

static bool have_beacon(const struct daemon *d)
{
	return d->beacon.ss_family != 0;	/* bootstrap or discovered */
}

static bool relay_only(const struct daemon *d, const struct dpeer *p)
{
	return p->relay_only || p->cfg->relay_only ||
	       (d->cert.flags & CERT_F_RELAY_ONLY);
}

/* Start (or retry) a handshake with @p. */
static void initiate(struct daemon *d, struct dpeer *p, uint64_t now)
{
	uint8_t frame[HS_INIT_MAX_LEN];
	const struct sockaddr_storage *ep = NULL;
	struct kern_peer kp = { .key_id = { -1, -1 } };
	enum session_route route;
	enum hs_result r;
	size_t len;

	if (!kern_peer_get(&d->k, p->hs.node_id, &kp) && kp.endpoint.ss_family)
		ep = &kp.endpoint;
	else if (p->cfg->endpoint.ss_family)
		ep = &p->cfg->endpoint;
	route = session_route(&p->s, ep, have_beacon(d),
			      kp.path == OVL_PATH_RELAY, relay_only(d, p));
	if (route == SESSION_ROUTE_NONE) {
		/* Nowhere to send it: look again at the next retry time. */
		session_sent(&p->s, now, randombytes_uniform(SESSION_JITTER + 1));
		return;
	}
	r = hs_create_init(&d->hs, &p->hs, now, wall_ns(), frame,
			   sizeof(frame), &len);
	if (r != HS_OK) {
		dlog(d, "peer %u: cannot start a handshake: %s", p->hs.node_id,
		     hs_result_name(r));
		return;
	}
	kern_ctrl_send(&d->k, frame, len,
		       route == SESSION_ROUTE_DIRECT ? ep : NULL,
		       p->hs.node_id);
	session_sent(&p->s, now, randombytes_uniform(SESSION_JITTER + 1));
	d->st.initiated++;
	d->st_dirty = true;
}

/* Install the keys of a completed handshake. */
static void session_install(struct daemon *d, struct dpeer *p,
			    struct hs_session *sess, bool relayed, uint64_t now)
{
	struct json_object *ev;
	struct kern_peer kp = { .key_id = { -1, -1 } };
	uint32_t lifetime = session_lifetime(d->cfg.rekey_after);
	uint32_t id = p->hs.node_id;
	uint8_t key_id;
	int relay = -1;

	if (kern_peer_get(&d->k, id, &kp))
		return;
	/*
	 * The responder chose the key id against its own slots; ours may
	 * hold it (the two sides' slots differ after a restart of one, a
	 * peer removed and added back, crossed initiations): the slot the
	 * new key will sit next to must not, or the two would share an id.
	 * Drop the session then and start another (a new id, 255 in 256).
	 */
	key_id = sess->key_id;
	if (sess->initiator &&
	    key_id == kp.key_id[p->answered_pending ? 1 : 0]) {
		dlog(d, "peer %u: key id %u of the answer is one of ours, handshaking again",
		     id, key_id);
		d->st.key_id_clashes++;
		d->st_dirty = true;
		p->s.pending = false;
		initiate(d, p, now);
		return;
	}
	/*
	 * The initiator uses the keys at once: into the secondary slot,
	 * then swapped in, so that the old key keeps receiving what the
	 * peer sent under it.  The responder's wait in the secondary slot
	 * until the peer sends under them; the kernel promotes them then.
	 *
	 * Simultaneous initiations: the lower node answered the higher's
	 * INIT while its own was pending, and the higher node may have
	 * completed its own handshake before it saw ours and send under
	 * it until ours reaches it.  The secondary slot holds that session
	 * then: the lower node's own goes straight to the primary slot so
	 * that both stay readable.
	 */
	if (sess->initiator && p->answered_pending) {
		p->answered_pending = false;
		if (kern_key_new(&d->k, id, OVL_KEY_SLOT_PRIMARY, key_id,
				 sess->tx_key, sess->rx_key, lifetime, false))
			return;
	} else if (kern_key_new(&d->k, id, OVL_KEY_SLOT_SECONDARY, key_id,
				sess->tx_key, sess->rx_key, lifetime,
				!sess->initiator) ||
		   (sess->initiator && kern_key_swap(&d->k, id))) {
		return;
	}
	if (!sess->initiator && p->hs.pending)
		p->answered_pending = true;
	session_done(&p->s, now, sess->initiator);
	if (sess->initiator)
		d->st.completed++;
	else
		d->st.answered++;
	d->st_dirty = true;
	if (relay_only(d, p))
		relay = OVL_RELAY_MODE_PINNED;
	p->cert_expiry = d->verified_expiry;
	kern_peer_set(&d->k, false, id, NULL, NULL, 0, relay, p->cert_expiry);
	/*
	 * Only the initiator knows the handshake completed; the responder's
	 * keys wait until the peer sends under them.
	 */
	dlog(d, "peer %u: handshake %s, key id %u", id,
	     sess->initiator ? "completed (initiator)" :
			       "answered (responder)", key_id);
	ev = event_new(d, "handshake");
	event_add_int(ev, "node_id", id);
	event_add_str(ev, "role", sess->initiator ? "initiator" : "responder");
	event_add_int(ev, "key_id", key_id);
	event_add_str(ev, "via", relayed ? "beacon" : "direct");
	event_add_int(ev, "lifetime", lifetime);
	event_send(d, ev);
}

/*
 * A handshake that came through the beacon while nothing came straight
 * from the peer lately: its direct path is most likely dead, and data
 * would only find that out after the blackhole detection (seconds of
 * loss).  Put the peer on relay now, before its keys are installed, so
 * that the initiator's first message already goes that way; the kernel
 * brings it back to direct once its probes are answered straight.  The
 * kernel has no "relay now" request: pinning then unpinning is one, as a
 * peer unpinned keeps the path it has (ovlctl(8), PATH SELECTION).
 */
#define DAEMON_DIRECT_FRESH_MS	10000

static void relayed_handshake(struct daemon *d, struct dpeer *p)
{
	struct kern_peer kp;
	uint32_t id = p->hs.node_id;

	if (relay_only(d, p) || kern_peer_get(&d->k, id, &kp) ||
	    kp.path == OVL_PATH_RELAY ||
	    (kp.direct_rx_ms >= 0 && kp.direct_rx_ms < DAEMON_DIRECT_FRESH_MS))
		return;
	if (!kern_peer_set(&d->k, false, id, NULL, NULL, 0,
			   OVL_RELAY_MODE_PINNED, 0))
		kern_peer_set(&d->k, false, id, NULL, NULL, 0, OVL_RELAY_MODE_ON,
			      0);
	dlog(d, "peer %u: handshake through the beacon, its direct path silent: relayed until probes prove it",
	     id);
}

static void refused(struct daemon *d, const struct kern_event *ev,
		    enum hs_result r, const struct hs_peer *hp, int cert_reason)
{
	char addr[ADDR_STRLEN];
	uint64_t now = mono_ns();
	struct json_object *o;

	d->st.refused[r]++;
	d->st_dirty = true;
	/*
	 * A RESP to an initiation we no longer hold is what crossed
	 * initiations leave (handshake.h): counted, not worth a line.
	 */
	if (r == HS_R_NO_HANDSHAKE)
		return;
	if (now - d->log_start_ns > SESSION_NS_PER_SEC) {
		d->log_start_ns = now;
		d->log_lines = 0;
	}
	if (d->log_lines++ >= DAEMON_LOG_REFUSALS)
		return;
	if (ev->from.ss_family)
		endpoint_str(&ev->from, addr);
	else
		snprintf(addr, sizeof(addr), "node %u via the beacon",
			 ev->node_id);
	if (r == HS_R_BAD_CERT)
		dlog(d, "handshake frame from %s (peer %u) refused: %s: %s", addr,
		     hp ? hp->node_id : 0, hs_result_name(r),
		     cert_reason_str(cert_reason));
	else
		dlog(d, "handshake frame from %s%s refused: %s", addr,
		     hp ? " (a known peer)" : "", hs_result_name(r));
	/* As the log lines: at most DAEMON_LOG_REFUSALS a second. */
	o = event_new(d, "handshake_refused");
	if (ev->from.ss_family)
		event_add_str(o, "from", endpoint_str(&ev->from, addr));
	else
		event_add_int(o, "via_node_id", ev->node_id);
	if (hp)
		event_add_int(o, "node_id", hp->node_id);
	event_add_str(o, "reason", hs_result_name(r));
	if (r == HS_R_BAD_CERT)
		event_add_str(o, "detail", cert_reason_str(cert_reason));
	event_send(d, o);
}

static bool under_load(struct daemon *d, uint64_t now)
{
	if (now - d->load_start_ns > SESSION_NS_PER_SEC) {
		d->load_start_ns = now;
		d->load_inits = 0;
	}
	return ++d->load_inits > DAEMON_LOAD_INITS;
}

static void on_frame(struct daemon *d, const struct kern_event *ev)
{
	uint8_t out[HS_RESP_MAX_LEN], src[HS_SRC_MAX];
	struct hs_session sess = { 0 };
	struct hs_peer *hp = NULL;
	uint64_t now = mono_ns();
	enum hs_result r;
	struct dpeer *p;
	size_t out_len = 0;

	switch (ev->frame[0]) {
	case HS_MSG_INIT:
		r = hs_consume_init(&d->hs, ev->frame, ev->len, src,
				    src_bytes(ev, src), under_load(d, now), now,
				    out, sizeof(out), &out_len, &sess, &hp);
		/*
		 * A RESP goes out once its keys are in the kernel (below):
		 * the initiator sends under them as soon as it reads it.
		 */
		/*
		 * Cookie replies are rate-limited per source like initiations:
		 * a flood from one address gets a few, and the daemon spends
		 * its time reading frames, not answering junk.
		 */
		if (out_len && r == HS_R_COOKIE_NEEDED &&
		    !hs_rl_allow(d->cookie_rl, src, src_bytes(ev, src), now))
			out_len = 0;
		if (out_len && r != HS_OK)
			reply(d, ev, out, out_len);
		if (r == HS_R_COOKIE_NEEDED && out_len) {
			d->st.cookies++;
			d->st_dirty = true;
		}
		break;
	case HS_MSG_RESP:
		r = hs_consume_resp(&d->hs, ev->frame, ev->len, now, &sess,
				    &hp);
		break;
	case HS_MSG_COOKIE:
		r = hs_consume_cookie(&d->hs, ev->frame, ev->len, now, &hp);
		if (r == HS_OK && hp) {
			/* Send the INIT again at once, with mac2. */
			p = (struct dpeer *)hp;
			p->s.pending = false;
			initiate(d, p, now);
		}
		break;
	default:
		r = HS_R_MALFORMED;
	}
	if (r != HS_OK && r != HS_R_COOKIE_NEEDED) {
		refused(d, ev, r, hp, sess.cert_reason);
	} else if (r == HS_OK && ev->frame[0] != HS_MSG_COOKIE && hp) {
		p = (struct dpeer *)hp;
		p->relay_only = d->verified_relay_only;
		if (!ev->from.ss_family)
			relayed_handshake(d, p);
		/* An authenticated INIT tells where the peer is now. */
		if (ev->frame[0] == HS_MSG_INIT && ev->from.ss_family &&
		    memcmp(&p->learnt, &ev->from, sizeof(ev->from))) {
			p->learnt = ev->from;
			kern_peer_set(&d->k, false, p->hs.node_id, &ev->from,
				      NULL, 0, -1, 0);
		}
		session_install(d, p, &sess, !ev->from.ss_family, now);
		if (ev->frame[0] == HS_MSG_INIT && out_len)
			reply(d, ev, out, out_len);
	}
	hs_session_wipe(&sess);
	sodium_memzero(out, sizeof(out));
}

/*
 * Beacon protocol v2 (bcnreg.h, docs/beacon-auth.md): the daemon registers
 * with the kernel's beacon through the device's socket, so the beacon sees
 * the address the kernel's traffic comes from, and hands the keys agreed
 * to the kernel, which refreshes and relays under them.  Until then the
 * kernel neither refreshes nor relays through the beacon.
 */
/* The registration's state in the status file ("beacon_registration"). */
static void status_breg(struct daemon *d)
{
	static const char *const names[] = {
		[BCNREG_IDLE] = "none",
		[BCNREG_HELLO] = "hello",
		[BCNREG_REGISTER] = "registering",
		[BCNREG_DONE] = "registered",
	};
	struct json_object *o = json_object_new_object();
	char buf[ADDR_STRLEN];

	if (!o)
		return;
	json_object_object_add(o, "state",
			       json_object_new_string(names[d->breg.state]));
	if (have_beacon(d))
		json_object_object_add(o, "beacon",
				       json_object_new_string(endpoint_str(&d->beacon, buf)));
	if (d->breg.state == BCNREG_DONE)
		json_object_object_add(o, "public_endpoint",
				       json_object_new_string(endpoint_str(&d->breg.public_ep, buf)));
	json_object_object_add(o, "registrations",
			       json_object_new_int64(d->breg.registrations));
	json_object_object_add(o, "reregister_requests",
			       json_object_new_int64(d->breg.rereg_requests));
	json_object_put(d->st.beacon_reg);
	d->st.beacon_reg = o;
	d->st_dirty = true;
}

static void beacon_set(struct daemon *d, const struct sockaddr_storage *b)
{
	d->beacon = *b;
	/* The kernel dropped the old beacon's keys with it. */
	bcnreg_start(&d->breg, mono_ns());
	status_breg(d);
}

static void breg_tick(struct daemon *d, uint64_t now)
{
	uint8_t out[BCN_MSG_MAX_LEN];
	size_t len;

	if (!have_beacon(d))
		return;
	len = bcnreg_tick(&d->breg, now, out, sizeof(out));
	if (len)
		kern_ctrl_send(&d->k, out, len, &d->beacon, 0);
}

/*
 * Hole punching (docs/beacon-auth.md): every DAEMON_PUNCH_SCAN_NS, the
 * peers the kernel relays (not pinned: a relay-only peer stays relayed)
 * get a PUNCH_REQUEST when bcn_punches_due() says so; the beacon then has
 * both sides punch, and the kernel's prober finds the direct path if the
 * NATs let it through.
 */
static void punch_tick(struct daemon *d, uint64_t now)
{
	uint32_t *relayed = NULL, *due = NULL;
	struct kern_peer *kps = NULL;
	uint8_t out[OVL_PUNCH_REQUEST_LEN];
	size_t n_kps = 0, n = 0, i;
	long n_due;

	if (d->breg.state != BCNREG_DONE || now < d->punch_scan_ns)
		return;
	d->punch_scan_ns = now + DAEMON_PUNCH_SCAN_NS;
	if (kern_peer_dump(&d->k, &kps, &n_kps))
		return;
	relayed = calloc(n_kps + 1, sizeof(*relayed));
	due = calloc(n_kps + 1, sizeof(*due));
	if (!relayed || !due)
		goto out;
	for (i = 0; i < n_kps; i++)
		if (kps[i].path == OVL_PATH_RELAY && !kps[i].pinned)
			relayed[n++] = kps[i].node_id;
	n_due = bcn_punches_due(&d->punches, relayed, n, now, due);
	for (i = 0; n_due > 0 && i < (size_t)n_due; i++)
		if (bcnreg_punch_request(&d->breg, due[i], out, sizeof(out)))
			kern_ctrl_send(&d->k, out, sizeof(out), &d->beacon, 0);
out:
	free(relayed);
	free(due);
	free(kps);
}

/*
 * A COOKIE, REGISTER_OK or REREGISTER: true if @ev was one (consumed,
 * whether or not it was any good).
 */
static bool beacon_frame(struct daemon *d, const struct kern_event *ev)
{
	uint8_t out[BCN_MSG_MAX_LEN];
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	size_t len = 0;

	if (!bcnreg_frame_type(ev->frame[0]))
		return false;
	/* The kernel passes these only from its beacon; check anyway. */
	if (!ev->from.ss_family || !endpoint_equal(&ev->from, &d->beacon))
		return true;
	switch (bcnreg_input(&d->breg, ev->frame, ev->len, mono_ns(), out,
			     sizeof(out), &len)) {
	case BCNREG_R_SEND:
		kern_ctrl_send(&d->k, out, len, &d->beacon, 0);
		break;
	case BCNREG_R_KEYS:
		if (kern_beacon_keys(&d->k, d->breg.keys)) {
			bcnreg_start(&d->breg, mono_ns());
			break;
		}
		dlog(d, "beacon %s: registered, seen as %s",
		     endpoint_str(&d->beacon, a),
		     endpoint_str(&d->breg.public_ep, b));
		status_breg(d);
		break;
	case BCNREG_R_RESTART:
		dlog(d, "beacon %s: lost our registration, registering again",
		     endpoint_str(&d->beacon, a));
		status_breg(d);
		break;
	case BCNREG_R_IGNORED:
		break;
	}
	sodium_memzero(out, sizeof(out));
	return true;
}

static void on_event(void *arg, const struct kern_event *ev)
{
	struct daemon *d = arg;
	struct dpeer *p;

	if (ev->ifindex != d->k.ifindex)
		return;
	switch (ev->type) {
	case KERN_EV_FRAME:
		if (ev->len && !beacon_frame(d, ev))
			on_frame(d, ev);
		break;
	case KERN_EV_KEY_NEEDED:
		p = peer_find(d, ev->node_id);
		if (p) {
			session_want(&p->s);
			if (session_init_due(&p->s, mono_ns(),
					     d->cfg.rekey_after * SESSION_NS_PER_SEC))
				initiate(d, p, mono_ns());
		}
		break;
	default:
		break;
	}
}

/*
 * Beacon discovery (disc_io.h, docs/beacons.md): the registry's beacon
 * list, RTT probes, beacons.json; the kernel's beacon swapped when the
 * pick changes.
 */
static void disc_log(void *arg, const char *msg)
{
	dlog(arg, "%s", msg);
}

static int disc_start(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct disc_io_conf c = {
		.key = d->id.pk,
		.boot = d->cfg.beacons,
		.n_boot = d->cfg.n_beacons,
		.registries = d->cfg.registries,
		.n_registries = d->cfg.n_registries,
		.identity = d->cfg.identity,
		.kernel = d->beacon.ss_family ? &d->beacon : NULL,
		.log = disc_log,
		.arg = d,
	};
	int fds[2];
	unsigned int i, n;

	d->disc = disc_io_new(&c, mono_ns());
	if (!d->disc)
		return -1;
	n = disc_io_fds(d->disc, fds);
	for (i = 0; i < n; i++) {
		ev.data.fd = fds[i];
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fds[i], &ev))
			return -1;
	}
	return 0;
}

/* Is @fd discovery's?  Then handle it. */
static bool disc_event(struct daemon *d, int fd)
{
	int fds[2];
	unsigned int i, n;

	if (!d->disc)
		return false;
	n = disc_io_fds(d->disc, fds);
	for (i = 0; i < n; i++)
		if (fds[i] == fd) {
			disc_io_event(d->disc, fd, mono_ns());
			return true;
		}
	return false;
}

static void discovery_tick(struct daemon *d, uint64_t now)
{
	const struct sockaddr_storage *b;

	if (!d->disc)
		return;
	b = disc_io_tick(d->disc, now);
	if (b) {
		bool ok = !kern_dev_set(&d->k, d->cert.node_id,
					d->cfg.listen_port, b);

		if (ok)
			beacon_set(d, b);
		disc_io_swapped(d->disc, ok);
	}
	if (disc_io_changed(d->disc)) {
		json_object_put(d->st.beacons);
		d->st.beacons = disc_io_status(d->disc);
		d->st_dirty = true;
	}
}

/*
 * With a registry, the public endpoint the beacon reflected, from the
 * kernel every DAEMON_PUBLIC_TICKS ticks, for the worker to register.
 * The kernel forgets it when its beacon changes and learns it again
 * within a round trip: none is passed on only after DAEMON_PUBLIC_NONE_NS
 * without one, so that a beacon swap does not register twice.
 */
#define DAEMON_PUBLIC_TICKS	8
#define DAEMON_PUBLIC_NONE_NS	(30 * 1000 * 1000 * 1000ULL)

static void public_tick(struct daemon *d, uint64_t now)
{
	struct sockaddr_storage pub;

	if (!d->rw || ++d->pub_ticks < DAEMON_PUBLIC_TICKS)
		return;
	d->pub_ticks = 0;
	if (kern_dev_public(&d->k, &pub))
		return;
	if (pub.ss_family) {
		d->pub_none_ns = 0;
		regworker_public(d->rw, &pub);
	} else if (!d->pub_none_ns) {
		d->pub_none_ns = now;
	} else if (now - d->pub_none_ns >= DAEMON_PUBLIC_NONE_NS) {
		regworker_public(d->rw, NULL);
	}
}

static void tick(struct daemon *d)
{
	uint64_t now = mono_ns();
	uint64_t rekey = d->cfg.rekey_after * SESSION_NS_PER_SEC;
	size_t i;

	for (i = 0; i < d->n_peers; i++)
		if (session_init_due(&d->peers[i].s, now, rekey))
			initiate(d, &d->peers[i], now);
	if (d->tun)
		tunnel_engine_reap(d->tun);
	discovery_tick(d, now);
	breg_tick(d, now);
	punch_tick(d, now);
	public_tick(d, now);
	if (d->st_dirty) {
		d->st_dirty = false;
		if (status_write(&d->st))
			dlog(d, "writing the status file in %s: %s",
			     status_rundir(), strerror(errno));
	}
}

/* No [peer N] of @cfg may be this node (the checks of ovl.conf(5)). */
static int peers_check(const struct daemon *d, const struct config *cfg,
		       const struct identity *id, const struct cert *c)
{
	size_t i;

	for (i = 0; i < cfg->n_peers; i++) {
		if (cfg->peers[i].node_id == c->node_id ||
		    !memcmp(cfg->peers[i].public_key, id->pk, CERT_KEY_LEN)) {
			fprintf(stderr,
				"ovlctl: %s:%u: [peer %u] is this node\n",
				d->conf_path, cfg->peers[i].line,
				cfg->peers[i].node_id);
			return -1;
		}
	}
	return 0;
}

/* Load identity and certificate and check them against @cfg. */
static int load_identity(struct daemon *d, const struct config *cfg,
			 struct identity *id, struct cert *c)
{
	char err[KEY_ERR_LEN];
	enum cert_err ce;

	if (identity_load(cfg->identity, id, err) ||
	    cert_load(cfg->certificate, c, err)) {
		fprintf(stderr, "ovlctl: %s\n", err);
		return -1;
	}
	ce = cert_verify(c, cfg->ca, wall_ns() / SESSION_NS_PER_SEC);
	if (ce) {
		fprintf(stderr, "ovlctl: %s: %s\n", cfg->certificate,
			cert_strerror(ce));
		return -1;
	}
	if (memcmp(c->public_key, id->pk, CERT_KEY_LEN)) {
		fprintf(stderr,
			"ovlctl: %s: the certificate is not for the identity in %s\n",
			cfg->certificate, cfg->identity);
		return -1;
	}
	return peers_check(d, cfg, id, c);
}

static int hs_setup(struct daemon *d)
{
	uint8_t x_priv[NOISE_DH_LEN];
	int len, err;

	len = cert_encode(&d->cert, d->cert_bin, sizeof(d->cert_bin));
	if (len < 0 || (size_t)len > HS_CERT_MAX) {
		fprintf(stderr, "ovlctl: %s: certificate does not encode\n",
			d->cfg.certificate);
		return -1;
	}
	d->cert_len = len;
	if (noise_x25519_from_ed25519_sk(x_priv, d->id.sk))
		return -1;
	hs_local_wipe(&d->hs);
	err = hs_local_init(&d->hs, d->cert.node_id, x_priv, d->cert_bin,
			    d->cert_len);
	sodium_memzero(x_priv, sizeof(x_priv));
	if (err)
		return -1;
	d->hs.verify_cert = cb_verify_cert;
	d->hs.peer_by_id = cb_peer_by_id;
	d->hs.peer_by_index = cb_peer_by_index;
	d->hs.key_id = cb_key_id;
	d->hs.arg = d;
	d->hs.rl = d->rl;
	/* A new certificate is registered with the beacon again. */
	bcnreg_stop(&d->breg);
	bcnreg_init(&d->breg, d->cert.node_id, d->id.sk, d->cert_bin,
		    d->cert_len);
	if (have_beacon(d))
		bcnreg_start(&d->breg, mono_ns());
	return 0;
}

static int dpeer_init(struct dpeer *p, const struct config_peer *cp)
{
	uint8_t x_pub[NOISE_DH_LEN];

	memset(p, 0, sizeof(*p));
	p->cfg = cp;
	if (noise_x25519_from_ed25519_pk(x_pub, cp->public_key))
		return -1;
	return hs_peer_init(&p->hs, cp->node_id, x_pub);
}

static void routes(struct daemon *d, const struct config_peer *cp, bool add)
{
	unsigned int i;

	for (i = 0; i < cp->n_allowed; i++)
		kern_route(&d->k, &cp->allowed[i], add);
}

static int peer_push(struct daemon *d, const struct config_peer *cp,
		     bool create, unsigned int what)
{
	int relay = -1;

	/* The directory's relay-only peers are pinned (issue 10). */
	if (cp->relay_only)
		relay = OVL_RELAY_MODE_PINNED;
	else if (what & CONFIG_PEER_RELAY_ONLY)
		relay = OVL_RELAY_MODE_ON;
	if (kern_peer_set(&d->k, create, cp->node_id, &cp->endpoint,
			  cp->allowed, cp->n_allowed, relay, 0))
		return -1;
	routes(d, cp, true);
	return 0;
}

/*
 * Build the peers of @cfg, taking over the handshake state of the ones
 * in d->peers with the same node id and key; push them to the kernel
 * per @diff (NULL: all of them, at start).
 */
static int peers_apply(struct daemon *d, const struct config *cfg,
		       const struct config_diff *diff,
		       const struct kern_peer *kps, size_t n_kps)
{
	struct dpeer *peers, *old;
	bool create;
	size_t i, j;

	peers = calloc(cfg->n_peers ?: 1, sizeof(*peers));
	if (!peers)
		return -1;
	for (i = 0; i < cfg->n_peers; i++) {
		const struct config_peer *cp = &cfg->peers[i];

		old = peer_find(d, cp->node_id);
		if (old && !memcmp(old->cfg->public_key, cp->public_key,
				   CONFIG_KEY_LEN)) {
			peers[i] = *old;
			peers[i].cfg = cp;
			/*
			 * A new endpoint for a peer with no session yet
			 * (e.g. a directory node that registered after it
			 * enrolled): initiate at the next tick, not after
			 * the retry interval of an initiation that had
			 * nowhere to go.
			 */
			if (!peers[i].s.established &&
			    (!old->cfg->endpoint.ss_family ||
			     !endpoint_equal(&old->cfg->endpoint,
					     &cp->endpoint)))
				peers[i].s.pending = false;
		} else if (dpeer_init(&peers[i], cp)) {
			free(peers);
			return -1;
		} else {
			session_want(&peers[i].s);
		}
	}
	if (diff) {
		for (i = 0; i < diff->n_removed; i++) {
			old = peer_find(d, diff->removed[i]);
			if (old)
				routes(d, old->cfg, false);
			kern_peer_del(&d->k, diff->removed[i]);
			dlog(d, "peer %u removed", diff->removed[i]);
		}
		for (i = 0; i < diff->n_changed; i++) {
			const struct config_peer *cp =
				config_peer_find(cfg, diff->changed[i].node_id);

			old = peer_find(d, cp->node_id);
			if (old && diff->changed[i].what & CONFIG_PEER_ALLOWED_IPS)
				routes(d, old->cfg, false);
			peer_push(d, cp, false, diff->changed[i].what);
			dlog(d, "peer %u changed", cp->node_id);
		}
		for (i = 0; i < diff->n_added; i++) {
			peer_push(d, config_peer_find(cfg, diff->added[i]), true,
				  0);
			dlog(d, "peer %u added", diff->added[i]);
		}
	} else {
		/* At start: take over the kernel's peers, drop the others. */
		for (j = 0; j < n_kps; j++)
			if (!config_peer_find(cfg, kps[j].node_id))
				kern_peer_del(&d->k, kps[j].node_id);
		for (i = 0; i < cfg->n_peers; i++) {
			create = true;
			for (j = 0; j < n_kps; j++)
				if (kps[j].node_id == cfg->peers[i].node_id)
					create = false;
			if (peer_push(d, &cfg->peers[i], create, 0))
				return free(peers), -1;
		}
	}
	/* What was taken over is copied: wipe every old entry. */
	for (i = 0; i < d->n_peers; i++)
		hs_peer_wipe(&d->peers[i].hs);
	free(d->peers);
	d->peers = peers;
	d->n_peers = cfg->n_peers;
	return 0;
}

/*
 * The beacon for the kernel (docs/beacons.md): the rendezvous pick for
 * this node's key among @cfg's beacons, each hashed as endpoint_str()
 * writes it (the bootstrap list; nothing discovered yet).  NULL when
 * there are none.
 */
static const struct sockaddr_storage *pick_beacon(struct daemon *d,
						   const struct config *cfg)
{
	struct beacon_list *l;
	char buf[ADDR_STRLEN];
	unsigned int i;
	int k = -1;

	if (!cfg->n_beacons)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		dlog(d, "beacon: out of memory, the first one");
		return &cfg->beacons[0];
	}
	for (i = 0; i < cfg->n_beacons; i++)
		beacon_list_add(l, endpoint_str(&cfg->beacons[i], buf));
	k = beacon_pick_hash(l, d->id.pk);
	free(l);
	if (k < 0)
		k = 0;
	dlog(d, "beacon %s: the rendezvous pick of %u",
	     endpoint_str(&cfg->beacons[k], buf), cfg->n_beacons);
	return &cfg->beacons[k];
}

static int device_setup(struct daemon *d)
{
	const struct sockaddr_storage *beacon = pick_beacon(d, &d->cfg);
	struct kern_peer *kps = NULL;
	size_t n_kps = 0, i;
	int err = -1;

	if (kern_dev_set(&d->k, d->cert.node_id, d->cfg.listen_port, beacon))
		return -1;
	if (beacon)
		beacon_set(d, beacon);
	for (i = 0; i < d->cert.n_addrs; i++)
		if (kern_addr_add(&d->k, &d->cert.addrs[i]))
			return -1;
	if (kern_link_up(&d->k) || kern_peer_dump(&d->k, &kps, &n_kps))
		return -1;
	if (!peers_apply(d, &d->cfg, NULL, kps, n_kps))
		err = kern_ctrl_register(&d->k);
	free(kps);
	return err;
}

/*
 * Keep what only a restart changes (ovl.conf(5), RELOAD): the listen
 * port, the identity, the certificate and the CA of the running config.
 */
static void keep_device(struct daemon *d, struct config *cfg,
			unsigned int changed)
{
	char *tmp;

	if (!(changed & (CONFIG_DEV_LISTEN_PORT | CONFIG_DEV_IDENTITY |
			 CONFIG_DEV_CERTIFICATE | CONFIG_DEV_CA)))
		return;
	dlog(d, "listen-port, identity, certificate and ca changes take effect at the next start");
	cfg->listen_port = d->cfg.listen_port;
	memcpy(cfg->ca, d->cfg.ca, sizeof(cfg->ca));
	tmp = cfg->identity;
	cfg->identity = d->cfg.identity;
	d->cfg.identity = tmp;
	tmp = cfg->certificate;
	cfg->certificate = d->cfg.certificate;
	d->cfg.certificate = tmp;
}

/*
 * The device's name for the log lines of the tunnel engine's and the
 * registry worker's threads, whose callbacks take no argument.
 */
static const char *log_ifname;

static void tun_log(const char *msg)
{
	log_line(log_ifname, "tunnel: ", msg);
}

/* The engine, with its stats socket DIR/DEV.sock. */
static int tun_engine(struct daemon *d)
{
	char err[TUNNEL_ERR_LEN];

	if (d->tun)
		return 0;
	log_ifname = d->ifname;
	tunnel_set_log(tun_log);
	d->tun = tunnel_engine_new(0, err, sizeof(err));
	if (!d->tun) {
		dlog(d, "tunnels: %s", err);
		return -1;
	}
	if (tunnel_ctl_open(d->tun, d->ifname, err, sizeof(err))) {
		dlog(d, "tunnels: stats socket: %s", err);
		tunnel_engine_free(d->tun);
		d->tun = NULL;
		return -1;
	}
	return 0;
}

/* Does @b need a new listener (remove and add) rather than a reload? */
static bool tun_relisten(const struct tunnel_conf *a,
			 const struct tunnel_conf *b)
{
	return !endpoint_equal(&a->listen, &b->listen) ||
	       strcmp(a->tls_cert, b->tls_cert) ||
	       strcmp(a->tls_key, b->tls_key) ||
	       strcmp(a->tls_client_ca, b->tls_client_ca);
}

/*
 * Serve the tunnels of @cfg; @old is the config they replace (NULL at
 * start).  At start the first failure stops it (-1); in a reload a
 * tunnel that fails is logged and left out, the others go on, and the
 * next reload tries it again (what runs is what tunnel_find() finds).
 */
static int tun_apply(struct daemon *d, const struct config *old,
		     const struct config *cfg)
{
	const struct config_tunnel *ot, *ct;
	char err[TUNNEL_ERR_LEN];
	unsigned int i, added = 0, retired = 0, reloaded = 0, failed = 0;
	struct tunnel *t;

	if (!cfg->n_tunnels && !d->tun)
		return 0;
	if (tun_engine(d))
		return -1;
	for (i = 0; old && i < old->n_tunnels; i++) {
		ot = &old->tunnels[i];
		ct = config_tunnel_find(cfg, ot->conf.name);
		t = tunnel_find(d->tun, ot->conf.name);
		if (t && (!ct || tun_relisten(&ot->conf, &ct->conf))) {
			tunnel_retire(t);
			retired++;
		}
	}
	for (i = 0; i < cfg->n_tunnels; i++) {
		ct = &cfg->tunnels[i];
		ot = old ? config_tunnel_find(old, ct->conf.name) : NULL;
		t = tunnel_find(d->tun, ct->conf.name);
		if (!t) {
			if (tunnel_add(d->tun, &ct->conf, err, sizeof(err))) {
				added++;
				continue;
			}
		} else if (ot && config_tunnel_equal(ot, ct)) {
			continue;
		} else if (!tunnel_reload(t, &ct->conf, err, sizeof(err))) {
			reloaded++;
			continue;
		}
		if (!old) {
			fprintf(stderr, "ovlctl: %s:%u: [tunnel %s]: %s\n",
				d->conf_path, ct->line, ct->conf.name, err);
			return -1;
		}
		dlog(d, "%s:%u: [tunnel %s] not served: %s", d->conf_path,
		     ct->line, ct->conf.name, err);
		failed++;
	}
	if (old)
		dlog(d, "tunnels: %u added, %u removed, %u reloaded, %u failed",
		     added, retired, reloaded, failed);
	return 0;
}

/* --- The registry (issue 10): directory peers, kept in step. --- */

/*
 * Replace the peers of @cfg by its [peer N] sections merged with the
 * directory (directory.h).  0, or -1 if out of memory.
 */
static int dir_into(struct daemon *d, struct config *cfg)
{
	struct config_peer *peers;
	unsigned int n;

	if (!d->rw && !d->dir.n)
		return 0;
	if (dir_merge(cfg->peers, cfg->n_peers, &d->dir, &peers, &n))
		return -1;
	dir_peers_free(cfg->peers, cfg->n_peers);
	cfg->peers = peers;
	cfg->n_peers = n;
	return 0;
}

static void reg_log(const char *msg)
{
	log_line(log_ifname, "", msg);
}

/* The directory into node.directory.json (atomically, 0600). */
static void dir_cache_save(struct daemon *d)
{
	char err[KEY_ERR_LEN], *json;

	if (!d->dir_cache)
		return;
	json = dir_cache_encode(&d->dir, wall_ns() / SESSION_NS_PER_SEC);
	/* reg_save_cert() writes any text so: temporary file, rename. */
	if (!json || reg_save_cert(d->dir_cache, json, err)) {
		if (!d->dir_cache_failed)
			dlog(d, "registry: the directory cache not written: %s",
			     json ? err : "out of memory");
		d->dir_cache_failed = true;
	} else {
		d->dir_cache_failed = false;
	}
	free(json);
}

/*
 * At start, with a registry: the directory of node.directory.json (if any)
 * into the peers of the config, so that a restart while no registry
 * answers keeps them; the first answer of the registry replaces it.
 */
static int dir_cache_load(struct daemon *d)
{
	char why[DIR_ERR_LEN], *buf = NULL, *slash, *dot;
	size_t len = 0, n;
	int64_t saved_at;
	unsigned int expired;
	FILE *f;

	if (!d->cfg.n_registries)
		return 0;
	/* node.key: node.directory.json, beside it (one per identity). */
	slash = strrchr(d->cfg.identity, '/');	/* an absolute path */
	dot = strrchr(slash, '.');
	n = (dot && dot > slash + 1 ? dot : slash + strlen(slash)) -
	    d->cfg.identity;
	d->dir_cache = malloc(n + sizeof(DIR_CACHE_SUFFIX));
	if (!d->dir_cache)
		return -1;
	memcpy(d->dir_cache, d->cfg.identity, n);
	memcpy(d->dir_cache + n, DIR_CACHE_SUFFIX, sizeof(DIR_CACHE_SUFFIX));
	f = fopen(d->dir_cache, "re");
	if (!f) {
		if (errno != ENOENT)
			dlog(d, "registry: %s: %s", d->dir_cache,
			     strerror(errno));
		return 0;
	}
	buf = malloc(DIR_CACHE_MAX + 1);
	while (buf && (n = fread(buf + len, 1, DIR_CACHE_MAX + 1 - len, f)))
		len += n;
	fclose(f);
	if (!buf)
		return -1;
	if (dir_cache_decode(buf, len, &d->dir, &saved_at, why)) {
		dlog(d, "registry: %s ignored: %s", d->dir_cache, why);
	} else {
		/* Never this node, whatever the file says. */
		struct reg_removal self = { .node_id = d->cert.node_id };
		struct reg_sync s = { .version = d->dir.version,
				      .n_removed = 1, .removed = &self };

		dir_apply(&d->dir, &s, d->cert.node_id, d->cfg.ca, 0, NULL);
		expired = dir_expire(&d->dir, wall_ns() / SESSION_NS_PER_SEC);
		dlog(d, "registry: %zu nodes of %s (saved %" PRId64 " s ago, %u expired since)",
		     d->dir.n, d->dir_cache,
		     (int64_t)(wall_ns() / SESSION_NS_PER_SEC) - saved_at,
		     expired);
	}
	free(buf);
	return dir_into(d, &d->cfg);
}

/*
 * The answers the worker queued: into the directory, then the kernel's
 * peers brought in step with the new merge (only what changed is sent
 * to the kernel: config_diff()).
 */
static void reg_answers(struct daemon *d)
{
	struct config cfg = d->cfg;
	struct config_diff diff = { 0 };
	struct dir_result r, sum = { 0 };
	struct reg_sync s;
	unsigned int expired;
	bool any = false;

	regworker_ack(d->rw);
	while (regworker_pop(d->rw, &s)) {
		any = true;
		if (dir_apply(&d->dir, &s, d->cert.node_id, d->cfg.ca,
			      wall_ns() / SESSION_NS_PER_SEC, &r)) {
			dlog(d, "registry: out of memory, the full list again");
			regworker_resync(d->rw);
		}
		reg_sync_free(&s);
		sum.added += r.added;
		sum.updated += r.updated;
		sum.removed += r.removed;
		sum.refused += r.refused;
	}
	expired = dir_expire(&d->dir, wall_ns() / SESSION_NS_PER_SEC);
	if (!any || (!sum.added && !sum.updated && !sum.removed &&
		     !sum.refused && !expired))
		return;
	dlog(d, "registry: directory version %" PRId64 ": %u added, %u updated, %u removed, %u refused, %u expired",
	     d->dir.version, sum.added, sum.updated, sum.removed, sum.refused,
	     expired);
	/* The same config, its peers merged anew. */
	if (dir_merge(d->cfg.peers, d->cfg.n_peers, &d->dir, &cfg.peers,
		      &cfg.n_peers)) {
		dlog(d, "registry: out of memory, the full list again");
		regworker_resync(d->rw);
		return;
	}
	if (config_diff(&d->cfg, &cfg, &diff) ||
	    peers_apply(d, &cfg, &diff, NULL, 0)) {
		dlog(d, "registry: out of memory, the full list again");
		dir_peers_free(cfg.peers, cfg.n_peers);
		config_diff_free(&diff);
		regworker_resync(d->rw);
		return;
	}
	/* d->peers point into the new list now. */
	dir_peers_free(d->cfg.peers, d->cfg.n_peers);
	d->cfg.peers = cfg.peers;
	d->cfg.n_peers = cfg.n_peers;
	d->st_dirty = true;
	config_diff_free(&diff);
	dir_cache_save(d);
}

/* The worker, its eventfd in the loop. */
static int reg_start(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (!d->cfg.n_registries)
		return 0;
	log_ifname = d->ifname;
	d->rw = regworker_start(&d->cfg, &d->id, d->cert.node_id,
				(d->cert.flags & CERT_F_RELAY_ONLY) ||
				d->cfg.relay_only, d->ifname,
				reg_log);
	if (!d->rw) {
		fprintf(stderr, "ovlctl: registry: cannot start its thread\n");
		return -1;
	}
	ev.data.fd = regworker_fd(d->rw);
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
}

/* --- end of the registry --- */

static void reload(struct daemon *d)
{
	char err[CONFIG_ERR_LEN];
	struct config cfg = { 0 };
	struct config_diff diff = { 0 };
	const struct sockaddr_storage *beacon;

	sd_notify(0, "RELOADING=1");
	if (config_load(d->conf_path, &cfg, err, sizeof(err))) {
		dlog(d, "reload refused, the old config stays: %s", err);
		goto out;
	}
	if (peers_check(d, &cfg, &d->id, &d->cert) || dir_into(d, &cfg) ||
	    config_diff(&d->cfg, &cfg, &diff)) {
		dlog(d, "reload refused, the old config stays");
		goto out;
	}
	keep_device(d, &cfg, diff.device);
	if (diff.device & (CONFIG_DEV_REGISTRIES | CONFIG_DEV_JOIN_TOKEN))
		dlog(d, "registry, registry-sync-seconds and join-token changes take effect at the next start");
	/*
	 * The kernel's beacon is swapped only when the pick changes: by
	 * discovery, at the next tick, when it runs.
	 */
	if (d->disc && (diff.device & CONFIG_DEV_BEACONS))
		disc_io_set_bootstrap(d->disc, cfg.beacons, cfg.n_beacons);
	beacon = !d->disc && diff.device & CONFIG_DEV_BEACONS ?
		 pick_beacon(d, &cfg) : NULL;
	if (beacon && !endpoint_equal(beacon, &d->beacon) &&
	    !kern_dev_set(&d->k, d->cert.node_id, cfg.listen_port, beacon))
		beacon_set(d, beacon);
	if (peers_apply(d, &cfg, &diff, NULL, 0)) {
		dlog(d, "reload failed: out of memory");
		goto out;
	}
	/* Even if no section changed: a tunnel that failed is tried again. */
	tun_apply(d, &d->cfg, &cfg);
	/* The peers point into the new config now. */
	config_free(&d->cfg);
	d->cfg = cfg;
	memset(&cfg, 0, sizeof(cfg));
	dlog(d, "config reloaded: %u added, %u removed, %u changed",
	     diff.n_added, diff.n_removed, diff.n_changed);
out:
	config_diff_free(&diff);
	config_free(&cfg);
	sd_notify(0, "READY=1");
}

static int loop_setup(struct daemon *d)
{
	struct itimerspec its = {
		.it_interval = { 0, DAEMON_TICK_NS },
		.it_value = { 0, DAEMON_TICK_NS },
	};
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	d->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0 ||
	    timerfd_settime(d->timerfd, 0, &its, NULL))
		return -1;
	ev.data.fd = d->sigfd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sigfd, &ev))
		return -1;
	ev.data.fd = d->timerfd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->timerfd, &ev))
		return -1;
	/*
	 * After device_setup(): the kernel took this daemon as the
	 * device's control listener, so no other daemon of the device
	 * owns the event socket this replaces.  Without one, the daemon
	 * runs on; only "ovlctl monitor" misses its events.
	 */
	if (events_open(&d->ev, d->ifname)) {
		dlog(d, "no event socket %s: %s", d->ev.path, strerror(errno));
	} else {
		ev.data.fd = d->ev.fd;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->ev.fd, &ev))
			return -1;
	}
	ev.data.fd = kern_ev_fd(&d->k);
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else
			d->stop = true;
	}
}

static int run(struct daemon *d)
{
	struct epoll_event evs[8];
	uint64_t ticks;
	int i, n;

	d->st.ifname = d->ifname;
	d->st.config = d->conf_path;
	d->st.node_id = d->cert.node_id;
	d->st.cert_expires = d->cert.not_after;
	d->st_dirty = true;
	sd_notify(0, "READY=1");
	dlog(d, "node %u ready, %zu peers, %u tunnels", d->cert.node_id,
	     d->n_peers, d->cfg.n_tunnels);
	tick(d);
	while (!d->stop) {
		n = epoll_wait(d->epfd, evs, ARRAY_SIZE(evs), -1);
		if (n < 0 && errno != EINTR) {
			dlog(d, "epoll: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == d->sigfd) {
				on_signal(d);
			} else if (evs[i].data.fd == d->timerfd) {
				if (read(d->timerfd, &ticks, sizeof(ticks)) > 0)
					tick(d);
			} else if (evs[i].data.fd == d->ev.fd) {
				events_accept(&d->ev);
			} else if (disc_event(d, evs[i].data.fd)) {
				/* beacon discovery's */
			} else if (d->rw &&
				   evs[i].data.fd == regworker_fd(d->rw)) {
				reg_answers(d);
			} else if (kern_ev_read(&d->k, on_event, d) &&
				   errno == ENOBUFS) {
				dlog(d, "control frames lost: the daemon fell behind");
				d->st.frames_lost++;
				d->st_dirty = true;
			}
		}
	}
	sd_notify(0, "STOPPING=1");
	if (d->tun) {
		dlog(d, "draining the tunnels");
		tunnel_engine_drain(d->tun);
	}
	status_remove(d->ifname);
	events_close(&d->ev);
	dlog(d, "stopping; %lu handshakes completed, %lu answered",
	     d->st.completed, d->st.answered);
	return 0;
}

static void daemon_free(struct daemon *d)
{
	size_t i;

	disc_io_free(d->disc);
	bcn_punches_free(&d->punches);
	json_object_put(d->st.beacon_reg);
	json_object_put(d->st.beacons);
	regworker_stop(d->rw);
	dir_free(&d->dir);
	free(d->dir_cache);
	tunnel_engine_free(d->tun);
	for (i = 0; i < d->n_peers; i++)
		hs_peer_wipe(&d->peers[i].hs);
	free(d->peers);
	hs_local_wipe(&d->hs);
	free(d->rl);
	free(d->cookie_rl);
	identity_wipe(&d->id);
	config_free(&d->cfg);
	kern_close(&d->k);
	events_close(&d->ev);
	if (d->epfd > 0)
		close(d->epfd);
	if (d->sigfd > 0)
		close(d->sigfd);
	if (d->timerfd > 0)
		close(d->timerfd);
}

/*
 * No certificate yet, a registry and a join token: enroll, before
 * anything else (blocking, bounded: regworker.h).
 */
static int enroll(struct daemon *d)
{
	char err[KEY_ERR_LEN];
	struct identity id;
	int ret;

	if (!d->cfg.n_registries)
		return 0;
	if (identity_load(d->cfg.identity, &id, err)) {
		fprintf(stderr, "ovlctl: %s\n", err);
		return -1;
	}
	log_ifname = d->ifname;
	ret = regworker_enroll(&d->cfg, &id, reg_log);
	identity_wipe(&id);
	return ret;
}

static int daemon_run(struct ovlctl *ctl, int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	struct daemon d = { .epfd = -1, .sigfd = -1, .timerfd = -1,
			    .ev = { .fd = -1 } };
	int i, ret = EXIT_FAILURE;

	/* DEV and -c FILE (or --config FILE, --config=FILE) in any order. */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (++i == argc)
				return usage_err(ctl, "'%s' needs a FILE",
						 argv[i - 1]);
			d.conf_path = argv[i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			d.conf_path = argv[i] + 9;
		} else if (argv[i][0] == '-' || d.ifname) {
			return usage_err(ctl, "unexpected '%s'", argv[i]);
		} else {
			d.ifname = argv[i];
		}
	}
	if (!d.ifname || !d.conf_path)
		return usage_err(ctl, "expected DEV -c FILE");
	if (arg_ifname(d.ifname))
		return EXIT_USAGE;
	if (sodium_init() < 0)
		return EXIT_FAILURE;
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (config_load(d.conf_path, &d.cfg, err, sizeof(err))) {
		fprintf(stderr, "ovlctl: %s\n", err);
		return EXIT_FAILURE;
	}
	d.rl = malloc(sizeof(*d.rl));
	d.cookie_rl = malloc(sizeof(*d.cookie_rl));
	if (!d.rl || hs_rl_init(d.rl, HS_RL_RATE, HS_RL_BURST, NULL) ||
	    !d.cookie_rl ||
	    hs_rl_init(d.cookie_rl, HS_RL_RATE, HS_RL_BURST, NULL) ||
	    enroll(&d) ||
	    load_identity(&d, &d.cfg, &d.id, &d.cert) || dir_cache_load(&d) ||
	    hs_setup(&d) ||
	    kern_open(&d.k, d.ifname) || device_setup(&d) || loop_setup(&d) ||
	    disc_start(&d) || tun_apply(&d, NULL, &d.cfg) || reg_start(&d))
		goto out;
	ret = run(&d) ? EXIT_FAILURE : EXIT_SUCCESS;
out:
	daemon_free(&d);
	return ret;
}

static const struct ctl_cmd daemon_cmds[] = {
	{ "daemon", "DEV -c FILE", daemon_run },
	{ NULL, NULL, NULL },
};

const struct ctl_object daemon_object = {
	.name = "daemon",
	.cmds = daemon_cmds,
	.bare = true,
};
