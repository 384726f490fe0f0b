/* SPDX-License-Identifier: MIT */
/* check_diag.c - one-line diagnostics, JSON form, first code wins. */
#include "unit.h"

START_TEST(test_text)
{
	CAPTURE_DIAG(d, out);
	struct diag_loc loc = { "khora.yaml", 3, 7 };

	ck_assert_int_eq(diag_error(&d, EXIT_CONFIG, &loc, "bad %s", "key"),
			 -1);
	ck_assert_str_eq(out.buf, "khora: khora.yaml:3:7: bad key\n");
	/* later errors keep the first code and are not printed */
	diag_error(&d, EXIT_IO, NULL, "second");
	ck_assert_int_eq(diag_exit_code(&d), EXIT_CONFIG);
	ck_assert_str_eq(out.buf, "khora: khora.yaml:3:7: bad key\n");
	strbuf_release(&out);
}
END_TEST

START_TEST(test_one_line)
{
	CAPTURE_DIAG(d, out);

	diag_error(&d, EXIT_PLUGIN, NULL, "a\nb\tc\x7f");
	ck_assert_str_eq(out.buf, "khora: a\\nb\\x09c\\x7f\n");
	strbuf_release(&out);
}
END_TEST

START_TEST(test_json)
{
	CAPTURE_DIAG(d, out);
	struct diag_loc loc = { "t.tmpl", 1, 2 };

	d.json = 1;
	d.phase = "render";
	d.plugin = "python";
	diag_warn(&d, NULL, "quote \" here");
	diag_error(&d, EXIT_TEMPLATE, &loc, "undefined");
	ck_assert_str_eq(out.buf,
		"{\"severity\":\"warning\",\"code\":0,\"message\":\"quote "
		"\\\" here\",\"file\":null,\"line\":null,\"column\":null,"
		"\"plugin\":\"python\",\"phase\":\"render\"}\n"
		"{\"severity\":\"error\",\"code\":5,\"message\":\"undefined\","
		"\"file\":\"t.tmpl\",\"line\":1,\"column\":2,\"plugin\":"
		"\"python\",\"phase\":\"render\"}\n");
	strbuf_release(&out);
}
END_TEST

START_TEST(test_demote)
{
	CAPTURE_DIAG(d, out);

	d.demote = 1;
	ck_assert_int_eq(diag_error(&d, EXIT_PLUGIN, NULL, "skipped"), -1);
	ck_assert_int_eq(diag_exit_code(&d), 0);
	ck_assert_str_eq(out.buf, "khora: warning: skipped\n");
	strbuf_release(&out);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("diag");

	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_one_line);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_demote);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
