/* SPDX-License-Identifier: MIT */
/*
 * tglob.h - the globs of a template manifest (exclude, files,
 * skip_if_exists), read like .gitignore patterns:
 *
 *   *.pyc      no slash: matches the name at any depth
 *   docs/x.md  a slash (not only at the end): anchored at the root; a
 *              leading slash only anchors (docs/STAR.md likewise)
 *   build/     a trailing slash: directories only
 *   **         STARSTAR/x: x in any directory; x/STARSTAR: everything
 *              below x (and, as git shows it, x itself: an emptied
 *              directory is not made); a/STARSTAR/b: zero or more
 *              directories between (STAR is '*')
 *   * ? [a-z]  within one path component ('*' matches a leading dot)
 *   !pattern   re-includes what an earlier pattern matched
 *   \!, \#     a literal first character
 *
 * In a list the last pattern that matches a path decides; a path below
 * a directory the list matches is matched too, whatever comes later
 * (git cannot re-include a file of an excluded directory either).
 * Patterns are input: at most 1024 bytes each, matched in time bounded
 * by the pattern's and path's lengths (no backtracking blowup).
 */
#ifndef TGLOB_H
#define TGLOB_H

#include <stddef.h>

#define TGLOB_MAX_LEN 1024

/* Does the one pattern pat (no '!') match path (is_dir: a directory)? */
int tglob_match(const char *pat, const char *path, int is_dir);
/*
 * The decision of the list pats[0..n): 1 matched, 0 not (no pattern,
 * or the last matching one is a '!' pattern).
 */
int tglob_list(const char *const *pats, size_t n, const char *path,
	       int is_dir);
/* Why pat is refused (too long, empty), or NULL. */
const char *tglob_check(const char *pat);

#endif /* TGLOB_H */
