/* SPDX-License-Identifier: MIT */
/*
 * mergestate.c - the three-way merge of two branches' .khora/lock and
 * .khora/base (mergestate.h), path by path, by one rule that both files
 * can apply on their own: git runs the driver once per file and never
 * shows one the other.
 */
#include "compat.h"
#include "mergestate.h"
#include "path.h"
#include "pipeline.h"
#include "project.h"
#include "sha256.h"
#include "wrapper.h"

static int
same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/*
 * git's rule for one value, absent (NULL) included: the side that
 * changed it, or both when they agree: 1 ours, 2 theirs.  Changed
 * differently on both: ours when both have one (the file git merged
 * on disk is ours plus theirs' change, which the next update finds
 * again in what it renders), else -1 (none: a file one side deleted and
 * the other changed is the user's; pick3() keeps the ancestor's).
 */
static int
choose3(const char *o, const char *a, const char *b)
{
	if (same_str(a, b))
		return 1;
	if (same_str(a, o))
		return 2;
	if (same_str(b, o))
		return 1;
	return a && b ? 1 : -1;
}

static const char *
pick3(const char *o, const char *a, const char *b)
{
	int c = choose3(o, a, b);

	return c == 1 ? a : c == 2 ? b : o;
}

/*
 * The checks .khora/lock's entries get (project.c): a base record is
 * for a file khora generated, inside the project, never its state.
 */
static const char *
bad_path(const char *path)
{
	char *copy = xstrdup(path);
	const char *why = path_check(copy);
	int same = !why && !strcmp(copy, path);

	free(copy);
	if (why)
		return why;
	if (!same)
		return "is not in normal form";
	if (!strcmp(path, ".khora") || !strcmp(path, ".khora/lock") ||
	    !strcmp(path, ".khora/base") || starts_with(path, ".khora-"))
		return "is khora's own state, not a file it generated";
	return NULL;
}

/* ---- .khora/lock ---- */

struct litem {
	const struct lock_entry *e;
	const char *mode;
};

struct lside {
	struct ynode *tree;
	struct lock_entry *e;
	struct litem *it;		/* sorted by path */
	size_t nr;
	const struct ynode **plugins;	/* {name, version}, by name */
	size_t nr_plugins;
};

static int
cmp_litem(const void *a, const void *b)
{
	return strcmp(((const struct litem *)a)->e->path,
		      ((const struct litem *)b)->e->path);
}

static const char *
scalar(const struct ynode *map, const char *key)
{
	const struct ynode *v = map ? ymap_get(map, key) : NULL;

	return v && v->kind == Y_SCALAR ? v->str : NULL;
}

static int
cmp_plugin(const void *a, const void *b)
{
	return strcmp(scalar(*(const struct ynode *const *)a, "name"),
		      scalar(*(const struct ynode *const *)b, "name"));
}

/*
 * The plugins list add_lock() writes: {name, version} maps, once each;
 * sorted here, so that a lock of many thousands stays cheap to check
 * and to merge.
 */
static int
read_plugins(struct lside *s, struct diag *d)
{
	const struct ynode *p = ymap_get(s->tree, "plugins");
	size_t i;

	if (!p)
		return 0;
	if (p->kind != Y_SEQ)
		return ynode_error(d, EXIT_IO, p, "plugins is not a list");
	s->plugins = xcalloc(p->nr + 1, sizeof(*s->plugins));
	for (i = 0; i < p->nr; i++) {
		if (p->vals[i]->kind != Y_MAP || !scalar(p->vals[i], "name"))
			return ynode_error(d, EXIT_IO, p->vals[i], "a plugins "
					   "entry without a name");
		s->plugins[i] = p->vals[i];
	}
	s->nr_plugins = p->nr;
	if (p->nr)
		qsort(s->plugins, p->nr, sizeof(*s->plugins), cmp_plugin);
	for (i = 1; i < p->nr; i++)
		if (!cmp_plugin(&s->plugins[i - 1], &s->plugins[i]))
			return ynode_error(d, EXIT_IO, s->plugins[i], "plugin "
					   "'%s' is listed twice",
					   scalar(s->plugins[i], "name"));
	return 0;
}

static int
read_lock(const struct mstate_text *t, struct lside *s, struct diag *d)
{
	const struct ynode *files, *m;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!t->len)
		return 0;	/* no lock on that side */
	if (project_parse_lock(t->name, t->buf, t->len, &s->tree, &s->e,
			       &s->nr, d))
		return -1;
	files = ymap_get(s->tree, "files");
	s->it = xcalloc(s->nr + 1, sizeof(*s->it));
	for (i = 0; i < s->nr; i++) {
		s->it[i].e = &s->e[i];
		m = ymap_get(files->vals[i], "mode");
		if (m && (m->kind != Y_SCALAR || strlen(m->str) < 3 ||
			  strlen(m->str) > 4 ||
			  strspn(m->str, "01234567") != strlen(m->str)))
			return ynode_error(d, EXIT_IO, m, "'%s': mode is not "
					   "an octal number", s->e[i].path);
		s->it[i].mode = m ? m->str : NULL;
	}
	if (s->nr)
		qsort(s->it, s->nr, sizeof(*s->it), cmp_litem);
	return read_plugins(s, d);
}

static void
lside_release(struct lside *s)
{
	ynode_free(s->tree);
	free(s->e);
	free(s->it);
	free(s->plugins);
}

/* What the base holds for it: the user's, symlinks and files holding
 * a secret answer have nothing. */
static const char *
bval(const struct litem *x)
{
	return x && !x->e->user && !x->e->secret ? x->e->sha256 : NULL;
}

/* The same file as far as a merge goes: owner, link or content. */
static int
same_key(const struct litem *a, const struct litem *b)
{
	if (!a || !b)
		return a == b;
	if (a->e->user || b->e->user)
		return a->e->user && b->e->user;
	return same_str(a->e->symlink, b->e->symlink) &&
	       same_str(a->e->sha256, b->e->sha256) &&
	       a->e->secret == b->e->secret;
}

static int
same_entry(const struct litem *a, const struct litem *b)
{
	if (!a || !b)
		return a == b;
	return same_key(a, b) && same_str(a->e->plugin, b->e->plugin) &&
	       same_str(a->e->template, b->e->template) &&
	       same_str(a->mode, b->mode) &&
	       a->e->conflict == b->e->conflict &&
	       same_str(a->e->beside, b->e->beside);
}

/*
 * One path's entry (NULL: none).  Where both sides changed it
 * differently: a user mark on either side wins (never lost); else
 * choose3() on the hashes, the rule mergestate_base() applies to the
 * copies, so that lock and base agree: with ours as the base, the next
 * update merges what git merged on disk (ours and theirs' change)
 * against it, and never takes that file for untouched.
 */
static const struct litem *
decide(const struct litem *o, const struct litem *a, const struct litem *b,
       int *conflict)
{
	const struct litem *x;
	int c;

	*conflict = 0;
	if (same_key(a, b)) {
		*conflict = a && b && (a->e->conflict || b->e->conflict);
		return same_entry(a, o) ? b : a;
	}
	if (same_key(a, o))
		return b;
	if (same_key(b, o))
		return a;
	if (a && a->e->user)
		return a;
	if (b && b->e->user)
		return b;
	c = choose3(bval(o), bval(a), bval(b));
	x = c == 1 ? a : c == 2 ? b : NULL;
	return bval(x) ? x : NULL;
}

static void
add_entry(struct strbuf *sb, const struct litem *x, int conflict)
{
	const struct lock_entry *e = x->e;

	strbuf_addstr(sb, "  - path: ");
	ytree_add_scalar(sb, e->path, 1);
	strbuf_addch(sb, '\n');
	if (e->plugin) {
		strbuf_addstr(sb, "    plugin: ");
		ytree_add_scalar(sb, e->plugin, 0);
		strbuf_addch(sb, '\n');
	}
	if (e->user) {
		strbuf_addstr(sb, "    user: true\n");
		return;
	}
	if (e->symlink) {
		strbuf_addstr(sb, "    symlink: ");
		ytree_add_scalar(sb, e->symlink, 1);
		strbuf_addch(sb, '\n');
		return;
	}
	if (e->template) {
		strbuf_addstr(sb, "    template: ");
		ytree_add_scalar(sb, e->template, 0);
		strbuf_addch(sb, '\n');
	}
	if (x->mode)
		strbuf_addf(sb, "    mode: \"%s\"\n", x->mode);
	strbuf_addf(sb, "    sha256: %s\n", e->sha256);
	if (conflict || e->conflict)
		strbuf_addstr(sb, "    conflict: true\n");
	if (e->secret)
		strbuf_addstr(sb, "    secret: true\n");
	if (e->beside) {
		strbuf_addstr(sb, "    beside: ");
		ytree_add_scalar(sb, e->beside, 1);
		strbuf_addch(sb, '\n');
	}
}

/* The head of each side that names the smallest path; 0 when done. */
static int
next_litems(struct lside s[3], size_t at[3], const struct litem *cur[3])
{
	const char *min = NULL;
	int i;

	for (i = 0; i < 3; i++)
		if (at[i] < s[i].nr && (!min || strcmp(s[i].it[at[i]].e->path,
						       min) < 0))
			min = s[i].it[at[i]].e->path;
	for (i = 0; i < 3; i++)
		cur[i] = min && at[i] < s[i].nr &&
			!strcmp(s[i].it[at[i]].e->path, min) ?
			&s[i].it[at[i]++] : NULL;
	return min != NULL;
}

/* The version of a plugin entry: "" when it has none, never NULL. */
static const char *
version(const struct ynode *p)
{
	const char *v;

	if (!p)
		return NULL;
	v = scalar(p, "version");
	return v ? v : "";
}

/* Each plugin three-way by name, its version the value. */
static void
add_plugins(struct strbuf *sb, struct lside s[3])
{
	const struct ynode *cur[3];
	const char *min, *v;
	size_t at[3] = { 0, 0, 0 };
	int i;

	strbuf_addstr(sb, "plugins:\n");
	for (;;) {
		min = NULL;
		for (i = 0; i < 3; i++)
			if (at[i] < s[i].nr_plugins &&
			    (!min || strcmp(scalar(s[i].plugins[at[i]],
						   "name"), min) < 0))
				min = scalar(s[i].plugins[at[i]], "name");
		if (!min)
			break;
		for (i = 0; i < 3; i++)
			cur[i] = at[i] < s[i].nr_plugins &&
				!strcmp(scalar(s[i].plugins[at[i]], "name"),
					min) ? s[i].plugins[at[i]++] : NULL;
		v = pick3(version(cur[0]), version(cur[1]), version(cur[2]));
		if (!v)
			continue;
		strbuf_addstr(sb, "  - {name: ");
		ytree_add_scalar(sb, min, 0);
		strbuf_addstr(sb, ", version: ");
		ytree_add_scalar(sb, v, 1);
		strbuf_addstr(sb, "}\n");
	}
}

static const char *
top(const struct lside *s, const char *key)
{
	return scalar(s->tree, key);
}

static void
add_top(struct strbuf *sb, struct lside s[3])
{
	const char *v, *sha;

	strbuf_addstr(sb, "# khora lock file: what khora generated here, "
		      "with content hashes.\n# Do not edit; 'khora update' "
		      "reads it.\nlock_version: 1\n");
	v = pick3(top(&s[0], "khora_version"), top(&s[1], "khora_version"),
		  top(&s[2], "khora_version"));
	if (v || (v = top(&s[1], "khora_version"))) {
		/* any string: written as a scalar, never as YAML */
		strbuf_addstr(sb, "khora_version: ");
		ytree_add_scalar(sb, v, 0);
		strbuf_addch(sb, '\n');
	}
	/* both applied a different khora.yaml: the ancestor's hash, so
	 * that status says the merged one is not applied yet */
	sha = pick3(top(&s[0], "config_sha256"), top(&s[1], "config_sha256"),
		    top(&s[2], "config_sha256"));
	v = pick3(top(&s[0], "config"), top(&s[1], "config"),
		  top(&s[2], "config"));
	if (v) {
		strbuf_addstr(sb, "config: ");
		ytree_add_scalar(sb, v, 0);
		strbuf_addch(sb, '\n');
	}
	if (sha)
		strbuf_addf(sb, "config_sha256: %s\n", sha);
}

/* The result must read back as a lock khora accepts. */
static int
recheck_lock(const char *name, const struct strbuf *sb, struct diag *d)
{
	struct lock_entry *e = NULL;
	struct ynode *tree = NULL;
	struct strbuf n = STRBUF_INIT;
	size_t nr;
	int ret;

	strbuf_addf(&n, "%s (merged)", name);
	ret = project_parse_lock(n.buf, sb->buf, sb->len, &tree, &e, &nr, d);
	ynode_free(tree);
	free(e);
	strbuf_release(&n);
	return ret;
}

int
mergestate_lock(const struct mstate_text v[3], struct strbuf *out,
		struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct lside s[3];
	const struct litem *cur[3], *x;
	size_t at[3] = { 0, 0, 0 }, n;
	int i, conflict, ret = -1;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 3; i++)
		if (read_lock(&v[i], &s[i], d))
			goto out;
	add_top(&sb, s);
	add_plugins(&sb, s);
	strbuf_addstr(&sb, "files:\n");
	n = sb.len;
	while (next_litems(s, at, cur))
		if ((x = decide(cur[0], cur[1], cur[2], &conflict)))
			add_entry(&sb, x, conflict);
	if (sb.len == n) {
		/* "files:" alone would read as null */
		sb.buf[--sb.len] = '\0';
		strbuf_addstr(&sb, " []\n");
	}
	if (recheck_lock(v[1].name, &sb, d))
		goto out;
	strbuf_add(out, sb.buf, sb.len);
	ret = 0;
out:
	for (i = 0; i < 3; i++)
		lside_release(&s[i]);
	strbuf_release(&sb);
	return ret;
}

/* ---- .khora/base ---- */

struct brec {
	char *path;
	const char *data;
	size_t len;
	char hex[65];
};

struct bside {
	struct brec *r;
	size_t nr, alloc;
};

static void
add_rec(const char *path, const char *data, size_t len, void *arg)
{
	struct bside *s = arg;

	ALLOC_GROW(s->r, s->nr, s->alloc);
	s->r[s->nr].path = xstrdup(path);
	s->r[s->nr].data = data;
	s->r[s->nr].len = len;
	sha256_hex(data, len, s->r[s->nr].hex);
	s->nr++;
}

static int
cmp_brec(const void *a, const void *b)
{
	return strcmp(((const struct brec *)a)->path,
		      ((const struct brec *)b)->path);
}

static unsigned
line_at(const char *buf, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

static int
base_error(const struct mstate_text *t, size_t off, struct diag *d,
	   const char *what, const char *path)
{
	struct diag_loc loc = { t->name, line_at(t->buf, off), 0 };

	if (path)
		return diag_error(d, EXIT_IO, &loc, "'%s' %s", path, what);
	return diag_error(d, EXIT_IO, &loc, "%s", what);
}

static int
read_base(const struct mstate_text *t, struct bside *s, struct diag *d)
{
	const char *why;
	size_t i, off;
	unsigned marker;

	if (!t->len)
		return 0;	/* no base on that side */
	if (pipeline_read_base(t->buf, t->len, add_rec, s)) {
		off = s->nr ? (size_t)(s->r[s->nr - 1].data - t->buf) +
			s->r[s->nr - 1].len + 1 : 0;
		marker = project_conflict_line(t->buf + off, t->len - off);
		if (marker)
			return project_conflict_error(t->name, ".khora/base",
						      line_at(t->buf, off) +
						      marker - 1, d);
		return base_error(t, off, d, "damaged or cut short: the "
				  "record here is not '@@ SIZE PATH' and SIZE "
				  "bytes", NULL);
	}
	for (i = 0; i < s->nr; i++) {
		/* the record's "@@" line is the one before its data */
		off = (size_t)(s->r[i].data - t->buf) - 1;
		if ((why = bad_path(s->r[i].path)))
			return base_error(t, off, d, why, s->r[i].path);
	}
	if (s->nr)
		qsort(s->r, s->nr, sizeof(*s->r), cmp_brec);
	for (i = 1; i < s->nr; i++)
		if (!strcmp(s->r[i].path, s->r[i - 1].path))
			return base_error(t, (size_t)(s->r[i].data - t->buf) -
					  1, d, "appears twice", s->r[i].path);
	return 0;
}

static void
bside_release(struct bside *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->r[i].path);
	free(s->r);
}

static int
next_brecs(struct bside s[3], size_t at[3], const struct brec *cur[3])
{
	const char *min = NULL;
	int i;

	for (i = 0; i < 3; i++)
		if (at[i] < s[i].nr && (!min || strcmp(s[i].r[at[i]].path,
						       min) < 0))
			min = s[i].r[at[i]].path;
	for (i = 0; i < 3; i++)
		cur[i] = min && at[i] < s[i].nr &&
			!strcmp(s[i].r[at[i]].path, min) ?
			&s[i].r[at[i]++] : NULL;
	return min != NULL;
}

static void
count_rec(const char *path, const char *data, size_t len, void *arg)
{
	(void)path;
	(void)data;
	(void)len;
	(*(size_t *)arg)++;
}

int
mergestate_base(const struct mstate_text v[3], struct strbuf *out,
		struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct bside s[3];
	const struct brec *cur[3], *x;
	size_t at[3] = { 0, 0, 0 }, n = 0, want = 0;
	int i, c, ret = -1;

	memset(s, 0, sizeof(s));
	for (i = 0; i < 3; i++)
		if (read_base(&v[i], &s[i], d))
			goto out;
	strbuf_addstr(&sb, PIPELINE_BASE_HEADER);
	while (next_brecs(s, at, cur)) {
		/* mergestate_lock()'s decide() on the same hashes */
		c = choose3(cur[0] ? cur[0]->hex : NULL,
			    cur[1] ? cur[1]->hex : NULL,
			    cur[2] ? cur[2]->hex : NULL);
		x = c > 0 ? cur[c] : NULL;
		if (!x)
			continue;
		strbuf_addf(&sb, "@@ %zu %s\n", x->len, x->path);
		strbuf_add(&sb, x->data, x->len);
		strbuf_addch(&sb, '\n');
		want++;
	}
	if (pipeline_read_base(sb.buf, sb.len, count_rec, &n) || n != want) {
		struct diag_loc loc = { v[1].name, 0, 0 };

		diag_error(d, EXIT_INTERNAL, &loc, "BUG: the merged base "
			   "does not read back");
		goto out;
	}
	strbuf_add(out, sb.buf, sb.len);
	ret = 0;
out:
	for (i = 0; i < 3; i++)
		bside_release(&s[i]);
	strbuf_release(&sb);
	return ret;
}
