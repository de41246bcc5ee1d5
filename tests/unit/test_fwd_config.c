// SPDX-License-Identifier: BSD-3-Clause
/*
 * The forwarding table JSON (SPEC §2): what a valid document turns into, and
 * that every kind of mistake is rejected with a message naming the table,
 * the entry and the field.
 *
 * Documents are written with single quotes for readability and turned into
 * JSON by squote() before parsing; no value here contains a quote.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array_size.h"
#include "fwd_config.h"
#include "testutil.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f"
#define KEY_B "f0e0d0c0b0a09080706050403020100f"
#define KEY_C "00112233445566778899aabbccddeeff"

static char *squote(const char *s)
{
	char *out = strdup(s), *p;

	ck_assert_ptr_nonnull(out);
	for (p = out; *p; p++)
		if (*p == '\'')
			*p = '"';
	return out;
}

static int parse_sq(const char *doc, struct glb_cfg *cfg, struct glb_diag *d)
{
	char *json = squote(doc);
	int ret = glb_fwd_config_parse(json, strlen(json), cfg, d);

	free(json);
	return ret;
}

/* All kept messages joined by newlines, for failure output and searching. */
static char *diag_join(const struct glb_diag *d)
{
	char *out = strdup(""), *next;
	size_t i;

	for (i = 0; i < d->kept; i++) {
		ck_assert_int_ge(asprintf(&next, "%s%s\n", out, d->msgs[i]), 0);
		free(out);
		out = next;
	}
	return out;
}

/* Does one kept message contain all of the non-NULL substrings? */
static bool diag_has(const struct glb_diag *d, const char *a, const char *b, const char *c)
{
	size_t i;

	for (i = 0; i < d->kept; i++) {
		const char *m = d->msgs[i];

		if ((!a || strstr(m, a)) && (!b || strstr(m, b)) && (!c || strstr(m, c)))
			return true;
	}
	return false;
}

/* Table 0 is always valid; the mistake goes in table 1, usually in entry 1. */
#define BIND_OK "{'ip': '192.0.2.1', 'proto': 'tcp', 'port': 80}"
#define BACKEND_OK "{'ip': '10.0.0.1', 'state': 'active', 'healthy': true}"
#define TABLE_OK                                                                            \
	"{'name': 'good', 'hash_key': '" KEY_A "', 'seed': '" KEY_B "', 'binds': [" BIND_OK \
	"], 'backends': [" BACKEND_OK "]}"
#define TABLE(keys, binds, backends) \
	"{'name': 'x', " keys ", 'binds': [" binds "], 'backends': [" backends "]}"
#define KEYS "'hash_key': '" KEY_C "', 'seed': '" KEY_A "'"
#define DOC(t1) "{'tables': [" TABLE_OK ", " t1 "]}"
/* table 1 with a bad second bind / second backend */
#define BAD_BIND(b) DOC(TABLE(KEYS, BIND_OK ", " b, BACKEND_OK))
#define BAD_BACKEND(b) \
	DOC(TABLE(KEYS, BIND_OK, "{'ip': '10.0.0.9', 'state': 'active', 'healthy': true}, " b))
#define BAD_KEYS(k) DOC(TABLE(k, BIND_OK, BACKEND_OK))

/* ---- a valid document ---- */

static const char valid_doc[] =
	"{'tables': [\n"
	" {'name': 'example', 'hash_key': '" KEY_A "', 'seed': '" KEY_B "',\n"
	"  'binds': [\n"
	"   {'ip': '192.0.2.80', 'proto': 'tcp', 'port': 80},\n"
	"   {'ip': '192.0.2.0/28', 'proto': 'udp', 'port_start': 8000, 'port_end': 8080},\n"
	"   {'ip': '2001:db8::1', 'proto': 'tcp', 'port': 443},\n"
	"   {'ip': '2001:db8:80::/48', 'proto': 'udp', 'port_start': 0, 'port_end': 65535}],\n"
	"  'backends': [\n"
	"   {'ip': '10.0.0.1', 'state': 'active', 'healthy': true},\n"
	"   {'ip': '10.0.0.2', 'state': 'filling', 'healthy': false},\n"
	"   {'ip': '10.0.0.3', 'state': 'draining', 'healthy': false,\n"
	"    'healthchecks': {'http': 8080, 'gue': 19523, 'http_uri': '/_ping'}},\n"
	"   {'ip': '10.0.0.4', 'state': 'inactive', 'healthchecks': {'tcp': 22}}]},\n"
	" {'name': 'second', 'hash_key': '" KEY_C "', 'seed': '" KEY_A "',\n"
	"  'binds': [{'ip': '198.51.100.1', 'proto': 'udp', 'port': 53}],\n"
	"  'backends': [{'ip': '10.1.0.1', 'state': 'active', 'healthy': true}]}\n"
	"]}\n";

static void check_key(const uint8_t *got, const char *hex)
{
	uint8_t want[16];

	ck_assert_int_eq(glb_test_unhex(hex, want, sizeof(want)), 16);
	ck_assert_int_eq(memcmp(got, want, 16), 0);
}

static void check_bind(const struct glb_cfg_bind *b, int af, const char *addr, unsigned bits,
		       unsigned proto, unsigned lo, unsigned hi)
{
	uint8_t want[16] = { 0 };

	ck_assert_int_eq(inet_pton(af, addr, want), 1);
	ck_assert_uint_eq(b->family, af == AF_INET ? GLB_FAMILY_IPV4 : GLB_FAMILY_IPV6);
	ck_assert_int_eq(memcmp(b->addr, want, 16), 0);
	ck_assert_uint_eq(b->prefix_bits, bits);
	ck_assert_uint_eq(b->proto, proto);
	ck_assert_uint_eq(b->port_start, lo);
	ck_assert_uint_eq(b->port_end, hi);
}

static void check_backend(const struct glb_cfg_backend *b, const char *addr,
			  enum glb_backend_state state, bool healthy)
{
	uint8_t want[4];

	ck_assert_int_eq(inet_pton(AF_INET, addr, want), 1);
	ck_assert_int_eq(memcmp(b->addr, want, 4), 0);
	ck_assert_int_eq(b->state, state);
	ck_assert_int_eq(b->healthy, healthy);
}

START_TEST(test_parse_valid_document)
{
	struct glb_cfg cfg;
	struct glb_diag d;
	const struct glb_cfg_table *t;
	char *msgs;

	glb_diag_init(&d);
	memset(&cfg, 0, sizeof(cfg));
	msgs = NULL;
	if (parse_sq(valid_doc, &cfg, &d) != 0)
		msgs = diag_join(&d);
	ck_assert_msg(msgs == NULL, "valid document rejected:\n%s", msgs);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_uint_eq(cfg.num_tables, 2);

	t = &cfg.tables[0];
	ck_assert_str_eq(t->name, "example");
	check_key(t->hash_key, KEY_A);
	check_key(t->seed, KEY_B);
	ck_assert_uint_eq(t->num_binds, 4);
	check_bind(&t->binds[0], AF_INET, "192.0.2.80", 32, IPPROTO_TCP, 80, 80);
	check_bind(&t->binds[1], AF_INET, "192.0.2.0", 28, IPPROTO_UDP, 8000, 8080);
	check_bind(&t->binds[2], AF_INET6, "2001:db8::1", 128, IPPROTO_TCP, 443, 443);
	check_bind(&t->binds[3], AF_INET6, "2001:db8:80::", 48, IPPROTO_UDP, 0, 65535);

	ck_assert_uint_eq(t->num_backends, 4);
	check_backend(&t->backends[0], "10.0.0.1", GLB_BACKEND_ACTIVE, true);
	check_backend(&t->backends[1], "10.0.0.2", GLB_BACKEND_FILLING, false);
	check_backend(&t->backends[2], "10.0.0.3", GLB_BACKEND_DRAINING, false);
	/* healthy absent next to healthchecks: the healthcheck fills it in; until then, up */
	check_backend(&t->backends[3], "10.0.0.4", GLB_BACKEND_INACTIVE, true);

	ck_assert(!t->backends[0].has_healthchecks);
	ck_assert(t->backends[2].has_healthchecks);
	ck_assert_uint_eq(t->backends[2].hc.http, 8080);
	ck_assert_uint_eq(t->backends[2].hc.gue, 19523);
	ck_assert_uint_eq(t->backends[2].hc.tcp, 0);
	ck_assert_str_eq(t->backends[2].hc.http_uri, "/_ping");
	ck_assert(t->backends[3].has_healthchecks);
	ck_assert_uint_eq(t->backends[3].hc.tcp, 22);
	ck_assert_uint_eq(t->backends[3].hc.http, 0);
	ck_assert_uint_eq(t->backends[3].hc.gue, 0);
	ck_assert_str_eq(t->backends[3].hc.http_uri, "/");

	ck_assert_uint_eq(cfg.hc_timing.interval_ms, 2000);
	ck_assert_uint_eq(cfg.hc_timing.timeout_ms, 1000);
	ck_assert_uint_eq(cfg.hc_timing.trigger, 3);

	t = &cfg.tables[1];
	ck_assert_str_eq(t->name, "second");
	check_key(t->hash_key, KEY_C);
	check_key(t->seed, KEY_A);
	ck_assert_uint_eq(t->num_binds, 1);
	check_bind(&t->binds[0], AF_INET, "198.51.100.1", 32, IPPROTO_UDP, 53, 53);
	ck_assert_uint_eq(t->num_backends, 1);
	check_backend(&t->backends[0], "10.1.0.1", GLB_BACKEND_ACTIVE, true);

	glb_fwd_config_free(&cfg);
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_parse_accepts_upper_bounds)
{
	struct glb_cfg cfg;
	struct glb_diag d;
	char *doc = NULL, *next;
	int i, ret;

	ck_assert_int_ge(asprintf(&doc,
				  "{'tables': [{'name': 'big', 'hash_key': '%s', "
				  "'seed': '%s', 'binds': [",
				  KEY_A, KEY_B),
			 0);
	for (i = 0; i < 256; i++) {
		ck_assert_int_ge(asprintf(&next,
					  "%s%s{'ip': '10.2.%d.0/24', 'proto': 'tcp', "
					  "'port': %d}",
					  doc, i ? "," : "", i, i + 1),
				 0);
		free(doc);
		doc = next;
	}
	ck_assert_int_ge(asprintf(&next, "%s], 'backends': [", doc), 0);
	free(doc);
	doc = next;
	for (i = 0; i < 256; i++) {
		ck_assert_int_ge(asprintf(&next,
					  "%s%s{'ip': '10.3.%d.%d', 'state': 'active', "
					  "'healthy': true}",
					  doc, i ? "," : "", i / 8, i),
				 0);
		free(doc);
		doc = next;
	}
	ck_assert_int_ge(asprintf(&next, "%s]}]}", doc), 0);
	free(doc);
	doc = next;

	glb_diag_init(&d);
	ret = parse_sq(doc, &cfg, &d);
	ck_assert_msg(ret == 0, "256 binds and backends rejected: %s", glb_diag_first(&d));
	ck_assert_uint_eq(cfg.tables[0].num_binds, 256);
	ck_assert_uint_eq(cfg.tables[0].num_backends, 256);
	ck_assert_uint_eq(cfg.tables[0].binds[255].port_start, 256);
	ck_assert_uint_eq(cfg.tables[0].backends[255].addr[3], 255);
	glb_fwd_config_free(&cfg);
	glb_diag_free(&d);
	free(doc);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(glb_backend_state_name(GLB_BACKEND_ACTIVE), "active");
	ck_assert_str_eq(glb_backend_state_name(GLB_BACKEND_FILLING), "filling");
	ck_assert_str_eq(glb_backend_state_name(GLB_BACKEND_DRAINING), "draining");
	ck_assert_str_eq(glb_backend_state_name(GLB_BACKEND_INACTIVE), "inactive");
	ck_assert_ptr_null(glb_backend_state_name((enum glb_backend_state)42));
}
END_TEST

START_TEST(test_load_vector_file)
{
	struct glb_cfg cfg;
	struct glb_diag d;
	const char *path = glb_test_vector_path("table-example.json");

	glb_diag_init(&d);
	ck_assert_msg(glb_fwd_config_load(path, &cfg, &d) == 0, "%s: %s", path, glb_diag_first(&d));
	ck_assert_uint_eq(cfg.num_tables, 2);
	ck_assert_str_eq(cfg.tables[0].name, "example");
	ck_assert_str_eq(cfg.tables[1].name, "two-down");
	ck_assert_uint_eq(cfg.tables[0].num_binds, 3);
	ck_assert_uint_eq(cfg.tables[0].num_backends, 5);
	ck_assert_int_eq(cfg.tables[0].backends[4].state, GLB_BACKEND_INACTIVE);
	ck_assert_uint_eq(cfg.tables[1].num_backends, 6);
	ck_assert(!cfg.tables[1].backends[3].healthy);
	glb_fwd_config_free(&cfg);
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_load_missing_file_names_path)
{
	struct glb_cfg cfg;
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *path;

	ck_assert_int_ge(asprintf(&path, "%s/missing.json", dir), 0);
	glb_diag_init(&d);
	ck_assert_int_lt(glb_fwd_config_load(path, &cfg, &d), 0);
	ck_assert_uint_ge(d.count, 1);
	ck_assert_msg(strstr(glb_diag_first(&d), path) != NULL, "message does not name %s: %s",
		      path, glb_diag_first(&d));
	glb_diag_free(&d);
	rmdir(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_load_prefixes_messages_with_file_name)
{
	static const char doc[] = "{'tables': [{'name': 'a', 'hash_key': '" KEY_A
				  "', 'seed': '" KEY_B "', 'binds': [" BIND_OK "], 'backends': "
				  "[{'ip': '10.0.0.1', 'state': 'bogus', 'healthy': true}]}]}";
	struct glb_cfg cfg;
	struct glb_diag d;
	char *json = squote(doc);
	char *path = strdup(glb_test_write_temp("bad.json", json, strlen(json)));

	glb_diag_init(&d);
	ck_assert_int_eq(glb_fwd_config_load(path, &cfg, &d), -EINVAL);
	ck_assert_uint_ge(d.kept, 1);
	ck_assert_msg(strncmp(d.msgs[0], path, strlen(path)) == 0,
		      "message does not start with %s: %s", path, d.msgs[0]);
	ck_assert_ptr_nonnull(strstr(d.msgs[0], "state"));
	glb_diag_free(&d);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
	free(json);
}
END_TEST

/* ---- invalid documents ---- */

struct bad_case {
	const char *name;
	const char *doc;     /* NULL: built by the test (too long for a literal) */
	const char *want[3]; /* substrings one message must hold */
};

static const struct bad_case bad_cases[] = {
	{ "hash_key 31 digits",
	  BAD_KEYS("'hash_key': '000102030405060708090a0b0c0d0e0', 'seed': '" KEY_A "'"),
	  { "table 1", "hash_key" } },
	{ "hash_key 33 digits",
	  BAD_KEYS("'hash_key': '000102030405060708090a0b0c0d0e0f0', 'seed': '" KEY_A "'"),
	  { "table 1", "hash_key" } },
	{ "hash_key non-hex digit",
	  BAD_KEYS("'hash_key': '000102030405060708090a0b0c0d0e0g', 'seed': '" KEY_A "'"),
	  { "table 1", "hash_key" } },
	{ "hash_key a number",
	  BAD_KEYS("'hash_key': 1234, 'seed': '" KEY_A "'"),
	  { "table 1", "hash_key" } },
	{ "hash_key missing", BAD_KEYS("'seed': '" KEY_A "'"), { "table 1", "hash_key" } },
	{ "seed 31 digits",
	  BAD_KEYS("'hash_key': '" KEY_C "', 'seed': '00112233445566778899aabbccddeef'"),
	  { "table 1", "seed" } },
	{ "seed with a space",
	  BAD_KEYS("'hash_key': '" KEY_C "', 'seed': '00112233445566778899aabbccdd eff'"),
	  { "table 1", "seed" } },
	{ "seed missing", BAD_KEYS("'hash_key': '" KEY_C "'"), { "table 1", "seed" } },
	{ "name a number",
	  DOC("{'name': 7, " KEYS ", 'binds': [" BIND_OK "], 'backends': [" BACKEND_OK "]}"),
	  { "table 1", "name" } },

	{ "backend ip octet 256",
	  BAD_BACKEND("{'ip': '10.0.0.256', 'state': 'active', 'healthy': true}"),
	  { "table 1", "backend 1", "ip" } },
	{ "backend ip garbage",
	  BAD_BACKEND("{'ip': 'ten', 'state': 'active', 'healthy': true}"),
	  { "table 1", "backend 1", "ip" } },
	{ "backend ip empty",
	  BAD_BACKEND("{'ip': '', 'state': 'active', 'healthy': true}"),
	  { "table 1", "backend 1", "ip" } },
	{ "backend IPv6",
	  BAD_BACKEND("{'ip': '2001:db8::5', 'state': 'active', 'healthy': true}"),
	  { "backend 1", "ip", "IPv" } },
	{ "backend ip a number",
	  BAD_BACKEND("{'ip': 167772162, 'state': 'active', 'healthy': true}"),
	  { "table 1", "backend 1", "ip" } },
	{ "backend ip missing",
	  BAD_BACKEND("{'state': 'active', 'healthy': true}"),
	  { "table 1", "backend 1", "ip" } },
	{ "backend state unknown",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'foo', 'healthy': true}"),
	  { "table 1", "backend 1", "state" } },
	{ "backend state upper case",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'ACTIVE', 'healthy': true}"),
	  { "table 1", "backend 1", "state" } },
	{ "backend state a number",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 1, 'healthy': true}"),
	  { "table 1", "backend 1", "state" } },
	{ "backend state missing",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'healthy': true}"),
	  { "table 1", "backend 1", "state" } },
	{ "backend healthy absent without healthchecks",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active'}"),
	  { "table 1", "backend 1", "healthy" } },
	{ "backend healthy a string",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active', 'healthy': 'true'}"),
	  { "table 1", "backend 1", "healthy" } },
	{ "backend healthcheck port 70000",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active', 'healthchecks': {'http': 70000}}"),
	  { "table 1", "backend 1", "http" } },
	{ "backend not an object", BAD_BACKEND("'10.0.0.2'"), { "table 1", "backend 1" } },
	{ "http_uri with CR LF (a header injected into the probe)",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active', "
		      "'healthchecks': {'http': 80, 'http_uri': '/x\\r\\nX-Evil: 1'}}"),
	  { "table 1", "backend 1", "http_uri" } },
	{ "http_uri with a space",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active', "
		      "'healthchecks': {'http': 80, 'http_uri': '/a b'}}"),
	  { "table 1", "backend 1", "http_uri" } },
	{ "http_uri with a tab",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active', "
		      "'healthchecks': {'http': 80, 'http_uri': '/a\\tb'}}"),
	  { "table 1", "backend 1", "http_uri" } },
	{ "http_uri not starting with /",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active', "
		      "'healthchecks': {'http': 80, 'http_uri': 'health'}}"),
	  { "table 1", "backend 1", "http_uri" } },
	{ "http_uri empty",
	  BAD_BACKEND("{'ip': '10.0.0.2', 'state': 'active', "
		      "'healthchecks': {'http': 80, 'http_uri': ''}}"),
	  { "table 1", "backend 1", "http_uri" } },
	{ "duplicate backend ip",
	  BAD_BACKEND("{'ip': '10.0.0.9', 'state': 'draining', 'healthy': true}"),
	  { "table 1", "backend 1", "ip" } },

	{ "bind ip bad octet",
	  BAD_BIND("{'ip': '192.0.2.300', 'proto': 'tcp', 'port': 80}"),
	  { "table 1", "bind 1", "ip" } },
	{ "bind ip garbage",
	  BAD_BIND("{'ip': 'example.com', 'proto': 'tcp', 'port': 80}"),
	  { "table 1", "bind 1", "ip" } },
	{ "bind IPv4 prefix /33",
	  BAD_BIND("{'ip': '192.0.2.0/33', 'proto': 'tcp', 'port': 80}"),
	  { "table 1", "bind 1", "ip" } },
	{ "bind IPv6 prefix /129",
	  BAD_BIND("{'ip': '2001:db8::/129', 'proto': 'tcp', 'port': 80}"),
	  { "table 1", "bind 1", "ip" } },
	{ "bind prefix not a number",
	  BAD_BIND("{'ip': '192.0.2.0/x', 'proto': 'tcp', 'port': 80}"),
	  { "table 1", "bind 1", "ip" } },
	{ "bind ip a number",
	  BAD_BIND("{'ip': 3221225985, 'proto': 'tcp', 'port': 80}"),
	  { "table 1", "bind 1", "ip" } },
	{ "bind ip missing",
	  BAD_BIND("{'proto': 'tcp', 'port': 80}"),
	  { "table 1", "bind 1", "ip" } },
	{ "bind port range inverted",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port_start': 90, 'port_end': 80}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind port 70000",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port': 70000}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind port -1",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port': -1}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind port_end 65536",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port_start': 1, 'port_end': 65536}"),
	  { "table 1", "bind 1", "port_end" } },
	{ "bind port_start without port_end",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port_start': 80}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind port_end without port_start",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port_end': 80}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind port missing",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp'}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind port a string",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port': '80'}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind port a fraction",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'tcp', 'port': 80.5}"),
	  { "table 1", "bind 1", "port" } },
	{ "bind proto unknown",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 'sctp', 'port': 80}"),
	  { "table 1", "bind 1", "proto" } },
	{ "bind proto a number",
	  BAD_BIND("{'ip': '192.0.2.1', 'proto': 6, 'port': 80}"),
	  { "table 1", "bind 1", "proto" } },
	{ "bind proto missing",
	  BAD_BIND("{'ip': '192.0.2.1', 'port': 80}"),
	  { "table 1", "bind 1", "proto" } },
	{ "bind not an object", BAD_BIND("42"), { "table 1", "bind 1" } },

	{ "backends an object",
	  DOC("{'name': 'x', " KEYS ", 'binds': [" BIND_OK "], 'backends': {'ip': '10.0.0.1'}}"),
	  { "table 1", "backends" } },
	{ "backends missing",
	  DOC("{'name': 'x', " KEYS ", 'binds': [" BIND_OK "]}"),
	  { "table 1", "backends" } },
	{ "binds a string",
	  DOC("{'name': 'x', " KEYS ", 'binds': '192.0.2.1', 'backends': [" BACKEND_OK "]}"),
	  { "table 1", "binds" } },
	{ "binds missing",
	  DOC("{'name': 'x', " KEYS ", 'backends': [" BACKEND_OK "]}"),
	  { "table 1", "binds" } },
	{ "table a bool", DOC("true"), { "table 1" } },
	{ "257 binds", NULL, { "table 0", "binds" } },
	{ "257 backends", NULL, { "table 0", "backends" } },

	{ "top level an array", "[{'tables': []}]", { NULL } },
	{ "top level a string", "'tables'", { NULL } },
	{ "tables missing", "{'table': []}", { "tables" } },
	{ "tables an object", "{'tables': {'name': 'x'}}", { "tables" } },
	{ "syntax error on line 3",
	  "{'tables': [\n  {'name': 'x',\n   'seed': ,\n  }]}",
	  { "line", "3" } },
	{ "empty text", "", { NULL } },
};

#define NUM_BAD_CASES GLB_ARRAY_SIZE(bad_cases)

/* Table 0 with 257 binds or 257 backends. */
static char *too_many_doc(bool binds)
{
	char *doc = NULL, *next;
	int i;

	ck_assert_int_ge(asprintf(&doc, "{'tables': [{'name': 'many', " KEYS ", '%s': [",
				  binds ? "binds" : "backends"),
			 0);
	for (i = 0; i < 257; i++) {
		if (binds)
			ck_assert_int_ge(asprintf(&next,
						  "%s%s{'ip': '10.9.%d.%d', 'proto': 'udp', "
						  "'port': 53}",
						  doc, i ? "," : "", i / 250, i % 250),
					 0);
		else
			ck_assert_int_ge(asprintf(&next,
						  "%s%s{'ip': '10.9.%d.%d', 'state': "
						  "'active', 'healthy': true}",
						  doc, i ? "," : "", i / 250, i % 250),
					 0);
		free(doc);
		doc = next;
	}
	ck_assert_int_ge(asprintf(&next, "%s], '%s': [%s]}]}", doc, binds ? "backends" : "binds",
				  binds ? BACKEND_OK : BIND_OK),
			 0);
	free(doc);
	return next;
}

START_TEST(test_parse_rejects_each_mistake_naming_it)
{
	const struct bad_case *c = &bad_cases[_i];
	struct glb_cfg cfg;
	struct glb_diag d;
	char *built = NULL, *msgs;
	const char *doc = c->doc;
	int ret, k;

	if (!doc) {
		built = too_many_doc(strstr(c->name, "binds") != NULL);
		doc = built;
	}
	glb_diag_init(&d);
	memset(&cfg, 0, sizeof(cfg));
	ret = parse_sq(doc, &cfg, &d);
	msgs = diag_join(&d);
	ck_assert_msg(ret == -EINVAL, "%s: expected -EINVAL, got %d", c->name, ret);
	ck_assert_msg(d.count >= 1 && d.kept >= 1, "%s: rejected without a message", c->name);
	for (k = 0; k < (int)d.kept; k++)
		ck_assert_msg(d.msgs[k][0] != '\0', "%s: empty message", c->name);
	ck_assert_msg(diag_has(&d, c->want[0], c->want[1], c->want[2]),
		      "%s: no message holds \"%s\" \"%s\" \"%s\":\n%s", c->name,
		      c->want[0] ? c->want[0] : "", c->want[1] ? c->want[1] : "",
		      c->want[2] ? c->want[2] : "", msgs);
	/* table 0 is valid in every document: no complaint may name it */
	if (c->want[0] && !strcmp(c->want[0], "table 1"))
		ck_assert_msg(!diag_has(&d, "table 0", NULL, NULL),
			      "%s: the valid table 0 was blamed:\n%s", c->name, msgs);
	free(msgs);
	free(built);
	glb_diag_free(&d);
}
END_TEST

/* ---- loads, with a warning (GLB's files must still load) ---- */

struct warn_case {
	const char *name;
	const char *doc;
	const char *want[3]; /* substrings one warning must hold */
};

static const struct warn_case warn_cases[] = {
	{ "bind port 0",
	  DOC(TABLE(KEYS, "{'ip': '192.0.2.9', 'proto': 'udp', 'port': 0}", BACKEND_OK)),
	  { "table 1", "bind 0", "matches nothing" } },
	{ "backend 0.0.0.0",
	  DOC(TABLE(KEYS, BIND_OK, "{'ip': '0.0.0.0', 'state': 'active', 'healthy': true}")),
	  { "table 1", "backend 0", "not a unicast address" } },
	{ "backend 255.255.255.255",
	  DOC(TABLE(KEYS, BIND_OK, "{'ip': '255.255.255.255', 'state': 'active', 'healthy': true}")),
	  { "table 1", "backend 0", "not a unicast address" } },
	{ "backend multicast",
	  DOC(TABLE(KEYS, BIND_OK, "{'ip': '239.1.2.3', 'state': 'active', 'healthy': true}")),
	  { "table 1", "backend 0", "not a unicast address" } },
	{ "table without binds", DOC(TABLE(KEYS, "", BACKEND_OK)), { "table 1", "binds", "none" } },
	{ "no tables", "{'tables': []}", { "top level", "tables", "forwards nothing" } },
	{ "a bind repeated in its table",
	  DOC(TABLE(KEYS,
		    "{'ip': '192.0.2.7', 'proto': 'tcp', 'port': 25}, "
		    "{'ip': '192.0.2.7', 'proto': 'tcp', 'port': 25}",
		    BACKEND_OK)),
	  { "table 1", "bind 1", "same as bind 0 of table 1" } },
	{ "a bind an earlier table already has",
	  DOC(TABLE(KEYS, BIND_OK, BACKEND_OK)),
	  { "table 1", "bind 0", "same as bind 0 of table 0" } },
};

START_TEST(test_loads_with_a_warning_for_what_cannot_be_meant)
{
	const struct warn_case *c = &warn_cases[_i];
	struct glb_cfg cfg;
	struct glb_diag d;
	size_t k;
	bool found = false;

	glb_diag_init(&d);
	ck_assert_msg(parse_sq(c->doc, &cfg, &d) == 0, "%s: refused: %s", c->name,
		      glb_diag_first(&d));
	for (k = 0; k < d.warns_kept; k++)
		found |= strstr(d.warns[k], c->want[0]) && strstr(d.warns[k], c->want[1]) &&
			 strstr(d.warns[k], c->want[2]);
	ck_assert_msg(found, "%s: no warning holds \"%s\" \"%s\" \"%s\" (%zu warnings%s%s)",
		      c->name, c->want[0], c->want[1], c->want[2], d.warns_kept,
		      d.warns_kept ? ", first: " : "", d.warns_kept ? d.warns[0] : "");
	glb_fwd_config_free(&cfg);
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_the_valid_document_loads_without_warnings)
{
	struct glb_cfg cfg;
	struct glb_diag d;

	glb_diag_init(&d);
	ck_assert_int_eq(parse_sq(valid_doc, &cfg, &d), 0);
	ck_assert_msg(d.warnings == 0, "warning: %s", d.warns_kept ? d.warns[0] : "");
	glb_fwd_config_free(&cfg);
	glb_diag_free(&d);
}
END_TEST

/* What a message quotes from the file cannot split it or reach a terminal as an escape. */
START_TEST(test_messages_escape_control_characters_they_quote)
{
	static const char doc[] =
		"{'tables': [{'name': 'we\\u001b[31mb\\nx', 'hash_key': '" KEY_A "',"
		" 'seed': '" KEY_B "', 'binds': [" BIND_OK "],"
		" 'backends': [{'ip': '10.0.0.1', 'state': 'act\\rive', 'healthy': true}]}]}";
	struct glb_cfg cfg;
	struct glb_diag d;
	size_t k;
	const char *p;

	glb_diag_init(&d);
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(parse_sq(doc, &cfg, &d), -EINVAL);
	ck_assert_uint_ge(d.kept, 1);
	for (k = 0; k < d.kept; k++)
		for (p = d.msgs[k]; *p; p++)
			ck_assert_msg((unsigned char)*p >= ' ' && *p != 0x7f,
				      "message %zu holds control character 0x%02x: %s", k,
				      (unsigned char)*p, d.msgs[k]);
	ck_assert_msg(diag_has(&d, "we\\x1b[31mb\\nx", "act\\rive", NULL), "%s", d.msgs[0]);
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_parse_reports_every_problem)
{
	static const char doc[] =
		"{'tables': [\n"
		" {'name': 'a', 'hash_key': '" KEY_A "', 'seed': '" KEY_B "',\n"
		"  'binds': [{'ip': '192.0.2.1', 'proto': 'icmp', 'port': 80},\n"
		"            {'ip': '192.0.2.2', 'proto': 'tcp', 'port_start': 9, 'port_end': 8}],\n"
		"  'backends': [{'ip': '10.0.0.300', 'state': 'active', 'healthy': true},\n"
		"               {'ip': '10.0.0.2', 'state': 'active', 'healthy': true},\n"
		"               {'ip': '10.0.0.3', 'state': 'sleeping', 'healthy': true}]},\n"
		" {'name': 'b', 'hash_key': 'xyz', 'seed': '" KEY_A "',\n"
		"  'binds': [{'ip': '192.0.2.3/40', 'proto': 'udp', 'port': 53}],\n"
		"  'backends': [{'ip': '10.0.1.1', 'state': 'active'},\n"
		"               {'ip': '10.0.1.1', 'state': 'active', 'healthy': true}]}\n"
		"]}";
	static const char *const want[][3] = {
		{ "table 0", "bind 0", "proto" },      { "table 0", "bind 1", "port" },
		{ "table 0", "backend 0", "ip" },      { "table 0", "backend 2", "state" },
		{ "table 1", "hash_key", NULL },       { "table 1", "bind 0", "ip" },
		{ "table 1", "backend 0", "healthy" }, { "table 1", "backend 1", "ip" },
	};
	struct glb_cfg cfg;
	struct glb_diag d;
	char *msgs;
	size_t i;

	glb_diag_init(&d);
	ck_assert_int_eq(parse_sq(doc, &cfg, &d), -EINVAL);
	msgs = diag_join(&d);
	ck_assert_msg(d.count >= GLB_ARRAY_SIZE(want), "%zu problems reported:\n%s", d.count, msgs);
	for (i = 0; i < GLB_ARRAY_SIZE(want); i++)
		ck_assert_msg(diag_has(&d, want[i][0], want[i][1], want[i][2]),
			      "missing \"%s\" \"%s\" \"%s\" in:\n%s", want[i][0], want[i][1],
			      want[i][2] ? want[i][2] : "", msgs);
	free(msgs);
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_parse_names_the_table)
{
	static const char doc[] = "{'tables': [{'name': 'web', " KEYS ", 'binds': [" BIND_OK
				  "], 'backends': [{'ip': '10.0.0.1', 'state': 'foo', "
				  "'healthy': true}]}]}";
	struct glb_cfg cfg;
	struct glb_diag d;

	glb_diag_init(&d);
	ck_assert_int_eq(parse_sq(doc, &cfg, &d), -EINVAL);
	ck_assert_msg(diag_has(&d, "table 0", "web", "backend 0"), "%s", glb_diag_first(&d));
	glb_diag_free(&d);
}
END_TEST

static Suite *fwd_config_suite(void)
{
	Suite *s = suite_create("fwd_config");
	TCase *tc;

	tc = tcase_create("valid");
	tcase_add_test(tc, test_parse_valid_document);
	tcase_add_test(tc, test_parse_accepts_upper_bounds);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_load_vector_file);
	tcase_add_test(tc, test_load_missing_file_names_path);
	tcase_add_test(tc, test_load_prefixes_messages_with_file_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("invalid");
	tcase_add_loop_test(tc, test_parse_rejects_each_mistake_naming_it, 0, NUM_BAD_CASES);
	tcase_add_test(tc, test_messages_escape_control_characters_they_quote);
	tcase_add_loop_test(tc, test_loads_with_a_warning_for_what_cannot_be_meant, 0,
			    (int)GLB_ARRAY_SIZE(warn_cases));
	tcase_add_test(tc, test_the_valid_document_loads_without_warnings);
	tcase_add_test(tc, test_parse_reports_every_problem);
	tcase_add_test(tc, test_parse_names_the_table);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return glb_test_run(fwd_config_suite());
}
