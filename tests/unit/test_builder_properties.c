// SPDX-License-Identifier: BSD-3-Clause
/*
 * Properties of rendezvous hashing that operators rely on (SPEC §4, §8),
 * checked on random tables from a seeded PRNG: rows are balanced, a change
 * to one backend moves only the rows that involve it, and draining or
 * failing a backend turns it into the secondary of exactly its own rows.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "builder.h"
#include "fwd_config.h"
#include "testutil.h"

#define ROWS GLB_FMT_TABLE_ENTRIES

static const uint32_t sizes[] = { 2, 3, 5, 8, 16, 32 };
static const uint64_t seeds[] = { 1, 0xdeadbeef, 20180808 };

#define NUM_SIZES GLB_ARRAY_SIZE(sizes)
#define NUM_SEEDS GLB_ARRAY_SIZE(seeds)
#define NUM_CONFIGS ((int)(NUM_SIZES * NUM_SEEDS))

struct scenario {
	uint32_t n;
	uint64_t rng;
	struct glb_cfg_table *cfg; /* room for n + 1 backends */
	char name[64];
};

static bool addr_taken(const struct glb_cfg_table *t, uint32_t upto, const uint8_t addr[4])
{
	uint32_t i;

	for (i = 0; i < upto; i++)
		if (!memcmp(t->backends[i].addr, addr, 4))
			return true;
	return false;
}

static void random_backend(struct glb_cfg_table *t, uint64_t *rng)
{
	struct glb_cfg_backend *b = &t->backends[t->num_backends];

	do {
		uint64_t r = glb_test_rand(rng);

		b->addr[0] = 10;
		b->addr[1] = (uint8_t)r;
		b->addr[2] = (uint8_t)(r >> 8);
		b->addr[3] = (uint8_t)(1 + (r >> 16) % 254);
	} while (addr_taken(t, t->num_backends, b->addr));
	b->state = GLB_BACKEND_ACTIVE;
	b->healthy = true;
	t->num_backends++;
}

/* Configuration number idx: n active, healthy backends with random addresses and seed. */
static void scenario_init(struct scenario *s, int idx)
{
	uint32_t i;

	s->n = sizes[(size_t)idx % NUM_SIZES];
	s->rng = seeds[(size_t)idx / NUM_SIZES] * 0x9e3779b97f4a7c15ULL + s->n;
	snprintf(s->name, sizeof(s->name), "N=%u seed=%llu", s->n,
		 (unsigned long long)seeds[(size_t)idx / NUM_SIZES]);
	s->cfg = calloc(1, sizeof(*s->cfg));
	ck_assert_ptr_nonnull(s->cfg);
	snprintf(s->cfg->name, sizeof(s->cfg->name), "prop-%d", idx);
	for (i = 0; i < 16; i++) {
		s->cfg->seed[i] = (uint8_t)glb_test_rand(&s->rng);
		s->cfg->hash_key[i] = (uint8_t)glb_test_rand(&s->rng);
	}
	for (i = 0; i < s->n; i++)
		random_backend(s->cfg, &s->rng);
}

static void scenario_free(struct scenario *s)
{
	free(s->cfg);
}

static struct glb_fmt_table *build(const struct glb_cfg_table *t)
{
	struct glb_fmt_table *out = malloc(sizeof(*out));

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(glb_builder_build(t, out, 0), 0);
	return out;
}

/*
 * How far a count of rows may stray from its expectation: 10% of it plus
 * three binomial standard deviations, so that a correct builder fails with
 * negligible probability over all the seeds here and a biased one does not
 * pass.
 */
static double root(double x)
{
	double r = x > 1.0 ? x : 1.0;
	int i;

	/* Newton's method; the test binary does not link libm */
	for (i = 0; i < 64; i++)
		r = 0.5 * (r + x / r);
	return r;
}

static double tolerance(double p)
{
	return 0.10 * ROWS * p + 3.0 * root(ROWS * p * (1.0 - p));
}

static void check_near(const char *what, const char *name, uint32_t got, double p)
{
	double want = ROWS * p, diff = got > want ? got - want : want - got;

	ck_assert_msg(diff <= tolerance(p), "%s: %s: %u rows, expected %.0f +- %.0f", name, what,
		      got, want, tolerance(p));
}

START_TEST(test_no_row_has_primary_equal_secondary)
{
	struct scenario s;
	struct glb_fmt_table *out;
	uint32_t r;

	scenario_init(&s, _i);
	out = build(s.cfg);
	for (r = 0; r < ROWS; r++) {
		ck_assert_msg(out->rows[r].primary != out->rows[r].secondary,
			      "%s: row %u has primary == secondary == %u", s.name, r,
			      out->rows[r].primary);
		ck_assert_uint_lt(out->rows[r].primary, s.n);
		ck_assert_uint_lt(out->rows[r].secondary, s.n);
	}
	free(out);
	scenario_free(&s);
}
END_TEST

START_TEST(test_rows_are_balanced)
{
	uint32_t primary[GLB_FMT_MAX_BACKENDS] = { 0 }, secondary[GLB_FMT_MAX_BACKENDS] = { 0 };
	struct scenario s;
	struct glb_fmt_table *out;
	char what[64];
	uint32_t r, b;

	scenario_init(&s, _i);
	out = build(s.cfg);
	for (r = 0; r < ROWS; r++) {
		primary[out->rows[r].primary]++;
		secondary[out->rows[r].secondary]++;
	}
	for (b = 0; b < s.n; b++) {
		snprintf(what, sizeof(what), "backend %u as primary", b);
		check_near(what, s.name, primary[b], 1.0 / s.n);
		snprintf(what, sizeof(what), "backend %u as secondary", b);
		check_near(what, s.name, secondary[b], 1.0 / s.n);
	}
	free(out);
	scenario_free(&s);
}
END_TEST

START_TEST(test_adding_backend_moves_rows_only_to_it)
{
	struct scenario s;
	struct glb_fmt_table *before, *after;
	uint32_t r, moved = 0, added;

	scenario_init(&s, _i);
	before = build(s.cfg);
	added = s.cfg->num_backends;
	random_backend(s.cfg, &s.rng);
	after = build(s.cfg);
	for (r = 0; r < ROWS; r++) {
		const struct glb_fmt_row *o = &before->rows[r], *a = &after->rows[r];

		if (a->primary != o->primary) {
			moved++;
			ck_assert_msg(a->primary == added,
				      "%s: row %u moved from %u to %u, not to the added backend",
				      s.name, r, o->primary, a->primary);
			ck_assert_msg(a->secondary == o->primary,
				      "%s: row %u: old primary %u is not the new secondary (%u)",
				      s.name, r, o->primary, a->secondary);
		} else {
			ck_assert_msg(a->secondary == o->secondary || a->secondary == added,
				      "%s: row %u: secondary %u -> %u", s.name, r, o->secondary,
				      a->secondary);
		}
	}
	check_near("rows moved to the added backend", s.name, moved, 1.0 / (s.n + 1));
	free(before);
	free(after);
	scenario_free(&s);
}
END_TEST

START_TEST(test_removing_backend_moves_only_its_rows)
{
	struct scenario s;
	struct glb_fmt_table *before, *after;
	uint32_t r, gone;

	scenario_init(&s, _i);
	before = build(s.cfg);
	gone = (uint32_t)(glb_test_rand(&s.rng) % s.n);
	s.cfg->backends[gone].state = GLB_BACKEND_INACTIVE;
	after = build(s.cfg);
	ck_assert_uint_eq(after->num_backends, s.n);
	for (r = 0; r < ROWS; r++) {
		const struct glb_fmt_row *o = &before->rows[r], *a = &after->rows[r];

		ck_assert_msg(a->primary != gone && a->secondary != gone,
			      "%s: row %u still uses removed backend %u", s.name, r, gone);
		if (o->primary == gone)
			ck_assert_msg(a->primary == o->secondary,
				      "%s: row %u: primary %u removed, new primary %u is not the "
				      "old secondary %u",
				      s.name, r, gone, a->primary, o->secondary);
		else if (o->secondary == gone)
			ck_assert_msg(
				a->primary == o->primary,
				"%s: row %u: primary changed %u -> %u when secondary %u was removed",
				s.name, r, o->primary, a->primary, gone);
		else
			ck_assert_msg(a->primary == o->primary && a->secondary == o->secondary,
				      "%s: row %u changed (%u,%u) -> (%u,%u) without involving %u",
				      s.name, r, o->primary, o->secondary, a->primary, a->secondary,
				      gone);
	}
	free(before);
	free(after);
	scenario_free(&s);
}
END_TEST

/* Draining B: B's rows become (old secondary, B); nothing else changes. */
static void check_demoted(const struct scenario *s, const struct glb_fmt_table *before,
			  const struct glb_fmt_table *after, uint32_t b, const char *how)
{
	uint32_t r;

	for (r = 0; r < ROWS; r++) {
		const struct glb_fmt_row *o = &before->rows[r], *a = &after->rows[r];

		if (o->primary == b)
			ck_assert_msg(a->primary == o->secondary && a->secondary == b,
				      "%s: %s %u: row %u (%u,%u) became (%u,%u), want (%u,%u)",
				      s->name, how, b, r, o->primary, o->secondary, a->primary,
				      a->secondary, o->secondary, b);
		else
			ck_assert_msg(a->primary == o->primary && a->secondary == o->secondary,
				      "%s: %s %u: row %u changed (%u,%u) -> (%u,%u)", s->name, how,
				      b, r, o->primary, o->secondary, a->primary, a->secondary);
	}
}

START_TEST(test_draining_backend_becomes_secondary_of_its_rows)
{
	struct scenario s;
	struct glb_fmt_table *before, *after;
	uint32_t b;

	scenario_init(&s, _i);
	before = build(s.cfg);
	b = (uint32_t)(glb_test_rand(&s.rng) % s.n);
	s.cfg->backends[b].state = GLB_BACKEND_DRAINING;
	after = build(s.cfg);
	check_demoted(&s, before, after, b, "draining");
	free(before);
	free(after);
	scenario_free(&s);
}
END_TEST

START_TEST(test_unhealthy_backend_rows_equal_draining_rows)
{
	struct scenario s;
	struct glb_fmt_table *before, *drained, *down;
	uint32_t b;

	scenario_init(&s, _i);
	before = build(s.cfg);
	b = (uint32_t)(glb_test_rand(&s.rng) % s.n);
	s.cfg->backends[b].state = GLB_BACKEND_DRAINING;
	drained = build(s.cfg);
	s.cfg->backends[b].state = GLB_BACKEND_ACTIVE;
	s.cfg->backends[b].healthy = false;
	down = build(s.cfg);
	check_demoted(&s, before, down, b, "unhealthy");
	ck_assert_msg(memcmp(drained->rows, down->rows, sizeof(down->rows)) == 0,
		      "%s: unhealthy %u gives other rows than draining it", s.name, b);
	ck_assert_uint_eq(down->backends[b].health, 0);
	ck_assert_uint_eq(down->backends[b].state, 1);
	free(before);
	free(drained);
	free(down);
	scenario_free(&s);
}
END_TEST

/* Filling is a normal member of the rendezvous order: no row changes. */
START_TEST(test_filling_backend_changes_no_row)
{
	struct scenario s;
	struct glb_fmt_table *before, *after;
	uint32_t b;

	scenario_init(&s, _i);
	before = build(s.cfg);
	b = (uint32_t)(glb_test_rand(&s.rng) % s.n);
	s.cfg->backends[b].state = GLB_BACKEND_FILLING;
	after = build(s.cfg);
	ck_assert_msg(memcmp(before->rows, after->rows, sizeof(after->rows)) == 0,
		      "%s: filling backend %u changed rows", s.name, b);
	ck_assert_uint_eq(after->backends[b].state, 0);
	free(before);
	free(after);
	scenario_free(&s);
}
END_TEST

static Suite *properties_suite(void)
{
	Suite *s = suite_create("builder_properties");
	TCase *tc = tcase_create("rendezvous");

	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, test_no_row_has_primary_equal_secondary, 0, NUM_CONFIGS);
	tcase_add_loop_test(tc, test_rows_are_balanced, 0, NUM_CONFIGS);
	tcase_add_loop_test(tc, test_adding_backend_moves_rows_only_to_it, 0, NUM_CONFIGS);
	tcase_add_loop_test(tc, test_removing_backend_moves_only_its_rows, 0, NUM_CONFIGS);
	tcase_add_loop_test(tc, test_draining_backend_becomes_secondary_of_its_rows, 0,
			    NUM_CONFIGS);
	tcase_add_loop_test(tc, test_unhealthy_backend_rows_equal_draining_rows, 0, NUM_CONFIGS);
	tcase_add_loop_test(tc, test_filling_backend_changes_no_row, 0, NUM_CONFIGS);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(properties_suite());
}
