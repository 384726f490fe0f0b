/* SPDX-License-Identifier: MIT */
/*
 * check_config.c - khora.yaml reading (core/ytree.c) and validation
 * (core/config.c): every error names khora.yaml:line:col.
 */
#include "unit.h"
#include "catalog.h"
#include "config.h"

static struct config cfg;
/* the in-tree sidecars: they declare paths, ports, choices and rules */
static struct catalog cat;
static int cat_loaded;
static struct strbuf msg = STRBUF_INIT;

/* Loads text as a config file; the error (if any) is in msg, with the
 * temporary file's name replaced by "K". */
static int
load_ov(const char *text, const struct config_overrides *ov)
{
	char *path = text ? unit_tmpfile(text) : NULL;
	struct strbuf raw = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	const char *at;
	int ret;

	struct config_overrides mine;

	d.capture = &raw;
	if (!cat_loaded++) {
		/* make runs the suites from the top of the tree */
		setenv("KHORA_PLUGIN_PATH", "plugins", 1);
		setenv("XDG_DATA_HOME", "/nonexistent", 1);
		ck_assert_int_eq(catalog_load(&cat, &d), 0);
		ck_assert_ptr_nonnull(catalog_find(&cat, "python"));
	}
	memset(&mine, 0, sizeof(mine));
	if (ov)
		mine = *ov;
	mine.schema = &cat.schema;
	config_release(&cfg);
	ret = config_load(&cfg, path, &mine, &d);
	strbuf_reset(&msg);
	at = path ? strstr(raw.buf, path) : NULL;
	if (at) {
		strbuf_add(&msg, raw.buf, (size_t)(at - raw.buf));
		strbuf_addstr(&msg, "K");
		strbuf_addstr(&msg, at + strlen(path));
	} else {
		strbuf_addstr(&msg, raw.buf);
	}
	if (ret == -1)
		ck_assert_int_ne(d.code, 0);
	strbuf_release(&raw);
	if (path)
		unlink(path);
	free(path);
	return ret;
}

static int
load(const char *text)
{
	return load_ov(text, NULL);
}

static void
teardown(void)
{
	config_release(&cfg);
	strbuf_release(&msg);
}

#define BASE "project_name: demo\npython_version: \"3.11\"\n"

START_TEST(test_minimal)
{
	ck_assert_int_eq(load(BASE), 0);
	ck_assert_str_eq(cfg.project_name, "demo");
	ck_assert_str_eq(cfg.package, "demo");
	ck_assert_str_eq(cfg.python_version, "3.11");
	ck_assert_str_eq(cfg.license, "MIT");
	ck_assert_str_eq(config_value(&cfg, "ports.http"), "8000");
	ck_assert_ptr_null(config_value(&cfg, "paths.api_dir"));
}
END_TEST

START_TEST(test_full)
{
	ck_assert_int_eq(load("project_name: My-Service.v2\n"
			      "python_version: \"3.12\"\n"
			      "paths: {api_dir: ./svc//api/, docs_dir: docs}\n"
			      "ports: {http: 9000}\n"
			      "features: {fastapi: true, "
			      "database: postgres}\n"),
			 0);
	ck_assert_str_eq(cfg.package, "my_service_v2");
	ck_assert_str_eq(cfg.slug, "my-service-v2");
	ck_assert_str_eq(config_value(&cfg, "paths.api_dir"), "svc/api");
	ck_assert_str_eq(config_value(&cfg, "ports.http"), "9000");
	ck_assert_str_eq(config_feature(&cfg, "fastapi", NULL), "true");
	ck_assert_str_eq(config_feature(&cfg, "database", NULL), "postgres");
	ck_assert_ptr_null(config_feature(&cfg, "docker", NULL));
}
END_TEST

START_TEST(test_defaults_without_file)
{
	struct config_overrides ov;

	memset(&ov, 0, sizeof(ov));
	ov.default_name = "my-app";
	ck_assert_int_eq(load_ov(NULL, &ov), 0);
	ck_assert_str_eq(cfg.project_name, "my-app");
	ck_assert_str_eq(cfg.package, "my_app");
	ck_assert_str_eq(cfg.python_version, "3.11");
}
END_TEST

START_TEST(test_yaml_errors)
{
	ck_assert_int_eq(load("project_name: a\n\tpython_version: 3\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:2:1: invalid YAML: found a tab "
			 "character that violates indentation while scanning "
			 "a plain scalar\n");
	ck_assert_int_eq(load("project_name: \"abc\n"), -1);
	ck_assert(strstr(msg.buf, "khora: K:2:1: invalid YAML: found "
			 "unexpected end of stream"));
	ck_assert_int_eq(load(BASE "project_name: b\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:1: invalid YAML: duplicate key "
			 "'project_name' (first at line 1)\n");
	ck_assert_int_eq(load(BASE "a: &x [1]\nb: *x\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:4: invalid YAML: anchors are not "
			 "supported\n");
	ck_assert_int_eq(load(""), -1);
	ck_assert_str_eq(msg.buf, "khora: K: invalid config: the file is empty "
			 "(see 'khora init')\n");
	ck_assert_int_eq(load("- a\n- b\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:1:1: invalid config: the top level "
			 "must be a mapping, not a list\n");
	ck_assert_int_eq(load("a: 1\n---\nb: 2\n"), -1);
	ck_assert(strstr(msg.buf, "more than one document"));
	ck_assert_int_eq(load("x: \"\xff\xfe\"\n"), -1);
	ck_assert(strstr(msg.buf, "invalid YAML: invalid"));
}
END_TEST

START_TEST(test_deep_nesting)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < 100; i++)
		strbuf_addch(&sb, '[');
	for (i = 0; i < 100; i++)
		strbuf_addch(&sb, ']');
	ck_assert_int_eq(load(sb.buf), -1);
	ck_assert_str_eq(msg.buf, "khora: K:1:65: invalid YAML: nesting too "
			 "deep\n");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_schema_errors)
{
	ck_assert_int_eq(load(BASE "fetures: {}\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:1: unknown key 'fetures' "
			 "(did you mean 'features'?)\n");
	ck_assert_int_eq(load(BASE "paths: {api_dri: x}\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:9: unknown key 'paths.api_dri' "
			 "(did you mean 'paths.api_dir'?)\n");
	ck_assert_int_eq(load(BASE "ports: [1]\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:8: 'ports' must be a mapping, "
			 "not a list\n");
	ck_assert_int_eq(load(BASE "ports: {http: eighty}\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:15: 'ports.http' must be an "
			 "integer, not a string\n");
	ck_assert_int_eq(load(BASE "ports: {http: 70000}\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:15: invalid ports.http '70000': "
			 "expected an integer from 1 to 65535\n");
	ck_assert_int_eq(load("project_name: demo\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K: missing required key "
			 "'python_version'\n");
	ck_assert_int_eq(load("project_name: demo\npython_version: 3.10\n"), 0);
	ck_assert_str_eq(cfg.python_version, "3.10");
	ck_assert_int_eq(load("project_name: demo\npython_version: 2.7\n"), -1);
	ck_assert(strstr(msg.buf, "K:2:17: invalid python_version '2.7'"));
	ck_assert_int_eq(load("project_name: 9lives\n"
			      "python_version: \"3.11\"\n"), -1);
	ck_assert(strstr(msg.buf, "K:1:15: invalid project_name '9lives'"));
	ck_assert_int_eq(load("project_name: class\n"
			      "python_version: \"3.11\"\n"), -1);
	ck_assert(strstr(msg.buf, "gives no valid Python package name"));
	ck_assert_int_eq(load(BASE "license: GPL\n"), -1);
	ck_assert(strstr(msg.buf, "K:3:10: invalid value 'GPL' for 'license'"));
	ck_assert_int_eq(load(BASE "author_email: nobody\n"), -1);
	ck_assert(strstr(msg.buf, "K:3:15: invalid author_email 'nobody'"));
}
END_TEST

static const char *
fastapi_on(const void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, "fastapi") ? NULL : "true";
}

START_TEST(test_rules)
{
	struct diag d = DIAG_INIT;

	/* fastapi's rule has a default: no error, and api once resolved */
	ck_assert_int_eq(load(BASE "features: {fastapi: true}\n"), 0);
	ck_assert_ptr_null(config_value(&cfg, "paths.api_dir"));
	ck_assert_int_eq(config_imply(&cfg, fastapi_on, NULL, &d), 0);
	ck_assert_str_eq(config_value(&cfg, "paths.api_dir"), "api");
	/* a value the user wrote wins over the rule's default */
	ck_assert_int_eq(load(BASE "paths: {api_dir: svc}\n"), 0);
	ck_assert_int_eq(config_imply(&cfg, fastapi_on, NULL, &d), 0);
	ck_assert_str_eq(config_value(&cfg, "paths.api_dir"), "svc");
	ck_assert_int_eq(load(BASE "paths: {api_dir: ../outside}\n"), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:18: invalid paths.api_dir "
			 "'../outside': the path escapes the project\n");
	ck_assert_int_eq(load(BASE "paths: {docs_dir: /abs}\n"), -1);
	ck_assert(strstr(msg.buf, "the path is absolute"));
}
END_TEST

START_TEST(test_overrides)
{
	struct config_overrides ov;
	const char *set[] = { "ports.http=9090", "project_description=hi" };
	const char *with[] = { "docs=mkdocs", "kg" };
	const char *without[] = { "docker" };

	memset(&ov, 0, sizeof(ov));
	ov.env = "prod";
	ov.set = set;
	ov.nr_set = 2;
	ov.with = with;
	ov.nr_with = 2;
	ov.without = without;
	ov.nr_without = 1;
	ck_assert_int_eq(load_ov(BASE "ports: {http: 1}\nfeatures: {docker: "
				 "true}\nenv:\n  prod:\n    ports: {http: 80}\n"
				 "    version: 2.0.0\n", &ov), 0);
	ck_assert_str_eq(config_value(&cfg, "ports.http"), "9090");
	ck_assert_str_eq(cfg.version, "2.0.0");
	ck_assert_str_eq(cfg.description, "hi");
	ck_assert_str_eq(config_feature(&cfg, "docs", NULL), "mkdocs");
	ck_assert_str_eq(config_feature(&cfg, "kg", NULL), "true");
	ck_assert_ptr_null(config_feature(&cfg, "docker", NULL));

	ov.nr_set = ov.nr_with = ov.nr_without = 0;
	ov.env = "prdo";
	ck_assert_int_eq(load_ov(BASE "env: {prod: {}}\n", &ov), -1);
	ck_assert_str_eq(msg.buf, "khora: unknown env 'prdo' in K (did you "
			 "mean 'prod'?)\n");
	ov.env = NULL;
	ck_assert_int_eq(load_ov(BASE "env: {prod: {portz: {}}}\n", &ov), -1);
	ck_assert_str_eq(msg.buf, "khora: K:3:14: unknown key 'env.prod.portz' "
			 "(did you mean 'env.prod.ports'?)\n");

	set[0] = "ports.http=abc";
	ov.nr_set = 1;
	ck_assert_int_eq(load_ov(BASE, &ov), -1);
	ck_assert_str_eq(msg.buf, "khora: --set ports.http=abc: 'ports.http' "
			 "must be an integer, not a string\n");
	set[0] = "novalue";
	ck_assert_int_eq(load_ov(BASE, &ov), -1);
	ck_assert_str_eq(msg.buf, "khora: invalid option '--set novalue': "
			 "expected key=value\n");
	ov.nr_set = 0;
	with[0] = "docs";
	ov.nr_with = 1;
	ck_assert_int_eq(load_ov(BASE, &ov), -1);
	ck_assert_str_eq(msg.buf, "khora: invalid option '--with docs': "
			 "feature 'docs' needs a value, e.g. "
			 "'--with docs=mkdocs'\n");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_defaults_without_file);
	tcase_add_test(tc, test_yaml_errors);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_schema_errors);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_overrides);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
