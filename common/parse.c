/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing a received frame into a flow (SPEC §5).  Every header read goes
 * through pkt_ptr(), which refuses any range outside the cursor; the cursor
 * over the IP packet ends at the IP total length, so Ethernet padding is
 * never mistaken for headers.
 */
#include "parse.h"

#include <netinet/in.h>
#include <string.h>

#include "proto.h"

struct cursor {
	const uint8_t *data;
	size_t len;
};

/* What the IP layer tells us, for the received packet or a quoted one. */
struct ip_info {
	uint8_t family;
	uint8_t proto;       /* L4 protocol (for a later fragment: the fragment's next header) */
	bool later_fragment; /* fragment offset > 0: no L4 header in this packet */
	const uint8_t *src, *dst;
	size_t l4_off;      /* L4 header offset from the start of the IP header */
	uint16_t echo_hint; /* IPv4 id, or the low 16 bits of the IPv6 flow label */
};

/* The one way to read packet bytes: NULL unless [off, off + len) lies inside c. */
static const void *pkt_ptr(const struct cursor *c, size_t off, size_t len)
{
	if (off > c->len || len > c->len - off)
		return NULL;
	return c->data + off;
}

/* The bytes of c from off on, or false if off is past the end. */
static bool sub_cursor(const struct cursor *c, size_t off, struct cursor *sub)
{
	const uint8_t *p = pkt_ptr(c, off, 0);

	if (!p)
		return false;
	sub->data = p;
	sub->len = c->len - off;
	return true;
}

/* Fixed IPv4 header and options; the caller decides how to treat total length. */
static enum glb_verdict ipv4_header(const struct cursor *c, struct ip_info *ip)
{
	const uint8_t *h = pkt_ptr(c, 0, IPV4_MIN_HDR_LEN);
	size_t hlen;

	/* a header cut short before its addresses, or not IPv4 at all */
	if (!h || h[0] >> IP_VERSION_SHIFT != IP_VERSION_4)
		return GLB_DROP_MALFORMED;
	hlen = (size_t)(h[0] & IPV4_IHL_MASK) * IPV4_IHL_UNIT;
	/* IHL below 5 claims a header smaller than its own fixed part */
	if (hlen < IPV4_MIN_HDR_LEN)
		return GLB_DROP_MALFORMED;
	/* IHL claims options that were not received */
	if (!pkt_ptr(c, 0, hlen))
		return GLB_DROP_MALFORMED;
	ip->family = GLB_FAMILY_IPV4;
	ip->proto = h[IPV4_PROTO_OFF];
	ip->later_fragment = (glb_rd_be16(h + IPV4_FRAG_OFF) & IPV4_FRAG_OFFSET_MASK) != 0;
	ip->src = h + IPV4_SRC_OFF;
	ip->dst = h + IPV4_DST_OFF;
	ip->l4_off = hlen;
	ip->echo_hint = glb_rd_be16(h + IPV4_ID_OFF);
	return GLB_OK;
}

/* One hop-by-hop, routing or destination options header: its length, or 0. */
static size_t ipv6_opt_hdr_len(const struct cursor *c, size_t off, uint8_t *next)
{
	const uint8_t *h = pkt_ptr(c, off, IPV6_EXT_UNIT);
	size_t len;

	/* an extension header shorter than its minimum 8 bytes */
	if (!h)
		return 0;
	len = ((size_t)h[IPV6_EXT_LEN_OFF] + 1) * IPV6_EXT_UNIT;
	/* the length byte claims option bytes that were not received */
	if (!pkt_ptr(c, off, len))
		return 0;
	*next = h[0];
	return len;
}

/*
 * Walk the extension headers after the fixed IPv6 header up to the L4
 * header, or to a fragment header with a non-zero offset (nothing after it
 * is a header).  Each step consumes at least 8 bytes, so the walk ends.
 */
static enum glb_verdict ipv6_walk(const struct cursor *c, uint8_t next, struct ip_info *ip)
{
	size_t off = IPV6_HDR_LEN, len;
	const uint8_t *h;

	for (;;) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			len = ipv6_opt_hdr_len(c, off, &next);
			if (!len)
				return GLB_DROP_MALFORMED;
			off += len;
			break;
		case IPPROTO_FRAGMENT:
			h = pkt_ptr(c, off, IPV6_FRAG_HDR_LEN);
			/* a fragment header cut short */
			if (!h)
				return GLB_DROP_MALFORMED;
			next = h[0];
			off += IPV6_FRAG_HDR_LEN;
			if (glb_rd_be16(h + IPV6_FRAG_OFFLG_OFF) & IPV6_FRAG_OFFSET_MASK) {
				ip->later_fragment = true;
				ip->proto = next;
				ip->l4_off = off;
				return GLB_OK;
			}
			break;
		default:
			ip->proto = next;
			ip->l4_off = off;
			return GLB_OK;
		}
	}
}

static enum glb_verdict ipv6_header(const struct cursor *c, struct ip_info *ip)
{
	const uint8_t *h = pkt_ptr(c, 0, IPV6_HDR_LEN);

	/* a header cut short before its addresses, or not IPv6 at all */
	if (!h || h[0] >> IP_VERSION_SHIFT != IP_VERSION_6)
		return GLB_DROP_MALFORMED;
	ip->family = GLB_FAMILY_IPV6;
	ip->later_fragment = false;
	ip->src = h + IPV6_SRC_OFF;
	ip->dst = h + IPV6_DST_OFF;
	ip->echo_hint = glb_rd_be16(h + IPV6_FLOW_LABEL_LO_OFF);
	return ipv6_walk(c, h[IPV6_NEXT_OFF], ip);
}

static enum glb_verdict ip_header(const struct cursor *c, uint8_t family, struct ip_info *ip)
{
	return family == GLB_FAMILY_IPV4 ? ipv4_header(c, ip) : ipv6_header(c, ip);
}

static size_t family_addr_len(uint8_t family)
{
	return family == GLB_FAMILY_IPV4 ? IPV4_ADDR_LEN : IPV6_ADDR_LEN;
}

static void flow_set_addrs(struct glb_flow *flow, uint8_t family, const uint8_t *src,
			   const uint8_t *dst)
{
	size_t n = family_addr_len(family);

	flow->family = family;
	memset(flow->src, 0, sizeof(flow->src));
	memset(flow->dst, 0, sizeof(flow->dst));
	memcpy(flow->src, src, n);
	memcpy(flow->dst, dst, n);
}

/* A TCP or UDP packet (or the first fragment of one): the ports are real. */
static enum glb_verdict parse_l4(const struct cursor *l3, const struct ip_info *ip,
				 struct glb_flow *flow)
{
	size_t hdr_len = ip->proto == IPPROTO_TCP ? TCP_MIN_HDR_LEN : UDP_HDR_LEN;
	const uint8_t *h = pkt_ptr(l3, ip->l4_off, hdr_len);

	/* the IP length leaves no room for the L4 header (or a tiny first fragment) */
	if (!h)
		return GLB_DROP_MALFORMED;
	flow->kind = GLB_FLOW_L4;
	flow->proto = ip->proto;
	flow->sport = glb_rd_be16(h);
	flow->dport = glb_rd_be16(h + L4_DPORT_OFF);
	flow->hint = flow->sport;
	flow_set_addrs(flow, ip->family, ip->src, ip->dst);
	return GLB_OK;
}

/*
 * The packet a proxy sent, quoted in an ICMP error: reverse it so that it
 * reads as the client's flow, which is what the proxy's connection hashed as.
 */
static enum glb_verdict parse_quoted(const struct cursor *quote, uint8_t family,
				     struct glb_flow *flow)
{
	struct ip_info in = { 0 };
	enum glb_verdict v = ip_header(quote, family, &in);
	const uint8_t *ports;

	if (v != GLB_OK)
		return v;
	/* a quoted later fragment has no ports to route by */
	if (in.later_fragment || (in.proto != IPPROTO_TCP && in.proto != IPPROTO_UDP))
		return GLB_DROP_UNSUPPORTED;
	ports = pkt_ptr(quote, in.l4_off, L4_PORTS_LEN);
	/* the quote stops before the ports it must carry */
	if (!ports)
		return GLB_DROP_MALFORMED;
	flow->kind = GLB_FLOW_ICMP_ERROR;
	flow->proto = in.proto;
	flow->sport = glb_rd_be16(ports + L4_DPORT_OFF);
	flow->dport = glb_rd_be16(ports);
	flow->hint = flow->sport;
	flow_set_addrs(flow, family, in.dst, in.src);
	return GLB_OK;
}

static bool icmp_is_error(uint8_t family, uint8_t type, uint8_t code)
{
	if (family == GLB_FAMILY_IPV4)
		return type == ICMP_TYPE_UNREACH && code == ICMP_CODE_FRAG_NEEDED;
	return type == ICMPV6_TYPE_PACKET_TOO_BIG;
}

static bool icmp_is_echo(uint8_t family, uint8_t type)
{
	return type ==
	       (family == GLB_FAMILY_IPV4 ? ICMP_TYPE_ECHO_REQUEST : ICMPV6_TYPE_ECHO_REQUEST);
}

/* ICMP or ICMPv6, already matched to the IP version carrying it. */
static enum glb_verdict parse_icmp(const struct cursor *l3, const struct ip_info *ip,
				   struct glb_flow *flow)
{
	const uint8_t *h = pkt_ptr(l3, ip->l4_off, ICMP_HDR_LEN);
	struct cursor quote;

	/* the IP length leaves no room for the ICMP header */
	if (!h)
		return GLB_DROP_MALFORMED;
	if (icmp_is_error(ip->family, h[0], h[1])) {
		/* unreachable after the check above; kept so the quote never starts past the end */
		if (!sub_cursor(l3, ip->l4_off + ICMP_HDR_LEN, &quote))
			return GLB_DROP_MALFORMED;
		return parse_quoted(&quote, ip->family, flow);
	}
	if (!icmp_is_echo(ip->family, h[0]))
		return GLB_DROP_UNSUPPORTED;
	flow->kind = GLB_FLOW_ECHO;
	flow->proto = ip->proto;
	flow->sport = 0;
	flow->dport = 0;
	flow->hint = ip->echo_hint;
	flow_set_addrs(flow, ip->family, ip->src, ip->dst);
	return GLB_OK;
}

/* Later fragments carry no ports: SPEC §5 decides in classify whether they can be placed. */
static enum glb_verdict parse_fragment(const struct ip_info *ip, struct glb_flow *flow)
{
	switch (ip->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		break;
	default:
		return GLB_DROP_UNSUPPORTED;
	}
	flow->kind = GLB_FLOW_FRAGMENT;
	flow->proto = ip->proto;
	flow->sport = 0;
	flow->dport = 0;
	flow->hint = 0;
	flow_set_addrs(flow, ip->family, ip->src, ip->dst);
	return GLB_OK;
}

static enum glb_verdict parse_transport(const struct cursor *l3, const struct ip_info *ip,
					struct glb_flow *flow)
{
	uint8_t icmp_proto = ip->family == GLB_FAMILY_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	if (ip->later_fragment)
		return parse_fragment(ip, flow);
	if (ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_UDP)
		return parse_l4(l3, ip, flow);
	if (ip->proto == icmp_proto)
		return parse_icmp(l3, ip, flow);
	return GLB_DROP_UNSUPPORTED;
}

/*
 * The received IP packet's own length claim, checked against the frame's
 * real length (ip_avail bytes from the IP header on, which may be more than
 * the view holds): *tot is the packet's length, and the cursor l3 covers the
 * part of it inside the view, never Ethernet padding.
 */
static enum glb_verdict ip_bound(const struct cursor *rest, size_t ip_avail, uint8_t family,
				 struct cursor *l3, size_t *tot_out)
{
	const uint8_t *h;
	size_t tot;

	if (family == GLB_FAMILY_IPV4) {
		h = pkt_ptr(rest, 0, IPV4_MIN_HDR_LEN);
		/* a header cut short before its total length */
		if (!h)
			return GLB_DROP_MALFORMED;
		tot = glb_rd_be16(h + IPV4_TOT_LEN_OFF);
		/* a total length shorter than the header it must include */
		if (tot < (size_t)(h[0] & IPV4_IHL_MASK) * IPV4_IHL_UNIT)
			return GLB_DROP_MALFORMED;
	} else {
		h = pkt_ptr(rest, 0, IPV6_HDR_LEN);
		/* a header cut short before its payload length */
		if (!h)
			return GLB_DROP_MALFORMED;
		tot = IPV6_HDR_LEN + (size_t)glb_rd_be16(h + IPV6_PLEN_OFF);
		/* too long to fit the outer IPv4 packet, or a jumbogram we cannot carry */
		if (tot > UINT16_MAX)
			return GLB_DROP_UNSUPPORTED;
	}
	/* a length claiming bytes the frame does not have */
	if (tot > ip_avail)
		return GLB_DROP_MALFORMED;
	l3->data = rest->data;
	l3->len = tot < rest->len ? tot : rest->len;
	*tot_out = tot;
	return GLB_OK;
}

/* Ethernet and at most one 802.1Q tag: the IP family and where its header starts. */
static enum glb_verdict parse_ether(const struct cursor *c, uint8_t *family, size_t *l3_off)
{
	const uint8_t *h = pkt_ptr(c, ETH_ADDRS_LEN, ETHERTYPE_LEN);
	size_t off = ETH_HDR_LEN;
	uint16_t type;

	/* a frame shorter than an Ethernet header */
	if (!h)
		return GLB_DROP_MALFORMED;
	type = glb_rd_be16(h);
	if (type == ETHERTYPE_8021Q) {
		h = pkt_ptr(c, off + VLAN_TCI_LEN, ETHERTYPE_LEN);
		/* a VLAN tag cut short before the inner EtherType */
		if (!h)
			return GLB_DROP_MALFORMED;
		type = glb_rd_be16(h);
		off += VLAN_TAG_LEN;
	}
	if (type == ETHERTYPE_IPV4)
		*family = GLB_FAMILY_IPV4;
	else if (type == ETHERTYPE_IPV6)
		*family = GLB_FAMILY_IPV6;
	else
		return GLB_DROP_NOT_IP;
	*l3_off = off;
	return GLB_OK;
}

enum glb_verdict glb_parse_view(const uint8_t *view, size_t view_len, size_t frame_len,
				struct glb_flow *flow)
{
	struct cursor c = { .data = view, .len = view_len }, rest, l3;
	struct ip_info ip = { 0 };
	enum glb_verdict v;
	uint8_t family;
	size_t l3_off, tot;

	/* a view claiming more bytes than the frame has */
	if (view_len > frame_len)
		return GLB_DROP_MALFORMED;
	v = parse_ether(&c, &family, &l3_off);
	if (v != GLB_OK)
		return v;
	if (!sub_cursor(&c, l3_off, &rest))
		return GLB_DROP_MALFORMED;
	v = ip_bound(&rest, frame_len - l3_off, family, &l3, &tot);
	if (v != GLB_OK)
		return v;
	v = ip_header(&l3, family, &ip);
	if (v != GLB_OK)
		return v;
	memset(flow, 0, sizeof(*flow));
	v = parse_transport(&l3, &ip, flow);
	if (v != GLB_OK)
		return v;
	flow->outer_family = family;
	flow->l3_offset = (uint16_t)l3_off;
	flow->l3_len = (uint16_t)tot;
	return GLB_OK;
}

enum glb_verdict glb_parse_frame(const uint8_t *frame, size_t len, struct glb_flow *flow)
{
	return glb_parse_view(frame, len, len, flow);
}
