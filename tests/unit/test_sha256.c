/* SPDX-License-Identifier: BSD-3-Clause */
/* SHA-256 against the FIPS 180-4 / NIST example digests. */
#include <stdlib.h>
#include <string.h>

#include "array_size.h"
#include "sha256.h"
#include "testutil.h"

static const struct {
	const char *msg;
	size_t repeat;
	const char *digest;
} cases[] = {
	{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	/* 56 bytes: the length no longer fits in the first padded block. */
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

START_TEST(test_sha256_matches_nist_example)
{
	size_t unit = strlen(cases[_i].msg), len = unit * cases[_i].repeat, k;
	uint8_t *buf = malloc(len ? len : 1), digest[GLB_SHA256_LEN];
	char hex[2 * GLB_SHA256_LEN + 1];

	ck_assert_ptr_nonnull(buf);
	for (k = 0; k < cases[_i].repeat; k++)
		memcpy(buf + k * unit, cases[_i].msg, unit);
	glb_sha256(buf, len, digest);
	glb_sha256_hex(digest, hex);
	ck_assert_str_eq(hex, cases[_i].digest);
	free(buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("nist");

	tcase_add_loop_test(tc, test_sha256_matches_nist_example, 0, (int)GLB_ARRAY_SIZE(cases));
	suite_add_tcase(s, tc);
	return glb_test_run(s);
}
