/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse (SPEC §5): a received Ethernet frame, a byte buffer with an
 * explicit length, into the flow that the later stages read (classify.h,
 * flow_hash.h, route.h, encap.h).  No DPDK types, so the director, the CLI,
 * the fuzzers and the unit tests share this one implementation.
 *
 * Nothing here reads outside [frame, frame + len).
 *
 * glb_parse_simple is inline so that the director's burst loop compiles
 * into one function; it brings the unprefixed wire constants of proto.h
 * with it.
 */
#ifndef GLB_PARSE_H
#define GLB_PARSE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto.h"
#include "table_format.h"
#include "verdict.h"

/* What a parsed packet is, which decides how it is matched and hinted. */
enum glb_flow_kind {
	GLB_FLOW_L4,         /* TCP/UDP (or a first fragment of one): ports are real */
	GLB_FLOW_ICMP_ERROR, /* frag-needed / packet-too-big: the quoted packet, reversed */
	GLB_FLOW_ECHO,       /* ICMP/ICMPv6 echo request: matched by prefix only, ports 0 */
	GLB_FLOW_FRAGMENT,   /* non-first fragment: no ports (0) */
};

struct glb_flow {
	uint8_t family;           /* enum glb_family of the classified flow */
	uint8_t proto;            /* IPPROTO_TCP/UDP, or IPPROTO_ICMP/ICMPV6 for echo */
	uint8_t kind;             /* enum glb_flow_kind */
	uint8_t outer_family;     /* family of the received IP packet (GUE proto 4 or 41) */
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes, rest 0 */
	uint16_t sport, dport;    /* host order; 0 where the packet has none */
	uint16_t hint;            /* host order, SPEC §6 */
	uint16_t l3_offset;       /* offset of the received IP header in the frame */
	uint16_t l3_len;          /* IP total length: the bytes to encapsulate */
};

/*
 * Parse an Ethernet frame (optionally one 802.1Q tag).  On GLB_OK, flow is
 * filled; otherwise the return value says why it must be dropped.
 */
enum glb_verdict glb_parse_frame(const uint8_t *frame, size_t len, struct glb_flow *flow);

/*
 * The same over the first view_len bytes of a frame of frame_len bytes (a
 * header view of a segmented buffer): lengths are checked against
 * frame_len, headers are read only inside the view, and a header that
 * extends past the view is malformed.
 */
enum glb_verdict glb_parse_view(const uint8_t *view, size_t view_len, size_t frame_len,
				struct glb_flow *flow);

/*
 * The common case, TCP or UDP straight after an option-free IPv4 header or
 * an extension-free IPv6 header in an untagged frame, without the general
 * walk: true with flow filled exactly as glb_parse_view would fill it.
 * It only ever accepts: false means "call glb_parse_view", never "drop";
 * whatever it does not recognise, including every malformed packet, is left
 * to glb_parse_view, whose result it must equal (the unit tests and
 * fuzz_packet check this).
 */
static inline bool glb_parse_simple(const uint8_t *view, size_t view_len, size_t frame_len,
				    struct glb_flow *flow)
{
	const uint8_t *ip = view + ETH_HDR_LEN, *l4;
	size_t tot, l3_len, l4_min;
	uint16_t type;
	uint8_t family, proto;

	/* room for Ethernet and the smaller fixed IP header in the view */
	if (view_len < ETH_HDR_LEN + IPV4_MIN_HDR_LEN || view_len > frame_len)
		return false;
	type = glb_rd_be16(view + ETH_ADDRS_LEN);
	if (type == ETHERTYPE_IPV4) {
		/* version 4 and IHL 5: no options to skip */
		if (ip[0] != (IP_VERSION_4 << IP_VERSION_SHIFT | IPV4_MIN_HDR_LEN / IPV4_IHL_UNIT))
			return false;
		/* a later fragment has no ports */
		if (glb_rd_be16(ip + IPV4_FRAG_OFF) & IPV4_FRAG_OFFSET_MASK)
			return false;
		family = GLB_FAMILY_IPV4;
		proto = ip[IPV4_PROTO_OFF];
		tot = glb_rd_be16(ip + IPV4_TOT_LEN_OFF);
		l3_len = IPV4_MIN_HDR_LEN;
	} else if (type == ETHERTYPE_IPV6) {
		if (ip[0] >> IP_VERSION_SHIFT != IP_VERSION_6)
			return false;
		family = GLB_FAMILY_IPV6;
		proto = ip[IPV6_NEXT_OFF];
		tot = IPV6_HDR_LEN + (size_t)glb_rd_be16(ip + IPV6_PLEN_OFF);
		l3_len = IPV6_HDR_LEN;
	} else {
		return false;
	}
	if (proto == IPPROTO_TCP)
		l4_min = TCP_MIN_HDR_LEN;
	else if (proto == IPPROTO_UDP)
		l4_min = UDP_HDR_LEN;
	else
		return false;
	/* the IP length and the view must hold the L4 header, and the frame the IP length */
	if (tot < l3_len + l4_min || view_len - ETH_HDR_LEN < l3_len + l4_min ||
	    tot > frame_len - ETH_HDR_LEN || tot > UINT16_MAX)
		return false;
	l4 = ip + l3_len;
	memset(flow, 0, sizeof(*flow));
	flow->family = family;
	flow->outer_family = family;
	flow->proto = proto;
	flow->kind = GLB_FLOW_L4;
	flow->sport = glb_rd_be16(l4);
	flow->dport = glb_rd_be16(l4 + L4_DPORT_OFF);
	flow->hint = flow->sport;
	flow->l3_offset = ETH_HDR_LEN;
	flow->l3_len = (uint16_t)tot;
	if (family == GLB_FAMILY_IPV4) {
		memcpy(flow->src, ip + IPV4_SRC_OFF, IPV4_ADDR_LEN);
		memcpy(flow->dst, ip + IPV4_DST_OFF, IPV4_ADDR_LEN);
	} else {
		memcpy(flow->src, ip + IPV6_SRC_OFF, IPV6_ADDR_LEN);
		memcpy(flow->dst, ip + IPV6_DST_OFF, IPV6_ADDR_LEN);
	}
	return true;
}

#endif
