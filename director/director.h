/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * glb-director's runtime state, shared by the control plane (the main lcore)
 * and the data-path lcores.  Written before the lcores start, then only
 * read by them, except for the published table (RCU, reload.c) and the
 * stop flag.
 */
#ifndef GLB_DIRECTOR_H
#define GLB_DIRECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_distributor.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "classify.h"
#include "director_config.h"
#include "flow.h"
#include "encap.h"
#include "stats.h"

/* Packets per RX/TX burst: DPDK's customary size, one cache line of pointers x4. */
#define GLB_BURST 32

struct glb_director;
struct glb_table_ctx;

/*
 * A data-path lcore's state, handed to its role's function as the launch
 * argument: all it reads comes through here (d included), no global.
 */
struct glb_lcore_ctx {
	struct glb_director *d; /* the director this lcore forwards for */
	unsigned lcore_id;
	unsigned roles; /* enum glb_lcore_role */
	unsigned num_paths;
	struct glb_flow_path paths[GLB_LCORE_MAX_FLOW_PATHS]; /* where it receives and sends */
	/* distributor layout */
	struct rte_distributor *dist; /* the one this lcore runs or feeds */
	unsigned worker_id;
	struct glb_lcore_stats *stats;
	/* exception path: this lcore's TX queue on the TAP, and whether it polls the TAP */
	int exc_txq; /* -1: none */
	bool polls_exception;
};

struct glb_director {
	struct glb_director_config cfg;
	const char *config_path;
	const char *table_path;
	struct glb_classify_opts opts;
	struct glb_encap_params encap[RTE_MAX_ETHPORTS];    /* per TX port: its MAC as source */
	struct glb_encap_tmpl encap_tmpl[RTE_MAX_ETHPORTS]; /* the same, laid out for the data path */
	uint16_t mtu[RTE_MAX_ETHPORTS];
	bool started[RTE_MAX_ETHPORTS];
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	struct glb_table_ctx *table; /* published with __atomic, read under RCU */
	struct glb_lcore_ctx lcores[RTE_MAX_LCORE];
	int exception_port; /* the TAP's port id, or -1 */
	/* flow bifurcation: the isolated ports and their rules (flow.c), main lcore only */
	bool isolated[RTE_MAX_ETHPORTS];
	struct glb_flow_rules flow[RTE_MAX_ETHPORTS];
	uint64_t flow_updates_failed;
	uint64_t reloads_ok, reloads_failed; /* written by the main lcore only */
	int stop;                            /* enum glb_stop, __atomic; main lcore sets it */
};

/*
 * Stopping happens in two steps so that nothing in flight is lost: first
 * the receiving lcores stop and collect what workers still hold, then the
 * workers stop.
 */
enum glb_stop {
	GLB_RUNNING,
	GLB_STOP_RX,
	GLB_STOP_ALL,
};

static inline bool glb_director_stopping(const struct glb_director *d)
{
	return __atomic_load_n(&d->stop, __ATOMIC_RELAXED) >= GLB_STOP_RX;
}

static inline bool glb_director_workers_stopping(const struct glb_director *d)
{
	return __atomic_load_n(&d->stop, __ATOMIC_RELAXED) >= GLB_STOP_ALL;
}

/* Data-path lcore entry points, one per role (lcore_*.c); arg is the lcore's glb_lcore_ctx. */
int glb_lcore_rtc(void *arg);
int glb_lcore_dist(void *arg);
int glb_lcore_worker(void *arg);

#endif
