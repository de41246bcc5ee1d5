/* SPDX-License-Identifier: BSD-3-Clause */
#include "siphash.h"

uint64_t glb_siphash24(const uint8_t key[GLB_SIPHASH_KEY_LEN], const void *msg, size_t len)
{
	const uint8_t *p = msg;
	struct glb_siphash_state s;
	size_t full = len & ~(size_t)7;
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	size_t i;

	glb_siphash_init(&s, key);
	for (i = 0; i < full; i += 8)
		glb_siphash_block(&s, glb_load_le64(p + i));
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[full + i] << (8 * i);
	return glb_siphash_final(s, last);
}
