// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line value parsers (see parse.h).
 */

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

int parse_u32(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9 || v > (UINT32_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned int d = (unsigned char)*s - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_u16(const char *s, uint16_t *out)
{
	uint32_t v;

	if (parse_u32(s, &v) || v > UINT16_MAX)
		return -1;
	*out = v;
	return 0;
}

int parse_ifname(const char *s)
{
	size_t len = strnlen(s, IFNAMSIZ);

	return len && len < IFNAMSIZ ? 0 : -1;
}

/* Copy the @len bytes at @s into @buf as a string, if they fit. */
static int copy_part(char *buf, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

int parse_endpoint(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_storage tmp = {};
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&tmp;
	struct sockaddr_in *sin = (struct sockaddr_in *)&tmp;
	char host[INET6_ADDRSTRLEN];
	const char *port, *end;
	uint16_t p;

	if (*s == '[') {
		end = strchr(++s, ']');
		if (!end || end[1] != ':')
			return -1;
		port = end + 2;
		tmp.ss_family = AF_INET6;
	} else {
		end = strchr(s, ':');
		if (!end)
			return -1;
		port = end + 1;
		tmp.ss_family = AF_INET;
	}
	if (copy_part(host, sizeof(host), s, end - s) ||
	    parse_u16(port, &p) || !p)
		return -1;

	if (tmp.ss_family == AF_INET6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_port = htons(p);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		sin->sin_port = htons(p);
	}
	*ss = tmp;
	return 0;
}

int parse_cidr(const char *s, struct cidr *out)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	char host[INET6_ADDRSTRLEN];
	struct cidr tmp = {};
	uint32_t prefix, max;

	if (copy_part(host, sizeof(host), s, len))
		return -1;
	tmp.family = strchr(host, ':') ? AF_INET6 : AF_INET;
	max = tmp.family == AF_INET6 ? 128 : 32;
	if (inet_pton(tmp.family, host, &tmp.addr) != 1)
		return -1;

	if (!slash)
		prefix = max;
	else if (parse_u32(slash + 1, &prefix) || prefix > max)
		return -1;
	tmp.prefix = prefix;
	*out = tmp;
	return 0;
}

/* "1.2.3.4:5" or "[v6]:5"; NULL if @ss is no endpoint. */
const char *endpoint_str(const struct sockaddr_storage *ss,
				char *buf)
{
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;
	char addr[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, ADDR_STRLEN, "[%s]:%u", addr,
			 ntohs(sin6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(buf, ADDR_STRLEN, "%s:%u", addr,
			 ntohs(sin->sin_port));
	} else {
		return NULL;
	}
	return buf;
}

bool endpoint_equal(const struct sockaddr_storage *a,
		    const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       a6->sin6_scope_id == b6->sin6_scope_id &&
		       !memcmp(&a6->sin6_addr, &b6->sin6_addr, 16);
	return true;
}
