/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outer headers the director puts in front of a received IP packet
 * (SPEC §6): Ethernet, IPv4, UDP to the GUE port, GUE with GLB's private
 * data listing the hops after the primary.  Written byte by byte in network
 * order, so the layout does not depend on struct packing or host order.
 */
#include "packet.h"

#include <netinet/in.h>
#include <string.h>

#define ETH_ALEN 6
#define ETH_HDR_LEN 14
#define ETHERTYPE_IPV4 0x0800
#define IPV4_HDR_LEN 20
#define IPV4_VERSION_IHL 0x45 /* version 4, no options: 5 words */
#define IPV4_FLAG_DF 0x4000   /* the proxies' path MTU is known; never fragment the outer packet */
#define IPV4_TTL 64           /* the usual Linux default; the proxies are a few hops away */
#define IPV4_CSUM_OFF 10
#define UDP_HDR_LEN 8
/* Top bit set keeps the source port out of the well-known range; the rest spreads flows. */
#define UDP_SPORT_BASE 0x8000
#define UDP_SPORT_MASK 0x7fff
#define IP_TOT_LEN_MAX 65535

/* A fixed-size writer: each put_* advances p. */
static uint8_t *put8(uint8_t *p, uint8_t v)
{
	*p = v;
	return p + 1;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static bool route_valid(const struct glb_route *route)
{
	return route->num_hops >= 1 && route->num_hops <= 1 + GLB_GUE_MAX_HOPS;
}

static size_t gue_len(const struct glb_route *route)
{
	return GLB_GUE_FIXED_LEN + sizeof(route->hops[0]) * (route->num_hops - 1);
}

size_t glb_encap_hdr_len(const struct glb_route *route)
{
	if (!route_valid(route))
		return 0;
	return ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN + gue_len(route);
}

/*
 * The sum runs over big-endian 16-bit words, so the result is a number to be
 * stored big-endian; over a header whose checksum is right it is 0.
 */
uint16_t glb_ipv4_hdr_csum(const uint8_t *hdr, size_t hdr_len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < hdr_len; i += 2)
		sum += (uint32_t)(hdr[i] << 8 | hdr[i + 1]);
	if (hdr_len & 1)
		sum += (uint32_t)hdr[hdr_len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint8_t *put_ipv4(uint8_t *p, const struct glb_encap_params *params,
			 const struct glb_route *route, size_t tot_len)
{
	uint8_t *ip = p;

	p = put8(p, IPV4_VERSION_IHL);
	p = put8(p, 0);                  /* TOS */
	p = put16(p, (uint16_t)tot_len);
	p = put16(p, 0);                 /* id: unused, DF is set */
	p = put16(p, IPV4_FLAG_DF);
	p = put8(p, IPV4_TTL);
	p = put8(p, IPPROTO_UDP);
	p = put16(p, 0);                 /* checksum, filled in below */
	p = put_bytes(p, params->src_ip, sizeof(params->src_ip));
	p = put_bytes(p, &route->hops[0], sizeof(route->hops[0]));
	put16(ip + IPV4_CSUM_OFF, glb_ipv4_hdr_csum(ip, IPV4_HDR_LEN));
	return p;
}

/* GUE header, GLB private data and the hops after the primary, secondary first. */
static uint8_t *put_gue(uint8_t *p, const struct glb_route *route, uint8_t inner_proto)
{
	uint8_t hop_count = (uint8_t)(route->num_hops - 1);
	unsigned i;

	p = put8(p, (uint8_t)(1 + hop_count)); /* hlen: private word + hops; version 0, C 0 */
	p = put8(p, inner_proto);
	p = put16(p, 0); /* flags */
	p = put16(p, GLB_GUE_PRIVATE_TYPE_GLB);
	p = put8(p, 0); /* next_hop: the first proxy forwards to hops[0] of the list */
	p = put8(p, hop_count);
	for (i = 1; i < route->num_hops; i++)
		p = put_bytes(p, &route->hops[i], sizeof(route->hops[i]));
	return p;
}

size_t glb_encap_write(uint8_t *hdr, size_t cap, const struct glb_encap_params *params,
		       const struct glb_route *route, const struct glb_flow *flow)
{
	size_t len = glb_encap_hdr_len(route), udp_len, ip_len;
	uint16_t sport = (uint16_t)(UDP_SPORT_BASE | ((route->hash ^ flow->hint) & UDP_SPORT_MASK));
	uint8_t inner_proto;
	uint8_t *p = hdr;

	if (flow->outer_family == GLB_FAMILY_IPV4)
		inner_proto = GLB_GUE_PROTO_IPV4;
	else if (flow->outer_family == GLB_FAMILY_IPV6)
		inner_proto = GLB_GUE_PROTO_IPV6;
	else
		return 0;
	if (!len || cap < len)
		return 0;
	udp_len = UDP_HDR_LEN + gue_len(route) + flow->l3_len;
	ip_len = IPV4_HDR_LEN + udp_len;
	if (ip_len > IP_TOT_LEN_MAX)
		return 0;

	p = put_bytes(p, params->dst_mac, ETH_ALEN);
	p = put_bytes(p, params->src_mac, ETH_ALEN);
	p = put16(p, ETHERTYPE_IPV4);
	p = put_ipv4(p, params, route, ip_len);
	p = put16(p, sport);
	p = put16(p, GLB_GUE_PORT);
	p = put16(p, (uint16_t)udp_len);
	p = put16(p, 0); /* UDP checksum 0: the inner packet carries its own */
	put_gue(p, route, inner_proto);
	return len;
}
