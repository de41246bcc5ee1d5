/* SPDX-License-Identifier: BSD-3-Clause */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A line longer than this is cut; events are short key=value lists. */
#define LOG_LINE_MAX 2048
#define USEC_PER_MSEC 1000

static enum glb_hc_log_level min_level = GLB_HC_LOG_INFO;

static const char *const level_names[] = {
	[GLB_HC_LOG_DEBUG] = "debug",
	[GLB_HC_LOG_INFO] = "info",
	[GLB_HC_LOG_WARN] = "warn",
	[GLB_HC_LOG_ERROR] = "error",
};

void glb_hc_log_set_level(enum glb_hc_log_level min)
{
	min_level = min;
}

int glb_hc_log_enabled(enum glb_hc_log_level level)
{
	return level >= min_level;
}

void glb_hc_log(enum glb_hc_log_level level, const char *event, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct timeval tv;
	struct tm tm;
	size_t n;
	va_list ap;
	int w;

	if (!glb_hc_log_enabled(level))
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s event=%s ",
		     (long)(tv.tv_usec / USEC_PER_MSEC), level_names[level], event);
	n += w > 0 ? (size_t)w : 0;
	va_start(ap, fmt);
	w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n = w < 0 ? n : n + (size_t)w;
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write(2) per line: concurrent writers (the reload command) never split it. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

const char *glb_hc_log_value(char *buf, size_t cap, const char *s)
{
	size_t i, o = 0;

	if (cap < 3) {
		if (cap)
			buf[0] = '\0';
		return buf;
	}
	if (*s && strcspn(s, " \t\"\\=\r\n") == strlen(s)) {
		snprintf(buf, cap, "%s", s);
		return buf;
	}
	buf[o++] = '"';
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		bool esc = c == '"' || c == '\\';

		/* Room for this character, the closing quote and the NUL. */
		if (o + (esc ? 2 : 1) + 2 > cap)
			break;
		if (esc)
			buf[o++] = '\\';
		buf[o++] = c < ' ' ? '?' : (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
