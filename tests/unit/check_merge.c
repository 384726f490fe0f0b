/* SPDX-License-Identifier: MIT */
/* check_merge.c - unit tests of core/merge.c (diff3 and unified diff). */
#include "unit.h"
#include <stdlib.h>
#include "merge.h"

static int
m3(const char *o, const char *a, const char *b, enum merge_favor f,
   struct strbuf *out)
{
	strbuf_reset(out);
	return merge3(o, strlen(o), a, strlen(a), b, strlen(b), f, out);
}

START_TEST(test_clean_merges)
{
	struct strbuf out = STRBUF_INIT;

	/* each side changes its own line */
	ck_assert_int_eq(m3("a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n",
			    "a\nb\nc\nd\nE\n", MERGE_MARKERS, &out), 0);
	ck_assert_str_eq(out.buf, "A\nb\nc\nd\nE\n");
	/* the same change on both sides is taken once */
	ck_assert_int_eq(m3("a\nb\n", "a\nX\n", "a\nX\n", MERGE_MARKERS,
			    &out), 0);
	ck_assert_str_eq(out.buf, "a\nX\n");
	/* insertions far apart, a deletion */
	ck_assert_int_eq(m3("1\n2\n3\n4\n5\n6\n", "0\n1\n2\n3\n4\n5\n6\n",
			    "1\n2\n3\n5\n6\n7\n", MERGE_MARKERS, &out), 0);
	ck_assert_str_eq(out.buf, "0\n1\n2\n3\n5\n6\n7\n");
	/* no final newline survives */
	ck_assert_int_eq(m3("a\nb", "a\nb", "a\nc", MERGE_MARKERS, &out), 0);
	ck_assert_str_eq(out.buf, "a\nc");
	/* empty base: identical sides */
	ck_assert_int_eq(m3("", "x\n", "x\n", MERGE_MARKERS, &out), 0);
	ck_assert_str_eq(out.buf, "x\n");
	strbuf_release(&out);
}
END_TEST

START_TEST(test_conflicts)
{
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(m3("a\nb\nc\n", "a\nB1\nc\n", "a\nB2\nc\n",
			    MERGE_MARKERS, &out), 1);
	ck_assert_str_eq(out.buf, "a\n<<<<<<< yours\nB1\n=======\nB2\n"
			 ">>>>>>> khora\nc\n");
	ck_assert(merge_has_markers(out.buf, out.len));
	ck_assert_int_eq(m3("a\nb\nc\n", "a\nB1\nc\n", "a\nB2\nc\n",
			    MERGE_OURS, &out), 1);
	ck_assert_str_eq(out.buf, "a\nB1\nc\n");
	ck_assert(!merge_has_markers(out.buf, out.len));
	ck_assert_int_eq(m3("a\nb\nc\n", "a\nB1\nc\n", "a\nB2\nc\n",
			    MERGE_THEIRS, &out), 1);
	ck_assert_str_eq(out.buf, "a\nB2\nc\n");
	/* both append at the end: a conflict, markers on their own lines */
	ck_assert_int_eq(m3("a\n", "a\nx", "a\ny", MERGE_MARKERS, &out), 1);
	ck_assert_str_eq(out.buf, "a\n<<<<<<< yours\nx\n=======\ny\n"
			 ">>>>>>> khora\n");
	/* two separate conflicts */
	ck_assert_int_eq(m3("1\n2\n3\n4\n5\n", "X\n2\n3\n4\nY\n",
			    "P\n2\n3\n4\nQ\n", MERGE_MARKERS, &out), 2);
	strbuf_release(&out);
}
END_TEST

static void
random_text(struct strbuf *sb, unsigned *seed, int lines)
{
	static const char *const words[] = { "a\n", "b\n", "c\n", "d\n",
					     "}\n", "\n" };
	int i;

	strbuf_reset(sb);
	for (i = 0; i < lines; i++)
		strbuf_addstr(sb, words[rand_r(seed) % 6]);
}

/* Identities any correct diff3 satisfies, on random texts. */
START_TEST(test_merge_identities)
{
	struct strbuf o = STRBUF_INIT, a = STRBUF_INIT, out = STRBUF_INIT;
	unsigned seed = 12345;
	int round;

	for (round = 0; round < 2000; round++) {
		random_text(&o, &seed, (int)(rand_r(&seed) % 30));
		random_text(&a, &seed, (int)(rand_r(&seed) % 30));
		/* unchanged theirs keeps ours, unchanged ours takes theirs */
		ck_assert_int_eq(m3(o.buf, a.buf, o.buf, MERGE_MARKERS,
				    &out), 0);
		ck_assert_str_eq(out.buf, a.buf);
		ck_assert_int_eq(m3(o.buf, o.buf, a.buf, MERGE_MARKERS,
				    &out), 0);
		ck_assert_str_eq(out.buf, a.buf);
		/* the same change on both sides */
		ck_assert_int_eq(m3(o.buf, a.buf, a.buf, MERGE_MARKERS,
				    &out), 0);
		ck_assert_str_eq(out.buf, a.buf);
	}
	strbuf_release(&o);
	strbuf_release(&a);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_udiff)
{
	struct strbuf out = STRBUF_INIT;
	const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
	const char *b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n";

	ck_assert_int_eq(merge_udiff("f", a, strlen(a), "f", a, strlen(a),
				     &out), 0);
	ck_assert_str_eq(out.buf, "");
	ck_assert_int_eq(merge_udiff("f", a, strlen(a), "f", b, strlen(b),
				     &out), 1);
	ck_assert_str_eq(out.buf, "--- a/f\n+++ b/f\n@@ -2,9 +2,10 @@\n"
			 " 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n+11\n");
	strbuf_reset(&out);
	ck_assert_int_eq(merge_udiff(NULL, "", 0, "n", "x", 1, &out), 1);
	ck_assert_str_eq(out.buf, "--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n"
			 "+x\n\\ No newline at end of file\n");
	strbuf_release(&out);
}
END_TEST

START_TEST(test_resolve_markers)
{
	struct strbuf out = STRBUF_INIT;
	const char *t = "a\n<<<<<<< yours\nB1\n=======\nB2\n>>>>>>> khora\n"
		"c\n<<<<<<< yours\nunclosed\n";

	ck_assert_int_eq(merge_resolve_markers(t, strlen(t), MERGE_OURS,
					       &out), 1);
	ck_assert_str_eq(out.buf, "a\nB1\nc\n<<<<<<< yours\nunclosed\n");
	strbuf_reset(&out);
	ck_assert_int_eq(merge_resolve_markers(t, strlen(t), MERGE_THEIRS,
					       &out), 1);
	ck_assert_str_eq(out.buf, "a\nB2\nc\n<<<<<<< yours\nunclosed\n");
	strbuf_release(&out);
}
END_TEST

/* a file of many distinct lines (the line interner grows several
 * times): each side's edit lands on its own line, a shared one
 * conflicts, and nothing else moves */
START_TEST(test_big_file)
{
	struct strbuf o = STRBUF_INIT, a = STRBUF_INIT, b = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT, out = STRBUF_INIT;
	int i;

	for (i = 0; i < 3000; i++) {
		strbuf_addf(&o, "line %d\n", i);
		strbuf_addf(&a, i == 10 ? "ours %d\n" : "line %d\n", i);
		strbuf_addf(&b, i == 2990 ? "theirs %d\n" : "line %d\n", i);
		strbuf_addf(&want, i == 10 ? "ours %d\n" : i == 2990 ?
			    "theirs %d\n" : "line %d\n", i);
	}
	ck_assert_int_eq(merge3(o.buf, o.len, a.buf, a.len, b.buf, b.len,
				MERGE_MARKERS, &out), 0);
	ck_assert_str_eq(out.buf, want.buf);
	/* both change line 1500: one conflict, both sides kept */
	strbuf_reset(&out);
	strbuf_reset(&a);
	strbuf_reset(&b);
	for (i = 0; i < 3000; i++) {
		strbuf_addf(&a, i == 1500 ? "ours %d\n" : "line %d\n", i);
		strbuf_addf(&b, i == 1500 ? "theirs %d\n" : "line %d\n", i);
	}
	ck_assert_int_eq(merge3(o.buf, o.len, a.buf, a.len, b.buf, b.len,
				MERGE_MARKERS, &out), 1);
	ck_assert_ptr_nonnull(strstr(out.buf, "line 1499\n<<<<<<< yours\n"
				     "ours 1500\n=======\ntheirs 1500\n"
				     ">>>>>>> khora\nline 1501\n"));
	ck_assert_uint_eq(out.len, o.len + strlen("<<<<<<< yours\n"
						  "ours 1500\n=======\n"
						  "theirs 1500\n>>>>>>> "
						  "khora\n") -
			  strlen("line 1500\n"));
	strbuf_release(&o);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&want);
	strbuf_release(&out);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("merge");

	tcase_add_test(tc, test_clean_merges);
	tcase_add_test(tc, test_conflicts);
	tcase_add_test(tc, test_merge_identities);
	tcase_add_test(tc, test_udiff);
	tcase_add_test(tc, test_resolve_markers);
	tcase_add_test(tc, test_big_file);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
