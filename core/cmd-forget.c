/* SPDX-License-Identifier: MIT */
/*
 * cmd-forget.c - `khora forget PATH..`: stop tracking generated files
 * the user deleted or rewrote on purpose (the example router every
 * user deletes), so that `khora status` is clean.  The lock keeps the
 * path with "user: true" and no hash, the base drops its pristine copy:
 * update then never recreates, merges or removes it, for as long as a
 * plugin would generate it (doc/khora-update.7).  Nothing else is
 * regenerated; the two records are written through the journalled
 * per-file commit, under the project's lock.
 */
#include "compat.h"
#include <fcntl.h>
#include <unistd.h>
#include "cli.h"
#include "confine.h"
#include "path.h"
#include "pipeline.h"
#include "project.h"
#include "strbuf.h"
#include "update.h"
#include "wrapper.h"

struct forget_opts {
	const char *dir;		/* -C: PATHs are relative to it */
	struct strlist paths;
};

static int
parse_args(int argc, char **argv, struct forget_opts *o, struct diag *d)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *v = NULL;
		int r = cli_opt(argc, argv, &i, "--dir", 'C', &v, d);

		if (r < 0)
			return -1;
		if (r && o->dir)
			return cli_usage_error(d, "forget", "more than one "
					       "project directory");
		if (r) {
			o->dir = v;
		} else if (!strcmp(argv[i], "--error-format=json")) {
			d->json = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error(d, "forget", "unknown option "
					       "'%s'", argv[i]);
		} else {
			strlist_push(&o->paths, argv[i]);
		}
	}
	if (!o->paths.nr)
		return cli_usage_error(d, "forget", "missing path (e.g. "
				       "'khora forget src/app/routes/"
				       "example.py')");
	if (!o->dir)
		o->dir = ".";
	return 0;
}

/* Folds "." and ".." components; -1 when ".." climbs above the top. */
static int
fold_dots(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	char *save = NULL, *c;

	for (c = strtok_r(sb->buf, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		char *slash;

		if (!strcmp(c, "."))
			continue;
		if (strcmp(c, "..")) {
			strbuf_addf(&out, "%s%s", out.len ? "/" : "", c);
			continue;
		}
		if (!out.len) {
			strbuf_release(&out);
			return -1;
		}
		slash = strrchr(out.buf, '/');
		out.len = slash ? (size_t)(slash - out.buf) : 0;
		out.buf[out.len] = '\0';
	}
	strbuf_release(sb);
	*sb = out;
	return 0;
}

/*
 * arg as a project path: relative to the directory the user named
 * (rel, below root), or absolute under root.  NULL when it leaves the
 * project (the user's paths are input too).
 */
static char *
project_path(const char *root, const char *rel, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(root);

	if (arg[0] == '/') {
		if (strncmp(arg, root, n) || arg[n] != '/')
			return NULL;
		strbuf_addstr(&sb, arg + n + 1);
	} else {
		strbuf_addf(&sb, "%s%s%s", rel, *rel ? "/" : "", arg);
	}
	if (fold_dots(&sb) || !sb.len || path_check(sb.buf)) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/*
 * The lock's text with path's entry made the user's: its "plugin:"
 * line kept, its hash, mode and template dropped.  The lock is khora's
 * own fixed format (records.c); an entry it cannot find is an error.
 */
static int
edit_lock(struct strbuf *lock, const char *path)
{
	struct strbuf want = STRBUF_INIT, out = STRBUF_INIT;
	const char *p = lock->buf, *end = lock->buf + lock->len, *hit;
	int found = 0;

	strbuf_addstr(&want, "\n  - path: \"");
	strbuf_add_json(&want, path, strlen(path));
	strbuf_addstr(&want, "\"\n");
	hit = strstr(p, want.buf);
	if (hit) {
		found = 1;
		strbuf_add(&out, p, (size_t)(hit - p) + want.len);
		p = hit + want.len;
		while (p < end && starts_with(p, "    ")) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) + 1 :
				(size_t)(end - p);

			if (starts_with(p, "    plugin: "))
				strbuf_add(&out, p, len);
			p += len;
		}
		strbuf_addstr(&out, "    user: true\n");
		strbuf_add(&out, p, (size_t)(end - p));
		strbuf_release(lock);
		*lock = out;
	}
	strbuf_release(&want);
	return found ? 0 : -1;
}

struct base_edit {
	const struct strlist *drop;
	struct strbuf *out;
};

static void
keep_frame(const char *path, const char *data, size_t len, void *arg)
{
	struct base_edit *e = arg;

	if (strlist_has(e->drop, path))
		return;
	strbuf_addf(e->out, "@@ %zu %s\n", len, path);
	strbuf_add(e->out, data, len);
	strbuf_addch(e->out, '\n');
}

/* The base without the forgotten paths' copies (its header kept). */
static int
edit_base(struct strbuf *base, const struct strlist *drop)
{
	struct strbuf out = STRBUF_INIT;
	struct base_edit e = { drop, &out };
	const char *first = strstr(base->buf, "\n@@ ");

	strbuf_add(&out, base->buf, first ? (size_t)(first - base->buf) + 1 :
		   base->len);
	if (pipeline_read_base(base->buf, base->len, keep_frame, &e)) {
		strbuf_release(&out);
		return -1;
	}
	strbuf_release(base);
	*base = out;
	return 0;
}

/* Writes the two records through the journalled commit. */
static int
commit_records(const char *root, struct strbuf *lock, struct strbuf *base,
	       struct diag *d)
{
	struct pipeline p;
	struct action a[2];
	char lock_path[] = ".khora/lock", base_path[] = ".khora/base";
	int ret;

	memset(&p, 0, sizeof(p));
	memset(a, 0, sizeof(a));
	a[0].kind = a[1].kind = A_TEXT;
	a[0].mode = a[1].mode = 0644;
	a[0].path = lock_path;
	a[0].data = lock->buf;
	a[0].len = lock->len;
	a[1].path = base_path;
	a[1].data = base ? base->buf : NULL;
	a[1].len = base ? base->len : 0;
	p.d = d;
	p.actions = a;
	/* no base (gone, or a project from before it): none is made up;
	 * an empty one would be a damaged base that update refuses */
	p.nr = base ? 2 : 1;
	p.target = root;
	p.force = 1;
	ret = pipeline_stage_commit(&p);
	return ret;
}

static const struct lock_entry *
find_entry(const struct lock_entry *v, size_t nr, const char *path)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(v[i].path, path))
			return &v[i];
	return NULL;
}

/* Every PATH must be a file khora tracks: all or nothing. */
static int
check_paths(const struct forget_opts *o, const char *root, const char *rel,
	    const struct lock_entry *v, size_t nr, struct strlist *out,
	    struct diag *d)
{
	size_t i;

	for (i = 0; i < o->paths.nr; i++) {
		const char *arg = o->paths.v[i];
		char *path = project_path(root, rel, arg);
		const struct lock_entry *e = path ? find_entry(v, nr, path) :
			NULL;

		if (!path)
			return diag_error(d, EXIT_USAGE, NULL, "cannot forget "
					  "'%s': it is outside the project "
					  "'%s'", arg, root);
		if (!e || e->user) {
			diag_error(d, EXIT_USAGE, NULL, "cannot forget '%s': "
				   "khora does not track it%s", arg, !e ? "" :
				   " (forgotten already, or your own file)");
			free(path);
			return -1;
		}
		if (!strlist_has(out, path))
			strlist_push(out, path);
		free(path);
	}
	return 0;
}

static int
forget(const struct forget_opts *o, const char *root, const char *rel,
       struct diag *d)
{
	struct strbuf lock = STRBUF_INIT, base = STRBUF_INIT, sb = STRBUF_INIT;
	struct strlist paths = { NULL, 0, 0 };
	struct update u;
	struct diag_loc loc = { NULL, 0, 0 };
	size_t i;
	int ret = -1, rootfd = -1;

	/* the lock and the base as update reads and checks them: a base
	 * update would refuse is not rewritten here as if it were fine */
	if (update_init(&u, root, MERGE_MARKERS, d) ||
	    check_paths(o, root, rel, u.old, u.nr_old, &paths, d))
		goto out;
	strbuf_addf(&sb, "%s/.khora/lock", root);
	loc.file = sb.buf;
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || confine_read(rootfd, ".khora/lock", &lock, 0)) {
		diag_error(d, EXIT_IO, &loc, "cannot read: %s",
			   confine_strerror(errno));
		goto out;
	}
	for (i = 0; i < paths.nr; i++)
		if (edit_lock(&lock, paths.v[i])) {
			diag_error(d, EXIT_IO, &loc, "invalid lock file: "
				   "cannot find the entry of '%s'",
				   paths.v[i]);
			goto out;
		}
	/* a missing base (a project from before it) stays missing */
	if (!u.base_missing) {
		strbuf_add(&base, u.base_buf, u.base_len);
		/* update_init() parsed these very bytes */
		if (edit_base(&base, &paths)) {
			diag_error(d, EXIT_INTERNAL, NULL, "cannot edit "
				   "%s/.khora/base: it no longer parses",
				   root);
			goto out;
		}
	}
	if (commit_records(root, &lock, u.base_missing ? NULL : &base, d))
		goto out;
	for (i = 0; i < paths.nr; i++)
		printf("forgot %s: khora no longer tracks it\n", paths.v[i]);
	ret = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	strlist_clear(&paths);
	strbuf_release(&lock);
	strbuf_release(&base);
	strbuf_release(&sb);
	update_release(&u);
	return ret;
}

static int
cmd_forget(int argc, char **argv, struct diag *d)
{
	struct forget_opts o;
	char *rel = NULL, *root = NULL;
	int ret = -1, lockfd = -1;

	memset(&o, 0, sizeof(o));
	if (parse_args(argc, argv, &o, d))
		goto out;
	root = project_find_root(o.dir, &rel, d);
	if (!root && d->code)
		goto out;
	if (!root) {
		diag_error(d, EXIT_USAGE, NULL, "cannot forget in '%s': it is "
			   "not inside a project khora generated (no "
			   ".khora/lock above it)", o.dir);
		goto out;
	}
	lockfd = project_lock(root, d);
	if (lockfd < 0 || project_recover(root, d))
		goto out;
	ret = forget(&o, root, rel, d);
out:
	if (lockfd >= 0)
		close(lockfd);
	strlist_clear(&o.paths);
	free(root);
	free(rel);
	return ret;
}

const struct cmd_entry cmd_forget_entry = {
	"forget",
	"Stop tracking generated files you deleted or rewrote on purpose.",
	"PATH.. [-C DIR]",
	"  -C, --dir DIR         PATHs are relative to DIR (default: the\n"
	"                        working directory)\n",
	cmd_forget,
};
