/* SPDX-License-Identifier: BSD-3-Clause */
#include "csum.h"

/*
 * The sum runs over big-endian 16-bit words, so the result is a number to be
 * stored big-endian; over a header whose checksum is right it is 0.
 */
uint16_t glb_csum_compute(const uint8_t *data, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(data[i] << 8 | data[i + 1]);
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
