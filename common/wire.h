/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writing wire formats byte by byte in network order, so that a layout never
 * depends on struct packing or host byte order.  Each put advances p.
 */
#ifndef GLB_WIRE_H
#define GLB_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint8_t *glb_put8(uint8_t *p, uint8_t v)
{
	*p = v;
	return p + 1;
}

static inline uint8_t *glb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *glb_put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

#endif
