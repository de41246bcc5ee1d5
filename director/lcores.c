/* SPDX-License-Identifier: BSD-3-Clause */
#include "lcores.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#define ROLES_RTC (GLB_ROLE_RX | GLB_ROLE_TX | GLB_ROLE_WORK)
#define ROLES_DIST (GLB_ROLE_RX | GLB_ROLE_TX | GLB_ROLE_DIST)

static int check_lcore(unsigned l, const struct glb_lcore_config *lc, struct glb_diag *diag)
{
	unsigned roles = lc->roles & ~GLB_ROLE_KNI;

	if (!rte_lcore_is_enabled(l)) {
		glb_diag_add(diag, "lcores.lcore-%u: not enabled in EAL (add it to -l/--lcores)",
			     l);
		return -EINVAL;
	}
	if (l == rte_get_main_lcore()) {
		glb_diag_add(diag,
			     "lcores.lcore-%u: is EAL's main lcore, which runs the control "
			     "plane: give the data path other lcores",
			     l);
		return -EINVAL;
	}
	if (roles != ROLES_RTC && roles != ROLES_DIST && roles != GLB_ROLE_WORK) {
		glb_diag_add(diag,
			     "lcores.lcore-%u: unsupported roles: use rx+tx+dist "
			     "(distributor), work (its worker) or rx+tx+work (run to completion)",
			     l);
		return -EINVAL;
	}
	return 0;
}

static void copy_paths(const struct glb_director_config *cfg, const struct glb_lcore_config *lc,
		       struct glb_lcore_ctx *ctx)
{
	unsigned p;

	ctx->num_paths = lc->num_flow_paths;
	for (p = 0; p < lc->num_flow_paths; p++)
		ctx->paths[p] = cfg->flow_paths[lc->flow_paths[p]];
}

static int create_distributor(struct glb_lcore_ctx *ctx, unsigned workers, struct glb_diag *diag)
{
	char name[RTE_MEMZONE_NAMESIZE];

	snprintf(name, sizeof(name), "glb_dist_%u", ctx->lcore_id);
	ctx->dist = rte_distributor_create(name, rte_lcore_to_socket_id(ctx->lcore_id), workers,
					   RTE_DIST_ALG_BURST);
	if (!ctx->dist) {
		glb_diag_add(diag, "lcores.lcore-%u: distributor: %s", ctx->lcore_id,
			     rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

/* Workers take their distributor's handle, a worker id and its flow paths (for TX). */
static void attach_workers(struct glb_director *d)
{
	unsigned next_id[RTE_MAX_LCORE] = { 0 }, l;

	for (l = 0; l < RTE_MAX_LCORE && l < GLB_MAX_LCORES; l++) {
		const struct glb_lcore_config *lc = &d->cfg.lcores[l];
		struct glb_lcore_ctx *src;

		if (!lc->configured || lc->roles != GLB_ROLE_WORK)
			continue;
		src = &d->lcores[lc->work_source];
		d->lcores[l].dist = src->dist;
		d->lcores[l].worker_id = next_id[lc->work_source]++;
		d->lcores[l].num_paths = src->num_paths;
		memcpy(d->lcores[l].paths, src->paths, sizeof(src->paths));
	}
}

int glb_lcores_setup(struct glb_director *d, struct glb_diag *diag)
{
	unsigned l;
	int ret;

	for (l = 0; l < RTE_MAX_LCORE && l < GLB_MAX_LCORES; l++) {
		const struct glb_lcore_config *lc = &d->cfg.lcores[l];
		struct glb_lcore_ctx *ctx = &d->lcores[l];

		if (!lc->configured)
			continue;
		ret = check_lcore(l, lc, diag);
		if (ret != 0)
			goto err;
		ctx->d = d;
		ctx->lcore_id = l;
		ctx->roles = lc->roles & ~GLB_ROLE_KNI;
		ctx->stats = glb_stats_alloc(l);
		if (!ctx->stats) {
			glb_diag_add(diag, "lcores.lcore-%u: no memory for counters", l);
			ret = -ENOMEM;
			goto err;
		}
		copy_paths(&d->cfg, lc, ctx);
		if (ctx->roles == ROLES_DIST) {
			ret = create_distributor(ctx, lc->num_dist_workers, diag);
			if (ret != 0)
				goto err;
		}
	}
	attach_workers(d);
	return 0;

err:
	glb_lcores_fini(d);
	return ret;
}

unsigned glb_lcores_launch(struct glb_director *d)
{
	unsigned l, n = 0;

	RTE_LCORE_FOREACH_WORKER(l) {
		struct glb_lcore_ctx *ctx = &d->lcores[l];
		lcore_function_t *fn;

		if (!ctx->stats)
			continue;
		fn = ctx->roles == ROLES_RTC  ? glb_lcore_rtc :
		     ctx->roles == ROLES_DIST ? glb_lcore_dist :
						glb_lcore_worker;
		if (rte_eal_remote_launch(fn, ctx, l) == 0)
			n++;
	}
	return n;
}

void glb_lcores_stop(struct glb_director *d)
{
	unsigned l;

	__atomic_store_n(&d->stop, GLB_STOP_RX, __ATOMIC_RELEASE);
	RTE_LCORE_FOREACH_WORKER(l)
		if (d->lcores[l].stats && d->lcores[l].roles != GLB_ROLE_WORK)
			rte_eal_wait_lcore(l);
	__atomic_store_n(&d->stop, GLB_STOP_ALL, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
}

void glb_lcores_fini(struct glb_director *d)
{
	unsigned l;

	for (l = 0; l < RTE_MAX_LCORE; l++) {
		struct glb_lcore_ctx *ctx = &d->lcores[l];

		/* DPDK 22.11 cannot free a distributor: its memzone goes with EAL cleanup. */
		rte_free(ctx->stats);
		ctx->stats = NULL;
		ctx->dist = NULL;
	}
}
