/* SPDX-License-Identifier: MIT */
/*
 * check_tglob.c - unit tests of core/tglob.c: a table of pattern
 * lists, paths and decisions.  tests/tglob-vs-git.sh reads the same
 * table (the lines starting with a tab and "{ \"") and checks each row
 * not marked NOGIT against `git check-ignore --no-index`.
 */
#include "unit.h"
#include "tglob.h"
#include "wrapper.h"

#define NOGIT 2		/* khora's choice, not git's: see tglob.h */
#define A10 "aaaaaaaaaa"
#define A50 A10 A10 A10 A10 A10
#define A100 A50 A50

static const struct row {
	const char *pats;	/* '|' between patterns */
	const char *path;
	int dir, want;
} rows[] = {
	{ "*.pyc", "a.pyc", 0, 1 },
	{ "*.pyc", "src/pkg/a.pyc", 0, 1 },
	{ "*.pyc", "a.pyc.txt", 0, 0 },
	{ "*.pyc", ".pyc", 0, 1 },
	{ "*.PYC", "a.pyc", 0, 0 },
	{ "build/", "build", 1, 1 },
	{ "build/", "build", 0, 0 },
	{ "build/", "src/build", 1, 1 },
	{ "build/", "build/x.o", 0, 1 },
	{ "/build", "build", 1, 1 },
	{ "/build", "src/build", 1, 0 },
	{ "docs/*.md", "docs/a.md", 0, 1 },
	{ "docs/*.md", "docs/sub/a.md", 0, 0 },
	{ "docs/*.md", "x/docs/a.md", 0, 0 },
	{ "**/test", "test", 1, 1 },
	{ "**/test", "a/b/test", 1, 1 },
	{ "**/test/x", "a/test/x", 0, 1 },
	{ "**/*.tmp", "x/y/z.tmp", 0, 1 },
	{ "a/**/b", "a/b", 0, 1 },
	{ "a/**/b", "a/x/y/b", 0, 1 },
	{ "a/**/b", "a/xb", 0, 0 },
	{ "db/**", "db/schema.sql", 0, 1 },
	{ "db/**", "db/a/b/c", 0, 1 },
	{ "db/**", "db", 1, 1 | NOGIT },
	{ "db/**", "dbx/a", 0, 0 },
	{ "*.log|!keep.log", "a.log", 0, 1 },
	{ "*.log|!keep.log", "x/keep.log", 0, 0 },
	{ "!keep.log|*.log", "keep.log", 0, 1 },
	{ "logs/|!logs/keep.txt", "logs/keep.txt", 0, 1 },
	{ "?.txt", "a.txt", 0, 1 },
	{ "?.txt", "ab.txt", 0, 0 },
	{ "[ab].txt", "b.txt", 0, 1 },
	{ "[!ab].txt", "c.txt", 0, 1 },
	{ "[!ab].txt", "a.txt", 0, 0 },
	{ "[a-c]x", "bx", 0, 1 },
	{ "a*b", "a/b", 0, 0 },
	{ "*", "anything/deep", 0, 1 },
	{ "\\!important", "!important", 0, 1 },
	{ "foo", "foo/bar", 0, 1 },
	{ "foo", "bar/foo", 0, 1 },
	{ "src/*/gen", "src/a/gen", 1, 1 },
	{ "src/*/gen", "src/a/b/gen", 1, 0 },
	{ "src/**/gen", "src/a/b/gen", 1, 1 },
	/* a backtracking matcher takes hours on this one */
	{ "*a*a*a*a*a*a*a*a*a*a*a*a*b", A100, 0, 0 },
};

START_TEST(test_table)
{
	const struct row *r = &rows[_i];
	char *copy = xstrdup(r->pats), *save = NULL, *tok;
	const char *pats[8];
	size_t n = 0;

	for (tok = strtok_r(copy, "|", &save); tok && n < 8;
	     tok = strtok_r(NULL, "|", &save))
		pats[n++] = tok;
	ck_assert_msg(tglob_list(pats, n, r->path, r->dir) == (r->want & 1),
		      "'%s' on %s%s: expected %d", r->pats, r->path,
		      r->dir ? "/" : "", r->want & 1);
	free(copy);
}
END_TEST

START_TEST(test_check)
{
	char big[TGLOB_MAX_LEN + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_nonnull(tglob_check(big));
	ck_assert_ptr_nonnull(tglob_check(""));
	ck_assert_ptr_nonnull(tglob_check("!"));
	ck_assert_ptr_null(tglob_check("*.pyc"));
	ck_assert_int_eq(tglob_match(big, "a", 0), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("tglob");
	TCase *tc = tcase_create("tglob");

	tcase_add_loop_test(tc, test_table, 0, (int)ARRAY_SIZE(rows));
	tcase_add_test(tc, test_check);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
