/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters: one block per lcore, each written only by its lcore (no atomics
 * on shared lines in the data path), summed by readers (telemetry, exit).
 */
#ifndef GLB_STATS_H
#define GLB_STATS_H

#include <stdint.h>

#include <rte_common.h>

#include "table_format.h"
#include "verdict.h"

/* Tables and ports with their own counters; the rest share the last slot. */
#define GLB_STATS_TABLES 32
#define GLB_STATS_PORTS 8

enum glb_stat {
	GLB_STAT_RX,          /* packets received */
	GLB_STAT_TX,          /* packets handed to the TX queue */
	GLB_STAT_TX_FULL,     /* encapsulated but the TX queue would not take them */
	GLB_STAT_TOO_BIG,     /* encapsulation would exceed the TX port's MTU */
	GLB_STAT_NO_HEADROOM, /* the mbuf had no room to prepend the outer headers */
	GLB_STAT_TO_KERNEL,   /* not for any table: handed to the exception TAP */
	/* for the exception TAP, but it would not take them (its queue full, or the TAP down) */
	GLB_STAT_TO_KERNEL_FULL,
	GLB_STAT_FROM_KERNEL, /* written by the kernel to the TAP, sent out this port */
	GLB_STAT_NO_WORKER,   /* received while stopping, before any worker would take it */
	GLB_STAT_COUNT,
};

struct glb_lcore_stats {
	uint64_t port[GLB_STATS_PORTS][GLB_STAT_COUNT];
	uint64_t drops[GLB_STATS_PORTS][GLB_VERDICT_COUNT];
	uint64_t table_packets[GLB_STATS_TABLES];
	uint64_t table_bytes[GLB_STATS_TABLES];
	uint64_t backend_packets[GLB_STATS_TABLES][GLB_FMT_MAX_BACKENDS];
} __rte_cache_aligned;

/*
 * Single-writer increment: relaxed atomics compile to a plain add on x86
 * and make concurrent readers well defined.
 */
static inline void glb_stat_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline unsigned glb_stats_port_slot(uint16_t port)
{
	return port < GLB_STATS_PORTS ? port : GLB_STATS_PORTS - 1;
}

static inline unsigned glb_stats_table_slot(int table)
{
	return (unsigned)table < GLB_STATS_TABLES ? (unsigned)table : GLB_STATS_TABLES - 1;
}

const char *glb_stat_name(enum glb_stat s);
/* Allocate one zeroed block for an lcore on its socket; NULL on failure. */
struct glb_lcore_stats *glb_stats_alloc(unsigned lcore_id);
struct glb_director;

/*
 * Sum the blocks of every configured lcore of d into one of the same type
 * (allocate it with glb_stats_sum_alloc: the type is cache-line aligned).
 */
void glb_stats_sum(const struct glb_director *d, struct glb_lcore_stats *sum);
struct glb_lcore_stats *glb_stats_sum_alloc(void);

#endif
