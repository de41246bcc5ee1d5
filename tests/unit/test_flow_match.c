/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow rules a director's tables need (director/flow_match.c, SPEC §10). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "flow_match.h"
#include "table_format.h"
#include "testutil.h"

/* A bind as a case writes it. */
struct bind_spec {
	const char *addr;
	unsigned prefix, proto, port_start, port_end;
};

/* Up to four binds per table, two tables; the expected rules as text, in order. */
struct flow_case {
	const char *name;
	unsigned caps;
	struct bind_spec binds[2][4];
	const char *want[24];
};

static const struct flow_case cases[] = {
	{ "one port: its rule, and ICMP to the address",
	  GLB_FLOW_CAN_ALL,
	  { { { "192.0.2.10", 32, IPPROTO_TCP, 80, 80 } } },
	  { "icmp 192.0.2.10/32", "tcp 192.0.2.10/32 port 80" } },
	{ "a short range: a rule per port",
	  GLB_FLOW_CAN_ALL,
	  { { { "192.0.2.10", 32, IPPROTO_UDP, 5000, 5002 } } },
	  { "icmp 192.0.2.10/32", "udp 192.0.2.10/32 port 5000", "udp 192.0.2.10/32 port 5001",
	    "udp 192.0.2.10/32 port 5002" } },
	{ "a long range: the protocol to the prefix",
	  GLB_FLOW_CAN_ALL,
	  { { { "192.0.2.0", 28, IPPROTO_TCP, 8000, 8080 } } },
	  { "icmp 192.0.2.0/28", "tcp 192.0.2.0/28" } },
	{ "IPv6: ICMPv6 to the prefix",
	  GLB_FLOW_CAN_ALL,
	  { { { "2001:db8:80::1", 128, IPPROTO_TCP, 443, 443 } } },
	  { "tcp 2001:db8:80::1/128 port 443", "icmpv6 2001:db8:80::1/128" } },
	{ "the same service in two tables: one set of rules",
	  GLB_FLOW_CAN_ALL,
	  { { { "192.0.2.10", 32, IPPROTO_TCP, 80, 80 } },
	    { { "192.0.2.10", 32, IPPROTO_TCP, 80, 80 } } },
	  { "icmp 192.0.2.10/32", "tcp 192.0.2.10/32 port 80" } },
	{ "two ports of one address: one ICMP rule",
	  GLB_FLOW_CAN_ALL,
	  { { { "192.0.2.10", 32, IPPROTO_TCP, 80, 80 },
	      { "192.0.2.10", 32, IPPROTO_TCP, 443, 443 } } },
	  { "icmp 192.0.2.10/32", "tcp 192.0.2.10/32 port 80", "tcp 192.0.2.10/32 port 443" } },
	{ "a PMD without port matching: protocols only",
	  GLB_FLOW_CAN_PROTO,
	  { { { "192.0.2.10", 32, IPPROTO_TCP, 80, 80 },
	      { "192.0.2.10", 32, IPPROTO_TCP, 443, 443 } } },
	  { "icmp 192.0.2.10/32", "tcp 192.0.2.10/32" } },
	{ "a PMD that matches addresses only: one rule per prefix",
	  0,
	  { { { "192.0.2.10", 32, IPPROTO_TCP, 80, 80 },
	      { "192.0.2.10", 32, IPPROTO_UDP, 53, 53 } } },
	  { "ip 192.0.2.10/32" } },
	{ "no binds: no rules", GLB_FLOW_CAN_ALL, { { { NULL } } }, { NULL } },
};

static void fill_bind(struct glb_fmt_bind *b, const struct bind_spec *s)
{
	memset(b, 0, sizeof(*b));
	if (inet_pton(AF_INET, s->addr, b->addr) == 1) {
		b->family = GLB_FAMILY_IPV4;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, s->addr, b->addr), 1);
		b->family = GLB_FAMILY_IPV6;
	}
	b->prefix_bits = (uint16_t)s->prefix;
	b->proto = (uint8_t)s->proto;
	b->port_start = (uint16_t)s->port_start;
	b->port_end = (uint16_t)s->port_end;
}

START_TEST(test_rules_for_the_tables_binds)
{
	const struct flow_case *c = &cases[_i];
	struct glb_fmt_table *tables = calloc(2, sizeof(*tables));
	struct glb_table_file tf = { .tables = tables, .num_tables = 2 };
	struct glb_flow_match *m = NULL;
	char buf[96];
	size_t n = 0, i, want = 0;
	unsigned t, k;

	ck_assert_ptr_nonnull(tables);
	for (t = 0; t < 2; t++)
		for (k = 0; k < 4 && c->binds[t][k].addr; k++)
			fill_bind(&tables[t].binds[tables[t].num_binds++], &c->binds[t][k]);
	ck_assert_int_eq(glb_flow_matches(&tf, c->caps, &m, &n), 0);
	while (c->want[want])
		want++;
	for (i = 0; i < n && i < want; i++)
		ck_assert_msg(strcmp(glb_flow_match_str(&m[i], buf, sizeof(buf)), c->want[i]) == 0,
			      "%s: rule %zu is \"%s\", want \"%s\"", c->name, i, buf, c->want[i]);
	ck_assert_msg(n == want, "%s: %zu rules, want %zu", c->name, n, want);
	free(m);
	free(tables);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("flow_match");
	TCase *tc = tcase_create("flow_match");

	tcase_add_loop_test(tc, test_rules_for_the_tables_binds, 0, (int)GLB_ARRAY_SIZE(cases));
	suite_add_tcase(s, tc);
	return glb_test_run(s);
}
