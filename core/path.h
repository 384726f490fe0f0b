/* SPDX-License-Identifier: MIT */
/*
 * path.h - project-relative path checks.  Every path a config value, a
 * plugin or a template names goes through path_check() before the core
 * acts on it: the result is relative, '/'-separated, free of "." and
 * ".." components and of empty components, and stays inside the project.
 */
#ifndef PATH_H
#define PATH_H

#include <stddef.h>

#define PATH_MAX_COMPONENT 255
#define PATH_MAX_TOTAL 4095

/*
 * Normalises path in place ("a/./b//c" -> "a/b/c").  Returns NULL when
 * the path is acceptable, else a static reason ("is absolute",
 * "escapes the project", ...).
 */
const char *path_check(char *path);

/*
 * Whether a path component names git's own directory (".git" in any
 * case, or its NTFS short name "git~1"), which no generated path may
 * enter, as git refuses such paths in a tree: a config or hook there is
 * code that git runs.
 */
int path_is_git(const char *name, size_t len);

/*
 * Whether a component names version-control metadata (.git, .hg, .svn,
 * CVS, ... in any case), which khora never reads from a template nor
 * writes; path_vcs_component() points at the first such component of a
 * '/'-separated path, or is NULL.
 */
int path_is_vcs(const char *name, size_t len);
const char *path_vcs_component(const char *path);

/*
 * Why a normalised project path is khora's own, or NULL: a top-level
 * ".khora-backup.*" or ".khora-stage.*" (a crash journal and its
 * backups, a staging directory), ".khora" itself, or .khora/lock,
 * .khora/base, .khora/answers.yaml and anything below them; in any
 * case.  Only the core, and the template's answers file, write there.
 */
const char *path_reserved(const char *path);

/*
 * The absolute, symlink-free form of path (malloc'd), which need not
 * exist: a missing last component is appended to its resolved
 * directory.  NULL when the directory cannot be resolved either.
 */
char *path_absolute(const char *path);
/* The relative path from directory `from` to `to`, both absolute and
 * normalised (malloc'd); "." when they are the same. */
char *path_relative(const char *from, const char *to);
/* path (relative to the working directory, or absolute) as seen from
 * the absolute directory dir: path_relative() of its absolute form;
 * that form when dir is NULL, path itself when it cannot be resolved. */
char *path_relative_from(const char *dir, const char *path);

#endif /* PATH_H */
