/* SPDX-License-Identifier: MIT */
/* check_confedit.c - unit tests of core/confedit.c: the project's
 * khora.yaml written from a config, and edited as text by `add`. */
#include "unit.h"
#include "confedit.h"

static char *
edit(const char *text, const char *name, const char *value, int *rc)
{
	CAPTURE_DIAG(d, msg);
	struct strbuf out = STRBUF_INIT;

	*rc = config_edit_feature("khora.yaml", text, strlen(text), name,
				  value, &out, &d);
	if (*rc) {
		strbuf_release(&out);
		return strbuf_detach(&msg, NULL);
	}
	strbuf_release(&msg);
	return strbuf_detach(&out, NULL);
}

START_TEST(test_edit_block)
{
	int rc;
	char *s;

	/* appended after the last entry, comments untouched */
	s = edit("# mine\nproject_name: x  # name\nfeatures:\n"
		 "  fastapi: true   # api\nports: {http: 80}\n", "docker",
		 "true", &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "# mine\nproject_name: x  # name\nfeatures:\n"
			 "  fastapi: true   # api\n  docker: true\n"
			 "ports: {http: 80}\n");
	free(s);
	/* an existing value is replaced in place, quotes and all */
	s = edit("features:\n    docs: 'none'  # later\n", "docs", "mkdocs",
		 &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s, "features:\n    docs: mkdocs  # later\n");
	free(s);
	s = edit("features:\n  docker: false\n", "docker", "true", &rc);
	ck_assert_str_eq(s, "features:\n  docker: true\n");
	free(s);
}
END_TEST

START_TEST(test_edit_other_shapes)
{
	int rc;
	char *s;

	s = edit("project_name: x\n", "docker", "true", &rc);
	ck_assert_str_eq(s, "project_name: x\nfeatures:\n  docker: true\n");
	free(s);
	s = edit("project_name: x", "docker", "true", &rc);
	ck_assert_str_eq(s, "project_name: x\nfeatures:\n  docker: true\n");
	free(s);
	s = edit("features:\nports: {}\n", "git", "true", &rc);
	ck_assert_str_eq(s, "features:\n  git: true\nports: {}\n");
	free(s);
	s = edit("features: {a: true}\n", "git", "true", &rc);
	ck_assert_str_eq(s, "features: {git: true, a: true}\n");
	free(s);
	s = edit("features: {}\n", "git", "true", &rc);
	ck_assert_str_eq(s, "features: {git: true}\n");
	free(s);
	s = edit("features: [a]\n", "git", "true", &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(s, "khora: khora.yaml:1:11: cannot add feature "
			 "'git': features is not a mapping of names to values "
			 "here; edit it by hand and run 'khora update'\n");
	free(s);
	s = edit("features: [\n", "git", "true", &rc);
	ck_assert_int_eq(rc, -1);
	free(s);
}
END_TEST

/* The serialized config reads back to the same values and types. */
START_TEST(test_serialize_roundtrip)
{
	CAPTURE_DIAG(d, msg);
	struct config cfg, again;
	struct strbuf out = STRBUF_INIT;
	char *path = unit_tmpfile("project_name: demo\n"
				  "project_description: 'a: b # c'\n"
				  "python_version: \"3.12\"\nversion: 1.0\n"
				  "features: {docs: mkdocs, git: true}\n"
				  "answers: {flag: yes, n: '007'}\n"
				  "env: {prod: {version: \"2.0\"}}\n");

	ck_assert_int_eq(config_load(&cfg, path, NULL, &d), 0);
	config_serialize(&cfg, "/tmp/somewhere", NULL, NULL, &out);
	ck_assert_ptr_null(strstr(out.buf, "env:"));
	ck_assert_ptr_nonnull(strstr(out.buf, "version: \"1.0\"\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, "  flag: \"yes\"\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, "  git: true\n"));
	ck_assert_int_eq(config_parse(&again, "again", out.buf, out.len, NULL,
				      &d), 0);
	ck_assert_str_eq(again.description, "a: b # c");
	ck_assert_str_eq(again.python_version, "3.12");
	ck_assert_str_eq(again.version, "1.0");
	ck_assert_str_eq(config_feature(&again, "docs", NULL), "mkdocs");
	ck_assert_str_eq(config_feature(&again, "git", NULL), "true");
	config_release(&cfg);
	config_release(&again);
	strbuf_release(&out);
	strbuf_release(&msg);
	unlink(path);
	free(path);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("confedit");
	TCase *tc = tcase_create("confedit");

	tcase_add_test(tc, test_edit_block);
	tcase_add_test(tc, test_edit_other_shapes);
	tcase_add_test(tc, test_serialize_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
