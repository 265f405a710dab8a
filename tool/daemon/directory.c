// SPDX-License-Identifier: GPL-2.0
/*
 * The registry's node directory, merged with the config's peers
 * (directory.h).  Pure: no I/O, no clock.
 */

#include <errno.h>
#include <json-c/json.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "keyfile.h"

static size_t dir_pos(const struct directory *dir, uint32_t node_id,
		      bool *found)
{
	size_t lo = 0, hi = dir->n, mid;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (dir->nodes[mid].node_id == node_id) {
			*found = true;
			return mid;
		}
		if (dir->nodes[mid].node_id < node_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct dir_node *dir_find(const struct directory *dir,
				uint32_t node_id)
{
	bool found;
	size_t i = dir_pos(dir, node_id, &found);

	return found ? &dir->nodes[i] : NULL;
}

static void dir_drop(struct directory *dir, size_t i)
{
	memmove(&dir->nodes[i], &dir->nodes[i + 1],
		(dir->n - i - 1) * sizeof(*dir->nodes));
	dir->n--;
}

static int cidr_qcmp(const void *a, const void *b)
{
	return cidr_cmp(a, b);
}

/* The host prefix of @c: its address as a /32 or /128. */
static struct cidr host_prefix(const struct cidr *c)
{
	struct cidr h = *c;

	h.prefix = c->family == AF_INET ? 32 : 128;
	return h;
}

/*
 * Is @a (an IPv4 address, network order) reachable from the Internet at
 * large?  Not RFC 1918, RFC 6598 shared (CGNAT), loopback, link-local or
 * 0/8.
 */
static bool ipv4_global(const struct in_addr *a)
{
	uint32_t x = ntohl(a->s_addr);

	return !((x >> 24) == 10 || (x >> 20) == (172 << 4 | 1) ||
		 (x >> 16) == (192 << 8 | 168) ||
		 (x >> 22) == (100 << 2 | 1) || (x >> 24) == 127 ||
		 (x >> 16) == (169 << 8 | 254) || (x >> 24) == 0);
}

bool dir_endpoint_global(const struct sockaddr_storage *ss)
{
	const struct in6_addr *a6;
	struct in_addr a4;

	if (ss->ss_family == AF_INET)
		return ipv4_global(&((const struct sockaddr_in *)ss)->sin_addr);
	if (ss->ss_family != AF_INET6)
		return false;
	a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		memcpy(&a4, &a6->s6_addr[12], sizeof(a4));
		return ipv4_global(&a4);
	}
	return !((a6->s6_addr[0] & 0xfe) == 0xfc ||	/* ULA, fc00::/7 */
		 IN6_IS_ADDR_LINKLOCAL(a6) || IN6_IS_ADDR_LOOPBACK(a6) ||
		 IN6_IS_ADDR_UNSPECIFIED(a6));
}

const struct sockaddr_storage *
dir_endpoint_pick(const struct sockaddr_storage *eps, unsigned int n)
{
	const struct sockaddr_storage *v4 = NULL, *g6 = NULL, *any = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		bool global = dir_endpoint_global(&eps[i]);

		if (eps[i].ss_family == AF_INET) {
			if (global)
				return &eps[i];
			if (!v4)
				v4 = &eps[i];
		} else if (eps[i].ss_family == AF_INET6) {
			if (global && !g6)
				g6 = &eps[i];
		} else {
			continue;
		}
		if (!any)
			any = &eps[i];
	}
	return g6 ? g6 : v4 ? v4 : any;
}

/* @p as a directory node into @n; false if its certificate is refused. */
static bool node_from(const struct reg_peer *p, const uint8_t *ca,
		      uint64_t now, struct dir_node *n)
{
	const struct sockaddr_storage *ep = NULL;
	unsigned int i, j;

	if (cert_verify(&p->cert, ca, now) != CERT_OK ||
	    p->cert.node_id != p->node_id || !p->cert.n_addrs)
		return false;
	memset(n, 0, sizeof(*n));
	n->node_id = p->node_id;
	memcpy(n->public_key, p->cert.public_key, CERT_KEY_LEN);
	for (i = 0; i < p->cert.n_addrs; i++) {
		struct cidr h = host_prefix(&p->cert.addrs[i]);

		for (j = 0; j < n->n_allowed; j++)
			if (!cidr_cmp(&n->allowed[j], &h))
				break;
		if (j == n->n_allowed)
			n->allowed[n->n_allowed++] = h;
	}
	qsort(n->allowed, n->n_allowed, sizeof(*n->allowed), cidr_qcmp);
	n->relay_only = p->relay_only ||
			(p->cert.flags & CERT_F_RELAY_ONLY);
	if (!n->relay_only)
		ep = dir_endpoint_pick(p->endpoints, p->n_endpoints);
	if (ep)
		n->endpoint = *ep;
	n->not_after = p->cert.not_after;
	n->version = p->version;
	return true;
}

int dir_apply(struct directory *dir, const struct reg_sync *s, uint32_t self,
	      const uint8_t ca[CERT_KEY_LEN], uint64_t now,
	      struct dir_result *r)
{
	struct dir_result dummy;
	struct dir_node n, *nodes;
	bool found;
	size_t i, k;

	if (!r)
		r = &dummy;
	memset(r, 0, sizeof(*r));
	if (s->reset) {
		r->removed = dir->n;
		dir->n = 0;
	}
	for (i = 0; i < s->n_nodes; i++) {
		const struct reg_peer *p = &s->nodes[i];

		if (!p->node_id || p->node_id == self)
			continue;
		k = dir_pos(dir, p->node_id, &found);
		if (!node_from(p, ca, now, &n)) {
			r->refused++;
			if (found) {
				dir_drop(dir, k);
				r->removed++;
			}
			continue;
		}
		if (found) {
			dir->nodes[k] = n;
			r->updated++;
			continue;
		}
		if (dir->n == dir->cap) {
			size_t cap = dir->cap ? 2 * dir->cap : 16;

			nodes = realloc(dir->nodes, cap * sizeof(*nodes));
			if (!nodes)
				return -1;
			dir->nodes = nodes;
			dir->cap = cap;
		}
		memmove(&dir->nodes[k + 1], &dir->nodes[k],
			(dir->n - k) * sizeof(*dir->nodes));
		dir->nodes[k] = n;
		dir->n++;
		r->added++;
	}
	for (i = 0; i < s->n_removed; i++) {
		k = dir_pos(dir, s->removed[i].node_id, &found);
		if (found) {
			dir_drop(dir, k);
			r->removed++;
		}
	}
	dir->version = s->version;
	return 0;
}

unsigned int dir_expire(struct directory *dir, uint64_t now)
{
	unsigned int n = 0;
	size_t i = 0;

	while (i < dir->n) {
		if (dir->nodes[i].not_after < now) {
			dir_drop(dir, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

void dir_free(struct directory *dir)
{
	free(dir->nodes);
	memset(dir, 0, sizeof(*dir));
}

void dir_peers_free(struct config_peer *peers, unsigned int n)
{
	unsigned int i;

	if (peers)
		for (i = 0; i < n; i++)
			free(peers[i].allowed);
	free(peers);
}

/* Does a [peer N] of @file take @n's place (id, key or an allowed-ip)? */
static bool shadowed(const struct config_peer *file, unsigned int n_file,
		     const struct dir_node *n)
{
	unsigned int i, a, b;

	for (i = 0; i < n_file; i++) {
		if (!file[i].line)
			continue;
		if (file[i].node_id == n->node_id ||
		    !memcmp(file[i].public_key, n->public_key, CERT_KEY_LEN))
			return true;
		for (a = 0; a < file[i].n_allowed; a++)
			for (b = 0; b < n->n_allowed; b++)
				if (!cidr_cmp(&file[i].allowed[a],
					      &n->allowed[b]))
					return true;
	}
	return false;
}

/* An allowed-ip or a public key a directory node claims. */
struct dir_claim {
	const struct dir_node *node;	/* nodes are sorted: lowest id first */
	const struct cidr *cidr;	/* NULL: the node's public key */
};

/* The thing claimed, whoever claims it: <0, 0 or >0. */
static int claim_what_cmp(const struct dir_claim *x, const struct dir_claim *y)
{
	if (!x->cidr != !y->cidr)
		return x->cidr ? 1 : -1;
	return x->cidr ? cidr_cmp(x->cidr, y->cidr) :
			 memcmp(x->node->public_key, y->node->public_key,
				CERT_KEY_LEN);
}

static int claim_qcmp(const void *a, const void *b)
{
	const struct dir_claim *x = a, *y = b;
	int c = claim_what_cmp(x, y);

	if (c)
		return c;
	return x->node < y->node ? -1 : x->node > y->node;
}

/*
 * Mark in @lose the nodes of @dir that claim a public key or an
 * allowed-ip a node of a lower id also claims.  Sorting the claims keeps
 * it O(n log n) for a directory of any size.  -1 if out of memory.
 */
static int dir_clashes(const struct directory *dir, bool *lose)
{
	struct dir_claim *cl;
	size_t n = 0, i, j, first = 0;

	for (i = 0; i < dir->n; i++)
		n += 1 + dir->nodes[i].n_allowed;
	cl = calloc(n + 1, sizeof(*cl));
	n = 0;
	if (!cl)
		return -1;
	for (i = 0; i < dir->n; i++) {
		cl[n++].node = &dir->nodes[i];
		for (j = 0; j < dir->nodes[i].n_allowed; j++)
			cl[n++] = (struct dir_claim){
				.node = &dir->nodes[i],
				.cidr = &dir->nodes[i].allowed[j],
			};
	}
	qsort(cl, n, sizeof(*cl), claim_qcmp);
	/* In each run of one thing claimed, the first claim (lowest id) wins. */
	for (i = 1; i < n; i++) {
		if (claim_what_cmp(&cl[first], &cl[i]))
			first = i;
		else if (cl[i].node != cl[first].node)
			lose[cl[i].node - dir->nodes] = true;
	}
	free(cl);
	return 0;
}

static int peer_qcmp(const void *a, const void *b)
{
	const struct config_peer *x = a, *y = b;

	return x->node_id < y->node_id ? -1 : x->node_id > y->node_id;
}

int dir_merge(const struct config_peer *file, unsigned int n_file,
	      const struct directory *dir, struct config_peer **out,
	      unsigned int *n_out)
{
	struct config_peer *peers, *p;
	unsigned int n = 0, i;
	bool *lose;

	lose = calloc(dir->n + 1, sizeof(*lose));
	peers = calloc(n_file + dir->n + 1, sizeof(*peers));
	if (!peers || !lose || dir_clashes(dir, lose)) {
		free(lose);
		free(peers);
		return -1;
	}
	for (i = 0; i < n_file; i++) {
		if (!file[i].line)
			continue;
		p = &peers[n];
		*p = file[i];
		p->allowed = malloc(p->n_allowed * sizeof(*p->allowed));
		if (!p->allowed)
			goto oom;
		memcpy(p->allowed, file[i].allowed,
		       p->n_allowed * sizeof(*p->allowed));
		n++;
	}
	for (i = 0; i < dir->n; i++) {
		const struct dir_node *d = &dir->nodes[i];

		if (lose[i] || shadowed(file, n_file, d))
			continue;
		p = &peers[n];
		memset(p, 0, sizeof(*p));
		p->node_id = d->node_id;
		memcpy(p->public_key, d->public_key, CERT_KEY_LEN);
		p->endpoint = d->endpoint;
		p->relay_only = d->relay_only;
		p->n_allowed = d->n_allowed;
		p->allowed = malloc(d->n_allowed * sizeof(*p->allowed));
		if (!p->allowed)
			goto oom;
		memcpy(p->allowed, d->allowed,
		       d->n_allowed * sizeof(*p->allowed));
		n++;
	}
	free(lose);
	qsort(peers, n, sizeof(*peers), peer_qcmp);
	*out = peers;
	*n_out = n;
	return 0;
oom:
	free(lose);
	dir_peers_free(peers, n);
	return -1;
}

/* --- The cache (directory.json) --- */

char *dir_cache_encode(const struct directory *dir, int64_t saved_at)
{
	struct json_object *o = json_object_new_object(), *arr, *n, *a;
	char buf[ADDR_STRLEN], b64[KEY_B64_LEN + 1], *out = NULL;
	const char *s;
	unsigned int j;
	size_t i;

	if (!o)
		return NULL;
	arr = json_object_new_array();
	json_object_object_add(o, "version", json_object_new_int64(dir->version));
	json_object_object_add(o, "saved_at", json_object_new_int64(saved_at));
	json_object_object_add(o, "nodes", arr);
	for (i = 0; arr && i < dir->n; i++) {
		const struct dir_node *d = &dir->nodes[i];

		n = json_object_new_object();
		json_object_array_add(arr, n);
		json_object_object_add(n, "node_id",
				       json_object_new_int64(d->node_id));
		key_b64(d->public_key, b64);
		json_object_object_add(n, "public_key",
				       json_object_new_string(b64));
		if (d->endpoint.ss_family && endpoint_str(&d->endpoint, buf))
			json_object_object_add(n, "endpoint",
					       json_object_new_string(buf));
		a = json_object_new_array();
		json_object_object_add(n, "allowed_ips", a);
		for (j = 0; j < d->n_allowed; j++)
			json_object_array_add(a, json_object_new_string(
				cidr_fmt(&d->allowed[j], buf)));
		json_object_object_add(n, "relay_only",
				       json_object_new_boolean(d->relay_only));
		json_object_object_add(n, "not_after",
				       json_object_new_int64(d->not_after));
		json_object_object_add(n, "version",
				       json_object_new_int64(d->version));
	}
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (s)
		out = strdup(s);
	json_object_put(o);
	return out;
}

static int why_set(char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int why_set(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, DIR_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

static bool get_int(struct json_object *o, const char *key, int64_t min,
		    int64_t max, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(v);
	return !errno && *out >= min && *out <= max;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int node_decode(struct json_object *o, struct dir_node *d, char *why)
{
	struct json_object *v, *a;
	const char *s;
	int64_t x;
	size_t i, n;

	memset(d, 0, sizeof(*d));
	if (!json_object_is_type(o, json_type_object))
		return why_set(why, "a node is not an object");
	if (!get_int(o, "node_id", 1, UINT32_MAX, &x))
		return why_set(why, "node_id missing or not 1..4294967295");
	d->node_id = x;
	s = get_str(o, "public_key");
	if (!s || strlen(s) != KEY_B64_LEN || key_from_b64(s, d->public_key))
		return why_set(why, "node %u: public_key not 32 bytes of base64",
			       d->node_id);
	if (json_object_object_get_ex(o, "endpoint", &v)) {
		s = json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : NULL;
		if (!s || parse_endpoint(s, &d->endpoint))
			return why_set(why, "node %u: endpoint not an endpoint",
				       d->node_id);
	}
	if (!json_object_object_get_ex(o, "allowed_ips", &a) ||
	    !json_object_is_type(a, json_type_array))
		return why_set(why, "node %u: allowed_ips missing", d->node_id);
	n = json_object_array_length(a);
	if (!n || n > CERT_MAX_ADDRS)
		return why_set(why, "node %u: allowed_ips not 1..%u prefixes",
			       d->node_id, CERT_MAX_ADDRS);
	for (i = 0; i < n; i++) {
		struct cidr *c = &d->allowed[i];

		v = json_object_array_get_idx(a, i);
		s = json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : NULL;
		if (!s || parse_cidr(s, c) ||
		    c->prefix != (c->family == AF_INET ? 32 : 128))
			return why_set(why, "node %u: allowed_ips: not a host prefix",
				       d->node_id);
		if (i && cidr_cmp(&d->allowed[i - 1], c) >= 0)
			return why_set(why, "node %u: allowed_ips not sorted or repeated",
				       d->node_id);
	}
	d->n_allowed = n;
	if (!json_object_object_get_ex(o, "relay_only", &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return why_set(why, "node %u: relay_only missing", d->node_id);
	d->relay_only = json_object_get_boolean(v);
	if (d->relay_only && d->endpoint.ss_family)
		return why_set(why, "node %u: relay_only with an endpoint",
			       d->node_id);
	if (!get_int(o, "not_after", 0, CERT_TIME_MAX, &x))
		return why_set(why, "node %u: not_after missing", d->node_id);
	d->not_after = x;
	if (!get_int(o, "version", 0, INT64_MAX, &d->version))
		return why_set(why, "node %u: version missing", d->node_id);
	return 0;
}

int dir_cache_decode(const char *text, size_t len, struct directory *dir,
		     int64_t *saved_at, char *why)
{
	struct json_tokener *tok;
	struct json_object *o = NULL, *arr;
	struct directory d = { 0 };
	size_t i, n;
	int ret = -1;

	dir_free(dir);
	if (len > DIR_CACHE_MAX)
		return why_set(why, "larger than %u bytes", DIR_CACHE_MAX);
	tok = json_tokener_new_ex(8);
	if (!tok)
		return why_set(why, "out of memory");
	o = json_tokener_parse_ex(tok, text, len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		/* Trailing blank space is fine, anything else not. */
		size_t k = o ? (size_t)tok->char_offset : len;

		while (o && k < len && strchr(" \t\r\n", text[k]))
			k++;
		if (!o || k < len) {
			why_set(why, "not one JSON object");
			goto out;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		why_set(why, "not a JSON object");
		goto out;
	}
	if (!get_int(o, "version", 0, INT64_MAX, &d.version) ||
	    !get_int(o, "saved_at", 0, INT64_MAX, saved_at)) {
		why_set(why, "version or saved_at missing or negative");
		goto out;
	}
	if (!json_object_object_get_ex(o, "nodes", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		why_set(why, "nodes missing");
		goto out;
	}
	n = json_object_array_length(arr);
	if (n > DIR_CACHE_MAX_NODES) {
		why_set(why, "more than %u nodes", DIR_CACHE_MAX_NODES);
		goto out;
	}
	d.nodes = calloc(n ?: 1, sizeof(*d.nodes));
	if (!d.nodes) {
		why_set(why, "out of memory");
		goto out;
	}
	d.cap = n ?: 1;
	for (i = 0; i < n; i++) {
		if (node_decode(json_object_array_get_idx(arr, i),
				&d.nodes[i], why))
			goto out;
		if (i && d.nodes[i].node_id <= d.nodes[i - 1].node_id) {
			why_set(why, "node %u: not sorted or repeated",
				d.nodes[i].node_id);
			goto out;
		}
		d.n++;
	}
	*dir = d;
	memset(&d, 0, sizeof(d));
	ret = 0;
out:
	dir_free(&d);
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}
