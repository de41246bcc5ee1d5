/* SPDX-License-Identifier: BSD-3-Clause */
#include "checker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/*
 * A probe id is a serial number above the target's index, so a deadline
 * timer left from an earlier probe or an earlier target set finds either
 * no target or a different id, and does nothing.
 */
#define PROBE_INDEX_BITS 24
#define PROBE_INDEX_MASK ((1ull << PROBE_INDEX_BITS) - 1)
#define MAX_TARGETS (1ull * GLB_FMT_MAX_TABLES * GLB_FMT_MAX_BACKENDS * GLB_HC_TYPE_COUNT)
_Static_assert(MAX_TARGETS <= PROBE_INDEX_MASK, "every target index fits below the serial");
/* Probes due within this much are sent together: fewer wake-ups, same schedule. */
#define SEND_SLACK_NS (1 * GLB_HC_NSEC_PER_MSEC)
#define PERCENT 100

static bool is_tunnel(enum glb_hc_type type)
{
	return type == GLB_HC_GUE || type == GLB_HC_FOU;
}

int glb_hc_checker_init(struct glb_hc_checker *c, struct glb_hc_loop *loop,
			struct glb_hc_stats *stats, const struct glb_hc_checker_ops *ops, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->stats = stats;
	c->ops = ops;
	c->ctx = ctx;
	c->udp_fd = c->route_fd = c->icmp_fd = -1;
	return 0;
}

/* End every probe in flight without a result (a new set, or stopping). */
static void cancel_all(struct glb_hc_checker *c)
{
	size_t i;

	for (i = 0; c->set && i < c->set->n; i++) {
		struct glb_hc_probe *p = &c->set->v[i].probe;

		if (p->fd >= 0)
			close(p->fd);
		p->fd = -1;
		p->id = 0;
	}
	if (c->seq_owner)
		memset(c->seq_owner, 0, sizeof(*c->seq_owner) * (UINT16_MAX + 1));
	c->outstanding = 0;
	c->round_active = false;
	c->timer_gen++;
}

void glb_hc_checker_stop(struct glb_hc_checker *c)
{
	cancel_all(c);
}

void glb_hc_checker_fini(struct glb_hc_checker *c)
{
	cancel_all(c);
	glb_hc_tunnel_close(c);
	c->set = NULL;
}

int glb_hc_checker_set(struct glb_hc_checker *c, struct glb_hc_targets *set, uint32_t interval_ms,
		       uint32_t timeout_ms)
{
	bool tunnel = false;
	size_t i;
	int ret;

	for (i = 0; i < set->n; i++)
		tunnel |= is_tunnel(set->v[i].type);
	if (tunnel && c->icmp_fd < 0) {
		ret = glb_hc_tunnel_open(c);
		if (ret != 0)
			return ret;
	}
	cancel_all(c);
	if (!tunnel)
		glb_hc_tunnel_close(c);
	for (i = 0; i < set->n; i++) {
		set->v[i].checker = c;
		set->v[i].probe.fd = -1;
		set->v[i].probe.id = 0;
		set->v[i].probe.watch.fn = glb_hc_stream_on_event;
	}
	c->set = set;
	c->interval_ns = interval_ms * GLB_HC_NSEC_PER_MSEC;
	c->timeout_ns = timeout_ms * GLB_HC_NSEC_PER_MSEC;
	return 0;
}

enum glb_hc_reason glb_hc_checker_errno_reason(int err)
{
	switch (err) {
	case 0:
		return GLB_HC_REASON_OK;
	case ECONNREFUSED:
		return GLB_HC_REASON_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		return GLB_HC_REASON_UNREACHABLE;
	case ECONNRESET:
	case EPIPE:
		return GLB_HC_REASON_RESET;
	case ETIMEDOUT:
		return GLB_HC_REASON_TIMEOUT;
	default:
		return GLB_HC_REASON_ERROR;
	}
}

static void maybe_round_done(struct glb_hc_checker *c)
{
	if (!c->round_active || c->cursor < c->set->n || c->outstanding > 0)
		return;
	c->round_active = false;
	c->stats->last_round_ns = glb_hc_now() - c->round_start;
	c->ops->round_done(c->ctx);
}

void glb_hc_checker_complete(struct glb_hc_checker *c, struct glb_hc_target *t,
			     enum glb_hc_reason reason, int err, int http_status, int icmp_code)
{
	struct glb_hc_probe *p = &t->probe;
	size_t idx = (size_t)(t - c->set->v);

	if (!p->id)
		return;
	if (p->fd >= 0)
		close(p->fd);
	if (is_tunnel(t->type) && c->seq_owner && c->seq_owner[p->seq] == idx + 1)
		c->seq_owner[p->seq] = 0;
	t->last = (struct glb_hc_result){
		.reason = reason,
		.err = err,
		.http_status = http_status,
		.icmp_code = icmp_code,
		.latency_ns = glb_hc_now() - p->sent_ns,
	};
	p->fd = -1;
	p->id = 0;
	t->results++;
	c->stats->results[t->type][reason]++;
	c->outstanding--;
	c->ops->result(c->ctx, t);
	maybe_round_done(c);
}

static void on_deadline(void *arg, uint64_t id)
{
	struct glb_hc_checker *c = arg;
	size_t idx = (size_t)(id & PROBE_INDEX_MASK);
	struct glb_hc_target *t;
	uint64_t late;

	if (!c->set || idx >= c->set->n || c->set->v[idx].probe.id != id)
		return; /* answered already, or from an earlier set */
	t = &c->set->v[idx];
	late = glb_hc_now() - (t->probe.sent_ns + c->timeout_ns);
	if (late > c->stats->timeout_late_max_ns)
		c->stats->timeout_late_max_ns = late;
	if (late * PERCENT > c->timeout_ns * GLB_HC_LATE_PERCENT)
		c->stats->timeouts_late++;
	glb_hc_checker_complete(c, t, GLB_HC_REASON_TIMEOUT, ETIMEDOUT, 0, GLB_HC_NO_ICMP);
}

static void start_probe(struct glb_hc_checker *c, struct glb_hc_target *t)
{
	size_t idx = (size_t)(t - c->set->v);
	uint64_t now = glb_hc_now();

	/* Only when timers ran an interval late: the old probe has had its time. */
	if (t->probe.id)
		glb_hc_checker_complete(c, t, GLB_HC_REASON_TIMEOUT, ETIMEDOUT, 0, GLB_HC_NO_ICMP);
	t->probe.id = ++c->probe_serial << PROBE_INDEX_BITS | idx;
	t->probe.sent_ns = now;
	t->probe.phase = 0;
	t->probe.io = 0;
	c->outstanding++;
	c->stats->sent[t->type]++;
	if (glb_hc_loop_timer(c->loop, now + c->timeout_ns, on_deadline, c, t->probe.id) != 0) {
		glb_hc_checker_complete(c, t, GLB_HC_REASON_LOCAL, ENOMEM, 0, GLB_HC_NO_ICMP);
		return;
	}
	if (is_tunnel(t->type))
		glb_hc_tunnel_start(c, t);
	else
		glb_hc_stream_start(c, t);
}

/* Probes go out evenly over this much of each round (0 for --once: all at once). */
static uint64_t spread_ns(const struct glb_hc_checker *c)
{
	uint64_t room = c->interval_ns - c->timeout_ns, half = c->interval_ns / 2;

	if (!c->repeat)
		return 0;
	return room < half ? room : half;
}

static void on_send_timer(void *arg, uint64_t gen);

static void send_due(struct glb_hc_checker *c)
{
	uint64_t now = glb_hc_now(), spread = spread_ns(c);

	while (c->cursor < c->set->n) {
		uint64_t at = c->round_start + spread * c->cursor / c->set->n;

		if (at > now + SEND_SLACK_NS) {
			if (glb_hc_loop_timer(c->loop, at, on_send_timer, c, c->timer_gen) == 0)
				break;
			at = now; /* no memory for a timer: send now rather than never */
		}
		if (now > at) {
			if (now - at > c->stats->send_late_max_ns)
				c->stats->send_late_max_ns = now - at;
			if ((now - at) * PERCENT > c->interval_ns * GLB_HC_LATE_PERCENT)
				c->stats->sends_late++;
		}
		/* Advance first: a probe that fails at once may end the round. */
		start_probe(c, &c->set->v[c->cursor++]);
	}
	maybe_round_done(c);
}

static void on_send_timer(void *arg, uint64_t gen)
{
	struct glb_hc_checker *c = arg;

	if (gen == c->timer_gen && c->round_active)
		send_due(c);
}

static void on_round_timer(void *arg, uint64_t gen);

static int round_begin(struct glb_hc_checker *c, uint64_t start)
{
	size_t i;

	/* Probes still out past a round's end (timers ran late) have had their time. */
	for (i = 0; c->round_active && i < c->set->n; i++)
		if (c->set->v[i].probe.id)
			glb_hc_checker_complete(c, &c->set->v[i], GLB_HC_REASON_TIMEOUT, ETIMEDOUT,
						0, GLB_HC_NO_ICMP);
	c->round_active = true;
	c->round_start = start;
	c->cursor = 0;
	c->stats->rounds++;
	if (c->repeat) {
		c->next_round = start + c->interval_ns;
		if (glb_hc_loop_timer(c->loop, c->next_round, on_round_timer, c, c->timer_gen) != 0)
			return -ENOMEM;
	}
	send_due(c);
	return 0;
}

static void on_round_timer(void *arg, uint64_t gen)
{
	struct glb_hc_checker *c = arg;
	uint64_t now = glb_hc_now(), start = c->next_round, behind;

	if (gen != c->timer_gen)
		return;
	/* A whole interval behind (the machine was suspended): skip, keep the phase. */
	if (now >= start + c->interval_ns) {
		behind = (now - start) / c->interval_ns;
		c->stats->rounds_skipped += behind;
		start += behind * c->interval_ns;
	}
	/* Without memory for the next round's timer the rounds would stop: say so. */
	if (round_begin(c, start) != 0)
		c->error = -ENOMEM;
}

int glb_hc_checker_start(struct glb_hc_checker *c, bool repeat)
{
	c->timer_gen++;
	c->repeat = repeat;
	return round_begin(c, glb_hc_now());
}
