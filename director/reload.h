/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding table the data path reads, and its replacement without
 * stopping traffic: the main lcore loads and validates a new file off the
 * data path, publishes it with one atomic pointer store, waits (QSBR RCU)
 * until every data-path lcore has finished a burst begun under the old one,
 * and only then frees the old one.  A bad file is logged and counted and the
 * old table keeps forwarding.
 */
#ifndef GLB_RELOAD_H
#define GLB_RELOAD_H

#include "director.h"
#include "table.h"

struct glb_table_ctx {
	struct glb_table_file *file;
};

/* Create the RCU state for every lcore.  0 or -errno; undone by glb_reload_fini. */
int glb_reload_init(struct glb_director *d);
/* Load d->table_path and publish it.  0, or -errno with the old table kept. */
int glb_reload(struct glb_director *d);
/* Free the published table and the RCU state (after the lcores have stopped). */
void glb_reload_fini(struct glb_director *d);

/* The table to use for the next burst; stable until this lcore's next quiescent report. */
static inline const struct glb_table_ctx *glb_reload_current(const struct glb_director *d)
{
	return __atomic_load_n(&d->table, __ATOMIC_ACQUIRE);
}

/* A data-path lcore's part: register before reading, report between bursts. */
void glb_reload_reader_online(struct glb_director *d, unsigned lcore_id);
void glb_reload_reader_offline(struct glb_director *d, unsigned lcore_id);
static inline void glb_reload_quiescent(struct glb_director *d, unsigned lcore_id)
{
	rte_rcu_qsbr_quiescent(d->qsbr, lcore_id);
}

#endif
