/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a GLB GUE packet (SPEC §6) out of an skb whose data starts at the
 * outer IPv4 header, as in the INPUT and FORWARD hooks.  Every read goes
 * through skb_header_pointer(); nothing is trusted before it is checked.
 */
#ifndef GLB_PARSE_H
#define GLB_PARSE_H

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>

#include "stats.h"

/* The outer datagram: where things are, and the hop list's state. */
struct glb_gue {
	unsigned int udp_off;
	unsigned int priv_off;
	unsigned int inner_off;
	unsigned int end; /* one past the UDP datagram's last byte */
	u8 inner_proto;   /* GLB_GUE_PROTO_IPV4 or GLB_GUE_PROTO_IPV6 */
	u8 next_hop;
	u8 hop_count;
	__be32 hop; /* hops[next_hop], or 0 when next_hop == hop_count */
};

/*
 * A TCP flow in the client-to-service direction, as the local socket
 * lookups want it: the inner segment's own, or the one a path-MTU error
 * quotes, reversed.
 */
struct glb_flow {
	bool ipv6;
	__be32 saddr4, daddr4;
	struct in6_addr saddr6, daddr6;
	__be16 sport, dport;
};

/*
 * The inner packet's headers.  The pointers are skb_header_pointer()
 * results: into the skb or into the copies below, valid until the skb is
 * changed.  th is NULL when the inner packet is not TCP or carries no TCP
 * header (fragment is then set for a non-first fragment).
 *
 * too_big is set for an ICMP "fragmentation needed" (IPv4 type 3 code 4)
 * or ICMPv6 "packet too big" (type 2) that quotes the start of a TCP
 * segment with both ports (SPEC §7 step 5): the segment went from this
 * host's service address to a client, so flow is that segment's flow
 * reversed, the client's.  For a TCP segment, flow is its own.
 */
struct glb_inner {
	const struct iphdr *iph;    /* set for IPv4 */
	const struct ipv6hdr *ip6h; /* set for IPv6 */
	const struct tcphdr *th;
	bool fragment;
	bool too_big;
	struct glb_flow flow; /* set when th or too_big */
	struct iphdr iph_copy;
	struct ipv6hdr ip6h_copy;
	struct tcphdr th_copy;
};

bool glb_parse_gue(const struct sk_buff *skb, unsigned int udp_off, struct glb_gue *gue,
		   enum glb_stat *drop);
bool glb_parse_inner(const struct sk_buff *skb, const struct glb_gue *gue, struct glb_inner *in,
		     enum glb_stat *drop);

#endif /* GLB_PARSE_H */
