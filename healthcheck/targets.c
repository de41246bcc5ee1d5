/* SPDX-License-Identifier: BSD-3-Clause */
#include "targets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "proto.h"
#include "util.h"

/* RFC 792 and RFC 1812's destination unreachable codes, as an operator reads them. */
static const char *const unreach_names[] = {
	[0] = "network unreachable",
	[1] = "host unreachable (no neighbour answered ARP, or a router says so)",
	[2] = "protocol unreachable",
	[3] = "port unreachable",
	[4] = "fragmentation needed",
	[5] = "source route failed",
	[6] = "destination network unknown",
	[7] = "destination host unknown",
	[9] = "network administratively prohibited",
	[10] = "host administratively prohibited",
	[13] = "communication administratively prohibited (a firewall)",
};

static const char no_uri[] = "";

static const char *const type_names[GLB_HC_TYPE_COUNT] = {
	[GLB_HC_GUE] = "gue",
	[GLB_HC_FOU] = "fou",
	[GLB_HC_HTTP] = "http",
	[GLB_HC_TCP] = "tcp",
};

static const char *const reason_names[GLB_HC_REASON_COUNT] = {
	[GLB_HC_REASON_OK] = "ok",
	[GLB_HC_REASON_TIMEOUT] = "timeout",
	[GLB_HC_REASON_REFUSED] = "refused",
	[GLB_HC_REASON_UNREACHABLE] = "unreachable",
	[GLB_HC_REASON_RESET] = "reset",
	[GLB_HC_REASON_CLOSED] = "closed",
	[GLB_HC_REASON_HTTP_STATUS] = "http_status",
	[GLB_HC_REASON_HTTP_MALFORMED] = "http_malformed",
	[GLB_HC_REASON_ERROR] = "error",
	[GLB_HC_REASON_LOCAL] = "local_error",
};

const char *glb_hc_type_name(enum glb_hc_type type)
{
	return type < GLB_HC_TYPE_COUNT ? type_names[type] : "?";
}

const char *glb_hc_reason_name(enum glb_hc_reason reason)
{
	return reason < GLB_HC_REASON_COUNT ? reason_names[reason] : "?";
}

const char *glb_hc_result_describe(const struct glb_hc_result *r, char *buf, size_t cap)
{
	unsigned long ms = (unsigned long)(r->latency_ns / GLB_HC_NSEC_PER_MSEC);

	if (r->icmp_code == ICMP_CODE_PORT_UNREACH) {
		snprintf(buf, cap, "ICMP port unreachable");
		return buf;
	}
	if (r->icmp_code != GLB_HC_NO_ICMP) {
		if (r->icmp_code >= 0 && (size_t)r->icmp_code < GLB_ARRAY_SIZE(unreach_names) &&
		    unreach_names[r->icmp_code])
			snprintf(buf, cap, "ICMP %s", unreach_names[r->icmp_code]);
		else
			snprintf(buf, cap, "ICMP destination unreachable, code %d", r->icmp_code);
		return buf;
	}
	switch (r->reason) {
	case GLB_HC_REASON_OK:
		if (r->http_status)
			snprintf(buf, cap, "HTTP status %d", r->http_status);
		else
			snprintf(buf, cap, "ok");
		break;
	case GLB_HC_REASON_TIMEOUT:
		snprintf(buf, cap, "no answer within %lu ms", ms);
		break;
	case GLB_HC_REASON_HTTP_STATUS:
		snprintf(buf, cap, "HTTP status %d", r->http_status);
		break;
	case GLB_HC_REASON_HTTP_MALFORMED:
		snprintf(buf, cap, "answer is not an HTTP/1.x status line");
		break;
	case GLB_HC_REASON_CLOSED:
		snprintf(buf, cap, "closed before an HTTP status line");
		break;
	case GLB_HC_REASON_LOCAL:
		snprintf(buf, cap, "could not send: %s", strerror(r->err));
		break;
	default:
		snprintf(buf, cap, "%s", strerror(r->err));
		break;
	}
	return buf;
}

const char *glb_hc_target_label(const struct glb_hc_target *t, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s:%u%s", glb_hc_type_name(t->type), t->port, t->uri);
	return buf;
}

static int key_cmp(const struct glb_hc_target *a, const struct glb_hc_target *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (c)
		return c;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return strcmp(a->uri, b->uri);
}

static int key_qsort_cmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

/* The target key of check type of backend b (port 0: not configured). */
static uint16_t backend_key(const struct glb_cfg_backend *b, enum glb_hc_type type,
			    struct glb_hc_target *key)
{
	static const size_t port_off[GLB_HC_TYPE_COUNT] = {
		[GLB_HC_GUE] = offsetof(struct glb_cfg_healthchecks, gue),
		[GLB_HC_FOU] = offsetof(struct glb_cfg_healthchecks, fou),
		[GLB_HC_HTTP] = offsetof(struct glb_cfg_healthchecks, http),
		[GLB_HC_TCP] = offsetof(struct glb_cfg_healthchecks, tcp),
	};

	memset(key, 0, sizeof(*key));
	key->uri = no_uri;
	if (!b->has_healthchecks)
		return 0;
	memcpy(key->addr, b->addr, sizeof(key->addr));
	key->type = type;
	key->port = *(const uint16_t *)((const char *)&b->hc + port_off[type]);
	if (type == GLB_HC_HTTP)
		key->uri = b->hc.http_uri;
	return key->port;
}

static size_t count_backends(const struct glb_cfg *cfg)
{
	size_t n = 0;
	uint32_t t;

	for (t = 0; t < cfg->num_tables; t++)
		n += cfg->tables[t].num_backends;
	return n;
}

/* Every configured check of every backend, sorted and made unique. */
static int collect_targets(const struct glb_cfg *cfg, size_t nbackends, struct glb_hc_targets *out)
{
	struct glb_hc_target *v = calloc(nbackends * GLB_HC_TYPE_COUNT + 1, sizeof(*v));
	size_t n = 0, i, u;
	uint32_t t, b;
	int type;

	if (!v)
		return -ENOMEM;
	for (t = 0; t < cfg->num_tables; t++)
		for (b = 0; b < cfg->tables[t].num_backends; b++)
			for (type = 0; type < GLB_HC_TYPE_COUNT; type++)
				if (backend_key(&cfg->tables[t].backends[b], type, &v[n]))
					n++;
	qsort(v, n, sizeof(*v), key_qsort_cmp);
	for (i = 0, u = 0; i < n; i++)
		if (u == 0 || key_cmp(&v[u - 1], &v[i]) != 0)
			v[u++] = v[i];
	for (i = 0; i < u; i++)
		v[i].probe.fd = -1;
	out->v = v;
	out->n = u;
	return 0;
}

static void map_backend(struct glb_hc_targets *set, const struct glb_cfg_backend *cb,
			struct glb_hc_backend *b)
{
	struct glb_hc_target key;
	int type;

	memcpy(b->addr, cb->addr, sizeof(b->addr));
	b->participates = cb->state != GLB_BACKEND_INACTIVE;
	b->src_healthy = cb->healthy;
	for (type = 0; type < GLB_HC_TYPE_COUNT; type++) {
		const struct glb_hc_target *found;

		if (!backend_key(cb, type, &key))
			continue;
		found = bsearch(&key, set->v, set->n, sizeof(key), key_qsort_cmp);
		b->targets[b->ntargets++] = (uint32_t)(found - set->v);
	}
}

int glb_hc_targets_build(const struct glb_cfg *cfg, struct glb_hc_targets *out)
{
	size_t nb = count_backends(cfg), k = 0;
	uint32_t t, b;

	memset(out, 0, sizeof(*out));
	out->ntables = cfg->num_tables;
	out->backends = calloc(nb + 1, sizeof(*out->backends));
	out->table_first = calloc(cfg->num_tables + 1, sizeof(*out->table_first));
	out->table_failed_open = calloc(cfg->num_tables + 1, sizeof(*out->table_failed_open));
	if (!out->backends || !out->table_first || !out->table_failed_open ||
	    collect_targets(cfg, nb, out) != 0) {
		glb_hc_targets_free(out);
		return -ENOMEM;
	}
	for (t = 0; t < cfg->num_tables; t++) {
		out->table_first[t] = (uint32_t)k;
		for (b = 0; b < cfg->tables[t].num_backends; b++, k++) {
			out->backends[k].table = t;
			out->backends[k].index = b;
			map_backend(out, &cfg->tables[t].backends[b], &out->backends[k]);
		}
	}
	out->table_first[cfg->num_tables] = (uint32_t)k;
	out->nbackends = k;
	return 0;
}

void glb_hc_targets_inherit(struct glb_hc_targets *next, const struct glb_hc_targets *prev)
{
	size_t i;

	for (i = 0; i < next->n; i++) {
		struct glb_hc_target *t = &next->v[i];
		const struct glb_hc_target *old =
			bsearch(t, prev->v, prev->n, sizeof(*t), key_qsort_cmp);

		if (!old)
			continue;
		t->damp = old->damp;
		t->last = old->last;
		t->results = old->results;
	}
	for (i = 0; i < next->nbackends; i++) {
		struct glb_hc_backend *b = &next->backends[i];
		const struct glb_hc_backend *old;

		if (b->table >= prev->ntables ||
		    prev->table_first[b->table] + b->index >= prev->table_first[b->table + 1])
			continue;
		old = &prev->backends[prev->table_first[b->table] + b->index];
		if (memcmp(old->addr, b->addr, sizeof(b->addr)) != 0 || !old->evaluated)
			continue;
		b->evaluated = true;
		b->healthy_checks = old->healthy_checks;
		b->healthy_out = old->healthy_out;
	}
	for (i = 0; i < next->ntables && i < prev->ntables; i++)
		next->table_failed_open[i] = prev->table_failed_open[i];
}

void glb_hc_targets_free(struct glb_hc_targets *set)
{
	free(set->v);
	free(set->backends);
	free(set->table_first);
	free(set->table_failed_open);
	memset(set, 0, sizeof(*set));
}

enum glb_hc_health glb_hc_backend_health(const struct glb_hc_targets *set,
					 const struct glb_hc_backend *b)
{
	enum glb_hc_health h = GLB_HC_HEALTH_UP;
	uint8_t i;

	for (i = 0; i < b->ntargets; i++) {
		enum glb_hc_health th = set->v[b->targets[i]].damp.state;

		if (th == GLB_HC_HEALTH_DOWN)
			return GLB_HC_HEALTH_DOWN;
		if (th == GLB_HC_HEALTH_UNKNOWN)
			h = GLB_HC_HEALTH_UNKNOWN;
	}
	return h;
}
