/* SPDX-License-Identifier: MIT */
/*
 * userdir.h - a directory of khora's own below one of the user's (the
 * cache: $XDG_CACHE_HOME/khora/catalog), opened so that nobody else can
 * steer it.  The base is the user's choice and is taken as it is, links
 * and all; every component below it is opened from its parent's
 * descriptor, never through a symbolic link, and must be a directory
 * owned by the running user (or root) that nobody else may write
 * (unless it has the sticky bit, as /tmp).  Nothing is ever removed or
 * changed in what is found: a component that fails is left alone.
 */
#ifndef USERDIR_H
#define USERDIR_H

struct strbuf;

/*
 * The directory base/sub[0]/sub[1]/... (sub ends with NULL), open
 * O_RDONLY|O_DIRECTORY|O_CLOEXEC: its descriptor, or -1.  With create,
 * the base and the missing components are made (0700) first.  On -1,
 * why holds the reason and where the path of the component it is
 * about; errno is EPERM when that component was refused (someone else
 * may have put it there: "a symbolic link (never followed)", "not a
 * directory", "owned by uid N (neither you nor root)", "writable by
 * group or others"), else the error of the call (ENOENT: absent).
 */
int userdir_open(const char *base, const char *const *sub, int create,
		 struct strbuf *why, struct strbuf *where);

#endif /* USERDIR_H */
