/* SPDX-License-Identifier: MIT */
/*
 * check_stage.c - the staging directory: created next to the target,
 * files written with their modes, removed on release, and a dead run's
 * directory recognised and removed.
 */
#include "unit.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "pipeline.h"
#include "stage.h"
#include "wrapper.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/khora-stage-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	remove_tree(AT_FDCWD, dir);
}

/* Entries in dir other than . and .. */
static int
entries(void)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (dh && (de = readdir(dh)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (dh)
		closedir(dh);
	return n;
}

START_TEST(test_write_and_release)
{
	CAPTURE_DIAG(d, out);
	struct action a;
	struct stage s;
	char target[128], path[512];
	struct stat st;

	snprintf(target, sizeof(target), "%s/proj", dir);
	ck_assert_int_eq(stage_init(&s, target, 0, &d), 0);
	ck_assert(starts_with(strrchr(s.dir, '/') + 1, ".khora-stage.proj."));
	memset(&a, 0, sizeof(a));
	a.kind = A_DATA;
	a.path = (char *)"bin/run.sh";
	a.data = (char *)"#!/bin/sh\n";
	a.len = 10;
	a.mode = 0755;
	ck_assert_int_eq(stage_write(&s, &a, &d), 0);
	snprintf(path, sizeof(path), "%s/bin/run.sh", s.dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 10);
	ck_assert(st.st_mode & S_IXUSR);
	/* O_EXCL: the same path twice is an error, not an overwrite */
	ck_assert_int_eq(stage_write(&s, &a, &d), -1);
	ck_assert(strstr(out.buf, "bin/run.sh: cannot write file: File "
			 "exists"));
	stage_release(&s, 1, &d);
	ck_assert_int_eq(entries(), 0);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_stale_removed)
{
	CAPTURE_DIAG(d, out);
	char stale[256], target[128];
	struct stage s;

	/* pid 999999 does not run: its staging directory is stale */
	snprintf(stale, sizeof(stale), "%s/.khora-stage.proj.999999.abcdef",
		 dir);
	ck_assert_int_eq(mkdir(stale, 0700), 0);
	snprintf(target, sizeof(target), "%s/proj", dir);
	ck_assert_int_eq(stage_init(&s, target, 0, &d), 0);
	ck_assert_int_ne(access(stale, F_OK), 0);
	ck_assert(strstr(out.buf, "removing the staging directory of an "
			 "interrupted run"));
	stage_release(&s, 1, &d);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_stale_held_kept)
{
	CAPTURE_DIAG(d, out);
	char stale[256], target[128];
	struct stage s;
	int fd;

	/* a dead pid in the name, but a live run holds the flock (another
	 * pid namespace, a reused pid): kept */
	snprintf(stale, sizeof(stale), "%s/.khora-stage.proj.999999.ghijkl",
		 dir);
	ck_assert_int_eq(mkdir(stale, 0700), 0);
	fd = open(stale, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	snprintf(target, sizeof(target), "%s/proj", dir);
	ck_assert_int_eq(stage_init(&s, target, 0, &d), 0);
	ck_assert_int_eq(access(stale, F_OK), 0);
	ck_assert(!strstr(out.buf, "removing"));
	stage_release(&s, 1, &d);
	close(fd);
	ck_assert_int_eq(rmdir(stale), 0);
	strbuf_release(&out);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("stage");
	TCase *tc = tcase_create("stage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_and_release);
	tcase_add_test(tc, test_stale_removed);
	tcase_add_test(tc, test_stale_held_kept);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
