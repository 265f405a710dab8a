// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tunnels: configuration parser and smooth weighted round-robin.
 * Pure code, see conf.h.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parse.h"
#include "conf.h"

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int tunnel_conf_init(struct tunnel_conf *c, const char *name)
{
	size_t len = strlen(name), i;

	if (!len || len >= TUNNEL_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.'))
			return -1;
	}
	memset(c, 0, sizeof(*c));
	memcpy(c->name, name, len + 1);
	c->idle_timeout = TUNNEL_IDLE_DEFAULT;
	c->max_conns = TUNNEL_MAX_CONNS_DEFAULT;
	c->dial_timeout = TUNNEL_DIAL_DEFAULT;
	c->drain_timeout = TUNNEL_DRAIN_DEFAULT;
	c->pool = TUNNEL_POOL_DEFAULT;
	return 0;
}

int tunnel_backend_parse(const char *s, struct tunnel_backend_conf *b)
{
	char buf[ADDR_STRLEN + 1];
	const char *at = strrchr(s, '@');
	struct sockaddr_storage ss;
	size_t len = at ? (size_t)(at - s) : strlen(s);
	long w = 1;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_endpoint(buf, &ss))
		return -1;
	if (at) {
		const char *p = at + 1;
		char *end;

		/* Digits with an optional sign: no spaces, no base. */
		if (*p == '-' || *p == '+')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		w = strtol(at + 1, &end, 10);
		if (*end || errno == ERANGE || w > INT_MAX)
			return -1;
		if (w <= 0)
			w = 1;
	}
	b->addr = ss;
	b->weight = (int)w;
	return 0;
}

static int set_uint(const char *key, const char *value, unsigned int min,
		    unsigned int max, unsigned int *out, char *err,
		    size_t errlen)
{
	uint32_t v;

	if (parse_u32(value, &v) || v < min || v > max)
		return fail(err, errlen, "invalid %s '%s': expected %u..%u",
			    key, value, min, max);
	*out = v;
	return 0;
}

static int set_path(const char *key, const char *value, char *out,
		    char *err, size_t errlen)
{
	size_t len = strlen(value);

	if (!len || len >= TUNNEL_PATH_MAX)
		return fail(err, errlen, "invalid %s: expected a file name",
			    key);
	memcpy(out, value, len + 1);
	return 0;
}

/* Trim spaces and tabs at both ends of @s[0..len) into @out. */
static int trimmed(const char *s, size_t len, char *out, size_t outlen)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len || len >= outlen)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static int set_backends(struct tunnel_conf *c, const char *value, char *err,
			size_t errlen)
{
	struct tunnel_backend_conf b[TUNNEL_MAX_BACKENDS];
	unsigned int n = c->n_backends, i, j;
	const char *s = value;

	memcpy(b, c->backends, n * sizeof(b[0]));
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char one[ADDR_STRLEN + 16];

		if (trimmed(s, len, one, sizeof(one)) ||
		    n >= TUNNEL_MAX_BACKENDS ||
		    tunnel_backend_parse(one, &b[n])) {
			if (n >= TUNNEL_MAX_BACKENDS)
				return fail(err, errlen,
					    "more than %d backends",
					    TUNNEL_MAX_BACKENDS);
			return fail(err, errlen,
				    "invalid backend '%.*s': expected ADDR:PORT[@WEIGHT]",
				    (int)(len > 80 ? 80 : len), s);
		}
		for (j = 0; j < n; j++)
			if (endpoint_equal(&b[j].addr, &b[n].addr))
				return fail(err, errlen,
					    "backend '%s' given twice", one);
		n++;
		if (!comma)
			break;
		s = comma + 1;
	}
	for (i = c->n_backends; i < n; i++)
		c->backends[i] = b[i];
	c->n_backends = n;
	return 0;
}

int tunnel_conf_set(struct tunnel_conf *c, const char *key,
		    const char *value, char *err, size_t errlen)
{
	if (!strcmp(key, "listen")) {
		if (parse_endpoint(value, &c->listen))
			return fail(err, errlen,
				    "invalid listen '%.80s': expected ADDR:PORT",
				    value);
		return 0;
	}
	if (!strcmp(key, "backend"))
		return set_backends(c, value, err, errlen);
	if (!strcmp(key, "idle-timeout"))
		return set_uint(key, value, 0, TUNNEL_TIMEOUT_MAX,
				&c->idle_timeout, err, errlen);
	if (!strcmp(key, "max-conns"))
		return set_uint(key, value, 1, TUNNEL_MAX_CONNS_MAX,
				&c->max_conns, err, errlen);
	if (!strcmp(key, "dial-timeout"))
		return set_uint(key, value, 1, TUNNEL_TIMEOUT_MAX,
				&c->dial_timeout, err, errlen);
	if (!strcmp(key, "drain-timeout"))
		return set_uint(key, value, 0, TUNNEL_TIMEOUT_MAX,
				&c->drain_timeout, err, errlen);
	if (!strcmp(key, "pool"))
		return set_uint(key, value, 0, TUNNEL_POOL_MAX, &c->pool, err,
				errlen);
	if (!strcmp(key, "tls-cert"))
		return set_path(key, value, c->tls_cert, err, errlen);
	if (!strcmp(key, "tls-key"))
		return set_path(key, value, c->tls_key, err, errlen);
	if (!strcmp(key, "tls-client-ca"))
		return set_path(key, value, c->tls_client_ca, err, errlen);
	return fail(err, errlen, "unknown key '%.40s' in [tunnel %s]", key,
		    c->name);
}

int tunnel_conf_check(const struct tunnel_conf *c, char *err, size_t errlen)
{
	if (!c->listen.ss_family)
		return fail(err, errlen, "[tunnel %s]: no listen", c->name);
	if (!c->n_backends)
		return fail(err, errlen, "[tunnel %s]: no backend", c->name);
	if (!*c->tls_cert != !*c->tls_key)
		return fail(err, errlen,
			    "[tunnel %s]: tls-cert and tls-key go together",
			    c->name);
	if (*c->tls_client_ca && !*c->tls_cert)
		return fail(err, errlen,
			    "[tunnel %s]: tls-client-ca needs tls-cert and tls-key",
			    c->name);
	return 0;
}

void wrr_init(struct wrr *w, const int *weights, unsigned int n)
{
	unsigned int i;

	memset(w, 0, sizeof(*w));
	w->n = n > TUNNEL_MAX_BACKENDS ? TUNNEL_MAX_BACKENDS : n;
	for (i = 0; i < w->n; i++)
		w->weight[i] = weights[i] > 0 ? weights[i] : 1;
}

int wrr_next(struct wrr *w, const uint64_t *usable)
{
	long long total = 0;
	unsigned int i;
	int best = -1;

	for (i = 0; i < w->n; i++) {
		if (usable && !(usable[i / 64] & (1ULL << (i % 64))))
			continue;
		w->current[i] += w->weight[i];
		total += w->weight[i];
		if (best < 0 || w->current[i] > w->current[best])
			best = i;
	}
	if (best >= 0)
		w->current[best] -= total;
	return best;
}

void wrr_update(struct wrr *w, const int *weights, const int *old_index,
		unsigned int n)
{
	long long current[TUNNEL_MAX_BACKENDS];
	unsigned int i;

	if (n > TUNNEL_MAX_BACKENDS)
		n = TUNNEL_MAX_BACKENDS;
	for (i = 0; i < n; i++)
		current[i] = old_index[i] >= 0 &&
			     (unsigned int)old_index[i] < w->n ?
			     w->current[old_index[i]] : 0;
	wrr_init(w, weights, n);
	memcpy(w->current, current, n * sizeof(current[0]));
}
