/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The first of the two rules that turn raw check results into the "healthy"
 * flags we write (SPEC §8), kept free of I/O so the unit tests drive it
 * directly.
 *
 * Dampening, per check: the first result sets the state directly (there is
 * nothing to dampen against yet); after that, `trigger` consecutive results
 * that disagree with the state are needed to flip it, and one agreeing
 * result resets that count.  GLB's dampener behaves the same way.
 *
 * The other rule, fail open per table, is in failopen.h.
 */
#ifndef GLB_HC_DAMPEN_H
#define GLB_HC_DAMPEN_H

#include <stdbool.h>
#include <stdint.h>

enum glb_hc_health {
	GLB_HC_HEALTH_UNKNOWN, /* no result yet */
	GLB_HC_HEALTH_UP,
	GLB_HC_HEALTH_DOWN,
};

struct glb_hc_dampener {
	enum glb_hc_health state;
	uint32_t streak; /* consecutive results disagreeing with state */
};

/* "unknown", "up", "down". */
const char *glb_hc_health_name(enum glb_hc_health h);

/*
 * Feed one result (ok = the check passed) with the table's trigger (>= 1;
 * 0 is treated as 1).  Returns true when d->state changed, including the
 * first result leaving GLB_HC_HEALTH_UNKNOWN.
 */
bool glb_hc_dampen_step(struct glb_hc_dampener *d, bool ok, uint32_t trigger);

#endif
