/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parallel crypto: packets are sealed and opened by per-CPU workers of the
 * device while each peer keeps its packets in order.
 *
 * Every packet (on transmit, GSO super-packet) is an *entry*.  The CPU
 * that produces an entry (ndo_start_xmit, or encap_rcv for a received
 * datagram) appends it to an ordered queue (struct ovl_serial) and hands
 * it to the crypt worker of one online CPU, chosen round robin.  The
 * crypt worker segments and encrypts it, or decrypts it, in place, marks
 * it done and kicks the single consumer of the ordered queue, which takes
 * entries from the head of the queue as long as they are done:
 *
 * - transmit: each peer has its ordered queue, consumed by the peer's tx
 *   work on the peer's CPU, which sends the packets, straight or through
 *   the beacon as the peer's path was when they were queued;
 * - receive: each device has a few receive slots, each an ordered queue
 *   consumed by a NAPI poll, which checks the replay window, lets the
 *   messages count (endpoint, path heuristics, probes) and hands the
 *   packets to GRO.  A peer always uses the same slot.
 *
 * So packets leave and enter the stack in the order they were queued,
 * whichever CPU did their crypto.
 *
 * Lifetime: an entry holds a reference to its peer and to its key from the
 * moment it is queued until its consumer is finished with it, so that
 * neither outlives what is queued; a queued tx work holds a reference to
 * its peer too.  Peers and keys are freed after a grace period once the
 * last reference is gone (see peer.c, key.c).  Nothing holds the device:
 * in ndo_uninit, once its sockets are closed (no more receive), it is
 * unregistered (no more ndo_start_xmit) and its peers are removed (no more
 * keepalives or probes), it destroys its workqueue, which runs everything queued,
 * work queued by its own works included; then it disables the NAPI of
 * the receive slots and drops what they still hold.  Afterwards no entry
 * and no work is left.
 */
#ifndef _OVL_QUEUE_H
#define _OVL_QUEUE_H

#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "budget.h"

struct ovl_dev;
struct ovl_key;
struct ovl_peer;

/**
 * struct ovl_serial - an ordered queue of entries with a single consumer
 * @lock: protects @head, @tail and @len.  Producers take it with BH
 *	disabled (ndo_start_xmit, encap_rcv), the consumer with BH disabled
 *	too (spin_lock_bh() in the tx work, NAPI poll)
 * @head: oldest entry, linked through &ovl_cb.serial_next
 * @tail: newest entry
 * @len: entries queued
 */
struct ovl_serial {
	spinlock_t lock;	/* see above */
	struct sk_buff *head;
	struct sk_buff *tail;
	unsigned int len;
};

/**
 * struct ovl_peer_queues - a peer's transmit queue and receive budget
 * @tx: packets to send, in the order their counters were claimed
 * @tx_work: the consumer of @tx, queued on @cpu
 * @cpu: the CPU @tx_work runs on; chosen again when it goes offline
 * @tx_inflight: counters claimed for the entries of @tx that are not sent
 *	yet: how far a message sent now, out of band, would overtake them
 * @rx: what the peer's received messages may take of its receive slot
 *	(budget.h); under the lock of that slot, which is always the same
 */
struct ovl_peer_queues {
	struct ovl_serial tx;
	struct work_struct tx_work;
	unsigned int cpu;
	atomic_t tx_inflight;
	struct ovl_rx_budget rx;
};

/**
 * struct ovl_rx_slot - an ordered queue of received entries
 * @q: the entries, in arrival order
 * @napi: the consumer of @q
 */
struct ovl_rx_slot {
	struct ovl_serial q;
	struct napi_struct napi;
};

/**
 * struct ovl_crypt_cpu - one CPU's crypt worker of a device
 * @jobs: entries to encrypt or decrypt (lockless, many producers)
 * @len: entries on @jobs, bounded by OVL_CRYPT_MAX
 * @work: drains @jobs, on this CPU
 * @next_cpu: round-robin cursor of the producers running on this CPU: the
 *	CPU the last entry produced here went to
 */
struct ovl_crypt_cpu {
	struct llist_head jobs;
	atomic_t len;
	struct work_struct work;
	int next_cpu;
};

enum ovl_entry_state {
	OVL_ENTRY_PENDING,
	OVL_ENTRY_DONE,
};

/**
 * struct ovl_cb - an entry's state, in the &sk_buff.cb of its skb
 * @serial_next: next entry of the ordered queue
 * @state: &enum ovl_entry_state; set with release semantics once the
 *	crypto is done
 * @ncounters: (transmit) how many counters from @counter were claimed
 * @charge: (receive) what the entry is charged to its peer's receive
 *	budget, in OVL_RX_CHARGE_UNIT bytes
 * @tx: a transmit entry
 * @relay: goes (transmit) or came (receive) through the beacon
 * @drop: why the entry is to be dropped (&enum ovl_a_drops), 0 if it is
 *	good.  The cb of each packet of @segs says the same of that packet.
 * @peer: the peer, one reference held
 * @key: the key, one reference held
 * @counter: message counter; of a transmit entry, that of its first packet,
 *	the others follow
 * @crypt: link in &ovl_crypt_cpu.jobs, until the crypt worker takes it
 * @segs: (transmit) then the packets to send, linked through
 *	&sk_buff.next: the entry's skb itself, or its GSO segments
 *
 * GSO segmentation uses the cb from SKB_GSO_CB_OFFSET on: only @counter
 * and @crypt/@segs live there, which the crypt worker alone uses then.
 */
struct ovl_cb {
	struct sk_buff *serial_next;
	atomic_t state;
	union {
		u16 ncounters;
		u16 charge;
	};
	u8 tx:1;
	u8 relay:1;
	u8 drop;
	struct ovl_peer *peer;
	struct ovl_key *key;
	u64 counter;
	union {
		struct llist_node crypt;
		struct sk_buff *segs;
	};
};

static inline struct ovl_cb *OVL_CB(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct ovl_cb) > sizeof_field(struct sk_buff, cb));
	return (struct ovl_cb *)skb->cb;
}

int ovl_queue_init(struct ovl_dev *ovl);
void ovl_queue_uninit(struct ovl_dev *ovl);
void ovl_queue_peer_init(struct ovl_peer *peer);
void ovl_queue_tx(struct ovl_peer *peer, struct ovl_key *key, bool relay,
		  struct sk_buff *skb);
void ovl_queue_rx(struct ovl_peer *peer, struct ovl_key *key, bool relay,
		  struct sk_buff *skb);
bool ovl_queue_may_overtake(struct ovl_peer *peer);

#endif /* _OVL_QUEUE_H */
