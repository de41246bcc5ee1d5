/* SPDX-License-Identifier: BSD-3-Clause */
/* Adding up a dump per VIP:port (the summary), and keeping the worst connections (conns). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conns.h"
#include "summary.h"
#include "testutil.h"

/* A socket from "ADDR" port lport to peer "ADDR" pport in state. */
static struct glb_pd_sock sock(const char *local, uint16_t lport, const char *peer, uint16_t pport,
			       unsigned state)
{
	struct glb_pd_sock s = { .state = (uint8_t)state, .local_port = lport, .peer_port = pport };
	uint8_t b[16];
	int family = strchr(local, ':') ? AF_INET6 : AF_INET;

	s.family = (uint8_t)family;
	inet_pton(family, local, b);
	glb_pd_addr_set(&s.local, family, b);
	inet_pton(family, peer, b);
	glb_pd_addr_set(&s.peer, family, b);
	return s;
}

static struct glb_pd_sock listener(const char *local, uint16_t port, uint32_t queue, uint32_t max)
{
	struct glb_pd_sock s =
		sock(local, port, strchr(local, ':') ? "::" : "0.0.0.0", 0, GLB_PD_TCP_LISTEN);

	s.rqueue = queue;
	s.wqueue = max;
	return s;
}

static void vips(struct glb_pd_vip *v, const char *const *text, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(glb_pd_vip_parse(text[i], &v[i]), 0);
}

static const struct glb_pd_vipport *entry(const struct glb_pd_summary *s, const char *addr,
					  int port)
{
	struct glb_pd_vip v;

	ck_assert_int_eq(glb_pd_vip_parse(addr, &v), 0);
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i].port == port && glb_pd_addr_equal(&s->e[i].addr, &v.addr))
			return &s->e[i];
	ck_abort_msg("no entry %s:%d", addr, port);
	return NULL;
}

START_TEST(test_sockets_are_counted_by_state)
{
	static const char *const text[] = { "192.0.2.10:80" };
	static const unsigned states[] = { GLB_PD_TCP_ESTABLISHED, GLB_PD_TCP_ESTABLISHED,
					   GLB_PD_TCP_ESTABLISHED, GLB_PD_TCP_TIME_WAIT,
					   GLB_PD_TCP_TIME_WAIT,   GLB_PD_TCP_FIN_WAIT2,
					   GLB_PD_TCP_CLOSE_WAIT,  GLB_PD_TCP_SYN_RECV };
	struct glb_pd_vip v[1];
	struct glb_pd_summary s;
	const struct glb_pd_vipport *e;

	vips(v, text, 1);
	ck_assert_int_eq(glb_pd_summary_init(&s, v, 1), 0);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct glb_pd_sock k =
			sock("192.0.2.10", 80, "198.51.100.7", (uint16_t)(1000 + i), states[i]);

		ck_assert_int_eq(glb_pd_summary_add(&k, &s), 0);
	}
	ck_assert_int_eq(glb_pd_summary_finish(&s), 0);
	e = entry(&s, "192.0.2.10", 80);
	ck_assert_uint_eq(e->states[GLB_PD_TCP_ESTABLISHED], 3);
	ck_assert_uint_eq(e->states[GLB_PD_TCP_TIME_WAIT], 2);
	ck_assert_uint_eq(e->sockets, 8);
	/* TIME-WAIT is not a connection any more */
	ck_assert_uint_eq(glb_pd_vipport_connections(e), 6);
	glb_pd_summary_free(&s);
}
END_TEST

START_TEST(test_a_vip_with_a_port_and_no_socket_still_shows)
{
	/* and one without a port has a line saying it has no socket at all */
	static const char *const text[] = { "192.0.2.10:80", "192.0.2.11" };
	struct glb_pd_vip v[2];
	struct glb_pd_summary s;

	vips(v, text, 2);
	ck_assert_int_eq(glb_pd_summary_init(&s, v, 2), 0);
	ck_assert_int_eq(glb_pd_summary_finish(&s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.e[0].port, 80); /* in the order given */
	ck_assert_int_eq(s.e[1].port, GLB_PD_ANY_PORT);
	ck_assert(glb_pd_addr_equal(&s.e[1].addr, &v[1].addr));
	glb_pd_summary_free(&s);
}
END_TEST

START_TEST(test_queues_and_retransmits_are_added_up)
{
	static const char *const text[] = { "192.0.2.10:80" };
	struct glb_pd_vip v[1];
	struct glb_pd_summary s;
	struct glb_pd_sock a = sock("192.0.2.10", 80, "198.51.100.7", 1000, GLB_PD_TCP_ESTABLISHED);
	struct glb_pd_sock b = sock("192.0.2.10", 80, "198.51.100.8", 1000, GLB_PD_TCP_ESTABLISHED);
	const struct glb_pd_vipport *e;

	a.wqueue = 1000;
	a.has_info = 1;
	a.info.have = GLB_PD_TI_BASE;
	a.info.retrans = 2; /* retransmitting now */
	a.info.total_retrans = 5;
	b.wqueue = 24;
	b.rqueue = 7;
	b.has_info = 1;
	b.info.have = GLB_PD_TI_BASE;
	b.info.total_retrans = 1; /* recovered */
	vips(v, text, 1);
	glb_pd_summary_init(&s, v, 1);
	glb_pd_summary_add(&a, &s);
	glb_pd_summary_add(&b, &s);
	glb_pd_summary_finish(&s);
	e = entry(&s, "192.0.2.10", 80);
	ck_assert_uint_eq(e->send_queue, 1024);
	ck_assert_uint_eq(e->send_queue_conns, 2);
	ck_assert_uint_eq(e->recv_queue, 7);
	ck_assert_uint_eq(e->recv_queue_conns, 1);
	ck_assert_uint_eq(e->retransmitting, 1);
	ck_assert_uint_eq(e->retransmitted, 2);
	ck_assert_uint_eq(e->total_retrans, 6);
	glb_pd_summary_free(&s);
}
END_TEST

struct wildcard_case {
	const char *name;
	const char *vip;
	const char *listener; /* "0.0.0.0" or "::" */
	int v6only;
	uint16_t port;
	int with_conn;           /* a connection on the VIP's port 80 */
	uint32_t want_listeners; /* on VIP:80 */
};

static const struct wildcard_case wildcard_cases[] = {
	{ "0.0.0.0:80 serves an IPv4 VIP:80", "192.0.2.10:80", "0.0.0.0", 0, 80, 0, 1 },
	{ "dual-stack [::]:80 serves an IPv4 VIP:80", "192.0.2.10:80", "::", 0, 80, 0, 1 },
	{ "v6only [::]:80 does not serve IPv4", "192.0.2.10:80", "::", 1, 80, 0, 0 },
	{ "0.0.0.0:443 does not serve VIP:80", "192.0.2.10:80", "0.0.0.0", 0, 443, 0, 0 },
	{ "[::]:80 serves an IPv6 VIP", "[2001:db8::10]:80", "::", 1, 80, 0, 1 },
	{ "0.0.0.0:80 does not serve IPv6", "[2001:db8::10]:80", "0.0.0.0", 0, 80, 0, 0 },
	{ "a VIP without a port: where it has connections", "192.0.2.10", "0.0.0.0", 0, 80, 1, 1 },
};

START_TEST(test_wildcard_listener_serves_the_vips_it_reaches)
{
	const struct wildcard_case *c = &wildcard_cases[_i];
	struct glb_pd_vip v;
	struct glb_pd_summary s;
	struct glb_pd_sock l = listener(c->listener, c->port, 3, 128);
	struct glb_pd_vip vip;
	const struct glb_pd_vipport *e = NULL;

	ck_assert_int_eq(glb_pd_vip_parse(c->vip, &v), 0);
	glb_pd_summary_init(&s, &v, 1);
	l.v6only = (uint8_t)c->v6only;
	glb_pd_summary_add(&l, &s);
	if (c->with_conn) {
		struct glb_pd_sock k =
			sock("192.0.2.10", 80, "198.51.100.7", 1000, GLB_PD_TCP_ESTABLISHED);

		glb_pd_summary_add(&k, &s);
	}
	ck_assert_int_eq(glb_pd_summary_finish(&s), 0);
	vip = v;
	for (size_t i = 0; i < s.n; i++)
		if (s.e[i].port == 80 && glb_pd_addr_equal(&s.e[i].addr, &vip.addr))
			e = &s.e[i];
	ck_assert_msg(e != NULL, "%s: no VIP:80 line", c->name);
	ck_assert_msg(e->listeners == c->want_listeners, "%s: %u listeners", c->name, e->listeners);
	if (c->want_listeners) {
		ck_assert_uint_eq(e->wildcard_listeners, 1);
		ck_assert_uint_eq(e->accept_queue, 3);
		ck_assert_uint_eq(e->accept_max, 128);
	}
	glb_pd_summary_free(&s);
}
END_TEST

START_TEST(test_a_vip_without_a_port_gets_no_idle_wildcard_listener)
{
	/* sshd on 0.0.0.0:22 would accept on the VIP too, but says nothing about it */
	static const char *const text[] = { "192.0.2.10" };
	struct glb_pd_vip v[1];
	struct glb_pd_summary s;
	struct glb_pd_sock l = listener("0.0.0.0", 22, 0, 128);

	vips(v, text, 1);
	glb_pd_summary_init(&s, v, 1);
	glb_pd_summary_add(&l, &s);
	glb_pd_summary_finish(&s);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.e[0].port, GLB_PD_ANY_PORT);
	glb_pd_summary_free(&s);
}
END_TEST

START_TEST(test_reuseport_listeners_add_up_and_the_fullest_is_named)
{
	static const char *const text[] = { "192.0.2.10:80" };
	struct glb_pd_vip v[1];
	struct glb_pd_summary s;
	struct glb_pd_sock a = listener("192.0.2.10", 80, 1, 511);
	struct glb_pd_sock b = listener("192.0.2.10", 80, 4, 4);
	struct glb_pd_sock c = listener("192.0.2.10", 80, 100, 511);
	const struct glb_pd_vipport *e;

	vips(v, text, 1);
	glb_pd_summary_init(&s, v, 1);
	glb_pd_summary_add(&a, &s);
	glb_pd_summary_add(&b, &s);
	glb_pd_summary_add(&c, &s);
	glb_pd_summary_finish(&s);
	e = entry(&s, "192.0.2.10", 80);
	ck_assert_uint_eq(e->listeners, 3);
	ck_assert_uint_eq(e->accept_queue, 105);
	ck_assert_uint_eq(e->accept_max, 1026);
	ck_assert_uint_eq(e->fullest_queue, 4);
	ck_assert_uint_eq(e->fullest_max, 4);
	ck_assert_uint_eq(glb_pd_vipport_connections(e), 0);
	glb_pd_summary_free(&s);
}
END_TEST

/* conns: n connections from peers .1 .. .n with total_retrans, wqueue and rtt from a seed. */
static void add_conns(struct glb_pd_conns *cs, int n)
{
	for (int i = 0; i < n; i++) {
		char peer[32];
		struct glb_pd_sock k;

		snprintf(peer, sizeof(peer), "198.51.%d.%d", i / 200, i % 200 + 1);
		k = sock("192.0.2.10", 80, peer, 5000, GLB_PD_TCP_ESTABLISHED);
		k.has_info = 1;
		k.info.have = GLB_PD_TI_BASE;
		k.info.total_retrans = (uint32_t)((i * 7919) % 101);
		k.wqueue = (uint32_t)((i * 104729) % 65536);
		k.info.rtt_us = (uint32_t)((i * 1299709) % 100000);
		ck_assert_int_eq(glb_pd_conns_add(&k, cs), 0);
	}
}

START_TEST(test_top_n_are_the_n_worst_of_all)
{
	/* The heap's N must be the first N of the whole list sorted, for every key. */
	enum glb_pd_sort sort = (enum glb_pd_sort)_i;
	struct glb_pd_conns all, top;

	glb_pd_conns_init(&all, sort, 0);
	glb_pd_conns_init(&top, sort, 20);
	add_conns(&all, 1000);
	add_conns(&top, 1000);
	glb_pd_conns_finish(&all);
	glb_pd_conns_finish(&top);
	ck_assert_uint_eq(all.n, 1000);
	ck_assert_uint_eq(top.n, 20);
	ck_assert_uint_eq(top.seen, 1000);
	for (size_t i = 0; i < top.n; i++)
		ck_assert_msg(glb_pd_conn_cmp(&top.c[i], &all.c[i], sort) == 0, "%s: #%zu differs",
			      glb_pd_sort_name(sort), i);
	for (size_t i = 1; i < all.n; i++)
		ck_assert_int_lt(glb_pd_conn_cmp(&all.c[i - 1], &all.c[i], sort), 0);
	glb_pd_conns_free(&all);
	glb_pd_conns_free(&top);
}
END_TEST

START_TEST(test_retrans_sort_puts_the_retransmitting_peer_first)
{
	struct glb_pd_conns cs;
	struct glb_pd_sock a = sock("192.0.2.10", 80, "198.51.100.1", 1000, GLB_PD_TCP_ESTABLISHED);
	struct glb_pd_sock b = sock("192.0.2.10", 80, "198.51.100.2", 1000, GLB_PD_TCP_ESTABLISHED);
	char peer[GLB_PD_ADDRSTRLEN];

	b.has_info = 1;
	b.info.total_retrans = 3;
	glb_pd_conns_init(&cs, GLB_PD_SORT_RETRANS, 0);
	glb_pd_conns_add(&a, &cs);
	glb_pd_conns_add(&b, &cs);
	glb_pd_conns_finish(&cs);
	glb_pd_addr_format(&cs.c[0].peer, peer, sizeof(peer));
	ck_assert_str_eq(peer, "198.51.100.2");
	glb_pd_conns_free(&cs);
}
END_TEST

START_TEST(test_sort_names_round_trip)
{
	enum glb_pd_sort s;

	ck_assert_int_eq(glb_pd_sort_parse("sendq", &s), 0);
	ck_assert_str_eq(glb_pd_sort_name(s), "sendq");
	ck_assert_int_ne(glb_pd_sort_parse("bytes", &s), 0);
}
END_TEST

static Suite *summary_suite(void)
{
	Suite *s = suite_create("pd_summary");
	TCase *tc = tcase_create("summary");

	tcase_add_test(tc, test_sockets_are_counted_by_state);
	tcase_add_test(tc, test_a_vip_with_a_port_and_no_socket_still_shows);
	tcase_add_test(tc, test_queues_and_retransmits_are_added_up);
	tcase_add_loop_test(tc, test_wildcard_listener_serves_the_vips_it_reaches, 0,
			    (int)(sizeof(wildcard_cases) / sizeof(wildcard_cases[0])));
	tcase_add_test(tc, test_a_vip_without_a_port_gets_no_idle_wildcard_listener);
	tcase_add_test(tc, test_reuseport_listeners_add_up_and_the_fullest_is_named);
	tcase_add_loop_test(tc, test_top_n_are_the_n_worst_of_all, GLB_PD_SORT_RETRANS,
			    GLB_PD_SORT_RTT + 1);
	tcase_add_test(tc, test_retrans_sort_puts_the_retransmitting_peer_first);
	tcase_add_test(tc, test_sort_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(summary_suite());
}
