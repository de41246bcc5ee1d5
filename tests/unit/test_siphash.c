/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 against the 64 published vectors of the reference
 * implementation (key 00..0f, message 00..n-1 for n = 0..63), and the
 * incremental API against the one-shot one.
 */
#include <stdint.h>
#include <string.h>

#include "siphash.h"
#include "testutil.h"

/* vectors_sip64 from the SipHash reference implementation, as hex. */
static const char *const vectors[64] = {
	"310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
	"b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
	"6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
	"fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
	"db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
	"98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
	"94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
	"a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
	"ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
	"b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
	"d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
	"f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
	"51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
	"b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
	"bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
	"e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95",
};

static void make_key_and_msg(uint8_t key[16], uint8_t msg[64])
{
	int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
}

START_TEST(test_siphash_matches_published_vector)
{
	uint8_t key[16], msg[64], want[8], got[8];
	uint64_t h;
	int i;

	make_key_and_msg(key, msg);
	ck_assert_int_eq(glb_test_unhex(vectors[_i], want, sizeof(want)), 8);
	h = glb_siphash24(key, msg, (size_t)_i);
	/* The output bytes are the 64-bit value stored little-endian. */
	for (i = 0; i < 8; i++)
		got[i] = (uint8_t)(h >> (8 * i));
	ck_assert_msg(memcmp(got, want, 8) == 0, "vector n=%d: got %016llx", _i,
		      (unsigned long long)h);
}
END_TEST

START_TEST(test_siphash_incremental_equals_one_shot)
{
	uint8_t key[16], msg[64];
	struct glb_siphash_state s;
	uint64_t last;
	size_t len = (size_t)_i, i;

	make_key_and_msg(key, msg);
	glb_siphash_init(&s, key);
	for (i = 0; i + 8 <= len; i += 8)
		glb_siphash_block(&s, glb_load_le64(msg + i));
	last = (uint64_t)len << 56;
	for (; i < len; i++)
		last |= (uint64_t)msg[i] << (8 * (i % 8));
	ck_assert_uint_eq(glb_siphash_final(s, last), glb_siphash24(key, msg, len));
}
END_TEST

START_TEST(test_siphash_depends_on_every_key_byte)
{
	uint8_t key[16], msg[64], key2[16];
	uint64_t base;
	int i;

	make_key_and_msg(key, msg);
	base = glb_siphash24(key, msg, 12);
	for (i = 0; i < 16; i++) {
		memcpy(key2, key, 16);
		key2[i] ^= 1;
		ck_assert_uint_ne(glb_siphash24(key2, msg, 12), base);
	}
}
END_TEST

static Suite *siphash_suite(void)
{
	Suite *s = suite_create("siphash");
	TCase *tc = tcase_create("vectors");

	tcase_add_loop_test(tc, test_siphash_matches_published_vector, 0, 64);
	tcase_add_loop_test(tc, test_siphash_incremental_equals_one_shot, 0, 64);
	tcase_add_test(tc, test_siphash_depends_on_every_key_byte);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return glb_test_run(siphash_suite());
}
