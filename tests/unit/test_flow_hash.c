/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow hash (SPEC §5): SipHash-2-4 of the selected fields, one at a
 * time and a burst at a time, against a reference SipHash written from the
 * paper over the message SPEC §5 spells out byte by byte.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "flow_hash.h"
#include "packet_testutil.h"
#include "testutil.h"

/* Published vectors (key 00..0f, message 00..n-1), output bytes read little-endian. */
static const struct {
	size_t n;
	uint8_t out[8];
} sip_vectors[] = {
	{ 0, { 0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72 } },
	{ 4, { 0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf } },
	{ 8, { 0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93 } },
	{ 12, { 0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75 } },
	{ 15, { 0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1 } },
};

static uint64_t vector_value(size_t i)
{
	return ref_le64(sip_vectors[i].out, 8);
}

START_TEST(reference_siphash_passes_published_vectors)
{
	uint8_t msg[16];
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < GLB_ARRAY_SIZE(sip_vectors); i++)
		ck_assert_uint_eq(ref_siphash(KEY_SEQ, msg, sip_vectors[i].n), vector_value(i));
}
END_TEST

/* src 0.1.2.3, dst 4.5.6.7, ports 0x0809 and 0x0a0b: the four fields spell 00..0b. */
START_TEST(flow_hash_all_fields_is_siphash_vector_12)
{
	struct glb_flow fl =
		make_flow(GLB_FLOW_L4, IPPROTO_TCP, "0.1.2.3", "4.5.6.7", 0x0809, 0x0a0b);
	unsigned all = GLB_HASH_SRC_ADDR | GLB_HASH_DST_ADDR | GLB_HASH_PORTS;

	ck_assert_uint_eq(glb_flow_hash_one(&fl, all, KEY_SEQ), vector_value(3));
}
END_TEST

START_TEST(flow_hash_default_is_siphash_of_source_address)
{
	struct glb_flow fl = make_flow(GLB_FLOW_L4, IPPROTO_TCP, "0.1.2.3", "9.9.9.9", 1, 2);

	ck_assert_uint_eq(glb_flow_hash_one(&fl, GLB_HASH_DEFAULT, KEY_SEQ), vector_value(1));
}
END_TEST

/*
 * The message SPEC §5 hashes, built here byte by byte from the flow, apart
 * from the code under test: src, dst, src port, dst port (network order).
 */
static size_t spec_hash_msg(const struct glb_flow *fl, unsigned fields, uint8_t *msg)
{
	size_t n = 0, alen = fl->family == GLB_FAMILY_IPV4 ? 4 : 16;

	if (fields & GLB_HASH_SRC_ADDR) {
		memcpy(msg + n, fl->src, alen);
		n += alen;
	}
	if (fields & GLB_HASH_DST_ADDR) {
		memcpy(msg + n, fl->dst, alen);
		n += alen;
	}
	if (fields & GLB_HASH_SRC_PORT) {
		msg[n++] = (uint8_t)(fl->sport >> 8);
		msg[n++] = (uint8_t)fl->sport;
	}
	if (fields & GLB_HASH_DST_PORT) {
		msg[n++] = (uint8_t)(fl->dport >> 8);
		msg[n++] = (uint8_t)fl->dport;
	}
	return n;
}

/*
 * A burst of messages of every length and field selection, both families,
 * two keys, in an order that leaves partial groups of every size: each
 * result is the reference SipHash of its message, with the vector kernel
 * (where this CPU has it) and without.  Burst sizes 0..70 cover full
 * groups of eight, a group of four and the one-at-a-time rest.
 */
START_TEST(hash_msgs_batch_equals_reference)
{
	static const uint8_t key_b[16] = { 0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
					   0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34 };
	enum { MAX = 70 };
	struct glb_flow_hash_batch *b = calloc(1, sizeof(*b));
	struct glb_flow flows[MAX];
	const uint8_t *keys[MAX];
	unsigned fields[MAX], n, i, simd;
	uint64_t out[MAX];
	bool was = glb_flow_hash_simd_set(true);

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < MAX; i++) {
		char src[64], dst[64];

		if (i % 3 == 0) {
			snprintf(src, sizeof(src), "2001:db8:%x::%x", i * 7919 % 65536, i + 1);
			snprintf(dst, sizeof(dst), "2001:db8:10::%x", i % 5);
		} else {
			snprintf(src, sizeof(src), "10.%u.%u.%u", i % 7, i * 13 % 256, i);
			snprintf(dst, sizeof(dst), "192.0.2.%u", i % 3);
		}
		flows[i] = make_flow(GLB_FLOW_L4, IPPROTO_TCP, src, dst, (uint16_t)(1024 + i * 997),
				     (uint16_t)(443 + i % 2));
		/* every non-empty selection; from 24 on, runs of 8 and 4 of one selection */
		fields[i] = i < 24 ? i % 15 + 1 : i < 48 ? GLB_HASH_SRC_ADDR : (i / 4) % 15 + 1;
		keys[i] = i % 5 == 0 ? key_b : KEY_SEQ;
		glb_flow_hash_batch_add(b, i, &flows[i], fields[i],
					glb_flow_hash_load_le(keys[i], 8),
					glb_flow_hash_load_le(keys[i] + 8, 8));
	}
	for (simd = 0; simd < 2; simd++) {
		glb_flow_hash_simd_set(simd);
		for (n = 0; n <= MAX; n++) {
			memset(out, 0xa5, sizeof(out));
			glb_flow_hash_batch_run(b, n, out);
			for (i = 0; i < n; i++) {
				uint8_t msg[40];
				size_t len = spec_hash_msg(&flows[i], fields[i], msg);

				ck_assert_msg(out[i] == ref_siphash(keys[i], msg, len),
					      "simd %u, burst %u, message %u (fields %u)", simd, n,
					      i, fields[i]);
			}
			for (; i < MAX; i++)
				ck_assert_uint_eq(out[i], 0xa5a5a5a5a5a5a5a5ULL);
		}
	}
	free(b);
	glb_flow_hash_simd_set(was);
}
END_TEST

/* The vector kernel can be turned off, and never on where the CPU lacks AVX2. */
START_TEST(hash_simd_switch)
{
	bool avail = glb_flow_hash_simd_available(), was = glb_flow_hash_simd_set(false);

	ck_assert(!glb_flow_hash_simd_set(true));
	ck_assert(glb_flow_hash_simd_set(false) == avail);
	glb_flow_hash_simd_set(was);
#if defined(__x86_64__)
	/* the director's servers and this project's CI machine have AVX2 */
	ck_assert_msg(avail == (__builtin_cpu_supports("avx2") != 0), "AVX2 detection");
#endif
}
END_TEST

/* Each field selection hashes exactly the concatenation SPEC §5 names, in its order. */
static const struct {
	unsigned fields;
	const char *msg_v4; /* expected message for the IPv4 flow below */
	const char *msg_v6;
} hash_field_cases[] = {
	{ GLB_HASH_SRC_ADDR, "c6336407", "20010db8000c00000000000000000007" },
	{ GLB_HASH_DST_ADDR, "0a000001", "20010db8000000000000000000000001" },
	{ GLB_HASH_SRC_PORT, "a8ca", "a8ca" },
	{ GLB_HASH_DST_PORT, "0050", "0050" },
	{ GLB_HASH_SRC_ADDR | GLB_HASH_SRC_PORT, "c6336407 a8ca",
	  "20010db8000c00000000000000000007 a8ca" },
	{ GLB_HASH_DST_ADDR | GLB_HASH_DST_PORT, "0a000001 0050",
	  "20010db8000000000000000000000001 0050" },
	{ GLB_HASH_SRC_ADDR | GLB_HASH_DST_ADDR | GLB_HASH_PORTS, "c6336407 0a000001 a8ca 0050",
	  "20010db8000c00000000000000000007 20010db8000000000000000000000001 a8ca 0050" },
};

START_TEST(flow_hash_concatenates_selected_fields_in_order)
{
	static const uint8_t key[16] = { 0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15,
					 0xf3, 0x9c, 0xc0, 0x60, 0x5c, 0xed, 0xc8, 0x34 };
	struct glb_flow v4 = make_flow(GLB_FLOW_L4, IPPROTO_TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_flow v6 = make_flow(GLB_FLOW_L4, IPPROTO_TCP, CLIENT6, VIP6, 43210, 80);
	uint8_t msg[40];
	int n;

	n = glb_test_unhex(hash_field_cases[_i].msg_v4, msg, sizeof(msg));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(glb_flow_hash_one(&v4, hash_field_cases[_i].fields, key),
			  ref_siphash(key, msg, (size_t)n));
	n = glb_test_unhex(hash_field_cases[_i].msg_v6, msg, sizeof(msg));
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(glb_flow_hash_one(&v6, hash_field_cases[_i].fields, key),
			  ref_siphash(key, msg, (size_t)n));
}
END_TEST

static Suite *flow_hash_suite(void)
{
	Suite *s = suite_create("flow_hash");
	TCase *tc;

	tc = tcase_create("hash");
	tcase_add_test(tc, reference_siphash_passes_published_vectors);
	tcase_add_test(tc, flow_hash_all_fields_is_siphash_vector_12);
	tcase_add_test(tc, flow_hash_default_is_siphash_of_source_address);
	tcase_add_loop_test(tc, flow_hash_concatenates_selected_fields_in_order, 0,
			    NUM(hash_field_cases));
	tcase_add_test(tc, hash_msgs_batch_equals_reference);
	tcase_add_test(tc, hash_simd_switch);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(flow_hash_suite());
}
