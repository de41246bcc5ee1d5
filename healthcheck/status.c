/* SPDX-License-Identifier: BSD-3-Clause */
#include "status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array_size.h"
#include "atomic_file.h"

#include "json_util.h"
#include "util.h"

#define STATUS_MODE 0644
#define PROM_PREFIX "glb_healthcheck_"

static double ns_to_ms(uint64_t ns)
{
	return (double)ns / (double)GLB_HC_NSEC_PER_MSEC;
}

/*
 * The status is written every round and holds every check, so it is
 * printed directly rather than built as a jansson tree: for 2,048 checks
 * that took 30-100 ms of the event loop, this takes a few.
 */

/* s as a JSON string. */
static void put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < ' ')
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void put_counters(FILE *out, const struct glb_hc_stats *s)
{
	int type, reason;

	fputs("\"counters\": {\"checks_sent\": {", out);
	for (type = 0; type < GLB_HC_TYPE_COUNT; type++)
		fprintf(out, "%s\"%s\": %" PRIu64, type ? ", " : "", glb_hc_type_name(type),
			s->sent[type]);
	fputs("},\n \"check_results\": {", out);
	for (type = 0; type < GLB_HC_TYPE_COUNT; type++) {
		fprintf(out, "%s\"%s\": {", type ? ", " : "", glb_hc_type_name(type));
		for (reason = 0; reason < GLB_HC_REASON_COUNT; reason++)
			fprintf(out, "%s\"%s\": %" PRIu64, reason ? ", " : "",
				glb_hc_reason_name(reason), s->results[type][reason]);
		fputc('}', out);
	}
	fprintf(out,
		"},\n \"check_transitions\": {\"up\": %" PRIu64 ", \"down\": %" PRIu64 "},"
		" \"backend_transitions\": {\"up\": %" PRIu64 ", \"down\": %" PRIu64 "},\n"
		" \"rounds\": %" PRIu64 ", \"rounds_skipped\": %" PRIu64 ","
		" \"output_writes\": {\"ok\": %" PRIu64 ", \"failed\": %" PRIu64 "},\n"
		" \"reloads\": {\"ok\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"timeout\": %" PRIu64
		", \"skipped\": %" PRIu64 "},"
		" \"config_reloads\": {\"ok\": %" PRIu64 ", \"failed\": %" PRIu64 "},\n"
		" \"fail_open_events\": %" PRIu64 ","
		" \"icmp\": {\"received\": %" PRIu64 ", \"ignored\": %" PRIu64
		", \"late\": %" PRIu64 "}},\n",
		s->check_to_up, s->check_to_down, s->backend_to_up, s->backend_to_down, s->rounds,
		s->rounds_skipped, s->output_writes, s->output_write_failures, s->reloads_ok,
		s->reloads_failed, s->reloads_timed_out, s->reloads_skipped, s->config_loads,
		s->config_load_failures, s->fail_open_events, s->icmp_received, s->icmp_ignored,
		s->icmp_late);
}

static void put_timing(FILE *out, const struct glb_hc_status_view *v)
{
	const struct glb_hc_stats *s = v->stats;

	fprintf(out,
		"\"timing\": {\"timeout_late_max_ms\": %.3f, \"timeouts_late\": %" PRIu64
		", \"send_late_max_ms\": %.3f, \"sends_late\": %" PRIu64
		", \"last_round_ms\": %.3f,"
		" \"timer_late_max_ms\": %.3f},\n",
		ns_to_ms(s->timeout_late_max_ns), s->timeouts_late, ns_to_ms(s->send_late_max_ns),
		s->sends_late, ns_to_ms(s->last_round_ns), ns_to_ms(v->timer_late_max_ns));
}

static void put_target(FILE *out, const struct glb_hc_target *t)
{
	char ip[INET_ADDRSTRLEN], why[256];

	inet_ntop(AF_INET, t->addr, ip, sizeof(ip));
	fprintf(out, "{\"backend\": \"%s\", \"check\": \"%s\", \"port\": %u, \"uri\": ", ip,
		glb_hc_type_name(t->type), t->port);
	put_str(out, t->uri);
	fprintf(out,
		", \"state\": \"%s\", \"results\": %" PRIu64 ", \"last\": \"%s\", \"detail\": ",
		glb_hc_health_name(t->damp.state), t->results,
		t->results ? glb_hc_reason_name(t->last.reason) : "none");
	put_str(out, t->results ? glb_hc_result_describe(&t->last, why, sizeof(why)) : "");
	fprintf(out, ", \"latency_ms\": %.3f}", ns_to_ms(t->last.latency_ns));
}

static const char *backend_healthy(const struct glb_hc_backend *b)
{
	if (!b->ntargets)
		return b->src_healthy ? "true" : "false";
	if (!b->evaluated)
		return "null";
	return b->healthy_out ? "true" : "false";
}

static void put_backend(FILE *out, const struct glb_hc_status_view *v,
			const struct glb_hc_backend *b)
{
	const struct glb_cfg_backend *cb = &v->cfg->tables[b->table].backends[b->index];
	char ip[INET_ADDRSTRLEN];
	uint8_t i;

	inet_ntop(AF_INET, b->addr, ip, sizeof(ip));
	fprintf(out,
		"{\"ip\": \"%s\", \"state\": \"%s\", \"healthy\": %s, \"checked\": %s,"
		" \"checks_healthy\": %s, \"checks\": [",
		ip, glb_backend_state_name(cb->state), backend_healthy(b),
		b->ntargets ? "true" : "false",
		b->evaluated && b->healthy_checks ? "true" : "false");
	for (i = 0; i < b->ntargets; i++)
		fprintf(out, "%s%u", i ? ", " : "", b->targets[i]);
	fputs("]}", out);
}

static void put_tables(FILE *out, const struct glb_hc_status_view *v)
{
	uint32_t t, i;

	fputs("\"tables\": [", out);
	for (t = 0; t < v->set->ntables; t++) {
		fputs(t ? ",\n {\"name\": " : "\n {\"name\": ", out);
		put_str(out, v->cfg->tables[t].name);
		fprintf(out, ", \"failed_open\": %s, \"backends\": [",
			v->set->table_failed_open[t] ? "true" : "false");
		for (i = v->set->table_first[t]; i < v->set->table_first[t + 1]; i++) {
			fputs(i > v->set->table_first[t] ? ",\n  " : "\n  ", out);
			put_backend(out, v, &v->set->backends[i]);
		}
		fputs("]}", out);
	}
	fputs("]}\n", out);
}

static void status_json(FILE *out, const struct glb_hc_status_view *v)
{
	const struct glb_cfg_hc_timing *hc = &v->cfg->hc_timing;
	size_t i;

	fprintf(out,
		"{\"version\": %d, \"pid\": %d, \"started\": %" PRIu64 ", \"updated\": %lld,\n",
		GLB_HC_STATUS_VERSION, (int)getpid(), v->started_unix, (long long)time(NULL));
	fputs("\"config\": ", out);
	put_str(out, v->config_path);
	fputs(", \"source\": ", out);
	put_str(out, v->conf->src);
	fputs(", \"output\": ", out);
	put_str(out, v->conf->dst);
	fprintf(out,
		", \"ready\": %s,\n\"timing_config\": {\"interval_ms\": %u, \"timeout_ms\": %u,"
		" \"trigger\": %u},\n",
		v->ready ? "true" : "false", hc->interval_ms, hc->timeout_ms, hc->trigger);
	put_counters(out, v->stats);
	put_timing(out, v);
	fputs("\"targets\": [", out);
	for (i = 0; i < v->set->n; i++) {
		fputs(i ? ",\n " : "\n ", out);
		put_target(out, &v->set->v[i]);
	}
	fputs("],\n", out);
	put_tables(out, v);
}

/* --- Prometheus text, from the same view -------------------------------------- */

/* A Prometheus label value: backslash, quote and newline escaped. */
static void prom_label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void prom_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP " PROM_PREFIX "%s %s\n# TYPE " PROM_PREFIX "%s %s\n", name, help, name,
		type);
}

static void prom_value(FILE *out, const char *name, const char *type, uint64_t value,
		       const char *help)
{
	prom_head(out, name, type, help);
	fprintf(out, PROM_PREFIX "%s %" PRIu64 "\n", name, value);
}

static void prom_seconds(FILE *out, const char *name, uint64_t ns, const char *help)
{
	prom_head(out, name, "gauge", help);
	fprintf(out, PROM_PREFIX "%s %.9f\n", name, (double)ns / GLB_HC_NSEC_PER_SEC);
}

/* A counter with one label, from a {value, label} list. */
struct prom_pair {
	uint64_t value;
	const char *label;
};

static void prom_labelled(FILE *out, const char *name, const char *label,
			  const struct prom_pair *pairs, size_t n, const char *help)
{
	size_t i;

	prom_head(out, name, "counter", help);
	for (i = 0; i < n; i++)
		fprintf(out, PROM_PREFIX "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, pairs[i].label,
			pairs[i].value);
}

static void prom_checks(FILE *out, const struct glb_hc_stats *s)
{
	int type, reason;

	prom_head(out, "checks_sent_total", "counter", "Probes sent, by check type.");
	for (type = 0; type < GLB_HC_TYPE_COUNT; type++)
		fprintf(out, PROM_PREFIX "checks_sent_total{check=\"%s\"} %" PRIu64 "\n",
			glb_hc_type_name(type), s->sent[type]);
	prom_head(out, "check_results_total", "counter",
		  "Probe results, by check type and result.");
	for (type = 0; type < GLB_HC_TYPE_COUNT; type++)
		for (reason = 0; reason < GLB_HC_REASON_COUNT; reason++)
			fprintf(out,
				PROM_PREFIX
				"check_results_total{check=\"%s\",result=\"%s\"} %" PRIu64 "\n",
				glb_hc_type_name(type), glb_hc_reason_name(reason),
				s->results[type][reason]);
}

static void prom_counters(FILE *out, const struct glb_hc_stats *s)
{
	const struct prom_pair checks[] = { { s->check_to_up, "up" },
					    { s->check_to_down, "down" } };
	const struct prom_pair backends[] = { { s->backend_to_up, "up" },
					      { s->backend_to_down, "down" } };
	const struct prom_pair writes[] = { { s->output_writes, "ok" },
					    { s->output_write_failures, "failed" } };
	const struct prom_pair reloads[] = { { s->reloads_ok, "ok" },
					     { s->reloads_failed, "failed" },
					     { s->reloads_timed_out, "timeout" },
					     { s->reloads_skipped, "skipped" } };
	const struct prom_pair configs[] = { { s->config_loads, "ok" },
					     { s->config_load_failures, "failed" } };
	const struct prom_pair icmp[] = { { s->icmp_received, "received" },
					  { s->icmp_ignored, "ignored" },
					  { s->icmp_late, "late" } };

	prom_checks(out, s);
	prom_labelled(out, "check_transitions_total", "to", checks, GLB_ARRAY_SIZE(checks),
		      "Dampened check state changes.");
	prom_labelled(out, "backend_transitions_total", "to", backends, GLB_ARRAY_SIZE(backends),
		      "Changes of a backend's written health.");
	prom_labelled(out, "output_writes_total", "result", writes, GLB_ARRAY_SIZE(writes),
		      "Writes of the checked forwarding table.");
	prom_labelled(out, "reloads_total", "result", reloads, GLB_ARRAY_SIZE(reloads),
		      "Runs of the reload command (skipped: none configured).");
	prom_labelled(out, "config_reloads_total", "result", configs, GLB_ARRAY_SIZE(configs),
		      "Re-reads of the configuration on SIGHUP.");
	prom_labelled(out, "icmp_total", "kind", icmp, GLB_ARRAY_SIZE(icmp),
		      "ICMP messages read by the tunnel checks.");
	prom_value(out, "rounds_total", "counter", s->rounds, "Check rounds started.");
	prom_value(out, "rounds_skipped_total", "counter", s->rounds_skipped,
		   "Rounds skipped because the loop fell a whole interval behind.");
	prom_value(out, "fail_open_events_total", "counter", s->fail_open_events,
		   "Times a table failed open (every backend down: all written up).");
}

static void prom_timing(FILE *out, const struct glb_hc_stats *s)
{
	prom_seconds(out, "timeout_late_max_seconds", s->timeout_late_max_ns,
		     "Latest a timeout was declared past timeout_ms.");
	prom_value(out, "timeouts_late_total", "counter", s->timeouts_late,
		   "Timeouts declared more than 10% late.");
	prom_seconds(out, "send_late_max_seconds", s->send_late_max_ns,
		     "Latest a probe was sent past its place in the schedule.");
	prom_value(out, "sends_late_total", "counter", s->sends_late,
		   "Probes sent more than 10% of the interval late.");
	prom_seconds(out, "last_round_seconds", s->last_round_ns,
		     "Duration of the last round, first probe to last result.");
}

static void prom_health(FILE *out, const struct glb_hc_status_view *v)
{
	char ip[INET_ADDRSTRLEN];
	size_t i;

	prom_head(out, "backend_healthy", "gauge",
		  "Health written for each backend (1 up, 0 down; absent before the first round).");
	for (i = 0; i < v->set->nbackends; i++) {
		const struct glb_hc_backend *b = &v->set->backends[i];

		if (b->ntargets && !b->evaluated)
			continue;
		inet_ntop(AF_INET, b->addr, ip, sizeof(ip));
		fputs(PROM_PREFIX "backend_healthy{table=\"", out);
		prom_label(out, v->cfg->tables[b->table].name);
		fprintf(out, "\",backend=\"%s\"} %d\n", ip,
			strcmp(backend_healthy(b), "true") == 0);
	}
	prom_head(out, "table_failed_open", "gauge", "1 while a table fails open.");
	for (i = 0; i < v->set->ntables; i++) {
		fputs(PROM_PREFIX "table_failed_open{table=\"", out);
		prom_label(out, v->cfg->tables[i].name);
		fprintf(out, "\"} %d\n", v->set->table_failed_open[i]);
	}
	prom_head(out, "check_up", "gauge",
		  "Dampened state of each check (1 up, 0 down or unknown).");
	for (i = 0; i < v->set->n; i++) {
		const struct glb_hc_target *t = &v->set->v[i];

		inet_ntop(AF_INET, t->addr, ip, sizeof(ip));
		fprintf(out, PROM_PREFIX "check_up{backend=\"%s\",check=\"%s\",port=\"%u\"} %d\n",
			ip, glb_hc_type_name(t->type), t->port, t->damp.state == GLB_HC_HEALTH_UP);
	}
}

static void status_prometheus(FILE *out, const struct glb_hc_status_view *v)
{
	prom_value(out, "ready", "gauge", v->ready, "1 once the checked table has been written.");
	prom_value(out, "last_update_timestamp_seconds", "gauge", (uint64_t)time(NULL),
		   "When this was written (Unix time).");
	prom_counters(out, v->stats);
	prom_timing(out, v->stats);
	prom_health(out, v);
}

/* Text into a malloc'd buffer through a FILE. */
static char *render_to_string(void (*render)(FILE *, const struct glb_hc_status_view *),
			      const struct glb_hc_status_view *v, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	render(f, v);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Temp file and rename, but no fsync: a reader never sees half a status,
 * and after a crash a stale or missing status file costs nothing, while an
 * fsync every round would stall the event loop on a slow disk (measured:
 * probes 150 ms late with the status file on a busy virtual disk).
 */
static int write_text(const char *path, const char *text, size_t len)
{
	struct iovec iov = { .iov_base = (void *)text, .iov_len = len };

	return glb_atomic_write(path, &iov, 1, STATUS_MODE, 0);
}

int glb_hc_status_write(const struct glb_hc_status_view *v)
{
	size_t len = 0;
	char *text = render_to_string(status_json, v, &len);
	int ret = text ? write_text(v->conf->status_file, text, len) : -ENOMEM;

	free(text);
	if (ret == 0) {
		text = render_to_string(status_prometheus, v, &len);
		ret = text ? write_text(v->conf->prometheus_file, text, len) : -ENOMEM;
		free(text);
	}
	return ret;
}

/* --- the text rendering, from a status file ---------------------------------- */

static json_int_t num(json_t *obj, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		obj = json_object_get(obj, key);
		path = dot + 1;
	}
	return json_integer_value(json_object_get(obj, path));
}

static const char *str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static void text_backend(FILE *out, json_t *status, json_t *b)
{
	json_t *healthy = json_object_get(b, "healthy"), *idx;
	const char *h = json_is_true(healthy) ? "up" : json_is_false(healthy) ? "DOWN" : "unknown";
	size_t i;

	fprintf(out, "    %-15s %-8s %-8s", str(b, "ip"), str(b, "state"), h);
	if (!json_is_true(json_object_get(b, "checked")))
		fputs(" (not checked)", out);
	else if (json_is_true(healthy) && !json_is_true(json_object_get(b, "checks_healthy")))
		fputs(" (fail open)", out);
	json_array_foreach(json_object_get(b, "checks"), i, idx) {
		json_t *t = json_array_get(json_object_get(status, "targets"),
					   (size_t)json_integer_value(idx));

		fprintf(out, " %s:%lld%s=%s", str(t, "check"), (long long)num(t, "port"),
			str(t, "uri"), str(t, "state"));
		if (strcmp(str(t, "state"), "up") != 0 && *str(t, "detail"))
			fprintf(out, " (%s)", str(t, "detail"));
	}
	fputc('\n', out);
}

static void render_text(json_t *status, FILE *out)
{
	json_t *c = json_object_get(status, "counters"), *t = json_object_get(status, "timing");
	json_int_t pid = num(status, "pid");
	json_t *table, *b;
	size_t i, j;

	fprintf(out, "glb-healthcheck pid %lld (%s), status written %llds ago%s\n", (long long)pid,
		pid > 0 && kill((pid_t)pid, 0) == 0 ? "running" : "not running",
		(long long)(time(NULL) - num(status, "updated")),
		json_is_true(json_object_get(status, "ready")) ? "" : ", first round not complete");
	fprintf(out, "source %s -> %s\n", str(status, "source"), str(status, "output"));
	fprintf(out,
		"interval %lld ms, timeout %lld ms, trigger %lld; %lld rounds (%lld skipped)\n",
		(long long)num(status, "timing_config.interval_ms"),
		(long long)num(status, "timing_config.timeout_ms"),
		(long long)num(status, "timing_config.trigger"), (long long)num(c, "rounds"),
		(long long)num(c, "rounds_skipped"));
	json_array_foreach(json_object_get(status, "tables"), i, table) {
		fprintf(out, "table %zu \"%s\"%s\n", i, str(table, "name"),
			json_is_true(json_object_get(table, "failed_open")) ?
				": FAILED OPEN (every backend down: all written up)" :
				"");
		json_array_foreach(json_object_get(table, "backends"), j, b)
			text_backend(out, status, b);
	}
	fprintf(out, "checks sent: gue %lld, fou %lld, http %lld, tcp %lld\n",
		(long long)num(c, "checks_sent.gue"), (long long)num(c, "checks_sent.fou"),
		(long long)num(c, "checks_sent.http"), (long long)num(c, "checks_sent.tcp"));
	fprintf(out,
		"transitions: checks %lld up / %lld down, backends %lld up / %lld down; "
		"fail open %lld\n",
		(long long)num(c, "check_transitions.up"),
		(long long)num(c, "check_transitions.down"),
		(long long)num(c, "backend_transitions.up"),
		(long long)num(c, "backend_transitions.down"),
		(long long)num(c, "fail_open_events"));
	fprintf(out,
		"output writes %lld (%lld failed); reloads %lld ok, %lld failed, %lld timed out, "
		"%lld skipped\n",
		(long long)num(c, "output_writes.ok"), (long long)num(c, "output_writes.failed"),
		(long long)num(c, "reloads.ok"), (long long)num(c, "reloads.failed"),
		(long long)num(c, "reloads.timeout"), (long long)num(c, "reloads.skipped"));
	fprintf(out,
		"timing: timeouts at most %.1f ms late (%lld over 10%%), sends at most %.1f ms "
		"late, last round %.0f ms\n",
		json_number_value(json_object_get(t, "timeout_late_max_ms")),
		(long long)num(t, "timeouts_late"),
		json_number_value(json_object_get(t, "send_late_max_ms")),
		json_number_value(json_object_get(t, "last_round_ms")));
}

int glb_hc_status_print(const struct glb_hc_conf *conf, enum glb_hc_status_format fmt, FILE *out,
			struct glb_diag *d)
{
	const char *path = fmt == GLB_HC_STATUS_PROMETHEUS ? conf->prometheus_file :
							     conf->status_file;
	char *text = NULL;
	size_t len = 0;
	json_t *status;
	int ret = glb_json_read_file(path, &text, &len);

	if (ret != 0) {
		glb_diag_add(d, "%s: %s (is glb-healthcheck running with this configuration?)",
			     path, strerror(-ret));
		return ret;
	}
	if (fmt != GLB_HC_STATUS_TEXT) {
		fwrite(text, 1, len, out);
		free(text);
		return 0;
	}
	status = json_loadb(text, len, 0, NULL);
	free(text);
	if (!status || num(status, "version") != GLB_HC_STATUS_VERSION) {
		glb_diag_add(d, "%s: not a glb-healthcheck status file (version %d)", path,
			     GLB_HC_STATUS_VERSION);
		json_decref(status);
		return -EINVAL;
	}
	render_text(status, out);
	json_decref(status);
	return 0;
}
