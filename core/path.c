/* SPDX-License-Identifier: MIT */
/*
 * path.c - normalisation and confinement of project-relative paths.
 */
#include "compat.h"
#include <limits.h>
#include <strings.h>
#include <stdio.h>
#include "path.h"
#include "strbuf.h"
#include "wrapper.h"

int
path_is_git(const char *name, size_t len)
{
	return (len == 4 && !strncasecmp(name, ".git", 4)) ||
	       (len == 5 && !strncasecmp(name, "git~1", 5));
}

/*
 * Version-control metadata directories and files: a config, a hook or a
 * pointer to another repository there is code or data that a VCS acts on.
 */
static const char *const vcs_names[] = {
	".git", ".hg", ".svn", ".bzr", "_darcs", "CVS", ".fslckout",
	"_FOSSIL_", ".pijul", ".jj", "git~1",
};

int
path_is_vcs(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(vcs_names) / sizeof(*vcs_names); i++)
		if (strlen(vcs_names[i]) == len &&
		    !strncasecmp(name, vcs_names[i], len))
			return 1;
	return 0;
}

const char *
path_vcs_component(const char *path)
{
	while (*path) {
		size_t len = strcspn(path, "/");

		if (path_is_vcs(path, len))
			return path;
		path += len;
		path += *path == '/';
	}
	return NULL;
}

/* Is the component name, len bytes, name or name followed by more? */
static int
prefixed(const char *name, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !strncasecmp(name, prefix, n);
}

/* The files of .khora/ that khora reads back (a plugin may write
 * others there, such as .khora/context.yaml). */
static const char *const state_names[] = { "lock", "base", "answers.yaml",
	"trash" };

const char *
path_reserved(const char *path)
{
	size_t len = strcspn(path, "/"), i;

	if (prefixed(path, len, ".khora-backup.") ||
	    prefixed(path, len, ".khora-stage."))
		return "reserved for khora's own state";
	if (len != 6 || strncasecmp(path, ".khora", 6))
		return NULL;
	if (!path[len])
		return "reserved for khora's own state";
	path += len + 1;
	len = strcspn(path, "/");
	for (i = 0; i < sizeof(state_names) / sizeof(*state_names); i++)
		if (strlen(state_names[i]) == len &&
		    !strncasecmp(path, state_names[i], len))
			return "reserved for khora's own state";
	return NULL;
}

const char *
path_check(char *path)
{
	char *r = path, *w = path;
	size_t total = strlen(path);

	if (!*path)
		return "is empty";
	if (*path == '/')
		return "is absolute";
	if (total > PATH_MAX_TOTAL)
		return "is too long";
	for (; *r; r++)
		if ((unsigned char)*r < 0x20 || *r == 0x7f || *r == '\\')
			return "contains a control character or backslash";
	r = path;
	while (*r) {
		const char *start = r;
		size_t len;

		while (*r && *r != '/')
			r++;
		len = (size_t)(r - start);
		if (*r)
			r++;
		if (!len || (len == 1 && *start == '.'))
			continue;
		if (len == 2 && start[0] == '.' && start[1] == '.')
			return "escapes the project";
		if (len > PATH_MAX_COMPONENT)
			return "has a component that is too long";
		if (path_is_git(start, len))
			return "goes into a .git directory (git's own: hooks "
			       "and config there run code)";
		if (w != path)
			*w++ = '/';
		memmove(w, start, len);
		w += len;
	}
	*w = '\0';
	if (!*path)
		return "names the project root";
	return NULL;
}

char *
path_absolute(const char *path)
{
	char abs[PATH_MAX], parent[PATH_MAX];
	char *dir, *s;
	struct strbuf sb = STRBUF_INIT;

	if (realpath(path, abs))
		return xstrdup(abs);
	dir = xstrdup(path);
	s = strrchr(dir, '/');
	if (s)
		*s = '\0';
	if (!realpath(s ? (*dir ? dir : "/") : ".", parent)) {
		free(dir);
		return NULL;
	}
	strbuf_addstr(&sb, parent);
	if (sb.len > 1)
		strbuf_addch(&sb, '/');
	strbuf_addstr(&sb, s ? s + 1 : path);
	free(dir);
	return strbuf_detach(&sb, NULL);
}

char *
path_relative(const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	size_t common = 0, i;

	/* the longest common prefix that ends at a component boundary */
	for (i = 0;; i++) {
		int fend = !from[i] || from[i] == '/';
		int tend = !to[i] || to[i] == '/';

		if (fend && tend)
			common = i;
		if (!from[i] || !to[i] || from[i] != to[i])
			break;
	}
	for (i = common; from[i]; i++)
		if (from[i] == '/' && from[i + 1])
			strbuf_addstr(&sb, sb.len ? "/.." : "..");
	if (to[common] == '/' && to[common + 1]) {
		if (sb.len)
			strbuf_addch(&sb, '/');
		strbuf_addstr(&sb, to + common + 1);
	}
	if (!sb.len)
		strbuf_addch(&sb, '.');
	return strbuf_detach(&sb, NULL);
}

char *
path_relative_from(const char *dir, const char *path)
{
	char *abs = path_absolute(path), *rel;

	if (!abs)
		return xstrdup(path);
	if (!dir)
		return abs;
	rel = path_relative(dir, abs);
	free(abs);
	return rel;
}
