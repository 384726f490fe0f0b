/* SPDX-License-Identifier: MIT */
/*
 * check_userdir.c - khora's directories below the user's (core/userdir.c):
 * made 0700 one component at a time, the base followed when a link, a
 * link, a file, a foreign owner or a mode others may write below it
 * refused (EPERM, with the component and the reason), sticky accepted,
 * absence silent; nothing found is changed.
 */
#include "unit.h"
#include <fcntl.h>
#include <sys/stat.h>
#include "stage.h"
#include "userdir.h"
#include "wrapper.h"

static char dir[64], base[128], path[256];
static const char *const sub[] = { "khora", "catalog", NULL };
static struct strbuf why = STRBUF_INIT, where = STRBUF_INIT;

static void
setup(void)
{
	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/khora-ud-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/cache", dir);
	strbuf_reset(&why);
	strbuf_reset(&where);
}

static void
teardown(void)
{
	ck_assert_int_eq(remove_tree(AT_FDCWD, dir), 0);
}

static const char *
at(const char *rel)
{
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	return path;
}

/* Opens base/khora/catalog, expecting a refusal of rel for want. */
static void
refused(const char *rel, const char *want)
{
	strbuf_reset(&why);
	strbuf_reset(&where);
	ck_assert_int_eq(userdir_open(base, sub, 1, &why, &where), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_str_eq(where.buf, at(rel));
	ck_assert_str_eq(why.buf, want);
}

START_TEST(test_made_and_absent)
{
	struct stat st;
	int fd;

	/* reading: absence is only absence */
	ck_assert_int_eq(userdir_open(base, sub, 0, &why, &where), -1);
	ck_assert_int_eq(errno, ENOENT);
	fd = userdir_open(base, sub, 1, &why, &where);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(stat(at("khora"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	close(fd);
	strbuf_reset(&where);
	fd = userdir_open(base, sub, 0, &why, &where);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(where.buf, at("khora/catalog"));
	close(fd);
}
END_TEST

START_TEST(test_links)
{
	char real[128], other[128];
	struct stat st;
	int fd;

	/* the base is the user's: a link there is followed */
	snprintf(real, sizeof(real), "%s/real", dir);
	ck_assert_int_eq(mkdir(real, 0700), 0);
	ck_assert_int_eq(symlink(real, base), 0);
	fd = userdir_open(base, sub, 1, &why, &where);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* below it, never */
	snprintf(other, sizeof(other), "%s/other", dir);
	ck_assert_int_eq(mkdir(other, 0700), 0);
	ck_assert_int_eq(remove_tree(AT_FDCWD, at("khora/catalog")), 0);
	ck_assert_int_eq(symlink(other, at("khora/catalog")), 0);
	refused("khora/catalog", "a symbolic link (never followed)");
	ck_assert_int_eq(remove_tree(AT_FDCWD, at("khora")), 0);
	ck_assert_int_eq(symlink(other, at("khora")), 0);
	refused("khora", "a symbolic link (never followed)");
	/* a dangling one is not made through either */
	ck_assert_int_eq(unlink(at("khora")), 0);
	ck_assert_int_eq(symlink("/nonexistent-khora", at("khora")), 0);
	refused("khora", "a symbolic link (never followed)");
	ck_assert_int_eq(lstat("/nonexistent-khora", &st), -1);
	/* nothing was made through the links: rmdir needs it empty */
	ck_assert_int_eq(rmdir(other), 0);
}
END_TEST

START_TEST(test_modes_and_owner)
{
	int fd;

	fd = userdir_open(base, sub, 1, &why, &where);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(chmod(at("khora"), 0777), 0);
	refused("khora", "writable by group or others");
	ck_assert_int_eq(chmod(at("khora"), 0770), 0);
	refused("khora", "writable by group or others");
	/* as /tmp: others may add, not replace what is ours */
	ck_assert_int_eq(chmod(at("khora"), 01777), 0);
	strbuf_reset(&where);
	fd = userdir_open(base, sub, 1, &why, &where);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(chmod(at("khora"), 0700), 0);
	ck_assert_int_eq(rmdir(at("khora/catalog")), 0);
	fd = open(at("khora/catalog"), O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	refused("khora/catalog", "not a directory");
	ck_assert_int_eq(unlink(at("khora/catalog")), 0);
	if (geteuid() != 0)
		return;	/* giving a directory away needs root */
	ck_assert_int_eq(mkdir(at("khora/catalog"), 0700), 0);
	ck_assert_int_eq(chown(at("khora/catalog"), 12345, 12345), 0);
	refused("khora/catalog", "owned by uid 12345 (neither you nor root)");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("userdir");
	TCase *tc = tcase_create("userdir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_made_and_absent);
	tcase_add_test(tc, test_links);
	tcase_add_test(tc, test_modes_and_owner);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
