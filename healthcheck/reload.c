/* SPDX-License-Identifier: BSD-3-Clause */
#include "reload.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* After SIGTERM at the timeout, this long before SIGKILL. */
#define KILL_GRACE_NS (2 * GLB_HC_NSEC_PER_SEC)
/* What sh returns when it cannot run the command at all. */
#define EXIT_EXEC_FAILED 127
#define VALUE_MAX 512

void glb_hc_reload_init(struct glb_hc_reloader *r, struct glb_hc_loop *loop,
			struct glb_hc_stats *stats)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->stats = stats;
}

static void on_timeout(void *arg, uint64_t gen)
{
	struct glb_hc_reloader *r = arg;
	char cmd[VALUE_MAX];

	if (gen != r->gen || !r->pid)
		return;
	if (!r->timed_out) {
		r->timed_out = true;
		glb_hc_log(GLB_HC_LOG_ERROR, "reload_timeout", "pid=%d timeout_ms=%u command=%s",
			   (int)r->pid, r->timeout_ms,
			   glb_hc_log_value(cmd, sizeof(cmd), r->command));
		kill(-r->pid, SIGTERM);
		if (glb_hc_loop_timer(r->loop, glb_hc_now() + KILL_GRACE_NS, on_timeout, r,
				      r->gen) == 0)
			return;
	}
	kill(-r->pid, SIGKILL);
}

/* In the child: its own process group (so a timeout kills all of it), no stdin. */
static void exec_child(const char *command, const char *table)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	setpgid(0, 0);
	glb_hc_loop_child_reset();
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	if (table)
		setenv("GLB_CHECKED_TABLE", table, 1);
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(EXIT_EXEC_FAILED);
}

static void start(struct glb_hc_reloader *r)
{
	char cmd[VALUE_MAX], err[VALUE_MAX];
	pid_t pid;

	r->pending = false;
	r->timed_out = false;
	pid = fork();
	if (pid == 0)
		exec_child(r->command, r->table);
	if (pid < 0) {
		r->stats->reloads_failed++;
		glb_hc_log(GLB_HC_LOG_ERROR, "reload_failed", "error=%s command=%s",
			   glb_hc_log_value(err, sizeof(err), strerror(errno)),
			   glb_hc_log_value(cmd, sizeof(cmd), r->command));
		return;
	}
	/* Also in the parent: no window where kill(-pid) misses the group. */
	setpgid(pid, pid);
	r->pid = pid;
	r->started_ns = glb_hc_now();
	r->gen++;
	glb_hc_log(GLB_HC_LOG_INFO, "reload_start", "pid=%d command=%s", (int)pid,
		   glb_hc_log_value(cmd, sizeof(cmd), r->command));
	if (glb_hc_loop_timer(r->loop, r->started_ns + r->timeout_ms * GLB_HC_NSEC_PER_MSEC,
			      on_timeout, r, r->gen) != 0)
		glb_hc_log(GLB_HC_LOG_WARN, "reload_untimed", "pid=%d error=\"out of memory\"",
			   (int)pid);
}

void glb_hc_reload_request(struct glb_hc_reloader *r, const char *command, const char *table,
			   uint32_t timeout_ms)
{
	char *c = strdup(command), *t = table ? strdup(table) : NULL;

	if (!c || (table && !t)) {
		free(c);
		free(t);
		r->stats->reloads_failed++;
		glb_hc_log(GLB_HC_LOG_ERROR, "reload_failed", "error=\"out of memory\"");
		return;
	}
	free(r->command);
	free(r->table);
	r->command = c;
	r->table = t;
	r->timeout_ms = timeout_ms;
	if (r->pid) {
		r->pending = true; /* runs again, with the newest file, when this one ends */
		return;
	}
	start(r);
}

static void report(struct glb_hc_reloader *r, int status)
{
	unsigned long ms = (unsigned long)((glb_hc_now() - r->started_ns) / GLB_HC_NSEC_PER_MSEC);
	char cmd[VALUE_MAX];

	glb_hc_log_value(cmd, sizeof(cmd), r->command);
	if (r->timed_out) {
		r->stats->reloads_timed_out++;
		glb_hc_log(GLB_HC_LOG_ERROR, "reload_failed",
			   "pid=%d reason=timeout timeout_ms=%u command=%s", (int)r->pid,
			   r->timeout_ms, cmd);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r->stats->reloads_ok++;
		glb_hc_log(GLB_HC_LOG_INFO, "reload_done", "pid=%d ms=%lu", (int)r->pid, ms);
	} else if (WIFEXITED(status)) {
		r->stats->reloads_failed++;
		glb_hc_log(GLB_HC_LOG_ERROR, "reload_failed",
			   "pid=%d exit_status=%d ms=%lu command=%s", (int)r->pid,
			   WEXITSTATUS(status), ms, cmd);
	} else {
		r->stats->reloads_failed++;
		glb_hc_log(GLB_HC_LOG_ERROR, "reload_failed", "pid=%d signal=%d ms=%lu command=%s",
			   (int)r->pid, WTERMSIG(status), ms, cmd);
	}
}

bool glb_hc_reload_reap(struct glb_hc_reloader *r)
{
	int status;
	pid_t got;

	if (!r->pid)
		return false;
	got = waitpid(r->pid, &status, WNOHANG);
	if (got == 0 || (got < 0 && errno == EINTR))
		return false;
	if (got > 0)
		report(r, status);
	r->pid = 0;
	r->gen++;
	if (r->pending)
		start(r);
	return true;
}

bool glb_hc_reload_running(const struct glb_hc_reloader *r)
{
	return r->pid != 0;
}

void glb_hc_reload_fini(struct glb_hc_reloader *r)
{
	free(r->command);
	free(r->table);
	r->command = r->table = NULL;
	r->pid = 0;
}
