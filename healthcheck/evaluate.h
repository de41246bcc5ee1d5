/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From check states to the written table: each backend's health is the AND
 * of its dampened checks, each table fails open when all its backends
 * would be down, and the table is written, then reloaded, only when the
 * result differs from what was last written.
 */
#ifndef GLB_HC_EVALUATE_H
#define GLB_HC_EVALUATE_H

#include "daemon.h"

/* One result of t arrived: dampen it, log a state change. */
void glb_hc_evaluate_result(struct glb_hc_daemon *dm, struct glb_hc_target *t);

/*
 * Decide every backend's health and write the checked table if it changed.
 * Does nothing until every check has a first result.
 */
void glb_hc_evaluate(struct glb_hc_daemon *dm);

#endif
