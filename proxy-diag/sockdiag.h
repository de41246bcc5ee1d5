/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sockets from the kernel through NETLINK_SOCK_DIAG (inet_diag_req_v2,
 * SOCK_DIAG_BY_FAMILY), filtered in the kernel: by state with the request's
 * state mask and by address with bytecode (filter.h), so only the service
 * addresses' sockets cross into userspace.  Netlink framing is libmnl's.
 */
#ifndef GLB_PD_SOCKDIAG_H
#define GLB_PD_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "tcpinfo.h"

struct nlmsghdr;
struct mnl_socket;

/* One socket as a dump reports it. */
struct glb_pd_sock {
	uint8_t family;   /* the socket's: AF_INET or AF_INET6 */
	uint8_t state;    /* GLB_PD_TCP_*; request sockets come as SYN_RECV */
	uint8_t v6only;   /* an IPv6 socket that takes no IPv4 (IPV6_V6ONLY) */
	uint8_t has_info; /* info holds the socket's tcp_info (not for
			   * TIME_WAIT and request sockets, or when not asked) */
	uint16_t local_port, peer_port;
	struct glb_pd_addr local, peer; /* IPv4-mapped folded to IPv4 */
	uint32_t rqueue, wqueue;        /* receive / send queue bytes; LISTEN: the accept
					 * queue's length now / its limit */
	struct glb_pd_tcpinfo info;
};

/* What to dump. */
struct glb_pd_query {
	uint32_t states; /* GLB_PD_TCPF_* mask */
	int want_info;   /* ask for INET_DIAG_INFO (tcp_info) */
	const struct glb_pd_vip *vips;
	size_t num_vips;
	/* Also listeners on a wildcard address (0.0.0.0, ::) on the VIPs'
	 * ports: they serve the VIPs too. */
	int listeners;
	const struct glb_pd_prefix *peer; /* NULL: any peer */
};

/* Called for each socket; a non-zero return stops the dump and is returned. */
typedef int (*glb_pd_sock_fn)(const struct glb_pd_sock *s, void *arg);

#define GLB_PD_ERRMSG_LEN 256

struct glb_pd_sockdiag {
	struct mnl_socket *nl;
	unsigned portid, seq;
	uint8_t *buf; /* receive buffer */
	size_t buf_len;
	char errmsg[GLB_PD_ERRMSG_LEN]; /* the kernel's own words (extended ack), or "" */
};

/* Open a NETLINK_SOCK_DIAG socket in the current network namespace.
 * Returns 0 or -errno. */
int glb_pd_sockdiag_open(struct glb_pd_sockdiag *sd);
void glb_pd_sockdiag_close(struct glb_pd_sockdiag *sd);

/*
 * Dump the TCP sockets q selects, IPv4 and IPv6, calling fn for each.
 * Returns 0, fn's non-zero return, or -errno: a netlink error from the
 * kernel (its message in sd->errmsg when it sent one), -ENOSPC for a filter
 * too long for the kernel (too many VIPs).
 */
int glb_pd_sockdiag_dump(struct glb_pd_sockdiag *sd, const struct glb_pd_query *q,
			 glb_pd_sock_fn fn, void *arg);

/* One SOCK_DIAG_BY_FAMILY message into *out.  Returns 0, or -EINVAL for a
 * message too short for struct inet_diag_msg or a tcp_info attribute too
 * short to be one. */
int glb_pd_sockdiag_parse(const struct nlmsghdr *nlh, struct glb_pd_sock *out);

/* An NLMSG_ERROR or NLMSG_DONE message: its -errno (0 for an ack or a
 * clean end), the kernel's message (NLMSGERR_ATTR_MSG) copied to msg ("" if
 * none). */
int glb_pd_sockdiag_error(const struct nlmsghdr *nlh, char *msg, size_t len);

#endif
