/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel counters that matter behind a load balancer: TcpExt from
 * /proc/net/netstat (listen queue overflows, SYN cookies, timeouts, backlog
 * drops) and GLBREDIRECT's from /proc/net/glb_redirect_stats, both as the
 * current network namespace sees them.
 */
#ifndef GLB_PD_COUNTERS_H
#define GLB_PD_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum glb_pd_tcpext {
	GLB_PD_LISTEN_OVERFLOWS, /* a full accept queue turned a handshake away */
	GLB_PD_LISTEN_DROPS,     /* ... and every other SYN or ACK a listener dropped */
	GLB_PD_SYNCOOKIES_SENT,  /* SYN queue full (or tcp_syncookies=2): cookies */
	GLB_PD_SYNCOOKIES_RECV,
	GLB_PD_SYNCOOKIES_FAILED,
	GLB_PD_TCP_TIMEOUTS,     /* retransmission timeouts */
	GLB_PD_TCP_BACKLOG_DROP, /* socket backlog full while the socket was busy */
	GLB_PD_TW,               /* TIME_WAIT sockets that ended */
	GLB_PD_TCPEXT_NUM,
};

/* Their names in /proc/net/netstat's TcpExt lines. */
extern const char *const glb_pd_tcpext_names[GLB_PD_TCPEXT_NUM];

/* GLBREDIRECT has about 30 counters; new ones are only ever added. */
#define GLB_PD_MAX_REDIRECT 64
#define GLB_PD_COUNTER_NAME_LEN 40

struct glb_pd_named {
	char name[GLB_PD_COUNTER_NAME_LEN];
	uint64_t value;
};

struct glb_pd_counters {
	unsigned tcpext_have; /* bit per enum glb_pd_tcpext the kernel has */
	uint64_t tcpext[GLB_PD_TCPEXT_NUM];
	int have_redirect; /* /proc/net/glb_redirect_stats was there */
	size_t num_redirect;
	struct glb_pd_named redirect[GLB_PD_MAX_REDIRECT];
	struct timespec taken; /* CLOCK_REALTIME */
};

/* GLBREDIRECT's verdicts, by counter name (proxy-kmod/README.md). */
enum glb_pd_verdict {
	GLB_PD_VERDICT_TOTAL,     /* "total": every packet */
	GLB_PD_VERDICT_ACCEPTED,  /* accept_*, forward_self: decapsulated here */
	GLB_PD_VERDICT_FORWARDED, /* forward, forward_icmp: sent to the next hop */
	GLB_PD_VERDICT_DROPPED,   /* drop_* */
	GLB_PD_VERDICT_OTHER,     /* a counter newer than this program */
	GLB_PD_VERDICT_NUM,
};

enum glb_pd_verdict glb_pd_redirect_verdict(const char *name);

/* Read both files of the current namespace (/proc/thread-self/net/...).
 * A missing glb_redirect_stats (module not loaded) is have_redirect 0, not
 * an error.  Returns 0 or the -errno of reading /proc/net/netstat. */
int glb_pd_counters_read(struct glb_pd_counters *c);

/* /proc/net/netstat's text: pairs of "TcpExt: names..." / "TcpExt: values...". */
int glb_pd_counters_parse_netstat(const char *text, struct glb_pd_counters *c);
/* glb_redirect_stats' text: one "name value" per line. */
int glb_pd_counters_parse_redirect(const char *text, struct glb_pd_counters *c);

/* A counter's value in c by its GLBREDIRECT name; 0 and not found: -ENOENT. */
int glb_pd_counters_redirect(const struct glb_pd_counters *c, const char *name, uint64_t *value);

/* now - before, or now when the counter went backwards (the module was
 * reloaded, the namespace made again): counted from zero since. */
static inline uint64_t glb_pd_delta(uint64_t now, uint64_t before)
{
	return now >= before ? now - before : now;
}

#endif
