/* SPDX-License-Identifier: MIT */
/*
 * check_catcache.c - the plugin catalog cache (core/catcache.c): a warm
 * catalog takes plain sidecars from the cache and gives the very same
 * plugins; a changed, added, removed, symlinked or non-plain sidecar is
 * read from its file; a damaged cache is ignored with a warning; a
 * failed command writes nothing.
 */
#include "unit.h"
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include "catcache.h"
#include "sha256.h"
#include "wrapper.h"
#include "pipeline.h"
#include "stage.h"

static char dir[64], cache[128], plugins[128];
static struct strbuf msg = STRBUF_INIT;

static void
setup(void)
{
	umask(022);
	snprintf(dir, sizeof(dir), "/tmp/khora-cc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(plugins, sizeof(plugins), "%s/p", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	ck_assert_int_eq(mkdir(plugins, 0755), 0);
	setenv("KHORA_PLUGIN_PATH", plugins, 1);
	setenv("XDG_DATA_HOME", dir, 1);
	setenv("XDG_CACHE_HOME", cache, 1);
	strbuf_reset(&msg);
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

	snprintf(path, sizeof(path), "%s/%s.plugin", plugins, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "name: %s\nversion: 1.0.0\nabi: 1.0\n%s", name, body);
	fclose(f);
}

/*
 * Until the coarse clock has passed the files' times: an entry is kept
 * only for a file older than the scan (the racy-clean rule).
 */
static void
settle(void)
{
	struct timespec now, tick = { 0, 1000000 };
	char mark[256];
	struct stat st;
	int fd;

	/* a file made now is at least as new as every file before it */
	snprintf(mark, sizeof(mark), "%s/mark", dir);
	fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	close(fd);
	unlink(mark);
	do {
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
	} while (now.tv_sec < st.st_ctim.tv_sec ||
		 (now.tv_sec == st.st_ctim.tv_sec &&
		  now.tv_nsec <= st.st_ctim.tv_nsec));
}

/* One command: the catalog loaded, then main's flush. */
static unsigned
run(struct catalog *cat, int ok)
{
	struct diag d = DIAG_INIT;
	unsigned hits;

	d.capture = &msg;
	ck_assert_int_eq(catalog_load(cat, &d), 0);
	hits = cat->nr_cached;
	catcache_flush(ok, &d);
	return hits;
}

static char *
cache_file(void)
{
	char hex[65], *p = xmalloc(256);

	sha256_hex(plugins, strlen(plugins), hex);
	snprintf(p, 256, "%s/khora/catalog/%s", cache, hex);
	return p;
}

static void
same_str(const char *a, const char *b)
{
	ck_assert_int_eq(!a, !b);
	if (a)
		ck_assert_str_eq(a, b);
}

static void
same_names(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	ck_assert_uint_eq(na, nb);
	for (i = 0; i < na; i++)
		ck_assert_str_eq(a[i], b[i]);
	if (na)
		ck_assert_ptr_null(b[nb]);	/* NULL-terminated */
}

static void
same_decl(const struct decl *a, const struct decl *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_int_eq(a->type, b->type);
	same_str(a->def, b->def);
	same_names(a->choices, a->nr_choices, b->choices, b->nr_choices);
	ck_assert_int_eq(a->has_min, b->has_min);
	ck_assert_int_eq(a->has_max, b->has_max);
	if (a->has_min)
		ck_assert_int_eq(a->min, b->min);
	if (a->has_max)
		ck_assert_int_eq(a->max, b->max);
	same_str(a->pattern, b->pattern);
	ck_assert_int_eq(a->has_re, b->has_re);
	same_str(a->help, b->help);
	same_str(a->var, b->var);
	same_str(a->owner, b->owner);
}

static void
same_schema(const struct plugin_schema *a, const struct plugin_schema *b)
{
	size_t i;

	ck_assert_uint_eq(a->nr_opts, b->nr_opts);
	for (i = 0; i < a->nr_opts; i++)
		same_decl(&a->opts[i], &b->opts[i]);
	ck_assert_uint_eq(a->nr_keys, b->nr_keys);
	for (i = 0; i < a->nr_keys; i++)
		same_decl(&a->keys[i], &b->keys[i]);
	ck_assert_uint_eq(a->nr_features, b->nr_features);
	for (i = 0; i < a->nr_features; i++) {
		ck_assert_str_eq(a->features[i].name, b->features[i].name);
		same_names(a->features[i].choices, a->features[i].nr_choices,
			   b->features[i].choices, b->features[i].nr_choices);
		same_str(a->features[i].help, b->features[i].help);
		same_str(a->features[i].owner, b->features[i].owner);
	}
	ck_assert_uint_eq(a->nr_rules, b->nr_rules);
	for (i = 0; i < a->nr_rules; i++) {
		same_str(a->rules[i].if_feature, b->rules[i].if_feature);
		same_str(a->rules[i].if_value, b->rules[i].if_value);
		same_str(a->rules[i].need, b->rules[i].need);
		same_str(a->rules[i].message, b->rules[i].message);
		same_str(a->rules[i].def, b->rules[i].def);
		same_str(a->rules[i].owner, b->rules[i].owner);
	}
	same_names(a->slots, a->nr_slots, b->slots, b->nr_slots);
	same_str(a->package, b->package);
	ck_assert_int_eq(a->priority, b->priority);
}

START_TEST(test_warm_same_plugins)
{
	struct catalog cold, warm;
	char *cf = cache_file();
	struct stat st;
	size_t i;

	sidecar("alpha", "summary: \"first: one\\nline two\"\n"
		"provides: [alpha, alpha_x]\nrequires: [beta]\n"
		"conflicts: [gamma]\nafter: [beta]\nuses: [database]\n"
		"default: true\ntemplates: tpl\n");
	sidecar("beta", "provides: [beta]\nlibrary: libbeta.so\n");
	sidecar("gamma", "provides: [gamma]\noptions:\n  level:\n"
		"    type: int\n    default: 1\n    min: -5\n    max: 9\n"
		"  mode:\n    type: choice\n    choices: [a, b]\n"
		"    help: \"the mode\"\n"
		"  tag:\n    regex: '[a-z]+'\n    var: gamma_tag\n"
		"features:\n  gamma:\n    choices: [x, y]\n    help: pick\n"
		"rules:\n  - if: gamma=x\n    need: paths.gx\n"
		"    message: gx please\n    default: gx\n"
		"slots: [one, two]\npackage: khora-plugin-gamma\n"
		"priority: -3\n");
	sidecar("delta", "provides: [delta]\nconfig:\n  ports.gamma:\n"
		"    type: int\n    default: 8\n  paths.gx:\n"
		"    type: path\n");
	settle();
	ck_assert_uint_eq(run(&cold, 1), 0);
	ck_assert_int_eq(stat(cf, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq(run(&warm, 1), 4);
	ck_assert_uint_eq(warm.nr, cold.nr);
	for (i = 0; i < cold.nr; i++) {
		const struct plugin_info *a = cold.plugins[i];
		const struct plugin_info *b = warm.plugins[i];
		size_t j;

		ck_assert_str_eq(a->name, b->name);
		ck_assert_str_eq(a->version, b->version);
		ck_assert_str_eq(a->summary, b->summary);
		ck_assert_str_eq(a->sidecar, b->sidecar);
		ck_assert_str_eq(a->library, b->library);
		ck_assert_int_eq(!a->template_dir, !b->template_dir);
		if (a->template_dir)
			ck_assert_str_eq(a->template_dir, b->template_dir);
		ck_assert_uint_eq(a->abi_major, b->abi_major);
		ck_assert_uint_eq(a->abi_minor, b->abi_minor);
		ck_assert_int_eq(a->is_default, b->is_default);
		ck_assert_uint_eq(a->provides.nr, b->provides.nr);
		for (j = 0; j < a->provides.nr; j++)
			ck_assert_str_eq(a->provides.v[j], b->provides.v[j]);
		ck_assert_uint_eq(a->requires.nr, b->requires.nr);
		ck_assert_uint_eq(a->conflicts.nr, b->conflicts.nr);
		ck_assert_uint_eq(a->after.nr, b->after.nr);
		ck_assert_uint_eq(a->uses.nr, b->uses.nr);
		ck_assert_uint_eq(a->options.nr, b->options.nr);
	}
	ck_assert_str_eq(catalog_find(&warm, "alpha")->summary,
			 "first: one\nline two");
	same_schema(catalog_find(&cold, "gamma")->schema,
		    catalog_find(&warm, "gamma")->schema);
	same_schema(catalog_find(&cold, "delta")->schema,
		    catalog_find(&warm, "delta")->schema);
	ck_assert_str_eq(schema_key(&warm.schema, "ports.gamma")->owner,
			 "delta");
	catalog_release(&cold);
	catalog_release(&warm);
	ck_assert_str_eq(msg.buf, "");
	free(cf);
}
END_TEST

START_TEST(test_stale_entries)
{
	struct catalog cat;
	char path[256];

	sidecar("alpha", "provides: [alpha]\n");
	sidecar("beta", "provides: [beta]\n");
	settle();
	run(&cat, 1);
	catalog_release(&cat);
	/* same size, new content: the ctime says it changed */
	sidecar("alpha", "provides: [omega]\n");
	snprintf(path, sizeof(path), "%s/beta.plugin", plugins);
	ck_assert_int_eq(unlink(path), 0);
	sidecar("delta", "provides: [delta]\n");
	settle();
	ck_assert_uint_eq(run(&cat, 1), 0);
	ck_assert_str_eq(catalog_find(&cat, "alpha")->provides.v[0], "omega");
	ck_assert_ptr_null(catalog_find(&cat, "beta"));
	ck_assert_ptr_nonnull(catalog_find(&cat, "delta"));
	catalog_release(&cat);
	ck_assert_uint_eq(run(&cat, 1), 2);
	ck_assert_str_eq(catalog_find(&cat, "alpha")->provides.v[0], "omega");
	catalog_release(&cat);
}
END_TEST

START_TEST(test_failed_command_writes_nothing)
{
	struct catalog cat;
	char *cf = cache_file();
	struct stat st;

	sidecar("alpha", "provides: [alpha]\n");
	settle();
	run(&cat, 0);
	catalog_release(&cat);
	ck_assert_int_eq(stat(cf, &st), -1);
	ck_assert_int_eq(stat(cache, &st), -1);
	free(cf);
}
END_TEST

START_TEST(test_symlink_never_cached)
{
	struct catalog cat;
	char path[256];

	sidecar("real", "provides: [real]\n");
	snprintf(path, sizeof(path), "%s/alias.plugin", plugins);
	ck_assert_int_eq(symlink("real.plugin", path), 0);
	settle();
	run(&cat, 1);
	catalog_release(&cat);
	/* alias.plugin names itself "real": broken either way, never hit */
	ck_assert_uint_eq(run(&cat, 1), 1);
	catalog_release(&cat);
}
END_TEST

START_TEST(test_warning_never_cached)
{
	struct catalog cat;
	char path[256];
	FILE *f;

	/* a newer minor's unknown key: a warning on every run, not once */
	snprintf(path, sizeof(path), "%s/newer.plugin", plugins);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "name: newer\nversion: 1.0.0\nabi: 1.99\nfuture: x\n");
	fclose(f);
	sidecar("plain", "provides: [plain]\n");
	settle();
	run(&cat, 1);
	catalog_release(&cat);
	ck_assert(strstr(msg.buf, "sidecar key 'future' ignored"));
	strbuf_reset(&msg);
	ck_assert_uint_eq(run(&cat, 1), 1);
	ck_assert_ptr_nonnull(catalog_find(&cat, "newer"));
	catalog_release(&cat);
	ck_assert(strstr(msg.buf, "sidecar key 'future' ignored"));
}
END_TEST

/* Flips one byte of the cache file at off (from the end when < 0). */
static void
damage(const char *cf, long off)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *f;

	ck_assert_int_eq(strbuf_read_file_at(&sb, AT_FDCWD, cf, 1), 0);
	if (off < 0)
		off += (long)sb.len;
	sb.buf[off] ^= 1;
	f = fopen(cf, "w");
	fwrite(sb.buf, 1, sb.len, f);
	fclose(f);
	strbuf_release(&sb);
}

START_TEST(test_damaged_cache_ignored)
{
	struct catalog cat;
	char *cf = cache_file();
	char want[512];

	sidecar("alpha", "provides: [alpha]\n");
	sidecar("beta", "provides: [beta]\n");
	settle();
	run(&cat, 1);
	catalog_release(&cat);
	damage(cf, 40);
	ck_assert_uint_eq(run(&cat, 1), 0);
	ck_assert_ptr_nonnull(catalog_find(&cat, "alpha"));
	catalog_release(&cat);
	snprintf(want, sizeof(want), "khora: warning: %s: plugin catalog "
		 "cache ignored: corrupted or truncated (bad header or "
		 "checksum) (the sidecars are read)\n", cf);
	ck_assert_str_eq(msg.buf, want);
	/* rewritten by that run: warm and quiet again */
	strbuf_reset(&msg);
	ck_assert_uint_eq(run(&cat, 1), 2);
	catalog_release(&cat);
	ck_assert_str_eq(msg.buf, "");
	ck_assert_int_eq(chmod(cf, 0620), 0);
	ck_assert_uint_eq(run(&cat, 1), 0);
	catalog_release(&cat);
	ck_assert(strstr(msg.buf, "writable by group or others"));
	free(cf);
}
END_TEST

START_TEST(test_rebuild_local)
{
	struct catalog cat;
	struct diag d = DIAG_INIT;
	char *cf = cache_file(), local[256];
	struct stat st;

	sidecar("alpha", "provides: [alpha]\n");
	settle();
	d.capture = &msg;
	ck_assert_int_eq(catalog_load_opts(&cat, 1, &d), 0);
	ck_assert_uint_eq(cat.nr_cached, 0);
	catalog_release(&cat);
	catcache_flush(1, &d);
	/* a directory we may write gets its own cache, readable by all */
	snprintf(local, sizeof(local), "%s/%s", plugins, CATCACHE_LOCAL);
	ck_assert_int_eq(stat(local, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(stat(cf, &st), -1);
	/* fresh and complete: used, and no user cache is written */
	ck_assert_uint_eq(run(&cat, 1), 1);
	catalog_release(&cat);
	ck_assert_int_eq(stat(cf, &st), -1);
	/* a symbolic link where it goes is left alone, and said */
	ck_assert_int_eq(unlink(local), 0);
	ck_assert_int_eq(symlink("/dev/null", local), 0);
	ck_assert_int_eq(catalog_load_opts(&cat, 1, &d), 0);
	catalog_release(&cat);
	catcache_flush(1, &d);
	ck_assert_int_eq(lstat(local, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert(strstr(msg.buf, "not a regular file: left alone"));
	ck_assert_str_eq(d.code ? "error" : "", "");
	free(cf);
}
END_TEST

/*
 * --rebuild-cache writes the directory's own cache through the
 * directory the catalog checked: a directory (or a link) put at its
 * name between the scan and the write gets nothing.
 */
START_TEST(test_rebuild_local_through_fd)
{
	struct catalog cat;
	struct diag d = DIAG_INIT;
	char moved[256], local[512], elsewhere[256];
	struct stat st;
	int i;

	sidecar("alpha", "provides: [alpha]\n");
	settle();
	snprintf(moved, sizeof(moved), "%s/moved", dir);
	snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", dir);
	d.capture = &msg;
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(catalog_load_opts(&cat, 1, &d), 0);
		catalog_release(&cat);
		/* the swap: the checked directory away, another at its name */
		ck_assert_int_eq(rename(plugins, moved), 0);
		if (i)
			ck_assert_int_eq(symlink(elsewhere, plugins), 0);
		else
			ck_assert_int_eq(mkdir(plugins, 0755), 0);
		ck_assert_int_eq(mkdir(elsewhere, 0755), 0);
		catcache_flush(1, &d);
		snprintf(local, sizeof(local), "%s/%s", moved, CATCACHE_LOCAL);
		ck_assert_int_eq(stat(local, &st), 0);
		snprintf(local, sizeof(local), "%s/%s", plugins,
			 CATCACHE_LOCAL);
		ck_assert_int_eq(lstat(local, &st), -1);
		snprintf(local, sizeof(local), "%s/%s", elsewhere,
			 CATCACHE_LOCAL);
		ck_assert_int_eq(lstat(local, &st), -1);
		/* back as it was for the next round */
		ck_assert_int_eq(remove_tree(AT_FDCWD, plugins), 0);
		ck_assert_int_eq(remove_tree(AT_FDCWD, elsewhere), 0);
		ck_assert_int_eq(rename(moved, plugins), 0);
	}
	ck_assert_str_eq(msg.buf, "");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("catcache");
	TCase *tc = tcase_create("catcache");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_warm_same_plugins);
	tcase_add_test(tc, test_stale_entries);
	tcase_add_test(tc, test_failed_command_writes_nothing);
	tcase_add_test(tc, test_symlink_never_cached);
	tcase_add_test(tc, test_warning_never_cached);
	tcase_add_test(tc, test_damaged_cache_ignored);
	tcase_add_test(tc, test_rebuild_local);
	tcase_add_test(tc, test_rebuild_local_through_fd);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
