/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two rules that turn raw check results into the "healthy" flags we
 * write (SPEC §8), kept free of I/O so the unit tests drive them directly.
 *
 * Dampening, per check: the first result sets the state directly (there is
 * nothing to dampen against yet); after that, `trigger` consecutive results
 * that disagree with the state are needed to flip it, and one agreeing
 * result resets that count.  GLB's dampener behaves the same way.
 *
 * Fail open, per table: when every backend that takes part in the table
 * would be written down and our checks put at least one of them there, the
 * checks are more likely wrong (the checker's own network is cut) than
 * every proxy dead at once, so those backends are written up instead.
 */
#ifndef GLB_HC_DAMPEN_H
#define GLB_HC_DAMPEN_H

#include <stdbool.h>
#include <stddef.h>
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

/* One backend of a table as the fail-open rule sees it. */
struct glb_hc_failopen_backend {
	bool participates; /* its state is not "inactive": it can receive flows */
	bool checked;      /* its health is decided by our checks */
	bool healthy;      /* in: health from the checks (or the source when unchecked);
			      out: the health to write */
};

/*
 * Apply the fail-open rule to the n backends of one table.  Returns true
 * (and sets healthy on every participating checked backend) when the table
 * fails open; false leaves every entry as it was.
 */
bool glb_hc_failopen_apply(struct glb_hc_failopen_backend *b, size_t n);

#endif
