/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow bifurcation (SPEC §10): a port in isolated mode hands DPDK only what
 * its rte_flow rules select, the service addresses' traffic (flow_match.h
 * says which rules), and leaves every other packet on the link to the
 * kernel (ARP, BGP, ssh, monitoring).
 */
#ifndef GLB_FLOW_H
#define GLB_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "flow_match.h"
#include "table.h"

/* The rules a port holds: their matches (sorted, no two alike) and DPDK's handles. */
struct glb_flow_rules {
	unsigned caps; /* enum glb_flow_caps, from glb_flow_probe() */
	unsigned nb_rx;
	struct glb_flow_match *match;
	struct rte_flow **flow;
	size_t n;
};

/*
 * Put a started port in isolated mode (stop, isolate, start: some PMDs
 * only isolate a stopped port, others ignore isolation set before their
 * first start).  0, or -errno with the PMD's reason in diag.
 */
int glb_flow_isolate(uint16_t port, struct glb_diag *diag);

/*
 * What the port can match (rte_flow_validate on one rule of each shape),
 * into rules->caps; rules go to RX queue 0, or are spread over nb_rx
 * queues by RSS.  0, or -errno when it cannot even match a prefix.
 */
int glb_flow_probe(uint16_t port, unsigned nb_rx, struct glb_flow_rules *rules,
		   struct glb_diag *diag);

/*
 * Make the port's rules those tf needs, without a moment with fewer: the
 * new rules are created before the old ones are destroyed.  0, or -errno
 * with the reason in diag (the rules then stay as they were).
 */
int glb_flow_update(uint16_t port, struct glb_flow_rules *rules, const struct glb_table_file *tf,
		    struct glb_diag *diag);

/* Destroy every rule (the port keeps its isolation). */
void glb_flow_clear(uint16_t port, struct glb_flow_rules *rules);

#endif
