/* SPDX-License-Identifier: MIT */
/* check_sha256.c - FIPS 180-4 test vectors for core/sha256.c. */
#include "unit.h"
#include "sha256.h"

START_TEST(test_vectors)
{
	char hex[65];
	char *million = malloc(1000000);

	/* _i == 0: the portable code; _i == 1: SHA-NI where the CPU has it */
	sha256_set_portable(_i == 0);

	sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			 "27ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
			 "b00361a396177a9cb410ff61f20015ad");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		   56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
			 "a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
			 "f1809a48a497200e046d39ccc7112cd0");
	free(million);
}
END_TEST

/* Lengths around the padding boundaries, fed in uneven pieces. */
START_TEST(test_boundaries)
{
	char hex[65], ref[65], buf[200];
	size_t lens[] = { 55, 56, 63, 64, 65, 119 }, i, j;
	unsigned char out[32];
	struct sha256 s;

	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		sha256_set_portable(1);
		sha256_hex(buf, lens[i], ref);
		sha256_set_portable(0);
		sha256_init(&s);
		for (j = 0; j < lens[i]; j += 7)
			sha256_update(&s, buf + j,
				      lens[i] - j < 7 ? lens[i] - j : 7);
		sha256_final(&s, out);
		for (j = 0; j < 32; j++)
			snprintf(hex + 2 * j, 3, "%02x", out[j]);
		ck_assert_str_eq(hex, ref);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("sha256");

	tcase_add_loop_test(tc, test_vectors, 0, 2);
	tcase_add_test(tc, test_boundaries);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
