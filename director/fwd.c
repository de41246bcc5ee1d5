/* SPDX-License-Identifier: BSD-3-Clause */
#include "fwd.h"

#include <rte_ether.h>
#include <rte_ip.h>

#include "classify.h"
#include "encap.h"
#include "exception.h"
#include "flow_hash.h"
#include "parse.h"
#include "route.h"

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
static inline bool encapsulate(const struct glb_director *d, struct rte_mbuf *m,
			       const struct glb_flow *flow, const struct glb_route *route,
			       uint16_t tx_port, enum glb_stat *why)
{
	const struct glb_encap_tmpl *tmpl = &d->encap_tmpl[tx_port];
	uint16_t hdr_len = (uint16_t)glb_encap_hdr_len(route);
	uint8_t *hdr;

	/* the outer IPv4 packet must fit the TX port's MTU: never silently lost */
	if (hdr_len - RTE_ETHER_HDR_LEN + flow->l3_len > d->mtu[tx_port]) {
		*why = GLB_STAT_TOO_BIG;
		return false;
	}
	if (likely(m->nb_segs == 1 && m->data_off + flow->l3_offset >= hdr_len)) {
		/* one segment (the parse saw all of the IP packet in it): move the start, cut the padding */
		m->data_off = (uint16_t)(m->data_off + flow->l3_offset - hdr_len);
		m->data_len = (uint16_t)(hdr_len + flow->l3_len);
		m->pkt_len = m->data_len;
		hdr = rte_pktmbuf_mtod(m, uint8_t *);
	} else {
		rte_pktmbuf_adj(m, flow->l3_offset);
		if (rte_pktmbuf_pkt_len(m) > flow->l3_len)
			rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - flow->l3_len));
		hdr = (uint8_t *)rte_pktmbuf_prepend(m, hdr_len);
	}
	if (!hdr || glb_encap_write_tmpl(hdr, hdr_len, tmpl, route, flow) != hdr_len) {
		*why = GLB_STAT_NO_HEADROOM;
		return false;
	}
	if (tmpl->csum_offload) {
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = sizeof(struct rte_ipv4_hdr);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	}
	return true;
}

/* What the first pass learns about one packet of a burst. */
struct fwd_state {
	struct glb_flow flow;
	uint64_t hash[2]; /* main and alt hash, see glb_route_hash */
	int table;
	enum glb_verdict verdict;
};

/*
 * The last L4 flow classified in this burst: an L4 flow's table depends on
 * its family, destination, protocol and destination port alone, and a
 * director's traffic goes to a handful of services, so consecutive packets
 * mostly share the answer.
 */
struct classify_memo {
	bool valid;
	uint8_t family, proto;
	uint16_t dport;
	uint8_t dst[16];
	int table;
};

static inline int classify_l4(const struct glb_director *d, const struct glb_table_file *tf,
			      const struct glb_flow *f, struct classify_memo *memo)
{
	/*
	 * Compare only the address's own bytes, as wide as the parse wrote
	 * them: a wider load over a narrower store waits for the store to land.
	 */
	size_t alen = f->family == GLB_FAMILY_IPV4 ? 4 : sizeof(memo->dst);

	if (memo->valid && memo->family == f->family && memo->proto == f->proto &&
	    memo->dport == f->dport &&
	    (alen == 4 ? memcmp(memo->dst, f->dst, 4) : memcmp(memo->dst, f->dst, 16)) == 0)
		return memo->table;
	memo->table = glb_classify_flow(tf->tables, tf->num_tables, f, &d->opts);
	memo->valid = true;
	memo->family = f->family;
	memo->proto = f->proto;
	memo->dport = f->dport;
	memcpy(memo->dst, f->dst, sizeof(memo->dst));
	return memo->table;
}

/*
 * Parse and classify one packet: GLB_OK means st->table is set.  The
 * common case (one segment, TCP/UDP without IP options or extension
 * headers) takes the inline parse and the memo; the rest the general code.
 */
static inline enum glb_verdict classify_one(const struct glb_director *d,
					    const struct glb_table_file *tf, struct rte_mbuf *m,
					    struct fwd_state *st, struct classify_memo *memo)
{
	uint8_t copy[GLB_HDR_VIEW];
	uint32_t len = rte_pktmbuf_pkt_len(m), view_len;
	const uint8_t *view;
	enum glb_verdict v;

	if (likely(m->nb_segs == 1) &&
	    glb_parse_simple(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, len, &st->flow)) {
		if (!tf)
			return GLB_DROP_NO_MATCH;
		st->table = classify_l4(d, tf, &st->flow, memo);
	} else {
		view_len = RTE_MIN(len, GLB_HDR_VIEW);
		view = rte_pktmbuf_read(m, 0, view_len, copy);
		/* rte_pktmbuf_read fails only when the chain holds less than pkt_len says */
		if (!view)
			return GLB_DROP_MALFORMED;
		v = glb_parse_view(view, view_len, len, &st->flow);
		if (v != GLB_OK)
			return v;
		if (!tf)
			return GLB_DROP_NO_MATCH;
		st->table = glb_classify_flow(tf->tables, tf->num_tables, &st->flow, &d->opts);
	}
	return st->table < 0 ? (enum glb_verdict)(-st->table) : GLB_OK;
}

_Static_assert(2 * GLB_FWD_BURST_MAX <= GLB_FLOW_HASH_BATCH_MAX,
	       "a burst's main and alt messages fit a batch");

/*
 * A burst's hash messages are computed together, then each result goes back
 * to its packet through a one-byte owner tag: the packet's index in the
 * burst in the low seven bits, and the top bit set when the message is the
 * packet's alt hash (fwd_state.hash[1]) rather than its main one (hash[0]),
 * so that the shift gives the hash[] index.  A byte (the tags of a whole
 * burst fit two cache lines) leaves room for bursts of up to 128 packets.
 */
#define OWNER_ALT_SHIFT 7
#define OWNER_ALT (1u << OWNER_ALT_SHIFT)
#define OWNER_INDEX_MASK (OWNER_ALT - 1)
_Static_assert(GLB_FWD_BURST_MAX <= OWNER_INDEX_MASK + 1, "a burst index fits below OWNER_ALT");

enum fwd_result {
	FWD_SEND,   /* encapsulated, to transmit */
	FWD_KERNEL, /* untouched, for the exception path */
	FWD_GONE,   /* freed and counted */
};

/* Route and encapsulate one classified packet, or hand it on or drop it. */
static inline enum fwd_result fwd_one(const struct glb_director *d, const struct glb_table_file *tf,
				      struct rte_mbuf *m, const struct fwd_state *st,
				      unsigned rx_slot, uint16_t tx_port,
				      struct glb_lcore_stats *stats)
{
	enum glb_verdict v = st->verdict;
	struct glb_route route;
	enum glb_stat why;
	unsigned t;

	if (v == GLB_OK)
		v = glb_route_hashed(&tf->tables[st->table], st->hash, &d->opts, &route);
	if (unlikely(v != GLB_OK)) {
		if (d->exception_port >= 0 && glb_exception_wants(v))
			return FWD_KERNEL;
		glb_stat_add(&stats->drops[rx_slot][v], 1);
		rte_pktmbuf_free(m);
		return FWD_GONE;
	}
	if (unlikely(!encapsulate(d, m, &st->flow, &route, tx_port, &why))) {
		glb_stat_add(&stats->port[glb_stats_port_slot(tx_port)][why], 1);
		rte_pktmbuf_free(m);
		return FWD_GONE;
	}
	t = glb_stats_table_slot(st->table);
	glb_stat_add(&stats->table_packets[t], 1);
	glb_stat_add(&stats->table_bytes[t], st->flow.l3_len);
	glb_stat_add(&stats->backend_packets[t][route.primary_idx], 1);
	return FWD_SEND;
}

/*
 * Three passes over the burst: parse and classify every packet and build
 * its hash message; hash them all together (four at a time where the CPU
 * has AVX2) and prefetch each packet's row; then read the rows (in cache
 * by then) and encapsulate.  A table has 65,536 rows over 512 KiB, so with
 * many clients nearly every row read would otherwise miss the cache.
 */
uint16_t glb_fwd_burst(const struct glb_table_ctx *t, struct rte_mbuf **pkts, uint16_t n,
		       uint16_t rx_port, uint16_t tx_port, struct glb_lcore_ctx *lc)
{
	const struct glb_director *d = lc->d;
	const struct glb_table_file *tf = t ? t->file : NULL;
	unsigned rx_slot = glb_stats_port_slot(rx_port), alt = d->opts.alt_hash_fields != 0;
	struct rte_mbuf *kernel[GLB_FWD_BURST_MAX];
	struct fwd_state st[GLB_FWD_BURST_MAX];
	struct glb_flow_hash_batch hb;
	uint64_t hash[2 * GLB_FWD_BURST_MAX];
	uint8_t owner[2 * GLB_FWD_BURST_MAX]; /* each message's packet and hash: OWNER_* */
	struct classify_memo memo = { .valid = false };
	uint16_t i, out = 0, nk = 0, nh = 0;
	const uint8_t *key;
	uint64_t k0, k1;

	glb_stat_add(&lc->stats->port[rx_slot][GLB_STAT_RX], n);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		st[i].verdict = classify_one(d, tf, pkts[i], &st[i], &memo);
		if (st[i].verdict != GLB_OK)
			continue;
		key = tf->tables[st[i].table].hash_key;
		k0 = glb_flow_hash_load_le(key, 8);
		k1 = glb_flow_hash_load_le(key + 8, 8);
		st[i].hash[1] = 0;
		owner[nh] = (uint8_t)i;
		glb_flow_hash_batch_add(&hb, nh++, &st[i].flow, d->opts.hash_fields, k0, k1);
		if (alt) {
			owner[nh] = (uint8_t)(i | OWNER_ALT);
			glb_flow_hash_batch_add(&hb, nh++, &st[i].flow, d->opts.alt_hash_fields, k0,
						k1);
		}
	}
	glb_flow_hash_batch_run(&hb, nh, hash);
	for (i = 0; i < nh; i++) {
		struct fwd_state *s = &st[owner[i] & OWNER_INDEX_MASK];

		s->hash[owner[i] >> OWNER_ALT_SHIFT] = hash[i];
		/* the row is the one cold read left: start it before any row is read */
		rte_prefetch0(&tf->tables[s->table].rows[hash[i] & GLB_FMT_ROW_MASK]);
	}
	for (i = 0; i < n; i++) {
		switch (fwd_one(d, tf, pkts[i], &st[i], rx_slot, tx_port, lc->stats)) {
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
