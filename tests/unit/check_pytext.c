/* SPDX-License-Identifier: MIT */
/*
 * check_pytext.c - the Python text of plugins/pytext.h at its edges:
 * where a docstring or an assignment stops fitting a line (one column
 * either side), what free text is escaped to, and that no line the
 * wrapper writes is longer than asked unless it is one word.  The
 * tools themselves (black, flake8) judge the output in e2e 9200-9204.
 */
#include "unit.h"
#include "escape.h"
#include "../../plugins/pytext.h"

/* the two host calls pytext_assign_str makes, as the core does them */
static char *
stub_quote_python(khora_ctx *ctx, const char *value)
{
	struct strbuf sb = STRBUF_INIT;

	(void)ctx;
	escape_add(&sb, ESC_PYTHON, value);
	return strbuf_detach(&sb, NULL);
}

static void
stub_free(khora_ctx *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

static const struct khora_host stub_host = {
	.quote_python = stub_quote_python,
	.free = stub_free,
};

/* every line of s fits width, or is one word (E501 allows it) */
static void
assert_lines_fit(const char *s, size_t width)
{
	const char *p = s, *eol;

	for (; *p; p = *eol ? eol + 1 : eol) {
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (pytext_width(p, (size_t)(eol - p)) > width)
			ck_assert_msg(!memchr(p, ' ', (size_t)(eol - p)),
				      "line too long: %.*s", (int)(eol - p),
				      p);
	}
}

static void
assert_doc(const char *const *paras, size_t nr, size_t width,
	   const char *want)
{
	char *got = pytext_docstring(paras, nr, width);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_wrap)
{
	char *s = pytext_wrap("aaa bbb ccc", 7, 0);

	ck_assert_str_eq(s, "aaa bbb\nccc");
	free(s);
	/* the first line starts after the opening quotes */
	s = pytext_wrap("aaa bbb ccc", 7, 3);
	ck_assert_str_eq(s, "aaa\nbbb ccc");
	free(s);
	/* a word longer than a line stands alone, never cut */
	s = pytext_wrap("a bbbbbbbbbb c", 5, 0);
	ck_assert_str_eq(s, "a\nbbbbbbbbbb\nc");
	free(s);
	/* white space and control characters: one blank */
	s = pytext_wrap("  a\t\n\r\x01 b  ", 80, 0);
	ck_assert_str_eq(s, "a b");
	free(s);
	/* and the C1 controls, U+2028 and U+2029: line breaks to black */
	s = pytext_wrap("a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9"
			"d\xc2\xa0" "e", 80, 0);
	ck_assert_str_eq(s, "a b c d\xc2\xa0" "e");
	free(s);
	/* code points, not bytes: "é" is one column */
	s = pytext_wrap("\xc3\xa9\xc3\xa9\xc3\xa9 b", 5, 0);
	ck_assert_str_eq(s, "\xc3\xa9\xc3\xa9\xc3\xa9 b");
	free(s);
}
END_TEST

START_TEST(test_wrap_escapes)
{
	char *s = pytext_wrap("a\\b", 80, 0);

	ck_assert_str_eq(s, "a\\\\b");
	free(s);
	/* no three quotes in a row, none next to the docstring's own */
	s = pytext_wrap("x \"\"\" y", 80, 0);
	ck_assert_str_eq(s, "x \\\"\\\"\" y");
	free(s);
	s = pytext_wrap("\"hi\"", 80, 0);
	ck_assert_str_eq(s, "\\\"hi\\\"");
	free(s);
	s = pytext_wrap("say \"hi\" now", 80, 0);
	ck_assert_str_eq(s, "say \"hi\" now");
	free(s);
}
END_TEST

/* a huge word of characters that all need escaping: no overflow */
START_TEST(test_wrap_huge_word)
{
	size_t n = 20000, i, lines = 1;
	char *text = malloc(n + 1), *s;
	const char *paras[2] = { "Summary.", NULL };

	ck_assert_ptr_nonnull(text);
	memset(text, '\\', n);
	text[n] = '\0';
	s = pytext_wrap(text, 79, 0);
	ck_assert_ptr_nonnull(s);
	for (i = 0; s[i]; i++)
		lines += s[i] == '\n';
	ck_assert_uint_eq(i, 2 * n + lines - 1);
	ck_assert_uint_gt(lines, 4);
	free(s);
	paras[1] = text;
	s = pytext_docstring(paras, 2, 79);
	ck_assert_ptr_nonnull(s);
	free(s);
	free(text);
}
END_TEST

START_TEST(test_docstring_one_line)
{
	const char *one[] = { "Routers of the abc API." };

	/* 3 + 23 + 3 = 29 columns */
	assert_doc(one, 1, 29, "\"\"\"Routers of the abc API.\"\"\"");
	/* the closing quotes go to their own line first, as black does */
	assert_doc(one, 1, 28, "\"\"\"Routers of the abc API.\n\"\"\"");
	assert_doc(one, 1, 25, "\"\"\"Routers of the abc\nAPI.\n\"\"\"");
}
END_TEST

START_TEST(test_docstring_one_line_beyond_72)
{
	char text[128], want[160];
	const char *one[1];

	/* a one-line docstring may use the whole line length, not 72 */
	memset(text, 'x', 80);
	memcpy(text + 80, " y.", 4);
	one[0] = text;
	snprintf(want, sizeof(want), "\"\"\"%s\"\"\"", text);
	assert_doc(one, 1, 89, want);
	/* prose that does not fit is wrapped at 72 */
	snprintf(want, sizeof(want), "\"\"\"%.80s\ny.\n\"\"\"", text);
	assert_doc(one, 1, 88, want);
}
END_TEST

START_TEST(test_docstring_paragraphs)
{
	const char *paras[] = { "svc package.", NULL, "", "A small service" };
	const char *lit[] = {
		"Summary.", "    cmd one\n    cmd two --long-option",
	};

	assert_doc(paras, 4, 88,
		   "\"\"\"svc package.\n\nA small service\n\"\"\"");
	/* one paragraph left: one line */
	paras[3] = NULL;
	assert_doc(paras, 4, 88, "\"\"\"svc package.\"\"\"");
	/* a literal block is kept line by line while it fits */
	assert_doc(lit, 2, 79, "\"\"\"Summary.\n\n    cmd one\n"
		   "    cmd two --long-option\n\"\"\"");
	/* and wrapped as prose when it does not */
	assert_doc(lit, 2, 20, "\"\"\"Summary.\n\ncmd one cmd two\n"
		   "--long-option\n\"\"\"");
	/* nor when it holds what would need escaping */
	lit[1] = "    a \\ b";
	assert_doc(lit, 2, 79, "\"\"\"Summary.\n\na \\\\ b\n\"\"\"");
}
END_TEST

START_TEST(test_docstring_lines_fit)
{
	static const char *const texts[] = {
		"HTTP API of a-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-b-"
		"b-b-b-b-b-b-b-bc (FastAPI).",
		"An order service that takes \"orders\", checks them against "
		"the catalogue's rules, and answers: it's long on purpose, "
		"well over a hundred and twenty characters, #not-a-comment",
		"Say \"hi\" & it's fine: #1 \\ {{x}} $(id) `w` ${HOME}",
	};
	size_t i, width;

	for (i = 0; i < ARRAY_SIZE(texts); i++)
		for (width = 79; width <= 120; width++) {
			const char *paras[] = { "Summary.", texts[i] };
			char *doc = pytext_docstring(paras, 2, width);

			ck_assert_ptr_nonnull(doc);
			assert_lines_fit(doc, width);
			/* the closing quotes are the first after the opening */
			ck_assert_ptr_eq(strstr(doc + 3, "\"\"\""),
					 doc + strlen(doc) - 3);
			free(doc);
		}
}
END_TEST

START_TEST(test_assign)
{
	char *s;

	/* "author = " is 9 columns, the literal 12: 21 in all */
	s = pytext_assign("author", "\"0123456789\"", 21);
	ck_assert_str_eq(s, "author = \"0123456789\"");
	free(s);
	s = pytext_assign("author", "\"0123456789\"", 20);
	ck_assert_str_eq(s, "author = (\n    \"0123456789\"\n)");
	free(s);
	s = pytext_assign("author", "\"0123456789\"", 16);
	ck_assert_str_eq(s, "author = (\n    \"0123456789\"\n)");
	/* too long even alone: black leaves it on the one line */
	free(s);
	s = pytext_assign("author", "\"0123456789\"", 15);
	ck_assert_str_eq(s, "author = \"0123456789\"");
	free(s);
}
END_TEST

static void
assert_assign_str(const char *value, size_t width, const char *want)
{
	char *got = pytext_assign_str(NULL, &stub_host, "author", value,
				      width);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_assign_str)
{
	/* the literal fits a line of its own: pytext_assign's forms */
	assert_assign_str("ab cd", 16, "author = \"ab cd\"");
	assert_assign_str("ab cd", 11, "author = (\n    \"ab cd\"\n)");
	/* else one literal a line, cut after blanks, each fitting */
	assert_assign_str("ab cd", 10, "author = (\n    \"ab \"\n"
			  "    \"cd\"\n)");
	assert_assign_str("ab cd ef", 13, "author = (\n    \"ab cd \"\n"
			  "    \"ef\"\n)");
	/* each piece quoted as black would quote it alone */
	assert_assign_str("it's \"so\" it's", 14, "author = (\n"
			  "    \"it's \"\n    '\"so\" '\n    \"it's\"\n)");
	/* one word too long for a line stays whole */
	assert_assign_str("abcdefghijkl", 10, "author = \"abcdefghijkl\"");
	assert_assign_str("abcdefghijkl m", 10, "author = (\n"
			  "    \"abcdefghijkl \"\n    \"m\"\n)");
}
END_TEST

static Suite *
pytext_suite(void)
{
	Suite *s = suite_create("pytext");
	TCase *tc = tcase_create("pytext");

	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_wrap_escapes);
	tcase_add_test(tc, test_wrap_huge_word);
	tcase_add_test(tc, test_docstring_one_line);
	tcase_add_test(tc, test_docstring_one_line_beyond_72);
	tcase_add_test(tc, test_docstring_paragraphs);
	tcase_add_test(tc, test_docstring_lines_fit);
	tcase_add_test(tc, test_assign);
	tcase_add_test(tc, test_assign_str);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(pytext_suite)
