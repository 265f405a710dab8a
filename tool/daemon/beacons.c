// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon lists: parse, filter, merge, pick, beacons.json (see beacons.h
 * and docs/beacons.md).  Pure: the caller does the I/O and owns the clock.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacons.h"

#define FNV32_OFFSET	2166136261u
#define FNV32_PRIME	16777619u
#define JSON_DEPTH	4	/* {"list": [ "..." ]} is 2 deep */

static int verr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int verr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

bool beacon_addr_valid(const char *addr)
{
	size_t n = 0;

	for (; addr[n]; n++)
		if (addr[n] <= ' ' || addr[n] > '~' || addr[n] == ',' ||
		    n >= BEACON_ADDR_MAX)
			return false;
	return n > 0;
}

int beacon_list_add(struct beacon_list *l, const char *addr)
{
	size_t len = strnlen(addr, BEACON_ADDR_MAX);

	if (l->n >= BEACON_MAX)
		return -1;
	memcpy(l->addr[l->n], addr, len);
	l->addr[l->n++][len] = '\0';
	return 0;
}

int beacon_list_find(const struct beacon_list *l, const char *addr)
{
	unsigned int i;

	for (i = 0; i < l->n && i < BEACON_MAX; i++)
		if (!strcmp(l->addr[i], addr))
			return (int)i;
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int beacon_list_parse(const char *s, struct beacon_list *out, char *err,
		      size_t errlen)
{
	char item[BEACON_ADDR_MAX + 1];
	const char *end;
	size_t len;

	out->n = 0;
	for (;;) {
		while (is_blank(*s))
			s++;
		end = strchr(s, ',');
		if (!end)
			end = s + strlen(s);
		len = end - s;
		while (len && is_blank(s[len - 1]))
			len--;
		if (len > BEACON_ADDR_MAX)
			return verr(err, errlen,
				    "'%.32s...': longer than %d bytes", s,
				    BEACON_ADDR_MAX);
		memcpy(item, s, len);
		item[len] = '\0';
		if (len && !beacon_addr_valid(item))
			return verr(err, errlen,
				    "'%s': not an address (printable characters, no blanks)",
				    item);
		if (len && beacon_list_add(out, item))
			return verr(err, errlen, "more than %d beacons",
				    BEACON_MAX);
		if (!*end)
			return 0;
		s = end + 1;
	}
}

/* The host of "HOST:PORT", "[HOST]:PORT" or "HOST", zone stripped. */
static int host_of(const char *addr, char *host, size_t size)
{
	const char *start = addr, *end, *colon;
	size_t len;

	if (*addr == '[') {
		start = addr + 1;
		end = strchr(start, ']');
		if (!end)
			return -1;
	} else {
		colon = strchr(addr, ':');
		if (colon && !strchr(colon + 1, ':'))
			end = colon;		/* HOST:PORT */
		else
			end = addr + strlen(addr); /* HOST, or bare IPv6 */
	}
	len = end - start;
	colon = memchr(start, '%', len);
	if (colon)
		len = colon - start;
	if (len >= size)
		return -1;
	memcpy(host, start, len);
	host[len] = '\0';
	return 0;
}

static const char *v4_class(const struct in_addr *in)
{
	uint32_t a = ntohl(in->s_addr);

	if ((a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) ||
	    (a >> 16) == (192u << 8 | 168))
		return "private";
	if ((a >> 24) == 127)
		return "loopback";
	if ((a >> 16) == (169u << 8 | 254))
		return "link-local";
	if ((a >> 24) == 0)
		return "unspecified";
	return NULL;
}

static const char *v6_class(const struct in6_addr *in)
{
	const uint8_t *b = in->s6_addr;
	struct in_addr v4;

	if (IN6_IS_ADDR_V4MAPPED(in)) {
		memcpy(&v4, b + 12, 4);
		return v4_class(&v4);
	}
	if (IN6_IS_ADDR_UNSPECIFIED(in))
		return "unspecified";
	if (IN6_IS_ADDR_LOOPBACK(in))
		return "loopback";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if ((b[0] & 0xfe) == 0xfc)
		return "private";
	return NULL;
}

const char *beacon_addr_unreachable(const char *addr)
{
	char host[BEACON_ADDR_MAX + 1];
	struct in6_addr in6;
	struct in_addr in;
	const char *p;

	if (host_of(addr, host, sizeof(host)) || !*host)
		return NULL;
	if (inet_pton(AF_INET6, host, &in6) == 1)
		return v6_class(&in6);
	if (inet_pton(AF_INET, host, &in) == 1)
		return v4_class(&in);
	/*
	 * inet_aton() stops at a blank and accepts what follows it; hosts
	 * have no blanks, but only judge what is all number characters.
	 */
	for (p = host; *p; p++)
		if (!strchr("0123456789abcdefABCDEFxX.", *p))
			return NULL;
	if (inet_aton(host, &in))
		return v4_class(&in);
	return NULL;
}

unsigned int beacon_filter(struct beacon_list *l)
{
	unsigned int i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (beacon_addr_unreachable(l->addr[i]))
			continue;
		if (n != i)
			memcpy(l->addr[n], l->addr[i], sizeof(l->addr[0]));
		n++;
	}
	i = l->n - n;
	l->n = n;
	return i;
}

static unsigned int merge_in(struct beacon_list *out,
			     const struct beacon_list *in)
{
	unsigned int i, dropped = 0;

	for (i = 0; i < in->n; i++) {
		if (beacon_list_find(out, in->addr[i]) >= 0)
			continue;
		if (beacon_list_add(out, in->addr[i]))
			dropped++;
	}
	return dropped;
}

unsigned int beacon_merge(const struct beacon_list *bootstrap,
			  const struct beacon_list *discovered,
			  struct beacon_list *out)
{
	out->n = 0;
	return merge_in(out, bootstrap) + merge_in(out, discovered);
}

uint32_t beacon_score(const uint8_t *key, const char *addr)
{
	uint32_t h = FNV32_OFFSET;
	size_t i;

	for (i = 0; i < BEACON_KEY_LEN; i++)
		h = (h ^ key[i]) * FNV32_PRIME;
	for (; *addr; addr++)
		h = (h ^ (uint8_t)*addr) * FNV32_PRIME;
	return h;
}

int beacon_pick_hash(const struct beacon_list *l, const uint8_t *key)
{
	uint32_t best = 0, s;
	int pick = -1;
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		s = beacon_score(key, l->addr[i]);
		if (pick < 0 || s > best) {
			best = s;
			pick = (int)i;
		}
	}
	return pick;
}

int beacon_pick(const struct beacon_list *l, const uint8_t *key,
		const int64_t *rtt_us, enum beacon_why *why)
{
	int pick = beacon_pick_hash(l, key), fast = -1;
	enum beacon_why w = BEACON_PICK_HASH;
	unsigned int i;

	for (i = 0; rtt_us && i < l->n; i++)
		if (rtt_us[i] >= 0 && (fast < 0 || rtt_us[i] < rtt_us[fast]))
			fast = (int)i;
	if (pick >= 0 && fast >= 0 && rtt_us[pick] < 0)
		w = BEACON_PICK_UNMEASURED;
	else if (pick >= 0 && fast >= 0 &&
		 rtt_us[pick] - rtt_us[fast] > rtt_us[fast])	/* > 2x */
		w = BEACON_PICK_SLOW;
	if (w != BEACON_PICK_HASH)
		pick = fast;
	if (why)
		*why = w;
	return pick;
}

char *beacon_cache_encode(const struct beacon_list *l, int64_t saved_at)
{
	struct json_object *o = json_object_new_object(), *a;
	unsigned int i;
	char *s = NULL;
	const char *js;

	a = json_object_new_array();
	if (!o || !a)
		goto out;
	json_object_object_add(o, "list", a);
	for (i = 0; i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->addr[i]));
	json_object_object_add(o, "saved_at", json_object_new_int64(saved_at));
	js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (js && asprintf(&s, "%s\n", js) < 0)
		s = NULL;
out:
	if (!o)
		json_object_put(a);
	json_object_put(o);
	return s;
}

int beacon_cache_decode(const char *buf, size_t len, struct beacon_list *out,
			int64_t *saved_at, char *err, size_t errlen)
{
	struct json_object *o = NULL, *a, *t, *e;
	struct json_tokener *tok;
	const char *s;
	size_t i, n;
	int ret = -1;

	out->n = 0;
	if (len > BEACON_CACHE_MAX)
		return verr(err, errlen, "larger than %d bytes",
			    BEACON_CACHE_MAX);
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return verr(err, errlen, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		verr(err, errlen, "not JSON (%s)",
		     json_tokener_get_error(tok) == json_tokener_continue ?
		     "truncated" :
		     json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	for (i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!is_blank(buf[i])) {
			verr(err, errlen, "not JSON (junk after the object)");
			goto out;
		}
	if (!json_object_is_type(o, json_type_object)) {
		verr(err, errlen, "not a JSON object");
		goto out;
	}
	if (!json_object_object_get_ex(o, "list", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		verr(err, errlen, "\"list\": missing or not an array");
		goto out;
	}
	if (!json_object_object_get_ex(o, "saved_at", &t) ||
	    !json_object_is_type(t, json_type_int) ||
	    json_object_get_int64(t) < 0) {
		verr(err, errlen,
		     "\"saved_at\": missing or not an integer >= 0");
		goto out;
	}
	n = json_object_array_length(a);
	if (n > BEACON_MAX) {
		verr(err, errlen, "\"list\": more than %d entries", BEACON_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string)) {
			verr(err, errlen, "\"list\"[%zu]: not a string", i);
			goto out;
		}
		s = json_object_get_string(e);
		if ((size_t)json_object_get_string_len(e) != strlen(s) ||
		    !beacon_addr_valid(s)) {
			verr(err, errlen, "\"list\"[%zu]: not an address", i);
			goto out;
		}
		if (beacon_list_find(out, s) >= 0) {
			verr(err, errlen, "\"list\"[%zu]: repeated", i);
			goto out;
		}
		beacon_list_add(out, s);
	}
	*saved_at = json_object_get_int64(t);
	ret = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

int beacon_cache_path(const char *identity, char *buf, size_t size)
{
	const char *slash = strrchr(identity, '/');
	int dir = slash ? (int)(slash - identity) + 1 : 0;
	int n;

	n = snprintf(buf, size, "%.*s%s", dir, identity, BEACON_CACHE_FILE);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
