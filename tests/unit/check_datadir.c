/* SPDX-License-Identifier: MIT */
/*
 * check_datadir.c - the one resolver of the user's directories: an
 * absolute $XDG_*_HOME wins, a relative one is ignored for $HOME, and
 * without either nothing is made (never a path below the working
 * directory, which may be a project).
 */
#include "unit.h"
#include "datadir.h"

static char *
user_dir(enum user_dir kind, const char *sub)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "=");
	if (datadir_user(&sb, kind, sub)) {
		ck_assert_str_eq(sb.buf, "=");	/* untouched */
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

#define ASSERT_DIR(kind, sub, want) do {				\
		char *got_ = user_dir(kind, sub);			\
									\
		ck_assert_ptr_nonnull(got_);				\
		ck_assert_str_eq(got_, want);				\
		free(got_);						\
	} while (0)

START_TEST(test_xdg_wins)
{
	setenv("HOME", "/home/u", 1);
	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("XDG_CONFIG_HOME", "/x/config", 1);
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	ASSERT_DIR(USER_DATA, "plugins", "=/x/data/khora/plugins");
	ASSERT_DIR(USER_CONFIG, "config.yaml", "=/x/config/khora/config.yaml");
	ASSERT_DIR(USER_CACHE, NULL, "=/x/cache/khora");
}
END_TEST

START_TEST(test_relative_xdg_ignored)
{
	setenv("HOME", "/home/u", 1);
	setenv("XDG_DATA_HOME", "x/data", 1);
	setenv("XDG_CONFIG_HOME", "", 1);
	unsetenv("XDG_CACHE_HOME");
	ASSERT_DIR(USER_DATA, "templates", "=/home/u/.local/share/khora/"
		   "templates");
	ASSERT_DIR(USER_CONFIG, NULL, "=/home/u/.config/khora");
	ASSERT_DIR(USER_CACHE, NULL, "=/home/u/.cache/khora");
}
END_TEST

START_TEST(test_nothing_usable)
{
	setenv("HOME", "relative", 1);
	setenv("XDG_DATA_HOME", ".", 1);
	unsetenv("XDG_CONFIG_HOME");
	ck_assert_ptr_null(user_dir(USER_DATA, "plugins"));
	unsetenv("HOME");
	ck_assert_ptr_null(user_dir(USER_CONFIG, "config.yaml"));
	ck_assert_ptr_null(user_dir(USER_CACHE, NULL));
}
END_TEST

START_TEST(test_binary_dirs)
{
	/* the unit binary is not in a source tree's top: installed dirs */
	ck_assert_ptr_nonnull(khora_plugindir());
	ck_assert_ptr_nonnull(strstr(khora_templatedir(), "templates"));
}
END_TEST

static Suite *
datadir_suite(void)
{
	Suite *s = suite_create("datadir");
	TCase *tc = tcase_create("datadir");

	tcase_add_test(tc, test_xdg_wins);
	tcase_add_test(tc, test_relative_xdg_ignored);
	tcase_add_test(tc, test_nothing_usable);
	tcase_add_test(tc, test_binary_dirs);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(datadir_suite)
