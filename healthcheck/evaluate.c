/* SPDX-License-Identifier: BSD-3-Clause */
#include "evaluate.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "failopen.h"
#include "log.h"
#include "notify.h"
#include "output.h"

#define LOG_VALUE_MAX 512
#define NOTIFY_MAX 256

static const char *check_fields(const struct glb_hc_target *t, char *buf, size_t cap);

void glb_hc_evaluate_result(struct glb_hc_daemon *dm, struct glb_hc_target *t)
{
	enum glb_hc_health old = t->damp.state;
	bool ok = t->last.reason == GLB_HC_REASON_OK;
	char ip[INET_ADDRSTRLEN], why[LOG_VALUE_MAX], whyq[LOG_VALUE_MAX], check[LOG_VALUE_MAX];
	enum glb_hc_log_level level;

	inet_ntop(AF_INET, t->addr, ip, sizeof(ip));
	glb_hc_log_value(whyq, sizeof(whyq), glb_hc_result_describe(&t->last, why, sizeof(why)));
	check_fields(t, check, sizeof(check));
	glb_hc_log(GLB_HC_LOG_DEBUG, "check_result", "backend=%s %s result=%s ms=%.1f detail=%s",
		   ip, check, glb_hc_reason_name(t->last.reason),
		   (double)t->last.latency_ns / GLB_HC_NSEC_PER_MSEC, whyq);
	if (!glb_hc_dampen_step(&t->damp, ok, dm->src.cfg.hc_timing.trigger))
		return;
	if (old != GLB_HC_HEALTH_UNKNOWN && ok)
		dm->stats.check_to_up++;
	else if (old != GLB_HC_HEALTH_UNKNOWN)
		dm->stats.check_to_down++;
	/* A first result that is "up" is the normal start: not worth a line each. */
	if (old == GLB_HC_HEALTH_UNKNOWN)
		level = ok ? GLB_HC_LOG_DEBUG : GLB_HC_LOG_INFO;
	else
		level = ok ? GLB_HC_LOG_INFO : GLB_HC_LOG_WARN;
	glb_hc_log(level, "check_state", "backend=%s %s old=%s new=%s reason=%s", ip, check,
		   glb_hc_health_name(old), glb_hc_health_name(t->damp.state), whyq);
}

static bool all_known(const struct glb_hc_targets *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].damp.state == GLB_HC_HEALTH_UNKNOWN)
			return false;
	return true;
}

static const char *table_name(const struct glb_hc_daemon *dm, uint32_t t, char *buf, size_t cap)
{
	const char *name = dm->src.cfg.tables[t].name;

	if (*name)
		return glb_hc_log_value(buf, cap, name);
	snprintf(buf, cap, "%u", t);
	return buf;
}

/* "check=http port=80 uri=/ping" (no uri for the other checks). */
static const char *check_fields(const struct glb_hc_target *t, char *buf, size_t cap)
{
	char uri[LOG_VALUE_MAX];

	if (t->type == GLB_HC_HTTP)
		snprintf(buf, cap, "check=%s port=%u uri=%s", glb_hc_type_name(t->type), t->port,
			 glb_hc_log_value(uri, sizeof(uri), t->uri));
	else
		snprintf(buf, cap, "check=%s port=%u", glb_hc_type_name(t->type), t->port);
	return buf;
}

/* "http:80/ping HTTP status 503; gue:19523 no answer within 1000 ms" for the checks down. */
static const char *down_checks(const struct glb_hc_daemon *dm, const struct glb_hc_backend *b,
			       char *buf, size_t cap)
{
	char part[LOG_VALUE_MAX], why[LOG_VALUE_MAX], label[LOG_VALUE_MAX];
	size_t used = 0;
	uint8_t i;

	buf[0] = '\0';
	for (i = 0; i < b->ntargets && used < cap; i++) {
		const struct glb_hc_target *t = &dm->set->v[b->targets[i]];
		int n;

		if (t->damp.state == GLB_HC_HEALTH_UP)
			continue;
		snprintf(part, sizeof(part), "%s %s", glb_hc_target_label(t, label, sizeof(label)),
			 glb_hc_result_describe(&t->last, why, sizeof(why)));
		n = snprintf(buf + used, cap - used, "%s%s", used ? "; " : "", part);
		used += n > 0 ? (size_t)n : 0;
	}
	return buf[0] ? buf : "all checks up";
}

static void log_backend(struct glb_hc_daemon *dm, const struct glb_hc_backend *b, bool checks,
			bool out)
{
	char ip[INET_ADDRSTRLEN], name[LOG_VALUE_MAX], reason[LOG_VALUE_MAX], quoted[LOG_VALUE_MAX];
	enum glb_hc_log_level level;

	if (!b->evaluated)
		level = out && checks ? GLB_HC_LOG_DEBUG : GLB_HC_LOG_INFO;
	else
		level = out ? GLB_HC_LOG_INFO : GLB_HC_LOG_WARN;
	inet_ntop(AF_INET, b->addr, ip, sizeof(ip));
	glb_hc_log(level, "backend_health",
		   "table=%s backend=%s old=%s new=%s checks=%s fail_open=%s reason=%s",
		   table_name(dm, b->table, name, sizeof(name)), ip,
		   b->evaluated ? (b->healthy_out ? "up" : "down") : "unknown", out ? "up" : "down",
		   checks ? "up" : "down", out && !checks ? "true" : "false",
		   glb_hc_log_value(quoted, sizeof(quoted),
				    down_checks(dm, b, reason, sizeof(reason))));
}

static void update_backend(struct glb_hc_daemon *dm, struct glb_hc_backend *b, bool out)
{
	bool checks;

	if (!b->ntargets)
		return;
	if (!b->evaluated || b->healthy_out != out)
		dm->output_dirty = true;
	checks = glb_hc_backend_health(dm->set, b) == GLB_HC_HEALTH_UP;
	if (b->evaluated && b->healthy_out == out && b->healthy_checks == checks)
		return;
	log_backend(dm, b, checks, out);
	if (b->evaluated && b->healthy_out != out) {
		if (out)
			dm->stats.backend_to_up++;
		else
			dm->stats.backend_to_down++;
	}
	b->evaluated = true;
	b->healthy_checks = checks;
	b->healthy_out = out;
}

static void log_fail_open(struct glb_hc_daemon *dm, uint32_t t, bool failed_open, uint32_t n)
{
	char name[LOG_VALUE_MAX];

	if (failed_open == dm->set->table_failed_open[t])
		return;
	dm->set->table_failed_open[t] = failed_open;
	if (failed_open) {
		dm->stats.fail_open_events++;
		glb_hc_log(GLB_HC_LOG_ERROR, "fail_open",
			   "table=%s backends=%u msg=\"every backend of the table is down by its "
			   "checks: writing them all healthy until one recovers (is the checker's "
			   "own network broken?)\"",
			   table_name(dm, t, name, sizeof(name)), n);
	} else {
		glb_hc_log(GLB_HC_LOG_WARN, "fail_open_end",
			   "table=%s msg=\"a backend's checks pass again: writing real health\"",
			   table_name(dm, t, name, sizeof(name)));
	}
}

static void evaluate_table(struct glb_hc_daemon *dm, uint32_t t)
{
	struct glb_hc_failopen_backend fo[GLB_FMT_MAX_BACKENDS];
	uint32_t first = dm->set->table_first[t];
	uint32_t n = dm->set->table_first[t + 1] - first, i;
	bool failed_open;

	for (i = 0; i < n; i++) {
		const struct glb_hc_backend *b = &dm->set->backends[first + i];

		fo[i].participates = b->participates;
		fo[i].checked = b->ntargets > 0;
		fo[i].healthy = b->ntargets ?
					glb_hc_backend_health(dm->set, b) == GLB_HC_HEALTH_UP :
					b->src_healthy;
	}
	failed_open = glb_hc_failopen_apply(fo, n);
	log_fail_open(dm, t, failed_open, n);
	for (i = 0; i < n; i++)
		update_backend(dm, &dm->set->backends[first + i], fo[i].healthy);
}

/* Tell systemd (STATUS=) and the log how many backends are up. */
static void summarize(struct glb_hc_daemon *dm, const char *event)
{
	size_t i, up = 0, down = 0, open = 0;
	char msg[NOTIFY_MAX];

	for (i = 0; i < dm->set->nbackends; i++) {
		const struct glb_hc_backend *b = &dm->set->backends[i];

		if (b->ntargets && b->healthy_out)
			up++;
		else if (b->ntargets)
			down++;
	}
	for (i = 0; i < dm->set->ntables; i++)
		open += dm->set->table_failed_open[i];
	glb_hc_log(GLB_HC_LOG_INFO, event,
		   "file=%s backends_up=%zu backends_down=%zu "
		   "tables_failed_open=%zu",
		   dm->conf.dst, up, down, open);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%zu checked backends up, %zu down%s", up, down,
		 open ? ", a table FAILED OPEN" : "");
	glb_hc_notify(msg);
}

static void reload(struct glb_hc_daemon *dm)
{
	if (dm->conf.reload_command) {
		glb_hc_reload_request(&dm->reloader, dm->conf.reload_command, dm->conf.dst,
				      dm->conf.reload_timeout_ms);
		return;
	}
	dm->stats.reloads_skipped++;
	glb_hc_log(GLB_HC_LOG_INFO, "reload_skipped", "msg=\"no reload_command configured\"");
}

static void write_output(struct glb_hc_daemon *dm)
{
	char err[LOG_VALUE_MAX];
	size_t len = 0;
	char *text = glb_hc_output_render(&dm->src, dm->set, &len);
	int ret;

	if (!text) {
		dm->stats.output_write_failures++;
		glb_hc_log(GLB_HC_LOG_ERROR, "output_failed", "error=\"out of memory\"");
		return;
	}
	if (dm->written && len == dm->written_len && memcmp(text, dm->written, len) == 0) {
		dm->output_dirty = false;
		free(text);
		return;
	}
	ret = glb_hc_output_write(dm->conf.dst, text, len);
	if (ret != 0) {
		/* Still dirty: the next round tries again, logged loudly only the first time. */
		dm->stats.output_write_failures++;
		glb_hc_log(dm->output_failing ? GLB_HC_LOG_DEBUG : GLB_HC_LOG_ERROR,
			   "output_failed", "file=%s error=%s msg=\"retrying every round\"",
			   dm->conf.dst,
			   glb_hc_log_value(err, sizeof(err), glb_atomic_strerror(ret)));
		dm->output_failing = true;
		free(text);
		return;
	}
	if (dm->output_failing)
		glb_hc_log(GLB_HC_LOG_INFO, "output_recovered", "file=%s", dm->conf.dst);
	dm->output_failing = false;
	dm->stats.output_writes++;
	dm->output_dirty = false;
	free(dm->written);
	dm->written = text;
	dm->written_len = len;
	summarize(dm, dm->ready ? "output_written" : "ready");
	dm->ready = true;
	reload(dm);
}

void glb_hc_evaluate(struct glb_hc_daemon *dm)
{
	uint32_t t;

	if (!all_known(dm->set))
		return;
	for (t = 0; t < dm->set->ntables; t++)
		evaluate_table(dm, t);
	/* Rendering a big table costs milliseconds of the loop: only when it can differ. */
	if (dm->output_dirty)
		write_output(dm);
}
