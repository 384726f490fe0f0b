/* SPDX-License-Identifier: MIT */
/*
 * check_names.c - the names a package may not take: every table that
 * names.c searches with bsearch() is strictly sorted, and a name is
 * refused for the right reason or accepted.
 */
#include "unit.h"
#include "names.c"

static void
assert_sorted(const char *const *t, size_t nr)
{
	size_t i;

	for (i = 1; i < nr; i++)
		ck_assert_msg(strcmp(t[i - 1], t[i]) < 0, "'%s' before '%s'",
			      t[i - 1], t[i]);
}

START_TEST(test_tables_sorted)
{
	assert_sorted(stdlib_names, ARRAY_SIZE(stdlib_names));
	assert_sorted(dependency_names, ARRAY_SIZE(dependency_names));
	assert_sorted(module_names, ARRAY_SIZE(module_names));
	/* Python 3.13 has about 300 module names; 3.12 dropped distutils */
	ck_assert_uint_gt(ARRAY_SIZE(stdlib_names), 290);
}
END_TEST

START_TEST(test_shadowed)
{
	static const char *const stdlib[] = {
		"json", "os", "sys", "typing", "asyncio", "site",
		"distutils", "tomllib", "zoneinfo", "__future__", "_thread",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stdlib); i++)
		ck_assert_str_eq(names_shadowed(stdlib[i]),
				 "the Python standard library module");
	ck_assert_str_eq(names_shadowed("pytest"), "the generated dependency");
	ck_assert_str_eq(names_shadowed("fastapi"),
			 "the generated dependency");
	ck_assert_str_eq(names_shadowed("main"), "the generated module");
	ck_assert_str_eq(names_shadowed("routers"), "the generated module");
	ck_assert_ptr_null(names_shadowed("json_service"));
	ck_assert_ptr_null(names_shadowed("shop_service"));
	ck_assert_ptr_null(names_shadowed("jsonx"));
	ck_assert_ptr_null(names_shadowed("Json"));	/* packages are lower */
	ck_assert_ptr_null(names_shadowed(""));
}
END_TEST

static Suite *
names_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_tables_sorted);
	tcase_add_test(tc, test_shadowed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(names_suite)
