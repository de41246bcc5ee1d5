/* SPDX-License-Identifier: BSD-3-Clause */
#include "filter.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <string.h>
#include <sys/socket.h>

/* Jumps are offsets in 32-bit words' bytes: conditions are word-sized. */
#define OP_LEN sizeof(struct inet_diag_bc_op)
/* Jumping this far past the end of the program rejects the socket. */
#define REJECT_PAST_END OP_LEN

_Static_assert(sizeof(struct inet_diag_hostcond) == 8, "hostcond: family, prefix, port");

static size_t addr_len(const struct glb_pd_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

static size_t cond_len(const struct glb_pd_hostcond *c)
{
	return OP_LEN + sizeof(struct inet_diag_hostcond) + addr_len(&c->addr);
}

/* Bytes a group of n conditions takes: each, plus a JMP after all but the last. */
static size_t group_len(const struct glb_pd_hostcond *c, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += cond_len(&c[i]) + (i + 1 < n ? OP_LEN : 0);
	return len;
}

static void put_op(uint8_t *at, uint8_t code, size_t yes, size_t no)
{
	struct inet_diag_bc_op op = { .code = code, .yes = (uint8_t)yes, .no = (uint16_t)no };

	memcpy(at, &op, sizeof(op));
}

/*
 * Write a group at buf + at (the program is total bytes long): a socket
 * matching any condition goes on to the first byte after the group, one
 * matching none is rejected.  Returns the group's end.
 */
static size_t put_group(uint8_t *buf, size_t at, size_t total, uint8_t code,
			const struct glb_pd_hostcond *c, size_t n)
{
	size_t end = at + group_len(c, n);

	for (size_t i = 0; i < n; i++) {
		struct inet_diag_hostcond hc;
		size_t len = cond_len(&c[i]);
		int last = i + 1 == n;

		/* yes: the JMP after it (or, last, the next group); no: the next
		 * condition (skipping the JMP), or, last, past the end: reject. */
		put_op(buf + at, code, len, last ? total - at + REJECT_PAST_END : len + OP_LEN);
		/* memset: the 2 bytes of padding after prefix_len reach the kernel too */
		memset(&hc, 0, sizeof(hc));
		hc.family = c[i].addr.family;
		hc.prefix_len = c[i].prefix_len;
		hc.port = c[i].port;
		memcpy(buf + at + OP_LEN, &hc, sizeof(hc));
		memcpy(buf + at + OP_LEN + sizeof(hc), c[i].addr.b, addr_len(&c[i].addr));
		at += len;
		if (!last) {
			/* Always "no": to the group's end.  Its "yes" only keeps it
			 * on the chain the kernel's audit walks. */
			put_op(buf + at, INET_DIAG_BC_JMP, OP_LEN, end - at);
			at += OP_LEN;
		}
	}
	return at;
}

ssize_t glb_pd_filter_build(const struct glb_pd_hostcond *local, size_t nlocal,
			    const struct glb_pd_hostcond *peer, size_t npeer, uint8_t *buf,
			    size_t cap)
{
	size_t total, at;

	if (nlocal == 0)
		return -EINVAL;
	total = group_len(local, nlocal) + group_len(peer, npeer);
	/* The longest jump is a first condition's reject (total + 4); "no" is 16 bits. */
	if (total > cap || total > GLB_PD_FILTER_MAX_LEN)
		return -ENOSPC;
	at = put_group(buf, 0, total, INET_DIAG_BC_S_COND, local, nlocal);
	if (npeer)
		at = put_group(buf, at, total, INET_DIAG_BC_D_COND, peer, npeer);
	return (ssize_t)at;
}

static int add_cond(struct glb_pd_hostcond *out, size_t cap, size_t *n,
		    const struct glb_pd_addr *addr, int port)
{
	/* The same condition twice (two VIPs' wildcards on one port) costs a
	 * comparison per socket: once is enough. */
	for (size_t i = 0; i < *n; i++)
		if (glb_pd_addr_equal(&out[i].addr, addr) && out[i].port == port)
			return 0;
	if (*n == cap)
		return -ENOSPC;
	out[*n] = (struct glb_pd_hostcond){
		.addr = *addr,
		.prefix_len = (uint8_t)(addr->family == AF_INET ? 32 : 128),
		.port = port,
	};
	(*n)++;
	return 0;
}

ssize_t glb_pd_filter_local_conds(const struct glb_pd_vip *vips, size_t num_vips, int family,
				  int listeners, struct glb_pd_hostcond *out, size_t cap)
{
	struct glb_pd_addr any;
	size_t n = 0;

	glb_pd_addr_set(&any, family, (const uint8_t[16]){ 0 });
	for (size_t i = 0; i < num_vips; i++) {
		const struct glb_pd_vip *v = &vips[i];

		/* An IPv6 VIP has no IPv4 sockets; an IPv4 VIP has IPv6 ones
		 * (mapped) when a dual-stack listener accepted them. */
		if (v->addr.family != family && family == AF_INET)
			continue;
		if (add_cond(out, cap, &n, &v->addr, v->port) != 0)
			return -ENOSPC;
		if (listeners && add_cond(out, cap, &n, &any, v->port) != 0)
			return -ENOSPC;
	}
	return (ssize_t)n;
}
