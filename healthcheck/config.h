/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The healthcheck's two inputs: healthcheck.conf (GLB's keys:
 * forwarding_table.src, forwarding_table.dst, reload_command; and ours:
 * reload_timeout_ms, status_file, prometheus_file) and the source
 * forwarding table, validated strictly by common/fwd_config plus the one
 * rule only the healthcheck needs (timeout_ms below interval_ms).
 */
#ifndef GLB_HC_CONFIG_H
#define GLB_HC_CONFIG_H

#include <stdint.h>

#include <jansson.h>

#include "diag.h"
#include "fwd_config.h"

#define GLB_HC_DEFAULT_CONFIG "/etc/glb/healthcheck.conf"
#define GLB_HC_DEFAULT_STATUS_FILE "/run/glb-healthcheck/status.json"
#define GLB_HC_DEFAULT_PROMETHEUS_FILE "/run/glb-healthcheck/metrics.prom"
/* Long enough for build-config on a full table file and a director reload. */
#define GLB_HC_DEFAULT_RELOAD_TIMEOUT_MS 60000

struct glb_hc_conf {
	char *src, *dst;
	char *reload_command; /* NULL: none (the change is logged and counted) */
	uint32_t reload_timeout_ms;
	char *status_file;
	char *prometheus_file;
};

/* 0, or -EINVAL / -errno with every problem in d, prefixed by the path. */
int glb_hc_conf_load(const char *path, struct glb_hc_conf *out, struct glb_diag *d);
void glb_hc_conf_free(struct glb_hc_conf *conf);

/*
 * The directories the daemon writes into (the checked table's, the status
 * and metrics files') exist and are writable: a problem in d for each that
 * is not.  0 or -ENOENT.  For --check-config: the daemon itself keeps
 * running and retries every round.
 */
int glb_hc_conf_check_outputs(const struct glb_hc_conf *conf, struct glb_diag *d);

/* A source table: its parsed form, and the document itself to fill in. */
struct glb_hc_source {
	struct glb_cfg cfg;
	json_t *doc;
};

/* 0, or -EINVAL / -errno with every problem in d, prefixed by the path. */
int glb_hc_source_load(const char *path, struct glb_hc_source *out, struct glb_diag *d);
void glb_hc_source_free(struct glb_hc_source *src);

#endif
