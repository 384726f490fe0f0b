/* SPDX-License-Identifier: MIT */
/* check_path.c - unit tests of core/path.c (confinement). */
#include "unit.h"
#include "path.h"

static void
ok(const char *in, const char *want)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", in);
	ck_assert_msg(path_check(buf) == NULL, "'%s' rejected", in);
	ck_assert_str_eq(buf, want);
}

static void
bad(const char *in, const char *why)
{
	char buf[5000];
	const char *got;

	snprintf(buf, sizeof(buf), "%s", in);
	got = path_check(buf);
	ck_assert_msg(got != NULL, "'%s' accepted", in);
	ck_assert_str_eq(got, why);
}

START_TEST(test_normalise)
{
	ok("a", "a");
	ok("a/b/c.txt", "a/b/c.txt");
	ok("./a//b/./c", "a/b/c");
	ok("a/b/", "a/b");
	ok("...", "...");
	ok("a/..b", "a/..b");
}
END_TEST

START_TEST(test_reject)
{
	char longname[300], longpath[4200];

	bad("", "is empty");
	bad("/etc/passwd", "is absolute");
	bad("..", "escapes the project");
	bad("a/../../b", "escapes the project");
	bad("a/../b", "escapes the project");
	bad(".", "names the project root");
	bad("./", "names the project root");
	bad("a\nb", "contains a control character or backslash");
	bad("a\\b", "contains a control character or backslash");
	memset(longname, 'n', 299);
	longname[299] = '\0';
	bad(longname, "has a component that is too long");
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	bad(longpath, "is too long");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("path");

	tcase_add_test(tc, test_normalise);
	tcase_add_test(tc, test_reject);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
