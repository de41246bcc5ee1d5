/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the module depends on, and nothing else.
 * The logic calls only the glb_ wrappers below.
 *
 * Built and tested against Debian 12's 6.1.  The other branches follow the
 * upstream commits named beside them; they are not compiled here.
 */
#ifndef GLB_COMPAT_H
#define GLB_COMPAT_H

#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/version.h>
#include <net/net_namespace.h>
#include <net/tcp.h>

/* ip_route_me_harder(net, sk, skb, type) took its sk argument in 5.10. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 10, 0)
#error "xt_GLBREDIRECT needs Linux 5.10 or newer"
#endif

/*
 * The TCP established/listener hash of a namespace.  6.1 ("tcp: Introduce
 * optional per-netns ehash") lets a namespace have its own; before that all
 * namespaces shared tcp_hashinfo.
 */
static inline struct inet_hashinfo *glb_tcp_hashinfo(const struct net *net)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)
	return net->ipv4.tcp_death_row.hashinfo;
#else
	return &tcp_hashinfo;
#endif
}

#if IS_ENABLED(CONFIG_SYN_COOKIES)
/*
 * The MSS a valid syncookie ACK encodes, or 0.  6.8 ("tcp: Don't pass cookie
 * to __cookie_v[46]_check()") made the helpers take the cookie from
 * th->ack_seq themselves.
 */
static inline int glb_cookie_v4_check(const struct iphdr *iph, const struct tcphdr *th)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return __cookie_v4_check(iph, th);
#else
	return __cookie_v4_check(iph, th, ntohl(th->ack_seq) - 1);
#endif
}

/* nf_cookie_v6_check() also works when IPv6 is a module. */
static inline int glb_cookie_v6_check(const struct ipv6hdr *ip6h, const struct tcphdr *th)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return nf_cookie_v6_check(ip6h, th);
#else
	return nf_cookie_v6_check(ip6h, th, ntohl(th->ack_seq) - 1);
#endif
}
#endif /* CONFIG_SYN_COOKIES */

/*
 * Forget the receive timestamp before transmitting, so that a qdisc does not
 * take it for a delivery time.  5.18 ("net: Add skb->mono_delivery_time")
 * added skb_clear_tstamp(), which leaves a real delivery time alone.
 */
static inline void glb_skb_clear_tstamp(struct sk_buff *skb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 18, 0)
	skb_clear_tstamp(skb);
#else
	skb->tstamp = 0;
#endif
}

#endif /* GLB_COMPAT_H */
