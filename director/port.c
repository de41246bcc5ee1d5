/* SPDX-License-Identifier: BSD-3-Clause */
#include "port.h"

#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "reload.h"

/* Descriptors per queue: enough to ride out a scheduling hiccup at line rate. */
#define GLB_RX_DESC 1024
#define GLB_TX_DESC 1024
/*
 * Pool size: every RX ring full, plus bursts in flight in each lcore and
 * in the distributor; 2^n - 1 is the mempool's most efficient size.
 */
#define GLB_POOL_MBUFS 16383
#define GLB_POOL_CACHE 256
#define GLB_DEFAULT_MTU 1500

struct port_queues {
	bool used;
	uint16_t nb_rx, nb_tx;
};

static void count_queues(const struct glb_director_config *cfg, struct port_queues *q)
{
	unsigned f;

	for (f = 0; f < cfg->num_flow_paths; f++) {
		const struct glb_flow_path *fp = &cfg->flow_paths[f];

		q[fp->rx_port].used = q[fp->tx_port].used = true;
		q[fp->rx_port].nb_rx = RTE_MAX(q[fp->rx_port].nb_rx, (uint16_t)(fp->rx_queue + 1));
		q[fp->tx_port].nb_tx = RTE_MAX(q[fp->tx_port].nb_tx, (uint16_t)(fp->tx_queue + 1));
	}
}

static int setup_queues(struct glb_director *d, uint16_t port, const struct port_queues *q,
			const struct rte_eth_dev_info *info)
{
	uint16_t nb_rxd = GLB_RX_DESC, nb_txd = GLB_TX_DESC, i;
	struct rte_eth_rxconf rxconf = info->default_rxconf;
	int socket = rte_eth_dev_socket_id(port), ret;

	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	/* rx_drop_en: a full ring drops at the NIC instead of backing up other queues. */
	rxconf.rx_drop_en = d->cfg.rx_drop_en;
	for (i = 0; i < RTE_MAX(q->nb_rx, 1); i++) {
		ret = rte_eth_rx_queue_setup(port, i, nb_rxd, socket, &rxconf, d->pool);
		if (ret != 0)
			return ret;
	}
	for (i = 0; i < RTE_MAX(q->nb_tx, 1); i++) {
		ret = rte_eth_tx_queue_setup(port, i, nb_txd, socket, &info->default_txconf);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/*
 * The MTU bounds what encapsulation may produce (too_big counts the rest).
 * "mtu" in director.conf is the links' MTU: set on the port where the PMD
 * takes it; where it does not (af_packet in DPDK 22.11 claims 1518 bytes
 * but carries whatever its interface does), it is still the limit.
 */
static void apply_mtu(struct glb_director *d, uint16_t port)
{
	int ret;

	if (!d->cfg.mtu) {
		if (rte_eth_dev_get_mtu(port, &d->mtu[port]) != 0)
			d->mtu[port] = GLB_DEFAULT_MTU;
		return;
	}
	d->mtu[port] = (uint16_t)d->cfg.mtu;
	ret = rte_eth_dev_set_mtu(port, (uint16_t)d->cfg.mtu);
	if (ret != 0)
		printf("glb-director: port %u: the PMD refuses MTU %u (%s): the port keeps its "
		       "own, and MTU %u is still the limit for encapsulated packets\n",
		       port, d->cfg.mtu, rte_strerror(-ret), d->cfg.mtu);
}

/*
 * Flow bifurcation (SPEC §10): the port takes only the tables' traffic and
 * the kernel keeps the rest of the link.  With "auto", a port that cannot
 * says why and takes everything.
 */
static int isolate(struct glb_director *d, uint16_t port, unsigned nb_rx, const char *driver,
		   struct glb_diag *diag)
{
	const struct glb_table_ctx *t = glb_reload_current(d);
	struct glb_diag why;
	int ret;

	glb_diag_init(&why);
	ret = glb_flow_probe(port, nb_rx, &d->flow[port], &why);
	if (ret == 0)
		ret = glb_flow_isolate(port, &why);
	if (ret == 0)
		ret = glb_flow_update(port, &d->flow[port], t->file, &why);
	if (ret == 0) {
		d->isolated[port] = true;
		printf("glb-director: port %u (%s): isolated: it takes only the tables' traffic, "
		       "the kernel keeps the rest of the link\n",
		       port, driver);
	} else if (d->cfg.flow_isolate == GLB_FLOW_ISOLATE_AUTO) {
		printf("glb-director: port %u (%s): flow_isolate \"auto\": cannot isolate (%s): it "
		       "takes all traffic\n",
		       port, driver, glb_diag_first(&why));
		glb_flow_clear(port, &d->flow[port]);
		ret = 0;
	} else {
		glb_diag_add(diag, "port %u (%s): flow_isolate: %s", port, driver,
			     glb_diag_first(&why));
	}
	glb_diag_free(&why);
	return ret;
}

static int setup_port(struct glb_director *d, uint16_t port, const struct port_queues *q,
		      struct glb_diag *diag)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		goto err;
	if (q->nb_rx > 1) {
		/* Several RX queues: spread clients by address like the NIC's RSS would. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* the outer IPv4 header checksum: the port's job where it offers it */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	ret = rte_eth_dev_configure(port, RTE_MAX(q->nb_rx, 1), RTE_MAX(q->nb_tx, 1), &conf);
	if (ret == 0)
		ret = setup_queues(d, port, q, &info);
	if (ret == 0)
		apply_mtu(d, port);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	if (ret == 0)
		ret = rte_eth_macaddr_get(port, &mac);
	if (ret != 0)
		goto err;
	memcpy(d->encap[port].src_mac, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(d->encap[port].dst_mac, d->cfg.gateway_mac, RTE_ETHER_ADDR_LEN);
	memcpy(d->encap[port].src_ip, d->cfg.src_ip, sizeof(d->cfg.src_ip));
	glb_encap_tmpl_init(&d->encap_tmpl[port], &d->encap[port]);
	d->encap_tmpl[port].csum_offload = !!(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	d->started[port] = true;
	if (d->cfg.flow_isolate != GLB_FLOW_ISOLATE_OFF) {
		ret = isolate(d, port, RTE_MAX(q->nb_rx, 1), info.driver_name, diag);
		if (ret != 0)
			return ret;
	}
	printf("glb-director: port %u: %s, MAC " RTE_ETHER_ADDR_PRT_FMT ", encapsulating up to MTU "
	       "%u, %u RX / %u TX queues, IPv4 checksum %s\n",
	       port, info.driver_name, RTE_ETHER_ADDR_BYTES(&mac), d->mtu[port],
	       RTE_MAX(q->nb_rx, 1), RTE_MAX(q->nb_tx, 1),
	       d->encap_tmpl[port].csum_offload ? "offloaded" : "in software");
	return 0;
err:
	glb_diag_add(diag, "port %u: setup failed: %s", port, rte_strerror(-ret));
	return ret;
}

/*
 * Slack past the MTU in each mbuf: Ethernet, VLAN and CRC, and the per-frame
 * header of PMDs that receive into a ring of fixed frames (af_packet wants
 * its whole ring frame, framesz, to fit one mbuf).
 */
#define GLB_FRAME_SLACK 256

/*
 * One mbuf holds a whole frame of the configured MTU (not every PMD can
 * scatter a jumbo frame over several), with the headroom the outer headers
 * are prepended into.
 */
static uint16_t mbuf_data_room(const struct glb_director_config *cfg)
{
	uint32_t frame = RTE_PKTMBUF_HEADROOM + cfg->mtu + GLB_FRAME_SLACK;

	return (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE, frame);
}

int glb_port_init(struct glb_director *d, struct glb_diag *diag)
{
	struct port_queues q[RTE_MAX_ETHPORTS] = { 0 };
	uint16_t port;
	int ret;

	count_queues(&d->cfg, q);
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (q[port].used && !rte_eth_dev_is_valid_port(port)) {
			glb_diag_add(diag,
				     "flow_paths name port %u, but DPDK has %u ports (check the "
				     "EAL --vdev / -a arguments)",
				     port, rte_eth_dev_count_avail());
			return -ENODEV;
		}
	}
	d->pool = rte_pktmbuf_pool_create("glb_mbufs", GLB_POOL_MBUFS, GLB_POOL_CACHE, 0,
					  mbuf_data_room(&d->cfg), (int)rte_socket_id());
	if (!d->pool) {
		glb_diag_add(diag, "mbuf pool: %s (give EAL more memory: -m or hugepages)",
			     rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (!q[port].used)
			continue;
		ret = setup_port(d, port, &q[port], diag);
		if (ret != 0)
			goto err_ports;
	}
	return 0;

err_ports:
	/* the ports started so far, and the pool */
	glb_port_fini(d);
	return ret;
}

void glb_port_fini(struct glb_director *d)
{
	uint16_t port;

	RTE_ETH_FOREACH_DEV(port) {
		if (port < RTE_MAX_ETHPORTS)
			glb_flow_clear(port, &d->flow[port]);
		/* Only ports this run started: stopping others just logs noise. */
		if (port < RTE_MAX_ETHPORTS && d->started[port])
			rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_mempool_free(d->pool);
	d->pool = NULL;
}
