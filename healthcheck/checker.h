/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rounds of checks on the event loop.  A round starts every interval_ms on
 * a fixed schedule (no drift); its probes are spread evenly over the first
 * min(interval - timeout, interval / 2) of it, so each one ends, by answer
 * or timeout, before the next round begins.  Every probe is one
 * non-blocking socket or datagram with a deadline timer: no thread, no
 * blocking call.
 */
#ifndef GLB_HC_CHECKER_H
#define GLB_HC_CHECKER_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "stats.h"
#include "targets.h"

struct glb_hc_checker_ops {
	/* A probe of t ended; t->last holds its result. */
	void (*result)(void *ctx, struct glb_hc_target *t);
	/* Every probe of the round has ended. */
	void (*round_done)(void *ctx);
};

struct glb_hc_checker {
	struct glb_hc_loop *loop;
	struct glb_hc_stats *stats;
	const struct glb_hc_checker_ops *ops;
	void *ctx;
	struct glb_hc_targets *set;
	uint64_t interval_ns, timeout_ns;
	bool repeat; /* false: one round, all probes at once (--once) */
	/* Tunnel checks: opened while the set has gue or fou targets. */
	int udp_fd, route_fd, icmp_fd;
	struct glb_hc_watch icmp_watch;
	uint16_t echo_id, next_seq;
	uint32_t *seq_owner; /* [echo sequence] = target index + 1 of the probe using it */
	/* The round in progress. */
	uint64_t round_start, next_round, first_send;
	size_t cursor, outstanding;
	bool round_active;
	uint64_t timer_gen; /* cookie of the round and send timers; bumped to cancel them */
	uint64_t probe_serial;
	int error; /* -errno when rounds could not go on: the daemon must stop */
};

int glb_hc_checker_init(struct glb_hc_checker *c, struct glb_hc_loop *loop,
			struct glb_hc_stats *stats, const struct glb_hc_checker_ops *ops,
			void *ctx);
void glb_hc_checker_fini(struct glb_hc_checker *c);

/*
 * Check set from now on, with these timings (timeout_ms < interval_ms).
 * Ends every probe in flight without a result and opens or closes the
 * tunnel sockets as the set needs them.  Returns 0, or -errno when a tunnel
 * socket cannot be opened (the previous set is then kept).
 */
int glb_hc_checker_set(struct glb_hc_checker *c, struct glb_hc_targets *set, uint32_t interval_ms,
		       uint32_t timeout_ms);

/* Start a round now; with repeat, one every interval after it.  0 or -ENOMEM. */
int glb_hc_checker_start(struct glb_hc_checker *c, bool repeat);

/* Stop: no more rounds, every probe in flight ended without a result. */
void glb_hc_checker_stop(struct glb_hc_checker *c);

/* --- for the probe implementations (check_stream.c, check_tunnel.c) --- */

/* End t's probe with this result (err: errno; status: HTTP code; icmp: code or GLB_HC_NO_ICMP). */
void glb_hc_checker_complete(struct glb_hc_checker *c, struct glb_hc_target *t,
			     enum glb_hc_reason reason, int err, int http_status, int icmp_code);
/* The reason for a socket errno. */
enum glb_hc_reason glb_hc_checker_errno_reason(int err);

/* Start a TCP or HTTP probe of t; a failure to start completes it at once. */
void glb_hc_stream_start(struct glb_hc_checker *c, struct glb_hc_target *t);
void glb_hc_stream_on_event(struct glb_hc_watch *w, uint32_t events);

/* Tunnel checks: sockets, one probe, and the ICMP they bring back. */
int glb_hc_tunnel_open(struct glb_hc_checker *c);
void glb_hc_tunnel_close(struct glb_hc_checker *c);
void glb_hc_tunnel_start(struct glb_hc_checker *c, struct glb_hc_target *t);

#endif
