/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two rules that decide what glb-healthcheck writes: dampening of each
 * check (trigger results in a row flip it; the first result sets it) and
 * failing open when a whole table would be down.
 */
#include <string.h>

#include "array_size.h"
#include "dampen.h"
#include "failopen.h"
#include "testutil.h"

/*
 * A result sequence ('+' pass, '-' fail) and the state after each result
 * ('U' up, 'D' down).  A step reports a change exactly where the state
 * differs from the one before it (the first result always changes it).
 */
struct dampen_case {
	const char *name;
	uint32_t trigger;
	const char *results;
	const char *states;
};

static const struct dampen_case dampen_cases[] = {
	{ "the first success sets up at once", 3, "+", "U" },
	{ "the first failure sets down at once", 3, "-", "D" },
	{ "trigger failures in a row mark an up check down", 3, "+---", "UUUD" },
	{ "fewer than trigger failures leave it up", 3, "+--+--", "UUUUUU" },
	{ "a success in between restarts the count", 3, "+--+---", "UUUUUUD" },
	{ "trigger successes in a row bring a down check up", 3, "-+++", "DDDU" },
	{ "a failure in between restarts the count up", 3, "-++-+++", "DDDDDDU" },
	{ "results agreeing with the state change nothing", 3, "++++----", "UUUUUUDD" },
	{ "the count starts afresh after a flip", 2, "+--++--", "UUDDUUD" },
	{ "alternating results never flip it", 2, "+-+-+-+-", "UUUUUUUU" },
	{ "trigger 1 follows every result", 1, "+-+--+", "UDUDDU" },
	{ "trigger 0 behaves as 1", 0, "+-+", "UDU" },
	{ "a large trigger needs that many", 5, "+-----", "UUUUUD" },
};
#define NUM_DAMPEN_CASES ((int)GLB_ARRAY_SIZE(dampen_cases))

START_TEST(test_dampening_follows_the_trigger_rule)
{
	const struct dampen_case *c = &dampen_cases[_i];
	struct glb_hc_dampener d = { .state = GLB_HC_HEALTH_UNKNOWN };
	enum glb_hc_health before = GLB_HC_HEALTH_UNKNOWN;
	size_t i;

	ck_assert_uint_eq(strlen(c->results), strlen(c->states));
	for (i = 0; c->results[i]; i++) {
		bool changed = glb_hc_dampen_step(&d, c->results[i] == '+', c->trigger);
		enum glb_hc_health want = c->states[i] == 'U' ? GLB_HC_HEALTH_UP :
								GLB_HC_HEALTH_DOWN;

		ck_assert_msg(d.state == want, "%s: after result %zu ('%c') state is %s, want %s",
			      c->name, i, c->results[i], glb_hc_health_name(d.state),
			      glb_hc_health_name(want));
		ck_assert_msg(changed == (want != before), "%s: result %zu reports changed=%d",
			      c->name, i, changed);
		before = want;
	}
}
END_TEST

START_TEST(test_trigger_change_applies_to_a_streak_in_progress)
{
	struct glb_hc_dampener d = { .state = GLB_HC_HEALTH_UNKNOWN };

	/* Two failures counted with trigger 3; after a SIGHUP lowers it to 2, the next fails it. */
	glb_hc_dampen_step(&d, true, 3);
	glb_hc_dampen_step(&d, false, 3);
	ck_assert(!glb_hc_dampen_step(&d, false, 3));
	ck_assert(glb_hc_dampen_step(&d, false, 2));
	ck_assert(d.state == GLB_HC_HEALTH_DOWN);
}
END_TEST

/* One backend: 'P' takes part / 'I' inactive, 'C' checked / 'S' from the source, '+' / '-'. */
struct failopen_case {
	const char *name;
	const char *backends; /* space-separated triples, e.g. "PC- PS+" */
	bool fails_open;
	const char *written; /* '+' / '-' per backend, after the rule */
};

static const struct failopen_case failopen_cases[] = {
	{ "every checked backend down: all written up", "PC- PC- PC-", true, "+++" },
	{ "one checked backend up: real health written", "PC- PC+ PC-", false, "-+-" },
	{ "an unchecked healthy backend keeps the table serving", "PS+ PC- PC-", false, "+--" },
	{ "unchecked backends the operator marked down stay down", "PS- PC- PC-", true, "-++" },
	{ "inactive backends do not count as serving", "IC+ PC- PC-", true, "+++" },
	{ "inactive backends are not raised", "IC- PC- PC-", true, "-++" },
	{ "down only by the operator: no fail open", "PS- PS-", false, "--" },
	{ "only inactive backends: no fail open", "IC- IC-", false, "--" },
	{ "a single backend down fails open", "PC-", true, "+" },
	{ "a single backend up stays as it is", "PC+", false, "+" },
	{ "an empty table: nothing to do", "", false, "" },
};
#define NUM_FAILOPEN_CASES ((int)GLB_ARRAY_SIZE(failopen_cases))
#define TRIPLE_STRIDE 4 /* "PC- " */

START_TEST(test_fail_open_applies_only_when_a_table_would_be_all_down)
{
	const struct failopen_case *c = &failopen_cases[_i];
	struct glb_hc_failopen_backend b[8];
	const char *s = c->backends;
	size_t n = 0, i;

	while (*s) {
		b[n++] = (struct glb_hc_failopen_backend){ .participates = s[0] == 'P',
							   .checked = s[1] == 'C',
							   .healthy = s[2] == '+' };
		s += s[3] ? TRIPLE_STRIDE : TRIPLE_STRIDE - 1;
	}
	ck_assert_uint_eq(n, strlen(c->written));
	ck_assert_msg(glb_hc_failopen_apply(b, n) == c->fails_open, "%s: fail open should be %d",
		      c->name, c->fails_open);
	for (i = 0; i < n; i++)
		ck_assert_msg(b[i].healthy == (c->written[i] == '+'), "%s: backend %zu written %s",
			      c->name, i, b[i].healthy ? "up" : "down");
}
END_TEST

START_TEST(test_health_names)
{
	ck_assert_str_eq(glb_hc_health_name(GLB_HC_HEALTH_UP), "up");
	ck_assert_str_eq(glb_hc_health_name(GLB_HC_HEALTH_DOWN), "down");
	ck_assert_str_eq(glb_hc_health_name(GLB_HC_HEALTH_UNKNOWN), "unknown");
}
END_TEST

static Suite *dampen_suite(void)
{
	Suite *s = suite_create("hc_dampen");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_dampening_follows_the_trigger_rule, 0, NUM_DAMPEN_CASES);
	tcase_add_test(tc, test_trigger_change_applies_to_a_streak_in_progress);
	tcase_add_loop_test(tc, test_fail_open_applies_only_when_a_table_would_be_all_down, 0,
			    NUM_FAILOPEN_CASES);
	tcase_add_test(tc, test_health_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(dampen_suite());
}
