/* SPDX-License-Identifier: BSD-3-Clause */
#include "diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
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
 * msg with every control character (and DEL) written as \n, \r, \t or
 * \xNN: a message is one line, and what it quotes from a file (a table
 * name, a state) must neither split it nor reach a terminal as an escape
 * sequence.  Returns msg itself when there is nothing to escape (or on
 * allocation failure, NULL).
 */
static char *escape_controls(char *msg)
{
	size_t n = 0, i, j;
	char *out;

	for (i = 0; msg[i]; i++)
		n += (unsigned char)msg[i] < ' ' || msg[i] == 0x7f;
	if (n == 0)
		return msg;
	out = malloc(i + 3 * n + 1);
	if (!out) {
		free(msg);
		return NULL;
	}
	for (i = j = 0; msg[i]; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c >= ' ' && c != 0x7f)
			out[j++] = (char)c;
		else if (c == '\n' || c == '\r' || c == '\t')
			j += (size_t)sprintf(out + j, "\\%c",
					     c == '\n' ? 'n' :
					     c == '\r' ? 'r' :
							 't');
		else
			j += (size_t)sprintf(out + j, "\\x%02x", c);
	}
	out[j] = '\0';
	free(msg);
	return out;
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
	msg = escape_controls(msg);
	if (!msg)
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
