// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target for the director's packet path: the input is a received
 * Ethernet frame.  It is parsed, and a parsed flow is classified against a
 * small fixed table set, routed and encapsulated, under two sets of director
 * options.  Any broken invariant aborts:
 *
 *   - the flow lies inside the frame, and the frame cut right after the IP
 *     packet (its Ethernet padding dropped) parses to the same flow;
 *   - classify returns a table index or a drop verdict, nothing else;
 *   - a route's hops are backend addresses of the row its hash selects;
 *   - the fast path (glb_parse_simple) accepts only what the general
 *     parse accepts, with the same flow;
 *   - the outer headers are as long as announced, their lengths add up and
 *     the IPv4 header checksum verifies, and the header template writes the
 *     same bytes as the reference writer.
 *
 * Run: fuzz_packet -max_total_time=60 tests/fuzz/corpus/packet
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "classify.h"
#include "csum.h"
#include "encap.h"
#include "flow_hash.h"
#include "parse.h"
#include "proto.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NUM_TABLES 3
#define NUM_BACKENDS 3
/* Every 7th row has no backend, so the no-backend path is reached often. */
#define NO_BACKEND_ROW_EVERY 7

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

static struct glb_fmt_table tables[NUM_TABLES];

static void add_bind(struct glb_fmt_table *t, uint32_t family, const uint8_t *addr, uint16_t prefix,
		     uint8_t proto, uint16_t lo, uint16_t hi)
{
	struct glb_fmt_bind *b = &t->binds[t->num_binds++];

	b->family = family;
	memcpy(b->addr, addr, family == GLB_FAMILY_IPV4 ? 4 : 16);
	b->prefix_bits = prefix;
	b->proto = proto;
	b->port_start = lo;
	b->port_end = hi;
}

/* Backends 192.0.2.(10 * table + i); the last table's second backend is IPv6 (unroutable). */
static void add_backends(struct glb_fmt_table *t, unsigned ti)
{
	unsigned i;
	uint32_t r;

	for (i = 0; i < NUM_BACKENDS; i++) {
		struct glb_fmt_backend *b = &t->backends[t->num_backends++];
		bool v6 = ti == NUM_TABLES - 1 && i == 1;

		b->family = v6 ? GLB_FAMILY_IPV6 : GLB_FAMILY_IPV4;
		b->addr[0] = v6 ? 0x20 : 192;
		b->addr[2] = 2;
		b->addr[3] = (uint8_t)(10 * ti + i);
		b->state = GLB_FMT_STATE_ACTIVE;
		b->health = GLB_FMT_HEALTH_UP;
	}
	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		bool none = r % NO_BACKEND_ROW_EVERY == 0;

		t->rows[r].primary = none ? GLB_FMT_NO_BACKEND : r % NUM_BACKENDS;
		t->rows[r].secondary = none ? GLB_FMT_NO_BACKEND : (r + 1) % NUM_BACKENDS;
	}
	for (i = 0; i < sizeof(t->hash_key); i++)
		t->hash_key[i] = (uint8_t)(i * 17 + ti);
}

/*
 * 0: 10.0.0.0/24 tcp 80, 2001:db8::/48 tcp 443
 * 1: 10.0.0.0/16 tcp 80-90, 10.0.0.5/32 udp 53, 2001:db8:abcd:10::/60 udp any
 * 2: 0.0.0.0/0 udp 1000-2000, 10.1.0.0/16 tcp 22
 */
static void tables_init(void)
{
	static const uint8_t net10[4] = { 10, 0, 0, 0 }, host5[4] = { 10, 0, 0, 5 };
	static const uint8_t net10_1[4] = { 10, 1, 0, 0 }, any4[4] = { 0 };
	static const uint8_t db8[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t abcd[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0x00, 0x10 };
	unsigned i;

	add_bind(&tables[0], GLB_FAMILY_IPV4, net10, 24, IPPROTO_TCP, 80, 80);
	add_bind(&tables[0], GLB_FAMILY_IPV6, db8, 48, IPPROTO_TCP, 443, 443);
	add_bind(&tables[1], GLB_FAMILY_IPV4, net10, 16, IPPROTO_TCP, 80, 90);
	add_bind(&tables[1], GLB_FAMILY_IPV4, host5, 32, IPPROTO_UDP, 53, 53);
	add_bind(&tables[1], GLB_FAMILY_IPV6, abcd, 60, IPPROTO_UDP, 0, 65535);
	add_bind(&tables[2], GLB_FAMILY_IPV4, any4, 0, IPPROTO_UDP, 1000, 2000);
	add_bind(&tables[2], GLB_FAMILY_IPV4, net10_1, 16, IPPROTO_TCP, 22, 22);
	for (i = 0; i < NUM_TABLES; i++)
		add_backends(&tables[i], i);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void check_flow(const uint8_t *frame, size_t size, const struct glb_flow *fl)
{
	size_t min_l3 = fl->outer_family == GLB_FAMILY_IPV4 ? IPV4_HDR_LEN : IPV6_HDR_LEN;
	size_t end = (size_t)fl->l3_offset + fl->l3_len;
	struct glb_flow again;

	CHECK(fl->outer_family == GLB_FAMILY_IPV4 || fl->outer_family == GLB_FAMILY_IPV6);
	CHECK(fl->family == GLB_FAMILY_IPV4 || fl->family == GLB_FAMILY_IPV6);
	CHECK(fl->kind <= GLB_FLOW_FRAGMENT);
	CHECK(fl->l3_offset == ETH_HDR_LEN || fl->l3_offset == ETH_HDR_LEN + VLAN_TAG_LEN);
	CHECK(fl->l3_len >= min_l3);
	CHECK(end <= size);
	if (fl->kind == GLB_FLOW_ECHO || fl->kind == GLB_FLOW_FRAGMENT)
		CHECK(fl->sport == 0 && fl->dport == 0);
	if (fl->kind == GLB_FLOW_FRAGMENT)
		CHECK(fl->hint == 0);
	/* only padding lies past the IP packet: without it, the same flow */
	CHECK(glb_parse_frame(frame, end, &again) == GLB_OK);
	CHECK(memcmp(&again, fl, sizeof(again)) == 0);
}

static bool is_backend(const struct glb_fmt_table *t, uint32_t addr)
{
	uint32_t i;

	for (i = 0; i < t->num_backends; i++)
		if (t->backends[i].family == GLB_FAMILY_IPV4 &&
		    memcmp(t->backends[i].addr, &addr, sizeof(addr)) == 0)
			return true;
	return false;
}

static void check_route(const struct glb_fmt_table *t, const struct glb_route *rt,
			const struct glb_classify_opts *opts)
{
	unsigned i;

	CHECK(rt->num_hops == (opts->alt_hash_fields ? 4u : 2u));
	CHECK(rt->row == (rt->hash & GLB_FMT_ROW_MASK));
	CHECK(rt->primary_idx == t->rows[rt->row].primary);
	CHECK(rt->secondary_idx == t->rows[rt->row].secondary);
	for (i = 0; i < rt->num_hops; i++)
		CHECK(is_backend(t, rt->hops[i]));
}

static void check_encap(const struct glb_route *rt, const struct glb_flow *fl)
{
	static const struct glb_encap_params params = {
		.dst_mac = { 2, 0, 0, 0, 0, 1 },
		.src_mac = { 2, 0, 0, 0, 0, 2 },
		.src_ip = { 192, 0, 2, 1 },
	};
	struct glb_encap_tmpl tmpl;
	uint8_t hdr[128], again[128];
	size_t len = glb_encap_write(hdr, sizeof(hdr), &params, rt, fl);
	size_t hdr_len = glb_encap_hdr_len(rt), ip_len = hdr_len - ETH_HDR_LEN + fl->l3_len;
	const uint8_t *ip = hdr + ETH_HDR_LEN, *udp = ip + IPV4_HDR_LEN, *gue = udp + UDP_HDR_LEN;

	glb_encap_tmpl_init(&tmpl, &params);
	CHECK(glb_encap_write_tmpl(again, sizeof(again), &tmpl, rt, fl) == len);
	CHECK(len == 0 || memcmp(hdr, again, len) == 0);
	CHECK(hdr_len > ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN && hdr_len <= sizeof(hdr));
	if (ip_len > UINT16_MAX) {
		CHECK(len == 0);
		return;
	}
	CHECK(len == hdr_len);
	CHECK(rd16(ip + 2) == ip_len);
	CHECK(glb_csum_compute(ip, IPV4_HDR_LEN) == 0);
	CHECK(memcmp(ip + 16, &rt->hops[0], 4) == 0);
	CHECK(rd16(udp + 2) == GLB_GUE_PORT);
	CHECK(rd16(udp + 4) == ip_len - IPV4_HDR_LEN);
	CHECK(gue[0] == 1 + gue[7]);
	CHECK(gue[7] == rt->num_hops - 1);
	CHECK(gue[1] ==
	      (fl->outer_family == GLB_FAMILY_IPV4 ? GLB_GUE_PROTO_IPV4 : GLB_GUE_PROTO_IPV6));
}

static void run(const struct glb_flow *fl, const struct glb_classify_opts *opts)
{
	struct glb_route rt;
	int ti = glb_classify_flow(tables, NUM_TABLES, fl, opts);

	if (ti < 0) {
		CHECK(ti == -GLB_DROP_NO_MATCH || ti == -GLB_DROP_FRAGMENT ||
		      ti == -GLB_DROP_ECHO_DISABLED);
		return;
	}
	CHECK(ti < NUM_TABLES);
	if (glb_route_flow(&tables[ti], fl, opts, &rt) != GLB_OK)
		return;
	check_route(&tables[ti], &rt, opts);
	check_encap(&rt, fl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct glb_classify_opts opts[] = {
		{ GLB_HASH_DEFAULT, 0, true },
		{ .hash_fields = GLB_HASH_SRC_ADDR | GLB_HASH_DST_ADDR,
		  .alt_hash_fields = GLB_HASH_SRC_ADDR | GLB_HASH_PORTS,
		  .forward_echo = false },
	};
	static bool ready;
	struct glb_flow fl, fast;
	enum glb_verdict v;
	uint8_t *frame;
	size_t i;

	if (!ready) {
		tables_init();
		ready = true;
	}
	/* An exact-size copy, so that the sanitizers see any read past the end. */
	frame = malloc(size ? size : 1);
	if (!frame)
		return 0;
	memcpy(frame, data, size);
	v = glb_parse_frame(frame, size, &fl);
	CHECK(v < GLB_VERDICT_COUNT);
	if (glb_parse_simple(frame, size, size, &fast))
		CHECK(v == GLB_OK && memcmp(&fast, &fl, sizeof(fl)) == 0);
	if (v == GLB_OK) {
		check_flow(frame, size, &fl);
		for (i = 0; i < GLB_ARRAY_SIZE(opts); i++)
			run(&fl, &opts[i]);
	}
	free(frame);
	return 0;
}
