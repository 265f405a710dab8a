// SPDX-License-Identifier: GPL-2.0
/*
 * Counter output of ovl-beacon: one "key=value ..." line, or a JSON
 * object.  Both return the length snprintf would have written, so a
 * result >= size means the buffer was too small.
 */
#include <inttypes.h>
#include <stdio.h>

#include "stats.h"

static size_t append(char *buf, size_t size, size_t off, const char *sep,
		     const char *fmt, const char *key, uint64_t val)
{
	int n = snprintf(off < size ? buf + off : NULL,
			 off < size ? size - off : 0, fmt, sep, key, val);

	return n < 0 ? off : off + (size_t)n;
}

size_t bcn_stats_line(char *buf, size_t size, const struct bcn_stats *st,
		      size_t nodes)
{
	const char *fmt = "%s%s=%" PRIu64;
	size_t off = 0;

	if (size)
		buf[0] = '\0';
	off = append(buf, size, off, "", fmt, "nodes", nodes);
#define BCN_STATS_LINE(name) \
	off = append(buf, size, off, " ", fmt, #name, st->name);
	BCN_STATS(BCN_STATS_LINE)
#undef BCN_STATS_LINE
	return off;
}

size_t bcn_stats_json(char *buf, size_t size, const struct bcn_stats *st,
		      size_t nodes)
{
	const char *fmt = "%s\"%s\": %" PRIu64;
	size_t off = 0;
	int n;

	if (size)
		buf[0] = '\0';
	off = append(buf, size, off, "{", fmt, "nodes", nodes);
#define BCN_STATS_JSON(name) \
	off = append(buf, size, off, ", ", fmt, #name, st->name);
	BCN_STATS(BCN_STATS_JSON)
#undef BCN_STATS_JSON
	n = snprintf(off < size ? buf + off : NULL, off < size ? size - off : 0,
		     "}\n");
	return n < 0 ? off : off + (size_t)n;
}
