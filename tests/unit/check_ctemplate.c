/* SPDX-License-Identifier: MIT */
/*
 * check_ctemplate.c - each deliberate divergence from Google's
 * ctemplate shown both ways: khora's default, and ctemplate's behaviour
 * under {{%KHORA ...}} (the byte-for-byte comparison with libctemplate
 * itself is tests/compat); the pragmas' errors, and the positions of
 * errors in a template a strip mode rewrote.
 */
#include "unit.h"
#include <fcntl.h>
#include "stage.h"
#include "template.h"
#include "wrapper.h"

static struct tdict *dict;

static void
setup(void)
{
	dict = tdict_new(NULL);
	tdict_set(dict, "V", "v");
	tdict_set(dict, "H", "<a>\t'b'");
	tdict_show(dict, "S", 1);
	tdict_show(dict, "OFF", 0);
}

static void
teardown(void)
{
	tdict_free(dict);
}

/* The output of src, or "error: " and the diagnostic. */
static const char *
render(const char *src)
{
	static struct strbuf out = STRBUF_INIT;
	CAPTURE_DIAG(d, err);
	char *s = template_render_string("t.tmpl", src, dict, &d);

	strbuf_reset(&out);
	if (s)
		strbuf_addstr(&out, s);
	else
		strbuf_addf(&out, "error: %s", err.buf);
	free(s);
	strbuf_release(&err);
	return out.buf;
}

START_TEST(test_undefined_names)
{
	/* khora: an error with a position and a suggestion */
	ck_assert_str_eq(render("a {{W}}"), "error: khora: t.tmpl:1:3: "
			 "undefined variable 'W' (did you mean 'V'?)\n");
	ck_assert_str_eq(render("{{#T}}x{{/T}}"), "error: khora: t.tmpl:1:1: "
			 "undefined section 'T' (did you mean 'S'?)\n");
	/* ctemplate: empty, and hidden */
	ck_assert_str_eq(render("{{%KHORA undefined=empty}}[{{W}}]"
				"[{{#T}}x{{/T}}][{{^T}}y{{/T}}]{{V}}"),
			 "[][][y]v");
	ck_assert_str_eq(render("{{%KHORA undefined=error}}{{V}}"), "v");
}
END_TEST

START_TEST(test_standalone_lines)
{
	const char *src = "a\n  {{#S}}  \n{{! c }}\n\nb\n{{/S}}\n";

	/* khora: a line holding only a section or comment tag goes, a
	 * blank line stays */
	ck_assert_str_eq(render(src), "a\n\nb\n");
	ck_assert_str_eq(render("{{%KHORA strip=standalone}}\n"
				"{{#S}}\nx\n{{/S}}\n"), "x\n");
	/* ctemplate's DO_NOT_STRIP, STRIP_BLANK_LINES, STRIP_WHITESPACE */
	ck_assert_str_eq(render("{{%KHORA strip=none}}\n"
				"a\n  {{#S}}  \n{{! c }}\n\nb\n{{/S}}\n"),
			 "a\n    \n\n\nb\n\n");
	ck_assert_str_eq(render("{{%KHORA strip=blank-lines}}\n"
				"a\n  {{#S}}  \n{{! c }}\n\nb\n{{/S}}\n"),
			 "a\nb\n");
	ck_assert_str_eq(render("{{%KHORA strip=whitespace}}\n"
				"a\n  {{#S}}  \n{{! c }}\n\n b \n{{/S}}\n"),
			 "ab");
}
END_TEST

START_TEST(test_backslash_after_tag)
{
	/* khora keeps a shell continuation after a tag; ctemplate's
	 * modes take the backslash and keep the newline */
	ck_assert_str_eq(render("RUN a {{#S}}b{{/S}}\\\n  c\n"),
			 "RUN a b\\\n  c\n");
	ck_assert_str_eq(render("{{%KHORA strip=none}}RUN a {{#S}}b{{/S}}\\\n"
				"  c\n"), "RUN a b\n  c\n");
	/* never after a variable */
	ck_assert_str_eq(render("{{%KHORA strip=none}}{{V}}\\\n"), "v\\\n");
}
END_TEST

START_TEST(test_inverted_sections)
{
	/* ours: ctemplate refuses "{{^" (an invalid name) */
	ck_assert_str_eq(render("{{^OFF}}off{{/OFF}}{{^S}}on{{/S}}"), "off");
	ck_assert_str_eq(render("{{%KHORA strip=none}}{{^OFF}}o{{/OFF}}"),
			 "o");
}
END_TEST

START_TEST(test_modifiers_are_ctemplates)
{
	/* ctemplate's names and letters are ctemplate's escapers: h
	 * turns a tab into a space, khora's html keeps it */
	ck_assert_str_eq(render("{{H:h}}|{{H:html}}"),
			 "&lt;a&gt; &#39;b&#39;|&lt;a&gt;\t&#39;b&#39;");
	ck_assert_str_eq(render("{{H:j}} {{H:o}} {{H:u}}"),
			 "\\x3ca\\x3e\\t\\x27b\\x27 \\u003Ca\\u003E\\t'b' "
			 "%3Ca%3E%09%27b%27");
	ck_assert_str_eq(render("{{V:H}}"), "error: khora: t.tmpl:1:1: "
			 "unknown modifier 'H'\n");
	ck_assert_str_eq(render("{{V:H=x}}"), "error: khora: t.tmpl:1:1: "
			 "unknown modifier 'H=x'\n");
	ck_assert_str_eq(render("{{V:h=x}}"), "error: khora: t.tmpl:1:1: "
			 "unknown modifier 'h=x'\n");
}
END_TEST

START_TEST(test_autoescape)
{
	ck_assert_str_eq(render("{{%AUTOESCAPE context=\"JSON\"}}{{H}} "
				"{{H:o}} {{H:none}}"),
			 "\\x3ca\\x3e\\t\\x27b\\x27 \\u003Ca\\u003E\\t'b' "
			 "<a>\t'b'");
	ck_assert_str_eq(render("{{%AUTOESCAPE context=\"XML\"}}\n{{H}}"),
			 "&lt;a&gt;\t&#39;b&#39;");
	ck_assert_str_eq(render("{{%AUTOESCAPE context=\"HTML\"}}{{H}}"),
			 "error: khora: t.tmpl:1:1: AUTOESCAPE context 'HTML' "
			 "is not supported: it needs an HTML parser; name each "
			 "variable's modifier (:h, :j, :c...)\n");
	ck_assert_str_eq(render("x{{%AUTOESCAPE context=\"XML\"}}"),
			 "error: khora: t.tmpl:1:2: the AUTOESCAPE pragma must "
			 "come first in the template\n");
	ck_assert_str_eq(render("{{%AUTOESCAPE}}"), "error: khora: t.tmpl:1:1: "
			 "invalid AUTOESCAPE pragma: expected "
			 "{{%AUTOESCAPE context=\"JSON\"}}\n");
	ck_assert_str_eq(render("{{%AUTOESCAPE context=\"XML\" state=x}}"),
			 "error: khora: t.tmpl:1:1: invalid AUTOESCAPE pragma: "
			 "only context and state=\"default\" are known here\n");
	ck_assert_str_eq(render("{{%AUTOESCAPE context=YAML}}"),
			 "error: khora: t.tmpl:1:1: invalid AUTOESCAPE context "
			 "'YAML': expected JSON or XML\n");
	ck_assert_str_eq(render("{{%WHAT}}"), "error: khora: t.tmpl:1:1: "
			 "unknown pragma 'WHAT': expected AUTOESCAPE or "
			 "KHORA\n");
}
END_TEST

START_TEST(test_khora_pragma_errors)
{
	const char *bad = "invalid KHORA pragma: expected {{%KHORA "
			  "strip=standalone|none|blank-lines|whitespace "
			  "undefined=error|empty}}\n";
	char want[256];

	snprintf(want, sizeof(want), "error: khora: t.tmpl:1:1: %s", bad);
	ck_assert_str_eq(render("{{%KHORA strip=all}}"), want);
	ck_assert_str_eq(render("{{%KHORA undefined=maybe}}"), want);
	ck_assert_str_eq(render("{{%KHORA strip=none color=red}}"), want);
	ck_assert_str_eq(render("{{%KHORA strip=\"none}}"), want);
	ck_assert_str_eq(render("{{%KHORA strip=none\n}}"),
			 "error: khora: t.tmpl:1:1: unterminated tag: missing "
			 "'}}' before the end of the line\n");
	ck_assert_str_eq(render("x\n{{%KHORA strip=none}}"),
			 "error: khora: t.tmpl:2:1: the KHORA pragma must open "
			 "the template's first line\n");
	/* the pragma and its newline produce nothing */
	ck_assert_str_eq(render("{{%KHORA}}\nx"), "x");
	ck_assert_str_eq(render("{{%KHORA strip=none}}"), "");
}
END_TEST

START_TEST(test_positions_after_strip)
{
	/* errors name the line and column of the file, not of the text
	 * a strip mode rewrote */
	ck_assert_str_eq(render("{{%KHORA strip=blank-lines}}\n\n\n"
				"  {{#S}}\n   {{W}}\n{{/S}}\n"),
			 "error: khora: t.tmpl:5:4: undefined variable 'W' "
			 "(did you mean 'V'?)\n");
	ck_assert_str_eq(render("{{%KHORA strip=whitespace}}\n a\n\n"
				"   b {{W}}\n"),
			 "error: khora: t.tmpl:4:6: undefined variable 'W' "
			 "(did you mean 'V'?)\n");
	ck_assert_str_eq(render("{{%KHORA strip=none}} {{W}}"),
			 "error: khora: t.tmpl:1:23: undefined variable 'W' "
			 "(did you mean 'V'?)\n");
	/* lines counted in the text between the rewrite's marks */
	ck_assert_str_eq(render("{{%KHORA strip=none}}\na\n\nb\n  {{W}}"),
			 "error: khora: t.tmpl:5:3: undefined variable 'W' "
			 "(did you mean 'V'?)\n");
	ck_assert_str_eq(render("{{%KHORA strip=blank-lines}}\n\n \nx\n"
				"{{! c }}\ny\nz {{W}}"),
			 "error: khora: t.tmpl:7:3: undefined variable 'W' "
			 "(did you mean 'V'?)\n");
	ck_assert_str_eq(render("{{%KHORA strip=blank-lines}}\n{{#S}}\n"),
			 "error: khora: t.tmpl:2:1: section 'S' is never "
			 "closed\n");
}
END_TEST

START_TEST(test_triple_braces)
{
	/* ctemplate reads "{{{V}}}" as "{" {{V}} "}"; khora did refuse */
	ck_assert_str_eq(render("{{{V}}}"), "{v}");
	ck_assert_str_eq(render("{{=(( ))=}}(((V)))"), "(v)");
}
END_TEST

/* Writes text to dir/name. */
static void
put(const char *dir, const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* Renders dir/main; the output, or "error: " and the diagnostic. */
static const char *
render_file(const char *dir)
{
	static struct strbuf out = STRBUF_INIT;
	struct template *t;
	struct tcache c;
	CAPTURE_DIAG(d, err);

	tcache_init(&c);
	strbuf_reset(&out);
	t = tcache_get(&c, dir, "main", "main", &d);
	if (!t || template_render(t, dict, &c, &out, &d)) {
		strbuf_reset(&out);
		strbuf_addf(&out, "error: %s", err.buf);
	}
	tcache_release(&c);
	strbuf_release(&err);
	return out.buf;
}

START_TEST(test_include_indentation)
{
	char dir[] = "/tmp/khora-ct-XXXXXX";
	char *big = xmalloc(1 << 20), *many = xmalloc(1 << 17);
	const char *main_ = "{{%KHORA strip=none}}\n  {{>inc}}\n";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "inc", "a\nb\n", 4);
	/* khora: the include is rendered where it stands */
	put(dir, "main", "  {{>inc}}\n", 11);
	ck_assert_str_eq(render_file(dir), "  a\nb\n\n");
	/* ctemplate: every line of it indented, the last break too */
	put(dir, "main", main_, strlen(main_));
	ck_assert_str_eq(render_file(dir), "  a\n  b\n  \n");
	/* a long indentation times many lines stops at the cap, with
	 * the size error, not after 128 GiB */
	memset(big, ' ', 1 << 20);
	memcpy(big, "{{%KHORA strip=none}}\n", 22);
	memcpy(big + (1 << 20) - 8, "{{>inc}}", 8);
	put(dir, "main", big, 1 << 20);
	memset(many, '\n', 1 << 17);
	put(dir, "inc", many, 1 << 17);
	ck_assert_str_eq(render_file(dir), "error: khora: main: cannot render "
			 "template: the text would be larger than 64 MiB\n");
	free(big);
	free(many);
	ck_assert_int_eq(remove_tree(AT_FDCWD, dir), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ctemplate");
	TCase *tc = tcase_create("ctemplate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_undefined_names);
	tcase_add_test(tc, test_standalone_lines);
	tcase_add_test(tc, test_backslash_after_tag);
	tcase_add_test(tc, test_inverted_sections);
	tcase_add_test(tc, test_modifiers_are_ctemplates);
	tcase_add_test(tc, test_autoescape);
	tcase_add_test(tc, test_khora_pragma_errors);
	tcase_add_test(tc, test_positions_after_strip);
	tcase_add_test(tc, test_triple_braces);
	tcase_add_test(tc, test_include_indentation);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
