/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test harness for whole ovlctl commands: a fake kernel behind libmnl's
 * socket calls (linked with -Wl,--wrap=mnl_socket_*), so that nl.c runs
 * unchanged, and a runner that captures what a command prints.
 *
 * The fake kernel answers CTRL_CMD_GETFAMILY for "ovl" with FAKE_FAMILY
 * and the "events" group FAKE_GROUP, records every request of the ovl
 * family, and answers each with the next answer queued by the test (an
 * ACK, or an empty dump, if none is): its messages, then NLMSG_DONE for a
 * dump or an ACK for a do, or the error set with fake_answer_error().
 * Replies are packed into datagrams of at most FAKE_DGRAM bytes, with the
 * request's sequence number and NLM_F_MULTI in a dump, as the kernel
 * packs them.  Once a command joined the events group and every queued
 * event is read, the fake raises FAKE_STOP_SIGNAL (SIGTERM unless set),
 * as a user stopping "ovlctl monitor" would.
 */
#ifndef _OVLCTL_TESTS_HARNESS_H
#define _OVLCTL_TESTS_HARNESS_H

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ovl.h>
#include <stdbool.h>
#include <stdint.h>

#include "../ovlctl.h"

#define FAKE_FAMILY	0x1d
#define FAKE_GROUP	7
#define FAKE_PORTID	4242
#define FAKE_DGRAM	4096

/* Forget all requests, answers, events and output. */
void fake_reset(void);

/* Start the answer to the next ovl request that has none yet. */
void fake_answer(void);

/* Add a reply message with @cmd to the last answer; add attributes to it. */
struct nlmsghdr *fake_answer_msg(uint8_t cmd);

/*
 * Add @n messages to the last answer, made as they are read: @gen gets
 * each new message (headers only, command @cmd) and its number, from 0.
 */
void fake_answer_gen(uint8_t cmd, unsigned int n,
		     void (*gen)(struct nlmsghdr *nlh, unsigned int i));

/* End the last answer with @error (negative) and extack message @ext. */
void fake_answer_error(int error, const char *ext);

/* Leave out the multicast groups from the family's description. */
void fake_no_groups(void);

/* Signal raised when the events run out (default SIGTERM). */
void fake_stop_signal(int sig);

/* Call @fn when the events run out, just before the stop signal. */
void fake_on_events_done(void (*fn)(void));

/* Queue a notification with @cmd; add attributes to it. */
struct nlmsghdr *fake_event(uint8_t cmd);

/* Queue a failed read with @error (e.g. ENOBUFS) among the events. */
void fake_event_error(int error);

/* The ovl requests received, in order. */
unsigned int fake_nreqs(void);
const struct nlmsghdr *fake_req(unsigned int i);
const struct genlmsghdr *fake_req_genl(unsigned int i);

/* The multicast group joined, 0 if none. */
unsigned int fake_joined(void);

/*
 * Run "ovlctl ARGS..." (NULL-terminated; "-j" may come first) in this
 * process, capturing standard output and error into run_out and run_err
 * (valid until the next run or fake_reset()).  Returns the exit status.
 */
int run(const char *arg, ...) __attribute__((sentinel));
extern char *run_out, *run_err;

/*
 * Decoding requests: the attributes of @nlh (a genl message) or inside
 * @nest into @tb[0..@max]; a repeated attribute goes to @multi (at most
 * @n_multi, counted in *@count) instead, if its type is @multi_type.
 */
void decode(const struct nlmsghdr *nlh, const struct nlattr **tb,
	    uint16_t max);
void decode_nested(const struct nlattr *nest, const struct nlattr **tb,
		   uint16_t max, uint16_t multi_type,
		   const struct nlattr **multi, unsigned int n_multi,
		   unsigned int *count);

/**
 * struct reply_key - a key's public state in a peer reply
 * @slot: &enum ovl_key_slot
 * @id: key id
 * @tx_counter: messages sent, if @has_counter
 * @lifetime: its lifetime in seconds, if @has_lifetime
 * @expires_ms: milliseconds left of it, if @has_lifetime
 * @has_lifetime: a handshake's key
 * @promote: a secondary key waiting to be promoted
 */
struct reply_key {
	uint32_t slot;
	uint8_t id;
	uint64_t tx_counter;
	bool has_counter;
	uint32_t lifetime;
	uint64_t expires_ms;
	bool has_lifetime;
	bool promote;
};

/**
 * struct reply_peer - a peer as the kernel reports it; strings are parsed
 *	with parse.c, NULL ones and false has_* leave attributes out
 */
struct reply_peer {
	uint32_t node_id;
	const char *endpoint;
	const char *aips[4];
	uint32_t keepalive;
	bool has_keepalive;
	uint32_t path;
	bool pinned;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t relay_rx_packets, relay_tx_packets, flips;
	uint64_t icmp_errors;	/* left out when 0 */
	bool direct_rx;
	uint64_t last_direct_rx_ms;
	struct reply_key keys[3];
	unsigned int n_keys;
	bool no_ifname;
	uint64_t last_handshake;	/* left out when 0 */
	uint64_t cert_expiry;		/* left out when 0 */
};

/* A peer reply's attributes (device ovl0, ifindex 5, and the peer). */
void put_peer(struct nlmsghdr *nlh, const struct reply_peer *p);

/**
 * struct reply_dev - a device as the kernel reports it
 */
struct reply_dev {
	const char *ifname;
	uint32_t ifindex;
	uint32_t node_id;
	uint16_t listen_port;
	uint32_t peers;
	uint64_t drops[OVL_A_DROPS_MAX + 1];
};

/* A device reply's attributes; the drops nest holds every counter. */
void put_dev(struct nlmsghdr *nlh, const struct reply_dev *d);

#endif /* _OVLCTL_TESTS_HARNESS_H */
