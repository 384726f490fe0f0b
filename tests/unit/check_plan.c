/* SPDX-License-Identifier: MIT */
/*
 * check_plan.c - the merge of all plugins' actions (core/plan.c):
 * normalisation, confinement, collisions naming both plugins; the lock
 * file that records every file with its hash and the base
 * (core/records.c); the reserved names (core/dict.c); and that freeing
 * the actions leaves the plugins alone.
 */
#include "unit.h"
#include <fcntl.h>
#include "khora-plugin.h"
#include "pipeline.h"
#include "wrapper.h"

static struct config cfg;
static struct catalog cat;
static struct pipeline p;
static struct plugin_info pa, pb;
static struct strbuf msg = STRBUF_INIT;
static struct diag d = DIAG_INIT;

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
	pa.name = (char *)"alpha";
	pa.library = (char *)"/x/alpha.so";
	pb.name = (char *)"beta";
	pb.library = (char *)"/x/beta.so";
}

static void
teardown(void)
{
	pipeline_release(&p);
	config_release(&cfg);
	strbuf_release(&msg);
}

static void
text(struct plugin_info *pi, const char *path, const char *body)
{
	struct action *a = pipeline_add(&p, A_TEXT, pi, path);

	a->text = strdup(body);
	a->mode = 0644;
}

START_TEST(test_merge_sorts_and_normalises)
{
	text(&pa, "./b//c.txt", "c");
	text(&pb, "a.txt", "a");
	pipeline_add(&p, A_DIR, &pa, "b")->mode = 0755;
	pipeline_add(&p, A_DIR, &pb, "b/")->mode = 0755;
	ck_assert_int_eq(pipeline_merge(&p), 0);
	ck_assert_uint_eq(p.nr, 3);
	ck_assert_str_eq(p.actions[0].path, "a.txt");
	ck_assert_str_eq(p.actions[1].path, "b");
	ck_assert_str_eq(p.actions[2].path, "b/c.txt");
}
END_TEST

/* Slot items: each once, in the order first given, across many slots
 * and many items (looked up in tables, kept in order). */
START_TEST(test_slot_items)
{
	char slot[32], item[32];
	size_t i, j;

	for (i = 0; i < 30000; i++) {
		snprintf(slot, sizeof(slot), "s%zu", i % 3);
		snprintf(item, sizeof(item), "item%zu", i % 10000);
		ck_assert_int_eq(pipeline_contribute(&p, slot, item), 0);
	}
	ck_assert_uint_eq(p.nr_slots, 3);
	for (i = 0; i < 3; i++) {
		snprintf(slot, sizeof(slot), "s%zu", i);
		ck_assert_str_eq(p.slots[i].name, slot);
		/* i % 3 meets every item of one residue, then wraps */
		ck_assert_uint_eq(p.slots[i].items.nr, 10000);
		for (j = 0; j < 10; j++) {
			snprintf(item, sizeof(item), "item%zu", 3 * j + i);
			ck_assert_str_eq(p.slots[i].items.v[j], item);
		}
	}
}
END_TEST

START_TEST(test_collision)
{
	text(&pa, "README.md", "a");
	text(&pb, "./README.md", "b");
	ck_assert_int_eq(pipeline_merge(&p), -1);
	ck_assert_int_eq(d.code, EXIT_CONFLICT);
	ck_assert_str_eq(msg.buf, "khora: path collision: plugins 'alpha' and "
			 "'beta' both write 'README.md'\n");
}
END_TEST

START_TEST(test_collision_same_plugin)
{
	text(&pa, "x", "a");
	text(&pa, "x", "b");
	ck_assert_int_eq(pipeline_merge(&p), -1);
	ck_assert_str_eq(msg.buf, "khora: path collision: plugin 'alpha' emits "
			 "'x' twice\n");
}
END_TEST

START_TEST(test_file_over_dir)
{
	text(&pa, "src", "a file");
	text(&pb, "src/pkg/__init__.py", "");
	text(&pb, "src-other", "");
	ck_assert_int_eq(pipeline_merge(&p), -1);
	ck_assert_str_eq(msg.buf, "khora: path collision: 'src' (plugin "
			 "'alpha') is a file, but plugin 'beta' writes "
			 "'src/pkg/__init__.py' inside it\n");
}
END_TEST

START_TEST(test_confinement)
{
	text(&pa, "../escape", "x");
	ck_assert_int_eq(pipeline_merge(&p), -1);
	ck_assert_int_eq(d.code, EXIT_PLUGIN);
	ck_assert_str_eq(msg.buf, "khora: plugin 'alpha' (/x/alpha.so): "
			 "invalid path '../escape': the path escapes the "
			 "project\n");
}
END_TEST

START_TEST(test_reserved_and_symlinks)
{
	text(&pa, ".khora/lock", "x");
	ck_assert_int_eq(pipeline_merge(&p), -1);
	ck_assert_str_eq(msg.buf, "khora: plugin 'alpha' (/x/alpha.so): "
			 "invalid path '.khora/lock': reserved for khora\n");
}
END_TEST

/* a crash journal's name: the next status would replay it */
START_TEST(test_reserved_journal)
{
	text(&pa, ".khora-backup.1.abc/journal", "B - /etc/passwd\n");
	ck_assert_int_eq(pipeline_merge(&p), -1);
	ck_assert_int_eq(d.code, EXIT_PLUGIN);
	ck_assert_str_eq(msg.buf, "khora: plugin 'alpha' (/x/alpha.so): "
			 "invalid path '.khora-backup.1.abc/journal': "
			 "reserved for khora\n");
}
END_TEST

START_TEST(test_symlink_escape)
{
	struct action *a = pipeline_add(&p, A_SYMLINK, &pb, "docs/link");

	a->text = strdup("../../etc/passwd");
	ck_assert_int_eq(pipeline_merge(&p), -1);
	ck_assert_str_eq(msg.buf, "khora: plugin 'beta' (/x/beta.so): symlink "
			 "'docs/link' -> '../../etc/passwd': the target "
			 "escapes the project\n");
}
END_TEST

START_TEST(test_lock)
{
	const struct action *lock;

	text(&pa, "hello.txt", "abc");
	ck_assert_int_eq(pipeline_merge(&p), 0);
	ck_assert_int_eq(pipeline_render(&p), 0);
	pipeline_add_records(&p, NULL);
	lock = &p.actions[p.nr - 1];
	ck_assert_str_eq(lock->path, ".khora/lock");
	ck_assert_ptr_nonnull(strstr(lock->data, "  - path: \"hello.txt\"\n"
				     "    plugin: alpha\n    mode: \"0644\"\n"
				     "    sha256: ba7816bf8f01cfea414140de5dae"
				     "2223b00361a396177a9cb410ff61f20015ad\n"));
	ck_assert_str_eq(p.actions[p.nr - 2].path, ".khora/base");
}
END_TEST

static void
collect_base(const char *path, const char *data, size_t len, void *arg)
{
	struct strbuf *sb = arg;

	strbuf_addf(sb, "[%s=%.*s]", path, (int)len, data);
}

/* .khora/base frames each file by its size: any byte survives */
START_TEST(test_base_roundtrip)
{
	struct strbuf got = STRBUF_INIT;
	const struct action *base;

	text(&pa, "a.txt", "one\n@@ 3 fake\n");
	text(&pa, "b/c.txt", "no newline");
	text(&pb, "empty", "");
	ck_assert_int_eq(pipeline_merge(&p), 0);
	ck_assert_int_eq(pipeline_render(&p), 0);
	pipeline_add_records(&p, NULL);
	base = &p.actions[p.nr - 2];
	ck_assert_int_eq(pipeline_read_base(base->data, base->len,
					    collect_base, &got), 0);
	ck_assert_str_eq(got.buf, "[a.txt=one\n@@ 3 fake\n][b/c.txt=no "
			 "newline][empty=]");
	/* a truncated or damaged base is refused, not half-read */
	ck_assert_int_eq(pipeline_read_base(base->data, base->len - 2,
					    collect_base, &got), -1);
	ck_assert_int_eq(pipeline_read_base("junk", 4, collect_base, &got),
			 -1);
	strbuf_release(&got);
}
END_TEST

/* a copy that yields (KHORA_MODE_YIELD) gives way instead of colliding */
START_TEST(test_yield)
{
	struct action *a = pipeline_add(&p, A_TEXT, &pb, "docs/index.md");

	a->text = strdup("copy");
	a->yield = 1;
	text(&pa, "docs/index.md", "generated");
	ck_assert_int_eq(pipeline_merge(&p), 0);
	ck_assert_uint_eq(p.nr, 1);
	ck_assert_str_eq(p.actions[0].text, "generated");
}
END_TEST

/*
 * The reserved names are the ones the dictionary gets: each defined
 * (as a variable or a section) in every run, and each listed in
 * khora-template(5).
 */
START_TEST(test_reserved_names)
{
	struct strbuf doc = STRBUF_INIT, want = STRBUF_INIT;
	const char *name;
	char *sec;
	size_t i;

	setenv("SOURCE_DATE_EPOCH", "0", 1);
	pipeline_release(&p);
	pipeline_init(&p, &d, &cfg, &cat);
	unsetenv("SOURCE_DATE_EPOCH");
	ck_assert_int_eq(pipeline_merge(&p), 0);
	ck_assert_int_eq(strbuf_read_file_at(&doc, AT_FDCWD,
					     "doc/khora-template.5", 0), 0);
	sec = strstr(doc.buf, ".SH RESERVED NAMES");
	ck_assert_ptr_nonnull(sec);
	/* the section alone, each name in bold on its own line */
	ck_assert_ptr_nonnull(strstr(sec + 1, "\n.SH "));
	strstr(sec + 1, "\n.SH ")[1] = '\0';
	for (i = 0; (name = pipeline_reserved(i)); i++) {
		char *v, *s;

		strbuf_reset(&want);
		strbuf_addf(&want, "\n.BR %s ", name);
		if (!strstr(sec, want.buf)) {
			strbuf_reset(&want);
			strbuf_addf(&want, "\n.B %s\n", name);
		}
		ck_assert_msg(strstr(sec, want.buf) != NULL, "%s is not in "
			      "khora-template(5)", name);
		ck_assert(pipeline_is_reserved(name));
		if (name[strlen(name) - 1] == '_')
			continue;
		strbuf_reset(&want);
		strbuf_addf(&want, "{{%s}}", name);
		v = template_render_string("v", want.buf, p.global, &d);
		strbuf_reset(&want);
		strbuf_addf(&want, "{{#%s}}{{/%s}}", name, name);
		s = template_render_string("s", want.buf, p.global, &d);
		ck_assert_msg(v || s, "%s is not in the dictionary", name);
		free(v);
		free(s);
	}
	ck_assert(pipeline_is_reserved("has_anything"));
	ck_assert(pipeline_is_reserved("feature_docs"));
	ck_assert(!pipeline_is_reserved("service_name"));
	ck_assert(!pipeline_is_reserved("project"));
	strbuf_release(&doc);
	strbuf_release(&want);
}
END_TEST

static int fini_calls;

static void
count_fini(khora_ctx *ctx, const struct khora_host *h)
{
	(void)ctx;
	(void)h;
	fini_calls++;
}

/*
 * Freeing the actions never unloads code (doc/design.md §9): the
 * plugin's fini is not run, its context and handle are not touched
 * (both are sentinels here, which freeing or dlclose() would trip on).
 * The owner of the plugins unloads them before pipeline_release().
 */
START_TEST(test_release_leaves_plugins)
{
	static const struct khora_plugin desc = { .fini = count_fini };
	struct khora_ctx *sentinel = (struct khora_ctx *)&fini_calls;

	pa.initialized = 1;
	pa.desc = &desc;
	pa.handle = (void *)&desc;
	pa.ctx = sentinel;
	p.active = xmalloc(sizeof(*p.active));
	p.active[0] = &pa;
	p.nr_active = 1;
	text(&pa, "a.txt", "a");
	pipeline_release(&p);
	ck_assert_int_eq(fini_calls, 0);
	ck_assert_int_eq(pa.initialized, 1);
	ck_assert_ptr_eq(pa.handle, &desc);
	ck_assert_ptr_eq(pa.ctx, sentinel);
	pa.initialized = 0;
	pa.desc = NULL;
	pa.handle = NULL;
	pa.ctx = NULL;
	pipeline_init(&p, &d, &cfg, &cat);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_merge_sorts_and_normalises);
	tcase_add_test(tc, test_slot_items);
	tcase_add_test(tc, test_collision);
	tcase_add_test(tc, test_collision_same_plugin);
	tcase_add_test(tc, test_file_over_dir);
	tcase_add_test(tc, test_confinement);
	tcase_add_test(tc, test_reserved_and_symlinks);
	tcase_add_test(tc, test_reserved_journal);
	tcase_add_test(tc, test_symlink_escape);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_base_roundtrip);
	tcase_add_test(tc, test_yield);
	tcase_add_test(tc, test_reserved_names);
	tcase_add_test(tc, test_release_leaves_plugins);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
