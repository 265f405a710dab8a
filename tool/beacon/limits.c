// SPDX-License-Identifier: GPL-2.0
/*
 * ovl-beacon's --limits file (limits.h).
 */
#include <stdio.h>
#include <string.h>

#include "limits.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A decimal number of @n characters in [@min, @max]. */
static int parse_num(const char *s, size_t n, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int bcn_limits_parse(const char *text, size_t len, struct bcn_limits *l,
		     char *err)
{
	static const struct {
		const char	*key;
		size_t		off;
		uint64_t	min, max;
	} keys[] = {
		{ "prefix-quota", offsetof(struct bcn_limits, prefix_quota),
		  1, BCN_QUOTA_MAX },
		{ "relay-pps", offsetof(struct bcn_limits, relay_pps),
		  1, BCN_PPS_MAX },
		{ "relay-bps", offsetof(struct bcn_limits, relay_bps),
		  BCN_BPS_MIN, BCN_BPS_MAX },
	};
	struct bcn_limits tmp = *l;
	unsigned int line = 0;
	size_t pos = 0;

	if (len > BCN_LIMITS_MAX_LEN) {
		snprintf(err, BCN_LIMITS_ERR_LEN, "longer than %d bytes",
			 BCN_LIMITS_MAX_LEN);
		return -1;
	}
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos, i = 0, k, klen;
		size_t vstart, vend;
		unsigned int j;

		pos += n + (nl ? 1 : 0);
		line++;
		while (i < n && is_space(s[i]))
			i++;
		if (i == n || s[i] == '#')
			continue;
		k = i;
		while (i < n && !is_space(s[i]) && s[i] != '=')
			i++;
		klen = i - k;
		while (i < n && is_space(s[i]))
			i++;
		if (i < n && s[i] == '=')
			i++;
		while (i < n && is_space(s[i]))
			i++;
		vstart = i;
		while (i < n && !is_space(s[i]))
			i++;
		vend = i;
		while (i < n && is_space(s[i]))
			i++;
		for (j = 0; j < ARRAY_SIZE(keys); j++)
			if (strlen(keys[j].key) == klen &&
			    !memcmp(keys[j].key, s + k, klen))
				break;
		if (j == ARRAY_SIZE(keys)) {
			snprintf(err, BCN_LIMITS_ERR_LEN,
				 "line %u: unknown key", line);
			return -1;
		}
		if (i != n || parse_num(s + vstart, vend - vstart,
					keys[j].min, keys[j].max,
					(uint64_t *)((char *)&tmp +
						     keys[j].off))) {
			snprintf(err, BCN_LIMITS_ERR_LEN,
				 "line %u: %s: a number from %llu to %llu",
				 line, keys[j].key,
				 (unsigned long long)keys[j].min,
				 (unsigned long long)keys[j].max);
			return -1;
		}
	}
	*l = tmp;
	return 0;
}
