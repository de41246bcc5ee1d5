/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Does this host know the inner TCP flow (in->flow: the segment's, or the
 * one a path-MTU error quotes)?  The socket tables of the packet's network
 * namespace answer: an established, request or TIME_WAIT socket, or, for a
 * segment, a listener that this ACK's syncookie is valid for.
 */
#ifndef GLB_LOOKUP_H
#define GLB_LOOKUP_H

#include <net/net_namespace.h>

#include "parse.h"
#include "stats.h"

bool glb_lookup_local(struct net *net, const struct glb_inner *in, enum glb_stat *accept);

#endif /* GLB_LOOKUP_H */
