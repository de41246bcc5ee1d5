/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow hash of SPEC §5 (SipHash-2-4 of the selected fields, in the
 * order src address, dst address, src port, dst port) in two steps, so that
 * a burst can build every packet's message first and hash them together:
 *
 *   glb_flow_hash_msg_build  the message as the 64-bit words SipHash
 *                            absorbs, built in registers
 *   glb_flow_hash_words      SipHash-2-4 of one message
 *   glb_flow_hash_one        both, for one flow
 *   glb_flow_hash_batch_*    a burst's, eight or four at a time with AVX2
 *                            where the CPU has it
 *
 * Assembling the message in a byte buffer and reading it back as 64-bit
 * words made every hash wait on a failed store-to-load forward (small
 * stores, a wide load): that was most of the hash's cost in the director.
 * An IPv4 message is at most 12 bytes (two words); an IPv6 message absorbs
 * each address as two whole words and keeps only the ports for the last.
 *
 * Tests compare both paths with a reference SipHash over the concatenated
 * bytes for every field selection.
 */
#ifndef GLB_FLOW_HASH_H
#define GLB_FLOW_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parse.h"
#include "siphash.h"

/* Hash field selection (director.conf "hash_fields"), a bit set. */
enum glb_hash_field {
	GLB_HASH_SRC_ADDR = 1 << 0,
	GLB_HASH_DST_ADDR = 1 << 1,
	GLB_HASH_SRC_PORT = 1 << 2,
	GLB_HASH_DST_PORT = 1 << 3,
};
#define GLB_HASH_PORTS (GLB_HASH_SRC_PORT | GLB_HASH_DST_PORT)
#define GLB_HASH_DEFAULT GLB_HASH_SRC_ADDR

/* Words of the longest message: 16 + 16 + 2 + 2 bytes, plus the length byte's word. */
#define GLB_FLOW_HASH_MSG_WORDS 5

/* Read n (2, 4 or 8) bytes as a little-endian value, as SipHash reads its message. */
static inline uint64_t glb_flow_hash_load_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, n);
#else
	unsigned i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
#endif
	return v;
}

/* A port (host order) as the two message bytes it is (network order), read little-endian. */
static inline uint64_t glb_flow_hash_load_port(uint16_t port)
{
	return (uint64_t)(uint16_t)(port >> 8 | port << 8);
}

/*
 * Write the message's words to w[0], w[stride], w[2 * stride], ... and
 * return how many (the last holds the trailing bytes and, in its top byte,
 * the message length).  fields: enum glb_hash_field bits, never 0 (the
 * config loader refuses 0).
 */
static inline unsigned glb_flow_hash_msg_build(uint64_t *w, size_t stride,
					       const struct glb_flow *flow, unsigned fields)
{
	uint64_t tail = 0;
	unsigned n = 0, t = 0, nw = 0; /* message bytes, bytes in tail, full words */

	if (flow->family == GLB_FAMILY_IPV4) {
		unsigned __int128 acc = 0;

		if (fields & GLB_HASH_SRC_ADDR) {
			acc |= (unsigned __int128)glb_flow_hash_load_le(flow->src, 4) << (8 * n);
			n += 4;
		}
		if (fields & GLB_HASH_DST_ADDR) {
			acc |= (unsigned __int128)glb_flow_hash_load_le(flow->dst, 4) << (8 * n);
			n += 4;
		}
		if (fields & GLB_HASH_SRC_PORT) {
			acc |= (unsigned __int128)glb_flow_hash_load_port(flow->sport) << (8 * n);
			n += 2;
		}
		if (fields & GLB_HASH_DST_PORT) {
			acc |= (unsigned __int128)glb_flow_hash_load_port(flow->dport) << (8 * n);
			n += 2;
		}
		if (n >= 8) {
			w[stride * nw++] = (uint64_t)acc;
			acc >>= 64;
		}
		tail = (uint64_t)acc;
	} else {
		/* 16-byte addresses: always whole words, only the ports are left over */
		if (fields & GLB_HASH_SRC_ADDR) {
			w[stride * nw++] = glb_flow_hash_load_le(flow->src, 8);
			w[stride * nw++] = glb_flow_hash_load_le(flow->src + 8, 8);
			n += 16;
		}
		if (fields & GLB_HASH_DST_ADDR) {
			w[stride * nw++] = glb_flow_hash_load_le(flow->dst, 8);
			w[stride * nw++] = glb_flow_hash_load_le(flow->dst + 8, 8);
			n += 16;
		}
		if (fields & GLB_HASH_SRC_PORT) {
			tail |= glb_flow_hash_load_port(flow->sport) << (8 * t);
			t += 2;
		}
		if (fields & GLB_HASH_DST_PORT) {
			tail |= glb_flow_hash_load_port(flow->dport) << (8 * t);
			t += 2;
		}
		n += t;
	}
	w[stride * nw++] = tail | (uint64_t)(n & 0xff) << 56;
	return nw;
}

/* SipHash-2-4 of the nw message words at w[0], w[stride], ... under key (k0, k1). */
static inline uint64_t glb_flow_hash_words(const uint64_t *w, size_t stride, unsigned nw,
					   uint64_t k0, uint64_t k1)
{
	struct glb_siphash_state s;
	unsigned i;

	glb_siphash_init_words(&s, k0, k1);
	for (i = 0; i + 1 < nw; i++)
		glb_siphash_block(&s, w[stride * i]);
	return glb_siphash_final(s, w[stride * (nw - 1)]);
}

/* SipHash of one flow's selected fields under key (SPEC §5); the row is the result & 0xffff. */
static inline uint64_t glb_flow_hash_one(const struct glb_flow *flow, unsigned fields,
					 const uint8_t key[16])
{
	uint64_t w[GLB_FLOW_HASH_MSG_WORDS];
	unsigned nw = glb_flow_hash_msg_build(w, 1, flow, fields);

	return glb_flow_hash_words(w, 1, nw, glb_flow_hash_load_le(key, 8),
				   glb_flow_hash_load_le(key + 8, 8));
}

/*
 * A burst's messages, laid out for the vector unit: word j of message i is
 * w[j][i], so four messages' words are one load.  Fill slots 0..n-1 with
 * glb_flow_hash_batch_add, then glb_flow_hash_batch_run.
 */
#define GLB_FLOW_HASH_BATCH_MAX 128
struct glb_flow_hash_batch {
	uint64_t w[GLB_FLOW_HASH_MSG_WORDS][GLB_FLOW_HASH_BATCH_MAX];
	/* the key, read little-endian */
	uint64_t k0[GLB_FLOW_HASH_BATCH_MAX], k1[GLB_FLOW_HASH_BATCH_MAX];
	uint8_t nw[GLB_FLOW_HASH_BATCH_MAX];
};

static inline void glb_flow_hash_batch_add(struct glb_flow_hash_batch *b, unsigned i,
					   const struct glb_flow *flow, unsigned fields,
					   uint64_t k0, uint64_t k1)
{
	b->nw[i] = (uint8_t)glb_flow_hash_msg_build(&b->w[0][i], GLB_FLOW_HASH_BATCH_MAX, flow,
						    fields);
	b->k0[i] = k0;
	b->k1[i] = k1;
}

/*
 * out[i] = the SipHash of slot i, for i < n (<= GLB_FLOW_HASH_BATCH_MAX).
 * Aligned runs of four or eight messages of equal length go through the
 * AVX2 kernel when the CPU has AVX2 and it is not turned off; the rest are
 * hashed one at a time.
 */
void glb_flow_hash_batch_run(const struct glb_flow_hash_batch *b, unsigned n, uint64_t *out);

/* Is the AVX2 kernel usable on this CPU? */
bool glb_flow_hash_simd_available(void);
/*
 * Whether glb_flow_hash_batch_run may use it: initially
 * glb_flow_hash_simd_available(); tests and benchmarks turn it off to
 * measure or check the scalar path.  Returns the previous value; cannot
 * turn it on where it is not available.
 */
bool glb_flow_hash_simd_set(bool on);

#endif
