/* SPDX-License-Identifier: BSD-3-Clause */
/* The daemon's counters: kept in one struct, written by status.c. */
#ifndef GLB_HC_STATS_H
#define GLB_HC_STATS_H

#include <stdint.h>

#include "targets.h"

/* A timer or send later than this fraction of its period counts as late (10%). */
#define GLB_HC_LATE_PERCENT 10

struct glb_hc_stats {
	uint64_t sent[GLB_HC_TYPE_COUNT];
	uint64_t results[GLB_HC_TYPE_COUNT][GLB_HC_REASON_COUNT]; /* [type][ok or why not] */
	uint64_t check_to_up, check_to_down;                      /* dampened check state changes */
	uint64_t backend_to_up, backend_to_down;                  /* written health changes */
	uint64_t rounds;
	uint64_t rounds_skipped; /* rounds not started because the loop fell an interval behind */
	uint64_t output_writes, output_write_failures;
	uint64_t reloads_ok, reloads_failed, reloads_timed_out;
	uint64_t reloads_skipped; /* a change with no reload_command configured */
	uint64_t config_loads, config_load_failures; /* SIGHUP re-reads */
	uint64_t fail_open_events;
	uint64_t icmp_received, icmp_ignored, icmp_late; /* late: its probe had already ended */
	/* Timing: how well the schedule and the timeouts are kept. */
	uint64_t timeout_late_max_ns; /* worst (timeout declared) - (sent + timeout_ms) */
	uint64_t timeouts_late;       /* timeouts declared over GLB_HC_LATE_PERCENT late */
	uint64_t send_late_max_ns;    /* worst (probe sent) - (its place in the schedule) */
	uint64_t sends_late;    /* probes sent over GLB_HC_LATE_PERCENT of the interval late */
	uint64_t last_round_ns; /* first send to last result of the last round */
};

#endif
