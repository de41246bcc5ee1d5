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
#define SIPROUND4(v0, v1, v2, v3)              \
	do {                                   \
		v0 = _mm256_add_epi64(v0, v1); \
		v1 = rotl(v1, 13);             \
		v1 = _mm256_xor_si256(v1, v0); \
		v0 = rotl32(v0);               \
		v2 = _mm256_add_epi64(v2, v3); \
		v3 = rotl16(v3);               \
		v3 = _mm256_xor_si256(v3, v2); \
		v0 = _mm256_add_epi64(v0, v3); \
		v3 = rotl(v3, 21);             \
		v3 = _mm256_xor_si256(v3, v0); \
		v2 = _mm256_add_epi64(v2, v1); \
		v1 = rotl(v1, 17);             \
		v1 = _mm256_xor_si256(v1, v2); \
		v2 = rotl32(v2);               \
	} while (0)

#define LOAD(a) _mm256_loadu_si256((const __m256i *)(const void *)(a))

/* The initial state of the four lanes of slots i..i+3. */
#define SIPINIT4(v0, v1, v2, v3, b, i)                                                     \
	do {                                                                               \
		__m256i k0_ = LOAD(&(b)->k0[i]), k1_ = LOAD(&(b)->k1[i]);                  \
		v0 = _mm256_xor_si256(k0_, _mm256_set1_epi64x((long long)GLB_SIPHASH_C0)); \
		v1 = _mm256_xor_si256(k1_, _mm256_set1_epi64x((long long)GLB_SIPHASH_C1)); \
		v2 = _mm256_xor_si256(k0_, _mm256_set1_epi64x((long long)GLB_SIPHASH_C2)); \
		v3 = _mm256_xor_si256(k1_, _mm256_set1_epi64x((long long)GLB_SIPHASH_C3)); \
	} while (0)

/* Slots i..i+3, nw words each. */
static inline AVX2 void sip4(const struct glb_flow_hash_batch *b, unsigned i, unsigned nw,
			     uint64_t *out)
{
	__m256i v0, v1, v2, v3, w;
	unsigned j;

	SIPINIT4(v0, v1, v2, v3, b, i);
	for (j = 0; j < nw; j++) {
		w = LOAD(&b->w[j][i]);
		v3 = _mm256_xor_si256(v3, w);
		SIPROUND4(v0, v1, v2, v3);
		SIPROUND4(v0, v1, v2, v3);
		v0 = _mm256_xor_si256(v0, w);
	}
	v2 = _mm256_xor_si256(v2, _mm256_set1_epi64x(0xff));
	for (j = 0; j < 4; j++)
		SIPROUND4(v0, v1, v2, v3);
	v0 = _mm256_xor_si256(_mm256_xor_si256(v0, v1), _mm256_xor_si256(v2, v3));
	_mm256_storeu_si256((__m256i *)(void *)(out + i), v0);
}

/*
 * Slots i..i+7, nw words each, as two sets of four run interleaved: one
 * set's rounds are a chain of dependent operations that leaves the vector
 * pipes half idle.
 */
static inline AVX2 void sip8(const struct glb_flow_hash_batch *b, unsigned i, unsigned nw,
			     uint64_t *out)
{
	__m256i a0, a1, a2, a3, b0, b1, b2, b3, w, x;
	unsigned j;

	SIPINIT4(a0, a1, a2, a3, b, i);
	SIPINIT4(b0, b1, b2, b3, b, i + LANES);
	for (j = 0; j < nw; j++) {
		w = LOAD(&b->w[j][i]);
		x = LOAD(&b->w[j][i + LANES]);
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
	a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
	b0 = _mm256_xor_si256(_mm256_xor_si256(b0, b1), _mm256_xor_si256(b2, b3));
	_mm256_storeu_si256((__m256i *)(void *)(out + i), a0);
	_mm256_storeu_si256((__m256i *)(void *)(out + i + LANES), b0);
}

/* Do slots i..i+k-1 all hold messages of nw words? */
static inline bool same_len(const struct glb_flow_hash_batch *b, unsigned i, unsigned k,
			    unsigned nw)
{
	unsigned j;

	for (j = 0; j < k; j++)
		if (b->nw[i + j] != nw)
			return false;
	return true;
}

static AVX2 void batch_run_avx2(const struct glb_flow_hash_batch *b, unsigned n, uint64_t *out)
{
	unsigned i = 0, j, nw;

	while (i + LANES <= n) {
		nw = b->nw[i];
		if (nw >= 1 && nw <= GLB_FLOW_HASH_MSG_WORDS && i + 2 * LANES <= n &&
		    same_len(b, i, 2 * LANES, nw)) {
			sip8(b, i, nw, out);
			i += 2 * LANES;
		} else if (nw >= 1 && nw <= GLB_FLOW_HASH_MSG_WORDS && same_len(b, i, LANES, nw)) {
			sip4(b, i, nw, out);
			i += LANES;
		} else {
			/* mixed lengths: one at a time */
			for (j = 0; j < LANES; j++, i++)
				out[i] = glb_flow_hash_words(&b->w[0][i], GLB_FLOW_HASH_BATCH_MAX,
							     b->nw[i], b->k0[i], b->k1[i]);
		}
	}
	for (; i < n; i++)
		out[i] = glb_flow_hash_words(&b->w[0][i], GLB_FLOW_HASH_BATCH_MAX, b->nw[i],
					     b->k0[i], b->k1[i]);
}

bool glb_flow_hash_simd_available(void)
{
	return __builtin_cpu_supports("avx2");
}

#else

bool glb_flow_hash_simd_available(void)
{
	return false;
}

#endif

static int simd_state = -1; /* -1: not decided yet */

static bool simd_on(void)
{
	int s = __atomic_load_n(&simd_state, __ATOMIC_RELAXED);

	if (s < 0) {
		s = glb_flow_hash_simd_available();
		__atomic_store_n(&simd_state, s, __ATOMIC_RELAXED);
	}
	return s;
}

bool glb_flow_hash_simd_set(bool on)
{
	bool was = simd_on();

	__atomic_store_n(&simd_state, on && glb_flow_hash_simd_available(), __ATOMIC_RELAXED);
	return was;
}

void glb_flow_hash_batch_run(const struct glb_flow_hash_batch *b, unsigned n, uint64_t *out)
{
	unsigned i;

	if (n > GLB_FLOW_HASH_BATCH_MAX)
		n = GLB_FLOW_HASH_BATCH_MAX;
#ifdef GLB_HAVE_AVX2_KERNEL
	if (n >= LANES && simd_on()) {
		batch_run_avx2(b, n, out);
		return;
	}
#endif
	for (i = 0; i < n; i++)
		out[i] = glb_flow_hash_words(&b->w[0][i], GLB_FLOW_HASH_BATCH_MAX, b->nw[i],
					     b->k0[i], b->k1[i]);
}
