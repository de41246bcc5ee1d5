/* SPDX-License-Identifier: BSD-3-Clause */
/* The row a flow's hash selects, and its hops (SPEC §5). */
#include "route.h"

#include "flow_hash.h"

void glb_route_hash(const struct glb_fmt_table *t, const struct glb_flow *flow,
		    const struct glb_classify_opts *opts, uint64_t hash[2])
{
	hash[0] = glb_flow_hash_one(flow, opts->hash_fields, t->hash_key);
	hash[1] = opts->alt_hash_fields ?
			  glb_flow_hash_one(flow, opts->alt_hash_fields, t->hash_key) :
			  0;
}

enum glb_verdict glb_route_flow(const struct glb_fmt_table *t, const struct glb_flow *flow,
				const struct glb_classify_opts *opts, struct glb_route *route)
{
	uint64_t hash[2];

	glb_route_hash(t, flow, opts, hash);
	return glb_route_hashed(t, hash, opts, route);
}
