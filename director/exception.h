/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: packets no table claims (ARP, traffic for the
 * director's own address, other ICMP) are handed to the kernel through a
 * TAP interface (DPDK's net_tap; GLB used KNI, which DPDK removed), and what
 * the kernel writes to the TAP goes out the port.  Configured with
 * "exception_tap": "NAME" in director.conf; without it they are dropped and
 * counted.
 */
#ifndef GLB_EXCEPTION_H
#define GLB_EXCEPTION_H

#include <rte_mbuf.h>

#include "diag.h"
#include "director.h"

/* Verdicts whose packets belong to the kernel rather than to a table. */
static inline bool glb_exception_wants(enum glb_verdict v)
{
	return v == GLB_DROP_NOT_IP || v == GLB_DROP_UNSUPPORTED || v == GLB_DROP_NO_MATCH ||
	       v == GLB_DROP_ECHO_DISABLED;
}

/*
 * Create and start the TAP (after the ports: it takes the MAC of the first
 * flow path's RX port, so the kernel answers ARP as the director), give
 * every forwarding lcore a TX queue on it and pick the lcore that polls it.
 */
int glb_exception_init(struct glb_director *d, struct glb_diag *diag);
/* Stop and remove the TAP (before the ports close: it borrows the pool). */
void glb_exception_fini(struct glb_director *d);

/* Hand pkts to the kernel on this lcore's queue (frees what the TAP refuses). */
void glb_exception_to_kernel(struct glb_lcore_ctx *lc, struct rte_mbuf **pkts, uint16_t n);

/* If this lcore polls the TAP: send what the kernel wrote out its first flow path. */
unsigned glb_exception_from_kernel(struct glb_lcore_ctx *lc);

#endif
