/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify (SPEC §5): which table a parsed flow goes to, by the tables'
 * binds.  The tables are trusted to have passed the loader's checks; counts
 * are still clamped to the arrays so that a bad table can misroute but never
 * read out of bounds.
 */
#ifndef GLB_CLASSIFY_H
#define GLB_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "parse.h"
#include "table_format.h"
#include "verdict.h"

/* Options of the director that change classification (and routing, route.h). */
struct glb_classify_opts {
	unsigned hash_fields;     /* enum glb_hash_field bits, never 0 */
	unsigned alt_hash_fields; /* 0 = no alt route */
	bool forward_echo;        /* forward_icmp_ping_responses */
};

/*
 * The index of the table this flow goes to (SPEC §5: first matching table;
 * echo by prefix; non-first fragments only when exactly one table matches
 * by address and protocol and no port is hashed), or a negative verdict.
 */
int glb_classify_flow(const struct glb_fmt_table *tables, uint32_t num_tables,
		      const struct glb_flow *flow, const struct glb_classify_opts *opts);

/* Does bind b match this address / protocol / port (host order)? */
bool glb_classify_bind_matches(const struct glb_fmt_bind *b, uint8_t family, const uint8_t addr[16],
			       uint8_t proto, uint16_t port);

#endif
