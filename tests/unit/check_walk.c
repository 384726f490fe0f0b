/* SPDX-License-Identifier: MIT */
/*
 * check_walk.c - walk_dir(), the one directory listing: every entry but
 * "." and ".." once, from the first entry whatever the fd's offset, the
 * callback's stop value returned as is, a file refused rather than
 * listed as empty, the caller's fd left open; walk_tree() sorted and
 * never entering a symlink.
 */
#include "unit.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "stage.h"
#include "walk.h"
#include "wrapper.h"

static char dir[64];
static int dfd = -1;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/khora-walk-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(mkdirat(dfd, "b", 0755), 0);
	ck_assert_int_eq(mkdirat(dfd, "b/c", 0755), 0);
	close(openat(dfd, "a", O_WRONLY | O_CREAT, 0644));
	close(openat(dfd, "b/c/d", O_WRONLY | O_CREAT, 0644));
	ck_assert_int_eq(symlinkat("b", dfd, "l"), 0);
}

static void
teardown(void)
{
	close(dfd);
	remove_tree(AT_FDCWD, dir);
}

struct seen {
	struct strbuf names;
	int n;
	int stop_at;
};

static int
see(const char *name, unsigned char type, void *arg)
{
	struct seen *s = arg;

	(void)type;
	strbuf_addf(&s->names, "[%s]", name);
	return ++s->n == s->stop_at ? 7 : 0;
}

START_TEST(test_dir_lists_all_but_dots)
{
	struct seen s = { STRBUF_INIT, 0, 0 };
	DIR *dh;

	/* an fd whose offset an earlier listing left at the end */
	dh = walk_opendir(dfd);
	ck_assert_ptr_nonnull(dh);
	while (readdir(dh))
		;
	closedir(dh);
	ck_assert_int_eq(walk_dir(dfd, see, &s), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_ptr_nonnull(strstr(s.names.buf, "[a]"));
	ck_assert_ptr_nonnull(strstr(s.names.buf, "[b]"));
	ck_assert_ptr_nonnull(strstr(s.names.buf, "[l]"));
	ck_assert_ptr_null(strstr(s.names.buf, "[.]"));
	/* the caller's fd is still open and usable */
	ck_assert_int_eq(faccessat(dfd, "a", F_OK, 0), 0);
	strbuf_release(&s.names);
}
END_TEST

START_TEST(test_dir_stop_value)
{
	struct seen s = { STRBUF_INIT, 0, 2 };

	ck_assert_int_eq(walk_dir(dfd, see, &s), 7);
	ck_assert_int_eq(s.n, 2);
	strbuf_release(&s.names);
}
END_TEST

START_TEST(test_dir_not_a_directory)
{
	struct seen s = { STRBUF_INIT, 0, 0 };
	int fd = openat(dfd, "a", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	errno = 0;
	ck_assert_int_eq(walk_dir(fd, see, &s), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	ck_assert_int_eq(s.n, 0);
	close(fd);
	ck_assert_int_eq(walk_dir(-1, see, &s), -1);
	ck_assert_int_eq(errno, EBADF);
	strbuf_release(&s.names);
}
END_TEST

static int
see_path(const char *rel, const char *base, const struct stat *st,
	 void *arg)
{
	(void)base;
	strbuf_addf(arg, "%s%c ", rel, S_ISLNK(st->st_mode) ? '@' : ' ');
	return 0;
}

START_TEST(test_tree_sorted_no_symlink)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_int_eq(walk_tree(dir, "", see_path, &sb), 0);
	ck_assert_str_eq(sb.buf, "a  b  b/c  b/c/d  l@ ");
	strbuf_release(&sb);
}
END_TEST

static Suite *
walk_suite(void)
{
	Suite *s = suite_create("walk");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dir_lists_all_but_dots);
	tcase_add_test(tc, test_dir_stop_value);
	tcase_add_test(tc, test_dir_not_a_directory);
	tcase_add_test(tc, test_tree_sorted_no_symlink);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(walk_suite)
