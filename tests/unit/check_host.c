/* SPDX-License-Identifier: MIT */
/*
 * check_host.c - the host vtable as a buggy plugin calls it (core/host.c):
 * every misuse (NULL or empty arguments, a bad name, unknown mode or
 * command flags, a call outside the plan callback, a line break in a
 * slot item) is one error naming the plugin and the call, exit code 4,
 * and adds nothing to the plan; the lookups answer NULL for what is
 * not there instead of crashing.
 */
#include "unit.h"
#include "khora-plugin.h"
#include "pipeline.h"

static struct config cfg;
static struct catalog cat;
static struct pipeline p;
static struct plugin_info pi;
static struct strbuf msg = STRBUF_INIT;
static struct diag d = DIAG_INIT;
static struct khora_ctx *ctx;
static const struct khora_host *h;

static void
setup(void)
{
	struct config_overrides ov;

	memset(&ov, 0, sizeof(ov));
	ov.default_name = "demo";
	d.capture = &msg;
	ck_assert_int_eq(config_load(&cfg, NULL, &ov, &d), 0);
	memset(&cat, 0, sizeof(cat));
	pipeline_init(&p, &d, &cfg, &cat);
	pi.name = (char *)"buggy";
	pi.library = (char *)"/x/buggy.so";
	h = host_vtable();
	ctx = host_ctx_new(&p, &pi);
	host_ctx_set_planning(ctx, 1);
}

static void
teardown(void)
{
	host_ctx_free(ctx);
	pipeline_release(&p);
	config_release(&cfg);
	strbuf_release(&msg);
}

/* The call failed with exactly this message, and planned nothing. */
static void
refused(int ret, const char *why)
{
	struct strbuf want = STRBUF_INIT;

	strbuf_addf(&want, "khora: plugin 'buggy' (/x/buggy.so): %s\n", why);
	ck_assert_int_eq(ret, -1);
	ck_assert_str_eq(msg.buf, want.buf);
	ck_assert_int_eq(d.code, EXIT_PLUGIN);
	ck_assert_uint_eq(p.nr, 0);
	ck_assert_uint_eq(p.nr_cmds, 0);
	strbuf_reset(&msg);
	d.code = 0;
	d.nr_errors = 0;
	strbuf_release(&want);
}

START_TEST(test_bad_arguments)
{
	const char *empty[] = { "", NULL };
	const char *git[] = { "git", "init", NULL };

	refused(h->add_file(ctx, "a", NULL, 0644), "add_file 'a': invalid "
		"template name");
	refused(h->add_file(ctx, NULL, "", 0644), "add_file '(null)': invalid "
		"template name");
	refused(h->add_file(ctx, "a", "/etc/passwd", 0644), "add_file 'a': "
		"invalid template name");
	refused(h->add_file(ctx, "a", "x/../../y", 0644), "add_file 'a': "
		"invalid template name");
	refused(h->add_file(ctx, NULL, "t", 0644), "add_file: path is NULL");
	refused(h->add_text(ctx, "a", NULL, 0644), "add_text 'a': text is "
		"NULL");
	refused(h->add_text(ctx, NULL, NULL, 0644), "add_text '(null)': text "
		"is NULL");
	refused(h->add_text(ctx, NULL, "x", 0644), "add_text: path is NULL");
	refused(h->add_dir(ctx, NULL, 0755), "add_dir: path is NULL");
	refused(h->add_symlink(ctx, "l", ""), "add_symlink 'l': empty target");
	refused(h->add_symlink(ctx, NULL, NULL), "add_symlink '(null)': empty "
		"target");
	refused(h->add_symlink(ctx, NULL, "t"), "add_symlink: path is NULL");
	refused(h->set_var(ctx, "a-b", "x"), "set_var: invalid variable name "
		"or value");
	refused(h->set_var(ctx, "ok", NULL), "set_var: invalid variable name "
		"or value");
	refused(h->set_var(ctx, "", "x"), "set_var: invalid variable name or "
		"value");
	refused(h->set_section(ctx, NULL, 1), "set_section: invalid section "
		"name");
	refused(h->set_section(ctx, "a b", 1), "set_section: invalid section "
		"name");
	refused(h->add_command(ctx, NULL, 0), "add_command: empty command");
	refused(h->add_command(ctx, empty, 0), "add_command: empty command");
	refused(h->add_command(ctx, git, 0x40000000u), "add_command 'git': "
		"unknown flags 0x40000000");
	refused(h->contribute(ctx, NULL, "x"), "contribute: invalid slot name");
	refused(h->contribute(ctx, "a.b-c", "x"), "contribute: invalid slot "
		"name 'a.b-c' (PLUGIN.NAME)");
	refused(h->contribute(ctx, ".x", "x"), "contribute: invalid slot name "
		"'.x' (PLUGIN.NAME)");
	refused(h->contribute(ctx, "buggy.extra", NULL), "contribute: invalid "
		"slot name or item");
	refused(h->contribute(ctx, "buggy.extra", "one\ntwo"), "contribute to "
		"'buggy.extra': an item is one line");
	ck_assert_ptr_null(h->quote_yaml(ctx, NULL));
	refused(-1, "quote_yaml: value is NULL");
	ck_assert_ptr_null(h->quote_shell(ctx, NULL));
	refused(-1, "quote_shell: value is NULL");
}
END_TEST

START_TEST(test_outside_plan)
{
	const char *git[] = { "git", "init", NULL };

	/* a plugin that kept its ctx and calls later: refused */
	host_ctx_set_planning(ctx, 0);
	refused(h->add_text(ctx, "a", "x", 0644), "add_text called outside "
		"the plan callback");
	refused(h->add_dir(ctx, "d", 0755), "add_dir called outside the plan "
		"callback");
	refused(h->add_symlink(ctx, "l", "t"), "add_symlink called outside "
		"the plan callback");
	refused(h->contribute(ctx, "buggy.extra", "x"), "contribute called "
		"outside the plan callback");
	refused(h->add_command(ctx, git, 0), "add_command called outside the "
		"plan callback");
}
END_TEST

START_TEST(test_lookups)
{
	/* what the config has, NULL for what is not there */
	ck_assert_str_eq(h->project(ctx, "name"), "demo");
	ck_assert_str_eq(h->project(ctx, "slug"), cfg.slug);
	ck_assert_ptr_eq(h->project(ctx, "author"), cfg.author);
	ck_assert_ptr_eq(h->project(ctx, "author_email"), cfg.author_email);
	ck_assert_ptr_eq(h->project(ctx, "version"), cfg.version);
	ck_assert_ptr_eq(h->project(ctx, "license"), cfg.license);
	ck_assert_ptr_null(h->project(ctx, NULL));
	ck_assert_ptr_null(h->project(ctx, "no_such_key"));
	ck_assert_ptr_null(h->project(ctx, "noplugin.key"));
	ck_assert_ptr_null(h->project(ctx, ".key"));
	ck_assert_ptr_null(h->feature(ctx, NULL));
	ck_assert_ptr_null(h->option(ctx, NULL));
	ck_assert_ptr_null(h->option(ctx, "nothing"));
	ck_assert_str_eq(msg.buf, "");
	/* free() of memory the host never gave is ignored, alloc(0) is
	 * one byte, and what is left is freed with the ctx */
	h->free(ctx, &cfg);
	h->free(ctx, NULL);
	ck_assert_ptr_nonnull(h->alloc(ctx, 0));
	ck_assert_ptr_null(h->alloc(ctx, (size_t)-1));
}
END_TEST

START_TEST(test_accepted)
{
	const char *git[] = { "git", "init", NULL };
	char *q;

	/* the same calls, well made: planned, no message */
	ck_assert_int_eq(h->add_text(ctx, "a.txt", "x", 0), 0);
	ck_assert_int_eq(h->add_dir(ctx, "d", 0), 0);
	ck_assert_int_eq(h->add_symlink(ctx, "l", "a.txt"), 0);
	ck_assert_int_eq(h->add_command(ctx, git, KHORA_CMD_QUIET), 0);
	ck_assert_int_eq(h->set_var(ctx, "v_1", "x"), 0);
	ck_assert_int_eq(h->set_section(ctx, "S", 1), 0);
	ck_assert_str_eq(msg.buf, "");
	ck_assert_uint_eq(p.nr, 3);
	ck_assert_uint_eq(p.actions[0].mode, 0644);
	ck_assert_uint_eq(p.actions[1].mode, 0755);
	ck_assert_uint_eq(p.nr_cmds, 1);
	q = h->quote_json(ctx, "a\"b");
	ck_assert_str_eq(q, "\"a\\\"b\"");
	h->free(ctx, q);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("host");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_outside_plan);
	tcase_add_test(tc, test_lookups);
	tcase_add_test(tc, test_accepted);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
