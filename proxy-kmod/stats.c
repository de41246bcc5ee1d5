// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: one block of u64s per CPU per network namespace, so the packet
 * path never shares a cache line with another CPU, and a proxy running in a
 * container counts only its own packets.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/u64_stats_sync.h>
#include <net/netns/generic.h>

#include "stats.h"

#define PROC_NAME "glb_redirect_stats"

struct cpu_stats {
	u64_stats_t n[GLB_STAT_MAX];
	struct u64_stats_sync syncp;
};

struct stats_net {
	struct cpu_stats __percpu *stats;
};

/* The names are the proc file's keys: tests and scrapers depend on them. */
static const char *const stat_names[] = {
	[GLB_STAT_TOTAL] = "total",
	[GLB_STAT_ACCEPT_SYN] = "accept_syn",
	[GLB_STAT_ACCEPT_ESTABLISHED] = "accept_established",
	[GLB_STAT_ACCEPT_REQUEST] = "accept_request",
	[GLB_STAT_ACCEPT_TIMEWAIT] = "accept_timewait",
	[GLB_STAT_ACCEPT_SYNCOOKIE] = "accept_syncookie",
	[GLB_STAT_ACCEPT_LAST_RESORT] = "accept_last_resort",
	[GLB_STAT_ACCEPT_NON_TCP] = "accept_non_tcp",
	[GLB_STAT_ACCEPT_INNER_FRAGMENT] = "accept_inner_fragment",
	[GLB_STAT_ACCEPT_OUTER_FRAGMENT] = "accept_outer_fragment",
	[GLB_STAT_FORWARD_SELF] = "forward_self",
	[GLB_STAT_FORWARD] = "forward",
	[GLB_STAT_FORWARD_ICMP] = "forward_icmp",
	[GLB_STAT_DROP_UDP_LEN] = "drop_udp_len",
	[GLB_STAT_DROP_GUE_VERSION] = "drop_gue_version",
	[GLB_STAT_DROP_GUE_CONTROL] = "drop_gue_control",
	[GLB_STAT_DROP_GUE_FLAGS] = "drop_gue_flags",
	[GLB_STAT_DROP_GUE_HLEN] = "drop_gue_hlen",
	[GLB_STAT_DROP_PRIVATE_TYPE] = "drop_private_type",
	[GLB_STAT_DROP_HOP_COUNT] = "drop_hop_count",
	[GLB_STAT_DROP_NEXT_HOP] = "drop_next_hop",
	[GLB_STAT_DROP_INNER_PROTO] = "drop_inner_proto",
	[GLB_STAT_DROP_INNER_IP] = "drop_inner_ip",
	[GLB_STAT_DROP_INNER_TCP] = "drop_inner_tcp",
	[GLB_STAT_DROP_HOP_ADDR] = "drop_hop_addr",
	[GLB_STAT_DROP_OUTER_ADDR] = "drop_outer_addr",
	[GLB_STAT_DROP_TTL] = "drop_ttl",
	[GLB_STAT_DROP_NOMEM] = "drop_nomem",
	[GLB_STAT_DROP_ROUTE] = "drop_route",
	[GLB_STAT_DROP_XMIT] = "drop_xmit",
};

static unsigned int stats_net_id __read_mostly;

static struct stats_net *stats_net(const struct net *net)
{
	return net_generic(net, stats_net_id);
}

void glb_redirect_stats_count(struct net *net, enum glb_stat outcome)
{
	struct cpu_stats *s = this_cpu_ptr(stats_net(net)->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->n[GLB_STAT_TOTAL]);
	u64_stats_inc(&s->n[outcome]);
	u64_stats_update_end(&s->syncp);
}

static void stats_sum(const struct cpu_stats __percpu *stats, u64 *sum)
{
	unsigned int cpu, start, i;

	for_each_possible_cpu(cpu) {
		const struct cpu_stats *s = per_cpu_ptr(stats, cpu);
		u64 snap[GLB_STAT_MAX];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < GLB_STAT_MAX; i++)
				snap[i] = u64_stats_read(&s->n[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		for (i = 0; i < GLB_STAT_MAX; i++)
			sum[i] += snap[i];
	}
}

static int stats_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	u64 sum[GLB_STAT_MAX] = {};
	unsigned int i;

	stats_sum(stats_net(net)->stats, sum);
	for (i = 0; i < GLB_STAT_MAX; i++)
		seq_printf(seq, "%s %llu\n", stat_names[i], sum[i]);
	return 0;
}

static int __net_init stats_net_init(struct net *net)
{
	struct stats_net *sn = stats_net(net);
	unsigned int cpu;

	sn->stats = alloc_percpu(struct cpu_stats);
	if (!sn->stats)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(sn->stats, cpu)->syncp);

	if (!proc_create_net_single(PROC_NAME, 0444, net->proc_net, stats_show, NULL)) {
		free_percpu(sn->stats);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit stats_net_exit(struct net *net)
{
	struct stats_net *sn = stats_net(net);

	remove_proc_entry(PROC_NAME, net->proc_net);
	free_percpu(sn->stats);
}

static struct pernet_operations stats_net_ops = {
	.init = stats_net_init,
	.exit = stats_net_exit,
	.id = &stats_net_id,
	.size = sizeof(struct stats_net),
};

int glb_redirect_stats_init(void)
{
	BUILD_BUG_ON(ARRAY_SIZE(stat_names) != GLB_STAT_MAX);
	return register_pernet_subsys(&stats_net_ops);
}

void glb_redirect_stats_exit(void)
{
	unregister_pernet_subsys(&stats_net_ops);
}
