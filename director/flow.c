/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_flow.h>

#include "table_format.h"

/* The bytes of an address the prefix covers, as a mask. */
static void prefix_mask(uint8_t *mask, size_t len, unsigned bits)
{
	size_t i;

	for (i = 0; i < len; i++) {
		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		bits = bits >= 8 ? bits - 8 : 0;
	}
}

/* One rule's pattern and actions, built in place (rte_flow reads them during the call). */
struct rule {
	struct rte_flow_item_ipv4 ip4, ip4_mask;
	struct rte_flow_item_ipv6 ip6, ip6_mask;
	struct rte_flow_item_tcp tcp, tcp_mask;
	struct rte_flow_item_udp udp, udp_mask;
	struct rte_flow_item pattern[4];
	struct rte_flow_action_queue queue;
	struct rte_flow_action_rss rss;
	uint16_t queues[RTE_MAX_QUEUES_PER_PORT];
	struct rte_flow_action actions[2];
};

/*
 * ETH / IPv4 or IPv6 to the prefix / TCP or UDP with the destination port
 * when there is one; without a port, the protocol is the IP header's (net_tap
 * has no ICMP item).  The actions: RX queue 0, or RSS over the port's queues.
 */
static void rule_build(struct rule *r, const struct glb_flow_match *m, unsigned nb_rx)
{
	struct rte_flow_item *it = r->pattern;
	uint8_t ip_proto = m->has_port ? 0 : m->proto;
	unsigned q;

	memset(r, 0, sizeof(*r));
	(it++)->type = RTE_FLOW_ITEM_TYPE_ETH;
	if (m->family == GLB_FAMILY_IPV4) {
		memcpy(&r->ip4.hdr.dst_addr, m->addr, 4);
		prefix_mask((uint8_t *)&r->ip4_mask.hdr.dst_addr, 4, m->prefix_bits);
		r->ip4.hdr.dst_addr &= r->ip4_mask.hdr.dst_addr;
		r->ip4.hdr.next_proto_id = ip_proto;
		r->ip4_mask.hdr.next_proto_id = ip_proto ? 0xff : 0;
		*it++ = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV4,
						.spec = &r->ip4,
						.mask = &r->ip4_mask };
	} else {
		size_t i;

		memcpy(r->ip6.hdr.dst_addr, m->addr, 16);
		prefix_mask(r->ip6_mask.hdr.dst_addr, 16, m->prefix_bits);
		for (i = 0; i < 16; i++)
			r->ip6.hdr.dst_addr[i] &= r->ip6_mask.hdr.dst_addr[i];
		r->ip6.hdr.proto = ip_proto;
		r->ip6_mask.hdr.proto = ip_proto ? 0xff : 0;
		*it++ = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV6,
						.spec = &r->ip6,
						.mask = &r->ip6_mask };
	}
	if (m->has_port && m->proto == IPPROTO_TCP) {
		r->tcp.hdr.dst_port = rte_cpu_to_be_16(m->port);
		r->tcp_mask.hdr.dst_port = RTE_BE16(0xffff);
		*it++ = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_TCP,
						.spec = &r->tcp,
						.mask = &r->tcp_mask };
	} else if (m->has_port && m->proto == IPPROTO_UDP) {
		r->udp.hdr.dst_port = rte_cpu_to_be_16(m->port);
		r->udp_mask.hdr.dst_port = RTE_BE16(0xffff);
		*it++ = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_UDP,
						.spec = &r->udp,
						.mask = &r->udp_mask };
	}
	it->type = RTE_FLOW_ITEM_TYPE_END;

	if (nb_rx <= 1) {
		r->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_QUEUE,
							  .conf = &r->queue };
	} else {
		for (q = 0; q < nb_rx && q < RTE_MAX_QUEUES_PER_PORT; q++)
			r->queues[q] = (uint16_t)q;
		r->rss = (struct rte_flow_action_rss){ .types = RTE_ETH_RSS_IP,
						       .queue_num = q,
						       .queue = r->queues };
		r->actions[0] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_RSS,
							  .conf = &r->rss };
	}
	r->actions[1].type = RTE_FLOW_ACTION_TYPE_END;
}

static const char *flow_error_msg(const struct rte_flow_error *err, int ret)
{
	return err->message ? err->message : rte_strerror(-ret);
}

int glb_flow_isolate(uint16_t port, struct glb_diag *diag)
{
	struct rte_flow_error err = { 0 };
	int ret, restart;

	ret = rte_eth_dev_stop(port);
	if (ret != 0) {
		glb_diag_add(diag, "cannot stop the port to isolate it: %s", rte_strerror(-ret));
		return ret;
	}
	ret = rte_flow_isolate(port, 1, &err);
	restart = rte_eth_dev_start(port);
	if (ret != 0) {
		glb_diag_add(diag, "rte_flow_isolate: %s", flow_error_msg(&err, ret));
		return ret;
	}
	if (restart != 0)
		glb_diag_add(diag, "restarting the port after isolating it: %s",
			     rte_strerror(-restart));
	return restart;
}

static const struct rte_flow_attr ingress = { .ingress = 1 };

/*
 * Can the port take a rule of this shape?  (A made-up service address: only
 * the shape counts.)  0, or -errno with the PMD's reason in why.
 */
static int shape_ok(uint16_t port, unsigned nb_rx, uint8_t proto, bool has_port, char *why,
		    size_t cap)
{
	struct glb_flow_match m = { .family = GLB_FAMILY_IPV4,
				    .prefix_bits = 32,
				    .proto = proto,
				    .has_port = has_port,
				    .port = 80,
				    .addr = { 192, 0, 2, 1 } };
	struct rte_flow_error err = { 0 };
	struct rule *r = malloc(sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	rule_build(r, &m, nb_rx);
	ret = rte_flow_validate(port, &ingress, r->pattern, r->actions, &err);
	free(r);
	if (ret != 0)
		snprintf(why, cap, "%s", flow_error_msg(&err, ret));
	return ret;
}

int glb_flow_probe(uint16_t port, unsigned nb_rx, struct glb_flow_rules *rules,
		   struct glb_diag *diag)
{
	char why[160] = "";
	int ret;

	rules->nb_rx = nb_rx;
	rules->caps = 0;
	if (shape_ok(port, nb_rx, IPPROTO_TCP, true, why, sizeof(why)) == 0)
		rules->caps = GLB_FLOW_CAN_PROTO | GLB_FLOW_CAN_PORT;
	else if (shape_ok(port, nb_rx, IPPROTO_TCP, false, why, sizeof(why)) == 0)
		rules->caps = GLB_FLOW_CAN_PROTO;
	else if ((ret = shape_ok(port, nb_rx, 0, false, why, sizeof(why))) != 0) {
		glb_diag_add(diag, "the PMD takes no flow rule for a destination address: %s", why);
		return ret;
	}
	if (rules->caps != (GLB_FLOW_CAN_PROTO | GLB_FLOW_CAN_PORT))
		printf("glb-director: port %u: the PMD cannot match %s: its rules are wider, the "
		       "classifier checks the rest\n",
		       port, rules->caps ? "destination ports" : "protocols or ports");
	return 0;
}

static int create(uint16_t port, const struct glb_flow_rules *rules, const struct glb_flow_match *m,
		  struct rte_flow **flow, struct glb_diag *diag)
{
	struct rte_flow_error err = { 0 };
	struct rule *r = malloc(sizeof(*r));
	char what[96];

	if (!r)
		return -ENOMEM;
	rule_build(r, m, rules->nb_rx);
	*flow = rte_flow_create(port, &ingress, r->pattern, r->actions, &err);
	free(r);
	if (*flow)
		return 0;
	glb_diag_add(diag, "flow rule %s: %s", glb_flow_match_str(m, what, sizeof(what)),
		     flow_error_msg(&err, -rte_errno));
	return rte_errno ? -rte_errno : -EINVAL;
}

static void destroy(uint16_t port, struct rte_flow *flow)
{
	struct rte_flow_error err;

	if (flow)
		rte_flow_destroy(port, flow, &err);
}

/*
 * Both lists are sorted: walk them together.  Every wanted match takes the
 * old rule where there is one (kept[j]) and a new rule where not (made[i]);
 * a failure destroys only what this call made, and the old set stands.
 */
int glb_flow_update(uint16_t port, struct glb_flow_rules *rules, const struct glb_table_file *tf,
		    struct glb_diag *diag)
{
	struct glb_flow_match *want = NULL;
	struct rte_flow **flows = NULL;
	bool *kept = NULL, *made = NULL;
	size_t n, i, j = 0, created = 0, removed = 0;
	int ret;

	ret = glb_flow_matches(tf, rules->caps, &want, &n);
	if (ret != 0)
		return ret;
	flows = calloc(n + 1, sizeof(*flows));
	made = calloc(n + 1, sizeof(*made));
	kept = calloc(rules->n + 1, sizeof(*kept));
	if (!flows || !made || !kept)
		ret = -ENOMEM;
	for (i = 0; i < n && ret == 0; i++) {
		int c = 1;

		while (j < rules->n && (c = glb_flow_match_cmp(&rules->match[j], &want[i])) < 0)
			j++;
		if (j < rules->n && c == 0) {
			flows[i] = rules->flow[j];
			kept[j] = true;
			continue;
		}
		ret = create(port, rules, &want[i], &flows[i], diag);
		made[i] = ret == 0;
		created += made[i];
	}
	if (ret != 0) {
		for (i = 0; made && i < n; i++)
			if (made[i])
				destroy(port, flows[i]);
		free(want);
		goto out;
	}
	/* Only now, with every new rule in place, the old ones no longer wanted go. */
	for (j = 0; j < rules->n; j++) {
		if (kept[j])
			continue;
		destroy(port, rules->flow[j]);
		removed++;
	}
	free(rules->match);
	free(rules->flow);
	rules->match = want;
	rules->flow = flows;
	rules->n = n;
	flows = NULL;
	printf("glb-director: port %u: %zu flow rules (%zu new, %zu removed)\n", port, n, created,
	       removed);
out:
	free(flows);
	free(made);
	free(kept);
	return ret;
}

void glb_flow_clear(uint16_t port, struct glb_flow_rules *rules)
{
	size_t i;

	for (i = 0; i < rules->n; i++)
		destroy(port, rules->flow[i]);
	free(rules->match);
	free(rules->flow);
	rules->match = NULL;
	rules->flow = NULL;
	rules->n = 0;
}
