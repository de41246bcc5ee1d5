/* SPDX-License-Identifier: BSD-3-Clause */
#include "reload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_log.h>
#include <rte_malloc.h>

#include "sha256.h"
#include "telemetry.h"

int glb_reload_init(struct glb_director *d)
{
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);

	d->qsbr = rte_zmalloc("glb_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (!d->qsbr)
		return -ENOMEM;
	/* 0, or 1 with rte_errno set */
	if (rte_rcu_qsbr_init(d->qsbr, RTE_MAX_LCORE) != 0) {
		rte_free(d->qsbr);
		d->qsbr = NULL;
		return -rte_errno;
	}
	return 0;
}

void glb_reload_reader_online(struct glb_director *d, unsigned lcore_id)
{
	rte_rcu_qsbr_thread_register(d->qsbr, lcore_id);
	rte_rcu_qsbr_thread_online(d->qsbr, lcore_id);
}

void glb_reload_reader_offline(struct glb_director *d, unsigned lcore_id)
{
	rte_rcu_qsbr_thread_offline(d->qsbr, lcore_id);
	rte_rcu_qsbr_thread_unregister(d->qsbr, lcore_id);
}

static void ctx_free(struct glb_table_ctx *t)
{
	if (!t)
		return;
	glb_table_free(t->file);
	free(t);
}

/*
 * The isolated ports' rules follow the new binds, new rules before old ones
 * go.  A port whose rules cannot be changed keeps the old ones (it then
 * misses the new binds' traffic until the next reload): logged and counted.
 */
static void update_flows(struct glb_director *d, const struct glb_table_file *tf)
{
	struct glb_diag diag;
	uint16_t port;

	for (port = 0; port < RTE_MAX_ETHPORTS; port++) {
		if (!d->isolated[port])
			continue;
		glb_diag_init(&diag);
		if (glb_flow_update(port, &d->flow[port], tf, &diag) != 0) {
			glb_stat_add(&d->flow_updates_failed, 1);
			fprintf(stderr,
				"glb-director: port %u: flow rules not updated, the old ones "
				"stay: %s\n",
				port, glb_diag_first(&diag));
		}
		glb_diag_free(&diag);
	}
}

int glb_reload(struct glb_director *d)
{
	struct glb_table_ctx *fresh, *old;
	char hex[2 * GLB_SHA256_LEN + 1];
	struct glb_diag diag;
	int ret;

	fresh = calloc(1, sizeof(*fresh));
	if (!fresh) {
		glb_stat_add(&d->reloads_failed, 1);
		return -ENOMEM;
	}
	glb_diag_init(&diag);
	ret = glb_table_load(d->table_path, &fresh->file, &diag);
	if (ret != 0) {
		fprintf(stderr, "glb-director: table not loaded, %s: %s\n",
			d->table ? "keeping the old one" : "nothing to forward with",
			glb_diag_first(&diag));
		glb_diag_free(&diag);
		free(fresh);
		glb_stat_add(&d->reloads_failed, 1);
		return ret;
	}
	glb_diag_free(&diag);
	glb_telemetry_lock_table();
	old = __atomic_exchange_n(&d->table, fresh, __ATOMIC_ACQ_REL);
	glb_telemetry_unlock_table();
	/* Every lcore that could still hold old has reported a quiescent state after this. */
	rte_rcu_qsbr_synchronize(d->qsbr, RTE_QSBR_THRID_INVALID);
	ctx_free(old);
	glb_stat_add(&d->reloads_ok, 1);
	glb_sha256_hex(fresh->file->sha256, hex);
	printf("glb-director: table %s loaded: %u tables, sha256 %s\n", d->table_path,
	       fresh->file->num_tables, hex);
	update_flows(d, fresh->file);
	return 0;
}

void glb_reload_fini(struct glb_director *d)
{
	struct glb_table_ctx *old;

	glb_telemetry_lock_table();
	old = __atomic_exchange_n(&d->table, NULL, __ATOMIC_ACQ_REL);
	glb_telemetry_unlock_table();
	ctx_free(old);
	rte_free(d->qsbr);
	d->qsbr = NULL;
}
