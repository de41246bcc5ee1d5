/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reload command (typically build-config, then reload the director),
 * run with /bin/sh -c in its own process group, never more than one at a
 * time, with a timeout after which the group is killed.  A change while
 * one runs makes it run once more when it ends.  A failure is logged and
 * counted; the next change runs it again.
 */
#ifndef GLB_HC_RELOAD_H
#define GLB_HC_RELOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "stats.h"

struct glb_hc_reloader {
	struct glb_hc_loop *loop;
	struct glb_hc_stats *stats;
	pid_t pid; /* 0: none running */
	bool pending, timed_out;
	uint64_t started_ns, gen;
	char *command, *table; /* of the run in progress */
	uint32_t timeout_ms;
};

void glb_hc_reload_init(struct glb_hc_reloader *r, struct glb_hc_loop *loop,
			struct glb_hc_stats *stats);
/*
 * Run command now, or once the one running has ended.  table is the checked
 * table's path, given to the command as $GLB_CHECKED_TABLE.
 */
void glb_hc_reload_request(struct glb_hc_reloader *r, const char *command, const char *table,
			   uint32_t timeout_ms);
/* After SIGCHLD: collect the command if it ended (true), and start a pending one. */
bool glb_hc_reload_reap(struct glb_hc_reloader *r);
/* True while a command runs. */
bool glb_hc_reload_running(const struct glb_hc_reloader *r);
/* Forget the command (it goes on running on its own). */
void glb_hc_reload_fini(struct glb_hc_reloader *r);

#endif
