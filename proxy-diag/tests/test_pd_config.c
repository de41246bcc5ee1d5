/* SPDX-License-Identifier: BSD-3-Clause */
/* Which VIPs: lists as GLB_PROXY_VIPS has them, and /etc/default/glb-proxy as a shell would read
 * it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"

struct defaults_case {
	const char *name, *file;
	int ret;
	const char *value;
};

static const struct defaults_case defaults_cases[] = {
	{ "double quotes", "GLB_PROXY_VIPS=\"192.0.2.10 2001:db8::10\"\n", 0,
	  "192.0.2.10 2001:db8::10" },
	{ "single quotes", "GLB_PROXY_VIPS='192.0.2.10'\n", 0, "192.0.2.10" },
	{ "no quotes, a comment after", "GLB_PROXY_VIPS=192.0.2.10 # the web VIP\n", 0,
	  "192.0.2.10" },
	{ "export and indentation", "  export GLB_PROXY_VIPS=\"192.0.2.10\"\n", 0, "192.0.2.10" },
	{ "the last assignment wins", "GLB_PROXY_VIPS=\"\"\nGLB_PROXY_VIPS=\"192.0.2.11\"\n", 0,
	  "192.0.2.11" },
	{ "empty, as shipped", "# comment\nGLB_PROXY_VIPS=\"\"\nGLB_PROXY_PORT=19523\n", 0, "" },
	{ "commented out", "#GLB_PROXY_VIPS=\"192.0.2.10\"\n", -ENOENT, NULL },
	{ "another variable's prefix", "GLB_PROXY_VIPS_OLD=\"192.0.2.10\"\n", -ENOENT, NULL },
	{ "no newline at the end", "GLB_PROXY_VIPS=\"192.0.2.10\"", 0, "192.0.2.10" },
};

START_TEST(test_defaults_file_is_read_as_a_shell_would)
{
	const struct defaults_case *c = &defaults_cases[_i];
	const char *path = glb_test_write_temp("glb-proxy", c->file, strlen(c->file));
	char value[256];

	ck_assert_ptr_nonnull(path);
	ck_assert_msg(glb_pd_config_read_defaults(path, value, sizeof(value)) == c->ret, "%s",
		      c->name);
	if (c->ret == 0)
		ck_assert_str_eq(value, c->value);
}
END_TEST

START_TEST(test_missing_defaults_file_says_so)
{
	char value[16];

	ck_assert_int_eq(glb_pd_config_read_defaults("/nonexistent/glb-proxy", value,
						     sizeof(value)),
			 -ENOENT);
}
END_TEST

START_TEST(test_list_takes_blanks_and_commas)
{
	struct glb_pd_vips v = { 0 };
	char bad[64] = "";

	ck_assert_int_eq(glb_pd_config_add_list(&v, " 192.0.2.10,192.0.2.11:80\t2001:db8::10 ", bad,
						sizeof(bad)),
			 0);
	ck_assert_uint_eq(v.n, 3);
	ck_assert_int_eq(v.v[1].port, 80);
}
END_TEST

START_TEST(test_list_names_the_bad_word)
{
	struct glb_pd_vips v = { 0 };
	char bad[64] = "";

	ck_assert_int_eq(glb_pd_config_add_list(&v, "192.0.2.10 192.0.2.1O 192.0.2.12", bad,
						sizeof(bad)),
			 -EINVAL);
	ck_assert_str_eq(bad, "192.0.2.1O");
}
END_TEST

START_TEST(test_same_vip_twice_counts_once)
{
	struct glb_pd_vips v = { 0 };

	ck_assert_int_eq(glb_pd_config_add(&v, "192.0.2.10:80"), 0);
	ck_assert_int_eq(glb_pd_config_add(&v, "192.0.2.10:80"), 0);
	ck_assert_int_eq(glb_pd_config_add(&v, "192.0.2.10"), 0);
	ck_assert_uint_eq(v.n, 2);
}
END_TEST

START_TEST(test_too_many_vips_are_refused)
{
	struct glb_pd_vips *v = calloc(1, sizeof(*v));
	char text[32];

	for (int i = 0; i < GLB_PD_MAX_VIPS; i++) {
		snprintf(text, sizeof(text), "192.0.2.1:%d", i + 1);
		ck_assert_int_eq(glb_pd_config_add(v, text), 0);
	}
	ck_assert_int_eq(glb_pd_config_add(v, "192.0.2.2"), -E2BIG);
	free(v);
}
END_TEST

START_TEST(test_loopback_is_local_and_documentation_address_is_not)
{
	struct glb_pd_vip v;

	glb_pd_vip_parse("127.0.0.1", &v);
	ck_assert_int_eq(glb_pd_config_check_local(&v.addr), 0);
	/* TEST-NET-3: never on a test machine's interfaces */
	glb_pd_vip_parse("203.0.113.254", &v);
	ck_assert_int_eq(glb_pd_config_check_local(&v.addr), -EADDRNOTAVAIL);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("pd_config");
	TCase *tc = tcase_create("config");

	tcase_add_loop_test(tc, test_defaults_file_is_read_as_a_shell_would, 0,
			    (int)(sizeof(defaults_cases) / sizeof(defaults_cases[0])));
	tcase_add_test(tc, test_missing_defaults_file_says_so);
	tcase_add_test(tc, test_list_takes_blanks_and_commas);
	tcase_add_test(tc, test_list_names_the_bad_word);
	tcase_add_test(tc, test_same_vip_twice_counts_once);
	tcase_add_test(tc, test_too_many_vips_are_refused);
	tcase_add_test(tc, test_loopback_is_local_and_documentation_address_is_not);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(config_suite());
}
