/* SPDX-License-Identifier: BSD-3-Clause */
#include "fwd.h"

#include <rte_ether.h>

#include "exception.h"

/*
 * Headers are parsed from a view of at most this many bytes, copied out
 * only when the first segment is shorter: room for Ethernet, a VLAN tag,
 * IPv6, a long extension header chain and an ICMP error's quoted headers.
 */
#define GLB_HDR_VIEW 512u
/* TX retries before giving up on a full queue: a few microseconds at most. */
#define GLB_TX_RETRIES 8

/*
 * Strip the received Ethernet header and any padding, then prepend the
 * outer headers.  False, with *why set, when the packet cannot be sent.
 */
static bool encapsulate(const struct glb_director *d, struct rte_mbuf *m,
			const struct glb_flow *flow, const struct glb_route *route, uint16_t tx_port,
			enum glb_stat *why)
{
	size_t hdr_len = glb_encap_hdr_len(route);
	uint8_t *hdr;

	/* the outer IPv4 packet must fit the TX port's MTU: never silently lost */
	if (hdr_len - RTE_ETHER_HDR_LEN + flow->l3_len > d->mtu[tx_port]) {
		*why = GLB_STAT_TOO_BIG;
		return false;
	}
	rte_pktmbuf_adj(m, flow->l3_offset);
	if (rte_pktmbuf_pkt_len(m) > flow->l3_len)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - flow->l3_len));
	hdr = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hdr_len);
	if (!hdr || glb_encap_write(hdr, hdr_len, &d->encap[tx_port], route, flow) != hdr_len) {
		*why = GLB_STAT_NO_HEADROOM;
		return false;
	}
	return true;
}

/* Where one packet goes: GLB_OK with the table and route, or why it is dropped. */
static enum glb_verdict decide(const struct glb_director *d, const struct glb_table_file *tf,
			       struct rte_mbuf *m, struct glb_flow *flow, struct glb_route *route,
			       int *table)
{
	uint8_t copy[GLB_HDR_VIEW];
	uint32_t len = rte_pktmbuf_pkt_len(m), view_len = RTE_MIN(len, GLB_HDR_VIEW);
	const uint8_t *view = rte_pktmbuf_read(m, 0, view_len, copy);
	enum glb_verdict v;

	/* rte_pktmbuf_read fails only when the chain holds less than pkt_len says */
	if (!view)
		return GLB_DROP_MALFORMED;
	v = glb_packet_parse_view(view, view_len, len, flow);
	if (v != GLB_OK)
		return v;
	if (!tf)
		return GLB_DROP_NO_MATCH;
	*table = glb_classify(tf->tables, tf->num_tables, flow, &d->opts);
	if (*table < 0)
		return (enum glb_verdict)-*table;
	return glb_route_flow(&tf->tables[*table], flow, &d->opts, route);
}

enum fwd_result {
	FWD_SEND,   /* encapsulated, to transmit */
	FWD_KERNEL, /* untouched, for the exception path */
	FWD_GONE,   /* freed and counted */
};

static enum fwd_result fwd_one(const struct glb_director *d, const struct glb_table_file *tf,
			       struct rte_mbuf *m, unsigned rx_slot, uint16_t tx_port,
			       struct glb_lcore_stats *st)
{
	struct glb_route route;
	struct glb_flow flow;
	enum glb_verdict v;
	enum glb_stat why;
	unsigned t;
	int table = -1;

	v = decide(d, tf, m, &flow, &route, &table);
	if (v != GLB_OK && d->exception_port >= 0 && glb_exception_wants(v))
		return FWD_KERNEL;
	if (v != GLB_OK) {
		glb_stat_add(&st->drops[rx_slot][v], 1);
		rte_pktmbuf_free(m);
		return FWD_GONE;
	}
	if (!encapsulate(d, m, &flow, &route, tx_port, &why)) {
		glb_stat_add(&st->port[glb_stats_port_slot(tx_port)][why], 1);
		rte_pktmbuf_free(m);
		return FWD_GONE;
	}
	t = glb_stats_table_slot(table);
	glb_stat_add(&st->table_packets[t], 1);
	glb_stat_add(&st->table_bytes[t], flow.l3_len);
	glb_stat_add(&st->backend_packets[t][route.primary_idx], 1);
	return FWD_SEND;
}

uint16_t glb_fwd_burst(const struct glb_director *d, const struct glb_table_ctx *t,
		       struct rte_mbuf **pkts, uint16_t n, uint16_t rx_port, uint16_t tx_port,
		       struct glb_lcore_ctx *lc)
{
	const struct glb_table_file *tf = t ? t->file : NULL;
	unsigned rx_slot = glb_stats_port_slot(rx_port);
	struct rte_mbuf *kernel[GLB_FWD_BURST_MAX];
	uint16_t i, out = 0, nk = 0;

	glb_stat_add(&lc->stats->port[rx_slot][GLB_STAT_RX], n);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		switch (fwd_one(d, tf, pkts[i], rx_slot, tx_port, lc->stats)) {
		case FWD_SEND:
			pkts[out++] = pkts[i];
			break;
		case FWD_KERNEL:
			kernel[nk++] = pkts[i];
			break;
		case FWD_GONE:
			break;
		}
	}
	glb_exception_to_kernel(lc, kernel, nk);
	return out;
}

void glb_fwd_tx(struct rte_mbuf **pkts, uint16_t n, uint16_t port, uint16_t queue,
		struct glb_lcore_stats *st)
{
	unsigned slot = glb_stats_port_slot(port), tries = 0;
	uint16_t sent = 0;

	while (sent < n && tries++ < GLB_TX_RETRIES)
		sent += rte_eth_tx_burst(port, queue, pkts + sent, n - sent);
	glb_stat_add(&st->port[slot][GLB_STAT_TX], sent);
	if (sent < n) {
		glb_stat_add(&st->port[slot][GLB_STAT_TX_FULL], n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
}
