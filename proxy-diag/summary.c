/* SPDX-License-Identifier: BSD-3-Clause */
#include "summary.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int grow(void **arr, size_t *cap, size_t elem)
{
	size_t ncap = *cap ? 2 * *cap : 8;
	void *p = realloc(*arr, ncap * elem);

	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct glb_pd_vipport *find(struct glb_pd_summary *s, const struct glb_pd_addr *a, int port)
{
	if (s->last < s->n && s->e[s->last].port == port &&
	    glb_pd_addr_equal(&s->e[s->last].addr, a))
		return &s->e[s->last];
	for (size_t i = 0; i < s->n; i++) {
		if (s->e[i].port == port && glb_pd_addr_equal(&s->e[i].addr, a)) {
			s->last = i;
			return &s->e[i];
		}
	}
	return NULL;
}

static struct glb_pd_vipport *find_or_add(struct glb_pd_summary *s, const struct glb_pd_addr *a,
					  int port)
{
	struct glb_pd_vipport *e = find(s, a, port);

	if (e)
		return e;
	if (s->n == s->cap && grow((void **)&s->e, &s->cap, sizeof(*s->e)) != 0)
		return NULL;
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->addr = *a;
	e->port = port;
	s->last = s->n++;
	return e;
}

int glb_pd_summary_init(struct glb_pd_summary *s, const struct glb_pd_vip *vips, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->vips = vips;
	s->num_vips = n;
	for (size_t i = 0; i < n; i++)
		if (vips[i].port != GLB_PD_ANY_PORT && !find_or_add(s, &vips[i].addr, vips[i].port))
			return -ENOMEM;
	return 0;
}

static void add_listener(struct glb_pd_vipport *e, uint32_t queue, uint32_t max, int wildcard)
{
	e->listeners++;
	e->wildcard_listeners += wildcard ? 1 : 0;
	e->accept_queue += queue;
	e->accept_max += max;
	/* fullest by fill ratio: queue/max > fullest_queue/fullest_max */
	if (e->listeners == 1 ||
	    (uint64_t)queue * e->fullest_max > (uint64_t)e->fullest_queue * max) {
		e->fullest_queue = queue;
		e->fullest_max = max;
	}
}

static void add_conn(struct glb_pd_vipport *e, const struct glb_pd_sock *sock)
{
	e->states[sock->state < GLB_PD_TCP_NUM_STATES ? sock->state : 0]++;
	e->sockets++;
	e->send_queue += sock->wqueue;
	e->recv_queue += sock->rqueue;
	e->send_queue_conns += sock->wqueue ? 1 : 0;
	e->recv_queue_conns += sock->rqueue ? 1 : 0;
	if (sock->has_info) {
		e->retransmitting += glb_pd_tcpinfo_retransmitting(&sock->info) ? 1 : 0;
		e->retransmitted += sock->info.total_retrans ? 1 : 0;
		e->total_retrans += sock->info.total_retrans;
	}
}

int glb_pd_summary_add(const struct glb_pd_sock *sock, void *arg)
{
	struct glb_pd_summary *s = arg;
	struct glb_pd_vipport *e;

	s->sockets_seen++;
	if (sock->state == GLB_PD_TCP_LISTEN && glb_pd_addr_is_any(&sock->local)) {
		if (s->num_wild == s->cap_wild &&
		    grow((void **)&s->wild, &s->cap_wild, sizeof(*s->wild)) != 0)
			return -ENOMEM;
		s->wild[s->num_wild++] = (struct glb_pd_wildcard){
			.family = sock->family,
			.v6only = sock->v6only,
			.port = sock->local_port,
			.queue = sock->rqueue,
			.max = sock->wqueue,
		};
		return 0;
	}
	e = find_or_add(s, &sock->local, sock->local_port);
	if (!e)
		return -ENOMEM;
	if (sock->state == GLB_PD_TCP_LISTEN)
		add_listener(e, sock->rqueue, sock->wqueue, 0);
	else
		add_conn(e, sock);
	return 0;
}

/* Does a wildcard listener take connections to VIP address a? */
static int serves(const struct glb_pd_wildcard *w, const struct glb_pd_addr *a)
{
	if (w->family == a->family)
		return 1;
	/* A dual-stack [::] listener takes IPv4 too, unless IPV6_V6ONLY. */
	return w->family == AF_INET6 && a->family == AF_INET && !w->v6only;
}

static int attach_wildcards(struct glb_pd_summary *s)
{
	for (size_t w = 0; w < s->num_wild; w++) {
		const struct glb_pd_wildcard *wl = &s->wild[w];

		for (size_t i = 0; i < s->num_vips; i++) {
			const struct glb_pd_vip *v = &s->vips[i];
			struct glb_pd_vipport *e;

			if (!serves(wl, &v->addr))
				continue;
			if (v->port == wl->port)
				e = find_or_add(s, &v->addr, v->port);
			else if (v->port == GLB_PD_ANY_PORT)
				e = find(s, &v->addr, wl->port); /* only where it has sockets */
			else
				continue;
			if (!e && v->port == wl->port)
				return -ENOMEM;
			if (e)
				add_listener(e, wl->queue, wl->max, 1);
		}
	}
	return 0;
}

/* Where a VIP sits in the command line's order (its first spec). */
static size_t vip_rank(const struct glb_pd_summary *s, const struct glb_pd_addr *a)
{
	for (size_t i = 0; i < s->num_vips; i++)
		if (glb_pd_addr_equal(&s->vips[i].addr, a))
			return i;
	return s->num_vips;
}

static int cmp_entries(const void *pa, const void *pb, void *arg)
{
	const struct glb_pd_vipport *a = pa, *b = pb;
	size_t ra = vip_rank(arg, &a->addr), rb = vip_rank(arg, &b->addr);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

int glb_pd_summary_finish(struct glb_pd_summary *s)
{
	int ret = attach_wildcards(s);

	if (ret != 0)
		return ret;
	for (size_t i = 0; i < s->num_vips; i++) {
		const struct glb_pd_vip *v = &s->vips[i];
		int has = 0;

		if (v->port != GLB_PD_ANY_PORT)
			continue;
		for (size_t j = 0; j < s->n && !has; j++)
			has = glb_pd_addr_equal(&s->e[j].addr, &v->addr);
		if (!has && !find_or_add(s, &v->addr, GLB_PD_ANY_PORT))
			return -ENOMEM;
	}
	if (s->n > 1) /* (e may be NULL, which qsort may not be given) */
		qsort_r(s->e, s->n, sizeof(*s->e), cmp_entries, s);
	return 0;
}

void glb_pd_summary_free(struct glb_pd_summary *s)
{
	free(s->e);
	free(s->wild);
	memset(s, 0, sizeof(*s));
}

uint32_t glb_pd_vipport_connections(const struct glb_pd_vipport *e)
{
	uint32_t n = 0;

	for (unsigned st = 0; st < GLB_PD_TCP_NUM_STATES; st++)
		if (GLB_PD_TCPF_CONNECTIONS & GLB_PD_TCPF(st))
			n += e->states[st];
	return n;
}
