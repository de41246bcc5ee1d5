/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The director's per-packet work without DPDK's I/O, so that changes to it
 * can be measured to a few percent on a noisy machine: parse, classify,
 * hash, route and encapsulate each of a set of in-memory frames, two ways,
 * in one process, alternating rounds so that both see the same machine:
 *
 *   reference  glb_parse_view, glb_route_flow, glb_encap_write:
 *              one packet at a time, the general code
 *   burst      what director/fwd.c does: glb_parse_simple with the
 *              general parse as fallback, a first pass that builds each
 *              packet's hash message, one hash call for the burst's 32
 *              (AVX2 lanes where the CPU has them) that also prefetches
 *              the rows, a last pass that routes and writes from the
 *              header template
 *   burst-1hash  the same with the hashes computed one at a time
 *
 * and check that all wrote the same bytes.  The frames are 60-byte TCP
 * SYNs from CLIENTS addresses to the first bind of the table's first
 * table, copied each time into a buffer as a NIC would have written them.
 *
 * Usage: bench_datapath TABLE.bin [CLIENTS [ROUNDS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "diag.h"
#include "encap.h"
#include "flow_hash.h"
#include "parse.h"
#include "route.h"
#include "table.h"

#define BURST 32
#define FRAME_LEN 60
#define HEADROOM 128
#define BUF_LEN 256
#define PASSES_PER_ROUND 20

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An Ethernet + IPv4 + TCP SYN from client i to dst:dport. */
static void make_frame(uint8_t *f, uint32_t i, const uint8_t dst[4], uint16_t dport)
{
	memset(f, 0, FRAME_LEN);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x03\x08\x00", 14);
	f[14] = 0x45;
	put16(f + 16, 40);
	f[22] = 64;
	f[23] = 6;
	f[26] = 10;
	f[27] = (uint8_t)(i >> 16);
	f[28] = (uint8_t)(i >> 8);
	f[29] = (uint8_t)i;
	memcpy(f + 30, dst, 4);
	put16(f + 34, (uint16_t)(1024 + i % 60000));
	put16(f + 36, dport);
	f[46] = 0x50;
	f[47] = 0x02;
}

struct ctx {
	const struct glb_table_file *tf;
	struct glb_classify_opts opts;
	struct glb_encap_params params;
	struct glb_encap_tmpl tmpl;
	const uint8_t *frames;
	uint32_t n;
	uint8_t (*out)[BUF_LEN];
	uint64_t sent;
};

static void run_reference(struct ctx *c)
{
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		uint8_t *buf = c->out[i];
		struct glb_route route;
		struct glb_flow flow;
		int t;

		memcpy(buf + HEADROOM, c->frames + (size_t)i * FRAME_LEN, FRAME_LEN);
		if (glb_parse_view(buf + HEADROOM, FRAME_LEN, FRAME_LEN, &flow) != GLB_OK)
			continue;
		t = glb_classify_flow(c->tf->tables, c->tf->num_tables, &flow, &c->opts);
		if (t < 0 || glb_route_flow(&c->tf->tables[t], &flow, &c->opts, &route) != GLB_OK)
			continue;
		size_t len = glb_encap_hdr_len(&route);
		uint8_t *hdr = buf + HEADROOM + flow.l3_offset - len;

		c->sent += glb_encap_write(hdr, len, &c->params, &route, &flow) == len;
	}
}

struct state {
	struct glb_flow flow;
	uint64_t hash[2];
	int table;
};

/* What director/fwd.c does to a burst, over plain buffers. */
static void run_burst(struct ctx *c)
{
	static struct glb_flow_hash_batch hb;
	struct state st[BURST];
	uint64_t hash[BURST];
	uint8_t owner[BURST];
	uint32_t base, i;

	for (base = 0; base < c->n; base += BURST) {
		uint32_t n = c->n - base < BURST ? c->n - base : BURST, nh = 0;

		for (i = 0; i < n; i++) {
			uint8_t *f = c->out[base + i] + HEADROOM;
			const uint8_t *key;

			memcpy(f, c->frames + (size_t)(base + i) * FRAME_LEN, FRAME_LEN);
			st[i].table = -1;
			if (!glb_parse_simple(f, FRAME_LEN, FRAME_LEN, &st[i].flow) &&
			    glb_parse_view(f, FRAME_LEN, FRAME_LEN, &st[i].flow) != GLB_OK)
				continue;
			st[i].table = glb_classify_flow(c->tf->tables, c->tf->num_tables,
							&st[i].flow, &c->opts);
			if (st[i].table < 0)
				continue;
			key = c->tf->tables[st[i].table].hash_key;
			st[i].hash[1] = 0;
			owner[nh] = (uint8_t)i;
			glb_flow_hash_batch_add(&hb, nh++, &st[i].flow, c->opts.hash_fields,
						glb_flow_hash_load_le(key, 8),
						glb_flow_hash_load_le(key + 8, 8));
		}
		glb_flow_hash_batch_run(&hb, nh, hash);
		for (i = 0; i < nh; i++) {
			st[owner[i]].hash[0] = hash[i];
			__builtin_prefetch(
				&c->tf->tables[st[owner[i]].table].rows[hash[i] & GLB_FMT_ROW_MASK]);
		}
		for (i = 0; i < n; i++) {
			struct glb_route route;
			size_t len;
			uint8_t *hdr;

			if (st[i].table < 0 ||
			    glb_route_hashed(&c->tf->tables[st[i].table], st[i].hash, &c->opts,
					     &route) != GLB_OK)
				continue;
			len = glb_encap_hdr_len(&route);
			hdr = c->out[base + i] + HEADROOM + st[i].flow.l3_offset - len;
			c->sent += glb_encap_write_tmpl(hdr, len, &c->tmpl, &route, &st[i].flow) ==
				   len;
		}
	}
}

/* Best time of PASSES_PER_ROUND runs of fn, kept in *best. */
static void timed(void (*fn)(struct ctx *), struct ctx *c, double *best)
{
	double t0 = now_s(), t;
	unsigned p;

	for (p = 0; p < PASSES_PER_ROUND; p++)
		fn(c);
	t = now_s() - t0;
	if (t < *best)
		*best = t;
}

static void run_burst_scalar(struct ctx *c)
{
	bool was = glb_flow_hash_simd_set(false);

	run_burst(c);
	glb_flow_hash_simd_set(was);
}

int main(int argc, char **argv)
{
	uint32_t clients = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 65536;
	unsigned rounds = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 5, r, i;
	struct glb_table_file *tf = NULL;
	struct glb_diag diag;
	struct ctx c = { 0 };
	double best_ref = 1e9, best_burst = 1e9, best_scalar = 1e9;
	uint8_t(*check)[BUF_LEN];
	uint8_t *frames;

	if (argc < 2 || argc > 4 || clients == 0) {
		fprintf(stderr, "usage: bench_datapath TABLE.bin [CLIENTS [ROUNDS]]\n");
		return 2;
	}
	glb_diag_init(&diag);
	if (glb_table_load(argv[1], &tf, &diag) != 0 || tf->num_tables == 0 ||
	    tf->tables[0].num_binds == 0) {
		glb_diag_print(&diag, stderr, "bench_datapath: ");
		fprintf(stderr, "bench_datapath: %s: need a table with a bind\n", argv[1]);
		return 1;
	}
	frames = malloc((size_t)clients * FRAME_LEN);
	c.out = calloc(clients, BUF_LEN);
	check = calloc(clients, BUF_LEN);
	if (!frames || !c.out || !check)
		return 1;
	for (i = 0; i < clients; i++)
		make_frame(frames + (size_t)i * FRAME_LEN, i, tf->tables[0].binds[0].addr,
			   tf->tables[0].binds[0].port_start);
	c.tf = tf;
	c.frames = frames;
	c.n = clients;
	c.opts =
		(struct glb_classify_opts){ .hash_fields = GLB_HASH_DEFAULT, .forward_echo = true };
	memcpy(c.params.dst_mac, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(c.params.src_mac, "\x02\x00\x00\x00\x00\x09", 6);
	memcpy(c.params.src_ip, "\x0a\x14\xff\x01", 4);
	glb_encap_tmpl_init(&c.tmpl, &c.params);

	run_reference(&c);
	memcpy(check, c.out, (size_t)clients * BUF_LEN);
	memset(c.out, 0, (size_t)clients * BUF_LEN);
	run_burst(&c);
	memset(c.out, 0, (size_t)clients * BUF_LEN);
	run_burst_scalar(&c);
	if (c.sent != 3 * (uint64_t)clients || memcmp(check, c.out, (size_t)clients * BUF_LEN)) {
		fprintf(stderr, "bench_datapath: the paths disagree (%llu of %u sent)\n",
			(unsigned long long)c.sent, 3 * clients);
		return 1;
	}
	for (r = 0; r < rounds; r++) {
		timed(run_reference, &c, &best_ref);
		timed(run_burst, &c, &best_burst);
		timed(run_burst_scalar, &c, &best_scalar);
	}
	double pk = (double)clients * PASSES_PER_ROUND;
	printf("%-10s %8s %8s\n", "path", "ns/pkt", "Mpps");
	printf("%-10s %8.1f %8.2f\n", "reference", best_ref / pk * 1e9, pk / best_ref / 1e6);
	printf("%-10s %8.1f %8.2f   %.2fx the reference  (hash: %s)\n", "burst",
	       best_burst / pk * 1e9, pk / best_burst / 1e6, best_ref / best_burst,
	       glb_flow_hash_simd_available() ? "AVX2, 8 or 4 lanes" :
						"one at a time: no AVX2 here");
	printf("%-10s %8.1f %8.2f   %.2fx the reference  (hash: one at a time)\n", "burst-1hash",
	       best_scalar / pk * 1e9, pk / best_scalar / 1e6, best_ref / best_scalar);
	glb_table_free(tf);
	free(frames);
	free(c.out);
	free(check);
	return 0;
}
