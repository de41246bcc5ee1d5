/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sock_diag messages as the kernel sends them: a socket with a tcp_info of
 * any length (older kernels send a shorter struct, newer ones a longer one
 * than our headers'), and errors with the kernel's own words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "sockdiag.h"
#include "tcpinfo.h"
#include "testutil.h"

/* Room for a message with a tcp_info twice ours. */
#define MSG_BUF 2048
#define END_OF(f) (offsetof(struct tcp_info, f) + sizeof(((struct tcp_info *)0)->f))

/* A socket 192.0.2.10:80 <- 198.51.100.7:51000, ESTABLISHED, with info_len
 * bytes of a tcp_info whose known fields are set and whose bytes past our
 * struct (a newer kernel's fields) are 0xff. */
static struct nlmsghdr *socket_message(uint8_t *buf, size_t info_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	uint8_t info[2 * sizeof(struct tcp_info)];
	struct tcp_info ti = { 0 };

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m->idiag_family = AF_INET;
	m->idiag_state = 1; /* ESTABLISHED */
	m->id.idiag_sport = htons(80);
	m->id.idiag_dport = htons(51000);
	inet_pton(AF_INET, "192.0.2.10", m->id.idiag_src);
	inet_pton(AF_INET, "198.51.100.7", m->id.idiag_dst);
	m->idiag_wqueue = 4096;
	m->idiag_rqueue = 10;
	ti.tcpi_state = 1;
	ti.tcpi_retransmits = 2;
	ti.tcpi_unacked = 9;
	ti.tcpi_lost = 3;
	ti.tcpi_retrans = 1;
	ti.tcpi_rtt = 12345;
	ti.tcpi_total_retrans = 17;
	ti.tcpi_bytes_acked = 4444;
	ti.tcpi_bytes_received = 333;
	ti.tcpi_notsent_bytes = 22;
	ti.tcpi_bytes_sent = 5555;
	ti.tcpi_bytes_retrans = 777;
	memset(info, 0xff, sizeof(info));
	memcpy(info, &ti, sizeof(ti));
	mnl_attr_put(nlh, INET_DIAG_INFO, info_len, info);
	return nlh;
}

struct info_case {
	const char *name;
	size_t len;
	int ret;
	unsigned have;
};

static const struct info_case info_cases[] = {
	{ "our headers' struct", sizeof(struct tcp_info), 0,
	  GLB_PD_TI_BASE | GLB_PD_TI_BYTES_ACKED | GLB_PD_TI_NOTSENT | GLB_PD_TI_BYTES_SENT },
	{ "a newer kernel's: 64 bytes longer", sizeof(struct tcp_info) + 64, 0,
	  GLB_PD_TI_BASE | GLB_PD_TI_BYTES_ACKED | GLB_PD_TI_NOTSENT | GLB_PD_TI_BYTES_SENT },
	{ "a newer kernel's: 3 bytes longer (not a word)", sizeof(struct tcp_info) + 3, 0,
	  GLB_PD_TI_BASE | GLB_PD_TI_BYTES_ACKED | GLB_PD_TI_NOTSENT | GLB_PD_TI_BYTES_SENT },
	{ "4.18's: without bytes_sent", END_OF(tcpi_delivered_ce), 0,
	  GLB_PD_TI_BASE | GLB_PD_TI_BYTES_ACKED | GLB_PD_TI_NOTSENT },
	{ "cut inside bytes_retrans", END_OF(tcpi_bytes_sent) + 4, 0,
	  GLB_PD_TI_BASE | GLB_PD_TI_BYTES_ACKED | GLB_PD_TI_NOTSENT },
	{ "4.1's: up to bytes_received", END_OF(tcpi_bytes_received), 0,
	  GLB_PD_TI_BASE | GLB_PD_TI_BYTES_ACKED },
	{ "2.6's: up to total_retrans", END_OF(tcpi_total_retrans), 0, GLB_PD_TI_BASE },
	{ "shorter than any kernel's", END_OF(tcpi_total_retrans) - 4, -EINVAL, 0 },
	{ "empty", 0, -EINVAL, 0 },
};

START_TEST(test_tcp_info_of_any_length_is_read)
{
	const struct info_case *c = &info_cases[_i];
	uint8_t buf[MSG_BUF];
	struct glb_pd_sock s;
	int ret = glb_pd_sockdiag_parse(socket_message(buf, c->len), &s);

	ck_assert_msg(ret == c->ret, "%s: got %d", c->name, ret);
	if (ret != 0)
		return;
	ck_assert_msg(s.has_info && s.info.have == c->have, "%s: have %#x", c->name, s.info.have);
	ck_assert_uint_eq(s.info.kernel_len, c->len);
	ck_assert_uint_eq(s.info.total_retrans, 17);
	ck_assert_uint_eq(s.info.rtt_us, 12345);
	ck_assert_uint_eq(s.info.unacked, 9);
	ck_assert_uint_eq(s.info.lost, 3);
	ck_assert(glb_pd_tcpinfo_retransmitting(&s.info));
	/* each group's fields are its own or zero, never the bytes after them */
	ck_assert_uint_eq(s.info.bytes_acked, (c->have & GLB_PD_TI_BYTES_ACKED) ? 4444 : 0);
	ck_assert_uint_eq(s.info.notsent_bytes, (c->have & GLB_PD_TI_NOTSENT) ? 22 : 0);
	ck_assert_uint_eq(s.info.bytes_sent, (c->have & GLB_PD_TI_BYTES_SENT) ? 5555 : 0);
	ck_assert_uint_eq(s.info.bytes_retrans, (c->have & GLB_PD_TI_BYTES_SENT) ? 777 : 0);
}
END_TEST

START_TEST(test_socket_identity_is_read)
{
	uint8_t buf[MSG_BUF];
	struct glb_pd_sock s;
	char ep[GLB_PD_ADDRSTRLEN];

	ck_assert_int_eq(glb_pd_sockdiag_parse(socket_message(buf, sizeof(struct tcp_info)), &s),
			 0);
	ck_assert_int_eq(s.state, GLB_PD_TCP_ESTABLISHED);
	glb_pd_endpoint_format(&s.local, s.local_port, ep, sizeof(ep));
	ck_assert_str_eq(ep, "192.0.2.10:80");
	glb_pd_endpoint_format(&s.peer, s.peer_port, ep, sizeof(ep));
	ck_assert_str_eq(ep, "198.51.100.7:51000");
	ck_assert_uint_eq(s.wqueue, 4096);
	ck_assert_uint_eq(s.rqueue, 10);
}
END_TEST

START_TEST(test_message_without_info_has_none)
{
	/* TIME_WAIT and request sockets come without tcp_info */
	uint8_t buf[MSG_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	struct glb_pd_sock s;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m->idiag_family = AF_INET6;
	m->idiag_state = GLB_PD_TCP_TIME_WAIT;
	ck_assert_int_eq(glb_pd_sockdiag_parse(nlh, &s), 0);
	ck_assert(!s.has_info);
	ck_assert(!glb_pd_tcpinfo_retransmitting(&s.info));
}
END_TEST

START_TEST(test_v6only_attribute_is_read)
{
	uint8_t buf[MSG_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	struct glb_pd_sock s;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m->idiag_family = AF_INET6;
	m->idiag_state = GLB_PD_TCP_LISTEN;
	mnl_attr_put_u8(nlh, INET_DIAG_SKV6ONLY, 1);
	ck_assert_int_eq(glb_pd_sockdiag_parse(nlh, &s), 0);
	ck_assert(s.v6only);
}
END_TEST

START_TEST(test_message_cut_before_the_socket_is_refused)
{
	uint8_t buf[MSG_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct glb_pd_sock s;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct inet_diag_msg) - 4);
	ck_assert_int_eq(glb_pd_sockdiag_parse(nlh, &s), -EINVAL);
}
END_TEST

/* An NLMSG_ERROR for a request of req_len bytes; capped: only its header
 * echoed.  With msg, an extended ack with that text. */
static struct nlmsghdr *error_message(uint8_t *buf, int err, int capped, size_t req_len,
				      const char *msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + (capped ? 0 : req_len - sizeof(e->msg)));
	e->error = err;
	e->msg.nlmsg_len = (uint32_t)req_len;
	e->msg.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh;
}

START_TEST(test_error_gives_the_kernels_words)
{
	uint8_t buf[MSG_BUF];
	char msg[GLB_PD_ERRMSG_LEN];

	ck_assert_int_eq(glb_pd_sockdiag_error(error_message(buf, -EINVAL, 1, 120, "bad bytecode"),
					       msg, sizeof(msg)),
			 -EINVAL);
	ck_assert_str_eq(msg, "bad bytecode");
}
END_TEST

START_TEST(test_error_with_the_whole_request_echoed)
{
	uint8_t buf[MSG_BUF];
	char msg[GLB_PD_ERRMSG_LEN];

	ck_assert_int_eq(glb_pd_sockdiag_error(error_message(buf, -EPERM, 0, 200, "not allowed"),
					       msg, sizeof(msg)),
			 -EPERM);
	ck_assert_str_eq(msg, "not allowed");
}
END_TEST

START_TEST(test_error_without_words_has_an_empty_message)
{
	uint8_t buf[MSG_BUF];
	char msg[GLB_PD_ERRMSG_LEN] = "stale";

	ck_assert_int_eq(glb_pd_sockdiag_error(error_message(buf, -ENOENT, 1, 120, NULL), msg,
					       sizeof(msg)),
			 -ENOENT);
	ck_assert_str_eq(msg, "");
	ck_assert_int_eq(
		glb_pd_sockdiag_error(error_message(buf, 0, 1, 120, NULL), msg, sizeof(msg)), 0);
}
END_TEST

START_TEST(test_dump_that_ended_in_an_error_says_which)
{
	uint8_t buf[MSG_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int *err = mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	char msg[GLB_PD_ERRMSG_LEN];

	nlh->nlmsg_type = NLMSG_DONE;
	*err = -EINTR;
	ck_assert_int_eq(glb_pd_sockdiag_error(nlh, msg, sizeof(msg)), -EINTR);
	*err = 0;
	ck_assert_int_eq(glb_pd_sockdiag_error(nlh, msg, sizeof(msg)), 0);
}
END_TEST

START_TEST(test_error_cut_before_its_code_is_refused)
{
	uint8_t buf[MSG_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	char msg[GLB_PD_ERRMSG_LEN];

	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, 4);
	ck_assert_int_eq(glb_pd_sockdiag_error(nlh, msg, sizeof(msg)), -EBADMSG);
}
END_TEST

static Suite *sockdiag_suite(void)
{
	Suite *s = suite_create("pd_sockdiag");
	TCase *tc = tcase_create("sockdiag");

	tcase_add_loop_test(tc, test_tcp_info_of_any_length_is_read, 0,
			    (int)(sizeof(info_cases) / sizeof(info_cases[0])));
	tcase_add_test(tc, test_socket_identity_is_read);
	tcase_add_test(tc, test_message_without_info_has_none);
	tcase_add_test(tc, test_v6only_attribute_is_read);
	tcase_add_test(tc, test_message_cut_before_the_socket_is_refused);
	tcase_add_test(tc, test_error_gives_the_kernels_words);
	tcase_add_test(tc, test_error_with_the_whole_request_echoed);
	tcase_add_test(tc, test_error_without_words_has_an_empty_message);
	tcase_add_test(tc, test_dump_that_ended_in_an_error_says_which);
	tcase_add_test(tc, test_error_cut_before_its_code_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(sockdiag_suite());
}
