/* SPDX-License-Identifier: BSD-3-Clause */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* The ::ffff:0:0/96 prefix of IPv4-mapped IPv6 addresses (RFC 4291 2.5.5.2). */
static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void glb_pd_addr_set(struct glb_pd_addr *a, int family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	memcpy(a->b, bytes, family == AF_INET ? 4 : 16);
}

void glb_pd_addr_from_diag(int family, const void *words, struct glb_pd_addr *out)
{
	const uint8_t *b = words;

	if (family == AF_INET6 && memcmp(b, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0)
		glb_pd_addr_set(out, AF_INET, b + sizeof(v4mapped_prefix));
	else
		glb_pd_addr_set(out, family, b);
}

/* An address alone, IPv4 or IPv6 (no brackets, no port). */
static int parse_addr(const char *text, struct glb_pd_addr *out)
{
	uint8_t buf[16];

	if (inet_pton(AF_INET, text, buf) == 1) {
		glb_pd_addr_set(out, AF_INET, buf);
		return 0;
	}
	if (inet_pton(AF_INET6, text, buf) == 1) {
		glb_pd_addr_set(out, AF_INET6, buf);
		return 0;
	}
	return -EINVAL;
}

/* Decimal within [min, max], nothing else. */
static int parse_uint(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int glb_pd_vip_parse(const char *text, struct glb_pd_vip *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon = strchr(text, ':');
	size_t len;
	long p;

	if (text[0] == '[') {
		/* [v6]:port or [v6] */
		const char *close = strchr(text, ']');

		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		len = (size_t)(close - text - 1);
		text++;
		port = close[1] ? close + 2 : NULL;
	} else if (colon && !strchr(colon + 1, ':')) {
		/* exactly one colon: IPv4:port (a bare IPv6 address has several) */
		len = (size_t)(colon - text);
		port = colon + 1;
	} else {
		len = strlen(text);
	}
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, len);
	host[len] = '\0';
	if (parse_addr(host, &out->addr) != 0)
		return -EINVAL;
	out->port = GLB_PD_ANY_PORT;
	if (port) {
		if (parse_uint(port, 1, 65535, &p) != 0)
			return -EINVAL;
		out->port = (int)p;
	}
	return 0;
}

int glb_pd_prefix_parse(const char *text, struct glb_pd_prefix *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	long bits, max;
	struct glb_pd_prefix p;

	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, len);
	host[len] = '\0';
	if (parse_addr(host, &p.addr) != 0)
		return -EINVAL;
	max = p.addr.family == AF_INET ? 32 : 128;
	bits = max;
	if (slash && parse_uint(slash + 1, 0, max, &bits) != 0)
		return -EINVAL;
	p.len = (uint8_t)bits;
	/* Host bits set: a typo for another prefix, refused rather than guessed. */
	for (int i = 0; i < 16; i++) {
		int keep = p.len > i * 8 ? (p.len - i * 8 >= 8 ? 8 : p.len - i * 8) : 0;
		uint8_t mask = (uint8_t)(0xff00 >> keep);

		if (p.addr.b[i] & ~mask)
			return -EINVAL;
	}
	*out = p;
	return 0;
}

bool glb_pd_addr_equal(const struct glb_pd_addr *a, const struct glb_pd_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

int glb_pd_addr_cmp(const struct glb_pd_addr *a, const struct glb_pd_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->b, b->b, sizeof(a->b));
}

bool glb_pd_addr_is_any(const struct glb_pd_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->b, zero, sizeof(zero)) == 0;
}

bool glb_pd_prefix_match(const struct glb_pd_prefix *p, const struct glb_pd_addr *a)
{
	int full = p->len / 8, rest = p->len % 8;

	if (a->family != p->addr.family || memcmp(a->b, p->addr.b, (size_t)full) != 0)
		return false;
	return rest == 0 || ((a->b[full] ^ p->addr.b[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

void glb_pd_addr_format(const struct glb_pd_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void glb_pd_endpoint_format(const struct glb_pd_addr *a, int port, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN], portbuf[8];

	glb_pd_addr_format(a, host, sizeof(host));
	if (port == GLB_PD_ANY_PORT)
		snprintf(portbuf, sizeof(portbuf), "*");
	else
		snprintf(portbuf, sizeof(portbuf), "%d", port);
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", host, portbuf);
	else
		snprintf(buf, len, "%s:%s", host, portbuf);
}

void glb_pd_prefix_format(const struct glb_pd_prefix *p, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	glb_pd_addr_format(&p->addr, host, sizeof(host));
	snprintf(buf, len, "%s/%u", host, p->len);
}
