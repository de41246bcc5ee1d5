/* SPDX-License-Identifier: BSD-3-Clause */
#include "exception.h"

#include <errno.h>
#include <stdio.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "fwd.h"

#define TAP_VDEV_NAME "net_tap_glb"
/* A TAP ring needs few descriptors: only slow-path traffic crosses it. */
#define TAP_DESC 256

static bool forwards(const struct glb_lcore_ctx *lc)
{
	return lc->stats && (lc->roles & GLB_ROLE_WORK);
}

/* Queue numbers for the lcores that encapsulate; the first receiving lcore polls. */
static uint16_t assign_queues(struct glb_director *d)
{
	uint16_t nb_tx = 0;
	bool poller = false;
	unsigned l;

	for (l = 0; l < RTE_MAX_LCORE; l++) {
		struct glb_lcore_ctx *lc = &d->lcores[l];

		lc->exc_txq = forwards(lc) ? nb_tx++ : -1;
		if (lc->stats && (lc->roles & GLB_ROLE_RX) && !poller)
			lc->polls_exception = poller = true;
	}
	return nb_tx;
}

static int start_tap(struct glb_director *d, uint16_t port, uint16_t nb_tx)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t q;
	int ret;

	ret = rte_eth_dev_configure(port, 1, nb_tx, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, TAP_DESC, rte_eth_dev_socket_id(port), NULL,
					     d->pool);
	for (q = 0; ret == 0 && q < nb_tx; q++)
		ret = rte_eth_tx_queue_setup(port, q, TAP_DESC, rte_eth_dev_socket_id(port), NULL);
	return ret == 0 ? rte_eth_dev_start(port) : ret;
}

int glb_exception_init(struct glb_director *d, struct glb_diag *diag)
{
	const uint8_t *mac = d->encap[d->cfg.flow_paths[0].rx_port].src_mac;
	char args[128];
	uint16_t port, nb_tx;
	int ret;

	d->exception_port = -1;
	nb_tx = assign_queues(d);
	if (!d->cfg.exception_tap[0])
		return 0;
	snprintf(args, sizeof(args), "iface=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x",
		 d->cfg.exception_tap, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	ret = rte_vdev_init(TAP_VDEV_NAME, args);
	if (ret != 0)
		goto err;
	ret = rte_eth_dev_get_port_by_name(TAP_VDEV_NAME, &port);
	if (ret == 0)
		ret = start_tap(d, port, RTE_MAX(nb_tx, 1));
	if (ret != 0)
		goto err_vdev;
	d->exception_port = port;
	printf("glb-director: exception path: TAP %s (port %u)\n", d->cfg.exception_tap, port);
	return 0;

err_vdev:
	/* closes the port, if it got one, and removes the TAP */
	rte_vdev_uninit(TAP_VDEV_NAME);
err:
	glb_diag_add(diag,
		     "exception_tap: cannot create TAP \"%s\": %s (needs /dev/net/tun "
		     "and CAP_NET_ADMIN)",
		     d->cfg.exception_tap, rte_strerror(-ret));
	return ret;
}

void glb_exception_fini(struct glb_director *d)
{
	if (d->exception_port < 0)
		return;
	rte_eth_dev_stop((uint16_t)d->exception_port);
	/* net_tap's remove closes the port, and with it the TAP */
	rte_vdev_uninit(TAP_VDEV_NAME);
	d->exception_port = -1;
}

void glb_exception_to_kernel(struct glb_lcore_ctx *lc, struct rte_mbuf **pkts, uint16_t n)
{
	const struct glb_director *d = lc->d;
	uint16_t sent;
	unsigned slot;

	if (n == 0)
		return;
	slot = glb_stats_port_slot(pkts[0]->port);
	sent = rte_eth_tx_burst((uint16_t)d->exception_port, (uint16_t)lc->exc_txq, pkts, n);
	glb_stat_add(&lc->stats->port[slot][GLB_STAT_TO_KERNEL], sent);
	if (sent < n) {
		/*
		 * The kernel is not keeping up (or the TAP is down): these are
		 * lost, counted as that rather than as the reason they came here.
		 */
		glb_stat_add(&lc->stats->port[slot][GLB_STAT_TO_KERNEL_FULL], n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}

unsigned glb_exception_from_kernel(struct glb_lcore_ctx *lc)
{
	const struct glb_director *d = lc->d;
	const struct glb_flow_path *fp = &lc->paths[0];
	struct rte_mbuf *pkts[GLB_BURST];
	uint16_t n;

	if (!lc->polls_exception || d->exception_port < 0)
		return 0;
	n = rte_eth_rx_burst((uint16_t)d->exception_port, 0, pkts, GLB_BURST);
	if (n == 0)
		return 0;
	glb_stat_add(&lc->stats->port[glb_stats_port_slot(fp->tx_port)][GLB_STAT_FROM_KERNEL], n);
	glb_fwd_tx(pkts, n, fp->tx_port, fp->tx_queue, lc->stats);
	return n;
}
