/* SPDX-License-Identifier: BSD-3-Clause */
#include "conns.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array_size.h"

static const char *const sort_names[] = {
	[GLB_PD_SORT_RETRANS] = "retrans",
	[GLB_PD_SORT_SENDQ] = "sendq",
	[GLB_PD_SORT_RTT] = "rtt",
};

int glb_pd_sort_parse(const char *text, enum glb_pd_sort *out)
{
	for (size_t i = 0; i < GLB_ARRAY_SIZE(sort_names); i++) {
		if (strcmp(text, sort_names[i]) == 0) {
			*out = (enum glb_pd_sort)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *glb_pd_sort_name(enum glb_pd_sort sort)
{
	return sort_names[sort];
}

/* Descending: the larger value is worse and goes first (-1). */
static int worse_first(uint64_t x, uint64_t y)
{
	return (x < y) - (x > y);
}

/* The sort key alone: 0 when a and b are as bad as each other. */
static int by_key(const struct glb_pd_conn *a, const struct glb_pd_conn *b, enum glb_pd_sort sort)
{
	int c = 0;

	switch (sort) {
	case GLB_PD_SORT_RETRANS:
		c = worse_first(a->info.total_retrans, b->info.total_retrans);
		if (!c)
			c = worse_first(a->info.bytes_retrans, b->info.bytes_retrans);
		if (!c)
			c = worse_first(a->info.lost, b->info.lost);
		break;
	case GLB_PD_SORT_SENDQ:
		c = worse_first(a->wqueue, b->wqueue);
		if (!c)
			c = worse_first(a->info.unacked, b->info.unacked);
		break;
	case GLB_PD_SORT_RTT:
		c = worse_first(a->info.rtt_us, b->info.rtt_us);
		break;
	}
	return c;
}

int glb_pd_conn_cmp(const struct glb_pd_conn *a, const struct glb_pd_conn *b, enum glb_pd_sort sort)
{
	int c = by_key(a, b, sort);

	if (c)
		return c;
	c = glb_pd_addr_cmp(&a->peer, &b->peer);
	if (c)
		return c;
	if (a->peer_port != b->peer_port)
		return a->peer_port < b->peer_port ? -1 : 1;
	c = glb_pd_addr_cmp(&a->local, &b->local);
	if (c)
		return c;
	return (a->local_port > b->local_port) - (a->local_port < b->local_port);
}

void glb_pd_conns_init(struct glb_pd_conns *cs, enum glb_pd_sort sort, size_t top)
{
	memset(cs, 0, sizeof(*cs));
	cs->sort = sort;
	cs->top = top;
}

/* The heap keeps the least bad of the kept connections at its root, where
 * a worse newcomer replaces it. */
static int heap_above(const struct glb_pd_conns *cs, size_t i, size_t j)
{
	return glb_pd_conn_cmp(&cs->c[i], &cs->c[j], cs->sort) > 0;
}

static void swap(struct glb_pd_conn *a, struct glb_pd_conn *b)
{
	struct glb_pd_conn t = *a;

	*a = *b;
	*b = t;
}

static void sift_up(struct glb_pd_conns *cs, size_t i)
{
	while (i > 0 && heap_above(cs, i, (i - 1) / 2)) {
		swap(&cs->c[i], &cs->c[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct glb_pd_conns *cs, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;

		if (l < cs->n && heap_above(cs, l, top))
			top = l;
		if (r < cs->n && heap_above(cs, r, top))
			top = r;
		if (top == i)
			return;
		swap(&cs->c[i], &cs->c[top]);
		i = top;
	}
}

static void from_sock(struct glb_pd_conn *c, const struct glb_pd_sock *s)
{
	c->local = s->local;
	c->peer = s->peer;
	c->local_port = s->local_port;
	c->peer_port = s->peer_port;
	c->state = s->state;
	c->has_info = s->has_info;
	c->rqueue = s->rqueue;
	c->wqueue = s->wqueue;
	c->info = s->info;
}

int glb_pd_conns_add(const struct glb_pd_sock *sock, void *arg)
{
	struct glb_pd_conns *cs = arg;
	struct glb_pd_conn c;

	cs->seen++;
	from_sock(&c, sock);
	if (cs->top && cs->n == cs->top) {
		/* Full: keep it only if it is worse than the least bad kept. */
		if (glb_pd_conn_cmp(&c, &cs->c[0], cs->sort) >= 0)
			return 0;
		cs->c[0] = c;
		sift_down(cs, 0);
		return 0;
	}
	if (cs->n == cs->cap) {
		size_t ncap = cs->cap ? 2 * cs->cap : (cs->top ? cs->top : 64);
		struct glb_pd_conn *p = realloc(cs->c, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		cs->c = p;
		cs->cap = ncap;
	}
	cs->c[cs->n++] = c;
	if (cs->top)
		sift_up(cs, cs->n - 1);
	return 0;
}

static int cmp_qsort(const void *a, const void *b, void *sort)
{
	return glb_pd_conn_cmp(a, b, *(const enum glb_pd_sort *)sort);
}

void glb_pd_conns_finish(struct glb_pd_conns *cs)
{
	/* (none kept: c is NULL, which qsort may not be given even for 0) */
	if (cs->n > 1)
		qsort_r(cs->c, cs->n, sizeof(*cs->c), cmp_qsort, &cs->sort);
}

void glb_pd_conns_free(struct glb_pd_conns *cs)
{
	free(cs->c);
	memset(cs, 0, sizeof(*cs));
}
