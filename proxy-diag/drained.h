/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "Can I take this proxy out now?": wait until the VIPs have no connection
 * left (or fewer than a threshold), printing what is left as it goes down.
 * A connection is any socket of the VIPs that still talks to a client
 * (GLB_PD_TCPF_CONNECTIONS): established, or opening or closing with the
 * client still there.  Listeners and TIME_WAIT are not.
 */
#ifndef GLB_PD_DRAINED_H
#define GLB_PD_DRAINED_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "sockdiag.h"

/* How often the sockets are counted: a dump of a busy proxy's VIP costs
 * tens of milliseconds of kernel time, so twice a second is cheap. */
#define GLB_PD_DRAIN_POLL_MS 500
/* With nothing changing, a progress line this often, to show it is alive. */
#define GLB_PD_DRAIN_HEARTBEAT_S 10
/* On a timeout, this many of the connections left are listed. */
#define GLB_PD_DRAIN_SHOW 20

struct glb_pd_drained_opts {
	const struct glb_pd_vip *vips;
	size_t num_vips;
	double timeout_s; /* < 0: wait as long as it takes; 0: answer now */
	uint64_t below;   /* drained when fewer than this many are left (1: none) */
	int json;         /* the answer as JSON on out; progress on progress */
};

enum glb_pd_drained_answer {
	GLB_PD_DRAINED = 0,
	GLB_PD_NOT_DRAINED = 1, /* timed out, or stopped by a signal */
};

/*
 * Count until drained, the timeout, or *stop.  Progress lines ("12
 * connections left: ESTABLISHED 10, FIN-WAIT-2 2") go to progress; the
 * answer, with the connections left when not drained, to out.  Returns
 * an enum glb_pd_drained_answer, or -errno from the dump.
 */
int glb_pd_drained_wait(struct glb_pd_sockdiag *sd, const struct glb_pd_drained_opts *o,
			const volatile sig_atomic_t *stop, FILE *out, FILE *progress);

#endif
