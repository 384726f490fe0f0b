/* SPDX-License-Identifier: MIT */
/*
 * check_complete.c - unit tests of core/complete.c: what an option's
 * metavariable in the command table makes it complete, values after
 * '=', comma lists, and a config that cannot be read.  The plugin path
 * is an empty directory: only the core's own features are known.
 */
#include "unit.h"
#include "complete.h"
#include <sys/stat.h>

static void
no_plugins(void)
{
	static char dir[] = "/tmp/khora-unit-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("KHORA_PLUGIN_PATH", dir, 1);
	setenv("XDG_DATA_HOME", dir, 1);
}

static void
put_sidecar(const char *dir, const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.plugin", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "name: %s\nversion: 1\nabi: 1.0\n%s", name, body);
	ck_assert_int_eq(fclose(f), 0);
}

/* Sidecars that declare the choices and keys (the core knows none). */
static void
tree_plugins(void)
{
	static char dir[] = "/tmp/khora-unit-XXXXXX";

	umask(022);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put_sidecar(dir, "docs", "provides: [docs]\nfeatures: {docs: "
		    "{choices: [mkdocs, sphinx]}}\nconfig: {paths.docs_dir: "
		    "{type: path}}\n");
	put_sidecar(dir, "git", "provides: [git]\n");
	put_sidecar(dir, "app", "provides: [app]\nuses: [database, broker]\n"
		    "features: {database: {choices: [sqlite, postgres]}, "
		    "broker: {choices: [redis]}}\nconfig: {paths.api_dir: "
		    "{type: path}}\n");
	setenv("KHORA_PLUGIN_PATH", dir, 1);
	setenv("XDG_DATA_HOME", dir, 1);
}

/* The answer for a line given as words, "" for the word being typed. */
#define ANSWER(want, ...) do {						\
	const char *const w[] = { __VA_ARGS__ };			\
	struct strbuf out = STRBUF_INIT;				\
									\
	complete_words(w, ARRAY_SIZE(w), &out);				\
	ck_assert_str_eq(out.buf, want);				\
	strbuf_release(&out);						\
} while (0)

START_TEST(test_kinds_from_metavariables)
{
	no_plugins();
	ANSWER(":files\n", "new", "x", "-c", "");
	ANSWER(":files\n", "new", "x", "--config=kh");
	ANSWER(":files\n", "update", "--answers", "a");
	ANSWER(":dirs\n", "new", "x", "--template", "");
	ANSWER(":dirs\n", "forget", "-C", "");
	ANSWER(":dirs\n", "status", "");
	ANSWER(":files\n", "explain", "");
	/* a DIR or NAME of nothing known: never a file fallback */
	ANSWER(":words\n", "new-plugin", "");
}
END_TEST

START_TEST(test_feature_values)
{
	tree_plugins();
	ANSWER("docs=mkdocs\ndocs=sphinx\n:words\n", "add", "docs=");
	ANSWER("docs=sphinx\n:words\n", "add", "docs=s");
	ANSWER("docs=mkdocs\n:words\n", "new", "x", "--with", "docs=m");
	ANSWER("--with=docs=mkdocs\n:words\n", "new", "x", "--with=docs=m");
	/* --without and remove: names, never "=value" */
	ANSWER("docs\n:words\n", "new", "x", "--without", "docs");
	ANSWER("docs\n:words\n", "remove", "docs");
	/* a comma list: the names already given are not offered again */
	ANSWER("git,docs=mkdocs\ngit,docs=sphinx\n:words\n", "new", "x",
	       "--with", "git,docs=");
	ANSWER("database=postgres,broker=redis\n:words\n", "new", "x",
	       "--with", "database=postgres,b");
	ANSWER(":words\n", "new", "x", "--with", "git,gi");
	/* no feature: the project directory add also takes */
	ANSWER(":dirs\n", "add", "zz");
	ANSWER(":dirs\n", "add", "doc/");
}
END_TEST

START_TEST(test_set_keys)
{
	tree_plugins();
	ANSWER("license=MIT\nlicense=MPL-2.0\n:words\n", "new", "x", "--set",
	       "license=M");
	ANSWER("paths.api_dir=\npaths.docs_dir=\n:nospace\n", "new", "x",
	       "--set", "paths.");
	ANSWER("features.git=true\nfeatures.git=false\n:words\n", "new", "x",
	       "--set", "features.git=");
	/* a free-text key: nothing to offer, and no files */
	ANSWER(":words\n", "new", "x", "--set", "project_name=");
	/* update's --set answers template variables only */
	ANSWER(":nospace\n", "update", "--set", "lic");
}
END_TEST

START_TEST(test_unreadable_config)
{
	char *bad = unit_tmpfile("env: [\n");
	char *good = unit_tmpfile("env:\n  prod: {}\n  \"p\\tx\": {}\n");

	no_plugins();
	ANSWER(":words\n", "new", "x", "-c", bad, "--env", "");
	ANSWER(":words\n", "new", "x", "-c", "/nonexistent", "--env", "");
	ANSWER(":words\n", "new", "x", "-c", "/dev/null", "--env", "");
	ANSWER("prod\n:words\n", "new", "x", "-c", good, "--env", "p");
	unlink(bad);
	unlink(good);
	free(bad);
	free(good);
}
END_TEST

START_TEST(test_commands_and_globals)
{
	no_plugins();
	ANSWER("plugins\tList, describe or test-load the installed "
	       "plugins.\n:words\n", "pl");
	ANSWER("--version\n:words\n", "--v");
	ANSWER("--error-format=json\n:words\n", "--error-format=j");
	ANSWER("explain\tTell which plugin and template produced a file of "
	       "a project.\n:words\n", "--error-format=json", "help", "ex");
	ANSWER("list\ninfo\ncheck\n:words\n", "plugins", "");
	ANSWER("bash\nzsh\nfish\n:words\n", "completion", "");
	ANSWER(":words\n", "nosuchcommand", "");
	ANSWER(":words\n", "__complete", "");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("complete");
	TCase *tc = tcase_create("complete");

	tcase_add_test(tc, test_kinds_from_metavariables);
	tcase_add_test(tc, test_feature_values);
	tcase_add_test(tc, test_set_keys);
	tcase_add_test(tc, test_unreadable_config);
	tcase_add_test(tc, test_commands_and_globals);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
