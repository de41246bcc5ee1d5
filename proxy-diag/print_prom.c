/* SPDX-License-Identifier: BSD-3-Clause */
#include "print.h"

#include <ctype.h>
#include <inttypes.h>

#include "tcpinfo.h"

/* Every metric is named glb_proxy_*; the labels vip and port name the service. */
#define PREFIX "glb_proxy_"

void glb_pd_prom_state(unsigned state, char *buf, size_t len)
{
	const char *name = glb_pd_tcp_state_name(state);
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++)
		buf[i] = name[i] == '-' ? '_' : (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help, name, type);
}

static void labels(FILE *f, const struct glb_pd_vipport *e)
{
	char vip[GLB_PD_ADDRSTRLEN];

	glb_pd_addr_format(&e->addr, vip, sizeof(vip));
	fprintf(f, "vip=\"%s\",port=\"%d\"", vip, e->port);
}

/* One gauge per VIP:port, its value read from the entry by value(). */
static void per_vip(FILE *f, const struct glb_pd_summary *s, const char *name, const char *help,
		    uint64_t (*value)(const struct glb_pd_vipport *))
{
	header(f, name, "gauge", help);
	for (size_t i = 0; i < s->n; i++) {
		if (s->e[i].port == GLB_PD_ANY_PORT)
			continue;
		fprintf(f, PREFIX "%s{", name);
		labels(f, &s->e[i]);
		fprintf(f, "} %" PRIu64 "\n", value(&s->e[i]));
	}
}

static uint64_t v_listeners(const struct glb_pd_vipport *e)
{
	return e->listeners;
}

static uint64_t v_acceptq(const struct glb_pd_vipport *e)
{
	return e->accept_queue;
}

static uint64_t v_acceptmax(const struct glb_pd_vipport *e)
{
	return e->accept_max;
}

static uint64_t v_sendq(const struct glb_pd_vipport *e)
{
	return e->send_queue;
}

static uint64_t v_recvq(const struct glb_pd_vipport *e)
{
	return e->recv_queue;
}

static uint64_t v_retransmitting(const struct glb_pd_vipport *e)
{
	return e->retransmitting;
}

static uint64_t v_retransmitted(const struct glb_pd_vipport *e)
{
	return e->retransmitted;
}

static void sockets(FILE *f, const struct glb_pd_summary *s)
{
	header(f, "sockets", "gauge", "Sockets of the service address and port by TCP state.");
	for (size_t i = 0; i < s->n; i++) {
		if (s->e[i].port == GLB_PD_ANY_PORT)
			continue;
		for (unsigned st = GLB_PD_TCP_ESTABLISHED; st < GLB_PD_TCP_NUM_STATES; st++) {
			char state[16];

			if (st == GLB_PD_TCP_LISTEN || st == GLB_PD_TCP_NEW_SYN_RECV)
				continue;
			glb_pd_prom_state(st, state, sizeof(state));
			fprintf(f, PREFIX "sockets{");
			labels(f, &s->e[i]);
			fprintf(f, ",state=\"%s\"} %" PRIu32 "\n", state, s->e[i].states[st]);
		}
	}
}

static void counters(FILE *f, const struct glb_pd_counters *c)
{
	header(f, "tcpext_total", "counter",
	       "TcpExt counters of the namespace (/proc/net/netstat).");
	for (int i = 0; i < GLB_PD_TCPEXT_NUM; i++)
		if (c->tcpext_have & (1u << i))
			fprintf(f, PREFIX "tcpext_total{counter=\"%s\"} %" PRIu64 "\n",
				glb_pd_tcpext_names[i], c->tcpext[i]);
	header(f, "glbredirect_loaded", "gauge",
	       "1 if the namespace has GLBREDIRECT counters (module loaded).");
	fprintf(f, PREFIX "glbredirect_loaded %d\n", c->have_redirect ? 1 : 0);
	if (!c->have_redirect)
		return;
	header(f, "glbredirect_packets_total", "counter",
	       "GLBREDIRECT packets by counter (/proc/net/glb_redirect_stats).");
	for (size_t i = 0; i < c->num_redirect; i++) {
		static const char *const verdicts[GLB_PD_VERDICT_NUM] = {
			[GLB_PD_VERDICT_TOTAL] = "total",
			[GLB_PD_VERDICT_ACCEPTED] = "accepted",
			[GLB_PD_VERDICT_FORWARDED] = "forwarded",
			[GLB_PD_VERDICT_DROPPED] = "dropped",
			[GLB_PD_VERDICT_OTHER] = "other",
		};

		fprintf(f,
			PREFIX "glbredirect_packets_total{counter=\"%s\",verdict=\"%s\"} %" PRIu64
			       "\n",
			c->redirect[i].name, verdicts[glb_pd_redirect_verdict(c->redirect[i].name)],
			c->redirect[i].value);
	}
}

void glb_pd_print_summary_prometheus(FILE *f, const struct glb_pd_view *v)
{
	const struct glb_pd_summary *s = v->sum;

	sockets(f, s);
	per_vip(f, s, "listeners", "Listening sockets serving the service address and port.",
		v_listeners);
	per_vip(f, s, "accept_queue", "Connections waiting in the listeners' accept queues.",
		v_acceptq);
	per_vip(f, s, "accept_queue_max", "The listeners' accept queue limits, summed.",
		v_acceptmax);
	per_vip(f, s, "send_queue_bytes", "Bytes sent and not yet acknowledged, summed.", v_sendq);
	per_vip(f, s, "recv_queue_bytes", "Bytes received and not yet read, summed.", v_recvq);
	per_vip(f, s, "retransmitting_connections",
		"Connections with retransmitted segments outstanding now.", v_retransmitting);
	per_vip(f, s, "retransmitted_connections",
		"Connections that have retransmitted at least once.", v_retransmitted);
	counters(f, v->now);
}
