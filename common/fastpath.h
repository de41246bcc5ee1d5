/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path's common case, inline, so that the director's burst loop
 * compiles into one function: the simple parse, the route from a row and
 * the outer headers from a template.  The exported functions of packet.c,
 * classify.c and encap.c (glb_packet_parse_simple, glb_route_hashed,
 * glb_encap_hdr_len, glb_encap_write_tmpl) are these, so the unit tests and
 * fuzzers that check those against the general code check these.
 *
 * Include it from .c files only: it brings in the unprefixed wire
 * constants of proto.h.
 */
#ifndef GLB_FASTPATH_H
#define GLB_FASTPATH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "packet.h"
#include "proto.h"
#include "wire.h"

static inline bool glb_fp_parse(const uint8_t *view, size_t view_len, size_t frame_len,
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

/* The backend's IPv4 address (network order), or false if idx names none. */
static inline bool glb_fp_backend_ipv4(const struct glb_fmt_table *t, uint32_t idx, uint32_t *addr)
{
	const struct glb_fmt_backend *b;

	/* GLB_FMT_NO_BACKEND is caught here too: it is never below num_backends */
	if (idx >= t->num_backends || idx >= GLB_FMT_MAX_BACKENDS)
		return false;
	b = &t->backends[idx];
	if (b->family != GLB_FAMILY_IPV4)
		return false;
	memcpy(addr, b->addr, IPV4_ADDR_LEN);
	return true;
}

/* Primary and secondary of the row the hash selects, into hops[0..1]. */
static inline bool glb_fp_row_hops(const struct glb_fmt_table *t, uint64_t hash, uint32_t hops[2])
{
	const struct glb_fmt_row *r = &t->rows[hash & GLB_FMT_ROW_MASK];

	return glb_fp_backend_ipv4(t, r->primary, &hops[0]) && glb_fp_backend_ipv4(t, r->secondary, &hops[1]);
}

static inline enum glb_verdict glb_fp_route(const struct glb_fmt_table *t, const uint64_t hash[2],
					    bool alt, struct glb_route *route)
{
	const struct glb_fmt_row *r;

	route->hash = hash[0];
	route->row = (uint32_t)(route->hash & GLB_FMT_ROW_MASK);
	r = &t->rows[route->row];
	route->primary_idx = r->primary;
	route->secondary_idx = r->secondary;
	route->num_hops = 0;
	if (!glb_fp_row_hops(t, route->hash, &route->hops[0]))
		return GLB_DROP_NO_BACKEND;
	route->num_hops = 2;
	if (alt) {
		if (!glb_fp_row_hops(t, hash[1], &route->hops[2]))
			return GLB_DROP_NO_BACKEND;
		route->num_hops = 4;
	}
	return GLB_OK;
}

static inline bool glb_fp_route_valid(const struct glb_route *route)
{
	return route->num_hops >= 1 && route->num_hops <= 1 + GLB_GUE_MAX_HOPS;
}

static inline size_t glb_fp_gue_len(const struct glb_route *route)
{
	return GLB_GUE_FIXED_LEN + sizeof(route->hops[0]) * (route->num_hops - 1);
}

static inline size_t glb_fp_hdr_len(const struct glb_route *route)
{
	if (!glb_fp_route_valid(route))
		return 0;
	return ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN + glb_fp_gue_len(route);
}

/* The per-packet values both writers need; false if the packet cannot be encapsulated. */
struct glb_fp_outer {
	size_t hdr_len, udp_len, ip_len;
	uint16_t sport;
	uint8_t inner_proto;
};

static inline bool glb_fp_outer(size_t cap, const struct glb_route *route,
				const struct glb_flow *flow, struct glb_fp_outer *o)
{
	o->hdr_len = glb_fp_hdr_len(route);
	o->sport = (uint16_t)(UDP_SPORT_BASE | ((route->hash ^ flow->hint) & UDP_SPORT_MASK));
	if (flow->outer_family == GLB_FAMILY_IPV4)
		o->inner_proto = GLB_GUE_PROTO_IPV4;
	else if (flow->outer_family == GLB_FAMILY_IPV6)
		o->inner_proto = GLB_GUE_PROTO_IPV6;
	else
		return false;
	if (!o->hdr_len || cap < o->hdr_len)
		return false;
	o->udp_len = UDP_HDR_LEN + glb_fp_gue_len(route) + flow->l3_len;
	o->ip_len = IPV4_HDR_LEN + o->udp_len;
	return o->ip_len <= IP_TOT_LEN_MAX;
}

static inline size_t glb_fp_encap(uint8_t *hdr, size_t cap, const struct glb_encap_tmpl *t,
				  const struct glb_route *route, const struct glb_flow *flow)
{
	uint8_t *dst = hdr + IP_DST_OFF;
	struct glb_fp_outer o;
	uint32_t sum;
	unsigned i;

	if (!glb_fp_outer(cap, route, flow, &o))
		return 0;
	memcpy(hdr, t->hdr, GLB_ENCAP_BASE_LEN);
	glb_put16(hdr + IP_TOT_LEN_OFF, (uint16_t)o.ip_len);
	memcpy(dst, &route->hops[0], sizeof(route->hops[0]));
	if (t->csum_offload) {
		glb_put16(hdr + IP_CSUM_OFF, 0);
	} else {
		/* the template's sum plus the two fields that vary, folded twice: 17 bits after one */
		sum = t->ip_sum + (uint32_t)o.ip_len + (uint32_t)(dst[0] << 8 | dst[1]) +
		      (uint32_t)(dst[2] << 8 | dst[3]);
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		glb_put16(hdr + IP_CSUM_OFF, (uint16_t)~sum);
	}
	glb_put16(hdr + UDP_OFF, o.sport);
	glb_put16(hdr + UDP_LEN_OFF, (uint16_t)o.udp_len);
	hdr[GUE_OFF] = (uint8_t)route->num_hops; /* hlen = private word + (num_hops - 1) hops */
	hdr[GUE_OFF + 1] = o.inner_proto;
	hdr[GUE_HOP_COUNT_OFF] = (uint8_t)(route->num_hops - 1);
	for (i = 1; i < route->num_hops; i++)
		memcpy(hdr + GLB_ENCAP_BASE_LEN + 4 * (i - 1), &route->hops[i],
		       sizeof(route->hops[i]));
	return o.hdr_len;
}

#endif
