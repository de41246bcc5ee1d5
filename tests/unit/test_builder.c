// SPDX-License-Identifier: BSD-3-Clause
/*
 * The rendezvous table builder (SPEC §4) against the public check vector and
 * against a naive model written here from the SPEC text: full sort of every
 * row's scores, then the draining/unhealthy rule.  Only SipHash itself is
 * shared with the code under test (it has its own vector test).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array_size.h"
#include "builder.h"
#include "fwd_config.h"
#include "siphash.h"
#include "table.h"
#include "testutil.h"

#define ROWS GLB_FMT_TABLE_ENTRIES
#define NO_BACKEND 0xFFFFFFFFu

/* ---- the model ---- */

struct ranked {
	uint64_t score;
	uint32_t index;
};

static int ranked_cmp(const void *a_, const void *b_)
{
	const struct ranked *a = a_, *b = b_;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* The hash's 8 output bytes, in output order. */
static void siphash_bytes(const uint8_t key[16], const void *msg, size_t len, uint8_t out[8])
{
	uint64_t h = glb_siphash24(key, msg, len);
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

static uint64_t model_score(const uint8_t seed[16], uint32_t row, const uint8_t addr[4])
{
	uint8_t row_be[4] = { (uint8_t)(row >> 24), (uint8_t)(row >> 16), (uint8_t)(row >> 8),
			      (uint8_t)row };
	uint8_t msg[12], out[8];
	uint64_t score = 0;
	int i;

	siphash_bytes(seed, row_be, sizeof(row_be), msg); /* row_seed */
	memcpy(msg + 8, addr, 4);
	siphash_bytes(seed, msg, sizeof(msg), out);
	for (i = 0; i < 8; i++)
		score = score << 8 | out[i]; /* big-endian */
	return score;
}

static bool model_bad(const struct glb_cfg_backend *b)
{
	return b->state == GLB_BACKEND_DRAINING || !b->healthy;
}

static void model_row(const struct glb_cfg_table *t, uint32_t row, struct glb_fmt_row *out)
{
	struct ranked order[GLB_FMT_MAX_BACKENDS];
	uint32_t n = 0, i, p, s;

	for (i = 0; i < t->num_backends; i++) {
		if (t->backends[i].state == GLB_BACKEND_INACTIVE)
			continue;
		order[n].score = model_score(t->seed, row, t->backends[i].addr);
		order[n].index = i;
		n++;
	}
	if (n == 0) {
		out->primary = out->secondary = NO_BACKEND;
		return;
	}
	qsort(order, n, sizeof(order[0]), ranked_cmp);
	p = order[0].index;
	s = n > 1 ? order[1].index : p;
	if (model_bad(&t->backends[p])) {
		for (i = 0; i < n; i++)
			if (!model_bad(&t->backends[order[i].index]))
				break;
		if (i < n) {
			s = p;
			p = order[i].index;
		} else if (t->backends[s].state == GLB_BACKEND_ACTIVE) {
			/* GLB's rule when nothing is usable */
			uint32_t tmp = p;

			p = s;
			s = tmp;
		}
	}
	out->primary = p;
	out->secondary = s;
}

/* ---- configs ---- */

static void cfg_init(struct glb_cfg_table *t, uint32_t salt)
{
	uint32_t i;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "model-%u", salt);
	for (i = 0; i < 16; i++) {
		t->seed[i] = (uint8_t)(0x5a ^ (i * 29) ^ salt);
		t->hash_key[i] = (uint8_t)(0xc3 ^ (i * 7) ^ (salt << 1));
	}
	t->num_binds = 2;
	t->binds[0].family = GLB_FAMILY_IPV4;
	t->binds[0].addr[0] = 192;
	t->binds[0].addr[2] = 2;
	t->binds[0].addr[3] = (uint8_t)salt;
	t->binds[0].prefix_bits = 32;
	t->binds[0].proto = 6;
	t->binds[0].port_start = 80;
	t->binds[0].port_end = 80;
	t->binds[1].family = GLB_FAMILY_IPV6;
	t->binds[1].addr[0] = 0x20;
	t->binds[1].addr[1] = 0x01;
	t->binds[1].addr[2] = 0x0d;
	t->binds[1].addr[3] = 0xb8;
	t->binds[1].addr[15] = (uint8_t)salt;
	t->binds[1].prefix_bits = 120;
	t->binds[1].proto = 17;
	t->binds[1].port_start = 1000;
	t->binds[1].port_end = 2000;
}

static void cfg_add(struct glb_cfg_table *t, enum glb_backend_state state, bool healthy)
{
	struct glb_cfg_backend *b = &t->backends[t->num_backends];

	b->addr[0] = 10;
	b->addr[1] = 20;
	b->addr[2] = (uint8_t)(t->num_backends / 200);
	b->addr[3] = (uint8_t)(1 + t->num_backends % 200);
	b->state = state;
	b->healthy = healthy;
	t->num_backends++;
}

#define A GLB_BACKEND_ACTIVE
#define F GLB_BACKEND_FILLING
#define D GLB_BACKEND_DRAINING
#define I GLB_BACKEND_INACTIVE

struct model_case {
	const char *name;
	uint32_t n;
	enum glb_backend_state state[8];
	bool down[8]; /* true = unhealthy */
};

static const struct model_case model_cases[] = {
	{ "one backend", 1, { A }, { 0 } },
	{ "one backend draining", 1, { D }, { 0 } },
	{ "one backend unhealthy", 1, { A }, { true } },
	{ "two backends", 2, { A, A }, { 0 } },
	{ "two backends, one draining", 2, { A, D }, { 0 } },
	{ "no backends", 0, { A }, { 0 } },
	{ "all inactive", 3, { I, I, I }, { 0 } },
	{ "one usable of three", 3, { I, A, I }, { 0 } },
	{ "five, one draining", 5, { A, A, D, A, A }, { 0 } },
	{ "five, one unhealthy", 5, { A, A, A, A, A }, { 0, 0, 0, true, 0 } },
	{ "five, one filling", 5, { A, F, A, A, A }, { 0 } },
	{ "six, two unhealthy and one draining",
	  6,
	  { A, A, D, A, A, A },
	  { 0, true, 0, 0, true, 0 } },
	{ "four, all unhealthy", 4, { A, A, A, A }, { true, true, true, true } },
	{ "four, all unhealthy, some filling", 4, { F, A, F, A }, { true, true, true, true } },
	{ "three, all draining", 3, { D, D, D }, { 0 } },
	{ "inactive in the middle", 7, { A, I, A, I, I, A, A }, { 0 } },
	{ "inactive in the middle, one down",
	  7,
	  { A, I, A, I, D, A, A },
	  { 0, 0, true, 0, 0, 0, 0 } },
	{ "filling and draining", 4, { F, D, F, A }, { 0, 0, true, 0 } },
	{ "the only healthy one is filling", 4, { A, F, D, A }, { true, 0, 0, true } },
};

#define NUM_MODEL_CASES GLB_ARRAY_SIZE(model_cases)

static void cfg_from_case(struct glb_cfg_table *t, const struct model_case *c, uint32_t salt)
{
	uint32_t i;

	cfg_init(t, salt);
	for (i = 0; i < c->n; i++)
		cfg_add(t, c->state[i], !c->down[i]);
}

static struct glb_fmt_table *build(const struct glb_cfg_table *t, unsigned threads)
{
	struct glb_fmt_table *out = malloc(sizeof(*out));
	int ret;

	ck_assert_ptr_nonnull(out);
	/* garbage, so that "fills all of it" is checked */
	memset(out, 0xa5, sizeof(*out));
	ret = glb_builder_build(t, out, threads);
	ck_assert_msg(ret == 0, "glb_builder_build(threads=%u) = %d", threads, ret);
	return out;
}

static void check_rows_match_model(const struct glb_cfg_table *t, const struct glb_fmt_table *out,
				   const char *name)
{
	uint32_t r;

	for (r = 0; r < ROWS; r++) {
		struct glb_fmt_row want;

		model_row(t, r, &want);
		ck_assert_msg(out->rows[r].primary == want.primary &&
				      out->rows[r].secondary == want.secondary,
			      "%s: row %u is (%u,%u), the model says (%u,%u)", name, r,
			      out->rows[r].primary, out->rows[r].secondary, want.primary,
			      want.secondary);
	}
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static void check_header_parts(const struct glb_cfg_table *t, const struct glb_fmt_table *out,
			       const char *name)
{
	static const uint16_t fmt_state[] = {
		[GLB_BACKEND_FILLING] = 0,
		[GLB_BACKEND_ACTIVE] = 1,
		[GLB_BACKEND_DRAINING] = 2,
		[GLB_BACKEND_INACTIVE] = 2,
	};
	uint32_t i;

	ck_assert_msg(out->num_backends == t->num_backends, "%s: num_backends %u, want %u", name,
		      out->num_backends, t->num_backends);
	for (i = 0; i < GLB_FMT_MAX_BACKENDS; i++) {
		const struct glb_fmt_backend *b = &out->backends[i];

		if (i >= t->num_backends) {
			ck_assert_msg(all_zero(b, sizeof(*b)), "%s: unused backend %u not zero",
				      name, i);
			continue;
		}
		ck_assert_uint_eq(b->family, 1);
		ck_assert_int_eq(memcmp(b->addr, t->backends[i].addr, 4), 0);
		ck_assert_msg(all_zero(b->addr + 4, 12), "%s: backend %u address tail", name, i);
		ck_assert_msg(b->state == fmt_state[t->backends[i].state],
			      "%s: backend %u state %u, want %u", name, i, b->state,
			      fmt_state[t->backends[i].state]);
		ck_assert_uint_eq(b->health, t->backends[i].healthy ? 1 : 0);
	}

	ck_assert_uint_eq(out->num_binds, t->num_binds);
	for (i = 0; i < GLB_FMT_MAX_BINDS; i++) {
		const struct glb_fmt_bind *b = &out->binds[i];
		const struct glb_cfg_bind *in = &t->binds[i];

		if (i >= t->num_binds) {
			ck_assert_msg(all_zero(b, sizeof(*b)), "%s: unused bind %u not zero", name,
				      i);
			continue;
		}
		ck_assert_uint_eq(b->family, in->family);
		ck_assert_int_eq(memcmp(b->addr, in->addr, 16), 0);
		ck_assert_uint_eq(b->prefix_bits, in->prefix_bits);
		ck_assert_uint_eq(b->port_start, in->port_start);
		ck_assert_uint_eq(b->port_end, in->port_end);
		ck_assert_uint_eq(b->proto, in->proto);
		ck_assert_uint_eq(b->reserved, 0);
	}
	ck_assert_int_eq(memcmp(out->hash_key, t->hash_key, 16), 0);
}

/* ---- the check vector ---- */

struct vector_row {
	uint32_t table, row, primary, secondary;
};

/* vectors/README.md */
static const struct vector_row vector_rows[] = {
	{ 0, 0, 1, 2 }, { 0, 1, 0, 1 }, { 0, 2, 0, 1 }, { 0, 65535, 0, 1 },
	{ 1, 0, 0, 3 }, { 1, 1, 2, 4 }, { 1, 2, 5, 4 }, { 1, 65535, 0, 4 },
};

static void load_vector(struct glb_cfg *cfg)
{
	const char *path = glb_test_vector_path("table-example.json");
	struct glb_diag d;

	glb_diag_init(&d);
	ck_assert_msg(glb_fwd_config_load(path, cfg, &d) == 0, "%s: %s", path, glb_diag_first(&d));
	glb_diag_free(&d);
	ck_assert_uint_eq(cfg->num_tables, 2);
}

/* The model reproduces the published rows: it is a fair judge of the builder. */
START_TEST(test_model_matches_vector_rows)
{
	struct glb_cfg cfg;
	size_t i;

	load_vector(&cfg);
	for (i = 0; i < GLB_ARRAY_SIZE(vector_rows); i++) {
		const struct vector_row *v = &vector_rows[i];
		struct glb_fmt_row got;

		model_row(&cfg.tables[v->table], v->row, &got);
		ck_assert_msg(got.primary == v->primary && got.secondary == v->secondary,
			      "model: table %u row %u = (%u,%u), vector says (%u,%u)", v->table,
			      v->row, got.primary, got.secondary, v->primary, v->secondary);
	}
	glb_fwd_config_free(&cfg);
}
END_TEST

START_TEST(test_build_vector_rows)
{
	struct glb_cfg cfg;
	struct glb_fmt_table *out[2];
	size_t i;

	load_vector(&cfg);
	out[0] = build(&cfg.tables[0], 0);
	out[1] = build(&cfg.tables[1], 0);
	for (i = 0; i < GLB_ARRAY_SIZE(vector_rows); i++) {
		const struct vector_row *v = &vector_rows[i];
		const struct glb_fmt_row *got = &out[v->table]->rows[v->row];

		ck_assert_msg(got->primary == v->primary && got->secondary == v->secondary,
			      "table %u row %u = (%u,%u), vector says (%u,%u)", v->table, v->row,
			      got->primary, got->secondary, v->primary, v->secondary);
	}
	check_rows_match_model(&cfg.tables[0], out[0], "vector table 0");
	check_rows_match_model(&cfg.tables[1], out[1], "vector table 1");
	check_header_parts(&cfg.tables[0], out[0], "vector table 0");
	check_header_parts(&cfg.tables[1], out[1], "vector table 1");
	free(out[0]);
	free(out[1]);
	glb_fwd_config_free(&cfg);
}
END_TEST

START_TEST(test_build_vector_file_sha256)
{
	struct glb_cfg cfg;
	struct glb_fmt_table *out;
	struct glb_diag d;
	char *dir = glb_test_tempdir(), *path;
	char want[80] = "", got[80] = "";
	FILE *f;
	uint32_t i;

	load_vector(&cfg);
	out = malloc(2 * sizeof(*out));
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(glb_builder_build(&cfg.tables[i], &out[i], 0), 0);
	ck_assert_int_ge(asprintf(&path, "%s/forwarding_table.bin", dir), 0);
	glb_diag_init(&d);
	ck_assert_msg(glb_table_write(path, out, 2, &d) == 0, "write: %s", glb_diag_first(&d));
	glb_diag_free(&d);

	f = fopen(glb_test_vector_path("table-example.sha256"), "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%64s", want), 1);
	fclose(f);

	glb_test_sha256sum(path, got);
	ck_assert_str_eq(got, want);

	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	free(out);
	glb_fwd_config_free(&cfg);
}
END_TEST

/* ---- the model, case by case ---- */

START_TEST(test_build_matches_model)
{
	const struct model_case *c = &model_cases[_i];
	struct glb_cfg_table *t = malloc(sizeof(*t));
	struct glb_fmt_table *out;

	cfg_from_case(t, c, (uint32_t)_i + 1);
	out = build(t, 0);
	check_header_parts(t, out, c->name);
	check_rows_match_model(t, out, c->name);
	free(out);
	free(t);
}
END_TEST

START_TEST(test_build_random_configs_match_model)
{
	static const enum glb_backend_state states[] = { A, A, A, F, D, I };
	struct glb_cfg_table *t = malloc(sizeof(*t));
	uint64_t rng = 0x9e3779b97f4a7c15ULL + (uint64_t)_i;
	struct glb_fmt_table *out;
	uint32_t n, i;
	char name[64];

	cfg_init(t, 100 + (uint32_t)_i);
	for (i = 0; i < 16; i++)
		t->seed[i] = (uint8_t)glb_test_rand(&rng);
	n = 1 + (uint32_t)(glb_test_rand(&rng) % 12);
	for (i = 0; i < n; i++) {
		enum glb_backend_state s = states[glb_test_rand(&rng) % 6];

		cfg_add(t, s, glb_test_rand(&rng) % 4 != 0);
		t->backends[i].addr[1] = (uint8_t)glb_test_rand(&rng);
		t->backends[i].addr[2] = (uint8_t)i;
	}
	snprintf(name, sizeof(name), "random config %d (%u backends)", _i, n);
	out = build(t, 0);
	check_header_parts(t, out, name);
	check_rows_match_model(t, out, name);
	free(out);
	free(t);
}
END_TEST

START_TEST(test_build_64_backends_matches_model)
{
	struct glb_cfg_table *t = malloc(sizeof(*t));
	struct glb_fmt_table *out;
	uint32_t i;

	cfg_init(t, 64);
	for (i = 0; i < 64; i++)
		cfg_add(t, i == 17 ? D : i == 40 ? I : A, i != 5);
	out = build(t, 0);
	check_header_parts(t, out, "64 backends");
	check_rows_match_model(t, out, "64 backends");
	free(out);
	free(t);
}
END_TEST

START_TEST(test_build_all_inactive_marks_every_row)
{
	struct glb_cfg_table *t = malloc(sizeof(*t));
	struct glb_fmt_table *out;
	uint32_t r;

	cfg_init(t, 9);
	cfg_add(t, I, true);
	cfg_add(t, I, false);
	cfg_add(t, I, true);
	out = build(t, 1);
	ck_assert_uint_eq(out->num_backends, 3);
	for (r = 0; r < ROWS; r++) {
		ck_assert_uint_eq(out->rows[r].primary, NO_BACKEND);
		ck_assert_uint_eq(out->rows[r].secondary, NO_BACKEND);
	}
	free(out);
	free(t);
}
END_TEST

START_TEST(test_build_single_backend_is_its_own_secondary)
{
	struct glb_cfg_table *t = malloc(sizeof(*t));
	struct glb_fmt_table *out;
	uint32_t r;

	cfg_init(t, 3);
	cfg_add(t, I, true);
	cfg_add(t, A, true);
	out = build(t, 1);
	for (r = 0; r < ROWS; r++) {
		ck_assert_uint_eq(out->rows[r].primary, 1);
		ck_assert_uint_eq(out->rows[r].secondary, 1);
	}
	free(out);
	free(t);
}
END_TEST

START_TEST(test_score_helpers_agree_with_model)
{
	static const uint32_t rows[] = { 0, 1, 2, 255, 256, 4660, 65535 };
	uint8_t seed[16], addr[4] = { 10, 0, 0, 1 };
	size_t i;

	ck_assert_int_eq(glb_test_unhex("00112233445566778899aabbccddeeff", seed, 16), 16);
	for (i = 0; i < GLB_ARRAY_SIZE(rows); i++) {
		uint64_t rs = glb_builder_row_seed(seed, rows[i]);

		addr[3] = (uint8_t)(i + 1);
		ck_assert_msg(glb_builder_score(seed, rs, addr) == model_score(seed, rows[i], addr),
			      "row %u: score differs from SPEC §4", rows[i]);
	}
}
END_TEST

/* ---- threads ---- */

START_TEST(test_build_same_bytes_for_any_thread_count)
{
	static const unsigned threads[] = { 2, 0, 3, 7 };
	struct glb_cfg_table *t = malloc(sizeof(*t));
	struct glb_fmt_table *one, *other;
	size_t i;

	cfg_from_case(t, &model_cases[11], 42);
	one = build(t, 1);
	for (i = 0; i < GLB_ARRAY_SIZE(threads); i++) {
		other = build(t, threads[i]);
		ck_assert_msg(memcmp(one, other, sizeof(*one)) == 0,
			      "threads=%u differs from threads=1", threads[i]);
		free(other);
	}
	free(one);
	free(t);
}
END_TEST

static Suite *builder_suite(void)
{
	Suite *s = suite_create("builder");
	TCase *tc;

	tc = tcase_create("vector");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_model_matches_vector_rows);
	tcase_add_test(tc, test_build_vector_rows);
	tcase_add_test(tc, test_build_vector_file_sha256);
	suite_add_tcase(s, tc);

	tc = tcase_create("model");
	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, test_build_matches_model, 0, NUM_MODEL_CASES);
	tcase_add_loop_test(tc, test_build_random_configs_match_model, 0, 8);
	tcase_add_test(tc, test_build_64_backends_matches_model);
	tcase_add_test(tc, test_build_all_inactive_marks_every_row);
	tcase_add_test(tc, test_build_single_backend_is_its_own_secondary);
	tcase_add_test(tc, test_score_helpers_agree_with_model);
	suite_add_tcase(s, tc);

	tc = tcase_create("threads");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_build_same_bytes_for_any_thread_count);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return glb_test_run(builder_suite());
}
