/* SPDX-License-Identifier: BSD-3-Clause */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "atomic_file.h"

#define OUTPUT_INDENT 2
#define OUTPUT_MODE 0644

char *glb_hc_output_render(const struct glb_hc_source *src, const struct glb_hc_targets *set,
			   size_t *len)
{
	json_t *tables = json_object_get(src->doc, "tables");
	char *text, *with_nl;
	size_t i;

	for (i = 0; i < set->nbackends; i++) {
		const struct glb_hc_backend *b = &set->backends[i];
		json_t *obj;

		if (!b->ntargets)
			continue; /* not checked: exactly as in the source */
		obj = json_array_get(json_object_get(json_array_get(tables, b->table), "backends"),
				     b->index);
		if (json_object_set_new(obj, "healthy", json_boolean(b->healthy_out)) != 0)
			return NULL;
	}
	text = json_dumps(src->doc, JSON_INDENT(OUTPUT_INDENT) | JSON_PRESERVE_ORDER);
	if (!text)
		return NULL;
	*len = strlen(text);
	with_nl = realloc(text, *len + 2);
	if (!with_nl) {
		free(text);
		return NULL;
	}
	with_nl[(*len)++] = '\n';
	with_nl[*len] = '\0';
	return with_nl;
}

int glb_hc_output_write(const char *path, const char *text, size_t len)
{
	struct iovec iov = { .iov_base = (void *)text, .iov_len = len };

	return glb_atomic_write(path, &iov, 1, OUTPUT_MODE, GLB_ATOMIC_DURABLE);
}
