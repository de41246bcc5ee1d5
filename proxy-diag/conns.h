/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connections list: one line per connection of the VIPs, the worst
 * first.  With a limit (--top N) only the N worst are kept while the dump
 * streams by (a heap), so 100,000 connections cost N entries of memory.
 */
#ifndef GLB_PD_CONNS_H
#define GLB_PD_CONNS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "sockdiag.h"
#include "tcpinfo.h"

enum glb_pd_sort {
	GLB_PD_SORT_RETRANS, /* total retransmits, then bytes retransmitted, lost */
	GLB_PD_SORT_SENDQ,   /* bytes in the send queue, then unacked segments */
	GLB_PD_SORT_RTT,     /* smoothed round-trip time */
};

/* "retrans", "sendq", "rtt" */
int glb_pd_sort_parse(const char *text, enum glb_pd_sort *out);
const char *glb_pd_sort_name(enum glb_pd_sort sort);

struct glb_pd_conn {
	struct glb_pd_addr local, peer;
	uint16_t local_port, peer_port;
	uint8_t state, has_info;
	uint32_t rqueue, wqueue;
	struct glb_pd_tcpinfo info;
};

struct glb_pd_conns {
	enum glb_pd_sort sort;
	size_t top; /* keep at most this many; 0: all */
	struct glb_pd_conn *c;
	size_t n, cap;
	uint64_t seen; /* connections the dump reported */
};

void glb_pd_conns_init(struct glb_pd_conns *cs, enum glb_pd_sort sort, size_t top);
/* The dump's callback (glb_pd_sock_fn): arg is the list.  -ENOMEM. */
int glb_pd_conns_add(const struct glb_pd_sock *sock, void *arg);
/* Order what was kept: worst first. */
void glb_pd_conns_finish(struct glb_pd_conns *cs);
void glb_pd_conns_free(struct glb_pd_conns *cs);

/* Negative when a is worse than b (goes first), positive when better; ties
 * go by peer, then port, so that the order is stable. */
int glb_pd_conn_cmp(const struct glb_pd_conn *a, const struct glb_pd_conn *b,
		    enum glb_pd_sort sort);

#endif
