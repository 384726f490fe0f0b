/* SPDX-License-Identifier: MIT */
/*
 * cmd-status.c - `khora status [DIR]`: what changed in a generated
 * project since khora wrote it, from .khora/lock: files modified,
 * deleted, and new files khora did not generate (untracked; .git,
 * .khora and what the project's .gitignore ignores are left out).
 * Exit 0 when clean, 1 when not; --porcelain prints "M path", "D path",
 * "? path" for scripts.
 */
#include "compat.h"
#include <dirent.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include "catalog.h"
#include "cli.h"
#include "project.h"
#include "strbuf.h"
#include "wrapper.h"

/* A subset of .gitignore: NAME, *.GLOB, DIR/ and PATH/GLOB lines. */
static int
ignored(const struct strlist *pats, const char *rel, const char *base,
	int is_dir)
{
	size_t i;

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

static int
tracked(const struct lock_entry *e, size_t nr, const char *rel)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(e[i].path, rel))
			return 1;
	return 0;
}

static void
untracked(const char *root, const char *rel, const struct lock_entry *e,
	  size_t nr, const struct strlist *pats, struct strlist *out)
{
	struct strbuf path = STRBUF_INIT, sub = STRBUF_INIT;
	struct dirent *de;
	DIR *dh;

	strbuf_addf(&path, "%s%s%s", root, *rel ? "/" : "", rel);
	dh = opendir(path.buf);
	while (dh && (de = readdir(dh))) {
		struct stat st;
		int is_dir;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (!*rel && (!strcmp(de->d_name, ".git") ||
			       !strcmp(de->d_name, ".khora"))))
			continue;
		strbuf_reset(&sub);
		strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", root, sub.buf);
		if (lstat(path.buf, &st))
			continue;
		is_dir = S_ISDIR(st.st_mode);
		if (ignored(pats, sub.buf, de->d_name, is_dir))
			continue;
		if (is_dir)
			untracked(root, sub.buf, e, nr, pats, out);
		else if (!tracked(e, nr, sub.buf))
			strlist_push(out, sub.buf);
	}
	if (dh)
		closedir(dh);
	strbuf_release(&path);
	strbuf_release(&sub);
}

static void
read_gitignore(const char *root, struct strlist *pats)
{
	struct strbuf path = STRBUF_INIT;
	char line[512];
	FILE *f;

	strbuf_addf(&path, "%s/.gitignore", root);
	f = fopen(path.buf, "r");
	strbuf_release(&path);
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (*line && *line != '#' && *line != '!')
			strlist_push(pats, line);
	}
	if (f)
		fclose(f);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmd_status(int argc, char **argv, struct diag *d)
{
	struct strlist pats = { NULL, 0, 0 }, extra = { NULL, 0, 0 };
	struct lock_entry *entries = NULL;
	struct ynode *tree = NULL;
	const char *dir = ".";
	char *root, *rel = NULL;
	size_t i, nr = 0, dirty = 0;
	int porcelain = 0, ret = -1;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--porcelain"))
			porcelain = 1;
		else if (argv[i][0] == '-')
			return cli_usage_error(d, "status", "unknown option "
					       "'%s'", argv[i]);
		else
			dir = argv[i];
	}
	root = project_find_root(dir, &rel);
	if (!root)
		return diag_error(d, EXIT_USAGE, NULL, "cannot show status of "
				  "'%s': it is not inside a project khora "
				  "generated (no .khora/lock above it)", dir);
	if (project_read_lock(root, &tree, &entries, &nr, d))
		goto out;
	for (i = 0; i < nr; i++) {
		int state = project_entry_state(root, &entries[i]);

		if (!state)
			continue;
		dirty++;
		if (porcelain)
			printf("%c %s\n", state, entries[i].path);
		else
			printf("%-10s %s\n", state == 'D' ? "deleted:" :
			       "modified:", entries[i].path);
	}
	read_gitignore(root, &pats);
	untracked(root, "", entries, nr, &pats, &extra);
	if (extra.nr)
		qsort(extra.v, extra.nr, sizeof(*extra.v), cmp_str);
	for (i = 0; i < extra.nr; i++)
		if (porcelain)
			printf("? %s\n", extra.v[i]);
		else
			printf("%-10s %s\n", "untracked:", extra.v[i]);
	dirty += extra.nr;
	if (!porcelain && !dirty)
		printf("clean: %zu files as khora generated them (%s)\n", nr,
		       root);
	ret = 0;
	if (dirty)
		d->code = 1;
out:
	strlist_clear(&pats);
	strlist_clear(&extra);
	ynode_free(tree);
	free(entries);
	free(root);
	free(rel);
	return dirty && !ret ? 1 : ret;
}

const struct cmd_entry cmd_status_entry = {
	"status",
	"Show what changed in a generated project since khora wrote it.",
	"[DIR] [--porcelain]",
	"      --porcelain       one 'M|D|? path' line per change\n",
	cmd_status,
};
