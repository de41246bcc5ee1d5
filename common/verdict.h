/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why the director does not forward a packet: parse, classify and route
 * each end in one of these, and the director keeps a counter for each.
 */
#ifndef GLB_VERDICT_H
#define GLB_VERDICT_H

enum glb_verdict {
	GLB_OK = 0,
	GLB_DROP_NOT_IP,        /* not IPv4/IPv6 Ethernet (ARP, LLDP, ...) */
	GLB_DROP_MALFORMED,     /* truncated or inconsistent headers */
	GLB_DROP_UNSUPPORTED,   /* IP we do not forward: other ICMP types, other L4 protocols */
	GLB_DROP_NO_MATCH,      /* no bind matches */
	GLB_DROP_FRAGMENT,      /* non-first fragment we cannot place (see SPEC §5) */
	GLB_DROP_ECHO_DISABLED, /* echo request and forward_icmp_ping_responses is off */
	GLB_DROP_NO_BACKEND,    /* the matched table has no usable backend */
	GLB_VERDICT_COUNT,
};

/* Short name of a verdict for logs and counters ("malformed", ...). */
const char *glb_verdict_name(enum glb_verdict v);

#endif
