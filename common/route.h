/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route (SPEC §5): the row a classified flow's hash selects in its table,
 * and the hops it is sent along: the row's primary and secondary, then,
 * with alt_hash_fields, the primary and secondary of the row the alt hash
 * selects.
 *
 * glb_route_hashed is inline so that the director's burst loop compiles
 * into one function.
 */
#ifndef GLB_ROUTE_H
#define GLB_ROUTE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "classify.h"
#include "gue.h"
#include "parse.h"
#include "proto.h"
#include "table_format.h"
#include "verdict.h"

/* Where one packet goes: hops[0] is the outer destination (the primary). */
struct glb_route {
	uint32_t hops[1 + GLB_GUE_MAX_HOPS]; /* IPv4, network order */
	unsigned num_hops;                   /* 2, or 4 with alt_hash_fields */
	uint64_t hash;                       /* hash with the main fields */
	uint32_t row;                        /* row index with the main fields */
	uint32_t primary_idx, secondary_idx; /* backend indices of that row */
};

/*
 * Look the flow up in table t.  Returns GLB_OK, or GLB_DROP_NO_BACKEND when
 * a row has no backend (0xFFFFFFFF) or names a non-IPv4 backend.
 */
enum glb_verdict glb_route_flow(const struct glb_fmt_table *t, const struct glb_flow *flow,
				const struct glb_classify_opts *opts, struct glb_route *route);

/*
 * glb_route_flow in two steps, so that a burst can hash every packet and
 * prefetch its row before any row is read: hash[0] with the main fields,
 * hash[1] with the alt fields (0 without).
 */
void glb_route_hash(const struct glb_fmt_table *t, const struct glb_flow *flow,
		    const struct glb_classify_opts *opts, uint64_t hash[2]);

/* The backend's IPv4 address (network order), or false if idx names none. */
static inline bool glb_route_backend_ipv4(const struct glb_fmt_table *t, uint32_t idx,
					  uint32_t *addr)
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
static inline bool glb_route_row_hops(const struct glb_fmt_table *t, uint64_t hash,
				      uint32_t hops[2])
{
	const struct glb_fmt_row *r = &t->rows[hash & GLB_FMT_ROW_MASK];

	return glb_route_backend_ipv4(t, r->primary, &hops[0]) &&
	       glb_route_backend_ipv4(t, r->secondary, &hops[1]);
}

/* The second step: the route from the hashes glb_route_hash computed. */
static inline enum glb_verdict glb_route_hashed(const struct glb_fmt_table *t,
						const uint64_t hash[2],
						const struct glb_classify_opts *opts,
						struct glb_route *route)
{
	const struct glb_fmt_row *r;

	route->hash = hash[0];
	route->row = (uint32_t)(route->hash & GLB_FMT_ROW_MASK);
	r = &t->rows[route->row];
	route->primary_idx = r->primary;
	route->secondary_idx = r->secondary;
	route->num_hops = 0;
	if (!glb_route_row_hops(t, route->hash, &route->hops[0]))
		return GLB_DROP_NO_BACKEND;
	route->num_hops = 2;
	if (opts->alt_hash_fields) {
		if (!glb_route_row_hops(t, hash[1], &route->hops[2]))
			return GLB_DROP_NO_BACKEND;
		route->num_hops = 4;
	}
	return GLB_OK;
}

#endif
