/* SPDX-License-Identifier: MIT */
/*
 * tmplsrc.h - where a template comes from (khora-template(5), SOURCES):
 * a plain directory, used as it is, or a git repository (https://,
 * ssh://, git@host:path, file://, gh:OWNER/REPO, gl:OWNER/REPO), with an
 * optional subdirectory (SRC, two slashes, sub/dir; or --template-dir).
 *
 * A git source is fetched into a cache, $XDG_CACHE_HOME/khora (default
 * ~/.cache/khora): git/<key>.git is a bare repository per normalised
 * URL, checkouts/<commit>/ the files of one commit, written once (to a
 * temporary name, then renamed) and never changed after.  git runs as a
 * subprocess with an argv (fork + execvp, no shell) and an environment
 * built from nothing but PATH, HOME, the proxy and ssh-agent variables
 * and the settings that make it ignore every configuration file and
 * hook and never prompt.  A tag or commit already in the cache is used
 * without the network; a branch, and "the newest tag", ask the remote.
 *
 * The checkout is then read like any template directory (tmpldir.h):
 * confined, no symlink followed, .git never part of it.
 *
 * struct tmplsrc owns every string it holds.
 */
#ifndef TMPLSRC_H
#define TMPLSRC_H

#include "diag.h"

struct strlist;

struct tmplsrc {
	char *given;		/* the source as the user wrote it */
	char *url;		/* git: the URL git is given; NULL: a dir */
	char *subdir;		/* below the checkout or dir, or NULL */
	char *ref;		/* as asked (--ref, or recorded), or NULL */
	char *commit;		/* git: the resolved commit */
	char *tag;		/* git: the tag it resolved through, or NULL */
	char *dir;		/* the template directory to read */
	char *repo;		/* git: the cache's bare repository */
};

/* Is src a git source (URL or shorthand), rather than a directory? */
int tmplsrc_is_git(const char *src);

/*
 * Resolves src (with subdir, from --template-dir, or NULL; ref and
 * commit may be NULL) into s->dir.  A recorded commit already in the
 * cache is used as it is (no network); ref "latest" means the newest
 * version tag.  Exit codes: 2 for a malformed source, 5 for an unknown
 * ref or a checkout that is no template, 7 when git fails or is
 * missing.  s is initialised either way; tmplsrc_release() it.
 */
int tmplsrc_resolve(struct tmplsrc *s, const char *src, const char *subdir,
		    const char *ref, const char *commit, struct diag *d);

/*
 * The version tags the cache knows for src (from the last time the
 * remote was asked), newest first, pushed onto out; with fetch, asks
 * the remote first.  0, or -1 with an error (exit 7).
 */
int tmplsrc_tags(const char *src, int fetch, struct strlist *out,
		 struct diag *d);

/*
 * For status: when the project's khora.yaml (below rootfd) records a
 * git template at a version tag and the cache knows a newer one (asking
 * the remote first with fetch), appends "TAG is out (...)" to out.  0,
 * or -1 with an error (exit 7) when fetch fails.
 */
struct strbuf;
int tmplsrc_newer(int rootfd, int fetch, struct strbuf *out,
		  struct diag *d);

/*
 * PEP 440 ordering of two version tags (a leading 'v' allowed):
 * <0, 0, >0.  A tag that is no version sorts below every version.
 */
int tmplsrc_version_cmp(const char *a, const char *b);
/* Is tag a PEP 440 version (a leading 'v' allowed)? */
int tmplsrc_is_version(const char *tag);

/* The cache directory: $XDG_CACHE_HOME/khora or ~/.cache/khora; NULL
 * when neither variable is an absolute path. */
char *tmplsrc_cache_dir(void);

void tmplsrc_release(struct tmplsrc *s);

#endif /* TMPLSRC_H */
