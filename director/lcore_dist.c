/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The distributor lcore (GLB's layout): receives on its flow paths, spreads
 * the packets over its workers with rte_distributor (burst mode, so one
 * client's packets stay on one worker and in order), and transmits what the
 * workers hand back.
 */
#include <sched.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>

#include "director.h"
#include "exception.h"
#include "fwd.h"

/* Bytes of the IPv4 source address in an untagged frame, for the flow tag. */
#define TAG_V4_SRC_OFF 26
#define TAG_V4_SRC_LEN 4
/* After stop, how long to keep collecting packets the workers still hold. */
#define DRAIN_US 100000

/*
 * The distributor keeps packets with equal tags on one worker.  Without an
 * RSS hash from the NIC, hash the IPv4 source address (the director's
 * default hash field), or leave 0 (one worker) for anything else.
 */
static inline uint32_t flow_tag(struct rte_mbuf *m)
{
	uint8_t copy[TAG_V4_SRC_LEN];
	const void *src;
	uint32_t addr;

	if (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH)
		return m->hash.rss;
	if (rte_pktmbuf_pkt_len(m) < TAG_V4_SRC_OFF + TAG_V4_SRC_LEN)
		return 0;
	src = rte_pktmbuf_read(m, TAG_V4_SRC_OFF, TAG_V4_SRC_LEN, copy);
	if (!src)
		return 0;
	/* The address sits at an odd offset into the frame: copy, never cast. */
	memcpy(&addr, src, sizeof(addr));
	return rte_hash_crc_4byte(addr, 0);
}

/* TX port and queue of the flow path on which port rx arrives. */
static const struct glb_flow_path *path_of(const struct glb_lcore_ctx *lc, uint16_t rx)
{
	unsigned p;

	for (p = 0; p < lc->num_paths; p++)
		if (lc->paths[p].rx_port == rx)
			return &lc->paths[p];
	return &lc->paths[0];
}

/* Transmit what the workers returned, grouped by flow path. */
static unsigned tx_returned(struct glb_lcore_ctx *lc)
{
	struct rte_mbuf *ret[GLB_BURST * 2], *batch[GLB_BURST * 2];
	int n = rte_distributor_returned_pkts(lc->dist, ret, RTE_DIM(ret));
	unsigned p, i, total = n > 0 ? (unsigned)n : 0;

	for (p = 0; p < lc->num_paths && n > 0; p++) {
		const struct glb_flow_path *fp = &lc->paths[p];
		uint16_t k = 0;

		for (i = 0; i < (unsigned)n; i++)
			if (path_of(lc, ret[i]->port) == fp)
				batch[k++] = ret[i];
		if (k)
			glb_fwd_tx(batch, k, fp->tx_port, fp->tx_queue, lc->stats);
	}
	return total;
}

/*
 * Hand a burst to the workers.  In burst mode rte_distributor_process()
 * takes nothing until a worker has asked for work (at start-up, or while
 * every worker is busy), so keep offering what it has not taken, moving
 * returns along meanwhile; only a stop ends the wait, and what was never
 * taken is then freed and counted.
 */
static void distribute(struct glb_lcore_ctx *lc, struct rte_mbuf **pkts, uint16_t n)
{
	const struct glb_director *d = lc->d;
	uint16_t done = 0;

	while (done < n) {
		done += (uint16_t)rte_distributor_process(lc->dist, pkts + done, n - done);
		if (done == n)
			break;
		tx_returned(lc);
		/* A worker sharing this CPU can only take work if we let it run. */
		sched_yield();
		if (glb_director_stopping(d)) {
			unsigned slot = glb_stats_port_slot(pkts[done]->port);

			glb_stat_add(&lc->stats->port[slot][GLB_STAT_NO_WORKER], n - done);
			rte_pktmbuf_free_bulk(pkts + done, n - done);
			return;
		}
	}
}

static unsigned rx_and_distribute(struct glb_lcore_ctx *lc)
{
	struct rte_mbuf *pkts[GLB_BURST];
	unsigned p, i, received = 0;

	for (p = 0; p < lc->num_paths; p++) {
		const struct glb_flow_path *fp = &lc->paths[p];
		uint16_t n = rte_eth_rx_burst(fp->rx_port, fp->rx_queue, pkts, GLB_BURST);

		for (i = 0; i < n; i++)
			pkts[i]->hash.usr = flow_tag(pkts[i]);
		received += n;
		if (n)
			distribute(lc, pkts, n);
	}
	/* With nothing new, still run the distributor so returns flow back. */
	if (received == 0)
		rte_distributor_process(lc->dist, NULL, 0);
	return received;
}

int glb_lcore_dist(void *arg)
{
	struct glb_lcore_ctx *lc = arg;
	struct glb_director *d = lc->d;
	uint64_t deadline;

	while (!glb_director_stopping(d)) {
		unsigned busy = rx_and_distribute(lc);

		busy += tx_returned(lc);
		busy += glb_exception_from_kernel(lc);
		if (busy == 0 && d->cfg.idle_sleep_us)
			rte_delay_us_sleep(d->cfg.idle_sleep_us);
	}
	/*
	 * Workers run until this lcore returns: collect and send what they
	 * still hold, so that stopping loses nothing already received.
	 */
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * DRAIN_US / 1000000;
	while (rte_get_timer_cycles() < deadline) {
		rte_distributor_process(lc->dist, NULL, 0);
		tx_returned(lc);
	}
	return 0;
}
