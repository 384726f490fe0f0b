/* SPDX-License-Identifier: MIT */
/*
 * check_hash.c - core/hash.c: SipHash-2-4 against the paper's
 * vectors (with the reference key), and the table:
 * lookups, duplicates refused, growth, keys with NULs, clearing.
 */
#include "unit.h"
#include "hash.h"

START_TEST(test_siphash_vectors)
{
	unsigned char in[16];
	size_t i;

	/* SipHash-2-4 of "", 00, 00..07, 00..0e with the key 00..0f:
	 * vectors_sip64 of the reference implementation */
	hash_set_key(0x0706050403020100u, 0x0f0e0d0c0b0a0908u);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	ck_assert_uint_eq(hash_bytes(in, 0), 0x726fdb47dd0e0e31u);
	ck_assert_uint_eq(hash_bytes(in, 1), 0x74f839c593dc67fdu);
	ck_assert_uint_eq(hash_bytes(in, 8), 0x93f5f5799a932462u);
	ck_assert_uint_eq(hash_bytes(in, 15), 0xa129ca6149be45e5u);
}
END_TEST

START_TEST(test_table)
{
	struct hashmap h = HASHMAP_INIT;
	char (*keys)[16] = malloc(20000 * sizeof(*keys));
	int one = 1, two = 2;
	size_t i;

	ck_assert_ptr_null(hashmap_get(&h, "a"));
	for (i = 0; i < 20000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		ck_assert_ptr_null(hashmap_put(&h, keys[i], keys[i]));
	}
	ck_assert_uint_eq(h.nr, 20000);
	ck_assert_uint_ge(h.alloc, 40000);
	for (i = 0; i < 20000; i++)
		ck_assert_ptr_eq(hashmap_get(&h, keys[i]), keys[i]);
	ck_assert_ptr_null(hashmap_get(&h, "k20000"));
	ck_assert_ptr_null(hashmap_get(&h, ""));
	/* a second put of a key keeps the first value and returns it */
	ck_assert_ptr_eq(hashmap_put(&h, "k7", &one), keys[7]);
	ck_assert_ptr_eq(hashmap_get(&h, "k7"), keys[7]);
	ck_assert_uint_eq(h.nr, 20000);
	hashmap_clear(&h);
	ck_assert_uint_eq(h.nr, 0);
	ck_assert_ptr_null(hashmap_get(&h, "k7"));
	/* reusable after a clear; keys are bytes, NULs included */
	ck_assert_ptr_null(hashmap_put_len(&h, "a\0b", 3, &one));
	ck_assert_ptr_null(hashmap_put_len(&h, "a\0c", 3, &two));
	ck_assert_ptr_null(hashmap_put(&h, "a", &two));
	ck_assert_ptr_eq(hashmap_get_len(&h, "a\0b", 3), &one);
	ck_assert_ptr_eq(hashmap_get_len(&h, "a\0c", 3), &two);
	ck_assert_ptr_eq(hashmap_get(&h, "a"), &two);
	ck_assert_ptr_null(hashmap_get_len(&h, "a\0", 2));
	hashmap_clear(&h);
	free(keys);
}
END_TEST

/* Two processes (two keys) hash alike only by chance: the key is drawn
 * at run time, not compiled in. */
START_TEST(test_keyed)
{
	uint64_t a, b;

	hash_set_key(1, 2);
	a = hash_bytes("project_name", 12);
	hash_set_key(3, 4);
	b = hash_bytes("project_name", 12);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_eq(hash_bytes("project_name", 12), b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_siphash_vectors);
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_keyed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
