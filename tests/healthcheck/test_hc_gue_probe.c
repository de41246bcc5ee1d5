/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tunnel check's packets byte for byte against hand-written hex (the
 * checksums computed by hand), and the ICMP parser against good, foreign,
 * truncated and lying packets.
 */
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "gue_probe.h"
#include "testutil.h"

static const uint8_t SRC[4] = { 10, 0, 0, 1 };
static const uint8_t DST[4] = { 10, 0, 0, 2 };
#define ECHO_ID 0x1234
#define ECHO_SEQ 0x0001
#define GUE_PORT_HEX "4c43" /* 19523 */

/* Inner IPv4: 44 bytes, DF, TTL 64, ICMP, checksum 0x26cf; echo: checksum 0xaa2a. */
#define INNER_HEX                                      \
	"4500002c 00004000 400126cf 0a000001 0a000002" \
	"0800aa2a 12340001"                            \
	"676c622d 6865616c 74686368 65636b00" /* "glb-healthcheck\0" */

struct build_case {
	const char *name;
	enum glb_hc_encap encap;
	const char *hex;
};

static const struct build_case build_cases[] = {
	{ "gue: hlen 1, proto 4, GLB private data with no hops", GLB_HC_ENCAP_GUE,
	  "01040000 00000000" INNER_HEX },
	{ "fou: hlen 0, proto 4, no private data", GLB_HC_ENCAP_FOU, "00040000" INNER_HEX },
};

START_TEST(test_probe_bytes_match_the_hand_written_packet)
{
	const struct build_case *c = &build_cases[_i];
	uint8_t want[GLB_HC_PROBE_MAX_LEN], got[GLB_HC_PROBE_MAX_LEN + 8];
	int want_len = glb_test_unhex(c->hex, want, sizeof(want));
	size_t len;

	ck_assert_int_gt(want_len, 0);
	memset(got, 0xee, sizeof(got));
	len = glb_hc_gue_probe_build(got, sizeof(got), c->encap, SRC, DST, ECHO_ID, ECHO_SEQ);
	ck_assert_msg(len == (size_t)want_len, "%s: length %zu, want %d", c->name, len, want_len);
	ck_assert_mem_eq(got, want, len);
	ck_assert_uint_eq(got[len], 0xee); /* nothing written past the end */
}
END_TEST

START_TEST(test_probe_is_not_built_into_a_short_buffer)
{
	uint8_t buf[GLB_HC_PROBE_MAX_LEN];

	ck_assert_uint_eq(glb_hc_gue_probe_build(buf, GLB_HC_PROBE_MAX_LEN - 1, GLB_HC_ENCAP_GUE,
						 SRC, DST, ECHO_ID, ECHO_SEQ),
			  0);
	ck_assert_uint_eq(glb_hc_gue_probe_build(buf, GLB_HC_PROBE_MAX_LEN, GLB_HC_ENCAP_GUE, SRC,
						 DST, ECHO_ID, ECHO_SEQ),
			  GLB_HC_PROBE_MAX_LEN);
}
END_TEST

/* The backend's reply: 10.0.0.2 -> 10.0.0.1, echo reply, id 0x1234, seq 0x0001. */
#define REPLY_HEX                                      \
	"4500002c 00000000 40010000 0a000002 0a000001" \
	"00000000 12340001"                            \
	"676c622d 6865616c 74686368 65636b00"

/* A port unreachable from 10.0.0.2 quoting the GUE probe we sent it. */
#define UNREACH_HEX                                    \
	"45000058 00000000 40010000 0a000002 0a000001" \
	"03030000 00000000"                            \
	"45000044 00004000 40110000 0a000001 0a000002" \
	"c000" GUE_PORT_HEX " 00300000"                \
	"01040000 00000000" INNER_HEX

struct parse_case {
	const char *name;
	const char *hex;
	uint16_t echo_id;
	enum glb_hc_icmp_kind kind;
	uint16_t port;
	uint8_t code;
};

static const struct parse_case parse_cases[] = {
	{ "an echo reply with our id is ours", REPLY_HEX, ECHO_ID, GLB_HC_ICMP_ECHO_REPLY, 0, 0 },
	{ "an echo reply with another id is someone else's ping", REPLY_HEX, ECHO_ID + 1,
	  GLB_HC_ICMP_IGNORE, 0, 0 },
	{ "an echo request is not a reply",
	  "4500002c 00000000 40010000 0a000002 0a000001 08000000 12340001", ECHO_ID,
	  GLB_HC_ICMP_IGNORE, 0, 0 },
	{ "an IPv4 header with options is walked by IHL",
	  "4600002c 00000000 40010000 0a000002 0a000001 01010101"
	  "00000000 12340001",
	  ECHO_ID, GLB_HC_ICMP_ECHO_REPLY, 0, 0 },
	{ "IHL below 5 words is a lie",
	  "4400002c 00000000 40010000 0a000002 0a000001"
	  "00000000 12340001",
	  ECHO_ID, GLB_HC_ICMP_IGNORE, 0, 0 },
	{ "IHL past the end of the packet is a lie",
	  "4f00002c 00000000 40010000 0a000002 0a000001"
	  "00000000 12340001",
	  ECHO_ID, GLB_HC_ICMP_IGNORE, 0, 0 },
	{ "not IPv4 at all", "6000000000000000", ECHO_ID, GLB_HC_ICMP_IGNORE, 0, 0 },
	{ "a port unreachable quoting our probe names its port and code", UNREACH_HEX, ECHO_ID,
	  GLB_HC_ICMP_UNREACH, 19523, 3 },
	{ "a port unreachable quoting another process's probe is not ours", UNREACH_HEX,
	  ECHO_ID + 1, GLB_HC_ICMP_IGNORE, 0, 0 },
	{ "an unreachable quoting a TCP packet is not ours",
	  "45000038 00000000 40010000 0a000002 0a000001 03030000 00000000"
	  "45000028 00004000 40060000 0a000001 0a000002 c0000050 00000000",
	  ECHO_ID, GLB_HC_ICMP_IGNORE, 0, 0 },
};
#define NUM_PARSE_CASES ((int)GLB_ARRAY_SIZE(parse_cases))

START_TEST(test_icmp_is_classified)
{
	const struct parse_case *c = &parse_cases[_i];
	uint8_t pkt[256];
	int len = glb_test_unhex(c->hex, pkt, sizeof(pkt));
	struct glb_hc_icmp_info info;
	enum glb_hc_icmp_kind kind;

	ck_assert_int_gt(len, 0);
	kind = glb_hc_gue_probe_parse(pkt, (size_t)len, c->echo_id, &info);
	ck_assert_msg(kind == c->kind, "%s: kind %d, want %d", c->name, kind, c->kind);
	if (kind == GLB_HC_ICMP_IGNORE)
		return;
	ck_assert_mem_eq(info.addr, DST, 4);
	ck_assert_uint_eq(info.seq, ECHO_SEQ);
	ck_assert_uint_eq(info.port, c->port);
	ck_assert_uint_eq(info.code, c->code);
}
END_TEST

START_TEST(test_every_truncation_of_a_good_message_is_ignored)
{
	static const char *const good[] = { REPLY_HEX, UNREACH_HEX };
	uint8_t pkt[256];
	struct glb_hc_icmp_info info;
	size_t i;
	int len, cut;

	for (i = 0; i < GLB_ARRAY_SIZE(good); i++) {
		/* The reply needs its 8-byte ICMP header; the unreachable, the quoted echo header. */
		int needed = i == 0 ? 20 + 8 : 20 + 8 + 20 + 8 + 8 + 20 + 8;

		len = glb_test_unhex(good[i], pkt, sizeof(pkt));
		ck_assert_int_ge(len, needed);
		ck_assert(glb_hc_gue_probe_parse(pkt, (size_t)needed, ECHO_ID, &info) !=
			  GLB_HC_ICMP_IGNORE);
		for (cut = 0; cut < needed; cut++) {
			uint8_t *copy = malloc((size_t)cut + 1); /* exactly cut bytes for ASan */

			memcpy(copy, pkt, (size_t)cut);
			ck_assert_msg(glb_hc_gue_probe_parse(copy, (size_t)cut, ECHO_ID, &info) ==
					      GLB_HC_ICMP_IGNORE,
				      "message %zu cut to %d bytes was not ignored", i, cut);
			free(copy);
		}
	}
}
END_TEST

static Suite *gue_probe_suite(void)
{
	Suite *s = suite_create("hc_gue_probe");
	TCase *tc = tcase_create("packets");

	tcase_add_loop_test(tc, test_probe_bytes_match_the_hand_written_packet, 0,
			    (int)GLB_ARRAY_SIZE(build_cases));
	tcase_add_test(tc, test_probe_is_not_built_into_a_short_buffer);
	tcase_add_loop_test(tc, test_icmp_is_classified, 0, NUM_PARSE_CASES);
	tcase_add_test(tc, test_every_truncation_of_a_good_message_is_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(gue_probe_suite());
}
