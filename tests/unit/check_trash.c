/* SPDX-License-Identifier: MIT */
/*
 * check_trash.c - .khora/trash: a kept file is a hard link with its
 * path below the run's directory, two runs in one second get two
 * directories, a discarded run leaves nothing, and a .khora/trash that
 * is a symlink is refused.
 */
#include "unit.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "stage.h"
#include "trash.h"
#include "wrapper.h"

static char dir[64];
static int tfd = -1;

static void
put(const char *path, const char *text)
{
	int fd = openat(tfd, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/khora-trash-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	tfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(mkdirat(tfd, ".khora", 0755), 0);
}

static void
teardown(void)
{
	close(tfd);
	remove_tree(AT_FDCWD, dir);
}

START_TEST(test_keep_links)
{
	struct trash t;
	struct stat a, b;
	char path[256];

	put("old", "the user's\n");
	trash_init(&t);
	ck_assert_int_eq(trash_prepare(&t, tfd), 0);
	ck_assert(t.need_root);
	ck_assert(trash_valid_name(t.name));
	ck_assert_int_eq(trash_create(&t, tfd), 0);
	ck_assert_int_eq(trash_keep(&t, tfd, tfd, "old", "src/a/old.py"), 0);
	snprintf(path, sizeof(path), ".khora/trash/%s/src/a/old.py", t.name);
	ck_assert_int_eq(fstatat(tfd, "old", &a, 0), 0);
	ck_assert_int_eq(fstatat(tfd, path, &b, 0), 0);
	ck_assert(a.st_ino == b.st_ino);
	ck_assert_uint_eq(trash_count(dir), 1);
	trash_release(&t);
}
END_TEST

START_TEST(test_two_runs_one_second)
{
	struct trash t1, t2;

	put("f", "x");
	trash_init(&t1);
	trash_init(&t2);
	ck_assert_int_eq(trash_prepare(&t1, tfd), 0);
	ck_assert_int_eq(trash_create(&t1, tfd), 0);
	ck_assert_int_eq(trash_keep(&t1, tfd, tfd, "f", "f"), 0);
	ck_assert_int_eq(trash_prepare(&t2, tfd), 0);
	ck_assert(!t2.need_root);
	ck_assert_int_eq(trash_create(&t2, tfd), 0);
	ck_assert_int_eq(trash_keep(&t2, tfd, tfd, "f", "f"), 0);
	/* the same second, or the next one: never the same directory */
	ck_assert_str_ne(t1.name, t2.name);
	ck_assert_uint_eq(trash_count(dir), 2);
	trash_release(&t1);
	trash_release(&t2);
}
END_TEST

START_TEST(test_discard)
{
	struct trash t;
	struct stat st;

	put("f", "x");
	trash_init(&t);
	ck_assert_int_eq(trash_prepare(&t, tfd), 0);
	ck_assert_int_eq(trash_create(&t, tfd), 0);
	ck_assert_int_eq(trash_keep(&t, tfd, tfd, "f", "d/f"), 0);
	trash_discard(&t, tfd);
	ck_assert_int_ne(fstatat(tfd, ".khora/trash", &st,
				 AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_uint_eq(trash_count(dir), 0);
	trash_release(&t);
}
END_TEST

START_TEST(test_symlink_refused)
{
	char other[128], target[128];
	struct trash t;

	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	ck_assert_int_eq(mkdir(other, 0755), 0);
	snprintf(target, sizeof(target), "%s", other);
	ck_assert_int_eq(symlinkat(target, tfd, ".khora/trash"), 0);
	put("f", "x");
	trash_init(&t);
	ck_assert_int_eq(trash_prepare(&t, tfd), -1);
	ck_assert_int_eq(trash_create(&t, tfd), -1);
	ck_assert_int_eq(trash_keep(&t, tfd, tfd, "f", "f"), -1);
	ck_assert_int_eq(rmdir(other), 0);	/* still empty */
	ck_assert_uint_eq(trash_count(dir), 0);
	trash_release(&t);
}
END_TEST

/* a journal is input: recovery removes only a run directory's name */
START_TEST(test_undo_names)
{
	struct trash t;
	int bfd;

	ck_assert(!trash_valid_name("../x"));
	ck_assert(!trash_valid_name(".."));
	ck_assert(!trash_valid_name(""));
	ck_assert(!trash_valid_name("a/b"));
	ck_assert(trash_valid_name("20261202T214000Z.2"));
	put("f", "x");
	trash_init(&t);
	ck_assert_int_eq(trash_prepare(&t, tfd), 0);
	ck_assert_int_eq(trash_create(&t, tfd), 0);
	ck_assert_int_eq(trash_keep(&t, tfd, tfd, "f", "f"), 0);
	trash_undo(tfd, "..", tfd);
	ck_assert_uint_eq(trash_count(dir), 1);
	/* a journal naming a run whose files are no backup of its own
	 * (another run's kept bytes): kept */
	ck_assert_int_eq(mkdirat(tfd, "bk", 0700), 0);
	bfd = openat(tfd, "bk", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(bfd, 0);
	ck_assert_int_eq(trash_undo(tfd, t.name, bfd), -1);
	ck_assert_uint_eq(trash_count(dir), 1);
	close(bfd);
	/* the run's own copies (links to what it moved aside): removed */
	ck_assert_int_eq(trash_undo(tfd, t.name, tfd), 0);
	ck_assert_uint_eq(trash_count(dir), 0);
	trash_release(&t);
}
END_TEST

/* a run that kept several files: each is found among the backups, the
 * directory searched from the top every time (a regression: the search
 * shared the backup directory's offset and found only the first) */
START_TEST(test_undo_many)
{
	struct trash t;
	char name[8];
	int bfd, i;

	ck_assert_int_eq(mkdirat(tfd, "bk", 0700), 0);
	bfd = openat(tfd, "bk", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(bfd, 0);
	trash_init(&t);
	ck_assert_int_eq(trash_prepare(&t, tfd), 0);
	ck_assert_int_eq(trash_create(&t, tfd), 0);
	for (i = 0; i < 8; i++) {
		int fd;

		snprintf(name, sizeof(name), "%d", i);
		fd = openat(bfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
		ck_assert_int_eq(trash_keep(&t, tfd, bfd, name, name), 0);
	}
	ck_assert_uint_eq(trash_count(dir), 8);
	ck_assert_int_eq(trash_undo(tfd, t.name, bfd), 0);
	ck_assert_uint_eq(trash_count(dir), 0);
	close(bfd);
	trash_release(&t);
}
END_TEST

/* a run directory with subdirectories: removed only when every file
 * in every one of them is the run's own link; one file of the user's
 * anywhere below keeps it whole */
START_TEST(test_undo_nested)
{
	struct trash t;
	int bfd, fd;

	ck_assert_int_eq(mkdirat(tfd, "bk", 0700), 0);
	bfd = openat(tfd, "bk", O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(bfd, 0);
	fd = openat(bfd, "0", O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	trash_init(&t);
	ck_assert_int_eq(trash_prepare(&t, tfd), 0);
	ck_assert_int_eq(trash_create(&t, tfd), 0);
	ck_assert_int_eq(trash_keep(&t, tfd, bfd, "0", "a/b/c/f"), 0);
	put("mine", "the user's");
	ck_assert_int_eq(linkat(tfd, "mine", t.fd, "a/b/mine", 0), 0);
	ck_assert_int_eq(trash_undo(tfd, t.name, bfd), -1);
	ck_assert_uint_eq(trash_count(dir), 2);
	/* a symlink is no link of the run's either */
	ck_assert_int_eq(unlinkat(t.fd, "a/b/mine", 0), 0);
	ck_assert_int_eq(symlinkat("../../0", t.fd, "a/link"), 0);
	ck_assert_int_eq(trash_undo(tfd, t.name, bfd), -1);
	ck_assert_uint_eq(trash_count(dir), 2);
	ck_assert_int_eq(unlinkat(t.fd, "a/link", 0), 0);
	ck_assert_int_eq(trash_undo(tfd, t.name, bfd), 0);
	ck_assert_uint_eq(trash_count(dir), 0);
	ck_assert_int_eq(faccessat(bfd, "0", F_OK, 0), 0);
	close(bfd);
	trash_release(&t);
}
END_TEST

/* the name chosen was taken before trash_create(): that directory is
 * someone else's, and a discard after the failure leaves it */
START_TEST(test_create_taken)
{
	char path[128];
	struct trash t;

	trash_init(&t);
	ck_assert_int_eq(mkdirat(tfd, ".khora/trash", 0700), 0);
	ck_assert_int_eq(trash_prepare(&t, tfd), 0);
	ck_assert(!t.need_root);
	snprintf(path, sizeof(path), ".khora/trash/%s", t.name);
	ck_assert_int_eq(mkdirat(tfd, path, 0700), 0);
	snprintf(path, sizeof(path), ".khora/trash/%s/kept", t.name);
	put(path, "another run's copy");
	ck_assert_int_eq(trash_create(&t, tfd), -1);
	ck_assert_int_eq(errno, EEXIST);
	trash_discard(&t, tfd);
	ck_assert_uint_eq(trash_count(dir), 1);
	ck_assert_int_eq(faccessat(tfd, ".khora/trash", F_OK, 0), 0);
	trash_release(&t);
}
END_TEST

/* no .khora (or no trash in it): nothing made, nothing removed */
START_TEST(test_no_khora)
{
	struct trash t;

	ck_assert_int_eq(unlinkat(tfd, ".khora", AT_REMOVEDIR), 0);
	trash_init(&t);
	ck_assert_int_eq(trash_prepare(&t, tfd), -1);
	ck_assert_int_eq(trash_create(&t, tfd), -1);
	ck_assert_int_eq(trash_undo(tfd, "20261202T214000Z", tfd), 0);
	ck_assert_uint_eq(trash_count(dir), 0);
	ck_assert_int_eq(mkdirat(tfd, ".khora", 0755), 0);
	ck_assert_int_eq(trash_undo(tfd, "20261202T214000Z", tfd), 0);
	ck_assert_uint_eq(trash_count("/nonexistent/khora"), 0);
	trash_release(&t);
}
END_TEST

/* every ".N" of this second taken: no name is this run's, and none
 * is reused (tried again if the clock turned meanwhile) */
START_TEST(test_all_names_taken)
{
	char path[128], stamp[32];
	struct trash t;
	struct tm tm;
	time_t now;
	int i, ret;

	ck_assert_int_eq(mkdirat(tfd, ".khora/trash", 0700), 0);
	trash_init(&t);
	do {
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		for (i = 1; i < 1000; i++) {
			if (i == 1)
				snprintf(path, sizeof(path), ".khora/trash/%s",
					 stamp);
			else
				snprintf(path, sizeof(path),
					 ".khora/trash/%s.%d", stamp, i);
			ck_assert(!mkdirat(tfd, path, 0700) || errno == EEXIST);
		}
		ret = trash_prepare(&t, tfd);
	} while (time(NULL) != now);
	ck_assert_int_eq(ret, -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_str_eq(t.name, "");
	trash_release(&t);
}
END_TEST

static Suite *
trash_suite(void)
{
	Suite *s = suite_create("trash");
	TCase *tc = tcase_create("trash");

	tcase_add_checked_fixture(tc, setup, teardown);
	/* test_all_names_taken makes 999 directories: not quick on a
	 * loaded machine */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_keep_links);
	tcase_add_test(tc, test_undo_nested);
	tcase_add_test(tc, test_create_taken);
	tcase_add_test(tc, test_no_khora);
	tcase_add_test(tc, test_all_names_taken);
	tcase_add_test(tc, test_two_runs_one_second);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_symlink_refused);
	tcase_add_test(tc, test_undo_names);
	tcase_add_test(tc, test_undo_many);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(trash_suite)
