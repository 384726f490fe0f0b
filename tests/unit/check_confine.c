/* SPDX-License-Identifier: MIT */
/*
 * check_confine.c - unit tests of core/confine.c.  Every test runs twice
 * (loop index 0: openat2, 1: the component walk) against a fresh tree
 * holding every hostile shape: symlinks in the middle and at the end,
 * the s -> . / t -> s/.. pair, a FIFO, a socket, a device.
 */
#include "unit.h"
#include <fcntl.h>
#include <ftw.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include "confine.h"

static char root[] = "/tmp/khora-confine-XXXXXX";
static int rootfd = -1;

static void
mkfile(const char *rel, const char *text)
{
	int fd = openat(rootfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/*
 * root/
 *   f "hello"   d/ d/g "inner"   d/e/ d/e/h "deep"
 *   ld -> d     lf -> f   ln -> /dev/null   out -> /etc
 *   s -> .      t -> s/..  fifo  sock
 */
static void
setup_tree(int walk)
{
	struct sockaddr_un sa;
	int sfd;

	if (walk >= 0)
		confine_force_fallback(walk);
	ck_assert_ptr_nonnull(mkdtemp(root));
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(rootfd, 0);
	mkfile("f", "hello");
	ck_assert_int_eq(mkdirat(rootfd, "d", 0755), 0);
	ck_assert_int_eq(mkdirat(rootfd, "d/e", 0755), 0);
	mkfile("d/g", "inner");
	mkfile("d/e/h", "deep");
	ck_assert_int_eq(symlinkat("d", rootfd, "ld"), 0);
	ck_assert_int_eq(symlinkat("f", rootfd, "lf"), 0);
	ck_assert_int_eq(symlinkat("/dev/null", rootfd, "ln"), 0);
	ck_assert_int_eq(symlinkat("/etc", rootfd, "out"), 0);
	ck_assert_int_eq(symlinkat(".", rootfd, "s"), 0);
	ck_assert_int_eq(symlinkat("s/..", rootfd, "t"), 0);
	ck_assert_int_eq(mkfifoat(rootfd, "fifo", 0644), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", root);
	sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_eq(bind(sfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static void
fails(const char *rel, int flags, int want)
{
	int fd;

	errno = 0;
	fd = confine_open(rootfd, rel, flags, 0644);
	ck_assert_msg(fd < 0, "'%s' (flags %#x) opened", rel, flags);
	ck_assert_msg(errno == want, "'%s' (flags %#x): errno %d (%s), want %d",
		      rel, flags, errno, strerror(errno), want);
}

static void
reads(const char *rel, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_msg(!confine_read(rootfd, rel, &sb, 0), "'%s': %s", rel,
		      strerror(errno));
	ck_assert_str_eq(sb.buf, want);
	strbuf_release(&sb);
}

START_TEST(test_plain)
{
	int fd;
	struct stat st;

	setup_tree(_i);
	reads("f", "hello");
	reads("d/g", "inner");
	reads("d/e/h", "deep");
	fd = confine_open(rootfd, "d/e", O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = confine_open(rootfd, ".", O_RDONLY | O_DIRECTORY, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* the descriptor is blocking again, close-on-exec */
	fd = confine_open(rootfd, "d/new", O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
	ck_assert_int_eq(fstatat(rootfd, "d/new", &st, 0), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_symlinks)
{
	setup_tree(_i);
	/* in the middle, at the end, whatever the flags */
	fails("ld/g", O_RDONLY, ELOOP);
	fails("ld/new", O_WRONLY | O_CREAT, ELOOP);
	fails("lf", O_RDONLY, ELOOP);
	fails("lf", O_WRONLY | O_CREAT | O_TRUNC, ELOOP);
	fails("ld", O_RDONLY | O_DIRECTORY, ELOOP);
	fails("out/passwd", O_RDONLY, ELOOP);
	fails("out", O_RDONLY | O_DIRECTORY, ELOOP);
	/* /dev/null through a symlink */
	fails("ln", O_RDONLY, ELOOP);
	fails("ln", O_WRONLY, ELOOP);
	/* the pair that defeats string checks */
	fails("s/f", O_RDONLY, ELOOP);
	fails("t/f", O_RDONLY, ELOOP);
	fails("t", O_RDONLY | O_DIRECTORY, ELOOP);
	fails("s/t/f", O_WRONLY | O_CREAT, ELOOP);
	ck_assert_int_eq(faccessat(rootfd, "d/e/new", F_OK, 0), -1);
}
END_TEST

START_TEST(test_escape)
{
	setup_tree(_i);
	fails("..", O_RDONLY, EXDEV);
	fails("../f", O_RDONLY, EXDEV);
	fails("d/../f", O_RDONLY, EXDEV);
	fails("d/..", O_RDONLY | O_DIRECTORY, EXDEV);
	fails("/etc/passwd", O_RDONLY, EXDEV);
	fails("", O_RDONLY, EXDEV);
	fails("./f", O_RDONLY, EXDEV);
	fails("d//g", O_RDONLY, EXDEV);
	fails("d/", O_RDONLY | O_DIRECTORY, EXDEV);
	fails(".", O_RDONLY, EXDEV);
}
END_TEST

/* A FIFO must fail at once (Check's timeout catches a hang). */
START_TEST(test_odd_files)
{
	struct strbuf sb = STRBUF_INIT;

	setup_tree(_i);
	fails("fifo", O_RDONLY, CONFINE_ENOTREG);
	fails("fifo", O_WRONLY, CONFINE_ENOTREG);
	fails("fifo", O_WRONLY | O_CREAT | O_TRUNC, CONFINE_ENOTREG);
	fails("fifo", O_RDWR, CONFINE_ENOTREG);
	fails("sock", O_RDONLY, CONFINE_ENOTREG);
	fails("sock", O_WRONLY | O_CREAT, CONFINE_ENOTREG);
	ck_assert_int_eq(confine_read(rootfd, "fifo", &sb, 0), -1);
	ck_assert_int_eq(errno, CONFINE_ENOTREG);
	ck_assert_uint_eq(sb.len, 0);
	/* directories where a file is expected, files on the way */
	fails("d", O_RDONLY, EISDIR);
	fails("d", O_WRONLY, EISDIR);
	fails("f/x", O_RDONLY, ENOTDIR);
	fails("f", O_RDONLY | O_DIRECTORY, ENOTDIR);
	fails("fifo/x", O_RDONLY, ENOTDIR);
	fails("missing/x", O_RDONLY, ENOENT);
}
END_TEST

START_TEST(test_device)
{
	setup_tree(_i);
	if (mknodat(rootfd, "null", S_IFCHR | 0666, makedev(1, 3))) {
		fprintf(stderr, "check_confine: mknod: %s; device case "
			"skipped\n", strerror(errno));
		return;
	}
	fails("null", O_RDONLY, CONFINE_ENOTREG);
	fails("null", O_WRONLY | O_CREAT, CONFINE_ENOTREG);
}
END_TEST

START_TEST(test_parent_lstat)
{
	const char *base = NULL;
	struct stat st;
	int fd;

	setup_tree(_i);
	fd = confine_parent(rootfd, "d/e/h", &base);
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(base, "h");
	ck_assert_int_eq(fstatat(fd, base, &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(st.st_mode));
	close(fd);
	fd = confine_parent(rootfd, "f", &base);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ne(fd, rootfd);
	ck_assert_str_eq(base, "f");
	close(fd);
	ck_assert_int_eq(confine_parent(rootfd, "ld/g", &base), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(confine_parent(rootfd, "t/x", &base), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(confine_parent(rootfd, "../x", &base), -1);
	ck_assert_int_eq(errno, EXDEV);
	/* lstat reports a final symlink, refuses one on the way */
	ck_assert_int_eq(confine_lstat(rootfd, "lf", &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(confine_lstat(rootfd, "d/e", &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(confine_lstat(rootfd, "ld/g", &st), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(confine_lstat(rootfd, "d/none", &st), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_read_cap)
{
	struct strbuf sb = STRBUF_INIT;

	setup_tree(_i);
	strbuf_addstr(&sb, "x");
	ck_assert_int_eq(confine_read(rootfd, "f", &sb, 4), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_str_eq(sb.buf, "x");
	ck_assert_int_eq(confine_read(rootfd, "f", &sb, 5), 0);
	ck_assert_str_eq(sb.buf, "xhello");
	strbuf_release(&sb);
}
END_TEST

/*
 * Uncapped reads take what fstat() said and never more: a file with
 * more bytes than that (written while read; /proc's files, which say 0)
 * is refused, and a huge sparse file is refused before any allocation.
 */
START_TEST(test_read_bounded)
{
	struct strbuf sb = STRBUF_INIT;
	int procfd = open("/proc/self", O_RDONLY | O_DIRECTORY), fd;

	setup_tree(_i);
	ck_assert_int_ge(procfd, 0);
	strbuf_addstr(&sb, "x");
	ck_assert_int_eq(confine_read(procfd, "status", &sb, 0), -1);
	ck_assert_int_eq(errno, CONFINE_ECHANGED);
	ck_assert_str_eq(confine_strerror(errno),
			 "it changed while khora read it");
	ck_assert_str_eq(sb.buf, "x");
	close(procfd);
	fd = confine_open(rootfd, "big", O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)STRBUF_MAX), 0);
	close(fd);
	ck_assert_int_eq(confine_read(rootfd, "big", &sb, 0), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_uint_lt(sb.alloc, 1 << 20);
	ck_assert_int_eq(unlinkat(rootfd, "big", 0), 0);
	ck_assert_int_eq(confine_read(rootfd, "f", &sb, 0), 0);
	ck_assert_str_eq(sb.buf, "xhello");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_strerror)
{
	ck_assert_str_eq(confine_strerror(ELOOP),
			 "a symbolic link is on the way");
	ck_assert_str_eq(confine_strerror(EXDEV), "escapes the directory");
	ck_assert_str_eq(confine_strerror(CONFINE_ENOTREG),
			 "is not a regular file");
	ck_assert_str_eq(confine_strerror(ENOENT), strerror(ENOENT));
}
END_TEST

/* The environment variable forces the walk as the hook does. */
START_TEST(test_env_fallback)
{
	setenv("KHORA_CONFINE_FALLBACK", "1", 1);
	setup_tree(-1);
	fails("t/f", O_RDONLY, ELOOP);
	reads("d/e/h", "deep");
}
END_TEST

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
teardown_tree(void)
{
	if (rootfd >= 0)
		close(rootfd);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static Suite *
suite(void)
{
	Suite *s = suite_create("confine");
	TCase *tc = tcase_create("confine");

	tcase_add_checked_fixture(tc, NULL, teardown_tree);
	tcase_add_loop_test(tc, test_plain, 0, 2);
	tcase_add_loop_test(tc, test_symlinks, 0, 2);
	tcase_add_loop_test(tc, test_escape, 0, 2);
	tcase_add_loop_test(tc, test_odd_files, 0, 2);
	tcase_add_loop_test(tc, test_device, 0, 2);
	tcase_add_loop_test(tc, test_parent_lstat, 0, 2);
	tcase_add_loop_test(tc, test_read_bounded, 0, 2);
	tcase_add_loop_test(tc, test_read_cap, 0, 2);
	tcase_add_test(tc, test_strerror);
	tcase_add_test(tc, test_env_fallback);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
