/* SPDX-License-Identifier: BSD-3-Clause */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Events taken per epoll_wait: a burst of replies is drained in few calls. */
#define EPOLL_BATCH 256
#define HEAP_INITIAL 64
/* Signal numbers fit the 64-bit set (SIGRTMAX is 64 on Linux). */
#define SIGNAL_SET_BITS 64

uint64_t glb_hc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * GLB_HC_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void on_timerfd(struct glb_hc_watch *w, uint32_t events)
{
	struct glb_hc_loop *l = container_of(w, struct glb_hc_loop, timer_watch);
	uint64_t expirations;

	(void)events;
	/* Only to clear readiness; due timers run after the fd events. */
	if (read(l->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
}

static void on_signalfd(struct glb_hc_watch *w, uint32_t events)
{
	struct glb_hc_loop *l = container_of(w, struct glb_hc_loop, sig_watch);
	struct signalfd_siginfo si;

	(void)events;
	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo < SIGNAL_SET_BITS)
			l->signals |= 1ull << si.ssi_signo;
}

int glb_hc_loop_init(struct glb_hc_loop *l, const int *signals, size_t nsignals)
{
	sigset_t set;
	size_t i;
	int ret;

	memset(l, 0, sizeof(*l));
	l->epfd = l->timerfd = l->sigfd = -1;
	l->timer_watch.fn = on_timerfd;
	l->sig_watch.fn = on_signalfd;
	sigemptyset(&set);
	for (i = 0; i < nsignals; i++)
		sigaddset(&set, signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->epfd < 0 || l->timerfd < 0 || l->sigfd < 0) {
		ret = -errno;
		goto err;
	}
	ret = glb_hc_loop_watch(l, l->timerfd, EPOLLIN, &l->timer_watch);
	if (ret == 0)
		ret = glb_hc_loop_watch(l, l->sigfd, EPOLLIN, &l->sig_watch);
	if (ret == 0)
		return 0;
err:
	glb_hc_loop_fini(l);
	return ret;
}

void glb_hc_loop_fini(struct glb_hc_loop *l)
{
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = l->timerfd = l->sigfd = -1;
	free(l->heap);
	l->heap = NULL;
	l->n = l->cap = 0;
}

void glb_hc_loop_child_reset(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int ctl(struct glb_hc_loop *l, int op, int fd, uint32_t events, struct glb_hc_watch *w)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(l->epfd, op, fd, &ev) == 0 ? 0 : -errno;
}

int glb_hc_loop_watch(struct glb_hc_loop *l, int fd, uint32_t events, struct glb_hc_watch *w)
{
	return ctl(l, EPOLL_CTL_ADD, fd, events, w);
}

int glb_hc_loop_rewatch(struct glb_hc_loop *l, int fd, uint32_t events, struct glb_hc_watch *w)
{
	return ctl(l, EPOLL_CTL_MOD, fd, events, w);
}

static void heap_swap(struct glb_hc_timer *h, size_t a, size_t b)
{
	struct glb_hc_timer t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static void heap_up(struct glb_hc_timer *h, size_t i)
{
	while (i > 0 && h[(i - 1) / 2].when > h[i].when) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct glb_hc_timer *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;

		if (l < n && h[l].when < h[min].when)
			min = l;
		if (r < n && h[r].when < h[min].when)
			min = r;
		if (min == i)
			return;
		heap_swap(h, i, min);
		i = min;
	}
}

int glb_hc_loop_timer(struct glb_hc_loop *l, uint64_t when, glb_hc_timer_fn *fn, void *arg,
		      uint64_t cookie)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : HEAP_INITIAL;
		struct glb_hc_timer *h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->cap = cap;
	}
	l->heap[l->n] =
		(struct glb_hc_timer){ .when = when, .fn = fn, .arg = arg, .cookie = cookie };
	heap_up(l->heap, l->n++);
	return 0;
}

/* Arm the timerfd for the earliest timer, if that is not already so. */
static int arm(struct glb_hc_loop *l)
{
	uint64_t when = l->n ? l->heap[0].when : 0;
	struct itimerspec its = { 0 };

	if (when == l->armed)
		return 0;
	/* 0 would disarm: a timer due "at time 0" is due now, 1 ns does the same. */
	if (l->n && when == 0)
		when = 1;
	its.it_value.tv_sec = (time_t)(when / GLB_HC_NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(when % GLB_HC_NSEC_PER_SEC);
	if (timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		return -errno;
	l->armed = when;
	return 0;
}

static void run_due_timers(struct glb_hc_loop *l)
{
	uint64_t now = glb_hc_now();

	while (l->n && l->heap[0].when <= now) {
		struct glb_hc_timer t = l->heap[0];

		l->heap[0] = l->heap[--l->n];
		heap_down(l->heap, l->n, 0);
		if (now - t.when > l->late_max_ns)
			l->late_max_ns = now - t.when;
		t.fn(t.arg, t.cookie);
		now = glb_hc_now();
	}
}

int glb_hc_loop_run_once(struct glb_hc_loop *l)
{
	struct epoll_event evs[EPOLL_BATCH];
	int i, n, ret;

	ret = arm(l);
	if (ret != 0)
		return ret;
	n = epoll_wait(l->epfd, evs, EPOLL_BATCH, -1);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct glb_hc_watch *w = evs[i].data.ptr;

		w->fn(w, evs[i].events);
	}
	run_due_timers(l);
	return 0;
}

uint64_t glb_hc_loop_take_signals(struct glb_hc_loop *l)
{
	uint64_t s = l->signals;

	l->signals = 0;
	return s;
}
