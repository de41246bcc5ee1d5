/* SPDX-License-Identifier: BSD-3-Clause */
#include "drained.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "conns.h"
#include "print.h"
#include "tcpinfo.h"

struct tally {
	uint64_t total;
	uint64_t states[GLB_PD_TCP_NUM_STATES];
};

static int count(const struct glb_pd_sock *s, void *arg)
{
	struct tally *t = arg;

	t->total++;
	t->states[s->state < GLB_PD_TCP_NUM_STATES ? s->state : 0]++;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "192.0.2.10:80" or "192.0.2.10:80, 2001:db8::10:*" */
static void vips_text(const struct glb_pd_drained_opts *o, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < o->num_vips && at + GLB_PD_ADDRSTRLEN + 2 < len; i++) {
		glb_pd_endpoint_format(&o->vips[i].addr, o->vips[i].port, buf + at, len - at);
		at += strlen(buf + at);
		if (i + 1 < o->num_vips)
			at += (size_t)snprintf(buf + at, len - at, ", ");
	}
}

static void print_progress(FILE *f, const char *vips, const struct tally *t, double elapsed)
{
	const char *sep = ": ";

	fprintf(f, "%s: %" PRIu64 " connection%s left", vips, t->total, t->total == 1 ? "" : "s");
	for (unsigned st = 0; st < GLB_PD_TCP_NUM_STATES; st++) {
		if (t->states[st]) {
			fprintf(f, "%s%s %" PRIu64, sep, glb_pd_tcp_state_name(st), t->states[st]);
			sep = ", ";
		}
	}
	fprintf(f, " (%.1f s)\n", elapsed);
	fflush(f);
}

/* The connections left, the worst send queue first: what holds the drain. */
static int print_left(struct glb_pd_sockdiag *sd, const struct glb_pd_drained_opts *o,
		      const char *vips, const struct tally *t, double elapsed, int drained,
		      FILE *out)
{
	struct glb_pd_query q = {
		.states = GLB_PD_TCPF_CONNECTIONS,
		.want_info = 1,
		.vips = o->vips,
		.num_vips = o->num_vips,
	};
	struct glb_pd_conns cs;
	int ret = 0;

	glb_pd_conns_init(&cs, GLB_PD_SORT_SENDQ, GLB_PD_DRAIN_SHOW);
	if (!drained) {
		ret = glb_pd_sockdiag_dump(sd, &q, glb_pd_conns_add, &cs);
		glb_pd_conns_finish(&cs);
	}
	if (ret == 0 && o->json) {
		fprintf(out, "{\"vips\": ");
		glb_pd_json_string(out, vips);
		fprintf(out,
			", \"drained\": %s, \"connections\": %" PRIu64 ", \"below\": %" PRIu64
			", \"seconds\": %.3f, \"left\": [",
			drained ? "true" : "false", t->total, o->below, elapsed);
		for (size_t i = 0; i < cs.n; i++) {
			fprintf(out, "%s", i ? ", " : "");
			glb_pd_print_conn_json(out, &cs.c[i]);
		}
		fprintf(out, "]}\n");
	} else if (ret == 0 && drained) {
		fprintf(out, "%s: drained: %" PRIu64 " connection%s left after %.1f s\n", vips,
			t->total, t->total == 1 ? "" : "s", elapsed);
	} else if (ret == 0) {
		fprintf(out, "%s: not drained after %.1f s: %" PRIu64 " connection%s left\n", vips,
			elapsed, t->total, t->total == 1 ? "" : "s");
		glb_pd_print_conn_table(out, cs.c, cs.n);
		if (cs.seen > cs.n)
			fprintf(out, "... and %" PRIu64 " more\n", cs.seen - cs.n);
	}
	glb_pd_conns_free(&cs);
	return ret;
}

/* Sleep ms milliseconds, or less if a signal arrives. */
static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int glb_pd_drained_wait(struct glb_pd_sockdiag *sd, const struct glb_pd_drained_opts *o,
			const volatile sig_atomic_t *stop, FILE *out, FILE *progress)
{
	struct glb_pd_query q = {
		.states = GLB_PD_TCPF_CONNECTIONS,
		.vips = o->vips,
		.num_vips = o->num_vips,
	};
	double start = now_s(), last_print = -1, elapsed;
	char vips[512];
	struct tally t, last = { .total = UINT64_MAX };
	int ret;

	vips_text(o, vips, sizeof(vips));
	for (;;) {
		memset(&t, 0, sizeof(t));
		ret = glb_pd_sockdiag_dump(sd, &q, count, &t);
		if (ret < 0)
			return ret;
		elapsed = now_s() - start;
		if (t.total < o->below)
			break;
		/* A line when the count or a state changes, and now and then. */
		if (memcmp(&t, &last, sizeof(t)) != 0 ||
		    elapsed - last_print >= GLB_PD_DRAIN_HEARTBEAT_S) {
			print_progress(progress, vips, &t, elapsed);
			last = t;
			last_print = elapsed;
		}
		if (*stop || (o->timeout_s >= 0 && elapsed >= o->timeout_s))
			break;
		if (o->timeout_s >= 0 && o->timeout_s - elapsed < GLB_PD_DRAIN_POLL_MS / 1000.0)
			pause_ms((long)((o->timeout_s - elapsed) * 1000) + 1);
		else
			pause_ms(GLB_PD_DRAIN_POLL_MS);
	}
	ret = print_left(sd, o, vips, &t, elapsed, t.total < o->below, out);
	if (ret < 0)
		return ret;
	return t.total < o->below ? GLB_PD_DRAINED : GLB_PD_NOT_DRAINED;
}
