/* SPDX-License-Identifier: MIT */
/*
 * check_template.c - every construct of the template engine: variables,
 * modifiers, sections, inverted sections, separators, includes,
 * comments, delimiter changes, builtins, standalone-line trimming, and
 * the strict errors with template:line:col.
 */
#include "unit.h"
#include <fcntl.h>
#include <sys/stat.h>
#include "stage.h"
#include "template.h"

static struct tdict *dict;

static void
setup(void)
{
	struct tdict *it;

	dict = tdict_new(NULL);
	tdict_set(dict, "name", "My App");
	tdict_set(dict, "html", "<a href=\"x\">&'</a>");
	tdict_set(dict, "quote", "say \"hi\"\\\n");
	tdict_show(dict, "on", 1);
	tdict_show(dict, "off", 0);
	tdict_show(dict, "empty", 0);
	it = tdict_add_section(dict, "deps");
	tdict_set(it, "item", "fastapi");
	it = tdict_add_section(dict, "deps");
	tdict_set(it, "item", "httpx");
	it = tdict_add_section(dict, "deps");
	tdict_set(it, "item", "uvicorn");
}

static void
teardown(void)
{
	tdict_free(dict);
}

/* Renders src; returns the output (static) or the error line. */
static const char *
render(const char *src)
{
	static struct strbuf out = STRBUF_INIT;
	struct tcache c;
	struct template *t;
	CAPTURE_DIAG(d, err);

	tcache_init(&c);
	strbuf_reset(&out);
	t = template_parse("t.tmpl", src, strlen(src), &d);
	if (t && template_render(t, dict, &c, &out, &d) == 0) {
		template_free(t);
		tcache_release(&c);
		strbuf_release(&err);
		return out.buf;
	}
	template_free(t);
	tcache_release(&c);
	strbuf_reset(&out);
	strbuf_addstr(&out, err.buf);
	strbuf_release(&err);
	return out.buf;
}

START_TEST(test_variables)
{
	ck_assert_str_eq(render("hello {{name}}!"), "hello My App!");
	ck_assert_str_eq(render("{{ name }}"), "My App");
	ck_assert_str_eq(render("no tags at all\n"), "no tags at all\n");
	ck_assert_str_eq(render("a{{BI_SPACE}}b{{BI_NEWLINE}}c"), "a b\nc");
	ck_assert_str_eq(render(""), "");
}
END_TEST

START_TEST(test_modifiers)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_str_eq(render("{{html:html}}"),
			 "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	ck_assert_str_eq(render("{{html:h}}"), render("{{html:html}}"));
	ck_assert_str_eq(render("{{quote:json}}"), "say \\\"hi\\\"\\\\\\n");
	ck_assert_str_eq(render("{{quote:x-yaml}}"),
			 "\"say \\\"hi\\\"\\\\\\n\"");
	/* characters YAML refuses raw, or folds, are escaped */
	ck_assert_int_eq(template_apply_modifier("x-yaml", "a\x7f\xc2\x85"
						 "\xe2\x80\xa8\xef\xbf\xbe",
						 &sb), 0);
	ck_assert_str_eq(sb.buf, "\"a\\x7F\\N\\L\\uFFFE\"");
	strbuf_release(&sb);
	ck_assert_str_eq(render("{{quote:x-toml}}"),
			 "\"say \\\"hi\\\"\\\\\\n\"");
	ck_assert_str_eq(render("{{name:url}}"), "My%20App");
	ck_assert_str_eq(render("{{name:x-snake}}"), "my_app");
	ck_assert_str_eq(render("{{name:x-kebab}}"), "my-app");
	ck_assert_str_eq(render("{{name:x-pascal}}"), "MyApp");
	ck_assert_str_eq(render("{{name:x-upper}}"), "MY APP");
	ck_assert_str_eq(render("{{name:x-lower}}"), "my app");
	ck_assert_str_eq(render("{{name:x-snake:x-upper}}"), "MY_APP");
}
END_TEST

/* Python literals as black and ruff format leave them: fewest escapes */
START_TEST(test_python_modifier)
{
	static const char *const cases[][2] = {
		{ "plain", "\"plain\"" },
		{ "it's", "\"it's\"" },
		{ "say \"hi\"", "'say \"hi\"'" },
		{ "\"a\" 'b'", "\"\\\"a\\\" 'b'\"" },
		{ "it's \"x\" \"y\"", "'it\\'s \"x\" \"y\"'" },
		{ "C:\\x\n\t\r\x01\x7f\xc3\xa9",
		  "\"C:\\\\x\\n\\t\\r\\x01\\x7f\xc3\xa9\"" },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		strbuf_reset(&sb);
		ck_assert_int_eq(template_apply_modifier("x-python",
							 cases[i][0], &sb), 0);
		ck_assert_str_eq(sb.buf, cases[i][1]);
	}
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_case_modifiers)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_int_eq(template_apply_modifier("x-snake", "HTTPServer2Go",
						 &sb), 0);
	ck_assert_str_eq(sb.buf, "httpserver2_go");
	strbuf_reset(&sb);
	template_apply_modifier("x-pascal", "my-fancy_app.v2", &sb);
	ck_assert_str_eq(sb.buf, "MyFancyAppV2");
	strbuf_reset(&sb);
	template_apply_modifier("x-kebab", "myFancyApp", &sb);
	ck_assert_str_eq(sb.buf, "my-fancy-app");
	ck_assert_int_eq(template_apply_modifier("nope", "x", &sb), -1);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_sections)
{
	ck_assert_str_eq(render("{{#on}}yes{{/on}}{{#off}}no{{/off}}"), "yes");
	ck_assert_str_eq(render("{{^off}}shown{{/off}}{{^on}}hidden{{/on}}"),
			 "shown");
	ck_assert_str_eq(render("{{#deps}}[{{item}}]{{/deps}}"),
			 "[fastapi][httpx][uvicorn]");
	/* names resolve through the parent dictionary */
	ck_assert_str_eq(render("{{#deps}}{{name}};{{/deps}}"),
			 "My App;My App;My App;");
	ck_assert_str_eq(render("{{#empty}}x{{/empty}}"
				"{{^empty}}none{{/empty}}"), "none");
}
END_TEST

START_TEST(test_separator)
{
	ck_assert_str_eq(render("{{#deps}}{{item}}{{#deps_separator}}, "
				"{{/deps_separator}}{{/deps}}"),
			 "fastapi, httpx, uvicorn");
}
END_TEST

START_TEST(test_standalone_trim)
{
	/* section lines vanish whole; inline sections keep their line */
	ck_assert_str_eq(render("deps:\n{{#deps}}\n  - {{item}}\n{{/deps}}\n"
				"end\n"),
			 "deps:\n  - fastapi\n  - httpx\n  - uvicorn\nend\n");
	ck_assert_str_eq(render("a\n  {{! comment }}  \nb\n"), "a\nb\n");
	ck_assert_str_eq(render("a {{#on}}x{{/on}}\n"), "a x\n");
	ck_assert_str_eq(render("{{#off}}\nno\n{{/off}}\nlast"), "last");
	ck_assert_str_eq(render("x\r\n{{#on}}\r\ny\r\n{{/on}}\r\n"),
			 "x\r\ny\r\n");
}
END_TEST

START_TEST(test_comment_and_delims)
{
	ck_assert_str_eq(render("a{{! ignored }}b"), "ab");
	ck_assert_str_eq(render("{{=<% %>=}}run: ${{ github.sha }} <%name%>"),
			 "run: ${{ github.sha }} My App");
	ck_assert_str_eq(render("{{=<% %>=}}\n<%#on%>\n${{ x }}\n<%/on%>\n"
				"<%={{ }}=%>\n{{name}}"),
			 "${{ x }}\nMy App");
}
END_TEST

START_TEST(test_errors)
{
	ck_assert_str_eq(render("line1\n  {{nmae}}"),
			 "khora: t.tmpl:2:3: undefined variable 'nmae' (did "
			 "you mean 'name'?)\n");
	ck_assert_str_eq(render("{{#on}}x"), "khora: t.tmpl:1:1: section 'on' "
			 "is never closed\n");
	ck_assert_str_eq(render("{{#on}}x{{/off}}"), "khora: t.tmpl:1:9: "
			 "'/off' closes section 'on' opened at line 1\n");
	ck_assert_str_eq(render("ab {{name"), "khora: t.tmpl:1:4: unterminated "
			 "tag: missing '}}'\n");
	ck_assert_str_eq(render("{{name:x-snak}}"), "khora: t.tmpl:1:1: "
			 "unknown modifier 'x-snak' (did you mean "
			 "'x-snake'?)\n");
	ck_assert_str_eq(render("{{#onn}}x{{/onn}}"), "khora: t.tmpl:1:1: "
			 "undefined section 'onn' (did you mean 'on'?)\n");
	ck_assert_str_eq(render("{{/on}}"), "khora: t.tmpl:1:1: 'on' closes a "
			 "section that is not open\n");
	ck_assert_str_eq(render("{{=<% =}}"), "khora: t.tmpl:1:1: invalid "
			 "delimiter change: expected {{=OPEN CLOSE=}}\n");
	ck_assert_str_eq(render("{{bad name}}"), "khora: t.tmpl:1:1: invalid "
			 "variable name 'bad name'\n");
	ck_assert_str_eq(render("{{>x/../../etc}}"), "khora: t.tmpl:1:1: "
			 "invalid include name 'x/../../etc'\n");
}
END_TEST

/* A hostile template hits a limit with an error at its tag, never a
 * crash or an unbounded stack */
START_TEST(test_limits)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < 65; i++)
		strbuf_addstr(&sb, "{{#on}}");
	ck_assert_str_eq(render(sb.buf), "khora: t.tmpl:1:449: sections "
			 "nested too deep\n");
	strbuf_reset(&sb);
	for (i = 0; i < 64; i++)
		strbuf_addstr(&sb, "{{#on}}");
	strbuf_addstr(&sb, "x");
	for (i = 0; i < 64; i++)
		strbuf_addstr(&sb, "{{/on}}");
	ck_assert_str_eq(render(sb.buf), "x");
	ck_assert_str_eq(render("{{name:x-upper:x-lower:x-upper:x-lower:"
				"x-upper}}"), "khora: t.tmpl:1:1: more than 4 "
			 "modifiers\n");
	ck_assert_str_eq(render("{{name:x-upper:x-lower:x-upper:x-upper}}"),
			 "MY APP");
	ck_assert_str_eq(render("a {{name\n}}"), "khora: t.tmpl:1:3: "
			 "unterminated tag: missing '}}' before the end of the "
			 "line\n");
	ck_assert_str_eq(render("{{=<% %>=}}<%name%>"), "My App");
	ck_assert_str_eq(render("{{=x=}}"), "khora: t.tmpl:1:1: invalid "
			 "delimiter change: expected {{=OPEN CLOSE=}}\n");
	ck_assert_str_eq(render("{{==}}"), "khora: t.tmpl:1:1: invalid "
			 "delimiter change: expected {{=OPEN CLOSE=}}\n");
	strbuf_release(&sb);
}
END_TEST

/* Includes, and the cache: a template is parsed once however often used. */
START_TEST(test_include_and_cache)
{
	char dir[] = "/tmp/khora-tmpl-XXXXXX";
	char path[256], inc[256];
	struct strbuf out = STRBUF_INIT;
	struct template *t;
	struct tcache c;
	FILE *f;
	int i;
	CAPTURE_DIAG(d, err);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.tmpl", dir);
	snprintf(inc, sizeof(inc), "%s/part.tmpl", dir);
	f = fopen(path, "w");
	fputs("<{{>part.tmpl}}>", f);
	fclose(f);
	f = fopen(inc, "w");
	fputs("{{name}}", f);
	fclose(f);
	tcache_init(&c);
	for (i = 0; i < 3; i++) {
		t = tcache_get(&c, dir, "main.tmpl", "main.tmpl", &d);
		ck_assert_ptr_nonnull(t);
		strbuf_reset(&out);
		ck_assert_int_eq(template_render(t, dict, &c, &out, &d), 0);
		ck_assert_str_eq(out.buf, "<My App>");
	}
	ck_assert_uint_eq(c.parsed, 2);
	/* run 1: two misses; runs 2 and 3: main and part both hit */
	ck_assert_uint_eq(c.hits, 4);
	/* a template that includes itself is an error, not a stack overflow */
	f = fopen(inc, "w");
	fputs("{{>part.tmpl}}", f);
	fclose(f);
	tcache_release(&c);
	tcache_init(&c);
	t = tcache_get(&c, dir, "part.tmpl", "part.tmpl", &d);
	strbuf_reset(&out);
	ck_assert_int_eq(template_render(t, dict, &c, &out, &d), -1);
	ck_assert_str_eq(err.buf, "khora: part.tmpl:1:1: cannot include "
			 "'part.tmpl': the include is recursive\n");
	ck_assert_ptr_null(tcache_get(&c, "/nonexistent", "x", "x.tmpl",
				       &d));
	tcache_release(&c);
	unlink(path);
	unlink(inc);
	rmdir(dir);
	strbuf_release(&out);
	strbuf_release(&err);
}
END_TEST

/* Why template_open() refuses root/rel, or NULL when it opens it. */
static const char *
refused(const char *root, const char *rel)
{
	const char *why;
	int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;

	ck_assert_int_ge(rfd, 0);
	fd = template_open(rfd, rel, &why);
	close(rfd);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? NULL : why;
}

/* template_open(): below the root, no link anywhere, no odd file. */
START_TEST(test_open_confined)
{
	char dir[] = "/tmp/khora-topen-XXXXXX", path[128];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tpl", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tpl/sub", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tpl/sub/a", dir);
	f = fopen(path, "w");
	fputs("a", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/secret", dir);
	f = fopen(path, "w");
	fputs("s", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/tpl/in", dir);
	ck_assert_int_eq(symlink("sub/a", path), 0);
	snprintf(path, sizeof(path), "%s/tpl/out", dir);
	ck_assert_int_eq(symlink("../secret", path), 0);
	snprintf(path, sizeof(path), "%s/tpl/linkdir", dir);
	ck_assert_int_eq(symlink("sub", path), 0);
	snprintf(path, sizeof(path), "%s/tpl/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/tpl", dir);
	ck_assert_ptr_null(refused(path, "sub/a"));
	ck_assert_ptr_null(refused(path, "./sub//a"));
	ck_assert_str_eq(refused(path, "in"), "is a symbolic link (khora "
			 "never follows links in a template)");
	ck_assert_str_eq(refused(path, "out"), "is a symbolic link (khora "
			 "never follows links in a template)");
	ck_assert_str_eq(refused(path, "linkdir/a"), "goes through a "
			 "symbolic link (khora never follows links in a "
			 "template)");
	ck_assert_str_eq(refused(path, "fifo"), "is a FIFO, not a regular "
			 "file");
	ck_assert_str_eq(refused(path, "../secret"), "names a path outside "
			 "the template");
	ck_assert_str_eq(refused(path, "sub/../../secret"), "names a path "
			 "outside the template");
	ck_assert_str_eq(refused(path, "sub"), strerror(EISDIR));
	ck_assert_str_eq(refused(path, "nope"), strerror(ENOENT));
	ck_assert_str_eq(refused(path, "sub/a/b"), strerror(ENOTDIR));
	ck_assert_int_eq(remove_tree(AT_FDCWD, dir), 0);
}
END_TEST

/*
 * The root is opened once: after the template directory is swapped for
 * a link to another directory, a read through the descriptor (and
 * through a cache that opened the root before) still reads the
 * original, never what the link points to.
 */
START_TEST(test_open_root_once)
{
	char dir[] = "/tmp/khora-troot-XXXXXX", path[128], moved[128];
	struct strbuf out = STRBUF_INIT;
	struct tcache c;
	struct template *t;
	const char *why;
	char buf[16];
	ssize_t n;
	int rfd, fd;
	FILE *f;
	CAPTURE_DIAG(d, err);

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tpl", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/secret", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/tpl/a", dir);
	f = fopen(path, "w");
	fputs("good", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/secret/a", dir);
	f = fopen(path, "w");
	fputs("evil", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/tpl", dir);
	rfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rfd, 0);
	tcache_init(&c);
	ck_assert_int_ge(tcache_root(&c, path), 0);
	/* the swap: tpl is now a link to secret */
	snprintf(moved, sizeof(moved), "%s/tpl.old", dir);
	ck_assert_int_eq(rename(path, moved), 0);
	ck_assert_int_eq(symlink("secret", path), 0);
	fd = template_open(rfd, "a", &why);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_eq(n, 4);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "good");
	close(fd);
	close(rfd);
	t = tcache_get(&c, path, "a", "a", &d);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(template_render(t, dict, &c, &out, &d), 0);
	ck_assert_str_eq(out.buf, "good");
	tcache_release(&c);
	strbuf_release(&out);
	strbuf_release(&err);
	ck_assert_int_eq(remove_tree(AT_FDCWD, dir), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_variables);
	tcase_add_test(tc, test_modifiers);
	tcase_add_test(tc, test_python_modifier);
	tcase_add_test(tc, test_case_modifiers);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_separator);
	tcase_add_test(tc, test_standalone_trim);
	tcase_add_test(tc, test_comment_and_delims);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_include_and_cache);
	tcase_add_test(tc, test_open_confined);
	tcase_add_test(tc, test_open_root_once);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
