/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon: inputs, the checker, the decision what to write, the output
 * and the reload command, tied together on one event loop.
 *
 *   round of probes ──► dampen each check ──► AND per backend ──► fail open
 *   per table ──► render; if it differs from what was last written: write
 *   atomically, then run reload_command
 *
 * Nothing is written before every check has a first result.  SIGHUP
 * re-reads healthcheck.conf and the source table (a bad file keeps the old
 * ones); SIGTERM/SIGINT stop.
 */
#ifndef GLB_HC_DAEMON_H
#define GLB_HC_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "checker.h"
#include "config.h"
#include "diag.h"
#include "loop.h"
#include "reload.h"
#include "stats.h"
#include "targets.h"

struct glb_hc_daemon {
	const char *conf_path;
	struct glb_hc_conf conf;
	struct glb_hc_source src;
	struct glb_hc_targets *set;
	struct glb_hc_loop loop;
	struct glb_hc_checker checker;
	struct glb_hc_reloader reloader;
	struct glb_hc_stats stats;
	char *written; /* the checked table as last written */
	size_t written_len;
	bool once, once_done, ready, status_failing;
	bool output_dirty;   /* a written health or the source changed since the last write */
	bool output_failing; /* the last write failed (logged once per streak) */
	uint64_t started_unix;
};

/*
 * Load the inputs and open what the checks need.  With table_path (for
 * --once), that table is checked and conf_path is not read.  Returns 0;
 * -EINVAL with every problem of the input files in d; or -errno.
 */
int glb_hc_daemon_init(struct glb_hc_daemon *dm, const char *conf_path, const char *table_path,
		       bool once, struct glb_diag *d);
/* Run until SIGTERM/SIGINT (or, for --once, the end of the round).  0 or -errno. */
int glb_hc_daemon_run(struct glb_hc_daemon *dm);
void glb_hc_daemon_fini(struct glb_hc_daemon *dm);

#endif
