/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rendezvous (highest-random-weight) table building, SPEC §4.
 *
 * GLB scores every backend for every row and sorts the whole list; only the
 * first two places and the first usable backend ever matter, so we keep
 * those in one linear pass.  The score message is row_seed || address: the
 * SipHash state after the row_seed block is the same for every backend of a
 * row, so it is computed once per row, leaving one block and finalization
 * per backend.  Rows are split across threads.
 */
#include "builder.h"

#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "siphash.h"

/* Score message: 8 bytes of row seed then a 4-byte IPv4 address. */
#define SCORE_MSG_LEN 12
#define ROW_SEED_MSG_LEN 4
/* Below this many rows per thread, thread start-up costs more than it saves. */
#define MIN_ROWS_PER_THREAD 4096
#define MAX_THREADS 64

struct candidate_set {
	uint32_t n;
	uint32_t idx[GLB_FMT_MAX_BACKENDS];        /* JSON index of each candidate */
	uint64_t last_block[GLB_FMT_MAX_BACKENDS]; /* final SipHash block of its address */
	bool usable[GLB_FMT_MAX_BACKENDS];         /* healthy and not draining */
	bool active[GLB_FMT_MAX_BACKENDS];         /* state "active" (GLB's swap rule) */
};

struct build_job {
	const struct glb_cfg_table *in;
	const struct candidate_set *cands;
	struct glb_fmt_table *out;
	uint32_t row_begin, row_end;
};

uint64_t glb_builder_row_seed(const uint8_t seed[16], uint32_t row)
{
	uint8_t msg[ROW_SEED_MSG_LEN] = { row >> 24, row >> 16, row >> 8, row };

	return glb_siphash24(seed, msg, sizeof(msg));
}

static inline uint64_t addr_block(const uint8_t addr[4])
{
	/* The address bytes are message bytes 8..11: the low half of the last block. */
	return (uint64_t)SCORE_MSG_LEN << 56 | (uint64_t)addr[0] | (uint64_t)addr[1] << 8 |
	       (uint64_t)addr[2] << 16 | (uint64_t)addr[3] << 24;
}

uint64_t glb_builder_score(const uint8_t seed[16], uint64_t row_seed, const uint8_t addr[4])
{
	struct glb_siphash_state s;

	glb_siphash_init(&s, seed);
	glb_siphash_block(&s, row_seed);
	return __builtin_bswap64(glb_siphash_final(s, addr_block(addr)));
}

/*
 * Scores of all candidates for one row, from the shared state after the row
 * seed block.  Written as independent lanes so the compiler vectorizes it;
 * the clones let one portable binary use AVX2/AVX-512 where the CPU has them.
 */
__attribute__((target_clones("avx512f", "avx2", "default"))) static void
score_all(const struct glb_siphash_state *row_state, const uint64_t *blocks, uint32_t n,
	  uint64_t *scores)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		scores[i] = __builtin_bswap64(glb_siphash_final(*row_state, blocks[i]));
}

/* Lexicographic (score, index) order, so equal scores still sort the same way everywhere. */
static inline bool before(uint64_t sa, uint32_t a, uint64_t sb, uint32_t b)
{
	return sa < sb || (sa == sb && a < b);
}

static struct glb_fmt_row pick(const struct candidate_set *c, const uint64_t *scores)
{
	uint32_t first = 0, second = UINT32_MAX, usable = UINT32_MAX, i;

	for (i = 1; i < c->n; i++) {
		if (before(scores[i], i, scores[first], first)) {
			second = first;
			first = i;
		} else if (second == UINT32_MAX || before(scores[i], i, scores[second], second)) {
			second = i;
		}
	}
	for (i = 0; i < c->n; i++)
		if (c->usable[i] &&
		    (usable == UINT32_MAX || before(scores[i], i, scores[usable], usable)))
			usable = i;
	if (second == UINT32_MAX) /* one candidate: it is its own fallback */
		second = first;
	if (c->usable[first])
		return (struct glb_fmt_row){ c->idx[first], c->idx[second] };
	/* New flows to the first usable backend; old ones still reach the original primary. */
	if (usable != UINT32_MAX)
		return (struct glb_fmt_row){ c->idx[usable], c->idx[first] };
	/* Nothing usable: GLB's rule, swap only to an "active" secondary. */
	if (c->active[second])
		return (struct glb_fmt_row){ c->idx[second], c->idx[first] };
	return (struct glb_fmt_row){ c->idx[first], c->idx[second] };
}

static void *build_rows(void *arg)
{
	const struct build_job *job = arg;
	const struct candidate_set *c = job->cands;
	uint64_t scores[GLB_FMT_MAX_BACKENDS];
	struct glb_siphash_state base, row_state;
	uint32_t r;

	glb_siphash_init(&base, job->in->seed);
	for (r = job->row_begin; r < job->row_end; r++) {
		row_state = base;
		glb_siphash_block(&row_state, glb_builder_row_seed(job->in->seed, r));
		score_all(&row_state, c->last_block, c->n, scores);
		job->out->rows[r] = pick(c, scores);
	}
	return NULL;
}

static void fill_backends(const struct glb_cfg_table *in, struct glb_fmt_table *out)
{
	uint32_t i;

	out->num_backends = in->num_backends;
	for (i = 0; i < in->num_backends; i++) {
		const struct glb_cfg_backend *b = &in->backends[i];
		struct glb_fmt_backend *f = &out->backends[i];

		f->family = GLB_FAMILY_IPV4;
		memcpy(f->addr, b->addr, sizeof(b->addr));
		f->state = b->state == GLB_BACKEND_FILLING ? GLB_FMT_STATE_FILLING :
			   b->state == GLB_BACKEND_ACTIVE  ? GLB_FMT_STATE_ACTIVE :
							     GLB_FMT_STATE_DRAINING;
		f->health = b->healthy ? GLB_FMT_HEALTH_UP : GLB_FMT_HEALTH_DOWN;
	}
}

static void fill_binds(const struct glb_cfg_table *in, struct glb_fmt_table *out)
{
	uint32_t i;

	out->num_binds = in->num_binds;
	for (i = 0; i < in->num_binds; i++) {
		const struct glb_cfg_bind *b = &in->binds[i];
		struct glb_fmt_bind *f = &out->binds[i];

		f->family = b->family;
		memcpy(f->addr, b->addr, sizeof(f->addr));
		f->prefix_bits = b->prefix_bits;
		f->port_start = b->port_start;
		f->port_end = b->port_end;
		f->proto = b->proto;
	}
}

/* Backends that take part in the rendezvous: every one not "inactive", in JSON order. */
static void collect_candidates(const struct glb_cfg_table *in, struct candidate_set *c)
{
	uint32_t i;

	c->n = 0;
	for (i = 0; i < in->num_backends; i++) {
		const struct glb_cfg_backend *b = &in->backends[i];

		if (b->state == GLB_BACKEND_INACTIVE)
			continue;
		c->idx[c->n] = i;
		c->last_block[c->n] = addr_block(b->addr);
		c->usable[c->n] = b->healthy && b->state != GLB_BACKEND_DRAINING;
		c->active[c->n] = b->state == GLB_BACKEND_ACTIVE;
		c->n++;
	}
}

static unsigned pick_threads(unsigned threads)
{
	long online;

	if (threads == 0) {
		online = sysconf(_SC_NPROCESSORS_ONLN);
		threads = online > 0 ? (unsigned)online : 1;
	}
	if (threads > GLB_FMT_TABLE_ENTRIES / MIN_ROWS_PER_THREAD)
		threads = GLB_FMT_TABLE_ENTRIES / MIN_ROWS_PER_THREAD;
	return threads > MAX_THREADS ? MAX_THREADS : threads;
}

static void run_jobs(struct build_job *proto, unsigned threads)
{
	struct build_job jobs[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	unsigned t, started = 0;

	for (t = 0; t < threads; t++) {
		jobs[t] = *proto;
		jobs[t].row_begin = (uint32_t)((uint64_t)GLB_FMT_TABLE_ENTRIES * t / threads);
		jobs[t].row_end = (uint32_t)((uint64_t)GLB_FMT_TABLE_ENTRIES * (t + 1) / threads);
	}
	/* Thread 0's share runs on the caller; the others on new threads. */
	for (t = 1; t < threads; t++) {
		if (pthread_create(&tids[t], NULL, build_rows, &jobs[t]) != 0)
			break;
		started = t;
	}
	build_rows(&jobs[0]);
	for (t = 1; t <= started; t++)
		pthread_join(tids[t], NULL);
	/* Shares whose thread could not start are done here: slower, same bytes. */
	for (t = started + 1; t < threads; t++)
		build_rows(&jobs[t]);
}

int glb_builder_build(const struct glb_cfg_table *in, struct glb_fmt_table *out, unsigned threads)
{
	struct candidate_set *cands;
	struct build_job job;
	uint32_t r;

	memset(out, 0, sizeof(*out));
	fill_backends(in, out);
	fill_binds(in, out);
	memcpy(out->hash_key, in->hash_key, sizeof(out->hash_key));

	cands = calloc(1, sizeof(*cands));
	if (!cands)
		return -ENOMEM;
	collect_candidates(in, cands);
	if (cands->n == 0) {
		for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++)
			out->rows[r] =
				(struct glb_fmt_row){ GLB_FMT_NO_BACKEND, GLB_FMT_NO_BACKEND };
		free(cands);
		return 0;
	}
	job = (struct build_job){ .in = in, .cands = cands, .out = out };
	run_jobs(&job, pick_threads(threads));
	free(cands);
	return 0;
}
