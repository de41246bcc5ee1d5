/* SPDX-License-Identifier: BSD-3-Clause */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array_size.h"
#include "evaluate.h"
#include "log.h"
#include "notify.h"
#include "status.h"
#include "util.h"

#define LOG_VALUE_MAX 512

static const int handled_signals[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };

static void on_result(void *ctx, struct glb_hc_target *t)
{
	glb_hc_evaluate_result(ctx, t);
}

static void write_status(struct glb_hc_daemon *dm)
{
	struct glb_hc_status_view v = {
		.config_path = dm->conf_path,
		.conf = &dm->conf,
		.cfg = &dm->src.cfg,
		.set = dm->set,
		.stats = &dm->stats,
		.started_unix = dm->started_unix,
		.ready = dm->ready,
		.timer_late_max_ns = dm->loop.late_max_ns,
	};
	char err[LOG_VALUE_MAX];
	int ret;

	if (dm->once)
		return;
	ret = glb_hc_status_write(&v);
	/* Once per failure streak: a full /run should not flood the journal. */
	if (ret != 0 && !dm->status_failing)
		glb_hc_log(GLB_HC_LOG_WARN, "status_failed", "file=%s error=%s",
			   dm->conf.status_file,
			   glb_hc_log_value(err, sizeof(err), strerror(-ret)));
	dm->status_failing = ret != 0;
}

static void on_round_done(void *ctx)
{
	struct glb_hc_daemon *dm = ctx;

	if (dm->once) {
		dm->once_done = true;
		return;
	}
	glb_hc_evaluate(dm);
	write_status(dm);
}

static const struct glb_hc_checker_ops checker_ops = {
	.result = on_result,
	.round_done = on_round_done,
};

/* Load a table and build its targets: the part of init and SIGHUP that can fail on input. */
static int load_table(const char *path, struct glb_hc_source *src, struct glb_hc_targets **set,
		      struct glb_diag *d)
{
	int ret = glb_hc_source_load(path, src, d);

	if (ret != 0)
		return ret;
	*set = calloc(1, sizeof(**set));
	if (!*set || glb_hc_targets_build(&src->cfg, *set) != 0) {
		free(*set);
		*set = NULL;
		glb_hc_source_free(src);
		glb_diag_add(d, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void free_set(struct glb_hc_targets *set)
{
	if (!set)
		return;
	glb_hc_targets_free(set);
	free(set);
}

static int open_checker(struct glb_hc_daemon *dm, struct glb_diag *d)
{
	const struct glb_cfg_hc_timing *hc = &dm->src.cfg.hc_timing;
	int ret = glb_hc_checker_set(&dm->checker, dm->set, hc->interval_ms, hc->timeout_ms);

	if (ret != 0)
		glb_diag_add(d, "raw ICMP socket for the gue/fou checks: %s%s", strerror(-ret),
			     ret == -EPERM ? " (needs root or CAP_NET_RAW)" : "");
	return ret;
}

int glb_hc_daemon_init(struct glb_hc_daemon *dm, const char *conf_path, const char *table_path,
		       bool once, struct glb_diag *d)
{
	int ret;

	memset(dm, 0, sizeof(*dm));
	/* Before anything can fail: fini must find no fd open. */
	glb_hc_checker_init(&dm->checker, &dm->loop, &dm->stats, &checker_ops, dm);
	glb_hc_reload_init(&dm->reloader, &dm->loop, &dm->stats);
	dm->conf_path = conf_path;
	dm->once = once;
	dm->started_unix = (uint64_t)time(NULL);
	if (table_path) {
		dm->conf.src = strdup(table_path);
		ret = dm->conf.src ? 0 : -ENOMEM;
	} else {
		ret = glb_hc_conf_load(conf_path, &dm->conf, d);
	}
	if (ret == 0)
		ret = load_table(dm->conf.src, &dm->src, &dm->set, d);
	if (ret != 0) {
		glb_hc_conf_free(&dm->conf);
		return ret;
	}
	ret = glb_hc_loop_init(&dm->loop, handled_signals, GLB_ARRAY_SIZE(handled_signals));
	if (ret != 0) {
		glb_diag_add(d, "event loop: %s", strerror(-ret));
		glb_hc_daemon_fini(dm);
		return ret;
	}
	ret = open_checker(dm, d);
	if (ret != 0)
		glb_hc_daemon_fini(dm);
	return ret;
}

static void log_diag(const struct glb_diag *d, enum glb_hc_log_level level, const char *event)
{
	char msg[LOG_VALUE_MAX];
	size_t i;

	for (i = 0; i < d->warns_kept; i++)
		glb_hc_log(GLB_HC_LOG_WARN, event, "warning=%s",
			   glb_hc_log_value(msg, sizeof(msg), d->warns[i]));
	for (i = 0; i < d->kept; i++)
		glb_hc_log(level, event, "problem=%s",
			   glb_hc_log_value(msg, sizeof(msg), d->msgs[i]));
}

/* Replace the inputs with new ones; the old ones are freed. */
static void adopt(struct glb_hc_daemon *dm, struct glb_hc_conf *conf, struct glb_hc_source *src,
		  struct glb_hc_targets *set)
{
	bool same_dst = strcmp(conf->dst, dm->conf.dst) == 0;

	/* Targets first: their URIs point into the old source. */
	free_set(dm->set);
	glb_hc_source_free(&dm->src);
	glb_hc_conf_free(&dm->conf);
	dm->set = set;
	dm->src = *src;
	dm->conf = *conf;
	/* Anything in the source may have changed, not only health: render again. */
	dm->output_dirty = true;
	if (!same_dst) {
		/* A new output file has never been written: write it at the next chance. */
		free(dm->written);
		dm->written = NULL;
	}
}

/* SIGHUP: new inputs, or the old ones kept with every problem logged. */
static void reread(struct glb_hc_daemon *dm)
{
	struct glb_hc_conf conf;
	struct glb_hc_source src;
	struct glb_hc_targets *set = NULL;
	struct glb_diag d;
	int ret;

	glb_hc_notify("RELOADING=1");
	glb_diag_init(&d);
	ret = glb_hc_conf_load(dm->conf_path, &conf, &d);
	if (ret == 0) {
		ret = load_table(conf.src, &src, &set, &d);
		if (ret != 0)
			glb_hc_conf_free(&conf);
	}
	if (ret == 0) {
		glb_hc_targets_inherit(set, dm->set);
		ret = glb_hc_checker_set(&dm->checker, set, src.cfg.hc_timing.interval_ms,
					 src.cfg.hc_timing.timeout_ms);
		if (ret != 0) {
			glb_diag_add(&d, "raw ICMP socket for the gue/fou checks: %s",
				     strerror(-ret));
			free_set(set);
			glb_hc_source_free(&src);
			glb_hc_conf_free(&conf);
		}
	}
	log_diag(&d, GLB_HC_LOG_ERROR, ret == 0 ? "config_warning" : "config_invalid");
	glb_diag_free(&d);
	if (ret != 0) {
		dm->stats.config_load_failures++;
		glb_hc_log(GLB_HC_LOG_ERROR, "config_rejected",
			   "msg=\"kept the previous configuration and table\"");
		glb_hc_notify("READY=1");
		return;
	}
	adopt(dm, &conf, &src, set);
	dm->stats.config_loads++;
	glb_hc_log(GLB_HC_LOG_INFO, "config_reloaded",
		   "source=%s tables=%u backends=%zu checks=%zu", dm->conf.src, dm->set->ntables,
		   dm->set->nbackends, dm->set->n);
	if (glb_hc_checker_start(&dm->checker, true) != 0)
		dm->checker.error = -ENOMEM;
	/* Checks already known give an answer now; new ones wait for their first result. */
	glb_hc_evaluate(dm);
	write_status(dm);
	glb_hc_notify("READY=1");
}

static void announce_start(struct glb_hc_daemon *dm)
{
	const struct glb_cfg_hc_timing *hc = &dm->src.cfg.hc_timing;

	glb_hc_log(GLB_HC_LOG_INFO, "start",
		   "config=%s source=%s output=%s tables=%u backends=%zu checks=%zu interval_ms=%u "
		   "timeout_ms=%u trigger=%u",
		   dm->conf_path, dm->conf.src, dm->conf.dst, dm->set->ntables, dm->set->nbackends,
		   dm->set->n, hc->interval_ms, hc->timeout_ms, hc->trigger);
	write_status(dm);
	glb_hc_notify("READY=1\nSTATUS=first round of checks");
}

int glb_hc_daemon_run(struct glb_hc_daemon *dm)
{
	int ret;

	if (!dm->once)
		announce_start(dm);
	ret = glb_hc_checker_start(&dm->checker, !dm->once);
	while (ret == 0 && !dm->once_done) {
		uint64_t sigs;

		ret = glb_hc_loop_run_once(&dm->loop);
		if (ret == 0)
			ret = dm->checker.error;
		sigs = glb_hc_loop_take_signals(&dm->loop);
		if ((sigs & (1ull << SIGCHLD)) && glb_hc_reload_reap(&dm->reloader))
			write_status(dm); /* the reload counters, at once */
		if (sigs & (1ull << SIGTERM | 1ull << SIGINT)) {
			glb_hc_notify("STOPPING=1");
			glb_hc_log(GLB_HC_LOG_INFO, "stop", "signal=%s",
				   sigs & (1ull << SIGTERM) ? "TERM" : "INT");
			break;
		}
		if ((sigs & (1ull << SIGHUP)) && !dm->once)
			reread(dm);
	}
	if (ret != 0)
		glb_hc_log(GLB_HC_LOG_ERROR, "fatal", "error=\"%s\"", strerror(-ret));
	return ret;
}

void glb_hc_daemon_fini(struct glb_hc_daemon *dm)
{
	glb_hc_checker_fini(&dm->checker);
	glb_hc_reload_fini(&dm->reloader);
	glb_hc_loop_fini(&dm->loop);
	free_set(dm->set);
	dm->set = NULL;
	glb_hc_source_free(&dm->src);
	glb_hc_conf_free(&dm->conf);
	free(dm->written);
	dm->written = NULL;
}
