/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending a GUE packet on to the next proxy in its hop list (SPEC §7.4).
 */
#ifndef GLB_FORWARD_H
#define GLB_FORWARD_H

#include <linux/skbuff.h>
#include <net/net_namespace.h>

#include "parse.h"
#include "stats.h"

unsigned int glb_forward_send(struct net *net, struct sk_buff *skb, const struct glb_gue *gue,
			      enum glb_stat *outcome);

#endif /* GLB_FORWARD_H */
