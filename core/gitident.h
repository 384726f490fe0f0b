/* SPDX-License-Identifier: MIT */
/*
 * gitident.h - the user's identity as git's own configuration gives it.
 *
 * gitident_get() asks `git config --get KEY` (user.name, user.email)
 * and returns the value in a new string the caller frees, or NULL when
 * git is missing, fails, has no such value or gives one that is not a
 * single line of printable text.  Never an error: the caller falls back.
 */
#ifndef KHORA_GITIDENT_H
#define KHORA_GITIDENT_H

char *gitident_get(const char *key);

#endif
