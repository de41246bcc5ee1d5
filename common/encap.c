/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reference writer of the outer headers (SPEC §6), and the template the
 * data path writes from.  Written byte by byte in network order, so the
 * layout does not depend on struct packing or host order.
 */
#include "encap.h"

#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "proto.h"
#include "wire.h"

static uint8_t *put_ipv4(uint8_t *p, const struct glb_encap_params *params,
			 const struct glb_route *route, size_t tot_len)
{
	uint8_t *ip = p;

	p = glb_put8(p, IPV4_VERSION_IHL);
	p = glb_put8(p, 0); /* TOS */
	p = glb_put16(p, (uint16_t)tot_len);
	p = glb_put16(p, 0); /* id: unused, DF is set */
	p = glb_put16(p, IPV4_FLAG_DF);
	p = glb_put8(p, IPV4_TTL);
	p = glb_put8(p, IPPROTO_UDP);
	p = glb_put16(p, 0); /* checksum, filled in below */
	p = glb_put_bytes(p, params->src_ip, sizeof(params->src_ip));
	p = glb_put_bytes(p, &route->hops[0], sizeof(route->hops[0]));
	glb_put16(ip + IPV4_CSUM_OFF, glb_csum_compute(ip, IPV4_HDR_LEN));
	return p;
}

/* GUE header, GLB private data and the hops after the primary, secondary first. */
size_t glb_encap_write(uint8_t *hdr, size_t cap, const struct glb_encap_params *params,
		       const struct glb_route *route, const struct glb_flow *flow)
{
	struct glb_encap_outer o;
	uint8_t *p = hdr;

	if (!glb_encap_prepare(cap, route, flow, &o))
		return 0;

	p = glb_put_bytes(p, params->dst_mac, ETH_ALEN);
	p = glb_put_bytes(p, params->src_mac, ETH_ALEN);
	p = glb_put16(p, ETHERTYPE_IPV4);
	p = put_ipv4(p, params, route, o.ip_len);
	p = glb_put16(p, o.sport);
	p = glb_put16(p, GLB_GUE_PORT);
	p = glb_put16(p, (uint16_t)o.udp_len);
	p = glb_put16(p, 0); /* UDP checksum 0: the inner packet carries its own */
	/* the primary is the outer destination; the rest are the hop list */
	glb_encap_put_gue(p, o.inner_proto, &route->hops[1], route->num_hops - 1);
	return o.hdr_len;
}

_Static_assert(GLB_ENCAP_BASE_LEN == GUE_OFF + GLB_GUE_FIXED_LEN, "template ends at the hops");

static uint32_t sum16(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return sum;
}

void glb_encap_tmpl_init(struct glb_encap_tmpl *t, const struct glb_encap_params *params)
{
	struct glb_route route = { .num_hops = 1 };
	struct glb_flow flow = { .outer_family = GLB_FAMILY_IPV4 };
	uint8_t *ip = t->hdr + IP_OFF;

	/* the reference writer lays out every constant field; the rest is zeroed */
	glb_encap_write(t->hdr, sizeof(t->hdr), params, &route, &flow);
	glb_put16(t->hdr + IP_TOT_LEN_OFF, 0);
	glb_put16(t->hdr + IP_CSUM_OFF, 0);
	memset(t->hdr + IP_DST_OFF, 0, sizeof(route.hops[0]));
	glb_put16(t->hdr + UDP_OFF, 0);
	glb_put16(t->hdr + UDP_LEN_OFF, 0);
	t->ip_sum = sum16(ip, IPV4_HDR_LEN);
	t->csum_offload = false;
}
