/* SPDX-License-Identifier: BSD-3-Clause */
/* The Internet checksum (RFC 1071), for the IPv4 and ICMP headers we write. */
#ifndef GLB_CSUM_H
#define GLB_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The checksum of data[0..len) as it is (an IPv4 header with its checksum
 * field, an ICMP message), to be stored big-endian; 0 over data whose
 * checksum is right.  An odd length sums its last byte as the high half of
 * a zero-padded word.
 */
uint16_t glb_csum_compute(const uint8_t *data, size_t len);

#endif
