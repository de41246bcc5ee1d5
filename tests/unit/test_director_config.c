/* SPDX-License-Identifier: BSD-3-Clause */
/* director.conf: GLB's keys accepted with GLB's meaning; mistakes named by key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "director_config.h"
#include "flow_hash.h"
#include "testutil.h"

/* GLB's distributor layout: lcore 1 receives, distributes and transmits; 2 and 3 work. */
#define BASE_HEAD                                           \
	"{\"outbound_gateway_mac\": \"00:11:22:33:44:55\"," \
	" \"outbound_src_ip\": \"10.0.0.1\","               \
	" \"flow_paths\": [{\"rx_port\": 0, \"rx_queue\": 0, \"tx_port\": 0, \"tx_queue\": 0}],"
#define BASE_LCORES                                                               \
	" \"lcores\": {\"lcore-1\": {\"rx\": true, \"tx\": true, \"dist\": true," \
	" \"flow_paths\": [0], \"num_dist_workers\": 2},"                         \
	" \"lcore-2\": {\"work\": true, \"work_source\": 1},"                     \
	" \"lcore-3\": {\"work\": true, \"work_source\": 1}}"

static int parse(const char *text, struct glb_director_config *cfg, struct glb_diag *d)
{
	glb_diag_init(d);
	return glb_director_config_parse(text, strlen(text), cfg, d);
}

START_TEST(test_glb_distributor_layout_parses_with_defaults)
{
	struct glb_director_config cfg;
	struct glb_diag d;
	static const uint8_t mac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t ip[4] = { 10, 0, 0, 1 };

	ck_assert_int_eq(parse(BASE_HEAD BASE_LCORES "}", &cfg, &d), 0);
	ck_assert_mem_eq(cfg.gateway_mac, mac, 6);
	ck_assert_mem_eq(cfg.src_ip, ip, 4);
	ck_assert_uint_eq(cfg.hash_fields, GLB_HASH_SRC_ADDR);
	ck_assert_uint_eq(cfg.alt_hash_fields, 0);
	ck_assert(cfg.forward_icmp_ping_responses);
	ck_assert(cfg.rx_drop_en);
	ck_assert_uint_eq(cfg.num_worker_queues, 1);
	ck_assert_uint_eq(cfg.num_flow_paths, 1);
	ck_assert_uint_eq(cfg.lcores[1].roles, GLB_ROLE_RX | GLB_ROLE_TX | GLB_ROLE_DIST);
	ck_assert_uint_eq(cfg.lcores[1].num_dist_workers, 2);
	ck_assert_uint_eq(cfg.lcores[2].roles, GLB_ROLE_WORK);
	ck_assert_uint_eq(cfg.lcores[3].work_source, 1);
	ck_assert(!cfg.lcores[0].configured);
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_hash_fields_and_alt_hash_fields_are_read)
{
	struct glb_director_config cfg;
	struct glb_diag d;

	ck_assert_int_eq(parse(BASE_HEAD BASE_LCORES
			       ", \"hash_fields\": {\"src_addr\": true, "
			       "\"dst_port\": true, \"dst_addr\": false}, \"alt_hash_fields\": "
			       "{\"src_port\": true}, \"forward_icmp_ping_responses\": false}",
			       &cfg, &d),
			 0);
	ck_assert_uint_eq(cfg.hash_fields, GLB_HASH_SRC_ADDR | GLB_HASH_DST_PORT);
	ck_assert_uint_eq(cfg.alt_hash_fields, GLB_HASH_SRC_PORT);
	ck_assert(!cfg.forward_icmp_ping_responses);
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_run_to_completion_layout_and_glb_keys_parse)
{
	struct glb_director_config cfg;
	struct glb_diag d;

	ck_assert_int_eq(parse(BASE_HEAD
			       " \"lcores\": {\"lcore-1\": {\"rx\": true, \"tx\": true, "
			       "\"work\": true, \"flow_paths\": [0]}}, \"idle_sleep_us\": 50, "
			       "\"exception_tap\": \"glbexc0\", \"mtu\": 9000}",
			       &cfg, &d),
			 0);
	ck_assert_uint_eq(cfg.mtu, 9000);
	ck_assert_uint_eq(cfg.lcores[1].roles, GLB_ROLE_RX | GLB_ROLE_TX | GLB_ROLE_WORK);
	ck_assert_uint_eq(cfg.idle_sleep_us, 50);
	ck_assert_str_eq(cfg.exception_tap, "glbexc0");
	glb_diag_free(&d);
}
END_TEST

/* "flow_isolate": absent or false takes the whole link; true and "auto" isolate (SPEC §10). */
START_TEST(test_flow_isolate_is_false_true_or_auto)
{
	static const struct {
		const char *value;
		enum glb_flow_isolate want;
	} cases[] = {
		{ NULL, GLB_FLOW_ISOLATE_OFF },
		{ "false", GLB_FLOW_ISOLATE_OFF },
		{ "true", GLB_FLOW_ISOLATE_ON },
		{ "\"auto\"", GLB_FLOW_ISOLATE_AUTO },
	};
	struct glb_director_config cfg;
	struct glb_diag d;
	char text[1024];
	size_t i;

	for (i = 0; i < GLB_ARRAY_SIZE(cases); i++) {
		if (cases[i].value)
			snprintf(text, sizeof(text),
				 BASE_HEAD BASE_LCORES ", \"flow_isolate\": %s}", cases[i].value);
		else
			snprintf(text, sizeof(text), BASE_HEAD BASE_LCORES "}");
		ck_assert_int_eq(parse(text, &cfg, &d), 0);
		ck_assert_msg(cfg.flow_isolate == cases[i].want, "flow_isolate %s: got %d",
			      cases[i].value ? cases[i].value : "(absent)", cfg.flow_isolate);
		glb_diag_free(&d);
	}
}
END_TEST

START_TEST(test_glb_statsd_port_is_accepted_with_a_warning)
{
	struct glb_director_config cfg;
	struct glb_diag d;

	ck_assert_int_eq(parse(BASE_HEAD BASE_LCORES ", \"statsd_port\": \"8125\"}", &cfg, &d), 0);
	ck_assert_uint_eq(d.warnings, 1);
	ck_assert_ptr_nonnull(strstr(d.warns[0], "statsd_port"));
	glb_diag_free(&d);
}
END_TEST

/* Each bad document and a word its one message must contain (the key at fault). */
static const struct {
	const char *name, *text, *key;
} bad[] = {
	{ "unknown top-level key", BASE_HEAD BASE_LCORES ", \"hash_feilds\": {}}", "hash_feilds" },
	{ "flow_isolate a word other than auto",
	  BASE_HEAD BASE_LCORES ", \"flow_isolate\": \"yes\"}", "flow_isolate" },
	{ "flow_isolate a number", BASE_HEAD BASE_LCORES ", \"flow_isolate\": 1}", "flow_isolate" },
	{ "bad mac",
	  "{\"outbound_gateway_mac\": \"00:11:22:33:44\", \"outbound_src_ip\": "
	  "\"10.0.0.1\", \"flow_paths\": [{\"rx_port\": 0, \"rx_queue\": 0, \"tx_port\":"
	  " 0, \"tx_queue\": 0}]," BASE_LCORES "}",
	  "outbound_gateway_mac" },
	{ "ipv6 src ip",
	  "{\"outbound_gateway_mac\": \"00:11:22:33:44:55\", \"outbound_src_ip\": "
	  "\"fd00::1\", \"flow_paths\": [{\"rx_port\": 0, \"rx_queue\": 0, "
	  "\"tx_port\": 0, \"tx_queue\": 0}]," BASE_LCORES "}",
	  "outbound_src_ip" },
	{ "missing src ip",
	  "{\"outbound_gateway_mac\": \"00:11:22:33:44:55\", \"flow_paths\": "
	  "[{\"rx_port\": 0, \"rx_queue\": 0, \"tx_port\": 0, \"tx_queue\": 0}]," BASE_LCORES "}",
	  "outbound_src_ip" },
	{ "hash_fields all false",
	  BASE_HEAD BASE_LCORES ", \"hash_fields\": {\"src_addr\": false}}", "hash_fields" },
	{ "hash_fields unknown field",
	  BASE_HEAD BASE_LCORES ", \"hash_fields\": {\"proto\": true}}", "proto" },
	{ "hash_fields wrong type", BASE_HEAD BASE_LCORES ", \"hash_fields\": [\"src_addr\"]}",
	  "hash_fields" },
	{ "ping flag as string", BASE_HEAD BASE_LCORES ", \"forward_icmp_ping_responses\": \"no\"}",
	  "forward_icmp_ping_responses" },
	{ "queues zero", BASE_HEAD BASE_LCORES ", \"num_worker_queues\": 0}", "num_worker_queues" },
	{ "flow path missing field",
	  "{\"outbound_gateway_mac\": \"00:11:22:33:44:55\", "
	  "\"outbound_src_ip\": \"10.0.0.1\", \"flow_paths\": "
	  "[{\"rx_port\": 0, \"rx_queue\": 0, \"tx_port\": 0}]," BASE_LCORES "}",
	  "tx_queue" },
	{ "lcore flow path out of range",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true, "
		    "\"tx\": true, \"flow_paths\": [1]}}}",
	  "flow_paths" },
	{ "rx lcore without flow paths", BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true}}}",
	  "flow_paths" },
	{ "worker of a non-distributor",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true, "
		    "\"tx\": true, \"flow_paths\": [0]}, \"lcore-2\": "
		    "{\"work\": true, \"work_source\": 1}}}",
	  "work_source" },
	{ "distributor worker count mismatch",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": "
		    "true, \"tx\": true, \"dist\": true, \"flow_paths\":"
		    " [0], \"num_dist_workers\": 3}, \"lcore-2\": "
		    "{\"work\": true, \"work_source\": 1}}}",
	  "num_dist_workers" },
	{ "distributor without worker count",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true,"
		    " \"tx\": true, \"dist\": true, \"flow_paths\": "
		    "[0]}}}",
	  "num_dist_workers" },
	{ "worker without source",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true, \"tx\": "
		    "true, \"flow_paths\": [0]}, \"lcore-2\": {\"work\": true}}}",
	  "work_source" },
	{ "bad lcore name",
	  BASE_HEAD " \"lcores\": {\"core-1\": {\"rx\": true, \"tx\": true, "
		    "\"flow_paths\": [0]}}}",
	  "core-1" },
	{ "lcore id too large",
	  BASE_HEAD " \"lcores\": {\"lcore-999\": {\"rx\": true, \"tx\": "
		    "true, \"flow_paths\": [0]}}}",
	  "lcore-999" },
	{ "unknown lcore key",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true, \"tx\": true,"
		    " \"flow_paths\": [0], \"turbo\": true}}}",
	  "turbo" },
	{ "no rx lcore",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"tx\": true, \"flow_paths\": [0]}}}", "rx" },
	{ "lcore with no role",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true, \"tx\": true,"
		    " \"flow_paths\": [0]}, \"lcore-2\": {}}}",
	  "lcore-2" },
	{ "rtc lcore without tx",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true, \"work\": "
		    "true, \"flow_paths\": [0]}}}",
	  "tx" },
	{ "distributor that works",
	  BASE_HEAD " \"lcores\": {\"lcore-1\": {\"rx\": true, \"tx\": "
		    "true, \"dist\": true, \"work\": true, \"num_dist_workers\": 1, "
		    "\"flow_paths\": [0]}}}",
	  "own worker" },
	{ "idle sleep too long", BASE_HEAD BASE_LCORES ", \"idle_sleep_us\": 5000}",
	  "idle_sleep_us" },
	{ "tap name too long",
	  BASE_HEAD BASE_LCORES ", \"exception_tap\": \"a-very-long-tap-name\"}", "exception_tap" },
	{ "mtu too small", BASE_HEAD BASE_LCORES ", \"mtu\": 100}", "mtu" },
	{ "not an object", "[1, 2]", "object" },
	{ "syntax error", "{\"outbound_src_ip\": ", "line 1" },
	{ "duplicate key", BASE_HEAD BASE_LCORES ", \"rx_drop_en\": true, \"rx_drop_en\": false}",
	  "duplicate" },
};

START_TEST(test_bad_director_config_is_rejected_naming_the_key)
{
	struct glb_director_config cfg;
	struct glb_diag d;
	size_t i;
	bool named = false;

	ck_assert_msg(parse(bad[_i].text, &cfg, &d) != 0, "%s: accepted", bad[_i].name);
	ck_assert_msg(d.count >= 1, "%s: no diagnostic", bad[_i].name);
	for (i = 0; i < d.kept; i++)
		named |= strstr(d.msgs[i], bad[_i].key) != NULL;
	ck_assert_msg(named, "%s: no message names '%s' (first: %s)", bad[_i].name, bad[_i].key,
		      glb_diag_first(&d));
	glb_diag_free(&d);
}
END_TEST

START_TEST(test_routing_load_reads_only_routing_keys)
{
	static const char text[] = "{\"hash_fields\": {\"dst_addr\": true}, \"lcores\": 7}";
	const char *path = glb_test_write_temp("director.conf", text, sizeof(text) - 1);
	struct glb_director_config cfg;
	struct glb_diag d;

	ck_assert_ptr_nonnull(path);
	glb_diag_init(&d);
	ck_assert_int_eq(glb_director_config_load_routing(path, &cfg, &d), 0);
	ck_assert_uint_eq(cfg.hash_fields, GLB_HASH_DST_ADDR);
	glb_diag_free(&d);
	/* The full load of the same file fails and names the file. */
	glb_diag_init(&d);
	ck_assert_int_ne(glb_director_config_load(path, &cfg, &d), 0);
	ck_assert_ptr_nonnull(strstr(glb_diag_first(&d), path));
	glb_diag_free(&d);
}
END_TEST

/* The examples in config/ are what operators copy: each must load as shipped. */
static const char *const shipped[] = { "director.conf", "director-rtc.conf", "director-hw.conf" };

START_TEST(test_shipped_example_configs_load)
{
	const char *root = getenv("GLB_SOURCE_ROOT");
	struct glb_director_config cfg;
	struct glb_diag d;
	char path[4096];

	ck_assert_msg(root != NULL, "GLB_SOURCE_ROOT is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/config/%s", root, shipped[_i]);
	glb_diag_init(&d);
	ck_assert_msg(glb_director_config_load(path, &cfg, &d) == 0, "%s: %s", path,
		      glb_diag_first(&d) ? glb_diag_first(&d) : "(no message)");
	ck_assert_uint_gt(cfg.num_flow_paths, 0);
	glb_diag_free(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("director_config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_glb_distributor_layout_parses_with_defaults);
	tcase_add_test(tc, test_hash_fields_and_alt_hash_fields_are_read);
	tcase_add_test(tc, test_run_to_completion_layout_and_glb_keys_parse);
	tcase_add_test(tc, test_glb_statsd_port_is_accepted_with_a_warning);
	tcase_add_test(tc, test_flow_isolate_is_false_true_or_auto);
	tcase_add_loop_test(tc, test_bad_director_config_is_rejected_naming_the_key, 0,
			    (int)GLB_ARRAY_SIZE(bad));
	tcase_add_test(tc, test_routing_load_reads_only_routing_keys);
	tcase_add_loop_test(tc, test_shipped_example_configs_load, 0, (int)GLB_ARRAY_SIZE(shipped));
	suite_add_tcase(s, tc);
	return glb_test_run(s);
}
