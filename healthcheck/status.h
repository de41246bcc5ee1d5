/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The status files, replaced (temp file, rename) after each round and each
 * reload: status_file, JSON with the counters, timing, every check's state
 * and every backend's health; and prometheus_file, the same as Prometheus
 * text (for node_exporter's textfile collector).  `glb-healthcheck
 * --status` shows the first as text or JSON, `--status --prometheus`
 * prints the second.
 */
#ifndef GLB_HC_STATUS_H
#define GLB_HC_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "diag.h"
#include "stats.h"
#include "targets.h"

/* Bump when a field changes meaning; readers check it. */
#define GLB_HC_STATUS_VERSION 1

struct glb_hc_status_view {
	const char *config_path;
	const struct glb_hc_conf *conf;
	const struct glb_cfg *cfg;
	const struct glb_hc_targets *set;
	const struct glb_hc_stats *stats;
	uint64_t started_unix;
	bool ready; /* the checked table has been written */
	uint64_t timer_late_max_ns;
};

enum glb_hc_status_format {
	GLB_HC_STATUS_TEXT,
	GLB_HC_STATUS_JSON,
	GLB_HC_STATUS_PROMETHEUS,
};

/* Write status_file and prometheus_file.  0 or -errno. */
int glb_hc_status_write(const struct glb_hc_status_view *v);
/* Print the files of a running daemon.  0, -errno, or -EINVAL (not a status file: in d). */
int glb_hc_status_print(const struct glb_hc_conf *conf, enum glb_hc_status_format fmt, FILE *out,
			struct glb_diag *d);

#endif
