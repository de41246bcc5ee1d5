/* SPDX-License-Identifier: BSD-3-Clause */
/* VIPs and peer prefixes as an operator writes them, and addresses as sock_diag gives them. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "testutil.h"

struct vip_case {
	const char *text;
	int ok;
	const char *printed; /* glb_pd_endpoint_format of the result */
};

static const struct vip_case vip_cases[] = {
	{ "192.0.2.10", 1, "192.0.2.10:*" },
	{ "192.0.2.10:80", 1, "192.0.2.10:80" },
	{ "192.0.2.10:65535", 1, "192.0.2.10:65535" },
	{ "2001:db8::10", 1, "[2001:db8::10]:*" },
	{ "[2001:db8::10]", 1, "[2001:db8::10]:*" },
	{ "[2001:db8::10]:443", 1, "[2001:db8::10]:443" },
	{ "::ffff:192.0.2.10", 1, "[::ffff:192.0.2.10]:*" },
	{ "192.0.2.10:0", 0, NULL },
	{ "192.0.2.10:65536", 0, NULL },
	{ "192.0.2.10:", 0, NULL },
	{ "192.0.2.10:http", 0, NULL },
	{ "192.0.2.10:+80", 0, NULL },
	{ "192.0.2.300", 0, NULL },
	{ "[192.0.2.10]:80x", 0, NULL },
	{ "[2001:db8::10", 0, NULL },
	{ "[2001:db8::10]443", 0, NULL },
	{ "", 0, NULL },
	{ "vip.example", 0, NULL },
};

START_TEST(test_vip_is_parsed_or_refused)
{
	const struct vip_case *c = &vip_cases[_i];
	struct glb_pd_vip v;
	char buf[GLB_PD_ADDRSTRLEN];
	int ret = glb_pd_vip_parse(c->text, &v);

	ck_assert_msg((ret == 0) == c->ok, "'%s': got %d", c->text, ret);
	if (!c->ok) {
		ck_assert_int_eq(ret, -EINVAL);
		return;
	}
	glb_pd_endpoint_format(&v.addr, v.port, buf, sizeof(buf));
	ck_assert_str_eq(buf, c->printed);
}
END_TEST

struct prefix_case {
	const char *prefix, *addr;
	int parses, matches;
};

static const struct prefix_case prefix_cases[] = {
	{ "198.51.100.0/24", "198.51.100.7", 1, 1 },
	{ "198.51.100.0/24", "198.51.101.7", 1, 0 },
	{ "198.51.100.7", "198.51.100.7", 1, 1 },
	{ "198.51.100.7", "198.51.100.8", 1, 0 },
	{ "10.16.0.0/12", "10.31.255.255", 1, 1 },
	{ "10.16.0.0/12", "10.32.0.0", 1, 0 },
	{ "0.0.0.0/0", "203.0.113.1", 1, 1 },
	{ "0.0.0.0/0", "2001:db8::1", 1, 0 },
	{ "2001:db8:1::/48", "2001:db8:1:ffff::1", 1, 1 },
	{ "2001:db8:1::/48", "2001:db8:2::1", 1, 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1, 1 },
	{ "2001:db8::/33", "2001:db8:8000::1", 1, 0 },
	{ "198.51.100.1/24", NULL, 0, 0 }, /* host bits set */
	{ "198.51.100.0/33", NULL, 0, 0 },
	{ "198.51.100.0/", NULL, 0, 0 },
	{ "2001:db8::/129", NULL, 0, 0 },
	{ "peer/24", NULL, 0, 0 },
};

START_TEST(test_prefix_is_parsed_and_matched)
{
	const struct prefix_case *c = &prefix_cases[_i];
	struct glb_pd_prefix p;
	struct glb_pd_addr a;
	uint8_t b[16];
	int family;

	ck_assert_msg((glb_pd_prefix_parse(c->prefix, &p) == 0) == c->parses, "%s", c->prefix);
	if (!c->parses)
		return;
	family = strchr(c->addr, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(family, c->addr, b), 1);
	glb_pd_addr_set(&a, family, b);
	ck_assert_msg(glb_pd_prefix_match(&p, &a) == c->matches, "%s in %s", c->addr, c->prefix);
}
END_TEST

START_TEST(test_mapped_addresses_fold_to_ipv4)
{
	/* A connection accepted by a dual-stack [::] listener belongs to its IPv4 VIP. */
	uint8_t words[16], v4[4];
	struct glb_pd_addr a, want;

	inet_pton(AF_INET6, "::ffff:192.0.2.10", words);
	inet_pton(AF_INET, "192.0.2.10", v4);
	glb_pd_addr_from_diag(AF_INET6, words, &a);
	glb_pd_addr_set(&want, AF_INET, v4);
	ck_assert(glb_pd_addr_equal(&a, &want));
}
END_TEST

START_TEST(test_ipv6_addresses_stay_ipv6)
{
	uint8_t words[16];
	struct glb_pd_addr a;
	char buf[GLB_PD_ADDRSTRLEN];

	inet_pton(AF_INET6, "2001:db8::ffff:c000:20a", words);
	glb_pd_addr_from_diag(AF_INET6, words, &a);
	ck_assert_int_eq(a.family, AF_INET6);
	glb_pd_endpoint_format(&a, 443, buf, sizeof(buf));
	ck_assert_str_eq(buf, "[2001:db8::ffff:c000:20a]:443");
}
END_TEST

START_TEST(test_ipv4_sorts_before_ipv6)
{
	struct glb_pd_vip a, b;

	glb_pd_vip_parse("255.255.255.255", &a);
	glb_pd_vip_parse("::1", &b);
	ck_assert_int_lt(glb_pd_addr_cmp(&a.addr, &b.addr), 0);
	ck_assert(glb_pd_addr_is_any(&(struct glb_pd_addr){ .family = AF_INET6 }));
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("pd_addr");
	TCase *tc = tcase_create("addr");

	tcase_add_loop_test(tc, test_vip_is_parsed_or_refused, 0,
			    (int)(sizeof(vip_cases) / sizeof(vip_cases[0])));
	tcase_add_loop_test(tc, test_prefix_is_parsed_and_matched, 0,
			    (int)(sizeof(prefix_cases) / sizeof(prefix_cases[0])));
	tcase_add_test(tc, test_mapped_addresses_fold_to_ipv4);
	tcase_add_test(tc, test_ipv6_addresses_stay_ipv6);
	tcase_add_test(tc, test_ipv4_sorts_before_ipv6);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(addr_suite());
}
