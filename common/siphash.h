/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 (Aumasson & Bernstein), the one implementation shared by the
 * table builder, the director, the CLI and the tests.
 *
 * The 64-bit value returned is the hash's 8 output bytes read little-endian
 * (the reference implementation's out[] is exactly that value stored LE).
 */
#ifndef GLB_SIPHASH_H
#define GLB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define GLB_SIPHASH_KEY_LEN 16
/* The initialization constants: they spell "somepseudorandomlygeneratedbytes". */
#define GLB_SIPHASH_C0 0x736f6d6570736575ULL
#define GLB_SIPHASH_C1 0x646f72616e646f6dULL
#define GLB_SIPHASH_C2 0x6c7967656e657261ULL
#define GLB_SIPHASH_C3 0x7465646279746573ULL

struct glb_siphash_state {
	uint64_t v0, v1, v2, v3;
};

uint64_t glb_siphash24(const uint8_t key[GLB_SIPHASH_KEY_LEN], const void *msg, size_t len);

/* Load 8 bytes little-endian, whatever the host order. */
static inline uint64_t glb_load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	       (uint64_t)p[7] << 56;
}

static inline uint64_t glb_rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void glb_sipround(struct glb_siphash_state *s)
{
	s->v0 += s->v1;
	s->v1 = glb_rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = glb_rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = glb_rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = glb_rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = glb_rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = glb_rotl64(s->v2, 32);
}

/*
 * Incremental pieces, for callers that hash many messages sharing a prefix
 * (the rendezvous builder hashes row_seed || address for every backend: the
 * state after the row_seed block is computed once per row).
 * glb_siphash_init_words takes the key as its two halves, read little-endian.
 */
static inline void glb_siphash_init_words(struct glb_siphash_state *s, uint64_t k0, uint64_t k1)
{
	s->v0 = k0 ^ GLB_SIPHASH_C0;
	s->v1 = k1 ^ GLB_SIPHASH_C1;
	s->v2 = k0 ^ GLB_SIPHASH_C2;
	s->v3 = k1 ^ GLB_SIPHASH_C3;
}

static inline void glb_siphash_init(struct glb_siphash_state *s,
				    const uint8_t key[GLB_SIPHASH_KEY_LEN])
{
	glb_siphash_init_words(s, glb_load_le64(key), glb_load_le64(key + 8));
}

/* Absorb one full 8-byte block m (already read little-endian): 2 c-rounds. */
static inline void glb_siphash_block(struct glb_siphash_state *s, uint64_t m)
{
	s->v3 ^= m;
	glb_sipround(s);
	glb_sipround(s);
	s->v0 ^= m;
}

/*
 * Absorb the last block b (the 0..7 trailing bytes read little-endian, with
 * the total message length mod 256 in the top byte) and finalize: 4 d-rounds.
 */
static inline uint64_t glb_siphash_final(struct glb_siphash_state s, uint64_t b)
{
	glb_siphash_block(&s, b);
	s.v2 ^= 0xff;
	glb_sipround(&s);
	glb_sipround(&s);
	glb_sipround(&s);
	glb_sipround(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

#endif
