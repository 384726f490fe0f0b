/* SPDX-License-Identifier: MIT */
/*
 * tglob.c - gitignore-style globs (see tglob.h).  The matcher walks the
 * pattern and the path together; each '*' or '**' tries the positions
 * after it, and a failed (pattern, path) pair is remembered, so that a
 * hostile "*a*a*a*a*b" costs at most pattern x path steps.
 */
#include "compat.h"
#include <fnmatch.h>
#include "tglob.h"
#include "wrapper.h"

struct gm {
	const char *p, *s;
	size_t plen, slen;
	unsigned char *failed;	/* (plen + 1) x (slen + 1) bits */
};

static int
seen_fail(struct gm *g, size_t pi, size_t si)
{
	size_t bit = pi * (g->slen + 1) + si;

	return g->failed[bit / 8] & (1u << (bit % 8));
}

static void
mark_fail(struct gm *g, size_t pi, size_t si)
{
	size_t bit = pi * (g->slen + 1) + si;

	g->failed[bit / 8] |= (unsigned char)(1u << (bit % 8));
}

/* The end of the bracket expression at p[pi] == '[', or 0 if unclosed. */
static size_t
class_end(const char *p, size_t pi)
{
	size_t i = pi + 1;

	if (p[i] == '!' || p[i] == '^')
		i++;
	if (p[i] == ']')
		i++;
	while (p[i] && p[i] != ']' && p[i] != '/')
		i++;
	return p[i] == ']' ? i : 0;
}

/* Does the class p[pi..end] hold c?  fnmatch(3) on that one class. */
static int
class_has(const char *p, size_t pi, size_t end, char c)
{
	char pat[TGLOB_MAX_LEN + 2], str[2] = { c, '\0' };

	snprintf(pat, sizeof(pat), "%.*s", (int)(end - pi + 1), p + pi);
	if (pat[1] == '^')
		pat[1] = '!';
	return !fnmatch(pat, str, FNM_PATHNAME);
}

static int
m(struct gm *g, size_t pi, size_t si)
{
	const char *p = g->p, *s = g->s;
	size_t end;
	int ok = 0;

	if (seen_fail(g, pi, si))
		return 0;
	if (p[pi] == '*' && p[pi + 1] == '*' && (!pi || p[pi - 1] == '/') &&
	    (p[pi + 2] == '/' || !p[pi + 2])) {
		if (!p[pi + 2])
			return 1;	/* x/STARSTAR: anything below */
		/* STARSTAR then a slash: zero or more directories */
		for (;;) {
			if (m(g, pi + 3, si)) {
				ok = 1;
				break;
			}
			while (s[si] && s[si] != '/')
				si++;
			if (!s[si])
				break;
			si++;
		}
	} else if (p[pi] == '*') {
		while (p[pi] == '*')
			pi++;
		for (;;) {
			if (m(g, pi, si)) {
				ok = 1;
				break;
			}
			if (!s[si] || s[si] == '/')
				break;
			si++;
		}
	} else if (!p[pi]) {
		ok = !s[si];
	} else if (!s[si]) {
		ok = 0;
	} else if (p[pi] == '?') {
		ok = s[si] != '/' && m(g, pi + 1, si + 1);
	} else if (p[pi] == '[' && (end = class_end(p, pi))) {
		ok = s[si] != '/' && class_has(p, pi, end, s[si]) &&
		     m(g, end + 1, si + 1);
	} else {
		if (p[pi] == '\\' && p[pi + 1])
			pi++;
		ok = p[pi] == s[si] && m(g, pi + 1, si + 1);
	}
	if (!ok)
		mark_fail(g, pi, si);
	return ok;
}

/* Matches the whole path against the prepared pattern p. */
static int
match_path(const char *p, const char *s)
{
	struct gm g;
	int ok;

	g.p = p;
	g.s = s;
	g.plen = strlen(p);
	g.slen = strlen(s);
	g.failed = xcalloc((g.plen + 1) * (g.slen + 1) / 8 + 1, 1);
	ok = m(&g, 0, 0);
	free(g.failed);
	return ok;
}

const char *
tglob_check(const char *pat)
{
	if (strlen(pat) > TGLOB_MAX_LEN)
		return "is longer than 1024 bytes";
	if (!*pat || !strcmp(pat, "!") || !strcmp(pat, "/"))
		return "is empty";
	return NULL;
}

int
tglob_match(const char *pat, const char *path, int is_dir)
{
	char buf[TGLOB_MAX_LEN + 8];
	size_t n = strlen(pat);
	int dir_only = 0, ok;

	if (tglob_check(pat))
		return 0;
	if (pat[0] == '\\' && (pat[1] == '!' || pat[1] == '#'))
		pat++, n--;
	if (n > 1 && pat[n - 1] == '/') {
		dir_only = 1;
		n--;
	}
	if (dir_only && !is_dir)
		return 0;
	if (memchr(pat, '/', n))
		/* anchored: a leading slash says only that */
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - (*pat == '/')),
			 pat + (*pat == '/'));
	else
		snprintf(buf, sizeof(buf), "**/%.*s", (int)n, pat);
	ok = match_path(buf, path);
	/* x/STARSTAR also names x: git never shows an emptied one */
	n = strlen(buf);
	if (!ok && is_dir && n > 3 && !strcmp(buf + n - 3, "/**")) {
		buf[n - 3] = '\0';
		ok = match_path(buf, path);
	}
	return ok;
}

/* The list's decision for path itself, its parents not considered. */
static int
decide(const char *const *pats, size_t n, const char *path, int is_dir)
{
	size_t i = n;

	while (i--) {
		int neg = pats[i][0] == '!';

		if (tglob_match(pats[i] + neg, path, is_dir))
			return !neg;
	}
	return 0;
}

int
tglob_list(const char *const *pats, size_t n, const char *path, int is_dir)
{
	char *copy = xstrdup(path), *slash;
	int ret = 0;

	/* a matched parent directory decides for all below it */
	for (slash = strchr(copy, '/'); slash && !ret;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		ret = decide(pats, n, copy, 1);
		*slash = '/';
	}
	if (!ret)
		ret = decide(pats, n, path, is_dir);
	free(copy);
	return ret;
}
