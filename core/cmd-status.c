/* SPDX-License-Identifier: MIT */
/*
 * cmd-status.c - `khora status [DIR]`: what changed in a generated
 * project since khora wrote it, from .khora/lock: files modified,
 * deleted, and new files khora did not generate (untracked; .git,
 * .khora and what the project's .gitignore ignores are left out).
 * Exit 0 when clean, 8 (EXIT_DIRTY) when not, the usual error codes
 * when it cannot tell; --porcelain prints "M path", "D path",
 * "U path" (conflict markers an update left, or a binary file in
 * conflict), "N path" (khora's version of a binary file in conflict,
 * written beside it as NAME.khora-new), "? path", "C khora.yaml"
 * (config edited since the last generation) and "! NAME" (the backup
 * directory of an interrupted run, which 'khora update' recovers;
 * status itself never writes) for scripts.
 * A git template with a newer version tag than the project's (as the
 * cache knows it; --fetch asks the remote) is said too, not counted as
 * a change.
 * Everything is read below the root's fd with confine_*(); a file or
 * directory that cannot be read stops the command with exit 7, it is
 * never shown as deleted or clean.
 */
#include "compat.h"
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>
#include "catalog.h"
#include "cli.h"
#include "confine.h"
#include "hash.h"
#include "project.h"
#include "sha256.h"
#include "strbuf.h"
#include "tmplsrc.h"
#include "trash.h"
#include "walk.h"
#include "wrapper.h"

/*
 * A subset of .gitignore: NAME, *.GLOB, DIR/ and PATH/GLOB lines.  The
 * lines without a wildcard are looked up in tables, by name or by path
 * (then with or without the trailing '/'): a .gitignore is input, and a
 * scan of every line per file made status quadratic.
 */
struct ignores {
	struct strlist globs;	/* matched one by one */
	struct strlist names;	/* the tables' keys */
	struct hashmap base, path, base_dir, path_dir;
};

static int
ignored(const struct ignores *ig, const char *rel, const char *base,
	int is_dir)
{
	const struct strlist *pats = &ig->globs;
	size_t i;

	if (hashmap_get(&ig->base, base) || hashmap_get(&ig->path, rel) ||
	    (is_dir && (hashmap_get(&ig->base_dir, base) ||
			hashmap_get(&ig->path_dir, rel))))
		return 1;
	for (i = 0; i < pats->nr; i++) {
		char pat[512];
		size_t n;

		snprintf(pat, sizeof(pat), "%s", pats->v[i]);
		n = strlen(pat);
		if (n && pat[n - 1] == '/') {
			if (!is_dir)
				continue;
			pat[n - 1] = '\0';
		}
		if (strchr(pat, '/') ? !fnmatch(pat[0] == '/' ? pat + 1 : pat,
						rel, FNM_PATHNAME) :
		    !fnmatch(pat, base, 0))
			return 1;
	}
	return 0;
}

static void
add_ignore(struct ignores *ig, const char *line)
{
	size_t n = strlen(line);
	int dir = n && line[n - 1] == '/';
	char *text = xstrndup(line, n - (size_t)dir), *key = text;
	int slash = !!strchr(text, '/');

	if (strpbrk(text, "*?[\\")) {
		strlist_push(&ig->globs, line);
	} else {
		if (slash && *key == '/')
			key++;
		strlist_push(&ig->names, key);
		key = ig->names.v[ig->names.nr - 1];
		hashmap_put(slash ? (dir ? &ig->path_dir : &ig->path) :
			    (dir ? &ig->base_dir : &ig->base), key, key);
	}
	free(text);
}

static void
ignores_clear(struct ignores *ig)
{
	strlist_clear(&ig->globs);
	strlist_clear(&ig->names);
	hashmap_clear(&ig->base);
	hashmap_clear(&ig->path);
	hashmap_clear(&ig->base_dir);
	hashmap_clear(&ig->path_dir);
}

struct untracked {
	/* the lock's paths: a scan of the lock per file on disk made a
	 * status of 20,000 files quadratic */
	const struct hashmap *locked;
	const struct ignores *pats;
	struct strlist *out;
};

static int
untracked_one(const char *rel, const char *base, const struct stat *st,
	      void *arg)
{
	struct untracked *u = arg;
	int is_dir = S_ISDIR(st->st_mode);

	if (!strchr(rel, '/') && (!strcmp(rel, ".git") ||
				  !strcmp(rel, "khora.yaml") ||
				  !strcmp(rel, ".khora") ||
				  starts_with(rel, ".khora-backup.")))
		return WALK_SKIP;
	if (ignored(u->pats, rel, base, is_dir))
		return WALK_SKIP;
	if (!is_dir && !hashmap_get(u->locked, rel))
		strlist_push(u->out, rel);
	return 0;
}

/* One path below root that cannot be read: exit 7, named. */
static int
read_failed(const char *root, const char *rel, int err, struct diag *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct diag_loc loc = { NULL, 0, 0 };

	strbuf_addf(&sb, "%s/%s", root, rel);
	loc.file = sb.buf;
	diag_error(d, EXIT_IO, &loc, "cannot read: %s", confine_strerror(err));
	strbuf_release(&sb);
	return -1;
}

#define GITIGNORE_MAX ((size_t)1 << 20)

static int
read_gitignore(int rootfd, const char *root, struct ignores *pats,
	       struct diag *d)
{
	struct strbuf text = STRBUF_INIT;
	char *line, *save = NULL;

	if (confine_read(rootfd, ".gitignore", &text, GITIGNORE_MAX)) {
		strbuf_release(&text);
		return errno == ENOENT ? 0 : read_failed(root, ".gitignore",
							 errno, d);
	}
	for (line = strtok_r(text.buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (*line && *line != '#' && *line != '!')
			add_ignore(pats, line);
	}
	strbuf_release(&text);
	return 0;
}

/* khora.yaml edited since the project was last generated from it
 * ('C'), deleted ('D'), or not (0); -1 when it cannot be read (found
 * before anything is printed). */
static int
config_state(int rootfd, const char *root, const struct ynode *lock,
	     struct diag *d)
{
	const struct ynode *want = ymap_get(lock, "config_sha256");
	struct strbuf text = STRBUF_INIT;
	char hex[65];
	int changed = 0;

	if (!want || want->kind != Y_SCALAR)
		return 0;
	if (confine_read(rootfd, "khora.yaml", &text, 0)) {
		if (errno != ENOENT) {
			strbuf_release(&text);
			return read_failed(root, "khora.yaml", errno, d);
		}
		changed = 'D';
	} else {
		sha256_hex(text.buf, text.len, hex);
		if (strcmp(hex, want->str))
			changed = 'C';
	}
	strbuf_release(&text);
	return changed;
}

static int
print_config(int changed, int porcelain)
{
	if (changed && porcelain)
		printf("%c khora.yaml\n", changed);
	else if (changed)
		printf("%-10s khora.yaml (%s)\n", changed == 'D' ? "deleted:" :
		       "config:", changed == 'D' ? "'khora update' needs it" :
		       "changed since the last generation; 'khora update' "
		       "applies it");
	return changed != 0;
}

static int
cmd_status(int argc, char **argv, struct diag *d)
{
	struct strlist extra = { NULL, 0, 0 };
	struct ignores pats;
	struct strlist pending = { NULL, 0, 0 };
	struct lock_entry *entries = NULL;
	struct hashmap locked = HASHMAP_INIT;
	struct ynode *tree = NULL;
	const char *dir = ".";
	char *root, *rel = NULL, *bad = NULL;
	size_t i, nr = 0, dirty = 0, ntrash;
	int porcelain = 0, ret = -1, rootfd = -1, changed, *states = NULL;
	int fetch = 0;
	struct strbuf newer = STRBUF_INIT;

	memset(&pats, 0, sizeof(pats));
	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--porcelain"))
			porcelain = 1;
		else if (!strcmp(argv[i], "--fetch"))
			fetch = 1;
		else if (argv[i][0] == '-')
			return cli_usage_error(d, "status", "unknown option "
					       "'%s'", argv[i]);
		else
			dir = argv[i];
	}
	root = project_find_root(dir, &rel, d);
	if (!root && d->code)
		return -1;
	if (!root)
		return diag_error(d, EXIT_USAGE, NULL, "cannot show status of "
				  "'%s': it is not inside a project khora "
				  "generated (no .khora/lock above it)", dir);
	/* read-only: what a killed run left half-done is only reported */
	if (project_recover_pending(root, &pending, d) < 0 ||
	    project_read_lock(root, &tree, &entries, &nr, d))
		goto out;
	states = xcalloc(nr + 1, sizeof(*states));
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		read_failed(root, ".", errno, d);
		goto out;
	}
	/* everything is read before anything is printed: a run that
	 * fails half-way prints no partial list */
	for (i = 0; i < nr; i++) {
		states[i] = project_entry_state(root, &entries[i]);
		if (states[i] < 0) {
			read_failed(root, entries[i].path, errno, d);
			goto out;
		}
	}
	if (read_gitignore(rootfd, root, &pats, d))
		goto out;
	for (i = 0; i < nr; i++)
		hashmap_put(&locked, entries[i].path, &entries[i]);
	{
		struct untracked u = { &locked, &pats, &extra };

		if (walk_tree_checked(root, "", untracked_one, &u, &bad)) {
			read_failed(root, bad ? bad : ".", errno, d);
			goto out;
		}
	}
	changed = config_state(rootfd, root, tree, d);
	if (changed < 0 || tmplsrc_newer(rootfd, fetch, &newer, d))
		goto out;
	for (i = 0; i < pending.nr; i++)
		if (porcelain)
			printf("! %s\n", pending.v[i]);
		else
			printf("%-10s %s (an interrupted run: 'khora update' "
			       "recovers it)\n", "pending:", pending.v[i]);
	dirty += pending.nr;
	for (i = 0; i < nr; i++) {
		int state = states[i];

		/* khora's side of a binary conflict: there until resolved */
		if (entries[i].beside)
			state = state == 'D' ? 0 : 'N';
		if (!state)
			continue;
		dirty++;
		if (porcelain)
			printf("%c %s\n", state, entries[i].path);
		else
			printf("%-10s %s\n", state == 'D' ? "deleted:" :
			       state == 'U' ? "conflict:" : state == 'N' ?
			       "theirs:" : "modified:", entries[i].path);
	}
	dirty += print_config(changed, porcelain);
	for (i = 0; i < extra.nr; i++)
		if (porcelain)
			printf("? %s\n", extra.v[i]);
		else
			printf("%-10s %s\n", "untracked:", extra.v[i]);
	dirty += extra.nr;
	if (!porcelain && !dirty)
		printf("clean: %zu files as khora generated them (%s)\n", nr,
		       root);
	/* not a change either: the template moved on */
	if (!porcelain && newer.len)
		printf("%-10s %s\n", "template:", newer.buf);
	/* not a change: a reminder that copies are kept */
	ntrash = porcelain ? 0 : trash_count(root);
	if (ntrash)
		printf("%zu file%s in .khora/trash (see khora-update(7))\n",
		       ntrash, ntrash == 1 ? "" : "s");
	ret = 0;
	if (dirty)
		d->code = EXIT_DIRTY;
out:
	if (rootfd >= 0)
		close(rootfd);
	free(bad);
	free(states);
	strbuf_release(&newer);
	ignores_clear(&pats);
	hashmap_clear(&locked);
	strlist_clear(&extra);
	strlist_clear(&pending);
	ynode_free(tree);
	free(entries);
	free(root);
	free(rel);
	return dirty && !ret ? EXIT_DIRTY : ret;
}

const struct cmd_entry cmd_status_entry = {
	"status",
	"Show what changed in a generated project since khora wrote it.",
	"[DIR] [--porcelain] [--fetch]",
	"      --porcelain       one 'M|D|U|N|C|?|! path' line per change\n"
	"      --fetch           ask a git template's remote for new tags\n",
	cmd_status,
};
