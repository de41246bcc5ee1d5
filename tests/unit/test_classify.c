/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classify (SPEC §5): which table a flow goes to, case by case against four
 * tables whose binds put every boundary (prefix, port range, protocol,
 * family) next to a flow just inside and one just outside.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "flow_hash.h"
#include "packet_testutil.h"
#include "testutil.h"

#define NUM_TABLES 4

static struct glb_fmt_table *tables;

static void add_bind(struct glb_fmt_table *t, const char *cidr, uint8_t proto, uint16_t lo,
		     uint16_t hi)
{
	struct glb_fmt_bind *b = &t->binds[t->num_binds++];
	char ip[64];
	const char *slash = strchr(cidr, '/');
	uint8_t fam;

	snprintf(ip, sizeof(ip), "%.*s", (int)(slash ? slash - cidr : (long)strlen(cidr)), cidr);
	addr(ip, b->addr, &fam);
	b->family = fam;
	b->prefix_bits = (uint16_t)(slash ? atoi(slash + 1) : fam == GLB_FAMILY_IPV4 ? 32 : 128);
	b->proto = proto;
	b->port_start = lo;
	b->port_end = hi;
}

/*
 * 0: 10.0.0.0/24 tcp 80, 2001:db8::/48 tcp 443
 * 1: 10.0.0.0/16 tcp 80-90, 10.0.0.5/32 udp 53, 172.16.0.0/12 tcp 443
 * 2: 192.0.2.0/25 udp 1000-2000, 2001:db8:abcd:10::/60 udp 0-65535
 * 3: 198.18.0.0/15 udp 4000 and udp 5000 (two binds, one table)
 */
static void tables_setup(void)
{
	tables = calloc(NUM_TABLES, sizeof(*tables));
	ck_assert_ptr_nonnull(tables);
	add_bind(&tables[0], "10.0.0.0/24", IPPROTO_TCP, 80, 80);
	add_bind(&tables[0], "2001:db8::/48", IPPROTO_TCP, 443, 443);
	add_bind(&tables[1], "10.0.0.0/16", IPPROTO_TCP, 80, 90);
	add_bind(&tables[1], "10.0.0.5", IPPROTO_UDP, 53, 53);
	add_bind(&tables[1], "172.16.0.0/12", IPPROTO_TCP, 443, 443);
	add_bind(&tables[2], "192.0.2.0/25", IPPROTO_UDP, 1000, 2000);
	add_bind(&tables[2], "2001:db8:abcd:10::/60", IPPROTO_UDP, 0, 65535);
	add_bind(&tables[3], "198.18.0.0/15", IPPROTO_UDP, 4000, 4000);
	add_bind(&tables[3], "198.18.0.0/15", IPPROTO_UDP, 5000, 5000);
}

static void tables_teardown(void)
{
	free(tables);
	tables = NULL;
}

static const struct classify_case {
	const char *name;
	uint8_t kind, proto;
	const char *dst;
	uint16_t dport;
	struct glb_classify_opts opts;
	int want;
} classify_cases[] = {
	{ "first_table_wins_on_overlap", L4, TCP, "10.0.0.7", 80, OPTS_DEFAULT, 0 },
	{ "later_table_when_first_port_differs", L4, TCP, "10.0.0.7", 85, OPTS_DEFAULT, 1 },
	{ "v4_prefix_last_address_inside", L4, TCP, "10.0.0.255", 80, OPTS_DEFAULT, 0 },
	{ "v4_prefix_next_address_outside", L4, TCP, "10.0.1.0", 80, OPTS_DEFAULT, 1 },
	{ "v4_slash12_first_address", L4, TCP, "172.16.0.0", 443, OPTS_DEFAULT, 1 },
	{ "v4_slash12_last_address", L4, TCP, "172.31.255.255", 443, OPTS_DEFAULT, 1 },
	{ "v4_slash12_above", L4, TCP, "172.32.0.0", 443, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_slash12_below", L4, TCP, "172.15.255.255", 443, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_host_bind_exact", L4, UDP, "10.0.0.5", 53, OPTS_DEFAULT, 1 },
	{ "v4_host_bind_below", L4, UDP, "10.0.0.4", 53, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_host_bind_above", L4, UDP, "10.0.0.6", 53, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v4_slash25_last_address", L4, UDP, "192.0.2.127", 1500, OPTS_DEFAULT, 2 },
	{ "v4_slash25_next_address", L4, UDP, "192.0.2.128", 1500, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "port_below_range", L4, UDP, "192.0.2.1", 999, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "port_range_start", L4, UDP, "192.0.2.1", 1000, OPTS_DEFAULT, 2 },
	{ "port_range_end", L4, UDP, "192.0.2.1", 2000, OPTS_DEFAULT, 2 },
	{ "port_above_range", L4, UDP, "192.0.2.1", 2001, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "port_range_80_90_start", L4, TCP, "10.0.9.9", 80, OPTS_DEFAULT, 1 },
	{ "port_range_80_90_end", L4, TCP, "10.0.9.9", 90, OPTS_DEFAULT, 1 },
	{ "port_range_80_90_above", L4, TCP, "10.0.9.9", 91, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "proto_mismatch", L4, UDP, "10.0.0.7", 80, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v6_slash48_last_address", L4, TCP, "2001:db8:0:ffff:ffff:ffff:ffff:ffff", 443,
	  OPTS_DEFAULT, 0 },
	{ "v6_slash48_next_address", L4, TCP, "2001:db8:1::", 443, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "v6_slash60_first_address", L4, UDP, "2001:db8:abcd:10::", 0, OPTS_DEFAULT, 2 },
	{ "v6_slash60_last_address", L4, UDP, "2001:db8:abcd:1f:ffff:ffff:ffff:ffff", 65535,
	  OPTS_DEFAULT, 2 },
	{ "v6_slash60_above", L4, UDP, "2001:db8:abcd:20::", 1, OPTS_DEFAULT, -GLB_DROP_NO_MATCH },
	{ "v6_slash60_below", L4, UDP, "2001:db8:abcd:f:ffff:ffff:ffff:ffff", 1, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "v6_address_never_matches_v4_bind", L4, TCP, "a00:7::", 80, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "v4_address_never_matches_v6_bind", L4, TCP, "32.1.13.184", 443, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "icmp_error_matches_like_its_flow", GLB_FLOW_ICMP_ERROR, TCP, "10.0.0.7", 80,
	  OPTS_DEFAULT, 0 },
	{ "echo_first_table_by_prefix", ECHO, IPPROTO_ICMP, "10.0.0.7", 0, OPTS_DEFAULT, 0 },
	{ "echo_ignores_bind_proto_and_ports", ECHO, IPPROTO_ICMP, "10.0.200.1", 0, OPTS_DEFAULT,
	  1 },
	{ "echo_v6_by_prefix", ECHO, IPPROTO_ICMPV6, "2001:db8:abcd:10::1", 0, OPTS_DEFAULT, 2 },
	{ "echo_outside_every_prefix", ECHO, IPPROTO_ICMP, "203.0.113.9", 0, OPTS_DEFAULT,
	  -GLB_DROP_NO_MATCH },
	{ "echo_disabled",
	  ECHO,
	  IPPROTO_ICMP,
	  "10.0.0.7",
	  0,
	  { GLB_HASH_DEFAULT, 0, false },
	  -GLB_DROP_ECHO_DISABLED },
	{ "echo_disabled_outside_prefixes_is_no_match",
	  ECHO,
	  IPPROTO_ICMP,
	  "203.0.113.9",
	  0,
	  { GLB_HASH_DEFAULT, 0, false },
	  -GLB_DROP_NO_MATCH },
	{ "fragment_exactly_one_table", FRAG, UDP, "198.18.1.1", 0, OPTS_DEFAULT, 3 },
	{ "fragment_exactly_one_table_v6", FRAG, UDP, "2001:db8:abcd:1f::1", 0, OPTS_DEFAULT, 2 },
	{ "fragment_exactly_one_table_by_proto", FRAG, UDP, "10.0.0.5", 0, OPTS_DEFAULT, 1 },
	{ "fragment_ambiguous", FRAG, TCP, "10.0.0.5", 0, OPTS_DEFAULT, -GLB_DROP_FRAGMENT },
	{ "fragment_no_table", FRAG, UDP, "203.0.113.9", 0, OPTS_DEFAULT, -GLB_DROP_FRAGMENT },
	{ "fragment_proto_mismatch", FRAG, TCP, "198.18.1.1", 0, OPTS_DEFAULT, -GLB_DROP_FRAGMENT },
	{ "fragment_port_hashed",
	  FRAG,
	  UDP,
	  "198.18.1.1",
	  0,
	  { GLB_HASH_SRC_ADDR | GLB_HASH_DST_PORT, 0, true },
	  -GLB_DROP_FRAGMENT },
	{ "fragment_alt_port_hashed",
	  FRAG,
	  UDP,
	  "198.18.1.1",
	  0,
	  { GLB_HASH_SRC_ADDR, GLB_HASH_SRC_PORT, true },
	  -GLB_DROP_FRAGMENT },
};

START_TEST(classify_follows_spec_rules)
{
	const struct classify_case *c = &classify_cases[_i];
	const char *client = strchr(c->dst, ':') ? CLIENT6 : CLIENT4;
	struct glb_flow fl = make_flow(c->kind, c->proto, client, c->dst, 43210, c->dport);
	int got;

	got = glb_classify_flow(tables, NUM_TABLES, &fl, &c->opts);
	ck_assert_msg(got == c->want, "%s: got %d, want %d", c->name, got, c->want);
}
END_TEST

START_TEST(classify_with_no_tables_is_no_match)
{
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, "10.0.0.7", 43210, 80);
	struct glb_classify_opts opts = OPTS_DEFAULT;

	ck_assert_int_eq(glb_classify_flow(tables, 0, &fl, &opts), -GLB_DROP_NO_MATCH);
}
END_TEST

static const struct {
	const char *bind;
	const char *addr;
	int want;
} bind_prefix_cases[] = {
	{ "0.0.0.0/0", "255.255.255.255", 1 },
	{ "0.0.0.0/0", "::", 0 },
	{ "::/0", "ffff::1", 1 },
	{ "10.0.0.1/32", "10.0.0.1", 1 },
	{ "10.0.0.1/32", "10.0.0.0", 0 },
	{ "10.0.0.0/31", "10.0.0.1", 1 },
	{ "10.0.0.0/31", "10.0.0.2", 0 },
	{ "128.0.0.0/1", "127.255.255.255", 0 },
	{ "128.0.0.0/1", "128.0.0.0", 1 },
	{ "2001:db8::1/128", "2001:db8::1", 1 },
	{ "2001:db8::1/128", "2001:db8::", 0 },
	{ "2001:db8::/127", "2001:db8::1", 1 },
	{ "2001:db8::/127", "2001:db8::2", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::", 1 },
	{ "2001:db8::/33", "2001:db8:8000::", 0 },
};

START_TEST(bind_prefix_boundaries)
{
	struct glb_fmt_table *t = &tables[0];
	uint8_t a[16], fam;

	t->num_binds = 0;
	add_bind(t, bind_prefix_cases[_i].bind, TCP, 1, 1);
	addr(bind_prefix_cases[_i].addr, a, &fam);
	ck_assert_msg(glb_classify_bind_matches(&t->binds[0], fam, a, TCP, 1) ==
			      bind_prefix_cases[_i].want,
		      "%s in %s", bind_prefix_cases[_i].addr, bind_prefix_cases[_i].bind);
}
END_TEST

START_TEST(bind_rejects_prefix_longer_than_family)
{
	struct glb_fmt_table *t = &tables[0];
	uint8_t a[16], fam;

	t->num_binds = 0;
	add_bind(t, "10.0.0.1/33", TCP, 1, 1);
	addr("10.0.0.1", a, &fam);
	ck_assert(!glb_classify_bind_matches(&t->binds[0], fam, a, TCP, 1));
}
END_TEST

static Suite *classify_suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc;

	tc = tcase_create("classify");
	tcase_add_checked_fixture(tc, tables_setup, tables_teardown);
	tcase_add_loop_test(tc, classify_follows_spec_rules, 0, NUM(classify_cases));
	tcase_add_test(tc, classify_with_no_tables_is_no_match);
	tcase_add_loop_test(tc, bind_prefix_boundaries, 0, NUM(bind_prefix_cases));
	tcase_add_test(tc, bind_rejects_prefix_longer_than_family);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(classify_suite());
}
