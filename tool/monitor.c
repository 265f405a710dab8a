// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl monitor": print the events of the "events" multicast group, one
 * line each (flushed, for readers on a pipe), until SIGINT or SIGTERM.
 *
 * Each kind of event is an entry of events[]: its command, its name in
 * JSON and a function that adds its own fields to the line.
 *
 * The control daemons' events (handshakes, refusals), which the kernel
 * never sees, come from each daemon's socket RUNDIR/DEV.events
 * (daemon/events.h) and are printed along, in the same form.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/genetlink.h>
#include <linux/ovl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"
#include "ovlctl.h"
#include "show.h"
#include "daemon/events.h"
#include "daemon/status.h"

static const enum mnl_attr_data_type event_policy[OVL_A_DEV_MAX + 1] = {
	[OVL_A_DEV_IFINDEX]	= MNL_TYPE_U32,
	[OVL_A_DEV_IFNAME]	= MNL_TYPE_NUL_STRING,
	[OVL_A_DEV_PEER]	= MNL_TYPE_NESTED,
	[OVL_A_DEV_KEY]		= MNL_TYPE_NESTED,
};

/**
 * struct event - one event being printed
 * @tb: its top-level attributes
 * @json: its JSON object, if printing JSON
 * @text: its text line so far, if printing text: "DEV: "
 * @len: length of @text
 */
struct event {
	const struct nlattr *tb[OVL_A_DEV_MAX + 1];
	struct json_object *json;
	char text[256];
	size_t len;
};

/*
 * Append to the text line of @ev; it is cut at sizeof(ev->text) - 1
 * characters, which no event reaches.
 */
static void __attribute__((format(printf, 2, 3)))
ev_printf(struct event *ev, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ev->len >= sizeof(ev->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ev->text + ev->len, sizeof(ev->text) - ev->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		ev->len += n;
	if (ev->len > sizeof(ev->text) - 1)
		ev->len = sizeof(ev->text) - 1;
}

static const char *const reason_text[] = {
	[OVL_KEY_REASON_NO_KEY]		= "no key",
	[OVL_KEY_REASON_LIMIT]		= "key near its limit",
	[OVL_KEY_REASON_EXHAUSTED]	= "key exhausted",
	[OVL_KEY_REASON_EXPIRED]	= "key expired",
	[OVL_KEY_REASON_AGE]		= "key near the end of its lifetime",
};

static const char *const reason_json[] = {
	[OVL_KEY_REASON_NO_KEY]		= "no_key",
	[OVL_KEY_REASON_LIMIT]		= "limit",
	[OVL_KEY_REASON_EXHAUSTED]	= "exhausted",
	[OVL_KEY_REASON_EXPIRED]	= "expired",
	[OVL_KEY_REASON_AGE]		= "age",
};

static const char *const slot_names[] = {
	[OVL_KEY_SLOT_PRIMARY]		= "primary",
	[OVL_KEY_SLOT_SECONDARY]	= "secondary",
};

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : NULL;
}

#define NAME_OF(names, v)	name_of(names, ARRAY_SIZE(names), v)

static const enum mnl_attr_data_type key_event_policy[OVL_A_KEY_MAX + 1] = {
	[OVL_A_KEY_NODE_ID]	= MNL_TYPE_U32,
	[OVL_A_KEY_SLOT]	= MNL_TYPE_U32,
	[OVL_A_KEY_ID]		= MNL_TYPE_U8,
	[OVL_A_KEY_REASON]	= MNL_TYPE_U32,
	[OVL_A_KEY_LIFETIME]	= MNL_TYPE_U32,
	[OVL_A_KEY_EVENT]	= MNL_TYPE_U32,
};

/*
 * OVL_CMD_KEY_NEEDED_NTF: "peer 42 needs a handshake: no key", and
 * "(primary id 1)" after it if the event names the key.
 */
static int key_needed(struct event *ev)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1] = {};
	const char *reason, *slot = NULL;
	uint32_t node_id, why, s = 0;
	const struct nlattr *key = ev->tb[OVL_A_DEV_KEY];

	if (!key || ovl_nl_parse_nested(key, key_event_policy, OVL_A_KEY_MAX,
					tb) ||
	    !tb[OVL_A_KEY_NODE_ID] || !tb[OVL_A_KEY_REASON])
		return -1;
	node_id = mnl_attr_get_u32(tb[OVL_A_KEY_NODE_ID]);
	why = mnl_attr_get_u32(tb[OVL_A_KEY_REASON]);
	if (tb[OVL_A_KEY_SLOT]) {
		s = mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]);
		slot = NAME_OF(slot_names, s);
	}

	if (ev->json) {
		reason = NAME_OF(reason_json, why);
		json_object_object_add(ev->json, "node_id",
				       json_object_new_int64(node_id));
		json_object_object_add(ev->json, "reason", reason ?
				       json_object_new_string(reason) :
				       json_object_new_int64(why));
		if (tb[OVL_A_KEY_SLOT])
			json_object_object_add(ev->json, "slot", slot ?
					       json_object_new_string(slot) :
					       json_object_new_int64(s));
		if (tb[OVL_A_KEY_ID])
			json_object_object_add(ev->json, "id",
				json_object_new_int(mnl_attr_get_u8(tb[OVL_A_KEY_ID])));
		return 0;
	}
	reason = NAME_OF(reason_text, why);
	ev_printf(ev, "peer %" PRIu32 " needs a handshake: ", node_id);
	if (reason)
		ev_printf(ev, "%s", reason);
	else
		ev_printf(ev, "reason %" PRIu32, why);
	if (!tb[OVL_A_KEY_SLOT] && !tb[OVL_A_KEY_ID])
		return 0;
	ev_printf(ev, " (");
	if (slot)
		ev_printf(ev, "%s", slot);
	else if (tb[OVL_A_KEY_SLOT])
		ev_printf(ev, "slot %" PRIu32, s);
	if (tb[OVL_A_KEY_ID])
		ev_printf(ev, "%sid %u", tb[OVL_A_KEY_SLOT] ? " " : "",
			  mnl_attr_get_u8(tb[OVL_A_KEY_ID]));
	ev_printf(ev, ")");
	return 0;
}

static const char *const key_event_json[] = {
	[OVL_KEY_EVENT_INSTALLED]	= "installed",
	[OVL_KEY_EVENT_PROMOTED]	= "promoted",
	[OVL_KEY_EVENT_SWAPPED]		= "swapped",
	[OVL_KEY_EVENT_EXPIRED]		= "expired",
};

static const char *const key_event_text[] = {
	[OVL_KEY_EVENT_INSTALLED]	= "installed",
	[OVL_KEY_EVENT_PROMOTED]	= "promoted to primary",
	[OVL_KEY_EVENT_SWAPPED]		= "swapped in",
	[OVL_KEY_EVENT_EXPIRED]		= "expired",
};

/*
 * OVL_CMD_KEY_NTF, a handshake event: "peer 42 key 3 installed (secondary,
 * lifetime 180 s)", "peer 42 key 3 promoted to primary", "peer 42 key 2
 * expired (secondary)".  Never key material: the kernel sends none.
 */
static int key_ntf(struct event *ev)
{
	const struct nlattr *tb[OVL_A_KEY_MAX + 1] = {};
	const struct nlattr *key = ev->tb[OVL_A_DEV_KEY];
	uint32_t node_id, what, s, lifetime = 0;
	const char *name, *slot;
	uint8_t id;

	if (!key || ovl_nl_parse_nested(key, key_event_policy, OVL_A_KEY_MAX,
					tb) ||
	    !tb[OVL_A_KEY_NODE_ID] || !tb[OVL_A_KEY_ID] ||
	    !tb[OVL_A_KEY_SLOT] || !tb[OVL_A_KEY_EVENT])
		return -1;
	node_id = mnl_attr_get_u32(tb[OVL_A_KEY_NODE_ID]);
	id = mnl_attr_get_u8(tb[OVL_A_KEY_ID]);
	s = mnl_attr_get_u32(tb[OVL_A_KEY_SLOT]);
	what = mnl_attr_get_u32(tb[OVL_A_KEY_EVENT]);
	if (tb[OVL_A_KEY_LIFETIME])
		lifetime = mnl_attr_get_u32(tb[OVL_A_KEY_LIFETIME]);
	slot = NAME_OF(slot_names, s);

	if (ev->json) {
		name = NAME_OF(key_event_json, what);
		json_object_object_add(ev->json, "node_id",
				       json_object_new_int64(node_id));
		json_object_object_add(ev->json, "what", name ?
				       json_object_new_string(name) :
				       json_object_new_int64(what));
		json_object_object_add(ev->json, "id", json_object_new_int(id));
		json_object_object_add(ev->json, "slot", slot ?
				       json_object_new_string(slot) :
				       json_object_new_int64(s));
		json_object_object_add(ev->json, "lifetime", lifetime ?
				       json_object_new_int64(lifetime) : NULL);
		return 0;
	}
	name = NAME_OF(key_event_text, what);
	ev_printf(ev, "peer %" PRIu32 " key %u ", node_id, id);
	if (name)
		ev_printf(ev, "%s", name);
	else
		ev_printf(ev, "event %" PRIu32, what);
	ev_printf(ev, " (");
	if (slot)
		ev_printf(ev, "%s", slot);
	else
		ev_printf(ev, "slot %" PRIu32, s);
	if (lifetime)
		ev_printf(ev, ", lifetime %" PRIu32 " s", lifetime);
	ev_printf(ev, ")");
	return 0;
}

static const enum mnl_attr_data_type path_event_policy[OVL_A_PEER_MAX + 1] = {
	[OVL_A_PEER_NODE_ID]		= MNL_TYPE_U32,
	[OVL_A_PEER_PATH]		= MNL_TYPE_U32,
	[OVL_A_PEER_PATH_REASON]	= MNL_TYPE_U32,
	[OVL_A_PEER_RELAY]		= MNL_TYPE_U32,
	[OVL_A_PEER_FLIPS]		= MNL_TYPE_U64,
	[OVL_A_PEER_RELAY_CAP_DROPS]	= MNL_TYPE_U64,
};

static const char *const path_names[] = {
	[OVL_PATH_DIRECT]	= "direct",
	[OVL_PATH_RELAY]	= "relay",
};

static const char *const path_reason_json[] = {
	[OVL_PATH_REASON_BLACKHOLE]	= "blackhole",
	[OVL_PATH_REASON_UNREACHABLE]	= "unreachable",
	[OVL_PATH_REASON_RELAY_RX]	= "relay_rx",
	[OVL_PATH_REASON_PROBED]	= "probed",
	[OVL_PATH_REASON_CONFIG]	= "config",
	[OVL_PATH_REASON_RELAY_CAP]	= "relay_cap",
};

static const char *const path_reason_text[] = {
	[OVL_PATH_REASON_BLACKHOLE]	= "direct path silent",
	[OVL_PATH_REASON_UNREACHABLE]	= "ICMP unreachable",
	[OVL_PATH_REASON_RELAY_RX]	= "peer came through the beacon",
	[OVL_PATH_REASON_PROBED]	= "direct probes answered",
	[OVL_PATH_REASON_CONFIG]	= "relay mode or beacon changed",
	[OVL_PATH_REASON_RELAY_CAP]	= "relay cap reached",
};

/*
 * OVL_CMD_PATH_NTF: "peer 42 path relay (direct path silent), flip 1", or
 * "peer 42 packet dropped: relay cap reached (3 so far)".
 */
static int path_event(struct event *ev)
{
	const struct nlattr *tb[OVL_A_PEER_MAX + 1] = {};
	const struct nlattr *peer = ev->tb[OVL_A_DEV_PEER];
	const char *path, *reason;
	uint32_t node_id, p, why;
	uint64_t flips, caps;

	if (!peer || ovl_nl_parse_nested(peer, path_event_policy,
					 OVL_A_PEER_MAX, tb) ||
	    !tb[OVL_A_PEER_NODE_ID] || !tb[OVL_A_PEER_PATH] ||
	    !tb[OVL_A_PEER_PATH_REASON])
		return -1;
	node_id = mnl_attr_get_u32(tb[OVL_A_PEER_NODE_ID]);
	p = mnl_attr_get_u32(tb[OVL_A_PEER_PATH]);
	why = mnl_attr_get_u32(tb[OVL_A_PEER_PATH_REASON]);
	flips = tb[OVL_A_PEER_FLIPS] ? mnl_attr_get_u64(tb[OVL_A_PEER_FLIPS]) : 0;
	caps = tb[OVL_A_PEER_RELAY_CAP_DROPS] ?
	       mnl_attr_get_u64(tb[OVL_A_PEER_RELAY_CAP_DROPS]) : 0;
	path = NAME_OF(path_names, p);

	if (ev->json) {
		reason = NAME_OF(path_reason_json, why);
		json_object_object_add(ev->json, "node_id",
				       json_object_new_int64(node_id));
		json_object_object_add(ev->json, "path", path ?
				       json_object_new_string(path) :
				       json_object_new_int64(p));
		json_object_object_add(ev->json, "reason", reason ?
				       json_object_new_string(reason) :
				       json_object_new_int64(why));
		json_object_object_add(ev->json, "flips",
				       json_object_new_uint64(flips));
		json_object_object_add(ev->json, "relay_cap_drops",
				       json_object_new_uint64(caps));
		return 0;
	}
	reason = NAME_OF(path_reason_text, why);
	if (why == OVL_PATH_REASON_RELAY_CAP) {
		ev_printf(ev, "peer %" PRIu32 " packet dropped: relay cap reached (%"
			  PRIu64 " so far)", node_id, caps);
		return 0;
	}
	ev_printf(ev, "peer %" PRIu32 " path ", node_id);
	if (path)
		ev_printf(ev, "%s", path);
	else
		ev_printf(ev, "%" PRIu32, p);
	if (reason)
		ev_printf(ev, " (%s)", reason);
	else
		ev_printf(ev, " (reason %" PRIu32 ")", why);
	ev_printf(ev, ", flip %" PRIu64, flips);
	return 0;
}

/**
 * struct event_type - a kind of event
 * @cmd: its genl command
 * @name: its name, the "event" field of its JSON object
 * @print: adds its fields to the event, from @ev->tb; returns 0, or -1 if
 *	the event is malformed
 */
struct event_type {
	uint8_t cmd;
	const char *name;
	int (*print)(struct event *ev);
};

static const struct event_type events[] = {
	{ OVL_CMD_KEY_NEEDED_NTF,	"key_needed",	key_needed },
	{ OVL_CMD_PATH_NTF,		"path",		path_event },
	{ OVL_CMD_KEY_NTF,		"key",		key_ntf },
};

/* The most control daemons a monitor listens to at once. */
#define MONITOR_DAEMONS		16

/**
 * struct daemon_sock - a connection to a control daemon's event socket
 * @fd: the socket, or -1 when the slot is free
 * @ifname: its device
 */
struct daemon_sock {
	int fd;
	char ifname[IFNAMSIZ];
};

/**
 * struct monitor - state of one "ovlctl monitor"
 * @json: print JSON lines
 * @ifname: only print the events of this device (or @ifindex), if set
 * @ifindex: the interface index of @ifname when the monitor started
 * @unknown: bitmap of the unknown event commands already reported
 * @daemons: the control daemons listened to
 * @scanned: when RUNDIR was last looked at for daemons (CLOCK_MONOTONIC s)
 * @watch: an inotify descriptor watching RUNDIR, or -1
 */
struct monitor {
	bool json;
	const char *ifname;
	uint32_t ifindex;
	uint8_t unknown[256 / 8];
	struct daemon_sock daemons[MONITOR_DAEMONS];
	time_t scanned;
	int watch;
};

static const struct event_type *event_type(uint8_t cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].cmd == cmd)
			return &events[i];
	return NULL;
}

/* Whether the event is about the device the monitor watches, if any. */
static bool event_wanted(const struct monitor *mon, const struct event *ev)
{
	const struct nlattr *name = ev->tb[OVL_A_DEV_IFNAME];
	const struct nlattr *index = ev->tb[OVL_A_DEV_IFINDEX];

	if (!mon->ifname)
		return true;
	if (name && !strcmp(mnl_attr_get_str(name), mon->ifname))
		return true;
	return index && mnl_attr_get_u32(index) == mon->ifindex;
}

static void event_print(const struct monitor *mon, const struct event *ev,
			const struct event_type *type)
{
	const struct nlattr *name = ev->tb[OVL_A_DEV_IFNAME];
	const struct nlattr *index = ev->tb[OVL_A_DEV_IFINDEX];
	struct event out = *ev;

	if (mon->json) {
		out.json = json_object_new_object();
		if (!out.json)
			return;
		json_object_object_add(out.json, "event",
				       json_object_new_string(type->name));
		json_object_object_add(out.json, "ifname", name ?
				       json_object_new_string(mnl_attr_get_str(name)) :
				       NULL);
	} else if (name) {
		ev_printf(&out, "%s: ", mnl_attr_get_str(name));
	} else if (index) {
		ev_printf(&out, "ifindex %" PRIu32 ": ",
			  mnl_attr_get_u32(index));
	}
	if (type->print(&out)) {
		pr_err("monitor: malformed %s event: %s", type->name,
		       strerror(EBADMSG));
	} else if (out.json) {
		json_print(out.json);
	} else {
		puts(out.text);
	}
	json_object_put(out.json);
	fflush(stdout);
}

static int monitor_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct monitor *mon = arg;
	const struct event_type *type;
	struct event ev = {};

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return MNL_CB_OK;
	type = event_type(genl->cmd);
	if (!type) {
		if (!(mon->unknown[genl->cmd / 8] & (1u << genl->cmd % 8))) {
			mon->unknown[genl->cmd / 8] |= 1u << genl->cmd % 8;
			pr_err("unknown event %u", genl->cmd);
		}
		return MNL_CB_OK;
	}
	if (ovl_nl_parse(nlh, event_policy, OVL_A_DEV_MAX, ev.tb)) {
		pr_err("monitor: malformed %s event: %s", type->name,
		       strerror(errno));
		return MNL_CB_OK;
	}
	if (event_wanted(mon, &ev))
		event_print(mon, &ev, type);
	return MNL_CB_OK;
}

static time_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Listen to the daemon of @ifname, if it runs and is not listened to. */
static void daemon_connect(struct monitor *mon, const char *ifname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct daemon_sock *free_slot = NULL;
	unsigned int i;
	int n, fd;

	if (strlen(ifname) >= IFNAMSIZ)
		return;
	for (i = 0; i < MONITOR_DAEMONS; i++) {
		if (mon->daemons[i].fd < 0) {
			free_slot = free_slot ?: &mon->daemons[i];
		} else if (!strcmp(mon->daemons[i].ifname, ifname)) {
			return;
		}
	}
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.events",
		     status_rundir(), ifname);
	if (!free_slot || n < 0 || (size_t)n >= sizeof(sun.sun_path))
		return;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	/* No daemon there (gone, or not started yet): try again later. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return;
	}
	free_slot->fd = fd;
	strcpy(free_slot->ifname, ifname);
}

/*
 * Look for the daemons of RUNDIR (of @mon->ifname only, if set) that the
 * monitor does not listen to yet: at the start, when RUNDIR changes (a
 * daemon's socket is ready once its mode is set, events.c), and once a
 * second (RUNDIR may appear later, inotify may be out of watches), so
 * that a daemon started or restarted later is heard from its start.
 */
static void daemons_scan(struct monitor *mon)
{
	struct dirent *de;
	size_t len;
	DIR *dir;

	mon->scanned = mono_s();
	if (mon->ifname) {
		daemon_connect(mon, mon->ifname);
		return;
	}
	dir = opendir(status_rundir());
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		len = strlen(de->d_name);
		if (len > 7 && len - 7 < IFNAMSIZ &&
		    !strcmp(de->d_name + len - 7, ".events")) {
			de->d_name[len - 7] = '\0';
			daemon_connect(mon, de->d_name);
		}
	}
	closedir(dir);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

/* A daemon event as a text line, as the kernel's are printed. */
static void daemon_event_text(struct json_object *o, const char *ifname,
			      const char *name)
{
	const char *role = jstr(o, "role"), *via = jstr(o, "via");
	const char *from = jstr(o, "from"), *reason = jstr(o, "reason");
	const char *detail = jstr(o, "detail");
	int64_t node = 0, key = 0, life = 0, relay_node = 0;
	bool has_node = jint(o, "node_id", &node);

	if (!strcmp(name, "handshake") && has_node && role &&
	    jint(o, "key_id", &key)) {
		jint(o, "lifetime", &life);
		printf("%s: peer %" PRId64 " handshake %s, key id %" PRId64
		       ", %s, lifetime %" PRId64 " s\n", ifname, node,
		       strcmp(role, "initiator") ? "answered (responder)" :
						   "completed (initiator)",
		       key, via ?: "direct", life);
	} else if (!strcmp(name, "handshake_refused") && reason) {
		printf("%s: handshake refused from ", ifname);
		if (from)
			fputs(from, stdout);
		else if (jint(o, "via_node_id", &relay_node))
			printf("node %" PRId64 " via the beacon", relay_node);
		else
			fputs("?", stdout);
		if (has_node)
			printf(" (peer %" PRId64 ")", node);
		printf(": %s%s%s\n", reason, detail ? ": " : "",
		       detail ?: "");
	} else {
		printf("%s: %s %s\n", ifname, name, json_str(o));
	}
}

/* One JSON value, all of @buf and nothing else, nested at most 4 deep. */
static struct json_object *json_parse_len(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(4);
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != len)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Print what the daemon of @ds said; close it when it went away. */
static void daemon_read(struct monitor *mon, struct daemon_sock *ds)
{
	char buf[EVENTS_MAX_LEN + 1];
	struct json_object *o;
	const char *name;
	ssize_t n;

	for (;;) {
		n = recv(ds->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			close(ds->fd);
			ds->fd = -1;
			return;
		}
		o = (size_t)n <= EVENTS_MAX_LEN ?
		    json_parse_len(buf, n) : NULL;
		name = o && json_object_is_type(o, json_type_object) ?
		       jstr(o, "event") : NULL;
		if (!name) {
			pr_err("monitor: malformed event from the daemon of %s",
			       ds->ifname);
		} else if (mon->json) {
			json_print(o);
		} else {
			daemon_event_text(o, ds->ifname, name);
		}
		json_object_put(o);
		fflush(stdout);
	}
}

/* Find @mon->ifname's ifindex, checking that it is an ovl device. */
static int monitor_dev_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct monitor *mon = arg;
	struct dev_info dev;

	if (dev_info_parse(nlh, &dev))
		return MNL_CB_ERROR;
	mon->ifindex = dev.ifindex;
	return MNL_CB_OK;
}

static int monitor_dev(struct ovl_nl *nl, struct monitor *mon)
{
	struct nlmsghdr *nlh = ovl_nl_request(nl, OVL_CMD_DEV_GET, 0);

	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, mon->ifname);
	return ovl_nl_call(nl, nlh, monitor_dev_cb, mon, "monitor %s",
			   mon->ifname);
}

/*
 * Print events until SIGINT or SIGTERM.  The signals are blocked and read
 * from a signalfd polled along with the socket: none is lost between two
 * reads, and a stream of events does not hold one back.
 */
static int monitor_loop(struct ovl_nl *nl, struct monitor *mon)
{
	struct pollfd pfd[3 + MONITOR_DAEMONS] = {
		{ .events = POLLIN },
		{ .fd = ovl_nl_fd(nl), .events = POLLIN },
		{ .fd = mon->watch, .events = POLLIN },
	};
	char buf[4096];
	struct signalfd_siginfo si;
	sigset_t stop, old_mask;
	unsigned int i;
	int err = -1;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old_mask);
	pfd[0].fd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (pfd[0].fd < 0) {
		pr_err("monitor: signalfd: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		if (mono_s() != mon->scanned)
			daemons_scan(mon);
		for (i = 0; i < MONITOR_DAEMONS; i++) {
			pfd[3 + i].fd = mon->daemons[i].fd;
			pfd[3 + i].events = POLLIN;
			pfd[3 + i].revents = 0;
		}
		if (poll(pfd, ARRAY_SIZE(pfd), 1000) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("monitor: %s", strerror(errno));
			break;
		}
		/* What the daemons said before a signal is printed. */
		for (i = 0; i < MONITOR_DAEMONS; i++)
			if (pfd[3 + i].revents)
				daemon_read(mon, &mon->daemons[i]);
		if (pfd[2].revents) {
			while (read(mon->watch, buf, sizeof(buf)) > 0)
				;
			daemons_scan(mon);
		}
		if (pfd[0].revents) {
			/* Take the signal, which would be left pending. */
			if (read(pfd[0].fd, &si, sizeof(si)) == sizeof(si))
				err = 0;
			else
				pr_err("monitor: signalfd: %s",
				       strerror(errno));
			break;
		}
		if (!pfd[1].revents || !ovl_nl_recv_events(nl, monitor_cb, mon))
			continue;
		if (errno == ENOBUFS) {
			pr_err("monitor: events lost: %s", strerror(errno));
		} else if (errno != EINTR && errno != EAGAIN) {
			pr_err("monitor: %s", strerror(errno));
			break;
		}
	}
	close(pfd[0].fd);
out:
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return err;
}

/* monitor [DEV]: the events of every ovl device, or of DEV. */
static int monitor(struct ovlctl *ctl, int argc, char **argv)
{
	struct monitor mon = { .json = ctl->json, .scanned = -1 };
	struct ovl_nl *nl;
	unsigned int i;
	int err;

	for (i = 0; i < MONITOR_DAEMONS; i++)
		mon.daemons[i].fd = -1;
	mon.watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (mon.watch >= 0 &&
	    inotify_add_watch(mon.watch, status_rundir(),
			      IN_ATTRIB | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		close(mon.watch);
		mon.watch = -1;
	}

	if (argc > 1)
		return usage_err(ctl, "unexpected argument '%s'", argv[1]);
	if (argc) {
		if (arg_ifname(argv[0]))
			return EXIT_USAGE;
		mon.ifname = argv[0];
	}
	nl = ovl_nl_open();
	if (!nl)
		return EXIT_FAILURE;
	err = (mon.ifname && monitor_dev(nl, &mon)) ||
	      ovl_nl_subscribe(nl) || monitor_loop(nl, &mon);
	ovl_nl_close(nl);
	for (i = 0; i < MONITOR_DAEMONS; i++)
		if (mon.daemons[i].fd >= 0)
			close(mon.daemons[i].fd);
	if (mon.watch >= 0)
		close(mon.watch);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

static const struct ctl_cmd monitor_cmds[] = {
	{ "monitor",	"[DEV]",	monitor },
	{}
};

const struct ctl_object monitor_object = {
	.name	= "monitor",
	.cmds	= monitor_cmds,
	.bare	= true,
};
