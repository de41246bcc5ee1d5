// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding to the next hop.  The packet is rewritten in place and sent as
 * if this host had built it: outer source = the address it was sent to,
 * outer destination = hops[next_hop], next_hop + 1, a fresh route, then
 * ip_local_out().  The skb is then no longer netfilter's, hence NF_STOLEN,
 * as ipt_REJECT and IPVS do from the same hooks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>

#include "compat.h"
#include "forward.h"
#include "gue.h"

/* next_hop is the high byte of the private word's second 16-bit half. */
static __be16 glb_forward_hop_word(u8 next_hop, u8 hop_count)
{
	return htons((u16)next_hop << 8 | hop_count);
}

/*
 * Whether the UDP checksum field holds a pseudo-header sum that the NIC or
 * GSO completes over the payload later, rather than a final checksum: when
 * CHECKSUM_PARTIAL points at this header (a sender on this machine offloaded
 * it), or for a GRO-merged tunnel packet, whose outer checksum segmentation
 * recomputes (SKB_GSO_UDP_TUNNEL_CSUM).  CHECKSUM_PARTIAL alone does not
 * tell: it may be the inner TCP checksum's.
 */
static bool glb_forward_udp_csum_deferred(const struct sk_buff *skb, const struct udphdr *uh)
{
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_start(skb) == (const u8 *)uh)
		return true;
	return skb_is_gso(skb) && (skb_shinfo(skb)->gso_type & SKB_GSO_UDP_TUNNEL_CSUM);
}

/*
 * The UDP checksum, updated incrementally for the new pseudo-header and
 * next_hop.  The old destination only moves to the source field, so only the
 * old source leaving and the hop arriving change the pseudo-header's sum.
 * next_hop sits at an even offset of the datagram (8 + 4 + 2), on the
 * checksum's 16-bit grid.  A deferred sum covers the pseudo-header only; a
 * zero checksum (none: legal over IPv4) stays zero; a final one that comes
 * out zero is sent as 0xffff.
 */
static void glb_forward_fix_udp_csum(struct sk_buff *skb, struct udphdr *uh, __be32 old_saddr,
				     const struct glb_gue *gue)
{
	if (glb_forward_udp_csum_deferred(skb, uh)) {
		uh->check = ~csum_fold(
			csum_add(csum_sub(csum_unfold(uh->check), (__force __wsum)old_saddr),
				 (__force __wsum)gue->hop));
		return;
	}
	if (!uh->check)
		return;
	csum_replace4(&uh->check, old_saddr, gue->hop);
	csum_replace2(&uh->check, glb_forward_hop_word(gue->next_hop, gue->hop_count),
		      glb_forward_hop_word(gue->next_hop + 1, gue->hop_count));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

/* The caller made the outer headers up to the private word writable. */
static void glb_forward_rewrite(struct sk_buff *skb, const struct glb_gue *gue)
{
	struct iphdr *iph = ip_hdr(skb);
	struct udphdr *uh = (struct udphdr *)(skb->data + gue->udp_off);
	struct glb_gue_private *priv = (struct glb_gue_private *)(skb->data + gue->priv_off);
	__be32 old_saddr = iph->saddr;

	glb_forward_fix_udp_csum(skb, uh, old_saddr, gue);
	priv->next_hop = gue->next_hop + 1;

	iph->saddr = iph->daddr;
	iph->daddr = gue->hop;
	iph->ttl--;
	ip_send_check(iph);
}

/*
 * Strip what belonged to the packet's arrival: its socket (early demux), its
 * conntrack entry (for the old addresses), its IP control block (options,
 * defrag size), its receive timestamp, and a CHECKSUM_COMPLETE sum of bytes
 * that have changed (skb_forward_csum(), as ip_forward() does).  What leaves
 * is a packet of this host's own.
 */
static void glb_forward_reset(struct sk_buff *skb)
{
	skb_orphan(skb);
	nf_reset_ct(skb);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	glb_skb_clear_tstamp(skb);
	skb_forward_csum(skb);
}

/*
 * Whether the packet was routed here as unicast: to one of our addresses
 * (INPUT) or through us (FORWARD), not to a broadcast or multicast address.
 */
static bool glb_forward_from_unicast(const struct sk_buff *skb)
{
	const struct rtable *rt = skb_rtable(skb);

	return rt && (rt->rt_type == RTN_LOCAL || rt->rt_type == RTN_UNICAST);
}

/*
 * Returns the netfilter verdict: NF_STOLEN once the skb is handed to
 * ip_local_out() (which consumes it whatever happens), NF_DROP before.
 * The TTL is decremented as a router would: the hop list already bounds a
 * packet to hop_count forwards, this also bounds it against a peer that
 * does not advance next_hop.
 */
unsigned int glb_forward_send(struct net *net, struct sk_buff *skb, const struct glb_gue *gue,
			      enum glb_stat *outcome)
{
	int err;

	/* The new source is the old destination: it must be a unicast address. */
	if (!glb_forward_from_unicast(skb)) {
		*outcome = GLB_STAT_DROP_OUTER_ADDR;
		return NF_DROP;
	}
	if (ip_hdr(skb)->ttl <= 1) {
		*outcome = GLB_STAT_DROP_TTL;
		return NF_DROP;
	}
	if (skb_ensure_writable(skb, gue->priv_off + sizeof(struct glb_gue_private))) {
		*outcome = GLB_STAT_DROP_NOMEM;
		return NF_DROP;
	}

	glb_forward_rewrite(skb, gue);
	glb_forward_reset(skb);

	/* RTN_UNSPEC: work out whether the new source is local (it is in INPUT). */
	if (ip_route_me_harder(net, NULL, skb, RTN_UNSPEC)) {
		*outcome = GLB_STAT_DROP_ROUTE;
		return NF_DROP;
	}

	err = ip_local_out(net, NULL, skb);
	if (err > 0)
		err = net_xmit_errno(err);
	*outcome = err ? GLB_STAT_DROP_XMIT : GLB_STAT_FORWARD;
	return NF_STOLEN;
}
