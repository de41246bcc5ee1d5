/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GUE with GLB's private data (SPEC §6): the one definition of the wire
 * format, shared by the director, the healthcheck, the tests and the proxy's
 * kernel module (which includes it with __KERNEL__ defined).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver|C|  Hlen   |  Proto/ctype  |             Flags             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      private type (0)         |   next_hop    |   hop_count   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  hop[0] (IPv4, the secondary)                 |
 *  |                              ...                              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Hlen counts the 32-bit words after the first: the private word plus one
 * per hop.  Version 0 and C 0 leave Hlen alone in byte 0.
 */
#ifndef GLB_GUE_H
#define GLB_GUE_H

#include <linux/types.h>

/* UDP port the director sends to and proxies decapsulate on ("LB" + 1). */
#define GLB_GUE_PORT 19523
/* Hops the director ever writes: secondary, then the alt primary and secondary. */
#define GLB_GUE_MAX_HOPS 3
/* Hlen is 5 bits: at most 31 words, i.e. the private word and 30 hops. */
#define GLB_GUE_HLEN_MAX 31
#define GLB_GUE_HLEN_MASK 0x1f
/* Hlen counts 4-byte words, as does the hop list: one hop per word. */
#define GLB_GUE_HLEN_UNIT 4
#define GLB_GUE_VERSION_SHIFT 6
#define GLB_GUE_CONTROL_BIT 0x20
/* Proto/ctype values: the inner packet's IP protocol number. */
#define GLB_GUE_PROTO_IPV4 4
#define GLB_GUE_PROTO_IPV6 41
#define GLB_GUE_PRIVATE_TYPE_GLB 0

struct glb_gue_hdr {
	__u8 version_control_hlen;
	__u8 proto_ctype;
	__be16 flags;
};

struct glb_gue_private {
	__be16 private_type;
	__u8 next_hop;
	__u8 hop_count;
	__be32 hops[];
};

/* The fixed part before the hop list: GUE base header + private word. */
#define GLB_GUE_FIXED_LEN (sizeof(struct glb_gue_hdr) + sizeof(struct glb_gue_private))

#ifndef __KERNEL__
_Static_assert(sizeof(struct glb_gue_hdr) == 4, "GUE base header is 4 bytes");
_Static_assert(sizeof(struct glb_gue_private) == 4, "GLB private data word is 4 bytes");
_Static_assert(sizeof(((struct glb_gue_private *)0)->hops[0]) == GLB_GUE_HLEN_UNIT,
	       "a hop is one Hlen word");
#endif

#endif
