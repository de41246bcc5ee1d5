/* SPDX-License-Identifier: BSD-3-Clause */
#include "telemetry.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "director.h"
#include "reload.h"
#include "sha256.h"

static void add_counters(struct rte_tel_data *r, const uint64_t *stat, const uint64_t *drops)
{
	char name[RTE_TEL_MAX_STRING_LEN];
	unsigned i;

	for (i = 0; i < GLB_STAT_COUNT; i++)
		rte_tel_data_add_dict_u64(r, glb_stat_name(i), stat[i]);
	for (i = GLB_OK + 1; i < GLB_VERDICT_COUNT; i++) {
		snprintf(name, sizeof(name), "drop_%s", glb_verdict_name(i));
		rte_tel_data_add_dict_u64(r, name, drops[i]);
	}
}

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

void glb_telemetry_lock_table(void)
{
	pthread_mutex_lock(&table_lock);
}

void glb_telemetry_unlock_table(void)
{
	pthread_mutex_unlock(&table_lock);
}

static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *r)
{
	uint64_t stat[GLB_STAT_COUNT] = { 0 }, drops[GLB_VERDICT_COUNT] = { 0 };
	char hex[2 * GLB_SHA256_LEN + 1] = "";
	const struct glb_table_ctx *t;
	struct glb_lcore_stats *sum;
	uint32_t tables = 0;
	unsigned p, i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	sum = glb_stats_sum_alloc();
	if (!sum)
		return -ENOMEM;
	glb_stats_sum(sum);
	for (p = 0; p < GLB_STATS_PORTS; p++) {
		for (i = 0; i < GLB_STAT_COUNT; i++)
			stat[i] += sum->port[p][i];
		for (i = 0; i < GLB_VERDICT_COUNT; i++)
			drops[i] += sum->drops[p][i];
	}
	free(sum);
	rte_tel_data_start_dict(r);
	add_counters(r, stat, drops);
	rte_tel_data_add_dict_u64(r, "reloads_ok",
				  __atomic_load_n(&glb_director->reloads_ok, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(r, "reloads_failed",
				  __atomic_load_n(&glb_director->reloads_failed, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(r, "flow_updates_failed",
				  __atomic_load_n(&glb_director->flow_updates_failed,
						  __ATOMIC_RELAXED));
	glb_telemetry_lock_table();
	t = glb_reload_current(glb_director);
	if (t) {
		glb_sha256_hex(t->file->sha256, hex);
		tables = t->file->num_tables;
	}
	glb_telemetry_unlock_table();
	rte_tel_data_add_dict_string(r, "table_sha256", hex);
	rte_tel_data_add_dict_string(r, "table_path", glb_director->table_path);
	rte_tel_data_add_dict_u64(r, "tables", tables);
	return 0;
}

static int cmd_ports(const char *cmd, const char *params, struct rte_tel_data *r)
{
	uint16_t port;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(r, RTE_TEL_INT_VAL);
	RTE_ETH_FOREACH_DEV(port)
		rte_tel_data_add_array_int(r, port);
	return 0;
}

/* A non-negative integer parameter below limit, or -1. */
static long int_param(const char *params, long limit)
{
	char *end;
	long v;

	if (!params || !*params)
		return -1;
	v = strtol(params, &end, 10);
	return *end || v < 0 || v >= limit ? -1 : v;
}

static int cmd_port(const char *cmd, const char *params, struct rte_tel_data *r)
{
	long port = int_param(params, RTE_MAX_ETHPORTS);
	struct glb_lcore_stats *sum;
	struct rte_eth_stats es;
	unsigned slot;

	RTE_SET_USED(cmd);
	if (port < 0 || !rte_eth_dev_is_valid_port((uint16_t)port))
		return -EINVAL;
	sum = glb_stats_sum_alloc();
	if (!sum)
		return -ENOMEM;
	glb_stats_sum(sum);
	slot = glb_stats_port_slot((uint16_t)port);
	rte_tel_data_start_dict(r);
	add_counters(r, sum->port[slot], sum->drops[slot]);
	free(sum);
	/* Flow bifurcation: whether it is isolated, and how many rules select its traffic. */
	rte_tel_data_add_dict_u64(r, "isolated", glb_director->isolated[port]);
	rte_tel_data_add_dict_u64(r, "flow_rules",
				  __atomic_load_n(&glb_director->flow[port].n, __ATOMIC_RELAXED));
	if (rte_eth_stats_get((uint16_t)port, &es) == 0) {
		rte_tel_data_add_dict_u64(r, "ipackets", es.ipackets);
		rte_tel_data_add_dict_u64(r, "opackets", es.opackets);
		rte_tel_data_add_dict_u64(r, "imissed", es.imissed);
		rte_tel_data_add_dict_u64(r, "ierrors", es.ierrors);
		rte_tel_data_add_dict_u64(r, "oerrors", es.oerrors);
		rte_tel_data_add_dict_u64(r, "rx_nombuf", es.rx_nombuf);
	}
	return 0;
}

static int add_backends(struct rte_tel_data *r, const struct glb_fmt_table *ft,
			const uint64_t *packets)
{
	struct rte_tel_data *ips = rte_tel_data_alloc(), *pk = rte_tel_data_alloc();
	char ip[INET_ADDRSTRLEN];
	uint32_t b;

	if (!ips || !pk) {
		rte_tel_data_free(ips);
		rte_tel_data_free(pk);
		return -ENOMEM;
	}
	rte_tel_data_start_array(ips, RTE_TEL_STRING_VAL);
	rte_tel_data_start_array(pk, RTE_TEL_U64_VAL);
	for (b = 0; b < ft->num_backends; b++) {
		inet_ntop(AF_INET, ft->backends[b].addr, ip, sizeof(ip));
		rte_tel_data_add_array_string(ips, ip);
		rte_tel_data_add_array_u64(pk, packets[b]);
	}
	rte_tel_data_add_dict_container(r, "backend_ips", ips, 0);
	rte_tel_data_add_dict_container(r, "backend_packets", pk, 0);
	return 0;
}

static int cmd_table(const char *cmd, const char *params, struct rte_tel_data *r)
{
	long idx = int_param(params, GLB_STATS_TABLES);
	const struct glb_table_ctx *t;
	struct glb_lcore_stats *sum;
	int ret = -EINVAL;

	RTE_SET_USED(cmd);
	if (idx < 0)
		return -EINVAL;
	sum = glb_stats_sum_alloc();
	if (!sum)
		return -ENOMEM;
	glb_stats_sum(sum);
	glb_telemetry_lock_table();
	t = glb_reload_current(glb_director);
	if (t && (uint32_t)idx < t->file->num_tables) {
		rte_tel_data_start_dict(r);
		rte_tel_data_add_dict_u64(r, "packets", sum->table_packets[idx]);
		rte_tel_data_add_dict_u64(r, "bytes", sum->table_bytes[idx]);
		ret = add_backends(r, &t->file->tables[idx], sum->backend_packets[idx]);
	}
	glb_telemetry_unlock_table();
	free(sum);
	return ret;
}

int glb_telemetry_register(void)
{
	int ret = 0;

	ret |= rte_telemetry_register_cmd("/glb/stats", cmd_stats,
					  "glb-director totals. No parameters");
	ret |= rte_telemetry_register_cmd("/glb/ports", cmd_ports, "Port ids. No parameters");
	ret |= rte_telemetry_register_cmd("/glb/port", cmd_port,
					  "glb-director counters of one port. Parameter: port id");
	ret |= rte_telemetry_register_cmd("/glb/table", cmd_table,
					  "Packets per table and per backend. Parameter: table index");
	return ret;
}
