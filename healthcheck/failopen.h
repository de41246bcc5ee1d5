/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The second of the two rules that turn raw check results into the
 * "healthy" flags we write (SPEC §8; dampen.h has the first), kept free of
 * I/O so the unit tests drive it directly.
 *
 * Fail open, per table: when every backend that takes part in the table
 * would be written down and our checks put at least one of them there, the
 * checks are more likely wrong (the checker's own network is cut) than
 * every proxy dead at once, so those backends are written up instead.
 */
#ifndef GLB_HC_FAILOPEN_H
#define GLB_HC_FAILOPEN_H

#include <stdbool.h>
#include <stddef.h>

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
