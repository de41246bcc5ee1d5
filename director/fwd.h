/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-burst packet path over mbufs: parse, classify, route and
 * encapsulate in place (SPEC §5, §6) with the common code.  Shared by the
 * run-to-completion and distributor-worker lcores.
 */
#ifndef GLB_FWD_H
#define GLB_FWD_H

#include <rte_mbuf.h>

#include "director.h"
#include "reload.h"

/* Largest burst glb_fwd_burst takes (fwd.c checks that its owner tags can index it). */
#define GLB_FWD_BURST_MAX 64

/*
 * Process pkts[0..n) (n <= GLB_FWD_BURST_MAX) received on rx_port for
 * transmission on tx_port, by lcore lc, with table t (read under RCU).  Forwarded packets are
 * encapsulated and moved to the front of pkts; those for the kernel go to
 * the exception path; the rest are freed and counted by reason.  Returns
 * how many to transmit.
 */
uint16_t glb_fwd_burst(const struct glb_table_ctx *t, struct rte_mbuf **pkts, uint16_t n,
		       uint16_t rx_port, uint16_t tx_port, struct glb_lcore_ctx *lc);

/* Transmit pkts[0..n) on (port, queue), retrying briefly; frees and counts what stays. */
void glb_fwd_tx(struct rte_mbuf **pkts, uint16_t n, uint16_t port, uint16_t queue,
		struct glb_lcore_stats *st);

#endif
