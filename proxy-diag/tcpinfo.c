/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcpinfo.h"

#include <errno.h>
#include <linux/tcp.h>
#include <string.h>

/* Does a kernel struct of len bytes hold field f of ours (the uapi header's)? */
#define REACHES(len, f) (offsetof(struct tcp_info, f) + sizeof(((struct tcp_info *)0)->f) <= (len))

static const char *const state_names[GLB_PD_TCP_NUM_STATES] = {
	[GLB_PD_TCP_ESTABLISHED] = "ESTABLISHED",
	[GLB_PD_TCP_SYN_SENT] = "SYN-SENT",
	[GLB_PD_TCP_SYN_RECV] = "SYN-RECV",
	[GLB_PD_TCP_FIN_WAIT1] = "FIN-WAIT-1",
	[GLB_PD_TCP_FIN_WAIT2] = "FIN-WAIT-2",
	[GLB_PD_TCP_TIME_WAIT] = "TIME-WAIT",
	[GLB_PD_TCP_CLOSE] = "CLOSE",
	[GLB_PD_TCP_CLOSE_WAIT] = "CLOSE-WAIT",
	[GLB_PD_TCP_LAST_ACK] = "LAST-ACK",
	[GLB_PD_TCP_LISTEN] = "LISTEN",
	[GLB_PD_TCP_CLOSING] = "CLOSING",
	[GLB_PD_TCP_NEW_SYN_RECV] = "NEW-SYN-RECV",
};

const char *glb_pd_tcp_state_name(unsigned state)
{
	if (state >= GLB_PD_TCP_NUM_STATES || !state_names[state])
		return "UNKNOWN";
	return state_names[state];
}

int glb_pd_tcpinfo_parse(const void *data, size_t len, struct glb_pd_tcpinfo *out)
{
	struct tcp_info ti;

	memset(out, 0, sizeof(*out));
	out->kernel_len = (uint32_t)len;
	/* A kernel's tcp_info always reached total_retrans (2.6): shorter is
	 * not a tcp_info at all. */
	if (!REACHES(len, tcpi_total_retrans))
		return -EINVAL;
	/* Copy what both sides have into a zeroed struct: aligned, and a
	 * longer kernel struct's tail (fields newer than our headers) dropped. */
	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, data, len < sizeof(ti) ? len : sizeof(ti));

	out->have = GLB_PD_TI_BASE;
	out->state = ti.tcpi_state;
	out->retransmits = ti.tcpi_retransmits;
	out->unacked = ti.tcpi_unacked;
	out->lost = ti.tcpi_lost;
	out->retrans = ti.tcpi_retrans;
	out->total_retrans = ti.tcpi_total_retrans;
	out->rtt_us = ti.tcpi_rtt;
	out->rttvar_us = ti.tcpi_rttvar;
	out->snd_cwnd = ti.tcpi_snd_cwnd;
	if (REACHES(len, tcpi_bytes_received)) {
		out->have |= GLB_PD_TI_BYTES_ACKED;
		out->bytes_acked = ti.tcpi_bytes_acked;
		out->bytes_received = ti.tcpi_bytes_received;
	}
	if (REACHES(len, tcpi_min_rtt)) {
		out->have |= GLB_PD_TI_NOTSENT;
		out->notsent_bytes = ti.tcpi_notsent_bytes;
	}
	if (REACHES(len, tcpi_bytes_retrans)) {
		out->have |= GLB_PD_TI_BYTES_SENT;
		out->bytes_sent = ti.tcpi_bytes_sent;
		out->bytes_retrans = ti.tcpi_bytes_retrans;
	}
	return 0;
}
