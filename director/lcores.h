/* SPDX-License-Identifier: BSD-3-Clause */
/* The lcore layout from director.conf: checked against EAL, launched, stopped. */
#ifndef GLB_LCORES_H
#define GLB_LCORES_H

#include "diag.h"
#include "director.h"

/*
 * Check every configured lcore against EAL (enabled, not the main lcore,
 * a supported set of roles), allocate counters, create the distributors and
 * fill d->lcores.  0 or -errno with the reason in diag (and nothing left
 * allocated); undone by glb_lcores_fini.
 */
int glb_lcores_setup(struct glb_director *d, struct glb_diag *diag);
/* Start every configured lcore on its role; returns how many. */
unsigned glb_lcores_launch(struct glb_director *d);
/* Two-step stop (see enum glb_stop) and wait for every lcore. */
void glb_lcores_stop(struct glb_director *d);
void glb_lcores_fini(struct glb_director *d);

#endif
