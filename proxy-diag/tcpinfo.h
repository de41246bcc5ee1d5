/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP states as sock_diag reports them, and the fields of the kernel's
 * struct tcp_info that glb-proxy-diag reads.  The kernel's tcp_info grows
 * at its end with every few releases: a kernel older than our headers sends
 * a shorter one, a newer kernel a longer one.  A field is read only when the
 * kernel's struct reaches past its end, and "have" says which were there.
 */
#ifndef GLB_PD_TCPINFO_H
#define GLB_PD_TCPINFO_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's TCP states (include/net/tcp_states.h), part of sock_diag's
 * ABI: idiag_state and the bits of idiag_states are these numbers. */
enum glb_pd_tcp_state {
	GLB_PD_TCP_ESTABLISHED = 1,
	GLB_PD_TCP_SYN_SENT,
	GLB_PD_TCP_SYN_RECV,
	GLB_PD_TCP_FIN_WAIT1,
	GLB_PD_TCP_FIN_WAIT2,
	GLB_PD_TCP_TIME_WAIT,
	GLB_PD_TCP_CLOSE,
	GLB_PD_TCP_CLOSE_WAIT,
	GLB_PD_TCP_LAST_ACK,
	GLB_PD_TCP_LISTEN,
	GLB_PD_TCP_CLOSING,
	GLB_PD_TCP_NEW_SYN_RECV, /* request sockets; reported as SYN_RECV */
	GLB_PD_TCP_NUM_STATES,
};

#define GLB_PD_TCPF(state) (1u << (state))
/* Every state a dump can ask for (not 13, TCP_BOUND_INACTIVE: bound,
 * unconnected sockets of 6.6+, which serve nobody). */
#define GLB_PD_TCPF_ALL ((1u << GLB_PD_TCP_NUM_STATES) - 2)
/* A connection still talking to its client: everything but listeners and
 * TIME_WAIT (whose client is gone; GLBREDIRECT still accepts its packets,
 * but losing it loses nothing). */
#define GLB_PD_TCPF_CONNECTIONS                                                                   \
	(GLB_PD_TCPF_ALL & ~(GLB_PD_TCPF(GLB_PD_TCP_LISTEN) | GLB_PD_TCPF(GLB_PD_TCP_TIME_WAIT) | \
			     GLB_PD_TCPF(GLB_PD_TCP_CLOSE)))

/* "ESTABLISHED", "SYN-RECV", ... as ss prints them; "UNKNOWN" past the table. */
const char *glb_pd_tcp_state_name(unsigned state);

/* Which tcp_info fields the kernel's struct reached (by the release that
 * added them: a kernel has all of a group or none). */
enum glb_pd_tcpinfo_have {
	GLB_PD_TI_BASE = 1u << 0,        /* state .. total_retrans: every kernel */
	GLB_PD_TI_BYTES_ACKED = 1u << 1, /* bytes_acked, bytes_received: 4.1 */
	GLB_PD_TI_NOTSENT = 1u << 2,     /* notsent_bytes, min_rtt: 4.6 */
	GLB_PD_TI_BYTES_SENT = 1u << 3,  /* bytes_sent, bytes_retrans: 4.19 */
};

struct glb_pd_tcpinfo {
	unsigned have;       /* GLB_PD_TI_* */
	uint32_t kernel_len; /* the attribute's length, as the kernel sent it */
	uint8_t state;
	uint8_t retransmits; /* consecutive RTO retransmissions right now */
	uint32_t unacked, lost, retrans, total_retrans;
	uint32_t rtt_us, rttvar_us, snd_cwnd;
	uint32_t notsent_bytes;
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
};

/*
 * Read an INET_DIAG_INFO attribute's payload of len bytes (the kernel's
 * struct tcp_info, whatever its size).  Fields the payload does not reach
 * are zero and missing from "have"; bytes past our struct are ignored.
 * Returns 0, or -EINVAL when not even the base fields are there.
 */
int glb_pd_tcpinfo_parse(const void *data, size_t len, struct glb_pd_tcpinfo *out);

/* Is the connection retransmitting right now: segments retransmitted and
 * not yet acknowledged, or an RTO backoff in progress? */
static inline int glb_pd_tcpinfo_retransmitting(const struct glb_pd_tcpinfo *ti)
{
	return (ti->have & GLB_PD_TI_BASE) && (ti->retrans > 0 || ti->retransmits > 0);
}

#endif
