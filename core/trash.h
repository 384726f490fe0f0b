/* SPDX-License-Identifier: MIT */
/*
 * trash.h - .khora/trash, where khora keeps a copy of every file it
 * removes or replaces with bytes the user may want back
 * (doc/khora-update.7, ownership).  One run's copies go to
 * .khora/trash/<UTC time>/<path>, "<UTC time>.N" when that name is
 * taken; the directory is made on the first copy.  A copy is a hard
 * link to the file the commit moved aside, so keeping it costs no data
 * and cannot fail half-written.
 *
 * A struct trash owns its directory fds and its name.
 */
#ifndef TRASH_H
#define TRASH_H

#include <stddef.h>

struct trash {
	int fd;			/* the run's directory, or -1 */
	int need_root;		/* .khora/trash is not there yet */
	int made_root;		/* this run made .khora/trash */
	int made_run;		/* this run made its directory */
	char name[64];		/* "20261202T214000Z" (or ".N") */
	char *cache;		/* make_parents()'s */
};

void trash_init(struct trash *t);
/*
 * Picks the run's directory name (t->name) and whether .khora/trash
 * must be made (t->need_root), creating nothing: the commit journals
 * both first, so that a killed run's recovery removes them.  tfd is the
 * project's root.  0, or -1 with errno (ELOOP, ENOTDIR: a symlink or a
 * file where a directory must be).
 */
int trash_prepare(struct trash *t, int tfd);
/* Makes what trash_prepare() chose.  0, or -1 with errno. */
int trash_create(struct trash *t, int tfd);
/*
 * Keeps the file `from` (relative to fromfd) as <run>/path, a hard
 * link, once trash_create() succeeded.  0, or -1 with errno.
 */
int trash_keep(struct trash *t, int tfd, int fromfd, const char *from,
	       const char *path);
/* Removes what this run put in the trash (the commit rolled back). */
void trash_discard(struct trash *t, int tfd);
/* A run directory's name as trash_prepare() makes them ("2026...Z",
 * "...Z.2"): what a journal may ask recovery to remove. */
int trash_valid_name(const char *name);
/*
 * Recovery of a run that did not commit: removes .khora/trash/name if
 * name is valid and everything in it is a hard link to a file of that
 * run's backup directory bfd (so a planted journal can never make it
 * remove copies another run kept).  0, or -1 when it kept the directory
 * for that reason.
 */
int trash_undo(int tfd, const char *name, int bfd);
void trash_release(struct trash *t);
/* The number of files in root/.khora/trash (symlinks not followed). */
size_t trash_count(const char *root);

#endif /* TRASH_H */
