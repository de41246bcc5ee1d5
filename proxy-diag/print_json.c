/* SPDX-License-Identifier: BSD-3-Clause */
#include "print.h"

#include <ctype.h>
#include <inttypes.h>

#include "tcpinfo.h"

static const char *const basis_names[] = {
	[GLB_PD_SINCE_BOOT] = "boot",
	[GLB_PD_SINCE_LAST_RUN] = "last_run",
	[GLB_PD_OVER_INTERVAL] = "interval",
	[GLB_PD_SINCE_REFRESH] = "refresh",
};

void glb_pd_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_addr(FILE *f, const char *key, const struct glb_pd_addr *a)
{
	char buf[GLB_PD_ADDRSTRLEN];

	glb_pd_addr_format(a, buf, sizeof(buf));
	fprintf(f, "\"%s\": ", key);
	glb_pd_json_string(f, buf);
}

static void json_states(FILE *f, const struct glb_pd_vipport *e)
{
	const char *sep = "";

	fprintf(f, "\"states\": {");
	for (unsigned st = GLB_PD_TCP_ESTABLISHED; st < GLB_PD_TCP_NUM_STATES; st++) {
		/* Listeners are counted apart; request sockets come as SYN-RECV. */
		if (st == GLB_PD_TCP_LISTEN || st == GLB_PD_TCP_NEW_SYN_RECV)
			continue;
		fprintf(f, "%s\"%s\": %" PRIu32, sep, glb_pd_tcp_state_name(st), e->states[st]);
		sep = ", ";
	}
	fprintf(f, "}");
}

static void json_vipport(FILE *f, const struct glb_pd_vipport *e)
{
	fprintf(f, "{");
	json_addr(f, "vip", &e->addr);
	if (e->port == GLB_PD_ANY_PORT)
		fprintf(f, ", \"port\": null");
	else
		fprintf(f, ", \"port\": %d", e->port);
	fprintf(f, ", \"connections\": %" PRIu32 ", ", glb_pd_vipport_connections(e));
	json_states(f, e);
	fprintf(f,
		", \"listeners\": %" PRIu32 ", \"wildcard_listeners\": %" PRIu32
		", \"accept_queue\": %" PRIu64 ", \"accept_queue_max\": %" PRIu64
		", \"send_queue_bytes\": %" PRIu64 ", \"send_queue_connections\": %" PRIu32
		", \"recv_queue_bytes\": %" PRIu64 ", \"recv_queue_connections\": %" PRIu32
		", \"retransmitting\": %" PRIu32 ", \"retransmitted\": %" PRIu32
		", \"total_retransmits\": %" PRIu64 "}",
		e->listeners, e->wildcard_listeners, e->accept_queue, e->accept_max, e->send_queue,
		e->send_queue_conns, e->recv_queue, e->recv_queue_conns, e->retransmitting,
		e->retransmitted, e->total_retrans);
}

/* "NAME": {"total": N, "delta": D} (delta null without a basis) */
static void json_counter(FILE *f, const char *name, uint64_t now, const uint64_t *before)
{
	glb_pd_json_string(f, name);
	fprintf(f, ": {\"total\": %" PRIu64 ", \"delta\": ", now);
	if (before)
		fprintf(f, "%" PRIu64 "}", glb_pd_delta(now, *before));
	else
		fprintf(f, "null}");
}

static void json_tcpext(FILE *f, const struct glb_pd_view *v)
{
	const char *sep = "";

	fprintf(f, "\"tcpext\": {");
	for (int i = 0; i < GLB_PD_TCPEXT_NUM; i++) {
		if (!(v->now->tcpext_have & (1u << i)))
			continue;
		fprintf(f, "%s", sep);
		json_counter(f, glb_pd_tcpext_names[i], v->now->tcpext[i],
			     v->before ? &v->before->tcpext[i] : NULL);
		sep = ", ";
	}
	fprintf(f, "}");
}

static void json_redirect(FILE *f, const struct glb_pd_view *v)
{
	static const char *const groups[GLB_PD_VERDICT_NUM] = {
		[GLB_PD_VERDICT_TOTAL] = "packets",       [GLB_PD_VERDICT_ACCEPTED] = "accepted",
		[GLB_PD_VERDICT_FORWARDED] = "forwarded", [GLB_PD_VERDICT_DROPPED] = "dropped",
		[GLB_PD_VERDICT_OTHER] = "other",
	};
	uint64_t now[GLB_PD_VERDICT_NUM] = { 0 }, before[GLB_PD_VERDICT_NUM] = { 0 };
	const char *sep = "";

	if (!v->now->have_redirect) {
		fprintf(f, "\"glbredirect\": null");
		return;
	}
	fprintf(f, "\"glbredirect\": {\"counters\": {");
	for (size_t i = 0; i < v->now->num_redirect; i++) {
		const struct glb_pd_named *c = &v->now->redirect[i];
		enum glb_pd_verdict g = glb_pd_redirect_verdict(c->name);
		uint64_t b = 0;

		if (v->before)
			glb_pd_counters_redirect(v->before, c->name, &b);
		now[g] += c->value;
		before[g] += b;
		fprintf(f, "%s", sep);
		json_counter(f, c->name, c->value, v->before ? &b : NULL);
		sep = ", ";
	}
	fprintf(f, "}");
	for (int g = 0; g < GLB_PD_VERDICT_NUM; g++) {
		fprintf(f, ", ");
		json_counter(f, groups[g], now[g], v->before ? &before[g] : NULL);
	}
	fprintf(f, "}");
}

void glb_pd_print_summary_json(FILE *f, const struct glb_pd_view *v)
{
	fprintf(f, "{\"netns\": ");
	if (v->netns)
		glb_pd_json_string(f, v->netns);
	else
		fprintf(f, "null");
	fprintf(f, ", \"time\": %lld.%03ld, \"vips\": [", (long long)v->now->taken.tv_sec,
		v->now->taken.tv_nsec / 1000000);
	for (size_t i = 0; i < v->sum->n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_vipport(f, &v->sum->e[i]);
	}
	fprintf(f, "], \"counters\": {\"basis\": \"%s\", \"seconds\": ", basis_names[v->basis]);
	if (v->before)
		fprintf(f, "%.3f", v->seconds);
	else
		fprintf(f, "null");
	fprintf(f, ", ");
	json_tcpext(f, v);
	fprintf(f, ", ");
	json_redirect(f, v);
	fprintf(f, "}}\n");
}

static void json_u64_or_null(FILE *f, const char *key, int have, uint64_t value)
{
	if (have)
		fprintf(f, ", \"%s\": %" PRIu64, key, value);
	else
		fprintf(f, ", \"%s\": null", key);
}

void glb_pd_print_conn_json(FILE *f, const struct glb_pd_conn *c)
{
	const struct glb_pd_tcpinfo *ti = &c->info;
	int base = c->has_info, sent = base && (ti->have & GLB_PD_TI_BYTES_SENT);
	int acked = base && (ti->have & GLB_PD_TI_BYTES_ACKED);

	fprintf(f, "{");
	json_addr(f, "peer", &c->peer);
	fprintf(f, ", \"peer_port\": %u, ", c->peer_port);
	json_addr(f, "vip", &c->local);
	fprintf(f,
		", \"port\": %u, \"state\": \"%s\", \"send_queue\": %" PRIu32
		", \"recv_queue\": %" PRIu32,
		c->local_port, glb_pd_tcp_state_name(c->state), c->wqueue, c->rqueue);
	if (base)
		fprintf(f, ", \"rtt_ms\": %.3f, \"rttvar_ms\": %.3f", ti->rtt_us / 1000.0,
			ti->rttvar_us / 1000.0);
	else
		fprintf(f, ", \"rtt_ms\": null, \"rttvar_ms\": null");
	json_u64_or_null(f, "unacked", base, ti->unacked);
	json_u64_or_null(f, "lost", base, ti->lost);
	json_u64_or_null(f, "retrans", base, ti->retrans);
	json_u64_or_null(f, "total_retrans", base, ti->total_retrans);
	json_u64_or_null(f, "bytes_sent", sent, ti->bytes_sent);
	json_u64_or_null(f, "bytes_retrans", sent, ti->bytes_retrans);
	json_u64_or_null(f, "bytes_acked", acked, ti->bytes_acked);
	json_u64_or_null(f, "bytes_received", acked, ti->bytes_received);
	fprintf(f, "}");
}

void glb_pd_print_conns_json(FILE *f, const struct glb_pd_conns *cs, const char *netns)
{
	fprintf(f, "{\"netns\": ");
	if (netns)
		glb_pd_json_string(f, netns);
	else
		fprintf(f, "null");
	fprintf(f, ", \"sort\": \"%s\", \"connections\": %" PRIu64 ", \"list\": [",
		glb_pd_sort_name(cs->sort), cs->seen);
	for (size_t i = 0; i < cs->n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		glb_pd_print_conn_json(f, &cs->c[i]);
	}
	fprintf(f, "]}\n");
}
