/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which probes a table asks for: one per distinct (address, check, port,
 * URI) however many tables list it, and which of them decide each backend.
 */
#include <string.h>

#include "array_size.h"
#include "fwd_config.h"
#include "targets.h"
#include "testutil.h"

#define KEYS                                                   \
	"\"hash_key\": \"000102030405060708090a0b0c0d0e0f\", " \
	"\"seed\": \"000102030405060708090a0b0c0d0e0f\", \"binds\": [], "

/*
 * Two tables share 10.0.0.1 (same gue and http checks) and 10.0.0.2 (whose
 * HTTP URI differs between them); 10.0.0.3 has no checks.
 */
static const char doc[] =
	"{\"tables\": ["
	"{\"name\": \"a\", " KEYS "\"backends\": ["
	" {\"ip\": \"10.0.0.1\", \"state\": \"active\","
	"  \"healthchecks\": {\"gue\": 19523, \"http\": 80, \"http_uri\": \"/ping\"}},"
	" {\"ip\": \"10.0.0.2\", \"state\": \"draining\", \"healthchecks\": {\"http\": 80}},"
	" {\"ip\": \"10.0.0.3\", \"state\": \"active\", \"healthy\": false}]},"
	"{\"name\": \"b\", " KEYS "\"backends\": ["
	" {\"ip\": \"10.0.0.1\", \"state\": \"active\","
	"  \"healthchecks\": {\"http\": 80, \"gue\": 19523, \"http_uri\": \"/ping\"}},"
	" {\"ip\": \"10.0.0.2\", \"state\": \"inactive\","
	"  \"healthchecks\": {\"http\": 80, \"http_uri\": \"/other\", \"tcp\": 22}}]}]}";

static void build(struct glb_cfg *cfg, struct glb_hc_targets *set, const char *text)
{
	struct glb_diag d;

	glb_diag_init(&d);
	ck_assert_msg(glb_fwd_config_parse(text, strlen(text), cfg, &d) == 0, "%s",
		      glb_diag_first(&d));
	glb_diag_free(&d);
	ck_assert_int_eq(glb_hc_targets_build(cfg, set), 0);
}

/* The index of the target with this key, or -1. */
static int find(const struct glb_hc_targets *set, uint8_t last_octet, enum glb_hc_type type,
		uint16_t port, const char *uri)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct glb_hc_target *t = &set->v[i];

		if (t->addr[3] == last_octet && t->type == type && t->port == port &&
		    strcmp(t->uri, uri) == 0)
			return (int)i;
	}
	return -1;
}

START_TEST(test_a_check_listed_by_several_tables_is_probed_once)
{
	struct glb_cfg cfg;
	struct glb_hc_targets set;
	const struct glb_hc_backend *a1, *b1;

	build(&cfg, &set, doc);
	/* 10.0.0.1 gue + http:/ping, 10.0.0.2 http:/, http:/other, tcp:22. */
	ck_assert_uint_eq(set.n, 5);
	ck_assert_int_ge(find(&set, 1, GLB_HC_GUE, 19523, ""), 0);
	ck_assert_int_ge(find(&set, 1, GLB_HC_HTTP, 80, "/ping"), 0);
	a1 = &set.backends[set.table_first[0] + 0];
	b1 = &set.backends[set.table_first[1] + 0];
	ck_assert_uint_eq(a1->ntargets, 2);
	ck_assert_uint_eq(b1->ntargets, 2);
	ck_assert_mem_eq(a1->targets, b1->targets, sizeof(a1->targets[0]) * 2);
	glb_hc_targets_free(&set);
	glb_fwd_config_free(&cfg);
}
END_TEST

START_TEST(test_a_different_http_uri_is_a_different_check)
{
	struct glb_cfg cfg;
	struct glb_hc_targets set;
	const struct glb_hc_backend *a2, *b2;
	int plain, other;

	build(&cfg, &set, doc);
	plain = find(&set, 2, GLB_HC_HTTP, 80, "/");
	other = find(&set, 2, GLB_HC_HTTP, 80, "/other");
	ck_assert_int_ge(plain, 0);
	ck_assert_int_ge(other, 0);
	a2 = &set.backends[set.table_first[0] + 1];
	b2 = &set.backends[set.table_first[1] + 1];
	ck_assert_uint_eq(a2->ntargets, 1);
	ck_assert_int_eq(a2->targets[0], plain);
	ck_assert_uint_eq(b2->ntargets, 2);
	ck_assert(b2->targets[0] == (uint32_t)other || b2->targets[1] == (uint32_t)other);
	glb_hc_targets_free(&set);
	glb_fwd_config_free(&cfg);
}
END_TEST

START_TEST(test_backends_keep_their_place_state_and_source_health)
{
	struct glb_cfg cfg;
	struct glb_hc_targets set;
	const struct glb_hc_backend *b;

	build(&cfg, &set, doc);
	ck_assert_uint_eq(set.ntables, 2);
	ck_assert_uint_eq(set.nbackends, 5);
	ck_assert_uint_eq(set.table_first[1], 3);
	b = &set.backends[2]; /* 10.0.0.3: no checks */
	ck_assert_uint_eq(b->ntargets, 0);
	ck_assert(!b->src_healthy);
	ck_assert(b->participates);
	ck_assert(set.backends[1].participates);  /* draining still takes part */
	ck_assert(!set.backends[4].participates); /* inactive does not */
	ck_assert_uint_eq(set.backends[4].table, 1);
	ck_assert_uint_eq(set.backends[4].index, 1);
	glb_hc_targets_free(&set);
	glb_fwd_config_free(&cfg);
}
END_TEST

START_TEST(test_backend_health_is_the_and_of_its_checks)
{
	static const struct {
		enum glb_hc_health gue, http, want;
	} cases[] = {
		{ GLB_HC_HEALTH_UP, GLB_HC_HEALTH_UP, GLB_HC_HEALTH_UP },
		{ GLB_HC_HEALTH_UP, GLB_HC_HEALTH_DOWN, GLB_HC_HEALTH_DOWN },
		{ GLB_HC_HEALTH_DOWN, GLB_HC_HEALTH_UP, GLB_HC_HEALTH_DOWN },
		{ GLB_HC_HEALTH_UNKNOWN, GLB_HC_HEALTH_UP, GLB_HC_HEALTH_UNKNOWN },
		{ GLB_HC_HEALTH_UNKNOWN, GLB_HC_HEALTH_DOWN, GLB_HC_HEALTH_DOWN },
	};
	struct glb_cfg cfg;
	struct glb_hc_targets set;
	size_t i;

	build(&cfg, &set, doc);
	for (i = 0; i < GLB_ARRAY_SIZE(cases); i++) {
		set.v[find(&set, 1, GLB_HC_GUE, 19523, "")].damp.state = cases[i].gue;
		set.v[find(&set, 1, GLB_HC_HTTP, 80, "/ping")].damp.state = cases[i].http;
		ck_assert_msg(glb_hc_backend_health(&set, &set.backends[0]) == cases[i].want,
			      "case %zu", i);
	}
	glb_hc_targets_free(&set);
	glb_fwd_config_free(&cfg);
}
END_TEST

START_TEST(test_reload_keeps_the_state_of_checks_that_remain)
{
	struct glb_cfg cfg, cfg2;
	struct glb_hc_targets set, set2;
	int gue;

	build(&cfg, &set, doc);
	gue = find(&set, 1, GLB_HC_GUE, 19523, "");
	set.v[gue].damp = (struct glb_hc_dampener){ .state = GLB_HC_HEALTH_DOWN, .streak = 2 };
	set.v[gue].results = 7;
	set.backends[0].evaluated = true;
	set.backends[0].healthy_out = false;
	/* The new table drops table "b" and adds a tcp check to 10.0.0.1. */
	build(&cfg2, &set2,
	      "{\"tables\": [{\"name\": \"a\", " KEYS "\"backends\": ["
	      " {\"ip\": \"10.0.0.1\", \"state\": \"active\","
	      "  \"healthchecks\": {\"gue\": 19523, \"tcp\": 22}}]}]}");
	glb_hc_targets_inherit(&set2, &set);
	ck_assert(set2.v[find(&set2, 1, GLB_HC_GUE, 19523, "")].damp.state == GLB_HC_HEALTH_DOWN);
	ck_assert_uint_eq(set2.v[find(&set2, 1, GLB_HC_GUE, 19523, "")].damp.streak, 2);
	ck_assert_uint_eq(set2.v[find(&set2, 1, GLB_HC_GUE, 19523, "")].results, 7);
	ck_assert(set2.v[find(&set2, 1, GLB_HC_TCP, 22, "")].damp.state == GLB_HC_HEALTH_UNKNOWN);
	ck_assert(set2.backends[0].evaluated);
	ck_assert(!set2.backends[0].healthy_out);
	glb_hc_targets_free(&set2);
	glb_fwd_config_free(&cfg2);
	glb_hc_targets_free(&set);
	glb_fwd_config_free(&cfg);
}
END_TEST

/* An ICMP error names what it means: an operator reads "host unreachable", not "code 1". */
START_TEST(test_icmp_unreachable_codes_are_described_in_words)
{
	static const struct {
		int code;
		const char *want;
	} cases[] = {
		{ 1, "ICMP host unreachable" },
		{ 3, "ICMP port unreachable" },
		{ 13, "administratively prohibited" },
		{ 8, "ICMP destination unreachable, code 8" }, /* obsolete: the number */
		{ 200, "ICMP destination unreachable, code 200" },
	};
	char buf[160];
	size_t i;

	for (i = 0; i < GLB_ARRAY_SIZE(cases); i++) {
		struct glb_hc_result r = { .reason = GLB_HC_REASON_UNREACHABLE,
					   .icmp_code = cases[i].code };

		glb_hc_result_describe(&r, buf, sizeof(buf));
		ck_assert_msg(strstr(buf, cases[i].want), "code %d: \"%s\"", cases[i].code, buf);
	}
}
END_TEST

static Suite *targets_suite(void)
{
	Suite *s = suite_create("hc_targets");
	TCase *tc = tcase_create("targets");

	tcase_add_test(tc, test_a_check_listed_by_several_tables_is_probed_once);
	tcase_add_test(tc, test_a_different_http_uri_is_a_different_check);
	tcase_add_test(tc, test_backends_keep_their_place_state_and_source_health);
	tcase_add_test(tc, test_backend_health_is_the_and_of_its_checks);
	tcase_add_test(tc, test_reload_keeps_the_state_of_checks_that_remain);
	tcase_add_test(tc, test_icmp_unreachable_codes_are_described_in_words);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(targets_suite());
}
