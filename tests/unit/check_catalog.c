/* SPDX-License-Identifier: MIT */
/*
 * check_catalog.c - sidecar reading (core/catalog.c) and feature
 * resolution (core/resolve.c): requires, conflicts, defaults, order;
 * the plugin path policy on the catalog and again when the loader opens
 * the shared object.
 */
#include "unit.h"
#include <sys/stat.h>
#include <fcntl.h>
#include "pipeline.h"
#include "stage.h"

static char dir[64];
static struct strbuf msg = STRBUF_INIT;

static void
setup(void)
{
	/* the path policy refuses group-writable files: fix the modes */
	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/khora-cat-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("KHORA_PLUGIN_PATH", dir, 1);
	setenv("XDG_DATA_HOME", dir, 1);
}

static void
teardown(void)
{
	ck_assert_int_eq(remove_tree(AT_FDCWD, dir), 0);
	strbuf_release(&msg);
}

static void
sidecar(const char *name, const char *body)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.plugin", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "name: %s\nversion: 1.0.0\nabi: 1.0\n%s", name, body);
	fclose(f);
}

/* Reads one sidecar; msg gets the error with the directory cut out. */
static int
read_one(const char *name)
{
	char path[256];
	struct plugin_info *pi = NULL;
	struct strbuf raw = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	const char *at;
	int ret;

	d.capture = &raw;
	snprintf(path, sizeof(path), "%s/%s.plugin", dir, name);
	ret = catalog_read_sidecar(path, &pi, &d);
	strbuf_reset(&msg);
	at = strstr(raw.buf, dir);
	if (at) {
		strbuf_add(&msg, raw.buf, (size_t)(at - raw.buf));
		strbuf_addstr(&msg, "D");
		strbuf_addstr(&msg, at + strlen(dir));
	} else {
		strbuf_addstr(&msg, raw.buf);
	}
	if (!ret) {
		ck_assert_ptr_nonnull(pi);
		ck_assert_str_eq(pi->name, name);
	}
	plugin_info_free(pi);
	strbuf_release(&raw);
	return ret;
}

START_TEST(test_sidecar_ok)
{
	sidecar("good", "summary: fine\nprovides: [good, extra]\n"
		"requires: [base]\ndefault: true\noptions: [a, b]\n");
	ck_assert_int_eq(read_one("good"), 0);
}
END_TEST

START_TEST(test_sidecar_errors)
{
	sidecar("unk", "provide: [x]\n");
	ck_assert_int_eq(read_one("unk"), -1);
	ck_assert_str_eq(msg.buf, "khora: D/unk.plugin:4:1: invalid sidecar: "
			 "unknown key 'provide' (did you mean 'provides'?)\n");
	sidecar("lst", "provides: x\n");
	ck_assert_int_eq(read_one("lst"), -1);
	ck_assert_str_eq(msg.buf, "khora: D/lst.plugin:4:11: invalid sidecar: "
			 "'provides' must be a list\n");
	sidecar("abi", "abi: one\n");
	ck_assert_int_eq(read_one("abi"), -1);
	ck_assert(strstr(msg.buf, "invalid YAML: duplicate key 'abi'"));
	sidecar("bad", "default: maybe\n");
	ck_assert_int_eq(read_one("bad"), -1);
	ck_assert_str_eq(msg.buf, "khora: D/bad.plugin:4:10: invalid sidecar: "
			 "'default' must be true or false\n");
	sidecar("other", "");
	{
		char from[256], to[256];

		snprintf(from, sizeof(from), "%s/other.plugin", dir);
		snprintf(to, sizeof(to), "%s/renamed.plugin", dir);
		ck_assert_int_eq(rename(from, to), 0);
	}
	ck_assert_int_eq(read_one("renamed"), -1);
	ck_assert_str_eq(msg.buf, "khora: invalid sidecar 'D/renamed.plugin': "
			 "name 'other' does not match the file name\n");
}
END_TEST

/* Runs resolve over the sidecars in dir with the config text. */
static int
resolve(const char *yaml, char *order, size_t len)
{
	char *path = unit_tmpfile(yaml);
	struct config cfg;
	struct catalog cat;
	struct pipeline p;
	struct diag d = DIAG_INIT;
	struct config_overrides ov;
	size_t i;
	int ret;

	d.capture = &msg;
	strbuf_reset(&msg);
	memset(&ov, 0, sizeof(ov));
	ck_assert_int_eq(catalog_load(&cat, &d), 0);
	ov.schema = &cat.schema;
	ck_assert_msg(config_load(&cfg, path, &ov, &d) == 0, "%s", msg.buf);
	pipeline_init(&p, &d, &cfg, &cat);
	ret = resolve_plugins(&p);
	order[0] = '\0';
	for (i = 0; i < p.nr_active; i++) {
		strncat(order, p.active[i]->name, len - strlen(order) - 2);
		strncat(order, " ", len - strlen(order) - 1);
	}
	pipeline_release(&p);
	catalog_release(&cat);
	config_release(&cfg);
	unlink(path);
	free(path);
	return ret;
}

#define BASE "project_name: demo\npython_version: \"3.11\"\n"

START_TEST(test_resolve_order)
{
	char order[256];

	sidecar("zbase", "provides: [base]\ndefault: true\n");
	sidecar("api", "provides: [fastapi]\nrequires: [base]\n"
		"config: {paths.api_dir: {type: path}}\n");
	sidecar("aaa", "provides: [docker]\nafter: [api]\n");
	sidecar("unused", "provides: [kg]\n");
	ck_assert_int_eq(resolve(BASE "paths: {api_dir: api}\nfeatures: "
				 "{fastapi: true, docker: true}\n", order,
				 sizeof(order)), 0);
	/* zbase before api (requires), api before aaa (after) */
	ck_assert_str_eq(order, "zbase api aaa ");
	ck_assert_int_eq(resolve(BASE, order, sizeof(order)), 0);
	ck_assert_str_eq(order, "zbase ");
}
END_TEST

START_TEST(test_resolve_errors)
{
	char order[256];

	sidecar("base", "provides: [base]\ndefault: true\n");
	sidecar("api", "provides: [fastapi]\nrequires: [base, missing]\n"
		"config: {paths.api_dir: {type: path}}\n");
	sidecar("dd", "provides: [docs]\n"
		"features: {docs: {choices: [mkdocs, sphinx]}}\n");
	sidecar("tf", "provides: [terraform]\nconflicts: [base]\n");
	sidecar("c1", "provides: [kg]\nafter: [c2]\n");
	sidecar("c2", "provides: [git]\nafter: [c1]\n");
	ck_assert_int_eq(resolve(BASE "features: {fastpi: true}\n", order,
				 sizeof(order)), -1);
	ck_assert(strstr(msg.buf, ":3:12: unknown feature 'fastpi' (did you "
			 "mean 'fastapi'?)"));
	ck_assert_int_eq(resolve(BASE "paths: {api_dir: a}\nfeatures: "
				 "{fastapi: true}\n", order, sizeof(order)),
			 -1);
	ck_assert_str_eq(msg.buf, "khora: cannot use plugin 'api': it requires "
			 "feature 'missing', which no installed plugin "
			 "provides\n");
	ck_assert_int_eq(resolve(BASE "features: {terraform: true}\n", order,
				 sizeof(order)), -1);
	ck_assert_str_eq(msg.buf, "khora: plugins 'tf' and 'base' conflict: "
			 "'tf' cannot be used with feature 'base'\n");
	ck_assert_int_eq(resolve(BASE "features: {kg: true, git: true}\n",
				 order, sizeof(order)), -1);
	ck_assert_str_eq(msg.buf, "khora: cannot order plugins: requires/after "
			 "form a cycle among 'c1', 'c2'\n");
	ck_assert_int_eq(resolve(BASE "features: {observability: true}\n",
				 order, sizeof(order)), -1);
	ck_assert(strstr(msg.buf, ":3:12: unknown feature 'observability'"));
	ck_assert_int_eq(resolve(BASE "features: {kg: yes}\n", order,
				 sizeof(order)), -1);
	ck_assert(strstr(msg.buf, "feature 'kg' must be true or false, not a "
			 "string"));
	ck_assert_int_eq(resolve(BASE "features: {docs: html}\n", order,
				 sizeof(order)), -1);
	ck_assert(strstr(msg.buf, "invalid value 'html' for feature 'docs' "
			 "(expected one of: none, mkdocs, sphinx)"));
	ck_assert_int_eq(resolve(BASE "plugins_config: {bsae: {}}\n", order,
				 sizeof(order)), -1);
	ck_assert(strstr(msg.buf, "unknown plugin 'bsae' in plugins_config "
			 "(did you mean 'base'?)"));
	ck_assert_int_eq(resolve(BASE "plugins_config: {base: {x: 1}}\n",
				 order, sizeof(order)), -1);
	ck_assert(strstr(msg.buf, "unknown option 'x' of plugin 'base'"));
}
END_TEST

START_TEST(test_shadowing)
{
	char sub[128], path[256];
	struct catalog cat;
	struct diag d = DIAG_INIT;
	FILE *f;

	/* same name in a later directory: the first on the path wins */
	snprintf(sub, sizeof(sub), "%s/later", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/dup.plugin", sub);
	f = fopen(path, "w");
	fprintf(f, "name: dup\nversion: 2.0.0\nabi: 1.0\n");
	fclose(f);
	sidecar("dup", "");
	snprintf(path, sizeof(path), "%s:%s", dir, sub);
	setenv("KHORA_PLUGIN_PATH", path, 1);
	d.capture = &msg;
	ck_assert_int_eq(catalog_load(&cat, &d), 0);
	ck_assert_str_eq(catalog_find(&cat, "dup")->version, "1.0.0");
	ck_assert_ptr_nonnull(catalog_find(&cat, "dup")->shadows);
	catalog_release(&cat);
}
END_TEST

static void
touch_mode(const char *name, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* The refusal of the only plugin on the path, or NULL when accepted. */
static const char *
load_refusal(struct catalog *cat)
{
	struct diag d = DIAG_INIT;

	strbuf_reset(&msg);
	d.capture = &msg;
	ck_assert_int_eq(catalog_load(cat, &d), 0);
	if (catalog_find(cat, "pol"))
		return NULL;
	ck_assert_uint_eq(cat->nr_refused, 1);
	ck_assert_ptr_eq(catalog_refused_provider(cat, "polf"),
			 cat->refused[0]);
	ck_assert(strstr(msg.buf, "plugin refused: "));
	return cat->refused[0]->refused;
}

START_TEST(test_path_policy)
{
	struct strbuf why = STRBUF_INIT, want = STRBUF_INIT;
	struct catalog cat;
	char so[256];
	int fd;

	sidecar("pol", "provides: [polf]\n");
	touch_mode("pol.plugin", 0644);
	touch_mode("pol.so", 0644);
	ck_assert_ptr_null(load_refusal(&cat));
	fd = catalog_open_library(catalog_find(&cat, "pol"), &why);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* swapped after the catalog: the loader's own check sees it */
	snprintf(so, sizeof(so), "%s/pol.so", dir);
	ck_assert_int_eq(chmod(so, 0664), 0);
	errno = 0;
	ck_assert_int_eq(catalog_open_library(catalog_find(&cat, "pol"),
					      &why), -1);
	strbuf_addf(&want, "library %s is writable by group", so);
	ck_assert_str_eq(why.buf, want.buf);
	catalog_release(&cat);
	ck_assert_str_eq(load_refusal(&cat), want.buf);
	catalog_release(&cat);
	ck_assert_int_eq(chmod(so, 0644), 0);
	touch_mode("pol.plugin", 0646);
	ck_assert_str_eq(load_refusal(&cat), "writable by others");
	catalog_release(&cat);
	touch_mode("pol.plugin", 0644);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	strbuf_reset(&want);
	strbuf_addf(&want, "directory %s is writable by others", dir);
	ck_assert_str_eq(load_refusal(&cat), want.buf);
	catalog_release(&cat);
	/* the same mode with the sticky bit: /tmp is fine above, not here */
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ck_assert_str_eq(load_refusal(&cat), want.buf);
	catalog_release(&cat);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_ptr_null(load_refusal(&cat));
	catalog_release(&cat);
	strbuf_release(&why);
	strbuf_release(&want);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("catalog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sidecar_ok);
	tcase_add_test(tc, test_sidecar_errors);
	tcase_add_test(tc, test_resolve_order);
	tcase_add_test(tc, test_resolve_errors);
	tcase_add_test(tc, test_shadowing);
	tcase_add_test(tc, test_path_policy);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
