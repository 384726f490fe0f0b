/* SPDX-License-Identifier: MIT */
/*
 * check_recover.c - recovery from a backup directory a dead run left,
 * with hand-made journals: each kind of step undone (a replaced file
 * put back, a new file removed, a created directory removed, a removed
 * one made again), a finished journal only cleaned up, a read-only
 * look that writes nothing; and each planted or damaged journal
 * refused with its line and every backup kept, the project untouched.
 */
#include "unit.h"
#include <fcntl.h>
#include <sys/stat.h>
#include "catalog.h"
#include "recover.h"
#include "sha256.h"
#include "stage.h"

#define BDIR ".khora-backup.1.abcdef"

static char dir[64];
static int rfd = -1;

static void
put(const char *path, const char *text, mode_t mode)
{
	int fd = openat(rfd, path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The content of path, or "(none)". */
static const char *
get(const char *path)
{
	static char buf[256];
	int fd = openat(rfd, path, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return "(none)";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int
exists(const char *path)
{
	struct stat st;

	return !fstatat(rfd, path, &st, AT_SYMLINK_NOFOLLOW);
}

/* "P <sha256 of text> path" */
static void
add_placed(struct strbuf *j, const char *text, const char *path)
{
	char hex[65];

	sha256_hex(text, strlen(text), hex);
	strbuf_addf(j, "P %s %s\n", hex, path);
}

/* The backup directory with journal (if not NULL), as khora makes it. */
static void
backup_dir(const char *journal)
{
	ck_assert_int_eq(mkdirat(rfd, BDIR, 0700), 0);
	if (journal)
		put(BDIR "/journal", journal, 0600);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/khora-recover-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	rfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(rfd, 0);
	umask(022);
}

static void
teardown(void)
{
	close(rfd);
	remove_tree(AT_FDCWD, dir);
}

/* recover_scan(); the messages it gave, with the project as "P". */
static int
scan(int apply, struct strlist *pending, struct strbuf *msg)
{
	CAPTURE_DIAG(d, err);
	int ret = recover_scan(rfd, "P", apply, pending, &d);

	strbuf_reset(msg);
	strbuf_add(msg, err.buf, err.len);
	strbuf_release(&err);
	return ret;
}

START_TEST(test_rollback)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;
	struct strlist pending = { NULL, 0, 0 };

	/* a replaced file, a new file, a new directory, a removed one */
	put("a", "new a", 0644);
	put("b", "new b", 0644);
	ck_assert_int_eq(mkdirat(rfd, "made", 0755), 0);
	strbuf_addstr(&j, "R gone\nD made\nB 0 a\n");
	add_placed(&j, "new a", "a");
	strbuf_addstr(&j, "B - b\n");
	add_placed(&j, "new b", "b");
	backup_dir(j.buf);
	put(BDIR "/0", "old a", 0644);
	/* a read-only look: one pending, nothing written */
	ck_assert_int_eq(scan(0, &pending, &msg), 1);
	ck_assert_str_eq(msg.buf, "khora: warning: P/" BDIR ": an interrupted "
			 "run left the project half-changed: the next 'khora "
			 "update' rolls it back (this command writes "
			 "nothing)\n");
	ck_assert_uint_eq(pending.nr, 1);
	ck_assert_str_eq(pending.v[0], BDIR);
	ck_assert_str_eq(get("a"), "new a");
	ck_assert_int_eq(scan(1, NULL, &msg), 0);
	ck_assert_str_eq(msg.buf, "khora: warning: P/" BDIR ": rolled back an "
			 "interrupted --force run\n");
	ck_assert_str_eq(get("a"), "old a");
	ck_assert(!exists("b"));
	ck_assert(!exists("made"));
	ck_assert(exists("gone"));
	ck_assert(!exists(BDIR));
	strlist_clear(&pending);
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_finished_and_empty)
{
	struct strbuf msg = STRBUF_INIT;

	/* "C": the run committed; only its backups are left to remove */
	put("a", "new a", 0644);
	backup_dir("B 0 a\nC\n");
	put(BDIR "/0", "old a", 0644);
	ck_assert_int_eq(scan(0, NULL, &msg), 1);
	ck_assert_ptr_nonnull(strstr(msg.buf, "the next 'khora update' "
				     "finishes its cleanup"));
	ck_assert_int_eq(scan(1, NULL, &msg), 0);
	ck_assert_str_eq(msg.buf, "khora: warning: P/" BDIR ": finished "
			 "cleaning up after an interrupted --force run\n");
	ck_assert_str_eq(get("a"), "new a");
	ck_assert(!exists(BDIR));
	/* no journal: the run died before its first step */
	backup_dir(NULL);
	ck_assert_int_eq(scan(0, NULL, &msg), 0);
	ck_assert_str_eq(msg.buf, "");
	ck_assert_int_eq(scan(1, NULL, &msg), 0);
	ck_assert_str_eq(msg.buf, "");
	ck_assert(!exists(BDIR));
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_hard_linked_backup)
{
	struct strbuf msg = STRBUF_INIT;
	struct stat st;

	/* the old file was linked aside, never replaced: it stays, and
	 * the second name goes */
	put("a", "old a", 0644);
	backup_dir("B 0 a\n");
	ck_assert_int_eq(linkat(rfd, "a", rfd, BDIR "/0", 0), 0);
	ck_assert_int_eq(scan(1, NULL, &msg), 0);
	ck_assert_str_eq(get("a"), "old a");
	ck_assert_int_eq(fstatat(rfd, "a", &st, 0), 0);
	ck_assert_uint_eq(st.st_nlink, 1);
	ck_assert(!exists(BDIR));
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_symlink_placed)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;

	/* a symlink the run placed is known by its target's hash */
	ck_assert_int_eq(symlinkat("target", rfd, "l"), 0);
	strbuf_addstr(&j, "B - l\n");
	add_placed(&j, "target", "l");
	backup_dir(j.buf);
	ck_assert_int_eq(scan(1, NULL, &msg), 0);
	ck_assert(!exists("l"));
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

/* The one-line refusal: where, why, and every backup kept. */
static void
assert_refused(const struct strbuf *msg, const char *where,
	       const char *why)
{
	struct strbuf want = STRBUF_INIT;

	strbuf_addf(&want, "khora: P/" BDIR "%s: cannot recover an "
		    "interrupted run: %s; every backup is kept in P/" BDIR
		    " (move each numbered file back to the path of its 'B N "
		    "PATH' journal line, then remove that directory)\n",
		    where, why);
	ck_assert_str_eq(msg->buf, want.buf);
	strbuf_release(&want);
}

START_TEST(test_changed_since)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;

	/* the user wrote b after the run died: never removed */
	put("a", "new a", 0644);
	put("b", "the user's b", 0644);
	strbuf_addstr(&j, "B 0 a\n");
	add_placed(&j, "new a", "a");
	strbuf_addstr(&j, "B - b\n");
	add_placed(&j, "new b", "b");
	backup_dir(j.buf);
	put(BDIR "/0", "old a", 0644);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal:3", "'b' is not what the interrupted "
		       "run left there (changed since?): not replaced");
	/* refused before the first step: a is not half put back */
	ck_assert_str_eq(get("a"), "new a");
	ck_assert_str_eq(get("b"), "the user's b");
	ck_assert_str_eq(get(BDIR "/0"), "old a");
	/* the read-only look warns the same, and counts it pending */
	ck_assert_int_eq(scan(0, NULL, &msg), 1);
	ck_assert_ptr_nonnull(strstr(msg.buf, "khora: warning: P/" BDIR
				     "/journal:3: cannot recover"));
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_not_a_file_at_path)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;

	/* a FIFO where the run placed a file is never opened */
	ck_assert_int_eq(mkfifoat(rfd, "a", 0644), 0);
	strbuf_addstr(&j, "B - a\n");
	add_placed(&j, "new a", "a");
	backup_dir(j.buf);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal:1", "cannot read 'a': is not a "
		       "regular file");
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

/* Each bad journal: the line and reason it is refused for. */
static const struct {
	const char *journal, *where, *why;
} bad_journals[] = {
	{ "B 01 a\n", "/journal:1",
	  "backup '01' is not the number expected here (0)" },
	{ "B 1 a\n", "/journal:1",
	  "backup '1' is not the number expected here (0)" },
	{ "B 0x a\n", "/journal:1",
	  "backup '0x' is not the number expected here (0)" },
	{ "B 1234567890 a\n", "/journal:1",
	  "backup '1234567890' is not the number expected here (0)" },
	{ "D a//b\n", "/journal:1", "'a//b' is not in normal form" },
	{ "D " BDIR "/x\n", "/journal:1",
	  "'" BDIR "/x' is inside a backup directory" },
	{ "T ../x\n", "/journal:1", "'../x' is not a trash directory name" },
	{ "D a\nP 0000000000000000000000000000000000000000000000000000000000"
	  "000000 a\n", "/journal:2", "'P' without its 'B' line" },
	{ "C\nD a\n", "/journal:2", "a line after the final 'C'" },
	{ "B - a\nB - a\n", "/journal:2",
	  "'a' was already moved aside at line 1" },
	{ "X a\n", "/journal:1", "unknown journal line" },
	{ "D a\0b\n", "/journal:1", "the journal holds a NUL byte" },
};

START_TEST(test_bad_journal)
{
	struct strbuf msg = STRBUF_INIT;
	const char *text = bad_journals[_i].journal;
	size_t len = strlen(text);
	int fd;

	if (_i == (int)ARRAY_SIZE(bad_journals) - 1)
		len = 6;	/* "D a", NUL, "b", newline */
	put("a", "keep", 0644);
	backup_dir(NULL);
	fd = openat(rfd, BDIR "/journal", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, bad_journals[_i].where, bad_journals[_i].why);
	ck_assert_str_eq(get("a"), "keep");
	ck_assert(exists(BDIR "/journal"));
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_long_line)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;

	strbuf_addstr(&j, "D ");
	while (j.len < 70000)
		strbuf_addstr(&j, "aaaaaaaaa/");
	strbuf_addstr(&j, "a\n");
	backup_dir(j.buf);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal:1", "a line longer than any journal "
		       "line khora writes");
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_bad_backup_dir)
{
	struct strbuf msg = STRBUF_INIT;

	/* not a directory */
	put(BDIR, "x", 0600);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "", "it is not a directory");
	ck_assert_int_eq(unlinkat(rfd, BDIR, 0), 0);
	/* a journal that is a directory, or has a second name */
	backup_dir(NULL);
	ck_assert_int_eq(mkdirat(rfd, BDIR "/journal", 0700), 0);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal", "it is not a regular file");
	ck_assert_int_eq(unlinkat(rfd, BDIR "/journal", AT_REMOVEDIR), 0);
	put(BDIR "/journal", "D x\n", 0600);
	ck_assert_int_eq(linkat(rfd, BDIR "/journal", rfd, "planted", 0), 0);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal", "it has other hard links");
	ck_assert_int_eq(unlinkat(rfd, "planted", 0), 0);
	/* a numbered entry that is a directory */
	put(BDIR "/journal", "B 0 a\n", 0600);
	ck_assert_int_eq(mkdirat(rfd, BDIR "/0", 0700), 0);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "", "'0' is a directory");
	ck_assert(exists(BDIR "/0"));
	/* a file the journal does not name */
	ck_assert_int_eq(unlinkat(rfd, BDIR "/0", AT_REMOVEDIR), 0);
	put(BDIR "/stray", "x", 0600);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "", "'stray' is not a backup its journal names");
	/* the journal with a mode git or an archive would give it */
	ck_assert_int_eq(unlinkat(rfd, BDIR "/stray", 0), 0);
	ck_assert_int_eq(fchmodat(rfd, BDIR "/journal", 0644, 0), 0);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal", "the journal has mode 0644, not 0600 "
		       "as khora makes it");
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_steps_never_taken)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;

	/*
	 * The run died between writing a line and doing its step: "B 0 a"
	 * whose backup was never made (a was never moved aside), "B - c"
	 * with no "P" (c was never placed: the c there is the user's), "D
	 * full" the user has put a file in since: all left as they are,
	 * and the backup directory removed
	 */
	put("a", "old a", 0644);
	put("c", "the user's c", 0644);
	ck_assert_int_eq(mkdirat(rfd, "full", 0755), 0);
	put("full/mine", "mine", 0644);
	backup_dir("D full\nB 0 a\nB - c\n");
	ck_assert_int_eq(scan(0, NULL, &msg), 1);
	ck_assert_str_eq(get("a"), "old a");
	ck_assert_int_eq(scan(1, NULL, &msg), 0);
	ck_assert_str_eq(msg.buf, "khora: warning: P/" BDIR ": rolled back an "
			 "interrupted --force run\n");
	ck_assert_str_eq(get("a"), "old a");
	ck_assert_str_eq(get("c"), "the user's c");
	ck_assert_str_eq(get("full/mine"), "mine");
	ck_assert(!exists(BDIR));
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_parent_gone)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;

	/* the old sub/x was moved aside, then sub itself went (the user
	 * removed it): it cannot be put back, so nothing is, and its
	 * backup stays for the user */
	strbuf_addstr(&j, "B 0 sub/x\n");
	add_placed(&j, "new x", "sub/x");
	backup_dir(j.buf);
	put(BDIR "/0", "old x", 0644);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal:1", "cannot undo 'sub/x': No such "
		       "file or directory");
	ck_assert_str_eq(get(BDIR "/0"), "old x");
	ck_assert(exists(BDIR "/journal"));
	ck_assert(!exists("sub"));
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_directory_at_path)
{
	struct strbuf j = STRBUF_INIT, msg = STRBUF_INIT;

	/* a directory where the run placed a file: not khora's, kept */
	ck_assert_int_eq(mkdirat(rfd, "a", 0755), 0);
	put("a/inside", "user", 0644);
	strbuf_addstr(&j, "B 0 a\n");
	add_placed(&j, "new a", "a");
	backup_dir(j.buf);
	put(BDIR "/0", "old a", 0644);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal:1", "cannot read 'a': is not a "
		       "regular file");
	ck_assert_str_eq(get("a/inside"), "user");
	ck_assert_str_eq(get(BDIR "/0"), "old a");
	strbuf_release(&j);
	strbuf_release(&msg);
}
END_TEST

START_TEST(test_journal_too_large)
{
	struct strbuf msg = STRBUF_INIT;
	int fd;

	/* a planted journal larger than any khora writes is not read
	 * to its end (sparse: 65 MiB of NUL bytes cost no disk) */
	put("a", "keep", 0644);
	backup_dir(NULL);
	fd = openat(rfd, BDIR "/journal", O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)65 << 20), 0);
	close(fd);
	ck_assert_int_eq(scan(1, NULL, &msg), -1);
	assert_refused(&msg, "/journal", "larger than any journal khora "
		       "writes");
	ck_assert_str_eq(get("a"), "keep");
	ck_assert(exists(BDIR "/journal"));
	strbuf_release(&msg);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("recover");
	TCase *tc = tcase_create("recover");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_finished_and_empty);
	tcase_add_test(tc, test_hard_linked_backup);
	tcase_add_test(tc, test_symlink_placed);
	tcase_add_test(tc, test_changed_since);
	tcase_add_test(tc, test_not_a_file_at_path);
	tcase_add_loop_test(tc, test_bad_journal, 0,
			    (int)ARRAY_SIZE(bad_journals));
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_bad_backup_dir);
	tcase_add_test(tc, test_steps_never_taken);
	tcase_add_test(tc, test_parent_gone);
	tcase_add_test(tc, test_directory_at_path);
	tcase_add_test(tc, test_journal_too_large);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
