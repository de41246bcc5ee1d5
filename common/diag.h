/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics: a list of human-readable problems that a function reports
 * upward instead of printing or exiting.  Validators add one line per
 * problem, so an operator sees every mistake in a file at once.
 */
#ifndef GLB_DIAG_H
#define GLB_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* Past this many, further problems are counted but not kept. */
#define GLB_DIAG_MAX_KEPT 200

struct glb_diag {
	char **msgs;
	size_t count;      /* problems reported, kept or not */
	size_t kept;       /* entries in msgs */
	size_t warnings;   /* warnings reported */
	size_t warns_kept; /* entries in warns */
	char **warns;
};

void glb_diag_init(struct glb_diag *d);
void glb_diag_free(struct glb_diag *d);
/* Add a problem (printf format).  NULL d is allowed and ignored. */
void glb_diag_add(struct glb_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add a warning: reported, but not a failure. */
void glb_diag_warn(struct glb_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "prefix: warning: msg" / "prefix: msg" lines, then "... and N more". */
void glb_diag_print(const struct glb_diag *d, FILE *f, const char *prefix);
/* The first problem, or "" when there is none. */
const char *glb_diag_first(const struct glb_diag *d);

#endif
