/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time building one 256-backend table three ways, in one process:
 *   baseline  GLB's method: score every backend with one-shot SipHash and
 *             qsort each row (a reimplementation for comparison)
 *   1 thread  glb_builder_build on one thread
 *   N threads glb_builder_build on every online CPU
 * and check that all three give identical rows.
 *
 * Usage: bench_builder [BACKENDS [REPEATS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builder.h"
#include "siphash.h"

struct scored {
	uint64_t score;
	uint32_t idx;
};

static int cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Full sort per row; every backend active and healthy, so rows are (first, second). */
static void build_naive(const struct glb_cfg_table *in, struct glb_fmt_table *out)
{
	struct scored s[GLB_FMT_MAX_BACKENDS];
	uint8_t msg[12];
	uint32_t r, i;

	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		uint8_t rmsg[4] = { r >> 24, r >> 16, r >> 8, r };
		uint64_t seed = glb_siphash24(in->seed, rmsg, 4);

		for (i = 0; i < 8; i++)
			msg[i] = (uint8_t)(seed >> (8 * i));
		for (i = 0; i < in->num_backends; i++) {
			memcpy(msg + 8, in->backends[i].addr, 4);
			s[i].score = __builtin_bswap64(glb_siphash24(in->seed, msg, sizeof(msg)));
			s[i].idx = i;
		}
		qsort(s, in->num_backends, sizeof(s[0]), cmp_scored);
		out->rows[r].primary = s[0].idx;
		out->rows[r].secondary = s[in->num_backends > 1].idx;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void make_table(struct glb_cfg_table *t, unsigned n)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < 16; i++)
		t->seed[i] = (uint8_t)(0x11 * i + 3);
	t->num_backends = n;
	for (i = 0; i < n; i++) {
		t->backends[i].addr[0] = 10;
		t->backends[i].addr[1] = 1;
		t->backends[i].addr[2] = (uint8_t)(i >> 8);
		t->backends[i].addr[3] = (uint8_t)i;
		t->backends[i].state = GLB_BACKEND_ACTIVE;
		t->backends[i].healthy = true;
	}
}

/* Best of repeats, in seconds. */
static double best_of(unsigned repeats, void (*fn)(void *), void *arg)
{
	double best = 1e9;
	unsigned i;

	for (i = 0; i < repeats; i++) {
		double t0 = now(), dt;

		fn(arg);
		dt = now() - t0;
		best = dt < best ? dt : best;
	}
	return best;
}

struct run {
	struct glb_cfg_table *in;
	struct glb_fmt_table *out;
	unsigned threads;
};

static void run_naive(void *arg)
{
	struct run *r = arg;

	build_naive(r->in, r->out);
}

static void run_builder(void *arg)
{
	struct run *r = arg;

	if (glb_builder_build(r->in, r->out, r->threads) != 0)
		abort();
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 256;
	unsigned repeats = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct glb_cfg_table *in = calloc(1, sizeof(*in));
	struct glb_fmt_table *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)),
			     *c = calloc(1, sizeof(*c));
	struct run ra = { in, a, 0 }, rb = { in, b, 1 }, rc = { in, c, 0 };
	double t_naive, t_one, t_all;

	if (!in || !a || !b || !c || n < 1 || n > GLB_FMT_MAX_BACKENDS)
		return fprintf(stderr, "usage: %s [BACKENDS 1-256 [REPEATS]]\n", argv[0]), 2;
	make_table(in, n);
	t_naive = best_of(repeats < 3 ? repeats : 3, run_naive, &ra);
	t_one = best_of(repeats, run_builder, &rb);
	t_all = best_of(repeats, run_builder, &rc);
	if (memcmp(a->rows, b->rows, sizeof(a->rows)) || memcmp(b->rows, c->rows, sizeof(b->rows)))
		return fprintf(stderr, "MISMATCH: the builds disagree\n"), 1;
	printf("table build, %u backends x %u rows (best of %u)\n", n, GLB_FMT_TABLE_ENTRIES,
	       repeats);
	printf("  baseline (one-shot SipHash + qsort per row, 1 thread): %8.4f s\n", t_naive);
	printf("  glb_builder_build, 1 thread:                           %8.4f s  (%.1fx baseline)\n",
	       t_one, t_naive / t_one);
	printf("  glb_builder_build, %ld threads:                         %8.4f s  (%.1fx baseline)\n",
	       cpus, t_all, t_naive / t_all);
	printf("  rows identical across all three: yes\n");
	free(in), free(a), free(b), free(c);
	return 0;
}
