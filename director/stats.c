/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "director.h"

const char *glb_stat_name(enum glb_stat s)
{
	static const char *const names[GLB_STAT_COUNT] = {
		[GLB_STAT_RX] = "rx",
		[GLB_STAT_TX] = "tx",
		[GLB_STAT_TX_FULL] = "tx_full",
		[GLB_STAT_TOO_BIG] = "too_big",
		[GLB_STAT_NO_HEADROOM] = "no_headroom",
		[GLB_STAT_TO_KERNEL] = "to_kernel",
		[GLB_STAT_TO_KERNEL_FULL] = "to_kernel_full",
		[GLB_STAT_FROM_KERNEL] = "from_kernel",
		[GLB_STAT_NO_WORKER] = "no_worker",
	};

	return (unsigned)s < GLB_STAT_COUNT ? names[s] : "unknown";
}

struct glb_lcore_stats *glb_stats_alloc(unsigned lcore_id)
{
	return rte_zmalloc_socket("glb_stats", sizeof(struct glb_lcore_stats), RTE_CACHE_LINE_SIZE,
				  (int)rte_lcore_to_socket_id(lcore_id));
}

struct glb_lcore_stats *glb_stats_sum_alloc(void)
{
	return aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(struct glb_lcore_stats));
}

static void add_all(uint64_t *dst, const uint64_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void glb_stats_sum(const struct glb_director *d, struct glb_lcore_stats *sum)
{
	unsigned l;

	memset(sum, 0, sizeof(*sum));
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct glb_lcore_stats *s = d->lcores[l].stats;

		if (!s)
			continue;
		add_all(&sum->port[0][0], &s->port[0][0], GLB_STATS_PORTS * GLB_STAT_COUNT);
		add_all(&sum->drops[0][0], &s->drops[0][0], GLB_STATS_PORTS * GLB_VERDICT_COUNT);
		add_all(sum->table_packets, s->table_packets, GLB_STATS_TABLES);
		add_all(sum->table_bytes, s->table_bytes, GLB_STATS_TABLES);
		add_all(&sum->backend_packets[0][0], &s->backend_packets[0][0],
			GLB_STATS_TABLES * GLB_FMT_MAX_BACKENDS);
	}
}
