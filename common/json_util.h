/* SPDX-License-Identifier: BSD-3-Clause */
/* Typed, reporting access to JSON members, shared by the config parsers. */
#ifndef GLB_JSON_UTIL_H
#define GLB_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "diag.h"

/* "an object", "a string", ... for messages. */
const char *glb_json_type_name(const json_t *v);

/*
 * obj[key] if it has the wanted type (JSON_TRUE stands for any boolean).
 * Missing and required, or of another type: reports "<where>: <key>: ..."
 * to d and returns NULL.
 */
json_t *glb_json_member(struct glb_diag *d, const char *where, json_t *obj, const char *key,
			json_type type, bool required);

/* Report keys of obj not in the NULL-terminated known list, as warnings or errors. */
void glb_json_check_keys(struct glb_diag *d, const char *where, json_t *obj,
			 const char *const *known, bool as_error);

/* Read a whole file; *text is NUL-terminated for convenience.  0 or -errno. */
int glb_json_read_file(const char *path, char **text, size_t *len);

/* A parser of a whole file's text: its result, problems into d. */
typedef int (*glb_json_text_fn)(const char *text, size_t len, void *ctx, struct glb_diag *d);

/*
 * Read path and parse its text with fn(text, len, ctx, ...); every problem
 * fn reports is filed under the file's name in d, so that the operator
 * knows which file.  fn's result, or -errno when the file cannot be read.
 */
int glb_json_load_file(const char *path, glb_json_text_fn fn, void *ctx, struct glb_diag *d);

/* Parse text, reporting syntax errors with line and column.  NULL on error. */
json_t *glb_json_parse(const char *text, size_t len, struct glb_diag *d);

/* Copy every line of src into d, prefixed with "path: " (nothing when path is NULL or ""). */
void glb_json_refile(struct glb_diag *d, const struct glb_diag *src, const char *path);

#endif
