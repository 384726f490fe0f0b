/* SPDX-License-Identifier: MIT */
/*
 * check_mergestate.c - unit tests of core/mergestate.c: the per-path
 * rule on chosen cases, hostile inputs refused, and a property: the lock
 * and the base, merged by two separate calls, always agree as update
 * requires (every hash of the lock has its copy or none, every copy a
 * file of the lock with that hash, or one the user owns).
 */
#include "unit.h"
#include <stdlib.h>
#include "mergestate.h"
#include "pipeline.h"
#include "project.h"
#include "sha256.h"

#define NPATHS 4

/* One side's view of a path: 0 absent, 'f' file (content c), 's' one
 * holding a secret, 'u' the user's, 'l' a symlink (target c). */
struct pstate {
	int kind;
	int c;
};

static void
content(int c, char *buf, size_t n)
{
	snprintf(buf, n, "content %d\n", c);
}

static void
build(const struct pstate st[NPATHS], const char *plugins,
      struct strbuf *lock, struct strbuf *base)
{
	char buf[64], hex[65];
	int i;

	strbuf_addf(lock, "lock_version: 1\nkhora_version: 0.1.0\n"
		    "plugins:\n%sfiles:", plugins);
	for (i = 0; i < NPATHS && !st[i].kind; i++)
		;
	strbuf_addstr(lock, i == NPATHS ? " []\n" : "\n");
	strbuf_addstr(base, PIPELINE_BASE_HEADER);
	for (i = 0; i < NPATHS; i++) {
		if (!st[i].kind)
			continue;
		strbuf_addf(lock, "  - path: \"d/p%d\"\n    plugin: python\n",
			    i);
		if (st[i].kind == 'u') {
			strbuf_addstr(lock, "    user: true\n");
		} else if (st[i].kind == 'l') {
			strbuf_addf(lock, "    symlink: \"t%d\"\n", st[i].c);
		} else {
			content(st[i].c, buf, sizeof(buf));
			sha256_hex(buf, strlen(buf), hex);
			strbuf_addf(lock, "    mode: \"0644\"\n    sha256: "
				    "%s\n", hex);
			/* a file holding a secret has no copy */
			if (st[i].kind == 's')
				strbuf_addstr(lock, "    secret: true\n");
			else
				strbuf_addf(base, "@@ %zu d/p%d\n%s\n",
					    strlen(buf), i, buf);
		}
	}
}

static void
texts(struct mstate_text t[3], struct strbuf v[3])
{
	static const char *const names[] = { "o", "a", "b" };
	int i;

	for (i = 0; i < 3; i++) {
		t[i].name = names[i];
		t[i].buf = v[i].buf;
		t[i].len = v[i].len;
	}
}

struct brecs {
	char path[64][16];
	char hex[64][65];
	int nr;
};

static void
add_brec(const char *path, const char *data, size_t len, void *arg)
{
	struct brecs *b = arg;

	ck_assert_int_lt(b->nr, 64);
	snprintf(b->path[b->nr], sizeof(b->path[0]), "%s", path);
	sha256_hex(data, len, b->hex[b->nr]);
	b->nr++;
}

/* Merges states o, a, b; checks that lock and base agree; returns the
 * merged lock in out. */
static void
merge_states(const struct pstate s[3][NPATHS], struct strbuf *out)
{
	struct strbuf lock[3] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf base[3] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf mbase = STRBUF_INIT;
	struct mstate_text t[3];
	struct lock_entry *e = NULL;
	struct ynode *tree = NULL;
	struct brecs b;
	size_t nr, i;
	int j;
	CAPTURE_DIAG(d, msgs);

	for (j = 0; j < 3; j++)
		build(s[j], "  - {name: python, version: \"0.1.0\"}\n",
		      &lock[j], &base[j]);
	texts(t, lock);
	ck_assert_msg(!mergestate_lock(t, out, &d), "%s", msgs.buf);
	texts(t, base);
	ck_assert_msg(!mergestate_base(t, &mbase, &d), "%s", msgs.buf);
	ck_assert(!project_parse_lock("merged", out->buf, out->len, &tree,
				      &e, &nr, &d));
	memset(&b, 0, sizeof(b));
	ck_assert(!pipeline_read_base(mbase.buf, mbase.len, add_brec, &b));
	for (i = 0; i < nr; i++) {
		int found = 0;

		for (j = 0; j < b.nr; j++)
			if (!strcmp(b.path[j], e[i].path)) {
				found = 1;
				ck_assert(e[i].user || (!e[i].secret &&
					  e[i].sha256 &&
					   !strcmp(e[i].sha256, b.hex[j])));
			}
		/* a file of the lock without a copy: update merges it
		 * two-way, with a warning; allowed, never a wrong copy */
		(void)found;
	}
	for (j = 0; j < b.nr; j++) {
		int found = 0;

		for (i = 0; i < nr; i++)
			found |= !strcmp(b.path[j], e[i].path);
		ck_assert_msg(found, "base copy %s with no lock entry",
			      b.path[j]);
	}
	ynode_free(tree);
	free(e);
	for (j = 0; j < 3; j++) {
		strbuf_release(&lock[j]);
		strbuf_release(&base[j]);
	}
	strbuf_release(&mbase);
	strbuf_release(&msgs);
}

/* The entry of path in a merged lock: its text up to the next one. */
static const char *
entry(const struct strbuf *lock, int i, char *buf, size_t n)
{
	char key[32];
	const char *p, *end;

	snprintf(key, sizeof(key), "  - path: \"d/p%d\"\n", i);
	p = strstr(lock->buf, key);
	if (!p)
		return NULL;
	p += strlen(key);
	end = strstr(p, "  - path:");
	snprintf(buf, n, "%.*s", (int)(end ? end - p : (ptrdiff_t)strlen(p)),
		 p);
	return buf;
}

START_TEST(test_rules)
{
	/* o, a, b for paths 0..3 */
	static const struct pstate s[3][NPATHS] = {
		{ { 'f', 0 }, { 'f', 0 }, { 'f', 0 }, { 0, 0 } },
		/* ours changes 0, changes 1, deletes 2, adds 3 */
		{ { 'f', 1 }, { 'f', 1 }, { 0, 0 }, { 'f', 3 } },
		/* theirs: 0 as it was, 1 otherwise, changes 2, adds 3 too */
		{ { 'f', 0 }, { 'f', 2 }, { 'f', 2 }, { 'f', 4 } },
	};
	static const struct pstate u[3][NPATHS] = {
		{ { 'f', 0 }, { 0, 0 }, { 'f', 0 }, { 'l', 0 } },
		/* ours forgets 0, the user's 2 is kept, link 3 changed */
		{ { 'u', 0 }, { 0, 0 }, { 'f', 0 }, { 'l', 1 } },
		{ { 'f', 5 }, { 'u', 0 }, { 'u', 0 }, { 'l', 2 } },
	};
	struct strbuf out = STRBUF_INIT;
	char buf[512], c[64], hex[65];

	merge_states(s, &out);
	/* one side changed it: that side's */
	content(1, c, sizeof(c));
	sha256_hex(c, strlen(c), hex);
	ck_assert_ptr_nonnull(strstr(entry(&out, 0, buf, sizeof(buf)), hex));
	/* both changed it differently: ours, the base of the next update */
	ck_assert_ptr_nonnull(strstr(entry(&out, 1, buf, sizeof(buf)), hex));
	/* deleted by one, changed by the other: none (the user's) */
	ck_assert_ptr_null(entry(&out, 2, buf, sizeof(buf)));
	/* added by both differently: ours */
	content(3, c, sizeof(c));
	sha256_hex(c, strlen(c), hex);
	ck_assert_ptr_nonnull(strstr(entry(&out, 3, buf, sizeof(buf)), hex));
	strbuf_reset(&out);
	merge_states(u, &out);
	/* a user mark on either side wins */
	ck_assert_ptr_nonnull(strstr(entry(&out, 0, buf, sizeof(buf)),
				     "user: true"));
	ck_assert_ptr_nonnull(strstr(entry(&out, 1, buf, sizeof(buf)),
				     "user: true"));
	ck_assert_ptr_nonnull(strstr(entry(&out, 2, buf, sizeof(buf)),
				     "user: true"));
	/* two different links: none */
	ck_assert_ptr_null(entry(&out, 3, buf, sizeof(buf)));
	strbuf_release(&out);
}
END_TEST

/* Random states on every side: never an error, lock and base agree. */
START_TEST(test_lock_base_agree)
{
	static const int kinds[] = { 0, 'f', 'f', 'f', 'u', 'l', 's' };
	struct pstate s[3][NPATHS];
	struct strbuf out = STRBUF_INIT;
	int n, i, j;

	srand(20261203);
	for (n = 0; n < 400; n++) {
		for (j = 0; j < 3; j++)
			for (i = 0; i < NPATHS; i++) {
				s[j][i].kind = kinds[rand() % 7];
				s[j][i].c = rand() % 3;
				/* most paths: as the ancestor has them */
				if (j && rand() % 2)
					s[j][i] = s[0][i];
			}
		strbuf_reset(&out);
		merge_states((const struct pstate (*)[NPATHS])s, &out);
	}
	strbuf_release(&out);
}
END_TEST

static int
merge_lock_texts(const char *o, const char *a, const char *b,
		 struct strbuf *msgs_out)
{
	struct mstate_text t[3] = { { "o", o, strlen(o) },
				    { "a", a, strlen(a) },
				    { "b", b, strlen(b) } };
	struct strbuf out = STRBUF_INIT;
	struct diag d = DIAG_INIT;
	int ret;

	d.capture = msgs_out;
	ret = mergestate_lock(t, &out, &d);
	if (ret)
		ck_assert_uint_eq(out.len, 0);
	strbuf_release(&out);
	return ret;
}

START_TEST(test_hostile_lock)
{
	static const char ok[] = "lock_version: 1\nfiles: []\n";
	struct strbuf msgs = STRBUF_INIT;

	ck_assert_int_eq(merge_lock_texts(ok, ok, ok, &msgs), 0);
	ck_assert_int_eq(merge_lock_texts("", ok, "", &msgs), 0);
	/* a string that would be YAML if written raw stays a string (else
	 * the merged lock's config_sha256 would be refused) */
	ck_assert_int_eq(merge_lock_texts(ok, "lock_version: 1\n"
					  "khora_version: \"1\\nconfig_sha256"
					  ": x\"\nfiles: []\n", ok, &msgs), 0);
	ck_assert_int_eq(merge_lock_texts(ok, ok, "lock_version: 1\nfiles:\n"
					  "  - {path: ../x, sha256: 0}\n",
					  &msgs), -1);
	ck_assert_ptr_nonnull(strstr(msgs.buf, "escapes the project"));
	strbuf_reset(&msgs);
	ck_assert_int_eq(merge_lock_texts(ok, "lock_version: 1\nfiles:\n"
					  "  - {path: .khora/base, user: "
					  "true}\n", ok, &msgs), -1);
	ck_assert_ptr_nonnull(strstr(msgs.buf, "khora's own state"));
	strbuf_reset(&msgs);
	ck_assert_int_eq(merge_lock_texts(ok, "<<<<<<< HEAD\n" "lock_version: "
					  "1\n", ok, &msgs), -1);
	ck_assert_ptr_nonnull(strstr(msgs.buf, "git merge conflict in "
				     ".khora/lock"));
	strbuf_reset(&msgs);
	ck_assert_int_eq(merge_lock_texts(ok, "lock_version: 1\nfiles:\n"
					  "  - {path: x, mode: \"u+s\", "
					  "user: true}\n", ok, &msgs), -1);
	ck_assert_ptr_nonnull(strstr(msgs.buf, "mode is not an octal"));
	strbuf_reset(&msgs);
	ck_assert_int_eq(merge_lock_texts(ok, "lock_version: 1\nplugins:\n"
					  "  - {name: a, version: \"1\"}\n"
					  "  - {name: a, version: \"2\"}\n"
					  "files: []\n", ok, &msgs), -1);
	ck_assert_msg(strstr(msgs.buf, "listed twice"), "%s", msgs.buf);
	strbuf_release(&msgs);
}
END_TEST

START_TEST(test_hostile_base)
{
	struct strbuf h = STRBUF_INIT, dup = STRBUF_INIT, out = STRBUF_INIT;
	struct mstate_text t[3];
	CAPTURE_DIAG(d, msgs);

	strbuf_addstr(&h, PIPELINE_BASE_HEADER);
	strbuf_addstr(&dup, PIPELINE_BASE_HEADER);
	strbuf_addstr(&dup, "@@ 1 x\na\n@@ 1 x\nb\n");
	t[0].name = "o";
	t[0].buf = h.buf;
	t[0].len = h.len;
	t[1] = t[0];
	t[1].name = "a";
	t[2].name = "b";
	t[2].buf = dup.buf;
	t[2].len = dup.len;
	ck_assert_int_eq(mergestate_base(t, &out, &d), -1);
	ck_assert_msg(strstr(msgs.buf, "b:5: 'x' appears twice"), "%s",
		      msgs.buf);
	strbuf_reset(&msgs);
	/* a size that lies (the diag shows its first error only) */
	d.code = 0;
	d.nr_errors = 0;
	t[2].buf = PIPELINE_BASE_HEADER "@@ 99 x\na\n";
	t[2].len = strlen(t[2].buf);
	ck_assert_int_eq(mergestate_base(t, &out, &d), -1);
	ck_assert_msg(strstr(msgs.buf, "damaged or cut short"), "%s",
		      msgs.buf);
	ck_assert_uint_eq(out.len, 0);
	strbuf_release(&h);
	strbuf_release(&dup);
	strbuf_release(&out);
	strbuf_release(&msgs);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mergestate");
	TCase *tc = tcase_create("mergestate");

	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_lock_base_agree);
	tcase_add_test(tc, test_hostile_lock);
	tcase_add_test(tc, test_hostile_base);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
