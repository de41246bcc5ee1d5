// SPDX-License-Identifier: BSD-3-Clause
/*
 * The binary table file (SPEC §3): what a loader accepts, what it rejects,
 * and that the writer replaces a file atomically.
 *
 * Every image here is built by hand from the layout in table_format.h, never
 * with the code under test, so a wrong writer and a matching wrong reader
 * cannot agree with each other and pass.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array_size.h"
#include "table.h"
#include "testutil.h"

#define HDR_SIZE sizeof(struct glb_fmt_header)
#define TABLE_SIZE sizeof(struct glb_fmt_table)
/* The test images hold up to this many tables; mutations may add one byte. */
#define IMAGE_TABLES 2
#define IMAGE_SLACK 16

/* ---- hand-built images ---- */

static struct glb_fmt_header *img_hdr(uint8_t *buf)
{
	return (struct glb_fmt_header *)buf;
}

static struct glb_fmt_table *img_table(uint8_t *buf, uint32_t i)
{
	return (struct glb_fmt_table *)(buf + HDR_SIZE + (size_t)i * TABLE_SIZE);
}

static size_t image_size(uint32_t n)
{
	return HDR_SIZE + (size_t)n * TABLE_SIZE;
}

/* Table t has 3 + t backends and two binds (one IPv4 host, one IPv6 prefix). */
static void fill_table(struct glb_fmt_table *t, uint32_t idx, uint32_t variant)
{
	uint32_t nb = 3 + idx, r, i;

	memset(t, 0, sizeof(*t));
	t->num_backends = nb;
	for (i = 0; i < nb; i++) {
		struct glb_fmt_backend *b = &t->backends[i];

		b->family = GLB_FAMILY_IPV4;
		b->addr[0] = 10;
		b->addr[1] = (uint8_t)idx;
		b->addr[2] = (uint8_t)variant;
		b->addr[3] = (uint8_t)(i + 1);
		b->state = (uint16_t)(i % 3); /* filling, active, draining */
		b->health = (uint16_t)(i != 1);
	}

	t->num_binds = 2;
	t->binds[0].family = GLB_FAMILY_IPV4;
	t->binds[0].addr[0] = 192;
	t->binds[0].addr[1] = 0;
	t->binds[0].addr[2] = 2;
	t->binds[0].addr[3] = (uint8_t)(80 + idx);
	t->binds[0].prefix_bits = 32;
	t->binds[0].port_start = 80;
	t->binds[0].port_end = 80;
	t->binds[0].proto = IPPROTO_TCP;
	t->binds[1].family = GLB_FAMILY_IPV6;
	inet_pton(AF_INET6, "2001:db8:80::", t->binds[1].addr);
	t->binds[1].prefix_bits = 48;
	t->binds[1].port_start = 8000;
	t->binds[1].port_end = 8080;
	t->binds[1].proto = IPPROTO_UDP;

	for (i = 0; i < 16; i++)
		t->hash_key[i] = (uint8_t)(i * 17 + idx + variant);

	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		t->rows[r].primary = (r + variant) % nb;
		t->rows[r].secondary = (r + variant + 1) % nb;
	}
}

/* A valid file of n tables; variant changes backend addresses, keys and rows. */
static uint8_t *image_new(uint32_t n, uint32_t variant, size_t *len)
{
	uint8_t *buf = calloc(1, image_size(IMAGE_TABLES) + IMAGE_SLACK);
	struct glb_fmt_header *h;
	uint32_t i;

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_le(n, IMAGE_TABLES);
	h = img_hdr(buf);
	memcpy(h->magic, "GLBD", 4);
	h->version = 2;
	h->num_tables = n;
	h->table_entries = 65536;
	h->max_num_backends = 256;
	h->max_num_binds = 256;
	for (i = 0; i < n; i++)
		fill_table(img_table(buf, i), i, variant);
	*len = image_size(n);
	return buf;
}

/* Validate exactly buf[0..len) from its own allocation, so an over-read is a real one. */
static int validate_copy(const uint8_t *buf, size_t len, struct glb_diag *d)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	ret = glb_table_validate(copy, len, d);
	free(copy);
	return ret;
}

/* ---- temp files ---- */

static char *path_join(const char *dir, const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Names in dir other than . and .., sorted, joined by '\n' (caller frees). */
static char *list_dir(const char *dir)
{
	struct dirent **ents;
	char *out = strdup("");
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	ck_assert_msg(n >= 0, "scandir %s: %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		char *next;

		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			ck_assert_int_ge(asprintf(&next, "%s%s\n", out, ents[i]->d_name), 0);
			free(out);
			out = next;
		}
		free(ents[i]);
	}
	free(ents);
	return out;
}

static void remove_tree(const char *dir)
{
	struct dirent **ents;
	int n, i;

	n = scandir(dir, &ents, NULL, NULL);
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			char *p = path_join(dir, ents[i]->d_name);

			unlink(p);
			free(p);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	rmdir(dir);
}

/* ---- corruptions, one per way a file can lie ---- */

typedef void (*mutate_fn)(uint8_t *buf, size_t *len);

static void mut_none(uint8_t *buf, size_t *len)
{
	(void)buf;
	(void)len;
}

static void mut_magic(uint8_t *buf, size_t *len)
{
	(void)len;
	memcpy(img_hdr(buf)->magic, "GLBX", 4);
}

static void mut_magic_lower(uint8_t *buf, size_t *len)
{
	(void)len;
	memcpy(img_hdr(buf)->magic, "glbd", 4);
}

static void mut_version_1(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->version = 1;
}

static void mut_version_3(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->version = 3;
}

static void mut_table_entries(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->table_entries = 65535;
}

static void mut_table_entries_big(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->table_entries = 131072;
}

static void mut_max_backends(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->max_num_backends = 255;
}

static void mut_max_backends_big(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->max_num_backends = 512;
}

static void mut_max_binds(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->max_num_binds = 128;
}

static void mut_short_1(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len -= 1;
}

static void mut_long_1(uint8_t *buf, size_t *len)
{
	buf[*len] = 0;
	*len += 1;
}

static void mut_header_only(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len = HDR_SIZE;
}

static void mut_header_short(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len = HDR_SIZE - 1;
}

static void mut_empty(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len = 0;
}

static void mut_num_tables_fewer(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->num_tables = 1;
}

static void mut_num_tables_more(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->num_tables = 3;
}

static void mut_num_tables_huge(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->num_tables = UINT32_MAX;
}

/* 8 * 537624 * 2^29 wraps a 32-bit size: a loader multiplying in u32 accepts it. */
static void mut_num_tables_wrap(uint8_t *buf, size_t *len)
{
	(void)len;
	img_hdr(buf)->num_tables = 0x80000002u;
}

static void mut_num_backends_257(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->num_backends = 257;
}

static void mut_num_backends_max(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->num_backends = UINT32_MAX;
}

static void mut_num_binds_257(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->num_binds = 257;
}

static void mut_num_binds_max(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->num_binds = UINT32_MAX;
}

static void mut_primary_eq_num(uint8_t *buf, size_t *len)
{
	struct glb_fmt_table *t = img_table(buf, 1);

	(void)len;
	t->rows[GLB_FMT_TABLE_ENTRIES - 1].primary = t->num_backends;
}

static void mut_secondary_eq_num(uint8_t *buf, size_t *len)
{
	struct glb_fmt_table *t = img_table(buf, 0);

	(void)len;
	t->rows[0].secondary = t->num_backends;
}

static void mut_primary_huge(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->rows[12345].primary = 0xFFFFFFFEu;
}

static void mut_num_backends_lowered(uint8_t *buf, size_t *len)
{
	(void)len;
	/* rows use indices 0..3 of table 1's four backends */
	img_table(buf, 1)->num_backends = 3;
}

static void mut_row_no_backend(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->rows[777].primary = GLB_FMT_NO_BACKEND;
	img_table(buf, 1)->rows[777].secondary = GLB_FMT_NO_BACKEND;
}

static void mut_row_half_no_backend_primary(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->rows[778].primary = GLB_FMT_NO_BACKEND;
}

static void mut_row_half_no_backend_secondary(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->rows[65535].secondary = GLB_FMT_NO_BACKEND;
}

/* What the builder writes when every backend is inactive. */
static void mut_all_no_backend(uint8_t *buf, size_t *len)
{
	struct glb_fmt_table *t = img_table(buf, 0);
	uint32_t r;

	(void)len;
	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		t->rows[r].primary = GLB_FMT_NO_BACKEND;
		t->rows[r].secondary = GLB_FMT_NO_BACKEND;
	}
}

/* A table with an empty backend list: no usable backend either. */
static void mut_zero_backends(uint8_t *buf, size_t *len)
{
	struct glb_fmt_table *t = img_table(buf, 1);
	uint32_t r;

	(void)len;
	t->num_backends = 0;
	memset(t->backends, 0, sizeof(t->backends));
	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		t->rows[r].primary = GLB_FMT_NO_BACKEND;
		t->rows[r].secondary = GLB_FMT_NO_BACKEND;
	}
}

static void mut_zero_backends_with_rows(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->num_backends = 0;
}

static void mut_bind_family(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->binds[0].family = 3;
}

static void mut_bind_v4_prefix_33(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->binds[0].prefix_bits = 33;
}

static void mut_bind_v6_prefix_129(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->binds[1].prefix_bits = 129;
}

static void mut_bind_proto(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->binds[0].proto = 1; /* ICMP: a bind is TCP or UDP */
}

static void mut_backend_family_9(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->backends[0].family = 9;
}

static void mut_backend_family_ipv6(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->backends[0].family = GLB_FAMILY_IPV6; /* GUE hops are IPv4 */
}

static void mut_backend_state_3(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 0)->backends[1].state = 3;
}

static void mut_backend_health_2(uint8_t *buf, size_t *len)
{
	(void)len;
	img_table(buf, 1)->backends[0].health = 2;
}

struct table_case {
	const char *name;
	mutate_fn mutate;
	bool ok;
};

static const struct table_case table_cases[] = {
	{ "unchanged", mut_none, true },
	{ "wrong magic", mut_magic, false },
	{ "lower-case magic", mut_magic_lower, false },
	{ "version 1", mut_version_1, false },
	{ "version 3", mut_version_3, false },
	{ "table_entries 65535", mut_table_entries, false },
	{ "table_entries 131072", mut_table_entries_big, false },
	{ "max_num_backends 255", mut_max_backends, false },
	{ "max_num_backends 512", mut_max_backends_big, false },
	{ "max_num_binds 128", mut_max_binds, false },
	{ "short by 1 byte", mut_short_1, false },
	{ "long by 1 byte", mut_long_1, false },
	{ "header only", mut_header_only, false },
	{ "header short by 1 byte", mut_header_short, false },
	{ "empty file", mut_empty, false },
	{ "num_tables 1 in a 2-table file", mut_num_tables_fewer, false },
	{ "num_tables 3 in a 2-table file", mut_num_tables_more, false },
	{ "num_tables 0xffffffff", mut_num_tables_huge, false },
	{ "num_tables wrapping 32 bits", mut_num_tables_wrap, false },
	{ "num_backends 257", mut_num_backends_257, false },
	{ "num_backends 0xffffffff", mut_num_backends_max, false },
	{ "num_binds 257", mut_num_binds_257, false },
	{ "num_binds 0xffffffff", mut_num_binds_max, false },
	{ "primary == num_backends", mut_primary_eq_num, false },
	{ "secondary == num_backends", mut_secondary_eq_num, false },
	{ "primary 0xfffffffe", mut_primary_huge, false },
	{ "num_backends below the rows' indices", mut_num_backends_lowered, false },
	{ "no-backend row", mut_row_no_backend, true },
	{ "no-backend marker in primary only", mut_row_half_no_backend_primary, false },
	{ "no-backend marker in secondary only", mut_row_half_no_backend_secondary, false },
	{ "every row no-backend", mut_all_no_backend, true },
	{ "zero backends, every row no-backend", mut_zero_backends, true },
	{ "zero backends, rows pointing at backends", mut_zero_backends_with_rows, false },
	{ "bind family 3", mut_bind_family, false },
	{ "IPv4 bind prefix 33", mut_bind_v4_prefix_33, false },
	{ "IPv6 bind prefix 129", mut_bind_v6_prefix_129, false },
	{ "bind protocol 1 (ICMP)", mut_bind_proto, false },
	{ "backend family 9", mut_backend_family_9, false },
	{ "IPv6 backend (GUE hops are IPv4)", mut_backend_family_ipv6, false },
	{ "backend state 3", mut_backend_state_3, false },
	{ "backend health 2", mut_backend_health_2, false },
};

#define NUM_TABLE_CASES GLB_ARRAY_SIZE(table_cases)

static void check_verdict(const struct table_case *c, const char *what, int ret, struct glb_diag *d)
{
	if (c->ok) {
		ck_assert_msg(ret == 0, "%s: %s: expected success, got %d (%s)", c->name, what, ret,
			      glb_diag_first(d));
		ck_assert_msg(d->count == 0, "%s: %s: success with %zu problems (%s)", c->name,
			      what, d->count, glb_diag_first(d));
	} else {
		ck_assert_msg(ret < 0, "%s: %s: expected rejection, got %d", c->name, what, ret);
		ck_assert_msg(d->count >= 1, "%s: %s: rejected without a diagnostic", c->name,
			      what);
		ck_assert_msg(glb_diag_first(d)[0] != '\0', "%s: %s: empty diagnostic", c->name,
			      what);
	}
}

/* ---- validate ---- */

START_TEST(test_validate_accepts_one_table)
{
	struct glb_diag d;
	size_t len;
	uint8_t *buf = image_new(1, 0, &len);

	ck_assert_uint_eq(len, 24 + 537624);
	glb_diag_init(&d);
	ck_assert_int_eq(validate_copy(buf, len, &d), 0);
	ck_assert_uint_eq(d.count, 0);
	glb_diag_free(&d);
	free(buf);
}
END_TEST

/* _i indexes table_cases[] (a Check loop test). */
START_TEST(test_validate_accepts_or_rejects_each_case)
{
	const struct table_case *c = &table_cases[_i];
	struct glb_diag d;
	size_t len;
	uint8_t *buf = image_new(2, 0, &len);
	int ret;

	c->mutate(buf, &len);
	glb_diag_init(&d);
	ret = validate_copy(buf, len, &d);
	check_verdict(c, "validate", ret, &d);
	glb_diag_free(&d);
	free(buf);
}
END_TEST

/* The same images through a real file: load must agree with validate. */
START_TEST(test_load_agrees_with_validate)
{
	const struct table_case *c = &table_cases[_i];
	struct glb_table_file *tf = NULL;
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *path;
	size_t len;
	uint8_t *buf = image_new(2, 0, &len);
	int ret;

	ck_assert_ptr_nonnull(dir);
	path = path_join(dir, "table.bin");
	c->mutate(buf, &len);
	write_file(path, buf, len);
	glb_diag_init(&d);
	ret = glb_table_load(path, &tf, &d);
	check_verdict(c, "load", ret, &d);
	if (ret == 0) {
		ck_assert_ptr_nonnull(tf);
		ck_assert_uint_eq(tf->size, len);
		ck_assert_int_eq(memcmp(tf->hdr, buf, len), 0);
		glb_table_free(tf);
	} else {
		ck_assert_msg(strstr(glb_diag_first(&d), path) != NULL,
			      "%s: load message does not name the file: %s", c->name,
			      glb_diag_first(&d));
	}
	glb_diag_free(&d);
	free(buf);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

static void check_truncated(const uint8_t *buf, size_t full, size_t len)
{
	struct glb_diag d;
	int ret;

	if (len >= full)
		return;
	glb_diag_init(&d);
	ret = validate_copy(buf, len, &d);
	ck_assert_msg(ret < 0, "a file truncated to %zu of %zu bytes was accepted", len, full);
	ck_assert_msg(d.count >= 1 && glb_diag_first(&d)[0] != '\0',
		      "truncated to %zu: no diagnostic", len);
	glb_diag_free(&d);
}

START_TEST(test_validate_rejects_truncation_anywhere)
{
	static const size_t fields[] = {
		0,
		4,
		offsetof(struct glb_fmt_table, backends[1]),
		offsetof(struct glb_fmt_table, num_binds),
		offsetof(struct glb_fmt_table, binds),
		offsetof(struct glb_fmt_table, hash_key),
		offsetof(struct glb_fmt_table, rows),
		offsetof(struct glb_fmt_table, rows[1]),
		offsetof(struct glb_fmt_table, rows[32768]),
		sizeof(struct glb_fmt_table),
	};
	size_t len, off, i;
	uint32_t t;
	uint8_t *buf = image_new(2, 0, &len);

	for (off = 0; off < len; off += 4097)
		check_truncated(buf, len, off);
	/* the header's own fields */
	for (off = 0; off <= HDR_SIZE; off++)
		check_truncated(buf, len, off);
	for (t = 0; t < 2; t++) {
		for (i = 0; i < GLB_ARRAY_SIZE(fields); i++) {
			size_t at = HDR_SIZE + t * TABLE_SIZE + fields[i];

			check_truncated(buf, len, at - 1);
			check_truncated(buf, len, at);
			check_truncated(buf, len, at + 1);
		}
	}
	free(buf);
}
END_TEST

/* ---- load ---- */

START_TEST(test_load_reads_two_tables_in_place)
{
	struct glb_table_file *tf = NULL;
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *path = path_join(dir, "fwd.bin");
	char want_hex[65], got_hex[65];
	size_t len, i;
	uint8_t *buf = image_new(2, 5, &len);

	write_file(path, buf, len);
	glb_diag_init(&d);
	ck_assert_msg(glb_table_load(path, &tf, &d) == 0, "load: %s", glb_diag_first(&d));
	ck_assert_uint_eq(d.count, 0);
	ck_assert_ptr_nonnull(tf);
	ck_assert_uint_eq(tf->num_tables, 2);
	ck_assert_uint_eq(tf->size, len);
	ck_assert_int_eq(memcmp(tf->hdr->magic, "GLBD", 4), 0);
	ck_assert_uint_eq(tf->hdr->version, 2);
	ck_assert_uint_eq(tf->hdr->num_tables, 2);
	ck_assert_uint_eq(tf->tables[0].num_backends, 3);
	ck_assert_uint_eq(tf->tables[1].num_backends, 4);
	ck_assert_uint_eq(tf->tables[1].num_binds, 2);
	ck_assert_uint_eq(tf->tables[1].backends[3].addr[3], 4);
	ck_assert_uint_eq(tf->tables[1].binds[1].port_end, 8080);
	ck_assert_int_eq(memcmp(tf->tables[1].hash_key, img_table(buf, 1)->hash_key, 16), 0);
	ck_assert_uint_eq(tf->tables[1].rows[65535].primary, (65535 + 5) % 4);
	ck_assert_uint_eq(tf->tables[1].rows[65535].secondary, (65535 + 6) % 4);
	ck_assert_int_eq(memcmp(tf->tables, buf + HDR_SIZE, 2 * TABLE_SIZE), 0);

	glb_test_sha256sum(path, want_hex);
	for (i = 0; i < 32; i++)
		snprintf(got_hex + 2 * i, 3, "%02x", tf->sha256[i]);
	ck_assert_str_eq(got_hex, want_hex);

	glb_table_free(tf);
	glb_diag_free(&d);
	free(buf);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_load_missing_file_names_path)
{
	struct glb_table_file *tf = NULL;
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *path = path_join(dir, "does-not-exist.bin");
	int ret;

	glb_diag_init(&d);
	ret = glb_table_load(path, &tf, &d);
	ck_assert_int_eq(ret, -ENOENT);
	ck_assert_uint_ge(d.count, 1);
	ck_assert_msg(strstr(glb_diag_first(&d), path) != NULL, "message does not name %s: %s",
		      path, glb_diag_first(&d));
	glb_diag_free(&d);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_load_rejects_directory)
{
	struct glb_table_file *tf = NULL;
	struct glb_diag d;
	char *dir = glb_test_tempdir();

	glb_diag_init(&d);
	ck_assert_int_lt(glb_table_load(dir, &tf, &d), 0);
	ck_assert_uint_ge(d.count, 1);
	ck_assert_ptr_nonnull(strstr(glb_diag_first(&d), dir));
	glb_diag_free(&d);
	remove_tree(dir);
	free(dir);
}
END_TEST

/* ---- write ---- */

START_TEST(test_write_then_load_round_trips_bytes)
{
	struct glb_table_file *tf = NULL;
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *path = path_join(dir, "out.bin");
	uint8_t *got;
	size_t len, got_len = 0;
	uint32_t n;

	for (n = 1; n <= 2; n++) {
		uint8_t *buf = image_new(n, n, &len);

		glb_diag_init(&d);
		ck_assert_msg(glb_table_write(path, img_table(buf, 0), n, &d) == 0, "write: %s",
			      glb_diag_first(&d));
		got = glb_test_read_file(path, &got_len);
		ck_assert_ptr_nonnull(got);
		ck_assert_uint_eq(got_len, len);
		ck_assert_msg(memcmp(got, buf, len) == 0, "%u tables: written bytes differ", n);

		ck_assert_msg(glb_table_load(path, &tf, &d) == 0, "load: %s", glb_diag_first(&d));
		ck_assert_uint_eq(tf->num_tables, n);
		ck_assert_uint_eq(tf->size, len);
		ck_assert_int_eq(memcmp(tf->hdr, buf, len), 0);
		glb_table_free(tf);
		glb_diag_free(&d);
		free(got);
		free(buf);
	}
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

/* The binary states by name, from fwd_config's one list: "inactive" is stored as draining. */
START_TEST(test_state_names_come_from_the_one_list)
{
	ck_assert_str_eq(glb_table_state_name(GLB_FMT_STATE_FILLING), "filling");
	ck_assert_str_eq(glb_table_state_name(GLB_FMT_STATE_ACTIVE), "active");
	ck_assert_str_eq(glb_table_state_name(GLB_FMT_STATE_DRAINING), "draining");
	ck_assert_str_eq(glb_table_state_name(3), "unknown");
	ck_assert_str_eq(glb_table_state_name(UINT16_MAX), "unknown");
}
END_TEST

START_TEST(test_header_init_matches_format)
{
	struct glb_fmt_header h;
	size_t len;
	uint8_t *buf = image_new(2, 0, &len);

	memset(&h, 0xa5, sizeof(h));
	glb_table_header_init(&h, 2);
	ck_assert_int_eq(memcmp(&h, buf, sizeof(h)), 0);
	free(buf);
}
END_TEST

/*
 * Replacing a file must not touch the old inode: a reader that opened the
 * old file keeps reading the old bytes, and the name points at a new inode.
 */
START_TEST(test_write_replaces_by_rename)
{
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *path = path_join(dir, "forwarding_table.bin");
	struct stat before, after;
	size_t len_a, len_b, got_len;
	uint8_t *a = image_new(2, 1, &len_a);
	uint8_t *b = image_new(1, 2, &len_b);
	uint8_t *got;
	char *names;
	int fd;

	write_file(path, a, len_a);
	ck_assert_int_eq(stat(path, &before), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);

	glb_diag_init(&d);
	ck_assert_msg(glb_table_write(path, img_table(b, 0), 1, &d) == 0, "write: %s",
		      glb_diag_first(&d));
	glb_diag_free(&d);

	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_msg(before.st_ino != after.st_ino, "the old file was rewritten in place");
	got = malloc(len_a);
	ck_assert_int_eq(pread(fd, got, len_a, 0), (ssize_t)len_a);
	ck_assert_msg(memcmp(got, a, len_a) == 0, "an open reader saw the old file change");
	free(got);
	close(fd);

	got = glb_test_read_file(path, &got_len);
	ck_assert_uint_eq(got_len, len_b);
	ck_assert_int_eq(memcmp(got, b, len_b), 0);
	free(got);

	names = list_dir(dir);
	ck_assert_str_eq(names, "forwarding_table.bin\n");
	free(names);

	free(a);
	free(b);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

struct reader_ctx {
	const char *path;
	const uint8_t *a, *b;
	size_t len_a, len_b;
	atomic_bool stop;
	unsigned reads, torn;
	char torn_desc[128];
};

static void *reader_main(void *arg)
{
	struct reader_ctx *c = arg;
	size_t cap = c->len_a > c->len_b ? c->len_a : c->len_b;
	uint8_t *buf = malloc(cap + 1);

	while (!atomic_load(&c->stop)) {
		size_t got = 0;
		ssize_t n;
		int fd = open(c->path, O_RDONLY);

		if (fd < 0) {
			/* the name must exist at every instant */
			c->torn++;
			snprintf(c->torn_desc, sizeof(c->torn_desc), "open: %s", strerror(errno));
			continue;
		}
		while (got <= cap && (n = read(fd, buf + got, cap + 1 - got)) > 0)
			got += (size_t)n;
		close(fd);
		c->reads++;
		if (!(got == c->len_a && !memcmp(buf, c->a, got)) &&
		    !(got == c->len_b && !memcmp(buf, c->b, got))) {
			c->torn++;
			snprintf(c->torn_desc, sizeof(c->torn_desc),
				 "read %zu bytes matching neither", got);
		}
	}
	free(buf);
	return NULL;
}

START_TEST(test_write_never_shows_partial_file)
{
	struct reader_ctx c = { 0 };
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *path = path_join(dir, "forwarding_table.bin");
	uint8_t *a = image_new(2, 3, &c.len_a);
	uint8_t *b = image_new(1, 4, &c.len_b);
	pthread_t th;
	char *names;
	int i;

	write_file(path, a, c.len_a);
	c.path = path;
	c.a = a;
	c.b = b;
	atomic_init(&c.stop, false);
	ck_assert_int_eq(pthread_create(&th, NULL, reader_main, &c), 0);

	glb_diag_init(&d);
	for (i = 0; i < 12; i++) {
		int ret = (i % 2) ? glb_table_write(path, img_table(a, 0), 2, &d) :
				    glb_table_write(path, img_table(b, 0), 1, &d);

		ck_assert_msg(ret == 0, "write %d: %s", i, glb_diag_first(&d));
	}
	glb_diag_free(&d);
	/* let the reader see the final file at least once */
	usleep(20000);
	atomic_store(&c.stop, true);
	pthread_join(th, NULL);

	ck_assert_uint_gt(c.reads, 0);
	ck_assert_msg(c.torn == 0, "%u of %u reads saw a partial file (%s)", c.torn, c.reads,
		      c.torn_desc);

	names = list_dir(dir);
	ck_assert_msg(strcmp(names, "forwarding_table.bin\n") == 0,
		      "files left in the directory:\n%s", names);
	free(names);

	free(a);
	free(b);
	remove_tree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_write_into_missing_directory_fails_cleanly)
{
	struct glb_diag d;
	char *dir = glb_test_tempdir();
	char *missing = path_join(dir, "no-such-dir");
	char *path = path_join(missing, "out.bin");
	struct stat st;
	size_t len;
	uint8_t *buf = image_new(1, 0, &len);
	char *names;
	int ret;

	glb_diag_init(&d);
	ret = glb_table_write(path, img_table(buf, 0), 1, &d);
	ck_assert_int_eq(ret, -ENOENT);
	ck_assert_int_eq(stat(missing, &st), -1);
	names = list_dir(dir);
	ck_assert_str_eq(names, "");
	free(names);
	glb_diag_free(&d);

	free(buf);
	remove_tree(dir);
	free(path);
	free(missing);
	free(dir);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc;

	tc = tcase_create("validate");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_validate_accepts_one_table);
	tcase_add_loop_test(tc, test_validate_accepts_or_rejects_each_case, 0, NUM_TABLE_CASES);
	tcase_add_test(tc, test_validate_rejects_truncation_anywhere);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_load_agrees_with_validate, 0, NUM_TABLE_CASES);
	tcase_add_test(tc, test_load_reads_two_tables_in_place);
	tcase_add_test(tc, test_load_missing_file_names_path);
	tcase_add_test(tc, test_load_rejects_directory);
	suite_add_tcase(s, tc);

	tc = tcase_create("write");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_header_init_matches_format);
	tcase_add_test(tc, test_state_names_come_from_the_one_list);
	tcase_add_test(tc, test_write_then_load_round_trips_bytes);
	tcase_add_test(tc, test_write_replaces_by_rename);
	tcase_add_test(tc, test_write_never_shows_partial_file);
	tcase_add_test(tc, test_write_into_missing_directory_fails_cleanly);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return glb_test_run(table_suite());
}
