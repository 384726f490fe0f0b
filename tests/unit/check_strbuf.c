/* SPDX-License-Identifier: MIT */
/* check_strbuf.c - unit tests of core/strbuf.c and core/wrapper.c. */
#include "unit.h"
#include <fcntl.h>
#include <sys/stat.h>
#include "wrapper.h"

START_TEST(test_add_and_grow)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	ck_assert_str_eq(sb.buf, "");
	for (i = 0; i < 1000; i++)
		strbuf_addch(&sb, 'a' + i % 26);
	ck_assert_uint_eq(sb.len, 1000);
	ck_assert_int_eq(sb.buf[1000], '\0');
	ck_assert_int_eq(sb.buf[27], 'b');
	strbuf_release(&sb);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_str_eq(sb.buf, "");
}
END_TEST

START_TEST(test_addf_long)
{
	struct strbuf sb = STRBUF_INIT;
	char big[300];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addf(&sb, "<%s|%d>", big, 42);
	ck_assert_uint_eq(sb.len, 299 + 5);
	ck_assert(!strncmp(sb.buf + 300, "|42>", 4));
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_json_escape)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add_json(&sb, "a\"b\\c\n\t\x01", 8);
	ck_assert_str_eq(sb.buf, "a\\\"b\\\\c\\n\\t\\u0001");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_detach)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *s;

	strbuf_addstr(&sb, "hello");
	s = strbuf_detach(&sb, &len);
	ck_assert_str_eq(s, "hello");
	ck_assert_uint_eq(len, 5);
	ck_assert_uint_eq(sb.len, 0);
	free(s);
}
END_TEST

START_TEST(test_closest_match)
{
	static const char *const cand[] = { "features", "paths", "ports" };

	ck_assert_str_eq(closest_match("fetures", cand, 3), "features");
	ck_assert_str_eq(closest_match("port", cand, 3), "ports");
	ck_assert_ptr_null(closest_match("zzzzzzzz", cand, 3));
	ck_assert_uint_eq(edit_distance("kitten", "sitting"), 3);
}
END_TEST

/* The one whole-file reader: appends, caps, refuses what is no file. */
START_TEST(test_read_fd)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = unit_tmpfile("0123456789");
	char dir[] = "/tmp/khora-unit-fifo-XXXXXX", fifo[64];
	int fd = open(path, O_RDONLY);

	strbuf_addstr(&sb, "kept:");
	ck_assert_int_eq(strbuf_read_fd(&sb, fd, 10), 0);
	ck_assert_str_eq(sb.buf, "kept:0123456789");
	close(fd);
	/* one byte over the cap: EFBIG, and sb as it was */
	fd = open(path, O_RDONLY);
	errno = 0;
	ck_assert_int_eq(strbuf_read_fd(&sb, fd, 9), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_str_eq(sb.buf, "kept:0123456789");
	close(fd);
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(strbuf_read_fd(&sb, fd, 0), -1);
	ck_assert_int_eq(errno, EISDIR);
	close(fd);
	/* a FIFO with no writer: refused at once, never a hang */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(strbuf_read_file_at(&sb, AT_FDCWD, fifo, 0), -1);
	ck_assert_int_eq(errno, STRBUF_ENOTREG);
	ck_assert_uint_eq(sb.len, strlen("kept:0123456789"));
	unlink(fifo);
	rmdir(dir);
	strbuf_reset(&sb);
	ck_assert_int_eq(strbuf_read_file_at(&sb, AT_FDCWD, path, 1), 0);
	ck_assert_str_eq(sb.buf, "0123456789");
	unlink(path);
	free(path);
	strbuf_release(&sb);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("strbuf");

	tcase_add_test(tc, test_add_and_grow);
	tcase_add_test(tc, test_addf_long);
	tcase_add_test(tc, test_json_escape);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_closest_match);
	tcase_add_test(tc, test_read_fd);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
