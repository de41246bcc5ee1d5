// SPDX-License-Identifier: GPL-2.0
/*
 * Local flow lookup for the inner TCP packet, as tcp_v4_rcv()/tcp_v6_rcv()
 * would do it once fou has decapsulated the packet, or for the TCP flow a
 * path-MTU error quotes, as the ICMP handlers find the socket it is about.
 * Runs in the namespace the packet arrived in, under the RCU read lock
 * netfilter holds.
 *
 * The lookups pass no device (dif 0): after decapsulation the packet arrives
 * on the tunnel device, which is not known here, so a socket bound to a
 * device (SO_BINDTODEVICE, VRF) is not seen and its packets are forwarded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

#include "compat.h"
#include "lookup.h"

/* No device: see above. */
#define GLB_LOOKUP_NO_DEV 0

static bool glb_lookup_found(struct sock *sk, enum glb_stat *accept)
{
	if (!sk)
		return false;

	switch (sk->sk_state) {
	case TCP_NEW_SYN_RECV:
		*accept = GLB_STAT_ACCEPT_REQUEST;
		break;
	case TCP_TIME_WAIT:
		*accept = GLB_STAT_ACCEPT_TIMEWAIT;
		break;
	default:
		*accept = GLB_STAT_ACCEPT_ESTABLISHED;
		break;
	}
	/* Full, request or timewait sock: only sock_gen_put() frees all three. */
	sock_gen_put(sk);
	return true;
}

#if IS_ENABLED(CONFIG_SYN_COOKIES)
/*
 * The conditions cookie_v4_check() and cookie_v6_check() apply before they
 * decode a cookie: an ACK without SYN or RST, syncookies enabled, and the
 * listener has sent cookies within the last two minutes.  Accepting a packet
 * the local stack would then refuse helps no one: it goes on instead.
 */
static bool glb_syncookie_candidate(const struct net *net, const struct tcphdr *th)
{
	return th->ack && !th->syn && !th->rst && READ_ONCE(net->ipv4.sysctl_tcp_syncookies);
}

/*
 * The listener lookups get no skb (NULL, offset 0): with one, a reuseport BPF
 * program would run against the outer packet; without, a member of a
 * reuseport group is picked by hash, and the syncookie state read below is
 * the group's.  Listeners are freed after an RCU grace period
 * (SOCK_RCU_FREE) and the lookup takes no reference: the listener is only
 * read, here, under the RCU read lock.
 */
static bool glb_syncookie_v4(struct net *net, const struct iphdr *iph, const struct tcphdr *th)
{
	struct sock *listener;

	if (!glb_syncookie_candidate(net, th))
		return false;
	listener = __inet_lookup_listener(net, glb_tcp_hashinfo(net), NULL, 0, iph->saddr,
					  th->source, iph->daddr, ntohs(th->dest),
					  GLB_LOOKUP_NO_DEV, GLB_LOOKUP_NO_DEV);
	return listener && !tcp_synq_no_recent_overflow(listener) &&
	       glb_cookie_v4_check(iph, th) != 0;
}

#if IS_ENABLED(CONFIG_IPV6)
static bool glb_syncookie_v6(struct net *net, const struct ipv6hdr *ip6h, const struct tcphdr *th)
{
	struct sock *listener;

	if (!glb_syncookie_candidate(net, th))
		return false;
	listener = inet6_lookup_listener(net, glb_tcp_hashinfo(net), NULL, 0, &ip6h->saddr,
					 th->source, &ip6h->daddr, ntohs(th->dest),
					 GLB_LOOKUP_NO_DEV, GLB_LOOKUP_NO_DEV);
	return listener && !tcp_synq_no_recent_overflow(listener) &&
	       glb_cookie_v6_check(ip6h, th) != 0;
}
#endif

#else /* !CONFIG_SYN_COOKIES */
static bool glb_syncookie_v4(struct net *net, const struct iphdr *iph, const struct tcphdr *th)
{
	return false;
}

#if IS_ENABLED(CONFIG_IPV6)
static bool glb_syncookie_v6(struct net *net, const struct ipv6hdr *ip6h, const struct tcphdr *th)
{
	return false;
}
#endif
#endif /* CONFIG_SYN_COOKIES */

static bool glb_lookup_v4(struct net *net, const struct glb_inner *in, enum glb_stat *accept)
{
	const struct glb_flow *f = &in->flow;
	struct sock *sk;

	sk = inet_lookup_established(net, glb_tcp_hashinfo(net), f->saddr4, f->sport, f->daddr4,
				     f->dport, GLB_LOOKUP_NO_DEV);
	if (glb_lookup_found(sk, accept))
		return true;
	/* A cookie is in an ACK, never in a quoted segment. */
	if (!in->th || !glb_syncookie_v4(net, in->iph, in->th))
		return false;
	*accept = GLB_STAT_ACCEPT_SYNCOOKIE;
	return true;
}

#if IS_ENABLED(CONFIG_IPV6)
static bool glb_lookup_v6(struct net *net, const struct glb_inner *in, enum glb_stat *accept)
{
	const struct glb_flow *f = &in->flow;
	struct sock *sk;

	sk = __inet6_lookup_established(net, glb_tcp_hashinfo(net), &f->saddr6, f->sport,
					&f->daddr6, ntohs(f->dport), GLB_LOOKUP_NO_DEV,
					GLB_LOOKUP_NO_DEV);
	if (glb_lookup_found(sk, accept))
		return true;
	if (!in->th || !glb_syncookie_v6(net, in->ip6h, in->th))
		return false;
	*accept = GLB_STAT_ACCEPT_SYNCOOKIE;
	return true;
}
#else
/* Without IPv6 this host cannot hold an IPv6 flow: let it go on. */
static bool glb_lookup_v6(struct net *net, const struct glb_inner *in, enum glb_stat *accept)
{
	return false;
}
#endif

bool glb_lookup_local(struct net *net, const struct glb_inner *in, enum glb_stat *accept)
{
	if (in->flow.ipv6)
		return glb_lookup_v6(net, in, accept);
	return glb_lookup_v4(net, in, accept);
}
