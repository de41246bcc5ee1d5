/* SPDX-License-Identifier: BSD-3-Clause */
/* SHA-256 (FIPS 180-4), to name the loaded table file in logs and counters. */
#ifndef GLB_SHA256_H
#define GLB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define GLB_SHA256_LEN 32

void glb_sha256(const void *data, size_t len, uint8_t out[GLB_SHA256_LEN]);
/* Lower-case hex into out (65 bytes with the terminator). */
void glb_sha256_hex(const uint8_t digest[GLB_SHA256_LEN], char out[2 * GLB_SHA256_LEN + 1]);

#endif
