// SPDX-License-Identifier: GPL-2.0
/*
 * The device's UDP sockets.  One port carries every overlay message: data,
 * handshakes, beacon traffic and hole punching, so that a NAT keeps a
 * single mapping for the host.  An IPv4 socket and an IPv6-only socket are
 * bound to the same port; the IPv6 one is skipped when IPv6 is disabled.
 */

#include <linux/ovl.h>
#include <net/addrconf.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "socket.h"

/*
 * encap_rcv: softirq, under rcu_read_lock().  Return 0 when the skb was
 * consumed, > 0 to hand it back to plain UDP.  No message type is handled
 * yet, so every datagram is dropped and counted.
 */
static int ovl_udp_recv(struct sock *sk, struct sk_buff *skb)
{
	struct ovl_dev *ovl = rcu_dereference_sk_user_data(sk);

	if (likely(ovl))
		dev_core_stats_rx_dropped_inc(ovl->dev);
	kfree_skb(skb);
	return 0;
}

static int ovl_sock_open(struct ovl_dev *ovl, struct net *net,
			 struct udp_port_cfg *port_cfg, struct sock **skp)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = {
		.sk_user_data	= ovl,
		.encap_type	= UDP_ENCAP_ESPINUDP, /* any non-zero type */
		.encap_rcv	= ovl_udp_recv,
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
