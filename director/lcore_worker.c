/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A distributor worker: takes bursts from its distributor lcore,
 * encapsulates them and hands back those to transmit.
 *
 * rte_distributor_get_pkt() spins until packets come, which would stall a
 * table reload (no quiescent report) and the stop flag on an idle link, so
 * the request and the poll are separate here.
 */
#include <rte_cycles.h>

#include "director.h"
#include "fwd.h"
#include "reload.h"

/*
 * rte_distributor_poll_pkt() fills at most one cache line of packet slots
 * (8 in DPDK 22.11; the size is private to the library): room for 8 times
 * that, so a future larger burst cannot overrun us.
 */
#define GLB_DIST_POLL_MAX GLB_FWD_BURST_MAX

/*
 * The distributor does not say which flow path a packet came in on: the
 * first path of the distributor lcore names the TX port used for encap.
 */
int glb_lcore_worker(void *arg)
{
	struct glb_lcore_ctx *lc = arg;
	struct glb_director *d = lc->d;
	struct rte_mbuf *pkts[GLB_DIST_POLL_MAX];
	int n = 0;

	glb_reload_reader_online(d, lc->lcore_id);
	rte_distributor_request_pkt(lc->dist, lc->worker_id, NULL, 0);
	while (!glb_director_workers_stopping(d)) {
		const struct glb_table_ctx *t = glb_reload_current(d);
		uint16_t out;

		n = rte_distributor_poll_pkt(lc->dist, lc->worker_id, pkts);
		if (n <= 0) {
			glb_reload_quiescent(d, lc->lcore_id);
			if (d->cfg.idle_sleep_us)
				rte_delay_us_sleep(d->cfg.idle_sleep_us);
			continue;
		}
		out = glb_fwd_burst(t, pkts, (uint16_t)n, pkts[0]->port, lc->paths[0].tx_port, lc);
		glb_reload_quiescent(d, lc->lcore_id);
		rte_distributor_request_pkt(lc->dist, lc->worker_id, pkts, out);
	}
	/* Tell the distributor this worker is gone, so it reassigns its flows. */
	rte_distributor_return_pkt(lc->dist, lc->worker_id, NULL, 0);
	glb_reload_reader_offline(d, lc->lcore_id);
	return 0;
}
