/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Route (SPEC §5): the row a flow's hash selects and the hops it gives,
 * with the expected row computed by the reference SipHash, never by the
 * code under test.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "flow_hash.h"
#include "packet_testutil.h"
#include "parse.h"
#include "route.h"
#include "testutil.h"

static struct glb_fmt_table *table;

static void table_setup(void)
{
	table = calloc(1, sizeof(*table));
	ck_assert_ptr_nonnull(table);
}

static void table_teardown(void)
{
	free(table);
	table = NULL;
}

static void add_backend(struct glb_fmt_table *t, const char *ip)
{
	struct glb_fmt_backend *b = &t->backends[t->num_backends++];
	uint8_t fam;

	addr(ip, b->addr, &fam);
	b->family = fam;
	b->state = GLB_FMT_STATE_ACTIVE;
	b->health = GLB_FMT_HEALTH_UP;
}

/* The table with four backends and row r = (r % 4, (r + 1) % 4). */
static struct glb_fmt_table *route_table(void)
{
	struct glb_fmt_table *t = table;
	uint32_t r;
	int i;

	memcpy(t->hash_key, KEY_SEQ, sizeof(t->hash_key));
	for (i = 0; i < NUM_BACKENDS; i++)
		add_backend(t, backend_ips[i]);
	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		t->rows[r].primary = r % NUM_BACKENDS;
		t->rows[r].secondary = (r + 1) % NUM_BACKENDS;
	}
	return t;
}

START_TEST(route_takes_primary_and_secondary_of_hashed_row)
{
	struct glb_fmt_table *t = route_table();
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_classify_opts opts = OPTS_DEFAULT;
	struct glb_route rt;
	uint8_t src[4] = { 198, 51, 100, 7 };
	uint64_t h = ref_siphash(KEY_SEQ, src, 4);
	uint32_t row = (uint32_t)(h & 0xffff);

	ck_assert_int_eq(glb_route_flow(t, &fl, &opts, &rt), GLB_OK);
	ck_assert_uint_eq(rt.hash, h);
	ck_assert_uint_eq(rt.row, row);
	ck_assert_uint_eq(rt.num_hops, 2);
	ck_assert_uint_eq(rt.primary_idx, row % 4);
	ck_assert_uint_eq(rt.secondary_idx, (row + 1) % 4);
	ck_assert_uint_eq(rt.hops[0], backend_be(row % 4));
	ck_assert_uint_eq(rt.hops[1], backend_be((row + 1) % 4));
}
END_TEST

START_TEST(route_alt_fields_append_alt_primary_and_secondary)
{
	struct glb_fmt_table *t = route_table();
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_classify_opts opts = { GLB_HASH_DEFAULT, GLB_HASH_SRC_ADDR | GLB_HASH_SRC_PORT,
					  true };
	struct glb_route rt;
	uint8_t src[4] = { 198, 51, 100, 7 }, src_port[6] = { 198, 51, 100, 7, 0xa8, 0xca };
	uint32_t row = (uint32_t)(ref_siphash(KEY_SEQ, src, 4) & 0xffff);
	uint32_t alt = (uint32_t)(ref_siphash(KEY_SEQ, src_port, 6) & 0xffff);

	ck_assert_int_eq(glb_route_flow(t, &fl, &opts, &rt), GLB_OK);
	ck_assert_uint_eq(rt.num_hops, 4);
	ck_assert_uint_eq(rt.row, row);
	ck_assert_uint_eq(rt.hops[0], backend_be(row % 4));
	ck_assert_uint_eq(rt.hops[1], backend_be((row + 1) % 4));
	ck_assert_uint_eq(rt.hops[2], backend_be(alt % 4));
	ck_assert_uint_eq(rt.hops[3], backend_be((alt + 1) % 4));
}
END_TEST

enum bad_row {
	BAD_PRIMARY_NONE,
	BAD_SECONDARY_NONE,
	BAD_INDEX_PAST_END,
	BAD_IPV6_BACKEND,
	BAD_ALT_ROW
};

START_TEST(route_without_usable_backend_is_dropped)
{
	struct glb_fmt_table *t = route_table();
	struct glb_flow fl = make_flow(L4, TCP, CLIENT4, VIP4, 43210, 80);
	struct glb_classify_opts opts = OPTS_DEFAULT;
	uint8_t src[4] = { 198, 51, 100, 7 }, src_port[6] = { 198, 51, 100, 7, 0xa8, 0xca };
	uint32_t row = (uint32_t)(ref_siphash(KEY_SEQ, src, 4) & 0xffff);
	uint32_t alt = (uint32_t)(ref_siphash(KEY_SEQ, src_port, 6) & 0xffff);
	struct glb_route rt;

	switch (_i) {
	case BAD_PRIMARY_NONE:
		t->rows[row].primary = GLB_FMT_NO_BACKEND;
		break;
	case BAD_SECONDARY_NONE:
		t->rows[row].secondary = GLB_FMT_NO_BACKEND;
		break;
	case BAD_INDEX_PAST_END:
		t->rows[row].secondary = NUM_BACKENDS;
		break;
	case BAD_IPV6_BACKEND:
		t->num_backends = 0;
		for (int i = 0; i < NUM_BACKENDS; i++)
			add_backend(t, "2001:db8::10");
		break;
	case BAD_ALT_ROW:
		ck_assert_uint_ne(row, alt);
		opts.alt_hash_fields = GLB_HASH_SRC_ADDR | GLB_HASH_SRC_PORT;
		t->rows[alt].primary = GLB_FMT_NO_BACKEND;
		break;
	}
	ck_assert_int_eq(glb_route_flow(t, &fl, &opts, &rt), GLB_DROP_NO_BACKEND);
}
END_TEST

/* An ICMP error quoting the proxy's reply must hash to the row of the client's flow. */
START_TEST(icmp_error_routes_like_the_client_flow)
{
	struct glb_fmt_table *t = route_table();
	struct glb_classify_opts opts = { GLB_HASH_SRC_ADDR | GLB_HASH_DST_ADDR | GLB_HASH_PORTS, 0,
					  true };
	struct frame data = { .len = 0 }, err = { .len = 0 };
	struct glb_flow fd, fe;
	struct glb_route rd, re;

	pkt_ipv4_tcp(&data);
	pkt_ipv4_frag_needed(&err);
	ck_assert_int_eq(glb_parse_frame(data.b, data.len, &fd), GLB_OK);
	ck_assert_int_eq(glb_parse_frame(err.b, err.len, &fe), GLB_OK);
	ck_assert_int_eq(glb_route_flow(t, &fd, &opts, &rd), GLB_OK);
	ck_assert_int_eq(glb_route_flow(t, &fe, &opts, &re), GLB_OK);
	ck_assert_uint_eq(rd.hash, re.hash);
	ck_assert_uint_eq(fd.hint, fe.hint);
	ck_assert_uint_eq(rd.hops[0], re.hops[0]);
}
END_TEST

static Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc;

	tc = tcase_create("route");
	tcase_add_checked_fixture(tc, table_setup, table_teardown);
	tcase_add_test(tc, route_takes_primary_and_secondary_of_hashed_row);
	tcase_add_test(tc, route_alt_fields_append_alt_primary_and_secondary);
	tcase_add_loop_test(tc, route_without_usable_backend_is_dropped, BAD_PRIMARY_NONE,
			    BAD_ALT_ROW + 1);
	tcase_add_test(tc, icmp_error_routes_like_the_client_flow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(route_suite());
}
