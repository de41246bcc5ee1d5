/* SPDX-License-Identifier: BSD-3-Clause */
#include "diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void glb_diag_init(struct glb_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void glb_diag_free(struct glb_diag *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->kept; i++)
		free(d->msgs[i]);
	for (i = 0; i < d->warns_kept; i++)
		free(d->warns[i]);
	free(d->msgs);
	free(d->warns);
	glb_diag_init(d);
}

/*
 * Append a formatted line to a list of n entries capped at
 * GLB_DIAG_MAX_KEPT; false when it was not kept (cap or out of memory).
 */
__attribute__((format(printf, 3, 0))) static bool push(char ***list, size_t n, const char *fmt,
							    va_list ap)
{
	char **grown;
	char *msg;

	if (n >= GLB_DIAG_MAX_KEPT)
		return false;
	if (vasprintf(&msg, fmt, ap) < 0)
		return false;
	grown = realloc(*list, (n + 1) * sizeof(**list));
	if (!grown) {
		free(msg);
		return false;
	}
	grown[n] = msg;
	*list = grown;
	return true;
}

void glb_diag_add(struct glb_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	if (push(&d->msgs, d->kept, fmt, ap))
		d->kept++;
	va_end(ap);
	d->count++;
}

void glb_diag_warn(struct glb_diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	if (push(&d->warns, d->warns_kept, fmt, ap))
		d->warns_kept++;
	va_end(ap);
	d->warnings++;
}

void glb_diag_print(const struct glb_diag *d, FILE *f, const char *prefix)
{
	size_t i;

	for (i = 0; i < d->warns_kept; i++)
		fprintf(f, "%s: warning: %s\n", prefix, d->warns[i]);
	for (i = 0; i < d->kept; i++)
		fprintf(f, "%s: %s\n", prefix, d->msgs[i]);
	if (d->count > d->kept)
		fprintf(f, "%s: ... and %zu more problems\n", prefix, d->count - d->kept);
}

const char *glb_diag_first(const struct glb_diag *d)
{
	return d->kept ? d->msgs[0] : "";
}
