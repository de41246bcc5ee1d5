/* SPDX-License-Identifier: BSD-3-Clause */
#include "report.h"

#include <arpa/inet.h>
#include <string.h>

#define LABEL_MAX 320
#define DETAIL_MAX 256
#define NAME_WIDTH 12
#define CHECK_WIDTH 22

static const char *table_label(const struct glb_hc_daemon *dm, uint32_t t, char *buf, size_t cap)
{
	if (*dm->src.cfg.tables[t].name)
		snprintf(buf, cap, "%s", dm->src.cfg.tables[t].name);
	else
		snprintf(buf, cap, "%u", t);
	return buf;
}

static void print_backend(const struct glb_hc_daemon *dm, const struct glb_hc_backend *b,
			  const char *table, bool up, FILE *out)
{
	char ip[INET_ADDRSTRLEN], check[LABEL_MAX], detail[DETAIL_MAX];
	uint8_t i;

	inet_ntop(AF_INET, b->addr, ip, sizeof(ip));
	if (!b->ntargets) {
		fprintf(out,
			"%-*s %-15s %-6s %-*s %-6s %9s  not checked: \"healthy\": %s in the "
			"source\n",
			NAME_WIDTH, table, ip, b->src_healthy ? "up" : "down", CHECK_WIDTH, "-",
			"-", "-", b->src_healthy ? "true" : "false");
		return;
	}
	for (i = 0; i < b->ntargets; i++) {
		const struct glb_hc_target *t = &dm->set->v[b->targets[i]];
		bool ok = t->last.reason == GLB_HC_REASON_OK;

		snprintf(check, sizeof(check), "%s:%u%s", glb_hc_type_name(t->type), t->port,
			 t->uri);
		fprintf(out, "%-*s %-15s %-6s %-*s %-6s %9.1f  %s\n", NAME_WIDTH, table, ip,
			up ? "up" : "DOWN", CHECK_WIDTH, check, ok ? "ok" : "FAIL",
			(double)t->last.latency_ns / GLB_HC_NSEC_PER_MSEC,
			glb_hc_result_describe(&t->last, detail, sizeof(detail)));
	}
}

bool glb_hc_report_once(const struct glb_hc_daemon *dm, FILE *out)
{
	size_t up = 0, down = 0, unchecked = 0, i;
	char table[LABEL_MAX];

	fprintf(out, "%-*s %-15s %-6s %-*s %-6s %9s  %s\n", NAME_WIDTH, "TABLE", "BACKEND",
		"HEALTH", CHECK_WIDTH, "CHECK", "RESULT", "MS", "DETAIL");
	for (i = 0; i < dm->set->nbackends; i++) {
		const struct glb_hc_backend *b = &dm->set->backends[i];
		bool healthy = glb_hc_backend_health(dm->set, b) == GLB_HC_HEALTH_UP;

		if (!b->ntargets)
			unchecked++;
		else if (healthy)
			up++;
		else
			down++;
		print_backend(dm, b, table_label(dm, b->table, table, sizeof(table)), healthy, out);
	}
	fprintf(out, "%u tables, %zu backends: %zu up, %zu down, %zu not checked\n",
		dm->set->ntables, dm->set->nbackends, up, down, unchecked);
	return down == 0;
}
