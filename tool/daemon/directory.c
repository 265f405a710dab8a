// SPDX-License-Identifier: GPL-2.0
/*
 * The registry's node directory, merged with the config's peers
 * (directory.h).  Pure: no I/O, no clock.
 */

#include <stdlib.h>
#include <string.h>

#include "directory.h"

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
	for (i = 0; !n->relay_only && i < p->n_endpoints; i++) {
		if (p->endpoints[i].ss_family == AF_INET) {
			ep = &p->endpoints[i];
			break;
		}
		if (!ep && p->endpoints[i].ss_family == AF_INET6)
			ep = &p->endpoints[i];
	}
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

	peers = calloc(n_file + dir->n + 1, sizeof(*peers));
	if (!peers)
		return -1;
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

		if (shadowed(file, n_file, d))
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
	qsort(peers, n, sizeof(*peers), peer_qcmp);
	*out = peers;
	*n_out = n;
	return 0;
oom:
	dir_peers_free(peers, n);
	return -1;
}
