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

/* khora's own state: the names a crash journal or the lock live at */
START_TEST(test_reserved)
{
	const char *why = "reserved for khora's own state";

	ck_assert_str_eq(path_reserved(".khora-backup.1.abc/journal"), why);
	ck_assert_str_eq(path_reserved(".KHORA-BACKUP.x"), why);
	ck_assert_str_eq(path_reserved(".khora-stage.out.1.x"), why);
	ck_assert_str_eq(path_reserved(".khora"), why);
	ck_assert_str_eq(path_reserved(".khora/lock"), why);
	ck_assert_str_eq(path_reserved(".Khora/Base"), why);
	ck_assert_str_eq(path_reserved(".khora/answers.yaml"), why);
	ck_assert_str_eq(path_reserved(".khora/lock/x"), why);
	ck_assert_str_eq(path_reserved(".khora/trash"), why);
	ck_assert_str_eq(path_reserved(".khora/trash/20261202T214000Z/x"), why);
	ck_assert_ptr_null(path_reserved(".khora/context.yaml"));
	ck_assert_ptr_null(path_reserved(".khora/lockfile"));
	ck_assert_ptr_null(path_reserved(".khorarc"));
	ck_assert_ptr_null(path_reserved(".khora-backup"));
	ck_assert_ptr_null(path_reserved("sub/.khora-backup.1.x/journal"));
	ck_assert_ptr_null(path_reserved("src/.khora/lock"));
}
END_TEST

/* VCS metadata, in any case, anywhere in a path */
START_TEST(test_vcs)
{
	const char *p = "a/.HG/hgrc";

	ck_assert_int_eq(path_is_vcs(".git", 4), 1);
	ck_assert_int_eq(path_is_vcs(".GIT", 4), 1);
	ck_assert_int_eq(path_is_vcs("cvs", 3), 1);
	ck_assert_int_eq(path_is_vcs(".gitignore", 10), 0);
	ck_assert_int_eq(path_is_vcs(".git", 3), 0);
	ck_assert_ptr_eq(path_vcs_component(p), p + 2);
	ck_assert_ptr_null(path_vcs_component("a/.gitignore"));
	ck_assert_ptr_nonnull(path_vcs_component("_darcs"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("path");

	tcase_add_test(tc, test_normalise);
	tcase_add_test(tc, test_reject);
	tcase_add_test(tc, test_reserved);
	tcase_add_test(tc, test_vcs);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
