// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's config file (see config.h and ovl.conf(5)).
 *
 * libinih parses the INI syntax; we feed it lines through our own reader
 * (ini_parse_stream()) rather than ini_parse_file(), because Debian builds
 * the library without INI_HANDLER_LINENO and with a fixed 200-byte line
 * buffer.  The reader counts lines (the handler runs right after the
 * reader returned its line, so the count is the handler's line), refuses
 * a line that would not fit instead of letting libinih cut it in two and
 * parse the tail as a line of its own, refuses NUL bytes, strips the
 * leading blanks so that libinih never takes an indented line for a
 * continuation of the previous value (Debian enables
 * INI_ALLOW_MULTILINE), and sees every section header, even one of a
 * section without keys, of which libinih tells the handler nothing.
 * Debian builds libinih with INI_ALLOW_INLINE_COMMENTS and ';' as the
 * prefix: "key = value ; comment" works, test_config checks it.
 */

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "config.h"
#include "keyfile.h"

enum section { SEC_NONE, SEC_DEVICE, SEC_PEER, SEC_TUNNEL };

/* Keys of each section; a bit in parser::seen, an index in seen_line. */
enum key_id {
	K_LISTEN_PORT, K_IDENTITY, K_CERTIFICATE, K_CA, K_REKEY, K_BEACON,
	K_BEACONS, K_REGISTRY, K_JOIN_TOKEN, K_SYNC, K_RELAY_ONLY,
	K_PUBLIC_KEY, K_ENDPOINT, K_ALLOWED_IPS,
	K_T_LISTEN, K_T_BACKEND, K_T_IDLE, K_T_MAX_CONNS, K_T_DIAL, K_T_DRAIN,
	K_T_POOL, K_T_TLS_CERT, K_T_TLS_KEY, K_T_TLS_CA,
	K_COUNT
};

struct key_def {
	const char *name;
	enum section sec;
	bool list;		/* may repeat, values accumulate */
	bool required;
};

static const struct key_def keys[K_COUNT] = {
	[K_LISTEN_PORT]	= { "listen-port", SEC_DEVICE, false, true },
	[K_IDENTITY]	= { "identity", SEC_DEVICE, false, true },
	[K_CERTIFICATE]	= { "certificate", SEC_DEVICE, false, true },
	[K_CA]		= { "ca", SEC_DEVICE, false, true },
	[K_REKEY]	= { "rekey-after-seconds", SEC_DEVICE, false, false },
	[K_BEACON]	= { "beacon", SEC_DEVICE, false, false },
	[K_BEACONS]	= { "beacons", SEC_DEVICE, false, false },
	[K_REGISTRY]	= { "registry", SEC_DEVICE, false, false },
	[K_JOIN_TOKEN]	= { "join-token", SEC_DEVICE, false, false },
	[K_SYNC]	= { "registry-sync-seconds", SEC_DEVICE, false, false },
	[K_RELAY_ONLY]	= { "relay-only", SEC_DEVICE, false, false },
	[K_PUBLIC_KEY]	= { "public-key", SEC_PEER, false, true },
	[K_ENDPOINT]	= { "endpoint", SEC_PEER, false, false },
	[K_ALLOWED_IPS]	= { "allowed-ips", SEC_PEER, true, true },
	/*
	 * [tunnel NAME]: values go to tunnel_conf_set(), what a section
	 * needs is tunnel_conf_check()'s; listed here for "given twice".
	 */
	[K_T_LISTEN]	= { "listen", SEC_TUNNEL, false, false },
	[K_T_BACKEND]	= { "backend", SEC_TUNNEL, true, false },
	[K_T_IDLE]	= { "idle-timeout", SEC_TUNNEL, false, false },
	[K_T_MAX_CONNS]	= { "max-conns", SEC_TUNNEL, false, false },
	[K_T_DIAL]	= { "dial-timeout", SEC_TUNNEL, false, false },
	[K_T_DRAIN]	= { "drain-timeout", SEC_TUNNEL, false, false },
	[K_T_POOL]	= { "pool", SEC_TUNNEL, false, false },
	[K_T_TLS_CERT]	= { "tls-cert", SEC_TUNNEL, false, false },
	[K_T_TLS_KEY]	= { "tls-key", SEC_TUNNEL, false, false },
	[K_T_TLS_CA]	= { "tls-client-ca", SEC_TUNNEL, false, false },
};

struct parser {
	const char *name;		/* the file, for messages */
	const char *text;
	size_t len, pos;
	unsigned int line;		/* of the line last read */
	bool failed;
	unsigned int fail_at;		/* lines read when it failed */
	char *err;
	size_t errlen;

	struct config cfg;		/* being built */
	size_t peers_cap;
	size_t tunnels_cap;
	enum section sec;
	char sec_name[8 + TUNNEL_NAME_MAX];	/* "tunnel " NAME */
	unsigned int sec_line;
	bool device_seen;
	unsigned int device_line;
	unsigned int seen_line[K_COUNT];	/* 0: not seen in section */
	unsigned int token_line, sync_line, relay_line;	/* of [device], for the end */
};

static void __attribute__((format(printf, 3, 4)))
fail(struct parser *p, unsigned int line, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->fail_at = p->line;
	if (p->errlen) {
		if (line)
			n = snprintf(p->err, p->errlen, "%s:%u: ", p->name,
				     line);
		else
			n = snprintf(p->err, p->errlen, "%s: ", p->name);
		if (n < p->errlen) {
			va_start(ap, fmt);
			vsnprintf(p->err + n, p->errlen - n, fmt, ap);
			va_end(ap);
		}
	}
}

static void __attribute__((format(printf, 3, 4)))
verr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int peer_cmp(const void *a, const void *b)
{
	const struct config_peer *x = a, *y = b;

	return x->node_id < y->node_id ? -1 : x->node_id > y->node_id;
}

static int cidr_qcmp(const void *a, const void *b)
{
	return cidr_cmp(a, b);
}

/*
 * A [tunnel NAME] just ended: tunnel_conf_check()'s checks, with its
 * words, at the line of the header; then no other tunnel on its listen
 * address (the second would not bind).
 */
static void tunnel_end(struct parser *p)
{
	struct config_tunnel *t = &p->cfg.tunnels[p->cfg.n_tunnels - 1];
	char err[TUNNEL_ERR_LEN], addr[ADDR_STRLEN];
	unsigned int i;

	if (tunnel_conf_check(&t->conf, err, sizeof(err))) {
		fail(p, t->line, "%s", err);
		return;
	}
	for (i = 0; i + 1 < p->cfg.n_tunnels; i++)
		if (endpoint_equal(&p->cfg.tunnels[i].conf.listen,
				      &t->conf.listen)) {
			endpoint_str(&t->conf.listen, addr);
			fail(p, t->line, "[tunnel %s]: listen %s also the listen of [tunnel %s]",
			     t->conf.name, addr, p->cfg.tunnels[i].conf.name);
			return;
		}
}

/* The section just ended: are its required keys there? */
static void section_end(struct parser *p)
{
	unsigned int k;

	if (p->sec == SEC_NONE || p->failed)
		return;
	for (k = 0; k < K_COUNT; k++)
		if (keys[k].sec == p->sec && keys[k].required &&
		    !p->seen_line[k])
			fail(p, p->sec_line, "[%s]: %s missing", p->sec_name,
			     keys[k].name);
	if (p->sec == SEC_PEER && !p->failed) {
		struct config_peer *peer = &p->cfg.peers[p->cfg.n_peers - 1];

		qsort(peer->allowed, peer->n_allowed, sizeof(*peer->allowed),
		      cidr_qcmp);
	}
	if (p->sec == SEC_TUNNEL && !p->failed)
		tunnel_end(p);
}

static struct config_peer *peer_new(struct parser *p)
{
	struct config_peer *peers;
	size_t cap;

	if (p->cfg.n_peers == CONFIG_MAX_PEERS) {
		fail(p, p->line, "too many peers (at most %u)",
		     CONFIG_MAX_PEERS);
		return NULL;
	}
	if (p->cfg.n_peers == p->peers_cap) {
		cap = p->peers_cap ? 2 * p->peers_cap : 8;
		peers = realloc(p->cfg.peers, cap * sizeof(*peers));
		if (!peers) {
			fail(p, p->line, "out of memory");
			return NULL;
		}
		p->cfg.peers = peers;
		p->peers_cap = cap;
	}
	peers = &p->cfg.peers[p->cfg.n_peers++];
	memset(peers, 0, sizeof(*peers));
	return peers;
}

/* A "[tunnel NAME]" header: a new tunnel with every default. */
static void tunnel_new(struct parser *p, const char *name)
{
	struct config *c = &p->cfg;
	struct config_tunnel *t;
	unsigned int i;
	size_t cap;

	for (i = 0; i < c->n_tunnels; i++)
		if (!strcmp(c->tunnels[i].conf.name, name)) {
			fail(p, p->line, "[tunnel %s]: duplicate section (first at line %u)",
			     name, c->tunnels[i].line);
			return;
		}
	if (c->n_tunnels == CONFIG_MAX_TUNNELS) {
		fail(p, p->line, "too many tunnels (at most %u)",
		     CONFIG_MAX_TUNNELS);
		return;
	}
	if (c->n_tunnels == p->tunnels_cap) {
		cap = p->tunnels_cap ? 2 * p->tunnels_cap : 4;
		t = realloc(c->tunnels, cap * sizeof(*t));
		if (!t) {
			fail(p, p->line, "out of memory");
			return;
		}
		c->tunnels = t;
		p->tunnels_cap = cap;
	}
	t = &c->tunnels[c->n_tunnels];
	if (tunnel_conf_init(&t->conf, name)) {
		fail(p, p->line, "[tunnel %s]: bad name (1 to %u letters, digits, '-', '_' or '.')",
		     name, TUNNEL_NAME_MAX - 1);
		return;
	}
	t->line = p->line;
	c->n_tunnels++;
}

/*
 * A "[NAME]" line (@s, leading blanks gone).  libinih takes the name up
 * to the first ']' unless an inline comment starts first, and ignores
 * whatever follows the ']'; we refuse anything but a comment there.
 */
static void section_start(struct parser *p, const char *s)
{
	const char *end = s + 1, *rest;
	struct config_peer *peer;
	bool was_space = false;
	uint32_t id;
	size_t len;

	while (*end && *end != ']' && !(was_space && *end == ';')) {
		was_space = isspace((unsigned char)*end);
		end++;
	}
	if (*end != ']') {
		fail(p, p->line, "section header without ']'");
		return;
	}
	for (rest = end + 1; isspace((unsigned char)*rest); rest++)
		;
	if (*rest && *rest != ';' && *rest != '#') {
		fail(p, p->line, "text after the section header");
		return;
	}
	section_end(p);
	if (p->failed)
		return;

	len = end - (s + 1);
	if (len >= sizeof(p->sec_name)) {
		fail(p, p->line, "unknown section (name too long)");
		return;
	}
	memcpy(p->sec_name, s + 1, len);
	p->sec_name[len] = '\0';
	memset(p->seen_line, 0, sizeof(p->seen_line));
	p->sec_line = p->line;

	if (!strcmp(p->sec_name, "device")) {
		if (p->device_seen) {
			fail(p, p->line, "[device]: duplicate section (first at line %u)",
			     p->device_line);
			return;
		}
		p->device_seen = true;
		p->device_line = p->line;
		p->sec = SEC_DEVICE;
	} else if (!strncmp(p->sec_name, "peer ", 5)) {
		if (parse_u32(p->sec_name + 5, &id) || !id) {
			fail(p, p->line, "[%s]: node id must be 1..%u",
			     p->sec_name, UINT32_MAX);
			return;
		}
		peer = peer_new(p);
		if (!peer)
			return;
		peer->node_id = id;
		peer->line = p->line;
		p->sec = SEC_PEER;
	} else if (!strncmp(p->sec_name, "tunnel ", 7)) {
		tunnel_new(p, p->sec_name + 7);
		p->sec = SEC_TUNNEL;
	} else {
		fail(p, p->line, "unknown section [%s]", p->sec_name);
	}
}

/* ini_reader: hand libinih the next line, or NULL to stop. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *s, *nl;
	size_t len;

	if (p->failed || p->pos >= p->len)
		return NULL;
	s = p->text + p->pos;
	nl = memchr(s, '\n', p->len - p->pos);
	len = nl ? (size_t)(nl - s) : p->len - p->pos;
	p->pos += len + !!nl;
	p->line++;

	if (memchr(s, '\0', len)) {
		fail(p, p->line, "NUL byte");
		return NULL;
	}
	if (len && s[len - 1] == '\r')
		len--;
	if (p->line == 1 && len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;			/* a UTF-8 byte order mark */
		len -= 3;
	}
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	/* The line, '\n' and '\0' must fit: libinih would split it. */
	if (num < 2 || len > (size_t)num - 2) {
		fail(p, p->line, "line too long (more than %d characters)",
		     num - 2);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	if (*str == '[') {
		section_start(p, str);
		if (p->failed)
			return NULL;
	}
	return str;
}

static int key_lookup(const char *name)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (!strcmp(keys[k].name, name))
			return k;
	return -1;
}

static char *next_item(char **list)
{
	char *s = *list, *comma = strchr(s, ',');
	char *end;

	*list = comma ? comma + 1 : NULL;
	if (comma)
		*comma = '\0';
	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static void set_path(struct parser *p, const char *key, const char *v,
		     char **out)
{
	if (*v != '/') {
		fail(p, p->line, "%s: %s: not an absolute path", key, v);
		return;
	}
	if (strlen(v) >= PATH_MAX) {
		fail(p, p->line, "%s: path too long", key);
		return;
	}
	*out = strdup(v);
	if (!*out)
		fail(p, p->line, "out of memory");
}

static void parse_key(struct parser *p, const char *key, const char *v,
		      uint8_t *out)
{
	if (key_from_b64(v, out))
		fail(p, p->line, "%s: %s: not a public key (expected 32 bytes in standard base64)",
		     key, v);
}

static int parse_ep(struct parser *p, const char *key, const char *v,
		    struct sockaddr_storage *ss)
{
	if (strchr(v, '%')) {
		fail(p, p->line, "%s: %s: IPv6 scope ids are not supported",
		     key, v);
		return -1;
	}
	if (parse_endpoint(v, ss)) {
		fail(p, p->line, "%s: %s: expected A.B.C.D:PORT or [IPv6]:PORT (port 1..65535)",
		     key, v);
		return -1;
	}
	return 0;
}

static void add_beacons(struct parser *p, const char *key, char *list)
{
	struct config *c = &p->cfg;
	struct sockaddr_storage ss;
	unsigned int i;
	char *item;

	while (list && !p->failed) {
		item = next_item(&list);
		if (!*item) {
			fail(p, p->line, "%s: empty entry", key);
			return;
		}
		if (parse_ep(p, key, item, &ss))
			return;
		for (i = 0; i < c->n_beacons; i++)
			if (endpoint_equal(&c->beacons[i], &ss)) {
				fail(p, p->line, "%s: %s: given twice", key,
				     item);
				return;
			}
		if (c->n_beacons == CONFIG_MAX_BEACONS) {
			fail(p, p->line, "%s: too many beacons (at most %u)",
			     key, CONFIG_MAX_BEACONS);
			return;
		}
		if (!c->beacons)
			c->beacons = calloc(CONFIG_MAX_BEACONS,
					    sizeof(*c->beacons));
		if (!c->beacons) {
			fail(p, p->line, "out of memory");
			return;
		}
		c->beacons[c->n_beacons++] = ss;
	}
}

/* "http://HOST..." or "https://HOST...", printable, no blanks. */
static bool url_ok(const char *s)
{
	const char *rest;

	if (!strncmp(s, "https://", 8))
		rest = s + 8;
	else if (!strncmp(s, "http://", 7))
		rest = s + 7;
	else
		return false;
	if (!*rest || *rest == '/')
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

static void add_registries(struct parser *p, char *list)
{
	struct config *c = &p->cfg;
	unsigned int i;
	char *item;

	while (list && !p->failed) {
		item = next_item(&list);
		if (!*item) {
			fail(p, p->line, "registry: empty entry");
			return;
		}
		if (!url_ok(item)) {
			fail(p, p->line, "registry: %s: not an http:// or https:// URL",
			     item);
			return;
		}
		for (i = 0; i < c->n_registries; i++)
			if (!strcmp(c->registries[i], item)) {
				fail(p, p->line, "registry: %s: given twice",
				     item);
				return;
			}
		if (c->n_registries == CONFIG_MAX_REGISTRIES) {
			fail(p, p->line, "registry: too many URLs (at most %u)",
			     CONFIG_MAX_REGISTRIES);
			return;
		}
		if (!c->registries)
			c->registries = calloc(CONFIG_MAX_REGISTRIES,
					       sizeof(*c->registries));
		if (c->registries)
			c->registries[c->n_registries] = strdup(item);
		if (!c->registries || !c->registries[c->n_registries]) {
			fail(p, p->line, "out of memory");
			return;
		}
		c->n_registries++;
	}
}

static void add_prefix(struct parser *p, struct config_peer *peer,
		       const char *item)
{
	const char *slash = strchr(item, '/');
	struct cidr c, *allowed;
	char addr[ADDR_STRLEN];
	uint32_t len;
	unsigned int i;

	if (parse_cidr(item, &c)) {
		if (slash && (size_t)(slash - item) < sizeof(addr)) {
			memcpy(addr, item, slash - item);
			addr[slash - item] = '\0';
			if (!parse_cidr(addr, &c)) {
				fail(p, p->line, "allowed-ips: %s: %s", item,
				     parse_u32(slash + 1, &len) ?
				     "bad prefix length" :
				     "prefix length out of range");
				return;
			}
		}
		fail(p, p->line, "allowed-ips: %s: not an ADDRESS/LENGTH prefix",
		     item);
		return;
	}
	if (!cidr_canonical(&c)) {
		fail(p, p->line, "allowed-ips: %s: host bits set", item);
		return;
	}
	for (i = 0; i < peer->n_allowed; i++)
		if (!cidr_cmp(&peer->allowed[i], &c)) {
			fail(p, p->line, "allowed-ips: %s: given twice", item);
			return;
		}
	if (peer->n_allowed == CONFIG_MAX_ALLOWED_IPS) {
		fail(p, p->line, "allowed-ips: too many (at most %u a peer)",
		     CONFIG_MAX_ALLOWED_IPS);
		return;
	}
	/* Powers of two from 4: room is there whenever n is one. */
	if (peer->n_allowed >= 4 && (peer->n_allowed & (peer->n_allowed - 1)))
		goto store;
	allowed = realloc(peer->allowed, (peer->n_allowed < 4 ? 4 :
			  2 * peer->n_allowed) * sizeof(*allowed));
	if (!allowed) {
		fail(p, p->line, "out of memory");
		return;
	}
	peer->allowed = allowed;
store:
	peer->allowed[peer->n_allowed++] = c;
}

/* One key of a [tunnel NAME], parsed by the tunnel module. */
static void tunnel_key(struct parser *p, const char *name, const char *value)
{
	struct config_tunnel *t = &p->cfg.tunnels[p->cfg.n_tunnels - 1];
	char err[TUNNEL_ERR_LEN];

	if (tunnel_conf_set(&t->conf, name, value, err, sizeof(err)))
		fail(p, p->line, "%s", err);
}

/* ini_handler: one "key = value" of the current section. */
static int handle(void *user, const char *section, const char *name,
		  const char *value)
{
	struct parser *p = user;
	struct config *c = &p->cfg;
	struct config_peer *peer;
	char buf[512], *list;
	const char *s;
	size_t len;
	uint32_t n;
	int k;

	(void)section;		/* section_start() saw it first */
	if (p->failed)
		return 0;
	if (p->sec == SEC_NONE) {
		fail(p, p->line, "%s: key outside a section", name);
		return 0;
	}
	k = key_lookup(name);
	if ((k < 0 || keys[k].sec != p->sec) && p->sec == SEC_TUNNEL) {
		/* tunnel_conf_set()'s words for it. */
		tunnel_key(p, name, value);
		return 0;
	}
	if (k < 0 || keys[k].sec != p->sec) {
		fail(p, p->line, "[%s]: unknown key '%s'", p->sec_name, name);
		return 0;
	}
	if (p->seen_line[k] && !keys[k].list) {
		fail(p, p->line, "%s: given twice (first at line %u)", name,
		     p->seen_line[k]);
		return 0;
	}
	if (!p->seen_line[k])
		p->seen_line[k] = p->line;
	if (!*value) {
		fail(p, p->line, "%s: empty value", name);
		return 0;
	}
	for (s = value; *s; s++)
		if (iscntrl((unsigned char)*s)) {
			fail(p, p->line, "%s: control character in value",
			     name);
			return 0;
		}
	/* Shorter than a line, which libinih bounds. */
	len = strlen(value);
	if (len >= sizeof(buf)) {
		fail(p, p->line, "%s: value too long", name);
		return 0;
	}
	memcpy(buf, value, len + 1);
	list = buf;
	peer = p->sec == SEC_PEER ? &c->peers[c->n_peers - 1] : NULL;

	switch (k) {
	case K_LISTEN_PORT:
		if (parse_u16(value, &c->listen_port) || !c->listen_port)
			fail(p, p->line, "listen-port: %s: not a port (1..65535)",
			     value);
		break;
	case K_IDENTITY:
		set_path(p, name, value, &c->identity);
		break;
	case K_CERTIFICATE:
		set_path(p, name, value, &c->certificate);
		break;
	case K_JOIN_TOKEN:
		p->token_line = p->line;
		set_path(p, name, value, &c->join_token);
		break;
	case K_CA:
		parse_key(p, name, value, c->ca);
		break;
	case K_REKEY:
		if (parse_u32(value, &n))
			fail(p, p->line, "rekey-after-seconds: %s: not a number",
			     value);
		else if (n < CONFIG_REKEY_MIN || n > CONFIG_REKEY_MAX)
			fail(p, p->line, "rekey-after-seconds: %s: out of range (%u..%u)",
			     value, CONFIG_REKEY_MIN, CONFIG_REKEY_MAX);
		else
			c->rekey_after = n;
		break;
	case K_BEACON:
	case K_BEACONS:
		if (p->seen_line[K_BEACON] && p->seen_line[K_BEACONS]) {
			fail(p, p->line, "%s: %s already given at line %u",
			     name, k == K_BEACON ? "beacons" : "beacon",
			     p->seen_line[k == K_BEACON ? K_BEACONS : K_BEACON]);
			break;
		}
		if (k == K_BEACON && strchr(value, ',')) {
			fail(p, p->line, "beacon: one endpoint only (a list goes in beacons)");
			break;
		}
		add_beacons(p, name, list);
		break;
	case K_REGISTRY:
		add_registries(p, list);
		break;
	case K_SYNC:
		p->sync_line = p->line;
		if (parse_u32(value, &n))
			fail(p, p->line, "registry-sync-seconds: %s: not a number",
			     value);
		else if (n < CONFIG_SYNC_MIN || n > CONFIG_SYNC_MAX)
			fail(p, p->line, "registry-sync-seconds: %s: out of range (%u..%u)",
			     value, CONFIG_SYNC_MIN, CONFIG_SYNC_MAX);
		else
			c->sync_seconds = n;
		break;
	case K_RELAY_ONLY:
		p->relay_line = p->line;
		if (!strcmp(value, "yes") || !strcmp(value, "true"))
			c->relay_only = true;
		else if (strcmp(value, "no") && strcmp(value, "false"))
			fail(p, p->line, "relay-only: %s: not yes or no",
			     value);
		break;
	case K_PUBLIC_KEY:
		parse_key(p, name, value, peer->public_key);
		break;
	case K_ENDPOINT:
		parse_ep(p, name, value, &peer->endpoint);
		break;
	case K_ALLOWED_IPS:
		while (list && !p->failed) {
			s = next_item(&list);
			if (!*s)
				fail(p, p->line, "allowed-ips: empty entry");
			else
				add_prefix(p, peer, s);
		}
		break;
	default:
		tunnel_key(p, name, value);
		break;
	}
	return !p->failed;
}

/* Across peers: unique ids, public keys and allowed-ips. */
struct aip_ref {
	struct cidr c;
	const struct config_peer *peer;
};

static int aip_qcmp(const void *a, const void *b)
{
	const struct aip_ref *x = a, *y = b;
	int d = cidr_cmp(&x->c, &y->c);

	if (d)
		return d;
	return x->peer->line < y->peer->line ? -1 : 1;
}

static int key_qcmp(const void *a, const void *b)
{
	const struct config_peer *const *x = a, *const *y = b;
	int d = memcmp((*x)->public_key, (*y)->public_key, CONFIG_KEY_LEN);

	if (d)
		return d;
	return (*x)->line < (*y)->line ? -1 : 1;
}

static void check_peers(struct parser *p)
{
	struct config *c = &p->cfg;
	const struct config_peer **byk = NULL;
	const struct config_peer *a, *b;
	struct aip_ref *refs = NULL;
	char buf[ADDR_STRLEN];
	size_t n = 0, i, j;

	if (!c->n_peers)
		return;
	qsort(c->peers, c->n_peers, sizeof(*c->peers), peer_cmp);
	for (i = 1; i < c->n_peers; i++) {
		a = &c->peers[i - 1];
		b = &c->peers[i];
		if (a->node_id == b->node_id) {
			if (a->line > b->line)
				a = b, b = &c->peers[i - 1];
			fail(p, b->line, "[peer %u]: duplicate section (first at line %u)",
			     b->node_id, a->line);
			return;
		}
	}

	byk = calloc(c->n_peers, sizeof(*byk));
	for (i = 0; i < c->n_peers; i++) {
		if (byk)
			byk[i] = &c->peers[i];
		n += c->peers[i].n_allowed;
	}
	refs = calloc(n, sizeof(*refs));
	if (!byk || !refs) {
		fail(p, 0, "out of memory");
		goto out;
	}
	qsort(byk, c->n_peers, sizeof(*byk), key_qcmp);
	for (i = 1; i < c->n_peers; i++)
		if (!memcmp(byk[i - 1]->public_key, byk[i]->public_key,
			    CONFIG_KEY_LEN)) {
			fail(p, byk[i]->line, "[peer %u]: public-key also the key of [peer %u]",
			     byk[i]->node_id, byk[i - 1]->node_id);
			goto out;
		}

	n = 0;
	for (i = 0; i < c->n_peers; i++)
		for (j = 0; j < c->peers[i].n_allowed; j++) {
			refs[n].c = c->peers[i].allowed[j];
			refs[n++].peer = &c->peers[i];
		}
	qsort(refs, n, sizeof(*refs), aip_qcmp);
	for (i = 1; i < n; i++)
		if (!cidr_cmp(&refs[i - 1].c, &refs[i].c)) {
			fail(p, refs[i].peer->line, "[peer %u]: allowed-ips %s also in [peer %u]",
			     refs[i].peer->node_id, cidr_fmt(&refs[i].c, buf),
			     refs[i - 1].peer->node_id);
			goto out;
		}
out:
	free(byk);
	free(refs);
}

int config_parse(const char *name, const char *text, size_t len,
		 struct config *cfg, char *err, size_t errlen)
{
	struct parser p = {
		.name = name, .text = text, .len = len,
		.err = err, .errlen = errlen,
	};
	int ret;

	p.cfg.rekey_after = CONFIG_REKEY_DEFAULT;
	p.cfg.sync_seconds = CONFIG_SYNC_DEFAULT;
	ret = ini_parse_stream(read_line, &p, handle, &p);
	/* A line libinih could not parse (no '=', no ']') before ours? */
	if (ret > 0 && (!p.failed || (unsigned int)ret < p.fail_at)) {
		p.failed = false;
		fail(&p, ret, "expected [section] or key = value");
	} else if (ret < 0 && !p.failed) {
		fail(&p, 0, "libinih failed (%d)", ret);
	}
	if (!p.failed)
		section_end(&p);
	if (!p.failed && !p.device_seen)
		fail(&p, 0, "no [device] section");
	/* A join token or a sync period is for a registry. */
	if (!p.failed && !p.cfg.n_registries && p.token_line)
		fail(&p, p.token_line,
		     "join-token: needs a registry to enroll with");
	if (!p.failed && !p.cfg.n_registries && p.relay_line)
		fail(&p, p.relay_line,
		     "relay-only: needs a registry to register with");
	if (!p.failed && !p.cfg.n_registries && p.sync_line)
		fail(&p, p.sync_line,
		     "registry-sync-seconds: no registry to sync with");
	if (!p.failed)
		check_peers(&p);
	if (!p.failed && config_validate(&p.cfg, err, errlen)) {
		/* A bug: say so rather than hand out a bad config. */
		p.failed = true;
	}
	if (p.failed) {
		config_free(&p.cfg);
		return -1;
	}
	*cfg = p.cfg;
	return 0;
}

int config_load(const char *path, struct config *cfg, char *err,
		size_t errlen)
{
	size_t size = 0, n;
	char *buf;
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		verr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		verr(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while ((n = fread(buf + size, 1, CONFIG_FILE_MAX + 1 - size, f)))
		size += n;
	if (ferror(f)) {
		verr(err, errlen, "%s: read error", path);
		ret = -1;
	} else if (size > CONFIG_FILE_MAX) {
		verr(err, errlen, "%s: larger than %u bytes", path,
		     CONFIG_FILE_MAX);
		ret = -1;
	} else {
		ret = config_parse(path, buf, size, cfg, err, errlen);
	}
	free(buf);
	fclose(f);
	return ret;
}

static bool path_ok(const char *s)
{
	if (!s || *s != '/' || strlen(s) >= PATH_MAX)
		return false;
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return false;
	return true;
}

/* Do two peers share a public key or an allowed-ip? */
static bool peers_clash(const struct config_peer *a,
			const struct config_peer *b, char *err, size_t errlen)
{
	unsigned int x, y;

	if (!memcmp(a->public_key, b->public_key, CONFIG_KEY_LEN)) {
		verr(err, errlen, "peers %u and %u: same public key",
		     a->node_id, b->node_id);
		return true;
	}
	for (x = 0; x < a->n_allowed; x++)
		for (y = 0; y < b->n_allowed; y++)
			if (!cidr_cmp(&a->allowed[x], &b->allowed[y])) {
				verr(err, errlen, "peers %u and %u: same allowed-ip",
				     a->node_id, b->node_id);
				return true;
			}
	return false;
}

int config_validate(const struct config *c, char *err, size_t errlen)
{
	const struct config_peer *peer;
	unsigned int i, j;

	if (!c->listen_port)
		return verr(err, errlen, "listen-port missing"), -1;
	if (!path_ok(c->identity) || !path_ok(c->certificate))
		return verr(err, errlen, "identity or certificate: no absolute path"), -1;
	if (c->join_token && !path_ok(c->join_token))
		return verr(err, errlen, "join-token: not an absolute path"), -1;
	if (c->n_registries && (c->sync_seconds < CONFIG_SYNC_MIN ||
				c->sync_seconds > CONFIG_SYNC_MAX))
		return verr(err, errlen, "registry-sync-seconds out of range"), -1;
	if (c->rekey_after < CONFIG_REKEY_MIN ||
	    c->rekey_after > CONFIG_REKEY_MAX)
		return verr(err, errlen, "rekey-after-seconds out of range"), -1;
	if (c->n_beacons > CONFIG_MAX_BEACONS ||
	    (c->n_beacons && !c->beacons))
		return verr(err, errlen, "beacons: bad count"), -1;
	for (i = 0; i < c->n_beacons; i++) {
		if (c->beacons[i].ss_family != AF_INET &&
		    c->beacons[i].ss_family != AF_INET6)
			return verr(err, errlen, "beacons: not an endpoint"), -1;
		for (j = 0; j < i; j++)
			if (endpoint_equal(&c->beacons[i], &c->beacons[j]))
				return verr(err, errlen, "beacons: repeated"), -1;
	}
	if (c->n_registries > CONFIG_MAX_REGISTRIES ||
	    (c->n_registries && !c->registries))
		return verr(err, errlen, "registry: bad count"), -1;
	for (i = 0; i < c->n_registries; i++) {
		if (!c->registries[i] || !url_ok(c->registries[i]))
			return verr(err, errlen, "registry: not a URL"), -1;
		for (j = 0; j < i; j++)
			if (!strcmp(c->registries[i], c->registries[j]))
				return verr(err, errlen, "registry: repeated"), -1;
	}
	if (c->n_peers > CONFIG_MAX_PEERS || (c->n_peers && !c->peers))
		return verr(err, errlen, "peers: bad count"), -1;
	for (i = 0; i < c->n_peers; i++) {
		peer = &c->peers[i];
		if (!peer->node_id)
			return verr(err, errlen, "peer: node id 0"), -1;
		if (i && peer->node_id <= c->peers[i - 1].node_id)
			return verr(err, errlen, "peers: not sorted or repeated"), -1;
		if (peer->endpoint.ss_family &&
		    peer->endpoint.ss_family != AF_INET &&
		    peer->endpoint.ss_family != AF_INET6)
			return verr(err, errlen, "peer %u: bad endpoint",
				    peer->node_id), -1;
		if (!peer->n_allowed || !peer->allowed ||
		    peer->n_allowed > CONFIG_MAX_ALLOWED_IPS)
			return verr(err, errlen, "peer %u: bad allowed-ips count",
				    peer->node_id), -1;
		for (j = 0; j < peer->n_allowed; j++) {
			if (!cidr_canonical(&peer->allowed[j]))
				return verr(err, errlen, "peer %u: allowed-ip not canonical",
					    peer->node_id), -1;
			if (j && cidr_cmp(&peer->allowed[j - 1],
					  &peer->allowed[j]) >= 0)
				return verr(err, errlen, "peer %u: allowed-ips not sorted or repeated",
					    peer->node_id), -1;
		}
	}
	/* Across peers (quadratic, but only a checker). */
	for (i = 0; c->n_peers <= 1024 && i < c->n_peers; i++)
		for (j = 0; j < i; j++)
			if (peers_clash(&c->peers[j], &c->peers[i], err,
					errlen))
				return -1;
	if (c->n_tunnels > CONFIG_MAX_TUNNELS || (c->n_tunnels && !c->tunnels))
		return verr(err, errlen, "tunnels: bad count"), -1;
	for (i = 0; i < c->n_tunnels; i++) {
		const struct tunnel_conf *t = &c->tunnels[i].conf;

		if (tunnel_conf_check(t, err, errlen))
			return -1;
		for (j = 0; j < i; j++) {
			if (!strcmp(t->name, c->tunnels[j].conf.name))
				return verr(err, errlen, "tunnel %s: repeated",
					    t->name), -1;
			if (endpoint_equal(&t->listen,
					      &c->tunnels[j].conf.listen))
				return verr(err, errlen, "tunnel %s: listen of another tunnel",
					    t->name), -1;
		}
	}
	return 0;
}

void config_free(struct config *c)
{
	unsigned int i;

	free(c->identity);
	free(c->certificate);
	free(c->join_token);
	free(c->beacons);
	if (c->registries)
		for (i = 0; i < c->n_registries; i++)
			free(c->registries[i]);
	free(c->registries);
	if (c->peers)
		for (i = 0; i < c->n_peers; i++)
			free(c->peers[i].allowed);
	free(c->peers);
	free(c->tunnels);
	memset(c, 0, sizeof(*c));
}

const struct config_tunnel *config_tunnel_find(const struct config *c,
					       const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_tunnels; i++)
		if (!strcmp(c->tunnels[i].conf.name, name))
			return &c->tunnels[i];
	return NULL;
}

/*
 * Two tunnel configs alike?  Field by field: tunnel_conf_init() zeroes
 * the struct, but a sockaddr parsed twice need not match byte for byte.
 */
static bool tunnel_equal(const struct tunnel_conf *a,
			 const struct tunnel_conf *b)
{
	unsigned int i;

	if (strcmp(a->name, b->name) ||
	    !endpoint_equal(&a->listen, &b->listen) ||
	    a->n_backends != b->n_backends ||
	    a->idle_timeout != b->idle_timeout ||
	    a->max_conns != b->max_conns ||
	    a->dial_timeout != b->dial_timeout ||
	    a->drain_timeout != b->drain_timeout || a->pool != b->pool ||
	    strcmp(a->tls_cert, b->tls_cert) ||
	    strcmp(a->tls_key, b->tls_key) ||
	    strcmp(a->tls_client_ca, b->tls_client_ca))
		return false;
	for (i = 0; i < a->n_backends; i++)
		if (!endpoint_equal(&a->backends[i].addr,
				       &b->backends[i].addr) ||
		    a->backends[i].weight != b->backends[i].weight)
			return false;
	return true;
}

bool config_tunnel_equal(const struct config_tunnel *a,
			 const struct config_tunnel *b)
{
	return tunnel_equal(&a->conf, &b->conf);
}

const struct config_peer *config_peer_find(const struct config *c,
					   uint32_t node_id)
{
	struct config_peer key = { .node_id = node_id };

	if (!c->n_peers)
		return NULL;
	return bsearch(&key, c->peers, c->n_peers, sizeof(*c->peers),
		       peer_cmp);
}

static unsigned int peer_changes(const struct config_peer *a,
				 const struct config_peer *b)
{
	unsigned int what = 0, i;

	if (!endpoint_equal(&a->endpoint, &b->endpoint))
		what |= CONFIG_PEER_ENDPOINT;
	if (a->n_allowed != b->n_allowed)
		what |= CONFIG_PEER_ALLOWED_IPS;
	for (i = 0; !(what & CONFIG_PEER_ALLOWED_IPS) && i < a->n_allowed; i++)
		if (cidr_cmp(&a->allowed[i], &b->allowed[i]))
			what |= CONFIG_PEER_ALLOWED_IPS;
	if (memcmp(a->public_key, b->public_key, CONFIG_KEY_LEN))
		what |= CONFIG_PEER_PUBLIC_KEY;
	if (a->relay_only != b->relay_only)
		what |= CONFIG_PEER_RELAY_ONLY;
	return what;
}

static bool str_differ(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b);
}

static unsigned int device_changes(const struct config *a,
				   const struct config *b)
{
	unsigned int what = 0, i;

	if (a->listen_port != b->listen_port)
		what |= CONFIG_DEV_LISTEN_PORT;
	if (str_differ(a->identity, b->identity))
		what |= CONFIG_DEV_IDENTITY;
	if (str_differ(a->certificate, b->certificate))
		what |= CONFIG_DEV_CERTIFICATE;
	if (memcmp(a->ca, b->ca, CONFIG_KEY_LEN))
		what |= CONFIG_DEV_CA;
	if (a->rekey_after != b->rekey_after)
		what |= CONFIG_DEV_REKEY;
	if (a->n_beacons != b->n_beacons)
		what |= CONFIG_DEV_BEACONS;
	for (i = 0; !(what & CONFIG_DEV_BEACONS) && i < a->n_beacons; i++)
		if (!endpoint_equal(&a->beacons[i], &b->beacons[i]))
			what |= CONFIG_DEV_BEACONS;
	if (a->n_registries != b->n_registries)
		what |= CONFIG_DEV_REGISTRIES;
	for (i = 0; !(what & CONFIG_DEV_REGISTRIES) && i < a->n_registries; i++)
		if (strcmp(a->registries[i], b->registries[i]))
			what |= CONFIG_DEV_REGISTRIES;
	if (str_differ(a->join_token, b->join_token))
		what |= CONFIG_DEV_JOIN_TOKEN;
	if (a->sync_seconds != b->sync_seconds ||
	    a->relay_only != b->relay_only)
		what |= CONFIG_DEV_REGISTRIES;
	if (a->n_tunnels != b->n_tunnels)
		what |= CONFIG_DEV_TUNNELS;
	for (i = 0; !(what & CONFIG_DEV_TUNNELS) && i < a->n_tunnels; i++) {
		const struct config_tunnel *t =
			config_tunnel_find(b, a->tunnels[i].conf.name);

		if (!t || !config_tunnel_equal(&a->tunnels[i], t))
			what |= CONFIG_DEV_TUNNELS;
	}
	return what;
}

int config_diff(const struct config *old, const struct config *new,
		struct config_diff *d)
{
	unsigned int i = 0, j = 0, what;
	size_t most = (size_t)old->n_peers + new->n_peers;

	memset(d, 0, sizeof(*d));
	d->device = device_changes(old, new);
	/* calloc(0) may return NULL: ask for one at least. */
	d->added = calloc(new->n_peers + 1, sizeof(*d->added));
	d->removed = calloc(old->n_peers + 1, sizeof(*d->removed));
	d->changed = calloc(most + 1, sizeof(*d->changed));
	if (!d->added || !d->removed || !d->changed) {
		config_diff_free(d);
		return -1;
	}
	/* Both peer arrays are sorted by node id: one merge walk. */
	while (i < old->n_peers || j < new->n_peers) {
		const struct config_peer *a = i < old->n_peers ?
					      &old->peers[i] : NULL;
		const struct config_peer *b = j < new->n_peers ?
					      &new->peers[j] : NULL;

		if (a && (!b || a->node_id < b->node_id)) {
			d->removed[d->n_removed++] = a->node_id;
			i++;
		} else if (b && (!a || b->node_id < a->node_id)) {
			d->added[d->n_added++] = b->node_id;
			j++;
		} else {
			what = peer_changes(a, b);
			if (what) {
				d->changed[d->n_changed].node_id = a->node_id;
				d->changed[d->n_changed++].what = what;
			}
			i++;
			j++;
		}
	}
	return 0;
}

void config_diff_free(struct config_diff *d)
{
	free(d->added);
	free(d->removed);
	free(d->changed);
	memset(d, 0, sizeof(*d));
}
