/* SPDX-License-Identifier: BSD-3-Clause */
/* --once: the round's results as a table for an operator. */
#ifndef GLB_HC_REPORT_H
#define GLB_HC_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "daemon.h"

/*
 * One line per check of each backend (table, backend, its health, check,
 * result, milliseconds, detail), unchecked backends noted, then a summary.
 * Returns true when every checked backend is up.
 */
bool glb_hc_report_once(const struct glb_hc_daemon *dm, FILE *out);

#endif
