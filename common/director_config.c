/* SPDX-License-Identifier: BSD-3-Clause */
#include "director_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "flow_hash.h"
#include "json_util.h"

#define U16_MAX 65535
/* Top-level members are reported by key alone: "hash_fields: ...". */
#define TOP ""

static const char *const top_keys[] = {
	"outbound_gateway_mac",
	"outbound_src_ip",
	"forward_icmp_ping_responses",
	"num_worker_queues",
	"rx_drop_en",
	"flow_paths",
	"lcores",
	"hash_fields",
	"alt_hash_fields",
	"statsd_port",
	"kni_ip",
	"idle_sleep_us",
	"exception_tap",
	"mtu",
	"flow_isolate",
	NULL,
};

/* Keys GLB had that this director accepts and ignores, with the reason. */
static const struct {
	const char *key, *why;
} ignored_keys[] = {
	{ "statsd_port", "statsd is not supported; counters are in DPDK telemetry" },
	{ "kni_ip", "KNI was removed from DPDK; the exception path is a TAP interface" },
};

static bool get_bool(struct glb_diag *d, json_t *obj, const char *key, bool dflt)
{
	json_t *v = glb_json_member(d, TOP, obj, key, JSON_TRUE, false);

	return v ? json_is_true(v) : dflt;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6 ||
	    strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static void parse_hash_fields(struct glb_diag *d, json_t *root, const char *key, unsigned *out)
{
	static const char *const names[] = { "src_addr", "dst_addr", "src_port", "dst_port", NULL };
	static const unsigned bits[] = { GLB_HASH_SRC_ADDR, GLB_HASH_DST_ADDR, GLB_HASH_SRC_PORT,
					 GLB_HASH_DST_PORT };
	json_t *obj = glb_json_member(d, TOP, root, key, JSON_OBJECT, false);
	char where[64];
	unsigned i, fields = 0;

	if (!obj)
		return;
	snprintf(where, sizeof(where), "%s", key);
	glb_json_check_keys(d, where, obj, names, true);
	for (i = 0; names[i]; i++) {
		json_t *v = glb_json_member(d, where, obj, names[i], JSON_TRUE, false);

		if (v && json_is_true(v))
			fields |= bits[i];
	}
	if (fields == 0)
		glb_diag_add(d,
			     "%s: at least one of src_addr, dst_addr, src_port, dst_port must be "
			     "true",
			     where);
	else
		*out = fields;
}

static void parse_routing(struct glb_diag *d, json_t *root, struct glb_director_config *cfg)
{
	cfg->hash_fields = GLB_HASH_DEFAULT;
	cfg->alt_hash_fields = 0;
	parse_hash_fields(d, root, "hash_fields", &cfg->hash_fields);
	parse_hash_fields(d, root, "alt_hash_fields", &cfg->alt_hash_fields);
	cfg->forward_icmp_ping_responses = get_bool(d, root, "forward_icmp_ping_responses", true);
}

/* An integer member in [min, max]; returns false (reported) when bad or absent-but-required. */
static bool get_uint(struct glb_diag *d, const char *where, json_t *obj, const char *key,
		     bool required, unsigned min, unsigned max, unsigned *out)
{
	json_t *v = glb_json_member(d, where, obj, key, JSON_INTEGER, required);

	if (!v)
		return false;
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		glb_diag_add(d, "%s%s%s: %lld is outside %u-%u", where, *where ? ": " : "", key,
			     (long long)json_integer_value(v), min, max);
		return false;
	}
	*out = (unsigned)json_integer_value(v);
	return true;
}

static void parse_flow_paths(struct glb_diag *d, json_t *root, struct glb_director_config *cfg)
{
	static const char *const keys[] = { "rx_port", "rx_queue", "tx_port", "tx_queue", NULL };
	json_t *arr = glb_json_member(d, TOP, root, "flow_paths", JSON_ARRAY, true), *fp;
	size_t i;

	if (arr && (json_array_size(arr) == 0 || json_array_size(arr) > GLB_MAX_FLOW_PATHS)) {
		glb_diag_add(d, "flow_paths: %zu entries, expected 1-%u", json_array_size(arr),
			     GLB_MAX_FLOW_PATHS);
		return;
	}
	json_array_foreach(arr, i, fp) {
		uint16_t *dst[] = { &cfg->flow_paths[i].rx_port, &cfg->flow_paths[i].rx_queue,
				    &cfg->flow_paths[i].tx_port, &cfg->flow_paths[i].tx_queue };
		char where[64];
		unsigned k, v;

		snprintf(where, sizeof(where), "flow_paths[%zu]", i);
		if (!json_is_object(fp)) {
			glb_diag_add(d, "%s: must be an object", where);
			continue;
		}
		glb_json_check_keys(d, where, fp, keys, true);
		for (k = 0; keys[k]; k++)
			if (get_uint(d, where, fp, keys[k], true, 0, U16_MAX, &v))
				*dst[k] = (uint16_t)v;
	}
	cfg->num_flow_paths = arr ? (unsigned)json_array_size(arr) : 0;
}

static void parse_lcore_roles(struct glb_diag *d, const char *where, json_t *obj,
			      struct glb_lcore_config *lc)
{
	static const char *const roles[] = { "rx", "tx", "dist", "work", "kni" };
	static const unsigned bits[] = { GLB_ROLE_RX, GLB_ROLE_TX, GLB_ROLE_DIST, GLB_ROLE_WORK,
					 GLB_ROLE_KNI };
	unsigned i;

	for (i = 0; i < GLB_ARRAY_SIZE(roles); i++) {
		json_t *v = glb_json_member(d, where, obj, roles[i], JSON_TRUE, false);

		if (v && json_is_true(v))
			lc->roles |= bits[i];
	}
	if (lc->roles == 0)
		glb_diag_add(d, "%s: has no role (rx, tx, dist, work)", where);
}

static void parse_lcore_flow_paths(struct glb_diag *d, const char *where, json_t *obj,
				   unsigned num_flow_paths, struct glb_lcore_config *lc)
{
	bool required = lc->roles & (GLB_ROLE_RX | GLB_ROLE_TX);
	json_t *arr = glb_json_member(d, where, obj, "flow_paths", JSON_ARRAY, required), *v;
	size_t i;

	if (!arr)
		return;
	if (json_array_size(arr) == 0 || json_array_size(arr) > GLB_LCORE_MAX_FLOW_PATHS) {
		glb_diag_add(d, "%s: flow_paths: %zu entries, expected 1-%u", where,
			     json_array_size(arr), GLB_LCORE_MAX_FLOW_PATHS);
		return;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= num_flow_paths) {
			glb_diag_add(d, "%s: flow_paths[%zu]: not an index of the %u flow_paths",
				     where, i, num_flow_paths);
			continue;
		}
		lc->flow_paths[lc->num_flow_paths++] = (unsigned)json_integer_value(v);
	}
}

static void parse_lcore(struct glb_diag *d, const char *name, json_t *obj,
			struct glb_director_config *cfg)
{
	static const char *const keys[] = {
		"flow_paths", "num_dist_workers", "work_source", "rx", "tx", "dist", "work", "kni",
		NULL
	};
	struct glb_lcore_config *lc;
	char where[96], *end;
	unsigned long id;

	snprintf(where, sizeof(where), "lcores.%s", name);
	errno = 0;
	id = strncmp(name, "lcore-", 6) == 0 ? strtoul(name + 6, &end, 10) : ULONG_MAX;
	if (id >= GLB_MAX_LCORES || *end || errno || name[6] < '0' || name[6] > '9') {
		glb_diag_add(d, "%s: key must be \"lcore-N\" with N below %u", where,
			     GLB_MAX_LCORES);
		return;
	}
	if (!json_is_object(obj)) {
		glb_diag_add(d, "%s: must be an object", where);
		return;
	}
	lc = &cfg->lcores[id];
	lc->configured = true;
	glb_json_check_keys(d, where, obj, keys, true);
	parse_lcore_roles(d, where, obj, lc);
	parse_lcore_flow_paths(d, where, obj, cfg->num_flow_paths, lc);
	get_uint(d, where, obj, "num_dist_workers", lc->roles & GLB_ROLE_DIST, 1, GLB_MAX_LCORES,
		 &lc->num_dist_workers);
	/* A run-to-completion lcore (rx + work) has no distributor to name. */
	get_uint(d, where, obj, "work_source",
		 (lc->roles & GLB_ROLE_WORK) && !(lc->roles & GLB_ROLE_RX), 0, GLB_MAX_LCORES - 1,
		 &lc->work_source);
	if ((lc->roles & GLB_ROLE_RX) && (lc->roles & (GLB_ROLE_WORK | GLB_ROLE_DIST)) &&
	    !(lc->roles & GLB_ROLE_TX))
		glb_diag_add(d, "%s: tx: an lcore that receives and forwards must also transmit",
			     where);
	if ((lc->roles & GLB_ROLE_WORK) && (lc->roles & GLB_ROLE_DIST))
		glb_diag_add(d, "%s: work: a distributor cannot also be its own worker", where);
}

/* Every worker feeds from a distributor, and every distributor has the workers it expects. */
static void check_layout(struct glb_diag *d, const struct glb_director_config *cfg)
{
	unsigned workers[GLB_MAX_LCORES] = { 0 }, i, rx = 0;

	for (i = 0; i < GLB_MAX_LCORES; i++) {
		const struct glb_lcore_config *lc = &cfg->lcores[i];

		rx += lc->configured && (lc->roles & GLB_ROLE_RX);
		if (!lc->configured || !(lc->roles & GLB_ROLE_WORK) || (lc->roles & GLB_ROLE_RX))
			continue;
		if (!(cfg->lcores[lc->work_source].roles & GLB_ROLE_DIST))
			glb_diag_add(d,
				     "lcores.lcore-%u: work_source: lcore-%u is not a "
				     "distributor (\"dist\": true)",
				     i, lc->work_source);
		else
			workers[lc->work_source]++;
	}
	for (i = 0; i < GLB_MAX_LCORES; i++)
		if ((cfg->lcores[i].roles & GLB_ROLE_DIST) &&
		    workers[i] != cfg->lcores[i].num_dist_workers)
			glb_diag_add(d,
				     "lcores.lcore-%u: num_dist_workers: %u, but %u workers "
				     "name it as work_source",
				     i, cfg->lcores[i].num_dist_workers, workers[i]);
	if (rx == 0)
		glb_diag_add(d, "lcores: no lcore has \"rx\": true");
}

static void parse_lcores(struct glb_diag *d, json_t *root, struct glb_director_config *cfg)
{
	json_t *obj = glb_json_member(d, TOP, root, "lcores", JSON_OBJECT, true), *v;
	const char *name;

	if (!obj)
		return;
	json_object_foreach(obj, name, v)
		parse_lcore(d, name, v, cfg);
	check_layout(d, cfg);
}

static void parse_addresses(struct glb_diag *d, json_t *root, struct glb_director_config *cfg)
{
	json_t *v = glb_json_member(d, TOP, root, "outbound_gateway_mac", JSON_STRING, true);

	if (v && parse_mac(json_string_value(v), cfg->gateway_mac) != 0)
		glb_diag_add(d,
			     "outbound_gateway_mac: \"%s\" is not a MAC address "
			     "(aa:bb:cc:dd:ee:ff)",
			     json_string_value(v));
	v = glb_json_member(d, TOP, root, "outbound_src_ip", JSON_STRING, true);
	if (v && inet_pton(AF_INET, json_string_value(v), cfg->src_ip) != 1)
		glb_diag_add(d, "outbound_src_ip: \"%s\" is not an IPv4 address",
			     json_string_value(v));
}

/* true, false or "auto" (a string: JSON has no third boolean). */
static void parse_flow_isolate(struct glb_diag *d, json_t *root, struct glb_director_config *cfg)
{
	json_t *v = json_object_get(root, "flow_isolate");

	cfg->flow_isolate = GLB_FLOW_ISOLATE_OFF;
	if (!v)
		return;
	if (json_is_boolean(v))
		cfg->flow_isolate = json_is_true(v) ? GLB_FLOW_ISOLATE_ON : GLB_FLOW_ISOLATE_OFF;
	else if (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0)
		cfg->flow_isolate = GLB_FLOW_ISOLATE_AUTO;
	else
		glb_diag_add(d, "flow_isolate: must be true, false or \"auto\", not %s",
			     json_is_string(v) ? json_string_value(v) : glb_json_type_name(v));
}

static void parse_glb_keys(struct glb_diag *d, json_t *root, struct glb_director_config *cfg)
{
	json_t *tap;

	get_uint(d, TOP, root, "idle_sleep_us", false, 0, GLB_IDLE_SLEEP_MAX_US,
		 &cfg->idle_sleep_us);
	get_uint(d, TOP, root, "mtu", false, GLB_MTU_MIN, GLB_MTU_MAX, &cfg->mtu);
	tap = glb_json_member(d, TOP, root, "exception_tap", JSON_STRING, false);
	if (tap && (json_string_length(tap) == 0 || json_string_length(tap) >= GLB_IFNAME_MAX))
		glb_diag_add(d, "exception_tap: \"%s\" is not an interface name (1-%d characters)",
			     json_string_value(tap), GLB_IFNAME_MAX - 1);
	else if (tap)
		strcpy(cfg->exception_tap, json_string_value(tap));
	parse_flow_isolate(d, root, cfg);
}

static void parse_all(struct glb_diag *d, json_t *root, struct glb_director_config *cfg)
{
	unsigned i;

	glb_json_check_keys(d, TOP, root, top_keys, true);
	for (i = 0; i < GLB_ARRAY_SIZE(ignored_keys); i++)
		if (json_object_get(root, ignored_keys[i].key))
			glb_diag_warn(d, "%s: ignored: %s", ignored_keys[i].key,
				      ignored_keys[i].why);
	parse_addresses(d, root, cfg);
	parse_routing(d, root, cfg);
	cfg->rx_drop_en = get_bool(d, root, "rx_drop_en", true);
	cfg->num_worker_queues = 1;
	get_uint(d, TOP, root, "num_worker_queues", false, 1, U16_MAX, &cfg->num_worker_queues);
	parse_flow_paths(d, root, cfg);
	parse_lcores(d, root, cfg);
	parse_glb_keys(d, root, cfg);
}

typedef void (*parse_fn)(struct glb_diag *d, json_t *root, struct glb_director_config *cfg);

static int parse_with(parse_fn fn, const char *text, size_t len, struct glb_director_config *cfg,
		      struct glb_diag *d)
{
	struct glb_diag local;
	json_t *root;
	int ret = -EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	glb_diag_init(&local);
	root = glb_json_parse(text, len, &local);
	if (root && !json_is_object(root))
		glb_diag_add(&local, "must be a JSON object");
	else if (root)
		fn(&local, root, cfg);
	if (root && local.count == 0)
		ret = 0;
	json_decref(root);
	glb_json_refile(d, &local, "");
	glb_diag_free(&local);
	return ret;
}

int glb_director_config_parse(const char *text, size_t len, struct glb_director_config *cfg,
			      struct glb_diag *d)
{
	return parse_with(parse_all, text, len, cfg, d);
}

struct load_ctx {
	parse_fn fn;
	struct glb_director_config *cfg;
};

static int parse_text(const char *text, size_t len, void *ctx, struct glb_diag *d)
{
	struct load_ctx *c = ctx;

	return parse_with(c->fn, text, len, c->cfg, d);
}

static int load_with(parse_fn fn, const char *path, struct glb_director_config *cfg,
		     struct glb_diag *d)
{
	struct load_ctx c = { .fn = fn, .cfg = cfg };

	return glb_json_load_file(path, parse_text, &c, d);
}

int glb_director_config_load(const char *path, struct glb_director_config *cfg, struct glb_diag *d)
{
	return load_with(parse_all, path, cfg, d);
}

int glb_director_config_load_routing(const char *path, struct glb_director_config *cfg,
				     struct glb_diag *d)
{
	return load_with(parse_routing, path, cfg, d);
}
