/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wire constants of the headers the data path reads (Ethernet, IPv4, IPv6,
 * TCP, UDP, ICMP) and writes (the outer Ethernet/IPv4/UDP/GUE headers of
 * SPEC §6).  Private to common/: the public API speaks in flows and routes.
 */
#ifndef GLB_PROTO_H
#define GLB_PROTO_H

#include <stdint.h>

#define ETH_ADDRS_LEN 12 /* destination and source MAC before the EtherType */
#define ETHERTYPE_LEN 2
#define ETH_HDR_LEN (ETH_ADDRS_LEN + ETHERTYPE_LEN)
#define VLAN_TCI_LEN 2
#define VLAN_TAG_LEN (VLAN_TCI_LEN + ETHERTYPE_LEN) /* after the 0x8100 */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100

#define IPV4_MIN_HDR_LEN 20
#define IPV4_IHL_MASK 0x0f
#define IPV4_IHL_UNIT 4 /* IHL counts 32-bit words */
#define IPV4_TOT_LEN_OFF 2
#define IPV4_ID_OFF 4
#define IPV4_FRAG_OFF 6
#define IPV4_FRAG_OFFSET_MASK 0x1fff /* offset in 8-byte units; flags are the top 3 bits */
#define IPV4_PROTO_OFF 9
#define IPV4_SRC_OFF 12
#define IPV4_DST_OFF 16
#define IPV4_ADDR_LEN 4

#define IPV6_HDR_LEN 40
#define IPV6_PLEN_OFF 4
#define IPV6_NEXT_OFF 6
#define IPV6_SRC_OFF 8
#define IPV6_DST_OFF 24
#define IPV6_ADDR_LEN 16
#define IPV6_FLOW_LABEL_LO_OFF 2 /* the label's low 16 bits are bytes 2 and 3 */
/* Hop-by-hop, routing and destination options: length in 8-byte units past the first 8. */
#define IPV6_EXT_UNIT 8
#define IPV6_EXT_LEN_OFF 1
#define IPV6_FRAG_HDR_LEN 8
#define IPV6_FRAG_OFFLG_OFF 2
#define IPV6_FRAG_OFFSET_MASK 0xfff8 /* offset in 8-byte units, above 2 reserved bits and M */

#define IP_VERSION_SHIFT 4
#define IP_VERSION_4 4
#define IP_VERSION_6 6

#define TCP_MIN_HDR_LEN 20
#define UDP_HDR_LEN 8
#define L4_PORTS_LEN 4 /* source and destination port lead both TCP and UDP */
#define L4_DPORT_OFF 2
#define ICMP_HDR_LEN 8 /* type, code, checksum and 4 bytes before any quoted packet */
#define ICMP_CSUM_OFF 2
#define ICMP_ECHO_ID_OFF 4 /* an echo's identifier and sequence fill the 4 bytes */
#define ICMP_ECHO_SEQ_OFF 6
#define ICMP_TYPE_ECHO_REPLY 0
#define ICMP_TYPE_UNREACH 3
#define ICMP_CODE_PORT_UNREACH 3
#define ICMP_CODE_FRAG_NEEDED 4
#define ICMP_TYPE_ECHO_REQUEST 8
#define ICMPV6_TYPE_PACKET_TOO_BIG 2
#define ICMPV6_TYPE_ECHO_REQUEST 128

/* The outer headers the director writes. */
#define ETH_ALEN 6
#define IPV4_HDR_LEN 20
#define IPV4_VERSION_IHL 0x45 /* version 4, no options: 5 words */
#define IPV4_FLAG_DF 0x4000   /* the proxies' path MTU is known; never fragment the outer packet */
#define IPV4_TTL 64           /* the usual Linux default; the proxies are a few hops away */
#define IPV4_CSUM_OFF 10
/* Top bit set keeps the source port out of the well-known range; the rest spreads flows. */
#define UDP_SPORT_BASE 0x8000
#define UDP_SPORT_MASK 0x7fff
#define IP_TOT_LEN_MAX 65535

/* Where the per-packet fields sit in the outer headers. */
#define IP_OFF ETH_HDR_LEN
#define IP_TOT_LEN_OFF (IP_OFF + 2)
#define IP_CSUM_OFF (IP_OFF + IPV4_CSUM_OFF)
#define IP_DST_OFF (IP_OFF + 16)
#define UDP_OFF (IP_OFF + IPV4_HDR_LEN)
#define UDP_LEN_OFF (UDP_OFF + 4)
#define GUE_OFF (UDP_OFF + UDP_HDR_LEN)
#define GUE_HOP_COUNT_OFF (GUE_OFF + 7)

static inline uint16_t glb_rd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif
