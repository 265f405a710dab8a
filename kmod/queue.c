// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel crypto with per-peer ordering; the design, locking and lifetime
 * rules are described in queue.h.
 *
 * Bounds: a peer's transmit queue holds at most OVL_TX_MAX entries, a
 * receive slot OVL_RX_MAX and a CPU's crypt worker OVL_CRYPT_MAX; what
 * does not fit is dropped and counted (transmit: TCP's small queues keep
 * a flow well below; receive: it is what a CPU would have dropped from its
 * backlog).  Received messages are checked first against their peer's
 * receive budget (budget.h), in bytes and shrunk by the peer's recent
 * authentication failures, so that junk naming one peer is dropped before
 * any crypto and never fills the slot that other peers share.
 *
 * Messages with no data (keepalives, probes) claim their counters from the
 * same key as data.  A keepalive goes through the ordered queue like data;
 * a probe, which must go now and to a given address, is sent out of band
 * only while the peer's queued data holds at most OVL_TX_OVERTAKE
 * counters, so that it cannot get ahead of queued data by more than the
 * receiver's replay window (ovl_queue_may_overtake()).
 *
 * CPU hotplug: producers pick the next online CPU for each entry, round
 * robin; a work queued on a CPU that then goes offline still runs (the
 * workqueue moves it), and so does everything it drains.  A peer's tx
 * work moves to another online CPU when its CPU went offline.  NAPI polls
 * run on the CPU that scheduled them.
 */

#include <linux/cpumask.h>
#include <linux/netdevice.h>
#include <linux/ovl.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#ifdef OVL_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

#include "device.h"
#include "key.h"
#include "peer.h"
#include "queue.h"
#include "receive.h"
#include "relay.h"
#include "replay.h"
#include "send.h"

#define OVL_TX_MAX	1024
#define OVL_RX_MAX	4096
#define OVL_CRYPT_MAX	4096
/* Half the replay window: room for reordering on the way, too. */
#define OVL_TX_OVERTAKE	(OVL_REPLAY_WINDOW / 2)
#define OVL_RX_CHARGE_UNIT	64

/* The entry that @skb's cb is part of: its first skb. */
static struct sk_buff *ovl_cb_skb(struct ovl_cb *cb)
{
	return container_of((void *)cb, struct sk_buff, cb);
}

/* The CPU a peer's tx work runs on: stable while it is online. */
static unsigned int ovl_serial_cpu(struct ovl_peer *peer)
{
	unsigned int cpu = READ_ONCE(peer->queues.cpu), n, i;

	if (likely(cpu < nr_cpu_ids && cpu_online(cpu)))
		return cpu;
	n = peer->node_id % num_online_cpus();
	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < n; i++)
		cpu = cpumask_next(cpu, cpu_online_mask);
	if (cpu >= nr_cpu_ids)		/* a CPU went offline meanwhile */
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(peer->queues.cpu, cpu);
	return cpu;
}

/* The receive slot of @peer's messages: always the same one. */
static struct ovl_rx_slot *ovl_rx_slot(struct ovl_peer *peer)
{
	struct ovl_dev *ovl = peer->ovl;

	return &ovl->rx_slots[peer->node_id % ovl->n_rx_slots];
}

/*
 * Queue @peer's tx work, which then holds a reference to @peer.  Context:
 * the caller holds a reference to @peer.
 */
static void ovl_tx_kick(struct ovl_peer *peer)
{
	ovl_peer_get(peer);
	if (!queue_work_on(ovl_serial_cpu(peer), peer->ovl->wq,
			   &peer->queues.tx_work))
		ovl_peer_put(peer);
}

/*
 * A received entry leaves its slot: give back what it was charged to its
 * peer's receive budget, and put a message that failed authentication on
 * the peer's debt.  Context: the slot's lock held.
 */
static void ovl_rx_uncharge(struct sk_buff *skb, u64 now)
{
	struct ovl_cb *cb = OVL_CB(skb);

	ovl_rx_budget_release(&cb->peer->queues.rx,
			      cb->charge * OVL_RX_CHARGE_UNIT,
			      cb->drop == OVL_A_DROPS_BAD_TAG, now);
}

/*
 * Take the entries at the head of @s whose crypto is done, at most @max,
 * oldest first (linked through &ovl_cb.serial_next).  Received entries
 * are uncharged from their peers' receive budgets.  Context: the consumer
 * of @s, or the device's teardown.
 */
static struct sk_buff *ovl_serial_take(struct ovl_serial *s, unsigned int max)
{
	struct sk_buff *first, *skb, *last = NULL;
	unsigned int n = 0;
	u64 now = 0;

	spin_lock_bh(&s->lock);
	first = s->head;
	for (skb = first; skb && n < max; skb = OVL_CB(skb)->serial_next) {
		if (atomic_read_acquire(&OVL_CB(skb)->state) == OVL_ENTRY_PENDING)
			break;
		if (!OVL_CB(skb)->tx) {
			if (!n)
				now = ovl_now_ms();
			ovl_rx_uncharge(skb, now);
		}
		last = skb;
		n++;
	}
	if (last) {
		s->head = skb;
		if (!skb)
			s->tail = NULL;
		s->len -= n;
		OVL_CB(last)->serial_next = NULL;
	}
	spin_unlock_bh(&s->lock);
	return last ? first : NULL;
}

/*
 * Reserve a place with the crypt worker of the next online CPU; NULL if
 * it is full.  Context: BH disabled.
 */
static struct ovl_crypt_cpu *ovl_crypt_reserve(struct ovl_dev *ovl, int *cpup)
{
	struct ovl_crypt_cpu *here = this_cpu_ptr(ovl->crypt), *c;
	int cpu;

	cpu = cpumask_next(here->next_cpu, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	here->next_cpu = cpu;
	c = per_cpu_ptr(ovl->crypt, cpu);
	if (atomic_inc_return(&c->len) > OVL_CRYPT_MAX) {
		atomic_dec(&c->len);
		return NULL;
	}
	*cpup = cpu;
	return c;
}

/* Hand the entry @skb, already in its peer's ordered queue, to @c. */
static void ovl_crypt_submit(struct ovl_dev *ovl, struct ovl_crypt_cpu *c,
			     int cpu, struct sk_buff *skb)
{
	llist_add(&OVL_CB(skb)->crypt, &c->jobs);
	queue_work_on(cpu, ovl->wq, &c->work);
}

/*
 * Make @skb an entry of @peer under @key, taking a reference to both.
 * Context: RCU read side, both found under it.
 */
static int ovl_entry_init(struct sk_buff *skb, struct ovl_peer *peer,
			  struct ovl_key *key, bool tx, bool relay)
{
	struct ovl_cb *cb = OVL_CB(skb);

	if (!ovl_peer_tryget(peer))
		return tx ? OVL_A_DROPS_TX_NO_PEER : OVL_A_DROPS_UNKNOWN_PEER;
	if (!ovl_key_tryget(key)) {
		ovl_peer_put(peer);
		return tx ? OVL_A_DROPS_TX_NO_KEY : OVL_A_DROPS_NO_KEY;
	}
	cb->peer = peer;
	cb->key = key;
	cb->serial_next = NULL;
	atomic_set(&cb->state, OVL_ENTRY_PENDING);
	cb->tx = tx;
	cb->relay = relay;
	cb->drop = 0;
	return 0;
}

/* Drop an entry's references: its consumer or a failed enqueue does. */
static void ovl_entry_release(struct sk_buff *skb)
{
	ovl_key_put_rcu(OVL_CB(skb)->key);
	ovl_peer_put(OVL_CB(skb)->peer);
}

static void ovl_serial_append(struct ovl_serial *s, struct sk_buff *skb)
{
	if (s->tail)
		OVL_CB(s->tail)->serial_next = skb;
	else
		s->head = skb;
	s->tail = skb;
	s->len++;
}

/*
 * How many packets @skb makes once segmented.  Overestimating is harmless:
 * counters left unused are gaps the receiver's replay window accepts.
 */
static unsigned int ovl_tx_segs(struct sk_buff *skb)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);
	unsigned int n;

	if (!skb_is_gso(skb))
		return 1;
	n = shinfo->gso_segs ?: DIV_ROUND_UP(skb->len, shinfo->gso_size);
	return clamp(n, 1U, (unsigned int)U16_MAX);
}

/**
 * ovl_queue_tx - queue a packet to be encrypted and sent to @peer, in order
 * @peer: the peer
 * @key: the key to encrypt under
 * @relay: through the beacon
 * @skb: the packet, GSO or not; consumed
 *
 * The counters of all its segments are claimed here, under the ordered
 * queue's lock, so that packets go out in counter order.  Context:
 * ndo_start_xmit (BH disabled, RCU read side, @peer and @key found under
 * it).
 */
void ovl_queue_tx(struct ovl_peer *peer, struct ovl_key *key, bool relay,
		  struct sk_buff *skb)
{
	unsigned int n = ovl_tx_segs(skb), got;
	struct ovl_serial *s = &peer->queues.tx;
	struct ovl_dev *ovl = peer->ovl;
	struct ovl_crypt_cpu *c;
	u64 counter = 0;
	int cpu, reason;

	reason = ovl_entry_init(skb, peer, key, true, relay);
	if (reason)
		goto drop;
	reason = OVL_A_DROPS_CRYPT_QUEUE_FULL;
	c = ovl_crypt_reserve(ovl, &cpu);
	if (!c)
		goto release;

	spin_lock(&s->lock);
	if (s->len >= OVL_TX_MAX) {
		spin_unlock(&s->lock);
		reason = OVL_A_DROPS_TX_QUEUE_FULL;
		goto unreserve;
	}
	/*
	 * Segments past the last counter are dropped once segmented.  The
	 * event asking for a new key is built after the unlock.
	 */
	got = ovl_key_next_counters(key, n, &counter);
	if (got) {
		OVL_CB(skb)->counter = counter;
		OVL_CB(skb)->ncounters = got;
		atomic_add(got, &peer->queues.tx_inflight);
		ovl_serial_append(s, skb);
	}
	spin_unlock(&s->lock);
	ovl_send_claimed(peer, key, n, got, counter);
	if (got) {
		ovl_crypt_submit(ovl, c, cpu, skb);
		return;
	}
	reason = OVL_A_DROPS_TX_NO_KEY;

unreserve:
	atomic_dec(&c->len);
release:
	ovl_entry_release(skb);
drop:
	ovl_tx_drop(ovl, skb, reason);
}

/**
 * ovl_queue_rx - queue a sealed message from @peer to be decrypted
 * @peer: the peer it names
 * @key: the key it names
 * @relay: it came through the beacon
 * @skb: the message, from its header on, &ovl_cb.counter set; consumed
 *
 * Context: encap_rcv (softirq, RCU read side, @peer and @key found under
 * it).
 */
void ovl_queue_rx(struct ovl_peer *peer, struct ovl_key *key, bool relay,
		  struct sk_buff *skb)
{
	unsigned int charge = DIV_ROUND_UP(skb->truesize, OVL_RX_CHARGE_UNIT);
	struct ovl_serial *s = &ovl_rx_slot(peer)->q;
	struct ovl_dev *ovl = peer->ovl;
	struct ovl_crypt_cpu *c;
	int cpu, reason;

	reason = ovl_entry_init(skb, peer, key, false, relay);
	if (reason) {
		ovl_rx_drop(ovl, skb, reason);
		return;
	}
	charge = clamp(charge, 1U, (unsigned int)U16_MAX);
	OVL_CB(skb)->charge = charge;

	/* The cheap checks first: nothing is decrypted for what fails them. */
	spin_lock(&s->lock);
	if (!ovl_rx_budget_charge(&peer->queues.rx, charge * OVL_RX_CHARGE_UNIT,
				  ovl_now_ms())) {
		reason = OVL_A_DROPS_RX_PEER_BUDGET;
		goto unlock;
	}
	if (s->len >= OVL_RX_MAX) {
		reason = OVL_A_DROPS_RX_QUEUE_FULL;
	} else {
		c = ovl_crypt_reserve(ovl, &cpu);
		if (!c)
			reason = OVL_A_DROPS_CRYPT_QUEUE_FULL;
	}
	if (reason) {
		ovl_rx_budget_release(&peer->queues.rx,
				      charge * OVL_RX_CHARGE_UNIT, false, 0);
		goto unlock;
	}
	ovl_serial_append(s, skb);
	spin_unlock(&s->lock);
	ovl_crypt_submit(ovl, c, cpu, skb);
	return;

unlock:
	spin_unlock(&s->lock);
	ovl_entry_release(skb);
	ovl_rx_drop(ovl, skb, reason);
}

/**
 * ovl_queue_may_overtake - may a message to @peer go out of band now?
 * @peer: the peer
 *
 * A message sent now, not through the peer's ordered queue, takes a
 * counter past those of every queued packet and may reach the peer first.
 * The peer's replay window then refuses the queued packets that are more
 * than OVL_REPLAY_WINDOW counters older.  True while the queued packets
 * hold at most OVL_TX_OVERTAKE counters.  Context: any.
 */
bool ovl_queue_may_overtake(struct ovl_peer *peer)
{
	BUILD_BUG_ON(OVL_TX_OVERTAKE >= OVL_REPLAY_WINDOW);
	return atomic_read(&peer->queues.tx_inflight) <= OVL_TX_OVERTAKE;
}

/*
 * Segment the transmit entry @first if it is GSO, and encrypt every
 * packet, each under its own counter.
 */
static void ovl_crypt_tx(struct sk_buff *first)
{
	unsigned int i = 0, want = ovl_tx_segs(first);
	struct ovl_cb *cb = OVL_CB(first);
	struct sk_buff *segs, *skb;
	u64 counter = cb->counter;
	int reason;

	BUILD_BUG_ON(offsetof(struct ovl_cb, counter) < SKB_GSO_CB_OFFSET);
	cb->segs = first;
	if (skb_is_gso(first)) {
		segs = skb_gso_segment(first, 0);
		/* It wrote over @counter and @segs (see struct ovl_cb). */
		cb->counter = counter;
		cb->segs = segs;
		if (IS_ERR_OR_NULL(segs)) {
			cb->segs = first;
			cb->drop = OVL_A_DROPS_TX_ERROR;
			return;
		}
	}
	/* Past the counters claimed: the key ran out, or more segments. */
	reason = cb->ncounters < want ? OVL_A_DROPS_TX_NO_KEY :
					OVL_A_DROPS_TX_ERROR;
	for (skb = cb->segs; skb; skb = skb->next, i++) {
		OVL_CB(skb)->drop = 0;
		if (i >= cb->ncounters)
			OVL_CB(skb)->drop = reason;
		else if (!ovl_send_seal(cb->peer->ovl, cb->key, OVL_MSG_DATA,
					skb, cb->counter + i))
			OVL_CB(skb)->drop = OVL_A_DROPS_TX_ERROR;
	}
}

/*
 * Receive slots whose NAPI a crypt worker is to schedule: it schedules
 * them for a batch of entries, not for each, so that GRO sees batches.
 */
#define OVL_KICK_SLOTS	4
#define OVL_KICK_BATCH	16

struct ovl_rx_kicks {
	struct ovl_rx_slot *slot[OVL_KICK_SLOTS];
	unsigned int n;
};

static void ovl_rx_kicks_flush(struct ovl_rx_kicks *k)
{
	unsigned int i;

	if (!k->n)
		return;
	/* Enabling BH again runs the polls right here, on this CPU. */
	local_bh_disable();
	for (i = 0; i < k->n; i++)
		napi_schedule(&k->slot[i]->napi);
	local_bh_enable();
	k->n = 0;
}

static void ovl_rx_kicks_add(struct ovl_rx_kicks *k, struct ovl_rx_slot *slot)
{
	unsigned int i;

	for (i = 0; i < k->n; i++) {
		if (k->slot[i] == slot)
			return;
	}
	if (k->n == OVL_KICK_SLOTS)
		ovl_rx_kicks_flush(k);
	k->slot[k->n++] = slot;
}

/*
 * The crypto of the entry @first is done: let the consumer of its ordered
 * queue have it, now (transmit) or when @kicks is flushed (receive).  The
 * entry, and the reference to the peer it holds, may be gone as soon as
 * its state says so.  A receive slot belongs to the device, which
 * outlives the crypt workers.
 */
static void ovl_crypt_done(struct sk_buff *first, struct ovl_rx_kicks *kicks)
{
	struct ovl_peer *peer = OVL_CB(first)->peer;
	struct ovl_rx_slot *slot;

	if (OVL_CB(first)->tx) {
		/* The kick takes its own reference. */
		ovl_peer_get(peer);
		atomic_set_release(&OVL_CB(first)->state, OVL_ENTRY_DONE);
		ovl_tx_kick(peer);
		ovl_peer_put(peer);
		return;
	}
	slot = ovl_rx_slot(peer);
	atomic_set_release(&OVL_CB(first)->state, OVL_ENTRY_DONE);
	ovl_rx_kicks_add(kicks, slot);
}

/* A CPU's crypt worker: seals and opens entries in the order queued. */
static void ovl_crypt_work(struct work_struct *work)
{
	struct ovl_crypt_cpu *c = container_of(work, struct ovl_crypt_cpu, work);
	struct llist_node *jobs, *pos, *next;
	struct ovl_rx_kicks kicks = { .n = 0 };
	unsigned int n = 0;
	struct sk_buff *skb;

	while ((jobs = llist_del_all(&c->jobs))) {
		jobs = llist_reverse_order(jobs);
		llist_for_each_safe(pos, next, jobs) {
			skb = ovl_cb_skb(container_of(pos, struct ovl_cb, crypt));
			atomic_dec(&c->len);
			if (OVL_CB(skb)->tx)
				ovl_crypt_tx(skb);
			else
				OVL_CB(skb)->drop = ovl_recv_open(OVL_CB(skb)->key, skb);
			ovl_crypt_done(skb, &kicks);
			if (++n % OVL_KICK_BATCH == 0 || need_resched())
				ovl_rx_kicks_flush(&kicks);
			cond_resched();
		}
		ovl_rx_kicks_flush(&kicks);
	}
}

/* Send the packets of one transmit entry.  Context: the peer's tx work. */
static void ovl_serial_tx_entry(struct ovl_peer *peer, struct sk_buff *first)
{
	struct sk_buff *segs = OVL_CB(first)->segs, *skb, *next;
	unsigned int ncounters = OVL_CB(first)->ncounters;
	struct ovl_key *key = OVL_CB(first)->key;
	bool relay = OVL_CB(first)->relay;
	int reason = OVL_CB(first)->drop;
	struct ovl_dev *ovl = peer->ovl;
	struct ovl_route rt;

	if (reason) {			/* it could not be segmented */
		ovl_tx_drop(ovl, first, reason);
		goto out;
	}
	/* The GSO packet, replaced by its segments. */
	if (segs != first)
		consume_skb(first);

	rcu_read_lock_bh();
	/* Removed while the packets were queued: they have nowhere to go. */
	if (READ_ONCE(peer->dead))
		reason = OVL_A_DROPS_TX_NO_PEER;
	else
		reason = ovl_route_resolve(peer, relay, &rt);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		if (reason || OVL_CB(skb)->drop)
			ovl_tx_drop(ovl, skb, reason ?: OVL_CB(skb)->drop);
		else
			ovl_send_sealed(peer, &rt, skb);
	}
	rcu_read_unlock_bh();
out:
	/* Sent or dropped: a probe can no longer overtake these. */
	atomic_sub(ncounters, &peer->queues.tx_inflight);
	ovl_key_put_rcu(key);
	ovl_peer_put(peer);		/* the entry's; the work holds another */
}

static void ovl_tx_work(struct work_struct *work)
{
	struct ovl_peer *peer = container_of(work, struct ovl_peer,
					     queues.tx_work);
	struct sk_buff *first, *next;

	while ((first = ovl_serial_take(&peer->queues.tx, UINT_MAX))) {
		for (; first; first = next) {
			next = OVL_CB(first)->serial_next;
			ovl_serial_tx_entry(peer, first);
			cond_resched();
		}
	}
	ovl_peer_put(peer);		/* the work's, taken when queued */
}

/* Deliver or drop one received entry and drop its references. */
static void ovl_rx_entry(struct sk_buff *skb, struct napi_struct *napi)
{
	struct ovl_peer *peer = OVL_CB(skb)->peer;
	struct ovl_key *key = OVL_CB(skb)->key;

	if (OVL_CB(skb)->drop)
		ovl_rx_drop(peer->ovl, skb, OVL_CB(skb)->drop);
	else
		ovl_recv_finish(peer, key, skb, napi);
	ovl_key_put_rcu(key);
	ovl_peer_put(peer);
}

/* A receive slot's NAPI poll: deliver what is decrypted, in order. */
static int ovl_rx_poll(struct napi_struct *napi, int budget)
{
	struct ovl_rx_slot *slot = container_of(napi, struct ovl_rx_slot, napi);
	struct sk_buff *skb, *next;
	int done = 0;

	rcu_read_lock();
	while (done < budget &&
	       (skb = ovl_serial_take(&slot->q, budget - done))) {
		for (; skb; skb = next) {
			next = OVL_CB(skb)->serial_next;
			ovl_rx_entry(skb, napi);
			done++;
		}
	}
	rcu_read_unlock();
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

static void ovl_serial_init(struct ovl_serial *s)
{
	spin_lock_init(&s->lock);
	s->head = NULL;
	s->tail = NULL;
	s->len = 0;
}

/* Context: may sleep; the peer is not published yet. */
void ovl_queue_peer_init(struct ovl_peer *peer)
{
	ovl_serial_init(&peer->queues.tx);
	INIT_WORK(&peer->queues.tx_work, ovl_tx_work);
	peer->queues.cpu = nr_cpu_ids;
	atomic_set(&peer->queues.tx_inflight, 0);
	ovl_rx_budget_init(&peer->queues.rx, ovl_now_ms());
}

/* Context: ndo_init, RTNL held. */
int ovl_queue_init(struct ovl_dev *ovl)
{
	struct ovl_crypt_cpu *c;
	unsigned int i;
	int cpu;

	ovl->n_rx_slots = num_possible_cpus();
	ovl->rx_slots = kcalloc(ovl->n_rx_slots, sizeof(*ovl->rx_slots),
				GFP_KERNEL);
	if (!ovl->rx_slots)
		return -ENOMEM;
	ovl->crypt = alloc_percpu(struct ovl_crypt_cpu);
	if (!ovl->crypt)
		goto err_slots;
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(ovl->crypt, cpu);
		init_llist_head(&c->jobs);
		atomic_set(&c->len, 0);
		INIT_WORK(&c->work, ovl_crypt_work);
		c->next_cpu = -1;
	}
	/* Crypto hogs the CPU; packets must flow under memory pressure. */
	ovl->wq = alloc_workqueue("ovl-%s", WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM,
				  0, ovl->dev->name);
	if (!ovl->wq)
		goto err_crypt;
	for (i = 0; i < ovl->n_rx_slots; i++) {
		ovl_serial_init(&ovl->rx_slots[i].q);
		netif_napi_add(ovl->dev, &ovl->rx_slots[i].napi, ovl_rx_poll);
		napi_enable(&ovl->rx_slots[i].napi);
	}
	return 0;

err_crypt:
	free_percpu(ovl->crypt);
err_slots:
	kfree(ovl->rx_slots);
	return -ENOMEM;
}

/*
 * Context: ndo_uninit, RTNL held, may sleep; nothing queues entries any
 * more (see queue.h).  Destroying the workqueue drains it: every transmit
 * entry is sent or dropped, every received one decrypted.  Once the NAPI
 * polls are stopped, what the receive slots still hold is dropped.  Every
 * reference the entries held is then dropped.
 */
void ovl_queue_uninit(struct ovl_dev *ovl)
{
	struct ovl_rx_slot *slot;
	struct sk_buff *skb, *next;
	unsigned int i;
	int cpu;

	destroy_workqueue(ovl->wq);
	for_each_possible_cpu(cpu)
		WARN_ON_ONCE(!llist_empty(&per_cpu_ptr(ovl->crypt, cpu)->jobs));
	free_percpu(ovl->crypt);

	for (i = 0; i < ovl->n_rx_slots; i++) {
		slot = &ovl->rx_slots[i];
		napi_disable(&slot->napi);
		netif_napi_del(&slot->napi);
		for (skb = ovl_serial_take(&slot->q, UINT_MAX); skb; skb = next) {
			next = OVL_CB(skb)->serial_next;
			ovl_entry_release(skb);
			ovl_rx_drop(ovl, skb, OVL_A_DROPS_DEV_DOWN);
		}
		WARN_ON_ONCE(slot->q.head);
	}
	kfree(ovl->rx_slots);
}
