/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run to completion: this lcore receives on its flow paths, encapsulates
 * and transmits, with no hand-off (for NICs that spread flows with RSS).
 */
#include <rte_cycles.h>

#include "director.h"
#include "exception.h"
#include "fwd.h"
#include "reload.h"

int glb_lcore_rtc(void *arg)
{
	struct glb_lcore_ctx *lc = arg;
	struct glb_director *d = lc->d;
	struct rte_mbuf *pkts[GLB_BURST];
	unsigned p;

	glb_reload_reader_online(d, lc->lcore_id);
	while (!glb_director_stopping(d)) {
		const struct glb_table_ctx *t = glb_reload_current(d);
		unsigned received = 0;

		for (p = 0; p < lc->num_paths; p++) {
			const struct glb_flow_path *fp = &lc->paths[p];
			uint16_t n = rte_eth_rx_burst(fp->rx_port, fp->rx_queue, pkts, GLB_BURST);

			if (n == 0)
				continue;
			received += n;
			n = glb_fwd_burst(t, pkts, n, fp->rx_port, fp->tx_port, lc);
			glb_fwd_tx(pkts, n, fp->tx_port, fp->tx_queue, lc->stats);
		}
		received += glb_exception_from_kernel(lc);
		/* Done with t: a reload may free it once every lcore has said this. */
		glb_reload_quiescent(d, lc->lcore_id);
		if (received == 0 && d->cfg.idle_sleep_us)
			rte_delay_us_sleep(d->cfg.idle_sleep_us);
	}
	glb_reload_reader_offline(d, lc->lcore_id);
	return 0;
}
