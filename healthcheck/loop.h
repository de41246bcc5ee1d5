/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one event loop: epoll over non-blocking sockets, one timerfd armed for
 * the earliest of a heap of timers, and a signalfd, so that signals arrive
 * as events and no signal handler exists at all.
 *
 * Timers cannot be cancelled; each carries a cookie that its callback
 * compares with the owner's current one, so a stale timer does nothing.
 */
#ifndef GLB_HC_LOOP_H
#define GLB_HC_LOOP_H

#include <stddef.h>
#include <stdint.h>

#define GLB_HC_NSEC_PER_MSEC 1000000ull
#define GLB_HC_NSEC_PER_SEC 1000000000ull

/* Embedded in whatever owns an fd; fn gets the epoll events. */
struct glb_hc_watch {
	void (*fn)(struct glb_hc_watch *w, uint32_t events);
};

typedef void glb_hc_timer_fn(void *arg, uint64_t cookie);

struct glb_hc_timer {
	uint64_t when; /* CLOCK_MONOTONIC, ns */
	glb_hc_timer_fn *fn;
	void *arg;
	uint64_t cookie;
};

struct glb_hc_loop {
	int epfd, timerfd, sigfd;
	struct glb_hc_timer *heap;
	size_t n, cap;
	uint64_t armed;       /* when the timerfd fires; 0 = disarmed */
	uint64_t signals;     /* bit (1 << signo) for each signal received, until taken */
	uint64_t late_max_ns; /* the latest any timer ran past its time, until reset */
	struct glb_hc_watch timer_watch, sig_watch;
};

/* CLOCK_MONOTONIC in ns. */
uint64_t glb_hc_now(void);

/*
 * Create the epoll, timerfd and signalfd; the given signals are blocked in
 * this process (a child must unblock them: glb_hc_loop_child_reset).
 * Returns 0 or -errno.
 */
int glb_hc_loop_init(struct glb_hc_loop *l, const int *signals, size_t nsignals);
void glb_hc_loop_fini(struct glb_hc_loop *l);
/* In a forked child: unblock every signal and restore default dispositions. */
void glb_hc_loop_child_reset(void);

/* Register / change an fd's events.  0 or -errno. */
int glb_hc_loop_watch(struct glb_hc_loop *l, int fd, uint32_t events, struct glb_hc_watch *w);
int glb_hc_loop_rewatch(struct glb_hc_loop *l, int fd, uint32_t events, struct glb_hc_watch *w);

/* Call fn(arg, cookie) at when (or as soon as possible after).  0 or -ENOMEM. */
int glb_hc_loop_timer(struct glb_hc_loop *l, uint64_t when, glb_hc_timer_fn *fn, void *arg,
		      uint64_t cookie);

/* Wait for events, dispatch them, then run every due timer.  0 or -errno. */
int glb_hc_loop_run_once(struct glb_hc_loop *l);

/* The signals received since the last call, as a bit set (1 << signo). */
uint64_t glb_hc_loop_take_signals(struct glb_hc_loop *l);

#endif
