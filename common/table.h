/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading, validating and writing binary forwarding table files (SPEC §3).
 */
#ifndef GLB_TABLE_H
#define GLB_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "table_format.h"

/* A loaded, validated table file: the exact file bytes, used in place. */
struct glb_table_file {
	const struct glb_fmt_header *hdr;
	const struct glb_fmt_table *tables; /* hdr->num_tables of them */
	uint32_t num_tables;
	size_t size;
	uint8_t sha256[32]; /* of the whole file, for "which table is loaded" */
	void *mem;
};

/* Bytes in a file of n tables. */
static inline size_t glb_table_file_size(uint32_t n)
{
	return sizeof(struct glb_fmt_header) + (size_t)n * sizeof(struct glb_fmt_table);
}

/*
 * Check buf[0..len) against everything SPEC §3 lists: magic, version, the
 * three sizes, the length, every count against its maximum, every row index
 * against num_backends (or the no-backend marker in both columns), family
 * and prefix of every bind.  Returns 0 or -EINVAL with the reason in d.
 */
int glb_table_validate(const void *buf, size_t len, struct glb_diag *d);

/*
 * Read and validate a file.  On success *out owns a copy of the bytes; on
 * failure nothing is allocated and the reason (naming the file) is in d.
 * Returns 0 or a negative errno.
 */
int glb_table_load(const char *path, struct glb_table_file **out, struct glb_diag *d);
void glb_table_free(struct glb_table_file *tf);

/*
 * Write header + tables to path atomically (temp file in the same
 * directory, fsync, rename, fsync the directory).  Returns 0 or -errno.
 */
int glb_table_write(const char *path, const struct glb_fmt_table *tables, uint32_t num_tables,
		    struct glb_diag *d);

/* Fill a header for n tables. */
void glb_table_header_init(struct glb_fmt_header *hdr, uint32_t num_tables);

/*
 * A backend's state as the binary format stores it, by name ("inactive" is
 * stored as draining, SPEC §3), or "unknown": the one list of state names
 * is fwd_config's.
 */
const char *glb_table_state_name(uint16_t state);

#endif
