/* SPDX-License-Identifier: MIT */
/*
 * check_cond.c - unit tests of core/cond.c (conditions) and
 * core/tmods.c (the template language's modifiers): tables of inputs
 * and results, and the errors of hostile conditions.
 */
#include "unit.h"
#include "cond.h"
#include "tmods.h"
#include "wrapper.h"

/* kind=web, on=true, off=false, n=3, extras=docs,lint, hidden inactive */
static int
lookup(void *data, const char *name, struct cond_var *out)
{
	static const char *const vars[][2] = {
		{ "kind", "web" }, { "on", "true" }, { "off", "false" },
		{ "n", "3" }, { "extras", "docs, lint" }, { "hidden", "x" },
		{ "empty", "" },
	};
	size_t i;

	(void)data;
	for (i = 0; i < ARRAY_SIZE(vars); i++)
		if (!strcmp(name, vars[i][0])) {
			out->value = vars[i][1];
			out->active = strcmp(name, "hidden") != 0;
			return 0;
		}
	return -1;
}

static const struct crow {
	const char *expr;
	int want;		/* 0, 1, or -1: an error */
} crows[] = {
	{ "on", 1 }, { "off", 0 }, { "empty", 0 }, { "hidden", 0 },
	{ "not on", 0 }, { "not not on", 1 },
	{ "kind == web", 1 }, { "kind == 'web'", 1 }, { "kind==web", 1 },
	{ "kind != web", 0 }, { "kind == cli", 0 },
	{ "on and off", 0 }, { "on or off", 1 },
	{ "off or off or on", 1 }, { "on and on and off", 0 },
	{ "not on or on", 1 }, { "not (on or on)", 0 },
	{ "off or on and off", 0 }, { "(off or on) and on", 1 },
	{ "kind in [cli, web]", 1 }, { "kind in [cli, \"lib\"]", 0 },
	{ "kind not in [cli]", 1 }, { "'lint' in extras", 1 },
	{ "'typing' in extras", 0 }, { "'docs' not in extras", 0 },
	{ "hidden in [x]", 0 }, { "n == 3 and kind != cli", 1 },
	{ "", -1 }, { "on and", -1 }, { "(on", -1 }, { "on)", -1 },
	{ "kind ==", -1 }, { "kind in cli", -1 }, { "kind in [cli", -1 },
	{ "kind in [cli,]", -1 }, { "nosuch", -1 }, { "'x' == kind", -1 },
	{ "'x'", -1 }, { "kind == 'web", -1 }, { "on & off", -1 },
	{ "and", -1 }, { "kind not == web", -1 }, { "3 == n", -1 },
};

START_TEST(test_conditions)
{
	const struct crow *r = &crows[_i];
	struct cond_env env = { lookup, NULL, NULL, 0, NULL };
	struct strbuf err = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	int res = -7, ret;

	d.capture = &err;
	ret = cond_eval(r->expr, NULL, &env, &res, &d);
	if (r->want < 0) {
		ck_assert_msg(ret == -1, "'%s' should fail", r->expr);
		ck_assert_int_eq(d.code, EXIT_TEMPLATE);
		ck_assert_ptr_nonnull(strstr(err.buf, "invalid condition"));
	} else {
		ck_assert_msg(!ret, "'%s' failed: %s", r->expr, err.buf);
		ck_assert_msg(res == r->want, "'%s' is %d", r->expr, res);
	}
	strbuf_release(&err);
}
END_TEST

START_TEST(test_hostile)
{
	struct cond_env env = { lookup, NULL, NULL, 0, NULL };
	struct strbuf e = STRBUF_INIT, err = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	int res, i;

	d.capture = &err;
	for (i = 0; i < 40; i++)
		strbuf_addch(&e, '(');
	strbuf_addstr(&e, "on");
	for (i = 0; i < 40; i++)
		strbuf_addch(&e, ')');
	ck_assert_int_eq(cond_eval(e.buf, NULL, &env, &res, &d), -1);
	ck_assert_ptr_nonnull(strstr(err.buf, "nested deeper than 32"));
	/* exactly 32 groups (the documented limit) pass, 33 do not */
	strbuf_reset(&e);
	strbuf_reset(&err);
	for (i = 0; i < 32; i++)
		strbuf_addch(&e, '(');
	strbuf_addstr(&e, "on");
	for (i = 0; i < 32; i++)
		strbuf_addch(&e, ')');
	ck_assert_int_eq(cond_eval(e.buf, NULL, &env, &res, &d), 0);
	ck_assert_int_eq(res, 1);
	strbuf_reset(&e);
	for (i = 0; i < 33; i++)
		strbuf_addstr(&e, "not ");
	d = (struct diag)DIAG_INIT;
	d.capture = &err;
	strbuf_addstr(&e, "on");
	ck_assert_int_eq(cond_eval(e.buf, NULL, &env, &res, &d), -1);
	ck_assert_ptr_nonnull(strstr(err.buf, "nested deeper than 32"));
	strbuf_reset(&e);
	for (i = 0; i < 300; i++)
		strbuf_addstr(&e, "on or ");
	strbuf_addstr(&e, "on");
	strbuf_reset(&err);
	d = (struct diag)DIAG_INIT;
	d.capture = &err;
	ck_assert_int_eq(cond_eval(e.buf, NULL, &env, &res, &d), -1);
	ck_assert_ptr_nonnull(strstr(err.buf, "longer than 1024 bytes"));
	strbuf_release(&e);
	strbuf_release(&err);
}
END_TEST

static const struct mrow {
	const char *mod, *arg, *in, *out;
} mrows[] = {
	{ "slug", NULL, "My FastAPI app!", "my-fastapi-app" },
	{ "slug", NULL, "  --x--  ", "x" },
	{ "snake", NULL, "My FastAPI app", "my_fast_api_app" },
	{ "kebab", NULL, "helloWorld 2", "hello-world-2" },
	{ "camel", NULL, "hello big_world", "helloBigWorld" },
	{ "lower", NULL, "AbC\xc3\x89", "abc\xc3\x89" },
	{ "upper", NULL, "aBc", "ABC" },
	{ "replace", "a=b", "banana", "bbnbnb" },
	{ "replace", "an", "banana", "ba" },
	{ "replace", "x=y", "", "" },
	{ "default", "none", "", "none" },
	{ "default", "none", "set", "set" },
	{ "join", NULL, " a ,b,, c", "a, b, c" },
	{ "join", "/", "a,b", "a/b" },
	{ "join", "/", "", "" },
};

START_TEST(test_modifiers)
{
	const struct mrow *r = &mrows[_i];
	struct strbuf out = STRBUF_INIT;
	int id = tmod_lookup(r->mod, strlen(r->mod));

	ck_assert_int_ge(id, TMOD_BASE);
	ck_assert_ptr_null(tmod_check_arg(id, r->arg));
	tmod_apply(id, r->arg, r->in, &out);
	ck_assert_str_eq(out.buf, r->out);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_modifier_args)
{
	ck_assert_int_eq(tmod_lookup("nope", 4), -1);
	ck_assert_ptr_nonnull(tmod_check_arg(tmod_lookup("slug", 4), "x"));
	ck_assert_ptr_nonnull(tmod_check_arg(tmod_lookup("replace", 7),
					     NULL));
	ck_assert_ptr_nonnull(tmod_check_arg(tmod_lookup("replace", 7),
					     "=b"));
	ck_assert_ptr_nonnull(tmod_check_arg(tmod_lookup("default", 7),
					     NULL));
	ck_assert_ptr_null(tmod_check_arg(tmod_lookup("default", 7), ""));
	ck_assert_ptr_null(tmod_check_arg(tmod_lookup("join", 4), NULL));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("cond");
	TCase *tc = tcase_create("cond");

	tcase_add_loop_test(tc, test_conditions, 0, (int)ARRAY_SIZE(crows));
	tcase_add_test(tc, test_hostile);
	tcase_add_loop_test(tc, test_modifiers, 0, (int)ARRAY_SIZE(mrows));
	tcase_add_test(tc, test_modifier_args);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
