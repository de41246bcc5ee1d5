// SPDX-License-Identifier: BSD-3-Clause
/*
 * libFuzzer target for the two inputs an operator hands the table tools:
 *
 *   - a binary table file (SPEC §3): whatever glb_table_validate accepts
 *     must be safe to use in place, i.e. every row index is below
 *     num_backends or both columns are the no-backend marker;
 *   - a forwarding table JSON (SPEC §2), when the input starts with '{':
 *     whatever glb_fwd_config_parse accepts must build.
 *
 * Run: fuzz_table -max_len=1200000 tests/fuzz/corpus/table
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "fwd_config.h"
#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rows(const struct glb_fmt_table *t)
{
	uint32_t r;

	for (r = 0; r < GLB_FMT_TABLE_ENTRIES; r++) {
		const struct glb_fmt_row *row = &t->rows[r];

		if (row->primary == GLB_FMT_NO_BACKEND && row->secondary == GLB_FMT_NO_BACKEND)
			continue;
		if (row->primary >= t->num_backends || row->secondary >= t->num_backends)
			abort();
	}
}

static void fuzz_binary(const uint8_t *data, size_t size)
{
	const struct glb_fmt_header *hdr;
	struct glb_diag d;
	uint8_t *copy;
	uint32_t i;

	/* An exact-size copy, so that the sanitizers see any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return;
	memcpy(copy, data, size);
	glb_diag_init(&d);
	if (glb_table_validate(copy, size, &d) == 0) {
		if (d.count)
			abort();
		hdr = (const struct glb_fmt_header *)copy;
		if (size != glb_table_file_size(hdr->num_tables))
			abort();
		for (i = 0; i < hdr->num_tables; i++) {
			const struct glb_fmt_table *t =
				(const struct glb_fmt_table *)(copy + glb_table_file_size(i));

			if (t->num_backends > GLB_FMT_MAX_BACKENDS ||
			    t->num_binds > GLB_FMT_MAX_BINDS)
				abort();
			check_rows(t);
		}
	} else if (d.count == 0) {
		abort(); /* rejected without saying why */
	}
	glb_diag_free(&d);
	free(copy);
}

static void fuzz_json(const uint8_t *data, size_t size)
{
	struct glb_fmt_table *out;
	struct glb_diag d;
	struct glb_cfg cfg;
	uint32_t i;

	glb_diag_init(&d);
	if (glb_fwd_config_parse((const char *)data, size, &cfg, &d) != 0) {
		if (d.count == 0)
			abort();
		glb_diag_free(&d);
		return;
	}
	out = malloc(sizeof(*out));
	if (out) {
		for (i = 0; i < cfg.num_tables; i++) {
			if (glb_builder_build(&cfg.tables[i], out, 1) != 0)
				abort();
			if (out->num_backends != cfg.tables[i].num_backends)
				abort();
			check_rows(out);
		}
		free(out);
	}
	glb_fwd_config_free(&cfg);
	glb_diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == '{')
		fuzz_json(data, size);
	else
		fuzz_binary(data, size);
	return 0;
}
