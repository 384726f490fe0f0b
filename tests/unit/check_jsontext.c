/* SPDX-License-Identifier: MIT */
/*
 * check_jsontext.c - the JSON text of a program's output (core/jsontext.c):
 * UTF-8 kept as it is, every other byte, control character, quote and
 * backslash escaped so that the line is valid JSON and valid UTF-8.
 */
#include "unit.h"
#include "jsontext.h"

static void
is(const char *in, size_t len, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	json_add_text(&sb, in, len);
	ck_assert_str_eq(sb.buf, want);
	strbuf_release(&sb);
}

#define IS(lit, want) is(lit, sizeof(lit) - 1, want)

START_TEST(test_json_text)
{
	IS("plain \"q\" \\ end", "plain \\\"q\\\" \\\\ end");
	IS("a\tb\nc\r\x01\x7f", "a\\tb\\nc\\u000d\\u0001\\u007f");
	IS("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	   "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* a NUL inside is a character too */
	IS("a\0b", "a\\u0000b");
	/* not UTF-8: a stray byte, overlong, a surrogate, past U+10FFFF,
	 * cut short at the end */
	IS("x\xffy", "x\\ufffdy");
	IS("\xc0\xaf", "\\ufffd\\ufffd");
	IS("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd");
	IS("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");
	IS("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	IS("ok\xe2\x82", "ok\\ufffd\\ufffd");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("jsontext");
	TCase *tc = tcase_create("jsontext");

	tcase_add_test(tc, test_json_text);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
