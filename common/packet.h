/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The director's packet path as plain C over a byte buffer with an explicit
 * length (SPEC §5, §6): parse a received Ethernet frame into a flow,
 * classify it against the tables' binds, hash it to a row, pick the hops and
 * write the GUE encapsulation header.  No DPDK types, so the director, the
 * CLI, the fuzzers and the unit tests share this one implementation.
 *
 * Nothing here reads outside [frame, frame + len).
 */
#ifndef GLB_PACKET_H
#define GLB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gue.h"
#include "table_format.h"

/* Hash field selection (director.conf "hash_fields"), a bit set. */
enum glb_hash_field {
	GLB_HASH_SRC_ADDR = 1 << 0,
	GLB_HASH_DST_ADDR = 1 << 1,
	GLB_HASH_SRC_PORT = 1 << 2,
	GLB_HASH_DST_PORT = 1 << 3,
};
#define GLB_HASH_PORTS (GLB_HASH_SRC_PORT | GLB_HASH_DST_PORT)
#define GLB_HASH_DEFAULT GLB_HASH_SRC_ADDR

/* What a parsed packet is, which decides how it is matched and hinted. */
enum glb_flow_kind {
	GLB_FLOW_L4,        /* TCP/UDP (or a first fragment of one): ports are real */
	GLB_FLOW_ICMP_ERROR, /* frag-needed / packet-too-big: the quoted packet, reversed */
	GLB_FLOW_ECHO,      /* ICMP/ICMPv6 echo request: matched by prefix only, ports 0 */
	GLB_FLOW_FRAGMENT,  /* non-first fragment: no ports (0) */
};

/* Why a packet is not forwarded; each has a counter in the director. */
enum glb_verdict {
	GLB_OK = 0,
	GLB_DROP_NOT_IP,          /* not IPv4/IPv6 Ethernet (ARP, LLDP, ...) */
	GLB_DROP_MALFORMED,       /* truncated or inconsistent headers */
	GLB_DROP_UNSUPPORTED,     /* IP we do not forward: other ICMP types, other L4 protocols */
	GLB_DROP_NO_MATCH,        /* no bind matches */
	GLB_DROP_FRAGMENT,        /* non-first fragment we cannot place (see SPEC §5) */
	GLB_DROP_ECHO_DISABLED,   /* echo request and forward_icmp_ping_responses is off */
	GLB_DROP_NO_BACKEND,      /* the matched table has no usable backend */
	GLB_VERDICT_COUNT,
};

struct glb_flow {
	uint8_t family; /* enum glb_family of the classified flow */
	uint8_t proto;  /* IPPROTO_TCP/UDP, or IPPROTO_ICMP/ICMPV6 for echo */
	uint8_t kind;   /* enum glb_flow_kind */
	uint8_t outer_family; /* family of the received IP packet (GUE proto 4 or 41) */
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes, rest 0 */
	uint16_t sport, dport;    /* host order; 0 where the packet has none */
	uint16_t hint;            /* host order, SPEC §6 */
	uint16_t l3_offset;       /* offset of the received IP header in the frame */
	uint16_t l3_len;          /* IP total length: the bytes to encapsulate */
};

/*
 * Parse an Ethernet frame (optionally one 802.1Q tag).  On GLB_OK, flow is
 * filled; otherwise the return value says why it must be dropped.
 */
enum glb_verdict glb_packet_parse(const uint8_t *frame, size_t len, struct glb_flow *flow);

/*
 * The same over the first view_len bytes of a frame of frame_len bytes (a
 * header view of a segmented buffer): lengths are checked against
 * frame_len, headers are read only inside the view, and a header that
 * extends past the view is malformed.
 */
enum glb_verdict glb_packet_parse_view(const uint8_t *view, size_t view_len, size_t frame_len,
				       struct glb_flow *flow);

/*
 * A fast path for the common case (TCP/UDP right after an option-free IPv4
 * or extension-free IPv6 header, no VLAN tag): true with flow filled exactly
 * as glb_packet_parse_view would fill it; false means "call
 * glb_packet_parse_view", never "drop".
 */
bool glb_packet_parse_simple(const uint8_t *view, size_t view_len, size_t frame_len,
			     struct glb_flow *flow);

/* Options of the director that change classification. */
struct glb_classify_opts {
	unsigned hash_fields;     /* enum glb_hash_field bits, never 0 */
	unsigned alt_hash_fields; /* 0 = no alt route */
	bool forward_echo;        /* forward_icmp_ping_responses */
};

/*
 * The index of the table this flow goes to (SPEC §5: first matching table;
 * echo by prefix; non-first fragments only when exactly one table matches
 * by address and protocol and no port is hashed), or a negative verdict.
 */
int glb_classify(const struct glb_fmt_table *tables, uint32_t num_tables,
		 const struct glb_flow *flow, const struct glb_classify_opts *opts);

/* Does bind b match this address / protocol / port (host order)? */
bool glb_bind_matches(const struct glb_fmt_bind *b, uint8_t family, const uint8_t addr[16],
		      uint8_t proto, uint16_t port);

/* SipHash of the selected fields (SPEC §5); the row is the result & 0xffff. */
uint64_t glb_flow_hash(const struct glb_flow *flow, unsigned fields, const uint8_t key[16]);

/* Where one packet goes: hops[0] is the outer destination (the primary). */
struct glb_route {
	uint32_t hops[1 + GLB_GUE_MAX_HOPS]; /* IPv4, network order */
	unsigned num_hops;                   /* 2, or 4 with alt_hash_fields */
	uint64_t hash;                       /* hash with the main fields */
	uint32_t row;                        /* row index with the main fields */
	uint32_t primary_idx, secondary_idx; /* backend indices of that row */
};

/*
 * Look the flow up in table t.  Returns GLB_OK, or GLB_DROP_NO_BACKEND when
 * a row has no backend (0xFFFFFFFF) or names a non-IPv4 backend.
 */
enum glb_verdict glb_route_flow(const struct glb_fmt_table *t, const struct glb_flow *flow,
				const struct glb_classify_opts *opts, struct glb_route *route);

/*
 * glb_route_flow in two steps, so that a burst can hash every packet and
 * prefetch its row before any row is read: hash[0] with the main fields,
 * hash[1] with the alt fields (0 without).
 */
void glb_route_hash(const struct glb_fmt_table *t, const struct glb_flow *flow,
		    const struct glb_classify_opts *opts, uint64_t hash[2]);
enum glb_verdict glb_route_hashed(const struct glb_fmt_table *t, const uint64_t hash[2],
				  const struct glb_classify_opts *opts, struct glb_route *route);

/* What the director puts on the outer headers. */
struct glb_encap_params {
	uint8_t dst_mac[6]; /* outbound_gateway_mac */
	uint8_t src_mac[6]; /* the port's MAC */
	uint8_t src_ip[4];  /* outbound_src_ip, network order */
};

/* Bytes of Ethernet + IPv4 + UDP + GUE + private data + hops for a route. */
size_t glb_encap_hdr_len(const struct glb_route *route);

/*
 * Write the outer headers (SPEC §6) into hdr[0..cap) for an inner packet of
 * flow->l3_len bytes that the caller places right after them.  Returns the
 * header length, or 0 if cap is too small or the result would exceed 65535
 * bytes of IP.
 */
size_t glb_encap_write(uint8_t *hdr, size_t cap, const struct glb_encap_params *p,
		       const struct glb_route *route, const struct glb_flow *flow);

/* Ethernet 14 + IPv4 20 + UDP 8 + GUE 4 + private word 4: the outer headers before the hops. */
#define GLB_ENCAP_BASE_LEN 50

/*
 * The outer headers with every field that does not change per packet laid
 * out, and the IPv4 header's partial checksum over them, so that the data
 * path copies 50 bytes and patches lengths, addresses and the checksum.
 */
struct glb_encap_tmpl {
	uint8_t hdr[GLB_ENCAP_BASE_LEN];
	uint32_t ip_sum; /* one's complement sum of the IPv4 header, varying fields 0 */
	bool csum_offload; /* the port fills in the IPv4 checksum: write 0 (init: false) */
};

void glb_encap_tmpl_init(struct glb_encap_tmpl *t, const struct glb_encap_params *p);

/* glb_encap_write from a template: the same bytes, the same return value. */
size_t glb_encap_write_tmpl(uint8_t *hdr, size_t cap, const struct glb_encap_tmpl *t,
			    const struct glb_route *route, const struct glb_flow *flow);

/* Internet checksum of an IPv4 header of hdr_len bytes (checksum field as is). */
uint16_t glb_ipv4_hdr_csum(const uint8_t *hdr, size_t hdr_len);

/* Short name of a verdict for logs and counters ("malformed", ...). */
const char *glb_verdict_name(enum glb_verdict v);

#endif
