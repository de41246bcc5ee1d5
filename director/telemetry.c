/* SPDX-License-Identifier: BSD-3-Clause */
#include "telemetry.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * DPDK 22.11's telemetry callbacks take no argument of ours, so the director
 * they report on is the one global glb-director keeps: set by
 * glb_telemetry_register(), cleared by glb_telemetry_fini().  A reply is
 * built under lock, which also covers the published table's swap in
 * reload.c, so neither the director nor a table is freed under a reply.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const struct glb_director *telemetry_director;

void glb_telemetry_lock_table(void)
{
	pthread_mutex_lock(&lock);
}

void glb_telemetry_unlock_table(void)
{
	pthread_mutex_unlock(&lock);
}

static int reply_stats(const struct glb_director *d, const char *params, struct rte_tel_data *r)
{
	uint64_t stat[GLB_STAT_COUNT] = { 0 }, drops[GLB_VERDICT_COUNT] = { 0 };
	char hex[2 * GLB_SHA256_LEN + 1] = "";
	const struct glb_table_ctx *t;
	struct glb_lcore_stats *sum;
	uint32_t tables = 0;
	unsigned p, i;

	RTE_SET_USED(params);
	sum = glb_stats_sum_alloc();
	if (!sum)
		return -ENOMEM;
	glb_stats_sum(d, sum);
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
				  __atomic_load_n(&d->reloads_ok, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(r, "reloads_failed",
				  __atomic_load_n(&d->reloads_failed, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(r, "flow_updates_failed",
				  __atomic_load_n(&d->flow_updates_failed, __ATOMIC_RELAXED));
	t = glb_reload_current(d);
	if (t) {
		glb_sha256_hex(t->file->sha256, hex);
		tables = t->file->num_tables;
	}
	rte_tel_data_add_dict_string(r, "table_sha256", hex);
	rte_tel_data_add_dict_string(r, "table_path", d->table_path);
	rte_tel_data_add_dict_u64(r, "tables", tables);
	return 0;
}

static int reply_ports(const struct glb_director *d, const char *params, struct rte_tel_data *r)
{
	uint16_t port;

	RTE_SET_USED(d);
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

static int reply_port(const struct glb_director *d, const char *params, struct rte_tel_data *r)
{
	long port = int_param(params, RTE_MAX_ETHPORTS);
	struct glb_lcore_stats *sum;
	struct rte_eth_stats es;
	unsigned slot;

	if (port < 0 || !rte_eth_dev_is_valid_port((uint16_t)port))
		return -EINVAL;
	sum = glb_stats_sum_alloc();
	if (!sum)
		return -ENOMEM;
	glb_stats_sum(d, sum);
	slot = glb_stats_port_slot((uint16_t)port);
	rte_tel_data_start_dict(r);
	add_counters(r, sum->port[slot], sum->drops[slot]);
	free(sum);
	/* Flow bifurcation: whether it is isolated, and how many rules select its traffic. */
	rte_tel_data_add_dict_u64(r, "isolated", d->isolated[port]);
	rte_tel_data_add_dict_u64(r, "flow_rules",
				  __atomic_load_n(&d->flow[port].n, __ATOMIC_RELAXED));
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

static int reply_table(const struct glb_director *d, const char *params, struct rte_tel_data *r)
{
	long idx = int_param(params, GLB_STATS_TABLES);
	const struct glb_table_ctx *t;
	struct glb_lcore_stats *sum;
	int ret = -EINVAL;

	if (idx < 0)
		return -EINVAL;
	sum = glb_stats_sum_alloc();
	if (!sum)
		return -ENOMEM;
	glb_stats_sum(d, sum);
	t = glb_reload_current(d);
	if (t && (uint32_t)idx < t->file->num_tables) {
		rte_tel_data_start_dict(r);
		rte_tel_data_add_dict_u64(r, "packets", sum->table_packets[idx]);
		rte_tel_data_add_dict_u64(r, "bytes", sum->table_bytes[idx]);
		ret = add_backends(r, &t->file->tables[idx], sum->backend_packets[idx]);
	}
	free(sum);
	return ret;
}

static const struct {
	const char *cmd;
	int (*reply)(const struct glb_director *d, const char *params, struct rte_tel_data *r);
	const char *help;
} commands[] = {
	{ "/glb/stats", reply_stats, "glb-director totals. No parameters" },
	{ "/glb/ports", reply_ports, "Port ids. No parameters" },
	{ "/glb/port", reply_port, "glb-director counters of one port. Parameter: port id" },
	{ "/glb/table", reply_table, "Packets per table and per backend. Parameter: table index" },
};

/* Every command's callback: the reply for cmd, built under the lock. */
static int on_command(const char *cmd, const char *params, struct rte_tel_data *r)
{
	int ret = -ENOENT;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < RTE_DIM(commands); i++) {
		if (strcmp(cmd, commands[i].cmd) != 0)
			continue;
		ret = telemetry_director ? commands[i].reply(telemetry_director, params, r) :
					   -ENODEV;
		break;
	}
	pthread_mutex_unlock(&lock);
	return ret;
}

int glb_telemetry_register(const struct glb_director *d)
{
	size_t i;
	int ret;

	pthread_mutex_lock(&lock);
	telemetry_director = d;
	pthread_mutex_unlock(&lock);
	for (i = 0; i < RTE_DIM(commands); i++) {
		ret = rte_telemetry_register_cmd(commands[i].cmd, on_command, commands[i].help);
		if (ret != 0) {
			glb_telemetry_fini();
			return ret;
		}
	}
	return 0;
}

void glb_telemetry_fini(void)
{
	/* DPDK cannot unregister a command: the commands stay and answer -ENODEV */
	pthread_mutex_lock(&lock);
	telemetry_director = NULL;
	pthread_mutex_unlock(&lock);
}
