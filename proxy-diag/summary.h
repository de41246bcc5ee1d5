/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The summary: per VIP and local port, the connections by TCP state, the
 * listeners' accept queues, queued bytes and retransmitting connections,
 * added up socket by socket as the dump goes (nothing kept per socket).
 */
#ifndef GLB_PD_SUMMARY_H
#define GLB_PD_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "sockdiag.h"
#include "tcpinfo.h"

struct glb_pd_vipport {
	struct glb_pd_addr addr;
	int port; /* GLB_PD_ANY_PORT: a VIP without a port that has no socket */
	uint32_t states[GLB_PD_TCP_NUM_STATES]; /* sockets by state, listeners apart */
	uint32_t sockets;                       /* all of those */
	/* Listeners serving it: bound to the VIP, or to a wildcard address
	 * (shared by every VIP on that port); SO_REUSEPORT makes several. */
	uint32_t listeners, wildcard_listeners;
	uint64_t accept_queue, accept_max;   /* summed over the listeners */
	uint32_t fullest_queue, fullest_max; /* the fullest listener's */
	uint64_t send_queue, recv_queue;     /* bytes, summed */
	uint32_t send_queue_conns;           /* connections with bytes not yet acked */
	uint32_t recv_queue_conns;           /* ... not yet read by the server */
	uint32_t retransmitting;             /* retransmitting right now */
	uint32_t retransmitted;              /* retransmitted at least once */
	uint64_t total_retrans;              /* segments, summed */
};

/* A listener on 0.0.0.0 or :: seen in the dump, attached at the end. */
struct glb_pd_wildcard {
	uint8_t family, v6only;
	uint16_t port;
	uint32_t queue, max;
};

struct glb_pd_summary {
	const struct glb_pd_vip *vips;
	size_t num_vips;
	struct glb_pd_vipport *e;
	size_t n, cap;
	struct glb_pd_wildcard *wild;
	size_t num_wild, cap_wild;
	size_t last; /* the entry the previous socket went to: most go to the same */
	uint64_t sockets_seen;
};

/* An entry for every VIP with a port, so that one without sockets shows. */
int glb_pd_summary_init(struct glb_pd_summary *s, const struct glb_pd_vip *vips, size_t n);
/* The dump's callback (glb_pd_sock_fn): arg is the summary.  -ENOMEM. */
int glb_pd_summary_add(const struct glb_pd_sock *sock, void *arg);
/* Attach the wildcard listeners to the VIP:ports they serve (a VIP without
 * a port: those it has connections on), add a line for each VIP without a
 * port and without sockets, and sort: by VIP as given, then by port. */
int glb_pd_summary_finish(struct glb_pd_summary *s);
void glb_pd_summary_free(struct glb_pd_summary *s);

/* Connections still talking to a client (GLB_PD_TCPF_CONNECTIONS). */
uint32_t glb_pd_vipport_connections(const struct glb_pd_vipport *e);

#endif
