/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OVL_BEACON_STATS_H
#define OVL_BEACON_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Every counter, in output order: X(name) */
#define BCN_STATS(X)			\
	X(rx)				\
	X(tx)				\
	X(replies)			\
	X(punches)			\
	X(relayed)			\
	X(probes)			\
	X(registrations)		\
	X(rebinds)			\
	X(moves)			\
	X(expirations)			\
	X(drop_short)			\
	X(drop_bad_length)		\
	X(drop_unknown_type)		\
	X(drop_table_full)		\
	X(drop_empty_relay)		\
	X(drop_truncated)		\
	X(recv_errors)			\
	X(drop_send)			\
	X(cookies)			\
	X(evictions)			\
	X(bad_cookie)			\
	X(bad_cert)			\
	X(bad_sig)			\
	X(id_conflict)			\
	X(prefix_quota)			\
	X(rate_limited)			\
	X(bad_mac)			\
	X(replay)			\
	X(relay_unregistered)		\
	X(relay_unknown_dst)		\
	X(relay_rate_limited)		\
	X(punch_refused)		\
	X(punch_rate_limited)		\
	X(reregister_sent)

struct bcn_stats {
#define BCN_STATS_FIELD(name) uint64_t name;
	BCN_STATS(BCN_STATS_FIELD)
#undef BCN_STATS_FIELD
};

size_t bcn_stats_line(char *buf, size_t size, const struct bcn_stats *st,
		      size_t nodes);
size_t bcn_stats_json(char *buf, size_t size, const struct bcn_stats *st,
		      size_t nodes);

#endif /* OVL_BEACON_STATS_H */
