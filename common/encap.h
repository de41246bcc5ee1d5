/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encap (SPEC §6): the outer headers the director puts in front of a
 * received IP packet: Ethernet, IPv4, UDP to the GUE port, GUE with GLB's
 * private data listing the hops after the primary.  Two writers that write
 * the same bytes: glb_encap_write, field by field, the reference; and
 * glb_encap_write_tmpl, from a template of the fields that do not change
 * per packet, inline so that the director's burst loop compiles into one
 * function.
 */
#ifndef GLB_ENCAP_H
#define GLB_ENCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gue.h"
#include "parse.h"
#include "proto.h"
#include "route.h"
#include "table_format.h"
#include "wire.h"

/* What the director puts on the outer headers. */
struct glb_encap_params {
	uint8_t dst_mac[6]; /* outbound_gateway_mac */
	uint8_t src_mac[6]; /* the port's MAC */
	uint8_t src_ip[4];  /* outbound_src_ip, network order */
};

/*
 * Write the outer headers (SPEC §6) into hdr[0..cap) for an inner packet of
 * flow->l3_len bytes that the caller places right after them.  Returns the
 * header length, or 0 if cap is too small or the result would exceed 65535
 * bytes of IP.
 */
size_t glb_encap_write(uint8_t *hdr, size_t cap, const struct glb_encap_params *p,
		       const struct glb_route *route, const struct glb_flow *flow);

/*
 * GUE's base header and GLB's private data with hop_count hops (IPv4,
 * network order) after it, at p (SPEC §6); returns the byte after them.
 * The healthcheck's GUE probe is this with no hop: the backend is the last.
 */
static inline uint8_t *glb_encap_put_gue(uint8_t *p, uint8_t inner_proto, const uint32_t *hops,
					 unsigned hop_count)
{
	unsigned i;

	p = glb_put8(p, (uint8_t)(1 + hop_count)); /* hlen: private word + hops; version 0, C 0 */
	p = glb_put8(p, inner_proto);
	p = glb_put16(p, 0); /* flags */
	p = glb_put16(p, GLB_GUE_PRIVATE_TYPE_GLB);
	p = glb_put8(p, 0); /* next_hop: the first proxy forwards to hops[0] of the list */
	p = glb_put8(p, (uint8_t)hop_count);
	for (i = 0; i < hop_count; i++)
		p = glb_put_bytes(p, &hops[i], sizeof(hops[i]));
	return p;
}

/* Ethernet 14 + IPv4 20 + UDP 8 + GUE 4 + private word 4: the outer headers before the hops. */
#define GLB_ENCAP_BASE_LEN 50

/*
 * The outer headers with every field that does not change per packet laid
 * out, and the IPv4 header's partial checksum over them, so that the data
 * path copies 50 bytes and patches lengths, addresses and the checksum.
 */
struct glb_encap_tmpl {
	uint8_t hdr[GLB_ENCAP_BASE_LEN];
	uint32_t ip_sum;   /* one's complement sum of the IPv4 header, varying fields 0 */
	bool csum_offload; /* the port fills in the IPv4 checksum: write 0 (init: false) */
};

void glb_encap_tmpl_init(struct glb_encap_tmpl *t, const struct glb_encap_params *p);

static inline bool glb_encap_route_valid(const struct glb_route *route)
{
	return route->num_hops >= 1 && route->num_hops <= 1 + GLB_GUE_MAX_HOPS;
}

static inline size_t glb_encap_gue_len(const struct glb_route *route)
{
	return GLB_GUE_FIXED_LEN + sizeof(route->hops[0]) * (route->num_hops - 1);
}

/* Bytes of Ethernet + IPv4 + UDP + GUE + private data + hops for a route (0: no valid route). */
static inline size_t glb_encap_hdr_len(const struct glb_route *route)
{
	if (!glb_encap_route_valid(route))
		return 0;
	return ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN + glb_encap_gue_len(route);
}

/* The per-packet values both writers need. */
struct glb_encap_outer {
	size_t hdr_len, udp_len, ip_len;
	uint16_t sport;
	uint8_t inner_proto;
};

/* Fill o for this packet; false if it cannot be encapsulated into cap bytes. */
static inline bool glb_encap_prepare(size_t cap, const struct glb_route *route,
				     const struct glb_flow *flow, struct glb_encap_outer *o)
{
	o->hdr_len = glb_encap_hdr_len(route);
	o->sport = (uint16_t)(UDP_SPORT_BASE | ((route->hash ^ flow->hint) & UDP_SPORT_MASK));
	if (flow->outer_family == GLB_FAMILY_IPV4)
		o->inner_proto = GLB_GUE_PROTO_IPV4;
	else if (flow->outer_family == GLB_FAMILY_IPV6)
		o->inner_proto = GLB_GUE_PROTO_IPV6;
	else
		return false;
	if (!o->hdr_len || cap < o->hdr_len)
		return false;
	o->udp_len = UDP_HDR_LEN + glb_encap_gue_len(route) + flow->l3_len;
	o->ip_len = IPV4_HDR_LEN + o->udp_len;
	return o->ip_len <= IP_TOT_LEN_MAX;
}

/* glb_encap_write from a template: the same bytes, the same return value. */
static inline size_t glb_encap_write_tmpl(uint8_t *hdr, size_t cap, const struct glb_encap_tmpl *t,
					  const struct glb_route *route,
					  const struct glb_flow *flow)
{
	uint8_t *dst = hdr + IP_DST_OFF;
	struct glb_encap_outer o;
	uint32_t sum;
	unsigned i;

	if (!glb_encap_prepare(cap, route, flow, &o))
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
	/* each hop after the primary is one GUE word after the private word */
	for (i = 1; i < route->num_hops; i++)
		memcpy(hdr + GLB_ENCAP_BASE_LEN + GLB_GUE_HLEN_UNIT * (i - 1), &route->hops[i],
		       sizeof(route->hops[i]));
	return o.hdr_len;
}

#endif
