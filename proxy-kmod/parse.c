// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of the outer UDP/GUE/GLB private data and of the inner IP and
 * TCP headers.  A failed check names the counter the packet is dropped under.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "gue.h"
#include "parse.h"

static bool glb_parse_fail(enum glb_stat *drop, enum glb_stat why)
{
	*drop = why;
	return false;
}

/* The UDP header, and the datagram's end as its length field gives it. */
static bool glb_parse_udp(const struct sk_buff *skb, struct glb_gue *gue, enum glb_stat *drop)
{
	struct udphdr _uh;
	const struct udphdr *uh;
	unsigned int ulen;

	uh = skb_header_pointer(skb, gue->udp_off, sizeof(_uh), &_uh);
	/* The IP payload is shorter than a UDP header. */
	if (!uh)
		return glb_parse_fail(drop, GLB_STAT_DROP_UDP_LEN);
	ulen = ntohs(uh->len);
	/* The UDP length cannot even hold the GUE header and the private word. */
	if (ulen < sizeof(*uh) + GLB_GUE_FIXED_LEN)
		return glb_parse_fail(drop, GLB_STAT_DROP_UDP_LEN);
	/* The UDP length claims more bytes than the IP packet carries. */
	if (ulen > skb->len - gue->udp_off)
		return glb_parse_fail(drop, GLB_STAT_DROP_UDP_LEN);
	gue->end = gue->udp_off + ulen;
	return true;
}

/* The GUE base header: version 0, data (not control), no optional fields. */
static bool glb_parse_gue_hdr(const struct sk_buff *skb, struct glb_gue *gue, unsigned int *hlen,
			      enum glb_stat *drop)
{
	struct glb_gue_hdr _gh;
	const struct glb_gue_hdr *gh;
	unsigned int gue_off = gue->udp_off + sizeof(struct udphdr);

	/* In bounds: glb_parse_udp() checked that the datagram holds it. */
	gh = skb_header_pointer(skb, gue_off, sizeof(_gh), &_gh);
	if (!gh)
		return glb_parse_fail(drop, GLB_STAT_DROP_UDP_LEN);
	if (gh->version_control_hlen >> GLB_GUE_VERSION_SHIFT)
		return glb_parse_fail(drop, GLB_STAT_DROP_GUE_VERSION);
	if (gh->version_control_hlen & GLB_GUE_CONTROL_BIT)
		return glb_parse_fail(drop, GLB_STAT_DROP_GUE_CONTROL);
	/* Optional fields would sit before the private data and move it. */
	if (gh->flags)
		return glb_parse_fail(drop, GLB_STAT_DROP_GUE_FLAGS);

	*hlen = gh->version_control_hlen & GLB_GUE_HLEN_MASK;
	/* Hlen 0: no room for the GLB private word. */
	if (*hlen == 0)
		return glb_parse_fail(drop, GLB_STAT_DROP_GUE_HLEN);
	/* Hlen runs past the end of the datagram. */
	if (sizeof(*gh) + *hlen * GLB_GUE_HLEN_UNIT > gue->end - gue_off)
		return glb_parse_fail(drop, GLB_STAT_DROP_GUE_HLEN);

	switch (gh->proto_ctype) {
	case GLB_GUE_PROTO_IPV4:
	case GLB_GUE_PROTO_IPV6:
		break;
	default:
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_PROTO);
	}
	gue->inner_proto = gh->proto_ctype;
	gue->priv_off = gue_off + sizeof(*gh);
	gue->inner_off = gue->priv_off + *hlen * GLB_GUE_HLEN_UNIT;
	return true;
}

/* The GLB private data: type 0, a hop list that exactly fills Hlen. */
static bool glb_parse_private(const struct sk_buff *skb, struct glb_gue *gue, unsigned int hlen,
			      enum glb_stat *drop)
{
	struct glb_gue_private _priv;
	const struct glb_gue_private *priv;
	__be32 _hop;
	const __be32 *hop;

	/* In bounds: glb_parse_gue_hdr() checked that Hlen >= 1 word fits. */
	priv = skb_header_pointer(skb, gue->priv_off, sizeof(_priv), &_priv);
	if (!priv)
		return glb_parse_fail(drop, GLB_STAT_DROP_GUE_HLEN);
	if (priv->private_type != htons(GLB_GUE_PRIVATE_TYPE_GLB))
		return glb_parse_fail(drop, GLB_STAT_DROP_PRIVATE_TYPE);
	/* Hlen and hop_count disagree on the length of the hop list. */
	if (hlen != 1 + priv->hop_count)
		return glb_parse_fail(drop, GLB_STAT_DROP_HOP_COUNT);
	/* next_hop points past the hop list. */
	if (priv->next_hop > priv->hop_count)
		return glb_parse_fail(drop, GLB_STAT_DROP_NEXT_HOP);

	gue->next_hop = priv->next_hop;
	gue->hop_count = priv->hop_count;
	gue->hop = 0;
	if (gue->next_hop == gue->hop_count)
		return true;

	/* In bounds: the hop list was checked to fit in Hlen. */
	hop = skb_header_pointer(skb, gue->priv_off + sizeof(_priv) + gue->next_hop * sizeof(_hop),
				 sizeof(_hop), &_hop);
	if (!hop)
		return glb_parse_fail(drop, GLB_STAT_DROP_GUE_HLEN);
	gue->hop = *hop;
	return true;
}

bool glb_parse_gue(const struct sk_buff *skb, unsigned int udp_off, struct glb_gue *gue,
		   enum glb_stat *drop)
{
	unsigned int hlen;

	gue->udp_off = udp_off;
	return glb_parse_udp(skb, gue, drop) && glb_parse_gue_hdr(skb, gue, &hlen, drop) &&
	       glb_parse_private(skb, gue, hlen, drop);
}

/* The inner TCP header at thoff, in a packet that ends at end. */
static bool glb_parse_tcp(const struct sk_buff *skb, unsigned int thoff, unsigned int end,
			  struct glb_inner *in, enum glb_stat *drop)
{
	const struct tcphdr *th;

	/* The inner packet ends before a whole TCP header. */
	if (thoff > end || end - thoff < sizeof(*th))
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_TCP);
	th = skb_header_pointer(skb, thoff, sizeof(in->th_copy), &in->th_copy);
	if (!th)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_TCP);
	/* Data offset shorter than the fixed header, or past the packet's end. */
	if (th->doff * 4 < sizeof(*th) || th->doff * 4 > end - thoff)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_TCP);
	in->th = th;
	in->flow.sport = th->source;
	in->flow.dport = th->dest;
	return true;
}

/* Both ports of a quoted TCP header at off, if the quote holds them. */
static bool glb_parse_quoted_ports(const struct sk_buff *skb, unsigned int off, unsigned int end,
				   __be16 ports[2])
{
	__be16 _ports[2];
	const __be16 *p;

	/* The quote ends before the two ports: nothing to go by. */
	if (off > end || end - off < sizeof(_ports))
		return false;
	p = skb_header_pointer(skb, off, sizeof(_ports), _ports);
	if (!p)
		return false;
	ports[0] = p[0];
	ports[1] = p[1];
	return true;
}

/*
 * An ICMPv4 error at off (inner packet ending at end): a fragmentation
 * needed quoting the first fragment of a TCP segment with both ports sets
 * in->too_big and the client's flow.  Anything else leaves too_big unset:
 * the packet is then another non-TCP packet, accepted here.
 */
static void glb_parse_icmp4(const struct sk_buff *skb, unsigned int off, unsigned int end,
			    struct glb_inner *in)
{
	struct icmphdr _icmp;
	struct iphdr _qiph;
	const struct icmphdr *icmp;
	const struct iphdr *qiph;
	unsigned int qoff = off + sizeof(_icmp), qihl;
	__be16 ports[2];

	/* Too short for the ICMP header, or for the quoted IPv4 header. */
	if (off > end || end - off < sizeof(_icmp) + sizeof(_qiph))
		return;
	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	if (!icmp || icmp->type != ICMP_DEST_UNREACH || icmp->code != ICMP_FRAG_NEEDED)
		return;
	qiph = skb_header_pointer(skb, qoff, sizeof(_qiph), &_qiph);
	if (!qiph || qiph->version != 4 || qiph->protocol != IPPROTO_TCP)
		return;
	qihl = qiph->ihl * 4;
	/* A quoted IHL below the fixed header; a later fragment has no ports. */
	if (qihl < sizeof(_qiph) || (qiph->frag_off & htons(IP_OFFSET)))
		return;
	if (!glb_parse_quoted_ports(skb, qoff + qihl, end, ports))
		return;
	in->too_big = true;
	in->flow.saddr4 = qiph->daddr;
	in->flow.daddr4 = qiph->saddr;
	in->flow.sport = ports[1];
	in->flow.dport = ports[0];
}

/* The same for an ICMPv6 packet too big quoting a TCP segment. */
static void glb_parse_icmp6(const struct sk_buff *skb, unsigned int off, unsigned int end,
			    struct glb_inner *in)
{
	struct icmp6hdr _icmp;
	struct ipv6hdr _qip6h;
	const struct icmp6hdr *icmp;
	const struct ipv6hdr *qip6h;
	unsigned int qoff = off + sizeof(_icmp);
	__be16 ports[2], frag_off;
	u8 nexthdr;
	int thoff;

	/* Too short for the ICMPv6 header, or for the quoted IPv6 header. */
	if (off > end || end - off < sizeof(_icmp) + sizeof(_qip6h))
		return;
	icmp = skb_header_pointer(skb, off, sizeof(_icmp), &_icmp);
	if (!icmp || icmp->icmp6_type != ICMPV6_PKT_TOOBIG)
		return;
	qip6h = skb_header_pointer(skb, qoff, sizeof(_qip6h), &_qip6h);
	if (!qip6h || qip6h->version != 6)
		return;
	nexthdr = qip6h->nexthdr;
	thoff = ipv6_skip_exthdr(skb, qoff + sizeof(_qip6h), &nexthdr, &frag_off);
	/* The quoted extension headers run past the quote or the packet. */
	if (thoff < 0 || thoff > end)
		return;
	/* Not TCP, or a later fragment, which has no ports. */
	if (nexthdr != IPPROTO_TCP || (frag_off & htons(IP6_OFFSET)))
		return;
	if (!glb_parse_quoted_ports(skb, thoff, end, ports))
		return;
	in->too_big = true;
	in->flow.ipv6 = true;
	in->flow.saddr6 = qip6h->daddr;
	in->flow.daddr6 = qip6h->saddr;
	in->flow.sport = ports[1];
	in->flow.dport = ports[0];
}

static bool glb_parse_inner_v4(const struct sk_buff *skb, const struct glb_gue *gue,
			       struct glb_inner *in, enum glb_stat *drop)
{
	const struct iphdr *iph;
	unsigned int ihl, tot_len;

	/* The datagram ends inside the inner IPv4 header. */
	if (gue->end - gue->inner_off < sizeof(*iph))
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	iph = skb_header_pointer(skb, gue->inner_off, sizeof(in->iph_copy), &in->iph_copy);
	if (!iph)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	/* GUE said IPv4; the packet says otherwise. */
	if (iph->version != 4)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	ihl = iph->ihl * 4;
	tot_len = ntohs(iph->tot_len);
	/* IHL below the fixed header, or a total length shorter than IHL. */
	if (ihl < sizeof(*iph) || tot_len < ihl)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	/* The total length claims more than the datagram carries. */
	if (tot_len > gue->end - gue->inner_off)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);

	in->iph = iph;
	if (iph->frag_off & htons(IP_OFFSET)) {
		in->fragment = true;
		return true;
	}
	if (iph->protocol == IPPROTO_ICMP)
		glb_parse_icmp4(skb, gue->inner_off + ihl, gue->inner_off + tot_len, in);
	if (iph->protocol != IPPROTO_TCP)
		return true;
	in->flow.saddr4 = iph->saddr;
	in->flow.daddr4 = iph->daddr;
	return glb_parse_tcp(skb, gue->inner_off + ihl, gue->inner_off + tot_len, in, drop);
}

static bool glb_parse_inner_v6(const struct sk_buff *skb, const struct glb_gue *gue,
			       struct glb_inner *in, enum glb_stat *drop)
{
	const struct ipv6hdr *ip6h;
	unsigned int end;
	__be16 frag_off;
	u8 nexthdr;
	int thoff;

	/* The datagram ends inside the inner IPv6 header. */
	if (gue->end - gue->inner_off < sizeof(*ip6h))
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	ip6h = skb_header_pointer(skb, gue->inner_off, sizeof(in->ip6h_copy), &in->ip6h_copy);
	if (!ip6h)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	/* GUE said IPv6; the packet says otherwise. */
	if (ip6h->version != 6)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	/* The payload length claims more than the datagram carries. */
	if (ntohs(ip6h->payload_len) > gue->end - gue->inner_off - sizeof(*ip6h))
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	end = gue->inner_off + sizeof(*ip6h) + ntohs(ip6h->payload_len);

	in->ip6h = ip6h;
	nexthdr = ip6h->nexthdr;
	thoff = ipv6_skip_exthdr(skb, gue->inner_off + sizeof(*ip6h), &nexthdr, &frag_off);
	/* The extension headers run past the packet, or end in No Next Header. */
	if (thoff < 0 || thoff > end)
		return glb_parse_fail(drop, GLB_STAT_DROP_INNER_IP);
	if (frag_off & htons(IP6_OFFSET)) {
		in->fragment = true;
		return true;
	}
	if (nexthdr == IPPROTO_ICMPV6)
		glb_parse_icmp6(skb, thoff, end, in);
	if (nexthdr != IPPROTO_TCP)
		return true;
	in->flow.ipv6 = true;
	in->flow.saddr6 = ip6h->saddr;
	in->flow.daddr6 = ip6h->daddr;
	return glb_parse_tcp(skb, thoff, end, in, drop);
}

bool glb_parse_inner(const struct sk_buff *skb, const struct glb_gue *gue, struct glb_inner *in,
		     enum glb_stat *drop)
{
	in->iph = NULL;
	in->ip6h = NULL;
	in->th = NULL;
	in->fragment = false;
	in->too_big = false;
	in->flow.ipv6 = false;

	if (gue->inner_proto == GLB_GUE_PROTO_IPV4)
		return glb_parse_inner_v4(skb, gue, in, drop);
	return glb_parse_inner_v6(skb, gue, in, drop);
}
