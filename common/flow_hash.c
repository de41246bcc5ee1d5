/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Many flow hashes at once: four SipHash-2-4 states side by side in AVX2
 * registers, one 64-bit lane per message.  SipHash's rounds are a chain of
 * dependent adds, rotates and xors, so one hash leaves most of a core's
 * execution units idle; four lanes fill them.  The binary's baseline is
 * x86-64-v2, so the kernel is compiled for AVX2 alone and chosen at run time.
 */
#include "flow_hash.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GLB_HAVE_AVX2_KERNEL 1
#endif

#define LANES 4

#ifdef GLB_HAVE_AVX2_KERNEL

#define AVX2 __attribute__((target("avx2")))

static inline AVX2 __m256i rotl(__m256i x, int b)
{
	return _mm256_or_si256(_mm256_slli_epi64(x, b), _mm256_srli_epi64(x, 64 - b));
}

/* Rotations by whole bytes are one shuffle. */
static inline AVX2 __m256i rotl16(__m256i x)
{
	const __m256i idx = _mm256_setr_epi8(6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13,
					     6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13);

	return _mm256_shuffle_epi8(x, idx);
}

static inline AVX2 __m256i rotl32(__m256i x)
{
	return _mm256_shuffle_epi32(x, 0xb1); /* swap the 32-bit halves of each lane */
}

/* The same SipRound as glb_sipround, on four states. */
#define SIPROUND4(v0, v1, v2, v3)                     \
	do {                                          \
		v0 = _mm256_add_epi64(v0, v1);        \
		v1 = rotl(v1, 13);                    \
		v1 = _mm256_xor_si256(v1, v0);        \
		v0 = rotl32(v0);                      \
		v2 = _mm256_add_epi64(v2, v3);        \
		v3 = rotl16(v3);                      \
		v3 = _mm256_xor_si256(v3, v2);        \
		v0 = _mm256_add_epi64(v0, v3);        \
		v3 = rotl(v3, 21);                    \
		v3 = _mm256_xor_si256(v3, v0);        \
		v2 = _mm256_add_epi64(v2, v1);        \
		v1 = rotl(v1, 17);                    \
		v1 = _mm256_xor_si256(v1, v2);        \
		v2 = rotl32(v2);                      \
	} while (0)

/*
 * Messages of one length, laid out for the vector unit: word j of the
 * message in slot i is w[j][i], so four lanes are one load.
 */
#define GROUP 8
struct group {
	uint64_t w[GLB_HASH_MSG_WORDS][GROUP];
	uint64_t k0[GROUP], k1[GROUP];
	unsigned idx[GROUP]; /* where each slot's result goes */
	unsigned cnt;
};

#define LOAD(a) _mm256_loadu_si256((const __m256i *)(const void *)(a))

/* The initial state of four lanes from their keys. */
#define SIPINIT4(v0, v1, v2, v3, k0p, k1p)                                          \
	do {                                                                        \
		__m256i k0_ = LOAD(k0p), k1_ = LOAD(k1p);                           \
		v0 = _mm256_xor_si256(k0_, _mm256_set1_epi64x(0x736f6d6570736575LL)); \
		v1 = _mm256_xor_si256(k1_, _mm256_set1_epi64x(0x646f72616e646f6dLL)); \
		v2 = _mm256_xor_si256(k0_, _mm256_set1_epi64x(0x6c7967656e657261LL)); \
		v3 = _mm256_xor_si256(k1_, _mm256_set1_epi64x(0x7465646279746573LL)); \
	} while (0)

/*
 * Slots [0, 4 * sets) of g, sets 1 or 2, with nw words each.  Two sets run
 * interleaved: one set's rounds are a dependency chain that leaves the
 * vector pipes half idle.
 */
static AVX2 void sip_group(const struct group *g, uint32_t nw, unsigned sets, uint64_t *out)
{
	__m256i a0, a1, a2, a3, b0, b1, b2, b3, w, x;
	uint64_t r[GROUP];
	uint32_t j;

	SIPINIT4(a0, a1, a2, a3, g->k0, g->k1);
	if (sets == 2) {
		SIPINIT4(b0, b1, b2, b3, g->k0 + LANES, g->k1 + LANES);
		for (j = 0; j < nw; j++) {
			w = LOAD(g->w[j]);
			x = LOAD(g->w[j] + LANES);
			a3 = _mm256_xor_si256(a3, w);
			b3 = _mm256_xor_si256(b3, x);
			SIPROUND4(a0, a1, a2, a3);
			SIPROUND4(b0, b1, b2, b3);
			SIPROUND4(a0, a1, a2, a3);
			SIPROUND4(b0, b1, b2, b3);
			a0 = _mm256_xor_si256(a0, w);
			b0 = _mm256_xor_si256(b0, x);
		}
		a2 = _mm256_xor_si256(a2, _mm256_set1_epi64x(0xff));
		b2 = _mm256_xor_si256(b2, _mm256_set1_epi64x(0xff));
		for (j = 0; j < 4; j++) {
			SIPROUND4(a0, a1, a2, a3);
			SIPROUND4(b0, b1, b2, b3);
		}
		b0 = _mm256_xor_si256(_mm256_xor_si256(b0, b1), _mm256_xor_si256(b2, b3));
		_mm256_storeu_si256((__m256i *)(void *)(r + LANES), b0);
	} else {
		for (j = 0; j < nw; j++) {
			w = LOAD(g->w[j]);
			a3 = _mm256_xor_si256(a3, w);
			SIPROUND4(a0, a1, a2, a3);
			SIPROUND4(a0, a1, a2, a3);
			a0 = _mm256_xor_si256(a0, w);
		}
		a2 = _mm256_xor_si256(a2, _mm256_set1_epi64x(0xff));
		for (j = 0; j < 4; j++)
			SIPROUND4(a0, a1, a2, a3);
	}
	a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
	_mm256_storeu_si256((__m256i *)(void *)r, a0);
	for (j = 0; j < LANES * sets; j++)
		out[g->idx[j]] = r[j];
}

/* The AVX2 path of glb_hash_msgs: group by length, hash eight (or four) at a time. */
static AVX2 void hash_msgs_avx2(const struct glb_hash_msg *msgs, const uint8_t *const *keys,
				uint64_t *out, unsigned n)
{
	struct group groups[GLB_HASH_MSG_WORDS + 1];
	unsigned i, j, g, c;

	for (g = 1; g <= GLB_HASH_MSG_WORDS; g++)
		groups[g].cnt = 0;
	for (i = 0; i < n; i++) {
		struct group *gr;

		g = msgs[i].nw;
		if (g == 0 || g > GLB_HASH_MSG_WORDS) {
			out[i] = 0; /* never built by glb_hash_msg_build */
			continue;
		}
		gr = &groups[g];
		c = gr->cnt;
		for (j = 0; j < g; j++)
			gr->w[j][c] = msgs[i].w[j];
		gr->k0[c] = glb_load_le64(keys[i]);
		gr->k1[c] = glb_load_le64(keys[i] + 8);
		gr->idx[c] = i;
		if (++gr->cnt == GROUP) {
			sip_group(gr, g, 2, out);
			gr->cnt = 0;
		}
	}
	for (g = 1; g <= GLB_HASH_MSG_WORDS; g++) {
		struct group *gr = &groups[g];

		c = 0;
		if (gr->cnt >= LANES) {
			sip_group(gr, g, 1, out);
			c = LANES;
		}
		for (; c < gr->cnt; c++)
			out[gr->idx[c]] = glb_hash_msg_sip(&msgs[gr->idx[c]], keys[gr->idx[c]]);
	}
}

bool glb_hash_simd_available(void)
{
	return __builtin_cpu_supports("avx2");
}

#else

bool glb_hash_simd_available(void)
{
	return false;
}

#endif

static int simd_state = -1; /* -1: not decided yet */

static bool simd_on(void)
{
	int s = __atomic_load_n(&simd_state, __ATOMIC_RELAXED);

	if (s < 0) {
		s = glb_hash_simd_available();
		__atomic_store_n(&simd_state, s, __ATOMIC_RELAXED);
	}
	return s;
}

bool glb_hash_simd_set(bool on)
{
	bool was = simd_on();

	__atomic_store_n(&simd_state, on && glb_hash_simd_available(), __ATOMIC_RELAXED);
	return was;
}

void glb_hash_msgs(const struct glb_hash_msg *msgs, const uint8_t *const *keys, uint64_t *out,
		   unsigned n)
{
	unsigned i;

#ifdef GLB_HAVE_AVX2_KERNEL
	if (n >= LANES && simd_on()) {
		hash_msgs_avx2(msgs, keys, out, n);
		return;
	}
#endif
	for (i = 0; i < n; i++)
		out[i] = msgs[i].nw && msgs[i].nw <= GLB_HASH_MSG_WORDS ?
				 glb_hash_msg_sip(&msgs[i], keys[i]) :
				 0;
}
