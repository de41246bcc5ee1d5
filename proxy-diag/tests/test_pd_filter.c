/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel filter's bytecode: accepted by the kernel's audit, and
 * selecting exactly the sockets of the VIPs (and peers).  The kernel's
 * checker and interpreter are modelled here line for line after Linux's
 * net/ipv4/inet_diag.c (inet_diag_bc_audit, valid_cc, valid_hostcond,
 * inet_diag_bc_run; unchanged from 4.x to 6.x for these instructions), for
 * the instructions the filter uses.  The end-to-end tests run the same
 * programs against the real kernel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <linux/inet_diag.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "filter.h"
#include "testutil.h"

/* ---- the kernel's side ---------------------------------------------- */

struct entry {
	int family;
	uint32_t saddr[4], daddr[4];
	uint16_t sport, dport;
};

static int bitstring_match(const uint32_t *a1, const uint32_t *a2, int bits)
{
	int words = bits >> 5;

	bits &= 0x1f;
	if (words && memcmp(a1, a2, (size_t)words << 2))
		return 0;
	if (bits) {
		uint32_t w1 = a1[words], w2 = a2[words], mask = htonl((0xffffffffu) << (32 - bits));

		if ((w1 ^ w2) & mask)
			return 0;
	}
	return 1;
}

static int kernel_run(const uint8_t *bc, int len, const struct entry *entry)
{
	while (len > 0) {
		int yes = 1;
		const struct inet_diag_bc_op *op = (const void *)bc;

		switch (op->code) {
		case INET_DIAG_BC_NOP:
			break;
		case INET_DIAG_BC_JMP:
			yes = 0;
			break;
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND: {
			const struct inet_diag_hostcond *cond = (const void *)(op + 1);
			const uint32_t *addr;

			if (cond->port != -1 &&
			    cond->port != (op->code == INET_DIAG_BC_S_COND ? entry->sport :
									     entry->dport)) {
				yes = 0;
				break;
			}
			addr = op->code == INET_DIAG_BC_S_COND ? entry->saddr : entry->daddr;
			if (cond->family != AF_UNSPEC && cond->family != entry->family) {
				if (entry->family == AF_INET6 && cond->family == AF_INET) {
					if (addr[0] == 0 && addr[1] == 0 &&
					    addr[2] == htonl(0xffff) &&
					    bitstring_match(addr + 3, cond->addr, cond->prefix_len))
						break;
				}
				yes = 0;
				break;
			}
			if (cond->prefix_len == 0)
				break;
			if (bitstring_match(addr, cond->addr, cond->prefix_len))
				break;
			yes = 0;
			break;
		}
		default:
			ck_abort_msg("opcode %d is not one the filter uses", op->code);
		}
		if (yes) {
			len -= op->yes;
			bc += op->yes;
		} else {
			len -= op->no;
			bc += op->no;
		}
	}
	return len == 0;
}

static int valid_cc(const uint8_t *bc, int len, int cc)
{
	while (len >= 0) {
		const struct inet_diag_bc_op *op = (const void *)bc;

		if (cc > len)
			return 0;
		if (cc == len)
			return 1;
		if (op->yes < 4 || op->yes & 3)
			return 0;
		len -= op->yes;
		bc += op->yes;
	}
	return 0;
}

static int valid_hostcond(const struct inet_diag_bc_op *op, int len, int *min_len)
{
	const struct inet_diag_hostcond *cond;
	int addr_len;

	*min_len += (int)sizeof(struct inet_diag_hostcond);
	if (len < *min_len)
		return 0;
	cond = (const void *)(op + 1);
	switch (cond->family) {
	case AF_UNSPEC:
		addr_len = 0;
		break;
	case AF_INET:
		addr_len = 4;
		break;
	case AF_INET6:
		addr_len = 16;
		break;
	default:
		return 0;
	}
	*min_len += addr_len;
	if (len < *min_len)
		return 0;
	return cond->prefix_len <= 8 * addr_len;
}

/* 0 where the kernel takes the program, -EINVAL where it refuses it. */
static int kernel_audit(const uint8_t *bytecode, int bytecode_len)
{
	const uint8_t *bc = bytecode;
	int len = bytecode_len;

	while (len > 0) {
		int min_len = (int)sizeof(struct inet_diag_bc_op);
		const struct inet_diag_bc_op *op = (const void *)bc;

		switch (op->code) {
		case INET_DIAG_BC_S_COND:
		case INET_DIAG_BC_D_COND:
			if (!valid_hostcond(op, len, &min_len))
				return -1;
			break;
		case INET_DIAG_BC_JMP:
		case INET_DIAG_BC_NOP:
			break;
		default:
			return -1;
		}
		if (op->code != INET_DIAG_BC_NOP) {
			if (op->no < min_len || op->no > len + 4 || op->no & 3)
				return -1;
			if (op->no < len && !valid_cc(bytecode, bytecode_len, len - op->no))
				return -1;
		}
		if (op->yes < min_len || op->yes > len + 4 || op->yes & 3)
			return -1;
		bc += op->yes;
		len -= op->yes;
	}
	return len == 0 ? 0 : -1;
}

/* ---- the cases -------------------------------------------------------- */

#define MAX_VIPS 4

struct filter_case {
	const char *name;
	const char *vips[MAX_VIPS];
	int family;                 /* the dump's */
	int listeners;              /* with the wildcard conditions */
	const char *peer;           /* a prefix, or NULL */
	const char *local, *remote; /* the socket's addresses, as its family writes them */
	uint16_t sport;
	int want;
};

static const struct filter_case cases[] = {
	{ "IPv4 VIP and port: its socket",
	  { "192.0.2.10:80" },
	  AF_INET,
	  0,
	  NULL,
	  "192.0.2.10",
	  "198.51.100.7",
	  80,
	  1 },
	{ "IPv4 VIP and port: another port",
	  { "192.0.2.10:80" },
	  AF_INET,
	  0,
	  NULL,
	  "192.0.2.10",
	  "198.51.100.7",
	  443,
	  0 },
	{ "IPv4 VIP and port: another address",
	  { "192.0.2.10:80" },
	  AF_INET,
	  0,
	  NULL,
	  "192.0.2.11",
	  "198.51.100.7",
	  80,
	  0 },
	{ "VIP without a port: any port",
	  { "192.0.2.10" },
	  AF_INET,
	  0,
	  NULL,
	  "192.0.2.10",
	  "198.51.100.7",
	  8443,
	  1 },
	{ "second of three VIPs",
	  { "192.0.2.1:80", "192.0.2.2:80", "192.0.2.3:80" },
	  AF_INET,
	  0,
	  NULL,
	  "192.0.2.2",
	  "198.51.100.7",
	  80,
	  1 },
	{ "last of three VIPs",
	  { "192.0.2.1:80", "192.0.2.2:80", "192.0.2.3:443" },
	  AF_INET,
	  0,
	  NULL,
	  "192.0.2.3",
	  "198.51.100.7",
	  443,
	  1 },
	{ "none of three VIPs",
	  { "192.0.2.1:80", "192.0.2.2:80", "192.0.2.3:443" },
	  AF_INET,
	  0,
	  NULL,
	  "192.0.2.3",
	  "198.51.100.7",
	  80,
	  0 },
	{ "IPv4 VIP in an IPv6 dump: its mapped socket",
	  { "192.0.2.10:80" },
	  AF_INET6,
	  0,
	  NULL,
	  "::ffff:192.0.2.10",
	  "::ffff:198.51.100.7",
	  80,
	  1 },
	{ "IPv4 VIP in an IPv6 dump: another mapped address",
	  { "192.0.2.10:80" },
	  AF_INET6,
	  0,
	  NULL,
	  "::ffff:192.0.2.11",
	  "::ffff:198.51.100.7",
	  80,
	  0 },
	{ "IPv6 VIP",
	  { "[2001:db8::10]:443" },
	  AF_INET6,
	  0,
	  NULL,
	  "2001:db8::10",
	  "2001:db8:1::7",
	  443,
	  1 },
	{ "IPv6 VIP: a neighbour address",
	  { "[2001:db8::10]:443" },
	  AF_INET6,
	  0,
	  NULL,
	  "2001:db8::11",
	  "2001:db8:1::7",
	  443,
	  0 },
	{ "wildcard listener on the VIP's port",
	  { "192.0.2.10:80" },
	  AF_INET,
	  1,
	  NULL,
	  "0.0.0.0",
	  "0.0.0.0",
	  80,
	  1 },
	{ "wildcard listener on another port",
	  { "192.0.2.10:80" },
	  AF_INET,
	  1,
	  NULL,
	  "0.0.0.0",
	  "0.0.0.0",
	  22,
	  0 },
	{ "wildcard listener, not asked for",
	  { "192.0.2.10:80" },
	  AF_INET,
	  0,
	  NULL,
	  "0.0.0.0",
	  "0.0.0.0",
	  80,
	  0 },
	{ "dual-stack [::] listener for an IPv4 VIP",
	  { "192.0.2.10:80" },
	  AF_INET6,
	  1,
	  NULL,
	  "::",
	  "::",
	  80,
	  1 },
	{ "peer inside the prefix",
	  { "192.0.2.10:80" },
	  AF_INET,
	  0,
	  "198.51.100.0/24",
	  "192.0.2.10",
	  "198.51.100.7",
	  80,
	  1 },
	{ "peer outside the prefix",
	  { "192.0.2.10:80" },
	  AF_INET,
	  0,
	  "198.51.100.0/24",
	  "192.0.2.10",
	  "198.51.101.7",
	  80,
	  0 },
	{ "peer inside, VIP not",
	  { "192.0.2.10:80" },
	  AF_INET,
	  0,
	  "198.51.100.0/24",
	  "192.0.2.99",
	  "198.51.100.7",
	  80,
	  0 },
	{ "peer prefix of 20 bits",
	  { "192.0.2.1:80", "192.0.2.2:80" },
	  AF_INET,
	  0,
	  "10.16.0.0/12",
	  "192.0.2.2",
	  "10.31.255.1",
	  80,
	  1 },
	{ "IPv4 peer prefix, mapped peer",
	  { "192.0.2.10:80" },
	  AF_INET6,
	  0,
	  "198.51.100.0/24",
	  "::ffff:192.0.2.10",
	  "::ffff:198.51.100.7",
	  80,
	  1 },
	{ "IPv6 peer prefix",
	  { "[2001:db8::10]:443" },
	  AF_INET6,
	  0,
	  "2001:db8:1::/48",
	  "2001:db8::10",
	  "2001:db8:1::7",
	  443,
	  1 },
	{ "IPv6 peer outside",
	  { "[2001:db8::10]:443" },
	  AF_INET6,
	  0,
	  "2001:db8:1::/48",
	  "2001:db8::10",
	  "2001:db8:2::7",
	  443,
	  0 },
};

static void addr_words(int family, const char *text, uint32_t out[4])
{
	memset(out, 0, 16);
	ck_assert_msg(inet_pton(family, text, out) == 1, "bad test address %s", text);
}

START_TEST(test_filter_is_accepted_and_selects_the_vips_sockets)
{
	const struct filter_case *c = &cases[_i];
	struct glb_pd_vip vips[MAX_VIPS];
	struct glb_pd_hostcond local[2 * MAX_VIPS], peer;
	struct glb_pd_prefix prefix;
	struct entry e = { .family = c->family, .sport = c->sport, .dport = 51000 };
	uint8_t bc[1024];
	size_t n = 0;
	ssize_t nlocal, len;

	while (n < MAX_VIPS && c->vips[n]) {
		ck_assert_int_eq(glb_pd_vip_parse(c->vips[n], &vips[n]), 0);
		n++;
	}
	nlocal = glb_pd_filter_local_conds(vips, n, c->family, c->listeners, local, 2 * MAX_VIPS);
	ck_assert_int_gt(nlocal, 0);
	if (c->peer) {
		ck_assert_int_eq(glb_pd_prefix_parse(c->peer, &prefix), 0);
		peer = (struct glb_pd_hostcond){ .addr = prefix.addr,
						 .prefix_len = prefix.len,
						 .port = GLB_PD_ANY_PORT };
	}
	len = glb_pd_filter_build(local, (size_t)nlocal, &peer, c->peer ? 1 : 0, bc, sizeof(bc));
	ck_assert_int_gt(len, 0);
	ck_assert_msg(kernel_audit(bc, (int)len) == 0, "%s: the kernel would refuse it", c->name);
	addr_words(c->family, c->local, e.saddr);
	addr_words(c->family, c->remote, e.daddr);
	ck_assert_msg(kernel_run(bc, (int)len, &e) == c->want, "%s: got %d", c->name, !c->want);
}
END_TEST

START_TEST(test_ipv6_vips_need_no_ipv4_dump)
{
	struct glb_pd_vip v;
	struct glb_pd_hostcond out[4];

	ck_assert_int_eq(glb_pd_vip_parse("2001:db8::10", &v), 0);
	ck_assert_int_eq(glb_pd_filter_local_conds(&v, 1, AF_INET, 1, out, 4), 0);
}
END_TEST

START_TEST(test_wildcards_are_not_repeated)
{
	/* Two VIPs on port 80: one 0.0.0.0:80 condition, not two. */
	struct glb_pd_vip v[2];
	struct glb_pd_hostcond out[8];

	ck_assert_int_eq(glb_pd_vip_parse("192.0.2.1:80", &v[0]), 0);
	ck_assert_int_eq(glb_pd_vip_parse("192.0.2.2:80", &v[1]), 0);
	ck_assert_int_eq(glb_pd_filter_local_conds(v, 2, AF_INET, 1, out, 8), 3);
}
END_TEST

START_TEST(test_the_most_vips_fit_the_kernels_limit)
{
	/* GLB_PD_MAX_VIPS IPv6 VIPs, each with its own port, plus wildcards:
	 * within the 16-bit jumps, and still accepted. */
	static struct glb_pd_vip v[GLB_PD_MAX_VIPS];
	static struct glb_pd_hostcond out[2 * GLB_PD_MAX_VIPS];
	static uint8_t bc[GLB_PD_FILTER_MAX_LEN];
	ssize_t n, len;

	for (int i = 0; i < GLB_PD_MAX_VIPS; i++) {
		char text[64];

		snprintf(text, sizeof(text), "[2001:db8::%x]:%d", i + 1, 1000 + i);
		ck_assert_int_eq(glb_pd_vip_parse(text, &v[i]), 0);
	}
	n = glb_pd_filter_local_conds(v, GLB_PD_MAX_VIPS, AF_INET6, 1, out, 2 * GLB_PD_MAX_VIPS);
	ck_assert_int_eq(n, 2 * GLB_PD_MAX_VIPS);
	len = glb_pd_filter_build(out, (size_t)n, NULL, 0, bc, sizeof(bc));
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(kernel_audit(bc, (int)len), 0);
}
END_TEST

START_TEST(test_a_program_too_long_is_refused)
{
	struct glb_pd_hostcond c = { .prefix_len = 128, .port = 80 };
	uint8_t bc[16];

	c.addr.family = AF_INET6;
	ck_assert_int_eq(glb_pd_filter_build(&c, 1, NULL, 0, bc, sizeof(bc)), -ENOSPC);
	ck_assert_int_eq(glb_pd_filter_build(&c, 0, NULL, 0, bc, sizeof(bc)), -EINVAL);
}
END_TEST

static Suite *filter_suite(void)
{
	Suite *s = suite_create("pd_filter");
	TCase *tc = tcase_create("filter");

	tcase_add_loop_test(tc, test_filter_is_accepted_and_selects_the_vips_sockets, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_ipv6_vips_need_no_ipv4_dump);
	tcase_add_test(tc, test_wildcards_are_not_repeated);
	tcase_add_test(tc, test_the_most_vips_fit_the_kernels_limit);
	tcase_add_test(tc, test_a_program_too_long_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(filter_suite());
}
