/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-netns, per-CPU counters of what the target decided, readable as
 * "name value" lines in /proc/net/glb_redirect_stats.
 */
#ifndef GLB_REDIRECT_STATS_H
#define GLB_REDIRECT_STATS_H

#include <net/net_namespace.h>

/*
 * Every packet the target sees adds one to "total" and to exactly one of the
 * outcome counters below, so total is always their sum.  The order is the
 * order of the proc file; append new counters at the end of their group.
 */
enum glb_stat {
	GLB_STAT_TOTAL,
	/* accepted locally: fou decapsulates it, this host's TCP stack sees it */
	GLB_STAT_ACCEPT_SYN,
	GLB_STAT_ACCEPT_ESTABLISHED,
	GLB_STAT_ACCEPT_REQUEST,
	GLB_STAT_ACCEPT_TIMEWAIT,
	GLB_STAT_ACCEPT_SYNCOOKIE,
	GLB_STAT_ACCEPT_LAST_RESORT,
	GLB_STAT_ACCEPT_NON_TCP,
	GLB_STAT_ACCEPT_INNER_FRAGMENT,
	GLB_STAT_ACCEPT_OUTER_FRAGMENT,
	GLB_STAT_FORWARD_SELF,
	/* sent on to the next hop */
	GLB_STAT_FORWARD,
	GLB_STAT_FORWARD_ICMP, /* a path-MTU error about a flow held further on */
	/* dropped: the packet lied about itself */
	GLB_STAT_DROP_UDP_LEN,
	GLB_STAT_DROP_GUE_VERSION,
	GLB_STAT_DROP_GUE_CONTROL,
	GLB_STAT_DROP_GUE_FLAGS,
	GLB_STAT_DROP_GUE_HLEN,
	GLB_STAT_DROP_PRIVATE_TYPE,
	GLB_STAT_DROP_HOP_COUNT,
	GLB_STAT_DROP_NEXT_HOP,
	GLB_STAT_DROP_INNER_PROTO,
	GLB_STAT_DROP_INNER_IP,
	GLB_STAT_DROP_INNER_TCP,
	GLB_STAT_DROP_HOP_ADDR,
	/* dropped: it had to be forwarded and could not be */
	GLB_STAT_DROP_OUTER_ADDR,
	GLB_STAT_DROP_TTL,
	GLB_STAT_DROP_NOMEM,
	GLB_STAT_DROP_ROUTE,
	GLB_STAT_DROP_XMIT,
	GLB_STAT_MAX
};

int glb_redirect_stats_init(void);
void glb_redirect_stats_exit(void);
void glb_redirect_stats_count(struct net *net, enum glb_stat outcome);

#endif /* GLB_REDIRECT_STATS_H */
