/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters over DPDK telemetry (read them with dpdk-telemetry.py or
 * `glb-director-cli stats`).  DPDK 22.11 allows only arrays inside a
 * reply, so each reply is one flat object:
 *
 *   /glb/stats          totals: rx, tx, tx_full, too_big, no_headroom,
 *                       to_kernel, to_kernel_full, from_kernel, no_worker,
 *                       drop_<reason> for every reason, reloads_ok,
 *                       reloads_failed, flow_updates_failed, table_sha256,
 *                       table_path, tables
 *   /glb/ports          the port ids with counters
 *   /glb/port,N         port N: the same counters for it, plus the NIC's
 *                       ipackets, opackets, imissed, ierrors, oerrors, rx_nombuf
 *   /glb/table,N        table N: packets, bytes, backend_ips[],
 *                       backend_packets[] (packets sent to each as primary)
 */
#ifndef GLB_TELEMETRY_H
#define GLB_TELEMETRY_H

#include "director.h"

/* Answer the /glb commands about d from now on.  0 or -errno. */
int glb_telemetry_register(const struct glb_director *d);
/* Stop answering about the director (the commands stay: DPDK cannot remove them). */
void glb_telemetry_fini(void);

/*
 * Telemetry threads are not RCU readers: they build each reply under this
 * lock, and the main lcore swaps the published table under it, so a table
 * is never freed while a reply is being built from it.
 */
void glb_telemetry_lock_table(void);
void glb_telemetry_unlock_table(void);

#endif
