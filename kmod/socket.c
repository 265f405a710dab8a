// SPDX-License-Identifier: GPL-2.0
/*
 * The device's UDP sockets.  One port carries every overlay message: data,
 * handshakes, beacon traffic and hole punching, so that a NAT keeps a
 * single mapping for the host.  An IPv4 socket and an IPv6-only socket are
 * bound to the same port; the IPv6 one is skipped when IPv6 is disabled.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ovl.h>
#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/ip6_route.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "peer.h"
#include "receive.h"
#include "relay.h"
#include "socket.h"

/*
 * Was the ICMP error a destination unreachable?  The UDP error path hands
 * the error over with the transport header at the ICMP header and
 * skb->data at the IP header it quotes.  Time exceeded, parameter problem,
 * "fragmentation needed" and "packet too big" do not count.
 */
static bool ovl_err_unreachable(struct sock *sk, struct sk_buff *skb)
{
	if (sk->sk_family == AF_INET)
		return icmp_hdr(skb)->type == ICMP_DEST_UNREACH &&
		       icmp_hdr(skb)->code != ICMP_FRAG_NEEDED;
	return icmp6_hdr(skb)->icmp6_type == ICMPV6_DEST_UNREACH;
}

/*
 * encap_err_rcv: an ICMP error about the datagram whose UDP header is @uh.
 * Only a datagram of ours counts: from our listen port to a peer's
 * endpoint.  Every such peer counts the error (icmp_errors), and a
 * destination unreachable one is handed to the path heuristics, which
 * believe it only as corroboration (relay.c).  ICMP is unauthenticated:
 * anyone on the path can forge one.  Context: softirq, RCU read side.
 */
static void ovl_err(struct sock *sk, struct sk_buff *skb,
		    const struct udphdr *uh)
{
	struct ovl_dev *ovl = rcu_dereference_sk_user_data(sk);
	union ovl_endpoint to = {};
	struct ovl_peer *peer;
	union ovl_endpoint ep;
	bool unreachable;

	if (!ovl || uh->source != htons(READ_ONCE(ovl->listen_port)))
		return;
	unreachable = ovl_err_unreachable(sk, skb);
	if (sk->sk_family == AF_INET) {
		to.addr4.sin_family = AF_INET;
		to.addr4.sin_addr.s_addr = ((struct iphdr *)skb->data)->daddr;
		to.addr4.sin_port = uh->dest;
	} else {
		to.addr6.sin6_family = AF_INET6;
		to.addr6.sin6_addr = ((struct ipv6hdr *)skb->data)->daddr;
		to.addr6.sin6_port = uh->dest;
	}
	hlist_for_each_entry_rcu(peer, ovl_peer_ep_bucket(ovl, &to), ep_node) {
		ovl_peer_get_endpoint(peer, &ep);
		if (!ovl_endpoint_eq(&ep, &to))
			continue;
		atomic64_inc(&peer->stats.icmp_errors);
		if (unreachable)
			ovl_peer_path_unreachable(peer);
	}
}

#ifdef OVL_HAVE_ENCAP_ERR_OFFSET
static void ovl_encap_err_rcv(struct sock *sk, struct sk_buff *skb,
			      unsigned int udp_offset)
{
	ovl_err(sk, skb, (struct udphdr *)(skb->data + udp_offset));
}
#else
static void ovl_encap_err_rcv(struct sock *sk, struct sk_buff *skb, int err,
			      __be16 port, u32 info, u8 *payload)
{
	ovl_err(sk, skb, (struct udphdr *)payload - 1);
}
#endif

static int ovl_sock_open(struct ovl_dev *ovl, struct net *net,
			 struct udp_port_cfg *port_cfg, struct sock **skp)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = {
		.sk_user_data	= ovl,
		.encap_type	= UDP_ENCAP_ESPINUDP, /* any non-zero type */
		.encap_rcv	= ovl_recv,
		.encap_err_rcv	= ovl_encap_err_rcv,
	};
	struct socket *sock;
	int err;

	err = udp_sock_create(net, port_cfg, &sock);
	if (err)
		return err;
	setup_udp_tunnel_sock(net, sock, &tunnel_cfg);
	*skp = sock->sk;
	return 0;
}

static void ovl_sock_release(struct sock *sk)
{
	if (sk)
		udp_tunnel_sock_release(sk->sk_socket);
}

/**
 * ovl_socket_set_port - rebind the device's sockets to @port
 * @ovl: the device
 * @port: the new port, host order; 0 closes the sockets
 * @extack: where to say why the port could not be bound
 *
 * On failure the old sockets stay in place untouched.  Context: RTNL held,
 * may sleep (waits for an RCU grace period when old sockets are closed).
 */
int ovl_socket_set_port(struct ovl_dev *ovl, u16 port,
			struct netlink_ext_ack *extack)
{
	struct net *net = dev_net(ovl->dev);
	struct udp_port_cfg cfg4 = {
		.family			= AF_INET,
		.local_ip.s_addr	= htonl(INADDR_ANY),
		.local_udp_port		= htons(port),
		.use_udp_checksums	= true,
	};
	struct sock *new4 = NULL, *new6 = NULL, *old4, *old6;
	int err;

	ASSERT_RTNL();

	if (port == ovl->listen_port)
		return 0;

	if (port) {
		err = ovl_sock_open(ovl, net, &cfg4, &new4);
		if (err)
			goto fail;
#if IS_ENABLED(CONFIG_IPV6)
		if (ipv6_mod_enabled()) {
			struct udp_port_cfg cfg6 = {
				.family			= AF_INET6,
				.local_ip6		= IN6ADDR_ANY_INIT,
				.local_udp_port		= htons(port),
				.ipv6_v6only		= true,
				.use_udp6_tx_checksums	= true,
				.use_udp6_rx_checksums	= true,
			};

			err = ovl_sock_open(ovl, net, &cfg6, &new6);
			if (err) {
				ovl_sock_release(new4);
				goto fail;
			}
		}
#endif
	}

	old4 = rtnl_dereference(ovl->sock4);
	old6 = rtnl_dereference(ovl->sock6);
	rcu_assign_pointer(ovl->sock4, new4);
	rcu_assign_pointer(ovl->sock6, new6);
	WRITE_ONCE(ovl->listen_port, port);
	ovl_sock_release(old4);
	ovl_sock_release(old6);
	return 0;

fail:
	if (err == -EADDRINUSE)
		NL_SET_ERR_MSG(extack, "listen port is in use");
	else
		NL_SET_ERR_MSG(extack, "cannot open a UDP socket on the listen port");
	return err;
}

/* Context: RTNL held, may sleep. */
void ovl_socket_close(struct ovl_dev *ovl)
{
	ovl_socket_set_port(ovl, 0, NULL);
}

/*
 * @src, the source address to send from (the one the peer talks to), is
 * only a preference: once it is no longer ours, the routing table picks
 * one.  A route is got from and put in @cache only here, within the
 * caller's hold of whatever makes @cache belong to @to and @src (the
 * peer's endpoint lock; a beacon is immutable).
 */
static int ovl_send4(struct ovl_dev *ovl, struct dst_cache *cache,
		     const struct sockaddr_in *to, const struct sockaddr_in *src,
		     struct sk_buff *skb)
{
	struct sock *sk = rcu_dereference_bh(ovl->sock4);
	struct flowi4 fl = {
		.saddr		= src ? src->sin_addr.s_addr : 0,
		.daddr		= to->sin_addr.s_addr,
		.fl4_dport	= to->sin_port,
		.flowi4_proto	= IPPROTO_UDP,
	};
	struct rtable *rt;

	if (unlikely(!sk))
		goto drop;
	fl.fl4_sport = inet_sk(sk)->inet_sport;

	rt = cache ? dst_cache_get_ip4(cache, &fl.saddr) : NULL;
	if (!rt) {
		if (fl.saddr && !inet_confirm_addr(sock_net(sk), NULL, 0,
						   fl.saddr, RT_SCOPE_HOST))
			fl.saddr = 0;
		rt = ip_route_output_flow(sock_net(sk), &fl, sk);
		if (IS_ERR(rt) && fl.saddr) {
			fl.saddr = 0;
			rt = ip_route_output_flow(sock_net(sk), &fl, sk);
		}
		if (IS_ERR(rt))
			goto drop;
		/* Our own device must not carry our datagrams. */
		if (unlikely(rt->dst.dev == ovl->dev)) {
			ip_rt_put(rt);
			goto drop;
		}
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl.saddr);
	}
	skb->ignore_df = 1;
	udp_tunnel_xmit_skb(rt, sk, skb, fl.saddr, fl.daddr, 0,
			    ip4_dst_hoplimit(&rt->dst), 0, fl.fl4_sport,
			    fl.fl4_dport, false, false);
	return 0;
drop:
	kfree_skb(skb);
	return -EHOSTUNREACH;
}

#if IS_ENABLED(CONFIG_IPV6)
static int ovl_send6(struct ovl_dev *ovl, struct dst_cache *cache,
		     const struct sockaddr_in6 *to,
		     const struct sockaddr_in6 *src, struct sk_buff *skb)
{
	struct sock *sk = rcu_dereference_bh(ovl->sock6);
	struct flowi6 fl = {
		.daddr		= to->sin6_addr,
		.fl6_dport	= to->sin6_port,
		.flowi6_oif	= to->sin6_scope_id,
		.flowi6_proto	= IPPROTO_UDP,
	};
	struct dst_entry *dst;

	if (unlikely(!sk))
		goto drop;
	fl.fl6_sport = inet_sk(sk)->inet_sport;

	if (src)
		fl.saddr = src->sin6_addr;
	dst = cache ? dst_cache_get_ip6(cache, &fl.saddr) : NULL;
	if (!dst) {
		if (!ipv6_addr_any(&fl.saddr) &&
		    !ipv6_chk_addr(sock_net(sk), &fl.saddr, NULL, 0))
			fl.saddr = in6addr_any;
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl, NULL);
		if (IS_ERR(dst))
			goto drop;
		if (unlikely(dst->dev == ovl->dev)) {
			dst_release(dst);
			goto drop;
		}
		if (cache)
			dst_cache_set_ip6(cache, dst, &fl.saddr);
	}
	skb->ignore_df = 1;
	udp_tunnel6_xmit_skb(dst, sk, skb, skb->dev, &fl.saddr, &fl.daddr, 0,
			     ip6_dst_hoplimit(dst), 0, fl.fl6_sport,
			     fl.fl6_dport, false);
	return 0;
drop:
	kfree_skb(skb);
	return -EHOSTUNREACH;
}
#endif

/**
 * ovl_socket_send_src - send a finished overlay message from @src
 * @ovl: the device
 * @cache: route cache for @to from @src, or NULL for a one-off destination
 * @to: destination
 * @src: our address to send from, or NULL (or AF_UNSPEC) to let the
 *	routing table choose
 * @skb: the message, from its type byte on; consumed
 *
 * Context: BH disabled, RCU read side.  Returns 0 or a negative error
 * (the datagram was dropped).
 */
int ovl_socket_send_src(struct ovl_dev *ovl, struct dst_cache *cache,
			const union ovl_endpoint *to,
			const union ovl_endpoint *src, struct sk_buff *skb)
{
	if (src && src->addr.sa_family != to->addr.sa_family)
		src = NULL;
	skb->dev = ovl->dev;
	skb->mark = 0;
	if (to->addr.sa_family == AF_INET)
		return ovl_send4(ovl, cache, &to->addr4,
				 src ? &src->addr4 : NULL, skb);
#if IS_ENABLED(CONFIG_IPV6)
	if (to->addr.sa_family == AF_INET6)
		return ovl_send6(ovl, cache, &to->addr6,
				 src ? &src->addr6 : NULL, skb);
#endif
	kfree_skb(skb);
	return -EAFNOSUPPORT;
}

/**
 * ovl_socket_send - send a finished overlay message
 * @ovl: the device
 * @cache: route cache for @to, or NULL for a one-off destination
 * @to: destination
 * @skb: the message, from its type byte on; consumed
 *
 * Context: BH disabled, RCU read side.  Returns 0 or a negative error
 * (the datagram was dropped).
 */
int ovl_socket_send(struct ovl_dev *ovl, struct dst_cache *cache,
		    const union ovl_endpoint *to, struct sk_buff *skb)
{
	return ovl_socket_send_src(ovl, cache, to, NULL, skb);
}

/**
 * ovl_socket_send_peer - send a finished overlay message to @peer's endpoint
 * @peer: the peer
 * @skb: the message, from its type byte on; consumed
 *
 * The endpoint lock is held for reading from reading the endpoint until
 * the datagram is handed to the IP layer, and the peer's route cache is
 * used only within that hold: a roam (which resets the cache with the
 * lock held for writing) can come before or after, never in between, so
 * the route used and cached is always the current endpoint's (peer.h).
 * Context: BH disabled, RCU read side.  Returns 0 or a negative error
 * (the datagram was dropped).
 */
int ovl_socket_send_peer(struct ovl_peer *peer, struct sk_buff *skb)
{
	int err;

	read_lock(&peer->endpoint_lock);
	if (peer->endpoint.addr.sa_family == AF_UNSPEC) {
		read_unlock(&peer->endpoint_lock);
		kfree_skb(skb);
		return -EDESTADDRREQ;
	}
	err = ovl_socket_send_src(peer->ovl, &peer->dst_cache, &peer->endpoint,
				  &peer->endpoint_src, skb);
	read_unlock(&peer->endpoint_lock);
	return err;
}
