/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * forwarding_table.checked.json: the source document with "healthy" set on
 * every checked backend, everything else as in the source (key order
 * kept, two-space indentation), replaced atomically.
 */
#ifndef GLB_HC_OUTPUT_H
#define GLB_HC_OUTPUT_H

#include <stddef.h>

#include "config.h"
#include "targets.h"

/* The checked document as text (caller frees), or NULL when out of memory. */
char *glb_hc_output_render(const struct glb_hc_source *src, const struct glb_hc_targets *set,
			   size_t *len);

/* Temp file, fsync, rename, fsync the directory (common/atomic_file).  0 or -errno. */
int glb_hc_output_write(const char *path, const char *text, size_t len);

#endif
