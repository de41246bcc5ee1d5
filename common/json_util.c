/* SPDX-License-Identifier: BSD-3-Clause */
#include "json_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *glb_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

json_t *glb_json_member(struct glb_diag *d, const char *where, json_t *obj, const char *key,
			json_type type, bool required)
{
	static const char *const want[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string",  [JSON_INTEGER] = "an integer",
		[JSON_REAL] = "a number",    [JSON_TRUE] = "a boolean",
		[JSON_FALSE] = "a boolean",  [JSON_NULL] = "null",
	};
	json_t *v = json_object_get(obj, key);
	const char *sep = *where ? ": " : "";

	if (!v) {
		if (required)
			glb_diag_add(d, "%s%s%s: missing", where, sep, key);
		return NULL;
	}
	if (type == JSON_TRUE || type == JSON_FALSE ? !json_is_boolean(v) :
						      json_typeof(v) != type) {
		glb_diag_add(d, "%s%s%s: must be %s, not %s", where, sep, key, want[type],
			     glb_json_type_name(v));
		return NULL;
	}
	return v;
}

void glb_json_check_keys(struct glb_diag *d, const char *where, json_t *obj,
			 const char *const *known, bool as_error)
{
	const char *sep = *where ? ": " : "";
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *k;

		for (k = known; *k && strcmp(*k, key) != 0; k++)
			;
		if (*k)
			continue;
		if (as_error)
			glb_diag_add(d, "%s%s%s: unknown key", where, sep, key);
		else
			glb_diag_warn(d, "%s%s%s: unknown key, ignored", where, sep, key);
	}
}

int glb_json_read_file(const char *path, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	FILE *f = fopen(path, "r");
	int ret = 0;

	struct stat st;

	if (!f || !buf) {
		ret = f ? -ENOMEM : -errno;
		free(buf);
		if (f)
			fclose(f);
		return ret;
	}
	/* fopen() opens a directory; reading it fails with a bare EIO. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		free(buf);
		fclose(f);
		return -EISDIR;
	}
	for (;;) {
		char *grown;

		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		grown = realloc(buf, cap * 2);
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		buf = grown;
		cap *= 2;
	}
	if (ret == 0 && ferror(f))
		ret = -EIO;
	fclose(f);
	if (ret != 0) {
		free(buf);
		return ret;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

json_t *glb_json_parse(const char *text, size_t len, struct glb_diag *d)
{
	json_error_t err;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);

	if (!root)
		glb_diag_add(d, "line %d, column %d: invalid JSON: %s", err.line, err.column,
			     err.text);
	return root;
}

void glb_json_refile(struct glb_diag *d, const struct glb_diag *src, const char *path)
{
	const char *sep = path && *path ? ": " : "";
	size_t i;

	if (!path)
		path = "";
	for (i = 0; d && i < src->warns_kept; i++)
		glb_diag_warn(d, "%s%s%s", path, sep, src->warns[i]);
	for (i = 0; d && i < src->kept; i++)
		glb_diag_add(d, "%s%s%s", path, sep, src->msgs[i]);
	if (d && src->count > src->kept)
		d->count += src->count - src->kept;
}

int glb_json_load_file(const char *path, glb_json_text_fn fn, void *ctx, struct glb_diag *d)
{
	struct glb_diag local;
	char *text = NULL;
	size_t len = 0;
	int ret = glb_json_read_file(path, &text, &len);

	if (ret != 0) {
		glb_diag_add(d, "%s: %s", path, strerror(-ret));
		return ret;
	}
	glb_diag_init(&local);
	ret = fn(text, len, ctx, &local);
	glb_json_refile(d, &local, path);
	glb_diag_free(&local);
	free(text);
	return ret;
}
