/* SPDX-License-Identifier: MIT */
/*
 * check_tmpldir.c - template directory manifests and answers: types,
 * validation, defaults that name other variables, when: conditions, and
 * every missing answer listed in one error.
 */
#include "unit.h"
#include <fcntl.h>
#include <sys/stat.h>
#include "stage.h"
#include "tmpldir.h"

static char dir[64];
static struct strbuf msg = STRBUF_INIT;

static const char manifest[] =
	"name: t\n"
	"variables:\n"
	"  name: {default: \"{{project_slug}}-svc\", regex: \"^[a-z-]+$\"}\n"
	"  full: {default: \"{{name}}.example.org\"}\n"
	"  port: {type: int, default: 8080, min: 1024, max: 65535}\n"
	"  db: {type: bool, default: false}\n"
	"  engine: {type: choice, choices: [sqlite, postgres], when: db}\n"
	"  owners: {type: list}\n"
	"  contact: {}\n";

static void
setup(void)
{
	char path[128];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/khora-tmpl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/khora-template.yaml", dir);
	f = fopen(path, "w");
	fputs(manifest, f);
	fclose(f);
}

static void
teardown(void)
{
	remove_tree(AT_FDCWD, dir);
	strbuf_release(&msg);
}

/* Answers the template with the answers: mapping in yaml; returns the
 * value of var (a static copy) or NULL when answering failed. */
static const char *
answer(const char *answers, const char *var)
{
	static char value[256];
	struct strbuf cfgtext = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	struct config cfg;
	struct tmpldir t;
	const char *ret = NULL;

	d.capture = &msg;
	strbuf_reset(&msg);
	strbuf_addf(&cfgtext, "project_name: shop\npython_version: \"3.11\"\n"
		    "%s", answers);
	ck_assert_int_eq(config_parse(&cfg, "khora.yaml", cfgtext.buf,
				      cfgtext.len, NULL, &d), 0);
	ck_assert_int_eq(tmpldir_load(&t, dir, &d), 0);
	if (!tmpldir_answer(&t, &cfg, NULL, 1, &d)) {
		const char *v = tmpldir_value(&t, var);

		snprintf(value, sizeof(value), "%s", v ? v : "(null)");
		ret = value;
	}
	tmpldir_release(&t);
	config_release(&cfg);
	strbuf_release(&cfgtext);
	return ret;
}

#define REQ "answers:\n  owners: [a, b]\n  contact: me\n"

START_TEST(test_defaults_and_types)
{
	ck_assert_str_eq(answer(REQ, "name"), "shop-svc");
	ck_assert_str_eq(answer(REQ, "full"), "shop-svc.example.org");
	ck_assert_str_eq(answer(REQ, "port"), "8080");
	ck_assert_str_eq(answer(REQ, "owners"), "a,b");
	ck_assert_str_eq(answer(REQ "  db: yes\n  engine: sqlite\n", "db"),
			 "true");
	/* once db holds, engine (no default) must be answered */
	ck_assert_ptr_null(answer(REQ "  db: yes\n", "db"));
	ck_assert(strstr(msg.buf, "missing answers") &&
		  strstr(msg.buf, ": engine\n"));
	ck_assert_str_eq(answer(REQ "  db: yes\n  engine: postgres\n",
				"engine"), "postgres");
	/* engine is asked only when db holds: no answer is not missing */
	ck_assert_ptr_nonnull(answer(REQ, "engine"));
}
END_TEST

START_TEST(test_validation)
{
	ck_assert_ptr_null(answer(REQ "  port: 80\n", "port"));
	ck_assert(strstr(msg.buf, "khora.yaml:6:9: invalid answer '80' for "
			 "'port': 80 is below the minimum 1024"));
	ck_assert_ptr_null(answer(REQ "  port: many\n", "port"));
	ck_assert(strstr(msg.buf, "expected an integer"));
	ck_assert_ptr_null(answer(REQ "  name: Bad\n", "name"));
	ck_assert(strstr(msg.buf, "does not match ^[a-z-]+$"));
	ck_assert_ptr_null(answer(REQ "  db: true\n  engine: mysql\n",
				  "engine"));
	ck_assert(strstr(msg.buf, "not one of the choices"));
	ck_assert_ptr_null(answer(REQ "  db: maybe\n", "db"));
	ck_assert(strstr(msg.buf, "expected true or false"));
	ck_assert_ptr_null(answer(REQ "  nmae: x\n", "name"));
	ck_assert(strstr(msg.buf, "unknown template variable 'nmae' (did "
			 "you mean 'name'?)"));
}
END_TEST

START_TEST(test_missing_listed_together)
{
	ck_assert_ptr_null(answer("", "name"));
	ck_assert_str_eq(msg.buf, "khora: missing answers for the template "
			 "(give them with --set NAME=VALUE or --answers FILE):"
			 " owners, contact\n");
}
END_TEST

/* The manifest's regex: NULL when accepted, else the error message. */
static const char *
regex_error(const char *re)
{
	static char text[2048];
	struct diag d = DIAG_INIT;
	struct tmpldir t;
	const char *ret = NULL;

	d.capture = &msg;
	strbuf_reset(&msg);
	snprintf(text, sizeof(text), "variables:\n  v: {regex: '%s'}\n", re);
	if (tmpldir_parse(&t, "tpl", text, strlen(text), &d))
		ret = msg.buf;
	tmpldir_release(&t);
	return ret;
}

START_TEST(test_regex_screening)
{
	char big[1100];

	ck_assert_ptr_null(regex_error("^[a-z][a-z0-9-]*$"));
	ck_assert_ptr_null(regex_error("^[[:alpha:]\\1]+(b|c){2,}$"));
	ck_assert_ptr_null(regex_error("^(a{1,30}){1,30}x$"));
	ck_assert_ptr_null(regex_error("^a\\.b\\{3\\}$"));
	ck_assert_str_eq(regex_error("^(a*)\\1$"), "khora: "
			 "khora-template.yaml:2:14: regex of variable 'v' "
			 "has a back-reference '\\1' (only "
			 "back-reference-free extended regular expressions "
			 "are allowed)\n");
	ck_assert_ptr_nonnull(strstr(regex_error("(a{1,255}){1,255}"),
				     "too complex"));
	ck_assert_ptr_nonnull(strstr(regex_error("(((a+)+)+)+{1,200}"),
				     "too complex"));
	ck_assert_ptr_nonnull(strstr(regex_error("a{256}"), "over 255"));
	ck_assert_ptr_nonnull(strstr(regex_error("((((((((((((((((((((((("
						 "((((((((((a))))))))))))))))"
						 "))))))))))))))))"),
				     "deeper than 32"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_nonnull(strstr(regex_error(big), "longer than 1024"));
	/* a regex the screening lets by is still compiled */
	ck_assert_ptr_nonnull(strstr(regex_error("a{3,2}"), "invalid regex"));
	ck_assert_ptr_nonnull(strstr(regex_error("[a"), "invalid regex"));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("tmpldir");
	TCase *tc = tcase_create("tmpldir");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults_and_types);
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_missing_listed_together);
	tcase_add_test(tc, test_regex_screening);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
