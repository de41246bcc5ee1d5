/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict reading of forwarding_table.json (SPEC §2).  Each problem becomes
 * one diagnostic naming table index, entry index and field; parsing goes on
 * after a problem so that one run shows every mistake in the file.
 */
#include "fwd_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "array_size.h"
#include "json_util.h"

#define HEX_KEY_DIGITS 32
#define PORT_MAX 65535
#define HC_INTERVAL_MS_DEFAULT 2000
#define HC_TIMEOUT_MS_DEFAULT 1000
#define HC_TRIGGER_DEFAULT 3

/* Where in the document a problem is: "table 0 (\"web\"): backend 3". */
struct where {
	struct glb_diag *d;
	char prefix[256];
};

static void where_table(struct where *w, struct glb_diag *d, size_t t, const char *name)
{
	w->d = d;
	if (name && *name)
		snprintf(w->prefix, sizeof(w->prefix), "table %zu (\"%.64s\")", t, name);
	else
		snprintf(w->prefix, sizeof(w->prefix), "table %zu", t);
}

static void where_entry(struct where *w, const struct where *table, const char *kind, size_t i)
{
	w->d = table->d;
	snprintf(w->prefix, sizeof(w->prefix), "%.160s: %s %zu", table->prefix, kind, i);
}

__attribute__((format(printf, 3, 4))) static void problem(const struct where *w, const char *field,
							  const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	glb_diag_add(w->d, "%s: %s: %s", w->prefix, field, msg);
}

/* Something that loads (GLB's files must) but cannot be what the operator meant. */
__attribute__((format(printf, 3, 4))) static void notice(const struct where *w, const char *field,
							 const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	glb_diag_warn(w->d, "%s: %s: %s", w->prefix, field, msg);
}

/* Members and key checks report under this place's prefix. */
static json_t *member(const struct where *w, json_t *obj, const char *key, json_type type,
		      bool required)
{
	return glb_json_member(w->d, w->prefix, obj, key, type, required);
}

static void warn_unknown_keys(const struct where *w, json_t *obj, const char *const *known)
{
	glb_json_check_keys(w->d, w->prefix, obj, known, false);
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void parse_key(const struct where *w, json_t *obj, const char *field, uint8_t out[16])
{
	json_t *v = member(w, obj, field, JSON_STRING, true);
	const char *s;
	size_t i;

	if (!v)
		return;
	s = json_string_value(v);
	if (json_string_length(v) != HEX_KEY_DIGITS) {
		problem(w, field, "must be exactly %d hex digits (16 bytes), got %zu characters",
			HEX_KEY_DIGITS, json_string_length(v));
		return;
	}
	for (i = 0; i < 16; i++) {
		int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			problem(w, field, "\"%s\" is not hexadecimal (character %zu)", s,
				hi < 0 ? 2 * i : 2 * i + 1);
			return;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
}

/* A port number member, 0..65535; returns false (and reports) when bad. */
static bool parse_port(const struct where *w, json_t *obj, const char *field, bool required,
		       uint16_t *out)
{
	json_t *v = member(w, obj, field, JSON_INTEGER, required);
	json_int_t n;

	if (!v)
		return false;
	n = json_integer_value(v);
	if (n < 0 || n > PORT_MAX) {
		problem(w, field, "%lld is not a port (0-65535)", (long long)n);
		return false;
	}
	*out = (uint16_t)n;
	return true;
}

/* "addr" or "addr/prefix", IPv4 or IPv6. */
static void parse_bind_ip(const struct where *w, json_t *obj, struct glb_cfg_bind *b)
{
	json_t *v = member(w, obj, "ip", JSON_STRING, true);
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long bits;
	unsigned max;

	if (!v)
		return;
	if (json_string_length(v) >= sizeof(buf)) {
		problem(w, "ip", "\"%.60s...\" is not an IP address or prefix",
			json_string_value(v));
		return;
	}
	strcpy(buf, json_string_value(v));
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, b->addr) == 1) {
		b->family = GLB_FAMILY_IPV4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, b->addr) == 1) {
		b->family = GLB_FAMILY_IPV6;
		max = 128;
	} else {
		problem(w, "ip", "\"%s\" is not an IPv4 or IPv6 address", json_string_value(v));
		return;
	}
	b->prefix_bits = (uint8_t)max;
	if (!slash)
		return;
	errno = 0;
	bits = strtoul(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end || errno || bits > max) {
		problem(w, "ip", "prefix \"/%s\" is not 0-%u for an %s address", slash + 1, max,
			max == 32 ? "IPv4" : "IPv6");
		return;
	}
	b->prefix_bits = (uint8_t)bits;
}

static void parse_bind_ports(const struct where *w, json_t *obj, struct glb_cfg_bind *b)
{
	bool has_range = json_object_get(obj, "port_start") || json_object_get(obj, "port_end");

	if (json_object_get(obj, "port")) {
		if (has_range)
			problem(w, "port", "give either port or port_start/port_end, not both");
		else if (parse_port(w, obj, "port", true, &b->port_start))
			b->port_end = b->port_start;
		return;
	}
	if (!has_range) {
		problem(w, "port", "missing (give port, or port_start and port_end)");
		return;
	}
	if (parse_port(w, obj, "port_start", true, &b->port_start) &&
	    parse_port(w, obj, "port_end", true, &b->port_end) && b->port_start > b->port_end)
		problem(w, "port_end", "%u is below port_start %u", b->port_end, b->port_start);
}

static void parse_bind(const struct where *w, json_t *obj, struct glb_cfg_bind *b)
{
	static const char *const known[] = { "ip", "proto", "port", "port_start", "port_end", NULL };
	json_t *v;

	if (!json_is_object(obj)) {
		glb_diag_add(w->d, "%s: must be an object, not %s", w->prefix,
			     glb_json_type_name(obj));
		return;
	}
	warn_unknown_keys(w, obj, known);
	parse_bind_ip(w, obj, b);
	v = member(w, obj, "proto", JSON_STRING, true);
	if (v && strcmp(json_string_value(v), "tcp") == 0)
		b->proto = IPPROTO_TCP;
	else if (v && strcmp(json_string_value(v), "udp") == 0)
		b->proto = IPPROTO_UDP;
	else if (v)
		problem(w, "proto", "unknown protocol \"%s\" (expected tcp or udp)",
			json_string_value(v));
	parse_bind_ports(w, obj, b);
	if (json_object_get(obj, "port") && b->port_start == 0 && b->port_end == 0)
		notice(w, "port",
		       "0: no TCP or UDP packet is sent to port 0, so this bind matches "
		       "nothing");
}

/*
 * An origin-form request target (RFC 9112 §3.2.1): '/' first, then visible
 * ASCII only.  It goes onto the wire verbatim after "GET ", so a space,
 * CR, LF or NUL would change the request or add headers to it.
 */
static bool uri_is_request_target(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] != '/')
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static void parse_healthchecks(const struct where *w, json_t *obj, struct glb_cfg_healthchecks *hc)
{
	static const char *const known[] = { "gue", "fou", "http", "tcp", "http_uri", NULL };
	static const struct {
		const char *key;
		size_t off;
	} ports[] = {
		{ "gue", offsetof(struct glb_cfg_healthchecks, gue) },
		{ "fou", offsetof(struct glb_cfg_healthchecks, fou) },
		{ "http", offsetof(struct glb_cfg_healthchecks, http) },
		{ "tcp", offsetof(struct glb_cfg_healthchecks, tcp) },
	};
	struct where hw = *w;
	json_t *uri;
	size_t i;

	snprintf(hw.prefix, sizeof(hw.prefix), "%.200s: healthchecks", w->prefix);
	warn_unknown_keys(&hw, obj, known);
	for (i = 0; i < GLB_ARRAY_SIZE(ports); i++) {
		uint16_t *port = (uint16_t *)((char *)hc + ports[i].off);

		if (parse_port(&hw, obj, ports[i].key, false, port) && *port == 0)
			problem(&hw, ports[i].key, "port 0 cannot be checked");
	}
	strcpy(hc->http_uri, "/");
	uri = member(&hw, obj, "http_uri", JSON_STRING, false);
	if (uri && !uri_is_request_target(json_string_value(uri), json_string_length(uri)))
		problem(&hw, "http_uri",
			"must start with '/' and hold no spaces or control "
			"characters (an RFC 9112 request target)");
	else if (uri && json_string_length(uri) >= sizeof(hc->http_uri))
		problem(&hw, "http_uri", "must be under %zu characters", sizeof(hc->http_uri));
	else if (uri)
		strcpy(hc->http_uri, json_string_value(uri));
}

/* 0.0.0.0, the limited broadcast and multicast: GUE sent there reaches no proxy. */
static bool ipv4_is_unicast(const uint8_t a[4])
{
	static const uint8_t any[4] = { 0, 0, 0, 0 }, all[4] = { 255, 255, 255, 255 };
	const uint8_t multicast_top_bits = 0xe0, multicast_mask = 0xf0;

	return memcmp(a, any, 4) != 0 && memcmp(a, all, 4) != 0 &&
	       (a[0] & multicast_mask) != multicast_top_bits;
}

static void parse_backend_ip(const struct where *w, json_t *obj, struct glb_cfg_backend *b)
{
	json_t *v = member(w, obj, "ip", JSON_STRING, true);
	struct in6_addr a6;

	if (!v)
		return;
	if (inet_pton(AF_INET, json_string_value(v), b->addr) == 1) {
		if (!ipv4_is_unicast(b->addr))
			notice(w, "ip",
			       "%s is not a unicast address: GUE sent to it reaches no "
			       "proxy",
			       json_string_value(v));
		return;
	}
	if (inet_pton(AF_INET6, json_string_value(v), &a6) == 1)
		problem(w, "ip",
			"\"%s\" is IPv6, but backends must be IPv4 (the GUE hop list "
			"carries IPv4 addresses)",
			json_string_value(v));
	else
		problem(w, "ip", "\"%s\" is not an IPv4 address", json_string_value(v));
}

static void parse_backend(const struct where *w, json_t *obj, struct glb_cfg_backend *b)
{
	static const char *const known[] = { "ip", "state", "healthy", "healthchecks", NULL };
	json_t *v, *hc;
	enum glb_backend_state s;

	if (!json_is_object(obj)) {
		glb_diag_add(w->d, "%s: must be an object, not %s", w->prefix,
			     glb_json_type_name(obj));
		return;
	}
	warn_unknown_keys(w, obj, known);
	parse_backend_ip(w, obj, b);
	v = member(w, obj, "state", JSON_STRING, true);
	for (s = GLB_BACKEND_FILLING; v && s <= GLB_BACKEND_INACTIVE; s++)
		if (strcmp(json_string_value(v), glb_backend_state_name(s)) == 0)
			break;
	if (v && s > GLB_BACKEND_INACTIVE)
		problem(w, "state",
			"unknown state \"%s\" (expected active, filling, draining or "
			"inactive)",
			json_string_value(v));
	b->state = s;
	hc = member(w, obj, "healthchecks", JSON_OBJECT, false);
	b->has_healthchecks = hc != NULL;
	if (hc)
		parse_healthchecks(w, hc, &b->hc);
	/* Absent health is "healthy" only where the healthcheck daemon will fill it in. */
	b->healthy = true;
	v = member(w, obj, "healthy", JSON_TRUE, false);
	if (v)
		b->healthy = json_is_true(v);
	else if (!json_object_get(obj, "healthy") && !json_object_get(obj, "healthchecks"))
		problem(w, "healthy",
			"missing (it may be left out only when healthchecks is given)");
}

/* Parse an array member of at most max entries with one parser per entry. */
static json_t *entries(const struct where *w, json_t *obj, const char *field, size_t max)
{
	json_t *arr = member(w, obj, field, JSON_ARRAY, true);

	if (arr && json_array_size(arr) > max) {
		problem(w, field, "%zu entries, at most %zu are allowed", json_array_size(arr),
			max);
		return NULL;
	}
	return arr;
}

static void check_duplicate_backends(const struct where *tw, const struct glb_cfg_table *t)
{
	uint32_t i, j;

	for (i = 1; i < t->num_backends; i++) {
		for (j = 0; j < i; j++) {
			struct where w;
			char ip[INET_ADDRSTRLEN];

			if (memcmp(t->backends[i].addr, t->backends[j].addr, 4) != 0)
				continue;
			where_entry(&w, tw, "backend", i);
			inet_ntop(AF_INET, t->backends[i].addr, ip, sizeof(ip));
			problem(&w, "ip", "%s is already backend %u of this table", ip, j);
			break;
		}
	}
}

/* A bind and where it is, for finding repeats by sorting. */
struct bind_ref {
	const struct glb_cfg_bind *b;
	uint32_t table, index;
};

static int bind_key_cmp(const struct glb_cfg_bind *a, const struct glb_cfg_bind *b)
{
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	if (c == 0)
		c = (int)a->family - (int)b->family;
	if (c == 0)
		c = (int)a->prefix_bits - (int)b->prefix_bits;
	if (c == 0)
		c = (int)a->proto - (int)b->proto;
	if (c == 0)
		c = (int)a->port_start - (int)b->port_start;
	if (c == 0)
		c = (int)a->port_end - (int)b->port_end;
	return c;
}

/* Equal binds together, each group in document order. */
static int bind_ref_cmp(const void *x, const void *y)
{
	const struct bind_ref *a = x, *b = y;
	int c = bind_key_cmp(a->b, b->b);

	if (c == 0)
		c = a->table != b->table ? (a->table < b->table ? -1 : 1) :
					   (a->index < b->index ? -1 : a->index > b->index);
	return c;
}

/* The first table with a matching bind wins (SPEC §5): a repeated bind never matches. */
static void check_duplicate_binds(struct glb_diag *d, const struct glb_cfg *cfg)
{
	struct bind_ref *refs;
	size_t n = 0, k, first = 0;
	uint32_t t, i;

	for (t = 0; t < cfg->num_tables; t++)
		n += cfg->tables[t].num_binds;
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs)
		return; /* only warnings are lost */
	for (n = 0, t = 0; t < cfg->num_tables; t++)
		for (i = 0; i < cfg->tables[t].num_binds; i++)
			refs[n++] = (struct bind_ref){ &cfg->tables[t].binds[i], t, i };
	qsort(refs, n, sizeof(*refs), bind_ref_cmp);
	for (k = 1; k < n; k++) {
		struct where tw, w;

		if (bind_key_cmp(refs[k].b, refs[first].b) != 0) {
			first = k;
			continue;
		}
		where_table(&tw, d, refs[k].table, cfg->tables[refs[k].table].name);
		where_entry(&w, &tw, "bind", refs[k].index);
		notice(&w, "ip",
		       "the same as bind %u of table %u, which comes first: this one "
		       "never matches",
		       refs[first].index, refs[first].table);
	}
	free(refs);
}

static void parse_table(struct glb_diag *d, size_t idx, json_t *obj, struct glb_cfg_table *t)
{
	static const char *const known[] = { "name", "hash_key", "seed", "binds", "backends", NULL };
	json_t *name = json_is_object(obj) ? json_object_get(obj, "name") : NULL;
	struct where tw, w;
	json_t *arr, *v;
	size_t i;

	where_table(&tw, d, idx, json_is_string(name) ? json_string_value(name) : NULL);
	if (!json_is_object(obj)) {
		glb_diag_add(d, "%s: must be an object, not %s", tw.prefix,
			     glb_json_type_name(obj));
		return;
	}
	warn_unknown_keys(&tw, obj, known);
	if (member(&tw, obj, "name", JSON_STRING, false))
		snprintf(t->name, sizeof(t->name), "%s", json_string_value(name));
	parse_key(&tw, obj, "hash_key", t->hash_key);
	parse_key(&tw, obj, "seed", t->seed);
	arr = entries(&tw, obj, "binds", GLB_FMT_MAX_BINDS);
	json_array_foreach(arr, i, v) {
		where_entry(&w, &tw, "bind", i);
		parse_bind(&w, v, &t->binds[i]);
	}
	t->num_binds = arr ? (uint32_t)json_array_size(arr) : 0;
	if (arr && t->num_binds == 0)
		notice(&tw, "binds", "none: no packet selects this table");
	arr = entries(&tw, obj, "backends", GLB_FMT_MAX_BACKENDS);
	json_array_foreach(arr, i, v) {
		where_entry(&w, &tw, "backend", i);
		parse_backend(&w, v, &t->backends[i]);
	}
	t->num_backends = arr ? (uint32_t)json_array_size(arr) : 0;
	check_duplicate_backends(&tw, t);
}

static void parse_timing(struct glb_diag *d, json_t *root, struct glb_cfg_hc_timing *hc)
{
	static const char *const known[] = { "interval_ms", "timeout_ms", "trigger", NULL };
	static const char *const keys[] = { "interval_ms", "timeout_ms", "trigger" };
	uint32_t *vals[] = { &hc->interval_ms, &hc->timeout_ms, &hc->trigger };
	struct where w = { .d = d, .prefix = "healthchecks" };
	json_t *obj;
	size_t i;

	hc->interval_ms = HC_INTERVAL_MS_DEFAULT;
	hc->timeout_ms = HC_TIMEOUT_MS_DEFAULT;
	hc->trigger = HC_TRIGGER_DEFAULT;
	obj = member(&(struct where){ .d = d, .prefix = "top level" }, root, "healthchecks",
		     JSON_OBJECT, false);
	if (!obj)
		return;
	warn_unknown_keys(&w, obj, known);
	for (i = 0; i < 3; i++) {
		json_t *v = member(&w, obj, keys[i], JSON_INTEGER, false);

		if (v && (json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX))
			problem(&w, keys[i], "must be a positive integer");
		else if (v)
			*vals[i] = (uint32_t)json_integer_value(v);
	}
}

static int parse_root(json_t *root, struct glb_cfg *out, struct glb_diag *d)
{
	static const char *const known[] = { "tables", "healthchecks", NULL };
	struct where w = { .d = d, .prefix = "top level" };
	size_t before = d->count, i;
	json_t *tables, *v;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(root)) {
		glb_diag_add(d, "top level: must be an object with a \"tables\" array, not %s",
			     glb_json_type_name(root));
		return -EINVAL;
	}
	warn_unknown_keys(&w, root, known);
	parse_timing(d, root, &out->hc_timing);
	tables = member(&w, root, "tables", JSON_ARRAY, true);
	if (!tables || json_array_size(tables) > GLB_FMT_MAX_TABLES) {
		if (tables)
			problem(&w, "tables", "%zu tables, at most %u", json_array_size(tables),
				GLB_FMT_MAX_TABLES);
		return -EINVAL;
	}
	out->tables = calloc(json_array_size(tables) + 1, sizeof(*out->tables));
	if (!out->tables) {
		glb_diag_add(d, "out of memory");
		return -ENOMEM;
	}
	out->num_tables = (uint32_t)json_array_size(tables);
	if (out->num_tables == 0)
		notice(&w, "tables", "none: a director loading this forwards nothing");
	json_array_foreach(tables, i, v)
		parse_table(d, i, v, &out->tables[i]);
	if (d->count != before) {
		glb_fwd_config_free(out);
		return -EINVAL;
	}
	check_duplicate_binds(d, out);
	return 0;
}

int glb_fwd_config_parse(const char *text, size_t len, struct glb_cfg *out, struct glb_diag *d)
{
	struct glb_diag local;
	json_t *root;
	int ret;

	/* Problems must be counted even when the caller does not want them. */
	glb_diag_init(&local);
	root = glb_json_parse(text, len, d ? d : &local);
	if (!root) {
		memset(out, 0, sizeof(*out));
		ret = -EINVAL;
	} else {
		ret = parse_root(root, out, d ? d : &local);
		json_decref(root);
	}
	glb_diag_free(&local);
	return ret;
}

static int parse_text(const char *text, size_t len, void *cfg, struct glb_diag *d)
{
	return glb_fwd_config_parse(text, len, cfg, d);
}

int glb_fwd_config_load(const char *path, struct glb_cfg *out, struct glb_diag *d)
{
	memset(out, 0, sizeof(*out));
	return glb_json_load_file(path, parse_text, out, d);
}

void glb_fwd_config_free(struct glb_cfg *cfg)
{
	free(cfg->tables);
	cfg->tables = NULL;
	cfg->num_tables = 0;
}

const char *glb_backend_state_name(enum glb_backend_state s)
{
	switch (s) {
	case GLB_BACKEND_FILLING:
		return "filling";
	case GLB_BACKEND_ACTIVE:
		return "active";
	case GLB_BACKEND_DRAINING:
		return "draining";
	case GLB_BACKEND_INACTIVE:
		return "inactive";
	}
	return NULL;
}
