/* SPDX-License-Identifier: BSD-3-Clause */
#include "flow_match.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table_format.h"

int glb_flow_match_cmp(const struct glb_flow_match *a, const struct glb_flow_match *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c != 0)
		return c;
	if (a->prefix_bits != b->prefix_bits)
		return a->prefix_bits < b->prefix_bits ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->has_port != b->has_port)
		return a->has_port ? 1 : -1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static int match_qsort_cmp(const void *a, const void *b)
{
	return glb_flow_match_cmp(a, b);
}

/* Appends to a growing array; -ENOMEM when it cannot grow. */
static int push(struct glb_flow_match **v, size_t *n, size_t *cap, const struct glb_flow_match *m)
{
	if (*n == *cap) {
		size_t grown = *cap ? *cap * 2 : 64;
		struct glb_flow_match *p = realloc(*v, grown * sizeof(**v));

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = grown;
	}
	(*v)[(*n)++] = *m;
	return 0;
}

/* A bind's rules: its protocol to its prefix, per port or for the whole protocol. */
static int bind_matches(const struct glb_fmt_bind *b, unsigned caps, struct glb_flow_match **v,
			size_t *n, size_t *cap)
{
	struct glb_flow_match m = { .family = (uint8_t)b->family,
				    .prefix_bits = (uint8_t)b->prefix_bits,
				    .proto = (caps & GLB_FLOW_CAN_PROTO) ? b->proto : 0 };
	unsigned span = (unsigned)b->port_end - b->port_start + 1, p;
	int ret = 0;

	memcpy(m.addr, b->addr, sizeof(m.addr));
	if (span > GLB_FLOW_MAX_PORTS_PER_BIND || !(caps & GLB_FLOW_CAN_PORT) || !m.proto)
		return push(v, n, cap, &m);
	m.has_port = true;
	for (p = b->port_start; p <= b->port_end && ret == 0; p++) {
		m.port = (uint16_t)p;
		ret = push(v, n, cap, &m);
	}
	return ret;
}

/* ICMP about a service (too big, echo) is sent to its address: by protocol to each prefix. */
static int icmp_match(const struct glb_fmt_bind *b, unsigned caps, struct glb_flow_match **v,
		      size_t *n, size_t *cap)
{
	uint8_t icmp = b->family == GLB_FAMILY_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	struct glb_flow_match m = { .family = (uint8_t)b->family,
				    .prefix_bits = (uint8_t)b->prefix_bits,
				    .proto = (caps & GLB_FLOW_CAN_PROTO) ? icmp : 0 };

	memcpy(m.addr, b->addr, sizeof(m.addr));
	return push(v, n, cap, &m);
}

int glb_flow_matches(const struct glb_table_file *tf, unsigned caps, struct glb_flow_match **out,
		     size_t *n)
{
	struct glb_flow_match *v = NULL;
	size_t cap = 0, k, w;
	uint32_t t, i;
	int ret = 0;

	*n = 0;
	for (t = 0; t < tf->num_tables && ret == 0; t++) {
		const struct glb_fmt_table *tb = &tf->tables[t];

		for (i = 0; i < tb->num_binds && ret == 0; i++) {
			ret = bind_matches(&tb->binds[i], caps, &v, n, &cap);
			if (ret == 0)
				ret = icmp_match(&tb->binds[i], caps, &v, n, &cap);
		}
	}
	if (ret != 0) {
		free(v);
		*n = 0;
		return ret;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), match_qsort_cmp);
	for (k = w = 0; k < *n; k++)
		if (w == 0 || glb_flow_match_cmp(&v[w - 1], &v[k]) != 0)
			v[w++] = v[k];
	*n = w;
	*out = v;
	return 0;
}

const char *glb_flow_match_str(const struct glb_flow_match *m, char *buf, size_t cap)
{
	char addr[INET6_ADDRSTRLEN];
	const char *proto = m->proto == IPPROTO_TCP    ? "tcp" :
			    m->proto == IPPROTO_UDP    ? "udp" :
			    m->proto == IPPROTO_ICMP   ? "icmp" :
			    m->proto == IPPROTO_ICMPV6 ? "icmpv6" :
							 "ip";

	inet_ntop(m->family == GLB_FAMILY_IPV4 ? AF_INET : AF_INET6, m->addr, addr, sizeof(addr));
	if (m->has_port)
		snprintf(buf, cap, "%s %s/%u port %u", proto, addr, m->prefix_bits, m->port);
	else
		snprintf(buf, cap, "%s %s/%u", proto, addr, m->prefix_bits);
	return buf;
}
