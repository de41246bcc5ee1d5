/* SPDX-License-Identifier: BSD-3-Clause */
#include "print.h"

#include <inttypes.h>
#include <string.h>

#include "tcpinfo.h"

/* States a summary lists as connections, in the order a connection lives. */
static const unsigned conn_states[] = {
	GLB_PD_TCP_SYN_RECV,   GLB_PD_TCP_ESTABLISHED, GLB_PD_TCP_FIN_WAIT1, GLB_PD_TCP_FIN_WAIT2,
	GLB_PD_TCP_CLOSE_WAIT, GLB_PD_TCP_LAST_ACK,    GLB_PD_TCP_CLOSING,   GLB_PD_TCP_SYN_SENT,
};

static const char *basis_text(const struct glb_pd_view *v, char *buf, size_t len)
{
	switch (v->basis) {
	case GLB_PD_SINCE_BOOT:
		return "totals (no earlier run to compare with)";
	case GLB_PD_SINCE_LAST_RUN:
		snprintf(buf, len, "since the last run %.1f s ago", v->seconds);
		return buf;
	case GLB_PD_OVER_INTERVAL:
		snprintf(buf, len, "over %.1f s", v->seconds);
		return buf;
	case GLB_PD_SINCE_REFRESH:
		snprintf(buf, len, "over the last %.1f s", v->seconds);
		return buf;
	}
	return "";
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void print_states(FILE *f, const struct glb_pd_vipport *e)
{
	const char *sep = "";

	fprintf(f, "  connections     %" PRIu32, glb_pd_vipport_connections(e));
	for (size_t i = 0; i < sizeof(conn_states) / sizeof(conn_states[0]); i++) {
		unsigned st = conn_states[i];

		if (e->states[st] || st == GLB_PD_TCP_ESTABLISHED) {
			fprintf(f, "%s%s %" PRIu32, *sep ? sep : ": ", glb_pd_tcp_state_name(st),
				e->states[st]);
			sep = ", ";
		}
	}
	fprintf(f, "\n  TIME-WAIT       %" PRIu32 "\n", e->states[GLB_PD_TCP_TIME_WAIT]);
}

static void print_listeners(FILE *f, const struct glb_pd_vipport *e)
{
	if (!e->listeners) {
		fprintf(f, "  listeners       none\n");
		return;
	}
	fprintf(f, "  listeners       %" PRIu32, e->listeners);
	if (e->wildcard_listeners)
		fprintf(f, " (%" PRIu32 " on a wildcard address)", e->wildcard_listeners);
	fprintf(f, ": accept queue %" PRIu64 "/%" PRIu64, e->accept_queue, e->accept_max);
	if (e->listeners > 1)
		fprintf(f, " (fullest %" PRIu32 "/%" PRIu32 ")", e->fullest_queue, e->fullest_max);
	fprintf(f, "\n");
}

static void print_vipport(FILE *f, const struct glb_pd_vipport *e)
{
	char ep[GLB_PD_ADDRSTRLEN];

	glb_pd_endpoint_format(&e->addr, e->port, ep, sizeof(ep));
	if (e->port == GLB_PD_ANY_PORT) {
		fprintf(f, "%s\n  no socket on any port\n\n", ep);
		return;
	}
	fprintf(f, "%s\n", ep);
	print_states(f, e);
	print_listeners(f, e);
	fprintf(f, "  send queue      %" PRIu64 " bytes in %" PRIu32 " connection%s\n",
		e->send_queue, e->send_queue_conns, plural(e->send_queue_conns));
	fprintf(f, "  receive queue   %" PRIu64 " bytes in %" PRIu32 " connection%s\n",
		e->recv_queue, e->recv_queue_conns, plural(e->recv_queue_conns));
	fprintf(f,
		"  retransmitting  %" PRIu32 " now, %" PRIu32 " ever (%" PRIu64 " segment%s)\n\n",
		e->retransmitting, e->retransmitted, e->total_retrans, plural(e->total_retrans));
}

/* "+12 (1.2/s)  total 345", or "total 345" without a basis. */
static void print_counter(FILE *f, const struct glb_pd_view *v, const char *name, uint64_t now,
			  uint64_t before)
{
	fprintf(f, "  %-20s", name);
	if (v->before) {
		uint64_t d = glb_pd_delta(now, before);

		fprintf(f, " %+12" PRId64, (int64_t)d);
		if (v->seconds > 0)
			fprintf(f, " %10.1f/s", (double)d / v->seconds);
	}
	fprintf(f, "   total %" PRIu64 "\n", now);
}

static void print_tcpext(FILE *f, const struct glb_pd_view *v, const char *basis)
{
	fprintf(f, "TCP (TcpExt), %s:\n", basis);
	for (int i = 0; i < GLB_PD_TCPEXT_NUM; i++) {
		if (!(v->now->tcpext_have & (1u << i))) {
			fprintf(f, "  %-20s (not counted by this kernel)\n",
				glb_pd_tcpext_names[i]);
			continue;
		}
		print_counter(f, v, glb_pd_tcpext_names[i], v->now->tcpext[i],
			      v->before ? v->before->tcpext[i] : 0);
	}
}

static uint64_t before_value(const struct glb_pd_view *v, const char *name)
{
	uint64_t x = 0;

	if (v->before)
		glb_pd_counters_redirect(v->before, name, &x);
	return x;
}

/* The counters of one verdict that moved (or, without a basis, are not 0). */
static void print_reasons(FILE *f, const struct glb_pd_view *v, enum glb_pd_verdict verdict)
{
	const char *sep = "      ";
	int any = 0;

	for (size_t i = 0; i < v->now->num_redirect; i++) {
		const struct glb_pd_named *c = &v->now->redirect[i];
		uint64_t d = glb_pd_delta(c->value, before_value(v, c->name));

		if (glb_pd_redirect_verdict(c->name) != verdict || d == 0)
			continue;
		fprintf(f, "%s%s %s%" PRIu64, sep, c->name, v->before ? "+" : "", d);
		sep = ", ";
		any = 1;
	}
	if (any)
		fprintf(f, "\n");
}

static void print_redirect(FILE *f, const struct glb_pd_view *v, const char *basis)
{
	static const char *const groups[GLB_PD_VERDICT_NUM] = {
		[GLB_PD_VERDICT_TOTAL] = "packets",       [GLB_PD_VERDICT_ACCEPTED] = "accepted",
		[GLB_PD_VERDICT_FORWARDED] = "forwarded", [GLB_PD_VERDICT_DROPPED] = "dropped",
		[GLB_PD_VERDICT_OTHER] = "other",
	};
	uint64_t now[GLB_PD_VERDICT_NUM] = { 0 }, before[GLB_PD_VERDICT_NUM] = { 0 };

	if (!v->now->have_redirect) {
		fprintf(f,
			"GLBREDIRECT: no counters in this namespace (xt_GLBREDIRECT not loaded)\n");
		return;
	}
	for (size_t i = 0; i < v->now->num_redirect; i++) {
		const struct glb_pd_named *c = &v->now->redirect[i];
		enum glb_pd_verdict g = glb_pd_redirect_verdict(c->name);

		now[g] += c->value;
		before[g] += before_value(v, c->name);
	}
	fprintf(f, "GLBREDIRECT, %s:\n", basis);
	for (int g = 0; g < GLB_PD_VERDICT_NUM; g++) {
		if (g == GLB_PD_VERDICT_OTHER && now[g] == 0)
			continue;
		print_counter(f, v, groups[g], now[g], before[g]);
		if (g != GLB_PD_VERDICT_TOTAL)
			print_reasons(f, v, (enum glb_pd_verdict)g);
	}
}

void glb_pd_print_summary_text(FILE *f, const struct glb_pd_view *v)
{
	char when[64], basis[64];
	struct tm tm;

	localtime_r(&v->now->taken.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (v->netns)
		fprintf(f, "network namespace %s, %s\n\n", v->netns, when);
	else
		fprintf(f, "%s\n\n", when);
	for (size_t i = 0; i < v->sum->n; i++)
		print_vipport(f, &v->sum->e[i]);
	print_tcpext(f, v, basis_text(v, basis, sizeof(basis)));
	fprintf(f, "\n");
	print_redirect(f, v, basis_text(v, basis, sizeof(basis)));
}

/* Column widths that fit every address of the table (IPv6 takes 47). */
struct widths {
	int peer, local;
};

static void fit(const struct glb_pd_conn *c, size_t n, struct widths *w)
{
	char ep[GLB_PD_ADDRSTRLEN];

	*w = (struct widths){ .peer = (int)strlen("PEER"), .local = (int)strlen("VIP") };
	for (size_t i = 0; i < n; i++) {
		glb_pd_endpoint_format(&c[i].peer, c[i].peer_port, ep, sizeof(ep));
		if ((int)strlen(ep) > w->peer)
			w->peer = (int)strlen(ep);
		glb_pd_endpoint_format(&c[i].local, c[i].local_port, ep, sizeof(ep));
		if ((int)strlen(ep) > w->local)
			w->local = (int)strlen(ep);
	}
}

static void print_conn(FILE *f, const struct glb_pd_conn *c, const struct widths *w)
{
	char peer[GLB_PD_ADDRSTRLEN], local[GLB_PD_ADDRSTRLEN];
	const struct glb_pd_tcpinfo *ti = &c->info;

	glb_pd_endpoint_format(&c->peer, c->peer_port, peer, sizeof(peer));
	glb_pd_endpoint_format(&c->local, c->local_port, local, sizeof(local));
	fprintf(f, "%-*s  %-*s  %-11s %9" PRIu32 " %9" PRIu32, w->peer, peer, w->local, local,
		glb_pd_tcp_state_name(c->state), c->wqueue, c->rqueue);
	if (c->has_info)
		fprintf(f, " %9.3f %7" PRIu32 " %5" PRIu32 " %7" PRIu32, ti->rtt_us / 1000.0,
			ti->unacked, ti->lost, ti->total_retrans);
	else
		fprintf(f, " %9s %7s %5s %7s", "-", "-", "-", "-");
	if (c->has_info && (ti->have & GLB_PD_TI_BYTES_SENT))
		fprintf(f, " %13" PRIu64 " %13" PRIu64 "\n", ti->bytes_sent, ti->bytes_retrans);
	else
		fprintf(f, " %13s %13s\n", "-", "-");
}

void glb_pd_print_conn_table(FILE *f, const struct glb_pd_conn *c, size_t n)
{
	struct widths w;

	fit(c, n, &w);
	fprintf(f, "%-*s  %-*s  %-11s %9s %9s %9s %7s %5s %7s %13s %13s\n", w.peer, "PEER", w.local,
		"VIP", "STATE", "SEND-Q", "RECV-Q", "RTT-MS", "UNACKED", "LOST", "RETRANS",
		"BYTES-SENT", "BYTES-RETRANS");
	for (size_t i = 0; i < n; i++)
		print_conn(f, &c[i], &w);
}

void glb_pd_print_conns_text(FILE *f, const struct glb_pd_conns *cs)
{
	glb_pd_print_conn_table(f, cs->c, cs->n);
	fprintf(f, "%zu of %" PRIu64 " connections, the worst by %s first\n", cs->n, cs->seen,
		glb_pd_sort_name(cs->sort));
}
