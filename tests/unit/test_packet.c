/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The director's packet path (SPEC §5, §6): parse, classify, hash, route,
 * encapsulate.  Frames are built here byte by byte with small builders, and
 * expected hashes and checksums come from independent code in this file,
 * never from the code under test.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "csum.h"
#include "encap.h"
#include "flow_hash.h"
#include "parse.h"
#include "route.h"
#include "testutil.h"
#include "verdict.h"

#define NUM(a) (int)(sizeof(a) / sizeof((a)[0]))
#define FRAME_MAX 512
#define ETH_MIN_FRAME 60 /* without FCS: shorter frames are padded by the sender */

static const uint8_t MAC_DST[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_SRC[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* ---- frame builders ---- */

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	ck_assert_uint_le(f->len + n, FRAME_MAX);
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void fill(struct frame *f, uint8_t byte, size_t n)
{
	while (n--)
		put8(f, byte);
}

static void set16(struct frame *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static void addr(const char *s, uint8_t out[16], uint8_t *family)
{
	uint8_t fam = strchr(s, ':') ? GLB_FAMILY_IPV6 : GLB_FAMILY_IPV4;

	memset(out, 0, 16);
	ck_assert_msg(inet_pton(fam == GLB_FAMILY_IPV4 ? AF_INET : AF_INET6, s, out) == 1,
		      "bad address %s", s);
	if (family)
		*family = fam;
}

static void put_addr(struct frame *f, const char *s)
{
	uint8_t a[16], fam;

	addr(s, a, &fam);
	put(f, a, fam == GLB_FAMILY_IPV4 ? 4 : 16);
}

/* Independent of glb_csum_compute: folds the carry at every step. */
static uint16_t ref_csum(const uint8_t *p, size_t n)
{
	uint16_t sum = 0;
	size_t i;

	for (i = 0; i < n; i += 2) {
		uint32_t word = (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
		uint32_t s = (uint32_t)sum + word;

		sum = (uint16_t)(s + (s >> 16));
	}
	return (uint16_t)~sum;
}

static void eth(struct frame *f, uint16_t type)
{
	put(f, MAC_DST, 6);
	put(f, MAC_SRC, 6);
	put16(f, type);
}

static void eth_vlan(struct frame *f, uint16_t vid, uint16_t type)
{
	put(f, MAC_DST, 6);
	put(f, MAC_SRC, 6);
	put16(f, 0x8100);
	put16(f, vid);
	put16(f, type);
}

struct v4 {
	const char *src, *dst;
	uint8_t proto;
	uint8_t ihl; /* 0 means 5 */
	uint16_t id;
	uint16_t frag; /* flags and offset word */
};

/* IPv4 header with (ihl - 5) words of NOP options; returns its offset. */
static size_t ip4(struct frame *f, const struct v4 *h)
{
	size_t at = f->len;
	unsigned ihl = h->ihl ? h->ihl : 5;

	put8(f, (uint8_t)(0x40 | ihl));
	put8(f, 0);
	put16(f, 0); /* total length: ip4_end */
	put16(f, h->id);
	put16(f, h->frag);
	put8(f, 64);
	put8(f, h->proto);
	put16(f, 0);
	put_addr(f, h->src);
	put_addr(f, h->dst);
	fill(f, 0x01, (ihl - 5) * 4);
	return at;
}

static void ip4_set_len(struct frame *f, size_t at, uint16_t tot)
{
	size_t hlen = (size_t)(f->b[at] & 0x0f) * 4;

	set16(f, at + 2, tot);
	set16(f, at + 10, 0);
	set16(f, at + 10, ref_csum(f->b + at, hlen));
}

static void ip4_end(struct frame *f, size_t at)
{
	ip4_set_len(f, at, (uint16_t)(f->len - at));
}

static size_t ip6(struct frame *f, uint8_t next, uint32_t label, const char *src, const char *dst)
{
	size_t at = f->len;

	put32(f, 0x60000000u | label);
	put16(f, 0); /* payload length: ip6_end */
	put8(f, next);
	put8(f, 64);
	put_addr(f, src);
	put_addr(f, dst);
	return at;
}

static void ip6_end(struct frame *f, size_t at)
{
	set16(f, at + 4, (uint16_t)(f->len - at - 40));
}

/* Hop-by-hop / routing / destination options of 8 * (units + 1) bytes of Pad1. */
static void ext6(struct frame *f, uint8_t next, uint8_t units)
{
	put8(f, next);
	put8(f, units);
	fill(f, 0, 6 + 8 * (size_t)units);
}

static void frag6(struct frame *f, uint8_t next, uint16_t offset_units, int more)
{
	put8(f, next);
	put8(f, 0);
	put16(f, (uint16_t)(offset_units << 3 | (more ? 1 : 0)));
	put32(f, 0xdecafbad);
}

static void tcp(struct frame *f, uint16_t sport, uint16_t dport)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 1000); /* seq */
	put32(f, 0);    /* ack */
	put8(f, 0x50);  /* data offset 5 */
	put8(f, 0x02);  /* SYN */
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
}

static void udp(struct frame *f, uint16_t sport, uint16_t dport, size_t payload)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + payload));
	put16(f, 0);
	fill(f, 0xa5, payload);
}

static void icmp(struct frame *f, uint8_t type, uint8_t code, uint32_t rest)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, rest);
}

/* ---- packets ---- */

#define CLIENT4 "198.51.100.7"
#define VIP4 "10.0.0.1"
#define ROUTER4 "203.0.113.1"
#define CLIENT6 "2001:db8:c::7"
#define VIP6 "2001:db8::1"
#define ROUTER6 "2001:db8:ffff::1"

static void pkt_ipv4_tcp(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_TCP });
	tcp(f, 43210, 80);
	ip4_end(f, ip);
}

static void pkt_ipv4_udp(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_UDP });
	udp(f, 5353, 53, 4);
	ip4_end(f, ip);
}

static void pkt_ipv4_options(struct frame *f, uint8_t ihl)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_TCP, .ihl = ihl });
	tcp(f, 43210, 80);
	ip4_end(f, ip);
}

static void pkt_ipv4_ihl6(struct frame *f)
{
	pkt_ipv4_options(f, 6);
}

static void pkt_ipv4_ihl15(struct frame *f)
{
	pkt_ipv4_options(f, 15);
}

static void pkt_ipv4_vlan(struct frame *f)
{
	size_t ip;

	eth_vlan(f, 100, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_TCP });
	tcp(f, 43210, 80);
	ip4_end(f, ip);
}

static void pkt_double_vlan(struct frame *f)
{
	eth_vlan(f, 100, 0x8100);
	put16(f, 200);
	put16(f, 0x0800);
	fill(f, 0, 40);
}

static void pkt_ipv4_first_fragment(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_UDP, .id = 7, .frag = 0x2000 });
	udp(f, 1000, 53, 16);
	ip4_end(f, ip);
}

static void pkt_ipv4_fragment(struct frame *f, uint16_t frag)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_UDP, .id = 7, .frag = frag });
	fill(f, 0x5a, 16);
	ip4_end(f, ip);
}

static void pkt_ipv4_last_fragment(struct frame *f)
{
	pkt_ipv4_fragment(f, 185);
}

static void pkt_ipv4_middle_fragment(struct frame *f)
{
	pkt_ipv4_fragment(f, 0x2000 | 185);
}

static void pkt_ipv4_gre_fragment(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, 47, .frag = 185 });
	fill(f, 0x5a, 16);
	ip4_end(f, ip);
}

static void pkt_ipv4_padded(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_UDP });
	udp(f, 1000, 53, 2);
	ip4_end(f, ip);
	fill(f, 0, ETH_MIN_FRAME - f->len);
}

/* A router tells the VIP (where the proxy's reply claimed to come from) to shrink. */
static void pkt_ipv4_frag_needed_ihl(struct frame *f, uint8_t quoted_ihl, size_t quoted_l4)
{
	size_t ip, q;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ ROUTER4, VIP4, IPPROTO_ICMP });
	icmp(f, 3, 4, 1400);
	q = ip4(f, &(struct v4){ VIP4, CLIENT4, IPPROTO_TCP, .ihl = quoted_ihl });
	ip4_set_len(f, q, 1500);
	put16(f, 80);
	put16(f, 43210);
	put32(f, 12345); /* the rest of the 8 quoted bytes: the sequence number */
	f->len -= 8 - quoted_l4;
	ip4_end(f, ip);
}

static void pkt_ipv4_frag_needed(struct frame *f)
{
	pkt_ipv4_frag_needed_ihl(f, 5, 8);
}

static void pkt_ipv4_frag_needed_quoted_options(struct frame *f)
{
	pkt_ipv4_frag_needed_ihl(f, 7, 8);
}

static void pkt_ipv4_frag_needed_quote_without_ports(struct frame *f)
{
	pkt_ipv4_frag_needed_ihl(f, 5, 2);
}

static void pkt_ipv4_frag_needed_quoted_fragment(struct frame *f)
{
	size_t ip, q;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ ROUTER4, VIP4, IPPROTO_ICMP });
	icmp(f, 3, 4, 1400);
	q = ip4(f, &(struct v4){ VIP4, CLIENT4, IPPROTO_TCP, .frag = 0x2000 | 185 });
	ip4_set_len(f, q, 1500);
	fill(f, 0x5a, 8);
	ip4_end(f, ip);
}

static void pkt_ipv4_icmp(struct frame *f, uint8_t type, uint8_t code)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_ICMP, .id = 0x4242 });
	icmp(f, type, code, 0x00010001);
	fill(f, 0x61, 8);
	ip4_end(f, ip);
}

static void pkt_ipv4_echo_request(struct frame *f)
{
	pkt_ipv4_icmp(f, 8, 0);
}

static void pkt_ipv4_echo_reply(struct frame *f)
{
	pkt_ipv4_icmp(f, 0, 0);
}

static void pkt_ipv4_port_unreachable(struct frame *f)
{
	pkt_ipv4_icmp(f, 3, 3);
}

static void pkt_ipv4_gre(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, 47 });
	fill(f, 0, 8);
	ip4_end(f, ip);
}

static void pkt_arp(struct frame *f)
{
	eth(f, 0x0806);
	fill(f, 0, 28);
}

static void pkt_ipv4_total_length_past_frame(struct frame *f)
{
	pkt_ipv4_tcp(f);
	ip4_set_len(f, 14, 41);
}

static void pkt_ipv4_total_length_below_ihl(struct frame *f)
{
	pkt_ipv4_tcp(f);
	ip4_set_len(f, 14, 19);
}

static void pkt_ipv4_ihl4(struct frame *f)
{
	pkt_ipv4_tcp(f);
	f->b[14] = 0x44;
}

static void pkt_ipv4_version6(struct frame *f)
{
	pkt_ipv4_tcp(f);
	f->b[14] = 0x65;
}

static void pkt_ipv4_tcp_header_cut(struct frame *f)
{
	size_t ip;

	eth(f, 0x0800);
	ip = ip4(f, &(struct v4){ CLIENT4, VIP4, IPPROTO_TCP });
	put16(f, 43210);
	put16(f, 80);
	fill(f, 0, 6);
	ip4_end(f, ip);
}

static void pkt_ipv6_tcp(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_TCP, 0, CLIENT6, VIP6);
	tcp(f, 43210, 443);
	ip6_end(f, ip);
}

static void pkt_ipv6_udp(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_UDP, 0, CLIENT6, VIP6);
	udp(f, 5353, 53, 0);
	ip6_end(f, ip);
}

static void pkt_ipv6_hop_by_hop(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_HOPOPTS, 0, CLIENT6, VIP6);
	ext6(f, IPPROTO_TCP, 0);
	tcp(f, 43210, 443);
	ip6_end(f, ip);
}

static void pkt_ipv6_routing(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_ROUTING, 0, CLIENT6, VIP6);
	ext6(f, IPPROTO_TCP, 2);
	tcp(f, 43210, 443);
	ip6_end(f, ip);
}

static void pkt_ipv6_dest_options(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_DSTOPTS, 0, CLIENT6, VIP6);
	ext6(f, IPPROTO_UDP, 1);
	udp(f, 5353, 53, 0);
	ip6_end(f, ip);
}

static void pkt_ipv6_first_fragment(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_FRAGMENT, 0, CLIENT6, VIP6);
	frag6(f, IPPROTO_UDP, 0, 1);
	udp(f, 1000, 53, 8);
	ip6_end(f, ip);
}

static void pkt_ipv6_later_fragment(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_FRAGMENT, 0, CLIENT6, VIP6);
	frag6(f, IPPROTO_UDP, 181, 0);
	fill(f, 0x5a, 24);
	ip6_end(f, ip);
}

static void pkt_ipv6_chain(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_HOPOPTS, 0, CLIENT6, VIP6);
	ext6(f, IPPROTO_ROUTING, 0);
	ext6(f, IPPROTO_DSTOPTS, 1);
	ext6(f, IPPROTO_FRAGMENT, 0);
	frag6(f, IPPROTO_TCP, 0, 1);
	tcp(f, 43210, 443);
	ip6_end(f, ip);
}

static void pkt_ipv6_chain_later_fragment(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_HOPOPTS, 0, CLIENT6, VIP6);
	ext6(f, IPPROTO_FRAGMENT, 0);
	frag6(f, IPPROTO_TCP, 10, 1);
	fill(f, 0x5a, 16);
	ip6_end(f, ip);
}

static void pkt_ipv6_later_fragment_of_ext(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_FRAGMENT, 0, CLIENT6, VIP6);
	frag6(f, IPPROTO_DSTOPTS, 10, 0);
	fill(f, 0x5a, 16);
	ip6_end(f, ip);
}

static void pkt_ipv6_too_big(struct frame *f)
{
	size_t ip, q;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_ICMPV6, 0, ROUTER6, VIP6);
	icmp(f, 2, 0, 1280);
	q = ip6(f, IPPROTO_TCP, 0, VIP6, CLIENT6);
	set16(f, q + 4, 1400);
	put16(f, 443);
	put16(f, 43210);
	put32(f, 12345);
	ip6_end(f, ip);
}

static void pkt_ipv6_too_big_quoted_ext(struct frame *f)
{
	size_t ip, q;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_ICMPV6, 0, ROUTER6, VIP6);
	icmp(f, 2, 0, 1280);
	q = ip6(f, IPPROTO_DSTOPTS, 0, VIP6, CLIENT6);
	set16(f, q + 4, 1400);
	ext6(f, IPPROTO_UDP, 0);
	put16(f, 53);
	put16(f, 5353);
	put32(f, 0);
	ip6_end(f, ip);
}

static void pkt_ipv6_icmp(struct frame *f, uint8_t type)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_ICMPV6, 0xabcde, CLIENT6, VIP6);
	icmp(f, type, 0, 0x00010001);
	fill(f, 0x61, 4);
	ip6_end(f, ip);
}

static void pkt_ipv6_echo_request(struct frame *f)
{
	pkt_ipv6_icmp(f, 128);
}

static void pkt_ipv6_echo_reply(struct frame *f)
{
	pkt_ipv6_icmp(f, 129);
}

static void pkt_ipv6_neighbour_solicitation(struct frame *f)
{
	pkt_ipv6_icmp(f, 135);
}

static void pkt_ipv6_icmpv4_proto(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_ICMP, 0, CLIENT6, VIP6);
	icmp(f, 8, 0, 0);
	ip6_end(f, ip);
}

static void pkt_ipv6_no_next_header(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, 59, 0, CLIENT6, VIP6);
	ip6_end(f, ip);
}

static void pkt_ipv6_payload_past_frame(struct frame *f)
{
	pkt_ipv6_tcp(f);
	set16(f, 14 + 4, 21);
}

static void pkt_ipv6_ext_len_past_packet(struct frame *f)
{
	size_t ip;

	eth(f, 0x86dd);
	ip = ip6(f, IPPROTO_HOPOPTS, 0, CLIENT6, VIP6);
	put8(f, IPPROTO_TCP);
	put8(f, 4); /* claims 40 bytes, 8 follow */
	fill(f, 0, 6);
	ip6_end(f, ip);
}

static void pkt_ipv6_version4(struct frame *f)
{
	pkt_ipv6_tcp(f);
	f->b[14] = 0x40;
}

/* ---- parse cases ---- */

struct parse_case {
	const char *name;
	void (*build)(struct frame *f);
	enum glb_verdict verdict;
	/* the flow expected on GLB_OK */
	uint8_t family, proto, kind, outer_family;
	const char *src, *dst;
	uint16_t sport, dport, hint, l3_offset, l3_len;
};

#define V4 GLB_FAMILY_IPV4
#define V6 GLB_FAMILY_IPV6
#define OK_FLOW(fam, proto, kind, outer) GLB_OK, fam, proto, kind, outer
#define DROP(v) v, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0

static const struct parse_case parse_cases[] = {
	{ "ipv4_tcp", pkt_ipv4_tcp, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4),
	  CLIENT4, VIP4, 43210, 80, 43210, 14, 40 },
	{ "ipv4_udp", pkt_ipv4_udp, OK_FLOW(V4, IPPROTO_UDP, GLB_FLOW_L4, V4),
	  CLIENT4, VIP4, 5353, 53, 5353, 14, 32 },
	{ "ipv4_options_ihl6", pkt_ipv4_ihl6, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4),
	  CLIENT4, VIP4, 43210, 80, 43210, 14, 44 },
	{ "ipv4_options_ihl15", pkt_ipv4_ihl15, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4),
	  CLIENT4, VIP4, 43210, 80, 43210, 14, 80 },
	{ "ipv4_vlan_tag", pkt_ipv4_vlan, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4),
	  CLIENT4, VIP4, 43210, 80, 43210, 18, 40 },
	{ "ipv4_first_fragment_has_ports", pkt_ipv4_first_fragment,
	  OK_FLOW(V4, IPPROTO_UDP, GLB_FLOW_L4, V4), CLIENT4, VIP4, 1000, 53, 1000, 14, 44 },
	{ "ipv4_last_fragment_has_no_ports", pkt_ipv4_last_fragment,
	  OK_FLOW(V4, IPPROTO_UDP, GLB_FLOW_FRAGMENT, V4), CLIENT4, VIP4, 0, 0, 0, 14, 36 },
	{ "ipv4_middle_fragment_has_no_ports", pkt_ipv4_middle_fragment,
	  OK_FLOW(V4, IPPROTO_UDP, GLB_FLOW_FRAGMENT, V4), CLIENT4, VIP4, 0, 0, 0, 14, 36 },
	{ "ipv4_padding_not_in_l3_len", pkt_ipv4_padded, OK_FLOW(V4, IPPROTO_UDP, GLB_FLOW_L4, V4),
	  CLIENT4, VIP4, 1000, 53, 1000, 14, 30 },
	{ "ipv4_frag_needed_reversed", pkt_ipv4_frag_needed,
	  OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_ICMP_ERROR, V4), CLIENT4, VIP4, 43210, 80, 43210, 14,
	  56 },
	{ "ipv4_frag_needed_quoted_options", pkt_ipv4_frag_needed_quoted_options,
	  OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_ICMP_ERROR, V4), CLIENT4, VIP4, 43210, 80, 43210, 14,
	  64 },
	{ "ipv4_echo_request_hint_is_ip_id", pkt_ipv4_echo_request,
	  OK_FLOW(V4, IPPROTO_ICMP, GLB_FLOW_ECHO, V4), CLIENT4, VIP4, 0, 0, 0x4242, 14, 36 },
	{ "ipv6_tcp", pkt_ipv6_tcp, OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_L4, V6),
	  CLIENT6, VIP6, 43210, 443, 43210, 14, 60 },
	{ "ipv6_udp", pkt_ipv6_udp, OK_FLOW(V6, IPPROTO_UDP, GLB_FLOW_L4, V6),
	  CLIENT6, VIP6, 5353, 53, 5353, 14, 48 },
	{ "ipv6_hop_by_hop", pkt_ipv6_hop_by_hop, OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_L4, V6),
	  CLIENT6, VIP6, 43210, 443, 43210, 14, 68 },
	{ "ipv6_routing", pkt_ipv6_routing, OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_L4, V6),
	  CLIENT6, VIP6, 43210, 443, 43210, 14, 84 },
	{ "ipv6_dest_options", pkt_ipv6_dest_options, OK_FLOW(V6, IPPROTO_UDP, GLB_FLOW_L4, V6),
	  CLIENT6, VIP6, 5353, 53, 5353, 14, 64 },
	{ "ipv6_first_fragment_has_ports", pkt_ipv6_first_fragment,
	  OK_FLOW(V6, IPPROTO_UDP, GLB_FLOW_L4, V6), CLIENT6, VIP6, 1000, 53, 1000, 14, 64 },
	{ "ipv6_later_fragment_has_no_ports", pkt_ipv6_later_fragment,
	  OK_FLOW(V6, IPPROTO_UDP, GLB_FLOW_FRAGMENT, V6), CLIENT6, VIP6, 0, 0, 0, 14, 72 },
	{ "ipv6_extension_chain", pkt_ipv6_chain, OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_L4, V6),
	  CLIENT6, VIP6, 43210, 443, 43210, 14, 100 },
	{ "ipv6_chain_later_fragment", pkt_ipv6_chain_later_fragment,
	  OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_FRAGMENT, V6), CLIENT6, VIP6, 0, 0, 0, 14, 72 },
	{ "ipv6_packet_too_big_reversed", pkt_ipv6_too_big,
	  OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_ICMP_ERROR, V6), CLIENT6, VIP6, 43210, 443, 43210, 14,
	  96 },
	{ "ipv6_packet_too_big_quoted_ext", pkt_ipv6_too_big_quoted_ext,
	  OK_FLOW(V6, IPPROTO_UDP, GLB_FLOW_ICMP_ERROR, V6), CLIENT6, VIP6, 5353, 53, 5353, 14,
	  104 },
	{ "ipv6_echo_request_hint_is_flow_label", pkt_ipv6_echo_request,
	  OK_FLOW(V6, IPPROTO_ICMPV6, GLB_FLOW_ECHO, V6), CLIENT6, VIP6, 0, 0, 0xbcde, 14, 52 },
	{ "arp_is_not_ip", pkt_arp, DROP(GLB_DROP_NOT_IP) },
	{ "double_vlan_is_not_ip", pkt_double_vlan, DROP(GLB_DROP_NOT_IP) },
	{ "ipv4_gre_unsupported", pkt_ipv4_gre, DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv4_gre_fragment_unsupported", pkt_ipv4_gre_fragment, DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv4_echo_reply_unsupported", pkt_ipv4_echo_reply, DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv4_port_unreachable_unsupported", pkt_ipv4_port_unreachable,
	  DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv4_frag_needed_quoted_fragment_unsupported", pkt_ipv4_frag_needed_quoted_fragment,
	  DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv4_frag_needed_quote_without_ports", pkt_ipv4_frag_needed_quote_without_ports,
	  DROP(GLB_DROP_MALFORMED) },
	{ "ipv4_total_length_past_frame", pkt_ipv4_total_length_past_frame,
	  DROP(GLB_DROP_MALFORMED) },
	{ "ipv4_total_length_below_ihl", pkt_ipv4_total_length_below_ihl,
	  DROP(GLB_DROP_MALFORMED) },
	{ "ipv4_ihl_below_5", pkt_ipv4_ihl4, DROP(GLB_DROP_MALFORMED) },
	{ "ipv4_ethertype_with_version_6", pkt_ipv4_version6, DROP(GLB_DROP_MALFORMED) },
	{ "ipv4_tcp_header_cut_by_total_length", pkt_ipv4_tcp_header_cut,
	  DROP(GLB_DROP_MALFORMED) },
	{ "ipv6_echo_reply_unsupported", pkt_ipv6_echo_reply, DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv6_neighbour_solicitation_unsupported", pkt_ipv6_neighbour_solicitation,
	  DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv6_carrying_icmpv4_unsupported", pkt_ipv6_icmpv4_proto, DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv6_no_next_header_unsupported", pkt_ipv6_no_next_header, DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv6_later_fragment_of_ext_unsupported", pkt_ipv6_later_fragment_of_ext,
	  DROP(GLB_DROP_UNSUPPORTED) },
	{ "ipv6_payload_length_past_frame", pkt_ipv6_payload_past_frame,
	  DROP(GLB_DROP_MALFORMED) },
	{ "ipv6_ext_length_past_packet", pkt_ipv6_ext_len_past_packet, DROP(GLB_DROP_MALFORMED) },
	{ "ipv6_ethertype_with_version_4", pkt_ipv6_version4, DROP(GLB_DROP_MALFORMED) },
};

#define NUM_PARSE_CASES (sizeof(parse_cases) / sizeof(parse_cases[0]))

static void check_flow(const struct parse_case *c, const struct glb_flow *fl)
{
	uint8_t src[16], dst[16];

	addr(c->src, src, NULL);
	addr(c->dst, dst, NULL);
	ck_assert_msg(fl->family == c->family, "%s: family %u", c->name, fl->family);
	ck_assert_msg(fl->proto == c->proto, "%s: proto %u", c->name, fl->proto);
	ck_assert_msg(fl->kind == c->kind, "%s: kind %u", c->name, fl->kind);
	ck_assert_msg(fl->outer_family == c->outer_family, "%s: outer family", c->name);
	ck_assert_msg(memcmp(fl->src, src, 16) == 0, "%s: src", c->name);
	ck_assert_msg(memcmp(fl->dst, dst, 16) == 0, "%s: dst", c->name);
	ck_assert_msg(fl->sport == c->sport, "%s: sport %u", c->name, fl->sport);
	ck_assert_msg(fl->dport == c->dport, "%s: dport %u", c->name, fl->dport);
	ck_assert_msg(fl->hint == c->hint, "%s: hint %#x", c->name, fl->hint);
	ck_assert_msg(fl->l3_offset == c->l3_offset, "%s: l3_offset %u", c->name, fl->l3_offset);
	ck_assert_msg(fl->l3_len == c->l3_len, "%s: l3_len %u", c->name, fl->l3_len);
}

/* Parse a copy in a buffer of exactly len bytes, so ASan/valgrind see any overread. */
static enum glb_verdict parse_exact(const uint8_t *bytes, size_t len, struct glb_flow *fl)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum glb_verdict v;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, bytes, len);
	v = glb_parse_frame(copy, len, fl);
	free(copy);
	return v;
}

START_TEST(parse_gives_expected_flow_or_verdict)
{
	const struct parse_case *c = &parse_cases[_i];
	struct frame f = { .len = 0 };
	struct glb_flow fl;
	enum glb_verdict v;

	c->build(&f);
	v = parse_exact(f.b, f.len, &fl);
	ck_assert_msg(v == c->verdict, "%s: verdict %s, want %s", c->name, glb_verdict_name(v),
		      glb_verdict_name(c->verdict));
	if (v == GLB_OK)
		check_flow(c, &fl);
}
END_TEST

/* Whatever a truncation leaves, it is dropped, never read past its end. */
START_TEST(parse_truncated_at_every_offset_is_dropped)
{
	const struct parse_case *c = &parse_cases[_i];
	struct frame f = { .len = 0 };
	struct glb_flow full, fl;
	size_t n, l3_end = SIZE_MAX;

	c->build(&f);
	if (parse_exact(f.b, f.len, &full) == GLB_OK)
		l3_end = (size_t)full.l3_offset + full.l3_len;
	for (n = 0; n < f.len; n++) {
		enum glb_verdict v = parse_exact(f.b, n, &fl);

		if (n >= l3_end) {
			/* only Ethernet padding is gone: the same packet */
			ck_assert_msg(v == GLB_OK, "%s cut at %zu: %s", c->name, n,
				      glb_verdict_name(v));
			ck_assert_msg(memcmp(&fl, &full, sizeof(fl)) == 0, "%s cut at %zu", c->name,
				      n);
			continue;
		}
		ck_assert_msg(v == GLB_DROP_MALFORMED || v == GLB_DROP_NOT_IP,
			      "%s cut at %zu: %s", c->name, n, glb_verdict_name(v));
	}
}
END_TEST

/*
 * A header view of a segmented buffer: a view holding all the headers gives
 * the same flow as the whole frame; a view ending inside the headers is
 * malformed, read only inside the view; lengths are still checked against the
 * real frame.
 */
START_TEST(parse_view_matches_whole_frame_and_stays_inside_view)
{
	const struct parse_case *c = &parse_cases[_i];
	struct frame f = { .len = 0 };
	struct glb_flow full, fl;
	enum glb_verdict want;
	size_t n;

	c->build(&f);
	want = parse_exact(f.b, f.len, &full);
	for (n = 0; n <= f.len; n++) {
		uint8_t *view = malloc(n ? n : 1);
		enum glb_verdict v;

		ck_assert_ptr_nonnull(view);
		memcpy(view, f.b, n);
		v = glb_parse_view(view, n, f.len, &fl);
		free(view);
		if (v == GLB_OK) {
			ck_assert_msg(want == GLB_OK, "%s view %zu: ok, whole frame %s", c->name, n,
				      glb_verdict_name(want));
			ck_assert_msg(memcmp(&fl, &full, sizeof(fl)) == 0, "%s view %zu", c->name, n);
		} else if (n == f.len) {
			ck_assert_int_eq(v, want);
		}
	}
	/* the whole frame as its own view is what glb_parse_frame says */
	ck_assert_int_eq(glb_parse_view(f.b, f.len, f.len, &fl), want);
	/* a view longer than the frame is a lie about the frame */
	if (f.len > 0)
		ck_assert_int_eq(glb_parse_view(f.b, f.len, f.len - 1, &fl),
				 GLB_DROP_MALFORMED);
}
END_TEST

/*
 * The fast path may decline anything, but what it accepts it must parse
 * exactly as the general parser does, for every view of every frame (and
 * for a frame claimed one byte shorter, a lie it must not believe).
 */
START_TEST(parse_simple_agrees_with_general_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	struct frame f = { .len = 0 };
	struct glb_flow general, fast;
	size_t n, flen, lie;

	c->build(&f);
	for (lie = 0; lie <= 1 && lie <= f.len; lie++) {
		flen = f.len - lie;
		for (n = 0; n <= flen; n++) {
			memset(&fast, 0xa5, sizeof(fast));
			if (!glb_parse_simple(f.b, n, flen, &fast))
				continue;
			ck_assert_msg(glb_parse_view(f.b, n, flen, &general) == GLB_OK,
				      "%s view %zu of %zu: fast path accepted a packet the general "
				      "parse refuses", c->name, n, flen);
			ck_assert_msg(memcmp(&fast, &general, sizeof(fast)) == 0,
				      "%s view %zu of %zu: fast path flow differs", c->name, n, flen);
		}
	}
}
END_TEST

/* The fast path is worth having only if it takes the traffic that matters. */
static const char *const simple_case_names[] = { "ipv4_tcp", "ipv4_udp", "ipv6_tcp", "ipv6_udp" };

START_TEST(parse_simple_takes_plain_tcp_and_udp)
{
	const char *name = simple_case_names[_i];
	struct glb_flow fl;
	size_t i;

	for (i = 0; i < NUM_PARSE_CASES; i++) {
		struct frame f = { .len = 0 };

		if (strcmp(parse_cases[i].name, name) != 0)
			continue;
		parse_cases[i].build(&f);
		ck_assert_msg(glb_parse_simple(f.b, f.len, f.len, &fl), "%s declined", name);
		return;
	}
	ck_abort_msg("no parse case named %s", name);
}
END_TEST

START_TEST(verdict_names_are_distinct)
{
	int i, j;

	for (i = 0; i < GLB_VERDICT_COUNT; i++) {
		ck_assert_ptr_nonnull(glb_verdict_name(i));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(glb_verdict_name(i), glb_verdict_name(j));
	}
	ck_assert_str_eq(glb_verdict_name(GLB_DROP_MALFORMED), "malformed");
	ck_assert_str_eq(glb_verdict_name(GLB_VERDICT_COUNT), "unknown");
}
END_TEST

/* ---- independent SipHash-2-4, written from the paper ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void ref_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t ref_le64(const uint8_t *p, size_t n)
{
	uint64_t x = 0;

	while (n--)
		x = x << 8 | p[n];
	return x;
}

static uint64_t ref_siphash(const uint8_t key[16], const uint8_t *m, size_t len)
{
	uint64_t k0 = ref_le64(key, 8), k1 = ref_le64(key + 8, 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			  k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL };
	size_t off;

	for (off = 0; off <= len; off += 8) {
		size_t take = len - off < 8 ? len - off : 8;
		uint64_t block = ref_le64(m + off, take);

		if (take < 8)
			block |= (uint64_t)(len & 0xff) << 56;
		v[3] ^= block;
		ref_round(v);
		ref_round(v);
		v[0] ^= block;
		if (take < 8)
			break;
	}
	v[2] ^= 0xff;
	ref_round(v);
	ref_round(v);
	ref_round(v);
	ref_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static const uint8_t KEY_SEQ[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

/* Published vectors (key 00..0f, message 00..n-1), output bytes read little-endian. */
static const struct {
	size_t n;
	uint8_t out[8];
} sip_vectors[] = {
	{ 0, { 0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72 } },
	{ 4, { 0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf } },
	{ 8, { 0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93 } },
	{ 12, { 0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75 } },
	{ 15, { 0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1 } },
};

static uint64_t vector_value(size_t i)
{
	return ref_le64(sip_vectors[i].out, 8);
}

START_TEST(reference_siphash_passes_published_vectors)
{
	uint8_t msg[16];
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(sip_vectors) / sizeof(sip_vectors[0]); i++)
		ck_assert_uint_eq(ref_siphash(KEY_SEQ, msg, sip_vectors[i].n), vector_value(i));
}
END_TEST

static struct glb_flow make_flow(uint8_t kind, uint8_t proto, const char *src, const char *dst,
			       uint16_t sport, uint16_t dport)
{
	struct glb_flow fl = { .kind = kind, .proto = proto, .sport = sport, .dport = dport };

	addr(src, fl.src, &fl.family);
	addr(dst, fl.dst, NULL);
	fl.outer_family = fl.family;
	return fl;
}

/* src 0.1.2.3, dst 4.5.6.7, ports 0x0809 and 0x0a0b: the four fields spell 00..0b. */
START_TEST(flow_hash_all_fields_is_siphash_vector_12)
{
	struct glb_flow fl = make_flow(GLB_FLOW_L4, IPPROTO_TCP, "0.1.2.3", "4.5.6.7", 0x0809,
				     0x0a0b);
	unsigned all = GLB_HASH_SRC_ADDR | GLB_HASH_DST_ADDR | GLB_HASH_PORTS;

	ck_assert_uint_eq(glb_flow_hash_one(&fl, all, KEY_SEQ), vector_value(3));
}
END_TEST

START_TEST(flow_hash_default_is_siphash_of_source_address)
{
	struct glb_flow fl = make_flow(GLB_FLOW_L4, IPPROTO_TCP, "0.1.2.3", "9.9.9.9", 1, 2);

	ck_assert_uint_eq(glb_flow_hash_one(&fl, GLB_HASH_DEFAULT, KEY_SEQ), vector_value(1));
}
END_TEST

/*
 * The message SPEC §5 hashes, built here byte by byte from the flow, apart
 * from the code under test: src, dst, src port, dst port (network order).
 */
static size_t spec_hash_msg(const struct glb_flow *fl, unsigned fields, uint8_t *msg)
{
	size_t n = 0, alen = fl->family == GLB_FAMILY_IPV4 ? 4 : 16;

	if (fields & GLB_HASH_SRC_ADDR) {
		memcpy(msg + n, fl->src, alen);
		n += alen;
	}
	if (fields & GLB_HASH_DST_ADDR) {
		memcpy(msg + n, fl->dst, alen);
		n += alen;
	}
	if (fields & GLB_HASH_SRC_PORT) {
		msg[n++] = (uint8_t)(fl->sport >> 8);
		msg[n++] = (uint8_t)fl->sport;
	}
	if (fields & GLB_HASH_DST_PORT) {
		msg[n++] = (uint8_t)(fl->dport >> 8);
		msg[n++] = (uint8_t)fl->dport;
	}
	return n;
}

/*
 * A burst of messages of every length and field selection, both families,
 * two keys, in an order that leaves partial groups of every size: each
 * result is the reference SipHash of its message, with the vector kernel
 * (where this CPU has it) and without.  Burst sizes 0..70 cover full
 * groups of eight, a group of four and the one-at-a-time rest.
 */
START_TEST(hash_msgs_batch_equals_reference)
{
	static const uint8_t key_b[16] = { 0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
					   0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34 };
	enum { MAX = 70 };
	struct glb_flow_hash_batch *b = calloc(1, sizeof(*b));
	struct glb_flow flows[MAX];
	const uint8_t *keys[MAX];
	unsigned fields[MAX], n, i, simd;
	uint64_t out[MAX];
	bool was = glb_flow_hash_simd_set(true);

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < MAX; i++) {
		char src[64], dst[64];

		if (i % 3 == 0) {
			snprintf(src, sizeof(src), "2001:db8:%x::%x", i * 7919 % 65536, i + 1);
			snprintf(dst, sizeof(dst), "2001:db8:10::%x", i % 5);
		} else {
			snprintf(src, sizeof(src), "10.%u.%u.%u", i % 7, i * 13 % 256, i);
			snprintf(dst, sizeof(dst), "192.0.2.%u", i % 3);
		}
		flows[i] = make_flow(GLB_FLOW_L4, IPPROTO_TCP, src, dst, (uint16_t)(1024 + i * 997),
				     (uint16_t)(443 + i % 2));
		/* every non-empty selection; from 24 on, runs of 8 and 4 of one selection */
		fields[i] = i < 24 ? i % 15 + 1 : i < 48 ? GLB_HASH_SRC_ADDR : (i / 4) % 15 + 1;
		keys[i] = i % 5 == 0 ? key_b : KEY_SEQ;
		glb_flow_hash_batch_add(b, i, &flows[i], fields[i],
					glb_flow_hash_load_le(keys[i], 8),
					glb_flow_hash_load_le(keys[i] + 8, 8));
	}
	for (simd = 0; simd < 2; simd++) {
		glb_flow_hash_simd_set(simd);
		for (n = 0; n <= MAX; n++) {
			memset(out, 0xa5, sizeof(out));
			glb_flow_hash_batch_run(b, n, out);
			for (i = 0; i < n; i++) {
				uint8_t msg[40];
				size_t len = spec_hash_msg(&flows[i], fields[i], msg);

				ck_assert_msg(out[i] == ref_siphash(keys[i], msg, len),
					      "simd %u, burst %u, message %u (fields %u)", simd, n,
					      i, fields[i]);
			}
			for (; i < MAX; i++)
				ck_assert_uint_eq(out[i], 0xa5a5a5a5a5a5a5a5ULL);
		}
	}
	free(b);
	glb_flow_hash_simd_set(was);
}
END_TEST

/* The vector kernel can be turned off, and never on where the CPU lacks AVX2. */
START_TEST(hash_simd_switch)
{
	bool avail = glb_flow_hash_simd_available(), was = glb_flow_hash_simd_set(false);

	ck_assert(!glb_flow_hash_simd_set(true));
	ck_assert(glb_flow_hash_simd_set(false) == avail);
	glb_flow_hash_simd_set(was);
#if defined(__x86_64__)
	/* the director's servers and this project's CI machine have AVX2 */
	ck_assert_msg(avail == (__builtin_cpu_supports("avx2") != 0), "AVX2 detection");
#endif
}
END_TEST

/* Each field selection hashes exactly the concatenation SPEC §5 names, in its order. */
static const struct {
	unsigned fields;
	const char *msg_v4; /* expected message for the IPv4 flow below */
	const char *msg_v6;
} hash_field_cases[] = {
	{ GLB_HASH_SRC_ADDR, "c6336407", "20010db8000c00000000000000000007" },
	{ GLB_HASH_DST_ADDR, "0a000001", "20010db8000000000000000000000001" },
	{ GLB_HASH_SRC_PORT, "a8ca", "a8ca" },
	{ GLB_HASH_DST_PORT, "0050", "0050" },
	{ GLB_HASH_SRC_ADDR | GLB_HASH_SRC_PORT, "c6336407 a8ca",
	  "20010db8000c00000000000000000007 a8ca" },
	{ GLB_HASH_DST_ADDR | GLB_HASH_DST_PORT, "0a000001 0050",
	  "20010db8000000000000000000000001 0050" },
	{ GLB_HASH_SRC_ADDR | GLB_HASH_DST_ADDR | GLB_HASH_PORTS, "c6336407 0a000001 a8ca 0050",
	  "20010db8000c00000000000000000007 20010db8000000000000000000000001 a8ca 0050" },
};

START_TEST(flow_hash_concatenates_selected_fields_in_order)
{
	static const uint8_t key[16] = { 0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
					 0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34 };
	struct glb_flow v4 = make_flow(GLB_FLOW_L4, IPPROTO_TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_flow v6 = make_flow(GLB_FLOW_L4, IPPROTO_TCP, CLIENT6, VIP6, 43210, 80);
	uint8_t msg[40];
	int n;

	n = glb_test_unhex(hash_field_cases[_i].msg_v4, msg, sizeof(msg));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(glb_flow_hash_one(&v4, hash_field_cases[_i].fields, key),
			  ref_siphash(key, msg, (size_t)n));
	n = glb_test_unhex(hash_field_cases[_i].msg_v6, msg, sizeof(msg));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(glb_flow_hash_one(&v6, hash_field_cases[_i].fields, key),
			  ref_siphash(key, msg, (size_t)n));
}
END_TEST

/* ---- tables ---- */

#define NUM_TABLES 4

static struct glb_fmt_table *tables;

static void add_bind(struct glb_fmt_table *t, const char *cidr, uint8_t proto, uint16_t lo,
		     uint16_t hi)
{
	struct glb_fmt_bind *b = &t->binds[t->num_binds++];
	char ip[64];
	const char *slash = strchr(cidr, '/');
	uint8_t fam;

	snprintf(ip, sizeof(ip), "%.*s", (int)(slash ? slash - cidr : (long)strlen(cidr)), cidr);
	addr(ip, b->addr, &fam);
	b->family = fam;
	b->prefix_bits = (uint16_t)(slash ? atoi(slash + 1) : fam == GLB_FAMILY_IPV4 ? 32 : 128);
	b->proto = proto;
	b->port_start = lo;
	b->port_end = hi;
}

static void add_backend(struct glb_fmt_table *t, const char *ip)
{
	struct glb_fmt_backend *b = &t->backends[t->num_backends++];
	uint8_t fam;

	addr(ip, b->addr, &fam);
	b->family = fam;
	b->state = GLB_FMT_STATE_ACTIVE;
	b->health = GLB_FMT_HEALTH_UP;
}

/*
 * 0: 10.0.0.0/24 tcp 80, 2001:db8::/48 tcp 443
 * 1: 10.0.0.0/16 tcp 80-90, 10.0.0.5/32 udp 53, 172.16.0.0/12 tcp 443
 * 2: 192.0.2.0/25 udp 1000-2000, 2001:db8:abcd:10::/60 udp 0-65535
 * 3: 198.18.0.0/15 udp 4000 and udp 5000 (two binds, one table)
 */
static void tables_setup(void)
{
	tables = calloc(NUM_TABLES, sizeof(*tables));
	ck_assert_ptr_nonnull(tables);
	add_bind(&tables[0], "10.0.0.0/24", IPPROTO_TCP, 80, 80);
	add_bind(&tables[0], "2001:db8::/48", IPPROTO_TCP, 443, 443);
	add_bind(&tables[1], "10.0.0.0/16", IPPROTO_TCP, 80, 90);
	add_bind(&tables[1], "10.0.0.5", IPPROTO_UDP, 53, 53);
	add_bind(&tables[1], "172.16.0.0/12", IPPROTO_TCP, 443, 443);
	add_bind(&tables[2], "192.0.2.0/25", IPPROTO_UDP, 1000, 2000);
	add_bind(&tables[2], "2001:db8:abcd:10::/60", IPPROTO_UDP, 0, 65535);
	add_bind(&tables[3], "198.18.0.0/15", IPPROTO_UDP, 4000, 4000);
	add_bind(&tables[3], "198.18.0.0/15", IPPROTO_UDP, 5000, 5000);
}

static void tables_teardown(void)
{
	free(tables);
	tables = NULL;
}

#define OPTS_DEFAULT { GLB_HASH_DEFAULT, 0, true }
#define L4 GLB_FLOW_L4
#define ECHO GLB_FLOW_ECHO
#define FRAG GLB_FLOW_FRAGMENT
#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

static const struct classify_case {
	const char *name;
	uint8_t kind, proto;
	const char *dst;
	uint16_t dport;
	struct glb_classify_opts opts;
	int want;
} classify_cases[] = {
	{ "first_table_wins_on_overlap", L4, TCP, "10.0.0.7", 80, OPTS_DEFAULT, 0 },
	{ "later_table_when_first_port_differs", L4, TCP, "10.0.0.7", 85, OPTS_DEFAULT, 1 },
	{ "v4_prefix_last_address_inside", L4, TCP, "10.0.0.255", 80, OPTS_DEFAULT, 0 },
	{ "v4_prefix_next_address_outside", L4, TCP, "10.0.1.0", 80, OPTS_DEFAULT, 1 },
	{ "v4_slash12_first_address", L4, TCP, "172.16.0.0", 443, OPTS_DEFAULT, 1 },
	{ "v4_slash12_last_address", L4, TCP, "172.31.255.255", 443, OPTS_DEFAULT, 1 },
	{ "v4_slash12_above", L4, TCP, "172.32.0.0", 443, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_slash12_below", L4, TCP, "172.15.255.255", 443, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_host_bind_exact", L4, UDP, "10.0.0.5", 53, OPTS_DEFAULT, 1 },
	{ "v4_host_bind_below", L4, UDP, "10.0.0.4", 53, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_host_bind_above", L4, UDP, "10.0.0.6", 53, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_slash25_last_address", L4, UDP, "192.0.2.127", 1500, OPTS_DEFAULT, 2 },
	{ "v4_slash25_next_address", L4, UDP, "192.0.2.128", 1500, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "port_below_range", L4, UDP, "192.0.2.1", 999, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "port_range_start", L4, UDP, "192.0.2.1", 1000, OPTS_DEFAULT, 2 },
	{ "port_range_end", L4, UDP, "192.0.2.1", 2000, OPTS_DEFAULT, 2 },
	{ "port_above_range", L4, UDP, "192.0.2.1", 2001, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "port_range_80_90_start", L4, TCP, "10.0.9.9", 80, OPTS_DEFAULT, 1 },
	{ "port_range_80_90_end", L4, TCP, "10.0.9.9", 90, OPTS_DEFAULT, 1 },
	{ "port_range_80_90_above", L4, TCP, "10.0.9.9", 91, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "proto_mismatch", L4, UDP, "10.0.0.7", 80, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v6_slash48_last_address", L4, TCP, "2001:db8:0:ffff:ffff:ffff:ffff:ffff", 443,
	  OPTS_DEFAULT, 0 },
	{ "v6_slash48_next_address", L4, TCP, "2001:db8:1::", 443, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "v6_slash60_first_address", L4, UDP, "2001:db8:abcd:10::", 0, OPTS_DEFAULT, 2 },
	{ "v6_slash60_last_address", L4, UDP, "2001:db8:abcd:1f:ffff:ffff:ffff:ffff", 65535,
	  OPTS_DEFAULT, 2 },
	{ "v6_slash60_above", L4, UDP, "2001:db8:abcd:20::", 1, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v6_slash60_below", L4, UDP, "2001:db8:abcd:f:ffff:ffff:ffff:ffff", 1, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "v6_address_never_matches_v4_bind", L4, TCP, "a00:7::", 80, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "v4_address_never_matches_v6_bind", L4, TCP, "32.1.13.184", 443, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "icmp_error_matches_like_its_flow", GLB_FLOW_ICMP_ERROR, TCP, "10.0.0.7", 80,
	  OPTS_DEFAULT, 0 },
	{ "echo_first_table_by_prefix", ECHO, IPPROTO_ICMP, "10.0.0.7", 0, OPTS_DEFAULT, 0 },
	{ "echo_ignores_bind_proto_and_ports", ECHO, IPPROTO_ICMP, "10.0.200.1", 0, OPTS_DEFAULT,
	  1 },
	{ "echo_v6_by_prefix", ECHO, IPPROTO_ICMPV6, "2001:db8:abcd:10::1", 0, OPTS_DEFAULT, 2 },
	{ "echo_outside_every_prefix", ECHO, IPPROTO_ICMP, "203.0.113.9", 0, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "echo_disabled", ECHO, IPPROTO_ICMP, "10.0.0.7", 0, { GLB_HASH_DEFAULT, 0, false },
	  -GLB_DROP_ECHO_DISABLED },
	{ "echo_disabled_outside_prefixes_is_no_match", ECHO, IPPROTO_ICMP, "203.0.113.9", 0,
	  { GLB_HASH_DEFAULT, 0, false }, -GLB_DROP_NO_MATCH },
	{ "fragment_exactly_one_table", FRAG, UDP, "198.18.1.1", 0, OPTS_DEFAULT, 3 },
	{ "fragment_exactly_one_table_v6", FRAG, UDP, "2001:db8:abcd:1f::1", 0, OPTS_DEFAULT, 2 },
	{ "fragment_exactly_one_table_by_proto", FRAG, UDP, "10.0.0.5", 0, OPTS_DEFAULT, 1 },
	{ "fragment_ambiguous", FRAG, TCP, "10.0.0.5", 0, OPTS_DEFAULT, -GLB_DROP_FRAGMENT },
	{ "fragment_no_table", FRAG, UDP, "203.0.113.9", 0, OPTS_DEFAULT, -GLB_DROP_FRAGMENT },
	{ "fragment_proto_mismatch", FRAG, TCP, "198.18.1.1", 0, OPTS_DEFAULT,
	  -GLB_DROP_FRAGMENT },
	{ "fragment_port_hashed", FRAG, UDP, "198.18.1.1", 0,
	  { GLB_HASH_SRC_ADDR | GLB_HASH_DST_PORT, 0, true }, -GLB_DROP_FRAGMENT },
	{ "fragment_alt_port_hashed", FRAG, UDP, "198.18.1.1", 0,
	  { GLB_HASH_SRC_ADDR, GLB_HASH_SRC_PORT, true }, -GLB_DROP_FRAGMENT },
};

START_TEST(classify_follows_spec_rules)
{
	const struct classify_case *c = &classify_cases[_i];
	const char *client = strchr(c->dst, ':') ? CLIENT6 : CLIENT4;
	struct glb_flow fl = make_flow(c->kind, c->proto, client, c->dst, 43210, c->dport);
	int got;

	got = glb_classify_flow(tables, NUM_TABLES, &fl, &c->opts);
	ck_assert_msg(got == c->want, "%s: got %d, want %d", c->name, got, c->want);
}
END_TEST

START_TEST(classify_with_no_tables_is_no_match)
{
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, "10.0.0.7", 43210, 80);
	struct glb_classify_opts opts = OPTS_DEFAULT;

	ck_assert_int_eq(glb_classify_flow(tables, 0, &fl, &opts), -GLB_DROP_NO_MATCH);
}
END_TEST

static const struct {
	const char *bind;
	const char *addr;
	int want;
} bind_prefix_cases[] = {
	{ "0.0.0.0/0", "255.255.255.255", 1 },
	{ "0.0.0.0/0", "::", 0 },
	{ "::/0", "ffff::1", 1 },
	{ "10.0.0.1/32", "10.0.0.1", 1 },
	{ "10.0.0.1/32", "10.0.0.0", 0 },
	{ "10.0.0.0/31", "10.0.0.1", 1 },
	{ "10.0.0.0/31", "10.0.0.2", 0 },
	{ "128.0.0.0/1", "127.255.255.255", 0 },
	{ "128.0.0.0/1", "128.0.0.0", 1 },
	{ "2001:db8::1/128", "2001:db8::1", 1 },
	{ "2001:db8::1/128", "2001:db8::", 0 },
	{ "2001:db8::/127", "2001:db8::1", 1 },
	{ "2001:db8::/127", "2001:db8::2", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::", 1 },
	{ "2001:db8::/33", "2001:db8:8000::", 0 },
};

START_TEST(bind_prefix_boundaries)
{
	struct glb_fmt_table *t = &tables[0];
	uint8_t a[16], fam;

	t->num_binds = 0;
	add_bind(t, bind_prefix_cases[_i].bind, TCP, 1, 1);
	addr(bind_prefix_cases[_i].addr, a, &fam);
	ck_assert_msg(glb_classify_bind_matches(&t->binds[0], fam, a, TCP, 1) ==
			      bind_prefix_cases[_i].want,
		      "%s in %s", bind_prefix_cases[_i].addr, bind_prefix_cases[_i].bind);
}
END_TEST

START_TEST(bind_rejects_prefix_longer_than_family)
{
	struct glb_fmt_table *t = &tables[0];
	uint8_t a[16], fam;

	t->num_binds = 0;
	add_bind(t, "10.0.0.1/33", TCP, 1, 1);
	addr("10.0.0.1", a, &fam);
	ck_assert(!glb_classify_bind_matches(&t->binds[0], fam, a, TCP, 1));
}
END_TEST

/* ---- routing ---- */

#define NUM_BACKENDS 4
static const char *const backend_ips[NUM_BACKENDS] = { "192.0.2.10", "192.0.2.11",
							"192.0.2.12", "192.0.2.13" };

/* Table 0 with four backends and row r = (r % 4, (r + 1) % 4). */
static struct glb_fmt_table *route_table(void)
{
	struct glb_fmt_table *t = &tables[0];
	uint32_t r;
	int i;

	memcpy(t->hash_key, KEY_SEQ, sizeof(t->hash_key));
	for (i = 0; i < NUM_BACKENDS; i++)
		add_backend(t, backend_ips[i]);
	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		t->rows[r].primary = r % NUM_BACKENDS;
		t->rows[r].secondary = (r + 1) % NUM_BACKENDS;
	}
	return t;
}

static uint32_t backend_be(uint32_t idx)
{
	uint8_t a[16];
	uint32_t v;

	addr(backend_ips[idx], a, NULL);
	memcpy(&v, a, 4);
	return v;
}

START_TEST(route_takes_primary_and_secondary_of_hashed_row)
{
	struct glb_fmt_table *t = route_table();
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_classify_opts opts = OPTS_DEFAULT;
	struct glb_route rt;
	uint8_t src[4] = { 198, 51, 100, 7 };
	uint64_t h = ref_siphash(KEY_SEQ, src, 4);
	uint32_t row = (uint32_t)(h & 0xffff);

	ck_assert_int_eq(glb_route_flow(t, &fl, &opts, &rt), GLB_OK);
	ck_assert_uint_eq(rt.hash, h);
	ck_assert_uint_eq(rt.row, row);
	ck_assert_uint_eq(rt.num_hops, 2);
	ck_assert_uint_eq(rt.primary_idx, row % 4);
	ck_assert_uint_eq(rt.secondary_idx, (row + 1) % 4);
	ck_assert_uint_eq(rt.hops[0], backend_be(row % 4));
	ck_assert_uint_eq(rt.hops[1], backend_be((row + 1) % 4));
}
END_TEST

START_TEST(route_alt_fields_append_alt_primary_and_secondary)
{
	struct glb_fmt_table *t = route_table();
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_classify_opts opts = { GLB_HASH_DEFAULT, GLB_HASH_SRC_ADDR | GLB_HASH_SRC_PORT,
					  true };
	struct glb_route rt;
	uint8_t src[4] = { 198, 51, 100, 7 }, src_port[6] = { 198, 51, 100, 7, 0xa8, 0xca };
	uint32_t row = (uint32_t)(ref_siphash(KEY_SEQ, src, 4) & 0xffff);
	uint32_t alt = (uint32_t)(ref_siphash(KEY_SEQ, src_port, 6) & 0xffff);

	ck_assert_int_eq(glb_route_flow(t, &fl, &opts, &rt), GLB_OK);
	ck_assert_uint_eq(rt.num_hops, 4);
	ck_assert_uint_eq(rt.row, row);
	ck_assert_uint_eq(rt.hops[0], backend_be(row % 4));
	ck_assert_uint_eq(rt.hops[1], backend_be((row + 1) % 4));
	ck_assert_uint_eq(rt.hops[2], backend_be(alt % 4));
	ck_assert_uint_eq(rt.hops[3], backend_be((alt + 1) % 4));
}
END_TEST

enum bad_row { BAD_PRIMARY_NONE, BAD_SECONDARY_NONE, BAD_INDEX_PAST_END, BAD_IPV6_BACKEND,
	       BAD_ALT_ROW };

START_TEST(route_without_usable_backend_is_dropped)
{
	struct glb_fmt_table *t = route_table();
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_classify_opts opts = OPTS_DEFAULT;
	uint8_t src[4] = { 198, 51, 100, 7 }, src_port[6] = { 198, 51, 100, 7, 0xa8, 0xca };
	uint32_t row = (uint32_t)(ref_siphash(KEY_SEQ, src, 4) & 0xffff);
	uint32_t alt = (uint32_t)(ref_siphash(KEY_SEQ, src_port, 6) & 0xffff);
	struct glb_route rt;

	switch (_i) {
	case BAD_PRIMARY_NONE:
		t->rows[row].primary = GLB_FMT_NO_BACKEND;
		break;
	case BAD_SECONDARY_NONE:
		t->rows[row].secondary = GLB_FMT_NO_BACKEND;
		break;
	case BAD_INDEX_PAST_END:
		t->rows[row].secondary = NUM_BACKENDS;
		break;
	case BAD_IPV6_BACKEND:
		t->num_backends = 0;
		for (int i = 0; i < NUM_BACKENDS; i++)
			add_backend(t, "2001:db8::10");
		break;
	case BAD_ALT_ROW:
		ck_assert_uint_ne(row, alt);
		opts.alt_hash_fields = GLB_HASH_SRC_ADDR | GLB_HASH_SRC_PORT;
		t->rows[alt].primary = GLB_FMT_NO_BACKEND;
		break;
	}
	ck_assert_int_eq(glb_route_flow(t, &fl, &opts, &rt), GLB_DROP_NO_BACKEND);
}
END_TEST

/* An ICMP error quoting the proxy's reply must hash to the row of the client's flow. */
START_TEST(icmp_error_routes_like_the_client_flow)
{
	struct glb_fmt_table *t = route_table();
	struct glb_classify_opts opts = { GLB_HASH_SRC_ADDR | GLB_HASH_DST_ADDR | GLB_HASH_PORTS,
					  0, true };
	struct frame data = { .len = 0 }, err = { .len = 0 };
	struct glb_flow fd, fe;
	struct glb_route rd, re;

	pkt_ipv4_tcp(&data);
	pkt_ipv4_frag_needed(&err);
	ck_assert_int_eq(glb_parse_frame(data.b, data.len, &fd), GLB_OK);
	ck_assert_int_eq(glb_parse_frame(err.b, err.len, &fe), GLB_OK);
	ck_assert_int_eq(glb_route_flow(t, &fd, &opts, &rd), GLB_OK);
	ck_assert_int_eq(glb_route_flow(t, &fe, &opts, &re), GLB_OK);
	ck_assert_uint_eq(rd.hash, re.hash);
	ck_assert_uint_eq(fd.hint, fe.hint);
	ck_assert_uint_eq(rd.hops[0], re.hops[0]);
}
END_TEST

/* ---- encapsulation ---- */

/* RFC 1071 style worked example: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7. */
START_TEST(ipv4_hdr_csum_known_header)
{
	uint8_t h[20];

	ck_assert_int_eq(glb_test_unhex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7", h,
					 sizeof(h)), 20);
	ck_assert_uint_eq(glb_csum_compute(h, sizeof(h)), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	ck_assert_uint_eq(glb_csum_compute(h, sizeof(h)), 0);
	ck_assert_uint_eq(glb_csum_compute(h, sizeof(h)), ref_csum(h, sizeof(h)));
	/* an odd length sums its last byte as the high half of a zero-padded word */
	ck_assert_uint_eq(glb_csum_compute(h, 17), ref_csum(h, 17));
}
END_TEST

static const struct glb_encap_params encap_params = {
	.dst_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
	.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
	.src_ip = { 192, 0, 2, 1 },
};

#define ENCAP_HASH 0x0123456789abcdefULL
#define ENCAP_HINT 0x1234 /* UDP source = 0x8000 | ((0xcdef ^ 0x1234) & 0x7fff) = 0xdfdb */

/* Expected header with the IP checksum as 0000: the test fills it in independently. */
static const struct encap_case {
	const char *name;
	unsigned num_hops;
	uint8_t inner_family;
	uint16_t l3_len;
	const char *expect;
} encap_cases[] = {
	{ "no_extra_hop_ipv4_inner", 1, V4, 28,
	  "020000000001 020000000002 0800"
	  "4500 0040 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 002c 0000"
	  "01 04 0000 0000 00 00" },
	{ "one_hop_ipv4_inner", 2, V4, 40,
	  "020000000001 020000000002 0800"
	  "4500 0050 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 003c 0000"
	  "02 04 0000 0000 00 01 c000020b" },
	{ "one_hop_ipv6_inner", 2, V6, 60,
	  "020000000001 020000000002 0800"
	  "4500 0064 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 0050 0000"
	  "02 29 0000 0000 00 01 c000020b" },
	{ "three_hops_ipv4_inner", 4, V4, 40,
	  "020000000001 020000000002 0800"
	  "4500 0058 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 0044 0000"
	  "04 04 0000 0000 00 03 c000020b c000020c c000020d" },
	{ "three_hops_ipv6_inner", 4, V6, 60,
	  "020000000001 020000000002 0800"
	  "4500 006c 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 0058 0000"
	  "04 29 0000 0000 00 03 c000020b c000020c c000020d" },
};

static struct glb_route encap_route(unsigned num_hops)
{
	struct glb_route rt = { .num_hops = num_hops, .hash = ENCAP_HASH };
	unsigned i;

	for (i = 0; i < num_hops; i++)
		rt.hops[i] = backend_be(i);
	return rt;
}

/* Either writer: the reference one, or the template one set up from the same params. */
static size_t write_encap(bool use_tmpl, uint8_t *hdr, size_t cap, const struct glb_route *rt,
			  const struct glb_flow *fl)
{
	struct glb_encap_tmpl tmpl;

	if (!use_tmpl)
		return glb_encap_write(hdr, cap, &encap_params, rt, fl);
	glb_encap_tmpl_init(&tmpl, &encap_params);
	return glb_encap_write_tmpl(hdr, cap, &tmpl, rt, fl);
}

/* _i runs over the cases twice: the reference writer, then the template one. */
START_TEST(encap_header_byte_by_byte)
{
	const struct encap_case *c = &encap_cases[_i % NUM(encap_cases)];
	bool use_tmpl = _i >= (int)NUM(encap_cases);
	struct glb_route rt = encap_route(c->num_hops);
	struct glb_flow fl = { .outer_family = c->inner_family, .hint = ENCAP_HINT,
			       .l3_len = c->l3_len };
	uint8_t want[128], got[128];
	uint16_t csum;
	int n = glb_test_unhex(c->expect, want, sizeof(want));
	size_t len;

	ck_assert_int_gt(n, 0);
	csum = ref_csum(want + 14, 20);
	want[14 + 10] = (uint8_t)(csum >> 8);
	want[14 + 11] = (uint8_t)csum;
	memset(got, 0xee, sizeof(got));
	len = write_encap(use_tmpl, got, sizeof(got), &rt, &fl);
	ck_assert_msg(len == (size_t)n, "%s%s: length %zu, want %d", c->name,
		      use_tmpl ? " (template)" : "", len, n);
	ck_assert_uint_eq(glb_encap_hdr_len(&rt), (size_t)n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "%s%s: byte %d is %02x, want %02x", c->name,
			      use_tmpl ? " (template)" : "", i, got[i], want[i]);
	ck_assert_uint_eq(got[n], 0xee);
}
END_TEST

/*
 * Random routes, hints, lengths and sources: the template writer returns and
 * writes what the reference writer does, and its checksum verifies.  The
 * incremental checksum's carries are where it would go wrong.
 */
START_TEST(encap_template_agrees_with_writer_on_random_input)
{
	unsigned seed = 12345, iter;

	for (iter = 0; iter < 20000; iter++) {
		struct glb_encap_params params;
		struct glb_encap_tmpl tmpl;
		struct glb_route rt = { .num_hops = 1 + rand_r(&seed) % (1 + GLB_GUE_MAX_HOPS) };
		struct glb_flow fl = { .outer_family = rand_r(&seed) % 4 ? V4 : V6 };
		uint8_t a[128], b[128];
		size_t la, lb, cap = 30 + (size_t)(rand_r(&seed) % 40);
		unsigned i;

		for (i = 0; i < sizeof(params); i++)
			((uint8_t *)&params)[i] = (uint8_t)rand_r(&seed);
		for (i = 0; i < rt.num_hops; i++)
			rt.hops[i] = (uint32_t)rand_r(&seed) ^ (uint32_t)rand_r(&seed) << 16;
		if (iter % 7 == 0)
			rt.hops[0] = 0xffffffff; /* all ones: the most carries */
		rt.hash = (uint64_t)rand_r(&seed) << 32 | (uint64_t)rand_r(&seed);
		fl.hint = (uint16_t)rand_r(&seed);
		fl.l3_len = (uint16_t)(iter % 5 == 0 ? 65535 - rand_r(&seed) % 64 : rand_r(&seed));
		glb_encap_tmpl_init(&tmpl, &params);
		memset(a, 0xee, sizeof(a));
		memset(b, 0xee, sizeof(b));
		la = glb_encap_write(a, cap, &params, &rt, &fl);
		lb = glb_encap_write_tmpl(b, cap, &tmpl, &rt, &fl);
		ck_assert_msg(la == lb, "iteration %u: lengths %zu and %zu", iter, la, lb);
		ck_assert_msg(memcmp(a, b, sizeof(a)) == 0, "iteration %u: bytes differ", iter);
		if (la)
			ck_assert_uint_eq(ref_csum(b + 14, 20), 0);
	}
}
END_TEST

/* Every inner length, with all-ones and all-zero addresses: every carry case. */
START_TEST(encap_template_checksum_every_length)
{
	static const uint32_t dsts[] = { 0xffffffff, 0, 0x0000ffff, 0xffff0000 };
	struct glb_encap_params params = encap_params;
	struct glb_encap_tmpl tmpl;
	unsigned d, len;

	memset(params.src_ip, 0xff, sizeof(params.src_ip));
	glb_encap_tmpl_init(&tmpl, &params);
	for (d = 0; d < sizeof(dsts) / sizeof(dsts[0]); d++) {
		struct glb_route rt = encap_route(2);
		struct glb_flow fl = { .outer_family = V4 };
		uint8_t a[64], b[64];

		rt.hops[0] = dsts[d];
		for (len = 0; len <= 65495; len++) {
			fl.l3_len = (uint16_t)len;
			ck_assert_uint_eq(glb_encap_write_tmpl(b, sizeof(b), &tmpl, &rt, &fl), 54);
			if (ref_csum(b + 14, 20) != 0) {
				glb_encap_write(a, sizeof(a), &params, &rt, &fl);
				ck_abort_msg("dst %08x length %u: checksum %02x%02x, reference %02x%02x",
					     dsts[d], len, b[24], b[25], a[24], a[25]);
			}
		}
	}
}
END_TEST

/* With the port computing it, the checksum field is 0 and nothing else changes. */
START_TEST(encap_template_leaves_checksum_to_an_offloading_port)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = V4, .hint = ENCAP_HINT, .l3_len = 40 };
	struct glb_encap_tmpl tmpl;
	uint8_t soft[64], off[64];

	glb_encap_tmpl_init(&tmpl, &encap_params);
	ck_assert(!tmpl.csum_offload);
	ck_assert_uint_eq(glb_encap_write_tmpl(soft, sizeof(soft), &tmpl, &rt, &fl), 54);
	tmpl.csum_offload = true;
	ck_assert_uint_eq(glb_encap_write_tmpl(off, sizeof(off), &tmpl, &rt, &fl), 54);
	ck_assert_uint_eq(off[24], 0);
	ck_assert_uint_eq(off[25], 0);
	ck_assert(soft[24] != 0 || soft[25] != 0);
	off[24] = soft[24];
	off[25] = soft[25];
	ck_assert_mem_eq(off, soft, 54);
}
END_TEST

START_TEST(encap_refuses_short_buffer)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = V4, .l3_len = 40 };
	uint8_t buf[64];
	size_t need = glb_encap_hdr_len(&rt);

	ck_assert_uint_eq(glb_encap_write(buf, need - 1, &encap_params, &rt, &fl), 0);
	ck_assert_uint_eq(glb_encap_write(buf, need, &encap_params, &rt, &fl), need);
}
END_TEST

/* 20 IP + 8 UDP + 12 GUE with one hop leave 65495 bytes for the inner packet. */
START_TEST(encap_refuses_outer_packet_over_65535)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = V4, .l3_len = 65495 };
	uint8_t buf[64];

	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 54);
	ck_assert_uint_eq(buf[16], 0xff);
	ck_assert_uint_eq(buf[17], 0xff);
	fl.l3_len = 65496;
	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
}
END_TEST

START_TEST(encap_refuses_bad_hop_count_or_family)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = GLB_FAMILY_NONE, .l3_len = 40 };
	uint8_t buf[128];

	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
	fl.outer_family = V4;
	rt.num_hops = 0;
	ck_assert_uint_eq(glb_encap_hdr_len(&rt), 0);
	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
	rt.num_hops = 2 + GLB_GUE_MAX_HOPS;
	ck_assert_uint_eq(glb_encap_hdr_len(&rt), 0);
	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
}
END_TEST



static Suite *packet_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, parse_gives_expected_flow_or_verdict, 0, NUM(parse_cases));
	tcase_add_loop_test(tc, parse_truncated_at_every_offset_is_dropped, 0, NUM(parse_cases));
	tcase_add_loop_test(tc, parse_view_matches_whole_frame_and_stays_inside_view, 0,
			    NUM(parse_cases));
	tcase_add_loop_test(tc, parse_simple_agrees_with_general_parse, 0, NUM(parse_cases));
	tcase_add_loop_test(tc, parse_simple_takes_plain_tcp_and_udp, 0, NUM(simple_case_names));
	tcase_add_test(tc, verdict_names_are_distinct);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash");
	tcase_add_test(tc, reference_siphash_passes_published_vectors);
	tcase_add_test(tc, flow_hash_all_fields_is_siphash_vector_12);
	tcase_add_test(tc, flow_hash_default_is_siphash_of_source_address);
	tcase_add_loop_test(tc, flow_hash_concatenates_selected_fields_in_order, 0,
			    NUM(hash_field_cases));
	tcase_add_test(tc, hash_msgs_batch_equals_reference);
	tcase_add_test(tc, hash_simd_switch);
	suite_add_tcase(s, tc);

	tc = tcase_create("classify");
	tcase_add_checked_fixture(tc, tables_setup, tables_teardown);
	tcase_add_loop_test(tc, classify_follows_spec_rules, 0, NUM(classify_cases));
	tcase_add_test(tc, classify_with_no_tables_is_no_match);
	tcase_add_loop_test(tc, bind_prefix_boundaries, 0, NUM(bind_prefix_cases));
	tcase_add_test(tc, bind_rejects_prefix_longer_than_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("route");
	tcase_add_checked_fixture(tc, tables_setup, tables_teardown);
	tcase_add_test(tc, route_takes_primary_and_secondary_of_hashed_row);
	tcase_add_test(tc, route_alt_fields_append_alt_primary_and_secondary);
	tcase_add_loop_test(tc, route_without_usable_backend_is_dropped, BAD_PRIMARY_NONE,
			    BAD_ALT_ROW + 1);
	tcase_add_test(tc, icmp_error_routes_like_the_client_flow);
	suite_add_tcase(s, tc);

	tc = tcase_create("encap");
	tcase_add_test(tc, ipv4_hdr_csum_known_header);
	tcase_add_loop_test(tc, encap_header_byte_by_byte, 0, 2 * NUM(encap_cases));
	tcase_add_test(tc, encap_template_agrees_with_writer_on_random_input);
	tcase_add_test(tc, encap_template_checksum_every_length);
	tcase_add_test(tc, encap_template_leaves_checksum_to_an_offloading_port);
	tcase_add_test(tc, encap_refuses_short_buffer);
	tcase_add_test(tc, encap_refuses_outer_packet_over_65535);
	tcase_add_test(tc, encap_refuses_bad_hop_count_or_family);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(packet_suite());
}
