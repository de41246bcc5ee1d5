/* SPDX-License-Identifier: BSD-3-Clause */
/* Which table a flow goes to (SPEC §5), bind by bind. */
#include "classify.h"

#include "flow_hash.h"

#define IPV4_PREFIX_MAX 32
#define IPV6_PREFIX_MAX 128

static uint32_t table_num_binds(const struct glb_fmt_table *t)
{
	return t->num_binds < GLB_FMT_MAX_BINDS ? t->num_binds : GLB_FMT_MAX_BINDS;
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The top bits of a 32-bit word, 0 <= bits <= 32 (a shift by 32 is undefined). */
static uint32_t prefix_mask32(unsigned bits)
{
	return bits ? ~(uint32_t)0 << (32 - bits) : 0;
}

/*
 * Does the bind's prefix contain addr (same family)?  Compared a 32-bit word
 * at a time: this runs for every bind of every table on every packet.
 */
static bool prefix_contains(const struct glb_fmt_bind *b, uint8_t family, const uint8_t addr[16])
{
	unsigned bits = b->prefix_bits, w, words;

	if (b->family != family || family == GLB_FAMILY_NONE)
		return false;
	if (bits > (family == GLB_FAMILY_IPV4 ? IPV4_PREFIX_MAX : IPV6_PREFIX_MAX))
		return false;
	words = (bits + 31) / 32;
	for (w = 0; w < words; w++) {
		unsigned left = bits - 32 * w;
		uint32_t mask = prefix_mask32(left < 32 ? left : 32);

		if ((load_be32(b->addr + 4 * w) ^ load_be32(addr + 4 * w)) & mask)
			return false;
	}
	return true;
}

bool glb_classify_bind_matches(const struct glb_fmt_bind *b, uint8_t family, const uint8_t addr[16],
			       uint8_t proto, uint16_t port)
{
	return b->proto == proto && port >= b->port_start && port <= b->port_end &&
	       prefix_contains(b, family, addr);
}

static bool table_matches(const struct glb_fmt_table *t, const struct glb_flow *flow)
{
	uint32_t i, n = table_num_binds(t);

	for (i = 0; i < n; i++)
		if (glb_classify_bind_matches(&t->binds[i], flow->family, flow->dst, flow->proto,
					      flow->dport))
			return true;
	return false;
}

/* Echo is matched by prefix alone: ping a VIP whatever ports it serves. */
static bool table_has_prefix(const struct glb_fmt_table *t, const struct glb_flow *flow)
{
	uint32_t i, n = table_num_binds(t);

	for (i = 0; i < n; i++)
		if (prefix_contains(&t->binds[i], flow->family, flow->dst))
			return true;
	return false;
}

/* A later fragment has no port: match address and protocol only. */
static bool table_has_proto(const struct glb_fmt_table *t, const struct glb_flow *flow)
{
	uint32_t i, n = table_num_binds(t);

	for (i = 0; i < n; i++)
		if (t->binds[i].proto == flow->proto &&
		    prefix_contains(&t->binds[i], flow->family, flow->dst))
			return true;
	return false;
}

/*
 * An echo that matches no bind is not ours (the host's own address, say) and
 * is reported as no match, so a director can still hand it to its kernel.
 */
static int classify_echo(const struct glb_fmt_table *tables, uint32_t num_tables,
			 const struct glb_flow *flow, const struct glb_classify_opts *opts)
{
	uint32_t i;

	for (i = 0; i < num_tables; i++) {
		if (!table_has_prefix(&tables[i], flow))
			continue;
		return opts->forward_echo ? (int)i : -GLB_DROP_ECHO_DISABLED;
	}
	return -GLB_DROP_NO_MATCH;
}

/*
 * Without ports, the first-match rule could pick a table the flow's other
 * fragments do not go to; only an unambiguous table with a port-free hash
 * sends every fragment of a datagram to the same place.
 */
static int classify_fragment(const struct glb_fmt_table *tables, uint32_t num_tables,
			     const struct glb_flow *flow, const struct glb_classify_opts *opts)
{
	int found = -GLB_DROP_FRAGMENT;
	uint32_t i;

	if ((opts->hash_fields | opts->alt_hash_fields) & GLB_HASH_PORTS)
		return -GLB_DROP_FRAGMENT;
	for (i = 0; i < num_tables; i++) {
		if (!table_has_proto(&tables[i], flow))
			continue;
		if (found >= 0)
			return -GLB_DROP_FRAGMENT;
		found = (int)i;
	}
	return found;
}

int glb_classify_flow(const struct glb_fmt_table *tables, uint32_t num_tables,
		      const struct glb_flow *flow, const struct glb_classify_opts *opts)
{
	uint32_t i;

	if (num_tables > GLB_FMT_MAX_TABLES)
		num_tables = GLB_FMT_MAX_TABLES;
	if (flow->kind == GLB_FLOW_ECHO)
		return classify_echo(tables, num_tables, flow, opts);
	if (flow->kind == GLB_FLOW_FRAGMENT)
		return classify_fragment(tables, num_tables, flow, opts);
	for (i = 0; i < num_tables; i++)
		if (table_matches(&tables[i], flow))
			return (int)i;
	return -GLB_DROP_NO_MATCH;
}
