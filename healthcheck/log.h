/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structured log lines (logfmt: "ts=... level=info event=check_state
 * backend=10.0.0.1 ..."), one line per event, on stderr (the journal under
 * systemd).  Each line is written with one call, so lines never interleave.
 */
#ifndef GLB_HC_LOG_H
#define GLB_HC_LOG_H

#include <stddef.h>

enum glb_hc_log_level {
	GLB_HC_LOG_DEBUG,
	GLB_HC_LOG_INFO,
	GLB_HC_LOG_WARN,
	GLB_HC_LOG_ERROR,
};

/* Lines below min are dropped (default: info). */
void glb_hc_log_set_level(enum glb_hc_log_level min);
/* 1 when a line of this level would be written. */
int glb_hc_log_enabled(enum glb_hc_log_level level);

/* "ts=... level=L event=E " followed by the printf-formatted key=value list. */
void glb_hc_log(enum glb_hc_log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * s as a logfmt value: unchanged when it is a plain token, otherwise in
 * double quotes with '"' and '\\' escaped and control characters as '?'.
 * Returns buf.
 */
const char *glb_hc_log_value(char *buf, size_t cap, const char *s);

#endif
