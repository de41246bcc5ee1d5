/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse (SPEC §5): frames built byte by byte, each parsed to the flow or
 * the verdict expected, whole, truncated at every byte, as a header view,
 * and by the fast path.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "packet_testutil.h"
#include "parse.h"
#include "testutil.h"
#include "verdict.h"

#define ETH_MIN_FRAME 60 /* without FCS: shorter frames are padded by the sender */

/* ---- packets (pkt_ipv4_tcp and pkt_ipv4_frag_needed: packet_testutil.h) ---- */

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

#define OK_FLOW(fam, proto, kind, outer) GLB_OK, fam, proto, kind, outer
#define DROP(v) v, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, 0, 0

static const struct parse_case parse_cases[] = {
	{ "ipv4_tcp", pkt_ipv4_tcp, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4), CLIENT4, VIP4, 43210,
	  80, 43210, 14, 40 },
	{ "ipv4_udp", pkt_ipv4_udp, OK_FLOW(V4, IPPROTO_UDP, GLB_FLOW_L4, V4), CLIENT4, VIP4, 5353,
	  53, 5353, 14, 32 },
	{ "ipv4_options_ihl6", pkt_ipv4_ihl6, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4), CLIENT4,
	  VIP4, 43210, 80, 43210, 14, 44 },
	{ "ipv4_options_ihl15", pkt_ipv4_ihl15, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4), CLIENT4,
	  VIP4, 43210, 80, 43210, 14, 80 },
	{ "ipv4_vlan_tag", pkt_ipv4_vlan, OK_FLOW(V4, IPPROTO_TCP, GLB_FLOW_L4, V4), CLIENT4, VIP4,
	  43210, 80, 43210, 18, 40 },
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
	{ "ipv6_tcp", pkt_ipv6_tcp, OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_L4, V6), CLIENT6, VIP6, 43210,
	  443, 43210, 14, 60 },
	{ "ipv6_udp", pkt_ipv6_udp, OK_FLOW(V6, IPPROTO_UDP, GLB_FLOW_L4, V6), CLIENT6, VIP6, 5353,
	  53, 5353, 14, 48 },
	{ "ipv6_hop_by_hop", pkt_ipv6_hop_by_hop, OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_L4, V6),
	  CLIENT6, VIP6, 43210, 443, 43210, 14, 68 },
	{ "ipv6_routing", pkt_ipv6_routing, OK_FLOW(V6, IPPROTO_TCP, GLB_FLOW_L4, V6), CLIENT6,
	  VIP6, 43210, 443, 43210, 14, 84 },
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
	{ "ipv6_payload_length_past_frame", pkt_ipv6_payload_past_frame, DROP(GLB_DROP_MALFORMED) },
	{ "ipv6_ext_length_past_packet", pkt_ipv6_ext_len_past_packet, DROP(GLB_DROP_MALFORMED) },
	{ "ipv6_ethertype_with_version_4", pkt_ipv6_version4, DROP(GLB_DROP_MALFORMED) },
};

#define NUM_PARSE_CASES GLB_ARRAY_SIZE(parse_cases)

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
		ck_assert_msg(v == GLB_DROP_MALFORMED || v == GLB_DROP_NOT_IP, "%s cut at %zu: %s",
			      c->name, n, glb_verdict_name(v));
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
			ck_assert_msg(memcmp(&fl, &full, sizeof(fl)) == 0, "%s view %zu", c->name,
				      n);
		} else if (n == f.len) {
			ck_assert_int_eq(v, want);
		}
	}
	/* the whole frame as its own view is what glb_parse_frame says */
	ck_assert_int_eq(glb_parse_view(f.b, f.len, f.len, &fl), want);
	/* a view longer than the frame is a lie about the frame */
	if (f.len > 0)
		ck_assert_int_eq(glb_parse_view(f.b, f.len, f.len - 1, &fl), GLB_DROP_MALFORMED);
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
				      "parse refuses",
				      c->name, n, flen);
			ck_assert_msg(memcmp(&fast, &general, sizeof(fast)) == 0,
				      "%s view %zu of %zu: fast path flow differs", c->name, n,
				      flen);
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

static Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
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
	return s;
}

int main(void)
{
	return glb_test_run(parse_suite());
}
