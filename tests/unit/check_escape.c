/* SPDX-License-Identifier: MIT */
/*
 * check_escape.c - unit tests of core/escape.c: hostile strings, each
 * written as a literal of every language and read back by that
 * language's real parser: libyaml (in process), sh (printf %s), Python
 * 3's json, tomllib and ast, and HashiCorp's HCL2 (tests/hclvalue).  A
 * reader that is not installed (a package build has neither Python nor
 * Go) is skipped with a line on stderr; make check has them all.
 */
#include "unit.h"
#include <sys/wait.h>
#include "escape.h"
#include "template.h"
#include "ytree.h"

static const char *const hostile[] = {
	"", "plain", "Ada \"x\": y", "it's", "'\\''", "back\\slash\\",
	"new\nline", "tab\there", "cr\r\nlf", "\x01\x02\x1b[31m\x1f\x7f",
	"C1 \xc2\x85 \xc2\x9f", "LS \xe2\x80\xa8 PS \xe2\x80\xa9",
	"BOM \xef\xbb\xbf", "${HOME} %{if x} $(id) `id` $$ %%{", "$", "%",
	"yes", "no", "null", "~", "- a", "# c", "&a *b !t |", "{a: b}",
	"[1, 2]", "3.11", "0x10", "\"\"\"", "\\u0041 \\n", "%s %n",
	"\xc3\xa9\xf0\x9f\x8e\x89 \xe4\xb8\xad", "\xef\xbf\xbe \xef\xbf\xbf",
	"\xf4\x8f\xbf\xbf", " lead", "trail ", "a: b, c: d", "--- ...",
	/* not UTF-8: each bad byte reads back as U+FFFD (not in sh) */
	"\xff\xfe bad \xc0\xaf \xed\xa0\x80 \xe2\x82",
};

/* What a reader gets back: s with each invalid byte as U+FFFD. */
static void
expected(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n;
	unsigned long cp;

	for (; len; p += n, len -= n) {
		n = ytree_utf8_decode(p, len, &cp);
		if (!n) {
			strbuf_addstr(sb, "\xef\xbf\xbd");
			n = 1;
		} else {
			strbuf_add(sb, p, n);
		}
	}
}

static void
add_hex(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		strbuf_addf(sb, "%02x", (unsigned char)s[i]);
}

/* Runs argv; its stdout into out.  Returns the exit status, -1 if none. */
static int
run(const char *argv[], struct strbuf *out)
{
	int pfd[2], status;
	char buf[4096];
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0)
		strbuf_add(out, buf, (size_t)n);
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
have(const char *path)
{
	if (!access(path, X_OK))
		return 1;
	fprintf(stderr, "check_escape: skip the %s reader (not installed)\n",
		path);
	return 0;
}

START_TEST(test_exact)
{
	static const struct {
		enum escape_lang l;
		const char *in, *out;
	} t[] = {
		{ ESC_YAML, "Ada \"x\": y", "\"Ada \\\"x\\\": y\"" },
		{ ESC_JSON, "a\"\\\n\x01\xe2\x80\xa8", "\"a\\\"\\\\\\n\\u0001"
		  "\\u2028\"" },
		{ ESC_TOML, "a\"\t\x7f", "\"a\\\"\\t\\u007F\"" },
		{ ESC_HCL, "${x} %{y} $z", "\"$${x} %%{y} $z\"" },
		{ ESC_SHELL, "it's $x", "'it'\\''s $x'" },
		/* the quotes black keeps: single when " outnumber ' */
		{ ESC_PYTHON, "\x01\"\xff", "'\\x01\"\\ufffd'" },
		{ ESC_PYTHON, "it's \"a\"", "'it\\'s \"a\"'" },
		{ ESC_PYTHON, "it's", "\"it's\"" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		struct strbuf sb = STRBUF_INIT;

		escape_add(&sb, t[i].l, t[i].in);
		ck_assert_str_eq(sb.buf, t[i].out);
		strbuf_release(&sb);
	}
	ck_assert_int_eq(escape_lang_by_name("hcl"), ESC_HCL);
	ck_assert_int_eq(escape_lang_by_name("perl"), -1);
}
END_TEST

/* The modifiers are the same routines. */
START_TEST(test_modifiers)
{
	static const struct { const char *mod; enum escape_lang l; } t[] = {
		{ "x-yaml", ESC_YAML }, { "x-json", ESC_JSON },
		{ "x-toml", ESC_TOML }, { "x-hcl", ESC_HCL },
		{ "x-shell", ESC_SHELL }, { "x-python", ESC_PYTHON },
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		for (j = 0; j < ARRAY_SIZE(hostile); j++) {
			struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

			ck_assert_int_eq(template_apply_modifier(t[i].mod,
					 hostile[j], &a), 0);
			escape_add(&b, t[i].l, hostile[j]);
			ck_assert_str_eq(a.buf, b.buf);
			strbuf_release(&a);
			strbuf_release(&b);
		}
	}
}
END_TEST

START_TEST(test_yaml_libyaml)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		CAPTURE_DIAG(d, msgs);
		struct strbuf doc = STRBUF_INIT, want = STRBUF_INIT;
		struct ynode *root = NULL, *v;

		strbuf_addstr(&doc, "k: ");
		escape_add(&doc, ESC_YAML, hostile[i]);
		strbuf_addstr(&doc, "\n");
		ck_assert_int_eq(ytree_parse_buf("t.yaml", doc.buf, doc.len,
						 &root, &d, 3), 0);
		v = ymap_get(root, "k");
		ck_assert_ptr_nonnull(v);
		expected(&want, hostile[i]);
		ck_assert_str_eq(v->str, want.buf);
		ynode_free(root);
		strbuf_release(&doc);
		strbuf_release(&want);
		strbuf_release(&msgs);
	}
}
END_TEST

/*
 * x-yaml-fold: long values of every kind, folded at a narrow width in a
 * top-level key and in a list item, read back by libyaml as the value;
 * each line within the width unless it holds one unbreakable word.
 */
START_TEST(test_yaml_folded)
{
	static const char *const extra[] = {
		"An order service that takes \"orders\", checks them against "
		"the catalogue's rules, and answers: it's long, #not-a-comment "
		"a b c d e f g h i j k l m n o p q r s t u v w x y z",
		"two  spaces  between  words  that  must  stay  two  spaces",
		" lead and trail, a word per line if need be ",
		"back\\ slash \\ \\\\ at a break \\", "a\tb c\nd e\\n f g h i",
		"# - ? : { } [ ] , & * ! | > ' \" % @ ` --- ... - a",
		"averyveryverylongwordthatcannotbebrokenanywhereatall x y",
	};
	static const struct { const char *pre; size_t col, indent; } at[] = {
		{ "k: ", 3, 0 }, { "a:\n  - k: ", 7, 4 },
	};
	size_t i, j, w;

	for (i = 0; i < ARRAY_SIZE(hostile) + ARRAY_SIZE(extra); i++) {
		const char *in = i < ARRAY_SIZE(hostile) ? hostile[i] :
				 extra[i - ARRAY_SIZE(hostile)];

		for (j = 0; j < ARRAY_SIZE(at); j++) {
			for (w = 10; w <= 40; w += 15) {
				CAPTURE_DIAG(d, msgs);
				struct strbuf doc = STRBUF_INIT;
				struct strbuf want = STRBUF_INIT;
				struct ynode *root = NULL, *v;
				const char *l, *e;

				strbuf_addstr(&doc, at[j].pre);
				escape_yaml_folded(&doc, in, at[j].col,
						   at[j].indent, w);
				strbuf_addstr(&doc, "\n");
				ck_assert_int_eq(ytree_parse_buf("t.yaml",
						 doc.buf, doc.len, &root,
						 &d, 3), 0);
				v = ymap_get(root, "k");
				if (!v)
					v = ymap_get(ymap_get(root, "a")->
						     vals[0], "k");
				ck_assert_ptr_nonnull(v);
				expected(&want, in);
				ck_assert_str_eq(v->str, want.buf);
				/* words of at most 14 bytes: every line fits */
				for (l = doc.buf; in == extra[0] && w > 20 &&
				     *l; l = e + 1) {
					e = strchr(l, '\n');
					ck_assert_uint_le((size_t)(e - l), w);
				}
				/* and it was folded, at least once */
				if (in == extra[0])
					ck_assert_ptr_nonnull(strstr(doc.buf,
						"\n  "));
				ynode_free(root);
				strbuf_release(&doc);
				strbuf_release(&want);
				strbuf_release(&msgs);
			}
		}
	}
}
END_TEST

/* the modifier folds at the column where it lands, unfolded elsewhere */
START_TEST(test_yaml_fold_modifier)
{
	struct strbuf a = STRBUF_INIT;

	ck_assert_int_eq(template_apply_modifier("x-yaml-fold",
			 "a b c", &a), 0);
	ck_assert_str_eq(a.buf, "\"a b c\"");
	strbuf_release(&a);
}
END_TEST

START_TEST(test_shell_sh)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;
		const char *argv[] = { "/bin/sh", "-c", NULL, NULL };

		strbuf_addstr(&cmd, "printf %s ");
		escape_add(&cmd, ESC_SHELL, hostile[i]);
		argv[2] = cmd.buf;
		ck_assert_int_eq(run(argv, &out), 0);
		/* bytes, not text: sh keeps what is not UTF-8 too */
		ck_assert_uint_eq(out.len, strlen(hostile[i]));
		ck_assert(!memcmp(out.buf, hostile[i], out.len));
		strbuf_release(&cmd);
		strbuf_release(&out);
	}
}
END_TEST

/*
 * One line per case: "lang xLITERAL-HEX xEXPECTED-HEX"; the script reads
 * each literal with the language's parser and prints what differs.
 */
static const char py_reader[] =
	"import ast, json, sys, tomllib\n"
	"bad = 0\n"
	"for line in open(sys.argv[1]):\n"
	"    lang, lit, want = line.split()\n"
	"    lit = bytes.fromhex(lit[1:]).decode('utf-8')\n"
	"    want = bytes.fromhex(want[1:]).decode('utf-8')\n"
	"    try:\n"
	"        if lang == 'json':\n"
	"            got = json.loads(lit)\n"
	"        elif lang == 'toml':\n"
	"            got = tomllib.loads('k = ' + lit + '\\n')['k']\n"
	"        else:\n"
	"            ast.parse('x = ' + lit + '\\n')\n"
	"            got = ast.literal_eval(lit)\n"
	"    except Exception as e:\n"
	"        got = 'error: %s' % e\n"
	"    if got != want:\n"
	"        bad += 1\n"
	"        print('%s %r read back as %r' % (lang, lit, got))\n"
	"sys.exit(1 if bad else 0)\n";

START_TEST(test_python_readers)
{
	static const struct {
		const char *name;
		enum escape_lang l;
	} langs[] = {
		{ "json", ESC_JSON }, { "toml", ESC_TOML },
		{ "python", ESC_PYTHON },
	};
	struct strbuf cases = STRBUF_INIT, out = STRBUF_INIT;
	const char *argv[] = { "/usr/bin/python3", "-c", py_reader, NULL,
			       NULL };
	size_t i, j;
	char *path;

	if (!have(argv[0]))
		return;
	for (i = 0; i < ARRAY_SIZE(langs); i++) {
		for (j = 0; j < ARRAY_SIZE(hostile); j++) {
			struct strbuf lit = STRBUF_INIT, want = STRBUF_INIT;

			escape_add(&lit, langs[i].l, hostile[j]);
			expected(&want, hostile[j]);
			/* "x": "" in hex is empty, split() needs a word */
			strbuf_addf(&cases, "%s x", langs[i].name);
			add_hex(&cases, lit.buf, lit.len);
			strbuf_addstr(&cases, " x");
			add_hex(&cases, want.buf, want.len);
			strbuf_addch(&cases, '\n');
			strbuf_release(&lit);
			strbuf_release(&want);
		}
	}
	path = unit_tmpfile(cases.buf);
	argv[3] = path;
	i = (size_t)run(argv, &out);
	unlink(path);
	free(path);
	if (i)
		fprintf(stderr, "%s", out.buf);
	ck_assert_uint_eq(i, 0);
	strbuf_release(&cases);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_hcl_reader)
{
	struct strbuf file = STRBUF_INIT, want = STRBUF_INIT, out = STRBUF_INIT;
	const char *argv[] = { "tests/hclvalue/hclvalue", NULL, NULL };
	char *path;
	size_t i;

	if (!have(argv[0]))
		return;
	/* hclvalue prints the attributes sorted by name: v00, v01, ... */
	for (i = 0; i < ARRAY_SIZE(hostile); i++) {
		struct strbuf exp = STRBUF_INIT;

		strbuf_addf(&file, "v%02zu = ", i);
		escape_add(&file, ESC_HCL, hostile[i]);
		strbuf_addch(&file, '\n');
		expected(&exp, hostile[i]);
		strbuf_addf(&want, "v%02zu ", i);
		add_hex(&want, exp.buf, exp.len);
		strbuf_addch(&want, '\n');
		strbuf_release(&exp);
	}
	path = unit_tmpfile(file.buf);
	argv[1] = path;
	ck_assert_int_eq(run(argv, &out), 0);
	unlink(path);
	free(path);
	ck_assert_str_eq(out.buf, want.buf);
	strbuf_release(&file);
	strbuf_release(&want);
	strbuf_release(&out);
}
END_TEST

static Suite *
escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_exact);
	tcase_add_test(tc, test_modifiers);
	tcase_add_test(tc, test_yaml_libyaml);
	tcase_add_test(tc, test_yaml_folded);
	tcase_add_test(tc, test_yaml_fold_modifier);
	tcase_add_test(tc, test_shell_sh);
	tcase_add_test(tc, test_python_readers);
	tcase_add_test(tc, test_hcl_reader);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(escape_suite)
