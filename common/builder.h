/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rendezvous table builder (SPEC §4): from a validated JSON table to the
 * binary table's backends, binds, hash key and 65,536 rows.
 */
#ifndef GLB_BUILDER_H
#define GLB_BUILDER_H

#include <stdint.h>

#include "fwd_config.h"
#include "table_format.h"

/*
 * Fill out (all of it: unused slots zeroed) from in.  threads = 0 picks the
 * number of online CPUs; if a thread cannot start, its rows are built on the
 * caller's.  Returns 0 or -ENOMEM.
 */
int glb_builder_build(const struct glb_cfg_table *in, struct glb_fmt_table *out, unsigned threads);

/*
 * The rendezvous score of one backend address for one row: SipHash-2-4
 * keyed by seed over row_seed || addr, read big-endian (lower sorts first).
 * Exposed for tests and for `glb-director-cli route --explain`.
 */
uint64_t glb_builder_row_seed(const uint8_t seed[16], uint32_t row);
uint64_t glb_builder_score(const uint8_t seed[16], uint64_t row_seed, const uint8_t addr[4]);

#endif
