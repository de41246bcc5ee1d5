/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encap (SPEC §6): the outer headers byte by byte, from the reference
 * writer and from the template, which must agree on every input; checksums
 * checked with independent code.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "csum.h"
#include "encap.h"
#include "packet_testutil.h"
#include "testutil.h"

/* RFC 1071 style worked example: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7. */
START_TEST(ipv4_hdr_csum_known_header)
{
	uint8_t h[20];

	ck_assert_int_eq(glb_test_unhex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7", h,
					sizeof(h)),
			 20);
	ck_assert_uint_eq(glb_csum_compute(h, sizeof(h)), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	ck_assert_uint_eq(glb_csum_compute(h, sizeof(h)), 0);
	ck_assert_uint_eq(glb_csum_compute(h, sizeof(h)), ref_csum(h, sizeof(h)));
	/* an odd length sums its last byte as the high half of a zero-padded word */
	ck_assert_uint_eq(glb_csum_compute(h, 17), ref_csum(h, 17));
}
END_TEST

static const struct glb_encap_params encap_params = {
	.dst_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
	.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
	.src_ip = { 192, 0, 2, 1 },
};

#define ENCAP_HASH 0x0123456789abcdefULL
#define ENCAP_HINT 0x1234 /* UDP source = 0x8000 | ((0xcdef ^ 0x1234) & 0x7fff) = 0xdfdb */

/* Expected header with the IP checksum as 0000: the test fills it in independently. */
static const struct encap_case {
	const char *name;
	unsigned num_hops;
	uint8_t inner_family;
	uint16_t l3_len;
	const char *expect;
} encap_cases[] = {
	{ "no_extra_hop_ipv4_inner", 1, V4, 28,
	  "020000000001 020000000002 0800"
	  "4500 0040 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 002c 0000"
	  "01 04 0000 0000 00 00" },
	{ "one_hop_ipv4_inner", 2, V4, 40,
	  "020000000001 020000000002 0800"
	  "4500 0050 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 003c 0000"
	  "02 04 0000 0000 00 01 c000020b" },
	{ "one_hop_ipv6_inner", 2, V6, 60,
	  "020000000001 020000000002 0800"
	  "4500 0064 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 0050 0000"
	  "02 29 0000 0000 00 01 c000020b" },
	{ "three_hops_ipv4_inner", 4, V4, 40,
	  "020000000001 020000000002 0800"
	  "4500 0058 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 0044 0000"
	  "04 04 0000 0000 00 03 c000020b c000020c c000020d" },
	{ "three_hops_ipv6_inner", 4, V6, 60,
	  "020000000001 020000000002 0800"
	  "4500 006c 0000 4000 4011 0000 c0000201 c000020a"
	  "dfdb 4c43 0058 0000"
	  "04 29 0000 0000 00 03 c000020b c000020c c000020d" },
};

static struct glb_route encap_route(unsigned num_hops)
{
	struct glb_route rt = { .num_hops = num_hops, .hash = ENCAP_HASH };
	unsigned i;

	for (i = 0; i < num_hops; i++)
		rt.hops[i] = backend_be(i);
	return rt;
}

/* Either writer: the reference one, or the template one set up from the same params. */
static size_t write_encap(bool use_tmpl, uint8_t *hdr, size_t cap, const struct glb_route *rt,
			  const struct glb_flow *fl)
{
	struct glb_encap_tmpl tmpl;

	if (!use_tmpl)
		return glb_encap_write(hdr, cap, &encap_params, rt, fl);
	glb_encap_tmpl_init(&tmpl, &encap_params);
	return glb_encap_write_tmpl(hdr, cap, &tmpl, rt, fl);
}

/* _i runs over the cases twice: the reference writer, then the template one. */
START_TEST(encap_header_byte_by_byte)
{
	const struct encap_case *c = &encap_cases[_i % NUM(encap_cases)];
	bool use_tmpl = _i >= (int)NUM(encap_cases);
	struct glb_route rt = encap_route(c->num_hops);
	struct glb_flow fl = { .outer_family = c->inner_family,
			       .hint = ENCAP_HINT,
			       .l3_len = c->l3_len };
	uint8_t want[128], got[128];
	uint16_t csum;
	int n = glb_test_unhex(c->expect, want, sizeof(want));
	size_t len;

	ck_assert_int_gt(n, 0);
	csum = ref_csum(want + 14, 20);
	want[14 + 10] = (uint8_t)(csum >> 8);
	want[14 + 11] = (uint8_t)csum;
	memset(got, 0xee, sizeof(got));
	len = write_encap(use_tmpl, got, sizeof(got), &rt, &fl);
	ck_assert_msg(len == (size_t)n, "%s%s: length %zu, want %d", c->name,
		      use_tmpl ? " (template)" : "", len, n);
	ck_assert_uint_eq(glb_encap_hdr_len(&rt), (size_t)n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i], "%s%s: byte %d is %02x, want %02x", c->name,
			      use_tmpl ? " (template)" : "", i, got[i], want[i]);
	ck_assert_uint_eq(got[n], 0xee);
}
END_TEST

/*
 * Random routes, hints, lengths and sources: the template writer returns and
 * writes what the reference writer does, and its checksum verifies.  The
 * incremental checksum's carries are where it would go wrong.
 */
START_TEST(encap_template_agrees_with_writer_on_random_input)
{
	unsigned seed = 12345, iter;

	for (iter = 0; iter < 20000; iter++) {
		struct glb_encap_params params;
		struct glb_encap_tmpl tmpl;
		struct glb_route rt = { .num_hops = 1 + rand_r(&seed) % (1 + GLB_GUE_MAX_HOPS) };
		struct glb_flow fl = { .outer_family = rand_r(&seed) % 4 ? V4 : V6 };
		uint8_t a[128], b[128];
		size_t la, lb, cap = 30 + (size_t)(rand_r(&seed) % 40);
		unsigned i;

		for (i = 0; i < sizeof(params); i++)
			((uint8_t *)&params)[i] = (uint8_t)rand_r(&seed);
		for (i = 0; i < rt.num_hops; i++)
			rt.hops[i] = (uint32_t)rand_r(&seed) ^ (uint32_t)rand_r(&seed) << 16;
		if (iter % 7 == 0)
			rt.hops[0] = 0xffffffff; /* all ones: the most carries */
		rt.hash = (uint64_t)rand_r(&seed) << 32 | (uint64_t)rand_r(&seed);
		fl.hint = (uint16_t)rand_r(&seed);
		fl.l3_len = (uint16_t)(iter % 5 == 0 ? 65535 - rand_r(&seed) % 64 : rand_r(&seed));
		glb_encap_tmpl_init(&tmpl, &params);
		memset(a, 0xee, sizeof(a));
		memset(b, 0xee, sizeof(b));
		la = glb_encap_write(a, cap, &params, &rt, &fl);
		lb = glb_encap_write_tmpl(b, cap, &tmpl, &rt, &fl);
		ck_assert_msg(la == lb, "iteration %u: lengths %zu and %zu", iter, la, lb);
		ck_assert_msg(memcmp(a, b, sizeof(a)) == 0, "iteration %u: bytes differ", iter);
		if (la)
			ck_assert_uint_eq(ref_csum(b + 14, 20), 0);
	}
}
END_TEST

/* Every inner length, with all-ones and all-zero addresses: every carry case. */
START_TEST(encap_template_checksum_every_length)
{
	static const uint32_t dsts[] = { 0xffffffff, 0, 0x0000ffff, 0xffff0000 };
	struct glb_encap_params params = encap_params;
	struct glb_encap_tmpl tmpl;
	unsigned d, len;

	memset(params.src_ip, 0xff, sizeof(params.src_ip));
	glb_encap_tmpl_init(&tmpl, &params);
	for (d = 0; d < GLB_ARRAY_SIZE(dsts); d++) {
		struct glb_route rt = encap_route(2);
		struct glb_flow fl = { .outer_family = V4 };
		uint8_t a[64], b[64];

		rt.hops[0] = dsts[d];
		for (len = 0; len <= 65495; len++) {
			fl.l3_len = (uint16_t)len;
			ck_assert_uint_eq(glb_encap_write_tmpl(b, sizeof(b), &tmpl, &rt, &fl), 54);
			if (ref_csum(b + 14, 20) != 0) {
				glb_encap_write(a, sizeof(a), &params, &rt, &fl);
				ck_abort_msg(
					"dst %08x length %u: checksum %02x%02x, reference %02x%02x",
					dsts[d], len, b[24], b[25], a[24], a[25]);
			}
		}
	}
}
END_TEST

/* With the port computing it, the checksum field is 0 and nothing else changes. */
START_TEST(encap_template_leaves_checksum_to_an_offloading_port)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = V4, .hint = ENCAP_HINT, .l3_len = 40 };
	struct glb_encap_tmpl tmpl;
	uint8_t soft[64], off[64];

	glb_encap_tmpl_init(&tmpl, &encap_params);
	ck_assert(!tmpl.csum_offload);
	ck_assert_uint_eq(glb_encap_write_tmpl(soft, sizeof(soft), &tmpl, &rt, &fl), 54);
	tmpl.csum_offload = true;
	ck_assert_uint_eq(glb_encap_write_tmpl(off, sizeof(off), &tmpl, &rt, &fl), 54);
	ck_assert_uint_eq(off[24], 0);
	ck_assert_uint_eq(off[25], 0);
	ck_assert(soft[24] != 0 || soft[25] != 0);
	off[24] = soft[24];
	off[25] = soft[25];
	ck_assert_mem_eq(off, soft, 54);
}
END_TEST

START_TEST(encap_refuses_short_buffer)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = V4, .l3_len = 40 };
	uint8_t buf[64];
	size_t need = glb_encap_hdr_len(&rt);

	ck_assert_uint_eq(glb_encap_write(buf, need - 1, &encap_params, &rt, &fl), 0);
	ck_assert_uint_eq(glb_encap_write(buf, need, &encap_params, &rt, &fl), need);
}
END_TEST

/* 20 IP + 8 UDP + 12 GUE with one hop leave 65495 bytes for the inner packet. */
START_TEST(encap_refuses_outer_packet_over_65535)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = V4, .l3_len = 65495 };
	uint8_t buf[64];

	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 54);
	ck_assert_uint_eq(buf[16], 0xff);
	ck_assert_uint_eq(buf[17], 0xff);
	fl.l3_len = 65496;
	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
}
END_TEST

START_TEST(encap_refuses_bad_hop_count_or_family)
{
	struct glb_route rt = encap_route(2);
	struct glb_flow fl = { .outer_family = GLB_FAMILY_NONE, .l3_len = 40 };
	uint8_t buf[128];

	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
	fl.outer_family = V4;
	rt.num_hops = 0;
	ck_assert_uint_eq(glb_encap_hdr_len(&rt), 0);
	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
	rt.num_hops = 2 + GLB_GUE_MAX_HOPS;
	ck_assert_uint_eq(glb_encap_hdr_len(&rt), 0);
	ck_assert_uint_eq(glb_encap_write(buf, sizeof(buf), &encap_params, &rt, &fl), 0);
}
END_TEST

static Suite *encap_suite(void)
{
	Suite *s = suite_create("encap");
	TCase *tc;

	tc = tcase_create("encap");
	tcase_add_test(tc, ipv4_hdr_csum_known_header);
	tcase_add_loop_test(tc, encap_header_byte_by_byte, 0, 2 * NUM(encap_cases));
	tcase_add_test(tc, encap_template_agrees_with_writer_on_random_input);
	tcase_add_test(tc, encap_template_checksum_every_length);
	tcase_add_test(tc, encap_template_leaves_checksum_to_an_offloading_port);
	tcase_add_test(tc, encap_refuses_short_buffer);
	tcase_add_test(tc, encap_refuses_outer_packet_over_65535);
	tcase_add_test(tc, encap_refuses_bad_hop_count_or_family);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(encap_suite());
}
