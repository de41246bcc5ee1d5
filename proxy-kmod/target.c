// SPDX-License-Identifier: GPL-2.0
/*
 * GLBREDIRECT: the second chance of SPEC §7.  For each GUE packet a director
 * sent here, decide from this host's own TCP state whether it belongs here
 * (accept: fou decapsulates it) or to the next proxy in its hop list
 * (forward).  The decision, in order:
 *
 *   outer fragment (FORWARD hook only)  accept
 *   malformed outer or inner headers    drop
 *   inner non-first fragment            accept
 *   ICMP too big quoting TCP (SPEC §7   the quoted flow, reversed, goes
 *     step 5)                           through the lookup and hop steps
 *                                       below as a TCP segment does
 *   inner not TCP                       accept
 *   SYN without ACK                     accept
 *   established/request/timewait sock   accept
 *   valid syncookie ACK for a listener  accept
 *   no hop left                         accept (last resort)
 *   next hop is this host               accept
 *   next hop not a unicast address      drop
 *   otherwise                           forward
 *
 * "accept" is NF_ACCEPT, not XT_CONTINUE: the rule decides about the GUE
 * packet by itself, whatever the chain's policy; the decapsulated inner
 * packet then traverses the hooks again on the tunnel device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_GLBREDIRECT.h>
#include <net/ip.h>
#include <net/route.h>

#include "forward.h"
#include "lookup.h"
#include "parse.h"
#include "stats.h"
#include "target.h"

static unsigned int glb_target_accept(enum glb_stat *outcome, enum glb_stat why)
{
	*outcome = why;
	return NF_ACCEPT;
}

/* Where the hop list sends the packet next, once this host has no use for it. */
static unsigned int glb_target_next_hop(struct net *net, struct sk_buff *skb,
					const struct glb_gue *gue, enum glb_stat *outcome)
{
	if (gue->next_hop == gue->hop_count)
		return glb_target_accept(outcome, GLB_STAT_ACCEPT_LAST_RESORT);

	/* Forwarding to ourselves would only come back: take it here. */
	if (gue->hop == ip_hdr(skb)->daddr)
		return glb_target_accept(outcome, GLB_STAT_FORWARD_SELF);
	switch (inet_addr_type(net, gue->hop)) {
	case RTN_LOCAL:
		return glb_target_accept(outcome, GLB_STAT_FORWARD_SELF);
	case RTN_UNICAST:
		return glb_forward_send(net, skb, gue, outcome);
	default:
		/* A broadcast, multicast or zero hop: no proxy sent us that. */
		*outcome = GLB_STAT_DROP_HOP_ADDR;
		return NF_DROP;
	}
}

/*
 * A path-MTU error about a TCP flow: news for the proxy holding the
 * connection, which is sending segments too big for the path.  Here if the
 * flow is, else on along the hop list like the flow's own packets.
 */
static unsigned int glb_target_too_big(struct net *net, struct sk_buff *skb,
				       const struct glb_gue *gue, const struct glb_inner *in,
				       enum glb_stat *outcome)
{
	unsigned int verdict;

	if (glb_lookup_local(net, in, outcome))
		return NF_ACCEPT;
	verdict = glb_target_next_hop(net, skb, gue, outcome);
	if (*outcome == GLB_STAT_FORWARD)
		*outcome = GLB_STAT_FORWARD_ICMP;
	return verdict;
}

static unsigned int glb_target_decide(struct net *net, struct sk_buff *skb, unsigned int udp_off,
				      enum glb_stat *outcome)
{
	struct glb_inner in;
	struct glb_gue gue;

	/* Only in FORWARD: INPUT sees reassembled datagrams.  Pass it on unread. */
	if (ip_is_fragment(ip_hdr(skb)))
		return glb_target_accept(outcome, GLB_STAT_ACCEPT_OUTER_FRAGMENT);

	if (!glb_parse_gue(skb, udp_off, &gue, outcome) ||
	    !glb_parse_inner(skb, &gue, &in, outcome))
		return NF_DROP;

	if (in.fragment)
		return glb_target_accept(outcome, GLB_STAT_ACCEPT_INNER_FRAGMENT);
	if (in.too_big)
		return glb_target_too_big(net, skb, &gue, &in, outcome);
	if (!in.th)
		return glb_target_accept(outcome, GLB_STAT_ACCEPT_NON_TCP);
	if (in.th->syn && !in.th->ack)
		return glb_target_accept(outcome, GLB_STAT_ACCEPT_SYN);
	if (glb_lookup_local(net, &in, outcome))
		return NF_ACCEPT;

	return glb_target_next_hop(net, skb, &gue, outcome);
}

static unsigned int glb_target_tg4(struct sk_buff *skb, const struct xt_action_param *par)
{
	struct net *net = xt_net(par);
	enum glb_stat outcome;
	unsigned int verdict;

	verdict = glb_target_decide(net, skb, par->thoff, &outcome);
	glb_redirect_stats_count(net, outcome);
	return verdict;
}

/*
 * The core has already refused, with a rate-limited message and -EINVAL, a
 * rule outside INPUT/FORWARD (.hooks) or without "-p udp" or with "! -p udp"
 * (.proto): for iptables-legacy in xt_check_target(), for iptables-nft
 * through nft_compat, which calls it too.
 */
static int glb_target_check(const struct xt_tgchk_param *par)
{
	const struct xt_glbredirect_info *info = par->targinfo;

	if (info->flags & ~XT_GLBREDIRECT_FLAGS_KNOWN) {
		pr_info_ratelimited(
			"unknown flags 0x%x: the iptables extension is newer than this module\n",
			info->flags);
		return -EINVAL;
	}
	return 0;
}

static struct xt_target glb_target_reg[] __read_mostly = {
	{
		.name = "GLBREDIRECT",
		.revision = 0,
		.family = NFPROTO_IPV4,
		.proto = IPPROTO_UDP,
		.hooks = (1 << NF_INET_LOCAL_IN) | (1 << NF_INET_FORWARD),
		.target = glb_target_tg4,
		.targetsize = sizeof(struct xt_glbredirect_info),
		.checkentry = glb_target_check,
		.me = THIS_MODULE,
	},
};

int glb_target_init(void)
{
	return xt_register_targets(glb_target_reg, ARRAY_SIZE(glb_target_reg));
}

void glb_target_exit(void)
{
	xt_unregister_targets(glb_target_reg, ARRAY_SIZE(glb_target_reg));
}
