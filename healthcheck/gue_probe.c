/* SPDX-License-Identifier: BSD-3-Clause */
#include "gue_probe.h"

#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "encap.h"
#include "gue.h"
#include "proto.h"
#include "wire.h"

/* Probes carry DF (proto.h's IPV4_FLAG_DF): a fragment would hide a path MTU problem. */

_Static_assert(sizeof(GLB_HC_PROBE_PAYLOAD) == GLB_HC_PROBE_PAYLOAD_LEN,
	       "the payload length includes the string's NUL");
_Static_assert(GLB_HC_PROBE_MAX_LEN == GLB_GUE_FIXED_LEN + IPV4_MIN_HDR_LEN + ICMP_HDR_LEN +
					       GLB_HC_PROBE_PAYLOAD_LEN,
	       "the largest probe is the GUE form");

/* pkt[off..off+need) when it lies inside the packet, else NULL. */
static const uint8_t *view(const uint8_t *pkt, size_t len, size_t off, size_t need)
{
	if (off > len || need > len - off)
		return NULL;
	return pkt + off;
}

/* GUE with GLB's private data and no hop (the backend is the last stop), or plain FOU-style GUE. */
static uint8_t *put_gue(uint8_t *p, enum glb_hc_encap encap)
{
	if (encap == GLB_HC_ENCAP_GUE)
		return glb_encap_put_gue(p, GLB_GUE_PROTO_IPV4, NULL, 0);
	/* Version 0, C 0, hlen 0: no optional fields; flags 0. */
	p = glb_put8(p, 0);
	p = glb_put8(p, GLB_GUE_PROTO_IPV4);
	return glb_put16(p, 0);
}

size_t glb_hc_gue_probe_build(uint8_t *buf, size_t cap, enum glb_hc_encap encap,
			      const uint8_t src[4], const uint8_t dst[4], uint16_t echo_id,
			      uint16_t echo_seq)
{
	size_t gue_len = encap == GLB_HC_ENCAP_GUE ? GLB_GUE_FIXED_LEN : sizeof(struct glb_gue_hdr);
	size_t icmp_len = ICMP_HDR_LEN + GLB_HC_PROBE_PAYLOAD_LEN;
	size_t ip_len = IPV4_MIN_HDR_LEN + icmp_len;
	uint8_t *p = buf, *ip, *icmp;

	if (cap < gue_len + ip_len)
		return 0;
	p = put_gue(p, encap);
	ip = p;
	p = glb_put8(p, IP_VERSION_4 << IP_VERSION_SHIFT | IPV4_MIN_HDR_LEN / IPV4_IHL_UNIT);
	p = glb_put8(p, 0); /* TOS */
	p = glb_put16(p, (uint16_t)ip_len);
	p = glb_put16(p, 0); /* id: DF is set */
	p = glb_put16(p, IPV4_FLAG_DF);
	p = glb_put8(p, IPV4_TTL);
	p = glb_put8(p, IPPROTO_ICMP);
	p = glb_put16(p, 0); /* checksum, below */
	p = glb_put_bytes(p, src, 4);
	p = glb_put_bytes(p, dst, 4);
	glb_put16(ip + IPV4_CSUM_OFF, glb_csum_compute(ip, IPV4_MIN_HDR_LEN));
	icmp = p;
	p = glb_put8(p, ICMP_TYPE_ECHO_REQUEST);
	p = glb_put8(p, 0);  /* code */
	p = glb_put16(p, 0); /* checksum, below */
	p = glb_put16(p, echo_id);
	p = glb_put16(p, echo_seq);
	p = glb_put_bytes(p, GLB_HC_PROBE_PAYLOAD, GLB_HC_PROBE_PAYLOAD_LEN);
	/* The Internet checksum of the ICMP message is the same sum as the IPv4 header's. */
	glb_put16(icmp + ICMP_CSUM_OFF, glb_csum_compute(icmp, icmp_len));
	return (size_t)(p - buf);
}

/* The IPv4 header at pkt[off]: its length, or 0 when it is not a whole IPv4 header. */
static size_t ipv4_hdr_len(const uint8_t *pkt, size_t len, size_t off)
{
	const uint8_t *ip = view(pkt, len, off, IPV4_MIN_HDR_LEN);
	size_t ihl;

	/* Shorter than a minimal header, or not IPv4 at all. */
	if (!ip || ip[0] >> IP_VERSION_SHIFT != IP_VERSION_4)
		return 0;
	ihl = (size_t)(ip[0] & IPV4_IHL_MASK) * IPV4_IHL_UNIT;
	/* An IHL below 5 words, or options running past the data, is a lie. */
	if (ihl < IPV4_MIN_HDR_LEN || !view(pkt, len, off, ihl))
		return 0;
	return ihl;
}

/* The probe quoted in a destination unreachable, from its outer IPv4 header at off. */
static enum glb_hc_icmp_kind parse_quoted(const uint8_t *pkt, size_t len, size_t off,
					  uint16_t echo_id, struct glb_hc_icmp_info *info)
{
	size_t ihl = ipv4_hdr_len(pkt, len, off), inner_ihl;
	const uint8_t *ip = pkt + off, *udp, *gue, *icmp;
	size_t gue_len;

	if (!ihl || ip[IPV4_PROTO_OFF] != IPPROTO_UDP)
		return GLB_HC_ICMP_IGNORE;
	udp = view(pkt, len, off + ihl, UDP_HDR_LEN);
	gue = view(pkt, len, off + ihl + UDP_HDR_LEN, sizeof(struct glb_gue_hdr));
	if (!udp || !gue || (gue[0] & ~GLB_GUE_HLEN_MASK) != 0 || gue[1] != GLB_GUE_PROTO_IPV4)
		return GLB_HC_ICMP_IGNORE; /* a quote too short to hold our GUE header, or not ours */
	gue_len = sizeof(struct glb_gue_hdr) +
		  (size_t)(gue[0] & GLB_GUE_HLEN_MASK) * GLB_GUE_HLEN_UNIT;
	off += ihl + UDP_HDR_LEN + gue_len;
	inner_ihl = ipv4_hdr_len(pkt, len, off);
	if (!inner_ihl || pkt[off + IPV4_PROTO_OFF] != IPPROTO_ICMP)
		return GLB_HC_ICMP_IGNORE;
	/* The quote must reach the inner echo's id and sequence (Linux quotes 548 bytes). */
	icmp = view(pkt, len, off + inner_ihl, ICMP_HDR_LEN);
	if (!icmp || icmp[0] != ICMP_TYPE_ECHO_REQUEST ||
	    glb_rd_be16(icmp + ICMP_ECHO_ID_OFF) != echo_id)
		return GLB_HC_ICMP_IGNORE;
	memcpy(info->addr, ip + IPV4_DST_OFF, 4);
	info->port = glb_rd_be16(udp + L4_DPORT_OFF);
	info->seq = glb_rd_be16(icmp + ICMP_ECHO_SEQ_OFF);
	return GLB_HC_ICMP_UNREACH;
}

enum glb_hc_icmp_kind glb_hc_gue_probe_parse(const uint8_t *pkt, size_t len, uint16_t echo_id,
					     struct glb_hc_icmp_info *info)
{
	size_t ihl = ipv4_hdr_len(pkt, len, 0);
	const uint8_t *icmp;

	memset(info, 0, sizeof(*info));
	if (!ihl || pkt[IPV4_PROTO_OFF] != IPPROTO_ICMP)
		return GLB_HC_ICMP_IGNORE;
	icmp = view(pkt, len, ihl, ICMP_HDR_LEN);
	if (!icmp) /* an ICMP message cut short of its 8-byte header */
		return GLB_HC_ICMP_IGNORE;
	if (icmp[0] == ICMP_TYPE_UNREACH) {
		info->code = icmp[1];
		return parse_quoted(pkt, len, ihl + ICMP_HDR_LEN, echo_id, info);
	}
	if (icmp[0] != ICMP_TYPE_ECHO_REPLY || icmp[1] != 0 ||
	    glb_rd_be16(icmp + ICMP_ECHO_ID_OFF) != echo_id)
		return GLB_HC_ICMP_IGNORE;
	memcpy(info->addr, pkt + IPV4_SRC_OFF, 4);
	info->seq = glb_rd_be16(icmp + ICMP_ECHO_SEQ_OFF);
	return GLB_HC_ICMP_ECHO_REPLY;
}
