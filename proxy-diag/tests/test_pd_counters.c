/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel's counters as /proc has them, GLBREDIRECT's verdicts, and the counters kept between
 * runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "state.h"
#include "testutil.h"

/* Shaped like 6.1's /proc/net/netstat: two TcpExt lines, then IpExt. */
static const char netstat[] =
	"TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts TW TWRecycled "
	"ListenOverflows ListenDrops TCPTimeouts TCPBacklogDrop TCPSynRetrans\n"
	"TcpExt: 7 5 1 0 42 0 12 13 3 2 9\n"
	"IpExt: InNoRoutes InTruncatedPkts ListenOverflows\n"
	"IpExt: 0 0 999\n";

START_TEST(test_netstat_tcpext_counters_are_read)
{
	struct glb_pd_counters c;

	ck_assert_int_eq(glb_pd_counters_parse_netstat(netstat, &c), 0);
	ck_assert_uint_eq(c.tcpext_have, (1u << GLB_PD_TCPEXT_NUM) - 1);
	ck_assert_uint_eq(c.tcpext[GLB_PD_SYNCOOKIES_SENT], 7);
	ck_assert_uint_eq(c.tcpext[GLB_PD_SYNCOOKIES_RECV], 5);
	ck_assert_uint_eq(c.tcpext[GLB_PD_SYNCOOKIES_FAILED], 1);
	ck_assert_uint_eq(c.tcpext[GLB_PD_TW], 42);
	/* IpExt's column of the same name is not TcpExt's */
	ck_assert_uint_eq(c.tcpext[GLB_PD_LISTEN_OVERFLOWS], 12);
	ck_assert_uint_eq(c.tcpext[GLB_PD_LISTEN_DROPS], 13);
	ck_assert_uint_eq(c.tcpext[GLB_PD_TCP_TIMEOUTS], 3);
	ck_assert_uint_eq(c.tcpext[GLB_PD_TCP_BACKLOG_DROP], 2);
}
END_TEST

START_TEST(test_a_counter_the_kernel_lacks_is_missing_not_zero)
{
	static const char old[] = "TcpExt: ListenOverflows ListenDrops\nTcpExt: 1 2\n";
	struct glb_pd_counters c;

	ck_assert_int_eq(glb_pd_counters_parse_netstat(old, &c), 0);
	ck_assert_uint_eq(c.tcpext_have,
			  (1u << GLB_PD_LISTEN_OVERFLOWS) | (1u << GLB_PD_LISTEN_DROPS));
}
END_TEST

START_TEST(test_a_values_line_cut_short_keeps_the_pairs_it_has)
{
	static const char cut[] = "TcpExt: ListenOverflows ListenDrops TW\nTcpExt: 4 5\n";
	struct glb_pd_counters c;

	ck_assert_int_eq(glb_pd_counters_parse_netstat(cut, &c), 0);
	ck_assert_uint_eq(c.tcpext[GLB_PD_LISTEN_DROPS], 5);
	ck_assert(!(c.tcpext_have & (1u << GLB_PD_TW)));
}
END_TEST

START_TEST(test_not_netstat_is_refused)
{
	struct glb_pd_counters c;

	ck_assert_int_eq(glb_pd_counters_parse_netstat("IpExt: a\nIpExt: 1\n", &c), -EINVAL);
}
END_TEST

static const char redirect[] = "total 43\naccept_syn 4\naccept_established 30\nforward_self 1\n"
			       "forward 5\nforward_icmp 1\ndrop_udp_len 2\nnew_counter 0\n";

START_TEST(test_redirect_counters_are_read_in_order)
{
	struct glb_pd_counters c;
	uint64_t v;

	ck_assert_int_eq(glb_pd_counters_parse_redirect(redirect, &c), 0);
	ck_assert_uint_eq(c.num_redirect, 8);
	ck_assert_str_eq(c.redirect[1].name, "accept_syn");
	ck_assert_int_eq(glb_pd_counters_redirect(&c, "forward", &v), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(glb_pd_counters_redirect(&c, "drop_ttl", &v), -ENOENT);
}
END_TEST

struct verdict_case {
	const char *name;
	enum glb_pd_verdict want;
};

static const struct verdict_case verdicts[] = {
	{ "total", GLB_PD_VERDICT_TOTAL },
	{ "accept_syn", GLB_PD_VERDICT_ACCEPTED },
	{ "accept_last_resort", GLB_PD_VERDICT_ACCEPTED },
	{ "forward_self", GLB_PD_VERDICT_ACCEPTED }, /* the hop is this host: accepted */
	{ "forward", GLB_PD_VERDICT_FORWARDED },
	{ "forward_icmp", GLB_PD_VERDICT_FORWARDED },
	{ "drop_ttl", GLB_PD_VERDICT_DROPPED },
	{ "something_new", GLB_PD_VERDICT_OTHER },
};

START_TEST(test_redirect_counter_has_its_verdict)
{
	ck_assert_int_eq(glb_pd_redirect_verdict(verdicts[_i].name), verdicts[_i].want);
}
END_TEST

START_TEST(test_delta_of_a_counter_that_went_back_counts_from_zero)
{
	ck_assert_uint_eq(glb_pd_delta(15, 10), 5);
	ck_assert_uint_eq(glb_pd_delta(10, 10), 0);
	/* the module was reloaded, or the namespace made again */
	ck_assert_uint_eq(glb_pd_delta(3, 10), 3);
}
END_TEST

static const struct glb_pd_state_key key = { "0a1b2c3d-0000-4000-8000-000000000001", 4,
					     4026531840 };

static void sample(struct glb_pd_counters *c)
{
	memset(c, 0, sizeof(*c));
	glb_pd_counters_parse_netstat(netstat, c);
	glb_pd_counters_parse_redirect(redirect, c);
	c->taken.tv_sec = 1700000000;
	c->taken.tv_nsec = 250000000;
}

START_TEST(test_state_round_trips)
{
	struct glb_pd_counters c, back;
	char *text;

	sample(&c);
	text = glb_pd_state_format(&key, &c);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(glb_pd_state_parse(text, &key, &back), 0);
	free(text);
	ck_assert_uint_eq(back.tcpext_have, c.tcpext_have);
	ck_assert_mem_eq(back.tcpext, c.tcpext, sizeof(c.tcpext));
	ck_assert_uint_eq(back.num_redirect, c.num_redirect);
	ck_assert_str_eq(back.redirect[7].name, "new_counter");
	ck_assert_int_eq(back.taken.tv_sec, c.taken.tv_sec);
	ck_assert_int_eq(back.taken.tv_nsec, c.taken.tv_nsec);
}
END_TEST

START_TEST(test_state_of_another_boot_or_namespace_is_stale)
{
	struct glb_pd_counters c, back;
	struct glb_pd_state_key other = key;
	char *text;

	sample(&c);
	text = glb_pd_state_format(&key, &c);
	other.boot_id[0] = 'f';
	ck_assert_int_eq(glb_pd_state_parse(text, &other, &back), -ESTALE);
	other = key;
	other.netns_ino++;
	ck_assert_int_eq(glb_pd_state_parse(text, &other, &back), -ESTALE);
	ck_assert_int_eq(glb_pd_state_parse("hello\n", &key, &back), -EINVAL);
	free(text);
}
END_TEST

START_TEST(test_state_file_is_saved_and_loaded)
{
	char *dir = glb_test_tempdir(), path[512];
	struct glb_pd_counters c, back;

	sample(&c);
	snprintf(path, sizeof(path), "%s/sub/state", dir);
	ck_assert_int_eq(glb_pd_state_load(path, &key, &back), -ENOENT);
	ck_assert_int_eq(glb_pd_state_save(path, &key, &c), 0); /* makes sub/ */
	ck_assert_int_eq(glb_pd_state_load(path, &key, &back), 0);
	ck_assert_uint_eq(back.tcpext[GLB_PD_TW], 42);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	free(dir);
}
END_TEST

static Suite *counters_suite(void)
{
	Suite *s = suite_create("pd_counters");
	TCase *tc = tcase_create("counters");

	tcase_add_test(tc, test_netstat_tcpext_counters_are_read);
	tcase_add_test(tc, test_a_counter_the_kernel_lacks_is_missing_not_zero);
	tcase_add_test(tc, test_a_values_line_cut_short_keeps_the_pairs_it_has);
	tcase_add_test(tc, test_not_netstat_is_refused);
	tcase_add_test(tc, test_redirect_counters_are_read_in_order);
	tcase_add_loop_test(tc, test_redirect_counter_has_its_verdict, 0,
			    (int)(sizeof(verdicts) / sizeof(verdicts[0])));
	tcase_add_test(tc, test_delta_of_a_counter_that_went_back_counts_from_zero);
	tcase_add_test(tc, test_state_round_trips);
	tcase_add_test(tc, test_state_of_another_boot_or_namespace_is_stale);
	tcase_add_test(tc, test_state_file_is_saved_and_loaded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(counters_suite());
}
