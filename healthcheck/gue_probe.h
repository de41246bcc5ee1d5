/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tunnel check's packets (SPEC §8): what goes into the UDP datagram sent
 * to a backend's GUE port, and how the ICMP that comes back is recognised.
 *
 *   UDP payload = GUE header [+ GLB private data] + IPv4 + ICMP echo request
 *
 *   gue: hlen 1, proto 4, then the GLB private word with no hops
 *        (type 0, next_hop 0, hop_count 0), exactly what a director sends
 *        for a flow with no secondary (common/gue.h);
 *   fou: hlen 0, proto 4: plain GUE with no private data.
 *
 * The inner IPv4 packet goes from the checker (src) to the backend (dst);
 * the backend decapsulates it and answers the echo directly, unencapsulated,
 * to the checker, which matches the reply by ICMP identifier and sequence.
 */
#ifndef GLB_HC_GUE_PROBE_H
#define GLB_HC_GUE_PROBE_H

#include <stddef.h>
#include <stdint.h>

enum glb_hc_encap {
	GLB_HC_ENCAP_GUE, /* GUE with GLB private data (hlen 1) */
	GLB_HC_ENCAP_FOU, /* GUE without private data (hlen 0) */
};

/* The echo payload: a marker for whoever reads a capture.  16 bytes. */
#define GLB_HC_PROBE_PAYLOAD "glb-healthcheck"
#define GLB_HC_PROBE_PAYLOAD_LEN 16 /* includes the NUL: an even ICMP length */
/* The largest probe: GUE header, private word, IPv4, ICMP, payload. */
#define GLB_HC_PROBE_MAX_LEN (4 + 4 + 20 + 8 + GLB_HC_PROBE_PAYLOAD_LEN)

/*
 * Write the UDP payload of one probe into buf.  src/dst are IPv4 in network
 * order.  Returns its length, or 0 when cap is too small.
 */
size_t glb_hc_gue_probe_build(uint8_t *buf, size_t cap, enum glb_hc_encap encap,
			      const uint8_t src[4], const uint8_t dst[4], uint16_t echo_id,
			      uint16_t echo_seq);

enum glb_hc_icmp_kind {
	GLB_HC_ICMP_IGNORE,     /* not ours, or malformed */
	GLB_HC_ICMP_ECHO_REPLY, /* the answer to one of our probes */
	GLB_HC_ICMP_UNREACH,    /* a destination unreachable quoting one of our probes */
};

struct glb_hc_icmp_info {
	uint8_t addr[4]; /* reply: its source; unreachable: the quoted probe's destination */
	uint16_t port;   /* unreachable: the quoted UDP destination port */
	uint16_t seq;    /* the echo sequence of the probe */
	uint8_t code;    /* unreachable: the ICMP code (3 = port unreachable) */
};

/*
 * Classify an IPv4 packet as read from a raw ICMP socket (IP header
 * included), accepting only our identifier.  Every length is checked
 * before it is used; nothing outside pkt[0..len) is read.
 */
enum glb_hc_icmp_kind glb_hc_gue_probe_parse(const uint8_t *pkt, size_t len, uint16_t echo_id,
					     struct glb_hc_icmp_info *info);

#endif
