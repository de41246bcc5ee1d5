/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The traffic a director takes for its tables, as flow rules (SPEC §10):
 * one per bind (a rule per port of a short port range, the protocol alone
 * for a long one), plus the ICMP that belongs to the services (fragmentation
 * needed, packet too big, echo) by protocol to each bind's prefix.  What a
 * NIC cannot express is widened until it can: the classifier checks every
 * packet exactly anyway.  Shared by the director's rte_flow rules (flow.c)
 * and glb-director-cli flow-rules, which prints them as ethtool commands.
 */
#ifndef GLB_FLOW_MATCH_H
#define GLB_FLOW_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"

/* Port ranges up to this long get a rule per port; longer ones match the protocol. */
#define GLB_FLOW_MAX_PORTS_PER_BIND 16

/* What one rule matches: destination prefix, and perhaps protocol and destination port. */
struct glb_flow_match {
	uint8_t family; /* enum glb_family */
	uint8_t prefix_bits;
	uint8_t proto; /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6, or 0: any */
	bool has_port;
	uint16_t port; /* destination port, when has_port */
	uint8_t addr[16];
};

/* What a port can match beyond a destination prefix. */
enum glb_flow_caps {
	GLB_FLOW_CAN_PROTO = 1u << 0, /* the IP protocol */
	GLB_FLOW_CAN_PORT = 1u << 1,  /* a TCP or UDP destination port */
	GLB_FLOW_CAN_ALL = GLB_FLOW_CAN_PROTO | GLB_FLOW_CAN_PORT,
};

/*
 * The matches the tables of tf need on a port with caps, sorted and
 * without repeats (what the port cannot express is widened: a port to its
 * protocol, a protocol to the whole prefix).  0, or -ENOMEM; *out is the
 * caller's to free().
 */
int glb_flow_matches(const struct glb_table_file *tf, unsigned caps, struct glb_flow_match **out,
		     size_t *n);

/* Sorting order of matches; 0 when they match the same packets. */
int glb_flow_match_cmp(const struct glb_flow_match *a, const struct glb_flow_match *b);

/* A match as text ("tcp 192.0.2.10/32 port 80"), for logs and errors. */
const char *glb_flow_match_str(const struct glb_flow_match *m, char *buf, size_t cap);

#endif
