/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inet_diag bytecode that makes the kernel send only the sockets of the
 * service addresses (INET_DIAG_REQ_BYTECODE): on a proxy with 200,000
 * sockets, filtering in the kernel is what keeps a dump cheap.
 *
 * The program is (local matches any of L) AND (peer matches any of P, when
 * P is given).  Every instruction is a conditional jump forward: to "yes"
 * or "no" bytes further; running off the end exactly accepts the socket,
 * jumping 4 bytes past it rejects it.  The kernel (inet_diag_bc_audit)
 * requires every jump target to lie on the chain of "yes" jumps, so an OR
 * of conditions is laid out as ss(8) lays it out:
 *
 *   C0 J0 C1 J1 ... Cn-1      Ci:  yes -> Ji (matched), no -> Ci+1
 *                             Ji:  always "no": to the next group (or the end)
 *                             Cn-1: yes -> next group, no -> reject
 */
#ifndef GLB_PD_FILTER_H
#define GLB_PD_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

/* One condition on an address and a port (struct inet_diag_hostcond). */
struct glb_pd_hostcond {
	struct glb_pd_addr addr; /* its family is the condition's */
	uint8_t prefix_len;      /* 32 or 128 for one address */
	int port;                /* GLB_PD_ANY_PORT: any */
};

/* The longest program: a first condition's reject jump (its length + 4)
 * must fit the 16-bit "no", and lengths are whole 32-bit words. */
#define GLB_PD_FILTER_MAX_LEN 65528

/* Conditions on the local side for a dump of family (AF_INET or AF_INET6):
 * each VIP of that family, IPv4 VIPs also in an IPv6 dump (the kernel
 * matches them against IPv4-mapped addresses), and with listeners, the
 * wildcard addresses (0.0.0.0, ::) on the VIPs' ports, where a listener
 * serving every address sits.  Returns the number written (at most cap), or
 * -ENOSPC. */
ssize_t glb_pd_filter_local_conds(const struct glb_pd_vip *vips, size_t num_vips, int family,
				  int listeners, struct glb_pd_hostcond *out, size_t cap);

/* Write the program for (local: any of local) AND (peer: any of peer;
 * npeer 0: anything) into buf.  Returns its length, -EINVAL when nlocal is
 * 0, or -ENOSPC when it does not fit in cap or in GLB_PD_FILTER_MAX_LEN. */
ssize_t glb_pd_filter_build(const struct glb_pd_hostcond *local, size_t nlocal,
			    const struct glb_pd_hostcond *peer, size_t npeer, uint8_t *buf,
			    size_t cap);

#endif
