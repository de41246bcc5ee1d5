/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which table, which row, which hops (SPEC §5).  The tables are trusted to
 * have passed the loader's checks; counts are still clamped to the arrays so
 * that a bad table can misroute but never read out of bounds.
 */
#include "packet.h"

#include <string.h>

#include "siphash.h"

#define IPV4_ADDR_LEN 4
#define IPV6_ADDR_LEN 16
#define IPV4_PREFIX_MAX 32
#define IPV6_PREFIX_MAX 128
#define PORT_LEN 2
/* src address, dst address, src port, dst port: the longest hashed message. */
#define HASH_MSG_MAX (2 * IPV6_ADDR_LEN + 2 * PORT_LEN)

static size_t addr_len(uint8_t family)
{
	return family == GLB_FAMILY_IPV4 ? IPV4_ADDR_LEN : IPV6_ADDR_LEN;
}

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

bool glb_bind_matches(const struct glb_fmt_bind *b, uint8_t family, const uint8_t addr[16],
		      uint8_t proto, uint16_t port)
{
	return b->proto == proto && port >= b->port_start && port <= b->port_end &&
	       prefix_contains(b, family, addr);
}

static bool table_matches(const struct glb_fmt_table *t, const struct glb_flow *flow)
{
	uint32_t i, n = table_num_binds(t);

	for (i = 0; i < n; i++)
		if (glb_bind_matches(&t->binds[i], flow->family, flow->dst, flow->proto,
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

int glb_classify(const struct glb_fmt_table *tables, uint32_t num_tables,
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

static size_t put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return PORT_LEN;
}

/*
 * SipHash-2-4 of msg[0..n), inline: the hashed messages are 4 to 36 bytes,
 * so a call and a byte loop over the tail would be a good part of the cost.
 * msg must be zero from n up to the next multiple of 8.
 */
static uint64_t hash_msg(const uint8_t key[16], const uint8_t *msg, size_t n)
{
	struct glb_siphash_state s;
	size_t full = n & ~(size_t)7, i;

	glb_siphash_init(&s, key);
	for (i = 0; i < full; i += 8)
		glb_siphash_block(&s, glb_load_le64(msg + i));
	return glb_siphash_final(s, glb_load_le64(msg + full) | (uint64_t)(n & 0xff) << 56);
}

uint64_t glb_flow_hash(const struct glb_flow *flow, unsigned fields, const uint8_t key[16])
{
	/* a zero tail up to the next 8-byte block, see hash_msg */
	uint8_t msg[HASH_MSG_MAX + 8] = { 0 };
	size_t n = 0, alen = addr_len(flow->family);

	if (fields & GLB_HASH_SRC_ADDR) {
		memcpy(msg + n, flow->src, alen);
		n += alen;
	}
	if (fields & GLB_HASH_DST_ADDR) {
		memcpy(msg + n, flow->dst, alen);
		n += alen;
	}
	if (fields & GLB_HASH_SRC_PORT)
		n += put_be16(msg + n, flow->sport);
	if (fields & GLB_HASH_DST_PORT)
		n += put_be16(msg + n, flow->dport);
	return hash_msg(key, msg, n);
}

/* The backend's IPv4 address (network order), or false if idx names none. */
static bool backend_ipv4(const struct glb_fmt_table *t, uint32_t idx, uint32_t *addr)
{
	const struct glb_fmt_backend *b;

	/* GLB_FMT_NO_BACKEND is caught here too: it is never below num_backends */
	if (idx >= t->num_backends || idx >= GLB_FMT_MAX_BACKENDS)
		return false;
	b = &t->backends[idx];
	if (b->family != GLB_FAMILY_IPV4)
		return false;
	memcpy(addr, b->addr, IPV4_ADDR_LEN);
	return true;
}

/* Primary and secondary of the row the hash selects, into hops[0..1]. */
static bool row_hops(const struct glb_fmt_table *t, uint64_t hash, uint32_t hops[2])
{
	const struct glb_fmt_row *r = &t->rows[hash & GLB_FMT_ROW_MASK];

	return backend_ipv4(t, r->primary, &hops[0]) && backend_ipv4(t, r->secondary, &hops[1]);
}

void glb_route_hash(const struct glb_fmt_table *t, const struct glb_flow *flow,
		    const struct glb_classify_opts *opts, uint64_t hash[2])
{
	hash[0] = glb_flow_hash(flow, opts->hash_fields, t->hash_key);
	hash[1] = opts->alt_hash_fields ? glb_flow_hash(flow, opts->alt_hash_fields, t->hash_key) :
					  0;
}

enum glb_verdict glb_route_hashed(const struct glb_fmt_table *t, const uint64_t hash[2],
				  const struct glb_classify_opts *opts, struct glb_route *route)
{
	const struct glb_fmt_row *r;

	route->hash = hash[0];
	route->row = (uint32_t)(route->hash & GLB_FMT_ROW_MASK);
	r = &t->rows[route->row];
	route->primary_idx = r->primary;
	route->secondary_idx = r->secondary;
	route->num_hops = 0;
	if (!row_hops(t, route->hash, &route->hops[0]))
		return GLB_DROP_NO_BACKEND;
	route->num_hops = 2;
	if (opts->alt_hash_fields) {
		if (!row_hops(t, hash[1], &route->hops[2]))
			return GLB_DROP_NO_BACKEND;
		route->num_hops = 4;
	}
	return GLB_OK;
}

enum glb_verdict glb_route_flow(const struct glb_fmt_table *t, const struct glb_flow *flow,
				const struct glb_classify_opts *opts, struct glb_route *route)
{
	uint64_t hash[2];

	glb_route_hash(t, flow, opts, hash);
	return glb_route_hashed(t, hash, opts, route);
}
