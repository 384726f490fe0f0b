/* SPDX-License-Identifier: MIT */
/* check_tmplsrc.c - unit tests of core/tmplsrc.c: the PEP 440 order that
 * picks a template's newest version tag, and what counts as a git
 * source. */
#include "unit.h"
#include "tmplsrc.h"

/* Each row sorts strictly below the next (PEP 440's own examples, and
 * the spellings its normalisation folds together). */
static const char *const ascending[] = {
	"1.0.dev456",
	"1.0a1",
	"1.0a2.dev456",
	"1.0a12.dev456",
	"1.0a12",
	"1.0b1.dev456",
	"1.0b2",
	"1.0b2.post345.dev456",
	"1.0b2.post345",
	"1.0rc1.dev456",
	"1.0rc1",
	"1.0",
	"1.0+abc.5",
	"1.0.post456.dev34",
	"1.0.post456",
	"1.0.15",
	"1.1.dev1",
	"v1.2",
	"1.10",
	"2.0",
	"1!0.5",
};

START_TEST(test_order)
{
	size_t i, j, n = sizeof(ascending) / sizeof(*ascending);

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			int c = tmplsrc_version_cmp(ascending[i],
						    ascending[j]);
			int want = i < j ? -1 : i > j;

			ck_assert_msg(c == want, "cmp('%s', '%s') = %d, "
				      "expected %d", ascending[i],
				      ascending[j], c, want);
		}
}
END_TEST

/* Spellings PEP 440 normalises to one version. */
static const char *const same[][2] = {
	{ "1.0", "1.0.0" },
	{ "v1.0", "1.0" },
	{ "1.0alpha1", "1.0a1" },
	{ "1.0-beta.2", "1.0b2" },
	{ "1.0c1", "1.0rc1" },
	{ "1.0pre1", "1.0rc1" },
	{ "1.0preview1", "1.0rc1" },
	{ "1.0-1", "1.0.post1" },
	{ "1.0.rev1", "1.0.post1" },
	{ "1.0r1", "1.0post1" },
	{ "1.0a", "1.0a0" },
	{ "1.0.DEV", "1.0.dev0" },
	{ "V2.0RC1", "2.0rc1" },
};

START_TEST(test_same)
{
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(*same); i++)
		ck_assert_msg(!tmplsrc_version_cmp(same[i][0], same[i][1]),
			      "'%s' != '%s'", same[i][0], same[i][1]);
}
END_TEST

START_TEST(test_not_versions)
{
	static const char *const no[] = {
		"", "v", "latest", "release-1.0", "1.0-", "1..0", "1.0+",
		"1.0+a+b", "1.0 ", "not-a-version", "x1.0", "1.0foo",
		"1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17",
		"99999999999999999999999",
	};
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(*no); i++) {
		ck_assert_msg(!tmplsrc_is_version(no[i]), "'%s' taken for a "
			      "version", no[i]);
		/* below any version, so never picked as the newest */
		ck_assert_int_lt(tmplsrc_version_cmp(no[i], "0.0.dev0"), 0);
	}
	ck_assert(tmplsrc_is_version("1.0"));
	ck_assert(tmplsrc_is_version("v0.1.0"));
	ck_assert(tmplsrc_is_version("2014.04"));
}
END_TEST

START_TEST(test_is_git)
{
	ck_assert(tmplsrc_is_git("https://example.com/t.git"));
	ck_assert(tmplsrc_is_git("ssh://git@example.com/t"));
	ck_assert(tmplsrc_is_git("git@example.com:o/t.git"));
	ck_assert(tmplsrc_is_git("file:///srv/t"));
	ck_assert(tmplsrc_is_git("gh:owner/repo"));
	ck_assert(tmplsrc_is_git("gl:owner/repo"));
	ck_assert(!tmplsrc_is_git("templates/t"));
	ck_assert(!tmplsrc_is_git("/srv/t"));
	ck_assert(!tmplsrc_is_git("./gh:owner/repo"));
	ck_assert(!tmplsrc_is_git("http://example.com/t"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("tmplsrc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_same);
	tcase_add_test(tc, test_not_versions);
	tcase_add_test(tc, test_is_git);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
